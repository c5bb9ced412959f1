/* SPDX-License-Identifier: MIT */
/* The value scorecard: the worked example of docs/scorecard.md computed by hand (every
 * normalisation, every missing-value policy, a penalty and a veto), percentile ties, all-equal
 * values, one customer, an empty book, caps, bands, direction, grade bands, non-finite inputs,
 * missing columns, fit-once-score-new, the B2B default, the exact explanation and out of memory. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#define EPS 1e-9

/* One customer of a test book: id and up to 8 named numeric attributes (NaN = missing). */
typedef struct cust {
    const char *id;
    double v[8];
} cust;

static tier_book *book_of(const tier_allocator *a, const char *const *names, size_t nattr,
                          const cust *rows, size_t n)
{
    tier_book *book = NULL;
    size_t i, k, idx;
    assert_int_equal(tier_book_new(&book, a), TIER_OK);
    for (i = 0; i < n; i++) {
        assert_int_equal(tier_book_add_customer(book, rows[i].id, strlen(rows[i].id), &idx),
                         TIER_OK);
        for (k = 0; k < nattr; k++)
            assert_int_equal(tier_book_set_number(book, idx, names[k], rows[i].v[k]), TIER_OK);
    }
    return book;
}

static void expect_scores(const tier_frame *f, const char *name, const double *want, size_t n)
{
    char full[64];
    const double *s;
    size_t i;
    snprintf(full, sizeof full, "%s.score", name);
    s = tst_numbers(f, full);
    for (i = 0; i < n; i++) {
        if (isnan(want[i])) {
            if (!isnan(s[i]))
                fail_msg("customer %lu: score %.17g, want missing", (unsigned long)i, s[i]);
        } else if (!(fabs(s[i] - want[i]) < EPS)) {
            fail_msg("customer %lu: score %.17g, want %.17g", (unsigned long)i, s[i], want[i]);
        }
    }
}

/* Adds factor `name` over `column` in `group` with `norm`, higher being better and a missing value
 * counting as zero; returns the status of tier_scorecard_add_factor. */
static int add_plain_factor(tier_model *m, const char *name, const char *column, double weight,
                            int group, int norm)
{
    return tier_scorecard_add_factor(m, name, column, weight, group, norm,
                                     TIER_SCORECARD_HIGHER_IS_BETTER, TIER_SCORECARD_MISSING_ZERO,
                                     NULL);
}

/* A scorecard "sc" of one factor `name` of weight 100 over frame column `column` (as
 * add_plain_factor). */
static tier_model *column_factor(const tier_allocator *a, const char *name, const char *column,
                                 int group, int norm)
{
    tier_model *m = NULL;
    assert_int_equal(tier_scorecard_new(&m, "sc", a), TIER_OK);
    assert_int_equal(add_plain_factor(m, name, column, 100, group, norm), TIER_OK);
    return m;
}

/* Fits the model on the book (no inputs) and scores it into a new frame. */
static tier_frame *fit_and_score(tier_model *m, const tier_book *book, const tier_allocator *a)
{
    tst_fit(m, book, NULL);
    return tst_score(m, book, a);
}

/* Fits and scores the model, checks column `name`.score against `want` (expect_scores) and frees
 * the frame. */
static void expect_fitted_scores(tier_model *m, const tier_book *book, const tier_allocator *a,
                                 const char *name, const double *want, size_t n)
{
    tier_frame *f = fit_and_score(m, book, a);
    expect_scores(f, name, want, n);
    tier_frame_free(f);
}

/* ---- the worked example (docs/scorecard.md) ---------------------------------------------- */

static const char *const ex_names[6] = {"arr",      "margin",   "modules",
                                        "referral", "defaults", "arrears_days"};
static const cust ex_rows[4] = {
    {"a", {100, 0.4, 1, 1, 0, 0}},
    {"b", {200, 0.3, 3, 0, 1, 10}},
    {"c", {300, NAN, 6, NAN, 0, 0}},
    {"d", {400, 0.5, NAN, 2, 0, 120}},
};

static tier_model *example_model(const tier_allocator *a)
{
    static const double edges[2] = {2, 5}, fractions[3] = {0, 0.5, 1};
    tier_model *m = NULL;
    size_t idx;
    assert_int_equal(tier_scorecard_new(&m, "value", a), TIER_OK);
    assert_string_equal(tier_model_kind(m), "scorecard");
    assert_int_equal(tier_scorecard_add_factor(m, "arr", "attr.arr", 40, TIER_SCORECARD_EXPLICIT,
                                               TIER_SCORECARD_NORM_PERCENTILE,
                                               TIER_SCORECARD_HIGHER_IS_BETTER,
                                               TIER_SCORECARD_MISSING_ZERO, &idx),
                     TIER_OK);
    assert_int_equal(idx, 0);
    assert_int_equal(tier_scorecard_add_factor(m, "margin", "attr.margin", 20,
                                               TIER_SCORECARD_EXPLICIT, TIER_SCORECARD_NORM_MINMAX,
                                               TIER_SCORECARD_HIGHER_IS_BETTER,
                                               TIER_SCORECARD_MISSING_IMPUTE, &idx),
                     TIER_OK);
    assert_int_equal(tier_scorecard_set_caps(m, idx, 0, 0.5), TIER_OK);
    assert_int_equal(tier_scorecard_add_factor(m, "modules", "attr.modules", 20,
                                               TIER_SCORECARD_POTENTIAL, TIER_SCORECARD_NORM_BANDS,
                                               TIER_SCORECARD_HIGHER_IS_BETTER,
                                               TIER_SCORECARD_MISSING_REWEIGHT, &idx),
                     TIER_OK);
    assert_int_equal(tier_scorecard_set_bands(m, idx, edges, 2, fractions), TIER_OK);
    assert_int_equal(tier_scorecard_add_factor(m, "referral", "attr.referral", 20,
                                               TIER_SCORECARD_GROWTH, TIER_SCORECARD_NORM_BOOLEAN,
                                               TIER_SCORECARD_HIGHER_IS_BETTER,
                                               TIER_SCORECARD_MISSING_ZERO, &idx),
                     TIER_OK);
    assert_int_equal(idx, 3);
    assert_int_equal(tier_scorecard_add_penalty(m, "defaults", "attr.defaults", TIER_OP_GT, 0, -15),
                     TIER_OK);
    assert_int_equal(
        tier_scorecard_add_veto(m, "arrears", "attr.arrears_days", TIER_OP_GT, 90, "C"), TIER_OK);
    assert_int_equal(tier_scorecard_factor_count(m), 4);
    assert_string_equal(tier_scorecard_factor_name(m, 2), "modules");
    assert_null(tier_scorecard_factor_name(m, 4));
    return m;
}

