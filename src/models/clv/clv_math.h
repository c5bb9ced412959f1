/* SPDX-License-Identifier: MIT */
/* Numerical core of the clv model: BG/NBD, Pareto/NBD and Gamma-Gamma likelihoods, a BFGS
 * maximum-likelihood fit over log-parameters, standard errors, predictions (P(alive), expected
 * purchases, expected spend, discounted CLV) and the calibration/holdout summary of one
 * customer's purchase days. Pure C99 + <math.h>, no global state; scratch memory comes from
 * the caller's allocator. The public model (src/clv.c) wraps this. See docs/clv.md. */
#ifndef TIER_CLV_MATH_H
#define TIER_CLV_MATH_H

#include <stddef.h>
#include <stdint.h>

#include "tier.h"

/* Model kinds; parameter order in tier__clv_fit_result.param and every `param` argument. */
enum {
    TIER__CLV_BGNBD = 1,      /* r, alpha, a, b */
    TIER__CLV_PARETO_NBD = 2, /* r, alpha, s, beta */
    TIER__CLV_GAMMA_GAMMA = 3 /* p, q, gamma */
};

#define TIER__CLV_MAX_PARAMS 4

/* One customer's summary (or `w` identical customers). Times are in one unit (days, weeks).
 * Count models read x, t_x, T; Gamma-Gamma reads x and m. */
typedef struct tier__clv_obs {
    double x;   /* repeat transactions in calibration (a whole number >= 0) */
    double t_x; /* time of the last repeat transaction since the first purchase (0 when x = 0) */
    double T;   /* time from the first purchase to the end of calibration (>= t_x) */
    double m;   /* mean value of the repeat transactions (Gamma-Gamma; 0 when x = 0) */
    double w;   /* weight: number of customers with this row (>= 0; 1 for one customer) */
} tier__clv_obs;

typedef struct tier__clv_options {
    int max_iter;  /* BFGS iterations per start (default 500) */
    int restarts;  /* starting points tried after the first (default 2) */
    double gtol;   /* converged when max |d(LL/W)/d log-param| <= gtol (default 1e-7) */
    int want_se;   /* 1: standard errors from the numerical Hessian (default 1) */
    int has_start; /* 1: `start` (natural parameters) is the first starting point */
    double start[TIER__CLV_MAX_PARAMS];
} tier__clv_options;

typedef struct tier__clv_fit_result {
    int kind;
    size_t n_params;
    double param[TIER__CLV_MAX_PARAMS]; /* natural parameters (all > 0) */
    double se[TIER__CLV_MAX_PARAMS];    /* standard errors; meaningful only when se_ok */
    int se_ok;                          /* 1 when the observed information was positive definite */
    double loglik;                      /* log-likelihood at param (sum over weighted rows) */
    double grad_norm;                   /* max |d(LL/W)/d log-param| at param */
    int converged;                      /* 1 when grad_norm <= gtol */
    int iterations;                     /* BFGS iterations of the start that gave param */
    int evaluations;   /* likelihood evaluations over all starts (Hessian excluded) */
    int starts;        /* starting points tried */
    double n_used;     /* total weight of the rows fitted */
    double n_excluded; /* Gamma-Gamma: weight of rows with x > 0 and m <= 0 (left out) */
    size_t n_distinct; /* distinct rows after merging identical ones */
} tier__clv_fit_result;

void tier__clv_options_init(tier__clv_options *opt);

/* Number of parameters of `kind` (0 for an unknown kind). */
size_t tier__clv_param_count(int kind);

/* ln Gamma(x) and digamma(x) for x > 0 (own code: glibc's lgamma writes the global signgam). */
double tier__clv_lgamma(double x);
double tier__clv_digamma(double x);

/* Gauss hypergeometric 2F1(a, b; c; z) for z < 1 by its series (Pfaff's transformation for
 * z < 0). TIER_ERANGE when z >= 1 or c is a non-positive integer, TIER_ECONVERGE when the
 * series does not converge within its term budget; *out is finite on TIER_OK. */
int tier__clv_hyp2f1(double *out, double a, double b, double c, double z);

