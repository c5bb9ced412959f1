/* SPDX-License-Identifier: MIT */
/* The needs model's restarts over every customer (init_sample = 0) in a distributed fit: the
 * "seed" rounds (each part's customer of the lowest key in a k-means++ draw) and the restarts'
 * Lloyd rounds. (tests/test_needs_dist.c splits books fitted with init_sample = 0, k given and
 * chosen by the silhouette, and gets the whole book's state.) Here: the rounds in order, a bad
 * draw answer or request refused and nothing applied, a part without customers, the draws'
 * order-free keys, and every failed allocation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/needs/needs_internal.h"
#include "support_needs.h"

/* Moves the driver d over parts to its first seed request (summary, spread). */
static void to_first_seed(tier_model *d, tier_model *part, tier_book *const *parts, size_t n,
                          tier_text *req, tier_text **texts, const char **answers, size_t *lens)
{
    int round;
    assert_int_equal(tier_needs_dist_begin(d, req), TIER_OK);
    for (round = 0; round < 2; round++) {
        assert_int_equal(tst_needs_answer_all(part, parts, n, req, texts, answers, lens), TIER_OK);
        assert_int_equal(tier_needs_dist_merge(d, answers, lens, n, req), TIER_OK);
    }
}

static void test_the_draw_rounds_are_checked(void **s)
{
    tier_book *parts[3], *empty = NULL;
    tier_model *d = tst_needs_model(TST_ALLOC, &tst_needs_option_sets[0]), *part = NULL;
    tier_text *req = NULL, *texts[3] = {NULL, NULL, NULL};
    const char *answers[3];
    size_t lens[3], i;
    char *bad;
    (void)s;
    tst_needs_split(240, 3, parts);
    assert_int_equal(tier_needs_new(&part, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&req, TST_ALLOC), TIER_OK);
    for (i = 0; i < 3; i++)
        assert_int_equal(tier_text_new(&texts[i], TST_ALLOC), TIER_OK);
    to_first_seed(d, part, parts, 3, req, texts, answers, lens);
    /* k = 3, restart 0, draw 0 */
    assert_non_null(strstr(tier_text_data(req), "\nseed\t3\t0\t0\nmean\t"));
    assert_int_equal(tst_needs_answer_all(part, parts, 3, req, texts, answers, lens), TIER_OK);
    assert_non_null(strstr(answers[0], "seed\t1\npick\t"));
    {
        static const char *const from[] = {"seed\t1", "\npick\t", "\nend\n", "\npick\t"};
        static const char *const to[] = {"seed\t2", "\npock\t", "\t3ff0000000000000\nend\n",
                                         "\npick\t"};
        static const char *const says[] = {"a part sends 0 or 1 customer", "expected a pick line",
                                           "more values than features",
                                           "the hash does not match the id"};
        size_t c;
        for (c = 0; c < TST_COUNT(from); c++) {
            const char *save = answers[1];
            size_t save_len = lens[1];
            bad = tst_needs_replaced(answers[1], from[c], to[c]);
            if (c == 3) { /* another first digit of the hash */
                char *h = strstr(bad, "\npick\t") + 6;
                *h = *h == '0' ? '1' : '0';
            }
            answers[1] = bad;
            lens[1] = strlen(bad);
            tst_expect_model_error(d, tier_needs_dist_merge(d, answers, lens, 3, req), TIER_EPARSE,
                                   says[c]);
            answers[1] = save;
            lens[1] = save_len;
            test_free(bad);
        }
    }
    /* a key below 0 (a customer of this hash and id, with a negative key) */
    {
        char text[512];
        const char *save = answers[1];
        size_t save_len = lens[1];
        snprintf(text, sizeof text,
                 "libtier-needs-answer 1\nseed\t1\npick\t%016llx\tcust-1\tbff0000000000000\t"
                 "0000000000000000\t0000000000000000\t0000000000000000\nend\n",
                 (unsigned long long)tier__needs_hash(20240601, "cust-1", 6));
        answers[1] = text;
        lens[1] = strlen(text);
        tst_expect_model_error(d, tier_needs_dist_merge(d, answers, lens, 3, req), TIER_EPARSE,
                               "a key below 0");
        answers[1] = save;
        lens[1] = save_len;
    }
    /* no part sends a customer */
    {
        const char *none[3];
        size_t nl[3];
        for (i = 0; i < 3; i++) {
            none[i] = "libtier-needs-answer 1\nseed\t0\nend\n";
            nl[i] = strlen(none[i]);
        }
        tst_expect_model_error(d, tier_needs_dist_merge(d, none, nl, 3, req), TIER_EPARSE,
                               "no part sent a customer");
    }
    /* a part without customers sends none */
    assert_int_equal(tier_book_new(&empty, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_needs_dist_answer(part, empty, NULL, tier_text_data(req),
                                            tier_text_length(req), texts[2]),
                     TIER_OK);
    assert_string_equal(tier_text_data(texts[2]), "libtier-needs-answer 1\nseed\t0\nend\n");
    /* nothing was applied: the same round goes on to the next draw */
    assert_int_equal(tst_needs_answer_all(part, parts, 3, req, texts, answers, lens), TIER_OK);
    assert_int_equal(tier_needs_dist_merge(d, answers, lens, 3, req), TIER_OK);
    assert_non_null(strstr(tier_text_data(req), "\nseed\t3\t0\t1\n"));
    assert_non_null(strstr(tier_text_data(req), "\ncentre\t"));
    for (i = 0; i < 3; i++)
        tier_text_free(texts[i]);
    tier_text_free(req);
    tier_model_free(part);
    tier_model_free(d);
    tier_book_free(empty);
    tst_needs_free_parts(parts, 3);
}

static void test_bad_draw_requests_are_refused(void **s)
{
#define HEAD "libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\tattr.f0\n"
    static const char *const bad[][2] = {
        {(HEAD "seed\t0\t0\t0\n"), "a draw of k in 1 to 256"},
        {(HEAD "seed\t257\t0\t0\n"), "a draw of k in 1 to 256"},
        {(HEAD "seed\t3\t100\t0\n"), "restart 0 to 99"},
        {(HEAD "seed\t3\t0\t3\n"), "draw below k"},
        {(HEAD "seed\t3\t0\n"), "expected a count"},
        {(HEAD "seed\t3\t0\t1\nmean\t0000000000000000\nscale\t3ff0000000000000\nused\t1\nend\n"),
         "line 8: centre"}};
    /* a scale that puts the part's values beyond |z| = 1e100 */
    static const char far[] = HEAD "seed\t2\t0\t0\nmean\t0000000000000000\n"
                                   "scale\t0000000000000001\nused\t1\nend\n";
#undef HEAD
    tier_model *other = NULL;
    tier_book *b = tst_needs_book(30, 1, -1, 0);
    tier_text *t = NULL;
    size_t i;
    (void)s;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_needs_new(&other, NULL, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(bad); i++) {
        tst_expect_model_error(
            other, tier_needs_dist_answer(other, b, NULL, bad[i][0], strlen(bad[i][0]), t),
            TIER_EPARSE, bad[i][1]);
    }
    tst_expect_model_error(other, tier_needs_dist_answer(other, b, NULL, far, strlen(far), t),
                           TIER_ERANGE, "feature \"attr.f0\": value");
    tier_model_free(other);
    tier_text_free(t);
    tier_book_free(b);
}

/* The keys: draw 0 uniform in (0, 1); later draws +inf at distance 0, else lower for the
 * farther of two customers with the same hash; the streams differ by k, restart and draw. */
static void test_the_draw_keys(void **s)
{
    uint64_t s0 = tier__needs_draw_stream(20240601, 3, 0, 0), h;
    double lo = 1, hi = 0;
    (void)s;
    assert_true(s0 != tier__needs_draw_stream(20240601, 3, 0, 1));
    assert_true(s0 != tier__needs_draw_stream(20240601, 3, 1, 0));
    assert_true(s0 != tier__needs_draw_stream(20240601, 4, 0, 0));
    for (h = 0; h < 1000; h++) {
        double u = tier__needs_draw_key(h * 0x9E3779B97F4A7C15u, s0, 0, 5);
        double e = tier__needs_draw_key(h * 0x9E3779B97F4A7C15u, s0, 1, 1);
        assert_true(u > 0 && u < 1);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        /* an exponential variate: -ln(u), within rounding of the libm value */
        assert_true(fabs(e - -log(u)) <= 1e-12 * (1 + fabs(e)));
        assert_true(tier__needs_draw_key(h, s0, 2, 4) < tier__needs_draw_key(h, s0, 2, 2));
        assert_true(isinf(tier__needs_draw_key(h, s0, 2, 0)));
    }
    assert_true(lo < 0.01 && hi > 0.99);
}

/* Customers that all share one vector, in raw units (every feature used): after the first draw
 * every key is +inf, and the draws fall to the canonical first customer; split fits agree. */
static void test_equal_keys_fall_to_the_canonical_order(void **s)
{
    static const size_t counts[] = {1, 2, 5};
    tst_needs_opts o = {2, 0, 5000, 0, 100};
    tier_book *whole = tst_needs_same_book(40, 0, 1);
    tier_model *m = tst_needs_model(TST_ALLOC, &o);
    char *want;
    size_t c, i;
    (void)s;
    tst_fit(m, whole, NULL);
    want = tst_saved(m, TST_ALLOC);
    for (c = 0; c < TST_COUNT(counts); c++) {
        tier_book *parts[5];
        int rounds;
        char *got;
        tier_model *d = tst_needs_model(TST_ALLOC, &o);
        for (i = 0; i < counts[c]; i++)
            parts[i] = tst_needs_same_book(40, i, counts[c]);
        assert_int_equal(tst_needs_drive(TST_ALLOC, d, parts, counts[c], &rounds), TIER_OK);
        got = tst_saved(d, TST_ALLOC);
        assert_string_equal(want, got);
        tst_needs_same_stats(m, d);
        test_free(got);
        tier_model_free(d);
        tst_needs_free_parts(parts, counts[c]);
    }
    test_free(want);
    tier_model_free(m);
    tier_book_free(whole);
}

/* The single fit with the restarts over every customer and k chosen: every failed allocation
 * fails it as out of memory, unfitted. */
static int oom_fit(const tier_allocator *a, void *ud)
{
    tst_needs_opts o = {0, 0, 30, 1, 100};
    tier_model *m = tst_needs_model(a, &o);
    int rc;
    if (!m)
        return TIER_ENOMEM;
    rc = tier_model_fit(m, ud, NULL);
    if (rc) {
        tst_expect_oom(rc, tier_model_last_error(m));
        assert_false(tier_model_is_fitted(m));
    }
    tier_model_free(m);
    return rc;
}

static void test_the_single_fit_survives_every_failed_allocation(void **s)
{
    tier_book *b = tst_needs_book(60, 1, -1, 0);
    (void)s;
    assert_true(tst_oom_walk(oom_fit, b) > 10);
    tier_book_free(b);
}

static void test_the_restart_loop_survives_every_failed_allocation(void **s)
{
    (void)s;
    tst_needs_oom_walk(tst_needs_model, &tst_needs_option_sets[7], 90);
}

TST_MAIN(cmocka_unit_test(test_the_draw_rounds_are_checked),
         cmocka_unit_test(test_bad_draw_requests_are_refused), cmocka_unit_test(test_the_draw_keys),
         cmocka_unit_test(test_equal_keys_fall_to_the_canonical_order),
         cmocka_unit_test(test_the_single_fit_survives_every_failed_allocation),
         cmocka_unit_test(test_the_restart_loop_survives_every_failed_allocation))
