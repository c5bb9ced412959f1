/* SPDX-License-Identifier: MIT */
/* Tiers over time (docs/history.md): tier_history_apply on tiny books built by hand, run after
 * run: promotion, demotion held by `demote after`, `demote when`, `dwell`, overrides, new and
 * gone customers, a tier renamed away, the handle's getters (test_history_runs.c: all or nothing,
 * the final tier's flags, the ledgers, the worked example). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "util/crc32c.h"

#define D0 tst_day(2025, 1, 1)

static const char *const ONE[] = {"c1"};

/* ---- promotion and demotion ----------------------------------------------------------------- */

static void test_history_promotion_is_immediate(void **state)
{
    tier_history *h = tst_history_new();
    tst_hrun r;
    const double low = 50, top = 2000;
    (void)state;
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &low, 1, D0);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "B");
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &top, 1, D0 + 7);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "S");
    assert_string_equal(tst_hrun_reason(&r, "c1"), "top");
    tst_expect_ledger(h, 0, "customer_id,from,to,code,detail\nc1,B,S,rule,top\n");
    assert_int_equal(tst_history_entry(h, "c1").since, D0 + 7);
    assert_string_equal(tst_history_entry(h, "c1").previous, "B");
    tst_hrun_free(&r);
    tier_history_free(h);
}

/* `demote after 3 runs`: held through two bad runs, released on the third. */
static void test_history_demote_after_runs_holds_then_releases(void **state)
{
    tier_history *h = tst_history_new();
    tst_hrun r;
    const double top = 2000, mid = 500;
    char *csv;
    (void)state;
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &top, 1, D0);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "S");
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &mid, 1, D0 + 7);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "S");
    assert_string_equal(tst_hrun_reason(&r, "c1"),
                        "held in S: its rules failed 1 of 3 runs (placed in "
                        "A: mid)");
    assert_int_equal(tst_history_entry(h, "c1").failing, 1);
    assert_int_equal(tst_history_entry(h, "c1").runs, 2);
    tst_expect_ledger(h, 0, "customer_id,from,to,code,detail\n");
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &mid, 1, D0 + 14);
    assert_string_equal(tst_hrun_reason(&r, "c1"),
                        "held in S: its rules failed 2 of 3 runs (placed in "
                        "A: mid)");
    assert_int_equal(tst_history_entry(h, "c1").failing, 2);
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &mid, 1, D0 + 21);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "A");
    assert_string_equal(tst_hrun_reason(&r, "c1"), "released from S after 3 failed runs: mid");
    tst_expect_ledger(h, 0,
                      "customer_id,from,to,code,detail\nc1,S,A,release,released from S after 3 "
                      "failed runs: mid\n");
    assert_int_equal(tst_history_entry(h, "c1").failing, 0);
    assert_int_equal(tst_history_entry(h, "c1").runs, 1);
    assert_int_equal(tst_history_entry(h, "c1").since, D0 + 21);
    csv = tst_hrun_text(&r, "customer_id,tier,previous_tier,move,since,reason");
    assert_string_equal(csv, "customer_id,tier,previous_tier,move,since,reason\n"
                             "c1,A,S,down,2025-01-22,released from S after 3 failed runs: mid\n");
    test_free(csv);
    tst_hrun_free(&r);
    tier_history_free(h);
    /* `demote after 1 runs` releases at the first failed run, and says "run" */
    {
        static const char once[] = "libtier-policy 1\n"
                                   "window rev = revenue over all\n"
                                   "tier S {\n    rule \"top\" when rev >= 1000\n"
                                   "    demote after 1 runs\n}\n"
                                   "tier A {\n    rule \"mid\"\n}\n";
        h = tst_history_new();
        tst_hrun_step(h, &r, once, ONE, &top, 1, D0);
        tst_hrun_free(&r);
        tst_hrun_step(h, &r, once, ONE, &mid, 1, D0 + 7);
        assert_string_equal(tst_hrun_tier(&r, "c1"), "A");
        assert_string_equal(tst_hrun_reason(&r, "c1"), "released from S after 1 failed run: mid");
        tst_hrun_free(&r);
        tier_history_free(h);
    }
}

