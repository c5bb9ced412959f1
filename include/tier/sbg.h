/* SPDX-License-Identifier: MIT */
/**
 * @file sbg.h
 * @brief Contractual retention: the shifted-beta-geometric (sBG) model fitted on cohorts'
 *        survivor counts or on customers' renewals, and per-customer renewal figures.
 * @defgroup sbg sBG retention model
 *
 * The sBG model (Fader & Hardie, "How to project customer retention", 2007) is for customers on
 * contracts renewed period by period (a year, a month): churn is observed, it is the renewal that
 * did not happen. Each customer has a churn probability theta per renewal decision, and theta
 * varies over customers as a Beta(alpha, beta) distribution, so the retention rate of a cohort
 * rises with tenure (the customers likely to churn leave first).
 *
 * **Periods.** A customer signs at the start of period 1 and decides at the end of each period
 * whether to renew for the next one. Survivor counts n[0], n[1], ... of a cohort are the
 * customers at the start of periods 1, 2, ... (n[0] = the cohort, n[t] = those who renewed t
 * times). With T the period at the end of which a customer leaves:
 * - survival S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta), S(0) = 1;
 * - retention rate r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), t >= 1.
 *
 * **A customer with n renewals** has renewed n times: it is in period n + 1 and decides about its
 * renewal n + 1 at the end of that period. Its figures:
 * - renewal probability r(n + 1) = (beta + n) / (alpha + beta + n);
 * - expected residual lifetime: the expected number of further renewals (periods after the
 *   current one), sum over t > n of S(t) / S(n) = (beta + n) / (alpha - 1), infinite when
 *   alpha <= 1;
 * - discounted expected residual lifetime (Fader & Hardie 2010), valued at the end of the current
 *   period just before the renewal decision, every renewal paying at the start of the period it
 *   buys, so the next renewal is not discounted and the one after it once:
 *   DERL(d, n) = sum over t > n of S(t) / S(n) / (1 + d)^(t - n - 1)
 *   = (beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1; 1 / (1 + d));
 * - contractual CLV = DERL x the recurring margin per period (the period already paid is not in
 *   it).
 *
 * A fit maximises the likelihood over (ln alpha, ln beta): every customer lost in period t adds
 * ln P(T = t), every customer still there at the end of its cohort's data adds ln S(t)
 * (right-censored), so cohorts observed for different numbers of periods fit together. Standard
 * errors come from the observed information (the Hessian at the optimum). docs/sbg.md has the
 * formulas and the published fits reproduced.
 *
 * A handle is either unfitted or holds one fit (or parameters given with tier_sbg_set_params());
 * each fit replaces it as a whole, and a failed fit leaves the handle as it was. The figures read
 * a fitted handle and change nothing, so several threads may read one handle at once.
 * @{
 */
#ifndef TIER_SBG_H
#define TIER_SBG_H

#include "common.h"

TIER_BEGIN_DECL

/** A fitted sBG model (opaque). @since 0.4.0 */
typedef struct tier_sbg tier_sbg;

/** Figures of a fit (tier_sbg_fit_stat()). Values are ABI. @since 0.4.0 */
typedef enum tier_sbg_stat {
    TIER_SBG_STAT_LOG_LIKELIHOOD = 1, /**< log-likelihood at the fitted parameters */
    TIER_SBG_STAT_ITERATIONS = 2,     /**< optimiser iterations of the start that won */
    TIER_SBG_STAT_CONVERGED = 3,      /**< 1 when the gradient test passed, else 0 */
    TIER_SBG_STAT_GRADIENT = 4,   /**< largest |d(LL/N)/d ln parameter| at the fitted parameters */
    TIER_SBG_STAT_CUSTOMERS = 5,  /**< N: customers in the data (the cohorts' sizes summed) */
    TIER_SBG_STAT_CHURNED = 6,    /**< of them, customers seen to leave */
    TIER_SBG_STAT_PERIODS = 7,    /**< the last period the data reach */
    TIER_SBG_STAT_EVALUATIONS = 8 /**< likelihood evaluations over all starting points */
} tier_sbg_stat;

