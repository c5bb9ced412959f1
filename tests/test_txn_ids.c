/* SPDX-License-Identifier: MIT */
/* tier_book_add_txns_ids: every id layout gives the book tier_book_add_txns gives for the ids'
 * text, on one thread and in parts on an executor; bad layouts, widths, separators and UTF-32
 * code units are refused naming the row, with the book unchanged; out of memory anywhere leaves
 * it unchanged too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* Enough rows for the conversion to be split on an executor (2 x 2^15 and more). */
#define BIG 70001

/* The rows of one test: ids in every layout, and as Arrow-style text (the reference). */
typedef struct rows {
    size_t n;
    int64_t *i64;
    uint64_t *u64;
    char *fixed;     /* FIXED_W bytes per id */
    uint32_t *utf32; /* UTF32_UNITS units per id */
    char *joined;    /* the texts with NUL between them */
    size_t joined_len;
    char *text; /* the texts of the integer ids, Arrow-style */
    size_t *text_off;
    char *utext; /* the texts of the UTF-32 ids (and of the fixed ones: the same) */
    size_t *utext_off;
    int32_t *days;
    double *amounts;
} rows;

#define FIXED_W 8
#define UTF32_UNITS 4

static void *must(void *p)
{
    assert_non_null(p);
    return p;
}

/* Row i's integer: repeats (customers come back), negatives and the extremes. */
static int64_t int_id(size_t i)
{
    if (i % 1009 == 5)
        return INT64_MIN;
    if (i % 1013 == 7)
        return INT64_MAX;
    return (int64_t)(i * 7919 % 4001) - 2000;
}

