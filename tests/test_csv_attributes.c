/* SPDX-License-Identifier: MIT */
/* The CSV attribute loader: column types inferred (numbers, text, empty cells), existing
 * customers and attribute types, errors with line and column, all-or-nothing loads, the reader's
 * dialect and limits, files through the I/O layer, out of memory, and the B2B accounts file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

typedef struct fixture {
    tier_allocator a;
    tier_book *book;
    tier_csv *csv;
} fixture;

/* A book and a reader made inside the test (cmocka checks each test's own allocations). */
static fixture *fx_open(fixture *fx)
{
    fx->a = tst_allocator();
    assert_int_equal(tier_book_new(&fx->book, &fx->a), TIER_OK);
    assert_int_equal(tier_csv_new(&fx->csv, &fx->a), TIER_OK);
    return fx;
}

static void fx_close(fixture *fx)
{
    tier_csv_free(fx->csv);
    tier_book_free(fx->book);
}

static int load(fixture *fx, const char *text)
{
    return tier_csv_read_attributes_buffer(fx->csv, fx->book, text, strlen(text));
}

static double num(const tier_book *book, const char *id, const char *name)
{
    double v = NAN;
    int rc = tier_book_get_number(book, tst_customer(book, id), name, &v);
    return rc == TIER_OK ? v : -12345.0;
}

static const char *text(const tier_book *book, const char *id, const char *name)
{
    const char *v = NULL;
    int rc = tier_book_get_text(book, tst_customer(book, id), name, &v);
    return rc == TIER_OK ? v : "(unset)";
}

static void test_csv_attributes_infers_number_and_text_columns(void **state)
{
    fixture fxs, *fx = fx_open(&fxs);
    const char *in = "customer_id,employees,industry,score,zip,note\n"
                     "a,12,Retail,0.5,\"02134\",\n"
                     "b,7,Software,-1e2,10001,\"hello, \"\"world\"\"\"\n"
                     "c,,Retail,+.25,x1,\n";
    (void)state;
    assert_int_equal(load(fx, in), TIER_OK);
    assert_int_equal(tier_csv_rows_read(fx->csv), 3);
    assert_string_equal(tier_csv_last_error(fx->csv), "");
    assert_int_equal(tier_book_customer_count(fx->book), 3);
    assert_int_equal(tst_customer(fx->book, "a"), 0);
    assert_int_equal(tst_customer(fx->book, "c"), 2);
    /* employees: every value numeric; c's empty cell stays unset. */
    assert_true(num(fx->book, "a", "employees") == 12);
    assert_true(num(fx->book, "b", "employees") == 7);
    assert_true(num(fx->book, "c", "employees") == -12345.0);
    assert_true(num(fx->book, "b", "score") == -100);
    assert_true(num(fx->book, "c", "score") == 0.25);
    assert_string_equal(text(fx->book, "a", "industry"), "Retail");
    /* zip: "x1" is not a number, so the whole column is text and keeps the leading zero. */
    assert_string_equal(text(fx->book, "a", "zip"), "02134");
    assert_string_equal(text(fx->book, "b", "zip"), "10001");
    assert_true(num(fx->book, "a", "zip") == -12345.0);
    assert_string_equal(text(fx->book, "b", "note"), "hello, \"world\"");
    assert_string_equal(text(fx->book, "a", "note"), "(unset)");
    /* No transactions were added. */
    assert_int_equal(tier_book_txn_count(fx->book), 0);
    fx_close(fx);
}

