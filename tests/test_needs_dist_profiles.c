/* SPDX-License-Identifier: MIT */
/* The needs model's distributed fit to need profiles: the standardisation's rounds without
 * sample candidates ("moments"), then one round summing the distances to the nearest profile.
 * A book split into parts gives the whole book's saved state and statistics byte for byte (with
 * standardisation on and off, with parts that hold no complete customer); a profile too far out
 * fails as the single fit; profiles changed during the fit are refused; every failed
 * allocation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support_needs.h"

/* Three profiles in raw units (near three of the generated blobs). */
static const double profile_values[3][P_FEAT] = {{0, 0, 5}, {10, 1, 5}, {5, 5, 5}};
static const char *const profile_names[3] = {"low", "crm heavy", "middle"};

static tier_model *with_profiles(const tier_allocator *a, double standardize, double far)
{
    tst_needs_opts o = {0, 65536, 5000, 1, 100};
    tier_model *m;
    size_t j;
    o.standardize = standardize;
    if (!(m = tst_needs_model(a, &o)))
        return NULL;
    for (j = 0; j < 3; j++) {
        double v[P_FEAT];
        int rc;
        memcpy(v, profile_values[j], sizeof v);
        if (j == 2)
            v[1] = far;
        if ((rc = tier_needs_add_profile(m, profile_names[j], v, P_FEAT)) != TIER_OK) {
            tst_expect_oom(rc, tier_model_last_error(m));
            tier_model_free(m);
            return NULL;
        }
    }
    return m;
}

static void test_split_books_fit_the_profiles_as_the_whole(void **s)
{
    static const size_t counts[] = {1, 3, 7};
    size_t c, n = 300;
    int std;
    (void)s;
    for (std = 0; std <= 1; std++) {
        tier_book *whole = tst_needs_book(n, 1, -1, 5);
        tier_model *m = with_profiles(TST_ALLOC, std, 5);
        char *want;
        tst_fit(m, whole, NULL);
        want = tst_saved(m, TST_ALLOC);
        assert_true(tst_needs_stat(m, TIER_NEEDS_STAT_INERTIA) > 0);
        assert_string_equal(tier_needs_segment_name(m, 1), "crm heavy");
        for (c = 0; c < TST_COUNT(counts); c++) /* summary, (spread,) inertia */
            assert_int_equal(
                tst_needs_split_fit(m, want, with_profiles(TST_ALLOC, std, 5), n, counts[c]),
                std ? 3 : 2);
        test_free(want);
        tier_model_free(m);
        tier_book_free(whole);
    }
}

/* Parts without a complete customer (an empty book, a book whose customers lack a feature):
 * the fit of an empty book, the profiles unscaled. */
