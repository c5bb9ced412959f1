/* SPDX-License-Identifier: MIT */
/* Population figures that travel (tier_result_set_population, tier_result_population;
 * docs/distributed.md): a book split in two parts, each run against the global figures merged
 * from the parts' gathered inputs, places every customer as one run over the whole book does;
 * bad figures are refused naming the line; every allocation failure is survived. */
#include "support_population.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two abc() calls (one over all history) and a cap that keeps a share of the rows. */
static const char policy_text[] =
    "libtier-policy 1\n"
    "window rev = revenue over 12 months\n"
    "window life = revenue over all\n"
    "let band = abc(rev)\n"
    "tier S {\n"
    "    rule \"top band\" when rev > 0 and band == \"A\"\n"
    "    cap 4% by rev overflow A\n"
    "}\n"
    "tier A {\n"
    "    rule \"second band\" when band == \"B\" or abc(life, 50%, 90%) == \"A\"\n"
    "}\n"
    "tier C {\n"
    "    rule \"rest\" when true\n"
    "}\n";

/* pct_rank() of two windows in the rules. */
static const char rank_policy_text[] = "libtier-policy 1\n"
                                       "window rev = revenue over 12 months\n"
                                       "window life = revenue over all\n"
                                       "tier S {\n"
                                       "    rule \"top ranks\" when pct_rank(rev) >= 0.8\n"
                                       "}\n"
                                       "tier A {\n"
                                       "    rule \"ranked life\" when pct_rank(life) >= 0.7\n"
                                       "    rule \"middle\" when pct_rank(rev) >= 0.45\n"
                                       "}\n"
                                       "tier C {\n"
                                       "    rule \"rest\" when true\n"
                                       "}\n";

/* A Pareto model's classes (thresholds 50% and 90%) in the rules. */
static const char pareto_policy_text[] = "libtier-policy 1\n"
                                         "model pareto = pareto\n"
                                         "tier S {\n"
                                         "    rule \"class A\" when pareto.class == \"A\"\n"
                                         "}\n"
                                         "tier A {\n"
                                         "    rule \"class B\" when pareto.class == \"B\"\n"
                                         "    rule \"a share of 0.4%\" when pareto.share >= 0.004\n"
                                         "}\n"
                                         "tier C {\n"
                                         "    rule \"rest\" when true\n"
                                         "}\n";

static void test_a_split_run_places_everyone_as_one_run(void **state)
{
    (void)state;
    /* The two abc() calls and the cap, which keeps up to a row. */
    assert_true(tst_split_run(policy_text, 0, 3, "\ncap\t0\t2\t", 0) > 0);
}

/* pct_rank() from the population: each part gathers its distinct values with their counts and
 * gets, for them, the counts below and equal of all the parts. */
static void test_a_split_pct_rank_ranks_as_one_run(void **state)
{
    (void)state;
    tst_split_run(rank_policy_text, 0, 2, "\nrank\t()pct_rank(rev)\t", 0);
}

/* A Pareto model's classes come from the population: its inputs are gathered as the abc call
 * "pareto:<name>" and its classes set against the figures' ends. */
static void test_a_split_pareto_model_classifies_as_one_run(void **state)
{
    (void)state;
    assert_int_equal(tst_split_run(pareto_policy_text, 1, 1, "\nabc\tpareto:pareto\t1\t", 0), 0);
}

static void expect_refused(tier_result *r, const char *text, const char *says)
{
    assert_int_equal(tier_result_set_population(r, text, strlen(text)), TIER_EPARSE);
    if (!strstr(tier_result_last_error(r), says))
        fail_msg("for %s: \"%s\" lacks \"%s\"", text, tier_result_last_error(r), says);
}

