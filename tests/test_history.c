/* SPDX-License-Identifier: MIT */
/* Tiers over time (docs/history.md): tier_history_apply on tiny books built by hand, run after
 * run: promotion, demotion held by `demote after`, `demote when`, `dwell`, overrides, new and
 * gone customers, a tier renamed away; the result's columns and the ledger written exactly; all
 * or nothing (nothing changes on failure, under every failed allocation); every customer's tier
 * reproduced from the ledgers over several runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "util/crc32c.h"

/* S holds for 3 runs, A until revenue collapses, B for 90 days; C takes the rest. */
static const char POLICY[] = "libtier-policy 1\n"
                             "name \"hist\"\n"
                             "window rev = revenue over all\n"
                             "tier S {\n"
                             "    rule \"top\" when rev >= 1000\n"
                             "    demote after 3 runs\n"
                             "}\n"
                             "tier A {\n"
                             "    rule \"mid\" when rev >= 100\n"
                             "    demote when rev < 10\n"
                             "}\n"
                             "tier B {\n"
                             "    rule \"low\" when rev >= 10\n"
                             "    dwell 90 days\n"
                             "}\n"
                             "tier C {\n"
                             "    rule \"rest\"\n"
                             "}\n";

/* The same tiers, S renamed to Gold: nothing is held in a tier the policy no longer has. */
static const char RENAMED[] = "libtier-policy 1\n"
                              "name \"hist\"\n"
                              "window rev = revenue over all\n"
                              "tier Gold {\n"
                              "    rule \"top\" when rev >= 1000\n"
                              "    demote after 3 runs\n"
                              "}\n"
                              "tier A {\n"
                              "    rule \"mid\" when rev >= 100\n"
                              "}\n"
                              "tier C {\n"
                              "    rule \"rest\"\n"
                              "}\n";

/* The four tiers of POLICY, S renamed to Gold. */
static const char FOUR_RENAMED[] = "libtier-policy 1\n"
                                   "window rev = revenue over all\n"
                                   "tier Gold {\n    rule \"top\" when rev >= 1000\n}\n"
                                   "tier A {\n    rule \"mid\" when rev >= 100\n}\n"
                                   "tier B {\n    rule \"low\" when rev >= 10\n}\n"
                                   "tier C {\n    rule \"rest\"\n}\n";

/* S capped to one customer, overflow into A. */
static const char CAPPED[] = "libtier-policy 1\n"
                             "window rev = revenue over all\n"
                             "tier S {\n"
                             "    rule \"top\" when rev >= 1000\n"
                             "    cap 1 by rev overflow A\n"
                             "}\n"
                             "tier A {\n"
                             "    rule \"rest\"\n"
                             "}\n";

/* Flags and routing that read `tier`: they must see the final tier, not the placed one. */
static const char FLAGGED[] = "libtier-policy 1\n"
                              "name \"flagged\"\n"
                              "window rev = revenue over all\n"
                              "flag key_care when tier == \"S\"\n"
                              "flag watch when tier == \"A\" and rev < 500\n"
                              "tier S {\n"
                              "    rule \"top\" when rev >= 1000\n"
                              "    demote after 3 runs\n"
                              "}\n"
                              "tier A {\n"
                              "    rule \"mid\" when rev >= 100\n"
                              "}\n"
                              "tier B {\n"
                              "    rule \"rest\"\n"
                              "}\n"
                              "routing {\n"
                              "    accounts when tier == \"S\"\n"
                              "    team local \"key account desk\" capacity 1 accounts\n"
                              "}\n";

/* One run: a book of one transaction per customer (the day before as_of), the policy run and,
 * unless told otherwise, the history applied. */
typedef struct run {
    tier_book *book;
    tier_policy *policy;
    tier_result *result;
} run;

static tier_policy *load(const tier_allocator *a, const char *text)
{
    tier_policy *p = NULL;
    if (tier_policy_new(&p, a) != TIER_OK)
        return NULL;
    if (tier_policy_load_string(p, text, strlen(text), "hist.policy") != TIER_OK) {
        tier_policy_free(p);
        return NULL;
    }
    return p;
}

static void run_free(run *r)
{
    tier_result_free(r->result);
    tier_policy_free(r->policy);
    tier_book_free(r->book);
    memset(r, 0, sizeof *r);
}

