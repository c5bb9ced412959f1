/* SPDX-License-Identifier: MIT */
/* tier_retier_new() freezes a run only when the run, the book, the models and the policy belong
 * together: a result that never ran, a result of another book or of another policy, a NULL model
 * and a hierarchy that gives children their own rows are refused, each with a message saying
 * which by the handle that is made only to tell it (tier_retier_last_error) and holds nothing.
 * The getters of a retier (entitlements of both kinds, model outputs, reason, flags, route) and
 * tier_retier_customer() refuse NULL, a customer beyond the book and unknown names with their
 * documented status, and give "" or NaN then. */
#include <string.h>

#include "support.h"

static const tst_txn ROWS[] = {{"a", 19000, 10}, {"b", 19010, 20}, {"c", 19020, 30}};

static const char POLICY[] = "libtier-policy 1\nmodel pareto = pareto\n"
                             "tier A {\n    rule \"a\" when pareto.class == \"A\"\n}\n"
                             "tier C {\n    rule \"rest\"\n}\n";
static const char OTHER[] = "libtier-policy 1\nmodel pareto = pareto\n"
                            "tier A {\n    rule \"a\" when pareto.class == \"A\"\n}\n"
                            "tier B {\n    rule \"rest\"\n}\n";
static const char THREE[] = "libtier-policy 1\nmodel pareto = pareto\n"
                            "tier A {\n    rule \"a\" when pareto.class == \"A\"\n}\n"
                            "tier B {\n    rule \"b\" when pareto.class == \"B\"\n}\n"
                            "tier C {\n    rule \"rest\"\n}\n";

static const char OWN[] = "libtier-policy 1\nmodel pareto = pareto\n"
                          "hierarchy parent = attr.parent_id children = own\n"
                          "tier A {\n    rule \"a\" when pareto.class == \"A\"\n}\n"
                          "tier C {\n    rule \"rest\"\n}\n";

static tier_policy *policy_of(const char *text)
{
    tier_policy *p = NULL;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    if (tier_policy_load_string(p, text, strlen(text), "p.policy") != TIER_OK)
        fail_msg("%s", tier_policy_last_error(p));
    return p;
}

/* tier_retier_new must refuse with TIER_EINVAL and `message`; the handle it leaves re-tiers no
 * one. */
static void expect_refused(const tier_result *res, const tier_book *book, tier_model *const *m,
                           size_t n, const tier_policy *pol, const char *message)
{
    tier_retier *rt = NULL;
    assert_int_equal(tier_retier_new(&rt, res, book, m, n, pol, NULL, TST_ALLOC), TIER_EINVAL);
    assert_non_null(rt);
    assert_string_equal(tier_retier_last_error(rt), message);
    assert_int_equal(tier_retier_tier(rt, 0), -1);
    tier_retier_free(rt);
}

