/* SPDX-License-Identifier: MIT */
/* The lifecycle model: every stage and every threshold boundary on hand-made books (as-of day
 * 1000, windows [820, 1000) and [640, 820)), P(alive) from a test column, onboarding stages,
 * missing attributes, empty books, refunds, the TIER_ESTATE path without kept transactions,
 * options, explanations, out of memory, and the stage counts of the B2B example data. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* Stage and onboarding counts of the B2B example data (see the test at the end). */
#define B2B_NEW 179
#define B2B_GROWING 396
#define B2B_MATURE 659
#define B2B_DECLINING 356
#define B2B_DORMANT 188
#define B2B_CHURNED 222
#define B2B_HANDOVER 87
#define B2B_ROLLOUT 819
#define B2B_STABLE 930
#define B2B_NONE 164

static tier_model *lifecycle(const tier_allocator *a, double as_of)
{
    tier_model *m = NULL;
    assert_int_equal(tier_lifecycle_new(&m, NULL, a), TIER_OK);
    assert_string_equal(tier_model_kind(m), "lifecycle");
    assert_int_equal(tier_model_set_number(m, "as_of", as_of), TIER_OK);
    return m;
}

/* Fits (with the columns of `frame` as inputs), scores into `frame` (a new one when NULL) and
 * returns it. */
static tier_frame *score(tier_model *m, const tier_book *book, tier_frame *frame,
                         const tier_allocator *a)
{
    if (!frame)
        assert_int_equal(tier_frame_new(&frame, tier_book_customer_count(book), a), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, frame), TIER_OK);
    tst_score_into(m, book, frame);
    return frame;
}

static double value(const tier_frame *f, const tier_book *book, const char *name, const char *id)
{
    return tst_numbers(f, name)[tst_customer(book, id)];
}

#define STAGE(f, b, id) tst_label(f, "lifecycle.stage", tst_customer(b, id))
#define ONBOARDING(f, b, id) tst_label(f, "lifecycle.onboarding", tst_customer(b, id))

