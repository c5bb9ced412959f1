/* SPDX-License-Identifier: MIT */
/* The shifted-beta-geometric model's numerics (models/sbg/sbg.h): the data table, the
 * log-likelihood in log space with its analytic gradient, the maximum-likelihood fit through the
 * shared optimiser (models/numeric/optim.h), and the figures of fitted parameters (survival,
 * retention, renewal probability, residual lifetime, DERL with the clv model's 2F1 series). */
#include <math.h>
#include <string.h>

#include "models/clv/clv_math.h"
#include "models/numeric/optim.h"
#include "models/sbg/sbg.h"
#include "util/internal.h"

/* ln alpha and ln beta are kept in [-SBG_THETA_MAX, SBG_THETA_MAX] (about 1e-13 .. 1e13). */
#define SBG_THETA_MAX 30.0
/* Converged when max |d(LL/N)/d ln parameter| <= SBG_GTOL. */
#define SBG_GTOL 1e-9
#define SBG_MAX_ITER 500
/* Parameters beyond this are the edge of the model (a homogeneous population, or no churn). */
#define SBG_EDGE 1e7
/* S(t) is a product up to this t, the log-gamma closed form beyond. */
#define SBG_PRODUCT_MAX 4096.0

/* ---- the table ---------------------------------------------------------------------------- */

int tier__sbg_table_new(tier__sbg_table *t, size_t k, const tier_allocator *alloc, char *err)
{
    memset(t, 0, sizeof *t);
    if (k > TIER__SBG_MAX_PERIODS) {
        tier__errorf(err, "the data reach period %lu; at most %lu periods", (unsigned long)k,
                     (unsigned long)TIER__SBG_MAX_PERIODS);
        return TIER_ERANGE;
    }
    t->lost = tier__calloc(alloc, k + 1, sizeof *t->lost);
    t->alive = t->lost ? tier__calloc(alloc, k + 1, sizeof *t->alive) : NULL;
    if (!t->alive) {
        tier__free(alloc, t->lost);
        t->lost = NULL;
        tier__errorf(err, "out of memory for a table of %lu periods", (unsigned long)k);
        return TIER_ENOMEM;
    }
    t->k = k;
    return TIER_OK;
}

void tier__sbg_table_free(tier__sbg_table *t, const tier_allocator *alloc)
{
    if (!t)
        return;
    tier__free(alloc, t->lost);
    tier__free(alloc, t->alive);
    t->lost = t->alive = NULL;
    t->k = 0;
}

int tier__sbg_check_survivors(const double *n, size_t len, size_t cohort, char *err)
{
    size_t i;
    if (len < 2 || !n) {
        tier__errorf(err,
                     "cohort %lu: %lu survivor count%s; need the customers at the start and at "
                     "least one period after it",
                     (unsigned long)cohort + 1, (unsigned long)len, len == 1 ? "" : "s");
        return TIER_EINVAL;
    }
    for (i = 0; i < len; i++) {
        if (!isfinite(n[i]) || n[i] < 0.0 || n[i] > 1e15) {
            tier__errorf(err,
                         "cohort %lu, period %lu: survivor count %g is not a number of "
                         "customers (a finite number from 0 to 1e15)",
                         (unsigned long)cohort + 1, (unsigned long)i, n[i]);
            return TIER_EINVAL;
        }
        if (i == 0 && !(n[0] > 0.0)) {
            tier__errorf(err, "cohort %lu: no customers at the start (period 0 is 0)",
                         (unsigned long)cohort + 1);
            return TIER_EINVAL;
        }
        if (i > 0 && n[i] > n[i - 1]) {
            tier__errorf(err,
                         "cohort %lu, period %lu: %g survivors after %g in period %lu; survivor "
                         "counts cannot increase",
                         (unsigned long)cohort + 1, (unsigned long)i, n[i], n[i - 1],
                         (unsigned long)i - 1);
            return TIER_EINVAL;
        }
    }
    return TIER_OK;
}

int tier__sbg_table_add_survivors(tier__sbg_table *t, const double *n, size_t len, size_t cohort,
                                  char *err)
{
    size_t i;
    int rc = tier__sbg_check_survivors(n, len, cohort, err);
    if (rc)
        return rc;
    if (len - 1 > t->k) {
        tier__errorf(err, "cohort %lu: %lu periods, the table holds %lu", (unsigned long)cohort + 1,
                     (unsigned long)len - 1, (unsigned long)t->k);
        return TIER_ERANGE;
    }
    for (i = 1; i < len; i++)
        t->lost[i] += n[i - 1] - n[i];
    t->alive[len - 1] += n[len - 1];
    return TIER_OK;
}

/* ---- the log-likelihood --------------------------------------------------------------------- */

