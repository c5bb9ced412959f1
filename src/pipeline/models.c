/* SPDX-License-Identifier: MIT */
/* The pipeline's models: the kinds it knows, the columns each kind adds to a `tiers` output, and
 * making a model of a kind with the pipeline's defaults (as_of; needs features from the account
 * attributes) and the options of the list. */
#include <stdio.h>
#include <string.h>

#include "pipeline/pipeline_internal.h"

/* Per built-in kind: the output columns of a `tiers` run ('@' stands for the model name), whether
 * it reads the book's transactions, whether it writes a fit report (2: and fits from its options
 * alone, so that a fit run of such models needs no input), and the pipeline's default for one
 * option (NULL for none) that the model list's own options override. Models run in the
 * order listed, so clv must come before lifecycle for lifecycle to read clv.p_alive. */
typedef struct kind_info {
    const char *kind;
    const char *columns;
    int needs_txns;
    int has_report;
    const char *option, *option_text;
} kind_info;

static const kind_info kinds[] = {
    {"rfm",
     "r=@.r,f=@.f,m=@.m:2,tenure=@.tenure,r_score=@.r_score,f_score=@.f_score,m_score=@.m_score,"
     "segment=@.segment,value_class=@.value_class",
     0, 0, NULL, NULL},
    {"pareto", "pareto_class=@.class", 0, 0, NULL, NULL},
    {"clv", "p_alive=@.p_alive:4,expected_purchases=@.expected_purchases:4,clv=@.clv:2", 1, 1, NULL,
     NULL},
    {"lifecycle", "stage=@.stage,onboarding=@.onboarding", 0, 0, NULL, NULL},
    /* The B2B default card (docs/scorecard.md) that `tier run --accounts` has always used. */
    {"scorecard", "value_score=@.score:1,grade=@.grade", 0, 0, "preset", "b2b"},
    {"needs", "need_segment=@.segment", 0, 0, NULL, NULL},
    /* The contracts' figures (docs/subscriptions.md); NaN (empty) for a customer without. */
    {"subscription",
     "mrr=@.mrr:2,arr=@.arr:2,tenure_months=@.tenure_months,renewals=@.renewals,"
     "mrr_change=@.mrr_change:2,days_to_end=@.days_to_end,movement=@.movement",
     0, 1, NULL, NULL},
    {"sbg", "p_renew=@.p_renew:4,derl=@.derl:4,contract_clv=@.clv:2", 0, 2, NULL, NULL},
};

#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

static const kind_info *find_kind(const char *kind)
{
    size_t k;
    for (k = 0; k < KIND_COUNT; k++)
        if (strcmp(kinds[k].kind, kind) == 0)
            return &kinds[k];
    return NULL;
}

/* 1 when the registry adds `kind` (a built-in of the registry is not an addition). */
static int registry_has(const tier_pipeline *p, const char *kind)
{
    size_t i, n = p->registry ? tier_registry_kind_count(p->registry) : 0;
    for (i = 0; i < n; i++)
        if (strcmp(tier_registry_kind(p->registry, i), kind) == 0)
            return 1;
    return 0;
}

int tier__pipeline_kind_known(const tier_pipeline *p, const char *kind)
{
    return find_kind(kind) != NULL || registry_has(p, kind);
}