/* Log-likelihood at natural parameters `param` over n rows, and (when grad != NULL) its gradient
 * with respect to the log-parameters (analytic for all three models). Rows of weight 0 are skipped;
 * Gamma-Gamma skips rows with x <= 0 or m <= 0. TIER_EINVAL for a bad kind, parameter or row;
 * TIER_ERANGE when the value is not finite or a series does not converge. Needs no memory; faster
 * when rows are sorted by x. */
int tier__clv_loglik(double *out, double *grad, int kind, const double *param,
                     const tier__clv_obs *obs, size_t n);

/* Maximum-likelihood fit of `kind` on n rows. Identical rows are merged (weights summed) in
 * scratch memory taken from `alloc` (an allocator prepared by tier__alloc_init). opt NULL =
 * defaults. Returns TIER_OK (converged), TIER_ECONVERGE (*out holds the best finite point, with
 * converged = 0), TIER_EINVAL (bad rows, nothing to fit, no repeat purchases), TIER_ENOMEM.
 * `err` (TIER__ERR_SIZE bytes, may be NULL) receives detail text on failure. */
int tier__clv_fit(tier__clv_fit_result *out, int kind, const tier__clv_obs *obs, size_t n,
                  const tier__clv_options *opt, const tier_allocator *alloc, char *err);

/* Probability that a customer with (x, t_x, T) is still alive at T (BG/NBD or Pareto/NBD). */
int tier__clv_p_alive(double *out, int kind, const double *param, double x, double t_x, double T);

/* Conditional expected number of transactions in (T, T + t] (BG/NBD or Pareto/NBD). Finite for
 * any positive finite parameters, including the degenerate BG/NBD fits with a, b of 1e6..1e13
 * (a quadrature over the dropout probability backs up the series; docs/clv.md). */
int tier__clv_expected(double *out, int kind, const double *param, double t, double x, double t_x,
                       double T);

/* Most horizons tier__clv_expected_many() takes at once. */
#define TIER__CLV_BATCH 16

/* tier__clv_expected() at n <= TIER__CLV_BATCH horizons t[0..n-1] of one customer into out[0..n-1]
 * (each value the one tier__clv_expected gives): P(alive) and the series' coefficients are
 * computed once for all horizons. */
int tier__clv_expected_many(double *out, int kind, const double *param, const double *t, size_t n,
                            double x, double t_x, double T);

/* Gamma-Gamma conditional expected transaction value of a customer with x repeat transactions of
 * mean value m (m >= 0); for x = 0 the population mean p*gamma/(q-1). TIER_ERANGE when that
 * mean does not exist (q <= 1 with x = 0). */
int tier__clv_expected_spend(double *out, const double *gg_param, double x, double m);

/* Discounted CLV: spend * sum_{k=1..n_periods} (E(k*period) - E((k-1)*period)) / (1+rate)^k,
 * where E(t) is tier__clv_expected and spend is tier__clv_expected_spend. */
int tier__clv_discounted_value(double *out, int kind, const double *param, const double *gg_param,
                               double x, double t_x, double T, double m, double period,
                               size_t n_periods, double rate);

/* One customer's calibration/holdout summary from purchase days sorted ascending without
 * duplicates (one entry per purchase day, amounts of that day summed). Calibration holds the
 * days <= cal_end, holdout the days in (cal_end, holdout_end]. Times are day differences divided
 * by unit_days (1 = days, 7 = weeks): T = (cal_end - first)/unit. m = mean amount of the repeat
 * days in calibration (0 when x = 0); out->w = 1. *out_holdout (may be NULL) = holdout days.
 * TIER_ENOTFOUND when the first purchase is after cal_end (not in the calibration cohort),
 * TIER_EINVAL for unsorted/duplicate days, n = 0, unit_days <= 0 or holdout_end < cal_end. */
int tier__clv_summarise(tier__clv_obs *out, double *out_holdout, const int32_t *days,
                        const double *amounts, size_t n, int32_t cal_end, int32_t holdout_end,
                        double unit_days);

#endif
