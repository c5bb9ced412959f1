/* SPDX-License-Identifier: MIT */
/* The subscription model (include/tier/subscription.h) on the worked example of
 * docs/subscriptions.md, every figure checked by hand: per customer MRR, ARR, tenure, renewals,
 * MRR change, days to the next end and the movement; for the book and a cohort the starting,
 * churned, contraction, expansion and new MRR, GRR, NRR and logo churn. Then the as-of day
 * without the option, score_row against score after the book changes, explain, options, save and
 * load, and out of memory over load, fit and score. */
#include <stdio.h>
#include <string.h>

#include "support.h"

#define NA NAN

/* The example's model: D = 2024-07-01, window 366 days (W = 2023-07-01). */
static tier_model *example_model(const tier_allocator *a)
{
    tier_model *m = NULL;
    if (tier_subscription_new(&m, NULL, a) != TIER_OK)
        return NULL;
    if (tier_model_set_number(m, "as_of", tst_day(2024, 7, 1)) != TIER_OK ||
        tier_model_set_number(m, "window", 366) != TIER_OK) {
        tier_model_free(m);
        return NULL;
    }
    return m;
}

static void test_subscription_figures_per_customer(void **state)
{
    static const tst_number_want mrr[] = {{"e", NA},  {"a", 120}, {"b", 0},
                                          {"c", 250}, {"d", 50},  {"f", 80}};
    static const tst_number_want arr[] = {{"e", NA},   {"a", 1440}, {"b", 0},
                                          {"c", 3000}, {"d", 600},  {"f", 960}};
    static const tst_number_want tenure[] = {{"e", NA}, {"a", 18}, {"b", 12},
                                             {"c", 25}, {"d", 5},  {"f", 17}};
    static const tst_number_want renewals[] = {{"e", NA}, {"a", 1}, {"b", 0},
                                               {"c", 1},  {"d", 0}, {"f", 0}};
    static const tst_number_want change[] = {{"e", NA},  {"a", 20}, {"b", -200},
                                             {"c", -50}, {"d", 50}, {"f", 0}};
    static const tst_number_want to_end[] = {{"e", NA}, {"a", 184}, {"b", NA},
                                             {"c", NA}, {"d", 215}, {"f", 193}};
    static const tst_number_want churned[] = {{"e", NA}, {"a", 0}, {"b", 1},
                                              {"c", 0},  {"d", 0}, {"f", 0}};
    /* MRR x 12 months x margin 0.5 while active. */
    static const tst_number_want margin[] = {{"e", NA},   {"a", 720}, {"b", NA},
                                             {"c", 1500}, {"d", 300}, {"f", 480}};
    static const tst_label_want movement[] = {{"e", "none"},    {"a", "expansion"},
                                              {"b", "churned"}, {"c", "contraction"},
                                              {"d", "new"},     {"f", "flat"}};
    tier_book *book = tst_subscription_book(TST_ALLOC);
    tier_model *m = example_model(TST_ALLOC);
    tier_frame *f;
    (void)state;
    assert_non_null(book);
    assert_non_null(m);
    assert_int_equal(tier_model_set_number(m, "margin", 0.5), TIER_OK);
    f = tst_fit_score(m, book, TST_ALLOC);
    tst_expect_numbers(f, book, "subscription.mrr", mrr, TST_COUNT(mrr));
    tst_expect_numbers(f, book, "subscription.arr", arr, TST_COUNT(arr));
    tst_expect_numbers(f, book, "subscription.tenure_months", tenure, TST_COUNT(tenure));
    tst_expect_numbers(f, book, "subscription.renewals", renewals, TST_COUNT(renewals));
    tst_expect_numbers(f, book, "subscription.mrr_change", change, TST_COUNT(change));
    tst_expect_numbers(f, book, "subscription.days_to_end", to_end, TST_COUNT(to_end));
    tst_expect_numbers(f, book, "subscription.churned", churned, TST_COUNT(churned));
    tst_expect_numbers(f, book, "subscription.period_margin", margin, TST_COUNT(margin));
    tst_expect_labels(f, book, "subscription.movement", movement, TST_COUNT(movement));
    tst_release(f, m, book);
}

typedef struct stat_want {
    int stat;
    double value;
} stat_want;