static void test_lifecycle_assigns_every_stage_by_hand(void **s)
{
    /* As of day 1000: recent window [820, 1000), previous [640, 820).
     * newbie: first purchase 950 -> tenure 50 < 90: new.
     * grower: 100 on 700, 150 on 900 -> trend (150-100)/100 = +0.5: growing.
     * steady: 100 on 700, 100 on 900 -> trend 0: mature.
     * shrink: 100 on 700, 50 on 900 -> trend -0.5: declining.
     * sleeper: last purchase 700 -> inactive 300 > 180: dormant.
     * gone: last purchase 600 -> inactive 400 > 365: churned.
     * prospect: no transaction -> new (nothing bought yet). */
    static const tst_txn rows[] = {{"newbie", 950, 10},  {"grower", 700, 100}, {"grower", 900, 150},
                                   {"steady", 700, 100}, {"steady", 900, 100}, {"shrink", 700, 100},
                                   {"shrink", 900, 50},  {"sleeper", 500, 80}, {"sleeper", 700, 80},
                                   {"gone", 100, 300},   {"gone", 600, 300}};
    static const tst_label_want stages[] = {{"newbie", "new"},      {"grower", "growing"},
                                            {"steady", "mature"},   {"shrink", "declining"},
                                            {"sleeper", "dormant"}, {"gone", "churned"},
                                            {"prospect", "new"}};
    static const tst_number_want tenure[] = {{"newbie", 50}, {"gone", 900}, {"prospect", NAN}};
    static const tst_number_want inactive[] = {{"newbie", 50}, {"gone", 400}, {"prospect", NAN}};
    /* gone: nothing in either window -> (0 - 0) / max(0, 1) = 0.
     * newbie: recent 10, previous 0 -> 10 / epsilon 1 = 10. */
    static const tst_number_want trend[] = {{"grower", 0.5}, {"steady", 0.0},  {"shrink", -0.5},
                                            {"gone", 0.0},   {"newbie", 10.0}, {"prospect", NAN}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_model *m = lifecycle(TST_ALLOC, 1000);
    tier_frame *f;
    (void)s;
    assert_int_equal(tier_book_add_customer(book, "prospect", 8, NULL), TIER_OK);
    f = score(m, book, NULL, TST_ALLOC);
    assert_int_equal(tier_frame_column_count(f), 5);
    tst_expect_labels(f, book, "lifecycle.stage", stages, TST_COUNT(stages));
    tst_expect_numbers(f, book, "lifecycle.tenure_days", tenure, TST_COUNT(tenure));
    tst_expect_numbers(f, book, "lifecycle.inactive_days", inactive, TST_COUNT(inactive));
    tst_expect_numbers(f, book, "lifecycle.trend", trend, TST_COUNT(trend));
    tst_release(f, m, book);
}

static void test_lifecycle_thresholds_are_strict_at_their_boundaries(void **s)
{
    /* As of 1000. Each pair sits on and just past one threshold.
     * c365: last purchase 635 -> inactive 365, not > 365: dormant; c366 (634): churned.
     * d180: purchases 600 and 820 -> inactive 180, not > 180; 100 vs 100 -> mature;
     * d181: purchases 600 and 819 -> inactive 181: dormant.
     * t90: first purchase 910 -> tenure 90, not < 90; previous window empty -> growing;
     * t89: first purchase 911: new.
     * up20: 100 then 120 -> trend exactly +0.2, not > 0.2: mature; up21: 121 -> growing.
     * dn20: 100 then 80 -> trend exactly -0.2, not < -0.2: mature; dn21: 79 -> declining. */
    static const tst_txn rows[] = {{"c365", 300, 5},   {"c365", 635, 5},   {"c366", 300, 5},
                                   {"c366", 634, 5},   {"d180", 700, 100}, {"d180", 820, 100},
                                   {"d181", 700, 100}, {"d181", 819, 100}, {"t90", 910, 5},
                                   {"t89", 911, 5},    {"up20", 700, 100}, {"up20", 900, 120},
                                   {"up21", 700, 100}, {"up21", 900, 121}, {"dn20", 700, 100},
                                   {"dn20", 900, 80},  {"dn21", 700, 100}, {"dn21", 900, 79}};
    static const tst_label_want stages[] = {
        {"c365", "dormant"}, {"c366", "churned"},  {"d180", "mature"}, {"d181", "dormant"},
        {"t90", "growing"},  {"t89", "new"},       {"up20", "mature"}, {"up21", "growing"},
        {"dn20", "mature"},  {"dn21", "declining"}};
    static const tst_number_want trend[] = {{"up20", 0.2}, {"dn20", -0.2}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_model *m = lifecycle(TST_ALLOC, 1000);
    tier_frame *f = score(m, book, NULL, TST_ALLOC);
    (void)s;
    tst_expect_labels(f, book, "lifecycle.stage", stages, TST_COUNT(stages));
    tst_expect_numbers(f, book, "lifecycle.trend", trend, TST_COUNT(trend));
    tst_release(f, m, book);
}

static void test_lifecycle_moves_thresholds_and_windows_by_option(void **s)
{
    /* As of 1000, recent window 100 days [900, 1000), previous 300 days [600, 900).
     * x: 100 on 700, 100 on 950 -> recent 100, previous 100: trend 0 (with the defaults the
     * windows [820,1000) / [640,820) also give 100 vs 100).
     * y: 100 on 850, 100 on 950 -> with the new windows 100 vs 100: mature; with the defaults
     * 200 vs 0 -> trend 200: growing.
     * z: last purchase 700 -> inactive 300: dormant by default, mature once dormant_days is
     * 300 (300 is not > 300). */
    static const tst_txn rows[] = {{"x", 700, 100}, {"x", 950, 100}, {"y", 850, 100},
                                   {"y", 950, 100}, {"z", 500, 100}, {"z", 700, 100}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, 6);
    tier_model *m = lifecycle(TST_ALLOC, 1000);
    tier_frame *f = score(m, book, NULL, TST_ALLOC);
    (void)s;
    assert_string_equal(STAGE(f, book, "y"), "growing");
    assert_string_equal(STAGE(f, book, "z"), "dormant");
    tier_frame_free(f);
    assert_int_equal(tier_model_set_number(m, "recent_window", 100), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "previous_window", 300), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "dormant_days", 300), TIER_OK);
    f = score(m, book, NULL, TST_ALLOC);
    assert_string_equal(STAGE(f, book, "x"), "mature");
    assert_string_equal(STAGE(f, book, "y"), "mature");
    assert_true(value(f, book, "lifecycle.trend", "y") == 0.0);
    /* z: recent 0, previous 100 (day 700) -> trend -1: declining once no longer dormant. */
    assert_true(value(f, book, "lifecycle.trend", "z") == -1.0);
    assert_string_equal(STAGE(f, book, "z"), "declining");
    tier_frame_free(f);
    /* A large epsilon damps the trend of y under the default windows: 200 / 1000 = 0.2. */
    assert_int_equal(tier_model_set_number(m, "recent_window", 180), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "previous_window", 180), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "trend_epsilon", 1000), TIER_OK);
    f = score(m, book, NULL, TST_ALLOC);
    assert_true(value(f, book, "lifecycle.trend", "y") == 0.2);
    assert_string_equal(STAGE(f, book, "y"), "mature");
    tst_release(f, m, book);
}

