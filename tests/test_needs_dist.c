/* SPDX-License-Identifier: MIT */
/* The needs model's canonical fit and its distributed form: the fit does not depend on the
 * book's order (a shuffled book gives the same saved state and segments); a book tst_needs_split
 * into parts, fitted by the driver loop of tier_needs_dist_begin/answer/merge, gives the whole
 * book's state byte for byte; corrupt answers are refused (nothing applied); every failed
 * allocation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/needs/needs_internal.h"
#include "support_needs.h"

/* ---- the canonical fit ------------------------------------------------------------------- */

static void test_a_shuffled_book_gives_the_same_fit(void **s)
{
    size_t o, n = 400;
    (void)s;
    for (o = 0; o < TST_COUNT(tst_needs_option_sets); o++) {
        tier_book *b = tst_needs_book(n, 1, -1, 0), *shuffled = tst_needs_book(n, 1, -1, 99);
        tier_model *m = tst_needs_model(TST_ALLOC, &tst_needs_option_sets[o]);
        tier_model *m2 = tst_needs_model(TST_ALLOC, &tst_needs_option_sets[o]);
        tier_frame *f1, *f2;
        char *s1, *s2;
        size_t i;
        double sil;
        tst_fit(m, b, NULL);
        tst_fit(m2, shuffled, NULL);
        s1 = tst_saved(m, TST_ALLOC);
        s2 = tst_saved(m2, TST_ALLOC);
        assert_string_equal(s1, s2);
        tst_needs_same_stats(m, m2);
        /* the blobs are found: four (or the k asked) segments of sensible quality */
        assert_int_equal(tier_needs_segment_count(m),
                         tst_needs_option_sets[o].k ? (size_t)tst_needs_option_sets[o].k : 4);
        assert_int_equal(tier_needs_fit_stat(m, TIER_NEEDS_STAT_SILHOUETTE, &sil), TIER_OK);
        assert_true(tst_needs_option_sets[o].k ? isnan(sil) : sil > 0.5);
        /* stopped before the centres settled (restarts over every customer that stop after one
         * pass already leave the final iterations at their fixed point here) */
        if (tst_needs_option_sets[o].max_iter == 1)
            assert_true(tst_needs_stat(m, TIER_NEEDS_STAT_ITERATIONS) == 1 &&
                        tst_needs_stat(m, TIER_NEEDS_STAT_CONVERGED) ==
                            (tst_needs_option_sets[o].init_sample == 0));
        f1 = tst_score(m, b, TST_ALLOC);
        f2 = tst_score(m2, shuffled, TST_ALLOC);
        for (i = 0; i < tier_book_customer_count(b); i++) {
            size_t len;
            const char *id = tier_book_customer_id(b, i, &len);
            size_t j = tst_customer(shuffled, id);
            assert_string_equal(tst_label(f1, "needs.segment", i),
                                tst_label(f2, "needs.segment", j));
        }
        tier_frame_free(f1);
        tier_frame_free(f2);
        test_free(s1);
        test_free(s2);
        tier_model_free(m);
        tier_model_free(m2);
        tier_book_free(b);
        tier_book_free(shuffled);
    }
}

/* ---- the distributed fit ----------------------------------------------------------------- */

static void test_split_books_fit_as_the_whole(void **s)
{
    static const size_t counts[] = {1, 3, 7};
    size_t o, c, n = 400;
    (void)s;
    for (o = 0; o < TST_COUNT(tst_needs_option_sets); o++) {
        tier_book *whole = tst_needs_book(n, 1, -1, 5);
        tier_model *m = tst_needs_model(TST_ALLOC, &tst_needs_option_sets[o]);
        char *want;
        tst_fit(m, whole, NULL);
        want = tst_saved(m, TST_ALLOC);
        for (c = 0; c < TST_COUNT(counts); c++)
            assert_true(tst_needs_split_fit(m, want,
                                            tst_needs_model(TST_ALLOC, &tst_needs_option_sets[o]),
                                            n, counts[c]) >= 3);
        test_free(want);
        tier_model_free(m);
        tier_book_free(whole);
    }
}