static void expect_stats(const tier_model *m, const stat_want *w, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        double v = -1;
        assert_int_equal(tier_subscription_fit_stat(m, w[i].stat, &v), TIER_OK);
        if (isnan(w[i].value)) {
            if (!isnan(v))
                fail_msg("stat %d = %.12g, want nan", w[i].stat, v);
        } else if (!(fabs(v - w[i].value) <= 1e-12 * (1 + fabs(w[i].value)))) {
            fail_msg("stat %d = %.12g, want %.12g", w[i].stat, v, w[i].value);
        }
    }
}

static void test_subscription_retention_of_the_book(void **state)
{
    /* S = {a, b, c, f} active at W with 100 + 200 + 300 + 80 = 680; b churned (200), c
     * contracted by 50, a expanded by 20; d is new (50). */
    const stat_want want[] = {
        {TIER_SUBSCRIPTION_STAT_AS_OF, tst_day(2024, 7, 1)},
        {TIER_SUBSCRIPTION_STAT_WINDOW_START, tst_day(2023, 7, 1)},
        {TIER_SUBSCRIPTION_STAT_MRR, 500},
        {TIER_SUBSCRIPTION_STAT_ARR, 6000},
        {TIER_SUBSCRIPTION_STAT_ACTIVE, 4},
        {TIER_SUBSCRIPTION_STAT_STARTING, 4},
        {TIER_SUBSCRIPTION_STAT_STARTING_MRR, 680},
        {TIER_SUBSCRIPTION_STAT_CHURNED, 1},
        {TIER_SUBSCRIPTION_STAT_CHURNED_MRR, 200},
        {TIER_SUBSCRIPTION_STAT_CONTRACTION, 50},
        {TIER_SUBSCRIPTION_STAT_EXPANSION, 20},
        {TIER_SUBSCRIPTION_STAT_NEW_MRR, 50},
        {TIER_SUBSCRIPTION_STAT_GRR, 430.0 / 680.0},
        {TIER_SUBSCRIPTION_STAT_NRR, 450.0 / 680.0},
        {TIER_SUBSCRIPTION_STAT_LOGO_CHURN, 0.25},
        {TIER_SUBSCRIPTION_STAT_CUSTOMERS, 5},
        {TIER_SUBSCRIPTION_STAT_RENEWALS, 2},
    };
    tier_book *book = tst_subscription_book(TST_ALLOC);
    tier_model *m = example_model(TST_ALLOC);
    double v;
    (void)state;
    assert_int_equal(tier_subscription_fit_stat(m, TIER_SUBSCRIPTION_STAT_GRR, &v), TIER_ESTATE);
    assert_string_equal(tier_model_last_error(m), "the model is not fitted");
    tst_fit(m, book, NULL);
    expect_stats(m, want, TST_COUNT(want));
    assert_int_equal(tier_subscription_fit_stat(m, 18, &v), TIER_EINVAL);
    tst_release(NULL, m, book);
}

static void test_subscription_retention_of_a_cohort(void **state)
{
    /* First contract in 2023: a, b, f; S = all three with 380; b churned, a +20. */
    const stat_want want[] = {
        {TIER_SUBSCRIPTION_STAT_STARTING_MRR, 380},
        {TIER_SUBSCRIPTION_STAT_CHURNED_MRR, 200},
        {TIER_SUBSCRIPTION_STAT_CONTRACTION, 0},
        {TIER_SUBSCRIPTION_STAT_EXPANSION, 20},
        {TIER_SUBSCRIPTION_STAT_GRR, 180.0 / 380},
        {TIER_SUBSCRIPTION_STAT_NRR, 200.0 / 380},
        {TIER_SUBSCRIPTION_STAT_LOGO_CHURN, 1.0 / 3},
        {TIER_SUBSCRIPTION_STAT_CUSTOMERS, 3},
        {TIER_SUBSCRIPTION_STAT_MRR, 200},
    };
    /* A month with nobody active at W: no ratios. */
    const stat_want none[] = {
        {TIER_SUBSCRIPTION_STAT_STARTING, 0}, {TIER_SUBSCRIPTION_STAT_GRR, NA},
        {TIER_SUBSCRIPTION_STAT_NRR, NA},     {TIER_SUBSCRIPTION_STAT_LOGO_CHURN, NA},
        {TIER_SUBSCRIPTION_STAT_NEW_MRR, 50}, {TIER_SUBSCRIPTION_STAT_CUSTOMERS, 1}};
    tier_book *book = tst_subscription_book(TST_ALLOC);
    tier_model *m = example_model(TST_ALLOC);
    (void)state;
    assert_int_equal(tier_model_set_text(m, "cohort", "2023"), TIER_OK);
    tst_fit(m, book, NULL);
    expect_stats(m, want, TST_COUNT(want));
    assert_int_equal(tier_model_set_text(m, "cohort", "2024-02"), TIER_OK);
    assert_false(tier_model_is_fitted(m));
    tst_fit(m, book, NULL);
    expect_stats(m, none, TST_COUNT(none));
    assert_int_equal(tier_model_set_text(m, "cohort", "2024-13"), TIER_EINVAL);
    assert_string_equal(
        tier_model_last_error(m),
        "model \"subscription\": option \"cohort\": \"2024-13\" is not \"\", YYYY or YYYY-MM "
        "(1900-01 .. 9998-12)");
    tst_release(NULL, m, book);
}