static void test_csv_attributes_keeps_existing_customers_and_attribute_types(void **state)
{
    fixture fxs, *fx = fx_open(&fxs);
    size_t b;
    (void)state;
    assert_int_equal(tier_book_add_txn(fx->book, "b", 1, 10, 5, NAN), TIER_OK);
    assert_int_equal(tier_book_set_text(fx->book, 0, "code", "A7"), TIER_OK);
    assert_int_equal(tier_book_set_number(fx->book, 0, "score", 1), TIER_OK);
    assert_int_equal(tier_book_set_number(fx->book, 0, "kept", 3), TIER_OK);
    /* code is text in the book: 123 is stored as text. An empty cell leaves kept alone. */
    assert_int_equal(load(fx, "customer_id,code,score,kept\nb,123,5,\nnew,456,,\n"), TIER_OK);
    b = tst_customer(fx->book, "b");
    assert_int_equal(b, 0);
    assert_int_equal(tst_customer(fx->book, "new"), 1);
    assert_string_equal(text(fx->book, "b", "code"), "123");
    assert_string_equal(text(fx->book, "new", "code"), "456");
    assert_true(num(fx->book, "b", "score") == 5);
    assert_true(num(fx->book, "b", "kept") == 3);
    assert_int_equal(tier_book_txn_count(fx->book), 1);
    /* score holds numbers: a text value is refused where it stands. */
    assert_int_equal(load(fx, "customer_id,score\nb,7\nnew,high\n"), TIER_EINVAL);
    assert_string_equal(tier_csv_last_error(fx->csv),
                        "line 3, column 2 (score): not a number: \"high\" (the book holds numbers "
                        "for this attribute)");
    assert_int_equal(tier_csv_error_line(fx->csv), 3);
    assert_int_equal(tier_csv_error_column(fx->csv), 2);
    assert_true(num(fx->book, "b", "score") == 5);
    fx_close(fx);
}

typedef struct bad_case {
    const char *in;
    int status;
    uint64_t line, column;
    const char *message;
} bad_case;

static void test_csv_attributes_reports_line_column_and_reason(void **state)
{
    static const bad_case cases[] = {
        {"customer_id,x\na,\"abc\n", TIER_EPARSE, 2, 2,
         "line 2, column 2 (x): unterminated quoted field (the quote opened on line 2)"},
        {"customer_id,x\na,1,2\n", TIER_EPARSE, 2, 0, "line 2: expected 2 fields, found 3"},
        {"customer_id,x\n,1\n", TIER_EPARSE, 2, 1,
         "line 2, column 1 (customer_id): empty customer id"},
        {"customer_id,x\n\" \t\",1\n", TIER_EPARSE, 2, 1,
         "line 2, column 1 (customer_id): empty customer id"},
        {"customer_id,x\na,1\nb,2\na,3\n", TIER_EPARSE, 4, 1,
         "line 4, column 1 (customer_id): customer appears twice (first on line 2)"},
        {"id,x\na,1\n", TIER_EINVAL, 1, 0,
         "line 1: no column named \"customer_id\" for the customer id (columns: \"id\", \"x\")"},
        {"customer_id,x,x\na,1,2\n", TIER_EPARSE, 1, 3,
         "line 1, column 3 (x): column name appears twice"},
        {"customer_id,,y\na,1,2\n", TIER_EPARSE, 1, 2, NULL},
        {"customer_id,x\na,1e999\n", TIER_ERANGE, 2, 2,
         "line 2, column 2 (x): number out of range: \"1e999\""},
        {"customer_id,x\na,\xff\n", TIER_EPARSE, 2, 2,
         "line 2, column 2 (x): invalid UTF-8: \"\\xff\""},
        /* The same failures give the same texts as in the transaction reader. */
        {"customer_id,x\nC\xff"
         "1,2\n",
         TIER_EPARSE, 2, 1, "line 2, column 1 (customer_id): invalid UTF-8: \"C\\xff1\""},
        {"customer_id,x\na,1\nb,2\r", TIER_EPARSE, 3, 2,
         "line 3, column 2 (x): carriage return not followed by a line feed"},
        {"customer_id,x\na,\"1\"x\n", TIER_EPARSE, 2, 2,
         "line 2, column 2 (x): unexpected text after a closing quote"},
        {"customer_id,x\na,b\"c\n", TIER_EPARSE, 2, 2,
         "line 2, column 2 (x): quote inside an unquoted field (quote the whole field and double "
         "the quote)"},
        {"customer_id,x\na,ab\"c\n", TIER_EPARSE, 2, 2, NULL},
        {"customer_id,x\na,\"l1\nl2\"\nb,\"\n", TIER_EPARSE, 4, 2, NULL},
        {"customer_id,x\na,1\rb,2\n", TIER_EPARSE, 2, 2,
         "line 2, column 2 (x): carriage return not followed by a line feed"},
        {"customer_id,x\na,\"1\"z\n", TIER_EPARSE, 2, 2, NULL},
        {"customer_id,x\na,1\0\n", TIER_OK, 0, 0, NULL}, /* strlen stops at the NUL */
        /* a column name that is not UTF-8 is not copied into the message */
        {"customer_id,\xff\na,1\n", TIER_EPARSE, 1, 2,
         "line 1, column 2: column name is not valid UTF-8"},
    };
    fixture fxs, *fx = fx_open(&fxs);
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = load(fx, cases[i].in);
        if (rc != cases[i].status)
            fail_msg("case %zu: status %d, want %d (%s)", i, rc, cases[i].status,
                     tier_csv_last_error(fx->csv));
        if (rc == TIER_OK)
            continue;
        assert_int_equal(tier_csv_error_line(fx->csv), cases[i].line);
        assert_int_equal(tier_csv_error_column(fx->csv), cases[i].column);
        if (cases[i].message)
            assert_string_equal(tier_csv_last_error(fx->csv), cases[i].message);
        /* Nothing was added by a failed load. */
        assert_true(tier_book_customer_count(fx->book) <= 1);
    }
    /* A NUL inside the data given with its length is refused. */
    assert_int_equal(
        tier_csv_read_attributes_buffer(fx->csv, fx->book, "customer_id,x\nz,1\0\n", 19),
        TIER_EPARSE);
    assert_string_equal(tier_csv_last_error(fx->csv), "line 2, column 2 (x): NUL byte in a field");
    fx_close(fx);
}

