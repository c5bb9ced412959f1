/* SPDX-License-Identifier: MIT */
/* tier_model_score_row: every built-in model with score_row re-scores one customer after new
 * transactions and attributes exactly as a batch score of the changed book with the same fitted
 * models does (every cell of every column, bitwise), on a generated book of 3,000 customers and on
 * the CDNOW sample; with the running figures, with windows and with rows out of date order (the
 * book's transaction index), after a failed add and after a merge; and the refusals: population
 * models, version-2 models, not fitted, out of range, columns missing, a failing callback, out of
 * memory while a new label is added. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define SEED 7

/* Customers of the generated book: 3,000, or 600 under valgrind (.ci/valgrind-tests.py sets
 * TIER_UNDER_VALGRIND), where the clv fits on 3,000 would run for most of the time limit. */
static size_t generated(void)
{
    return getenv("TIER_UNDER_VALGRIND") ? 600 : 3000;
}

/* ---- the models --------------------------------------------------------------------------- */

enum { M_RFM, M_RFMW, M_CLV, M_SCORECARD, M_NEEDS, M_LIFECYCLE, M_COUNT };

static const char *const model_names[M_COUNT] = {"rfm", "rfmw", "clv", "b2b", "needs", "lifecycle"};

/* The model `which`: rfm, rfm over the last 365 days ("rfmw"), clv, the B2B scorecard (reads
 * rfm.m and attributes), needs over three attributes and rfm.m (k = 4), lifecycle (reads
 * clv.p_alive). */
static tier_model *make_model(int which, const tier_allocator *a)
{
    static const char *const features[] = {"attr.need_a", "attr.need_b", "attr.need_c", "rfm.m"};
    tier_model *m = NULL;
    size_t i;
    switch (which) {
    case M_RFM:
        assert_int_equal(tier_rfm_new(&m, NULL, a), TIER_OK);
        break;
    case M_RFMW:
        assert_int_equal(tier_rfm_new(&m, "rfmw", a), TIER_OK);
        assert_int_equal(tier_model_set_number(m, "window", 365), TIER_OK);
        break;
    case M_CLV:
        assert_int_equal(tier_clv_new(&m, NULL, a), TIER_OK);
        break;
    case M_SCORECARD:
        assert_int_equal(tier_scorecard_new_b2b(&m, "b2b", a), TIER_OK);
        break;
    case M_NEEDS:
        assert_int_equal(tier_needs_new(&m, NULL, a), TIER_OK);
        for (i = 0; i < TST_COUNT(features); i++)
            assert_int_equal(tier_needs_add_feature(m, features[i]), TIER_OK);
        assert_int_equal(tier_model_set_number(m, "k", 4), TIER_OK);
        break;
    default:
        assert_int_equal(tier_lifecycle_new(&m, NULL, a), TIER_OK);
        break;
    }
    assert_string_equal(tier_model_name(m), model_names[which]);
    return m;
}

/* Scores the models in order into a new frame (each fitted first when `fit`, on the columns of
 * the models before it). */
static tier_frame *run(tier_model *const *models, size_t n, const tier_book *book, int fit)
{
    tier_frame *f = NULL;
    size_t k;
    assert_int_equal(tier_frame_new(&f, tier_book_customer_count(book), TST_ALLOC), TIER_OK);
    for (k = 0; k < n; k++) {
        if (fit)
            tst_fit(models[k], book, f);
        tst_score_into(models[k], book, f);
    }
    return f;
}

/* Re-scores customer c with every model in order (each sees the row of the ones before it
 * already re-scored). */
static void rescore(tier_model *const *models, size_t n, const tier_book *book, tier_frame *f,
                    size_t c)
{
    size_t k;
    for (k = 0; k < n; k++)
        if (tier_model_score_row(models[k], book, f, c) != TIER_OK)
            fail_msg("score_row of model %s, customer %s: %s", tier_model_name(models[k]),
                     tier_book_customer_id(book, c, NULL), tier_frame_last_error(f));
}

/* Fails unless some cell of every model's columns differs between the frames: the change the
 * test made reaches every model, so that identical frames prove the rows were re-scored. */
