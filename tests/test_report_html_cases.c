/* SPDX-License-Identifier: MIT */
/* A `report` run's page in the cases test_pipeline_report.c and test_cov_report.c do not reach:
 * more movers than the table lists (the top 25 by revenue, then by order), a customer new since
 * the previous snapshot (the migration's "(none)" row), more customers than the Pareto curve has
 * points, yes/no entitlements and a tier without a value for an entitlement ("-"), a tier of no
 * one, one move in a run ("1 move"), and the page written to `out` on a memory file system. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define ERR_SIZE 2048

static const char IN[] = "in.csv", STATE[] = "state", PAGE[] = "r.html";

static const char POLICY[] = "libtier-policy 1\n"
                             "name \"cases\"\n"
                             "window rev = revenue over 1 months\n"
                             "entitlement lounge bool \"lounge access\"\n"
                             "entitlement sla number\n"
                             "entitlement desk text\n"
                             "tier S {\n"
                             "    rule \"big\" when rev >= 1000\n"
                             "    entitle lounge = true\n"
                             "    entitle sla = 2.5\n"
                             "    entitle desk = \"A & B\"\n"
                             "}\n"
                             "tier E {\n"
                             "    rule \"never\" when rev < 0 - 1000000\n"
                             "    entitle lounge = false\n"
                             "}\n"
                             "tier C {\n"
                             "    rule \"rest\"\n"
                             "    entitle lounge = false\n"
                             "    entitle sla = 10\n"
                             "}\n";

/* One run on fs (produce, as of `as_of`, state STATE); the page to PAGE when to_file, else to
 * sink. The error text into err (ERR_SIZE bytes). */
static int run_job(tst_faultfs *fs, const tier_policy *pol, const char *produce, const char *as_of,
                   int to_file, tst_sink *sink, char *err)
{
    tier_io io = tst_faultfs_io(fs);
    tier_pipeline *p = NULL;
    int rc;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    if (!(rc = tier_pipeline_set_io(p, &io)) && !(rc = tier_pipeline_set_policy_ref(p, pol)) &&
        !(rc = tier_pipeline_set(p, "input", IN)) &&
        !(rc = tier_pipeline_set(p, "produce", produce)) &&
        !(rc = tier_pipeline_set(p, "as_of", as_of)) &&
        !(rc = tier_pipeline_set(p, "state", STATE)) &&
        !(rc = to_file ? tier_pipeline_set(p, "out", PAGE)
                       : tier_pipeline_set_output(p, tst_sink_write, sink)))
        rc = tier_pipeline_run(p);
    snprintf(err, ERR_SIZE, "%s", tier_pipeline_last_error(p));
    tier_pipeline_free(p);
    return rc;
}

/* January's run (the state) over `january`, then February's report over `input` to the sink (or
 * PAGE); the page into page (test_malloc'ed, NUL-terminated). */
static void report_after_january(const char *january, const char *input, int to_file, char **page)
{
    tier_policy *pol = NULL;
    tst_faultfs fs;
    tst_sink sink = {0}, first = {0};
    char err[ERR_SIZE];
    assert_int_equal(tier_policy_new(&pol, TST_ALLOC), TIER_OK);
    if (tier_policy_load_string(pol, POLICY, strlen(POLICY), "cases.policy") != TIER_OK)
        fail_msg("policy: %s", tier_policy_last_error(pol));
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, IN, january, strlen(january));
    if (run_job(&fs, pol, "tiers", "2025-02-01", 0, &first, err) != TIER_OK)
        fail_msg("january: %s", err);
    tst_sink_reset(&first);
    tst_faultfs_put(&fs, IN, input, strlen(input));
    if (run_job(&fs, pol, "report", "2025-03-01", to_file, &sink, err) != TIER_OK)
        fail_msg("report: %s", err);
    if (to_file) {
        size_t len;
        const unsigned char *d = tst_faultfs_get(&fs, PAGE, &len);
        assert_non_null(d);
        *page = test_malloc(len + 1);
        memcpy(*page, d, len);
        (*page)[len] = '\0';
        assert_int_equal(sink.calls, 0);
    } else {
        assert_null(tst_faultfs_get(&fs, PAGE, NULL));
        assert_non_null(sink.data);
        *page = test_malloc(sink.len + 1);
        memcpy(*page, sink.data, sink.len + 1);
    }
    tst_sink_reset(&sink);
    tst_faultfs_clear(&fs);
    tier_policy_free(pol);
}

/* 450 customers buy 10 in January (all C); in February c000..c029 buy 2000 + 10 * k (S, up) and
 * "newbie", not in January's input, buys 5000 (from no tier to S): 31 movers, the table lists the
 * 25 with most revenue. With `january`, only January's rows. */
static char *big_input(int january)
{
    size_t cap = 64 + 450 * 32 + 30 * 32 + 64, len;
    char *s = test_malloc(cap);
    int k;
    len = (size_t)snprintf(s, cap, "customer_id,date,amount\n");
    for (k = 0; k < 450; k++)
        len += (size_t)snprintf(s + len, cap - len, "c%03d,2025-01-10,10\n", k);
    if (january)
        return s;
    for (k = 0; k < 30; k++)
        len += (size_t)snprintf(s + len, cap - len, "c%03d,2025-02-10,%d\n", k, 2000 + 10 * k);
    snprintf(s + len, cap - len, "newbie,2025-02-11,5000\n");
    return s;
}

