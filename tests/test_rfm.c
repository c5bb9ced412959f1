/* SPDX-License-Identifier: MIT */
/* The RFM model: hand-computed scores on small books, type-7 cut points checked against an
 * independent computation on CDNOW, tie consistency, the saved text state, options and an
 * out-of-memory walk. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* ---- helpers ----------------------------------------------------------------------------- */

/* The hand-worked book of docs/rfm.md: as-of day 161 (the day after the last transaction).
 *   A: days 100, 100, 150 (10 + 20 + 30)   R 11, F 2 days / 3 rows, M 60, tenure 61
 *   B: day 120 (5)                          R 41, F 1, M 5, tenure 41
 *   C: days 110, 130, 140, 160 (1 each)     R 1,  F 4, M 4, tenure 51
 *   D: day 125 (-7), a refund only           no purchase: NaN scores, m = -7
 *   E: day 90 (100), day 155 (-40)           R 71, F 1, M 60, tenure 71 */
static const tst_txn small_rows[] = {
    {"A", 100, 10}, {"A", 100, 20}, {"B", 120, 5},  {"C", 110, 1},   {"C", 130, 1}, {"D", 125, -7},
    {"E", 90, 100}, {"C", 140, 1},  {"A", 150, 30}, {"E", 155, -40}, {"C", 160, 1},
};

static tier_book *small_book(const tier_allocator *a)
{
    return tst_book_of(a, small_rows, TST_COUNT(small_rows));
}

static void assert_cuts(const tier_model *m, int dim, const double *want, size_t n)
{
    double got[9];
    size_t j;
    assert_int_equal(tier_rfm_cut_points(m, dim, got, n), TIER_OK);
    for (j = 0; j < n; j++)
        if (fabs(got[j] - want[j]) > 1e-9 * (1 + fabs(want[j])))
            fail_msg("dim %d cut %lu: got %.17g, want %.17g", dim, (unsigned long)j + 1, got[j],
                     want[j]);
}

/* A book of the n transactions in the arrays (test_malloc'd, freed here). */
static tier_book *book_of_arrays(const tier_allocator *a, size_t n, char *ids, size_t *off,
                                 int32_t *days, double *amounts)
{
    tier_book *book = NULL;
    assert_int_equal(tier_book_new(&book, a), TIER_OK);
    assert_int_equal(tier_book_add_txns(book, n, ids, off, days, amounts, NULL), TIER_OK);
    test_free(ids);
    test_free(off);
    test_free(days);
    test_free(amounts);
    return book;
}

/* Loads CDNOW_master.txt with a plain parser: whitespace-separated, one header line. */
static tier_book *cdnow_book(const tier_allocator *a)
{
    size_t len, n = 0, cap = 80000, idlen = 0, pos = 0;
    char *text = tst_read_file(tst_data_path("CDNOW_master.txt"), &len);
    char *ids = test_malloc(cap * 8);
    size_t *off = test_malloc((cap + 1) * sizeof *off);
    int32_t *days = test_malloc(cap * sizeof *days);
    double *amounts = test_malloc(cap * sizeof *amounts);
    char *line = strchr(text, '\n') + 1; /* skip the header */
    (void)pos;
    off[0] = 0;
    while (*line) {
        char id[32], date[16];
        int cds, y, mo, d;
        double amount;
        char *next = strchr(line, '\n');
        if (next)
            *next = '\0'; /* sscanf then reads one line, not the rest of the file */
        if (sscanf(line, "%31s %15s %d %lf", id, date, &cds, &amount) == 4) {
            assert_true(n < cap);
            assert_int_equal(sscanf(date, "%4d%2d%2d", &y, &mo, &d), 3);
            assert_int_equal(tier_date_from_ymd(&days[n], y, mo, d), TIER_OK);
            memcpy(ids + idlen, id, strlen(id));
            idlen += strlen(id);
            off[n + 1] = idlen;
            amounts[n] = amount;
            n++;
        }
        if (!next)
            break;
        line = next + 1;
    }
    assert_int_equal(n, 69659);
    test_free(text);
    return book_of_arrays(a, n, ids, off, days, amounts);
}

/* ---- small books by hand ----------------------------------------------------------------- */

