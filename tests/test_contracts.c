/* SPDX-License-Identifier: MIT */
/* Contracts in the book (include/tier/contract.h): adding one and many, reading them back per
 * customer, every refusal with its exact message and the book left exactly as it was, merging
 * books with contracts, and out of memory at every allocation. */
#include <stdio.h>
#include <string.h>

#include "support.h"

#define M TIER_CONTRACT_MONTHLY
#define Y TIER_CONTRACT_YEARLY
#define ACT TIER_CONTRACT_ACTIVE
#define REN TIER_CONTRACT_RENEWED
#define CAN TIER_CONTRACT_CANCELLED

/* Every contract of the book as text, customer by customer. */
static void dump(const tier_book *book, char *out, size_t cap)
{
    size_t i, k, used = 0;
    out[0] = '\0';
    for (i = 0; i < tier_book_customer_count(book); i++) {
        used += (size_t)snprintf(out + used, cap - used, "%s:", tier_book_customer_id(book, i, 0));
        for (k = 0; k < tier_book_contract_count(book, i); k++) {
            tier_contract c;
            char s[16], e[16] = "open";
            assert_int_equal(tier_book_contract(book, i, k, &c), TIER_OK);
            assert_int_equal(tier_date_format_iso(s, sizeof s, c.start_day), TIER_OK);
            if (c.end_day != TIER_CONTRACT_OPEN)
                assert_int_equal(tier_date_format_iso(e, sizeof e, c.end_day), TIER_OK);
            used += (size_t)snprintf(out + used, cap - used, " [%s %s %.4f p%d s%d '%s']", s, e,
                                     c.amount, (int)c.period, (int)c.status, c.plan);
        }
        used += (size_t)snprintf(out + used, cap - used, "\n");
        assert_true(used < cap);
    }
}

static void test_contracts_read_back_per_customer(void **state)
{
    tier_book *book = tst_subscription_book(TST_ALLOC);
    char text[2048];
    tier_contract c;
    (void)state;
    assert_non_null(book);
    assert_int_equal(tier_book_contract_total(book), 7);
    assert_int_equal(tier_book_contract_count(book, tst_customer(book, "a")), 2);
    assert_int_equal(tier_book_contract_count(book, tst_customer(book, "e")), 0);
    assert_int_equal(tier_book_contract_count(book, 99), 0);
    assert_int_equal(tier_book_contract(book, tst_customer(book, "e"), 0, &c), TIER_ERANGE);
    assert_int_equal(tier_book_contract(book, 0, 0, NULL), TIER_EINVAL);
    dump(book, text, sizeof text);
    assert_string_equal(text,
                        "e:\n"
                        "a: [2023-01-01 2024-01-01 100.0000 p1 s2 'pro'] [2024-01-01 2025-01-01 "
                        "1440.0000 p2 s1 'pro']\n"
                        "b: [2023-03-15 2024-03-15 200.0000 p1 s3 'basic']\n"
                        "c: [2022-06-01 2024-06-01 300.0000 p1 s2 'pro'] [2024-06-01 open "
                        "250.0000 p1 s1 'pro']\n"
                        "d: [2024-02-01 2025-02-01 600.0000 p2 s1 'basic']\n"
                        "f: [2023-01-10 2025-01-10 80.0000 p1 s1 'pro']\n");
    tier_book_free(book);
}

static void test_contract_added_alone_and_amounts_rounded(void **state)
{
    tier_book *book = NULL;
    tier_contract in = {0}, out;
    size_t idx;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    in.start_day = tst_day(2024, 1, 1);
    in.end_day = TIER_CONTRACT_OPEN;
    in.amount = 99.123456;
    in.period = M;
    in.status = ACT;
    in.plan = NULL;
    assert_int_equal(tier_book_add_contract(book, "x", 1, &in, 0), TIER_OK);
    /* A second open contract of another plan is no overlap. */
    in.plan = "addon";
    assert_int_equal(tier_book_add_contract(book, "x", 1, &in, 0), TIER_OK);
    assert_int_equal(tier_book_find(book, "x", 1, &idx), TIER_OK);
    assert_int_equal(tier_book_contract(book, idx, 0, &out), TIER_OK);
    assert_string_equal(out.plan, "");
    tst_assert_abs(out.amount, 99.1235, 1e-12);
    assert_int_equal(out.end_day, TIER_CONTRACT_OPEN);
    /* The same plan again overlaps. */
    assert_int_equal(tier_book_add_contract(book, "x", 1, &in, 0), TIER_EINVAL);
    assert_string_equal(tier_book_last_error(book),
                        "(customer \"x\"), start_day: the period 2024-01-01 .. open of plan "
                        "\"addon\" overlaps the customer's period 2024-01-01 .. open of the same "
                        "plan (already in the book)");
    assert_int_equal(tier_book_contract_total(book), 2);
    tier_book_free(book);
}