static void test_bad_figures_are_refused_naming_the_line(void **state)
{
    tier_result *r = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    expect_refused(r, "", "line 0: not population figures");
    expect_refused(r, "libtier-population 2\nend\n", "line 1: not population figures");
    expect_refused(r, "libtier-population 1\n", "cut short");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t0000000000000001\tid\t0\t\t",
                   "line 2: the figures end before");
    expect_refused(r, "libtier-population 1\nabc\tk\nend\n", "line 2: abc needs 8 fields");
    expect_refused(r, "libtier-population 1\ntotal\tk\tfixed\t5\nend\n",
                   "line 2: a total of a call no abc line named before");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t\t\t0\t\t\ntotal\tk\tsome\t5\nend\n",
                   "line 3: a total is");
    expect_refused(r,
                   "libtier-population 1\nabc\tk\t0\t\t\t0\t\t\ntotal\tk\tfixed\t5\n"
                   "total\tk\tdouble\t3ff0000000000000\nend\n",
                   "line 4: the same call's total twice");
    expect_refused(r, "libtier-population 1\nabc\tk\t2\t\t\t0\t\t\nend\n", "in range");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t0000000000000001\tid\t0\t\t\nend\n",
                   "names no end row");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t000000000000001g\tid\t0\t\t\nend\n",
                   "16 hexadecimal digits");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t0000000000000001\ta%0\t0\t\t\nend\n",
                   "bad %XX escape");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t0000000000000001\ta%00\t0\t\t\nend\n",
                   "bad %XX escape");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t\t\t0\t\t\nabc\tk\t0\t\t\t0\t\t\nend\n",
                   "line 3: the same call twice");
    expect_refused(r, "libtier-population 1\ncap\t0\t0\t\t\nend\n", "a cap's kind");
    expect_refused(r, "libtier-population 1\ncap\t0\t1\t0000000000000001\tx\nend\n",
                   "only a cap of kind 2");
    expect_refused(r, "libtier-population 1\ncap\t0\t1\t\t\ncap\t0\t3\t\t\nend\n",
                   "line 3: the same tier's cap twice");
    expect_refused(r, "libtier-population 1\ncap\t99999\t1\t\t\nend\n", "in range");
    expect_refused(r, "libtier-population 1\nend\nabc\n", "line 3: text after");
    expect_refused(r, "libtier-population 1\nwhat\nend\n", "line 2: expected a line");
    expect_refused(r, "libtier-population 1\tx\nend\n", "line 1: not population figures");
    expect_refused(r, "libtier-population 1\nend\tx\n", "line 2: expected a line");
    expect_refused(r, "libtier-population 1\nab\nend\n", "line 2: expected a line");
    expect_refused(r, "libtier-population 1\nabc\tk\r\t0\t\t\t0\t\t\nend\n",
                   "line 2: a control byte that should be escaped");
    expect_refused(r, "libtier-population 1\nabc\tk\t\t\t\t0\t\t\nend\n",
                   "line 2: a number was expected");
    expect_refused(r, "libtier-population 1\nabc\tk\t1x\t\t\t0\t\t\nend\n",
                   "line 2: a number was expected");
    expect_refused(r, "libtier-population 1\nabc\tk\t000000000000000000001\t\t\t0\t\t\nend\n",
                   "line 2: a number was expected");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t\tx\t0\t\t\nend\n",
                   "line 2: a class that takes every row names no end row");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t00000000000000001\tid\t0\t\t\nend\n",
                   "line 2: an order key of 16 hexadecimal digits was expected");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t0000000000000001\ta%zz\t0\t\t\nend\n",
                   "line 2: a bad %XX escape");
    expect_refused(r, "libtier-population 1\nabc\tk\t1\t0000000000000001\ta%4\t0\t\t\nend\n",
                   "line 2: a bad %XX escape");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t\t\t1\t00000000000000FF\tb%g1\nend\n",
                   "line 2: a bad %XX escape");
    expect_refused(r, "libtier-population 1\ncap\t0\t1\t\nend\n", "line 2: cap needs 5 fields");
    expect_refused(r, "libtier-population 1\ncap\t0\t1\t\t\t\t\t\t\t\nend\n",
                   "line 2: cap needs 5 fields");
    expect_refused(r, "libtier-population 1\ncap\tx\t1\t\t\nend\n",
                   "line 2: a number was expected");
    expect_refused(r, "libtier-population 1\ncap\t0\t4\t\t\nend\n", "line 2: a number in range");
    expect_refused(r, "libtier-population 1\ncap\t0\t2\tabc\tx\nend\n",
                   "line 2: an order key of 16 hexadecimal digits was expected");
    expect_refused(r, "libtier-population 1\ncap\t0\t2\t0000000000000001\tx%\nend\n",
                   "line 2: a bad %XX escape");
    expect_refused(r, "libtier-population 1\ncap\t0\t3\t\tx\nend\n", "only a cap of kind 2");
    /* A Pareto call's cumulative sums: "cum CALL K" and K lines "KEY ID CUM", after its total. */