static void test_scorecard_scores_the_worked_example_by_hand(void **s)
{
    tier_book *book = book_of(TST_ALLOC, ex_names, 6, ex_rows, 4);
    tier_model *m = example_model(TST_ALLOC);
    tier_frame *f;
    char g[8];
    /* a: arr 0.125*40=5, margin 0.4/0.5*20=16, modules band 1 = 0, referral 20 -> 41 (D)
     * b: 15 + 0.6*20=12 + band 2 0.5*20=10 + 0 = 37, penalty -15 -> 22 (E)
     * c: 25 + imputed median 0.4 -> 16 + band 3 20 + missing referral zero 0 -> 61 (C)
     * d: 35 + 20 + modules dropped + 20 = 75 of 80 kept -> x1.25 = 93.75 (A), veto -> C */
    static const double want[4] = {41, 22, 61, 93.75};
    static const double explicit_[4] = {21, 27, 41, 68.75}, potential[4] = {0, 10, 20, 0},
                        growth[4] = {20, 0, 0, 25}, capped[4] = {0, 0, 0, 1};
    size_t i;
    (void)s;
    f = fit_and_score(m, book, TST_ALLOC);
    assert_int_equal(tier_frame_column_count(f), 6);
    expect_scores(f, "value", want, 4);
    for (i = 0; i < 4; i++) {
        assert_true(fabs(tst_numbers(f, "value.explicit")[i] - explicit_[i]) < EPS);
        assert_true(fabs(tst_numbers(f, "value.potential")[i] - potential[i]) < EPS);
        assert_true(fabs(tst_numbers(f, "value.growth")[i] - growth[i]) < EPS);
        assert_true(tst_numbers(f, "value.capped")[i] == capped[i]);
    }
    tst_initials(f, "value.grade", g);
    assert_string_equal(g, "DECC");
    tst_release(f, m, book);
}

static void test_scorecard_explains_one_customer_exactly(void **s)
{
    tier_book *book = book_of(TST_ALLOC, ex_names, 6, ex_rows, 4);
    tier_model *m = example_model(TST_ALLOC);
    tier_frame *f;
    tier_text *t = NULL;
    (void)s;
    f = fit_and_score(m, book, TST_ALLOC);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, 3, t), TIER_OK);
    assert_string_equal(
        tier_text_data(t),
        "scorecard \"value\": score 93.75, grade C (capped by a veto)\n"
        "factor arr [explicit, weight 40 -> 50, if missing: zero]: attr.arr = 400, percentile "
        "rank among 4 fitted values 0.875 -> 43.75 points\n"
        "factor margin [explicit, weight 20 -> 25, if missing: impute the fitted median]: "
        "attr.margin = 0.5, min-max over [0, 0.5] 1 -> 25 points\n"
        "factor modules [potential, weight 20, if missing: drop and re-weight]: attr.modules "
        "missing -> dropped, 0 points\n"
        "factor referral [growth, weight 20 -> 25, if missing: zero]: attr.referral = 2, boolean "
        "(not 0) 1 -> 25 points\n"
        "veto arrears: attr.arrears_days = 120 > 90 -> grade at most C\n"
        "groups: explicit 68.75, potential 0, growth 25; factors 93.75, penalties 0 -> score "
        "93.75\n"
        "grade band: A (score >= 80); capped by veto to C\n");
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, 2, t), TIER_OK);
    assert_string_equal(
        tier_text_data(t),
        "scorecard \"value\": score 61, grade C\n"
        "factor arr [explicit, weight 40, if missing: zero]: attr.arr = 300, percentile rank "
        "among 4 fitted values 0.625 -> 25 points\n"
        "factor margin [explicit, weight 20, if missing: impute the fitted median]: attr.margin "
        "missing -> imputed 0.4, min-max over [0, 0.5] 0.8 -> 16 points\n"
        "factor modules [potential, weight 20, if missing: drop and re-weight]: attr.modules = 6, "
        "band 3 of 3 (>= 5) 1 -> 20 points\n"
        "factor referral [growth, weight 20, if missing: zero]: attr.referral missing -> 0 "
        "points\n"
        "groups: explicit 41, potential 20, growth 0; factors 61, penalties 0 -> score 61\n"
        "grade band: C (50 <= score < 65)\n");
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, 1, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "penalty defaults: attr.defaults = 1 > 0 -> -15 "
                                              "points\n"));
    assert_non_null(strstr(tier_text_data(t), "factors 37, penalties -15 -> score 22\n"
                                              "grade band: E (score < 35)\n"));
    tier_text_free(t);
    tst_release(f, m, book);
}

/* ---- one factor at a time ---------------------------------------------------------------- */

/* A scorecard with one factor of weight 100 over attribute "x". */
static tier_model *one_factor(const tier_allocator *a, int norm, int dir, int missing)
{
    tier_model *m = NULL;
    assert_int_equal(tier_scorecard_new(&m, NULL, a), TIER_OK);
    assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.x", 100, TIER_SCORECARD_EXPLICIT, norm,
                                               dir, missing, NULL),
                     TIER_OK);
    return m;
}

static const char *const x_name[1] = {"x"};

/* Fits a one-factor model on xs and checks the scores of the same customers. */
static void expect_one(tier_model *m, const double *xs, size_t n, const double *want)
{
    cust rows[16];
    char ids[16][4];
    tier_book *book;
    size_t i;
    for (i = 0; i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "c%lu", (unsigned long)i);
        rows[i].id = ids[i];
        rows[i].v[0] = xs[i];
    }
    book = book_of(TST_ALLOC, x_name, 1, rows, n);
    expect_fitted_scores(m, book, TST_ALLOC, "scorecard", want, n);
    tier_book_free(book);
}

/* One-factor models (missing values: zero) fitted on the same values, each with its scores. */
typedef struct one_factor_case {
    double xs[6];
    size_t n;
    struct {
        int norm, dir;
        double want[6];
    } models[3];
    size_t nmodels;
} one_factor_case;

#define PCT TIER_SCORECARD_NORM_PERCENTILE
#define HIGH TIER_SCORECARD_HIGHER_IS_BETTER
#define LOW TIER_SCORECARD_LOWER_IS_BETTER