int tier__sbg_loglik(double *out, double *grad, double alpha, double beta, const tier__sbg_table *t)
{
    double ll, ga = 0.0, gb = 0.0, ls = 0.0, sa = 0.0, sb = 0.0, la;
    size_t i;
    if (!isfinite(alpha) || !isfinite(beta) || !(alpha > 0.0) || !(beta > 0.0) || !t)
        return TIER_EINVAL;
    la = log(alpha);
    ll = 0.0; /* alive[0] adds ln S(0) = 0 */
    /* ls = ln S(i - 1); sa, sb = its derivatives by ln alpha and ln beta. */
    for (i = 1; i <= t->k; i++) {
        const double j = (double)(i - 1), bj = beta + j, q = alpha + bj;
        if (t->lost[i] != 0.0) {
            /* ln P(T = i) = ln alpha - ln(alpha + beta + i - 1) + ln S(i - 1) */
            ll += t->lost[i] * (la - log(q) + ls);
            if (grad) {
                ga += t->lost[i] * (bj / q + sa);
                gb += t->lost[i] * (-beta / q + sb);
            }
        }
        /* ln S(i) = ln S(i - 1) - ln(1 + alpha / (beta + i - 1)) */
        ls -= log1p(alpha / bj);
        if (grad) {
            sa -= alpha / q;
            sb += alpha * beta / (bj * q);
        }
        if (t->alive[i] != 0.0) {
            ll += t->alive[i] * ls;
            if (grad) {
                ga += t->alive[i] * sa;
                gb += t->alive[i] * sb;
            }
        }
    }
    if (!isfinite(ll) || (grad && (!isfinite(ga) || !isfinite(gb))))
        return TIER_ERANGE;
    *out = ll;
    if (grad) {
        grad[0] = ga;
        grad[1] = gb;
    }
    return TIER_OK;
}

/* ---- the fit -------------------------------------------------------------------------------- */

typedef struct sbg_problem {
    const tier__sbg_table *t;
    double N; /* the objective is -LL / N so that tolerances do not depend on size */
} sbg_problem;

static int objective(void *ctx, const double *theta, double *f, double *g)
{
    const sbg_problem *pb = ctx;
    double ll, grad[2];
    int rc = tier__sbg_loglik(&ll, g ? grad : NULL, exp(theta[0]), exp(theta[1]), pb->t);
    if (rc != TIER_OK)
        return rc;
    *f = -ll / pb->N;
    if (g) {
        g[0] = -grad[0] / pb->N;
        g[1] = -grad[1] / pb->N;
    }
    return TIER_OK;
}

static int loglik(void *ctx, const double *p, double *ll, double *grad)
{
    const sbg_problem *pb = ctx;
    return tier__sbg_loglik(ll, grad, p[0], p[1], pb->t);
}

/* What the data say about the model before any fit: TIER_OK, or a status with err. */
static int check_data(const tier__sbg_table *t, tier__sbg_fit *out, char *err)
{
    double N = 0.0, lost = 0.0, later = 0.0;
    size_t i, reach = 0;
    for (i = 0; i <= t->k; i++) {
        N += t->alive[i] + t->lost[i];
        lost += t->lost[i];
        if (i >= 2 && (t->alive[i] > 0.0 || t->lost[i] > 0.0))
            reach = i;
        if (i >= 1)
            later += t->alive[i] + (i >= 2 ? t->lost[i] : 0.0);
    }
    out->customers = N;
    out->churned = lost;
    out->periods = t->k;
    if (!(N > 0.0) || !isfinite(N)) {
        tier__errorf(err, "no customers");
        return TIER_EINVAL;
    }
    if (!(lost > 0.0)) {
        tier__errorf(err, "no customer churned, so retention is 1 and the likelihood has "
                          "no maximum (it grows as alpha -> 0)");
        return TIER_ECONVERGE;
    }
    if (!(later > 0.0)) {
        tier__errorf(err, "every customer churned in period 1, so the likelihood has no "
                          "maximum (it grows as beta -> 0)");
        return TIER_ECONVERGE;
    }
    if (reach < 2) {
        tier__errorf(err, "the data reach period 1 only; the model needs at least 2 "
                          "periods (3 survivor counts) to tell heterogeneity from churn");
        return TIER_EINVAL;
    }
    return TIER_OK;
}

