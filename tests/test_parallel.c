/* SPDX-License-Identifier: MIT */
/* Work spread over the host's threads: the executor checks of tier_book_set_executor, the
 * internal task runner (util/par.h) with every kind of executor, and books made in parallel that
 * are identical, byte for byte, to books made on one thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_impl.h"
#include "support.h"
#include "util/par.h"

static void test_book_set_executor_checks_the_table(void **state)
{
    tier_book *b = NULL;
    tst_exec e;
    tier_executor bad;
    (void)state;
    tst_exec_init(&e, TST_EXEC_THREADS, 0);
    assert_int_equal(tier_book_set_executor(NULL, &e.ex), TIER_EINVAL);
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
    assert_int_equal(tier_book_set_executor(b, NULL), TIER_OK);
    bad = e.ex;
    bad.version = 0;
    assert_int_equal(tier_book_set_executor(b, &bad), TIER_EVERSION);
    assert_string_equal(tier_book_last_error(b), "executor version 0: set it to 2");
    bad.version = TIER_EXECUTOR_VERSION + 1;
    assert_int_equal(tier_book_set_executor(b, &bad), TIER_EVERSION);
    bad = e.ex;
    bad.wait = NULL;
    assert_int_equal(tier_book_set_executor(b, &bad), TIER_EINVAL);
    assert_non_null(strstr(tier_book_last_error(b), "both hooks"));
    tier_book_free(b);
}

typedef struct counts {
    unsigned ran[TIER__PAR_MAX + 8];
} counts;

static void count_task(void *arg, size_t i)
{
    counts *c = arg;
    c->ran[i]++;
}

/* Every task runs exactly once, whatever the executor does with it. */
static void test_par_run_runs_every_task_once(void **state)
{
    static const int modes[] = {0, TST_EXEC_THREADS, TST_EXEC_DEFERRED, TST_EXEC_REFUSING};
    static const size_t sizes[] = {0, 1, 2, 3, 8, TIER__PAR_MAX, TIER__PAR_MAX + 8};
    size_t m, k, i;
    (void)state;
    for (m = 0; m < TST_COUNT(modes); m++) {
        for (k = 0; k < TST_COUNT(sizes); k++) {
            counts c;
            tst_exec e;
            memset(&c, 0, sizeof c);
            tst_exec_init(&e, modes[m] ? modes[m] : TST_EXEC_THREADS, k % 2 ? 2 : 0);
            tier__par_run(modes[m] ? &e.ex : NULL, sizes[k], count_task, &c);
            for (i = 0; i < TST_COUNT(c.ran); i++)
                assert_int_equal(c.ran[i], i < sizes[k] ? 1 : 0);
            assert_int_equal(e.started, e.waited);
            if (modes[m] == TST_EXEC_REFUSING && sizes[k] > 1)
                assert_true(e.refused > 0);
        }
    }
}

/* ---- tier_book_add_txns on several threads ------------------------------------------------ */

/* Columns of generated transactions: ids of 2 to 8 bytes (every 7th customer's with a two-byte
 * UTF-8 letter), days in date order with same-day repeats (or, with `shuffled`, every 97th row
 * dated 40 days back), about 6 % refunds, 3 % $0 rows and margins on most rows. */
typedef struct cols {
    char *ids;
    size_t *off;
    int32_t *days;
    double *amounts, *margins;
    size_t n;
} cols;

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Room for n rows whose ids take at most id_bytes each. */
static void cols_alloc(cols *c, size_t n, size_t id_bytes)
{
    c->n = n;
    c->ids = malloc(n * id_bytes);
    c->off = malloc((n + 1) * sizeof *c->off);
    c->days = malloc(n * sizeof *c->days);
    c->amounts = malloc(n * sizeof *c->amounts);
    c->margins = malloc(n * sizeof *c->margins);
    assert_true(c->ids && c->off && c->days && c->amounts && c->margins);
}

