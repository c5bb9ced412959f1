/* SPDX-License-Identifier: MIT */
/* The pipeline's models: the kinds it knows, the columns each kind adds to a `tiers` output, and
 * making a model of a kind with the pipeline's defaults (as_of; needs features from the account
 * attributes) and the options of the list. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline_internal.h"

/* Per built-in kind: the output columns of a `tiers` run ('@' stands for the model name), whether
 * it reads the book's transactions, and whether it writes a fit report. Models run in the order
 * listed, so clv must come before lifecycle for lifecycle to read clv.p_alive. */
typedef struct kind_info {
    const char *kind;
    const char *columns;
    int needs_txns;
    int has_report;
} kind_info;

static const kind_info kinds[] = {
    {"rfm",
     "r=@.r,f=@.f,m=@.m:2,tenure=@.tenure,r_score=@.r_score,f_score=@.f_score,m_score=@.m_score,"
     "segment=@.segment,value_class=@.value_class",
     0, 0},
    {"pareto", "pareto_class=@.class", 0, 0},
    {"clv", "p_alive=@.p_alive:4,expected_purchases=@.expected_purchases:4,clv=@.clv:2", 1, 1},
    {"lifecycle", "stage=@.stage,onboarding=@.onboarding", 0, 0},
    {"scorecard", "value_score=@.score:1,grade=@.grade", 0, 0},
    {"needs", "need_segment=@.segment", 0, 0},
};

#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

const char *const tier__pipeline_kinds[] = {"rfm", "pareto", "clv", "lifecycle", "scorecard",
                                            "needs", NULL};

static const kind_info *find_kind(const char *kind)
{
    size_t k;
    for (k = 0; k < KIND_COUNT; k++)
        if (strcmp(kinds[k].kind, kind) == 0)
            return &kinds[k];
    return NULL;
}

int tier__pipeline_kind_known(const tier_pipeline *p, const char *kind)
{
    (void)p;
    return find_kind(kind) != NULL;
}

void tier__pipeline_kind_list(const tier_pipeline *p, char *dst, size_t cap)
{
    size_t k, n = 0;
    (void)p;
    dst[0] = '\0';
    for (k = 0; k < KIND_COUNT && n < cap; k++)
        n += (size_t)snprintf(dst + n, cap - n, "%s%s", k ? ", " : "", kinds[k].kind);
}

int tier__pipeline_kind_needs_txns(const char *kind)
{
    const kind_info *k = find_kind(kind);
    return k && k->needs_txns;
}

int tier__pipeline_kind_has_report(const char *kind)
{
    const kind_info *k = find_kind(kind);
    return k && k->has_report;
}

int tier__pipeline_model_is(const tier_model *m, const char *kind)
{
    return strcmp(tier_model_kind(m), kind) == 0;
}

int tier__pipeline_kind_columns(const tier__model_spec *s, tier__buf *dst)
{
    const kind_info *k = find_kind(s->kind);
    const char *c;
    if (!k)
        return TIER_ENOTFOUND;
    for (c = k->columns; *c; c++) {
        if (*c == '@')
            tier__buf_puts(dst, s->name);
        else
            tier__buf_putc(dst, *c);
    }
    return TIER_OK;
}

/* ---- making a model -----------------------------------------------------------------------
 * The built-ins' own constructors and option setters, behind make_kind() and set_option(), until
 * the generic calls (tier_model_new_kind(), tier_model_set_option()) take their place. */

static int make_kind(const char *kind, const char *name, const tier_allocator *a, tier_model **out)
{
    if (strcmp(kind, "rfm") == 0)
        return tier_rfm_new(out, name, a);
    if (strcmp(kind, "pareto") == 0)
        return tier_pareto_new(out, name, a);
    if (strcmp(kind, "clv") == 0)
        return tier_clv_new(out, name, a);
    if (strcmp(kind, "lifecycle") == 0)
        return tier_lifecycle_new(out, name, a);
    if (strcmp(kind, "scorecard") == 0)
        return tier_scorecard_new_b2b(out, name, a);
    if (strcmp(kind, "needs") == 0)
        return tier_needs_new(out, name, a);
    return TIER_ENOTFOUND;
}

