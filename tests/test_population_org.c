/* SPDX-License-Identifier: MIT */
/* Population figures of hierarchies and routing (tier_result_set_population,
 * tier_result_population; docs/distributed.md): a book split in two parts with each group whole
 * in one part, run against the global figures merged from the parts' gathered inputs, classifies,
 * caps and routes every account as one run over the whole book does; routing's gathered inputs
 * and its placing by the figures; every allocation failure is survived. */
#include "support_population.h"

#include <math.h>
#include <string.h>

/* A hierarchy (groups of three accounts, two levels deep: tst_org_attributes) whose group rows are
 * classified by abc(), capped and routed to teams with capacities of accounts. */
static const char org_policy_text[] = "libtier-policy 1\n"
                                      "window rev = revenue over 12 months\n"
                                      "let band = abc(rev)\n"
                                      "hierarchy parent = attr.parent children = inherit\n"
                                      "tier S {\n"
                                      "    rule \"top band\" when band == \"A\"\n"
                                      "    cap 20% by rev overflow A\n"
                                      "}\n"
                                      "tier A {\n"
                                      "    rule \"second band\" when band == \"B\"\n"
                                      "}\n"
                                      "tier C {\n"
                                      "    rule \"rest\" when true\n"
                                      "}\n"
                                      "routing {\n"
                                      "    accounts when tier == \"S\" or tier == \"A\"\n"
                                      "    region = attr.region\n"
                                      "    city = attr.city\n"
                                      "    team national \"head office\" capacity 4 accounts\n"
                                      "    team regional \"KA {region}\" capacity 2 accounts\n"
                                      "    team local \"sales {city}\" capacity 1 accounts\n"
                                      "}\n";

/* The same routing with a revenue capacity and a team without one. */
static const char org_revenue_policy_text[] =
    "libtier-policy 1\n"
    "window rev = revenue over 12 months\n"
    "hierarchy parent = attr.parent\n"
    "tier S {\n"
    "    rule \"all\" when true\n"
    "}\n"
    "routing {\n"
    "    accounts when rev > 0\n"
    "    region = attr.region\n"
    "    city = attr.city\n"
    "    team national \"head office\" capacity 1000 revenue\n"
    "    team regional \"KA {region}\"\n"
    "    team local \"sales {city}\" capacity 1 accounts\n"
    "}\n";

/* With a hierarchy and routing: each group whole in one part; the group rows are classified,
 * capped and routed to teams whose capacities of accounts are filled in the population's order
 * (each team's last row that fits named by the figures, as a cap's). */
static void test_a_split_run_with_groups_routes_as_one_run(void **state)
{
    (void)state;
    assert_true(tst_split_run(org_policy_text, 0, 0, "\nroute\thead office\t2\t", 1) > 0);
}

/* A book for routing: a (parent of b: national), c and d (local, one city), e (parent of f:
 * regional), with one purchase each of 100, 50, 30, 20, 10 and 5. */
static tier_book *routing_book(void)
{
    static const char *const ids[] = {"a", "b", "c", "d", "e", "f"};
    static const char *const parent[] = {"", "a", "", "", "", "e"};
    static const char *const region[] = {"N", "S", "N", "N", "N", "N"};
    static const char *const city[] = {"X", "Y", "X", "X", "X", "Z"};
    static const double amount[] = {100, 50, 30, 20, 10, 5};
    tier_book *book = NULL;
    size_t i;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(ids); i++) {
        assert_int_equal(tier_book_add_txn(book, ids[i], 1, 100, amount[i], NAN), TIER_OK);
        if (*parent[i])
            assert_int_equal(tier_book_set_text(book, i, "parent", parent[i]), TIER_OK);
        assert_int_equal(tier_book_set_text(book, i, "region", region[i]), TIER_OK);
        assert_int_equal(tier_book_set_text(book, i, "city", city[i]), TIER_OK);
    }
    return book;
}

