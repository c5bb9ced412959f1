/* SPDX-License-Identifier: MIT */
/* Tiers over time (docs/history.md), continued from test_history.c: all or nothing (nothing
 * changes on failure, under every failed allocation), flags and routing that follow the final
 * tier, every customer's tier reproduced from the ledgers over several runs, the worked example
 * of the docs and the result's history columns. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define D0 tst_day(2025, 1, 1)

static const char *const ONE[] = {"c1"};

/* ---- all or nothing ------------------------------------------------------------------------- */

static void test_history_failed_apply_changes_nothing(void **state)
{
    tier_history *h = tst_history_new();
    tier_result *never = NULL;
    tst_hrun r, other;
    const double top = 2000, mid = 500;
    static const char *const two[] = {"c1", "c2"};
    const double both[] = {1, 1};
    (void)state;
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &top, 1, D0);
    tst_hrun_free(&r);
    assert_int_equal(tier_result_new(&never, TST_ALLOC), TIER_OK);
    assert_int_equal(tst_hrun_make(&r, TST_ALLOC, tst_hist_policy, ONE, &mid, 1, D0 + 1), TIER_OK);
    assert_int_equal(tier_history_apply(h, never, r.book, r.policy), TIER_ESTATE);
    assert_int_equal(tier_history_apply(h, NULL, r.book, r.policy), TIER_EINVAL);
    assert_string_equal(tier_history_last_error(h), "the result is NULL");
    assert_int_equal(tier_history_apply(h, r.result, NULL, r.policy), TIER_EINVAL);
    assert_string_equal(tier_history_last_error(h), "the book is NULL");
    assert_int_equal(tier_history_apply(h, r.result, r.book, NULL), TIER_EINVAL);
    assert_string_equal(tier_history_last_error(h), "the policy is NULL");
    assert_int_equal(tier_history_apply(NULL, r.result, r.book, r.policy), TIER_EINVAL);
    /* Another book, another policy (fewer tiers; as many, one named otherwise), an earlier day. */
    assert_int_equal(tst_hrun_make(&other, TST_ALLOC, tst_hist_renamed, two, both, 2, D0 - 5),
                     TIER_OK);
    assert_int_equal(tier_history_apply(h, r.result, other.book, r.policy), TIER_EINVAL);
    assert_string_equal(tier_history_last_error(h), "the book has 2 customers but the result has "
                                                    "1: not the book of the run");
    assert_int_equal(tier_history_apply(h, r.result, r.book, other.policy), TIER_EINVAL);
    assert_string_equal(tier_history_last_error(h), "the policy has 3 tiers but the run had 4: not "
                                                    "the policy of the run");
    {
        tier_policy *gold = tst_hist_policy_load(TST_ALLOC, tst_hist_four_renamed);
        assert_non_null(gold);
        assert_int_equal(tier_history_apply(h, r.result, r.book, gold), TIER_EINVAL);
        assert_string_equal(tier_history_last_error(h), "tier 1 of the policy is 'Gold' but the "
                                                        "run's is 'S': not the policy of the run");
        tier_policy_free(gold);
    }
    assert_int_equal(tier_history_apply(h, other.result, other.book, other.policy), TIER_EINVAL);
    assert_non_null(strstr(tier_history_last_error(h), "runs go forward"));
    assert_int_equal(tier_history_runs(h), 1);
    assert_string_equal(tst_history_entry(h, "c1").tier, "S");
    assert_int_equal(tst_history_entry(h, "c1").failing, 0);
    assert_string_equal(tst_hrun_reason(&r, "c1"), "mid");
    /* Applied once; a second time is refused. */
    assert_int_equal(tier_history_apply(h, r.result, r.book, r.policy), TIER_OK);
    assert_int_equal(tier_history_apply(h, r.result, r.book, r.policy), TIER_ESTATE);
    assert_int_equal(tier_history_runs(h), 2);
    tst_hrun_free(&other);
    tst_hrun_free(&r);
    tier_result_free(never);
    tier_history_free(h);
}

/* A customer held in S by hysteresis and one pinned to S by an override get the flags and the
 * route of S, their final tier, in the columns, the notices, the summary and the explanation;
 * the policy placed them in A and B. */
