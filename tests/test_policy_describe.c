/* SPDX-License-Identifier: MIT */
/* The description of a policy (tier_policy_describe) is policy text that loads back into the
 * same policy: tier names that are not names (keywords, a leading digit, other characters, too
 * long) are quoted, reasons and labels are escaped, numbers keep their sign (-0), infinities and
 * exponents, shares their exact percentage, and every kind of window, entitlement, hierarchy and
 * team is written as the format spells it. */
#include <math.h>
#include <string.h>

#include "support.h"

/* Loads `text`, and the description `d` of it again: the second description must equal `d`. */
static void expect_round_trip(const char *d)
{
    tier_policy *p = NULL;
    char *again;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    if (tier_policy_load_string(p, d, strlen(d), "described") != TIER_OK)
        fail_msg("%s\nin\n%s", tier_policy_last_error(p), d);
    again = tst_policy_text(p);
    assert_string_equal(again, d);
    test_free(again);
    tier_policy_free(p);
}

static void test_names_by_calls_are_quoted_when_they_are_not_names(void **state)
{
    static const char *const names[] = {"and", "9lives", "a-b", "ok_1", "tab\there", "q\"uote\\"};
    static const char *const parts[] = {
        "tier \"and\" {\n    rule \"and\"\n}\n",
        "tier \"9lives\" {\n",
        "tier \"a-b\" {\n",
        "tier ok_1 {\n    rule \"ok_1\"\n}\n",
        "tier \"tab\\there\" {\n    rule \"tab\\there\"\n}\n",
        "tier \"q\\\"uote\\\\\" {\n",
        "tier \"nnnnnnnnnn",
        ("    rule \"line\\nbreak\" when attr.v > -0 and attr.w <= 1e999 and attr.x >= -1e999 and "
         "attr.y < 2.5e-300 and attr.k != \"a\\\"b\"\n")};
    char longname[200];
    tier_policy *p = NULL;
    size_t i, t, r;
    char *d;
    (void)state;
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(names); i++) {
        assert_int_equal(tier_policy_add_tier(p, names[i], &t), TIER_OK);
        assert_int_equal(tier_policy_add_rule(p, t, names[i], &r), TIER_OK);
    }
    assert_int_equal(tier_policy_add_tier(p, longname, &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "line\nbreak", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "attr.v", TIER_OP_GT, -0.0), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "attr.w", TIER_OP_LE, INFINITY), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "attr.x", TIER_OP_GE, -INFINITY), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "attr.y", TIER_OP_LT, 2.5e-300), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "attr.k", TIER_OP_NE, "a\"b"), TIER_OK);
    d = tst_policy_text(p);
    tst_expect_parts(d, parts, TST_COUNT(parts));
    expect_round_trip(d);
    test_free(d);
    tier_policy_free(p);
}

static void test_every_statement_kind_is_written_back(void **state)
{
    static const char text[] =
        "libtier-policy 1\n"
        "model s = sbg(survivors = [\"100 80\"], churned = \"c\", x = -2, y = 0.5, z = [])\n"
        "window a = margin over 3 days\n"
        "window b = purchases over 2 months\n"
        "window c = purchase_days over all\n"
        "entitlement e1 bool \"yes or no\"\n"
        "entitlement e2 text\n"
        "hierarchy parent = attr.up children = own\n"
        "tier \"S s\" {\n"
        "    rule \"r\" when a > -0 and b between -1 and 1e300 and c is not missing\n"
        "    cap 33.3% by a asc overflow B\n"
        "    entitle e1 = false\n"
        "    entitle e2 = \"t\\tx\"\n"
        "    demote after 1 run\n"
        "    dwell 1 day\n"
        "}\n"
        "tier B {\n"
        "    rule \"n\" when not (a < 1 or b >= 2) and attr.k not in [\"x\", \"y\"]\n"
        "    cap 7 by -a + b * 2 / (c - 1) overflow C\n"
        "}\n"
        "tier C {\n"
        "    rule \"all\"\n"
        "}\n"
        "flag f \"doc\" when tier == \"S s\"\n"
        "routing {\n"
        "    accounts when tier != \"C\"\n"
        "    scope = attr.scope\n"
        "    revenue = a\n"
        "    team national \"N\" capacity 2 accounts\n"
        "    team regional \"R {region}\" capacity 1.5 revenue\n"
        "    team local \"L\"\n"
        "}\n";
    tier_policy *p = NULL;
    char *d;
    (void)state;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    if (tier_policy_load_string(p, text, sizeof text - 1, "all.policy") != TIER_OK)
        fail_msg("%s", tier_policy_last_error(p));
    d = tst_policy_text(p);
    assert_string_equal(
        d, "libtier-policy 1\n"
           "\n"
           "model s = sbg (survivors = [\"100 80\"], churned = \"c\", x = -2, y = 0.5, z = [])\n"
           "\n"
           "window a = margin over 3 days\n"
           "window b = purchases over 2 months\n"
           "window c = purchase_days over all\n"
           "\n"
           "entitlement e1 bool \"yes or no\"\n"
           "entitlement e2 text\n"
           "\n"
           "tier \"S s\" {\n"
           "    rule \"r\" when a > -0 and b between -1 and 1e+300 and c is not missing\n"
           "    cap 33.3% by a asc overflow B\n"
           "    entitle e1 = false\n"
           "    entitle e2 = \"t\\tx\"\n"
           "    demote after 1 run\n"
           "    dwell 1 day\n"
           "}\n"
           "\n"
           "tier B {\n"
           "    rule \"n\" when not (a < 1 or b >= 2) and attr.k not in [\"x\", \"y\"]\n"
           "    cap 7 by -a + b * 2 / (c - 1) overflow C\n"
           "}\n"
           "\n"
           "tier C {\n"
           "    rule \"all\"\n"
           "}\n"
           "\n"
           "flag f \"doc\" when tier == \"S s\"\n"
           "\n"
           "hierarchy parent = attr.up children = own\n"
           "\n"
           "routing {\n"
           "    accounts when tier != \"C\"\n"
           "    scope = attr.scope\n"
           "    revenue = a\n"
           "    team national \"N\" capacity 2 accounts\n"
           "    team regional \"R {region}\" capacity 1.5 revenue\n"
           "    team local \"L\"\n"
           "}\n");
    expect_round_trip(d);
    test_free(d);
    tier_policy_free(p);
}

TST_MAIN(cmocka_unit_test(test_names_by_calls_are_quoted_when_they_are_not_names),
         cmocka_unit_test(test_every_statement_kind_is_written_back))