static void test_lifecycle_defaults_the_as_of_day_to_the_day_after_the_last_transaction(void **s)
{
    static const tst_txn rows[] = {{"a", 10, 5}, {"b", 40, 5}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, 2);
    tier_model *m = NULL;
    tier_frame *f;
    double v;
    (void)s;
    assert_int_equal(tier_lifecycle_new(&m, "lc", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_get_number(m, "as_of", &v), TIER_OK);
    assert_true(isnan(v));
    f = score(m, book, NULL, TST_ALLOC);
    /* D = 41: a bought 31 days ago, b yesterday. */
    assert_true(tst_numbers(f, "lc.inactive_days")[0] == 31);
    assert_true(tst_numbers(f, "lc.inactive_days")[1] == 1);
    assert_true(tst_numbers(f, "lc.tenure_days")[1] == 1);
    tst_release(f, m, book);
}

static void test_lifecycle_uses_p_alive_from_a_clv_column(void **s)
{
    /* Every customer has the mature pattern (100 on 700, 100 on 900; trend 0) except up, which
     * grows (+0.5). P(alive): p05 0.05 < 0.1: churned; p10 exactly 0.1: not churned, but < 0.5:
     * declining; p30 0.3: declining; p50 exactly 0.5: mature; p90: mature; pnan: mature;
     * up with 0.3: declining (the early warning wins over the growing trend). */
    static const tst_txn rows[] = {{"p05", 700, 100}, {"p05", 900, 100},  {"p10", 700, 100},
                                   {"p10", 900, 100}, {"p30", 700, 100},  {"p30", 900, 100},
                                   {"p50", 700, 100}, {"p50", 900, 100},  {"p90", 700, 100},
                                   {"p90", 900, 100}, {"pnan", 700, 100}, {"pnan", 900, 100},
                                   {"up", 700, 100},  {"up", 900, 150}};
    static const double p_alive[7] = {0.05, 0.1, 0.3, 0.5, 0.9, NAN, 0.3};
    static const tst_label_want stages[] = {
        {"p05", "churned"}, {"p10", "declining"}, {"p30", "declining"}, {"p50", "mature"},
        {"p90", "mature"},  {"pnan", "mature"},   {"up", "declining"}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_model *m = lifecycle(TST_ALLOC, 1000);
    tier_frame *f = tst_frame_with(book, "clv.p_alive", p_alive, TST_ALLOC);
    int32_t *codes;
    (void)s;
    f = score(m, book, f, TST_ALLOC);
    tst_expect_labels(f, book, "lifecycle.stage", stages, TST_COUNT(stages));
    tier_frame_free(f);

    /* Another column name; without P(alive) up is growing and p05 mature. */
    f = tst_frame_with(book, "bg.alive", p_alive, TST_ALLOC);
    assert_int_equal(tier_model_set_text(m, "p_alive_column", "bg.alive"), TIER_OK);
    f = score(m, book, f, TST_ALLOC);
    assert_string_equal(STAGE(f, book, "p05"), "churned");
    tier_frame_free(f);
    assert_int_equal(tier_model_set_text(m, "p_alive_column", ""), TIER_OK);
    f = tst_frame_with(book, "bg.alive", p_alive, TST_ALLOC);
    f = score(m, book, f, TST_ALLOC);
    assert_string_equal(STAGE(f, book, "p05"), "mature");
    assert_string_equal(STAGE(f, book, "up"), "growing");
    tier_frame_free(f);

    /* A label column where P(alive) should be is an error; the frame gains no column. */
    assert_int_equal(tier_model_set_text(m, "p_alive_column", "clv.p_alive"), TIER_OK);
    assert_int_equal(tier_frame_new(&f, tier_book_customer_count(book), TST_ALLOC), TIER_OK);
    {
        static const char *const lab[1] = {"x"};
        assert_int_equal(tier_frame_add_labels(f, "clv.p_alive", lab, 1, &codes), TIER_OK);
    }
    assert_int_equal(tier_model_score(m, book, f), TIER_EINVAL);
    assert_non_null(strstr(tier_frame_last_error(f), "not a number column"));
    assert_int_equal(tier_frame_column_count(f), 1);
    assert_int_equal(tier_model_fit(m, book, f), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "clv.p_alive"));
    tst_release(f, m, book);
}

static void set_progress(tier_book *book, const char *id, double progress, double users)
{
    size_t i = tst_customer(book, id);
    if (!isnan(progress))
        assert_int_equal(tier_book_set_number(book, i, "implementation_progress", progress),
                         TIER_OK);
    if (!isnan(users))
        assert_int_equal(tier_book_set_number(book, i, "active_users_share", users), TIER_OK);
}

static void test_lifecycle_grades_onboarding_from_progress_and_usage(void **s)
{
    /* none: no progress; h: 0.3 < 0.5 handover; r50: exactly 0.5 -> internal_rollout;
     * r89: 0.89 with all users active -> internal_rollout (progress < 0.9); s90: exactly 0.9 and
     * 0.6 -> stable_use; r59: 1.0 but 0.59 users -> internal_rollout; nousers: 1.0, no usage on
     * record -> internal_rollout; usersonly: usage without progress -> none. */
    static const char *const ids[] = {"none", "h",   "r50",     "r89",
                                      "s90",  "r59", "nousers", "usersonly"};
    static const tst_label_want onboarding[] = {{"none", "none"},
                                                {"h", "handover"},
                                                {"r50", "internal_rollout"},
                                                {"r89", "internal_rollout"},
                                                {"s90", "stable_use"},
                                                {"r59", "internal_rollout"},
                                                {"nousers", "internal_rollout"},
                                                {"usersonly", "none"}};
    tier_book *book = NULL;
    tier_model *m = lifecycle(TST_ALLOC, 1000);
    tier_frame *f;
    size_t i;
    (void)s;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(ids); i++)
        assert_int_equal(tier_book_add_txn(book, ids[i], strlen(ids[i]), 900, 10, NAN), TIER_OK);
    set_progress(book, "h", 0.3, 0.9);
    set_progress(book, "r50", 0.5, NAN);
    set_progress(book, "r89", 0.89, 1.0);
    set_progress(book, "s90", 0.9, 0.6);
    set_progress(book, "r59", 1.0, 0.59);
    set_progress(book, "nousers", 1.0, NAN);
    set_progress(book, "usersonly", NAN, 0.9);
    f = score(m, book, NULL, TST_ALLOC);
    tst_expect_labels(f, book, "lifecycle.onboarding", onboarding, TST_COUNT(onboarding));
    tier_frame_free(f);

    /* Thresholds and attribute names are options; a text attribute counts as missing. */
    assert_int_equal(tier_model_set_number(m, "stable_progress", 0.85), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "stable_users", 0.5), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "rollout_progress", 0.2), TIER_OK);
    f = score(m, book, NULL, TST_ALLOC);
    assert_string_equal(ONBOARDING(f, book, "h"), "internal_rollout");
    assert_string_equal(ONBOARDING(f, book, "r89"), "stable_use");
    assert_string_equal(ONBOARDING(f, book, "r59"), "stable_use");
    tier_frame_free(f);
    assert_int_equal(tier_book_set_number(book, tst_customer(book, "h"), "impl", 0.95), TIER_OK);
    assert_int_equal(tier_book_set_text(book, tst_customer(book, "r89"), "impl", NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_book_set_text(book, tst_customer(book, "r89"), "impl_text", "0.95"),
                     TIER_OK);
    assert_int_equal(tier_model_set_text(m, "progress_attribute", "impl"), TIER_OK);
    assert_int_equal(tier_model_set_text(m, "users_attribute", "users"), TIER_OK);
    f = score(m, book, NULL, TST_ALLOC);
    assert_string_equal(ONBOARDING(f, book, "h"), "internal_rollout"); /* no "users" */
    assert_string_equal(ONBOARDING(f, book, "s90"), "none");
    tier_frame_free(f);
    assert_int_equal(tier_model_set_text(m, "progress_attribute", "impl_text"), TIER_OK);
    f = score(m, book, NULL, TST_ALLOC);
    assert_string_equal(ONBOARDING(f, book, "r89"), "none");
    tst_release(f, m, book);
}

