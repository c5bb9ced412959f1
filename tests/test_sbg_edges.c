/* SPDX-License-Identifier: MIT */
/* The edges of the shifted-beta-geometric model (models/sbg): the numerics refuse what they
 * cannot use with the cohort, period or index named (a table past the period limit, survivor
 * counts beyond 1e15, renewals past the limit, NULL arguments), the likelihood reports a value it
 * cannot represent instead of returning it, a fit whose maximum lies at the edge of the model is
 * not kept, and the figures keep their limits (S(t) <= 1, no churn before period 1, no DERL where
 * the 2F1 series diverges). The model handle names the option and the source it cannot use. */
#include <math.h>
#include <string.h>

#include "support.h"

#include "models/sbg/sbg.h"
#include "util/internal.h"

static void test_tables_and_counts_past_their_limits_are_refused(void **state)
{
    static const double huge[] = {2e15, 1e15};
    static const double ok[] = {100, 80, 60, 50};
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    char err[TIER__ERR_SIZE] = "";
    tier__sbg_table t;
    (void)state;
    assert_int_equal(tier__sbg_table_new(&t, TIER__SBG_MAX_PERIODS + 1, &a, err), TIER_ERANGE);
    tst_expect_text(err, "the data reach period 100001; at most 100000 periods");
    assert_null(t.lost);
    tier__sbg_table_free(NULL, &a); /* nothing to free: no crash */
    /* no counts at all, and one count too large */
    assert_int_equal(tier__sbg_check_survivors(NULL, 3, 4, err), TIER_EINVAL);
    tst_expect_text(err, "cohort 5: 3 survivor counts; need the customers at the start");
    assert_int_equal(tier__sbg_check_survivors(huge, 2, 0, err), TIER_EINVAL);
    tst_expect_text(err, "cohort 1, period 0: survivor count 2e+15 is not a number of customers");
    /* a cohort longer than the table it is added to */
    assert_int_equal(tier__sbg_table_new(&t, 2, &a, err), TIER_OK);
    assert_int_equal(tier__sbg_table_add_survivors(&t, ok, 4, 1, err), TIER_ERANGE);
    tst_expect_text(err, "cohort 2: 3 periods, the table holds 2");
    assert_true(t.lost[1] == 0 && t.alive[2] == 0); /* nothing was added */
    tier__sbg_table_free(&t, &a);
    assert_null(t.lost);
    assert_int_equal(t.k, 0);
}

static void test_the_likelihood_refuses_what_it_cannot_represent(void **state)
{
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    char err[TIER__ERR_SIZE] = "";
    tier__sbg_table t;
    double ll = 7, g[2] = {7, 7};
    (void)state;
    assert_int_equal(tier__sbg_table_new(&t, 3, &a, err), TIER_OK);
    t.lost[1] = 2;
    t.alive[1] = 5;
    assert_int_equal(tier__sbg_loglik(&ll, g, INFINITY, 1, &t), TIER_EINVAL);
    assert_int_equal(tier__sbg_loglik(&ll, g, 1, NAN, &t), TIER_EINVAL);
    assert_int_equal(tier__sbg_loglik(&ll, g, 1, 0, &t), TIER_EINVAL);
    assert_int_equal(tier__sbg_loglik(&ll, g, 1, 1, NULL), TIER_EINVAL);
    /* beta so small that alpha / beta overflows: S(1) is 0 and its log is -inf */
    assert_int_equal(tier__sbg_loglik(&ll, g, 1, 1e-310, &t), TIER_ERANGE);
    assert_int_equal(tier__sbg_loglik(&ll, NULL, 1, 1e-310, &t), TIER_ERANGE);
    assert_true(ll == 7 && g[0] == 7 && g[1] == 7); /* nothing written */
    /* the known value: 2 ln P(T = 1) + 5 ln S(1) at alpha = beta = 1 is 7 ln(1/2) */
    assert_int_equal(tier__sbg_loglik(&ll, g, 1, 1, &t), TIER_OK);
    tst_assert_rel(ll, 7 * log(0.5), 1e-15);
    tier__sbg_table_free(&t, &a);
}

