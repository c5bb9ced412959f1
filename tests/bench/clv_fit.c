/*
 * clv_fit.c - CPU time of the clv model's single-process fit (tier_model_fit) on a CSV log.
 *
 *   cc -O2 -Iinclude tests/bench/clv_fit.c BUILD/libtier.a -lm -o clv_fit
 *   clv_fit FILE bgnbd|pareto_nbd [cdnow] [REPEAT]
 *
 * FILE is a W1 log (customer_id,date,amount; gen_w1) or, with "cdnow", a CDNOW master file
 * (blank-separated, amount column "dollar_value"). The book is read once; the fit runs REPEAT
 * times (default 1). Prints the process CPU seconds of the fits alone, the fitted parameters of
 * both sub-models, their evaluations and distinct rows, and the saved state's length and CRC
 * (compare runs of two versions: equal bytes mean equal fits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tier.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static unsigned long crc(const char *p, size_t n)
{
    unsigned long c = 0xffffffffUL;
    size_t i;
    int k;
    for (i = 0; i < n; i++) {
        c ^= (unsigned char)p[i];
        for (k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320UL & (0UL - (c & 1UL)));
    }
    return c ^ 0xffffffffUL;
}

int main(int argc, char **argv)
{
    tier_book *book = NULL;
    tier_csv *csv = NULL;
    tier_model *m = NULL;
    tier_text *t = NULL;
    int rc, cdnow = argc > 3 && strcmp(argv[3], "cdnow") == 0, rep, reps, sub;
    double t0, t1;
    if (argc < 3) {
        fprintf(stderr, "usage: clv_fit FILE bgnbd|pareto_nbd [cdnow] [REPEAT]\n");
        return 2;
    }
    reps = argc > 3 + cdnow ? atoi(argv[3 + cdnow]) : 1;
    if ((rc = tier_book_new(&book, NULL)) || (rc = tier_csv_new(&csv, NULL)))
        goto out;
    if (cdnow && ((rc = tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE)) ||
                  (rc = tier_csv_set_column(csv, TIER_CSV_AMOUNT, "dollar_value"))))
        goto out;
    if ((rc = tier_csv_read_file(csv, book, argv[1]))) {
        fprintf(stderr, "%s\n", tier_csv_last_error(csv));
        goto out;
    }
    if ((rc = tier_clv_new(&m, "clv", NULL)) ||
        (rc = tier_model_set_option(m, "purchase_model", argv[2])))
        goto out;
    t0 = cpu_now();
    for (rep = 0; rep < reps && !rc; rep++)
        rc = tier_model_fit(m, book, NULL);
    t1 = cpu_now();
    if (rc) {
        fprintf(stderr, "%s\n", tier_model_last_error(m));
        goto out;
    }
    printf("fit cpu %.4f s per fit (%d fits)\n", (t1 - t0) / reps, reps);
    for (sub = TIER_CLV_PURCHASE; sub <= TIER_CLV_SPEND; sub++) {
        double p[4] = {0}, ev = 0, ll = 0;
        (void)tier_clv_params(m, sub, p, sub == TIER_CLV_SPEND ? 3 : 4);
        (void)tier_clv_fit_stat(m, sub, TIER_CLV_STAT_EVALUATIONS, &ev);
        (void)tier_clv_fit_stat(m, sub, TIER_CLV_STAT_LOG_LIKELIHOOD, &ll);
        printf("sub %d params %.17g %.17g %.17g %.17g evals %.0f ll %.17g\n", sub, p[0], p[1], p[2],
               p[3], ev, ll);
    }
    if (!(rc = tier_text_new(&t, NULL)) && !(rc = tier_model_save(m, t)))
        printf("state %zu bytes crc %08lx\n", tier_text_length(t),
               crc(tier_text_data(t), tier_text_length(t)));
out:
    if (rc)
        fprintf(stderr, "clv_fit: %s\n", tier_strerror(rc));
    tier_text_free(t);
    tier_model_free(m);
    tier_csv_free(csv);
    tier_book_free(book);
    return rc ? 1 : 0;
}
