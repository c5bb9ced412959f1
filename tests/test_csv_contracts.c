/* SPDX-License-Identifier: MIT */
/* The contracts file (tier_csv_read_contracts_file/_buffer): column synonyms, periods and
 * statuses in their usual spellings, open ends, every refusal at its line and column with the book
 * unchanged, and out of memory at every allocation. */
#include <stdio.h>
#include <string.h>

#include "support.h"

static const char good[] =
    "Customer_ID,Plan,Start_Date,End_Date,Recurring_Amount,Billing,Status,note\n"
    "a,pro,2023-01-01,2024-01-01,100,monthly,renewed,x\n"
    "a,pro,2024-01-01,2025-01-01,1440,Annual,active,\n"
    "\"b \"\"q\"\"\",basic,2023-03-15,2024-03-15,20.5,m,Canceled,\n"
    "\n"
    "c,,2024-02-01,,10,year,ACTIVE,\n";

static int read_text(tier_book *book, const char *text, char *err, size_t cap)
{
    tier_csv *csv = NULL;
    int rc;
    assert_int_equal(tier_csv_new(&csv, TST_ALLOC), TIER_OK);
    rc = tier_csv_read_contracts_buffer(csv, book, text, strlen(text));
    snprintf(err, cap, "%s", tier_csv_last_error(csv));
    if (rc == TIER_OK)
        assert_int_equal(tier_csv_rows_read(csv), 4);
    tier_csv_free(csv);
    return rc;
}

static void test_csv_contracts_read_with_synonyms(void **state)
{
    tier_book *book = NULL;
    tier_contract c;
    char err[512];
    size_t b;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(read_text(book, good, err, sizeof err), TIER_OK);
    assert_string_equal(err, "");
    assert_int_equal(tier_book_contract_total(book), 4);
    assert_int_equal(tier_book_customer_count(book), 3);
    assert_int_equal(tier_book_find(book, "b \"q\"", 5, &b), TIER_OK);
    assert_int_equal(tier_book_contract(book, b, 0, &c), TIER_OK);
    assert_int_equal(c.start_day, tst_day(2023, 3, 15));
    assert_int_equal(c.end_day, tst_day(2024, 3, 15));
    assert_int_equal(c.period, TIER_CONTRACT_MONTHLY);
    assert_int_equal(c.status, TIER_CONTRACT_CANCELLED);
    tst_assert_abs(c.amount, 20.5, 0);
    assert_string_equal(c.plan, "basic");
    assert_int_equal(tier_book_contract(book, tst_customer(book, "c"), 0, &c), TIER_OK);
    assert_int_equal(c.end_day, TIER_CONTRACT_OPEN);
    assert_int_equal(c.period, TIER_CONTRACT_YEARLY);
    assert_string_equal(c.plan, "");
    tier_book_free(book);
}

typedef struct bad_file {
    const char *text;
    int status;
    const char *message;
} bad_file;

#define HEAD "customer_id,plan,start,end,amount,period,status\n"

static const bad_file bad_overlap = {
    HEAD "a,pro,2024-01-01,2025-01-01,10,monthly,renewed\n"
         "b,pro,2024-01-01,,10,monthly,active\n"
         "a,pro,2024-12-01,,10,monthly,active\n",
    TIER_EINVAL,
    "line 4, column 3 (start): the period 2024-12-01 .. open of plan \"pro\" overlaps the "
    "customer's period 2024-01-01 .. 2025-01-01 of the same plan (line 2)"};
static const bad_file bad_end_before_start = {
    HEAD "a,pro,2024-03-01,2024-01-01,10,monthly,cancelled\n", TIER_EINVAL,
    "line 2, column 4 (end): 2024-01-01 is not after start_day 2024-03-01 (a contract covers "
    "[start, end))"};
static const bad_file bad_negative = {HEAD "a,pro,2024-03-01,,-10,monthly,active\n", TIER_EINVAL,
                                      "line 2, column 5 (amount): negative amount -10.0000 (a "
                                      "recurring amount is 0 or more)"};
static const bad_file bad_status = {HEAD "a,pro,2024-03-01,,10,monthly,paused\n", TIER_EPARSE,
                                    "line 2, column 7 (status): not a status: \"paused\" (active, "
                                    "renewed or cancelled)"};
static const bad_file bad_period = {HEAD "a,pro,2024-03-01,,10,weekly,active\n", TIER_EPARSE,
                                    "line 2, column 6 (period): not a period: \"weekly\" (monthly "
                                    "or yearly; also month, m, year, annual, y)"};
static const bad_file bad_date = {HEAD "a,pro,2024-02-30,,10,monthly,active\n", TIER_ERANGE,
                                  "line 2, column 3 (start): no such day (from 1900-01-01 to "
                                  "9999-12-31): \"2024-02-30\""};
