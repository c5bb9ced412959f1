/* SPDX-License-Identifier: MIT */
/* The RFM model's calls at their edges (include/tier/rfm.h): cut points of a dimension that is
 * not R, F or M, without an array, before there are any, of the wrong count; segment maps that
 * are missing or of a slot that does not exist; a NULL or foreign model; and the explanation
 * in a frame the model did not score. Each names what is wrong and leaves the model as it was. */
#include <math.h>
#include <string.h>

#include "support.h"

static void test_cut_points_and_maps_check_their_arguments(void **state)
{
    static const double cuts[4] = {1, 2, 3, 4};
    tier_model *m = NULL, *p = NULL;
    tier_segmap *map = NULL;
    double out[4] = {7, 7, 7, 7};
    (void)state;
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pareto_new(&p, NULL, TST_ALLOC), TIER_OK);
    tst_expect_model_error(m, tier_rfm_cut_points(m, -1, out, 4), TIER_EINVAL,
                           "dimension -1 is not TIER_RFM_R, TIER_RFM_F or TIER_RFM_M");
    tst_expect_model_error(m, tier_rfm_cut_points(m, 3, out, 4), TIER_EINVAL, "dimension 3 is not");
    tst_expect_model_error(m, tier_rfm_cut_points(m, TIER_RFM_R, NULL, 4), TIER_EINVAL,
                           "no array of cut points");
    tst_expect_model_error(m, tier_rfm_cut_points(m, TIER_RFM_R, out, 4), TIER_ESTATE,
                           "no cut points yet");
    tst_expect_model_error(m, tier_rfm_set_cut_points(m, TIER_RFM_F, NULL, 4), TIER_EINVAL,
                           "no array of cut points");
    tst_expect_model_error(m, tier_rfm_set_cut_points(m, TIER_RFM_F, cuts, 3), TIER_ERANGE,
                           "3 cut points given, the model has 5 bins and needs 4");
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_F, cuts, 4), TIER_OK);
    assert_false(tier_model_is_fitted(m)); /* R and M have none yet */
    tst_expect_model_error(m, tier_rfm_cut_points(m, TIER_RFM_F, out, 3), TIER_ERANGE,
                           "room for 3 cut points, the model has 4");
    assert_true(out[0] == 7);
    assert_int_equal(tier_rfm_cut_points(m, TIER_RFM_F, out, 4), TIER_OK);
    assert_memory_equal(out, cuts, sizeof cuts);
    /* maps */
    tst_expect_model_error(m, tier_rfm_set_segmap(m, 0, NULL), TIER_EINVAL, "no segment map");
    assert_int_equal(tier_segmap_new_builtin(&map, TIER_SEGMAP_RF10, TST_ALLOC), TIER_OK);
    tst_expect_model_error(m, tier_rfm_set_segmap(m, 2, map), TIER_EINVAL,
                           "which map: 0 (segment) or 1 (value class)");
    assert_int_equal(tier_rfm_set_segmap(m, 1, map), TIER_OK);
    /* a foreign model */
    assert_int_equal(tier_rfm_set_segmap(p, 0, map), TIER_EINVAL);
    assert_int_equal(tier_rfm_set_cut_points(p, TIER_RFM_R, cuts, 4), TIER_EINVAL);
    assert_int_equal(tier_rfm_cut_points(p, TIER_RFM_R, out, 4), TIER_EINVAL);
    assert_int_equal(tier_rfm_set_segmap(NULL, 0, map), TIER_EINVAL);
    tier_segmap_free(map);
    tier_model_free(p);
    tier_model_free(m);
}

static void test_pinned_cut_points_score_without_a_fit(void **state)
{
    static const tst_txn rows[] = {{"a", 100, 10}, {"a", 200, 30}, {"b", 150, 500}};
    static const double r[4] = {10, 50, 100, 150}, f[4] = {1, 2, 3, 4}, mm[4] = {20, 40, 100, 200};
    tier_book *book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    tier_model *m = NULL;
    tier_frame *fr, *other = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "as_of", 201), TIER_OK);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_R, r, 4), TIER_OK);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_F, f, 4), TIER_OK);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_M, mm, 4), TIER_OK);
    assert_true(tier_model_is_fitted(m));
    fr = tst_score(m, book, TST_ALLOC);
    /* a: last purchase 1 day before, 2 purchase days, 40 in all; b: 51 days, 1, 500 */
    assert_true(tst_numbers(fr, "rfm.r")[0] == 1 && tst_numbers(fr, "rfm.m")[1] == 500);
    assert_true(tst_numbers(fr, "rfm.r_score")[0] == 5 && tst_numbers(fr, "rfm.f_score")[0] == 2 &&
                tst_numbers(fr, "rfm.m_score")[0] == 2);
    assert_true(tst_numbers(fr, "rfm.r_score")[1] == 3 && tst_numbers(fr, "rfm.f_score")[1] == 1 &&
                tst_numbers(fr, "rfm.m_score")[1] == 5);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_new(&other, 2, TST_ALLOC), TIER_OK);
    assert_int_not_equal(tier_model_explain(m, book, other, 0, t), TIER_OK);
    assert_int_not_equal(tier_model_explain(m, book, fr, 5, t), TIER_OK);
    tier_frame_free(other);
    tier_text_free(t);
    tst_release(fr, m, book);
}

TST_MAIN(cmocka_unit_test(test_cut_points_and_maps_check_their_arguments),
         cmocka_unit_test(test_pinned_cut_points_score_without_a_fit))
