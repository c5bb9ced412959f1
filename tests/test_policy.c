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
    tier_book *b = NULL;
    size_t i;
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    for (i = 0; i < n; i++) {
        char id[32];
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
    memset(f, 0, sizeof *f);
    f->book = book_with(n);
    f->outs[0] = tst_number_column("x", x);
    f->outs[1] = tst_number_column("y", y);
    f->outs[2] = tst_label_column("k", k_labels, 3, k);
    tst_fixed_init(&f->state, f->outs, 3);
    f->model = tst_fixed_model_ok("t", &f->state, 0);
    assert_int_equal(tier_result_new(&f->result, TST_ALLOC), TIER_OK);
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

/* One step of building a policy (and the book's attributes) for a placement case. */
typedef struct step {
    char kind;        /* 'T' tier, 'R' rule of tier `who`, 'N' number condition and 'L' label
                       * condition of the last rule, 'n' number and 's' text attribute of customer
                       * `who` */
    const char *name; /* tier, rule, column or attribute name */
    int op;
    double num;
    const char *text;
    size_t who;
} step;

#define TIER(name)               \
    {                            \
        'T', name, 0, 0, NULL, 0 \
    }
#define RULE(tier, name)            \
    {                               \
        'R', name, 0, 0, NULL, tier \
    }
#define NUM(column, op, v)          \
    {                               \
        'N', column, op, v, NULL, 0 \
    }
#define LABEL(column, op, text)     \
    {                               \
        'L', column, op, 0, text, 0 \
    }
#define ATTR_NUM(who, name, v)     \
    {                              \
        'n', name, 0, v, NULL, who \
    }
#define ATTR_TEXT(who, name, text) \
    {                              \
        's', name, 0, 0, text, who \
    }

/* A placement case: customers with model outputs x, y (numbers) and k (labels: red, green,
 * blue), the policy's steps, and what the run must give: its status and, for a failed run, parts
 * of the error text (the result then holds nothing); for a successful run, each customer's tier
 * (NULL: none) and reason. `also` checks more after a successful run. */
typedef struct placement {
    size_t n;
    double x[4], y[4];
    int32_t k[4];
    step steps[20];
    int status;
    const char *error[2];
    struct {
        const char *tier, *reason;
    } want[4];
    void (*also)(const fixture *f);
} placement;

static void run_placement(const placement *c)
{
    tier_policy *p = policy_new();
    fixture f;
    size_t i, tiers = 0, rules = 0, t = 0, r = 0;
    fixture_init(&f, c->n, c->x, c->y, c->k);
    for (i = 0; i < TST_COUNT(c->steps) && c->steps[i].kind; i++) {
        const step *s = &c->steps[i];
        switch (s->kind) {
        case 'T':
            assert_int_equal(tier_policy_add_tier(p, s->name, &t), TIER_OK);
            assert_int_equal(t, tiers++); /* tiers and rules are numbered in order */
            break;
        case 'R':
            assert_int_equal(tier_policy_add_rule(p, s->who, s->name, &r), TIER_OK);
            /* Rules are numbered tier by tier: the index names the rule just added. */
            assert_string_equal(tier_policy_rule_name(p, r), s->name);
            assert_int_equal(tier_policy_rule_count(p), ++rules);
            break;
        case 'N':
            assert_int_equal(tier_policy_where_number(p, r, s->name, s->op, s->num), TIER_OK);
            break;
        case 'L':
            assert_int_equal(tier_policy_where_label(p, r, s->name, s->op, s->text), TIER_OK);
            break;
        case 'n':
            assert_int_equal(tier_book_set_number(f.book, s->who, s->name, s->num), TIER_OK);
            break;
        default:
            assert_int_equal(tier_book_set_text(f.book, s->who, s->name, s->text), TIER_OK);
            break;
        }
    }
    assert_int_equal(fixture_run(&f, p), c->status);
    if (c->status != TIER_OK) {
        for (i = 0; i < TST_COUNT(c->error) && c->error[i]; i++)
            tst_expect_parts(tier_result_last_error(f.result), &c->error[i], 1);
        assert_null(tier_result_frame(f.result));
        assert_int_equal(tier_result_customer_count(f.result), 0);
    }
    for (i = 0; c->status == TIER_OK && i < c->n; i++)
        assert_tier(&f, i, c->want[i].tier, c->want[i].reason);
    if (c->also)
        c->also(&f);
    tier_policy_free(p);
    fixture_free(&f);
}

static void test_placement(void **state)
{
    run_placement(*state);
}

/* Rules that share a name give one reason label. */
static void one_reason_label(const fixture *f)
{
    const tier_frame *frame = tier_result_frame(f->result);
    size_t col;
    assert_int_equal(tier_frame_find(frame, "reason", &col), TIER_OK);
    assert_int_equal(tier_frame_label_count(frame, col), 1);
}

/* The silver rule is added first and would hold for x = 12 too: tier order decides. */
static const placement first_matching_tier_wins = {
    4,
    {12, 7, 3, 10},
    {0},
    {0},
    {TIER("gold"), TIER("silver"), RULE(1, "x at least 5"), NUM("t.x", TIER_OP_GE, 5),
     RULE(0, "x at least 10"), NUM("t.x", TIER_OP_GE, 10)},
    TIER_OK,
    {NULL},
    {{"gold", "x at least 10"}, {"silver", "x at least 5"}, {NULL, ""}, {"gold", "x at least 10"}},
    NULL};

/* When both rules hold the first is the reason. */
static const placement rules_of_a_tier_are_alternatives = {
    4,
    {12, 1, 1, 20},
    {0, 5, 1, 9},
    {0},
    {TIER("hot"), RULE(0, "big"), NUM("t.x", TIER_OP_GE, 10), RULE(0, "loyal"),
     NUM("t.y", TIER_OP_GE, 3)},
    TIER_OK,
    {NULL},
    {{"hot", "big"}, {"hot", "loyal"}, {NULL, ""}, {"hot", "big"}},
    NULL};

/* y = 2 is not < 2; x = 4 is not > 4. */
static const placement conditions_of_a_rule_must_all_hold = {
    4,
    {6, 6, 4, 5},
    {1, 2, 1, 1.5},
    {0},
    {TIER("T"), RULE(0, "x>4 and y<2"), NUM("t.x", TIER_OP_GT, 4), NUM("t.y", TIER_OP_LT, 2)},
    TIER_OK,
    {NULL},
    {{"T", "x>4 and y<2"}, {NULL, ""}, {NULL, ""}, {"T", "x>4 and y<2"}},
    NULL};

/* Customer 0: x is NaN and k has no label, so nothing holds (not even !=). Customer 1: 1 < 7
 * holds first. */
static const placement missing_values_fail_every_comparison = {
    2,
    {NAN, 1},
    {0},
    {-1, 0},
    {TIER("num"), RULE(0, "op1"), NUM("t.x", TIER_OP_LT, 7), RULE(0, "op2"),
     NUM("t.x", TIER_OP_LE, 7), RULE(0, "op3"), NUM("t.x", TIER_OP_EQ, 7), RULE(0, "op4"),
     NUM("t.x", TIER_OP_NE, 7), RULE(0, "op5"), NUM("t.x", TIER_OP_GE, 7), RULE(0, "op6"),
     NUM("t.x", TIER_OP_GT, 7), TIER("label"), RULE(1, "k is red"), LABEL("t.k", TIER_OP_EQ, "red"),
     RULE(1, "k is not red"), LABEL("t.k", TIER_OP_NE, "red")},
    TIER_OK,
    {NULL},
    {{NULL, ""}, {"num", "op1"}},
    NULL};

/* A text that is not among the labels equals nothing. */
static const placement compares_labels_with_eq_and_ne = {
    4,
    {0},
    {0},
    {0, 1, 2, -1},
    {TIER("R"), RULE(0, "red"), LABEL("t.k", TIER_OP_EQ, "red"), RULE(0, "purple"),
     LABEL("t.k", TIER_OP_EQ, "purple"), TIER("notblue"), RULE(1, "not blue"),
     LABEL("t.k", TIER_OP_NE, "blue"), TIER("notpurple"), RULE(2, "not purple"),
     LABEL("t.k", TIER_OP_NE, "purple")},
    TIER_OK,
    {NULL},
    {{"R", "red"}, {"notblue", "not blue"}, {"notpurple", "not purple"}, {NULL, ""}},
    NULL};

/* Customer 3 has neither attribute: unset attributes compare false, even with !=. */
static const placement reads_numeric_and_text_attributes = {
    4,
    {0},
    {0},
    {0},
    {ATTR_NUM(0, "employees", 500), ATTR_NUM(1, "employees", 20),
     ATTR_TEXT(1, "industry", "retail"), ATTR_TEXT(2, "industry", "mining"), TIER("large"),
     RULE(0, "200+ employees"), NUM("attr.employees", TIER_OP_GE, 200), TIER("retail"),
     RULE(1, "industry retail"), LABEL("attr.industry", TIER_OP_EQ, "retail"), TIER("other"),
     RULE(2, "industry not retail"), LABEL("attr.industry", TIER_OP_NE, "retail"),
     RULE(2, "employees not 500"), NUM("attr.employees", TIER_OP_NE, 500)},
    TIER_OK,
    {NULL},
    {{"large", "200+ employees"},
     {"retail", "industry retail"},
     {"other", "industry not retail"},
     {NULL, ""}},
    NULL};

/* A tier without rules is never used. */
static const placement rule_without_conditions_always_holds = {
    2,
    {1, NAN},
    {0},
    {0, -1},
    {TIER("first"), TIER("rest"), RULE(1, "everyone else")},
    TIER_OK,
    {NULL},
    {{"rest", "everyone else"}, {"rest", "everyone else"}},
    NULL};

static const placement rules_may_share_a_name_and_report_it_as_the_reason = {
    3,
    {20, 5, 1},
    {0},
    {0},
    {TIER("hi"), RULE(0, "by size"), NUM("t.x", TIER_OP_GE, 10), TIER("mid"), RULE(1, "by size"),
     NUM("t.x", TIER_OP_GE, 3)},
    TIER_OK,
    {NULL},
    {{"hi", "by size"}, {"mid", "by size"}, {NULL, ""}},
    one_reason_label};

static const placement unknown_column_fails_the_run_naming_rule_and_column = {
    1,
    {1},
    {0},
    {0},
    {TIER("T"), RULE(0, "needs rfm"), NUM("rfm.r_score", TIER_OP_GE, 3)},
    TIER_ENOTFOUND,
    {"needs rfm", "rfm.r_score"},
    {{NULL, NULL}},
    NULL};

static const placement label_condition_on_a_number_column_is_rejected = {
    1,
    {1},
    {0},
    {0},
    {TIER("T"), RULE(0, "x as text"), LABEL("t.x", TIER_OP_EQ, "1")},
    TIER_EINVAL,
    {"t.x"},
    {{NULL, NULL}},
    NULL};

static const placement number_condition_on_a_label_column_is_rejected = {
    1,
    {1},
    {0},
    {0},
    {TIER("T"), RULE(0, "k as number"), NUM("t.k", TIER_OP_EQ, 1)},
    TIER_EINVAL,
    {"t.k"},
    {{NULL, NULL}},
    NULL};

static const placement run_rejects_a_policy_without_tiers = {
    1, {1}, {0}, {0}, {{0, NULL, 0, 0, NULL, 0}}, TIER_EINVAL, {"no tiers"}, {{NULL, NULL}}, NULL};

#define PLACEMENT(name) TST_CASE("test_policy_" #name, test_placement, &name)

static void test_policy_number_operators_compare_exactly(void **state)
{
    static const int ops[] = {TIER_OP_LT, TIER_OP_LE, TIER_OP_EQ,
                              TIER_OP_NE, TIER_OP_GE, TIER_OP_GT};
    /* Expected match of x = 2, 3, 4 against 3 for each operator. */
    static const int want[6][3] = {{1, 0, 0}, {1, 1, 0}, {0, 1, 0},
                                   {1, 0, 1}, {0, 1, 1}, {0, 0, 1}};
    size_t o, i;
    (void)state;
    for (o = 0; o < 6; o++) {
        placement c = {3,      {2, 3, 4},      {0}, {0}, {TIER("T"), RULE(0, "r")}, TIER_OK,
                       {NULL}, {{NULL, NULL}}, NULL};
        c.steps[2].kind = 'N';
        c.steps[2].name = "t.x";
        c.steps[2].op = ops[o];
        c.steps[2].num = 3;
        for (i = 0; i < 3; i++) {
            c.want[i].tier = want[o][i] ? "T" : NULL;
            c.want[i].reason = want[o][i] ? "r" : "";
        }
        run_placement(&c);
    }
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

static void test_policy_builtin_is_the_documented_sabc_policy(void **state)
{
    tier_policy *p = NULL;
    (void)state;
    assert_int_equal(tier_policy_new_builtin(&p, "no-such-policy", TST_ALLOC), TIER_ENOTFOUND);
    assert_null(p);
    assert_int_equal(tier_policy_new_builtin(&p, "pareto-sabc", TST_ALLOC), TIER_OK);
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
    assert_int_equal(tier_policy_new_builtin(&p, "b2b-sabc", TST_ALLOC), TIER_OK);
    tier_policy_free(p);
}

static void test_policy_describe_lists_tiers_rules_and_conditions(void **state)
{
    tier_policy *p = policy_new();
    tier_text *text = NULL;
    size_t t, r;
    (void)state;
    assert_int_equal(tier_text_new(&text, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "gold", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "say \"big\"", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "clv.value", TIER_OP_GT, 0.1), TIER_OK);
    assert_int_equal(tier_policy_where_label(p, r, "attr.region", TIER_OP_NE, "north"), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, "rfm.f", TIER_OP_LE, -2.5e-7), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "empty", &t), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "rest", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "else", &r), TIER_OK);
    assert_int_equal(tier_policy_describe(p, text), TIER_OK);
    /* The policy file format (docs/policy-format.md): a rule without conditions always holds
     * and has no `when`; a tier name that is not a plain name is quoted. */
    assert_string_equal(tier_text_data(text),
                        "libtier-policy 1\n"
                        "\n"
                        "tier gold {\n"
                        "    rule \"say \\\"big\\\"\" when clv.value > 0.1 and attr.region != "
                        "\"north\" and rfm.f <= -2.5e-7\n"
                        "}\n"
                        "\n"
                        "tier empty {\n"
                        "}\n"
                        "\n"
                        "tier rest {\n"
                        "    rule \"else\"\n"
                        "}\n");
    tier_text_free(text);
    tier_policy_free(p);
}