/* `demote when`: held while it does not hold, released at once when it does. */
static void test_history_demote_when_releases_at_once(void **state)
{
    tier_history *h = tst_history_new();
    tst_hrun r;
    const double mid = 500, low = 50, gone = 5;
    (void)state;
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &mid, 1, D0);
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &low, 1, D0 + 7);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "A");
    assert_string_equal(tst_hrun_reason(&r, "c1"),
                        "held in A: rev < 10 does not hold (placed in B: low)");
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &gone, 1, D0 + 14);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "C");
    assert_string_equal(tst_hrun_reason(&r, "c1"), "released from A: rev < 10 holds");
    tst_expect_ledger(h, 0,
                      "customer_id,from,to,code,detail\nc1,A,C,release,released from A: rev < 10 "
                      "holds\n");
    tst_hrun_free(&r);
    tier_history_free(h);
}

/* Holds toward no tier (the policy has no catch-all): `dwell 1 day` holds a day and says "day",
 * then releases with "no rule holds"; `demote after 2 runs` holds one run "placed in no tier". */
static void test_history_holds_toward_no_tier(void **state)
{
    static const char policy[] = "libtier-policy 1\n"
                                 "window rev = revenue over all\n"
                                 "tier A {\n    rule \"mid\" when rev >= 100\n"
                                 "    demote after 2 runs\n}\n"
                                 "tier B {\n    rule \"low\" when rev >= 10\n    dwell 1 day\n}\n";
    static const char *const two[] = {"a1", "b1"};
    const double high[] = {500, 50}, none[] = {1, 1};
    tier_history *h = tst_history_new();
    tst_hrun r;
    (void)state;
    tst_hrun_step(h, &r, policy, two, high, 2, D0);
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, policy, two, none, 2, D0);
    assert_string_equal(tst_hrun_tier(&r, "a1"), "A");
    assert_string_equal(tst_hrun_reason(&r, "a1"),
                        "held in A: its rules failed 1 of 2 runs (placed in no tier)");
    assert_string_equal(tst_hrun_tier(&r, "b1"), "B");
    assert_string_equal(tst_hrun_reason(&r, "b1"),
                        "held in B: minimum dwell of 1 day (since 2025-01-01)");
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, policy, two, none, 2, D0 + 1);
    assert_string_equal(tst_hrun_tier(&r, "a1"), "");
    assert_string_equal(tst_hrun_tier(&r, "b1"), "");
    assert_string_equal(tst_hrun_reason(&r, "b1"),
                        "released from B after the minimum dwell of 1 day: no rule holds");
    tst_expect_ledger(
        h, 0,
        "customer_id,from,to,code,detail\na1,A,,release,released from A after 2 failed "
        "runs: no rule holds\nb1,B,,release,released from B after the minimum dwell "
        "of 1 day: no rule holds\n");
    tst_hrun_free(&r);
    tier_history_free(h);
}

/* `dwell 90 days`: held inside 90 days of entering B, released after. */
static void test_history_dwell_holds_inside_its_days(void **state)
{
    tier_history *h = tst_history_new();
    tst_hrun r;
    const double low = 50, rest = 1;
    (void)state;
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &low, 1, D0);
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &rest, 1, D0 + 89);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "B");
    assert_string_equal(tst_hrun_reason(&r, "c1"), "held in B: minimum dwell of 90 days (since "
                                                   "2025-01-01)");
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &rest, 1, D0 + 90);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "C");
    assert_string_equal(tst_hrun_reason(&r, "c1"),
                        "released from B after the minimum dwell of 90 days: rest");
    tst_expect_ledger(h, 0,
                      "customer_id,from,to,code,detail\nc1,B,C,release,released from B after the "
                      "minimum dwell of 90 days: rest\n");
    tst_hrun_free(&r);
    /* Past the dwell at the first bad run: demoted at once, by the rule. */
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &low, 1, D0 + 97);
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &rest, 1, D0 + 200);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "C");
    assert_string_equal(tst_hrun_reason(&r, "c1"), "rest");
    tst_expect_ledger(h, 0, "customer_id,from,to,code,detail\nc1,B,C,rule,rest\n");
    tst_hrun_free(&r);
    tier_history_free(h);
}

