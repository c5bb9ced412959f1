/* SPDX-License-Identifier: MIT */
/* Type errors that only a run can find (model outputs and attributes have their types in the
 * frame and the book, not in the policy text): each is refused with its status and a message
 * naming the place in the policy, and a refused run keeps the previous result whole. Values of
 * no known type (an attribute no account has) are accepted, directly and through a let, which is
 * typed once and then read from its cache (that cache used to hand back a bad type). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#define HEAD "libtier-policy 1\nmodel m = fixed\n"

typedef struct run_case {
    const char *name, *body;
    int rc;
    const char *want; /* the message, or for TIER_OK each customer's tier initial ('-': none) */
} run_case;

static const run_case cases[] = {
    {"text_attr_as_number", "tier S {\n    rule \"r\" when attr.region > 3\n}\n", TIER_EPARSE,
     "t.policy:4:31: '>' compares numbers, got attr.region (a text) and a number"},
    {"number_attr_against_text", "tier S {\n    rule \"r\" when attr.size == \"x\"\n}\n",
     TIER_EPARSE,
     "t.policy:4:29: '==' compares two numbers or two texts, got attr.size (a number) and a text"},
    {"label_output_as_number", "tier S {\n    rule \"r\" when m.k > 1\n}\n", TIER_EPARSE,
     "t.policy:4:23: '>' compares numbers, got m.k (a text) and a number"},
    {"number_output_against_text", "tier S {\n    rule \"r\" when m.v != \"x\"\n}\n", TIER_EPARSE,
     "t.policy:4:23: '!=' compares two numbers or two texts, got m.v (a number) and a text"},
    {"abc_of_text", "tier S {\n    rule \"r\" when abc(m.k) == \"A\"\n}\n", TIER_EPARSE,
     "t.policy:4:23: abc takes numbers, got a text"},
    {"coalesce_mixes", "tier S {\n    rule \"r\" when coalesce(m.v, attr.region) == 1\n}\n",
     TIER_EPARSE, "t.policy:4:33: coalesce takes arguments of one type, got a text after a number"},
    {"in_list_of_other_type", "tier S {\n    rule \"r\" when m.v in [\"a\", \"b\"]\n}\n",
     TIER_EPARSE, "t.policy:4:27: 'in' compares a number with a text"},
    {"text_in_number_list", "tier S {\n    rule \"r\" when attr.region not in [1, 2]\n}\n",
     TIER_EPARSE, "t.policy:4:39: 'in' compares a text with a number"},
    {"between_on_text", "tier S {\n    rule \"r\" when attr.region between 1 and 2\n}\n",
     TIER_EPARSE, "t.policy:4:19: 'between' takes numbers, got a text"},
    {"negated_text", "tier S {\n    rule \"r\" when -attr.region > 0\n}\n", TIER_EPARSE,
     "t.policy:4:19: '-' takes a number, got attr.region (a text)"},
    {"min_of_text", "tier S {\n    rule \"r\" when min(m.v, attr.region) > 0\n}\n", TIER_EPARSE,
     "t.policy:4:28: min takes numbers, got a text"},
    {"pct_rank_of_text", "tier S {\n    rule \"r\" when pct_rank(m.k) > 0.5\n}\n", TIER_EPARSE,
     "t.policy:4:28: pct_rank takes numbers, got a text"},
    {"sum_with_text", "tier S {\n    rule \"r\" when attr.region + 1 > 0\n}\n", TIER_EPARSE,
     "t.policy:4:31: '+' takes numbers, got attr.region (a text) and a number"},
    {"not_of_number", "tier S {\n    rule \"r\" when not m.v\n}\n", TIER_EPARSE,
     "t.policy:4:19: 'not' takes a bool, got m.v (a number)"},
    {"and_with_number", "tier S {\n    rule \"r\" when m.v and true\n}\n", TIER_EPARSE,
     "t.policy:4:23: 'and' takes bools, got m.v (a number) and a bool"},
    {"or_with_text", "tier S {\n    rule \"r\" when true or m.k\n}\n", TIER_EPARSE,
     "t.policy:4:24: 'or' takes bools, got a bool and m.k (a text)"},
    {"rule_is_number", "tier S {\n    rule \"r\" when m.v\n}\n", TIER_EPARSE,
     "t.policy:4:19: rule 'r' of tier 'S' must be a bool (a test), got a number"},
    {"rule_is_text_attr", "tier S {\n    rule \"r\" when attr.region\n}\n", TIER_EPARSE,
     "t.policy:4:19: rule 'r' of tier 'S' must be a bool (a test), got a text"},
    {"cap_by_text",
     "tier S {\n    rule \"r\"\n    cap 1 by attr.region overflow B\n}\ntier B {\n    rule "
     "\"b\"\n}\n",
     TIER_EPARSE, "t.policy:5:14: expected a number expression, got a text"},
    {"flag_is_text", "tier S {\n    rule \"r\" when true\n}\nflag f when m.k\n", TIER_EPARSE,
     "t.policy:6:13: flag 'f' must be a bool (a test), got a text"},
    {"demote_when_number", "tier S {\n    rule \"r\" when m.v > 1\n    demote when m.v\n}\n",
     TIER_EPARSE,
     "t.policy:5:17: the demote condition of tier 'S' must be a bool (a test), got a number"},
    {"routing_revenue_text",
     "tier S {\n    rule \"r\" when true\n}\nrouting {\n    accounts when true\n    revenue = "
     "attr.region\n    team local \"x\"\n}\n",
     TIER_EPARSE, "t.policy:8:15: expected a number expression, got a text"},
    {"routing_accounts_number",
     "tier S {\n    rule \"r\" when true\n}\nrouting {\n    accounts when m.v\n    team local "
     "\"x\"\n}\n",
     TIER_EPARSE, "t.policy:7:19: the routing test must be a bool (a test), got a number"},
    {"let_of_text_used_as_number", "let t = attr.region\ntier S {\n    rule \"r\" when t > 1\n}\n",
     TIER_EPARSE, "t.policy:5:21: '>' compares numbers, got t (a text) and a number"},
    {"let_of_unset_attr",
     "let t = attr.nothing\ntier S {\n    rule \"r\" when t > 1 or t is missing\n}\n", TIER_OK,
     "SSSS"},
    {"unset_attr_compared",
     "tier S {\n    rule \"r\" when attr.nothing == \"x\" or attr.nothing > 2\n}\n", TIER_OK,
     "----"},
    {"unknown_output_many", "tier S {\n    rule \"r\" when m.nosuch > 1\n}\n", TIER_ENOTFOUND,
     "t.policy:4:19: unknown output 'm.nosuch' (model m has: v, k)"},
    {"abs_of_label", "tier S {\n    rule \"r\" when abs(m.k) > 1\n}\n", TIER_EPARSE,
     "t.policy:4:23: abs takes numbers, got a text"},
    {"product_of_text", "tier S {\n    rule \"r\" when m.k * 2 > 1\n}\n", TIER_EPARSE,
     "t.policy:4:23: '*' takes numbers, got m.k (a text) and a number"},
    {"eq_label_vs_attr_text", "tier S {\n    rule \"r\" when m.k == attr.region\n}\n", TIER_OK,
     "----"},
    {"eq_label_vs_number", "tier S {\n    rule \"r\" when m.k == m.v\n}\n", TIER_EPARSE,
     "t.policy:4:23: '==' compares two numbers or two texts, got m.k (a text) and m.v (a number)"},
    {"is_missing_label",
     "tier S {\n    rule \"r\" when m.k is missing and attr.region is not missing\n}\n", TIER_OK,
     "---S"},
    {"coalesce_texts",
     "tier S {\n    rule \"r\" when coalesce(m.k, attr.region, \"none\") == \"North\"\n}\n",
     TIER_OK, "---S"},
    {"abc_equal_thresholds", "tier S {\n    rule \"r\" when abc(m.v, 50%, 50%) == \"A\"\n}\n",
     TIER_OK, "---S"},
    {"pct_rank_ties", "tier S {\n    rule \"r\" when pct_rank(attr.size) >= 0.5\n}\n", TIER_OK,
     "--SS"},
    {"min_max_missing",
     "tier S {\n    rule \"r\" when max(m.v, attr.size) > 20 or min(m.v, attr.size) is "
     "missing\n}\n",
     TIER_OK, "--SS"},
    {"abs_of_difference", "tier S {\n    rule \"r\" when abs(m.v - 3) <= 1\n}\n", TIER_OK, "-S-S"},
    {"division_by_zero", "tier S {\n    rule \"r\" when m.v / (m.v - 2) is missing\n}\n", TIER_OK,
     "-SS-"},
    {"label_in_list",
     "tier S {\n    rule \"r\" when m.k in [\"hi\", \"zz\"] and attr.region not in "
     "[\"South\"]\n}\n",
     TIER_OK, "----"},
    {"constant_not_and_minus", "tier S {\n    rule \"r\" when not (1 > 2) and -(2) < 0\n}\n",
     TIER_OK, "SSSS"},
    {"rule_is_unset_attr", "tier S {\n    rule \"r\" when attr.nothing\n}\n", TIER_OK, "----"},
    {"unset_attrs_compared",
     "tier S {\n    rule \"r\" when attr.nothing == attr.other or attr.nothing in [1, 2]\n}\n",
     TIER_OK, "----"},
    {"cap_by_unset_attr",
     "tier S {\n    rule \"r\"\n    cap 1 by attr.nothing overflow B\n}\ntier B {\n    rule "
     "\"b\"\n}\n",
     TIER_OK, "SBBB"},
    {"unset_attr_not_missing",
     "tier S {\n    rule \"r\" when not (attr.nothing is not missing)\n}\n", TIER_OK, "SSSS"},
    {"pct_rank_of_a_constant", "tier S {\n    rule \"r\" when pct_rank(3) == 0.5\n}\n", TIER_OK,
     "SSSS"},
    {"coalesce_with_unset_attr",
     "tier S {\n    rule \"r\" when coalesce(attr.nothing, m.v, 9) >= 4\n}\n", TIER_OK, "--SS"},
};

