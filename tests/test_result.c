/* SPDX-License-Identifier: MIT */
/* Run results: the pipeline (fit, score, policy), the summary, all-or-nothing failures, the CSV and
 * JSON writer (exact bytes), the atomic save through a fault-injecting I/O layer, out-of-memory
 * behaviour, and one end-to-end run of the built-in models on the CDNOW sample. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

/* ---- fixtures ------------------------------------------------------------------------------- */

static tier_policy *policy_threshold(const char *column, double at)
{
    tier_policy *p = NULL;
    size_t t, r;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "S", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "big", &r), TIER_OK);
    assert_int_equal(tier_policy_where_number(p, r, column, TIER_OP_GE, at), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "C", &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "rest", &r), TIER_OK);
    return p;
}

/* A fresh in-memory file system that takes at most 1000 bytes per write (the writer must loop). */
static tier_io memfs_open(tst_memfs *fs)
{
    memset(fs, 0, sizeof *fs);
    fs->write_chunk = 1000;
    return tst_memfs_io(fs);
}

/* A run of one fixed model "t" whose number output x is given, under policy_threshold("t.x", at),
 * over `book` (which it then owns): made by run1_init (not run yet), freed by run1_free. */
typedef struct run1 {
    tst_column out;
    tst_fixed state;
    tier_model *m;
    tier_policy *p;
    tier_result *res;
    tier_book *book;
} run1;

static void run1_init(run1 *r, tier_book *book, const double *x, double at)
{
    memset(r, 0, sizeof *r);
    r->out = tst_number_column("x", x);
    tst_fixed_init(&r->state, &r->out, 1);
    r->m = tst_fixed_model_ok("t", &r->state, 0);
    r->p = policy_threshold("t.x", at);
    r->book = book;
    assert_int_equal(tier_result_new(&r->res, TST_ALLOC), TIER_OK);
}

static void run1_free(run1 *r)
{
    tier_result_free(r->res);
    tier_policy_free(r->p);
    tier_model_free(r->m);
    tier_book_free(r->book);
}

/* ---- the run -------------------------------------------------------------------------------- */

static void test_result_fits_unfitted_models_on_earlier_columns_then_scores(void **state)
{
    static const double x[] = {1, 200};
    static const double y[] = {5, 6};
    static const tst_txn rows[] = {{"k1", 100, 5}, {"k2", 101, 7}};
    tst_column ao = tst_number_column("x", x);
    tst_column bo = tst_number_column("y", y);
    tst_fixed as, bs;
    tier_model *models[2];
    tier_book *book = NULL;
    tier_result *res = NULL;
    tier_policy *p = policy_threshold("a.x", 100);
    const tier_frame *frame;
    size_t col;
    (void)state;
    tst_fixed_init(&as, &ao, 1);
    tst_fixed_init(&bs, &bo, 1);
    bs.need = "a.x";
    models[0] = tst_fixed_model_ok("a", &as, 0);
    models[1] = tst_fixed_model_ok("b", &bs, 1);
    book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_null(tier_result_frame(res));
    assert_int_equal(tier_result_run(res, book, models, 2, p), TIER_OK);
    assert_int_equal(bs.fits, 1);
    assert_int_equal(bs.need_seen, 1);
    frame = tier_result_frame(res);
    assert_non_null(frame);
    assert_int_equal(tier_frame_column_count(frame), 4);
    assert_int_equal(tier_frame_find(frame, "b.y", &col), TIER_OK);
    assert_true(tier_frame_numbers(frame, col)[1] == 6);
    assert_int_equal(tier_frame_find(frame, "tier", &col), TIER_OK);
    assert_int_equal(tier_frame_column_type(frame, col), TIER_VALUE_LABEL);
    assert_int_equal(tier_frame_labels(frame, col)[1], 0);
    assert_string_equal(tier_frame_label_text(frame, col, 1), "C");
    assert_int_equal(tier_frame_find(frame, "reason", &col), TIER_OK);
    assert_string_equal(tier_frame_label_text(frame, col, tier_frame_labels(frame, col)[0]),
                        "rest");
    assert_int_equal(tier_result_customer_count(res), 2);
    assert_int_equal(tier_result_tier_count(res), 2);
    assert_int_equal(tier_result_tier(res, 0), 1);
    assert_int_equal(tier_result_tier(res, 1), 0);
    assert_int_equal(tier_result_tier(res, 2), -1);
    assert_string_equal(tier_result_reason(res, 1), "big");
    assert_string_equal(tier_result_reason(res, 2), "");
    assert_null(tier_result_tier_name(res, 2));
    /* A fitted model is not fitted again. */
    assert_int_equal(tier_result_run(res, book, models, 2, p), TIER_OK);
    assert_int_equal(bs.fits, 1);
    tier_result_free(res);
    tier_policy_free(p);
    tier_model_free(models[0]);
    tier_model_free(models[1]);
    tier_book_free(book);
}

