/* SPDX-License-Identifier: MIT */
/* Scorecard sources with alternatives ("sbg.clv|clv.clv": per customer the first column with a
 * value; docs/scorecard.md): a book holding customers with and without contracts, worked by
 * hand; an alternative the frame lacks is skipped, none there is an error naming the source, bad
 * lists are refused; the explanation names the column used; the b2b-subscriptions preset; out of
 * memory over fit, score and explain. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#define EPS 1e-9
#define N 5

/* Five customers: c1 and c2 under contract (a contractual CLV), c3 and c4 without (NaN there,
 * a non-contractual CLV instead), c5 with neither. The contract customers' clv.clv (1) must not
 * count: the contractual figure applies to them. */
static const double sbg_clv[N] = {500, 100, NAN, NAN, NAN};
static const double clv_clv[N] = {1, 1, 300, 50, NAN};

static tier_book *five_customers(const tier_allocator *a)
{
    static const tst_txn rows[N] = {{"c1", 19700, 10},
                                    {"c2", 19700, 10},
                                    {"c3", 19700, 10},
                                    {"c4", 19700, 10},
                                    {"c5", 19700, 10}};
    return tst_book_of(a, rows, N);
}

/* A frame of the five customers with column sbg.clv (when `with_sbg`) and clv.clv (when
 * `with_clv`). */
static tier_frame *clv_frame(const tier_book *book, int with_sbg, int with_clv)
{
    tier_frame *f = NULL;
    double *v;
    assert_int_equal(tier_frame_new(&f, tier_book_customer_count(book), TST_ALLOC), TIER_OK);
    if (with_sbg) {
        assert_int_equal(tier_frame_add_numbers(f, "sbg.clv", &v), TIER_OK);
        memcpy(v, sbg_clv, sizeof sbg_clv);
    }
    if (with_clv) {
        assert_int_equal(tier_frame_add_numbers(f, "clv.clv", &v), TIER_OK);
        memcpy(v, clv_clv, sizeof clv_clv);
    }
    return f;
}

/* A card "sc" of one potential factor "lifetime_value" (weight 100, percentile, higher is
 * better, drop and re-weight when missing) over `source`. */
static tier_model *lifetime_card(const tier_allocator *a, const char *source)
{
    tier_model *m = NULL;
    assert_int_equal(tier_scorecard_new(&m, "sc", a), TIER_OK);
    assert_int_equal(
        tier_scorecard_add_factor(m, "lifetime_value", source, 100, TIER_SCORECARD_POTENTIAL,
                                  TIER_SCORECARD_NORM_PERCENTILE, TIER_SCORECARD_HIGHER_IS_BETTER,
                                  TIER_SCORECARD_MISSING_REWEIGHT, NULL),
        TIER_OK);
    return m;
}

static void expect_column(const tier_frame *f, const char *column, const double *want)
{
    const double *v = tst_numbers(f, column);
    size_t i;
    for (i = 0; i < N; i++)
        if (isnan(want[i]) ? !isnan(v[i]) : !(fabs(v[i] - want[i]) < EPS))
            fail_msg("%s of customer %lu: %.17g, want %.17g", column, (unsigned long)i, v[i],
                     want[i]);
}

/* Fits the card on `f`, scores into it and checks the score and the potential group. */
static void fit_score_expect(tier_model *m, const tier_book *book, tier_frame *f,
                             const double *want)
{
    tst_fit(m, book, f);
    tst_score_into(m, book, f);
    expect_column(f, "sc.score", want);
    expect_column(f, "sc.potential", want);
}

static void test_alternatives_take_the_contractual_value_under_contract(void **s)
{
    /* Values used: c1 500 (sbg), c2 100 (sbg), c3 300 (clv), c4 50 (clv), c5 none. Mid-rank
     * percentiles among the four: 50 -> 1/8, 100 -> 3/8, 300 -> 5/8, 500 -> 7/8; c5's only
     * factor is dropped, so it has no score. */
    static const double want[N] = {87.5, 37.5, 62.5, 12.5, NAN};
    tier_book *book = five_customers(TST_ALLOC);
    tier_frame *f = clv_frame(book, 1, 1);
    tier_model *m = lifetime_card(TST_ALLOC, "sbg.clv|clv.clv");
    (void)s;
    fit_score_expect(m, book, f, want);
    tst_release(f, m, book);
}