static void test_rfm_scores_a_small_book_as_computed_by_hand(void **s)
{
    tier_book *book = small_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_frame *f;
    const double *r, *fr, *mo, *ten, *rs, *fs, *ms;
    size_t A, B, C, D, E;
    /* n = 4 purchasers, k = 5: h = 3j/5 = 0.6, 1.2, 1.8, 2.4.
     * R sorted 1 11 41 71: 1+0.6*10 = 7, 11+0.2*30 = 17, 11+0.8*30 = 35, 41+0.4*30 = 53
     * F sorted 1 1 2 4:    1, 1+0.2 = 1.2, 1.8, 2+0.4*2 = 2.8
     * M sorted 4 5 60 60:  4+0.6 = 4.6, 5+0.2*55 = 16, 5+0.8*55 = 49, 60 */
    static const double rc[] = {7, 17, 35, 53}, fc[] = {1, 1.2, 1.8, 2.8}, mc[] = {4.6, 16, 49, 60};
    static const tst_label_want segments[] = {{"A", "loyal_customers"},
                                              {"B", "hibernating"},
                                              {"C", "champions"},
                                              {"D", "(none)"},
                                              {"E", "hibernating"}};
    static const tst_label_want classes[] = {{"A", "important_value"},
                                             {"B", "general_retain"},
                                             {"C", "general_value"},
                                             {"D", "(none)"},
                                             {"E", "important_retain"}};
    (void)s;
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_string_equal(tier_model_name(m), "rfm");
    assert_string_equal(tier_model_kind(m), "rfm");
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_cuts(m, TIER_RFM_R, rc, 4);
    assert_cuts(m, TIER_RFM_F, fc, 4);
    assert_cuts(m, TIER_RFM_M, mc, 4);
    f = tst_score(m, book, TST_ALLOC);
    assert_int_equal(tier_frame_column_count(f), 9);
    r = tst_numbers(f, "rfm.r");
    fr = tst_numbers(f, "rfm.f");
    mo = tst_numbers(f, "rfm.m");
    ten = tst_numbers(f, "rfm.tenure");
    rs = tst_numbers(f, "rfm.r_score");
    fs = tst_numbers(f, "rfm.f_score");
    ms = tst_numbers(f, "rfm.m_score");
    A = tst_customer(book, "A");
    B = tst_customer(book, "B");
    C = tst_customer(book, "C");
    D = tst_customer(book, "D");
    E = tst_customer(book, "E");
    /* A: r 11 -> one cut (7) below -> 5-1 = 4; f 2 -> cuts 1,1.2,1.8 below -> 4; m 60 -> 4. */
    assert_true(r[A] == 11 && fr[A] == 2 && mo[A] == 60 && ten[A] == 61);
    assert_true(rs[A] == 4 && fs[A] == 4 && ms[A] == 4);
    assert_true(r[B] == 41 && fr[B] == 1 && mo[B] == 5 && ten[B] == 41);
    assert_true(rs[B] == 2 && fs[B] == 1 && ms[B] == 2);
    assert_true(r[C] == 1 && fr[C] == 4 && mo[C] == 4 && ten[C] == 51);
    assert_true(rs[C] == 5 && fs[C] == 5 && ms[C] == 1);
    /* E: equal M to A (60 each) -> equal m_score; the refund nets into M. */
    assert_true(r[E] == 71 && fr[E] == 1 && mo[E] == 60 && ten[E] == 71);
    assert_true(rs[E] == 1 && fs[E] == 1 && ms[E] == 4);
    /* D: refunds only. */
    assert_true(isnan(r[D]) && isnan(fr[D]) && isnan(ten[D]));
    assert_true(isnan(rs[D]) && isnan(fs[D]) && isnan(ms[D]));
    assert_true(mo[D] == -7);
    tst_expect_labels(f, book, "rfm.segment", segments, TST_COUNT(segments));
    tst_expect_labels(f, book, "rfm.value_class", classes, TST_COUNT(classes));
    tst_release(f, m, book);
}

static void test_rfm_counts_rows_and_averages_per_purchase_day_when_asked(void **s)
{
    tier_book *book = small_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_frame *f;
    /* F rows: A 3, B 1, C 4, E 1 -> sorted 1 1 3 4: 1, 1+0.2*2, 1+0.8*2, 3+0.4*1.
     * M mean: A 60/2 = 30, B 5, C 1, E 60 -> sorted 1 5 30 60: 1+0.6*4, 5+0.2*25, 5+0.8*25,
     * 30+0.4*30. */
    static const double fc[] = {1, 1.4, 2.6, 3.4}, mc[] = {3.4, 10, 25, 42};
    (void)s;
    assert_int_equal(tier_rfm_new(&m, "x", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_text(m, "frequency", "rows"), TIER_OK);
    assert_int_equal(tier_model_set_text(m, "monetary", "mean"), TIER_OK);
    {
        tier_text *t = NULL;
        assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_model_get_option(m, "frequency", t), TIER_OK);
        assert_string_equal(tier_text_data(t), "rows");
        assert_int_equal(tier_model_get_option(m, "monetary", t), TIER_OK);
        assert_string_equal(tier_text_data(t), "mean");
        tier_text_free(t);
    }
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_cuts(m, TIER_RFM_F, fc, 4);
    assert_cuts(m, TIER_RFM_M, mc, 4);
    f = tst_score(m, book, TST_ALLOC);
    assert_true(tst_numbers(f, "x.f")[tst_customer(book, "A")] == 3);
    assert_true(tst_numbers(f, "x.m")[tst_customer(book, "A")] == 30);
    assert_true(tst_numbers(f, "x.m")[tst_customer(book, "C")] == 1);
    /* Without purchases M stays the net amount. */
    assert_true(tst_numbers(f, "x.m")[tst_customer(book, "D")] == -7);
    tst_release(f, m, book);
}

static void test_rfm_window_counts_only_recent_transactions(void **s)
{
    tier_book *book = small_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_frame *f;
    size_t A, B, C, E;
    (void)s;
    /* Window 30 before day 161: days 131..160. A: day 150 (30); C: 140, 160; E: refund only. */
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "window", 30), TIER_OK);
    f = tst_fit_score(m, book, TST_ALLOC);
    A = tst_customer(book, "A");
    B = tst_customer(book, "B");
    C = tst_customer(book, "C");
    E = tst_customer(book, "E");
    assert_true(tst_numbers(f, "rfm.r")[A] == 11 && tst_numbers(f, "rfm.f")[A] == 1);
    assert_true(tst_numbers(f, "rfm.m")[A] == 30 && tst_numbers(f, "rfm.tenure")[A] == 11);
    assert_true(tst_numbers(f, "rfm.r")[C] == 1 && tst_numbers(f, "rfm.f")[C] == 2);
    assert_true(tst_numbers(f, "rfm.m")[C] == 2 && tst_numbers(f, "rfm.tenure")[C] == 21);
    assert_true(isnan(tst_numbers(f, "rfm.r")[B]) && tst_numbers(f, "rfm.m")[B] == 0);
    assert_true(isnan(tst_numbers(f, "rfm.r_score")[E]) && tst_numbers(f, "rfm.m")[E] == -40);
    tier_frame_free(f);

    /* An explicit as-of day: day 131 sees only days < 131 (and the window is 30 days). */
    assert_int_equal(tier_model_set_number(m, "as_of", 131), TIER_OK);
    f = tst_fit_score(m, book, TST_ALLOC);
    assert_true(tst_numbers(f, "rfm.r")[B] == 11 && tst_numbers(f, "rfm.r")[C] == 1);
    assert_true(tst_numbers(f, "rfm.f")[C] == 2 && isnan(tst_numbers(f, "rfm.r")[A]));
    tst_release(f, m, book);
}

