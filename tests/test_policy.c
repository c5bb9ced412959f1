/* SPDX-License-Identifier: MIT */
/* Policies: building them, their errors, their description, and how they place customers
 * (first match wins, rules OR, conditions AND, missing values never match). Evaluation runs
 * through tier_result_run() with a small test model whose outputs are given by the test. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* ---- fixtures ------------------------------------------------------------------------------- */

static tier_book *book_with(size_t n)
{
    tier_allocator a = tst_allocator();
    tier_book *b = NULL;
    size_t i;
    assert_int_equal(tier_book_new(&b, &a), TIER_OK);
    for (i = 0; i < n; i++) {
        char id[16];
        size_t idx;
        snprintf(id, sizeof id, "c%zu", i);
        assert_int_equal(tier_book_add_customer(b, id, strlen(id), &idx), TIER_OK);
        assert_int_equal(idx, i);
    }
    return b;
}

static tier_policy *policy_new(void)
{
    tier_policy *p = NULL;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    return p;
}

/* Runs `p` over `book` with one model "t" of outputs x (numbers), y (numbers), k (labels). */
typedef struct fixture {
    tier_book *book;
    tier_model *model;
    tier_result *result;
    tst_column outs[3];
    tst_fixed state;
} fixture;

static const char *const k_labels[] = {"red", "green", "blue"};

static void fixture_init(fixture *f, size_t n, const double *x, const double *y, const int32_t *k)
{
    tier_allocator a = tst_allocator();
    memset(f, 0, sizeof *f);
    f->book = book_with(n);
    f->outs[0] = tst_number_column("x", x);
    f->outs[1] = tst_number_column("y", y);
    f->outs[2] = tst_label_column("k", k_labels, 3, k);
    tst_fixed_init(&f->state, f->outs, 3);
    f->model = tst_fixed_model_ok("t", &f->state, 0);
    assert_int_equal(tier_result_new(&f->result, &a), TIER_OK);
}

static int fixture_run(fixture *f, const tier_policy *p)
{
    return tier_result_run(f->result, f->book, &f->model, 1, p);
}

static void fixture_free(fixture *f)
{
    tier_result_free(f->result);
    tier_model_free(f->model);
    tier_book_free(f->book);
}

static void assert_tier(const fixture *f, size_t i, const char *tier, const char *reason)
{
    int t = tier_result_tier(f->result, i);
    if (!tier) {
        assert_int_equal(t, -1);
    } else {
        assert_true(t >= 0);
        assert_string_equal(tier_result_tier_name(f->result, (size_t)t), tier);
    }
    assert_string_equal(tier_result_reason(f->result, i), reason);
}

/* ---- evaluation ----------------------------------------------------------------------------- */

static void test_policy_first_matching_tier_wins(void **state)
{
    static const double x[] = {12, 7, 3, 10};
    static const double y[] = {0, 0, 0, 0};
    static const int32_t k[] = {0, 0, 0, 0};
    fixture f;
    tier_policy *p = policy_new();
    size_t gold, silver, r;
    (void)state;
    fixture_init(&f, 4, x, y, k);
    assert_int_equal(tier_policy_add_tier(p, "gold", &gold), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "silver", &silver), TIER_OK);
    /* The silver rule is added first and would hold for x = 12 too: tier order decides. */
    assert_int_equal(tier_policy_add_rule(p, silver, "x at least 5", &r), TIER_OK);
    assert_int_equal(r, 0);
    assert_int_equal(tier_policy_where_number(p, r, "t.x", TIER_OP_GE, 5), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, gold, "x at least 10", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "t.x", TIER_OP_GE, 10), TIER_OK);
    assert_int_equal(fixture_run(&f, p), TIER_OK);
    assert_tier(&f, 0, "gold", "x at least 10");
    assert_tier(&f, 1, "silver", "x at least 5");
    assert_tier(&f, 2, NULL, "");
    assert_tier(&f, 3, "gold", "x at least 10");
    tier_policy_free(p);
    fixture_free(&f);
}

