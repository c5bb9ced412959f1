/* SPDX-License-Identifier: MIT */
/* The customer book and the customer record: interning, figures, refunds, limits, attributes,
 * all-or-nothing adds and out-of-memory behaviour. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"
#include "core/book_impl.h"

static tier_book *new_book(void)
{
    tier_book *b = NULL;
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    return b;
}

static double stat(const tier_book *b, size_t i, int s)
{
    double v = -1;
    assert_int_equal(tier_book_customer_stat(b, i, s, &v), TIER_OK);
    return v;
}

static void test_book_interns_ids_in_order_of_first_appearance(void **state)
{
    tier_book *b = new_book();
    size_t i = 99;
    (void)state;
    assert_int_equal(tier_book_add_txn(b, "bob", 3, 100, 10.0, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "alice", 5, 101, 5.0, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "bob", 3, 102, 1.0, NAN), TIER_OK);
    assert_int_equal(tier_book_customer_count(b), 2);
    assert_int_equal(tier_book_txn_count(b), 3);
    assert_string_equal(tier_book_customer_id(b, 0, NULL), "bob");
    assert_string_equal(tier_book_customer_id(b, 1, NULL), "alice");
    assert_int_equal(tier_book_find(b, "alice", 5, &i), TIER_OK);
    assert_int_equal(i, 1);
    assert_int_equal(tier_book_find(b, "carol", 5, &i), TIER_ENOTFOUND);
    assert_null(tier_book_customer_id(b, 2, NULL));
    tier_book_free(b);
}

static void test_book_keeps_long_and_unicode_ids_apart(void **state)
{
    tier_book *b = new_book();
    const char *ids[] = {"customer-0000000001", "customer-0000000002",
                         "Müller GmbH",         "株式会社",
                         "customer-000000000",  "c"};
    size_t k, i;
    (void)state;
    for (k = 0; k < 6; k++)
        assert_int_equal(tier_book_add_txn(b, ids[k], strlen(ids[k]), 0, 1.0, NAN), TIER_OK);
    for (k = 0; k < 6; k++) {
        assert_int_equal(tier_book_find(b, ids[k], strlen(ids[k]), &i), TIER_OK);
        assert_int_equal(i, k);
    }
    tier_book_free(b);
}

static void test_book_survives_many_customers_and_rehashing(void **state)
{
    tier_book *b = new_book();
    char id[32];
    size_t k, i;
    (void)state;
    for (k = 0; k < 50000; k++) {
        int n = snprintf(id, sizeof id, "C%07zu", k * 7919 % 100003);
        assert_int_equal(tier_book_add_txn(b, id, (size_t)n, (int32_t)(k % 1000), 1.0, NAN),
                         TIER_OK);
    }
    assert_int_equal(tier_book_customer_count(b), 50000);
    for (k = 0; k < 50000; k += 997) {
        int n = snprintf(id, sizeof id, "C%07zu", k * 7919 % 100003);
        assert_int_equal(tier_book_find(b, id, (size_t)n, &i), TIER_OK);
        assert_int_equal(i, k);
    }
    tier_book_free(b);
}

static void test_book_nets_refunds_without_counting_them_as_purchases(void **state)
{
    tier_book *b = new_book();
    (void)state;
    assert_int_equal(tier_book_add_txn(b, "a", 1, 10, 100.25, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "a", 1, 10, 20.00, NAN), TIER_OK);  /* same day */
    assert_int_equal(tier_book_add_txn(b, "a", 1, 30, -40.10, NAN), TIER_OK); /* refund, later */
    assert_int_equal(tier_book_add_txn(b, "a", 1, 20, 0.0, NAN), TIER_OK);    /* $0 purchase */
    assert_true(stat(b, 0, TIER_BOOK_STAT_NET_AMOUNT) == 80.15);
    assert_true(stat(b, 0, TIER_BOOK_STAT_PURCHASES) == 3);
    assert_true(stat(b, 0, TIER_BOOK_STAT_REFUNDS) == 1);
    assert_true(stat(b, 0, TIER_BOOK_STAT_PURCHASE_DAYS) == 2);
    assert_true(stat(b, 0, TIER_BOOK_STAT_FIRST_PURCHASE) == 10);
    assert_true(stat(b, 0, TIER_BOOK_STAT_LAST_PURCHASE) ==
                20); /* the refund day is not a purchase */
    assert_true(isnan(stat(b, 0, TIER_BOOK_STAT_NET_MARGIN)));
    tier_book_free(b);
}

