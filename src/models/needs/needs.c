/* SPDX-License-Identifier: MIT */
/* The built-in needs model, made through the public model vtable: the vtable, scoring and
 * explaining, and the needs-specific calls (features, profiles, segments). The fit is in fit.c,
 * k-means in kmeans.c, the silhouette in silhouette.c, label matching in match.c, options and
 * saved state in state.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/frame_internal.h"
#include "models/model_common.h"
#include "models/needs/needs_internal.h"
#include "util/buf.h"

static int tier__needs_score(void *state, const tier_book *book, tier_frame *frame);
static int tier__needs_score_row(void *state, const tier_book *book, const tier_frame *frame,
                                 size_t customer, double *numbers, const char **labels);
static int tier__needs_explain(void *state, const tier_book *book, const tier_frame *frame,
                               size_t customer, tier_text *out);
static void tier__needs_destroy(void *state);

static const tier_model_output tier__needs_outputs[OUT_COUNT] = {{"segment", TIER_VALUE_LABEL},
                                                                 {"distance", TIER_VALUE_NUMBER},
                                                                 {"second", TIER_VALUE_LABEL},
                                                                 {"margin", TIER_VALUE_NUMBER}};

const tier_model_option tier__needs_options[NEEDS_N_OPTIONS] = {
    {"features", TIER_OPTION_LIST,
     "the needs vector: input columns (\"rfm.m\") or attributes (\"attr.name\"), in order",
     TIER_OPTION_FORGETS_FIT},
    {"k", TIER_OPTION_NUMBER,
     "number of clusters, 1..256; 0 (default): chosen by the silhouette in [k_min, k_max]", 0},
    {"k_min", TIER_OPTION_NUMBER, "smallest k the silhouette may choose, 2..256 (default 2)", 0},
    {"k_max", TIER_OPTION_NUMBER, "largest k the silhouette may choose, 2..256 (default 8)", 0},
    {"seed", TIER_OPTION_NUMBER, "seed of the generator, an integer 0..2^53 (default 20240601)", 0},
    {"n_init", TIER_OPTION_NUMBER, "k-means restarts, 1..100 (default 4)", 0},
    {"max_iter", TIER_OPTION_NUMBER, "most Lloyd iterations per run, 1..100000 (default 100)", 0},
    {"standardize", TIER_OPTION_NUMBER, "1 (default): standardise features; 0: raw values",
     TIER_OPTION_FORGETS_FIT},
    {"sample", TIER_OPTION_NUMBER, "customers in the silhouette sample, 2..100000 (default 5000)",
     0},
    {"init_sample", TIER_OPTION_NUMBER,
     "restarts run on a sample of this many customers when there are more; 0 = all customers; "
     "0 or 100..100000000 (default 65536)",
     0},
};

static const tier_model_vtable needs_vtable =
    TIER__BUILTIN_VTABLE("needs", tier__needs, tier__needs_is_fitted, tier__needs_score_row);

static needs_state *needs_of(const tier_model *model)
{
    return tier__model_state_if(model, &needs_vtable);
}

/* ---- small helpers ----------------------------------------------------------------------- */

void tier__needs_fit_free(const tier_allocator *a, needs_fit *f)
{
    void *own[] = {f->mean, f->scale, f->used, f->centre};
    tier__free_all(a, own, sizeof own / sizeof *own);
    tier__free_strings(a, f->names, f->k);
    memset(f, 0, sizeof *f);
}

/* Allocates the arrays of a fit for k segments of p features (names zeroed). */
int tier__needs_fit_alloc(const tier_allocator *a, needs_fit *f, size_t k, size_t p)
{
    memset(f, 0, sizeof *f);
    f->p = p;
    f->mean = tier__calloc(a, p, sizeof *f->mean);
    f->scale = tier__calloc(a, p, sizeof *f->scale);
    f->used = tier__calloc(a, p, 1);
    f->centre = tier__calloc(a, k ? k * p : 1, sizeof *f->centre);
    f->names = tier__calloc(a, k ? k : 1, sizeof *f->names);
    if (!f->mean || !f->scale || !f->used || !f->centre || !f->names) {
        tier__needs_fit_free(a, f);
        return TIER_ENOMEM;
    }
    f->k = k;
    return TIER_OK;
}

