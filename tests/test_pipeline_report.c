/* SPDX-License-Identifier: MIT */
/* A `report` run (produce = report, docs/report.md) through a replaceable I/O layer: the page of a
 * small job with a previous snapshot has every section, the numbers of the run, the migration
 * matrix and the movers with their reasons, and every text of the data escaped (an id full of
 * markup, a rule and an entitlement with markup); the state is read, never written; the page
 * written to `out` equals the one handed to the output callback. Walked over every failed
 * allocation and every I/O operation failing once: a failure is a clean status, the state and an
 * earlier page stay as they were, no temporary file or descriptor is left. The settings a report
 * refuses. */
#include <stdio.h>
#include <string.h>

#include "support.h"

#define ERR_SIZE 2048

static const char IN[] = "d/in.csv", STATE[] = "d/state", PAGE[] = "d/r.html";

/* In January acme is S, bolt A, cory C and <b>&"x' (an id of markup, whose rows all come later)
 * C; in February bolt buys nothing (C) and <b>&"x' buys enough for S. */
static const char INPUT[] = "customer_id,date,amount\n"
                            "acme,2025-01-10,5000\n"
                            "bolt,2025-01-12,700\n"
                            "cory,2025-01-15,40\n"
                            "acme,2025-02-10,1500\n"
                            "cory,2025-02-12,30\n"
                            "\"<b>&\"\"x'\",2025-02-20,2000\n";

static const char POLICY[] = "libtier-policy 1\n"
                             "name \"report-walk\"\n"
                             "model rfm = rfm (bins = 2)\n"
                             "window rev = revenue over 1 months\n"
                             "entitlement sla_hours number \"hours\"\n"
                             "entitlement coverage text \"who\"\n"
                             "tier S {\n"
                             "    rule \"top <spend> & more\" when rev >= 1000\n"
                             "    entitle sla_hours = 4\n"
                             "    entitle coverage = \"<named> manager\"\n"
                             "}\n"
                             "tier A {\n"
                             "    rule \"mid\" when rev >= 500\n"
                             "    entitle sla_hours = 8\n"
                             "}\n"
                             "tier C {\n"
                             "    rule \"rest\"\n"
                             "    entitle sla_hours = 48\n"
                             "}\n";

/* What the output callback received. */
typedef struct sink {
    char *data;
    size_t len;
} sink;

static int collect(void *ud, const char *data, size_t len)
{
    sink *s = ud;
    char *more = test_realloc(s->data, s->len + len + 1);
    if (!more)
        return 1;
    memcpy(more + s->len, data, len);
    s->len += len;
    more[s->len] = '\0';
    s->data = more;
    return 0;
}

/* One run on fs: produce (tiers, making the state; or report), as of `as_of`, the page to PAGE
 * when to_file, else to `out`. The error text into err. */
static int run_job(tst_faultfs *fs, const tier_policy *policy, const char *produce,
                   const char *as_of, int to_file, sink *out, const tier_allocator *alloc,
                   char *err)
{
    tier_io io = tst_faultfs_io(fs);
    tier_pipeline *p = NULL;
    int rc = tier_pipeline_new(&p, alloc);
    if (rc) {
        snprintf(err, ERR_SIZE, "out of memory making the pipeline");
        return rc;
    }
    if (!(rc = tier_pipeline_set_io(p, &io)) && !(rc = tier_pipeline_set_policy_ref(p, policy)) &&
        !(rc = tier_pipeline_set(p, "input", IN)) &&
        !(rc = tier_pipeline_set(p, "produce", produce)) &&
        !(rc = tier_pipeline_set(p, "as_of", as_of)) &&
        !(rc = tier_pipeline_set(p, "state", STATE)) &&
        !(rc = to_file ? tier_pipeline_set(p, "out", PAGE)
                       : tier_pipeline_set_output(p, collect, out)))
        rc = tier_pipeline_run(p);
    snprintf(err, ERR_SIZE, "%s", tier_pipeline_last_error(p));
    tier_pipeline_free(p);
    return rc;
}

