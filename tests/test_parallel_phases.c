/* SPDX-License-Identifier: MIT */
/* The phases after the customer table exists, spread over the host's threads: window figures
 * (core/book_figures.c), the order of rows with ties by id (models/order.c), a policy's rules,
 * flags, caps, routing and summary (policy/eval/, policy/apply.c, policy/result.c), the result
 * writer (policy/result_writer.c) and a whole pipeline run. Each gives the same bytes with no
 * executor and with executors of 1 (every task refused), 2, 3 and 8 threads; the figures also equal
 * the per-customer path, the order a plain comparison sort; the writer survives every failed
 * allocation while formatting in parallel. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "models/order.h"
#include "policy/apply.h"
#include "policy/policy_internal.h"
#include "support.h"
#include "util/buf.h"
#include "util/radix.h"
#include "util/rng.h"

/* An allocator for memory that one thread allocates and another frees: cmocka keeps its blocks
 * per thread, so the writer's task buffers (grown on a worker, freed by the caller) cannot come
 * from test_malloc. malloc behind a lock-counted total of live blocks, zero after each test. */
static pthread_mutex_t mt_lock = PTHREAD_MUTEX_INITIALIZER;
static long mt_live;

static void mt_count(long d)
{
    pthread_mutex_lock(&mt_lock);
    mt_live += d;
    pthread_mutex_unlock(&mt_lock);
}

static void *mt_malloc(void *ud, size_t n)
{
    void *p = malloc(n ? n : 1);
    (void)ud;
    if (p)
        mt_count(1);
    return p;
}

static void *mt_realloc(void *ud, void *old, size_t n)
{
    void *p;
    (void)ud;
    if (!old)
        return mt_malloc(ud, n);
    p = realloc(old, n ? n : 1);
    return p;
}

static void mt_free(void *ud, void *p)
{
    (void)ud;
    if (p) {
        free(p);
        mt_count(-1);
    }
}

static const tier_allocator mt_alloc = {mt_malloc, mt_realloc, mt_free, NULL};
#define MT_ALLOC (&mt_alloc)

static void expect_no_live_blocks(void)
{
    assert_int_equal(mt_live, 0);
}

/* Executors of 1, 2, 3 and 8 threads: the caller's thread plus threads - 1 started tasks (the
 * limit counts every start of a test, so later splits have their tasks refused and run by the
 * caller). One thread: an executor as wide as 8 that refuses every task. */
static const unsigned thread_counts[] = {1, 2, 3, 8};

static void exec_of(tst_exec *e, unsigned threads)
{
    if (threads == 1) {
        tst_exec_init(e, TST_EXEC_REFUSING, 0);
        e->ex.threads = 8;
    } else {
        tst_exec_init(e, TST_EXEC_THREADS, threads - 1);
        e->ex.threads = threads;
    }
}

/* ---- a transaction log --------------------------------------------------------------------- */

typedef struct log_row {
    int32_t day;
    uint32_t cust, seq;
    double amount, margin;
} log_row;

static int by_day(const void *x, const void *y)
{
    const log_row *a = x, *b = y;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void log_id(char *id, size_t cap, uint32_t c)
{
    /* Most ids share their first 8 bytes; some are short; one needs CSV quotes. */
    if (c % 97 == 5)
        snprintf(id, cap, "c%u", (unsigned)c);
    else if (c % 1013 == 7)
        snprintf(id, cap, "cust \"%u\", ltd", (unsigned)c);
    else
        snprintf(id, cap, "customer-%06u", (unsigned)c);
}

/* A log of `customers` customers in date order (each customer's rows in date order, with
 * same-day repeats, refunds, $0 rows and margins); with `shuffled`, some rows of some customers
 * come after later ones. The rows of a day are in a fixed mixed order. */
static log_row *make_log(size_t customers, uint64_t seed, int shuffled, size_t *n)
{
    const int32_t first = tst_day(2022, 1, 1);
    size_t cap = customers * 12, k = 0, c;
    log_row *v = malloc(cap * sizeof *v);
    assert_non_null(v);
    for (c = 0; c < customers; c++) {
        tier__rng r;
        int32_t day;
        uint64_t rows, t;
        tier__rng_init(&r, seed, 7, c, 0);
        day = first + (int32_t)tier__rng_below(&r, 900);
        rows = 1 + tier__rng_below(&r, 10);
        for (t = 0; t < rows && k < cap; t++) {
            log_row *w = &v[k++];
            uint64_t kind = tier__rng_below(&r, 20);
            w->day = day;
            w->cust = (uint32_t)c;
            w->seq = (uint32_t)tier__rng_below(&r, 1u << 30);
            w->amount = kind == 0 ? -5.25 : kind == 1 ? 0 : floor(tier__rng_unit(&r) * 50000) / 100;
            w->margin = kind == 2 ? NAN : floor(w->amount * 30) / 100;
            if (tier__rng_below(&r, 4) != 0) /* else: a second row on the same day */
                day += 1 + (int32_t)tier__rng_below(&r, 60);
        }
    }
    qsort(v, k, sizeof *v, by_day);
    if (shuffled) {
        size_t i;
        for (i = 0; i < k / 2; i += 211) { /* a later row of the log moves to the front */
            log_row x = v[k - 1 - i / 3];
            memmove(&v[i + 1], &v[i], (k - 1 - i / 3 - i) * sizeof *v);
            v[i] = x;
        }
    }
    *n = k;
    return v;
}

static tier_book *log_book(const tier_allocator *a, const log_row *v, size_t n)
{
    tier_book *b = NULL;
    char id[64];
    size_t i;
    assert_int_equal(tier_book_new(&b, a), TIER_OK);
    for (i = 0; i < n; i++) {
        log_id(id, sizeof id, v[i].cust);
        assert_int_equal(tier_book_add_txn(b, id, strlen(id), v[i].day, v[i].amount, v[i].margin),
                         TIER_OK);
    }
    return b;
}

/* ---- window figures ------------------------------------------------------------------------ */

static void expect_same_figures(const tier__figures *x, const tier__figures *y, size_t n,
                                const char *what)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (x[i].first_day != y[i].first_day || x[i].last_day != y[i].last_day ||
            x[i].purchase_days != y[i].purchase_days || x[i].purchases != y[i].purchases ||
            x[i].refunds != y[i].refunds || x[i].has_margin != y[i].has_margin ||
            x[i].net != y[i].net || x[i].margin != y[i].margin)
            fail_msg("%s: customer %zu differs (purchase days %u and %u, net %lld and %lld)", what,
                     i, (unsigned)x[i].purchase_days, (unsigned)y[i].purchase_days,
                     (long long)x[i].net, (long long)y[i].net);
}

