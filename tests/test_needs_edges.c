/* SPDX-License-Identifier: MIT */
/* The needs model's calls at their edges (include/tier/needs.h): every call refuses a NULL or
 * foreign model; features stop at TIER_NEEDS_MAX_FEATURES and profiles at
 * TIER_NEEDS_MAX_SEGMENTS, each with the limit named; previous centres and fit statistics check
 * their arguments; a model of raw-unit profiles (fitted without a fit) survives every failed
 * allocation over adding its profiles, scoring, re-scoring one customer, explaining, renaming a
 * segment, and saving and loading. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

static tier_model *needs_with(const char *const *features, size_t n)
{
    tier_model *m = NULL;
    size_t i;
    assert_int_equal(tier_needs_new(&m, NULL, TST_ALLOC), TIER_OK);
    for (i = 0; i < n; i++)
        assert_int_equal(tier_needs_add_feature(m, features[i]), TIER_OK);
    return m;
}

static void test_every_call_refuses_a_missing_or_foreign_model(void **state)
{
    static const double v[2] = {1, 2};
    tier_model *p = NULL;
    double out = 7;
    (void)state;
    assert_int_equal(tier_pareto_new(&p, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_needs_add_feature(NULL, "attr.x"), TIER_EINVAL);
    assert_int_equal(tier_needs_add_feature(p, "attr.x"), TIER_EINVAL);
    assert_int_equal(tier_needs_add_profile(p, "a", v, 2), TIER_EINVAL);
    assert_int_equal(tier_needs_set_segment_name(p, 0, "a"), TIER_EINVAL);
    assert_int_equal(tier_needs_centroid(p, 0, &out, 1), TIER_EINVAL);
    assert_int_equal(tier_needs_set_previous_centroids(p, NULL, v, 1, 2), TIER_EINVAL);
    assert_int_equal(tier_needs_fit_stat(p, TIER_NEEDS_STAT_K, &out), TIER_EINVAL);
    assert_true(out == 7);
    assert_int_equal(tier_needs_feature_count(p), 0);
    assert_null(tier_needs_feature_name(p, 0));
    assert_int_equal(tier_needs_segment_count(p), 0);
    assert_null(tier_needs_segment_name(p, 0));
    tier_needs_clear_profiles(p); /* nothing to clear: no crash, the model untouched */
    tier_needs_clear_profiles(NULL);
    assert_string_equal(tier_model_kind(p), "pareto");
    tier_model_free(p);
}

static void test_features_and_profiles_stop_at_their_limits(void **state)
{
    static const char *const two[] = {"attr.x", "attr.y"};
    tier_model *m = needs_with(two, 2);
    double row[2] = {0, 0};
    char name[32];
    size_t i;
    (void)state;
    assert_int_equal(tier_model_set_number(m, "standardize", 0), TIER_OK);
    assert_int_equal(tier_needs_add_profile(m, NULL, row, 2), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "no profile name or values"));
    assert_int_equal(tier_needs_add_profile(m, "a", NULL, 2), TIER_EINVAL);
    for (i = 0; i < TIER_NEEDS_MAX_SEGMENTS; i++) {
        snprintf(name, sizeof name, "p%03u", (unsigned)i);
        row[0] = (double)i;
        assert_int_equal(tier_needs_add_profile(m, name, row, 2), TIER_OK);
    }
    assert_int_equal(tier_needs_segment_count(m), TIER_NEEDS_MAX_SEGMENTS);
    assert_int_equal(tier_needs_add_profile(m, "one_more", row, 2), TIER_ERANGE);
    assert_non_null(strstr(tier_model_last_error(m), "more than 256 profiles"));
    assert_int_equal(tier_needs_segment_count(m), TIER_NEEDS_MAX_SEGMENTS);
    assert_string_equal(tier_needs_segment_name(m, 255), "p255");
    assert_null(tier_needs_segment_name(m, 256));
    tier_needs_clear_profiles(m);
    assert_false(tier_model_is_fitted(m));
    assert_int_equal(tier_needs_segment_count(m), 0);
    tier_model_free(m);
    /* features */
    m = needs_with(NULL, 0);
    for (i = 0; i < TIER_NEEDS_MAX_FEATURES; i++) {
        snprintf(name, sizeof name, "attr.f%u", (unsigned)i);
        assert_int_equal(tier_needs_add_feature(m, name), TIER_OK);
    }
    assert_int_equal(tier_needs_add_feature(m, "attr.last"), TIER_ERANGE);
    assert_non_null(strstr(tier_model_last_error(m), "more than 1024 features"));
    assert_int_equal(tier_needs_feature_count(m), TIER_NEEDS_MAX_FEATURES);
    assert_string_equal(tier_needs_feature_name(m, 1023), "attr.f1023");
    assert_null(tier_needs_feature_name(m, 1024));
    tier_model_free(m);
}

