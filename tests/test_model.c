/* SPDX-License-Identifier: MIT */
/* The model ABI: vtable versions, destroy exactly once, fit/score/explain dispatch, TIER_EUSER
 * passed through, declared outputs enforced, all-or-nothing scoring; frames and text buffers. */
#include <math.h>
#include <string.h>

#include "support.h"

typedef struct probe_state {
    int destroyed;
    int fits;
    int fail_fit;     /* status fit returns */
    int fail_score;   /* status score returns after adding its first column */
    int extra_output; /* add an undeclared column */
    double offset;
} probe_state;

static size_t probe_count(void *st)
{
    (void)st;
    return 2;
}

static int probe_info(void *st, size_t i, const char **name, int *type)
{
    (void)st;
    *name = i == 0 ? "value" : "band";
    *type = i == 0 ? TIER_VALUE_NUMBER : TIER_VALUE_LABEL;
    return TIER_OK;
}

static int probe_fit(void *st, const tier_book *book, const tier_frame *inputs)
{
    probe_state *p = st;
    p->fits++;
    assert_int_equal(tier_frame_rows(inputs), tier_book_customer_count(book));
    return p->fail_fit;
}

static int probe_score(void *st, const tier_book *book, tier_frame *frame)
{
    const probe_state *p = st;
    static const char *const bands[] = {"low", "high"};
    double *v;
    int32_t *c;
    size_t i;
    int rc;
    if ((rc = tier_frame_add_numbers(frame, "value", &v)) != 0)
        return rc;
    if (p->fail_score)
        return p->fail_score;
    if ((rc = tier_frame_add_labels(frame, "band", bands, 2, &c)) != 0)
        return rc;
    for (i = 0; i < tier_book_customer_count(book); i++) {
        v[i] = (double)i + p->offset;
        c[i] = v[i] >= 1 ? 1 : 0;
    }
    if (p->extra_output)
        return tier_frame_add_numbers(frame, "extra", &v);
    return TIER_OK;
}

static int probe_explain(void *st, const tier_book *book, const tier_frame *frame, size_t customer,
                         tier_text *out)
{
    (void)st;
    (void)book;
    (void)frame;
    (void)customer;
    return tier_text_append(out, "because", 7);
}

static void probe_destroy(void *st)
{
    ((probe_state *)st)->destroyed++;
}

static tier_model_vtable probe_vtable(void)
{
    tier_model_vtable vt = tst_vtable("probe", probe_count, probe_info, probe_fit, probe_score);
    vt.explain = probe_explain;
    vt.destroy = probe_destroy;
    return vt;
}

/* A probe model named "pr" over `p`, zeroed first (a state that fails nothing). */
static tier_model *probe_model(probe_state *p)
{
    tier_model_vtable vt = probe_vtable();
    tier_model *m = NULL;
    memset(p, 0, sizeof *p);
    assert_int_equal(tier_model_new(&m, &vt, p, "pr", TST_ALLOC), TIER_OK);
    return m;
}

static tier_book *two_customers(void)
{
    static const tst_txn rows[] = {{"x", 1, 1}, {"y", 1, 1}};
    return tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
}

static void test_model_rejects_newer_vtables_and_still_destroys_the_state(void **state)
{
    tier_model_vtable vt = probe_vtable();
    probe_state p;
    tier_model *m = (tier_model *)&p;
    (void)state;
    memset(&p, 0, sizeof p);
    vt.version = TIER_MODEL_VTABLE_VERSION + 1;
    assert_int_equal(tier_model_new(&m, &vt, &p, "probe", TST_ALLOC), TIER_EVERSION);
    assert_null(m);
    assert_int_equal(p.destroyed, 1);
    vt = probe_vtable();
    assert_int_equal(tier_model_new(&m, &vt, &p, "bad name!", TST_ALLOC), TIER_EINVAL);
    assert_int_equal(p.destroyed, 2);
    vt.version = 0;
    assert_int_equal(tier_model_new(&m, &vt, &p, "probe", TST_ALLOC), TIER_EVERSION);
}