static void test_book_sums_amounts_exactly_to_the_cent(void **state)
{
    tier_book *b = new_book();
    int k;
    (void)state;
    for (k = 0; k < 1000; k++)
        assert_int_equal(tier_book_add_txn(b, "x", 1, k, 0.10, 0.01), TIER_OK);
    assert_true(stat(b, 0, TIER_BOOK_STAT_NET_AMOUNT) == 100.0);
    assert_true(stat(b, 0, TIER_BOOK_STAT_NET_MARGIN) == 10.0);
    tier_book_free(b);
}

static void test_book_counts_purchase_days_exactly_when_rows_come_out_of_order(void **state)
{
    tier_book *b = new_book();
    tier__figures f[1];
    char why[TIER__ERR_SIZE];
    (void)state;
    assert_int_equal(tier_book_add_txn(b, "a", 1, 20, 1, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "a", 1, 10, 1, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "a", 1, 20, 1, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "a", 1, 15, 1, NAN), TIER_OK);
    assert_true(stat(b, 0, TIER_BOOK_STAT_PURCHASE_DAYS) == 3);
    assert_int_equal(tier__book_figures(b, INT32_MIN, INT32_MAX, f, why), TIER_OK);
    assert_int_equal(f[0].purchase_days, 3);
    assert_int_equal(f[0].first_day, 10);
    assert_int_equal(f[0].last_day, 20);
    /* A window recomputes from the kept transactions. */
    assert_int_equal(tier__book_figures(b, 12, 20, f, why), TIER_OK);
    assert_int_equal(f[0].purchase_days, 1);
    assert_int_equal(f[0].purchases, 1);
    tier_book_free(b);
}

static void test_book_without_transactions_refuses_what_it_cannot_know(void **state)
{
    tier_book *b = new_book();
    tier__figures f[1];
    char why[TIER__ERR_SIZE];
    (void)state;
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_OPT_KEEP_TRANSACTIONS, 0), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "a", 1, 20, 1, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "a", 1, 21, 1, NAN), TIER_OK);
    assert_int_equal(tier_book_txn_count(b), 0);
    assert_int_equal(tier__book_figures(b, INT32_MIN, INT32_MAX, f, why), TIER_OK);
    assert_int_equal(f[0].purchase_days, 2);
    assert_int_equal(tier__book_figures(b, 21, 22, f, why), TIER_ESTATE);
    assert_non_null(strstr(why, "not kept"));
    assert_int_equal(tier_book_add_txn(b, "a", 1, 5, 1, NAN), TIER_OK);
    assert_int_equal(tier__book_figures(b, INT32_MIN, INT32_MAX, f, why), TIER_ESTATE);
    assert_non_null(strstr(why, "out of date order"));
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_OPT_KEEP_TRANSACTIONS, 1), TIER_ESTATE);
    tier_book_free(b);
}

static void test_book_ignores_rows_from_the_ignore_day_on(void **state)
{
    tier_book *b = new_book();
    double v;
    (void)state;
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_OPT_IGNORE_FROM_DAY, 100), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "a", 1, 99, 5, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "a", 1, 100, 7, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "b", 1, 150, 7, NAN), TIER_OK);
    assert_int_equal(tier_book_txn_count(b), 1);
    assert_int_equal(tier_book_customer_count(b), 2); /* b exists, with no purchases */
    assert_int_equal(tier_book_customer_stat(b, 0, TIER_BOOK_STAT_IGNORED_ROWS, &v), TIER_OK);
    assert_true(v == 2);
    assert_true(isnan(stat(b, 1, TIER_BOOK_STAT_LAST_PURCHASE)));
    tier_book_free(b);
}