static void test_window_figures_are_the_same_for_any_thread_count(void **state)
{
    const int32_t first = tst_day(2022, 1, 1);
    const int32_t windows[][2] = {{first + 100, first + 500},
                                  {first + 400, first + 401},
                                  {INT32_MIN, first + 300},
                                  {first - 10, first},
                                  {INT32_MIN, INT32_MAX}};
    int shuffled;
    (void)state;
    for (shuffled = 0; shuffled < 2; shuffled++) {
        size_t n, ncust, w, i, k;
        log_row *v = make_log(tst_under_valgrind() ? 9000 : 20000, 11, shuffled, &n);
        tier_book *b = log_book(MT_ALLOC, v, n);
        tier__figures *want, *got;
        char why[TIER__ERR_SIZE];
        ncust = tier_book_customer_count(b);
        want = malloc(ncust * sizeof *want);
        got = malloc(ncust * sizeof *got);
        assert_true(want && got);
        for (w = 0; w < TST_COUNT(windows); w++) {
            assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
            assert_int_equal(tier__book_figures(b, windows[w][0], windows[w][1], want, why),
                             TIER_OK);
            /* The one-customer path (the transaction index, days sorted) agrees. */
            for (i = 0; i < ncust; i += 7) {
                assert_int_equal(
                    tier__book_customer_figures(b, i, windows[w][0], windows[w][1], &got[i], why),
                    TIER_OK);
                expect_same_figures(&want[i], &got[i], 1, "one customer");
            }
            for (k = 0; k < TST_COUNT(thread_counts); k++) {
                tst_exec e;
                exec_of(&e, thread_counts[k]);
                assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
                memset(got, 0xa5, ncust * sizeof *got);
                assert_int_equal(tier__book_figures(b, windows[w][0], windows[w][1], got, why),
                                 TIER_OK);
                expect_same_figures(want, got, ncust, "threads");
                assert_int_equal(e.started, e.waited);
                if (thread_counts[k] > 1 && w + 1 < TST_COUNT(windows))
                    assert_true(e.started > 0);
            }
        }
        free(want);
        free(got);
        free(v);
        tier_book_free(b);
    }
    expect_no_live_blocks();
}

/* ---- order with ties by id ----------------------------------------------------------------- */

typedef struct ref_row {
    uint64_t key;
    uint32_t idx;
    const tier_book *book;
} ref_row;

