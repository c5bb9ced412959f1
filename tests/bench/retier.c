/* SPDX-License-Identifier: MIT */
/* Incremental re-tiering benchmark (docs/retier.md, issue 8 item 6): a book of N generated
 * customers with a year of invoices, a batch run of a built-in policy, the freeze, then ROUNDS
 * times: one invoice added to a random customer (tier_book_add_txn) and that customer re-tiered
 * (tier_retier_customer). Prints the median and p99 of each step in nanoseconds, and the freeze.
 *
 *   cmake -S . -B build && cmake --build build    # RelWithDebInfo (-O2)
 *   cc -O2 -std=c99 -D_POSIX_C_SOURCE=200809L -DTIER_STATIC -Iinclude tests/bench/retier.c \
 *      build/libtier.a -lm -o /tmp/retier-bench
 *   /tmp/retier-bench [CUSTOMERS [ROUNDS [POLICY...]]]    # default 1000000 200000 b2b-sabc rfm-10
 *   /tmp/retier-bench --b2b-full DATA_DIR [ROUNDS]          # default 20000
 *
 * --b2b-full: b2b-full (five models, a hierarchy, routing to teams) needs the account attributes,
 * so it runs on the B2B example (DATA_DIR/b2b_invoices.csv and b2b_accounts.csv, 1,992
 * customers) through a pipeline. Besides add and re-tier it times clv's score_row alone right
 * after each re-tier, on the same customer and book (a fitted clv model of its own), and the
 * re-tier minus that, round by round: the re-tier as if clv were a population model (its row
 * kept as frozen), everything else included.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tier.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "retier bench: %s: %s\n", what, why);
    exit(1);
}

static uint64_t rng = 88172645463325252u;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* N customers "A0000001"... with 1 to 12 invoices each over 2024, added column-wise in batches. */
static tier_book *generate(size_t n, int32_t first)
{
    enum { BATCH = 1 << 16 };
    tier_book *book = NULL;
    static char ids[BATCH * 8];
    static size_t off[BATCH + 1];
    static int32_t days[BATCH];
    static double amounts[BATCH];
    size_t i, k = 0;
    if (tier_book_new(&book, NULL))
        die("book", "out of memory");
    for (i = 0; i < n; i++) {
        uint64_t s = next();
        int invoices = 1 + (int)(s % 12), j;
        double scale = (s >> 20) % 10 == 0 ? 5000.0 : (s >> 20) % 3 == 0 ? 800.0 : 120.0;
        for (j = 0; j < invoices; j++) {
            uint64_t t = next();
            if (k == BATCH) {
                off[0] = 0;
                if (tier_book_add_txns(book, k, ids, off, days, amounts, NULL))
                    die("add", tier_book_last_error(book));
                k = 0;
            }
            {
                char id[16];
                snprintf(id, sizeof id, "A%07zu", i + 1);
                memcpy(ids + k * 8, id, 8); /* ids packed, 8 bytes each */
            }
            off[k + 1] = (k + 1) * 8;
            days[k] = first + (int32_t)((j * 365) / invoices + (int32_t)(t % 28));
            amounts[k] = floor(scale * (0.2 + (double)((t >> 24) % 1000) / 500.0) * 100) / 100;
            k++;
        }
    }
    if (k && tier_book_add_txns(book, k, ids, off, days, amounts, NULL))
        die("add", tier_book_last_error(book));
    return book;
}

static void report(const char *label, double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    printf("%-28s median %7.0f ns   p99 %7.0f ns   (%zu rounds)\n", label, v[n / 2] * 1e9,
           v[(size_t)((double)n * 0.99)] * 1e9, n);
}

static void bench_policy(tier_book *book, const char *name, size_t rounds, int32_t day)
{
    tier_policy *pol = NULL;
    tier_model *rfm = NULL;
    tier_result *res = NULL;
    tier_retier *rt = NULL;
    size_t n = tier_book_customer_count(book), r;
    double t0, *add = malloc(rounds * sizeof *add), *re = malloc(rounds * sizeof *re);
    int moved = 0;
    if (!add || !re || tier_policy_new_builtin(&pol, name, NULL) ||
        tier_model_new_kind(&rfm, NULL, "rfm", NULL, NULL) || tier_result_new(&res, NULL))
        die(name, "setting up");
    t0 = now();
    if (tier_result_run(res, book, &rfm, 1, pol))
        die("run", tier_result_last_error(res));
    printf("%s: batch run (rfm + policy) %.2f s\n", name, now() - t0);
    t0 = now();
    if (tier_retier_new(&rt, res, book, &rfm, 1, pol, NULL, NULL))
        die("freeze", rt ? tier_retier_last_error(rt) : "out of memory");
    printf("%s: freeze %.2f s\n", name, now() - t0);
    for (r = 0; r < rounds; r++) {
        size_t i = (size_t)(next() % n), len;
        const char *id = tier_book_customer_id(book, i, &len);
        double amount = (double)(next() % 500000) / 100.0, t1, t2;
        int before = tier_retier_tier(rt, i);
        t0 = now();
        if (tier_book_add_txn(book, id, len, day, amount, NAN))
            die("add", tier_book_last_error(book));
        t1 = now();
        if (tier_retier_customer(rt, book, i))
            die("retier", tier_retier_last_error(rt));
        t2 = now();
        add[r] = t1 - t0;
        re[r] = t2 - t1;
        moved += tier_retier_tier(rt, i) != before;
    }
    report("  tier_book_add_txn", add, rounds);
    report("  tier_retier_customer", re, rounds);
    printf("  customers whose tier changed: %d\n", moved);
    free(add);
    free(re);
    tier_retier_free(rt);
    tier_result_free(res);
    tier_model_free(rfm);
    tier_policy_free(pol);
}

