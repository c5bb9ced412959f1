/* SPDX-License-Identifier: MIT */
/* The single helpers of src/util/: the generator (bit-identical to the needs model's original),
 * the text buffer (latched failures, out of memory), the number formatter and parser (shortest
 * round trip, strict grammar, exact rounding of long inputs, independence from LC_NUMERIC) and
 * the errno text table. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "util/buf.h"
#include "util/crc32c.h"
#include "util/errtext.h"
#include "util/numtext.h"
#include "util/rng.h"

/* ---- generator --------------------------------------------------------------------------------
 */

/* Values printed by the generator as src/models/needs/needs.c implemented it before it moved
 * here (seed 20240601, the model's default, purpose 1, a = 3, b = 2). */
static void test_rng_gives_the_same_numbers_as_the_needs_model_did(void **s)
{
    tier__rng r;
    size_t rows[5];
    (void)s;
    tier__rng_init(&r, (uint64_t)20240601.0, 1, 3, 2);
    assert_true(tier__rng_next(&r) == UINT64_C(0x045f0d40d31b8013));
    assert_true(tier__rng_next(&r) == UINT64_C(0x0ce4441725070bae));
    assert_true(tier__rng_next(&r) == UINT64_C(0x12910dbf2dd12ca3));
    assert_true(tier__rng_next(&r) == UINT64_C(0xab443fff90f8c73f));
    assert_true(tier__rng_unit(&r) == 0.82369992574943451);
    assert_true(tier__rng_below(&r, 1000) == 24);
    tier__rng_init(&r, 7, 2, 0, 0);
    tier__rng_choose(&r, 20, 5, rows);
    assert_int_equal(rows[0], 3);
    assert_int_equal(rows[1], 7);
    assert_int_equal(rows[2], 8);
    assert_int_equal(rows[3], 13);
    assert_int_equal(rows[4], 14);
    tier__rng_init(&r, 0, 0, 0, 0);
    assert_true(tier__rng_next(&r) == UINT64_C(0x8c4986f3f0e565d5));
}

static void test_rng_streams_differ_by_purpose_and_index(void **s)
{
    tier__rng a, b, c, d;
    (void)s;
    tier__rng_init(&a, 1, 1, 0, 0);
    tier__rng_init(&b, 1, 2, 0, 0);
    tier__rng_init(&c, 1, 1, 1, 0);
    tier__rng_init(&d, 1, 1, 0, 1);
    assert_true(tier__rng_next(&a) != tier__rng_next(&b));
    tier__rng_init(&a, 1, 1, 0, 0);
    assert_true(tier__rng_next(&a) != tier__rng_next(&c));
    tier__rng_init(&a, 1, 1, 0, 0);
    assert_true(tier__rng_next(&a) != tier__rng_next(&d));
    /* The same four values give the same stream. */
    tier__rng_init(&a, 9, 4, 5, 6);
    tier__rng_init(&b, 9, 4, 5, 6);
    assert_true(tier__rng_next(&a) == tier__rng_next(&b));
}

static void test_rng_draws_stay_in_range_and_choose_is_sorted_and_distinct(void **s)
{
    tier__rng r;
    size_t rows[50], i, k;
    (void)s;
    tier__rng_init(&r, 42, 1, 0, 0);
    for (i = 0; i < 10000; i++) {
        double u = tier__rng_unit(&r);
        assert_true(u >= 0.0 && u < 1.0);
        assert_true(tier__rng_below(&r, 7) < 7);
    }
    assert_true(tier__rng_below(&r, 1) == 0);
    for (k = 0; k <= 50; k++) {
        tier__rng_choose(&r, 50, k, rows);
        for (i = 1; i < k; i++)
            assert_true(rows[i - 1] < rows[i]);
        if (k)
            assert_true(rows[k - 1] < 50);
    }
    /* m = n takes every row. */
    tier__rng_choose(&r, 50, 50, rows);
    for (i = 0; i < 50; i++)
        assert_int_equal(rows[i], i);
}

/* ---- text buffer ------------------------------------------------------------------------------
 */

