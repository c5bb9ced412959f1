/* SPDX-License-Identifier: MIT */
/* clv numerics: special functions (ln Gamma, digamma, 2F1 series) and the quadratures behind the
 * series. */
#include <math.h>

#include "models/clv/clv_numeric.h"

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
    return (z - 0.5) * log(z) - z + CLV_HALF_LOG_2PI + series - (prod != 1.0 ? log(prod) : 0.0);
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
int tier__clv_hyp_tail_sum(double *out, double *out_abs, double a, double b, double c, double z,
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
        rc = tier__clv_hyp_tail_sum(&s, NULL, a, c - b, c, w, 1.0, 0, CLV_SERIES_MAX);
        if (rc != TIER_OK)
            return rc;
        s *= exp(-a * log1p(-z));
    } else {
        rc = tier__clv_hyp_tail_sum(&s, NULL, a, b, c, z, 1.0, 0, CLV_SERIES_MAX);
        if (rc != TIER_OK)
            return rc;
    }
    if (!isfinite(s))
        return TIER_ERANGE;
    *out = s;
    return TIER_OK;
}

/* (1 - exp(h L)) / h, continuous at h = 0 (value -L). */
double tier__clv_one_minus_exp_over(double h, double L)
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
int tier__clv_beta_mean_g(double *out, double a, double bp, double k, double u)
{
    double p0, lp0, lq0, sig, h, g_left, g_right, num, den = 1.0;
    int side;
    if (!(a > 0.0) || !(bp > 0.0)) /* also NaN; checked before any division by them */
        return TIER_ERANGE;
    p0 = a / (a + bp);
    lp0 = log(a) - log(a + bp);
    lq0 = log(bp) - log(a + bp);
    sig = sqrt(1.0 / a + 1.0 / bp);
    h = sig / 3.0 < 0.25 ? sig / 3.0 : 0.25;
    g_left = k * u;
    g_right = bg_g(1.0, k, u);
    num = bg_g(p0, k, u);
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

/* E[g(p)] as beta_mean_g, by the Taylor series of g about the Beta's mean p0 summed against the
 * Beta's central moments, for the narrow posteriors of degenerate fits (a, b of 1e6 and more).
 * The central moments follow from E[(a - (a+bp) p) h(p) + p (1-p) h'(p)] = 0 with h = (p-p0)^m:
 * mu_{m+1} = m (p0 q0 mu_{m-1} + (q0 - p0) mu_m) / (a + bp + m), with no cancellation. g's
 * coefficients come from p g(p) = 1 - (1+p0 u)^-k (1 + (p-p0) v)^-k, v = u / (1 + p0 u):
 * c_0 = g(p0), c_m = (s_m - c_{m-1}) / p0 with s_m the binomial series' coefficients. The term of
 * order m is about rho^m c_0 (m-1)!!, rho = sd (1/p0 + (k+M) v): used only when rho <= 1e-3,
 * where the terms after M = 8 are below 1e-25 of the sum (TIER_ECONVERGE otherwise). */
int tier__clv_beta_mean_g_moments(double *out, double a, double bp, double k, double u)
{
    enum { M = 8 };
    const double n = a + bp, p0 = a / n, q0 = bp / n, v = u / (1.0 + p0 * u);
    double mu[M + 1], c, w = 1.0, sum, phi0;
    int m;
    if (!(p0 > 0.0) || !(q0 > 0.0) || !isfinite(n))
        return TIER_ERANGE;
    mu[0] = 1.0;
    mu[1] = 0.0;
    for (m = 1; m < M; m++)
        mu[m + 1] = m * (p0 * q0 * mu[m - 1] + (q0 - p0) * mu[m]) / (n + m);
    if (!(sqrt(mu[2]) * (1.0 / p0 + (k + M) * v) <= 1e-3))
        return TIER_ECONVERGE;
    phi0 = exp(-k * log1p(p0 * u));
    c = bg_g(p0, k, u);
    sum = c;
    for (m = 1; m <= M; m++) {
        w *= -(k + (m - 1)) * v / m; /* (-k choose m) v^m */
        c = (-phi0 * w - c) / p0;
        if (m >= 2)
            sum += c * mu[m];
    }
    *out = sum;
    return isfinite(sum) ? TIER_OK : TIER_ERANGE;
}

/* ln of s * J, J = integral over [t_x, T] of (alpha+u)^-(r+x) (beta+u)^-(s+1) du (the second
 * term of the Pareto/NBD bracket), by tanh-sinh quadrature in log space: used where the 2F1
 * series converge too slowly (z near 1: alpha and beta of very different sizes). The integrand
 * decreases in u, so it is scaled by its value at t_x (the ratio taken with log1p of u - t_x,
 * which keeps 1e6 (s+1) ln(beta+u) from costing digits); nodes are placed by their distance to
 * the nearer end so that a peak of width 1e-17 at t_x is still resolved. Halves the step until two
 * levels agree to 1e-13. */
int tier__clv_pnbd_tail_integral(double *out, double rx, double al, double s, double be, double t_x,
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
            delta = half * 2.0 * e2 / (1.0 + e2);     /* distance to the nearer end */
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
