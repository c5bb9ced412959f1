/* SPDX-License-Identifier: MIT */
/* Several criteria at once in a policy file (docs/policy-format.md, "Several criteria at once"):
 * ABC on revenue and on margin, their ABC x ABC matrix, and ABC on a weighted composite of
 * percentile ranks. The classes are worked out by hand in the comments; no model runs. Last, the
 * out-of-memory walk over the whole chain: parse, lint, apply, explain. */
#include <string.h>

#include "support.h"

/*            revenue  margin
 *   c0         500      50
 *   c1         300     150
 *   c2         100     100
 *   c3          60       5
 *   c4          40      40
 * Revenue, total 1000, descending: c0 .5, c1 .8, c2 .9, c3 .96, c4 1 -> A A B B C (A through the
 * customer reaching 80%, B through the one reaching 95%).
 * Margin, total 345, descending: c1 .435, c2 .725, c0 .870, c4 .986, c3 1 -> c0 A, c1 A, c2 A,
 * c3 C, c4 B. */
static const tst_txn_margin rows[] = {
    {"c0", 10, 500, 50}, {"c1", 10, 300, 150}, {"c2", 10, 100, 100},
    {"c3", 10, 60, 5},   {"c4", 10, 40, 40},
};

#define HEAD                          \
    "libtier-policy 1\n"              \
    "window rev = revenue over all\n" \
    "window mar = margin over all\n"

static char *placed(const char *text)
{
    tier_book *book = tst_book_with_margins(TST_ALLOC, rows, TST_COUNT(rows));
    tier_policy *p = NULL;
    tier_result *r = NULL;
    char *got = test_calloc(1, 256);
    size_t i;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    if (tier_policy_load_string(p, text, strlen(text), "criteria.policy") != TIER_OK)
        fail_msg("load: %s", tier_policy_last_error(p));
    if (tier_result_run(r, book, NULL, 0, p) != TIER_OK)
        fail_msg("run: %s", tier_result_last_error(r));
    for (i = 0; i < tier_result_customer_count(r); i++) {
        int t = tier_result_tier(r, i);
        strcat(got, i ? " " : "");
        strcat(got, t < 0 ? "-" : tier_result_tier_name(r, (size_t)t));
    }
    tier_result_free(r);
    tier_policy_free(p);
    tier_book_free(book);
    return got;
}

static void expect(const char *text, const char *want)
{
    char *got = placed(text);
    assert_string_equal(got, want);
    test_free(got);
}

static void test_criteria_abc_on_revenue_and_on_margin(void **state)
{
    (void)state;
    expect(HEAD "tier A {\n    rule \"revenue A\" when abc(rev) == \"A\"\n}\n"
                "tier B {\n    rule \"revenue B\" when abc(rev) == \"B\"\n}\n"
                "tier C {\n    rule \"rest\" when true\n}\n",
           "A A B B C");
    expect(HEAD "tier A {\n    rule \"margin A\" when abc(mar) == \"A\"\n}\n"
                "tier B {\n    rule \"margin B\" when abc(mar) == \"B\"\n}\n"
                "tier C {\n    rule \"rest\" when true\n}\n",
           "A A A C B");
}

/* The matrix: AA = A on both; AB = A or B on both; the rest. c2 is B x A, c3 B x C, c4 C x B. */
static void test_criteria_abc_by_abc_matrix(void **state)
{
    (void)state;
    expect(HEAD
           "let r = abc(rev)\nlet g = abc(mar)\n"
           "tier AA {\n    rule \"A on revenue and margin\" when r == \"A\" and g == \"A\"\n}\n"
           "tier AB {\n    rule \"A or B on both\" when r in [\"A\", \"B\"] and g in [\"A\", "
           "\"B\"]\n}\n"
           "tier rest {\n    rule \"rest\" when true\n}\n",
           "AA AA AB rest rest");
}

/* pct_rank of five distinct values: .1 .3 .5 .7 .9. Revenue ranks c0 .9, c1 .7, c2 .5, c3 .3,
 * c4 .1; margin ranks c0 .5, c1 .9, c2 .7, c3 .1, c4 .3. 0.6 r + 0.4 m: c0 .74, c1 .78, c2 .58,
 * c3 .22, c4 .18 (total 2.5). Descending: c1 .312, c0 .608, c2 .84 (reaches 80%: A), c3 .928,
 * c4 1 (reaches 95%: B) -> A A A B B. */
