/* SPDX-License-Identifier: MIT */
/* A policy that uses every part of the format at once (windows over days, months and all time,
 * lets with every function, capped tiers by count and by share, entitlements of each type, flags
 * that read the tier, demote lines, an account hierarchy and key-account routing with capacities)
 * applied to a small book: the placements, routes, flags and the written rows are checked, and
 * then the whole run - load, run, write as CSV and JSON, explain as text and JSON - is walked
 * under every failed allocation with the all-or-nothing promise (a failed run keeps no frame; a
 * failed explain appends nothing). */
#include <math.h>
#include <string.h>

#include "support.h"

static const char full_policy[] =
    "libtier-policy 1\n"
    "name \"full\"\n"
    "description \"every statement\"\n"
    "window rev = revenue over all\n"
    "window rev90 = revenue over 90 days\n"
    "window rev6m = revenue over 6 months\n"
    "window buys = purchases over all\n"
    "window pdays = purchase_days over 12 months\n"
    "window mar = margin over all\n"
    "let big = rev >= 100\n"
    "let score = max(rev90, rev6m / 2, 0) + min(buys, 10) * 2 - abs(-1)\n"
    "let rank = pct_rank(rev)\n"
    "let sz = coalesce(attr.size, 0)\n"
    "entitlement sla number \"hours\"\n"
    "entitlement cover text\n"
    "entitlement phone bool\n"
    "hierarchy parent = attr.parent children = inherit\n"
    "tier S \"key\" {\n"
    "    rule \"big spender\" when big and abc(rev, 60%, 90%) == \"A\"\n"
    "    rule \"large account\" when sz between 500 and 10000\n"
    "    cap 2 by score desc overflow A\n"
    "    entitle sla = 4\n"
    "    entitle cover = \"dedicated\"\n"
    "    entitle phone = true\n"
    "    demote after 2 runs\n"
    "    dwell 30 days\n"
    "}\n"
    "tier A {\n"
    "    rule \"ranked\" when rank >= 0.5 or attr.region in [\"North\", \"East\"]\n"
    "    cap 50% by rev asc overflow \"C c\"\n"
    "    entitle sla = 8\n"
    "    demote when rev90 is missing or rev90 < 1\n"
    "}\n"
    "tier \"C c\" {\n"
    "    rule \"rest\"\n"
    "    entitle phone = false\n"
    "}\n"
    "flag lapsed \"no revenue lately\" when not (rev90 > 0) and tier != \"C c\"\n"
    "flag busy when pdays >= 2 and mar is not missing\n"
    "routing {\n"
    "    accounts when tier == \"S\" or tier == \"A\"\n"
    "    region = attr.region\n"
    "    city = attr.city\n"
    "    scope = attr.scope\n"
    "    revenue = rev\n"
    "    team national \"head office\" capacity 1 accounts\n"
    "    team regional \"KA {region}\" capacity 150 revenue\n"
    "    team local \"sales {city}\"\n"
    "}\n";

typedef struct acct {
    const char *id, *parent, *region, *city, *scope;
    double size;
} acct;

static const acct accts[] = {
    {"a1", NULL, "North", "Oslo", "national", 800},  {"a2", "a1", "North", "Oslo", NULL, NAN},
    {"b1", NULL, "South", "Rome", NULL, NAN},        {"c1", NULL, "East", "Kyiv", "city", 20},
    {"d1", NULL, "West", "Lima", NULL, NAN},         {"e1", NULL, NULL, NULL, "national", NAN},
    {"f1", NULL, "South", "Nice", "regional", 5000}, {"g1", NULL, "North", "Bergen", "", 1},
};

/* Two or three purchases per account, the last ones near the as-of day 2024-01-01. */
static tier_book *full_book(const tier_allocator *a)
{
    static const struct {
        size_t acct;
        int y, m, d;
        double amount, margin;
    } txns[] = {
        {0, 2023, 1, 5, 120, 30},  {0, 2023, 12, 1, 40, 10}, {1, 2023, 11, 20, 70, NAN},
        {2, 2022, 6, 1, 300, 50},  {2, 2023, 2, 1, 10, 1},   {3, 2023, 10, 10, 60, NAN},
        {3, 2023, 10, 11, 5, NAN}, {4, 2023, 12, 30, 15, 2}, {5, 2023, 7, 7, 200, 20},
        {6, 2023, 9, 1, 30, NAN},  {7, 2023, 12, 15, 90, 9}, {7, 2023, 12, 16, -20, -2},
    };
    tier_book *book = NULL;
    size_t i;
    int rc = tier_book_new(&book, a);
    for (i = 0; rc == TIER_OK && i < TST_COUNT(txns); i++) {
        const char *id = accts[txns[i].acct].id;
        rc = tier_book_add_txn(book, id, strlen(id), tst_day(txns[i].y, txns[i].m, txns[i].d),
                               txns[i].amount, txns[i].margin);
    }
    for (i = 0; rc == TIER_OK && i < TST_COUNT(accts); i++) {
        const acct *c = &accts[i];
        size_t k = tst_customer(book, c->id);
        if (c->parent)
            rc = tier_book_set_text(book, k, "parent", c->parent);
        if (rc == TIER_OK && c->region)
            rc = tier_book_set_text(book, k, "region", c->region);
        if (rc == TIER_OK && c->city)
            rc = tier_book_set_text(book, k, "city", c->city);
        if (rc == TIER_OK && c->scope)
            rc = tier_book_set_text(book, k, "scope", c->scope);
        if (rc == TIER_OK)
            rc = tier_book_set_number(book, k, "size", c->size);
    }
    if (rc != TIER_OK) {
        tier_book_free(book);
        return NULL;
    }
    return book;
}