/* A feature or segment name: UTF-8, no control characters, no blank at either end. */
int tier__needs_valid_name(const char *s)
{
    size_t n = 0, i;
    if (!s)
        return 0;
    while (n <= TIER_NEEDS_MAX_NAME && s[n])
        n++;
    if (n == 0 || n > TIER_NEEDS_MAX_NAME || s[0] == ' ' || s[n - 1] == ' ')
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return tier__utf8_valid(s, n);
}

/* A feature: a valid name that, when it starts with "attr.", names an attribute after it. */
int tier__needs_valid_feature(const char *column)
{
    return tier__needs_valid_name(column) &&
           !(strncmp(column, ATTR_PREFIX, ATTR_PREFIX_LEN) == 0 && !column[ATTR_PREFIX_LEN]);
}

int tier__needs_name_in(char *const *names, size_t n, const char *name, size_t skip)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (i != skip && names[i] && strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* Raw value of feature f of a centre. */
double tier__needs_raw_centre(const needs_fit *fit, size_t seg, size_t f)
{
    if (!fit->used[f])
        return fit->mean[f];
    return fit->mean[f] + fit->centre[seg * fit->p + f] * fit->scale[f];
}

/* ---- vtable: outputs, score, explain ----------------------------------------------------- */

/* The nearest segment to a customer with squared distances d2[0..k) (lowest index on ties),
 * the runner-up in *c2 (k > 1), and v[0] the distance, v[1] the margin to the runner-up (NaN
 * when k == 1): the one computation of score and score_row. */
static size_t nearest_two(const double *d2, size_t k, size_t *c2, double *v)
{
    double b, s;
    size_t c = tier__needs_nearest(d2, k, &b, &s), j;
    v[0] = sqrt(b);
    v[1] = NAN;
    *c2 = 0;
    if (k > 1) {
        *c2 = c == 0 ? 1 : 0;
        for (j = 0; j < k; j++)
            if (j != c && d2[j] < d2[*c2])
                *c2 = j;
        v[1] = sqrt(s) - sqrt(b);
    }
    return c;
}

static int tier__needs_score(void *state, const tier_book *book, tier_frame *frame)
{
    const needs_state *st = state;
    const needs_fit *fit = &st->fit;
    const tier_allocator *a = &st->h.alloc;
    size_t n = tier_book_customer_count(book), i, f, u, p = fit->p, k = fit->k, pu = fit->pu;
    char *err = tier__frame_error(frame);
    needs_src *src = tier__calloc(a, p ? p : 1, sizeof *src);
    double *raw = tier__calloc(a, p ? p : 1, sizeof *raw);
    double *z = tier__calloc(a, pu ? pu : 1, sizeof *z);
    double *d2 = tier__calloc(a, k ? k : 1, sizeof *d2);
    double *ct = tier__calloc(a, k && pu ? k * pu : 1, sizeof *ct);
    size_t *ui = tier__calloc(a, pu ? pu : 1, sizeof *ui);
    double *dist = NULL, *margin = NULL;
    int32_t *seg = NULL, *second = NULL;
    const char *const *labels = (const char *const *)fit->names;
    int rc;

    if (!src || !raw || !z || !d2 || !ct || !ui) {
        tier__errorf(err, "out of memory scoring the needs model");
        rc = TIER_ENOMEM;
        goto done;
    }
    if (fit->source == SRC_NONE || k == 0 || p != st->nfeat) {
        tier__errorf(err, "the needs model is not fitted");
        rc = TIER_ESTATE;
        goto done;
    }
    if ((rc = tier__needs_resolve_sources(st, book, frame, src, err)) != TIER_OK)
        goto done;
    if ((rc = tier_frame_add_labels(frame, tier__needs_outputs[OUT_SEGMENT].name, labels, k,
                                    &seg)) ||
        (rc = tier_frame_add_numbers(frame, tier__needs_outputs[OUT_DISTANCE].name, &dist)) ||
        (rc = tier_frame_add_labels(frame, tier__needs_outputs[OUT_SECOND].name, labels, k,
                                    &second)) ||
        (rc = tier_frame_add_numbers(frame, tier__needs_outputs[OUT_MARGIN].name, &margin)))
        goto done;
    /* Used features and the centres over them, transposed for tier__needs_dist_all. */
    for (f = 0, u = 0; f < p; f++) {
        if (!fit->used[f])
            continue;
        for (i = 0; i < k; i++)
            ct[u * k + i] = fit->centre[i * p + f];
        ui[u++] = f;
    }
    for (i = 0; i < n; i++) {
        double dm[2];
        size_t c, c2, miss = 0;
        for (u = 0; u < pu; u++) {
            double v = tier__needs_src_value(&src[ui[u]], book, i);
            if (isnan(v))
                miss++;
            else
                z[u] = (v - fit->mean[ui[u]]) / fit->scale[ui[u]];
        }
        if (pu > 0 && miss == 0) {
            /* the common case: the same sums as tier__needs_row_distances, none scaled */
            tier__needs_dist_all(z, ct, pu, k, d2);
        } else {
            for (f = 0; f < p; f++)
                raw[f] = tier__needs_src_value(&src[f], book, i);
            if (tier__needs_row_distances(fit, raw, d2) == 0)
                continue; /* no usable value: no segment */
        }
        c = nearest_two(d2, k, &c2, dm);
        seg[i] = (int32_t)c;
        second[i] = k > 1 ? (int32_t)c2 : -1;
        dist[i] = dm[0];
        margin[i] = dm[1];
    }
done:
    tier__needs_free_sources(a, src, p);
    tier__free(a, raw);
    tier__free(a, z);
    tier__free(a, d2);
    tier__free(a, ct);
    tier__free(a, ui);
    return rc;
}

/* One customer against the fitted centres and standardisation: its needs vector read one value
 * at a time, the distances of tier__needs_row_distances (the batch's sums, in the same order),
 * then nearest_two() as the batch score. */
static int tier__needs_score_row(void *state, const tier_book *book, const tier_frame *frame,
                                 size_t customer, double *numbers, const char **labels)
{
    const needs_state *st = state;
    const needs_fit *fit = &st->fit;
    double raw[TIER_NEEDS_MAX_FEATURES], d2[TIER_NEEDS_MAX_SEGMENTS], v[2];
    char *err = tier__model_row_error(frame);
    size_t c, c2;
    int rc;
    if (fit->source == SRC_NONE || fit->k == 0 || fit->p != st->nfeat ||
        fit->k > TIER_NEEDS_MAX_SEGMENTS || fit->p > TIER_NEEDS_MAX_FEATURES) {
        tier__errorf(err, "the needs model is not fitted");
        return TIER_ESTATE;
    }
    if ((rc = tier__needs_row_values(st, book, frame, customer, raw, err)) != TIER_OK)
        return rc;
    if (tier__needs_row_distances(fit, raw, d2) == 0)
        return TIER_OK; /* no usable value: no segment */
    c = nearest_two(d2, fit->k, &c2, v);
    labels[OUT_SEGMENT] = fit->names[c];
    labels[OUT_SECOND] = fit->k > 1 ? fit->names[c2] : NULL;
    numbers[OUT_DISTANCE] = v[0];
    numbers[OUT_MARGIN] = v[1];
    return TIER_OK;
}

static int tier__needs_explain(void *state, const tier_book *book, const tier_frame *frame,
                               size_t customer, tier_text *out)
{
    const needs_state *st = state;
    const needs_fit *fit = &st->fit;
    const tier_allocator *a = &st->h.alloc;
    size_t p = fit->p, k = fit->k, f, j, present, nmiss = 0, shown;
    needs_src *src = tier__calloc(a, p ? p : 1, sizeof *src);
    double *raw = tier__calloc(a, p ? p : 1, sizeof *raw);
    double *d2 = tier__calloc(a, k ? k : 1, sizeof *d2);
    double *gain = tier__calloc(a, p ? p : 1, sizeof *gain);
    size_t *order = tier__calloc(a, (k > p ? k : p) + 1, sizeof *order);
    char ignored[TIER__ERR_SIZE];
    tier__buf b;
    int rc = TIER_OK;

    tier__buf_init(&b, a);
    if (!src || !raw || !d2 || !gain || !order) {
        rc = TIER_ENOMEM;
        goto done;
    }
    if (fit->source == SRC_NONE || k == 0 || p != st->nfeat) {
        rc = TIER_ESTATE;
        goto done;
    }
    if ((rc = tier__needs_resolve_sources(st, book, frame, src, ignored)) != TIER_OK)
        goto done;
    for (f = 0; f < p; f++) {
        raw[f] = tier__needs_src_value(&src[f], book, customer);
        nmiss += isnan(raw[f]) != 0;
    }
    present = tier__needs_row_distances(fit, raw, d2);
    if (present == 0) {
        tier__buf_printf(&b, "no usable needs value (%zu of %zu features missing): no segment",
                         nmiss, p);
        goto done;
    }
    /* Segments by distance (stable: lowest index first on ties). */
    for (j = 0; j < k; j++) {
        size_t v = j, i;
        for (i = j; i > 0 && d2[order[i - 1]] > d2[v]; i--)
            order[i] = order[i - 1];
        order[i] = v;
    }
    tier__buf_printf(&b, "segment %s at distance %.4g", fit->names[order[0]], sqrt(d2[order[0]]));
    for (j = 1; j < k && j < 4; j++)
        tier__buf_printf(&b, "%s%s %.4g", j == 1 ? " (next: " : ", ", fit->names[order[j]],
                         sqrt(d2[order[j]]));
    if (k > 1)
        tier__buf_printf(&b, ")");
    if (nmiss) {
        tier__buf_printf(&b, "; missing:");
        for (f = 0, shown = 0; f < p; f++)
            if (isnan(raw[f]))
                tier__buf_printf(&b, "%s %s", shown++ ? "," : "", st->feat[f]);
        if (fit->pu)
            tier__buf_printf(&b, " (distance over %zu of %zu features, scaled up)", present,
                             fit->pu);
    }
    if (k > 1 && fit->pu) {
        /* How much each feature favours the nearest segment over the runner-up. */
        size_t c1 = order[0], c2 = order[1], m = 0, i;
        for (f = 0; f < p; f++) {
            double z, e1, e2;
            if (!fit->used[f] || isnan(raw[f]))
                continue;
            z = (raw[f] - fit->mean[f]) / fit->scale[f];
            e1 = z - fit->centre[c1 * p + f];
            e2 = z - fit->centre[c2 * p + f];
            gain[f] = e2 * e2 - e1 * e1;
            if (!(gain[f] > 0))
                continue;
            order[m++] = f;
        }
        /* top three by gain, ties by feature order */
        for (j = 0; j < m; j++) {
            size_t v = order[j];
            for (i = j; i > 0 && gain[order[i - 1]] < gain[v]; i--)
                order[i] = order[i - 1];
            order[i] = v;
        }
        if (m) {
            tier__buf_printf(&b, "; pulls toward %s rather than %s:", fit->names[c1],
                             fit->names[c2]);
            for (j = 0; j < m && j < 3; j++) {
                f = order[j];
                tier__buf_printf(&b, "%s %s (value %.6g; centre %.6g vs %.6g)", j ? "," : "",
                                 st->feat[f], raw[f], tier__needs_raw_centre(fit, c1, f),
                                 tier__needs_raw_centre(fit, c2, f));
            }
        }
    }
done:
    rc = tier__model_explained(out, &b, rc);
    tier__needs_free_sources(a, src, p);
    tier__free(a, raw);
    tier__free(a, d2);
    tier__free(a, gain);
    tier__free(a, order);
    return rc;
}

static void tier__needs_destroy(void *state)
{
    needs_state *st = state;
    if (st) {
        tier__free_strings(&st->h.alloc, st->feat, st->nfeat);
        tier__free_strings(&st->h.alloc, st->prof_names, st->nprof);
        tier__free(&st->h.alloc, st->prof_values);
        tier__needs_forget_previous(st);
        tier__needs_fit_free(&st->h.alloc, &st->fit);
        tier__needs_dist_free(&st->h.alloc, st->dist);
    }
    tier__model_state_free(st);
}

/* A fit made straight from the profiles in raw units (standardisation off). */
int tier__needs_adopt_profiles(const tier_allocator *a, needs_fit *nf, char *const *names,
                               const double *values, size_t nprof, size_t p)
{
    size_t j, f;
    if (tier__needs_fit_alloc(a, nf, nprof, p) != TIER_OK)
        return TIER_ENOMEM;
    for (f = 0; f < p; f++) {
        nf->mean[f] = 0;
        nf->scale[f] = 1;
        nf->used[f] = 1;
    }
    nf->pu = p;
    memcpy(nf->centre, values, nprof * p * sizeof *values);
    for (j = 0; j < nprof; j++) {
        if (!(nf->names[j] = tier__strdup(a, names[j]))) {
            tier__needs_fit_free(a, nf);
            return TIER_ENOMEM;
        }
    }
    nf->source = SRC_PROFILES;
    nf->iterations = 0;
    nf->converged = 1;
    nf->inertia = nf->silhouette = nf->fitted = nf->excluded = NAN;
    return TIER_OK;
}

/* Forgets the previous centres (set for the next fit's matching). */
void tier__needs_forget_previous(needs_state *st)
{
    tier__free_strings(&st->h.alloc, st->prev_names, st->prev_k);
    tier__free(&st->h.alloc, st->prev_raw);
    st->prev_names = NULL;
    st->prev_raw = NULL;
    st->prev_k = 0;
}

/* Forgets the fit and marks the model unfitted. */
static void forget_fit(tier_model *model, needs_state *st)
{
    tier__needs_fit_free(&st->h.alloc, &st->fit);
    tier__model_set_fitted(model, 0);
}

/* ---- public API -------------------------------------------------------------------------- */

int tier_needs_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    int rc;
    needs_state *st = tier__model_state_new(out, &name, "needs", alloc, sizeof(needs_state), &rc);
    if (!st)
        return rc;
    st->o = tier__needs_defaults;
    return tier_model_new(out, &needs_vtable, st, name, alloc);
}

