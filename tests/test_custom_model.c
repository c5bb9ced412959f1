/* SPDX-License-Identifier: MIT */
/* A model written against the public vtable, as a user would: it runs next to the built-in rfm and
 * pareto models, a policy reads its columns, its TIER_EUSER comes back unchanged from every entry
 * point with the result untouched, destroy runs exactly once, the vtable is copied, undeclared
 * outputs are refused, and a whole run with it survives every failed allocation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* The user model "loyalty": points = 10 * rfm.f - tickets (attribute), band high when >= 20. */
typedef struct loyalty {
    const tier_allocator *alloc; /* for fit's scratch buffer (NULL: no allocation) */
    int destroyed;
    int fits;
    int fit_rc;   /* returned by fit instead of fitting, when not 0 */
    int score_rc; /* returned by score after adding its first column, when not 0 */
    int shape;    /* outputs: 0 as declared, 1 band missing, 2 band as a number, 3 one extra */
    double max_f; /* fitted: the largest rfm.f seen in the inputs */
    char err[64];
} loyalty;

enum { SHAPE_DECLARED, SHAPE_MISSING, SHAPE_WRONG_TYPE, SHAPE_EXTRA };

static size_t loyalty_count(void *st)
{
    (void)st;
    return 2;
}

static int loyalty_info(void *st, size_t i, const char **name, int *type)
{
    (void)st;
    if (i >= 2)
        return TIER_ERANGE;
    *name = i == 0 ? "points" : "band";
    *type = i == 0 ? TIER_VALUE_NUMBER : TIER_VALUE_LABEL;
    return TIER_OK;
}

static int loyalty_fit(void *st, const tier_book *book, const tier_frame *inputs)
{
    loyalty *p = st;
    const double *f;
    double *copy = NULL;
    size_t col, i, n = tier_frame_rows(inputs);
    p->fits++;
    if (p->fit_rc) {
        strcpy(p->err, "loyalty refused to fit");
        return p->fit_rc;
    }
    assert_int_equal(n, tier_book_customer_count(book));
    /* The inputs are the columns of the models run before this one. */
    if (tier_frame_find(inputs, "rfm.f", &col) != TIER_OK ||
        !(f = tier_frame_numbers(inputs, col))) {
        strcpy(p->err, "no rfm.f in the inputs");
        return TIER_ENOTFOUND;
    }
    /* A scratch copy through the caller's allocator, so the OOM walk reaches into the callback. */
    if (p->alloc && !(copy = p->alloc->alloc(p->alloc->ud, (n ? n : 1) * sizeof *copy)))
        return TIER_ENOMEM;
    p->max_f = 0.0;
    for (i = 0; i < n; i++) {
        if (copy)
            copy[i] = f[i];
        if (f[i] > p->max_f)
            p->max_f = f[i];
    }
    if (copy)
        p->alloc->free(p->alloc->ud, copy);
    p->err[0] = '\0';
    return TIER_OK;
}

static int loyalty_score(void *st, const tier_book *book, tier_frame *frame)
{
    const loyalty *p = st;
    static const char *const bands[] = {"low", "high"};
    const double *f;
    double *points, *wrong;
    int32_t *band;
    size_t col, i;
    int rc;
    if (tier_frame_find(frame, "rfm.f", &col) != TIER_OK || !(f = tier_frame_numbers(frame, col)))
        return TIER_ENOTFOUND;
    if ((rc = tier_frame_add_numbers(frame, "points", &points)) != TIER_OK)
        return rc;
    if (p->score_rc)
        return p->score_rc;
    if (p->shape == SHAPE_MISSING)
        return TIER_OK;
    if (p->shape == SHAPE_WRONG_TYPE)
        return tier_frame_add_numbers(frame, "band", &wrong);
    if ((rc = tier_frame_add_labels(frame, "band", bands, 2, &band)) != TIER_OK)
        return rc;
    for (i = 0; i < tier_book_customer_count(book); i++) {
        double tickets = 0.0;
        if (isnan(f[i]))
            continue;
        (void)tier_book_get_number(book, i, "tickets", &tickets);
        points[i] = 10.0 * f[i] - tickets;
        band[i] = points[i] >= 20.0 ? 1 : 0;
    }
    if (p->shape == SHAPE_EXTRA)
        return tier_frame_add_numbers(frame, "extra", &wrong);
    return TIER_OK;
}