static void test_rfm_one_customer_gets_best_recency_and_lowest_f_and_m(void **s)
{
    static const tst_txn rows[] = {{"solo", 10, 5}, {"solo", 12, 7}};
    tier_book *book = NULL;
    tier_model *m = NULL;
    tier_frame *f;
    static const double rc[] = {1, 1, 1, 1}, fc[] = {2, 2, 2, 2}, mc[] = {12, 12, 12, 12};
    (void)s;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tst_add_txns(book, rows, 2), TIER_OK);
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    /* Every cut equals the one value; no cut lies strictly below it. */
    assert_cuts(m, TIER_RFM_R, rc, 4);
    assert_cuts(m, TIER_RFM_F, fc, 4);
    assert_cuts(m, TIER_RFM_M, mc, 4);
    f = tst_score(m, book, TST_ALLOC);
    assert_true(tst_numbers(f, "rfm.r_score")[0] == 5);
    assert_true(tst_numbers(f, "rfm.f_score")[0] == 1);
    assert_true(tst_numbers(f, "rfm.m_score")[0] == 1);
    assert_string_equal(tst_label(f, "rfm.segment", 0), "new_customers");
    tst_release(f, m, book);
}

static void test_rfm_fit_fails_clearly_when_nobody_has_purchased(void **s)
{
    static const tst_txn rows[] = {{"r1", 10, -5}};
    tier_book *book = NULL;
    tier_model *m = NULL;
    tier_frame *f = NULL;
    (void)s;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_ESTATE);
    assert_non_null(strstr(tier_model_last_error(m), "no customer has a purchase"));
    assert_int_equal(tst_add_txns(book, rows, 1), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_ESTATE);
    assert_int_equal(tier_model_is_fitted(m), 0);
    assert_int_equal(tier_frame_new(&f, 1, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_ESTATE);
    assert_int_equal(tier_frame_column_count(f), 0);
    tst_release(f, m, book);
}

static void test_rfm_score_reports_a_window_the_book_cannot_answer(void **s)
{
    static const tst_txn rows[] = {{"a", 10, 5}, {"b", 20, 7}, {"a", 30, 1}};
    tier_book *book = NULL;
    tier_model *m = NULL;
    tier_frame *f = NULL;
    (void)s;
    book = tst_book_without_txns(TST_ALLOC, rows, 3);
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "as_of", 25), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_ESTATE);
    assert_non_null(strstr(tier_frame_last_error(f), "transactions are not kept"));
    assert_int_equal(tier_frame_column_count(f), 0);
    tst_release(f, m, book);
}

/* ---- quantiles against a plain sort ------------------------------------------------------- */

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* Type-7 quantile by sorting, written independently of the library. */
static double q7(const double *sorted, size_t n, int j, int k)
{
    double h = (double)(n - 1) * j / k;
    size_t lo = (size_t)floor(h);
    double hi = lo + 1 < n ? sorted[lo + 1] : sorted[lo];
    return sorted[lo] + (h - (double)lo) * (hi - sorted[lo]);
}

/* The model's k-1 cut points of dimension `dim` (0 R, 1 F, 2 M) equal the type-7 quantiles of
 * the sorted values of the customers with a purchase (`round` names the case in a failure). */
static void expect_type7_cuts(const tier_model *m, const tier_book *book, const tier_frame *f,
                              int dim, int k, int round)
{
    static const char *const names[] = {"rfm.r", "rfm.f", "rfm.m"};
    const double *v = tst_numbers(f, names[dim]);
    double *vals = test_malloc(tier_book_customer_count(book) * sizeof(double) + 1), cuts[9];
    size_t nv = 0, i;
    int j;
    for (i = 0; i < tier_book_customer_count(book); i++)
        if (!isnan(v[i]))
            vals[nv++] = v[i];
    qsort(vals, nv, sizeof(double), cmp_double);
    assert_int_equal(tier_rfm_cut_points(m, dim, cuts, (size_t)k - 1), TIER_OK);
    for (j = 1; j < k; j++)
        if (fabs(cuts[j - 1] - q7(vals, nv, j, k)) > 1e-9 * (1 + fabs(cuts[j - 1])))
            fail_msg("round %d dim %d cut %d: %.17g vs %.17g", round, dim, j, cuts[j - 1],
                     q7(vals, nv, j, k));
    test_free(vals);
}

static void test_rfm_cut_points_equal_sorted_type7_quantiles_on_random_books(void **s)
{
    uint32_t seed = 12345;
    int round;
    (void)s;
    for (round = 0; round < 12; round++) {
        size_t n = round < 6 ? 7 + (size_t)round * 37 : 2000 + (size_t)round * 100, i, len = 0;
        int k = 2 + round % 9, dim;
        /* Wide day spreads force the selection path for R; narrow ones the counting path. */
        int spread = round % 2 ? 40000 : 300;
        char *ids = test_malloc(n * 12);
        size_t *off = test_malloc((n + 1) * sizeof *off);
        int32_t *days = test_malloc(n * sizeof *days);
        double *amounts = test_malloc(n * sizeof *amounts);
        tier_book *book = NULL;
        tier_model *m = NULL;
        tier_frame *f;
        off[0] = 0;
        for (i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            len += (size_t)sprintf(ids + len, "c%lu", (unsigned long)((seed >> 8) % (n / 3 + 1)));
            off[i + 1] = len;
            days[i] = (int32_t)((seed >> 4) % (uint32_t)spread);
            /* Heavy ties in amounts: only 7 distinct values. */
            amounts[i] = (double)((seed >> 12) % 7) * 2.5;
        }
        assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_book_add_txns(book, n, ids, off, days, amounts, NULL), TIER_OK);
        assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_model_set_number(m, "bins", k), TIER_OK);
        f = tst_fit_score(m, book, TST_ALLOC);
        for (dim = 0; dim < 3; dim++)
            expect_type7_cuts(m, book, f, dim, k, round);
        tst_release(f, m, book);
        test_free(ids);
        test_free(off);
        test_free(days);
        test_free(amounts);
    }
}

