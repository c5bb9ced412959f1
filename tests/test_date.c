/* SPDX-License-Identifier: MIT */
/* Day numbers: known values, leap years, round trips over the whole range, parsing and rejects. */
#include <stdio.h>
#include <string.h>

#include "support.h"

/* Independent reference: count days one year and one month at a time from 1970-01-01. */
static int ref_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int ref_month_days(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return len[m - 1] + (m == 2 && ref_leap(y));
}

static long ref_days(int y, int m, int d)
{
    long days = 0;
    int k;
    if (y >= 1970)
        for (k = 1970; k < y; k++)
            days += 365 + ref_leap(k);
    else
        for (k = y; k < 1970; k++)
            days -= 365 + ref_leap(k);
    for (k = 1; k < m; k++)
        days += ref_month_days(y, k);
    return days + d - 1;
}

static void test_date_gives_known_day_numbers(void **state)
{
    int32_t day = 12345;
    (void)state;
    assert_int_equal(tier_date_from_ymd(&day, 1970, 1, 1), TIER_OK);
    assert_int_equal(day, 0);
    assert_int_equal(tier_date_from_ymd(&day, 2000, 3, 1), TIER_OK);
    assert_int_equal(day, 11017);
    assert_int_equal(tier_date_from_ymd(&day, 1900, 1, 1), TIER_OK);
    assert_int_equal(day, -25567);
    assert_int_equal(day, TIER_DAY_MIN);
    assert_int_equal(tier_date_from_ymd(&day, 9999, 12, 31), TIER_OK);
    assert_int_equal(day, 2932896);
    assert_int_equal(day, TIER_DAY_MAX);
    assert_int_equal(tier_date_from_ymd(&day, 1969, 12, 31), TIER_OK);
    assert_int_equal(day, -1);
    /* 2000-01-01 is 10957 (30 years, 7 of them leap: 30*365 + 7). */
    assert_int_equal(tier_date_from_ymd(&day, 2000, 1, 1), TIER_OK);
    assert_int_equal(day, 10957);
    assert_int_equal(tier_date_from_ymd(NULL, 2000, 1, 1), TIER_OK);
}

static void test_date_knows_1900_is_not_a_leap_year_and_2000_is(void **state)
{
    int32_t day = 777;
    int32_t feb28, mar1;
    (void)state;
    assert_int_equal(tier_date_from_ymd(&day, 1900, 2, 29), TIER_ERANGE);
    assert_int_equal(day, 777);
    assert_int_equal(tier_date_from_ymd(&feb28, 1900, 2, 28), TIER_OK);
    assert_int_equal(tier_date_from_ymd(&mar1, 1900, 3, 1), TIER_OK);
    assert_int_equal(mar1 - feb28, 1);
    assert_int_equal(tier_date_from_ymd(&day, 2000, 2, 29), TIER_OK);
    assert_int_equal(day, 11016);
    assert_int_equal(tier_date_from_ymd(&day, 2100, 2, 29), TIER_ERANGE);
    assert_int_equal(tier_date_from_ymd(&day, 2024, 2, 29), TIER_OK);
    assert_int_equal(tier_date_from_ymd(&day, 2023, 2, 29), TIER_ERANGE);
    assert_int_equal(tier_date_from_ymd(&day, 2400, 2, 29), TIER_OK);
}

static void test_date_rejects_dates_that_do_not_exist_or_are_out_of_range(void **state)
{
    static const int bad[][3] = {{2023, 2, 30},  {2023, 4, 31}, {2023, 6, 31}, {2023, 9, 31},
                                 {2023, 11, 31}, {2023, 13, 1}, {2023, 0, 1},  {2023, 1, 0},
                                 {2023, 1, 32},  {2023, -1, 1}, {2023, 1, -1}, {1899, 12, 31},
                                 {10000, 1, 1},  {0, 1, 1},     {-5, 1, 1}};
    size_t i;
    int32_t day = 42;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (tier_date_from_ymd(&day, bad[i][0], bad[i][1], bad[i][2]) != TIER_ERANGE)
            fail_msg("%d-%d-%d was accepted", bad[i][0], bad[i][1], bad[i][2]);
        assert_int_equal(day, 42);
    }
    assert_int_equal(tier_date_to_ymd(TIER_DAY_MIN - 1, NULL, NULL, NULL), TIER_ERANGE);
    assert_int_equal(tier_date_to_ymd(TIER_DAY_MAX + 1, NULL, NULL, NULL), TIER_ERANGE);
    assert_int_equal(tier_date_to_ymd(INT32_MIN, NULL, NULL, NULL), TIER_ERANGE);
    assert_int_equal(tier_date_to_ymd(INT32_MAX, NULL, NULL, NULL), TIER_ERANGE);
}

