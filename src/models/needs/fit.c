/* SPDX-License-Identifier: MIT */
/* Needs model: reading needs vectors from the book and the input frame, standardisation, and the
 * fit (profiles or k-means). */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"
#include "models/needs/needs_internal.h"

/* ---- reading needs vectors --------------------------------------------------------------- */

void tier__needs_free_sources(const tier_allocator *a, needs_src *src, size_t p)
{
    size_t f;
    for (f = 0; src && f < p; f++)
        tier__free(a, src[f].owned);
    tier__free(a, src);
}

/* Where feature f comes from: a number attribute (*attr: its name; NULL when the book has no
 * such attribute, so missing everywhere) or a number column of the frame (*col). */
static int feature_source(const needs_state *st, const tier_book *book, const tier_frame *frame,
                          size_t f, const char **attr, const double **col, char *err)
{
    const char *name = st->feat[f];
    size_t c;
    *attr = NULL;
    *col = NULL;
    if (strncmp(name, ATTR_PREFIX, ATTR_PREFIX_LEN) == 0) {
        int type = tier__book_attr_type(book, name + ATTR_PREFIX_LEN);
        if (type == TIER_ATTR_TEXT) {
            tier__errorf(err, "feature \"%s\": the attribute holds text, not numbers", name);
            return TIER_EINVAL;
        }
        if (type == TIER_ATTR_NUMBER)
            *attr = name + ATTR_PREFIX_LEN;
        return TIER_OK;
    }
    if (!frame || tier_frame_find(frame, name, &c) != TIER_OK) {
        tier__errorf(err,
                     "feature \"%s\" is not a column of the frame (score the model that "
                     "makes it first, or write attr.NAME for an attribute)",
                     name);
        return TIER_ENOTFOUND;
    }
    if (!(*col = tier_frame_numbers(frame, c))) {
        tier__errorf(err, "feature \"%s\" is not a number column", name);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

int tier__needs_resolve_sources(const needs_state *st, const tier_book *book,
                                const tier_frame *frame, needs_src *src, char *err)
{
    size_t f;
    for (f = 0; f < st->nfeat; f++) {
        const char *attr;
        int rc = feature_source(st, book, frame, f, &attr, &src[f].col, err);
        src[f].owned = NULL;
        if (rc)
            return rc;
        if (attr) {
            /* One copy of the column: reading attributes one by one looks the name up. */
            size_t n = tier_book_customer_count(book);
            src[f].owned = tier__malloc_n(&st->h.alloc, n, sizeof(double));
            if (!src[f].owned) {
                tier__errorf(err, "out of memory reading feature \"%s\"", st->feat[f]);
                return TIER_ENOMEM;
            }
            tier__book_copy_numbers(book, attr, src[f].owned);
            src[f].col = src[f].owned;
        }
    }
    return TIER_OK;
}

int tier__needs_row_values(const needs_state *st, const tier_book *book, const tier_frame *frame,
                           size_t i, double *raw, char *err)
{
    size_t f;
    for (f = 0; f < st->nfeat; f++) {
        needs_src one = {NULL, NULL};
        const char *attr;
        double v;
        int rc = feature_source(st, book, frame, f, &attr, &one.col, err);
        if (rc)
            return rc;
        if (attr) {
            int type;
            one.col = &v; /* the value as tier__book_copy_numbers gives it: NaN when unset */
            v = tier__book_number_at(book, i, attr, &type);
            raw[f] = tier__needs_src_value(&one, book, 0);
        } else {
            raw[f] = tier__needs_src_value(&one, book, i);
        }
    }
    return TIER_OK;
}

double tier__needs_src_value(const needs_src *s, const tier_book *book, size_t i)
{
    double v = s->col ? s->col[i] : NAN;
    (void)book;
    return isfinite(v) ? v : NAN;
}

/* Squared distances of one raw needs vector to every segment, over the used features present,
 * scaled by used / present. Returns the number of used features present (0: no distance). With
 * no used feature at all, a customer with any value is at distance 0 from every segment. */
size_t tier__needs_row_distances(const needs_fit *fit, const double *raw, double *d2)
{
    size_t f, c, present = 0, any = 0;
    for (c = 0; c < fit->k; c++)
        d2[c] = 0;
    for (f = 0; f < fit->p; f++) {
        double z;
        if (isnan(raw[f]))
            continue;
        any++;
        if (!fit->used[f])
            continue;
        present++;
        z = (raw[f] - fit->mean[f]) / fit->scale[f];
        for (c = 0; c < fit->k; c++) {
            double d = z - fit->centre[c * fit->p + f];
            d2[c] += d * d;
        }
    }
    if (fit->pu == 0)
        return any ? 1 : 0;
    if (present && present < fit->pu)
        for (c = 0; c < fit->k; c++)
            d2[c] = d2[c] * (double)fit->pu / (double)present;
    return present;
}

/* ---- fitting ----------------------------------------------------------------------------- */

/* Mean and population standard deviation of each feature over the nc complete rows of x (two
 * row-wise passes; each feature is summed in row order). A constant feature (all values equal)
 * has sd 0 exactly. */
static int fit_standardisation(const needs_state *st, needs_fit *nf, const double *x, size_t nc,
                               char *err)
{
    size_t f, i, p = nf->p, np;
    int profiles = st->nprof > 0, rc = TIER_OK;
    double *sum, *ss, *lo, *hi;
    nf->pu = 0;
    for (f = 0; f < p; f++) {
        nf->mean[f] = 0;
        nf->scale[f] = 1;
        nf->used[f] = 1;
    }
    if (!st->o.standardize) {
        nf->pu = p;
        return TIER_OK;
    }
    if (!(sum = tier__size_mul(4, p, &np) ? NULL : tier__malloc_n(&st->h.alloc, np, sizeof *sum)))
        return TIER_ENOMEM;
    ss = sum + p;
    lo = ss + p;
    hi = lo + p;
    for (f = 0; f < p; f++) {
        sum[f] = ss[f] = 0;
        lo[f] = INFINITY;
        hi[f] = -INFINITY;
    }
    for (i = 0; i < nc; i++) {
        const double *row = x + i * p;
        for (f = 0; f < p; f++) {
            double v = row[f];
            sum[f] += v;
            if (v < lo[f])
                lo[f] = v;
            if (v > hi[f])
                hi[f] = v;
        }
    }
    for (f = 0; f < p; f++) {
        nf->mean[f] = nc ? sum[f] / (double)nc : 0;
        if (nc && lo[f] == hi[f])
            nf->mean[f] = lo[f];
        if (!isfinite(nf->mean[f])) {
            tier__errorf(err, "feature \"%s\": values too large to standardise", st->feat[f]);
            rc = TIER_ERANGE;
            goto done;
        }
    }
    for (i = 0; i < nc; i++) {
        const double *row = x + i * p;
        for (f = 0; f < p; f++) {
            double d = row[f] - nf->mean[f];
            ss[f] += d * d;
        }
    }
    for (f = 0; f < p; f++) {
        double sd;
        if (nc == 0 || lo[f] == hi[f]) {
            /* No spread: a clustering cannot use the feature; a profile states it in raw units. */
            nf->used[f] = (unsigned char)profiles;
            nf->pu += nf->used[f];
            continue;
        }
        sd = sqrt(ss[f] / (double)nc);
        if (!isfinite(sd) || !(sd > 0)) {
            tier__errorf(err, "feature \"%s\": values too large or too close to standardise",
                         st->feat[f]);
            rc = TIER_ERANGE;
            goto done;
        }
        nf->scale[f] = sd;
        nf->pu++;
    }
done:
    tier__free(&st->h.alloc, sum);
    return rc;
}

/* Compacts x (nc x p raw) in place into standardised used features (nc x pu). */
static int standardise_rows(const needs_state *st, const needs_fit *nf, double *x, size_t nc,
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

/* Spreads compact centres (k x pu) over all p features (dropped ones 0). */
static void expand_centres(const needs_fit *nf, const double *cu, size_t k, double *c)
{
    size_t j, f, u;
    for (j = 0; j < k; j++)
        for (f = 0, u = 0; f < nf->p; f++)
            c[j * nf->p + f] = nf->used[f] ? cu[j * nf->pu + u++] : 0;
}

static int fit_profiles(needs_state *st, needs_fit *nf, const double *z, size_t nc, char *err)
{
    size_t j, f, i, p = nf->p;
    double *d2 = tier__calloc(&st->h.alloc, st->nprof, sizeof *d2);
    if (!d2)
        return TIER_ENOMEM;
    for (j = 0; j < st->nprof; j++) {
        for (f = 0; f < p; f++) {
            double v = (st->prof_values[j * p + f] - nf->mean[f]) / nf->scale[f];
            if (!(fabs(v) <= MAX_Z)) {
                tier__errorf(err, "profile \"%s\": feature \"%s\" is too far out",
                             st->prof_names[j], st->feat[f]);
                tier__free(&st->h.alloc, d2);
                return TIER_ERANGE;
            }
            nf->centre[j * p + f] = v;
        }
        if (!(nf->names[j] = tier__strdup(&st->h.alloc, st->prof_names[j]))) {
            tier__free(&st->h.alloc, d2);
            return TIER_ENOMEM;
        }
    }
    nf->source = SRC_PROFILES;
    nf->inertia = 0;
    /* Every feature is used with profiles, so z rows are full rows. */
    for (i = 0; i < nc; i++) {
        double b, s;
        for (j = 0; j < st->nprof; j++)
            d2[j] = tier__needs_sqdist(z + i * p, nf->centre + j * p, p);
        tier__needs_nearest(d2, st->nprof, &b, &s);
        nf->inertia += b;
    }
    nf->iterations = 0;
    nf->converged = 1;
    nf->silhouette = NAN;
    tier__free(&st->h.alloc, d2);
    return TIER_OK;
}

/* Draws m of the n rows of z (pu values each) with generator stream `stream` of the seed: their
 * indexes into rows[0..m), in increasing order, and their values into out (m x pu). */
static void draw_sample(const needs_state *st, int stream, const double *z, size_t n, size_t m,
                        size_t pu, size_t *rows, double *out)
{
    tier__rng rng;
    size_t i;
    tier__rng_init(&rng, (uint64_t)st->o.seed, stream, 0, 0);
    tier__rng_choose(&rng, n, m, rows);
    for (i = 0; i < m; i++)
        memcpy(out + i * pu, z + rows[i] * pu, pu * sizeof *out);
}

static int fit_kmeans(needs_state *st, needs_fit *nf, double *z, size_t nc, char *err)
{
    const tier_allocator *a = &st->h.alloc;
    size_t p = nf->p, pu = nf->pu, klo, khi, nk, t, kstar, ns_init, ns_sil = 0, i;
    size_t *rows = NULL, *sil_rows = NULL, *cnt = NULL;
    double *zs = NULL, *zsil = NULL, *sil = NULL, *c = NULL, inertia = 0;
    int32_t *sil_lab = NULL;
    km_ws w;
    int rc = TIER_OK, it = 0, conv = 1, automatic = st->o.k == 0;

    memset(&w, 0, sizeof w);
    if (!automatic) {
        klo = khi = (size_t)st->o.k;
        if (klo > nc) {
            tier__errorf(err, "k = %zu but only %zu customers have a complete needs vector", klo,
                         nc);
            return TIER_ERANGE;
        }
    } else {
        klo = (size_t)st->o.k_min;
        khi = nc ? ((size_t)st->o.k_max < nc - 1 ? (size_t)st->o.k_max : nc - 1) : 0;
        if (khi < klo) {
            tier__errorf(err,
                         "choosing k by the silhouette needs at least k_min + 1 = %zu customers "
                         "with a complete needs vector; %zu have one",
                         klo + 1, nc);
            return TIER_ERANGE;
        }
    }
    nk = khi - klo + 1;
    c = tier__calloc(a, khi * p, sizeof *c);
    cnt = tier__calloc(a, khi, sizeof *cnt);
    if (!c || !cnt) {
        rc = TIER_ENOMEM;
        goto done;
    }
    if (pu == 0) {
        /* No feature varies: every customer is in the first segment of k equal centres. */
        kstar = klo;
        cnt[0] = nc;
        nf->iterations = 0;
        nf->converged = 1;
        nf->inertia = 0;
        nf->silhouette = automatic ? 0 : NAN;
        goto name;
    }
    /* Restarts run on a deterministic sample of a large book, then the winner is refined. */
    ns_init = nc;
    if (st->o.init_sample > 0 && nc > (size_t)st->o.init_sample && nc > khi) {
        ns_init = (size_t)st->o.init_sample > khi ? (size_t)st->o.init_sample : khi;
        rows = tier__calloc(a, ns_init, sizeof *rows);
        zs = tier__calloc(a, ns_init * pu, sizeof *zs);
        if (!rows || !zs) {
            rc = TIER_ENOMEM;
            goto done;
        }
        draw_sample(st, STREAM_INIT_SAMPLE, z, nc, ns_init, pu, rows, zs);
    }
    if ((rc = tier__needs_ws_alloc(a, &w, nc, ns_init, pu, khi)) != TIER_OK)
        goto done;
    kstar = klo;
    if (automatic) {
        const double *base = zs ? zs : z;
        ns_sil = (size_t)st->o.sample < ns_init ? (size_t)st->o.sample : ns_init;
        sil_rows = tier__calloc(a, ns_sil, sizeof *sil_rows);
        zsil = tier__calloc(a, ns_sil * pu, sizeof *zsil);
        sil_lab = tier__calloc(a, ns_sil * nk, sizeof *sil_lab);
        sil = tier__calloc(a, nk, sizeof *sil);
        if (!sil_rows || !zsil || !sil_lab || !sil) {
            rc = TIER_ENOMEM;
            goto done;
        }
        draw_sample(st, STREAM_SIL_SAMPLE, base, ns_init, ns_sil, pu, sil_rows, zsil);
        for (t = 0; t < nk; t++) {
            inertia = tier__needs_best_of_restarts(&w, base, ns_init, klo + t, st, &it, &conv);
            for (i = 0; i < ns_sil; i++)
                sil_lab[t * ns_sil + i] = w.best_lab[sil_rows[i]];
        }
        if ((rc = tier__needs_silhouettes(a, zsil, ns_sil, pu, sil_lab, klo, nk, sil)) != TIER_OK)
            goto done;
        for (t = 1; t < nk; t++)
            if (sil[t] > sil[kstar - klo])
                kstar = klo + t;
        nf->silhouette = sil[kstar - klo];
    } else {
        nf->silhouette = NAN;
    }
    /* The chosen k again unless it was the last tried (the same streams give the same result),
     * then refined on all rows. */
    if (!automatic || kstar != khi)
        inertia = tier__needs_best_of_restarts(&w, zs ? zs : z, ns_init, kstar, st, &it, &conv);
    if (zs) {
        memcpy(w.c, w.best_c, kstar * pu * sizeof *w.c);
        inertia = tier__needs_lloyd(&w, z, nc, kstar, st->o.max_iter, &it, &conv);
        memcpy(w.best_c, w.c, kstar * pu * sizeof *w.c);
        for (i = 0; i < nc; i++)
            cnt[w.lab[i]]++;
    } else {
        for (i = 0; i < nc; i++)
            cnt[w.best_lab[i]]++;
    }
    nf->iterations = it;
    nf->converged = conv;
    nf->inertia = inertia;
    expand_centres(nf, w.best_c, kstar, c);
name : {
    /* The fit's arrays were sized for khi segments; only kstar are named. */
    size_t kept = nf->k;
    nf->k = kstar;
    rc = tier__needs_order_and_name(st, nf, c, cnt, kstar);
    if (rc) {
        nf->k = kept;
        goto done;
    }
    for (i = kstar; i < kept; i++)
        nf->names[i] = NULL;
}
    nf->source = SRC_KMEANS;
done:
    tier__needs_ws_free(a, &w);
    tier__free(a, rows);
    tier__free(a, zs);
    tier__free(a, sil_rows);
    tier__free(a, zsil);
    tier__free(a, sil_lab);
    tier__free(a, sil);
    tier__free(a, c);
    tier__free(a, cnt);
    return rc;
}

int tier__needs_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    needs_state *st = state;
    const tier_allocator *a = &st->h.alloc;
    size_t n = tier_book_customer_count(book), p = st->nfeat, nc = 0, i, f, kcap, np;
    needs_src *src = NULL;
    double *x = NULL;
    needs_fit nf;
    char err[TIER__ERR_SIZE];
    int rc;

    err[0] = '\0';
    memset(&nf, 0, sizeof nf);
    if (p == 0) {
        tier__errorf(st->h.err, "the needs model has no features (add them with "
                                "tier_needs_add_feature())");
        return TIER_EINVAL;
    }
    if (n > SIZE_MAX / sizeof(double) / p) {
        tier__errorf(st->h.err, "too many customers for the needs model");
        return TIER_ERANGE;
    }
    kcap = st->nprof ? st->nprof : st->o.k ? (size_t)st->o.k : (size_t)st->o.k_max;
    src = tier__calloc(a, p, sizeof *src);
    x = tier__size_mul(n ? n : 1, p, &np) ? NULL : tier__malloc_n(a, np, sizeof *x);
    if (!src || !x || tier__needs_fit_alloc(a, &nf, kcap, p) != TIER_OK) {
        rc = TIER_ENOMEM;
        goto done;
    }
    if ((rc = tier__needs_resolve_sources(st, book, inputs, src, err)) != TIER_OK)
        goto done;
    /* Complete rows, compacted to the front in book order. */
    for (i = 0; i < n; i++) {
        double *row = x + nc * p;
        for (f = 0; f < p; f++)
            if (isnan(row[f] = tier__needs_src_value(&src[f], book, i)))
                break;
        nc += f == p;
    }
    nf.fitted = (double)nc;
    nf.excluded = (double)(n - nc);
    if ((rc = fit_standardisation(st, &nf, x, nc, err)) != TIER_OK)
        goto done;
    if ((rc = standardise_rows(st, &nf, x, nc, err)) != TIER_OK)
        goto done;
    if (st->nprof)
        rc = fit_profiles(st, &nf, x, nc, err);
    else
        rc = fit_kmeans(st, &nf, x, nc, err);
done:
    tier__needs_free_sources(a, src, p);
    tier__free(a, x);
    if (rc) {
        tier__needs_fit_free(a, &nf);
        if (rc == TIER_ENOMEM && !err[0])
            tier__errorf(err, "out of memory fitting the needs model on %zu customers", n);
        memcpy(st->h.err, err, sizeof err);
        return rc;
    }
    tier__needs_fit_free(a, &st->fit);
    st->fit = nf;
    tier__free_strings(a, st->prev_names, st->prev_k);
    tier__free(a, st->prev_raw);
    st->prev_names = NULL;
    st->prev_raw = NULL;
    st->prev_k = 0;
    st->h.err[0] = '\0';
    return TIER_OK;
}