/* A book of 70,000 customers (more than the 65,536 from which the M cut points are selected
 * among the values sharing a needed rank's leading bits), one or two transactions each on day
 * 10 + i % 50. cluster 0: M spread over eleven orders of magnitude with negatives (a purchase and
 * a larger refund), zeros and heavy ties; cluster 1: every M in [1000, 1001), so that every rank
 * falls among the same leading bits. */
#define BIG_CUSTOMERS 70000

static tier_book *big_m_book_of(const tier_allocator *a, int cluster)
{
    size_t cap = 2 * BIG_CUSTOMERS, n = 0, len = 0, i;
    char *ids = test_malloc(cap * 8);
    size_t *off = test_malloc((cap + 1) * sizeof *off);
    int32_t *days = test_malloc(cap * sizeof *days);
    double *amounts = test_malloc(cap * sizeof *amounts);
    uint32_t seed = 777;
    off[0] = 0;
    for (i = 0; i < BIG_CUSTOMERS; i++) {
        double amount;
        int refund = 0;
        seed = seed * 1103515245u + 12345u;
        if (cluster)
            amount = 1000 + (double)((seed >> 8) % 10000) / 10000;
        else if (i % 10 == 0)
            amount = 25; /* ties */
        else if (i % 10 == 1)
            refund = 1; /* 10 - 10: M 0, or 10 - 30: M -20 */
        else
            amount = (double)((seed >> 8) % 100000) * pow(10, (int)((seed >> 4) % 11) - 4);
        if (refund)
            amount = 10;
        len += (size_t)sprintf(ids + len, "c%06lu", (unsigned long)i);
        off[n + 1] = len;
        days[n] = 10 + (int32_t)(i % 50);
        amounts[n++] = amount;
        if (refund) {
            len += (size_t)sprintf(ids + len, "c%06lu", (unsigned long)i);
            off[n + 1] = len;
            days[n] = 11 + (int32_t)(i % 50);
            amounts[n++] = i % 20 == 1 ? -10 : -30;
        }
    }
    return book_of_arrays(a, n, ids, off, days, amounts);
}

static tier_book *big_m_book(const tier_allocator *a)
{
    return big_m_book_of(a, 0);
}

static void test_rfm_cut_points_of_a_large_book_equal_sorted_type7_quantiles(void **s)
{
    static const int bins[] = {5, 10, 2};
    int cluster, b;
    (void)s;
    for (cluster = 0; cluster < 2; cluster++) {
        tier_book *book = big_m_book_of(TST_ALLOC, cluster);
        for (b = 0; b < (int)TST_COUNT(bins); b++) {
            tier_model *m = NULL;
            tier_frame *f;
            assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
            assert_int_equal(tier_model_set_number(m, "bins", bins[b]), TIER_OK);
            f = tst_fit_score(m, book, TST_ALLOC);
            expect_type7_cuts(m, book, f, 2, bins[b], cluster * 10 + b);
            tst_release(f, m, NULL);
        }
        tst_release(NULL, NULL, book);
    }
}

/* ---- CDNOW -------------------------------------------------------------------------------- */

/* Reference cut points, computed independently of libtier with exact fractions:
 *   python3 -c 'import datetime as T; from fractions import Fraction as Q
 *   L=[l.split() for l in open("examples/data/CDNOW_master.txt")][1:]; last={}; days={}; net={}
 *   for c,d,n,a in L:
 *     x=(T.date(int(d[:4]),int(d[4:6]),int(d[6:]))-T.date(1970,1,1)).days
 *     net[c]=net.get(c,0)+Q(a); days.setdefault(c,set()).add(x); last[c]=max(last.get(c,x),x)
 *   D=max(last.values())+1
 *   def q7(v,k): v=sorted(v); n=len(v); return [v[(n-1)*j//k]+Q((n-1)*j%k,k)*
 *     (v[min((n-1)*j//k+1,n-1)]-v[(n-1)*j//k]) for j in range(1,k)]
 *   print([float(x) for x in q7([D-last[c] for c in last],5)],
 *         [float(x) for x in q7([len(days[c]) for c in days],5)],
 *         [float(x) for x in q7(net.values(),5)])'
 * gives R [142, 433, 486, 513], F [1, 1, 2, 4], M [15.36, 31.35, 59.924, 133.95] with
 * D = 1998-07-01; 23,570 customers, all with a purchase (no refunds in CDNOW), 12,054 with F = 1.
 */