#define PT "libtier-population 1\nabc\tk\t0\t\t\t0\t\t\ntotal\tk\tfixed\t9\n"
    expect_refused(r, PT "cum\tk\nend\n", "line 4: cum needs 3 fields");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t\t\t0\t\t\ncum\tk\t0\nend\n",
                   "line 3: a cum of a call no total line gave before");
    expect_refused(r, PT "cum\tj\t0\nend\n", "line 4: a cum of a call no total line gave before");
    expect_refused(r, PT "cum\tk%zz\t0\nend\n", "line 4: a bad %XX escape");
    expect_refused(r, PT "cum\tk\t0\ncum\tk\t0\nend\n", "line 5: the same call's cum twice");
    expect_refused(r, PT "cum\tk\t1\nend\n", "line 4: a number in range");
    expect_refused(r, PT "cum\tk\t2\n0000000000000001\tx\t5\n",
                   "line 5: the cum lines end before their count");
    expect_refused(r, PT "cum\tk\t1\n0000000000000001\tx\nend\n",
                   "line 5: a cum line needs 3 fields");
    expect_refused(r, PT "cum\tk\t1\n000000000000000x\tx\t5\nend\n",
                   "line 5: an order key of 16 hexadecimal digits");
    expect_refused(r, PT "cum\tk\t1\n0000000000000001\tx\t5x\nend\n",
                   "line 5: a number was expected");
    expect_refused(r, PT "cum\tk\t1\n0000000000000001\tx%\t5\nend\n", "line 5: a bad %XX escape");
    expect_refused(
        r,
        "libtier-population 1\nabc\tk\t0\t\t\t0\t\t\ntotal\tk\tdouble\t4044000000000000\n"
        "cum\tk\t1\n0000000000000001\tx\t5\nend\n",
        "line 5: an order key of 16 hexadecimal digits");
