/* SPDX-License-Identifier: MIT */
/* The CSV reader: the accept rules that need settings of their own, block boundaries, the real
 * CDNOW files, I/O faults, progress and out-of-memory (the table of input cases is
 * tests/data/bad_input/transactions, run by tests/test_bad_input.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "io/csv_internal.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers */

static tier_csv *new_csv(void)
{
    tier_csv *csv = NULL;
    assert_int_equal(tier_csv_new(&csv, TST_ALLOC), TIER_OK);
    assert_non_null(csv);
    return csv;
}

/* A book holding one transaction (P1, 2020-01-01, 5.00), to show that failures leave it alone. */
static tier_book *new_book_with_one_row(void)
{
    tier_book *book = NULL;
    int32_t day;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_date_from_ymd(&day, 2020, 1, 1), TIER_OK);
    assert_int_equal(tier_book_add_txn(book, "P1", 2, day, 5.0, NAN), TIER_OK);
    return book;
}

static void assert_book_unchanged(const tier_book *book)
{
    double net = 0;
    int32_t first = 0, last = 0;
    assert_int_equal(tier_book_customer_count(book), 1);
    assert_int_equal(tier_book_txn_count(book), 1);
    assert_int_equal(tier_book_customer_stat(book, 0, TIER_BOOK_STAT_NET_AMOUNT, &net), TIER_OK);
    assert_true(net == 5.0);
    assert_int_equal(tier_book_day_range(book, &first, &last), TIER_OK);
    assert_int_equal(first, 18262);
    assert_int_equal(last, 18262);
}

/* Checks transaction t: customer id, day and amount (exact: amounts with <= 4 decimals). */
static void assert_txn(const tier_book *book, size_t t, const char *id, int32_t day, double amount)
{
    size_t cust = 0, len = 0;
    int32_t d = 0;
    double a = 0, m = 0;
    const char *got;
    assert_int_equal(tier_book_txn(book, t, &cust, &d, &a, &m), TIER_OK);
    got = tier_book_customer_id(book, cust, &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(id));
    assert_memory_equal(got, id, len);
    assert_int_equal(d, day);
    /* Doubles near 1e12 are 1.2e-4 apart: compare relative to the size. */
    if (fabs(a - amount) > 1e-9 + 1e-15 * fabs(amount))
        fail_msg("txn %zu: amount %.6f, want %.6f", t, a, amount);
}

/* Sum of every customer's net amount in cents (exact for 4-decimal amounts of this size). */
static long long total_cents(const tier_book *book)
{
    size_t i, n = tier_book_customer_count(book);
    long long cents = 0;
    for (i = 0; i < n; i++) {
        double net = 0;
        assert_int_equal(tier_book_customer_stat(book, i, TIER_BOOK_STAT_NET_AMOUNT, &net),
                         TIER_OK);
        cents += llround(net * 100);
    }
    return cents;
}

/* Reads text (with embedded NULs allowed) into a fresh book; returns the status. */
static int read_text(tier_csv *csv, tier_book *book, const char *text, size_t len)
{
    return tier_csv_read_buffer(csv, book, text, len);
}

#define TEXT(s) s, sizeof(s) - 1
/* ---------------------------------------------------------------------------------------------
 * The input cases (hostile and edge-case files, each with its status, line, column and message or
 * the transactions read) are tables under tests/data/bad_input/transactions, run by
 * tests/test_bad_input.c at every block size; here are the rules that need code. */

#define H "customer_id,date,amount\n"

static void test_csv_keeps_the_last_successful_row_count_after_a_failure(void **state)
{
    tier_csv *csv = new_csv();
    tier_book *book = new_book_with_one_row();
    (void)state;
    assert_int_equal(read_text(csv, book, TEXT(H "C1,2020-01-02,1\nC2,2020-01-02,2\n")), TIER_OK);
    assert_int_equal(tier_csv_rows_read(csv), 2);
    assert_string_equal(tier_csv_last_error(csv), "");
    assert_int_equal(tier_csv_error_line(csv), 0);
    assert_int_equal(read_text(csv, book, TEXT(H "C1,2020-01-02,x\n")), TIER_EPARSE);
    assert_int_equal(tier_csv_rows_read(csv), 2);
    assert_int_equal(tier_book_txn_count(book), 3);
    /* A later success clears the error. */
    assert_int_equal(read_text(csv, book, TEXT(H "C3,2020-01-02,1\n")), TIER_OK);
    assert_string_equal(tier_csv_last_error(csv), "");
    assert_int_equal(tier_csv_error_line(csv), 0);
    assert_int_equal(tier_csv_error_column(csv), 0);
    assert_int_equal(tier_csv_rows_read(csv), 1);
    tier_book_free(book);
    tier_csv_free(csv);
}