typedef struct efx {
    tier_book *book;
    tst_column cols[2];
    tst_fixed state;
    tier_model *model;
    tier_result *result;
} efx;

static void efx_init(efx *f)
{
    static const tst_txn rows[] = {{"a", 10, 5}, {"b", 10, 50}, {"c", 11, 7}, {"d", 12, 1}};
    static const double v[] = {1, 2, NAN, 4};
    static const char *const labels[] = {"lo", "hi"};
    static const int32_t k[] = {0, 1, 1, -1};
    static const char *const regions[] = {"North", "South", NULL, "North"};
    static const double size[] = {10, NAN, 30, 40};
    size_t i;
    f->book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    for (i = 0; i < TST_COUNT(rows); i++) {
        if (regions[i])
            assert_int_equal(tier_book_set_text(f->book, i, "region", regions[i]), TIER_OK);
        assert_int_equal(tier_book_set_number(f->book, i, "size", size[i]), TIER_OK);
    }
    f->cols[0] = tst_number_column("v", v);
    f->cols[1] = tst_label_column("k", labels, 2, k);
    tst_fixed_init(&f->state, f->cols, 2);
    f->model = tst_fixed_model_ok("m", &f->state, 0);
    assert_int_equal(tier_result_new(&f->result, TST_ALLOC), TIER_OK);
}