static void test_lifecycle_scores_empty_books(void **s)
{
    tier_book *book = NULL;
    tier_model *m = NULL;
    tier_frame *f;
    (void)s;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_lifecycle_new(&m, NULL, TST_ALLOC), TIER_OK);
    /* No customers at all: the five columns, no rows. */
    f = score(m, book, NULL, TST_ALLOC);
    assert_int_equal(tier_frame_column_count(f), 5);
    assert_int_equal(tier_frame_rows(f), 0);
    tier_frame_free(f);
    /* Customers but no transactions (and so no default as-of day): all new, numbers NaN. */
    assert_int_equal(tier_book_add_customer(book, "a", 1, NULL), TIER_OK);
    assert_int_equal(tier_book_add_customer(book, "b", 1, NULL), TIER_OK);
    f = score(m, book, NULL, TST_ALLOC);
    assert_string_equal(STAGE(f, book, "a"), "new");
    assert_string_equal(STAGE(f, book, "b"), "new");
    assert_string_equal(ONBOARDING(f, book, "b"), "none");
    assert_true(isnan(value(f, book, "lifecycle.trend", "a")));
    assert_true(isnan(value(f, book, "lifecycle.inactive_days", "b")));
    tst_release(f, m, book);
}

static void test_lifecycle_nets_refunds_into_the_trend_but_not_into_inactivity(void **s)
{
    /* r: 100 on 700, 100 on 900, refund -50 on 990 -> recent 50 vs 100: trend -0.5, declining;
     * the refund does not make r active: inactive stays 100.
     * only: a refund alone is no purchase: new, NaN figures.
     * later: purchases after the as-of day do not count: gone has bought on 1200 but as of 1000
     * its last purchase is 600: churned. */
    static const tst_txn rows[] = {{"r", 700, 100},    {"r", 900, 100},   {"r", 990, -50},
                                   {"only", 950, -20}, {"gone", 100, 50}, {"gone", 600, 50},
                                   {"gone", 1200, 50}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_model *m = lifecycle(TST_ALLOC, 1000);
    tier_frame *f = score(m, book, NULL, TST_ALLOC);
    (void)s;
    assert_true(value(f, book, "lifecycle.trend", "r") == -0.5);
    assert_true(value(f, book, "lifecycle.inactive_days", "r") == 100);
    assert_string_equal(STAGE(f, book, "r"), "declining");
    assert_string_equal(STAGE(f, book, "only"), "new");
    assert_true(isnan(value(f, book, "lifecycle.tenure_days", "only")));
    assert_string_equal(STAGE(f, book, "gone"), "churned");
    assert_true(value(f, book, "lifecycle.inactive_days", "gone") == 400);
    tst_release(f, m, book);
}

static void test_lifecycle_needs_kept_transactions_for_its_windows(void **s)
{
    static const tst_txn rows[] = {{"a", 100, 5}, {"a", 400, 5}};
    tier_book *book = NULL;
    tier_model *m = NULL;
    tier_frame *f = NULL;
    (void)s;
    book = tst_book_without_txns(TST_ALLOC, rows, TST_COUNT(rows));
    assert_int_equal(tier_lifecycle_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 1, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_ESTATE);
    assert_non_null(strstr(tier_frame_last_error(f), "lifecycle windows"));
    assert_non_null(strstr(tier_frame_last_error(f), "not kept"));
    assert_int_equal(tier_frame_column_count(f), 0);
    tst_release(f, m, book);
}

static void test_lifecycle_rejects_bad_options(void **s)
{
    static const tst_number_option unknown[] = {{"", 1, TIER_ENOTFOUND},
                                                {"churn", 1, TIER_ENOTFOUND}};
    static const tst_number_option out_of_range[] = {
        {"recent_window", 10.5, TIER_ERANGE}, {"previous_window", 36501, TIER_ERANGE},
        {"trend_epsilon", 0, TIER_ERANGE},    {"churn_p_alive", 1.5, TIER_ERANGE},
        {"growth_trend", NAN, TIER_ERANGE},   {"decline_trend", INFINITY, TIER_ERANGE},
        {"as_of", 1e9, TIER_ERANGE},          {"as_of", 12.5, TIER_ERANGE}};
    tier_allocator a = tst_allocator();
    tier_model *m = NULL, *p = NULL;
    tier_book *book = NULL;
    tier_frame *f = NULL;
    double v;
    (void)s;
    assert_int_equal(tier_lifecycle_new(&m, NULL, &a), TIER_OK);
    tst_expect_set_numbers(m, unknown, TST_COUNT(unknown));
    assert_int_equal(tier_model_set_number(m, "recent_window", 0), TIER_ERANGE);
    assert_non_null(strstr(tier_model_last_error(m), "recent_window"));
    tst_expect_set_numbers(m, out_of_range, TST_COUNT(out_of_range));
    assert_int_equal(tier_model_get_number(m, "recent_window", &v), TIER_OK);
    assert_true(v == 180);
    assert_int_equal(tier_model_get_number(m, "decline_trend", &v), TIER_OK);
    assert_true(v == -0.2);
    assert_int_equal(tier_model_get_number(m, "users_attribute", &v), TIER_EINVAL); /* a text */
    assert_int_equal(tier_model_set_text(m, "other_attribute", "x"), TIER_ENOTFOUND);
    assert_int_equal(tier_model_set_text(m, "users_attribute", ""), TIER_EINVAL);
    assert_int_equal(tier_model_set_text(m, "users_attribute", NULL), TIER_EINVAL);
    assert_int_equal(tier_model_set_text(m, "p_alive_column", NULL), TIER_EINVAL);
    /* Thresholds out of order are caught when fitting and scoring. */
    assert_int_equal(tier_book_new(&book, &a), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "dormant_days", 400), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "dormant_days"));
    assert_int_equal(tier_model_set_number(m, "dormant_days", 180), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "decline_trend", 0.2), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "decline_trend"));
    assert_int_equal(tier_model_set_number(m, "decline_trend", -0.2), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "churn_p_alive", 0.6), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL);
    assert_int_equal(tier_model_set_number(m, "churn_p_alive", 0.1), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "rollout_progress", 0.95), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL);
    assert_int_equal(tier_model_set_number(m, "rollout_progress", 0.5), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    /* Scoring checks too (options may change after the fit). */
    assert_int_equal(tier_model_set_number(m, "growth_trend", -0.5), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 0, &a), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_EINVAL);
    assert_non_null(strstr(tier_frame_last_error(f), "growth_trend"));
    tier_frame_free(f);
    /* Another kind of model is refused. */
    assert_int_equal(tier_pareto_new(&p, NULL, &a), TIER_OK);
    assert_int_equal(tier_model_set_number(p, "new_days", 10), TIER_ENOTFOUND);
    assert_int_equal(tier_model_get_number(p, "new_days", &v), TIER_ENOTFOUND);
    assert_int_equal(tier_model_set_text(p, "p_alive_column", "x"), TIER_ENOTFOUND);
    assert_int_equal(tier_model_set_number(NULL, "new_days", 10), TIER_EINVAL);
    assert_int_equal(tier_lifecycle_new(NULL, NULL, &a), TIER_EINVAL);
    tier_model_free(p);
    tst_release(NULL, m, book);
}

