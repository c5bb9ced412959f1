/* SPDX-License-Identifier: MIT */
/* One run: fit and score each model into a new frame, apply the policy, add the "tier" and
 * "reason" columns and the per-tier summary; the new state replaces the old only on success. */
#include <string.h>

#include "core/book_internal.h"
#include "policy/policy_internal.h"
#include "policy/result_internal.h"

struct tier_result {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    tier_frame *frame; /* NULL before the first successful run */
    size_t customers;
    size_t tier_col, reason_col;
    const int32_t *tier_codes, *reason_codes; /* borrowed from frame */
    size_t ntiers;
    size_t *tier_customers;
    int64_t *tier_net; /* fixed point */
};

int tier_result_new(tier_result **out, const tier_allocator *alloc)
{
    return TIER__HANDLE_CREATE(out, tier_result, alloc);
}

void tier_result_free(tier_result *result)
{
    if (!result)
        return;
    tier_frame_free(result->frame);
    tier__free(&result->alloc, result->tier_customers);
    tier__free(&result->alloc, result->tier_net);
    tier__free(&result->alloc, result);
}

const char *tier_result_last_error(const tier_result *result)
{
    return result ? result->err : "";
}

char *tier__result_errbuf(const tier_result *result)
{
    /* The error text is the only thing a const call may change (as with sqlite3_errmsg). */
    return (char *)result->err;
}

const tier_allocator *tier__result_allocator(const tier_result *result)
{
    return &result->alloc;
}

/* What a run builds before it is swapped in. */
typedef struct staged {
    tier_frame *frame;
    int32_t *tiers, *rules;
    const char **rule_labels;
    int32_t *rule_code;
    size_t *tier_customers;
    int64_t *tier_net;
} staged;

static void staged_free(const tier_allocator *a, staged *s)
{
    tier_frame_free(s->frame);
    tier__free(a, s->tiers);
    tier__free(a, s->rules);
    tier__free(a, (void *)s->rule_labels);
    tier__free(a, s->rule_code);
    tier__free(a, s->tier_customers);
    tier__free(a, s->tier_net);
}

static int check_models(tier_result *res, tier_model *const *models, size_t count)
{
    size_t i, j;
    if (count && !models) {
        tier__errorf(res->err, "models is NULL but model_count is %zu", count);
        return TIER_EINVAL;
    }
    for (i = 0; i < count; i++) {
        if (!models[i]) {
            tier__errorf(res->err, "model %zu is NULL", i);
            return TIER_EINVAL;
        }
        for (j = 0; j < i; j++) {
            if (models[j] && strcmp(tier_model_name(models[i]), tier_model_name(models[j])) == 0) {
                tier__errorf(res->err, "two models are named '%s' (their columns would clash)",
                             tier_model_name(models[i]));
                return TIER_EINVAL;
            }
        }
    }
    return TIER_OK;
}

static int run_models(tier_result *res, const tier_book *book, tier_model *const *models,
                      size_t count, tier_frame *frame)
{
    size_t m;
    for (m = 0; m < count; m++) {
        tier_model *model = models[m];
        int rc;
        if (!tier_model_is_fitted(model)) {
            /* The columns so far are the inputs: later models may build on earlier ones. */
            rc = tier_model_fit(model, book, frame);
            if (rc) {
                /* The model's own text already names it and the step. */
                tier__errorf(res->err, "%s", tier_model_last_error(model));
                return rc;
            }
        }
        rc = tier_model_score(model, book, frame);
        if (rc) {
            /* tier_model_score put the detail, naming the model, into the frame. */
            tier__errorf(res->err, "%s", tier_frame_last_error(frame));
            return rc;
        }
    }
    return TIER_OK;
}

/* Rule names may repeat; the "reason" column gets each distinct name once. */
static int reason_labels(const tier_allocator *a, const tier_policy *policy, staged *s,
                         size_t *out_count)
{
    size_t nr = tier_policy_rule_count(policy), r, k, count = 0;
    s->rule_labels = tier__calloc(a, nr + 1, sizeof *s->rule_labels);
    s->rule_code = tier__calloc(a, nr + 1, sizeof *s->rule_code);
    if (!s->rule_labels || !s->rule_code)
        return TIER_ENOMEM;
    for (r = 0; r < nr; r++) {
        const char *name = tier_policy_rule_name(policy, r);
        for (k = 0; k < count; k++)
            if (strcmp(s->rule_labels[k], name) == 0)
                break;
        if (k == count)
            s->rule_labels[count++] = name;
        s->rule_code[r] = (int32_t)k;
    }
    *out_count = count;
    return TIER_OK;
}

/* Net amount of every customer over all of the book's transactions, exactly, summed per tier.
 * The book's running net amounts are exact whatever order the rows came in. */
static int summarize(tier_result *res, const tier_book *book, size_t n, size_t ntiers, staged *s)
{
    const tier_allocator *a = &res->alloc;
    const tier__figures *fig = tier__book_running(book);
    size_t i;
    s->tier_customers = tier__calloc(a, ntiers, sizeof *s->tier_customers);
    s->tier_net = tier__calloc(a, ntiers, sizeof *s->tier_net);
    if (!s->tier_customers || !s->tier_net) {
        tier__errorf(res->err, "out of memory summarizing tiers");
        return TIER_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        int32_t t = s->tiers[i];
        if (t < 0)
            continue;
        s->tier_customers[t]++;
        if (tier__add_i64(s->tier_net[t], fig[i].net, &s->tier_net[t])) {
            tier__errorf(res->err, "net revenue of tier %d overflows", (int)t);
            return TIER_ERANGE;
        }
    }
    return TIER_OK;
}

