/* SPDX-License-Identifier: MIT */
/* The maximum-likelihood machinery the parametric models share (clv's BG/NBD, Pareto/NBD and
 * Gamma-Gamma; sbg's shifted-beta-geometric): BFGS over log-parameters inside a box, the Hessian
 * of a log-likelihood with respect to the natural parameters by central differences of its
 * analytic log-parameter gradient, and standard errors from the observed information. The models
 * hand their likelihood in through callbacks; nothing here knows a model. */
#ifndef TIER_MODELS_NUMERIC_OPTIM_H
#define TIER_MODELS_NUMERIC_OPTIM_H

#include <stddef.h>

/* Most parameters of a problem. */
#define TIER__OPTIM_MAX 4

/* Step of the central differences in log-parameter space. */
#define TIER__OPTIM_FD_STEP 1e-5

/* The objective to minimise at log-parameters theta: *f and (g != NULL) its gradient g[0..n).
 * TIER_OK, or a status when the point cannot be evaluated (outside the box, not finite). */
typedef int (*tier__optim_fn)(void *ctx, const double *theta, double *f, double *g);

/* A log-likelihood at natural parameters p: *ll and its gradient with respect to the
 * log-parameters, grad[0..n). TIER_OK or a status. */
typedef int (*tier__optim_ll_fn)(void *ctx, const double *p, double *ll, double *grad);

typedef struct tier__optim_problem {
    size_t n;          /* parameters (1..TIER__OPTIM_MAX) */
    double box;        /* |theta[i]| is kept <= box */
    tier__optim_fn fn; /* the objective */
    void *ctx;
} tier__optim_problem;

/* One BFGS run: the start in theta on entry, the end point on return. */
typedef struct tier__optim_run {
    double theta[TIER__OPTIM_MAX];
    double f;
    double gnorm; /* max |gradient| at theta */
    int iterations;
    int ok; /* a finite point was reached */
} tier__optim_run;

/* BFGS on the inverse Hessian with an Armijo backtracking line search from run->theta, at most
 * max_iter iterations, stopping when the largest |gradient| is <= gtol (or progress stalls).
 * *evals counts the objective's evaluations. */
void tier__optim_bfgs(const tier__optim_problem *pb, tier__optim_run *run, int max_iter,
                      double gtol, int *evals);

/* Largest |v[i]|. */
double tier__optim_norm_inf(const double *v, size_t n);

/* Hessian of the log-likelihood `ll` with respect to the natural parameters at exp(theta):
 * central differences (step TIER__OPTIM_FD_STEP in log space) of the analytic log-parameter
 * gradient, symmetrised. TIER_OK or the callback's status. */
int tier__optim_hessian_natural(tier__optim_ll_fn ll, void *ctx, const double *theta, size_t n,
                                double H[TIER__OPTIM_MAX][TIER__OPTIM_MAX]);

/* Standard errors: the square roots of the diagonal of the inverse observed information (-H), by
 * Cholesky. Returns 1, or 0 (not available) unless the information is positive definite. */
int tier__optim_standard_errors(double *se, double H[TIER__OPTIM_MAX][TIER__OPTIM_MAX], size_t n);

#endif
