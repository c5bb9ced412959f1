/* SPDX-License-Identifier: MIT */
/* The bad-input tables: every reader of text from outside (the transactions CSV reader, the
 * attribute (accounts) reader, the contracts reader, the policy parser) against the cases kept as
 * data files under tests/data/bad_input/<reader>/ (docs/testing.md, "Bad-input cases"). One
 * driver runs them all and checks each case's documented outcome exactly:
 *
 * CSV readers (transactions, attributes, contracts): <reader>/CASES lists the case names, one a
 * line; each case is a folder <reader>/<case>/ holding input.csv, an optional options.txt (one
 * setting a line, `name` or `name "value"`, see apply_options) and either
 *  - error.txt: "<status> <line> <column>" then a part of the message: the read must fail with
 *    exactly that status (tier_status_name), that line and column (tier_csv_error_line/_column;
 *    0: none), a last error containing that part, no row read, and the book exactly as it was
 *    (tests/fuzz/bookdigest.h); or
 *  - expected.txt: the read must succeed and give exactly that book: for transactions one line
 *    per transaction "<YYYY-MM-DD> <amount> <id>" (the id with \n, \r and \\ escapes); for
 *    attributes and contracts the book dumped by dump_book() (one line per customer, attribute
 *    value and contract).
 * The transactions cases are read with the default block size and blocks of 1, 2, 3, 5, 8, 13
 * and 64 bytes (the same outcome at every block boundary).
 *
 * Policy files: every policy/NNN-name.policy file starts with "# expect: <status> <line>:<column>:
 * <message>" and must fail with exactly that status and a last error starting with
 * "<file>:<line>:<column>: <message>", leaving the policy it was loaded into as it was.
 *
 * A case that goes missing fails the count checks; a new case without an expectation fails too
 * (with TIER_BAD_INPUT_RECORD=1 its outcome is written as error.txt or expected.txt for review,
 * and the test still fails). */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "fuzz/bookdigest.h"
#include "io/csv_internal.h"

#define DATA_DIR TIER_SOURCE_DIR "/tests/data/bad_input"

/* Number of cases each folder holds today: a case that goes missing fails the test. */
#define TRANSACTION_CASES 120
#define ATTRIBUTE_CASES 40
#define CONTRACT_CASES 40
#define POLICY_CASES 155

typedef enum reader { TRANSACTIONS, ATTRIBUTES, CONTRACTS } reader;

static const char *const reader_dirs[] = {"transactions", "attributes", "contracts"};

/* The column names a headerless case is read with (option no-header). */
static const char *const given_names[] = {"customer_id,date,amount", "customer_id,x,y",
                                          "customer_id,plan,start,end,amount,period,status"};

static const size_t block_sizes[] = {0, 1, 2, 3, 5, 8, 13, 64};

/* DATA_DIR/<dir>/<name>/<file> (name "" for the folder's own file); NULL when optional and
 * missing. Free with test_free. */
static char *case_file(const char *dir, const char *name, const char *file, size_t *len,
                       int optional)
{
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s/%s%s%s", DATA_DIR, dir, name, name[0] ? "/" : "", file);
    if (optional) {
        f = fopen(path, "rb");
        if (!f)
            return NULL;
        fclose(f);
    }
    return tst_read_file(path, len);
}

static int recording(void)
{
    const char *r = getenv("TIER_BAD_INPUT_RECORD");
    return r && r[0] == '1';
}

/* Writes a case's recorded outcome (TIER_BAD_INPUT_RECORD=1), then fails: it must be reviewed. */
static void record(const char *dir, const char *name, const char *file, const char *text)
{
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s/%s/%s", DATA_DIR, dir, name, file);
    f = fopen(path, "wb");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0)
        fail_msg("cannot write %s", path);
    fail_msg("case \"%s/%s\": recorded %s (review it)", dir, name, file);
}

/* ---- options ------------------------------------------------------------------------------ */