static void expect_changed(tier_model *const *models, size_t n, const tier_frame *before,
                           const tier_frame *after)
{
    size_t k, c, i;
    for (k = 0; k < n; k++) {
        const char *name = tier_model_name(models[k]);
        size_t len = strlen(name), changed = 0;
        for (c = 0; c < tier_frame_column_count(before); c++) {
            const char *col = tier_frame_column_name(before, c);
            if (strncmp(col, name, len) != 0 || col[len] != '.')
                continue;
            for (i = 0; i < tier_frame_rows(before); i++) {
                if (tier_frame_column_type(before, c) == TIER_VALUE_NUMBER) {
                    double p = tier_frame_numbers(before, c)[i],
                           q = tier_frame_numbers(after, c)[i];
                    changed += !(p == q || (isnan(p) && isnan(q)));
                } else {
                    const char *p =
                        tier_frame_label_text(before, c, tier_frame_labels(before, c)[i]);
                    const char *q = tier_frame_label_text(after, c, tier_frame_labels(after, c)[i]);
                    changed += !(p == q || (p && q && strcmp(p, q) == 0));
                }
            }
        }
        if (!changed)
            fail_msg("no cell of model %s changed: the test does not exercise it", name);
    }
}

/* How a test changes its customers. */
enum { CHANGE_IN_ORDER, CHANGE_OUT_OF_ORDER };

/* Adds one transaction to customer c: after its last purchase (in order, never after the book's
 * last day, which keeps the as-of day) or before its first one (out of order). */
static void add_one(tier_book *book, size_t c, int how, double amount)
{
    double last = NAN, first = NAN;
    int32_t lo, hi, day;
    size_t len;
    const char *id = tier_book_customer_id(book, c, &len);
    assert_int_equal(tier_book_day_range(book, &lo, &hi), TIER_OK);
    assert_int_equal(tier_book_customer_stat(book, c, TIER_BOOK_STAT_LAST_PURCHASE, &last),
                     TIER_OK);
    assert_int_equal(tier_book_customer_stat(book, c, TIER_BOOK_STAT_FIRST_PURCHASE, &first),
                     TIER_OK);
    if (how == CHANGE_IN_ORDER)
        day = isnan(last) ? hi : (int32_t)last + 1 < hi ? (int32_t)last + 1 : hi;
    else
        day = isnan(first) ? lo : (int32_t)first - 3 > lo ? (int32_t)first - 3 : lo;
    assert_int_equal(tier_book_add_txn(book, id, len, day, amount, NAN), TIER_OK);
}

/* The whole check: fit and score the models on the book; change `nchanged` customers (one new
 * transaction each, new attributes when `attrs`), re-score their rows in place; score the
 * changed book into a fresh frame with the same fitted models; every cell must be identical. */
static void check_models(tier_book *book, const int *which, size_t n, int how, int attrs,
                         size_t nchanged)
{
    tier_model *models[M_COUNT];
    tier_frame *f, *before, *fresh;
    size_t k, j, customers = tier_book_customer_count(book);
    for (k = 0; k < n; k++)
        models[k] = make_model(which[k], TST_ALLOC);
    f = run(models, n, book, 1);
    before = run(models, n, book, 0);
    for (j = 0; j < nchanged; j++) {
        size_t c = (j * 397 + 11) % customers;
        add_one(book, c, how, j % 5 == 4 ? -12.5 : 40.0 + 13.0 * (double)j);
        if (attrs)
            tst_set_generated_attributes(book, c, SEED + 1 + j);
        rescore(models, n, book, f, c);
    }
    fresh = run(models, n, book, 0);
    tst_assert_identical_frames(f, fresh);
    expect_changed(models, n, before, fresh);
    for (k = 0; k < n; k++)
        tier_model_free(models[k]);
    tier_frame_free(f);
    tier_frame_free(before);
    tier_frame_free(fresh);
}

static const int every_model[] = {M_RFM, M_RFMW, M_CLV, M_SCORECARD, M_NEEDS, M_LIFECYCLE};

static void test_built_ins_rescore_rows_as_the_batch_does(void **s)
{
    tier_book *book = tst_generated_book(TST_ALLOC, generated(), SEED);
    (void)s;
    check_models(book, every_model, TST_COUNT(every_model), CHANGE_IN_ORDER, 1, 24);
    tier_book_free(book);
}

static void test_rows_out_of_date_order_rescore_from_the_transactions(void **s)
{
    /* A purchase before a customer's first one makes the book's running figures inexact: the
     * batch recomputes every customer from the kept transactions, score_row that one customer
     * through the transaction index. */
    tier_book *book = tst_generated_book(TST_ALLOC, generated(), SEED);
    (void)s;
    check_models(book, every_model, TST_COUNT(every_model), CHANGE_OUT_OF_ORDER, 1, 24);
    tier_book_free(book);
}