static void test_date_round_trips_every_day_of_the_supported_range(void **state)
{
    int y, m, d;
    int32_t expect = TIER_DAY_MIN;
    (void)state;
    for (y = 1900; y <= 9999; y++) {
        for (m = 1; m <= 12; m++) {
            for (d = 1; d <= ref_month_days(y, m); d++) {
                int32_t day = 0;
                int ry = 0, rm = 0, rd = 0;
                if (tier_date_from_ymd(&day, y, m, d) != TIER_OK || day != expect)
                    fail_msg("%d-%02d-%02d: got %d, want %d", y, m, d, (int)day, (int)expect);
                assert_int_equal(tier_date_to_ymd(day, &ry, &rm, &rd), TIER_OK);
                if (ry != y || rm != m || rd != d)
                    fail_msg("day %d: got %d-%d-%d, want %d-%d-%d", (int)day, ry, rm, rd, y, m, d);
                expect++;
            }
            /* The day after the last is rejected. */
            assert_int_equal(tier_date_from_ymd(NULL, y, m, ref_month_days(y, m) + 1), TIER_ERANGE);
        }
    }
    assert_int_equal(expect - 1, TIER_DAY_MAX);
}

static void test_date_agrees_with_a_day_counting_reference(void **state)
{
    static const int dates[][3] = {{1900, 1, 1},   {1900, 3, 1},  {1904, 2, 29},  {1969, 12, 31},
                                   {1970, 1, 1},   {1997, 1, 1},  {1998, 6, 30},  {2000, 2, 29},
                                   {2000, 12, 31}, {2022, 1, 1},  {2024, 12, 31}, {2038, 1, 19},
                                   {2400, 2, 29},  {9999, 12, 31}};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        int32_t day = 0;
        assert_int_equal(tier_date_from_ymd(&day, dates[i][0], dates[i][1], dates[i][2]), TIER_OK);
        assert_int_equal(day, ref_days(dates[i][0], dates[i][1], dates[i][2]));
    }
}

static void test_date_parses_iso_and_yyyymmdd_text(void **state)
{
    int32_t day = 99;
    (void)state;
    assert_int_equal(tier_date_parse(&day, "2000-03-01", 10, TIER_DATE_ISO), TIER_OK);
    assert_int_equal(day, 11017);
    assert_int_equal(tier_date_parse(&day, "19700101", 8, TIER_DATE_YYYYMMDD), TIER_OK);
    assert_int_equal(day, 0);
    assert_int_equal(tier_date_parse(&day, "9999-12-31", 10, TIER_DATE_AUTO), TIER_OK);
    assert_int_equal(day, TIER_DAY_MAX);
    assert_int_equal(tier_date_parse(&day, "19000101", 8, TIER_DATE_AUTO), TIER_OK);
    assert_int_equal(day, TIER_DAY_MIN);
    /* Only `len` bytes are read. */
    assert_int_equal(tier_date_parse(&day, "2000-03-01xyz", 10, TIER_DATE_ISO), TIER_OK);
    assert_int_equal(day, 11017);
}