/**
 * Creates an unfitted sBG handle.
 * @param[out] out the handle, owned by the caller (free with tier_sbg_free()); NULL on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.4.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_sbg_new(tier_sbg **out, const tier_allocator *alloc);

/** Frees a handle; NULL is a no-op. @since 0.4.0 */
TIER_API void tier_sbg_free(tier_sbg *sbg);

/** Text of the last failure of a call that changes the handle ("" when none); borrowed, never
 * NULL. @since 0.4.0 */
TIER_API const char *tier_sbg_last_error(const tier_sbg *sbg);

/**
 * Fits the model on survivor counts of one or several cohorts. Cohort c has `lengths[c]` counts
 * `cohorts[c][0..lengths[c])`: the customers at the start, then those still customers after 1, 2,
 * ... renewals (counts never increase; whole numbers are customers, other non-negative numbers
 * are weights). Cohorts may have different lengths; the data must reach period 2 (a cohort with
 * at least 3 counts). All or nothing: on failure the handle is unchanged.
 * @param sbg the handle.
 * @param cohorts the cohorts' counts (read during the call only).
 * @param lengths the number of counts of each cohort (at least 2 each).
 * @param n_cohorts the number of cohorts (at least 1).
 * @return TIER_OK; TIER_EINVAL (a count that is not a finite number >= 0, a count above the one
 *         before it, no customers at the start, fewer than 2 counts, data that reach period 1
 *         only); TIER_ERANGE (more than 100000 periods); TIER_ECONVERGE (no finite maximum: no
 *         churn at all, everyone lost in period 1, no heterogeneity, or the optimiser did not
 *         converge; the message says which); TIER_ENOMEM. tier_sbg_last_error() says why.
 * @since 0.4.0
 */
TIER_API int tier_sbg_fit(tier_sbg *sbg, const double *const *cohorts, const size_t *lengths,
                          size_t n_cohorts);

/**
 * Fits the model on customers: customer i has renewed `renewals[i]` times (a whole number >= 0;
 * NaN: no contract, left out) and `churned[i]` non-zero when it then did not renew (it left after
 * period renewals + 1), 0 or NaN when it is still a customer (censored). All or nothing, as
 * tier_sbg_fit().
 * @param sbg the handle.
 * @param renewals the customers' renewals (read during the call only).
 * @param churned whether each customer left (NULL: nobody left).
 * @param n the number of customers.
 * @return as tier_sbg_fit(); TIER_EINVAL names the index of a negative or non-whole renewals.
 * @since 0.4.0
 */
TIER_API int tier_sbg_fit_customers(tier_sbg *sbg, const double *renewals, const double *churned,
                                    size_t n);

/**
 * Makes the handle fitted with given parameters (e.g. from an earlier fit): the figures of the
 * fit (tier_sbg_fit_stat()) become NaN and the standard errors unavailable.
 * @param sbg the handle.
 * @param alpha the Beta distribution's alpha (> 0, finite).
 * @param beta its beta (> 0, finite).
 * @return TIER_OK or TIER_EINVAL (handle unchanged).
 * @since 0.4.0
 */
TIER_API int tier_sbg_set_params(tier_sbg *sbg, double alpha, double beta);

/**
 * Reads the fitted parameters.
 * @param sbg the handle.
 * @param[out] alpha alpha (may be NULL).
 * @param[out] beta beta (may be NULL).
 * @return TIER_OK, TIER_EINVAL (NULL handle) or TIER_ESTATE (not fitted).
 * @since 0.4.0
 */
TIER_API int tier_sbg_params(const tier_sbg *sbg, double *alpha, double *beta);

/**
 * Reads the standard errors of alpha and beta: the square roots of the diagonal of the inverse
 * observed information (the Hessian of the log-likelihood at the optimum, by central differences
 * of its analytic gradient in log-parameter space, carried to alpha and beta by the delta method).
 * @param sbg the handle.
 * @param[out] se_alpha the standard error of alpha (may be NULL).
 * @param[out] se_beta the standard error of beta (may be NULL).
 * @return TIER_OK, TIER_EINVAL, TIER_ESTATE (not fitted) or TIER_ENOTFOUND (not available: the
 *         information was not positive definite, or the parameters were given).
 * @since 0.4.0
 */
