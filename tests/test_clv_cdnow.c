/* SPDX-License-Identifier: MIT */
/* The clv numerical core on the CDNOW data: the published figures (Fader, Hardie & Lee 2005; listed
 * in docs/clv.md, "Reproducing the published figures") with standard errors from an independent
 * route, the calibration/holdout summaries against a direct count, and fits on the sample's
 * summaries (merged rows, starts and restarts). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "models/clv/clv_numeric.h"
#include "util/internal.h"

/* ---- reading CDNOW ------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a YYYYMMDD number (civil-from-days inverse, proleptic Gregorian). */
static int32_t ymd_days(long v)
{
    long y = v / 10000, m = (v / 100) % 100, d = v % 100, era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

typedef struct cd_row {
    long id;
    int32_t day;
    double amount;
} cd_row;

/* By customer, then by day. */
static int cmp_cd_row(const void *pa, const void *pb)
{
    const cd_row *a = pa, *b = pb;
    if (a->id != b->id)
        return (a->id > b->id) - (a->id < b->id);
    return (a->day > b->day) - (a->day < b->day);
}

/* Reads a CDNOW log (sample: 5 columns, no header; master: 4 columns after a header line),
 * sorted by customer (the sample's customer number is its sample_id) and day. */
static cd_row *read_cdnow(const char *name, int sample, size_t *out_n)
{
    size_t len, n = 0, cap = 1024;
    char *text = tst_read_file(tst_data_path(name), &len), *p = text, *end;
    cd_row *rows = test_malloc(cap * sizeof *rows);
    if (!sample)
        p = strchr(p, '\n') + 1;
    for (;;) {
        long id, date;
        double amount;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (!*p)
            break;
        id = strtol(p, &end, 10);
        p = end;
        if (sample) /* the papers number the sample's customers by sample_id (file order) */
            id = strtol(p, &p, 10);
        date = strtol(p, &p, 10);
        (void)strtol(p, &p, 10); /* number of CDs */
        amount = strtod(p, &end);
        assert_true(end != p);
        p = end;
        if (n == cap) {
            cap *= 2;
            rows = test_realloc(rows, cap * sizeof *rows);
        }
        rows[n].id = id;
        rows[n].day = ymd_days(date);
        rows[n].amount = amount;
        n++;
    }
    test_free(text);
    qsort(rows, n, sizeof *rows, cmp_cd_row);
    *out_n = n;
    return rows;
}

/* Calibration ends on 1997-09-30 (inclusive), holdout on 1998-06-30; time in weeks. */
static tier__clv_obs *cdnow_summaries(const char *name, int sample, size_t *out_n, double **holdout)
{
    size_t n, i = 0, nc = 0;
    cd_row *rows = read_cdnow(name, sample, &n);
    tier__clv_obs *obs = test_malloc(n * sizeof *obs);
    int32_t *days = test_malloc(n * sizeof *days);
    double *amounts = test_malloc(n * sizeof *amounts);
    double *hold = test_malloc(n * sizeof *hold);
    while (i < n) {
        size_t j = i, k = 0;
        int rc;
        while (j < n && rows[j].id == rows[i].id) {
            if (k && days[k - 1] == rows[j].day) {
                amounts[k - 1] += rows[j].amount; /* one transaction per customer and day */
            } else {
                days[k] = rows[j].day;
                amounts[k] = rows[j].amount;
                k++;
            }
            j++;
        }
        rc = tier__clv_summarise(&obs[nc], &hold[nc], days, amounts, k, ymd_days(19970930),
                                 ymd_days(19980630), 7.0);
        assert_int_equal(rc, TIER_OK); /* every customer's first purchase is in Q1 1997 */
        nc++;
        i = j;
    }
    test_free(rows);
    test_free(days);
    test_free(amounts);
    if (holdout)
        *holdout = hold;
    else
        test_free(hold);
    *out_n = nc;
    return obs;
}

/* Rounds to 3 significant digits, the precision of the published parameters. */
static double sig3(double v)
{
    double e = floor(log10(fabs(v))) - 2.0, s = pow(10.0, e);
    return floor(v / s + 0.5) * s;
}

/* The fit converged to the published parameters (to their 3 significant digits). */
static void expect_published(const tier__clv_fit_result *f, const double *published, size_t n)
{
    size_t i;
    assert_true(f->converged);
    for (i = 0; i < n; i++)
        if (!(fabs(sig3(f->param[i]) - published[i]) <= 1e-12))
            fail_msg("parameter %lu = %.12g, published %.3g", (unsigned long)i, f->param[i],
                     published[i]);
}

/* ---- the published CDNOW figures --------------------------------------------------------------
 */

/* Standard errors from an independent route: second differences of the LL in natural
 * parameters (relative step 1e-4) and a Gauss-Jordan inverse of the information. */
static void check_standard_errors(int kind, const tier__clv_fit_result *f, const tier__clv_obs *o,
                                  size_t n)
{
    const size_t np = f->n_params;
    double I[4][8], q[4], ll0, v[4];
    size_t i, j, k, c;
    const double h = 1e-4;
    assert_int_equal(tier__clv_loglik(&ll0, NULL, kind, f->param, o, n), TIER_OK);
    for (i = 0; i < np; i++) {
        for (j = 0; j < np; j++) {
            const double si[4] = {1, 1, -1, -1}, sj[4] = {1, -1, 1, -1};
            double hi = h * f->param[i], hj = h * f->param[j];
            for (k = 0; k < 4; k++) {
                memcpy(q, f->param, np * sizeof q[0]);
                q[i] += si[k] * hi;
                q[j] += sj[k] * hj;
                assert_int_equal(tier__clv_loglik(&v[k], NULL, kind, q, o, n), TIER_OK);
            }
            I[i][j] = -(v[0] - v[1] - v[2] + v[3]) / (4.0 * hi * hj);
            I[i][np + j] = i == j ? 1.0 : 0.0;
        }
    }
    for (c = 0; c < np; c++) { /* the information is positive definite: no pivoting needed */
        double piv = I[c][c];
        assert_true(piv > 0.0);
        for (j = 0; j < 2 * np; j++)
            I[c][j] /= piv;
        for (i = 0; i < np; i++) {
            double m = I[i][c];
            if (i == c)
                continue;
            for (j = 0; j < 2 * np; j++)
                I[i][j] -= m * I[c][j];
        }
    }
    assert_true(f->se_ok);
    for (i = 0; i < np; i++)
        tst_assert_rel(f->se[i], sqrt(I[i][np + i]), 2e-3);
}

static void test_cdnow_sample_summaries_follow_the_papers_convention(void **state)
{
    size_t n, i, repeaters = 0;
    tier__clv_obs *obs = cdnow_summaries("CDNOW_sample.txt", 1, &n, NULL);
    (void)state;
    assert_int_equal(n, 2357);
    for (i = 0; i < n; i++)
        repeaters += obs[i].x > 0.0;
    assert_int_equal(repeaters, 946);
    /* customer 4: 1997-01-01, 01-18, 08-02 -> x = 2, t_x = 213/7 = 30.43, T = 272/7 = 38.86 */
    tst_assert_abs(obs[0].x, 2.0, 0.0);
    tst_assert_rel(obs[0].t_x, 213.0 / 7.0, 1e-15);
    tst_assert_rel(obs[0].T, 272.0 / 7.0, 1e-15);
    tst_assert_rel(obs[0].m, (29.73 + 14.96) / 2.0, 1e-14);
    test_free(obs);
}

/* A published fit of the sample's summaries: the model, its published parameters (3 significant
 * digits) and log-likelihood (NaN: none published), the customers it must use (-1: not checked),
 * whether the fit is given an error buffer (callers may pass none) and what else to check. */
typedef struct published_fit {
    int kind;
    double published[4];
    size_t np;
    double loglik;
    long n_used;
    int error_buffer;
    void (*also)(const tier__clv_fit_result *f, const tier__clv_obs *obs);
} published_fit;

static void test_published_fit(void **state)
{
    const published_fit *c = *state;
    size_t n;
    tier__clv_obs *obs = cdnow_summaries("CDNOW_sample.txt", 1, &n, NULL);
    tier_allocator a = tst_internal_allocator(NULL);
    tier__clv_fit_result f;
    char err[TIER__ERR_SIZE] = "";
    assert_int_equal(tier__clv_fit(&f, c->kind, obs, n, NULL, &a, c->error_buffer ? err : NULL),
                     TIER_OK);
    expect_published(&f, c->published, c->np);
    if (!isnan(c->loglik))
        tst_assert_abs(f.loglik, c->loglik, 0.05);
    check_standard_errors(c->kind, &f, obs, n);
    if (c->n_used >= 0)
        assert_int_equal((long)f.n_used, c->n_used);
    if (c->also)
        c->also(&f, obs);
    test_free(obs);
}

/* BG/NBD: the conditional expectation over the next 39 weeks for x = 2, t_x = 30.43, T = 38.86,
 * and P(alive) by hand: 1 / (1 + a/(b+x-1) ((al+T)/(al+t_x))^(r+x)). */
static void bgnbd_predictions(const tier__clv_fit_result *f, const tier__clv_obs *obs)
{
    double e, pa, want;
    (void)obs;
    assert_int_equal(tier__clv_expected(&e, TIER__CLV_BGNBD, f->param, 39.0, 2.0, 30.43, 38.86),
                     TIER_OK);
    tst_assert_abs(e, 1.226, 0.0005);
    want = 1.0 / (1.0 + f->param[2] / (f->param[3] + 1.0) *
                            pow((f->param[1] + 38.86) / (f->param[1] + 30.43), f->param[0] + 2.0));
    assert_int_equal(tier__clv_p_alive(&pa, TIER__CLV_BGNBD, f->param, 2.0, 30.43, 38.86), TIER_OK);
    tst_assert_rel(pa, want, 1e-13);
}

/* Gamma-gamma: no customer excluded, q to 4 digits and the first ten customers' expected spend. */
static void gamma_gamma_spend(const tier__clv_fit_result *f, const tier__clv_obs *obs)
{
    const double want[10] = {24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17};
    size_t i;
    assert_int_equal((int)f->n_excluded, 0);
    tst_assert_abs(f->param[2], 15.44, 0.005);
    for (i = 0; i < 10; i++) {
        double e;
        assert_int_equal(tier__clv_expected_spend(&e, f->param, obs[i].x, obs[i].m), TIER_OK);
        tst_assert_abs(e, want[i], 0.005);
    }
}

static const published_fit published_bgnbd = {
    TIER__CLV_BGNBD, {0.243, 4.41, 0.793, 2.43}, 4, -9582.4, 2357, 1, bgnbd_predictions};
static const published_fit published_pareto = {
    TIER__CLV_PARETO_NBD, {0.553, 10.6, 0.606, 11.7}, 4, -9595.0, -1, 0, NULL};
static const published_fit published_gamma_gamma = {
    TIER__CLV_GAMMA_GAMMA, {6.25, 3.74, 15.4}, 3, NAN, 946, 0, gamma_gamma_spend};

/* Independent count: customers whose calibration repeat days (same-day amounts summed) are worth
 * $0 in total, i.e. a mean repeat spend of exactly 0. */
static void test_cdnow_master_zero_spend_repeaters_are_excluded_and_counted(void **state)
{
    size_t n, i = 0, zero = 0, repeaters = 0, nc;
    cd_row *rows = read_cdnow("CDNOW_master.txt", 0, &n);
    const int32_t cal_end = ymd_days(19970930);
    tier__clv_obs *obs;
    tier_allocator a = tst_internal_allocator(NULL);
    tier__clv_fit_result f;
    (void)state;
    while (i < n) {
        size_t j = i;
        double sum = 0.0;
        int x = 0;
        while (j < n && rows[j].id == rows[i].id) {
            if (rows[j].day != rows[i].day && rows[j].day <= cal_end) {
                sum += rows[j].amount;
                if (rows[j].day != rows[j - 1].day)
                    x++;
            }
            j++;
        }
        repeaters += x > 0;
        zero += x > 0 && sum == 0.0;
        i = j;
    }
    test_free(rows);
    assert_true(zero > 0);
    obs = cdnow_summaries("CDNOW_master.txt", 0, &nc, NULL);
    assert_int_equal(nc, 23570);
    assert_int_equal(tier__clv_fit(&f, TIER__CLV_GAMMA_GAMMA, obs, nc, NULL, &a, NULL), TIER_OK);
    assert_int_equal((size_t)f.n_excluded, zero);
    assert_int_equal((size_t)f.n_used, repeaters - zero);
    assert_true(isfinite(f.loglik) && f.converged);
    /* the excluded customers still get a finite expected spend (m = 0 is allowed there) */
    for (i = 0; i < nc; i++) {
        if (obs[i].x > 0.0 && obs[i].m == 0.0) {
            double e;
            assert_int_equal(tier__clv_expected_spend(&e, f.param, obs[i].x, obs[i].m), TIER_OK);
            assert_true(isfinite(e) && e > 0.0);
        }
    }
    assert_int_equal(tier__clv_fit(&f, TIER__CLV_BGNBD, obs, nc, NULL, &a, NULL), TIER_OK);
    assert_true(f.converged && f.n_distinct < nc);
    test_free(obs);
}

/* ---- fits on the sample's summaries -------------------------------------------------------- */

static void test_fit_merges_identical_rows_into_weights(void **state)
{
    size_t n, i, kind;
    tier__clv_obs *obs = cdnow_summaries("CDNOW_sample.txt", 1, &n, NULL);
    tier__clv_obs *twice = test_malloc(2 * n * sizeof *twice);
    tier_allocator a = tst_internal_allocator(NULL);
    tier__clv_fit_result f1, f2;
    (void)state;
    for (i = 0; i < n; i++) {
        twice[i] = obs[i];
        twice[n + i] = obs[n - 1 - i];
    }
    for (i = 0; i < n; i++)
        obs[i].w = 2.0;
    for (kind = 1; kind <= 3; kind += 2) {
        assert_int_equal(tier__clv_fit(&f1, (int)kind, obs, n, NULL, &a, NULL), TIER_OK);
        assert_int_equal(tier__clv_fit(&f2, (int)kind, twice, 2 * n, NULL, &a, NULL), TIER_OK);
        assert_true(f1.n_distinct == f2.n_distinct && f1.n_used == f2.n_used);
        for (i = 0; i < f1.n_params; i++)
            tst_assert_rel(f1.param[i], f2.param[i], 1e-6);
        tst_assert_rel(f1.loglik, f2.loglik, 1e-10);
    }
    test_free(obs);
    test_free(twice);
}

static void test_fit_with_a_start_and_one_restart_still_converges(void **state)
{
    size_t n;
    tier__clv_obs *obs = cdnow_summaries("CDNOW_sample.txt", 1, &n, NULL);
    tier_allocator a = tst_internal_allocator(NULL);
    tier__clv_fit_result f;
    tier__clv_options o;
    const double start[4] = {5.0, 0.1, 5.0, 0.1};
    (void)state;
    tier__clv_options_init(&o);
    o.has_start = 1;
    o.restarts = 0;
    memcpy(o.start, start, sizeof start);
    assert_int_equal(tier__clv_fit(&f, TIER__CLV_BGNBD, obs, n, &o, &a, NULL), TIER_OK);
    assert_int_equal(f.starts, 1);
    tst_assert_abs(f.loglik, -9582.43, 0.01);
    /* one iteration is not enough: reported, with the best point so far */
    o.max_iter = 1;
    assert_int_equal(tier__clv_fit(&f, TIER__CLV_BGNBD, obs, n, &o, &a, NULL), TIER_ECONVERGE);
    assert_false(f.converged);
    assert_true(f.grad_norm > o.gtol && isfinite(f.loglik));
    test_free(obs);
}

/* ---- bucket sums: any order, any split ----------------------------------------------------- */

static void assert_same_fit(const tier__clv_fit_result *f, const tier__clv_fit_result *g)
{
    assert_memory_equal(f->param, g->param, sizeof f->param);
    assert_memory_equal(f->se, g->se, sizeof f->se);
    assert_memory_equal(&f->loglik, &g->loglik, sizeof f->loglik);
    assert_memory_equal(&f->grad_norm, &g->grad_norm, sizeof f->grad_norm);
    assert_true(f->iterations == g->iterations && f->evaluations == g->evaluations &&
                f->starts == g->starts && f->se_ok == g->se_ok && f->n_used == g->n_used &&
                f->n_excluded == g->n_excluded && f->n_distinct == g->n_distinct &&
                f->converged == g->converged);
}

/* A fit's sums go through its canonical distinct rows: the rows in another order, or a row of
 * weight 1 given as two rows of weight 0.5, give the same fit bit for bit. */
static void test_fit_does_not_depend_on_the_rows_order(void **state)
{
    size_t n, i;
    tier__clv_obs *obs = cdnow_summaries("CDNOW_sample.txt", 1, &n, NULL);
    tier__clv_obs *rev = test_malloc(2 * n * sizeof *rev);
    tier_allocator a = tst_internal_allocator(NULL);
    int kind;
    (void)state;
    for (i = 0; i < n; i++)
        rev[i] = obs[n - 1 - i];
    for (i = 0; i < n; i++) { /* the first ten rows twice with half the weight */
        rev[n + i] = rev[i];
        if (i < 10)
            rev[i].w = rev[n + i].w = 0.5;
        else
            rev[n + i].w = 0.0;
    }
    for (kind = 1; kind <= 3; kind++) {
        tier__clv_fit_result f, g;
        assert_int_equal(tier__clv_fit(&f, kind, obs, n, NULL, &a, NULL), TIER_OK);
        assert_int_equal(tier__clv_fit(&g, kind, rev, 2 * n, NULL, &a, NULL), TIER_OK);
        assert_same_fit(&f, &g);
    }
    test_free(obs);
    test_free(rev);
}

/* Groups of whole buckets: group k holds the distinct rows of the buckets b with b % groups == k,
 * gathered from every part of the customers and merged (the shuffle of a distributed fit). */
typedef struct split_fit {
    tier__clv_obs *rows[7];
    unsigned char *bucket[7];
    size_t n[7], groups;
    int calls;
} split_fit;

/* The totals of the groups' bucket partials: each bucket's from the one group that has it. */
static int split_sums(void *ctx, int kind, const double *p, int want_grad, double *tot)
{
    split_fit *sf = ctx;
    tier__clv_sums *all = test_calloc(1, sizeof *all), *part = test_malloc(sizeof *part);
    size_t k, i;
    int rc = TIER_OK;
    sf->calls++;
    for (k = 0; k < sf->groups && rc == TIER_OK; k++) {
        memset(part, 0, sizeof *part);
        rc = tier__clv_loglik_sums(part, want_grad, kind, p, sf->rows[k], sf->bucket[k], sf->n[k]);
        for (i = 0; i < sf->n[k]; i++) {
            assert_int_equal(sf->bucket[k][i] % sf->groups, k);
            memcpy(all->s[sf->bucket[k][i]], part->s[sf->bucket[k][i]], sizeof all->s[0]);
        }
    }
    if (rc == TIER_OK)
        tier__clv_bucket_totals(tot, &all->s[0][0], TIER__CLV_SUMS);
    test_free(all);
    test_free(part);
    return rc;
}

/* The master file's customers dealt to 1, 3 and 7 parts by a hash of their index; each part
 * prepares its own rows (as a whole fit does), the rows go to groups of whole buckets (merged
 * again there), and the fit from the groups' bucket partials is the whole fit bit for bit
 * (parameters, standard errors, log-likelihood, iterations, evaluations), for BG/NBD, Pareto/NBD
 * and Gamma-Gamma. */
static void test_fit_from_the_bucket_partials_of_groups_is_the_whole_fit(void **state)
{
    static const size_t splits[3] = {1, 3, 7};
    size_t n, i, s, k, g;
    tier__clv_obs *obs = cdnow_summaries("CDNOW_master.txt", 0, &n, NULL);
    tier__clv_obs *part = test_malloc(n * sizeof *part), *gathered = test_malloc(n * sizeof *part);
    tier__clv_moments *mo = test_malloc(sizeof *mo);
    tier_allocator a = tst_internal_allocator(NULL);
    int kind;
    (void)state;
    for (kind = 1; kind <= 3; kind++) {
        tier__clv_fit_result whole, dist;
        assert_int_equal(tier__clv_fit(&whole, kind, obs, n, NULL, &a, NULL), TIER_OK);
        for (s = 0; s < 3; s++) {
            split_fit sf;
            size_t ng[7] = {0};
            double excluded = 0.0, tot[TIER__CLV_MO_COUNT], distinct = 0.0;
            memset(&sf, 0, sizeof sf);
            sf.groups = splits[s];
            for (g = 0; g < sf.groups; g++) /* every group gathers from every part */
                for (k = 0; k < sf.groups; k++) {
                    tier__clv_obs *rows;
                    unsigned char *bucket;
                    size_t m = 0, r;
                    double ex;
                    for (i = 0; i < n; i++) /* a customer's part: a hash of its index */
                        if ((i * 2654435761u + 7u) % sf.groups == k)
                            part[m++] = obs[i];
                    assert_int_equal(
                        tier__clv_fit_rows(&rows, &bucket, &m, &ex, kind, part, m, &a, NULL),
                        TIER_OK);
                    if (g == 0)
                        excluded += ex;
                    for (r = 0; r < m; r++)
                        if (bucket[r] % sf.groups == g)
                            gathered[ng[g]++] = rows[r];
                    tier__free(&a, rows);
                    tier__free(&a, bucket);
                    if (k + 1 == sf.groups) {
                        double none;
                        assert_int_equal(tier__clv_fit_rows(&sf.rows[g], &sf.bucket[g], &sf.n[g],
                                                            &none, kind, gathered, ng[g], &a, NULL),
                                         TIER_OK);
                        distinct += (double)sf.n[g];
                    }
                }
            memset(mo, 0, sizeof *mo);
            for (g = 0; g < sf.groups; g++)
                tier__clv_moments_add(mo, sf.rows[g], sf.bucket[g], sf.n[g]);
            tier__clv_bucket_totals(tot, &mo->s[0][0], TIER__CLV_MO_COUNT);
            assert_true(distinct == (double)whole.n_distinct);
            assert_int_equal(tier__clv_fit_sums(&dist, kind, tot, excluded, (size_t)distinct,
                                                split_sums, &sf, NULL, NULL),
                             TIER_OK);
            assert_int_equal(sf.calls, whole.evaluations + (int)(1 + 2 * whole.n_params));
            assert_true(dist.converged);
            assert_same_fit(&dist, &whole);
            for (g = 0; g < sf.groups; g++) {
                tier__free(&a, sf.rows[g]);
                tier__free(&a, sf.bucket[g]);
            }
        }
    }
    test_free(mo);
    test_free(gathered);
    test_free(part);
    test_free(obs);
}

/* ---- calibration / holdout ----------------------------------------------------------------- */

static void test_cdnow_sample_holdout_counts_match_a_direct_count(void **state)
{
    size_t n, nc, i = 0, c = 0;
    cd_row *rows = read_cdnow("CDNOW_sample.txt", 1, &n);
    double *hold;
    tier__clv_obs *obs = cdnow_summaries("CDNOW_sample.txt", 1, &nc, &hold);
    const int32_t cal_end = ymd_days(19970930), hold_end = ymd_days(19980630);
    double total = 0.0, want_total = 0.0;
    (void)state;
    while (i < n) {
        size_t j = i;
        int h = 0;
        while (j < n && rows[j].id == rows[i].id) {
            if (rows[j].day > cal_end && rows[j].day <= hold_end && rows[j].day != rows[j - 1].day)
                h++;
            j++;
        }
        tst_assert_abs(hold[c], (double)h, 0.0);
        want_total += h;
        total += hold[c];
        c++;
        i = j;
    }
    assert_int_equal(c, nc);
    tst_assert_abs(total, want_total, 0.0);
    assert_true(total > 0.0);
    test_free(rows);
    test_free(hold);
    test_free(obs);
}
TST_MAIN(cmocka_unit_test(test_cdnow_sample_summaries_follow_the_papers_convention),
         TST_CASE("test_cdnow_sample_reproduces_published_bgnbd_fit", test_published_fit,
                  &published_bgnbd),
         TST_CASE("test_cdnow_sample_reproduces_published_pareto_fit", test_published_fit,
                  &published_pareto),
         TST_CASE("test_cdnow_sample_reproduces_published_gamma_gamma_fit", test_published_fit,
                  &published_gamma_gamma),
         cmocka_unit_test(test_cdnow_master_zero_spend_repeaters_are_excluded_and_counted),
         cmocka_unit_test(test_fit_merges_identical_rows_into_weights),
         cmocka_unit_test(test_fit_with_a_start_and_one_restart_still_converges),
         cmocka_unit_test(test_fit_does_not_depend_on_the_rows_order),
         cmocka_unit_test(test_fit_from_the_bucket_partials_of_groups_is_the_whole_fit),
         cmocka_unit_test(test_cdnow_sample_holdout_counts_match_a_direct_count))