/* A cap's overflow is the code `cap`, its detail the cap's reason. */
static void test_history_cap_overflow_is_code_cap(void **state)
{
    static const char *const ids[] = {"a", "b"};
    const double first[] = {5000, 10}, second[] = {5000, 4000};
    tier_history *h = tst_history_new();
    tst_hrun r;
    (void)state;
    tst_hrun_step(h, &r, tst_hist_capped, ids, first, 2, D0);
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_capped, ids, second, 2, D0 + 1);
    assert_string_equal(tst_hrun_tier(&r, "b"), "A");
    tst_expect_ledger(h, 0, "customer_id,from,to,code,detail\n");
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_capped, ids, (const double[]){1, 4000}, 2, D0 + 2);
    assert_string_equal(tst_hrun_tier(&r, "a"), "A");
    assert_string_equal(tst_hrun_tier(&r, "b"), "S");
    tst_expect_ledger(h, 0, "customer_id,from,to,code,detail\na,S,A,rule,rest\nb,A,S,rule,top\n");
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_capped, ids, (const double[]){9000, 4000}, 2, D0 + 3);
    tst_expect_ledger(
        h, 0,
        "customer_id,from,to,code,detail\na,A,S,rule,top\nb,S,A,cap,over the cap of S "
        "(1 by rev)\n");
    tst_hrun_free(&r);
    tier_history_free(h);
}

/* ---- overrides ------------------------------------------------------------------------------ */