/* A refused table: the status and the exact message, the book unchanged. */
typedef struct bad_case {
    tst_contract rows[3];
    size_t n;
    unsigned flags;
    int status;
    const char *message;
} bad_case;

static const bad_case bad_overlap = {
    {{"c1", "2024-01-01", "2025-01-01", 10, M, REN, "pro"},
     {"c1", "2024-06-01", "2025-06-01", 10, M, ACT, "pro"}},
    2,
    0,
    TIER_EINVAL,
    "row 1 (customer \"c1\"), start_day: the period 2024-06-01 .. 2025-06-01 of plan \"pro\" "
    "overlaps the customer's period 2024-01-01 .. 2025-01-01 of the same plan (row 0)"};
static const bad_case bad_overlap_unsorted = {
    {{"c1", "2024-06-01", NULL, 10, M, ACT, "pro"},
     {"c2", "2020-01-01", NULL, 10, M, ACT, "pro"},
     {"c1", "2023-01-01", "2024-06-02", 10, M, REN, "pro"}},
    3,
    0,
    TIER_EINVAL,
    "row 2 (customer \"c1\"), start_day: the period 2023-01-01 .. 2024-06-02 of plan \"pro\" "
    "overlaps the customer's period 2024-06-01 .. open of the same plan (row 0)"};
static const bad_case bad_overlap_book = {
    {{"a", "2024-12-01", NULL, 10, M, ACT, "pro"}},
    1,
    0,
    TIER_EINVAL,
    "row 0 (customer \"a\"), start_day: the period 2024-12-01 .. open of plan \"pro\" overlaps "
    "the customer's period 2024-01-01 .. 2025-01-01 of the same plan (already in the book)"};
static const bad_case bad_end_before_start = {
    {{"ok", "2024-01-01", NULL, 10, M, ACT, NULL},
     {"c1", "2024-03-01", "2024-01-01", 10, M, CAN, NULL}},
    2,
    0,
    TIER_EINVAL,
    "row 1 (customer \"c1\"), end_day: 2024-01-01 is not after start_day 2024-03-01 (a contract "
    "covers [start, end))"};
static const bad_case bad_negative = {
    {{"c1", "2024-01-01", NULL, -5, M, ACT, NULL}},
    1,
    0,
    TIER_EINVAL,
    "row 0 (customer \"c1\"), amount: negative amount -5.0000 (a recurring amount is 0 or more)"};
static const bad_case bad_unknown_customer = {
    {{"a", "2026-01-01", NULL, 10, M, ACT, "new"}, {"zz", "2024-01-01", NULL, 10, M, ACT, NULL}},
    2,
    TIER_LOAD_EXISTING,
    TIER_ENOTFOUND,
    "row 1 (customer \"zz\"), id: unknown customer (TIER_LOAD_EXISTING: every id must be in the "
    "book)"};
static const bad_case bad_status = {
    {{"c1", "2024-01-01", NULL, 10, M, 7, NULL}},
    1,
    0,
    TIER_EINVAL,
    "row 0 (customer \"c1\"), status: 7 is not a status (active 1, renewed 2, cancelled 3)"};
static const bad_case bad_period = {
    {{"c1", "2024-01-01", NULL, 10, 3, ACT, NULL}},
    1,
    0,
    TIER_EINVAL,
    "row 0 (customer \"c1\"), period: 3 is not a period (monthly 1, yearly 2)"};
static const bad_case bad_renewed_open = {
    {{"c1", "2024-01-01", NULL, 10, Y, REN, NULL}},
    1,
    0,
    TIER_EINVAL,
    "row 0 (customer \"c1\"), end_day: a renewed contract needs an end day"};

static const bad_case bad_amount_huge = {
    {{"c1", "2024-01-01", NULL, 2e12, M, ACT, NULL}},
    1,
    0,
    TIER_ERANGE,
    "row 0 (customer \"c1\"), amount: amount 2000000000000 is above 1e12"};
