/* SPDX-License-Identifier: MIT */
/* Regressions from the hostile run (issue 12): sizes that overflow, NULL with a length, and the
 * library calls behind the defects that the command-line and Python tests check end to end. Each
 * test failed before its fix. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "support.h"

#include "tier/book.h"
#include "tier/clv.h"
#include "tier/frame.h"
#include "tier/model.h"
#include "tier/pipeline.h"
#include "util/internal.h"

/* ---- 5: size multiplications ----------------------------------------------------------------- */

/* An allocator that refuses blocks over 1 GiB and remembers the largest request, so that a test
 * sees that no wrapped (small) size was asked for. */
typedef struct big_alloc {
    size_t largest;
    long refused;
} big_alloc;

static void *big_malloc(void *ud, size_t size)
{
    big_alloc *b = ud;
    if (size > b->largest)
        b->largest = size;
    if (size > ((size_t)1 << 30)) {
        b->refused++;
        return NULL;
    }
    return test_malloc(size);
}

static void *big_realloc(void *ud, void *p, size_t size)
{
    big_alloc *b = ud;
    if (size > b->largest)
        b->largest = size;
    if (size > ((size_t)1 << 30)) {
        b->refused++;
        return NULL;
    }
    return test_realloc(p, size);
}

static void big_free(void *ud, void *p)
{
    (void)ud;
    test_free(p);
}

static tier_allocator big_allocator(big_alloc *b)
{
    tier_allocator a;
    memset(b, 0, sizeof *b);
    a.alloc = big_malloc;
    a.realloc = big_realloc;
    a.free = big_free;
    a.ud = b;
    return a;
}

static void test_size_mul_refuses_what_does_not_fit(void **s)
{
    size_t out = 0;
    (void)s;
    assert_int_equal(tier__size_mul(3, 5, &out), 0);
    assert_int_equal(out, 15);
    assert_int_equal(tier__size_mul(0, SIZE_MAX, &out), 0);
    assert_int_equal(out, 0);
    assert_int_equal(tier__size_mul(SIZE_MAX, 1, &out), 0);
    assert_int_equal(tier__size_mul(SIZE_MAX / 8 + 1, 8, &out), 1);
    assert_true(out == SIZE_MAX);
    assert_int_equal(
        tier__size_mul((size_t)1 << (sizeof(size_t) * 4), (size_t)1 << (sizeof(size_t) * 4), &out),
        1);
    assert_null(tier__malloc_n(TST_ALLOC, SIZE_MAX / 4, 8));
    assert_null(tier__realloc_n(TST_ALLOC, NULL, SIZE_MAX / 2 + 1, 2));
    assert_null(tier__calloc(TST_ALLOC, SIZE_MAX / 2 + 1, 2));
}

/* A frame of more rows than a column of numbers can address is refused when it is created; one
 * that can be addressed but not allocated fails with TIER_ENOMEM when a column is added, and no
 * allocation smaller than the column is ever asked for (before the fix, rows * 8 wrapped around
 * and the add returned TIER_OK with an 8-byte column). */
static void test_frame_of_huge_row_count(void **s)
{
    big_alloc b;
    tier_allocator a = big_allocator(&b);
    const char *labels[] = {"x"};
    tier_frame *f = (tier_frame *)&b;
    double *num = NULL;
    int32_t *codes = NULL;
    (void)s;
    assert_int_equal(tier_frame_new(&f, SIZE_MAX / 4 + 1, &a), TIER_ERANGE);
    assert_null(f);
    assert_int_equal(tier_frame_new(&f, SIZE_MAX, &a), TIER_ERANGE);
    assert_int_equal(tier_frame_new(&f, SIZE_MAX / 8, &a), TIER_OK);
    assert_int_equal(tier_frame_rows(f), SIZE_MAX / 8);
    assert_int_equal(tier_frame_add_numbers(f, "n", &num), TIER_ENOMEM);
    assert_null(num);
    assert_int_equal(tier_frame_add_labels(f, "l", labels, 1, &codes), TIER_ENOMEM);
    assert_null(codes);
    assert_int_equal(tier_frame_column_count(f), 0);
    assert_true(b.refused >= 2);
    assert_true(b.largest >= (SIZE_MAX / 8) * sizeof(int32_t));
    tier_frame_free(f);
}