/* Row i's UTF-32 id ("x", "é", "中", "😀" and up to two digits; NUL-padded) and its UTF-8. */
static size_t utf32_id(size_t i, uint32_t *u, char *utf8)
{
    static const uint32_t first[] = {0x78, 0xE9, 0x4E2D, 0x1F600};
    static const char *const first8[] = {"x", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80"};
    size_t k = i % 97, m = 1, len;
    memset(u, 0, UTF32_UNITS * sizeof *u);
    u[0] = first[k % 4];
    len = (size_t)sprintf(utf8, "%s", first8[k % 4]);
    if (k >= 10) {
        u[m++] = '0' + (uint32_t)(k / 10);
        utf8[len++] = (char)('0' + k / 10);
    }
    u[m] = '0' + (uint32_t)(k % 10);
    utf8[len++] = (char)('0' + k % 10);
    return len;
}

static void rows_make(rows *r, size_t n)
{
    size_t i, at = 0, uat = 0;
    r->n = n;
    r->i64 = must(malloc(n * sizeof *r->i64));
    r->u64 = must(malloc(n * sizeof *r->u64));
    r->fixed = must(calloc(n, FIXED_W));
    r->utf32 = must(malloc(n * UTF32_UNITS * sizeof *r->utf32));
    r->text = must(malloc(n * 21));
    r->text_off = must(malloc((n + 1) * sizeof *r->text_off));
    r->utext = must(malloc(n * 16));
    r->utext_off = must(malloc((n + 1) * sizeof *r->utext_off));
    r->joined = must(malloc(n * 17));
    r->days = must(malloc(n * sizeof *r->days));
    r->amounts = must(malloc(n * sizeof *r->amounts));
    r->text_off[0] = r->utext_off[0] = 0;
    r->joined_len = 0;
    for (i = 0; i < n; i++) {
        r->i64[i] = int_id(i);
        r->u64[i] = i % 3 ? (uint64_t)(i % 5000) : UINT64_MAX - i % 7;
        at += (size_t)sprintf(r->text + at, "%lld", (long long)r->i64[i]);
        r->text_off[i + 1] = at;
        uat += utf32_id(i, r->utf32 + i * UTF32_UNITS, r->utext + uat);
        r->utext_off[i + 1] = uat;
        memcpy(r->fixed + i * FIXED_W, r->utext + r->utext_off[i], uat - r->utext_off[i]);
        if (i)
            r->joined[r->joined_len++] = '\0';
        memcpy(r->joined + r->joined_len, r->utext + r->utext_off[i], uat - r->utext_off[i]);
        r->joined_len += uat - r->utext_off[i];
        r->days[i] = tst_day(2020, 1, 1) + (int32_t)(i / 50);
        r->amounts[i] = (double)(i % 300) - 20;
    }
}

static void rows_free(rows *r)
{
    void *own[] = {r->i64,      r->u64,   r->fixed,     r->utf32, r->joined, r->text,
                   r->text_off, r->utext, r->utext_off, r->days,  r->amounts};
    size_t k;
    for (k = 0; k < TST_COUNT(own); k++)
        free(own[k]);
}

/* A layout's ids of r and the text they stand for. */
typedef struct layout_case {
    int layout;
    const void *ids;
    size_t width;
    const char *text;
    const size_t *off;
} layout_case;

static size_t layout_cases(const rows *r, layout_case *out)
{
    layout_case c[] = {{TIER_IDS_INT64, r->i64, 0, r->text, r->text_off},
                       {TIER_IDS_FIXED, r->fixed, FIXED_W, r->utext, r->utext_off},
                       {TIER_IDS_UTF32, r->utf32, UTF32_UNITS * 4, r->utext, r->utext_off},
                       {TIER_IDS_NUL_SEPARATED, r->joined, r->joined_len, r->utext, r->utext_off}};
    memcpy(out, c, sizeof c);
    return TST_COUNT(c);
}

static tier_book *book_with(const tier_allocator *a, const tier_executor *ex)
{
    tier_book *b = NULL;
    if (tier_book_new(&b, a) != TIER_OK)
        return NULL;
    assert_int_equal(tier_book_set_executor(b, ex), TIER_OK);
    if (tier_book_add_txn(b, "x1", 2, tst_day(2019, 1, 1), 5, 0) != TIER_OK) {
        tier_book_free(b);
        return NULL;
    }
    return b;
}

/* Fails unless the books hold the same customers in the same order and the same rows. */
static void expect_same_customers(const tier_book *x, const tier_book *y)
{
    size_t i, n = tier_book_customer_count(x);
    assert_int_equal(n, tier_book_customer_count(y));
    assert_int_equal(tier_book_txn_count(x), tier_book_txn_count(y));
    for (i = 0; i < n; i++) {
        size_t lx = 0, ly = 0;
        const char *ix = tier_book_customer_id(x, i, &lx), *iy = tier_book_customer_id(y, i, &ly);
        assert_int_equal(lx, ly);
        assert_memory_equal(ix, iy, lx);
    }
    for (i = 0; i < tier_book_txn_count(x); i++) {
        size_t cx = 0, cy = 0;
        assert_int_equal(tier_book_txn(x, i, &cx, NULL, NULL, NULL), TIER_OK);
        assert_int_equal(tier_book_txn(y, i, &cy, NULL, NULL, NULL), TIER_OK);
        assert_int_equal(cx, cy);
    }
}

static void expect_layouts_give_the_text_book(const rows *r, const tier_allocator *a,
                                              const tier_executor *ex)
{
    layout_case c[8];
    size_t k, nc = layout_cases(r, c);
    for (k = 0; k < nc; k++) {
        tier_book *ref = book_with(a, NULL), *b = book_with(a, ex);
        assert_non_null(ref);
        assert_non_null(b);
        assert_int_equal(
            tier_book_add_txns(ref, r->n, c[k].text, c[k].off, r->days, r->amounts, NULL), TIER_OK);
        assert_int_equal(tier_book_add_txns_ids(b, r->n, c[k].layout, c[k].ids, c[k].width, r->days,
                                                r->amounts, NULL),
                         TIER_OK);
        expect_same_customers(ref, b);
        tier_book_free(ref);
        tier_book_free(b);
    }
}

static void test_every_layout_gives_the_book_of_its_text(void **state)
{
    rows r;
    size_t sizes[] = {1, 2, 1000, BIG}, k;
    (void)state;
    for (k = 0; k < TST_COUNT(sizes); k++) {
        tst_exec e;
        rows_make(&r, sizes[k]);
        expect_layouts_give_the_text_book(&r, TST_ALLOC, NULL);
        tst_exec_init(&e, TST_EXEC_DEFERRED, 0);
        e.ex.threads = 3;
        expect_layouts_give_the_text_book(&r, TST_ALLOC, &e.ex);
        if (sizes[k] == BIG) {
            assert_true(e.started > 0);
            tst_exec_init(&e, TST_EXEC_THREADS, 0);
            expect_layouts_give_the_text_book(&r, &tst_locked_allocator, &e.ex);
        }
        rows_free(&r);
    }
}

static void test_unsigned_ids_are_their_digits(void **state)
{
    uint64_t ids[] = {UINT64_MAX, 0, 10, UINT64_MAX};
    int32_t days[4];
    double amounts[] = {1, 2, 3, 4};
    const char *want[] = {"18446744073709551615", "0", "10"};
    tier_book *b = NULL;
    size_t k, len = 0;
    (void)state;
    for (k = 0; k < 4; k++)
        days[k] = tst_day(2021, 3, 1);
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_txns_ids(b, 4, TIER_IDS_UINT64, ids, 0, days, amounts, NULL),
                     TIER_OK);
    assert_int_equal(tier_book_customer_count(b), 3);
    for (k = 0; k < 3; k++) {
        const char *id = tier_book_customer_id(b, k, &len);
        assert_int_equal(len, strlen(want[k]));
        assert_memory_equal(id, want[k], len);
    }
    tier_book_free(b);
}

