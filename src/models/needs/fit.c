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

/* Mean and population standard deviation of each feature over the nc complete rows of x, from
 * exact sums (canon.c): the same whatever the rows' order. */
static int fit_standardisation(const needs_state *st, needs_fit *nf, const double *x, size_t nc,
                               char *err)
{
    needs_summary sm;
    size_t i;
    int rc;
    if (tier__needs_summary_alloc(&st->h.alloc, &sm, nf->p) != TIER_OK)
        return TIER_ENOMEM;
    for (i = 0; i < nc; i++)
        tier__needs_summary_row(&sm, x + i * nf->p);
    rc = tier__needs_std_means(st, nf, &sm, err);
    for (i = 0; !rc && st->o.standardize && i < nc; i++) {
        size_t f = tier__needs_spread_row(&sm, x + i * nf->p, nf->mean);
        if (f < nf->p) {
            tier__errorf(err, "feature \"%s\": values too large or too close to standardise",
                         st->feat[f]);
            rc = TIER_ERANGE;
        }
    }
    if (!rc)
        rc = tier__needs_std_scales(st, nf, &sm, err);
    tier__needs_summary_free(&st->h.alloc, &sm);
    return rc;
}

int tier__needs_profile_centres(const needs_state *st, needs_fit *nf, char *err)
{
    size_t j, f, p = nf->p;
    for (j = 0; j < st->nprof; j++) {
        for (f = 0; f < p; f++) {
            double v = (st->prof_values[j * p + f] - nf->mean[f]) / nf->scale[f];
            if (!(fabs(v) <= MAX_Z)) {
                tier__errorf(err, "profile \"%s\": feature \"%s\" is too far out",
                             st->prof_names[j], st->feat[f]);
                return TIER_ERANGE;
            }
            nf->centre[j * p + f] = v;
        }
        if (!(nf->names[j] = tier__strdup(&st->h.alloc, st->prof_names[j])))
            return TIER_ENOMEM;
    }
    nf->source = SRC_PROFILES;
    nf->iterations = 0;
    nf->converged = 1;
    nf->silhouette = NAN;
    return TIER_OK;
}

static int fit_profiles(needs_state *st, needs_fit *nf, const double *z, size_t nc, char *err)
{
    size_t j, i, p = nf->p;
    double *d2 = tier__calloc(&st->h.alloc, st->nprof, sizeof *d2);
    tier__xsum in;
    int rc;
    if (!d2)
        return TIER_ENOMEM;
    if ((rc = tier__needs_profile_centres(st, nf, err)) != TIER_OK) {
        tier__free(&st->h.alloc, d2);
        return rc;
    }
    tier__xsum_init(&in);
    /* Every feature is used with profiles, so z rows are full rows. */
    for (i = 0; i < nc; i++) {
        double b, s;
        for (j = 0; j < st->nprof; j++)
            d2[j] = tier__needs_sqdist(z + i * p, nf->centre + j * p, p);
        tier__needs_nearest(d2, st->nprof, &b, &s);
        if (b > 0)
            tier__xsum_add(&in, b);
    }
    nf->inertia = tier__xsum_round(&in);
    tier__free(&st->h.alloc, d2);
    return TIER_OK;
}

/* The k range of a clustering of nc customers: TIER_OK or TIER_ERANGE (err says why). */
int tier__needs_k_range(const needs_state *st, size_t nc, size_t *klo, size_t *khi, char *err)
{
    if (st->o.k) {
        *klo = *khi = (size_t)st->o.k;
        if (*klo > nc) {
            tier__errorf(err, "k = %zu but only %zu customers have a complete needs vector", *klo,
                         nc);
            return TIER_ERANGE;
        }
        return TIER_OK;
    }
    *klo = (size_t)st->o.k_min;
    *khi = nc ? ((size_t)st->o.k_max < nc - 1 ? (size_t)st->o.k_max : nc - 1) : 0;
    if (*khi < *klo) {
        tier__errorf(err,
                     "choosing k by the silhouette needs at least k_min + 1 = %zu customers "
                     "with a complete needs vector; %zu have one",
                     *klo + 1, nc);
        return TIER_ERANGE;
    }
    return TIER_OK;
}

