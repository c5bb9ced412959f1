/* SPDX-License-Identifier: MIT */
/* The shifted-beta-geometric (sBG) retention model of Fader & Hardie ("How to project customer
 * retention", 2007) for contracts renewed period by period: the internal interface of the public
 * handle (tier/sbg.h), of the model kind "sbg" and of whoever fits it from contracts.
 *
 * Conventions (docs/sbg.md). Periods are numbered 1, 2, ...; a customer signs at the start of
 * period 1 and decides at the end of each period whether to renew for the next one. Each customer
 * has a churn probability theta per renewal decision, theta ~ Beta(alpha, beta) over customers.
 * T = the period at the end of which the customer leaves (T = 1: did not renew even once).
 *   S(t)      = P(T > t) = B(alpha, beta + t) / B(alpha, beta)      alive at the start of t + 1
 *   P(T = t)  = B(alpha + 1, beta + t - 1) / B(alpha, beta)          t >= 1
 *   r(t)      = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)   retention at end of t
 * A customer "with n renewals" has renewed n times, so T > n: it is in period n + 1 and decides
 * about renewal n + 1 at its end. Its next renewal happens with probability r(n + 1) =
 * (beta + n) / (alpha + beta + n).
 *
 * The data of a fit are two tables over periods (the sufficient statistics of any mix of
 * cohorts and customers): lost[t] customers with T = t (t = 1..k) and alive[t] customers seen
 * alive after t periods whose observation ends there (T > t, right-censored; t = 0..k). The
 * log-likelihood is sum_t lost[t] ln P(T = t) + alive[t] ln S(t). */
#ifndef TIER_MODELS_SBG_SBG_H
#define TIER_MODELS_SBG_SBG_H

#include <stddef.h>

#include "tier.h"

/* Longest history (periods) a fit takes, and the furthest period S(t) is asked for. */
#define TIER__SBG_MAX_PERIODS 100000

/* The sufficient statistics of a fit (see above); both arrays have k + 1 entries, lost[0] = 0. */
typedef struct tier__sbg_table {
    double *lost;
    double *alive;
    size_t k;
} tier__sbg_table;

/* A fit's result. */
typedef struct tier__sbg_fit {
    double alpha, beta;       /* > 0 and finite whenever the fit returned TIER_OK or ECONVERGE */
    double se_alpha, se_beta; /* standard errors; meaningful only when se_ok */
    int se_ok;                /* 1 when the observed information was positive definite */
    double loglik;            /* log-likelihood at (alpha, beta) */
    double grad_norm;         /* max |d(LL/N)/d log-parameter| at (alpha, beta) */
    int converged;            /* 1 when grad_norm <= the tolerance at an interior maximum */
    int iterations;           /* BFGS iterations of the start that won */
    int evaluations;          /* likelihood evaluations over all starts */
    double customers;         /* N: customers (total weight) in the data */
    double churned;           /* of them, customers seen to churn */
    size_t periods;           /* k: the last period with data */
} tier__sbg_fit;

/* An empty table for periods 0..k (arrays zeroed). TIER_OK, TIER_ERANGE (k too large) or
 * TIER_ENOMEM (err set). */
int tier__sbg_table_new(tier__sbg_table *t, size_t k, const tier_allocator *alloc, char *err);
void tier__sbg_table_free(tier__sbg_table *t, const tier_allocator *alloc);

/* Adds one cohort's survivor counts n[0..len): n[0] customers at the start, n[t] of them still
 * customers at the start of period t + 1 (after t renewals). Lost in period t: n[t-1] - n[t];
 * alive at the end: n[len-1] (censored at len - 1). The table must reach len - 1. TIER_EINVAL with
 * err ("cohort C: ...") for len < 2, a count that is not a finite number >= 0, n[0] = 0, or a
 * count above the one before it. */
int tier__sbg_table_add_survivors(tier__sbg_table *t, const double *n, size_t len, size_t cohort,
                                  char *err);

/* The checks of tier__sbg_table_add_survivors alone (for options given before any fit). */
int tier__sbg_check_survivors(const double *n, size_t len, size_t cohort, char *err);

/* Log-likelihood of the table at (alpha, beta) and (grad != NULL) its gradient with respect to
 * (ln alpha, ln beta), in log space: ln S(t) = sum_{j<t} -ln(1 + alpha / (beta + j)) (the
 * log-beta ratio without cancellation). TIER_EINVAL for parameters that are not positive and
 * finite, TIER_ERANGE when the value is not finite. */
