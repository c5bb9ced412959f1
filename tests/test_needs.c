/* SPDX-License-Identifier: MIT */
/* The needs model: k-means++ on obvious clusters, determinism, bad inputs (k too large, one or no
 * customer, equal vectors, missing values), the silhouette's k, stable labels across refits,
 * need profiles, the text state, segment x grade in a policy and every failed allocation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* ---- helpers ----------------------------------------------------------------------------- */

/* A book of n customers "c000".. with numeric attributes f0..f{p-1} from vals (row-major; NaN
 * leaves the attribute unset). `order`, when given, is the order customers are added in. */
static tier_book *book_of(const double *vals, size_t n, size_t p, const size_t *order)
{
    tier_book *b = NULL;
    size_t i, f;
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    for (i = 0; i < n; i++) {
        size_t r = order ? order[i] : i, idx;
        char id[16], name[16];
        snprintf(id, sizeof id, "c%03lu", (unsigned long)r);
        assert_int_equal(tier_book_add_customer(b, id, strlen(id), &idx), TIER_OK);
        for (f = 0; f < p; f++) {
            snprintf(name, sizeof name, "f%lu", (unsigned long)f);
            assert_int_equal(tier_book_set_number(b, idx, name, vals[r * p + f]), TIER_OK);
        }
    }
    return b;
}

static tier_model *needs_model(size_t p, int k)
{
    tier_model *m = NULL;
    size_t f;
    assert_int_equal(tier_needs_new(&m, NULL, TST_ALLOC), TIER_OK);
    for (f = 0; f < p; f++) {
        char name[16];
        snprintf(name, sizeof name, "attr.f%lu", (unsigned long)f);
        assert_int_equal(tier_needs_add_feature(m, name), TIER_OK);
    }
    assert_int_equal(tier_model_set_number(m, "k", k), TIER_OK);
    return m;
}

static double stat_of(const tier_model *m, int stat)
{
    double v = -1;
    assert_int_equal(tier_needs_fit_stat(m, stat, &v), TIER_OK);
    return v;
}

/* Three groups of 4, 3 and 2 customers around (0,0), (10,0) and (0,10), by hand; raw units. */
static const double three_groups[] = {
    0,  0,  1,  0,  0,    1,   1, 1, /* group A: mean (0.5, 0.5) */
    10, 0,  11, 0,  10.5, 1.5,       /* group B: mean (10.5, 0.5) */
    0,  10, 1,  11,                  /* group C: mean (0.5, 10.5) */
};
static const int group_of[] = {0, 0, 0, 0, 1, 1, 1, 2, 2};
static const double group_mean[3][2] = {{0.5, 0.5}, {10.5, 0.5}, {0.5, 10.5}};

/* ---- clustering -------------------------------------------------------------------------- */

static void test_needs_separates_three_obvious_clusters(void **s)
{
    tier_book *b = book_of(three_groups, 9, 2, NULL);
    tier_model *m = needs_model(2, 3);
    tier_frame *fr;
    const int32_t *seg;
    const double *dist;
    double c[2];
    size_t i, g;
    (void)s;
    tst_fit(m, b, NULL);
    assert_int_equal(tier_needs_segment_count(m), 3);
    /* named by size: the group of 4 is need_1, of 3 need_2, of 2 need_3 */
    for (g = 0; g < 3; g++) {
        char want[16];
        snprintf(want, sizeof want, "need_%lu", (unsigned long)g + 1);
        assert_string_equal(tier_needs_segment_name(m, g), want);
        assert_int_equal(tier_needs_centroid(m, g, c, 2), TIER_OK);
        assert_true(fabs(c[0] - group_mean[g][0]) < 1e-9);
        assert_true(fabs(c[1] - group_mean[g][1]) < 1e-9);
    }
    fr = tst_score(m, b, TST_ALLOC);
    seg = tst_codes(fr, "needs.segment");
    dist = tst_numbers(fr, "needs.distance");
    for (i = 0; i < 9; i++)
        assert_int_equal(seg[i], group_of[i]);
    /* customer 0 at (0,0), centre (0.5,0.5): in standardised units sqrt((0.5/sd0)^2+(0.5/sd1)^2) */
    {
        double m0 = 0, m1 = 0, v0 = 0, v1 = 0, want;
        for (i = 0; i < 9; i++) {
            m0 += three_groups[2 * i] / 9;
            m1 += three_groups[2 * i + 1] / 9;
        }
        for (i = 0; i < 9; i++) {
            v0 += (three_groups[2 * i] - m0) * (three_groups[2 * i] - m0) / 9;
            v1 += (three_groups[2 * i + 1] - m1) * (three_groups[2 * i + 1] - m1) / 9;
        }
        want = sqrt(0.25 / v0 + 0.25 / v1);
        assert_true(fabs(dist[0] - want) < 1e-9);
    }
    assert_int_equal(stat_of(m, TIER_NEEDS_STAT_CONVERGED), 1);
    assert_int_equal(stat_of(m, TIER_NEEDS_STAT_FITTED), 9);
    tst_release(fr, m, b);
}

