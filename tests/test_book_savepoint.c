/* SPDX-License-Identifier: MIT */
/* The book's savepoints: a rollback restores every figure, transaction, attribute value and the
 * per-customer transaction index exactly; release keeps; nesting; what is refused inside one;
 * all or nothing under every failed allocation. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "tier/contract.h"
#include "core/book_internal.h"

/* ---- the book as text: everything a rollback must restore --------------------------------- */

typedef struct fp {
    char *p;
    size_t n, cap;
} fp;

static void put(fp *f, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (f->cap - f->n < 512) {
        f->cap = f->cap * 2 + 4096;
        f->p = realloc(f->p, f->cap);
        assert_non_null(f->p);
    }
    va_start(ap, fmt);
    k = vsnprintf(f->p + f->n, f->cap - f->n, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < f->cap - f->n);
    f->n += (size_t)k;
}

/* Customers (ids, every figure), attributes (names, types, every value), transactions in book
 * order and each customer's through the transaction index. Free the text. */
static char *fingerprint(const tier_book *b)
{
    fp f = {NULL, 0, 0};
    size_t i, a, t, nattr = tier_book_attribute_count(b);
    int32_t d0 = 0, d1 = 0;
    char why[TIER__ERR_SIZE];
    int rc = tier_book_day_range(b, &d0, &d1);
    put(&f, "customers %zu txns %zu range %d %d %d attrs %zu\n", tier_book_customer_count(b),
        tier_book_txn_count(b), rc, (int)d0, (int)d1, nattr);
    for (a = 0; a < nattr; a++) {
        int type = 0;
        const char *name = tier_book_attribute_name(b, a, &type);
        put(&f, "attr %s %d\n", name, type);
    }
    for (i = 0; i < tier_book_customer_count(b); i++) {
        size_t len, n = 0;
        const char *id = tier_book_customer_id(b, i, &len);
        tier__txn tx[64];
        int s;
        put(&f, "%.*s", (int)len, id);
        for (s = TIER_BOOK_STAT_FIRST_PURCHASE; s <= TIER_BOOK_STAT_NET_MARGIN; s++) {
            double v = 0;
            assert_int_equal(tier_book_customer_stat(b, i, s, &v), TIER_OK);
            put(&f, " %.17g", v);
        }
        for (a = 0; a < nattr; a++) {
            int type = 0;
            const char *name = tier_book_attribute_name(b, a, &type), *text = NULL;
            double v = 0;
            if (type == TIER_ATTR_TEXT)
                put(&f, " [%s]", tier_book_get_text(b, i, name, &text) == TIER_OK ? text : "-");
            else
                put(&f, " %.17g", tier_book_get_number(b, i, name, &v) == TIER_OK ? v : -1.0);
        }
        rc = tier__book_customer_txns(b, i, tx, 64, &n, why);
        if (rc == TIER_ENOMEM) { /* under a failing allocator the index may not be built: scan */
            for (n = t = 0; t < tier_book_txn_count(b) && n < 64; t++) {
                size_t c = 0;
                double amount = 0, margin = 0;
                assert_int_equal(tier_book_txn(b, t, &c, &tx[n].day, &amount, &margin), TIER_OK);
                tx[n].amount = (int64_t)llround(amount * 1e4);
                n += c == i;
            }
        } else {
            assert_int_equal(rc, TIER_OK);
        }
        assert_true(n <= 64);
        for (t = 0; t < n; t++)
            put(&f, " (%d %lld)", (int)tx[t].day, (long long)tx[t].amount);
        put(&f, "\n");
    }
    for (t = 0; t < tier_book_txn_count(b); t++) {
        size_t c = 0;
        int32_t day = 0;
        double amount = 0, margin = 0;
        assert_int_equal(tier_book_txn(b, t, &c, &day, &amount, &margin), TIER_OK);
        put(&f, "t %zu %d %.17g %.17g\n", c, (int)day, amount, margin);
    }
    return f.p;
}

static void assert_same(const tier_book *b, const char *want)
{
    char *got = fingerprint(b);
    assert_string_equal(got, want);
    free(got);
}

/* A book of 40 generated customers and a text attribute, with its index built. */
static tier_book *book_with(const tier_allocator *a)
{
    tier_book *b = tst_generated_book(a, 40, 7);
    char why[TIER__ERR_SIZE];
    assert_int_equal(tier_book_set_text(b, 3, "region", "North"), TIER_OK);
    assert_int_equal(tier_book_set_text(b, 5, "region", "South"), TIER_OK);
    assert_int_equal(tier__book_index_txns(b, why), TIER_OK);
    return b;
}

