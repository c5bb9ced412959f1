/* SPDX-License-Identifier: MIT */
/* clv numerics: predictions (P(alive), expected purchases and spend, discounted value) and the
 * calibration/holdout summary of one customer. */
#include <math.h>

#include "models/clv/clv_numeric.h"

/* ---- predictions --------------------------------------------------------------------------- */

int tier__clv_p_alive(double *out, int kind, const double *param, double x, double t_x, double T)
{
    double lr;
    if (!out || (kind != TIER__CLV_BGNBD && kind != TIER__CLV_PARETO_NBD) ||
        !tier__clv_params_ok(kind, param) || !tier__clv_count_row_ok(x, t_x, T))
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
        int rc = tier__clv_pnbd_bracket(&br, &first, NULL, param, x, t_x, T, 1, NULL);
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
        rc = tier__clv_hyp_tail_sum(&S, &S_abs, A, a - 1.0, C, z, A * z, 1, CLV_EXPECT_SERIES_MAX);
        if (rc == TIER_OK) {
            const double t1 = C * tier__clv_one_minus_exp_over(a - 1.0, L), f2 = exp((a - 1.0) * L);
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
             * more), or when it cancels, integrate over the dropout probability instead. An alive
             * customer's p ~ Beta(a, b+x) and rate ~ Gamma(r+x, alpha+T), so E = P(alive) E[(1 - (1
             * + p t/(alpha+T))^-(r+x)) / p]. */
            rc = tier__clv_beta_mean_g(&e, a, b + x, r + x, t / (al + T));
            if (rc != TIER_OK)
                return TIER_ERANGE;
            *out = pa * e;
        }
    } else {
        const double r = param[0], al = param[1], s = param[2], be = param[3];
        const double L = -log1p(t / (be + T));
        *out = (r + x) * (be + T) / (al + T) * tier__clv_one_minus_exp_over(s - 1.0, L) * pa;
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
    if (!out || !tier__clv_params_ok(TIER__CLV_GAMMA_GAMMA, gg_param) || !isfinite(x) || x < 0.0 ||
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