static void test_needs_gives_second_segment_and_margin_by_hand(void **s)
{
    /* One raw feature, profiles at 0 and 10: a customer at 3 is 3 from "low", 7 from "high". */
    static const double vals[] = {3, 9, 5};
    static const double low = 0, high = 10;
    tier_book *b = book_of(vals, 3, 1, NULL);
    tier_model *m = needs_model(1, 0);
    tier_frame *fr;
    const int32_t *seg, *second;
    const double *dist, *margin;
    (void)s;
    assert_int_equal(tier_model_set_number(m, "standardize", 0), TIER_OK);
    assert_int_equal(tier_needs_add_profile(m, "low", &low, 1), TIER_OK);
    assert_int_equal(tier_needs_add_profile(m, "high", &high, 1), TIER_OK);
    assert_true(tier_model_is_fitted(m)); /* profiles in raw units need no fit */
    fr = tst_score(m, b, TST_ALLOC);
    seg = tst_codes(fr, "needs.segment");
    second = tst_codes(fr, "needs.second");
    dist = tst_numbers(fr, "needs.distance");
    margin = tst_numbers(fr, "needs.margin");
    assert_int_equal(seg[0], 0);
    assert_int_equal(second[0], 1);
    assert_true(dist[0] == 3 && margin[0] == 4);
    assert_int_equal(seg[1], 1);
    assert_true(dist[1] == 1 && margin[1] == 8);
    /* 5 is a tie: the lower index wins */
    assert_int_equal(seg[2], 0);
    assert_int_equal(second[2], 1);
    assert_true(margin[2] == 0);
    tst_release(fr, m, b);
}

/* A deterministic 3-blob data set: n customers, 3 features, blobs far apart. */
static double *blobs(size_t n, double spread, uint64_t seed)
{
    double *v = test_malloc(n * 3 * sizeof *v);
    static const double centre[3][3] = {{0, 0, 0}, {20, 0, 5}, {0, 20, -5}};
    size_t i, f;
    for (i = 0; i < n; i++) {
        for (f = 0; f < 3; f++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            v[i * 3 + f] =
                centre[i % 3][f] + spread * ((double)(seed >> 11) / 9007199254740992.0 - 0.5);
        }
    }
    return v;
}

/* The two fitted models save the same text and score `b` (n customers) to the same distances and
 * segments. */
/* A book of n blob customers (blobs(n, spread, seed), three features). */
static tier_book *blob_book(size_t n, double spread, uint64_t seed)
{
    double *v = blobs(n, spread, seed);
    tier_book *b = book_of(v, n, 3, NULL);
    test_free(v);
    return b;
}

static void expect_same_models(const tier_model *m1, const tier_model *m2, const tier_book *b,
                               size_t n)
{
    char *t1 = tst_saved(m1, TST_ALLOC), *t2 = tst_saved(m2, TST_ALLOC);
    tier_frame *f1 = tst_score(m1, b, TST_ALLOC), *f2 = tst_score(m2, b, TST_ALLOC);
    assert_string_equal(t1, t2);
    assert_memory_equal(tst_numbers(f1, "needs.distance"), tst_numbers(f2, "needs.distance"),
                        n * sizeof(double));
    assert_memory_equal(tst_codes(f1, "needs.segment"), tst_codes(f2, "needs.segment"),
                        n * sizeof(int32_t));
    tier_frame_free(f1);
    tier_frame_free(f2);
    test_free(t1);
    test_free(t2);
}

static void test_needs_fits_bit_identically_twice(void **s)
{
    tier_book *b = blob_book(300, 8, 7);
    tier_model *m1 = needs_model(3, 4), *m2 = needs_model(3, 4);
    (void)s;
    tst_fit(m1, b, NULL);
    tst_fit(m2, b, NULL);
    expect_same_models(m1, m2, b, 300);
    assert_true(stat_of(m1, TIER_NEEDS_STAT_INERTIA) == stat_of(m2, TIER_NEEDS_STAT_INERTIA));
    tier_model_free(m1);
    tst_release(NULL, m2, b);
}

static void test_needs_finds_the_same_centres_whatever_the_insertion_order(void **s)
{
    double *v = blobs(90, 4, 11);
    size_t order[90], i, j, f;
    tier_book *b1, *b2;
    tier_model *m1 = needs_model(3, 3), *m2 = needs_model(3, 3);
    for (i = 0; i < 90; i++)
        order[i] = 89 - i;
    (void)s;
    b1 = book_of(v, 90, 3, NULL);
    b2 = book_of(v, 90, 3, order);
    tst_fit(m1, b1, NULL);
    tst_fit(m2, b2, NULL);
    /* Same centres up to label matching and rounding (sums run in another order). */
    for (i = 0; i < 3; i++) {
        double c1[3], c2[3], best = INFINITY;
        assert_int_equal(tier_needs_centroid(m1, i, c1, 3), TIER_OK);
        for (j = 0; j < 3; j++) {
            double d = 0;
            assert_int_equal(tier_needs_centroid(m2, j, c2, 3), TIER_OK);
            for (f = 0; f < 3; f++)
                d += fabs(c1[f] - c2[f]);
            if (d < best)
                best = d;
        }
        assert_true(best < 1e-9);
    }
    tier_model_free(m1);
    tier_model_free(m2);
    tier_book_free(b1);
    tier_book_free(b2);
    test_free(v);
}

static void test_needs_rejects_k_larger_than_the_customer_count(void **s)
{
    tier_book *b = book_of(three_groups, 9, 2, NULL);
    tier_model *m = needs_model(2, 10);
    (void)s;
    assert_int_equal(tier_model_fit(m, b, NULL), TIER_ERANGE);
    assert_non_null(strstr(tier_model_last_error(m), "k = 10"));
    assert_false(tier_model_is_fitted(m));
    tst_release(NULL, m, b);
}

static void test_needs_with_k_equal_to_the_customer_count_puts_each_alone(void **s)
{
    tier_book *b = book_of(three_groups, 9, 2, NULL);
    tier_model *m = needs_model(2, 9);
    tier_frame *fr;
    const int32_t *seg;
    const double *dist;
    size_t i, j;
    (void)s;
    tst_fit(m, b, NULL);
    fr = tst_score(m, b, TST_ALLOC);
    seg = tst_codes(fr, "needs.segment");
    dist = tst_numbers(fr, "needs.distance");
    for (i = 0; i < 9; i++) {
        assert_true(dist[i] == 0);
        for (j = 0; j < i; j++)
            assert_int_not_equal(seg[i], seg[j]);
    }
    assert_true(stat_of(m, TIER_NEEDS_STAT_INERTIA) == 0);
    tst_release(fr, m, b);
}