static const char columns[] = "customer_id,tier,reason,route,flags,ent.sla,ent.cover,ent.phone";

static int collect(void *ud, const char *data, size_t len)
{
    return tier_text_append(ud, data, len);
}

/* Loads the policy, runs it on `book` as of 2024-01-01, writes the rows as CSV into `csv` and
 * as JSON into `json`, and explains customer `who` as text and JSON into `expl`. */
static int full_run(const tier_allocator *a, const tier_book *book, tier_result **res,
                    tier_policy **pol, tier_text *csv, tier_text *json, tier_text *expl, size_t who)
{
    int rc;
    if ((rc = tier_policy_new(pol, a)) != TIER_OK)
        return rc;
    if ((rc = tier_policy_load_string(*pol, full_policy, sizeof full_policy - 1, "full.policy")) !=
        TIER_OK) {
        assert_int_equal(tier_policy_tier_count(*pol), 0);
        return rc;
    }
    if ((rc = tier_result_new(res, a)) != TIER_OK ||
        (rc = tier_result_set_as_of(*res, tst_day(2024, 1, 1))) != TIER_OK)
        return rc;
    if ((rc = tier_result_run(*res, book, NULL, 0, *pol)) != TIER_OK) {
        assert_null(tier_result_frame(*res));
        return rc;
    }
    if ((rc = tier_result_write(*res, book, columns, TIER_OUTPUT_CSV, collect, csv)) != TIER_OK ||
        (rc = tier_result_write(*res, book, columns, TIER_OUTPUT_JSON, collect, json)) != TIER_OK)
        return rc;
    /* A failed explain appends nothing. */
    {
        size_t before = tier_text_length(expl);
        if ((rc = tier_result_explain(*res, book, *pol, who, TIER_EXPLAIN_TEXT, expl)) != TIER_OK)
            assert_int_equal(tier_text_length(expl), before);
    }
    if (rc == TIER_OK) {
        size_t before = tier_text_length(expl);
        if ((rc = tier_result_explain(*res, book, *pol, who, TIER_EXPLAIN_JSON, expl)) != TIER_OK)
            assert_int_equal(tier_text_length(expl), before);
    }
    return rc;
}

/* As of 2024-01-01 (90 days back: 2023-10-03; 6 months: 2023-07-01). a1 leads a2 (group
 * revenue 230). S takes a1, b1 (310), e1 (200) by revenue class A and f1 by size; its cap of 2 by
 * score = max(rev90, rev6m / 2, 0) + 2 * buys - 1 keeps a1 (115) and e1 (101) and sends f1 (16)
 * and b1 (3) to A, whose cap of 50% of the 7 rows (3) by revenue ascending keeps f1 (30), c1
 * (65) and g1 (70) and sends b1 on. Routing: a1 and e1 are national, head office takes one
 * account, the larger a1; f1 is regional; c1 ("city") and g1 (empty scope, one city) are local.
 * g1's second day is a refund, so it has one purchase day and is not busy. */
static const char want_csv[] = "customer_id,tier,reason,route,flags,ent.sla,ent.cover,ent.phone\n"
                               "a1,S,big spender,head office,busy,4,dedicated,true\n"
                               "a2,S,member of a1,head office,busy,4,dedicated,true\n"
                               "b1,C c,over the cap of A (50% by rev asc),,,,,false\n"
                               "c1,A,ranked,sales Kyiv,,8,,\n"
                               "d1,C c,rest,,,,,false\n"
                               "e1,S,big spender,,lapsed;route_overflow,4,dedicated,true\n"
                               "f1,A,over the cap of S (2 by score),KA South,lapsed,8,,\n"
                               "g1,A,ranked,sales Bergen,,8,,\n";