/* ---------------------------------------------------------------------------------------------
 * Accept rules */

static tier_book *read_ok(tier_csv *csv, const char *text, size_t len, size_t rows)
{
    tier_book *book = NULL;
    int rc;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    rc = read_text(csv, book, text, len);
    if (rc != TIER_OK)
        fail_msg("read failed: %s: %s", tier_status_name(rc), tier_csv_last_error(csv));
    assert_string_equal(tier_csv_last_error(csv), "");
    assert_int_equal(tier_csv_rows_read(csv), rows);
    assert_int_equal(tier_book_txn_count(book), rows);
    return book;
}

static void test_csv_given_names_replace_the_header_line(void **s)
{
    tier_csv *csv = new_csv();
    tier_book *book;
    (void)s;
    assert_int_equal(tier_csv_set_column_names(csv, "a,b,c"), TIER_OK);
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_ID, "c"), TIER_OK);
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_DATE, "a"), TIER_OK);
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_AMOUNT, "b"), TIER_OK);
    book = read_ok(csv, TEXT("x,y,z\n2020-01-01,7,C9\n"), 1);
    assert_txn(book, 0, "C9", tst_day(2020, 1, 1), 7);
    tier_book_free(book);
    /* NULL forgets the names: the header's are used again. */
    assert_int_equal(tier_csv_set_column_names(csv, NULL), TIER_OK);
    book = read_ok(csv, TEXT("c,a,b\nC8,2020-01-02,8\n"), 1);
    assert_txn(book, 0, "C8", tst_day(2020, 1, 2), 8);
    tier_book_free(book);
    tier_csv_free(csv);
}

static void test_csv_selects_columns_by_name_in_any_order(void **s)
{
    tier_csv *csv = new_csv();
    tier_book *book;
    double margin = 0;
    (void)s;
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_MARGIN, "m"), TIER_OK);
    book = read_ok(csv,
                   TEXT("note, amount ,x,m,date,customer_id\n"
                        "hi,10.25,,2.5,2021-03-04,K1\n"
                        "\"a,b\",-3,,,2021-03-05,K2\n"),
                   2);
    assert_txn(book, 0, "K1", tst_day(2021, 3, 4), 10.25);
    assert_txn(book, 1, "K2", tst_day(2021, 3, 5), -3);
    assert_int_equal(tier_book_txn(book, 0, NULL, NULL, NULL, &margin), TIER_OK);
    assert_true(margin == 2.5);
    /* An empty margin field means "unknown". */
    assert_int_equal(tier_book_txn(book, 1, NULL, NULL, NULL, &margin), TIER_OK);
    assert_true(isnan(margin));
    tier_book_free(book);
    /* Clearing the margin role stops reading that column. */
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_MARGIN, NULL), TIER_OK);
    book = read_ok(csv, TEXT("customer_id,date,amount,m\nK3,2021-03-06,1,zz\n"), 1);
    tier_book_free(book);
    tier_csv_free(csv);
}

static void test_csv_passes_refunds_and_zero_amounts_through(void **s)
{
    tier_csv *csv = new_csv();
    tier_book *book;
    double v = 0;
    (void)s;
    book = read_ok(csv,
                   TEXT(H "C1,2020-01-01,10\nC1,2020-01-02,-4.5\nC1,2020-01-03,0\n"
                          "C1,2020-01-04,-0\nC1,2020-01-05,-0.00\n"),
                   5);
    assert_txn(book, 1, "C1", tst_day(2020, 1, 2), -4.5);
    assert_txn(book, 2, "C1", tst_day(2020, 1, 3), 0);
    assert_txn(book, 3, "C1", tst_day(2020, 1, 4), 0);
    assert_int_equal(tier_book_txn(book, 3, NULL, NULL, &v, NULL), TIER_OK);
    assert_false(signbit(v));
    assert_int_equal(tier_book_customer_stat(book, 0, TIER_BOOK_STAT_NET_AMOUNT, &v), TIER_OK);
    assert_true(v == 5.5);
    assert_int_equal(tier_book_customer_stat(book, 0, TIER_BOOK_STAT_REFUNDS, &v), TIER_OK);
    assert_true(v == 1);
    /* $0 rows (and -0) are purchases. */
    assert_int_equal(tier_book_customer_stat(book, 0, TIER_BOOK_STAT_PURCHASES, &v), TIER_OK);
    assert_true(v == 4);
    tier_book_free(book);
    tier_csv_free(csv);
}

