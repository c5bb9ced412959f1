/* SPDX-License-Identifier: MIT */
/* The clv numerical core against closed forms, hand formulas, brute-force integration and the
 * extreme parameters and hard inputs; the published CDNOW figures are in test_clv_cdnow.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "models/clv/clv_math.h"
#include "models/clv/clv_numeric.h"
#include "util/internal.h"

/* ---- special functions --------------------------------------------------------------------- */

static void test_lgamma_and_digamma_match_known_values(void **state)
{
    const double euler = 0.57721566490153286061, pi = 3.14159265358979323846;
    double x;
    (void)state;
    tst_assert_abs(tier__clv_lgamma(1.0), 0.0, 4e-15);
    tst_assert_abs(tier__clv_lgamma(2.0), 0.0, 4e-15);
    tst_assert_rel(tier__clv_lgamma(0.5), 0.5 * log(pi), 1e-14);
    tst_assert_rel(tier__clv_lgamma(10.0), log(362880.0), 1e-14);
    tst_assert_rel(tier__clv_lgamma(1e-8), -log(1e-8) - euler * 1e-8, 1e-12);
    for (x = 0.013; x < 2000.0; x *= 1.7)
        tst_assert_rel(tier__clv_lgamma(x + 3.0), lgamma(x + 3.0), 1e-13);
    tst_assert_rel(tier__clv_digamma(1.0), -euler, 1e-14);
    tst_assert_rel(tier__clv_digamma(0.5), -euler - 2.0 * log(2.0), 1e-14);
    tst_assert_rel(tier__clv_digamma(11.0),
                   -euler + 1 + 1 / 2. + 1 / 3. + 1 / 4. + 1 / 5. + 1 / 6. + 1 / 7. + 1 / 8. +
                       1 / 9. + 1 / 10.,
                   1e-14);
}

static void test_hyp2f1_matches_closed_forms(void **state)
{
    const double zs[] = {0.0, 1e-6, 0.1, 0.5, 0.9, 0.99, 0.999, -0.3, -0.9, -5.0};
    size_t i;
    double v;
    (void)state;
    for (i = 0; i < sizeof zs / sizeof zs[0]; i++) {
        double z = zs[i];
        double want = z == 0.0 ? 1.0 : -log1p(-z) / z; /* 2F1(1,1;2;z) */
        assert_int_equal(tier__clv_hyp2f1(&v, 1.0, 1.0, 2.0, z), TIER_OK);
        tst_assert_rel(v, want, 1e-13);
        assert_int_equal(tier__clv_hyp2f1(&v, 2.7, 0.4, 0.4, z), TIER_OK); /* (1-z)^-a */
        tst_assert_rel(v, pow(1.0 - z, -2.7), 1e-12);
        if (z >= 0.0) { /* 2F1(1/2,1/2;3/2;z^2) = asin(z)/z */
            double y = sqrt(z);
            assert_int_equal(tier__clv_hyp2f1(&v, 0.5, 0.5, 1.5, z), TIER_OK);
            tst_assert_rel(v, z == 0.0 ? 1.0 : asin(y) / y, 1e-12);
        }
    }
    /* a terminating series is a polynomial: 2F1(-2,b;c;z) = 1 - 2bz/c + b(b+1)z^2/(c(c+1)) */
    assert_int_equal(tier__clv_hyp2f1(&v, -2.0, 3.0, 4.0, 0.7), TIER_OK);
    tst_assert_rel(v, 1.0 - 2.0 * 3.0 * 0.7 / 4.0 + 3.0 * 4.0 * 0.49 / 20.0, 1e-14);
    assert_int_equal(tier__clv_hyp2f1(&v, 1.0, 1.0, 2.0, 1.0), TIER_ERANGE);
    assert_int_equal(tier__clv_hyp2f1(&v, 1.0, 1.0, -3.0, 0.5), TIER_ERANGE);
    assert_int_equal(tier__clv_hyp2f1(&v, 1.0, 1.0, 2.0, NAN), TIER_ERANGE);
    assert_int_equal(tier__clv_hyp2f1(&v, 1.0, 1.0, 2.0, 1.0 - 1e-12), TIER_ECONVERGE);
}

/* ---- likelihoods against independent formulas ------------------------------------------------ */

static void test_bgnbd_loglik_matches_the_papers_formula(void **state)
{
    const double p[4] = {0.243, 4.414, 0.793, 2.426};
    const double r = p[0], al = p[1], a = p[2], b = p[3];
    tier__clv_obs o[2] = {{3.0, 20.0, 35.0, 0.0, 1.0}, {0.0, 0.0, 30.0, 0.0, 1.0}};
    double ll, want, l1, l2;
    (void)state;
    /* L = B(a,b+x)/B(a,b) G(r+x) al^r / (G(r) (al+T)^(r+x))
     *   + B(a+1,b+x-1)/B(a,b) G(r+x) al^r / (G(r) (al+t_x)^(r+x))  (x > 0) */
    l1 = exp(lgamma(a) + lgamma(b + 3) - lgamma(a + b + 3) -
             (lgamma(a) + lgamma(b) - lgamma(a + b)) + lgamma(r + 3) - lgamma(r) + r * log(al) -
             (r + 3) * log(al + 35.0));
    l2 = exp(lgamma(a + 1) + lgamma(b + 2) - lgamma(a + b + 3) -
             (lgamma(a) + lgamma(b) - lgamma(a + b)) + lgamma(r + 3) - lgamma(r) + r * log(al) -
             (r + 3) * log(al + 20.0));
    want = log(l1 + l2) + r * log(al / (al + 30.0));
    assert_int_equal(tier__clv_loglik(&ll, NULL, TIER__CLV_BGNBD, p, o, 2), TIER_OK);
    tst_assert_rel(ll, want, 1e-12);
}

/* s * int_{t_x}^{T} (al+u)^-(r+x) (be+u)^-(s+1) du by composite Simpson on a log grid. */
static double pnbd_integral(double r, double al, double s, double be, double x, double t_x,
                            double T)
{
    const int n = 200000;
    double lo = log(1.0 + t_x), hi = log(1.0 + T), h = (hi - lo) / n, sum = 0.0;
    int i;
    if (T <= t_x)
        return 0.0;
    for (i = 0; i <= n; i++) {
        double v = lo + i * h, u = exp(v) - 1.0;
        double f = exp(v) * pow(al + u, -(r + x)) * pow(be + u, -(s + 1.0));
        sum += f * (i == 0 || i == n ? 1.0 : (i % 2 ? 4.0 : 2.0));
    }
    return s * sum * h / 3.0;
}

