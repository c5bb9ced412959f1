/* SPDX-License-Identifier: MIT */
/* Scorecard: lifetime, the public builders (factors, caps, bands, penalties, vetoes, grade bands)
 * and the B2B default card (the "b2b" preset of preset.c). */
#include <math.h>
#include <string.h>

#include "models/model_common.h"
#include "models/scorecard/scorecard_internal.h"

/* ---- lifetime ---------------------------------------------------------------------------- */

static void free_factor(const tier_allocator *a, sc_factor *f)
{
    tier__free(a, f->name);
    tier__free(a, f->column);
    tier__free(a, f->edges);
    tier__free(a, f->fractions);
    tier__free(a, f->uniq);
    tier__free(a, f->below);
    tier__free(a, f->equal);
}

static void free_cond(const tier_allocator *a, sc_cond *c)
{
    tier__free(a, c->name);
    tier__free(a, c->column);
}

/* Frees the factors, penalties and vetoes (the configuration), leaving none. */
void tier__sc_clear(sc_state *st)
{
    size_t i;
    for (i = 0; i < st->nfactors; i++)
        free_factor(&st->h.alloc, &st->factors[i]);
    for (i = 0; i < st->npens; i++)
        free_cond(&st->h.alloc, &st->pens[i]);
    for (i = 0; i < st->nvetoes; i++)
        free_cond(&st->h.alloc, &st->vetoes[i]);
    tier__free(&st->h.alloc, st->factors);
    tier__free(&st->h.alloc, st->pens);
    tier__free(&st->h.alloc, st->vetoes);
    st->factors = NULL;
    st->pens = st->vetoes = NULL;
    st->nfactors = st->cap_factors = st->npens = st->cap_pens = st->nvetoes = st->cap_vetoes = 0;
}

void tier__sc_take_card(sc_state *st, sc_state *from)
{
    tier__sc_clear(st);
    st->factors = from->factors;
    st->nfactors = from->nfactors;
    st->cap_factors = from->cap_factors;
    st->pens = from->pens;
    st->npens = from->npens;
    st->cap_pens = from->cap_pens;
    st->vetoes = from->vetoes;
    st->nvetoes = from->nvetoes;
    st->cap_vetoes = from->cap_vetoes;
    from->factors = NULL;
    from->pens = from->vetoes = NULL;
    from->nfactors = from->cap_factors = from->npens = from->cap_pens = 0;
    from->nvetoes = from->cap_vetoes = 0;
}

void tier__sc_destroy(void *state)
{
    sc_state *st = state;
    if (st) {
        tier__sc_clear(st);
        tier__free(&st->h.alloc, st->name);
    }
    tier__model_state_free(st);
}

/* ---- public API -------------------------------------------------------------------------- */

int tier_scorecard_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    int rc;
    sc_state *st = tier__model_state_new(out, &name, "scorecard", alloc, sizeof(sc_state), &rc);
    if (!st)
        return rc;
    memcpy(st->lower, default_lower, sizeof st->lower);
    st->name = tier__strdup(&st->h.alloc, name);
    return tier__model_finish(out, &tier__sc_vtable, st, name, alloc, st->name != NULL);
}

