/* SPDX-License-Identifier: MIT */
/* Numerical core of the clv model (see clv_math.h and docs/clv.md). Every likelihood is summed
 * in log space; the two terms of each customer's likelihood are combined with log-sum-exp so
 * that neither large counts nor long histories overflow or underflow. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clv_math.h"
#include "internal.h"

/* Terms a hypergeometric series may use before it is declared non-convergent (enough for
 * |z| <= 0.999 to full precision); the likelihood's own series stop sooner (z <= 0.997) so
 * that a fit wandering where z -> 1 stays cheap. */
#define CLV_SERIES_MAX 100000
#define CLV_LL_SERIES_MAX 20000
/* Log-parameters are kept in [-CLV_THETA_MAX, CLV_THETA_MAX] (about 1e-13 .. 1e13). */
#define CLV_THETA_MAX 30.0
/* Step of the central differences in log-parameter space. */
#define CLV_FD_STEP 1e-5
#define CLV_HESS_STEP 1e-4

static const double clv_half_log_2pi = 0.91893853320467274178;

void tier__clv_options_init(tier__clv_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->max_iter = 500;
    opt->restarts = 2;
    opt->gtol = 1e-7;
    opt->want_se = 1;
}

size_t tier__clv_param_count(int kind)
{
    switch (kind) {
    case TIER__CLV_BGNBD:
    case TIER__CLV_PARETO_NBD:
        return 4;
    case TIER__CLV_GAMMA_GAMMA:
        return 3;
    default:
        return 0;
    }
}

/* ---- special functions ------------------------------------------------------------------- */

double tier__clv_lgamma(double x)
{
    double prod = 1.0, z = x, z2, series;
    if (!(x > 0.0))
        return HUGE_VAL;
    /* Shift to z >= 10 where Stirling's series with seven terms is accurate to ~1e-16. */
    while (z < 10.0) {
        prod *= z;
        z += 1.0;
    }
    z2 = 1.0 / (z * z);
    series = (1.0 / 12.0 -
              z2 * (1.0 / 360.0 -
                    z2 * (1.0 / 1260.0 -
                          z2 * (1.0 / 1680.0 -
                                z2 * (1.0 / 1188.0 - z2 * (691.0 / 360360.0 - z2 / 156.0)))))) /
             z;
    return (z - 0.5) * log(z) - z + clv_half_log_2pi + series - (prod != 1.0 ? log(prod) : 0.0);
}

double tier__clv_digamma(double x)
{
    double acc = 0.0, z2;
    if (!(x > 0.0))
        return -HUGE_VAL;
    while (x < 10.0) {
        acc -= 1.0 / x;
        x += 1.0;
    }
    z2 = 1.0 / (x * x);
    return acc + log(x) - 0.5 / x -
           z2 * (1.0 / 12.0 -
                 z2 * (1.0 / 120.0 -
                       z2 * (1.0 / 252.0 -
                             z2 * (1.0 / 240.0 - z2 * (1.0 / 132.0 - z2 * (691.0 / 32760.0))))));
}

/* Upper bound of the ratio of later terms of a 2F1 series: each factor (a+n)/(n+1) and
 * (b+n)/(c+n) is monotone in n once a+n, b+n, c+n > 0, so it never exceeds max(now, 1). */
static double series_ratio_bound(double a, double b, double c, double n, double az)
{
    double f1 = (a + n) / (n + 1.0), f2 = (b + n) / (c + n);
    return az * (f1 > 1.0 ? f1 : 1.0) * (f2 > 1.0 ? f2 : 1.0);
}

/* sum_{n>=first} of the 2F1(a,b;c;z) terms, starting from term `t` (the term of index `first`),
 * with a rigorous geometric bound on the tail as the stopping rule. */
static int hyp_tail_sum(double *out, double a, double b, double c, double z, double t, int first)
{
    double sum = t, az = fabs(z);
    int n;
    for (n = first; n < CLV_SERIES_MAX; n++) {
        double dn = (double)n, num = (a + dn) * (b + dn), bound;
        if (t == 0.0 || num == 0.0) { /* polynomial: the series ended */
            *out = sum;
            return TIER_OK;
        }
        t *= num / ((c + dn) * (dn + 1.0)) * z;
        sum += t;
        if (!isfinite(sum))
            return TIER_ERANGE;
        if (a + dn > 0.0 && b + dn > 0.0 && c + dn > 0.0) {
            bound = series_ratio_bound(a, b, c, dn + 1.0, az);
            if (bound < 1.0 && fabs(t) * bound <= 1e-17 * (1.0 - bound) * fabs(sum)) {
                *out = sum;
                return TIER_OK;
            }
        }
    }
    return TIER_ECONVERGE;
}