TIER_API int tier_sbg_standard_errors(const tier_sbg *sbg, double *se_alpha, double *se_beta);

/**
 * Reads a figure of the fit.
 * @param sbg the handle.
 * @param stat a ::tier_sbg_stat.
 * @param[out] out the figure (NaN after tier_sbg_set_params()).
 * @return TIER_OK, TIER_EINVAL (NULL argument, unknown `stat`) or TIER_ESTATE (not fitted).
 * @since 0.4.0
 */
TIER_API int tier_sbg_fit_stat(const tier_sbg *sbg, int stat, double *out);

/**
 * The projected survival S(t): the share of a cohort still customers at the start of period
 * t + 1 (after t renewals). Multiply by 1000 for the survivors per 1,000.
 * @param sbg a fitted handle.
 * @param t the number of renewals, a whole number from 0 to 100000.
 * @param[out] out S(t), in (0, 1] (0 when it underflows).
 * @return TIER_OK, TIER_EINVAL (NULL argument, `t` not a whole number in range) or TIER_ESTATE.
 * @since 0.4.0
 */
TIER_API int tier_sbg_survival(const tier_sbg *sbg, double t, double *out);

/**
 * The projected retention rate r(t) of a cohort: the share of the customers in period t that
 * renew at its end, (beta + t - 1) / (alpha + beta + t - 1).
 * @param sbg a fitted handle.
 * @param t the period, a whole number from 1 to 100000.
 * @param[out] out r(t).
 * @return TIER_OK, TIER_EINVAL or TIER_ESTATE.
 * @since 0.4.0
 */
TIER_API int tier_sbg_retention(const tier_sbg *sbg, double t, double *out);

/**
 * A customer with `renewals` renewals: the probability that it renews at its next decision,
 * (beta + n) / (alpha + beta + n).
 * @param sbg a fitted handle.
 * @param renewals n, the renewals so far (a finite number >= 0; whole for the model's meaning).
 * @param[out] out the probability.
 * @return TIER_OK, TIER_EINVAL or TIER_ESTATE.
 * @since 0.4.0
 */
TIER_API int tier_sbg_renewal_probability(const tier_sbg *sbg, double renewals, double *out);

/**
 * A customer with `renewals` renewals: its expected residual lifetime, the expected number of
 * further renewals, (beta + n) / (alpha - 1); +infinity when alpha <= 1 (the mean does not
 * exist; DERL with a discount rate is always finite).
 * @param sbg a fitted handle.
 * @param renewals n (a finite number >= 0).
 * @param[out] out the expected number of further periods.
 * @return TIER_OK, TIER_EINVAL or TIER_ESTATE.
 * @since 0.4.0
 */
TIER_API int tier_sbg_residual_lifetime(const tier_sbg *sbg, double renewals, double *out);

/**
 * A customer with `renewals` renewals: its discounted expected residual lifetime DERL(d, n), in
 * periods (see the file's description for the convention: valued just before the next renewal
 * decision, each renewal paying at the start of its period).
 * @param sbg a fitted handle.
 * @param renewals n (a finite number >= 0).
 * @param discount_rate d per period (> 0, finite; e.g. 0.1).
 * @param[out] out DERL.
 * @return TIER_OK, TIER_EINVAL, TIER_ESTATE or TIER_ERANGE (the 2F1 series did not converge:
 *         a discount rate too close to 0).
 * @since 0.4.0
 */
TIER_API int tier_sbg_derl(const tier_sbg *sbg, double renewals, double discount_rate, double *out);

/**
 * A customer with `renewals` renewals: its contractual CLV, DERL(d, n) x `margin`.
 * @param sbg a fitted handle.
 * @param renewals n (a finite number >= 0).
 * @param discount_rate d per period (> 0, finite).
 * @param margin the recurring margin per period (finite, >= 0).
 * @param[out] out the CLV, in the margin's currency.
 * @return as tier_sbg_derl().
 * @since 0.4.0
 */
TIER_API int tier_sbg_clv(const tier_sbg *sbg, double renewals, double discount_rate, double margin,
                          double *out);

TIER_END_DECL

/** @} */
#endif