#undef PT
    /* pct_rank() figures: "rank CALL N K" and K lines "KEY BELOW EQUAL". */
    expect_refused(r, "libtier-population 1\nrank\tk\nend\n", "line 2: rank needs 4 fields");
    expect_refused(r, "libtier-population 1\nrank\tk\t5\t1\nend\n", "line 2: a number in range");
    expect_refused(r, "libtier-population 1\nrank\tk\tx\t0\nend\n",
                   "line 2: a number was expected");
    expect_refused(r, "libtier-population 1\nrank\tk\t5\t2\n0000000000000001\t1\t1\nend\n",
                   "line 4: a rank line needs 3 fields");
    expect_refused(r, "libtier-population 1\nrank\tk\t5\t2\n0000000000000001\t1\t1\n",
                   "line 3: the rank lines end before their count");
    expect_refused(r, "libtier-population 1\nrank\tk\t5\t1\n0000000000000001\t6\t0\nend\n",
                   "line 3: a number in range");
    expect_refused(r, "libtier-population 1\nrank\tk\t5\t1\n0000000000000001\t4\t2\nend\n",
                   "line 3: a number in range");
    expect_refused(r, "libtier-population 1\nrank\tk\t5\t1\n000000000000000z\t4\t1\nend\n",
                   "line 3: an order key of 16 hexadecimal digits");
    expect_refused(r,
                   "libtier-population 1\nrank\tk\t5\t2\n0000000000000002\t0\t1\n"
                   "0000000000000001\t1\t1\nend\n",
                   "line 4: rank lines go up");
    expect_refused(r,
                   "libtier-population 1\nrank\tk\t5\t2\n0000000000000001\t0\t3\n"
                   "0000000000000002\t2\t1\nend\n",
                   "line 4: rank lines go up");
    expect_refused(r, "libtier-population 1\nabc\tk\t0\t\t\t0\t\t\nrank\tk\t5\t0\nend\n",
                   "line 3: the same call twice");
    expect_refused(r, "libtier-population 1\nrank\tk\t5\t0\ntotal\tk\tfixed\t5\nend\n",
                   "line 3: a total of a call no abc line named before");
    /* Routing figures: "route TEAM KIND KEY ID", a team's capacity as a cap's. */
    expect_refused(r, "libtier-population 1\nroute\tt\t1\t\nend\n", "line 2: route needs 5 fields");
    expect_refused(r, "libtier-population 1\nroutx\nend\n", "line 2: expected a line");
    expect_refused(r, "libtier-population 1\nroute\t\t1\t\t\nend\n",
                   "line 2: a team name was expected");
    expect_refused(r, "libtier-population 1\nroute\tt%zz\t1\t\t\nend\n", "line 2: a bad %XX");
    expect_refused(r, "libtier-population 1\nroute\tt\t1\t\t\nroute\tt\t3\t\t\nend\n",
                   "line 3: the same team twice");
    expect_refused(r, "libtier-population 1\nroute\tt\tx\t\t\nend\n",
                   "line 2: a number was expected");
    expect_refused(r, "libtier-population 1\nroute\tt\t0\t\t\nend\n", "line 2: a team's kind");
    expect_refused(r, "libtier-population 1\nroute\tt\t3\t0000000000000001\tx\nend\n",
                   "line 2: only a team of kind 2 names a row");
    expect_refused(r, "libtier-population 1\nroute\tt\t2\t00000001\tx\nend\n",
                   "line 2: an order key of 16 hexadecimal digits");
    expect_refused(r, "libtier-population 1\nroute\tt\t2\t0000000000000001\tx%\nend\n",
                   "line 2: a bad %XX escape");
    /* "routed TEAM K" and K ranges "KEY_FROM ID_FROM KEY_TO ID_TO" of a revenue team. */
    expect_refused(r, "libtier-population 1\nrouted\tt\nend\n", "line 2: routed needs 3 fields");
    expect_refused(r, "libtier-population 1\nrouted\t\t0\nend\n",
                   "line 2: a team name was expected");
    expect_refused(r, "libtier-population 1\nroute\tt\t1\t\t\nrouted\tt\t0\nend\n",
                   "line 3: the same team twice");
    expect_refused(r, "libtier-population 1\nrouted\tt\t1\nend\n",
                   "line 2: a number in range was expected");
    expect_refused(r, "libtier-population 1\nrouted\tt\t1\n", "line 2: a number in range");
    expect_refused(r,
                   "libtier-population 1\nrouted\tt\t1\n0000000000000001\ta\t0000000000000002\n"
                   "end\n",
                   "line 3: a routed line needs 4 fields");
    expect_refused(r,
                   "libtier-population 1\nrouted\tt\t2\n0000000000000001\ta\t0000000000000002\t"
                   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                   "line 3: the routed lines end before their count");
    expect_refused(r,
                   "libtier-population 1\nrouted\tt\t1\n000000000000000x\ta\t0000000000000002\tb\n"
                   "end\n",
                   "line 3: an order key of 16");
    expect_refused(r,
                   "libtier-population 1\nrouted\tt\t1\n0000000000000001\ta%\t0000000000000002\tb\n"
                   "end\n",
                   "line 3: a bad %XX");
    expect_refused(r,
                   "libtier-population 1\nrouted\tt\t1\n0000000000000001\ta\t000000000000000y\tb\n"
                   "end\n",
                   "line 3: an order key of 16");
    expect_refused(r,
                   "libtier-population 1\nrouted\tt\t1\n0000000000000001\tb\t0000000000000001\ta\n"
                   "end\n",
                   "line 3: a range's first row comes after its last row");
    expect_refused(r,
                   "libtier-population 1\nrouted\tt\t1\n0000000000000002\ta\t0000000000000001\ta\n"
                   "end\n",
                   "line 3: a range's first row comes after its last row");
    expect_refused(r,
                   "libtier-population 1\nrouted\tt\t2\n0000000000000001\ta\t0000000000000001\tab\n"
                   "0000000000000001\tab\t0000000000000002\ta\nend\n",
                   "line 4: a range that does not come after the range before it");
    expect_refused(
        r,
        "libtier-population 1\nrouted\tt\t2\n0000000000000001\tab\t0000000000000001\tab\n"
        "0000000000000001\ta\t0000000000000002\ta\nend\n",
        "line 4: a range that does not come after");
    expect_refused(r,
                   "libtier-population 1\nrouted\tt\t1\n0000000000000001\ta\t0000000000000001\ta\n"
                   "routed\tt\t0\nend\n",
                   "line 4: the same team twice");
    /* Escapes in either case are read, and figures for several tiers grow the table. */
    assert_int_equal(tier_result_set_population(
                         r,
                         "libtier-population 1\nabc\tk%3a\t1\t00000000000000aF\ta%4A%4b\t0\t\t\n"
                         "cap\t2\t1\t\t\ncap\t0\t2\t0000000000000001\tx%25\nend\n",
                         105),
                     TIER_OK);
    /* No figures, or no run since: nothing gathered. */
    assert_int_equal(tier_result_population(r, t), TIER_ESTATE);
    assert_int_equal(tier_result_set_population(r, "libtier-population 1\nend\n", 25), TIER_OK);
    assert_int_equal(tier_result_population(r, t), TIER_ESTATE);
    assert_int_equal(tier_result_set_population(r, NULL, 0), TIER_OK);
    assert_int_equal(tier_result_set_population(NULL, NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_result_population(NULL, t), TIER_EINVAL);
    /* A cap of a tier the policy lacks. */
    {
        tier_book *book = tst_generated_book(TST_ALLOC, 20, 3);
        tier_policy *policy = tst_policy_of(TST_ALLOC, policy_text);
        const char *fig = "libtier-population 1\ncap\t7\t1\t\t\nend\n";
        assert_int_equal(tier_result_set_population(r, fig, strlen(fig)), TIER_OK);
        assert_int_equal(tier_result_run(r, book, NULL, 0, policy), TIER_EINVAL);
        assert_non_null(strstr(tier_result_last_error(r), "tier 7; the policy has 3"));
        /* A failed run gathered nothing to give; a successful one does. */
        assert_int_equal(tier_result_population(r, t), TIER_ESTATE);
        fig = "libtier-population 1\nend\n";
        assert_int_equal(tier_result_set_population(r, fig, strlen(fig)), TIER_OK);
        assert_int_equal(tier_result_run(r, book, NULL, 0, policy), TIER_OK);
        assert_int_equal(tier_result_population(r, t), TIER_OK);
        assert_int_equal(strncmp(tier_text_data(t), "libtier-population-inputs 1\nabc\t", 32), 0);
        tier_policy_free(policy);
        tier_book_free(book);
    }
    tier_text_free(t);
    tier_result_free(r);
}

