/* SPDX-License-Identifier: MIT */
/* The Pareto/ABC model: classes computed by hand on small books (ties at a cut, all-equal values,
 * one customer, an empty book, refunds, a customer landing exactly on 80%), CDNOW class counts
 * and revenue shares checked against an independent computation, options and out of memory. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

static tier_model *pareto(const tier_allocator *a, const tier_book *book)
{
    tier_model *m = NULL;
    assert_int_equal(tier_pareto_new(&m, NULL, a), TIER_OK);
    assert_string_equal(tier_model_kind(m), "pareto");
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    return m;
}

/* A class case: a book of the rows (NaN: no margin) and, when `idle` is set, a customer without
 * transactions after them; a Pareto model named `name` (NULL: the default) with the criterion
 * `criterion` (NULL: the default) and number options; the class initials it must give in book
 * order, and what else to check on the scored frame (NULL: nothing). Cases name only the
 * members they set; the others are zero (NULL, no options). */
typedef struct class_case {
    tst_txn_margin rows[10];
    size_t n;
    const char *idle;
    const char *name;
    const char *criterion;
    tst_number_option options[2]; /* set before the fit (a NULL name ends the list) */
    const char *want;
    void (*also)(const tier_frame *f);
} class_case;

static void test_classes(void **state)
{
    const class_case *c = *state;
    tier_book *book = tst_book_with_margins(TST_ALLOC, c->rows, c->n);
    tier_model *m = NULL;
    tier_frame *f;
    char got[16], column[32];
    if (c->idle)
        assert_int_equal(tier_book_add_customer(book, c->idle, strlen(c->idle), NULL), TIER_OK);
    assert_int_equal(tier_pareto_new(&m, c->name, TST_ALLOC), TIER_OK);
    assert_string_equal(tier_model_kind(m), "pareto");
    if (c->criterion)
        assert_int_equal(tier_model_set_text(m, "criterion", c->criterion), TIER_OK);
    tst_expect_set_numbers(m, c->options, c->options[1].name ? 2 : c->options[0].name ? 1 : 0);
    f = tst_fit_score(m, book, TST_ALLOC);
    snprintf(column, sizeof column, "%s.class", c->name ? c->name : "pareto");
    tst_initials(f, column, got);
    assert_string_equal(got, c->want);
    if (c->also)
        c->also(f);
    tst_release(f, m, book);
}

/* 0.7 + 0.1 is 0.7999999999999999 in binary floating point: only exact arithmetic puts the
 * second customer in A. S = 1.0; cum 0.7, 0.8 (= 80%: A closes), 0.9, 1.0 (>= 95%: B). */
static const class_case closes_a_on_the_customer_that_reaches_exactly_80_percent = {
    .rows = {{"a", 1, 0.7, NAN}, {"b", 1, 0.1, NAN}, {"c", 1, 0.1, NAN}, {"d", 1, 0.1, NAN}},
    .n = 4,
    .want = "AABB"};

/* S = 100: big 40, then the 20s in id order a, b, c (not book order c, a, b): big 40%, a 60%,
 * b 80% (A closes), c 100% (B closes). */
static const class_case breaks_ties_at_a_cut_by_id = {
    .rows = {{"c", 1, 20, NAN}, {"big", 1, 40, NAN}, {"b", 1, 20, NAN}, {"a", 1, 20, NAN}},
    .n = 4,
    .want = "BAAA"};

/* Ten customers of 10 each: c0..c7 reach 80% (A), c8 90%, c9 100% (B). Book order reversed. */
static const class_case splits_all_equal_values_by_id = {.rows = {{"c9", 5, 10, NAN},
                                                                  {"c8", 5, 10, NAN},
                                                                  {"c7", 5, 10, NAN},
                                                                  {"c6", 5, 10, NAN},
                                                                  {"c5", 5, 10, NAN},
                                                                  {"c4", 5, 10, NAN},
                                                                  {"c3", 5, 10, NAN},
                                                                  {"c2", 5, 10, NAN},
                                                                  {"c1", 5, 10, NAN},
                                                                  {"c0", 5, 10, NAN}},
                                                         .n = 10,
                                                         .want = "BBAAAAAAAA"};

static const class_case puts_a_single_customer_in_a = {
    .rows = {{"only", 1, 12.5, NAN}}, .n = 1, .want = "A"};

static void refund_value_and_share(const tier_frame *f)
{
    assert_true(tst_numbers(f, "pareto.value")[0] == -5 && tst_numbers(f, "pareto.value")[2] == 0);
    assert_true(tst_numbers(f, "pareto.share")[0] == -1);
}