/* The Pareto/NBD likelihood's first term, (alpha + T)^-(r + x) (beta + T)^-s, at p for o. */
static double pnbd_first(const double p[4], const tier__clv_obs *o)
{
    return pow(p[1] + o->T, -(p[0] + o->x)) * pow(p[3] + o->T, -p[2]);
}

/* P(alive) of the Pareto/NBD at p for o is the first term over the first term plus the directly
 * integrated second term, within relative `tol`. */
static void assert_pnbd_p_alive(const double p[4], const tier__clv_obs *o, double tol)
{
    const double first = pnbd_first(p, o);
    double pa;
    assert_int_equal(tier__clv_p_alive(&pa, TIER__CLV_PARETO_NBD, p, o->x, o->t_x, o->T), TIER_OK);
    tst_assert_rel(pa, first / (first + pnbd_integral(p[0], p[1], p[2], p[3], o->x, o->t_x, o->T)),
                   tol);
}

static void test_pareto_loglik_matches_direct_integration(void **state)
{
    /* alpha < beta (the CDNOW case) and alpha > beta use different 2F1 arguments */
    const double ps[2][4] = {{0.553, 10.578, 0.606, 11.669}, {1.3, 25.0, 0.8, 2.5}};
    const tier__clv_obs rows[] = {{0, 0, 38.0, 0, 1},
                                  {1, 2.0, 30.0, 0, 1},
                                  {7, 29.0, 31.0, 0, 1},
                                  {2, 30.43, 38.86, 0, 1},
                                  {40, 50.0, 52.0, 0, 1}};
    size_t i, k;
    (void)state;
    for (k = 0; k < 2; k++) {
        const double r = ps[k][0], al = ps[k][1], s = ps[k][2], be = ps[k][3];
        for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            const tier__clv_obs *o = &rows[i];
            double ll;
            const double want =
                lgamma(r + o->x) - lgamma(r) + r * log(al) + s * log(be) +
                log(pnbd_first(ps[k], o) + pnbd_integral(r, al, s, be, o->x, o->t_x, o->T));
            assert_int_equal(tier__clv_loglik(&ll, NULL, TIER__CLV_PARETO_NBD, ps[k], o, 1),
                             TIER_OK);
            tst_assert_rel(ll, want, 1e-9);
            assert_pnbd_p_alive(ps[k], o, 1e-8);
        }
    }
}

static void test_gamma_gamma_loglik_matches_the_density(void **state)
{
    const double p[3] = {6.25, 3.74, 15.44};
    tier__clv_obs o = {3.0, 0.0, 0.0, 22.5, 2.0};
    double ll, want, px = 6.25 * 3.0;
    (void)state;
    want = 2.0 * (lgamma(px + 3.74) - lgamma(px) - lgamma(3.74) + 3.74 * log(15.44) +
                  (px - 1.0) * log(22.5) + px * log(3.0) - (px + 3.74) * log(15.44 + 3.0 * 22.5));
    assert_int_equal(tier__clv_loglik(&ll, NULL, TIER__CLV_GAMMA_GAMMA, p, &o, 1), TIER_OK);
    tst_assert_rel(ll, want, 1e-12);
}

static void check_gradient(int kind, const double *p, const tier__clv_obs *o, size_t n, double tol)
{
    double g[4], ll, lp, lm, q[4];
    size_t i, np = tier__clv_param_count(kind);
    const double h = 1e-6;
    assert_int_equal(tier__clv_loglik(&ll, g, kind, p, o, n), TIER_OK);
    for (i = 0; i < np; i++) {
        memcpy(q, p, np * sizeof q[0]);
        q[i] = p[i] * exp(h);
        assert_int_equal(tier__clv_loglik(&lp, NULL, kind, q, o, n), TIER_OK);
        q[i] = p[i] * exp(-h);
        assert_int_equal(tier__clv_loglik(&lm, NULL, kind, q, o, n), TIER_OK);
        tst_assert_abs(g[i], (lp - lm) / (2 * h), tol * (1.0 + fabs(g[i])));
    }
}

static void test_gradients_match_finite_differences(void **state)
{
    const tier__clv_obs rows[] = {{0, 0, 38.0, 0, 3},       {1, 2.0, 30.0, 12.0, 1},
                                  {7, 29.0, 31.0, 40.0, 2}, {2, 30.43, 38.86, 22.3, 1},
                                  {40, 50.0, 52.0, 9.5, 1}, {1, 0.5, 0.5, 0.0, 1}};
    const double bg[4] = {0.3, 5.0, 0.9, 2.1}, bg2[4] = {2.0, 0.5, 3.0, 0.2};
    const double pn[4] = {0.5, 9.0, 0.7, 12.0}, pn2[4] = {1.5, 20.0, 0.3, 1.2};
    const double gg[3] = {6.0, 3.5, 15.0}, gg2[3] = {0.4, 0.9, 300.0};
    (void)state;
    check_gradient(TIER__CLV_BGNBD, bg, rows, 6, 1e-7);
    check_gradient(TIER__CLV_BGNBD, bg2, rows, 6, 1e-7);
    check_gradient(TIER__CLV_PARETO_NBD, pn, rows, 6, 1e-6);
    check_gradient(TIER__CLV_PARETO_NBD, pn2, rows, 6, 1e-6);
    check_gradient(TIER__CLV_GAMMA_GAMMA, gg, rows, 6, 1e-7);
    check_gradient(TIER__CLV_GAMMA_GAMMA, gg2, rows, 6, 1e-7);
}

/* ---- predictions -------------------------------------------------------------------------------
 */

static void test_bgnbd_expectation_of_a_new_customer_matches_the_unconditional_formula(void **state)
{
    /* E[X(t)] = (a+b-1)/(a-1) [1 - (al/(al+t))^r 2F1(r, b; a+b-1; t/(al+t))] (FHL eq. 9) is the
     * conditional expectation at x = 0, T = 0; evaluated here with the plain 2F1 series. */
    const double ps[3][4] = {
        {0.243, 4.414, 0.793, 2.426}, {1.5, 3.0, 2.5, 4.0}, {0.8, 10.0, 1.2, 0.6}};
    const double ts[3] = {1.0, 39.0, 200.0};
    size_t k, i;
    (void)state;
    for (k = 0; k < 3; k++) {
        for (i = 0; i < 3; i++) {
            const double r = ps[k][0], al = ps[k][1], a = ps[k][2], b = ps[k][3], t = ts[i];
            double f, e;
            assert_int_equal(tier__clv_hyp2f1(&f, r, b, a + b - 1.0, t / (al + t)), TIER_OK);
            assert_int_equal(tier__clv_expected(&e, TIER__CLV_BGNBD, ps[k], t, 0.0, 0.0, 0.0),
                             TIER_OK);
            tst_assert_rel(e, (a + b - 1.0) / (a - 1.0) * (1.0 - pow(al / (al + t), r) * f), 1e-9);
        }
    }
}

