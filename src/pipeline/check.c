/* SPDX-License-Identifier: MIT */
/* The pipeline's checks before a run: which settings a run needs together and which it refuses
 * (tier_pipeline_check; every run calls it first). */
#include "pipeline/pipeline_internal.h"

/* An override run: the state, the customer and, to add one, everything an override holds. */
static int check_override(tier_pipeline *p)
{
    static const int add[] = {TIER__KEY_OVERRIDE_TIER, TIER__KEY_OVERRIDE_REASON,
                              TIER__KEY_OVERRIDE_AUTHOR};
    char b1[64], b2[64];
    const char *what = p->produce == TIER__PRODUCE_OVERRIDE_ADD      ? "override add"
                       : p->produce == TIER__PRODUCE_OVERRIDE_REMOVE ? "override remove"
                                                                     : "override list";
    size_t i;
    if (!p->state)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s needs %s", what,
                                   tier__pipeline_key_label(p, TIER__KEY_STATE, 1, b1));
    if (p->ledger)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s is written by tiers runs only",
                                   tier__pipeline_key_label(p, TIER__KEY_LEDGER, 0, b1));
    if (p->out)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s writes to the output callback, not to %s",
                                   what, tier__pipeline_key_label(p, TIER__KEY_OUT, 0, b1));
    if (p->produce == TIER__PRODUCE_OVERRIDE_LIST)
        return TIER_OK;
    if (!p->customer || !*p->customer)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s needs %s", what,
                                   tier__pipeline_key_label(p, TIER__KEY_CUSTOMER, 1, b1));
    if (p->produce == TIER__PRODUCE_OVERRIDE_REMOVE)
        return TIER_OK;
    for (i = 0; i < sizeof add / sizeof add[0]; i++)
        if (!tier__pipeline_key_text(p, add[i]))
            return tier__pipeline_fail(p, TIER_EINVAL, "%s needs %s", what,
                                       tier__pipeline_key_label(p, add[i], 1, b2));
    if (!p->has_until)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s needs %s", what,
                                   tier__pipeline_key_label(p, TIER__KEY_OVERRIDE_UNTIL, 1, b2));
    return TIER_OK;
}

/* A diff of two snapshots (`state` the older, `against_state` the newer): the two files, and
 * optionally the data (`input`, `accounts`) for the revenue and a `policy` for the entitlements;
 * the settings of a diff of two policies are refused rather than ignored. */
static int check_state_diff(tier_pipeline *p)
{
    char b1[64], b2[64];
    if (!p->state || !p->against_state)
        return tier__pipeline_fail(
            p, TIER_EINVAL, "a diff of two snapshots needs %s (the older) and %s (the newer)",
            tier__pipeline_key_label(p, TIER__KEY_STATE, 1, b1),
            tier__pipeline_key_label(p, TIER__KEY_AGAINST_STATE, 1, b2));
    if (p->against)
        return tier__pipeline_fail(
            p, TIER_EINVAL,
            "%s compares two snapshots, %s two policies on the same data: give one or the other",
            tier__pipeline_key_label(p, TIER__KEY_AGAINST_STATE, 0, b1),
            tier__pipeline_key_label(p, TIER__KEY_AGAINST, 0, b2));
    if (p->models_set || p->contracts)
        return tier__pipeline_fail(
            p, TIER_EINVAL, "a diff of two snapshots runs no models: %s is not used",
            tier__pipeline_key_label(p, p->contracts ? TIER__KEY_CONTRACTS : TIER__KEY_MODELS, 0,
                                     b1));
    if (p->accounts && !p->input)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s needs %s (the revenue of the snapshots)",
                                   tier__pipeline_key_label(p, TIER__KEY_ACCOUNTS, 0, b1),
                                   tier__pipeline_key_label(p, TIER__KEY_INPUT, 1, b2));
    if (p->ledger)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s is written by tiers runs only",
                                   tier__pipeline_key_label(p, TIER__KEY_LEDGER, 0, b1));
    return TIER_OK;
}

