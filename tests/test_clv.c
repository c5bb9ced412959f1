/* SPDX-License-Identifier: MIT */
/* The clv model through the public API: the published CDNOW figures (Fader, Hardie & Lee 2005;
 * docs/clv.md, "Reproducing the published figures") from books loaded by the library's CSV reader,
 * purchase-day grouping by hand, the time-unit scaling law, hard books (one customer, one-time
 * buyers, empty, without kept transactions), options, save/load, explanations and out of memory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* Calibration end of the papers: 1997-09-30. */
static int32_t cal_end(void)
{
    return tst_day(1997, 9, 30);
}

static tier_model *clv_model(const tier_allocator *a, int kind)
{
    tier_model *m = NULL;
    assert_int_equal(tier_clv_new(&m, NULL, a), TIER_OK);
    assert_string_equal(tier_model_kind(m), "clv");
    assert_string_equal(tier_model_name(m), "clv");
    assert_int_equal(tier_model_set_text(m, "purchase_model",
                                         kind == TIER_CLV_PARETO_NBD ? "pareto_nbd" : "bgnbd"),
                     TIER_OK);
    assert_int_equal(tier_model_set_number(m, "calibration_end", cal_end()), TIER_OK);
    return m;
}

/* Equal when rounded to 3 significant digits (half a unit of the third digit). */
static void assert_3_digits(double got, double published)
{
    double unit = pow(10.0, floor(log10(fabs(published))) - 2.0);
    if (!(fabs(got - published) <= 0.5 * unit + 1e-12)) {
        print_error("got %.6g, published %.4g\n", got, published);
        fail();
    }
}

static double stat(const tier_model *m, int which, int s)
{
    double v = NAN;
    assert_int_equal(tier_clv_fit_stat(m, which, s, &v), TIER_OK);
    return v;
}

/* Scores into a new frame, which then holds the seven clv columns. */
static tier_frame *score(const tier_model *m, const tier_book *book, const tier_allocator *a)
{
    tier_frame *f = tst_score(m, book, a);
    assert_int_equal(tier_frame_column_count(f), 7);
    return f;
}

/* Fits the model on the book (it must succeed) and scores it (score()). */
static tier_frame *fit_score(tier_model *m, const tier_book *book)
{
    tst_fit(m, book, NULL);
    return score(m, book, TST_ALLOC);
}

/* ---- the published figures ------------------------------------------------------------------ */

static void test_clv_reproduces_the_published_bgnbd_and_gamma_gamma_fits(void **s)
{
    static const double bg[4] = {0.243, 4.414, 0.793, 2.426}, gg[3] = {6.25, 3.74, 15.44};
    tier_book *book = tst_cdnow_book(TST_ALLOC, 0);
    tier_model *m = clv_model(TST_ALLOC, TIER_CLV_BGNBD);
    double p[4], se[4];
    size_t i;
    (void)s;
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, p, 4), TIER_ESTATE);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, p, 4), TIER_OK);
    for (i = 0; i < 4; i++)
        assert_3_digits(p[i], bg[i]);
    assert_true(fabs(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_LOG_LIKELIHOOD) - -9582.4) <= 0.1);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CONVERGED) == 1.0);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_ITERATIONS) > 0.0);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CUSTOMERS) == 2357.0);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_NO_PURCHASE) == 0.0);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CALIBRATION_END) == cal_end());
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_GRADIENT) <= 1e-7);
    assert_int_equal(tier_clv_standard_errors(m, TIER_CLV_PURCHASE, se, 4), TIER_OK);
    for (i = 0; i < 4; i++)
        assert_true(se[i] > 0.0 && se[i] < p[i]);

    assert_int_equal(tier_clv_params(m, TIER_CLV_SPEND, p, 3), TIER_OK);
    for (i = 0; i < 3; i++)
        assert_3_digits(p[i], gg[i]);
    assert_true(stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_CUSTOMERS) == 946.0);
    assert_true(stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_EXCLUDED_ZERO_SPEND) == 0.0);
    assert_true(stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_CONVERGED) == 1.0);
    assert_int_equal(tier_clv_params(m, TIER_CLV_SPEND, p, 2), TIER_ERANGE);
    assert_int_equal(tier_clv_params(m, 3, p, 4), TIER_EINVAL);
    assert_int_equal(tier_clv_fit_stat(m, TIER_CLV_SPEND, 99, p), TIER_EINVAL);
    tst_release(NULL, m, book);
}

static void test_clv_reproduces_the_published_pareto_nbd_fit(void **s)
{
    static const double pn[4] = {0.553, 10.578, 0.606, 11.669};
    tier_book *book = tst_cdnow_book(TST_ALLOC, 0);
    tier_model *m = clv_model(TST_ALLOC, TIER_CLV_PARETO_NBD);
    double p[4];
    size_t i;
    (void)s;
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, p, 4), TIER_OK);
    for (i = 0; i < 4; i++)
        assert_3_digits(p[i], pn[i]);
    assert_true(fabs(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_LOG_LIKELIHOOD) - -9595.0) <= 0.1);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CONVERGED) == 1.0);
    tst_release(NULL, m, book);
}

/* The published conditional expected spends of the first 10 customers (35.17, the population
 * mean, for those without repeat purchases), and
 * the BG/NBD example x = 2, t_x = 30.43, T = 38.86 (the sample's first customer): 1.226
 * purchases in the next 39 weeks. */
