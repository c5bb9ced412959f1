/* SPDX-License-Identifier: MIT */
/* The pipeline (tier_pipeline_*): its settings and their errors, sniffing of delimiters, headers
 * and column synonyms, all-or-nothing runs, progress callbacks, the host executor (byte-identical
 * output either way), what a run produces, and the whole path a nightly job takes — CSV ingest,
 * RFM and Pareto fit and score, the default policy, output — run with the Nth allocation failing
 * for every N, once and from then on, both by hand and through the pipeline. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/sniff.h"
#include "support.h"

typedef struct sink {
    size_t bytes;
    unsigned long hash;
    char *text; /* the first bytes, NUL-terminated */
    size_t cap;
    int fail; /* return non-zero from the callback */
} sink;

static int to_sink(void *ud, const char *data, size_t len)
{
    sink *s = ud;
    size_t i;
    if (s->fail)
        return 1;
    for (i = 0; i < len; i++) {
        s->hash = s->hash * 31 + (unsigned char)data[i];
        if (s->text && s->bytes + i + 1 < s->cap) {
            s->text[s->bytes + i] = data[i];
            s->text[s->bytes + i + 1] = '\0';
        }
    }
    s->bytes += len;
    return 0;
}

/* ---- a scratch directory --------------------------------------------------------------------- */

static char scratch[64];

static int make_scratch(void **state)
{
    (void)state;
    strcpy(scratch, "/tmp/tier-pipeline-XXXXXX");
    return mkdtemp(scratch) ? 0 : -1;
}

static int remove_scratch(void **state)
{
    DIR *d = opendir(scratch);
    struct dirent *e;
    char path[512];
    (void)state;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", scratch, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    return rmdir(scratch);
}

static const char *scratch_path(const char *name)
{
    static char path[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", scratch, name);
    return path[k];
}

static const char *write_file(const char *name, const char *text)
{
    const char *path = scratch_path(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
    return path;
}

static int files_in_scratch(void)
{
    DIR *d = opendir(scratch);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static tier_pipeline *new_pipeline(void)
{
    tier_pipeline *p = NULL;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    return p;
}

static void set(tier_pipeline *p, const char *key, const char *value)
{
    int rc = tier_pipeline_set(p, key, value);
    if (rc)
        fail_msg("set %s=%s: %s", key, value ? value : "NULL", tier_pipeline_last_error(p));
}

static const char *summary(const tier_pipeline *p)
{
    static char buf[1024];
    tier_text *t = NULL;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_summary(p, t), TIER_OK);
    snprintf(buf, sizeof buf, "%s", tier_text_data(t));
    tier_text_free(t);
    return buf;
}

/* Runs `p` into a fresh sink holding the first 64 KiB of output. */
static int run_to(tier_pipeline *p, sink *s, char *text, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->text = text;
    s->cap = cap;
    if (text)
        text[0] = '\0';
    assert_int_equal(tier_pipeline_set_output(p, to_sink, s), TIER_OK);
    return tier_pipeline_run(p);
}

static const char small_log[] = "customer_id,date,amount\n"
                                "a,2024-01-05,10\n"
                                "b,2024-01-07,5\n"
                                "a,2024-02-01,7.5\n"
                                "c,2024-02-03,100\n"
                                "b,2024-02-10,2\n";

/* ---- settings ---------------------------------------------------------------------------- */

static void test_pipeline_rejects_unknown_settings_and_bad_values(void **state)
{
    static const char *const bad[][3] = {
        {"delimiter", "ab",
         "delimiter must be one character other than '\"', CR and LF, or ws, tab or auto, not "
         "\"ab\""},
        {"delimiter", "\"",
         "delimiter must be one character other than '\"', CR and LF, or ws, tab or auto, not "
         "\"\"\""},
        {"date_format", "us", "date_format must be iso, yyyymmdd or auto, not \"us\""},
        {"as_of", "1998-02-30", "as_of: \"1998-02-30\" is not a date (YYYY-MM-DD)"},
        {"format", "xml", "format must be csv, json or text, not \"xml\""},
        {"produce", "all",
         "produce must be tiers, scores, fit, explain, lint, policies, override_add, "
         "override_remove, override_list or diff, not \"all\""},
        {"header", "maybe", "header must be yes or no, not \"maybe\""},
        {"split_min_bytes", "12k", "split_min_bytes must be a whole number of bytes, not \"12k\""},
        {"key_style", "long", "key_style must be name or flag, not \"long\""},
        {"policy", "nope",
         "unknown policy \"nope\": not a built-in policy (b2b-full, b2b-sabc, b2b-subscriptions, "
         "grade-a-e, "
         "key-important-general-maintain, pareto-sabc, rfm-10, rfm-8) and not a policy file "
         "(cannot open nope: no such file or directory (errno 2))"},
        {"models", "rfm,bogus",
         "models: unknown model \"bogus\" (rfm, pareto, clv, lifecycle, scorecard, needs, "
         "subscription, sbg)"},
        {"models", ",rfm",
         "models: unknown model \"\" (rfm, pareto, clv, lifecycle, scorecard, needs, subscription, "
         "sbg)"},
        {"models", "rfm,pareto,rfm", "models: \"rfm\" is listed twice"},
    };
    tier_pipeline *p = new_pipeline();
    size_t i;
    (void)state;
    assert_int_equal(tier_pipeline_set(p, "bogus", "1"), TIER_ENOTFOUND);
    assert_string_equal(tier_pipeline_last_error(p), "unknown setting \"bogus\"");
    set(p, "format", "json");
    set(p, "models", "rfm");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tier_pipeline_set(p, bad[i][0], bad[i][1]), TIER_EINVAL);
        assert_string_equal(tier_pipeline_last_error(p), bad[i][2]);
    }
    /* A bad value leaves the setting as it was. */
    assert_string_equal(tst_pipeline_get(p, "format"), "json");
    assert_string_equal(tst_pipeline_get(p, "models"), "rfm");
    assert_string_equal(tst_pipeline_get(p, "as_of"), "");
    assert_int_equal(tier_pipeline_get(p, "bogus", NULL), TIER_EINVAL);
    tier_pipeline_free(p);
}

static void test_pipeline_messages_can_name_settings_as_flags(void **state)
{
    tier_pipeline *p = new_pipeline();
    (void)state;
    set(p, "key_style", "flag");
    assert_int_equal(tier_pipeline_set(p, "as_of", "x"), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p), "--as-of: \"x\" is not a date (YYYY-MM-DD)");
    assert_int_equal(tier_pipeline_set(p, "date_format", "us"), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p),
                        "--date-format must be iso, yyyymmdd or auto, not \"us\"");
    assert_int_equal(tier_pipeline_set(p, "models", "x"), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p),
                        "--models: unknown model \"x\" (rfm, pareto, clv, lifecycle, scorecard, "
                        "needs, subscription, sbg)");
    assert_int_equal(tier_pipeline_check(p), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p), "--input FILE is required");
    set(p, "input", "x.csv");
    set(p, "header", "no");
    assert_int_equal(tier_pipeline_check(p), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p),
                        "--no-header needs --columns a,b,c to name the columns");
    set(p, "key_style", "name");
    assert_int_equal(tier_pipeline_check(p), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p), "header needs columns to name the columns");
    set(p, "columns", "customer_id,date,amount");
    assert_int_equal(tier_pipeline_check(p), TIER_OK);
    tier_pipeline_free(p);
}