/* b2b-full on the B2B example through a pipeline (see the top of the file). */
static void bench_b2b_full(const char *dir, size_t rounds)
{
    char in[4096], acc[4096];
    tier_pipeline *p = NULL;
    tier_retier *rt = NULL;
    tier_model *clv = NULL;
    tier_frame *frame = NULL;
    tier_book *book;
    size_t n, r;
    double t0, *add = malloc(rounds * sizeof *add), *re = malloc(rounds * sizeof *re);
    double *row = malloc(rounds * sizeof *row), *nocl = malloc(rounds * sizeof *nocl);
    int32_t last;
    int moved = 0, routed = 0;
    if (!add || !re || !row || !nocl)
        die("b2b-full", "out of memory");
    snprintf(in, sizeof in, "%s/b2b_invoices.csv", dir);
    snprintf(acc, sizeof acc, "%s/b2b_accounts.csv", dir);
    if (tier_pipeline_new(&p, NULL) || tier_pipeline_set(p, "input", in) ||
        tier_pipeline_set(p, "accounts", acc) || tier_pipeline_set(p, "policy", "b2b-full") ||
        tier_pipeline_set(p, "out", "/dev/null"))
        die("b2b-full", p ? tier_pipeline_last_error(p) : "out of memory");
    t0 = now();
    if (tier_pipeline_run(p))
        die("b2b-full run", tier_pipeline_last_error(p));
    printf("b2b-full (B2B example): batch run %.3f s\n", now() - t0);
    t0 = now();
    if (tier_pipeline_retier(p, &rt))
        die("b2b-full freeze", tier_pipeline_last_error(p));
    printf("b2b-full: freeze %.3f s\n", now() - t0);
    book = (tier_book *)tier_pipeline_book(p);
    n = tier_book_customer_count(book);
    if (tier_book_day_range(book, NULL, &last))
        die("b2b-full", "empty book");
    /* clv's own fitted copy, to time its score_row alone on each re-tiered customer. */
    if (tier_model_new_kind(&clv, NULL, "clv", NULL, NULL) || tier_model_fit(clv, book, NULL) ||
        tier_frame_new(&frame, n, NULL) || tier_model_score(clv, book, frame))
        die("clv", clv ? tier_model_last_error(clv) : "setup");
    for (r = 0; r < rounds; r++) {
        size_t i = (size_t)(next() % n), len;
        const char *id = tier_book_customer_id(book, i, &len);
        double amount = (double)(next() % 5000000) / 100.0, t1, t2, t3;
        int before = tier_retier_tier(rt, i);
        t0 = now();
        if (tier_book_add_txn(book, id, len, last, amount, NAN))
            die("add", tier_book_last_error(book));
        t1 = now();
        if (tier_retier_customer(rt, book, i))
            die("retier", tier_retier_last_error(rt));
        t2 = now();
        if (tier_model_score_row(clv, book, frame, i))
            die("clv score_row", tier_frame_last_error(frame));
        t3 = now();
        add[r] = t1 - t0;
        re[r] = t2 - t1;
        row[r] = t3 - t2;
        nocl[r] = re[r] - row[r];
        moved += tier_retier_tier(rt, i) != before;
        routed += *tier_retier_route(rt, i) != 0;
    }
    report("  tier_book_add_txn", add, rounds);
    report("  tier_retier_customer", re, rounds);
    report("  clv score_row alone", row, rounds);
    report("  re-tier minus clv's row", nocl, rounds); /* clv as a population model */
    printf("  customers whose tier changed: %d; re-tiered customers routed to a team: %d\n", moved,
           routed);
    free(nocl);
    free(add);
    free(re);
    free(row);
    tier_frame_free(frame);
    tier_model_free(clv);
    tier_pipeline_free(p); /* frees the retier */
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    size_t rounds = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 200000;
    int32_t first, last;
    tier_book *book;
    double t0 = now();
    int k;
    if (argc > 2 && strcmp(argv[1], "--b2b-full") == 0) {
        bench_b2b_full(argv[2], argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 20000);
        return 0;
    }
    if (tier_date_from_ymd(&first, 2024, 1, 1))
        die("date", "2024-01-01");
    book = generate(n, first);
    if (tier_book_day_range(book, NULL, &last))
        die("book", "empty");
    printf("book: %zu customers, %zu invoices, generated in %.2f s\n",
           tier_book_customer_count(book), tier_book_txn_count(book), now() - t0);
    if (argc > 3)
        for (k = 3; k < argc; k++)
            bench_policy(book, argv[k], rounds, last);
    else {
        bench_policy(book, "b2b-sabc", rounds, last);
        bench_policy(book, "rfm-10", rounds, last);
    }
    tier_book_free(book);
    return 0;
}