static void apply_options(reader r, tier_csv *csv, tier_book *book, const char *options)
{
    static const char *const known[] = {
        "whitespace",   "semicolon",   "tab",       "no-header",     "no-names",
        "iso",          "yyyymmdd",    "margin",    "limits",        "amount-column",
        "column-names", "book-number", "book-text", "book-contract", "book-id-limit",
        "id-column",    "field-length"};
    const char *p = options;
    while (p && *p) {
        size_t n = strcspn(p, " \n"), k;
        const char *next = p + n;
        char value[128] = "";
        if (*next == ' ') { /* a setting with a value: name "value" */
            const char *q = strchr(next, '"'), *e = q ? strchr(q + 1, '"') : NULL;
            if (!e || (size_t)(e - q - 1) >= sizeof value)
                fail_msg("bad value of option \"%.*s\"", (int)n, p);
            memcpy(value, q + 1, (size_t)(e - q - 1));
            next = e + 1;
        }
        for (k = 0; k < TST_COUNT(known); k++)
            if (strlen(known[k]) == n && memcmp(known[k], p, n) == 0)
                break;
        switch (k) {
        case 0:
            assert_int_equal(tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE), TIER_OK);
            break;
        case 1:
            assert_int_equal(tier_csv_set_delimiter(csv, ';'), TIER_OK);
            break;
        case 2:
            assert_int_equal(tier_csv_set_delimiter(csv, '\t'), TIER_OK);
            break;
        case 3:
            assert_int_equal(tier_csv_set_header(csv, 0), TIER_OK);
            assert_int_equal(tier_csv_set_column_names(csv, given_names[r]), TIER_OK);
            break;
        case 4:
            assert_int_equal(tier_csv_set_header(csv, 0), TIER_OK);
            break;
        case 5:
            assert_int_equal(tier_csv_set_date_format(csv, TIER_DATE_ISO), TIER_OK);
            break;
        case 6:
            assert_int_equal(tier_csv_set_date_format(csv, TIER_DATE_YYYYMMDD), TIER_OK);
            break;
        case 7:
            assert_int_equal(tier_csv_set_column(csv, TIER_CSV_MARGIN, "margin"), TIER_OK);
            break;
        case 8:
            assert_int_equal(tier_csv_set_limit(csv, TIER_CSV_LIMIT_FIELDS, 4), TIER_OK);
            assert_int_equal(tier_csv_set_limit(csv, TIER_CSV_LIMIT_FIELD_LENGTH, 16), TIER_OK);
            assert_int_equal(tier_csv_set_limit(csv, TIER_CSV_LIMIT_ROWS, 2), TIER_OK);
            break;
        case 9:
            assert_int_equal(tier_csv_set_column(csv, TIER_CSV_AMOUNT, value), TIER_OK);
            break;
        case 10:
            assert_int_equal(tier_csv_set_column_names(csv, value), TIER_OK);
            break;
        case 11: /* the book's first customer holds the numeric attribute `value` (1) */
            assert_int_equal(tier_book_set_number(book, 0, value, 1), TIER_OK);
            break;
        case 12: /* ... the text attribute `value` ("kept") */
            assert_int_equal(tier_book_set_text(book, 0, value, "kept"), TIER_OK);
            break;
        case 13: { /* ... an open monthly contract of 10 from 2022-01-01, plan "pro" */
            tier_contract c = {
                0, TIER_CONTRACT_OPEN, 10, TIER_CONTRACT_MONTHLY, TIER_CONTRACT_ACTIVE, "pro"};
            size_t len = 0;
            const char *id = tier_book_customer_id(book, 0, &len);
            c.start_day = tst_day(2022, 1, 1);
            assert_int_equal(tier_book_add_contract(book, id, len, &c, 0), TIER_OK);
            break;
        }
        case 14:
            assert_int_equal(tier_book_set_option(book, TIER_BOOK_LIMIT_ID_LENGTH, atoi(value)),
                             TIER_OK);
            break;
        case 15:
            assert_int_equal(tier_csv_set_column(csv, TIER_CSV_ID, value), TIER_OK);
            break;
        case 16:
            assert_int_equal(
                tier_csv_set_limit(csv, TIER_CSV_LIMIT_FIELD_LENGTH, (uint64_t)atoi(value)),
                TIER_OK);
            break;
        default:
            fail_msg("unknown option \"%.*s\"", (int)n, p);
        }
        p = next + (*next == '\n');
    }
}

