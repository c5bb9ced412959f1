/* SPDX-License-Identifier: MIT */
/* Needs model: squared distances and k-means (k-means++ seeding, Lloyd iterations with distance
 * bounds, restarts). */
#include <math.h>
#include <string.h>

#include "models/needs/needs_internal.h"

/* ---- distances --------------------------------------------------------------------------- */

/* Squared distances from x to all k centres given transposed (ct[f*k + c]); per centre the same
 * additions in the same order as tier__needs_sqdist, so the results are identical to it. */
void tier__needs_dist_all(const double *restrict x, const double *restrict ct, size_t p, size_t k,
                          double *restrict acc)
{
    size_t f, c;
    for (c = 0; c < k; c++)
        acc[c] = 0;
    for (f = 0; f < p; f++) {
        const double xf = x[f], *restrict row = ct + f * k;
        for (c = 0; c < k; c++) {
            double d = xf - row[c];
            acc[c] += d * d;
        }
    }
}

/* Nearest (lowest index on ties) and the second-smallest value. */
size_t tier__needs_nearest(const double *d2, size_t k, double *best, double *second)
{
    size_t c, b = 0;
    double s = INFINITY;
    for (c = 1; c < k; c++) {
        if (d2[c] < d2[b]) {
            s = d2[b];
            b = c;
        } else if (d2[c] < s) {
            s = d2[c];
        }
    }
    *best = d2[b];
    *second = s;
    return b;
}

/* ---- k-means ----------------------------------------------------------------------------- */

void tier__needs_ws_free(const tier_allocator *a, km_ws *w)
{
    void *own[] = {w->lab, w->ub,    w->lb,   w->c,   w->cold,   w->ct,      w->sum,
                   w->acc, w->delta, w->half, w->cnt, w->best_c, w->best_lab};
    tier__free_all(a, own, sizeof own / sizeof *own);
    memset(w, 0, sizeof *w);
}

int tier__needs_ws_alloc(const tier_allocator *a, km_ws *w, size_t n, size_t best_n, size_t p,
                         size_t kmax)
{
    size_t kp = kmax * (p ? p : 1);
    memset(w, 0, sizeof *w);
    w->n = n;
    w->p = p;
    w->kmax = kmax;
    w->lab = tier__calloc(a, n ? n : 1, sizeof *w->lab);
    w->ub = tier__calloc(a, n ? n : 1, sizeof *w->ub);
    w->lb = tier__calloc(a, n ? n : 1, sizeof *w->lb);
    w->c = tier__calloc(a, kp, sizeof *w->c);
    w->cold = tier__calloc(a, kp, sizeof *w->cold);
    w->ct = tier__calloc(a, kp, sizeof *w->ct);
    w->sum = tier__calloc(a, kp, sizeof *w->sum);
    w->best_c = tier__calloc(a, kp, sizeof *w->best_c);
    w->acc = tier__calloc(a, kmax, sizeof *w->acc);
    w->delta = tier__calloc(a, kmax, sizeof *w->delta);
    w->half = tier__calloc(a, kmax, sizeof *w->half);
    w->cnt = tier__calloc(a, kmax, sizeof *w->cnt);
    w->best_lab = tier__calloc(a, best_n ? best_n : 1, sizeof *w->best_lab);
    if (!w->lab || !w->ub || !w->lb || !w->c || !w->cold || !w->ct || !w->sum || !w->best_c ||
        !w->acc || !w->delta || !w->half || !w->cnt || !w->best_lab) {
        tier__needs_ws_free(a, w);
        return TIER_ENOMEM;
    }
    return TIER_OK;
}

static void transpose(const double *c, size_t k, size_t p, double *ct)
{
    size_t j, f;
    for (j = 0; j < k; j++)
        for (f = 0; f < p; f++)
            ct[f * k + j] = c[j * p + f];
}

/* k-means++: the first centre uniformly, each next one with probability proportional to the
 * squared distance to the nearest centre so far (cumulative sums in row order). `mind` holds n
 * doubles of scratch. When every row sits on a centre the next centre repeats row 0. */
static void seed_centres(const double *x, size_t n, size_t p, size_t k, tier__rng *r, double *c,
                         double *mind)
{
    size_t i, j, pick = (size_t)tier__rng_below(r, (uint64_t)n);
    memcpy(c, x + pick * p, p * sizeof *c);
    for (i = 0; i < n; i++)
        mind[i] = tier__needs_sqdist(x + i * p, c, p);
    for (j = 1; j < k; j++) {
        double total = 0, target, cum = 0;
        size_t last = 0;
        for (i = 0; i < n; i++)
            total += mind[i];
        pick = 0;
        if (total > 0) {
            target = tier__rng_unit(r) * total;
            pick = n;
            for (i = 0; i < n; i++) {
                if (mind[i] > 0) {
                    cum += mind[i];
                    last = i;
                    if (cum > target) {
                        pick = i;
                        break;
                    }
                }
            }
            if (pick == n) /* the draw rounded to the very end */
                pick = last;
        }
        memcpy(c + j * p, x + pick * p, p * sizeof *c);
        for (i = 0; i < n; i++) {
            double d = tier__needs_sqdist(x + i * p, c + j * p, p);
            if (d < mind[i])
                mind[i] = d;
        }
    }
}