static const class_case puts_refunds_only_and_idle_customers_in_c = {
    .rows = {{"refund", 1, -5, NAN}, {"buyer", 2, 5, NAN}},
    .n = 2,
    .idle = "idle",
    .want = "CAC",
    .also = refund_value_and_share};

static void no_shares(const tier_frame *f)
{
    assert_true(isnan(tst_numbers(f, "pareto.share")[0]) &&
                isnan(tst_numbers(f, "pareto.cum_share")[1]));
}

static const class_case without_positive_values_puts_everyone_in_c = {
    .rows = {{"a", 1, -5, NAN}, {"b", 2, 0, NAN}}, .n = 2, .want = "CC", .also = no_shares};

static void margin_values(const tier_frame *f)
{
    assert_true(isnan(tst_numbers(f, "gm.value")[2]) && tst_numbers(f, "gm.value")[1] == 70);
}

/* Margins: a 10, b 70 (two rows), c none, d 20. S = 100: b 70%, d 90% (A), a 100% (B). */
static const class_case margin_criterion_leaves_customers_without_margin_in_c = {
    .rows = {{"a", 1, 100, 10},
             {"b", 1, 100, 30},
             {"c", 1, 500, NAN},
             {"b", 2, 50, 40},
             {"d", 3, 10, 20}},
    .n = 5,
    .name = "gm",
    .criterion = "margin",
    .want = "BACA",
    .also = margin_values};

static const class_case thresholds_equal_make_b_empty = {
    .rows = {{"a", 1, 60, NAN}, {"b", 1, 30, NAN}, {"c", 1, 10, NAN}},
    .n = 3,
    .options = {{"threshold_a", 0.9, TIER_OK}, {"threshold_b", 0.9, TIER_OK}},
    .want = "AAC"};

#define CLASSES(name) TST_CASE("test_pareto_" #name, test_classes, &name)