/* ---- the book a case leaves --------------------------------------------------------------- */

/* Appends to *out (test_malloc'ed, grown as needed) like printf. */
static void out_printf(char **out, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;
    char buf[512];
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof buf);
    *out = test_realloc(*out, *len + (size_t)n + 1);
    memcpy(*out + *len, buf, (size_t)n + 1);
    *len += (size_t)n;
}

/* Appends a quoted, escaped copy of the n bytes at s ("\xHH" for bytes outside printable
 * ASCII, \" and \\). */
static void out_quoted(char **out, size_t *len, const char *s, size_t n)
{
    size_t i;
    out_printf(out, len, "\"");
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            out_printf(out, len, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            out_printf(out, len, "\\x%02X", ch);
        else
            out_printf(out, len, "%c", ch);
    }
    out_printf(out, len, "\"");
}

static void out_day(char **out, size_t *len, int32_t day)
{
    char buf[32];
    if (day == TIER_CONTRACT_OPEN) {
        out_printf(out, len, " open");
        return;
    }
    assert_int_equal(tier_date_format_iso(buf, sizeof buf, day), TIER_OK);
    out_printf(out, len, " %s", buf);
}

/* The book as text: per customer a line `customer "<id>"`, then `  "<attribute>" = <number>` or
 * `= "<text>"` per attribute value it holds, then `  contract <start> <end|open> <amount>
 * <period> <status> "<plan>"` per contract. */
static char *dump_book(const tier_book *book)
{
    char *out = test_malloc(1);
    size_t len = 0, i, a, k, na = tier_book_attribute_count(book);
    out[0] = '\0';
    for (i = 0; i < tier_book_customer_count(book); i++) {
        size_t idlen = 0;
        const char *id = tier_book_customer_id(book, i, &idlen);
        out_printf(&out, &len, "customer ");
        out_quoted(&out, &len, id, idlen);
        out_printf(&out, &len, "\n");
        for (a = 0; a < na; a++) {
            int type = 0;
            const char *name = tier_book_attribute_name(book, a, &type);
            double v = 0;
            const char *t = NULL;
            if (type == TIER_ATTR_NUMBER ? tier_book_get_number(book, i, name, &v) != TIER_OK
                                         : tier_book_get_text(book, i, name, &t) != TIER_OK)
                continue;
            out_printf(&out, &len, "  ");
            out_quoted(&out, &len, name, strlen(name));
            if (type == TIER_ATTR_NUMBER) {
                out_printf(&out, &len, " = %.17g\n", v);
            } else {
                out_printf(&out, &len, " = ");
                out_quoted(&out, &len, t, strlen(t));
                out_printf(&out, &len, "\n");
            }
        }
        for (k = 0; k < tier_book_contract_count(book, i); k++) {
            static const char *const periods[] = {"?", "monthly", "yearly"};
            static const char *const statuses[] = {"?", "active", "renewed", "cancelled"};
            tier_contract c;
            assert_int_equal(tier_book_contract(book, i, k, &c), TIER_OK);
            out_printf(&out, &len, "  contract");
            out_day(&out, &len, c.start_day);
            out_day(&out, &len, c.end_day);
            out_printf(&out, &len, " %.17g %s %s ", c.amount, periods[c.period & 3],
                       statuses[c.status & 3]);
            out_quoted(&out, &len, c.plan ? c.plan : "", c.plan ? strlen(c.plan) : 0);
            out_printf(&out, &len, "\n");
        }
    }
    return out;
}

/* Unescapes an expected id (\n, \r, \\) in place; returns its length. */
static size_t unescape(char *s)
{
    size_t i = 0, o = 0;
    for (; s[i]; i++, o++) {
        if (s[i] == '\\' && s[i + 1]) {
            i++;
            s[o] = s[i] == 'n' ? '\n' : s[i] == 'r' ? '\r' : s[i];
        } else {
            s[o] = s[i];
        }
    }
    s[o] = '\0';
    return o;
}