static void test_expectations_are_continuous_where_formulas_divide_by_zero(void **state)
{
    /* BG/NBD divides by a-1, Pareto/NBD by s-1: the values around 1 must agree with the value at 1
     */
    double b0[4] = {0.5, 5.0, 1.0, 2.0}, bl[4] = {0.5, 5.0, 1.0 - 1e-7, 2.0},
           bh[4] = {0.5, 5.0, 1.0 + 1e-7, 2.0};
    double p0[4] = {0.5, 5.0, 1.0, 9.0}, pl[4] = {0.5, 5.0, 1.0 - 1e-7, 9.0},
           ph[4] = {0.5, 5.0, 1.0 + 1e-7, 9.0};
    double e0, el, eh;
    (void)state;
    assert_int_equal(tier__clv_expected(&e0, TIER__CLV_BGNBD, b0, 52.0, 3.0, 20.0, 40.0), TIER_OK);
    assert_int_equal(tier__clv_expected(&el, TIER__CLV_BGNBD, bl, 52.0, 3.0, 20.0, 40.0), TIER_OK);
    assert_int_equal(tier__clv_expected(&eh, TIER__CLV_BGNBD, bh, 52.0, 3.0, 20.0, 40.0), TIER_OK);
    assert_true(e0 > 0.0);
    tst_assert_rel(el, e0, 1e-6);
    tst_assert_rel(eh, e0, 1e-6);
    assert_int_equal(tier__clv_expected(&e0, TIER__CLV_PARETO_NBD, p0, 52.0, 3.0, 20.0, 40.0),
                     TIER_OK);
    assert_int_equal(tier__clv_expected(&el, TIER__CLV_PARETO_NBD, pl, 52.0, 3.0, 20.0, 40.0),
                     TIER_OK);
    assert_int_equal(tier__clv_expected(&eh, TIER__CLV_PARETO_NBD, ph, 52.0, 3.0, 20.0, 40.0),
                     TIER_OK);
    assert_true(e0 > 0.0);
    tst_assert_rel(el, e0, 1e-6);
    tst_assert_rel(eh, e0, 1e-6);
}

static void test_short_horizon_expectation_is_alive_rate_times_horizon(void **state)
{
    /* For small t: E[Y(t)] ~ P(alive) E[lambda | data] t, with E[lambda | data] = (r+x)/(al+T)
     * in both models (BG/NBD's rate posterior given alive is the same gamma). */
    const double bg[4] = {0.243, 4.414, 0.793, 2.426}, pn[4] = {0.553, 10.578, 0.606, 11.669};
    const double t = 1e-4;
    double e, pa;
    (void)state;
    assert_int_equal(tier__clv_expected(&e, TIER__CLV_BGNBD, bg, t, 4.0, 25.0, 38.0), TIER_OK);
    assert_int_equal(tier__clv_p_alive(&pa, TIER__CLV_BGNBD, bg, 4.0, 25.0, 38.0), TIER_OK);
    tst_assert_rel(e, pa * (0.243 + 4.0) / (4.414 + 38.0) * t, 1e-4);
    assert_int_equal(tier__clv_expected(&e, TIER__CLV_PARETO_NBD, pn, t, 4.0, 25.0, 38.0), TIER_OK);
    assert_int_equal(tier__clv_p_alive(&pa, TIER__CLV_PARETO_NBD, pn, 4.0, 25.0, 38.0), TIER_OK);
    tst_assert_rel(e, pa * (0.553 + 4.0) / (10.578 + 38.0) * t, 1e-4);
}

static void test_discounted_value_sums_discounted_period_increments(void **state)
{
    const double bg[4] = {0.243, 4.414, 0.793, 2.426}, gg[3] = {6.25, 3.74, 15.44};
    double v, spend, e, prev = 0.0, want = 0.0;
    int k;
    (void)state;
    assert_int_equal(tier__clv_expected_spend(&spend, gg, 2.0, 22.345), TIER_OK);
    /* rate 0: the increments telescope to E(n * period) */
    assert_int_equal(tier__clv_discounted_value(&v, TIER__CLV_BGNBD, bg, gg, 2.0, 30.43, 38.86,
                                                22.345, 4.0, 13, 0.0),
                     TIER_OK);
    assert_int_equal(tier__clv_expected(&e, TIER__CLV_BGNBD, bg, 52.0, 2.0, 30.43, 38.86), TIER_OK);
    tst_assert_rel(v, spend * e, 1e-12);
    for (k = 1; k <= 13; k++) {
        assert_int_equal(tier__clv_expected(&e, TIER__CLV_BGNBD, bg, 4.0 * k, 2.0, 30.43, 38.86),
                         TIER_OK);
        want += (e - prev) * pow(1.01, -k);
        prev = e;
    }
    assert_int_equal(tier__clv_discounted_value(&v, TIER__CLV_BGNBD, bg, gg, 2.0, 30.43, 38.86,
                                                22.345, 4.0, 13, 0.01),
                     TIER_OK);
    tst_assert_rel(v, spend * want, 1e-12);
    assert_int_equal(tier__clv_discounted_value(&v, TIER__CLV_BGNBD, bg, gg, 2.0, 30.43, 38.86,
                                                22.345, 0.0, 13, 0.01),
                     TIER_EINVAL);
}

static void test_expected_spend_falls_back_to_the_population_mean(void **state)
{
    const double gg[3] = {6.25, 3.74, 15.44}, heavy[3] = {1.0, 0.8, 10.0};
    double e;
    (void)state;
    assert_int_equal(tier__clv_expected_spend(&e, gg, 0.0, 0.0), TIER_OK);
    tst_assert_rel(e, 6.25 * 15.44 / 2.74, 1e-14);
    assert_int_equal(tier__clv_expected_spend(&e, heavy, 0.0, 0.0), TIER_ERANGE); /* q <= 1 */
    assert_int_equal(tier__clv_expected_spend(&e, heavy, 1.0, 5.0), TIER_OK);
    tst_assert_rel(e, (10.0 + 5.0) / 0.8, 1e-14);
    assert_int_equal(tier__clv_expected_spend(&e, gg, 1.0, -1.0), TIER_EINVAL);
}