static void test_csv_reads_exact_four_decimal_and_exponent_amounts(void **s)
{
    static const struct {
        const char *text;
        double value;
    } ok[] = {{"0.0001", 0.0001},
              {"1234.5678", 1234.5678},
              {"1.23450", 1.2345},
              {"+7", 7},
              {".5", 0.5},
              {"5.", 5},
              {"1e3", 1000},
              {"1.5E+2", 150},
              {"12345e-4", 1.2345},
              {"-2.5e-1", -0.25},
              {"0e999999999", 0},
              {"0.000000000000000000000", 0},
              {"1000000000000", 1e12},
              {"-1e12", -1e12},
              {"999999999999.9999", 999999999999.9999},
              {"00000000000000000000000012.5", 12.5},
              {"1.0000000000000000000000", 1}};
    tier_csv *csv = new_csv();
    size_t i;
    (void)s;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char text[200];
        tier_book *book;
        int n = snprintf(text, sizeof text, H "C1,2020-01-01,%s\n", ok[i].text);
        book = read_ok(csv, text, (size_t)n, 1);
        assert_txn(book, 0, "C1", tst_day(2020, 1, 1), ok[i].value);
        tier_book_free(book);
    }
    tier_csv_free(csv);
}

/* Reads one row whose amount is `amount` into a fresh book: with the amount last (eight bytes of
 * the record before its end: the reader may take it in one word) or first (only an amount of
 * eight bytes then can be). Returns the status; *value gets the amount read. */
static int read_amount(tier_csv *csv, const char *amount, int last, double *value)
{
    char text[96];
    tier_book *book = NULL;
    int n = last ? snprintf(text, sizeof text, "id,date,amount\nC1,2020-01-01,%s\n", amount)
                 : snprintf(text, sizeof text, "amount,id,date\n%s,C1,2020-01-01\n", amount);
    int rc;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_ID, "id"), TIER_OK);
    rc = read_text(csv, book, text, (size_t)n);
    *value = NAN;
    if (rc == TIER_OK)
        assert_int_equal(tier_book_txn(book, 0, NULL, NULL, value, NULL), TIER_OK);
    tier_book_free(book);
    return rc;
}

/* The amounts the reader takes in one word (at most 8 bytes after an optional '-': digits and at
 * most one point) read as the byte-wise path reads them, and every other short text falls back to
 * it: each amount read last and first gives the same status and value. */
static void test_csv_reads_short_amounts_alike_in_one_word_and_byte_by_byte(void **s)
{
    static const char *const fixed[] = {
        "0",        "5.",        ".5",        "-",        "-.5",       "-5.",     "12345678",
        "1234567.", "1234.5678", "123.45678", "99999999", "-99999999", "1.2.3",   "00000001",
        "0.0001",   "-0",        "-0.0",      "1e3",      "12 34",     "1.23456", "-1234.567",
        "9.9999",   "123456789", "..",        "1.",       "-12345678", "0.00001", "12345.67",
        "1/2",      "1:2",       "-0.0001",   "87654321", "8765432.1", "1234.",   "-1234567."};
    static const struct {
        const char *text;
        double value;
    } words[] = {{"-1234.5", -1234.5},
                 {"12345678", 12345678},
                 {"1234.5678", 1234.5678},
                 {"0.0001", 0.0001},
                 {"5.", 5},
                 {"-0.0001", -0.0001},
                 {"99999999", 99999999},
                 {"367.53", 367.53}};
    static const char alphabet[] = "0123456789012345678901234567890123456789.-e+ ";
    tier_csv *csv = new_csv();
    uint32_t seed = 2024;
    size_t i, rounds = tst_under_valgrind() ? 2000 : 30000;
    (void)s;
    for (i = 0; i < TST_COUNT(fixed) + rounds; i++) {
        char amount[16];
        double a, b;
        int ra, rb;
        if (i < TST_COUNT(fixed)) {
            snprintf(amount, sizeof amount, "%s", fixed[i]);
        } else {
            size_t len, k;
            seed = seed * 1103515245u + 12345u;
            len = 1 + (seed >> 8) % 10;
            for (k = 0; k < len; k++) {
                seed = seed * 1103515245u + 12345u;
                amount[k] = alphabet[(seed >> 10) % (sizeof alphabet - 1)];
            }
            amount[len] = '\0';
        }
        ra = read_amount(csv, amount, 1, &a);
        rb = read_amount(csv, amount, 0, &b);
        if (ra != rb || (ra == TIER_OK && memcmp(&a, &b, sizeof a) != 0))
            fail_msg("amount \"%s\": %s %.17g last, %s %.17g first", amount, tier_status_name(ra),
                     a, tier_status_name(rb), b);
    }
    /* What the one-word path takes, with its value. */
    for (i = 0; i < TST_COUNT(words); i++) {
        double v;
        assert_int_equal(read_amount(csv, words[i].text, 1, &v), TIER_OK);
        if (v != words[i].value)
            fail_msg("amount \"%s\": %.17g, want %.17g", words[i].text, v, words[i].value);
    }
    tier_csv_free(csv);
}

