/* SPDX-License-Identifier: MIT */
/* The pipeline's history runs beyond the state walk of test_pipeline_state.c: the explanation of
 * a customer with a state (text and JSON: tier before the run, since, dwell, failing counter, last
 * move, active override), the override list as CSV with fields that need quoting, and the
 * refusals of the override runs (an override that would never apply, removing one that does not
 * exist, a missing or damaged state file, a run as of a day before the state's), each leaving the
 * state file as it was. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#define INPUT tst_history_log

static const char POLICY[] = "libtier-policy 1\n"
                             "name \"history-cov\"\n"
                             "window rev = revenue over 1 months\n"
                             "tier S {\n"
                             "    rule \"top\" when rev >= 1000\n"
                             "    demote after 2 runs\n"
                             "}\n"
                             "tier A {\n"
                             "    rule \"mid\" when rev >= 500\n"
                             "}\n"
                             "tier C {\n"
                             "    rule \"rest\"\n"
                             "}\n";

/* A pipeline on fs with `policy` and the settings given as key, value pairs (NULL-terminated);
 * runs it, collecting the output in `sink`; returns the status and the error text in err. */
static int run(tst_faultfs *fs, const tier_policy *policy, tst_sink *sink, char *err, size_t cap,
               ...)
{
    tier_io io = tst_faultfs_io(fs);
    tier_pipeline *p = NULL;
    const char *key;
    va_list ap;
    int rc;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
    if (policy)
        assert_int_equal(tier_pipeline_set_policy_ref(p, policy), TIER_OK);
    if (sink)
        assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, sink), TIER_OK);
    va_start(ap, cap);
    while ((key = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        if (tier_pipeline_set(p, key, value) != TIER_OK)
            fail_msg("set %s=%s: %s", key, value, tier_pipeline_last_error(p));
    }
    va_end(ap);
    rc = tier_pipeline_run(p);
    snprintf(err, cap, "%s", tier_pipeline_last_error(p));
    tier_pipeline_free(p);
    return rc;
}

typedef struct fixture {
    tst_faultfs fs;
    tier_policy *policy;
} fixture;