/* Makes the run (book, policy, result run) with `a`: TIER_OK or the first failure. */
static int run_make(run *r, const tier_allocator *a, const char *policy, const char *const *ids,
                    const double *amounts, size_t n, int32_t as_of)
{
    size_t i;
    int rc;
    memset(r, 0, sizeof *r);
    if ((rc = tier_book_new(&r->book, a)) != TIER_OK)
        return rc;
    for (i = 0; i < n; i++)
        if ((rc = tier_book_add_txn(r->book, ids[i], strlen(ids[i]), as_of - 1, amounts[i], NAN)) !=
            TIER_OK)
            return rc;
    if (!(r->policy = load(a, policy)))
        return TIER_ENOMEM;
    if ((rc = tier_result_new(&r->result, a)) != TIER_OK ||
        (rc = tier_result_set_as_of(r->result, as_of)) != TIER_OK)
        return rc;
    return tier_result_run(r->result, r->book, NULL, 0, r->policy);
}

/* A run applied to h; fails the test on any failure. */
static void step(tier_history *h, run *r, const char *policy, const char *const *ids,
                 const double *amounts, size_t n, int32_t as_of)
{
    int rc = run_make(r, TST_ALLOC, policy, ids, amounts, n, as_of);
    if (rc)
        fail_msg("run: %s: %s", tier_status_name(rc),
                 r->result ? tier_result_last_error(r->result) : "");
    rc = tier_history_apply(h, r->result, r->book, r->policy);
    if (rc)
        fail_msg("apply: %s: %s", tier_status_name(rc), tier_history_last_error(h));
}

static tier_history *history_new(void)
{
    tier_history *h = NULL;
    assert_int_equal(tier_history_new(&h, TST_ALLOC), TIER_OK);
    return h;
}

/* The final tier name ("" for none) and reason of customer `id` in the result. */
static const char *tier_of(const run *r, const char *id)
{
    int t = tier_result_tier(r->result, tst_customer(r->book, id));
    return t < 0 ? "" : tier_result_tier_name(r->result, (size_t)t);
}

static const char *reason_of(const run *r, const char *id)
{
    return tier_result_reason(r->result, tst_customer(r->book, id));
}

static tier_history_entry entry(const tier_history *h, const char *id)
{
    tier_history_entry e;
    memset(&e, 0, sizeof e);
    if (tier_history_entry_get(h, id, 0, &e) != TIER_OK)
        fail_msg("no entry %s: %s", id, tier_history_last_error(h));
    return e;
}

/* Collects written bytes into a test_malloc'ed text. */
typedef struct sink {
    char *data;
    size_t len;
} sink;

static int collect(void *ud, const char *data, size_t len)
{
    sink *s = ud;
    s->data = test_realloc(s->data, s->len + len + 1);
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->data[s->len] = '\0';
    return 0;
}

static char *ledger_text(const tier_history *h, int which)
{
    sink s = {NULL, 0};
    int rc = which == 0   ? tier_history_ledger_write(h, TIER_LEDGER_CSV, collect, &s)
             : which == 1 ? tier_history_ledger_write(h, TIER_LEDGER_JSON, collect, &s)
                          : tier_history_matrix_write(h, collect, &s);
    if (rc)
        fail_msg("ledger: %s: %s", tier_status_name(rc), tier_history_last_error(h));
    return s.data;
}

static void expect_ledger(const tier_history *h, int which, const char *want)
{
    char *got = ledger_text(h, which);
    assert_string_equal(got, want);
    test_free(got);
}

static char *result_text(const run *r, const char *columns)
{
    sink s = {NULL, 0};
    int rc = tier_result_write(r->result, r->book, columns, TIER_OUTPUT_CSV, collect, &s);
    if (rc)
        fail_msg("write: %s: %s", tier_status_name(rc), tier_result_last_error(r->result));
    return s.data;
}

#define D0 tst_day(2025, 1, 1)

static const char *const ONE[] = {"c1"};

/* ---- promotion and demotion ----------------------------------------------------------------- */

static void test_history_promotion_is_immediate(void **state)
{
    tier_history *h = history_new();
    run r;
    const double low = 50, top = 2000;
    (void)state;
    step(h, &r, POLICY, ONE, &low, 1, D0);
    assert_string_equal(tier_of(&r, "c1"), "B");
    run_free(&r);
    step(h, &r, POLICY, ONE, &top, 1, D0 + 7);
    assert_string_equal(tier_of(&r, "c1"), "S");
    assert_string_equal(reason_of(&r, "c1"), "top");
    expect_ledger(h, 0, "customer_id,from,to,code,detail\nc1,B,S,rule,top\n");
    assert_int_equal(entry(h, "c1").since, D0 + 7);
    assert_string_equal(entry(h, "c1").previous, "B");
    run_free(&r);
    tier_history_free(h);
}