/* The empty, header-only and blank files are cases under tests/data/bad_input/transactions; a NULL
 * buffer is not a file. */
static void test_csv_accepts_a_null_buffer_as_an_empty_file(void **s)
{
    tier_csv *csv = new_csv();
    tier_book *book;
    (void)s;
    book = read_ok(csv, NULL, 0, 0);
    tier_book_free(book);
    tier_csv_free(csv);
}

static void test_csv_rejects_bad_settings(void **s)
{
    tier_csv *csv = new_csv();
    tier_io io;
    (void)s;
    assert_int_equal(tier_csv_set_delimiter(csv, '"'), TIER_EINVAL);
    assert_int_equal(tier_csv_set_delimiter(csv, '\n'), TIER_EINVAL);
    assert_int_equal(tier_csv_set_delimiter(csv, '\r'), TIER_EINVAL);
    assert_int_equal(tier_csv_set_delimiter(csv, 0), TIER_EINVAL);
    assert_int_equal(tier_csv_set_delimiter(csv, 256), TIER_EINVAL);
    assert_int_equal(tier_csv_set_delimiter(csv, -2), TIER_EINVAL);
    assert_int_equal(tier_csv_set_delimiter(csv, '|'), TIER_OK);
    assert_int_equal(tier_csv_set_column_names(csv, "a,,b"), TIER_EINVAL);
    assert_int_equal(tier_csv_set_column_names(csv, "a,b, a"), TIER_EINVAL);
    assert_non_null(strstr(tier_csv_last_error(csv), "given twice"));
    assert_int_equal(tier_csv_set_column_names(csv, ""), TIER_EINVAL);
    assert_int_equal(tier_csv_set_column(csv, 0, "x"), TIER_EINVAL);
    assert_int_equal(tier_csv_set_column(csv, 5, "x"), TIER_EINVAL);
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_ID, NULL), TIER_EINVAL);
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_ID, "  "), TIER_EINVAL);
    assert_int_equal(tier_csv_set_date_format(csv, 3), TIER_EINVAL);
    assert_int_equal(tier_csv_set_limit(csv, 0, 5), TIER_EINVAL);
    assert_int_equal(tier_csv_set_limit(csv, TIER_CSV_LIMIT_FIELDS, 0), TIER_ERANGE);
    assert_int_equal(tier_csv_set_limit(csv, TIER_CSV_LIMIT_FIELDS, (uint64_t)1 << 21),
                     TIER_ERANGE);
    assert_int_equal(tier_csv_set_limit(csv, TIER_CSV_LIMIT_FIELD_LENGTH, (uint64_t)1 << 31),
                     TIER_ERANGE);
    assert_int_equal(tier_csv_set_limit(csv, TIER_CSV_LIMIT_ROWS, 0), TIER_ERANGE);
    io = *tier_io_default();
    io.version = TIER_IO_VERSION + 1;
    assert_int_equal(tier_csv_set_io(csv, &io), TIER_EVERSION);
    io.version = TIER_IO_VERSION;
    io.read = NULL;
    assert_int_equal(tier_csv_set_io(csv, &io), TIER_EINVAL);
    assert_int_equal(tier_csv_set_io(csv, NULL), TIER_OK);
    /* NULL handles and arguments. */
    assert_int_equal(tier_csv_new(NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_csv_read_buffer(NULL, NULL, "", 0), TIER_EINVAL);
    assert_int_equal(tier_csv_read_buffer(csv, NULL, "", 0), TIER_EINVAL);
    assert_int_equal(tier_csv_read_file(csv, NULL, "x"), TIER_EINVAL);
    assert_string_equal(tier_csv_last_error(NULL), "");
    assert_int_equal(tier_csv_error_line(NULL), 0);
    assert_int_equal(tier_csv_rows_read(NULL), 0);
    tier_csv_free(NULL);
    tier_csv_free(csv);
}