static void test_policy_rules_of_a_tier_are_alternatives(void **state)
{
    static const double x[] = {12, 1, 1, 20};
    static const double y[] = {0, 5, 1, 9};
    static const int32_t k[] = {0, 0, 0, 0};
    fixture f;
    tier_policy *p = policy_new();
    size_t t, r;
    (void)state;
    fixture_init(&f, 4, x, y, k);
    assert_int_equal(tier_policy_add_tier(p, "hot", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "big", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "t.x", TIER_OP_GE, 10), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "loyal", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "t.y", TIER_OP_GE, 3), TIER_OK);
    assert_int_equal(fixture_run(&f, p), TIER_OK);
    assert_tier(&f, 0, "hot", "big");
    assert_tier(&f, 1, "hot", "loyal");
    assert_tier(&f, 2, NULL, "");
    assert_tier(&f, 3, "hot", "big"); /* both hold: the first rule is the reason */
    tier_policy_free(p);
    fixture_free(&f);
}

static void test_policy_conditions_of_a_rule_must_all_hold(void **state)
{
    static const double x[] = {6, 6, 4, 5};
    static const double y[] = {1, 2, 1, 1.5};
    static const int32_t k[] = {0, 0, 0, 0};
    fixture f;
    tier_policy *p = policy_new();
    size_t t, r;
    (void)state;
    fixture_init(&f, 4, x, y, k);
    assert_int_equal(tier_policy_add_tier(p, "T", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "x>4 and y<2", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "t.x", TIER_OP_GT, 4), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "t.y", TIER_OP_LT, 2), TIER_OK);
    assert_int_equal(fixture_run(&f, p), TIER_OK);
    assert_tier(&f, 0, "T", "x>4 and y<2");
    assert_tier(&f, 1, NULL, ""); /* y = 2 is not < 2 */
    assert_tier(&f, 2, NULL, ""); /* x = 4 is not > 4 */
    assert_tier(&f, 3, "T", "x>4 and y<2");
    tier_policy_free(p);
    fixture_free(&f);
}

static void test_policy_number_operators_compare_exactly(void **state)
{
    static const double x[] = {2, 3, 4};
    static const double y[] = {0, 0, 0};
    static const int32_t k[] = {0, 0, 0};
    static const int ops[] = {TIER_OP_LT, TIER_OP_LE, TIER_OP_EQ,
                              TIER_OP_NE, TIER_OP_GE, TIER_OP_GT};
    /* Expected match of x = 2, 3, 4 against 3 for each operator. */
    static const int want[6][3] = {{1, 0, 0}, {1, 1, 0}, {0, 1, 0},
                                   {1, 0, 1}, {0, 1, 1}, {0, 0, 1}};
    size_t o, i;
    (void)state;
    for (o = 0; o < 6; o++) {
        fixture f;
        tier_policy *p = policy_new();
        size_t t, r;
        fixture_init(&f, 3, x, y, k);
        assert_int_equal(tier_policy_add_tier(p, "T", &t), TIER_OK);
        assert_int_equal(tier_policy_add_rule(p, t, "r", &r), TIER_OK);
        assert_int_equal(tier_policy_where_number(p, r, "t.x", ops[o], 3), TIER_OK);
        assert_int_equal(fixture_run(&f, p), TIER_OK);
        for (i = 0; i < 3; i++)
            assert_int_equal(tier_result_tier(f.result, i), want[o][i] ? 0 : -1);
        tier_policy_free(p);
        fixture_free(&f);
    }
}

static void test_policy_missing_values_fail_every_comparison(void **state)
{
    static const double x[] = {NAN, 1};
    static const double y[] = {0, 0};
    static const int32_t k[] = {-1, 0};
    static const int ops[] = {TIER_OP_LT, TIER_OP_LE, TIER_OP_EQ,
                              TIER_OP_NE, TIER_OP_GE, TIER_OP_GT};
    tier_policy *p = policy_new();
    fixture f;
    size_t t, r, o;
    (void)state;
    fixture_init(&f, 2, x, y, k);
    assert_int_equal(tier_policy_add_tier(p, "num", &t), TIER_OK);
    for (o = 0; o < 6; o++) {
        char name[16];
        snprintf(name, sizeof name, "op%d", ops[o]);
        assert_int_equal(tier_policy_add_rule(p, t, name, &r), TIER_OK);
        assert_int_equal(tier_policy_where_number(p, r, "t.x", ops[o], 7), TIER_OK);
    }
    assert_int_equal(tier_policy_add_tier(p, "label", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "k is red", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "t.k", TIER_OP_EQ, "red"), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "k is not red", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "t.k", TIER_OP_NE, "red"), TIER_OK);
    assert_int_equal(fixture_run(&f, p), TIER_OK);
    /* Customer 0: x is NaN and k has no label, so nothing holds (not even !=). */
    assert_tier(&f, 0, NULL, "");
    /* Customer 1: 1 < 7 holds first. */
    assert_tier(&f, 1, "num", "op1");
    tier_policy_free(p);
    fixture_free(&f);
}