static void test_result_summary_counts_customers_and_exact_net_revenue(void **state)
{
    static const double x[] = {150, 100, 3, 0};
    static const tst_txn rows[] = {
        {"c0", 10, 10.25}, {"c0", 11, 5.5}, {"c0", 12, -2.25}, /* a refund is netted */
        {"c1", 10, 0.1},   {"c1", 12, 0.2}, {"c2", 12, -5}};
    run1 r;
    size_t count;
    double rev;
    (void)state;
    run1_init(&r, tst_book_of(TST_ALLOC, rows, TST_COUNT(rows)), x, 100);
    assert_int_equal(tier_book_add_customer(r.book, "c3", 2, NULL), TIER_OK);
    assert_int_equal(tier_result_summary(r.res, 0, &count, &rev), TIER_ERANGE);
    assert_int_equal(tier_result_run(r.res, r.book, &r.m, 1, r.p), TIER_OK);
    assert_int_equal(tier_result_summary(r.res, 0, &count, &rev), TIER_OK);
    assert_int_equal(count, 2);
    assert_true(rev == 13.8); /* 13.5 + 0.3, summed in fixed point */
    assert_int_equal(tier_result_summary(r.res, 1, &count, &rev), TIER_OK);
    assert_int_equal(count, 2);
    assert_true(rev == -5.0);
    assert_int_equal(tier_result_summary(r.res, 1, NULL, NULL), TIER_OK);
    assert_int_equal(tier_result_summary(r.res, 2, &count, &rev), TIER_ERANGE);
    run1_free(&r);
}

static void test_result_summary_is_exact_without_kept_transactions_out_of_order(void **state)
{
    static const double x[] = {150, 1};
    /* c0 out of date order: the book cannot give purchase-days */
    static const tst_txn rows[] = {{"c0", 20, 1.1}, {"c0", 10, 2.2}, {"c1", 10, 4}};
    tier_book *book = NULL;
    run1 r;
    size_t count;
    double rev;
    (void)state;
    book = tst_book_without_txns(TST_ALLOC, rows, TST_COUNT(rows));
    run1_init(&r, book, x, 100);
    assert_int_equal(tier_result_run(r.res, r.book, &r.m, 1, r.p), TIER_OK);
    assert_int_equal(tier_result_summary(r.res, 0, &count, &rev), TIER_OK);
    assert_int_equal(count, 1);
    assert_true(rev == 3.3);
    run1_free(&r);
}

static void test_result_failed_run_names_the_model_and_keeps_the_previous_result(void **state)
{
    static const double x[] = {150, 1};
    static const tst_txn rows[] = {{"c0", 10, 1}, {"c1", 10, 1}};
    tst_column o = tst_number_column("x", x);
    tst_fixed good, bad;
    tier_model *models[2];
    tier_book *book = NULL;
    tier_result *res = NULL;
    tier_policy *p = policy_threshold("good.x", 100);
    const tier_frame *before;
    (void)state;
    tst_fixed_init(&good, &o, 1);
    tst_fixed_init(&bad, &o, 1);
    bad.fit_rc = TIER_ECONVERGE;
    bad.why = "did not converge after 100 steps";
    models[0] = tst_fixed_model_ok("good", &good, 0);
    models[1] = tst_fixed_model_ok("bad", &bad, 1);
    book = tst_book_of(TST_ALLOC, rows, TST_COUNT(rows));
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(res, book, models, 1, p), TIER_OK);
    before = tier_result_frame(res);

    assert_int_equal(tier_result_run(res, book, models, 2, p), TIER_ECONVERGE);
    assert_non_null(strstr(tier_result_last_error(res), "\"bad\""));
    assert_non_null(strstr(tier_result_last_error(res), "did not converge after 100 steps"));
    assert_ptr_equal(tier_result_frame(res), before);
    assert_int_equal(tier_result_tier(res, 0), 0);
    assert_string_equal(tier_result_reason(res, 1), "rest");

    bad.fit_rc = TIER_OK;
    bad.score_rc = TIER_EUSER;
    bad.why = "host said no";
    assert_int_equal(tier_result_run(res, book, models, 2, p), TIER_EUSER);
    assert_non_null(strstr(tier_result_last_error(res), "\"bad\""));
    assert_non_null(strstr(tier_result_last_error(res), "host said no"));
    assert_ptr_equal(tier_result_frame(res), before);

    /* Names must be distinct: both would write "good.x". */
    tier_model_free(models[1]);
    models[1] = models[0];
    assert_int_equal(tier_result_run(res, book, models, 2, p), TIER_EINVAL);
    assert_non_null(strstr(tier_result_last_error(res), "good"));
    assert_int_equal(tier_result_run(res, book, NULL, 1, p), TIER_EINVAL);
    assert_int_equal(tier_result_run(res, NULL, models, 1, p), TIER_EINVAL);
    assert_int_equal(tier_result_run(res, book, models, 1, NULL), TIER_EINVAL);
    assert_int_equal(tier_result_run(NULL, book, models, 1, p), TIER_EINVAL);
    assert_ptr_equal(tier_result_frame(res), before);
    assert_int_equal(tier_result_customer_count(res), 2);
    tier_result_free(res);
    tier_policy_free(p);
    tier_model_free(models[0]);
    tier_book_free(book);
}

/* ---- the writer ----------------------------------------------------------------------------- */

/* Seven customers whose ids and values exercise quoting, escaping and every number form. */
typedef struct wfix {
    tier_book *book;
    tier_model *model;
    tier_policy *policy;
    tier_result *result;
    tst_column outs[3];
    tst_fixed state;
} wfix;

static const char *const w_ids[] = {"C1",        "a,b",      "say \"hi\"", " sp ",
                                    "tab\there", "line\nbr", "c7"};
static const char *const w_labels[] = {"x", "has,comma", "q\"uote"};