static void test_the_order_of_the_alternatives_decides(void **s)
{
    /* clv.clv first: c1 and c2 take 1 (tied, below 50): 1 -> (0 + 2/2)/4, 50 -> 2.5/4,
     * 300 -> 3.5/4; c5 has neither. */
    static const double want[N] = {25, 25, 87.5, 62.5, NAN};
    tier_book *book = five_customers(TST_ALLOC);
    tier_frame *f = clv_frame(book, 1, 1);
    tier_model *m = lifetime_card(TST_ALLOC, "clv.clv|sbg.clv");
    (void)s;
    fit_score_expect(m, book, f, want);
    tst_release(f, m, book);
}

static void test_an_alternative_the_frame_lacks_is_skipped(void **s)
{
    /* A book without contracts (no sbg model ran): clv.clv alone, as in the test above. */
    static const double want[N] = {25, 25, 87.5, 62.5, NAN};
    tier_book *book = five_customers(TST_ALLOC);
    tier_frame *f = clv_frame(book, 0, 1);
    tier_model *m = lifetime_card(TST_ALLOC, "sbg.clv|clv.clv");
    (void)s;
    fit_score_expect(m, book, f, want);
    tst_release(f, m, book);
}

static void test_an_attribute_may_be_an_alternative(void **s)
{
    /* attr.arr for c2 and c4 (200, 40), clv.clv for the others: c1 1, c3 300; c5 has neither.
     * Ranks among 1, 40, 200, 300. */
    static const double want[N] = {12.5, 62.5, 87.5, 37.5, NAN};
    tier_book *book = five_customers(TST_ALLOC);
    tier_frame *f = clv_frame(book, 0, 1);
    tier_model *m = lifetime_card(TST_ALLOC, "attr.arr|clv.clv");
    (void)s;
    assert_int_equal(tier_book_set_number(book, 1, "arr", 200), TIER_OK);
    assert_int_equal(tier_book_set_number(book, 3, "arr", 40), TIER_OK);
    fit_score_expect(m, book, f, want);
    tst_release(f, m, book);
}

static void test_no_alternative_there_is_an_error_naming_the_source(void **s)
{
    tier_book *book = five_customers(TST_ALLOC);
    tier_frame *none = clv_frame(book, 0, 0), *labels = NULL;
    tier_model *m = lifetime_card(TST_ALLOC, "sbg.clv|clv.clv");
    static const char *const names[1] = {"x"};
    int32_t *codes;
    (void)s;
    assert_int_equal(tier_model_fit(m, book, none), TIER_ENOTFOUND);
    assert_string_equal(tier_model_last_error(m),
                        "model \"sc\" (scorecard): fit failed: factor \"lifetime_value\": none of "
                        "the columns \"sbg.clv|clv.clv\" is in "
                        "the book or the frame (score a model that makes one of them first)");
    assert_int_equal(tier_model_is_fitted(m), 0);
    /* An alternative that is there must hold numbers. */
    assert_int_equal(tier_frame_new(&labels, N, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_labels(labels, "sbg.clv", names, 1, &codes), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, labels), TIER_EINVAL);
    assert_string_equal(tier_model_last_error(m), "model \"sc\" (scorecard): fit failed: factor "
                                                  "\"lifetime_value\": column \"sbg.clv\" is not "
                                                  "a number column");
    tier_frame_free(labels);
    tst_release(none, m, book);
}

static void test_bad_alternative_lists_are_refused(void **s)
{
    static const char *const bad[] = {"a||b", "|a", "a|", "attr.|b", "a|attr.", "|"};
    tier_model *m = NULL;
    size_t i;
    (void)s;
    assert_int_equal(tier_scorecard_new(&m, "sc", TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(bad); i++) {
        assert_int_equal(tier_scorecard_add_factor(m, "f", bad[i], 100, TIER_SCORECARD_EXPLICIT,
                                                   TIER_SCORECARD_NORM_PERCENTILE,
                                                   TIER_SCORECARD_HIGHER_IS_BETTER,
                                                   TIER_SCORECARD_MISSING_ZERO, NULL),
                         TIER_EINVAL);
        assert_non_null(strstr(tier_model_last_error(m), "separated by '|'"));
        assert_int_equal(tier_scorecard_add_penalty(m, "p", bad[i], TIER_OP_GT, 0, -5),
                         TIER_EINVAL);
    }
    assert_int_equal(tier_scorecard_factor_count(m), 0);
    tier_model_free(m);
}

static void test_the_explanation_names_the_column_used(void **s)
{
    tier_book *book = five_customers(TST_ALLOC);
    tier_frame *f = clv_frame(book, 1, 1);
    tier_model *m = lifetime_card(TST_ALLOC, "sbg.clv|clv.clv");
    tier_text *t = NULL;
    (void)s;
    tst_fit(m, book, f);
    tst_score_into(m, book, f);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, 0, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t),
                           "factor lifetime_value [potential, weight 100, if missing: drop and "
                           "re-weight]: sbg.clv|clv.clv = 500 from sbg.clv, percentile rank "
                           "among 4 fitted values 0.875 -> 87.5 points\n"));
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, 2, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "sbg.clv|clv.clv = 300 from clv.clv, "));
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, 4, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "sbg.clv|clv.clv missing -> dropped, 0 points\n"));
    tier_text_free(t);
    tst_release(f, m, book);
}

