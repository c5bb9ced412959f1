/* SPDX-License-Identifier: MIT */
/* In-memory benchmarks through the C API (docs/performance.md: W2 and the model part of W3).
 *
 *   inmem w2 FILE RUNS [THREADS]
 *                            the W1 log handed over as arrays (ids, days, amounts), then RFM +
 *                            Pareto + the default policy; the CSV is parsed before timing starts;
 *                            the book keeps the transactions (the default policy's 12-month
 *                            window needs them) and has an executor of THREADS threads
 *                            (default 2; 1: none)
 *   inmem models N RUNS      scorecard (the B2B default) and needs (16 features, k = 8) fitted
 *                            and scored on N customers with synthetic attributes
 *   inmem rescore N CALLS    incremental re-tiering: rfm, clv, the B2B scorecard, needs and
 *                            lifecycle fitted and scored on N customers; then CALLS times one
 *                            new invoice for a random customer and tier_model_score_row of each
 *                            model for that customer (the median of each model, and of the five);
 *                            with "noclv" after CALLS without clv (whose fit takes minutes)
 *
 * Prints one line per measurement: "label|median seconds|peak MiB". */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tier.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* CPU seconds of every thread of the process so far. */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* CPU seconds of the calling thread so far: with the other threads' tasks running at once, close
 * to the wall time the phase would take on an idle machine (its serial part plus its own share
 * of the tasks), which a loaded machine's wall clock no longer shows. */
static double thread_cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double peak_mib(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_maxrss / 1024.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of column j of the runs' three timings. */
static double median(double (*t)[3], int runs, int j)
{
    double *v = malloc((size_t)runs * sizeof *v), m;
    int k;
    for (k = 0; k < runs; k++)
        v[k] = t[k][j];
    qsort(v, (size_t)runs, sizeof *v, cmp_double);
    m = runs % 2 ? v[runs / 2] : (v[runs / 2 - 1] + v[runs / 2]) / 2;
    free(v);
    return m;
}

/* One run's three timings. */
static void timed(double *row, double a, double b, double c)
{
    row[0] = a;
    row[1] = b;
    row[2] = c;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "inmem: %s: %s\n", what, why);
    exit(1);
}

/* ---- W2 ----------------------------------------------------------------------------------- */

typedef struct columns {
    char *ids;
    size_t *offsets;
    int32_t *days;
    double *amounts;
    size_t n;
} columns;

static void read_log(const char *path, columns *c)
{
    FILE *f = fopen(path, "rb");
    char line[256];
    size_t cap = 1 << 20, idcap = 8 << 20, idlen = 0;
    if (!f)
        die(path, "cannot open");
    c->n = 0;
    c->ids = malloc(idcap);
    c->offsets = malloc((cap + 1) * sizeof *c->offsets);
    c->days = malloc(cap * sizeof *c->days);
    c->amounts = malloc(cap * sizeof *c->amounts);
    if (!fgets(line, sizeof line, f))
        die(path, "empty");
    c->offsets[0] = 0;
    while (fgets(line, sizeof line, f)) {
        char *d = strchr(line, ','), *a = d ? strchr(d + 1, ',') : NULL;
        size_t l;
        if (!a)
            die(path, "not a W1 log");
        if (c->n == cap) {
            cap *= 2;
            c->offsets = realloc(c->offsets, (cap + 1) * sizeof *c->offsets);
            c->days = realloc(c->days, cap * sizeof *c->days);
            c->amounts = realloc(c->amounts, cap * sizeof *c->amounts);
        }
        l = (size_t)(d - line);
        if (idlen + l > idcap) {
            idcap *= 2;
            c->ids = realloc(c->ids, idcap);
        }
        memcpy(c->ids + idlen, line, l);
        idlen += l;
        c->offsets[c->n + 1] = idlen;
        if (tier_date_parse(&c->days[c->n], d + 1, (size_t)(a - d - 1), TIER_DATE_ISO) != TIER_OK)
            die(path, "bad date");
        c->amounts[c->n] = strtod(a + 1, NULL);
        c->n++;
    }
    fclose(f);
}