int tier_result_run(tier_result *result, const tier_book *book, tier_model *const *models,
                    size_t model_count, const tier_policy *policy)
{
    const tier_allocator *a;
    staged s;
    size_t n, ntiers, nlabels, i, tcol, rcol;
    const char **tier_names = NULL;
    int32_t *tcodes, *rcodes;
    int rc;
    if (!result)
        return TIER_EINVAL;
    a = &result->alloc;
    if (!book || !policy) {
        tier__errorf(result->err, "%s is NULL", book ? "policy" : "book");
        return TIER_EINVAL;
    }
    rc = check_models(result, models, model_count);
    if (rc)
        return rc;
    ntiers = tier_policy_tier_count(policy);
    if (ntiers == 0) {
        tier__errorf(result->err, "the policy has no tiers");
        return TIER_EINVAL;
    }
    if (ntiers > INT32_MAX || tier_policy_rule_count(policy) > INT32_MAX) {
        tier__errorf(result->err, "the policy has too many tiers or rules");
        return TIER_ERANGE;
    }
    memset(&s, 0, sizeof s);
    n = tier_book_customer_count(book);
    rc = tier_frame_new(&s.frame, n, a);
    if (rc) {
        tier__errorf(result->err, "out of memory creating the frame");
        goto fail;
    }
    rc = run_models(result, book, models, model_count, s.frame);
    if (rc)
        goto fail;

    s.tiers = tier__calloc(a, n, sizeof *s.tiers);
    s.rules = tier__calloc(a, n, sizeof *s.rules);
    if (!s.tiers || !s.rules) {
        tier__errorf(result->err, "out of memory applying the policy");
        rc = TIER_ENOMEM;
        goto fail;
    }
    rc = tier__policy_assign(policy, book, s.frame, a, s.tiers, s.rules, result->err);
    if (rc)
        goto fail;

    /* The two result columns; added outside scoring, so their names carry no model prefix. */
    tier_names = tier__calloc(a, ntiers, sizeof *tier_names);
    if (!tier_names || reason_labels(a, policy, &s, &nlabels)) {
        tier__errorf(result->err, "out of memory adding the tier columns");
        rc = TIER_ENOMEM;
        goto fail;
    }
    for (i = 0; i < ntiers; i++)
        tier_names[i] = tier_policy_tier_name(policy, i);
    rc = tier_frame_add_labels(s.frame, "tier", tier_names, ntiers, &tcodes);
    if (!rc)
        rc = tier_frame_add_labels(s.frame, "reason", s.rule_labels, nlabels, &rcodes);
    if (rc) {
        tier__errorf(result->err, "adding the tier columns failed (%s): %s", tier_status_name(rc),
                     tier_frame_last_error(s.frame));
        goto fail;
    }
    memcpy(tcodes, s.tiers, n * sizeof *tcodes);
    for (i = 0; i < n; i++)
        rcodes[i] = s.rules[i] < 0 ? -1 : s.rule_code[s.rules[i]];
    if (tier_frame_find(s.frame, "tier", &tcol) || tier_frame_find(s.frame, "reason", &rcol)) {
        tier__errorf(result->err, "the frame lost its tier columns");
        rc = TIER_ERROR;
        goto fail;
    }

    rc = summarize(result, book, n, ntiers, &s);
    if (rc)
        goto fail;

    /* Commit: nothing below can fail. */
    tier_frame_free(result->frame);
    tier__free(a, result->tier_customers);
    tier__free(a, result->tier_net);
    result->frame = s.frame;
    result->customers = n;
    result->tier_col = tcol;
    result->reason_col = rcol;
    result->tier_codes = tier_frame_labels(s.frame, tcol);
    result->reason_codes = tier_frame_labels(s.frame, rcol);
    result->ntiers = ntiers;
    result->tier_customers = s.tier_customers;
    result->tier_net = s.tier_net;
    s.frame = NULL;
    s.tier_customers = NULL;
    s.tier_net = NULL;
    staged_free(a, &s);
    tier__free(a, (void *)tier_names);
    result->err[0] = '\0';
    return TIER_OK;
fail:
    staged_free(a, &s);
    tier__free(a, (void *)tier_names);
    return rc;
}

const tier_frame *tier_result_frame(const tier_result *result)
{
    return result ? result->frame : NULL;
}

size_t tier_result_customer_count(const tier_result *result)
{
    return result && result->frame ? result->customers : 0;
}

int tier_result_tier(const tier_result *result, size_t i)
{
    if (!result || !result->frame || i >= result->customers)
        return -1;
    return result->tier_codes[i];
}

size_t tier_result_tier_count(const tier_result *result)
{
    return result ? result->ntiers : 0;
}

const char *tier_result_tier_name(const tier_result *result, size_t tier)
{
    if (!result || !result->frame || tier >= result->ntiers)
        return NULL;
    return tier_frame_label_text(result->frame, result->tier_col, (int32_t)tier);
}

const char *tier_result_reason(const tier_result *result, size_t i)
{
    const char *s;
    if (!result || !result->frame || i >= result->customers || result->reason_codes[i] < 0)
        return "";
    s = tier_frame_label_text(result->frame, result->reason_col, result->reason_codes[i]);
    return s ? s : "";
}

int tier_result_summary(const tier_result *result, size_t tier, size_t *customers, double *revenue)
{
    if (!result)
        return TIER_EINVAL;
    if (tier >= result->ntiers) {
        tier__errorf(tier__result_errbuf(result), "no tier %zu (the result has %zu)", tier,
                     result->ntiers);
        return TIER_ERANGE;
    }
    if (customers)
        *customers = result->tier_customers[tier];
    if (revenue)
        *revenue = tier__fixed_to_double(result->tier_net[tier]);
    return TIER_OK;
}