typedef struct option_info {
    const char *kind, *name;
    int id;
    int type; /* 'd' date, 'n' number, or 'c' choice of `choices` (values 1, 2, ...) */
    const char *choices[3];
} option_info;

static const option_info options[] = {
    {"rfm", "as_of", TIER_RFM_OPT_AS_OF, 'd', {NULL}},
    {"rfm", "bins", TIER_RFM_OPT_BINS, 'n', {NULL}},
    {"rfm", "window", TIER_RFM_OPT_WINDOW, 'n', {NULL}},
    {"pareto", "as_of", TIER_PARETO_OPT_AS_OF, 'd', {NULL}},
    {"pareto", "threshold_a", TIER_PARETO_OPT_THRESHOLD_A, 'n', {NULL}},
    {"pareto", "threshold_b", TIER_PARETO_OPT_THRESHOLD_B, 'n', {NULL}},
    {"pareto", "window", TIER_PARETO_OPT_WINDOW, 'n', {NULL}},
    {"clv", "as_of", TIER_CLV_OPT_AS_OF, 'd', {NULL}},
    {"clv", "purchase_model", TIER_CLV_OPT_PURCHASE_MODEL, 'c', {"bgnbd", "pnbd", NULL}},
    {"clv", "time_unit", TIER_CLV_OPT_TIME_UNIT, 'u', {NULL}},
    {"clv", "calibration_end", TIER_CLV_OPT_CALIBRATION_END, 'd', {NULL}},
    {"clv", "horizon", TIER_CLV_OPT_HORIZON, 'n', {NULL}},
    {"clv", "discount_rate", TIER_CLV_OPT_DISCOUNT_RATE, 'n', {NULL}},
    {"clv", "discount_period", TIER_CLV_OPT_DISCOUNT_PERIOD, 'n', {NULL}},
    {"clv", "margin", TIER_CLV_OPT_MARGIN, 'n', {NULL}},
    {"lifecycle", "as_of", TIER_LIFECYCLE_OPT_AS_OF, 'd', {NULL}},
};

#define OPTION_COUNT (sizeof options / sizeof options[0])

static const option_info *find_option(const char *kind, const char *name)
{
    size_t i;
    for (i = 0; i < OPTION_COUNT; i++)
        if (strcmp(options[i].kind, kind) == 0 && strcmp(options[i].name, name) == 0)
            return &options[i];
    return NULL;
}

static int set_number(tier_model *m, const option_info *o, double v)
{
    if (strcmp(o->kind, "rfm") == 0)
        return tier_rfm_set_option(m, o->id, v);
    if (strcmp(o->kind, "pareto") == 0)
        return tier_pareto_set_option(m, o->id, v);
    if (strcmp(o->kind, "clv") == 0)
        return tier_clv_set_option(m, o->id, v);
    return tier_lifecycle_set_option(m, o->id, v);
}

/* Sets option `name` of model m (of `kind`) from text; sets the pipeline's error on failure. */
static int set_option(tier_pipeline *p, tier_model *m, const char *kind, const char *name,
                      const char *text)
{
    const option_info *o = find_option(kind, name);
    double v = 0;
    int rc;
    if (!o)
        return tier__pipeline_fail(p, TIER_ENOTFOUND, "model \"%s\" (%s): no option \"%s\"",
                                   tier_model_name(m), kind, name);
    if (o->type == 'd') {
        int32_t day;
        if (tier_date_parse(&day, text, strlen(text), TIER_DATE_AUTO) != TIER_OK)
            return tier__pipeline_fail(p, TIER_EINVAL,
                                       "model \"%s\": %s: \"%s\" is not a date (YYYY-MM-DD)",
                                       tier_model_name(m), name, text);
        v = day;
    } else if (o->type == 'c' || o->type == 'u') {
        const char *const *c = o->type == 'u' ? NULL : o->choices;
        if (o->type == 'u' && (strcmp(text, "day") == 0 || strcmp(text, "week") == 0))
            v = text[0] == 'd' ? 1 : 7;
        else {
            size_t i;
            for (i = 0; c && c[i] && strcmp(c[i], text) != 0; i++)
                ;
            if (!c || !c[i])
                return tier__pipeline_fail(p, TIER_EINVAL, "model \"%s\": %s must be %s, not \"%s\"",
                                           tier_model_name(m), name,
                                           o->type == 'u' ? "day or week" : "bgnbd or pnbd", text);
            v = (double)(i + 1);
        }
    } else {
        char *end;
        v = strtod(text, &end);
        if (end == text || *end)
            return tier__pipeline_fail(p, TIER_EINVAL, "model \"%s\": %s: \"%s\" is not a number",
                                       tier_model_name(m), name, text);
    }
    rc = set_number(m, o, v);
    if (rc)
        return tier__pipeline_fail(p, rc, "model \"%s\": %s: %s", tier_model_name(m), name,
                                   tier_model_last_error(m)[0] ? tier_model_last_error(m)
                                                               : tier_strerror(rc));
    return TIER_OK;
}