static void test_policy_describe_of_builtin_states_every_rule(void **state)
{
    tier_policy *p = NULL;
    tier_text *text = NULL;
    (void)state;
    assert_int_equal(tier_text_new(&text, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_new_builtin(&p, "pareto-sabc", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_append(text, "> ", 2), TIER_OK);
    assert_int_equal(tier_policy_describe(p, text), TIER_OK);
    assert_string_equal(
        tier_text_data(text),
        "> libtier-policy 1\n"
        "name \"pareto-sabc\"\n"
        "description \"the 0.1 default: S = Pareto class A; A = class B with r_score >= 3 and "
        "f_score >= 3; B = rest of class B; C = the rest\"\n"
        "\n"
        "model rfm = rfm\n"
        "model pareto = pareto\n"
        "\n"
        "tier S {\n"
        "    rule \"pareto class A (top revenue share)\" when pareto.class == \"A\"\n"
        "}\n"
        "\n"
        "tier A {\n"
        "    rule \"pareto class B, engaged (r_score>=3, f_score>=3)\" when "
        "pareto.class == \"B\" and rfm.r_score >= 3 and rfm.f_score >= 3\n"
        "}\n"
        "\n"
        "tier B {\n"
        "    rule \"pareto class B, low engagement\" when pareto.class == \"B\" and not "
        "(rfm.r_score >= 3 and rfm.f_score >= 3)\n"
        "}\n"
        "\n"
        "tier C {\n"
        "    rule \"rest (pareto class C or no purchases)\" when true\n"
        "}\n");
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
    rc = tier_policy_new_builtin(&p, "pareto-sabc", alloc);
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

TST_MAIN(PLACEMENT(first_matching_tier_wins), PLACEMENT(rules_of_a_tier_are_alternatives),
         PLACEMENT(conditions_of_a_rule_must_all_hold),
         cmocka_unit_test(test_policy_number_operators_compare_exactly),
         PLACEMENT(missing_values_fail_every_comparison), PLACEMENT(compares_labels_with_eq_and_ne),
         PLACEMENT(reads_numeric_and_text_attributes),
         PLACEMENT(rule_without_conditions_always_holds),
         PLACEMENT(rules_may_share_a_name_and_report_it_as_the_reason),
         PLACEMENT(unknown_column_fails_the_run_naming_rule_and_column),
         PLACEMENT(label_condition_on_a_number_column_is_rejected),
         PLACEMENT(number_condition_on_a_label_column_is_rejected),
         cmocka_unit_test(test_policy_rejects_bad_arguments_and_stays_unchanged),
         PLACEMENT(run_rejects_a_policy_without_tiers),
         cmocka_unit_test(test_policy_builtin_is_the_documented_sabc_policy),
         cmocka_unit_test(test_policy_describe_lists_tiers_rules_and_conditions),
         cmocka_unit_test(test_policy_describe_of_builtin_states_every_rule),
         TST_OOM_WALK(test_policy_survives_every_allocation_failure, build_and_describe, NULL, 10))
