/* SPDX-License-Identifier: MIT */
/* The scorecard builder's refusals (include/tier/scorecard.h): factors with a kind, a name or a
 * count out of range, caps that are infinite or reversed, bands without arrays or with edges and
 * fractions out of order, penalties and vetoes with a bad operator, threshold, points or grade,
 * more rules than a card holds, and every call on a model that is not a scorecard. Each refusal
 * names the factor or rule and leaves the card as it was. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#define EXPL TIER_SCORECARD_EXPLICIT
#define PCT TIER_SCORECARD_NORM_PERCENTILE
#define HIGH TIER_SCORECARD_HIGHER_IS_BETTER
#define ZERO TIER_SCORECARD_MISSING_ZERO

static void test_factors_with_a_kind_or_name_out_of_range(void **state)
{
    static const struct {
        const char *name;
        int group, norm, dir, missing;
    } bad[] = {
        {"f", 0, PCT, HIGH, ZERO},      {"f", 4, PCT, HIGH, ZERO},
        {"f", EXPL, 0, HIGH, ZERO},     {"f", EXPL, 5, HIGH, ZERO},
        {"f", EXPL, PCT, 0, ZERO},      {"f", EXPL, PCT, 3, ZERO},
        {"f", EXPL, PCT, HIGH, 0},      {"f", EXPL, PCT, HIGH, 4},
        {"a b", EXPL, PCT, HIGH, ZERO}, {"", EXPL, PCT, HIGH, ZERO},
        {NULL, EXPL, PCT, HIGH, ZERO},  {"f\x7f", EXPL, PCT, HIGH, ZERO},
    };
    tier_model *m = NULL;
    char name[80];
    size_t i, idx = 99;
    (void)state;
    assert_int_equal(tier_scorecard_new(&m, NULL, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(bad); i++) {
        int rc = tier_scorecard_add_factor(m, bad[i].name, "attr.x", 10, bad[i].group, bad[i].norm,
                                           bad[i].dir, bad[i].missing, &idx);
        if (rc != TIER_EINVAL)
            fail_msg("factor %lu: status %d", (unsigned long)i, rc);
    }
    assert_int_equal(idx, 99);
    assert_int_equal(tier_scorecard_factor_count(m), 0);
    memset(name, 'n', 65);
    name[65] = '\0';
    assert_int_equal(tier_scorecard_add_factor(m, name, "attr.x", 10, EXPL, PCT, HIGH, ZERO, NULL),
                     TIER_EINVAL);
    /* 256 factors, then one more */
    for (i = 0; i < 256; i++) {
        snprintf(name, sizeof name, "f%u", (unsigned)i);
        assert_int_equal(
            tier_scorecard_add_factor(m, name, "attr.x", 0.25, EXPL, PCT, HIGH, ZERO, NULL),
            TIER_OK);
    }
    tst_expect_model_error(
        m, tier_scorecard_add_factor(m, "last", "attr.x", 1, EXPL, PCT, HIGH, ZERO, NULL),
        TIER_ERANGE, "more than 256 factors");
    assert_int_equal(tier_scorecard_factor_count(m), 256);
    assert_string_equal(tier_scorecard_factor_name(m, 255), "f255");
    assert_null(tier_scorecard_factor_name(m, 256));
    assert_null(tier_scorecard_factor_name(NULL, 0));
    tier_model_free(m);
}

static void test_caps_and_bands_out_of_order(void **state)
{
    static const double edges[3] = {1, 2, 3}, down[3] = {1, 3, 2}, nan_edge[3] = {1, NAN, 3};
    static const double fr[4] = {0, 0.25, 0.5, 1}, over[4] = {0, 0.5, 1.5, 1};
    tier_model *m = NULL;
    size_t f;
    (void)state;
    assert_int_equal(tier_scorecard_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_scorecard_add_factor(m, "b", "attr.x", 10, EXPL,
                                               TIER_SCORECARD_NORM_BANDS, HIGH, ZERO, &f),
                     TIER_OK);
    assert_int_equal(tier_scorecard_set_caps(m, f, INFINITY, 1), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_caps(m, f, 0, -INFINITY), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_caps(m, f, 2, 1), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_caps(m, 5, 0, 1), TIER_ERANGE);
    tst_expect_model_error(m, tier_scorecard_set_bands(m, f, edges, 0, fr), TIER_ERANGE,
                           "factor \"b\": 0 band edges (need 1..64)");
    tst_expect_model_error(m, tier_scorecard_set_bands(m, f, edges, 65, fr), TIER_ERANGE,
                           "factor \"b\": 65 band edges (need 1..64)");
    tst_expect_model_error(m, tier_scorecard_set_bands(m, f, NULL, 3, fr), TIER_EINVAL,
                           "factor \"b\": no edges or fractions");
    tst_expect_model_error(m, tier_scorecard_set_bands(m, f, edges, 3, NULL), TIER_EINVAL,
                           "factor \"b\": no edges or fractions");
    tst_expect_model_error(
        m, tier_scorecard_set_bands(m, f, down, 3, fr), TIER_EINVAL,
        "factor \"b\": band edges must be finite and strictly ascending (edge 2)");
    tst_expect_model_error(m, tier_scorecard_set_bands(m, f, nan_edge, 3, fr), TIER_EINVAL,
                           "strictly ascending (edge 1)");
    tst_expect_model_error(m, tier_scorecard_set_bands(m, f, edges, 3, over), TIER_EINVAL,
                           "factor \"b\": band fraction 2 (1.5) is not in [0, 1]");
    assert_int_equal(tier_scorecard_set_bands(m, f, edges, 3, fr), TIER_OK);
    tier_model_free(m);
}