static void test_subscription_as_of_from_the_book(void **state)
{
    tier_book *book = tst_subscription_book(TST_ALLOC), *bare = NULL;
    tier_model *m = NULL;
    tier_frame *f;
    double v;
    (void)state;
    /* The last transaction is e's on 2024-05-01: D = 2024-05-02, before c's renewal at 300 ended
     * and after b's contract ended (2024-03-15). */
    assert_int_equal(tier_subscription_new(&m, "subscription", TST_ALLOC), TIER_OK);
    f = tst_fit_score(m, book, TST_ALLOC);
    assert_int_equal(tier_subscription_fit_stat(m, TIER_SUBSCRIPTION_STAT_AS_OF, &v), TIER_OK);
    assert_int_equal((int32_t)v, tst_day(2024, 5, 2));
    tst_assert_abs(tst_numbers(f, "subscription.mrr")[tst_customer(book, "c")], 300, 0);
    tst_assert_abs(tst_numbers(f, "subscription.mrr")[tst_customer(book, "b")], 0, 0);
    tier_frame_free(f);
    /* Without transactions: the day after the latest contract start (c's 2024-06-01). */
    assert_int_equal(tier_book_new(&bare, TST_ALLOC), TIER_OK);
    assert_int_equal(tst_add_contracts(bare, tst_subscription_rows, tst_subscription_nrows, 0),
                     TIER_OK);
    tst_fit(m, bare, NULL);
    assert_int_equal(tier_subscription_fit_stat(m, TIER_SUBSCRIPTION_STAT_AS_OF, &v), TIER_OK);
    assert_int_equal((int32_t)v, tst_day(2024, 6, 2));
    tier_book_free(bare);
    /* An empty book has no as-of day. */
    assert_int_equal(tier_book_new(&bare, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, bare, NULL), TIER_ESTATE);
    tier_book_free(bare);
    tst_release(NULL, m, book);
}

static void test_subscription_score_row_equals_score(void **state)
{
    static const tst_contract upsell[] = {
        {"f", "2024-03-01", NULL, 1200, TIER_CONTRACT_YEARLY, TIER_CONTRACT_ACTIVE, "addon"},
        {"e", "2024-01-01", "2024-06-01", 10, TIER_CONTRACT_MONTHLY, TIER_CONTRACT_CANCELLED,
         NULL}};
    tier_book *book = tst_subscription_book(TST_ALLOC);
    tier_model *m = example_model(TST_ALLOC);
    tier_frame *f, *fresh;
    (void)state;
    f = tst_fit_score(m, book, TST_ALLOC);
    /* The book changes for f and e; their rows are re-scored one at a time. */
    assert_int_equal(tst_add_contracts(book, upsell, TST_COUNT(upsell), 0), TIER_OK);
    assert_int_equal(tier_model_score_row(m, book, f, tst_customer(book, "f")), TIER_OK);
    assert_int_equal(tier_model_score_row(m, book, f, tst_customer(book, "e")), TIER_OK);
    fresh = tst_score(m, book, TST_ALLOC);
    tst_assert_same_frames(f, fresh);
    assert_string_equal(tst_label(f, "subscription.movement", tst_customer(book, "f")),
                        "expansion");
    assert_string_equal(tst_label(f, "subscription.movement", tst_customer(book, "e")), "none");
    tst_assert_abs(tst_numbers(f, "subscription.mrr")[tst_customer(book, "f")], 180, 0);
    tier_frame_free(fresh);
    tst_release(f, m, book);
}