int tier__clv_hyp2f1(double *out, double a, double b, double c, double z)
{
    double s;
    int rc;
    if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(z) || !(z < 1.0))
        return TIER_ERANGE;
    if (c <= 0.0 && c == floor(c))
        return TIER_ERANGE;
    if (z < 0.0) {
        /* Pfaff: 2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1)), argument in (0, 1). */
        double w = z / (z - 1.0);
        rc = hyp_tail_sum(&s, a, c - b, c, w, 1.0, 0);
        if (rc != TIER_OK)
            return rc;
        s *= exp(-a * log1p(-z));
    } else {
        rc = hyp_tail_sum(&s, a, b, c, z, 1.0, 0);
        if (rc != TIER_OK)
            return rc;
    }
    if (!isfinite(s))
        return TIER_ERANGE;
    *out = s;
    return TIER_OK;
}

/* ln 2F1(1, b; c; z) for 0 <= z < 1 and 0 < b < c: positive terms whose ratios (b+n)/(c+n) z
 * stay below z, so the tail after a term t is at most t z / (1 - z). */
static int log_hyp_1bc(double *out, double b, double c, double z)
{
    double sum = 1.0, t = 1.0;
    int n;
    for (n = 0; n < CLV_LL_SERIES_MAX; n++) {
        t *= (b + n) / (c + n) * z;
        sum += t;
        if (t * z <= 1e-17 * (1.0 - z) * sum) {
            *out = log(sum);
            return TIER_OK;
        }
    }
    return TIER_ECONVERGE;
}

/* log(exp(u) + exp(v)) */
static double log_add(double u, double v)
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

/* (1 - exp(h L)) / h, continuous at h = 0 (value -L). */
static double one_minus_exp_over(double h, double L)
{
    double hl = h * L;
    if (fabs(hl) < 1e-5)
        return -L * (1.0 + hl / 2.0 + hl * hl / 6.0);
    return -expm1(hl) / h;
}

/* ---- validation ---------------------------------------------------------------------------- */

static int params_ok(int kind, const double *param)
{
    size_t i, np = tier__clv_param_count(kind);
    if (!np || !param)
        return 0;
    for (i = 0; i < np; i++)
        if (!isfinite(param[i]) || !(param[i] > 0.0))
            return 0;
    return 1;
}

static int count_row_ok(double x, double t_x, double T)
{
    if (!isfinite(x) || !isfinite(t_x) || !isfinite(T) || x < 0.0 || x != floor(x))
        return 0;
    if (T < 0.0)
        return 0;
    if (x > 0.0 && (t_x < 0.0 || t_x > T))
        return 0;
    return 1;
}

static int row_ok(int kind, const tier__clv_obs *o)
{
    if (!isfinite(o->w) || o->w < 0.0)
        return 0;
    if (kind == TIER__CLV_GAMMA_GAMMA)
        return isfinite(o->x) && o->x >= 0.0 && !isnan(o->m) && o->m < HUGE_VAL;
    return count_row_ok(o->x, o->t_x, o->T);
}

/* ---- BG/NBD -------------------------------------------------------------------------------- */

