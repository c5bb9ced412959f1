/* SPDX-License-Identifier: MIT */
/* Shared maximum-likelihood machinery (models/numeric/optim.h): BFGS in log-parameter space, the
 * numerical Hessian and standard errors. Moved here from the clv model's optim.c so that clv and
 * sbg use one optimiser. */
#include <math.h>
#include <string.h>

#include "models/numeric/optim.h"
#include "tier.h"

static int call(const tier__optim_problem *pb, const double *theta, double *f, double *g,
                int *evals)
{
    size_t i;
    for (i = 0; i < pb->n; i++)
        if (!(fabs(theta[i]) <= pb->box))
            return TIER_ERANGE;
    (*evals)++;
    return pb->fn(pb->ctx, theta, f, g);
}

double tier__optim_norm_inf(const double *v, size_t n)
{
    double m = 0.0;
    size_t i;
    for (i = 0; i < n; i++)
        if (fabs(v[i]) > m)
            m = fabs(v[i]);
    return m;
}

void tier__optim_bfgs(const tier__optim_problem *pb, tier__optim_run *run, int max_iter,
                      double gtol, int *evals)
{
    const size_t n = pb->n;
    double H[TIER__OPTIM_MAX][TIER__OPTIM_MAX], g[TIER__OPTIM_MAX];
    double d[TIER__OPTIM_MAX], tn[TIER__OPTIM_MAX], gn[TIER__OPTIM_MAX];
    double s[TIER__OPTIM_MAX], y[TIER__OPTIM_MAX], Hy[TIER__OPTIM_MAX];
    double f, fn = 0.0;
    int it, fresh = 1, scaled = 0, stall = 0;
    size_t i, j;

    run->ok = 0;
    run->iterations = 0;
    if (call(pb, run->theta, &f, g, evals) != TIER_OK)
        return;
    run->ok = 1;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            H[i][j] = i == j ? 1.0 : 0.0;

    for (it = 0; it < max_iter; it++) {
        double dg = 0.0, dmax, step = 1.0, sy = 0.0, yy = 0.0, yHy = 0.0,
               gnorm = tier__optim_norm_inf(g, n);
        int accepted = 0, ls;
        if (gnorm <= gtol)
            break;
        for (i = 0; i < n; i++) {
            d[i] = 0.0;
            for (j = 0; j < n; j++)
                d[i] -= H[i][j] * g[j];
            dg += d[i] * g[i];
        }
        if (!(dg < 0.0)) { /* not a descent direction: restart from steepest descent */
            for (i = 0; i < n; i++) {
                for (j = 0; j < n; j++)
                    H[i][j] = i == j ? 1.0 : 0.0;
                d[i] = -g[i];
            }
            dg = 0.0;
            for (i = 0; i < n; i++)
                dg -= g[i] * g[i];
            fresh = 1;
            scaled = 0;
        }
        /* At most a factor e^2 change of any parameter per step, and never past the box
         * |theta| <= box (a likelihood that grows towards the box stops there). */
        dmax = tier__optim_norm_inf(d, n);
        if (dmax > 2.0) {
            for (i = 0; i < n; i++)
                d[i] *= 2.0 / dmax;
            dg *= 2.0 / dmax;
        }
        for (i = 0; i < n; i++) {
            double room = (d[i] > 0.0 ? pb->box : -pb->box) - run->theta[i];
            if (d[i] != 0.0 && room / d[i] < step)
                step = room / d[i];
        }
        if (!(step > 1e-10))
            break;
        for (ls = 0; ls < 40; ls++) {
            for (i = 0; i < n; i++)
                tn[i] = run->theta[i] + step * d[i];
            if (call(pb, tn, &fn, gn, evals) == TIER_OK) {
                /* Armijo; near the optimum f changes at rounding level, so a step that keeps f
                 * within rounding and shrinks the gradient is also taken. */
                if (fn <= f + 1e-4 * step * dg ||
                    (fn <= f + 1e-13 * fabs(f) && tier__optim_norm_inf(gn, n) < gnorm)) {
                    accepted = 1;
                    break;
                }
            }
            step *= 0.5;
        }
        if (!accepted) {
            if (fresh)
                break;
            for (i = 0; i < n; i++)
                for (j = 0; j < n; j++)
                    H[i][j] = i == j ? 1.0 : 0.0;
            fresh = 1;
            scaled = 0;
            continue;
        }
        for (i = 0; i < n; i++) {
            s[i] = tn[i] - run->theta[i];
            y[i] = gn[i] - g[i];
            sy += s[i] * y[i];
            yy += y[i] * y[i];
        }
        if (sy > 1e-12 * yy && yy > 0.0) {
            if (!scaled) { /* Shanno's scaling of the first approximation */
                for (i = 0; i < n; i++)
                    for (j = 0; j < n; j++)
                        H[i][j] = i == j ? sy / yy : 0.0;
                scaled = 1;
            }
            for (i = 0; i < n; i++) {
                Hy[i] = 0.0;
                for (j = 0; j < n; j++)
                    Hy[i] += H[i][j] * y[j];
            }
            for (i = 0; i < n; i++)
                yHy += y[i] * Hy[i];
            for (i = 0; i < n; i++)
                for (j = 0; j < n; j++)
                    H[i][j] +=
                        ((sy + yHy) * s[i] * s[j]) / (sy * sy) - (Hy[i] * s[j] + s[i] * Hy[j]) / sy;
            fresh = 0;
        }
        memcpy(run->theta, tn, n * sizeof tn[0]);
        memcpy(g, gn, n * sizeof g[0]);
        /* Stalled: no measurable progress for several iterations in a row. */
        stall = f - fn <= 1e-15 * (1.0 + fabs(f)) ? stall + 1 : 0;
        f = fn;
        run->iterations = it + 1;
        if (stall >= 8)
            break;
    }
    run->f = f;
    run->gnorm = tier__optim_norm_inf(g, n);
}