static void wfix_init(wfix *f)
{
    static double n[7], d[7];
    static const int32_t k[] = {0, 1, 2, -1, 0, 0, 1};
    volatile double tenth = 0.1, fifth = 0.2;
    size_t i;
    n[0] = 3;
    n[1] = -2;
    n[2] = NAN;
    n[3] = 0.1;
    n[4] = 1e-7;
    n[5] = 123456789012.0;
    n[6] = tenth + fifth; /* 0.30000000000000004 */
    d[0] = 12.345;
    d[1] = -0.001;
    d[2] = 2.5;
    d[3] = NAN;
    d[4] = 1e20;
    d[5] = -7.125;
    d[6] = 0.125;
    memset(f, 0, sizeof *f);
    assert_int_equal(tier_book_new(&f->book, TST_ALLOC), TIER_OK);
    for (i = 0; i < 7; i++)
        assert_int_equal(tier_book_add_customer(f->book, w_ids[i], strlen(w_ids[i]), NULL),
                         TIER_OK);
    f->outs[0] = tst_number_column("n", n);
    f->outs[1] = tst_number_column("d", d);
    f->outs[2] = tst_label_column("k", w_labels, 3, k);
    tst_fixed_init(&f->state, f->outs, 3);
    f->model = tst_fixed_model_ok("t", &f->state, 0);
    f->policy = policy_threshold("t.n", 100);
    assert_int_equal(tier_result_new(&f->result, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(f->result, f->book, &f->model, 1, f->policy), TIER_OK);
}

static void wfix_free(wfix *f)
{
    tier_result_free(f->result);
    tier_policy_free(f->policy);
    tier_model_free(f->model);
    tier_book_free(f->book);
}

#define W_COLUMNS "id=customer_id,tier,n \"num\"=t.n, d = t.d:2 ,k=t.k,reason"

static const char w_csv[] = "id,tier,\"n \"\"num\"\"\",d,k,reason\n"
                            "C1,C,3,12.35,x,rest\n"
                            "\"a,b\",C,-2,0.00,\"has,comma\",rest\n"
                            "\"say \"\"hi\"\"\",C,,2.50,\"q\"\"uote\",rest\n"
                            "\" sp \",C,0.1,,,rest\n"
                            "tab\there,C,1e-7,100000000000000000000.00,x,rest\n"
                            "\"line\nbr\",S,123456789012,-7.13,x,big\n"
                            "c7,C,0.30000000000000004,0.13,\"has,comma\",rest\n";

static const char w_json[] =
    "[\n"
    "{\"id\":\"C1\",\"tier\":\"C\",\"n "
    "\\\"num\\\"\":3,\"d\":12.35,\"k\":\"x\",\"reason\":\"rest\"},\n"
    "{\"id\":\"a,b\",\"tier\":\"C\",\"n \\\"num\\\"\":-2,\"d\":0.00,\"k\":\"has,comma\","
    "\"reason\":\"rest\"},\n"
    "{\"id\":\"say \\\"hi\\\"\",\"tier\":\"C\",\"n \\\"num\\\"\":null,\"d\":2.50,"
    "\"k\":\"q\\\"uote\",\"reason\":\"rest\"},\n"
    "{\"id\":\" sp \",\"tier\":\"C\",\"n \\\"num\\\"\":0.1,\"d\":null,\"k\":null,"
    "\"reason\":\"rest\"},\n"
    "{\"id\":\"tab\\u0009here\",\"tier\":\"C\",\"n \\\"num\\\"\":1e-7,"
    "\"d\":100000000000000000000.00,\"k\":\"x\",\"reason\":\"rest\"},\n"
    "{\"id\":\"line\\u000abr\",\"tier\":\"S\",\"n \\\"num\\\"\":123456789012,\"d\":-7.13,"
    "\"k\":\"x\",\"reason\":\"big\"},\n"
    "{\"id\":\"c7\",\"tier\":\"C\",\"n \\\"num\\\"\":0.30000000000000004,\"d\":0.13,"
    "\"k\":\"has,comma\",\"reason\":\"rest\"}\n"
    "]\n";

/* A write of the seven customers that must give exactly `want` (in `calls` callback calls when
 * non-zero). */
typedef struct write_case {
    const char *columns;
    int format;
    const char *want;
    int calls;
} write_case;

static void test_write(void **state)
{
    const write_case *c = *state;
    wfix f;
    tst_sink s;
    memset(&s, 0, sizeof s);
    wfix_init(&f);
    assert_int_equal(tier_result_write(f.result, f.book, c->columns, c->format, tst_sink_write, &s),
                     TIER_OK);
    assert_string_equal(s.data, c->want);
    if (c->calls)
        assert_int_equal(s.calls, c->calls);
    tst_sink_reset(&s);
    wfix_free(&f);
}

/* Small output: one chunk. */
static const write_case writes_exact_csv = {W_COLUMNS, TIER_OUTPUT_CSV, w_csv, 1};
static const write_case writes_exact_json = {W_COLUMNS, TIER_OUTPUT_JSON, w_json, 0};
static const write_case write_formats_decimals_half_away_from_zero = {
    "d0=t.d:0,d1=t.d:1,d4=t.d:4,n9=t.n:9", TIER_OUTPUT_CSV,
    "d0,d1,d4,n9\n"
    "12,12.3,12.3450,3.000000000\n"
    "0,0.0,-0.0010,-2.000000000\n"
    "3,2.5,2.5000,\n"
    ",,,0.100000000\n"
    "100000000000000000000,100000000000000000000.0,100000000000000000000.0000,0.000000100\n"
    "-7,-7.1,-7.1250,123456789012.000000000\n"
    "0,0.1,0.1250,0.300000000\n",
    0};

#define WRITE(name) TST_CASE("test_result_" #name, test_write, &name)

static void test_result_write_rejects_bad_column_lists(void **state)
{
    /* Each column list, the status it gets and what the message names (NULL: not checked). */
    static const struct {
        const char *columns, *says;
        int rc;
    } bad[] = {
        {"customer_id,t.nope", "t.nope", TIER_ENOTFOUND},
        /* The default columns need the rfm and pareto models, which this run did not have. */
        {NULL, "rfm.r", TIER_ENOTFOUND},
        {"tier,,reason", NULL, TIER_EINVAL},
        {"=tier", NULL, TIER_EINVAL},
        {"tier,tier", "twice", TIER_EINVAL},
        {"t.k:2", NULL, TIER_EINVAL},
        {"t.n:10", NULL, TIER_EINVAL},
        {"x=\xff", NULL, TIER_EINVAL},
        {"x= ", "empty source in column item 'x= '", TIER_EINVAL},
        {"t.n:", "unknown output column 't.n:'", TIER_ENOTFOUND},
        {"t.n:1a", "unknown output column 't.n:1a'", TIER_ENOTFOUND},
        {"tier:2", "decimals given for 'tier', which is not a number column", TIER_EINVAL},
        {"ent.sla", "unknown output column 'ent.sla'", TIER_ENOTFOUND},
    };
    char long_name[1100];
    size_t i;
    wfix f;
    tst_sink s;
    tier_result *empty = NULL;
    (void)state;
    memset(&s, 0, sizeof s);
    wfix_init(&f);
    for (i = 0; i < TST_COUNT(bad); i++) {
        int rc = tier_result_write(f.result, f.book, bad[i].columns, TIER_OUTPUT_CSV,
                                   tst_sink_write, &s);
        if (rc != bad[i].rc)
            fail_msg("columns \"%s\": %s, want %s", bad[i].columns ? bad[i].columns : "(default)",
                     tier_strerror(rc), tier_strerror(bad[i].rc));
        if (bad[i].says)
            assert_non_null(strstr(tier_result_last_error(f.result), bad[i].says));
    }
    memset(long_name, 'c', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(
        tier_result_write(f.result, f.book, long_name, TIER_OUTPUT_CSV, tst_sink_write, &s),
        TIER_ENOTFOUND);
    assert_non_null(strstr(tier_result_last_error(f.result), "column name too long: 'ccc"));
    {
        /* The ids come from the book of the run: another book is refused. */
        tier_book *other = NULL;
        assert_int_equal(tier_book_new(&other, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_book_add_customer(other, "x", 1, NULL), TIER_OK);
        assert_int_equal(
            tier_result_write(f.result, other, "customer_id", TIER_OUTPUT_CSV, tst_sink_write, &s),
            TIER_EINVAL);
        assert_non_null(strstr(tier_result_last_error(f.result), "but the result has 7"));
        tier_book_free(other);
    }
    assert_int_equal(tier_result_write(f.result, f.book, "tier", 3, tst_sink_write, &s),
                     TIER_EINVAL);
    assert_int_equal(tier_result_write(f.result, f.book, "tier", TIER_OUTPUT_CSV, NULL, &s),
                     TIER_EINVAL);
    assert_int_equal(
        tier_result_write(f.result, NULL, "customer_id", TIER_OUTPUT_CSV, tst_sink_write, &s),
        TIER_EINVAL);
    assert_int_equal(s.calls, 0);
    /* Without the book, columns that do not need it still write. */
    assert_int_equal(tier_result_write(f.result, NULL, "tier", TIER_OUTPUT_CSV, tst_sink_write, &s),
                     TIER_OK);
    assert_string_equal(s.data, "tier\nC\nC\nC\nC\nC\nS\nC\n");
    assert_int_equal(tier_result_new(&empty, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_write(empty, f.book, "tier", TIER_OUTPUT_CSV, tst_sink_write, &s),
                     TIER_ESTATE);
    assert_int_equal(tier_result_write(NULL, f.book, "tier", TIER_OUTPUT_CSV, tst_sink_write, &s),
                     TIER_EINVAL);
    tier_result_free(empty);
    tst_sink_reset(&s);
    wfix_free(&f);
}

/* The accessors with a NULL result, an index out of range or before any run, and the
 * entitlement lookup's every refusal with its message. */
static void test_result_accessors_refuse_bad_arguments(void **state)
{
    static const char text[] =
        "libtier-policy 1\n"
        "model t = fixed\n"
        "entitlement sla number\n"
        "entitlement cover text\n"
        "tier S {\n    rule \"big\" when t.n >= 100\n    entitle sla = 4\n}\n"
        "tier C {\n    rule \"mid\" when t.n >= 2\n}\n";
    wfix f;
    tier_policy *p = NULL;
    tier_value *v = NULL;
    size_t customers = 99;
    (void)state;
    wfix_init(&f);
    assert_string_equal(tier_result_reason(NULL, 0), "");
    assert_string_equal(tier_result_flags(NULL, 0), "");
    assert_string_equal(tier_result_route(NULL, 0), "");
    assert_string_equal(tier_result_reason(f.result, 7), "");
    assert_string_equal(tier_result_flags(f.result, 0), ""); /* a policy without flags */
    assert_string_equal(tier_result_route(f.result, 0), "");
    assert_int_equal(tier_result_notice_count(NULL), 0);
    assert_null(tier_result_notice(f.result, 0));
    assert_int_equal(tier_result_summary(NULL, 0, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_result_summary(f.result, 2, &customers, NULL), TIER_ERANGE);
    assert_string_equal(tier_result_last_error(f.result), "no tier 2 (the result has 2)");
    assert_int_equal(customers, 99);
    assert_int_equal(tier_result_summary(f.result, 0, &customers, NULL), TIER_OK);
    assert_int_equal(customers, 1);
    /* As-of days. */
    assert_int_equal(tier_result_set_as_of(NULL, 1), TIER_EINVAL);
    assert_int_equal(tier_result_set_as_of(f.result, 1.5), TIER_ERANGE);
    assert_non_null(strstr(tier_result_last_error(f.result), "as-of day 1.5 is not a whole day"));
    assert_int_equal(tier_result_set_as_of(f.result, 1e12), TIER_ERANGE);
    assert_int_equal(tier_result_set_as_of(f.result, INFINITY), TIER_ERANGE);
    assert_int_equal(tier_result_set_as_of(f.result, NAN), TIER_OK);
    assert_string_equal(tier_result_last_error(f.result), "");
    /* Entitlements. */
    assert_int_equal(tier_value_new(&v, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_entitlement(NULL, 0, "sla", v), TIER_EINVAL);
    assert_int_equal(tier_result_entitlement(f.result, 0, NULL, v), TIER_EINVAL);
    assert_string_equal(tier_result_last_error(f.result), "entitlement: the key is NULL");
    assert_int_equal(tier_result_entitlement(f.result, 0, "sla", NULL), TIER_EINVAL);
    assert_string_equal(tier_result_last_error(f.result), "entitlement: the value is NULL");
    assert_int_equal(tier_result_entitlement(f.result, 0, "sla", v), TIER_ENOTFOUND);
    assert_string_equal(tier_result_last_error(f.result),
                        "no entitlement 'sla' in the policy of the run");
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(p, text, sizeof text - 1, "e.policy"), TIER_OK);
    assert_int_equal(tier_result_run(f.result, f.book, &f.model, 1, p), TIER_OK);
    assert_int_equal(tier_result_entitlement(f.result, 7, "sla", v), TIER_ERANGE);
    assert_string_equal(tier_result_last_error(f.result), "no customer 7 (the result has 7)");
    /* C1 (3) is in C, which sets nothing; a,b (-2) has no tier; line\nbr (123456789012) is S. */
    assert_int_equal(tier_result_entitlement(f.result, 0, "sla", v), TIER_ENOTFOUND);
    assert_string_equal(tier_result_last_error(f.result),
                        "customer 0 has no value for entitlement 'sla' (its tier does not set it)");
    assert_int_equal(tier_result_entitlement(f.result, 1, "sla", v), TIER_ENOTFOUND);
    assert_string_equal(tier_result_last_error(f.result),
                        "customer 1 has no value for entitlement 'sla' (no tier)");
    assert_int_equal(tier_result_entitlement(f.result, 5, "cover", v), TIER_ENOTFOUND);
    assert_int_equal(tier_result_entitlement(f.result, 5, "sla", v), TIER_OK);
    assert_true(tier_value_number(v) == 4);
    assert_string_equal(tier_result_reason(f.result, 1), "");
    tier_value_free(v);
    tier_policy_free(p);
    {
        tier_result *fresh = NULL;
        tier_value *w = NULL;
        assert_int_equal(tier_result_new(&fresh, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_value_new(&w, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_result_entitlement(fresh, 0, "sla", w), TIER_ESTATE);
        assert_string_equal(tier_result_last_error(fresh),
                            "no entitlements: the result has not been run");
        assert_string_equal(tier_result_reason(fresh, 0), "");
        assert_int_equal(tier_result_notice_count(fresh), 0);
        tier_value_free(w);
        tier_result_free(fresh);
    }
    wfix_free(&f);
}

static void test_result_write_stops_when_the_callback_says_so(void **state)
{
    wfix f;
    tst_sink s;
    (void)state;
    memset(&s, 0, sizeof s);
    s.stop_at = 1;
    wfix_init(&f);
    assert_int_equal(
        tier_result_write(f.result, f.book, W_COLUMNS, TIER_OUTPUT_JSON, tst_sink_write, &s),
        TIER_EUSER);
    assert_int_equal(s.calls, 1);
    assert_non_null(strstr(tier_result_last_error(f.result), "callback"));
    tst_sink_reset(&s);
    wfix_free(&f);
}

/* Many customers: output in chunks of at most 256 KiB, stopped early when asked. */
static void test_result_write_hands_large_output_over_in_chunks(void **state)
{
    enum { N = 30000 };
    double *x = test_malloc(N * sizeof *x);
    tier_book *book = NULL;
    run1 r;
    tst_sink s;
    size_t i, lines = 0;
    (void)state;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    for (i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "C%07zu", i);
        assert_int_equal(tier_book_add_customer(book, id, strlen(id), NULL), TIER_OK);
        x[i] = (double)(i % 2) + (double)i / 4.0;
    }
    run1_init(&r, book, x, 0.5);
    assert_int_equal(tier_result_run(r.res, book, &r.m, 1, r.p), TIER_OK);
    memset(&s, 0, sizeof s);
    assert_int_equal(tier_result_write(r.res, book, "customer_id,t.x,x3=t.x:3,tier,reason",
                                       TIER_OUTPUT_CSV, tst_sink_write, &s),
                     TIER_OK);
    assert_true(s.calls > 1);
    assert_true(s.max_chunk >= 64 * 1024 && s.max_chunk <= 256 * 1024);
    for (i = 0; i < s.len; i++)
        lines += s.data[i] == '\n';
    assert_int_equal(lines, N + 1);
    assert_non_null(strstr(s.data, "\nC0000003,1.75,1.750,S,big\n"));
    assert_non_null(strstr(s.data, "\nC0000000,0,0.000,C,rest\n"));
    tst_sink_reset(&s);
    s.stop_at = 2;
    assert_int_equal(
        tier_result_write(r.res, book, "customer_id,t.x", TIER_OUTPUT_JSON, tst_sink_write, &s),
        TIER_EUSER);
    assert_int_equal(s.calls, 2);
    tst_sink_reset(&s);
    run1_free(&r);
    test_free(x);
}

static void test_result_write_of_no_customers_is_header_only(void **state)
{
    tier_book *book = NULL;
    tier_result *res = NULL;
    tier_policy *p = NULL;
    tst_sink s;
    (void)state;
    memset(&s, 0, sizeof s);
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "only", NULL), TIER_OK);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(res, book, NULL, 0, p), TIER_OK);
    assert_int_equal(tier_result_customer_count(res), 0);
    assert_int_equal(
        tier_result_write(res, book, "customer_id,tier", TIER_OUTPUT_CSV, tst_sink_write, &s),
        TIER_OK);
    assert_string_equal(s.data, "customer_id,tier\n");
    tst_sink_reset(&s);
    assert_int_equal(
        tier_result_write(res, book, "customer_id,tier", TIER_OUTPUT_JSON, tst_sink_write, &s),
        TIER_OK);
    assert_string_equal(s.data, "[\n]\n");
    tst_sink_reset(&s);
    tier_result_free(res);
    tier_policy_free(p);
    tier_book_free(book);
}

/* ---- saving through an in-memory, fault-injecting I/O layer -------------------------------- */

static void test_result_save_replaces_the_file_through_the_io_layer(void **state)
{
    wfix f;
    tst_memfs fs;
    tier_io io;
    tst_memfile *out;
    (void)state;
    io = memfs_open(&fs);
    wfix_init(&f);
    tst_memfs_put(&fs, "out.csv", "old\n", 4);
    assert_int_equal(tier_result_save(f.result, f.book, W_COLUMNS, TIER_OUTPUT_CSV, "out.csv", &io),
                     TIER_OK);
    assert_string_equal(fs.written_name, "out.csv.tmp");
    out = tst_memfs_find(&fs, "out.csv");
    assert_non_null(out);
    assert_string_equal(out->data, w_csv);
    assert_int_equal(tst_memfs_count(&fs), 1);
    assert_int_equal(fs.opens, fs.closes);
    tst_memfs_clear(&fs);
    wfix_free(&f);
}

static void test_result_save_leaves_a_temporary_name_in_use_alone(void **state)
{
    wfix f;
    tst_memfs fs;
    tier_io io;
    (void)state;
    io = memfs_open(&fs);
    wfix_init(&f);
    tst_memfs_put(&fs, "out.json.tmp", "another save\n", 13);
    assert_int_equal(
        tier_result_save(f.result, f.book, W_COLUMNS, TIER_OUTPUT_JSON, "out.json", &io), TIER_OK);
    assert_string_equal(fs.written_name, "out.json.tmp-1");
    assert_string_equal(tst_memfs_find(&fs, "out.json")->data, w_json);
    assert_string_equal(tst_memfs_find(&fs, "out.json.tmp")->data, "another save\n");
    assert_int_equal(tst_memfs_count(&fs), 2);
    assert_int_equal(fs.opens, fs.closes);
    tst_memfs_clear(&fs);
    wfix_free(&f);
}

static void test_result_save_failure_keeps_the_old_file_and_no_temporary(void **state)
{
    static const char *const steps[] = {"create", "write", "sync", "close", "rename"};
    size_t k;
    wfix f;
    (void)state;
    wfix_init(&f);
    for (k = 0; k < 5; k++) {
        tst_memfs fs;
        tier_io io;
        io = memfs_open(&fs);
        tst_memfs_put(&fs, "dir/out.csv", "old\n", 4);
        fs.fail_open_write = k == 0;
        fs.fail_write = k == 1;
        fs.fail_sync = k == 2;
        fs.fail_close = k == 3;
        fs.fail_rename = k == 4;
        assert_int_equal(
            tier_result_save(f.result, f.book, W_COLUMNS, TIER_OUTPUT_CSV, "dir/out.csv", &io),
            TIER_EIO);
        assert_non_null(strstr(tier_result_last_error(f.result), steps[k]));
        assert_non_null(strstr(tier_result_last_error(f.result), "dir/out.csv"));
        assert_string_equal(tst_memfs_find(&fs, "dir/out.csv")->data, "old\n");
        assert_int_equal(tst_memfs_count(&fs), 1);
        assert_int_equal(fs.opens, fs.closes);
        tst_memfs_clear(&fs);
    }
    /* A bad column list fails before any file is touched. */
    {
        tst_memfs fs;
        tier_io io;
        io = memfs_open(&fs);
        assert_int_equal(
            tier_result_save(f.result, f.book, "nope", TIER_OUTPUT_CSV, "out.csv", &io),
            TIER_ENOTFOUND);
        assert_int_equal(tst_memfs_count(&fs), 0);
        assert_int_equal(tier_result_save(f.result, f.book, "tier", TIER_OUTPUT_CSV, "", &io),
                         TIER_EINVAL);
        io.rename = NULL;
        assert_int_equal(tier_result_save(f.result, f.book, "tier", TIER_OUTPUT_CSV, "x", &io),
                         TIER_EINVAL);
        tst_memfs_clear(&fs);
    }
    wfix_free(&f);
}

/* The save is the library's one atomic write: with a version-3 table the directory is synced
 * after the rename, so a completed save survives a crash that drops everything not synced; with a
 * version-2 table (no sync_dir) the rename may be lost, never half of the file. */
static void test_result_save_syncs_the_directory_after_the_rename(void **state)
{
    wfix f;
    int version;
    (void)state;
    wfix_init(&f);
    for (version = 2; version <= 3; version++) {
        tst_faultfs fs;
        tier_io io;
        const unsigned char *got;
        size_t len;
        tst_faultfs_init(&fs);
        fs.version = version;
        io = tst_faultfs_io(&fs);
        tst_faultfs_put(&fs, "out/tiers.csv", "old\n", 4);
        assert_int_equal(
            tier_result_save(f.result, f.book, W_COLUMNS, TIER_OUTPUT_CSV, "out/tiers.csv", &io),
            TIER_OK);
        assert_int_equal(fs.sync_dirs, version == 3);
        assert_int_equal(fs.open_fds, 0);
        assert_int_equal(tst_faultfs_count(&fs), 1);
        tst_faultfs_crash(&fs, TST_CRASH_DROP);
        got = tst_faultfs_get(&fs, "out/tiers.csv", &len);
        assert_non_null(got);
        if (version == 3) {
            assert_int_equal(len, strlen(w_csv));
            assert_memory_equal(got, w_csv, len);
        } else {
            assert_int_equal(len, 4);
        }
        tst_faultfs_clear(&fs);
    }
    wfix_free(&f);
}

static void test_result_save_with_the_default_io_writes_a_real_file(void **state)
{
    char dir[] = "/tmp/tier-result-XXXXXX";
    char path[64];
    wfix f;
    tst_sink s;
    char *got;
    size_t len;
    DIR *d;
    struct dirent *e;
    int entries = 0;
    (void)state;
    memset(&s, 0, sizeof s);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/out.json", dir);
    wfix_init(&f);
    assert_int_equal(tier_result_save(f.result, f.book, W_COLUMNS, TIER_OUTPUT_JSON, path, NULL),
                     TIER_OK);
    got = tst_read_file(path, &len);
    assert_int_equal(len, strlen(w_json));
    assert_string_equal(got, w_json);
    test_free(got);
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            entries++;
    closedir(d);
    assert_int_equal(entries, 1);
    /* A directory that does not exist: EIO, nothing left behind. */
    snprintf(path, sizeof path, "%s/missing/out.csv", dir);
    assert_int_equal(tier_result_save(f.result, f.book, "tier", TIER_OUTPUT_CSV, path, NULL),
                     TIER_EIO);
    assert_non_null(strstr(tier_result_last_error(f.result), "No such file"));
    snprintf(path, sizeof path, "%s/out.json", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    wfix_free(&f);
}

/* ---- out of memory -------------------------------------------------------------------------- */

static int discard_cb(void *ud, const char *data, size_t len)
{
    (void)data;
    *(size_t *)ud += len;
    return 0;
}

static int oom_pipeline(const tier_allocator *alloc, void *ud)
{
    static const double x[] = {150, 1, NAN};
    static const char *const labels[] = {"p", "q"};
    static const int32_t codes[] = {0, 1, -1};
    tst_column outs[2];
    tst_fixed s;
    tier_book *book = NULL;
    tier_model *m = NULL;
    tier_policy *p = NULL;
    tier_result *res = NULL;
    size_t bytes = 0, t, r;
    int rc;
    (void)ud;
    outs[0] = tst_number_column("x", x);
    outs[1] = tst_label_column("k", labels, 2, codes);
    tst_fixed_init(&s, outs, 2);
    if ((rc = tier_book_new(&book, alloc)) != 0)
        return rc;
    if ((rc = tier_book_add_txn(book, "a", 1, 10, 5, NAN)) ||
        (rc = tier_book_add_txn(book, "b", 1, 11, 7, NAN)) ||
        (rc = tier_book_add_txn(book, "c", 1, 12, 9, NAN)) ||
        (rc = tier_book_set_text(book, 1, "region", "north")))
        goto out;
    m = tst_fixed_model("t", &s, 1, alloc);
    if (!m) {
        rc = TIER_ENOMEM;
        goto out;
    }
    if ((rc = tier_policy_new(&p, alloc)) || (rc = tier_policy_add_tier(p, "S", &t)) ||
        (rc = tier_policy_add_rule(p, t, "big", &r)) ||
        (rc = tier_policy_where_number(p, r, "t.x", TIER_OP_GE, 100)) ||
        (rc = tier_policy_add_rule(p, t, "north", &r)) ||
        (rc = tier_policy_where_label(p, r, "attr.region", TIER_OP_EQ, "north")) ||
        (rc = tier_policy_where_label(p, r, "t.k", TIER_OP_NE, "p")) ||
        (rc = tier_policy_add_tier(p, "C", &t)) || (rc = tier_policy_add_rule(p, t, "rest", &r)))
        goto out;
    if ((rc = tier_result_new(&res, alloc)) != 0)
        goto out;
    rc = tier_result_run(res, book, &m, 1, p);
    if (rc) {
        assert_null(tier_result_frame(res));
        goto out;
    }
    assert_string_equal(tier_result_reason(res, 1), "north");
    {
        const tier_frame *before = tier_result_frame(res);
        rc = tier_result_run(res, book, &m, 1, p);
        if (rc) {
            assert_ptr_equal(tier_result_frame(res), before);
            assert_string_equal(tier_result_reason(res, 1), "north");
            goto out;
        }
    }
    rc = tier_result_write(res, book, "customer_id,tier,x=t.x:2,t.k,reason", TIER_OUTPUT_JSON,
                           discard_cb, &bytes);
    if (!rc)
        assert_true(bytes > 0);
out:
    tier_result_free(res);
    tier_policy_free(p);
    tier_model_free(m);
    tier_book_free(book);
    return rc;
}

/* ---- end to end with the built-in models ---------------------------------------------------- */

static void test_result_default_policy_on_cdnow_sample_end_to_end(void **state)
{
    tier_book *book = tst_cdnow_book(TST_ALLOC, 0);
    tier_model *models[2] = {NULL, NULL};
    tier_policy *p = NULL;
    tier_result *res = NULL;
    const tier_frame *frame;
    size_t n = tier_book_customer_count(book), i, t, total = 0, col_class, col_r, col_f;
    size_t pareto_a = 0, s_count = 0;
    double revenue = 0, book_net = 0;
    tst_sink s;
    (void)state;
    assert_true(n > 2000);
    assert_int_equal(tier_rfm_new(&models[0], NULL, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pareto_new(&models[1], NULL, TST_ALLOC), TIER_OK);
    /* The 0.1 default, kept as the built-in pareto-sabc. */
    assert_int_equal(tier_policy_new_builtin(&p, "pareto-sabc", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(res, book, models, 2, p), TIER_OK);
    frame = tier_result_frame(res);
    assert_int_equal(tier_result_customer_count(res), n);
    assert_int_equal(tier_frame_find(frame, "pareto.class", &col_class), TIER_OK);
    assert_int_equal(tier_frame_find(frame, "rfm.r_score", &col_r), TIER_OK);
    assert_int_equal(tier_frame_find(frame, "rfm.f_score", &col_f), TIER_OK);
    for (i = 0; i < n; i++) {
        int32_t code = tier_frame_labels(frame, col_class)[i];
        const char *cls = code >= 0 ? tier_frame_label_text(frame, col_class, code) : "";
        double r = tier_frame_numbers(frame, col_r)[i], f = tier_frame_numbers(frame, col_f)[i];
        const char *want_tier, *want_reason;
        double net;
        int got = tier_result_tier(res, i);
        /* The policy recomputed by hand from the model outputs. */
        if (strcmp(cls, "A") == 0) {
            want_tier = "S";
            want_reason = "pareto class A (top revenue share)";
        } else if (strcmp(cls, "B") == 0 && r >= 3 && f >= 3) {
            want_tier = "A";
            want_reason = "pareto class B, engaged (r_score>=3, f_score>=3)";
        } else if (strcmp(cls, "B") == 0) {
            want_tier = "B";
            want_reason = "pareto class B, low engagement";
        } else {
            want_tier = "C";
            want_reason = "rest (pareto class C or no purchases)";
        }
        assert_true(got >= 0);
        assert_string_equal(tier_result_tier_name(res, (size_t)got), want_tier);
        assert_string_equal(tier_result_reason(res, i), want_reason);
        pareto_a += strcmp(cls, "A") == 0;
        s_count += strcmp(want_tier, "S") == 0;
        assert_int_equal(tier_book_customer_stat(book, i, TIER_BOOK_STAT_NET_AMOUNT, &net),
                         TIER_OK);
        book_net += net;
    }
    assert_true(pareto_a > 0);
    assert_int_equal(s_count, pareto_a);
    for (t = 0; t < tier_result_tier_count(res); t++) {
        size_t c;
        double v;
        assert_int_equal(tier_result_summary(res, t, &c, &v), TIER_OK);
        assert_true(c > 0);
        total += c;
        revenue += v;
    }
    assert_int_equal(total, n);
    assert_true(fabs(revenue - book_net) < 1e-6 * fabs(book_net));
    assert_int_equal(tier_result_summary(res, 0, &total, NULL), TIER_OK);
    assert_int_equal(total, pareto_a);
    /* The default columns all exist after the built-in models ran. */
    memset(&s, 0, sizeof s);
    assert_int_equal(tier_result_write(res, book, NULL, TIER_OUTPUT_CSV, tst_sink_write, &s),
                     TIER_OK);
    {
        static const char head[] = "customer_id,tier,r,f,m,tenure,r_score,f_score,m_score,segment,"
                                   "value_class,pareto_class,reason\n";
        assert_memory_equal(s.data, head, sizeof head - 1);
    }
    tst_sink_reset(&s);
    tier_result_free(res);
    tier_policy_free(p);
    tier_model_free(models[0]);
    tier_model_free(models[1]);
    tier_book_free(book);
}

TST_MAIN(cmocka_unit_test(test_result_accessors_refuse_bad_arguments),

         cmocka_unit_test(test_result_fits_unfitted_models_on_earlier_columns_then_scores),
         cmocka_unit_test(test_result_summary_counts_customers_and_exact_net_revenue),
         cmocka_unit_test(test_result_summary_is_exact_without_kept_transactions_out_of_order),
         cmocka_unit_test(test_result_failed_run_names_the_model_and_keeps_the_previous_result),
         WRITE(writes_exact_csv), WRITE(writes_exact_json),
         WRITE(write_formats_decimals_half_away_from_zero),
         cmocka_unit_test(test_result_write_rejects_bad_column_lists),
         cmocka_unit_test(test_result_write_stops_when_the_callback_says_so),
         cmocka_unit_test(test_result_write_hands_large_output_over_in_chunks),
         cmocka_unit_test(test_result_write_of_no_customers_is_header_only),
         cmocka_unit_test(test_result_save_replaces_the_file_through_the_io_layer),
         cmocka_unit_test(test_result_save_leaves_a_temporary_name_in_use_alone),
         cmocka_unit_test(test_result_save_failure_keeps_the_old_file_and_no_temporary),
         cmocka_unit_test(test_result_save_syncs_the_directory_after_the_rename),
         cmocka_unit_test(test_result_save_with_the_default_io_writes_a_real_file),
         TST_OOM_WALK(test_result_survives_every_allocation_failure, oom_pipeline, NULL, 20),
         cmocka_unit_test(test_result_default_policy_on_cdnow_sample_end_to_end))
