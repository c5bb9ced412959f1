/* SPDX-License-Identifier: MIT */
/* Needs model: the canonical, order-free parts of the fit (docs/needs.md, "The fit"). Customers
 * are ranked by a seeded hash of their id (ties by id), the samples are the first customers of
 * that order, and every sum over customers is exact (rounded once), so that the fit depends on
 * the set of customers only: not on the book's order, and not on how the book is split into
 * parts (the distributed fit, dist.c, merges the same summaries). */
#include <math.h>
#include <string.h>

#include "models/needs/needs_internal.h"

/* ---- the canonical order ----------------------------------------------------------------- */

/* SplitMix64's finaliser. */
uint64_t tier__needs_mix64(uint64_t z)
{
    z += UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* h = mix(seed xor mix(len)), then per 8 bytes of the id (little-endian, the last zero-padded)
 * h = mix(h xor word). */
uint64_t tier__needs_hash(double seed, const char *id, size_t len)
{
    uint64_t h = tier__needs_mix64((uint64_t)seed ^ tier__needs_mix64((uint64_t)len));
    size_t i, b;
    for (i = 0; i < len; i += 8) {
        uint64_t w = 0;
        for (b = 0; b < 8 && i + b < len; b++)
            w |= (uint64_t)(unsigned char)id[i + b] << (8 * b);
        h = tier__needs_mix64(h ^ w);
    }
    return h;
}

int tier__needs_canon_before(uint64_t ha, const char *a, size_t la, uint64_t hb, const char *b,
                             size_t lb)
{
    int c;
    if (ha != hb)
        return ha < hb;
    c = memcmp(a, b, la < lb ? la : lb);
    return c < 0 || (c == 0 && la < lb);
}

int tier__needs_canon_sort(const tier_allocator *a, size_t n, const uint64_t *hash,
                           const char *const *id, const size_t *len, uint32_t *order)
{
    uint64_t *key;
    size_t i, j;
    if (n > UINT32_MAX)
        return TIER_ERANGE;
    if (!(key = tier__malloc_n(a, n + 1, sizeof *key)))
        return TIER_ENOMEM;
    for (i = 0; i < n; i++) {
        key[i] = hash[i];
        order[i] = (uint32_t)i;
    }
    if (tier__order_stable(a, NULL, key, order, n) != TIER_OK) {
        tier__free(a, key);
        return TIER_ENOMEM;
    }
    /* Equal hashes (rare) by id: insertion sort within each run. */
    for (i = 0; i < n; i = j) {
        size_t s, t;
        for (j = i + 1; j < n && key[j] == key[i]; j++)
            ;
        for (s = i + 1; s < j; s++) {
            uint32_t v = order[s];
            for (t = s;
                 t > i && tier__needs_canon_before(hash[v], id[v], len[v], hash[order[t - 1]],
                                                   id[order[t - 1]], len[order[t - 1]]);
                 t--)
                order[t] = order[t - 1];
            order[t] = v;
        }
    }
    tier__free(a, key);
    return TIER_OK;
}

/* ---- standardisation from exact sums ------------------------------------------------------ */

int tier__needs_summary_alloc(const tier_allocator *a, needs_summary *s, size_t p)
{
    size_t f;
    memset(s, 0, sizeof *s);
    s->lo = tier__malloc_n(a, p + 1, sizeof *s->lo);
    s->hi = tier__malloc_n(a, p + 1, sizeof *s->hi);
    s->sum = tier__calloc(a, p + 1, sizeof *s->sum);
    s->ss = tier__calloc(a, p + 1, sizeof *s->ss);
    if (!s->lo || !s->hi || !s->sum || !s->ss) {
        tier__needs_summary_free(a, s);
        return TIER_ENOMEM;
    }
    s->p = p;
    for (f = 0; f < p; f++) {
        s->lo[f] = INFINITY;
        s->hi[f] = -INFINITY;
    }
    return TIER_OK;
}

void tier__needs_summary_free(const tier_allocator *a, needs_summary *s)
{
    void *own[] = {s->lo, s->hi, s->sum, s->ss};
    tier__free_all(a, own, sizeof own / sizeof *own);
    memset(s, 0, sizeof *s);
}

void tier__needs_summary_row(needs_summary *s, const double *row)
{
    size_t f;
    for (f = 0; f < s->p; f++) {
        double v = row[f];
        tier__needs_xs_add(&s->sum[f], v);
        if (v < s->lo[f])
            s->lo[f] = v;
        if (v > s->hi[f])
            s->hi[f] = v;
    }
    s->nc++;
}

size_t tier__needs_spread_row(needs_summary *s, const double *row, const double *mean)
{
    size_t f;
    for (f = 0; f < s->p; f++) {
        double d = row[f] - mean[f];
        if (!(d * d < INFINITY))
            return f;
    }
    for (f = 0; f < s->p; f++) {
        double d = row[f] - mean[f];
        if (d != 0)
            tier__xsum_add(&s->ss[f], d * d);
    }
    return s->p;
}

int tier__needs_summary_merge(needs_summary *s, const needs_summary *b)
{
    size_t f;
    int rc = TIER_OK;
    s->n += b->n;
    s->nc += b->nc;
    for (f = 0; f < s->p; f++) {
        if (b->lo[f] < s->lo[f])
            s->lo[f] = b->lo[f];
        if (b->hi[f] > s->hi[f])
            s->hi[f] = b->hi[f];
        rc |= tier__xsum_merge(&s->sum[f].pos, &b->sum[f].pos);
        rc |= tier__xsum_merge(&s->sum[f].neg, &b->sum[f].neg);
        rc |= tier__xsum_merge(&s->ss[f], &b->ss[f]);
    }
    return rc ? TIER_ERANGE : TIER_OK;
}

/* mean = (exact sum rounded once) / customers; a constant feature's mean is its value. */
int tier__needs_std_means(const needs_state *st, needs_fit *nf, const needs_summary *s, char *err)
{
    size_t f, p = nf->p;
    for (f = 0; f < p; f++) {
        nf->mean[f] = 0;
        nf->scale[f] = 1;
        nf->used[f] = 1;
    }
    nf->pu = p;
    if (!st->o.standardize)
        return TIER_OK;
    for (f = 0; f < p; f++) {
        double nc = (double)s->nc;
        nf->mean[f] = s->nc ? tier__xsum_diff_round(&s->sum[f].pos, &s->sum[f].neg) / nc : 0;
        if (s->nc && s->lo[f] == s->hi[f])
            nf->mean[f] = s->lo[f];
        if (!isfinite(nf->mean[f])) {
            tier__errorf(err, "feature \"%s\": values too large to standardise", st->feat[f]);
            return TIER_ERANGE;
        }
    }
    return TIER_OK;
}

/* sd = sqrt((exact sum of squared deviations rounded once) / customers); a feature without
 * spread is dropped from a clustering (a profile states it in raw units). */
int tier__needs_std_scales(const needs_state *st, needs_fit *nf, const needs_summary *s, char *err)
{
    size_t f, p = nf->p;
    if (!st->o.standardize)
        return TIER_OK;
    nf->pu = 0;
    for (f = 0; f < p; f++) {
        double sd;
        if (s->nc == 0 || s->lo[f] == s->hi[f]) {
            nf->used[f] = (unsigned char)(st->nprof > 0);
            nf->pu += nf->used[f];
            continue;
        }
        sd = sqrt(tier__xsum_round(&s->ss[f]) / (double)s->nc);
        if (!isfinite(sd) || !(sd > 0)) {
            tier__errorf(err, "feature \"%s\": values too large or too close to standardise",
                         st->feat[f]);
            return TIER_ERANGE;
        }
        nf->scale[f] = sd;
        nf->pu++;
    }
    return TIER_OK;
}

int tier__needs_standardise_rows(const needs_state *st, const needs_fit *nf, double *x, size_t nc,
                                 char *err)
{
    size_t i, f, p = nf->p, pu = nf->pu;
    for (i = 0; i < nc; i++) {
        size_t u = 0;
        for (f = 0; f < p; f++) {
            double z;
            if (!nf->used[f])
                continue;
            z = (x[i * p + f] - nf->mean[f]) / nf->scale[f];
            if (!(fabs(z) <= MAX_Z)) {
                tier__errorf(err, "feature \"%s\": value %.17g is too far out (|z| > 1e100)",
                             st->feat[f], x[i * p + f]);
                return TIER_ERANGE;
            }
            x[i * pu + u++] = z;
        }
    }
    return TIER_OK;
}

/* ---- k-means: the sample phase and the final iterations ----------------------------------- */

size_t tier__needs_sample_phase(km_ws *w, const needs_state *st, const double *zs, size_t ns,
                                size_t klo, size_t khi, int automatic, double *silhouette, int *rc)
{
    const tier_allocator *a = &st->h.alloc;
    size_t nk = khi - klo + 1, t, i, kstar = klo, ns_sil;
    int32_t *sil_lab;
    double *sil;
    int it, conv;
    *rc = TIER_OK;
    *silhouette = NAN;
    if (!automatic) {
        tier__needs_best_of_restarts(w, zs, ns, klo, st, &it, &conv);
        return klo;
    }
    /* The silhouette sample: the first `sample` rows of the canonical sample. */
    ns_sil = (size_t)st->o.sample < ns ? (size_t)st->o.sample : ns;
    sil_lab = tier__calloc(a, ns_sil * nk, sizeof *sil_lab);
    sil = tier__calloc(a, nk, sizeof *sil);
    if (!sil_lab || !sil) {
        *rc = TIER_ENOMEM;
        goto done;
    }
    for (t = 0; t < nk; t++) {
        tier__needs_best_of_restarts(w, zs, ns, klo + t, st, &it, &conv);
        for (i = 0; i < ns_sil; i++)
            sil_lab[t * ns_sil + i] = w->best_lab[i];
    }
    if ((*rc = tier__needs_silhouettes(a, zs, ns_sil, w->p, sil_lab, klo, nk, sil)) != TIER_OK)
        goto done;
    for (t = 1; t < nk; t++)
        if (sil[t] > sil[kstar - klo])
            kstar = klo + t;
    *silhouette = sil[kstar - klo];
    /* The chosen k again unless it was the last tried (the same streams give the same result). */
    if (kstar != khi)
        tier__needs_best_of_restarts(w, zs, ns, kstar, st, &it, &conv);
done:
    tier__free(a, sil_lab);
    tier__free(a, sil);
    return kstar;
}

void tier__needs_lloyd_part(const double *z, size_t n, size_t pu, size_t k, const double *ct,
                            double *acc, size_t *cnt, needs_xs *sum, tier__xsum *inertia)
{
    size_t i, f;
    for (i = 0; i < n; i++) {
        double b, s;
        const double *zi = z + i * pu;
        size_t j;
        needs_xs *sj;
        tier__needs_dist_all(zi, ct, pu, k, acc);
        j = tier__needs_nearest(acc, k, &b, &s);
        cnt[j]++;
        sj = sum + j * pu;
        for (f = 0; f < pu; f++)
            tier__needs_xs_add(&sj[f], zi[f]);
        if (b > 0)
            tier__xsum_add(inertia, b);
    }
}

int tier__needs_centres_step(size_t k, size_t pu, const size_t *cnt, const needs_xs *sum,
                             const double *cold, double *cnew)
{
    size_t j, f;
    for (j = 0; j < k; j++)
        for (f = 0; f < pu; f++)
            cnew[j * pu + f] =
                cnt[j] ? tier__xsum_diff_round(&sum[j * pu + f].pos, &sum[j * pu + f].neg) /
                             (double)cnt[j]
                       : cold[j * pu + f];
    return memcmp(cnew, cold, k * pu * sizeof *cnew) == 0;
}

int tier__needs_finish_kmeans(needs_state *st, needs_fit *nf, const double *cu, const size_t *cnt,
                              size_t k)
{
    const tier_allocator *a = &st->h.alloc;
    size_t kept = nf->k, i, j, f, u;
    double *c = tier__calloc(a, k * nf->p + 1, sizeof *c);
    int rc;
    if (!c)
        return TIER_ENOMEM;
    for (j = 0; j < k; j++)
        for (f = 0, u = 0; f < nf->p; f++)
            c[j * nf->p + f] = nf->used[f] ? cu[j * nf->pu + u++] : 0;
    /* The fit's arrays were sized for the most segments; only k are named. */
    nf->k = k;
    rc = tier__needs_order_and_name(st, nf, c, cnt, k);
    if (rc)
        nf->k = kept;
    else
        for (i = k; i < kept; i++)
            nf->names[i] = NULL;
    if (!rc)
        nf->source = SRC_KMEANS;
    tier__free(a, c);
    return rc;
}

int tier__needs_fit_flat(needs_state *st, needs_fit *nf, size_t k, size_t nc)
{
    size_t *cnt = tier__calloc(&st->h.alloc, k, sizeof *cnt);
    int rc;
    if (!cnt)
        return TIER_ENOMEM;
    cnt[0] = nc;
    nf->iterations = 0;
    nf->converged = 1;
    nf->inertia = 0;
    nf->silhouette = st->o.k == 0 ? 0 : NAN;
    rc = tier__needs_finish_kmeans(st, nf, NULL, cnt, k);
    tier__free(&st->h.alloc, cnt);
    return rc;
}
