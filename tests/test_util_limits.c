/* SPDX-License-Identifier: MIT */
/* The library's own helpers at their limits (util/internal.h): growing an array past what
 * size_t can count, a copy of SIZE_MAX bytes, 64-bit sums that would overflow either way,
 * UTF-8 that is overlong, a surrogate or past U+10FFFF, names of every flag at and past their
 * length, and quoted texts cut at the limit without splitting a character, or shortened to the
 * room they are given. */
#include <stdint.h>
#include <string.h>

#include "support.h"

#include "util/internal.h"

static void test_sizes_and_sums_that_would_overflow(void **state)
{
    tier_allocator a = tst_internal_allocator(TST_ALLOC);
    void *p = NULL;
    size_t cap = 0, out = 0;
    int64_t s = 5;
    (void)state;
    assert_int_equal(tier__grow(&a, &p, &cap, SIZE_MAX, 1), TIER_ERANGE);
    assert_int_equal(tier__grow(&a, &p, &cap, SIZE_MAX / 4, 8), TIER_ERANGE);
    assert_null(p);
    assert_int_equal(cap, 0);
    assert_int_equal(tier__grow(&a, &p, &cap, 20, 8), TIER_OK);
    assert_int_equal(cap, 32);
    assert_int_equal(tier__grow(&a, &p, &cap, 20, 8), TIER_OK); /* room already */
    tier__free(&a, p);
    assert_null(tier__strndup(&a, "x", SIZE_MAX));
    assert_int_equal(tier__size_mul(SIZE_MAX / 2 + 1, 2, &out), 1);
    assert_true(out == SIZE_MAX);
    assert_int_equal(tier__add_i64(INT64_MAX, 1, &s), TIER_ERANGE);
    assert_int_equal(tier__add_i64(INT64_MIN, -1, &s), TIER_ERANGE);
    assert_true(s == 5);
    assert_int_equal(tier__add_i64(INT64_MIN, 1, &s), TIER_OK);
    assert_true(s == INT64_MIN + 1);
}

static void test_utf8_that_is_not_a_character(void **state)
{
    static const struct {
        const char *s;
        int valid;
    } cases[] = {
        {"\xc0\xaf", 0},         /* overlong '/' in two bytes */
        {"\xe0\x80\xaf", 0},     /* in three */
        {"\xf0\x80\x80\xaf", 0}, /* in four */
        {"\xed\xa0\x80", 0},     /* U+D800, a surrogate */
        {"\xed\xbf\xbf", 0},     /* U+DFFF */
        {"\xf4\x90\x80\x80", 0}, /* U+110000 */
        {"\xdf\xbf", 1},         /* U+07FF */
        {"\xef\xbf\xbf", 1},     /* U+FFFF */
        {"\xf4\x8f\xbf\xbf", 1}, /* U+10FFFF */
        {"\xee\x80\x80", 1},     /* U+E000 */
    };
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(cases); i++)
        if (tier__utf8_valid(cases[i].s, strlen(cases[i].s)) != cases[i].valid)
            fail_msg("case %lu: want %d", (unsigned long)i, cases[i].valid);
}

static void test_names_by_flag_and_length(void **state)
{
    (void)state;
    assert_int_equal(tier__name_valid(NULL, 8, 0), 0);
    assert_int_equal(tier__name_valid("", 8, 0), 0);
    assert_int_equal(tier__name_valid("abc_9", 5, 0), 1);
    assert_int_equal(tier__name_valid("abc_9x", 5, 0), 0); /* one byte past the limit */
    assert_int_equal(tier__name_valid("abc_9x", 0, 0), 1); /* no limit */
    assert_int_equal(tier__name_valid("Abc", 0, 0), 0);
    assert_int_equal(tier__name_valid("Abc", 0, TIER__NAME_UPPER), 1);
    assert_int_equal(tier__name_valid("9abc", 0, TIER__NAME_LETTER_FIRST), 0);
    assert_int_equal(tier__name_valid("_abc", 0, TIER__NAME_LETTER_FIRST), 0);
    assert_int_equal(tier__name_valid("Zabc", 0, TIER__NAME_LETTER_FIRST | TIER__NAME_UPPER), 1);
    assert_int_equal(tier__name_valid("a.b-c", 0, 0), 0);
    assert_int_equal(tier__name_valid("a.b-c", 0, TIER__NAME_DOT_DASH), 1);
    assert_int_equal(tier__name_valid("a/b", 0, TIER__NAME_DOT_DASH), 0);
}

static void test_quoted_texts_are_cut_whole(void **state)
{
    char src[TIER__QUOTE_MAX + 8], dst[TIER__QUOTE_MAX * 4 + 16], small[12];
    const char *q;
    size_t n;
    (void)state;
    /* a two-byte character across the limit is left out whole, not cut in half */
    memset(src, 'a', sizeof src);
    src[TIER__QUOTE_MAX - 1] = (char)0xc3;
    src[TIER__QUOTE_MAX] = (char)0xa9;
    q = tier__quote_text(dst, sizeof dst, src, TIER__QUOTE_MAX + 4);
    n = strlen(q);
    assert_true(n >= TIER__QUOTE_MAX);
    assert_null(strstr(q, "\\x"));        /* valid UTF-8 up to the cut: kept raw */
    assert_null(strchr(q, (char)0xc3));   /* the character is left out whole */
    assert_non_null(strstr(q, "a\"...")); /* and the cut is marked */
    /* control bytes are escaped; a small buffer holds what fits, closed */
    q = tier__quote_text(small, sizeof small, "a\tb\"c\\defghijkl", 16);
    assert_true(strlen(q) < sizeof small);
    assert_memory_equal(q, "\"a\\x09", 6);
}

TST_MAIN(cmocka_unit_test(test_sizes_and_sums_that_would_overflow),
         cmocka_unit_test(test_utf8_that_is_not_a_character),
         cmocka_unit_test(test_names_by_flag_and_length),
         cmocka_unit_test(test_quoted_texts_are_cut_whole))