/* Checks the transactions of the book against expected.txt, one by one. */
static void expect_txns(const tier_book *book, char *expected, const char *name, size_t block)
{
    size_t t = 0;
    char *line = expected;
    while (*line) {
        char *end = strchr(line, '\n'), *id;
        int y = 0, m = 0, d = 0, used = 0;
        double amount = 0;
        if (end)
            *end = '\0';
        if (sscanf(line, "%d-%d-%d %lf %n", &y, &m, &d, &amount, &used) != 4 || used == 0)
            fail_msg("case \"%s\": bad expected line \"%s\"", name, line);
        id = line + used;
        if (t >= tier_book_txn_count(book))
            fail_msg("case \"%s\" (block %zu): only %zu transactions", name, block, t);
        {
            size_t cust = 0, len = 0, idlen = unescape(id);
            int32_t day = 0;
            double got = 0;
            const char *gid;
            assert_int_equal(tier_book_txn(book, t, &cust, &day, &got, NULL), TIER_OK);
            gid = tier_book_customer_id(book, cust, &len);
            if (len != idlen || memcmp(gid, id, len) != 0 || day != tst_day(y, m, d) ||
                fabs(got - amount) > 1e-9 + 1e-15 * fabs(amount) || signbit(got) != signbit(amount))
                fail_msg("case \"%s\" (block %zu): transaction %zu is %.*s, day %ld, %.6f; want "
                         "\"%s\" %04d-%02d-%02d, %.6f",
                         name, block, t, (int)len, gid, (long)day, got, line, y, m, d, amount);
        }
        t++;
        line = end ? end + 1 : line + strlen(line);
    }
    if (t != tier_book_txn_count(book))
        fail_msg("case \"%s\" (block %zu): %zu transactions, want %zu", name, block,
                 tier_book_txn_count(book), t);
}

/* ---- the CSV readers ---------------------------------------------------------------------- */

static int read_case(reader r, tier_csv *csv, tier_book *book, const char *input, size_t len)
{
    switch (r) {
    case TRANSACTIONS:
        return tier_csv_read_buffer(csv, book, input, len);
    case ATTRIBUTES:
        return tier_csv_read_attributes_buffer(csv, book, input, len);
    default:
        return tier_csv_read_contracts_buffer(csv, book, input, len);
    }
}

/* The book a case starts from: customer P1 with one transaction (2020-01-01, 5.00), so that
 * "unchanged" means something and the options have a customer to give attributes or a contract
 * to; empty for a transactions case that must be read (its expected.txt lists every row). */
static tier_book *start_book(int with_p1)
{
    tier_book *book = NULL;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    if (with_p1)
        assert_int_equal(tier_book_add_txn(book, "P1", 2, tst_day(2020, 1, 1), 5.0, NAN), TIER_OK);
    return book;
}