static void test_policy_compares_labels_with_eq_and_ne(void **state)
{
    static const double x[] = {0, 0, 0, 0};
    static const double y[] = {0, 0, 0, 0};
    static const int32_t k[] = {0, 1, 2, -1};
    tier_policy *p = policy_new();
    fixture f;
    size_t t, r;
    (void)state;
    fixture_init(&f, 4, x, y, k);
    assert_int_equal(tier_policy_add_tier(p, "R", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "red", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "t.k", TIER_OP_EQ, "red"), TIER_OK);
    /* A text that is not among the labels equals nothing. */
    assert_int_equal(tier_policy_add_rule(p, t, "purple", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "t.k", TIER_OP_EQ, "purple"), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "notblue", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "not blue", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "t.k", TIER_OP_NE, "blue"), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "notpurple", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "not purple", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "t.k", TIER_OP_NE, "purple"), TIER_OK);
    assert_int_equal(fixture_run(&f, p), TIER_OK);
    assert_tier(&f, 0, "R", "red");
    assert_tier(&f, 1, "notblue", "not blue");
    assert_tier(&f, 2, "notpurple", "not purple");
    assert_tier(&f, 3, NULL, "");
    tier_policy_free(p);
    fixture_free(&f);
}

static void test_policy_reads_numeric_and_text_attributes(void **state)
{
    static const double x[] = {0, 0, 0, 0};
    static const double y[] = {0, 0, 0, 0};
    static const int32_t k[] = {0, 0, 0, 0};
    tier_policy *p = policy_new();
    fixture f;
    size_t t, r;
    (void)state;
    fixture_init(&f, 4, x, y, k);
    assert_int_equal(tier_book_set_number(f.book, 0, "employees", 500), TIER_OK);
    assert_int_equal(tier_book_set_number(f.book, 1, "employees", 20), TIER_OK);
    assert_int_equal(tier_book_set_text(f.book, 1, "industry", "retail"), TIER_OK);
    assert_int_equal(tier_book_set_text(f.book, 2, "industry", "mining"), TIER_OK);
    /* Customer 3 has neither attribute. */
    assert_int_equal(tier_policy_add_tier(p, "large", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "200+ employees", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "attr.employees", TIER_OP_GE, 200), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "retail", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "industry retail", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "attr.industry", TIER_OP_EQ, "retail"), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "other", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "industry not retail", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "attr.industry", TIER_OP_NE, "retail"), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "employees not 500", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "attr.employees", TIER_OP_NE, 500), TIER_OK);
    assert_int_equal(fixture_run(&f, p), TIER_OK);
    assert_tier(&f, 0, "large", "200+ employees");
    assert_tier(&f, 1, "retail", "industry retail");
    assert_tier(&f, 2, "other", "industry not retail");
    assert_tier(&f, 3, NULL, ""); /* unset attributes compare false, even with != */
    tier_policy_free(p);
    fixture_free(&f);
}

static void test_policy_rule_without_conditions_always_holds(void **state)
{
    static const double x[] = {1, NAN};
    static const double y[] = {0, 0};
    static const int32_t k[] = {0, -1};
    tier_policy *p = policy_new();
    fixture f;
    size_t t, r;
    (void)state;
    fixture_init(&f, 2, x, y, k);
    assert_int_equal(tier_policy_add_tier(p, "first", &t), TIER_OK); /* no rules: never used */
    assert_int_equal(tier_policy_add_tier(p, "rest", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "everyone else", &r), TIER_OK);
    assert_int_equal(fixture_run(&f, p), TIER_OK);
    assert_tier(&f, 0, "rest", "everyone else");
    assert_tier(&f, 1, "rest", "everyone else");
    tier_policy_free(p);
    fixture_free(&f);
}

