/* SPDX-License-Identifier: MIT */
/* The clv numerics' refusals and limits (models/clv/clv_math.h, clv_numeric.h), with known
 * values: ln Gamma and digamma outside their domain, 2F1 with a parameter that is not a number, a
 * series that overflows or runs out of terms (on both sides of z = 0), the sum of |terms| that
 * measures cancellation, the quadratures' degenerate inputs, and the predictions' argument checks
 * (kinds, parameters, rows, horizons, spend, discounting). */
#include <math.h>
#include <string.h>

#include "support.h"

#include "models/clv/clv_numeric.h"

static void test_special_functions_outside_their_domain(void **state)
{
    double v = 7, abs_sum = 0;
    (void)state;
    assert_true(tier__clv_lgamma(0.0) == HUGE_VAL);
    assert_true(tier__clv_lgamma(-1.5) == HUGE_VAL);
    assert_true(tier__clv_lgamma(NAN) == HUGE_VAL);
    assert_true(tier__clv_digamma(0.0) == -HUGE_VAL);
    assert_true(tier__clv_digamma(-2.0) == -HUGE_VAL);
    /* a parameter that is not a number */
    assert_int_equal(tier__clv_hyp2f1(&v, NAN, 1, 2, 0.5), TIER_ERANGE);
    assert_int_equal(tier__clv_hyp2f1(&v, 1, INFINITY, 2, 0.5), TIER_ERANGE);
    assert_int_equal(tier__clv_hyp2f1(&v, 1, 1, NAN, 0.5), TIER_ERANGE);
    assert_int_equal(tier__clv_hyp2f1(&v, 1, 1, 0, 0.5), TIER_ERANGE);
    assert_true(v == 7);
    /* c = -2.5 is not an integer: allowed; 2F1(1, b; b; z) = 1 / (1 - z) for any b */
    assert_int_equal(tier__clv_hyp2f1(&v, 1, -2.5, -2.5, 0.5), TIER_OK);
    tst_assert_rel(v, 2.0, 1e-14);
    /* terms that overflow */
    assert_int_equal(tier__clv_hyp2f1(&v, 1e200, 1e200, 1, 0.5), TIER_ERANGE);
    assert_int_equal(tier__clv_hyp2f1(&v, 1e200, 1e200, 1, -0.5), TIER_ERANGE);
    /* z far below 0: the Pfaff argument z/(z-1) is close to 1 and the terms run out */
    assert_int_equal(tier__clv_hyp2f1(&v, 1, 1, 2, -1e15), TIER_ECONVERGE);
    /* the sum of |terms| of a polynomial and of a converged series: (1 - z)^2 at z = 0.5 has terms
     * 1, -1, 0.25; 2F1(1, 1; 1; 0.5) = 2 has only positive terms */
    assert_int_equal(tier__clv_hyp_tail_sum(&v, &abs_sum, -2, 1, 1, 0.5, 1, 0, 100), TIER_OK);
    tst_assert_rel(v, 0.25, 1e-15);
    tst_assert_rel(abs_sum, 2.25, 1e-15);
    assert_int_equal(tier__clv_hyp_tail_sum(&v, &abs_sum, 1, 1, 1, 0.5, 1, 0, 200), TIER_OK);
    tst_assert_rel(v, 2.0, 1e-15);
    tst_assert_rel(abs_sum, v, 1e-15);
    assert_int_equal(tier__clv_hyp_tail_sum(&v, &abs_sum, 1, 1, 1, 0.5, 1, 0, 3), TIER_ECONVERGE);
    /* (1 - e^{hL}) / h at h = 0 is -L; at h = 1, L = 1 it is 1 - e */
    tst_assert_rel(tier__clv_one_minus_exp_over(0, 2), -2, 1e-15);
    tst_assert_rel(tier__clv_one_minus_exp_over(1, 1), 1 - exp(1), 1e-15);
}