static void test_fits_refuse_bad_arguments_and_tables(void **state)
{
    static const double c1[] = {1000, 869, 743, 653};
    static const double bad[] = {1000, 1100};
    const double *counts[] = {c1, bad};
    size_t lengths[] = {4, 2}, too_long = TIER__SBG_MAX_PERIODS + 2;
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    char err[TIER__ERR_SIZE] = "";
    tier__sbg_table t;
    tier__sbg_fit f;
    (void)state;
    assert_int_equal(tier__sbg_fit_table(NULL, &t, err), TIER_EINVAL);
    assert_int_equal(tier__sbg_fit_table(&f, NULL, err), TIER_EINVAL);
    assert_int_equal(tier__sbg_table_new(&t, 3, &a, err), TIER_OK);
    {
        double *lost = t.lost, *alive = t.alive;
        t.lost = NULL;
        assert_int_equal(tier__sbg_fit_table(&f, &t, err), TIER_EINVAL);
        t.lost = lost;
        t.alive = NULL;
        assert_int_equal(tier__sbg_fit_table(&f, &t, err), TIER_EINVAL);
        t.alive = alive;
    }
    /* an empty table has no customers; one of infinitely many neither */
    assert_int_equal(tier__sbg_fit_table(&f, &t, err), TIER_EINVAL);
    tst_expect_text(err, "no customers");
    assert_true(f.customers == 0);
    t.alive[2] = INFINITY;
    t.lost[1] = 1;
    assert_int_equal(tier__sbg_fit_table(&f, &t, err), TIER_EINVAL);
    tst_expect_text(err, "no customers");
    tier__sbg_table_free(&t, &a);
    /* survivors: arguments, cohort count, lengths; the second cohort's error stops the fit */
    assert_int_equal(tier__sbg_fit_survivors(NULL, counts, lengths, 1, &a, err), TIER_EINVAL);
    assert_int_equal(tier__sbg_fit_survivors(&f, counts, lengths, 1, NULL, err), TIER_EINVAL);
    assert_int_equal(tier__sbg_fit_survivors(&f, NULL, lengths, 1, &a, err), TIER_EINVAL);
    tst_expect_text(err, "invalid argument");
    assert_int_equal(tier__sbg_fit_survivors(&f, counts, NULL, 1, &a, err), TIER_EINVAL);
    assert_int_equal(tier__sbg_fit_survivors(&f, NULL, NULL, 0, &a, err), TIER_EINVAL);
    tst_expect_text(err, "no cohort of survivor counts");
    assert_int_equal(tier__sbg_fit_survivors(&f, counts, &too_long, 1, &a, err), TIER_ERANGE);
    tst_expect_text(err, "cohort 1: 100002 survivor counts; at most 100000 periods");
    assert_int_equal(tier__sbg_fit_survivors(&f, counts, lengths, 2, &a, err), TIER_EINVAL);
    tst_expect_text(err, "cohort 2, period 1: 1100 survivors after 1000");
}

static void test_renewals_past_the_limit_name_the_customer(void **state)
{
    const double renewals[] = {0, 1, NAN, (double)TIER__SBG_MAX_PERIODS};
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    char err[TIER__ERR_SIZE] = "";
    tier__sbg_fit f;
    size_t bad = 99;
    (void)state;
    assert_int_equal(tier__sbg_fit_cohorts(NULL, renewals, NULL, 4, &a, &bad, err), TIER_EINVAL);
    assert_int_equal(tier__sbg_fit_cohorts(&f, renewals, NULL, 4, NULL, &bad, err), TIER_EINVAL);
    assert_int_equal(tier__sbg_fit_cohorts(&f, NULL, NULL, 4, &a, &bad, err), TIER_EINVAL);
    tst_expect_text(err, "invalid argument");
    assert_int_equal(bad, 99);
    assert_int_equal(tier__sbg_fit_cohorts(&f, renewals, NULL, 4, &a, &bad, err), TIER_EINVAL);
    assert_int_equal(bad, 3);
    tst_expect_text(err,
                    "customer at index 3: 100000 renewals; need a whole number from 0 to 99999");
    /* without a churned column every customer is still there: nobody churned */
    assert_int_equal(tier__sbg_fit_cohorts(&f, renewals, NULL, 3, &a, NULL, err), TIER_ECONVERGE);
    tst_expect_text(err, "no customer churned");
    assert_true(f.customers == 2 && f.churned == 0);
}

