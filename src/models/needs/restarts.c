/* SPDX-License-Identifier: MIT */
/* Needs model: the restarts over every customer (init_sample = 0; docs/needs.md, "Clustering").
 * Every step is a function of the set of customers that merges over parts: a k-means++ draw is
 * the customer of the lowest key (one per customer, from its hash: order-free), the iterations
 * are the final iterations' (exact centroid sums), so a split run (dist.c) computes the same
 * restarts from per-part pieces. */
#include <math.h>
#include <string.h>

#include "models/needs/needs_internal.h"

#define LN2 0.69314718055994530942

/* -ln(u) for u in (0, 1) by basic operations only (the same bits on every IEEE-754 platform):
 * u = m 2^e with m in [1, 2), ln m = 2 atanh(s) with s = (m - 1) / (m + 1) <= 1/3, 40 terms. u
 * is at least 2^-54 here, so it is normal. */
static double neglog(double u)
{
    uint64_t bits;
    double m, s, s2, t, sum = 0;
    int e, i;
    memcpy(&bits, &u, sizeof bits);
    e = (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & UINT64_C(0x000fffffffffffff)) | UINT64_C(0x3ff0000000000000);
    memcpy(&m, &bits, sizeof m);
    s = (m - 1) / (m + 1);
    s2 = s * s;
    t = s;
    for (i = 0; i < 40; i++) {
        sum += t / (double)(2 * i + 1);
        t *= s2;
    }
    return -((double)e * LN2 + 2 * sum);
}

uint64_t tier__needs_draw_stream(double seed, size_t k, int r, size_t j)
{
    tier__rng g;
    tier__rng_init(&g, (uint64_t)seed, STREAM_EXACT_DRAW, (uint64_t)k,
                   ((uint64_t)r << 9) | (uint64_t)j);
    return tier__rng_next(&g);
}

double tier__needs_draw_key(uint64_t h, uint64_t s, size_t j, double d2)
{
    double u = ((double)(tier__needs_mix64(h ^ s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    if (j == 0)
        return u;
    return d2 > 0 ? neglog(u) / d2 : INFINITY;
}

int tier__needs_choose_k(const tier_allocator *a, const double *zs, size_t ns, size_t pu,
                         const int32_t *sil_lab, size_t klo, size_t nk, size_t *kstar,
                         double *silhouette)
{
    double *sil = tier__calloc(a, nk, sizeof *sil);
    size_t t;
    int rc;
    if (!sil)
        return TIER_ENOMEM;
    rc = tier__needs_silhouettes(a, zs, ns, pu, sil_lab, klo, nk, sil);
    *kstar = klo;
    for (t = 1; !rc && t < nk; t++)
        if (sil[t] > sil[*kstar - klo])
            *kstar = klo + t;
    if (!rc)
        *silhouette = sil[*kstar - klo];
    tier__free(a, sil);
    return rc;
}

/* k centres drawn from the ns rows: the lowest key of each draw (ties: the earlier row). mind
 * holds each row's squared distance to the nearest centre so far. */
static void draw_centres(const needs_state *st, const double *zs, const uint64_t *hs, size_t ns,
                         size_t pu, size_t k, int r, double *c, double *mind)
{
    size_t i, j;
    for (j = 0; j < k; j++) {
        uint64_t s = tier__needs_draw_stream(st->o.seed, k, r, j);
        size_t pick = 0;
        double best = INFINITY;
        for (i = 0; i < ns; i++) {
            double key = tier__needs_draw_key(hs[i], s, j, j ? mind[i] : 0);
            if (i == 0 || key < best) {
                best = key;
                pick = i;
            }
        }
        memcpy(c + j * pu, zs + pick * pu, pu * sizeof *c);
        for (i = 0; i < ns; i++) {
            double d = tier__needs_sqdist(zs + i * pu, c + j * pu, pu);
            if (j == 0 || d < mind[i])
                mind[i] = d;
        }
    }
}

size_t tier__needs_exact_phase(km_ws *w, needs_xs *xs, const needs_state *st, const double *zs,
                               const uint64_t *hs, size_t ns, size_t klo, size_t khi, int automatic,
                               double *silhouette, double *best, int *rc)
{
    const tier_allocator *a = &st->h.alloc;
    size_t pu = w->p, nk = khi - klo + 1, t, i, kstar = klo;
    size_t ns_sil = (size_t)st->o.sample < ns ? (size_t)st->o.sample : ns;
    double *mind = tier__malloc_n(a, ns + 1, sizeof *mind);
    double *bestc = tier__malloc_n(a, nk * khi * pu, sizeof *bestc);
    int32_t *sil_lab = tier__calloc(a, nk * ns_sil + 1, sizeof *sil_lab);
    *silhouette = NAN;
    *rc = TIER_ENOMEM;
    if (!mind || !bestc || !sil_lab)
        goto done;
    for (t = 0; t < nk; t++) {
        size_t k = klo + t;
        double low = INFINITY;
        int r;
        for (r = 0; r < st->o.n_init; r++) {
            int it, conv;
            double inertia;
            draw_centres(st, zs, hs, ns, pu, k, r, w->c, mind);
            inertia = tier__needs_refine(w, xs, zs, ns, k, st->o.max_iter, &it, &conv);
            if (r == 0 || inertia < low) {
                low = inertia;
                memcpy(bestc + t * khi * pu, w->c, k * pu * sizeof *bestc);
                for (i = 0; i < ns_sil; i++)
                    sil_lab[t * ns_sil + i] = w->lab[i];
            }
        }
    }
    *rc = automatic ? tier__needs_choose_k(a, zs, ns_sil, pu, sil_lab, klo, nk, &kstar, silhouette)
                    : TIER_OK;
    if (!*rc)
        memcpy(best, bestc + (kstar - klo) * khi * pu, kstar * pu * sizeof *best);
done:
    tier__free(a, mind);
    tier__free(a, bestc);
    tier__free(a, sil_lab);
    return kstar;
}