/* `demote after 3 runs`: held through two bad runs, released on the third. */
static void test_history_demote_after_runs_holds_then_releases(void **state)
{
    tier_history *h = history_new();
    run r;
    const double top = 2000, mid = 500;
    char *csv;
    (void)state;
    step(h, &r, POLICY, ONE, &top, 1, D0);
    assert_string_equal(tier_of(&r, "c1"), "S");
    run_free(&r);
    step(h, &r, POLICY, ONE, &mid, 1, D0 + 7);
    assert_string_equal(tier_of(&r, "c1"), "S");
    assert_string_equal(reason_of(&r, "c1"), "held in S: its rules failed 1 of 3 runs (placed in "
                                             "A: mid)");
    assert_int_equal(entry(h, "c1").failing, 1);
    assert_int_equal(entry(h, "c1").runs, 2);
    expect_ledger(h, 0, "customer_id,from,to,code,detail\n");
    run_free(&r);
    step(h, &r, POLICY, ONE, &mid, 1, D0 + 14);
    assert_string_equal(reason_of(&r, "c1"), "held in S: its rules failed 2 of 3 runs (placed in "
                                             "A: mid)");
    assert_int_equal(entry(h, "c1").failing, 2);
    run_free(&r);
    step(h, &r, POLICY, ONE, &mid, 1, D0 + 21);
    assert_string_equal(tier_of(&r, "c1"), "A");
    assert_string_equal(reason_of(&r, "c1"), "released from S after 3 failed runs: mid");
    expect_ledger(h, 0,
                  "customer_id,from,to,code,detail\nc1,S,A,release,released from S after 3 "
                  "failed runs: mid\n");
    assert_int_equal(entry(h, "c1").failing, 0);
    assert_int_equal(entry(h, "c1").runs, 1);
    assert_int_equal(entry(h, "c1").since, D0 + 21);
    csv = result_text(&r, "customer_id,tier,previous_tier,move,since,reason");
    assert_string_equal(csv, "customer_id,tier,previous_tier,move,since,reason\n"
                             "c1,A,S,down,2025-01-22,released from S after 3 failed runs: mid\n");
    test_free(csv);
    run_free(&r);
    tier_history_free(h);
    /* `demote after 1 runs` releases at the first failed run, and says "run" */
    {
        static const char once[] = "libtier-policy 1\n"
                                   "window rev = revenue over all\n"
                                   "tier S {\n    rule \"top\" when rev >= 1000\n"
                                   "    demote after 1 runs\n}\n"
                                   "tier A {\n    rule \"mid\"\n}\n";
        h = history_new();
        step(h, &r, once, ONE, &top, 1, D0);
        run_free(&r);
        step(h, &r, once, ONE, &mid, 1, D0 + 7);
        assert_string_equal(tier_of(&r, "c1"), "A");
        assert_string_equal(reason_of(&r, "c1"), "released from S after 1 failed run: mid");
        run_free(&r);
        tier_history_free(h);
    }
}

