/* SPDX-License-Identifier: MIT */
/* The threading promise (docs/index.md, "Threading"): distinct handles on distinct threads need no
 * locking, and fitted models and built policies may be shared read-only. Eight threads each read
 * the CDNOW sample into a book of their own (with a few contracts added), fit a model of every
 * kind of their own (rfm, pareto, clv, needs, scorecard, lifecycle, subscription, sbg, and an
 * sBG handle), score with the SHARED fitted models, tier with the SHARED policy, write the result,
 * save it to a file and save their models' states; every output must be the same bytes as a run
 * on one thread. The CI step `tsan`
 * runs this program built with ThreadSanitizer (-DTIER_TSAN=ON), which fails it on any data race
 * in the library; the suite runs it without TSan.
 *
 * The workers use the default allocator (cmocka's test_malloc is not thread-safe) and report a
 * status and a message instead of asserting: only the main thread calls cmocka. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

#define THREADS 8

/* What one worker shares (read-only) and what it makes. */
typedef struct shared {
    const char *csv; /* the CDNOW sample's bytes */
    size_t csv_len;
    tier_model *const *models; /* rfm and pareto, fitted on the main thread */
    const tier_policy *policy; /* pareto-sabc */
    const char *dir;           /* where the workers save their files */
} shared;

typedef struct worker {
    const shared *sh;
    int index;
    int rc;                  /* the first failing status, or TIER_OK */
    char why[600];           /* what failed */
    tier_frame *scores;      /* the shared models' scores of this worker's book */
    tier_frame *own_scores;  /* its own models' scores */
    tier_text *output;       /* the result as CSV */
    tier_text *state;        /* this worker's own fitted models, saved, and its sBG figures */
    tier_text *saved;        /* the file tier_result_save wrote, read back */
    tier_text *shared_reads; /* the shared models' and policy's read-only answers */
    size_t customers;
} worker;

static int to_text(void *ud, const char *data, size_t len)
{
    return tier_text_append(ud, data, len);
}

static int worker_fail(worker *w, int rc, const char *what, const char *detail)
{
    w->rc = rc;
    snprintf(w->why, sizeof w->why, "%s: %s", what, detail ? detail : tier_strerror(rc));
    return rc;
}

