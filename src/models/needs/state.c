/* SPDX-License-Identifier: MIT */
/* Needs model: options by name and the saved state (docs/needs.md, docs/model-state-format.md). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "models/needs/needs_internal.h"
#include "models/options.h"

/* ---- options and saved state (docs/needs.md, docs/model-state-format.md) ------------------- */

const needs_opts tier__needs_defaults = {0, 2, 8, 4, 100, 1, 5000, 65536, DEFAULT_SEED};

/* The number options: bounds and where needs_opts keeps them (an int member; SEED_SLOT for the
 * double `seed`). */
#define SEED_SLOT ((size_t)-1)
static const struct number_option {
    const char *name;
    double lo, hi;
    size_t slot;
} number_options[] = {{"k", 0, TIER_NEEDS_MAX_SEGMENTS, offsetof(needs_opts, k)},
                      {"k_min", 2, TIER_NEEDS_MAX_SEGMENTS, offsetof(needs_opts, k_min)},
                      {"k_max", 2, TIER_NEEDS_MAX_SEGMENTS, offsetof(needs_opts, k_max)},
                      {"seed", 0, MAX_SEED, SEED_SLOT},
                      {"n_init", 1, 100, offsetof(needs_opts, n_init)},
                      {"max_iter", 1, 100000, offsetof(needs_opts, max_iter)},
                      {"standardize", 0, 1, offsetof(needs_opts, standardize)},
                      {"sample", 2, MAX_SAMPLE, offsetof(needs_opts, sample)},
                      {"init_sample", 0, MAX_INIT_SAMPLE, offsetof(needs_opts, init_sample)}};

/* The number option `name`: the library passes declared names only, so any name not before it is
 * the last entry. */
static const struct number_option *number_option(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof number_options / sizeof number_options[0] - 1; i++)
        if (strcmp(number_options[i].name, name) == 0)
            break;
    return &number_options[i];
}

/* Checks a number option alone and stores it into *o. */
static int opts_set(needs_opts *o, const char *name, const tier_value *v, char *err)
{
    const struct number_option *no = number_option(name);
    double x = tier_value_number(v);
    int32_t n;
    int rc;
    if (no->slot == SEED_SLOT) {
        if (!(x >= no->lo && x <= no->hi) || x != floor(x)) {
            tier__errorf(err, "must be an integer from 0 to 2^53, not %g", x);
            return TIER_ERANGE;
        }
        o->seed = x;
        return TIER_OK;
    }
    if ((rc = tier__opt_int(v, no->lo, no->hi, 0, &n, err)) != TIER_OK)
        return rc;
    if (strcmp(name, "init_sample") == 0 && n > 0 && n < 100) {
        tier__errorf(err, "must be 0 or at least 100, not %d", (int)n);
        return TIER_ERANGE;
    }
    *(int *)(void *)((char *)o + no->slot) = n;
    return TIER_OK;
}

static double opts_get(const needs_opts *o, const char *name)
{
    const struct number_option *no = number_option(name);
    if (no->slot == SEED_SLOT)
        return o->seed;
    return *(const int *)(const void *)((const char *)o + no->slot);
}