size_t tier__needs_init_sample_size(const needs_state *st, size_t nc, size_t khi)
{
    size_t m = (size_t)st->o.init_sample;
    if (m == 0 || nc <= m || nc <= khi)
        return nc;
    return m > khi ? m : khi;
}

/* k-means over the nc standardised rows z (nc x pu) of customers cust (for their ids): the
 * restarts on the canonical sample, then the final iterations over every row (docs/needs.md). */
static int fit_kmeans(needs_state *st, needs_fit *nf, const tier_book *book, const size_t *cust,
                      double *z, size_t nc, char *err)
{
    const tier_allocator *a = &st->h.alloc;
    size_t pu = nf->pu, klo, khi, kstar, ns, i;
    uint64_t *hash = NULL, *hs = NULL;
    const char **ids = NULL;
    size_t *lens = NULL;
    uint32_t *order = NULL;
    double *zs = NULL;
    needs_xs *xs = NULL;
    km_ws w;
    int rc, it = 0, conv = 1;

    memset(&w, 0, sizeof w);
    if ((rc = tier__needs_k_range(st, nc, &klo, &khi, err)) != TIER_OK)
        return rc;
    if (pu == 0)
        return tier__needs_fit_flat(st, nf, klo, nc);
    ns = tier__needs_init_sample_size(st, nc, khi);
    hash = tier__malloc_n(a, nc, sizeof *hash);
    ids = tier__malloc_n(a, nc, sizeof *ids);
    lens = tier__malloc_n(a, nc, sizeof *lens);
    order = tier__malloc_n(a, nc, sizeof *order);
    zs = tier__malloc_n(a, ns * pu, sizeof *zs);
    xs = tier__calloc(a, khi * pu, sizeof *xs);
    if (!hash || !ids || !lens || !order || !zs || !xs) {
        rc = TIER_ENOMEM;
        goto done;
    }
    for (i = 0; i < nc; i++) {
        ids[i] = tier_book_customer_id(book, cust[i], &lens[i]);
        hash[i] = tier__needs_hash(st->o.seed, ids[i], lens[i]);
    }
    if ((rc = tier__needs_canon_sort(a, nc, hash, ids, lens, order)) != TIER_OK)
        goto done;
    for (i = 0; i < ns; i++)
        memcpy(zs + i * pu, z + (size_t)order[i] * pu, pu * sizeof *zs);
    if ((rc = tier__needs_ws_alloc(a, &w, nc, ns, pu, khi)) != TIER_OK)
        goto done;
    if (st->o.init_sample == 0) { /* the restarts over every customer, ns = nc */
        if (!(hs = tier__malloc_n(a, nc, sizeof *hs))) {
            rc = TIER_ENOMEM;
            goto done;
        }
        for (i = 0; i < nc; i++)
            hs[i] = hash[order[i]];
        kstar = tier__needs_exact_phase(&w, xs, st, zs, hs, ns, klo, khi, st->o.k == 0,
                                        &nf->silhouette, w.best_c, &rc);
    } else {
        kstar =
            tier__needs_sample_phase(&w, st, zs, ns, klo, khi, st->o.k == 0, &nf->silhouette, &rc);
    }
    if (rc)
        goto done;
    memcpy(w.c, w.best_c, kstar * pu * sizeof *w.c);
    nf->inertia = tier__needs_refine(&w, xs, z, nc, kstar, st->o.max_iter, &it, &conv);
    nf->iterations = it;
    nf->converged = conv;
    rc = tier__needs_finish_kmeans(st, nf, w.c, w.cnt, kstar);
done:
    tier__needs_ws_free(a, &w);
    {
        void *own[] = {hash, hs, (void *)ids, lens, order, zs, xs};
        tier__free_all(a, own, sizeof own / sizeof *own);
    }
    return rc;
}

