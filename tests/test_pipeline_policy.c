/* SPDX-License-Identifier: MIT */
/* The pipeline's policies: the `policy` setting takes a built-in or a file, loaded when set
 * (a bad file fails the call naming FILE:LINE:COL and changes nothing); a policy's models become
 * the run's; its flags and entitlements become output columns; explain, lint and the list of
 * built-ins as runs; and all of it with the Nth allocation failing, for every N. */
#include <stdio.h>
#include <string.h>

#include "support.h"

static const char log_csv[] = "customer_id,date,amount\n"
                              "a,2024-01-05,150\n"
                              "b,2024-02-01,20\n"
                              "b,2024-03-01,30\n"
                              "c,2023-01-01,5000\n";

static const char two_policy[] = "libtier-policy 1\n"
                                 "name \"two\"\n"
                                 "model rfm = rfm (bins = 4)\n"
                                 "window spend = revenue over 12 months\n"
                                 "entitlement vip bool\n"
                                 "tier big {\n"
                                 "    rule \"spent 100 or more this year\" when spend >= 100\n"
                                 "    entitle vip = true\n"
                                 "}\n"
                                 "tier small {\n"
                                 "    rule \"the rest\" when true\n"
                                 "}\n"
                                 "flag gone \"nothing this year\" when not (spend > 0)\n";

static const char bad_policy[] = "libtier-policy 1\ntier S {\n    rule \"x\" when nope\n}\n";

/* A pipeline over an in-memory file system holding the log and the policy (fs is cleared first:
 * zero it before the first call). */
static tier_pipeline *pipeline_on(tst_memfs *fs, const tier_allocator *a, tst_sink *sink)
{
    tier_pipeline *p = NULL;
    tier_io io;
    tst_memfs_clear(fs);
    tst_memfs_put(fs, "log.csv", log_csv, strlen(log_csv));
    tst_memfs_put(fs, "two.policy", two_policy, strlen(two_policy));
    io = tst_memfs_io(fs);
    memset(sink, 0, sizeof *sink);
    if (tier_pipeline_new(&p, a) != TIER_OK)
        return NULL;
    if (tier_pipeline_set_io(p, &io) != TIER_OK ||
        tier_pipeline_set_output(p, tst_sink_write, sink) != TIER_OK ||
        tier_pipeline_set(p, "input", "log.csv") != TIER_OK) {
        tier_pipeline_free(p);
        return NULL;
    }
    return p;
}

/* pipeline_on with one more file, `name` holding `text`, put in the memory file system. */
static tier_pipeline *pipeline_with(tst_memfs *fs, tst_sink *sink, const char *name,
                                    const char *text)
{
    tier_pipeline *p = pipeline_on(fs, TST_ALLOC, sink);
    assert_non_null(p);
    tst_memfs_put(fs, name, text, strlen(text));
    return p;
}

static void test_a_policy_file_runs_with_its_models_flags_and_entitlements(void **state)
{
    tst_memfs fs = {0};
    tst_sink s;
    tier_pipeline *p = pipeline_on(&fs, TST_ALLOC, &s);
    tier_text *t = NULL;
    (void)state;
    assert_non_null(p);
    assert_int_equal(tier_pipeline_set(p, "policy", "two.policy"), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "policy"), "two.policy");
    assert_string_equal(tst_pipeline_get(p, "models"), "rfm");
    assert_int_equal(tier_pipeline_set(p, "as_of", "2024-04-01"), TIER_OK);
    if (tier_pipeline_run(p) != TIER_OK)
        fail_msg("run: %s", tier_pipeline_last_error(p));
    assert_int_equal(tier_pipeline_model_count(p), 1);
    assert_string_equal(s.data,
                        "customer_id,tier,r,f,m,tenure,r_score,f_score,m_score,segment,"
                        "value_class,flags,ent.vip,reason\n"
                        "a,big,87,1,150.00,87,3,1,2,potential_loyalists,important_develop,,true,"
                        "spent 100 or more this year\n"
                        "b,small,31,2,50.00,60,4,4,1,champions,general_value,,,the rest\n"
                        "c,small,456,1,5000.00,456,1,1,4,hibernating,important_retain,gone,,"
                        "the rest\n");
    /* Explain reads the last run. */
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_explain(p, "a", TIER_EXPLAIN_TEXT, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "spent 100 or more this year"));
    assert_int_equal(tier_pipeline_explain(p, "zz", TIER_EXPLAIN_TEXT, t), TIER_ENOTFOUND);
    assert_string_equal(tier_pipeline_last_error(p), "customer \"zz\" is not in log.csv");
    assert_int_equal(tier_pipeline_explain(p, "a", 7, t), TIER_EINVAL);
    tier_text_free(t);
    tier_pipeline_free(p);
    tst_sink_reset(&s);
    tst_memfs_clear(&fs);
}