static int opts_check(const needs_opts *o, char *err)
{
    if (o->k_min > o->k_max) {
        tier__errorf(err, "k_min (%d) must not exceed k_max (%d)", o->k_min, o->k_max);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* Checks a feature list and copies it into *out (n names). */
static int copy_features(needs_state *st, const tier_value *v, char ***out, char *err)
{
    size_t n = tier_value_list_count(v), i;
    char **names;
    *out = NULL;
    if (n > TIER_NEEDS_MAX_FEATURES) {
        tier__errorf(err, "more than %d features", TIER_NEEDS_MAX_FEATURES);
        return TIER_ERANGE;
    }
    for (i = 0; i < n; i++) {
        const char *c = tier_value_list_item(v, i);
        if (!tier__needs_valid_feature(c)) {
            tier__errorf(err,
                         "feature %lu: a feature name must be 1..%d bytes of UTF-8 without "
                         "control characters or blanks at either end",
                         (unsigned long)i + 1, TIER_NEEDS_MAX_NAME);
            return TIER_EINVAL;
        }
        if (i && tier__needs_name_in(v->items, i, c, (size_t)-1)) {
            tier__errorf(err, "feature \"%s\" is given twice", c);
            return TIER_EINVAL;
        }
    }
    if (!n)
        return TIER_OK;
    names = tier__calloc(&st->h.alloc, n, sizeof *names);
    for (i = 0; names && i < n; i++)
        if (!(names[i] = tier__strdup(&st->h.alloc, tier_value_list_item(v, i)))) {
            tier__free_strings(&st->h.alloc, names, n);
            names = NULL;
        }
    if (!names) {
        tier__errorf(err, "out of memory copying the features");
        return TIER_ENOMEM;
    }
    *out = names;
    return TIER_OK;
}

/* 1 when the list equals the model's features. */
static int same_features(const needs_state *st, const tier_value *v)
{
    size_t i;
    if (tier_value_list_count(v) != st->nfeat)
        return 0;
    for (i = 0; i < st->nfeat; i++)
        if (strcmp(st->feat[i], tier_value_list_item(v, i)) != 0)
            return 0;
    return 1;
}

int tier__needs_set_option(void *state, const char *name, const tier_value *value)
{
    needs_state *st = state;
    needs_opts o = st->o;
    needs_fit nf;
    int rc;
    if (strcmp(name, "features") == 0) {
        char **names;
        if (same_features(st, value)) {
            st->h.err[0] = '\0';
            return TIER_OK;
        }
        if (st->nprof) {
            tier__errorf(st->h.err, "clear the profiles before changing the features");
            return TIER_ESTATE;
        }
        if ((rc = copy_features(st, value, &names, st->h.err)) != TIER_OK)
            return rc;
        tier__free_strings(&st->h.alloc, st->feat, st->nfeat);
        st->feat = names;
        st->nfeat = tier_value_list_count(value);
        /* The old fit and previous centres have other features. */
        tier__needs_fit_free(&st->h.alloc, &st->fit);
        tier__needs_forget_previous(st);
        st->h.err[0] = '\0';
        return TIER_OK;
    }
    if ((rc = opts_set(&o, name, value, st->h.err)) != TIER_OK)
        return rc;
    if ((rc = opts_check(&o, st->h.err)) != TIER_OK)
        return rc;
    if (o.standardize != st->o.standardize) {
        /* Profiles in raw units need no fit; standardised ones need the book's means. */
        memset(&nf, 0, sizeof nf);
        if (st->nprof && !o.standardize &&
            tier__needs_adopt_profiles(&st->h.alloc, &nf, st->prof_names, st->prof_values,
                                       st->nprof, st->nfeat) != TIER_OK) {
            tier__errorf(st->h.err, "out of memory setting an option");
            return TIER_ENOMEM;
        }
        tier__needs_fit_free(&st->h.alloc, &st->fit);
        st->fit = nf;
    }
    st->o = o;
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier__needs_get_option(void *state, const char *name, tier_value *out)
{
    const needs_state *st = state;
    if (strcmp(name, "features") == 0)
        return tier_value_set_list(out, (const char *const *)st->feat, st->nfeat);
    return tier_value_set_number(out, opts_get(&st->o, name));
}

int tier__needs_is_fitted(void *state)
{
    return ((const needs_state *)state)->fit.source != SRC_NONE;
}

int tier__needs_save(void *state, tier_state_writer *w)
{
    needs_state *st = state;
    const needs_fit *fit = &st->fit;
    size_t f, j;
    int rc;
    if (!fit->source || fit->p != st->nfeat)
        return TIER_ESTATE;
    rc = tier__opt_save(w, tier__needs_options, NEEDS_N_OPTIONS, st, tier__needs_get_option,
                        &st->h.alloc);
    if (rc)
        return rc;
    tier_state_write_key(w, "source");
    tier_state_write_text(w, fit->source == SRC_PROFILES ? "profiles" : "kmeans");
    tier__opt_write_numbers(w, "mean", fit->mean, fit->p);
    tier__opt_write_numbers(w, "scale", fit->scale, fit->p);
    tier_state_write_key(w, "used");
    for (f = 0; f < fit->p; f++)
        tier_state_write_number(w, fit->used[f]);
    for (j = 0; j < fit->k; j++) {
        /* profiles are kept in the units they were given; clusters in standardised units */
        tier_state_write_key(w, "segment");
        tier_state_write_text(w, fit->names[j]);
        rc = tier_state_write_numbers(w,
                                      fit->source == SRC_PROFILES ? st->prof_values + j * fit->p
                                                                  : fit->centre + j * fit->p,
                                      fit->p);
    }
    return rc;
}

/* What a saved state sets, applied only once all of it has been read. */
typedef struct needs_loaded {
    needs_opts o;
    int source;
    size_t p, k;
    char **feat, **names;
    double *mean, *scale, *values, *used;
    unsigned seen; /* bits: source, mean, scale, used */
} needs_loaded;

static void loaded_free(const tier_allocator *a, needs_loaded *L)
{
    tier__free_strings(a, L->feat, L->p);
    tier__free_strings(a, L->names, L->k);
    tier__free(a, L->mean);
    tier__free(a, L->scale);
    tier__free(a, L->used);
    tier__free(a, L->values);
}

/* Reads a record of p numbers into a new array *out (bit `bit` of L->seen). */
static int load_vector(needs_state *st, tier_state_reader *r, needs_loaded *L, double **out,
                       unsigned bit)
{
    char msg[96];
    if (L->seen & bit)
        return tier_state_read_fail(r, "record given twice");
    if (tier_state_read_count(r) != L->p) {
        snprintf(msg, sizeof msg, "%lu values for %lu features",
                 (unsigned long)tier_state_read_count(r), (unsigned long)L->p);
        return tier_state_read_fail(r, msg);
    }
    if (!(*out = tier__calloc(&st->h.alloc, L->p ? L->p : 1, sizeof **out)))
        return TIER_ENOMEM;
    L->seen |= bit;
    return tier_state_read_numbers(r, *out, L->p);
}

static int load_segment(needs_state *st, tier_state_reader *r, needs_loaded *L)
{
    const char *name;
    double *row;
    size_t f, n;
    char msg[96];
    void *p;
    if (tier_state_read_count(r) != L->p + 1 || tier_state_read_text(r, 0, &name) != TIER_OK) {
        snprintf(msg, sizeof msg, "a segment is a name and %lu numbers", (unsigned long)L->p);
        return tier_state_read_fail(r, msg);
    }
    if (L->k == TIER_NEEDS_MAX_SEGMENTS)
        return tier_state_read_fail(r, "more than 256 segments");
    if (!tier__needs_valid_name(name) || tier__needs_name_in(L->names, L->k, name, (size_t)-1))
        return tier_state_read_fail(r, "a segment name is empty, too long, has control "
                                       "characters or is given twice");
    p = L->names;
    if (!(p = tier__realloc_n(&st->h.alloc, p, L->k + 1, sizeof *L->names)))
        return TIER_ENOMEM;
    L->names = p;
    L->names[L->k] = NULL;
    p = L->values;
    if (tier__size_mul(L->k + 1, L->p ? L->p : 1, &n) ||
        !(p = tier__realloc_n(&st->h.alloc, p, n, sizeof *L->values)))
        return TIER_ENOMEM;
    L->values = p;
    row = L->values + L->k * L->p;
    for (f = 0; f < L->p; f++)
        if (tier_state_read_number(r, f + 1, &row[f]) != TIER_OK)
            return TIER_ECORRUPT;
        else if (!(fabs(row[f]) <= MAX_Z))
            return tier_state_read_fail(r, "a segment value is not a finite number in range");
    if (!(L->names[L->k] = tier__strdup(&st->h.alloc, name)))
        return TIER_ENOMEM;
    L->k++;
    return TIER_OK;
}

/* Builds the fit a loaded state describes (nf). */
static int loaded_fit(const needs_state *st, needs_loaded *L, needs_fit *nf, char *err)
{
    const tier_allocator *a = &st->h.alloc;
    size_t f, j, p = L->p;
    if (tier__needs_fit_alloc(a, nf, L->k, p) != TIER_OK)
        return TIER_ENOMEM;
    memcpy(nf->mean, L->mean, p * sizeof *L->mean);
    memcpy(nf->scale, L->scale, p * sizeof *L->scale);
    for (f = 0; f < p; f++) {
        if (!isfinite(L->mean[f]) || !(L->scale[f] > 0) || !isfinite(L->scale[f]) ||
            (L->used[f] != 0 && L->used[f] != 1)) {
            tier__errorf(err,
                         "feature \"%s\": the mean must be finite, the scale positive and "
                         "used 0 or 1",
                         L->feat[f]);
            return TIER_ECORRUPT;
        }
        nf->used[f] = (unsigned char)L->used[f];
        nf->pu += nf->used[f];
        if (L->source == SRC_PROFILES && !nf->used[f]) {
            tier__errorf(err, "a profile state must use every feature (\"%s\" is dropped)",
                         L->feat[f]);
            return TIER_ECORRUPT;
        }
    }
    for (j = 0; j < L->k; j++) {
        for (f = 0; f < p; f++) {
            double v = L->values[j * p + f];
            if (L->source == SRC_PROFILES)
                v = (v - nf->mean[f]) / nf->scale[f];
            if (!(fabs(v) <= MAX_Z)) {
                tier__errorf(err, "segment \"%s\": feature \"%s\" is too far out", L->names[j],
                             L->feat[f]);
                return TIER_ECORRUPT;
            }
            nf->centre[j * p + f] = v;
        }
        if (!(nf->names[j] = tier__strdup(a, L->names[j])))
            return TIER_ENOMEM;
    }
    nf->source = L->source;
    nf->iterations = nf->converged = nf->inertia = nf->silhouette = NAN;
    nf->fitted = nf->excluded = NAN;
    return TIER_OK;
}

/* What the load callbacks work on. */
typedef struct needs_loading {
    needs_state *st;
    tier_state_reader *r;
    needs_loaded L;
} needs_loading;

static int load_option(void *ctx, const char *name, const tier_value *v, char *why)
{
    needs_loading *ld = ctx;
    needs_loaded *L = &ld->L;
    int rc;
    if (strcmp(name, "features") != 0)
        return opts_set(&L->o, name, v, why);
    if (L->p || L->feat || L->seen || L->k)
        return tier_state_read_fail(ld->r, "the features come before the fit");
    if ((rc = copy_features(ld->st, v, &L->feat, why)) == TIER_OK)
        L->p = tier_value_list_count(v);
    return rc;
}

/* "source", "mean", "scale", "used" or "segment". */
static int load_record(void *ctx, tier_state_reader *r, const char *key)
{
    needs_loading *ld = ctx;
    needs_loaded *L = &ld->L;
    int rc;
    if (strcmp(key, "source") == 0) {
        const char *t;
        if ((L->seen & 1u) || tier_state_read_count(r) != 1 ||
            tier_state_read_text(r, 0, &t) != TIER_OK ||
            (strcmp(t, "kmeans") != 0 && strcmp(t, "profiles") != 0))
            return tier_state_read_fail(r, "source is \"kmeans\" or \"profiles\", given once");
        L->source = t[0] == 'k' ? SRC_KMEANS : SRC_PROFILES;
        L->seen |= 1u;
        return 1;
    }
    if (strcmp(key, "mean") == 0)
        rc = load_vector(ld->st, r, L, &L->mean, 2u);
    else if (strcmp(key, "scale") == 0)
        rc = load_vector(ld->st, r, L, &L->scale, 4u);
    else if (strcmp(key, "used") == 0)
        rc = load_vector(ld->st, r, L, &L->used, 8u);
    else if (strcmp(key, "segment") == 0)
        rc = load_segment(ld->st, r, L);
    else
        return 0;
    return rc < 0 ? rc : 1;
}

int tier__needs_load(void *state, tier_state_reader *r)
{
    needs_state *st = state;
    needs_loading ld;
    needs_loaded *L = &ld.L;
    needs_fit nf;
    char why[TIER__ERR_SIZE];
    int rc;

    memset(&ld, 0, sizeof ld);
    memset(&nf, 0, sizeof nf);
    ld.st = st;
    ld.r = r;
    ld.L.o = tier__needs_defaults;
    rc = tier__opt_load(r, tier__needs_options, NEEDS_N_OPTIONS, &st->h.alloc, load_option,
                        load_record, &ld);
    if (rc == 0) {
        if (!L->p)
            rc = tier_state_read_fail(r, "no features");
        else if (L->seen != 15u)
            rc = tier_state_read_fail(r, "missing source, mean, scale or used record");
        else if (!L->k)
            rc = tier_state_read_fail(r, "no segment");
        else if (opts_check(&L->o, why) != TIER_OK)
            rc = tier_state_read_fail(r, why);
        else if ((rc = loaded_fit(st, L, &nf, why)) == TIER_ECORRUPT)
            rc = tier_state_read_fail(r, why);
    }
    if (rc) {
        tier__needs_fit_free(&st->h.alloc, &nf);
        loaded_free(&st->h.alloc, L);
        if (rc == TIER_ENOMEM)
            tier__errorf(st->h.err, "out of memory loading a needs state");
        return rc;
    }
    /* Commit: options, features, profiles, fit. */
    st->o = L->o;
    tier__free_strings(&st->h.alloc, st->feat, st->nfeat);
    st->feat = L->feat;
    st->nfeat = L->p;
    L->feat = NULL;
    tier__free_strings(&st->h.alloc, st->prof_names, st->nprof);
    tier__free(&st->h.alloc, st->prof_values);
    st->prof_names = NULL;
    st->prof_values = NULL;
    st->nprof = 0;
    if (L->source == SRC_PROFILES) {
        st->prof_names = L->names;
        st->prof_values = L->values;
        st->nprof = L->k;
        L->names = NULL;
        L->values = NULL;
    }
    tier__needs_forget_previous(st);
    tier__needs_fit_free(&st->h.alloc, &st->fit);
    st->fit = nf;
    loaded_free(&st->h.alloc, L);
    st->h.err[0] = '\0';
    return TIER_OK;
}