static void test_pipeline_settings_read_back_and_reset(void **state)
{
    /* In this order: set `key` to `value` (NULL: back to its default; no key: nothing set), then
     * read `read` back. */
    static const struct {
        const char *key, *value, *read, *want;
    } steps[] = {{NULL, NULL, "delimiter", "auto"},
                 {NULL, NULL, "header", "yes"},
                 {NULL, NULL, "policy", "b2b-sabc"},
                 {NULL, NULL, "produce", "tiers"},
                 {NULL, NULL, "format", "csv"},
                 {NULL, NULL, "split_min_bytes", "33554432"},
                 {NULL, NULL, "input", ""},
                 /* The default models are the default policy's, which depends on whether
                  * there are account attributes (b2b-sabc, b2b-full); for a policy that
                  * declares none, and for `scores`, the default list. */
                 {NULL, NULL, "models", "rfm"},
                 {"accounts", "accounts.csv", "models", "rfm,clv,lifecycle,scorecard,needs"},
                 {"accounts", "accounts.csv", "policy", "b2b-full"},
                 {"models", "pareto", "models", "pareto"},
                 {"models", NULL, "models", "rfm,clv,lifecycle,scorecard,needs"},
                 {"produce", "scores", "models", "rfm,pareto,lifecycle,scorecard,needs"},
                 /* Contracts add the subscription model to the default lists. */
                 {"contracts", "contracts.csv", "models",
                  "rfm,pareto,lifecycle,scorecard,needs,subscription"},
                 {"contracts", NULL, "models", "rfm,pareto,lifecycle,scorecard,needs"},
                 {"produce", NULL, "policy", "b2b-full"},
                 {"delimiter", "tab", "delimiter", "tab"},
                 {"delimiter", ";", "delimiter", ";"},
                 {"as_of", "1998-01-01", "as_of", "1998-01-01"},
                 {"as_of", NULL, "as_of", ""},
                 {"header", "false", "header", "no"},
                 {"header", NULL, "header", "yes"}};
    tier_pipeline *p = new_pipeline();
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(steps); i++) {
        const char *got;
        if (steps[i].key)
            set(p, steps[i].key, steps[i].value);
        got = tst_pipeline_get(p, steps[i].read);
        if (strcmp(got, steps[i].want) != 0)
            fail_msg("step %lu: %s is \"%s\", want \"%s\"", (unsigned long)i, steps[i].read, got,
                     steps[i].want);
    }
    tier_pipeline_free(p);
}

static void test_pipeline_model_list_is_checked_when_set(void **state)
{
    tier_pipeline *p = new_pipeline();
    (void)state;
    assert_int_equal(tier_pipeline_add_model(p, "ltv", NULL), TIER_ENOTFOUND);
    assert_string_equal(tier_pipeline_last_error(p),
                        "unknown model kind \"ltv\" (rfm, pareto, clv, lifecycle, scorecard, "
                        "needs, subscription, sbg)");
    assert_int_equal(tier_pipeline_add_model(p, "rfm", "bad name"), TIER_EINVAL);
    assert_int_equal(tier_pipeline_add_model(p, "rfm", "r1"), TIER_OK);
    assert_int_equal(tier_pipeline_add_model(p, "rfm", "r1"), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p), "model name \"r1\" is taken");
    assert_int_equal(tier_pipeline_set_model_option(p, "r2", "as_of", "1998-01-01"),
                     TIER_ENOTFOUND);
    assert_int_equal(tier_pipeline_set_model_option(p, "r1", "as_of", "1998-02-30"), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set_model_option(p, "r1", "nope", "1"), TIER_ENOTFOUND);
    assert_int_equal(tier_pipeline_set_model_option(p, "r1", "as_of", "1998-01-01"), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "models"), "rfm");
    tier_pipeline_free(p);
}

static void test_pipeline_check_catches_incomplete_jobs(void **state)
{
    tier_pipeline *p = new_pipeline();
    sink s;
    (void)state;
    assert_int_equal(tier_pipeline_run(p), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p), "input is required");
    set(p, "input", "x.csv");
    set(p, "produce", "fit");
    assert_int_equal(tier_pipeline_check(p), TIER_EINVAL);
    set(p, "models", "clv,rfm");
    assert_int_equal(tier_pipeline_check(p), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p),
                        "model \"rfm\": rfm models have no fit report");
    set(p, "models", "clv");
    assert_int_equal(tier_pipeline_check(p), TIER_OK);
    set(p, "out", "fit.json");
    assert_int_equal(tier_pipeline_check(p), TIER_EINVAL);
    /* Nothing has run: the getters have nothing to give. */
    assert_null(tier_pipeline_book(p));
    assert_null(tier_pipeline_result(p));
    assert_int_equal(tier_pipeline_model_count(p), 0);
    assert_int_equal(tier_pipeline_summary(p, NULL), TIER_EINVAL);
    assert_int_equal(run_to(p, &s, NULL, 0), TIER_EINVAL);
    assert_int_equal(s.bytes, 0);
    tier_pipeline_free(p);
}

/* ---- sniffing ------------------------------------------------------------------------------ */

static void test_sniff_finds_delimiter_names_and_synonyms(void **state)
{
    tier__names n;
    const char *line;
    size_t len;
    (void)state;
    assert_int_equal(tier__sniff_delimiter("a\tb,c", 5), '\t');
    assert_int_equal(tier__sniff_delimiter("a;b,c", 5), ',');
    assert_int_equal(tier__sniff_delimiter("a;b|c", 5), ';');
    assert_int_equal(tier__sniff_delimiter("a|b c", 5), '|');
    assert_int_equal(tier__sniff_delimiter(" a  b", 5), TIER_CSV_WHITESPACE);
    len = tier__sniff_first_line("\xEF\xBB\xBFid;day;total\r\nx;1;2\n", 26, &line);
    assert_int_equal(len, 12);
    assert_memory_equal(line, "id;day;total", 12);
    assert_int_equal(tier__sniff_names(&n, TST_ALLOC,
                                       " customer_id  date number_of_cds  dollar_value", 46,
                                       TIER_CSV_WHITESPACE),
                     TIER_OK);
    assert_int_equal(n.n, 4);
    assert_string_equal(n.v[3], "dollar_value");
    assert_string_equal(tier__sniff_column(TIER__SNIFF_AMOUNT, NULL, &n), "dollar_value");
    assert_string_equal(tier__sniff_column(TIER__SNIFF_ID, NULL, &n), "customer_id");
    assert_string_equal(tier__sniff_column(TIER__SNIFF_AMOUNT, "cds", &n), "cds");
    tier__names_free(&n);
    assert_int_equal(tier__sniff_names(&n, TST_ALLOC, " \"id\" , order_date,revenue,", 27, ','),
                     TIER_OK);
    assert_int_equal(n.n, 3);
    assert_string_equal(n.v[0], "id");
    assert_string_equal(tier__sniff_column(TIER__SNIFF_DATE, NULL, &n), "order_date");
    assert_string_equal(tier__sniff_column(TIER__SNIFF_AMOUNT, NULL, &n), "revenue");
    assert_string_equal(tier__sniff_column(TIER__SNIFF_ACCOUNT_ID, NULL, &n), "id");
    {
        char *joined = tier__names_join(&n);
        assert_string_equal(joined, "id,order_date,revenue");
        tier__free(TST_ALLOC, joined);
    }
    tier__names_free(&n);
    /* The CSV reader's rules: quotes with "" inside, blanks around fields. */
    assert_int_equal(tier__sniff_names(&n, TST_ALLOC, "\"a,b\" ;  \"say \"\"hi\"\"\";x", 23, ';'),
                     TIER_OK);
    assert_int_equal(n.n, 3);
    assert_string_equal(n.v[0], "a,b");
    assert_string_equal(n.v[1], "say \"hi\"");
    assert_string_equal(n.v[2], "x");
    assert_null(tier__names_join(&n)); /* names with ',' or '"' cannot be passed on */
    tier__names_free(&n);
    assert_int_equal(tier__sniff_names(&n, TST_ALLOC, "a,,b", 4, ','), TIER_OK);
    assert_int_equal(n.n, 3);
    assert_null(tier__names_join(&n)); /* nor an empty one */
    tier__names_free(&n);
    /* A blank line, a malformed one or a delimiter the reader refuses: no names. */
    assert_int_equal(tier__sniff_names(&n, TST_ALLOC, "", 0, ','), TIER_OK);
    assert_int_equal(n.n, 0);
    assert_null(tier__names_join(&n));
    assert_string_equal(tier__sniff_column(TIER__SNIFF_DATE, NULL, &n), "date");
    tier__names_free(&n);
    assert_int_equal(tier__sniff_names(&n, TST_ALLOC, "a,b\"c", 5, ','), TIER_OK);
    assert_int_equal(n.n, 0);
    tier__names_free(&n);
    assert_int_equal(tier__sniff_names(&n, TST_ALLOC, "a\"b", 3, '"'), TIER_OK);
    assert_int_equal(n.n, 0);
    tier__names_free(&n);
}