static void test_cdnow_sample_rescores_as_the_batch_does(void **s)
{
    static const int models[] = {M_RFM, M_RFMW, M_CLV, M_LIFECYCLE};
    tier_book *book = tst_cdnow_book(TST_ALLOC, 0);
    (void)s;
    check_models(book, models, TST_COUNT(models), CHANGE_IN_ORDER, 0, 30);
    tier_book_free(book);
}

static void test_index_survives_a_failed_add_and_a_merge(void **s)
{
    static const int models[] = {M_RFMW, M_CLV, M_LIFECYCLE};
    tier_book *book = tst_generated_book(TST_ALLOC, 400, SEED), *other;
    tier_model *m[3];
    tier_frame *f, *fresh;
    const char ids[] = "G000005G000007";
    const size_t off[] = {0, 7, 14};
    const int32_t days[] = {tst_day(2024, 6, 1), 99999999}; /* the second is out of range */
    const double amounts[] = {100, 100};
    const tst_txn more[] = {{"G000005", 19700, 77.0}, {"G000009", 19750, 12.0}};
    size_t k;
    (void)s;
    for (k = 0; k < 3; k++)
        m[k] = make_model(models[k], TST_ALLOC);
    f = run(m, 3, book, 1);
    rescore(m, 3, book, f, tst_customer(book, "G000005")); /* builds the index */
    /* A failed add rolls back the rows before the bad one, and their links in the index. */
    assert_int_equal(tier_book_add_txns(book, 2, ids, off, days, amounts, NULL), TIER_ERANGE);
    /* A merge links the rows it adds. */
    other = tst_book_of(TST_ALLOC, more, TST_COUNT(more));
    assert_int_equal(tier_book_merge(book, other), TIER_OK);
    tier_book_free(other);
    rescore(m, 3, book, f, tst_customer(book, "G000005"));
    rescore(m, 3, book, f, tst_customer(book, "G000009"));
    fresh = run(m, 3, book, 0);
    tst_assert_identical_frames(f, fresh);
    for (k = 0; k < 3; k++)
        tier_model_free(m[k]);
    tst_release(f, NULL, book);
    tier_frame_free(fresh);
}

/* ---- a user model ------------------------------------------------------------------------- */

/* Outputs "value" (the net amount times 1.5) and "band" ("low" below 700, else "high"; with
 * `novel`, score_row calls a customer above 1000 "top", a label the batch never wrote). */
typedef struct user_model {
    int novel;
    int fail; /* score_row returns TIER_EUSER */
} user_model;

static const tier_model_output user_outputs[] = {{"value", TIER_VALUE_NUMBER},
                                                 {"band", TIER_VALUE_LABEL}};
static const char *const user_labels[] = {"low", "high"};

static double user_value(const tier_book *book, size_t c)
{
    double v = NAN;
    assert_int_equal(tier_book_customer_stat(book, c, TIER_BOOK_STAT_NET_AMOUNT, &v), TIER_OK);
    return 1.5 * v;
}

static int user_score(void *state, const tier_book *book, tier_frame *frame)
{
    size_t n = tier_book_customer_count(book), i;
    double *v;
    int32_t *b;
    int rc;
    (void)state;
    if ((rc = tier_frame_add_numbers(frame, "value", &v)) != TIER_OK ||
        (rc = tier_frame_add_labels(frame, "band", user_labels, 2, &b)) != TIER_OK)
        return rc;
    for (i = 0; i < n; i++) {
        v[i] = user_value(book, i);
        b[i] = v[i] < 700 ? 0 : 1;
    }
    return TIER_OK;
}

static int user_score_row(void *state, const tier_book *book, const tier_frame *frame, size_t c,
                          double *numbers, const char **labels)
{
    user_model *u = state;
    (void)frame;
    if (u->fail)
        return TIER_EUSER;
    numbers[0] = user_value(book, c);
    labels[1] = u->novel && numbers[0] > 1000 ? "top" : user_labels[numbers[0] < 700 ? 0 : 1];
    return TIER_OK;
}