static void test_buf_appends_bytes_strings_chars_and_printf(void **s)
{
    tier__buf b;
    char big[600];
    (void)s;
    tier__buf_init(&b, TST_ALLOC);
    assert_string_equal(tier__buf_data(&b), "");
    assert_int_equal(tier__buf_len(&b), 0);
    assert_int_equal(tier__buf_append(&b, "abcdef", 3), TIER_OK);
    assert_int_equal(tier__buf_puts(&b, "-"), TIER_OK);
    assert_int_equal(tier__buf_putc(&b, 'x'), TIER_OK);
    assert_int_equal(tier__buf_printf(&b, "[%d|%s]", 42, "y"), TIER_OK);
    assert_int_equal(tier__buf_append(&b, NULL, 0), TIER_OK);
    assert_string_equal(tier__buf_data(&b), "abc-x[42|y]");
    assert_int_equal(tier__buf_len(&b), 11);
    /* A printf longer than the stack scratch space formats in place. */
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(tier__buf_printf(&b, "<%s>", big), TIER_OK);
    assert_int_equal(tier__buf_len(&b), 11 + 2 + 599);
    assert_int_equal(tier__buf_data(&b)[11], '<');
    assert_int_equal(tier__buf_data(&b)[11 + 600], '>');
    assert_int_equal(tier__buf_data(&b)[11 + 601], '\0');
    assert_int_equal(tier__buf_number(&b, 0.1, 0), TIER_OK);
    assert_string_equal(tier__buf_data(&b) + tier__buf_len(&b) - 3, "0.1");
    tier__buf_truncate(&b, 3);
    assert_string_equal(tier__buf_data(&b), "abc");
    tier__buf_truncate(&b, 10);
    assert_string_equal(tier__buf_data(&b), "abc");
    tier__buf_reset(&b);
    assert_string_equal(tier__buf_data(&b), "");
    assert_int_equal(tier__buf_status(&b), TIER_OK);
    /* A JSON string: the given bytes (an embedded NUL too), quotes and backslashes escaped,
     * \n and \t by name, other control bytes as \u00XX, UTF-8 as it is; n bytes (the z is left
     * out). */
    assert_int_equal(tier__buf_json(&b, "a\"\\\n\t\x01\0\xc3\xa9z", 9), TIER_OK);
    assert_string_equal(tier__buf_data(&b), "\"a\\\"\\\\\\n\\t\\u0001\\u0000\xc3\xa9\"");
    tier__buf_free(&b);
}

static void test_buf_take_hands_over_the_text_and_leaves_the_buffer_empty(void **s)
{
    tier__buf b;
    size_t len = 99;
    char *p;
    (void)s;
    tier__buf_init(&b, TST_ALLOC);
    tier__buf_puts(&b, "hello");
    p = tier__buf_take(&b, &len);
    assert_non_null(p);
    assert_string_equal(p, "hello");
    assert_int_equal(len, 5);
    assert_string_equal(tier__buf_data(&b), "");
    assert_int_equal(tier__buf_len(&b), 0);
    tier__free(TST_ALLOC, p);
    /* An empty buffer hands over an empty string it allocated. */
    p = tier__buf_take(&b, NULL);
    assert_non_null(p);
    assert_string_equal(p, "");
    tier__free(TST_ALLOC, p);
    tier__buf_free(&b);
}

static void test_buf_latches_the_first_failure_and_keeps_its_contents(void **s)
{
    tst_failing f = {0, 1, 0, 0};
    tier_allocator a = tst_failing_allocator(&f);
    tier__buf b;
    char block[100];
    (void)s;
    memset(block, 'z', sizeof block);
    tier__buf_init(&b, &a);
    assert_int_equal(tier__buf_puts(&b, "keep"), TIER_OK);
    f.fail_at = f.calls + 1; /* the next allocation and every later one fail */
    assert_int_equal(tier__buf_append(&b, block, sizeof block), TIER_ENOMEM);
    assert_int_equal(tier__buf_status(&b), TIER_ENOMEM);
    assert_string_equal(tier__buf_data(&b), "keep");
    /* Later appends are no-ops, even those that would fit, and report the latched failure. */
    assert_int_equal(tier__buf_putc(&b, 'x'), TIER_ENOMEM);
    assert_int_equal(tier__buf_printf(&b, "%d", 1), TIER_ENOMEM);
    assert_int_equal(tier__buf_number(&b, 2.5, 0), TIER_ENOMEM);
    assert_string_equal(tier__buf_data(&b), "keep");
    /* Clearing the status makes the buffer usable again, with its contents intact. */
    f.fail_at = 0;
    assert_int_equal(tier__buf_clear_status(&b), TIER_ENOMEM);
    assert_int_equal(tier__buf_putc(&b, '!'), TIER_OK);
    assert_string_equal(tier__buf_data(&b), "keep!");
    /* take() of a failed buffer gives NULL and frees it. */
    f.fail_at = f.calls + 1;
    tier__buf_append(&b, block, sizeof block);
    assert_null(tier__buf_take(&b, NULL));
    assert_string_equal(tier__buf_data(&b), "");
    tier__buf_free(&b);
}