static void test_a_retier_needs_the_run_of_its_book_and_policy(void **state)
{
    tier_book *book = tst_book_of(TST_ALLOC, ROWS, TST_COUNT(ROWS));
    tier_book *small = tst_book_of(TST_ALLOC, ROWS, 2);
    tier_policy *pol = policy_of(POLICY), *other = policy_of(OTHER), *three = policy_of(THREE);
    tier_model *m[1] = {NULL}, *none[1] = {NULL};
    tier_result *res = NULL;
    tier_retier *rt = NULL;
    (void)state;
    assert_int_equal(tier_pareto_new(&m[0], NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_retier_new(NULL, res, book, m, 1, pol, NULL, TST_ALLOC), TIER_EINVAL);
    assert_int_equal(tier_retier_new(&rt, res, book, NULL, 1, pol, NULL, TST_ALLOC), TIER_EINVAL);
    expect_refused(res, book, m, 1, pol, "the result has no run: call tier_result_run first");
    if (tier_result_run(res, book, m, 1, pol) != TIER_OK)
        fail_msg("run: %s", tier_result_last_error(res));
    expect_refused(res, small, m, 1, pol,
                   "the result has 3 customers but the book 2: not a run of this book");
    expect_refused(res, book, m, 1, other, "tier 2 of the run is 'C' but the policy's is 'B'");
    expect_refused(res, book, m, 1, three,
                   "the result has 2 tiers but the policy 3: not a run of it");
    expect_refused(res, book, none, 1, pol, "model 0 is NULL");
    /* a hierarchy whose children have rows of their own cannot be frozen */
    {
        tier_policy *own = policy_of(OWN);
        tier_result *r2 = NULL;
        assert_int_equal(tier_book_set_text(book, 1, "parent_id", "a"), TIER_OK);
        assert_int_equal(tier_result_new(&r2, TST_ALLOC), TIER_OK);
        if (tier_result_run(r2, book, m, 1, own) != TIER_OK)
            fail_msg("run: %s", tier_result_last_error(r2));
        expect_refused(r2, book, m, 1, own,
                       "the policy's hierarchy gives children their own rows (children = own): a "
                       "child's invoice changes two rows, which only the next batch run "
                       "re-tiers");
        tier_result_free(r2);
        tier_policy_free(own);
    }
    /* the right ones are taken */
    assert_int_equal(tier_retier_new(&rt, res, book, m, 1, pol, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_retier_tier(rt, 0), tier_result_tier(res, 0));
    /* a batch needs a result and the book of the freeze */
    {
        tier_result *out = NULL;
        assert_int_equal(tier_result_new(&out, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_retier_batch(rt, book, NULL), TIER_EINVAL);
        assert_string_equal(tier_retier_last_error(rt), "the result is NULL");
        assert_int_equal(tier_retier_batch(rt, small, out), TIER_EINVAL);
        assert_string_equal(tier_retier_last_error(rt), "not the book the retier was made with");
        assert_int_equal(tier_result_customer_count(out), 0);
        assert_int_equal(tier_retier_batch(rt, book, out), TIER_OK);
        assert_int_equal(tier_result_customer_count(out), 3);
        tier_result_free(out);
    }
    tier_retier_free(rt);
    tier_result_free(res);
    tier_model_free(m[0]);
    tier_policy_free(pol);
    tier_policy_free(other);
    tier_policy_free(three);
    tier_book_free(small);
    tier_book_free(book);
}

static const char ENTITLED[] = "libtier-policy 1\nmodel pareto = pareto\n"
                               "entitlement sla number \"hours\"\n"
                               "entitlement desk text \"who\"\n"
                               "flag big when pareto.class == \"A\"\n"
                               "tier A {\n    rule \"a\" when pareto.class == \"A\"\n"
                               "    entitle sla = 4\n    entitle desk = \"named\"\n}\n"
                               "tier C {\n    rule \"rest\"\n}\n";

static void test_the_getters_of_a_retier(void **state)
{
    tier_book *book = tst_book_of(TST_ALLOC, ROWS, TST_COUNT(ROWS));
    tier_book *small = tst_book_of(TST_ALLOC, ROWS, 2);
    tier_policy *pol = policy_of(ENTITLED);
    tier_model *m[1] = {NULL};
    tier_result *res = NULL;
    tier_retier *rt = NULL;
    const char *text = "x";
    double v = 0;
    size_t c = tst_customer(book, "c"), a = tst_customer(book, "a"), added;
    (void)state;
    assert_int_equal(tier_pareto_new(&m[0], NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    if (tier_result_run(res, book, m, 1, pol) != TIER_OK)
        fail_msg("run: %s", tier_result_last_error(res));
    assert_int_equal(tier_retier_new(&rt, res, book, m, 1, pol, NULL, TST_ALLOC), TIER_OK);
    assert_string_equal(tier_retier_tier_name(rt, c), "A"); /* c spends the most */
    assert_string_equal(tier_retier_tier_name(rt, a), "C");
    assert_string_equal(tier_retier_flags(rt, c), "big");
    assert_string_equal(tier_retier_flags(rt, a), "");
    assert_string_equal(tier_retier_reason(rt, c), "a");
    /* entitlements: a number, a text, each with the other out pointer NULL, and unknown ones */
    assert_int_equal(tier_retier_entitlement(rt, c, "sla", &v, &text), TIER_OK);
    assert_true(v == 4.0);
    assert_null(text);
    assert_int_equal(tier_retier_entitlement(rt, c, "sla", NULL, NULL), TIER_OK);
    assert_int_equal(tier_retier_entitlement(rt, c, "desk", &v, &text), TIER_OK);
    assert_string_equal(text, "named");
    assert_true(v != v);
    assert_int_equal(tier_retier_entitlement(rt, c, "desk", NULL, NULL), TIER_OK);
    assert_int_equal(tier_retier_entitlement(rt, c, "nope", &v, &text), TIER_ENOTFOUND);
    assert_int_equal(tier_retier_entitlement(rt, a, "sla", &v, &text), TIER_ENOTFOUND);
    assert_true(v != v);
    assert_int_equal(tier_retier_entitlement(rt, 3, "sla", &v, &text), TIER_ERANGE);
    assert_int_equal(tier_retier_entitlement(rt, c, NULL, &v, &text), TIER_EINVAL);
    assert_int_equal(tier_retier_entitlement(NULL, c, "sla", &v, &text), TIER_EINVAL);
    /* model outputs: a number, a text column, an unknown one, bad arguments */
    assert_int_equal(tier_retier_number(rt, c, "pareto.value", &v), TIER_OK);
    assert_true(v == 30.0);
    assert_int_equal(tier_retier_number(rt, c, "pareto.class", &v), TIER_ENOTFOUND);
    assert_true(v != v);
    assert_int_equal(tier_retier_number(rt, c, "pareto.nope", &v), TIER_ENOTFOUND);
    assert_int_equal(tier_retier_number(rt, 3, "pareto.value", &v), TIER_ERANGE);
    assert_int_equal(tier_retier_number(rt, c, NULL, &v), TIER_EINVAL);
    assert_int_equal(tier_retier_number(rt, c, "pareto.value", NULL), TIER_EINVAL);
    assert_int_equal(tier_retier_number(NULL, c, "pareto.value", &v), TIER_EINVAL);
    /* beyond the book and without a retier: nothing */
    assert_int_equal(tier_retier_tier(rt, 3), -1);
    assert_string_equal(tier_retier_tier_name(rt, 3), "");
    assert_string_equal(tier_retier_reason(rt, 3), "");
    assert_string_equal(tier_retier_flags(rt, 3), "");
    assert_string_equal(tier_retier_route(rt, 3), "");
    assert_string_equal(tier_retier_route(rt, c), ""); /* the policy does not route */
    assert_string_equal(tier_retier_reason(NULL, 0), "");
    assert_string_equal(tier_retier_flags(NULL, 0), "");
    assert_string_equal(tier_retier_route(NULL, 0), "");
    assert_int_equal(tier_retier_tier(NULL, 0), -1);
    /* re-tiering: another book, a customer beyond it, one added after the freeze */
    assert_int_equal(tier_retier_customer(rt, small, 0), TIER_EINVAL);
    assert_int_equal(tier_retier_customer(rt, book, 3), TIER_ERANGE);
    assert_int_equal(tier_book_add_customer(book, "d", 1, &added), TIER_OK);
    assert_int_equal(tier_retier_customer(rt, book, added), TIER_ENOTFOUND);
    assert_string_equal(tier_retier_last_error(rt),
                        "customer \"d\" (index 3) was added to the book "
                        "after the freeze: the next batch run tiers it");
    assert_int_equal(tier_retier_customer(rt, book, c), TIER_OK);
    assert_string_equal(tier_retier_tier_name(rt, c), "A");
    tier_retier_free(rt);
    tier_result_free(res);
    tier_model_free(m[0]);
    tier_policy_free(pol);
    tier_book_free(small);
    tier_book_free(book);
}

TST_MAIN(cmocka_unit_test(test_a_retier_needs_the_run_of_its_book_and_policy),
         cmocka_unit_test(test_the_getters_of_a_retier))