static void test_book_rejects_bad_rows_and_stays_unchanged(void **state)
{
    tier_book *b = new_book();
    const char ids[] = "aab"
                       "bad\xff"
                       "c";
    size_t offs[] = {0, 1, 2, 3, 7, 8};
    int32_t days[] = {1, 2, 3, 4, 5};
    double amounts[] = {1, 2, 3, 4, 5};
    double bad_amounts[] = {1, 2, NAN, 4, 5};
    size_t offs_ok[] = {0, 1, 2, 3, 3, 4};
    (void)state;
    assert_int_equal(tier_book_add_txn(b, "a", 1, 0, 1.0, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txns(b, 5, ids, offs, days, amounts, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_book_last_error(b), "row 3"));
    assert_int_equal(tier_book_customer_count(b), 1);
    assert_int_equal(tier_book_txn_count(b), 1);
    assert_true(stat(b, 0, TIER_BOOK_STAT_NET_AMOUNT) == 1.0);
    assert_int_equal(tier_book_add_txns(b, 5, "aabcd", offs_ok, days, bad_amounts, NULL),
                     TIER_EINVAL);
    assert_non_null(strstr(tier_book_last_error(b), "row 2"));
    assert_true(stat(b, 0, TIER_BOOK_STAT_NET_AMOUNT) == 1.0);
    assert_true(stat(b, 0, TIER_BOOK_STAT_PURCHASES) == 1);
    /* Row 3 has an empty id. */
    assert_int_equal(tier_book_add_txns(b, 5, "aabcd", offs_ok, days, amounts, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_book_last_error(b), "empty"));
    assert_int_equal(tier_book_customer_count(b), 1);
    assert_int_equal(tier_book_add_txn(b, "a", 1, 0, INFINITY, NAN), TIER_EINVAL);
    assert_int_equal(tier_book_add_txn(b, "a", 1, 0, 2e12, NAN), TIER_ERANGE);
    assert_int_equal(tier_book_add_txn(b, "a", 1, TIER_DAY_MAX + 1, 1, NAN), TIER_ERANGE);
    assert_int_equal(tier_book_add_txn(b, "", 0, 0, 1, NAN), TIER_EINVAL);
    assert_int_equal(tier_book_add_txn(b, "a\0b", 3, 0, 1, NAN), TIER_EINVAL);
    assert_true(stat(b, 0, TIER_BOOK_STAT_NET_AMOUNT) == 1.0);
    tier_book_free(b);
}

static void test_book_bulk_add_matches_row_by_row_add(void **state)
{
    tier_book *b1 = new_book(), *b2 = new_book();
    const char ids[] = "C1C2C1C3C2";
    size_t offs[] = {0, 2, 4, 6, 8, 10}, i, t;
    int32_t days[] = {5, 6, 7, 7, 9};
    double amounts[] = {1.5, 2.25, -0.5, 3, 4}, margins[] = {0.5, NAN, 0.1, NAN, 1};
    (void)state;
    assert_int_equal(tier_book_add_txns(b1, 5, ids, offs, days, amounts, margins), TIER_OK);
    for (i = 0; i < 5; i++)
        assert_int_equal(tier_book_add_txn(b2, ids + offs[i], 2, days[i], amounts[i], margins[i]),
                         TIER_OK);
    assert_int_equal(tier_book_customer_count(b1), 3);
    for (i = 0; i < 3; i++) {
        int s;
        for (s = TIER_BOOK_STAT_FIRST_PURCHASE; s <= TIER_BOOK_STAT_NET_MARGIN; s++) {
            double x = stat(b1, i, s), y = stat(b2, i, s);
            assert_true((isnan(x) && isnan(y)) || x == y);
        }
    }
    for (t = 0; t < 5; t++) {
        size_t c;
        int32_t d;
        double a, m;
        assert_int_equal(tier_book_txn(b1, t, &c, &d, &a, &m), TIER_OK);
        assert_int_equal(d, days[t]);
        assert_true(a == amounts[t]);
        assert_true(isnan(margins[t]) ? isnan(m) : m == margins[t]);
    }
    assert_int_equal(tier_book_txn(b1, 5, NULL, NULL, NULL, NULL), TIER_ERANGE);
    tier_book_free(b1);
    tier_book_free(b2);
}

static void test_book_batched_rows_match_single_rows(void **state)
{
    tier_book *b1 = new_book(), *b2 = new_book();
    tier__row rows[300];
    char ids[300][8];
    size_t i, failed = 0;
    (void)state;
    for (i = 0; i < 300; i++) {
        int n = snprintf(ids[i], sizeof ids[i], "K%zu", (i * 37) % 101);
        rows[i].id = ids[i];
        rows[i].id_len = (size_t)n;
        rows[i].day = (int32_t)(i / 3);
        rows[i].amount = (int64_t)(i % 7) * 10000 - 20000;
        rows[i].margin = 5;
        rows[i].has_margin = i % 2;
    }
    tier__book_begin(b1);
    assert_int_equal(tier__book_add_rows(b1, rows, 300, &failed), TIER_OK);
    tier__book_commit(b1);
    tier__book_begin(b2);
    for (i = 0; i < 300; i++)
        assert_int_equal(tier__book_add_fixed(b2, rows[i].id, rows[i].id_len, rows[i].day,
                                              rows[i].amount, rows[i].margin, rows[i].has_margin),
                         TIER_OK);
    tier__book_commit(b2);
    assert_int_equal(tier_book_customer_count(b1), 101);
    assert_int_equal(tier_book_customer_count(b2), 101);
    for (i = 0; i < 101; i++) {
        int s;
        assert_string_equal(tier_book_customer_id(b1, i, NULL), tier_book_customer_id(b2, i, NULL));
        for (s = TIER_BOOK_STAT_FIRST_PURCHASE; s <= TIER_BOOK_STAT_NET_MARGIN; s++) {
            double x = stat(b1, i, s), y = stat(b2, i, s);
            assert_true((isnan(x) && isnan(y)) || x == y);
        }
    }
    /* A bad row stops the batch and names itself; rolling back restores the book. */
    rows[250].day = TIER_DAY_MAX + 1;
    tier__book_begin(b1);
    assert_int_equal(tier__book_add_rows(b1, rows, 300, &failed), TIER_ERANGE);
    assert_int_equal(failed, 250);
    tier__book_rollback(b1);
    assert_int_equal(tier_book_txn_count(b1), 300);
    assert_true(stat(b1, 3, TIER_BOOK_STAT_PURCHASES) == stat(b2, 3, TIER_BOOK_STAT_PURCHASES));
    tier_book_free(b1);
    tier_book_free(b2);
}

/* Rows of a date-ordered log for merge tests: customer k % 37 buys on day k / 3. */
static void log_row(size_t k, char *id, size_t *len, int32_t *day, double *amount)
{
    *len = (size_t)snprintf(id, 16, "M%zu", (k * 17) % 37);
    *day = (int32_t)(k / 3);
    *amount = k % 11 == 0 ? -1.25 : (double)(k % 5) + 0.5;
}

static void load_rows(tier_book *b, size_t from, size_t to)
{
    size_t k, len;
    char id[16];
    int32_t day;
    double amount;
    for (k = from; k < to; k++) {
        log_row(k, id, &len, &day, &amount);
        assert_int_equal(tier_book_add_txn(b, id, len, day, amount, k % 2 ? 0.25 : NAN), TIER_OK);
    }
}

/* Fails unless books a and whole hold the same customers in the same order, with the same
 * figures and margins, and the same ntx transactions. */
static void assert_same_load(const tier_book *a, const tier_book *whole, size_t ntx)
{
    size_t i, t;
    assert_int_equal(tier_book_customer_count(a), tier_book_customer_count(whole));
    assert_int_equal(tier_book_txn_count(a), ntx);
    for (i = 0; i < tier_book_customer_count(whole); i++) {
        int st;
        assert_string_equal(tier_book_customer_id(a, i, NULL),
                            tier_book_customer_id(whole, i, NULL));
        for (st = TIER_BOOK_STAT_FIRST_PURCHASE; st <= TIER_BOOK_STAT_NET_MARGIN; st++) {
            double x = stat(a, i, st), y = stat(whole, i, st);
            assert_true((isnan(x) && isnan(y)) || x == y);
        }
    }
    for (t = 0; t < ntx; t++) {
        size_t c1, c2;
        int32_t d1, d2;
        double a1, a2, m1, m2;
        assert_int_equal(tier_book_txn(a, t, &c1, &d1, &a1, &m1), TIER_OK);
        assert_int_equal(tier_book_txn(whole, t, &c2, &d2, &a2, &m2), TIER_OK);
        assert_int_equal(c1, c2);
        assert_int_equal(d1, d2);
        assert_true(a1 == a2);
        assert_true((isnan(m1) && isnan(m2)) || m1 == m2);
    }
}

static void test_book_merge_of_two_halves_equals_one_load(void **state)
{
    size_t split;
    (void)state;
    for (split = 0; split <= 300; split += 50) {
        tier_book *whole = new_book(), *a = new_book(), *b = new_book();
        load_rows(whole, 0, 300);
        load_rows(a, 0, split);
        load_rows(b, split, 300);
        if (split < 300)
            assert_int_equal(tier_book_set_number(b, 0, "score", 7.5), TIER_OK);
        assert_int_equal(tier_book_merge(a, b), TIER_OK);
        assert_same_load(a, whole, 300);
        if (split < 300) {
            size_t idx;
            double v;
            assert_int_equal(tier_book_find(a, tier_book_customer_id(b, 0, NULL),
                                            strlen(tier_book_customer_id(b, 0, NULL)), &idx),
                             TIER_OK);
            assert_int_equal(tier_book_get_number(a, idx, "score", &v), TIER_OK);
            assert_true(v == 7.5);
        }
        tier_book_free(whole);
        tier_book_free(a);
        tier_book_free(b);
    }
}

static void test_book_merge_refuses_what_it_cannot_join(void **state)
{
    tier_book *a = new_book(), *b = new_book();
    (void)state;
    assert_int_equal(tier_book_merge(a, a), TIER_EINVAL);
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_OPT_KEEP_TRANSACTIONS, 0), TIER_OK);
    load_rows(b, 0, 10);
    assert_int_equal(tier_book_merge(a, b), TIER_EINVAL);
    assert_int_equal(tier_book_customer_count(a), 0);
    assert_int_equal(tier_book_set_text(b, 0, "score", "high"), TIER_OK);
    tier_book_free(a);
    a = new_book();
    assert_int_equal(tier_book_set_option(a, TIER_BOOK_OPT_KEEP_TRANSACTIONS, 0), TIER_OK);
    load_rows(a, 0, 5);
    assert_int_equal(tier_book_set_number(a, 0, "score", 1), TIER_OK);
    assert_int_equal(tier_book_merge(a, b), TIER_EINVAL); /* number vs text */
    assert_non_null(strstr(tier_book_last_error(a), "score"));
    assert_true(stat(a, 1, TIER_BOOK_STAT_PURCHASES) == 1);
    assert_true(stat(a, 0, TIER_BOOK_STAT_REFUNDS) == 1);
    tier_book_free(a);
    tier_book_free(b);
}