static void test_clv_scores_the_published_expected_spends_and_purchases(void **s)
{
    static const double spend[10] = {24.65, 18.91, 35.17, 35.17, 35.17,
                                     71.46, 18.91, 35.17, 27.28, 35.17};
    tier_book *book = tst_cdnow_book(TST_ALLOC, 0);
    tier_model *m = clv_model(TST_ALLOC, TIER_CLV_BGNBD);
    tier_frame *f;
    const double *x, *tx, *T, *e, *sp, *pa, *clv;
    size_t i;
    (void)s;
    assert_int_equal(tier_model_set_number(m, "horizon", 39), TIER_OK);
    f = fit_score(m, book);
    x = tst_numbers(f, "clv.x");
    tx = tst_numbers(f, "clv.t_x");
    T = tst_numbers(f, "clv.T");
    e = tst_numbers(f, "clv.expected_purchases");
    sp = tst_numbers(f, "clv.expected_spend");
    pa = tst_numbers(f, "clv.p_alive");
    clv = tst_numbers(f, "clv.clv");
    /* 1997-01-01, 01-18, 08-02: x = 2, t_x = 213 days, T = 272 days. */
    assert_true(x[0] == 2.0 && tx[0] == 213.0 / 7.0 && T[0] == 272.0 / 7.0);
    assert_true(fabs(e[0] - 1.226) <= 0.0005);
    for (i = 0; i < 10; i++) {
        if (!(fabs(sp[i] - spend[i]) <= 0.005)) {
            print_error("customer %lu: expected spend %.4f, published %.2f\n", (unsigned long)i,
                        sp[i], spend[i]);
            fail();
        }
    }
    for (i = 0; i < tier_frame_rows(f); i++) {
        assert_true(pa[i] > 0.0 && pa[i] <= 1.0);
        assert_true(isfinite(e[i]) && e[i] > 0.0 && isfinite(clv[i]) && clv[i] > 0.0);
        assert_true(x[i] > 0.0 || pa[i] == 1.0); /* BG/NBD: no repeat, no chance to drop out */
    }
    tst_release(f, m, book);
}

/* On the master log one repeat customer's repeat days are all worth $0.00: excluded from the
 * Gamma-Gamma fit and counted, yet scored with a finite value. */
static void test_clv_excludes_and_counts_zero_spend_repeat_customers_on_the_master_log(void **s)
{
    tier_book *book = tst_cdnow_book(TST_ALLOC, 1);
    tier_model *m = clv_model(TST_ALLOC, TIER_CLV_BGNBD);
    tier_frame *f;
    const double *sp, *clv;
    size_t i;
    (void)s;
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_true(stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_EXCLUDED_ZERO_SPEND) == 1.0);
    assert_true(stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_CUSTOMERS) == 9450.0);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CUSTOMERS) == 23570.0);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_EXCLUDED_ZERO_SPEND) == 0.0);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CONVERGED) == 1.0);
    f = score(m, book, TST_ALLOC);
    sp = tst_numbers(f, "clv.expected_spend");
    clv = tst_numbers(f, "clv.clv");
    for (i = 0; i < tier_frame_rows(f); i++)
        assert_true(isfinite(sp[i]) && sp[i] > 0.0 && isfinite(clv[i]) && clv[i] >= 0.0);
    tst_release(f, m, book);
}

/* The models are in continuous time: fitting in days instead of weeks multiplies alpha by 7,
 * keeps r, a, b and lowers the log-likelihood by ln 7 per repeat purchase (each purchase time's
 * density is 7 times thinner). */
static void test_clv_parameters_follow_the_time_unit(void **s)
{
    tier_book *book = tst_cdnow_book(TST_ALLOC, 0);
    tier_model *w = clv_model(TST_ALLOC, TIER_CLV_BGNBD), *d = clv_model(TST_ALLOC, TIER_CLV_BGNBD);
    tier_frame *f;
    const double *x;
    double pw[4], pd[4], sx = 0.0;
    size_t i;
    (void)s;
    assert_int_equal(tier_model_set_number(d, "time_unit", 1), TIER_OK);
    assert_int_equal(tier_model_fit(w, book, NULL), TIER_OK);
    assert_int_equal(tier_model_fit(d, book, NULL), TIER_OK);
    assert_int_equal(tier_clv_params(w, TIER_CLV_PURCHASE, pw, 4), TIER_OK);
    assert_int_equal(tier_clv_params(d, TIER_CLV_PURCHASE, pd, 4), TIER_OK);
    assert_true(fabs(pd[0] / pw[0] - 1.0) < 1e-5);
    assert_true(fabs(pd[1] / (7.0 * pw[1]) - 1.0) < 1e-5);
    assert_true(fabs(pd[2] / pw[2] - 1.0) < 1e-5);
    assert_true(fabs(pd[3] / pw[3] - 1.0) < 1e-5);
    f = score(w, book, TST_ALLOC);
    x = tst_numbers(f, "clv.x");
    for (i = 0; i < tier_frame_rows(f); i++)
        sx += x[i];
    assert_true(fabs(stat(d, TIER_CLV_PURCHASE, TIER_CLV_STAT_LOG_LIKELIHOOD) -
                     (stat(w, TIER_CLV_PURCHASE, TIER_CLV_STAT_LOG_LIKELIHOOD) - sx * log(7.0))) <
                1e-4);
    tier_frame_free(f);
    tier_model_free(w);
    tst_release(NULL, d, book);
}

/* ---- purchase days by hand ------------------------------------------------------------------ */

/* A small real book: the first 300 rows of CDNOW_sample.txt (111 customers; the first one
 * bought on 1997-01-01, 01-18, 08-02 and 12-12). Extra rows are added after them. */