static const bad_case bad_amount_nan = {
    {{"c1", "2024-01-01", NULL, NAN, M, ACT, NULL}},
    1,
    0,
    TIER_EINVAL,
    "row 0 (customer \"c1\"), amount: the amount is missing (NaN)"};
static const bad_case bad_cancelled_open = {
    {{"c1", "2024-01-01", NULL, 10, M, CAN, NULL}},
    1,
    0,
    TIER_EINVAL,
    "row 0 (customer \"c1\"), end_day: a cancelled contract needs an end day"};
static const bad_case bad_plan_utf8 = {
    {{"c1", "2024-01-01", NULL, 10, M, ACT, "pro\xff"}},
    1,
    0,
    TIER_EINVAL,
    "row 0 (customer \"c1\"), plan: the plan is not valid UTF-8"};
static const bad_case bad_id_empty = {{{"", "2024-01-01", NULL, 10, M, ACT, NULL}},
                                      1,
                                      0,
                                      TIER_EINVAL,
                                      "row 0, id: the customer id is empty"};
static const bad_case bad_id_utf8 = {{{"c\xc3", "2024-01-01", NULL, 10, M, ACT, NULL}},
                                     1,
                                     0,
                                     TIER_EINVAL,
                                     "row 0 (customer \"c\\xc3\"), id: the customer id is not "
                                     "valid UTF-8"};

static void test_contracts_refused(void **state)
{
    const bad_case *c = *state;
    tier_book *book = tst_subscription_book(TST_ALLOC);
    char before[2048], after[2048];
    assert_non_null(book);
    dump(book, before, sizeof before);
    assert_int_equal(tst_add_contracts(book, c->rows, c->n, c->flags), c->status);
    assert_string_equal(tier_book_last_error(book), c->message);
    dump(book, after, sizeof after);
    assert_string_equal(after, before);
    assert_int_equal(tier_book_customer_count(book), 6);
    tier_book_free(book);
}

