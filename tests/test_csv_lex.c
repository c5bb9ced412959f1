/* SPDX-License-Identifier: MIT */
/* The CSV field lexer (src/util/csv_lex.h) on its own: records, fields, quoting and lines; the
 * whitespace dialect; every error with its line, column and reason; the limits; and streaming:
 * fed in blocks of 1..64 bytes (the way the block reader feeds it) it gives exactly what it gives
 * for the whole input, on hand-written cases and on thousands of random ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "util/buf.h"
#include "util/csv_lex.h"
#include "util/rng.h"

/* Appends a readable account of one lexer result to out: "2:[a|"b""c|]" per record (line, then
 * fields; a quoted field in quotes, unescaped), "-" for a blank line, "E<status>@L:C <reason>"
 * for an error. */
static void describe_record(tier__buf *out, const tier__csv_lex *lx)
{
    size_t i;
    tier__buf_printf(out, "%llu:[", (unsigned long long)lx->line);
    for (i = 0; i < lx->nfields; i++) {
        const tier__csv_field *f = &lx->field[i];
        char *v = malloc(f->len + 1);
        size_t n;
        assert_non_null(v);
        n = tier__csv_unescape(v, f);
        if (f->quoted)
            tier__buf_putc(out, '"');
        tier__buf_append(out, v, n);
        if (f->quoted)
            tier__buf_putc(out, '"');
        tier__buf_printf(out, "@%llu|", (unsigned long long)f->line);
        free(v);
    }
    tier__buf_puts(out, "]");
}

static void describe_error(tier__buf *out, const tier__csv_lex *lx, int rc)
{
    tier__buf_printf(out, "E%d@%llu:%llu %s", rc, (unsigned long long)lx->err_line,
                     (unsigned long long)lx->err_col, lx->err);
}

typedef struct dialect {
    int delim;
    uint64_t max_fields, max_length;
} dialect;

static const dialect COMMA = {',', 1024, 65536};

/* Lexes in[0..n) the way the block reader does: the unread bytes stay in a buffer, and each
 * TIER__CSV_MORE appends the next `block` bytes (block 0: the whole input at once). */
static void lex_blocks(const char *in, size_t n, size_t block, const dialect *d, tier__buf *out)
{
    tier__csv_lex lx;
    char *buf = malloc(n + 1);
    size_t have = 0, fed = 0, pos = 0;
    int eof = 0;
    assert_non_null(buf);
    tier__csv_lex_init(&lx, TST_ALLOC, d->delim, d->max_fields, d->max_length);
    if (block == 0)
        block = n ? n : 1;
    for (;;) {
        size_t used = 0;
        int rc = tier__csv_lex_next(&lx, buf + pos, have - pos, eof, &used);
        if (rc == TIER__CSV_RECORD || rc == TIER__CSV_BLANK) {
            assert_true(used > 0 && used <= have - pos);
            if (rc == TIER__CSV_RECORD)
                describe_record(out, &lx);
            else
                tier__buf_puts(out, "-");
            pos += used;
            continue;
        }
        if (rc == TIER__CSV_MORE) {
            size_t k = n - fed < block ? n - fed : block;
            assert_int_equal(used, 0);
            assert_false(eof);
            memmove(buf, buf + pos, have - pos);
            have -= pos;
            pos = 0;
            memcpy(buf + have, in + fed, k);
            have += k;
            fed += k;
            eof = fed == n;
            continue;
        }
        if (rc == TIER__CSV_END)
            tier__buf_puts(out, "END");
        else
            describe_error(out, &lx, rc);
        break;
    }
    tier__csv_lex_free(&lx);
    free(buf);
}

/* The account of the whole input, checked to be the same at every block size 1..64. */
static char *lex_all_blocks(const char *in, size_t n, const dialect *d)
{
    tier__buf whole, part;
    size_t block;
    char *text;
    tier__buf_init(&whole, TST_ALLOC);
    tier__buf_init(&part, TST_ALLOC);
    lex_blocks(in, n, 0, d, &whole);
    for (block = 1; block <= 64; block++) {
        tier__buf_reset(&part);
        lex_blocks(in, n, block, d, &part);
        if (strcmp(tier__buf_data(&part), tier__buf_data(&whole)) != 0)
            fail_msg("block %zu: %s\nwhole input: %s", block, tier__buf_data(&part),
                     tier__buf_data(&whole));
    }
    assert_int_equal(tier__buf_status(&whole), TIER_OK);
    tier__buf_free(&part);
    text = tier__buf_take(&whole, NULL);
    assert_non_null(text);
    return text;
}