/* `demote when`: held while it does not hold, released at once when it does. */
static void test_history_demote_when_releases_at_once(void **state)
{
    tier_history *h = history_new();
    run r;
    const double mid = 500, low = 50, gone = 5;
    (void)state;
    step(h, &r, POLICY, ONE, &mid, 1, D0);
    run_free(&r);
    step(h, &r, POLICY, ONE, &low, 1, D0 + 7);
    assert_string_equal(tier_of(&r, "c1"), "A");
    assert_string_equal(reason_of(&r, "c1"),
                        "held in A: rev < 10 does not hold (placed in B: low)");
    run_free(&r);
    step(h, &r, POLICY, ONE, &gone, 1, D0 + 14);
    assert_string_equal(tier_of(&r, "c1"), "C");
    assert_string_equal(reason_of(&r, "c1"), "released from A: rev < 10 holds");
    expect_ledger(h, 0,
                  "customer_id,from,to,code,detail\nc1,A,C,release,released from A: rev < 10 "
                  "holds\n");
    run_free(&r);
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
    tier_history *h = history_new();
    run r;
    (void)state;
    step(h, &r, policy, two, high, 2, D0);
    run_free(&r);
    step(h, &r, policy, two, none, 2, D0);
    assert_string_equal(tier_of(&r, "a1"), "A");
    assert_string_equal(reason_of(&r, "a1"),
                        "held in A: its rules failed 1 of 2 runs (placed in no tier)");
    assert_string_equal(tier_of(&r, "b1"), "B");
    assert_string_equal(reason_of(&r, "b1"),
                        "held in B: minimum dwell of 1 day (since 2025-01-01)");
    run_free(&r);
    step(h, &r, policy, two, none, 2, D0 + 1);
    assert_string_equal(tier_of(&r, "a1"), "");
    assert_string_equal(tier_of(&r, "b1"), "");
    assert_string_equal(reason_of(&r, "b1"),
                        "released from B after the minimum dwell of 1 day: no rule holds");
    expect_ledger(h, 0,
                  "customer_id,from,to,code,detail\na1,A,,release,released from A after 2 failed "
                  "runs: no rule holds\nb1,B,,release,released from B after the minimum dwell "
                  "of 1 day: no rule holds\n");
    run_free(&r);
    tier_history_free(h);
}

/* `dwell 90 days`: held inside 90 days of entering B, released after. */
static void test_history_dwell_holds_inside_its_days(void **state)
{
    tier_history *h = history_new();
    run r;
    const double low = 50, rest = 1;
    (void)state;
    step(h, &r, POLICY, ONE, &low, 1, D0);
    run_free(&r);
    step(h, &r, POLICY, ONE, &rest, 1, D0 + 89);
    assert_string_equal(tier_of(&r, "c1"), "B");
    assert_string_equal(reason_of(&r, "c1"), "held in B: minimum dwell of 90 days (since "
                                             "2025-01-01)");
    run_free(&r);
    step(h, &r, POLICY, ONE, &rest, 1, D0 + 90);
    assert_string_equal(tier_of(&r, "c1"), "C");
    assert_string_equal(reason_of(&r, "c1"),
                        "released from B after the minimum dwell of 90 days: rest");
    expect_ledger(h, 0,
                  "customer_id,from,to,code,detail\nc1,B,C,release,released from B after the "
                  "minimum dwell of 90 days: rest\n");
    run_free(&r);
    /* Past the dwell at the first bad run: demoted at once, by the rule. */
    step(h, &r, POLICY, ONE, &low, 1, D0 + 97);
    run_free(&r);
    step(h, &r, POLICY, ONE, &rest, 1, D0 + 200);
    assert_string_equal(tier_of(&r, "c1"), "C");
    assert_string_equal(reason_of(&r, "c1"), "rest");
    expect_ledger(h, 0, "customer_id,from,to,code,detail\nc1,B,C,rule,rest\n");
    run_free(&r);
    tier_history_free(h);
}

/* A cap's overflow is the code `cap`, its detail the cap's reason. */
static void test_history_cap_overflow_is_code_cap(void **state)
{
    static const char *const ids[] = {"a", "b"};
    const double first[] = {5000, 10}, second[] = {5000, 4000};
    tier_history *h = history_new();
    run r;
    (void)state;
    step(h, &r, CAPPED, ids, first, 2, D0);
    run_free(&r);
    step(h, &r, CAPPED, ids, second, 2, D0 + 1);
    assert_string_equal(tier_of(&r, "b"), "A");
    expect_ledger(h, 0, "customer_id,from,to,code,detail\n");
    run_free(&r);
    step(h, &r, CAPPED, ids, (const double[]){1, 4000}, 2, D0 + 2);
    assert_string_equal(tier_of(&r, "a"), "A");
    assert_string_equal(tier_of(&r, "b"), "S");
    expect_ledger(h, 0, "customer_id,from,to,code,detail\na,S,A,rule,rest\nb,A,S,rule,top\n");
    run_free(&r);
    step(h, &r, CAPPED, ids, (const double[]){9000, 4000}, 2, D0 + 3);
    expect_ledger(h, 0,
                  "customer_id,from,to,code,detail\na,A,S,rule,top\nb,S,A,cap,over the cap of S "
                  "(1 by rev)\n");
    run_free(&r);
    tier_history_free(h);
}

/* ---- overrides ------------------------------------------------------------------------------ */