static void expect_explained(const tst_hrun *r, const char *id, const char *const *parts, size_t n)
{
    tier_text *t = NULL;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    if (tier_result_explain(r->result, r->book, r->policy, tst_customer(r->book, id),
                            TIER_EXPLAIN_TEXT, t) != TIER_OK)
        fail_msg("explain %s: %s", id, tier_result_last_error(r->result));
    tst_expect_parts(tier_text_data(t), parts, n);
    tier_text_free(t);
}

static void test_history_flags_and_route_follow_the_final_tier(void **state)
{
    static const char *const ids[] = {"acme", "bolt", "cory"};
    static const char *const held[] = {
        "customer acme: tier S (held in S: its rules failed 1 of 3 runs (placed in A: mid))\n",
        "flags:\n  key_care = true\n  watch = false\nentitlements:\nroute: key account desk\n"};
    static const char *const pinned[] = {
        "customer bolt: tier S (override: renewal (ana, until 2025-04-11))\n",
        "flags:\n  key_care = true\n  watch = false\n  route_overflow = true\n",
        "route: (not routed)\n"};
    const double v1[] = {2000, 50, 300}, v2[] = {300, 50, 300};
    tier_history *h = tst_history_new();
    char *csv;
    size_t count = 0;
    tst_hrun r;
    (void)state;
    tst_hrun_step(h, &r, tst_hist_flagged, ids, v1, 3, D0);
    tst_hrun_free(&r);
    assert_int_equal(tier_history_override_add(h, "bolt", "S", "renewal", "ana", D0 + 100),
                     TIER_OK);
    /* Placed: acme in A (flag watch, not routed), bolt in B (nothing), cory in A. */
    tst_hrun_step(h, &r, tst_hist_flagged, ids, v2, 3, D0 + 30);
    csv = tst_hrun_text(&r, "customer_id,tier,flags,route,reason");
    assert_string_equal(
        csv, "customer_id,tier,flags,route,reason\n"
             "acme,S,key_care,key account desk,held in S: its rules failed 1 of 3 runs (placed "
             "in A: mid)\n"
             "bolt,S,key_care;route_overflow,,\"override: renewal (ana, until 2025-04-11)\"\n"
             "cory,A,watch,,mid\n");
    test_free(csv);
    /* Two accounts routed for one place: the desk's notice is that of the final tiers. */
    assert_int_equal(tier_result_notice_count(r.result), 1);
    assert_non_null(strstr(tier_result_notice(r.result, 0), "key account desk"));
    assert_int_equal(tier_result_summary(r.result, 0, &count, NULL), TIER_OK);
    assert_int_equal(count, 2);
    expect_explained(&r, "acme", held, TST_COUNT(held));
    expect_explained(&r, "bolt", pinned, TST_COUNT(pinned));
    tst_hrun_free(&r);
    tier_history_free(h);
}

/* Every failed allocation of an apply leaves the history and the result as they were. */
static int oom_apply(const tier_allocator *alloc, void *ud)
{
    static const char *const ids[] = {"a", "b", "c", "d"};
    const double v1[] = {2000, 500, 50, 1}, v2[] = {500, 2000, 1, 50}, v3[] = {1, 1, 1, 1};
    const double *vs[] = {v1, v2, v3};
    tier_history *h = NULL;
    tst_hrun r;
    int rc, k;
    (void)ud;
    if ((rc = tier_history_new(&h, alloc)) != TIER_OK)
        return rc;
    rc = tier_history_override_add(h, "d", "A", "pinned", "ana", D0 + 20);
    for (k = 0; rc == TIER_OK && k < 3; k++) {
        uint64_t runs = tier_history_runs(h);
        size_t count = tier_history_customer_count(h), cols;
        char before[160], after[160];
        memset(&r, 0, sizeof r);
        /* tst_hist_flagged: the apply evaluates its flags and routing again over the final tiers.
         */
        if ((rc = tst_hrun_make(&r, alloc, tst_hist_flagged, ids, vs[k], 4, D0 + 10 * k)) !=
            TIER_OK) {
            tst_hrun_free(&r);
            break;
        }
        snprintf(before, sizeof before, "%s|%s|%s", tst_hrun_reason(&r, "a"),
                 tier_result_flags(r.result, 0), tier_result_route(r.result, 0));
        cols = tier_frame_column_count(tier_result_frame(r.result));
        rc = tier_history_apply(h, r.result, r.book, r.policy);
        if (rc) {
            assert_int_equal(rc, TIER_ENOMEM);
            assert_int_equal(tier_history_runs(h), runs);
            assert_int_equal(tier_history_customer_count(h), count);
            assert_int_equal(tier_frame_column_count(tier_result_frame(r.result)), cols);
            snprintf(after, sizeof after, "%s|%s|%s", tst_hrun_reason(&r, "a"),
                     tier_result_flags(r.result, 0), tier_result_route(r.result, 0));
            assert_string_equal(after, before);
        } else {
            tst_sink s;
            memset(&s, 0, sizeof s);
            rc = tier_history_ledger_write(h, TIER_LEDGER_JSON, tst_sink_write, &s);
            tst_sink_reset(&s);
        }
        tst_hrun_free(&r);
    }
    tier_history_free(h);
    return rc;
}

