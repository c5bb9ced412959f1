/* SPDX-License-Identifier: MIT */
/* The Pareto model at its edges (include/tier/pareto.h): thresholds out of order are refused
 * when set and in a saved state (with the line named); the
 * explanation of a customer without revenue or with a negative one says so, and one in a frame
 * the model did not score or out of range is refused; the summary refuses a class, a name or
 * columns it cannot use. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

static tier_book *refunds_book(const tier_allocator *a)
{
    static const tst_txn rows[] = {{"a", 100, 50}, {"b", 100, -20}, {"c", 101, 30}};
    tier_book *book = tst_book_of(a, rows, TST_COUNT(rows));
    assert_int_equal(tier_book_add_customer(book, "d", 1, NULL), TIER_OK);
    return book;
}

static void test_thresholds_out_of_order_are_refused_when_set_and_when_loaded(void **state)
{
    tier_book *book = refunds_book(TST_ALLOC);
    tier_model *m = NULL, *n = NULL;
    char *saved, *bad;
    const char *at;
    (void)state;
    assert_int_equal(tier_pareto_new(&m, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_number(m, "threshold_a", 0.9), TIER_OK);
    /* the options refuse the wrong order one by one */
    assert_int_equal(tier_model_set_number(m, "threshold_b", 0.5), TIER_ERANGE);
    assert_int_equal(tier_model_fit(m, book, NULL), TIER_OK);
    /* a saved text with the order broken is refused as a whole */
    saved = tst_saved(m, TST_ALLOC);
    at = strstr(saved, "threshold_b 0.95");
    assert_non_null(at);
    bad = test_malloc(strlen(saved) + 1);
    strcpy(bad, saved);
    memcpy(bad + (at - saved), "threshold_b 0.5 ", 16);
    assert_int_equal(tier_pareto_new(&n, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(n, bad, strlen(bad)), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(n), ": Pareto thresholds out of order"));
    assert_non_null(strstr(tier_model_last_error(n), "line "));
    assert_false(tier_model_is_fitted(n));
    test_free(bad);
    test_free(saved);
    tier_model_free(n);
    tst_release(NULL, m, book);
}

static void test_explanations_of_customers_without_positive_revenue(void **state)
{
    tier_book *book = refunds_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_frame *f, *other = NULL;
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_pareto_new(&m, NULL, TST_ALLOC), TIER_OK);
    f = tst_fit_score(m, book, TST_ALLOC);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, book, f, 1, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "revenue before "));
    assert_non_null(strstr(tier_text_data(t), "=-20: not positive -> class C"));
    assert_int_equal(tier_model_explain(m, book, f, 3, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "=0: not positive -> class C"));
    assert_int_equal(tier_model_explain(m, book, f, 0, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "=50: share 62.5000% of the positive total"));
    /* margins unknown: none recorded */
    tier_text_free(t);
    t = NULL;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    tier_frame_free(f);
    assert_int_equal(tier_model_set_text(m, "criterion", "margin"), TIER_OK);
    f = tst_fit_score(m, book, TST_ALLOC);
    assert_int_equal(tier_model_explain(m, book, f, 0, t), TIER_OK);
    assert_non_null(strstr(tier_text_data(t), "margin before "));
    assert_non_null(strstr(tier_text_data(t), ": none recorded -> class C"));
    /* a frame the model did not score */
    assert_int_equal(tier_frame_new(&other, 4, TST_ALLOC), TIER_OK);
    assert_int_not_equal(tier_model_explain(m, book, other, 0, t), TIER_OK);
    tier_frame_free(other);
    tier_text_free(t);
    tst_release(f, m, book);
}

static void test_the_summary_refuses_what_it_cannot_read(void **state)
{
    tier_book *book = refunds_book(TST_ALLOC);
    tier_model *m = NULL;
    tier_frame *f, *g = NULL;
    char longname[256];
    size_t n = 99;
    double v = 7, cs = 7, vs = 7;
    double *col;
    int32_t *codes;
    const char *const labels[] = {"A"};
    (void)state;
    assert_int_equal(tier_pareto_new(&m, NULL, TST_ALLOC), TIER_OK);
    f = tst_fit_score(m, book, TST_ALLOC);
    assert_int_equal(tier_pareto_summary(f, NULL, -1, &n, NULL, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_pareto_summary(f, NULL, 3, &n, NULL, NULL, NULL), TIER_EINVAL);
    memset(longname, 'p', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(tier_pareto_summary(f, longname, 1, &n, NULL, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_pareto_summary(f, "other", 1, &n, NULL, NULL, NULL), TIER_ENOTFOUND);
    assert_int_equal(n, 99);
    /* class C: b (a refund) and d (nothing); their value is the refund, the shares of all */
    assert_int_equal(tier_pareto_summary(f, NULL, 2, &n, &v, &cs, &vs), TIER_OK);
    assert_int_equal(n, 2);
    assert_true(v == -20 && cs == 0.5);
    /* columns of the right names but the wrong types */
    assert_int_equal(tier_frame_new(&g, 4, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_labels(g, "pareto.value", labels, 1, &codes), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(g, "pareto.class", &col), TIER_OK);
    assert_int_equal(tier_pareto_summary(g, NULL, 1, &n, NULL, NULL, NULL), TIER_EINVAL);
    tier_frame_free(g);
    tst_release(f, m, book);
}

TST_MAIN(cmocka_unit_test(test_thresholds_out_of_order_are_refused_when_set_and_when_loaded),
         cmocka_unit_test(test_explanations_of_customers_without_positive_revenue),
         cmocka_unit_test(test_the_summary_refuses_what_it_cannot_read))
