/* SPDX-License-Identifier: MIT */
/* A `report` run's page when parts are absent, beyond test_pipeline_report.c: a run without an rfm
 * model says that it has no R x F scores, a policy without entitlements says so, the Pareto curve
 * marks the pareto model's thresholds; an output callback that stops the write fails the run with
 * TIER_EUSER; a run with neither `out` nor a callback succeeds and writes nothing. */
#include <stdio.h>
#include <string.h>

#include "support.h"

static const char INPUT[] = "customer_id,date,amount\n"
                            "acme,2025-01-10,5000\n"
                            "bolt,2025-01-12,700\n"
                            "cory,2025-01-15,40\n"
                            "dune,2025-01-20,10\n";

static const char POLICY[] = "libtier-policy 1\n"
                             "name \"plain\"\n"
                             "model pareto = pareto (threshold_a = 0.5)\n"
                             "tier S {\n"
                             "    rule \"a\" when pareto.class == \"A\"\n"
                             "}\n"
                             "tier C {\n"
                             "    rule \"rest\"\n"
                             "}\n";

/* A report of INPUT with POLICY (its one model: pareto, threshold_a 0.5) on a memory file system;
 * the page to `sink` when given. Returns the status, the error in err. */
static int report(tst_sink *sink, char *err, size_t cap)
{
    tst_faultfs fs;
    tier_io io;
    tier_policy *pol = NULL;
    tier_pipeline *p = NULL;
    int rc;
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, "in.csv", INPUT, strlen(INPUT));
    io = tst_faultfs_io(&fs);
    assert_int_equal(tier_policy_new(&pol, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(pol, POLICY, strlen(POLICY), "plain.policy"), TIER_OK);
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
    assert_int_equal(tier_pipeline_set_policy_ref(p, pol), TIER_OK);
    if (sink)
        assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, sink), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "input", "in.csv"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "produce", "report"), TIER_OK);
    rc = tier_pipeline_run(p);
    snprintf(err, cap, "%s", tier_pipeline_last_error(p));
    tier_pipeline_free(p);
    tier_policy_free(pol);
    assert_int_equal(tst_faultfs_count(&fs), 1); /* nothing written */
    tst_faultfs_clear(&fs);
    return rc;
}

static void test_a_report_without_rfm_or_entitlements_says_so(void **state)
{
    static const char *const parts[] = {
        "<!DOCTYPE html>",
        "<p class=\"note\">The run has no rfm model: no R x F scores.</p>",
        "<p class=\"note\">The policy declares no entitlements.</p>",
    };
    tst_sink sink = {0};
    char err[1024];
    (void)state;
    if (report(&sink, err, sizeof err) != TIER_OK)
        fail_msg("report: %s", err);
    tst_expect_parts(sink.data, parts, TST_COUNT(parts));
    assert_non_null(strstr(sink.data, "</html>"));
    tst_sink_reset(&sink);
}

static void test_a_stopped_write_fails_the_report(void **state)
{
    tst_sink sink = {0};
    char err[1024];
    (void)state;
    sink.stop_at = 1;
    assert_int_equal(report(&sink, err, sizeof err), TIER_EUSER);
    assert_string_equal(err, "cannot write the output");
    tst_sink_reset(&sink);
    /* without a callback and without `out` the page goes nowhere, and that is no error */
    assert_int_equal(report(NULL, err, sizeof err), TIER_OK);
}

TST_MAIN(cmocka_unit_test(test_a_report_without_rfm_or_entitlements_says_so),
         cmocka_unit_test(test_a_stopped_write_fails_the_report))