static void test_needs_puts_all_equal_vectors_in_the_first_segment(void **s)
{
    static const double same[] = {2, 5, 2, 5, 2, 5, 2, 5};
    tier_book *b = book_of(same, 4, 2, NULL);
    tier_model *m = needs_model(2, 2);
    tier_frame *fr;
    const int32_t *seg;
    const double *dist;
    double c[2];
    size_t i;
    (void)s;
    tst_fit(m, b, NULL);
    assert_int_equal(stat_of(m, TIER_NEEDS_STAT_USED_FEATURES), 0); /* sd 0: dropped */
    assert_int_equal(tier_needs_centroid(m, 1, c, 2), TIER_OK);
    assert_true(c[0] == 2 && c[1] == 5);
    fr = tst_score(m, b, TST_ALLOC);
    seg = tst_codes(fr, "needs.segment");
    dist = tst_numbers(fr, "needs.distance");
    for (i = 0; i < 4; i++) {
        assert_int_equal(seg[i], 0);
        assert_true(dist[i] == 0);
    }
    tier_frame_free(fr);
    /* Without standardisation the equal vectors still cluster: all on one centre. */
    assert_int_equal(tier_model_set_number(m, "standardize", 0), TIER_OK);
    tst_fit(m, b, NULL);
    fr = tst_score(m, b, TST_ALLOC);
    seg = tst_codes(fr, "needs.segment");
    for (i = 0; i < 4; i++)
        assert_int_equal(seg[i], 0);
    tst_release(fr, m, b);
}

static void test_needs_handles_one_customer(void **s)
{
    static const double one[] = {3, 4};
    tier_book *b = book_of(one, 1, 2, NULL);
    tier_model *m = needs_model(2, 1);
    tier_frame *fr;
    double c[2];
    (void)s;
    tst_fit(m, b, NULL);
    assert_int_equal(tier_needs_centroid(m, 0, c, 2), TIER_OK);
    assert_true(c[0] == 3 && c[1] == 4);
    fr = tst_score(m, b, TST_ALLOC);
    assert_int_equal(tst_codes(fr, "needs.segment")[0], 0);
    assert_int_equal(tst_codes(fr, "needs.second")[0], -1);
    assert_true(isnan(tst_numbers(fr, "needs.margin")[0]));
    tier_frame_free(fr);
    /* the silhouette needs k_min + 1 = 3 customers */
    assert_int_equal(tier_model_set_number(m, "k", 0), TIER_OK);
    assert_int_equal(tier_model_fit(m, b, NULL), TIER_ERANGE);
    assert_non_null(strstr(tier_model_last_error(m), "silhouette"));
    /* the failed fit left the previous one in place */
    assert_int_equal(tier_needs_segment_count(m), 1);
    tst_release(NULL, m, b);
}

static void test_needs_on_an_empty_book(void **s)
{
    tier_book *b = NULL;
    tier_model *m = needs_model(2, 2);
    tier_frame *fr;
    static const double prof[2] = {1, 2};
    (void)s;
    assert_int_equal(tier_book_new(&b, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, b, NULL), TIER_ERANGE);
    /* profiles need no customers */
    assert_int_equal(tier_needs_add_profile(m, "p", prof, 2), TIER_OK);
    tst_fit(m, b, NULL);
    fr = tst_score(m, b, TST_ALLOC);
    assert_int_equal(tier_frame_column_count(fr), 4);
    tst_release(fr, m, b);
}

/* A model "scorecard" with the number column "x" and the label column "grade" (codes of A..E);
 * `state` and `outs` (2) must outlive it. */
static tier_model *probe_model(tst_fixed *state, tst_column *outs, const double *x,
                               const int32_t *grade)
{
    static const char *const grades[] = {"A", "B", "C", "D", "E"};
    outs[0] = tst_number_column("x", x);
    outs[1] = tst_label_column("grade", grades, 5, grade);
    tst_fixed_init(state, outs, 2);
    return tst_fixed_model_ok("scorecard", state, 0);
}

static void test_needs_treats_nan_and_inf_as_missing(void **s)
{
    /* f0 from the book (NaN = unset; the book refuses inf), x from a frame column. */
    static const double f0[] = {0, 1, 0, 10, 11, 10, NAN, 0, NAN};
    static const double x[] = {0, 0, 1, 10, 10, 11, 10, INFINITY, NAN};
    static const int32_t grade[9] = {0};
    tier_book *b = book_of(f0, 9, 1, NULL);
    tst_fixed p;
    tst_column outs[2];
    tier_model *pm = probe_model(&p, outs, x, grade), *m = needs_model(1, 2);
    tier_frame *fr = NULL;
    const int32_t *seg;
    const double *dist;
    tier_text *t = NULL;
    (void)s;
    assert_int_equal(tier_book_set_number(b, 0, "f0", INFINITY), TIER_EINVAL);
    assert_int_equal(tier_needs_add_feature(m, "scorecard.x"), TIER_OK);
    assert_int_equal(tier_frame_new(&fr, 9, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(pm, b, fr), TIER_OK);
    if (tier_model_fit(m, b, fr) != TIER_OK)
        fail_msg("%s", tier_model_last_error(m));
    assert_int_equal(stat_of(m, TIER_NEEDS_STAT_FITTED), 6);
    assert_int_equal(stat_of(m, TIER_NEEDS_STAT_EXCLUDED), 3);
    assert_int_equal(tier_model_score(m, b, fr), TIER_OK);
    seg = tst_codes(fr, "needs.segment");
    dist = tst_numbers(fr, "needs.distance");
    assert_int_equal(seg[0], seg[1]);
    assert_int_not_equal(seg[0], seg[3]);
    /* customer 6 has only x = 10: placed with the high group on that feature alone */
    assert_int_equal(seg[6], seg[3]);
    assert_false(isnan(dist[6]));
    /* customer 7 has only f0 = 0 (x infinite): the low group */
    assert_int_equal(seg[7], seg[0]);
    /* customer 8 has nothing: no segment */
    assert_int_equal(seg[8], -1);
    assert_true(isnan(dist[8]));
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, b, fr, 6, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "missing: attr.f0"));
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, b, fr, 8, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "no segment"));
    tier_text_free(t);
    tier_frame_free(fr);
    tier_model_free(m);
    tst_release(NULL, pm, b);
}