static int merge_books(const tier_allocator *al, void *ud)
{
    tier_book *a = NULL, *b = NULL;
    int rc;
    size_t k, len;
    char id[16];
    int32_t day;
    double amount;
    (void)ud;
    if ((rc = tier_book_new(&a, al)) != 0 || (rc = tier_book_new(&b, al)) != 0)
        goto done;
    for (k = 0; k < 60; k++) {
        log_row(k, id, &len, &day, &amount);
        if ((rc = tier_book_add_txn(k < 30 ? a : b, id, len, day, amount, NAN)) != 0)
            goto done;
    }
    if ((rc = tier_book_set_text(b, 1, "region", "north")) != 0)
        goto done;
    rc = tier_book_merge(a, b);
    if (rc) {
        assert_int_equal(tier_book_txn_count(a), 30);
    } else {
        assert_int_equal(tier_book_txn_count(a), 60);
    }
done:
    tier_book_free(a);
    tier_book_free(b);
    return rc;
}

/* Fails unless b's arrays hold exactly what the book has (customers, ids, transactions). */
static void assert_trimmed(const tier_book *b)
{
    assert_int_equal(b->cap_cust, b->live.ncust);
    assert_int_equal(b->ids_cap, b->live.ids_len);
    assert_int_equal(b->cap_tx, b->live.ntx);
}