/* below + equal/2 over 5: 10 -> 0.5/5, 20 -> (1 + 1.5)/5, 30 -> (4 + 0.5)/5 */
static const one_factor_case percentile_ties = {
    {20, 10, 20, 30, 20}, 5, {{PCT, HIGH, {50, 10, 50, 90, 50}}}, 1};
static const one_factor_case percentile_lower = {
    {1, 2, 3, 4}, 4, {{PCT, LOW, {87.5, 62.5, 37.5, 12.5}}}, 1};
static const one_factor_case all_equal = {{7, 7, 7},
                                          3,
                                          {{PCT, HIGH, {50, 50, 50}},
                                           {TIER_SCORECARD_NORM_MINMAX, HIGH, {50, 50, 50}},
                                           {TIER_SCORECARD_NORM_MINMAX, LOW, {50, 50, 50}}},
                                          3};
static const one_factor_case single_customer = {
    {42}, 1, {{PCT, HIGH, {50}}, {TIER_SCORECARD_NORM_BOOLEAN, HIGH, {100}}}, 2};
static const one_factor_case boolean_nonzero = {
    {0, 1, -2, 0.5},
    4,
    {{TIER_SCORECARD_NORM_BOOLEAN, HIGH, {0, 100, 100, 100}},
     {TIER_SCORECARD_NORM_BOOLEAN, LOW, {100, 0, 0, 0}}},
    2};

#undef PCT
#undef HIGH
#undef LOW

/* Runs a one_factor_case (the cmocka state). */
static void test_one_factor_case(void **state)
{
    const one_factor_case *c = *state;
    size_t i;
    for (i = 0; i < c->nmodels; i++) {
        tier_model *m =
            one_factor(TST_ALLOC, c->models[i].norm, c->models[i].dir, TIER_SCORECARD_MISSING_ZERO);
        expect_one(m, c->xs, c->n, c->models[i].want);
        tier_model_free(m);
    }
}

static void test_scorecard_minmax_clamps_at_given_and_fitted_caps(void **s)
{
    tier_model *m = one_factor(TST_ALLOC, TIER_SCORECARD_NORM_MINMAX,
                               TIER_SCORECARD_HIGHER_IS_BETTER, TIER_SCORECARD_MISSING_ZERO);
    static const double xs[4] = {-5, 2, 5, 30};
    static const double fitted[4] = {0, 100.0 * 7 / 35, 100.0 * 10 / 35, 100};
    static const double capped[4] = {0, 20, 50, 100};
    static const double lo_only[4] = {0, 2.0 / 30 * 100, 5.0 / 30 * 100, 100};
    (void)s;
    expect_one(m, xs, 4, fitted); /* fitted [-5, 30] */
    assert_int_equal(tier_scorecard_set_caps(m, 0, 0, 10), TIER_OK);
    expect_one(m, xs, 4, capped);
    assert_int_equal(tier_scorecard_set_caps(m, 0, 0, NAN), TIER_OK); /* hi fitted: 30 */
    expect_one(m, xs, 4, lo_only);
    assert_int_equal(tier_scorecard_set_caps(m, 0, 100, NAN),
                     TIER_OK);                           /* fitted hi < lo -> hi = lo */
    expect_one(m, xs, 4, (const double[4]){0, 0, 0, 0}); /* all below lo */
    assert_int_equal(tier_scorecard_set_caps(m, 0, 1, 0), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_caps(m, 0, -INFINITY, 0), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_caps(m, 1, 0, 1), TIER_ERANGE);
    tier_model_free(m);
}

static void test_scorecard_bands_put_an_edge_in_the_upper_band(void **s)
{
    tier_model *m = one_factor(TST_ALLOC, TIER_SCORECARD_NORM_BANDS,
                               TIER_SCORECARD_HIGHER_IS_BETTER, TIER_SCORECARD_MISSING_ZERO);
    static const double edges[3] = {10, 20, 30}, fr[4] = {0, 0.25, 0.5, 1};
    static const double xs[6] = {9.99, 10, 19, 20, 30, 1e300}, want[6] = {0, 25, 25, 50, 100, 100};
    static const double low[6] = {100, 75, 75, 50, 0, 0};
    static const double bad_edges[2] = {5, 5}, bad_fr[3] = {0, 1.5, 1};
    tier_model *l = one_factor(TST_ALLOC, TIER_SCORECARD_NORM_BANDS, TIER_SCORECARD_LOWER_IS_BETTER,
                               TIER_SCORECARD_MISSING_ZERO);
    tier_book *empty = NULL;
    (void)s;
    /* Bands must be set before fitting. */
    assert_int_equal(tier_book_new(&empty, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, empty, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "no bands"));
    tier_book_free(empty);
    assert_int_equal(tier_scorecard_set_bands(m, 0, edges, 3, fr), TIER_OK);
    expect_one(m, xs, 6, want);
    assert_int_equal(tier_scorecard_set_bands(l, 0, edges, 3, fr), TIER_OK);
    expect_one(l, xs, 6, low);
    assert_int_equal(tier_scorecard_set_bands(m, 0, bad_edges, 2, fr), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_bands(m, 0, edges, 2, bad_fr), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_bands(m, 0, edges, 0, fr), TIER_ERANGE);
    assert_int_equal(tier_scorecard_set_caps(m, 0, 0, 1), TIER_EINVAL); /* not min-max */
    tier_model_free(m);
    tier_model_free(l);
}

/* ---- missing values ---------------------------------------------------------------------- */

