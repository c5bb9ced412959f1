/* SPDX-License-Identifier: MIT */
/* Placements at the edges of caps, flags and routing: a cap of 0 moves every candidate, a cap
 * above the candidates keeps them all, a missing criterion ranks last; more distinct flag sets
 * than the first hash table holds (every one of 63 sets keeps its own text); routing without an
 * `accounts` line routes nobody, and without a revenue line or window counts each account's net
 * revenue against a capacity; team names from a numeric region and an empty or unset city; a bad
 * scope value and a scope without a team refuse the run with their messages, keeping no frame. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

static tier_result *run_policy(const tier_book *book, const char *text, tier_policy **pol)
{
    tier_result *r = NULL;
    assert_int_equal(tier_policy_new(pol, TST_ALLOC), TIER_OK);
    if (tier_policy_load_string(*pol, text, strlen(text), "s.policy") != TIER_OK)
        fail_msg("%s", tier_policy_last_error(*pol));
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    if (tier_result_run(r, book, NULL, 0, *pol) != TIER_OK)
        fail_msg("%s", tier_result_last_error(r));
    return r;
}

/* Each customer's "tier/reason/flags/route", joined by newlines. */
static void expect_rows(const tier_result *r, const char *want)
{
    char got[4096] = "";
    size_t i, len = 0;
    for (i = 0; i < tier_result_customer_count(r); i++) {
        int t = tier_result_tier(r, i);
        len += (size_t)snprintf(got + len, sizeof got - len, "%s/%s/%s/%s\n",
                                t < 0 ? "-" : tier_result_tier_name(r, (size_t)t),
                                tier_result_reason(r, i), tier_result_flags(r, i),
                                tier_result_route(r, i));
    }
    assert_string_equal(got, want);
}

static tier_book *small_book(void)
{
    static const tst_txn rows[] = {{"a", 10, 10}, {"b", 10, 10}, {"c", 11, 4}, {"d", 12, 7}};
    static const double size[] = {5, NAN, 1, 3};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    size_t i;
    for (i = 0; i < TST_COUNT(size); i++)
        assert_int_equal(tier_book_set_number(book, i, "size", size[i]), TIER_OK);
    return book;
}

