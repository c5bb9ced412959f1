/* SPDX-License-Identifier: MIT */
/**
 * @file lifecycle.h
 * @brief The built-in lifecycle model: stages new, growing, mature, declining, dormant, churned,
 *        and onboarding progress.
 * @defgroup lifecycle Lifecycle model
 *
 * For an as-of day D (default: the day after the book's last transaction) only transactions
 * dated before D count. Per customer the model measures
 * - tenure_days = D - day of the first purchase,
 * - inactive_days = D - day of the last purchase,
 * - trend = (recent - previous) / max(previous, epsilon), where recent is the net amount
 *   (refunds netted) dated in [D - Wr, D) and previous the net amount in [D - Wr - Wp, D - Wr)
 *   (Wr, Wp default 180 days, epsilon default 1),
 * - P(alive), read from a number column of the frame when a CLV model was scored before this one
 *   (default column "clv.p_alive"; absent column or NaN = not used).
 *
 * The stage is the first rule that holds, in this order (thresholds are options):
 * 1. no purchase before D: **new** (a signed account not yet invoiced);
 * 2. inactive_days > churn_days (365) or P(alive) < churn_p_alive (0.1): **churned**;
 * 3. inactive_days > dormant_days (180): **dormant**;
 * 4. tenure_days < new_days (90): **new**;
 * 5. trend < decline_trend (-0.2) or P(alive) < decline_p_alive (0.5): **declining**;
 * 6. trend > growth_trend (+0.2): **growing**;
 * 7. otherwise **mature**.
 *
 * Onboarding progress comes from two numeric attributes (fractions 0..1; names configurable,
 * default "implementation_progress" and "active_users_share"): progress missing: **none**;
 * progress < rollout_progress (0.5): **handover**; progress >= stable_progress (0.9) and active
 * users >= stable_users (0.6): **stable_use**; otherwise **internal_rollout**.
 *
 * Outputs: stage and onboarding (labels), trend, inactive_days and tenure_days (numbers; NaN for
 * a customer without a purchase before D). docs/lifecycle.md states every rule in full.
 *
 * Options (tier_model_set_option(); docs/lifecycle.md lists ranges and defaults): the numbers
 * as_of (nan = the day after the book's last transaction), recent_window, previous_window,
 * trend_epsilon, churn_days, churn_p_alive, dormant_days, new_days, growth_trend, decline_trend,
 * decline_p_alive, rollout_progress, stable_progress, stable_users; the texts p_alive_column
 * ("" = P(alive) not used), progress_attribute and users_attribute. The model learns nothing from
 * the book: its saved state (tier_model_save()) is its options.
 * @{
 */
#ifndef TIER_LIFECYCLE_H
#define TIER_LIFECYCLE_H

#include "common.h"
#include "model.h"

TIER_BEGIN_DECL

/** Stage label codes of the `stage` output, in label order. Values are ABI. @since 0.1.0 */
typedef enum tier_lifecycle_stage {
    TIER_LIFECYCLE_NEW = 0,       /**< "new": acquisition and onboarding */
    TIER_LIFECYCLE_GROWING = 1,   /**< "growing" */
    TIER_LIFECYCLE_MATURE = 2,    /**< "mature" */
    TIER_LIFECYCLE_DECLINING = 3, /**< "declining": early warning */
    TIER_LIFECYCLE_DORMANT = 4,   /**< "dormant" */
    TIER_LIFECYCLE_CHURNED = 5    /**< "churned" */
} tier_lifecycle_stage;

/** Label codes of the `onboarding` output, in label order. Values are ABI. @since 0.1.0 */
typedef enum tier_lifecycle_onboarding {
    TIER_LIFECYCLE_HANDOVER = 0,         /**< "handover" */
    TIER_LIFECYCLE_INTERNAL_ROLLOUT = 1, /**< "internal_rollout" */
    TIER_LIFECYCLE_STABLE_USE = 2,       /**< "stable_use" */
    TIER_LIFECYCLE_ONBOARDING_NONE = 3   /**< "none": no implementation progress on record */
} tier_lifecycle_onboarding;

/**
 * Creates a lifecycle model named `name` (NULL for "lifecycle") with the default options. It has
 * nothing to learn: tier_model_fit() only checks the options.
 * @param[out] out the model, owned by the caller (free with tier_model_free()); NULL on failure.
 * @param name the model name (copied); letters, digits and '_'.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_lifecycle_new(tier_model **out, const char *name,
                                                        const tier_allocator *alloc);

TIER_END_DECL

/** @} */
#endif
