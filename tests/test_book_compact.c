/* SPDX-License-Identifier: MIT */
/* The compact id table of a large book (tier__book_trim, tier__book_reindex) built on the book's
 * executor: whatever the number of threads, the table is entry for entry the one a single thread
 * builds (the customers of a bucket in ascending order), it finds every customer and no other
 * id, and without the memory for the threads' scratch it is built on one thread, or the wide
 * table stays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_impl.h"
#include "support.h"

/* Customers of the large books: well above the size from which the table is built in parallel. */
#define MANY 200000
/* Customers of the books whose allocations fail, just above that size. */
#define SOME 40000

/* The rows of n customers, two each (the second after all the firsts), as tier_book_add_txns
 * takes them. */
typedef struct rows {
    size_t n;
    char *ids;
    size_t *off;
    int32_t *days;
    double *amounts;
} rows;

static void rows_make(rows *r, size_t customers)
{
    size_t i, at = 0;
    char id[64];
    r->n = 2 * customers;
    r->ids = malloc(r->n * 32);
    r->off = malloc((r->n + 1) * sizeof *r->off);
    r->days = malloc(r->n * sizeof *r->days);
    r->amounts = malloc(r->n * sizeof *r->amounts);
    assert_true(r->ids && r->off && r->days && r->amounts);
    for (i = 0; i < r->n; i++) {
        size_t len = tst_mixed_id(i % customers, id);
        r->off[i] = at;
        memcpy(r->ids + at, id, len);
        at += len;
        r->days[i] = 9000 + (int32_t)(i % 61);
        r->amounts[i] = 1.0 + (double)(i % 97);
    }
    r->off[r->n] = at;
}

static void rows_free(rows *r)
{
    free(r->ids);
    free(r->off);
    free(r->days);
    free(r->amounts);
}

/* A book of r's customers made with `a`, with its wide table (added without an executor). */
static tier_book *book_of(const tier_allocator *a, const rows *r)
{
    tier_book *b = NULL;
    if (tier_book_new(&b, a) != TIER_OK)
        return NULL;
    if (tier_book_add_txns(b, r->n, r->ids, r->off, r->days, r->amounts, NULL) != TIER_OK) {
        tier_book_free(b);
        return NULL;
    }
    return b;
}

/* The compact table of a book, copied. */
typedef struct table {
    size_t n, nb;
    unsigned bits;
    uint32_t *ctag, *cidx, *cat;
} table;

static void table_copy(table *t, const tier_book *b)
{
    assert_non_null(b->ctag);
    t->n = b->live.ncust;
    t->bits = b->cbits;
    t->nb = ((size_t)1 << b->cbits) + 1;
    t->ctag = malloc(t->n * sizeof *t->ctag);
    t->cidx = malloc(t->n * sizeof *t->cidx);
    t->cat = malloc(t->nb * sizeof *t->cat);
    assert_true(t->ctag && t->cidx && t->cat);
    memcpy(t->ctag, b->ctag, t->n * sizeof *t->ctag);
    memcpy(t->cidx, b->cidx, t->n * sizeof *t->cidx);
    memcpy(t->cat, b->cat, t->nb * sizeof *t->cat);
}

static void table_free(table *t)
{
    free(t->ctag);
    free(t->cidx);
    free(t->cat);
}

/* Fails unless b's compact table is `want`, entry for entry. */
static void expect_table(const tier_book *b, const table *want)
{
    size_t i;
    assert_true(b->ctag && b->cidx && b->cat && !b->slots && b->nslots == 0);
    assert_int_equal(b->live.ncust, want->n);
    assert_int_equal(b->cbits, want->bits);
    for (i = 0; i < want->n; i++) {
        if (b->ctag[i] != want->ctag[i] || b->cidx[i] != want->cidx[i])
            fail_msg("entry %zu: tag %08x customer %u, want tag %08x customer %u", i,
                     (unsigned)b->ctag[i], (unsigned)b->cidx[i], (unsigned)want->ctag[i],
                     (unsigned)want->cidx[i]);
    }
    for (i = 0; i < want->nb; i++)
        if (b->cat[i] != want->cat[i])
            fail_msg("bucket %zu starts at %u, want %u", i, (unsigned)b->cat[i],
                     (unsigned)want->cat[i]);
}

/* Fails unless b's first n customers are found where they are and ids near theirs are not
 * (every `step`th customer). */
static void expect_finds(const tier_book *b, size_t n, size_t step)
{
    size_t k, at;
    char id[64];
    for (k = 0; k < n; k += step) {
        size_t len = tst_mixed_id(k, id);
        at = SIZE_MAX;
        assert_int_equal(tier_book_find(b, id, len, &at), TIER_OK);
        assert_int_equal(at, k);
        assert_int_equal(tier__book_find_hashed(b, id, len, tier__book_hash_id(id, len)), k);
        len = tst_mixed_id(k + n, id); /* not a customer: the same forms */
        assert_int_equal(tier_book_find(b, id, len, NULL), TIER_ENOTFOUND);
        assert_int_equal(tier__book_find_hashed(b, id, len, tier__book_hash_id(id, len)),
                         NO_CUSTOMER);
        len = tst_mixed_id(k, id);
        id[len - 1] = '#';
        assert_int_equal(tier_book_find(b, id, len, NULL), TIER_ENOTFOUND);
    }
}