/* Expects the call to fail with rc and a message holding `says`, the book as it was. */
static void expect_refused(tier_book *b, size_t n, int layout, const void *ids, size_t width,
                           const rows *r, int rc, const char *says)
{
    size_t customers = tier_book_customer_count(b), txns = tier_book_txn_count(b);
    assert_int_equal(tier_book_add_txns_ids(b, n, layout, ids, width, r->days, r->amounts, NULL),
                     rc);
    tst_expect_text(tier_book_last_error(b), says);
    assert_int_equal(tier_book_customer_count(b), customers);
    assert_int_equal(tier_book_txn_count(b), txns);
}

static void test_bad_layouts_and_ids_are_refused_naming_the_row(void **state)
{
    rows r;
    tst_exec e;
    tier_book *b;
    uint32_t *u;
    (void)state;
    rows_make(&r, BIG);
    tst_exec_init(&e, TST_EXEC_DEFERRED, 0);
    e.ex.threads = 4;
    b = book_with(TST_ALLOC, &e.ex);
    assert_non_null(b);
    expect_refused(b, 3, 99, r.i64, 0, &r, TIER_EINVAL, "unknown id layout 99");
    expect_refused(b, 3, TIER_IDS_FIXED, r.fixed, 0, &r, TIER_EINVAL, "width of 0 bytes");
    expect_refused(b, 3, TIER_IDS_UTF32, r.utf32, 6, &r, TIER_EINVAL, "width of 6 bytes");
    expect_refused(b, 3, TIER_IDS_NUL_SEPARATED, r.joined, 3, &r, TIER_EINVAL,
                   "2 NUL-separated ids for 3 rows");
    expect_refused(b, 3, TIER_IDS_INT64, NULL, 0, &r, TIER_EINVAL, "NULL column");
    assert_int_equal(tier_book_add_txns_ids(b, 3, TIER_IDS_INT64, r.i64, 0, NULL, r.amounts, NULL),
                     TIER_EINVAL);
    assert_int_equal(
        tier_book_add_txns_ids(NULL, 3, TIER_IDS_INT64, r.i64, 0, r.days, r.amounts, NULL),
        TIER_EINVAL);
    assert_int_equal(tier_book_add_txns_ids(b, 0, 99, NULL, 0, NULL, NULL, NULL), TIER_OK);
    /* A code unit that is not a character, in a later part: the first such row is named. */
    u = r.utf32 + (BIG - 10) * UTF32_UNITS;
    u[1] = 0xD800;
    r.utf32[(BIG - 3) * UTF32_UNITS] = 0x110000;
    expect_refused(b, BIG, TIER_IDS_UTF32, r.utf32, UTF32_UNITS * 4, &r, TIER_EINVAL,
                   "row 69991: customer id holds the code unit 0xD800, which is not a Unicode "
                   "scalar value");
    u[1] = 0;
    expect_refused(b, BIG, TIER_IDS_UTF32, r.utf32, UTF32_UNITS * 4, &r, TIER_EINVAL,
                   "row 69998: customer id holds the code unit 0x110000");
    /* Ids the book refuses: named as tier_book_add_txns names them. */
    r.joined[1] = '\0'; /* "x0" -> "x" and "": one id too many */
    expect_refused(b, BIG, TIER_IDS_NUL_SEPARATED, r.joined, r.joined_len, &r, TIER_EINVAL,
                   "NUL-separated ids for 70001 rows");
    r.fixed[5 * FIXED_W + 1] = '\0'; /* an inner NUL */
    expect_refused(b, BIG, TIER_IDS_FIXED, r.fixed, FIXED_W, &r, TIER_EINVAL, "row 5:");
    assert_int_equal(tier_book_set_option(b, TIER_BOOK_LIMIT_ROWS_PER_CALL, 10), TIER_OK);
    expect_refused(b, 11, TIER_IDS_INT64, r.i64, 0, &r, TIER_ERANGE,
                   "11 rows in one call exceed the limit of 10");
    tier_book_free(b);
    rows_free(&r);
}