/* 1 when `s` is 1..max bytes of printable ASCII. */
static int valid_text(const char *s, size_t max)
{
    size_t i, n;
    if (!s || !(n = strlen(s)) || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return 0;
    return 1;
}

/* A source: "attr.NAME", a frame column, or alternatives of those separated by '|' (no empty
 * one). */
static int valid_column(const char *column)
{
    char alt[SC_MAX_COLUMN + 1];
    const char *attr;
    size_t k;
    if (!valid_text(column, SC_MAX_COLUMN))
        return 0;
    for (k = 0; tier__sc_alternative(column, k, alt); k++) {
        attr = tier__sc_attr_name(alt);
        if (alt[0] == '\0' || (attr && attr[0] == '\0'))
            return 0;
    }
    return 1;
}

int tier__sc_add_factor(sc_state *st, const char *factor, const char *column, double weight,
                        int group, int normalisation, int direction, int missing, size_t *out_index)
{
    sc_factor f;
    size_t i;
    void *p;
    if (!valid_text(factor, SC_MAX_NAME)) {
        tier__errorf(st->h.err, "factor name must be 1..%d printable ASCII bytes without spaces",
                     SC_MAX_NAME);
        return TIER_EINVAL;
    }
    if (!valid_column(column)) {
        tier__errorf(st->h.err,
                     "factor \"%s\": column must be \"attr.NAME\" or a frame column name, or "
                     "such names separated by '|' (1..%d printable ASCII bytes without spaces)",
                     factor, SC_MAX_COLUMN);
        return TIER_EINVAL;
    }
    if (!(weight > 0 && weight <= 100)) {
        tier__errorf(st->h.err,
                     "factor \"%s\": weight %g is not in (0, 100] (penalties are "
                     "separate: tier_scorecard_add_penalty)",
                     factor, weight);
        return TIER_EINVAL;
    }
    if (group < TIER_SCORECARD_EXPLICIT || group > TIER_SCORECARD_GROWTH ||
        normalisation < TIER_SCORECARD_NORM_PERCENTILE ||
        normalisation > TIER_SCORECARD_NORM_BOOLEAN ||
        direction < TIER_SCORECARD_HIGHER_IS_BETTER || direction > TIER_SCORECARD_LOWER_IS_BETTER ||
        missing < TIER_SCORECARD_MISSING_REWEIGHT || missing > TIER_SCORECARD_MISSING_ZERO) {
        tier__errorf(st->h.err,
                     "factor \"%s\": unknown group (%d), normalisation (%d), direction "
                     "(%d) or missing-value policy (%d)",
                     factor, group, normalisation, direction, missing);
        return TIER_EINVAL;
    }
    for (i = 0; i < st->nfactors; i++)
        if (strcmp(st->factors[i].name, factor) == 0) {
            tier__errorf(st->h.err, "factor \"%s\" already exists", factor);
            return TIER_EINVAL;
        }
    if (st->nfactors >= SC_MAX_FACTORS) {
        tier__errorf(st->h.err, "more than %d factors", SC_MAX_FACTORS);
        return TIER_ERANGE;
    }
    memset(&f, 0, sizeof f);
    f.weight = weight;
    f.group = group;
    f.norm = normalisation;
    f.dir = direction;
    f.missing = missing;
    f.cap_lo = f.cap_hi = f.impute = NAN;
    f.name = tier__strdup(&st->h.alloc, factor);
    f.column = tier__strdup(&st->h.alloc, column);
    p = st->factors;
    if (!f.name || !f.column ||
        tier__grow(&st->h.alloc, &p, &st->cap_factors, st->nfactors + 1, sizeof f) != TIER_OK) {
        free_factor(&st->h.alloc, &f);
        tier__errorf(st->h.err, "out of memory adding factor \"%s\"", factor);
        return TIER_ENOMEM;
    }
    st->factors = p;
    st->factors[st->nfactors] = f;
    if (out_index)
        *out_index = st->nfactors;
    st->nfactors++;
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier_scorecard_add_factor(tier_model *model, const char *factor, const char *column,
                              double weight, int group, int normalisation, int direction,
                              int missing, size_t *out_index)
{
    sc_state *st = tier__sc_of(model);
    int rc;
    if (!st)
        return TIER_EINVAL;
    rc = tier__sc_add_factor(st, factor, column, weight, group, normalisation, direction, missing,
                             out_index);
    if (rc == TIER_OK)
        tier__model_set_fitted(model, 0); /* the new factor has no fitted statistics */
    return tier__model_end(model, rc, st->h.err);
}

/* The factor `factor` of a scorecard, or NULL with the status in *rc. */
static sc_factor *factor_of(sc_state *st, size_t factor, int norm, const char *what, int *rc)
{
    sc_factor *f;
    if (!st) {
        *rc = TIER_EINVAL;
        return NULL;
    }
    if (factor >= st->nfactors) {
        tier__errorf(st->h.err, "factor index %lu out of range (%lu factors)",
                     (unsigned long)factor, (unsigned long)st->nfactors);
        *rc = TIER_ERANGE;
        return NULL;
    }
    f = &st->factors[factor];
    if (norm && f->norm != norm) {
        tier__errorf(st->h.err, "factor \"%s\" does not use %s", f->name, what);
        *rc = TIER_EINVAL;
        return NULL;
    }
    return f;
}

int tier__sc_set_caps(sc_state *st, size_t factor, double lo, double hi)
{
    int rc = TIER_OK;
    sc_factor *f = factor_of(st, factor, TIER_SCORECARD_NORM_MINMAX, "min-max", &rc);
    if (!f)
        return rc;
    if (isinf(lo) || isinf(hi) || lo > hi) {
        tier__errorf(st->h.err,
                     "factor \"%s\": caps [%g, %g] must be finite with lo <= hi (NaN = "
                     "fitted)",
                     f->name, lo, hi);
        return TIER_EINVAL;
    }
    f->cap_lo = lo;
    f->cap_hi = hi;
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier_scorecard_set_caps(tier_model *model, size_t factor, double lo, double hi)
{
    sc_state *st = tier__sc_of(model);
    return st ? tier__model_end(model, tier__sc_set_caps(st, factor, lo, hi), st->h.err)
              : TIER_EINVAL;
}

int tier__sc_set_bands(sc_state *st, size_t factor, const double *edges, size_t n,
                       const double *fractions)
{
    int rc = TIER_OK;
    sc_factor *f = factor_of(st, factor, TIER_SCORECARD_NORM_BANDS, "bands", &rc);
    double *e, *fr;
    size_t i;
    if (!f)
        return rc;
    if (n == 0 || n > SC_MAX_BANDS) {
        tier__errorf(st->h.err, "factor \"%s\": %lu band edges (need 1..%d)", f->name,
                     (unsigned long)n, SC_MAX_BANDS);
        return TIER_ERANGE;
    }
    if (!edges || !fractions) {
        tier__errorf(st->h.err, "factor \"%s\": no edges or fractions", f->name);
        return TIER_EINVAL;
    }
    for (i = 0; i < n; i++)
        if (!isfinite(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1]))) {
            tier__errorf(st->h.err,
                         "factor \"%s\": band edges must be finite and strictly "
                         "ascending (edge %lu)",
                         f->name, (unsigned long)i);
            return TIER_EINVAL;
        }
    for (i = 0; i <= n; i++)
        if (!(fractions[i] >= 0 && fractions[i] <= 1)) {
            tier__errorf(st->h.err, "factor \"%s\": band fraction %lu (%g) is not in [0, 1]",
                         f->name, (unsigned long)i, fractions[i]);
            return TIER_EINVAL;
        }
    e = tier__malloc_n(&st->h.alloc, n, sizeof *e);
    fr = tier__malloc_n(&st->h.alloc, n + 1, sizeof *fr);
    if (!e || !fr) {
        tier__free(&st->h.alloc, e);
        tier__free(&st->h.alloc, fr);
        tier__errorf(st->h.err, "out of memory setting bands");
        return TIER_ENOMEM;
    }
    memcpy(e, edges, n * sizeof *e);
    memcpy(fr, fractions, (n + 1) * sizeof *fr);
    tier__free(&st->h.alloc, f->edges);
    tier__free(&st->h.alloc, f->fractions);
    f->edges = e;
    f->fractions = fr;
    f->nbands = n;
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier_scorecard_set_bands(tier_model *model, size_t factor, const double *edges, size_t n,
                             const double *fractions)
{
    sc_state *st = tier__sc_of(model);
    return st ? tier__model_end(model, tier__sc_set_bands(st, factor, edges, n, fractions),
                                st->h.err)
              : TIER_EINVAL;
}

int tier__sc_set_impute(sc_state *st, size_t factor, double value)
{
    int rc = TIER_OK;
    sc_factor *f = factor_of(st, factor, 0, NULL, &rc);
    if (!f)
        return rc;
    if (f->missing != TIER_SCORECARD_MISSING_IMPUTE || isinf(value)) {
        tier__errorf(st->h.err, "factor \"%s\": %s", f->name,
                     isinf(value) ? "the imputed value must be finite (NaN = fitted median)"
                                  : "its missing-value policy is not impute");
        return TIER_EINVAL;
    }
    f->impute = value;
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier_scorecard_set_impute(tier_model *model, size_t factor, double value)
{
    sc_state *st = tier__sc_of(model);
    return st ? tier__model_end(model, tier__sc_set_impute(st, factor, value), st->h.err)
              : TIER_EINVAL;
}

static int add_cond(sc_state *st, const char *what, const char *name, const char *column, int op,
                    double threshold, double points, int grade)
{
    sc_cond c, **list;
    size_t *count, *cap, i;
    void *p;
    list = grade < 0 ? &st->pens : &st->vetoes;
    count = grade < 0 ? &st->npens : &st->nvetoes;
    cap = grade < 0 ? &st->cap_pens : &st->cap_vetoes;
    if (!valid_text(name, SC_MAX_NAME) || !valid_column(column)) {
        tier__errorf(st->h.err,
                     "%s: name (1..%d bytes) or column (\"attr.NAME\" or a frame column) "
                     "is not valid",
                     what, SC_MAX_NAME);
        return TIER_EINVAL;
    }
    if (op < TIER_OP_LT || op > TIER_OP_GT || !isfinite(threshold)) {
        tier__errorf(st->h.err, "%s \"%s\": unknown operator %d or threshold %g not finite", what,
                     name, op, threshold);
        return TIER_EINVAL;
    }
    for (i = 0; i < *count; i++)
        if (strcmp((*list)[i].name, name) == 0) {
            tier__errorf(st->h.err, "%s \"%s\" already exists", what, name);
            return TIER_EINVAL;
        }
    if (*count >= SC_MAX_CONDS) {
        tier__errorf(st->h.err, "more than %d %s rules", SC_MAX_CONDS, what);
        return TIER_ERANGE;
    }
    memset(&c, 0, sizeof c);
    c.op = op;
    c.threshold = threshold;
    c.points = points;
    c.grade = grade;
    c.name = tier__strdup(&st->h.alloc, name);
    c.column = tier__strdup(&st->h.alloc, column);
    p = *list;
    if (!c.name || !c.column ||
        tier__grow(&st->h.alloc, &p, cap, *count + 1, sizeof c) != TIER_OK) {
        free_cond(&st->h.alloc, &c);
        tier__errorf(st->h.err, "out of memory adding %s \"%s\"", what, name);
        return TIER_ENOMEM;
    }
    *list = p;
    (*list)[(*count)++] = c;
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier__sc_add_penalty(sc_state *st, const char *name, const char *column, int op,
                         double threshold, double points)
{
    if (!(points >= -100 && points < 0)) {
        tier__errorf(st->h.err, "penalty \"%s\": points %g must be in [-100, 0)", name ? name : "",
                     points);
        return TIER_EINVAL;
    }
    return add_cond(st, "penalty", name, column, op, threshold, points, -1);
}

int tier_scorecard_add_penalty(tier_model *model, const char *name, const char *column, int op,
                               double threshold, double points)
{
    sc_state *st = tier__sc_of(model);
    return st ? tier__model_end(
                    model, tier__sc_add_penalty(st, name, column, op, threshold, points), st->h.err)
              : TIER_EINVAL;
}

int tier__sc_add_veto(sc_state *st, const char *name, const char *column, int op, double threshold,
                      const char *max_grade)
{
    int g;
    if (!max_grade || max_grade[0] < 'A' || max_grade[0] > 'E' || max_grade[1] != '\0') {
        tier__errorf(st->h.err, "veto \"%s\": the grade cap must be one of A, B, C, D, E",
                     name ? name : "");
        return TIER_EINVAL;
    }
    g = max_grade[0] - 'A';
    return add_cond(st, "veto", name, column, op, threshold, 0, g);
}

int tier_scorecard_add_veto(tier_model *model, const char *name, const char *column, int op,
                            double threshold, const char *max_grade)
{
    sc_state *st = tier__sc_of(model);
    return st ? tier__model_end(
                    model, tier__sc_add_veto(st, name, column, op, threshold, max_grade), st->h.err)
              : TIER_EINVAL;
}

/* Non-increasing lower bounds in [0, 100] for A, B, C, D. */
int tier__sc_check_grade_bands(const double lower[4], char *err)
{
    int i;
    for (i = 0; i < 4; i++)
        if (!(lower[i] >= 0 && lower[i] <= 100) || (i > 0 && lower[i] > lower[i - 1])) {
            tier__errorf(err,
                         "grade bands must be non-increasing lower bounds in [0, 100] "
                         "for A, B, C, D (band %d is %g)",
                         i, lower[i]);
            return TIER_EINVAL;
        }
    return TIER_OK;
}

static int set_grade_bands(sc_state *st, const double lower[4])
{
    if (!lower) {
        tier__errorf(st->h.err, "no grade bands");
        return TIER_EINVAL;
    }
    if (tier__sc_check_grade_bands(lower, st->h.err) != TIER_OK)
        return TIER_EINVAL;
    memcpy(st->lower, lower, sizeof st->lower);
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier_scorecard_set_grade_bands(tier_model *model, const double lower[4])
{
    sc_state *st = tier__sc_of(model);
    return st ? tier__model_end(model, set_grade_bands(st, lower), st->h.err) : TIER_EINVAL;
}

size_t tier_scorecard_factor_count(const tier_model *model)
{
    const sc_state *st = tier__sc_of(model);
    return st ? st->nfactors : 0;
}

const char *tier_scorecard_factor_name(const tier_model *model, size_t factor)
{
    const sc_state *st = tier__sc_of(model);
    return st && factor < st->nfactors ? st->factors[factor].name : NULL;
}

/* ---- the B2B default --------------------------------------------------------------------- */

int tier_scorecard_new_b2b(tier_model **out, const char *name, const tier_allocator *alloc)
{
    tier_model *m = NULL;
    int rc;
    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    rc = tier_scorecard_new(&m, name, alloc);
    if (!rc)
        rc = tier_model_set_text(m, "preset", "b2b");
    if (rc) {
        tier_model_free(m);
        return rc;
    }
    *out = m;
    return TIER_OK;
}