static int add_feature(tier_model *model, needs_state *st, const char *column)
{
    char **grown, *copy;
    if (!tier__needs_valid_feature(column)) {
        tier__errorf(st->h.err,
                     "a feature name must be 1..%d bytes of UTF-8 without control "
                     "characters or blanks at either end",
                     TIER_NEEDS_MAX_NAME);
        return TIER_EINVAL;
    }
    if (tier__needs_name_in(st->feat, st->nfeat, column, (size_t)-1)) {
        tier__errorf(st->h.err, "feature \"%s\" is already there", column);
        return TIER_EINVAL;
    }
    if (st->nprof) {
        tier__errorf(st->h.err, "add every feature before the first profile");
        return TIER_ESTATE;
    }
    if (st->nfeat >= TIER_NEEDS_MAX_FEATURES) {
        tier__errorf(st->h.err, "more than %d features", TIER_NEEDS_MAX_FEATURES);
        return TIER_ERANGE;
    }
    if (!(copy = tier__strdup(&st->h.alloc, column)))
        goto nomem;
    if (!(grown = tier__realloc_n(&st->h.alloc, st->feat, st->nfeat + 1, sizeof *grown))) {
        tier__free(&st->h.alloc, copy);
        goto nomem;
    }
    grown[st->nfeat++] = copy;
    st->feat = grown;
    /* The old fit and previous centres have one feature fewer. */
    forget_fit(model, st);
    tier__needs_forget_previous(st);
    st->h.err[0] = '\0';
    return TIER_OK;
nomem:
    tier__errorf(st->h.err, "out of memory adding a feature");
    return TIER_ENOMEM;
}

