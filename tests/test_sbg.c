/* SPDX-License-Identifier: MIT */
/* The shifted-beta-geometric retention model: the published fits of Fader & Hardie (2007), the
 * likelihood against the log-beta formulas, several cohorts and customers, standard errors against
 * second differences, DERL's closed form against its sum, degenerate data, bad input, the public
 * handle, the model kind "sbg" (fit, score, one row, explain, save and load) and out-of-memory
 * walks. */
#include <math.h>
#include <string.h>

#include "support.h"

#include "models/sbg/sbg.h"
#include "util/internal.h"

/* The paper's data, years 0-7, 1,000 customers per segment. */
static const double high_end[8] = {1000, 869, 743, 653, 593, 551, 517, 491};
static const double regular[8] = {1000, 631, 468, 382, 326, 289, 262, 241};

/* ln B(a, b) with the C library's lgamma: written apart from the library's log-space sums. */
static double log_beta(double a, double b)
{
    return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/* The log-likelihood of cohorts of survivor counts by the paper's formulas:
 * sum over periods of (lost) ln P(T = t) + (left at the end) ln S(k). */
static double hand_loglik(double a, double b, const double *const *c, const size_t *len, size_t n)
{
    double ll = 0.0;
    size_t i, t;
    for (i = 0; i < n; i++) {
        for (t = 1; t < len[i]; t++)
            ll += (c[i][t - 1] - c[i][t]) * (log_beta(a + 1, b + (double)t - 1) - log_beta(a, b));
        ll += c[i][len[i] - 1] * (log_beta(a, b + (double)len[i] - 1) - log_beta(a, b));
    }
    return ll;
}

static void fit_one(tier__sbg_fit *f, const double *counts, size_t len)
{
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    char err[TIER__ERR_SIZE] = "";
    const double *c[1];
    c[0] = counts;
    if (tier__sbg_fit_survivors(f, c, &len, 1, &a, err) != TIER_OK)
        fail_msg("fit: %s", err);
}

/* ---- the published fits ---------------------------------------------------------------------- */

static void test_sbg_reproduces_the_published_fits(void **state)
{
    tier__sbg_fit f;
    (void)state;
    fit_one(&f, high_end, 8);
    /* Fader & Hardie (2007): high end alpha 0.668, beta 3.806, LL -1611.2. */
    tst_assert_abs(f.alpha, 0.668, 0.0005);
    tst_assert_abs(f.beta, 3.806, 0.0005);
    tst_assert_abs(f.loglik, -1611.2, 0.05);
    assert_true(f.converged);
    assert_true(f.iterations > 0 && f.grad_norm <= 1e-9);
    assert_true(f.customers == 1000 && f.churned == 509 && f.periods == 7);
    assert_true(f.se_ok && f.se_alpha > 0 && f.se_beta > 0);
    fit_one(&f, regular, 8);
    /* regular alpha 0.704, beta 1.182, LL -1680.3. */
    tst_assert_abs(f.alpha, 0.704, 0.0005);
    tst_assert_abs(f.beta, 1.182, 0.0005);
    tst_assert_abs(f.loglik, -1680.3, 0.05);
    assert_true(f.converged && f.se_ok);
}

static void test_sbg_loglik_equals_the_log_beta_formulas(void **state)
{
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    const double *c[2] = {high_end, regular};
    const size_t len[2] = {8, 5};
    const double pts[][2] = {{0.668, 3.806}, {0.2, 0.3}, {5, 40}, {1e-3, 2e-3}, {300, 100}};
    tier__sbg_table t;
    char err[TIER__ERR_SIZE];
    size_t i;
    (void)state;
    assert_int_equal(tier__sbg_table_new(&t, 7, &a, err), TIER_OK);
    assert_int_equal(tier__sbg_table_add_survivors(&t, c[0], 8, 0, err), TIER_OK);
    assert_int_equal(tier__sbg_table_add_survivors(&t, c[1], 5, 1, err), TIER_OK);
    for (i = 0; i < TST_COUNT(pts); i++) {
        double ll, g[2], lp, lm, h = 1e-6;
        assert_int_equal(tier__sbg_loglik(&ll, g, pts[i][0], pts[i][1], &t), TIER_OK);
        tst_assert_rel(ll, hand_loglik(pts[i][0], pts[i][1], c, len, 2), 1e-10);
        /* the analytic gradient by ln alpha and ln beta against central differences */
        assert_int_equal(tier__sbg_loglik(&lp, NULL, pts[i][0] * exp(h), pts[i][1], &t), TIER_OK);
        assert_int_equal(tier__sbg_loglik(&lm, NULL, pts[i][0] * exp(-h), pts[i][1], &t), TIER_OK);
        tst_assert_abs(g[0], (lp - lm) / (2 * h), 1e-4 * (1 + fabs(g[0])));
        assert_int_equal(tier__sbg_loglik(&lp, NULL, pts[i][0], pts[i][1] * exp(h), &t), TIER_OK);
        assert_int_equal(tier__sbg_loglik(&lm, NULL, pts[i][0], pts[i][1] * exp(-h), &t), TIER_OK);
        tst_assert_abs(g[1], (lp - lm) / (2 * h), 1e-4 * (1 + fabs(g[1])));
    }
    tier__sbg_table_free(&t, &a);
}

/* Cohorts of different lengths fit together; the same data given customer by customer (the
 * contracts interface) give the same fit. */
static void test_sbg_fits_several_cohorts_and_customers_alike(void **state)
{
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    const double *c[2] = {high_end, regular};
    const size_t len[2] = {8, 5};
    double ren[2000], churn[2000], ll;
    tier__sbg_fit f, g;
    char err[TIER__ERR_SIZE] = "";
    size_t i, k, m = 0, t;
    (void)state;
    assert_int_equal(tier__sbg_fit_survivors(&f, c, len, 2, &a, err), TIER_OK);
    assert_true(f.converged && f.customers == 2000 && f.periods == 7);
    tst_assert_rel(f.loglik, hand_loglik(f.alpha, f.beta, c, len, 2), 1e-10);
    /* the maximum: every step away lowers the hand likelihood */
    for (k = 0; k < 4; k++) {
        double da = (k == 0   ? 1.001
                     : k == 1 ? 0.999
                              : 1),
               db = (k == 2   ? 1.001
                     : k == 3 ? 0.999
                              : 1);
        assert_true(hand_loglik(f.alpha * da, f.beta * db, c, len, 2) < f.loglik);
    }
    /* customer by customer: lost in period t = churned after t - 1 renewals */
    for (i = 0; i < 2; i++) {
        for (t = 1; t < len[i]; t++)
            for (k = 0; k < (size_t)(c[i][t - 1] - c[i][t]); k++, m++) {
                ren[m] = (double)(t - 1);
                churn[m] = 1;
            }
        for (k = 0; k < (size_t)c[i][len[i] - 1]; k++, m++) {
            ren[m] = (double)(len[i] - 1);
            churn[m] = (k % 2) ? 0 : NAN; /* NaN: still a customer */
        }
    }
    assert_int_equal(m, 2000);
    ren[0] = NAN; /* no contract: left out */
    assert_int_equal(tier__sbg_fit_cohorts(&g, ren, churn, m, &a, NULL, err), TIER_OK);
    assert_true(g.customers == 1999);
    ren[0] = 0;
    assert_int_equal(tier__sbg_fit_cohorts(&g, ren, churn, m, &a, NULL, err), TIER_OK);
    tst_assert_rel(g.alpha, f.alpha, 1e-6);
    tst_assert_rel(g.beta, f.beta, 1e-6);
    tst_assert_rel(g.loglik, f.loglik, 1e-12);
    assert_int_equal(tier__sbg_loglik(&ll, NULL, g.alpha, g.beta, &(tier__sbg_table){0}),
                     TIER_OK); /* an empty table */
    assert_true(ll == 0.0);
}

/* Standard errors: the inverse of minus the Hessian of the hand log-likelihood by second
 * differences in alpha and beta. */
static void test_sbg_standard_errors_match_second_differences(void **state)
{
    const double *c[1] = {high_end};
    const size_t len[1] = {8};
    tier__sbg_fit f;
    double a, b, ha, hb, Haa, Hbb, Hab, det;
    (void)state;
    fit_one(&f, high_end, 8);
    a = f.alpha;
    b = f.beta;
    ha = 1e-4 * a;
    hb = 1e-4 * b;
    Haa = (hand_loglik(a + ha, b, c, len, 1) - 2 * hand_loglik(a, b, c, len, 1) +
           hand_loglik(a - ha, b, c, len, 1)) /
          (ha * ha);
    Hbb = (hand_loglik(a, b + hb, c, len, 1) - 2 * hand_loglik(a, b, c, len, 1) +
           hand_loglik(a, b - hb, c, len, 1)) /
          (hb * hb);
    Hab = (hand_loglik(a + ha, b + hb, c, len, 1) - hand_loglik(a + ha, b - hb, c, len, 1) -
           hand_loglik(a - ha, b + hb, c, len, 1) + hand_loglik(a - ha, b - hb, c, len, 1)) /
          (4 * ha * hb);
    det = Haa * Hbb - Hab * Hab;
    assert_true(det > 0 && Haa < 0);
    tst_assert_rel(f.se_alpha, sqrt(-Hbb / det), 1e-3);
    tst_assert_rel(f.se_beta, sqrt(-Haa / det), 1e-3);
}

/* ---- figures -----------------------------------------------------------------------------------
 */

static void test_sbg_derl_closed_form_equals_the_truncated_sum(void **state)
{
    const double pars[][2] = {{0.668, 3.806}, {0.704, 1.182}, {3.5, 2.0}, {0.05, 0.2}};
    const double rates[] = {0.1, 0.02, 0.5};
    const double ns[] = {0, 1, 4, 20};
    size_t i, j, k;
    (void)state;
    for (i = 0; i < TST_COUNT(pars); i++)
        for (j = 0; j < TST_COUNT(rates); j++)
            for (k = 0; k < TST_COUNT(ns); k++) {
                double a = pars[i][0], b = pars[i][1], d = rates[j], n = ns[k], derl;
                double sum = 0.0, cond = 1.0, disc = 1.0;
                long t;
                assert_int_equal(tier__sbg_derl(&derl, a, b, n, d), TIER_OK);
                /* S(t) / S(n) for t = n + 1, ... by retention rates; first term undiscounted */
                for (t = 1; t < 200000; t++) {
                    cond *= tier__sbg_retention(a, b, n + (double)t);
                    sum += cond * disc;
                    disc /= 1.0 + d;
                    if (cond * disc < 1e-17 * sum)
                        break;
                }
                tst_assert_rel(derl, sum, 1e-9);
            }
}

static void test_sbg_per_customer_figures_follow_the_survival_curve(void **state)
{
    const double a = 0.668, b = 3.806;
    double n, sum, cond;
    long t;
    (void)state;
    assert_true(tier__sbg_survival(a, b, 0) == 1.0);
    for (n = 0; n < 30; n++) {
        double sn = tier__sbg_survival(a, b, n), sn1 = tier__sbg_survival(a, b, n + 1);
        tst_assert_rel(tier__sbg_renewal_probability(a, b, n), sn1 / sn, 1e-12);
        tst_assert_rel(tier__sbg_retention(a, b, n + 1), sn1 / sn, 1e-12);
        tst_assert_rel(tier__sbg_churn_probability(a, b, n + 1), sn - sn1, 1e-10);
        tst_assert_rel(sn, exp(log_beta(a, b + n) - log_beta(a, b)), 1e-11);
    }
    /* beyond the product, the log-gamma closed form */
    tst_assert_rel(tier__sbg_survival(a, b, 5000), exp(log_beta(a, b + 5000) - log_beta(a, b)),
                   1e-9);
    tst_assert_rel(tier__sbg_survival(a, b, 4096) * tier__sbg_retention(a, b, 4097),
                   tier__sbg_survival(a, b, 4097), 1e-9);
    /* expected further renewals: infinite for alpha <= 1, (beta + n) / (alpha - 1) else */
    assert_true(isinf(tier__sbg_residual_lifetime(a, b, 3)));
    tst_assert_rel(tier__sbg_residual_lifetime(3.5, 2.0, 3), 5.0 / 2.5, 1e-15);
    for (t = 1, sum = 0, cond = 1; t < 2000000; t++) {
        cond *= tier__sbg_retention(3.5, 2.0, 3.0 + (double)t);
        sum += cond;
    }
    tst_assert_rel(sum, 2.0, 1e-6);
}

static void test_sbg_projects_the_published_survivors(void **state)
{
    tier__sbg_fit f;
    size_t t;
    (void)state;
    fit_one(&f, high_end, 8);
    for (t = 0; t < 8; t++) /* the fit follows the data within 20 per 1,000 */
        tst_assert_abs(1000 * tier__sbg_survival(f.alpha, f.beta, (double)t), high_end[t], 20);
    /* the projection (docs/sbg.md): 850.68 after one renewal, 435.78 after nine */
    tst_assert_abs(1000 * tier__sbg_survival(f.alpha, f.beta, 1), 850.68, 0.005);
    tst_assert_abs(1000 * tier__sbg_survival(f.alpha, f.beta, 9), 435.78, 0.005);
    fit_one(&f, regular, 8);
    for (t = 0; t < 8; t++)
        tst_assert_abs(1000 * tier__sbg_survival(f.alpha, f.beta, (double)t), regular[t], 20);
    tst_assert_abs(1000 * tier__sbg_survival(f.alpha, f.beta, 12), 170.04, 0.005);
    /* retention rises with tenure: the heterogeneity the model is about */
    for (t = 2; t < 20; t++)
        assert_true(tier__sbg_retention(f.alpha, f.beta, (double)t) >
                    tier__sbg_retention(f.alpha, f.beta, (double)t - 1));
}

/* ---- bad and degenerate data ------------------------------------------------------------------
 */

typedef struct bad_case {
    double v[4];
    size_t len;
    int rc;
    const char *text;
} bad_case;

static void test_sbg_refuses_bad_survivor_counts(void **state)
{
    static const bad_case cases[] = {
        {{1000, 900, 950, 800}, 4, TIER_EINVAL, "period 2: 950 survivors after 900"},
        {{1000, NAN, 800, 700}, 4, TIER_EINVAL, "period 1: survivor count nan"},
        {{1000, -5, 0, 0}, 3, TIER_EINVAL, "is not a number of customers"},
        {{1000, 0, 0, 0}, 1, TIER_EINVAL, "1 survivor count;"},
        {{0, 0, 0, 0}, 3, TIER_EINVAL, "no customers at the start"},
        {{1000, 600, 0, 0}, 2, TIER_EINVAL, "reach period 1 only"},
        {{1000, INFINITY, 0, 0}, 3, TIER_EINVAL, "survivor count inf"}};
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    tier__sbg_fit f;
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(cases); i++) {
        char err[TIER__ERR_SIZE] = "";
        const double *c[1];
        c[0] = cases[i].v;
        assert_int_equal(tier__sbg_fit_survivors(&f, c, &cases[i].len, 1, &a, err), cases[i].rc);
        if (!strstr(err, cases[i].text))
            fail_msg("case %lu: \"%s\" does not say \"%s\"", (unsigned long)i, err, cases[i].text);
    }
}

