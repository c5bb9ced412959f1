/* SPDX-License-Identifier: MIT */
/* The clv model's distributed fit (tier_clv_dist_begin(), tier_clv_dist_answer(),
 * tier_clv_dist_merge(); docs/distributed.md): the CDNOW book split into 1, 3 and 7 parts, each
 * part answering from its fit summary, fits the very state (saved bytes) of tier_model_fit() on
 * the whole book, for BG/NBD and Pareto/NBD with Gamma-Gamma, and the driver never sees a row;
 * answers cut short, damaged, of another fit or another round are refused naming the answer and
 * the line, and change nothing; bad requests are refused by the parts; every failed allocation
 * is survived. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define MAX_PARTS 7

typedef void (*setup_fn)(tier_model *m, const tier_book *whole);

static void bgnbd(tier_model *m, const tier_book *whole)
{
    assert_int_equal(tier_model_set_number(m, "as_of", tst_day_after(whole)), TIER_OK);
}

static void pareto_end(tier_model *m, const tier_book *whole)
{
    assert_int_equal(tier_model_set_option(m, "purchase_model", "pareto_nbd"), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "calibration_end", tst_day_after(whole) - 200),
                     TIER_OK);
}

static tier_model *clv_model(setup_fn setup, const tier_book *whole, const tier_allocator *a)
{
    tier_model *m = NULL;
    if (tier_clv_new(&m, NULL, a) != TIER_OK)
        return NULL;
    setup(m, whole);
    return m;
}

static char *copy_text(const tier_text *t, size_t *len)
{
    char *s = test_malloc(tier_text_length(t) + 1);
    memcpy(s, tier_text_data(t), tier_text_length(t) + 1);
    if (len)
        *len = tier_text_length(t);
    return s;
}

static char *state_of(const tier_model *m)
{
    tier_text *t = NULL;
    char *s;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_save(m, t), TIER_OK);
    s = copy_text(t, NULL);
    tier_text_free(t);
    return s;
}

/* A split book: the parts, their models (the driver's options), the fit summaries of their
 * customers (raw) and the summaries of whole buckets made from them (summary: piece k of every
 * part's tier_clv_dist_split(), merged), which the parts answer from. */
typedef struct split {
    tier_book *part[MAX_PARTS];
    tier_model *model[MAX_PARTS];
    char *raw[MAX_PARTS], *summary[MAX_PARTS];
    size_t raw_len[MAX_PARTS], len[MAX_PARTS], n;
    double as_of;
} split;

static void split_make(split *s, const tier_book *whole, size_t parts, setup_fn setup)
{
    tier_text *t = NULL, *pieces[MAX_PARTS];
    size_t k, g, ends[MAX_PARTS][MAX_PARTS];
    s->n = parts;
    s->as_of = tst_day_after(whole);
    tst_split_book(whole, s->part, parts);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    for (k = 0; k < parts; k++) {
        s->model[k] = clv_model(setup, whole, TST_ALLOC);
        assert_int_equal(tier_model_fit_summary(s->model[k], s->part[k], NULL, t), TIER_OK);
        s->raw[k] = copy_text(t, &s->raw_len[k]);
        assert_int_equal(tier_text_new(&pieces[k], TST_ALLOC), TIER_OK);
        assert_int_equal(
            tier_clv_dist_split(s->model[k], s->raw[k], s->raw_len[k], parts, pieces[k], ends[k]),
            TIER_OK);
        assert_int_equal(ends[k][parts - 1], tier_text_length(pieces[k]));
    }
    for (g = 0; g < parts; g++) { /* the shuffle: piece g of every part to part g */
        const char *data[MAX_PARTS];
        size_t lens[MAX_PARTS];
        for (k = 0; k < parts; k++) {
            size_t from = g ? ends[k][g - 1] : 0;
            data[k] = tier_text_data(pieces[k]) + from;
            lens[k] = ends[k][g] - from;
        }
        assert_int_equal(tier_model_merge_summaries(s->model[g], data, lens, parts, t), TIER_OK);
        s->summary[g] = copy_text(t, &s->len[g]);
    }
    for (k = 0; k < parts; k++)
        tier_text_free(pieces[k]);
    tier_text_free(t);
}

static void split_free(split *s)
{
    size_t k;
    for (k = 0; k < s->n; k++) {
        tier_model_free(s->model[k]);
        test_free(s->raw[k]);
        test_free(s->summary[k]);
    }
    tst_free_parts(s->part, s->n);
}

/* Frees what a test of the rounds made: the answers, the request, the driver, the split and the
 * whole book. */
static void rounds_free(tier_text **answers, size_t n, tier_text *request, tier_model *driver,
                        split *s, tier_book *whole)
{
    size_t k;
    for (k = 0; k < n; k++)
        tier_text_free(answers[k]);
    tier_text_free(request);
    tier_model_free(driver);
    split_free(s);
    tier_book_free(whole);
}

