/* SPDX-License-Identifier: MIT */
/* The contract calls' arguments and limits (include/tier/contract.h): a missing book, contract,
 * id or required column; offsets that decrease; unknown flags; more rows than the book's
 * per-call limit; a plan longer than its text limit; an end day or a status out of range. Each is
 * refused with the row and field named, and the book keeps no contract of the call. */
#include <stdio.h>
#include <string.h>

#include "support.h"

#define M TIER_CONTRACT_MONTHLY
#define ACT TIER_CONTRACT_ACTIVE

static void expect_refused(tier_book *book, int rc, int want, const char *says)
{
    assert_int_equal(rc, want);
    if (!strstr(tier_book_last_error(book), says))
        fail_msg("\"%s\" does not say \"%s\"", tier_book_last_error(book), says);
    assert_int_equal(tier_book_contract_total(book), 0);
}

static void test_missing_arguments_are_named(void **state)
{
    const tier_contract c = {100, TIER_CONTRACT_OPEN, 10, M, ACT, NULL};
    const size_t off[3] = {0, 1, 2}, back[3] = {0, 2, 1};
    const int32_t start[2] = {100, 100}, per[2] = {M, M}, st[2] = {ACT, ACT};
    const double amount[2] = {10, 20};
    tier_book *book = NULL;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_contract(NULL, "a", 1, &c, 0), TIER_EINVAL);
    assert_int_equal(
        tier_book_add_contracts(NULL, 2, "ab", off, start, NULL, amount, per, st, NULL, 0),
        TIER_EINVAL);
    expect_refused(book, tier_book_add_contract(book, "a", 1, NULL, 0), TIER_EINVAL,
                   "no contract (NULL)");
    expect_refused(book, tier_book_add_contract(book, NULL, 1, &c, 0), TIER_EINVAL, "no id (NULL)");
    expect_refused(
        book, tier_book_add_contracts(book, 2, NULL, off, start, NULL, amount, per, st, NULL, 0),
        TIER_EINVAL, "a required array is NULL");
    expect_refused(
        book, tier_book_add_contracts(book, 2, "ab", NULL, start, NULL, amount, per, st, NULL, 0),
        TIER_EINVAL, "a required array is NULL");
    expect_refused(
        book, tier_book_add_contracts(book, 2, "ab", off, NULL, NULL, amount, per, st, NULL, 0),
        TIER_EINVAL, "a required array is NULL");
    expect_refused(book,
                   tier_book_add_contracts(book, 2, "ab", off, start, NULL, NULL, per, st, NULL, 0),
                   TIER_EINVAL, "a required array is NULL");
    expect_refused(
        book, tier_book_add_contracts(book, 2, "ab", off, start, NULL, amount, NULL, st, NULL, 0),
        TIER_EINVAL, "a required array is NULL");
    expect_refused(
        book, tier_book_add_contracts(book, 2, "ab", off, start, NULL, amount, per, NULL, NULL, 0),
        TIER_EINVAL, "a required array is NULL");
    expect_refused(
        book, tier_book_add_contracts(book, 2, "abc", back, start, NULL, amount, per, st, NULL, 0),
        TIER_EINVAL, "row 1: id_offsets decrease (2 then 1)");
    expect_refused(book, tier_book_add_contract(book, "a", 1, &c, 4), TIER_EINVAL,
                   "unknown flags (TIER_LOAD_EXISTING is the only one)");
    /* no rows: nothing to do, nothing to check */
    assert_int_equal(
        tier_book_add_contracts(book, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0),
        TIER_OK);
    /* without end days and plans every contract is open and has none */
    assert_int_equal(
        tier_book_add_contracts(book, 2, "ab", off, start, NULL, amount, per, st, NULL, 0),
        TIER_OK);
    assert_int_equal(tier_book_contract_total(book), 2);
    {
        tier_contract got;
        assert_int_equal(tier_book_contract(book, 1, 0, &got), TIER_OK);
        assert_true(got.end_day == TIER_CONTRACT_OPEN && got.amount == 20);
        assert_true(got.plan == NULL || got.plan[0] == '\0');
    }
    tier_book_free(book);
}

static void test_limits_and_ranges_name_the_row(void **state)
{
    tier_contract c = {100, TIER_CONTRACT_OPEN, 10, M, ACT, "gold-plan"};
    const size_t off[3] = {0, 1, 2};
    const int32_t start[2] = {100, 100}, per[2] = {M, M}, st[2] = {ACT, ACT};
    const double amount[2] = {10, 20};
    tier_book *book = NULL;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_set_option(book, TIER_BOOK_LIMIT_ROWS_PER_CALL, 1), TIER_OK);
    expect_refused(
        book, tier_book_add_contracts(book, 2, "ab", off, start, NULL, amount, per, st, NULL, 0),
        TIER_ERANGE, "2 rows, more than TIER_BOOK_LIMIT_ROWS_PER_CALL (1)");
    assert_int_equal(tier_book_set_option(book, TIER_BOOK_LIMIT_TEXT_LENGTH, 4), TIER_OK);
    expect_refused(
        book, tier_book_add_contract(book, "a", 1, &c, 0), TIER_ERANGE,
        "(customer \"a\"), plan: plan of 9 bytes, longer than TIER_BOOK_LIMIT_TEXT_LENGTH (4)");
    c.plan = NULL;
    c.end_day = TIER_DAY_MAX + 1;
    expect_refused(book, tier_book_add_contract(book, "a", 1, &c, 0), TIER_ERANGE,
                   "(customer \"a\"), end_day: ");
    c.end_day = TIER_DAY_MIN - 1;
    expect_refused(book, tier_book_add_contract(book, "a", 1, &c, 0), TIER_ERANGE,
                   "(customer \"a\"), end_day: ");
    c.end_day = TIER_CONTRACT_OPEN;
    c.status = TIER_CONTRACT_CANCELLED + 1;
    expect_refused(book, tier_book_add_contract(book, "a", 1, &c, 0), TIER_EINVAL,
                   "(customer \"a\"), status: ");
    c.status = TIER_CONTRACT_ACTIVE - 1;
    expect_refused(book, tier_book_add_contract(book, "a", 1, &c, 0), TIER_EINVAL,
                   "(customer \"a\"), status: ");
    c.status = ACT;
    c.start_day = TIER_DAY_MIN - 1;
    expect_refused(book, tier_book_add_contract(book, "a", 1, &c, 0), TIER_ERANGE,
                   "(customer \"a\"), start_day: ");
    assert_int_equal(tier_book_customer_count(book), 0);
    tier_book_free(book);
}

TST_MAIN(cmocka_unit_test(test_missing_arguments_are_named),
         cmocka_unit_test(test_limits_and_ranges_name_the_row))