/* Every kind of change a savepoint allows; the first failing status. */
static int change_everything(tier_book *b, int salt)
{
    static const char ids[] = "G000001NEW1G000002";
    static const size_t offs[] = {0, 7, 11, 18};
    const int32_t days[] = {tst_day(2024, 6, 1), tst_day(2024, 6, 2), tst_day(2024, 6, 3)};
    const double amounts[] = {100.5, 7, -3}, margins[] = {NAN, 2, NAN};
    size_t i;
    int rc;
    if ((rc = tier_book_add_txn(b, "G000003", 7, tst_day(2023, 1, 1), 250 + salt, 30)) ||
        (rc = tier_book_add_txn(b, "NEW0", 4, tst_day(2024, 1, 1), 99, NAN)) ||
        (rc = tier_book_add_txns(b, 3, ids, offs, days, amounts, margins)) ||
        (rc = tier_book_add_customer(b, "NEW2", 4, &i)) ||
        (rc = tier_book_set_number(b, 3, "contract_arr", 1e6 + salt)) ||
        (rc = tier_book_set_number(b, 4, "contract_arr", NAN)) ||
        (rc = tier_book_set_text(b, 3, "region", "East")) ||
        (rc = tier_book_set_text(b, 5, "region", NULL)) ||
        (rc = tier_book_set_text(b, 6, "region", "West")) ||
        (rc = tier_book_set_text(b, i, "region", "New")) ||
        (rc = tier_book_set_text(b, 2, "brand_new", "x")) ||
        (rc = tier_book_set_number(b, i, "brand_new_number", 1)))
        return rc;
    return TIER_OK;
}