/* One round's answers of 3 parts to the first request, for the corruption tests. */
typedef struct round1 {
    tier_book *parts[3];
    tier_model *driver, *part_model;
    tier_text *request, *texts[3];
    const char *answers[3];
    size_t lens[3];
} round1;

static void round1_make(round1 *r)
{
    size_t i;
    memset(r, 0, sizeof *r);
    tst_needs_split(300, 3, r->parts);
    r->driver = tst_needs_model(TST_ALLOC, &tst_needs_option_sets[0]);
    assert_int_equal(tier_needs_new(&r->part_model, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&r->request, TST_ALLOC), TIER_OK);
    for (i = 0; i < 3; i++)
        assert_int_equal(tier_text_new(&r->texts[i], TST_ALLOC), TIER_OK);
    assert_int_equal(tier_needs_dist_begin(r->driver, r->request), TIER_OK);
    assert_int_equal(
        tst_needs_answer_all(r->part_model, r->parts, 3, r->request, r->texts, r->answers, r->lens),
        TIER_OK);
}

static void round1_free(round1 *r)
{
    size_t i;
    for (i = 0; i < 3; i++)
        tier_text_free(r->texts[i]);
    tier_text_free(r->request);
    tier_model_free(r->driver);
    tier_model_free(r->part_model);
    tst_needs_free_parts(r->parts, 3);
}

/* Merging answer 2 replaced by `bad` fails with TIER_EPARSE saying `says`. */
static void expect_refused(round1 *r, const char *bad, size_t len, const char *says)
{
    const char *answers[3];
    size_t lens[3];
    memcpy(answers, r->answers, sizeof answers);
    memcpy(lens, r->lens, sizeof lens);
    answers[1] = bad;
    lens[1] = len;
    tst_expect_model_error(r->driver,
                           tier_needs_dist_merge(r->driver, answers, lens, 3, r->request),
                           TIER_EPARSE, says);
}