static void test_pipeline_sniff_is_public_for_hosts_that_read_files_themselves(void **state)
{
    const char *column = NULL;
    int delim = 0;
    (void)state;
    assert_int_equal(tier_pipeline_sniff("\xEF\xBB\xBFname;customer;id\r\nx;1;2\n", 28,
                                         TIER_PIPELINE_ROLE_ACCOUNT_ID, &delim, &column, TST_ALLOC),
                     TIER_OK);
    assert_int_equal(delim, ';');
    assert_string_equal(column, "customer");
    delim = ',';
    assert_int_equal(tier_pipeline_sniff("a,order_date,revenue", 20, TIER_PIPELINE_ROLE_DATE,
                                         &delim, &column, TST_ALLOC),
                     TIER_OK);
    assert_int_equal(delim, ',');
    assert_string_equal(column, "order_date");
    delim = 0;
    assert_int_equal(tier_pipeline_sniff("", 0, TIER_PIPELINE_ROLE_AMOUNT, &delim, &column, NULL),
                     TIER_OK);
    assert_int_equal(delim, TIER_CSV_WHITESPACE);
    assert_string_equal(column, "amount");
    delim = 0;
    assert_int_equal(tier_pipeline_sniff("a|b", 3, TIER_PIPELINE_ROLE_NONE, &delim, NULL, NULL),
                     TIER_OK);
    assert_int_equal(delim, '|');
    assert_int_equal(tier_pipeline_sniff("a", 1, 9, &delim, &column, NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_sniff("a", 1, TIER_PIPELINE_ROLE_ID, NULL, &column, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_pipeline_sniff(NULL, 1, TIER_PIPELINE_ROLE_NONE, &delim, NULL, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_pipeline_sniff("a", 1, -1, &delim, &column, NULL), TIER_EINVAL);
    assert_int_equal(tier_pipeline_sniff("a", 1, TIER_PIPELINE_ROLE_ID, &delim, NULL, NULL),
                     TIER_EINVAL);
    /* no head at all is an empty one */
    delim = 0;
    assert_int_equal(tier_pipeline_sniff(NULL, 0, TIER_PIPELINE_ROLE_ID, &delim, &column, NULL),
                     TIER_OK);
    assert_int_equal(delim, TIER_CSV_WHITESPACE);
    assert_string_equal(column, "customer_id");
}

static void test_pipeline_reads_sniffed_dialects_alike(void **state)
{
    static const char *const files[][2] = {
        {"comma.csv", "customer_id,date,amount\na,2024-01-05,10\nb,2024-01-07,5\n"},
        {"semi.csv", "\xEF\xBB\xBF"
                     "account_id;invoice_date;revenue\r\na;2024-01-05;10\r\n"
                     "b;2024-01-07;5\r\n"},
        {"tab.tsv", "id\tday\tsales\na\t2024-01-05\t10\nb\t2024-01-07\t5\n"},
        {"pipe.txt", "customer|order_date|value\na|2024-01-05|10\nb|2024-01-07|5\n"},
        {"ws.txt", " customer_id  date  dollar_value\n a 20240105 10\n b 20240107   5\n"},
    };
    char first[4096], text[4096];
    size_t i;
    sink s;
    (void)state;
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        tier_pipeline *p = new_pipeline();
        set(p, "input", write_file(files[i][0], files[i][1]));
        if (tier_pipeline_run(p) != TIER_OK || run_to(p, &s, text, sizeof text) != TIER_OK)
            fail_msg("%s: %s", files[i][0], tier_pipeline_last_error(p));
        if (i == 0)
            strcpy(first, text);
        else
            assert_string_equal(text, first);
        assert_int_equal(tier_pipeline_rows_read(p), 2);
        tier_pipeline_free(p);
    }
}

static void test_pipeline_reports_files_it_cannot_open_or_read(void **state)
{
    tier_pipeline *p = new_pipeline();
    sink s;
    (void)state;
    set(p, "input", scratch_path("none.csv"));
    assert_int_equal(run_to(p, &s, NULL, 0), TIER_EIO);
    assert_non_null(strstr(tier_pipeline_last_error(p), "none.csv: cannot open: "));
    set(p, "input",
        write_file("bad.csv", "customer_id,date,amount\nA,2024-01-01,5\nB,2024-02-30,7\n"));
    assert_int_not_equal(run_to(p, &s, NULL, 0), TIER_OK);
    assert_non_null(strstr(tier_pipeline_last_error(p),
                           "bad.csv: line 3, column 2 (date): no such date: \"2024-02-30\""));
    set(p, "input", write_file("log.csv", small_log));
    set(p, "amount", "nope");
    assert_int_equal(run_to(p, &s, NULL, 0), TIER_EINVAL);
    assert_non_null(strstr(tier_pipeline_last_error(p), "no column named \"nope\" for the amount"));
    set(p, "amount", NULL);
    set(p, "accounts", scratch_path("none.csv"));
    set(p, "models", "rfm,pareto");
    assert_int_equal(run_to(p, &s, NULL, 0), TIER_EIO);
    assert_non_null(strstr(tier_pipeline_last_error(p), "none.csv: cannot open: "));
    assert_int_equal(s.bytes, 0);
    tier_pipeline_free(p);
}

/* ---- all or nothing ------------------------------------------------------------------------- */

static void test_pipeline_failed_run_writes_nothing_and_keeps_the_last_result(void **state)
{
    tier_pipeline *p = new_pipeline();
    const char *out = scratch_path("out.csv");
    const tier_book *book;
    char before[1024];
    FILE *f;
    char line[64];
    sink s;
    int files;
    (void)state;
    set(p, "input", write_file("log.csv", small_log));
    set(p, "out", out);
    set(p, "policy", "pareto-sabc"); /* the 0.1 default */
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    book = tier_pipeline_book(p);
    assert_int_equal(tier_book_customer_count(book), 3);
    assert_int_equal(tier_pipeline_model_count(p), 2);
    assert_string_equal(tier_model_name(tier_pipeline_model(p, 1)), "pareto");
    assert_null(tier_pipeline_model(p, 2));
    strcpy(before, summary(p));
    /* As the `tier` command 0.1 printed it for this file. */
    assert_string_equal(before, "3 customers, 5 transactions, as of 2024-02-11\n"
                                "  S: 1 customers (33.3%), revenue 100.00 (80.3%)\n"
                                "  A: 1 customers (33.3%), revenue 7.00 (5.6%)\n"
                                "  B: 1 customers (33.3%), revenue 17.50 (14.1%)\n"
                                "  C: 0 customers (0.0%), revenue 0.00 (0.0%)\n");
    write_file("out.csv", "keep\n");
    /* A bad row: nothing is written, no temporary file stays, the last run's results stay. */
    set(p, "input", write_file("bad.csv", "customer_id,date,amount\nA,2024-01-01,5\nB,x,7\n"));
    files = files_in_scratch();
    assert_int_not_equal(tier_pipeline_run(p), TIER_OK);
    assert_int_equal(files_in_scratch(), files);
    f = fopen(out, "rb");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_string_equal(line, "keep\n");
    assert_ptr_equal(tier_pipeline_book(p), book);
    assert_string_equal(summary(p), before);
    /* A model that cannot be set up fails the run the same way, and so does the output. */
    set(p, "input", scratch_path("log.csv"));
    set(p, "models", "rfm,pareto,needs");
    set(p, "out", NULL);
    assert_int_equal(run_to(p, &s, NULL, 0), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p),
                        "needs: the book has no numeric module_* or goal_* attributes (give "
                        "accounts)");
    assert_int_equal(s.bytes, 0);
    set(p, "models", NULL);
    set(p, "output_columns", "customer_id,nope");
    assert_int_equal(run_to(p, &s, NULL, 0), TIER_ENOTFOUND);
    assert_int_equal(s.bytes, 0);
    assert_ptr_equal(tier_pipeline_book(p), book);
    set(p, "output_columns", NULL);
    memset(&s, 0, sizeof s);
    s.fail = 1;
    assert_int_equal(tier_pipeline_set_output(p, to_sink, &s), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_EUSER);
    assert_non_null(strstr(tier_pipeline_last_error(p), "cannot write the output"));
    assert_ptr_equal(tier_pipeline_book(p), book);
    tier_pipeline_free(p);
}

static void test_pipeline_reads_again_keeping_transactions_when_a_model_needs_them(void **state)
{
    tier_pipeline *p = new_pipeline();
    char text[4096];
    sink s;
    (void)state;
    /* Rows out of date order: rfm counts purchase days from the transactions. */
    set(p, "input",
        write_file("unsorted.csv", "customer_id,date,amount\nA,2024-03-01,5\n"
                                   "A,2024-01-01,5\nA,2024-03-01,1\n"));
    set(p, "policy", "pareto-sabc");
    assert_int_equal(run_to(p, &s, text, sizeof text), TIER_OK);
    assert_non_null(strstr(text, "\nA,S,1,2,11.00,61,"));
    assert_int_equal(tier_pipeline_rows_read(p), 3);
    tier_pipeline_free(p);
}

/* ---- progress and the executor ------------------------------------------------------------- */

typedef struct progress_log {
    int stages[64];
    uint64_t done[64], total[64];
    size_t n;
    int stop_at_stage; /* return non-zero on this stage (0: never) */
} progress_log;

static int log_progress(void *ud, int stage, uint64_t done, uint64_t total)
{
    progress_log *l = ud;
    if (l->n < 64) {
        l->stages[l->n] = stage;
        l->done[l->n] = done;
        l->total[l->n] = total;
        l->n++;
    }
    return stage == l->stop_at_stage;
}

static void test_pipeline_reports_progress_by_stage(void **state)
{
    tier_pipeline *p = new_pipeline();
    progress_log log;
    size_t i, last_read = 0;
    int seen[5] = {0};
    sink s;
    (void)state;
    memset(&log, 0, sizeof log);
    set(p, "input", tst_data_path("b2b_invoices.csv"));
    set(p, "accounts", tst_data_path("b2b_accounts.csv"));
    assert_int_equal(tier_pipeline_set_progress(p, log_progress, &log), TIER_OK);
    assert_int_equal(run_to(p, &s, NULL, 0), TIER_OK);
    for (i = 0; i < log.n; i++) {
        assert_true(log.stages[i] >= 1 && log.stages[i] <= 4);
        /* Stages come in order; a model that needs the transactions (this log is not in date
         * order) makes the pipeline read the input again. */
        if (i && log.stages[i] < log.stages[i - 1])
            assert_int_equal(log.stages[i], TIER_PIPELINE_STAGE_READ);
        seen[log.stages[i]] = 1;
        if (log.stages[i] == TIER_PIPELINE_STAGE_READ)
            last_read = i;
    }
    assert_true(seen[1] && seen[2] && seen[3] && seen[4]);
    assert_int_equal(log.total[last_read], 1883896); /* the whole file */
    assert_int_equal(log.done[last_read], log.total[last_read]);
    assert_int_equal(log.done[log.n - 1], s.bytes);
    /* A callback that says stop ends the run with TIER_EUSER before anything is written. */
    memset(&log, 0, sizeof log);
    log.stop_at_stage = TIER_PIPELINE_STAGE_MODELS;
    assert_int_equal(run_to(p, &s, NULL, 0), TIER_EUSER);
    assert_string_equal(tier_pipeline_last_error(p), "stopped by the progress callback");
    assert_int_equal(s.bytes, 0);
    memset(&log, 0, sizeof log);
    log.stop_at_stage = TIER_PIPELINE_STAGE_READ;
    assert_int_equal(run_to(p, &s, NULL, 0), TIER_EUSER);
    assert_int_equal(s.bytes, 0);
    tier_pipeline_free(p);
}

/* An executor that runs each task when it is waited for (as late as it may), or refuses. The
 * split read starts one task; the phases after it (window figures, the writer) start more. */
#define LAZY_JOBS 64
typedef struct lazy_job {
    tier_task_cb task;
    void *arg;
} lazy_job;

typedef struct lazy_executor {
    lazy_job jobs[LAZY_JOBS];
    int started, waited, refuse;
} lazy_executor;

static int lazy_start(void *ud, tier_task_cb task, void *arg, void **out)
{
    lazy_executor *e = ud;
    lazy_job *j;
    if (e->refuse || e->started - e->waited >= LAZY_JOBS)
        return 1;
    j = &e->jobs[e->started % LAZY_JOBS];
    j->task = task;
    j->arg = arg;
    e->started++;
    *out = j;
    return 0;
}

static void lazy_wait(void *ud, void *job)
{
    lazy_executor *e = ud;
    lazy_job *j = job;
    assert_true(j >= e->jobs && j < e->jobs + LAZY_JOBS);
    j->task(j->arg);
    e->waited++;
}

static void test_pipeline_output_is_identical_with_an_executor(void **state)
{
    static const char *const inputs[] = {"CDNOW_master.txt", "b2b_invoices.csv",
                                         "CDNOW_sample.txt"};
    lazy_executor e;
    tier_executor ex = {TIER_EXECUTOR_VERSION, lazy_start, lazy_wait, NULL, 0};
    progress_log log;
    size_t i;
    int started;
    (void)state;
    for (i = 0; i < 3; i++) {
        tier_pipeline *p = new_pipeline();
        sink one, parts, refused;
        set(p, "input", tst_data_path(inputs[i]));
        if (i == 2) {
            set(p, "header", "no");
            set(p, "columns", "customer_id,sample,date,cds,amount");
        }
        set(p, "format", "json");
        assert_int_equal(run_to(p, &one, NULL, 0), TIER_OK);
        memset(&e, 0, sizeof e);
        ex.ud = &e;
        assert_int_equal(tier_pipeline_set_executor(p, &ex), TIER_OK);
        set(p, "split_min_bytes", "0");
        memset(&log, 0, sizeof log);
        assert_int_equal(tier_pipeline_set_progress(p, log_progress, &log), TIER_OK);
        assert_int_equal(run_to(p, &parts, NULL, 0), TIER_OK);
        /* The split read started one task, the phases after it more; each was waited for. */
        assert_true(e.started >= 1);
        assert_int_equal(e.waited, e.started);
        started = e.started;
        assert_int_equal(parts.bytes, one.bytes);
        assert_true(parts.hash == one.hash);
        /* Progress counts the whole file while the first half is read. */
        assert_int_equal(log.stages[0], TIER_PIPELINE_STAGE_READ);
        assert_true(log.total[0] > 0);
        assert_int_equal(log.total[0], log.total[1]);
        assert_true(log.done[0] > log.total[0] / 4);
        /* An executor that cannot start a task: the pipeline runs it itself. */
        e.refuse = 1;
        assert_int_equal(run_to(p, &refused, NULL, 0), TIER_OK);
        assert_int_equal(e.started, started);
        assert_true(refused.hash == one.hash);
        tier_pipeline_free(p);
    }
}

/* The default I/O table with every byte read counted. */
typedef struct counting_io {
    const tier_io *base;
    uint64_t bytes;
} counting_io;

static int count_open(void *ud, const char *path, int mode, void **out)
{
    const counting_io *c = ud;
    return c->base->open(c->base->ud, path, mode, out);
}

static int64_t count_read(void *ud, void *file, void *buf, size_t size)
{
    counting_io *c = ud;
    int64_t n = c->base->read(c->base->ud, file, buf, size);
    if (n > 0)
        c->bytes += (uint64_t)n;
    return n;
}

static int count_close(void *ud, void *file)
{
    const counting_io *c = ud;
    return c->base->close(c->base->ud, file);
}

static int64_t count_size(void *ud, void *file)
{
    const counting_io *c = ud;
    return c->base->size(c->base->ud, file);
}

static int count_seek(void *ud, void *file, uint64_t offset)
{
    const counting_io *c = ud;
    return c->base->seek(c->base->ud, file, offset);
}

static void test_pipeline_split_read_jumps_to_the_second_half_when_the_io_can_seek(void **state)
{
    lazy_executor e;
    tier_executor ex = {TIER_EXECUTOR_VERSION, lazy_start, lazy_wait, NULL, 0};
    counting_io c = {tier_io_default(), 0};
    tier_io io = {TIER_IO_VERSION, count_open, count_read, NULL, NULL, count_close, NULL, NULL,
                  count_size,      &c,         count_seek, NULL};
    tier_pipeline *p = new_pipeline();
    sink one, seeking, reading;
    uint64_t size;
    (void)state;
    set(p, "input", tst_data_path("CDNOW_master.txt"));
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
    assert_int_equal(run_to(p, &one, NULL, 0), TIER_OK);
    size = c.bytes; /* one read of the whole file */
    assert_true(size > 1000000);
    memset(&e, 0, sizeof e);
    ex.ud = &e;
    assert_int_equal(tier_pipeline_set_executor(p, &ex), TIER_OK);
    set(p, "split_min_bytes", "0");
    c.bytes = 0;
    assert_int_equal(run_to(p, &seeking, NULL, 0), TIER_OK);
    assert_true(e.waited >= 1);
    assert_true(seeking.hash == one.hash);
    /* Each half is read once: the second starts at the middle, not at byte 0, and the first
     * reads only a little past the middle to find its last line end. */
    assert_true(c.bytes >= size && c.bytes < size + 65536);
    /* A version-1 table has no seek: the second half reads past the first, same output. */
    io.version = 1;
    io.seek = NULL;
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
    c.bytes = 0;
    assert_int_equal(run_to(p, &reading, NULL, 0), TIER_OK);
    assert_true(reading.hash == one.hash);
    assert_true(c.bytes >= size + size / 3);
    tier_pipeline_free(p);
}

static void test_pipeline_executor_split_falls_back_to_one_read_for_errors(void **state)
{
    lazy_executor e;
    tier_executor ex = {TIER_EXECUTOR_VERSION, lazy_start, lazy_wait, NULL, 0};
    tier_executor newer = {TIER_EXECUTOR_VERSION + 1, lazy_start, lazy_wait, NULL, 0};
    tier_executor broken = {TIER_EXECUTOR_VERSION, lazy_start, NULL, NULL, 0};
    tier_pipeline *p = new_pipeline();
    char text[8192], expect[8192];
    size_t i;
    sink s;
    (void)state;
    assert_int_equal(tier_pipeline_set_executor(p, &newer), TIER_EVERSION);
    assert_int_equal(tier_pipeline_set_executor(p, &broken), TIER_EINVAL);
    memset(&e, 0, sizeof e);
    ex.ud = &e;
    /* A quoted field with a line break in the middle of the file: the first half ends inside
     * the quotes, so the file is read again in one piece. */
    memset(text, 0, sizeof text);
    strcpy(text, "customer_id,date,amount\n");
    for (i = 0; i < 40; i++)
        strcat(text, i == 20 ? "\"x\ny\",2024-01-02,3\n" : "a,2024-01-01,1\n");
    set(p, "input", write_file("quoted.csv", text));
    assert_int_equal(run_to(p, &s, expect, sizeof expect), TIER_OK);
    assert_int_equal(tier_pipeline_set_executor(p, &ex), TIER_OK);
    set(p, "split_min_bytes", "0");
    assert_int_equal(run_to(p, &s, text, sizeof text), TIER_OK);
    assert_int_equal(e.started, 1);
    assert_string_equal(text, expect);
    /* A bad row in the second half is reported as one read reports it. */
    set(p, "input",
        write_file("bad.csv", "customer_id,date,amount\na,2024-01-01,1\n"
                              "a,2024-01-02,1\na,2024-01-03,1\nb,2024-13-01,1\n"));
    assert_int_not_equal(run_to(p, &s, NULL, 0), TIER_OK);
    assert_non_null(strstr(tier_pipeline_last_error(p), "bad.csv: line 5, column 2 (date)"));
    assert_int_equal(e.started, 2);
    tier_pipeline_free(p);
}

/* ---- what a run produces ------------------------------------------------------------------- */

static void test_pipeline_scores_and_fit_runs_produce_the_clv_outputs(void **state)
{
    static char text[1 << 16];
    tier_pipeline *p = new_pipeline();
    sink s;
    (void)state;
    set(p, "input", tst_data_path("CDNOW_sample.txt"));
    set(p, "header", "no");
    set(p, "columns", "customer_id,sample,date,cds,amount");
    set(p, "produce", "scores");
    assert_int_equal(tier_pipeline_add_model(p, "clv", NULL), TIER_OK);
    assert_int_equal(tier_pipeline_set_model_option(p, "clv", "calibration_end", "1997-09-30"),
                     TIER_OK);
    assert_int_equal(tier_pipeline_set_model_option(p, "clv", "horizon", "39"), TIER_OK);
    assert_int_equal(run_to(p, &s, text, sizeof text), TIER_OK);
    assert_memory_equal(text, "customer_id,x,t_x,T,p_alive,expected_purchases,expected_spend,clv\n",
                        66);
    assert_string_equal(summary(p), "2357 customers (2357 with a purchase up to 1997-09-30), 6919 "
                                    "transactions\n");
    set(p, "produce", "fit");
    assert_int_equal(run_to(p, &s, text, sizeof text), TIER_OK);
    assert_memory_equal(text,
                        "{\"model\":\"bgnbd\",\"time_unit\":\"week\",\"calibration_end\":"
                        "\"1997-09-30\",\"customers\":2357,",
                        83);
    assert_int_equal(text[s.bytes - 1], '\n');
    assert_null(tier_pipeline_result(p));
    assert_string_equal(summary(p), "");
    /* A failed fit names the model. */
    set(p, "input",
        write_file("once.csv", "customer_id,date,amount\nA,2024-01-01,5\n"
                               "B,2024-01-02,7\n"));
    set(p, "header", NULL);
    set(p, "columns", NULL);
    assert_int_not_equal(run_to(p, &s, NULL, 0), TIER_OK);
    assert_non_null(strstr(tier_pipeline_last_error(p), "clv: model \"clv\" (clv): fit failed:"));
    assert_int_equal(s.bytes, 0);
    tier_pipeline_free(p);
}

static void test_pipeline_models_take_their_names_and_the_as_of_day(void **state)
{
    static char text[1 << 14];
    tier_pipeline *p = new_pipeline();
    sink s;
    (void)state;
    set(p, "input", write_file("log.csv", small_log));
    assert_int_equal(tier_pipeline_add_model(p, "pareto", "abc"), TIER_OK);
    assert_int_equal(tier_pipeline_add_model(p, "rfm", NULL), TIER_OK);
    set(p, "policy", "pareto-sabc");
    assert_int_not_equal(run_to(p, &s, text, sizeof text), TIER_OK); /* the policy reads pareto */
    assert_non_null(strstr(tier_pipeline_last_error(p), "pareto.class"));
    set(p, "produce", "scores");
    set(p, "as_of", "2024-02-01");
    assert_int_equal(run_to(p, &s, text, sizeof text), TIER_OK);
    /* Every output of every model, under its own name. */
    assert_memory_equal(text, "customer_id,value,share,cum_share,class,r,f,m,", 46);
    /* Rows from the as-of day on are ignored; recency counts to it. */
    assert_non_null(strstr(text, "\na,10,0.6666666666666666,0.6666666666666666,A,27,1,10,"));
    set(p, "output_columns", "customer_id,abc.class");
    set(p, "format", "json");
    assert_int_equal(run_to(p, &s, text, sizeof text), TIER_OK);
    assert_string_equal(text, "[\n{\"customer_id\":\"a\",\"abc.class\":\"A\"},\n"
                              "{\"customer_id\":\"b\",\"abc.class\":\"A\"},\n"
                              "{\"customer_id\":\"c\",\"abc.class\":\"C\"}\n]\n");
    tier_pipeline_free(p);
}

/* The pipeline's "scorecard" is the B2B default card by kind and option alone (preset "b2b"),
 * unless the model list sets the preset itself. */
static void test_pipeline_scorecard_is_the_b2b_card_by_kind_and_option(void **state)
{
    tier_pipeline *p = new_pipeline();
    const tier_model *m;
    tier_text *t = NULL;
    sink s;
    (void)state;
    set(p, "input", tst_data_path("b2b_invoices.csv"));
    set(p, "accounts", tst_data_path("b2b_accounts.csv"));
    set(p, "produce", "scores");
    assert_int_equal(tier_pipeline_add_model(p, "rfm", NULL), TIER_OK);
    assert_int_equal(tier_pipeline_add_model(p, "scorecard", "value"), TIER_OK);
    assert_int_equal(run_to(p, &s, NULL, 0), TIER_OK);
    m = tier_pipeline_model(p, 1);
    assert_string_equal(tier_model_kind(m), "scorecard");
    assert_int_equal(tier_scorecard_factor_count(m), 8);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_get_option(m, "preset", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "b2b");
    /* The list's own preset wins: an empty card has no weights to fit. */
    assert_int_equal(tier_pipeline_set_model_option(p, "value", "preset", "none"), TIER_OK);
    assert_int_not_equal(run_to(p, &s, NULL, 0), TIER_OK);
    assert_non_null(strstr(tier_pipeline_last_error(p), "model \"value\" (scorecard): fit failed"));
    assert_int_equal(tier_pipeline_set_model_option(p, "value", "preset", "b2c"), TIER_EINVAL);
    tier_text_free(t);
    tier_pipeline_free(p);
}

static int make_pareto(tier_model **out, const char *name, const tier_allocator *alloc, void *ud)
{
    (void)ud;
    return tier_pareto_new(out, name, alloc);
}

static void test_pipeline_takes_kinds_from_a_registry_and_a_host_policy(void **state)
{
    static char text[1 << 14];
    tier_registry *reg = NULL;
    tier_policy *policy = NULL;
    tier_pipeline *p = new_pipeline();
    size_t t;
    sink s;
    (void)state;
    assert_int_equal(tier_registry_new(&reg, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_registry_add(reg, "abc", make_pareto, NULL), TIER_OK);
    set(p, "input", write_file("log.csv", small_log));
    assert_int_equal(tier_pipeline_add_model(p, "abc", "mine"), TIER_ENOTFOUND);
    assert_int_equal(tier_pipeline_set_registry(p, reg), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "models", "rfm,x"), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p),
                        "models: unknown model \"x\" (rfm, pareto, clv, lifecycle, scorecard, "
                        "needs, subscription, sbg, abc)");
    set(p, "models", "rfm,pareto");
    set(p, "policy", "pareto-sabc");
    assert_int_equal(tier_pipeline_add_model(p, "abc", "mine"), TIER_OK);
    /* A kind without a column list of its own writes all of its outputs. */
    assert_int_equal(run_to(p, &s, text, sizeof text), TIER_OK);
    assert_non_null(strstr(text, ",pareto_class,mine.value,mine.share,mine.cum_share,mine.class,"
                                 "reason\n"));
    /* The host's policy replaces the built-in one. */
    assert_int_equal(tier_policy_new(&policy, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_add_tier(policy, "everyone", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(policy, t, "always", NULL), TIER_OK);
    assert_int_equal(tier_pipeline_set_policy_ref(p, policy), TIER_OK);
    set(p, "output_columns", "customer_id,tier,reason");
    assert_int_equal(run_to(p, &s, text, sizeof text), TIER_OK);
    assert_string_equal(text, "customer_id,tier,reason\na,everyone,always\nb,everyone,always\n"
                              "c,everyone,always\n");
    assert_string_equal(summary(p), "3 customers, 5 transactions, as of 2024-02-11\n"
                                    "  everyone: 3 customers (100.0%), revenue 124.50 (100.0%)\n");
    assert_int_equal(tier_pipeline_set_policy_ref(p, NULL), TIER_OK);
    tier_pipeline_free(p);
    tier_policy_free(policy);
    tier_registry_free(reg);
}

/* ---- out of memory -------------------------------------------------------------------------- */

typedef struct pipeline_run {
    const char *csv_text;
    size_t csv_len;
    const char *path;
    int use_executor;
    sink out;
} pipeline_run;

static int by_hand(const tier_allocator *a, void *ud)
{
    pipeline_run *p = ud;
    tier_book *book = NULL;
    tier_csv *csv = NULL;
    tier_model *models[2] = {NULL, NULL};
    tier_policy *policy = NULL;
    tier_result *result = NULL;
    int rc;
    memset(&p->out, 0, sizeof p->out);
    if ((rc = tier_book_new(&book, a)) != 0 || (rc = tier_csv_new(&csv, a)) != 0)
        goto done;
    if ((rc = tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE)) != 0 ||
        (rc = tier_csv_set_header(csv, 0)) != 0 ||
        (rc = tier_csv_set_column_names(csv, "customer_id,sample,date,cds,amount")) != 0)
        goto done;
    rc = tier_csv_read_buffer(csv, book, p->csv_text, p->csv_len);
    if (rc) {
        assert_int_equal(tier_book_customer_count(book), 0); /* all or nothing */
        goto done;
    }
    if ((rc = tier_rfm_new(&models[0], NULL, a)) != 0 ||
        (rc = tier_pareto_new(&models[1], NULL, a)) != 0 ||
        (rc = tier_policy_new_builtin(&policy, "pareto-sabc", a)) != 0 ||
        (rc = tier_result_new(&result, a)) != 0)
        goto done;
    rc = tier_result_run(result, book, models, 2, policy);
    if (rc) {
        assert_null(tier_result_frame(result));
        goto done;
    }
    rc = tier_result_write(result, book, NULL, TIER_OUTPUT_CSV, to_sink, &p->out);
done:
    tier_result_free(result);
    tier_policy_free(policy);
    tier_model_free(models[0]);
    tier_model_free(models[1]);
    tier_csv_free(csv);
    tier_book_free(book);
    return rc;
}

/* The same job through the pipeline, reading the same lines from a file. */
static int through_pipeline(const tier_allocator *a, void *ud)
{
    pipeline_run *r = ud;
    lazy_executor e;
    tier_executor ex = {TIER_EXECUTOR_VERSION, lazy_start, lazy_wait, NULL, 0};
    tier_pipeline *p = NULL;
    int rc;
    memset(&r->out, 0, sizeof r->out);
    memset(&e, 0, sizeof e);
    ex.ud = &e;
    rc = tier_pipeline_new(&p, a);
    if (rc)
        return rc;
    if ((rc = tier_pipeline_set(p, "input", r->path)) != 0 ||
        (rc = tier_pipeline_set(p, "header", "no")) != 0 ||
        (rc = tier_pipeline_set(p, "columns", "customer_id,sample,date,cds,amount")) != 0 ||
        (rc = tier_pipeline_set(p, "policy", "pareto-sabc")) != 0 || /* as by_hand() */
        (rc = tier_pipeline_set_output(p, to_sink, &r->out)) != 0)
        goto done;
    if (r->use_executor && ((rc = tier_pipeline_set_executor(p, &ex)) != 0 ||
                            (rc = tier_pipeline_set(p, "split_min_bytes", "0")) != 0))
        goto done;
    rc = tier_pipeline_run(p);
    if (rc && rc != TIER_ENOMEM)
        print_message("unexpected: %s\n", tier_pipeline_last_error(p));
    if (rc) {
        assert_null(tier_pipeline_book(p)); /* all or nothing */
        assert_int_equal(r->out.bytes, 0);
    }
done:
    tier_pipeline_free(p);
    return rc;
}

/* ---- contracts ------------------------------------------------------------------------------ */

static const char contract_invoices[] = "customer_id,date,amount\n"
                                        "a,2024-01-05,100\nb,2024-02-01,50\na,2024-06-05,120\n";
static const char contract_rows[] = "customer_id,plan,start,end,amount,period,status\n"
                                    "a,pro,2023-01-01,2024-01-01,100,monthly,renewed\n"
                                    "a,pro,2024-01-01,2025-01-01,1440,yearly,active\n"
                                    "c,basic,2024-02-01,,30,monthly,active\n";

/* The attributes the b2b cards read, for a, b and c. */
static const char contract_accounts[] =
    "account_id,contract_arr,gross_margin,employees,modules_used,growth_rate,years_cooperation,"
    "referrals,defaults,support_tickets,payment_score,arrears_days\n"
    "a,1440,0.4,50,3,0.1,2,1,0,3,90,0\nb,,0.2,10,1,-0.1,1,0,0,1,80,0\n"
    "c,360,0.3,20,2,0.3,1,0,0,0,70,0\n";

/* A scores run over the invoices, accounts and contracts files (paths[0..2]) of rfm,
 * subscription, sbg (fitted on the published "high end" cohort, scoring each customer's
 * renewals) and the b2b-subscriptions card, whose potential value reads sbg.clv|clv.clv (no clv
 * model here: sbg.clv alone); with paths[2] NULL, rfm and subscription only. */
static int contracts_run(const tier_allocator *a, void *ud)
{
    const char *const *paths = ud;
    tier_pipeline *p = NULL;
    sink out;
    int rc = tier_pipeline_new(&p, a);
    memset(&out, 0, sizeof out);
    if (rc)
        return rc;
    if (paths[2] &&
        ((rc = tier_pipeline_set(p, "accounts", paths[2])) != 0 ||
         (rc = tier_pipeline_set(p, "models", "rfm,subscription,sbg,scorecard")) != 0 ||
         (rc = tier_pipeline_set_model_option(p, "sbg", "renewals", "subscription.renewals")) !=
             0 ||
         (rc = tier_pipeline_set_model_option(p, "sbg", "survivors",
                                              "1000 869 743 653 593 551 517 491")) != 0 ||
         (rc = tier_pipeline_set_model_option(p, "sbg", "margin_column",
                                              "subscription.period_margin")) != 0 ||
         (rc = tier_pipeline_set(p, "output_columns",
                                 "customer_id,mrr=subscription.mrr,p_renew=sbg.p_renew,"
                                 "clv=sbg.clv,score=scorecard.score,grade=scorecard.grade")) != 0 ||
         (rc = tier_pipeline_set_model_option(p, "scorecard", "preset", "b2b-subscriptions")) !=
             0)) {
        tier_pipeline_free(p);
        return rc;
    }
    if ((rc = tier_pipeline_set(p, "input", paths[0])) == 0 &&
        (rc = tier_pipeline_set(p, "contracts", paths[1])) == 0 &&
        (paths[2] || (rc = tier_pipeline_set(p, "models", "rfm,subscription")) == 0) &&
        (rc = tier_pipeline_set(p, "produce", "scores")) == 0 &&
        (rc = tier_pipeline_set(p, "as_of", "2024-07-01")) == 0 &&
        (rc = tier_pipeline_set_output(p, to_sink, &out)) == 0)
        rc = tier_pipeline_run(p);
    if (rc && rc != TIER_ENOMEM)
        print_message("unexpected: %s\n", tier_pipeline_last_error(p));
    if (rc)
        assert_int_equal(out.bytes, 0);
    else
        assert_int_equal(tier_book_contract_total(tier_pipeline_book(p)), 3);
    tier_pipeline_free(p);
    return rc;
}

static void test_pipeline_reads_contracts(void **state)
{
    const char *paths[2];
    char buf[4096];
    tier_pipeline *p = new_pipeline();
    sink out;
    const tier_book *book;
    tier_contract c;
    (void)state;
    paths[0] = write_file("invoices.csv", contract_invoices);
    paths[1] = write_file("contracts.csv", contract_rows);
    memset(&out, 0, sizeof out);
    out.text = buf;
    out.cap = sizeof buf;
    set(p, "input", paths[0]);
    set(p, "contracts", paths[1]);
    set(p, "models", "rfm,subscription");
    set(p, "produce", "scores");
    set(p, "as_of", "2024-07-01");
    assert_int_equal(tier_pipeline_set_output(p, to_sink, &out), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    book = tier_pipeline_book(p);
    /* c has a contract and no invoice: a customer of the book all the same. */
    assert_int_equal(tier_book_customer_count(book), 3);
    assert_int_equal(tier_book_contract(book, tst_customer(book, "c"), 0, &c), TIER_OK);
    assert_int_equal(c.end_day, TIER_CONTRACT_OPEN);
    assert_string_equal(buf, "customer_id,r,f,m,tenure,r_score,f_score,m_score,segment,value_class,"
                             "mrr,arr,tenure_months,renewals,mrr_change,days_to_end,churned,"
                             "period_margin,movement\n"
                             "a,26,2,220,178,5,5,5,champions,important_value,120,1440,18,1,20,184,"
                             "0,1440,expansion\n"
                             "b,151,1,50,151,1,1,1,hibernating,general_retain,,,,,,,,,none\n"
                             "c,,,0,,,,,,,30,360,5,0,30,,0,360,new\n");
    /* The fit report: W = 2023-07-02; a was active then (100), is now at 120; c is new (30). */
    set(p, "produce", "fit");
    set(p, "models", "subscription");
    out.bytes = 0;
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    assert_string_equal(buf,
                        "{\"model\":\"subscription\",\"as_of\":\"2024-07-01\",\"window_start\":"
                        "\"2023-07-02\",\"cohort\":\"\",\"customers\":2,\"active\":2,\"mrr\":150,"
                        "\"arr\":1800,\"starting_customers\":1,\"starting_mrr\":100,"
                        "\"churned_customers\":0,\"churned_mrr\":0,\"contraction_mrr\":0,"
                        "\"expansion_mrr\":20,\"new_mrr\":30,\"grr\":1,\"nrr\":1.2,"
                        "\"logo_churn\":0,\"renewals\":1}\n");
    set(p, "produce", "scores");
    /* A bad file fails the run naming the file, the line and the column; nothing is written. */
    set(p, "contracts",
        write_file("bad_contracts.csv", "customer_id,start,amount,period,status\n"
                                        "a,2024-01-01,-3,monthly,active\n"));
    out.bytes = 0;
    assert_int_equal(tier_pipeline_run(p), TIER_EINVAL);
    snprintf(buf, sizeof buf,
             "%s: line 2, column 3 (amount): negative amount -3.0000 (a "
             "recurring amount is 0 or more)",
             scratch_path("bad_contracts.csv"));
    assert_string_equal(tier_pipeline_last_error(p), buf);
    assert_int_equal(out.bytes, 0);
    tier_pipeline_free(p);
}

static void test_pipeline_with_contracts_fails_cleanly_at_every_allocation(void **state)
{
    const char *paths[3];
    char p0[512], p1[512], p2[512];
    long plain;
    (void)state;
    snprintf(p0, sizeof p0, "%s", write_file("invoices.csv", contract_invoices));
    snprintf(p1, sizeof p1, "%s", write_file("contracts.csv", contract_rows));
    snprintf(p2, sizeof p2, "%s", write_file("contract_accounts.csv", contract_accounts));
    paths[0] = p0;
    paths[1] = p1;
    paths[2] = NULL;
    assert_int_equal(contracts_run(NULL, (void *)paths), TIER_OK);
    assert_true((plain = tst_oom_walk(contracts_run, (void *)paths)) > 40);
    /* load -> fit -> score of the subscription, sBG and card models with the accounts */
    paths[2] = p2;
    assert_int_equal(contracts_run(NULL, (void *)paths), TIER_OK);
    assert_true(tst_oom_walk(contracts_run, (void *)paths) > plain);
}

static void test_pipeline_fails_cleanly_at_every_allocation(void **state)
{
    pipeline_run p, reference;
    size_t len, cut, lines = 0;
    char *text = tst_read_file(tst_data_path("CDNOW_sample.txt"), &len);
    long points;
    FILE *f;
    (void)state;
    /* The first 800 lines keep the walk quick while crossing every path. */
    for (cut = 0; cut < len && lines < 800; cut++)
        lines += text[cut] == '\n';
    memset(&p, 0, sizeof p);
    p.csv_text = text;
    p.csv_len = cut;
    p.path = scratch_path("sample800.txt");
    f = fopen(p.path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, cut, f), cut);
    fclose(f);
    reference = p;
    assert_int_equal(by_hand(NULL, &reference), TIER_OK);
    assert_true(reference.out.bytes > 1000);
    points = tst_oom_walk(by_hand, &p);
    assert_true(points > 40);
    /* After all the failures, a clean run writes exactly the same output. */
    assert_int_equal(by_hand(NULL, &p), TIER_OK);
    assert_int_equal(p.out.bytes, reference.out.bytes);
    assert_true(p.out.hash == reference.out.hash);
    /* The pipeline does the same job, with and without a split read, and fails as cleanly. */
    for (p.use_executor = 0; p.use_executor <= 1; p.use_executor++) {
        assert_int_equal(through_pipeline(NULL, &p), TIER_OK);
        assert_int_equal(p.out.bytes, reference.out.bytes);
        assert_true(p.out.hash == reference.out.hash);
        points = tst_oom_walk(through_pipeline, &p);
        assert_true(points > 60);
        assert_int_equal(through_pipeline(NULL, &p), TIER_OK);
        assert_true(p.out.hash == reference.out.hash);
    }
    test_free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_rejects_unknown_settings_and_bad_values),
        cmocka_unit_test(test_pipeline_messages_can_name_settings_as_flags),
        cmocka_unit_test(test_pipeline_reads_contracts),
        cmocka_unit_test(test_pipeline_with_contracts_fails_cleanly_at_every_allocation),
        cmocka_unit_test(test_pipeline_settings_read_back_and_reset),
        cmocka_unit_test(test_pipeline_model_list_is_checked_when_set),
        cmocka_unit_test(test_pipeline_check_catches_incomplete_jobs),
        cmocka_unit_test(test_sniff_finds_delimiter_names_and_synonyms),
        cmocka_unit_test(test_pipeline_sniff_is_public_for_hosts_that_read_files_themselves),
        cmocka_unit_test(test_pipeline_reads_sniffed_dialects_alike),
        cmocka_unit_test(test_pipeline_reports_files_it_cannot_open_or_read),
        cmocka_unit_test(test_pipeline_failed_run_writes_nothing_and_keeps_the_last_result),
        cmocka_unit_test(test_pipeline_reads_again_keeping_transactions_when_a_model_needs_them),
        cmocka_unit_test(test_pipeline_reports_progress_by_stage),
        cmocka_unit_test(test_pipeline_output_is_identical_with_an_executor),
        cmocka_unit_test(test_pipeline_split_read_jumps_to_the_second_half_when_the_io_can_seek),
        cmocka_unit_test(test_pipeline_executor_split_falls_back_to_one_read_for_errors),
        cmocka_unit_test(test_pipeline_scores_and_fit_runs_produce_the_clv_outputs),
        cmocka_unit_test(test_pipeline_models_take_their_names_and_the_as_of_day),
        cmocka_unit_test(test_pipeline_scorecard_is_the_b2b_card_by_kind_and_option),
        cmocka_unit_test(test_pipeline_takes_kinds_from_a_registry_and_a_host_policy),
        cmocka_unit_test(test_pipeline_fails_cleanly_at_every_allocation),
    };
    return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