static void test_buf_reports_a_size_overflow_as_erange(void **s)
{
    tier__buf b;
    (void)s;
    tier__buf_init(&b, TST_ALLOC);
    tier__buf_puts(&b, "ab");
    assert_int_equal(tier__buf_append(&b, "x", SIZE_MAX - 1), TIER_ERANGE);
    assert_int_equal(tier__buf_status(&b), TIER_ERANGE);
    assert_string_equal(tier__buf_data(&b), "ab");
    tier__buf_free(&b);
}

static int buf_build(const tier_allocator *alloc, void *ud)
{
    tier__buf b;
    char *p;
    int i, rc;
    (void)ud;
    tier__buf_init(&b, alloc);
    for (i = 0; i < 200; i++)
        tier__buf_printf(&b, "row %d;", i);
    rc = tier__buf_status(&b);
    p = tier__buf_take(&b, NULL);
    if (rc == TIER_OK) {
        assert_non_null(p);
        assert_memory_equal(p, "row 0;row 1;", 12);
    } else {
        assert_null(p);
    }
    tier__free(alloc, p);
    tier__buf_free(&b);
    return rc;
}

/* ---- numbers ----------------------------------------------------------------------------------
 */

static const char *fmt(char *dst, double v, unsigned flags)
{
    size_t n = tier__num_format(dst, v, flags);
    assert_int_equal(n, strlen(dst));
    assert_true(n < TIER__NUM_SIZE);
    return dst;
}

static void test_num_format_writes_the_shortest_text_that_reads_back(void **s)
{
    char b[TIER__NUM_SIZE];
    (void)s;
    assert_string_equal(fmt(b, 0.1, 0), "0.1");
    assert_string_equal(fmt(b, 1.0, 0), "1");
    assert_string_equal(fmt(b, -2.5, 0), "-2.5");
    assert_string_equal(fmt(b, 0.0, 0), "0");
    assert_string_equal(fmt(b, -0.0, 0), "-0");
    assert_string_equal(fmt(b, 1.0 / 3.0, 0), "0.3333333333333333");
    assert_string_equal(fmt(b, 0.1 + 0.2, 0), "0.30000000000000004");
    assert_string_equal(fmt(b, 123456789012345.0, 0), "123456789012345");
    assert_string_equal(fmt(b, 1e-7, 0), "1e-07");
    assert_string_equal(fmt(b, 1e-7, TIER__NUM_SHORT_EXP), "1e-7");
    assert_string_equal(fmt(b, 1.5e20, 0), "1.5e+20");
    assert_string_equal(fmt(b, 1.5e20, TIER__NUM_SHORT_EXP), "1.5e+20");
    assert_string_equal(fmt(b, 1.25e-7, 0), "1.25e-07");
    assert_string_equal(fmt(b, 1.25e-7, TIER__NUM_SHORT_EXP), "1.25e-7");
    assert_string_equal(fmt(b, 1e-300, TIER__NUM_SHORT_EXP), "1e-300");
    assert_string_equal(fmt(b, 1e100, 0), "1e+100");
    assert_string_equal(fmt(b, 5e-324, 0), "4.94065645841247e-324");
    assert_string_equal(fmt(b, -1.7976931348623157e308, 0), "-1.7976931348623157e+308");
}

/* Every power of ten and its neighbours, and the extremes: the digits printf writes, ending
 * exactly at `end`, nothing written before them. */
static void test_num_digits_before_writes_the_decimal_digits_backwards(void **s)
{
    uint64_t v = 1;
    int k;
    (void)s;
    for (k = 0; k < 20; k++, v *= 10) {
        uint64_t probes[3];
        int j;
        probes[0] = v - 1;
        probes[1] = v;
        probes[2] = v + 7;
        for (j = 0; j < 3; j++) {
            char want[32], got[32], *start;
            size_t n = (size_t)snprintf(want, sizeof want, "%llu", (unsigned long long)probes[j]);
            memset(got, '#', sizeof got);
            start = tier__num_digits_before(got + 24, probes[j]);
            assert_int_equal((size_t)(got + 24 - start), n);
            assert_memory_equal(start, want, n);
            assert_int_equal(start[-1], '#');
            assert_int_equal(got[24], '#');
        }
    }
    {
        char got[24], *start = tier__num_digits_before(got + sizeof got, UINT64_MAX);
        assert_int_equal((size_t)(got + sizeof got - start), 20);
        assert_memory_equal(start, "18446744073709551615", 20);
    }
}