static void test_rfm_cdnow_cut_points_match_an_independent_computation(void **s)
{
    tier_book *book = cdnow_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_frame *f;
    const double *fv, *fs, *mv, *ms, *rv, *rs;
    double score_of_f[1000], score_of_r[600], mcut[4];
    size_t i, n, f1 = 0;
    static const double rc[] = {142, 433, 486, 513}, fc[] = {1, 1, 2, 4},
                        mc[] = {15.36, 31.35, 59.924, 133.95};
    char day[16];
    (void)s;
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_cuts(m, TIER_RFM_R, rc, 4);
    assert_cuts(m, TIER_RFM_F, fc, 4);
    assert_cuts(m, TIER_RFM_M, mc, 4);
    assert_int_equal(tier_rfm_cut_points(m, TIER_RFM_M, mcut, 4), TIER_OK);
    f = tst_score(m, book, TST_ALLOC);
    n = tier_book_customer_count(book);
    assert_int_equal(n, 23570);
    fv = tst_numbers(f, "rfm.f");
    fs = tst_numbers(f, "rfm.f_score");
    rv = tst_numbers(f, "rfm.r");
    rs = tst_numbers(f, "rfm.r_score");
    mv = tst_numbers(f, "rfm.m");
    ms = tst_numbers(f, "rfm.m_score");
    for (i = 0; i < 1000; i++)
        score_of_f[i] = -1;
    for (i = 0; i < 600; i++)
        score_of_r[i] = -1;
    /* Equal values get equal scores (F is heavily tied: half the customers bought on one day). */
    for (i = 0; i < n; i++) {
        size_t fi = (size_t)fv[i], ri = (size_t)rv[i];
        f1 += fv[i] == 1;
        assert_true(fi < 1000 && ri < 600);
        if (score_of_f[fi] < 0)
            score_of_f[fi] = fs[i];
        assert_true(score_of_f[fi] == fs[i]);
        if (score_of_r[ri] < 0)
            score_of_r[ri] = rs[i];
        assert_true(score_of_r[ri] == rs[i]);
        /* M scores follow the cut rule exactly. */
        assert_true(ms[i] == 1 + (mv[i] > mcut[0]) + (mv[i] > mcut[1]) + (mv[i] > mcut[2]) +
                                 (mv[i] > mcut[3]));
    }
    assert_int_equal(f1, 12054);
    /* F cuts 1,1,2,4: f=1 -> 1, f=2 -> 3 (two cuts below), f=3 -> 4, f=4 -> 4, f=5 -> 5. */
    assert_true(score_of_f[1] == 1 && score_of_f[2] == 3 && score_of_f[3] == 4);
    assert_true(score_of_f[4] == 4 && score_of_f[5] == 5);
    /* R: r <= 142 -> 5, r = 143 -> 4, r = 513 -> 2, r = 514 -> 1 (when present). */
    assert_true(score_of_r[1] == 5 && score_of_r[142] == 5 && score_of_r[143] == 4);
    assert_true(score_of_r[513] == 2 && score_of_r[514] == 1);
    {
        tier_text *t = NULL;
        assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_model_save(m, t), TIER_OK);
        assert_int_equal(tier_date_format_iso(day, sizeof day, 10408), TIER_OK);
        assert_string_equal(day, "1998-07-01");
        assert_non_null(strstr(tier_text_data(t), "\nfitted_as_of 10408\n"));
        assert_non_null(strstr(tier_text_data(t), "\ncuts.r 142 433 486 513\ncuts.f 1 1 2 4\n"));
        tier_text_free(t);
    }
    tst_release(f, m, book);
}