/* Reads a whole file into a text (default allocator). */
static int read_back(const char *path, tier_text *into)
{
    char buf[4096];
    size_t n;
    int rc = TIER_OK;
    FILE *f = fopen(path, "rb");
    if (!f)
        return TIER_EIO;
    while (rc == TIER_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
        rc = tier_text_append(into, buf, n);
    fclose(f);
    return rc;
}

/* Contracts for the first 60 customers: chains of renewed 60-day contracts; those of one or two
 * contracts end cancelled, the long ones (six or five) are still open, so that retention rises
 * with tenure as the sBG model needs. */
static int add_contracts(tier_book *book)
{
    const int32_t first = tst_day(1997, 1, 1);
    size_t i, k;
    for (i = 0; i < 60; i++) {
        static const size_t chains[4] = {1, 2, 6, 5};
        size_t len = 0, chain = chains[i % 4];
        int cancels = i % 4 < 2;
        const char *id = tier_book_customer_id(book, i, &len);
        tier_contract c;
        int rc;
        memset(&c, 0, sizeof c);
        c.start_day = first + (int32_t)i;
        c.amount = 10 + (double)i;
        c.period = TIER_CONTRACT_MONTHLY;
        for (k = 0; k < chain; k++) {
            int last = k + 1 == chain;
            c.end_day = last && !cancels ? TIER_CONTRACT_OPEN : c.start_day + 60;
            c.status = !last     ? TIER_CONTRACT_RENEWED
                       : cancels ? TIER_CONTRACT_CANCELLED
                                 : TIER_CONTRACT_ACTIVE;
            if ((rc = tier_book_add_contract(book, id, len, &c, 0)) != TIER_OK)
                return rc;
            c.start_day += 60;
        }
    }
    return TIER_OK;
}

#define OWN_MODELS 8

/* The worker's own models, one of every kind, made (not fitted) into m[0..OWN_MODELS). */
static int make_own(tier_model **m)
{
    int rc;
    size_t f;
    static const char *const needs_features[] = {"rfm.r", "rfm.f", "rfm.m"};
    if ((rc = tier_rfm_new(&m[0], NULL, NULL)) != 0 || (rc = tier_pareto_new(&m[1], NULL, NULL)) ||
        (rc = tier_clv_new(&m[2], NULL, NULL)) || (rc = tier_needs_new(&m[3], NULL, NULL)) ||
        (rc = tier_scorecard_new(&m[4], NULL, NULL)) ||
        (rc = tier_lifecycle_new(&m[5], NULL, NULL)) ||
        (rc = tier_subscription_new(&m[6], NULL, NULL)) ||
        (rc = tier_model_new_kind(&m[7], NULL, "sbg", NULL, NULL)))
        return rc;
    /* The sBG kind fits on the subscription model's renewals and churned columns. */
    if ((rc = tier_model_set_text(m[7], "renewals", "subscription.renewals")) != 0 ||
        (rc = tier_model_set_text(m[7], "churned", "subscription.churned")) != 0)
        return rc;
    for (f = 0; f < 3; f++)
        if ((rc = tier_needs_add_feature(m[3], needs_features[f])) != 0)
            return rc;
    if ((rc = tier_model_set_number(m[3], "k", 3)) != 0 ||
        (rc = tier_scorecard_add_factor(
             m[4], "spend", "rfm.m", 50, TIER_SCORECARD_EXPLICIT, TIER_SCORECARD_NORM_PERCENTILE,
             TIER_SCORECARD_HIGHER_IS_BETTER, TIER_SCORECARD_MISSING_REWEIGHT, NULL)) != 0 ||
        (rc = tier_scorecard_add_factor(
             m[4], "orders", "rfm.f", 30, TIER_SCORECARD_EXPLICIT, TIER_SCORECARD_NORM_PERCENTILE,
             TIER_SCORECARD_HIGHER_IS_BETTER, TIER_SCORECARD_MISSING_REWEIGHT, NULL)) != 0)
        return rc;
    return tier_scorecard_add_factor(m[4], "recency", "rfm.r", 20, TIER_SCORECARD_GROWTH,
                                     TIER_SCORECARD_NORM_MINMAX, TIER_SCORECARD_LOWER_IS_BETTER,
                                     TIER_SCORECARD_MISSING_REWEIGHT, NULL);
}

/* Fits and scores the worker's own models in order (each on the columns of those before it)
 * into w->own_scores and saves their states, then fits an sBG handle of its own. */
static int fit_own(worker *w, const tier_book *book)
{
    static const double cohort[] = {1000, 869, 743, 653, 593, 551, 517, 491};
    const double *cohorts[1] = {cohort};
    const size_t lengths[1] = {sizeof cohort / sizeof cohort[0]};
    tier_model *m[OWN_MODELS] = {NULL};
    tier_sbg *sbg = NULL;
    char line[128];
    double alpha, beta;
    size_t k;
    int rc = make_own(m);
    if (rc != 0) {
        worker_fail(w, rc, "making its own models", NULL);
        goto done;
    }
    if ((rc = tier_frame_new(&w->own_scores, w->customers, NULL)) != 0) {
        worker_fail(w, rc, "making its own frame", NULL);
        goto done;
    }
    for (k = 0; k < OWN_MODELS; k++) {
        if ((rc = tier_model_fit(m[k], book, w->own_scores)) != 0 ||
            (rc = tier_model_score(m[k], book, w->own_scores)) != 0 ||
            (rc = tier_model_save(m[k], w->state)) != 0) {
            worker_fail(w, rc, tier_model_name(m[k]),
                        tier_model_last_error(m[k])[0] ? tier_model_last_error(m[k])
                                                       : tier_frame_last_error(w->own_scores));
            goto done;
        }
    }
    if ((rc = tier_sbg_new(&sbg, NULL)) != 0 ||
        (rc = tier_sbg_fit(sbg, cohorts, lengths, 1)) != 0 ||
        (rc = tier_sbg_params(sbg, &alpha, &beta)) != 0) {
        worker_fail(w, rc, "fitting its sBG", sbg ? tier_sbg_last_error(sbg) : NULL);
        goto done;
    }
    snprintf(line, sizeof line, "sbg %.17g %.17g\n", alpha, beta);
    rc = tier_text_append(w->state, line, strlen(line));
done:
    for (k = 0; k < OWN_MODELS; k++)
        tier_model_free(m[k]);
    tier_sbg_free(sbg);
    return rc;
}

/* One whole run on the worker's own handles and the shared model and policy. */
static int run(worker *w)
{
    const shared *sh = w->sh;
    tier_book *book = NULL;
    tier_csv *csv = NULL;
    tier_result *result = NULL;
    char path[512];
    size_t m;
    int rc;
    if ((rc = tier_book_new(&book, NULL)) != 0 || (rc = tier_csv_new(&csv, NULL)) != 0 ||
        (rc = tier_result_new(&result, NULL)) != 0 || (rc = tier_text_new(&w->output, NULL)) != 0 ||
        (rc = tier_text_new(&w->state, NULL)) != 0 || (rc = tier_text_new(&w->saved, NULL)) != 0 ||
        (rc = tier_text_new(&w->shared_reads, NULL)) != 0) {
        worker_fail(w, rc, "making the handles", NULL);
        goto done;
    }
    /* Ingest. */
    if ((rc = tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE)) != 0 ||
        (rc = tier_csv_set_header(csv, 0)) != 0 ||
        (rc = tier_csv_set_column_names(csv, "customer_id,sample,date,cds,amount")) != 0 ||
        (rc = tier_csv_read_buffer(csv, book, sh->csv, sh->csv_len)) != 0) {
        worker_fail(w, rc, "reading", tier_csv_last_error(csv));
        goto done;
    }
    if ((rc = add_contracts(book)) != 0) {
        worker_fail(w, rc, "adding contracts", tier_book_last_error(book));
        goto done;
    }
    w->customers = tier_book_customer_count(book);
    /* Fit a model of every kind of its own and save their states. */
    if ((rc = fit_own(w, book)) != 0)
        goto done;
    /* Score with the shared fitted models. */
    if ((rc = tier_frame_new(&w->scores, w->customers, NULL)) != 0) {
        worker_fail(w, rc, "making the frame", NULL);
        goto done;
    }
    for (m = 0; m < 2; m++) {
        if ((rc = tier_model_score(sh->models[m], book, w->scores)) != 0) {
            worker_fail(w, rc, "scoring with a shared model", tier_frame_last_error(w->scores));
            goto done;
        }
    }
    /* Read-only calls on the shared handles: an explanation, an option, the policy's text. */
    if ((rc = tier_model_explain(sh->models[0], book, w->scores, 0, w->shared_reads)) != 0 ||
        (rc = tier_model_get_option(sh->models[0], "bins", w->shared_reads)) != 0 ||
        (rc = tier_policy_describe(sh->policy, w->shared_reads)) != 0) {
        worker_fail(w, rc, "reading the shared handles", tier_model_last_error(sh->models[0]));
        goto done;
    }
    /* Tier with the shared policy (the fitted models are not fitted again), write and save. */
    if ((rc = tier_result_run(result, book, sh->models, 2, sh->policy)) != 0) {
        worker_fail(w, rc, "tiering", tier_result_last_error(result));
        goto done;
    }
    if ((rc = tier_result_write(result, book, NULL, TIER_OUTPUT_CSV, to_text, w->output)) != 0) {
        worker_fail(w, rc, "writing", tier_result_last_error(result));
        goto done;
    }
    snprintf(path, sizeof path, "%s/tiers-%d.csv", sh->dir, w->index);
    if ((rc = tier_result_save(result, book, NULL, TIER_OUTPUT_CSV, path, NULL)) != 0) {
        worker_fail(w, rc, "saving", tier_result_last_error(result));
        goto done;
    }
    if ((rc = read_back(path, w->saved)) != 0)
        worker_fail(w, rc, "reading the saved file back", path);
    remove(path);
done:
    tier_result_free(result);
    tier_csv_free(csv);
    tier_book_free(book);
    return rc;
}