/* Exact assignment of every row to its tier__needs_nearest centre, with fresh bounds. */
static void assign_all(km_ws *w, const double *x, size_t n, size_t k)
{
    size_t i, p = w->p;
    transpose(w->c, k, p, w->ct);
    for (i = 0; i < n; i++) {
        double b, s;
        tier__needs_dist_all(x + i * p, w->ct, p, k, w->acc);
        w->lab[i] = (int32_t)tier__needs_nearest(w->acc, k, &b, &s);
        w->ub[i] = sqrt(b);
        w->lb[i] = sqrt(s);
    }
}

/* Cluster sums and counts of the current labels, in row order. */
static void exact_sums(km_ws *w, const double *x, size_t n, size_t k)
{
    size_t i, f, p = w->p;
    memset(w->sum, 0, k * p * sizeof *w->sum);
    memset(w->cnt, 0, k * sizeof *w->cnt);
    for (i = 0; i < n; i++) {
        double *s = w->sum + (size_t)w->lab[i] * p;
        const double *xi = x + i * p;
        w->cnt[w->lab[i]]++;
        for (f = 0; f < p; f++)
            s[f] += xi[f];
    }
}

/* Centres = sums / counts; an empty cluster keeps its centre. */
static void centres_from_sums(km_ws *w, size_t k)
{
    size_t j, f, p = w->p;
    for (j = 0; j < k; j++)
        if (w->cnt[j] > 0)
            for (f = 0; f < p; f++)
                w->c[j * p + f] = w->sum[j * p + f] / (double)w->cnt[j];
}

/* An empty cluster takes the row farthest from its centre among clusters with two rows or more
 * (ties: lowest row); if every such row sits on its centre the cluster stays empty. */
static void fill_empty(km_ws *w, const double *x, size_t n, size_t k)
{
    size_t i, j, p = w->p;
    int moved = 0;
    for (j = 0; j < k; j++) {
        size_t far = n;
        double fd = 0;
        if (w->cnt[j] > 0)
            continue;
        for (i = 0; i < n; i++) {
            size_t own = (size_t)w->lab[i];
            double d;
            if (w->cnt[own] < 2)
                continue;
            d = tier__needs_sqdist(x + i * p, w->c + own * p, p);
            if (d > fd) {
                fd = d;
                far = i;
            }
        }
        if (far == n)
            continue;
        w->cnt[w->lab[far]]--;
        w->cnt[j] = 1;
        w->lab[far] = (int32_t)j;
        w->lb[far] = 0; /* its bounds no longer hold: force a full search */
        w->ub[far] = INFINITY;
        moved = 1;
    }
    if (moved)
        exact_sums(w, x, n, k);
}

/* Moves row i (values xi) from cluster a to j: counts and sums (exact ones when xs is given). */
static void move_row(km_ws *w, needs_xs *xs, const double *xi, size_t i, size_t a, size_t j)
{
    size_t f, p = w->p;
    if (xs) {
        needs_xs *sa = xs + a * p, *sj = xs + j * p;
        for (f = 0; f < p; f++) {
            tier__needs_xs_add(&sa[f], -xi[f]);
            tier__needs_xs_add(&sj[f], xi[f]);
        }
    } else {
        double *sa = w->sum + a * p, *sj = w->sum + j * p;
        for (f = 0; f < p; f++) {
            sa[f] -= xi[f];
            sj[f] += xi[f];
        }
    }
    w->cnt[a]--;
    w->cnt[j]++;
    w->lab[i] = (int32_t)j;
}

/* One assignment pass against the centres w->c that moved from w->cold: Hamerly's bounds skip
 * rows whose centre cannot have changed (the same assignments as a full search); moved rows
 * carry their sums along. Returns the rows that changed cluster. */
static size_t bounded_pass(km_ws *w, needs_xs *xs, const double *x, size_t n, size_t k)
{
    size_t i, j, p = w->p, argmax = 0, changed = 0;
    double maxd = 0, maxd2 = 0;
    for (j = 0; j < k; j++) {
        double d = sqrt(tier__needs_sqdist(w->c + j * p, w->cold + j * p, p));
        w->delta[j] = d;
        if (d > maxd) {
            maxd2 = maxd;
            maxd = d;
            argmax = j;
        } else if (d > maxd2) {
            maxd2 = d;
        }
    }
    for (j = 0; j < k; j++) {
        double m = INFINITY;
        size_t o;
        for (o = 0; o < k; o++) {
            if (o != j) {
                double d = tier__needs_sqdist(w->c + j * p, w->c + o * p, p);
                if (d < m)
                    m = d;
            }
        }
        w->half[j] = 0.5 * sqrt(m);
    }
    transpose(w->c, k, p, w->ct);
    for (i = 0; i < n; i++) {
        size_t a = (size_t)w->lab[i];
        double m, b, s;
        const double *xi = x + i * p;
        w->ub[i] += w->delta[a];
        w->lb[i] -= a == argmax ? maxd2 : maxd;
        m = w->half[a] > w->lb[i] ? w->half[a] : w->lb[i];
        if (w->ub[i] * BOUND_SLACK < m)
            continue;
        w->ub[i] = sqrt(tier__needs_sqdist(xi, w->c + a * p, p));
        if (w->ub[i] * BOUND_SLACK < m)
            continue;
        tier__needs_dist_all(xi, w->ct, p, k, w->acc);
        j = tier__needs_nearest(w->acc, k, &b, &s);
        w->ub[i] = sqrt(b);
        w->lb[i] = sqrt(s);
        if (j != a) {
            move_row(w, xs, xi, i, a, j);
            changed++;
        }
    }
    return changed;
}