static void test_history_overrides_pin_replace_remove_and_expire(void **state)
{
    tier_history *h = history_new();
    tier_override_entry o;
    run r;
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
    step(h, &r, POLICY, ONE, &rest, 1, D0);
    assert_string_equal(tier_of(&r, "c1"), "S");
    assert_string_equal(reason_of(&r, "c1"), "override: key account (ana, until 2025-03-02)");
    expect_ledger(h, 0,
                  "customer_id,from,to,code,detail\nc1,,S,override,\"override: key account (ana, "
                  "until 2025-03-02)\"\n");
    run_free(&r);
    step(h, &r, POLICY, ONE, &rest, 1, D0 + 59);
    assert_string_equal(tier_of(&r, "c1"), "S");
    expect_ledger(h, 0, "customer_id,from,to,code,detail\n");
    run_free(&r);
    /* Expired on its day: dropped, reported, and the policy places the customer at once (S's
     * `demote after` does not hold a pinned customer). */
    step(h, &r, POLICY, ONE, &rest, 1, D0 + 60);
    assert_string_equal(tier_of(&r, "c1"), "C");
    assert_string_equal(reason_of(&r, "c1"), "rest");
    assert_int_equal(tier_history_override_count(h), 0);
    expect_ledger(h, 0,
                  "customer_id,from,to,code,detail\nc1,S,C,override_expired,\"override expired: "
                  "key account (ana, until 2025-03-02)\"\n");
    /* After runs, a tier the history does not know is refused when the override is added. */
    assert_int_equal(tier_history_override_add(h, "c1", "Z", "typo", "ana", D0 + 90),
                     TIER_ENOTFOUND);
    assert_string_equal(tier_history_last_error(h), "cannot pin c1 to tier \"Z\": the last run's "
                                                    "policy (hist) has no such tier");
    assert_int_equal(tier_history_override_count(h), 0);
    json = ledger_text(h, 1);
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
    run_free(&r);
    tier_history_free(h);
}

/* An override of a tier the policy does not have stops the apply, which changes nothing. */
static void test_history_override_of_an_unknown_tier_changes_nothing(void **state)
{
    tier_history *h = history_new();
    run r;
    const double rest = 1;
    (void)state;
    /* Before the first run no tier is known, so the override is taken; the run refuses it. */
    assert_int_equal(tier_history_override_add(h, "c1", "Platinum", "vip", "ana", D0 + 90),
                     TIER_OK);
    assert_int_equal(run_make(&r, TST_ALLOC, POLICY, ONE, &rest, 1, D0 + 1), TIER_OK);
    assert_int_equal(tier_history_apply(h, r.result, r.book, r.policy), TIER_EINVAL);
    assert_non_null(strstr(tier_history_last_error(h), "Platinum"));
    assert_int_equal(tier_history_runs(h), 0);
    assert_true(isnan(tier_history_as_of(h)));
    assert_int_equal(tier_history_override_count(h), 1);
    assert_string_equal(reason_of(&r, "c1"), "rest");
    assert_int_equal(tier_frame_find(tier_result_frame(r.result), "move", NULL), TIER_ENOTFOUND);
    run_free(&r);
    tier_history_free(h);
}

/* ---- customers come and go; tiers renamed ---------------------------------------------------- */

static void test_history_new_and_gone_customers(void **state)
{
    static const char *const first[] = {"a", "b"}, *const second[] = {"b", "c"};
    const double v1[] = {2000, 50}, v2[] = {50, 500};
    tier_history *h = history_new();
    tier_history_entry e;
    run r;
    char *csv;
    (void)state;
    step(h, &r, POLICY, first, v1, 2, D0);
    expect_ledger(h, 0, "customer_id,from,to,code,detail\na,,S,new,top\nb,,B,new,low\n");
    run_free(&r);
    step(h, &r, POLICY, second, v2, 2, D0 + 1);
    expect_ledger(h, 0,
                  "customer_id,from,to,code,detail\na,S,,gone,not in the book\nc,,A,new,mid\n");
    expect_ledger(h, 2, "from,to,customers,revenue\n,A,1,500\nS,,1,0\nB,B,1,50\n");
    csv = result_text(&r, "customer_id,tier,previous_tier,move,since");
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
    run_free(&r);
    /* Gone customers after the book's last id (in id order) leave too: c, then b, then a new
     * first customer only. */
    {
        static const char *const third[] = {"a"};
        const double v3[] = {20};
        step(h, &r, POLICY, third, v3, 1, D0 + 2);
        expect_ledger(h, 0,
                      "customer_id,from,to,code,detail\na,,B,new,low\nb,B,,gone,not in the "
                      "book\nc,A,,gone,not in the book\n");
        assert_int_equal(tier_history_customer_count(h), 1);
        run_free(&r);
    }
    tier_history_free(h);
}