/* ---- hard inputs -------------------------------------------------------------------------------
 */

static void test_hard_inputs_stay_finite(void **state)
{
    const tier__clv_obs rows[] = {
        {0, 0, 38.0, 0, 1},       {0, 0, 1e-9, 0, 1},       {0, 0, 0.0, 0, 1},
        {1000, 38.0, 38.0, 5, 1}, {5000, 1e-3, 38.0, 5, 1}, {100000, 50.0, 50.0, 1e6, 1},
        {3, 1e-9, 1e-9, 1e-6, 1}, {2, 0.0, 5.0, 7, 1},      {1, 1e6, 1e6, 3, 1}};
    const double params[][4] = {{0.243, 4.414, 0.793, 2.426},
                                {1e-6, 1e-6, 1e-6, 1e-6},
                                {1e6, 1e6, 1e6, 1e6},
                                {0.553, 10.578, 0.606, 11.669},
                                {50.0, 0.01, 0.01, 50.0}};
    size_t i, k, kind;
    (void)state;
    for (kind = 1; kind <= 3; kind++) {
        for (k = 0; k < sizeof params / sizeof params[0]; k++) {
            double ll, g[4];
            int rc =
                tier__clv_loglik(&ll, g, (int)kind, params[k], rows, sizeof rows / sizeof rows[0]);
            /* a finite value, or an explicit refusal; never NaN or an infinity */
            if (rc == TIER_OK) {
                assert_true(isfinite(ll) && isfinite(g[0]) && isfinite(g[1]) && isfinite(g[2]));
            } else {
                assert_int_equal(rc, TIER_ERANGE);
                assert_true(kind == TIER__CLV_PARETO_NBD);
            }
            if (kind == TIER__CLV_GAMMA_GAMMA)
                continue;
            for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
                double pa, e, v;
                const tier__clv_obs *o = &rows[i];
                rc = tier__clv_p_alive(&pa, (int)kind, params[k], o->x, o->t_x, o->T);
                if (rc == TIER_OK) {
                    assert_true(pa >= 0.0 && pa <= 1.0);
                    rc = tier__clv_expected(&e, (int)kind, params[k], 39.0, o->x, o->t_x, o->T);
                    if (rc == TIER_OK)
                        assert_true(isfinite(e) && e >= 0.0);
                    else
                        assert_int_equal(rc, TIER_ERANGE);
                    rc = tier__clv_discounted_value(&v, (int)kind, params[k], params[0], o->x,
                                                    o->t_x, o->T, o->m, 4.0, 12, 0.01);
                    if (rc == TIER_OK)
                        assert_true(isfinite(v) && v >= 0.0);
                    else
                        assert_int_equal(rc, TIER_ERANGE);
                } else {
                    assert_int_equal(rc, TIER_ERANGE);
                }
            }
        }
    }
    /* the CDNOW parameters handle every row */
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double e;
        assert_int_equal(tier__clv_expected(&e, TIER__CLV_PARETO_NBD, params[3], 39.0, rows[i].x,
                                            rows[i].t_x, rows[i].T),
                         TIER_OK);
        assert_true(isfinite(e));
    }
}

/* ---- degenerate fits and extreme parameters -------------------------------------------------- */

/* tst_bgnbd_expected() sums FHL (2005) eq. 10's Gauss series 2F1(r+x, b+x; a+b+x-1; z) term by
 * term: cheap when a and b are large (ratios near (b/(a+b)) z), so it checks the library's
 * quadrature. */

/* When a, b -> infinity with a/(a+b) -> p the dropout probability is p for everyone:
 * E = P(alive) (1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p, P(alive) = 1/(1 + p/(1-p)
 * ((alpha+T)/(alpha+t_x))^(r+x)). */
static double bgnbd_expected_limit(const double *pr, double t, double x, double t_x, double T)
{
    const double r = pr[0], al = pr[1], p = pr[2] / (pr[2] + pr[3]);
    double pa = 1.0 / (1.0 + (x > 0.0 ? p / (1.0 - p) * pow((al + T) / (al + t_x), r + x) : 0.0));
    return pa * (1.0 - pow((al + T) / (al + T + p * t), r + x)) / p;
}

/* Four customers on which the BG/NBD fit converges to a, b of about 1e6 - 1e7 (found by a
 * search over random tiny books); before the quadrature fallback every expectation failed with
 * TIER_ERANGE (the 2F1 series needs about a z terms). */
static void test_degenerate_bgnbd_fit_on_a_tiny_book_still_predicts(void **state)
{
    const tier__clv_obs rows[4] = {
        {0, 0, 29, 0, 1}, {0, 0, 18, 0, 1}, {1, 17.739, 27, 0, 1}, {5, 12.912, 24, 0, 1}};
    tier_allocator a = tst_internal_allocator(NULL);
    tier__clv_fit_result f;
    size_t i;
    int rc;
    (void)state;
    rc = tier__clv_fit(&f, TIER__CLV_BGNBD, rows, 4, NULL, &a, NULL);
    assert_true(rc == TIER_OK || rc == TIER_ECONVERGE);
    assert_true(f.param[2] > 1e5 && f.param[3] > 1e5); /* the degenerate regime */
    for (i = 0; i < 4; i++) {
        double e, v, t;
        for (t = 1.0; t <= 104.0; t *= 4.0) {
            assert_int_equal(tier__clv_expected(&e, TIER__CLV_BGNBD, f.param, t, rows[i].x,
                                                rows[i].t_x, rows[i].T),
                             TIER_OK);
            tst_assert_rel(e, tst_bgnbd_expected(f.param, t, rows[i].x, rows[i].t_x, rows[i].T),
                           1e-9);
            tst_assert_rel(e, bgnbd_expected_limit(f.param, t, rows[i].x, rows[i].t_x, rows[i].T),
                           1e-4);
        }
        assert_int_equal(tier__clv_discounted_value(&v, TIER__CLV_BGNBD, f.param,
                                                    (const double[]){6.25, 3.74, 15.44}, rows[i].x,
                                                    rows[i].t_x, rows[i].T, 20.0, 4.0, 13, 0.01),
                         TIER_OK);
        assert_true(isfinite(v) && v > 0.0);
    }
}