static void test_csv_attributes_leave_the_book_unchanged_on_failure(void **state)
{
    fixture fxs, *fx = fx_open(&fxs);
    (void)state;
    assert_int_equal(tier_book_add_customer(fx->book, "a", 1, NULL), TIER_OK);
    assert_int_equal(tier_book_set_number(fx->book, 0, "x", 1), TIER_OK);
    /* New customers b and c and a new value for a, then a bad last row. */
    assert_int_equal(load(fx, "customer_id,x,label\na,2,p\nb,3,q\nc,4,r\nd,5,\"oops\n"),
                     TIER_EPARSE);
    assert_int_equal(tier_book_customer_count(fx->book), 1);
    assert_int_equal(tier_book_find(fx->book, "b", 1, NULL), TIER_ENOTFOUND);
    assert_true(num(fx->book, "a", "x") == 1);
    assert_string_equal(text(fx->book, "a", "label"), "(unset)");
    /* Failing after the customers were staged (a repeated id) rolls them back too. */
    assert_int_equal(load(fx, "customer_id,x\nb,3\nc,4\nb,5\n"), TIER_EPARSE);
    assert_int_equal(tier_book_customer_count(fx->book), 1);
    /* The next call succeeds and sees a clean book. */
    assert_int_equal(load(fx, "customer_id,x,label\nb,3,q\na,9,p\n"), TIER_OK);
    assert_int_equal(tier_book_customer_count(fx->book), 2);
    assert_int_equal(tst_customer(fx->book, "b"), 1);
    assert_true(num(fx->book, "a", "x") == 9);
    assert_string_equal(text(fx->book, "b", "label"), "q");
    assert_int_equal(tier_csv_error_line(fx->csv), 0);
    fx_close(fx);
}