static void test_lifecycle_explains_the_rule_that_fired(void **s)
{
    static const tst_txn rows[] = {{"gone", 100, 300},   {"gone", 600, 300},
                                   {"grower", 700, 100}, {"grower", 900, 150},
                                   {"steady", 700, 100}, {"steady", 900, 100}};
    static const double p_alive[4] = {NAN, 0.8, 0.3, NAN};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_model *m = lifecycle(TST_ALLOC, 1000);
    tier_frame *f;
    tier_text *t = NULL;
    static const char *const gone[] = {"stage churned as of 1972-09-27",
                                       "inactive 400 days > churn_days 365 (rule 2: churned)",
                                       "tenure 900 days", "P(alive) not used", "Onboarding none"};
    static const char *const grower[] = {"stage growing",
                                         "spend trend +0.500 > growth_trend 0.2 (rule 6: growing)",
                                         "P(alive) 0.800",
                                         ("Onboarding stable_use: implementation_progress 1 >= 0.9 "
                                          "and active_users_share 0.75 >= 0.6")};
    (void)s;
    assert_int_equal(tier_book_add_customer(book, "prospect", 8, NULL), TIER_OK);
    assert_int_equal(
        tier_book_set_number(book, tst_customer(book, "grower"), "implementation_progress", 1.0),
        TIER_OK);
    assert_int_equal(
        tier_book_set_number(book, tst_customer(book, "grower"), "active_users_share", 0.75),
        TIER_OK);
    f = tst_frame_with(book, "clv.p_alive", p_alive, TST_ALLOC);
    f = score(m, book, f, TST_ALLOC);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);

    assert_int_equal(tier_model_explain(m, book, f, tst_customer(book, "gone"), t), TIER_OK);
    tst_expect_parts(tier_text_data(t), gone, TST_COUNT(gone));

    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, tst_customer(book, "grower"), t), TIER_OK);
    tst_expect_parts(tier_text_data(t), grower, TST_COUNT(grower));

    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, tst_customer(book, "steady"), t), TIER_OK);
    assert_non_null(
        strstr(tier_text_data(t), "P(alive) 0.300 < decline_p_alive 0.5 (rule 5: declining)"));

    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, tst_customer(book, "prospect"), t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "no purchase before the as-of day (rule 1: new)"));

    /* The options changed since scoring: the explanation says so. */
    tier_text_clear(t);
    assert_int_equal(tier_model_set_number(m, "churn_days", 500), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, tst_customer(book, "gone"), t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "options changed since scoring: now dormant"));
    tier_text_free(t);
    tier_frame_free(f);

    /* A frame the model did not score into. */
    assert_int_equal(tier_frame_new(&f, tier_book_customer_count(book), TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, 0, t), TIER_ENOTFOUND);
    tier_text_free(t);
    tst_release(f, m, book);
}