static void test_scorecard_missing_policies_drop_impute_and_zero(void **s)
{
    static const char *const names[2] = {"x", "y"};
    static const cust rows[3] = {{"a", {NAN, 1}}, {"b", {10, 0}}, {"c", {20, 1}}};
    tier_book *book = book_of(TST_ALLOC, names, 2, rows, 3);
    tier_model *m = NULL;
    tier_frame *f;
    int policy;
    /* x: min-max fitted [10, 20] weight 60; y: boolean weight 40. Customer a lacks x:
     * re-weight -> y alone scaled to 100; impute median 15 -> 30 + 40; impute 20 -> 60 + 40;
     * zero -> 0 + 40. b: 0 + 0, c: 60 + 40. */
    static const double want[4][3] = {{0, 0, 0}, {100, 0, 100}, {70, 0, 100}, {40, 0, 100}};
    (void)s;
    for (policy = TIER_SCORECARD_MISSING_REWEIGHT; policy <= TIER_SCORECARD_MISSING_ZERO;
         policy++) {
        assert_int_equal(tier_scorecard_new(&m, "sc", TST_ALLOC), TIER_OK);
        assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.x", 60, TIER_SCORECARD_EXPLICIT,
                                                   TIER_SCORECARD_NORM_MINMAX,
                                                   TIER_SCORECARD_HIGHER_IS_BETTER, policy, NULL),
                         TIER_OK);
        assert_int_equal(add_plain_factor(m, "y", "attr.y", 40, TIER_SCORECARD_GROWTH,
                                          TIER_SCORECARD_NORM_BOOLEAN),
                         TIER_OK);
        f = fit_and_score(m, book, TST_ALLOC);
        expect_scores(f, "sc", want[policy], 3);
        if (policy == TIER_SCORECARD_MISSING_REWEIGHT) {
            assert_true(fabs(tst_numbers(f, "sc.growth")[0] - 100) < EPS);
            assert_true(tst_numbers(f, "sc.explicit")[0] == 0);
        }
        tier_frame_free(f);
        if (policy == TIER_SCORECARD_MISSING_IMPUTE) {
            static const double given[3] = {100, 0, 100};
            assert_int_equal(tier_scorecard_set_impute(m, 0, 20), TIER_OK);
            f = tst_score(m, book, TST_ALLOC); /* no refit needed */
            expect_scores(f, "sc", given, 3);
            tier_frame_free(f);
            assert_int_equal(tier_scorecard_set_impute(m, 0, INFINITY), TIER_EINVAL);
            assert_int_equal(tier_scorecard_set_impute(m, 1, 0), TIER_EINVAL); /* y is not impute */
        }
        tier_model_free(m);
    }
    tier_book_free(book);
}

static void test_scorecard_without_any_factor_value_has_no_score_or_grade(void **s)
{
    static const char *const names[2] = {"x", "v"};
    static const cust rows[2] = {{"a", {NAN, 100}}, {"b", {5, 100}}};
    tier_book *book = book_of(TST_ALLOC, names, 2, rows, 2);
    tier_model *m = one_factor(TST_ALLOC, TIER_SCORECARD_NORM_PERCENTILE,
                               TIER_SCORECARD_HIGHER_IS_BETTER, TIER_SCORECARD_MISSING_REWEIGHT);
    tier_frame *f;
    tier_text *t = NULL;
    char g[4];
    static const double want[2] = {NAN, 50};
    (void)s;
    assert_int_equal(tier_scorecard_add_veto(m, "v", "attr.v", TIER_OP_GT, 1, "D"), TIER_OK);
    f = fit_and_score(m, book, TST_ALLOC);
    expect_scores(f, "scorecard", want, 2);
    assert_true(isnan(tst_numbers(f, "scorecard.explicit")[0]));
    assert_true(tst_numbers(f, "scorecard.capped")[0] == 0);
    assert_true(tst_numbers(f, "scorecard.capped")[1] == 1);
    tst_initials(f, "scorecard.grade", g);
    assert_string_equal(g, "-D");
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, 0, t), TIER_OK);
    assert_string_equal(tier_text_data(t),
                        "scorecard \"scorecard\": no factor has a value: score missing, no grade\n"
                        "factor x [explicit, weight 100, if missing: drop and re-weight]: attr.x "
                        "missing -> dropped, 0 points\n");
    tier_text_free(t);
    tst_release(f, m, book);
}

/* ---- penalties, vetoes, grades ----------------------------------------------------------- */

static void test_scorecard_penalties_add_up_and_clamp_at_zero(void **s)
{
    static const char *const names[3] = {"x", "p", "q"};
    static const cust rows[3] = {{"a", {1, 1, 1}}, {"b", {0, 1, 0}}, {"c", {1, NAN, 5}}};
    tier_book *book = book_of(TST_ALLOC, names, 3, rows, 3);
    tier_model *m = one_factor(TST_ALLOC, TIER_SCORECARD_NORM_BOOLEAN,
                               TIER_SCORECARD_HIGHER_IS_BETTER, TIER_SCORECARD_MISSING_ZERO);
    /* a: 100 - 15 - 10 = 75; b: 0 - 15 -> clamped 0; c: p missing (no penalty), q = 5 -> 90 */
    static const double want[3] = {75, 0, 90};
    (void)s;
    assert_int_equal(tier_scorecard_add_penalty(m, "p", "attr.p", TIER_OP_GE, 1, -15), TIER_OK);
    assert_int_equal(tier_scorecard_add_penalty(m, "q", "attr.q", TIER_OP_NE, 0, -10), TIER_OK);
    assert_int_equal(tier_scorecard_add_penalty(m, "q", "attr.q", TIER_OP_NE, 0, -10), TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_penalty(m, "r", "attr.q", TIER_OP_NE, 0, 5), TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_penalty(m, "r", "attr.q", 9, 0, -5), TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_penalty(m, "r", "attr.q", TIER_OP_LT, NAN, -5),
                     TIER_EINVAL);
    expect_fitted_scores(m, book, TST_ALLOC, "scorecard", want, 3);
    tst_release(NULL, m, book);
}

static void test_scorecard_vetoes_cap_the_grade_but_never_raise_it(void **s)
{
    static const char *const names[3] = {"x", "arrears", "flag"};
    static const cust rows[5] = {{"a", {1, 91, 0}},
                                 {"b", {1, 90, 0}},
                                 {"c", {1, 200, 1}},
                                 {"d", {0, 200, 1}},
                                 {"e", {1, NAN, 0}}};
    tier_book *book = book_of(TST_ALLOC, names, 3, rows, 5);
    tier_model *m = one_factor(TST_ALLOC, TIER_SCORECARD_NORM_BOOLEAN,
                               TIER_SCORECARD_HIGHER_IS_BETTER, TIER_SCORECARD_MISSING_ZERO);
    tier_frame *f;
    char g[8];
    static const double capped[5] = {1, 0, 1, 0, 0};
    size_t i;
    (void)s;
    assert_int_equal(tier_scorecard_add_veto(m, "arrears", "attr.arrears", TIER_OP_GT, 90, "C"),
                     TIER_OK);
    assert_int_equal(tier_scorecard_add_veto(m, "flag", "attr.flag", TIER_OP_EQ, 1, "D"), TIER_OK);
    assert_int_equal(tier_scorecard_add_veto(m, "bad", "attr.flag", TIER_OP_EQ, 1, "F"),
                     TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_veto(m, "bad", "attr.flag", TIER_OP_EQ, 1, "CC"),
                     TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_veto(m, "bad", "attr.", TIER_OP_EQ, 1, "C"), TIER_EINVAL);
    f = fit_and_score(m, book, TST_ALLOC);
    tst_initials(f, "scorecard.grade", g);
    /* a: A capped to C; b: 90 is not > 90; c: the worst cap (D) wins; d: E stays E; e: missing */
    assert_string_equal(g, "CADEA");
    for (i = 0; i < 5; i++)
        assert_true(tst_numbers(f, "scorecard.capped")[i] == capped[i]);
    tst_release(f, m, book);
}