static void expect(const char *in, size_t n, const dialect *d, const char *want)
{
    char *got = lex_all_blocks(in, n, d);
    if (strcmp(got, want) != 0)
        fail_msg("input %.*s\n got: %s\nwant: %s", (int)n, in, got, want);
    tier__free(TST_ALLOC, got);
}

#define TEXT(s) s, sizeof(s) - 1

static void test_csv_lex_splits_records_into_fields_with_their_lines(void **s)
{
    (void)s;
    expect(TEXT("a,b,c\nd,e,f\n"), &COMMA, "1:[a@1|b@1|c@1|]2:[d@2|e@2|f@2|]END");
    /* No line end on the last line; CRLF; empty fields; a trailing delimiter adds one. */
    expect(TEXT("a,,c\r\n,\r\nx,"), &COMMA, "1:[a@1|@1|c@1|]2:[@2|@2|]3:[x@3|@3|]END");
    /* Blanks around fields go; blanks inside stay. */
    expect(TEXT("  a b ,\tc\t, d\n"), &COMMA, "1:[a b@1|c@1|d@1|]END");
    /* Empty and blank lines are blank records but count as lines. */
    expect(TEXT("\n  \n\t\r\na\n\n"), &COMMA, "---4:[a@4|]-END");
    /* The empty input, a lone byte-order mark, a byte-order mark before the first record. */
    expect(TEXT(""), &COMMA, "END");
    expect(TEXT("\xEF\xBB\xBF"), &COMMA, "END");
    expect(TEXT("\xEF\xBB\xBF"
                "a,b\n"),
           &COMMA, "1:[a@1|b@1|]END");
    /* A byte-order mark later on is data. */
    expect(TEXT("a\n\xEF\xBB\xBF"
                "b\n"),
           &COMMA,
           "1:[a@1|]2:[\xEF\xBB\xBF"
           "b@2|]END");
}

static void test_csv_lex_reads_rfc4180_quoting(void **s)
{
    (void)s;
    /* Doubled quotes, delimiters, CR, LF and CRLF inside quotes; blanks around quoted fields;
     * quoted fields keep their inner blanks; line numbers follow the line breaks. */
    expect(TEXT("\"a\"\"b\", \"c,d\" ,\"e\nf\"\n\" g \",\"h\r\ni\",\"\"\nz\n"), &COMMA,
           "1:[\"a\"b\"@1|\"c,d\"@1|\"e\nf\"@1|]3:[\" g \"@3|\"h\r\ni\"@3|\"\"@4|]5:[z@5|]END");
    /* A quoted empty field is a record, not a blank line. */
    expect(TEXT("\"\"\n"), &COMMA, "1:[\"\"@1|]END");
    /* Quoted fields at the very end, with and without line end. */
    expect(TEXT("a,\"b\""), &COMMA, "1:[a@1|\"b\"@1|]END");
    expect(TEXT("\"x\"\"\""), &COMMA, "1:[\"x\"\"@1|]END");
}

static void test_csv_lex_takes_any_one_byte_delimiter_or_runs_of_blanks(void **s)
{
    static const dialect semi = {';', 1024, 65536}, tab = {'\t', 1024, 65536},
                         pipe = {'|', 1024, 65536}, ws = {TIER_CSV_WHITESPACE, 1024, 65536};
    (void)s;
    expect(TEXT("a;b,c; d\n"), &semi, "1:[a@1|b,c@1|d@1|]END");
    /* A tab delimiter is not a blank to trim; spaces still are. */
    expect(TEXT("a\t\tb \t c\n"), &tab, "1:[a@1|@1|b@1|c@1|]END");
    expect(TEXT("1|2|\"3|4\"\n"), &pipe, "1:[1@1|2@1|\"3|4\"@1|]END");
    /* Whitespace mode: runs of spaces and tabs separate; blanks at both ends of a line go. */
    expect(TEXT("  a  b\t\tc  \n\t d \"e f\"\n   \n"), &ws,
           "1:[a@1|b@1|c@1|]2:[d@2|\"e f\"@2|]-END");
}