static void test_csv_attributes_follow_the_reader_dialect(void **state)
{
    fixture fxs, *fx = fx_open(&fxs);
    (void)state;
    /* Semicolons, a byte-order mark, CRLF, blanks around fields, empty lines, another id name. */
    assert_int_equal(tier_csv_set_delimiter(fx->csv, ';'), TIER_OK);
    assert_int_equal(tier_csv_set_column(fx->csv, TIER_CSV_ID, "account"), TIER_OK);
    assert_int_equal(load(fx, "\xEF\xBB\xBF"
                              "account; arr ;city\r\n\r\n a1 ; 1.5 ; Ulm \r\n"
                              "a2;2,5;\"B; C\"\r\n"),
                     TIER_OK);
    assert_string_equal(text(fx->book, "a1", "arr"), "1.5"); /* "2,5" is no number: text */
    assert_string_equal(text(fx->book, "a1", "city"), "Ulm");
    assert_string_equal(text(fx->book, "a2", "city"), "B; C");
    /* Headerless with given names, whitespace separated. */
    assert_int_equal(tier_csv_set_delimiter(fx->csv, TIER_CSV_WHITESPACE), TIER_OK);
    assert_int_equal(tier_csv_set_header(fx->csv, 0), TIER_OK);
    assert_int_equal(load(fx, "a3 7\n"), TIER_EINVAL);
    assert_non_null(strstr(tier_csv_last_error(fx->csv), "column names"));
    assert_int_equal(tier_csv_set_column_names(fx->csv, "account,seats"), TIER_OK);
    assert_int_equal(load(fx, "  a3   7\n\ta4\t\t8  \n\n"), TIER_OK);
    assert_int_equal(tier_csv_rows_read(fx->csv), 2);
    assert_true(num(fx->book, "a4", "seats") == 8);
    /* Given names replace a header's. */
    assert_int_equal(tier_csv_set_header(fx->csv, 1), TIER_OK);
    assert_int_equal(load(fx, "id n\na5 9\n"), TIER_OK);
    assert_true(num(fx->book, "a5", "seats") == 9);
    /* Limits: rows, fields, field length. */
    assert_int_equal(tier_csv_set_limit(fx->csv, TIER_CSV_LIMIT_ROWS, 1), TIER_OK);
    assert_int_equal(load(fx, "h h\na6 1\na7 2\n"), TIER_ERANGE);
    assert_int_equal(tier_csv_error_line(fx->csv), 3);
    assert_int_equal(tier_csv_set_limit(fx->csv, TIER_CSV_LIMIT_FIELDS, 2), TIER_OK);
    assert_int_equal(load(fx, "h h\na6 1 2\n"), TIER_ERANGE);
    assert_int_equal(tier_csv_error_column(fx->csv), 3);
    assert_int_equal(tier_csv_set_limit(fx->csv, TIER_CSV_LIMIT_FIELD_LENGTH, 4), TIER_OK);
    assert_int_equal(load(fx, "h h\na6 12345\n"), TIER_ERANGE);
    assert_non_null(strstr(tier_csv_last_error(fx->csv), "longer than 4 bytes"));
    /* Runs of blanks count against the field length limit, as for transaction files. */
    assert_int_equal(load(fx, "h h\na6      1\n"), TIER_ERANGE);
    assert_string_equal(tier_csv_last_error(fx->csv),
                        "line 2, column 1 (account): run of blanks longer than 4 bytes");
    assert_int_equal(tier_book_find(fx->book, "a6", 2, NULL), TIER_ENOTFOUND);
    /* An empty input sets nothing. */
    assert_int_equal(load(fx, ""), TIER_OK);
    assert_int_equal(tier_csv_rows_read(fx->csv), 0);
    fx_close(fx);
}