size_t tier_needs_feature_count(const tier_model *model)
{
    const needs_state *st = needs_of(model);
    return st ? st->nfeat : 0;
}

const char *tier_needs_feature_name(const tier_model *model, size_t i)
{
    const needs_state *st = needs_of(model);
    return st && i < st->nfeat ? st->feat[i] : NULL;
}

/* Copies k finite rows of n values and k names (NULL: need_1..need_k) after checking them. */
static int copy_named_rows(needs_state *st, const char *const *names, const double *values,
                           size_t k, size_t n, char ***out_names, double **out_values,
                           const char *what)
{
    char **nm;
    double *v;
    size_t i, j, kn;
    if (tier__size_mul(k, n, &kn)) {
        tier__errorf(st->h.err, "%zu %ss of %zu values are too many", k, what, n);
        return TIER_ERANGE;
    }
    for (i = 0; i < kn; i++) {
        if (!isfinite(values[i])) {
            tier__errorf(st->h.err, "%s value %zu is not a finite number", what, i);
            return TIER_EINVAL;
        }
    }
    for (i = 0; names && i < k; i++) {
        if (!tier__needs_valid_name(names[i])) {
            tier__errorf(st->h.err, "%s name %zu is empty, too long or has control characters",
                         what, i);
            return TIER_EINVAL;
        }
        for (j = 0; j < i; j++) {
            if (strcmp(names[i], names[j]) == 0) {
                tier__errorf(st->h.err, "%s name \"%s\" is given twice", what, names[i]);
                return TIER_EINVAL;
            }
        }
    }
    nm = tier__calloc(&st->h.alloc, k, sizeof *nm);
    v = tier__malloc_n(&st->h.alloc, kn, sizeof *v);
    if (!nm || !v)
        goto nomem;
    for (i = 0; i < k; i++) {
        char buf[32] = "";
        if (!names)
            snprintf(buf, sizeof buf, "need_%lu", (unsigned long)i + 1);
        if (!(nm[i] = tier__strdup(&st->h.alloc, names ? names[i] : buf)))
            goto nomem;
    }
    memcpy(v, values, k * n * sizeof *v);
    *out_names = nm;
    *out_values = v;
    return TIER_OK;
nomem:
    tier__free_strings(&st->h.alloc, nm, k);
    tier__free(&st->h.alloc, v);
    tier__errorf(st->h.err, "out of memory copying %s values", what);
    return TIER_ENOMEM;
}

