/* SPDX-License-Identifier: MIT */
/* The book's id table in its three forms: the wide one that adding customers uses, the compact
 * one of a trimmed book (tier__book_trim) and none at all (tier__book_drop_table, the parts of a
 * parallel add). Every form finds every customer, and no other id, by tier_book_find and
 * tier__book_find_hashed; adding a customer brings the wide table back; a rollback, a merge and a
 * fold still work; and running out of memory on the way leaves the book as it was. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/book_impl.h"
#include "support.h"

/* A book of n customers, customer k's single transaction on day 9000 + k % 50. */
static tier_book *book_of(const tier_allocator *a, size_t n)
{
    tier_book *b = NULL;
    size_t k;
    char id[64];
    if (tier_book_new(&b, a) != TIER_OK)
        return NULL;
    for (k = 0; k < n; k++) {
        size_t len = tst_mixed_id(k, id);
        if (tier_book_add_txn(b, id, len, 9000 + (int32_t)(k % 50), 1.0 + (double)k, NAN) !=
            TIER_OK) {
            tier_book_free(b);
            return NULL;
        }
    }
    return b;
}

/* Fails unless b's first n customers are found where they are, and ids near theirs are not. */
static void expect_finds_all(const tier_book *b, size_t n)
{
    size_t k, at;
    char id[64];
    assert_true(tier_book_customer_count(b) >= n);
    for (k = 0; k < n; k++) {
        size_t len = tst_mixed_id(k, id);
        at = SIZE_MAX;
        assert_int_equal(tier_book_find(b, id, len, &at), TIER_OK);
        assert_int_equal(at, k);
        if (b->nslots || b->ctag) /* the threads' look-up needs a table */
            assert_int_equal(tier__book_find_hashed(b, id, len, tier__book_hash_id(id, len)), k);
        len = tst_mixed_id(k + n, id); /* not a customer: same forms, same lengths or near */
        assert_int_equal(tier_book_find(b, id, len, &at), TIER_ENOTFOUND);
        if (b->nslots || b->ctag)
            assert_int_equal(tier__book_find_hashed(b, id, len, tier__book_hash_id(id, len)),
                             NO_CUSTOMER);
        len = tst_mixed_id(k, id);
        id[len - 1] = '#'; /* a customer's id but for its last byte */
        assert_int_equal(tier_book_find(b, id, len, NULL), TIER_ENOTFOUND);
    }
    assert_int_equal(tier_book_find(b, "customer-number-", 16, NULL), TIER_ENOTFOUND);
}

static void test_a_trimmed_book_finds_through_the_compact_table(void **state)
{
    tier_book *b = book_of(TST_ALLOC, 5000);
    size_t at = 0;
    (void)state;
    assert_non_null(b);
    assert_true(b->nslots > 0 && !b->ctag);
    tier__book_trim(b);
    /* 8 bytes a customer instead of 16 a slot at most half full. */
    assert_true(b->ctag && b->cidx && b->cat && b->nslots == 0 && !b->slots);
    expect_finds_all(b, 5000);
    /* An id the book has: no new customer, the compact table stays. */
    assert_int_equal(tier_book_add_txn(b, "c3", 2, 9100, 5.0, NAN), TIER_OK);
    assert_int_equal(tier_book_customer_count(b), 5000);
    /* A new customer: the wide table is back, with everyone in it. */
    assert_int_equal(tier_book_add_customer(b, "newcomer", 8, &at), TIER_OK);
    assert_int_equal(at, 5000);
    assert_true(b->nslots > 0 && !b->ctag);
    expect_finds_all(b, 5000);
    assert_int_equal(tier_book_find(b, "newcomer", 8, &at), TIER_OK);
    assert_int_equal(at, 5000);
    tier_book_free(b);
}

static void test_a_book_without_its_table_still_finds_and_adds(void **state)
{
    tier_book *b = book_of(TST_ALLOC, 700), *empty = NULL;
    size_t at = 0;
    (void)state;
    assert_non_null(b);
    tier__book_drop_table(b);
    assert_true(!b->slots && !b->ctag && b->nslots == 0);
    expect_finds_all(b, 700); /* one by one through the ids */
    /* A trim gives it the compact table, built from the ids. */
    tier__book_trim(b);
    assert_true(!b->slots && b->ctag && b->nslots == 0);
    expect_finds_all(b, 700);
    /* A rollback of nothing new takes nothing out of a table it does not have. */
    assert_int_equal(tier_book_savepoint(b), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "c0", 2, 9200, 1.0, NAN), TIER_OK);
    assert_int_equal(tier_book_rollback(b), TIER_OK);
    /* Adding an existing customer's row builds the table again, without a second customer. */
    assert_int_equal(tier_book_add_txn(b, "c699", 4, 9200, 1.0, NAN), TIER_OK);
    assert_int_equal(tier_book_customer_count(b), 700);
    assert_true(b->nslots > 0);
    assert_int_equal(tier_book_add_customer(b, "later", 5, &at), TIER_OK);
    assert_int_equal(at, 700);
    expect_finds_all(b, 700);
    tier_book_free(b);
    /* A book whose customers were all rolled back keeps its (empty) wide table when trimmed. */
    assert_int_equal(tier_book_new(&empty, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_savepoint(empty), TIER_OK);
    assert_int_equal(tier_book_add_customer(empty, "gone", 4, NULL), TIER_OK);
    assert_int_equal(tier_book_rollback(empty), TIER_OK);
    tier__book_trim(empty);
    assert_true(empty->nslots > 0 && !empty->ctag);
    assert_int_equal(tier_book_find(empty, "gone", 4, NULL), TIER_ENOTFOUND);
    tier_book_free(empty);
    empty = NULL;
    /* An empty book has no table and finds nothing. */
    assert_int_equal(tier_book_new(&empty, TST_ALLOC), TIER_OK);
    tier__book_drop_table(empty);
    tier__book_trim(empty);
    assert_int_equal(tier_book_find(empty, "c0", 2, NULL), TIER_ENOTFOUND);
    tier_book_free(empty);
}