static void cols_make(cols *c, size_t n, size_t customers, uint64_t seed, int shuffled)
{
    size_t r, len = 0;
    int32_t day = 8000;
    cols_alloc(c, n, 16);
    for (r = 0; r < n; r++) {
        uint64_t x = next_rand(&seed), k = x % customers;
        unsigned kind = (unsigned)(x >> 40) % 100;
        c->off[r] = len;
        len += (size_t)sprintf(c->ids + len, k % 7 == 0 ? "\xc3\xbc%llu" : "c%llu",
                               (unsigned long long)k);
        if ((x >> 20) % 3 == 0)
            day++; /* many customers buy twice on a day: purchase-days differ from rows */
        c->days[r] = shuffled && r % 97 == 96 ? day - 40 : day;
        if (kind < 6)
            c->amounts[r] = -(double)((x >> 8) % 5000) / 100;
        else if (kind < 9)
            c->amounts[r] = 0.0;
        else
            c->amounts[r] = (double)((x >> 8) % 100000) / 100;
        c->margins[r] = (x >> 50) % 4 ? c->amounts[r] / 4 : NAN;
    }
    c->off[n] = len;
}

static void cols_free(cols *c)
{
    free(c->ids);
    free(c->off);
    free(c->days);
    free(c->amounts);
    free(c->margins);
}

static int add_cols(tier_book *b, const cols *c)
{
    return tier_book_add_txns(b, c->n, c->ids, c->off, c->days, c->amounts, c->margins);
}

/* Fails unless the two books are the same through the API (customers in order, every figure,
 * every transaction) and, when no row came out of date order, in their running figures too. */
static void assert_same_books(const tier_book *x, const tier_book *y)
{
    size_t i, n = tier_book_customer_count(x);
    int s;
    int32_t f1 = 0, l1 = 0, f2 = 0, l2 = 0;
    assert_int_equal(n, tier_book_customer_count(y));
    assert_int_equal(tier_book_txn_count(x), tier_book_txn_count(y));
    assert_int_equal(tier_book_day_range(x, &f1, &l1), tier_book_day_range(y, &f2, &l2));
    assert_int_equal(f1, f2);
    assert_int_equal(l1, l2);
    for (i = 0; i < n; i++) {
        size_t lx = 0, ly = 0;
        const char *ix = tier_book_customer_id(x, i, &lx), *iy = tier_book_customer_id(y, i, &ly);
        assert_int_equal(lx, ly);
        assert_memory_equal(ix, iy, lx);
        for (s = TIER_BOOK_STAT_FIRST_PURCHASE; s <= TIER_BOOK_STAT_IGNORED_ROWS; s++) {
            double vx = 0, vy = 0;
            assert_int_equal(tier_book_customer_stat(x, i, s, &vx),
                             tier_book_customer_stat(y, i, s, &vy));
            assert_memory_equal(&vx, &vy, sizeof vx);
        }
    }
    for (i = 0; i < tier_book_txn_count(x); i++) {
        size_t cx = 0, cy = 0;
        int32_t dx = 0, dy = 0;
        double ax = 0, ay = 0, mx = 0, my = 0;
        assert_int_equal(tier_book_txn(x, i, &cx, &dx, &ax, &mx), TIER_OK);
        assert_int_equal(tier_book_txn(y, i, &cy, &dy, &ay, &my), TIER_OK);
        assert_int_equal(cx, cy);
        assert_int_equal(dx, dy);
        assert_memory_equal(&ax, &ay, sizeof ax);
        assert_memory_equal(&mx, &my, sizeof mx);
    }
    assert_int_equal(x->live.unordered, y->live.unordered);
    assert_int_equal(x->live.ignored_rows, y->live.ignored_rows);
    if (!x->live.unordered)
        assert_memory_equal(x->fig, y->fig, n * sizeof *x->fig);
}

/* The same books by their insides alone (no call that may allocate): for out-of-memory walks,
 * on rows in date order. */
static void assert_same_insides(const tier_book *x, const tier_book *y)
{
    assert_int_equal(x->live.ncust, y->live.ncust);
    assert_int_equal(x->live.ntx, y->live.ntx);
    assert_int_equal(x->live.ids_len, y->live.ids_len);
    assert_int_equal(x->live.min_day, y->live.min_day);
    assert_int_equal(x->live.max_day, y->live.max_day);
    assert_int_equal(x->live.unordered, y->live.unordered);
    assert_memory_equal(x->fig, y->fig, x->live.ncust * sizeof *x->fig);
    assert_memory_equal(x->id_off, y->id_off, (x->live.ncust + 1) * sizeof *x->id_off);
    assert_memory_equal(x->ids, y->ids, x->live.ids_len);
    assert_memory_equal(x->tx_cust, y->tx_cust, x->live.ntx * sizeof *x->tx_cust);
    assert_memory_equal(x->tx_day, y->tx_day, x->live.ntx * sizeof *x->tx_day);
    assert_memory_equal(x->tx_amount, y->tx_amount, x->live.ntx * sizeof *x->tx_amount);
    assert_int_equal(x->tx_margin != NULL, y->tx_margin != NULL);
    if (x->tx_margin)
        assert_memory_equal(x->tx_margin, y->tx_margin, x->live.ntx * sizeof *x->tx_margin);
}