static void test_previous_centres_and_statistics_check_their_arguments(void **state)
{
    static const char *const two[] = {"attr.x", "attr.y"};
    static const double v[4] = {0, 1, 2, 3}, low[2] = {0, 0}, high[2] = {10, 10};
    tier_model *m = needs_with(two, 2);
    double out = 7, c[2];
    (void)state;
    assert_int_equal(tier_needs_set_previous_centroids(m, NULL, NULL, 2, 2), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "no previous centres"));
    assert_int_equal(tier_needs_set_previous_centroids(m, NULL, v, 0, 2), TIER_ERANGE);
    assert_non_null(strstr(tier_model_last_error(m), "need 1..256 centres of 2 values"));
    assert_int_equal(tier_needs_set_previous_centroids(m, NULL, v, 257, 2), TIER_ERANGE);
    assert_int_equal(tier_needs_set_previous_centroids(m, NULL, v, 2, 0), TIER_ERANGE);
    assert_int_equal(tier_needs_set_previous_centroids(m, NULL, v, 1, 4), TIER_ERANGE);
    assert_int_equal(tier_needs_set_previous_centroids(m, NULL, v, 2, 2), TIER_OK);
    /* statistics: a place, a known statistic, a fit */
    assert_int_equal(tier_needs_fit_stat(m, TIER_NEEDS_STAT_K, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "no place for the value"));
    assert_int_equal(tier_needs_fit_stat(m, 0, &out), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "unknown statistic"));
    assert_int_equal(tier_needs_fit_stat(m, TIER_NEEDS_STAT_USED_FEATURES + 1, &out), TIER_EINVAL);
    assert_int_equal(tier_needs_fit_stat(m, TIER_NEEDS_STAT_K, &out), TIER_ESTATE);
    assert_true(out == 7);
    assert_int_equal(tier_needs_centroid(m, 0, c, 2), TIER_ESTATE);
    assert_non_null(strstr(tier_model_last_error(m), "not fitted: no centre"));
    assert_int_equal(tier_needs_set_segment_name(m, 0, "x"), TIER_ESTATE);
    /* raw-unit profiles: a fit without iterations */
    assert_int_equal(tier_model_set_number(m, "standardize", 0), TIER_OK);
    assert_int_equal(tier_needs_add_profile(m, "low", low, 2), TIER_OK);
    assert_int_equal(tier_needs_add_profile(m, "high", high, 2), TIER_OK);
    assert_int_equal(tier_needs_fit_stat(m, TIER_NEEDS_STAT_K, &out), TIER_OK);
    assert_true(out == 2);
    assert_int_equal(tier_needs_fit_stat(m, TIER_NEEDS_STAT_USED_FEATURES, &out), TIER_OK);
    assert_true(out == 2);
    assert_int_equal(tier_needs_fit_stat(m, TIER_NEEDS_STAT_ITERATIONS, &out), TIER_OK);
    assert_true(isnan(out) || out == 0);
    assert_int_equal(tier_needs_centroid(m, 1, NULL, 2), TIER_EINVAL);
    assert_int_equal(tier_needs_centroid(m, 2, c, 2), TIER_ERANGE);
    assert_non_null(strstr(tier_model_last_error(m), "segment 2 of 2, room for 2 values of 2"));
    assert_int_equal(tier_needs_centroid(m, 1, c, 2), TIER_OK);
    assert_true(c[0] == 10 && c[1] == 10);
    assert_int_equal(tier_needs_set_segment_name(m, 2, "x"), TIER_ERANGE);
    assert_int_equal(tier_needs_set_segment_name(m, 1, "low"), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "is taken"));
    assert_int_equal(tier_needs_set_segment_name(m, 1, "top"), TIER_OK);
    assert_string_equal(tier_needs_segment_name(m, 1), "top");
    tier_model_free(m);
}