static tier_model *user_model_new(user_model *u, unsigned version, const tier_allocator *a)
{
    tier_model_vtable vt = tst_vtable("user", NULL, NULL, NULL, user_score);
    tier_model *m = NULL;
    vt.version = version;
    vt.outputs = user_outputs;
    vt.n_outputs = TST_COUNT(user_outputs);
    vt.score_row = user_score_row; /* not read for a version-2 vtable */
    if (tier_model_new(&m, &vt, u, "user", a) != TIER_OK)
        return NULL;
    return m;
}

static const tst_txn user_rows[] = {
    {"a", 100, 100}, {"b", 100, 400}, {"c", 101, 900}, {"a", 102, 10}, {"d", 103, 50}};

static void test_user_model_with_score_row(void **s)
{
    user_model u = {0, 0};
    tier_book *book = tst_book_of(TST_ALLOC, user_rows, TST_COUNT(user_rows));
    tier_model *m = user_model_new(&u, TIER_MODEL_VTABLE_VERSION, TST_ALLOC);
    tier_frame *f = tst_score(m, book, TST_ALLOC), *fresh;
    size_t b = tst_customer(book, "b");
    (void)s;
    assert_string_equal(tst_label(f, "user.band", b), "low");
    assert_int_equal(tier_book_add_txn(book, "b", 1, 104, 300, NAN), TIER_OK);
    assert_int_equal(tier_model_score_row(m, book, f, b), TIER_OK);
    assert_string_equal(tst_label(f, "user.band", b), "high");
    assert_true(tst_numbers(f, "user.value")[b] == 1050);
    fresh = tst_score(m, book, TST_ALLOC);
    tst_assert_identical_frames(f, fresh);
    tier_frame_free(fresh);
    tst_release(f, m, book);
}

/* Fails unless the frame still holds what `copy` (a score of the same model) holds, with the
 * same label lists. */
static void expect_unchanged(const tier_frame *f, const tier_frame *copy)
{
    size_t c;
    tst_assert_identical_frames(f, copy);
    for (c = 0; c < tier_frame_column_count(f); c++)
        assert_int_equal(tier_frame_label_count(f, c), tier_frame_label_count(copy, c));
}

static void test_new_label_is_added_and_a_failing_callback_changes_nothing(void **s)
{
    user_model u = {1, 0};
    tier_book *book = tst_book_of(TST_ALLOC, user_rows, TST_COUNT(user_rows));
    tier_model *m = user_model_new(&u, TIER_MODEL_VTABLE_VERSION, TST_ALLOC);
    tier_frame *f = tst_score(m, book, TST_ALLOC), *copy = tst_score(m, book, TST_ALLOC);
    size_t c = tst_customer(book, "c"), col;
    (void)s;
    assert_int_equal(tier_book_add_txn(book, "c", 1, 104, 300, NAN), TIER_OK);
    u.fail = 1;
    assert_int_equal(tier_model_score_row(m, book, f, c), TIER_EUSER);
    assert_non_null(strstr(tier_frame_last_error(f), "model \"user\" (user): score_row of "
                                                     "customer \"c\" failed"));
    expect_unchanged(f, copy);
    u.fail = 0;
    assert_int_equal(tier_model_score_row(m, book, f, c), TIER_OK);
    assert_string_equal(tst_label(f, "user.band", c), "top");
    assert_int_equal(tier_frame_find(f, "user.band", &col), TIER_OK);
    assert_int_equal(tier_frame_label_count(f, col), 3);
    /* Again: the label is there now and is not added twice. */
    assert_int_equal(tier_model_score_row(m, book, f, c), TIER_OK);
    assert_int_equal(tier_frame_label_count(f, col), 3);
    tier_frame_free(copy);
    tst_release(f, m, book);
}

/* The out-of-memory walk: a frame made with a failing allocator gets a row whose label is new. */
static int oom_new_label(const tier_allocator *a, void *ud)
{
    const tier_book *book = ud;
    user_model u = {1, 0};
    tier_model *m = user_model_new(&u, TIER_MODEL_VTABLE_VERSION, a);
    tier_frame *f = NULL, *copy;
    size_t c = tst_customer(book, "c");
    int rc;
    if (!m)
        return TIER_ENOMEM;
    if ((rc = tst_oom_score(m, book, a, 2, &f)) != TIER_OK) {
        tier_frame_free(f);
        tier_model_free(m);
        return rc;
    }
    copy = tst_score(m, book, TST_ALLOC);
    rc = tier_model_score_row(m, book, f, c);
    if (rc == TIER_OK) {
        assert_string_equal(tst_label(f, "user.band", c), "top");
    } else {
        assert_int_equal(rc, TIER_ENOMEM);
        assert_non_null(strstr(tier_frame_last_error(f), "out of memory"));
        expect_unchanged(f, copy);
    }
    tier_frame_free(copy);
    tier_frame_free(f);
    tier_model_free(m);
    return rc;
}