static void test_rollback_restores_every_figure_attribute_and_the_index(void **state)
{
    tier_book *b = book_with(TST_ALLOC), *twin = book_with(TST_ALLOC);
    char *before = fingerprint(b), *after;
    (void)state;
    assert_int_equal(tier_book_savepoint(b), TIER_OK);
    assert_int_equal(tier_book_savepoint_depth(b), 1);
    assert_int_equal(change_everything(b, 0), TIER_OK);
    assert_int_equal(tier_book_savepoint(b), TIER_OK); /* nested, released into the outer one */
    assert_int_equal(change_everything(b, 1), TIER_OK);
    assert_int_equal(tier_book_release(b), TIER_OK);
    after = fingerprint(b);
    assert_string_not_equal(after, before);
    free(after);
    assert_int_equal(tier_book_rollback(b), TIER_OK);
    assert_int_equal(tier_book_savepoint_depth(b), 0);
    assert_same(b, before);
    /* The index stays valid: the same invoice after the rollback gives what a book that never
     * saw the savepoint gives (whose index is built afresh). */
    assert_int_equal(tier_book_add_txn(b, "G000003", 7, tst_day(2024, 2, 2), 5, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "NEW9", 4, tst_day(2024, 2, 2), 5, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(twin, "G000003", 7, tst_day(2024, 2, 2), 5, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(twin, "NEW9", 4, tst_day(2024, 2, 2), 5, NAN), TIER_OK);
    after = fingerprint(twin);
    assert_same(b, after);
    free(after);
    free(before);
    tier_book_free(b);
    tier_book_free(twin);
}

static void test_release_keeps_and_an_inner_rollback_keeps_the_outer_changes(void **state)
{
    tier_book *b = book_with(TST_ALLOC), *twin = book_with(TST_ALLOC);
    char *want;
    (void)state;
    assert_int_equal(change_everything(twin, 0), TIER_OK);
    want = fingerprint(twin);
    assert_int_equal(tier_book_savepoint(b), TIER_OK);
    assert_int_equal(change_everything(b, 0), TIER_OK);
    assert_int_equal(tier_book_savepoint(b), TIER_OK);
    assert_int_equal(change_everything(b, 5), TIER_OK);
    assert_int_equal(tier_book_rollback(b), TIER_OK); /* only the inner one */
    assert_same(b, want);
    assert_int_equal(tier_book_release(b), TIER_OK);
    assert_same(b, want);
    assert_int_equal(tier_book_rollback(b), TIER_ESTATE);
    assert_non_null(strstr(tier_book_last_error(b), "no open savepoint"));
    assert_int_equal(tier_book_release(b), TIER_ESTATE);
    assert_int_equal(tier_book_rollback(NULL), TIER_EINVAL);
    assert_int_equal(tier_book_savepoint(NULL), TIER_EINVAL);
    assert_int_equal(tier_book_savepoint_depth(NULL), 0);
    free(want);
    tier_book_free(b);
    tier_book_free(twin);
}

static void test_a_failed_add_inside_undoes_itself_only(void **state)
{
    tier_book *b = book_with(TST_ALLOC), *twin = book_with(TST_ALLOC);
    static const char ids[] = "G000001G000002";
    static const size_t offs[] = {0, 7, 14};
    const int32_t days[] = {tst_day(2024, 6, 1), tst_day(2024, 6, 2)};
    const double amounts[] = {10, INFINITY};
    char *before = fingerprint(b), *want;
    (void)state;
    assert_int_equal(tier_book_add_txn(twin, "G000003", 7, tst_day(2024, 3, 3), 1, NAN), TIER_OK);
    want = fingerprint(twin);
    assert_int_equal(tier_book_savepoint(b), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "G000003", 7, tst_day(2024, 3, 3), 1, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txns(b, 2, ids, offs, days, amounts, NULL), TIER_EINVAL);
    assert_same(b, want); /* the failed call's first row is gone, the earlier add stays */
    assert_int_equal(tier_book_rollback(b), TIER_OK);
    assert_same(b, before);
    free(before);
    free(want);
    tier_book_free(b);
    tier_book_free(twin);
}

static void test_loads_and_merges_are_refused_inside_a_savepoint(void **state)
{
    tier_book *b = book_with(TST_ALLOC), *other = book_with(TST_ALLOC);
    const tier_column cols[] = {{"id", TIER_COLUMN_ID}, {"score", TIER_COLUMN_NUMBER}};
    const char *id_cells[] = {"G000001"};
    const double score_cells[] = {4};
    const void *const values[] = {id_cells, score_cells};
    char *before = fingerprint(b);
    (void)state;
    assert_int_equal(tier_book_savepoint(b), TIER_OK);
    assert_int_equal(tier_book_merge(b, other), TIER_ESTATE);
    assert_non_null(strstr(tier_book_last_error(b), "savepoint"));
    assert_int_equal(tier_book_load_columns(b, cols, 2, values, 1, TIER_LOAD_EXISTING),
                     TIER_ESTATE);
    assert_non_null(strstr(tier_book_last_error(b), "tier_book_set_number"));
    {
        /* A contract could not be taken back by a rollback: refused inside one. */
        const tier_contract k = {
            0, TIER_CONTRACT_OPEN, 100.0, TIER_CONTRACT_MONTHLY, TIER_CONTRACT_ACTIVE, "basic"};
        assert_int_equal(tier_book_add_contract(b, "G000001", 7, &k, 0), TIER_ESTATE);
        assert_non_null(strstr(tier_book_last_error(b), "outside savepoints"));
        assert_int_equal(tier_book_contract_total(b), 0);
    }
    assert_same(b, before);
    assert_int_equal(tier_book_release(b), TIER_OK);
    assert_int_equal(tier_book_load_columns(b, cols, 2, values, 1, TIER_LOAD_EXISTING), TIER_OK);
    free(before);
    tier_book_free(b);
    tier_book_free(other);
}

/* Under a failing allocator: every step either works or fails leaving the book as the savepoint
 * found it once rolled back. */
static int oom_savepoint(const tier_allocator *a, void *ud)
{
    tier_book *b = NULL;
    char *before, id[8];
    int rc, k;
    (void)ud;
    if ((rc = tier_book_new(&b, a)) != TIER_OK)
        return rc;
    for (k = 0; k < 8 && rc == TIER_OK; k++) { /* change_everything reads customers 2 to 6 */
        snprintf(id, sizeof id, "G%06d", k);
        rc = tier_book_add_txn(b, id, 7, 100 + k, 5 + k, NAN);
    }
    if (rc || (rc = tier_book_set_text(b, 5, "region", "North")) ||
        (rc = tier_book_set_number(b, 3, "contract_arr", 2))) {
        tier_book_free(b);
        return rc;
    }
    before = fingerprint(b);
    if ((rc = tier_book_savepoint(b)) == TIER_OK) {
        rc = change_everything(b, 0);
        if (rc == TIER_OK && (rc = tier_book_savepoint(b)) == TIER_OK) {
            rc = change_everything(b, 1);
            assert_int_equal(tier_book_rollback(b), TIER_OK);
        }
        assert_int_equal(tier_book_rollback(b), TIER_OK);
        assert_same(b, before);
    }
    free(before);
    tier_book_free(b);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_rollback_restores_every_figure_attribute_and_the_index),
         cmocka_unit_test(test_release_keeps_and_an_inner_rollback_keeps_the_outer_changes),
         cmocka_unit_test(test_a_failed_add_inside_undoes_itself_only),
         cmocka_unit_test(test_loads_and_merges_are_refused_inside_a_savepoint),
         TST_OOM_WALK(test_savepoint_survives_every_failed_allocation, oom_savepoint, NULL, 10))