/* How a test book is made: its options, and rows it holds before the call (or NULL). */
typedef struct book_setup {
    int keep_txns;
    int32_t ignore_from; /* 0: none */
    const cols *pre;
} book_setup;

/* A book made with `a` as `bs` says, then given the executor `ex` (NULL: none); NULL when out of
 * memory. */
static tier_book *make_book(const tier_allocator *a, const book_setup *bs, const tier_executor *ex)
{
    tier_book *b = NULL;
    if (tier_book_new(&b, a) != TIER_OK)
        return NULL;
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_OPT_KEEP_TRANSACTIONS, bs->keep_txns),
                     TIER_OK);
    if (bs->ignore_from)
        assert_int_equal(tier_book_set_option(b, TIER_BOOK_OPT_IGNORE_FROM_DAY, bs->ignore_from),
                         TIER_OK);
    if (bs->pre && add_cols(b, bs->pre) != TIER_OK) {
        tier_book_free(b);
        return NULL;
    }
    assert_int_equal(tier_book_set_executor(b, ex), TIER_OK);
    return b;
}

static void test_add_txns_gives_the_same_book_on_any_number_of_threads(void **state)
{
    const size_t n = tst_under_valgrind() ? 70000 : 240000;
    const long live = tst_locked_live();
    cols c, pre, shuffled;
    size_t k, t;
    (void)state;
    cols_make(&c, n, n / 6, 1, 0);
    cols_make(&pre, 5000, 3000, 2, 0);
    cols_make(&shuffled, n, n / 6, 3, 1);
    for (k = 0; k < 8; k++) {
        book_setup bs;
        const cols *rows = k & 4 ? &shuffled : &c;
        tier_book *ref;
        bs.keep_txns = (k & 1) == 0;
        bs.ignore_from = k & 2 ? 8000 + (int32_t)(n / 4) : 0;
        bs.pre = k == 3 || k == 6 ? &pre : NULL;
        ref = make_book(&tst_locked_allocator, &bs, NULL);
        assert_non_null(ref);
        assert_int_equal(add_cols(ref, rows), TIER_OK);
        for (t = 1; t <= 8; t++) {
            const int mode = t == 5   ? TST_EXEC_DEFERRED
                             : t == 7 ? TST_EXEC_REFUSING
                                      : TST_EXEC_THREADS;
            tst_exec e;
            tier_book *b;
            tst_exec_init(&e, mode, 0);
            e.ex.threads = (unsigned)t;
            b = make_book(&tst_locked_allocator, &bs, &e.ex);
            assert_non_null(b);
            assert_int_equal(add_cols(b, rows), TIER_OK);
            assert_same_books(ref, b);
            if (!ref->live.unordered)
                assert_same_insides(ref, b);
            /* The work was spread: threads were asked for. */
            assert_true(t < 2 || mode == TST_EXEC_REFUSING ? e.started == 0 : e.started >= 1);
            tier_book_free(b);
        }
        tier_book_free(ref);
    }
    cols_free(&c);
    cols_free(&pre);
    cols_free(&shuffled);
    assert_int_equal(tst_locked_live(), live);
}

/* A book with one customer ("first") and, when limit is not 0, TIER_BOOK_LIMIT_CUSTOMERS. */
static tier_book *book_with_first(size_t limit)
{
    tier_book *b = NULL;
    assert_int_equal(tier_book_new(&b, &tst_locked_allocator), TIER_OK);
    if (limit)
        assert_int_equal(tier_book_set_option(b, TIER_BOOK_LIMIT_CUSTOMERS, (int64_t)limit),
                         TIER_OK);
    assert_int_equal(tier_book_add_txn(b, "first", 5, 9000, 1.0, NAN), TIER_OK);
    return b;
}