static void test_needs_silhouette_picks_three_clusters(void **s)
{
    tier_book *b = blob_book(150, 6, 3);
    tier_model *m = needs_model(3, 0);
    (void)s;
    tst_fit(m, b, NULL);
    assert_int_equal(stat_of(m, TIER_NEEDS_STAT_K), 3);
    assert_true(stat_of(m, TIER_NEEDS_STAT_SILHOUETTE) > 0.7);
    /* the choice equals the fixed-k fit (same streams) */
    {
        tier_model *m3 = needs_model(3, 3);
        tst_fit(m3, b, NULL);
        assert_int_equal(tier_model_set_number(m3, "k", 0), TIER_OK);
        expect_same_models(m, m3, b, 150);
        tier_model_free(m3);
    }
    tst_release(NULL, m, b);
}

static void test_needs_silhouette_uses_a_sample_when_asked(void **s)
{
    tier_book *b = blob_book(600, 6, 5);
    tier_model *m = needs_model(3, 0);
    (void)s;
    assert_int_equal(tier_model_set_number(m, "sample", 90), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "init_sample", 200), TIER_OK);
    tst_fit(m, b, NULL);
    assert_int_equal(stat_of(m, TIER_NEEDS_STAT_K), 3);
    assert_int_equal(stat_of(m, TIER_NEEDS_STAT_FITTED), 600);
    tst_release(NULL, m, b);
}

/* ---- label stability --------------------------------------------------------------------- */

static void test_needs_keeps_segment_names_across_a_refit(void **s)
{
    double *v = blobs(120, 6, 21), *w = blobs(120, 6, 22);
    tier_book *b1 = book_of(v, 120, 3, NULL), *b2;
    tier_model *m = needs_model(3, 3);
    tier_frame *f1, *f2;
    const int32_t *s1, *s2;
    size_t keep[120], nkeep = 0, i;
    (void)s;
    tst_fit(m, b1, NULL);
    f1 = tst_score(m, b1, TST_ALLOC);
    s1 = tst_codes(f1, "needs.segment");
    assert_int_equal(tier_needs_set_segment_name(m, (size_t)s1[1], "growth"), TIER_OK);
    assert_int_equal(tier_needs_set_segment_name(m, (size_t)s1[2], "growth"), TIER_EINVAL);
    /* Perturbed data where blob 0 lost half its customers: a fresh fit would order the
     * segments by size (blob 0 last), so only matching keeps the codes and names. */
    for (i = 0; i < 120; i++)
        w[i * 3] += 0.3;
    for (i = 0; i < 120; i++)
        if (!(i % 3 == 0 && i < 60))
            keep[nkeep++] = i;
    b2 = book_of(w, nkeep, 3, keep);
    tst_fit(m, b2, NULL);
    f2 = tst_score(m, b2, TST_ALLOC);
    s2 = tst_codes(f2, "needs.segment");
    for (i = 0; i < nkeep; i++)
        assert_int_equal(s2[i], s1[keep[i]]);
    assert_string_equal(tier_needs_segment_name(m, (size_t)s1[1]), "growth");
    {
        /* the same data fitted fresh does order the segments differently */
        tier_model *fresh = needs_model(3, 3);
        tier_frame *f3;
        tst_fit(fresh, b2, NULL);
        f3 = tst_score(fresh, b2, TST_ALLOC);
        assert_int_not_equal(tst_codes(f3, "needs.segment")[0], s2[0]);
        tier_frame_free(f3);
        tier_model_free(fresh);
    }
    tier_frame_free(f1);
    tst_release(f2, m, b1);
    tier_book_free(b2);
    test_free(v);
    test_free(w);
}

static void test_needs_matches_given_previous_centres_and_names_new_clusters(void **s)
{
    tier_book *b = book_of(three_groups, 9, 2, NULL);
    tier_model *m = needs_model(2, 3);
    static const double prev[] = {0, 10, 10, 0}; /* near group C, then group B */
    static const char *const names[] = {"goals", "modules"};
    (void)s;
    assert_int_equal(tier_needs_set_previous_centroids(m, names, prev, 2, 2), TIER_OK);
    assert_int_equal(tier_needs_set_previous_centroids(m, names, prev, 2, 3), TIER_ERANGE);
    tst_fit(m, b, NULL);
    assert_string_equal(tier_needs_segment_name(m, 0), "goals");
    assert_string_equal(tier_needs_segment_name(m, 1), "modules");
    assert_string_equal(tier_needs_segment_name(m, 2), "need_1");
    {
        double c[2];
        assert_int_equal(tier_needs_centroid(m, 0, c, 2), TIER_OK);
        assert_true(fabs(c[0] - 0.5) < 1e-9 && fabs(c[1] - 10.5) < 1e-9);
        assert_int_equal(tier_needs_centroid(m, 2, c, 2), TIER_OK);
        assert_true(fabs(c[0] - 0.5) < 1e-9 && fabs(c[1] - 0.5) < 1e-9);
    }
    /* refit with k = 2: the two nearest previous segments keep their names and places */
    assert_int_equal(tier_model_set_number(m, "k", 2), TIER_OK);
    tst_fit(m, b, NULL);
    assert_int_equal(tier_needs_segment_count(m), 2);
    assert_true(strcmp(tier_needs_segment_name(m, 0), "goals") == 0 ||
                strcmp(tier_needs_segment_name(m, 0), "modules") == 0 ||
                strcmp(tier_needs_segment_name(m, 0), "need_1") == 0);
    assert_string_not_equal(tier_needs_segment_name(m, 0), tier_needs_segment_name(m, 1));
    tst_release(NULL, m, b);
}