typedef struct bad_lex {
    const char *in;
    size_t len;
    dialect d;
    const char *want;
} bad_lex;

static void test_csv_lex_reports_each_error_with_line_column_and_reason(void **s)
{
    static const bad_lex cases[] = {
        {TEXT("a,b\n\"c,d\n"),
         {',', 1024, 65536},
         "1:[a@1|b@1|]E-8@2:1 unterminated quoted field (the quote opened on line 2)"},
        {TEXT("a,b\"c\n"),
         {',', 1024, 65536},
         "E-8@1:2 quote inside an unquoted field (quote the whole field and double the quote)"},
        {TEXT("\"a\"x,b\n"), {',', 1024, 65536}, "E-8@1:1 unexpected text after a closing quote"},
        {TEXT("a,b\rc\n"),
         {',', 1024, 65536},
         "E-8@1:2 carriage return not followed by a line feed"},
        {TEXT("a,b\r"), {',', 1024, 65536}, "E-8@1:2 carriage return not followed by a line feed"},
        {TEXT("a\nb,c\0d\n"), {',', 1024, 65536}, "1:[a@1|]E-8@2:2 NUL byte in a field"},
        {TEXT("\"a\nb\0\""), {',', 1024, 65536}, "E-8@2:1 NUL byte in a field"},
        {TEXT("a,b,c\n"), {',', 2, 65536}, "E-4@1:3 more than 2 fields (the field limit)"},
        {TEXT("ab,abcde\n"), {',', 1024, 4}, "E-4@1:2 field longer than 4 bytes"},
        {TEXT("\"abcdefgh\"\n"), {',', 1024, 4}, "E-4@1:1 field longer than 4 bytes"},
        {TEXT("      a\n"),
         {TIER_CSV_WHITESPACE, 1024, 4},
         "E-4@1:1 run of blanks longer than 4 bytes"},
        {TEXT("a      b\n"),
         {TIER_CSV_WHITESPACE, 1024, 4},
         "E-4@1:1 run of blanks longer than 4 bytes"},
        {TEXT("\"a\"b c\n"),
         {TIER_CSV_WHITESPACE, 1024, 65536},
         "E-8@1:1 unexpected text after a closing quote"},
    };
    size_t i;
    (void)s;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect(cases[i].in, cases[i].len, &cases[i].d, cases[i].want);
}

/* Inputs made of the bytes that matter, at random: whatever they are, lexing them in blocks of
 * 1..64 bytes gives what lexing them whole gives (lex_all_blocks checks it). */
static void test_csv_lex_gives_the_same_result_at_every_block_size(void **s)
{
    /* Every special byte; and mostly plain lines, which the fast path takes. */
    static const char any[] = {'a',  'b', ',',  ',', '"',  '"',    '\n',   '\n',
                               '\r', ' ', '\t', ';', '\0', '\xEF', '\xBB', '\xBF'};
    static const char plain[] = "aaaaaaaaaaaabbbbbbbbbbbb,,,,,,;;;\n\n\n  \t\r\"";
    static const dialect dialects[] = {
        {',', 1024, 65536}, {TIER_CSV_WHITESPACE, 1024, 65536}, {';', 3, 6}, {'\t', 1024, 65536}};
    tier__rng r;
    char in[80];
    int i;
    (void)s;
    tier__rng_init(&r, 2024, 7, 0, 0);
    for (i = 0; i < 2000; i++) {
        size_t n = (size_t)tier__rng_below(&r, sizeof in + 1), k;
        char *got;
        for (k = 0; k < n; k++)
            in[k] = i & 1 ? any[tier__rng_below(&r, sizeof any)]
                          : plain[tier__rng_below(&r, sizeof plain - 1)];
        got = lex_all_blocks(in, n, &dialects[(i >> 1) % 4]);
        tier__free(TST_ALLOC, got);
    }
}