#define SMALL_CUSTOMERS 111
static tier_book *small_book(const tier_allocator *a, const tst_txn *extra, size_t n_extra)
{
    tier_book *book = NULL;
    tier_csv *csv = NULL;
    size_t len = 0, lines = 0, cut = 0;
    char *data = tst_read_file(tst_data_path("CDNOW_sample.txt"), &len);
    assert_non_null(data);
    while (cut < len && lines < 300)
        if (data[cut++] == '\n')
            lines++;
    assert_int_equal(tier_book_new(&book, a), TIER_OK);
    assert_int_equal(tier_csv_new(&csv, a), TIER_OK);
    assert_int_equal(tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE), TIER_OK);
    assert_int_equal(tier_csv_set_header(csv, 0), TIER_OK);
    assert_int_equal(tier_csv_set_column_names(csv, "customer_id,sample,date,cds,amount"), TIER_OK);
    assert_int_equal(tier_csv_read_buffer(csv, book, data, cut), TIER_OK);
    tier_csv_free(csv);
    test_free(data);
    assert_int_equal(tier_book_customer_count(book), SMALL_CUSTOMERS);
    assert_int_equal(tst_add_txns(book, extra, n_extra), TIER_OK);
    return book;
}

/* Several rows on one day are one transaction (amounts summed, refunds netted); a day with only
 * refunds is not a purchase; rows may come out of date order; a customer whose first purchase is
 * after the calibration end gets NaN. Checked through x, t_x, T (days) and the Gamma-Gamma
 * expected spend p (gamma + x m) / (p x + q - 1) with m computed by hand. */
static void test_clv_groups_purchases_by_day_by_hand(void **s)
{
    /* days after 1997-01-01 (day 9862) */
    static const tst_txn extra[] = {
        {"z", 9862 + 100, 5},  {"z", 9862 + 60, 10}, {"z", 9862 + 60, 4},
        {"z", 9862 + 60, -2},  /* day 60: 12 */
        {"z", 9862 + 80, -30}, /* refund only: no purchase day */
        {"z", 9862 + 70, 0},   {"z", 9862 + 90, 20}, {"z", 9862 + 90, -25}, /* day 90: -5 */
        {"y", 9862 + 150, 9},                                               /* after the end */
        {"x", 9862 + 20, 10},  {"x", 9862 + 20, 11}};                       /* one day: x = 0 */
    tier_book *book;
    tier_model *m;
    tier_frame *f;
    const double *x, *tx, *T, *sp, *pa, *clv;
    double g[3], mz;
    size_t z, y, xx;
    (void)s;
    assert_int_equal(tst_day(1997, 1, 1), 9862);
    book = small_book(TST_ALLOC, extra, sizeof extra / sizeof extra[0]);
    assert_int_equal(tier_clv_new(&m, "v", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "time_unit", 1), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "calibration_end", 9862 + 120), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_NO_PURCHASE) == 1.0);      /* y */
    assert_true(stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_EXCLUDED_ZERO_SPEND) == 1.0); /* z */
    assert_int_equal(tier_book_find(book, "z", 1, &z), TIER_OK);
    assert_int_equal(tier_book_find(book, "y", 1, &y), TIER_OK);
    assert_int_equal(tier_book_find(book, "x", 1, &xx), TIER_OK);
    f = score(m, book, TST_ALLOC);
    x = tst_numbers(f, "v.x");
    tx = tst_numbers(f, "v.t_x");
    T = tst_numbers(f, "v.T");
    sp = tst_numbers(f, "v.expected_spend");
    pa = tst_numbers(f, "v.p_alive");
    clv = tst_numbers(f, "v.clv");
    /* z: purchase days 60 (12), 70 (0), 90 (-5), 100 (5): x = 3, t_x = 40, T = 60 */
    assert_true(x[z] == 3.0 && tx[z] == 40.0 && T[z] == 60.0);
    assert_int_equal(tier_clv_params(m, TIER_CLV_SPEND, g, 3), TIER_OK);
    mz = (0.0 - 5.0 + 5.0) / 3.0; /* mean of the repeat days */
    assert_true(fabs(sp[z] - g[0] * (g[2] + 3.0 * mz) / (g[0] * 3.0 + g[1] - 1.0)) < 1e-9);
    assert_true(isnan(x[y]) && isnan(tx[y]) && isnan(T[y]) && isnan(pa[y]) && isnan(sp[y]) &&
                isnan(clv[y]));
    assert_true(x[xx] == 0.0 && tx[xx] == 0.0 && T[xx] == 100.0);
    assert_true(fabs(sp[xx] - g[0] * g[2] / (g[1] - 1.0)) < 1e-9); /* population mean */
    tst_release(f, m, book);
}

/* No discount and margin 0.5: clv = 0.5 x spend x expected purchases; a discount lowers it. */
static void test_clv_values_expected_purchases_at_margin_and_discount(void **s)
{
    tier_book *book = small_book(TST_ALLOC, NULL, 0);
    tier_model *m;
    tier_frame *f, *g;
    const double *e, *sp, *clv, *clv2;
    size_t i;
    (void)s;
    assert_int_equal(tier_clv_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "discount_rate", 0), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "margin", 0.5), TIER_OK);
    f = fit_score(m, book);
    e = tst_numbers(f, "clv.expected_purchases");
    sp = tst_numbers(f, "clv.expected_spend");
    clv = tst_numbers(f, "clv.clv");
    for (i = 0; i < tier_frame_rows(f); i++)
        assert_true(fabs(clv[i] - 0.5 * sp[i] * e[i]) <= 1e-12 * (1.0 + clv[i]));
    /* scoring options do not forget the fit */
    assert_int_equal(tier_model_set_number(m, "discount_rate", 0.05), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "horizon", 52), TIER_OK);
    g = score(m, book, TST_ALLOC);
    clv2 = tst_numbers(g, "clv.clv");
    for (i = 0; i < tier_frame_rows(f); i++)
        assert_true(clv2[i] < clv[i] && clv2[i] > 0.5 * clv[i]);
    tier_frame_free(f);
    tst_release(g, m, book);
}