static const tst_oom_case test_history_apply_survives_every_failed_allocation = {oom_apply, NULL,
                                                                                 100};

/* ---- the ledgers reproduce the path --------------------------------------------------------- */

/* Over six runs with customers coming and going, each customer's final tier is its previous one
 * changed only by the ledger's moves, and the matrix counts every customer once. */
static void test_history_ledgers_reproduce_every_tier(void **state)
{
    static const char *const ids[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    /* Revenue per run and customer; 0 leaves the customer out of that run's book. */
    static const double rev[6][8] = {
        {2000, 500, 50, 1, 2000, 0, 500, 50}, {500, 500, 1, 50, 1, 2000, 0, 50},
        {500, 2000, 1, 1, 5, 2000, 500, 500}, {1, 50, 2000, 1, 5, 500, 500, 1},
        {1, 50, 2000, 2000, 0, 1, 50, 1},     {2000, 1, 1, 2000, 2000, 1, 1, 2000},
    };
    char known[8][8]; /* the tier by the ledgers; "" none; "-" not in the state */
    tier_history *h = tst_history_new();
    size_t k, i, j;
    (void)state;
    for (i = 0; i < 8; i++)
        strcpy(known[i], "-");
    for (k = 0; k < 6; k++) {
        const char *in[8];
        double amounts[8];
        size_t n = 0, gone = 0;
        uint64_t total = 0;
        tst_hrun r;
        char *csv, *line, *next;
        for (i = 0; i < 8; i++)
            if (rev[k][i] > 0) {
                in[n] = ids[i];
                amounts[n++] = rev[k][i];
            }
        tst_hrun_step(h, &r, tst_hist_policy, in, amounts, n, D0 + 30 * (int32_t)k);
        csv = tst_ledger_text(h, 0);
        for (line = strchr(csv, '\n') + 1; *line; line = next + 1) {
            char *f[5];
            size_t nf = 0;
            next = strchr(line, '\n');
            *next = '\0';
            f[nf++] = line;
            for (char *p = line; *p && nf < 5; p++)
                if (*p == ',') {
                    *p = '\0';
                    f[nf++] = p + 1;
                }
            assert_int_equal(nf, 5);
            for (j = 0; j < 8 && strcmp(ids[j], f[0]) != 0; j++)
                ;
            assert_true(j < 8);
            if (strcmp(f[3], "new") == 0) {
                assert_string_equal(known[j], "-");
                assert_string_equal(f[1], "");
            } else {
                assert_string_equal(known[j], f[1]);
            }
            if (strcmp(f[3], "gone") == 0) {
                strcpy(known[j], "-");
                gone++;
            } else {
                strcpy(known[j], f[2]);
            }
        }
        test_free(csv);
        /* New customers that got no tier are moves from none to none: still in the ledger. */
        for (i = 0; i < 8; i++) {
            tier_history_entry e;
            int in_book = rev[k][i] > 0;
            if (!in_book) {
                assert_int_equal(tier_history_entry_get(h, ids[i], 0, &e), TIER_ENOTFOUND);
                assert_string_equal(known[i], "-");
                continue;
            }
            assert_int_equal(tier_history_entry_get(h, ids[i], 0, &e), TIER_OK);
            if (strcmp(known[i], e.tier) != 0)
                fail_msg("run %zu, customer %s: the ledgers say '%s', the state '%s'", k + 1,
                         ids[i], known[i], e.tier);
            assert_string_equal(tst_hrun_tier(&r, ids[i]), e.tier);
        }
        {
            tier_history_entry e;
            for (i = 0; tier_history_entry_get(h, NULL, i, &e) == TIER_OK; i++)
                ;
            assert_int_equal(i, n);
        }
        /* The matrix counts every customer of the book and every one gone. */
        csv = tst_ledger_text(h, 2);
        for (line = strchr(csv, '\n') + 1; *line; line = next + 1) {
            const char *c2 = strchr(strchr(line, ',') + 1, ',') + 1;
            next = strchr(line, '\n');
            total += strtoull(c2, NULL, 10);
        }
        test_free(csv);
        assert_int_equal(total, n + gone);
        tst_hrun_free(&r);
    }
    tier_history_free(h);
}

/* The worked example of docs/history.md, run by run: the result's columns, the ledger, the matrix.
 */
static void test_history_worked_example_of_the_docs(void **state)
{
    static const char *const ids[] = {"acme", "bolt", "cory", "dune"};
    static const char *const ids4[] = {"acme", "bolt", "cory", "erin"};
    static const double rev[4][4] = {
        {2000, 500, 50, 1}, {500, 50, 1, 1}, {500, 5, 1, 1}, {500, 5, 1, 300}};
    static const int32_t days[4] = {0, 30, 60, 91};
    static const char *const want[4][3] = {
        {"customer_id,tier,previous_tier,move,since,reason\n"
         "acme,S,,new,2025-01-01,top\n"
         "bolt,A,,new,2025-01-01,mid\n"
         "cory,B,,new,2025-01-01,low\n"
         "dune,A,,new,2025-01-01,\"override: strategic pilot (ana, until 2025-03-02)\"\n",
         "customer_id,from,to,code,detail\n"
         "acme,,S,new,top\n"
         "bolt,,A,new,mid\n"
         "cory,,B,new,low\n"
         "dune,,A,override,\"override: strategic pilot (ana, until 2025-03-02)\"\n",
         "from,to,customers,revenue\n"
         ",S,1,2000\n"
         ",A,2,501\n"
         ",B,1,50\n"},
        {"customer_id,tier,previous_tier,move,since,reason\n"
         "acme,S,S,same,2025-01-01,held in S: its rules failed 1 of 3 runs (placed in A: mid)\n"
         "bolt,A,A,same,2025-01-01,held in A: rev < 10 does not hold (placed in B: low)\n"
         "cory,B,B,same,2025-01-01,held in B: minimum dwell of 90 days (since 2025-01-01)\n"
         "dune,A,A,same,2025-01-01,\"override: strategic pilot (ana, until 2025-03-02)\"\n",
         "customer_id,from,to,code,detail\n",
         "from,to,customers,revenue\n"
         "S,S,1,500\n"
         "A,A,2,51\n"
         "B,B,1,1\n"},
        {"customer_id,tier,previous_tier,move,since,reason\n"
         "acme,S,S,same,2025-01-01,held in S: its rules failed 2 of 3 runs (placed in A: mid)\n"
         "bolt,C,A,down,2025-03-02,released from A: rev < 10 holds\n"
         "cory,B,B,same,2025-01-01,held in B: minimum dwell of 90 days (since 2025-01-01)\n"
         "dune,C,A,down,2025-03-02,rest\n",
         "customer_id,from,to,code,detail\n"
         "bolt,A,C,release,released from A: rev < 10 holds\n"
         "dune,A,C,override_expired,\"override expired: strategic pilot (ana, until "
         "2025-03-02)\"\n",
         "from,to,customers,revenue\n"
         "S,S,1,500\n"
         "A,C,2,6\n"
         "B,B,1,1\n"},
        {"customer_id,tier,previous_tier,move,since,reason\n"
         "acme,A,S,down,2025-04-02,released from S after 3 failed runs: mid\n"
         "bolt,C,C,same,2025-03-02,rest\n"
         "cory,C,B,down,2025-04-02,released from B after the minimum dwell of 90 days: rest\n"
         "erin,A,,new,2025-04-02,mid\n",
         "customer_id,from,to,code,detail\n"
         "acme,S,A,release,released from S after 3 failed runs: mid\n"
         "cory,B,C,release,released from B after the minimum dwell of 90 days: rest\n"
         "dune,C,,gone,not in the book\n"
         "erin,,A,new,mid\n",
         "from,to,customers,revenue\n"
         ",A,1,300\n"
         "S,A,1,500\n"
         "B,C,1,1\n"
         "C,,1,0\n"
         "C,C,1,5\n"},
    };
    tier_history *h = tst_history_new();
    size_t k;
    (void)state;
    assert_int_equal(tier_history_override_add(h, "dune", "A", "strategic pilot", "ana", D0 + 60),
                     TIER_OK);
    for (k = 0; k < 4; k++) {
        tst_hrun r;
        char *text;
        tst_hrun_step(h, &r, tst_hist_policy, k < 3 ? ids : ids4, rev[k], 4, D0 + days[k]);
        text = tst_hrun_text(&r, "customer_id,tier,previous_tier,move,since,reason");
        assert_string_equal(text, want[k][0]);
        test_free(text);
        tst_expect_ledger(h, 0, want[k][1]);
        tst_expect_ledger(h, 2, want[k][2]);
        tst_hrun_free(&r);
    }
    tier_history_free(h);
}

/* Before a history the three columns are valid and empty; after it `since` is a date (a JSON
 * string); the hysteresis lines describe back as written. */
static void test_history_columns_before_and_after(void **state)
{
    tier_history *h = tst_history_new();
    tier_text *t = NULL;
    tst_sink s;
    tst_hrun r;
    const double top = 2000;
    char *csv;
    memset(&s, 0, sizeof s);
    (void)state;
    assert_int_equal(tst_hrun_make(&r, TST_ALLOC, tst_hist_policy, ONE, &top, 1, D0), TIER_OK);
    csv = tst_hrun_text(&r, "customer_id,tier,previous_tier,move,since");
    assert_string_equal(csv, "customer_id,tier,previous_tier,move,since\nc1,S,,,\n");
    test_free(csv);
    assert_int_equal(tier_text_new(&t, NULL), TIER_OK);
    assert_int_equal(tier_policy_describe(r.policy, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "    rule \"top\" when rev >= 1000\n"
                                              "    demote after 3 runs\n}\n"));
    assert_non_null(strstr(tier_text_data(t), "    demote when rev < 10\n}\n"));
    assert_non_null(strstr(tier_text_data(t), "    dwell 90 days\n}\n"));
    tier_text_free(t);
    assert_int_equal(tier_history_apply(h, r.result, r.book, r.policy), TIER_OK);
    assert_int_equal(tier_result_write(r.result, r.book, "customer_id,move,since", TIER_OUTPUT_JSON,
                                       tst_sink_write, &s),
                     TIER_OK);
    assert_string_equal(
        s.data, "[\n{\"customer_id\":\"c1\",\"move\":\"new\",\"since\":\"2025-01-01\"}\n]\n");
    tst_sink_reset(&s);
    assert_int_equal(
        tier_result_write(r.result, r.book, "since:2", TIER_OUTPUT_CSV, tst_sink_write, &s),
        TIER_EINVAL);
    tst_hrun_free(&r);
    tier_history_free(h);
}

TST_MAIN(cmocka_unit_test(test_history_columns_before_and_after),
         cmocka_unit_test(test_history_flags_and_route_follow_the_final_tier),
         cmocka_unit_test(test_history_worked_example_of_the_docs),
         cmocka_unit_test(test_history_failed_apply_changes_nothing),
         TST_OOM_TEST(test_history_apply_survives_every_failed_allocation),
         cmocka_unit_test(test_history_ledgers_reproduce_every_tier))