static const bad_file bad_date_form = {HEAD "a,pro,01/02/2024,,10,monthly,active\n", TIER_EPARSE,
                                       "line 2, column 3 (start): not a date YYYY-MM-DD: "
                                       "\"01/02/2024\""};
static const bad_file bad_amount = {HEAD "a,pro,2024-01-01,,ten,monthly,active\n", TIER_EPARSE,
                                    "line 2, column 5 (amount): not a number: \"ten\""};
static const bad_file bad_missing_column = {
    "customer_id,start,amount,status\na,2024-01-01,10,active\n", TIER_EINVAL,
    "line 1: no period column (named period, billing_period, ...; columns: \"customer_id\", "
    "\"start\", \"amount\", \"status\")"};
static const bad_file bad_fields = {HEAD "a,pro,2024-01-01,,10,monthly\n", TIER_EPARSE,
                                    "line 2: expected 7 fields, found 6"};
static const bad_file bad_empty_id = {HEAD ",pro,2024-01-01,,10,monthly,active\n", TIER_EPARSE,
                                      "line 2, column 1 (customer_id): empty customer id"};

static void test_csv_contracts_refused(void **state)
{
    const bad_file *c = *state;
    tier_book *book = tst_subscription_book(TST_ALLOC);
    char err[512];
    assert_non_null(book);
    assert_int_equal(read_text(book, c->text, err, sizeof err), c->status);
    assert_string_equal(err, c->message);
    assert_int_equal(tier_book_contract_total(book), tst_subscription_nrows);
    assert_int_equal(tier_book_customer_count(book), 6);
    tier_book_free(book);
}

static void test_csv_contracts_from_a_file(void **state)
{
    tst_memfs fs;
    tier_io io;
    tier_csv *csv = NULL;
    tier_book *book = NULL;
    (void)state;
    memset(&fs, 0, sizeof fs);
    io = tst_memfs_io(&fs);
    assert_non_null(tst_memfs_put(&fs, "c.csv", good, strlen(good)));
    assert_int_equal(tier_csv_new(&csv, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_csv_set_io(csv, &io), TIER_OK);
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_csv_read_contracts_file(csv, book, "c.csv"), TIER_OK);
    assert_int_equal(tier_book_contract_total(book), 4);
    assert_int_equal(tier_csv_read_contracts_file(csv, book, "missing.csv"), TIER_EIO);
    assert_non_null(strstr(tier_csv_last_error(csv), "cannot open missing.csv"));
    tier_csv_free(csv);
    tier_book_free(book);
    tst_memfs_clear(&fs);
}

static int oom_read(const tier_allocator *alloc, void *ud)
{
    tier_csv *csv = NULL;
    tier_book *book = NULL;
    int rc = tier_book_new(&book, alloc);
    (void)ud;
    if (!rc)
        rc = tier_csv_new(&csv, alloc);
    if (!rc)
        rc = tier_csv_read_contracts_buffer(csv, book, good, strlen(good));
    if (book)
        assert_int_equal(tier_book_contract_total(book), rc == TIER_OK ? 4 : 0);
    tier_csv_free(csv);
    tier_book_free(book);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_csv_contracts_read_with_synonyms),
         TST_CASE("test_csv_contracts_refuse_an_overlap", test_csv_contracts_refused, &bad_overlap),
         TST_CASE("test_csv_contracts_refuse_an_end_before_the_start", test_csv_contracts_refused,
                  &bad_end_before_start),
         TST_CASE("test_csv_contracts_refuse_a_negative_amount", test_csv_contracts_refused,
                  &bad_negative),
         TST_CASE("test_csv_contracts_refuse_an_unknown_status", test_csv_contracts_refused,
                  &bad_status),
         TST_CASE("test_csv_contracts_refuse_an_unknown_period", test_csv_contracts_refused,
                  &bad_period),
         TST_CASE("test_csv_contracts_refuse_a_day_that_does_not_exist", test_csv_contracts_refused,
                  &bad_date),
         TST_CASE("test_csv_contracts_refuse_a_date_of_another_form", test_csv_contracts_refused,
                  &bad_date_form),
         TST_CASE("test_csv_contracts_refuse_an_amount_that_is_no_number",
                  test_csv_contracts_refused, &bad_amount),
         TST_CASE("test_csv_contracts_refuse_a_missing_column", test_csv_contracts_refused,
                  &bad_missing_column),
         TST_CASE("test_csv_contracts_refuse_a_short_row", test_csv_contracts_refused, &bad_fields),
         TST_CASE("test_csv_contracts_refuse_an_empty_id", test_csv_contracts_refused,
                  &bad_empty_id),
         cmocka_unit_test(test_csv_contracts_from_a_file),
         TST_OOM_WALK(test_csv_contracts_survive_every_failed_allocation, oom_read, NULL, 10))