/* A bad row is reported as on one thread, and nothing is added. */
/* Adding c on `threads` threads to a book of one customer (limit as book_with_first) fails with
 * rc and the message `want`, and leaves the book as it was; the parts were tried. */
static void expect_refused_on_threads(const cols *c, size_t limit, unsigned threads, int rc,
                                      const char *want)
{
    tst_exec e;
    tier_book *b = book_with_first(limit);
    tst_exec_init(&e, TST_EXEC_THREADS, 0);
    e.ex.threads = threads;
    assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
    assert_int_equal(add_cols(b, c), rc);
    assert_string_equal(tier_book_last_error(b), want);
    assert_int_equal(tier_book_customer_count(b), 1);
    assert_int_equal(tier_book_txn_count(b), 1);
    assert_true(e.started >= 1);
    tier_book_free(b);
}

static void test_add_txns_reports_the_first_bad_row_on_any_number_of_threads(void **state)
{
    const size_t n = 140000;
    static const size_t bad[] = {3, 70001, 139999};
    const long live = tst_locked_live();
    cols c;
    size_t k, t, limit = 0;
    (void)state;
    cols_make(&c, n, n / 6, 4, 0);
    for (k = 0; k <= TST_COUNT(bad); k++) {
        char want[TIER__ERR_SIZE], *last = NULL, was = 0;
        tier_book *ref;
        double keep = 0;
        int want_rc;
        if (k < TST_COUNT(bad)) {
            keep = c.amounts[bad[k]];
            c.amounts[bad[k]] = NAN;
            if (k) { /* and a new id that is not UTF-8 before it: that row is named */
                last = &c.ids[c.off[bad[k - 1] + 1] - 1];
                was = *last;
                *last = '\xff';
            }
        } else { /* a limit that only the whole call exceeds, not any part of it */
            ref = book_with_first(0);
            assert_int_equal(add_cols(ref, &c), TIER_OK);
            limit = tier_book_customer_count(ref) - 1;
            tier_book_free(ref);
        }
        ref = book_with_first(limit);
        want_rc = add_cols(ref, &c);
        assert_int_not_equal(want_rc, TIER_OK);
        snprintf(want, sizeof want, "%s", tier_book_last_error(ref));
        for (t = 2; t <= 8; t += 3)
            expect_refused_on_threads(&c, limit, (unsigned)t, want_rc, want);
        tier_book_free(ref);
        if (k < TST_COUNT(bad))
            c.amounts[bad[k]] = keep;
        if (last)
            *last = was;
    }
    cols_free(&c);
    assert_int_equal(tst_locked_live(), live);
}

/* tier__book_fold gives what tier_book_merge gives: on the threads, and through tier_book_merge
 * itself into an empty book or with attributes (whose values follow their customers). */
/* Two books of a's rows (none when a is NULL): *x with src merged into it (tier_book_merge), *y
 * with src folded into it on an executor of `threads` threads (*e); fails unless they are the
 * same book, inside too. */
static void merge_and_fold(const cols *a, const tier_book *src, unsigned threads, tst_exec *e,
                           tier_book **x, tier_book **y)
{
    tst_exec_init(e, TST_EXEC_THREADS, 0);
    e->ex.threads = threads;
    assert_int_equal(tier_book_new(x, &tst_locked_allocator), TIER_OK);
    assert_int_equal(tier_book_new(y, &tst_locked_allocator), TIER_OK);
    if (a) {
        assert_int_equal(add_cols(*x, a), TIER_OK);
        assert_int_equal(add_cols(*y, a), TIER_OK);
    }
    assert_int_equal(tier_book_merge(*x, src), TIER_OK);
    assert_int_equal(tier__book_fold(&e->ex, *y, src), 1);
    assert_same_books(*x, *y);
    assert_same_insides(*x, *y);
}