static void test_sbg_degenerate_data_end_cleanly_never_nan(void **state)
{
    static const double all_stay[] = {1000, 1000, 1000, 1000};
    static const double all_go[] = {1000, 0, 0, 0};
    static const double geometric[] = {1024, 512, 256, 128, 64, 32};
    static const double *const sets[] = {all_stay, all_go, geometric};
    static const size_t lens[] = {4, 4, 6};
    static const char *const says[] = {"no customer churned", "every customer churned in period 1",
                                       "no heterogeneity"};
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    const double extremes[] = {1e-13, 1e-6, 1, 1e6, 1e13};
    tier__sbg_table t;
    tier__sbg_fit f;
    size_t i, j;
    (void)state;
    for (i = 0; i < TST_COUNT(sets); i++) {
        char err[TIER__ERR_SIZE] = "";
        const double *c[1];
        c[0] = sets[i];
        assert_int_equal(tier__sbg_fit_survivors(&f, c, &lens[i], 1, &a, err), TIER_ECONVERGE);
        assert_non_null(strstr(err, says[i]));
        assert_false(f.converged);
        assert_true(isfinite(f.alpha) && f.alpha > 0 && isfinite(f.beta) && f.beta > 0);
        assert_false(isnan(f.loglik));
        /* the likelihood itself is finite at every corner of the box */
        assert_int_equal(tier__sbg_table_new(&t, lens[i] - 1, &a, err), TIER_OK);
        assert_int_equal(tier__sbg_table_add_survivors(&t, sets[i], lens[i], 0, err), TIER_OK);
        for (j = 0; j < TST_COUNT(extremes) * TST_COUNT(extremes); j++) {
            double ll, g[2];
            int rc = tier__sbg_loglik(&ll, g, extremes[j / 5], extremes[j % 5], &t);
            assert_true(rc == TIER_OK || rc == TIER_ERANGE);
            if (rc == TIER_OK)
                assert_true(isfinite(ll) && isfinite(g[0]) && isfinite(g[1]));
        }
        tier__sbg_table_free(&t, &a);
    }
    assert_int_equal(tier__sbg_loglik(&f.loglik, NULL, NAN, 1, &t), TIER_EINVAL);
    assert_int_equal(tier__sbg_loglik(&f.loglik, NULL, 1, -1, &t), TIER_EINVAL);
}