static void test_model_calls_destroy_exactly_once(void **state)
{
    tier_model_vtable vt = probe_vtable();
    probe_state p;
    tier_model *m = NULL;
    (void)state;
    memset(&p, 0, sizeof p);
    assert_int_equal(tier_model_new(&m, &vt, &p, "probe", TST_ALLOC), TIER_OK);
    vt.destroy = NULL; /* the library holds its own copy of the vtable */
    assert_int_equal(p.destroyed, 0);
    assert_string_equal(tier_model_kind(m), "probe");
    assert_string_equal(tier_model_name(m), "probe");
    assert_ptr_equal(tier_model_state(m), &p);
    tier_model_free(m);
    assert_int_equal(p.destroyed, 1);
}

static void test_model_fits_scores_and_prefixes_its_columns(void **state)
{
    probe_state p;
    tier_model *m = probe_model(&p);
    tier_book *b = two_customers();
    tier_frame *f = NULL;
    tier_text *t = NULL;
    size_t col;
    (void)state;
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, b, f), TIER_ESTATE);
    assert_non_null(strstr(tier_frame_last_error(f), "not fitted"));
    assert_int_equal(tier_model_fit(m, b, NULL), TIER_OK);
    assert_int_equal(p.fits, 1);
    assert_true(tier_model_is_fitted(m));
    assert_int_equal(tier_model_score(m, b, f), TIER_OK);
    assert_int_equal(tier_frame_find(f, "pr.value", &col), TIER_OK);
    assert_true(tier_frame_numbers(f, col)[1] == 1.0);
    assert_int_equal(tier_frame_find(f, "pr.band", &col), TIER_OK);
    assert_int_equal(tier_frame_labels(f, col)[1], 1);
    assert_string_equal(tier_frame_label_text(f, col, 1), "high");
    assert_null(tier_frame_label_text(f, col, 2));
    assert_int_equal(tier_frame_column_type(f, col), TIER_VALUE_LABEL);
    /* Scoring twice into one frame would duplicate the columns. */
    assert_int_equal(tier_model_score(m, b, f), TIER_EINVAL);
    assert_int_equal(tier_frame_column_count(f), 2);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_explain(m, b, f, 1, t), TIER_OK);
    assert_string_equal(tier_text_data(t), "because");
    assert_int_equal(tier_model_explain(m, b, f, 2, t), TIER_ERANGE);
    tier_text_free(t);
    tst_release(f, m, b);
}

static void test_model_passes_user_abort_through_and_leaves_the_frame_unchanged(void **state)
{
    probe_state p;
    tier_model *m = probe_model(&p);
    tier_book *b = two_customers();
    tier_frame *f = NULL;
    (void)state;
    p.fail_fit = TIER_EUSER;
    assert_int_equal(tier_model_fit(m, b, NULL), TIER_EUSER);
    assert_false(tier_model_is_fitted(m));
    assert_non_null(strstr(tier_model_last_error(m), "fit failed"));
    p.fail_fit = 0;
    assert_int_equal(tier_model_fit(m, b, NULL), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 2, TST_ALLOC), TIER_OK);
    p.fail_score = TIER_EUSER;
    assert_int_equal(tier_model_score(m, b, f), TIER_EUSER);
    assert_int_equal(tier_frame_column_count(f), 0);
    p.fail_score = 0;
    p.extra_output = 1;
    assert_int_equal(tier_model_score(m, b, f), TIER_EINVAL);
    assert_non_null(strstr(tier_frame_last_error(f), "declared 2 outputs"));
    assert_int_equal(tier_frame_column_count(f), 0);
    tier_frame_free(f);
    /* A frame for another book size is refused. */
    assert_int_equal(tier_frame_new(&f, 3, TST_ALLOC), TIER_OK);
    p.extra_output = 0;
    assert_int_equal(tier_model_score(m, b, f), TIER_EINVAL);
    tst_release(f, m, b);
}

