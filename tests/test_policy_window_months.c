/* SPDX-License-Identifier: MIT */
/* Windows over calendar months (docs/policy-format.md): the window starts on the same day N
 * months before the as-of day, clamped to the end of a shorter month - February of a leap year
 * (divisible by 4 but not by 100, or by 400) has 29 days, of 1900 and 2100 28 - and a window
 * reaching before the supported calendar takes all history. */
#include <stdio.h>
#include <string.h>

#include "support.h"

typedef struct month_case {
    int y, m, d;     /* the as-of day */
    int first[3];    /* y, m, d of the first day inside the window */
    const char *len; /* the window's length in months */
} month_case;

static const month_case cases[] = {
    {2000, 3, 31, {2000, 2, 29}, "1"}, /* divisible by 400: leap */
    {2100, 3, 31, {2100, 2, 28}, "1"}, /* divisible by 100 only: not leap */
    {2024, 3, 30, {2024, 2, 29}, "1"}, /* divisible by 4 */
    {2023, 3, 29, {2023, 2, 28}, "1"},   {2023, 5, 31, {2023, 4, 30}, "1"},
    {2024, 1, 15, {2022, 12, 15}, "13"},
};

/* Customer "in" buys on the first day of the window, "out" the day before it, "at" on the as-of
 * day itself (outside: the window ends before it); only "in" is counted. */
static void test_month_windows_clamp_to_the_month_end(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(cases); i++) {
        const month_case *c = &cases[i];
        int32_t first = tst_day(c->first[0], c->first[1], c->first[2]);
        int32_t asof = tst_day(c->y, c->m, c->d);
        tst_txn rows[3];
        tier_book *book;
        tier_policy *p = NULL;
        tier_result *r = NULL;
        char text[256];
        rows[0].id = "in";
        rows[0].day = first;
        rows[0].amount = 10;
        rows[1].id = "out";
        rows[1].day = first - 1;
        rows[1].amount = 20;
        rows[2].id = "at";
        rows[2].day = asof;
        rows[2].amount = 40;
        book = tst_book_of(TST_ALLOC, rows, 3);
        snprintf(text, sizeof text,
                 "libtier-policy 1\nwindow w = revenue over %s months\n"
                 "tier S {\n    rule \"in\" when w > 0\n}\n",
                 c->len);
        assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_policy_load_string(p, text, strlen(text), "m.policy"), TIER_OK);
        assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_result_set_as_of(r, asof), TIER_OK);
        assert_int_equal(tier_result_run(r, book, NULL, 0, p), TIER_OK);
        if (tier_result_tier(r, 0) != 0 || tier_result_tier(r, 1) != -1 ||
            tier_result_tier(r, 2) != -1)
            fail_msg("as of %d-%02d-%02d over %s months: in %d, out %d, at %d", c->y, c->m, c->d,
                     c->len, tier_result_tier(r, 0), tier_result_tier(r, 1),
                     tier_result_tier(r, 2));
        tier_result_free(r);
        tier_policy_free(p);
        tier_book_free(book);
    }
}

/* 100000 months reach before the calendar's first year: the window holds all history. */
static void test_a_window_before_the_calendar_holds_everything(void **state)
{
    static const tst_txn rows[] = {{"old", 0, 5}, {"new", 20000, 7}};
    static const char text[] = "libtier-policy 1\nwindow w = revenue over 100000 months\n"
                               "tier S {\n    rule \"any\" when w > 0\n}\n";
    tier_book *book = tst_book_of(TST_ALLOC, rows, 2);
    tier_policy *p = NULL;
    tier_result *r = NULL;
    (void)state;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(p, text, sizeof text - 1, "m.policy"), TIER_OK);
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(r, book, NULL, 0, p), TIER_OK);
    assert_int_equal(tier_result_tier(r, 0), 0);
    assert_int_equal(tier_result_tier(r, 1), 0);
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

TST_MAIN(cmocka_unit_test(test_month_windows_clamp_to_the_month_end),
         cmocka_unit_test(test_a_window_before_the_calendar_holds_everything))
