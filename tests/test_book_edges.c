/* SPDX-License-Identifier: MIT */
/* The book's batch calls at their edges (include/tier/book.h): transactions from columns with a
 * missing array, offsets that decrease, a margin beyond 1e12 or a net amount that overflows;
 * typed attribute loads whose cells have the wrong kind (each message names the row, the column,
 * its declared type and the customer), a text cell without bytes, a date number that is not a
 * whole day; a merge of books that hold one attribute with two types. Every refusal leaves the
 * book as it was. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* Fails unless rc is `want` and the book's last error holds `says`; the book still has `txns`
 * transactions. */
static void expect_refused(const tier_book *book, int rc, int want, const char *says, size_t txns)
{
    if (rc != want || !strstr(tier_book_last_error(book), says))
        fail_msg("status %d (want %d), \"%s\" does not say \"%s\"", rc, want,
                 tier_book_last_error(book), says);
    assert_int_equal(tier_book_txn_count(book), txns);
}

static void test_transactions_from_columns_at_their_edges(void **state)
{
    const size_t off[3] = {0, 1, 2}, back[3] = {0, 2, 1};
    const int32_t days[2] = {100, 101};
    const double amounts[2] = {10, 20}, margins[2] = {1, 2e12}, big[2] = {9e11, 9e11};
    tier_book *book = NULL;
    int i;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_txns(book, 0, NULL, NULL, NULL, NULL, NULL), TIER_OK);
    expect_refused(book, tier_book_add_txns(book, 2, NULL, off, days, amounts, NULL), TIER_EINVAL,
                   "NULL column", 0);
    expect_refused(book, tier_book_add_txns(book, 2, "ab", NULL, days, amounts, NULL), TIER_EINVAL,
                   "NULL column", 0);
    expect_refused(book, tier_book_add_txns(book, 2, "ab", off, NULL, amounts, NULL), TIER_EINVAL,
                   "NULL column", 0);
    expect_refused(book, tier_book_add_txns(book, 2, "ab", off, days, NULL, NULL), TIER_EINVAL,
                   "NULL column", 0);
    expect_refused(book, tier_book_add_txns(book, 2, "abc", back, days, amounts, NULL), TIER_EINVAL,
                   "row 1: id offsets decrease", 0);
    expect_refused(book, tier_book_add_txns(book, 2, "ab", off, days, amounts, margins),
                   TIER_ERANGE, "row 1: margin is", 0);
    expect_refused(book, tier_book_add_txn(book, "a", 1, 100, 10, 2e12), TIER_ERANGE,
                   "margin 2e+12 is beyond +-1e12", 0);
    expect_refused(book, tier_book_add_txn(book, "a", 1, 100, 10, -2e12), TIER_ERANGE,
                   "margin -2e+12 is beyond +-1e12", 0);
    /* the net amount in fixed point overflows after about 922 amounts of 9e11 with margins */
    for (i = 0; i < 100000; i++) {
        int rc = tier_book_add_txns(book, 2, "aa", off, days, big, big);
        if (rc != TIER_OK) {
            expect_refused(book, rc, TIER_ERANGE, "overflows", (size_t)i * 2);
            break;
        }
    }
    assert_true(i > 400 && i < 100000);
    tier_book_free(book);
}