static int bgnbd_ll(double *out, double *grad, const double *p, const tier__clv_obs *obs, size_t n)
{
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    const double lal = log(al), la = log(a);
    const double lg_r = tier__clv_lgamma(r), lg_ab = tier__clv_lgamma(a + b),
                 lg_b = tier__clv_lgamma(b);
    const double dg_r = grad ? tier__clv_digamma(r) : 0.0,
                 dg_ab = grad ? tier__clv_digamma(a + b) : 0.0,
                 dg_b = grad ? tier__clv_digamma(b) : 0.0;
    double ll = 0.0, gr = 0.0, gal = 0.0, ga = 0.0, gb = 0.0;
    double prev_x = -1.0, cx = 0.0, k2 = 0.0, lbx = 0.0, d_r = 0.0, d_ab = 0.0, d_b = 0.0;
    size_t i;

    for (i = 0; i < n; i++) {
        const tier__clv_obs *o = &obs[i];
        double x = o->x, rx, lT, lt = 0.0, u1, u2, lse, w2 = 0.0, e;
        if (o->w == 0.0)
            continue;
        if (x != prev_x) {
            /* Terms that depend on x only: computed once per run of equal x. */
            prev_x = x;
            cx = tier__clv_lgamma(r + x) - lg_r + r * lal + lg_ab - tier__clv_lgamma(a + b + x) -
                 lg_b + tier__clv_lgamma(b + x);
            if (x > 0.0) {
                lbx = log(b + x - 1.0);
                k2 = la - lbx;
            }
            if (grad) {
                d_r = tier__clv_digamma(r + x) - dg_r + lal;
                d_ab = dg_ab - tier__clv_digamma(a + b + x);
                d_b = tier__clv_digamma(b + x) - dg_b;
            }
        }
        rx = r + x;
        lT = log(al + o->T);
        u1 = -rx * lT;
        if (x > 0.0) {
            lt = log(al + o->t_x);
            u2 = k2 - rx * lt;
            if (u1 >= u2) {
                e = exp(u2 - u1);
                lse = u1 + log1p(e);
                w2 = e / (1.0 + e);
            } else {
                e = exp(u1 - u2);
                lse = u2 + log1p(e);
                w2 = 1.0 / (1.0 + e);
            }
        } else {
            lse = u1;
        }
        ll += o->w * (cx + lse);
        if (grad) {
            double w1 = 1.0 - w2;
            gr += o->w * (d_r - w1 * lT - w2 * lt);
            gal += o->w * (r / al - rx * (w1 / (al + o->T) + (x > 0.0 ? w2 / (al + o->t_x) : 0.0)));
            ga += o->w * (d_ab + w2 / a);
            gb += o->w * (d_ab + d_b - (x > 0.0 ? w2 / (b + x - 1.0) : 0.0));
        }
    }
    if (!isfinite(ll))
        return TIER_ERANGE;
    *out = ll;
    if (grad) {
        grad[0] = gr * r;
        grad[1] = gal * al;
        grad[2] = ga * a;
        grad[3] = gb * b;
        if (!isfinite(grad[0]) || !isfinite(grad[1]) || !isfinite(grad[2]) || !isfinite(grad[3]))
            return TIER_ERANGE;
    }
    return TIER_OK;
}

/* ---- Pareto/NBD ---------------------------------------------------------------------------- */

/* ln of the bracket of the Pareto/NBD likelihood,
 *   L' = (a+T)^-(r+x) (b+T)^-s + s/(r+s+x) * A0,
 * and ln of its first term (the "alive at T" part): P(alive) = exp(*out_first - *out). A0 is
 * F(t_x) - F(T) with F(t) = 2F1(r+s+x, .; r+s+x+1; z(t)) / (max(a,b)+t)^(r+s+x); Euler's
 * transformation turns each 2F1 into 2F1(1, b'; r+s+x+1; z) with positive, shrinking terms. */
static int pnbd_bracket(double *out, double *out_first, const double *p, double x, double t_x,
                        double T)
{
    const double r = p[0], al = p[1], s = p[2], be = p[3];
    const double A = r + s + x, rx = r + x;
    double first, lFx, lFT, lSx, lST, d;
    int rc;

    if (x == 0.0)
        t_x = 0.0;
    first = -rx * log(al + T) - s * log(be + T);
    if (al >= be) {
        rc = log_hyp_1bc(&lSx, rx, A + 1.0, (al - be) / (al + t_x));
        if (rc == TIER_OK)
            rc = log_hyp_1bc(&lST, rx, A + 1.0, (al - be) / (al + T));
        if (rc != TIER_OK)
            return TIER_ERANGE;
        lFx = -rx * log(al + t_x) - s * log(be + t_x) + lSx;
        lFT = first + lST;
    } else {
        rc = log_hyp_1bc(&lSx, s + 1.0, A + 1.0, (be - al) / (be + t_x));
        if (rc == TIER_OK)
            rc = log_hyp_1bc(&lST, s + 1.0, A + 1.0, (be - al) / (be + T));
        if (rc != TIER_OK)
            return TIER_ERANGE;
        lFx = (1.0 - rx) * log(al + t_x) - (s + 1.0) * log(be + t_x) + lSx;
        lFT = (1.0 - rx) * log(al + T) - (s + 1.0) * log(be + T) + lST;
    }
    d = lFT - lFx; /* <= 0: F decreases in t; rounding may give d >= 0 when t_x is T */
    if (d < 0.0)
        *out = log_add(first, log(s / A) + lFx + log(-expm1(d)));
    else
        *out = first;
    *out_first = first;
    if (!isfinite(*out))
        return TIER_ERANGE;
    return TIER_OK;
}