/* Reads case `name` of reader r with the given block size (0: the default one). */
static void run_case(reader r, const char *name, size_t block)
{
    const char *dir = reader_dirs[r];
    size_t len = 0;
    char *input = case_file(dir, name, "input.csv", &len, 0);
    char *options = case_file(dir, name, "options.txt", NULL, 1);
    char *want = case_file(dir, name, "expected.txt", NULL, 1);
    int valid = want != NULL;
    tier_csv *csv = NULL;
    tier_book *book;
    uint64_t before;
    int rc;
    if (!want)
        want = case_file(dir, name, "error.txt", NULL, 1);
    if (!want && !recording())
        fail_msg("case \"%s/%s\": neither error.txt nor expected.txt", dir, name);
    book = start_book(!(valid && r == TRANSACTIONS));
    assert_int_equal(tier_csv_new(&csv, TST_ALLOC), TIER_OK);
    apply_options(r, csv, book, options);
    if (block)
        assert_int_equal(tier__csv_set_block_size(csv, block), TIER_OK);
    before = tier_fuzz_book_digest(book);
    rc = read_case(r, csv, book, input, len);
    if (!want) { /* recording */
        char *got = NULL;
        size_t glen = 0;
        if (rc == TIER_OK && r == TRANSACTIONS)
            fail_msg("case \"%s/%s\" is read: write its expected.txt", dir, name);
        if (rc == TIER_OK) {
            got = dump_book(book);
            record(dir, name, "expected.txt", got);
        }
        out_printf(&got, &glen, "%s %" PRIu64 " %" PRIu64 "\n%s\n", tier_status_name(rc),
                   tier_csv_error_line(csv), tier_csv_error_column(csv), tier_csv_last_error(csv));
        record(dir, name, "error.txt", got);
    }
    if (valid) {
        if (rc != TIER_OK)
            fail_msg("case \"%s/%s\" (block %zu): %s: %s", dir, name, block, tier_status_name(rc),
                     tier_csv_last_error(csv));
        assert_string_equal(tier_csv_last_error(csv), "");
        if (r == TRANSACTIONS) {
            expect_txns(book, want, name, block);
            assert_int_equal(tier_csv_rows_read(csv), tier_book_txn_count(book));
        } else {
            char *got = dump_book(book);
            if (strcmp(got, want) != 0)
                fail_msg("case \"%s/%s\": the book is\n%s--- want\n%s", dir, name, got, want);
            test_free(got);
        }
    } else {
        char status[32] = "";
        unsigned long long line = 0, column = 0;
        char *message = strchr(want, '\n');
        if (!message || sscanf(want, "%31s %llu %llu", status, &line, &column) != 3)
            fail_msg("case \"%s/%s\": bad error.txt", dir, name);
        message++;
        message[strcspn(message, "\n")] = '\0';
        if (!message[0])
            fail_msg("case \"%s/%s\": error.txt names no part of the message", dir, name);
        if (strcmp(tier_status_name(rc), status) != 0 || tier_csv_error_line(csv) != line ||
            tier_csv_error_column(csv) != column || !strstr(tier_csv_last_error(csv), message))
            fail_msg("case \"%s/%s\" (block %zu): got status %s, line %llu, column %llu, "
                     "message \"%s\"; want %s, %llu, %llu, \"%s\"",
                     dir, name, block, tier_status_name(rc),
                     (unsigned long long)tier_csv_error_line(csv),
                     (unsigned long long)tier_csv_error_column(csv), tier_csv_last_error(csv),
                     status, line, column, message);
        if (tier_fuzz_book_digest(book) != before)
            fail_msg("case \"%s/%s\" (block %zu): the failed read changed the book", dir, name,
                     block);
        assert_int_equal(tier_csv_rows_read(csv), 0);
    }
    tier_book_free(book);
    tier_csv_free(csv);
    test_free(want);
    if (options)
        test_free(options);
    test_free(input);
}

/* Runs every case of reader r at the block sizes [from, to); returns the number of cases. */
static size_t run_cases(reader r, size_t from, size_t to)
{
    char *list = case_file(reader_dirs[r], "", "CASES", NULL, 0), *name = list;
    size_t cases = 0;
    while (*name) {
        size_t n = strcspn(name, "\n"), b;
        int more = name[n] == '\n';
        name[n] = '\0';
        for (b = from; b < to; b++)
            run_case(r, name, block_sizes[b]);
        cases++;
        name += n + more;
    }
    test_free(list);
    {
        /* Every case folder is listed: one left out of CASES would never run. */
        char dir[1024];
        size_t n, folders = 0, i;
        char **names;
        snprintf(dir, sizeof dir, "%s/%s", DATA_DIR, reader_dirs[r]);
        names = tst_list_files(dir, "", &n);
        for (i = 0; i < n; i++)
            folders += names[i][0] != '.' && strcmp(names[i], "CASES") != 0;
        tst_free_names(names, n);
        if (folders != cases)
            fail_msg("%s: %zu case folders, %zu listed in CASES", reader_dirs[r], folders, cases);
    }
    return cases;
}

static void test_bad_input_transactions(void **state)
{
    (void)state;
    assert_int_equal(run_cases(TRANSACTIONS, 0, 1), TRANSACTION_CASES);
}

static void test_bad_input_transactions_at_every_block_size(void **state)
{
    (void)state;
    assert_int_equal(run_cases(TRANSACTIONS, 1, TST_COUNT(block_sizes)), TRANSACTION_CASES);
}

static void test_bad_input_attributes(void **state)
{
    (void)state;
    assert_int_equal(run_cases(ATTRIBUTES, 0, 1), ATTRIBUTE_CASES);
}