static void test_rfm_save_then_load_scores_identically_and_round_trips_the_text(void **s)
{
    static const tst_txn newer[] = {{"00001", 10400, 20}, {"new1", 10300, 500}, {"new2", 10407, 1}};
    tier_book *book = cdnow_book(TST_ALLOC), *other = NULL;
    tier_model *m = NULL, *loaded = NULL;
    tier_text *t1 = NULL, *t2 = NULL;
    tier_frame *f1, *f2;
    double before[4], after[4];
    (void)s;
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_text(m, "monetary", "mean"), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_text_new(&t1, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_save(m, t1), TIER_OK);
    {
        static const char head[] = "tier-model-state 1\nkind \"rfm\"\nname \"rfm\"\nbins 5\n"
                                   "as_of nan\nwindow 0\nfrequency \"days\"\nmonetary \"mean\"\n"
                                   "fitted_as_of 10408\ncuts.r ";
        assert_int_equal(strncmp(tier_text_data(t1), head, sizeof head - 1), 0);
    }

    assert_int_equal(tier_rfm_new(&loaded, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(loaded, tier_text_data(t1), tier_text_length(t1)), TIER_OK);
    assert_int_equal(tier_model_save(loaded, t2), TIER_OK);
    assert_string_equal(tier_text_data(t1), tier_text_data(t2));
    /* A loaded model keeps its cut points through a fit on other data. */
    assert_int_equal(tier_rfm_cut_points(loaded, TIER_RFM_M, before, 4), TIER_OK);
    assert_int_equal(tier_book_new(&other, TST_ALLOC), TIER_OK);
    assert_int_equal(tst_add_txns(other, newer, 3), TIER_OK);
    assert_int_equal(tier_model_fit(loaded, other, NULL), TIER_OK);
    assert_int_equal(tier_rfm_cut_points(loaded, TIER_RFM_M, after, 4), TIER_OK);
    assert_memory_equal(before, after, sizeof before);

    f1 = tst_score(m, book, TST_ALLOC);
    f2 = tst_score(loaded, book, TST_ALLOC);
    tst_assert_same_frames(f1, f2);
    tier_frame_free(f1);
    tier_frame_free(f2);
    /* New customers are scored against the loaded cuts: new1 m=500 > 133.95 -> 5; r=108 -> 5. */
    f1 = tst_score(m, other, TST_ALLOC);
    f2 = tst_score(loaded, other, TST_ALLOC);
    tst_assert_same_frames(f1, f2);
    assert_true(tst_numbers(f2, "rfm.m_score")[tst_customer(other, "new1")] == 5);
    assert_true(tst_numbers(f2, "rfm.r")[tst_customer(other, "new1")] == 108);
    assert_true(tst_numbers(f2, "rfm.r_score")[tst_customer(other, "new1")] == 5);
    tier_frame_free(f1);
    tier_frame_free(f2);
    tier_text_free(t1);
    tier_text_free(t2);
    tier_model_free(m);
    tier_model_free(loaded);
    tier_book_free(book);
    tier_book_free(other);
}

/* Saved texts the loader refuses; `error`, when given, is the model's whole error text. */
typedef struct bad_state {
    const char *text;
    int status;
    const char *error;
} bad_state;

#define HEAD "tier-model-state 1\nkind \"rfm\"\nname \"rfm\"\n"
#define OPTS "bins 5\nas_of nan\nwindow 0\nfrequency \"days\"\nmonetary \"sum\"\nfitted_as_of nan\n"
static const bad_state bad_states[] = {
    {"tier-model-state 2\nkind \"rfm\"\n", TIER_EVERSION, NULL},
    {"libtier-segmap 1\n", TIER_ECORRUPT, NULL},
    {"", TIER_ECORRUPT, NULL},
    {"tier-model-state 1\nkind \"clv\"\nname \"rfm\"\nend\n", TIER_ECORRUPT, NULL},
    {HEAD "bins 5\nend\n", TIER_ECORRUPT, NULL}, /* missing records */
    {HEAD OPTS "cuts.r 4 3 2 1\ncuts.f 1 2 3 4\ncuts.m 1 2 3 4\nend\n", TIER_ECORRUPT,
     "model \"rfm\" (rfm): load failed: line 10: cut points are not ascending (3 after 4)"},
    {HEAD OPTS "cuts.r 1 2 3\ncuts.f 1 2 3 4\ncuts.m 1 2 3 4\nend\n", TIER_ECORRUPT,
     NULL}, /* too few */
    {HEAD OPTS "cuts.r 1 2 3 nan\ncuts.f 1 2 3 4\ncuts.m 1 2 3 4\nend\n", TIER_ECORRUPT, NULL},
    {HEAD OPTS "cuts.r 1 2 3 4\ncuts.f 1 2 3 4\ncuts.m 1 2 3 4\n", TIER_ECORRUPT,
     NULL}, /* cut off before "end" */
    {HEAD "bins 5\nfrequency \"weekly\"\nend\n", TIER_ECORRUPT,
     "model \"rfm\" (rfm): load failed: line 5: option \"frequency\" must be \"days\" or "
     "\"rows\", not \"weekly\""},
    {HEAD "bins 11\nend\n", TIER_ECORRUPT, NULL},
    {HEAD "colour \"blue\"\nend\n", TIER_ECORRUPT, NULL},
    {HEAD OPTS "cuts.r 1 2 3 4\ncuts.r 1 2 3 4\nend\n", TIER_ECORRUPT, NULL},
    {HEAD "bins five\nend\n", TIER_ECORRUPT, NULL},
    {HEAD "bins \"5\"\nend\n", TIER_ECORRUPT, NULL},
};

static void test_rfm_load_rejects_bad_versions_lines_and_cut_points(void **s)
{
    static const char good[] = "# saved by hand\n" HEAD "bins 5\nfrequency \"rows\"\n"
                               "monetary \"sum\"\nwindow 365\nas_of 10408\nfitted_as_of nan\n"
                               "cuts.r 30 90 180 365\ncuts.f 1 2 3 5\ncuts.m 10 20.5 40 1e3\nend\n";
    tier_model *m = NULL;
    double v, cuts[4];
    size_t i;
    (void)s;
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_rfm_cut_points(m, TIER_RFM_R, cuts, 4), TIER_ESTATE);
    assert_int_equal(tier_model_load(m, good, strlen(good)), TIER_OK);
    assert_true(tier_model_is_fitted(m));
    assert_int_equal(tier_model_get_number(m, "window", &v), TIER_OK);
    assert_true(v == 365);
    assert_int_equal(tier_model_get_number(m, "as_of", &v), TIER_OK);
    assert_true(v == 10408);
    assert_int_equal(tier_rfm_cut_points(m, TIER_RFM_M, cuts, 4), TIER_OK);
    assert_true(cuts[1] == 20.5 && cuts[3] == 1000);

    for (i = 0; i < TST_COUNT(bad_states); i++) {
        const bad_state *c = &bad_states[i];
        double before[4], after[4];
        int rc;
        assert_int_equal(tier_rfm_cut_points(m, TIER_RFM_R, before, 4), TIER_OK);
        rc = tier_model_load(m, c->text, strlen(c->text));
        if (rc != c->status || (c->error && strcmp(tier_model_last_error(m), c->error) != 0))
            fail_msg("bad state %lu: got %s \"%s\", want %s \"%s\"", (unsigned long)i,
                     tier_status_name(rc), tier_model_last_error(m), tier_status_name(c->status),
                     c->error ? c->error : "(any text)");
        /* The model is unchanged. */
        assert_int_equal(tier_rfm_cut_points(m, TIER_RFM_R, after, 4), TIER_OK);
        assert_memory_equal(before, after, sizeof before);
    }
    assert_int_equal(tier_model_load(NULL, good, strlen(good)), TIER_EINVAL);
    tier_model_free(m);
}
#undef HEAD
#undef OPTS