static void test_scorecard_grade_bands_are_configurable_and_inclusive(void **s)
{
    tier_model *m = one_factor(TST_ALLOC, TIER_SCORECARD_NORM_MINMAX,
                               TIER_SCORECARD_HIGHER_IS_BETTER, TIER_SCORECARD_MISSING_ZERO);
    static const double xs[11] = {0, 34.99, 35, 49.99, 50, 64.99, 65, 79.99, 80, 100, 100};
    static const double bands[4] = {90, 70, 70, 10}, bad[4] = {50, 60, 40, 30};
    static const double neg[4] = {80, 65, 50, -1};
    cust rows[11];
    char ids[11][4], g[16];
    tier_book *book;
    tier_frame *f;
    size_t i;
    (void)s;
    assert_int_equal(tier_scorecard_set_caps(m, 0, 0, 100), TIER_OK);
    for (i = 0; i < 11; i++) {
        snprintf(ids[i], sizeof ids[i], "c%lu", (unsigned long)i);
        rows[i].id = ids[i];
        rows[i].v[0] = xs[i];
    }
    book = book_of(TST_ALLOC, x_name, 1, rows, 11);
    f = fit_and_score(m, book, TST_ALLOC);
    tst_initials(f, "scorecard.grade", g);
    assert_string_equal(g, "EEDDCCBBAAA");
    tier_frame_free(f);
    assert_int_equal(tier_scorecard_set_grade_bands(m, bands), TIER_OK);
    f = tst_score(m, book, TST_ALLOC);
    tst_initials(f, "scorecard.grade", g);
    assert_string_equal(g, "EDDDDDDBBAA"); /* C is empty: B and C share 70 */
    tier_frame_free(f);
    assert_int_equal(tier_scorecard_set_grade_bands(m, bad), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_grade_bands(m, neg), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_grade_bands(m, NULL), TIER_EINVAL);
    tst_release(NULL, m, book);
}

/* ---- configuration and bad input --------------------------------------------------------- */

static void test_scorecard_rejects_weights_that_do_not_sum_to_100(void **s)
{
    /* The factors added in turn, with what each add returns: 60 + 30 leave the card at 90;
     * penalties are separate, so a factor weight must be positive; 10 more make 100. */
    static const struct {
        const char *name, *column;
        double weight;
        int group, norm, rc;
    } adds[] = {
        {"arr", "attr.arr", 60, TIER_SCORECARD_EXPLICIT, TIER_SCORECARD_NORM_PERCENTILE, TIER_OK},
        {"ref", "attr.referral", 30, TIER_SCORECARD_GROWTH, TIER_SCORECARD_NORM_BOOLEAN, TIER_OK},
        {"neg", "attr.defaults", -10, TIER_SCORECARD_EXPLICIT, TIER_SCORECARD_NORM_BOOLEAN,
         TIER_EINVAL},
        {"m", "attr.margin", 10, TIER_SCORECARD_EXPLICIT, TIER_SCORECARD_NORM_MINMAX, TIER_OK},
    };
    tier_book *book = book_of(TST_ALLOC, ex_names, 6, ex_rows, 4);
    tier_model *m = NULL;
    size_t i;
    (void)s;
    assert_int_equal(tier_scorecard_new(&m, "sc", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL); /* no factors */
    assert_non_null(strstr(tier_model_last_error(m), "no factors"));
    for (i = 0; i < TST_COUNT(adds); i++) {
        assert_int_equal(add_plain_factor(m, adds[i].name, adds[i].column, adds[i].weight,
                                          adds[i].group, adds[i].norm),
                         adds[i].rc);
        if (i == 1) { /* 90 points so far */
            assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL);
            assert_non_null(strstr(tier_model_last_error(m), "weights sum to 90, not 100"));
            assert_int_equal(tier_model_is_fitted(m), 0);
        }
    }
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_model_is_fitted(m), 1);
    tst_release(NULL, m, book);
}