static void test_pareto_classes_a_small_book_by_hand(void **s)
{
    /* Values: w 50, x 30, y 10, z 5, v 5, zero 0, ref -3 (a refund only). S = 100 (positives).
     * Descending, ties by id: w 50 (50%), x 30 (80%: A closes), y 10 (90%), v 5 (95%: B closes),
     * z 5 -> C; zero, ref -> C. */
    static const tst_txn rows[] = {{"w", 1, 50}, {"x", 2, 30},   {"y", 3, 10},  {"z", 4, 5},
                                   {"v", 5, 5},  {"zero", 6, 0}, {"ref", 7, -3}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, 7);
    tier_model *m = pareto(TST_ALLOC, book);
    tier_frame *f = tst_score(m, book, TST_ALLOC);
    const double *v = tst_numbers(f, "pareto.value"), *sh = tst_numbers(f, "pareto.share"),
                 *cum = tst_numbers(f, "pareto.cum_share");
    char got[16];
    size_t n;
    double value, cshare, vshare;
    (void)s;
    tst_initials(f, "pareto.class", got);
    assert_string_equal(got, "AABCBCC");
    assert_true(v[0] == 50 && v[6] == -3 && v[5] == 0);
    assert_true(fabs(sh[0] - 0.5) < 1e-15 && fabs(sh[6] + 0.03) < 1e-15);
    assert_true(cum[0] == 0.5 && cum[1] == 0.8 && cum[2] == 0.9);
    assert_true(cum[4] == 0.95 && cum[3] == 1.0);
    /* Non-positive customers come after every positive one. */
    assert_true(cum[5] == 1.0 && cum[6] == 1.0);
    assert_int_equal(tier_pareto_summary(f, NULL, 0, &n, &value, &cshare, &vshare), TIER_OK);
    assert_int_equal(n, 2);
    assert_true(value == 80 && fabs(cshare - 2.0 / 7) < 1e-15 && vshare == 0.8);
    assert_int_equal(tier_pareto_summary(f, "pareto", 1, &n, &value, NULL, &vshare), TIER_OK);
    assert_true(n == 2 && value == 15 && fabs(vshare - 0.15) < 1e-15);
    assert_int_equal(tier_pareto_summary(f, "pareto", 2, &n, &value, NULL, &vshare), TIER_OK);
    assert_true(n == 3 && value == 2 && fabs(vshare - 0.02) < 1e-15);
    assert_int_equal(tier_pareto_summary(f, "pareto", 3, &n, NULL, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_pareto_summary(f, "other", 0, &n, NULL, NULL, NULL), TIER_ENOTFOUND);
    tst_release(f, m, book);
}

static void test_pareto_scores_an_empty_book(void **s)
{
    tier_book *book = tst_book_of(TST_ALLOC, NULL, 0);
    tier_model *m = pareto(TST_ALLOC, book);
    tier_frame *f = tst_score(m, book, TST_ALLOC);
    size_t n = 9;
    double v = 9, cs = 9, vs = 9;
    (void)s;
    assert_int_equal(tier_frame_column_count(f), 4);
    assert_int_equal(tier_pareto_summary(f, NULL, 0, &n, &v, &cs, &vs), TIER_OK);
    assert_true(n == 0 && v == 0 && cs == 0 && vs == 0);
    tst_release(f, m, book);
}

static void test_pareto_reads_a_column_criterion_from_the_scored_frame(void **s)
{
    static const tst_txn rows[] = {{"a", 1, 1}, {"b", 1, 1}, {"c", 1, 1}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, 3);
    tier_model *m = NULL;
    tier_frame *f = NULL;
    double *v;
    char got[8];
    (void)s;
    assert_int_equal(tier_pareto_new(&m, "by_clv", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_text(m, "criterion", "clv.clv"), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 3, TST_ALLOC), TIER_OK);
    /* Missing column: a clear error and no column added. */
    assert_int_equal(tier_model_score(m, book, f), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_frame_last_error(f), "clv.clv"));
    assert_int_equal(tier_frame_column_count(f), 0);
    assert_int_equal(tier_frame_add_numbers(f, "clv.clv", &v), TIER_OK);
    /* c 90 (90%: A), a 10 (100%: B), b missing (C). */
    v[0] = 10;
    v[1] = NAN;
    v[2] = 90;
    assert_int_equal(tier_model_score(m, book, f), TIER_OK);
    tst_initials(f, "by_clv.class", got);
    assert_string_equal(got, "BCA");
    tier_frame_free(f);
    /* An infinite value is an error. */
    assert_int_equal(tier_frame_new(&f, 3, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(f, "clv.clv", &v), TIER_OK);
    v[0] = INFINITY;
    v[1] = v[2] = 1;
    assert_int_equal(tier_model_score(m, book, f), TIER_EINVAL);
    tst_release(f, m, book);
}

static void test_pareto_window_and_as_of_limit_the_revenue(void **s)
{
    /* Days: a 50 on day 10, b 30 on day 100, c 20 on day 95. As-of 101 (default), window 10:
     * days 91..100 -> b 30, c 20: S 50, b 60%, c 100% (A closes at c); a 0 -> C. */
    static const tst_txn rows[] = {{"a", 10, 50}, {"b", 100, 30}, {"c", 95, 20}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, 3);
    tier_model *m = NULL;
    tier_frame *f;
    char got[8];
    (void)s;
    assert_int_equal(tier_pareto_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "window", 10), TIER_OK);
    f = tst_fit_score(m, book, TST_ALLOC);
    tst_initials(f, "pareto.class", got);
    assert_string_equal(got, "CAA");
    tier_frame_free(f);
    /* As-of 96, no window: a 50, c 20 -> a 71% , c 100%: A = a, c; b (day 100) not counted. */
    assert_int_equal(tier_model_set_number(m, "window", 0), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "as_of", 96), TIER_OK);
    f = tst_score(m, book, TST_ALLOC);
    tst_initials(f, "pareto.class", got);
    assert_string_equal(got, "ACA");
    assert_true(tst_numbers(f, "pareto.value")[1] == 0);
    tst_release(f, m, book);
}

static void test_pareto_explains_the_class(void **s)
{
    static const tst_txn rows[] = {{"a", 1, 0.7}, {"b", 1, 0.1}, {"c", 1, -1}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, 3);
    tier_model *m = pareto(TST_ALLOC, book);
    tier_frame *f = tst_score(m, book, TST_ALLOC);
    tier_text *t = NULL;
    (void)s;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, 1, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "revenue before 1970-01-03"));
    assert_non_null(strstr(tier_text_data(t), "cumulative share 100.0000%"));
    /* S = 0.8: a alone reaches 87.5% and closes A; b reaches 100% and closes B. */
    assert_non_null(strstr(tier_text_data(t), "-> class B"));
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, 2, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "not positive -> class C"));
    tier_text_free(t);
    tst_release(f, m, book);
}

/* A criterion column of labels is refused at the fit and at the score; a missing value is
 * explained as none recorded; a window is named in the explanation; summaries refuse frames
 * without the model's columns and names too long to be a model's. */
