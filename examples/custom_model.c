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

static const char *const bands[] = {"low", "medium", "high"};

typedef struct engagement {
    char name[65]; /* the model's name, to find its own columns when explaining */
    /* options */
    double quantile;  /* "cap_quantile": the share of buyers below the full-marks cap */
    double penalty;   /* "ticket_penalty": points off per open support ticket */
    char tickets[65]; /* "tickets_attribute": the book attribute that counts open tickets */
    /* fitted */
    double f_cap;  /* purchase-days worth the full 100 points */
    char err[200]; /* detail for last_error; never written by score or explain */
} engagement;

/* Version 2 declares the outputs and the options as static tables. */
static const tier_model_output eng_outputs[] = {{"score", TIER_VALUE_NUMBER},
                                                {"band", TIER_VALUE_LABEL}};

static const tier_model_option eng_options[] = {
    {"cap_quantile", TIER_OPTION_NUMBER,
     "share of buyers at or below the purchase-days that earn full marks, (0, 1] (default 0.9)",
     TIER_OPTION_FORGETS_FIT}, /* the cap is fitted from it: a new value needs a new fit */
    {"ticket_penalty", TIER_OPTION_NUMBER,
     "points off per open support ticket, [0, 100] (default 10)", 0},
    {"tickets_attribute", TIER_OPTION_TEXT,
     "number attribute counting open support tickets (default \"support_tickets\")", 0},
};

/* Checks a value for option `name` and stores it into e (a copy: all or nothing). */
static int put_option(engagement *e, const char *name, const tier_value *v, char *err, size_t cap)
{
    if (strcmp(name, "tickets_attribute") == 0) {
        const char *t = tier_value_text(v);
        if (!t[0] || strlen(t) >= sizeof e->tickets) {
            snprintf(err, cap, "must be 1 to %d bytes", (int)sizeof e->tickets - 1);
            return TIER_EINVAL;
        }
        strcpy(e->tickets, t);
        return TIER_OK;
    }
    if (strcmp(name, "cap_quantile") == 0) {
        double q = tier_value_number(v);
        if (!(q > 0.0 && q <= 1.0)) {
            snprintf(err, cap, "must be in (0, 1], not %g", q);
            return TIER_ERANGE;
        }
        e->quantile = q;
        return TIER_OK;
    }
    {
        double p = tier_value_number(v);
        if (!(p >= 0.0 && p <= 100.0)) {
            snprintf(err, cap, "must be in [0, 100], not %g", p);
            return TIER_ERANGE;
        }
        e->penalty = p;
        return TIER_OK;
    }
}

/* The library hands over only declared names, each with a value of its declared type. */
static int eng_set_option(void *state, const char *name, const tier_value *value)
{
    engagement *st = state, copy = *st;
    int rc = put_option(&copy, name, value, st->err, sizeof st->err);
    if (rc == TIER_OK)
        *st = copy;
    return rc;
}

static int eng_get_option(void *state, const char *name, tier_value *out)
{
    const engagement *st = state;
    if (strcmp(name, "tickets_attribute") == 0)
        return tier_value_set_text(out, st->tickets);
    return tier_value_set_number(out,
                                 strcmp(name, "cap_quantile") == 0 ? st->quantile : st->penalty);
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
    /* Nearest-rank quantile; at least one purchase-day so the cap never divides by 0. */
    st->f_cap = n ? v[(size_t)ceil(st->quantile * (double)n) - 1] : 1.0;
    if (st->f_cap < 1.0)
        st->f_cap = 1.0;
    free(v);
    st->err[0] = '\0';
    return TIER_OK;
}

static double tickets_of(const engagement *st, const tier_book *book, size_t i)
{
    double t;
    if (tier_book_get_number(book, i, st->tickets, &t) != TIER_OK || !(t > 0.0))
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
        s = frequency_points(st, f[i]) - st->penalty * tickets_of(st, book, i);
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
    double tickets = tickets_of(st, book, customer);
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
                 st->penalty * tickets, score[customer], bands[band[customer]]);
    return tier_text_append(out, line, strlen(line));
}

/* The saved state: the options (one record each, key = option name), then what fit learnt. The
 * library writes the header and the end (docs/model-state-format.md). */
static int eng_save(void *state, tier_state_writer *w)
{
    const engagement *st = state;
    tier_state_write_key(w, "cap_quantile");
    tier_state_write_number(w, st->quantile);
    tier_state_write_key(w, "ticket_penalty");
    tier_state_write_number(w, st->penalty);
    tier_state_write_key(w, "tickets_attribute");
    tier_state_write_text(w, st->tickets);
    tier_state_write_key(w, "f_cap");
    return tier_state_write_number(w, st->f_cap); /* a failure is kept: the last status says */
}

/* The declared option `name`, or NULL. */
static const tier_model_option *option_named(const char *name)
{
    size_t k;
    for (k = 0; k < sizeof eng_options / sizeof eng_options[0]; k++)
        if (strcmp(eng_options[k].name, name) == 0)
            return &eng_options[k];
    return NULL;
}

/* Reads the current record, one value of option o's type, and checks it as eng_set_option does. */
static int load_option(engagement *copy, tier_state_reader *r, const tier_model_option *o)
{
    tier_value *v = NULL;
    const char *t;
    double x;
    char why[200];
    int rc;
    if (tier_state_read_count(r) != 1)
        return tier_state_read_fail(r, "an option record has one value");
    if ((rc = tier_value_new(&v, NULL)) != TIER_OK)
        return rc;
    if (o->type == TIER_OPTION_TEXT)
        rc = tier_state_read_text(r, 0, &t) ? TIER_ECORRUPT : tier_value_set_text(v, t);
    else
        rc = tier_state_read_number(r, 0, &x) ? TIER_ECORRUPT : tier_value_set_number(v, x);
    if (rc == TIER_OK && put_option(copy, o->name, v, why, sizeof why) != TIER_OK)
        rc = tier_state_read_fail(r, why);
    tier_value_free(v);
    return rc;
}