/* ---- profiles ---------------------------------------------------------------------------- */

static void test_needs_assigns_customers_to_the_nearest_profile(void **s)
{
    static const double crm[2] = {1, 0}, growth[2] = {0, 10};
    tier_book *b = book_of(three_groups, 9, 2, NULL);
    tier_model *m = needs_model(2, 0);
    tier_frame *fr;
    const int32_t *seg;
    double c[2];
    (void)s;
    assert_int_equal(tier_needs_add_profile(m, "crm_heavy", crm, 2), TIER_OK);
    assert_int_equal(tier_needs_add_profile(m, "growth_seekers", growth, 2), TIER_OK);
    assert_int_equal(tier_needs_add_profile(m, "crm_heavy", growth, 2), TIER_EINVAL);
    assert_int_equal(tier_needs_add_profile(m, "x", growth, 1), TIER_ERANGE);
    assert_int_equal(tier_needs_add_feature(m, "attr.f9"), TIER_ESTATE);
    assert_false(tier_model_is_fitted(m)); /* standardised: the fit computes means and sds */
    tst_fit(m, b, NULL);
    assert_int_equal(tier_needs_segment_count(m), 2);
    assert_string_equal(tier_needs_segment_name(m, 1), "growth_seekers");
    assert_int_equal(tier_needs_centroid(m, 1, c, 2), TIER_OK);
    assert_true(c[0] == 0 && c[1] == 10);
    fr = tst_score(m, b, TST_ALLOC);
    seg = tst_codes(fr, "needs.segment");
    /* groups A and B are nearer (1,0) than (0,10) in standardised units; group C is at (0,10) */
    assert_int_equal(seg[0], 0);
    assert_int_equal(seg[4], 0);
    assert_int_equal(seg[7], 1);
    assert_int_equal(seg[8], 1);
    assert_int_equal(tier_needs_set_segment_name(m, 1, "growth"), TIER_OK);
    tier_frame_free(fr);
    tst_fit(m, b, NULL); /* a refit keeps the renamed profile */
    assert_string_equal(tier_needs_segment_name(m, 1), "growth");
    tier_needs_clear_profiles(m);
    assert_false(tier_model_is_fitted(m));
    tst_release(NULL, m, b);
}

/* ---- text state -------------------------------------------------------------------------- */

static void test_needs_save_load_round_trip_is_exact(void **s)
{
    tier_book *b = blob_book(90, 6, 9);
    tier_model *m = needs_model(3, 3), *m2 = needs_model(1, 2);
    char *t1;
    (void)s;
    assert_int_equal(tier_model_save(m, NULL), TIER_EINVAL);
    tst_fit(m, b, NULL);
    assert_int_equal(tier_needs_set_segment_name(m, 2, "with space"), TIER_OK);
    t1 = tst_saved(m, TST_ALLOC);
    assert_memory_equal(t1, "tier-model-state 1\nkind \"needs\"\n", 31);
    assert_int_equal(tier_model_load(m2, t1, strlen(t1)), TIER_OK);
    assert_true(tier_model_is_fitted(m2));
    assert_int_equal(tier_needs_feature_count(m2), 3);
    assert_string_equal(tier_needs_segment_name(m2, 2), "with space");
    expect_same_models(m, m2, b, 90);
    tier_model_free(m);
    tier_model_free(m2);
    tier_book_free(b);
    test_free(t1);
}

static void test_needs_load_rejects_bad_text_and_keeps_the_model(void **s)
{
#define H "tier-model-state 1\nkind \"needs\"\nname \"needs\"\n"
#define O                                                                                 \
    "k 3\nk_min 2\nk_max 8\nseed 1\nn_init 4\nmax_iter 100\nstandardize 1\nsample 5000\n" \
    "init_sample 65536\n"
    static const char *const bad[] = {
        "",
        "libtier-rfm 1\n",
        H "k 3\nend\n",
        H "features \"attr.a\"\n" O "source \"kmeans\"\nmean 0\nscale 0\nused 1\n"
          "segment \"s\" 0\nend\n", /* scale 0 */
        H "features \"attr.a\"\n" O "source \"kmeans\"\nmean 0\nscale 1\nused 1\n"
          "segment \"s\" 0\nsegment \"s\" 1\nend\n", /* a name twice */
        H "features \"attr.a\"\n" O "source \"kmeans\"\nmean 0\nscale 1\nused 1\n"
          "segment \"s\" nan\nend\n",
        H "features \"attr.a\"\n" O "source \"kmeans\"\nmean 0\nscale 1\nused 1\n"
          "segment \"s\" 0\n", /* cut off */
        H "features \"attr.a\"\n" O "k_min 9\nsource \"kmeans\"\nmean 0\nscale 1\nused 1\n"
          "segment \"s\" 0\nend\n", /* k_min > k_max */
        H "features \"attr.a\" \"attr.b\"\n" O "source \"kmeans\"\nmean 0\nscale 1\nused 1\n"
          "segment \"s\" 0\nend\n", /* one mean for two features */
    };
    static const char good[] = H "features \"attr.a\"\n" O "source \"kmeans\"\nmean 2\nscale 0.5\n"
                                 "used 1\nsegment \"low\" -1\nsegment \"high\" 1\nend\n";
#undef H
#undef O
    tier_model *m = needs_model(1, 2);
    size_t i;
    double c;
    (void)s;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tier_model_load(m, bad[i], strlen(bad[i])), TIER_ECORRUPT);
        assert_true(tier_model_last_error(m)[0] != '\0');
        assert_false(tier_model_is_fitted(m));
        assert_string_equal(tier_needs_feature_name(m, 0), "attr.f0");
    }
    assert_int_equal(tier_model_load(m, "tier-model-state 2\n", 19), TIER_EVERSION);
    assert_int_equal(tier_model_load(m, good, strlen(good)), TIER_OK);
    assert_string_equal(tier_needs_feature_name(m, 0), "attr.a");
    assert_int_equal(tier_needs_centroid(m, 1, &c, 1), TIER_OK);
    assert_true(c == 2.5); /* 2 + 1 * 0.5 */
    tier_model_free(m);
}

