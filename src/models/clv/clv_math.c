/* SPDX-License-Identifier: MIT */
/* Numerical core of the clv model (see clv_math.h and docs/clv.md). Every likelihood is summed
 * in log space; the two terms of each customer's likelihood are combined with log-sum-exp so
 * that neither large counts nor long histories overflow or underflow. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/clv/clv_math.h"
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
/* Step of the central differences in log-parameter space. */
#define CLV_FD_STEP 1e-5

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
static int hyp_tail_sum(double *out, double *out_abs, double a, double b, double c, double z,
                        double t, int first, int max_terms)
{
    double sum = t, az = fabs(z), asum = fabs(t);
    int n;
    for (n = first; n < max_terms; n++) {
        double dn = (double)n, num = (a + dn) * (b + dn), bound;
        if (t == 0.0 || num == 0.0) { /* polynomial: the series ended */
            *out = sum;
            if (out_abs)
                *out_abs = asum;
            return TIER_OK;
        }
        t *= num / ((c + dn) * (dn + 1.0)) * z;
        sum += t;
        asum += fabs(t);
        if (!isfinite(sum))
            return TIER_ERANGE;
        if (a + dn > 0.0 && b + dn > 0.0 && c + dn > 0.0) {
            bound = series_ratio_bound(a, b, c, dn + 1.0, az);
            if (bound < 1.0 && fabs(t) * bound <= 1e-17 * (1.0 - bound) * fabs(sum)) {
                *out = sum;
                if (out_abs) /* sum of |terms|: how much the sum cancelled */
                    *out_abs = asum;
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
        rc = hyp_tail_sum(&s, NULL, a, c - b, c, w, 1.0, 0, CLV_SERIES_MAX);
        if (rc != TIER_OK)
            return rc;
        s *= exp(-a * log1p(-z));
    } else {
        rc = hyp_tail_sum(&s, NULL, a, b, c, z, 1.0, 0, CLV_SERIES_MAX);
        if (rc != TIER_OK)
            return rc;
    }
    if (!isfinite(s))
        return TIER_ERANGE;
    *out = s;
    return TIER_OK;
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

/* ---- quadratures behind the series --------------------------------------------------------- */

/* g(p) = (1 - (1 + p u)^-k) / p: a BG/NBD customer who is alive and has dropout probability p,
 * purchase rate integrated out, buys g(p) times in the next t = u (alpha+T) time units. Continuous
 * at p = 0 (value k u) and decreasing in p. */
static double bg_g(double p, double k, double u)
{
    if (!(p > 0.0))
        return k * u;
    return -expm1(-k * log1p(p * u)) / p;
}

/* ln((1 - p0) + p0 e^d) without overflow or cancellation. */
static double logit_shift(double p0, double d)
{
    if (d > 30.0)
        return d + log(p0 + (1.0 - p0) * exp(-d));
    return log1p(p0 * expm1(d));
}

/* E[g(p)] for p ~ Beta(a, bp), by the trapezoidal rule in y = logit(p) around the mode
 * y0 = ln(a/bp) (the rule converges geometrically for this analytic, log-concave density; the
 * step is a third of the density's width, so a Beta with a, b of 1e13 is as cheap as one with
 * a, b of 1). The density relative to the mode is exp(a d - (a+bp) ln((1-p0) + p0 e^d)),
 * d = y - y0, p0 = a/(a+bp); the sum is normalised by the same rule, so no Beta function is
 * needed. Far out, once p (left) or 1 - p (right) is below 1e-17 of every scale, the density is
 * exactly geometric from node to node and g is constant, so the rest of the infinite sum is added
 * in closed form; elsewhere the sum stops when log-concavity bounds what is left below 1e-17. */
static int beta_mean_g(double *out, double a, double bp, double k, double u)
{
    const double p0 = a / (a + bp), lp0 = log(a) - log(a + bp), lq0 = log(bp) - log(a + bp);
    const double sig = sqrt(1.0 / a + 1.0 / bp), h = sig / 3.0 < 0.25 ? sig / 3.0 : 0.25;
    const double g_left = k * u, g_right = bg_g(1.0, k, u);
    double num = bg_g(p0, k, u), den = 1.0;
    int side;
    if (!isfinite(p0) || !isfinite(num) || !(p0 > 0.0))
        return TIER_ERANGE;
    for (side = -1; side <= 1; side += 2) {
        double prev_f = 1.0;
        int j;
        for (j = 1;; j++) {
            double d = side * j * h, L = logit_shift(p0, d), lf = a * d - (a + bp) * L;
            double f = exp(lf), lp = lp0 + d - L, p = exp(lp), g = bg_g(p, k, u), r, tail;
            if (j > CLV_QUAD_MAX || !isfinite(lf))
                return TIER_ECONVERGE;
            num += f * g;
            den += f;
            if (side < 0 && (a + bp + (k + 1.0) * u) * p <= 1e-17) {
                const double om = -expm1(-a * h); /* density ~ e^{a y}, g = g(0) from here */
                if (!(om > 0.0))
                    return TIER_ERANGE;
                num += g_left * f * (1.0 - om) / om;
                den += f * (1.0 - om) / om;
                break;
            }
            if (side > 0 && (a + bp + k + 2.0) * exp(lq0 - L) <= 1e-17) {
                /* 1 - p below 1e-17 of every scale: density ~ e^{-bp y}, g = g(1) */
                const double om = -expm1(-bp * h);
                if (!(om > 0.0))
                    return TIER_ERANGE;
                num += g_right * f * (1.0 - om) / om;
                den += f * (1.0 - om) / om;
                break;
            }
            r = f / prev_f; /* ratios of a log-concave density shrink away from the mode */
            prev_f = f;
            if (r < 1.0) {
                tail = f * r / (1.0 - r);
                if (tail <= 1e-17 * den && tail * (side < 0 ? g_left : g) <= 1e-17 * num)
                    break;
            }
        }
    }
    *out = num / den;
    return isfinite(*out) ? TIER_OK : TIER_ERANGE;
}

/* ln of s * J, J = integral over [t_x, T] of (alpha+u)^-(r+x) (beta+u)^-(s+1) du (the second
 * term of the Pareto/NBD bracket), by tanh-sinh quadrature in log space: used where the 2F1
 * series converge too slowly (z near 1: alpha and beta of very different sizes). The integrand
 * decreases in u, so it is scaled by its value at t_x (the ratio taken with log1p of u - t_x,
 * which keeps 1e6 (s+1) ln(beta+u) from costing digits); nodes are placed by their distance to
 * the nearer end so that a peak of width 1e-17 at t_x is still resolved. Halves the step until two
 * levels agree to 1e-13. */
static int pnbd_tail_integral(double *out, double rx, double al, double s, double be, double t_x,
                              double T)
{
    const double half = 0.5 * (T - t_x), tmax = 6.0, hpi = 1.5707963267948966;
    const double psi0 = -rx * log(al + t_x) - (s + 1.0) * log(be + t_x);
    double prev = 0.0, sum = 0.0, h = 0.5;
    int level;
    if (!(half > 0.0))
        return TIER_ERANGE;
    for (level = 0; level <= 9; level++, h *= 0.5) {
        double part = 0.0;
        int j, jmax = (int)(tmax / h);
        for (j = -jmax; j <= jmax; j++) {
            double t = j * h, v, lw, delta, o, e2;
            if (level > 0 && (j % 2) == 0)
                continue; /* nodes of the previous level are already summed */
            v = hpi * sinh(fabs(t));
            e2 = exp(-2.0 * v);
            delta = half * 2.0 * e2 / (1.0 + e2); /* distance to the nearer end */
            o = t <= 0.0 ? delta : (T - t_x) - delta; /* u - t_x, exact near t_x */
            /* weight half (pi/2) cosh t / cosh^2 v, with cosh v = e^v (1 + e^-2v) / 2 */
            lw = log(half * hpi * cosh(t) * 4.0) - 2.0 * v - 2.0 * log1p(e2);
            part += exp(lw - rx * log1p(o / (al + t_x)) - (s + 1.0) * log1p(o / (be + t_x)));
        }
        sum = level == 0 ? part * h : 0.5 * sum + part * h;
        if (!isfinite(sum))
            return TIER_ERANGE;
        if (level >= 3 && fabs(sum - prev) <= 1e-13 * sum) {
            *out = log(s) + psi0 + log(sum);
            return isfinite(*out) ? TIER_OK : TIER_ERANGE;
        }
        prev = sum;
    }
    return TIER_ERANGE;
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

/* ln S for S = 2F1(1, b; c; z), 0 <= z < 1, 0 < b < c, and (d != NULL) d[0] = d ln S/db,
 * d[1] = d ln S/dc, d[2] = d ln S/dz. The terms t_n = prod_{j<n} (b+j)/(c+j) z^n are positive
 * and their ratios stay below z, so the tail after t_N is at most t_N q, q = z/(1-z). The
 * derivatives are summed term by term: d t_n/db = t_n D_b(n), D_b(n) = sum_{j<n} 1/(b+j) (and
 * -D_c for c), d t_n/dz = n t_n / z; since D(m) <= D(N) + (m-N)/(b+N) for m > N, their tails are
 * bounded by t_N (D q + q/((b+N)(1-z))) and t_N (N q + q/(1-z)). */
static int log_hyp_1bc(double *out, double *d, double b, double c, double z)
{
    double q, q2, sum = 1.0, t = 1.0, sb = 0.0, sc = 0.0, sn = 0.0, Db = 0.0, Dc = 0.0;
    int n;
    if (!(z < 1.0)) /* z rounded to 1: alpha and beta too far apart for the series */
        return TIER_ECONVERGE;
    q = z / (1.0 - z);
    q2 = q / (1.0 - z);
    for (n = 0; n < CLV_LL_SERIES_MAX; n++) {
        const double N = (double)(n + 1), ic = 1.0 / (c + n);
        t *= (b + n) * ic * z; /* t_N */
        sum += t;
        if (d) {
            Db += 1.0 / (b + n);
            Dc += ic;
            sb += t * Db;
            sc += t * Dc;
            sn += t * N;
        }
        if (t * q > 1e-17 * sum)
            continue;
        if (!d) {
            *out = log(sum);
            return TIER_OK;
        }
        if (t * (N * q + q2) <= 1e-16 * sn && t * (Db * q + q2 / (b + N)) <= 1e-16 * sb &&
            t * (Dc * q + q2 / (c + N)) <= 1e-16 * sc) {
            *out = log(sum);
            d[0] = sb / sum;
            d[1] = -sc / sum;
            d[2] = z > 0.0 ? sn / (z * sum) : b / c;
            return TIER_OK;
        }
    }
    return TIER_ECONVERGE;
}

/* ln F(t) of the Pareto/NBD bracket (below) and (d4 != NULL) its gradient with respect to the
 * natural parameters r, alpha, s, beta. With A = r+s+x, Euler's transformation gives
 *   alpha >= beta: F = (alpha+t)^-(r+x) (beta+t)^-s 2F1(1, r+x; A+1; (alpha-beta)/(alpha+t)),
 *   alpha <  beta: F = (alpha+t)^(1-r-x) (beta+t)^-(s+1) 2F1(1, s+1; A+1; (beta-alpha)/(beta+t)),
 * and the chain rule through b, c = A+1 and z gives the gradient. */
static int pnbd_log_f(double *out, double *d4, const double *p, double x, double t)
{
    const double r = p[0], al = p[1], s = p[2], be = p[3], rx = r + x, A = r + s + x;
    const double la = log(al + t), lb = log(be + t);
    double lS, dS[3];
    int rc;
    if (al >= be) {
        rc = log_hyp_1bc(&lS, d4 ? dS : NULL, rx, A + 1.0, (al - be) / (al + t));
        if (rc != TIER_OK)
            return rc;
        *out = -rx * la - s * lb + lS;
        if (d4) {
            d4[0] = -la + dS[0] + dS[1];
            d4[1] = -rx / (al + t) + dS[2] * (be + t) / ((al + t) * (al + t));
            d4[2] = -lb + dS[1];
            d4[3] = -s / (be + t) - dS[2] / (al + t);
        }
    } else {
        rc = log_hyp_1bc(&lS, d4 ? dS : NULL, s + 1.0, A + 1.0, (be - al) / (be + t));
        if (rc != TIER_OK)
            return rc;
        *out = (1.0 - rx) * la - (s + 1.0) * lb + lS;
        if (d4) {
            d4[0] = -la + dS[1];
            d4[1] = (1.0 - rx) / (al + t) - dS[2] / (be + t);
            d4[2] = -lb + dS[0] + dS[1];
            d4[3] = -(s + 1.0) / (be + t) + dS[2] * (al + t) / ((be + t) * (be + t));
        }
    }
    return TIER_OK;
}

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

static int pnbd_log_f_cached(pnbd_cache *c, double *out, double *d4, const double *p, double x,
                             double t)
{
    uint64_t bits;
    size_t h;
    int rc;
    if (!c)
        return pnbd_log_f(out, d4, p, x, t);
    memcpy(&bits, &t, sizeof bits);
    h = (size_t)(((bits ^ (bits >> 29)) * UINT64_C(0x9E3779B97F4A7C15)) >> 56) %
        PNBD_CACHE_SIZE;
    if (c->gen[h] == c->now && c->key[h] == t) {
        *out = c->val[h][0];
        if (d4)
            memcpy(d4, c->val[h] + 1, 4 * sizeof *d4);
        return TIER_OK;
    }
    rc = pnbd_log_f(out, d4, p, x, t);
    if (rc == TIER_OK) {
        c->gen[h] = c->now;
        c->key[h] = t;
        c->val[h][0] = *out;
        if (d4)
            memcpy(c->val[h] + 1, d4, 4 * sizeof *d4);
    }
    return rc;
}

/* ln of the bracket of the Pareto/NBD likelihood,
 *   L' = (a+T)^-(r+x) (b+T)^-s + s/(r+s+x) * A0,   A0 = F(t_x) - F(T),
 * ln of its first term (the "alive at T" part; P(alive) = exp(*out_first - *out)) and
 * (grad != NULL) the gradient of ln L' with respect to r, alpha, s, beta:
 *   d ln L' = w1 d first + w2 [d ln(s/A) + (dlnF(t_x) - e^D dlnF(T)) / (1 - e^D)],
 * D = ln F(T) - ln F(t_x) <= 0, w1 + w2 = 1 the shares of the two terms. F is computed in log
 * space; A0 as F(t_x) (1 - e^D) with expm1. When a series does not converge (z near 1) the
 * value is TIER_ERANGE, unless allow_quad: predictions then integrate the second term directly
 * (pnbd_tail_integral); the likelihood does not, so a fit never wanders into the slow region. */
static int pnbd_bracket(double *out, double *out_first, double *grad, const double *p, double x,
                        double t_x, double T, int allow_quad, pnbd_cache *cache)
{
    const double al = p[1], s = p[2], be = p[3];
    const double A = p[0] + s + x, rx = p[0] + x;
    double first, lFx, lFT, dx[4], dT[4], dfirst[4], D, lG;
    int rc, i;

    if (x == 0.0)
        t_x = 0.0;
    first = -rx * log(al + T) - s * log(be + T);
    *out_first = first;
    rc = pnbd_log_f_cached(cache, &lFx, grad ? dx : NULL, p, x, t_x);
    if (rc == TIER_OK)
        rc = pnbd_log_f_cached(cache, &lFT, grad ? dT : NULL, p, x, T);
    if (rc != TIER_OK) {
        if (!allow_quad || grad)
            return TIER_ERANGE;
        if (!(T > t_x)) {
            *out = first;
            return TIER_OK;
        }
        if (pnbd_tail_integral(&lG, rx, al, s, be, t_x, T) != TIER_OK)
            return TIER_ERANGE;
        *out = log_add(first, lG);
        return isfinite(*out) ? TIER_OK : TIER_ERANGE;
    }
    if (grad) {
        dfirst[0] = -log(al + T);
        dfirst[1] = -rx / (al + T);
        dfirst[2] = -log(be + T);
        dfirst[3] = -s / (be + T);
        memcpy(grad, dfirst, sizeof dfirst);
    }
    D = lFT - lFx; /* <= 0: F decreases in t; rounding may give D >= 0 when t_x is T */
    if (!(D < 0.0)) {
        *out = first;
        return isfinite(*out) ? TIER_OK : TIER_ERANGE;
    }
    lG = log(s / A) + lFx + log(-expm1(D));
    *out = log_add(first, lG);
    if (!isfinite(*out))
        return TIER_ERANGE;
    if (grad) {
        const double w1 = exp(first - *out), w2 = exp(lG - *out), eD = exp(D), om = -expm1(D);
        const double dsa[4] = {-1.0 / A, 0.0, 1.0 / s - 1.0 / A, 0.0};
        for (i = 0; i < 4; i++)
            grad[i] = w1 * dfirst[i] + w2 * (dsa[i] + (dx[i] - eD * dT[i]) / om);
    }
    return TIER_OK;
}

/* Pareto/NBD log-likelihood and (grad != NULL) its analytic gradient with respect to the
 * log-parameters. Per row: ln Gamma(r+x) - ln Gamma(r) + r ln alpha + s ln beta + ln L'. */
static int pnbd_ll(double *out, double *grad, const double *p, const tier__clv_obs *obs, size_t n)
{
    const double r = p[0], al = p[1], s = p[2], be = p[3];
    const double lal = log(al), lbe = log(be);
    const double base = -tier__clv_lgamma(r) + r * lal + s * lbe;
    const double dg_r = grad ? tier__clv_digamma(r) : 0.0;
    double ll = 0.0, prev_x = -1.0, lgx = 0.0, dgx = 0.0, g[4] = {0.0, 0.0, 0.0, 0.0};
    pnbd_cache cache;
    size_t i;
    memset(cache.gen, 0, sizeof cache.gen);
    cache.now = 0;
    for (i = 0; i < n; i++) {
        double br, first, gb[4];
        int rc;
        if (obs[i].w == 0.0)
            continue;
        if (obs[i].x != prev_x) {
            prev_x = obs[i].x;
            cache.now++;
            lgx = tier__clv_lgamma(r + prev_x);
            if (grad)
                dgx = tier__clv_digamma(r + prev_x);
        }
        rc = pnbd_bracket(&br, &first, grad ? gb : NULL, p, obs[i].x, obs[i].t_x, obs[i].T, 0,
                          &cache);
        if (rc != TIER_OK)
            return rc;
        ll += obs[i].w * (lgx + base + br);
        if (grad) {
            g[0] += obs[i].w * (dgx - dg_r + lal + gb[0]);
            g[1] += obs[i].w * (r / al + gb[1]);
            g[2] += obs[i].w * (lbe + gb[2]);
            g[3] += obs[i].w * (s / be + gb[3]);
        }
    }
    if (!isfinite(ll))
        return TIER_ERANGE;
    *out = ll;
    if (grad) {
        for (i = 0; i < 4; i++) {
            grad[i] = g[i] * p[i];
            if (!isfinite(grad[i]))
                return TIER_ERANGE;
        }
    }
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
    case TIER__CLV_PARETO_NBD:
        return pnbd_ll(out, grad, param, obs, n);
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
        int rc = pnbd_bracket(&br, &first, NULL, param, x, t_x, T, 1, NULL);
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
        const double z = t / (al + T + t), L = -log1p(t / (al + T));
        double S, S_abs = 0.0, lr, denom, e;
        /* S = sum_{n>=1} (A)_n (a)_{n-1} / ((C+1)_{n-1} n!) z^n: a 2F1-type series whose
         * ratios are (A+n)(a+n-1)/((C+n)(n+1)) z, starting at A z. */
        rc = hyp_tail_sum(&S, &S_abs, A, a - 1.0, C, z, A * z, 1, CLV_EXPECT_SERIES_MAX);
        if (rc == TIER_OK) {
            const double t1 = C * one_minus_exp_over(a - 1.0, L), f2 = exp((a - 1.0) * L);
            e = t1 - f2 * S;
            /* The terms may cancel (b + x huge with a small; r far above a + b makes the
             * series alternate): more than 4 digits lost sends the customer to the
             * quadrature below. */
            if (!(fabs(t1) + f2 * S_abs <= 1e4 * fabs(e)))
                rc = TIER_ECONVERGE;
        }
        if (rc == TIER_OK) {
            denom = 1.0;
            if (x > 0.0) {
                lr = log(a / (b + x - 1.0)) + (r + x) * (log(al + T) - log(al + t_x));
                denom = lr > 700.0 ? HUGE_VAL : 1.0 + exp(lr);
            }
            *out = e / denom;
        } else {
            /* The series needs about a z terms: with a large (degenerate fits reach 1e6 and
             * more), or when it cancels, integrate over the dropout probability instead. An alive customer's
             * p ~ Beta(a, b+x) and rate ~ Gamma(r+x, alpha+T), so
             * E = P(alive) E[(1 - (1 + p t/(alpha+T))^-(r+x)) / p]. */
            rc = beta_mean_g(&e, a, b + x, r + x, t / (al + T));
            if (rc != TIER_OK)
                return TIER_ERANGE;
            *out = pa * e;
        }
    } else {
        const double r = param[0], al = param[1], s = param[2], be = param[3];
        const double L = -log1p(t / (be + T));
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
