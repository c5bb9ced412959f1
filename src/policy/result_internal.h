/* SPDX-License-Identifier: MIT */
/* Shared by result.c, result_explain.c and result_writer.c: the writer records its errors in the
 * result, and reads the entitlements and the as-of day the run kept. */
#ifndef TIER_RESULT_INTERNAL_H
#define TIER_RESULT_INTERNAL_H

#include "util/internal.h"

char *tier__result_errbuf(const tier_result *result);
const tier_allocator *tier__result_allocator(const tier_result *result);

/* Entitlement `name` of the last run: its index (>= 0) and TIER__PT_* type, or -1. */
int tier__result_ent_find(const tier_result *result, const char *name, int *type);
/* Its value for tier `tier`: 1 with *num (numbers, bools as 0/1) or *text set, 0 when the tier
 * leaves it unset. */
int tier__result_ent_value(const tier_result *result, int k, size_t tier, double *num,
                           const char **text);
/* The number of entitlements the last run kept, and the name of entitlement k. */
size_t tier__result_ent_count(const tier_result *result);
const char *tier__result_ent_name(const tier_result *result, size_t k);

/* The tier of every customer (-1: none): the final ones once finalized. NULL before a run. */
const int32_t *tier__result_tiers(const tier_result *result);

/* tier_result_run with the models' columns already in `frame` (taken over, freed on failure; one
 * row per customer) and the policy placed against the frozen figures `ref` (policy/eval/eval.h;
 * NULL: none). Incremental re-tiering's batch recompute (docs/retier.md). */
struct tier__policy_ref;
int tier__result_run_scored(tier_result *result, const tier_book *book, tier_model *const *models,
                            size_t model_count, const tier_policy *policy, tier_frame *frame,
                            struct tier__policy_ref *ref);
/* The result borrows `ref` of tier__result_run_scored until this call, so that a history applied
 * to it in between evaluates the final tiers' flags and routing against the same frozen figures.
 */
void tier__result_forget_ref(tier_result *result);

/* The as-of day the last run used (NaN: the default). */
double tier__result_as_of(const tier_result *result);
/* The state of model `m` of the last run as saved (NULL when it could not be saved), its name and
 * kind; NULL name when m is out of range. */
const char *tier__result_model(const tier_result *result, size_t m, const char **kind,
                               const char **state, size_t *state_len);

/* The writer's encoders (result_writer.c), for every CSV and JSON the library writes: a field
 * RFC 4180 quoted only when it holds a comma, a quote, CR or LF (quotes doubled), and a JSON
 * string with its quotes, escaping '"', '\\' and control characters. Bytes go to put(ctx, ...). */
typedef void (*tier__sink_fn)(void *ctx, const char *s, size_t n);
void tier__csv_field(tier__sink_fn put, void *ctx, const char *s, size_t n);
void tier__json_string(tier__sink_fn put, void *ctx, const char *s, size_t n);

/* ---- what tier_history_apply reads and changes (docs/history.md) ---- */

/* 1 when the last run has placed customers (tier_result_run succeeded), else 0. */
int tier__result_has_run(const tier_result *result);
/* Drops the result's run (after a failure that must not leave a partial one): no run is left. */
void tier__result_drop_run(tier_result *result);
/* 1 once tier__result_finalize changed the run (a second history apply is refused). */
int tier__result_finalized(const tier_result *result);
/* Customer i as the policy placed it, before any history: its tier (-1: none), its reason (the
 * rule, "member of ...", or the cap's "over the cap of ..."; "" when none) into *reason, and into
 * *cap the reason of the cap that moved it (NULL when no cap did). Outputs may be NULL. */
int tier__result_placed(const tier_result *result, size_t i, const char **reason, const char **cap);
/* Tier `tier`'s `demote when` for customer i: 1 holds, 0 does not, -1 the tier has none (or out
 * of range). */
int tier__result_demote(const tier_result *result, size_t tier, size_t i);

/* The labels of the `move` column, in code order. */
enum { TIER__RMOVE_NEW = 0, TIER__RMOVE_UP, TIER__RMOVE_DOWN, TIER__RMOVE_SAME };

/* The final tiers of a run after a history (every array has one entry per customer). */
typedef struct tier__result_final {
    const int32_t *tier;   /* tier index, -1: none */
    const int32_t *reason; /* index into reasons, -1: none */
    const char *const *reasons;
    size_t n_reasons;
    const int32_t *previous; /* index into previous_names, -1: none */
    const char *const *previous_names;
    size_t n_previous_names;
    const int32_t *move;       /* TIER__RMOVE_* */
    const double *since;       /* day number the customer entered its tier (NaN: none) */
    const tier_policy *policy; /* the run's policy: its flags and routing are evaluated again */
} tier__result_final;

/* Replaces the tier and reason columns by the final ones, adds the label columns previous_tier
 * and move and the number column since, and sums the summary over the final tiers with `book`
 * (that of the run). The flags and route columns (and the routing notices) are evaluated again
 * over the final tiers with fin->policy (tier__policy_flags), so that every column, the summary,
 * explanations and diffs see the final tiers only. All or nothing: TIER_OK, TIER_ESTATE (no run,
 * or already finalized), TIER_EINVAL (book, codes out of range, no policy or not the run's), an
 * error of the flags' evaluation, or TIER_ENOMEM; the message is in *err. */
int tier__result_finalize(tier_result *result, const tier_book *book, const tier__result_final *fin,
                          char *err);

#endif