/* A routing team over its capacity is a notice of the result and a warning of the job: b (50)
 * and c (5000 before the window) are routed to one local team of capacity 1 by all-time revenue
 * (c first), so b overflows. */
static void test_routing_overflow_is_a_warning_of_the_run(void **state)
{
    static const char routed[] = "libtier-policy 1\n"
                                 "window spend = revenue over all\n"
                                 "tier key {\n"
                                 "    rule \"bought\" when spend >= 50\n"
                                 "}\n"
                                 "tier rest {\n"
                                 "    rule \"the rest\" when true\n"
                                 "}\n"
                                 "routing {\n"
                                 "    accounts when tier == \"key\"\n"
                                 "    revenue = spend\n"
                                 "    team local \"sales\" capacity 1 accounts\n"
                                 "}\n";
    tst_memfs fs = {0};
    tst_sink s;
    tier_pipeline *p = pipeline_with(&fs, &s, "routed.policy", routed);
    (void)state;
    assert_int_equal(tier_pipeline_set(p, "policy", "routed.policy"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "output_columns", "customer_id,tier,route,flags"),
                     TIER_OK);
    if (tier_pipeline_run(p) != TIER_OK)
        fail_msg("run: %s", tier_pipeline_last_error(p));
    assert_string_equal(s.data, "customer_id,tier,route,flags\n"
                                "a,key,,route_overflow\n"
                                "b,key,,route_overflow\n"
                                "c,key,sales,\n");
    assert_int_equal(tier_result_notice_count(tier_pipeline_result(p)), 1);
    assert_int_equal(tier_pipeline_warning_count(p), 1);
    assert_string_equal(tier_pipeline_warning(p, 0),
                        "team \"sales\": capacity 1 accounts, 3 routed, 2 over");
    tier_pipeline_free(p);
    tst_sink_reset(&s);
    tst_memfs_clear(&fs);
}

static void test_a_bad_policy_file_fails_the_setting_and_changes_nothing(void **state)
{
    tst_memfs fs = {0};
    tst_sink s;
    tier_pipeline *p = pipeline_with(&fs, &s, "bad.policy", bad_policy);
    (void)state;
    assert_int_equal(tier_pipeline_set(p, "policy", "rfm-10"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "policy", "bad.policy"), TIER_EPARSE);
    assert_non_null(strstr(tier_pipeline_last_error(p), "bad.policy:3:"));
    assert_string_equal(tst_pipeline_get(p, "policy"), "rfm-10");
    assert_int_equal(tier_pipeline_set(p, "policy", "missing.policy"), TIER_EIO);
    assert_int_equal(tier_pipeline_set(p, "policy", "nope"), TIER_EINVAL);
    assert_non_null(strstr(tier_pipeline_last_error(p), "not a built-in policy (b2b-full"));
    assert_string_equal(tst_pipeline_get(p, "policy"), "rfm-10");
    /* Through a command, a policy that does not load is a usage error. */
    tier_pipeline_free(p);
    p = pipeline_with(&fs, &s, "bad.policy", bad_policy);
    {
        const char *argv[] = {"bad.policy"};
        assert_int_equal(tier_pipeline_set_command(p, "lint", 1, argv, NULL), TIER_EINVAL);
        assert_non_null(strstr(tier_pipeline_last_error(p), "bad.policy:3:"));
    }
    tier_pipeline_free(p);
    tst_sink_reset(&s);
    tst_memfs_clear(&fs);
}

static void test_defaults_follow_the_accounts_setting(void **state)
{
    tier_pipeline *p = NULL;
    (void)state;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "policy"), "b2b-sabc");
    assert_int_equal(tier_pipeline_set(p, "accounts", "accounts.csv"), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "policy"), "b2b-full");
    assert_string_equal(tst_pipeline_get(p, "models"), "rfm,clv,lifecycle,scorecard,needs");
    assert_int_equal(tier_pipeline_set(p, "policy", "rfm-8"), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "models"), "rfm");
    assert_int_equal(tier_pipeline_set(p, "policy", NULL), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "policy"), "b2b-full");
    tier_pipeline_free(p);
}