static void test_num_format_spells_nan_and_infinities_one_way(void **s)
{
    char b[TIER__NUM_SIZE];
    (void)s;
    assert_string_equal(fmt(b, NAN, 0), "nan");
    assert_string_equal(fmt(b, -NAN, 0), "nan");
    assert_string_equal(fmt(b, HUGE_VAL, 0), "inf");
    assert_string_equal(fmt(b, -HUGE_VAL, TIER__NUM_SHORT_EXP), "-inf");
}

static int parse(const char *text, double *out)
{
    return tier__num_parse(text, strlen(text), out, 0);
}

static void test_num_parse_reads_the_decimal_grammar_exactly(void **s)
{
    /* Each text and its value; zeros keep their sign. */
    static const struct {
        const char *text;
        double value;
    } ok[] = {{"0", 0.0},
              {"-0", -0.0},
              {"-0.000", -0.0},
              {"12.5", 12.5},
              {"+3", 3},
              {"7.", 7},
              {".25", 0.25},
              {"-.5e1", -5},
              {"1E3", 1000},
              {"25e-1", 2.5},
              {"0.1", 0.1},
              {"000123.4500", 123.45},
              {"1e+0000000000000000000000002", 100},
              {"4.9406564584124654e-324", 5e-324}};
    double v = 0;
    size_t i;
    (void)s;
    for (i = 0; i < TST_COUNT(ok); i++) {
        int rc = parse(ok[i].text, &v);
        if (rc != TIER_OK || v != ok[i].value || !signbit(v) != !signbit(ok[i].value))
            fail_msg("\"%s\": got %s %.17g, want %.17g", ok[i].text, tier_status_name(rc), v,
                     ok[i].value);
    }
    /* Only s[0..len) is read. */
    assert_int_equal(tier__num_parse("12x", 2, &v, 0), TIER_OK);
    assert_true(v == 12);
}

static void test_num_parse_rejects_what_is_not_a_plain_decimal(void **s)
{
    static const char *const bad[] = {
        "",    "-",     "+",    ".",     "-.",  "e5",  ".e5", "1e",   "1e+", "1e-",      " 1", "1 ",
        "1,5", "1.2.3", "0x10", "1e5.5", "--1", "+-1", "inf", "-inf", "nan", "infinity", "1f", "١"};
    double v = 42;
    size_t i;
    (void)s;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tier__num_parse(bad[i], strlen(bad[i]), &v, 0), TIER_EPARSE);
        assert_true(v == 42);
    }
    assert_int_equal(tier__num_parse(NULL, 0, &v, 0), TIER_EPARSE);
    assert_int_equal(tier__num_parse("1\0", 2, &v, 0), TIER_EPARSE);
}

static void test_num_parse_reports_overflow_and_accepts_underflow_as_zero(void **s)
{
    double v = 42;
    (void)s;
    assert_int_equal(parse("1e309", &v), TIER_ERANGE);
    assert_int_equal(parse("-1.8e308", &v), TIER_ERANGE);
    assert_int_equal(parse("1e99999999999999999999999", &v), TIER_ERANGE);
    assert_true(v == 42);
    assert_int_equal(parse("1.7976931348623157e308", &v), TIER_OK);
    assert_true(v == 1.7976931348623157e308);
    assert_int_equal(parse("1e-400", &v), TIER_OK);
    assert_true(v == 0);
    assert_int_equal(parse("-1e-99999999999999999999999", &v), TIER_OK);
    assert_true(v == 0 && signbit(v));
}