static void test_policy_rules_may_share_a_name_and_report_it_as_the_reason(void **state)
{
    static const double x[] = {20, 5, 1};
    static const double y[] = {0, 0, 0};
    static const int32_t k[] = {0, 0, 0};
    tier_policy *p = policy_new();
    fixture f;
    size_t t, r, col;
    const tier_frame *frame;
    (void)state;
    fixture_init(&f, 3, x, y, k);
    assert_int_equal(tier_policy_add_tier(p, "hi", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "by size", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "t.x", TIER_OP_GE, 10), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "mid", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "by size", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "t.x", TIER_OP_GE, 3), TIER_OK);
    assert_int_equal(fixture_run(&f, p), TIER_OK);
    assert_tier(&f, 0, "hi", "by size");
    assert_tier(&f, 1, "mid", "by size");
    assert_tier(&f, 2, NULL, "");
    frame = tier_result_frame(f.result);
    assert_int_equal(tier_frame_find(frame, "reason", &col), TIER_OK);
    assert_int_equal(tier_frame_label_count(frame, col), 1);
    tier_policy_free(p);
    fixture_free(&f);
}

static void test_policy_unknown_column_fails_the_run_naming_rule_and_column(void **state)
{
    static const double x[] = {1};
    static const double y[] = {0};
    static const int32_t k[] = {0};
    tier_policy *p = policy_new();
    fixture f;
    size_t t, r;
    (void)state;
    fixture_init(&f, 1, x, y, k);
    assert_int_equal(tier_policy_add_tier(p, "T", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "needs rfm", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "rfm.r_score", TIER_OP_GE, 3), TIER_OK);
    assert_int_equal(fixture_run(&f, p), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_result_last_error(f.result), "needs rfm"));
    assert_non_null(strstr(tier_result_last_error(f.result), "rfm.r_score"));
    assert_null(tier_result_frame(f.result));
    assert_int_equal(tier_result_customer_count(f.result), 0);
    tier_policy_free(p);
    fixture_free(&f);
}