static void test_csv_attributes_respect_the_book_limits(void **state)
{
    fixture fxs, *fx = fx_open(&fxs);
    (void)state;
    assert_int_equal(tier_book_set_option(fx->book, TIER_BOOK_LIMIT_TEXT_LENGTH, 3), TIER_OK);
    assert_int_equal(load(fx, "customer_id,t\na,abcd\n"), TIER_ERANGE);
    assert_string_equal(tier_csv_last_error(fx->csv),
                        "line 2, column 2 (t): text longer than 3 bytes (the book's text limit)");
    assert_int_equal(tier_book_set_option(fx->book, TIER_BOOK_LIMIT_ID_LENGTH, 2), TIER_OK);
    assert_int_equal(load(fx, "customer_id,t\nab,x\nabc,y\n"), TIER_ERANGE);
    assert_int_equal(tier_csv_error_line(fx->csv), 3);
    assert_int_equal(tier_csv_error_column(fx->csv), 1);
    assert_int_equal(tier_book_customer_count(fx->book), 0);
    assert_int_equal(tier_book_set_option(fx->book, TIER_BOOK_LIMIT_ATTRIBUTES, 1), TIER_OK);
    assert_int_equal(load(fx, "customer_id,t,u\nab,x,y\n"), TIER_ERANGE);
    assert_int_equal(tier_csv_error_column(fx->csv), 3);
    assert_int_equal(tier_book_customer_count(fx->book), 0);
    fx_close(fx);
}

static int stop_at_once(void *ud, uint64_t done, uint64_t total)
{
    (void)total;
    *(uint64_t *)ud = done;
    return 1;
}

static void test_csv_attributes_read_files_through_the_io_layer(void **state)
{
    fixture fxs, *fx = fx_open(&fxs);
    char path[] = "/tmp/tier_attr_XXXXXX";
    const char *body = "customer_id,x\na,1\nb,2\n";
    int fd = mkstemp(path);
    tst_memfs fs;
    tier_io io;
    uint64_t seen = 0;
    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    close(fd);
    assert_int_equal(tier_csv_read_attributes_file(fx->csv, fx->book, path), TIER_OK);
    assert_true(num(fx->book, "b", "x") == 2);
    assert_int_equal(tier_csv_read_attributes_file(fx->csv, fx->book, "/nonexistent/f.csv"),
                     TIER_EIO);
    assert_non_null(strstr(tier_csv_last_error(fx->csv), "no such file"));
    /* An I/O layer that reads 8 bytes at a time and fails the second read with EIO. */
    memset(&fs, 0, sizeof fs);
    fs.read_only = 1;
    fs.read_chunk = 8;
    fs.fail_read = 2;
    tst_memfs_put(&fs, path, body, strlen(body));
    io = tst_memfs_io(&fs);
    assert_int_equal(tier_csv_set_io(fx->csv, &io), TIER_OK);
    assert_int_equal(tier_csv_read_attributes_file(fx->csv, fx->book, path), TIER_EIO);
    assert_non_null(strstr(tier_csv_last_error(fx->csv), "read error after 8 bytes"));
    assert_int_equal(fs.closes, 1);
    assert_int_equal(tier_csv_set_io(fx->csv, NULL), TIER_OK);
    tst_memfs_clear(&fs);
    assert_int_equal(tier_csv_set_progress(fx->csv, stop_at_once, &seen), TIER_OK);
    assert_int_equal(tier_csv_read_attributes_file(fx->csv, fx->book, path), TIER_EUSER);
    assert_true(seen > 0);
    assert_int_equal(tier_csv_read_attributes_buffer(fx->csv, fx->book, body, strlen(body)),
                     TIER_EUSER);
    assert_int_equal(tier_csv_set_progress(fx->csv, NULL, NULL), TIER_OK);
    assert_int_equal(tier_book_customer_count(fx->book), 2);
    remove(path);
    /* Bad arguments. */
    assert_int_equal(tier_csv_read_attributes_file(NULL, fx->book, path), TIER_EINVAL);
    assert_int_equal(tier_csv_read_attributes_file(fx->csv, NULL, path), TIER_EINVAL);
    assert_int_equal(tier_csv_read_attributes_file(fx->csv, fx->book, NULL), TIER_EINVAL);
    assert_int_equal(tier_csv_read_attributes_buffer(fx->csv, fx->book, NULL, 3), TIER_EINVAL);
    assert_int_equal(tier_csv_read_attributes_buffer(fx->csv, fx->book, NULL, 0), TIER_OK);
    fx_close(fx);
}

