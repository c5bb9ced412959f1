/* SPDX-License-Identifier: MIT */
/* Needs model: mean silhouettes of candidate k on a sample, to choose k. */
#include <math.h>

#include "models/needs/needs_internal.h"

/* ---- silhouette -------------------------------------------------------------------------- */

/* Mean silhouette of each candidate t (labels lab[t*ns + i], k_t = klo + t) over the sample rows
 * z (ns x p): for a row, a = mean distance to the other rows of its cluster, b = the smallest mean
 * distance to the rows of another cluster, s = (b - a) / max(a, b); s = 0 for a row alone in its
 * cluster or when no other cluster has rows. Pairwise distances are computed once per group of
 * candidates whose accumulators fit SIL_BUDGET. */
int tier__needs_silhouettes(const tier_allocator *a, const double *z, size_t ns, size_t p,
                            const int32_t *lab, size_t klo, size_t nk, double *out)
{
    size_t t0 = 0, k;
    if (ns == 0) { /* no sample rows: no silhouette (found by scan-build: tot / ns) */
        for (k = 0; k < nk; k++)
            out[k] = 0.0;
        return TIER_OK;
    }
    while (t0 < nk) {
        size_t t1 = t0, tot = 0, t, i, j;
        double *acc;
        size_t *cnt, *base;
        while (t1 < nk && (t1 == t0 || tot + (klo + t1) * ns <= SIL_BUDGET))
            tot += (klo + t1++) * ns;
        acc = tier__calloc(a, tot, sizeof *acc);
        cnt = tier__calloc(a, tot / ns, sizeof *cnt);
        base = tier__calloc(a, t1 - t0, sizeof *base);
        if (!acc || !cnt || !base) {
            tier__free(a, acc);
            tier__free(a, cnt);
            tier__free(a, base);
            return TIER_ENOMEM;
        }
        for (t = t0, j = 0; t < t1; t++) {
            base[t - t0] = j; /* offset of candidate t's clusters, in units of one cluster */
            j += klo + t;
        }
        for (t = t0; t < t1; t++)
            for (i = 0; i < ns; i++)
                cnt[base[t - t0] + (size_t)lab[t * ns + i]]++;
        for (i = 0; i < ns; i++) {
            for (j = i + 1; j < ns; j++) {
                double d = sqrt(tier__needs_sqdist(z + i * p, z + j * p, p));
                for (t = t0; t < t1; t++) {
                    size_t kt = klo + t, b = base[t - t0] * ns;
                    acc[b + i * kt + (size_t)lab[t * ns + j]] += d;
                    acc[b + j * kt + (size_t)lab[t * ns + i]] += d;
                }
            }
        }
        for (t = t0; t < t1; t++) {
            size_t kt = klo + t, b = base[t - t0] * ns, c;
            const size_t *n_of = cnt + base[t - t0];
            double total = 0;
            for (i = 0; i < ns; i++) {
                size_t own = (size_t)lab[t * ns + i];
                const double *row = acc + b + i * kt;
                double am, bm = INFINITY, s = 0;
                if (n_of[own] > 1) {
                    am = row[own] / (double)(n_of[own] - 1);
                    for (c = 0; c < kt; c++)
                        if (c != own && n_of[c] > 0 && row[c] / (double)n_of[c] < bm)
                            bm = row[c] / (double)n_of[c];
                    if (bm < INFINITY) {
                        double mx = am > bm ? am : bm;
                        s = mx > 0 ? (bm - am) / mx : 0;
                    }
                }
                total += s;
            }
            out[t] = total / (double)ns;
        }
        tier__free(a, acc);
        tier__free(a, cnt);
        tier__free(a, base);
        t0 = t1;
    }
    return TIER_OK;
}