int tier__pipeline_check_option(tier_pipeline *p, const char *kind, const char *name,
                                const char *text)
{
    tier_model *m = NULL;
    int rc = make_kind(kind, NULL, &p->alloc, &m);
    if (rc)
        return tier__pipeline_fail(p, rc, "cannot check option \"%s\": %s", name,
                                   tier_strerror(rc));
    rc = set_option(p, m, kind, name, text);
    tier_model_free(m);
    return rc;
}

/* 1 when the spec sets option `name` itself. */
static int spec_sets(const tier__model_spec *s, const char *name)
{
    size_t i;
    for (i = 0; i < s->n_opts; i++)
        if (strcmp(s->opts[i].name, name) == 0)
            return 1;
    return 0;
}

/* Needs features: the numeric account attributes named module_* (usage) and goal_* (goals). */
static int add_need_features(tier_pipeline *p, tier_model *m, const tier_book *book)
{
    size_t i, added = 0;
    char column[300], buf[64];
    for (i = 0; i < tier_book_attribute_count(book); i++) {
        int type = 0;
        const char *name = tier_book_attribute_name(book, i, &type);
        if (type != 1 || (strncmp(name, "module_", 7) != 0 && strncmp(name, "goal_", 5) != 0) ||
            strlen(name) + 6 > sizeof column)
            continue;
        snprintf(column, sizeof column, "attr.%s", name);
        if (tier_needs_add_feature(m, column) != TIER_OK)
            return tier__pipeline_fail(p, TIER_EINVAL, "needs: cannot use attribute \"%s\": %s",
                                       name, tier_model_last_error(m));
        added++;
    }
    if (!added)
        return tier__pipeline_fail(
            p, TIER_EINVAL, "needs: the book has no numeric module_* or goal_* attributes (give %s)",
            tier__pipeline_label(p, "accounts", buf));
    return TIER_OK;
}

int tier__pipeline_make_model(tier_pipeline *p, const tier__model_spec *spec, const tier_book *book,
                              tier_model **out)
{
    tier_model *m = NULL;
    size_t i;
    int rc = make_kind(spec->kind, spec->name, &p->alloc, &m);
    *out = NULL;
    if (rc) {
        tier__pipeline_fail(p, rc, "cannot set up model \"%s\": %s", spec->name,
                            m ? tier_model_last_error(m) : tier_strerror(rc));
        tier_model_free(m);
        return rc;
    }
    if (p->has_as_of && find_option(spec->kind, "as_of") && !spec_sets(spec, "as_of")) {
        char day[16];
        rc = tier_date_format_iso(day, sizeof day, p->as_of);
        if (!rc)
            rc = set_option(p, m, spec->kind, "as_of", day);
    }
    for (i = 0; !rc && i < spec->n_opts; i++)
        rc = set_option(p, m, spec->kind, spec->opts[i].name, spec->opts[i].text);
    if (rc) {
        char why[TIER__PIPELINE_ERR_SIZE];
        memcpy(why, p->err, sizeof why);
        tier__pipeline_fail(p, rc, "cannot set up model \"%s\": %s", spec->name, why);
    } else if (book && strcmp(spec->kind, "needs") == 0) {
        rc = add_need_features(p, m, book);
    }
    if (rc) {
        tier_model_free(m);
        return rc;
    }
    *out = m;
    return TIER_OK;
}