static int oom_attributes(const tier_allocator *alloc, void *ud)
{
    /* big: 1 and 130 zeros, longer than the converter's stack buffer. */
    static const char in[] = "customer_id,n,t,big\nold,1,x,\n\"new\"\"1\",2,\"y\"\"z\",\nnew2,,w,1"
                             "00000000000000000000000000000000000000000000000000000000000000000"
                             "00000000000000000000000000000000000000000000000000000000000000000\n";
    tier_book *book = NULL;
    tier_csv *csv = NULL;
    const char *t;
    double v;
    int rc;
    (void)ud;
    rc = tier_book_new(&book, alloc);
    if (rc == TIER_OK)
        rc = tier_book_add_customer(book, "old", 3, NULL);
    if (rc == TIER_OK)
        rc = tier_book_set_number(book, 0, "n", 7);
    if (rc == TIER_OK)
        rc = tier_csv_new(&csv, alloc);
    if (rc == TIER_OK) {
        rc = tier_csv_read_attributes_buffer(csv, book, in, strlen(in));
        if (rc == TIER_OK) {
            assert_int_equal(tier_book_customer_count(book), 3);
            assert_int_equal(tier_book_get_text(book, 1, "t", &t), TIER_OK);
            assert_string_equal(t, "y\"z");
            assert_string_equal(tier_book_customer_id(book, 1, NULL), "new\"1");
            assert_int_equal(tier_book_get_number(book, 2, "big", &v), TIER_OK);
            assert_true(v == 1e130);
        } else {
            /* The book is as it was. */
            assert_int_equal(rc, TIER_ENOMEM);
            assert_int_equal(tier_book_customer_count(book), 1);
            assert_int_equal(tier_book_get_number(book, 0, "n", &v), TIER_OK);
            assert_true(v == 7);
            assert_int_equal(tier_book_get_text(book, 0, "t", &t), TIER_ENOTFOUND);
            assert_non_null(strstr(tier_csv_last_error(csv), "out of memory"));
        }
    }
    tier_csv_free(csv);
    tier_book_free(book);
    return rc;
}

/* One failure, one text: both readers describe a file that cannot be opened alike (the attribute
 * reader said "I/O error" for every errno but four before). */
static void test_csv_attributes_report_open_failures_as_the_transaction_reader_does(void **state)
{
    static const char *const paths[] = {"/nonexistent/f.csv", "/dev/null/f.csv", "/"};
    fixture fxs, *fx = fx_open(&fxs);
    size_t i;
    (void)state;
    for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char want[512];
        int rc = tier_csv_read_file(fx->csv, fx->book, paths[i]);
        snprintf(want, sizeof want, "%s", tier_csv_last_error(fx->csv));
        assert_int_equal(tier_csv_read_attributes_file(fx->csv, fx->book, paths[i]), rc);
        assert_string_equal(tier_csv_last_error(fx->csv), want);
    }
    assert_non_null(strstr(tier_csv_last_error(fx->csv), "is a directory (errno"));
    fx_close(fx);
}

