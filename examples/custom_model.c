/* SPDX-License-Identifier: MIT */
/* A user-written model plugged into libtier through the public model vtable
 * (docs/writing-a-model.md).
 *
 * "engagement" scores each customer 0..100 from how often they buy (the rfm model's f column,
 * capped at the 90th percentile fitted on the book) minus 15 points per open support ticket (a
 * numeric attribute "support_tickets"; unset = none), and bands the score low / medium / high.
 * It runs after the built-in rfm and pareto models, under the built-in b2b-sabc policy.
 *
 * usage: custom_model CDNOW_master.txt */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tier.h>

#define TICKET_PENALTY 15.0

static const char *const bands[] = {"low", "medium", "high"};

typedef struct engagement {
    char name[65]; /* the model's name, to find its own columns when explaining */
    double f_cap;  /* fitted: purchase-days worth the full 100 points */
    char err[200]; /* detail for last_error; written by fit only (score must not write state) */
} engagement;

static size_t eng_output_count(void *state)
{
    (void)state;
    return 2;
}

static int eng_output_info(void *state, size_t i, const char **name, int *type)
{
    (void)state;
    if (i >= 2)
        return TIER_ERANGE;
    *name = i == 0 ? "score" : "band";
    *type = i == 0 ? TIER_VALUE_NUMBER : TIER_VALUE_LABEL;
    return TIER_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fitting reads the columns of the models run before this one: here rfm.f. */
static int eng_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    engagement *st = state;
    const double *f;
    double *v;
    size_t col, i, n = 0, rows = tier_frame_rows(inputs);
    (void)book;
    if (tier_frame_find(inputs, "rfm.f", &col) != TIER_OK ||
        !(f = tier_frame_numbers(inputs, col))) {
        snprintf(st->err, sizeof st->err, "needs the number column rfm.f: run the rfm model first");
        return TIER_ENOTFOUND;
    }
    if (!(v = malloc((rows ? rows : 1) * sizeof *v))) {
        snprintf(st->err, sizeof st->err, "out of memory");
        return TIER_ENOMEM;
    }
    for (i = 0; i < rows; i++)
        if (!isnan(f[i])) /* NaN: no purchase */
            v[n++] = f[i];
    qsort(v, n, sizeof *v, cmp_double);
    /* Nearest-rank 90th percentile; at least one purchase-day so the cap never divides by 0. */
    st->f_cap = n ? v[(size_t)ceil(0.9 * (double)n) - 1] : 1.0;
    if (st->f_cap < 1.0)
        st->f_cap = 1.0;
    free(v);
    st->err[0] = '\0';
    return TIER_OK;
}

static double tickets_of(const tier_book *book, size_t i)
{
    double t;
    if (tier_book_get_number(book, i, "support_tickets", &t) != TIER_OK || !(t > 0.0))
        return 0.0;
    return t;
}

static double frequency_points(const engagement *st, double f)
{
    return 100.0 * (f < st->f_cap ? f : st->f_cap) / st->f_cap;
}

/* Scoring only reads the state, so one fitted model may score many frames at once. */
static int eng_score(void *state, const tier_book *book, tier_frame *frame)
{
    const engagement *st = state;
    const double *f;
    double *score;
    int32_t *band;
    size_t col, i, n = tier_book_customer_count(book);
    int rc;
    if (tier_frame_find(frame, "rfm.f", &col) != TIER_OK || !(f = tier_frame_numbers(frame, col)))
        return TIER_ENOTFOUND;
    /* Columns are created in the declared order; the library prefixes them with "<name>.". */
    if ((rc = tier_frame_add_numbers(frame, "score", &score)) != TIER_OK ||
        (rc = tier_frame_add_labels(frame, "band", bands, 3, &band)) != TIER_OK)
        return rc; /* whatever was added is removed again by the library */
    for (i = 0; i < n; i++) {
        double s;
        if (isnan(f[i]))
            continue; /* no purchase: score stays NaN, band stays -1 (missing) */
        s = frequency_points(st, f[i]) - TICKET_PENALTY * tickets_of(book, i);
        s = s < 0.0 ? 0.0 : s;
        score[i] = s;
        band[i] = s >= 60.0 ? 2 : s >= 30.0 ? 1 : 0;
    }
    return TIER_OK;
}

static int eng_explain(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                       tier_text *out)
{
    const engagement *st = state;
    char full[80], line[300];
    const double *f, *score;
    const int32_t *band;
    size_t fcol, scol, bcol;
    double tickets = tickets_of(book, customer);
    snprintf(full, sizeof full, "%s.score", st->name);
    if (tier_frame_find(frame, "rfm.f", &fcol) || tier_frame_find(frame, full, &scol))
        return TIER_ENOTFOUND;
    snprintf(full, sizeof full, "%s.band", st->name);
    if (tier_frame_find(frame, full, &bcol))
        return TIER_ENOTFOUND;
    f = tier_frame_numbers(frame, fcol);
    score = tier_frame_numbers(frame, scol);
    band = tier_frame_labels(frame, bcol);
    if (!f || !score || !band)
        return TIER_EINVAL;
    if (isnan(score[customer]))
        snprintf(line, sizeof line, "no purchase: no engagement score");
    else
        snprintf(line, sizeof line,
                 "f=%.0f purchase-days (full marks at %.0f) -> %.1f points; %.0f open support "
                 "ticket(s) -> -%.0f points; score %.1f -> band %s",
                 f[customer], st->f_cap, frequency_points(st, f[customer]), tickets,
                 TICKET_PENALTY * tickets, score[customer], bands[band[customer]]);
    return tier_text_append(out, line, strlen(line));
}

static void eng_destroy(void *state)
{
    free(state);
}