static void test_the_quadratures_refuse_degenerate_inputs(void **state)
{
    double v = 7;
    (void)state;
    /* Beta(a, b) with a mean that is not a probability in (0, 1) */
    assert_int_equal(tier__clv_beta_mean_g(&v, 0, 1, 1, 1), TIER_ERANGE);
    assert_int_equal(tier__clv_beta_mean_g_moments(&v, 0, 1, 1, 1), TIER_ERANGE);
    assert_int_equal(tier__clv_beta_mean_g_moments(&v, 1, 0, 1, 1), TIER_ERANGE);
    assert_int_equal(tier__clv_beta_mean_g_moments(&v, INFINITY, 1, 1, 1), TIER_ERANGE);
    /* a wide posterior: the moment series is not used there */
    assert_int_equal(tier__clv_beta_mean_g_moments(&v, 1, 1, 1, 1), TIER_ECONVERGE);
    /* an empty interval has no integral */
    assert_int_equal(tier__clv_pnbd_tail_integral(&v, 1, 1, 1, 1, 5, 5), TIER_ERANGE);
    assert_int_equal(tier__clv_pnbd_tail_integral(&v, 1, 1, 1, 1, 5, 4), TIER_ERANGE);
    assert_true(v == 7);
    /* the known value: rx = 1, al = be = 0, s = 1 gives s J = int_1^2 u^-3 du = 3/8 */
    assert_int_equal(tier__clv_pnbd_tail_integral(&v, 1, 0, 1, 0, 1, 2), TIER_OK);
    tst_assert_rel(v, log(0.375), 1e-12);
}