static void test_rfm_hand_set_cut_points_score_without_fitting(void **s)
{
    tier_book *book = small_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_frame *f;
    static const double r[] = {30, 90, 180, 365}, fr[] = {1, 2, 3, 5}, mo[] = {10, 20, 40, 80};
    static const double bad[] = {1, 3, 2, 4}, inf[] = {1, 2, 3, INFINITY};
    (void)s;
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_R, r, 3), TIER_ERANGE);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_R, bad, 4), TIER_EINVAL);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_R, inf, 4), TIER_EINVAL);
    assert_int_equal(tier_rfm_set_cut_points(m, 3, r, 4), TIER_EINVAL);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_R, r, 4), TIER_OK);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_F, fr, 4), TIER_OK);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_M, mo, 4), TIER_OK);
    /* A fit keeps hand-set cuts (see docs/rfm.md). */
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_cuts(m, TIER_RFM_R, r, 4);
    f = tst_score(m, book, TST_ALLOC);
    /* C: r 1 -> 5; f 4 -> cuts 1,2,3 below -> 4; m 4 -> 1. A: r 11 -> 5, f 2 -> 2, m 60 -> 4. */
    assert_true(tst_numbers(f, "rfm.r_score")[tst_customer(book, "C")] == 5);
    assert_true(tst_numbers(f, "rfm.f_score")[tst_customer(book, "C")] == 4);
    assert_true(tst_numbers(f, "rfm.m_score")[tst_customer(book, "C")] == 1);
    assert_true(tst_numbers(f, "rfm.f_score")[tst_customer(book, "A")] == 2);
    assert_true(tst_numbers(f, "rfm.m_score")[tst_customer(book, "A")] == 4);
    assert_string_equal(tst_label(f, "rfm.segment", tst_customer(book, "A")),
                        "potential_loyalists");
    tst_release(f, m, book);
}

static void test_rfm_rejects_bad_options(void **s)
{
    static const tst_number_option out_of_range[] = {
        {"bins", 1, TIER_ERANGE},   {"bins", 11, TIER_ERANGE},   {"bins", 4.5, TIER_ERANGE},
        {"bins", NAN, TIER_ERANGE}, {"window", -1, TIER_ERANGE}, {"window", INFINITY, TIER_ERANGE}};
    tier_allocator a = tst_allocator();
    tier_model *m = NULL, *p = NULL;
    double v;
    (void)s;
    assert_int_equal(tier_rfm_new(&m, NULL, &a), TIER_OK);
    tst_expect_set_numbers(m, out_of_range, TST_COUNT(out_of_range));
    assert_int_equal(tier_model_set_text(m, "frequency", "weekly"), TIER_EINVAL);
    assert_string_equal(
        tier_model_last_error(m),
        "model \"rfm\": option \"frequency\": must be \"days\" or \"rows\", not \"weekly\"");
    assert_int_equal(tier_model_set_number(m, "monetary", 1), TIER_EINVAL); /* a text option */
    assert_int_equal(tier_model_set_option(m, "bins", "5x"), TIER_EINVAL);
    assert_int_equal(tier_model_set_option(m, "bins", "11"), TIER_ERANGE);
    assert_string_equal(tier_model_last_error(m),
                        "model \"rfm\": option \"bins\": must be an integer from 2 to 10, not 11");
    assert_int_equal(tier_model_set_number(m, "as_of", 1e9), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "colour", 1), TIER_ENOTFOUND);
    assert_string_equal(
        tier_model_last_error(m),
        "model \"rfm\" (rfm) has no option \"colour\"; its options are bins, as_of, "
        "window, frequency, monetary");
    assert_int_equal(tier_model_get_number(m, "colour", &v), TIER_ENOTFOUND);
    assert_int_equal(tier_model_get_number(m, "bins", &v), TIER_OK);
    assert_true(v == 5);
    assert_int_equal(tier_model_get_number(m, "as_of", &v), TIER_OK);
    assert_true(isnan(v));
    assert_int_equal(tier_model_set_number(m, "as_of", 100), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "as_of", NAN), TIER_OK);
    assert_int_equal(tier_model_get_number(m, "as_of", &v), TIER_OK);
    assert_true(isnan(v));
    /* Not an RFM model. */
    assert_int_equal(tier_pareto_new(&p, NULL, &a), TIER_OK);
    assert_int_equal(tier_model_set_number(p, "bins", 5), TIER_ENOTFOUND);
    assert_int_equal(tier_model_get_number(p, "bins", &v), TIER_ENOTFOUND);
    assert_int_equal(tier_model_set_number(NULL, "bins", 5), TIER_EINVAL);
    tier_model_free(p);
    p = m;
    assert_int_equal(tier_rfm_new(&m, "bad name!", &a), TIER_EINVAL);
    assert_null(m);
    tier_model_free(p);
}

static void test_rfm_changing_bins_forgets_the_cut_points(void **s)
{
    tier_book *book = small_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_text *t = NULL;
    double cuts[4];
    (void)s;
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_save(m, t), TIER_ESTATE);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_rfm_cut_points(m, TIER_RFM_F, cuts, 3), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "bins", 5), TIER_OK); /* unchanged */
    assert_int_equal(tier_rfm_cut_points(m, TIER_RFM_F, cuts, 4), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "bins", 4), TIER_OK);
    assert_int_equal(tier_rfm_cut_points(m, TIER_RFM_F, cuts, 3), TIER_ESTATE);
    assert_int_equal(tier_model_save(m, t), TIER_ESTATE);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_rfm_cut_points(m, TIER_RFM_F, cuts, 3), TIER_OK);
    tier_text_free(t);
    tst_release(NULL, m, book);
}

/* Fits m on the small book with 3 bins and the cut points R 5 20, F 1 3, M 4.5 50, then scores
 * it (the frame is the caller's). */
static tier_frame *score_with_3_bins(tier_model *m, const tier_book *book)
{
    static const double r[] = {5, 20}, fr[] = {1, 3}, mo[] = {4.5, 50};
    assert_int_equal(tier_model_set_number(m, "bins", 3), TIER_OK);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_R, r, 2), TIER_OK);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_F, fr, 2), TIER_OK);
    assert_int_equal(tier_rfm_set_cut_points(m, TIER_RFM_M, mo, 2), TIER_OK);
    return tst_fit_score(m, book, TST_ALLOC);
}