/* Every part's answer to `request` into answers[] (texts made with `a`): TIER_OK or a status. */
static int answer_all(const split *s, const tier_text *request, tier_text **answers)
{
    size_t k;
    for (k = 0; k < s->n; k++) {
        int rc =
            tier_clv_dist_answer(s->model[k], s->summary[k], s->len[k], tier_text_data(request),
                                 tier_text_length(request), answers[k]);
        if (rc != TIER_OK)
            return rc;
    }
    return TIER_OK;
}

static void texts_of(tier_text **answers, size_t n, const char **data, size_t *lens)
{
    size_t k;
    for (k = 0; k < n; k++) {
        data[k] = tier_text_data(answers[k]);
        lens[k] = tier_text_length(answers[k]);
    }
}

/* Runs the driver loop to the end: the number of rounds, the largest request and answer. */
static size_t drive(tier_model *driver, const split *s, size_t *max_bytes)
{
    tier_text *request = NULL, *answers[MAX_PARTS];
    const char *data[MAX_PARTS];
    size_t lens[MAX_PARTS], k, rounds = 0;
    assert_int_equal(tier_text_new(&request, TST_ALLOC), TIER_OK);
    for (k = 0; k < s->n; k++)
        assert_int_equal(tier_text_new(&answers[k], TST_ALLOC), TIER_OK);
    assert_int_equal(tier_clv_dist_begin(driver, request), TIER_OK);
    *max_bytes = 0;
    while (tier_text_length(request) > 0) {
        int rc = answer_all(s, request, answers);
        if (rc != TIER_OK)
            fail_msg("answer: %s", tier_model_last_error(s->model[0]));
        texts_of(answers, s->n, data, lens);
        for (k = 0; k < s->n; k++)
            if (lens[k] > *max_bytes)
                *max_bytes = lens[k];
        rc = tier_clv_dist_merge(driver, data, lens, s->n, request);
        if (rc != TIER_OK)
            fail_msg("merge of round %lu: %s", (unsigned long)rounds,
                     tier_model_last_error(driver));
        rounds++;
        assert_true(rounds < 100000);
    }
    tier_text_free(request);
    for (k = 0; k < s->n; k++)
        tier_text_free(answers[k]);
    return rounds;
}

static void check_identity(setup_fn setup)
{
    static const size_t splits[3] = {1, 3, 7};
    tier_book *whole = tst_cdnow_book(TST_ALLOC, 1);
    tier_model *m = clv_model(setup, whole, TST_ALLOC);
    double ev[2];
    char *want;
    size_t i;
    assert_int_equal(tier_model_fit(m, whole, NULL), TIER_OK);
    want = state_of(m);
    assert_int_equal(tier_clv_fit_stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_EVALUATIONS, &ev[0]),
                     TIER_OK);
    assert_int_equal(tier_clv_fit_stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_EVALUATIONS, &ev[1]),
                     TIER_OK);
    tier_model_free(m);
    /* under valgrind (slow) the 3-part split only: the suite runs them all */
    for (i = tst_under_valgrind() ? 1 : 0; i < (tst_under_valgrind() ? 2u : 3u); i++) {
        split s;
        tier_model *driver = clv_model(setup, whole, TST_ALLOC);
        size_t rounds, max_bytes;
        char *got;
        split_make(&s, whole, splits[i], setup);
        rounds = drive(driver, &s, &max_bytes);
        assert_true(tier_model_is_fitted(driver));
        got = state_of(driver);
        assert_string_equal(got, want);
        /* the figures, then one round an evaluation, the Hessian's 1 + 2 n included */
        assert_int_equal(rounds, (size_t)(1 + ev[0] + 9 + ev[1] + 7));
        /* an answer is at most 5 partials a bucket (of 256), whatever the customers: never the
         * rows */
        assert_true(max_bytes < 2 * 256 * 100);
        test_free(got);
        tier_model_free(driver);
        split_free(&s);
    }
    test_free(want);
    tier_book_free(whole);
}

static void test_bgnbd_over_parts_fits_the_whole_books_state(void **state)
{
    (void)state;
    check_identity(bgnbd);
}

static void test_pareto_over_parts_fits_the_whole_books_state(void **state)
{
    (void)state;
    check_identity(pareto_end);
}

/* ---- refusals ------------------------------------------------------------------------------ */

static tier_book *sample_book(const tier_allocator *a)
{
    return tst_cdnow_book(a, 0);
}

/* merge(answers with answer `which` replaced by `bad`) is refused with TIER_EPARSE naming it and
 * the line, and changes nothing. */