static int add_profile(tier_model *model, needs_state *st, const char *name, const double *values,
                       size_t n)
{
    char **names = NULL, **one = NULL;
    double *vals = NULL, *row = NULL;
    needs_fit nf;
    size_t p, k, kn;
    int rc;
    if (!name || (!values && n)) {
        tier__errorf(st->h.err, "no profile name or values");
        return TIER_EINVAL;
    }
    p = st->nfeat;
    if (p == 0) {
        tier__errorf(st->h.err, "add the features before the profiles");
        return TIER_EINVAL;
    }
    if (n != p) {
        tier__errorf(st->h.err, "profile \"%s\" has %zu values for %zu features", name, n, p);
        return TIER_ERANGE;
    }
    if (st->nprof >= TIER_NEEDS_MAX_SEGMENTS) {
        tier__errorf(st->h.err, "more than %d profiles", TIER_NEEDS_MAX_SEGMENTS);
        return TIER_ERANGE;
    }
    if (tier__needs_valid_name(name) &&
        tier__needs_name_in(st->prof_names, st->nprof, name, (size_t)-1)) {
        tier__errorf(st->h.err, "profile \"%s\" is already there", name);
        return TIER_EINVAL;
    }
    if ((rc = copy_named_rows(st, &name, values, 1, n, &one, &row, "profile")) != TIER_OK)
        return rc;
    k = st->nprof + 1;
    names = tier__calloc(&st->h.alloc, k, sizeof *names);
    vals = tier__size_mul(k, p, &kn) ? NULL : tier__malloc_n(&st->h.alloc, kn, sizeof *vals);
    if (!names || !vals)
        goto nomem;
    if (st->nprof) {
        memcpy(names, st->prof_names, st->nprof * sizeof *names);
        memcpy(vals, st->prof_values, st->nprof * p * sizeof *vals);
    }
    names[st->nprof] = one[0];
    memcpy(vals + st->nprof * p, row, p * sizeof *vals);
    memset(&nf, 0, sizeof nf);
    if (!st->o.standardize &&
        tier__needs_adopt_profiles(&st->h.alloc, &nf, names, vals, k, p) != TIER_OK)
        goto nomem;
    tier__free(&st->h.alloc, one);
    tier__free(&st->h.alloc, row);
    tier__free(&st->h.alloc, st->prof_names);
    tier__free(&st->h.alloc, st->prof_values);
    st->prof_names = names;
    st->prof_values = vals;
    st->nprof = k;
    forget_fit(model, st);
    if (nf.source) {
        st->fit = nf;
        tier__model_set_fitted(model, 1);
    }
    st->h.err[0] = '\0';
    return TIER_OK;
nomem:
    tier__free_strings(&st->h.alloc, one, 1);
    tier__free(&st->h.alloc, row);
    tier__free(&st->h.alloc, names);
    tier__free(&st->h.alloc, vals);
    tier__errorf(st->h.err, "out of memory adding a profile");
    return TIER_ENOMEM;
}