int tier_pipeline_check(tier_pipeline *p)
{
    char b1[64], b2[64];
    size_t i;
    if (!p)
        return TIER_EINVAL;
    if (p->produce == TIER__PRODUCE_POLICIES)
        return TIER_OK;
    if (p->ledger && !p->state)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s needs %s",
                                   tier__pipeline_key_label(p, TIER__KEY_LEDGER, 0, b1),
                                   tier__pipeline_key_label(p, TIER__KEY_STATE, 1, b2));
    if (p->against_state && p->produce != TIER__PRODUCE_DIFF)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s is for diff runs",
                                   tier__pipeline_key_label(p, TIER__KEY_AGAINST_STATE, 0, b1));
    if (TIER__PRODUCE_IS_OVERRIDE(p->produce))
        return check_override(p);
    if (p->produce == TIER__PRODUCE_DIFF && (p->state || p->against_state))
        return check_state_diff(p);
    if (p->state && p->produce != TIER__PRODUCE_TIERS && p->produce != TIER__PRODUCE_EXPLAIN &&
        p->produce != TIER__PRODUCE_REPORT)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s is for tiers, explain and report runs",
                                   tier__pipeline_key_label(p, TIER__KEY_STATE, 0, b1));
    if (p->ledger && p->produce != TIER__PRODUCE_TIERS)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s is written by tiers runs only",
                                   tier__pipeline_key_label(p, TIER__KEY_LEDGER, 0, b1));
    if (p->produce == TIER__PRODUCE_LINT)
        return p->policy || p->policy_ref
                   ? TIER_OK
                   : tier__pipeline_fail(p, TIER_EINVAL, "%s is required",
                                         tier__pipeline_key_label(p, TIER__KEY_POLICY, 1, b1));
    if (!p->input && !tier__pipeline_fit_without_input(p))
        return tier__pipeline_fail(p, TIER_EINVAL, "%s is required",
                                   tier__pipeline_key_label(p, TIER__KEY_INPUT, 1, b1));
    if (p->produce == TIER__PRODUCE_REPORT && p->format != TIER_OUTPUT_CSV)
        return tier__pipeline_fail(p, TIER_EINVAL, "a report is one HTML page: it takes no %s",
                                   tier__pipeline_key_label(p, TIER__KEY_FORMAT, 0, b1));
    if (p->produce == TIER__PRODUCE_REPORT && p->output_columns)
        return tier__pipeline_fail(p, TIER_EINVAL, "a report has no columns to choose (%s)",
                                   tier__pipeline_key_label(p, TIER__KEY_OUTPUT_COLUMNS, 0, b1));
    if (p->format == TIER__FORMAT_TEXT && p->produce != TIER__PRODUCE_EXPLAIN &&
        p->produce != TIER__PRODUCE_DIFF)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s text is for explain and diff (csv or json)",
                                   tier__pipeline_key_label(p, TIER__KEY_FORMAT, 0, b1));
    if (p->produce == TIER__PRODUCE_DIFF && !p->against_policy)
        return tier__pipeline_fail(p, TIER_EINVAL, "diff needs %s: the policy to compare with",
                                   tier__pipeline_key_label(p, TIER__KEY_AGAINST, 1, b1));
    if (p->produce == TIER__PRODUCE_EXPLAIN) {
        if (!p->customer || !*p->customer)
            return tier__pipeline_fail(p, TIER_EINVAL, "explain needs %s",
                                       tier__pipeline_key_label(p, TIER__KEY_CUSTOMER, 1, b1));
        if (p->out)
            return tier__pipeline_fail(p, TIER_EINVAL,
                                       "an explanation is written to the output callback, not to "
                                       "%s",
                                       tier__pipeline_key_label(p, TIER__KEY_OUT, 0, b1));
    }
    if (!p->header && !p->columns)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s needs %s to name the columns",
                                   tier__pipeline_key_label(p, TIER__KEY_HEADER, 0, b1),
                                   tier__pipeline_key_label(p, TIER__KEY_COLUMNS, 1, b2));
    if (p->produce == TIER__PRODUCE_FIT) {
        if (p->out)
            return tier__pipeline_fail(p, TIER_EINVAL,
                                       "a fit report is written to the output callback, not to "
                                       "%s",
                                       tier__pipeline_key_label(p, TIER__KEY_OUT, 0, b1));
        for (i = 0; p->models_set && i < p->n_models; i++)
            if (!tier__pipeline_kind_has_report(p->models[i].kind))
                return tier__pipeline_fail(p, TIER_EINVAL,
                                           "model \"%s\": %s models have no fit report",
                                           p->models[i].name, p->models[i].kind);
        if (!p->models_set)
            return tier__pipeline_fail(p, TIER_EINVAL,
                                       "a fit report needs a list of models that have one (clv, "
                                       "sbg, subscription)");
    }
    return TIER_OK;
}