/* Trimming gives back the room the arrays keep for growing and leaves the book as it was; it
 * still grows afterwards. */
static void test_book_trim_keeps_the_book_and_lets_it_grow(void **state)
{
    tier_book *b = new_book(), *whole = new_book();
    (void)state;
    load_rows(b, 0, 1000);
    load_rows(whole, 0, 1000);
    assert_true(b->cap_cust > b->live.ncust && b->cap_tx > b->live.ntx);
    tier__book_trim(b);
    assert_trimmed(b);
    assert_same_load(b, whole, 1000);
    load_rows(b, 1000, 5000);
    load_rows(whole, 1000, 5000);
    tier__book_trim(b);
    tier__book_trim(b);
    assert_trimmed(b);
    assert_same_load(b, whole, 5000);
    load_rows(b, 5000, 5200);
    load_rows(whole, 5000, 5200);
    assert_same_load(b, whole, 5200);
    /* Nothing happens inside a savepoint (its rollback never allocates). */
    assert_int_equal(tier_book_savepoint(b), TIER_OK);
    load_rows(b, 5200, 5300);
    tier__book_trim(b);
    assert_int_equal(tier_book_rollback(b), TIER_OK);
    assert_same_load(b, whole, 5200);
    tier_book_free(b);
    tier_book_free(whole);
}