static void test_a_maximum_at_the_edge_of_the_model_is_not_kept(void **state)
{
    /* one customer in a thousand leaves each period: a geometric model with a tiny rate, which
     * the sBG reaches only with beta beyond 1e7 */
    static const double slow[] = {1000, 999, 998, 997, 996, 995};
    const double *c[] = {slow};
    size_t len = 6;
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    char err[TIER__ERR_SIZE] = "";
    tier__sbg_fit f;
    (void)state;
    assert_int_equal(tier__sbg_fit_survivors(&f, c, &len, 1, &a, err), TIER_ECONVERGE);
    tst_expect_text(err, "the maximum is at the edge of the model");
    assert_false(f.converged);
    assert_true(f.beta > 1e7 && f.alpha < 1e7);
    /* what it found still has the data's churn rate */
    tst_assert_rel(f.alpha / (f.alpha + f.beta), 0.001, 0.01);
}

static void test_the_figures_keep_their_limits(void **state)
{
    double d = 7;
    (void)state;
    /* the closed form of S(t) beyond the product rounds above 1 for a tiny alpha: kept at 1 */
    assert_true(tier__sbg_survival(1e-20, 1e-3, 5000) == 1.0);
    assert_true(tier__sbg_survival(1, 1, -1) == 1.0);
    /* no one churns before period 1 */
    assert_true(tier__sbg_churn_probability(1, 1, 0.5) == 0.0);
    tst_assert_rel(tier__sbg_churn_probability(1, 1, 1), 0.5, 1e-15);
    /* DERL: every argument is checked */
    assert_int_equal(tier__sbg_derl(NULL, 1, 1, 0, 0.1), TIER_EINVAL);
    assert_int_equal(tier__sbg_derl(&d, NAN, 1, 0, 0.1), TIER_EINVAL);
    assert_int_equal(tier__sbg_derl(&d, 1, INFINITY, 0, 0.1), TIER_EINVAL);
    assert_int_equal(tier__sbg_derl(&d, 0, 1, 0, 0.1), TIER_EINVAL);
    assert_int_equal(tier__sbg_derl(&d, 1, -2, 0, 0.1), TIER_EINVAL);
    assert_int_equal(tier__sbg_derl(&d, 1, 1, INFINITY, 0.1), TIER_EINVAL);
    assert_int_equal(tier__sbg_derl(&d, 1, 1, -1, 0.1), TIER_EINVAL);
    assert_int_equal(tier__sbg_derl(&d, 1, 1, 0, NAN), TIER_EINVAL);
    assert_int_equal(tier__sbg_derl(&d, 1, 1, 0, 0), TIER_EINVAL);
    assert_true(d == 7);
    /* alpha < 1 and no discount to speak of: the series does not converge */
    assert_int_equal(tier__sbg_derl(&d, 0.5, 1, 0, 1e-12), TIER_ERANGE);
    /* the known value: alpha = beta = 1, n = 0, d = 1 gives 1/2 * 2F1(1, 2; 3; 1/2) = 2 ln 2 - 1
     * ... times 2: 2F1(1, 2; 3; z) = -2 (z + ln(1 - z)) / z^2 */
    assert_int_equal(tier__sbg_derl(&d, 1, 1, 0, 1), TIER_OK);
    tst_assert_rel(d, 0.5 * -2 * (0.5 + log(0.5)) / 0.25, 1e-12);
}

/* ---- the model handle ------------------------------------------------------------------------ */

static tier_book *renewals_book(const tier_allocator *a)
{
    static const tst_txn rows[] = {{"a", 700, 100}, {"b", 700, 100}, {"c", 900, 10}};
    static const double renewals[] = {0, 3, 1}, mrr[] = {100, 250, 80};
    tier_book *book = tst_book_of(a, rows, TST_COUNT(rows));
    size_t i;
    for (i = 0; i < TST_COUNT(rows); i++) {
        assert_int_equal(tier_book_set_number(book, i, "renewals", renewals[i]), TIER_OK);
        assert_int_equal(tier_book_set_number(book, i, "mrr", mrr[i]), TIER_OK);
    }
    assert_int_equal(tier_book_set_text(book, 0, "plan", "gold"), TIER_OK);
    return book;
}