static int pnbd_ll_value(double *out, const double *p, const tier__clv_obs *obs, size_t n)
{
    const double r = p[0], al = p[1], s = p[2], be = p[3];
    const double base = -tier__clv_lgamma(r) + r * log(al) + s * log(be);
    double ll = 0.0, prev_x = -1.0, lgx = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        double br, first;
        int rc;
        if (obs[i].w == 0.0)
            continue;
        if (obs[i].x != prev_x) {
            prev_x = obs[i].x;
            lgx = tier__clv_lgamma(r + prev_x);
        }
        rc = pnbd_bracket(&br, &first, p, obs[i].x, obs[i].t_x, obs[i].T);
        if (rc != TIER_OK)
            return rc;
        ll += obs[i].w * (lgx + base + br);
    }
    if (!isfinite(ll))
        return TIER_ERANGE;
    *out = ll;
    return TIER_OK;
}

/* ---- Gamma-Gamma --------------------------------------------------------------------------- */

static int gg_ll(double *out, double *grad, const double *pr, const tier__clv_obs *obs, size_t n)
{
    const double p = pr[0], q = pr[1], g = pr[2];
    const double lgq = tier__clv_lgamma(q), lg = log(g), dgq = grad ? tier__clv_digamma(q) : 0.0;
    double ll = 0.0, gp = 0.0, gq = 0.0, gg = 0.0;
    double prev_x = -1.0, cx = 0.0, lx = 0.0, px = 0.0, d_p = 0.0, d_q = 0.0;
    size_t i;
    for (i = 0; i < n; i++) {
        const tier__clv_obs *o = &obs[i];
        double x = o->x, lm, lgm;
        if (o->w == 0.0 || !(x > 0.0) || !(o->m > 0.0))
            continue;
        if (x != prev_x) {
            prev_x = x;
            px = p * x;
            lx = log(x);
            cx = tier__clv_lgamma(px + q) - tier__clv_lgamma(px) - lgq + q * lg + px * lx;
            if (grad) {
                double dpq = tier__clv_digamma(px + q);
                d_p = dpq - tier__clv_digamma(px);
                d_q = dpq - dgq;
            }
        }
        lm = log(o->m);
        lgm = log(g + x * o->m);
        ll += o->w * (cx + (px - 1.0) * lm - (px + q) * lgm);
        if (grad) {
            gp += o->w * x * (d_p + lm + lx - lgm);
            gq += o->w * (d_q + lg - lgm);
            gg += o->w * (q / g - (px + q) / (g + x * o->m));
        }
    }
    if (!isfinite(ll))
        return TIER_ERANGE;
    *out = ll;
    if (grad) {
        grad[0] = gp * p;
        grad[1] = gq * q;
        grad[2] = gg * g;
        if (!isfinite(grad[0]) || !isfinite(grad[1]) || !isfinite(grad[2]))
            return TIER_ERANGE;
    }
    return TIER_OK;
}

/* ---- likelihood dispatch ------------------------------------------------------------------- */