static int loyalty_explain(void *st, const tier_book *book, const tier_frame *frame,
                           size_t customer, tier_text *out)
{
    const loyalty *p = st;
    const double *points;
    size_t col;
    char line[96];
    (void)book;
    if (p->score_rc)
        return p->score_rc; /* also lets a test abort explain */
    if (tier_frame_find(frame, "loyalty.points", &col) != TIER_OK ||
        !(points = tier_frame_numbers(frame, col)))
        return TIER_ENOTFOUND;
    snprintf(line, sizeof line, "%.0f points (best f %.0f)", points[customer], p->max_f);
    return tier_text_append(out, line, strlen(line));
}

static void loyalty_destroy(void *st)
{
    ((loyalty *)st)->destroyed++;
}

static const char *loyalty_last_error(void *st)
{
    return ((loyalty *)st)->err;
}

static tier_model_vtable loyalty_vtable(void)
{
    tier_model_vtable vt =
        tst_vtable("loyalty", loyalty_count, loyalty_info, loyalty_fit, loyalty_score);
    vt.explain = loyalty_explain;
    vt.destroy = loyalty_destroy;
    vt.last_error = loyalty_last_error;
    return vt;
}

/* a: 3 purchase-days, $300, 5 tickets; b: 1, $50; c: 2, $20; d: no purchase.
 * Pareto on revenue (total 370): a alone reaches 300/370 = 81% -> A; b (94.6%) and c (100%,
 * the first to reach 95%) -> B; d -> C. Loyalty points: a 30-5 = 25 (high), b 10 (low),
 * c 20 (high), d missing. */
static tier_book *small_book(const tier_allocator *a, int *rc_out)
{
    tier_book *b = NULL;
    size_t d;
    int rc;
    if ((rc = tier_book_new(&b, a)) != TIER_OK) {
        *rc_out = rc;
        return NULL;
    }
    if ((rc = tier_book_add_txn(b, "a", 1, 10, 100, NAN)) ||
        (rc = tier_book_add_txn(b, "b", 1, 15, 50, NAN)) ||
        (rc = tier_book_add_txn(b, "a", 1, 20, 100, NAN)) ||
        (rc = tier_book_add_txn(b, "c", 1, 5, 10, NAN)) ||
        (rc = tier_book_add_txn(b, "a", 1, 30, 100, NAN)) ||
        (rc = tier_book_add_txn(b, "c", 1, 25, 10, NAN)) ||
        (rc = tier_book_add_customer(b, "d", 1, &d)) ||
        (rc = tier_book_set_number(b, 0, "tickets", 5))) {
        tier_book_free(b);
        b = NULL;
    }
    *rc_out = rc;
    return b;
}

static tier_book *book_for_test(void)
{
    int rc;
    tier_book *b = small_book(TST_ALLOC, &rc);
    assert_int_equal(rc, TIER_OK);
    assert_int_equal(tier_book_customer_count(b), 4);
    return b;
}

/* key: pareto A with >= 25 loyalty points; engaged: loyalty band high; rest: everyone else. */
static int loyalty_policy(tier_policy **out, const tier_allocator *a)
{
    tier_policy *p = NULL;
    size_t t, r;
    int rc;
    if ((rc = tier_policy_new(&p, a)) != TIER_OK)
        return rc;
    if ((rc = tier_policy_add_tier(p, "key", &t)) ||
        (rc = tier_policy_add_rule(p, t, "key_loyal", &r)) ||
        (rc = tier_policy_where_label(p, r, "pareto.class", TIER_OP_EQ, "A")) ||
        (rc = tier_policy_where_number(p, r, "loyalty.points", TIER_OP_GE, 25)) ||
        (rc = tier_policy_add_tier(p, "engaged", &t)) ||
        (rc = tier_policy_add_rule(p, t, "band_high", &r)) ||
        (rc = tier_policy_where_label(p, r, "loyalty.band", TIER_OP_EQ, "high")) ||
        (rc = tier_policy_add_tier(p, "rest", &t)) ||
        (rc = tier_policy_add_rule(p, t, "rest", &r))) {
        tier_policy_free(p);
        return rc;
    }
    *out = p;
    return TIER_OK;
}