/* Out of memory while trimming leaves the book whole (the arrays that could not move stay). */
static int trim_book(const tier_allocator *al, void *ud)
{
    const tier_book *whole = ud;
    tier_book *b = NULL;
    size_t k, len;
    char id[16];
    int32_t day;
    double amount;
    int rc = tier_book_new(&b, al);
    for (k = 0; rc == TIER_OK && k < 700; k++) {
        log_row(k, id, &len, &day, &amount);
        rc = tier_book_add_txn(b, id, len, day, amount, k % 2 ? 0.25 : NAN);
    }
    if (rc == TIER_OK) {
        tier__book_trim(b);
        assert_same_load(b, whole, 700);
        rc = tier_book_add_txn(b, "late", 4, 900, 1.0, NAN);
    }
    tier_book_free(b);
    return rc;
}

static void test_book_trim_survives_every_failed_allocation(void **state)
{
    tier_book *whole = new_book();
    (void)state;
    load_rows(whole, 0, 700);
    assert_true(tst_oom_walk(trim_book, whole) > 5);
    tier_book_free(whole);
}

static void test_book_enforces_its_limits(void **state)
{
    tier_book *b = new_book();
    size_t offs[] = {0, 1, 2, 3};
    int32_t days[] = {1, 2, 3};
    double amounts[] = {1, 2, 3};
    int64_t v;
    (void)state;
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_LIMIT_ID_LENGTH, 4), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "abcde", 5, 0, 1, NAN), TIER_ERANGE);
    assert_non_null(strstr(tier_book_last_error(b), "limit"));
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_LIMIT_CUSTOMERS, 2), TIER_OK);
    assert_int_equal(tier_book_add_txns(b, 3, "abc", offs, days, amounts, NULL), TIER_ERANGE);
    assert_int_equal(tier_book_customer_count(b), 0);
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_LIMIT_ROWS_PER_CALL, 2), TIER_OK);
    assert_int_equal(tier_book_add_txns(b, 3, "aaa", offs, days, amounts, NULL), TIER_ERANGE);
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_LIMIT_ID_LENGTH, 0), TIER_ERANGE);
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_LIMIT_ID_LENGTH, 70000), TIER_ERANGE);
    assert_int_equal(tier_book_set_option(b, 9999, 1), TIER_EINVAL);
    assert_int_equal(tier_book_get_option(b, TIER_BOOK_LIMIT_ID_LENGTH, &v), TIER_OK);
    assert_int_equal(v, 4);
    tier_book_free(b);
}

static void test_book_stores_typed_attributes(void **state)
{
    tier_book *b = new_book();
    size_t i;
    double v;
    const char *t;
    (void)state;
    assert_int_equal(tier_book_add_customer(b, "acme", 4, &i), TIER_OK);
    assert_int_equal(tier_book_set_number(b, i, "employees", 250), TIER_OK);
    assert_int_equal(tier_book_set_text(b, i, "industry", "retail"), TIER_OK);
    assert_int_equal(tier_book_get_number(b, i, "employees", &v), TIER_OK);
    assert_true(v == 250);
    assert_int_equal(tier_book_get_text(b, i, "industry", &t), TIER_OK);
    assert_string_equal(t, "retail");
    assert_int_equal(tier_book_set_text(b, i, "employees", "many"), TIER_EINVAL);
    assert_int_equal(tier_book_set_number(b, i, "arrears", INFINITY), TIER_EINVAL);
    assert_int_equal(tier_book_set_number(b, 7, "employees", 1), TIER_ERANGE);
    assert_int_equal(tier_book_set_text(b, i, "industry", "\xc3"), TIER_EINVAL);
    assert_int_equal(tier_book_get_number(b, i, "missing", &v), TIER_ENOTFOUND);
    assert_int_equal(tier_book_set_text(b, i, "industry", NULL), TIER_OK);
    assert_int_equal(tier_book_get_text(b, i, "industry", &t), TIER_ENOTFOUND);
    tier_book_free(b);
}