static void test_corrupt_answers_are_refused_and_nothing_applied(void **s)
{
    round1 r;
    size_t len, cut;
    char *bad;
    const char *answers[3];
    size_t lens[3];
    int rounds = 0;
    (void)s;
    round1_make(&r);
    /* every cut short answer (the last newline is optional) */
    len = r.lens[1];
    for (cut = 0; cut + 1 < len; cut++)
        expect_refused(&r, r.answers[1], cut, "needs answer 2, line");
    /* a customer's hash that is not its id's */
    {
        const char *c = strstr(r.answers[1], "cand\t") + 5;
        size_t at = (size_t)(c - r.answers[1]);
        bad = test_malloc(len + 1);
        memcpy(bad, r.answers[1], len + 1);
        bad[at] = bad[at] == '0' ? '1' : '0';
        expect_refused(&r, bad, len, "the hash does not match the id");
        bad[at] = 'G';
        expect_refused(&r, bad, len, "expected 16 hexadecimal digits");
        test_free(bad);
    }
    bad = tst_needs_replaced(r.answers[1], "summary\t", "spread\t");
    expect_refused(&r, bad, strlen(bad), "an answer to another request");
    test_free(bad);
    bad = tst_needs_replaced(r.answers[1], "feature\t", "feature\t7ff8000000000000\t");
    expect_refused(&r, bad, strlen(bad), "expected a finite number");
    test_free(bad);
    bad = tst_needs_replaced(r.answers[1], "end\n", "end\nmore\n");
    expect_refused(&r, bad, strlen(bad), "expected end, last");
    test_free(bad);
    /* the same part twice: its customers are in two parts */
    memcpy(answers, r.answers, sizeof answers);
    memcpy(lens, r.lens, sizeof lens);
    answers[2] = answers[1];
    lens[2] = lens[1];
    tst_expect_model_error(r.driver, tier_needs_dist_merge(r.driver, answers, lens, 3, r.request),
                           TIER_EPARSE, "is in two parts");
    tst_expect_model_error(r.driver, tier_needs_dist_merge(r.driver, answers, lens, 0, r.request),
                           TIER_EINVAL, "one at least");
    /* nothing was applied: the right answers still fit as the whole book */
    assert_int_equal(tier_needs_dist_merge(r.driver, r.answers, r.lens, 3, r.request), TIER_OK);
    while (tier_text_length(r.request) > 0) {
        assert_int_equal(
            tst_needs_answer_all(r.part_model, r.parts, 3, r.request, r.texts, r.answers, r.lens),
            TIER_OK);
        if (strstr(tier_text_data(r.request), "\nlloyd\t") && rounds++ == 0) {
            /* a Lloyd answer with a count changed, and a bad exact sum */
            bad = tst_needs_replaced(r.answers[0], "cluster\t", "cluster\t9");
            expect_refused(&r, bad, strlen(bad), "customers");
            test_free(bad);
            {
                const char *one = r.answers[1];
                char *b2 = tst_needs_replaced(one, "inertia\t", "inertia\t0");
                expect_refused(&r, b2, strlen(b2), "no leading zero");
                test_free(b2);
            }
        }
        assert_int_equal(tier_needs_dist_merge(r.driver, r.answers, r.lens, 3, r.request), TIER_OK);
    }
    assert_true(rounds > 0);
    {
        tier_book *whole = tst_needs_book(300, 1, -1, 0);
        tier_model *m = tst_needs_model(TST_ALLOC, &tst_needs_option_sets[0]);
        char *want, *got;
        tst_fit(m, whole, NULL);
        want = tst_saved(m, TST_ALLOC);
        got = tst_saved(r.driver, TST_ALLOC);
        assert_string_equal(want, got);
        test_free(want);
        test_free(got);
        tier_model_free(m);
        tier_book_free(whole);
    }
    /* features changed while a fit ran: it ends without a fit */
    {
        tier_book *parts[2];
        tier_text *req = NULL, *t1 = NULL, *t2 = NULL;
        const char *ans[2];
        size_t lens2[2];
        tier_model *d = tst_needs_model(TST_ALLOC, &tst_needs_option_sets[0]);
        tst_needs_split(100, 2, parts);
        assert_int_equal(tier_text_new(&req, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_text_new(&t1, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_text_new(&t2, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_needs_dist_begin(d, req), TIER_OK);
        assert_int_equal(tier_needs_add_feature(d, "attr.extra"), TIER_OK);
        for (;;) {
            int rc;
            assert_int_equal(tier_needs_dist_answer(r.part_model, parts[0], NULL,
                                                    tier_text_data(req), tier_text_length(req), t1),
                             TIER_OK);
            assert_int_equal(tier_needs_dist_answer(r.part_model, parts[1], NULL,
                                                    tier_text_data(req), tier_text_length(req), t2),
                             TIER_OK);
            ans[0] = tier_text_data(t1);
            ans[1] = tier_text_data(t2);
            lens2[0] = tier_text_length(t1);
            lens2[1] = tier_text_length(t2);
            rc = tier_needs_dist_merge(d, ans, lens2, 2, req);
            if (rc) {
                tst_expect_model_error(d, rc, TIER_ESTATE, "features changed");
                break;
            }
        }
        assert_false(tier_model_is_fitted(d));
        tier_text_free(req);
        tier_text_free(t1);
        tier_text_free(t2);
        tier_model_free(d);
        tst_needs_free_parts(parts, 2);
    }
    /* the fit is over: another merge has nothing to merge into */
    tst_expect_model_error(r.driver,
                           tier_needs_dist_merge(r.driver, r.answers, r.lens, 3, r.request),
                           TIER_ESTATE, "no distributed fit in progress");
    round1_free(&r);
}

static void test_bad_requests_and_calls_are_refused(void **s)
{
    tier_model *m = tst_needs_model(TST_ALLOC, &tst_needs_option_sets[0]), *other = NULL;
    tier_book *b = tst_needs_book(50, 1, -1, 0);
    tier_text *t = NULL, *req = NULL;
    static const char *const bad[][2] = {
        {"nonsense\n", "needs request, line 1: expected \"libtier-needs-request 1\""},
        {"libtier-needs-request 1\nopts\n", "line 2: expected options"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t2\n", "bad options"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nsummary\t5\nend\n",
         "feature lines"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\t%zz\n", "%XX"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\tattr.f0\nsum\t5\nend\n",
         "expected summary, moments, spread, seed or lloyd"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\tattr.f0\nmomentz\nend\n",
         "expected summary, moments, spread, seed or lloyd"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\tattr.f0\nsummary\t5\n",
         "expected end, last"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\tattr.f0\nlloyd\t0\n",
         "k must be 1 to 256"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\tattr.f0\nlloyd\t1\n"
         "mean\t0000000000000000\nscale\t3ff0000000000000\nused\t0\n",
         "no feature is used"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\tattr.f0\nspread\n"
         "mean\t0000000000000000\t0000000000000000\n",
         "more values than expected"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\trfm.r\nsummary\t0\nend\n",
         "not a column of the frame"},
        {"libtier-needs-request 1\noptions\t7ff0000000000000\t1\n", "expected a finite number"},
        /* a scale that puts the part's values beyond |z| = 1e100 (the part model has no
         * features of its own: the request's name the value) */
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\tattr.f0\nlloyd\t1\n"
         "mean\t0000000000000000\nscale\t0000000000000001\nused\t1\n"
         "centre\t0000000000000000\nend\n",
         "feature \"attr.f0\": value"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\tattr.f0\n"
         "summary\t123456789012345678901\n",
         "expected a count"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\tattr.f0\n"
         "summary\t99999999999999999999\n",
         "expected a count (decimal digits)"},
        {"libtier-needs-request 1\noptions\t41d3537c80000000\t1\nfeature\tattr.f0\n"
         "summary\t1x\n",
         "expected a count (decimal digits)"}};
    size_t i;
    (void)s;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&req, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_needs_new(&other, NULL, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(bad); i++) {
        int rc = tier_needs_dist_answer(other, b, NULL, bad[i][0], strlen(bad[i][0]), t);
        assert_true(rc == TIER_EPARSE || rc == TIER_ENOTFOUND || rc == TIER_ERANGE);
        if (!strstr(tier_model_last_error(other), bad[i][1]))
            fail_msg("case %lu: \"%s\" does not say \"%s\"", (unsigned long)i,
                     tier_model_last_error(other), bad[i][1]);
    }
    tier_model_free(other);
    other = NULL;
    tst_expect_model_error(m, tier_needs_dist_answer(m, NULL, NULL, "x", 1, t), TIER_EINVAL,
                           "needs a book");
    tst_expect_model_error(m, tier_needs_dist_merge(m, NULL, NULL, 0, req), TIER_ESTATE,
                           "no distributed fit");
    tst_expect_model_error(m, tier_needs_dist_begin(m, NULL), TIER_EINVAL, "no text");
    /* no features */
    assert_int_equal(tier_needs_new(&other, NULL, TST_ALLOC), TIER_OK);
    tst_expect_model_error(other, tier_needs_dist_begin(other, req), TIER_EINVAL, "no features");
    tier_model_free(other);
    /* another kind of model */
    assert_int_equal(tier_rfm_new(&other, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_needs_dist_begin(other, req), TIER_EINVAL);
    tier_model_free(other);
    tier_text_free(t);
    tier_text_free(req);
    tier_model_free(m);
    tier_book_free(b);
}

/* A failing fit ends the distributed fit as tier_model_fit() fails; features without spread give
 * the one-segment fit; a fit begun twice starts over. */
static void test_failing_and_flat_fits_end_as_the_single_fit(void **s)
{
    tier_book *parts[2];
    tst_needs_opts big = {200, 0, 5000, 1, 100}, flat = {2, 0, 5000, 1, 100};
    tier_model *d = tst_needs_model(TST_ALLOC, &big), *m = tst_needs_model(TST_ALLOC, &big);
    tier_book *whole = tst_needs_book(100, 1, -1, 0), *same = NULL;
    int rounds;
    char *want, *got;
    (void)s;
    tst_needs_split(100, 2, parts);
    assert_int_equal(tier_model_fit(m, whole, NULL), TIER_ERANGE);
    tst_expect_model_error(d, tst_needs_drive(TST_ALLOC, d, parts, 2, &rounds), TIER_ERANGE,
                           "k = 200 but only 95 customers have a complete needs vector");
    assert_false(tier_model_is_fitted(d));
    tier_model_free(d);
    tier_model_free(m);
    tst_needs_free_parts(parts, 2);
    /* every customer with the same vector: no feature varies */
    same = tst_needs_same_book(10, 0, 1);
    parts[0] = tst_needs_same_book(10, 0, 2);
    parts[1] = tst_needs_same_book(10, 1, 2);
    m = tst_needs_model(TST_ALLOC, &flat);
    d = tst_needs_model(TST_ALLOC, &flat);
    if (tier_model_fit(m, same, NULL))
        fail_msg("%s", tier_model_last_error(m));
    assert_int_equal(tst_needs_drive(TST_ALLOC, d, parts, 2, &rounds), TIER_OK);
    assert_int_equal(rounds, 2); /* summary and spread only */
    want = tst_saved(m, TST_ALLOC);
    got = tst_saved(d, TST_ALLOC);
    assert_string_equal(want, got);
    test_free(want);
    test_free(got);
    tier_model_free(d);
    tier_model_free(m);
    tst_needs_free_parts(parts, 2);
    tier_book_free(same);
    tier_book_free(whole);
}

/* ---- every field of every text ----------------------------------------------------------- */

/* Copies of `text` with field `i` (0-based over every line's TAB-separated fields) replaced by
 * `with`, or (with NULL) with "\t0" added after it when it ends its line. NULL past the last
 * field, or when field i does not end its line. */
static char *mutated(const char *text, size_t i, const char *with)
{
    size_t n = strlen(text), at = 0, field = 0, end;
    char *out;
    while (at < n && field < i) {
        at += strcspn(text + at, "\t\n") + 1;
        field++;
    }
    if (at >= n)
        return NULL;
    end = at + strcspn(text + at, "\t\n");
    if (!with && text[end] != '\n')
        return test_calloc(1, 1); /* not the end of a line: nothing to add */
    out = test_malloc(n + 16);
    memcpy(out, text, with ? at : end);
    strcpy(out + (with ? at : end), with ? with : "\t0");
    strcat(out, text + end);
    return out;
}

/* Every field of a part's answer replaced by "zz", and every line with a field added, is refused
 * by the merge (nothing applied); every field of the request likewise by the part. */
static void expect_every_mutation_refused(round1 *r)
{
    size_t i, k, step = tst_under_valgrind() ? 13 : 1; /* valgrind: a sample */
    for (k = 0; k < 2; k++) {
        for (i = 0;; i += step) {
            char *bad = mutated(r->answers[1], i, k ? NULL : "zz");
            if (!bad)
                break;
            if (bad[0]) {
                const char *answers[3];
                size_t lens[3];
                memcpy(answers, r->answers, sizeof answers);
                memcpy(lens, r->lens, sizeof lens);
                answers[1] = bad;
                lens[1] = strlen(bad);
                assert_int_equal(tier_needs_dist_merge(r->driver, answers, lens, 3, r->request),
                                 TIER_EPARSE);
                assert_non_null(strstr(tier_model_last_error(r->driver), "needs answer"));
            }
            test_free(bad);
        }
        for (i = 0;; i += step) {
            char *bad = mutated(tier_text_data(r->request), i, k ? NULL : "zz");
            int rc;
            if (!bad)
                break;
            if (bad[0]) {
                rc = tier_needs_dist_answer(r->part_model, r->parts[0], NULL, bad, strlen(bad),
                                            r->texts[2]);
                assert_true(rc == TIER_EPARSE || rc == TIER_ENOTFOUND);
            }
            test_free(bad);
        }
    }
    /* every text cut short (the last newline is optional) */
    for (i = 0; i + 1 < r->lens[1]; i += step) {
        const char *answers[3];
        size_t lens[3];
        memcpy(answers, r->answers, sizeof answers);
        memcpy(lens, r->lens, sizeof lens);
        lens[1] = i;
        assert_int_equal(tier_needs_dist_merge(r->driver, answers, lens, 3, r->request),
                         TIER_EPARSE);
    }
    for (i = 0; i + 1 < tier_text_length(r->request); i += step)
        assert_int_equal(tier_needs_dist_answer(r->part_model, r->parts[0], NULL,
                                                tier_text_data(r->request), i, r->texts[2]),
                         TIER_EPARSE);
    /* the answer of part 3 spoilt above is made again */
    assert_int_equal(
        tst_needs_answer_all(r->part_model, r->parts, 3, r->request, r->texts, r->answers, r->lens),
        TIER_OK);
}

static void test_every_field_of_every_round_is_checked(void **s)
{
    round1 r;
    int stages = 0;
    (void)s;
    round1_make(&r);
    while (tier_text_length(r.request) > 0) {
        const char *req = tier_text_data(r.request);
        int stage = strstr(req, "\nsummary\t") ? 1 : strstr(req, "\nspread\n") ? 2 : 4;
        if (!(stages & stage)) {
            stages |= stage;
            expect_every_mutation_refused(&r);
        }
        assert_int_equal(tier_needs_dist_merge(r.driver, r.answers, r.lens, 3, r.request), TIER_OK);
        if (tier_text_length(r.request) > 0)
            assert_int_equal(tst_needs_answer_all(r.part_model, r.parts, 3, r.request, r.texts,
                                                  r.answers, r.lens),
                             TIER_OK);
    }
    assert_int_equal(stages, 7);
    round1_free(&r);
}

/* Sums beyond the exact sums' range; a missing answer; a Lloyd count one short. */
static void test_sums_out_of_range_and_counts_that_do_not_add_up(void **s)
{
    round1 r;
    char big[TIER__XSUM_LIMBS * 16 + 1], *b1, *b2;
    const char *answers[3];
    size_t lens[3];
    (void)s;
    memset(big, 'f', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    round1_make(&r);
    memcpy(answers, r.answers, sizeof answers);
    memcpy(lens, r.lens, sizeof lens);
    answers[1] = NULL;
    tst_expect_model_error(r.driver, tier_needs_dist_merge(r.driver, answers, lens, 3, r.request),
                           TIER_EINVAL, "needs answer 2: missing");
    /* the first feature's exact sum, all ones, in two answers: the total passes the limbs */
    {
        const char *f1 = strstr(r.answers[0], "feature\t"), *f2 = strstr(r.answers[1], "feature\t");
        size_t at1 = (size_t)(f1 - r.answers[0]) + 8 + 34,
               at2 = (size_t)(f2 - r.answers[1]) + 8 + 34;
        size_t e1 = at1 + strcspn(r.answers[0] + at1, "\t"),
               e2 = at2 + strcspn(r.answers[1] + at2, "\t");
        b1 = test_malloc(r.lens[0] + sizeof big);
        b2 = test_malloc(r.lens[1] + sizeof big);
        memcpy(b1, r.answers[0], at1);
        strcpy(b1 + at1, big);
        strcat(b1, r.answers[0] + e1);
        memcpy(b2, r.answers[1], at2);
        strcpy(b2 + at2, big);
        strcat(b2, r.answers[1] + e2);
        answers[0] = b1;
        answers[1] = b2;
        lens[0] = strlen(b1);
        lens[1] = strlen(b2);
        tst_expect_model_error(r.driver,
                               tier_needs_dist_merge(r.driver, answers, lens, 3, r.request),
                               TIER_EPARSE, "exact sums beyond their range");
        /* one digit more than the limbs hold */
        answers[0] = r.answers[0];
        lens[0] = r.lens[0];
        test_free(b2);
        b2 = tst_needs_replaced(r.answers[1], "feature\t", "feature\t");
        {
            char *at = strstr(b2, "feature\t") + 8 + 34, *old_b2 = b2;
            size_t cut = (size_t)(at - b2);
            b2 = test_malloc(strlen(old_b2) + sizeof big + 2);
            memcpy(b2, old_b2, cut);
            strcpy(b2 + cut, "1");
            strcat(b2, big);
            strcat(b2, old_b2 + cut + strcspn(old_b2 + cut, "\t"));
            test_free(old_b2);
        }
        answers[1] = b2;
        lens[1] = strlen(b2);
        tst_expect_model_error(r.driver,
                               tier_needs_dist_merge(r.driver, answers, lens, 3, r.request),
                               TIER_EPARSE, "expected an exact sum");
        test_free(b1);
        test_free(b2);
    }
    /* on to the first Lloyd round */
    while (!strstr(tier_text_data(r.request), "\nlloyd\t")) {
        assert_int_equal(tier_needs_dist_merge(r.driver, r.answers, r.lens, 3, r.request), TIER_OK);
        assert_int_equal(
            tst_needs_answer_all(r.part_model, r.parts, 3, r.request, r.texts, r.answers, r.lens),
            TIER_OK);
    }
    {
        const char *c = strstr(r.answers[0], "cluster\t") + 8;
        unsigned long count = strtoul(c, NULL, 10);
        char num[32];
        size_t at = (size_t)(c - r.answers[0]);
        assert_true(count > 0);
        snprintf(num, sizeof num, "%lu", count - 1);
        b1 = test_malloc(r.lens[0] + 32);
        memcpy(b1, r.answers[0], at);
        strcpy(b1 + at, num);
        strcat(b1, c + strcspn(c, "\t"));
        memcpy(answers, r.answers, sizeof answers);
        memcpy(lens, r.lens, sizeof lens);
        answers[0] = b1;
        lens[0] = strlen(b1);
        tst_expect_model_error(r.driver,
                               tier_needs_dist_merge(r.driver, answers, lens, 3, r.request),
                               TIER_EPARSE, "customers assigned to clusters");
        test_free(b1);
    }
    round1_free(&r);
}

/* Values too large for the standardisation fail in both fits alike. */
static void test_values_too_large_fail_as_the_single_fit(void **s)
{
    static const struct {
        double v[4];
        const char *says;
    } cases[] = {{{1.5e308, 1.6e308, 1.7e308, 1.0}, "values too large to standardise"},
                 {{-1e308, 1e308, 0, 1}, "values too large or too close to standardise"},
                 {{-1.3e154, 1.3e154, -1.3e154, 1.3e154}, "too large or too close"}};
    size_t c, i;
    tst_needs_opts o = {2, 0, 5000, 1, 100};
    (void)s;
    for (c = 0; c < TST_COUNT(cases); c++) {
        tier_book *whole = NULL, *parts[2] = {NULL, NULL};
        tier_model *m = tst_needs_model(TST_ALLOC, &o), *d = tst_needs_model(TST_ALLOC, &o);
        int rounds;
        assert_int_equal(tier_book_new(&whole, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_book_new(&parts[0], TST_ALLOC), TIER_OK);
        assert_int_equal(tier_book_new(&parts[1], TST_ALLOC), TIER_OK);
        for (i = 0; i < 4; i++) {
            char id[8];
            size_t idx, f, k;
            tier_book *into[2];
            into[0] = whole;
            into[1] = parts[i % 2];
            snprintf(id, sizeof id, "v%lu", (unsigned long)i);
            for (k = 0; k < 2; k++) {
                assert_int_equal(tier_book_add_customer(into[k], id, strlen(id), &idx), TIER_OK);
                for (f = 0; f < P_FEAT; f++) {
                    char name[8];
                    snprintf(name, sizeof name, "f%lu", (unsigned long)f);
                    assert_int_equal(tier_book_set_number(into[k], idx, name,
                                                          f ? (double)(i * f) : cases[c].v[i]),
                                     TIER_OK);
                }
            }
        }
        tst_expect_model_error(m, tier_model_fit(m, whole, NULL), TIER_ERANGE, cases[c].says);
        assert_int_equal(tst_needs_drive(TST_ALLOC, d, parts, 2, &rounds), TIER_ERANGE);
        assert_false(tier_model_is_fitted(d));
        tier_model_free(m);
        tier_model_free(d);
        tier_book_free(whole);
        tst_needs_free_parts(parts, 2);
    }
}

/* The canonical order: by hash, equal hashes by id bytewise (a prefix first). */
static void test_equal_hashes_are_ordered_by_id(void **s)
{
    static const char *const ids[] = {"b", "ab", "a", "abc", "z"};
    static const uint64_t hash[] = {5, 5, 5, 5, 1};
    static const uint32_t want[] = {4, 2, 1, 3, 0};
    size_t lens[5], i;
    uint32_t order[5];
    (void)s;
    for (i = 0; i < 5; i++)
        lens[i] = strlen(ids[i]);
    assert_int_equal(tier__needs_canon_sort(TST_ALLOC, 5, hash, ids, lens, order), TIER_OK);
    assert_memory_equal(order, want, sizeof want);
    assert_true(tier__needs_canon_before(5, "a", 1, 5, "ab", 2));
    assert_false(tier__needs_canon_before(5, "ab", 2, 5, "a", 1));
    assert_false(tier__needs_canon_before(5, "ab", 2, 5, "ab", 2));
    assert_true(tier__needs_hash(1, "ab", 2) != tier__needs_hash(2, "ab", 2));
    assert_true(tier__needs_hash(1, "abcdefghi", 9) != tier__needs_hash(1, "abcdefgh", 8));
}

/* Signed exact sums: 1e100 + 1 - 1e100 is 1 (doubles in that order give 0), in any order and
 * merged from parts; the difference is antisymmetric and 0 for equal sums. */
static void test_signed_exact_sums_cancel_exactly(void **s)
{
    static const double v[] = {1e100, 1, -1e100, 0.1, -0.1, 3e-320, -2.5};
    needs_xs all, part[2];
    size_t i;
    (void)s;
    memset(&all, 0, sizeof all);
    memset(part, 0, sizeof part);
    for (i = 0; i < TST_COUNT(v); i++) {
        tier__needs_xs_add(&all, v[TST_COUNT(v) - 1 - i]);
        tier__needs_xs_add(&part[i % 2], v[i]);
    }
    assert_true(tier__xsum_diff_round(&all.pos, &all.neg) == 1 + 3e-320 - 2.5);
    assert_int_equal(tier__xsum_merge(&part[0].pos, &part[1].pos), TIER_OK);
    assert_int_equal(tier__xsum_merge(&part[0].neg, &part[1].neg), TIER_OK);
    assert_memory_equal(&part[0], &all, sizeof all);
    assert_true(tier__xsum_diff_round(&all.neg, &all.pos) == -(1 + 3e-320 - 2.5));
    assert_true(tier__xsum_diff_round(&all.pos, &all.pos) == 0);
}

/* ---- every failed allocation ------------------------------------------------------------- */

static void test_the_driver_loop_survives_every_failed_allocation(void **s)
{
    (void)s;
    tst_needs_oom_walk(tst_needs_model, &tst_needs_option_sets[3], 150);
}

TST_MAIN(cmocka_unit_test(test_a_shuffled_book_gives_the_same_fit),
         cmocka_unit_test(test_split_books_fit_as_the_whole),
         cmocka_unit_test(test_corrupt_answers_are_refused_and_nothing_applied),
         cmocka_unit_test(test_bad_requests_and_calls_are_refused),
         cmocka_unit_test(test_failing_and_flat_fits_end_as_the_single_fit),
         cmocka_unit_test(test_every_field_of_every_round_is_checked),
         cmocka_unit_test(test_sums_out_of_range_and_counts_that_do_not_add_up),
         cmocka_unit_test(test_values_too_large_fail_as_the_single_fit),
         cmocka_unit_test(test_equal_hashes_are_ordered_by_id),
         cmocka_unit_test(test_signed_exact_sums_cancel_exactly),
         cmocka_unit_test(test_the_driver_loop_survives_every_failed_allocation))