static void test_fold_gives_what_merge_gives(void **state)
{
    const long live = tst_locked_live();
    cols a, later;
    int k;
    (void)state;
    cols_make(&a, 40000, 8000, 11, 0);
    cols_make(&later, 40000, 8000, 12, 0);
    /* 0: folded; 1: into an empty book; 2: with an attribute; 3: folded, the later rows without
     * margins */
    for (k = 0; k < 4; k++) {
        tier_book *x = NULL, *y = NULL, *src = NULL;
        tst_exec e;
        size_t i;
        assert_int_equal(tier_book_new(&src, &tst_locked_allocator), TIER_OK);
        assert_int_equal(tier_book_add_txns(src, later.n, later.ids, later.off, later.days,
                                            later.amounts, k == 3 ? NULL : later.margins),
                         TIER_OK);
        if (k == 2)
            assert_int_equal(tier_book_set_number(src, 5, "score", 1.5), TIER_OK);
        merge_and_fold(k != 1 ? &a : NULL, src, 2, &e, &x, &y);
        for (i = 0; k == 2 && i < tier_book_customer_count(x); i++) {
            double vx = 0, vy = 0;
            assert_int_equal(tier_book_get_number(x, i, "score", &vx),
                             tier_book_get_number(y, i, "score", &vy));
            assert_memory_equal(&vx, &vy, sizeof vx);
        }
        assert_true(k == 0 || k == 3 ? e.started >= 1 : e.started == 0);
        tier_book_free(x);
        tier_book_free(y);
        tier_book_free(src);
    }
    cols_free(&a);
    cols_free(&later);
    assert_int_equal(tst_locked_live(), live);
}

/* A fold interns a few new customers (at most 1/16 of the first book's) into the first book's
 * wide table, which it keeps; more are written on the executor's threads after the others and
 * the book gets the compact table. Either way the book is the one tier_book_merge gives. */
static void test_fold_interns_few_and_appends_many(void **state)
{
    /* The first book: about 7000 customers in a table of 16384 slots; the later rows bring about
     * 320 new ones (fewer than 7000 / 16, and room for them), then about 5000. */
    const size_t later_customers[2] = {7300, 12000};
    const long live = tst_locked_live();
    cols a;
    int k;
    (void)state;
    cols_make(&a, 40000, 7000, 11, 0);
    for (k = 0; k < 2; k++) {
        tier_book *x = NULL, *y = NULL, *src = NULL;
        cols later;
        tst_exec e;
        cols_make(&later, 60000, later_customers[k], 12, 0);
        assert_int_equal(tier_book_new(&src, &tst_locked_allocator), TIER_OK);
        assert_int_equal(add_cols(src, &later), TIER_OK);
        merge_and_fold(&a, src, 3, &e, &x, &y);
        if (k == 0) {
            assert_true(y->nslots > 0);
            assert_null(y->ctag);
        } else {
            assert_int_equal(y->nslots, 0);
            assert_non_null(y->ctag);
        }
        tier_book_free(x);
        tier_book_free(y);
        tier_book_free(src);
        cols_free(&later);
    }
    cols_free(&a);
    assert_int_equal(tst_locked_live(), live);
}

/* n rows: the first half of 50 customers, the second of `fresh` others (ids in both ASCII and
 * not), so that the first part of a parallel add has a small id table and the fold brings in
 * many more customers than it has room for. */
static void cols_late_crowd(cols *c, size_t n, size_t fresh)
{
    size_t r, len = 0;
    cols_alloc(c, n, 16);
    for (r = 0; r < n; r++) {
        size_t k = r < n / 2 ? r % 50 : 50 + (r * 7919) % fresh;
        c->off[r] = len;
        len += (size_t)sprintf(c->ids + len, k % 5 == 0 ? "\xc3\xa9%zu" : "k%zu", k);
        c->days[r] = 9000 + (int32_t)(r / 64);
        c->amounts[r] = (double)(r % 1000) / 4;
        c->margins[r] = r % 3 ? NAN : 0.5;
    }
    c->off[n] = len;
}

/* When the customers the fold adds would make the first part's id table grow, the table is
 * dropped, they are appended and the book gets the compact table: the same book as one thread
 * gives, every id found, and customers added afterwards as on one thread. */