int tier__needs_complete_rows(const needs_state *st, const tier_book *book, const tier_frame *frame,
                              double **out_x, size_t **out_cust, size_t *out_nc, char *err)
{
    const tier_allocator *a = &st->h.alloc;
    size_t n = tier_book_customer_count(book), p = st->nfeat, nc = 0, i, f, np;
    needs_src *src = NULL;
    double *x = NULL;
    size_t *cust = NULL;
    int rc = TIER_OK;
    *out_x = NULL;
    *out_cust = NULL;
    *out_nc = 0;
    if (p == 0) {
        tier__errorf(err, "the needs model has no features (add them with "
                          "tier_needs_add_feature())");
        return TIER_EINVAL;
    }
    if (n > SIZE_MAX / sizeof(double) / p) {
        tier__errorf(err, "too many customers for the needs model");
        return TIER_ERANGE;
    }
    src = tier__calloc(a, p, sizeof *src);
    cust = tier__malloc_n(a, n ? n : 1, sizeof *cust);
    x = tier__size_mul(n ? n : 1, p, &np) ? NULL : tier__malloc_n(a, np, sizeof *x);
    if (!src || !x || !cust) {
        rc = TIER_ENOMEM;
        goto done;
    }
    if ((rc = tier__needs_resolve_sources(st, book, frame, src, err)) != TIER_OK)
        goto done;
    /* Complete rows, compacted to the front in book order (cust: their customers). */
    for (i = 0; i < n; i++) {
        double *row = x + nc * p;
        for (f = 0; f < p; f++)
            if (isnan(row[f] = tier__needs_src_value(&src[f], book, i)))
                break;
        if (f == p)
            cust[nc++] = i;
    }
done:
    tier__needs_free_sources(a, src, p);
    if (rc) {
        tier__free(a, x);
        tier__free(a, cust);
        return rc;
    }
    *out_x = x;
    *out_cust = cust;
    *out_nc = nc;
    return TIER_OK;
}

void tier__needs_install_fit(needs_state *st, needs_fit *nf)
{
    const tier_allocator *a = &st->h.alloc;
    tier__needs_fit_free(a, &st->fit);
    st->fit = *nf;
    memset(nf, 0, sizeof *nf);
    tier__free_strings(a, st->prev_names, st->prev_k);
    tier__free(a, st->prev_raw);
    st->prev_names = NULL;
    st->prev_raw = NULL;
    st->prev_k = 0;
    st->h.err[0] = '\0';
}

size_t tier__needs_kcap(const needs_state *st)
{
    return st->nprof ? st->nprof : st->o.k ? (size_t)st->o.k : (size_t)st->o.k_max;
}

int tier__needs_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    needs_state *st = state;
    const tier_allocator *a = &st->h.alloc;
    size_t n = tier_book_customer_count(book), nc = 0;
    double *x = NULL;
    size_t *cust = NULL;
    needs_fit nf;
    char err[TIER__ERR_SIZE];
    int rc;

    err[0] = '\0';
    memset(&nf, 0, sizeof nf);
    rc = tier__needs_complete_rows(st, book, inputs, &x, &cust, &nc, err);
    if (!rc && tier__needs_fit_alloc(a, &nf, tier__needs_kcap(st), st->nfeat) != TIER_OK)
        rc = TIER_ENOMEM;
    if (rc)
        goto done;
    nf.fitted = (double)nc;
    nf.excluded = (double)(n - nc);
    if ((rc = fit_standardisation(st, &nf, x, nc, err)) != TIER_OK)
        goto done;
    if ((rc = tier__needs_standardise_rows(st, &nf, x, nc, err)) != TIER_OK)
        goto done;
    if (st->nprof)
        rc = fit_profiles(st, &nf, x, nc, err);
    else
        rc = fit_kmeans(st, &nf, book, cust, x, nc, err);
done:
    tier__free(a, x);
    tier__free(a, cust);
    if (rc) {
        tier__needs_fit_free(a, &nf);
        if (rc == TIER_ENOMEM && !err[0])
            tier__errorf(err, "out of memory fitting the needs model on %zu customers", n);
        memcpy(st->h.err, err, sizeof err);
        return rc;
    }
    tier__needs_install_fit(st, &nf);
    return TIER_OK;
}