static void test_history_a_tier_renamed_away_holds_no_one(void **state)
{
    tier_history *h = history_new();
    const double mid = 500;
    const double top = 2000;
    run r;
    char *csv;
    (void)state;
    step(h, &r, POLICY, ONE, &top, 1, D0);
    run_free(&r);
    step(h, &r, RENAMED, ONE, &mid, 1, D0 + 1);
    assert_string_equal(tier_of(&r, "c1"), "A");
    expect_ledger(h, 0, "customer_id,from,to,code,detail\nc1,S,A,rule,mid\n");
    csv = result_text(&r, "customer_id,tier,previous_tier,move");
    assert_string_equal(csv, "customer_id,tier,previous_tier,move\nc1,A,S,up\n");
    test_free(csv);
    assert_string_equal(entry(h, "c1").previous, "S");
    run_free(&r);
    tier_history_free(h);
}

/* ---- the handle ----------------------------------------------------------------------------- */

static void test_history_identity_and_getters(void **state)
{
    tier_history *h = history_new();
    tier_text *t = NULL;
    run r;
    const double top = 2000;
    (void)state;
    assert_int_equal(tier_history_runs(h), 0);
    assert_true(isnan(tier_history_as_of(h)));
    assert_string_equal(tier_history_policy_name(h), "");
    assert_int_equal(tier_history_policy_hash(h), 0);
    assert_int_equal(tier_history_customer_count(h), 0);
    assert_string_equal(tier_history_last_error(h), "");
    assert_int_equal(tier_history_ledger_write(h, TIER_LEDGER_CSV, collect, NULL), TIER_ESTATE);
    assert_int_equal(tier_history_matrix_write(h, collect, NULL), TIER_ESTATE);
    step(h, &r, POLICY, ONE, &top, 1, D0);
    assert_int_equal(tier_history_runs(h), 1);
    assert_true(tier_history_as_of(h) == D0);
    assert_string_equal(tier_history_policy_name(h), "hist");
    assert_int_equal(tier_text_new(&t, NULL), TIER_OK);
    assert_int_equal(tier_policy_describe(r.policy, t), TIER_OK);
    assert_int_equal(tier_history_policy_hash(h),
                     tier__crc32c(0, tier_text_data(t), tier_text_length(t)));
    assert_int_equal(tier_history_ledger_write(h, 9, collect, NULL), TIER_EINVAL);
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
    run_free(&r);
    tier_history_free(NULL);
    tier_history_free(h);
}

/* ---- all or nothing ------------------------------------------------------------------------- */

