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

/* Terms of the series of the BG/NBD expectation, for up to TIER__CLV_BATCH horizons at once: the
 * coefficients of 2F1(A, a-1; C; z) do not depend on z, so each term's ratio (one division) is
 * shared and each horizon costs two multiplications per term. Every horizon's sum is the one
 * tier__clv_hyp_tail_sum() gives for its z alone, bit for bit: same products in the same order,
 * same stopping rule, each horizon stopping at its own term. rc[k] as that function's. */
static void bg_series_batch(double *S, double *S_abs, int *rc, double A, double b, double C,
                            const double *z, size_t n)
{
    double term[TIER__CLV_BATCH], az[TIER__CLV_BATCH];
    size_t k, open = 0;
    int i;
    for (k = 0; k < n; k++) {
        term[k] = A * z[k];
        S[k] = term[k];
        S_abs[k] = fabs(term[k]);
        az[k] = fabs(z[k]);
        rc[k] = TIER_ECONVERGE;
        open++;
    }
    for (i = 1; i < CLV_EXPECT_SERIES_MAX && open; i++) {
        double dn = (double)i, num = (A + dn) * (b + dn), ratio, f1, f2;
        int check = A + dn > 0.0 && b + dn > 0.0 && C + dn > 0.0;
        ratio = num / ((C + dn) * (dn + 1.0));
        f1 = (A + (dn + 1.0)) / ((dn + 1.0) + 1.0);
        f2 = (b + (dn + 1.0)) / (C + (dn + 1.0));
        f1 = f1 > 1.0 ? f1 : 1.0;
        f2 = f2 > 1.0 ? f2 : 1.0;
        for (k = 0; k < n; k++) {
            double bound;
            if (rc[k] != TIER_ECONVERGE)
                continue;
            if (term[k] == 0.0 || num == 0.0) { /* polynomial: the series ended */
                rc[k] = TIER_OK;
                open--;
                continue;
            }
            term[k] *= ratio * z[k];
            S[k] += term[k];
            S_abs[k] += fabs(term[k]);
            if (!isfinite(S[k])) {
                rc[k] = TIER_ERANGE;
                open--;
                continue;
            }
            if (check) {
                bound = az[k] * f1 * f2;
                if (bound < 1.0 && fabs(term[k]) * bound <= 1e-17 * (1.0 - bound) * fabs(S[k])) {
                    rc[k] = TIER_OK;
                    open--;
                }
            }
        }
    }
}

/* One horizon of the BG/NBD expectation whose series failed or cancelled: E = P(alive) E[g(p)],
 * p ~ Beta(a, b+x) (see tier__clv_beta_mean_g). */
static int bg_by_dropout(double *out, const double *param, double pa, double t, double x, double T,
                         int moments)
{
    const double r = param[0], al = param[1], a = param[2], b = param[3];
    double e;
    int rc = moments ? tier__clv_beta_mean_g_moments(&e, a, b + x, r + x, t / (al + T))
                     : tier__clv_beta_mean_g(&e, a, b + x, r + x, t / (al + T));
    if (rc == TIER_OK)
        *out = pa * e;
    return rc;
}

/* FHL (2005) eq. 10 with Euler's transformation:
 * ((al+T)/(al+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1) 2F1(A, a-1; C; z),
 * A = a+b-1-r, C = a+b+x-1, z = t/(al+T+t). Writing 2F1 = 1 + (a-1) S / C removes the
 * 1/(a-1) and 1/C singularities:
 * E = [C (1 - (1-z)^(a-1))/(a-1) - (1-z)^(a-1) S] * P(alive)-ratio.
 * S = sum_{n>=1} (A)_n (a)_{n-1} / ((C+1)_{n-1} n!) z^n: a 2F1-type series whose ratios are
 * (A+n)(a+n-1)/((C+n)(n+1)) z, starting at A z; all horizons share its coefficients. */