static void test_scorecard_rejects_bad_factor_arguments(void **s)
{
    tier_model *m = NULL, *p = NULL;
    (void)s;
    assert_int_equal(tier_scorecard_new(&m, "sc", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.x", 50, 0, 1, 1, 1, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.x", 50, 1, 5, 1, 1, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.x", 50, 1, 1, 3, 1, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.x", 50, 1, 1, 1, 4, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.x", NAN, 1, 1, 1, 1, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.x", 100.5, 1, 1, 1, 1, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_factor(m, "", "attr.x", 50, 1, 1, 1, 1, NULL), TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_factor(m, "a b", "attr.x", 50, 1, 1, 1, 1, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.", 50, 1, 1, 1, 1, NULL), TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_factor(m, "x", NULL, 50, 1, 1, 1, 1, NULL), TIER_EINVAL);
    assert_int_equal(tier_scorecard_factor_count(m), 0);
    assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.x", 50, 1, 1, 1, 1, NULL), TIER_OK);
    assert_int_equal(tier_scorecard_add_factor(m, "x", "attr.y", 50, 1, 1, 1, 1, NULL),
                     TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "already exists"));
    assert_int_equal(tier_scorecard_set_impute(m, 0, 1), TIER_EINVAL); /* policy is re-weight */
    assert_int_equal(
        tier_scorecard_set_bands(m, 0, (const double[1]){1}, 1, (const double[2]){0, 1}),
        TIER_EINVAL); /* not bands */
    /* Not a scorecard. */
    assert_int_equal(tier_pareto_new(&p, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_scorecard_add_factor(p, "x", "attr.x", 50, 1, 1, 1, 1, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_scorecard_factor_count(p), 0);
    assert_int_equal(tier_scorecard_add_veto(p, "v", "attr.x", TIER_OP_GT, 1, "C"), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_grade_bands(NULL, (const double[4]){80, 65, 50, 35}),
                     TIER_EINVAL);
    tier_model_free(p);
    assert_int_equal(tier_scorecard_new(&p, "bad name", TST_ALLOC), TIER_EINVAL);
    assert_null(p);
    tier_model_free(m);
}

static void test_scorecard_names_the_factor_and_column_that_is_missing(void **s)
{
    static const char *const names[2] = {"x", "industry"};
    static const cust rows[2] = {{"a", {1, 0}}, {"b", {2, 0}}};
    tier_book *book = book_of(TST_ALLOC, names, 1, rows, 2);
    tier_model *m = NULL;
    tier_frame *f = NULL;
    (void)s;
    assert_int_equal(tier_book_set_text(book, 0, "industry", "retail"), TIER_OK);
    m = column_factor(TST_ALLOC, "spend", "rfm.m", TIER_SCORECARD_EXPLICIT,
                      TIER_SCORECARD_NORM_PERCENTILE);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_model_last_error(m), "factor \"spend\": column \"rfm.m\" is not in "
                                                     "the frame"));
    tier_model_free(m);

    m = one_factor(TST_ALLOC, TIER_SCORECARD_NORM_PERCENTILE, 1, 1);
    assert_int_equal(tier_scorecard_add_penalty(m, "p", "attr.nothing", TIER_OP_GT, 0, -5),
                     TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_model_last_error(m), "penalty \"p\": attribute \"nothing\" is not "
                                                     "in the book"));
    tier_model_free(m);

    assert_int_equal(tier_scorecard_new(&m, "sc", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_scorecard_add_factor(m, "ind", "attr.industry", 100, 1, 4, 1, 1, NULL),
                     TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "holds text"));
    tier_model_free(m);

    /* Fitted with the column, scored into a frame without it. */
    m = one_factor(TST_ALLOC, TIER_SCORECARD_NORM_PERCENTILE, 1, 1);
    assert_int_equal(tier_scorecard_add_veto(m, "v", "clv.p_alive", TIER_OP_LT, 0.1, "D"), TIER_OK);
    {
        tier_frame *in = NULL;
        double *v;
        assert_int_equal(tier_frame_new(&in, 2, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_frame_add_numbers(in, "clv.p_alive", &v), TIER_OK);
        v[0] = 0.05;
        v[1] = 0.5;
        assert_int_equal(tier_model_fit(m, book, in), TIER_OK);
        tier_frame_free(in);
    }
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_frame_last_error(f), "veto \"v\": column \"clv.p_alive\""));
    assert_int_equal(tier_frame_column_count(f), 0);
    tst_release(f, m, book);
}

static void test_scorecard_rejects_infinite_and_treats_nan_as_missing(void **s)
{
    static const cust rows[3] = {{"a", {1}}, {"b", {2}}, {"c", {NAN}}};
    tier_book *book = book_of(TST_ALLOC, x_name, 1, rows, 3);
    tier_model *m = NULL;
    tier_frame *in = NULL;
    double *v;
    static const double want[3] = {25, 75, 0};
    (void)s;
    /* Book attributes cannot be infinite: the book refuses them. */
    assert_int_equal(tier_book_set_number(book, 0, "x", INFINITY), TIER_EINVAL);
    /* Frame columns can: the scorecard refuses them, naming the customer. */
    m = column_factor(TST_ALLOC, "clv", "clv.clv", TIER_SCORECARD_GROWTH,
                      TIER_SCORECARD_NORM_PERCENTILE);
    assert_int_equal(tier_frame_new(&in, 3, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(in, "clv.clv", &v), TIER_OK);
    v[0] = 1;
    v[1] = -INFINITY;
    v[2] = NAN;
    assert_int_equal(tier_model_fit(m, book, in), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "column \"clv.clv\" is infinite for customer "
                                                     "\"b\""));
    v[1] = 2;
    assert_int_equal(tier_model_fit(m, book, in), TIER_OK);
    assert_int_equal(tier_model_score(m, book, in), TIER_OK);
    expect_scores(in, "sc", want, 3);
    tier_frame_free(in);
    tier_model_free(m);
    /* The same through an attribute: NaN is missing. */
    m = one_factor(TST_ALLOC, TIER_SCORECARD_NORM_PERCENTILE, 1, TIER_SCORECARD_MISSING_ZERO);
    expect_fitted_scores(m, book, TST_ALLOC, "scorecard", want, 3);
    tst_release(NULL, m, book);
}

static void test_scorecard_fits_and_scores_an_empty_book(void **s)
{
    tier_book *empty = NULL, *one;
    tier_model *m =
        one_factor(TST_ALLOC, TIER_SCORECARD_NORM_PERCENTILE, 1, TIER_SCORECARD_MISSING_ZERO);
    tier_frame *f = NULL;
    static const cust rows[1] = {{"a", {NAN}}};
    static const cust rows2[1] = {{"a", {3}}};
    (void)s;
    assert_int_equal(tier_book_new(&empty, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_set_number(empty, 0, "x", 1), TIER_ERANGE); /* no customer */
    /* No customer, nothing to learn: fit and score succeed (an attribute no customer can have
     * is not an error in an empty book). */
    assert_int_equal(tier_model_fit(m, empty, NULL), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 0, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, empty, f), TIER_OK);
    assert_int_equal(tier_frame_column_count(f), 6);
    tier_frame_free(f);
    /* Fitted on nothing, it cannot rank a real value later: a clear error, not a made-up rank. */
    one = book_of(TST_ALLOC, x_name, 1, rows2, 1);
    assert_int_equal(tier_frame_new(&f, 1, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, one, f), TIER_ESTATE);
    assert_non_null(strstr(tier_frame_last_error(f), "factor \"x\": the fit saw no value"));
    assert_int_equal(tier_frame_column_count(f), 0);
    tier_frame_free(f);
    tier_book_free(one);
    f = NULL;
    tier_model_free(m);
    /* A frame column of an empty frame exists: nothing to learn, and no customer to score. */
    assert_int_equal(tier_scorecard_new(&m, "sc", TST_ALLOC), TIER_OK);
    assert_int_equal(
        tier_scorecard_add_factor(m, "m", "rfm.m", 100, 1, 1, 1, TIER_SCORECARD_MISSING_ZERO, NULL),
        TIER_OK);
    assert_int_equal(tier_frame_new(&f, 0, TST_ALLOC), TIER_OK);
    {
        double *v;
        assert_int_equal(tier_frame_add_numbers(f, "rfm.m", &v), TIER_OK);
    }
    assert_int_equal(tier_model_fit(m, empty, f), TIER_OK);
    assert_int_equal(tier_model_score(m, empty, f), TIER_OK);
    assert_int_equal(tier_frame_column_count(f), 7);
    tier_frame_free(f);
    tier_model_free(m);
    /* A book whose customers all lack the value cannot be fitted either. */
    m = one_factor(TST_ALLOC, TIER_SCORECARD_NORM_PERCENTILE, 1, TIER_SCORECARD_MISSING_ZERO);
    one = book_of(TST_ALLOC, x_name, 1, rows, 1);
    assert_int_equal(tier_model_fit(m, one, NULL), TIER_EINVAL); /* every value missing */
    assert_non_null(strstr(tier_model_last_error(m), "no customer has a value"));
    tier_book_free(one);
    one = book_of(TST_ALLOC, x_name, 1, rows2, 1);
    assert_int_equal(tier_model_fit(m, one, NULL), TIER_OK);
    tier_book_free(one);
    tier_book_free(empty);
    tier_model_free(m);
}

