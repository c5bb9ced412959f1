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
 * @{
 */
#ifndef TIER_LIFECYCLE_H
#define TIER_LIFECYCLE_H

#include "common.h"
#include "model.h"

TIER_BEGIN_DECL

/** Options of the lifecycle model (tier_lifecycle_set_option()). Values are ABI. @since 0.1.0 */
typedef enum tier_lifecycle_option {
    /** As-of day number; NaN (default) = the day after the book's last transaction. */
    TIER_LIFECYCLE_OPT_AS_OF = 1,
    /** Length in days of the recent spend window, 1..36500 (default 180). */
    TIER_LIFECYCLE_OPT_RECENT_WINDOW = 2,
    /** Length in days of the window before it, 1..36500 (default 180). */
    TIER_LIFECYCLE_OPT_PREVIOUS_WINDOW = 3,
    /** Smallest denominator of the trend, in currency units, (0, 1e12] (default 1). */
    TIER_LIFECYCLE_OPT_TREND_EPSILON = 4,
    /** Churned when inactive for more than this many days, 0..36500 (default 365). */
    TIER_LIFECYCLE_OPT_CHURN_DAYS = 5,
    /** Churned when P(alive) is below this, [0, 1] (default 0.1). */
    TIER_LIFECYCLE_OPT_CHURN_P_ALIVE = 6,
    /** Dormant when inactive for more than this many days, 0..36500, <= churn days (default 180). */
    TIER_LIFECYCLE_OPT_DORMANT_DAYS = 7,
    /** New while the first purchase is fewer than this many days ago, 0..36500 (default 90). */
    TIER_LIFECYCLE_OPT_NEW_DAYS = 8,
    /** Growing when the trend is above this, [-1e6, 1e6] (default 0.2). */
    TIER_LIFECYCLE_OPT_GROWTH_TREND = 9,
    /** Declining when the trend is below this, [-1e6, 1e6], < growth trend (default -0.2). */
    TIER_LIFECYCLE_OPT_DECLINE_TREND = 10,
    /** Declining when P(alive) is below this, [0, 1], >= churn P(alive) (default 0.5). */
    TIER_LIFECYCLE_OPT_DECLINE_P_ALIVE = 11,
    /** Onboarding: handover while implementation progress is below this, [0, 1] (default 0.5). */
    TIER_LIFECYCLE_OPT_ROLLOUT_PROGRESS = 12,
    /** Onboarding: stable use needs at least this progress, [0, 1], >= rollout (default 0.9). */
    TIER_LIFECYCLE_OPT_STABLE_PROGRESS = 13,
    /** Onboarding: stable use needs at least this share of active users, [0, 1] (default 0.6). */
    TIER_LIFECYCLE_OPT_STABLE_USERS = 14
} tier_lifecycle_option;

/** Attributes read for onboarding progress (tier_lifecycle_set_attribute()). Values are ABI. @since 0.1.0 */
typedef enum tier_lifecycle_attribute {
    TIER_LIFECYCLE_ATTR_PROGRESS = 1, /**< implementation progress (default "implementation_progress") */
    TIER_LIFECYCLE_ATTR_USERS = 2     /**< share of active users (default "active_users_share") */
} tier_lifecycle_attribute;

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

/**
 * Sets an option (see ::tier_lifecycle_option). Bounds are checked here; the order between
 * thresholds (dormant <= churn days, decline < growth trend, churn <= decline P(alive), rollout
 * <= stable progress) is checked when fitting and scoring. Nothing is retained from `value`.
 * @return TIER_OK, TIER_EINVAL (not a lifecycle model, unknown key) or TIER_ERANGE (out of
 *         bounds; the model's last error says why).
 * @since 0.1.0
 */
TIER_API int tier_lifecycle_set_option(tier_model *model, int option, double value);

/**
 * Reads an option into `*out` (NaN for an unset as-of day). The caller owns `*out`.
 * @return TIER_OK or TIER_EINVAL.
 * @since 0.1.0
 */
TIER_API int tier_lifecycle_get_option(const tier_model *model, int option, double *out);

/**
 * Names the frame column holding P(alive) (default "clv.p_alive"); NULL stops using P(alive).
 * The name is copied. When scoring, an absent column means P(alive) is not used; a label column
 * is an error.
 * @return TIER_OK, TIER_EINVAL (not a lifecycle model, empty name) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_lifecycle_set_p_alive_column(tier_model *model, const char *column);

/**
 * Names the numeric book attribute read for implementation progress or active users (see
 * ::tier_lifecycle_attribute). The name is copied.
 * @return TIER_OK, TIER_EINVAL (not a lifecycle model, unknown key, NULL or empty name) or
 *         TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_lifecycle_set_attribute(tier_model *model, int which, const char *name);

TIER_END_DECL

/** @} */
#endif