/* Empty ids: none joined (one empty id), or padding alone, are the book's "empty" error. */
static void test_empty_ids_are_the_books_error(void **state)
{
    rows r;
    tier_book *b;
    char zeros[FIXED_W * 2] = {0};
    (void)state;
    rows_make(&r, 2);
    b = book_with(TST_ALLOC, NULL);
    assert_non_null(b);
    expect_refused(b, 1, TIER_IDS_NUL_SEPARATED, "", 0, &r, TIER_EINVAL, "row 0: empty");
    expect_refused(b, 2, TIER_IDS_FIXED, zeros, FIXED_W, &r, TIER_EINVAL, "row 0: empty");
    tier_book_free(b);
    rows_free(&r);
}

/* Out of memory anywhere: TIER_ENOMEM with the book as it was, or the whole call. */
static int oom_add_ids(const tier_allocator *a, void *ud)
{
    const rows *r = ud;
    layout_case c[8];
    size_t k, nc = layout_cases(r, c);
    tst_exec e;
    int rc = TIER_OK;
    tier_book *b;
    tst_exec_init(&e, TST_EXEC_DEFERRED, 0);
    e.ex.threads = 2;
    if (!(b = book_with(a, &e.ex)))
        return TIER_ENOMEM;
    for (k = 0; k < nc && rc == TIER_OK; k++) {
        size_t before = tier_book_txn_count(b);
        rc = tier_book_add_txns_ids(b, r->n, c[k].layout, c[k].ids, c[k].width, r->days, r->amounts,
                                    NULL);
        if (rc != TIER_OK) {
            tst_expect_oom(rc, tier_book_last_error(b));
            assert_int_equal(tier_book_txn_count(b), before);
        }
    }
    tier_book_free(b);
    return rc;
}

static void test_add_ids_survives_every_failed_allocation(void **state)
{
    rows r;
    (void)state;
    rows_make(&r, 1000);
    assert_true(tst_oom_walk(oom_add_ids, &r) > 8);
    rows_free(&r);
}

TST_MAIN(cmocka_unit_test(test_every_layout_gives_the_book_of_its_text),
         cmocka_unit_test(test_unsigned_ids_are_their_digits),
         cmocka_unit_test(test_bad_layouts_and_ids_are_refused_naming_the_row),
         cmocka_unit_test(test_empty_ids_are_the_books_error),
         cmocka_unit_test(test_add_ids_survives_every_failed_allocation))