static void test_parts_without_customers_fit_as_an_empty_book(void **s)
{
    tier_book *parts[2] = {NULL, NULL}, *empty = NULL;
    tier_model *m = with_profiles(TST_ALLOC, 1, 5), *d = with_profiles(TST_ALLOC, 1, 5);
    size_t idx;
    int rounds;
    char *want, *got;
    (void)s;
    assert_int_equal(tier_book_new(&empty, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_new(&parts[0], TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_new(&parts[1], TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_customer(parts[1], "only-f0", 7, &idx), TIER_OK);
    assert_int_equal(tier_book_set_number(parts[1], idx, "f0", 3), TIER_OK);
    assert_int_equal(tier_book_add_customer(empty, "only-f0", 7, &idx), TIER_OK);
    assert_int_equal(tier_book_set_number(empty, idx, "f0", 3), TIER_OK);
    tst_fit(m, empty, NULL);
    want = tst_saved(m, TST_ALLOC);
    assert_int_equal(tst_needs_drive(TST_ALLOC, d, parts, 2, &rounds), TIER_OK);
    got = tst_saved(d, TST_ALLOC);
    assert_string_equal(want, got);
    tst_needs_same_stats(m, d);
    assert_true(tst_needs_stat(d, TIER_NEEDS_STAT_INERTIA) == 0);
    assert_true(tst_needs_stat(d, TIER_NEEDS_STAT_EXCLUDED) == 1);
    test_free(want);
    test_free(got);
    tier_model_free(m);
    tier_model_free(d);
    tier_book_free(empty);
    tst_needs_free_parts(parts, 2);
}

/* The first request asks for the moments only; a part that sends candidates anyway, or counts
 * that do not add up in the inertia round, is refused and nothing applied. */
static void test_the_rounds_are_checked(void **s)
{
    tier_book *parts[2];
    tier_model *d = with_profiles(TST_ALLOC, 1, 5), *part = NULL, *clu = NULL;
    tier_text *req = NULL, *texts[2] = {NULL, NULL}, *wrong = NULL;
    const char *answers[2];
    size_t lens[2];
    (void)s;
    tst_needs_split(200, 2, parts);
    assert_int_equal(tier_needs_new(&part, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&req, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&wrong, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&texts[0], TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&texts[1], TST_ALLOC), TIER_OK);
    assert_int_equal(tier_needs_dist_begin(d, req), TIER_OK);
    assert_non_null(strstr(tier_text_data(req), "\nmoments\nend\n"));
    assert_int_equal(tst_needs_answer_all(part, parts, 2, req, texts, answers, lens), TIER_OK);
    assert_null(strstr(answers[0], "\ncand\t"));
    /* a clustering's summary answer sends candidates: refused */
    clu = tst_needs_model(TST_ALLOC, &tst_needs_option_sets[1]);
    assert_int_equal(tier_needs_dist_begin(clu, wrong), TIER_OK);
    assert_int_equal(tier_needs_dist_answer(part, parts[0], NULL, tier_text_data(wrong),
                                            tier_text_length(wrong), wrong),
                     TIER_OK);
    {
        const char *bad[2];
        size_t bl[2];
        bad[0] = answers[0];
        bl[0] = lens[0];
        bad[1] = tier_text_data(wrong);
        bl[1] = tier_text_length(wrong);
        tst_expect_model_error(d, tier_needs_dist_merge(d, bad, bl, 2, req), TIER_EPARSE,
                               "counts that do not fit together");
    }
    /* the same round, corrected, goes on: spread, then the inertia round of the 3 profiles */
    assert_int_equal(tier_needs_dist_merge(d, answers, lens, 2, req), TIER_OK);
    assert_non_null(strstr(tier_text_data(req), "\nspread\n"));
    assert_int_equal(tst_needs_answer_all(part, parts, 2, req, texts, answers, lens), TIER_OK);
    assert_int_equal(tier_needs_dist_merge(d, answers, lens, 2, req), TIER_OK);
    assert_non_null(strstr(tier_text_data(req), "\nlloyd\t3\n"));
    assert_int_equal(tst_needs_answer_all(part, parts, 2, req, texts, answers, lens), TIER_OK);
    /* one part twice: more customers than the complete ones */
    {
        const char *twice[2];
        size_t tl[2];
        twice[0] = twice[1] = answers[1];
        tl[0] = tl[1] = lens[1];
        assert_int_equal(tier_needs_dist_merge(d, twice, tl, 2, req), TIER_EPARSE);
        assert_false(tier_model_is_fitted(d));
    }
    assert_int_equal(tier_needs_dist_merge(d, answers, lens, 2, req), TIER_OK);
    assert_int_equal(tier_text_length(req), 0);
    assert_true(tier_model_is_fitted(d));
    assert_int_equal(tier_needs_segment_count(d), 3);
    tier_text_free(texts[0]);
    tier_text_free(texts[1]);
    tier_text_free(req);
    tier_text_free(wrong);
    tier_model_free(part);
    tier_model_free(clu);
    tier_model_free(d);
    tst_needs_free_parts(parts, 2);
}

/* A profile beyond |z| = 1e100 fails the fit as tier_model_fit() fails (the same message), and
 * ends it; profiles changed while the fit runs are refused at its end. */
static void test_failures_end_as_the_single_fit(void **s)
{
    tier_book *parts[3], *whole = tst_needs_book(150, 1, -1, 0);
    tier_model *m = with_profiles(TST_ALLOC, 1, 1e300), *d = with_profiles(TST_ALLOC, 1, 1e300);
    char why[256] = "", want[256];
    int rounds;
    (void)s;
    tst_needs_split(150, 3, parts);
    assert_int_equal(tier_model_fit(m, whole, NULL), TIER_ERANGE);
    snprintf(want, sizeof want, "%s", tier_model_last_error(m));
    assert_non_null(strstr(want, "profile \"middle\": feature \"attr.f1\" is too far out"));
    assert_int_equal(tst_needs_drive_why(TST_ALLOC, d, parts, 3, &rounds, why), TIER_ERANGE);
    assert_non_null(strstr(why, "profile \"middle\": feature \"attr.f1\" is too far out"));
    assert_false(tier_model_is_fitted(d));
    tst_expect_model_error(d, tier_needs_dist_merge(d, NULL, NULL, 0, NULL), TIER_ESTATE,
                           "no distributed fit");
    tier_model_free(d);
    /* profiles cleared, or one replaced by another of the same name, during the fit */
    {
        int change;
        for (change = 0; change < 3; change++) {
            tier_text *req = NULL, *texts[3] = {NULL, NULL, NULL};
            tier_model *part = NULL;
            const char *answers[3];
            size_t lens[3], i;
            int rc = TIER_OK;
            d = with_profiles(TST_ALLOC, 0, 5);
            assert_int_equal(tier_needs_new(&part, NULL, TST_ALLOC), TIER_OK);
            assert_int_equal(tier_text_new(&req, TST_ALLOC), TIER_OK);
            for (i = 0; i < 3; i++)
                assert_int_equal(tier_text_new(&texts[i], TST_ALLOC), TIER_OK);
            assert_int_equal(tier_needs_dist_begin(d, req), TIER_OK);
            tier_needs_clear_profiles(d);
            if (change > 0) {
                double v[P_FEAT] = {0, 0, 5};
                assert_int_equal(
                    tier_needs_add_profile(d, change == 1 ? "low" : "other", v, P_FEAT), TIER_OK);
                if (change == 1) {
                    v[0] = 1;
                    assert_int_equal(tier_needs_add_profile(d, "crm heavy", v, P_FEAT), TIER_OK);
                    v[0] = 2;
                    assert_int_equal(tier_needs_add_profile(d, "middle", v, P_FEAT), TIER_OK);
                }
            }
            while (!rc && tier_text_length(req) > 0) {
                assert_int_equal(tst_needs_answer_all(part, parts, 3, req, texts, answers, lens),
                                 TIER_OK);
                rc = tier_needs_dist_merge(d, answers, lens, 3, req);
            }
            tst_expect_model_error(d, rc, TIER_ESTATE, "features changed, or its profiles");
            for (i = 0; i < 3; i++)
                tier_text_free(texts[i]);
            tier_text_free(req);
            tier_model_free(part);
            tier_model_free(d);
        }
    }
    tier_model_free(m);
    tier_book_free(whole);
    tst_needs_free_parts(parts, 3);
}

static tier_model *walked_model(const tier_allocator *a, const tst_needs_opts *o)
{
    (void)o;
    return with_profiles(a, 1, 5);
}

static void test_the_profile_loop_survives_every_failed_allocation(void **s)
{
    (void)s;
    tst_needs_oom_walk(walked_model, NULL, 90);
}

TST_MAIN(cmocka_unit_test(test_split_books_fit_the_profiles_as_the_whole),
         cmocka_unit_test(test_parts_without_customers_fit_as_an_empty_book),
         cmocka_unit_test(test_the_rounds_are_checked),
         cmocka_unit_test(test_failures_end_as_the_single_fit),
         cmocka_unit_test(test_the_profile_loop_survives_every_failed_allocation))