static void test_cap_edges(void **state)
{
    tier_book *book = small_book();
    tier_policy *p = NULL;
    tier_result *r;
    (void)state;
    r = run_policy(book,
                   "libtier-policy 1\n"
                   "tier S {\n    rule \"all\"\n    cap 0 by attr.size overflow A\n}\n"
                   "tier A {\n    rule \"all\"\n    cap 10 by attr.size overflow B\n}\n"
                   "tier B {\n    rule \"all\"\n}\n",
                   &p);
    expect_rows(r,
                "A/over the cap of S (0 by attr.size)//\nA/over the cap of S (0 by attr.size)//\n"
                "A/over the cap of S (0 by attr.size)//\nA/over the cap of S (0 by attr.size)//\n");
    tier_result_free(r);
    tier_policy_free(p);
    r = run_policy(book,
                   "libtier-policy 1\n"
                   "tier S {\n    rule \"all\"\n    cap 2 by attr.size asc overflow A\n}\n"
                   "tier A {\n    rule \"all\"\n}\n",
                   &p);
    /* Ascending: c (1) and d (3) stay; a (5) and b (missing: last) move. */
    expect_rows(r, "A/over the cap of S (2 by attr.size asc)//\n"
                   "A/over the cap of S (2 by attr.size asc)//\nS/all//\nS/all//\n");
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

static void test_routing_edges(void **state)
{
    tier_book *book = small_book();
    tier_policy *p = NULL;
    tier_result *r;
    (void)state;
    r = run_policy(book,
                   "libtier-policy 1\ntier S {\n    rule \"all\"\n}\n"
                   "routing {\n    team local \"L\"\n}\n",
                   &p);
    expect_rows(r, "S/all//\nS/all//\nS/all//\nS/all//\n");
    tier_result_free(r);
    tier_policy_free(p);
    /* Net revenue a 10, b 10, d 7, c 4 against 15: a (first of the tie by id) takes 10, b does not
     * fit, d does not (17), c does (14). */
    r = run_policy(book,
                   "libtier-policy 1\nwindow n = purchases over all\n"
                   "tier S {\n    rule \"all\" when n > 0\n}\n"
                   "routing {\n    accounts when tier == \"S\"\n"
                   "    team local \"L\" capacity 15 revenue\n}\n",
                   &p);
    expect_rows(r, "S/all//L\nS/all/route_overflow/\nS/all//L\nS/all/route_overflow/\n");
    assert_int_equal(tier_result_notice_count(r), 1);
    assert_string_equal(tier_result_notice(r, 0),
                        "team \"L\": capacity 15 revenue, 31 routed, 17 over (2 accounts)");
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

/* Team names from a numeric region (shortest decimal form) and an empty or unset city
 * ("unknown"), and the routing errors of docs/policy-format.md with their messages. */
static void test_routing_names_and_errors(void **state)
{
    static const struct {
        const char *routing, *err;
    } bad[] = {
        {"    scope = attr.scope\n    team local \"L\"\n",
         "routing: customer b: attr.scope is \"galactic\", expected national, regional, local or "
         "city"},
        {"    scope = attr.scope\n    team national \"N\"\n",
         "routing: no team for scope local (customer a)"},
    };
    tier_book *book = small_book();
    tier_policy *p = NULL;
    tier_result *r;
    size_t i;
    (void)state;
    assert_int_equal(tier_book_set_number(book, 0, "zone", 12), TIER_OK);
    assert_int_equal(tier_book_set_text(book, 0, "town", ""), TIER_OK);
    assert_int_equal(tier_book_set_text(book, 1, "town", "Oslo"), TIER_OK);
    assert_int_equal(tier_book_set_number(book, 2, "zone", 1.5), TIER_OK);
    assert_int_equal(tier_book_set_text(book, 1, "scope", "galactic"), TIER_OK);
    r = run_policy(
        book,
        "libtier-policy 1\ntier S {\n    rule \"all\"\n}\n"
        "routing {\n    accounts when true\n    region = attr.zone\n    city = attr.town\n"
        "    team local \"L {region}/{city}\"\n}\n",
        &p);
    expect_rows(r, "S/all//L 12/unknown\nS/all//L unknown/Oslo\nS/all//L 1.5/unknown\n"
                   "S/all//L unknown/unknown\n");
    tier_result_free(r);
    tier_policy_free(p);
    for (i = 0; i < TST_COUNT(bad); i++) {
        char text[512];
        tier_result *res = NULL;
        snprintf(text, sizeof text,
                 "libtier-policy 1\ntier S {\n    rule \"all\"\n}\nrouting {\n"
                 "    accounts when true\n%s}\n",
                 bad[i].routing);
        assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
        if (tier_policy_load_string(p, text, strlen(text), "r.policy") != TIER_OK)
            fail_msg("%s", tier_policy_last_error(p));
        assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_result_run(res, book, NULL, 0, p), TIER_EINVAL);
        assert_string_equal(tier_result_last_error(res), bad[i].err);
        assert_null(tier_result_frame(res));
        tier_result_free(res);
        tier_policy_free(p);
    }
    tier_book_free(book);
}

/* A customer no rule places, explained as text and JSON. */
static void test_explain_a_customer_without_a_tier(void **state)
{
    tier_book *book = small_book();
    tier_policy *p = NULL;
    tier_result *r;
    tier_text *t = NULL;
    (void)state;
    r = run_policy(book,
                   "libtier-policy 1\nentitlement sla number\n"
                   "tier S {\n    rule \"big\" when attr.size > 4\n    entitle sla = 2\n}\n"
                   "flag f when tier == \"S\"\n",
                   &p);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_explain(r, book, p, 1, TIER_EXPLAIN_TEXT, t), TIER_OK);
    assert_int_equal(tier_result_explain(r, book, p, 1, TIER_EXPLAIN_JSON, t), TIER_OK);
    assert_string_equal(tier_text_data(t),
                        "customer b: tier (none)\noutputs:\nmodels:\nwindows:\nlets:\nrules:\n"
                        "  tier S, rule \"big\": false\ncaps:\nflags:\n  f = false\n"
                        "entitlements:\n  sla = missing\n"
                        "{\"customer\":\"b\",\"tier\":null,\"reason\":\"\",\"outputs\":{},"
                        "\"models\":{},\"windows\":{},\"lets\":{},\"rules\":[{\"tier\":\"S\","
                        "\"rule\":\"big\",\"value\":false,\"matched\":false}],\"caps\":[],"
                        "\"flags\":{\"f\":false},\"entitlements\":{\"sla\":null},\"route\":null}"
                        "\n");
    tier_text_free(t);
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

/* coalesce over texts from 40 distinct cities (its text dictionary grows past its first table):
 * each customer keeps its own city, the unset ones the fallback. */
static void test_coalesce_over_many_texts(void **state)
{
    tst_txn rows[40];
    char ids[40][8], city[16];
    tier_book *book;
    tier_policy *p = NULL;
    tier_result *r;
    size_t i;
    (void)state;
    for (i = 0; i < 40; i++) {
        snprintf(ids[i], sizeof ids[i], "k%02zu", i);
        rows[i].id = ids[i];
        rows[i].day = 10;
        rows[i].amount = 1;
    }
    book = tst_book_of(TST_ALLOC, rows, 40);
    for (i = 0; i < 40; i += 1 + (i % 7 == 3)) {
        snprintf(city, sizeof city, "city %zu", i);
        assert_int_equal(tier_book_set_text(book, i, "city", city), TIER_OK);
    }
    r = run_policy(
        book,
        "libtier-policy 1\n"
        "tier S {\n    rule \"c37\" when coalesce(attr.city, \"none\") == \"city 37\"\n}\n"
        "tier N {\n    rule \"none\" when coalesce(attr.city, \"none\") == \"none\"\n}\n",
        &p);
    for (i = 0; i < 40; i++) {
        int t = tier_result_tier(r, i), unset = i > 0 && (i - 1) % 7 == 3;
        if (t != (i == 37 ? 0 : unset ? 1 : -1))
            fail_msg("customer %zu: tier %d", i, t);
    }
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

/* 64 customers, customer i with attr.bK = bit K of i: flags f0..f5 give 63 distinct sets. */
static void test_many_flag_sets(void **state)
{
    tst_txn rows[64];
    char ids[64][8], want[64][32];
    tier_book *book;
    tier_policy *p = NULL;
    tier_result *r;
    size_t i, k;
    (void)state;
    for (i = 0; i < 64; i++) {
        snprintf(ids[i], sizeof ids[i], "c%02zu", i);
        rows[i].id = ids[i];
        rows[i].day = 10;
        rows[i].amount = 1;
    }
    book = tst_book_of(TST_ALLOC, rows, 64);
    for (i = 0; i < 64; i++) {
        size_t len = 0;
        want[i][0] = '\0';
        for (k = 0; k < 6; k++) {
            char name[8];
            snprintf(name, sizeof name, "b%zu", k);
            assert_int_equal(tier_book_set_number(book, i, name, (double)(i >> k & 1)), TIER_OK);
            if (i >> k & 1)
                len += (size_t)snprintf(want[i] + len, sizeof want[i] - len, "%sf%zu",
                                        len ? ";" : "", k);
        }
    }
    r = run_policy(book,
                   "libtier-policy 1\ntier S {\n    rule \"all\"\n}\n"
                   "flag f0 when attr.b0 == 1\nflag f1 when attr.b1 == 1\n"
                   "flag f2 when attr.b2 == 1\nflag f3 when attr.b3 == 1\n"
                   "flag f4 when attr.b4 == 1\nflag f5 when attr.b5 == 1\n",
                   &p);
    for (i = 0; i < 64; i++)
        if (strcmp(tier_result_flags(r, i), want[i]) != 0)
            fail_msg("customer %zu: flags \"%s\", want \"%s\"", i, tier_result_flags(r, i),
                     want[i]);
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

TST_MAIN(cmocka_unit_test(test_cap_edges), cmocka_unit_test(test_routing_edges),
         cmocka_unit_test(test_coalesce_over_many_texts),
         cmocka_unit_test(test_explain_a_customer_without_a_tier),
         cmocka_unit_test(test_routing_names_and_errors), cmocka_unit_test(test_many_flag_sets))