int tier__sbg_fit_table(tier__sbg_fit *out, const tier__sbg_table *t, char *err)
{
    static const double starts[3][2] = {{1.0, 1.0}, {0.5, 3.0}, {3.0, 10.0}};
    tier__optim_problem op;
    tier__optim_run best, run;
    sbg_problem pb;
    int k, rc, have = 0, evals = 0;
    if (!out || !t || !t->lost || !t->alive)
        return TIER_EINVAL;
    memset(out, 0, sizeof *out);
    rc = check_data(t, out, err);
    if (rc == TIER_ECONVERGE) {
        /* No finite maximum: the start is the finite point reported. */
        out->alpha = out->beta = 1.0;
        if (tier__sbg_loglik(&out->loglik, NULL, 1.0, 1.0, t) != TIER_OK)
            out->loglik = -HUGE_VAL;
        out->grad_norm = HUGE_VAL;
        return rc;
    }
    if (rc)
        return rc;
    pb.t = t;
    pb.N = out->customers;
    op.n = 2;
    op.box = SBG_THETA_MAX;
    op.fn = objective;
    op.ctx = &pb;
    memset(&best, 0, sizeof best);
    for (k = 0; k < 3; k++) {
        run.theta[0] = log(starts[k][0]);
        run.theta[1] = log(starts[k][1]);
        tier__optim_bfgs(&op, &run, SBG_MAX_ITER, SBG_GTOL, &evals);
        if (!run.ok)
            continue;
        if (!have || (run.gnorm <= SBG_GTOL && best.gnorm > SBG_GTOL) ||
            ((run.gnorm <= SBG_GTOL) == (best.gnorm <= SBG_GTOL) && run.f < best.f))
            best = run;
        have = 1;
        /* The likelihood of the sBG is unimodal: the first converged start is the maximum, the
         * others are tried only when it did not converge. */
        if (best.gnorm <= SBG_GTOL)
            break;
    }
    out->evaluations = evals;
    if (!have) {
        tier__errorf(err, "the likelihood could not be evaluated at any starting point");
        out->alpha = out->beta = 1.0;
        out->grad_norm = HUGE_VAL;
        out->loglik = -HUGE_VAL;
        return TIER_ECONVERGE;
    }
    out->alpha = exp(best.theta[0]);
    out->beta = exp(best.theta[1]);
    out->loglik = -best.f * pb.N;
    out->grad_norm = best.gnorm;
    out->iterations = best.iterations;
    out->converged = best.gnorm <= SBG_GTOL;
    {
        double H[TIER__OPTIM_MAX][TIER__OPTIM_MAX], se[TIER__OPTIM_MAX];
        if (tier__optim_hessian_natural(loglik, &pb, best.theta, 2, H) == TIER_OK &&
            tier__optim_standard_errors(se, H, 2)) {
            out->se_ok = 1;
            out->se_alpha = se[0];
            out->se_beta = se[1];
        }
    }
    if (out->converged && out->alpha > SBG_EDGE && out->beta > SBG_EDGE) {
        out->converged = 0;
        tier__errorf(err,
                     "the data show no heterogeneity (retention does not rise with "
                     "tenure): the likelihood grows as alpha and beta -> infinity with "
                     "alpha / (alpha + beta) = %.4g, a geometric model with that churn "
                     "probability",
                     out->alpha / (out->alpha + out->beta));
        return TIER_ECONVERGE;
    }
    if (out->converged && (out->alpha > SBG_EDGE || out->beta > SBG_EDGE ||
                           out->alpha < 1.0 / SBG_EDGE || out->beta < 1.0 / SBG_EDGE)) {
        out->converged = 0;
        tier__errorf(err, "the maximum is at the edge of the model (alpha %.4g, beta %.4g)",
                     out->alpha, out->beta);
        return TIER_ECONVERGE;
    }
    if (!out->converged) {
        tier__errorf(err, "no convergence (gradient norm %.3g after %d iterations)", out->grad_norm,
                     out->iterations);
        return TIER_ECONVERGE;
    }
    return TIER_OK;
}

int tier__sbg_fit_survivors(tier__sbg_fit *out, const double *const *counts, const size_t *lengths,
                            size_t n_cohorts, const tier_allocator *alloc, char *err)
{
    tier__sbg_table t;
    size_t c, k = 0;
    int rc;
    if (!out || !alloc || (n_cohorts && (!counts || !lengths))) {
        tier__errorf(err, "invalid argument");
        return TIER_EINVAL;
    }
    if (!n_cohorts) {
        tier__errorf(err, "no cohort of survivor counts");
        return TIER_EINVAL;
    }
    for (c = 0; c < n_cohorts; c++) {
        if (lengths[c] > TIER__SBG_MAX_PERIODS + 1) {
            tier__errorf(err, "cohort %lu: %lu survivor counts; at most %lu periods",
                         (unsigned long)c + 1, (unsigned long)lengths[c],
                         (unsigned long)TIER__SBG_MAX_PERIODS);
            return TIER_ERANGE;
        }
        if (lengths[c] > k + 1)
            k = lengths[c] - 1;
    }
    if ((rc = tier__sbg_table_new(&t, k, alloc, err)) != TIER_OK)
        return rc;
    for (c = 0; c < n_cohorts && rc == TIER_OK; c++)
        rc = tier__sbg_table_add_survivors(&t, counts[c], lengths[c], c, err);
    if (rc == TIER_OK)
        rc = tier__sbg_fit_table(out, &t, err);
    tier__sbg_table_free(&t, alloc);
    return rc;
}

