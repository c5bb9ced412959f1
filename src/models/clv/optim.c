/* SPDX-License-Identifier: MIT */
/* clv numerics: the fit (BFGS in log-parameter space from several starts, numerical Hessian and
 * standard errors). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/clv/clv_numeric.h"

/* ---- fitting ------------------------------------------------------------------------------- */

typedef struct clv_problem {
    int kind;
    size_t np;
    const tier__clv_obs *rows;
    size_t n;
    double W; /* total weight: the objective is -LL / W so tolerances do not depend on size */
} clv_problem;

static int objective(const clv_problem *pb, const double *theta, double *f, double *g, int *evals)
{
    double p[TIER__CLV_MAX_PARAMS], ll, grad[TIER__CLV_MAX_PARAMS];
    size_t i;
    int rc;
    for (i = 0; i < pb->np; i++) {
        if (!(fabs(theta[i]) <= CLV_THETA_MAX))
            return TIER_ERANGE;
        p[i] = exp(theta[i]);
    }
    (*evals)++;
    rc = tier__clv_loglik_rows(&ll, g ? grad : NULL, pb->kind, p, pb->rows, pb->n);
    if (rc != TIER_OK)
        return rc;
    *f = -ll / pb->W;
    if (g)
        for (i = 0; i < pb->np; i++)
            g[i] = -grad[i] / pb->W;
    return TIER_OK;
}

static double norm_inf(const double *v, size_t n)
{
    double m = 0.0;
    size_t i;
    for (i = 0; i < n; i++)
        if (fabs(v[i]) > m)
            m = fabs(v[i]);
    return m;
}

typedef struct clv_run {
    double theta[TIER__CLV_MAX_PARAMS];
    double f;
    double gnorm;
    int iterations;
    int ok; /* a finite point was reached */
} clv_run;