static void test_bgnbd_expectation_with_huge_a_and_b_matches_the_series_and_the_limit(void **state)
{
    const double ps[][4] = {{0.243, 4.414, 2e4, 6e4},
                            {0.5, 2.0, 3e8, 1e8},
                            {1.5, 10.0, 1e12, 4e12},
                            {0.243, 4.414, 7e12, 1e13},
                            {0.01, 0.5, 1e6, 1e9}};
    const tier__clv_obs rows[] = {
        {0, 0, 38.86, 0, 1}, {2, 30.43, 38.86, 0, 1}, {7, 3.0, 30.0, 0, 1}, {40, 50, 52, 0, 1}};
    size_t k, i;
    (void)state;
    for (k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            const tier__clv_obs *o = &rows[i];
            double e;
            assert_int_equal(
                tier__clv_expected(&e, TIER__CLV_BGNBD, ps[k], 39.0, o->x, o->t_x, o->T), TIER_OK);
            tst_assert_rel(e, tst_bgnbd_expected(ps[k], 39.0, o->x, o->t_x, o->T), 1e-10);
            if (ps[k][2] >= 1e12) /* within O(1/(a+b)) of the point-mass limit */
                tst_assert_rel(e, bgnbd_expected_limit(ps[k], 39.0, o->x, o->t_x, o->T), 1e-9);
        }
    }
}

/* The BG/NBD conditional expectation summed plainly in long double: FHL (2005) eq. 10's series
 * 2F1(r+x, b+x; C; z) when a + b is large (its ratios are then near (b/(a+b)) z), else its Euler
 * transform (1-z)^(a-1) 2F1(A, a-1; C; z), A = a+b-1-r, C = a+b+x-1, which converges for z near 1
 * where the first needs millions of terms. Every term is summed until they are below 1e-22 of the
 * sum and shrinking. */
static double ref_bgnbd_expected(const double *p, double t, double x, double t_x, double T)
{
    const long double r = p[0], al = p[1], a = p[2], b = p[3], C = a + b + x - 1.0L;
    const long double z = t / (al + T + t), A = a + b - 1.0L - r;
    const long double den =
        1.0L + (x > 0.0 ? a / (b + x - 1.0L) * powl((al + T) / (al + t_x), r + x) : 0.0L);
    long double term, sum, num, h = a - 1.0L, lq = log1pl(-z);
    long n;
    if (a + b > 1e4L) {
        for (n = 0, term = 1.0L, sum = 1.0L; n < 4000000L; n++) {
            long double ratio = (r + x + n) * (b + x + n) / ((C + n) * (n + 1.0L)) * z;
            term *= ratio;
            sum += term;
            if (fabsl(term) < 1e-22L * fabsl(sum) && fabsl(ratio) < 1.0L)
                break;
        }
        num = C / h * -expm1l((r + x) * lq + logl(sum));
    } else {
        for (n = 1, term = A * z, sum = term; n < 4000000L; n++) {
            long double ratio = (A + n) * (h + n) / ((C + n) * (n + 1.0L)) * z;
            term *= ratio;
            sum += term;
            if (fabsl(term) < 1e-22L * fabsl(sum) && fabsl(ratio) < 1.0L)
                break;
        }
        num = C * (h == 0.0L ? -lq : -expm1l(h * lq) / h) - expl(h * lq) * sum;
    }
    return (double)(num / den);
}

/* tier__clv_expected_many() (the batch of horizons the model scores with: shared series ratios,
 * the Beta's moments for degenerate fits) against the plain FHL eq. 10 series and the Pareto/NBD
 * closed form, horizon by horizon, on a grid of fits (CDNOW, a = 1, an alternating Euler series,
 * degenerate a, b up to 1e11) and customers (x = 0, t_x = T, large x), with horizons from 0 to
 * 100 years; and every value equals the one-horizon tier__clv_expected() bit for bit. */
static void test_expected_many_matches_the_plain_series_on_a_grid(void **state)
{
    const double bg[][4] = {{0.243, 4.414, 0.793, 2.426}, {1.5, 3.0, 2.5, 4.0},
                            {0.8, 10.0, 1.2, 0.6},        {5.0, 1.0, 0.9, 0.6},
                            {0.5, 2.0, 1.0, 2.0},         {1.57, 7.88, 4.57e10, 1.51e11},
                            {0.243, 4.414, 2e4, 6e4},     {0.01, 0.5, 1e6, 1e9}};
    const double pn[][4] = {{0.553, 10.578, 0.606, 11.669}, {2.0, 3.0, 1.3, 40.0}};
    const tier__clv_obs rows[] = {{0, 0, 0, 0, 1},         {0, 0, 38.86, 0, 1},
                                  {3, 38.86, 38.86, 0, 1}, {2, 30.43, 38.86, 0, 1},
                                  {200, 150, 156, 0, 1},   {7, 3.0, 30.0, 0, 1}};
    const double t[TIER__CLV_BATCH] = {0.0,  1e-3, 0.5,  1.0,   4.348, 8.696, 13.04,  26.0,
                                       39.0, 52.0, 78.0, 104.0, 260.0, 520.0, 1040.0, 5200.0};
    double e[TIER__CLV_BATCH], one, pa;
    size_t k, i, j;
    (void)state;
    for (k = 0; k < sizeof bg / sizeof bg[0]; k++) {
        for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            const tier__clv_obs *o = &rows[i];
            assert_int_equal(tier__clv_expected_many(e, TIER__CLV_BGNBD, bg[k], t, TIER__CLV_BATCH,
                                                     o->x, o->t_x, o->T),
                             TIER_OK);
            for (j = 0; j < TIER__CLV_BATCH; j++) {
                assert_int_equal(
                    tier__clv_expected(&one, TIER__CLV_BGNBD, bg[k], t[j], o->x, o->t_x, o->T),
                    TIER_OK);
                assert_memory_equal(&one, &e[j], sizeof one);
                if (t[j] == 0.0)
                    assert_true(e[j] == 0.0);
                else
                    /* valgrind computes long double in double precision: the reference then
                     * carries about 1e-8 of its own rounding. */
                    tst_assert_rel(e[j], ref_bgnbd_expected(bg[k], t[j], o->x, o->t_x, o->T),
                                   tst_under_valgrind() ? 1e-6 : 1e-10);
            }
        }
    }
    for (k = 0; k < sizeof pn / sizeof pn[0]; k++) {
        const double r = pn[k][0], al = pn[k][1], s = pn[k][2], be = pn[k][3];
        for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            const tier__clv_obs *o = &rows[i];
            assert_int_equal(tier__clv_expected_many(e, TIER__CLV_PARETO_NBD, pn[k], t,
                                                     TIER__CLV_BATCH, o->x, o->t_x, o->T),
                             TIER_OK);
            assert_int_equal(
                tier__clv_p_alive(&pa, TIER__CLV_PARETO_NBD, pn[k], o->x, o->t_x, o->T), TIER_OK);
            for (j = 0; j < TIER__CLV_BATCH; j++)
                tst_assert_rel(e[j],
                               (r + o->x) * (be + o->T) / ((al + o->T) * (s - 1.0)) *
                                   (1.0 - pow((be + o->T) / (be + o->T + t[j]), s - 1.0)) * pa,
                               1e-10);
        }
    }
    assert_int_equal(
        tier__clv_expected_many(e, TIER__CLV_BGNBD, bg[0], t, TIER__CLV_BATCH + 1, 1.0, 2.0, 3.0),
        TIER_EINVAL);
}