/* The discounted purchases over long horizons (up to 120 periods: several batches of horizons
 * and a partial last period), with and without discounting, against the plain sum over the
 * periods of the increments of FHL eq. 10 (tst_bgnbd_expected, summed term by term). */
static void test_clv_discounts_the_plain_sum_of_period_increments(void **s)
{
    const double rates[] = {0.0, 0.01}, hors[] = {1.0, 52.0, 520.0};
    const double d = 30.4375 / 7.0;
    tier_book *book = small_book(TST_ALLOC, NULL, 0);
    tier_model *m;
    double p[4];
    size_t ri, hi, i, k;
    (void)s;
    assert_int_equal(tier_clv_new(&m, NULL, TST_ALLOC), TIER_OK);
    tst_fit(m, book, NULL);
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, p, 4), TIER_OK);
    for (ri = 0; ri < 2; ri++)
        for (hi = 0; hi < 3; hi++) {
            tier_frame *f;
            const double *x, *tx, *T, *e, *sp, *clv;
            size_t periods = (size_t)ceil(hors[hi] / d - 1e-9);
            assert_int_equal(tier_model_set_number(m, "discount_rate", rates[ri]), TIER_OK);
            assert_int_equal(tier_model_set_number(m, "horizon", hors[hi]), TIER_OK);
            f = score(m, book, TST_ALLOC);
            x = tst_numbers(f, "clv.x");
            tx = tst_numbers(f, "clv.t_x");
            T = tst_numbers(f, "clv.T");
            e = tst_numbers(f, "clv.expected_purchases");
            sp = tst_numbers(f, "clv.expected_spend");
            clv = tst_numbers(f, "clv.clv");
            /* A sample of the customers: the reference sums a slow series per period. */
            for (i = 0; i < tier_frame_rows(f); i += tst_under_valgrind() ? 61 : 7) {
                double prev = 0.0, total = 0.0, ek = 0.0;
                for (k = 1; k <= periods; k++) {
                    double t = k == periods ? hors[hi] : d * (double)k;
                    ek = tst_bgnbd_expected(p, t, x[i], tx[i], T[i]);
                    total += (ek - prev) / pow(1.0 + rates[ri], (double)k);
                    prev = ek;
                }
                tst_assert_rel(e[i], ek, 1e-10);
                tst_assert_rel(clv[i], sp[i] * total, 1e-10);
            }
            tier_frame_free(f);
        }
    tst_release(NULL, m, book);
}

/* A model fitted on a calibration period scores the whole history when the end is unset. */
static void test_clv_scores_a_later_period_with_the_calibration_fit(void **s)
{
    tier_book *book = small_book(TST_ALLOC, NULL, 0);
    tier_model *m;
    tier_frame *f;
    const double *x, *T;
    int32_t end = tst_day(1997, 3, 31), first, last, day, *first_day;
    size_t t, c, late = 0;
    double amount;
    (void)s;
    /* customers whose first purchase is after the end, counted from the rows */
    first_day = test_malloc(SMALL_CUSTOMERS * sizeof *first_day);
    for (c = 0; c < SMALL_CUSTOMERS; c++)
        first_day[c] = INT32_MAX;
    for (t = 0; t < tier_book_txn_count(book); t++) {
        assert_int_equal(tier_book_txn(book, t, &c, &day, &amount, NULL), TIER_OK);
        if (amount >= 0 && day < first_day[c])
            first_day[c] = day;
    }
    for (c = 0; c < SMALL_CUSTOMERS; c++)
        late += first_day[c] > end;
    test_free(first_day);
    assert_int_equal(tier_clv_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "calibration_end", end), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CALIBRATION_END) == end);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_NO_PURCHASE) == (double)late);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CUSTOMERS) ==
                (double)(SMALL_CUSTOMERS - late));
    f = score(m, book, TST_ALLOC);
    assert_true(tst_numbers(f, "clv.x")[0] == 1.0); /* 01-18 only; 08-02 is later */
    tier_frame_free(f);
    assert_int_equal(tier_model_set_number(m, "calibration_end", NAN), TIER_OK);
    assert_true(tier_model_is_fitted(m));
    f = score(m, book, TST_ALLOC);
    x = tst_numbers(f, "clv.x");
    T = tst_numbers(f, "clv.T");
    /* the end is now the book's last day; the first customer bought on 1997-01-01, 01-18,
     * 08-02 and 1997-12-12 */
    assert_int_equal(tier_book_day_range(book, &first, &last), TIER_OK);
    assert_true(x[0] == 3.0 && T[0] == (double)(last - tst_day(1997, 1, 1)) / 7.0);
    tst_release(f, m, book);
}

/* ---- hard books ----------------------------------------------------------------------------- */