static void test_csv_attributes_load_the_b2b_accounts(void **state)
{
    fixture fxs, *fx = fx_open(&fxs);
    const char *t;
    double v;
    size_t i, unset = 0;
    (void)state;
    assert_int_equal(tier_csv_set_column(fx->csv, TIER_CSV_ID, "account_id"), TIER_OK);
    if (tier_csv_read_attributes_file(fx->csv, fx->book, tst_data_path("b2b_accounts.csv")))
        fail_msg("%s", tier_csv_last_error(fx->csv));
    assert_int_equal(tier_book_customer_count(fx->book), 2000);
    assert_int_equal(tier_csv_rows_read(fx->csv), 2000);
    assert_int_equal(tst_customer(fx->book, "ACC00001"), 0);
    /* Values of the first row of the committed file (examples/gen_b2b.c, seed 20250701). */
    assert_string_equal(text(fx->book, "ACC00001", "name"), "Prairie Goods Co");
    assert_string_equal(text(fx->book, "ACC00001", "scope"), "regional");
    assert_string_equal(text(fx->book, "ACC00001", "parent_account"), "(unset)");
    assert_string_equal(text(fx->book, "ACC00022", "parent_account"), "ACC00184");
    assert_true(num(fx->book, "ACC00001", "contract_arr") == 23886.27);
    assert_true(num(fx->book, "ACC00001", "gross_margin") == 0.282);
    assert_true(num(fx->book, "ACC00001", "implementation_progress") == 0.33);
    assert_string_equal(text(fx->book, "ACC00001", "onboarding_started"), "2025-05-19");
    assert_true(num(fx->book, "ACC00002", "module_hr") == 1);
    assert_true(num(fx->book, "ACC00002", "goal_cost") == 0.2);
    /* An account without implementation figures on file. */
    assert_true(num(fx->book, "ACC00004", "implementation_progress") == -12345.0);
    /* growth_rate is numeric and unset for new accounts. */
    for (i = 0; i < 2000; i++)
        unset += tier_book_get_number(fx->book, i, "growth_rate", &v) == TIER_ENOTFOUND;
    assert_true(unset > 0 && unset < 2000);
    assert_int_equal(tier_book_get_text(fx->book, 0, "growth_rate", &t), TIER_ENOTFOUND);
    fx_close(fx);
}

/* Issue 12, defect 7: one value that is not a number in a column of mostly numbers is an error at
 * its line and column (it used to turn the whole column into text, exit 0); a column where
 * numbers are no majority, or where they are codes with leading zeros, is text as before. */
static void test_csv_attributes_refuse_a_bad_cell_in_a_numeric_column(void **state)
{
    static const struct {
        const char *cell;
        const char *quoted;
    } bad[] = {{"NaN", "\"NaN\""}, {"yes", "\"yes\""}, {"\"0,5\"", "\"0,5\""}, {"28%", "\"28%\""},
               {"n/a", "\"n/a\""}, {"inf", "\"inf\""}, {"1 000", "\"1 000\""}};
    fixture fxs, *fx = fx_open(&fxs);
    char in[256], want[256];
    const char *v = NULL;
    size_t k;
    (void)state;
    assert_int_equal(load(fx, "customer_id,seats\nkeep,9\n"), TIER_OK);
    for (k = 0; k < TST_COUNT(bad); k++) {
        snprintf(in, sizeof in,
                 "customer_id,region,progress\na,North,0.5\nb,South,1\n\nc,East,%s\nd,West,0.25\n",
                 bad[k].cell);
        assert_int_equal(load(fx, in), TIER_EPARSE);
        snprintf(want, sizeof want,
                 "line 5, column 3 (progress): not a number: %s (the column is numeric: 3 of its 4 "
                 "values are numbers)",
                 bad[k].quoted);
        assert_string_equal(tier_csv_last_error(fx->csv), want);
        assert_int_equal(tier_csv_error_line(fx->csv), 5);
        assert_int_equal(tier_csv_error_column(fx->csv), 3);
        /* All or nothing: no customer, no attribute. */
        assert_int_equal(tier_book_customer_count(fx->book), 1);
        assert_int_equal(tier_book_attribute_count(fx->book), 1);
    }
    /* Half numbers or fewer: text. */
    assert_int_equal(load(fx, "customer_id,size\na,12\nb,large\n"), TIER_OK);
    assert_int_equal(tier_book_get_text(fx->book, tst_customer(fx->book, "a"), "size", &v),
                     TIER_OK);
    assert_string_equal(v, "12");
    /* Codes with leading zeros do not count as numbers for the majority. */
    assert_int_equal(load(fx, "customer_id,zip\na,02134\nb,10001\nc,00501\nd,K1A 0B6\n"), TIER_OK);
    assert_int_equal(tier_book_get_text(fx->book, tst_customer(fx->book, "c"), "zip", &v), TIER_OK);
    assert_string_equal(v, "00501");
    /* A column the book holds as text stays text, numbers or not. */
    assert_int_equal(tier_book_set_text(fx->book, 0, "code", "A7"), TIER_OK);
    assert_int_equal(load(fx, "customer_id,code\na,1\nb,2\nc,3\nd,x\n"), TIER_OK);
    fx_close(fx);
}