int tier__sbg_fit_cohorts(tier__sbg_fit *out, const double *renewals, const double *churned,
                          size_t n, const tier_allocator *alloc, size_t *bad, char *err)
{
    tier__sbg_table t;
    int rc;
    if (!out) {
        tier__errorf(err, "invalid argument");
        return TIER_EINVAL;
    }
    if ((rc = tier__sbg_table_customers(&t, renewals, churned, n, alloc, bad, err)) != TIER_OK)
        return rc;
    rc = tier__sbg_fit_table(out, &t, err);
    tier__sbg_table_free(&t, alloc);
    return rc;
}

int tier__sbg_table_customers(tier__sbg_table *out, const double *renewals, const double *churned,
                              size_t n, const tier_allocator *alloc, size_t *bad, char *err)
{
    tier__sbg_table t;
    size_t i, k = 1;
    int rc;
    if (!out || !alloc || (n && !renewals)) {
        tier__errorf(err, "invalid argument");
        return TIER_EINVAL;
    }
    for (i = 0; i < n; i++) {
        double r = renewals[i];
        if (isnan(r))
            continue;
        if (!(r >= 0.0) || r != floor(r) || r >= (double)TIER__SBG_MAX_PERIODS) {
            if (bad)
                *bad = i;
            tier__errorf(err,
                         "customer at index %lu: %g renewals; need a whole number from 0 to %lu "
                         "(or NaN: no contract)",
                         (unsigned long)i, r, (unsigned long)TIER__SBG_MAX_PERIODS - 1);
            return TIER_EINVAL;
        }
        if ((size_t)r + 1 > k)
            k = (size_t)r + 1;
    }
    if ((rc = tier__sbg_table_new(&t, k, alloc, err)) != TIER_OK)
        return rc;
    for (i = 0; i < n; i++) {
        size_t r;
        if (isnan(renewals[i]))
            continue;
        r = (size_t)renewals[i];
        if (churned && !isnan(churned[i]) && churned[i] != 0.0)
            t.lost[r + 1] += 1.0; /* did not renew after r renewals: T = r + 1 */
        else
            t.alive[r] += 1.0; /* still a customer after r renewals: T > r */
    }
    *out = t;
    return TIER_OK;
}

/* ---- figures -------------------------------------------------------------------------------- */

double tier__sbg_survival(double alpha, double beta, double t)
{
    double ls = 0.0, j;
    if (!(t > 0.0))
        return 1.0;
    if (t <= SBG_PRODUCT_MAX) {
        for (j = 0.0; j < t; j += 1.0)
            ls -= log1p(alpha / (beta + j));
    } else {
        /* ln B(alpha, beta + t) - ln B(alpha, beta) */
        ls = tier__clv_lgamma(beta + t) - tier__clv_lgamma(beta) -
             tier__clv_lgamma(alpha + beta + t) + tier__clv_lgamma(alpha + beta);
        if (ls > 0.0)
            ls = 0.0;
    }
    return exp(ls);
}

double tier__sbg_retention(double alpha, double beta, double t)
{
    return (beta + t - 1.0) / (alpha + beta + t - 1.0);
}

double tier__sbg_churn_probability(double alpha, double beta, double t)
{
    if (!(t >= 1.0))
        return 0.0;
    return alpha / (alpha + beta + t - 1.0) * tier__sbg_survival(alpha, beta, t - 1.0);
}

double tier__sbg_renewal_probability(double alpha, double beta, double n)
{
    return (beta + n) / (alpha + beta + n);
}

double tier__sbg_residual_lifetime(double alpha, double beta, double n)
{
    return alpha > 1.0 ? (beta + n) / (alpha - 1.0) : HUGE_VAL;
}

int tier__sbg_derl(double *out, double alpha, double beta, double n, double d)
{
    double h;
    int rc;
    if (!out || !isfinite(alpha) || !isfinite(beta) || !(alpha > 0.0) || !(beta > 0.0) ||
        !isfinite(n) || !(n >= 0.0) || !isfinite(d) || !(d > 0.0))
        return TIER_EINVAL;
    rc = tier__clv_hyp2f1(&h, 1.0, beta + n + 1.0, alpha + beta + n + 1.0, 1.0 / (1.0 + d));
    if (rc != TIER_OK)
        return TIER_ERANGE;
    *out = tier__sbg_renewal_probability(alpha, beta, n) * h;
    return isfinite(*out) ? TIER_OK : TIER_ERANGE;
}
