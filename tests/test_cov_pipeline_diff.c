/* SPDX-License-Identifier: MIT */
/* A `diff` run of two policies (produce = diff) beyond test_diff.c: rows out of date order are
 * read again with the transactions kept and give the diff the sorted rows give; a policy compared
 * with itself labels its sides "before" and "after" and moves no one; an output callback that
 * stops the write is TIER_EUSER; without a callback and without `out` nothing is written and the
 * run succeeds. */
#include <stdio.h>
#include <string.h>

#include "support.h"

static const char SORTED[] = "customer_id,date,amount\n"
                             "a,2024-01-01,5\n"
                             "a,2024-03-01,5\n"
                             "a,2024-03-01,1\n"
                             "b,2024-02-01,900\n"
                             "c,2024-02-10,30\n";
static const char UNSORTED[] = "customer_id,date,amount\n"
                               "a,2024-03-01,5\n"
                               "b,2024-02-01,900\n"
                               "a,2024-01-01,5\n"
                               "c,2024-02-10,30\n"
                               "a,2024-03-01,1\n";

/* The diff of `policy` against `against` over `input`, as `format`, into sink (when given). */
static int diff(const char *input, const char *policy, const char *against, const char *format,
                tst_sink *sink, char *err, size_t cap)
{
    tst_faultfs fs;
    tier_io io;
    tier_pipeline *p = NULL;
    int rc;
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, "in.csv", input, strlen(input));
    io = tst_faultfs_io(&fs);
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
    if (sink)
        assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, sink), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "input", "in.csv"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "produce", "diff"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "policy", policy), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "against", against), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "format", format), TIER_OK);
    rc = tier_pipeline_run(p);
    snprintf(err, cap, "%s", tier_pipeline_last_error(p));
    tier_pipeline_free(p);
    assert_int_equal(tst_faultfs_count(&fs), 1);
    tst_faultfs_clear(&fs);
    return rc;
}

static void test_rows_out_of_order_give_the_diff_of_the_sorted_rows(void **state)
{
    tst_sink sorted = {0}, unsorted = {0};
    char err[1024];
    (void)state;
    if (diff(SORTED, "pareto-sabc", "b2b-sabc", "csv", &sorted, err, sizeof err))
        fail_msg("sorted: %s", err);
    if (diff(UNSORTED, "pareto-sabc", "b2b-sabc", "csv", &unsorted, err, sizeof err))
        fail_msg("unsorted: %s", err);
    assert_non_null(strstr(sorted.data, "customer_id,"));
    assert_string_equal(unsorted.data, sorted.data);
    tst_sink_reset(&sorted);
    tst_sink_reset(&unsorted);
}

static void test_a_policy_against_itself_and_the_output_callback(void **state)
{
    tst_sink sink = {0};
    char err[1024];
    (void)state;
    if (diff(SORTED, "pareto-sabc", "pareto-sabc", "json", &sink, err, sizeof err))
        fail_msg("diff: %s", err);
    {
        static const char *const parts[] = {"{\"before\":{\"label\":\"before\",",
                                            "\"after\":{\"label\":\"after\",", "\"customers\":3,",
                                            "\"moved\":{\"customers\":0,", "\"movers\":[]}"};
        tst_expect_parts(sink.data, parts, TST_COUNT(parts));
    }
    tst_sink_reset(&sink);
    sink.stop_at = 1;
    assert_int_equal(diff(SORTED, "pareto-sabc", "b2b-sabc", "text", &sink, err, sizeof err),
                     TIER_EUSER);
    assert_string_equal(err, "cannot write the output: the write callback stopped the output");
    tst_sink_reset(&sink);
    assert_int_equal(diff(SORTED, "pareto-sabc", "b2b-sabc", "text", NULL, err, sizeof err),
                     TIER_OK);
}

TST_MAIN(cmocka_unit_test(test_rows_out_of_order_give_the_diff_of_the_sorted_rows),
         cmocka_unit_test(test_a_policy_against_itself_and_the_output_callback))