static void efx_free(efx *f)
{
    tier_result_free(f->result);
    tier_model_free(f->model);
    tier_book_free(f->book);
}

static int run_text(efx *f, const char *body, tier_policy **out)
{
    char text[2048];
    tier_policy *p = NULL;
    snprintf(text, sizeof text, HEAD "%s", body);
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    if (tier_policy_load_string(p, text, strlen(text), "t.policy") != TIER_OK)
        fail_msg("load: %s", tier_policy_last_error(p));
    *out = p;
    return tier_result_run(f->result, f->book, &f->model, 1, p);
}

/* Each customer's tier initial ('-' for none), in book order. */
static void placed(const tier_result *r, char *out)
{
    size_t i, n = tier_result_customer_count(r);
    for (i = 0; i < n; i++) {
        int t = tier_result_tier(r, i);
        out[i] = t < 0 ? '-' : tier_result_tier_name(r, (size_t)t)[0];
    }
    out[n] = '\0';
}

static void test_types_known_only_to_a_run(void **state)
{
    static const char kept[] = "tier Kept {\n    rule \"all\"\n}\n";
    efx f;
    size_t i;
    char got[8];
    (void)state;
    efx_init(&f);
    for (i = 0; i < TST_COUNT(cases); i++) {
        const run_case *c = &cases[i];
        tier_policy *keep = NULL, *p = NULL;
        int rc;
        assert_int_equal(run_text(&f, kept, &keep), TIER_OK);
        rc = run_text(&f, c->body, &p);
        if (rc != c->rc)
            fail_msg("%s: %s, want %s (%s)", c->name, tier_status_name(rc), tier_status_name(c->rc),
                     tier_result_last_error(f.result));
        placed(f.result, got);
        if (rc == TIER_OK) {
            if (strcmp(got, c->want) != 0)
                fail_msg("%s: placed %s, want %s", c->name, got, c->want);
        } else {
            if (strcmp(tier_result_last_error(f.result), c->want) != 0)
                fail_msg("%s: \"%s\", want \"%s\"", c->name, tier_result_last_error(f.result),
                         c->want);
            /* All or nothing: the previous run's result is kept whole. */
            assert_string_equal(got, "KKKK");
            assert_non_null(tier_result_frame(f.result));
        }
        tier_policy_free(p);
        tier_policy_free(keep);
    }
    efx_free(&f);
}

TST_MAIN(cmocka_unit_test(test_types_known_only_to_a_run))