static void test_history_failed_apply_changes_nothing(void **state)
{
    tier_history *h = history_new();
    tier_result *never = NULL;
    run r, other;
    const double top = 2000, mid = 500;
    static const char *const two[] = {"c1", "c2"};
    const double both[] = {1, 1};
    (void)state;
    step(h, &r, POLICY, ONE, &top, 1, D0);
    run_free(&r);
    assert_int_equal(tier_result_new(&never, TST_ALLOC), TIER_OK);
    assert_int_equal(run_make(&r, TST_ALLOC, POLICY, ONE, &mid, 1, D0 + 1), TIER_OK);
    assert_int_equal(tier_history_apply(h, never, r.book, r.policy), TIER_ESTATE);
    assert_int_equal(tier_history_apply(h, NULL, r.book, r.policy), TIER_EINVAL);
    assert_string_equal(tier_history_last_error(h), "the result is NULL");
    assert_int_equal(tier_history_apply(h, r.result, NULL, r.policy), TIER_EINVAL);
    assert_string_equal(tier_history_last_error(h), "the book is NULL");
    assert_int_equal(tier_history_apply(h, r.result, r.book, NULL), TIER_EINVAL);
    assert_string_equal(tier_history_last_error(h), "the policy is NULL");
    assert_int_equal(tier_history_apply(NULL, r.result, r.book, r.policy), TIER_EINVAL);
    /* Another book, another policy (fewer tiers; as many, one named otherwise), an earlier day. */
    assert_int_equal(run_make(&other, TST_ALLOC, RENAMED, two, both, 2, D0 - 5), TIER_OK);
    assert_int_equal(tier_history_apply(h, r.result, other.book, r.policy), TIER_EINVAL);
    assert_string_equal(tier_history_last_error(h), "the book has 2 customers but the result has "
                                                    "1: not the book of the run");
    assert_int_equal(tier_history_apply(h, r.result, r.book, other.policy), TIER_EINVAL);
    assert_string_equal(tier_history_last_error(h), "the policy has 3 tiers but the run had 4: not "
                                                    "the policy of the run");
    {
        tier_policy *gold = load(TST_ALLOC, FOUR_RENAMED);
        assert_non_null(gold);
        assert_int_equal(tier_history_apply(h, r.result, r.book, gold), TIER_EINVAL);
        assert_string_equal(tier_history_last_error(h), "tier 1 of the policy is 'Gold' but the "
                                                        "run's is 'S': not the policy of the run");
        tier_policy_free(gold);
    }
    assert_int_equal(tier_history_apply(h, other.result, other.book, other.policy), TIER_EINVAL);
    assert_non_null(strstr(tier_history_last_error(h), "runs go forward"));
    assert_int_equal(tier_history_runs(h), 1);
    assert_string_equal(entry(h, "c1").tier, "S");
    assert_int_equal(entry(h, "c1").failing, 0);
    assert_string_equal(reason_of(&r, "c1"), "mid");
    /* Applied once; a second time is refused. */
    assert_int_equal(tier_history_apply(h, r.result, r.book, r.policy), TIER_OK);
    assert_int_equal(tier_history_apply(h, r.result, r.book, r.policy), TIER_ESTATE);
    assert_int_equal(tier_history_runs(h), 2);
    run_free(&other);
    run_free(&r);
    tier_result_free(never);
    tier_history_free(h);
}

/* A customer held in S by hysteresis and one pinned to S by an override get the flags and the
 * route of S, their final tier, in the columns, the notices, the summary and the explanation;
 * the policy placed them in A and B. */
static void expect_explained(const run *r, const char *id, const char *const *parts, size_t n)
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
    tier_history *h = history_new();
    char *csv;
    size_t count = 0;
    run r;
    (void)state;
    step(h, &r, FLAGGED, ids, v1, 3, D0);
    run_free(&r);
    assert_int_equal(tier_history_override_add(h, "bolt", "S", "renewal", "ana", D0 + 100),
                     TIER_OK);
    /* Placed: acme in A (flag watch, not routed), bolt in B (nothing), cory in A. */
    step(h, &r, FLAGGED, ids, v2, 3, D0 + 30);
    csv = result_text(&r, "customer_id,tier,flags,route,reason");
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
    run_free(&r);
    tier_history_free(h);
}