static int bg_expected_many(double *out, const double *param, double pa, const double *t, size_t n,
                            double x, double t_x, double T)
{
    const double r = param[0], al = param[1], a = param[2], b = param[3];
    const double A = a + b - 1.0 - r, C = a + b + x - 1.0;
    double z[TIER__CLV_BATCH], S[TIER__CLV_BATCH], S_abs[TIER__CLV_BATCH], denom = 1.0;
    size_t k, m = 0, idx[TIER__CLV_BATCH];
    int rc[TIER__CLV_BATCH];
    /* Degenerate fits (a, b of 1e6 and more) have a narrow posterior of the dropout probability:
     * its moments give E at once where the series would need about a z terms. */
    for (k = 0; k < n; k++) {
        if (t[k] == 0.0)
            out[k] = 0.0;
        else if (bg_by_dropout(&out[k], param, pa, t[k], x, T, 1) != TIER_OK) {
            idx[m] = k;
            z[m++] = t[k] / (al + T + t[k]);
        }
    }
    if (!m)
        return TIER_OK;
    bg_series_batch(S, S_abs, rc, A, a - 1.0, C, z, m);
    if (x > 0.0) {
        double lr = log(a / (b + x - 1.0)) + (r + x) * (log(al + T) - log(al + t_x));
        denom = lr > 700.0 ? HUGE_VAL : 1.0 + exp(lr);
    }
    for (k = 0; k < m; k++) {
        double *o = &out[idx[k]];
        if (rc[k] == TIER_OK) {
            const double L = -log1p(t[idx[k]] / (al + T));
            const double t1 = C * tier__clv_one_minus_exp_over(a - 1.0, L), f2 = exp((a - 1.0) * L);
            const double e = t1 - f2 * S[k];
            /* The terms may cancel (b + x huge with a small; r far above a + b makes the
             * series alternate): more than 4 digits lost sends the horizon to the
             * quadrature below. */
            if (fabs(t1) + f2 * S_abs[k] <= 1e4 * fabs(e)) {
                *o = e / denom;
                continue;
            }
        }
        /* The series needs about a z terms: with a large, or when it cancels, integrate over
         * the dropout probability instead. An alive customer's p ~ Beta(a, b+x) and rate ~
         * Gamma(r+x, alpha+T), so E = P(alive) E[(1 - (1 + p t/(alpha+T))^-(r+x)) / p]. */
        if (bg_by_dropout(o, param, pa, t[idx[k]], x, T, 0) != TIER_OK)
            return TIER_ERANGE;
    }
    return TIER_OK;
}

int tier__clv_expected_many(double *out, int kind, const double *param, const double *t, size_t n,
                            double x, double t_x, double T)
{
    double pa;
    size_t k;
    int rc;
    if (!out || !t || n > TIER__CLV_BATCH)
        return TIER_EINVAL;
    for (k = 0; k < n; k++)
        if (!isfinite(t[k]) || t[k] < 0.0)
            return TIER_EINVAL;
    rc = tier__clv_p_alive(&pa, kind, param, x, t_x, T);
    if (rc != TIER_OK)
        return rc;
    if (kind == TIER__CLV_BGNBD) {
        rc = bg_expected_many(out, param, pa, t, n, x, t_x, T);
        if (rc != TIER_OK)
            return rc;
    } else {
        const double r = param[0], al = param[1], s = param[2], be = param[3];
        for (k = 0; k < n; k++) {
            const double L = -log1p(t[k] / (be + T));
            out[k] = t[k] == 0.0 ? 0.0
                                 : (r + x) * (be + T) / (al + T) *
                                       tier__clv_one_minus_exp_over(s - 1.0, L) * pa;
        }
    }
    for (k = 0; k < n; k++) {
        if (!isfinite(out[k]))
            return TIER_ERANGE;
        if (out[k] < 0.0) /* rounding when t is tiny */
            out[k] = 0.0;
    }
    return TIER_OK;
}

int tier__clv_expected(double *out, int kind, const double *param, double t, double x, double t_x,
                       double T)
{
    if (!out)
        return TIER_EINVAL;
    return tier__clv_expected_many(out, kind, param, &t, 1, x, t_x, T);
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