static void test_contract_bad_days_and_arguments(void **state)
{
    tier_book *book = NULL;
    int32_t start = TIER_DAY_MAX + 1, end = TIER_CONTRACT_OPEN, per = M, st = ACT;
    double amount = 1, inf = HUGE_VAL;
    size_t off[2] = {0, 1};
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(
        tier_book_add_contracts(book, 1, "x", off, &start, &end, &amount, &per, &st, NULL, 0),
        TIER_ERANGE);
    assert_string_equal(tier_book_last_error(book),
                        "row 0 (customer \"x\"), start_day: day 2932897 is not a day from "
                        "1900-01-01 to 9999-12-31");
    start = 0;
    assert_int_equal(
        tier_book_add_contracts(book, 1, "x", off, &start, &end, &inf, &per, &st, NULL, 0),
        TIER_EINVAL);
    assert_string_equal(tier_book_last_error(book),
                        "row 0 (customer \"x\"), amount: the amount is infinite");
    assert_int_equal(
        tier_book_add_contracts(book, 1, "x", off, &start, &end, NULL, &per, &st, NULL, 0),
        TIER_EINVAL);
    assert_int_equal(tier_book_add_contract(book, "x", 1, NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_book_customer_count(book), 0);
    assert_int_equal(tier_book_contract_total(book), 0);
    tier_book_free(book);
}

static void test_merge_carries_contracts(void **state)
{
    static const tst_contract later[] = {
        {"a", "2025-01-01", NULL, 130, M, ACT, "pro"},
        {"new", "2024-01-01", NULL, 10, M, ACT, NULL},
    };
    static const tst_contract clash[] = {{"b", "2024-01-01", NULL, 1, M, ACT, "basic"}};
    tier_book *dst = tst_subscription_book(TST_ALLOC), *src = NULL, *bad = NULL;
    char before[2048], text[2048];
    (void)state;
    assert_non_null(dst);
    assert_int_equal(tier_book_new(&src, TST_ALLOC), TIER_OK);
    assert_int_equal(tst_add_contracts(src, later, TST_COUNT(later), 0), TIER_OK);
    assert_int_equal(tier_book_merge(dst, src), TIER_OK);
    assert_int_equal(tier_book_contract_total(dst), 9);
    dump(dst, text, sizeof text);
    assert_non_null(strstr(text, "'pro'] [2025-01-01 open 130.0000 p1 s1 'pro']\nb:"));
    assert_non_null(strstr(text, "new: [2024-01-01 open 10.0000 p1 s1 '']\n"));
    /* An overlap between the books refuses the merge and changes nothing. */
    assert_int_equal(tier_book_new(&bad, TST_ALLOC), TIER_OK);
    assert_int_equal(tst_add_contracts(bad, clash, 1, 0), TIER_OK);
    assert_int_equal(tier_book_add_txn(bad, "zz", 2, 100, 5, NAN), TIER_OK);
    dump(dst, before, sizeof before);
    assert_int_equal(tier_book_merge(dst, bad), TIER_EINVAL);
    assert_string_equal(tier_book_last_error(dst),
                        "customer \"b\": a contract from 2024-01-01 overlaps one from 2023-03-15 "
                        "of the same plan in the book merged into");
    dump(dst, text, sizeof text);
    assert_string_equal(text, before);
    tier_book_free(bad);
    tier_book_free(src);
    tier_book_free(dst);
}

/* Out of memory: make the book, add more contracts, merge it into another. */
static int oom_contracts(const tier_allocator *alloc, void *ud)
{
    static const tst_contract more[] = {{"a", "2025-01-01", NULL, 130, M, ACT, "pro"},
                                        {"g", "2024-01-01", NULL, 10, Y, ACT, "x"}};
    tier_book *book = tst_subscription_book(alloc), *dst = NULL;
    size_t before;
    int rc;
    (void)ud;
    if (!book)
        return TIER_ENOMEM;
    before = tier_book_contract_total(book);
    rc = tst_add_contracts(book, more, TST_COUNT(more), 0);
    assert_int_equal(tier_book_contract_total(book), before + (rc == TIER_OK ? 2 : 0));
    if (rc == TIER_OK)
        rc = tier_book_new(&dst, alloc);
    if (rc == TIER_OK) {
        rc = tier_book_merge(dst, book);
        assert_int_equal(tier_book_contract_total(dst), rc == TIER_OK ? 9 : 0);
    }
    tier_book_free(dst);
    tier_book_free(book);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_contracts_read_back_per_customer),
         cmocka_unit_test(test_contract_added_alone_and_amounts_rounded),
         TST_CASE("test_contracts_refuse_an_overlap", test_contracts_refused, &bad_overlap),
         TST_CASE("test_contracts_refuse_an_overlap_out_of_order", test_contracts_refused,
                  &bad_overlap_unsorted),
         TST_CASE("test_contracts_refuse_an_overlap_with_the_book", test_contracts_refused,
                  &bad_overlap_book),
         TST_CASE("test_contracts_refuse_an_end_before_the_start", test_contracts_refused,
                  &bad_end_before_start),
         TST_CASE("test_contracts_refuse_a_negative_amount", test_contracts_refused, &bad_negative),
         TST_CASE("test_contracts_refuse_an_unknown_customer", test_contracts_refused,
                  &bad_unknown_customer),
         TST_CASE("test_contracts_refuse_an_unknown_status", test_contracts_refused, &bad_status),
         TST_CASE("test_contracts_refuse_an_unknown_period", test_contracts_refused, &bad_period),
         TST_CASE("test_contracts_refuse_a_renewed_open_contract", test_contracts_refused,
                  &bad_renewed_open),
         TST_CASE("test_contracts_refuse_an_amount_above_1e12", test_contracts_refused,
                  &bad_amount_huge),
         TST_CASE("test_contracts_refuse_a_missing_amount", test_contracts_refused,
                  &bad_amount_nan),
         TST_CASE("test_contracts_refuse_a_cancelled_open_contract", test_contracts_refused,
                  &bad_cancelled_open),
         TST_CASE("test_contracts_refuse_a_plan_not_utf8", test_contracts_refused, &bad_plan_utf8),
         TST_CASE("test_contracts_refuse_an_empty_id", test_contracts_refused, &bad_id_empty),
         TST_CASE("test_contracts_refuse_an_id_not_utf8", test_contracts_refused, &bad_id_utf8),
         cmocka_unit_test(test_contract_bad_days_and_arguments),
         cmocka_unit_test(test_merge_carries_contracts),
         TST_OOM_WALK(test_contracts_survive_every_failed_allocation, oom_contracts, NULL, 10))