static void test_policy_column_of_the_wrong_type_is_rejected(void **state)
{
    static const double x[] = {1};
    static const double y[] = {0};
    static const int32_t k[] = {0};
    tier_policy *p = policy_new(), *q = policy_new();
    fixture f;
    size_t t, r;
    (void)state;
    fixture_init(&f, 1, x, y, k);
    assert_int_equal(tier_policy_add_tier(p, "T", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "x as text", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "t.x", TIER_OP_EQ, "1"), TIER_OK);
    assert_int_equal(fixture_run(&f, p), TIER_EINVAL);
    assert_non_null(strstr(tier_result_last_error(f.result), "t.x"));
    assert_int_equal(tier_policy_add_tier(q, "T", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(q, t, "k as number", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(q, r, "t.k", TIER_OP_EQ, 1), TIER_OK);
    assert_int_equal(fixture_run(&f, q), TIER_EINVAL);
    assert_non_null(strstr(tier_result_last_error(f.result), "t.k"));
    tier_policy_free(p);
    tier_policy_free(q);
    fixture_free(&f);
}

/* ---- building and errors -------------------------------------------------------------------- */

static void test_policy_rejects_bad_arguments_and_stays_unchanged(void **state)
{
    tier_policy *p = policy_new();
    size_t t = 99, r = 99;
    (void)state;
    assert_int_equal(tier_policy_add_tier(p, "S", &t), TIER_OK);
    assert_int_equal(t, 0);
    assert_int_equal(tier_policy_add_tier(p, "S", NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_policy_last_error(p), "duplicate"));
    assert_int_equal(tier_policy_add_tier(p, "", NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_add_tier(p, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_add_tier(p, "bad\xff", NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_tier_count(p), 1);

    assert_int_equal(tier_policy_add_rule(p, 1, "r", NULL), TIER_ERANGE);
    assert_int_equal(tier_policy_add_rule(p, 0, "", NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_add_rule(p, 0, "\xc0\x80", NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_rule_count(p), 0);
    assert_int_equal(tier_policy_add_rule(p, 0, "r", &r), TIER_OK);
    assert_int_equal(r, 0);

    assert_int_equal(tier_policy_where_number(p, 1, "t.x", TIER_OP_LT, 1), TIER_ERANGE);
    assert_int_equal(tier_policy_where_number(p, 0, "t.x", 0, 1), TIER_EINVAL);
    assert_int_equal(tier_policy_where_number(p, 0, "t.x", 7, 1), TIER_EINVAL);
    assert_int_equal(tier_policy_where_number(p, 0, "t.x", TIER_OP_LT, NAN), TIER_EINVAL);
    assert_non_null(strstr(tier_policy_last_error(p), "NaN"));
    assert_int_equal(tier_policy_where_number(p, 0, "", TIER_OP_LT, 1), TIER_EINVAL);
    assert_int_equal(tier_policy_where_number(p, 0, NULL, TIER_OP_LT, 1), TIER_EINVAL);
    assert_int_equal(tier_policy_where_number(p, 0, "attr.", TIER_OP_LT, 1), TIER_EINVAL);
    assert_int_equal(tier_policy_where_label(p, 0, "t.k", TIER_OP_LT, "a"), TIER_EINVAL);
    assert_non_null(strstr(tier_policy_last_error(p), "=="));
    assert_int_equal(tier_policy_where_label(p, 0, "t.k", TIER_OP_GE, "a"), TIER_EINVAL);
    assert_int_equal(tier_policy_where_label(p, 0, "t.k", TIER_OP_EQ, NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_where_label(p, 0, "t.k", TIER_OP_EQ, "\xff"), TIER_EINVAL);
    assert_int_equal(tier_policy_where_label(p, 5, "t.k", TIER_OP_EQ, "a"), TIER_ERANGE);

    assert_null(tier_policy_tier_name(p, 1));
    assert_null(tier_policy_rule_name(p, 1));
    assert_string_equal(tier_policy_tier_name(p, 0), "S");
    assert_string_equal(tier_policy_rule_name(p, 0), "r");
    assert_int_equal(tier_policy_add_tier(NULL, "x", NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_new(NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_tier_count(NULL), 0);
    assert_string_equal(tier_policy_last_error(NULL), "");
    tier_policy_free(NULL);
    tier_policy_free(p);
}

static void test_policy_run_rejects_a_policy_without_tiers(void **state)
{
    static const double x[] = {1};
    static const double y[] = {0};
    static const int32_t k[] = {0};
    tier_policy *p = policy_new();
    fixture f;
    (void)state;
    fixture_init(&f, 1, x, y, k);
    assert_int_equal(fixture_run(&f, p), TIER_EINVAL);
    assert_non_null(strstr(tier_result_last_error(f.result), "no tiers"));
    tier_policy_free(p);
    fixture_free(&f);
}

static void test_policy_builtin_is_the_documented_sabc_policy(void **state)
{
    tier_allocator a = tst_allocator();
    tier_policy *p = NULL;
    (void)state;
    assert_int_equal(tier_policy_new_builtin(&p, "no-such-policy", &a), TIER_ENOTFOUND);
    assert_null(p);
    assert_int_equal(tier_policy_new_builtin(&p, NULL, &a), TIER_OK);
    assert_int_equal(tier_policy_tier_count(p), 4);
    assert_string_equal(tier_policy_tier_name(p, 0), "S");
    assert_string_equal(tier_policy_tier_name(p, 1), "A");
    assert_string_equal(tier_policy_tier_name(p, 2), "B");
    assert_string_equal(tier_policy_tier_name(p, 3), "C");
    assert_int_equal(tier_policy_rule_count(p), 4);
    assert_string_equal(tier_policy_rule_name(p, 0), "pareto class A (top revenue share)");
    assert_string_equal(tier_policy_rule_name(p, 1),
                        "pareto class B, engaged (r_score>=3, f_score>=3)");
    assert_string_equal(tier_policy_rule_name(p, 2), "pareto class B, low engagement");
    assert_string_equal(tier_policy_rule_name(p, 3), "rest (pareto class C or no purchases)");
    tier_policy_free(p);
    assert_int_equal(tier_policy_new_builtin(&p, "b2b-sabc", &a), TIER_OK);
    tier_policy_free(p);
}

static void test_policy_builtin_places_customers_by_pareto_class_and_scores(void **state)
{
    static const char *const classes[] = {"A", "B", "C"};
    /* pareto.class and rfm scores for: A; B engaged; B with r 2; B with f 2; C; B with NaN. */
    static const int32_t cls[] = {0, 1, 1, 1, 2, 1};
    static const double r[] = {1, 3, 2, 5, 5, NAN};
    static const double fs[] = {1, 3, 5, 2, 5, NAN};
    tst_column pout[1], rout[2];
    tst_fixed ps, rs;
    tier_model *models[2];
    tier_allocator a = tst_allocator();
    tier_book *book = book_with(6);
    tier_result *res = NULL;
    tier_policy *p = NULL;
    size_t count;
    (void)state;
    pout[0] = tst_label_column("class", classes, 3, cls);
    rout[0] = tst_number_column("r_score", r);
    rout[1] = tst_number_column("f_score", fs);
    tst_fixed_init(&ps, pout, 1);
    tst_fixed_init(&rs, rout, 2);
    models[0] = tst_fixed_model_ok("rfm", &rs, 0);
    models[1] = tst_fixed_model_ok("pareto", &ps, 0);
    assert_int_equal(tier_policy_new_builtin(&p, NULL, &a), TIER_OK);
    assert_int_equal(tier_result_new(&res, &a), TIER_OK);
    assert_int_equal(tier_result_run(res, book, models, 2, p), TIER_OK);
    assert_string_equal(tier_result_tier_name(res, (size_t)tier_result_tier(res, 0)), "S");
    assert_string_equal(tier_result_tier_name(res, (size_t)tier_result_tier(res, 1)), "A");
    assert_string_equal(tier_result_tier_name(res, (size_t)tier_result_tier(res, 2)), "B");
    assert_string_equal(tier_result_tier_name(res, (size_t)tier_result_tier(res, 3)), "B");
    assert_string_equal(tier_result_tier_name(res, (size_t)tier_result_tier(res, 4)), "C");
    assert_string_equal(tier_result_tier_name(res, (size_t)tier_result_tier(res, 5)), "B");
    assert_string_equal(tier_result_reason(res, 3), "pareto class B, low engagement");
    assert_string_equal(tier_result_reason(res, 4), "rest (pareto class C or no purchases)");
    assert_int_equal(tier_result_summary(res, 2, &count, NULL), TIER_OK);
    assert_int_equal(count, 3);
    tier_result_free(res);
    tier_policy_free(p);
    tier_model_free(models[0]);
    tier_model_free(models[1]);
    tier_book_free(book);
}

static void test_policy_describe_lists_tiers_rules_and_conditions(void **state)
{
    tier_allocator a = tst_allocator();
    tier_policy *p = policy_new();
    tier_text *text = NULL;
    size_t t, r;
    (void)state;
    assert_int_equal(tier_text_new(&text, &a), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "gold", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "say \"big\"", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "clv.value", TIER_OP_GT, 0.1), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "attr.region", TIER_OP_NE, "north"), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "rfm.f", TIER_OP_LE, -2.5e-7), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "empty", &t), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "rest", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "else", &r), TIER_OK);
    assert_int_equal(tier_policy_describe(p, text), TIER_OK);
    assert_string_equal(
        tier_text_data(text),
        "policy: 3 tiers, 2 rules; tiers are tried in order and the first rule that "
        "holds decides\n"
        "tier \"gold\"\n"
        "  rule \"say \\\"big\\\"\": clv.value > 0.1 and attr.region != \"north\" "
        "and rfm.f <= -2.5e-07\n"
        "tier \"empty\"\n"
        "  (no rules: no customer gets this tier)\n"
        "tier \"rest\"\n"
        "  rule \"else\": always\n");
    tier_text_free(text);
    tier_policy_free(p);
}

static void test_policy_describe_of_builtin_states_every_rule(void **state)
{
    tier_allocator a = tst_allocator();
    tier_policy *p = NULL;
    tier_text *text = NULL;
    (void)state;
    assert_int_equal(tier_text_new(&text, &a), TIER_OK);
    assert_int_equal(tier_policy_new_builtin(&p, NULL, &a), TIER_OK);
    assert_int_equal(tier_text_append(text, "> ", 2), TIER_OK);
    assert_int_equal(tier_policy_describe(p, text), TIER_OK);
    assert_string_equal(
        tier_text_data(text),
        "> policy: 4 tiers, 4 rules; tiers are tried in order and the first rule that holds "
        "decides\n"
        "tier \"S\"\n"
        "  rule \"pareto class A (top revenue share)\": pareto.class == \"A\"\n"
        "tier \"A\"\n"
        "  rule \"pareto class B, engaged (r_score>=3, f_score>=3)\": pareto.class == \"B\" and "
        "rfm.r_score >= 3 and rfm.f_score >= 3\n"
        "tier \"B\"\n"
        "  rule \"pareto class B, low engagement\": pareto.class == \"B\"\n"
        "tier \"C\"\n"
        "  rule \"rest (pareto class C or no purchases)\": always\n");
    tier_text_free(text);
    tier_policy_free(p);
}

/* ---- out of memory -------------------------------------------------------------------------- */

static int build_and_describe(const tier_allocator *alloc, void *ud)
{
    tier_policy *p = NULL;
    tier_text *text = NULL;
    size_t before = 0;
    int rc;
    (void)ud;
    rc = tier_policy_new_builtin(&p, NULL, alloc);
    if (rc) {
        assert_null(p);
        return rc;
    }
    rc = tier_text_new(&text, alloc);
    if (!rc) {
        size_t r = 0;
        before = tier_policy_rule_count(p);
        rc = tier_policy_add_rule(p, 3, "extra", &r);
        if (rc)
            assert_int_equal(tier_policy_rule_count(p), before);
        if (!rc) {
            rc = tier_policy_where_label(p, r, "attr.x", TIER_OP_EQ, "y");
            if (!rc)
                rc = tier_policy_add_tier(p, "D", NULL);
            else
                assert_int_equal(tier_policy_tier_count(p), 4);
        }
        if (!rc) {
            rc = tier_policy_describe(p, text);
            if (rc)
                assert_int_equal(tier_text_length(text), 0);
        }
    }
    tier_text_free(text);
    tier_policy_free(p);
    return rc;
}

static const tst_oom_case test_policy_survives_every_allocation_failure = {build_and_describe, NULL, 10};

TST_MAIN(cmocka_unit_test(test_policy_first_matching_tier_wins),
         cmocka_unit_test(test_policy_rules_of_a_tier_are_alternatives),
         cmocka_unit_test(test_policy_conditions_of_a_rule_must_all_hold),
         cmocka_unit_test(test_policy_number_operators_compare_exactly),
         cmocka_unit_test(test_policy_missing_values_fail_every_comparison),
         cmocka_unit_test(test_policy_compares_labels_with_eq_and_ne),
         cmocka_unit_test(test_policy_reads_numeric_and_text_attributes),
         cmocka_unit_test(test_policy_rule_without_conditions_always_holds),
         cmocka_unit_test(test_policy_rules_may_share_a_name_and_report_it_as_the_reason),
         cmocka_unit_test(test_policy_unknown_column_fails_the_run_naming_rule_and_column),
         cmocka_unit_test(test_policy_column_of_the_wrong_type_is_rejected),
         cmocka_unit_test(test_policy_rejects_bad_arguments_and_stays_unchanged),
         cmocka_unit_test(test_policy_run_rejects_a_policy_without_tiers),
         cmocka_unit_test(test_policy_builtin_is_the_documented_sabc_policy),
         cmocka_unit_test(test_policy_builtin_places_customers_by_pareto_class_and_scores),
         cmocka_unit_test(test_policy_describe_lists_tiers_rules_and_conditions),
         cmocka_unit_test(test_policy_describe_of_builtin_states_every_rule),
         TST_OOM_TEST(test_policy_survives_every_allocation_failure))