/* ---- the public handle --------------------------------------------------------------------------
 */

static void test_sbg_handle_fits_and_answers_per_customer(void **state)
{
    const double *c[2] = {high_end, regular};
    const size_t len[2] = {8, 8};
    const double bad[3] = {1000, 1200, 900};
    const double *cb[1] = {bad};
    const size_t lb[1] = {3};
    tier_sbg *s = NULL;
    double a, b, se_a, se_b, v, w;
    (void)state;
    assert_int_equal(tier_sbg_new(&s, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_sbg_params(s, &a, &b), TIER_ESTATE);
    assert_int_equal(tier_sbg_renewal_probability(s, 0, &v), TIER_ESTATE);
    assert_int_equal(tier_sbg_fit(s, c, len, 1), TIER_OK);
    assert_string_equal(tier_sbg_last_error(s), "");
    assert_int_equal(tier_sbg_params(s, &a, &b), TIER_OK);
    tst_assert_abs(a, 0.668, 0.0005);
    assert_int_equal(tier_sbg_standard_errors(s, &se_a, &se_b), TIER_OK);
    assert_true(se_a > 0.05 && se_a < 0.2 && se_b > 0.3 && se_b < 2);
    assert_int_equal(tier_sbg_fit_stat(s, TIER_SBG_STAT_LOG_LIKELIHOOD, &v), TIER_OK);
    tst_assert_abs(v, -1611.2, 0.05);
    assert_int_equal(tier_sbg_fit_stat(s, TIER_SBG_STAT_CONVERGED, &v), TIER_OK);
    assert_true(v == 1);
    assert_int_equal(tier_sbg_fit_stat(s, TIER_SBG_STAT_PERIODS, &v), TIER_OK);
    assert_true(v == 7);
    assert_int_equal(tier_sbg_fit_stat(s, 99, &v), TIER_EINVAL);
    /* a failed fit leaves the handle as it was */
    assert_int_equal(tier_sbg_fit(s, cb, lb, 1), TIER_EINVAL);
    assert_non_null(strstr(tier_sbg_last_error(s), "cannot increase"));
    assert_int_equal(tier_sbg_params(s, &v, NULL), TIER_OK);
    assert_true(v == a);
    /* per customer */
    assert_int_equal(tier_sbg_renewal_probability(s, 2, &v), TIER_OK);
    tst_assert_rel(v, (b + 2) / (a + b + 2), 1e-15);
    assert_int_equal(tier_sbg_survival(s, 3, &v), TIER_OK);
    tst_assert_rel(v, tier__sbg_survival(a, b, 3), 0);
    assert_int_equal(tier_sbg_survival(s, 2.5, &v), TIER_EINVAL);
    assert_int_equal(tier_sbg_retention(s, 0, &v), TIER_EINVAL);
    assert_int_equal(tier_sbg_retention(s, 1, &v), TIER_OK);
    tst_assert_rel(v, b / (a + b), 1e-15);
    assert_int_equal(tier_sbg_residual_lifetime(s, 1, &v), TIER_OK);
    assert_true(isinf(v));
    assert_int_equal(tier_sbg_residual_lifetime(s, -1, &v), TIER_EINVAL);
    assert_int_equal(tier_sbg_derl(s, 0, 0.1, &v), TIER_OK);
    assert_int_equal(tier_sbg_clv(s, 0, 0.1, 250, &w), TIER_OK);
    tst_assert_rel(w, 250 * v, 1e-15);
    assert_int_equal(tier_sbg_derl(s, 0, 0, &v), TIER_EINVAL);
    assert_int_equal(tier_sbg_clv(s, 0, 0.1, NAN, &v), TIER_EINVAL);
    /* several cohorts, customers, given parameters */
    assert_int_equal(tier_sbg_fit(s, c, len, 2), TIER_OK);
    assert_int_equal(tier_sbg_fit_stat(s, TIER_SBG_STAT_CUSTOMERS, &v), TIER_OK);
    assert_true(v == 2000);
    /* the customers seen to leave: the first count less the last, in each cohort */
    assert_int_equal(tier_sbg_fit_stat(s, TIER_SBG_STAT_CHURNED, &v), TIER_OK);
    assert_true(v == (high_end[0] - high_end[7]) + (regular[0] - regular[7]));
    assert_int_equal(tier_sbg_fit_stat(s, TIER_SBG_STAT_ITERATIONS, &v), TIER_OK);
    assert_true(v >= 1 && v == floor(v));
    assert_int_equal(tier_sbg_fit_stat(s, TIER_SBG_STAT_EVALUATIONS, &w), TIER_OK);
    assert_true(w >= v);
    assert_int_equal(tier_sbg_fit_stat(s, TIER_SBG_STAT_GRADIENT, &v), TIER_OK);
    assert_true(v >= 0 && v < 1e-4);
    assert_int_equal(tier_sbg_fit_stat(s, TIER_SBG_STAT_CONVERGED, NULL), TIER_EINVAL);
    /* no cohort at all: refused, the fit kept */
    assert_int_equal(tier_sbg_fit(s, c, len, 0), TIER_EINVAL);
    assert_string_equal(tier_sbg_last_error(s), "no cohort of survivor counts");
    assert_int_equal(tier_sbg_fit_stat(s, TIER_SBG_STAT_CUSTOMERS, &v), TIER_OK);
    assert_true(v == 2000);
    assert_int_equal(tier_sbg_set_params(s, 2, 3), TIER_OK);
    assert_int_equal(tier_sbg_standard_errors(s, &v, NULL), TIER_ENOTFOUND);
    assert_int_equal(tier_sbg_fit_stat(s, TIER_SBG_STAT_LOG_LIKELIHOOD, &v), TIER_OK);
    assert_true(isnan(v));
    assert_int_equal(tier_sbg_residual_lifetime(s, 1, &v), TIER_OK);
    tst_assert_rel(v, 4.0, 1e-15);
    assert_int_equal(tier_sbg_set_params(s, 0, 3), TIER_EINVAL);
    {
        const double ren[4] = {0, 1, 1, 2}, churned[4] = {1, 0, 1, 0}, neg[2] = {1, -1};
        assert_int_equal(tier_sbg_fit_customers(s, neg, NULL, 2), TIER_EINVAL);
        assert_non_null(strstr(tier_sbg_last_error(s), "index 1"));
        v = 0;
        (void)tier_sbg_fit_customers(s, ren, churned, 4);
        assert_int_equal(tier_sbg_params(s, &v, NULL), TIER_OK);
        assert_true(v > 0);
    }
    tier_sbg_free(s);
    tier_sbg_free(NULL);
    assert_int_equal(tier_sbg_new(NULL, NULL), TIER_EINVAL);
}

/* ---- the model kind "sbg" -----------------------------------------------------------------------
 */

static tier_book *sub_book(const tier_allocator *a)
{
    static const tst_txn rows[] = {
        {"a", 700, 100}, {"b", 700, 100}, {"c", 900, 10}, {"d", 950, 5}, {"e", 960, 5}};
    static const double renewals[] = {0, 3, NAN, 1, 2}, mrr[] = {100, 250, 50, NAN, 80};
    static const double churned[] = {0, NAN, NAN, NAN, 1};
    tier_book *book = tst_book_of(a, rows, TST_COUNT(rows));
    size_t i;
    for (i = 0; i < TST_COUNT(rows); i++) {
        assert_int_equal(tier_book_set_number(book, i, "renewals", renewals[i]), TIER_OK);
        assert_int_equal(tier_book_set_number(book, i, "mrr", mrr[i]), TIER_OK);
        assert_int_equal(tier_book_set_number(book, i, "churned", churned[i]), TIER_OK);
    }
    return book;
}

static int sbg_setup(tier_model *m)
{
    int rc = tier_model_set_option(m, "survivors",
                                   "1000 869 743 653 593 551 517 491,1000 631 468 382 326");
    if (rc == TIER_OK)
        rc = tier_model_set_text(m, "margin_column", "attr.mrr");
    if (rc == TIER_OK)
        rc = tier_model_set_number(m, "discount_rate", 0.1);
    return rc;
}

static void test_sbg_model_fits_scores_and_explains(void **state)
{
    tier_book *book = sub_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_frame *f, *g;
    tier_text *t = NULL;
    const tier__sbg_fit *fit;
    const double *p, *derl, *clv, *res;
    (void)state;
    assert_int_equal(tier_model_new_kind(&m, NULL, "sbg", "churn", TST_ALLOC), TIER_OK);
    /* without survivors it fits on the book: 4 customers, one seen to leave (after period 3),
     * too few for heterogeneity: the likelihood has its maximum at the edge, not kept */
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_ECONVERGE);
    assert_false(tier_model_is_fitted(m));
    assert_non_null(strstr(tier_model_last_error(m), "no heterogeneity"));
    assert_int_equal(sbg_setup(m), TIER_OK);
    f = tst_fit_score(m, book, TST_ALLOC);
    assert_int_equal(tier__sbg_model_fit(m, &fit), TIER_OK);
    assert_true(fit->customers == 2000);
    p = tst_numbers(f, "churn.p_renew");
    derl = tst_numbers(f, "churn.derl");
    clv = tst_numbers(f, "churn.clv");
    res = tst_numbers(f, "churn.residual_lifetime");
    tst_assert_rel(p[1], (fit->beta + 3) / (fit->alpha + fit->beta + 3), 1e-15);
    assert_true(isnan(p[2]) && isnan(derl[2]) && isnan(clv[2])); /* no renewals: no contract */
    assert_true(isinf(res[0]));                                  /* alpha < 1 */
    tst_assert_rel(clv[1], 250 * derl[1], 1e-15);
    assert_true(isnan(clv[3]) && !isnan(derl[3])); /* no margin */
    /* e left after 2 renewals: nothing more to come */
    assert_true(p[4] == 0 && derl[4] == 0 && clv[4] == 0 && res[4] == 0);
    assert_true(derl[1] > derl[0]); /* longer tenure, more loyal */
    /* one row, after the customer renewed twice more, gives what a batch score gives */
    assert_int_equal(tier_book_set_number(book, 1, "renewals", 5), TIER_OK);
    assert_int_equal(tier_model_score_row(m, book, f, 1), TIER_OK);
    tst_assert_rel(p[1], (fit->beta + 5) / (fit->alpha + fit->beta + 5), 1e-15);
    g = tst_score(m, book, TST_ALLOC);
    tst_assert_same_frames(f, g);
    tier_frame_free(g);
    assert_int_equal(tier_book_set_number(book, 1, "renewals", 3), TIER_OK);
    assert_int_equal(tier_model_score_row(m, book, f, 1), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, 1, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "3 renewals so far"));
    assert_non_null(strstr(tier_text_data(t), "clv = DERL x margin"));
    assert_int_equal(tier_model_explain(m, book, f, 4, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "then it did not renew (attr.churned)"));
    /* a negative renewals value names the customer */
    assert_int_equal(tier_book_set_number(book, 3, "renewals", -1), TIER_OK);
    assert_int_equal(tier_frame_new(&g, 5, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, book, g), TIER_EINVAL);
    assert_non_null(strstr(tier_frame_last_error(g), "customer \"d\""));
    assert_int_equal(tier_frame_column_count(g), 0);
    tier_frame_free(g);
    tier_text_free(t);
    tst_release(f, m, book);
}