static void test_book_reports_attribute_types_by_their_named_values(void **state)
{
    tier_book *b = new_book();
    tier_record *r = NULL;
    size_t i;
    int type = 0;
    (void)state;
    /* The values are ABI: bindings hard-code them. */
    assert_int_equal(TIER_ATTR_NUMBER, 1);
    assert_int_equal(TIER_ATTR_TEXT, 2);
    assert_int_equal(tier_book_add_customer(b, "acme", 4, &i), TIER_OK);
    assert_int_equal(tier_book_set_number(b, i, "employees", 250), TIER_OK);
    assert_int_equal(tier_book_set_text(b, i, "industry", "retail"), TIER_OK);
    assert_int_equal(tier_book_attribute_count(b), 2);
    assert_string_equal(tier_book_attribute_name(b, 0, &type), "employees");
    assert_int_equal(type, TIER_ATTR_NUMBER);
    assert_string_equal(tier_book_attribute_name(b, 1, &type), "industry");
    assert_int_equal(type, TIER_ATTR_TEXT);
    assert_null(tier_book_attribute_name(b, 2, &type));
    assert_non_null(tier_book_attribute_name(b, 0, NULL));
    /* Internal readers and a record added through the book see the same types. */
    assert_int_equal(tier__book_attr_type(b, "employees"), TIER_ATTR_NUMBER);
    assert_int_equal(tier__book_attr_type(b, "industry"), TIER_ATTR_TEXT);
    assert_int_equal(tier__book_attr_type(b, "absent"), 0);
    assert_int_equal(tier_record_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_record_set_id(r, "beta", 4), TIER_OK);
    assert_int_equal(tier_record_set_text(r, "region", "north"), TIER_OK);
    assert_int_equal(tier_book_add_record(b, r, NULL), TIER_OK);
    assert_string_equal(tier_book_attribute_name(b, 2, &type), "region");
    assert_int_equal(type, TIER_ATTR_TEXT);
    tier_record_free(r);
    tier_book_free(b);
}

static void test_record_round_trips_through_the_book(void **state)
{
    tier_book *b = new_book();
    tier_record *r = NULL, *back = NULL;
    size_t i;
    int32_t d;
    double amt, m, v;
    const char *t;
    (void)state;
    assert_int_equal(tier_record_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_record_new(&back, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_record(b, r, &i), TIER_EINVAL); /* no id */
    assert_int_equal(tier_record_set_id(r, "K-1", 3), TIER_OK);
    assert_int_equal(tier_record_add_txn(r, 100, 12.5, 3.0), TIER_OK);
    assert_int_equal(tier_record_add_txn(r, 101, -2.5, NAN), TIER_OK);
    assert_int_equal(tier_record_set_number(r, "arrears_days", 95), TIER_OK);
    assert_int_equal(tier_record_set_text(r, "region", "north"), TIER_OK);
    assert_int_equal(tier_book_add_record(b, r, &i), TIER_OK);
    assert_int_equal(i, 0);
    assert_int_equal(tier_book_get_record(b, 0, back), TIER_OK);
    assert_string_equal(tier_record_id(back, NULL), "K-1");
    assert_int_equal(tier_record_txn_count(back), 2);
    assert_int_equal(tier_record_txn(back, 0, &d, &amt, &m), TIER_OK);
    assert_int_equal(d, 100);
    assert_true(amt == 12.5 && m == 3.0);
    assert_int_equal(tier_record_get_number(back, "arrears_days", &v), TIER_OK);
    assert_true(v == 95);
    assert_int_equal(tier_record_get_text(back, "region", &t), TIER_OK);
    assert_string_equal(t, "north");
    /* A type clash fails the whole record: no transaction is added. */
    tier_record_clear(r);
    assert_int_equal(tier_record_set_id(r, "K-2", 3), TIER_OK);
    assert_int_equal(tier_record_add_txn(r, 100, 1, NAN), TIER_OK);
    assert_int_equal(tier_record_set_text(r, "arrears_days", "late"), TIER_OK);
    assert_int_equal(tier_book_add_record(b, r, NULL), TIER_EINVAL);
    assert_int_equal(tier_book_customer_count(b), 1);
    assert_int_equal(tier_book_txn_count(b), 2);
    /* A failure after an attribute name was reserved forgets the name too. */
    tier_record_clear(r);
    assert_int_equal(tier_record_set_id(r, "K-1", 3), TIER_OK);
    assert_int_equal(tier_record_set_number(r, "fresh", 1), TIER_OK);
    assert_int_equal(tier_record_set_number(r, "another", 2), TIER_OK);
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_LIMIT_ATTRIBUTES, 3), TIER_OK);
    assert_int_equal(tier_book_add_record(b, r, NULL), TIER_ERANGE);
    assert_int_equal(tier_book_set_text(b, 0, "fresh", "now text"), TIER_OK);
    assert_int_equal(tier_record_add_txn(r, TIER_DAY_MIN - 1, 1, NAN), TIER_ERANGE);
    assert_int_equal(tier_record_add_txn(r, 0, NAN, NAN), TIER_EINVAL);
    assert_int_equal(tier_book_get_record(b, 5, back), TIER_ERANGE);
    tier_record_free(r);
    tier_record_free(back);
    tier_book_free(b);
}

