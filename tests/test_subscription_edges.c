/* SPDX-License-Identifier: MIT */
/* The subscription model at its edges (include/tier/subscription.h): cohorts that are not "",
 * YYYY or YYYY-MM within 1900-01 .. 9998-12 are refused with the text quoted, and the valid ones
 * at the ends are taken; a saved state whose stats record is short or missing is refused with the
 * line; statistics need a place and a known number; an explanation needs a customer in range
 * and says when the book has no as-of day. */
#include <stdio.h>
#include <string.h>

#include "support.h"

static void test_cohorts_at_and_past_their_ends(void **state)
{
    static const char *const bad[] = {"202",     "20245",   "2024-1",  "2024-00", "2024-13",
                                      "2024-1x", "2024/01", "1899",    "1899-12", "9999-12",
                                      "9999",    "abcd",    "2024-01x"};
    static const char *const good[] = {"", "1900", "1900-01", "9998-12", "2024-09"};
    tier_model *m = NULL;
    size_t i;
    (void)state;
    assert_int_equal(tier_subscription_new(&m, NULL, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(bad); i++) {
        char want[96];
        assert_int_equal(tier_model_set_text(m, "cohort", bad[i]), TIER_EINVAL);
        snprintf(want, sizeof want, "\"%s\" is not \"\", YYYY or YYYY-MM (1900-01 .. 9998-12)",
                 bad[i]);
        if (!strstr(tier_model_last_error(m), want))
            fail_msg("cohort \"%s\": \"%s\"", bad[i], tier_model_last_error(m));
    }
    for (i = 0; i < TST_COUNT(good); i++) {
        tier_text *t = NULL;
        assert_int_equal(tier_model_set_text(m, "cohort", good[i]), TIER_OK);
        assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_model_get_option(m, "cohort", t), TIER_OK);
        assert_string_equal(tier_text_data(t), good[i]);
        tier_text_free(t);
    }
    tier_model_free(m);
}

/* A saved state: the options, then the stats record. */
#define HEAD                                                                                    \
    "tier-model-state 1\nkind \"subscription\"\nname \"subscription\"\nas_of nan\nwindow 365\n" \
    "cohort \"\"\nmargin 1\nperiod_months 12\n"
#define STATS "stats 9498 9133 0 0 0 0 0 0 0 0 0 0 nan nan nan 0 0\nend\n"

static void test_saved_stats_and_statistics_are_checked(void **state)
{
    static const char short_stats[] = "stats 9498 9133 0 0\nend\n";
    char text[512];
    tier_model *m = NULL;
    double v = 7;
    (void)state;
    assert_int_equal(tier_subscription_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_subscription_fit_stat(m, TIER_SUBSCRIPTION_STAT_AS_OF, &v), TIER_ESTATE);
    snprintf(text, sizeof text, "%s%s", HEAD, short_stats);
    assert_int_equal(tier_model_load(m, text, strlen(text)), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(m), "line 9: stats needs 17 numbers"));
    snprintf(text, sizeof text, "%send\n", HEAD);
    assert_int_equal(tier_model_load(m, text, strlen(text)), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(m), "line 9: no stats record"));
    assert_false(tier_model_is_fitted(m));
    snprintf(text, sizeof text, "%s%s", HEAD, STATS);
    assert_int_equal(tier_model_load(m, text, strlen(text)), TIER_OK);
    assert_int_equal(tier_subscription_fit_stat(m, TIER_SUBSCRIPTION_STAT_AS_OF, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_subscription_fit_stat(m, 0, &v), TIER_EINVAL);
    assert_int_equal(tier_subscription_fit_stat(m, 18, &v), TIER_EINVAL);
    assert_true(v == 7);
    assert_int_equal(tier_subscription_fit_stat(m, TIER_SUBSCRIPTION_STAT_AS_OF, &v), TIER_OK);
    assert_true(v == 9498);
    assert_int_equal(tier_subscription_fit_stat(m, TIER_SUBSCRIPTION_STAT_WINDOW_START, &v),
                     TIER_OK);
    assert_true(v == 9133);
    tier_model_free(m);
}

static void test_explanations_need_a_customer_and_an_as_of_day(void **state)
{
    tier_book *book = NULL;
    tier_model *m = NULL;
    tier_frame *f = NULL;
    tier_text *t = NULL;
    char text[512];
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_customer(book, "a", 1, NULL), TIER_OK);
    assert_int_equal(tier_subscription_new(&m, NULL, TST_ALLOC), TIER_OK);
    /* fitted by a load; the book it explains has neither transactions nor contracts */
    snprintf(text, sizeof text, "%s%s", HEAD, STATS);
    assert_int_equal(tier_model_load(m, text, strlen(text)), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 1, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, 0, t), TIER_OK);
    assert_string_equal(tier_text_data(t),
                        "no as-of day: the book has no transactions and no contracts");
    assert_int_not_equal(tier_model_explain(m, book, f, 1, t), TIER_OK);
    tier_text_free(t);
    tst_release(f, m, book);
}

TST_MAIN(cmocka_unit_test(test_cohorts_at_and_past_their_ends),
         cmocka_unit_test(test_saved_stats_and_statistics_are_checked),
         cmocka_unit_test(test_explanations_need_a_customer_and_an_as_of_day))