static void test_num_parse_accepts_nan_and_inf_only_when_asked(void **s)
{
    double v = 0;
    (void)s;
    assert_int_equal(tier__num_parse("nan", 3, &v, TIER__NUM_NONFINITE), TIER_OK);
    assert_true(isnan(v));
    assert_int_equal(tier__num_parse("inf", 3, &v, TIER__NUM_NONFINITE), TIER_OK);
    assert_true(isinf(v) && v > 0);
    assert_int_equal(tier__num_parse("-inf", 4, &v, TIER__NUM_NONFINITE), TIER_OK);
    assert_true(isinf(v) && v < 0);
    assert_int_equal(tier__num_parse("NaN", 3, &v, TIER__NUM_NONFINITE), TIER_EPARSE);
    assert_int_equal(tier__num_parse("+inf", 4, &v, TIER__NUM_NONFINITE), TIER_EPARSE);
    assert_int_equal(tier__num_parse("2.5", 3, &v, TIER__NUM_NONFINITE), TIER_OK);
    assert_true(v == 2.5);
}

/* Long inputs: digits beyond what a double can hold still decide the rounding. */
static void test_num_parse_rounds_long_inputs_exactly(void **s)
{
    char *text = malloc(5000);
    double v = 0;
    size_t n;
    (void)s;
    assert_non_null(text);
    /* 1 + 2^-53 is halfway between 1 and the next double: ties to even gives 1, but any non-zero
     * digit far to the right tips it up. 2^-53 = 1.1102230246251565404236316680908203125e-16. */
    n = (size_t)sprintf(text, "1.00000000000000011102230246251565404236316680908203125");
    assert_int_equal(tier__num_parse(text, n, &v, 0), TIER_OK);
    assert_true(v == 1.0);
    memset(text + n, '0', 3000);
    text[n + 3000] = '1';
    assert_int_equal(tier__num_parse(text, n + 3001, &v, 0), TIER_OK);
    assert_true(v == nextafter(1.0, 2.0));
    memset(text + n + 3000, '0', 1);
    assert_int_equal(tier__num_parse(text, n + 3001, &v, 0), TIER_OK);
    assert_true(v == 1.0);
    /* Thousands of leading zeros in the fraction, then a large exponent. */
    memcpy(text, "0.", 2);
    memset(text + 2, '0', 3000);
    n = 3002 + (size_t)sprintf(text + 3002, "25e3000");
    assert_int_equal(tier__num_parse(text, n, &v, 0), TIER_OK);
    assert_true(v == 0.25);
    /* Thousands of integer digits, then a large negative exponent. */
    text[0] = '3';
    memset(text + 1, '0', 3000);
    n = 3001 + (size_t)sprintf(text + 3001, "e-3000");
    assert_int_equal(tier__num_parse(text, n, &v, 0), TIER_OK);
    assert_true(v == 3.0);
    free(text);
}

static void test_num_format_and_parse_round_trip_random_doubles(void **s)
{
    tier__rng r;
    char b[TIER__NUM_SIZE];
    int i;
    (void)s;
    tier__rng_init(&r, 1, 99, 0, 0);
    for (i = 0; i < 100000; i++) {
        uint64_t bits = tier__rng_next(&r);
        double v, back = 0;
        size_t n;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v))
            continue;
        n = tier__num_format(b, v, i & 1 ? TIER__NUM_SHORT_EXP : 0);
        assert_int_equal(tier__num_parse(b, n, &back, 0), TIER_OK);
        assert_memory_equal(&back, &v, sizeof v);
        /* And strtod (C locale here) agrees. */
        assert_true(strtod(b, NULL) == v);
    }
}

/* Candidates for a locale whose decimal point is a comma. */
static const char *const comma_locales[] = {
    "de_DE.UTF-8", "de_DE.utf8",  "de_DE",       "fr_FR.UTF-8", "fr_FR.utf8", "fr_FR",
    "nl_NL.UTF-8", "ru_RU.UTF-8", "es_ES.UTF-8", "it_IT.UTF-8", "pt_BR.UTF-8"};

/* Sets LC_NUMERIC to a locale whose decimal point is a comma; 0 when none is installed. */
static int use_comma_locale(void)
{
    size_t i;
    for (i = 0; i < sizeof comma_locales / sizeof comma_locales[0]; i++) {
        if (setlocale(LC_NUMERIC, comma_locales[i]) &&
            strcmp(localeconv()->decimal_point, ",") == 0)
            return 1;
        setlocale(LC_NUMERIC, "C");
    }
    return 0;
}