static void test_report_lists_the_top_movers_and_the_new_customers(void **state)
{
    static const char *const parts[] = {
        "451 customers, 481 transactions, as of 2025-03-01. State: run 2, 31 moves this run.",
        /* the curve is sampled: 451 customers, every second one */
        "<polyline class=\"pareto-curve\" points=\"60.0,320.0 62.7,",
        /* the migration has the "(none)" row of the new customer */
        "class=\"tick end\">(none)</text>",
        /* lounge: yes/no per tier, the total in customers; sla: E has none */
        "<tr><td>lounge</td><td class=\"num\">yes</td><td class=\"num\">no</td><td "
        "class=\"num\">no</td><td class=\"num total\">31 customers</td></tr>",
        "<tr><td>sla</td><td class=\"num\">2.50</td><td class=\"num\">-</td><td "
        "class=\"num\">10.00</td><td class=\"num total\">4277.50</td></tr>",
        "<tr><td>desk</td><td class=\"num\">A &amp; B</td><td class=\"num\">-</td><td "
        "class=\"num\">-</td><td class=\"num total\">31 customers</td></tr>",
        "31 customers changed tier; the 25 with the most revenue:",
        "<tr><td class=\"id\">newbie</td><td>(none)</td><td>S</td><td>up</td><td "
        "class=\"num\">5000.00</td><td></td><td>big</td></tr>",
        "<tr><td class=\"id\">c029</td><td>C</td><td>S</td><td>up</td><td "
        "class=\"num\">2300.00</td><td>rest</td><td>big</td></tr>",
        "<tr><td class=\"id\">c006</td>",
        "</table>\n</section>\n",
    };
    char *january = big_input(1), *input = big_input(0), *page = NULL;
    (void)state;
    report_after_january(january, input, 0, &page);
    tst_expect_parts(page, parts, TST_COUNT(parts));
    /* the empty tier E: no customers, 0.0% of both */
    assert_non_null(strstr(page, "<tr><td>E</td><td class=\"num\">0</td><td class=\"num\">0.0%"
                                 "</td><td class=\"num\">0.00</td><td class=\"num\">0.0%</td>"));
    /* the 25 listed are newbie and c029 down to c006; c005 .. c000 are left out */
    assert_null(strstr(page, "<td class=\"id\">c005</td>"));
    assert_null(strstr(page, "<td class=\"id\">c000</td>"));
    assert_true(strstr(page, "c029") < strstr(page, "c028"));
    test_free(page);
    test_free(january);
    test_free(input);
}

/* bolt moves up; zed, S in January, is not in February's input: gone (to no tier, no revenue,
 * the snapshot's reason), listed after bolt. "2 moves"; the page goes to `out`, the same bytes as
 * through the callback. */
static void test_report_of_a_gone_customer_to_a_file(void **state)
{
    static const char input[] = "customer_id,date,amount\n"
                                "acme,2025-01-10,5000\n"
                                "bolt,2025-01-12,70\n"
                                "acme,2025-02-10,5000\n"
                                "bolt,2025-02-12,1700\n";
    char january[sizeof input + 32], *file = NULL, *cb = NULL;
    (void)state;
    snprintf(january, sizeof january, "%szed,2025-01-20,3000\n", input);
    report_after_january(january, input, 1, &file);
    report_after_january(january, input, 0, &cb);
    assert_string_equal(file, cb);
    assert_non_null(strstr(file, "2 customers, 4 transactions, as of 2025-03-01. State: run 2, "
                                 "2 moves this run."));
    assert_non_null(strstr(file, "2 customers changed tier; the 2 with the most revenue:"));
    assert_non_null(strstr(file, "<tr><td class=\"id\">bolt</td><td>C</td><td>S</td><td>up</td>"));
    /* zed: gone, no revenue ("-"), no reason now; the migration has the "(none)" column */
    assert_non_null(strstr(file,
                           "<tr><td class=\"id\">zed</td><td>S</td><td>(none)</td><td>down</td>"
                           "<td class=\"num\">-</td><td>big</td><td></td></tr>"));
    assert_true(strstr(file, ">bolt<") < strstr(file, ">zed<"));
    assert_non_null(strstr(file, "class=\"tick mid\">(none)</text>"));
    test_free(file);
    test_free(cb);
}

/* One customer moves: "1 move". */
static void test_report_of_one_move(void **state)
{
    static const char input[] = "customer_id,date,amount\n"
                                "acme,2025-01-10,5000\n"
                                "bolt,2025-01-12,70\n"
                                "acme,2025-02-10,5000\n"
                                "bolt,2025-02-12,1700\n";
    char *page = NULL;
    (void)state;
    report_after_january(input, input, 0, &page);
    assert_non_null(strstr(page, "State: run 2, 1 move this run."));
    assert_non_null(strstr(page, "<p>1 customer changed tier:</p>"));
    assert_null(strstr(page, "(none)"));
    test_free(page);
}

TST_MAIN(cmocka_unit_test(test_report_lists_the_top_movers_and_the_new_customers),
         cmocka_unit_test(test_report_of_a_gone_customer_to_a_file),
         cmocka_unit_test(test_report_of_one_move))
