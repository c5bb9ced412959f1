/* SPDX-License-Identifier: MIT */
/* The evaluator of policy expressions (src/policy/eval/eval.h) on trees built here by hand: every
 * operator, the missing-value rules, the functions (abc with its thresholds and id ties,
 * pct_rank with ties, min, max, abs, coalesce), windows over days and calendar months, lets,
 * attributes, `tier`, and the errors. Expected values are worked out by hand in the comments. */
#include <string.h>

#include "support.h"

#include "policy/eval/eval.h"

/* ---- trees ---------------------------------------------------------------------------------- */

/* Nodes and argument lists come from fixed pools, reset by each test: no allocation. */
static tier__pexpr pool[256];
static tier__pexpr *argpool[512];
static size_t used, argused;

static tier__pexpr *node(int kind, int op)
{
    tier__pexpr *e;
    assert_true(used < TST_COUNT(pool));
    e = &pool[used++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->op = op;
    return e;
}

static tier__pexpr **args(size_t n)
{
    tier__pexpr **a;
    assert_true(argused + n <= TST_COUNT(argpool));
    a = &argpool[argused];
    argused += n;
    return a;
}

static tier__pexpr *num(double v)
{
    tier__pexpr *e = node(TIER__PX_NUMBER, 0);
    e->num = v;
    return e;
}

static tier__pexpr *txt(const char *s)
{
    tier__pexpr *e = node(TIER__PX_TEXT, 0);
    e->text = (char *)s;
    return e;
}

static tier__pexpr *ref(const char *s)
{
    tier__pexpr *e = node(TIER__PX_REF, 0);
    e->text = (char *)s;
    return e;
}

static tier__pexpr *bin(int op, tier__pexpr *l, tier__pexpr *r)
{
    tier__pexpr *e = node(TIER__PX_BINARY, op);
    e->args = args(2);
    e->args[0] = l;
    e->args[1] = r;
    e->n_args = 2;
    return e;
}

static tier__pexpr *un(int op, tier__pexpr *x)
{
    tier__pexpr *e = node(TIER__PX_UNARY, op);
    e->args = args(1);
    e->args[0] = x;
    e->n_args = 1;
    return e;
}

/* A node of `kind` (IN, BETWEEN, MISSING, CALL) over n arguments. */
static tier__pexpr *many(int kind, int op, const char *name, size_t n, ...)
{
    tier__pexpr *e = node(kind, op);
    va_list ap;
    size_t i;
    e->text = (char *)name;
    e->args = args(n);
    e->n_args = n;
    va_start(ap, n);
    for (i = 0; i < n; i++)
        e->args[i] = va_arg(ap, tier__pexpr *);
    va_end(ap);
    return e;
}

static tier__pexpr *at(tier__pexpr *e, int line, int col)
{
    e->line = line;
    e->col = col;
    return e;
}

/* ---- the fixture ---------------------------------------------------------------------------- */

/* Five customers c1..c5, each with one purchase, and a frame of a model "m":
 *   m.x = 3, NaN, 1, 5, 0        m.y = 2, 2, NaN, 5, -1
 *   m.k = red, green, (none), blue, red
 *   m.v = 40, 30, 20, 10, 0      (for abc: total 100)
 * attributes: size = 10, (unset), 30, 40, 50; region = north, south, west, north, (unset);
 * color = red, red, blue, blue, (unset). */
typedef struct fx {
    tier_book *book;
    tier_frame *frame;
    tier__pol pol;
    tier__ectx *ctx;
    char err[TIER__ERR_SIZE];
} fx;

static const char *const k_labels[] = {"red", "green", "blue"};

static void fx_frame(fx *f)
{
    static const double x[] = {3, NAN, 1, 5, 0}, y[] = {2, 2, NAN, 5, -1},
                        v[] = {40, 30, 20, 10, 0};
    static const int32_t k[] = {0, 1, -1, 2, 0};
    double *col;
    int32_t *codes;
    size_t i;
    f->frame = tst_frame_with(f->book, "m.x", x, TST_ALLOC);
    assert_int_equal(tier_frame_add_numbers(f->frame, "m.y", &col), TIER_OK);
    memcpy(col, y, sizeof y);
    assert_int_equal(tier_frame_add_numbers(f->frame, "m.v", &col), TIER_OK);
    memcpy(col, v, sizeof v);
    assert_int_equal(tier_frame_add_labels(f->frame, "m.k", k_labels, 3, &codes), TIER_OK);
    for (i = 0; i < 5; i++)
        codes[i] = k[i];
}

static void fx_init(fx *f, const tier__pol *pol, double as_of)
{
    static const tst_txn rows[] = {
        {"c1", 0, 1}, {"c2", 0, 1}, {"c3", 0, 1}, {"c4", 0, 1}, {"c5", 0, 1}};
    static const double size[] = {10, NAN, 30, 40, 50};
    static const char *const region[] = {"north", "south", "west", "north", NULL};
    static const char *const color[] = {"red", "red", "blue", "blue", NULL};
    size_t i;
    memset(f, 0, sizeof *f);
    used = argused = 0;
    f->book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    for (i = 0; i < 5; i++) {
        if (!isnan(size[i]))
            assert_int_equal(tier_book_set_number(f->book, i, "size", size[i]), TIER_OK);
        if (region[i])
            assert_int_equal(tier_book_set_text(f->book, i, "region", region[i]), TIER_OK);
        if (color[i])
            assert_int_equal(tier_book_set_text(f->book, i, "color", color[i]), TIER_OK);
    }
    fx_frame(f);
    if (pol)
        f->pol = *pol;
    assert_int_equal(
        tier__ectx_new(&f->ctx, TST_ALLOC, &f->pol, f->book, f->frame, NULL, as_of, f->err),
        TIER_OK);
}

static void fx_free(fx *f)
{
    tier__ectx_free(f->ctx);
    tier_frame_free(f->frame);
    tier_book_free(f->book);
}

/* Numbers compared exactly, NaN equal to NaN. */
static void expect_numbers(fx *f, const tier__pexpr *e, const double *want, size_t n)
{
    double got[16];
    size_t i;
    assert_true(n <= TST_COUNT(got));
    if (tier__eval_number(f->ctx, e, got, f->err) != TIER_OK)
        fail_msg("evaluation failed: %s", f->err);
    for (i = 0; i < n; i++) {
        if (isnan(want[i]) ? !isnan(got[i]) : !(got[i] == want[i]))
            fail_msg("row %zu: got %.17g, want %.17g", i, got[i], want[i]);
    }
}

static void expect_near(fx *f, const tier__pexpr *e, const double *want, size_t n)
{
    double got[16];
    size_t i;
    assert_int_equal(tier__eval_number(f->ctx, e, got, f->err), TIER_OK);
    for (i = 0; i < n; i++) {
        if (isnan(want[i]))
            assert_true(isnan(got[i]));
        else
            tst_assert_abs(got[i], want[i], 1e-12);
    }
}

/* Bools as a string of 0 and 1 per row. */
static void expect_bools(fx *f, const tier__pexpr *e, const char *want)
{
    unsigned char got[16];
    char s[17];
    size_t i, n = strlen(want);
    if (tier__eval_bool(f->ctx, e, got, f->err) != TIER_OK)
        fail_msg("evaluation failed: %s", f->err);
    for (i = 0; i < n; i++)
        s[i] = got[i] ? '1' : '0';
    s[n] = '\0';
    assert_string_equal(s, want);
}

/* Texts joined by '|', "-" for missing. */
static void expect_texts(fx *f, const tier__pexpr *e, const char *want)
{
    int32_t codes[16];
    const char *const *texts = NULL;
    size_t nt = 0, i, n = tier__ectx_rows(f->ctx);
    char s[256] = "";
    if (tier__eval_text(f->ctx, e, codes, &texts, &nt, f->err) != TIER_OK)
        fail_msg("evaluation failed: %s", f->err);
    for (i = 0; i < n; i++) {
        if (i)
            strcat(s, "|");
        if (codes[i] < 0) {
            strcat(s, "-");
        } else {
            assert_true((size_t)codes[i] < nt);
            strcat(s, texts[codes[i]]);
        }
    }
    assert_string_equal(s, want);
}

/* ---- operators ------------------------------------------------------------------------------ */

static void test_eval_arithmetic_propagates_missing_and_division_by_zero_is_missing(void **state)
{
    fx f;
    (void)state;
    fx_init(&f, NULL, NAN);
    {
        const double add[] = {5, NAN, NAN, 10, -1}, sub[] = {1, NAN, NAN, 0, 1},
                     mul[] = {6, NAN, NAN, 25, -0.0}, div[] = {1.5, NAN, NAN, 1, -0.0},
                     rdiv[] = {2.0 / 3, NAN, NAN, 1, NAN}, by0[] = {NAN, NAN, NAN, NAN, NAN},
                     neg[] = {-3, NAN, -1, -5, 0}, mix[] = {7, NAN, 3, 11, 1};
        expect_numbers(&f, bin(TIER__POP_ADD, ref("m.x"), ref("m.y")), add, 5);
        expect_numbers(&f, bin(TIER__POP_SUB, ref("m.x"), ref("m.y")), sub, 5);
        expect_numbers(&f, bin(TIER__POP_MUL, ref("m.x"), ref("m.y")), mul, 5);
        expect_numbers(&f, bin(TIER__POP_DIV, ref("m.x"), ref("m.y")), div, 5);
        /* y / x: 0 in the last row divides by zero */
        expect_near(&f, bin(TIER__POP_DIV, ref("m.y"), ref("m.x")), rdiv, 5);
        expect_numbers(&f, bin(TIER__POP_DIV, ref("m.x"), num(0)), by0, 5);
        expect_numbers(&f, un(TIER__POP_NEG, ref("m.x")), neg, 5);
        /* 2 * x + 1, scalar on either side */
        expect_numbers(&f, bin(TIER__POP_ADD, bin(TIER__POP_MUL, num(2), ref("m.x")), num(1)), mix,
                       5);
    }
    fx_free(&f);
}

static void test_eval_comparisons_with_missing_are_false(void **state)
{
    fx f;
    (void)state;
    fx_init(&f, NULL, NAN);
    /* x = 3, NaN, 1, 5, 0 against y = 2, 2, NaN, 5, -1 */
    expect_bools(&f, bin(TIER__POP_LT, ref("m.x"), ref("m.y")), "00000");
    expect_bools(&f, bin(TIER__POP_LE, ref("m.x"), ref("m.y")), "00010");
    expect_bools(&f, bin(TIER__POP_EQ, ref("m.x"), ref("m.y")), "00010");
    expect_bools(&f, bin(TIER__POP_NE, ref("m.x"), ref("m.y")), "10001");
    expect_bools(&f, bin(TIER__POP_GT, ref("m.x"), ref("m.y")), "10001");
    expect_bools(&f, bin(TIER__POP_GE, ref("m.x"), ref("m.y")), "10011");
    /* against a number, on both sides */
    expect_bools(&f, bin(TIER__POP_NE, ref("m.x"), num(3)), "00111");
    expect_bools(&f, bin(TIER__POP_GT, num(2), ref("m.x")), "00101");
    /* not turns false into true, so a missing x is "not (x > 2)" */
    expect_bools(&f, un(TIER__POP_NOT, bin(TIER__POP_GT, ref("m.x"), num(2))), "01101");
    expect_bools(&f,
                 bin(TIER__POP_AND, bin(TIER__POP_GE, ref("m.x"), num(1)),
                     bin(TIER__POP_GE, ref("m.y"), num(2))),
                 "10010");
    expect_bools(&f,
                 bin(TIER__POP_OR, bin(TIER__POP_GE, ref("m.x"), num(4)),
                     bin(TIER__POP_LT, ref("m.y"), num(0))),
                 "00011");
    /* literal bools */
    {
        tier__pexpr *t = node(TIER__PX_BOOL, 0), *fl = node(TIER__PX_BOOL, 0);
        t->num = 1;
        expect_bools(&f, t, "11111");
        expect_bools(&f, bin(TIER__POP_AND, fl, bin(TIER__POP_GE, ref("m.x"), num(0))), "00000");
        expect_bools(&f, bin(TIER__POP_OR, t, bin(TIER__POP_GE, ref("m.x"), num(0))), "11111");
        expect_bools(&f, bin(TIER__POP_AND, t, bin(TIER__POP_GE, ref("m.x"), num(1))), "10110");
    }
    fx_free(&f);
}

static void test_eval_texts_compare_by_label_and_attribute(void **state)
{
    fx f;
    (void)state;
    fx_init(&f, NULL, NAN);
    /* k = red, green, -, blue, red */
    expect_bools(&f, bin(TIER__POP_EQ, ref("m.k"), txt("red")), "10001");
    expect_bools(&f, bin(TIER__POP_NE, ref("m.k"), txt("red")), "01010");
    expect_bools(&f, bin(TIER__POP_EQ, txt("red"), ref("m.k")), "10001");
    expect_bools(&f, bin(TIER__POP_EQ, ref("m.k"), txt("purple")), "00000");
    expect_bools(&f, bin(TIER__POP_NE, ref("m.k"), txt("purple")), "11011");
    /* region = north, south, west, north, - */
    expect_bools(&f, bin(TIER__POP_EQ, ref("attr.region"), txt("north")), "10010");
    expect_bools(&f, bin(TIER__POP_NE, ref("attr.region"), txt("north")), "01100");
    /* a column against a column of another dictionary: color = red, red, blue, blue, - */
    expect_bools(&f, bin(TIER__POP_EQ, ref("m.k"), ref("attr.color")), "10010");
    expect_bools(&f, bin(TIER__POP_NE, ref("m.k"), ref("attr.color")), "01000");
    expect_texts(&f, ref("attr.region"), "north|south|west|north|-");
    fx_free(&f);
}

static void test_eval_in_between_and_is_missing(void **state)
{
    fx f;
    (void)state;
    fx_init(&f, NULL, NAN);
    expect_bools(&f, many(TIER__PX_IN, 0, NULL, 3, ref("m.k"), txt("red"), txt("blue")), "10011");
    expect_bools(&f, many(TIER__PX_IN, TIER__POP_NOT, NULL, 2, ref("m.k"), txt("red")), "01010");
    expect_bools(&f, many(TIER__PX_IN, 0, NULL, 2, ref("m.k"), txt("purple")), "00000");
    expect_bools(&f, many(TIER__PX_IN, 0, NULL, 3, ref("m.x"), num(1), num(5)), "00110");
    expect_bools(&f, many(TIER__PX_IN, TIER__POP_NOT, NULL, 3, ref("m.x"), num(1), num(5)),
                 "10001");
    /* inclusive at both ends; NaN is in no range */
    expect_bools(&f, many(TIER__PX_BETWEEN, 0, NULL, 3, ref("m.x"), num(1), num(3)), "10100");
    expect_bools(&f, many(TIER__PX_BETWEEN, 0, NULL, 3, ref("m.x"), ref("m.y"), num(9)), "10011");
    expect_bools(&f, many(TIER__PX_MISSING, 0, NULL, 1, ref("m.x")), "01000");
    expect_bools(&f, many(TIER__PX_MISSING, TIER__POP_NOT, NULL, 1, ref("m.x")), "10111");
    expect_bools(&f, many(TIER__PX_MISSING, 0, NULL, 1, ref("m.k")), "00100");
    expect_bools(&f, many(TIER__PX_MISSING, 0, NULL, 1, ref("attr.size")), "01000");
    expect_bools(&f, many(TIER__PX_MISSING, 0, NULL, 1, ref("attr.region")), "00001");
    /* an attribute no customer has is missing, whatever it is compared with */
    expect_bools(&f, many(TIER__PX_MISSING, 0, NULL, 1, ref("attr.nosuch")), "11111");
    expect_bools(&f, bin(TIER__POP_EQ, ref("attr.nosuch"), txt("a")), "00000");
    expect_bools(&f, bin(TIER__POP_NE, ref("attr.nosuch"), num(1)), "00000");
    expect_bools(&f, bin(TIER__POP_GE, ref("attr.size"), num(30)), "00111");
    fx_free(&f);
}

/* Every operator with a constant on the left, on the right and on both sides: a constant side
 * is one value for every row, and two constants give one value for every row. */
static void test_eval_operators_with_constants_on_either_side(void **state)
{
    static const int cmp_ops[] = {TIER__POP_EQ, TIER__POP_NE, TIER__POP_LT,
                                  TIER__POP_LE, TIER__POP_GT, TIER__POP_GE};
    /* 3 OP x and x OP 3, x = 3, NaN, 1, 5, 0: a missing x makes every comparison false */
    static const char *const left3[] = {"10000", "00111", "00010", "10010", "00101", "10101"};
    static const char *const right3[] = {"10000", "00111", "00101", "10101", "00010", "10010"};
    /* 2 OP 3 and NaN OP 1 */
    static const char *const consts[] = {"00000", "11111", "11111", "11111", "00000", "00000"};
    fx f;
    size_t i;
    tier__pexpr *t, *fl;
    (void)state;
    fx_init(&f, NULL, NAN);
    {
        const double sub_l[] = {7, NAN, 9, 5, 10}, div_l[] = {4, NAN, 12, 2.4, NAN},
                     add_l[] = {4, NAN, 2, 6, 1}, sub_r[] = {1, NAN, -1, 3, -2},
                     mul_r[] = {-3, NAN, -1, -5, -0.0}, div_r[] = {1.5, NAN, 0.5, 2.5, 0},
                     six[] = {6, 6, 6, 6, 6}, quot[] = {1.5, 1.5, 1.5, 1.5, 1.5},
                     minus1[] = {-1, -1, -1, -1, -1}, nan5[] = {NAN, NAN, NAN, NAN, NAN},
                     five[] = {5, 5, 5, 5, 5};
        expect_numbers(&f, bin(TIER__POP_SUB, num(10), ref("m.x")), sub_l, 5);
        expect_numbers(&f, bin(TIER__POP_DIV, num(12), ref("m.x")), div_l, 5);
        expect_numbers(&f, bin(TIER__POP_ADD, num(1), ref("m.x")), add_l, 5);
        expect_numbers(&f, bin(TIER__POP_SUB, ref("m.x"), num(2)), sub_r, 5);
        expect_numbers(&f, bin(TIER__POP_MUL, ref("m.x"), num(-1)), mul_r, 5);
        expect_numbers(&f, bin(TIER__POP_DIV, ref("m.x"), num(2)), div_r, 5);
        expect_numbers(&f, bin(TIER__POP_MUL, num(2), num(3)), six, 5);
        expect_numbers(&f, bin(TIER__POP_DIV, num(6), num(4)), quot, 5);
        expect_numbers(&f, bin(TIER__POP_SUB, num(2), num(3)), minus1, 5);
        expect_numbers(&f, bin(TIER__POP_ADD, num(2), num(3)), five, 5);
        expect_numbers(&f, bin(TIER__POP_DIV, num(1), num(0)), nan5, 5);
    }
    for (i = 0; i < TST_COUNT(cmp_ops); i++) {
        expect_bools(&f, bin(cmp_ops[i], num(3), ref("m.x")), left3[i]);
        expect_bools(&f, bin(cmp_ops[i], ref("m.x"), num(3)), right3[i]);
        expect_bools(&f, bin(cmp_ops[i], num(2), num(3)), consts[i]);
        /* a missing constant: every comparison is false, != too */
        expect_bools(&f, bin(cmp_ops[i], num(NAN), num(1)), "00000");
    }
    /* two texts */
    expect_bools(&f, bin(TIER__POP_EQ, txt("red"), txt("red")), "11111");
    expect_bools(&f, bin(TIER__POP_NE, txt("red"), txt("red")), "00000");
    expect_bools(&f, bin(TIER__POP_NE, txt("red"), txt("blue")), "11111");
    /* a text that is in neither dictionary compared with a column: false for every row */
    expect_bools(&f, bin(TIER__POP_EQ, ref("attr.nosuch"), ref("m.k")), "00000");
    /* two bools */
    t = node(TIER__PX_BOOL, 0);
    t->num = 1;
    fl = node(TIER__PX_BOOL, 0);
    expect_bools(&f, bin(TIER__POP_AND, t, fl), "00000");
    expect_bools(&f, bin(TIER__POP_AND, t, t), "11111");
    expect_bools(&f, bin(TIER__POP_OR, fl, t), "11111");
    expect_bools(&f, bin(TIER__POP_OR, fl, fl), "00000");
    expect_bools(&f, bin(TIER__POP_OR, fl, bin(TIER__POP_GE, ref("m.x"), num(3))), "10010");
    /* a constant in a list, between bounds, missing or not */
    expect_bools(&f, many(TIER__PX_IN, 0, NULL, 3, num(3), num(1), num(3)), "11111");
    expect_bools(&f, many(TIER__PX_IN, TIER__POP_NOT, NULL, 2, num(3), num(1)), "11111");
    expect_bools(&f, many(TIER__PX_IN, 0, NULL, 2, txt("red"), txt("red")), "11111");
    expect_bools(&f, many(TIER__PX_IN, 0, NULL, 2, txt("red"), txt("blue")), "00000");
    expect_bools(&f, many(TIER__PX_BETWEEN, 0, NULL, 3, num(2), ref("m.y"), num(9)), "11001");
    expect_bools(&f, many(TIER__PX_BETWEEN, 0, NULL, 3, num(2), num(1), ref("m.x")), "10010");
    expect_bools(&f, many(TIER__PX_MISSING, 0, NULL, 1, num(NAN)), "11111");
    expect_bools(&f, many(TIER__PX_MISSING, TIER__POP_NOT, NULL, 1, num(1)), "11111");
    expect_bools(&f, many(TIER__PX_MISSING, 0, NULL, 1, txt("red")), "00000");
    /* a bool is never missing */
    expect_bools(&f, many(TIER__PX_MISSING, 0, NULL, 1, bin(TIER__POP_GT, ref("m.x"), num(2))),
                 "00000");
    expect_bools(
        &f, many(TIER__PX_MISSING, TIER__POP_NOT, NULL, 1, bin(TIER__POP_GT, ref("m.x"), num(2))),
        "11111");
    fx_free(&f);
}

/* Type errors of hand-built trees (the parser refuses most of them earlier): each names its place
 * and what the operator takes. */
static void test_eval_type_errors_name_the_operator_and_the_operands(void **state)
{
    fx f;
    int type = 0;
    size_t i;
    tier__pexpr *t;
    (void)state;
    fx_init(&f, NULL, NAN);
    t = node(TIER__PX_BOOL, 0);
    t->num = 1;
    {
        tier__pexpr *bad_un = un(TIER__POP_NOT, ref("m.x")), *bad_neg = un(TIER__POP_NEG, t),
                    *one_arg = un(TIER__POP_NOT, t), *bad_op = bin(99, ref("m.x"), num(1)),
                    *bad_kind = node(99, 0);
        const struct {
            tier__pexpr *e;
            const char *err; /* "L:C: " when the error is the node's (TIER_EPARSE) */
        } cases[] = {
            {bad_un, "2:3: 'not' takes a bool, got m.x (a number)"},
            {bad_neg, "2:3: '-' takes a number, got a bool"},
            {many(TIER__PX_IN, 0, NULL, 1, ref("m.x")),
             "2:3: 'in' needs a list of at least one value"},
            {many(TIER__PX_IN, 0, NULL, 2, t, num(1)),
             "2:3: 'in' takes a number or a text, got a bool"},
            {many(TIER__PX_IN, 0, NULL, 2, ref("m.x"), ref("m.y")),
             "a list of 'in' holds numbers or strings"},
            {many(TIER__PX_IN, 0, NULL, 3, ref("m.x"), num(1), txt("a")),
             "'in' compares a number with a text"},
            {many(TIER__PX_BETWEEN, 0, NULL, 2, ref("m.x"), num(1)),
             "2:3: 'between' takes three operands"},
            {many(TIER__PX_BETWEEN, 0, NULL, 3, ref("m.x"), txt("a"), num(1)),
             "'between' takes numbers, got a text"},
            {many(TIER__PX_MISSING, 0, NULL, 2, ref("m.x"), ref("m.y")),
             "2:3: 'is missing' takes one operand"},
            {bad_op, "2:3: unknown operator 99"},
            {bad_kind, "2:3: unknown expression kind 99"},
            {ref(""), "2:3: empty reference"},
            {bin(TIER__POP_LT, ref("m.x"), txt("a")),
             "2:3: '<' compares numbers, got m.x (a number) and a text"},
            {bin(TIER__POP_EQ, t, t), "2:3: '==' compares two numbers or two texts, got a bool "
                                      "and a bool"},
        };
        one_arg->n_args = 0;
        for (i = 0; i < TST_COUNT(cases); i++) {
            /* an error of a list item or an operand names the place of that node, which the
             * cases leave without one: TIER_EINVAL */
            int want = strncmp(cases[i].err, "2:3: ", 5) == 0 ? TIER_EPARSE : TIER_EINVAL;
            int rc = tier__eval_type(f.ctx, at(cases[i].e, 2, 3), &type, f.err);
            if (rc != want || strcmp(f.err, cases[i].err) != 0)
                fail_msg("case %zu: status %d, \"%s\"; want %d, \"%s\"", i, rc, f.err, want,
                         cases[i].err);
        }
        assert_int_equal(tier__eval_type(f.ctx, at(one_arg, 4, 1), &type, f.err), TIER_EPARSE);
        assert_string_equal(f.err, "4:1: 'not' takes one operand");
        /* no place: TIER_EINVAL and the message alone */
        assert_int_equal(tier__eval_type(f.ctx, NULL, &type, f.err), TIER_EINVAL);
        assert_string_equal(f.err, "missing expression");
    }
    fx_free(&f);
}

/* The type errors of function calls, and functions of constants. */
static void test_eval_function_calls_check_their_arguments(void **state)
{
    fx f;
    int type = 0;
    size_t i;
    tier__pexpr *t;
    (void)state;
    fx_init(&f, NULL, NAN);
    t = node(TIER__PX_BOOL, 0);
    t->num = 1;
    {
        const struct {
            tier__pexpr *e;
            const char *err;
        } cases[] = {
            {many(TIER__PX_CALL, 0, "abc", 2, ref("m.v"), num(0.5)),
             "3:4: abc takes 1 or 3 arguments (x, a, b), got 2"},
            {many(TIER__PX_CALL, 0, "pct_rank", 2, ref("m.v"), ref("m.x")),
             "3:4: pct_rank takes 1 argument, got 2"},
            {many(TIER__PX_CALL, 0, "abs", 0), "3:4: abs takes 1 argument, got 0"},
            {many(TIER__PX_CALL, 0, "min", 0), "3:4: min takes at least 1 argument"},
            {many(TIER__PX_CALL, 0, "max", 2, ref("m.x"), ref("m.k")),
             "max takes numbers, got a text"},
            {many(TIER__PX_CALL, 0, "coalesce", 2, ref("m.x"), t),
             "coalesce takes numbers or texts, got a bool"},
            {many(TIER__PX_CALL, 0, "abc", 3, ref("m.v"), ref("m.x"), num(0.9)),
             "3:4: the thresholds of abc must be numbers such as 80%"},
            {many(TIER__PX_CALL, 0, "abc", 3, ref("m.v"), un(TIER__POP_NEG, num(0.5)), num(0.9)),
             "3:4: abc thresholds out of order: need 0 < a (-0.5) <= b (0.9) <= 1"},
        };
        for (i = 0; i < TST_COUNT(cases); i++) {
            int want = strncmp(cases[i].err, "3:4: ", 5) == 0 ? TIER_EPARSE : TIER_EINVAL;
            int rc = tier__eval_type(f.ctx, at(cases[i].e, 3, 4), &type, f.err);
            if (rc != want || strcmp(f.err, cases[i].err) != 0)
                fail_msg("case %zu: status %d, \"%s\"; want %d, \"%s\"", i, rc, f.err, want,
                         cases[i].err);
        }
    }
    /* functions of constants: one value for every row */
    {
        const double half[] = {0.5, 0.5, 0.5, 0.5, 0.5}, three[] = {3, 3, 3, 3, 3};
        expect_numbers(&f, many(TIER__PX_CALL, 0, "pct_rank", 1, num(7)), half, 5);
        expect_numbers(&f, many(TIER__PX_CALL, 0, "abs", 1, num(-3)), three, 5);
        expect_numbers(&f, many(TIER__PX_CALL, 0, "coalesce", 2, num(NAN), num(3)), three, 5);
        /* abc of one value for everyone: ties go by id; c4 reaches .8 (A), c5 reaches .95 (B) */
        expect_texts(&f, many(TIER__PX_CALL, 0, "abc", 1, num(1)), "A|A|A|A|B");
        /* the thresholds may be negated constants (refused above when out of order) */
        assert_int_equal(tier__eval_type(f.ctx,
                                         many(TIER__PX_CALL, 0, "abc", 3, ref("m.v"),
                                              un(TIER__POP_NEG, num(-0.5)), num(0.9)),
                                         &type, f.err),
                         TIER_OK);
        assert_int_equal(type, TIER__PT_TEXT);
    }
    fx_free(&f);
}

/* ---- functions ------------------------------------------------------------------------------ */

static void test_eval_min_max_abs_coalesce(void **state)
{
    fx f;
    (void)state;
    fx_init(&f, NULL, NAN);
    {
        const double ab[] = {2, 2, NAN, 5, 1}, mn[] = {2, 2, 1, 5, -1}, mx[] = {3, 2, 1, 5, 0},
                     co[] = {3, 2, 1, 5, 0}, co2[] = {2, 2, 1, 5, -1},
                     none[] = {NAN, NAN, NAN, NAN, NAN}, mn3[] = {2, 2, 1, 4, -1};
        expect_numbers(&f, many(TIER__PX_CALL, 0, "abs", 1, ref("m.y")), ab, 5);
        expect_numbers(&f, many(TIER__PX_CALL, 0, "min", 2, ref("m.x"), ref("m.y")), mn, 5);
        expect_numbers(&f, many(TIER__PX_CALL, 0, "max", 2, ref("m.x"), ref("m.y")), mx, 5);
        expect_numbers(&f, many(TIER__PX_CALL, 0, "min", 3, ref("m.x"), ref("m.y"), num(4)), mn3,
                       5);
        expect_numbers(&f, many(TIER__PX_CALL, 0, "coalesce", 3, ref("m.x"), ref("m.y"), num(7)),
                       co, 5);
        expect_numbers(&f, many(TIER__PX_CALL, 0, "coalesce", 3, ref("m.y"), ref("m.x"), num(7)),
                       co2, 5);
        /* c3: y and attr.nosuch missing, x = 1 */
        expect_numbers(&f, many(TIER__PX_CALL, 0, "max", 1, ref("attr.nosuch")), none, 5);
    }
    /* texts: k, else the region (c3 has no k: west), else "?" */
    expect_texts(&f, many(TIER__PX_CALL, 0, "coalesce", 2, ref("m.k"), ref("attr.region")),
                 "red|green|west|blue|red");
    expect_texts(&f, many(TIER__PX_CALL, 0, "coalesce", 2, ref("attr.region"), txt("?")),
                 "north|south|west|north|?");
    expect_bools(&f,
                 bin(TIER__POP_EQ,
                     many(TIER__PX_CALL, 0, "coalesce", 2, ref("attr.region"), txt("?")), txt("?")),
                 "00001");
    fx_free(&f);
}

static void test_eval_abc_by_the_pareto_rule_and_thresholds(void **state)
{
    fx f;
    (void)state;
    fx_init(&f, NULL, NAN);
    /* v = 40, 30, 20, 10, 0 of 100: cumulative .4, .7, .9, 1.0. Defaults .8/.95: A runs through
     * the customer whose share reaches .8 (c3 at .9), B through the one reaching .95 (c4); 0 is
     * C. */
    expect_texts(&f, many(TIER__PX_CALL, 0, "abc", 1, ref("m.v")), "A|A|A|B|C");
    /* .7/.9: c2 reaches .7 exactly (still A), c3 reaches .9 (B), c4 C */
    expect_texts(&f, many(TIER__PX_CALL, 0, "abc", 3, ref("m.v"), num(0.7), num(0.9)), "A|A|B|C|C");
    /* x = 3, NaN, 1, 5, 0 (total 9): 5 (.556) A, 3 (.889) A — reaches .8 — 1 (1.0) B; NaN and 0
     * are C */
    expect_texts(&f, many(TIER__PX_CALL, 0, "abc", 1, ref("m.x")), "A|C|B|A|C");
    /* negatives are C and do not count in the total: y = 2, 2, NaN, 5, -1 (total 9): 5 (.556) A,
     * then the 2s by id: c1 (.778) A, c2 (1.0) A — c2 is the one that reaches .8 */
    expect_texts(&f, many(TIER__PX_CALL, 0, "abc", 1, ref("m.y")), "A|A|C|A|C");
    expect_bools(&f,
                 many(TIER__PX_IN, 0, NULL, 3, many(TIER__PX_CALL, 0, "abc", 1, ref("m.v")),
                      txt("A"), txt("B")),
                 "11110");
    fx_free(&f);
}

static void test_eval_abc_ties_go_by_customer_id_not_book_order(void **state)
{
    /* Book order b, a, c, all with the value 1 (total 3). By id: a (1/3), b (2/3), c (1). With a
     * = 0.3, a alone reaches it (A); b and c are B (c reaches .9). Ties in book order would make b
     * the A. */
    static const tst_txn rows[] = {{"b", 0, 1}, {"a", 0, 1}, {"c", 0, 1}};
    static const double one[] = {1, 1, 1};
    tier__pol pol;
    tier__ectx *ctx = NULL;
    tier_book *book = tst_book_of(TST_ALLOC, rows, 3);
    tier_frame *frame = tst_frame_with(book, "m.v", one, TST_ALLOC);
    int32_t codes[3];
    const char *const *texts;
    size_t nt;
    char err[TIER__ERR_SIZE];
    (void)state;
    used = argused = 0;
    memset(&pol, 0, sizeof pol);
    assert_int_equal(tier__ectx_new(&ctx, TST_ALLOC, &pol, book, frame, NULL, NAN, err), TIER_OK);
    assert_int_equal(
        tier__eval_text(ctx, many(TIER__PX_CALL, 0, "abc", 3, ref("m.v"), num(0.3), num(0.9)),
                        codes, &texts, &nt, err),
        TIER_OK);
    assert_string_equal(texts[codes[0]], "B"); /* b */
    assert_string_equal(texts[codes[1]], "A"); /* a */
    assert_string_equal(texts[codes[2]], "B"); /* c */
    /* .5/.9: a (1/3) A, b (2/3, reaches .5) A, c B */
    assert_int_equal(
        tier__eval_text(ctx, many(TIER__PX_CALL, 0, "abc", 3, ref("m.v"), num(0.5), num(0.9)),
                        codes, &texts, &nt, err),
        TIER_OK);
    assert_string_equal(texts[codes[0]], "A");
    assert_string_equal(texts[codes[1]], "A");
    assert_string_equal(texts[codes[2]], "B");
    tier__ectx_free(ctx);
    tier_frame_free(frame);
    tier_book_free(book);
}

static void test_eval_pct_rank_counts_half_the_ties(void **state)
{
    fx f;
    (void)state;
    fx_init(&f, NULL, NAN);
    {
        /* x present for 4: 0, 1, 3, 5 -> (below + 1/2) / 4 */
        const double px[] = {2.5 / 4, NAN, 1.5 / 4, 3.5 / 4, 0.5 / 4};
        /* y present for 4: -1, 2, 2, 5; the two 2s: (1 + 2/2) / 4 */
        const double py[] = {0.5, 0.5, NAN, 3.5 / 4, 0.5 / 4};
        expect_numbers(&f, many(TIER__PX_CALL, 0, "pct_rank", 1, ref("m.x")), px, 5);
        expect_numbers(&f, many(TIER__PX_CALL, 0, "pct_rank", 1, ref("m.y")), py, 5);
    }
    fx_free(&f);
}

/* ---- windows and lets ----------------------------------------------------------------------- */

static void test_eval_windows_over_days_months_and_all(void **state)
{
    /* As of 2024-03-31. "over 1 months" starts on 2024-02-29 (31 Feb clamped); "over 30 days" on
     * 2024-03-01. Customer p: 2024-02-28 100 (before both), 2024-02-29 50 (months only),
     * 2024-03-01 20 and 2024-03-01 5 (both windows, one purchase day), 2024-03-31 1000 (on the
     * as-of day: never counts), refund 2024-03-10 -3. Customer q: 2023-01-01 7 only. */
    static const tst_txn_margin rows[] = {{"p", 0, 100, 10}, {"p", 0, 50, NAN}, {"p", 0, 20, 2},
                                          {"p", 0, 5, NAN},  {"p", 0, -3, NAN}, {"p", 0, 1000, NAN},
                                          {"q", 0, 7, NAN}};
    tst_txn_margin r[TST_COUNT(rows)];
    tier__pwindow win[6];
    tier__pol pol;
    tier__ectx *ctx = NULL;
    tier_book *book;
    tier_frame *frame;
    char err[TIER__ERR_SIZE];
    double v[2];
    size_t i;
    (void)state;
    used = argused = 0;
    memcpy(r, rows, sizeof rows);
    r[0].day = tst_day(2024, 2, 28);
    r[1].day = tst_day(2024, 2, 29);
    r[2].day = r[3].day = tst_day(2024, 3, 1);
    r[4].day = tst_day(2024, 3, 10);
    r[5].day = tst_day(2024, 3, 31);
    r[6].day = tst_day(2023, 1, 1);
    book = tst_book_with_margins(TST_ALLOC, r, TST_COUNT(r));
    frame = tst_frame_with(book, "m.v", (const double[]){0, 0}, TST_ALLOC);
    memset(win, 0, sizeof win);
    win[0] = (tier__pwindow){"rev_30d", TIER__PW_REVENUE, TIER__PW_DAYS, 30, 0, 0};
    win[1] = (tier__pwindow){"rev_1m", TIER__PW_REVENUE, TIER__PW_MONTHS, 1, 0, 0};
    win[2] = (tier__pwindow){"rev_all", TIER__PW_REVENUE, TIER__PW_ALL, 0, 0, 0};
    win[3] = (tier__pwindow){"rows_1m", TIER__PW_PURCHASES, TIER__PW_MONTHS, 1, 0, 0};
    win[4] = (tier__pwindow){"days_1m", TIER__PW_PURCHASE_DAYS, TIER__PW_MONTHS, 1, 0, 0};
    win[5] = (tier__pwindow){"margin_all", TIER__PW_MARGIN, TIER__PW_ALL, 0, 0, 0};
    memset(&pol, 0, sizeof pol);
    pol.windows = win;
    pol.n_windows = 6;
    assert_int_equal(
        tier__ectx_new(&ctx, TST_ALLOC, &pol, book, frame, NULL, (double)tst_day(2024, 3, 31), err),
        TIER_OK);
    {
        static const struct {
            const char *name;
            double p, q;
        } want[] = {{"rev_30d", 22, 0},       /* 20 + 5 - 3 */
                    {"rev_1m", 72, 0},        /* + 50 */
                    {"rev_all", 172, 7},      /* + 100, not the 1000 of the as-of day */
                    {"rows_1m", 3, 0},        /* purchases: 50, 20, 5 (the refund is no purchase) */
                    {"days_1m", 2, 0},        /* 02-29 and 03-01 */
                    {"margin_all", 12, NAN}}; /* q has no margin: missing */
        for (i = 0; i < TST_COUNT(want); i++) {
            if (tier__eval_number(ctx, ref(want[i].name), v, err) != TIER_OK)
                fail_msg("%s: %s", want[i].name, err);
            tst_assert_abs(v[0], want[i].p, 1e-9);
            if (isnan(want[i].q))
                assert_true(isnan(v[1]));
            else
                tst_assert_abs(v[1], want[i].q, 1e-9);
        }
    }
    tier__ectx_free(ctx);
    /* The default as-of day is the day after the last transaction (2024-04-01): the 1000 counts,
     * and 30 days start on 03-02. */
    assert_int_equal(tier__ectx_new(&ctx, TST_ALLOC, &pol, book, frame, NULL, NAN, err), TIER_OK);
    assert_int_equal(tier__eval_number(ctx, ref("rev_30d"), v, err), TIER_OK);
    tst_assert_abs(v[0], 997, 1e-9); /* -3 + 1000 */
    assert_int_equal(tier__eval_number(ctx, ref("rev_all"), v, err), TIER_OK);
    tst_assert_abs(v[0], 1172, 1e-9);
    tier__ectx_free(ctx);
    tier_frame_free(frame);
    tier_book_free(book);
}

static void test_eval_window_without_kept_transactions_is_a_state_error(void **state)
{
    static const tst_txn rows[] = {{"a", 100, 5}, {"a", 200, 7}};
    tier__pwindow win = {"recent", TIER__PW_REVENUE, TIER__PW_DAYS, 30, 4, 1};
    tier__pol pol;
    tier__ectx *ctx = NULL;
    tier_book *book = tst_book_without_txns(TST_ALLOC, rows, 2);
    tier_frame *frame = tst_frame_with(book, "m.v", (const double[]){0}, TST_ALLOC);
    char err[TIER__ERR_SIZE];
    double v[1];
    (void)state;
    used = argused = 0;
    memset(&pol, 0, sizeof pol);
    pol.windows = &win;
    pol.n_windows = 1;
    assert_int_equal(tier__ectx_new(&ctx, TST_ALLOC, &pol, book, frame, NULL, NAN, err), TIER_OK);
    assert_int_equal(tier__eval_number(ctx, at(ref("recent"), 9, 3), v, err), TIER_ESTATE);
    assert_non_null(strstr(err, "9:3: window 'recent': "));
    assert_non_null(strstr(err, "not kept"));
    /* over all needs no transactions: the running figures are exact */
    win.unit = TIER__PW_ALL;
    tier__ectx_free(ctx);
    assert_int_equal(tier__ectx_new(&ctx, TST_ALLOC, &pol, book, frame, NULL, NAN, err), TIER_OK);
    assert_int_equal(tier__eval_number(ctx, ref("recent"), v, err), TIER_OK);
    tst_assert_abs(v[0], 12, 1e-12);
    tier__ectx_free(ctx);
    tier_frame_free(frame);
    tier_book_free(book);
}

static void test_eval_lets_are_named_values_and_cached(void **state)
{
    fx f;
    tier__plet lets[2];
    tier__pol pol;
    const double twice[] = {8, NAN, 4, 12, 2};
    (void)state;
    memset(&pol, 0, sizeof pol);
    used = argused = 0;
    pol.lets = lets;
    pol.n_lets = 2;
    fx_init(&f, &pol, NAN);
    /* fx_init reset the pools: build the lets' trees now (the context reads them lazily) */
    lets[0] = (tier__plet){"plus1", bin(TIER__POP_ADD, ref("m.x"), num(1)), 1, 1};
    lets[1] = (tier__plet){"twice", bin(TIER__POP_MUL, ref("plus1"), num(2)), 2, 1};
    f.pol.lets = lets;
    expect_numbers(&f, ref("twice"), twice, 5);
    expect_numbers(&f, ref("twice"), twice, 5);
    expect_bools(&f, bin(TIER__POP_GE, ref("plus1"), num(4)), "10010");
    fx_free(&f);
}

/* ---- tier and errors ------------------------------------------------------------------------ */

static void test_eval_tier_is_known_once_set(void **state)
{
    fx f;
    static const int32_t tiers[] = {0, 1, -1, 1, 0};
    char *names[] = {"S", "A"};
    int type = 0;
    (void)state;
    fx_init(&f, NULL, NAN);
    assert_int_equal(tier__eval_type(f.ctx, at(ref("tier"), 4, 7), &type, f.err), TIER_EPARSE);
    assert_non_null(strstr(f.err, "4:7: 'tier' is known only once the tiers are placed"));
    tier__ectx_set_tiers(f.ctx, tiers, names, 2);
    expect_texts(&f, ref("tier"), "S|A|-|A|S");
    expect_bools(&f, bin(TIER__POP_EQ, ref("tier"), txt("A")), "01010");
    fx_free(&f);
}

static void test_eval_errors_name_the_place_and_what_was_expected(void **state)
{
    fx f;
    unsigned char b[5];
    double v[5];
    int type = 0;
    (void)state;
    fx_init(&f, NULL, NAN);
    /* a text compared with a number */
    assert_int_equal(
        tier__eval_bool(f.ctx, at(bin(TIER__POP_EQ, ref("m.k"), num(1)), 3, 12), b, f.err),
        TIER_EPARSE);
    assert_string_equal(f.err, "3:12: '==' compares two numbers or two texts, got m.k (a text) "
                               "and a number");
    /* built by calls (no position): TIER_EINVAL */
    assert_int_equal(tier__eval_bool(f.ctx, bin(TIER__POP_LT, ref("m.k"), num(1)), b, f.err),
                     TIER_EINVAL);
    assert_non_null(strstr(f.err, "m.k"));
    /* an unknown output lists the model's outputs */
    assert_int_equal(tier__eval_number(f.ctx, at(ref("m.zz"), 5, 2), v, f.err), TIER_ENOTFOUND);
    assert_string_equal(f.err, "5:2: unknown output 'm.zz' (model m has: x, y, v, k)");
    assert_int_equal(tier__eval_number(f.ctx, ref("rfm.r"), v, f.err), TIER_ENOTFOUND);
    assert_string_equal(f.err, "no column 'rfm.r' (no model wrote it)");
    assert_int_equal(tier__eval_number(f.ctx, at(ref("engaged"), 2, 9), v, f.err), TIER_ENOTFOUND);
    assert_non_null(strstr(f.err, "2:9: unknown name 'engaged'"));
    /* the wrong type for the whole */
    assert_int_equal(tier__eval_bool(f.ctx, at(ref("m.x"), 1, 1), b, f.err), TIER_EPARSE);
    assert_string_equal(f.err, "1:1: expected a bool expression, got a number");
    assert_int_equal(tier__eval_type(f.ctx,
                                     at(many(TIER__PX_CALL, 0, "median", 1, ref("m.x")), 6, 4),
                                     &type, f.err),
                     TIER_EPARSE);
    assert_non_null(strstr(f.err, "6:4: unknown function 'median'"));
    assert_int_equal(
        tier__eval_type(f.ctx, many(TIER__PX_CALL, 0, "abc", 3, ref("m.v"), num(0.9), num(0.5)),
                        &type, f.err),
        TIER_EINVAL);
    assert_non_null(strstr(f.err, "abc thresholds out of order"));
    assert_int_equal(
        tier__eval_type(f.ctx, bin(TIER__POP_AND, ref("m.x"), ref("m.y")), &type, f.err),
        TIER_EINVAL);
    assert_non_null(strstr(f.err, "'and' takes bools"));
    assert_int_equal(tier__eval_type(f.ctx,
                                     many(TIER__PX_CALL, 0, "coalesce", 2, ref("m.x"), ref("m.k")),
                                     &type, f.err),
                     TIER_EINVAL);
    assert_non_null(strstr(f.err, "coalesce takes arguments of one type"));
    fx_free(&f);
}

/* Every allocation of a whole evaluation can fail without leaking. */
static int oom_eval(const tier_allocator *a, void *ud)
{
    static const tst_txn rows[] = {{"c1", 1, 1}, {"c2", 2, 2}, {"c3", 3, 3}};
    static const double x[] = {3, NAN, 1};
    tier__pwindow win = {"w", TIER__PW_REVENUE, TIER__PW_DAYS, 2, 0, 0};
    tier__plet let;
    tier__pol pol;
    tier_book *book = ud;
    tier_frame *frame;
    tier__ectx *ctx = NULL;
    char err[TIER__ERR_SIZE];
    unsigned char out[3];
    int32_t codes[3];
    const char *const *texts;
    size_t nt;
    int rc;
    (void)rows;
    used = argused = 0;
    frame = tst_frame_with(book, "m.x", x, TST_ALLOC);
    memset(&pol, 0, sizeof pol);
    let = (tier__plet){"s", bin(TIER__POP_ADD, ref("m.x"), ref("w")), 0, 0};
    pol.windows = &win;
    pol.n_windows = 1;
    pol.lets = &let;
    pol.n_lets = 1;
    rc = tier__ectx_new(&ctx, a, &pol, book, frame, NULL, NAN, err);
    if (rc == TIER_OK)
        rc = tier__eval_bool(
            ctx,
            bin(TIER__POP_AND,
                many(TIER__PX_IN, 0, NULL, 2, many(TIER__PX_CALL, 0, "abc", 1, ref("s")), txt("A")),
                bin(TIER__POP_EQ, ref("attr.region"), ref("attr.region"))),
            out, err);
    if (rc == TIER_OK)
        rc = tier__eval_text(ctx,
                             many(TIER__PX_CALL, 0, "coalesce", 2, ref("attr.region"), txt("?")),
                             codes, &texts, &nt, err);
    if (rc == TIER_OK)
        rc = tier__eval_number(ctx, many(TIER__PX_CALL, 0, "pct_rank", 1, ref("s")), (double[3]){0},
                               err);
    tier__ectx_free(ctx);
    tier_frame_free(frame);
    return rc;
}

static tier_book *oom_book(const tier_allocator *a)
{
    static const tst_txn rows[] = {{"c1", 1, 1}, {"c2", 2, 2}, {"c3", 3, 3}};
    tier_book *book = tst_book_of(a, rows, 3);
    assert_int_equal(tier_book_set_text(book, 0, "region", "north"), TIER_OK);
    assert_int_equal(tier_book_set_text(book, 2, "region", "south"), TIER_OK);
    return book;
}

TST_MAIN(cmocka_unit_test(test_eval_arithmetic_propagates_missing_and_division_by_zero_is_missing),
         cmocka_unit_test(test_eval_comparisons_with_missing_are_false),
         cmocka_unit_test(test_eval_texts_compare_by_label_and_attribute),
         cmocka_unit_test(test_eval_in_between_and_is_missing),
         cmocka_unit_test(test_eval_operators_with_constants_on_either_side),
         cmocka_unit_test(test_eval_type_errors_name_the_operator_and_the_operands),
         cmocka_unit_test(test_eval_function_calls_check_their_arguments),
         cmocka_unit_test(test_eval_min_max_abs_coalesce),
         cmocka_unit_test(test_eval_abc_by_the_pareto_rule_and_thresholds),
         cmocka_unit_test(test_eval_abc_ties_go_by_customer_id_not_book_order),
         cmocka_unit_test(test_eval_pct_rank_counts_half_the_ties),
         cmocka_unit_test(test_eval_windows_over_days_months_and_all),
         cmocka_unit_test(test_eval_window_without_kept_transactions_is_a_state_error),
         cmocka_unit_test(test_eval_lets_are_named_values_and_cached),
         cmocka_unit_test(test_eval_tier_is_known_once_set),
         cmocka_unit_test(test_eval_errors_name_the_place_and_what_was_expected),
         TST_OOM_WALK(test_eval_survives_every_failed_allocation, oom_eval, oom_book, 10))