static void test_rules_with_a_bad_operator_threshold_points_or_grade(void **state)
{
    tier_model *m = NULL;
    char name[16];
    int i;
    (void)state;
    assert_int_equal(tier_scorecard_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_scorecard_add_penalty(m, "p", "attr.x", 0, 1, -5), TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_penalty(m, "p", "attr.x", 7, 1, -5), TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_penalty(m, "p", "attr.x", TIER_OP_LT, NAN, -5),
                     TIER_EINVAL);
    tst_expect_model_error(m, tier_scorecard_add_penalty(m, "p", "attr.x", TIER_OP_LT, 1, 0),
                           TIER_EINVAL, "penalty \"p\": points 0 must be in [-100, 0)");
    tst_expect_model_error(m, tier_scorecard_add_penalty(m, "p", "attr.x", TIER_OP_LT, 1, -101),
                           TIER_EINVAL, "points -101 must be in [-100, 0)");
    tst_expect_model_error(m, tier_scorecard_add_penalty(m, "p", "attr.x", TIER_OP_LT, 1, NAN),
                           TIER_EINVAL, "must be in [-100, 0)");
    tst_expect_model_error(m, tier_scorecard_add_veto(m, "v", "attr.x", TIER_OP_EQ, 0, "F"),
                           TIER_EINVAL, "veto \"v\": the grade cap must be one of A, B, C, D, E");
    tst_expect_model_error(m, tier_scorecard_add_veto(m, "v", "attr.x", TIER_OP_EQ, 0, "AB"),
                           TIER_EINVAL, "the grade cap must be one of");
    tst_expect_model_error(m, tier_scorecard_add_veto(m, "v", "attr.x", TIER_OP_EQ, 0, NULL),
                           TIER_EINVAL, "the grade cap must be one of");
    tst_expect_model_error(m, tier_scorecard_add_veto(m, "v", "attr.x", TIER_OP_EQ, 0, "a"),
                           TIER_EINVAL, "the grade cap must be one of");
    for (i = 0; i < 64; i++) {
        snprintf(name, sizeof name, "p%d", i);
        assert_int_equal(tier_scorecard_add_penalty(m, name, "attr.x", TIER_OP_LT, i, -1), TIER_OK);
    }
    tst_expect_model_error(m, tier_scorecard_add_penalty(m, "p64", "attr.x", TIER_OP_LT, 1, -1),
                           TIER_ERANGE, "more than 64 penalty rules");
    tier_model_free(m);
}

static void test_every_builder_call_refuses_another_kind(void **state)
{
    static const double edges[1] = {1}, fr[2] = {0, 1};
    static const double lower[4] = {80, 60, 40, 20};
    tier_model *p = NULL;
    (void)state;
    assert_int_equal(tier_pareto_new(&p, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_scorecard_add_factor(p, "f", "attr.x", 1, EXPL, PCT, HIGH, ZERO, NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_caps(p, 0, 0, 1), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_bands(p, 0, edges, 1, fr), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_impute(p, 0, 1), TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_penalty(p, "p", "attr.x", TIER_OP_LT, 1, -1), TIER_EINVAL);
    assert_int_equal(tier_scorecard_add_veto(p, "v", "attr.x", TIER_OP_LT, 1, "A"), TIER_EINVAL);
    assert_int_equal(tier_scorecard_set_grade_bands(p, lower), TIER_EINVAL);
    assert_int_equal(tier_scorecard_factor_count(p), 0);
    assert_null(tier_scorecard_factor_name(p, 0));
    assert_int_equal(tier_scorecard_new_b2b(NULL, NULL, TST_ALLOC), TIER_EINVAL);
    tier_model_free(p);
}

TST_MAIN(cmocka_unit_test(test_factors_with_a_kind_or_name_out_of_range),
         cmocka_unit_test(test_caps_and_bands_out_of_order),
         cmocka_unit_test(test_rules_with_a_bad_operator_threshold_points_or_grade),
         cmocka_unit_test(test_every_builder_call_refuses_another_kind))