static void test_fold_appends_when_the_table_would_grow(void **state)
{
    const size_t n = tst_under_valgrind() ? 40000 : 120000, fresh = n / 5;
    const long live = tst_locked_live();
    cols c;
    unsigned t;
    tier_book *ref = NULL;
    (void)state;
    cols_late_crowd(&c, n, fresh);
    assert_int_equal(tier_book_new(&ref, &tst_locked_allocator), TIER_OK);
    assert_int_equal(add_cols(ref, &c), TIER_OK);
    assert_int_equal(tier_book_customer_count(ref), 50 + fresh);
    assert_int_equal(tier_book_add_txn(ref, "k1", 2, 9999, 5.0, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(ref, "newcomer", 8, 9999, 7.0, NAN), TIER_OK);
    for (t = 2; t <= 8; t *= 2) {
        tst_exec e;
        tier_book *b = NULL;
        size_t i;
        tst_exec_init(&e, TST_EXEC_THREADS, 0);
        e.ex.threads = t;
        assert_int_equal(tier_book_new(&b, &tst_locked_allocator), TIER_OK);
        assert_int_equal(tier_book_set_executor(b, &e.ex), TIER_OK);
        assert_int_equal(add_cols(b, &c), TIER_OK);
        assert_true(e.started >= 1);
        /* The appending way was taken: the compact table, not the wide one. */
        assert_non_null(b->ctag);
        assert_int_equal(b->nslots, 0);
        for (i = 0; i < tier_book_customer_count(b); i++) {
            size_t len = 0, at = SIZE_MAX;
            const char *id = tier_book_customer_id(b, i, &len);
            assert_int_equal(tier_book_find(b, id, len, &at), TIER_OK);
            assert_int_equal(at, i);
        }
        /* More rows: an old customer and a new one (the wide table is built again). */
        assert_int_equal(tier_book_add_txn(b, "k1", 2, 9999, 5.0, NAN), TIER_OK);
        assert_int_equal(tier_book_add_txn(b, "newcomer", 8, 9999, 7.0, NAN), TIER_OK);
        assert_same_books(ref, b);
        tier_book_free(b);
    }
    tier_book_free(ref);
    cols_free(&c);
    assert_int_equal(tst_locked_live(), live);
}

/* n rows of 997 small customers and one, "big", on every 40th row with 1e12 as its amount (or,
 * with on_margin, its margin): each half of the call sums fine, the whole overflows. */
static void cols_big(cols *c, size_t n, int on_margin)
{
    size_t r, len = 0;
    cols_alloc(c, n, 8);
    for (r = 0; r < n; r++) {
        c->off[r] = len;
        len += r % 40 ? (size_t)sprintf(c->ids + len, "c%u", (unsigned)(r % 997))
                      : (size_t)sprintf(c->ids + len, "big");
        c->days[r] = 9000 + (int32_t)(r / 100);
        c->amounts[r] = r % 40 || on_margin ? 1.0 : 1e12;
        c->margins[r] = r % 40 || !on_margin ? 0.25 : 1e12;
    }
    c->off[n] = len;
}

/* A customer's sum that only the whole call overflows (not any part) is reported as on one
 * thread: the row that overflows it, nothing added. */
static void
test_add_txns_reports_an_overflow_of_the_whole_call_on_any_number_of_threads(void **state)
{
    const long live = tst_locked_live();
    int on_margin;
    (void)state;
    for (on_margin = 0; on_margin <= 1; on_margin++) {
        char want[TIER__ERR_SIZE];
        unsigned t;
        cols c;
        tier_book *ref = book_with_first(0);
        cols_big(&c, 40000, on_margin);
        assert_int_equal(add_cols(ref, &c), TIER_ERANGE);
        snprintf(want, sizeof want, "%s", tier_book_last_error(ref));
        assert_non_null(strstr(want, "overflows"));
        for (t = 2; t <= 3; t++)
            expect_refused_on_threads(&c, 0, t, TIER_ERANGE, want);
        tier_book_free(ref);
        cols_free(&c);
    }
    assert_int_equal(tst_locked_live(), live);
}

/* Out of memory anywhere in a parallel add: TIER_ENOMEM or success, never a half-added call. */
typedef struct oom_add {
    cols c, pre;
    tier_book *ref;       /* the expected book */
    size_t pre_customers; /* customers of pre alone */
} oom_add;

static int oom_parallel_add(const tier_allocator *a, void *ud)
{
    oom_add *o = ud;
    book_setup bs = {1, 0, NULL};
    tst_exec e;
    tier_book *b;
    int rc;
    bs.pre = &o->pre;
    tst_exec_init(&e, TST_EXEC_DEFERRED, 0);
    e.ex.threads = 3;
    if (!(b = make_book(a, &bs, &e.ex)))
        return TIER_ENOMEM;
    rc = add_cols(b, &o->c);
    if (rc == TIER_OK) {
        assert_same_insides(o->ref, b);
    } else {
        tst_expect_oom(rc, tier_book_last_error(b));
        assert_int_equal(tier_book_customer_count(b), o->pre_customers);
        assert_int_equal(tier_book_txn_count(b), o->pre.n);
    }
    tier_book_free(b);
    return rc;
}

/* Walks every failed allocation of a parallel add of o->c (filled by the caller, freed here) to
 * a book holding 300 rows already. */
static void walk_parallel_add(oom_add *o)
{
    book_setup bs = {1, 0, NULL};
    cols_make(&o->pre, 300, 200, 6, 0);
    bs.pre = &o->pre;
    o->ref = make_book(TST_ALLOC, &bs, NULL);
    assert_non_null(o->ref);
    o->pre_customers = tier_book_customer_count(o->ref);
    assert_int_equal(add_cols(o->ref, &o->c), TIER_OK);
    assert_true(tst_oom_walk(oom_parallel_add, o) > 20);
    tier_book_free(o->ref);
    cols_free(&o->c);
    cols_free(&o->pre);
}

static void test_parallel_add_survives_every_failed_allocation(void **state)
{
    oom_add o;
    (void)state;
    cols_make(&o.c, 50000, 20000, 5, 0);
    walk_parallel_add(&o);
}

/* Out of memory anywhere on the fold's appending way: TIER_ENOMEM with nothing added, or the
 * whole book. */
static void test_fold_appending_survives_every_failed_allocation(void **state)
{
    oom_add o;
    (void)state;
    cols_late_crowd(&o.c, 40000, 8000);
    walk_parallel_add(&o);
}

/* ---- the pipeline's read in parts ---------------------------------------------------------- */

/* The output of a run of the B2B example with `threads` parts (0: no executor); *started gets
 * the tasks the executor was asked to start. The pipeline allocates with malloc here (its parts
 * run on threads). */
static void run_b2b(unsigned threads, tst_sink *out, unsigned *started)
{
    tier_pipeline *p = NULL;
    tst_exec e;
    char n[8];
    tst_exec_init(&e, TST_EXEC_THREADS, 0);
    assert_int_equal(tier_pipeline_new(&p, NULL), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "input", tst_data_path("b2b_invoices.csv")), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "split_min_bytes", "1"), TIER_OK);
    snprintf(n, sizeof n, "%u", threads);
    assert_int_equal(tier_pipeline_set(p, "threads", n), TIER_OK);
    if (threads)
        assert_int_equal(tier_pipeline_set_executor(p, &e.ex), TIER_OK);
    assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, out), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    tier_pipeline_free(p);
    *started = e.started;
    assert_int_equal(e.started, e.waited);
}

