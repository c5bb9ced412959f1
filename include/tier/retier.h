/* SPDX-License-Identifier: MIT */
/**
 * @file retier.h
 * @brief Incremental re-tiering: a frozen batch run that re-scores and re-tiers one customer at a
 *        time after a new invoice or an attribute change (docs/retier.md).
 * @defgroup retier Incremental re-tiering
 *
 * tier_retier_new() freezes a finished run: the fitted models, the policy's cut points and every
 * population-level figure the run used (the reference values of abc() and pct_rank(), each cap's
 * kept candidates, the columns of population models such as pareto). tier_retier_customer() then
 * re-tiers one customer against these frozen figures without touching the rest of the book; what a
 * single invoice would change for the whole population (Pareto ranks, the reference values, who a
 * cap keeps) is refreshed by the next batch run. tier_retier_batch() is the same computation for
 * every customer at once, into a fresh result: the two agree customer by customer.
 * @{
 */
#ifndef TIER_RETIER_H
#define TIER_RETIER_H

#include "common.h"
#include "book.h"
#include "history.h"
#include "model.h"
#include "policy.h"
#include "result.h"

TIER_BEGIN_DECL

/** A frozen batch run that re-tiers one customer at a time (opaque). @since 0.4.0 */
typedef struct tier_retier tier_retier;

/**
 * Freezes a finished run. The retier copies the run's frame and per-customer tiers and computes
 * from the whole book, once (O(N log N)), every population-level figure the run used.
 * @param[out] out the retier, owned by the caller (free it with tier_retier_free()). On failure
 *        it is a handle that only tells why (tier_retier_last_error(); every other call gives
 *        TIER_ESTATE), or NULL when not even that could be allocated (TIER_ENOMEM) or `out` is
 *        NULL.
 * @param result a successful tier_result_run() of `policy` on `book` with `models`, after
 *        tier_history_apply() when `history` is not NULL (borrowed for the call).
 * @param book the book of the run. Borrowed: it must outlive the retier; between calls the caller
 *        may add transactions and set attributes through the public book API, nothing else.
 * @param models the fitted models of the run (borrowed, must outlive the retier, unchanged).
 * @param model_count the number of models.
 * @param policy the policy of the run (borrowed, must outlive the retier, unchanged).
 * @param history the history the run was applied to, or NULL (borrowed, read only, must outlive
 *        the retier): re-tiering decides hysteresis, dwell and overrides as the next run would.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EINVAL (arguments; `result` is not a run of this policy and book; a
 *         policy the retier cannot freeze: a hierarchy with children = own; the message says
 *         why), TIER_ESTATE (a model not fitted) or TIER_ENOMEM.
 * @since 0.4.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int
tier_retier_new(tier_retier **out, const tier_result *result, const tier_book *book,
                tier_model *const *models, size_t model_count, const tier_policy *policy,
                const tier_history *history, const tier_allocator *alloc);

/** Frees a retier; NULL is a no-op. @since 0.4.0 */
TIER_API void tier_retier_free(tier_retier *retier);

/** Text of the last failure ("" when none); borrowed, never NULL. @since 0.4.0 */
TIER_API const char *tier_retier_last_error(const tier_retier *retier);

/**
 * Re-scores and re-tiers customer `customer` after its transactions or attributes changed: each
 * model with score_row re-scores that row with its fitted state frozen (population models keep
 * the row's batch values); the policy's rules are evaluated on that row (windows over the
 * customer's own transactions as of the frozen as-of day; abc() and pct_rank() against the frozen
 * reference values; a cap keeps the customer when its criterion ranks within the frozen kept
 * candidates); with a history, hysteresis, dwell and overrides decide as tier_history_apply()
 * would for the next run (the history is not changed). With a hierarchy (children = inherit) the
 * customer's group row is re-evaluated and every member of the group follows (groups and their
 * lead accounts stay as frozen). With routing, the row's team is decided over its final tier,
 * alone against the run's frozen use of the team (a row the run placed keeps its place while its
 * revenue does not grow; another takes a place when the team's frozen use without it, plus it,
 * fits the capacity; else route_overflow): nobody else moves (docs/retier.md, "Routing"). No
 * allocation in the steady state; O(log
 * N) in the book size. All or nothing: on failure the customer keeps its previous tier.
 * @param retier the retier.
 * @param book the book the retier was made with.
 * @param customer the customer's index in the book.
 * @return TIER_OK, TIER_ERANGE (customer beyond the book), TIER_ENOTFOUND (a customer added to
 *         the book after the freeze: the next batch run tiers it), TIER_EINVAL (another book), or
 *         a model's or the policy's status; the last error names the customer and the model or
 *         rule.
 * @since 0.4.0
 */