static void test_date_parse_tells_malformed_text_from_impossible_dates(void **state)
{
    static const struct {
        const char *text;
        int format;
        int status;
    } cases[] = {
        {"2023-02-30", TIER_DATE_ISO, TIER_ERANGE},
        {"2023-02-29", TIER_DATE_AUTO, TIER_ERANGE},
        {"20230229", TIER_DATE_AUTO, TIER_ERANGE},
        {"2023-13-01", TIER_DATE_ISO, TIER_ERANGE},
        {"1899-12-31", TIER_DATE_ISO, TIER_ERANGE},
        {"00000101", TIER_DATE_YYYYMMDD, TIER_ERANGE},
        {"2023-00-01", TIER_DATE_AUTO, TIER_ERANGE},
        {"2023-1-05", TIER_DATE_AUTO, TIER_EPARSE},
        {"2023/01/05", TIER_DATE_AUTO, TIER_EPARSE},
        {"2023-01-5x", TIER_DATE_ISO, TIER_EPARSE},
        {"20230105", TIER_DATE_ISO, TIER_EPARSE},
        {"2023-01-05", TIER_DATE_YYYYMMDD, TIER_EPARSE},
        {"2023010", TIER_DATE_AUTO, TIER_EPARSE},
        {"202301055", TIER_DATE_AUTO, TIER_EPARSE},
        {"", TIER_DATE_AUTO, TIER_EPARSE},
        {" 2023-01-05", TIER_DATE_AUTO, TIER_EPARSE},
        {"+2023-01-05", TIER_DATE_AUTO, TIER_EPARSE},
        {"2023-01-05 ", TIER_DATE_AUTO, TIER_EPARSE},
        {"-023-01-05", TIER_DATE_ISO, TIER_EPARSE},
        {"2023-0a-05", TIER_DATE_ISO, TIER_EPARSE},
        {"2023x01x05", TIER_DATE_ISO, TIER_EPARSE},
        {"abcdefgh", TIER_DATE_YYYYMMDD, TIER_EPARSE},
        {"2023-01-05", 7, TIER_EINVAL},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t day = 5;
        int rc = tier_date_parse(&day, cases[i].text, strlen(cases[i].text), cases[i].format);
        if (rc != cases[i].status)
            fail_msg("\"%s\" (format %d): got %s, want %s", cases[i].text, cases[i].format,
                     tier_status_name(rc), tier_status_name(cases[i].status));
        assert_int_equal(day, 5);
    }
    assert_int_equal(tier_date_parse(NULL, NULL, 0, TIER_DATE_AUTO), TIER_EINVAL);
}

static void test_date_formats_iso_text(void **state)
{
    char buf[16];
    int32_t day;
    (void)state;
    assert_int_equal(tier_date_format_iso(buf, sizeof buf, 0), TIER_OK);
    assert_string_equal(buf, "1970-01-01");
    assert_int_equal(tier_date_format_iso(buf, 11, TIER_DAY_MIN), TIER_OK);
    assert_string_equal(buf, "1900-01-01");
    assert_int_equal(tier_date_format_iso(buf, 11, TIER_DAY_MAX), TIER_OK);
    assert_string_equal(buf, "9999-12-31");
    assert_int_equal(tier_date_format_iso(buf, 11, 11016), TIER_OK);
    assert_string_equal(buf, "2000-02-29");
    assert_int_equal(tier_date_format_iso(buf, 10, 0), TIER_EINVAL);
    assert_int_equal(tier_date_format_iso(NULL, 11, 0), TIER_EINVAL);
    assert_int_equal(tier_date_format_iso(buf, 11, TIER_DAY_MAX + 1), TIER_ERANGE);
    assert_int_equal(tier_date_format_iso(buf, 11, TIER_DAY_MIN - 1), TIER_ERANGE);
    /* Text -> day -> text over every day of the range. */
    for (day = TIER_DAY_MIN; day <= TIER_DAY_MAX; day++) {
        int32_t back = 0;
        assert_int_equal(tier_date_format_iso(buf, sizeof buf, day), TIER_OK);
        if (tier_date_parse(&back, buf, 10, TIER_DATE_ISO) != TIER_OK || back != day)
            fail_msg("%s: got %d, want %d", buf, (int)back, (int)day);
    }
}

TST_MAIN(cmocka_unit_test(test_date_gives_known_day_numbers),
         cmocka_unit_test(test_date_knows_1900_is_not_a_leap_year_and_2000_is),
         cmocka_unit_test(test_date_rejects_dates_that_do_not_exist_or_are_out_of_range),
         cmocka_unit_test(test_date_round_trips_every_day_of_the_supported_range),
         cmocka_unit_test(test_date_agrees_with_a_day_counting_reference),
         cmocka_unit_test(test_date_parses_iso_and_yyyymmdd_text),
         cmocka_unit_test(test_date_parse_tells_malformed_text_from_impossible_dates),
         cmocka_unit_test(test_date_formats_iso_text))