static void *thread_main(void *arg)
{
    run(arg);
    return NULL;
}

static void worker_free(worker *w)
{
    tier_frame_free(w->scores);
    tier_frame_free(w->own_scores);
    tier_text_free(w->output);
    tier_text_free(w->state);
    tier_text_free(w->saved);
    tier_text_free(w->shared_reads);
}

static void expect_same_text(const tier_text *got, const tier_text *want, int thread,
                             const char *what)
{
    if (tier_text_length(got) != tier_text_length(want) ||
        memcmp(tier_text_data(got), tier_text_data(want), tier_text_length(want)) != 0)
        fail_msg("thread %d: %s differs from the one-thread run (%zu bytes, want %zu)", thread,
                 what, tier_text_length(got), tier_text_length(want));
}

static void test_eight_threads_share_fitted_models_and_a_policy(void **state)
{
    shared sh;
    worker ref, ws[THREADS];
    pthread_t tid[THREADS];
    tier_model *models[2] = {NULL, NULL};
    tier_policy *policy = NULL;
    tier_book *book;
    char dir[] = "/tmp/tier-threads-XXXXXX";
    char *csv;
    size_t len;
    int i;
    (void)state;
    csv = tst_read_file(tst_data_path("CDNOW_sample.txt"), &len);
    assert_non_null(mkdtemp(dir));
    /* The shared models, fitted once, and the shared policy. */
    book = tst_cdnow_book(NULL, 0);
    assert_int_equal(tier_rfm_new(&models[0], NULL, NULL), TIER_OK);
    assert_int_equal(tier_pareto_new(&models[1], NULL, NULL), TIER_OK);
    tst_fit(models[0], book, NULL);
    tst_fit(models[1], book, NULL);
    assert_int_equal(tier_policy_new_builtin(&policy, "pareto-sabc", NULL), TIER_OK);
    sh.csv = csv;
    sh.csv_len = len;
    sh.models = models;
    sh.policy = policy;
    sh.dir = dir;
    /* The one-thread run. */
    memset(&ref, 0, sizeof ref);
    ref.sh = &sh;
    ref.index = THREADS;
    if (run(&ref) != TIER_OK)
        fail_msg("the one-thread run failed: %s", ref.why);
    assert_int_equal(ref.customers, 2357);
    {
        /* Every kind scored its columns into the worker's own frame. */
        static const char *const cols[] = {"rfm.r_score",      "pareto.class",    "clv.clv",
                                           "needs.segment",    "scorecard.score", "lifecycle.stage",
                                           "subscription.mrr", "sbg.clv"};
        size_t c, col;
        for (c = 0; c < TST_COUNT(cols); c++)
            if (tier_frame_find(ref.own_scores, cols[c], &col) != TIER_OK)
                fail_msg("its own frame has no column %s", cols[c]);
        assert_non_null(strstr(tier_text_data(ref.state), "sbg "));
    }
    assert_true(tier_text_length(ref.output) > 2357 * 10);
    /* Eight threads at once. */
    memset(ws, 0, sizeof ws);
    for (i = 0; i < THREADS; i++) {
        ws[i].sh = &sh;
        ws[i].index = i;
        assert_int_equal(pthread_create(&tid[i], NULL, thread_main, &ws[i]), 0);
    }
    for (i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(tid[i], NULL), 0);
    for (i = 0; i < THREADS; i++) {
        if (ws[i].rc != TIER_OK)
            fail_msg("thread %d failed: %s", i, ws[i].why);
        assert_int_equal(ws[i].customers, ref.customers);
        tst_assert_identical_frames(ws[i].scores, ref.scores);
        tst_assert_identical_frames(ws[i].own_scores, ref.own_scores);
        expect_same_text(ws[i].output, ref.output, i, "the result's CSV");
        expect_same_text(ws[i].saved, ref.output, i, "the saved file");
        expect_same_text(ws[i].state, ref.state, i, "its own models' states");
        expect_same_text(ws[i].shared_reads, ref.shared_reads, i, "the shared handles' answers");
        worker_free(&ws[i]);
    }
    worker_free(&ref);
    assert_int_equal(rmdir(dir), 0);
    tier_policy_free(policy);
    tst_release(NULL, models[0], book);
    tier_model_free(models[1]);
    test_free(csv);
}

TST_MAIN(cmocka_unit_test(test_eight_threads_share_fitted_models_and_a_policy))