static void test_csv_rejects_one_column_chosen_for_two_roles(void **s)
{
    tier_csv *csv = new_csv();
    tier_book *book = new_book_with_one_row();
    (void)s;
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_AMOUNT, "date"), TIER_OK);
    assert_int_equal(read_text(csv, book, TEXT(H "C1,2020-01-01,1\n")), TIER_EINVAL);
    assert_non_null(strstr(tier_csv_last_error(csv), "column chosen for both"));
    assert_book_unchanged(book);
    tier_book_free(book);
    tier_csv_free(csv);
}

/* ---------------------------------------------------------------------------------------------
 * Block boundaries */

static const char boundary_text[] =
    "\xEF\xBB\xBF"
    "customer_id,date,amount,note\r\n"
    "C1,2020-01-01,1.25,plain\r\n"
    "\n"
    "\"C \"\"2\"\"\",2020-01-02,\"2\",\"multi\nline\r\nnote, with commas\"\n"
    "C3,20200103,  3e2 , \"\"\r\n"
    "\r\n"
    "\"C,4\",2020-01-04,-4.5,x\n"
    "C5,2020-01-05,0,\"\"\"\"\n"
    "C6,2020-01-06,6.0006,last";

static void assert_boundary_book(const tier_book *book)
{
    assert_int_equal(tier_book_txn_count(book), 6);
    assert_txn(book, 0, "C1", tst_day(2020, 1, 1), 1.25);
    assert_txn(book, 1, "C \"2\"", tst_day(2020, 1, 2), 2);
    assert_txn(book, 2, "C3", tst_day(2020, 1, 3), 300);
    assert_txn(book, 3, "C,4", tst_day(2020, 1, 4), -4.5);
    assert_txn(book, 4, "C5", tst_day(2020, 1, 5), 0);
    assert_txn(book, 5, "C6", tst_day(2020, 1, 6), 6.0006);
}