static void test_typed_loads_name_the_row_column_and_type(void **state)
{
    static const tier_column cols[] = {{"id", TIER_COLUMN_ID},
                                       {"score", TIER_COLUMN_NUMBER},
                                       {"born", TIER_COLUMN_DATE},
                                       {"plan", TIER_COLUMN_TEXT}};
    tier_cell cells[4] = {{TIER_CELL_TEXT, 0, "a", 1},
                          {TIER_CELL_NUMBER, 5, NULL, 0},
                          {TIER_CELL_NUMBER, 20000, NULL, 0},
                          {TIER_CELL_TEXT, 0, "gold", 4}};
    tier_book *book = NULL;
    const char *text = NULL;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    /* a text in the number column */
    cells[1] = (tier_cell){TIER_CELL_TEXT, 0, "5", 1};
    assert_int_equal(tier_book_load_rows(book, cols, 4, cells, 1, 0), TIER_EINVAL);
    assert_non_null(strstr(tier_book_last_error(book), "number"));
    assert_non_null(strstr(tier_book_last_error(book), "score"));
    cells[1] = (tier_cell){TIER_CELL_NUMBER, 5, NULL, 0};
    /* a day number that is not whole */
    cells[2] = (tier_cell){TIER_CELL_NUMBER, 20000.5, NULL, 0};
    assert_int_not_equal(tier_book_load_rows(book, cols, 4, cells, 1, 0), TIER_OK);
    assert_non_null(strstr(tier_book_last_error(book), "born"));
    cells[2] = (tier_cell){TIER_CELL_NUMBER, 20000, NULL, 0};
    /* a text cell without bytes */
    cells[3] = (tier_cell){TIER_CELL_TEXT, 0, NULL, 3};
    assert_int_equal(tier_book_load_rows(book, cols, 4, cells, 1, 0), TIER_EINVAL);
    assert_non_null(strstr(tier_book_last_error(book), "a text cell with no text (NULL pointer)"));
    cells[3] = (tier_cell){TIER_CELL_TEXT, 0, "gold", 4};
    assert_int_equal(tier_book_customer_count(book), 0);
    /* all good: the date is kept as its text */
    assert_int_equal(tier_book_load_rows(book, cols, 4, cells, 1, 0), TIER_OK);
    assert_int_equal(tier_book_get_text(book, 0, "born", &text), TIER_OK);
    assert_string_equal(text, "2024-10-04");
    tier_book_free(book);
}

static void test_a_merge_of_one_attribute_with_two_types_is_refused(void **state)
{
    static const tst_txn rows[] = {{"a", 100, 10}, {"b", 101, 20}};
    tier_book *dst = tst_book_of(TST_ALLOC, rows, 2), *src = tst_book_of(TST_ALLOC, rows, 2);
    double v;
    (void)state;
    assert_int_equal(tier_book_set_number(dst, 0, "tier", 1), TIER_OK);
    assert_int_equal(tier_book_set_text(src, 1, "tier", "gold"), TIER_OK);
    assert_int_equal(tier_book_merge(dst, src), TIER_EINVAL);
    assert_non_null(strstr(tier_book_last_error(dst),
                           "attribute \"tier\" holds numbers in one book and text in the other"));
    assert_int_equal(tier_book_txn_count(dst), 2);
    assert_int_equal(tier_book_get_number(dst, 0, "tier", &v), TIER_OK);
    assert_true(v == 1);
    tier_book_free(src);
    tier_book_free(dst);
}