static void test_clv_fits_a_single_customer_and_reports_convergence(void **s)
{
    static const tst_txn rows[] = {{"a", 100, 10}, {"a", 110, 20}, {"a", 130, 30}, {"a", 200, 5}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, 4);
    tier_model *m;
    tier_frame *f;
    double conv[2], p[4], q[4];
    size_t k;
    int rc;
    (void)s;
    assert_int_equal(tier_clv_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    conv[0] = stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CONVERGED);
    conv[1] = stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_CONVERGED);
    assert_true((conv[0] == 0.0 || conv[0] == 1.0) && (conv[1] == 0.0 || conv[1] == 1.0));
    f = score(m, book, TST_ALLOC);
    for (k = 0; k < 7; k++)
        assert_true(isfinite(tier_frame_numbers(f, k)[0]));
    assert_true(tier_frame_numbers(f, 0)[0] == 3.0);
    tier_frame_free(f);
    /* Required convergence: a fit that did not converge fails and leaves the model as it was. */
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, p, 4), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "require_convergence", 1), TIER_OK);
    rc = tier_model_fit(m, book, NULL);
    assert_int_equal(rc, conv[0] == 1.0 && conv[1] == 1.0 ? TIER_OK : TIER_ECONVERGE);
    if (rc)
        assert_non_null(strstr(tier_model_last_error(m), "convergence"));
    assert_true(tier_model_is_fitted(m));
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, q, 4), TIER_OK);
    assert_memory_equal(p, q, sizeof p);
    tst_release(NULL, m, book);
}

static void test_clv_refuses_a_book_of_one_time_buyers(void **s)
{
    static const tst_txn rows[] = {{"a", 1, 10}, {"b", 5, 20}, {"c", 9, 30}, {"c", 9, 1}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, 4);
    tier_model *m;
    tier_frame *f;
    (void)s;
    assert_int_equal(tier_clv_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "no repeat transactions"));
    assert_false(tier_model_is_fitted(m));
    assert_int_equal(tier_frame_new(&f, 3, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_ESTATE);
    assert_int_equal(tier_frame_column_count(f), 0);
    tst_release(f, m, book);
}

static void test_clv_refuses_to_fit_an_empty_book_but_scores_one(void **s)
{
    tier_book *empty = NULL, *book = small_book(TST_ALLOC, NULL, 0);
    tier_model *m;
    tier_frame *f;
    (void)s;
    assert_int_equal(tier_book_new(&empty, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_clv_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, empty, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "no transactions"));
    assert_int_equal(tier_model_set_number(m, "calibration_end", 10), TIER_OK);
    assert_int_equal(tier_model_fit(m, empty, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "no customer has a purchase"));
    assert_int_equal(tier_model_set_number(m, "calibration_end", NAN), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    f = score(m, empty, TST_ALLOC);
    assert_int_equal(tier_frame_rows(f), 0);
    tst_release(f, m, empty);
    tier_book_free(book);
}

static void test_clv_needs_the_books_transactions(void **s)
{
    static const tst_txn rows[] = {{"a", 1, 10}, {"a", 5, 20}, {"b", 9, 30}};
    tier_book *book = NULL, *kept = small_book(TST_ALLOC, NULL, 0);
    tier_model *m;
    tier_frame *f;
    (void)s;
    book = tst_book_without_txns(TST_ALLOC, rows, TST_COUNT(rows));
    assert_int_equal(tier_clv_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_ESTATE);
    assert_non_null(strstr(tier_model_last_error(m), "TIER_BOOK_OPT_KEEP_TRANSACTIONS"));
    assert_int_equal(tier_model_fit(m, kept, NULL), TIER_OK);
    assert_int_equal(tier_frame_new(&f, tier_book_customer_count(book), TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_ESTATE);
    assert_non_null(strstr(tier_frame_last_error(f), "transactions"));
    assert_int_equal(tier_frame_column_count(f), 0);
    tst_release(f, m, book);
    tier_book_free(kept);
}

/* ---- options -------------------------------------------------------------------------------- */

static void test_clv_checks_its_options(void **s)
{
    tier_allocator a = tst_allocator();
    tier_book *book = small_book(&a, NULL, 0);
    tier_model *m, *other = NULL;
    int32_t d = tst_day(1997, 6, 1);
    double v;
    (void)s;
    assert_int_equal(tier_clv_new(&m, "c2", &a), TIER_OK);
    {
        tier_text *t = NULL;
        assert_int_equal(tier_text_new(&t, &a), TIER_OK);
        assert_int_equal(tier_model_get_option(m, "purchase_model", t), TIER_OK);
        assert_string_equal(tier_text_data(t), "bgnbd");
        assert_int_equal(tier_model_get_option(m, "discount_period", t), TIER_OK);
        assert_string_equal(tier_text_data(t), "30.4375");
        tier_text_free(t);
    }
    assert_int_equal(tier_model_get_number(m, "time_unit", &v), TIER_OK);
    assert_true(v == 7.0);
    assert_int_equal(tier_model_get_number(m, "horizon", &v), TIER_OK);
    assert_true(v == 52.0);
    assert_int_equal(tier_model_get_number(m, "discount_rate", &v), TIER_OK);
    assert_true(v == 0.01);
    assert_int_equal(tier_model_get_number(m, "calibration_end", &v), TIER_OK);
    assert_true(isnan(v));
    assert_int_equal(tier_model_set_text(m, "purchase_model", "pnbd"), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "purchase_model"));
    assert_int_equal(tier_model_set_number(m, "time_unit", 0), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "time_unit", 1.5), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "horizon", 0), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "horizon", NAN), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "discount_rate", -0.1), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "discount_period", 0.5), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "margin", 1.5), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "as_of", INFINITY), TIER_ERANGE);
    assert_int_equal(tier_model_set_number(m, "purchase_model", 1), TIER_EINVAL); /* a text */
    assert_int_equal(tier_model_set_number(m, "horizons", 1), TIER_ENOTFOUND);
    assert_int_equal(tier_model_get_number(m, "horizons", &v), TIER_ENOTFOUND);
    assert_int_equal(tier_model_set_number(NULL, "horizon", 1), TIER_EINVAL);
    assert_int_equal(tier_lifecycle_new(&other, NULL, &a), TIER_OK);
    assert_int_equal(tier_model_set_number(other, "horizon", 1), TIER_ENOTFOUND);
    assert_int_equal(tier_clv_params(other, TIER_CLV_PURCHASE, &v, 1), TIER_EINVAL);
    tier_model_free(other);

    /* calibration end must be before the as-of day */
    assert_int_equal(tier_model_set_number(m, "as_of", d), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "calibration_end", d), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "before the as-of day"));
    assert_int_equal(tier_model_set_number(m, "calibration_end", NAN), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_true(stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CALIBRATION_END) == d - 1);
    /* too many discount periods */
    assert_int_equal(tier_model_set_number(m, "discount_period", 1), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "horizon", 10000), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_ERANGE);
    assert_true(tier_model_is_fitted(m)); /* the earlier fit stays */
    assert_int_equal(tier_model_set_number(m, "horizon", 52), TIER_OK);
    /* a new purchase model or time unit forgets the fit; the same value does not */
    assert_int_equal(tier_model_set_text(m, "purchase_model", "bgnbd"), TIER_OK);
    assert_true(tier_model_is_fitted(m));
    assert_int_equal(tier_model_set_number(m, "time_unit", 1), TIER_OK);
    assert_false(tier_model_is_fitted(m));
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, &v, 4), TIER_ESTATE);
    tst_release(NULL, m, book);
}