static void test_csv_reads_records_across_every_block_boundary(void **s)
{
    size_t block;
    (void)s;
    for (block = 1; block <= sizeof boundary_text + 1; block++) {
        tier_csv *csv = new_csv();
        tier_book *book;
        assert_int_equal(tier__csv_set_block_size(csv, block), TIER_OK);
        book = read_ok(csv, boundary_text, sizeof boundary_text - 1, 6);
        assert_boundary_book(book);
        tier_book_free(book);
        tier_csv_free(csv);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Files through a memory-backed I/O layer: short reads, faults, open/close accounting */

/* The boundary text as the read-only file "mem", read at most `chunk` bytes at a time. */
static tier_io boundary_file(tst_memfs *fs, size_t chunk)
{
    memset(fs, 0, sizeof *fs);
    fs->read_only = 1;
    fs->read_chunk = chunk;
    tst_memfs_put(fs, "mem", boundary_text, sizeof boundary_text - 1);
    return tst_memfs_io(fs);
}

/* A reader of the boundary file in `fs` (boundary_file()) with `block`-byte blocks. */
static tier_csv *boundary_reader(tst_memfs *fs, size_t chunk, size_t block)
{
    tier_io io = boundary_file(fs, chunk);
    tier_csv *csv = new_csv();
    assert_int_equal(tier_csv_set_io(csv, &io), TIER_OK);
    assert_int_equal(tier__csv_set_block_size(csv, block), TIER_OK);
    return csv;
}

/* The read opened the file once and closed it; frees the reader, the book and the file. */
static void boundary_reader_done(tst_memfs *fs, tier_csv *csv, tier_book *book)
{
    assert_int_equal(fs->opens, 1);
    assert_int_equal(fs->closes, 1);
    tier_book_free(book);
    tier_csv_free(csv);
    tst_memfs_clear(fs);
}

static void test_csv_reads_files_through_short_reads_and_tiny_blocks(void **s)
{
    size_t chunk, block;
    (void)s;
    for (chunk = 1; chunk <= 7; chunk += 3) {
        for (block = 1; block <= 40; block += 13) {
            tst_memfs m;
            tier_csv *csv = boundary_reader(&m, chunk, block);
            tier_book *book = NULL;
            int rc;
            m.eintr_read = 2;
            assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
            rc = tier_csv_read_file(csv, book, "mem");
            if (rc)
                fail_msg("%s", tier_csv_last_error(csv));
            assert_boundary_book(book);
            boundary_reader_done(&m, csv, book);
        }
    }
}

static void test_csv_reports_a_failing_read_as_eio_and_closes_the_file(void **s)
{
    int fail_at;
    (void)s;
    for (fail_at = 1; fail_at <= 4; fail_at++) {
        tst_memfs m;
        tier_csv *csv = boundary_reader(&m, 16, 32);
        tier_book *book = new_book_with_one_row();
        m.fail_read = fail_at;
        assert_int_equal(tier_csv_read_file(csv, book, "mem"), TIER_EIO);
        assert_non_null(strstr(tier_csv_last_error(csv), "read error after"));
        assert_non_null(strstr(tier_csv_last_error(csv), "input/output error"));
        assert_book_unchanged(book);
        boundary_reader_done(&m, csv, book);
    }
}

static void test_csv_reports_a_file_that_cannot_be_opened(void **s)
{
    tier_csv *csv = new_csv();
    tier_book *book = new_book_with_one_row();
    tst_memfs m;
    tier_io io;
    (void)s;
    assert_int_equal(tier_csv_read_file(csv, book, "/nonexistent/dir/file.csv"), TIER_EIO);
    assert_non_null(strstr(tier_csv_last_error(csv), "cannot open /nonexistent/dir/file.csv"));
    assert_non_null(strstr(tier_csv_last_error(csv), "no such file"));
    assert_book_unchanged(book);
    io = boundary_file(&m, 16); /* no file "x" */
    assert_int_equal(tier_csv_set_io(csv, &io), TIER_OK);
    assert_int_equal(tier_csv_read_file(csv, book, "x"), TIER_EIO);
    assert_int_equal(m.opens, 0);
    assert_int_equal(m.closes, 0);
    assert_book_unchanged(book);
    tier_book_free(book);
    tier_csv_free(csv);
    tst_memfs_clear(&m);
}

typedef struct progress_log {
    int calls;
    int stop_at;
    uint64_t last_done;
    uint64_t total;
} progress_log;

static int on_progress(void *ud, uint64_t done, uint64_t total)
{
    progress_log *p = ud;
    p->calls++;
    assert_true(done >= p->last_done);
    p->last_done = done;
    p->total = total;
    return p->calls == p->stop_at;
}

static void test_csv_reports_progress_and_stops_when_the_callback_says_so(void **s)
{
    tier_csv *csv = new_csv();
    tier_book *book = new_book_with_one_row();
    progress_log log;
    tst_memfs m;
    tier_io io;
    (void)s;
    /* Buffers: one call per block, the last with done == total. */
    memset(&log, 0, sizeof log);
    assert_int_equal(tier_csv_set_progress(csv, on_progress, &log), TIER_OK);
    assert_int_equal(tier__csv_set_block_size(csv, 10), TIER_OK);
    assert_int_equal(read_text(csv, book, boundary_text, sizeof boundary_text - 1), TIER_OK);
    assert_int_equal(log.calls, (int)((sizeof boundary_text - 1 + 9) / 10));
    assert_int_equal(log.last_done, sizeof boundary_text - 1);
    assert_int_equal(log.total, sizeof boundary_text - 1);
    tier_book_free(book);
    /* Stopping on the third call: TIER_EUSER, book unchanged. */
    book = new_book_with_one_row();
    memset(&log, 0, sizeof log);
    log.stop_at = 3;
    assert_int_equal(read_text(csv, book, boundary_text, sizeof boundary_text - 1), TIER_EUSER);
    assert_non_null(strstr(tier_csv_last_error(csv), "stopped by the progress callback"));
    assert_int_equal(log.calls, 3);
    assert_book_unchanged(book);
    /* Files: total comes from the size hook. */
    io = boundary_file(&m, 1000);
    m.has_size = 1;
    io = tst_memfs_io(&m);
    assert_int_equal(tier_csv_set_io(csv, &io), TIER_OK);
    memset(&log, 0, sizeof log);
    log.stop_at = 2;
    assert_int_equal(tier_csv_read_file(csv, book, "mem"), TIER_EUSER);
    assert_int_equal(log.total, sizeof boundary_text - 1);
    assert_int_equal(m.closes, 1);
    assert_book_unchanged(book);
    /* Without a size hook the total is 0. */
    m.has_size = 0;
    io = tst_memfs_io(&m);
    assert_int_equal(tier_csv_set_io(csv, &io), TIER_OK);
    memset(&log, 0, sizeof log);
    tier_book_free(book);
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_csv_read_file(csv, book, "mem"), TIER_OK);
    assert_int_equal(log.total, 0);
    assert_int_equal(log.last_done, sizeof boundary_text - 1);
    assert_int_equal(tier_book_txn_count(book), 6);
    /* Removing the callback. */
    assert_int_equal(tier_csv_set_progress(csv, NULL, NULL), TIER_OK);
    tier_book_free(book);
    tier_csv_free(csv);
    tst_memfs_clear(&m);
}

/* ---------------------------------------------------------------------------------------------
 * The CDNOW files */

static void setup_cdnow_sample(tier_csv *csv)
{
    assert_int_equal(tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE), TIER_OK);
    assert_int_equal(tier_csv_set_header(csv, 0), TIER_OK);
    assert_int_equal(tier_csv_set_column_names(csv, "customer_id,sample,date,cds,amount"), TIER_OK);
}