static void test_history_overrides_pin_replace_remove_and_expire(void **state)
{
    tier_history *h = tst_history_new();
    tier_override_entry o;
    tst_hrun r;
    const double rest = 1;
    char *json, want[1024];
    (void)state;
    /* Validation. */
    assert_int_equal(tier_history_override_add(h, "", "S", "r", "ana", D0), TIER_EINVAL);
    assert_int_equal(tier_history_override_add(h, "c1", "S", "", "ana", D0), TIER_EINVAL);
    assert_int_equal(tier_history_override_add(h, "c1", "S", "r", NULL, D0), TIER_EINVAL);
    assert_int_equal(tier_history_override_add(h, "c1", "\xff", "r", "ana", D0), TIER_EINVAL);
    assert_int_equal(tier_history_override_add(h, "c1", "S", "r", "ana", D0 + 0.5), TIER_EINVAL);
    assert_int_equal(tier_history_override_add(h, "c1", "S", "r", "ana", NAN), TIER_EINVAL);
    assert_int_equal(tier_history_override_add(h, "c1", "S", "r", "ana", 1e9), TIER_EINVAL);
    assert_int_equal(tier_history_override_count(h), 0);
    /* Added, replaced, sorted by id. */
    assert_int_equal(tier_history_override_add(h, "c1", "A", "first", "bo", D0 + 30), TIER_OK);
    assert_int_equal(tier_history_override_add(h, "b0", "C", "other", "bo", D0 + 30), TIER_OK);
    assert_int_equal(tier_history_override_add(h, "c1", "S", "key account", "ana", D0 + 60),
                     TIER_OK);
    assert_int_equal(tier_history_override_count(h), 2);
    assert_int_equal(tier_history_override_get(h, 0, &o), TIER_OK);
    assert_string_equal(o.id, "b0");
    assert_int_equal(tier_history_override_get(h, 1, &o), TIER_OK);
    assert_string_equal(o.id, "c1");
    assert_string_equal(o.tier, "S");
    assert_string_equal(o.reason, "key account");
    assert_string_equal(o.author, "ana");
    assert_true(o.expires == D0 + 60);
    assert_true(isnan(o.created));
    assert_int_equal(tier_history_override_get(h, 2, &o), TIER_ERANGE);
    assert_int_equal(tier_history_override_remove(h, "b0"), TIER_OK);
    assert_int_equal(tier_history_override_remove(h, "b0"), TIER_ENOTFOUND);
    assert_int_equal(tier_history_override_count(h), 1);
    /* Pinned: a new customer placed in C sits in S. */
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &rest, 1, D0);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "S");
    assert_string_equal(tst_hrun_reason(&r, "c1"), "override: key account (ana, until 2025-03-02)");
    tst_expect_ledger(
        h, 0,
        "customer_id,from,to,code,detail\nc1,,S,override,\"override: key account (ana, "
        "until 2025-03-02)\"\n");
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &rest, 1, D0 + 59);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "S");
    tst_expect_ledger(h, 0, "customer_id,from,to,code,detail\n");
    tst_hrun_free(&r);
    /* Expired on its day: dropped, reported, and the policy places the customer at once (S's
     * `demote after` does not hold a pinned customer). */
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &rest, 1, D0 + 60);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "C");
    assert_string_equal(tst_hrun_reason(&r, "c1"), "rest");
    assert_int_equal(tier_history_override_count(h), 0);
    tst_expect_ledger(
        h, 0,
        "customer_id,from,to,code,detail\nc1,S,C,override_expired,\"override expired: "
        "key account (ana, until 2025-03-02)\"\n");
    /* After runs, a tier the history does not know is refused when the override is added. */
    assert_int_equal(tier_history_override_add(h, "c1", "Z", "typo", "ana", D0 + 90),
                     TIER_ENOTFOUND);
    assert_string_equal(tier_history_last_error(h), "cannot pin c1 to tier \"Z\": the last run's "
                                                    "policy (hist) has no such tier");
    assert_int_equal(tier_history_override_count(h), 0);
    json = tst_ledger_text(h, 1);
    snprintf(want, sizeof want,
             "{\"run\":3,\"as_of\":\"2025-03-02\",\"policy\":\"hist\",\"policy_hash\":\"%08lx\",\n"
             "  \"matrix\":[\n    {\"from\":\"S\",\"to\":\"C\",\"customers\":1,\"revenue\":1}],\n"
             "  \"moves\":[\n    {\"customer_id\":\"c1\",\"from\":\"S\",\"to\":\"C\",\"code\":"
             "\"override_expired\",\"detail\":\"override expired: key account (ana, until "
             "2025-03-02)\"}],\n"
             "  \"expired\":[\n    {\"customer_id\":\"c1\",\"tier\":\"S\",\"reason\":\"key "
             "account\",\"author\":\"ana\",\"expires\":\"2025-03-02\",\"created\":null}]}\n",
             (unsigned long)tier_history_policy_hash(h));
    assert_string_equal(json, want);
    test_free(json);
    tst_hrun_free(&r);
    tier_history_free(h);
}

/* An override of a tier the policy does not have stops the apply, which changes nothing. */
static void test_history_override_of_an_unknown_tier_changes_nothing(void **state)
{
    tier_history *h = tst_history_new();
    tst_hrun r;
    const double rest = 1;
    (void)state;
    /* Before the first run no tier is known, so the override is taken; the run refuses it. */
    assert_int_equal(tier_history_override_add(h, "c1", "Platinum", "vip", "ana", D0 + 90),
                     TIER_OK);
    assert_int_equal(tst_hrun_make(&r, TST_ALLOC, tst_hist_policy, ONE, &rest, 1, D0 + 1), TIER_OK);
    assert_int_equal(tier_history_apply(h, r.result, r.book, r.policy), TIER_EINVAL);
    assert_non_null(strstr(tier_history_last_error(h), "Platinum"));
    assert_int_equal(tier_history_runs(h), 0);
    assert_true(isnan(tier_history_as_of(h)));
    assert_int_equal(tier_history_override_count(h), 1);
    assert_string_equal(tst_hrun_reason(&r, "c1"), "rest");
    assert_int_equal(tier_frame_find(tier_result_frame(r.result), "move", NULL), TIER_ENOTFOUND);
    tst_hrun_free(&r);
    tier_history_free(h);
}