static tier_book *oom_book(const tier_allocator *a)
{
    static const tst_txn rows[] = {{"a", 100, 100}, {"c", 100, 1900}};
    return tst_book_of(a, rows, TST_COUNT(rows));
}

/* A model of WIDE number outputs "v0", "v1", ... (more than tier_model_score_row keeps on its
 * stack): output j of customer c is j + the customer's purchase count. */
#define WIDE 40

static const char *wide_name(size_t i)
{
    static char names[WIDE][8];
    snprintf(names[i], sizeof names[i], "v%lu", (unsigned long)i);
    return names[i];
}

static size_t wide_count(void *state)
{
    (void)state;
    return WIDE;
}

static int wide_info(void *state, size_t i, const char **name, int *type)
{
    (void)state;
    *name = wide_name(i);
    *type = TIER_VALUE_NUMBER;
    return TIER_OK;
}

static double wide_value(const tier_book *book, size_t c, size_t j)
{
    double v = NAN;
    assert_int_equal(tier_book_customer_stat(book, c, TIER_BOOK_STAT_PURCHASES, &v), TIER_OK);
    return (double)j + v;
}

static int wide_score(void *state, const tier_book *book, tier_frame *frame)
{
    size_t j, i;
    (void)state;
    for (j = 0; j < WIDE; j++) {
        double *v;
        int rc = tier_frame_add_numbers(frame, wide_name(j), &v);
        if (rc)
            return rc;
        for (i = 0; i < tier_book_customer_count(book); i++)
            v[i] = wide_value(book, i, j);
    }
    return TIER_OK;
}

static int wide_score_row(void *state, const tier_book *book, const tier_frame *frame, size_t c,
                          double *numbers, const char **labels)
{
    size_t j;
    (void)state;
    (void)frame;
    (void)labels;
    for (j = 0; j < WIDE; j++)
        numbers[j] = wide_value(book, c, j);
    return TIER_OK;
}

static tier_model *wide_model(const tier_allocator *a)
{
    tier_model_vtable vt = tst_vtable("wide", wide_count, wide_info, NULL, wide_score);
    tier_model *m = NULL;
    vt.score_row = wide_score_row;
    return tier_model_new(&m, &vt, NULL, "wide", a) == TIER_OK ? m : NULL;
}

/* The wide model with a failing allocator: the outputs' room comes from the model's allocator;
 * without it the row is refused and unchanged. */
static int oom_wide(const tier_allocator *a, void *ud)
{
    tier_book *book = tst_book_of(TST_ALLOC, user_rows, TST_COUNT(user_rows));
    tier_model *m = wide_model(a);
    tier_frame *f = NULL, *copy;
    size_t c = tst_customer(book, "a");
    int rc;
    (void)ud;
    if (!m) {
        tier_book_free(book);
        return TIER_ENOMEM;
    }
    assert_int_equal(tier_frame_new(&f, tier_book_customer_count(book), TST_ALLOC), TIER_OK);
    tst_score_into(m, book, f);
    copy = tst_score(m, book, TST_ALLOC);
    assert_int_equal(tier_book_add_txn(book, "a", 1, 101, 5, NAN), TIER_OK);
    rc = tier_model_score_row(m, book, f, c);
    if (rc == TIER_OK) {
        assert_true(tst_numbers(f, "wide.v39")[c] == 39 + 3);
    } else {
        assert_int_equal(rc, TIER_ENOMEM);
        assert_non_null(strstr(tier_frame_last_error(f), "out of memory for 40 outputs"));
        expect_unchanged(f, copy);
    }
    tier_book_free(book);
    tier_frame_free(copy);
    tier_frame_free(f);
    tier_model_free(m);
    return rc;
}

/* The transaction index of a book made with a failing allocator: lifecycle's windows read one
 * customer's transactions, and building the index may fail; then the row is unchanged. */