static void test_csv_reads_the_cdnow_master_file(void **s)
{
    tier_csv *csv = new_csv();
    tier_book *book = NULL;
    size_t index = 0;
    int rc;
    (void)s;
    assert_int_equal(tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE), TIER_OK);
    assert_int_equal(tier_csv_set_column(csv, TIER_CSV_AMOUNT, "dollar_value"), TIER_OK);
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    rc = tier_csv_read_file(csv, book, tst_data_path("CDNOW_master.txt"));
    if (rc)
        fail_msg("%s", tier_csv_last_error(csv));
    assert_int_equal(tier_csv_rows_read(csv), 69659);
    assert_int_equal(tier_book_txn_count(book), 69659);
    assert_int_equal(tier_book_customer_count(book), 23570);
    /* awk 'NR>1{c+=sprintf("%.0f",$4*100)} END{printf "%d\n", c}' examples/data/CDNOW_master.txt */
    assert_int_equal(total_cents(book), 250031563LL);
    assert_int_equal(tier_book_find(book, "00001", 5, &index), TIER_OK);
    assert_txn(book, 0, "00001", tst_day(1997, 1, 1), 11.77);
    tier_book_free(book);
    tier_csv_free(csv);
}

static void test_csv_reads_the_headerless_cdnow_sample_file(void **s)
{
    tier_csv *csv = new_csv();
    tier_book *book = NULL;
    int rc;
    (void)s;
    setup_cdnow_sample(csv);
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    rc = tier_csv_read_file(csv, book, tst_data_path("CDNOW_sample.txt"));
    if (rc)
        fail_msg("%s", tier_csv_last_error(csv));
    assert_int_equal(tier_csv_rows_read(csv), 6919);
    assert_int_equal(tier_book_txn_count(book), 6919);
    assert_int_equal(tier_book_customer_count(book), 2357);
    /* awk '{c+=sprintf("%.0f",$5*100)} END{printf "%d\n", c}' examples/data/CDNOW_sample.txt */
    assert_int_equal(total_cents(book), 24409194LL);
    assert_txn(book, 0, "00004", tst_day(1997, 1, 1), 29.33);
    tier_book_free(book);
    tier_csv_free(csv);
}

static void test_csv_reads_the_cdnow_sample_the_same_from_a_buffer(void **s)
{
    tier_csv *csv = new_csv();
    tier_book *book = NULL;
    size_t len = 0;
    char *text = tst_read_file(tst_data_path("CDNOW_sample.txt"), &len);
    (void)s;
    setup_cdnow_sample(csv);
    assert_int_equal(tier__csv_set_block_size(csv, 4093), TIER_OK);
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_csv_read_buffer(csv, book, text, len), TIER_OK);
    assert_int_equal(tier_book_customer_count(book), 2357);
    assert_int_equal(total_cents(book), 24409194LL);
    tier_book_free(book);
    test_free(text);
    tier_csv_free(csv);
}

static int oom_read_sample(const tier_allocator *alloc, void *ud)
{
    tier_csv *csv = NULL;
    tier_book *book = NULL;
    int rc;
    (void)ud;
    rc = tier_book_new(&book, alloc);
    if (rc)
        return rc;
    rc = tier_csv_new(&csv, alloc);
    if (rc) {
        tier_book_free(book);
        return rc;
    }
    assert_int_equal(tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE), TIER_OK);
    assert_int_equal(tier_csv_set_header(csv, 0), TIER_OK);
    rc = tier_csv_set_column_names(csv, "customer_id,sample,date,cds,amount");
    if (rc == TIER_OK)
        rc = tier_csv_read_file(csv, book, tst_data_path("CDNOW_sample.txt"));
    if (rc == TIER_OK) {
        assert_int_equal(tier_book_customer_count(book), 2357);
    } else {
        assert_int_equal(rc, TIER_ENOMEM);
        assert_int_equal(tier_book_customer_count(book), 0);
        assert_int_equal(tier_book_txn_count(book), 0);
        assert_non_null(strstr(tier_csv_last_error(csv), "out of memory"));
    }
    tier_csv_free(csv);
    tier_book_free(book);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The default POSIX I/O table */

