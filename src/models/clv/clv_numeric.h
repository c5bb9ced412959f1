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
int tier__clv_beta_mean_g_moments(double *out, double a, double bp, double k, double u);
int tier__clv_pnbd_tail_integral(double *out, double rx, double al, double s, double be, double t_x,
                                 double T);

/* likelihood.c */
int tier__clv_params_ok(int kind, const double *param);
int tier__clv_count_row_ok(double x, double t_x, double T);
int tier__clv_row_ok(int kind, const tier__clv_obs *o);
int tier__clv_pnbd_bracket(double *out, double *out_first, double *grad, const double *p, double x,
                           double t_x, double T, int allow_quad, pnbd_cache *cache);
/* The sums of a fit go through ordered buckets, so that they do not depend on how the rows are
 * split over parts (docs/clv.md, "The fit"): every distinct row (normalised and merged as
 * tier__clv_fit_rows gives it) belongs to bucket tier__clv_bucket(row) of TIER__CLV_BUCKETS;
 * within a bucket the rows' weighted terms are added in plain doubles in the rows' canonical
 * order, and a total is the sum of the bucket partials in bucket order. A part that holds every
 * row of its buckets computes the very partials one process computes for them. */
#define TIER__CLV_BUCKETS 256
#define TIER__CLV_SUMS (1 + TIER__CLV_MAX_PARAMS)
/* The bucket of a normalised row: a fixed hash of the bits of x, t_x, T and m (zeros as +0). */
unsigned tier__clv_bucket(const tier__clv_obs *o);
/* The buckets of rows[0..n) into a new array *out (freed by the caller with alloc): TIER_OK or
 * TIER_ENOMEM. */
int tier__clv_buckets(unsigned char **out, const tier__clv_obs *rows, size_t n,
                      const tier_allocator *alloc);
/* The sum over buckets in bucket order of k values a bucket: tot[j] = sum of s[b * k + j]. */
void tier__clv_bucket_totals(double *tot, const double *s, size_t k);

/* A log-likelihood's bucket partials: s[b][0] the LL, s[b][1 + i] its derivative by natural
 * parameter i (with the gradient). */
typedef struct tier__clv_sums {
    double s[TIER__CLV_BUCKETS][TIER__CLV_SUMS];
} tier__clv_sums;
/* Adds the rows' weighted terms at natural parameters `param` (rows validated, in canonical
 * order; row i in bucket[i], or every row in bucket 0 when bucket is NULL) into acc (zeroed by
 * the caller): TIER_OK, TIER_ERANGE (a term not finite) or TIER_EINVAL. */
int tier__clv_loglik_sums(tier__clv_sums *acc, int want_grad, int kind, const double *param,
                          const tier__clv_obs *obs, const unsigned char *bucket, size_t n);
/* The log-likelihood and (grad != NULL) its log-parameter gradient from the totals tot[] (the LL
 * and its derivatives by the natural parameters p): TIER_OK, TIER_ERANGE (not finite) or
 * TIER_EINVAL (kind). */
int tier__clv_sums_result(double *out, double *grad, const double *tot, int kind, const double *p);
int tier__clv_loglik_rows(double *out, double *grad, int kind, const double *param,
                          const tier__clv_obs *obs, size_t n);

/* optim.c: the sums of a fit's rows besides the likelihood, by bucket as the likelihood's: the
 * weight, the weight of the rows with x > 0, and w x, w T, w m (the starting points' moments). */
enum {
    TIER__CLV_MO_W,
    TIER__CLV_MO_WREP,
    TIER__CLV_MO_WX,
    TIER__CLV_MO_WT,
    TIER__CLV_MO_WM,
    TIER__CLV_MO_COUNT
};
typedef struct tier__clv_moments {
    double s[TIER__CLV_BUCKETS][TIER__CLV_MO_COUNT];
} tier__clv_moments;
/* Adds the rows (validated; buckets as tier__clv_loglik_sums) into mo (zeroed by the caller). */
void tier__clv_moments_add(tier__clv_moments *mo, const tier__clv_obs *rows,
                           const unsigned char *bucket, size_t n);

/* The rows a fit of `kind` reads from obs[0..n): validated, the unused ones dropped (weight 0;
 * for Gamma-Gamma x = 0, and m <= 0, whose weight goes to *excluded), normalised, sorted and the
 * identical ones merged (weights added): *out, *m of them, and their buckets *bucket (both freed
 * by the caller with alloc). TIER_OK, TIER_EINVAL (a bad row, named in err) or TIER_ENOMEM. A
 * part of a distributed fit prepares its own rows so. */
int tier__clv_fit_rows(tier__clv_obs **out, unsigned char **bucket, size_t *m, double *excluded,
                       int kind, const tier__clv_obs *obs, size_t n, const tier_allocator *alloc,
                       char *err);

/* The totals (tier__clv_bucket_totals of the bucket partials) of the likelihood of `kind` at
 * natural parameters p (with the gradient when want_grad) over the rows of the fit into
 * tot[TIER__CLV_SUMS]: TIER_OK or a status (the point cannot be evaluated). A single process sums
 * its rows; a distributed driver the parts' partials. */
typedef int (*tier__clv_sums_fn)(void *ctx, int kind, const double *p, int want_grad, double *tot);

/* The fit of tier__clv_fit() from its rows' moment totals mo[TIER__CLV_MO_COUNT], excluded
 * weight and distinct rows, with the likelihood from fn: the same evaluations in the same order,
 * so the same result, bit for bit, as tier__clv_fit() on the rows whose totals fn gives. */
int tier__clv_fit_sums(tier__clv_fit_result *out, int kind, const double *mo, double excluded,
                       size_t n_distinct, tier__clv_sums_fn fn, void *ctx,
                       const tier__clv_options *opt, char *err);

#endif