static void test_criteria_abc_on_a_weighted_composite(void **state)
{
    (void)state;
    expect(HEAD "let score = 0.6 * pct_rank(rev) + 0.4 * pct_rank(mar)\n"
                "tier top {\n    rule \"composite A\" when abc(score) == \"A\"\n}\n"
                "tier mid {\n    rule \"composite B\" when abc(score) == \"B\"\n}\n"
                "tier low {\n    rule \"rest\" when true\n}\n",
           "top top top mid mid");
    /* Other thresholds: A through 50%, B through 70%: c1 .312 A, c0 .608 (reaches 50%) A,
     * c2 .84 (reaches 70%) B, c3 and c4 C. */
    expect(HEAD "let score = 0.6 * pct_rank(rev) + 0.4 * pct_rank(mar)\n"
                "tier top {\n    rule \"composite A\" when abc(score, 50%, 70%) == \"A\"\n}\n"
                "tier mid {\n    rule \"composite B\" when abc(score, 50%, 70%) == \"B\"\n}\n"
                "tier low {\n    rule \"rest\" when true\n}\n",
           "top top mid low low");
}

/* ---- out of memory: parse -> lint -> apply -> explain, every allocation failing in turn ------ */

static const char chain_policy[] =
    HEAD "let r = abc(rev)\nlet score = 0.6 * pct_rank(rev) + 0.4 * pct_rank(mar)\n"
         "entitlement sla number\n"
         "tier AA {\n    rule \"A on both\" when r == \"A\" and abc(mar) == \"A\"\n"
         "    cap 1 by score overflow rest\n    entitle sla = 4\n}\n"
         "tier rest {\n    rule \"rest\" when true\n    entitle sla = 48\n}\n"
         "flag small \"under 100\" when rev < 100\n";

static int oom_chain(const tier_allocator *a, void *ud)
{
    tier_book *book = ud;
    tier_policy *p = NULL;
    tier_result *r = NULL;
    tier_text *report = NULL, *why = NULL;
    size_t errors = 0, warnings = 0;
    int rc = tier_policy_new(&p, a);
    if (rc == TIER_OK)
        rc = tier_policy_load_string(p, chain_policy, strlen(chain_policy), "chain.policy");
    if (rc == TIER_OK)
        rc = tier_text_new(&report, a);
    if (rc == TIER_OK)
        rc = tier_policy_lint(p, NULL, report, &errors, &warnings);
    if (rc == TIER_OK)
        assert_int_equal(errors, 0);
    if (rc == TIER_OK)
        rc = tier_result_new(&r, a);
    if (rc == TIER_OK)
        rc = tier_result_run(r, book, NULL, 0, p);
    if (rc == TIER_OK) {
        /* c0 and c1 are A on both; the cap keeps c1 (composite .78 over .74). */
        assert_string_equal(tier_result_tier_name(r, (size_t)tier_result_tier(r, 1)), "AA");
        assert_string_equal(tier_result_tier_name(r, (size_t)tier_result_tier(r, 0)), "rest");
        assert_string_equal(tier_result_flags(r, 4), "small");
        rc = tier_text_new(&why, a);
    }
    if (rc == TIER_OK)
        rc = tier_result_explain(r, book, p, 0, TIER_EXPLAIN_TEXT, why);
    if (rc == TIER_OK)
        assert_non_null(strstr(tier_text_data(why), "over the cap of AA"));
    tier_text_free(why);
    tier_text_free(report);
    tier_result_free(r);
    tier_policy_free(p);
    return rc;
}

static void test_criteria_parse_lint_apply_survive_every_failed_allocation(void **state)
{
    tier_book *book = tst_book_with_margins(TST_ALLOC, rows, TST_COUNT(rows));
    (void)state;
    assert_true(tst_oom_walk(oom_chain, book) > 50);
    tier_book_free(book);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_criteria_abc_on_revenue_and_on_margin),
        cmocka_unit_test(test_criteria_abc_by_abc_matrix),
        cmocka_unit_test(test_criteria_abc_on_a_weighted_composite),
        cmocka_unit_test(test_criteria_parse_lint_apply_survive_every_failed_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