static void test_scorecard_scores_new_customers_against_the_fit(void **s)
{
    static const cust fit_rows[4] = {{"a", {100}}, {"b", {200}}, {"c", {300}}, {"d", {400}}};
    static const cust new_rows[5] = {
        {"n1", {50}}, {"n2", {200}}, {"n3", {250}}, {"n4", {1000}}, {"n5", {NAN}}};
    tier_book *fit_book = book_of(TST_ALLOC, x_name, 1, fit_rows, 4);
    tier_book *new_book = book_of(TST_ALLOC, x_name, 1, new_rows, 5);
    tier_model *m =
        one_factor(TST_ALLOC, TIER_SCORECARD_NORM_PERCENTILE, 1, TIER_SCORECARD_MISSING_IMPUTE);
    tier_frame *f;
    /* Against {100,200,300,400}: 50 -> 0; 200 -> (1 + 0.5)/4; 250 -> 2/4; 1000 -> 4/4; missing
     * -> the fitted median 250 -> 2/4. */
    static const double want[5] = {0, 37.5, 50, 100, 50};
    (void)s;
    assert_int_equal(tier_model_fit(m, fit_book, NULL), TIER_OK);
    f = tst_score(m, new_book, TST_ALLOC);
    expect_scores(f, "scorecard", want, 5);
    tier_frame_free(f);
    /* Adding a factor forgets the fit. */
    assert_int_equal(tier_scorecard_add_factor(m, "y", "attr.x", 1, 1, 4, 1, 1, NULL), TIER_OK);
    assert_int_equal(tier_model_is_fitted(m), 0);
    assert_int_equal(tier_frame_new(&f, 5, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, new_book, f), TIER_ESTATE);
    tier_frame_free(f);
    tier_model_free(m);
    tier_book_free(fit_book);
    tier_book_free(new_book);
}