static void test_frame_rejects_bad_and_duplicate_names(void **state)
{
    tier_frame *f = NULL;
    double *v;
    int32_t *c;
    const char *labels[] = {"ok", NULL};
    (void)state;
    assert_int_equal(tier_frame_new(&f, 3, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_add_numbers(f, "a b", &v), TIER_EINVAL);
    assert_int_equal(tier_frame_add_numbers(f, "", &v), TIER_EINVAL);
    assert_int_equal(tier_frame_add_numbers(f, "score", &v), TIER_OK);
    assert_true(isnan(v[2]));
    assert_int_equal(tier_frame_add_numbers(f, "score", &v), TIER_EINVAL);
    assert_int_equal(tier_frame_add_labels(f, "lab", labels, 2, &c), TIER_EINVAL);
    assert_int_equal(tier_frame_add_labels(f, "lab", labels, 1, &c), TIER_OK);
    assert_int_equal(c[0], -1);
    assert_int_equal(tier_frame_column_count(f), 2);
    assert_null(tier_frame_numbers(f, 1));
    assert_null(tier_frame_labels(f, 0));
    assert_int_equal(tier_frame_find(f, "nope", NULL), TIER_ENOTFOUND);
    tier_frame_free(f);
}

static int model_lifecycle(const tier_allocator *a, void *ud)
{
    probe_state p;
    tier_model_vtable vt = probe_vtable();
    tier_model *m = NULL;
    tier_book *b = NULL;
    tier_frame *f = NULL;
    int rc;
    (void)ud;
    memset(&p, 0, sizeof p);
    rc = tier_model_new(&m, &vt, &p, "probe", a);
    if (rc) {
        assert_int_equal(p.destroyed, 1);
        return rc;
    }
    if ((rc = tier_book_new(&b, a)) != 0 || (rc = tier_book_add_txn(b, "q", 1, 0, 1, NAN)) != 0 ||
        (rc = tier_model_fit(m, b, NULL)) != 0 || (rc = tier_frame_new(&f, 1, a)) != 0)
        goto done;
    rc = tier_model_score(m, b, f);
    if (rc)
        assert_int_equal(tier_frame_column_count(f), 0);
done:
    tier_frame_free(f);
    tier_book_free(b);
    tier_model_free(m);
    assert_int_equal(p.destroyed, 1);
    return rc;
}

static void test_text_grows_and_clears(void **state)
{
    tier_text *t = NULL;
    int k;
    (void)state;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_string_equal(tier_text_data(t), "");
    for (k = 0; k < 1000; k++)
        assert_int_equal(tier_text_append(t, "abc", 3), TIER_OK);
    assert_int_equal(tier_text_length(t), 3000);
    assert_int_equal(strncmp(tier_text_data(t) + 2997, "abc", 4), 0);
    tier_text_clear(t);
    assert_int_equal(tier_text_length(t), 0);
    assert_string_equal(tier_text_data(t), "");
    assert_int_equal(tier_text_append(t, NULL, 1), TIER_EINVAL);
    tier_text_free(t);
}

/* The last error is always the latest failure's text: a built-in's own call that fails after a
 * failed generic call shows its own words (not the older text), the other way round too, and a
 * call on a model of another kind says so. Each built-in's own calls alike. */
/* A call on m gave `rc`: it must be `status`, with m's last error `text`. */
static void expect_failure(const tier_model *m, int rc, int status, const char *text)
{
    assert_int_equal(rc, status);
    assert_string_equal(tier_model_last_error(m), text);
}

/* A model just made into *m (`rc` from its constructor) refuses option `name` = `value` as out
 * of range. */
static void made_refusing(tier_model **m, int rc, const char *name, const char *value)
{
    assert_int_equal(rc, TIER_OK);
    assert_int_equal(tier_model_set_option(*m, name, value), TIER_ERANGE);
}

static void test_model_last_error_is_always_the_latest_failure(void **state)
{
    tier_model *m = NULL;
    double v[4];
    (void)state;
    assert_int_equal(tier_scorecard_new(&m, "sc", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_set_option(m, "grade_z", "1"), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_model_last_error(m), "has no option \"grade_z\""));
    expect_failure(m,
                   tier_scorecard_add_factor(m, "bad name", "attr.x", 50, TIER_SCORECARD_EXPLICIT,
                                             TIER_SCORECARD_NORM_PERCENTILE,
                                             TIER_SCORECARD_HIGHER_IS_BETTER,
                                             TIER_SCORECARD_MISSING_ZERO, NULL),
                   TIER_EINVAL, "factor name must be 1..64 printable ASCII bytes without spaces");
    assert_int_equal(tier_model_set_number(m, "grade_a", 120), TIER_ERANGE);
    assert_non_null(strstr(tier_model_last_error(m), "model \"sc\": option \"grade_a\": "));
    expect_failure(m, tier_scorecard_set_caps(m, 7, 0, 1), TIER_ERANGE,
                   "factor index 7 out of range (0 factors)");
    assert_int_equal(tier_model_set_number(m, "grade_a", 120), TIER_ERANGE);
    expect_failure(m, tier_scorecard_set_grade_bands(m, NULL), TIER_EINVAL, "no grade bands");
    /* Another kind's own call on this model. */
    expect_failure(m, tier_rfm_cut_points(m, TIER_RFM_R, v, 4), TIER_EINVAL,
                   "model \"sc\" is of kind \"scorecard\", not \"rfm\"");
    tier_model_free(m);

    made_refusing(&m, tier_rfm_new(&m, NULL, TST_ALLOC), "bins", "11");
    expect_failure(m, tier_rfm_cut_points(m, TIER_RFM_R, v, 4), TIER_ESTATE,
                   "no cut points yet (fit the model, load them or set them)");
    assert_int_equal(tier_model_set_option(m, "bins", "11"), TIER_ERANGE);
    expect_failure(m, tier_rfm_set_cut_points(m, 7, v, 4), TIER_EINVAL,
                   "dimension 7 is not TIER_RFM_R, TIER_RFM_F or TIER_RFM_M");
    tier_model_free(m);

    made_refusing(&m, tier_clv_new(&m, NULL, TST_ALLOC), "horizon", "0");
    expect_failure(m, tier_clv_params(m, TIER_CLV_PURCHASE, v, 4), TIER_ESTATE,
                   "the clv model is not fitted");
    tier_model_free(m);

    made_refusing(&m, tier_needs_new(&m, NULL, TST_ALLOC), "k", "-1");
    expect_failure(m, tier_needs_fit_stat(m, TIER_NEEDS_STAT_K, v), TIER_ESTATE,
                   "the needs model is not fitted");
    assert_int_equal(tier_model_set_option(m, "k", "-1"), TIER_ERANGE);
    assert_int_equal(tier_needs_add_feature(m, ""), TIER_EINVAL);
    assert_non_null(strstr(tier_model_last_error(m), "a feature name must be"));
    tier_model_free(m);
}

TST_MAIN(cmocka_unit_test(test_model_rejects_newer_vtables_and_still_destroys_the_state),
         cmocka_unit_test(test_model_calls_destroy_exactly_once),
         cmocka_unit_test(test_model_fits_scores_and_prefixes_its_columns),
         cmocka_unit_test(test_model_passes_user_abort_through_and_leaves_the_frame_unchanged),
         cmocka_unit_test(test_frame_rejects_bad_and_duplicate_names),
         TST_OOM_WALK(test_model_fails_cleanly_at_every_allocation, model_lifecycle, NULL, 5),
         cmocka_unit_test(test_model_last_error_is_always_the_latest_failure),
         cmocka_unit_test(test_text_grows_and_clears))