/* ---- options and misuse ------------------------------------------------------------------ */

static void test_needs_checks_options_and_features(void **s)
{
    tier_model *m = needs_model(0, 0);
    tier_book *b = book_of(three_groups, 9, 2, NULL);
    double v;
    (void)s;
    assert_int_equal(tier_model_fit(m, b, NULL), TIER_EINVAL); /* no features */
    assert_int_equal(tier_model_set_number(m, "k", 257), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "k", 2.5), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "k_min", 9), TIER_EINVAL);
    assert_int_equal(tier_model_set_number(m, "n_init", 0), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "init_sample", 50), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "seed", NAN), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "kk", 1), TIER_ENOTFOUND);
    assert_int_equal(tier_model_get_number(m, "n_init", &v), TIER_OK);
    assert_true(v == 4);
    assert_int_equal(tier_needs_add_feature(m, ""), TIER_EINVAL);
    assert_int_equal(tier_needs_add_feature(m, " lead"), TIER_EINVAL);
    assert_int_equal(tier_needs_add_feature(m, "attr."), TIER_EINVAL);
    assert_int_equal(tier_needs_add_feature(m, "a\nb"), TIER_EINVAL);
    assert_int_equal(tier_needs_add_feature(m, "attr.f0"), TIER_OK);
    assert_int_equal(tier_needs_add_feature(m, "attr.f0"), TIER_EINVAL);
    assert_int_equal(tier_needs_add_feature(m, "rfm.f"), TIER_OK);
    assert_int_equal(tier_model_fit(m, b, NULL), TIER_ENOTFOUND); /* no such column */
    assert_int_equal(tier_needs_fit_stat(m, TIER_NEEDS_STAT_K, &v), TIER_ESTATE);
    assert_int_equal(tier_needs_set_segment_name(m, 0, "x"), TIER_ESTATE);
    assert_int_equal(tier_model_set_number(NULL, "k", 1), TIER_EINVAL);
    assert_string_equal(tier_model_last_error(NULL), "");
    /* a text attribute is not a feature */
    assert_int_equal(tier_book_set_text(b, 0, "industry", "retail"), TIER_OK);
    tier_model_free(m);
    m = needs_model(0, 2);
    assert_int_equal(tier_needs_add_feature(m, "attr.industry"), TIER_OK);
    assert_int_equal(tier_model_fit(m, b, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "text"));
    tst_release(NULL, m, b);
}

static void test_needs_explains_the_pull_of_features(void **s)
{
    tier_book *b = book_of(three_groups, 9, 2, NULL);
    tier_model *m = needs_model(2, 3);
    tier_frame *fr;
    tier_text *t = NULL;
    const char *e;
    (void)s;
    tst_fit(m, b, NULL);
    fr = tst_score(m, b, TST_ALLOC);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, b, fr, 7, t), TIER_OK);
    e = tier_text_data(t);
    /* customer 7 at (0,10) is in need_3; the runner-up is need_1 at (0.5,0.5); f1 pulls */
    assert_non_null(strstr(e, "segment need_3 at distance"));
    assert_non_null(strstr(e, "next: need_1"));
    assert_non_null(strstr(e, "pulls toward need_3 rather than need_1: attr.f1 (value 10;"));
    tier_text_free(t);
    tst_release(fr, m, b);
}

/* Every refusal of the profile, centre and statistic calls names what is wrong and changes
 * nothing: the model keeps its profiles, names and fit. */