static void test_sbg_model_fits_on_the_book_renewals(void **state)
{
    static const tst_txn rows[] = {{"a", 1, 1}, {"b", 1, 1}, {"c", 1, 1}, {"d", 1, 1},
                                   {"e", 1, 1}, {"f", 1, 1}, {"g", 1, 1}, {"h", 1, 1}};
    static const double ren[] = {0, 0, 1, 1, 2, 3, 4, 0}, churn[] = {1, 1, 1, 0, 0, 0, 0, 1};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    tier_model *m = NULL;
    const tier__sbg_fit *fit;
    tier__sbg_fit want;
    char err[TIER__ERR_SIZE];
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(ren); i++) {
        assert_int_equal(tier_book_set_number(book, i, "renewals", ren[i]), TIER_OK);
        assert_int_equal(tier_book_set_number(book, i, "churned", churn[i]), TIER_OK);
    }
    assert_int_equal(tier__sbg_fit_cohorts(&want, ren, churn, 8, &a, NULL, err), TIER_OK);
    assert_int_equal(tier_model_new_kind(&m, NULL, "sbg", NULL, TST_ALLOC), TIER_OK);
    tst_fit(m, book, NULL);
    assert_int_equal(tier__sbg_model_fit(m, &fit), TIER_OK);
    tst_assert_rel(fit->alpha, want.alpha, 0);
    tst_assert_rel(fit->beta, want.beta, 0);
    /* a renewals value that is not whole names the customer */
    assert_int_equal(tier_book_set_number(book, 4, "renewals", 1.5), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "customer \"e\""));
    /* Whole renewals that reach period 1 only fail for that reason, which blames no customer (the
     * model once reported customer "a"'s renewals as not whole). */
    for (i = 0; i < TST_COUNT(ren); i++) {
        double r = i >= 2 && i <= 6 ? 1 : 0; /* a, b and h leave after their first term */
        assert_int_equal(tier_book_set_number(book, i, "renewals", r), TIER_OK);
        assert_int_equal(tier_book_set_number(book, i, "churned", r == 0), TIER_OK);
    }
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL);
    assert_string_equal(tier_model_last_error(m),
                        "model \"sbg\" (sbg): fit failed: the data reach period 1 only; the model "
                        "needs at least 2 periods (3 survivor counts) to tell heterogeneity from "
                        "churn");
    tst_release(NULL, m, book);
}