TIER_API int tier_retier_customer(tier_retier *retier, const tier_book *book, size_t customer);

/**
 * The customer's current tier after the freeze and any re-tiering since.
 * @param retier the retier.
 * @param customer the customer's index.
 * @return the index into the policy's tiers, -1 when none or out of range.
 * @since 0.4.0
 */
TIER_API int tier_retier_tier(const tier_retier *retier, size_t customer);

/**
 * The name of the customer's current tier.
 * @param retier the retier.
 * @param customer the customer's index.
 * @return the name (borrowed, valid as long as the retier), "" when none or out of range.
 * @since 0.4.0
 */
TIER_API const char *tier_retier_tier_name(const tier_retier *retier, size_t customer);

/**
 * The reason of the customer's current tier: the rule, the cap, "member of ...", the hysteresis
 * hold or the override.
 * @param retier the retier.
 * @param customer the customer's index.
 * @return the reason (borrowed, valid until the next tier_retier_customer() or the free), "" when
 *         none or out of range.
 * @since 0.4.0
 */
TIER_API const char *tier_retier_reason(const tier_retier *retier, size_t customer);

/**
 * An entitlement of the customer's current tier, as tier_result_entitlement() gives it.
 * @param retier the retier.
 * @param customer the customer's index.
 * @param key the entitlement's name.
 * @param[out] number its value when it is a number or a bool (0/1); may be NULL.
 * @param[out] text its value when it is a text (borrowed), else NULL; may be NULL.
 * @return TIER_OK, TIER_ENOTFOUND (no such entitlement, or none for the customer's tier),
 *         TIER_ERANGE (customer) or TIER_EINVAL (NULL key).
 * @since 0.4.0
 */
TIER_API int tier_retier_entitlement(const tier_retier *retier, size_t customer, const char *key,
                                     double *number, const char **text);

/**
 * The flags raised for the customer, names joined by ';'.
 * @param retier the retier.
 * @param customer the customer's index.
 * @return the flags (borrowed, valid as long as the retier), "" when none or out of range.
 * @since 0.4.0
 */
TIER_API const char *tier_retier_flags(const tier_retier *retier, size_t customer);

/**
 * The team the customer is routed to (the run's, until re-tiered: then routed against the
 * frozen capacities).
 * @param retier the retier.
 * @param customer the customer's index.
 * @return the team (borrowed, valid as long as the retier), "" when not routed or out of range.
 * @since 0.4.0
 */
TIER_API const char *tier_retier_route(const tier_retier *retier, size_t customer);

/**
 * A model output of the customer's row as last re-scored (the batch's value until then).
 * @param retier the retier.
 * @param customer the customer's index.
 * @param column the frame column's full name ("rfm.r_score").
 * @param[out] out the value (NaN when missing).
 * @return TIER_OK, TIER_ENOTFOUND (no such number column), TIER_ERANGE (customer) or
 *         TIER_EINVAL (NULL arguments).
 * @since 0.4.0
 */
TIER_API int tier_retier_number(const tier_retier *retier, size_t customer, const char *column,
                                double *out);

/**
 * The batch recompute under the same frozen models: re-scores the whole book with every model's
 * score (population models' columns copied from the freeze) and applies the policy column-wise
 * with the same frozen population figures (and the history decision, without changing the
 * history), writing a full run into `out`. The tiers are those tier_retier_customer() gives each
 * customer. The retier itself is not changed.
 * @param retier the retier.
 * @param book the book the retier was made with (with the changes made since the freeze).
 * @param out a fresh result (tier_result_new()); on success it holds the run, on failure none
 *            (never a run without the history's decision).
 * @return TIER_OK, TIER_EINVAL, TIER_ENOTFOUND (customers added after the freeze), a model's or
 *         the policy's status, or TIER_ENOMEM.
 * @since 0.4.0
 */
TIER_API int tier_retier_batch(tier_retier *retier, const tier_book *book, tier_result *out);

TIER_END_DECL

/** @} */
#endif