static void test_subscription_explains_a_customer(void **state)
{
    static const char *const parts_a[] = {
        "MRR 120.00 (ARR 1440.00) as of 2024-07-01 from 1 active contract",
        "; 18 months since the first contract (2023-01-01); 1 renewal",
        "; expansion since 2023-07-01 (366 days): MRR 100.00 -> 120.00 (+20.00)",
        "; the next contract end is in 184 days (2025-01-01)"};
    tier_book *book = tst_subscription_book(TST_ALLOC);
    tier_model *m = example_model(TST_ALLOC);
    tier_frame *f = tst_fit_score(m, book, TST_ALLOC);
    tier_text *t = NULL;
    char *copy;
    (void)state;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, tst_customer(book, "a"), t), TIER_OK);
    copy = tst_text_copy(t);
    tst_expect_parts(copy, parts_a, TST_COUNT(parts_a));
    test_free(copy);
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, tst_customer(book, "e"), t), TIER_OK);
    assert_string_equal(tier_text_data(t), "no contract started before 2024-07-01");
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, tst_customer(book, "c"), t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "contraction since 2023-07-01 (366 days): MRR "
                                              "300.00 -> 250.00 (-50.00); its active contracts "
                                              "are open-ended"));
    tier_text_free(t);
    tst_release(f, m, book);
}

static void test_subscription_options_and_saved_state(void **state)
{
    static const tst_number_option cases[] = {
        {"window", 0, TIER_ERANGE},  {"window", 36501, TIER_ERANGE}, {"window", 30.5, TIER_ERANGE},
        {"as_of", 0.5, TIER_ERANGE}, {"as_of", NAN, TIER_OK},        {"window", 30, TIER_OK},
    };
    tier_book *book = tst_subscription_book(TST_ALLOC);
    tier_model *m = example_model(TST_ALLOC), *back = NULL;
    tier_frame *f1, *f2;
    double v1, v2;
    char *saved;
    (void)state;
    f1 = tst_fit_score(m, book, TST_ALLOC);
    saved = tst_saved(m, TST_ALLOC);
    assert_int_equal(tier_subscription_new(&back, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(back, saved, strlen(saved)), TIER_OK);
    f2 = tst_score(back, book, TST_ALLOC);
    tst_assert_same_frames(f1, f2);
    assert_int_equal(tier_subscription_fit_stat(m, TIER_SUBSCRIPTION_STAT_NRR, &v1), TIER_OK);
    assert_int_equal(tier_subscription_fit_stat(back, TIER_SUBSCRIPTION_STAT_NRR, &v2), TIER_OK);
    tst_assert_abs(v2, v1, 0);
    test_free(saved);
    tst_expect_set_numbers(m, cases, TST_COUNT(cases));
    tier_frame_free(f2);
    tier_model_free(back);
    /* Another kind's model is refused. */
    assert_int_equal(tier_lifecycle_new(&back, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_subscription_fit_stat(back, TIER_SUBSCRIPTION_STAT_MRR, &v1),
                     TIER_EINVAL);
    tier_model_free(back);
    tst_release(f1, m, book);
}

/* Out of memory over load (the book and its contracts), fit, score, explain, save and load. */
static int explain_a(tier_model *m, const tier_book *book, tier_frame *f, tier_text *t)
{
    return tier_model_explain(m, book, f, 1, t);
}

static int setup_example(tier_model *m)
{
    int rc = tier_model_set_number(m, "as_of", tst_day(2024, 7, 1));
    return rc ? rc : tier_model_set_text(m, "cohort", "2023");
}

static const tst_model_walk walk = {
    tier_subscription_new, "subscription", setup_example, 9, explain_a, 1};

static int oom_load_fit_score(const tier_allocator *alloc, void *ud)
{
    tier_book *book = tst_subscription_book(alloc);
    int rc;
    (void)ud;
    if (!book)
        return TIER_ENOMEM;
    rc = tst_oom_model_walk(alloc, book, &walk);
    tier_book_free(book);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_subscription_figures_per_customer),
         cmocka_unit_test(test_subscription_retention_of_the_book),
         cmocka_unit_test(test_subscription_retention_of_a_cohort),
         cmocka_unit_test(test_subscription_as_of_from_the_book),
         cmocka_unit_test(test_subscription_score_row_equals_score),
         cmocka_unit_test(test_subscription_explains_a_customer),
         cmocka_unit_test(test_subscription_options_and_saved_state),
         TST_OOM_WALK(test_subscription_survives_every_failed_allocation, oom_load_fit_score, NULL,
                      20))