/* Value and log-parameter gradient; rows already validated. */
static int loglik_rows(double *out, double *grad, int kind, const double *param,
                       const tier__clv_obs *obs, size_t n)
{
    switch (kind) {
    case TIER__CLV_BGNBD:
        return bgnbd_ll(out, grad, param, obs, n);
    case TIER__CLV_GAMMA_GAMMA:
        return gg_ll(out, grad, param, obs, n);
    case TIER__CLV_PARETO_NBD: {
        double ll;
        int rc = pnbd_ll_value(&ll, param, obs, n), i;
        if (rc != TIER_OK)
            return rc;
        if (grad) {
            /* Central differences in log-parameter space (step CLV_FD_STEP). */
            for (i = 0; i < 4; i++) {
                double pp[4], lp, lm;
                memcpy(pp, param, sizeof pp);
                pp[i] = param[i] * exp(CLV_FD_STEP);
                rc = pnbd_ll_value(&lp, pp, obs, n);
                if (rc != TIER_OK)
                    return rc;
                pp[i] = param[i] * exp(-CLV_FD_STEP);
                rc = pnbd_ll_value(&lm, pp, obs, n);
                if (rc != TIER_OK)
                    return rc;
                grad[i] = (lp - lm) / (2.0 * CLV_FD_STEP);
            }
        }
        *out = ll;
        return TIER_OK;
    }
    default:
        return TIER_EINVAL;
    }
}

int tier__clv_loglik(double *out, double *grad, int kind, const double *param,
                     const tier__clv_obs *obs, size_t n)
{
    size_t i;
    if (!out || !params_ok(kind, param) || (n && !obs))
        return TIER_EINVAL;
    for (i = 0; i < n; i++)
        if (!row_ok(kind, &obs[i]))
            return TIER_EINVAL;
    return loglik_rows(out, grad, kind, param, obs, n);
}

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
    rc = loglik_rows(&ll, g ? grad : NULL, pb->kind, p, pb->rows, pb->n);
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
 * differences of the analytic gradient, or second differences of LL for Pareto/NBD. */
static int hessian_natural(const clv_problem *pb, const double *theta,
                           double H[TIER__CLV_MAX_PARAMS][TIER__CLV_MAX_PARAMS])
{
    const size_t n = pb->np;
    double p[TIER__CLV_MAX_PARAMS], g0[TIER__CLV_MAX_PARAMS], ll0,
        ht[TIER__CLV_MAX_PARAMS][TIER__CLV_MAX_PARAMS];
    double pp[TIER__CLV_MAX_PARAMS];
    size_t i, j;
    int rc;
    for (i = 0; i < n; i++)
        p[i] = exp(theta[i]);
    if (pb->kind != TIER__CLV_PARETO_NBD) {
        double gp[TIER__CLV_MAX_PARAMS], gm[TIER__CLV_MAX_PARAMS], llp;
        rc = loglik_rows(&ll0, g0, pb->kind, p, pb->rows, pb->n);
        if (rc != TIER_OK)
            return rc;
        for (i = 0; i < n; i++) {
            memcpy(pp, p, sizeof pp);
            pp[i] = p[i] * exp(CLV_FD_STEP);
            rc = loglik_rows(&llp, gp, pb->kind, pp, pb->rows, pb->n);
            if (rc != TIER_OK)
                return rc;
            pp[i] = p[i] * exp(-CLV_FD_STEP);
            rc = loglik_rows(&llp, gm, pb->kind, pp, pb->rows, pb->n);
            if (rc != TIER_OK)
                return rc;
            for (j = 0; j < n; j++)
                ht[i][j] = (gp[j] - gm[j]) / (2.0 * CLV_FD_STEP);
        }
        for (i = 0; i < n; i++)
            for (j = 0; j < i; j++)
                ht[i][j] = ht[j][i] = 0.5 * (ht[i][j] + ht[j][i]);
    } else {
        const double h = CLV_HESS_STEP;
        double fpp, fpm, fmp, fmm, fp, fm;
        rc = pnbd_ll_value(&ll0, p, pb->rows, pb->n);
        if (rc != TIER_OK)
            return rc;
        for (i = 0; i < n; i++) {
            memcpy(pp, p, sizeof pp);
            pp[i] = p[i] * exp(h);
            rc = pnbd_ll_value(&fp, pp, pb->rows, pb->n);
            pp[i] = p[i] * exp(-h);
            if (rc == TIER_OK)
                rc = pnbd_ll_value(&fm, pp, pb->rows, pb->n);
            if (rc != TIER_OK)
                return rc;
            ht[i][i] = (fp - 2.0 * ll0 + fm) / (h * h);
            g0[i] = (fp - fm) / (2.0 * h);
            for (j = 0; j < i; j++) {
                double sgn[4][2] = {{1, 1}, {1, -1}, {-1, 1}, {-1, -1}}, v[4];
                int k;
                for (k = 0; k < 4; k++) {
                    memcpy(pp, p, sizeof pp);
                    pp[i] = p[i] * exp(sgn[k][0] * h);
                    pp[j] = p[j] * exp(sgn[k][1] * h);
                    rc = pnbd_ll_value(&v[k], pp, pb->rows, pb->n);
                    if (rc != TIER_OK)
                        return rc;
                }
                fpp = v[0];
                fpm = v[1];
                fmp = v[2];
                fmm = v[3];
                ht[i][j] = ht[j][i] = (fpp - fpm - fmp + fmm) / (4.0 * h * h);
            }
        }
    }
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
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->t_x != b->t_x)
        return a->t_x < b->t_x ? -1 : 1;
    if (a->T != b->T)
        return a->T < b->T ? -1 : 1;
    return 0;
}