/* BFGS on the inverse Hessian with an Armijo backtracking line search, from run->theta. */
static void bfgs(const clv_problem *pb, clv_run *run, const tier__clv_options *opt, int *evals)
{
    const size_t n = pb->np;
    double H[TIER__CLV_MAX_PARAMS][TIER__CLV_MAX_PARAMS], g[TIER__CLV_MAX_PARAMS];
    double d[TIER__CLV_MAX_PARAMS], tn[TIER__CLV_MAX_PARAMS], gn[TIER__CLV_MAX_PARAMS];
    double s[TIER__CLV_MAX_PARAMS], y[TIER__CLV_MAX_PARAMS], Hy[TIER__CLV_MAX_PARAMS];
    double f, fn = 0.0;
    int it, fresh = 1, scaled = 0, stall = 0;
    size_t i, j;

    run->ok = 0;
    run->iterations = 0;
    if (objective(pb, run->theta, &f, g, evals) != TIER_OK)
        return;
    run->ok = 1;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            H[i][j] = i == j ? 1.0 : 0.0;

    for (it = 0; it < opt->max_iter; it++) {
        double dg = 0.0, dmax, step = 1.0, sy = 0.0, yy = 0.0, yHy = 0.0, gnorm = norm_inf(g, n);
        int accepted = 0, ls;
        if (gnorm <= opt->gtol)
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
         * |theta| <= CLV_THETA_MAX (a likelihood that grows towards the box stops there). */
        dmax = norm_inf(d, n);
        if (dmax > 2.0) {
            for (i = 0; i < n; i++)
                d[i] *= 2.0 / dmax;
            dg *= 2.0 / dmax;
        }
        for (i = 0; i < n; i++) {
            double room = (d[i] > 0.0 ? CLV_THETA_MAX : -CLV_THETA_MAX) - run->theta[i];
            if (d[i] != 0.0 && room / d[i] < step)
                step = room / d[i];
        }
        if (!(step > 1e-10))
            break;
        for (ls = 0; ls < 40; ls++) {
            for (i = 0; i < n; i++)
                tn[i] = run->theta[i] + step * d[i];
            if (objective(pb, tn, &fn, gn, evals) == TIER_OK) {
                /* Armijo; near the optimum f changes at rounding level, so a step that keeps f
                 * within rounding and shrinks the gradient is also taken. */
                if (fn <= f + 1e-4 * step * dg ||
                    (fn <= f + 1e-13 * fabs(f) && norm_inf(gn, n) < gnorm)) {
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
    run->gnorm = norm_inf(g, n);
}

/* Hessian of the total LL with respect to the natural parameters at exp(theta): central
 * differences of the analytic log-parameter gradient. */
static int hessian_natural(const clv_problem *pb, const double *theta,
                           double H[TIER__CLV_MAX_PARAMS][TIER__CLV_MAX_PARAMS])
{
    const size_t n = pb->np;
    double p[TIER__CLV_MAX_PARAMS], g0[TIER__CLV_MAX_PARAMS], ll0,
        ht[TIER__CLV_MAX_PARAMS][TIER__CLV_MAX_PARAMS];
    double pp[TIER__CLV_MAX_PARAMS], gp[TIER__CLV_MAX_PARAMS], gm[TIER__CLV_MAX_PARAMS], llp;
    size_t i, j;
    int rc;
    for (i = 0; i < n; i++)
        p[i] = exp(theta[i]);
    rc = tier__clv_loglik_rows(&ll0, g0, pb->kind, p, pb->rows, pb->n);
    if (rc != TIER_OK)
        return rc;
    for (i = 0; i < n; i++) {
        memcpy(pp, p, sizeof pp);
        pp[i] = p[i] * exp(CLV_FD_STEP);
        rc = tier__clv_loglik_rows(&llp, gp, pb->kind, pp, pb->rows, pb->n);
        if (rc != TIER_OK)
            return rc;
        pp[i] = p[i] * exp(-CLV_FD_STEP);
        rc = tier__clv_loglik_rows(&llp, gm, pb->kind, pp, pb->rows, pb->n);
        if (rc != TIER_OK)
            return rc;
        for (j = 0; j < n; j++)
            ht[i][j] = (gp[j] - gm[j]) / (2.0 * CLV_FD_STEP);
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
static int standard_errors(double *se, double H[TIER__CLV_MAX_PARAMS][TIER__CLV_MAX_PARAMS],
                           size_t n)
{
    double L[TIER__CLV_MAX_PARAMS][TIER__CLV_MAX_PARAMS];
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
        double v[TIER__CLV_MAX_PARAMS];
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

static int cmp_count_rows(const void *pa, const void *pb)
{
    const tier__clv_obs *a = pa, *b = pb;
    int c = TIER__CMP(a->x, b->x);
    if (c == 0)
        c = TIER__CMP(a->t_x, b->t_x);
    return c ? c : TIER__CMP(a->T, b->T);
}

static int cmp_spend_rows(const void *pa, const void *pb)
{
    const tier__clv_obs *a = pa, *b = pb;
    int c = TIER__CMP(a->x, b->x);
    return c ? c : TIER__CMP(a->m, b->m);
}

static void set_err(char *err, const char *msg)
{
    if (err)
        tier__errorf(err, "%s", msg);
}

/* Starting points in natural parameters from simple moments of the data. */
static void starting_point(double *p, int kind, int k, const tier__clv_obs *rows, size_t n)
{
    double sw = 0.0, sx = 0.0, sT = 0.0, sm = 0.0, rate, Tbar, mbar;
    size_t i;
    for (i = 0; i < n; i++) {
        sw += rows[i].w;
        sx += rows[i].w * rows[i].x;
        sT += rows[i].w * rows[i].T;
        sm += rows[i].w * rows[i].m;
    }
    Tbar = sw > 0.0 && sT > 0.0 ? sT / sw : 1.0;
    rate = sx > 0.0 && sT > 0.0 ? sx / sT : 1.0;
    mbar = sw > 0.0 && sm > 0.0 ? sm / sw : 1.0;
    if (kind == TIER__CLV_GAMMA_GAMMA) {
        /* population mean p*gamma/(q-1) near the observed mean */
        double gg[3][3] = {{1.0, 1.0, 1.0}, {2.0, 3.0, mbar}, {5.0, 2.0, mbar / 5.0}};
        memcpy(p, gg[k % 3], 3 * sizeof p[0]);
        return;
    }
    if (k % 3 == 0) {
        p[0] = p[1] = p[2] = p[3] = 1.0;
    } else if (k % 3 == 1) {
        p[0] = 1.0;
        p[1] = 1.0 / rate; /* mean purchase rate r/alpha = observed rate */
        p[2] = 1.0;
        p[3] = kind == TIER__CLV_BGNBD ? 1.0 : Tbar;
    } else {
        p[0] = 0.5;
        p[1] = 0.5 / rate;
        p[2] = 0.5;
        p[3] = kind == TIER__CLV_BGNBD ? 2.0 : Tbar / 2.0;
    }
}

int tier__clv_fit(tier__clv_fit_result *out, int kind, const tier__clv_obs *obs, size_t n,
                  const tier__clv_options *opt_in, const tier_allocator *alloc, char *err)
{
    tier__clv_options opt;
    tier__clv_obs *rows;
    clv_problem pb;
    clv_run best, run;
    size_t i, m = 0, np = tier__clv_param_count(kind);
    double excluded = 0.0, W = 0.0, wrep = 0.0;
    int k, evals = 0, have_best = 0, agree = 0, starts = 0;

    if (!out || !alloc || (n && !obs) || !np) {
        set_err(err, "clv fit: invalid argument");
        return TIER_EINVAL;
    }
    if (opt_in)
        opt = *opt_in;
    else
        tier__clv_options_init(&opt);
    if (opt.max_iter <= 0 || opt.restarts < 0 || !(opt.gtol > 0.0) ||
        (opt.has_start && !tier__clv_params_ok(kind, opt.start))) {
        set_err(err, "clv fit: invalid options");
        return TIER_EINVAL;
    }
    for (i = 0; i < n; i++) {
        if (!tier__clv_row_ok(kind, &obs[i])) {
            if (err)
                tier__errorf(err, "clv fit: row %lu is invalid (x, t_x, T, m or weight)",
                             (unsigned long)i);
            return TIER_EINVAL;
        }
    }
    rows = tier__malloc_n(alloc, n, sizeof *rows);
    if (!rows) {
        set_err(err, "clv fit: out of memory");
        return TIER_ENOMEM;
    }
    /* Keep the rows the model uses, normalised so identical customers compare equal. */
    for (i = 0; i < n; i++) {
        tier__clv_obs o = obs[i];
        if (o.w == 0.0)
            continue;
        if (kind == TIER__CLV_GAMMA_GAMMA) {
            if (!(o.x > 0.0))
                continue;
            if (!(o.m > 0.0)) { /* log(0): cannot enter the Gamma-Gamma likelihood */
                excluded += o.w;
                continue;
            }
            o.t_x = o.T = 0.0;
        } else {
            if (o.x == 0.0)
                o.t_x = 0.0;
            o.m = 0.0;
        }
        rows[m++] = o;
    }
    qsort(rows, m, sizeof *rows, kind == TIER__CLV_GAMMA_GAMMA ? cmp_spend_rows : cmp_count_rows);
    if (m) { /* merge identical rows */
        size_t w = 0;
        for (i = 1; i < m; i++) {
            if (rows[i].x == rows[w].x && rows[i].t_x == rows[w].t_x && rows[i].T == rows[w].T &&
                rows[i].m == rows[w].m)
                rows[w].w += rows[i].w;
            else
                rows[++w] = rows[i];
        }
        m = w + 1;
    }
    for (i = 0; i < m; i++) {
        W += rows[i].w;
        if (rows[i].x > 0.0)
            wrep += rows[i].w;
    }
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->n_params = np;
    out->n_excluded = excluded;
    out->n_used = W;
    out->n_distinct = m;
    if (!(W > 0.0) || !isfinite(W) || !(wrep > 0.0)) {
        tier__free(alloc, rows);
        set_err(err, kind == TIER__CLV_GAMMA_GAMMA
                         ? "clv fit: no customer with repeat transactions of positive value"
                         : "clv fit: no repeat transactions, the model is not identified");
        return TIER_EINVAL;
    }
    pb.kind = kind;
    pb.np = np;
    pb.rows = rows;
    pb.n = m;
    pb.W = W;

    memset(&best, 0, sizeof best);
    for (k = 0; k <= opt.restarts && agree < 2; k++) {
        double p[TIER__CLV_MAX_PARAMS];
        if (k == 0 && opt.has_start)
            memcpy(p, opt.start, np * sizeof p[0]);
        else
            starting_point(p, kind, opt.has_start ? k - 1 : k, rows, m);
        for (i = 0; i < np; i++)
            run.theta[i] = log(p[i]);
        bfgs(&pb, &run, &opt, &evals);
        starts++;
        if (!run.ok)
            continue;
        if (have_best && run.gnorm <= opt.gtol && best.gnorm <= opt.gtol &&
            fabs(run.f - best.f) <= 1e-9 * (1.0 + fabs(best.f)))
            agree++; /* two converged starts found the same maximum: no need for more */
        if (!have_best || (run.gnorm <= opt.gtol && best.gnorm > opt.gtol) ||
            ((run.gnorm <= opt.gtol) == (best.gnorm <= opt.gtol) && run.f < best.f)) {
            best = run;
            have_best = 1;
            if (agree == 0 && best.gnorm <= opt.gtol)
                agree = 1;
        }
    }
    out->starts = starts;
    out->evaluations = evals;
    if (!have_best) {
        tier__free(alloc, rows);
        set_err(err, "clv fit: the likelihood could not be evaluated at any starting point");
        return TIER_ECONVERGE;
    }
    for (i = 0; i < np; i++)
        out->param[i] = exp(best.theta[i]);
    out->loglik = -best.f * W;
    out->grad_norm = best.gnorm;
    out->converged = best.gnorm <= opt.gtol;
    out->iterations = best.iterations;
    if (opt.want_se) {
        double H[TIER__CLV_MAX_PARAMS][TIER__CLV_MAX_PARAMS];
        if (hessian_natural(&pb, best.theta, H) == TIER_OK)
            out->se_ok = standard_errors(out->se, H, np);
        if (!out->se_ok)
            for (i = 0; i < np; i++)
                out->se[i] = 0.0;
    }
    tier__free(alloc, rows);
    if (!out->converged) {
        if (err)
            tier__errorf(err, "clv fit: no convergence (gradient norm %.3g after %d iterations)",
                         out->grad_norm, out->iterations);
        return TIER_ECONVERGE;
    }
    return TIER_OK;
}