static int oom_index(const tier_allocator *a, void *ud)
{
    tier_book *book = NULL;
    tier_model *m = make_model(M_LIFECYCLE, TST_ALLOC);
    tier_frame *f = NULL, *want = NULL;
    double before[8];
    size_t c, nc = 0;
    int rc = tier_book_new(&book, a);
    (void)ud;
    if (rc == TIER_OK)
        rc = tst_add_txns(book, user_rows, TST_COUNT(user_rows));
    if (rc == TIER_OK) {
        assert_int_equal(tier_frame_new(&f, tier_book_customer_count(book), TST_ALLOC), TIER_OK);
        tst_fit(m, book, f);
        rc = tier_model_score(m, book, f);
    }
    if (rc == TIER_OK)
        rc = tier_book_add_txn(book, "a", 1, 101, 5, NAN);
    if (rc == TIER_OK) {
        /* Row 0 as it is: every number, every label code and label count. */
        nc = tier_frame_column_count(f);
        for (c = 0; c < nc; c++)
            before[c] =
                tier_frame_column_type(f, c) == TIER_VALUE_NUMBER
                    ? tier_frame_numbers(f, c)[0]
                    : tier_frame_labels(f, c)[0] * 1000.0 + (double)tier_frame_label_count(f, c);
        rc = tier_model_score_row(m, book, f, 0);
    }
    if (rc == TIER_OK) {
        assert_int_equal(tier_frame_new(&want, tier_book_customer_count(book), TST_ALLOC), TIER_OK);
        rc = tier_model_score(m, book, want); /* may itself run out of memory */
        if (rc == TIER_OK)
            tst_assert_identical_frames(f, want);
    } else if (nc) {
        assert_int_equal(rc, TIER_ENOMEM);
        assert_non_null(strstr(tier_frame_last_error(f), "out of memory"));
        for (c = 0; c < nc; c++) {
            double now =
                tier_frame_column_type(f, c) == TIER_VALUE_NUMBER
                    ? tier_frame_numbers(f, c)[0]
                    : tier_frame_labels(f, c)[0] * 1000.0 + (double)tier_frame_label_count(f, c);
            assert_memory_equal(&now, &before[c], sizeof now);
        }
    }
    tier_frame_free(want);
    tst_release(f, m, book);
    return rc;
}

/* ---- refusals ----------------------------------------------------------------------------- */

static void expect_refused(const tier_model *m, const tier_book *book, tier_frame *f, size_t c,
                           int status, const char *text)
{
    assert_int_equal(tier_model_score_row(m, book, f, c), status);
    if (!strstr(tier_frame_last_error(f), text))
        fail_msg("error \"%s\" does not say \"%s\"", tier_frame_last_error(f), text);
}

