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
static int report_of(const char *name, const char *input, const char *policy, tst_sink *sink,
                     char *err, size_t cap)
{
    tst_faultfs fs;
    tier_io io;
    tier_policy *pol = NULL;
    tier_pipeline *p = NULL;
    int rc;
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, name, input, strlen(input));
    io = tst_faultfs_io(&fs);
    assert_int_equal(tier_policy_new(&pol, TST_ALLOC), TIER_OK);
    if (tier_policy_load_string(pol, policy, strlen(policy), "plain.policy") != TIER_OK)
        fail_msg("policy: %s", tier_policy_last_error(pol));
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
    assert_int_equal(tier_pipeline_set_policy_ref(p, pol), TIER_OK);
    if (sink)
        assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, sink), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "input", name), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "produce", "report"), TIER_OK);
    rc = tier_pipeline_run(p);
    snprintf(err, cap, "%s", tier_pipeline_last_error(p));
    tier_pipeline_free(p);
    tier_policy_free(pol);
    assert_int_equal(tst_faultfs_count(&fs), 1); /* nothing written */
    tst_faultfs_clear(&fs);
    return rc;
}

static int report(tst_sink *sink, char *err, size_t cap)
{
    return report_of("in.csv", INPUT, POLICY, sink, err, cap);
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

/* Every customer's net revenue is 0 (each purchase refunded) or below, the total negative: a
 * tier of no one has the share 0.0% (not -0.0% nor NaN), the bars have no negative width; the
 * input's name, with control characters, shows them as spaces. */
static void test_a_report_of_no_revenue(void **state)
{
    static const char input[] = "customer_id,date,amount\n"
                                "acme,2025-01-10,500\n"
                                "acme,2025-01-11,-500\n"
                                "\"bo\tlt\x01\",2025-01-12,70\n"
                                "\"bo\tlt\x01\",2025-01-13,-90\n"
                                "cory,2025-01-15,40\n"
                                "cory,2025-01-16,-40\n";
    static const char policy[] = "libtier-policy 1\n"
                                 "name \"flat\"\n"
                                 "model rfm = rfm (bins = 2)\n"
                                 "window rev = revenue over all\n"
                                 "tier S {\n    rule \"top\" when rev > 0\n}\n"
                                 "tier C {\n    rule \"rest\"\n}\n";
    static const char *const parts[] = {
        "<p class=\"meta\">Input <b>in put .csv</b>, policy <b>the host&#39;s policy</b>: 3 "
        "customers, 6 "
        "transactions",
        "<text x=\"364.0\" y=\"49.0\" class=\"value\">0.0%</text>",
        "<tr><td>S</td><td class=\"num\">0</td><td class=\"num\">0.0%</td><td "
        "class=\"num\">0.00</td><td class=\"num\">0.0%</td></tr>",
        "<tr><td>C</td><td class=\"num\">3</td><td class=\"num\">100.0%</td><td "
        "class=\"num\">-20.00</td><td class=\"num\">100.0%</td></tr>",
    };
    tst_sink sink = {0};
    char err[1024];
    (void)state;
    if (report_of("in\tput\x01.csv", input, policy, &sink, err, sizeof err) != TIER_OK)
        fail_msg("report: %s", err);
    tst_expect_parts(sink.data, parts, TST_COUNT(parts));
    assert_null(strstr(sink.data, "nan"));
    assert_null(strstr(sink.data, "width=\"-"));
    assert_null(strstr(sink.data, "\x01"));
    assert_null(strstr(sink.data, "-0.0%"));
    tst_sink_reset(&sink);
}

TST_MAIN(cmocka_unit_test(test_a_report_without_rfm_or_entitlements_says_so),
         cmocka_unit_test(test_a_report_of_no_revenue),
         cmocka_unit_test(test_a_stopped_write_fails_the_report))