static const char *eng_last_error(void *state)
{
    return ((engagement *)state)->err;
}

/* The vtable is copied by tier_model_new(), so a const or even a stack copy would do. Designated
 * initializers leave any member this code does not name (and any later-appended one) NULL. */
static const tier_model_vtable engagement_vtable = {
    .version = TIER_MODEL_VTABLE_VERSION,
    .kind = "engagement",
    .output_count = eng_output_count,
    .output_info = eng_output_info,
    .fit = eng_fit,
    .score = eng_score,
    .explain = eng_explain,
    .destroy = eng_destroy,
    .last_error = eng_last_error,
};

static int engagement_new(tier_model **out, const char *name)
{
    engagement *st = calloc(1, sizeof *st);
    if (!st) {
        *out = NULL;
        return TIER_ENOMEM;
    }
    snprintf(st->name, sizeof st->name, "%s", name);
    /* From here on the model owns st: on failure tier_model_new() has already called destroy. */
    return tier_model_new(out, &engagement_vtable, st, name, NULL);
}

/* CDNOW has no help-desk data; a CRM would load ticket counts per account here. */
static int record_tickets(tier_book *book)
{
    static const struct {
        const char *id;
        double tickets;
    } open_tickets[] = {{"00001", 1}, {"00002", 3}, {"00004", 2}};
    size_t i, k;
    int rc;
    for (k = 0; k < sizeof open_tickets / sizeof open_tickets[0]; k++) {
        if ((rc = tier_book_find(book, open_tickets[k].id, strlen(open_tickets[k].id), &i)) !=
                TIER_OK ||
            (rc = tier_book_set_number(book, i, "support_tickets", open_tickets[k].tickets)) !=
                TIER_OK)
            return rc;
    }
    return TIER_OK;
}

static int explain_some(const tier_result *res, const tier_book *book, tier_model *const *models,
                        size_t model_count)
{
    static const char *const ids[] = {"00001", "00002", "00004", "00007"};
    const tier_frame *frame = tier_result_frame(res);
    tier_text *text = NULL;
    size_t k, m, i;
    int rc = tier_text_new(&text, NULL);
    for (k = 0; rc == TIER_OK && k < sizeof ids / sizeof ids[0]; k++) {
        if (tier_book_find(book, ids[k], strlen(ids[k]), &i) != TIER_OK)
            continue;
        printf("\ncustomer %s: tier %s (%s)\n", ids[k],
               tier_result_tier(res, i) >= 0
                   ? tier_result_tier_name(res, (size_t)tier_result_tier(res, i))
                   : "-",
               tier_result_reason(res, i));
        for (m = 0; rc == TIER_OK && m < model_count; m++) {
            tier_text_clear(text);
            rc = tier_model_explain(models[m], book, frame, i, text);
            if (rc == TIER_OK)
                printf("  %-10s %s\n", tier_model_name(models[m]), tier_text_data(text));
        }
    }
    tier_text_free(text);
    return rc;
}

int main(int argc, char **argv)
{
    tier_book *book = NULL;
    tier_csv *csv = NULL;
    tier_policy *policy = NULL;
    tier_result *res = NULL;
    tier_model *models[3] = {NULL, NULL, NULL}; /* order matters: engagement reads rfm.f */
    size_t t, n, counts[3] = {0, 0, 0};
    int rc = TIER_OK;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CDNOW_master.txt\n", argv[0]);
        return 2;
    }
    if ((rc = tier_book_new(&book, NULL)) || (rc = tier_csv_new(&csv, NULL)) ||
        (rc = tier_csv_set_delimiter(csv, TIER_CSV_WHITESPACE)) ||
        (rc = tier_csv_set_column(csv, TIER_CSV_AMOUNT, "dollar_value")) ||
        (rc = tier_csv_read_file(csv, book, argv[1])) || (rc = record_tickets(book)) ||
        (rc = tier_rfm_new(&models[0], NULL, NULL)) ||
        (rc = tier_pareto_new(&models[1], NULL, NULL)) ||
        (rc = engagement_new(&models[2], "engagement")) ||
        (rc = tier_policy_new_builtin(&policy, NULL, NULL)) || (rc = tier_result_new(&res, NULL)) ||
        (rc = tier_result_run(res, book, models, 3, policy)))
        goto done;

    for (t = 0; t < tier_result_tier_count(res); t++) {
        if ((rc = tier_result_summary(res, t, &n, NULL)) != TIER_OK)
            goto done;
        printf("%-2s %6zu customers\n", tier_result_tier_name(res, t), n);
    }
    {
        const tier_frame *frame = tier_result_frame(res);
        size_t col, i;
        const int32_t *band;
        if (tier_frame_find(frame, "engagement.band", &col) == TIER_OK &&
            (band = tier_frame_labels(frame, col)) != NULL) {
            for (i = 0; i < tier_frame_rows(frame); i++)
                if (band[i] >= 0)
                    counts[band[i]]++;
            printf("engagement: %zu low, %zu medium, %zu high\n", counts[0], counts[1], counts[2]);
        }
    }
    rc = explain_some(res, book, models, 3);

done:
    if (rc)
        fprintf(stderr, "custom_model: %s: %s%s%s\n", tier_strerror(rc),
                csv ? tier_csv_last_error(csv) : "", book ? tier_book_last_error(book) : "",
                res ? tier_result_last_error(res) : "");
    tier_result_free(res);
    tier_policy_free(policy);
    tier_model_free(models[0]);
    tier_model_free(models[1]);
    tier_model_free(models[2]);
    tier_csv_free(csv);
    tier_book_free(book);
    return rc == TIER_OK ? 0 : 1;
}