/* A thread per started task, as the `tier` command lends them. */
typedef struct job {
    pthread_t thread;
    tier_task_cb task;
    void *arg;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->task(j->arg);
    return NULL;
}

static int job_start(void *ud, tier_task_cb task, void *arg, void **out)
{
    job *j = malloc(sizeof *j);
    (void)ud;
    if (!j)
        return 1;
    j->task = task;
    j->arg = arg;
    if (pthread_create(&j->thread, NULL, run_job, j) != 0) {
        free(j);
        return 1;
    }
    *out = j;
    return 0;
}

static void job_wait(void *ud, void *handle)
{
    job *j = handle;
    (void)ud;
    pthread_join(j->thread, NULL);
    free(j);
}

static void bench_w2(const char *path, int runs, unsigned threads)
{
    tier_executor ex = {TIER_EXECUTOR_VERSION, job_start, job_wait, NULL, 0};
    columns c;
    double(*t)[3] = malloc((size_t)runs * sizeof *t);     /* load, run, total */
    double(*cpu)[3] = malloc((size_t)runs * sizeof *cpu); /* CPU seconds of load and run */
    double(*own)[3] = malloc((size_t)runs * sizeof *own); /* the calling thread's */
    int k;
    read_log(path, &c);
    for (k = 0; k < runs; k++) {
        tier_book *book = NULL;
        tier_model *models[2] = {NULL, NULL};
        tier_policy *policy = NULL;
        tier_result *result = NULL;
        double t0 = now(), t1, t2, c0 = cpu_now(), c1, c2, o0 = thread_cpu_now(), o1, o2;
        ex.threads = threads;
        if (tier_book_new(&book, NULL) || tier_book_set_executor(book, threads > 1 ? &ex : NULL) ||
            tier_book_add_txns(book, c.n, c.ids, c.offsets, c.days, c.amounts, NULL))
            die("add_txns", tier_book_last_error(book));
        t1 = now();
        c1 = cpu_now();
        o1 = thread_cpu_now();
        if (tier_rfm_new(&models[0], NULL, NULL) || tier_pareto_new(&models[1], NULL, NULL) ||
            tier_policy_new_builtin(&policy, NULL, NULL) || tier_result_new(&result, NULL))
            die("setup", "out of memory");
        if (tier_result_run(result, book, models, 2, policy))
            die("run", tier_result_last_error(result));
        t2 = now();
        c2 = cpu_now();
        o2 = thread_cpu_now();
        timed(t[k], t1 - t0, t2 - t1, t2 - t0);
        timed(cpu[k], c1 - c0, c2 - c1, c2 - c0);
        timed(own[k], o1 - o0, o2 - o1, o2 - o0);
        tier_result_free(result);
        tier_policy_free(policy);
        tier_model_free(models[0]);
        tier_model_free(models[1]);
        tier_book_free(book);
    }
    printf("W2 in-memory, %zu tx: add_txns|%.3f|%.0f\n", c.n, median(t, runs, 0), peak_mib());
    printf("W2 in-memory, %zu tx: RFM + Pareto + policy|%.3f|%.0f\n", c.n, median(t, runs, 1),
           peak_mib());
    printf("W2 in-memory, %zu tx: total|%.3f|%.0f\n", c.n, median(t, runs, 2), peak_mib());
    /* CPU seconds of every thread: what a loaded machine still measures fairly. */
    printf("W2 in-memory, %zu tx: add_txns, CPU s of all threads|%.3f|%.0f\n", c.n,
           median(cpu, runs, 0), peak_mib());
    printf("W2 in-memory, %zu tx: RFM + Pareto + policy, CPU s of all threads|%.3f|%.0f\n", c.n,
           median(cpu, runs, 1), peak_mib());
    /* The calling thread's CPU seconds: the wall time on an idle machine, roughly. */
    printf("W2 in-memory, %zu tx: add_txns, CPU s of the calling thread|%.3f|%.0f\n", c.n,
           median(own, runs, 0), peak_mib());
    printf("W2 in-memory, %zu tx: RFM + Pareto + policy, CPU s of the calling thread|%.3f|%.0f\n",
           c.n, median(own, runs, 1), peak_mib());
    printf("W2 in-memory, %zu tx: total, CPU s of the calling thread|%.3f|%.0f\n", c.n,
           median(own, runs, 2), peak_mib());
    free(t);
    free(cpu);
    free(own);
}