static void test_refusals_name_the_model_and_the_reason(void **s)
{
    user_model u = {0, 0};
    tier_book *book = tst_book_of(TST_ALLOC, user_rows, TST_COUNT(user_rows));
    tier_model *v2 = user_model_new(&u, 2, TST_ALLOC), *pareto = NULL, *rfm = NULL, *unfit = NULL;
    tier_frame *f = tst_score(v2, book, TST_ALLOC), *empty = NULL;
    (void)s;
    assert_int_equal(tier_pareto_new(&pareto, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_rfm_new(&rfm, NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_rfm_new(&unfit, NULL, TST_ALLOC), TIER_OK);
    tst_fit(pareto, book, NULL);
    tst_score_into(pareto, book, f);
    tst_fit(rfm, book, NULL);
    tst_score_into(rfm, book, f);
    expect_refused(v2, book, f, 0, TIER_ESTATE, "model \"user\" (user) is a population model");
    expect_refused(pareto, book, f, 0, TIER_ESTATE,
                   "model \"pareto\" (pareto) is a population model: its figures rank the whole "
                   "book");
    expect_refused(pareto, book, f, 0, TIER_ESTATE, "the next batch run");
    expect_refused(unfit, book, f, 0, TIER_ESTATE, "model \"rfm\" is not fitted");
    expect_refused(rfm, book, f, 4, TIER_ERANGE, "customer 4 is out of range");
    expect_refused(rfm, book, f, (size_t)-1, TIER_ERANGE, "out of range");
    assert_int_equal(tier_frame_new(&empty, tier_book_customer_count(book), TST_ALLOC), TIER_OK);
    expect_refused(rfm, book, empty, 0, TIER_ENOTFOUND, "column \"rfm.r\" is not in the frame");
    assert_int_equal(tier_model_score_row(NULL, book, f, 0), TIER_EINVAL);
    assert_int_equal(tier_model_score_row(rfm, NULL, f, 0), TIER_EINVAL);
    assert_int_equal(tier_model_score_row(rfm, book, NULL, 0), TIER_EINVAL);
    tier_model_free(pareto);
    tier_model_free(rfm);
    tier_model_free(unfit);
    tier_frame_free(empty);
    tst_release(f, v2, book);
}

static void test_a_column_of_another_type_is_refused(void **s)
{
    static const double v[] = {1, 2, 3, 4};
    user_model u = {0, 0};
    tier_book *book = tst_book_of(TST_ALLOC, user_rows, TST_COUNT(user_rows));
    tier_model *m = user_model_new(&u, TIER_MODEL_VTABLE_VERSION, TST_ALLOC);
    tier_frame *f = tst_frame_with(book, "user.band", v, TST_ALLOC);
    double *num;
    (void)s;
    assert_int_equal(tier_frame_add_numbers(f, "user.value", &num), TIER_OK);
    expect_refused(m, book, f, 0, TIER_ENOTFOUND, "column \"user.band\" holds numbers, not labels");
    tst_release(f, m, book);
}

static void test_a_book_without_transactions_uses_the_running_figures(void **s)
{
    /* RFM over all history needs nothing but the running figures; lifecycle's windows need
     * the transactions and are refused as the batch refuses them. */
    tier_book *book = tst_book_without_txns(TST_ALLOC, user_rows, TST_COUNT(user_rows));
    tier_model *rfm = make_model(M_RFM, TST_ALLOC), *lc = make_model(M_LIFECYCLE, TST_ALLOC);
    static const char *const lc_numbers[] = {"lifecycle.trend", "lifecycle.inactive_days",
                                             "lifecycle.tenure_days"};
    tier_frame *f = tst_fit_score(rfm, book, TST_ALLOC), *fresh;
    size_t d = tst_customer(book, "d"), k;
    int32_t *codes;
    double *num;
    (void)s;
    assert_int_equal(tier_book_add_txn(book, "d", 1, 103, 70, NAN), TIER_OK);
    assert_int_equal(tier_model_score_row(rfm, book, f, d), TIER_OK);
    fresh = tst_score(rfm, book, TST_ALLOC);
    tst_assert_identical_frames(f, fresh);
    tst_fit(lc, book, f);
    assert_int_equal(tier_model_score(lc, book, fresh), TIER_ESTATE);
    /* The columns as an earlier batch would have left them, to reach the model's own refusal. */
    assert_int_equal(tier_frame_add_labels(f, "lifecycle.stage", NULL, 0, &codes), TIER_OK);
    assert_int_equal(tier_frame_add_labels(f, "lifecycle.onboarding", NULL, 0, &codes), TIER_OK);
    for (k = 0; k < TST_COUNT(lc_numbers); k++)
        assert_int_equal(tier_frame_add_numbers(f, lc_numbers[k], &num), TIER_OK);
    expect_refused(lc, book, f, d, TIER_ESTATE,
                   "cannot compute the lifecycle windows: the window does not cover every "
                   "transaction and transactions are not kept");
    tier_frame_free(fresh);
    tier_model_free(lc);
    tst_release(f, rfm, book);
}

TST_MAIN(cmocka_unit_test(test_built_ins_rescore_rows_as_the_batch_does),
         cmocka_unit_test(test_rows_out_of_date_order_rescore_from_the_transactions),
         cmocka_unit_test(test_cdnow_sample_rescores_as_the_batch_does),
         cmocka_unit_test(test_index_survives_a_failed_add_and_a_merge),
         cmocka_unit_test(test_user_model_with_score_row),
         cmocka_unit_test(test_new_label_is_added_and_a_failing_callback_changes_nothing),
         TST_OOM_WALK(test_score_row_survives_every_failed_allocation, oom_new_label, oom_book, 3),
         TST_OOM_WALK(test_wide_model_survives_every_failed_allocation, oom_wide, NULL, 1),
         TST_OOM_WALK(test_index_survives_every_failed_allocation, oom_index, NULL, 4),
         cmocka_unit_test(test_refusals_name_the_model_and_the_reason),
         cmocka_unit_test(test_a_column_of_another_type_is_refused),
         cmocka_unit_test(test_a_book_without_transactions_uses_the_running_figures))
