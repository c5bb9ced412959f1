/* SPDX-License-Identifier: MIT */
/* Scorecard sources with alternatives ("sbg.clv|clv.clv": per customer the first column with a
 * value; docs/scorecard.md): a book holding customers with and without contracts, worked by
 * hand; an alternative the frame lacks is skipped, none there is an error naming the source, bad
 * lists are refused; the explanation names the column used; the b2b-subscriptions preset; out of
 * memory over fit, score, explain, save and load. */
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

/* One hand-worked case: the source, whether the frame holds sbg.clv, whether c2 and c4 have the
 * attribute arr (200, 40), and the scores (= the potential group) of c1..c5. */
typedef struct alt_case {
    const char *source;
    int with_sbg, with_arr;
    double want[N];
} alt_case;

/* Values used: c1 500 (sbg), c2 100 (sbg), c3 300 (clv), c4 50 (clv), c5 none. Mid-rank
 * percentiles among the four: 50 -> 1/8, 100 -> 3/8, 300 -> 5/8, 500 -> 7/8; c5's only factor
 * is dropped, so it has no score. */
static const alt_case contractual_under_contract = {
    "sbg.clv|clv.clv", 1, 0, {87.5, 37.5, 62.5, 12.5, NAN}};
/* clv.clv first: c1 and c2 take 1 (tied, below 50): 1 -> (0 + 2/2)/4, 50 -> 2.5/4, 300 -> 3.5/4. */
static const alt_case order_decides = {"clv.clv|sbg.clv", 1, 0, {25, 25, 87.5, 62.5, NAN}};
/* A book without contracts (no sbg model ran): clv.clv alone, as in the case above. */
static const alt_case missing_column_skipped = {"sbg.clv|clv.clv", 0, 0, {25, 25, 87.5, 62.5, NAN}};
/* attr.arr for c2 and c4 (200, 40), clv.clv for the others (c1 1, c3 300): ranks among 1, 40,
 * 200, 300. */
static const alt_case attribute_first = {"attr.arr|clv.clv", 0, 1, {12.5, 62.5, 87.5, 37.5, NAN}};

static void test_alternatives_case(void **state)
{
    const alt_case *c = *state;
    tier_book *book = five_customers(TST_ALLOC);
    tier_frame *f = clv_frame(book, c->with_sbg, 1);
    tier_model *m = lifetime_card(TST_ALLOC, c->source);
    if (c->with_arr) {
        assert_int_equal(tier_book_set_number(book, 1, "arr", 200), TIER_OK);
        assert_int_equal(tier_book_set_number(book, 3, "arr", 40), TIER_OK);
    }
    tst_fit(m, book, f);
    tst_score_into(m, book, f);
    expect_column(f, "sc.score", c->want);
    expect_column(f, "sc.potential", c->want);
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
    tst_expect_explains(m, book, f, 0, t,
                        "factor lifetime_value [potential, weight 100, if missing: drop and "
                        "re-weight]: sbg.clv|clv.clv = 500 from sbg.clv, percentile rank among 4 "
                        "fitted values 0.875 -> 87.5 points\n");
    tst_expect_explains(m, book, f, 2, t, "sbg.clv|clv.clv = 300 from clv.clv, ");
    tst_expect_explains(m, book, f, 4, t, "sbg.clv|clv.clv missing -> dropped, 0 points\n");
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

/* The out-of-memory walk: fit, score, explain, save and load of a card whose source is
 * alternatives of attributes (the frame holds no column at fit in the walk): contract_clv for
 * c1 and c2, clv for every customer but c5. */
static tier_book *five_with_values(const tier_allocator *a)
{
    tier_book *book = five_customers(a);
    size_t i;
    for (i = 0; i < N; i++) {
        assert_int_equal(tier_book_set_number(book, i, "contract_clv", sbg_clv[i]), TIER_OK);
        assert_int_equal(tier_book_set_number(book, i, "clv", clv_clv[i]), TIER_OK);
    }
    return book;
}

static int walk_setup(tier_model *m)
{
    return tier_scorecard_add_factor(m, "lifetime_value", "attr.contract_clv|attr.clv", 100,
                                     TIER_SCORECARD_POTENTIAL, TIER_SCORECARD_NORM_PERCENTILE,
                                     TIER_SCORECARD_HIGHER_IS_BETTER,
                                     TIER_SCORECARD_MISSING_REWEIGHT, NULL);
}

static int walk_more(tier_model *m, const tier_book *book, tier_frame *f, tier_text *t)
{
    int rc = tier_model_explain(m, book, f, 0, t);
    if (rc == TIER_OK) {
        assert_non_null(strstr(tier_text_data(t), "= 500 from attr.contract_clv"));
        assert_true(fabs(tst_numbers(f, "sc.score")[2] - 62.5) < EPS);
    }
    return rc;
}

static const tst_model_walk alternatives_walk = {tier_scorecard_new, "sc", walk_setup, 6,
                                                 walk_more,          1};

static int oom_alternatives(const tier_allocator *alloc, void *ud)
{
    return tst_oom_model_walk(alloc, ud, &alternatives_walk);
}

TST_MAIN(TST_CASE("test_alternatives_take_the_contractual_value_under_contract",
                  test_alternatives_case, &contractual_under_contract),
         TST_CASE("test_the_order_of_the_alternatives_decides", test_alternatives_case,
                  &order_decides),
         TST_CASE("test_an_alternative_the_frame_lacks_is_skipped", test_alternatives_case,
                  &missing_column_skipped),
         TST_CASE("test_an_attribute_may_be_an_alternative", test_alternatives_case,
                  &attribute_first),
         cmocka_unit_test(test_no_alternative_there_is_an_error_naming_the_source),
         cmocka_unit_test(test_bad_alternative_lists_are_refused),
         cmocka_unit_test(test_the_explanation_names_the_column_used),
         cmocka_unit_test(test_the_subscription_preset_counts_the_lifetime_value_as_potential),
         TST_OOM_WALK(test_alternatives_survive_every_failed_allocation, oom_alternatives,
                      five_with_values, 3))