/* The three models of every run here: rfm, pareto and loyalty over `state`. */
typedef struct trio {
    tier_model *m[3];
} trio;

static int trio_new(trio *t, loyalty *state, const tier_allocator *a)
{
    tier_model_vtable vt = loyalty_vtable();
    int rc;
    memset(t, 0, sizeof *t);
    if ((rc = tier_rfm_new(&t->m[0], NULL, a)) || (rc = tier_pareto_new(&t->m[1], NULL, a)))
        return rc;
    return tier_model_new(&t->m[2], &vt, state, "loyalty", a);
}

static void trio_free(trio *t)
{
    size_t i;
    for (i = 0; i < 3; i++)
        tier_model_free(t->m[i]);
}

static void assert_tiers(const tier_result *res, const char *const *want)
{
    size_t i;
    for (i = 0; i < 4; i++) {
        int t = tier_result_tier(res, i);
        assert_true(t >= 0);
        assert_string_equal(tier_result_tier_name(res, (size_t)t), want[i]);
    }
}

static const char *const want_tiers[] = {"key", "rest", "engaged", "rest"};

/* What most tests start from: the trio over the small book, run once with a policy. */
typedef struct run {
    tier_allocator a;
    tier_book *book;
    tier_policy *pol;
    tier_result *res;
    loyalty st;
    trio models;
} run;

/* Makes the run's objects (the loyalty model not fitted yet) and runs them once, successfully,
 * with the built-in policy, or with the loyalty policy when `loyalty_tiers` is non-zero. */
static void run_start(run *r, int loyalty_tiers)
{
    r->a = tst_allocator();
    r->book = book_for_test();
    r->pol = NULL;
    r->res = NULL;
    memset(&r->st, 0, sizeof r->st);
    assert_int_equal(trio_new(&r->models, &r->st, &r->a), TIER_OK);
    assert_false(tier_model_is_fitted(r->models.m[2]));
    if (loyalty_tiers)
        assert_int_equal(loyalty_policy(&r->pol, &r->a), TIER_OK);
    else
        assert_int_equal(tier_policy_new_builtin(&r->pol, "pareto-sabc", &r->a), TIER_OK);
    assert_int_equal(tier_result_new(&r->res, &r->a), TIER_OK);
    assert_int_equal(tier_result_run(r->res, r->book, r->models.m, 3, r->pol), TIER_OK);
}

static void run_end(run *r)
{
    tier_result_free(r->res);
    tier_policy_free(r->pol);
    trio_free(&r->models);
    tier_book_free(r->book);
}

static void test_custom_model_runs_next_to_rfm_and_pareto(void **state)
{
    tier_text *t = NULL;
    run r;
    const tier_frame *f;
    const double *points;
    const int32_t *band;
    size_t col;
    (void)state;
    run_start(&r, 0);
    assert_string_equal(tier_model_kind(r.models.m[2]), "loyalty");
    assert_int_equal(r.st.fits, 1);
    assert_true(r.st.max_f == 3.0); /* fitted on rfm.f, an earlier model's column */
    f = tier_result_frame(r.res);
    assert_int_equal(tier_frame_find(f, "loyalty.points", &col), TIER_OK);
    assert_int_equal(tier_frame_column_type(f, col), TIER_VALUE_NUMBER);
    points = tier_frame_numbers(f, col);
    assert_true(points[0] == 25.0 && points[1] == 10.0 && points[2] == 20.0);
    assert_true(isnan(points[3]));
    assert_int_equal(tier_frame_find(f, "loyalty.band", &col), TIER_OK);
    band = tier_frame_labels(f, col);
    assert_int_equal(band[0], 1);
    assert_int_equal(band[1], 0);
    assert_int_equal(band[3], -1);
    assert_string_equal(tier_frame_label_text(f, col, 1), "high");
    /* The built-ins ran too: the default policy placed a (pareto A) in S. */
    assert_int_equal(tier_frame_find(f, "rfm.r_score", &col), TIER_OK);
    assert_string_equal(tier_result_tier_name(r.res, (size_t)tier_result_tier(r.res, 0)), "S");
    assert_int_equal(tier_text_new(&t, &r.a), TIER_OK);
    assert_int_equal(tier_model_explain(r.models.m[2], r.book, f, 0, t), TIER_OK);
    assert_string_equal(tier_text_data(t), "25 points (best f 3)");
    tier_text_free(t);
    run_end(&r);
    assert_int_equal(r.st.destroyed, 1);
}