/* ---- models ------------------------------------------------------------------------------- */

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
    return (double)(next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static void bench_models(size_t n, int runs)
{
    static const char *const b2b[] = {"contract_arr", "gross_margin",   "years_cooperation",
                                      "modules_used", "referrals",      "payment_score",
                                      "growth_rate",  "employees",      "arrears_days",
                                      "defaults",     "support_tickets"};
    tier_book *book = NULL;
    tier_frame *frame = NULL;
    tier_model *rfm = NULL;
    double(*t)[3] = malloc((size_t)runs * sizeof *t); /* scorecard, needs fit, needs score */
    uint64_t seed = 42;
    char id[32], name[32];
    size_t i, a;
    int k;
    if (tier_book_new(&book, NULL))
        die("book", "out of memory");
    for (i = 0; i < n; i++) {
        int len = snprintf(id, sizeof id, "A%07zu", i);
        int cluster = (int)(next(&seed) % 8);
        if (tier_book_add_txn(book, id, (size_t)len, 19000 + (int32_t)(next(&seed) % 700),
                              10 + 1000 * uniform(&seed), NAN))
            die("book", tier_book_last_error(book));
        for (a = 0; a < sizeof b2b / sizeof b2b[0]; a++)
            tier_book_set_number(book, i, b2b[a], floor(100 * uniform(&seed)));
        for (a = 0; a < 16; a++) {
            snprintf(name, sizeof name, "need_%02zu", a);
            tier_book_set_number(book, i, name,
                                 (a % 8 == (size_t)cluster ? 3.0 : 0.0) + uniform(&seed));
        }
    }
    if (tier_rfm_new(&rfm, NULL, NULL) || tier_model_fit(rfm, book, NULL) ||
        tier_frame_new(&frame, n, NULL) || tier_model_score(rfm, book, frame))
        die("rfm", "failed");
    for (k = 0; k < runs; k++) {
        tier_model *sc = NULL, *needs = NULL;
        tier_frame *f1 = NULL, *f2 = NULL;
        double t0, t1, t2, t3;
        t0 = now();
        if (tier_scorecard_new_b2b(&sc, NULL, NULL) || tier_model_fit(sc, book, frame))
            die("scorecard fit", sc ? tier_model_last_error(sc) : "setup");
        if (tier_frame_new(&f1, n, NULL) || tier_model_score(rfm, book, f1) ||
            tier_model_score(sc, book, f1))
            die("scorecard score", tier_frame_last_error(f1));
        t1 = now();
        if (tier_needs_new(&needs, NULL, NULL))
            die("needs", "setup");
        for (a = 0; a < 16; a++) {
            char col[40];
            snprintf(col, sizeof col, "attr.need_%02zu", a);
            tier_needs_add_feature(needs, col);
        }
        tier_model_set_number(needs, "k", 8);
        if (tier_model_fit(needs, book, NULL))
            die("needs fit", tier_model_last_error(needs));
        t2 = now();
        if (tier_frame_new(&f2, n, NULL) || tier_model_score(needs, book, f2))
            die("needs score", tier_frame_last_error(f2));
        t3 = now();
        timed(t[k], t1 - t0, t2 - t1, t3 - t2);
        tier_frame_free(f1);
        tier_frame_free(f2);
        tier_model_free(sc);
        tier_model_free(needs);
    }
    printf("W3 scorecard (B2B default), %zu customers: fit + score|%.3f|%.0f\n", n,
           median(t, runs, 0), peak_mib());
    printf("W3 needs k-means++, %zu customers x 16 features, k = 8: fit|%.3f|%.0f\n", n,
           median(t, runs, 1), peak_mib());
    printf("W3 needs, %zu customers: score|%.3f|%.0f\n", n, median(t, runs, 2), peak_mib());
    free(t);
    tier_frame_free(frame);
    tier_model_free(rfm);
    tier_book_free(book);
}

/* ---- incremental re-scoring ------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#define RESCORE_MODELS 5

static void bench_rescore(size_t n, int calls, int with_clv)
{
    static const char *const attrs[] = {"contract_arr",
                                        "gross_margin",
                                        "employees",
                                        "modules_used",
                                        "growth_rate",
                                        "years_cooperation",
                                        "referrals",
                                        "defaults",
                                        "support_tickets",
                                        "payment_score",
                                        "arrears_days",
                                        "need_a",
                                        "need_b",
                                        "need_c",
                                        "implementation_progress",
                                        "active_users_share"};
    static const char *const features[] = {"attr.need_a", "attr.need_b", "attr.need_c", "rfm.m"};
    const char *names[RESCORE_MODELS] = {"rfm", "clv", "scorecard", "needs", "lifecycle"};
    const int32_t first = 19000, last = 19000 + 1095;
    tier_book *book = NULL;
    tier_frame *frame = NULL;
    tier_model *m[RESCORE_MODELS] = {NULL};
    uint64_t seed = 7, *t[RESCORE_MODELS + 1];
    size_t i, a, k, nm, ntx = 0, cap = 8 * n + 1;
    char *ids = malloc(cap * 8 + 8), id[32];
    size_t *off = malloc((cap + 1) * sizeof *off);
    int32_t *days = malloc(cap * sizeof *days);
    double *amounts = malloc(cap * sizeof *amounts), t0, t1;
    int c;
    if (!ids || !off || !days || !amounts)
        die("rescore", "out of memory");
    /* Customers with 1 to 8 purchases in date order, and one on the last day (the as-of day
     * stays put: every new invoice below is dated on it). */
    off[0] = 0;
    for (i = 0; i <= n; i++) {
        int32_t day = i == n ? last : first + (int32_t)(next(&seed) % 1000);
        size_t nt = i == n ? 1 : 1 + (size_t)(next(&seed) % 8);
        for (k = 0; k < nt && day <= last; k++) {
            memcpy(ids + ntx * 8, id, (size_t)snprintf(id, sizeof id, "R%07zu", i));
            off[ntx + 1] = off[ntx] + 8;
            days[ntx] = day;
            amounts[ntx] = floor(100 * (5 + 500 * uniform(&seed))) / 100;
            ntx++;
            day += 1 + (int32_t)(next(&seed) % 60);
        }
    }
    if (tier_book_new(&book, NULL) || tier_book_add_txns(book, ntx, ids, off, days, amounts, NULL))
        die("book", tier_book_last_error(book));
    for (i = 0; i < n; i++)
        for (a = 0; a < sizeof attrs / sizeof attrs[0]; a++)
            tier_book_set_number(book, i, attrs[a], floor(100 * uniform(&seed)) / 100);
    if (tier_rfm_new(&m[0], NULL, NULL) || tier_clv_new(&m[1], NULL, NULL) ||
        tier_scorecard_new_b2b(&m[2], "scorecard", NULL) || tier_needs_new(&m[3], NULL, NULL) ||
        tier_lifecycle_new(&m[4], NULL, NULL))
        die("models", "out of memory");
    for (a = 0; a < sizeof features / sizeof features[0]; a++)
        tier_needs_add_feature(m[3], features[a]);
    tier_model_set_number(m[3], "k", 4);
    if (!with_clv) { /* its fit on 1M customers takes minutes: leave it out, keep the order */
        tier_model_free(m[1]);
        for (k = 1; k + 1 < RESCORE_MODELS; k++) {
            m[k] = m[k + 1];
            names[k] = names[k + 1];
        }
    }
    nm = with_clv ? RESCORE_MODELS : RESCORE_MODELS - 1;
    if (tier_frame_new(&frame, n + 1, NULL))
        die("frame", "out of memory");
    t0 = now();
    for (k = 0; k < nm; k++)
        if (tier_model_fit(m[k], book, frame) || tier_model_score(m[k], book, frame))
            die(names[k], tier_model_last_error(m[k])[0] ? tier_model_last_error(m[k])
                                                         : tier_frame_last_error(frame));
    t1 = now();
    printf("rescore, %zu customers, %zu tx: fit + score of the models|%.3f|%.0f\n", n, ntx, t1 - t0,
           peak_mib());
    for (k = 0; k < nm; k++) /* the first call builds the transaction index */
        if (tier_model_score_row(m[k], book, frame, 0))
            die(names[k], tier_frame_last_error(frame));
    printf("rescore, %zu customers: first call (builds the transaction index)|%.3f|%.0f\n", n,
           now() - t1, peak_mib());
    for (k = 0; k <= nm; k++)
        t[k] = malloc((size_t)calls * sizeof *t[k]);
    for (c = 0; c < calls; c++) {
        size_t cust = (size_t)(next(&seed) % n);
        uint64_t start, end;
        snprintf(id, sizeof id, "R%07zu", cust);
        if (tier_book_add_txn(book, id, 8, last, floor(100 * (5 + 500 * uniform(&seed))) / 100,
                              NAN))
            die("add_txn", tier_book_last_error(book));
        t[nm][c] = 0;
        for (k = 0; k < nm; k++) {
            start = now_ns();
            if (tier_model_score_row(m[k], book, frame, cust))
                die(names[k], tier_frame_last_error(frame));
            end = now_ns();
            t[k][c] = end - start;
            t[nm][c] += end - start;
        }
    }
    for (k = 0; k <= nm; k++) {
        qsort(t[k], (size_t)calls, sizeof *t[k], cmp_u64);
        printf("rescore, %zu customers: score_row %s, median of %d calls|%.9f|%.0f\n", n,
               k < nm     ? names[k]
               : with_clv ? "of all five"
                          : "of the four",
               calls, (double)t[k][calls / 2] * 1e-9, peak_mib());
        free(t[k]);
    }
    for (k = 0; k < nm; k++)
        tier_model_free(m[k]);
    tier_frame_free(frame);
    tier_book_free(book);
    free(ids);
    free(off);
    free(days);
    free(amounts);
}

int main(int argc, char **argv)
{
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "w2") == 0) {
        bench_w2(argv[2], atoi(argv[3]) > 0 ? atoi(argv[3]) : 1,
                 argc == 5 && atoi(argv[4]) > 0 ? (unsigned)atoi(argv[4]) : 2);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "models") == 0) {
        bench_models((size_t)strtoull(argv[2], NULL, 10), atoi(argv[3]) > 0 ? atoi(argv[3]) : 1);
        return 0;
    }
    if ((argc == 4 || (argc == 5 && strcmp(argv[4], "noclv") == 0)) &&
        strcmp(argv[1], "rescore") == 0) {
        bench_rescore((size_t)strtoull(argv[2], NULL, 10), atoi(argv[3]) > 0 ? atoi(argv[3]) : 1,
                      argc == 4);
        return 0;
    }
    fprintf(stderr,
            "usage: inmem w2 FILE RUNS [THREADS] | inmem models N RUNS | inmem rescore N CALLS "
            "[noclv]\n");
    return 2;
}
