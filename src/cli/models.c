/* SPDX-License-Identifier: MIT */
/* The models `tier run` scores with (--models), and the output columns each one adds. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Output columns per model, in the order the models are listed. Models run in the order the
 * user lists them, so clv must come before lifecycle for lifecycle to read clv.p_alive. */
typedef struct model_kind {
    const char *name;
    const char *columns;
} model_kind;

static const model_kind kinds[] = {
    {"rfm", "r=rfm.r,f=rfm.f,m=rfm.m:2,tenure=rfm.tenure,r_score=rfm.r_score,f_score=rfm.f_score,"
            "m_score=rfm.m_score,segment=rfm.segment,value_class=rfm.value_class"},
    {"pareto", "pareto_class=pareto.class"},
    {"clv", "p_alive=clv.p_alive:4,expected_purchases=clv.expected_purchases:4,clv=clv.clv:2"},
    {"lifecycle", "stage=lifecycle.stage,onboarding=lifecycle.onboarding"},
    {"scorecard", "value_score=scorecard.score:1,grade=scorecard.grade"},
    {"needs", "need_segment=needs.segment"},
};

#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

/* Needs features: the numeric account attributes named module_* (usage) and goal_* (goals). */
static int add_need_features(tier_model *m, const tier_book *book)
{
    size_t i, added = 0;
    char column[300];
    for (i = 0; i < tier_book_attribute_count(book); i++) {
        int type = 0;
        const char *name = tier_book_attribute_name(book, i, &type);
        if (type != 1 || (strncmp(name, "module_", 7) != 0 && strncmp(name, "goal_", 5) != 0) ||
            strlen(name) + 6 > sizeof column)
            continue;
        snprintf(column, sizeof column, "attr.%s", name);
        if (tier_needs_add_feature(m, column) != TIER_OK) {
            cli_error("needs: cannot use attribute \"%s\": %s", name, tier_model_last_error(m));
            return -1;
        }
        added++;
    }
    if (!added) {
        cli_error("needs: the book has no numeric module_* or goal_* attributes (give --accounts)");
        return -1;
    }
    return 0;
}

static int make_model(const char *name, const cli_reader *r, const tier_book *book,
                      tier_model **out)
{
    int rc = TIER_EINVAL;
    *out = NULL;
    if (strcmp(name, "rfm") == 0) {
        rc = tier_rfm_new(out, "rfm", NULL);
        if (!rc && r->has_as_of)
            rc = tier_model_set_number(*out, "as_of", r->as_of);
    } else if (strcmp(name, "pareto") == 0) {
        rc = tier_pareto_new(out, "pareto", NULL);
        if (!rc && r->has_as_of)
            rc = tier_model_set_number(*out, "as_of", r->as_of);
    } else if (strcmp(name, "clv") == 0) {
        /* Defaults: BG/NBD in weeks, calibration up to the as-of day - 1, 52-week horizon. */
        rc = tier_clv_new(out, "clv", NULL);
        if (!rc && r->has_as_of)
            rc = tier_model_set_number(*out, "as_of", r->as_of);
    } else if (strcmp(name, "lifecycle") == 0) {
        rc = tier_lifecycle_new(out, "lifecycle", NULL);
        if (!rc && r->has_as_of)
            rc = tier_model_set_number(*out, "as_of", r->as_of);
    } else if (strcmp(name, "scorecard") == 0) {
        rc = tier_scorecard_new_b2b(out, "scorecard", NULL);
    } else if (strcmp(name, "needs") == 0) {
        rc = tier_needs_new(out, "needs", NULL);
        if (!rc && add_need_features(*out, book) != 0) {
            tier_model_free(*out);
            *out = NULL;
            return -1;
        }
    }
    if (rc) {
        cli_error("cannot set up model \"%s\": %s", name,
                  *out ? tier_model_last_error(*out) : tier_strerror(rc));
        tier_model_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int cli_models_check(const char *list)
{
    const char *p = list;
    int seen[KIND_COUNT] = {0};
    while (*p) {
        size_t len = strcspn(p, ","), k;
        for (k = 0; k < KIND_COUNT; k++)
            if (strlen(kinds[k].name) == len && strncmp(kinds[k].name, p, len) == 0)
                break;
        if (k == KIND_COUNT) {
            cli_error("--models: unknown model \"%.*s\" (rfm, pareto, clv, lifecycle, scorecard, "
                      "needs)", (int)len, p);
            return -1;
        }
        if (seen[k]++) {
            cli_error("--models: \"%s\" is listed twice", kinds[k].name);
            return -1;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

int cli_models_build(cli_models *out, const char *list, const tier_book *book, const cli_reader *r)
{
    char names[256], *name, *save = NULL;
    size_t k;
    memset(out, 0, sizeof *out);
    strcpy(out->columns, "customer_id,tier");
    if (strlen(list) >= sizeof names) {
        cli_error("--models: list too long");
        return -1;
    }
    strcpy(names, list);
    for (name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        for (k = 0; k < KIND_COUNT && strcmp(kinds[k].name, name) != 0; k++)
            ;
        if (k == KIND_COUNT) {
            cli_error("--models: unknown model \"%s\" (rfm, pareto, clv, lifecycle, scorecard, "
                      "needs)",
                      name);
            goto fail;
        }
        if (out->n == CLI_MAX_MODELS || make_model(name, r, book, &out->models[out->n]) != 0)
            goto fail;
        out->n++;
        /* Each kind appears once (cli_models_check), so the list always fits. */
        if (strlen(out->columns) + strlen(kinds[k].columns) + 16 > sizeof out->columns)
            goto fail;
        strcat(out->columns, ",");
        strcat(out->columns, kinds[k].columns);
    }
    strcat(out->columns, ",reason");
    return 0;
fail:
    cli_models_free(out);
    return -1;
}

void cli_models_free(cli_models *m)
{
    size_t i;
    for (i = 0; i < m->n; i++)
        tier_model_free(m->models[i]);
    m->n = 0;
}