static void test_the_subscription_preset_counts_the_lifetime_value_as_potential(void **s)
{
    tier_model *m = NULL;
    tier_book *empty = NULL;
    tier_frame *f = NULL;
    tier_text *t = NULL;
    double *v;
    (void)s;
    assert_int_equal(tier_model_new_kind(&m, NULL, "scorecard", NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_option(m, "preset", "b2b-subscriptions"), TIER_OK);
    assert_int_equal(tier_scorecard_factor_count(m), 9);
    assert_string_equal(tier_scorecard_factor_name(m, 5), "lifetime_value");
    /* Fitted on an empty book (no customer: unknown attributes are no error) to save it. */
    assert_int_equal(tier_book_new(&empty, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 0, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(f, "rfm.m", &v), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(f, "clv.clv", &v), TIER_OK);
    tst_fit(m, empty, f);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_save(m, t), TIER_OK);
    /* The b2b card's potential group re-weighted to make room: employees 10, modules 5,
     * lifetime value 10 (still 25 in all); the explicit and growth groups as in b2b. */
    assert_non_null(strstr(tier_text_data(t), "factor \"employees\" \"attr.employees\" 10 "));
    assert_non_null(strstr(tier_text_data(t), "factor \"modules_used\" \"attr.modules_used\" 5 "));
    assert_non_null(
        strstr(tier_text_data(t),
               "factor \"lifetime_value\" \"sbg.clv|clv.clv\" 10 \"potential\" \"percentile\" "));
    tier_text_free(t);
    tst_release(f, m, empty);
}

static int oom_alternatives(const tier_allocator *alloc, void *ud)
{
    const tier_book *book = ud;
    tier_model *m = NULL;
    tier_frame *in = NULL;
    tier_text *t = NULL;
    double *v;
    int rc = tier_scorecard_new(&m, "sc", alloc);
    if (rc == TIER_OK)
        rc = tier_scorecard_add_factor(m, "lifetime_value", "sbg.clv|clv.clv", 100,
                                       TIER_SCORECARD_POTENTIAL, TIER_SCORECARD_NORM_PERCENTILE,
                                       TIER_SCORECARD_HIGHER_IS_BETTER,
                                       TIER_SCORECARD_MISSING_REWEIGHT, NULL);
    if (rc == TIER_OK)
        rc = tier_frame_new(&in, N, alloc);
    if (rc == TIER_OK && (rc = tier_frame_add_numbers(in, "sbg.clv", &v)) == TIER_OK)
        memcpy(v, sbg_clv, sizeof sbg_clv);
    if (rc == TIER_OK && (rc = tier_frame_add_numbers(in, "clv.clv", &v)) == TIER_OK)
        memcpy(v, clv_clv, sizeof clv_clv);
    if (rc == TIER_OK)
        rc = tier_model_fit(m, book, in);
    if (rc == TIER_OK && (rc = tier_model_score(m, book, in)) == TIER_OK)
        assert_true(fabs(tst_numbers(in, "sc.score")[2] - 62.5) < EPS);
    if (rc == TIER_OK)
        rc = tier_text_new(&t, alloc);
    if (rc == TIER_OK)
        rc = tier_model_explain(m, book, in, 0, t);
    if (rc == TIER_OK)
        assert_non_null(strstr(tier_text_data(t), "= 500 from sbg.clv"));
    tier_text_free(t);
    tier_frame_free(in);
    tier_model_free(m);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_alternatives_take_the_contractual_value_under_contract),
         cmocka_unit_test(test_the_order_of_the_alternatives_decides),
         cmocka_unit_test(test_an_alternative_the_frame_lacks_is_skipped),
         cmocka_unit_test(test_an_attribute_may_be_an_alternative),
         cmocka_unit_test(test_no_alternative_there_is_an_error_naming_the_source),
         cmocka_unit_test(test_bad_alternative_lists_are_refused),
         cmocka_unit_test(test_the_explanation_names_the_column_used),
         cmocka_unit_test(test_the_subscription_preset_counts_the_lifetime_value_as_potential),
         TST_OOM_WALK(test_alternatives_survive_every_failed_allocation, oom_alternatives,
                      five_customers, 3))