/* Customer c's team after a run against `figures` (customers c and d of routing_book). */
static void expect_routes(tier_result *r, const tier_book *book, const tier_policy *p,
                          const char *figures, const char *route_c, const char *route_d)
{
    assert_int_equal(tier_result_set_population(r, figures, strlen(figures)), TIER_OK);
    assert_int_equal(tier_result_run(r, book, NULL, 0, p), TIER_OK);
    assert_string_equal(tier_result_route(r, 2), route_c);
    assert_string_equal(tier_result_route(r, 3), route_d);
    assert_string_equal(tier_result_flags(r, 3), *route_d ? "" : "route_overflow");
}

/* Routing's gathered inputs: per team with a capacity its routed rows in the placing order (a
 * team without capacity not at all); a team named by the figures
 * takes the rows up to its last one, every row (kind 1) or none (3); one they do not name fills
 * its capacity over the run's own rows. */
static void test_routing_is_gathered_and_placed_by_the_figures(void **state)
{
    tier_book *book = routing_book();
    tier_policy *p = tst_policy_of(TST_ALLOC, org_revenue_policy_text);
    tier_result *r = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    expect_routes(r, book, p, "libtier-population 1\nend\n", "sales X", "");
    assert_int_equal(tier_result_population(r, t), TIER_OK);
    assert_string_equal(tier_text_data(t), "libtier-population-inputs 1\n"
                                           "route\thead office\trevenue\t1000\t1\n"
                                           "3f9d3fffffffffff\ta\n"
                                           "route\tsales X\taccounts\t1\t2\n"
                                           "3fc1ffffffffffff\tc\n"
                                           "3fcbffffffffffff\td\n"
                                           "end\n");
    assert_string_equal(tier_result_route(r, 0), "head office");
    assert_string_equal(tier_result_route(r, 4), "KA N");
    expect_routes(r, book, p, "libtier-population 1\nroute\tsales X\t1\t\t\nend\n", "sales X",
                  "sales X");
    expect_routes(r, book, p, "libtier-population 1\nroute\tsales X\t3\t\t\nend\n", "", "");
    expect_routes(r, book, p, "libtier-population 1\nroute\tsales X\t2\t3fcbffffffffffff\td\nend\n",
                  "sales X", "sales X");
    expect_routes(r, book, p,
                  "libtier-population 1\nroute\tsales X\t2\t3fc1ffffffffffff\tc\n"
                  "route\telsewhere\t3\t\t\nend\n",
                  "sales X", "");
    /* A team the figures name by a row of another part: d comes after it, c before. */
    expect_routes(r, book, p,
                  "libtier-population 1\nroute\tsales X\t2\t3fc1ffffffffffff\tcc\nend\n", "sales X",
                  "");
    tier_text_free(t);
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

/* Without a hierarchy each customer is a row of its own; a routing revenue that is missing
 * counts as 0 (ties by id). */
static void test_routing_without_groups_gathers_customers(void **state)
{
    static const char text[] = "libtier-policy 1\n"
                               "tier S {\n"
                               "    rule \"all\" when true\n"
                               "}\n"
                               "routing {\n"
                               "    accounts when true\n"
                               "    region = attr.region\n"
                               "    city = attr.city\n"
                               "    revenue = attr.weight\n"
                               "    team local \"sales {city}\" capacity 1 accounts\n"
                               "}\n";
    tier_book *book = routing_book();
    tier_policy *p = tst_policy_of(TST_ALLOC, text);
    tier_result *r = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_book_set_number(book, 0, "weight", 1.0), TIER_OK);
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    expect_routes(r, book, p, "libtier-population 1\nend\n", "", "");
    assert_int_equal(tier_result_population(r, t), TIER_OK);
    assert_string_equal(tier_text_data(t), "libtier-population-inputs 1\n"
                                           "route\tsales X\taccounts\t1\t4\n"
                                           "400fffffffffffff\ta\n"
                                           "7fffffffffffffff\tc\n"
                                           "7fffffffffffffff\td\n"
                                           "7fffffffffffffff\te\n"
                                           "route\tsales Y\taccounts\t1\t1\n"
                                           "7fffffffffffffff\tb\n"
                                           "route\tsales Z\taccounts\t1\t1\n"
                                           "7fffffffffffffff\tf\n"
                                           "end\n");
    /* The figures name c as sales X's last row (a customer of another part first). */
    expect_routes(r, book, p, "libtier-population 1\nroute\tsales X\t2\t7fffffffffffffff\tc\nend\n",
                  "sales X", "");
    assert_string_equal(tier_result_route(r, 0), "sales X");
    tier_text_free(t);
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

/* A hierarchy whose group rows are routed to teams with capacities of revenue: the greedy fill
 * skips a row that does not fit and places smaller ones after it. */
static const char org_fill_policy_text[] =
    "libtier-policy 1\n"
    "window rev = revenue over 12 months\n"
    "hierarchy parent = attr.parent\n"
    "tier S {\n"
    "    rule \"all\" when true\n"
    "}\n"
    "routing {\n"
    "    accounts when rev > 0\n"
    "    region = attr.region\n"
    "    city = attr.city\n"
    "    team national \"head office\" capacity 5000 revenue\n"
    "    team regional \"KA {region}\" capacity 2500 revenue\n"
    "    team local \"sales {city}\" capacity 1 accounts\n"
    "}\n";

/* Revenue capacities over a split book: the driver (here the test) fills each team greedily over
 * the merged rows and names the ranges of placed rows; each part places exactly those. */
static void test_a_split_run_fills_revenue_teams_as_one_run(void **state)
{
    (void)state;
    /* The head office places a run of rows, skips some, and places a smaller one further on. */
    tst_split_run(org_fill_policy_text, 0, 0,
                  "\nrouted\thead office\t2\n3f5c316666666665\tG000091\t3f5eb5c28f5c28f5\tG000784\n"
                  "3f90f8a3d70a3d70\tG000002\t3f90f8a3d70a3d70\tG000002\n",
                  1);
}

/* A team with `capacity 1 revenue` over rows of 1, 2^-53 and 2^-53 (c and d, in id order) and
 * one without revenue (e): the exact sum 1 + 2^-53 rounds to 1 (ties to even) and fits; the
 * next, 1 + 2^-52, does not (in doubles, row by row, each sum would have rounded back to 1). */
static const char exact_policy_text[] = "libtier-policy 1\n"
                                        "tier S {\n"
                                        "    rule \"all\" when true\n"
                                        "}\n"
                                        "routing {\n"
                                        "    accounts when true\n"
                                        "    region = attr.region\n"
                                        "    city = attr.city\n"
                                        "    revenue = attr.weight\n"
                                        "    team local \"sales {city}\" capacity 1 revenue\n"
                                        "}\n";

static tier_book *exact_book(void)
{
    tier_book *book = routing_book();
    assert_int_equal(tier_book_set_number(book, 0, "weight", 1.0), TIER_OK);
    assert_int_equal(tier_book_set_number(book, 2, "weight", ldexp(1, -53)), TIER_OK);
    assert_int_equal(tier_book_set_number(book, 3, "weight", ldexp(1, -53)), TIER_OK);
    return book;
}

static void test_a_revenue_capacity_compares_the_exact_sum(void **state)
{
    tier_book *book = exact_book();
    tier_policy *p = tst_policy_of(TST_ALLOC, exact_policy_text);
    tier_result *r = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(r, book, NULL, 0, p), TIER_OK);
    assert_string_equal(tier_result_route(r, 0), "sales X");
    assert_string_equal(tier_result_route(r, 2), "sales X");
    assert_string_equal(tier_result_route(r, 3), "");
    assert_string_equal(tier_result_flags(r, 3), "route_overflow");
    assert_string_equal(tier_result_route(r, 4), "sales X"); /* no revenue: 0 fits */
    /* With figures the revenue team's rows are gathered, their order keys carrying the revenue. */
    expect_routes(r, book, p, "libtier-population 1\nend\n", "sales X", "");
    assert_int_equal(tier_result_population(r, t), TIER_OK);
    assert_string_equal(tier_text_data(t), "libtier-population-inputs 1\n"
                                           "route\tsales X\trevenue\t1\t4\n"
                                           "400fffffffffffff\ta\n"
                                           "435fffffffffffff\tc\n"
                                           "435fffffffffffff\td\n"
                                           "7fffffffffffffff\te\n"
                                           "route\tsales Y\trevenue\t1\t1\n"
                                           "7fffffffffffffff\tb\n"
                                           "route\tsales Z\trevenue\t1\t1\n"
                                           "7fffffffffffffff\tf\n"
                                           "end\n");
    /* A part places exactly the rows in the ranges the figures name (whatever they add up to). */
    expect_routes(r, book, p,
                  "libtier-population 1\nrouted\tsales X\t2\n"
                  "400fffffffffffff\ta\t400fffffffffffff\ta\n"
                  "435fffffffffffff\td\t7fffffffffffffff\te\nend\n",
                  "", "sales X");
    assert_string_equal(tier_result_route(r, 0), "sales X");
    assert_string_equal(tier_result_route(r, 4), "sales X");
    expect_routes(r, book, p,
                  "libtier-population 1\nrouted\tsales X\t1\n"
                  "435fffffffffffff\tc\t435fffffffffffff\tcc\nend\n",
                  "sales X", "");
    assert_string_equal(tier_result_route(r, 0), "");
    expect_routes(r, book, p, "libtier-population 1\nrouted\tsales X\t0\nend\n", "", "");
    tier_text_free(t);
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

static tier_book *oom_org_book(const tier_allocator *a)
{
    tier_book *book = tst_generated_book(a, 60, 5);
    tst_org_attributes(book);
    return book;
}

/* A run with a hierarchy and routing against figures that name a team: every allocation may
 * fail (the routing's gathering included). */
static int oom_org(const tier_allocator *a, void *ud)
{
    static const char fig[] = "libtier-population 1\n"
                              "route\thead office\t2\t3fa883d70a3d70a3\tG000003\n"
                              "route\tsales C1\t1\t\t\n"
                              "end\n";
    return tst_population_gather(a, ud, org_policy_text, 0, fig,
                                 "\nroute\thead office\taccounts\t4\t");
}

/* A run against figures with routed ranges: every allocation may fail (the ranges read, the
 * revenue team's rows gathered). */
static int oom_revenue(const tier_allocator *a, void *ud)
{
    static const char fig[] = "libtier-population 1\n"
                              "routed\thead office\t2\n"
                              "3fa883d70a3d70a3\tG000003\t3fa883d70a3d70a3\tG000003\n"
                              "3fb883d70a3d70a3\tG000009\t3fc883d70a3d70a3\tG000012\n"
                              "end\n";
    return tst_population_gather(a, ud, org_fill_policy_text, 0, fig,
                                 "\nroute\thead office\trevenue\t5000\t");
}

TST_MAIN(cmocka_unit_test(test_a_split_run_with_groups_routes_as_one_run),
         cmocka_unit_test(test_routing_is_gathered_and_placed_by_the_figures),
         cmocka_unit_test(test_routing_without_groups_gathers_customers),
         cmocka_unit_test(test_a_split_run_fills_revenue_teams_as_one_run),
         cmocka_unit_test(test_a_revenue_capacity_compares_the_exact_sum),
         TST_OOM_WALK(test_an_org_population_survives_every_failed_allocation, oom_org,
                      oom_org_book, 20),
         TST_OOM_WALK(test_routed_ranges_survive_every_failed_allocation, oom_revenue, oom_org_book,
                      20))