static void test_a_rollback_after_the_compact_table_forgets_new_customers(void **state)
{
    tier_book *b = book_of(TST_ALLOC, 300);
    (void)state;
    assert_non_null(b);
    tier__book_trim(b);
    assert_non_null(b->ctag);
    assert_int_equal(tier_book_savepoint(b), TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "brand-new-customer", 18, 9300, 2.0, NAN), TIER_OK);
    assert_int_equal(tier_book_customer_count(b), 301);
    assert_int_equal(tier_book_rollback(b), TIER_OK);
    assert_int_equal(tier_book_find(b, "brand-new-customer", 18, NULL), TIER_ENOTFOUND);
    expect_finds_all(b, 300);
    tier_book_free(b);
}

/* Merging into, and folding into, a trimmed book gives what merging into an untrimmed one does. */
static void test_merging_into_a_trimmed_book_gives_the_same_book(void **state)
{
    tier_book *x = book_of(TST_ALLOC, 2000), *y = book_of(TST_ALLOC, 2000), *z,
              *src = book_of(TST_ALLOC, 3000);
    tst_exec e;
    size_t k;
    (void)state;
    z = book_of(TST_ALLOC, 2000);
    assert_true(x && y && z && src);
    tst_exec_init(&e, TST_EXEC_THREADS, 0);
    e.ex.threads = 2;
    tier__book_trim(y);
    tier__book_trim(z);
    assert_int_equal(tier_book_merge(x, src), TIER_OK);
    assert_int_equal(tier_book_merge(y, src), TIER_OK);
    assert_int_equal(tier__book_fold(&e.ex, z, src), 1); /* by tier_book_merge: no wide table */
    expect_finds_all(y, 3000);
    expect_finds_all(z, 3000);
    for (k = 0; k < 3000; k++) {
        double vx = 0, vy = 0, vz = 0;
        assert_int_equal(tier_book_customer_stat(x, k, TIER_BOOK_STAT_NET_AMOUNT, &vx), TIER_OK);
        assert_int_equal(tier_book_customer_stat(y, k, TIER_BOOK_STAT_NET_AMOUNT, &vy), TIER_OK);
        assert_int_equal(tier_book_customer_stat(z, k, TIER_BOOK_STAT_NET_AMOUNT, &vz), TIER_OK);
        assert_true(vx == vy && vx == vz);
    }
    tier_book_free(x);
    tier_book_free(y);
    tier_book_free(z);
    tier_book_free(src);
}

/* A book of 40 customers made with `a`, trimmed (the compact table, or the wide one kept when
 * that cannot be had), a customer added (the wide table built again, or the book unchanged),
 * the table dropped and another customer added (the same). */
static int oom_tables(const tier_allocator *a, void *ud)
{
    tier_book *b = book_of(a, 40);
    size_t at = 0;
    int rc;
    (void)ud;
    if (!b)
        return TIER_ENOMEM;
    tier__book_trim(b);
    expect_finds_all(b, 40);
    rc = tier_book_add_customer(b, "one-more-customer", 17, &at);
    if (rc == TIER_OK) {
        assert_int_equal(at, 40);
        assert_true(b->nslots > 0 && !b->ctag);
        tier__book_drop_table(b);
        rc = tier_book_add_customer(b, "and-another", 11, &at);
    }
    if (rc != TIER_OK) {
        tst_expect_oom(rc, tier_book_last_error(b));
        assert_int_equal(tier_book_find(b, "and-another", 11, NULL), TIER_ENOTFOUND);
    }
    expect_finds_all(b, 40);
    tier_book_free(b);
    return rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_trimmed_book_finds_through_the_compact_table),
        cmocka_unit_test(test_a_book_without_its_table_still_finds_and_adds),
        cmocka_unit_test(test_a_rollback_after_the_compact_table_forgets_new_customers),
        cmocka_unit_test(test_merging_into_a_trimmed_book_gives_the_same_book),
        TST_OOM_WALK(test_the_tables_survive_every_failed_allocation, oom_tables, NULL, 3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