/* A file of 16 MiB: a header, then one field of 'x' to its end; counts the bytes read. */
typedef struct endless {
    uint64_t served;
} endless;

static int endless_open(void *ud, const char *path, int mode, void **out)
{
    (void)path;
    if (mode != TIER_IO_READ)
        return -EACCES;
    *out = ud;
    return 0;
}

static int64_t endless_read(void *ud, void *file, void *buf, size_t size)
{
    static const char head[] = "customer_id,note\na,";
    endless *e = ud;
    size_t i;
    (void)file;
    if (e->served >= ((uint64_t)16 << 20))
        return 0;
    if (size > 4096)
        size = 4096;
    for (i = 0; i < size; i++)
        ((char *)buf)[i] = e->served + i < sizeof head - 1 ? head[e->served + i] : 'x';
    e->served += size;
    return (int64_t)size;
}

static int endless_close(void *ud, void *file)
{
    (void)ud;
    (void)file;
    return 0;
}

/* Issue 12, defect 8: the field limit applies while the file is read, not after it is all in
 * memory (a 2 GiB field used to cost 2 GB first). */
static void test_csv_attributes_apply_limits_while_reading(void **state)
{
    fixture fxs, *fx = fx_open(&fxs);
    endless e = {0};
    tier_io io;
    (void)state;
    memset(&io, 0, sizeof io);
    io.version = TIER_IO_VERSION;
    io.open = endless_open;
    io.read = endless_read;
    io.close = endless_close;
    io.ud = &e;
    assert_int_equal(tier_csv_set_io(fx->csv, &io), TIER_OK);
    assert_int_equal(tier_csv_read_attributes_file(fx->csv, fx->book, "endless.csv"), TIER_ERANGE);
    assert_string_equal(tier_csv_last_error(fx->csv),
                        "line 2, column 2: field longer than 65536 bytes");
    assert_true(e.served < 4 * 65536);
    assert_int_equal(tier_book_customer_count(fx->book), 0);
    fx_close(fx);
}

TST_MAIN(cmocka_unit_test(test_csv_attributes_infers_number_and_text_columns),
         cmocka_unit_test(test_csv_attributes_apply_limits_while_reading),
         cmocka_unit_test(test_csv_attributes_refuse_a_bad_cell_in_a_numeric_column),
         cmocka_unit_test(test_csv_attributes_keeps_existing_customers_and_attribute_types),
         cmocka_unit_test(test_csv_attributes_reports_line_column_and_reason),
         cmocka_unit_test(test_csv_attributes_leave_the_book_unchanged_on_failure),
         cmocka_unit_test(test_csv_attributes_follow_the_reader_dialect),
         cmocka_unit_test(test_csv_attributes_respect_the_book_limits),
         cmocka_unit_test(test_csv_attributes_read_files_through_the_io_layer),
         cmocka_unit_test(test_csv_attributes_report_open_failures_as_the_transaction_reader_does),
         TST_OOM_WALK(test_csv_attributes_survive_every_failed_allocation, oom_attributes, NULL, 8),
         cmocka_unit_test(test_csv_attributes_load_the_b2b_accounts))
