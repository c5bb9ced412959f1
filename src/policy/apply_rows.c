/* SPDX-License-Identifier: MIT */
/* The one-row path of a policy (policy/apply.h, incremental re-tiering): the given rows of a
 * history's book are placed, capped against the frozen run, flagged, routed and their demote
 * conditions evaluated, with the phases of policy/apply.c. */
#include <stdio.h>
#include <string.h>

#include "policy/apply_run.h"

size_t tier__policy_rule_base(const tier__pol *pol, size_t t)
{
    size_t g = 0, k;
    for (k = 0; k < t && k < pol->n_tiers; k++)
        g += pol->tiers[k].n_rules;
    return g;
}

int tier__policy_apply_rows(const tier__apply_in *in, const tier__rowset *rows, tier__window_fn wfn,
                            void *wud, tier__type_memo *memo, const tier_allocator *a,
                            tier__rows_out *out, char *err)
{
    tier__apply_run R;
    const tier__pol *pol = in->pol;
    size_t t, r;
    int rc;
    memset(out, 0, sizeof *out);
    tier__apply_run_init(&R, in, a, err);
    R.rows = *rows; /* borrowed: never freed here */
    R.hier = 2;
    R.n = rows->n;
    R.customers = rows->customers;
    rc = tier__ectx_new(&R.ctx, a, pol, in->book, in->frame, &R.rows, in->as_of, err);
    if (rc)
        return rc;
    tier__ectx_set_ref(R.ctx, in->ref);
    tier__ectx_set_windows(R.ctx, wfn, wud);
    tier__ectx_set_type_memo(R.ctx, memo);
    rc = tier__apply_run_alloc(&R, 1, "placing a row");
    out->n = R.n;
    out->words = R.words;
    out->tier = R.row_tier;
    out->rule = R.row_rule;
    out->flags = R.row_flags;
    if (!rc &&
        !(out->demote = tier__calloc(a, (pol->n_tiers ? pol->n_tiers : 1) * (R.n ? R.n : 1), 1))) {
        tier__apply_nomem(&R, "placing a row");
        rc = TIER_ENOMEM; /* spelled out: out->demote is not made */
    }
    if (rc)
        goto done;
    if (in->row_tiers)
        memcpy(R.row_tier, in->row_tiers, R.n * sizeof *R.row_tier);
    else if ((rc = tier__apply_place(&R)) != TIER_OK || (rc = tier__apply_caps(&R)) != TIER_OK)
        goto done;
    tier__ectx_set_tiers(R.ctx, R.row_tier, R.tier_names, pol->n_tiers);
    if ((rc = tier__apply_flags(&R)) != TIER_OK)
        goto done;
    if (pol->route.present) { /* against the frozen run (ref->route) */
        if ((rc = tier__apply_route(&R)) != TIER_OK)
            goto done;
        if (!(out->route = tier__calloc(a, R.n ? R.n : 1, sizeof *out->route))) {
            rc = tier__apply_nomem(&R, "routing a row");
            goto done;
        }
        for (r = 0; r < R.n; r++)
            out->route[r] = R.rout.team[r] >= 0 ? R.rout.names[R.rout.team[r]] : NULL;
        out->teams = R.rout.names;
        out->n_teams = R.rout.n_names;
        R.rout.names = NULL;
        R.rout.n_names = 0;
    }
    for (t = 0; t < pol->n_tiers && !in->row_tiers; t++) {
        char what[TIER__ERR_SIZE];
        if (!pol->tiers[t].hold.when)
            continue;
        snprintf(what, sizeof what, "the demote condition of tier '%s'", pol->tiers[t].name);
        if ((rc = tier__apply_want_bool(&R, pol->tiers[t].hold.when, what)) != TIER_OK)
            goto done;
        memcpy(out->demote + t * R.n, R.mask, R.n);
    }
done:
    R.row_tier = R.row_rule = NULL; /* out's */
    R.row_flags = NULL;
    tier__apply_run_free(&R);
    if (rc) {
        tier__free(a, out->tier);
        tier__free(a, out->rule);
        tier__free(a, out->flags);
        tier__free(a, out->demote);
        tier__free(a, (void *)out->route);
        tier__free_strings(a, out->teams, out->n_teams);
        memset(out, 0, sizeof *out);
    }
    return rc;
}