static void expect_refused(tier_model *driver, tier_text **answers, size_t n, size_t which,
                           const char *bad, size_t bad_len, const char *line, tier_text *request)
{
    const char *data[MAX_PARTS];
    size_t lens[MAX_PARTS];
    char want[64], *before = copy_text(request, NULL);
    texts_of(answers, n, data, lens);
    data[which] = bad;
    lens[which] = bad_len;
    assert_int_equal(tier_clv_dist_merge(driver, data, lens, n, request), TIER_EPARSE);
    snprintf(want, sizeof want, "clv answer %lu, line %s", (unsigned long)which + 1, line);
    if (!strstr(tier_model_last_error(driver), want))
        fail_msg("error \"%s\" does not name \"%s\"", tier_model_last_error(driver), want);
    assert_string_equal(tier_text_data(request), before);
    test_free(before);
}

static void test_bad_answers_are_refused_and_change_nothing(void **state)
{
    tier_book *whole = sample_book(TST_ALLOC);
    tier_model *driver = clv_model(bgnbd, whole, TST_ALLOC), *whole_fit;
    tier_text *request = NULL, *answers[3];
    const char *data[3];
    size_t lens[3], k, len, cut;
    split s;
    char *bad, *want, *got, *p;
    (void)state;
    whole_fit = clv_model(bgnbd, whole, TST_ALLOC);
    assert_int_equal(tier_model_fit(whole_fit, whole, NULL), TIER_OK);
    want = state_of(whole_fit);
    tier_model_free(whole_fit);
    split_make(&s, whole, 3, bgnbd);
    assert_int_equal(tier_text_new(&request, TST_ALLOC), TIER_OK);
    for (k = 0; k < 3; k++)
        assert_int_equal(tier_text_new(&answers[k], TST_ALLOC), TIER_OK);
    /* no fit in progress; bad arguments */
    texts_of(answers, 3, data, lens);
    assert_int_equal(tier_clv_dist_merge(driver, data, lens, 3, request), TIER_ESTATE);
    assert_int_equal(tier_clv_dist_begin(driver, NULL), TIER_EINVAL);
    assert_int_equal(tier_clv_dist_begin(NULL, request), TIER_EINVAL);
    assert_int_equal(tier_clv_dist_begin(driver, request), TIER_OK);
    assert_int_equal(tier_clv_dist_merge(driver, NULL, lens, 3, request), TIER_EINVAL);
    assert_int_equal(tier_clv_dist_merge(driver, data, lens, 0, request), TIER_EINVAL);
    assert_int_equal(tier_clv_dist_merge(driver, data, NULL, 3, request), TIER_EINVAL);
    assert_int_equal(tier_clv_dist_merge(NULL, data, lens, 3, request), TIER_EINVAL);
    assert_int_equal(tier_clv_dist_answer(s.model[0], NULL, 0, tier_text_data(request),
                                          tier_text_length(request), answers[0]),
                     TIER_EINVAL);
    assert_int_equal(tier_clv_dist_answer(NULL, s.summary[0], s.len[0], tier_text_data(request),
                                          tier_text_length(request), answers[0]),
                     TIER_EINVAL);
    /* bad requests: the part names the line */
    {
        static const char *const bad_requests[] = {
            "nonsense\n",
            "libtier-clv-request 2\nid\t1\n",
            "libtier-clv-request 2\nid\t1\nround\tx\n",
            "libtier-clv-request 2\nid\t1\nround\t0\nwhat\nend\n",
            "libtier-clv-request 2\nid\t1\nround\t0\nstata\nend\n",
            "libtier-clv-request 2\nid\t1\nround\t0\nevak\nend\n",
            "libtier-clv-request 2\nid\t1\nround\t0\neval\tx\nend\n",
            "libtier-clv-request 2\nid\t1\nround\t0\neval\t2\t0\nend\n",
            "libtier-clv-request 2\nid\t1\nround\t0\neval\t0\t1\t3ff0000000000000\nend\n",
            "libtier-clv-request 2\nid\t1\nround\t0\nstats\nend\nmore\n",
            "libtier-clv-request 2\nid\t1\nround\t0\n"
            "eval\t0\t1\t3ff0000000000000\t3ff0000000000000\t3ff0000000000000\t7ff8000000000000\n"
            "end\n"};
        for (k = 0; k < sizeof bad_requests / sizeof *bad_requests; k++) {
            assert_int_equal(tier_clv_dist_answer(s.model[0], s.summary[0], s.len[0],
                                                  bad_requests[k], strlen(bad_requests[k]),
                                                  answers[0]),
                             TIER_EPARSE);
            assert_non_null(strstr(tier_model_last_error(s.model[0]), "clv request, line"));
        }
    }
    /* a summary made with other options, a damaged one */
    {
        tier_model *other = clv_model(pareto_end, whole, TST_ALLOC);
        assert_int_equal(tier_clv_dist_answer(other, s.summary[0], s.len[0],
                                              tier_text_data(request), tier_text_length(request),
                                              answers[0]),
                         TIER_ECORRUPT);
        assert_non_null(strstr(tier_model_last_error(other), "the part's fit summary"));
        tier_model_free(other);
        bad = copy_text(request, NULL);
        assert_int_equal(tier_clv_dist_answer(s.model[0], s.summary[0], s.len[0] / 2, bad,
                                              strlen(bad), answers[0]),
                         TIER_ECORRUPT);
        test_free(bad);
    }
    /* round 0, then two evaluation rounds, each with its refusals */
    for (k = 0; k < 3; k++) {
        assert_int_equal(answer_all(&s, request, answers), TIER_OK);
        len = tier_text_length(answers[1]);
        /* cut short at every line end and in the middle of the last */
        for (cut = 0; cut < len; cut += (cut % 7 == 0 ? 1 : 13)) {
            bad = copy_text(answers[1], NULL);
            assert_int_equal(
                tier_clv_dist_merge(driver,
                                    (const char *const[]){tier_text_data(answers[0]), bad,
                                                          tier_text_data(answers[2])},
                                    (const size_t[]){tier_text_length(answers[0]), cut,
                                                     tier_text_length(answers[2])},
                                    3, request),
                TIER_EPARSE);
            assert_non_null(strstr(tier_model_last_error(driver), "clv answer 2, line"));
            test_free(bad);
        }
        /* a bad hexadecimal digit in the last data line */
        bad = copy_text(answers[1], NULL);
        p = strstr(bad, "\nend\n");
        assert_non_null(p);
        p[-1] = 'g';
        expect_refused(driver, answers, 3, 1, bad, len, "", request);
        test_free(bad);
        /* another fit's id, another round */
        bad = copy_text(answers[2], NULL);
        p = strstr(bad, "\nid\t");
        p[4] = (char)(p[4] + 1);
        expect_refused(driver, answers, 3, 2, bad, strlen(bad), "2", request);
        test_free(bad);
        bad = copy_text(answers[0], NULL);
        p = strstr(bad, "\nround\t");
        p[7] = (char)(p[7] == '9' ? '8' : p[7] + 1);
        expect_refused(driver, answers, 3, 0, bad, strlen(bad), "3", request);
        test_free(bad);
        /* an answer of another kind (the head of a request) */
        expect_refused(driver, answers, 3, 0, "libtier-clv-request 2\n", 22, "1", request);
        texts_of(answers, 3, data, lens);
        assert_int_equal(tier_clv_dist_merge(driver, data, lens, 3, request), TIER_OK);
        /* the same answers again: another round now */
        if (k == 2)
            expect_refused(driver, answers, 3, 0, data[0], lens[0], "3", request);
    }
    /* a figure made with another time unit in round 0 of a new fit */
    {
        tier_model *weeks = clv_model(bgnbd, whole, TST_ALLOC);
        tier_text *r0 = NULL;
        assert_int_equal(tier_text_new(&r0, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_model_set_number(weeks, "time_unit", 1), TIER_OK);
        assert_int_equal(tier_clv_dist_begin(weeks, r0), TIER_OK);
        assert_int_equal(answer_all(&s, r0, answers), TIER_OK);
        texts_of(answers, 3, data, lens);
        assert_int_equal(tier_clv_dist_merge(weeks, data, lens, 3, r0), TIER_EPARSE);
        assert_non_null(strstr(tier_model_last_error(weeks), "clv answer 1, line 4"));
        tier_text_free(r0);
        tier_model_free(weeks);
    }
    /* and the fit, continued to the end, is still the whole book's */
    while (tier_text_length(request) > 0) {
        assert_int_equal(answer_all(&s, request, answers), TIER_OK);
        texts_of(answers, 3, data, lens);
        assert_int_equal(tier_clv_dist_merge(driver, data, lens, 3, request), TIER_OK);
    }
    got = state_of(driver);
    assert_string_equal(got, want);
    test_free(got);
    test_free(want);
    rounds_free(answers, 3, request, driver, &s, whole);
}

/* A population without repeat purchases: the distributed fit fails as tier_model_fit() does,
 * ends, and the model keeps no fit. */
static void test_a_fit_that_fails_ends_the_distributed_fit(void **state)
{
    tier_book *whole = NULL;
    tier_model *driver, *m;
    tier_text *request = NULL, *answers[2];
    const char *data[2];
    size_t lens[2], k;
    split s;
    int rc, rounds = 0;
    char want[512];
    (void)state;
    assert_int_equal(tier_book_new(&whole, TST_ALLOC), TIER_OK);
    for (k = 0; k < 4; k++) {
        char id[8];
        snprintf(id, sizeof id, "c%lu", (unsigned long)k);
        assert_int_equal(tier_book_add_txn(whole, id, strlen(id), 100 + (int32_t)k, 5.0, NAN),
                         TIER_OK);
    }
    m = clv_model(bgnbd, whole, TST_ALLOC);
    assert_int_equal(tier_model_fit(m, whole, NULL), TIER_EINVAL);
    snprintf(want, sizeof want, "%s", tier_model_last_error(m));
    tier_model_free(m);
    driver = clv_model(bgnbd, whole, TST_ALLOC);
    split_make(&s, whole, 2, bgnbd);
    assert_int_equal(tier_text_new(&request, TST_ALLOC), TIER_OK);
    for (k = 0; k < 2; k++)
        assert_int_equal(tier_text_new(&answers[k], TST_ALLOC), TIER_OK);
    assert_int_equal(tier_clv_dist_begin(driver, request), TIER_OK);
    do {
        assert_int_equal(answer_all(&s, request, answers), TIER_OK);
        texts_of(answers, 2, data, lens);
        rc = tier_clv_dist_merge(driver, data, lens, 2, request);
        rounds++;
    } while (rc == TIER_OK && tier_text_length(request) > 0);
    assert_int_equal(rc, TIER_EINVAL);
    assert_int_equal(rounds, 1);
    assert_non_null(strstr(want, tier_model_last_error(driver)));
    assert_non_null(strstr(want, "no repeat transactions"));
    assert_false(tier_model_is_fitted(driver));
    assert_int_equal(tier_clv_dist_merge(driver, data, lens, 2, request), TIER_ESTATE);
    rounds_free(answers, 2, request, driver, &s, whole);
}

/* `text` with its line `line` (from 1) replaced by `with` (a new string, test_free it). */
static char *replace_line(const char *text, int line, const char *with)
{
    const char *a = text, *b;
    char *out;
    int k;
    for (k = 1; k < line; k++)
        a = strchr(a, '\n') + 1;
    b = strchr(a, '\n');
    out = test_malloc(strlen(text) + strlen(with) + 1);
    memcpy(out, text, (size_t)(a - text));
    strcpy(out + (a - text), with);
    strcat(out, b);
    return out;
}

/* Line `line` of `text` with its field `field` (from 0) replaced by `with`. */
static char *replace_field(const char *text, int line, int field, const char *with)
{
    char buf[2048], *out, *f, *e;
    const char *a = text;
    int k;
    for (k = 1; k < line; k++)
        a = strchr(a, '\n') + 1;
    snprintf(buf, sizeof buf, "%.*s", (int)(strchr(a, '\n') - a), a);
    f = buf;
    for (k = 0; k < field; k++)
        f = strchr(f, '\t') + 1;
    e = strchr(f, '\t');
    {
        char rest[2048];
        snprintf(rest, sizeof rest, "%s", e ? e : "");
        snprintf(f, sizeof buf - (size_t)(f - buf), "%s%s", with, rest);
    }
    out = replace_line(text, line, buf);
    return out;
}

/* Merging {bad, good} gives `want` (and, for TIER_EPARSE, names answer 1 and `line`). */
static void merge_expect(tier_model *driver, char *bad, const tier_text *good, tier_text *request,
                         int want, const char *line)
{
    const char *data[2] = {bad, tier_text_data(good)};
    const size_t lens[2] = {strlen(bad), tier_text_length(good)};
    char where[48];
    assert_int_equal(tier_clv_dist_merge(driver, data, lens, 2, request), want);
    snprintf(where, sizeof where, "clv answer 1, line %s", line);
    if (want == TIER_EPARSE && !strstr(tier_model_last_error(driver), where))
        fail_msg("\"%s\" does not name %s", tier_model_last_error(driver), where);
    test_free(bad);
}

/* Every field of the answers and requests is checked: round 0's figures, an evaluation's status
 * and sums, a request's point; a part that cannot evaluate a point answers so, and the fit
 * goes on as a single process's would. */
static void test_every_field_is_checked(void **state)
{
    tier_book *whole = sample_book(TST_ALLOC);
    tier_model *driver = clv_model(bgnbd, whole, TST_ALLOC);
    tier_text *request = NULL, *a[2];
    split s;
    size_t k;
    char *t;
    (void)state;
    split_make(&s, whole, 2, bgnbd);
    assert_int_equal(tier_text_new(&request, TST_ALLOC), TIER_OK);
    for (k = 0; k < 2; k++)
        assert_int_equal(tier_text_new(&a[k], TST_ALLOC), TIER_OK);
    assert_int_equal(tier_clv_dist_begin(driver, request), TIER_OK);
    assert_int_equal(tier_clv_dist_begin(driver, request), TIER_OK); /* id 2 */
    assert_int_equal(tier_clv_dist_answer(s.model[0], s.summary[0], s.len[0], NULL, 0, a[0]),
                     TIER_EINVAL);
    assert_int_equal(tier_clv_dist_answer(s.model[0], s.summary[0], s.len[0],
                                          tier_text_data(request), tier_text_length(request), NULL),
                     TIER_EINVAL);
    assert_int_equal(tier_clv_dist_answer(s.model[0], s.summary[0], s.len[0], "", 0, a[0]),
                     TIER_EPARSE);
    assert_int_equal(answer_all(&s, request, a), TIER_OK);
    {
        const char *data[2] = {NULL, tier_text_data(a[1])};
        const size_t lens[2] = {0, tier_text_length(a[1])};
        assert_int_equal(tier_clv_dist_merge(driver, data, lens, 2, request), TIER_EINVAL);
        assert_int_equal(tier_clv_dist_merge(driver, data, lens, 2, NULL), TIER_EINVAL);
    }
    /* round 0 */
    merge_expect(driver, replace_line(tier_text_data(a[0]), 1, "libtier-clv-answer 1\tx"), a[1],
                 request, TIER_EPARSE, "1");
    merge_expect(driver, replace_line(tier_text_data(a[0]), 2, "id\tx"), a[1], request, TIER_EPARSE,
                 "2");
    merge_expect(driver, replace_line(tier_text_data(a[0]), 4, "stat"), a[1], request, TIER_EPARSE,
                 "4");
    { /* a field of round 0's answer 1 replaced: refused, naming the line ("" when it is the
       * counts added up over the answers) */
        static const struct {
            int line, field;
            const char *with, *where;
        } bad_fields[] = {
            {4, 1, "2", "4"},
            {4, 2, "x", "4"},
            {4, 3, "4000000000000000", "4"},
            {4, 4, "3fe0000000000000", "4"},
            {4, 5, "4341c37937e08000", ""},
            {5, 1, "1", "5"},
            {5, 1, "x", "5"},
            {5, 2, "3fe0000000000000", "5"},
            {5, 2, "x", "5"},
            {5, 3, "x", "5"},
            {5, 3, "9007199254740993", "5"},
            {5, 4, "x", "5"},
            {5, 4, "257", "5"},
            {6, 0, "c", "6"},
            {6, 1, "x", "6"},
            {6, 1, "256", "6"},
            {4, 5, "3fe0000000000000", "4"},
            {5, 0, "sup", "5"},
            {5, 2, "bff0000000000000", "5"},
            {4, 4, "4341c37937e08000", ""},
            {5, 2, "4341c37937e08000", ""},
            {5, 3, "9007199254740992", ""},
        };
        size_t i;
        for (i = 0; i < sizeof bad_fields / sizeof bad_fields[0]; i++)
            merge_expect(driver,
                         replace_field(tier_text_data(a[0]), bad_fields[i].line,
                                       bad_fields[i].field, bad_fields[i].with),
                         a[1], request, TIER_EPARSE, bad_fields[i].where);
    }
    { /* the second answer's calibration end differs from the first's */
        char *b1 = replace_field(tier_text_data(a[1]), 4, 3, "4000000000000000");
        assert_int_equal(
            tier_clv_dist_merge(driver, (const char *const[]){tier_text_data(a[0]), b1},
                                (const size_t[]){tier_text_length(a[0]), strlen(b1)}, 2, request),
            TIER_EPARSE);
        assert_non_null(strstr(tier_model_last_error(driver), "clv answer 2, line 4"));
        test_free(b1);
    }
    merge_expect(driver, replace_field(tier_text_data(a[0]), 6, 2, "7ff8000000000000"), a[1],
                 request, TIER_EPARSE, "6");
    /* the parts' own summaries, not split by bucket: a bucket of two parts is refused */
    {
        const char *data[2];
        size_t lens[2];
        for (k = 0; k < 2; k++) {
            assert_int_equal(tier_clv_dist_answer(s.model[k], s.raw[k], s.raw_len[k],
                                                  tier_text_data(request),
                                                  tier_text_length(request), a[k]),
                             TIER_OK);
            data[k] = tier_text_data(a[k]);
            lens[k] = tier_text_length(a[k]);
        }
        assert_int_equal(tier_clv_dist_merge(driver, data, lens, 2, request), TIER_EPARSE);
        assert_non_null(strstr(tier_model_last_error(driver), "was answered by answer 1 too"));
        assert_int_equal(answer_all(&s, request, a), TIER_OK);
    }
    /* no customer at all: the fit fails as tier_model_fit() fails */
    {
        tier_model *none = clv_model(bgnbd, whole, TST_ALLOC);
        tier_text *r0 = NULL;
        char *b0, *b1;
        assert_int_equal(tier_text_new(&r0, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_clv_dist_begin(none, r0), TIER_OK);
        assert_int_equal(answer_all(&s, r0, a), TIER_OK);
        b0 = replace_field(tier_text_data(a[0]), 4, 5, "0000000000000000");
        b1 = replace_field(tier_text_data(a[1]), 4, 5, "0000000000000000");
        assert_int_equal(tier_clv_dist_merge(none, (const char *const[]){b0, b1},
                                             (const size_t[]){strlen(b0), strlen(b1)}, 2, r0),
                         TIER_EINVAL);
        assert_non_null(strstr(tier_model_last_error(none), "no customer has a purchase"));
        test_free(b0);
        test_free(b1);
        tier_text_free(r0);
        tier_model_free(none);
    }
    assert_int_equal(answer_all(&s, request, a), TIER_OK);
    {
        const char *data[2] = {tier_text_data(a[0]), tier_text_data(a[1])};
        const size_t lens[2] = {tier_text_length(a[0]), tier_text_length(a[1])};
        assert_int_equal(tier_clv_dist_merge(driver, data, lens, 2, request), TIER_OK);
    }
    /* an evaluation round */
    assert_int_equal(answer_all(&s, request, a), TIER_OK);
    merge_expect(driver, replace_line(tier_text_data(a[0]), 4, "evl\t0"), a[1], request,
                 TIER_EPARSE, "4");
    merge_expect(driver, replace_line(tier_text_data(a[0]), 4, "eval\t2"), a[1], request,
                 TIER_EPARSE, "4");
    merge_expect(driver, replace_line(tier_text_data(a[0]), 4, "eval\t0\tx"), a[1], request,
                 TIER_EPARSE, "4");
    merge_expect(driver, replace_line(tier_text_data(a[0]), 4, "eval\t1\t1"), a[1], request,
                 TIER_EPARSE, "4");
    merge_expect(driver, replace_line(tier_text_data(a[0]), 5, "sun\t0\t0"), a[1], request,
                 TIER_EPARSE, "5");
    merge_expect(driver, replace_line(tier_text_data(a[0]), 5, "b\t0"), a[1], request, TIER_EPARSE,
                 "5");
    /* requests: a gradient flag out of range; a point a part cannot evaluate */
    t = replace_field(tier_text_data(request), 4, 2, "2");
    assert_int_equal(tier_clv_dist_answer(s.model[0], s.summary[0], s.len[0], t, strlen(t), a[0]),
                     TIER_EPARSE);
    test_free(t);
    t = replace_field(tier_text_data(request), 4, 3, "0000000000000000");
    assert_int_equal(tier_clv_dist_answer(s.model[0], s.summary[0], s.len[0], t, strlen(t), a[0]),
                     TIER_OK);
    assert_non_null(strstr(tier_text_data(a[0]), "\neval\t1\t0\nend\n"));
    test_free(t);
    /* a point whose terms overflow: the part answers that it cannot evaluate it */
    t = replace_field(tier_text_data(request), 4, 3, "7f76c8e5ca239029");
    assert_int_equal(tier_clv_dist_answer(s.model[0], s.summary[0], s.len[0], t, strlen(t), a[0]),
                     TIER_OK);
    assert_non_null(strstr(tier_text_data(a[0]), "\neval\t1\t0\nend\n"));
    test_free(t);
    /* a part that could not evaluate: the point fails, and the driver asks the next one */
    t = copy_text(request, NULL);
    assert_int_equal(tier_text_append(a[0], "", 0), TIER_OK);
    {
        const char *data[2] = {tier_text_data(a[0]), tier_text_data(a[1])};
        const size_t lens[2] = {tier_text_length(a[0]), tier_text_length(a[1])};
        assert_int_equal(tier_clv_dist_merge(driver, data, lens, 2, request), TIER_OK);
    }
    assert_true(tier_text_length(request) > 0 && strcmp(tier_text_data(request), t) != 0);
    test_free(t);
    rounds_free(a, 2, request, driver, &s, whole);
}

/* tier_clv_dist_split(): its refusals; pieces beyond the buckets are empty; the pieces merged
 * again are the summary. */
static void test_a_split_holds_every_row_once(void **state)
{
    tier_book *whole = sample_book(TST_ALLOC);
    tier_model *m = clv_model(bgnbd, whole, TST_ALLOC),
               *other = clv_model(pareto_end, whole, TST_ALLOC);
    tier_text *sum = NULL, *out = NULL;
    size_t *ends = test_malloc(300 * sizeof *ends), len, k, empty = 0;
    const char **data = test_malloc(300 * sizeof *data);
    size_t *lens = test_malloc(300 * sizeof *lens);
    char *text;
    (void)state;
    assert_int_equal(tier_text_new(&sum, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&out, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit_summary(m, whole, NULL, sum), TIER_OK);
    text = copy_text(sum, &len);
    assert_int_equal(tier_clv_dist_split(NULL, text, len, 2, out, ends), TIER_EINVAL);
    assert_int_equal(tier_clv_dist_split(m, NULL, len, 2, out, ends), TIER_EINVAL);
    assert_int_equal(tier_clv_dist_split(m, text, len, 0, out, ends), TIER_EINVAL);
    assert_int_equal(tier_clv_dist_split(m, text, len, 2, NULL, ends), TIER_EINVAL);
    assert_int_equal(tier_clv_dist_split(m, text, len, 2, out, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "the split needs"));
    assert_int_equal(tier_clv_dist_split(m, text, len / 2, 2, out, ends), TIER_ECORRUPT);
    assert_int_equal(tier_clv_dist_split(other, text, len, 2, out, ends), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(other), "made with purchase_model"));
    assert_int_equal(tier_clv_dist_split(m, text, len, 300, out, ends), TIER_OK);
    for (k = 0; k < 300; k++) {
        size_t from = k ? ends[k - 1] : 0;
        data[k] = tier_text_data(out) + from;
        lens[k] = ends[k] - from;
        if (k > 256)
            assert_true(lens[k] == lens[256]); /* no rows: the header and the zero counts */
        empty += strstr(data[k], "\nc ") == NULL || strstr(data[k], "\nc ") > data[k] + lens[k];
    }
    assert_true(empty >= 44);
    assert_int_equal(tier_model_merge_summaries(m, data, lens, 300, sum), TIER_OK);
    assert_int_equal(tier_text_length(sum), len);
    assert_memory_equal(tier_text_data(sum), text, len);
    test_free(text);
    test_free(ends);
    test_free(data);
    test_free(lens);
    tier_text_free(sum);
    tier_text_free(out);
    tier_model_free(m);
    tier_model_free(other);
    tier_book_free(whole);
}

/* ---- out of memory ------------------------------------------------------------------------- */

/* Begin, the figures and a few evaluation rounds with allocations from `a`. */
static int oom_rounds(const tier_allocator *a, void *ud)
{
    const split *s = ud;
    tier_model *driver = NULL;
    tier_text *request = NULL, *answers[2] = {NULL, NULL};
    const char *data[2];
    size_t lens[2], k;
    int rc = tier_clv_new(&driver, NULL, a), round;
    if (rc == TIER_OK)
        rc = tier_model_set_number(driver, "as_of", s->as_of);
    if (rc == TIER_OK)
        rc = tier_text_new(&request, a);
    for (k = 0; k < 2 && rc == TIER_OK; k++)
        rc = tier_text_new(&answers[k], a);
    if (rc == TIER_OK) {
        rc = tier_clv_dist_begin(driver, request);
        if (rc != TIER_OK)
            tst_expect_oom(rc, tier_model_last_error(driver));
    }
    for (round = 0; round < 4 && rc == TIER_OK; round++) {
        for (k = 0; k < 2 && rc == TIER_OK; k++) {
            tier_model *part = NULL;
            rc = tier_clv_new(&part, NULL, a);
            if (rc == TIER_OK)
                rc = tier_model_set_number(part, "as_of", s->as_of);
            if (rc == TIER_OK && round == 0) { /* a split with every allocation from `a` */
                size_t ends[2];
                rc = tier_clv_dist_split(part, s->raw[k], s->raw_len[k], 2, answers[k], ends);
                if (rc != TIER_OK)
                    tst_expect_oom(rc, tier_model_last_error(part));
            }
            if (rc == TIER_OK) {
                rc = tier_clv_dist_answer(part, s->summary[k], s->len[k], tier_text_data(request),
                                          tier_text_length(request), answers[k]);
                if (rc != TIER_OK)
                    tst_expect_oom(rc, tier_model_last_error(part));
            }
            tier_model_free(part);
        }
        if (rc == TIER_OK) {
            texts_of(answers, 2, data, lens);
            rc = tier_clv_dist_merge(driver, data, lens, 2, request);
            if (rc != TIER_OK)
                tst_expect_oom(rc, tier_model_last_error(driver));
        }
    }
    for (k = 0; k < 2; k++)
        tier_text_free(answers[k]);
    tier_text_free(request);
    tier_model_free(driver);
    return rc;
}

static void test_the_rounds_survive_every_failed_allocation(void **state)
{
    tier_book *whole = sample_book(TST_ALLOC);
    split s;
    (void)state;
    split_make(&s, whole, 2, bgnbd);
    assert_true(tst_oom_walk(oom_rounds, &s) > 10);
    split_free(&s);
    tier_book_free(whole);
}

TST_MAIN(cmocka_unit_test(test_bgnbd_over_parts_fits_the_whole_books_state),
         cmocka_unit_test(test_pareto_over_parts_fits_the_whole_books_state),
         cmocka_unit_test(test_bad_answers_are_refused_and_change_nothing),
         cmocka_unit_test(test_a_fit_that_fails_ends_the_distributed_fit),
         cmocka_unit_test(test_every_field_is_checked),
         cmocka_unit_test(test_a_split_holds_every_row_once),
         cmocka_unit_test(test_the_rounds_survive_every_failed_allocation))