static tier_book *oom_book(const tier_allocator *a)
{
    return tst_generated_book(a, 60, 5);
}

/* Figures set, a run that gathers, the inputs written: every allocation may fail. */
static int oom_population(const tier_allocator *a, void *ud)
{
    static const char fig[] = "libtier-population 1\n"
                              "abc\t()abc(rev)\t1\t3fa883d70a3d70a3\tG000001\t0\t\t\n"
                              "cap\t0\t2\t3fa883d70a3d70a3\tG%30000002\n"
                              "end\n";
    return tst_population_gather(a, ud, policy_text, 0, fig, "\ncap\t0\tshare\t");
}

/* Runs `policy` over `book` against figures `fig`: the status, the message in `says` when it fails.
 */
static void expect_run(const tier_book *book, const char *policy, const char *fig, int want,
                       const char *says)
{
    tier_policy *p = tst_policy_of(TST_ALLOC, policy);
    tier_result *r = NULL;
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_set_population(r, fig, strlen(fig)), TIER_OK);
    assert_int_equal(tier_result_run(r, book, NULL, 0, p), want);
    if (says && !strstr(tier_result_last_error(r), says))
        fail_msg("\"%s\" lacks \"%s\"", tier_result_last_error(r), says);
    tier_result_free(r);
    tier_policy_free(p);
}

/* pct_rank()'s inputs are its distinct present values (order keys ascending) with their counts;
 * figures that give no rank for a value of the run, or the figures of the other function, fail
 * the run naming the call. */