void tier__pipeline_kind_list(const tier_pipeline *p, char *dst, size_t cap)
{
    size_t k, n = 0, count = p->registry ? tier_registry_kind_count(p->registry) : 0;
    dst[0] = '\0';
    for (k = 0; k < KIND_COUNT && n < cap; k++)
        n += (size_t)snprintf(dst + n, cap - n, "%s%s", k ? ", " : "", kinds[k].kind);
    for (k = 0; k < count && n < cap; k++) {
        const char *kind = tier_registry_kind(p->registry, k);
        if (!find_kind(kind))
            n += (size_t)snprintf(dst + n, cap - n, ", %s", kind);
    }
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

int tier__pipeline_fit_without_input(const tier_pipeline *p)
{
    size_t i;
    if (p->produce != TIER__PRODUCE_FIT || !p->models_set || !p->n_models)
        return 0;
    for (i = 0; i < p->n_models; i++) {
        const kind_info *k = find_kind(p->models[i].kind);
        if (!k || k->has_report != 2)
            return 0;
    }
    return 1;
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

/* ---- making a model ----------------------------------------------------------------------- */

/* The type of option `name` of m, or 0 when it has none of that name. */
static int option_type(const tier_model *m, const char *name)
{
    size_t i;
    for (i = 0; i < tier_model_option_count(m); i++) {
        const char *n = NULL;
        int type = 0;
        if (tier_model_option_info(m, i, &n, &type, NULL) == TIER_OK && strcmp(n, name) == 0)
            return type;
    }
    return 0;
}

/* Sets option `name` of m from text; a number option also takes an ISO date (YYYY-MM-DD), as its
 * day number. Sets the pipeline's error (the model's own words) on failure. */
static int set_option(tier_pipeline *p, tier_model *m, const char *name, const char *text)
{
    int number = option_type(m, name) == TIER_OPTION_NUMBER;
    int32_t day;
    int rc;
    if (number && tier_date_parse(&day, text, strlen(text), TIER_DATE_ISO) == TIER_OK)
        rc = tier_model_set_number(m, name, day);
    else
        rc = tier_model_set_option(m, name, text);
    if (rc && number && text[0] && strchr(text + 1, '-') && rc != TIER_ENOMEM)
        return tier__pipeline_fail(p, rc,
                                   "model \"%s\": option \"%s\": \"%s\" is not a date "
                                   "(YYYY-MM-DD)",
                                   tier_model_name(m), name, text);
    if (rc)
        return tier__pipeline_fail(p, rc, "%s",
                                   tier_model_last_error(m)[0] ? tier_model_last_error(m)
                                                               : tier_strerror(rc));
    return TIER_OK;
}

/* Sets option `name` of m to a typed value (a number or a list of a policy's model line). */
static int set_value(tier_pipeline *p, tier_model *m, const char *name, const tier_value *v)
{
    const char **items = NULL;
    size_t i, n;
    int rc;
    if (tier_value_get_type(v) == TIER_OPTION_NUMBER) {
        rc = tier_model_set_number(m, name, tier_value_number(v));
    } else {
        n = tier_value_list_count(v);
        if (n && !(items = tier__calloc(&p->alloc, n, sizeof *items)))
            return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
        for (i = 0; i < n; i++)
            items[i] = tier_value_list_item(v, i);
        rc = tier_model_set_list(m, name, items, n);
        tier__free(&p->alloc, (void *)items);
    }
    if (rc)
        return tier__pipeline_fail(p, rc, "model \"%s\": %s", tier_model_name(m),
                                   tier_model_last_error(m)[0] ? tier_model_last_error(m)
                                                               : tier_strerror(rc));
    return TIER_OK;
}

int tier__pipeline_check_option(tier_pipeline *p, const char *kind, const char *name,
                                const char *text)
{
    tier_model *m = NULL;
    int rc = tier_model_new_kind(&m, p->registry, kind, NULL, &p->alloc);
    if (rc)
        return tier__pipeline_fail(p, rc, "cannot check option \"%s\": %s", name,
                                   tier_strerror(rc));
    rc = set_option(p, m, name, text);
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
    int rc;
    for (i = 0; i < tier_book_attribute_count(book); i++) {
        int type = 0;
        const char *name = tier_book_attribute_name(book, i, &type);
        if (type != 1 /* number */ ||
            (strncmp(name, "module_", 7) != 0 && strncmp(name, "goal_", 5) != 0) ||
            strlen(name) + 6 > sizeof column)
            continue;
        snprintf(column, sizeof column, "attr.%s", name);
        if ((rc = tier_needs_add_feature(m, column)) != TIER_OK) /* out of memory stays so */
            return tier__pipeline_fail(p, rc == TIER_ENOMEM ? rc : TIER_EINVAL,
                                       "needs: cannot use attribute \"%s\": %s", name,
                                       tier_model_last_error(m));
        added++;
    }
    if (!added)
        return tier__pipeline_fail(
            p, TIER_EINVAL,
            "needs: the book has no numeric module_* or goal_* attributes (give %s)",
            tier__pipeline_label(p, "accounts", buf));
    return TIER_OK;
}

int tier__pipeline_make_model(tier_pipeline *p, const tier__model_spec *spec, const tier_book *book,
                              tier_model **out)
{
    const kind_info *k = find_kind(spec->kind);
    tier_model *m = NULL;
    size_t i;
    int rc = tier_model_new_kind(&m, p->registry, spec->kind, spec->name, &p->alloc);
    *out = NULL;
    if (rc) {
        tier__pipeline_fail(p, rc, "cannot set up model \"%s\": %s", spec->name,
                            m ? tier_model_last_error(m) : tier_strerror(rc));
        tier_model_free(m);
        return rc;
    }
    /* The pipeline's as-of day, unless the model's own option says otherwise. */
    if (p->has_as_of && option_type(m, "as_of") == TIER_OPTION_NUMBER && !spec_sets(spec, "as_of"))
        rc = tier_model_set_number(m, "as_of", p->as_of);
    if (rc)
        tier__pipeline_fail(p, rc, "cannot set up model \"%s\": %s", spec->name,
                            tier_model_last_error(m));
    /* The pipeline's frequency, for a model with that option, unless its own option says
     * otherwise. */
    if (!rc && p->frequency != TIER__FREQ_DEFAULT &&
        option_type(m, "frequency") == TIER_OPTION_TEXT && !spec_sets(spec, "frequency")) {
        rc = tier_model_set_option(m, "frequency",
                                   p->frequency == TIER__FREQ_ROWS ? "rows" : "days");
        if (rc)
            tier__pipeline_fail(p, rc, "cannot set up model \"%s\": %s", spec->name,
                                tier_model_last_error(m));
    }
    /* The kind's default option, unless the model list sets it. */
    if (!rc && k && k->option && !spec_sets(spec, k->option))
        rc = set_option(p, m, k->option, k->option_text);
    for (i = 0; !rc && i < spec->n_opts; i++)
        rc = spec->opts[i].value ? set_value(p, m, spec->opts[i].name, spec->opts[i].value)
                                 : set_option(p, m, spec->opts[i].name, spec->opts[i].text);
    if (!rc && book && tier__pipeline_model_is(m, "needs") && !spec_sets(spec, "features"))
        rc = add_need_features(p, m, book);
    if (rc) {
        tier_model_free(m);
        return rc;
    }
    *out = m;
    return TIER_OK;
}