static void test_bad_input_contracts(void **state)
{
    (void)state;
    assert_int_equal(run_cases(CONTRACTS, 0, 1), CONTRACT_CASES);
}

/* ---- policy files ------------------------------------------------------------------------- */

static void test_bad_input_policy_files(void **state)
{
    static const char prefix[] = "# expect: ";
    size_t n, i;
    char **names = tst_list_files(DATA_DIR "/policy", ".policy", &n);
    tier_policy *p = NULL;
    char *before;
    (void)state;
    assert_int_equal(n, POLICY_CASES);
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    /* Every failed load leaves this policy as it was. */
    assert_int_equal(tier_policy_add_tier(p, "keep", NULL), TIER_OK);
    before = tst_policy_text(p);
    for (i = 0; i < n; i++) {
        char path[1024], status[32] = "", *text, *want, *after;
        const char *err, *line, *nl;
        size_t len, skip = 0, nlen = strlen(names[i]), elen;
        int rc, used = 0;
        snprintf(path, sizeof path, "%s/policy/%s", DATA_DIR, names[i]);
        text = tst_read_file(path, &len);
        if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
            skip = 3;
        line = text + skip;
        if (len - skip < sizeof prefix - 1 || memcmp(line, prefix, sizeof prefix - 1) != 0)
            fail_msg("%s: the first line is not '%s...'", names[i], prefix);
        line += sizeof prefix - 1;
        if (sscanf(line, "%31s %n", status, &used) != 1 || used == 0)
            fail_msg("%s: no status after '%s'", names[i], prefix);
        line += used;
        nl = memchr(line, '\n', len - (size_t)(line - text));
        if (!nl)
            fail_msg("%s: no line after the expectation", names[i]);
        elen = (size_t)(nl - line);
        if (elen && nl[-1] == '\r')
            elen--;
        /* The expected message starts with "<line>:<column>: " after the file's name. */
        want = test_malloc(nlen + 1 + elen + 1);
        memcpy(want, names[i], nlen);
        want[nlen] = ':';
        memcpy(want + nlen + 1, line, elen);
        want[nlen + 1 + elen] = '\0';
        {
            unsigned long l = 0, c = 0;
            char colon = 0;
            if (sscanf(line, "%lu:%lu%c", &l, &c, &colon) != 3 || colon != ':' || l == 0)
                fail_msg("%s: the expectation does not start with '<line>:<column>:'", names[i]);
        }
        rc = tier_policy_load_string(p, text, len, names[i]);
        err = tier_policy_last_error(p);
        if (strcmp(tier_status_name(rc), status) != 0)
            fail_msg("%s: status %s, expected %s (%s)", names[i], tier_status_name(rc), status,
                     err);
        if (strncmp(err, want, strlen(want)) != 0)
            fail_msg("%s: the message\n  %s\ndoes not start with\n  %s", names[i], err, want);
        if (!strstr(err, "expected"))
            fail_msg("%s: the message does not say what was expected: %s", names[i], err);
        after = tst_policy_text(p);
        assert_string_equal(after, before);
        test_free(after);
        test_free(want);
        test_free(text);
    }
    tst_free_names(names, n);
    assert_string_equal(tier_policy_tier_name(p, 0), "keep");
    test_free(before);
    tier_policy_free(p);
}

/* The tables together hold at least 150 cases (the reliability gate). */
static void test_bad_input_tables_hold_150_cases_or_more(void **state)
{
    (void)state;
    assert_true(TRANSACTION_CASES + ATTRIBUTE_CASES + CONTRACT_CASES + POLICY_CASES >= 150);
    assert_true(ATTRIBUTE_CASES >= 30 && CONTRACT_CASES >= 30);
}

TST_MAIN(cmocka_unit_test(test_bad_input_transactions),
         cmocka_unit_test(test_bad_input_transactions_at_every_block_size),
         cmocka_unit_test(test_bad_input_attributes), cmocka_unit_test(test_bad_input_contracts),
         cmocka_unit_test(test_bad_input_policy_files),
         cmocka_unit_test(test_bad_input_tables_hold_150_cases_or_more))