/* ---- save and load -------------------------------------------------------------------------- */

static void test_clv_saves_and_loads_a_fit_that_scores_identically(void **s)
{
    tier_book *book = tst_cdnow_book(TST_ALLOC, 0);
    tier_model *m = clv_model(TST_ALLOC, TIER_CLV_PARETO_NBD), *n = NULL;
    tier_text *t1 = NULL, *t2 = NULL;
    tier_frame *f, *g;
    double se[4];
    size_t k;
    (void)s;
    assert_int_equal(tier_text_new(&t1, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_save(m, t1), TIER_ESTATE);
    assert_int_equal(tier_model_set_number(m, "margin", 0.3), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_model_save(m, t1), TIER_OK);
    assert_memory_equal(tier_text_data(t1), "tier-model-state 1\nkind \"clv\"\n", 29);

    assert_int_equal(tier_clv_new(&n, "clv", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(n, tier_text_data(t1), tier_text_length(t1)), TIER_OK);
    assert_true(tier_model_is_fitted(n));
    assert_int_equal(tier_model_save(n, t2), TIER_OK);
    assert_int_equal(tier_text_length(t1), tier_text_length(t2));
    assert_memory_equal(tier_text_data(t1), tier_text_data(t2), tier_text_length(t1));
    assert_int_equal(tier_clv_standard_errors(n, TIER_CLV_SPEND, se, 4), TIER_OK);
    assert_true(stat(n, TIER_CLV_PURCHASE, TIER_CLV_STAT_LOG_LIKELIHOOD) ==
                stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_LOG_LIKELIHOOD));

    f = score(m, book, TST_ALLOC);
    g = score(n, book, TST_ALLOC);
    for (k = 0; k < 7; k++)
        assert_memory_equal(tier_frame_numbers(f, k), tier_frame_numbers(g, k),
                            tier_frame_rows(f) * sizeof(double));
    tier_frame_free(f);
    tier_frame_free(g);
    tier_model_free(n);
    tier_text_free(t1);
    tier_text_free(t2);
    tst_release(NULL, m, book);
}

static void test_clv_load_rejects_bad_text_and_keeps_the_model(void **s)
{
    tier_allocator a = tst_allocator();
    tier_book *book = small_book(&a, NULL, 0);
    tier_model *m;
    tier_text *t = NULL;
    char buf[4096], *p;
    size_t len;
    double before[4], after[4];
    (void)s;
    assert_int_equal(tier_clv_new(&m, NULL, &a), TIER_OK);
    assert_int_equal(tier_text_new(&t, &a), TIER_OK);
    assert_int_equal(tier_model_load(m, "", 0), TIER_ECORRUPT);
    assert_false(tier_model_is_fitted(m));
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, before, 4), TIER_OK);
    assert_int_equal(tier_model_save(m, t), TIER_OK);
    len = tier_text_length(t);
    assert_true(len < sizeof buf);
    memcpy(buf, tier_text_data(t), len);

    assert_int_equal(tier_model_load(m, "tier-model-state 2\n", 19), TIER_EVERSION);
    assert_int_equal(tier_model_load(m, "libtier-needs 1\n", 16), TIER_ECORRUPT);
    assert_int_equal(tier_model_load(m, buf, len - 4), TIER_ECORRUPT); /* no "end" */
    assert_non_null(strstr(tier_model_last_error(m), "line"));
    p = strstr(buf, "purchase.params ");
    assert_non_null(p);
    p[16] = '-'; /* a negative parameter */
    assert_int_equal(tier_model_load(m, buf, len), TIER_ECORRUPT);
    p[16] = 'x';
    assert_int_equal(tier_model_load(m, buf, len), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(m), "neither a number nor a quoted text"));
    assert_int_equal(tier_model_load(m, NULL, 5), TIER_EINVAL);
    assert_true(tier_model_is_fitted(m));
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, after, 4), TIER_OK);
    assert_memory_equal(before, after, sizeof before);
    tier_text_free(t);
    tst_release(NULL, m, book);
}