/* ---- 6: NULL with a length ------------------------------------------------------------------- */

static void test_null_id_with_a_length_is_einval(void **s)
{
    tier_book *book = NULL;
    size_t index = 7;
    (void)s;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_txn(book, NULL, 5, 19000, 1.0, NAN), TIER_EINVAL);
    assert_string_equal(tier_book_last_error(book), "the customer id is NULL but its length is 5");
    assert_int_equal(tier_book_add_customer(book, NULL, 3, &index), TIER_EINVAL);
    assert_string_equal(tier_book_last_error(book), "the customer id is NULL but its length is 3");
    assert_int_equal(index, 7);
    assert_int_equal(tier_book_add_customer(book, NULL, 0, &index), TIER_EINVAL);
    assert_int_equal(tier_book_add_txn(book, NULL, 0, 19000, 1.0, NAN), TIER_EINVAL);
    /* The same once the id table exists (a lookup used to hash the NULL id first). */
    assert_int_equal(tier_book_add_txn(book, "a", 1, 19000, 1.0, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(book, NULL, 1, 19000, 1.0, NAN), TIER_EINVAL);
    assert_int_equal(tier_book_add_customer(book, NULL, SIZE_MAX, &index), TIER_EINVAL);
    assert_int_equal(tier_book_customer_count(book), 1);
    assert_int_equal(tier_book_txn_count(book), 1);
    assert_int_equal(tier_book_find(book, NULL, 1, &index), TIER_ENOTFOUND);
    tier_book_free(book);
}

static void test_model_load_of_null_text(void **s)
{
    tier_model *m = NULL;
    (void)s;
    assert_int_equal(tier_clv_new(&m, "clv", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(m, NULL, 0), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(m), "not a libtier model state"));
    assert_int_equal(tier_model_load(m, NULL, 10), TIER_EINVAL);
    assert_int_equal(tier_model_load(m, "", 0), TIER_ECORRUPT);
    tier_model_free(m);
}

/* ---- 10: blank lines before the header ------------------------------------------------------- */

/* The reader skips blank lines before the header; the sniffer looks past them too (before the
 * fix an empty first line gave the whitespace delimiter and no customer_id). */
static void test_sniff_skips_blank_lines_before_the_header(void **s)
{
    static const char *const heads[] = {
        "\ncustomer_id,date,amount\nA,2024-01-01,5\n",
        "\r\n  \t\r\n\ncustomer_id,date,amount\r\n",
        "\xEF\xBB\xBF\n \ncustomer_id,date,amount",
    };
    size_t k;
    (void)s;
    for (k = 0; k < TST_COUNT(heads); k++) {
        int delim = 0;
        const char *col = NULL;
        assert_int_equal(tier_pipeline_sniff(heads[k], strlen(heads[k]), TIER_PIPELINE_ROLE_ID,
                                             &delim, &col, TST_ALLOC),
                         TIER_OK);
        assert_int_equal(delim, ',');
        assert_string_equal(col, "customer_id");
        delim = 0;
        assert_int_equal(tier_pipeline_sniff(heads[k], strlen(heads[k]), TIER_PIPELINE_ROLE_AMOUNT,
                                             &delim, &col, TST_ALLOC),
                         TIER_OK);
        assert_string_equal(col, "amount");
    }
}

TST_MAIN(cmocka_unit_test(test_size_mul_refuses_what_does_not_fit),
         cmocka_unit_test(test_frame_of_huge_row_count),
         cmocka_unit_test(test_null_id_with_a_length_is_einval),
         cmocka_unit_test(test_model_load_of_null_text),
         cmocka_unit_test(test_sniff_skips_blank_lines_before_the_header))