/* The Beta-moment series behind degenerate fits agrees with the quadrature over the dropout
 * probability where it is used (narrow posteriors), and declines wide ones. */
static void test_beta_moments_match_the_quadrature_for_narrow_posteriors(void **state)
{
    const double ab[][2] = {{4.57e10, 1.51e11}, {1e6, 1e9}, {3e8, 1e8}, {2e7, 6e7}};
    const double ks[] = {0.24, 1.57, 8.0, 200.0}, us[] = {1e-4, 0.3, 1.0, 30.0};
    size_t i, j, l, used = 0;
    double fast, slow;
    (void)state;
    for (i = 0; i < sizeof ab / sizeof ab[0]; i++)
        for (j = 0; j < sizeof ks / sizeof ks[0]; j++)
            for (l = 0; l < sizeof us / sizeof us[0]; l++) {
                int rc = tier__clv_beta_mean_g_moments(&fast, ab[i][0], ab[i][1], ks[j], us[l]);
                /* declined only where the posterior is not narrow enough for the series */
                assert_true(rc == TIER_OK || (rc == TIER_ECONVERGE && i > 0));
                if (rc != TIER_OK)
                    continue;
                used++;
                assert_int_equal(tier__clv_beta_mean_g(&slow, ab[i][0], ab[i][1], ks[j], us[l]),
                                 TIER_OK);
                tst_assert_rel(fast, slow, 1e-12);
            }
    assert_true(used >= 40);
    assert_int_equal(tier__clv_beta_mean_g_moments(&fast, 0.793, 2.426, 0.243, 1.0),
                     TIER_ECONVERGE);
    assert_int_equal(tier__clv_beta_mean_g_moments(&fast, 2e4, 6e4, 0.243, 1.0), TIER_ECONVERGE);
}

/* Every prediction on a grid of parameters from 1e-6 to 1e12 (7^4 points per model) and hard
 * rows: a finite value within its bounds (0 <= P(alive) <= 1, 0 <= E(t) <= (r+x) t/(alpha+T),
 * the most an always-alive customer buys), never TIER_ERANGE. */
static void test_predictions_stay_finite_on_a_grid_of_extreme_parameters(void **state)
{
    const double v[] = {1e-6, 1e-3, 1.0, 1e3, 1e6, 1e9, 1e12};
    const tier__clv_obs rows[] = {{0, 0, 38, 0, 1},        {0, 0, 0, 0, 1},
                                  {2, 30.43, 38.86, 0, 1}, {1, 0, 38, 0, 1},
                                  {5000, 1e-3, 38, 0, 1},  {100000, 50, 50, 0, 1},
                                  {3, 1e-9, 1e-9, 0, 1},   {20, 5, 600, 0, 1}};
    const double gg[3] = {6.25, 3.74, 15.44}, ms[] = {0.0, 1e-6, 35.0, 1e9}, xs[] = {0, 1, 1e5};
    const size_t nv = sizeof v / sizeof v[0];
    size_t i0, i1, i2, i3, r, kind, mi, xi;
    (void)state;
    for (kind = 1; kind <= 2; kind++)
        for (i0 = 0; i0 < nv; i0++)
            for (i1 = 0; i1 < nv; i1++)
                for (i2 = 0; i2 < nv; i2++)
                    for (i3 = 0; i3 < nv; i3++) {
                        const double p[4] = {v[i0], v[i1], v[i2], v[i3]};
                        for (r = 0; r < sizeof rows / sizeof rows[0]; r++) {
                            const tier__clv_obs *o = &rows[r];
                            double pa, e, cv, most = (p[0] + o->x) * 39.0 / (p[1] + o->T);
                            int rc = tier__clv_p_alive(&pa, (int)kind, p, o->x, o->t_x, o->T);
                            if (rc != TIER_OK || !(pa >= 0.0 && pa <= 1.0))
                                fail_msg("P(alive) kind %d p %g %g %g %g row %lu: rc %d", (int)kind,
                                         p[0], p[1], p[2], p[3], (unsigned long)r, rc);
                            rc = tier__clv_expected(&e, (int)kind, p, 39.0, o->x, o->t_x, o->T);
                            if (rc != TIER_OK || !(e >= 0.0 && e <= most * (1.0 + 1e-9)))
                                fail_msg("E kind %d p %g %g %g %g row %lu: rc %d e %g", (int)kind,
                                         p[0], p[1], p[2], p[3], (unsigned long)r, rc, e);
                            rc = tier__clv_discounted_value(&cv, (int)kind, p, gg, o->x, o->t_x,
                                                            o->T, 20.0, 13.0, 3, 0.01);
                            if (rc != TIER_OK || !(isfinite(cv) && cv >= 0.0))
                                fail_msg("CLV kind %d p %g %g %g %g row %lu: rc %d", (int)kind,
                                         p[0], p[1], p[2], p[3], (unsigned long)r, rc);
                        }
                    }
    /* Gamma-Gamma: finite, or TIER_ERANGE exactly when the posterior mean does not exist */
    for (i0 = 0; i0 < nv; i0++)
        for (i1 = 0; i1 < nv; i1++)
            for (i2 = 0; i2 < nv; i2++)
                for (xi = 0; xi < 3; xi++)
                    for (mi = 0; mi < 4; mi++) {
                        const double p[3] = {v[i0], v[i1], v[i2]};
                        double e;
                        int rc = tier__clv_expected_spend(&e, p, xs[xi], ms[mi]);
                        if (p[0] * xs[xi] + p[1] - 1.0 > 0.0)
                            assert_true(rc == TIER_OK && isfinite(e) && e >= 0.0);
                        else
                            assert_int_equal(rc, TIER_ERANGE);
                    }
}

/* alpha much smaller than beta and t_x near 0 put the Pareto/NBD series at z = 0.9998, where
 * it does not converge in its budget: P(alive) then integrates the bracket's second term
 * directly (tanh-sinh). Checked against the Simpson reference above. */