static void test_needs_refuses_bad_profiles_centres_and_stats(void **s)
{
    static const double a[2] = {1, 0}, b2[2] = {0, 10}, inf[2] = {INFINITY, 0},
                        prev[4] = {0, 0, 10, 0};
    static const char *const dup[2] = {"x", "x"};
    char long_name[TIER_NEEDS_MAX_NAME + 2];
    tier_book *b = book_of(three_groups, 9, 2, NULL);
    tier_model *m = needs_model(0, 0);
    double c[2], v;
    size_t i;
    (void)s;
    assert_int_equal(tier_needs_add_profile(m, "early", a, 2), TIER_EINVAL);
    assert_string_equal(tier_model_last_error(m), "add the features before the profiles");
    tier_model_free(m);
    m = needs_model(2, 0);
    assert_int_equal(tier_needs_add_profile(m, NULL, a, 2), TIER_EINVAL);
    assert_int_equal(tier_needs_add_profile(m, "p", NULL, 2), TIER_EINVAL);
    assert_int_equal(tier_needs_add_profile(m, "p", inf, 2), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "profile value 0 is not a finite number"));
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(tier_needs_add_profile(m, long_name, a, 2), TIER_EINVAL);
    assert_int_equal(tier_needs_add_profile(m, "trailing ", a, 2), TIER_EINVAL);
    assert_int_equal(tier_needs_add_profile(m, "del\177", a, 2), TIER_EINVAL);
    assert_int_equal(tier_needs_segment_count(m), 0);
    /* not fitted: no centre, no name, no statistic */
    assert_int_equal(tier_needs_centroid(m, 0, c, 2), TIER_ESTATE);
    assert_int_equal(tier_needs_centroid(m, 0, NULL, 2), TIER_EINVAL);
    assert_null(tier_needs_segment_name(m, 0));
    assert_int_equal(tier_needs_fit_stat(m, TIER_NEEDS_STAT_K, NULL), TIER_EINVAL);
    assert_int_equal(tier_needs_fit_stat(m, 99, &v), TIER_EINVAL);
    assert_string_equal(tier_model_last_error(m), "unknown statistic");
    /* previous centres */
    assert_int_equal(tier_needs_set_previous_centroids(m, NULL, NULL, 2, 2), TIER_EINVAL);
    assert_int_equal(tier_needs_set_previous_centroids(m, NULL, prev, 0, 2), TIER_ERANGE);
    assert_int_equal(tier_needs_set_previous_centroids(m, NULL, prev, 2, 1), TIER_ERANGE);
    assert_int_equal(tier_needs_set_previous_centroids(m, dup, prev, 2, 2), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "name \"x\" is given twice"));
    /* two profiles, fitted */
    assert_int_equal(tier_needs_add_profile(m, "crm", a, 2), TIER_OK);
    assert_int_equal(tier_needs_add_profile(m, "growth", b2, 2), TIER_OK);
    tst_fit(m, b, NULL);
    assert_int_equal(tier_needs_centroid(m, 2, c, 2), TIER_ERANGE);
    assert_int_equal(tier_needs_centroid(m, 0, c, 1), TIER_ERANGE);
    assert_int_equal(tier_needs_set_segment_name(m, 2, "z"), TIER_ERANGE);
    assert_string_equal(tier_model_last_error(m), "segment 2 out of range (2 segments)");
    assert_int_equal(tier_needs_set_segment_name(m, 1, "crm"), TIER_EINVAL);
    assert_int_equal(tier_needs_set_segment_name(m, 1, ""), TIER_EINVAL);
    assert_string_equal(tier_needs_segment_name(m, 1), "growth");
    assert_null(tier_needs_segment_name(m, 2));
    assert_null(tier_needs_feature_name(m, 2));
    for (i = 0; i < 2; i++)
        assert_int_equal(tier_needs_centroid(m, i, c, 2), TIER_OK);
    assert_true(c[0] == 0 && c[1] == 10);
    /* a model of another kind has no needs figures */
    {
        tier_model *r = NULL;
        assert_int_equal(tier_rfm_new(&r, NULL, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_needs_feature_count(r), 0);
        assert_int_equal(tier_needs_segment_count(r), 0);
        assert_int_equal(tier_needs_add_feature(r, "attr.f0"), TIER_EINVAL);
        tier_model_free(r);
    }
    tst_release(NULL, m, b);
}

/* One customer re-scored alone gets what the whole-book score gave it, with profiles too. */
static void test_needs_scores_one_row_as_the_batch_does(void **s)
{
    static const double a[2] = {1, 0}, b2[2] = {0, 10};
    tier_book *b = book_of(three_groups, 9, 2, NULL);
    tier_model *m = needs_model(2, 0);
    tier_frame *batch, *row;
    size_t i, col;
    (void)s;
    assert_int_equal(tier_needs_add_profile(m, "crm", a, 2), TIER_OK);
    assert_int_equal(tier_needs_add_profile(m, "growth", b2, 2), TIER_OK);
    tst_fit(m, b, NULL);
    batch = tst_score(m, b, TST_ALLOC);
    row = tst_score(m, b, TST_ALLOC);
    /* spoil the rows, then re-score each alone */
    for (col = 0; col < tier_frame_column_count(row); col++) {
        if (tier_frame_column_type(row, col) == TIER_VALUE_NUMBER)
            for (i = 0; i < 9; i++)
                ((double *)tier_frame_numbers(row, col))[i] = -1;
        else
            for (i = 0; i < 9; i++)
                ((int32_t *)tier_frame_labels(row, col))[i] = -1;
    }
    for (i = 0; i < 9; i++)
        assert_int_equal(tier_model_score_row(m, b, row, i), TIER_OK);
    tst_assert_same_frames(row, batch);
    tier_frame_free(row);
    tst_release(batch, m, b);
}

/* ---- value inside need segments ---------------------------------------------------------- */