/* The stage and onboarding counts of the B2B example data (examples/data, made by
 *   cc -std=c99 -O2 -o gen_b2b examples/gen_b2b.c && ./gen_b2b examples/data
 * with the default seed 20250701 and 2000 accounts). As of 2025-07-01, the day after the last
 * invoice. The counts were checked against an independent Python computation of the same rules
 * over the CSV files. */
static void test_lifecycle_stages_the_b2b_example_accounts(void **s)
{
    static const long want_stage[6] = {B2B_NEW,       B2B_GROWING, B2B_MATURE,
                                       B2B_DECLINING, B2B_DORMANT, B2B_CHURNED};
    static const long want_onboarding[4] = {B2B_HANDOVER, B2B_ROLLOUT, B2B_STABLE, B2B_NONE};
    tier_book *book = NULL;
    tier_csv *csv = NULL;
    tier_model *m = NULL;
    tier_frame *f;
    const int32_t *stage, *onb;
    long count[6] = {0}, ocount[4] = {0};
    size_t i, col, n;
    (void)s;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_csv_new(&csv, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_MARGIN, "margin"), TIER_OK);
    if (tier_csv_read_file(csv, book, tst_data_path("b2b_invoices.csv")))
        fail_msg("%s", tier_csv_last_error(csv));
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_ID, "account_id"), TIER_OK);
    if (tier_csv_read_attributes_file(csv, book, tst_data_path("b2b_accounts.csv")))
        fail_msg("%s", tier_csv_last_error(csv));
    n = tier_book_customer_count(book);
    assert_int_equal(n, 2000);
    assert_int_equal(tier_lifecycle_new(&m, NULL, TST_ALLOC), TIER_OK);
    f = score(m, book, NULL, TST_ALLOC);
    assert_int_equal(tier_frame_find(f, "lifecycle.stage", &col), TIER_OK);
    stage = tier_frame_labels(f, col);
    assert_int_equal(tier_frame_find(f, "lifecycle.onboarding", &col), TIER_OK);
    onb = tier_frame_labels(f, col);
    for (i = 0; i < n; i++) {
        assert_true(stage[i] >= 0 && stage[i] < 6 && onb[i] >= 0 && onb[i] < 4);
        count[stage[i]]++;
        ocount[onb[i]]++;
    }
    for (i = 0; i < 6; i++) {
        assert_true(count[i] > 0);
        if (count[i] != want_stage[i])
            fail_msg("stage %lu: %ld customers, want %ld", (unsigned long)i, count[i],
                     want_stage[i]);
    }
    for (i = 0; i < 4; i++) {
        assert_true(ocount[i] > 0);
        if (ocount[i] != want_onboarding[i])
            fail_msg("onboarding %lu: %ld customers, want %ld", (unsigned long)i, ocount[i],
                     want_onboarding[i]);
    }
    tier_frame_free(f);
    tier_model_free(m);
    tier_csv_free(csv);
    tier_book_free(book);
}