/* ---- customers come and go; tiers renamed ---------------------------------------------------- */

static void test_history_new_and_gone_customers(void **state)
{
    static const char *const first[] = {"a", "b"}, *const second[] = {"b", "c"};
    const double v1[] = {2000, 50}, v2[] = {50, 500};
    tier_history *h = tst_history_new();
    tier_history_entry e;
    tst_hrun r;
    char *csv;
    (void)state;
    tst_hrun_step(h, &r, tst_hist_policy, first, v1, 2, D0);
    tst_expect_ledger(h, 0, "customer_id,from,to,code,detail\na,,S,new,top\nb,,B,new,low\n");
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_policy, second, v2, 2, D0 + 1);
    tst_expect_ledger(h, 0,
                      "customer_id,from,to,code,detail\na,S,,gone,not in the book\nc,,A,new,mid\n");
    tst_expect_ledger(h, 2, "from,to,customers,revenue\n,A,1,500\nS,,1,0\nB,B,1,50\n");
    csv = tst_hrun_text(&r, "customer_id,tier,previous_tier,move,since");
    assert_string_equal(csv, "customer_id,tier,previous_tier,move,since\n"
                             "b,B,B,same,2025-01-01\nc,A,,new,2025-01-02\n");
    test_free(csv);
    assert_int_equal(tier_history_customer_count(h), 2);
    assert_int_equal(tier_history_entry_get(h, "a", 0, &e), TIER_ENOTFOUND);
    assert_int_equal(tier_history_entry_get(h, NULL, 0, &e), TIER_OK);
    assert_string_equal(e.id, "b");
    assert_int_equal(e.runs, 2);
    assert_true(e.since == D0);
    assert_int_equal(tier_history_entry_get(h, NULL, 1, &e), TIER_OK);
    assert_string_equal(e.id, "c");
    assert_int_equal(tier_history_entry_get(h, NULL, 2, &e), TIER_ERANGE);
    /* The summary follows the final tiers. */
    {
        size_t n = 0;
        double rev = 0;
        assert_int_equal(tier_result_summary(r.result, 1, &n, &rev), TIER_OK);
        assert_int_equal(n, 1);
        assert_true(rev == 500);
    }
    tst_hrun_free(&r);
    /* Gone customers after the book's last id (in id order) leave too: c, then b, then a new
     * first customer only. */
    {
        static const char *const third[] = {"a"};
        const double v3[] = {20};
        tst_hrun_step(h, &r, tst_hist_policy, third, v3, 1, D0 + 2);
        tst_expect_ledger(h, 0,
                          "customer_id,from,to,code,detail\na,,B,new,low\nb,B,,gone,not in the "
                          "book\nc,A,,gone,not in the book\n");
        assert_int_equal(tier_history_customer_count(h), 1);
        tst_hrun_free(&r);
    }
    tier_history_free(h);
}

static void test_history_a_tier_renamed_away_holds_no_one(void **state)
{
    tier_history *h = tst_history_new();
    const double mid = 500;
    const double top = 2000;
    tst_hrun r;
    char *csv;
    (void)state;
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &top, 1, D0);
    tst_hrun_free(&r);
    tst_hrun_step(h, &r, tst_hist_renamed, ONE, &mid, 1, D0 + 1);
    assert_string_equal(tst_hrun_tier(&r, "c1"), "A");
    tst_expect_ledger(h, 0, "customer_id,from,to,code,detail\nc1,S,A,rule,mid\n");
    csv = tst_hrun_text(&r, "customer_id,tier,previous_tier,move");
    assert_string_equal(csv, "customer_id,tier,previous_tier,move\nc1,A,S,up\n");
    test_free(csv);
    assert_string_equal(tst_history_entry(h, "c1").previous, "S");
    tst_hrun_free(&r);
    tier_history_free(h);
}