static void test_needs_segment_and_grade_combine_in_a_policy(void **s)
{
    /* grades A, C, A, B, A, E, A, A, D */
    static const int32_t grade[] = {0, 2, 0, 1, 0, 4, 0, 0, 3};
    static const double x[9] = {0};
    tier_book *b = book_of(three_groups, 9, 2, NULL);
    tst_fixed p;
    tst_column outs[2];
    tier_model *models[2];
    tier_policy *pol = NULL;
    tier_result *res = NULL;
    size_t t, r, i;
    /* needs segment x grade, by hand: need_1 = customers 0-3, need_2 = 4-6, need_3 = 7-8 */
    static const char *const want[] = {
        "key_modules",      "other",      "key_modules", "other", "key_integrations", "other",
        "key_integrations", "key_growth", "other"};
    (void)s;
    models[0] = probe_model(&p, outs, x, grade);
    models[1] = needs_model(2, 3);
    assert_int_equal(tier_policy_new(&pol, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_add_tier(pol, "key_modules", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(pol, t, "need_1 and A", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(pol, r, "needs.segment", TIER_OP_EQ, "need_1"),
                     TIER_OK);
    assert_int_equal(tier_policy_where_label(pol, r, "scorecard.grade", TIER_OP_EQ, "A"), TIER_OK);
    assert_int_equal(tier_policy_add_tier(pol, "key_integrations", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(pol, t, "need_2 and A", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(pol, r, "needs.segment", TIER_OP_EQ, "need_2"),
                     TIER_OK);
    assert_int_equal(tier_policy_where_label(pol, r, "scorecard.grade", TIER_OP_EQ, "A"), TIER_OK);
    assert_int_equal(tier_policy_add_tier(pol, "key_growth", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(pol, t, "need_3 and A", &r), TIER_OK);
    assert_int_equal(tier_policy_where_label(pol, r, "needs.segment", TIER_OP_EQ, "need_3"),
                     TIER_OK);
    assert_int_equal(tier_policy_where_label(pol, r, "scorecard.grade", TIER_OP_EQ, "A"), TIER_OK);
    assert_int_equal(tier_policy_add_tier(pol, "other", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(pol, t, "rest", &r), TIER_OK);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    if (tier_result_run(res, b, models, 2, pol) != TIER_OK)
        fail_msg("run failed: %s", tier_result_last_error(res));
    for (i = 0; i < 9; i++)
        assert_string_equal(tier_result_tier_name(res, (size_t)tier_result_tier(res, i)), want[i]);
    tier_result_free(res);
    tier_policy_free(pol);
    tier_model_free(models[0]);
    tier_model_free(models[1]);
    tier_book_free(b);
}

/* ---- out of memory ----------------------------------------------------------------------- */

static int oom_needs(const tier_allocator *alloc, void *ud)
{
    const tier_book *b = ud;
    tier_model *m = NULL, *m2 = NULL;
    tier_frame *fr = NULL;
    tier_text *t = NULL;
    static const double prev[] = {0, 0, 10, 0};
    int rc;
    if ((rc = tier_needs_new(&m, NULL, alloc)) != TIER_OK)
        return rc;
    if ((rc = tier_needs_add_feature(m, "attr.f0")) || (rc = tier_needs_add_feature(m, "attr.f1")))
        goto done;
    /* automatic k: restarts, silhouette, then a refit matched to given previous centres */
    assert_int_equal(tier_model_set_number(m, "k_max", 4), TIER_OK);
    if ((rc = tier_model_fit(m, b, NULL)) != TIER_OK)
        goto done;
    if ((rc = tier_needs_set_previous_centroids(m, NULL, prev, 2, 2)) != TIER_OK)
        goto done;
    assert_int_equal(tier_model_set_number(m, "k", 3), TIER_OK);
    if ((rc = tier_model_fit(m, b, NULL)) != TIER_OK)
        goto done;
    if ((rc = tier_frame_new(&fr, tier_book_customer_count(b), alloc)) != TIER_OK)
        goto done;
    if ((rc = tier_model_score(m, b, fr)) != TIER_OK)
        goto done;
    if ((rc = tier_text_new(&t, alloc)) != TIER_OK)
        goto done;
    if ((rc = tier_model_explain(m, b, fr, 0, t)) != TIER_OK)
        goto done;
    if ((rc = tier_model_save(m, t)) != TIER_OK)
        goto done;
    if ((rc = tier_needs_new(&m2, "copy", alloc)) != TIER_OK)
        goto done;
    if ((rc = tier_model_load(m2, tier_text_data(t), tier_text_length(t))) != TIER_OK) {
        assert_false(tier_model_is_fitted(m2));
        goto done;
    }
    assert_int_equal(tier_needs_segment_count(m2), 3);
done:
    if (rc == TIER_ENOMEM && m && tier_model_is_fitted(m))
        assert_true(tier_needs_segment_count(m) >= 2);
    tier_text_free(t);
    tier_frame_free(fr);
    tier_model_free(m2);
    tier_model_free(m);
    return rc;
}

/* The three groups (book_of allocates with tst_allocator() itself). */
static tier_book *groups_book(const tier_allocator *a)
{
    (void)a;
    return book_of(three_groups, 9, 2, NULL);
}

TST_MAIN(cmocka_unit_test(test_needs_separates_three_obvious_clusters),
         cmocka_unit_test(test_needs_gives_second_segment_and_margin_by_hand),
         cmocka_unit_test(test_needs_fits_bit_identically_twice),
         cmocka_unit_test(test_needs_finds_the_same_centres_whatever_the_insertion_order),
         cmocka_unit_test(test_needs_rejects_k_larger_than_the_customer_count),
         cmocka_unit_test(test_needs_with_k_equal_to_the_customer_count_puts_each_alone),
         cmocka_unit_test(test_needs_puts_all_equal_vectors_in_the_first_segment),
         cmocka_unit_test(test_needs_handles_one_customer),
         cmocka_unit_test(test_needs_on_an_empty_book),
         cmocka_unit_test(test_needs_treats_nan_and_inf_as_missing),
         cmocka_unit_test(test_needs_silhouette_picks_three_clusters),
         cmocka_unit_test(test_needs_silhouette_uses_a_sample_when_asked),
         cmocka_unit_test(test_needs_keeps_segment_names_across_a_refit),
         cmocka_unit_test(test_needs_matches_given_previous_centres_and_names_new_clusters),
         cmocka_unit_test(test_needs_assigns_customers_to_the_nearest_profile),
         cmocka_unit_test(test_needs_save_load_round_trip_is_exact),
         cmocka_unit_test(test_needs_load_rejects_bad_text_and_keeps_the_model),
         cmocka_unit_test(test_needs_checks_options_and_features),
         cmocka_unit_test(test_needs_refuses_bad_profiles_centres_and_stats),
         cmocka_unit_test(test_needs_scores_one_row_as_the_batch_does),
         cmocka_unit_test(test_needs_explains_the_pull_of_features),
         cmocka_unit_test(test_needs_segment_and_grade_combine_in_a_policy),
         TST_OOM_WALK(test_needs_survives_every_failed_allocation, oom_needs, groups_book, 20))