typedef struct fixture {
    tier_policy *policy;
    unsigned char *state; /* the state after January's run */
    size_t state_len;
    sink page; /* the page of February's report, not interrupted */
    long ops;  /* its I/O operations */
} fixture;

static void fixture_fs(const fixture *fx, tst_faultfs *fs)
{
    tst_faultfs_init(fs);
    tst_faultfs_put(fs, IN, INPUT, strlen(INPUT));
    tst_faultfs_put(fs, STATE, fx->state, fx->state_len);
}

static void fixture_make(fixture *fx)
{
    char err[ERR_SIZE];
    const unsigned char *d;
    tst_faultfs fs;
    memset(fx, 0, sizeof *fx);
    assert_int_equal(tier_policy_new(&fx->policy, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(fx->policy, POLICY, strlen(POLICY), "walk.policy"),
                     TIER_OK);
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, IN, INPUT, strlen(INPUT));
    if (run_job(&fs, fx->policy, "tiers", "2025-02-01", 0, &fx->page, TST_ALLOC, err) != TIER_OK)
        fail_msg("January: %s", err);
    test_free(fx->page.data);
    fx->page.data = NULL;
    fx->page.len = 0;
    d = tst_faultfs_get(&fs, STATE, &fx->state_len);
    assert_non_null(d);
    fx->state = test_malloc(fx->state_len);
    memcpy(fx->state, d, fx->state_len);
    tst_faultfs_clear(&fs);
    fixture_fs(fx, &fs);
    if (run_job(&fs, fx->policy, "report", "2025-03-01", 1, NULL, TST_ALLOC, err) != TIER_OK)
        fail_msg("February's report: %s", err);
    fx->ops = fs.ops;
    d = tst_faultfs_get(&fs, PAGE, &fx->page.len);
    assert_non_null(d);
    fx->page.data = test_malloc(fx->page.len + 1);
    memcpy(fx->page.data, d, fx->page.len);
    fx->page.data[fx->page.len] = '\0';
    tst_faultfs_clear(&fs);
}

static void fixture_free(fixture *fx)
{
    test_free(fx->state);
    test_free(fx->page.data);
    tier_policy_free(fx->policy);
}

/* The state is January's, bit for bit; the page is absent (want_page 0) or February's (1). */
static void expect_files(const fixture *fx, const tst_faultfs *fs, int want_page, const char *what)
{
    size_t len;
    const unsigned char *d = tst_faultfs_get(fs, STATE, &len);
    if (!d || len != fx->state_len || memcmp(d, fx->state, len) != 0)
        fail_msg("%s: the state changed", what);
    d = tst_faultfs_get(fs, PAGE, &len);
    if (!want_page && d)
        fail_msg("%s: a page was written (%zu bytes)", what, len);
    if (want_page && (!d || len != fx->page.len || memcmp(d, fx->page.data, len) != 0))
        fail_msg("%s: the page is not the one of the run that was not interrupted", what);
}