/* ---- the handle ----------------------------------------------------------------------------- */

static void test_history_identity_and_getters(void **state)
{
    tier_history *h = tst_history_new();
    tier_text *t = NULL;
    tst_hrun r;
    const double top = 2000;
    (void)state;
    assert_int_equal(tier_history_runs(h), 0);
    assert_true(isnan(tier_history_as_of(h)));
    assert_string_equal(tier_history_policy_name(h), "");
    assert_int_equal(tier_history_policy_hash(h), 0);
    assert_int_equal(tier_history_customer_count(h), 0);
    assert_string_equal(tier_history_last_error(h), "");
    assert_int_equal(tier_history_ledger_write(h, TIER_LEDGER_CSV, tst_sink_write, NULL),
                     TIER_ESTATE);
    assert_int_equal(tier_history_matrix_write(h, tst_sink_write, NULL), TIER_ESTATE);
    tst_hrun_step(h, &r, tst_hist_policy, ONE, &top, 1, D0);
    assert_int_equal(tier_history_runs(h), 1);
    assert_true(tier_history_as_of(h) == D0);
    assert_string_equal(tier_history_policy_name(h), "hist");
    assert_int_equal(tier_text_new(&t, NULL), TIER_OK);
    assert_int_equal(tier_policy_describe(r.policy, t), TIER_OK);
    assert_int_equal(tier_history_policy_hash(h),
                     tier__crc32c(0, tier_text_data(t), tier_text_length(t)));
    assert_int_equal(tier_history_ledger_write(h, 9, tst_sink_write, NULL), TIER_EINVAL);
    assert_int_equal(tier_history_ledger_write(h, TIER_LEDGER_CSV, NULL, NULL), TIER_EINVAL);
    /* without a handle: nothing; an entry or an override may be asked for only to know it is
     * there (NULL out) */
    assert_string_equal(tier_history_policy_name(NULL), "");
    assert_int_equal(tier_history_policy_hash(NULL), 0);
    assert_int_equal(tier_history_entry_get(h, "c1", 0, NULL), TIER_OK);
    assert_int_equal(tier_history_entry_get(h, "c9", 0, NULL), TIER_ENOTFOUND);
    assert_string_equal(tier_history_last_error(h), "no customer \"c9\" in the history");
    assert_int_equal(tier_history_entry_get(h, NULL, 1, NULL), TIER_ERANGE);
    assert_string_equal(tier_history_last_error(h), "no entry 1 (the history has 1 customers)");
    assert_int_equal(tier_history_override_add(h, "c1", "A", "why", "who", D0 + 30), TIER_OK);
    assert_int_equal(tier_history_override_get(h, 0, NULL), TIER_OK);
    assert_int_equal(tier_history_override_get(h, 1, NULL), TIER_ERANGE);
    assert_string_equal(tier_history_last_error(h), "no override 1 (the history has 1)");
    assert_int_equal(tier_history_override_get(NULL, 0, NULL), TIER_EINVAL);
    tier_text_free(t);
    tst_hrun_free(&r);
    tier_history_free(NULL);
    tier_history_free(h);
}

TST_MAIN(cmocka_unit_test(test_history_promotion_is_immediate),
         cmocka_unit_test(test_history_demote_after_runs_holds_then_releases),
         cmocka_unit_test(test_history_demote_when_releases_at_once),
         cmocka_unit_test(test_history_dwell_holds_inside_its_days),
         cmocka_unit_test(test_history_holds_toward_no_tier),
         cmocka_unit_test(test_history_cap_overflow_is_code_cap),
         cmocka_unit_test(test_history_overrides_pin_replace_remove_and_expire),
         cmocka_unit_test(test_history_override_of_an_unknown_tier_changes_nothing),
         cmocka_unit_test(test_history_new_and_gone_customers),
         cmocka_unit_test(test_history_a_tier_renamed_away_holds_no_one),
         cmocka_unit_test(test_history_identity_and_getters))