static void test_sbg_model_options_and_saved_state(void **state)
{
    tier_book *book = sub_book(TST_ALLOC);
    tier_model *m = NULL, *n = NULL;
    tier_text *t = NULL, *u = NULL;
    const char *text;
    (void)state;
    assert_int_equal(tier_model_new_kind(&m, NULL, "sbg", NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_option(m, "survivors", "1000 1100"), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "cannot increase"));
    assert_int_equal(tier_model_set_option(m, "survivors", "1000 x 3"), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "\"x\" is not a number"));
    assert_int_equal(tier_model_set_number(m, "discount_rate", 0), TIER_ERANGE);
    assert_int_equal(tier_model_set_text(m, "renewals", ""), TIER_EINVAL);
    assert_int_equal(sbg_setup(m), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_get_option(m, "survivors", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "1000 869 743 653 593 551 517 491,1000 631 468 382 326");
    assert_int_equal(tier_model_save(m, t), TIER_ESTATE);
    tst_fit(m, book, NULL);
    assert_int_equal(tier_model_save(m, t), TIER_OK);
    text = tier_text_data(t);
    assert_non_null(strstr(text, "fit.params"));
    assert_non_null(strstr(text, "fit.se"));
    /* load into a fresh model: it scores the same, and saves the same bytes */
    assert_int_equal(tier_model_new_kind(&n, NULL, "sbg", NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(n, text, tier_text_length(t)), TIER_OK);
    assert_int_equal(tier_text_new(&u, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_save(n, u), TIER_OK);
    assert_int_equal(tier_text_length(u), tier_text_length(t));
    assert_memory_equal(tier_text_data(u), text, tier_text_length(t));
    {
        tier_frame *f1 = tst_score(m, book, TST_ALLOC), *f2 = tst_score(n, book, TST_ALLOC);
        tst_assert_same_frames(f1, f2);
        tier_frame_free(f1);
        tier_frame_free(f2);
    }
    /* damaged or cut-off text never loads, and leaves the model as it was */
    {
        size_t len;
        for (len = 0; len + 1 < tier_text_length(t); len += 7) {
            int rc = tier_model_load(n, text, len);
            assert_true(rc != TIER_OK || len == 0);
        }
    }
    /* changing the survivors forgets the fit */
    assert_int_equal(tier_model_set_option(m, "survivors", "1000 631 468 382"), TIER_OK);
    assert_false(tier_model_is_fitted(m));
    tier_text_free(t);
    tier_text_free(u);
    tier_model_free(n);
    tst_release(NULL, m, book);
}

/* ---- out of memory ------------------------------------------------------------------------------
 */

static int oom_handle(const tier_allocator *alloc, void *ud)
{
    const double *c[2] = {high_end, regular};
    const size_t len[2] = {8, 5};
    const double ren[3] = {0, 1, 2}, churned[3] = {1, 0, 1};
    tier_sbg *s = NULL;
    int rc = tier_sbg_new(&s, alloc);
    (void)ud;
    if (rc == TIER_OK)
        rc = tier_sbg_fit(s, c, len, 2);
    if (rc == TIER_OK)
        rc = tier_sbg_fit_customers(s, ren, churned, 3);
    tier_sbg_free(s);
    return rc == TIER_ECONVERGE ? TIER_OK : rc;
}

static const tst_model_walk sbg_walk = {tier__sbg_model_new, "churn", sbg_setup, 5, NULL, 1};

static int oom_model(const tier_allocator *alloc, void *ud)
{
    return tst_oom_model_walk(alloc, ud, &sbg_walk);
}

TST_MAIN(cmocka_unit_test(test_sbg_reproduces_the_published_fits),
         cmocka_unit_test(test_sbg_loglik_equals_the_log_beta_formulas),
         cmocka_unit_test(test_sbg_fits_several_cohorts_and_customers_alike),
         cmocka_unit_test(test_sbg_standard_errors_match_second_differences),
         cmocka_unit_test(test_sbg_derl_closed_form_equals_the_truncated_sum),
         cmocka_unit_test(test_sbg_per_customer_figures_follow_the_survival_curve),
         cmocka_unit_test(test_sbg_projects_the_published_survivors),
         cmocka_unit_test(test_sbg_refuses_bad_survivor_counts),
         cmocka_unit_test(test_sbg_degenerate_data_end_cleanly_never_nan),
         cmocka_unit_test(test_sbg_handle_fits_and_answers_per_customer),
         cmocka_unit_test(test_sbg_model_fits_scores_and_explains),
         cmocka_unit_test(test_sbg_model_fits_on_the_book_renewals),
         cmocka_unit_test(test_sbg_model_options_and_saved_state),
         TST_OOM_WALK(test_sbg_handle_survives_every_failed_allocation, oom_handle, NULL, 3),
         TST_OOM_WALK(test_sbg_model_survives_every_failed_allocation, oom_model, sub_book, 5))