static void test_num_ignores_a_comma_decimal_locale(void **s)
{
    char b[TIER__NUM_SIZE];
    double v = 0;
    (void)s;
    if (!use_comma_locale()) {
        print_message(
            "no comma-decimal locale installed (run with LOCPATH, see tests/locale.cmake); "
            "skipped\n");
        skip();
        return;
    }
    /* The locale is in force: printf writes a comma... */
    snprintf(b, sizeof b, "%.1f", 2.5);
    assert_string_equal(b, "2,5");
    /* ...but the helpers do not. */
    assert_string_equal(fmt(b, 2.5, 0), "2.5");
    assert_string_equal(fmt(b, -1234.0625, 0), "-1234.0625");
    assert_string_equal(fmt(b, 1.0 / 3.0, 0), "0.3333333333333333");
    assert_string_equal(fmt(b, 1.25e-7, TIER__NUM_SHORT_EXP), "1.25e-7");
    assert_int_equal(parse("2.5", &v), TIER_OK);
    assert_true(v == 2.5);
    assert_int_equal(parse("0.1", &v), TIER_OK);
    assert_true(v == 0.1);
    assert_int_equal(parse("2,5", &v), TIER_EPARSE);
    setlocale(LC_NUMERIC, "C");
}

/* The adopters follow: a policy description writes its numbers with '.' too (it used printf's
 * locale-dependent form before). */
static void test_policy_description_keeps_a_point_under_a_comma_locale(void **s)
{
    tier_policy *p = NULL;
    tier_text *text = NULL;
    size_t t, r;
    (void)s;
    if (!use_comma_locale()) {
        skip();
        return;
    }
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&text, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "gold", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "big", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "m.x", TIER_OP_GE, 1.5), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "m.y", TIER_OP_LT, 2.5e-7), TIER_OK);
    assert_int_equal(tier_policy_describe(p, text), TIER_OK);
    assert_non_null(strstr(tier_text_data(text), "when m.x >= 1.5 and m.y < 2.5e-7\n"));
    tier_text_free(text);
    tier_policy_free(p);
    setlocale(LC_NUMERIC, "C");
}

/* ---- errno text -------------------------------------------------------------------------------
 */

static void test_errtext_gives_the_cli_texts_for_either_sign(void **s)
{
    char low[TIER__ERRTEXT_SIZE];
    (void)s;
    assert_string_equal(tier__errtext(ENOENT), "No such file or directory");
    assert_string_equal(tier__errtext(-ENOENT), "No such file or directory");
    assert_string_equal(tier__errtext(-EACCES), "Permission denied");
    assert_string_equal(tier__errtext(-EIO), "Input/output error");
    assert_string_equal(tier__errtext(-ENOSPC), "No space left on device");
    assert_string_equal(tier__errtext(-EISDIR), "Is a directory");
    assert_string_equal(tier__errtext(987654), "Unknown error");
    assert_string_equal(tier__errtext(-987654), "Unknown error");
    assert_string_equal(tier__errtext(-2147483647 - 1), "Unknown error");
    assert_string_equal(tier__errtext_lower(low, -ENOENT), "no such file or directory");
    assert_string_equal(tier__errtext_lower(low, EIO), "input/output error");
    assert_string_equal(tier__errtext_lower(low, 987654), "unknown error");
}

/* On glibc the table must say exactly what strerror says in the C locale (what the CLI prints). */
static void test_errtext_matches_the_c_library_texts(void **s)
{
#ifdef __GLIBC__
    static const int codes[] = {
        EPERM,   ENOENT,    EINTR,        EIO,     ENXIO,  EBADF,     EAGAIN,  ENOMEM,
        EACCES,  EFAULT,    EBUSY,        EEXIST,  EXDEV,  ENODEV,    ENOTDIR, EISDIR,
        EINVAL,  ENFILE,    EMFILE,       ETXTBSY, EFBIG,  ENOSPC,    ESPIPE,  EROFS,
        EMLINK,  EPIPE,     ENAMETOOLONG, ENOLCK,  ENOSYS, ENOTEMPTY, ELOOP,   EOVERFLOW,
        ENOTSUP, ECANCELED, ETIMEDOUT,    ESTALE,  EDQUOT, EDOM,      ERANGE,  EILSEQ};
    size_t i;
    (void)s;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
        assert_string_equal(tier__errtext(-codes[i]), strerror(codes[i]));
#else
    (void)s;
    skip();
#endif
}

/* ---- CRC-32C --------------------------------------------------------------------------------- */