static void test_pipeline_report_page(void **state)
{
    /* In order: the header, the pyramid, the Pareto curve, the heatmap, the migration, the
     * entitlements, the movers. */
    static const char *const parts[] = {
        "<!DOCTYPE html>",
        "<title>Tier report: the host&#39;s policy</title>",
        "Input <b>d/in.csv</b>",
        "4 customers, 6 transactions, as of 2025-03-01. State: run 2, 2 moves this run.",
        "<svg id=\"pyramid-chart\"",
        "<rect class=\"bar-customers\"",
        "<tr><td>S</td><td class=\"num\">2</td><td class=\"num\">50.0%</td><td "
        "class=\"num\">8500.00</td>",
        "<svg id=\"pareto-chart\"",
        "<polyline class=\"pareto-curve\" points=\"60.0,320.0 215.0,",
        "A/B at 80.0% of revenue",
        "<svg id=\"rf-chart\"",
        "<svg id=\"migration-chart\"",
        "<table class=\"figures\" id=\"entitlement-totals\">",
        "<tr><td>sla_hours</td><td class=\"num\">4.00</td><td class=\"num\">8.00</td><td "
        "class=\"num\">48.00</td><td class=\"num total\">104.00</td></tr>",
        "<td class=\"num\">&lt;named&gt; manager</td>",
        "2 customers changed tier",
        "<tr><td class=\"id\">&lt;b&gt;&amp;&quot;x&#39;</td><td>C</td><td>S</td><td>up</td>"
        "<td class=\"num\">2000.00</td><td>rest</td><td>top &lt;spend&gt; &amp; more</td></tr>",
        "<tr><td class=\"id\">bolt</td><td>A</td><td>C</td><td>down</td>",
        "</html>\n",
    };
    fixture fx;
    tst_faultfs fs;
    sink s = {NULL, 0};
    char err[ERR_SIZE];
    const char *at = NULL;
    size_t i;
    (void)state;
    fixture_make(&fx);
    tst_expect_parts(fx.page.data, parts, TST_COUNT(parts));
    /* in that order */
    for (i = 0, at = fx.page.data; i < TST_COUNT(parts); i++) {
        at = strstr(at, parts[i]);
        if (!at)
            fail_msg("part %zu is out of order: %s", i, parts[i]);
    }
    /* No markup of the data, no script, nothing fetched. */
    assert_null(strstr(fx.page.data, "<b>&"));
    assert_null(strstr(fx.page.data, "<spend>"));
    assert_null(strstr(fx.page.data, "<named>"));
    assert_null(strstr(fx.page.data, "<script"));
    assert_null(strstr(fx.page.data, "href="));
    assert_null(strstr(fx.page.data, "src="));
    /* Through the output callback: the same bytes; the state is still January's. */
    fixture_fs(&fx, &fs);
    if (run_job(&fs, fx.policy, "report", "2025-03-01", 0, &s, TST_ALLOC, err) != TIER_OK)
        fail_msg("report to the callback: %s", err);
    assert_int_equal(s.len, fx.page.len);
    assert_memory_equal(s.data, fx.page.data, s.len);
    expect_files(&fx, &fs, 0, "report to the callback");
    assert_int_equal(tst_faultfs_count(&fs), 2);
    test_free(s.data);
    tst_faultfs_clear(&fs);
    fixture_free(&fx);
}

static void test_pipeline_report_without_state(void **state)
{
    static const char *const parts[] = {"<svg id=\"rf-chart\"", "No previous snapshot"};
    tier_pipeline *p = NULL;
    tier_policy *policy = NULL;
    tst_faultfs fs;
    tier_io io;
    sink s = {NULL, 0};
    (void)state;
    assert_int_equal(tier_policy_new(&policy, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(policy, POLICY, strlen(POLICY), "walk.policy"),
                     TIER_OK);
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, IN, INPUT, strlen(INPUT));
    io = tst_faultfs_io(&fs);
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
    assert_int_equal(tier_pipeline_set_policy_ref(p, policy), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "input", IN), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "produce", "report"), TIER_OK);
    assert_int_equal(tier_pipeline_set_output(p, collect, &s), TIER_OK);
    if (tier_pipeline_run(p) != TIER_OK)
        fail_msg("%s", tier_pipeline_last_error(p));
    tst_expect_parts(s.data, parts, TST_COUNT(parts));
    assert_null(strstr(s.data, "migration-chart"));
    /* A state that does not exist: the report needs one that does (a run creates it). */
    assert_int_equal(tier_pipeline_set(p, "state", STATE), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_pipeline_last_error(p), "d/state: no such state file"));
    assert_int_equal(tst_faultfs_count(&fs), 1);
    tier_pipeline_free(p);
    tier_policy_free(policy);
    test_free(s.data);
    tst_faultfs_clear(&fs);
}