/* ---- explanations --------------------------------------------------------------------------- */

static void test_clv_explains_its_inputs_and_formulas(void **s)
{
    tier_book *book = tst_cdnow_book(TST_ALLOC, 0);
    tier_model *m = clv_model(TST_ALLOC, TIER_CLV_BGNBD);
    tier_frame *f;
    tier_text *t = NULL;
    static const char *const parts[] = {"up to 1997-09-30 in weeks",
                                        "x = 2 repeat purchase days, t_x = 30.43, T = 38.86",
                                        "BG/NBD (r 0.2426, alpha 4.414, a 0.7929, b 2.426)",
                                        "expected purchases in the next 39 weeks = 1.22",
                                        "p (gamma + x m) / (p x + q - 1) = 24.65",
                                        "P(alive) = 0."};
    (void)s;
    assert_int_equal(tier_model_set_number(m, "horizon", 39), TIER_OK);
    f = fit_score(m, book);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, 0, t), TIER_OK);
    tst_expect_parts(tier_text_data(t), parts, TST_COUNT(parts));
    tier_text_clear(t);
    assert_int_equal(tier_model_explain(m, book, f, 2357, t), TIER_ERANGE);
    tier_frame_free(f);
    tier_text_free(t);
    tst_release(NULL, m, book);
}

static void test_clv_explains_a_customer_without_purchases(void **s)
{
    static const tst_txn late[] = {{"late", 10000, 10}}; /* 1997-05-18 */
    tier_book *book;
    tier_model *m;
    tier_frame *f;
    tier_text *t = NULL;
    (void)s;
    book = small_book(TST_ALLOC, late, 1);
    assert_int_equal(tier_clv_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "calibration_end", tst_day(1997, 3, 2)), TIER_OK);
    f = fit_score(m, book);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, SMALL_CUSTOMERS, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "no purchase up to the calibration end 1997-03-02"));
    tier_frame_free(f);
    tier_text_free(t);
    tst_release(NULL, m, book);
}

/* ---- calibration / holdout validation ------------------------------------------------------- */

static int cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* Calibration 1997-01-01..09-30, holdout to 1998-06-30 (39 weeks) on the papers' 1/10 sample:
 * the actual holdout purchase days are counted here from the book's rows, the predictions are
 * recomputed with the plain FHL formula, both with the fitted and with the published
 * parameters. */