static void test_attributes_name_what_they_refuse(void **state)
{
    static const tst_txn rows[] = {{"a", 100, 10}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, 1);
    const char *text = "x";
    double v = 7;
    (void)state;
    expect_refused(book, tier_book_set_number(book, 0, "", 1), TIER_EINVAL,
                   "attribute name is empty or not UTF-8", 1);
    expect_refused(book, tier_book_set_number(book, 0, "\xff", 1), TIER_EINVAL,
                   "attribute name is empty or not UTF-8", 1);
    expect_refused(book, tier_book_set_text(book, 0, "t", "\xc3"), TIER_EINVAL,
                   "text of attribute \"t\" is not valid UTF-8", 1);
    assert_int_equal(tier_book_set_number(book, 0, "n", 1), TIER_OK);
    assert_int_equal(tier_book_set_text(book, 0, "t", "gold"), TIER_OK);
    expect_refused(book, tier_book_set_text(book, 0, "n", "x"), TIER_EINVAL,
                   "attribute \"n\" holds numbers, not text", 1);
    expect_refused(book, tier_book_set_number(book, 0, "t", 1), TIER_EINVAL,
                   "attribute \"t\" holds text, not numbers", 1);
    expect_refused(book, tier_book_set_number(book, 0, "n", INFINITY), TIER_EINVAL,
                   "attribute \"n\" value is infinite", 1);
    /* the text limit applies to names and values */
    assert_int_equal(tier_book_set_option(book, TIER_BOOK_LIMIT_TEXT_LENGTH, 3), TIER_OK);
    expect_refused(book, tier_book_set_number(book, 0, "long", 1), TIER_ERANGE,
                   "attribute name longer than 3 bytes", 1);
    expect_refused(book, tier_book_set_text(book, 0, "t", "gold"), TIER_ERANGE,
                   "text of attribute \"t\" longer than 3 bytes", 1);
    /* reads: a customer out of range, no place, another type */
    assert_int_equal(tier_book_get_number(book, 1, "n", &v), TIER_ERANGE);
    assert_int_equal(tier_book_get_number(book, 0, "n", NULL), TIER_EINVAL);
    assert_int_equal(tier_book_get_number(book, 0, NULL, &v), TIER_EINVAL);
    assert_int_equal(tier_book_get_text(book, 0, "t", NULL), TIER_EINVAL);
    assert_int_not_equal(tier_book_get_number(book, 0, "t", &v), TIER_OK);
    assert_int_not_equal(tier_book_get_text(book, 0, "n", &text), TIER_OK);
    assert_int_equal(tier_book_get_number(book, 0, "n", &v), TIER_OK);
    assert_true(v == 1);
    assert_int_equal(tier_book_get_text(book, 0, "t", &text), TIER_OK);
    assert_string_equal(text, "gold");
    tier_book_free(book);
}

static void test_a_record_of_another_attribute_type_is_refused_whole(void **state)
{
    static const tst_txn rows[] = {{"a", 100, 10}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, 1);
    tier_record *r = NULL;
    size_t idx = 99;
    (void)state;
    assert_int_equal(tier_book_set_number(book, 0, "tier", 1), TIER_OK);
    assert_int_equal(tier_book_set_text(book, 0, "plan", "gold"), TIER_OK);
    assert_int_equal(tier_record_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_record_set_id(r, "b", 1), TIER_OK);
    assert_int_equal(tier_record_add_txn(r, 101, 5, NAN), TIER_OK);
    assert_int_equal(tier_record_set_text(r, "tier", "A"), TIER_OK);
    expect_refused(book, tier_book_add_record(book, r, &idx), TIER_EINVAL,
                   "attribute \"tier\": the book holds numbers", 1);
    tier_record_clear(r);
    assert_int_equal(tier_record_set_id(r, "b", 1), TIER_OK);
    assert_int_equal(tier_record_set_number(r, "plan", 2), TIER_OK);
    expect_refused(book, tier_book_add_record(book, r, &idx), TIER_EINVAL,
                   "attribute \"plan\": the book holds text", 1);
    assert_int_equal(tier_book_customer_count(book), 1);
    assert_int_equal(idx, 99);
    expect_refused(book, tier_book_add_record(book, NULL, &idx), TIER_EINVAL,
                   "the record to add is NULL", 1);
    tier_record_clear(r);
    expect_refused(book, tier_book_add_record(book, r, &idx), TIER_EINVAL, "the record has no id",
                   1);
    tier_record_free(r);
    tier_book_free(book);
}

TST_MAIN(cmocka_unit_test(test_transactions_from_columns_at_their_edges),
         cmocka_unit_test(test_typed_loads_name_the_row_column_and_type),
         cmocka_unit_test(test_a_merge_of_one_attribute_with_two_types_is_refused),
         cmocka_unit_test(test_attributes_name_what_they_refuse),
         cmocka_unit_test(test_a_record_of_another_attribute_type_is_refused_whole))