static void test_pipeline_report_settings(void **state)
{
    tier_pipeline *p = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "input", "x.csv"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "produce", "report"), TIER_OK);
    assert_int_equal(tier_pipeline_get(p, "produce", t), TIER_OK);
    assert_string_equal(tier_text_data(t), "report");
    assert_int_equal(tier_pipeline_check(p), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "format", "json"), TIER_OK);
    assert_int_equal(tier_pipeline_check(p), TIER_EINVAL);
    assert_non_null(strstr(tier_pipeline_last_error(p), "one HTML page"));
    assert_int_equal(tier_pipeline_set(p, "format", NULL), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "output_columns", "customer_id,tier"), TIER_OK);
    assert_int_equal(tier_pipeline_check(p), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set(p, "output_columns", NULL), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "state", "s"), TIER_OK);
    assert_int_equal(tier_pipeline_check(p), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "ledger", "l"), TIER_OK);
    assert_int_equal(tier_pipeline_check(p), TIER_EINVAL);
    assert_non_null(strstr(tier_pipeline_last_error(p), "tiers runs only"));
    tier_text_free(t);
    tier_pipeline_free(p);
}

static int oom_run(const tier_allocator *alloc, void *ud)
{
    const fixture *fx = ud;
    char err[ERR_SIZE];
    tst_faultfs fs;
    int rc;
    fixture_fs(fx, &fs);
    rc = run_job(&fs, fx->policy, "report", "2025-03-01", 1, NULL, alloc, err);
    assert_int_equal(fs.open_fds, 0);
    if (rc == TIER_OK) {
        expect_files(fx, &fs, 1, "a report that succeeded");
        assert_int_equal(tst_faultfs_count(&fs), 3);
    } else {
        tst_expect_oom(rc, err);
        expect_files(fx, &fs, 0, err);
        assert_int_equal(tst_faultfs_count(&fs), 2); /* no temporary file */
    }
    tst_faultfs_clear(&fs);
    return rc;
}

static void test_pipeline_report_survives_every_failed_allocation(void **state)
{
    fixture fx;
    (void)state;
    fixture_make(&fx);
    assert_true(tst_oom_walk(oom_run, &fx) > 100);
    fixture_free(&fx);
}

static void test_pipeline_report_survives_every_failed_operation(void **state)
{
    static const int kinds[] = {TST_FAULT_EIO, TST_FAULT_ENOSPC, TST_FAULT_SHORT, TST_FAULT_EINTR};
    char err[ERR_SIZE], what[ERR_SIZE + 160];
    fixture fx;
    size_t k;
    long n, failed = 0;
    (void)state;
    fixture_make(&fx);
    for (k = 0; k < TST_COUNT(kinds); k++) {
        for (n = 1; n <= fx.ops; n++) {
            tst_faultfs fs;
            const char *op;
            int rc;
            fixture_fs(&fx, &fs);
            fs.fail_at = n;
            fs.fail_kind = kinds[k];
            rc = run_job(&fs, fx.policy, "report", "2025-03-01", 1, NULL, TST_ALLOC, err);
            op = tst_fault_outcome(&fs, n, kinds[k], rc, err, what, sizeof what);
            if (kinds[k] == TST_FAULT_SHORT || kinds[k] == TST_FAULT_EINTR || rc == TIER_OK) {
                /* continued or retried, or a failure nothing depends on (the input's size,
                 * closing a file that was read) */
                if (rc != TIER_OK)
                    fail_msg("%s: want a completed run", what);
                expect_files(&fx, &fs, 1, what);
            } else {
                size_t len;
                failed++;
                if (rc != TIER_EIO && rc != TIER_ENOTFOUND)
                    fail_msg("%s: want TIER_EIO", what);
                /* After the rename, a failed directory sync is reported with the page in place
                 * (it may not survive a crash): the page is then the whole new one. */
                expect_files(&fx, &fs,
                             strcmp(op, "sync_dir") == 0 && tst_faultfs_get(&fs, PAGE, &len), what);
                if (tst_faultfs_count(&fs) != 2 + (strcmp(op, "sync_dir") == 0))
                    fail_msg("%s: %d files left", what, tst_faultfs_count(&fs));
            }
            tst_faultfs_clear(&fs);
        }
    }
    assert_true(failed > 5);
    fixture_free(&fx);
}

TST_MAIN(cmocka_unit_test(test_pipeline_report_page),
         cmocka_unit_test(test_pipeline_report_without_state),
         cmocka_unit_test(test_pipeline_report_settings),
         cmocka_unit_test(test_pipeline_report_survives_every_failed_allocation),
         cmocka_unit_test(test_pipeline_report_survives_every_failed_operation))