static void test_lint_and_policies_are_runs_that_read_nothing(void **state)
{
    tst_memfs fs = {0};
    tst_sink s;
    tier_pipeline *p = pipeline_on(&fs, TST_ALLOC, &s);
    tier_text *t = NULL;
    const char *lint_args[] = {"two.policy"};
    const char *one[] = {"rfm-8"};
    (void)state;
    assert_int_equal(tier_pipeline_set_command(p, "lint", 1, lint_args, NULL), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_summary(p, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "two.policy: 0 errors"));
    tier_text_free(t);
    tier_pipeline_free(p);
    tst_sink_reset(&s);
    /* The list: one line per built-in. */
    p = pipeline_on(&fs, TST_ALLOC, &s);
    assert_int_equal(tier_pipeline_set_command(p, "policies", 0, NULL, NULL), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    assert_non_null(strstr(s.data, "\nb2b-sabc "));
    assert_non_null(strstr(s.data, "\npareto-sabc "));
    tier_pipeline_free(p);
    tst_sink_reset(&s);
    p = pipeline_on(&fs, TST_ALLOC, &s);
    assert_int_equal(tier_pipeline_set_command(p, "policies", 1, one, NULL), TIER_OK);
    assert_int_equal(tier_pipeline_run(p), TIER_OK);
    assert_string_equal(s.data, tier_policy_builtin_text("rfm-8"));
    tier_pipeline_free(p);
    tst_sink_reset(&s);
    tst_memfs_clear(&fs);
}

/* ---- out of memory ---------------------------------------------------------------------- */

static int policy_runs(const tier_allocator *a, void *ud)
{
    static const char *const explain_args[] = {"--input",    "log.csv",    "--policy",
                                               "two.policy", "--customer", "b"};
    tst_memfs fs = {0};
    tst_sink s;
    tier_pipeline *p = pipeline_on(&fs, a, &s);
    tier_text *t = NULL;
    int rc = p ? TIER_OK : TIER_ENOMEM;
    (void)ud;
    if (!rc)
        rc = tier_pipeline_set(p, "policy", "two.policy");
    if (!rc)
        rc = tier_pipeline_run(p);
    if (!rc)
        rc = tier_text_new(&t, a);
    if (!rc)
        rc = tier_pipeline_explain(p, "a", TIER_EXPLAIN_JSON, t);
    if (!rc)
        rc = tier_pipeline_set(p, "policy", NULL); /* the default, b2b-sabc, at run time */
    if (!rc)
        rc = tier_pipeline_run(p);
    if (!rc)
        rc = tier_pipeline_get(p, "models", t);
    tier_text_free(t);
    tier_pipeline_free(p);
    p = NULL;
    tst_sink_reset(&s);
    if (!rc) {
        p = pipeline_on(&fs, a, &s);
        rc =
            p ? tier_pipeline_set_command(p, "explain", TST_COUNT(explain_args), explain_args, NULL)
              : TIER_ENOMEM;
        if (!rc)
            rc = tier_pipeline_run(p);
        tier_pipeline_free(p);
        p = NULL;
        tst_sink_reset(&s);
    }
    if (!rc) {
        p = pipeline_on(&fs, a, &s);
        rc = p ? tier_pipeline_set_command(p, "policies", 0, NULL, NULL) : TIER_ENOMEM;
        if (!rc)
            rc = tier_pipeline_run(p);
        tier_pipeline_free(p);
        tst_sink_reset(&s);
    }
    tst_memfs_clear(&fs);
    return rc == TIER_EUSER ? TIER_ENOMEM : rc; /* a sink that could not grow */
}

static const tst_oom_case test_policy_runs_survive_every_failed_allocation = {policy_runs, NULL,
                                                                              100};

TST_MAIN(cmocka_unit_test(test_a_policy_file_runs_with_its_models_flags_and_entitlements),
         cmocka_unit_test(test_routing_overflow_is_a_warning_of_the_run),
         cmocka_unit_test(test_a_bad_policy_file_fails_the_setting_and_changes_nothing),
         cmocka_unit_test(test_defaults_follow_the_accounts_setting),
         cmocka_unit_test(test_lint_and_policies_are_runs_that_read_nothing),
         TST_OOM_TEST(test_policy_runs_survive_every_failed_allocation))