static int ref_cmp(const void *x, const void *y)
{
    const ref_row *a = x, *b = y;
    size_t la, lb;
    const char *ia, *ib;
    int c;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    ia = tier_book_customer_id(a->book, a->idx, &la);
    ib = tier_book_customer_id(b->book, b->idx, &lb);
    c = memcmp(ia, ib, la < lb ? la : lb);
    if (c)
        return c;
    if (la != lb)
        return la < lb ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Keys from a few values (ties of thousands of rows), from many (ties of a few) and all equal. */
static void test_order_breaks_every_tie_by_id_as_a_comparison_sort_does(void **state)
{
    static const uint64_t spreads[] = {3, 40, 2000, 1};
    const size_t n = 6000;
    size_t s, i;
    tier_book *b = NULL;
    (void)state;
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    for (i = 0; i < n; i++) {
        char id[64];
        /* Ids in no particular order, many sharing their first 8 bytes. */
        log_id(id, sizeof id, (uint32_t)((i * 7919) % n));
        assert_int_equal(tier_book_add_txn(b, id, strlen(id), 19000, 1, NAN), TIER_OK);
    }
    for (s = 0; s < TST_COUNT(spreads); s++) {
        uint64_t *key = test_malloc(n * sizeof *key);
        uint32_t *idx = test_malloc(n * sizeof *idx);
        ref_row *ref = test_malloc(n * sizeof *ref);
        tier__rng r;
        tier__rng_init(&r, 5, 9, s, 0);
        for (i = 0; i < n; i++) {
            key[i] = tier__order_key((double)tier__rng_below(&r, spreads[s]), 1);
            idx[i] = (uint32_t)i;
            ref[i].key = key[i];
            ref[i].idx = (uint32_t)i;
            ref[i].book = b;
        }
        qsort(ref, n, sizeof *ref, ref_cmp);
        assert_int_equal(tier__order_rows(TST_ALLOC, b, NULL, key, idx, n), TIER_OK);
        for (i = 0; i < n; i++) {
            if (idx[i] != ref[i].idx || key[i] != ref[i].key)
                fail_msg("spread %lu: position %zu holds row %u, want %u",
                         (unsigned long)spreads[s], i, (unsigned)idx[i], (unsigned)ref[i].idx);
        }
        test_free(key);
        test_free(idx);
        test_free(ref);
    }
    tier_book_free(b);
}

/* ---- the id order and the radix sort ------------------------------------------------------- */

/* Ids of every kind the id order meets: sharing their first 8 bytes (and some their first 24),
 * short ones, and ids that are a prefix of others. */
static void order_id(char *id, size_t cap, uint32_t c)
{
    if (c % 5 == 0)
        snprintf(id, cap, "customer-with-a-long-prefix-%u", (unsigned)c);
    else if (c % 7 == 0)
        snprintf(id, cap, "%u", (unsigned)(c / 7));
    else
        log_id(id, cap, c);
}

/* Customers in id order and the orders by value through it are the same with no executor and
 * with 1, 2, 3 and 8 threads, and equal what comparing the ids gives: the id order itself, the
 * stable radix sort, and tier__order_rows_in with the run's order (rows of their own customer
 * and rows sharing a lead customer) against tier__order_rows. */
static void test_id_order_and_radix_are_the_same_for_any_thread_count(void **state)
{
    const size_t n = tst_under_valgrind() ? 6000 : 140000, nk = 2 * n;
    tier_book *b = NULL;
    tier_frame *frame = NULL;
    uint32_t *perm0 = NULL, *rank0 = NULL, *x0, *xs, *x2;
    uint64_t *k0, *ks, *k2;
    size_t *lead, i, k;
    tier__rng r;
    (void)state;
    assert_int_equal(tier_book_new(&b, MT_ALLOC), TIER_OK);
    for (i = 0; i < n; i++) {
        char id[80];
        order_id(id, sizeof id, (uint32_t)((i * 7919) % n));
        assert_int_equal(tier_book_add_txn(b, id, strlen(id), 19000, 1, NAN), TIER_OK);
    }
    assert_int_equal(tier_book_customer_count(b), n);
    assert_int_equal(tier__book_id_order(b, MT_ALLOC, &perm0, &rank0), TIER_OK);
    for (i = 0; i < n; i++) {
        assert_int_equal(rank0[perm0[i]], i);
        if (i > 0 && tier__book_compare_ids(b, perm0[i - 1], perm0[i]) >= 0)
            fail_msg("ids at %zu and %zu are out of order", i - 1, i);
    }
    /* Keys of few values over 2n rows, rows 2i and 2i + 1 of customer i's lead. */
    k0 = malloc(nk * sizeof *k0);
    ks = malloc(nk * sizeof *ks);
    k2 = malloc(nk * sizeof *k2);
    x0 = malloc(nk * sizeof *x0);
    xs = malloc(nk * sizeof *xs);
    x2 = malloc(nk * sizeof *x2);
    lead = malloc(nk * sizeof *lead);
    assert_true(k0 && ks && k2 && x0 && xs && x2 && lead);
    tier__rng_init(&r, 3, 1, 4, 1);
    for (i = 0; i < nk; i++) {
        k0[i] = tier__order_key((double)tier__rng_below(&r, 50), 1);
        x0[i] = (uint32_t)i;
        lead[i] = (i * 31) % n;
    }
    assert_int_equal(tier_frame_new(&frame, n, MT_ALLOC), TIER_OK);
    for (k = 0; k <= TST_COUNT(thread_counts); k++) {
        int with_lead;
        tst_exec e;
        uint32_t *perm = NULL, *rank = NULL;
        const uint32_t *fp, *fr;
        if (k < TST_COUNT(thread_counts)) {
            exec_of(&e, thread_counts[k]);
            e.limit = 1000; /* every split of this test may start its tasks */
            assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
        } else {
            assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
        }
        assert_int_equal(tier__book_id_order(b, MT_ALLOC, &perm, &rank), TIER_OK);
        assert_memory_equal(perm, perm0, n * sizeof *perm);
        assert_memory_equal(rank, rank0, n * sizeof *rank);
        mt_free(NULL, perm);
        mt_free(NULL, rank);
        /* The stable sort: by key, equal keys in input order. */
        memcpy(ks, k0, nk * sizeof *ks);
        memcpy(xs, x0, nk * sizeof *xs);
        tier__radix_sort(tier__book_executor(b), k < 2 ? NULL : MT_ALLOC, ks, xs, k2, x2, nk);
        for (i = 1; i < nk; i++)
            if (ks[i - 1] > ks[i] || (ks[i - 1] == ks[i] && xs[i - 1] > xs[i]))
                fail_msg("threads %u: the sort is not stable at %zu", thread_counts[k], i);
        /* Orders with ties by id: through the run's id order, as through the ids. */
        tier__frame_keep_id_order(frame, b);
        assert_int_equal(tier__frame_id_order(frame, b, &fp, &fr), TIER_OK);
        assert_memory_equal(fp, perm0, n * sizeof *fp);
        for (with_lead = 0; with_lead < 2; with_lead++) {
            size_t m = with_lead ? nk : n;
            memcpy(ks, k0, m * sizeof *ks);
            memcpy(xs, x0, m * sizeof *xs);
            memcpy(k2, k0, m * sizeof *k2);
            memcpy(x2, x0, m * sizeof *x2);
            assert_int_equal(
                tier__order_rows_in(MT_ALLOC, b, frame, with_lead ? lead : NULL, ks, xs, m),
                TIER_OK);
            assert_int_equal(tier__order_rows(MT_ALLOC, b, with_lead ? lead : NULL, k2, x2, m),
                             TIER_OK);
            assert_memory_equal(ks, k2, m * sizeof *ks);
            assert_memory_equal(xs, x2, m * sizeof *xs);
        }
        tier__frame_keep_id_order(frame, NULL);
        assert_int_equal(tier__frame_id_order(frame, b, &fp, &fr), TIER_ENOTFOUND);
        if (k < TST_COUNT(thread_counts)) {
            assert_int_equal(e.started, e.waited);
            if (thread_counts[k] > 1 && !tst_under_valgrind())
                assert_true(e.started > 0);
        }
    }
    tier_frame_free(frame);
    mt_free(NULL, perm0);
    mt_free(NULL, rank0);
    free(k0);
    free(ks);
    free(k2);
    free(x0);
    free(xs);
    free(x2);
    free(lead);
    tier_book_free(b);
    expect_no_live_blocks();
}

/* A book of 300 customers with ids of every kind, for the out-of-memory walk. */
static tier_book *order_book(const tier_allocator *a)
{
    tier_book *b = NULL;
    size_t i;
    assert_int_equal(tier_book_new(&b, a), TIER_OK);
    for (i = 0; i < 300; i++) {
        char id[80];
        order_id(id, sizeof id, (uint32_t)((i * 37) % 300));
        assert_int_equal(tier_book_add_txn(b, id, strlen(id), 19000, 1, NAN), TIER_OK);
    }
    return b;
}

/* The id order with any allocation failing: TIER_ENOMEM and nothing held, or the whole order
 * (the radix sort's digit table only falls back to bytes). */
static int oom_id_order(const tier_allocator *a, void *ud)
{
    const tier_book *b = ud;
    uint32_t *perm = NULL, *rank = NULL;
    size_t i;
    int rc = tier__book_id_order(b, a, &perm, &rank);
    if (rc != TIER_OK) {
        assert_null(perm);
        assert_null(rank);
        return rc;
    }
    for (i = 1; i < 300; i++)
        assert_true(tier__book_compare_ids(b, perm[i - 1], perm[i]) < 0);
    a->free(a->ud, perm);
    a->free(a->ud, rank);
    return rc;
}

/* ---- the Pareto model ---------------------------------------------------------------------- */

/* m scored into a new frame of b's customers (holding the column "x" = xs first, when xs). */
static tier_frame *pareto_frame(tier_model *m, const tier_book *b, const double *xs)
{
    tier_frame *f = NULL;
    size_t n = tier_book_customer_count(b);
    assert_int_equal(tier_frame_new(&f, n, MT_ALLOC), TIER_OK);
    if (xs) {
        double *v;
        assert_int_equal(tier_frame_add_numbers(f, "x", &v), TIER_OK);
        memcpy(v, xs, n * sizeof *v);
    }
    if (tier_model_score(m, b, f) != TIER_OK)
        fail_msg("%s", tier_frame_last_error(f));
    return f;
}

/* Fails unless the two frames hold the same columns, byte for byte. */
static void expect_same_frames(const tier_frame *x, const tier_frame *y)
{
    size_t c, n = tier_frame_rows(x);
    assert_int_equal(tier_frame_rows(y), n);
    assert_int_equal(tier_frame_column_count(x), tier_frame_column_count(y));
    for (c = 0; c < tier_frame_column_count(x); c++) {
        const double *dx = tier_frame_numbers(x, c), *dy = tier_frame_numbers(y, c);
        assert_string_equal(tier_frame_column_name(x, c), tier_frame_column_name(y, c));
        if (dx)
            assert_memory_equal(dx, dy, n * sizeof *dx);
        else
            assert_memory_equal(tier_frame_labels(x, c), tier_frame_labels(y, c),
                                n * sizeof(int32_t));
    }
}

static void test_pareto_is_the_same_for_any_thread_count(void **state)
{
    static const char *const criteria[] = {"revenue", "margin", "x"};
    size_t n, i, k, cr, nc;
    log_row *v = make_log(tst_under_valgrind() ? 20000 : 40000, 5, 0, &n);
    tier_book *b = log_book(MT_ALLOC, v, n);
    double *xs;
    (void)state;
    nc = tier_book_customer_count(b);
    xs = malloc(nc * sizeof *xs);
    assert_non_null(xs);
    for (i = 0; i < nc; i++) /* positive with ties, zero, negative and missing values */
        xs[i] = i % 13 == 0   ? NAN
                : i % 11 == 0 ? -(double)i
                : i % 7 == 0  ? 0
                              : (double)(i % 500) * 0.37;
    for (cr = 0; cr < TST_COUNT(criteria); cr++) {
        tier_model *m = NULL;
        tier_frame *want;
        assert_int_equal(tier_pareto_new(&m, NULL, MT_ALLOC), TIER_OK);
        assert_int_equal(tier_model_set_text(m, "criterion", criteria[cr]), TIER_OK);
        assert_int_equal(tier_model_fit(m, b, NULL), TIER_OK);
        assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
        want = pareto_frame(m, b, cr == 2 ? xs : NULL);
        for (k = 0; k < TST_COUNT(thread_counts); k++) {
            tst_exec e;
            tier_frame *got;
            exec_of(&e, thread_counts[k]);
            assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
            got = pareto_frame(m, b, cr == 2 ? xs : NULL);
            expect_same_frames(want, got);
            if (thread_counts[k] > 1)
                assert_true(e.started > 0);
            assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
            tier_frame_free(got);
        }
        tier_frame_free(want);
        tier_model_free(m);
    }
    free(xs);
    tier_book_free(b);
    free(v);
    expect_no_live_blocks();
}

/* A revenue total beyond the fixed-point range is refused alike whether its sum overflows within
 * one slice of customers (one thread: then half the customers come after it) or only across
 * slices (the two large customers in different slices). */
static void test_pareto_refuses_a_total_beyond_range_for_any_thread_count(void **state)
{
    const size_t small = 39998, big = 500, n = small + 2 * big;
    char *ids = malloc(n * 8), want[512] = "";
    size_t *off = malloc((n + 1) * sizeof *off), r, len = 0, k;
    int32_t *days = malloc(n * sizeof *days);
    double *amounts = malloc(n * sizeof *amounts);
    tier_book *b = NULL;
    tier_model *m = NULL;
    (void)state;
    assert_true(ids && off && days && amounts);
    for (r = 0; r < n; r++) {
        /* "big-a" is the first customer, "big-b" the 20001st (the first of the second half),
         * each with 500 x 1e12; 39998 small ones around them. */
        const size_t b_from = big + small / 2, b_to = b_from + big;
        const int is_big = r < big || (r >= b_from && r < b_to);
        off[r] = len;
        if (is_big)
            len += (size_t)sprintf(ids + len, r < big ? "big-a" : "big-b");
        else
            len +=
                (size_t)sprintf(ids + len, "s%05u", (unsigned)(r < b_from ? r - big : r - 2 * big));
        days[r] = 9000 + (int32_t)(r / 1000);
        amounts[r] = is_big ? 1e12 : 1.0;
    }
    off[n] = len;
    assert_int_equal(tier_book_new(&b, MT_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_txns(b, n, ids, off, days, amounts, NULL), TIER_OK);
    assert_int_equal(tier_pareto_new(&m, NULL, MT_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, b, NULL), TIER_OK);
    for (k = 0; k <= TST_COUNT(thread_counts); k++) { /* first without an executor: one slice */
        tst_exec e;
        tier_frame *f = NULL;
        if (k) {
            exec_of(&e, thread_counts[k - 1]);
            assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
        }
        assert_int_equal(tier_frame_new(&f, tier_book_customer_count(b), MT_ALLOC), TIER_OK);
        assert_int_equal(tier_model_score(m, b, f), TIER_ERANGE);
        if (k == 0)
            snprintf(want, sizeof want, "%s", tier_frame_last_error(f));
        assert_non_null(strstr(want, "total exceeds the fixed-point range"));
        assert_string_equal(tier_frame_last_error(f), want);
        assert_int_equal(tier_frame_column_count(f), 0);
        assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
        tier_frame_free(f);
    }
    tier_model_free(m);
    tier_book_free(b);
    free(ids);
    free(off);
    free(days);
    free(amounts);
    expect_no_live_blocks();
}

/* ---- policy windows ------------------------------------------------------------------------- */

/* Rows whose window overflows: two groups of a hierarchy (a parent and a child of 500 x 1e12
 * each), the first one the first row and the second one the first row of the second half, among
 * 40000 small customers. Every thread count names the first row, as one thread does. */
static void test_window_overflow_names_the_first_row_for_any_thread_count(void **state)
{
    static const char policy_text[] = "libtier-policy 1\n"
                                      "hierarchy parent = attr.parent_id\n"
                                      "window rev = revenue over all\n"
                                      "tier A {\n    rule \"big\" when rev > 100\n}\n"
                                      "tier C {\n    rule \"rest\"\n}\n";
    const size_t small = 40000, big = 500, n = small + 4 * big;
    char *ids = malloc(n * 8), want[512] = "";
    size_t *off = malloc((n + 1) * sizeof *off), r, len = 0, k, s = 0;
    int32_t *days = malloc(n * sizeof *days);
    double *amounts = malloc(n * sizeof *amounts);
    tier_book *b = NULL;
    tier_policy *policy = NULL;
    (void)state;
    assert_true(ids && off && days && amounts);
    for (r = 0; r < n; r++) { /* p1 k1 s0..s19999 p2 k2 s20000..s39999 */
        size_t at = r < 2 * big ? 0 : r < 2 * big + small / 2 ? 1 : r < 4 * big + small / 2 ? 2 : 3;
        off[r] = len;
        if (at == 0 || at == 2) {
            size_t in = r - (at == 0 ? 0 : 2 * big + small / 2);
            len += (size_t)sprintf(ids + len, "%c%d", in < big ? 'p' : 'k', at == 0 ? 1 : 2);
            amounts[r] = 1e12;
        } else {
            len += (size_t)sprintf(ids + len, "s%05u", (unsigned)s++);
            amounts[r] = 1.0;
        }
        days[r] = 9000 + (int32_t)(r / 1000);
    }
    off[n] = len;
    assert_int_equal(tier_book_new(&b, MT_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_txns(b, n, ids, off, days, amounts, NULL), TIER_OK);
    assert_int_equal(tier_book_set_text(b, 1, "parent_id", "p1"), TIER_OK);
    assert_int_equal(tier_book_set_text(b, 2 + small / 2 + 1, "parent_id", "p2"), TIER_OK);
    assert_int_equal(tier_policy_new(&policy, MT_ALLOC), TIER_OK);
    if (tier_policy_load_string(policy, policy_text, strlen(policy_text), "w.policy") != TIER_OK)
        fail_msg("%s", tier_policy_last_error(policy));
    for (k = 0; k < TST_COUNT(thread_counts); k++) {
        tst_exec e;
        tier_result *res = NULL;
        exec_of(&e, thread_counts[k]);
        assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
        assert_int_equal(tier_result_new(&res, MT_ALLOC), TIER_OK);
        assert_int_not_equal(tier_result_run(res, b, NULL, 0, policy), TIER_OK);
        if (k == 0)
            snprintf(want, sizeof want, "%s", tier_result_last_error(res));
        assert_non_null(strstr(want, "window 'rev' overflows for row 0"));
        assert_string_equal(tier_result_last_error(res), want);
        if (thread_counts[k] > 1)
            assert_true(e.started > 0);
        assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
        tier_result_free(res);
    }
    tier_policy_free(policy);
    tier_book_free(b);
    free(ids);
    free(off);
    free(days);
    free(amounts);
    expect_no_live_blocks();
}

/* ---- a policy's rules, flags, caps, routing and summary ------------------------------------ */

/* Every operator of the evaluator over columns (and scalars), rules, a cap, flags over the tiers,
 * demote conditions and routing; with `hierarchy`, groups of a parent and its children. */
static const char policy_ops[] =
    "libtier-policy 1\n"
    "model rfm = rfm\n"
    "model pareto = pareto\n"
    "window rev = revenue over 12 months\n"
    "window buys = purchases over all\n"
    "let score = (rfm.r_score + rfm.f_score) * 2 - -1 / abs(rfm.m_score - 3)\n"
    "let loyal = not (rfm.r_score < 3) and rfm.segment not in [\"lost\", \"hibernating\"]\n"
    "let active = buys between 2 and 100 and rev is not missing and attr.churned is missing\n"
    "let north = attr.region in [\"north\", \"east\"] and attr.size != 0 and attr.size <= 5\n"
    "let home = attr.region == attr.home or attr.region != \"south\"\n"
    "tier S {\n"
    "    rule \"top\" when pareto.class == \"A\" and loyal\n"
    "    cap 20% by rev overflow A\n"
    "    demote when rev < 50\n"
    "}\n"
    "tier A {\n"
    "    rule \"engaged\" when pareto.class != \"C\" and score > 8 or (north and home)\n"
    "    rule \"numbers\" when rfm.m_score in [4, 5] and -rev < -100 and rev / 2 * 1 + 0 > 10\n"
    "    demote when not active\n"
    "}\n"
    "tier B {\n"
    "    rule \"active\" when active or true and false\n"
    "}\n"
    "tier C {\n"
    "    rule \"rest\"\n"
    "}\n"
    "flag lapsed when pareto.class == \"A\" and not (rev > 0)\n"
    "flag north_c when tier == \"C\" and north\n"
    "flag top when tier == \"S\" and attr.size is missing\n"
    "flag odd when attr.home is missing or attr.size == 3 and rfm.f_score >= 2\n"
    "flag always when 5 in [5, 6] and \"x\" not in [\"y\"]\n"
    "routing {\n"
    "    accounts when tier in [\"S\", \"A\"]\n"
    "    region = attr.region\n"
    "    team national \"KA national\" capacity 30 accounts\n"
    "    team local \"KA team {region}\" capacity 4000 accounts\n"
    "}\n";

/* Eight flags of unrelated tests: more distinct flag sets than a slice numbers on its own. */
static const char policy_many_sets[] = "flag r3 when rfm.r_score >= 3\n"
                                       "flag f3 when rfm.f_score >= 3\n"
                                       "flag m3 when rfm.m_score >= 3\n"
                                       "flag s4 when attr.size >= 4\n"
                                       "flag rn when attr.region == \"north\"\n"
                                       "flag he when attr.home == \"east\"\n"
                                       "flag ch when attr.churned is missing\n"
                                       "flag pa when pareto.class == \"A\"\n";

/* The policy (variant 1: with a hierarchy; 2: with many flag sets). */
static tier_policy *load_policy(const char *text, int variant)
{
    tier__buf b;
    tier_policy *p = NULL;
    tier__buf_init(&b, TST_ALLOC);
    tier__buf_puts(&b, text);
    if (variant == 1)
        tier__buf_puts(&b, "hierarchy parent = attr.parent_id\n");
    if (variant == 2)
        tier__buf_puts(&b, policy_many_sets);
    assert_int_equal(tier__buf_status(&b), TIER_OK);
    assert_int_equal(tier_policy_new(&p, MT_ALLOC), TIER_OK);
    if (tier_policy_load_string(p, tier__buf_data(&b), tier__buf_len(&b), "ops.policy") != TIER_OK)
        fail_msg("%s", tier_policy_last_error(p));
    tier__buf_free(&b);
    return p;
}

/* Attributes of every kind the policy reads: regions (some missing), a home region, sizes (some
 * missing, some 0), churned marks and, every 50th customer, a parent (the customer before). */
static void set_attributes(tier_book *b)
{
    static const char *const regions[] = {"north", "east", "south", "west"};
    size_t i, n = tier_book_customer_count(b);
    for (i = 0; i < n; i++) {
        if (i % 7 != 3)
            assert_int_equal(tier_book_set_text(b, i, "region", regions[i % 4]), TIER_OK);
        assert_int_equal(tier_book_set_text(b, i, "home", regions[(i / 3) % 4]), TIER_OK);
        if (i % 5 != 0)
            assert_int_equal(tier_book_set_number(b, i, "size", (double)(i % 9)), TIER_OK);
        if (i % 11 == 0)
            assert_int_equal(tier_book_set_number(b, i, "churned", 1), TIER_OK);
        if (i % 50 == 1) {
            size_t len;
            const char *id = tier_book_customer_id(b, i - 1, &len);
            char parent[64];
            snprintf(parent, sizeof parent, "%.*s", (int)len, id);
            assert_int_equal(tier_book_set_text(b, i, "parent_id", parent), TIER_OK);
        }
    }
}

/* What one run gives: the written rows, the summary and the policy applied to its frame (tiers,
 * reasons, flags, routes, cap reasons, demote conditions) and its flags over given tiers. */
typedef struct policy_out {
    tst_sink rows;
    size_t customers[8];
    double revenue[8];
    tier__applied ap, fl;
} policy_out;

static void run_policy(const tier_book *b, const tier_policy *policy, policy_out *o)
{
    tier_model *models[2] = {NULL, NULL};
    tier_result *res = NULL;
    tier__apply_in in;
    char err[TIER__ERR_SIZE];
    size_t t;
    memset(o, 0, sizeof *o);
    assert_int_equal(tier_rfm_new(&models[0], NULL, MT_ALLOC), TIER_OK);
    assert_int_equal(tier_pareto_new(&models[1], NULL, MT_ALLOC), TIER_OK);
    assert_int_equal(tier_result_new(&res, MT_ALLOC), TIER_OK);
    assert_int_equal(tier_result_set_as_of(res, tst_day(2024, 6, 1)), TIER_OK);
    if (tier_result_run(res, b, models, 2, policy) != TIER_OK)
        fail_msg("%s", tier_result_last_error(res));
    assert_int_equal(tier_result_write(res, b, NULL, TIER_OUTPUT_CSV, tst_sink_write, &o->rows),
                     TIER_OK);
    assert_true(tier_result_tier_count(res) <= 8);
    for (t = 0; t < tier_result_tier_count(res); t++)
        assert_int_equal(tier_result_summary(res, t, &o->customers[t], &o->revenue[t]), TIER_OK);
    memset(&in, 0, sizeof in);
    in.pol = &policy->pol;
    in.book = b;
    in.frame = tier_result_frame(res);
    in.as_of = tst_day(2024, 6, 1);
    if (tier__policy_apply(&in, MT_ALLOC, &o->ap, NULL, err) != TIER_OK)
        fail_msg("%s", err);
    if (tier__policy_flags(&in, o->ap.tier, MT_ALLOC, &o->fl, NULL, err) != TIER_OK)
        fail_msg("%s", err);
    tier_result_free(res);
    tier_model_free(models[0]);
    tier_model_free(models[1]);
}

static void expect_same_texts(char **x, size_t nx, char **y, size_t ny)
{
    size_t i;
    assert_int_equal(nx, ny);
    for (i = 0; i < nx; i++)
        assert_string_equal(x[i], y[i]);
}

static void expect_same_applied(const tier__applied *x, const tier__applied *y, int all)
{
    const size_t n = x->customers;
    assert_int_equal(y->customers, n);
    assert_memory_equal(x->flags, y->flags, n * sizeof *x->flags);
    expect_same_texts(x->flag_sets, x->n_flag_sets, y->flag_sets, y->n_flag_sets);
    assert_int_equal(x->routes, y->routes);
    assert_memory_equal(x->route, y->route, n * sizeof *x->route);
    expect_same_texts(x->teams, x->n_teams, y->teams, y->n_teams);
    expect_same_texts(x->report, x->n_report, y->report, y->n_report);
    if (!all)
        return;
    assert_memory_equal(x->tier, y->tier, n * sizeof *x->tier);
    assert_memory_equal(x->reason, y->reason, n * sizeof *x->reason);
    assert_memory_equal(x->cap_reason, y->cap_reason, n * sizeof *x->cap_reason);
    expect_same_texts(x->reasons, x->n_reasons, y->reasons, y->n_reasons);
    assert_int_equal(x->n_demote, y->n_demote);
    assert_memory_equal(x->demote, y->demote, x->n_demote * n);
}

static void policy_out_free(policy_out *o)
{
    tst_sink_reset(&o->rows);
    tier__applied_free(MT_ALLOC, &o->ap);
    tier__applied_free(MT_ALLOC, &o->fl);
}

/* The policy over 70,000 customers (enough for two slices of every pass) gives the same rows,
 * summary and per-customer figures with no executor and with 1, 2, 3 and 8 threads, with and
 * without a hierarchy, and with more flag sets than the slices number on their own. */
static void test_policy_is_the_same_for_any_thread_count(void **state)
{
    size_t n, k, t;
    log_row *v = make_log(tst_under_valgrind() ? 9000 : 70000, 6, 0, &n);
    tier_book *b = log_book(MT_ALLOC, v, n);
    int variant;
    (void)state;
    set_attributes(b);
    for (variant = 0; variant < 3; variant++) {
        tier_policy *policy = load_policy(policy_ops, variant);
        policy_out want, got;
        size_t placed = 0;
        assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
        run_policy(b, policy, &want);
        /* Every rule, flag, cap and team has customers, so every path has work (at 70,000
         * customers; under valgrind's 9,000 the teams' capacities are not all reached). */
        for (t = 0; t < 4; t++)
            placed += want.customers[t] > 0;
        assert_int_equal(placed, 4);
        assert_true(want.ap.n_flag_sets >= 3);
        if (!tst_under_valgrind()) {
            assert_true(want.ap.n_teams >= 2 && want.ap.n_report >= 1);
            assert_non_null(strstr(want.rows.data, "over the cap of S"));
            assert_true(variant != 1 || strstr(want.rows.data, ",member of ") != NULL);
            assert_true(variant != 2 || want.ap.n_flag_sets > 128);
        }
        for (k = 0; k < TST_COUNT(thread_counts); k++) {
            tst_exec e;
            exec_of(&e, thread_counts[k]);
            if (thread_counts[k] > 1)
                e.limit = 0; /* every split may start its tasks */
            assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
            run_policy(b, policy, &got);
            assert_int_equal(got.rows.len, want.rows.len);
            assert_memory_equal(got.rows.data, want.rows.data, want.rows.len);
            assert_memory_equal(got.customers, want.customers, sizeof want.customers);
            assert_memory_equal(got.revenue, want.revenue, sizeof want.revenue);
            expect_same_applied(&got.ap, &want.ap, 1);
            expect_same_applied(&got.fl, &want.fl, 0);
            assert_int_equal(e.started, e.waited);
            if (thread_counts[k] > 1 && !tst_under_valgrind())
                assert_true(e.started > 100);
            policy_out_free(&got);
        }
        assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
        policy_out_free(&want);
        tier_policy_free(policy);
    }
    tier_book_free(b);
    free(v);
    expect_no_live_blocks();
}

/* The summary's net revenue per tier in slices: amounts whose magnitudes sum beyond the range
 * (a tier's sum still fits) are summed in one pass, and a tier whose sum overflows is refused,
 * with the same message for any thread count. */
static void test_summary_is_exact_or_refused_for_any_thread_count(void **state)
{
    static const char policy_text[] = "libtier-policy 1\n"
                                      "tier A {\n    rule \"small\" when attr.big is missing\n}\n"
                                      "tier B {\n    rule \"rest\"\n}\n";
    const size_t n = 70000;
    size_t r, k, big;
    tier_policy *policy = NULL;
    (void)state;
    assert_int_equal(tier_policy_new(&policy, MT_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(policy, policy_text, strlen(policy_text), "s.policy"),
                     TIER_OK);
    for (big = 0; big < 3; big++) {
        /* 0: small amounts; 1: +6e14 and -6e14 in tier B; 2: +6e14 twice in tier B. */
        tier_book *b = NULL;
        char want[512] = "";
        size_t want_count[2] = {0, 0};
        double want_net[2] = {0, 0};
        assert_int_equal(tier_book_new(&b, MT_ALLOC), TIER_OK);
        for (r = 0; r < n; r++) {
            char id[16];
            const int is_big = big && (r == 10 || r == n - 10);
            size_t i;
            snprintf(id, sizeof id, "c%06u", (unsigned)r);
            /* A big customer: 600 rows of 1e12 (or -1e12), 6e14 in all. */
            for (i = 0; i < (is_big ? 600 : 1); i++)
                assert_int_equal(tier_book_add_txn(b, id, strlen(id), 9000,
                                                   !is_big               ? (double)(r % 100) + 0.25
                                                   : big == 2 || r == 10 ? 1e12
                                                                         : -1e12,
                                                   NAN),
                                 TIER_OK);
            if (is_big)
                assert_int_equal(tier_book_set_number(b, r, "big", 1), TIER_OK);
        }
        for (k = 0; k <= TST_COUNT(thread_counts); k++) {
            tst_exec e;
            tier_result *res = NULL;
            int rc;
            if (k) {
                exec_of(&e, thread_counts[k - 1]);
                if (thread_counts[k - 1] > 1)
                    e.limit = 0;
                assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
            }
            assert_int_equal(tier_result_new(&res, MT_ALLOC), TIER_OK);
            rc = tier_result_run(res, b, NULL, 0, policy);
            if (big == 2) {
                assert_int_equal(rc, TIER_ERANGE);
                if (k == 0)
                    snprintf(want, sizeof want, "%s", tier_result_last_error(res));
                assert_non_null(strstr(want, "net revenue of tier 1 overflows"));
                assert_string_equal(tier_result_last_error(res), want);
            } else {
                size_t t, count;
                double net;
                assert_int_equal(rc, TIER_OK);
                for (t = 0; t < 2; t++) {
                    assert_int_equal(tier_result_summary(res, t, &count, &net), TIER_OK);
                    if (k == 0) {
                        want_count[t] = count;
                        want_net[t] = net;
                    }
                    assert_int_equal(count, want_count[t]);
                    assert_memory_equal(&net, &want_net[t], sizeof net);
                }
                assert_int_equal(want_count[1], big ? 2 : 0);
            }
            if (k && thread_counts[k - 1] > 1)
                assert_true(e.started > 0);
            assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
            tier_result_free(res);
        }
        tier_book_free(b);
    }
    tier_policy_free(policy);
    expect_no_live_blocks();
}

/* ---- the writer ---------------------------------------------------------------------------- */

/* A result of the log through rfm, pareto and b2b-sabc, made with `a`. */
static int run_log(const tier_allocator *a, const tier_book *b, tier_result **out)
{
    tier_model *models[2] = {NULL, NULL};
    tier_policy *policy = NULL;
    int rc = tier_rfm_new(&models[0], NULL, a);
    if (!rc)
        rc = tier_pareto_new(&models[1], NULL, a);
    if (!rc)
        rc = tier_policy_new_builtin(&policy, "b2b-sabc", a);
    if (!rc)
        rc = tier_result_new(out, a);
    if (!rc)
        rc = tier_result_set_as_of(*out, tst_day(2025, 1, 1));
    if (!rc)
        rc = tier_result_run(*out, b, models, 2, policy);
    tier_model_free(models[0]);
    tier_model_free(models[1]);
    tier_policy_free(policy);
    return rc;
}

static void test_result_rows_are_the_same_bytes_for_any_thread_count(void **state)
{
    static const int formats[] = {TIER_OUTPUT_CSV, TIER_OUTPUT_JSON};
    size_t n, f, k;
    log_row *v = make_log(tst_under_valgrind() ? 9000 : 40000, 3, 0, &n);
    tier_book *b = log_book(MT_ALLOC, v, n);
    tier_result *res = NULL;
    (void)state;
    assert_int_equal(run_log(MT_ALLOC, b, &res), TIER_OK);
    for (f = 0; f < TST_COUNT(formats); f++) {
        tst_sink want;
        memset(&want, 0, sizeof want);
        assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
        assert_int_equal(tier_result_write(res, b, NULL, formats[f], tst_sink_write, &want),
                         TIER_OK);
        assert_true(want.len > 9000 * 20);
        for (k = 0; k < TST_COUNT(thread_counts); k++) {
            tst_sink got;
            tst_exec e;
            memset(&got, 0, sizeof got);
            exec_of(&e, thread_counts[k]);
            assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
            assert_int_equal(tier_result_write(res, b, NULL, formats[f], tst_sink_write, &got),
                             TIER_OK);
            assert_int_equal(got.len, want.len);
            assert_memory_equal(got.data, want.data, want.len);
            /* Large chunks, never larger than the writer's buffer. */
            assert_true(got.max_chunk <= 128u * 1024u);
            assert_true(got.calls < 2 + (int)(got.len / 4096));
            if (thread_counts[k] > 1)
                assert_true(e.started > 0);
            tst_sink_reset(&got);
        }
        /* The callback stops the write in the middle: EUSER, as on one thread. */
        {
            tst_sink stop;
            tst_exec e;
            memset(&stop, 0, sizeof stop);
            stop.stop_at = 3;
            exec_of(&e, 3);
            assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
            assert_int_equal(tier_result_write(res, b, NULL, formats[f], tst_sink_write, &stop),
                             TIER_EUSER);
            assert_int_equal(stop.calls, 3);
            tst_sink_reset(&stop);
        }
        tst_sink_reset(&want);
    }
    tier_result_free(res);
    tier_book_free(b);
    free(v);
    expect_no_live_blocks();
}

typedef struct oom_write {
    tier_book *book;
    const tst_sink *want;
} oom_write;

/* The writer's parallel path with every allocation failing in turn: all of the rows or an
 * out-of-memory error (tasks run when waited for, so the walk is deterministic). */
static int write_in_parallel(const tier_allocator *a, void *ud)
{
    oom_write *o = ud;
    tier_result *res = NULL;
    tst_exec e;
    tst_sink got;
    int rc;
    tst_exec_init(&e, TST_EXEC_DEFERRED, 0);
    e.ex.threads = 3;
    memset(&got, 0, sizeof got);
    assert_int_equal(tier_book_set_executor(o->book, &e.ex), TIER_OK);
    rc = run_log(a, o->book, &res);
    if (!rc) {
        rc = tier_result_write(res, o->book, NULL, TIER_OUTPUT_CSV, tst_sink_write, &got);
        if (rc)
            tst_expect_oom(rc, tier_result_last_error(res));
        else
            assert_memory_equal(got.data, o->want->data, o->want->len);
    }
    tst_sink_reset(&got);
    tier_result_free(res);
    assert_int_equal(tier_book_set_executor(o->book, NULL), TIER_OK);
    return rc;
}

static void test_parallel_writer_survives_every_failed_allocation(void **state)
{
    size_t n;
    log_row *v = make_log(9000, 4, 0, &n);
    oom_write o;
    tier_result *res = NULL;
    tst_sink want;
    (void)state;
    memset(&want, 0, sizeof want);
    o.book = log_book(TST_ALLOC, v, n);
    o.want = &want;
    assert_int_equal(run_log(TST_ALLOC, o.book, &res), TIER_OK);
    assert_int_equal(tier_result_write(res, o.book, NULL, TIER_OUTPUT_CSV, tst_sink_write, &want),
                     TIER_OK);
    tier_result_free(res);
    assert_true(tst_oom_walk(write_in_parallel, &o) > 10);
    tst_sink_reset(&want);
    tier_book_free(o.book);
    free(v);
}

/* ---- a whole run --------------------------------------------------------------------------- */

static void test_pipeline_run_is_the_same_bytes_for_any_thread_count(void **state)
{
    static const char *const frequencies[] = {"days", "rows"};
    size_t n, i, fq, k;
    log_row *v = make_log(tst_under_valgrind() ? 9000 : 30000, 8, 1, &n);
    const char *path = TIER_BINARY_DIR "/tests/parallel_phases.csv";
    tier__buf csv;
    FILE *f;
    (void)state;
    tier__buf_init(&csv, TST_ALLOC);
    tier__buf_puts(&csv, "customer_id,date,amount,margin\n");
    for (i = 0; i < n; i++) {
        char id[64], day[16];
        log_id(id, sizeof id, v[i].cust);
        assert_int_equal(tier_date_format_iso(day, sizeof day, v[i].day), TIER_OK);
        if (strchr(id, ',')) { /* quoted, its quotes doubled */
            const char *c;
            tier__buf_putc(&csv, '"');
            for (c = id; *c; c++)
                tier__buf_append(&csv, *c == '"' ? "\"\"" : c, *c == '"' ? 2 : 1);
            tier__buf_putc(&csv, '"');
        } else {
            tier__buf_puts(&csv, id);
        }
        tier__buf_printf(&csv, ",%s,%.2f,", day, v[i].amount);
        if (v[i].margin == v[i].margin)
            tier__buf_printf(&csv, "%.2f", v[i].margin);
        tier__buf_putc(&csv, '\n');
    }
    assert_int_equal(tier__buf_status(&csv), TIER_OK);
    /* A real file: the two halves of a split read are read at once (the memory file system
     * keeps one read position per file). */
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(tier__buf_data(&csv), 1, tier__buf_len(&csv), f), tier__buf_len(&csv));
    assert_int_equal(fclose(f), 0);
    for (fq = 0; fq < TST_COUNT(frequencies); fq++) {
        tst_sink want;
        tier_pipeline *p = NULL;
        memset(&want, 0, sizeof want);
        assert_int_equal(tier_pipeline_new(&p, MT_ALLOC), TIER_OK);
        assert_int_equal(tier_pipeline_set(p, "input", path), TIER_OK);
        assert_int_equal(tier_pipeline_set(p, "as_of", "2025-01-01"), TIER_OK);
        assert_int_equal(tier_pipeline_set(p, "frequency", frequencies[fq]), TIER_OK);
        assert_int_equal(tier_pipeline_set(p, "split_min_bytes", "0"), TIER_OK);
        assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, &want), TIER_OK);
        if (tier_pipeline_run(p) != TIER_OK)
            fail_msg("%s", tier_pipeline_last_error(p));
        for (k = 0; k < TST_COUNT(thread_counts); k++) {
            tst_sink got;
            tst_exec e;
            memset(&got, 0, sizeof got);
            exec_of(&e, thread_counts[k]);
            assert_int_equal(tier_pipeline_set_executor(p, &e.ex), TIER_OK);
            assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, &got), TIER_OK);
            if (tier_pipeline_run(p) != TIER_OK)
                fail_msg("%u threads: %s", thread_counts[k], tier_pipeline_last_error(p));
            if (got.len != want.len)
                fail_msg("%u threads: %zu bytes, want %zu: %.300s", thread_counts[k], got.len,
                         want.len, got.data ? got.data : "");
            assert_int_equal(got.len, want.len);
            assert_memory_equal(got.data, want.data, want.len);
            assert_int_equal(e.started, e.waited);
            tst_sink_reset(&got);
        }
        tst_sink_reset(&want);
        tier_pipeline_free(p);
    }
    remove(path);
    tier__buf_free(&csv);
    free(v);
    expect_no_live_blocks();
}

TST_MAIN(cmocka_unit_test(test_window_figures_are_the_same_for_any_thread_count),
         cmocka_unit_test(test_order_breaks_every_tie_by_id_as_a_comparison_sort_does),
         cmocka_unit_test(test_id_order_and_radix_are_the_same_for_any_thread_count),
         TST_OOM_WALK(test_id_order_survives_every_failed_allocation, oom_id_order, order_book, 4),
         cmocka_unit_test(test_pareto_is_the_same_for_any_thread_count),
         cmocka_unit_test(test_pareto_refuses_a_total_beyond_range_for_any_thread_count),
         cmocka_unit_test(test_window_overflow_names_the_first_row_for_any_thread_count),
         cmocka_unit_test(test_policy_is_the_same_for_any_thread_count),
         cmocka_unit_test(test_summary_is_exact_or_refused_for_any_thread_count),
         cmocka_unit_test(test_result_rows_are_the_same_bytes_for_any_thread_count),
         cmocka_unit_test(test_parallel_writer_survives_every_failed_allocation),
         cmocka_unit_test(test_pipeline_run_is_the_same_bytes_for_any_thread_count))