static void test_pct_rank_gathers_distinct_values_and_needs_each_rank(void **state)
{
    static const double size[] = {2, 1, NAN, 2};
    static const char text[] = "libtier-policy 1\n"
                               "tier S {\n"
                               "    rule \"top\" when pct_rank(attr.size) >= 0.5\n"
                               "}\n"
                               "tier B {\n"
                               "    rule \"rest\" when abc(attr.size) != \"Z\"\n"
                               "}\n";
    static const char *const figures[][2] = {
        {"libtier-population 1\nrank\t()pct_rank(attr.size)\t9\t1\nc000000000000000\t3\t2\nend\n",
         "give no rank for a value"},
        {"libtier-population 1\nrank\t()pct_rank(attr.size)\t9\t1\nbff0000000000000\t3\t2\nend\n",
         "give no rank for a value"},
        {"libtier-population 1\nabc\t()pct_rank(attr.size)\t0\t\t\t0\t\t\nend\n",
         "the figures of another function"},
        {"libtier-population 1\nrank\t()abc(attr.size)\t9\t0\nend\n",
         "the population figures do not fit abc(attr.size)"}};
    tier_book *book = NULL;
    tier_policy *p = tst_policy_of(TST_ALLOC, text);
    tier_result *r = NULL;
    tier_text *t = NULL;
    const char *fig;
    size_t i;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(size); i++) {
        char id[2] = {(char)('a' + i), 0};
        size_t at;
        assert_int_equal(tier_book_add_customer(book, id, 1, &at), TIER_OK);
        assert_int_equal(tier_book_set_number(book, at, "size", size[i]), TIER_OK);
    }
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    /* With the population's ranks: a (2) is 3 below and 2 equal of 9: (3 + 1) / 9 < 0.5, so B. */
    fig = "libtier-population 1\nrank\t()pct_rank(attr.size)\t9\t2\n"
          "bff0000000000000\t0\t1\nc000000000000000\t3\t2\nend\n";
    assert_int_equal(tier_result_set_population(r, fig, strlen(fig)), TIER_OK);
    assert_int_equal(tier_result_run(r, book, NULL, 0, p), TIER_OK);
    assert_int_equal(tier_result_population(r, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "libtier-population-inputs 1\n"
                                              "rank\t()pct_rank(attr.size)\t2\n"
                                              "bff0000000000000\t1\n"
                                              "c000000000000000\t2\n"));
    assert_int_equal(tier_result_tier(r, 0), 1);
    /* Alone, a ranks (1 + 1) / 3 >= 0.5: S. */
    assert_int_equal(tier_result_set_population(r, "libtier-population 1\nend\n", 25), TIER_OK);
    assert_int_equal(tier_result_run(r, book, NULL, 0, p), TIER_OK);
    assert_int_equal(tier_result_tier(r, 0), 0);
    for (i = 0; i < TST_COUNT(figures); i++)
        expect_run(book, text, figures[i][0], TIER_ESTATE, figures[i][1]);
    tier_text_free(t);
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