static void test_pipeline_reads_in_as_many_parts_as_threads(void **state)
{
    tst_sink one, many;
    unsigned t, started = 0;
    (void)state;
    memset(&one, 0, sizeof one);
    run_b2b(0, &one, &started);
    assert_int_equal(started, 0);
    for (t = 1; t <= 8; t++) {
        memset(&many, 0, sizeof many);
        run_b2b(t, &many, &started);
        assert_int_equal(started, t - 1); /* part 0 is read on the calling thread */
        assert_int_equal(many.len, one.len);
        assert_memory_equal(many.data, one.data, one.len);
        tst_sink_reset(&many);
    }
    tst_sink_reset(&one);
}

TST_MAIN(
    cmocka_unit_test(test_book_set_executor_checks_the_table),
    cmocka_unit_test(test_par_run_runs_every_task_once),
    cmocka_unit_test(test_fold_gives_what_merge_gives),
    cmocka_unit_test(test_fold_appends_when_the_table_would_grow),
    cmocka_unit_test(test_fold_interns_few_and_appends_many),
    cmocka_unit_test(test_fold_appending_survives_every_failed_allocation),
    cmocka_unit_test(test_add_txns_gives_the_same_book_on_any_number_of_threads),
    cmocka_unit_test(test_add_txns_reports_the_first_bad_row_on_any_number_of_threads),
    cmocka_unit_test(test_add_txns_reports_an_overflow_of_the_whole_call_on_any_number_of_threads),
    cmocka_unit_test(test_parallel_add_survives_every_failed_allocation),
    cmocka_unit_test(test_pipeline_reads_in_as_many_parts_as_threads))