static void test_scorecard_reads_other_models_outputs_from_the_frame(void **s)
{
    static const cust rows[3] = {{"a", {0}}, {"b", {0}}, {"c", {0}}};
    tier_book *book = book_of(TST_ALLOC, x_name, 1, rows, 3);
    tier_model *m = NULL;
    tier_frame *in = NULL, *out = NULL;
    double *v, *w;
    static const double want[3] = {100, 50, 0};
    (void)s;
    m = column_factor(TST_ALLOC, "share", "pareto.share", TIER_SCORECARD_EXPLICIT,
                      TIER_SCORECARD_NORM_MINMAX);
    assert_int_equal(tier_frame_new(&in, 3, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(in, "pareto.share", &v), TIER_OK);
    v[0] = 0.6;
    v[1] = 0.35;
    v[2] = 0.1;
    assert_int_equal(tier_model_fit(m, book, in), TIER_OK); /* fitted [0.1, 0.6] */
    assert_int_equal(tier_frame_new(&out, 3, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(out, "pareto.share", &w), TIER_OK);
    w[0] = 0.9;
    w[1] = 0.35;
    w[2] = 0.0;
    assert_int_equal(tier_model_score(m, book, out), TIER_OK);
    expect_scores(out, "sc", want, 3);
    tier_frame_free(in);
    tier_frame_free(out);
    tst_release(NULL, m, book);
}

/* ---- the B2B default --------------------------------------------------------------------- */

static void test_scorecard_b2b_default_scores_two_accounts_by_hand(void **s)
{
    static const char *const names[8] = {"contract_arr", "gross_margin", "employees",
                                         "modules_used", "growth_rate",  "years_cooperation",
                                         "referrals",    "defaults"};
    static const cust rows[2] = {{"x", {1000, 0.5, 200, 4, 0.3, 5, 3, 0}},
                                 {"y", {100, 0.25, NAN, 2, -0.05, 12, 1, 2}}};
    /* x: arr 0.75*20=15, margin 1*10, spend 0.75*15=11.25, employees (only x has one) 0.5*15=7.5,
     *    modules 4/4*10, growth band >= 0.25 15, years 5/10*10=5, referrals >= 3 5 -> 78.75 (B).
     * y: arr 0.25*20=5, margin 0.5*10=5, spend 0.25*15=3.75, employees dropped (15), modules
     *    2/4*10=5, growth < 0 -> 0, years capped at 10 -> 10, referrals [1,3) 0.6*5=3: 31.75 of
     *    85 -> 31.75*100/85; penalties -15 (defaults) -5 (tickets 30 > 24) -10 (payment 40 <
     *    50) -> 7.35... (E); arrears 120 > 90 caps at C, which does not lower E. */
    const double want[2] = {78.75, 31.75 * 100.0 / 85.0 - 30.0};
    tier_book *book = book_of(TST_ALLOC, names, 8, rows, 2);
    tier_model *m = NULL;
    tier_frame *f = NULL;
    double *spend;
    char g[4];
    (void)s;
    assert_int_equal(tier_book_set_number(book, 0, "support_tickets", 2), TIER_OK);
    assert_int_equal(tier_book_set_number(book, 1, "support_tickets", 30), TIER_OK);
    assert_int_equal(tier_book_set_number(book, 0, "payment_score", 90), TIER_OK);
    assert_int_equal(tier_book_set_number(book, 1, "payment_score", 40), TIER_OK);
    assert_int_equal(tier_book_set_number(book, 0, "arrears_days", 0), TIER_OK);
    assert_int_equal(tier_book_set_number(book, 1, "arrears_days", 120), TIER_OK);
    assert_int_equal(tier_scorecard_new_b2b(&m, NULL, TST_ALLOC), TIER_OK);
    assert_string_equal(tier_model_name(m), "scorecard");
    assert_int_equal(tier_scorecard_factor_count(m), 8);
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(f, "rfm.m", &spend), TIER_OK);
    spend[0] = 500;
    spend[1] = 50;
    assert_int_equal(tier_model_fit(m, book, f), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_OK);
    expect_scores(f, "scorecard", want, 2);
    assert_true(fabs(tst_numbers(f, "scorecard.explicit")[0] - 36.25) < EPS);
    assert_true(fabs(tst_numbers(f, "scorecard.potential")[0] - 17.5) < EPS);
    assert_true(fabs(tst_numbers(f, "scorecard.growth")[0] - 25) < EPS);
    assert_true(fabs(tst_numbers(f, "scorecard.explicit")[1] - 13.75 * 100.0 / 85.0) < EPS);
    assert_true(fabs(tst_numbers(f, "scorecard.growth")[1] - 13.0 * 100.0 / 85.0) < EPS);
    assert_true(tst_numbers(f, "scorecard.capped")[1] == 0);
    tst_initials(f, "scorecard.grade", g);
    assert_string_equal(g, "BE");
    tst_release(f, m, book);
}

/* ---- out of memory ----------------------------------------------------------------------- */

static int oom_scorecard(const tier_allocator *alloc, void *ud)
{
    const tier_book *book = ud;
    tier_model *m = NULL;
    tier_frame *f = NULL;
    tier_text *t = NULL;
    static const double edges[2] = {2, 5}, fractions[3] = {0, 0.5, 1};
    int rc = tier_scorecard_new(&m, "value", alloc);
    if (rc == TIER_OK)
        rc = tier_scorecard_add_factor(m, "arr", "attr.arr", 40, 1, 1, 1, 3, NULL);
    if (rc == TIER_OK)
        rc = tier_scorecard_add_factor(m, "margin", "attr.margin", 20, 1, 2, 1, 2, NULL);
    if (rc == TIER_OK)
        rc = tier_scorecard_add_factor(m, "modules", "attr.modules", 20, 2, 3, 1, 1, NULL);
    if (rc == TIER_OK)
        rc = tier_scorecard_set_bands(m, 2, edges, 2, fractions);
    if (rc == TIER_OK)
        rc = tier_scorecard_set_caps(m, 1, 0, 0.5);
    if (rc == TIER_OK)
        rc = tier_scorecard_add_factor(m, "referral", "attr.referral", 20, 3, 4, 1, 3, NULL);
    if (rc == TIER_OK)
        rc = tier_scorecard_add_penalty(m, "defaults", "attr.defaults", TIER_OP_GT, 0, -15);
    if (rc == TIER_OK)
        rc = tier_scorecard_add_veto(m, "arrears", "attr.arrears_days", TIER_OP_GT, 90, "C");
    if (rc == TIER_OK) {
        rc = tier_model_fit(m, book, NULL);
        if (rc == TIER_OK) /* a second fit that fails must keep the first */
            assert_int_equal(tier_model_is_fitted(m), 1);
    }
    if (rc == TIER_OK)
        rc = tier_model_fit(m, book, NULL);
    if (rc == TIER_OK) {
        rc = tst_oom_score(m, book, alloc, 6, &f);
        if (rc == TIER_OK)
            assert_true(fabs(tst_numbers(f, "value.score")[3] - 93.75) < EPS);
    }
    if (rc == TIER_OK)
        rc = tier_text_new(&t, alloc);
    if (rc == TIER_OK) {
        rc = tier_model_explain(m, book, f, 3, t);
        assert_true(rc == TIER_OK ? tier_text_length(t) > 100 : tier_text_length(t) == 0);
    }
    tier_text_free(t);
    tier_frame_free(f);
    tier_model_free(m);
    return rc;
}

static tier_book *example_book(const tier_allocator *a)
{
    return book_of(a, ex_names, 6, ex_rows, 4);
}

TST_MAIN(
    cmocka_unit_test(test_scorecard_scores_the_worked_example_by_hand),
    cmocka_unit_test(test_scorecard_explains_one_customer_exactly),
    TST_CASE("test_scorecard_percentile_gives_ties_the_mid_rank", test_one_factor_case,
             &percentile_ties),
    TST_CASE("test_scorecard_percentile_lower_is_better_reverses_the_rank", test_one_factor_case,
             &percentile_lower),
    TST_CASE("test_scorecard_all_equal_values_get_half_points", test_one_factor_case, &all_equal),
    TST_CASE("test_scorecard_scores_a_single_customer", test_one_factor_case, &single_customer),
    cmocka_unit_test(test_scorecard_minmax_clamps_at_given_and_fitted_caps),
    cmocka_unit_test(test_scorecard_bands_put_an_edge_in_the_upper_band),
    TST_CASE("test_scorecard_boolean_counts_any_nonzero_value", test_one_factor_case,
             &boolean_nonzero),
    cmocka_unit_test(test_scorecard_missing_policies_drop_impute_and_zero),
    cmocka_unit_test(test_scorecard_without_any_factor_value_has_no_score_or_grade),
    cmocka_unit_test(test_scorecard_penalties_add_up_and_clamp_at_zero),
    cmocka_unit_test(test_scorecard_vetoes_cap_the_grade_but_never_raise_it),
    cmocka_unit_test(test_scorecard_grade_bands_are_configurable_and_inclusive),
    cmocka_unit_test(test_scorecard_rejects_weights_that_do_not_sum_to_100),
    cmocka_unit_test(test_scorecard_rejects_bad_factor_arguments),
    cmocka_unit_test(test_scorecard_names_the_factor_and_column_that_is_missing),
    cmocka_unit_test(test_scorecard_rejects_infinite_and_treats_nan_as_missing),
    cmocka_unit_test(test_scorecard_fits_and_scores_an_empty_book),
    cmocka_unit_test(test_scorecard_scores_new_customers_against_the_fit),
    cmocka_unit_test(test_scorecard_reads_other_models_outputs_from_the_frame),
    cmocka_unit_test(test_scorecard_b2b_default_scores_two_accounts_by_hand),
    TST_OOM_WALK(test_scorecard_survives_every_failed_allocation, oom_scorecard, example_book, 15))