/* ---- out of memory ------------------------------------------------------------------------- */

static tier_book *profiles_book(const tier_allocator *a)
{
    static const tst_txn rows[] = {{"a", 100, 10}, {"b", 100, 10}, {"c", 100, 10}, {"d", 100, 10}};
    static const double x[] = {1, 9, 4, NAN}, y[] = {0, 8, NAN, NAN};
    tier_book *book = tst_book_of(a, rows, TST_COUNT(rows));
    size_t i;
    for (i = 0; i < TST_COUNT(rows); i++) {
        assert_int_equal(tier_book_set_number(book, i, "x", x[i]), TIER_OK);
        assert_int_equal(tier_book_set_number(book, i, "y", y[i]), TIER_OK);
    }
    return book;
}

static int profiles_setup(tier_model *m)
{
    static const double low[2] = {0, 0}, high[2] = {10, 10};
    int rc = tier_needs_add_feature(m, "attr.x");
    if (!rc)
        rc = tier_needs_add_feature(m, "attr.y");
    if (!rc)
        rc = tier_model_set_number(m, "standardize", 0);
    if (!rc)
        rc = tier_needs_add_profile(m, "low", low, 2);
    if (!rc)
        rc = tier_needs_add_profile(m, "high", high, 2);
    return rc;
}

/* Re-scores customer c, explains it and renames the second profile. */
static int profiles_more(tier_model *m, const tier_book *book, tier_frame *f, tier_text *t)
{
    double c[2];
    int rc = tier_model_score_row(m, book, f, 2);
    if (!rc)
        rc = tier_model_explain(m, book, f, 0, t);
    if (!rc)
        assert_non_null(strstr(tier_text_data(t), "low"));
    if (!rc)
        rc = tier_needs_set_segment_name(m, 1, "top");
    if (!rc) {
        assert_string_equal(tier_needs_segment_name(m, 1), "top");
        assert_int_equal(tier_needs_centroid(m, 1, c, 2), TIER_OK);
        assert_true(c[0] == 10 && c[1] == 10);
    }
    return rc;
}

/* Raw-unit profiles are a fit of their own: no tier_model_fit, straight to the score. */
static int oom_profiles(const tier_allocator *alloc, void *ud)
{
    const tier_book *book = ud;
    tier_model *m = NULL, *copy = NULL;
    tier_frame *f = NULL;
    tier_text *t = NULL;
    int rc = tier_needs_new(&m, NULL, alloc);
    if (!rc)
        rc = profiles_setup(m);
    if (!rc)
        rc = tst_oom_score(m, book, alloc, 4, &f);
    if (!rc)
        rc = tier_text_new(&t, alloc);
    if (!rc)
        rc = profiles_more(m, book, f, t);
    if (!rc)
        rc = tier_needs_new(&copy, NULL, alloc);
    if (!rc)
        rc = tst_oom_save_load(m, copy, alloc);
    tier_text_free(t);
    tier_model_free(copy);
    tst_release(f, m, NULL);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_every_call_refuses_a_missing_or_foreign_model),
         cmocka_unit_test(test_features_and_profiles_stop_at_their_limits),
         cmocka_unit_test(test_previous_centres_and_statistics_check_their_arguments),
         TST_OOM_WALK(test_raw_profiles_survive_every_failed_allocation, oom_profiles,
                      profiles_book, 10))