static void test_rfm_rescales_builtin_maps_for_other_bin_counts(void **s)
{
    tier_book *book = small_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_frame *f;
    /* bins 3: score s maps to ceil(5 s / 3): 1 -> 2, 2 -> 4, 3 -> 5. */
    (void)s;
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    f = score_with_3_bins(m, book);
    /* C: r 1 -> 3 (->5), f 4 -> 3 (->5): champions; m 4 -> 1 (->2): general_value. */
    assert_true(tst_numbers(f, "rfm.r_score")[tst_customer(book, "C")] == 3);
    assert_string_equal(tst_label(f, "rfm.segment", tst_customer(book, "C")), "champions");
    assert_string_equal(tst_label(f, "rfm.value_class", tst_customer(book, "C")), "general_value");
    /* A: r 11 -> 2 (->4), f 2 -> 2 (->4): loyal_customers; m 60 -> 3 (->5). */
    assert_string_equal(tst_label(f, "rfm.segment", tst_customer(book, "A")), "loyal_customers");
    assert_string_equal(tst_label(f, "rfm.value_class", tst_customer(book, "A")),
                        "important_value");
    /* B: r 41 -> 1 (->2), f 1 -> 1 (->2): hibernating. */
    assert_string_equal(tst_label(f, "rfm.segment", tst_customer(book, "B")), "hibernating");
    tst_release(f, m, book);
}

static void test_rfm_uses_a_user_segment_map_on_its_own_scores(void **s)
{
    static const char text[] = "libtier-segmap 1\ntop: r=3 f=3\nrest:\n";
    tier_book *book = small_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_segmap *map = NULL;
    tier_frame *f;
    (void)s;
    assert_int_equal(tier_segmap_parse(&map, text, strlen(text), TST_ALLOC, NULL), TIER_OK);
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_rfm_set_segmap(m, 0, map), TIER_OK);
    assert_int_equal(tier_rfm_set_segmap(m, 2, map), TIER_EINVAL);
    tier_segmap_free(map); /* the model keeps its own copy */
    f = score_with_3_bins(m, book);
    assert_string_equal(tst_label(f, "rfm.segment", tst_customer(book, "C")), "top");
    assert_string_equal(tst_label(f, "rfm.segment", tst_customer(book, "A")), "rest");
    assert_string_equal(tst_label(f, "rfm.segment", tst_customer(book, "D")), "(none)");
    tst_release(f, m, book);
}

static void test_rfm_explains_scores_with_their_cut_points(void **s)
{
    tier_book *book = small_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_text *t = NULL;
    tier_frame *f;
    (void)s;
    assert_int_equal(tier_rfm_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    f = tst_score(m, book, TST_ALLOC);
    assert_int_equal(tier_model_explain(m, book, f, tst_customer(book, "C"), t), TIER_OK);
    assert_string_equal(tier_text_data(t),
                        "r=1 days -> r_score 5 (cuts 7,17,35,53: at or below 7); "
                        "f=4 -> f_score 5 (cuts 1,1.2,1.8,2.8: above 2.8); "
                        "m=4 -> m_score 1 (cuts 4.6,16,49,60: at or below 4.6); tenure 51 days; "
                        "segment champions; value_class general_value");
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, tst_customer(book, "A"), t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t),
                           "f=2 -> f_score 4 (cuts 1,1.2,1.8,2.8: above 1.8, at or below 2.8)"));
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, tst_customer(book, "D"), t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "no purchase in the window"));
    assert_non_null(strstr(tier_text_data(t), "m=-7"));
    tier_frame_free(f);
    /* A frame the model did not score into. */
    assert_int_equal(tier_frame_new(&f, tier_book_customer_count(book), TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, 0, t), TIER_ENOTFOUND);
    tier_frame_free(f);
    tier_text_free(t);
    tst_release(NULL, m, book);
}

/* ---- out of memory ------------------------------------------------------------------------ */

static const tst_model_walk rfm_walk = {tier_rfm_new, "r", NULL, 9, NULL, 1};

static int oom_rfm(const tier_allocator *alloc, void *ud)
{
    return tst_oom_model_walk(alloc, ud, &rfm_walk);
}

TST_MAIN(cmocka_unit_test(test_rfm_scores_a_small_book_as_computed_by_hand),
         cmocka_unit_test(test_rfm_counts_rows_and_averages_per_purchase_day_when_asked),
         cmocka_unit_test(test_rfm_window_counts_only_recent_transactions),
         cmocka_unit_test(test_rfm_one_customer_gets_best_recency_and_lowest_f_and_m),
         cmocka_unit_test(test_rfm_fit_fails_clearly_when_nobody_has_purchased),
         cmocka_unit_test(test_rfm_score_reports_a_window_the_book_cannot_answer),
         cmocka_unit_test(test_rfm_cut_points_equal_sorted_type7_quantiles_on_random_books),
         cmocka_unit_test(test_rfm_cdnow_cut_points_match_an_independent_computation),
         cmocka_unit_test(test_rfm_save_then_load_scores_identically_and_round_trips_the_text),
         cmocka_unit_test(test_rfm_load_rejects_bad_versions_lines_and_cut_points),
         cmocka_unit_test(test_rfm_hand_set_cut_points_score_without_fitting),
         cmocka_unit_test(test_rfm_rejects_bad_options),
         cmocka_unit_test(test_rfm_changing_bins_forgets_the_cut_points),
         cmocka_unit_test(test_rfm_rescales_builtin_maps_for_other_bin_counts),
         cmocka_unit_test(test_rfm_uses_a_user_segment_map_on_its_own_scores),
         cmocka_unit_test(test_rfm_explains_scores_with_their_cut_points),
         cmocka_unit_test(test_rfm_cut_points_of_a_large_book_equal_sorted_type7_quantiles),
         TST_OOM_WALK(test_rfm_survives_every_failed_allocation, oom_rfm, small_book, 5),
         TST_OOM_WALK(test_rfm_on_a_large_book_survives_every_failed_allocation, oom_rfm,
                      big_m_book, 5))