static void test_pareto_column_criteria_and_summaries_refuse_what_they_cannot_read(void **s)
{
    static const tst_txn rows[] = {{"a", 10, 1}, {"b", 10, 1}, {"c", 10, 1}};
    static const char *const labels[] = {"x"};
    char longname[210];
    tier_book *book = tst_book_of(TST_ALLOC, rows, 3);
    tier_model *m = NULL, *w = NULL;
    tier_frame *f = NULL, *g = NULL;
    tier_text *t = NULL;
    int32_t *codes;
    double *v;
    size_t n;
    (void)s;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pareto_new(&m, "by", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_text(m, "criterion", "seg.k"), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 3, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_labels(f, "seg.k", labels, 1, &codes), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, f), TIER_EINVAL);
    assert_string_equal(tier_model_last_error(m), "model \"by\" (pareto): fit failed: criterion "
                                                  "column \"seg.k\" is not a number column");
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_EINVAL);
    assert_int_equal(tier_frame_column_count(f), 1);
    /* a number column with a missing value */
    assert_int_equal(tier_frame_new(&g, 3, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(g, "seg.k", &v), TIER_OK);
    v[0] = 5;
    v[1] = NAN;
    v[2] = 3;
    tst_score_into(m, book, g);
    assert_int_equal(tier_model_explain(m, book, g, 1, t), TIER_OK);
    assert_string_equal(tier_text_data(t), "seg.k: none recorded -> class C");
    /* summaries */
    memset(longname, 'p', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(tier_pareto_summary(g, longname, 0, &n, NULL, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_pareto_summary(g, "pareto", 0, &n, NULL, NULL, NULL), TIER_ENOTFOUND);
    assert_int_equal(tier_pareto_summary(g, "by", 3, &n, NULL, NULL, NULL), TIER_EINVAL);
    /* 5 (62.5 %) then 3 (100 %, reaching 80 %): both A; the missing one C */
    assert_int_equal(tier_pareto_summary(g, "by", 0, &n, NULL, NULL, NULL), TIER_OK);
    assert_int_equal(n, 2);
    assert_int_equal(tier_pareto_summary(g, "by", 2, &n, NULL, NULL, NULL), TIER_OK);
    assert_int_equal(n, 1);
    /* the window is named */
    assert_int_equal(tier_pareto_new(&w, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(w, "window", 7), TIER_OK);
    tier_frame_free(f);
    f = tst_fit_score(w, book, TST_ALLOC);
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(w, book, f, 0, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "revenue over the 7 days before 1970-01-12=1:"));
    tier_model_free(w);
    tier_frame_free(g);
    tier_text_free(t);
    tst_release(f, m, book);
}

static void test_pareto_rejects_bad_options(void **s)
{
    /* In this order: the thresholds are checked against each other. */
    static const tst_number_option options[] = {
        {"threshold_a", 0, TIER_ERANGE},
        {"threshold_a", -0.5, TIER_ERANGE},
        {"threshold_a", NAN, TIER_ERANGE},
        {"threshold_a", 1.5, TIER_ERANGE},
        {"threshold_a", 1e-9, TIER_ERANGE},
        /* Out of order with the default B = 0.95. */
        {"threshold_a", 0.96, TIER_ERANGE},
        {"threshold_b", 0.7, TIER_ERANGE},
        {"threshold_b", INFINITY, TIER_ERANGE},
        /* In order: raise B first, then A; A == B is allowed. */
        {"threshold_b", 0.99, TIER_OK},
        {"threshold_a", 0.99, TIER_OK},
        {"threshold_b", 1, TIER_OK},
        {"window", -1, TIER_ERANGE},
        {"window", 1.5, TIER_ERANGE},
        {"as_of", 1e12, TIER_ERANGE},
        {"as_of", NAN, TIER_OK},
        {"threshold_c", 1, TIER_ENOTFOUND}};
    tier_model *m = NULL, *r = NULL;
    (void)s;
    assert_int_equal(tier_pareto_new(&m, NULL, TST_ALLOC), TIER_OK);
    tst_expect_set_numbers(m, options, TST_COUNT(options));
    assert_int_equal(tier_model_set_text(m, "criterion", NULL), TIER_EINVAL);
    assert_int_equal(tier_model_set_text(m, "criterion", ""), TIER_EINVAL);
    assert_int_equal(tier_model_set_text(m, "criterion", "revenue"), TIER_OK);
    assert_int_equal(tier_rfm_new(&r, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(r, "threshold_a", 0.5), TIER_ENOTFOUND);
    assert_int_equal(tier_model_set_text(r, "criterion", "margin"), TIER_ENOTFOUND);
    assert_int_equal(tier_pareto_summary(NULL, NULL, 0, NULL, NULL, NULL, NULL), TIER_EINVAL);
    tier_model_free(r);
    tier_model_free(m);
}

/* CDNOW, revenue over all history. Reference computed independently with exact integer cents:
 *   python3 -c 'net={}
 *   for c,d,n,a in [l.split() for l in open("examples/data/CDNOW_master.txt")][1:]:
 *     net[c]=net.get(c,0)+round(float(a)*100)
 *   S=sum(v for v in net.values() if v>0)
 *   o=sorted((c for c in net if net[c]>0), key=lambda c:(-net[c], c.encode()))
 *   cum=0; ends={}
 *   for i,c in enumerate(o):
 *     cum+=net[c]
 *     for t in (800000,950000):
 *       if t not in ends and cum*10**6>=t*S: ends[t]=i
 *   a,b=ends[800000],ends[950000]
 *   print(S, a+1, sum(net[c] for c in o[:a+1]), b-a, sum(net[c] for c in o[a+1:b+1]))'
 * gives S = 250031563 cents; A = 7,695 customers with 200026506; B = 8,044 with 37503710;
 * so C = 23,570 - 7,695 - 8,044 = 7,831 (including 68 customers whose net is $0). */
static void test_pareto_cdnow_classes_match_an_independent_computation(void **s)
{
    tier_book *book = tst_cdnow_book(TST_ALLOC, 1);
    tier_model *m = NULL;
    tier_frame *f;
    size_t n;
    double value, cshare, vshare;
    (void)s;
    m = pareto(TST_ALLOC, book);
    f = tst_score(m, book, TST_ALLOC);
    assert_int_equal(tier_pareto_summary(f, NULL, 0, &n, &value, &cshare, &vshare), TIER_OK);
    assert_int_equal(n, 7695);
    assert_true(fabs(value - 2000265.06) < 1e-6);
    assert_true(fabs(vshare - 2000265.06 / 2500315.63) < 1e-12);
    assert_true(fabs(cshare - 7695.0 / 23570) < 1e-15);
    assert_int_equal(tier_pareto_summary(f, NULL, 1, &n, &value, NULL, &vshare), TIER_OK);
    assert_int_equal(n, 8044);
    assert_true(fabs(value - 375037.10) < 1e-6);
    assert_int_equal(tier_pareto_summary(f, NULL, 2, &n, NULL, NULL, NULL), TIER_OK);
    assert_int_equal(n, 7831);
    tst_release(f, m, book);
}

/* The margin criterion, then back to revenue. */
static int pareto_walk_setup(tier_model *m)
{
    int rc = tier_model_set_text(m, "criterion", "margin");
    if (rc == TIER_OK)
        rc = tier_model_set_text(m, "criterion", "revenue");
    return rc;
}

static const tst_model_walk pareto_walk = {tier_pareto_new, "p", pareto_walk_setup, 4, NULL, 0};

static int oom_pareto(const tier_allocator *alloc, void *ud)
{
    return tst_oom_model_walk(alloc, ud, &pareto_walk);
}

static tier_book *oom_book(const tier_allocator *a)
{
    static const tst_txn_margin rows[] = {
        {"a", 1, 5, 1}, {"b", 1, 5, NAN}, {"c", 2, 7, 2}, {"a", 3, 1, NAN}};
    return tst_book_with_margins(a, rows, TST_COUNT(rows));
}

TST_MAIN(CLASSES(closes_a_on_the_customer_that_reaches_exactly_80_percent),
         cmocka_unit_test(test_pareto_classes_a_small_book_by_hand),
         CLASSES(breaks_ties_at_a_cut_by_id), CLASSES(splits_all_equal_values_by_id),
         CLASSES(puts_a_single_customer_in_a), cmocka_unit_test(test_pareto_scores_an_empty_book),
         CLASSES(puts_refunds_only_and_idle_customers_in_c),
         CLASSES(without_positive_values_puts_everyone_in_c),
         CLASSES(margin_criterion_leaves_customers_without_margin_in_c),
         cmocka_unit_test(test_pareto_reads_a_column_criterion_from_the_scored_frame),
         cmocka_unit_test(test_pareto_window_and_as_of_limit_the_revenue),
         cmocka_unit_test(test_pareto_explains_the_class),
         cmocka_unit_test(test_pareto_rejects_bad_options),
         cmocka_unit_test(test_pareto_column_criteria_and_summaries_refuse_what_they_cannot_read),
         CLASSES(thresholds_equal_make_b_empty),
         cmocka_unit_test(test_pareto_cdnow_classes_match_an_independent_computation),
         TST_OOM_WALK(test_pareto_survives_every_failed_allocation, oom_pareto, oom_book, 5))