static void test_policy_tiers_on_the_custom_models_columns(void **state)
{
    run r;
    (void)state;
    run_start(&r, 1);
    assert_tiers(r.res, want_tiers);
    assert_string_equal(tier_result_reason(r.res, 0), "key_loyal");
    assert_string_equal(tier_result_reason(r.res, 2), "band_high");
    run_end(&r);
}

/* Runs once successfully, then checks a failing run left everything as it was. */
typedef struct before {
    const tier_frame *frame;
    size_t columns;
} before;

static before result_snapshot(const tier_result *res)
{
    before s;
    s.frame = tier_result_frame(res);
    s.columns = tier_frame_column_count(s.frame);
    return s;
}

/* Starts a run with the loyalty policy (run_start), notes its result in *snap, and gives a new
 * frame of the run's book scored directly by the run's first model (rfm); *cols is its column
 * count, for tests that then score the user model into it. */
static tier_frame *scored_after_a_run(run *r, before *snap, size_t *cols)
{
    tier_frame *f = NULL;
    run_start(r, 1);
    *snap = result_snapshot(r->res);
    assert_int_equal(tier_frame_new(&f, 4, &r->a), TIER_OK); /* the book's four customers */
    assert_int_equal(tier_model_score(r->models.m[0], r->book, f), TIER_OK);
    *cols = tier_frame_column_count(f);
    return f;
}

static void assert_result_unchanged(const tier_result *res, before s)
{
    assert_ptr_equal(tier_result_frame(res), s.frame);
    assert_int_equal(tier_frame_column_count(tier_result_frame(res)), s.columns);
    assert_int_equal(tier_result_customer_count(res), 4);
    assert_tiers(res, want_tiers);
}