static int cmp_spend_rows(const void *pa, const void *pb)
{
    const tier__clv_obs *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->m != b->m)
        return a->m < b->m ? -1 : 1;
    return 0;
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
        (opt.has_start && !params_ok(kind, opt.start))) {
        set_err(err, "clv fit: invalid options");
        return TIER_EINVAL;
    }
    for (i = 0; i < n; i++) {
        if (!row_ok(kind, &obs[i])) {
            if (err)
                tier__errorf(err, "clv fit: row %lu is invalid (x, t_x, T, m or weight)",
                             (unsigned long)i);
            return TIER_EINVAL;
        }
    }
    rows = tier__malloc(alloc, (n ? n : 1) * sizeof *rows);
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

/* ---- predictions --------------------------------------------------------------------------- */

int tier__clv_p_alive(double *out, int kind, const double *param, double x, double t_x, double T)
{
    double lr;
    if (!out || (kind != TIER__CLV_BGNBD && kind != TIER__CLV_PARETO_NBD) ||
        !params_ok(kind, param) || !count_row_ok(x, t_x, T))
        return TIER_EINVAL;
    if (kind == TIER__CLV_BGNBD) {
        const double r = param[0], al = param[1], a = param[2], b = param[3];
        if (x == 0.0) {
            *out = 1.0;
            return TIER_OK;
        }
        /* 1 / (1 + a/(b+x-1) ((al+T)/(al+t_x))^(r+x)), as a logistic of lr */
        lr = log(a / (b + x - 1.0)) + (r + x) * (log(al + T) - log(al + t_x));
    } else {
        double br, first;
        int rc = pnbd_bracket(&br, &first, param, x, t_x, T);
        if (rc != TIER_OK)
            return rc;
        if (!(first < br)) {
            *out = 1.0;
            return TIER_OK;
        }
        lr = br - first + log(-expm1(first - br)); /* ln((L' - first) / first) */
    }
    *out = lr > 0.0 ? exp(-lr) / (1.0 + exp(-lr)) : 1.0 / (1.0 + exp(lr));
    return TIER_OK;
}

int tier__clv_expected(double *out, int kind, const double *param, double t, double x, double t_x,
                       double T)
{
    double pa;
    int rc;
    if (!out || !isfinite(t) || t < 0.0)
        return TIER_EINVAL;
    rc = tier__clv_p_alive(&pa, kind, param, x, t_x, T);
    if (rc != TIER_OK)
        return rc;
    if (t == 0.0) {
        *out = 0.0;
        return TIER_OK;
    }
    if (kind == TIER__CLV_BGNBD) {
        /* FHL (2005) eq. 10 with Euler's transformation:
         * ((al+T)/(al+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1) 2F1(A, a-1; C; z),
         * A = a+b-1-r, C = a+b+x-1, z = t/(al+T+t). Writing 2F1 = 1 + (a-1) S / C removes the
         * 1/(a-1) and 1/C singularities:
         * E = [C (1 - (1-z)^(a-1))/(a-1) - (1-z)^(a-1) S] * P(alive)-ratio. */
        const double r = param[0], al = param[1], a = param[2], b = param[3];
        const double A = a + b - 1.0 - r, C = a + b + x - 1.0;
        const double z = t / (al + T + t), L = log((al + T) / (al + T + t));
        double S, lr, denom, e;
        /* S = sum_{n>=1} (A)_n (a)_{n-1} / ((C+1)_{n-1} n!) z^n: a 2F1-type series whose
         * ratios are (A+n)(a+n-1)/((C+n)(n+1)) z, starting at A z. */
        rc = hyp_tail_sum(&S, A, a - 1.0, C, z, A * z, 1);
        if (rc != TIER_OK)
            return TIER_ERANGE;
        e = C * one_minus_exp_over(a - 1.0, L) - exp((a - 1.0) * L) * S;
        denom = 1.0;
        if (x > 0.0) {
            lr = log(a / (b + x - 1.0)) + (r + x) * (log(al + T) - log(al + t_x));
            denom = lr > 700.0 ? HUGE_VAL : 1.0 + exp(lr);
        }
        *out = e / denom;
    } else {
        const double r = param[0], al = param[1], s = param[2], be = param[3];
        const double L = log((be + T) / (be + T + t));
        *out = (r + x) * (be + T) / (al + T) * one_minus_exp_over(s - 1.0, L) * pa;
    }
    if (!isfinite(*out))
        return TIER_ERANGE;
    if (*out < 0.0) /* rounding when t is tiny */
        *out = 0.0;
    return TIER_OK;
}