/* All or nothing: everything is read into a copy, which replaces the state only at the end. */
static int eng_load(void *state, tier_state_reader *r)
{
    engagement *st = state, copy = *st;
    const tier_model_option *o;
    const char *key;
    int rc, have_cap = 0;
    while ((rc = tier_state_read_next(r, &key)) == 1) {
        if (strcmp(key, "f_cap") == 0) {
            if ((rc = tier_state_read_numbers(r, &copy.f_cap, 1)) != TIER_OK)
                return rc;
            if (!(copy.f_cap >= 1.0 && copy.f_cap < HUGE_VAL))
                return tier_state_read_fail(r, "f_cap must be a number of at least 1");
            have_cap = 1;
        } else if ((o = option_named(key)) != NULL) {
            if ((rc = load_option(&copy, r, o)) != TIER_OK)
                return rc;
        } else {
            return tier_state_read_fail(r, "unknown record");
        }
    }
    if (rc < 0)
        return rc;
    if (!have_cap)
        return tier_state_read_fail(r, "no f_cap record");
    *st = copy;
    st->err[0] = '\0';
    return TIER_OK;
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
    .fit = eng_fit,
    .score = eng_score,
    .explain = eng_explain,
    .destroy = eng_destroy,
    .last_error = eng_last_error,
    .outputs = eng_outputs,
    .n_outputs = sizeof eng_outputs / sizeof eng_outputs[0],
    .options = eng_options,
    .n_options = sizeof eng_options / sizeof eng_options[0],
    .set_option = eng_set_option,
    .get_option = eng_get_option,
    .save = eng_save,
    .load = eng_load,
};

static int engagement_new(tier_model **out, const char *name)
{
    engagement *st = calloc(1, sizeof *st);
    if (!st) {
        *out = NULL;
        return TIER_ENOMEM;
    }
    snprintf(st->name, sizeof st->name, "%s", name);
    st->quantile = 0.9;
    st->penalty = 10.0;
    strcpy(st->tickets, "support_tickets");
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

/* Every option of a model with its canonical text, through the generic calls. */
static int print_options(const tier_model *m)
{
    tier_text *text = NULL;
    size_t i;
    int rc = tier_text_new(&text, NULL);
    printf("%s options:", tier_model_name(m));
    for (i = 0; rc == TIER_OK && i < tier_model_option_count(m); i++) {
        const char *name;
        if ((rc = tier_model_option_info(m, i, &name, NULL, NULL)) == TIER_OK &&
            (rc = tier_model_get_option(m, name, text)) == TIER_OK)
            printf("%s %s=%s", i ? "," : "", name, tier_text_data(text));
    }
    printf("\n");
    tier_text_free(text);
    return rc;
}

/* Saves the fitted model `eng`, loads the text into a fresh engagement model and scores the book
 * with it (after rfm, whose f it reads): every score is the same as in `scored`. */
static int save_and_reload(const tier_book *book, const tier_model *rfm, const tier_model *eng,
                           const tier_frame *scored)
{
    size_t n = tier_book_customer_count(book), i, same = 0, a, b;
    tier_text *text = NULL;
    tier_model *copy = NULL;
    tier_frame *frame = NULL;
    int rc;
    if ((rc = tier_text_new(&text, NULL)) || (rc = tier_model_save(eng, text)) ||
        (rc = engagement_new(&copy, tier_model_name(eng))) ||
        (rc = tier_model_load(copy, tier_text_data(text), tier_text_length(text))) ||
        (rc = tier_frame_new(&frame, n, NULL)) || (rc = tier_model_score(rfm, book, frame)) ||
        (rc = tier_model_score(copy, book, frame)) ||
        (rc = tier_frame_find(scored, "engagement.score", &a)) ||
        (rc = tier_frame_find(frame, "engagement.score", &b))) {
        fprintf(stderr, "custom_model: save and load: %s %s %s\n", tier_model_last_error(eng),
                copy ? tier_model_last_error(copy) : "", frame ? tier_frame_last_error(frame) : "");
        goto done;
    }
    for (i = 0; i < n; i++) {
        double x = tier_frame_numbers(scored, a)[i], y = tier_frame_numbers(frame, b)[i];
        same += x == y || (isnan(x) && isnan(y));
    }
    printf("\nsaved state (%zu bytes):\n%s", tier_text_length(text), tier_text_data(text));
    printf("loaded into a fresh model: %zu of %zu scores the same\n", same, n);
done:
    tier_frame_free(frame);
    tier_model_free(copy);
    tier_text_free(text);
    return rc;
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
        /* Options by name, as text (parsed by the declared type), through the library. */
        (rc = tier_model_set_option(models[2], "ticket_penalty", "15")) ||
        (rc = print_options(models[2])) || (rc = tier_policy_new_builtin(&policy, NULL, NULL)) ||
        (rc = tier_result_new(&res, NULL)) || (rc = tier_result_run(res, book, models, 3, policy)))
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
    if (rc == TIER_OK)
        rc = save_and_reload(book, models[0], models[2], tier_result_frame(res));

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