static int lifecycle_walk_setup(tier_model *m)
{
    int rc = tier_model_set_text(m, "p_alive_column", "x.p");
    if (rc == TIER_OK)
        rc = tier_model_set_text(m, "progress_attribute", "progress");
    if (rc == TIER_OK)
        rc = tier_model_set_number(m, "as_of", 1000);
    return rc;
}

static int lifecycle_walk_more(tier_model *m, const tier_book *book, tier_frame *f, tier_text *t)
{
    int rc = tier_model_explain(m, book, f, 1, t);
    if (rc == TIER_OK)
        assert_non_null(strstr(tier_text_data(t), "rule 5: declining"));
    return rc;
}

static const tst_model_walk lifecycle_walk = {tier_lifecycle_new,  "lc", lifecycle_walk_setup, 5,
                                              lifecycle_walk_more, 0};

static int oom_lifecycle(const tier_allocator *alloc, void *ud)
{
    return tst_oom_model_walk(alloc, ud, &lifecycle_walk);
}

static tier_book *oom_book(const tier_allocator *a)
{
    static const tst_txn rows[] = {
        {"a", 700, 100}, {"b", 700, 100}, {"b", 900, 10}, {"a", 900, 200}, {"c", 950, 5}};
    tier_book *book = tst_book_of(a, rows, TST_COUNT(rows));
    assert_int_equal(tier_book_set_number(book, 0, "progress", 0.7), TIER_OK);
    return book;
}

TST_MAIN(
    cmocka_unit_test(test_lifecycle_assigns_every_stage_by_hand),
    cmocka_unit_test(test_lifecycle_thresholds_are_strict_at_their_boundaries),
    cmocka_unit_test(test_lifecycle_moves_thresholds_and_windows_by_option),
    cmocka_unit_test(test_lifecycle_defaults_the_as_of_day_to_the_day_after_the_last_transaction),
    cmocka_unit_test(test_lifecycle_uses_p_alive_from_a_clv_column),
    cmocka_unit_test(test_lifecycle_grades_onboarding_from_progress_and_usage),
    cmocka_unit_test(test_lifecycle_scores_empty_books),
    cmocka_unit_test(test_lifecycle_nets_refunds_into_the_trend_but_not_into_inactivity),
    cmocka_unit_test(test_lifecycle_needs_kept_transactions_for_its_windows),
    cmocka_unit_test(test_lifecycle_rejects_bad_options),
    cmocka_unit_test(test_lifecycle_explains_the_rule_that_fired),
    TST_OOM_WALK(test_lifecycle_survives_every_failed_allocation, oom_lifecycle, oom_book, 5),
    cmocka_unit_test(test_lifecycle_stages_the_b2b_example_accounts))