void tier_needs_clear_profiles(tier_model *model)
{
    needs_state *st = needs_of(model);
    if (!st || !st->nprof)
        return;
    tier__free_strings(&st->h.alloc, st->prof_names, st->nprof);
    tier__free(&st->h.alloc, st->prof_values);
    st->prof_names = NULL;
    st->prof_values = NULL;
    st->nprof = 0;
    forget_fit(model, st);
}

size_t tier_needs_segment_count(const tier_model *model)
{
    const needs_state *st = needs_of(model);
    return st && st->fit.source ? st->fit.k : 0;
}

const char *tier_needs_segment_name(const tier_model *model, size_t seg)
{
    const needs_state *st = needs_of(model);
    return st && st->fit.source && seg < st->fit.k ? st->fit.names[seg] : NULL;
}

static int set_segment_name(needs_state *st, size_t seg, const char *name)
{
    char *copy, *pcopy = NULL;
    if (!st->fit.source) {
        tier__errorf(st->h.err, "the needs model is not fitted: no segment to rename");
        return TIER_ESTATE;
    }
    if (seg >= st->fit.k) {
        tier__errorf(st->h.err, "segment %zu out of range (%zu segments)", seg, st->fit.k);
        return TIER_ERANGE;
    }
    if (!tier__needs_valid_name(name) || tier__needs_name_in(st->fit.names, st->fit.k, name, seg)) {
        tier__errorf(st->h.err, "segment name is empty, too long, has control characters or is "
                                "taken");
        return TIER_EINVAL;
    }
    copy = tier__strdup(&st->h.alloc, name);
    if (copy && st->fit.source == SRC_PROFILES && seg < st->nprof &&
        !(pcopy = tier__strdup(&st->h.alloc, name))) {
        tier__free(&st->h.alloc, copy);
        copy = NULL;
    }
    if (!copy) {
        tier__errorf(st->h.err, "out of memory renaming a segment");
        return TIER_ENOMEM;
    }
    tier__free(&st->h.alloc, st->fit.names[seg]);
    st->fit.names[seg] = copy;
    if (pcopy) {
        tier__free(&st->h.alloc, st->prof_names[seg]);
        st->prof_names[seg] = pcopy;
    }
    st->h.err[0] = '\0';
    return TIER_OK;
}