static tier_model *survivors_model(void)
{
    tier_model *m = NULL;
    assert_int_equal(tier_model_new_kind(&m, NULL, "sbg", "churn", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_option(m, "survivors", "1000 869 743 653 593 551 517 491"),
                     TIER_OK);
    return m;
}

/* Scores m on book into a new frame and checks the failure: status, message, no column. */
static void expect_score_fails(tier_model *m, const tier_book *book, int rc, const char *says)
{
    tier_frame *f = NULL;
    assert_int_equal(tier_frame_new(&f, tier_book_customer_count(book), TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), rc);
    tst_expect_text(tier_frame_last_error(f), says);
    assert_int_equal(tier_frame_column_count(f), 0);
    tier_frame_free(f);
}

static void test_the_model_names_the_source_it_cannot_use(void **state)
{
    tier_book *book = renewals_book(TST_ALLOC);
    tier_model *m = survivors_model();
    tier_frame *f = NULL;
    const char *const label[] = {"x"};
    int32_t *codes;
    double *col;
    (void)state;
    /* a text attribute, for the fit on the book and for the score */
    assert_int_equal(tier_model_set_text(m, "renewals", "attr.plan"), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK); /* the survivors fit it */
    expect_score_fails(m, book, TIER_EINVAL, "renewals: attribute \"plan\" holds text");
    /* a column that is not in the frame, one that holds labels */
    assert_int_equal(tier_model_set_text(m, "renewals", "prior.n"), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    expect_score_fails(m, book, TIER_ENOTFOUND, "renewals: column \"prior.n\" is not in the frame");
    assert_int_equal(tier_frame_new(&f, 3, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_labels(f, "prior.n", label, 1, &codes), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_EINVAL);
    tst_expect_text(tier_frame_last_error(f),
                    "renewals: column \"prior.n\" is not a number column");
    assert_int_equal(tier_frame_column_count(f), 1);
    tier_frame_free(f);
    /* a number column works; an infinite margin names the customer */
    assert_int_equal(tier_frame_new(&f, 3, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(f, "prior.n", &col), TIER_OK);
    col[0] = 0;
    col[1] = 2;
    col[2] = NAN;
    assert_int_equal(tier_frame_add_numbers(f, "prior.m", &col), TIER_OK);
    col[0] = 100;
    col[1] = INFINITY;
    col[2] = 80;
    assert_int_equal(tier_model_set_text(m, "margin_column", "prior.m"), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_EINVAL);
    tst_expect_text(tier_frame_last_error(f), "customer \"b\": margin (prior.m) is infinite");
    assert_int_equal(tier_frame_column_count(f), 2);
    /* a finite margin scores: clv = DERL x margin */
    col[1] = 250;
    assert_int_equal(tier_model_score(m, book, f), TIER_OK);
    tst_assert_rel(tst_numbers(f, "churn.clv")[1], 250 * tst_numbers(f, "churn.derl")[1], 1e-15);
    assert_true(isnan(tst_numbers(f, "churn.clv")[2])); /* no renewals: no contract */
    tier_frame_free(f);
    /* the fit on the book names a text attribute too */
    assert_int_equal(tier_model_set_option(m, "survivors", ""), TIER_OK);
    assert_int_equal(tier_model_set_text(m, "renewals", "attr.plan"), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL);
    tst_expect_text(tier_model_last_error(m),
                    "renewals: attribute \"plan\" holds text, not numbers");
    assert_false(tier_model_is_fitted(m));
    tier_model_free(m);
    tier_book_free(book);
}

static void test_the_internal_fit_needs_a_fitted_sbg_model(void **state)
{
    tier_model *m = survivors_model();
    const tier__sbg_fit *fit = NULL;
    (void)state;
    assert_int_equal(tier__sbg_model_fit(NULL, &fit), TIER_EINVAL);
    assert_int_equal(tier__sbg_model_fit(m, NULL), TIER_EINVAL);
    assert_int_equal(tier__sbg_model_fit(m, &fit), TIER_ESTATE);
    assert_null(fit);
    tier_model_free(m);
}

TST_MAIN(cmocka_unit_test(test_tables_and_counts_past_their_limits_are_refused),
         cmocka_unit_test(test_the_likelihood_refuses_what_it_cannot_represent),
         cmocka_unit_test(test_fits_refuse_bad_arguments_and_tables),
         cmocka_unit_test(test_renewals_past_the_limit_name_the_customer),
         cmocka_unit_test(test_a_maximum_at_the_edge_of_the_model_is_not_kept),
         cmocka_unit_test(test_the_figures_keep_their_limits),
         cmocka_unit_test(test_the_model_names_the_source_it_cannot_use),
         cmocka_unit_test(test_the_internal_fit_needs_a_fitted_sbg_model))
