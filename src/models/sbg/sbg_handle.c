/* SPDX-License-Identifier: MIT */
/* The public sBG handle (tier/sbg.h) over the numerics of sbg_math.c. */
#include <math.h>
#include <string.h>

#include "models/sbg/sbg.h"
#include "util/internal.h"

struct tier_sbg {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    int fitted;
    int has_stats; /* 0 after tier_sbg_set_params() */
    tier__sbg_fit fit;
};

int tier_sbg_new(tier_sbg **out, const tier_allocator *alloc)
{
    return TIER__HANDLE_CREATE(out, tier_sbg, alloc);
}

void tier_sbg_free(tier_sbg *sbg)
{
    if (sbg)
        tier__free(&sbg->alloc, sbg);
}

const char *tier_sbg_last_error(const tier_sbg *sbg)
{
    return sbg ? sbg->err : "";
}

/* Takes a fit's result when it succeeded. */
static int take(tier_sbg *sbg, const tier__sbg_fit *f, int rc)
{
    if (rc != TIER_OK)
        return rc;
    sbg->fit = *f;
    sbg->fitted = 1;
    sbg->has_stats = 1;
    sbg->err[0] = '\0';
    return TIER_OK;
}

int tier_sbg_fit(tier_sbg *sbg, const double *const *cohorts, const size_t *lengths,
                 size_t n_cohorts)
{
    tier__sbg_fit f;
    if (!sbg)
        return TIER_EINVAL;
    return take(sbg, &f,
                tier__sbg_fit_survivors(&f, cohorts, lengths, n_cohorts, &sbg->alloc, sbg->err));
}

int tier_sbg_fit_customers(tier_sbg *sbg, const double *renewals, const double *churned, size_t n)
{
    tier__sbg_fit f;
    if (!sbg)
        return TIER_EINVAL;
    return take(sbg, &f,
                tier__sbg_fit_cohorts(&f, renewals, churned, n, &sbg->alloc, NULL, sbg->err));
}

int tier_sbg_set_params(tier_sbg *sbg, double alpha, double beta)
{
    if (!sbg)
        return TIER_EINVAL;
    if (!isfinite(alpha) || !isfinite(beta) || !(alpha > 0.0) || !(beta > 0.0)) {
        tier__errorf(sbg->err, "alpha %g and beta %g must be positive finite numbers", alpha, beta);
        return TIER_EINVAL;
    }
    memset(&sbg->fit, 0, sizeof sbg->fit);
    sbg->fit.alpha = alpha;
    sbg->fit.beta = beta;
    sbg->fitted = 1;
    sbg->has_stats = 0;
    sbg->err[0] = '\0';
    return TIER_OK;
}

/* TIER_OK when `sbg` is fitted and `out` is there. */
static int ready(const tier_sbg *sbg, const void *out)
{
    if (!sbg || !out)
        return TIER_EINVAL;
    return sbg->fitted ? TIER_OK : TIER_ESTATE;
}

int tier_sbg_params(const tier_sbg *sbg, double *alpha, double *beta)
{
    int rc = ready(sbg, sbg);
    if (rc)
        return rc;
    if (alpha)
        *alpha = sbg->fit.alpha;
    if (beta)
        *beta = sbg->fit.beta;
    return TIER_OK;
}

int tier_sbg_standard_errors(const tier_sbg *sbg, double *se_alpha, double *se_beta)
{
    int rc = ready(sbg, sbg);
    if (rc)
        return rc;
    if (!sbg->has_stats || !sbg->fit.se_ok)
        return TIER_ENOTFOUND;
    if (se_alpha)
        *se_alpha = sbg->fit.se_alpha;
    if (se_beta)
        *se_beta = sbg->fit.se_beta;
    return TIER_OK;
}

int tier_sbg_fit_stat(const tier_sbg *sbg, int stat, double *out)
{
    const tier__sbg_fit *f;
    double v;
    int rc = ready(sbg, out);
    if (rc)
        return rc;
    f = &sbg->fit;
    switch (stat) {
    case TIER_SBG_STAT_LOG_LIKELIHOOD:
        v = f->loglik;
        break;
    case TIER_SBG_STAT_ITERATIONS:
        v = f->iterations;
        break;
    case TIER_SBG_STAT_CONVERGED:
        v = f->converged;
        break;
    case TIER_SBG_STAT_GRADIENT:
        v = f->grad_norm;
        break;
    case TIER_SBG_STAT_CUSTOMERS:
        v = f->customers;
        break;
    case TIER_SBG_STAT_CHURNED:
        v = f->churned;
        break;
    case TIER_SBG_STAT_PERIODS:
        v = (double)f->periods;
        break;
    case TIER_SBG_STAT_EVALUATIONS:
        v = f->evaluations;
        break;
    default:
        return TIER_EINVAL;
    }
    *out = sbg->has_stats ? v : NAN;
    return TIER_OK;
}

/* A period or renewal count: a whole number in [lo, TIER__SBG_MAX_PERIODS]. */
static int whole_period(double t, double lo)
{
    return t >= lo && t <= (double)TIER__SBG_MAX_PERIODS && t == floor(t);
}

/* A customer's renewals so far: finite and >= 0. */
static int renewals_ok(double n)
{
    return isfinite(n) && n >= 0.0;
}

/* One of the fitted curves at x: TIER_EINVAL when x is not `valid`. */
static int curve(const tier_sbg *sbg, double x, int valid, double (*fn)(double, double, double),
                 double *out)
{
    int rc = ready(sbg, out);
    if (rc)
        return rc;
    if (!valid)
        return TIER_EINVAL;
    *out = fn(sbg->fit.alpha, sbg->fit.beta, x);
    return TIER_OK;
}

int tier_sbg_survival(const tier_sbg *sbg, double t, double *out)
{
    return curve(sbg, t, whole_period(t, 0.0), tier__sbg_survival, out);
}

int tier_sbg_retention(const tier_sbg *sbg, double t, double *out)
{
    return curve(sbg, t, whole_period(t, 1.0), tier__sbg_retention, out);
}

int tier_sbg_renewal_probability(const tier_sbg *sbg, double renewals, double *out)
{
    return curve(sbg, renewals, renewals_ok(renewals), tier__sbg_renewal_probability, out);
}

int tier_sbg_residual_lifetime(const tier_sbg *sbg, double renewals, double *out)
{
    return curve(sbg, renewals, renewals_ok(renewals), tier__sbg_residual_lifetime, out);
}

int tier_sbg_derl(const tier_sbg *sbg, double renewals, double discount_rate, double *out)
{
    double v;
    int rc = ready(sbg, out);
    if (rc)
        return rc;
    rc = tier__sbg_derl(&v, sbg->fit.alpha, sbg->fit.beta, renewals, discount_rate);
    if (rc == TIER_OK)
        *out = v;
    return rc;
}

int tier_sbg_clv(const tier_sbg *sbg, double renewals, double discount_rate, double margin,
                 double *out)
{
    double v;
    int rc = ready(sbg, out);
    if (rc)
        return rc;
    if (!isfinite(margin) || !(margin >= 0.0))
        return TIER_EINVAL;
    rc = tier__sbg_derl(&v, sbg->fit.alpha, sbg->fit.beta, renewals, discount_rate);
    if (rc == TIER_OK)
        *out = v * margin;
    return rc;
}