/* Customer a spends 10, customer b refunds 5. */
static tier_book *cum_book(const tier_allocator *a)
{
    tier_book *book = NULL;
    assert_int_equal(tier_book_new(&book, a), TIER_OK);
    assert_int_equal(tier_book_add_txn(book, "a", 1, 100, 10, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(book, "b", 1, 101, -5, NAN), TIER_OK);
    return book;
}

/* A Pareto model's figures for cum_book's part of a population of total 40 (fixed point or a
 * double): a's cumulative sum is 10, a quarter. */
static const char cum_fixed[] = "libtier-population 1\n"
                                "abc\tpareto:pareto\t0\t\t\t0\t\t\n"
                                "total\tpareto:pareto\tfixed\t400000\n"
                                "cum\tpareto:pareto\t1\n3fdbffffffffffff\ta\t100000\n"
                                "end\n";
static const char cum_double[] = "libtier-population 1\n"
                                 "abc\tpareto:pareto\t0\t\t\t0\t\t\n"
                                 "total\tpareto:pareto\tdouble\t4044000000000000\n"
                                 "cum\tpareto:pareto\t1\n3fdbffffffffffff\ta\t4024000000000000\n"
                                 "end\n";

/* Runs the Pareto policy over `book` against `fig`: the status; the cum_share of a and b. */
static int run_cum(const tier_allocator *a, const tier_book *book, const char *fig, double *cum,
                   const char **err)
{
    tier_result *r = NULL;
    tier_policy *policy = NULL;
    tier_model *m = NULL;
    static char msg[256];
    size_t col;
    int rc = tier_result_new(&r, a);
    *err = "out of memory";
    if (!rc && (rc = tier_policy_new(&policy, a)) == TIER_OK &&
        (rc = tier_policy_load_string(policy, pareto_policy_text, strlen(pareto_policy_text),
                                      "cum")) != TIER_OK) {
        snprintf(msg, sizeof msg, "%s", tier_policy_last_error(policy));
        *err = msg;
    }
    if (!rc)
        rc = tier_pareto_new(&m, "pareto", a);
    if (!rc && ((rc = tier_result_set_population(r, fig, strlen(fig))) != TIER_OK ||
                (rc = tier_result_run(r, book, &m, 1, policy)) != TIER_OK)) {
        snprintf(msg, sizeof msg, "%s", tier_result_last_error(r));
        *err = msg;
    }
    if (!rc) {
        assert_int_equal(tier_frame_find(tier_result_frame(r), "pareto.cum_share", &col), TIER_OK);
        cum[0] = tier_frame_numbers(tier_result_frame(r), col)[0];
        cum[1] = tier_frame_numbers(tier_result_frame(r), col)[1];
    }
    tier_model_free(m);
    tier_policy_free(policy);
    tier_result_free(r);
    return rc;
}

/* A Pareto model's cumulative shares from the figures' cumulative sums (fixed point or doubles)
 * over the population's total; a refund's is 1; sums that do not fit the run's rows (another
 * count, another key or id) fail it naming the model. */
static void test_pareto_cumulative_shares_come_from_the_figures(void **state)
{
    static const char *const misfits[] = {
        "libtier-population 1\nabc\tpareto:pareto\t0\t\t\t0\t\t\n"
        "total\tpareto:pareto\tfixed\t400000\ncum\tpareto:pareto\t0\nend\n",
        "libtier-population 1\nabc\tpareto:pareto\t0\t\t\t0\t\t\n"
        "total\tpareto:pareto\tfixed\t400000\ncum\tpareto:pareto\t1\n"
        "3fdbfffffffffffe\ta\t100000\nend\n",
        "libtier-population 1\nabc\tpareto:pareto\t0\t\t\t0\t\t\n"
        "total\tpareto:pareto\tfixed\t400000\ncum\tpareto:pareto\t1\n"
        "3fdbffffffffffff\tb\t100000\nend\n",
        "libtier-population 1\nabc\tpareto:pareto\t0\t\t\t0\t\t\n"
        "total\tpareto:pareto\tfixed\t400000\ncum\tpareto:pareto\t1\n"
        "3fdbffffffffffff\taa\t100000\nend\n"};
    tier_book *book = cum_book(TST_ALLOC);
    double cum[2] = {0, 0};
    const char *err;
    size_t i;
    (void)state;
    assert_int_equal(run_cum(TST_ALLOC, book, cum_fixed, cum, &err), TIER_OK);
    assert_true(cum[0] == 0.25 && cum[1] == 1.0);
    cum[0] = cum[1] = 0;
    assert_int_equal(run_cum(TST_ALLOC, book, cum_double, cum, &err), TIER_OK);
    assert_true(cum[0] == 0.25 && cum[1] == 1.0);
    /* A population without a positive total: a refund's cumulative share is missing. */
    assert_int_equal(run_cum(TST_ALLOC, book,
                             "libtier-population 1\nabc\tpareto:pareto\t0\t\t\t0\t\t\n"
                             "total\tpareto:pareto\tfixed\t0\ncum\tpareto:pareto\t1\n"
                             "3fdbffffffffffff\ta\t0\nend\n",
                             cum, &err),
                     TIER_OK);
    assert_true(isnan(cum[1]));
    for (i = 0; i < TST_COUNT(misfits); i++) {
        assert_int_equal(run_cum(TST_ALLOC, book, misfits[i], cum, &err), TIER_ESTATE);
        assert_non_null(strstr(err, "model pareto: the population figures' cumulative sums do not "
                                    "fit this run's 1 positive rows"));
    }
    tier_book_free(book);
}

static int oom_cum(const tier_allocator *a, void *ud)
{
    double cum[2];
    const char *err;
    int rc = run_cum(a, ud, cum_fixed, cum, &err);
    if (rc)
        tst_expect_oom(rc, err);
    else
        assert_true(cum[0] == 0.25);
    return rc;
}

/* Rank figures read and a run that gathers pct_rank() inputs: every allocation may fail. */
static int oom_rank(const tier_allocator *a, void *ud)
{
    static const char fig[] = "libtier-population 1\n"
                              "rank\t()pct_rank(other)\t5\t2\n"
                              "bff0000000000000\t0\t1\nc000000000000000\t3\t2\n"
                              "end\n";
    return tst_population_gather(a, ud, rank_policy_text, 0, fig, "\nrank\t()pct_rank(rev)\t");
}

/* The gathered inputs escape '%', tabs and control bytes of ids as %XX, name a group row by its
 * lead with a hierarchy, write a value that has no exact fixed-point form as '-', and write a
 * count cap as "count". */
static void test_gathered_inputs_escape_ids_and_name_leads(void **state)
{
    static const char *const ids[] = {"a%1", "b\tc", "d\x7f", "e", "f"};
    static const double size[] = {1.0 / 3, 20, 30, 40, 5};
    static const char text[] = "libtier-policy 1\n"
                               "window rev = revenue over all\n"
                               "hierarchy parent = attr.parent\n"
                               "tier S {\n"
                               "    rule \"big\" when abc(attr.size) == \"A\"\n"
                               "    cap 1 by rev overflow B\n"
                               "}\n"
                               "tier B {\n"
                               "    rule \"rest\"\n"
                               "}\n";
    tier_book *book = NULL;
    tier_policy *p = NULL;
    tier_result *r = NULL;
    tier_text *t = NULL;
    size_t i;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(ids); i++) {
        assert_int_equal(tier_book_add_txn(book, ids[i], strlen(ids[i]), 100,
                                           10 * (double)(TST_COUNT(ids) - i), NAN),
                         TIER_OK);
        assert_int_equal(tier_book_set_number(book, i, "size", size[i]), TIER_OK);
    }
    assert_int_equal(tier_book_set_text(book, 4, "parent", "a%1"), TIER_OK);
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(p, text, sizeof text - 1, "gather"), TIER_OK);
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_set_population(r, "libtier-population 1\nend\n", 25), TIER_OK);
    assert_int_equal(tier_result_run(r, book, NULL, 0, p), TIER_OK);
    assert_int_equal(tier_result_population(r, t), TIER_OK);
    /* Rows by abc's order key (size descending); the group of a%1 and f is led by a%1 (the
     * larger revenue), whose size 1/3 has no exact fixed-point form. The cap lists its three
     * candidates by revenue. */
    assert_string_equal(tier_text_data(t), "libtier-population-inputs 1\n"
                                           "abc\t()abc(attr.size)\t800000\t950000\t4\n"
                                           "3fbbffffffffffff\t400000\te\n"
                                           "3fc1ffffffffffff\t300000\td%7F\n"
                                           "3fcbffffffffffff\t200000\tb%09c\n"
                                           "402aaaaaaaaaaaaa\t-\ta%251\n"
                                           "cap\t0\tcount\t1\t4\t3\n"
                                           "3fbbffffffffffff\tb%09c\n"
                                           "3fc1ffffffffffff\td%7F\n"
                                           "3fcbffffffffffff\te\n"
                                           "end\n");
    tier_text_free(t);
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
}