static int centroid(needs_state *st, size_t seg, double *out, size_t n)
{
    size_t f;
    if (!out && n) {
        tier__errorf(st->h.err, "no array for the centre");
        return TIER_EINVAL;
    }
    if (!st->fit.source) {
        tier__errorf(st->h.err, "the needs model is not fitted: no centre");
        return TIER_ESTATE;
    }
    if (seg >= st->fit.k || n != st->fit.p) {
        tier__errorf(st->h.err, "segment %zu of %zu, room for %zu values of %zu", seg, st->fit.k, n,
                     st->fit.p);
        return TIER_ERANGE;
    }
    for (f = 0; f < n; f++)
        out[f] = st->fit.source == SRC_PROFILES && seg < st->nprof
                     ? st->prof_values[seg * n + f]
                     : tier__needs_raw_centre(&st->fit, seg, f);
    return TIER_OK;
}

static int set_previous_centroids(needs_state *st, const char *const *names, const double *values,
                                  size_t k, size_t n)
{
    char **nm = NULL;
    double *v = NULL;
    int rc;
    if (!values) {
        tier__errorf(st->h.err, "no previous centres");
        return TIER_EINVAL;
    }
    if (k == 0 || k > TIER_NEEDS_MAX_SEGMENTS || n == 0 || n != st->nfeat) {
        tier__errorf(st->h.err, "previous centres: need 1..%d centres of %zu values",
                     TIER_NEEDS_MAX_SEGMENTS, st->nfeat);
        return TIER_ERANGE;
    }
    if ((rc = copy_named_rows(st, names, values, k, n, &nm, &v, "previous centre")) != TIER_OK)
        return rc;
    tier__needs_forget_previous(st);
    st->prev_names = nm;
    st->prev_raw = v;
    st->prev_k = k;
    st->h.err[0] = '\0';
    return TIER_OK;
}