/* The order that defines the table, checked on its own: buckets in order, each bucket's entries
 * those of its customers' hashes in ascending customer order. */
static void expect_ordered(const tier_book *b)
{
    size_t k, i, nb = (size_t)1 << b->cbits;
    assert_int_equal(b->cat[0], 0);
    assert_int_equal(b->cat[nb], b->live.ncust);
    for (k = 0; k < nb; k++) {
        assert_true(b->cat[k] <= b->cat[k + 1]);
        for (i = b->cat[k]; i < b->cat[k + 1]; i++) {
            uint32_t c = b->cidx[i];
            assert_true(c < b->live.ncust);
            assert_int_equal(b->ctag[i], (uint32_t)(tier__book_hash_id(tier__book_id_ptr(b, c),
                                                                       tier__book_id_len(b, c)) >>
                                                    32));
            assert_int_equal(b->ctag[i] >> (32 - b->cbits), k);
            if (i > b->cat[k])
                assert_true(b->cidx[i - 1] < c);
        }
    }
}

static void test_the_compact_table_is_the_same_on_any_number_of_threads(void **state)
{
    static const unsigned threads[] = {1, 2, 3, 8};
    rows r;
    table ref;
    tier_book *b;
    size_t k, step = tst_under_valgrind() ? 97 : 1;
    (void)state;
    rows_make(&r, MANY);
    /* The table one thread builds. */
    b = book_of(TST_ALLOC, &r);
    assert_non_null(b);
    assert_int_equal(tier_book_customer_count(b), MANY);
    tier__book_trim(b);
    table_copy(&ref, b);
    expect_ordered(b);
    tier_book_free(b);
    for (k = 0; k < TST_COUNT(threads); k++) {
        tst_exec e;
        tst_exec_init(&e, TST_EXEC_THREADS, 0);
        e.ex.threads = threads[k];
        b = book_of(TST_ALLOC, &r);
        assert_non_null(b);
        assert_true(b->nslots > 0 && !b->ctag);
        assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
        /* From the wide table (a trimmed book) ... */
        tier__book_trim(b);
        /* ... on the executor's threads when it has more than one. */
        if (threads[k] > 1)
            assert_int_equal(e.started, threads[k] * 3 - 3);
        else
            assert_int_equal(e.started, 0);
        expect_table(b, &ref);
        expect_finds(b, MANY, step);
        /* ... and from none (a book whose parts were appended: tier__book_reindex). */
        tier__book_drop_table(b);
        assert_int_equal(tier__book_reindex(b), TIER_OK);
        expect_table(b, &ref);
        expect_finds(b, MANY, step * 7);
        tier_book_free(b);
    }
    table_free(&ref);
    rows_free(&r);
}

/* With allocations failing from the Nth of a trim on, once or for good: the compact table is the
 * one of one thread (built on the executor's threads, or by the calling thread alone when their
 * scratch cannot be had), or the wide table stays as it was; both find every customer. */
static void test_the_compact_table_survives_failed_allocations(void **state)
{
    rows r;
    table ref;
    tier_book *b;
    long n;
    int persistent, threaded = 0, fell_back = 0, kept_wide = 0;
    (void)state;
    rows_make(&r, SOME);
    b = book_of(TST_ALLOC, &r);
    assert_non_null(b);
    tier__book_trim(b);
    table_copy(&ref, b);
    tier_book_free(b);
    for (persistent = 0; persistent <= 1; persistent++)
        for (n = 1;; n++) {
            tst_failing f = {0, 0, 0, 0};
            tier_allocator a = tst_failing_allocator(&f);
            tst_exec e;
            tst_exec_init(&e, TST_EXEC_THREADS, 0);
            e.ex.threads = 2;
            b = book_of(&a, &r);
            assert_non_null(b);
            assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
            f.fail_at = f.calls + n;
            f.persistent = persistent;
            tier__book_trim(b);
            if (b->ctag) {
                expect_table(b, &ref);
                threaded += e.started > 0;
                fell_back += f.failures > 0 && e.started == 0;
            } else {
                assert_true(b->nslots > 0 && b->slots && !b->cidx && !b->cat && b->cbits == 0);
                kept_wide++;
            }
            expect_finds(b, SOME, tst_under_valgrind() ? 101 : 7);
            tier_book_free(b);
            if (f.failures == 0)
                break;
        }
    assert_true(threaded > 0);
    assert_true(fell_back > 0);
    assert_true(kept_wide > 0);
    table_free(&ref);
    rows_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_compact_table_is_the_same_on_any_number_of_threads),
        cmocka_unit_test(test_the_compact_table_survives_failed_allocations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