/* Every failed allocation of an apply leaves the history and the result as they were. */
static int oom_apply(const tier_allocator *alloc, void *ud)
{
    static const char *const ids[] = {"a", "b", "c", "d"};
    const double v1[] = {2000, 500, 50, 1}, v2[] = {500, 2000, 1, 50}, v3[] = {1, 1, 1, 1};
    const double *vs[] = {v1, v2, v3};
    tier_history *h = NULL;
    run r;
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
        /* FLAGGED: the apply evaluates its flags and routing again over the final tiers. */
        if ((rc = run_make(&r, alloc, FLAGGED, ids, vs[k], 4, D0 + 10 * k)) != TIER_OK) {
            run_free(&r);
            break;
        }
        snprintf(before, sizeof before, "%s|%s|%s", reason_of(&r, "a"),
                 tier_result_flags(r.result, 0), tier_result_route(r.result, 0));
        cols = tier_frame_column_count(tier_result_frame(r.result));
        rc = tier_history_apply(h, r.result, r.book, r.policy);
        if (rc) {
            assert_int_equal(rc, TIER_ENOMEM);
            assert_int_equal(tier_history_runs(h), runs);
            assert_int_equal(tier_history_customer_count(h), count);
            assert_int_equal(tier_frame_column_count(tier_result_frame(r.result)), cols);
            snprintf(after, sizeof after, "%s|%s|%s", reason_of(&r, "a"),
                     tier_result_flags(r.result, 0), tier_result_route(r.result, 0));
            assert_string_equal(after, before);
        } else {
            sink s = {NULL, 0};
            rc = tier_history_ledger_write(h, TIER_LEDGER_JSON, collect, &s);
            test_free(s.data);
        }
        run_free(&r);
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
    tier_history *h = history_new();
    size_t k, i, j;
    (void)state;
    for (i = 0; i < 8; i++)
        strcpy(known[i], "-");
    for (k = 0; k < 6; k++) {
        const char *in[8];
        double amounts[8];
        size_t n = 0, gone = 0;
        uint64_t total = 0;
        run r;
        char *csv, *line, *next;
        for (i = 0; i < 8; i++)
            if (rev[k][i] > 0) {
                in[n] = ids[i];
                amounts[n++] = rev[k][i];
            }
        step(h, &r, POLICY, in, amounts, n, D0 + 30 * (int32_t)k);
        csv = ledger_text(h, 0);
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
            assert_string_equal(tier_of(&r, ids[i]), e.tier);
        }
        {
            tier_history_entry e;
            for (i = 0; tier_history_entry_get(h, NULL, i, &e) == TIER_OK; i++)
                ;
            assert_int_equal(i, n);
        }
        /* The matrix counts every customer of the book and every one gone. */
        csv = ledger_text(h, 2);
        for (line = strchr(csv, '\n') + 1; *line; line = next + 1) {
            const char *c2 = strchr(strchr(line, ',') + 1, ',') + 1;
            next = strchr(line, '\n');
            total += strtoull(c2, NULL, 10);
        }
        test_free(csv);
        assert_int_equal(total, n + gone);
        run_free(&r);
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
    tier_history *h = history_new();
    size_t k;
    (void)state;
    assert_int_equal(tier_history_override_add(h, "dune", "A", "strategic pilot", "ana", D0 + 60),
                     TIER_OK);
    for (k = 0; k < 4; k++) {
        run r;
        char *text;
        step(h, &r, POLICY, k < 3 ? ids : ids4, rev[k], 4, D0 + days[k]);
        text = result_text(&r, "customer_id,tier,previous_tier,move,since,reason");
        assert_string_equal(text, want[k][0]);
        test_free(text);
        expect_ledger(h, 0, want[k][1]);
        expect_ledger(h, 2, want[k][2]);
        run_free(&r);
    }
    tier_history_free(h);
}

/* Before a history the three columns are valid and empty; after it `since` is a date (a JSON
 * string); the hysteresis lines describe back as written. */
static void test_history_columns_before_and_after(void **state)
{
    tier_history *h = history_new();
    tier_text *t = NULL;
    sink s = {NULL, 0};
    run r;
    const double top = 2000;
    char *csv;
    (void)state;
    assert_int_equal(run_make(&r, TST_ALLOC, POLICY, ONE, &top, 1, D0), TIER_OK);
    csv = result_text(&r, "customer_id,tier,previous_tier,move,since");
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
                                       collect, &s),
                     TIER_OK);
    assert_string_equal(
        s.data, "[\n{\"customer_id\":\"c1\",\"move\":\"new\",\"since\":\"2025-01-01\"}\n]\n");
    test_free(s.data);
    assert_int_equal(tier_result_write(r.result, r.book, "since:2", TIER_OUTPUT_CSV, collect, &s),
                     TIER_EINVAL);
    run_free(&r);
    tier_history_free(h);
}

TST_MAIN(cmocka_unit_test(test_history_columns_before_and_after),
         cmocka_unit_test(test_history_flags_and_route_follow_the_final_tier),
         cmocka_unit_test(test_history_worked_example_of_the_docs),
         cmocka_unit_test(test_history_promotion_is_immediate),
         cmocka_unit_test(test_history_demote_after_runs_holds_then_releases),
         cmocka_unit_test(test_history_demote_when_releases_at_once),
         cmocka_unit_test(test_history_dwell_holds_inside_its_days),
         cmocka_unit_test(test_history_holds_toward_no_tier),
         cmocka_unit_test(test_history_cap_overflow_is_code_cap),
         cmocka_unit_test(test_history_overrides_pin_replace_remove_and_expire),
         cmocka_unit_test(test_history_override_of_an_unknown_tier_changes_nothing),
         cmocka_unit_test(test_history_new_and_gone_customers),
         cmocka_unit_test(test_history_a_tier_renamed_away_holds_no_one),
         cmocka_unit_test(test_history_identity_and_getters),
         cmocka_unit_test(test_history_failed_apply_changes_nothing),
         TST_OOM_TEST(test_history_apply_survives_every_failed_allocation),
         cmocka_unit_test(test_history_ledgers_reproduce_every_tier))