static int fit_stat(needs_state *st, int stat, double *out)
{
    const needs_fit *fit = &st->fit;
    if (!out || stat < TIER_NEEDS_STAT_K || stat > TIER_NEEDS_STAT_USED_FEATURES) {
        tier__errorf(st->h.err, "%s", !out ? "no place for the value" : "unknown statistic");
        return TIER_EINVAL;
    }
    if (!fit->source) {
        tier__errorf(st->h.err, "the needs model is not fitted");
        return TIER_ESTATE;
    }
    switch (stat) {
    case TIER_NEEDS_STAT_K:
        *out = (double)fit->k;
        break;
    case TIER_NEEDS_STAT_ITERATIONS:
        *out = fit->iterations;
        break;
    case TIER_NEEDS_STAT_CONVERGED:
        *out = fit->converged;
        break;
    case TIER_NEEDS_STAT_INERTIA:
        *out = fit->inertia;
        break;
    case TIER_NEEDS_STAT_SILHOUETTE:
        *out = fit->silhouette;
        break;
    case TIER_NEEDS_STAT_FITTED:
        *out = fit->fitted;
        break;
    case TIER_NEEDS_STAT_EXCLUDED:
        *out = fit->excluded;
        break;
    default:
        *out = (double)fit->pu;
        break;
    }
    return TIER_OK;
}

/* ---- the public calls: each failure becomes the model's last error ------------------------ */

int tier_needs_add_feature(tier_model *model, const char *column)
{
    needs_state *st = needs_of(model);
    return st ? tier__model_end(model, add_feature(model, st, column), st->h.err) : TIER_EINVAL;
}

int tier_needs_add_profile(tier_model *model, const char *name, const double *values, size_t n)
{
    needs_state *st = needs_of(model);
    return st ? tier__model_end(model, add_profile(model, st, name, values, n), st->h.err)
              : TIER_EINVAL;
}

int tier_needs_set_segment_name(tier_model *model, size_t seg, const char *name)
{
    needs_state *st = needs_of(model);
    return st ? tier__model_end(model, set_segment_name(st, seg, name), st->h.err) : TIER_EINVAL;
}

int tier_needs_centroid(const tier_model *model, size_t seg, double *out, size_t n)
{
    needs_state *st = needs_of(model);
    return st ? tier__model_end(model, centroid(st, seg, out, n), st->h.err) : TIER_EINVAL;
}

int tier_needs_set_previous_centroids(tier_model *model, const char *const *names,
                                      const double *values, size_t k, size_t n)
{
    needs_state *st = needs_of(model);
    return st ? tier__model_end(model, set_previous_centroids(st, names, values, k, n), st->h.err)
              : TIER_EINVAL;
}

int tier_needs_fit_stat(const tier_model *model, int stat, double *out)
{
    needs_state *st = needs_of(model);
    return st ? tier__model_end(model, fit_stat(st, stat, out), st->h.err) : TIER_EINVAL;
}

int tier_needs_dist_begin(tier_model *model, tier_text *request)
{
    needs_state *st = needs_of(model);
    return st ? tier__model_end(model, tier__needs_dist_begin(st, request), st->h.err)
              : TIER_EINVAL;
}

int tier_needs_dist_answer(const tier_model *model, const tier_book *book, const tier_frame *frame,
                           const char *request, size_t len, tier_text *answer)
{
    needs_state *st = needs_of(model);
    return st ? tier__model_end(model,
                                tier__needs_dist_answer(st, book, frame, request, len, answer),
                                st->h.err)
              : TIER_EINVAL;
}

int tier_needs_dist_merge(tier_model *model, const char *const *answers, const size_t *lens,
                          size_t n, tier_text *request)
{
    needs_state *st = needs_of(model);
    int rc;
    if (!st)
        return TIER_EINVAL;
    rc = tier__needs_dist_merge(st, answers, lens, n, request);
    if (rc == TIER_OK && !st->dist)
        tier__model_set_fitted(model, 1);
    return tier__model_end(model, rc, st->h.err);
}