/* Hessian of the total LL with respect to the natural parameters at exp(theta): central
 * differences of the analytic log-parameter gradient. */
int tier__optim_hessian_natural(tier__optim_ll_fn ll, void *ctx, const double *theta, size_t n,
                                double H[TIER__OPTIM_MAX][TIER__OPTIM_MAX])
{
    double p[TIER__OPTIM_MAX], g0[TIER__OPTIM_MAX], ll0, ht[TIER__OPTIM_MAX][TIER__OPTIM_MAX];
    double pp[TIER__OPTIM_MAX], gp[TIER__OPTIM_MAX], gm[TIER__OPTIM_MAX], llp;
    size_t i, j;
    int rc;
    memset(p, 0, sizeof p);
    for (i = 0; i < n; i++)
        p[i] = exp(theta[i]);
    rc = ll(ctx, p, &ll0, g0);
    if (rc != TIER_OK)
        return rc;
    for (i = 0; i < n; i++) {
        memcpy(pp, p, sizeof pp);
        pp[i] = p[i] * exp(TIER__OPTIM_FD_STEP);
        rc = ll(ctx, pp, &llp, gp);
        if (rc != TIER_OK)
            return rc;
        pp[i] = p[i] * exp(-TIER__OPTIM_FD_STEP);
        rc = ll(ctx, pp, &llp, gm);
        if (rc != TIER_OK)
            return rc;
        for (j = 0; j < n; j++)
            ht[i][j] = (gp[j] - gm[j]) / (2.0 * TIER__OPTIM_FD_STEP);
    }
    for (i = 0; i < n; i++)
        for (j = 0; j < i; j++)
            ht[i][j] = ht[j][i] = 0.5 * (ht[i][j] + ht[j][i]);
    /* d2LL/dth_i dth_j = p_i p_j d2LL/dp_i dp_j + [i = j] p_i dLL/dp_i */
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            H[i][j] = (ht[i][j] - (i == j ? g0[i] : 0.0)) / (p[i] * p[j]);
    return TIER_OK;
}

/* Standard errors: sqrt of the diagonal of the inverse observed information (-H), by Cholesky.
 * Returns 0 (not available) unless the information is positive definite. */
int tier__optim_standard_errors(double *se, double H[TIER__OPTIM_MAX][TIER__OPTIM_MAX], size_t n)
{
    double L[TIER__OPTIM_MAX][TIER__OPTIM_MAX];
    size_t i, j, k;
    memset(L, 0, sizeof L);
    for (j = 0; j < n; j++) {
        double dsum = -H[j][j];
        for (k = 0; k < j; k++)
            dsum -= L[j][k] * L[j][k];
        if (!(dsum > 0.0) || !isfinite(dsum))
            return 0;
        L[j][j] = sqrt(dsum);
        for (i = j + 1; i < n; i++) {
            double v = -H[i][j];
            for (k = 0; k < j; k++)
                v -= L[i][k] * L[j][k];
            L[i][j] = v / L[j][j];
        }
    }
    /* (L L^T)^-1 = L^-T L^-1, so its i-th diagonal entry is the squared norm of column i of
     * L^-1, found by forward substitution on e_i. */
    for (i = 0; i < n; i++) {
        double v[TIER__OPTIM_MAX];
        se[i] = 0.0;
        for (j = 0; j < n; j++) {
            double t = (i == j) ? 1.0 : 0.0;
            for (k = 0; k < j; k++)
                t -= L[j][k] * v[k];
            v[j] = t / L[j][j];
            se[i] += v[j] * v[j];
        }
    }
    for (i = 0; i < n; i++) {
        if (!isfinite(se[i]) || !(se[i] > 0.0))
            return 0;
        se[i] = sqrt(se[i]);
    }
    return 1;
}