static void test_predictions_check_their_arguments(void **state)
{
    static const double bg[4] = {0.25, 4.4, 0.8, 2.4}, gg[3] = {6.25, 3.74, 15.44};
    static const double gg_no_mean[3] = {6.25, 0.5, 15.44};
    double t[TIER__CLV_BATCH + 1], out[TIER__CLV_BATCH + 1], v = 7;
    tier__clv_obs o;
    const int32_t days[] = {100, 107};
    const double amounts[] = {10, NAN};
    size_t i;
    (void)state;
    for (i = 0; i <= TIER__CLV_BATCH; i++)
        t[i] = (double)i;
    assert_int_equal(tier__clv_p_alive(NULL, TIER__CLV_BGNBD, bg, 1, 1, 2), TIER_EINVAL);
    assert_int_equal(tier__clv_p_alive(&v, TIER__CLV_GAMMA_GAMMA, bg, 1, 1, 2), TIER_EINVAL);
    assert_int_equal(tier__clv_p_alive(&v, TIER__CLV_BGNBD, bg, 1, 3, 2), TIER_EINVAL);
    assert_int_equal(tier__clv_expected(NULL, TIER__CLV_BGNBD, bg, 1, 1, 1, 2), TIER_EINVAL);
    assert_int_equal(tier__clv_expected_many(NULL, TIER__CLV_BGNBD, bg, t, 2, 1, 1, 2),
                     TIER_EINVAL);
    assert_int_equal(tier__clv_expected_many(out, TIER__CLV_BGNBD, bg, NULL, 2, 1, 1, 2),
                     TIER_EINVAL);
    assert_int_equal(
        tier__clv_expected_many(out, TIER__CLV_BGNBD, bg, t, TIER__CLV_BATCH + 1, 1, 1, 2),
        TIER_EINVAL);
    t[1] = -1;
    assert_int_equal(tier__clv_expected_many(out, TIER__CLV_BGNBD, bg, t, 2, 1, 1, 2), TIER_EINVAL);
    t[1] = NAN;
    assert_int_equal(tier__clv_expected_many(out, TIER__CLV_BGNBD, bg, t, 2, 1, 1, 2), TIER_EINVAL);
    t[1] = 1;
    assert_int_equal(tier__clv_expected_many(out, TIER__CLV_GAMMA_GAMMA, bg, t, 2, 1, 1, 2),
                     TIER_EINVAL);
    /* nothing is expected in no time */
    assert_int_equal(tier__clv_expected_many(out, TIER__CLV_BGNBD, bg, t, 2, 1, 1, 2), TIER_OK);
    assert_true(out[0] == 0 && out[1] > 0);
    /* spend */
    assert_int_equal(tier__clv_expected_spend(NULL, gg, 1, 10), TIER_EINVAL);
    assert_int_equal(tier__clv_expected_spend(&v, NULL, 1, 10), TIER_EINVAL);
    assert_int_equal(tier__clv_expected_spend(&v, gg, -1, 10), TIER_EINVAL);
    assert_int_equal(tier__clv_expected_spend(&v, gg, INFINITY, 10), TIER_EINVAL);
    assert_int_equal(tier__clv_expected_spend(&v, gg, 1, -10), TIER_EINVAL);
    assert_int_equal(tier__clv_expected_spend(&v, gg, 1, NAN), TIER_EINVAL);
    assert_int_equal(tier__clv_expected_spend(&v, gg_no_mean, 0, 0), TIER_ERANGE);
    assert_true(v == 7);
    /* p (gamma + x m) / (p x + q - 1) */
    assert_int_equal(tier__clv_expected_spend(&v, gg, 2, 30), TIER_OK);
    tst_assert_rel(v, 6.25 * (15.44 + 60) / (12.5 + 2.74), 1e-15);
    /* discounting */
    v = 7;
    assert_int_equal(
        tier__clv_discounted_value(NULL, TIER__CLV_BGNBD, bg, gg, 1, 1, 2, 10, 4, 3, 0.1),
        TIER_EINVAL);
    assert_int_equal(
        tier__clv_discounted_value(&v, TIER__CLV_BGNBD, bg, gg, 1, 1, 2, 10, 0, 3, 0.1),
        TIER_EINVAL);
    assert_int_equal(
        tier__clv_discounted_value(&v, TIER__CLV_BGNBD, bg, gg, 1, 1, 2, 10, NAN, 3, 0.1),
        TIER_EINVAL);
    assert_int_equal(tier__clv_discounted_value(&v, TIER__CLV_BGNBD, bg, gg, 1, 1, 2, 10, 4, 3, -1),
                     TIER_EINVAL);
    assert_int_equal(
        tier__clv_discounted_value(&v, TIER__CLV_BGNBD, bg, gg, 1, 1, 2, 10, 4, 3, INFINITY),
        TIER_EINVAL);
    assert_int_equal(
        tier__clv_discounted_value(&v, TIER__CLV_BGNBD, bg, gg_no_mean, 0, 0, 2, 0, 4, 3, 0.1),
        TIER_ERANGE);
    assert_int_equal(
        tier__clv_discounted_value(&v, TIER__CLV_GAMMA_GAMMA, bg, gg, 1, 1, 2, 10, 4, 3, 0.1),
        TIER_EINVAL);
    assert_true(v == 7);
    /* no period: nothing to come */
    assert_int_equal(
        tier__clv_discounted_value(&v, TIER__CLV_BGNBD, bg, gg, 1, 1, 2, 10, 4, 0, 0.1), TIER_OK);
    assert_true(v == 0);
    /* the summary: a day without days, an amount that is not a number */
    assert_int_equal(tier__clv_summarise(NULL, NULL, days, amounts, 2, 140, 200, 1), TIER_EINVAL);
    assert_int_equal(tier__clv_summarise(&o, NULL, NULL, amounts, 2, 140, 200, 1), TIER_EINVAL);
    assert_int_equal(tier__clv_summarise(&o, NULL, days, amounts, 2, 140, 200, NAN), TIER_EINVAL);
    assert_int_equal(tier__clv_summarise(&o, NULL, days, amounts, 2, 140, 200, 1), TIER_EINVAL);
}

/* The sums' refusals: a term that is not finite, a total that is not finite, a kind without
 * parameters; the fit from sums refuses missing arguments and bad options, and reports a
 * likelihood that cannot be evaluated at any start. Rows spread over buckets add up in bucket
 * order. */
static int no_sums(void *ctx, int kind, const double *p, int want_grad, double *tot)
{
    (void)ctx;
    (void)kind;
    (void)p;
    (void)want_grad;
    (void)tot;
    return TIER_ERANGE;
}