/* Lloyd iterations from the centres in w->c until no row changes cluster or max_iter rounds
 * (the restarts on the sample, in the sample's canonical order). The final centres are the
 * exact means of the final clusters (row order). Returns the inertia. */
double tier__needs_lloyd(km_ws *w, const double *x, size_t n, size_t k, int max_iter, int *out_iter,
                         int *out_conv)
{
    size_t i, j, p = w->p;
    int it = 0, conv = 0, moved = 0;
    double inertia = 0;
    assign_all(w, x, n, k);
    exact_sums(w, x, n, k);
    while (it < max_iter) {
        size_t changed;
        memcpy(w->cold, w->c, k * p * sizeof *w->c);
        for (j = 0; j < k && w->cnt[j] > 0; j++)
            ;
        if (j < k)
            fill_empty(w, x, n, k);
        centres_from_sums(w, k);
        it++;
        changed = bounded_pass(w, NULL, x, n, k);
        moved |= changed > 0;
        if (changed == 0) {
            conv = 1;
            break;
        }
    }
    /* the sums are exact unless rows moved (or empty clusters were filled) since they were made */
    if (moved || it == 0)
        exact_sums(w, x, n, k);
    centres_from_sums(w, k);
    for (i = 0; i < n; i++)
        inertia += tier__needs_sqdist(x + i * p, w->c + (size_t)w->lab[i] * p, p);
    *out_iter = it;
    *out_conv = conv;
    return inertia;
}

/* The final iterations (docs/needs.md): pass t assigns every row to its nearest centre of
 * c(t-1); c(t) = the exact sums of the clusters rounded once / their counts (an empty cluster
 * keeps its centre); stop when c(t) equals c(t-1) bit for bit, or at max_iter. The inertia is the
 * exact sum of the last pass's squared distances (to c(t-1)). What tier__needs_lloyd_part
 * computes for a part, with bounds instead of full searches. */
double tier__needs_refine(km_ws *w, needs_xs *xs, const double *x, size_t n, size_t k, int max_iter,
                          int *out_iter, int *out_conv)
{
    size_t i, f, p = w->p;
    int it = 0, conv = 0;
    tier__xsum in;
    assign_all(w, x, n, k);
    memset(xs, 0, k * p * sizeof *xs);
    memset(w->cnt, 0, k * sizeof *w->cnt);
    for (i = 0; i < n; i++) {
        needs_xs *s = xs + (size_t)w->lab[i] * p;
        w->cnt[w->lab[i]]++;
        for (f = 0; f < p; f++)
            tier__needs_xs_add(&s[f], x[i * p + f]);
    }
    for (;;) {
        memcpy(w->cold, w->c, k * p * sizeof *w->c);
        it++;
        if (tier__needs_centres_step(k, p, w->cnt, xs, w->cold, w->c)) {
            conv = 1;
            break;
        }
        if (it >= max_iter)
            break;
        bounded_pass(w, xs, x, n, k);
    }
    tier__xsum_init(&in);
    for (i = 0; i < n; i++) {
        double d = tier__needs_sqdist(x + i * p, w->cold + (size_t)w->lab[i] * p, p);
        if (d > 0)
            tier__xsum_add(&in, d);
    }
    *out_iter = it;
    *out_conv = conv;
    return tier__xsum_round(&in);
}

/* n_init seeded restarts on x; the lowest inertia wins (ties: the earlier restart). The winner's
 * centres end in w->best_c and its labels in w->best_lab. */
double tier__needs_best_of_restarts(km_ws *w, const double *x, size_t n, size_t k,
                                    const needs_state *st, int *out_iter, int *out_conv)
{
    double best = INFINITY;
    int r;
    for (r = 0; r < st->o.n_init; r++) {
        tier__rng rng;
        int it, conv;
        double inertia;
        tier__rng_init(&rng, (uint64_t)st->o.seed, STREAM_RESTART, (uint64_t)k, (uint64_t)r);
        seed_centres(x, n, w->p, k, &rng, w->c, w->ub);
        inertia = tier__needs_lloyd(w, x, n, k, st->o.max_iter, &it, &conv);
        if (r == 0 || inertia < best) {
            best = inertia;
            memcpy(w->best_c, w->c, k * w->p * sizeof *w->c);
            memcpy(w->best_lab, w->lab, n * sizeof *w->lab);
            *out_iter = it;
            *out_conv = conv;
        }
    }
    return best;
}