/* A Pareto model placed against the figures: every allocation may fail (the model's, the
 * gathering's and the placing's). */
static int oom_pareto(const tier_allocator *a, void *ud)
{
    static const char fig[] = "libtier-population 1\n"
                              "abc\tpareto:pareto\t1\t3fa883d70a3d70a3\tG000001\t0\t\t\n"
                              "end\n";
    return tst_population_gather(a, ud, pareto_policy_text, 1, fig,
                                 "abc\tpareto:pareto\t800000\t950000\t");
}

TST_MAIN(
    cmocka_unit_test(test_gathered_inputs_escape_ids_and_name_leads),
    cmocka_unit_test(test_a_split_run_places_everyone_as_one_run),
    cmocka_unit_test(test_a_split_pareto_model_classifies_as_one_run),
    cmocka_unit_test(test_a_split_pct_rank_ranks_as_one_run),
    cmocka_unit_test(test_pct_rank_gathers_distinct_values_and_needs_each_rank),
    cmocka_unit_test(test_pareto_cumulative_shares_come_from_the_figures),
    cmocka_unit_test(test_bad_figures_are_refused_naming_the_line),
    TST_OOM_WALK(test_population_survives_every_failed_allocation, oom_population, oom_book, 20),
    TST_OOM_WALK(test_a_pareto_population_survives_every_failed_allocation, oom_pareto, oom_book,
                 10),
    TST_OOM_WALK(test_a_rank_population_survives_every_failed_allocation, oom_rank, oom_book, 10),
    TST_OOM_WALK(test_a_cum_population_survives_every_failed_allocation, oom_cum, cum_book, 10))
