/* SPDX-License-Identifier: MIT */
/**
 * @file subscription.h
 * @brief The built-in subscription model: MRR, ARR, tenure, renewals and MRR movement per
 *        customer from the contracts of a book (contract.h), and revenue and logo retention of
 *        the book or a cohort.
 * @defgroup subscription Subscription model
 *
 * As of an instant D (option as_of, a day number: the start of that day; default the day after
 * the book's last transaction, or without transactions the day after the latest contract start)
 * a contract is *active* when start < D <= end (it covered day D - 1). A customer's MRR at D is
 * the sum of the monthly amounts of its active contracts, a yearly amount counting amount / 12;
 * ARR = 12 x MRR. With W = D - window (option window, days, default 365):
 *
 * - per customer (numbers NaN for a customer with no contract starting before D): mrr, arr,
 *   tenure_months (whole calendar months from the first contract's start to D, or to the end of
 *   the last contract when none is active), renewals (contracts with status renewed that ended by
 *   D), mrr_change (MRR at D - MRR at W), days_to_end (days from D to the earliest end among the
 *   active contracts that have one; NaN when none) and the label movement: new (not active at W,
 *   active at D), expansion, flat, contraction (active at both, MRR up, equal, down), churned
 *   (active at W, not at D) or none;
 * - for the book or the cohort (option cohort: "" for everyone, "YYYY" or "YYYY-MM" for the
 *   customers whose first contract started in that year or month), computed by tier_model_fit()
 *   and read with tier_subscription_fit_stat(): with S the customers active at W, starting MRR =
 *   their MRR at W; churned MRR = the starting MRR of those not active at D; contraction and
 *   expansion = the sums of their MRR decreases and increases; GRR = (starting - churned -
 *   contraction) / starting (never above 1); NRR = (starting - churned - contraction +
 *   expansion) / starting; logo churn = |S not active at D| / |S|.
 *
 * docs/subscriptions.md states every definition with a worked example.
 * @{
 */
#ifndef TIER_SUBSCRIPTION_H
#define TIER_SUBSCRIPTION_H

#include "common.h"
#include "model.h"

TIER_BEGIN_DECL

/** Label codes of the `movement` output, in label order. Values are ABI. @since 0.4.0 */
typedef enum tier_subscription_movement {
    TIER_SUBSCRIPTION_NONE = 0,        /**< "none": active neither at W nor at D */
    TIER_SUBSCRIPTION_NEW = 1,         /**< "new": active at D, not at W */
    TIER_SUBSCRIPTION_EXPANSION = 2,   /**< "expansion": MRR at D above MRR at W */
    TIER_SUBSCRIPTION_FLAT = 3,        /**< "flat": the same MRR */
    TIER_SUBSCRIPTION_CONTRACTION = 4, /**< "contraction": MRR at D below MRR at W */
    TIER_SUBSCRIPTION_CHURNED = 5      /**< "churned": active at W, not at D */
} tier_subscription_movement;

/** Population figures of a fitted subscription model (tier_subscription_fit_stat()). Values are
 * ABI.
 * @since 0.4.0 */
typedef enum tier_subscription_stat {
    TIER_SUBSCRIPTION_STAT_AS_OF = 1,        /**< the instant D (a day number) */
    TIER_SUBSCRIPTION_STAT_WINDOW_START = 2, /**< W = D - window */
    TIER_SUBSCRIPTION_STAT_MRR = 3,          /**< MRR at D of the cohort */
    TIER_SUBSCRIPTION_STAT_ARR = 4,          /**< 12 x that */
    TIER_SUBSCRIPTION_STAT_ACTIVE = 5,       /**< customers of the cohort active at D */
    TIER_SUBSCRIPTION_STAT_STARTING = 6,     /**< customers of the cohort active at W (S) */
    TIER_SUBSCRIPTION_STAT_STARTING_MRR = 7, /**< their MRR at W */
    TIER_SUBSCRIPTION_STAT_CHURNED = 8,      /**< customers of S not active at D */
    TIER_SUBSCRIPTION_STAT_CHURNED_MRR = 9,  /**< their MRR at W */
    TIER_SUBSCRIPTION_STAT_CONTRACTION = 10, /**< MRR lost by customers of S still active */
    TIER_SUBSCRIPTION_STAT_EXPANSION = 11,   /**< MRR gained by customers of S */
    TIER_SUBSCRIPTION_STAT_NEW_MRR = 12,     /**< MRR at D of cohort customers not in S */
    TIER_SUBSCRIPTION_STAT_GRR = 13,         /**< gross revenue retention (NaN: no start MRR) */
    TIER_SUBSCRIPTION_STAT_NRR = 14,         /**< net revenue retention (NaN: no start MRR) */
    TIER_SUBSCRIPTION_STAT_LOGO_CHURN = 15,  /**< churned / starting (NaN: S empty) */
    TIER_SUBSCRIPTION_STAT_CUSTOMERS = 16,   /**< customers of the cohort with a contract */
    TIER_SUBSCRIPTION_STAT_RENEWALS = 17     /**< renewals by D in the cohort */
} tier_subscription_stat;

/**
 * Creates a subscription model named `name` (NULL for "subscription") with the default options
 * (as_of nan, window 365, cohort ""). Its fit computes the population figures.
 * @param[out] out the model, owned by the caller (free with tier_model_free()); NULL on failure.
 * @param name the model name (copied); letters, digits and '_'.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.4.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_subscription_new(tier_model **out, const char *name,
                                                           const tier_allocator *alloc);

/**
 * Reads a population figure of a fitted subscription model.
 * @param model a model made by tier_subscription_new() (or of kind "subscription").
 * @param stat a ::tier_subscription_stat.
 * @param[out] out the figure (NaN where the definition has no value).
 * @return TIER_OK, TIER_EINVAL (not a subscription model, bad stat or NULL) or TIER_ESTATE (not
 *         fitted).
 * @since 0.4.0
 */
TIER_API int tier_subscription_fit_stat(const tier_model *model, int stat, double *out);

TIER_END_DECL

/** @} */
#endif