static void test_pareto_p_alive_where_the_series_is_slow_matches_direct_integration(void **state)
{
    const double ps[][4] = {{0.5, 1e-3, 0.5, 10.0}, {2.0, 200.0, 0.3, 1e-3}};
    const tier__clv_obs rows[] = {{2, 1e-3, 38, 0, 1}, {0, 0, 38, 0, 1}, {1, 0.01, 5, 0, 1}};
    size_t k, i;
    double ll;
    (void)state;
    for (k = 0; k < 2; k++)
        for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            assert_pnbd_p_alive(ps[k], &rows[i], 1e-7);
            /* the likelihood reports the slow series instead (a fit must not go there) */
            assert_int_equal(tier__clv_loglik(&ll, NULL, TIER__CLV_PARETO_NBD, ps[k], &rows[i], 1),
                             TIER_ERANGE);
        }
}

/* The Pareto/NBD gradient is analytic (term-by-term derivatives of the 2F1 series through its
 * parameters and argument): checked against Richardson-extrapolated central differences at 60
 * parameter points spread log-uniformly over both branches alpha >= beta and alpha < beta. */
static void test_pareto_analytic_gradient_matches_central_differences_on_many_points(void **state)
{
    const tier__clv_obs rows[] = {{0, 0, 38.0, 0, 3},     {1, 2.0, 30.0, 0, 1},
                                  {7, 29.0, 31.0, 0, 2},  {2, 30.43, 38.86, 0, 1},
                                  {40, 50.0, 52.0, 0, 1}, {1, 0.5, 0.5, 0, 1},
                                  {3, 0.0, 20.0, 0, 1},   {12, 11.9, 12.0, 0, 1}};
    const size_t n = sizeof rows / sizeof rows[0];
    unsigned long seed = 12345;
    int k;
    size_t i;
    (void)state;
    for (k = 0; k < 60; k++) {
        double p[4], g[4], ll;
        for (i = 0; i < 4; i++) {
            double lo = i % 2 ? log(0.5) : log(0.05), hi = i % 2 ? log(50.0) : log(5.0);
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            p[i] = exp(lo + (hi - lo) * (double)((seed >> 33) % 100000) / 100000.0);
        }
        assert_int_equal(tier__clv_loglik(&ll, g, TIER__CLV_PARETO_NBD, p, rows, n), TIER_OK);
        for (i = 0; i < 4; i++) {
            double q[4], d[2], fp, fm;
            int j;
            for (j = 0; j < 2; j++) {
                const double h = j ? 5e-4 : 1e-3;
                memcpy(q, p, sizeof q);
                q[i] = p[i] * exp(h);
                assert_int_equal(tier__clv_loglik(&fp, NULL, TIER__CLV_PARETO_NBD, q, rows, n),
                                 TIER_OK);
                q[i] = p[i] * exp(-h);
                assert_int_equal(tier__clv_loglik(&fm, NULL, TIER__CLV_PARETO_NBD, q, rows, n),
                                 TIER_OK);
                d[j] = (fp - fm) / (2.0 * h);
            }
            tst_assert_abs(g[i], (4.0 * d[1] - d[0]) / 3.0, 1e-8 * (1.0 + fabs(ll)));
        }
    }
}

static void test_fit_on_hard_rows_returns_finite_results(void **state)
{
    tier__clv_obs rows[40];
    tier_allocator a = tst_internal_allocator(NULL);
    tier__clv_fit_result f;
    size_t i, kind;
    (void)state;
    for (i = 0; i < 40; i++) {
        rows[i].x = (double)(i % 4 == 0 ? 1000 + i : i % 3);
        rows[i].T = 1e-3 + (double)i;
        rows[i].t_x = rows[i].x > 0.0 ? rows[i].T * (i % 2 ? 1.0 : 0.5) : 0.0;
        rows[i].m = (double)(i % 5);
        rows[i].w = 1.0;
    }
    for (kind = 1; kind <= 3; kind++) {
        int rc = tier__clv_fit(&f, (int)kind, rows, 40, NULL, &a, NULL);
        assert_true(rc == TIER_OK || rc == TIER_ECONVERGE);
        assert_true(isfinite(f.loglik) && isfinite(f.grad_norm));
        for (i = 0; i < f.n_params; i++)
            assert_true(isfinite(f.param[i]) && f.param[i] > 0.0 && isfinite(f.se[i]));
    }
}

static void test_fit_rejects_data_without_repeat_purchases(void **state)
{
    tier__clv_obs rows[3] = {{0, 0, 10, 0, 1}, {0, 0, 20, 0, 5}, {2, 3, 30, 0, 1}};
    tier_allocator a = tst_internal_allocator(NULL);
    tier__clv_fit_result f;
    char err[TIER__ERR_SIZE] = "";
    (void)state;
    assert_int_equal(tier__clv_fit(&f, TIER__CLV_BGNBD, rows, 2, NULL, &a, err), TIER_EINVAL);
    assert_non_null(strstr(err, "no repeat"));
    assert_int_equal(tier__clv_fit(&f, TIER__CLV_PARETO_NBD, rows, 2, NULL, &a, NULL), TIER_EINVAL);
    /* the only repeat customer spent $0: excluded and counted, nothing left to fit */
    assert_int_equal(tier__clv_fit(&f, TIER__CLV_GAMMA_GAMMA, rows, 3, NULL, &a, err), TIER_EINVAL);
    assert_int_equal((int)f.n_excluded, 1);
    assert_non_null(strstr(err, "positive value"));
}

static void test_fit_rejects_invalid_rows_and_options(void **state)
{
    const tier__clv_obs bad[] = {{-1, 0, 10, 0, 1}, {1.5, 1, 10, 0, 1}, {2, 11, 10, 0, 1},
                                 {2, 1, NAN, 0, 1}, {2, 1, 10, 0, -1},  {2, 1, 10, 0, INFINITY},
                                 {2, -1, 10, 0, 1}, {1, 1, -2, 0, 1}};
    tier__clv_obs rows[2] = {{2, 5, 10, 1, 1}, {0, 0, 10, 0, 1}};
    tier_allocator a = tst_internal_allocator(NULL);
    tier__clv_fit_result f;
    tier__clv_options o;
    char err[TIER__ERR_SIZE] = "";
    double ll, bogus[4] = {1, -1, 1, 1}, good[4] = {1, 1, 1, 1};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rows[1] = bad[i];
        assert_int_equal(tier__clv_fit(&f, TIER__CLV_BGNBD, rows, 2, NULL, &a, err), TIER_EINVAL);
        assert_non_null(strstr(err, "row 1"));
        assert_int_equal(tier__clv_loglik(&ll, NULL, TIER__CLV_BGNBD, good, rows, 2), TIER_EINVAL);
    }
    rows[1] = rows[0];
    assert_int_equal(tier__clv_fit(&f, 99, rows, 2, NULL, &a, NULL), TIER_EINVAL);
    tier__clv_options_init(&o);
    o.max_iter = 0;
    assert_int_equal(tier__clv_fit(&f, TIER__CLV_BGNBD, rows, 2, &o, &a, NULL), TIER_EINVAL);
    tier__clv_options_init(&o);
    o.has_start = 1;
    memcpy(o.start, bogus, sizeof bogus);
    assert_int_equal(tier__clv_fit(&f, TIER__CLV_BGNBD, rows, 2, &o, &a, NULL), TIER_EINVAL);
    assert_int_equal(tier__clv_loglik(&ll, NULL, TIER__CLV_BGNBD, bogus, rows, 2), TIER_EINVAL);
    assert_int_equal(tier__clv_p_alive(&ll, TIER__CLV_GAMMA_GAMMA, bogus, 1, 1, 1), TIER_EINVAL);
}

