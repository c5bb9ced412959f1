/* SPDX-License-Identifier: MIT */
/* Needs model: matching new clusters to the previous ones (minimum-cost assignment) so segment
 * names survive refits. */
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "models/needs/needs_internal.h"

/* ---- label matching ---------------------------------------------------------------------- */

/* Minimum-cost assignment of n rows to m >= n columns (Hungarian method with potentials);
 * row_of[j] = the row given column j, or -1. cost is n x m. */
static int hungarian(const tier_allocator *al, const double *cost, size_t n, size_t m, long *row_of)
{
    double *u = tier__calloc(al, n + 1, sizeof *u), *v = tier__calloc(al, m + 1, sizeof *v);
    double *minv = tier__calloc(al, m + 1, sizeof *minv);
    size_t *p = tier__calloc(al, m + 1, sizeof *p), *way = tier__calloc(al, m + 1, sizeof *way);
    unsigned char *seen = tier__calloc(al, m + 1, 1);
    size_t i, j;
    int rc = TIER_OK;
    if (!u || !v || !minv || !p || !way || !seen) {
        rc = TIER_ENOMEM;
        goto done;
    }
    for (i = 1; i <= n; i++) {
        size_t j0 = 0;
        p[0] = i;
        for (j = 0; j <= m; j++) {
            minv[j] = DBL_MAX;
            seen[j] = 0;
        }
        do {
            size_t i0 = p[j0], j1 = 0;
            double delta = DBL_MAX;
            seen[j0] = 1;
            for (j = 1; j <= m; j++) {
                if (!seen[j]) {
                    double cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
                    if (cur < minv[j]) {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for (j = 0; j <= m; j++) {
                if (seen[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            size_t j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (j = 1; j <= m; j++)
        row_of[j - 1] = p[j] ? (long)p[j] - 1 : -1;
done:
    tier__free(al, u);
    tier__free(al, v);
    tier__free(al, minv);
    tier__free(al, p);
    tier__free(al, way);
    tier__free(al, seen);
    return rc;
}

/* "need_<i>" with the smallest i >= 1 not among the k names given. */
static char *fresh_name(const tier_allocator *a, char *const *names, size_t k)
{
    char buf[32];
    unsigned long i;
    for (i = 1;; i++) {
        snprintf(buf, sizeof buf, "need_%lu", i);
        if (!tier__needs_name_in(names, k, buf, (size_t)-1))
            return tier__strdup(a, buf);
    }
}

/* Orders and names the k new clusters (centres c, k x p over all features, counts cnt): without
 * previous centres by size (largest first), then centre coordinates, then index; with them, the
 * clusters matched to previous ones take their names and places, the rest follow and get fresh
 * names. Fills nf->centre and nf->names. */
int tier__needs_order_and_name(needs_state *st, needs_fit *nf, const double *c, const size_t *cnt,
                               size_t k)
{
    const tier_allocator *a = &st->h.alloc;
    size_t p = nf->p, pk = 0, i, j, f, placed = 0;
    size_t *order = tier__calloc(a, k, sizeof *order), *pos = tier__calloc(a, k, sizeof *pos);
    double *prev = NULL, *cost = NULL;
    long *row_of = NULL;
    char **prev_names = NULL;
    int rc = TIER_OK;
    if (!order || !pos) {
        rc = TIER_ENOMEM;
        goto done;
    }
    /* Canonical order (insertion sort: k is small). */
    for (i = 0; i < k; i++) {
        size_t v = i;
        for (j = i; j > 0; j--) {
            size_t u = order[j - 1];
            int before = 0;
            if (cnt[v] != cnt[u]) {
                before = cnt[v] > cnt[u];
            } else {
                for (f = 0; f < p; f++)
                    if (c[v * p + f] != c[u * p + f])
                        break;
                before = f < p && c[v * p + f] < c[u * p + f];
            }
            if (!before)
                break;
            order[j] = u;
        }
        order[j] = v;
    }
    /* Previous centres in the new standardised units. */
    if (st->prev_k) {
        pk = st->prev_k;
        prev_names = st->prev_names;
    } else if (st->fit.source == SRC_KMEANS && st->fit.p == p) {
        pk = st->fit.k;
        prev_names = st->fit.names;
    }
    for (i = 0; i < k; i++)
        pos[i] = (size_t)-1;
    if (pk) {
        size_t rows = pk < k ? pk : k, cols = pk < k ? k : pk;
        prev = tier__calloc(a, pk * p, sizeof *prev);
        cost = tier__calloc(a, rows * cols, sizeof *cost);
        row_of = tier__calloc(a, cols, sizeof *row_of);
        if (!prev || !cost || !row_of) {
            rc = TIER_ENOMEM;
            goto done;
        }
        for (i = 0; i < pk; i++) {
            for (f = 0; f < p; f++) {
                double raw =
                    st->prev_k ? st->prev_raw[i * p + f] : tier__needs_raw_centre(&st->fit, i, f);
                prev[i * p + f] = nf->used[f] ? (raw - nf->mean[f]) / nf->scale[f] : 0;
            }
        }
        for (i = 0; i < pk; i++) {
            for (j = 0; j < k; j++) {
                double d = 0;
                for (f = 0; f < p; f++) {
                    if (nf->used[f]) {
                        double e = prev[i * p + f] - c[order[j] * p + f];
                        d += e * e;
                    }
                }
                if (!(d < 1e300))
                    d = 1e300;
                /* rows are the smaller side; clusters are taken in canonical order */
                if (pk <= k)
                    cost[i * cols + j] = d;
                else
                    cost[j * cols + i] = d;
            }
        }
        if ((rc = hungarian(a, cost, rows, cols, row_of)) != TIER_OK)
            goto done;
        /* pos[j] = previous index matched to canonical cluster j */
        for (j = 0; j < cols; j++) {
            if (row_of[j] < 0)
                continue;
            if (pk <= k)
                pos[j] = (size_t)row_of[j];
            else
                pos[(size_t)row_of[j]] = j;
        }
    }
    /* Matched clusters in previous order, then the others in canonical order. */
    for (i = 0; i < pk; i++) {
        for (j = 0; j < k; j++) {
            if (pos[j] == i) {
                memcpy(nf->centre + placed * p, c + order[j] * p, p * sizeof *c);
                if (!(nf->names[placed] = tier__strdup(a, prev_names[i]))) {
                    rc = TIER_ENOMEM;
                    goto done;
                }
                placed++;
            }
        }
    }
    for (j = 0; j < k; j++) {
        if (pos[j] != (size_t)-1)
            continue;
        memcpy(nf->centre + placed * p, c + order[j] * p, p * sizeof *c);
        if (!(nf->names[placed] = fresh_name(a, nf->names, k))) {
            rc = TIER_ENOMEM;
            goto done;
        }
        placed++;
    }
done:
    tier__free(a, order);
    tier__free(a, pos);
    tier__free(a, prev);
    tier__free(a, cost);
    tier__free(a, row_of);
    return rc;
}