/* Out of memory at every allocation of building a book must fail cleanly and leave the book as
 * it was; the walk also proves no allocation leaks. */
static int build_book(const tier_allocator *a, void *ud)
{
    tier_book *b = NULL;
    tier_record *r = NULL;
    char ids[64 * 4];
    size_t offs[65], k;
    int32_t days[64];
    double amounts[64];
    int rc;
    (void)ud;
    for (k = 0; k < 64; k++) {
        memcpy(ids + 4 * k, "ID", 2);
        ids[4 * k + 2] = (char)('A' + k % 26);
        ids[4 * k + 3] = (char)('a' + k / 26);
        offs[k] = 4 * k;
        days[k] = (int32_t)k;
        amounts[k] = (double)k;
    }
    offs[64] = 256;
    if ((rc = tier_book_new(&b, a)) != 0)
        return rc;
    rc = tier_book_add_txns(b, 64, ids, offs, days, amounts, NULL);
    if (rc) {
        assert_int_equal(tier_book_customer_count(b), 0);
        assert_int_equal(tier_book_txn_count(b), 0);
        goto done;
    }
    if ((rc = tier_record_new(&r, a)) != 0)
        goto done;
    if ((rc = tier_record_set_id(r, "IDAa", 4)) != 0 ||
        (rc = tier_record_add_txn(r, 9, 1, 1)) != 0 ||
        (rc = tier_record_set_text(r, "tier", "gold")) != 0)
        goto done;
    rc = tier_book_add_record(b, r, NULL);
    if (rc) {
        assert_int_equal(tier_book_txn_count(b), 64);
        assert_true(stat(b, 0, TIER_BOOK_STAT_NET_AMOUNT) == 0);
    }
done:
    tier_record_free(r);
    tier_book_free(b);
    return rc;
}

static void test_status_names_and_version_are_stable(void **state)
{
    (void)state;
    assert_string_equal(tier_status_name(TIER_ENOMEM), "TIER_ENOMEM");
    assert_string_equal(tier_status_name(TIER_ESTATE), "TIER_ESTATE");
    assert_string_equal(tier_status_name(12345), "TIER_UNKNOWN");
    assert_string_equal(tier_strerror(TIER_EPARSE), "parse error");
    assert_int_equal(tier_version_number(), TIER_VERSION_NUMBER);
    assert_string_equal(tier_version_string(), TIER_VERSION_STRING);
    assert_string_equal(tier_book_last_error(NULL), "");
    tier_book_free(NULL);
    tier_record_free(NULL);
}

TST_MAIN(cmocka_unit_test(test_book_interns_ids_in_order_of_first_appearance),
         cmocka_unit_test(test_book_keeps_long_and_unicode_ids_apart),
         cmocka_unit_test(test_book_survives_many_customers_and_rehashing),
         cmocka_unit_test(test_book_nets_refunds_without_counting_them_as_purchases),
         cmocka_unit_test(test_book_sums_amounts_exactly_to_the_cent),
         cmocka_unit_test(test_book_counts_purchase_days_exactly_when_rows_come_out_of_order),
         cmocka_unit_test(test_book_without_transactions_refuses_what_it_cannot_know),
         cmocka_unit_test(test_book_ignores_rows_from_the_ignore_day_on),
         cmocka_unit_test(test_book_rejects_bad_rows_and_stays_unchanged),
         cmocka_unit_test(test_book_bulk_add_matches_row_by_row_add),
         cmocka_unit_test(test_book_batched_rows_match_single_rows),
         cmocka_unit_test(test_book_merge_of_two_halves_equals_one_load),
         cmocka_unit_test(test_book_merge_refuses_what_it_cannot_join),
         TST_OOM_WALK(test_book_merge_fails_cleanly_at_every_allocation, merge_books, NULL, 5),
         cmocka_unit_test(test_book_trim_keeps_the_book_and_lets_it_grow),
         cmocka_unit_test(test_book_trim_survives_every_failed_allocation),
         cmocka_unit_test(test_book_enforces_its_limits),
         cmocka_unit_test(test_book_stores_typed_attributes),
         cmocka_unit_test(test_book_reports_attribute_types_by_their_named_values),
         cmocka_unit_test(test_record_round_trips_through_the_book),
         TST_OOM_WALK(test_book_fails_cleanly_at_every_allocation, build_book, NULL, 5),
         cmocka_unit_test(test_status_names_and_version_are_stable))