static void test_bucket_sums_refuse_what_is_not_finite(void **state)
{
    const double bg[4] = {0.25, 4.4, 0.8, 2.4}, gg[3] = {6, 4, 15};
    const tier__clv_obs huge = {2, 1e300, 1e300, 1, 1e306}, spend = {1e300, 0, 0, 5, 1e300};
    const unsigned char b7 = 7;
    tier__clv_sums *acc = test_calloc(1, sizeof *acc);
    double tot[TIER__CLV_SUMS] = {0, HUGE_VAL, 0, 0, 0}, mo[TIER__CLV_MO_COUNT] = {3, 2, 3, 9, 0};
    tier__clv_fit_result f;
    double v, g[4];
    char err[TIER__ERR_SIZE] = "";
    (void)state;
    assert_int_equal(tier__clv_loglik_sums(acc, 1, 0, bg, &huge, NULL, 1), TIER_EINVAL);
    assert_int_equal(tier__clv_sums_result(&v, g, tot, 0, bg), TIER_EINVAL);
    /* w * term overflows (BG/NBD value, Gamma-Gamma value) */
    assert_int_equal(tier__clv_loglik_rows(&v, NULL, TIER__CLV_BGNBD, bg, &huge, 1), TIER_ERANGE);
    assert_int_equal(tier__clv_loglik_rows(&v, g, TIER__CLV_GAMMA_GAMMA, gg, &spend, 1),
                     TIER_ERANGE);
    /* a derivative's total that is not finite matters with the gradient only */
    assert_int_equal(tier__clv_sums_result(&v, NULL, tot, TIER__CLV_GAMMA_GAMMA, gg), TIER_OK);
    assert_int_equal(tier__clv_sums_result(&v, g, tot, TIER__CLV_GAMMA_GAMMA, gg), TIER_ERANGE);
    /* a row's terms go to its bucket; the totals add the buckets in order */
    assert_int_equal(tier__clv_loglik_sums(acc, 1, TIER__CLV_GAMMA_GAMMA, gg, &spend + 0, &b7, 0),
                     TIER_OK);
    {
        const tier__clv_obs row = {2, 0, 0, 5, 3};
        double one[TIER__CLV_SUMS];
        assert_int_equal(tier__clv_loglik_sums(acc, 1, TIER__CLV_GAMMA_GAMMA, gg, &row, &b7, 1),
                         TIER_OK);
        assert_true(acc->s[7][0] < 0.0 && acc->s[0][0] == 0.0);
        tier__clv_bucket_totals(one, &acc->s[0][0], TIER__CLV_SUMS);
        assert_int_equal(tier__clv_loglik_rows(&v, NULL, TIER__CLV_GAMMA_GAMMA, gg, &row, 1),
                         TIER_OK);
        assert_true(one[0] == v);
    }
    /* the fit from sums: arguments, options, and a likelihood that cannot be evaluated */
    assert_int_equal(tier__clv_fit_sums(&f, TIER__CLV_BGNBD, NULL, 0, 0, no_sums, NULL, NULL, err),
                     TIER_EINVAL);
    assert_int_equal(tier__clv_fit_sums(&f, TIER__CLV_BGNBD, mo, 0, 0, NULL, NULL, NULL, err),
                     TIER_EINVAL);
    {
        tier__clv_options o;
        tier__clv_options_init(&o);
        o.max_iter = 0;
        assert_int_equal(tier__clv_fit_sums(&f, TIER__CLV_BGNBD, mo, 0, 3, no_sums, NULL, &o, err),
                         TIER_EINVAL);
    }
    assert_int_equal(tier__clv_fit_sums(&f, TIER__CLV_BGNBD, mo, 0, 3, no_sums, NULL, NULL, err),
                     TIER_ECONVERGE);
    assert_int_equal(f.starts, 3);
    test_free(acc);
}

TST_MAIN(cmocka_unit_test(test_special_functions_outside_their_domain),
         cmocka_unit_test(test_the_quadratures_refuse_degenerate_inputs),
         cmocka_unit_test(test_predictions_check_their_arguments),
         cmocka_unit_test(test_bucket_sums_refuse_what_is_not_finite))