static const char *const json_parts[] = {
    ("{\"customer_id\":\"b1\",\"tier\":\"C c\",\"reason\":\"over the cap of A (50% by rev "
     "asc)\",\"route\":null,\"flags\":null,\"ent.sla\":null,\"ent.cover\":null,\"ent.phone\":"
     "false},\n"),
    ("{\"customer_id\":\"e1\",\"tier\":\"S\",\"reason\":\"big spender\",\"route\":null,"
     "\"flags\":\"lapsed;route_overflow\",\"ent.sla\":4,\"ent.cover\":\"dedicated\",\"ent.phone\":"
     "true},\n")};

static const char *const explain_parts[] = {
    "customer a2: tier S (member of a1)\nvalues of its group's row, led by a1\n",
    "  rev = 230\n  rev90 = 110\n  rev6m = 110\n  buys = 3\n  pdays = 3\n  mar = 40\n",
    "  big = true\n  score = 115\n",
    "  tier S, rule \"big spender\": true  <- matched (first match wins)\n",
    "  cap of S: rank 1 of 4 candidates (criterion 115), 2 stay: kept\n",
    "  lapsed = false\n  busy = true\n",
    "  sla = 4\n  cover = dedicated\n  phone = true\nroute: head office\n",
    ("\"caps\":[{\"tier\":\"S\",\"rank\":1,\"candidates\":4,\"limit\":2,\"value\":115,\"kept\":"
     "true,\"overflow\":\"A\"}]")};

static void test_full_policy_places_routes_and_writes(void **state)
{
    tier_book *book = full_book(TST_ALLOC);
    tier_result *res = NULL;
    tier_policy *pol = NULL;
    tier_text *csv, *json, *expl;
    (void)state;
    assert_non_null(book);
    assert_int_equal(tier_text_new(&csv, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&json, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&expl, TST_ALLOC), TIER_OK);
    if (full_run(TST_ALLOC, book, &res, &pol, csv, json, expl, 1) != TIER_OK)
        fail_msg("%s / %s", tier_policy_last_error(pol), tier_result_last_error(res));
    assert_string_equal(tier_text_data(csv), want_csv);
    tst_expect_parts(tier_text_data(json), json_parts, TST_COUNT(json_parts));
    tst_expect_parts(tier_text_data(expl), explain_parts, TST_COUNT(explain_parts));
    {
        tier_text *t = NULL;
        tier_book *other = full_book(TST_ALLOC);
        assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_result_explain(res, book, pol, 2, TIER_EXPLAIN_TEXT, t), TIER_OK);
        assert_int_equal(tier_result_explain(res, book, pol, 3, TIER_EXPLAIN_JSON, t), TIER_OK);
        static const char *const more[] = {
            "customer b1: tier C c (over the cap of A (50% by rev asc))\n",
            ("  cap of S: rank 4 of 4 candidates (criterion 3), 2 stay: moved to A\n"
             "  cap of A: rank 4 of 4 candidates (criterion 310), 3 stay: moved to C c\n"),
            "  sla = missing\n  cover = missing\n  phone = false\nroute: (not routed)\n",
            "{\"customer\":\"c1\",\"tier\":\"A\",\"reason\":\"ranked\"",
            "\"rev90\":65,\"rev6m\":65,\"buys\":2,\"pdays\":2,\"mar\":null}",
            "\"score\":68,"};
        tst_expect_parts(tier_text_data(t), more, TST_COUNT(more));
        assert_int_equal(tier_book_add_txn(other, "z", 1, 100, 1, NAN), TIER_OK);
        assert_int_equal(tier_result_explain(res, other, pol, 2, TIER_EXPLAIN_TEXT, t),
                         TIER_EINVAL);
        assert_string_equal(tier_result_last_error(res),
                            "explain needs the book and the policy of the last run");
        tier_book_free(other);
        tier_text_free(t);
    }
    tier_text_free(csv);
    tier_text_free(json);
    tier_text_free(expl);
    tier_result_free(res);
    tier_policy_free(pol);
    tier_book_free(book);
}

static int oom_full(const tier_allocator *a, void *ud)
{
    tier_result *res = NULL;
    tier_policy *pol = NULL;
    tier_text *csv = NULL, *json = NULL, *expl = NULL;
    int rc;
    /* The sinks of the writes never fail (a failing callback is a stop, not out of memory). */
    assert_int_equal(tier_text_new(&csv, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&json, TST_ALLOC), TIER_OK);
    if ((rc = tier_text_new(&expl, a)) == TIER_OK)
        rc = full_run(a, ud, &res, &pol, csv, json, expl, 1);
    if (rc != TIER_OK)
        tst_expect_oom(rc, res                                   ? tier_result_last_error(res)
                           : pol && *tier_policy_last_error(pol) ? tier_policy_last_error(pol)
                                                                 : "out of memory");
    tier_text_free(csv);
    tier_text_free(json);
    tier_text_free(expl);
    tier_result_free(res);
    tier_policy_free(pol);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_full_policy_places_routes_and_writes),
         TST_OOM_WALK(test_full_policy_survives_every_failed_allocation, oom_full, full_book, 100))