static void test_io_default_writes_syncs_renames_reads_and_removes_a_file(void **s)
{
    const tier_io *io = tier_io_default();
    char from[512], to[512], buf[16];
    void *file = NULL;
    (void)s;
    snprintf(from, sizeof from, "%s/test_csv_io.tmp", TIER_BINARY_DIR);
    snprintf(to, sizeof to, "%s/test_csv_io.txt", TIER_BINARY_DIR);
    assert_int_equal(io->version, TIER_IO_VERSION);
    assert_int_equal(io->open(io->ud, from, TIER_IO_WRITE, &file), 0);
    assert_non_null(file);
    assert_int_equal(io->write(io->ud, file, "hello", 5), 5);
    assert_int_equal(io->sync(io->ud, file), 0);
    assert_int_equal(io->size(io->ud, file), 5);
    assert_int_equal(io->close(io->ud, file), 0);
    assert_int_equal(io->rename(io->ud, from, to), 0);
    assert_int_equal(io->open(io->ud, from, TIER_IO_READ, &file), -ENOENT);
    assert_int_equal(io->open(io->ud, to, TIER_IO_READ, &file), 0);
    assert_int_equal(io->read(io->ud, file, buf, sizeof buf), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(io->read(io->ud, file, buf, sizeof buf), 0);
    /* Writing to a file opened for reading fails with an errno, not a crash. */
    assert_true(io->write(io->ud, file, "x", 1) < 0);
    assert_int_equal(io->close(io->ud, file), 0);
    assert_int_equal(io->remove(io->ud, to), 0);
    assert_int_equal(io->remove(io->ud, to), -ENOENT);
    assert_int_equal(io->rename(io->ud, from, to), -ENOENT);
    assert_int_equal(io->open(io->ud, to, 99, &file), -EINVAL);
    /* A directory opens for reading (for fsync after a rename) but has no size. */
    assert_int_equal(io->open(io->ud, TIER_BINARY_DIR, TIER_IO_READ, &file), 0);
    assert_int_equal(io->size(io->ud, file), 0);
    assert_int_equal(io->sync(io->ud, file), 0);
    assert_true(io->read(io->ud, file, buf, sizeof buf) < 0);
    assert_int_equal(io->close(io->ud, file), 0);
}

TST_MAIN(cmocka_unit_test(test_csv_keeps_the_last_successful_row_count_after_a_failure),
         cmocka_unit_test(test_csv_given_names_replace_the_header_line),
         cmocka_unit_test(test_csv_selects_columns_by_name_in_any_order),
         cmocka_unit_test(test_csv_passes_refunds_and_zero_amounts_through),
         cmocka_unit_test(test_csv_reads_exact_four_decimal_and_exponent_amounts),
         cmocka_unit_test(test_csv_accepts_a_null_buffer_as_an_empty_file),
         cmocka_unit_test(test_csv_rejects_bad_settings),
         cmocka_unit_test(test_csv_rejects_one_column_chosen_for_two_roles),
         cmocka_unit_test(test_csv_reads_records_across_every_block_boundary),
         cmocka_unit_test(test_csv_reads_files_through_short_reads_and_tiny_blocks),
         cmocka_unit_test(test_csv_reports_a_failing_read_as_eio_and_closes_the_file),
         cmocka_unit_test(test_csv_reports_a_file_that_cannot_be_opened),
         cmocka_unit_test(test_csv_reports_progress_and_stops_when_the_callback_says_so),
         cmocka_unit_test(test_csv_reads_the_cdnow_master_file),
         cmocka_unit_test(test_csv_reads_the_headerless_cdnow_sample_file),
         cmocka_unit_test(test_csv_reads_short_amounts_alike_in_one_word_and_byte_by_byte),
         cmocka_unit_test(test_csv_reads_the_cdnow_sample_the_same_from_a_buffer),
         TST_OOM_WALK(test_csv_survives_every_allocation_failure_reading_cdnow_sample,
                      oom_read_sample, NULL, 5),
         cmocka_unit_test(test_io_default_writes_syncs_renames_reads_and_removes_a_file))