int tier__clv_expected_spend(double *out, const double *gg_param, double x, double m)
{
    double p, q, g, den;
    if (!out || !params_ok(TIER__CLV_GAMMA_GAMMA, gg_param) || !isfinite(x) || x < 0.0 ||
        !isfinite(m) || m < 0.0)
        return TIER_EINVAL;
    p = gg_param[0];
    q = gg_param[1];
    g = gg_param[2];
    /* Posterior mean of the mean spend: p (gamma + x m) / (p x + q - 1) */
    den = p * x + q - 1.0;
    if (!(den > 0.0))
        return TIER_ERANGE;
    *out = p * (g + x * m) / den;
    return isfinite(*out) ? TIER_OK : TIER_ERANGE;
}

int tier__clv_discounted_value(double *out, int kind, const double *param, const double *gg_param,
                               double x, double t_x, double T, double m, double period,
                               size_t n_periods, double rate)
{
    double spend, prev = 0.0, total = 0.0, disc = 1.0;
    size_t k;
    int rc;
    if (!out || !isfinite(period) || !(period > 0.0) || !isfinite(rate) || !(rate > -1.0))
        return TIER_EINVAL;
    rc = tier__clv_expected_spend(&spend, gg_param, x, m);
    if (rc != TIER_OK)
        return rc;
    for (k = 1; k <= n_periods; k++) {
        double e;
        rc = tier__clv_expected(&e, kind, param, period * (double)k, x, t_x, T);
        if (rc != TIER_OK)
            return rc;
        disc /= 1.0 + rate;
        total += (e > prev ? e - prev : 0.0) * disc;
        prev = e > prev ? e : prev;
    }
    *out = spend * total;
    return isfinite(*out) ? TIER_OK : TIER_ERANGE;
}

/* ---- calibration / holdout summary --------------------------------------------------------- */

int tier__clv_summarise(tier__clv_obs *out, double *out_holdout, const int32_t *days,
                        const double *amounts, size_t n, int32_t cal_end, int32_t holdout_end,
                        double unit_days)
{
    size_t i, x = 0, hold = 0;
    int32_t first, last;
    double sum = 0.0;
    if (!out || !days || !n || !isfinite(unit_days) || !(unit_days > 0.0) || holdout_end < cal_end)
        return TIER_EINVAL;
    for (i = 1; i < n; i++)
        if (days[i] <= days[i - 1])
            return TIER_EINVAL;
    first = last = days[0];
    if (first > cal_end)
        return TIER_ENOTFOUND;
    for (i = 1; i < n; i++) {
        if (days[i] <= cal_end) {
            x++;
            last = days[i];
            if (amounts) {
                if (!isfinite(amounts[i]))
                    return TIER_EINVAL;
                sum += amounts[i];
            }
        } else if (days[i] <= holdout_end) {
            hold++;
        }
    }
    out->x = (double)x;
    out->t_x = ((double)last - (double)first) / unit_days;
    out->T = ((double)cal_end - (double)first) / unit_days;
    out->m = x ? sum / (double)x : 0.0;
    out->w = 1.0;
    if (out_holdout)
        *out_holdout = (double)hold;
    return TIER_OK;
}