static void test_csv_lex_asks_for_more_without_consuming_a_cut_record(void **s)
{
    tier__csv_lex lx;
    size_t used = 99;
    (void)s;
    tier__csv_lex_init(&lx, TST_ALLOC, ',', 1024, 65536);
    /* A possible byte-order mark, a field, a quote, a CR: each may go on in the next block. */
    assert_int_equal(tier__csv_lex_next(&lx, "\xEF\xBB", 2, 0, &used), TIER__CSV_MORE);
    assert_int_equal(used, 0);
    assert_int_equal(tier__csv_lex_next(&lx,
                                        "\xEF\xBB\xBF"
                                        "ab",
                                        5, 0, &used),
                     TIER__CSV_MORE);
    assert_int_equal(tier__csv_lex_next(&lx,
                                        "\xEF\xBB\xBF"
                                        "ab\r",
                                        6, 0, &used),
                     TIER__CSV_MORE);
    assert_int_equal(tier__csv_lex_next(&lx,
                                        "\xEF\xBB\xBF"
                                        "ab\r\n\"x\"",
                                        9, 0, &used),
                     TIER__CSV_RECORD);
    assert_int_equal(used, 7);
    assert_int_equal(lx.nfields, 1);
    assert_int_equal(lx.line, 1);
    assert_memory_equal(lx.field[0].p, "ab", 2);
    assert_int_equal(tier__csv_lex_next(&lx, "\"x\"", 3, 0, &used), TIER__CSV_MORE);
    assert_int_equal(tier__csv_lex_next(&lx, "\"x\"", 3, 1, &used), TIER__CSV_RECORD);
    assert_int_equal(used, 3);
    assert_int_equal(lx.line, 2);
    assert_int_equal(lx.field[0].quoted, 1);
    assert_int_equal(tier__csv_lex_next(&lx, "", 0, 0, &used), TIER__CSV_MORE);
    assert_int_equal(tier__csv_lex_next(&lx, "", 0, 1, &used), TIER__CSV_END);
    tier__csv_lex_free(&lx);
}

static void test_csv_lex_unescapes_doubled_quotes(void **s)
{
    tier__csv_field f;
    char out[16];
    (void)s;
    f.p = "a\"\"b\"\"";
    f.len = 6;
    f.dq = 1;
    assert_int_equal(tier__csv_unescape(out, &f), 4);
    assert_memory_equal(out, "a\"b\"", 4);
    f.dq = 0;
    assert_int_equal(tier__csv_unescape(out, &f), 6);
    assert_memory_equal(out, "a\"\"b\"\"", 6);
}

static void test_csv_lex_reports_out_of_memory_for_its_field_array(void **s)
{
    tst_failing fl = {1, 1, 0, 0};
    tier_allocator a = tst_failing_allocator(&fl);
    tier__csv_lex lx;
    size_t used;
    (void)s;
    tier__csv_lex_init(&lx, &a, ',', 1024, 65536);
    assert_int_equal(tier__csv_lex_next(&lx, "a,b\n", 4, 1, &used), TIER_ENOMEM);
    assert_string_equal(lx.err, "out of memory");
    assert_int_equal(lx.err_line, 0);
    assert_int_equal(lx.err_col, 0);
    tier__csv_lex_free(&lx);
}

TST_MAIN(cmocka_unit_test(test_csv_lex_splits_records_into_fields_with_their_lines),
         cmocka_unit_test(test_csv_lex_reads_rfc4180_quoting),
         cmocka_unit_test(test_csv_lex_takes_any_one_byte_delimiter_or_runs_of_blanks),
         cmocka_unit_test(test_csv_lex_reports_each_error_with_line_column_and_reason),
         cmocka_unit_test(test_csv_lex_gives_the_same_result_at_every_block_size),
         cmocka_unit_test(test_csv_lex_asks_for_more_without_consuming_a_cut_record),
         cmocka_unit_test(test_csv_lex_unescapes_doubled_quotes),
         cmocka_unit_test(test_csv_lex_reports_out_of_memory_for_its_field_array))