/* The definition, one bit at a time: written apart from the library's tables, to check them. */
static uint32_t crc32c_bitwise(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    size_t i;
    int k;
    for (i = 0; i < n; i++) {
        c ^= p[i];
        for (k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return ~c;
}

static void test_crc32c_gives_the_check_value_and_the_rfc_3720_vectors(void **s)
{
    /* RFC 3720, appendix B.4: an iSCSI read command PDU. */
    static const unsigned char pdu[48] = {
        0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
        0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    unsigned char b[32];
    size_t i;
    (void)s;
    assert_int_equal(tier__crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(tier__crc32c(0, NULL, 0), 0u);
    memset(b, 0, sizeof b);
    assert_int_equal(tier__crc32c(0, b, 32), 0x8A9136AAu);
    memset(b, 0xFF, sizeof b);
    assert_int_equal(tier__crc32c(0, b, 32), 0x62A8AB43u);
    for (i = 0; i < 32; i++)
        b[i] = (unsigned char)i;
    assert_int_equal(tier__crc32c(0, b, 32), 0x46DD794Eu);
    for (i = 0; i < 32; i++)
        b[i] = (unsigned char)(31 - i);
    assert_int_equal(tier__crc32c(0, b, 32), 0x113FDB5Cu);
    assert_int_equal(tier__crc32c(0, pdu, sizeof pdu), 0xD9963A56u);
}

static void test_crc32c_matches_the_bitwise_definition_at_every_length_and_alignment(void **s)
{
    unsigned char data[300];
    tier__rng r;
    size_t off, len, cut;
    (void)s;
    tier__rng_init(&r, 7, 0xC3C, 0, 0);
    for (off = 0; off < sizeof data; off++)
        data[off] = (unsigned char)tier__rng_next(&r);
    for (off = 0; off < 16; off++) {
        for (len = 0; len + off <= 280; len++) {
            uint32_t want = crc32c_bitwise(data + off, len);
            assert_int_equal(tier__crc32c(0, data + off, len), want);
            /* Continued in two pieces at a few cuts, it is the CRC of the whole. */
            for (cut = 0; cut <= len; cut += 1 + len / 3)
                assert_int_equal(
                    tier__crc32c(tier__crc32c(0, data + off, cut), data + off + cut, len - cut),
                    want);
        }
    }
}

TST_MAIN(cmocka_unit_test(test_crc32c_gives_the_check_value_and_the_rfc_3720_vectors),
         cmocka_unit_test(test_crc32c_matches_the_bitwise_definition_at_every_length_and_alignment),
         cmocka_unit_test(test_rng_gives_the_same_numbers_as_the_needs_model_did),
         cmocka_unit_test(test_rng_streams_differ_by_purpose_and_index),
         cmocka_unit_test(test_rng_draws_stay_in_range_and_choose_is_sorted_and_distinct),
         cmocka_unit_test(test_buf_appends_bytes_strings_chars_and_printf),
         cmocka_unit_test(test_buf_take_hands_over_the_text_and_leaves_the_buffer_empty),
         cmocka_unit_test(test_buf_latches_the_first_failure_and_keeps_its_contents),
         cmocka_unit_test(test_buf_reports_a_size_overflow_as_erange),
         TST_OOM_WALK(test_buf_survives_out_of_memory_at_every_allocation, buf_build, NULL, 3),
         cmocka_unit_test(test_num_format_writes_the_shortest_text_that_reads_back),
         cmocka_unit_test(test_num_format_spells_nan_and_infinities_one_way),
         cmocka_unit_test(test_num_digits_before_writes_the_decimal_digits_backwards),
         cmocka_unit_test(test_num_parse_reads_the_decimal_grammar_exactly),
         cmocka_unit_test(test_num_parse_rejects_what_is_not_a_plain_decimal),
         cmocka_unit_test(test_num_parse_reports_overflow_and_accepts_underflow_as_zero),
         cmocka_unit_test(test_num_parse_accepts_nan_and_inf_only_when_asked),
         cmocka_unit_test(test_num_parse_rounds_long_inputs_exactly),
         cmocka_unit_test(test_num_format_and_parse_round_trip_random_doubles),
         cmocka_unit_test(test_num_ignores_a_comma_decimal_locale),
         cmocka_unit_test(test_policy_description_keeps_a_point_under_a_comma_locale),
         cmocka_unit_test(test_errtext_gives_the_cli_texts_for_either_sign),
         cmocka_unit_test(test_errtext_matches_the_c_library_texts))