static int oom_fit(const tier_allocator *alloc, void *ud)
{
    const tier__clv_obs *rows = ud;
    tier_allocator a = tst_internal_allocator(alloc);
    tier__clv_fit_result f;
    return tier__clv_fit(&f, TIER__CLV_BGNBD, rows, 6, NULL, &a, NULL);
}

static void test_fit_reports_out_of_memory(void **state)
{
    tier__clv_obs rows[6] = {{0, 0, 30, 0, 3},  {1, 10, 30, 5, 2}, {2, 20, 35, 6, 1},
                             {3, 30, 38, 7, 1}, {0, 0, 20, 0, 4},  {5, 19, 20, 8, 1}};
    (void)state;
    assert_int_equal(tst_oom_walk(oom_fit, rows), 2); /* the rows and their buckets */
}

/* ---- calibration / holdout split
 * ----------------------------------------------------------------- */

static void test_summarise_splits_calibration_and_holdout(void **state)
{
    const int32_t days[] = {100, 107, 121, 150, 160, 300};
    const double amounts[] = {10.0, 20.0, 30.0, 40.0, 50.0, 60.0};
    tier__clv_obs o;
    double hold;
    (void)state;
    assert_int_equal(tier__clv_summarise(&o, &hold, days, amounts, 6, 140, 200, 7.0), TIER_OK);
    tst_assert_abs(o.x, 2.0, 0.0);
    tst_assert_rel(o.t_x, 3.0, 1e-15); /* day 121 - 100 = 3 weeks */
    tst_assert_rel(o.T, 40.0 / 7.0, 1e-15);
    tst_assert_rel(o.m, 25.0, 1e-15);
    tst_assert_abs(hold, 2.0, 0.0); /* 150, 160; 300 is past the holdout */
    assert_int_equal(tier__clv_summarise(&o, &hold, days, amounts, 6, 100, 400, 1.0), TIER_OK);
    assert_true(o.x == 0.0 && o.t_x == 0.0 && o.T == 0.0 && o.m == 0.0 && hold == 5.0);
    /* purchases on the calibration end day belong to calibration */
    assert_int_equal(tier__clv_summarise(&o, NULL, days, NULL, 6, 121, 121, 1.0), TIER_OK);
    assert_true(o.x == 2.0 && o.t_x == 21.0 && o.T == 21.0 && o.m == 0.0);
    assert_int_equal(tier__clv_summarise(&o, &hold, days, amounts, 6, 99, 200, 7.0),
                     TIER_ENOTFOUND);
    assert_int_equal(tier__clv_summarise(&o, &hold, days, amounts, 6, 140, 139, 7.0), TIER_EINVAL);
    assert_int_equal(tier__clv_summarise(&o, &hold, days, amounts, 6, 140, 200, 0.0), TIER_EINVAL);
    assert_int_equal(tier__clv_summarise(&o, &hold, days, amounts, 0, 140, 200, 7.0), TIER_EINVAL);
    {
        const int32_t dup[] = {100, 107, 107}, unsorted[] = {100, 90};
        assert_int_equal(tier__clv_summarise(&o, &hold, dup, amounts, 3, 140, 200, 7.0),
                         TIER_EINVAL);
        assert_int_equal(tier__clv_summarise(&o, &hold, unsorted, amounts, 2, 140, 200, 7.0),
                         TIER_EINVAL);
    }
}

TST_MAIN(
    cmocka_unit_test(test_lgamma_and_digamma_match_known_values),
    cmocka_unit_test(test_hyp2f1_matches_closed_forms),
    cmocka_unit_test(test_bgnbd_loglik_matches_the_papers_formula),
    cmocka_unit_test(test_pareto_loglik_matches_direct_integration),
    cmocka_unit_test(test_gamma_gamma_loglik_matches_the_density),
    cmocka_unit_test(test_gradients_match_finite_differences),
    cmocka_unit_test(test_bgnbd_expectation_of_a_new_customer_matches_the_unconditional_formula),
    cmocka_unit_test(test_expectations_are_continuous_where_formulas_divide_by_zero),
    cmocka_unit_test(test_short_horizon_expectation_is_alive_rate_times_horizon),
    cmocka_unit_test(test_discounted_value_sums_discounted_period_increments),
    cmocka_unit_test(test_expected_spend_falls_back_to_the_population_mean),
    cmocka_unit_test(test_hard_inputs_stay_finite),
    cmocka_unit_test(test_degenerate_bgnbd_fit_on_a_tiny_book_still_predicts),
    cmocka_unit_test(test_bgnbd_expectation_with_huge_a_and_b_matches_the_series_and_the_limit),
    cmocka_unit_test(test_expected_many_matches_the_plain_series_on_a_grid),
    cmocka_unit_test(test_beta_moments_match_the_quadrature_for_narrow_posteriors),
    cmocka_unit_test(test_predictions_stay_finite_on_a_grid_of_extreme_parameters),
    cmocka_unit_test(test_pareto_p_alive_where_the_series_is_slow_matches_direct_integration),
    cmocka_unit_test(test_pareto_analytic_gradient_matches_central_differences_on_many_points),
    cmocka_unit_test(test_fit_on_hard_rows_returns_finite_results),
    cmocka_unit_test(test_fit_rejects_data_without_repeat_purchases),
    cmocka_unit_test(test_fit_rejects_invalid_rows_and_options),
    cmocka_unit_test(test_fit_reports_out_of_memory),
    cmocka_unit_test(test_summarise_splits_calibration_and_holdout))
