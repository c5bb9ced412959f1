/* SPDX-License-Identifier: MIT */
/* What the clv model's numeric files share (special.c, likelihood.c, optim.c, predict.c): limits
 * of the series and quadratures, the Pareto/NBD cache, and the functions one file calls in
 * another. The interface to the rest of the model is clv_math.h. */
#ifndef TIER_MODELS_CLV_NUMERIC_H
#define TIER_MODELS_CLV_NUMERIC_H

#include "models/clv/clv_math.h"
#include <math.h>

#include "util/internal.h"

/* Terms a hypergeometric series may use before it is declared non-convergent (enough for
 * |z| <= 0.999 to full precision); the likelihood's own series stop sooner (z <= 0.997) so
 * that a fit wandering where z -> 1 stays cheap. */
#define CLV_SERIES_MAX 100000
#define CLV_LL_SERIES_MAX 20000
/* Terms the BG/NBD expectation's series may use before the quadrature over the dropout
 * probability takes over (degenerate fits with a, b of 1e6 and more need ~a z terms). */
#define CLV_EXPECT_SERIES_MAX 4000
/* Nodes per side of the quadratures that back up the series. */
#define CLV_QUAD_MAX 20000
/* Log-parameters are kept in [-CLV_THETA_MAX, CLV_THETA_MAX] (about 1e-13 .. 1e13). */
#define CLV_THETA_MAX 30.0
/* ln(sqrt(2 pi)). */
#define CLV_HALF_LOG_2PI 0.91893853320467274178

/* ln F(t) depends on x and t only, and a fit's rows (sorted by x) repeat the same few t_x and
 * T values for every x: a small direct-mapped cache, emptied when x changes (gen), saves most
 * series. Lives on the likelihood's stack. */
#define PNBD_CACHE_SIZE 256
typedef struct pnbd_cache {
    double key[PNBD_CACHE_SIZE];
    double val[PNBD_CACHE_SIZE][5]; /* ln F and its gradient */
    unsigned gen[PNBD_CACHE_SIZE];
    unsigned now; /* entries of another generation are empty */
} pnbd_cache;

/* log(exp(u) + exp(v)) */
static inline double tier__clv_log_add(double u, double v)
{
    if (u < v) {
        double t = u;
        u = v;
        v = t;
    }
    if (v == -HUGE_VAL)
        return u;
    return u + log1p(exp(v - u));
}

/* special.c */
int tier__clv_hyp_tail_sum(double *out, double *out_abs, double a, double b, double c, double z,
                           double t, int first, int max_terms);
double tier__clv_one_minus_exp_over(double h, double L);
int tier__clv_beta_mean_g(double *out, double a, double bp, double k, double u);
int tier__clv_pnbd_tail_integral(double *out, double rx, double al, double s, double be, double t_x,
                                 double T);

/* likelihood.c */
int tier__clv_params_ok(int kind, const double *param);
int tier__clv_count_row_ok(double x, double t_x, double T);
int tier__clv_row_ok(int kind, const tier__clv_obs *o);
int tier__clv_pnbd_bracket(double *out, double *out_first, double *grad, const double *p, double x,
                           double t_x, double T, int allow_quad, pnbd_cache *cache);
int tier__clv_loglik_rows(double *out, double *grad, int kind, const double *param,
                          const tier__clv_obs *obs, size_t n);

#endif