/* Two runs (February, March) with a state, and an override of bolt between them. */
static void fixture_make(fixture *fx, const char *reason)
{
    char err[1024];
    assert_int_equal(tier_policy_new(&fx->policy, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(fx->policy, POLICY, strlen(POLICY), "h.policy"),
                     TIER_OK);
    tst_faultfs_init(&fx->fs);
    tst_faultfs_put(&fx->fs, "in.csv", INPUT, strlen(INPUT));
    if (run(&fx->fs, fx->policy, NULL, err, sizeof err, "input", "in.csv", "models", "rfm", "as_of",
            "2025-02-01", "state", "st", "out", "out.csv", (const char *)NULL))
        fail_msg("first run: %s", err);
    if (run(&fx->fs, NULL, NULL, err, sizeof err, "produce", "override_add", "state", "st",
            "customer", "bolt", "override_tier", "A", "override_reason", reason, "override_author",
            "ana \"the boss\"", "override_until", "2025-06-01", (const char *)NULL))
        fail_msg("override add: %s", err);
    if (run(&fx->fs, fx->policy, NULL, err, sizeof err, "input", "in.csv", "models", "rfm", "as_of",
            "2025-03-01", "state", "st", "out", "out.csv", (const char *)NULL))
        fail_msg("second run: %s", err);
}

static void fixture_free(fixture *fx)
{
    tst_faultfs_clear(&fx->fs);
    tier_policy_free(fx->policy);
}

static void explain(fixture *fx, const char *customer, const char *format, tst_sink *sink)
{
    char err[1024];
    if (run(&fx->fs, fx->policy, sink, err, sizeof err, "input", "in.csv", "models", "rfm", "as_of",
            "2025-03-01", "state", "st", "produce", "explain", "customer", customer, "format",
            format, (const char *)NULL))
        fail_msg("explain %s: %s", customer, err);
}

/* The file's bytes on fs (fails the test when it is gone), as a test_malloc'ed string. */
static char *file_text(const tst_faultfs *fs, const char *name)
{
    size_t len;
    const unsigned char *d = tst_faultfs_get(fs, name, &len);
    char *s;
    if (!d)
        fail_msg("%s is gone", name);
    s = test_malloc(len + 1);
    memcpy(s, d, len);
    s[len] = '\0';
    return s;
}

static void test_explain_text_ends_with_the_customers_history(void **state)
{
    static const char *const acme[] = {
        "customer acme: tier C (released from S after 2 failed runs: rest)\n",
        "history (state st, run 3 as of 2025-03-01):\n"
        "  before this run: S\n"
        "  tier: C since 2025-03-01 (dwell 0 days, 1 run in the tier)\n"
        "  failing: 0 consecutive runs its tier's rules failed\n"
        "  last move: on 2025-03-01, from S: released from S after 2 failed runs: rest\n"
        "  override: none\n"};
    static const char *const bolt[] = {
        "history (state st, run 3 as of 2025-03-01):\n"
        "  before this run: A\n"
        "  tier: A since 2025-02-01 (dwell 28 days, 3 runs in the tier)\n",
        "  override: A until 2025-06-01 (renewal, Q2, by ana \"the boss\")\n"};
    fixture fx;
    tst_sink sink = {0};
    char *saved;
    (void)state;
    fixture_make(&fx, "renewal, Q2");
    saved = file_text(&fx.fs, "st");
    explain(&fx, "acme", "text", &sink);
    tst_expect_parts(sink.data, acme, TST_COUNT(acme));
    tst_sink_reset(&sink);
    explain(&fx, "bolt", "text", &sink);
    tst_expect_parts(sink.data, bolt, TST_COUNT(bolt));
    tst_sink_reset(&sink);
    /* An explanation applies the state but never saves it. */
    {
        char *after = file_text(&fx.fs, "st");
        assert_string_equal(after, saved);
        test_free(after);
    }
    test_free(saved);
    fixture_free(&fx);
}

static void test_explain_json_has_a_history_object(void **state)
{
    static const char *const bolt[] = {
        ",\"route\":null,\"history\":{\"state\":\"st\",\"run\":3,\"as_of\":\"2025-03-01\","
        "\"tier_before\":\"A\",\"tier\":\"A\",\"since\":\"2025-02-01\",\"dwell_days\":28,"
        "\"runs_in_tier\":3,\"failing\":0,\"previous_tier\":\"\",\"moved\":\"2025-02-01\","
        "\"last_move_reason\":\"mid\",\"override\":{\"tier\":\"A\",\"until\":\"2025-06-01\","
        "\"reason\":\"tab\\u0009here\\nline\\u0001\",\"author\":\"ana \\\"the boss\\\"\"}}}\n"};
    static const char *const dune[] = {
        "\"history\":{\"state\":\"st\",\"run\":3,\"as_of\":\"2025-03-01\",\"tier_before\":\"A\","
        "\"tier\":\"A\",\"since\":\"2025-03-01\",\"dwell_days\":0,\"runs_in_tier\":2,"
        "\"failing\":0,\"previous_tier\":\"C\",\"moved\":\"2025-03-01\","
        "\"last_move_reason\":\"mid\",\"override\":null}}\n"};
    fixture fx;
    tst_sink sink = {0};
    (void)state;
    /* Control bytes, quotes and a line break in the override's texts are escaped in JSON. */
    fixture_make(&fx, "tab\there\nline\001");
    explain(&fx, "bolt", "json", &sink);
    tst_expect_parts(sink.data, bolt, TST_COUNT(bolt));
    tst_sink_reset(&sink);
    explain(&fx, "dune", "json", &sink);
    tst_expect_parts(sink.data, dune, TST_COUNT(dune));
    tst_sink_reset(&sink);
    fixture_free(&fx);
}

static void test_override_list_quotes_csv_fields(void **state)
{
    fixture fx;
    tst_sink sink = {0};
    char err[1024];
    (void)state;
    fixture_make(&fx, "renewal, \"Q2\"");
    assert_int_equal(run(&fx.fs, NULL, &sink, err, sizeof err, "produce", "override_list", "state",
                         "st", (const char *)NULL),
                     TIER_OK);
    assert_string_equal(sink.data, "customer_id,tier,until,reason,author,created\n"
                                   "bolt,A,2025-06-01,\"renewal, \"\"Q2\"\"\",\"ana \"\"the "
                                   "boss\"\"\",2025-02-01\n");
    tst_sink_reset(&sink);
    fixture_free(&fx);
}

/* A refused override run names the reason and leaves the state file as it was. */
static void expect_refused(fixture *fx, int want, const char *message, ...)
{
    char err[1024];
    char *before = file_text(&fx->fs, "st"), *after;
    tier_io io = tst_faultfs_io(&fx->fs);
    tier_pipeline *p = NULL;
    const char *key;
    va_list ap;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
    va_start(ap, message);
    while ((key = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        assert_int_equal(tier_pipeline_set(p, key, value), TIER_OK);
    }
    va_end(ap);
    assert_int_equal(tier_pipeline_run(p), want);
    snprintf(err, sizeof err, "%s", tier_pipeline_last_error(p));
    tier_pipeline_free(p);
    assert_string_equal(err, message);
    after = file_text(&fx->fs, "st");
    assert_string_equal(after, before);
    test_free(after);
    test_free(before);
}

static void test_override_runs_refuse_with_the_state_unchanged(void **state)
{
    fixture fx;
    (void)state;
    fixture_make(&fx, "renewal");
    expect_refused(&fx, TIER_EINVAL,
                   "override_until 2025-03-01 is not after the state's last run (as of "
                   "2025-03-01): the override would never apply",
                   "produce", "override_add", "state", "st", "customer", "cory", "override_tier",
                   "S", "override_reason", "r", "override_author", "a", "override_until",
                   "2025-03-01", (const char *)NULL);
    expect_refused(&fx, TIER_ENOTFOUND, "customer cory has no override in st", "produce",
                   "override_remove", "state", "st", "customer", "cory", (const char *)NULL);
    expect_refused(&fx, TIER_ENOTFOUND, "nope: no such state file (tier run --state creates it)",
                   "produce", "override_list", "state", "nope", (const char *)NULL);
    /* a run (tiers or explain) as of a day before the state's last run */
    expect_refused(&fx, TIER_EINVAL,
                   "state st: the run is as of 2025-02-15, before the history's last run "
                   "(2025-03-01): runs go forward in time",
                   "input", "in.csv", "models", "rfm", "as_of", "2025-02-15", "state", "st", "out",
                   "out.csv", (const char *)NULL);
    expect_refused(&fx, TIER_EINVAL,
                   "state st: the run is as of 2025-02-15, before the history's last run "
                   "(2025-03-01): runs go forward in time",
                   "input", "in.csv", "models", "rfm", "produce", "explain", "customer", "acme",
                   "as_of", "2025-02-15", "state", "st", (const char *)NULL);
    fixture_free(&fx);
}

static void test_a_damaged_state_is_named(void **state)
{
    fixture fx;
    tst_sink sink = {0};
    char err[1024];
    size_t len;
    unsigned char *bad;
    (void)state;
    fixture_make(&fx, "renewal");
    bad = test_malloc(64);
    memcpy(bad, tst_faultfs_get(&fx.fs, "st", &len), 64);
    bad[40] ^= 0x55;
    tst_faultfs_put(&fx.fs, "st", bad, 64);
    test_free(bad);
    assert_int_equal(run(&fx.fs, NULL, &sink, err, sizeof err, "produce", "override_list", "state",
                         "st", (const char *)NULL),
                     TIER_ECORRUPT);
    assert_memory_equal(err, "state st: ", 10);
    assert_non_null(strstr(err, "truncated at byte 64"));
    assert_null(sink.data);
    fixture_free(&fx);
}

TST_MAIN(cmocka_unit_test(test_explain_text_ends_with_the_customers_history),
         cmocka_unit_test(test_explain_json_has_a_history_object),
         cmocka_unit_test(test_override_list_quotes_csv_fields),
         cmocka_unit_test(test_override_runs_refuse_with_the_state_unchanged),
         cmocka_unit_test(test_a_damaged_state_is_named))