static void test_clv_holdout_compares_actual_and_predicted_purchases_on_cdnow(void **s)
{
    tier_book *book = tst_cdnow_book(TST_ALLOC, 0);
    tier_model *m = clv_model(TST_ALLOC, TIER_CLV_BGNBD),
               *unfitted = clv_model(TST_ALLOC, TIER_CLV_BGNBD);
    tier_frame *f = NULL, *sc, *small = NULL;
    const double published[4] = {0.243, 4.414, 0.793, 2.426};
    const int32_t cal = cal_end(), hold_end = tst_day(1998, 6, 30);
    const size_t n = tier_book_customer_count(book), ntx = tier_book_txn_count(book);
    double st[TIER_CLV_HOLDOUT_COUNT], p[4], want_fit = 0.0, want_pub = 0.0, total = 0.0;
    double mae = 0.0, *count = test_calloc(n, sizeof *count);
    const double *x, *tx, *T, *act, *pred;
    int64_t *keys = test_malloc(ntx * sizeof *keys);
    size_t i, k = 0;
    (void)s;
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    assert_int_equal(tier_clv_params(m, TIER_CLV_PURCHASE, p, 4), TIER_OK);
    sc = score(m, book, TST_ALLOC);
    x = tst_numbers(sc, "clv.x");
    tx = tst_numbers(sc, "clv.t_x");
    T = tst_numbers(sc, "clv.T");
    assert_int_equal(tier_frame_new(&f, n, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_clv_holdout(m, book, hold_end, f, st, TIER_CLV_HOLDOUT_COUNT), TIER_OK);
    assert_int_equal(tier_frame_column_count(f), 2);
    act = tst_numbers(f, "clv.holdout_purchases");
    pred = tst_numbers(f, "clv.predicted_purchases");

    /* purchase days in (cal, hold_end], one per customer and day */
    for (i = 0; i < ntx; i++) {
        size_t cust;
        int32_t day;
        double amount;
        assert_int_equal(tier_book_txn(book, i, &cust, &day, &amount, NULL), TIER_OK);
        if (day > cal && day <= hold_end && amount >= 0.0)
            keys[k++] = ((int64_t)cust << 32) | (int64_t)(uint32_t)day;
    }
    qsort(keys, k, sizeof *keys, cmp_i64);
    for (i = 0; i < k; i++)
        if (i == 0 || keys[i] != keys[i - 1])
            count[(size_t)(keys[i] >> 32)] += 1.0;

    for (i = 0; i < n; i++) {
        double e = tst_bgnbd_expected(p, 39.0, x[i], tx[i], T[i]);
        assert_true(act[i] == count[i]);
        assert_true(fabs(pred[i] - e) <= 1e-9 * e);
        want_fit += e;
        want_pub += tst_bgnbd_expected(published, 39.0, x[i], tx[i], T[i]);
        total += count[i];
        mae += fabs(count[i] - e);
    }
    assert_true(st[TIER_CLV_HOLDOUT_CUSTOMERS - 1] == 2357.0);
    assert_true(st[TIER_CLV_HOLDOUT_SPAN - 1] == 39.0); /* 273 days */
    assert_true(st[TIER_CLV_HOLDOUT_CALIBRATION_END - 1] == (double)cal);
    assert_true(st[TIER_CLV_HOLDOUT_ACTUAL - 1] == total);
    assert_true(total > 1000.0);
    assert_true(fabs(st[TIER_CLV_HOLDOUT_PREDICTED - 1] - want_fit) <= 1e-9 * want_fit);
    /* the fitted parameters agree with the published ones to 3 digits, the totals to 0.5% */
    assert_true(fabs(st[TIER_CLV_HOLDOUT_PREDICTED - 1] - want_pub) <= 5e-3 * want_pub);
    assert_true(fabs(st[TIER_CLV_HOLDOUT_MAE - 1] - mae / 2357.0) <= 1e-9 * mae);
    print_message("CDNOW sample holdout (39 weeks): actual %.0f, BG/NBD predicted %.2f (published "
                  "parameters %.2f), MAE %.4f\n",
                  total, st[TIER_CLV_HOLDOUT_PREDICTED - 1], want_pub,
                  st[TIER_CLV_HOLDOUT_MAE - 1]);

    /* refusals leave the frame as it was */
    assert_int_equal(tier_clv_holdout(m, book, cal, f, st, 6), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "must be after the calibration end"));
    assert_int_equal(tier_clv_holdout(m, book, hold_end, f, NULL, 0), TIER_EINVAL); /* again */
    assert_int_equal(tier_frame_column_count(f), 2);
    assert_int_equal(tier_clv_holdout(unfitted, book, hold_end, NULL, st, 6), TIER_ESTATE);
    assert_int_equal(tier_frame_new(&small, 3, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_clv_holdout(m, book, hold_end, small, NULL, 0), TIER_EINVAL);
    assert_int_equal(tier_frame_column_count(small), 0);
    assert_int_equal(tier_clv_holdout(m, book, hold_end, NULL, NULL, 3), TIER_EINVAL);
    /* summary only, fewer figures */
    p[2] = -1.0;
    assert_int_equal(tier_clv_holdout(m, book, hold_end, NULL, p, 2), TIER_OK);
    assert_true(p[0] == 2357.0 && p[1] == total && p[2] == -1.0);

    test_free(keys);
    test_free(count);
    tier_frame_free(small);
    tier_frame_free(sc);
    tier_frame_free(f);
    tier_model_free(unfitted);
    tst_release(NULL, m, book);
}

/* ---- out of memory -------------------------------------------------------------------------- */

static int clv_walk_setup(tier_model *m)
{
    return tier_model_set_number(m, "time_unit", 1);
}

/* The holdout figures (two more columns, all or nothing) and an explanation. */
static int clv_walk_more(tier_model *m, const tier_book *book, tier_frame *f, tier_text *t)
{
    double end = 0.0, st[TIER_CLV_HOLDOUT_COUNT];
    int rc;
    assert_int_equal(tier_clv_fit_stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CALIBRATION_END, &end),
                     TIER_OK);
    rc = tier_clv_holdout(m, book, (int32_t)end + 28, f, st, TIER_CLV_HOLDOUT_COUNT);
    assert_int_equal(tier_frame_column_count(f), rc == TIER_OK ? 9 : 7);
    if (rc == TIER_OK) {
        rc = tier_model_explain(m, book, f, 0, t);
        if (rc == TIER_OK)
            assert_non_null(strstr(tier_text_data(t), "x = 3 repeat purchase days"));
    }
    return rc;
}

static const tst_model_walk clv_walk = {tier_clv_new, "c", clv_walk_setup, 7, clv_walk_more, 1};

static int oom_clv(const tier_allocator *alloc, void *ud)
{
    return tst_oom_model_walk(alloc, ud, &clv_walk);
}

static tier_book *oom_book(const tier_allocator *a)
{
    return small_book(a, NULL, 0);
}

TST_MAIN(
    cmocka_unit_test(test_clv_reproduces_the_published_bgnbd_and_gamma_gamma_fits),
    cmocka_unit_test(test_clv_reproduces_the_published_pareto_nbd_fit),
    cmocka_unit_test(test_clv_scores_the_published_expected_spends_and_purchases),
    cmocka_unit_test(test_clv_excludes_and_counts_zero_spend_repeat_customers_on_the_master_log),
    cmocka_unit_test(test_clv_parameters_follow_the_time_unit),
    cmocka_unit_test(test_clv_groups_purchases_by_day_by_hand),
    cmocka_unit_test(test_clv_values_expected_purchases_at_margin_and_discount),
    cmocka_unit_test(test_clv_discounts_the_plain_sum_of_period_increments),
    cmocka_unit_test(test_clv_scores_a_later_period_with_the_calibration_fit),
    cmocka_unit_test(test_clv_fits_a_single_customer_and_reports_convergence),
    cmocka_unit_test(test_clv_refuses_a_book_of_one_time_buyers),
    cmocka_unit_test(test_clv_refuses_to_fit_an_empty_book_but_scores_one),
    cmocka_unit_test(test_clv_needs_the_books_transactions),
    cmocka_unit_test(test_clv_checks_its_options),
    cmocka_unit_test(test_clv_saves_and_loads_a_fit_that_scores_identically),
    cmocka_unit_test(test_clv_load_rejects_bad_text_and_keeps_the_model),
    cmocka_unit_test(test_clv_explains_its_inputs_and_formulas),
    cmocka_unit_test(test_clv_explains_a_customer_without_purchases),
    cmocka_unit_test(test_clv_holdout_compares_actual_and_predicted_purchases_on_cdnow),
    TST_OOM_WALK(test_clv_survives_every_failed_allocation, oom_clv, oom_book, 10))