static void test_user_abort_in_fit_is_returned_unchanged(void **state)
{
    tier_book *b = book_for_test();
    tier_policy *pol = NULL;
    tier_result *res = NULL;
    tier_frame *inputs = NULL;
    loyalty good, bad;
    trio ok, failing;
    before snap;
    (void)state;
    memset(&good, 0, sizeof good);
    memset(&bad, 0, sizeof bad);
    bad.fit_rc = TIER_EUSER;
    assert_int_equal(trio_new(&ok, &good, TST_ALLOC), TIER_OK);
    assert_int_equal(trio_new(&failing, &bad, TST_ALLOC), TIER_OK);
    assert_int_equal(loyalty_policy(&pol, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(res, b, ok.m, 3, pol), TIER_OK);
    snap = result_snapshot(res);

    /* Straight through tier_model_fit, with the callback's own text in the last error. */
    assert_int_equal(tier_frame_new(&inputs, 4, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(failing.m[2], b, inputs), TIER_EUSER);
    assert_false(tier_model_is_fitted(failing.m[2]));
    assert_non_null(strstr(tier_model_last_error(failing.m[2]), "loyalty refused to fit"));

    /* And through a run: the earlier result stays. */
    assert_int_equal(tier_result_run(res, b, failing.m, 3, pol), TIER_EUSER);
    assert_int_equal(bad.fits, 2);
    assert_non_null(strstr(tier_result_last_error(res), "loyalty"));
    assert_result_unchanged(res, snap);

    /* Once the callback agrees, the same models run. */
    bad.fit_rc = 0;
    assert_int_equal(tier_result_run(res, b, failing.m, 3, pol), TIER_OK);
    assert_tiers(res, want_tiers);
    tier_frame_free(inputs);
    tier_result_free(res);
    tier_policy_free(pol);
    trio_free(&ok);
    trio_free(&failing);
    assert_int_equal(good.destroyed, 1);
    assert_int_equal(bad.destroyed, 1);
    tier_book_free(b);
}

static void test_user_abort_in_score_is_returned_unchanged(void **state)
{
    run r;
    before snap;
    size_t cols;
    /* Direct scoring: the column the callback added before aborting is taken away again. */
    tier_frame *f = scored_after_a_run(&r, &snap, &cols);
    tier_text *t = NULL;
    (void)state;
    r.st.score_rc = TIER_EUSER;
    assert_int_equal(tier_model_score(r.models.m[2], r.book, f), TIER_EUSER);
    assert_int_equal(tier_frame_column_count(f), cols);
    assert_int_equal(tier_frame_find(f, "loyalty.points", NULL), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_frame_last_error(f), "loyalty"));

    assert_int_equal(tier_result_run(r.res, r.book, r.models.m, 3, r.pol), TIER_EUSER);
    assert_result_unchanged(r.res, snap);

    /* Explain passes it through too. */
    assert_int_equal(tier_text_new(&t, &r.a), TIER_OK);
    assert_int_equal(tier_model_explain(r.models.m[2], r.book, tier_result_frame(r.res), 0, t),
                     TIER_EUSER);
    r.st.score_rc = 0;
    assert_int_equal(tier_model_score(r.models.m[2], r.book, f), TIER_OK);
    assert_int_equal(tier_frame_column_count(f), cols + 2);
    tier_text_free(t);
    tier_frame_free(f);
    run_end(&r);
}

static void test_destroy_runs_once_also_when_creation_fails(void **state)
{
    tier_model_vtable vt = loyalty_vtable();
    tier_model *m = (tier_model *)&vt; /* must come back NULL */
    loyalty st;
    (void)state;

    memset(&st, 0, sizeof st);
    assert_int_equal(tier_model_new(&m, &vt, &st, NULL, TST_ALLOC), TIER_EINVAL);
    assert_null(m);
    assert_int_equal(st.destroyed, 1);

    memset(&st, 0, sizeof st);
    assert_int_equal(tier_model_new(&m, &vt, &st, "has space", TST_ALLOC), TIER_EINVAL);
    assert_int_equal(st.destroyed, 1);

    memset(&st, 0, sizeof st);
    assert_int_equal(tier_model_new(NULL, &vt, &st, "loyalty", TST_ALLOC), TIER_EINVAL);
    assert_int_equal(st.destroyed, 1);

    /* A newer vtable keeps the version-1 members where they were, so destroy is still known. */
    memset(&st, 0, sizeof st);
    vt.version = TIER_MODEL_VTABLE_VERSION + 1;
    m = (tier_model *)&vt;
    assert_int_equal(tier_model_new(&m, &vt, &st, "loyalty", TST_ALLOC), TIER_EVERSION);
    assert_null(m);
    assert_int_equal(st.destroyed, 1);

    memset(&st, 0, sizeof st);
    vt = loyalty_vtable();
    vt.score = NULL;
    assert_int_equal(tier_model_new(&m, &vt, &st, "loyalty", TST_ALLOC), TIER_EINVAL);
    assert_int_equal(st.destroyed, 1);

    /* Success: not before tier_model_free, then exactly once. */
    memset(&st, 0, sizeof st);
    vt = loyalty_vtable();
    assert_int_equal(tier_model_new(&m, &vt, &st, "loyalty", TST_ALLOC), TIER_OK);
    assert_int_equal(st.destroyed, 0);
    tier_model_free(m);
    assert_int_equal(st.destroyed, 1);
}

static void test_vtable_and_kind_are_copied_at_creation(void **state)
{
    tier_book *b = book_for_test();
    tier_policy *pol = NULL;
    tier_result *res = NULL;
    tier_model_vtable *vt = test_malloc(sizeof *vt);
    char *kind = test_malloc(8);
    tier_model *models[3] = {NULL, NULL, NULL};
    loyalty st;
    (void)state;
    memset(&st, 0, sizeof st);
    *vt = loyalty_vtable();
    strcpy(kind, "loyalty");
    vt->kind = kind;
    assert_int_equal(tier_rfm_new(&models[0], NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pareto_new(&models[1], NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_new(&models[2], vt, &st, "loyalty", TST_ALLOC), TIER_OK);
    /* The caller's struct and strings may go away at once. */
    memset(vt, 0xff, sizeof *vt);
    memset(kind, 'x', 7);
    test_free(vt);
    test_free(kind);
    assert_string_equal(tier_model_kind(models[2]), "loyalty");
    assert_int_equal(loyalty_policy(&pol, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(res, b, models, 3, pol), TIER_OK);
    assert_tiers(res, want_tiers);
    tier_result_free(res);
    tier_policy_free(pol);
    tier_model_free(models[0]);
    tier_model_free(models[1]);
    tier_model_free(models[2]);
    assert_int_equal(st.destroyed, 1);
    tier_book_free(b);
}

static void test_outputs_not_as_declared_are_refused(void **state)
{
    tier_frame *f = NULL;
    run r;
    before snap;
    size_t cols;
    int shape;
    (void)state;
    f = scored_after_a_run(&r, &snap, &cols);
    for (shape = SHAPE_MISSING; shape <= SHAPE_EXTRA; shape++) {
        r.st.shape = shape;
        assert_int_equal(tier_model_score(r.models.m[2], r.book, f), TIER_EINVAL);
        assert_int_equal(tier_frame_column_count(f), cols);
        assert_non_null(strstr(tier_frame_last_error(f), "loyalty"));
        assert_int_equal(tier_result_run(r.res, r.book, r.models.m, 3, r.pol), TIER_EINVAL);
        assert_result_unchanged(r.res, snap);
    }
    r.st.shape = SHAPE_MISSING;
    assert_int_equal(tier_model_score(r.models.m[2], r.book, f), TIER_EINVAL);
    assert_non_null(strstr(tier_frame_last_error(f), "declared 2 outputs but added 1"));
    r.st.shape = SHAPE_WRONG_TYPE;
    assert_int_equal(tier_model_score(r.models.m[2], r.book, f), TIER_EINVAL);
    assert_non_null(strstr(tier_frame_last_error(f), "\"band\" missing or of another type"));
    tier_frame_free(f);
    run_end(&r);
}

/* One whole run with the custom model under a failing allocator. */
static int run_with_custom_model(const tier_allocator *a, void *ud)
{
    tier_book *b;
    tier_policy *pol = NULL;
    tier_result *res = NULL;
    loyalty st;
    trio models;
    int rc;
    (void)ud;
    memset(&st, 0, sizeof st);
    st.alloc = a;
    memset(&models, 0, sizeof models);
    b = small_book(a, &rc);
    if (rc)
        return rc;
    if ((rc = trio_new(&models, &st, a)) != TIER_OK) {
        /* A failed tier_model_new has destroyed the state already; otherwise it never ran. */
        assert_int_equal(st.destroyed, models.m[1] ? 1 : 0);
        goto done;
    }
    if ((rc = loyalty_policy(&pol, a)) || (rc = tier_result_new(&res, a)))
        goto done;
    rc = tier_result_run(res, b, models.m, 3, pol);
    if (rc == TIER_OK)
        assert_tiers(res, want_tiers);
    else
        assert_null(tier_result_frame(res)); /* a failed first run leaves the result empty */
done:
    tier_result_free(res);
    tier_policy_free(pol);
    trio_free(&models);
    if (models.m[2])
        assert_int_equal(st.destroyed, 1);
    tier_book_free(b);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_custom_model_runs_next_to_rfm_and_pareto),
         cmocka_unit_test(test_policy_tiers_on_the_custom_models_columns),
         cmocka_unit_test(test_user_abort_in_fit_is_returned_unchanged),
         cmocka_unit_test(test_user_abort_in_score_is_returned_unchanged),
         cmocka_unit_test(test_destroy_runs_once_also_when_creation_fails),
         cmocka_unit_test(test_vtable_and_kind_are_copied_at_creation),
         cmocka_unit_test(test_outputs_not_as_declared_are_refused),
         TST_OOM_WALK(test_a_run_with_the_custom_model_fails_cleanly_at_every_allocation,
                      run_with_custom_model, NULL, 20))