int tier__sbg_loglik(double *out, double *grad, double alpha, double beta,
                     const tier__sbg_table *t);

/* Maximum-likelihood fit on a table (BFGS over ln alpha, ln beta from several starts, the
 * optimiser of models/numeric/optim.h; standard errors from the Hessian by the delta method).
 * TIER_OK (converged), TIER_ECONVERGE (no finite interior maximum or no convergence: *out holds
 * the best finite point with converged = 0, err says why), TIER_EINVAL (no data, or data that
 * reach period 1 only: the model is not identified). */
int tier__sbg_fit_table(tier__sbg_fit *out, const tier__sbg_table *t, char *err);

/* Fit from survivor counts of n_cohorts cohorts (cohort c: counts[c][0..lengths[c]), as
 * tier__sbg_table_add_survivors reads them). Errors as tier__sbg_fit_table, plus TIER_EINVAL for
 * bad counts ("cohort C: ...") and TIER_ENOMEM. */
int tier__sbg_fit_survivors(tier__sbg_fit *out, const double *const *counts, const size_t *lengths,
                            size_t n_cohorts, const tier_allocator *alloc, char *err);

/* Fit from customers (the contracts interface): customer i has renewed renewals[i] times (a whole
 * number >= 0; NaN: not a subscription customer, skipped) and churned[i] says whether it then left:
 * non-zero = it did not renew at its next decision (T = renewals + 1), 0 or NaN = still a customer
 * (T > renewals, censored). churned may be NULL (nobody left). *bad (may be NULL) receives the
 * index of a refused customer. Errors as tier__sbg_fit_table, plus TIER_EINVAL ("customer at
 * index I: ...") for a negative, non-whole or too large renewals value, TIER_ENOMEM. */
int tier__sbg_fit_cohorts(tier__sbg_fit *out, const double *renewals, const double *churned,
                          size_t n, const tier_allocator *alloc, size_t *bad, char *err);

/* The table of those customers (as tier__sbg_fit_cohorts reads them) into *out, freed by the
 * caller with tier__sbg_table_free (on success only). k is 1 + the most renewals (at least 1). */
int tier__sbg_table_customers(tier__sbg_table *out, const double *renewals, const double *churned,
                              size_t n, const tier_allocator *alloc, size_t *bad, char *err);

/* ---- figures of fitted parameters (alpha, beta > 0 and finite) ------------------------------ */

/* S(t) for a whole t >= 0 (0 when it underflows). */
double tier__sbg_survival(double alpha, double beta, double t);

/* r(t) = (beta + t - 1) / (alpha + beta + t - 1) for t >= 1. */
double tier__sbg_retention(double alpha, double beta, double t);

/* P(T = t) for a whole t >= 1. */
double tier__sbg_churn_probability(double alpha, double beta, double t);

/* A customer with n renewals (n >= 0; non-whole n interpolates): the probability that it renews
 * at its next decision, r(n + 1) = (beta + n) / (alpha + beta + n). */
double tier__sbg_renewal_probability(double alpha, double beta, double n);

/* Its expected residual lifetime: the expected number of further renewals (periods beyond the
 * one it is in), sum_{t > n} S(t) / S(n) = (beta + n) / (alpha - 1); HUGE_VAL (infinite) when
 * alpha <= 1. */
double tier__sbg_residual_lifetime(double alpha, double beta, double n);

/* Its discounted expected residual lifetime (Fader & Hardie 2010), valued at the end of its
 * current period just before its next renewal decision, each renewal paying at the start of the
 * period it buys: DERL = sum_{t > n} S(t) / S(n) / (1 + d)^(t - n - 1)
 *      = (beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1; 1 / (1 + d)).
 * d > 0 per period. TIER_OK, TIER_EINVAL (bad argument), TIER_ERANGE (the series did not
 * converge: d too close to 0). */
int tier__sbg_derl(double *out, double alpha, double beta, double n, double d);

/* ---- the model kind "sbg" (sbg_model.c) ----------------------------------------------------- */

/* Makes a model of kind "sbg" (the registry's constructor). */
int tier__sbg_model_new(tier_model **out, const char *name, const tier_allocator *alloc);

/* The fitted parameters of an "sbg" model: TIER_OK with *fit (borrowed), TIER_EINVAL (not an sbg
 * model) or TIER_ESTATE (not fitted). For the pipeline's fit report. */
int tier__sbg_model_fit(const tier_model *model, const tier__sbg_fit **fit);

#endif
