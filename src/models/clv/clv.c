/* SPDX-License-Identifier: MIT */
/* The built-in clv model, made through the public model vtable: each customer's kept
 * transactions are reduced to purchase days (grouped in O(n) by a counting sort over the book's
 * transactions), summarised up to the calibration end, and fed to the numerical core in
 * clv_math.c (BG/NBD or Pareto/NBD, Gamma-Gamma). Scoring and explaining share one prediction
 * function, so an explanation always shows the numbers that were scored. docs/clv.md has the
 * formulas and conventions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/clv/clv_math.h"
#include "core/frame_internal.h"
#include "core/model_internal.h"
#include "models/options.h"

#define CLV_OPT_COUNT 10 /* options are 1..9; slot 0 unused */

/* The options, indexes of clv_state.opt (purchase_model holds TIER_CLV_BGNBD or
 * TIER_CLV_PARETO_NBD, shown as the texts "bgnbd" and "pareto_nbd"). */
enum {
    CLV_OPT_PURCHASE_MODEL = 1,
    CLV_OPT_TIME_UNIT,
    CLV_OPT_CALIBRATION_END,
    CLV_OPT_HORIZON,
    CLV_OPT_DISCOUNT_RATE,
    CLV_OPT_DISCOUNT_PERIOD,
    CLV_OPT_MARGIN,
    CLV_OPT_AS_OF,
    CLV_OPT_REQUIRE_CONVERGENCE
};
#define CLV_ALL ((size_t)-1)
#define CLV_MAX_LINE 1024

enum { OUT_X, OUT_TX, OUT_T, OUT_P_ALIVE, OUT_EXPECTED, OUT_SPEND, OUT_CLV, OUT_COUNT };


/* Bounds per option: [lo, hi], whole numbers or not, NaN allowed, and the name used in messages
 * and in the saved text. */
typedef struct opt_rule {
    double lo, hi, def;
    int whole, nan_ok;
    const char *name;
} opt_rule;

static const opt_rule opt_rules[CLV_OPT_COUNT] = {
    {0, 0, 0, 0, 0, ""},
    {1, 2, TIER_CLV_BGNBD, 1, 0, "purchase_model"},
    {1, 366, 7, 1, 0, "time_unit"},
    {TIER_DAY_MIN, TIER_DAY_MAX, NAN, 1, 1, "calibration_end"},
    {1, 10000, 52, 1, 0, "horizon"},
    {0, 10, 0.01, 0, 0, "discount_rate"},
    {1, 36525, 30.4375, 0, 0, "discount_period"},
    {0, 1, 1, 0, 0, "margin"},
    {TIER_DAY_MIN, TIER_DAY_MAX, NAN, 1, 1, "as_of"},
    {0, 1, 0, 1, 0, "require_convergence"}};

/* What a fit learnt; loaded state has the same shape. */
typedef struct clv_fit {
    int kind;                            /* TIER_CLV_BGNBD or TIER_CLV_PARETO_NBD */
    double unit;                         /* days per time unit the parameters are in */
    tier__clv_fit_result sub[2];         /* [0] purchase, [1] Gamma-Gamma */
    double no_purchase, calibration_end; /* figures of the fitted book */
} clv_fit;

typedef struct clv_state {
    tier_allocator alloc;
    double opt[CLV_OPT_COUNT];
    int fitted;
    clv_fit fit;
    char err[TIER__ERR_SIZE];
} clv_state;

/* One customer's summary and whether it exists (a purchase day up to the end). */
typedef struct clv_summary {
    tier__clv_obs *obs; /* one per customer (or one for a single customer) */
    unsigned char *has;
    size_t n;
} clv_summary;

/* One kept transaction up to the end, grouped by customer. */
typedef struct clv_entry {
    int32_t day;
    int64_t amount; /* fixed point */
} clv_entry;

static int summarise_split(const tier_allocator *a, const tier_book *book, int32_t end,
                           int32_t hold_end, int has_end, double unit, size_t only,
                           clv_summary *out, double *hold, char *err);
static int clv_fit_cb(void *state, const tier_book *book, const tier_frame *inputs);
static int clv_score(void *state, const tier_book *book, tier_frame *frame);
static int clv_explain(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                       tier_text *out);
static void clv_destroy(void *state);
static const char *clv_last_error(void *state);
static int clv_set_option(void *state, const char *name, const tier_value *value);
static int clv_get_option(void *state, const char *name, tier_value *out);
static int clv_save(void *state, tier_state_writer *w);
static int clv_load(void *state, tier_state_reader *r);

static const tier_model_output clv_outputs[OUT_COUNT] = {
    {"x", TIER_VALUE_NUMBER},       {"t_x", TIER_VALUE_NUMBER},
    {"T", TIER_VALUE_NUMBER},       {"p_alive", TIER_VALUE_NUMBER},
    {"expected_purchases", TIER_VALUE_NUMBER}, {"expected_spend", TIER_VALUE_NUMBER},
    {"clv", TIER_VALUE_NUMBER}};

/* In the order of opt_rules: entry k - 1 is option k. */
static const tier_model_option clv_options[] = {
    {"purchase_model", TIER_OPTION_TEXT, "\"bgnbd\" (default) or \"pareto_nbd\"",
     TIER_OPTION_FORGETS_FIT},
    {"time_unit", TIER_OPTION_NUMBER,
     "days per time unit, an integer 1..366: 1 = days, 7 = weeks (default)", TIER_OPTION_FORGETS_FIT},
    {"calibration_end", TIER_OPTION_NUMBER,
     "last day number of the calibration period; nan (default): the as-of day - 1", 0},
    {"horizon", TIER_OPTION_NUMBER,
     "horizon of expected_purchases and clv in time units, an integer 1..10000 (default 52)", 0},
    {"discount_rate", TIER_OPTION_NUMBER, "discount rate per discount period, [0, 10] (default 0.01)",
     0},
    {"discount_period", TIER_OPTION_NUMBER,
     "days per discount period, [1, 36525] (default 30.4375, a month)", 0},
    {"margin", TIER_OPTION_NUMBER, "the fraction of spend that is value, [0, 1] (default 1)", 0},
    {"as_of", TIER_OPTION_NUMBER,
     "as-of day number; nan (default): the day after the book's last transaction", 0},
    {"require_convergence", TIER_OPTION_NUMBER,
     "1: a fit that did not converge fails; 0 (default): it keeps the best point found", 0},
};

#define N_OPTIONS (sizeof clv_options / sizeof clv_options[0])

static const tier_model_vtable clv_vtable = {
    .version = TIER_MODEL_VTABLE_VERSION,
    .kind = "clv",
    .fit = clv_fit_cb,
    .score = clv_score,
    .explain = clv_explain,
    .destroy = clv_destroy,
    .last_error = clv_last_error,
    .outputs = clv_outputs,
    .n_outputs = OUT_COUNT,
    .options = clv_options,
    .n_options = N_OPTIONS,
    .set_option = clv_set_option,
    .get_option = clv_get_option,
    .save = clv_save,
    .load = clv_load,
};

static clv_state *clv_of(const tier_model *model)
{
    return tier__model_state_if(model, &clv_vtable);
}

static int math_kind(int kind)
{
    return kind == TIER_CLV_PARETO_NBD ? TIER__CLV_PARETO_NBD : TIER__CLV_BGNBD;
}

/* ---- the calibration end -------------------------------------------------------------------- */

/* The last day that counts: the calibration end option, else the as-of day - 1 (the as-of day
 * defaulting to the day after the book's last transaction). Returns 0 with *has_end = 0 when
 * there is none (no option and an empty book), TIER_EINVAL when the options contradict. */
static int resolve_end(const double *opt, const tier_book *book, int32_t *out, int *has_end,
                       char *err)
{
    double cal = opt[CLV_OPT_CALIBRATION_END], as_of = opt[CLV_OPT_AS_OF];
    int32_t first, last;
    *has_end = 1;
    if (!isnan(cal)) {
        if (!isnan(as_of) && !(cal < as_of)) {
            tier__errorf(err, "the calibration end (day %.0f) must be before the as-of day (%.0f)",
                         cal, as_of);
            return TIER_EINVAL;
        }
        *out = (int32_t)cal;
        return TIER_OK;
    }
    if (!isnan(as_of)) {
        *out = (int32_t)as_of - 1;
        return TIER_OK;
    }
    if (tier_book_day_range(book, &first, &last) != TIER_OK) {
        *has_end = 0;
        return TIER_OK;
    }
    *out = last; /* as-of = last + 1, calibration end = as-of - 1 */
    return TIER_OK;
}

/* ---- purchase days per customer ------------------------------------------------------------- */

static int cmp_entry(const void *pa, const void *pb)
{
    const clv_entry *a = pa, *b = pb;
    return (a->day > b->day) - (a->day < b->day);
}

static void summary_free(const tier_allocator *a, clv_summary *s)
{
    tier__free(a, s->obs);
    tier__free(a, s->has);
    s->obs = NULL;
    s->has = NULL;
}

/* Summarises every customer (only == CLV_ALL) or customer `only` (one slot) over the kept
 * transactions dated <= end (summarise_split: <= hold_end, days after `end` only counted). A purchase day is a day with a row of amount >= 0; its value is the
 * net sum of that day's rows. Refund-only days are not purchases. Returns TIER_OK, TIER_ESTATE
 * (transactions not kept), TIER_ERANGE (a day's sum overflows) or TIER_ENOMEM. */
static int summarise(const tier_allocator *a, const tier_book *book, int32_t end, int has_end,
                     double unit, size_t only, clv_summary *out, char *err)
{
    return summarise_split(a, book, end, end, has_end, unit, only, out, NULL, err);
}

/* summarise() that also counts each customer's purchase days in (end, hold_end] into
 * hold[customer] (when hold != NULL; one slot per customer). */
static int summarise_split(const tier_allocator *a, const tier_book *book, int32_t end,
                           int32_t hold_end, int has_end, double unit, size_t only,
                           clv_summary *out, double *hold, char *err)
{
    size_t n = only == CLV_ALL ? tier_book_customer_count(book) : 1;
    size_t ntx = tier_book_txn_count(book), t, c, total, maxseg = 0;
    size_t *start = NULL;
    clv_entry *ent = NULL;
    int32_t *days = NULL;
    double *amounts = NULL;
    int64_t keep = 1;
    int rc = TIER_OK;

    out->obs = NULL;
    out->has = NULL;
    out->n = n;
    if (tier_book_get_option(book, TIER_BOOK_OPT_KEEP_TRANSACTIONS, &keep) == TIER_OK && !keep) {
        tier__errorf(err, "the clv model needs the book's transactions: create the book with "
                          "TIER_BOOK_OPT_KEEP_TRANSACTIONS = 1");
        return TIER_ESTATE;
    }
    out->obs = tier__calloc(a, n ? n : 1, sizeof *out->obs);
    out->has = tier__calloc(a, n ? n : 1, 1);
    start = tier__calloc(a, n + 1, sizeof *start);
    if (!out->obs || !out->has || !start)
        goto nomem;
    if (!has_end)
        ntx = 0; /* an empty book: nobody has a purchase */

    /* Counting sort: count per customer, prefix sums, place, shift back to starts. */
    for (t = 0; t < ntx; t++) {
        size_t cust;
        int32_t day;
        (void)tier_book_txn(book, t, &cust, &day, NULL, NULL);
        if (day > hold_end || (only != CLV_ALL && cust != only))
            continue;
        start[only == CLV_ALL ? cust + 1 : 1]++;
    }
    for (c = 0; c < n; c++) {
        if (start[c + 1] > maxseg)
            maxseg = start[c + 1];
        start[c + 1] += start[c];
    }
    total = start[n];
    ent = tier__malloc(a, (total ? total : 1) * sizeof *ent);
    days = tier__malloc(a, (maxseg ? maxseg : 1) * sizeof *days);
    amounts = tier__malloc(a, (maxseg ? maxseg : 1) * sizeof *amounts);
    if (!ent || !days || !amounts)
        goto nomem;
    for (t = 0; t < ntx && total; t++) {
        size_t cust;
        int32_t day;
        double amount;
        int64_t fx = 0;
        (void)tier_book_txn(book, t, &cust, &day, &amount, NULL);
        if (day > hold_end || (only != CLV_ALL && cust != only))
            continue;
        if (only != CLV_ALL)
            cust = 0;
        (void)tier__fixed_from_double(amount, &fx); /* exact: the book stores fixed point */
        ent[start[cust]].day = day;
        ent[start[cust]].amount = fx;
        start[cust]++;
    }
    for (c = n; c > 0; c--)
        start[c] = start[c - 1];
    start[0] = 0;

    for (c = 0; c < n; c++) {
        size_t b = start[c], e = start[c + 1], i, k = 0;
        int sorted = 1;
        for (i = b + 1; i < e && sorted; i++)
            sorted = ent[i].day >= ent[i - 1].day;
        if (!sorted) /* rows out of date order: sort this customer's slice */
            qsort(ent + b, e - b, sizeof *ent, cmp_entry);
        for (i = b; i < e;) {
            int32_t day = ent[i].day;
            int64_t net = 0;
            int purchase = 0;
            for (; i < e && ent[i].day == day; i++) {
                if (ent[i].amount >= 0)
                    purchase = 1;
                if (tier__add_i64(net, ent[i].amount, &net) != TIER_OK) {
                    tier__errorf(err, "the amounts of customer %lu on day %ld overflow",
                                 (unsigned long)(only == CLV_ALL ? c : only), (long)day);
                    rc = TIER_ERANGE;
                    goto done;
                }
            }
            if (!purchase)
                continue;
            days[k] = day;
            amounts[k] = tier__fixed_to_double(net);
            k++;
        }
        if (k && tier__clv_summarise(&out->obs[c], hold ? &hold[c] : NULL, days, amounts, k, end,
                                     hold_end, unit) == TIER_OK)
            out->has[c] = 1;
    }
    goto done;
nomem:
    tier__errorf(err, "out of memory summarising the purchases of %lu customers", (unsigned long)n);
    rc = TIER_ENOMEM;
done:
    tier__free(a, start);
    tier__free(a, ent);
    tier__free(a, days);
    tier__free(a, amounts);
    if (rc)
        summary_free(a, out);
    return rc;
}

/* ---- predictions ---------------------------------------------------------------------------- */

#define CLV_MAX_PERIODS 10000.0

/* The discounted expected purchases over the horizon h (time units): periods of length d time
 * units, each discounted at its end at `rate`, the last one partial. *out_e gets E(h). */
static int discounted_purchases(double *out, double *out_e, int kind, const double *param,
                                const tier__clv_obs *o, double h, double d, double rate)
{
    double prev = 0.0, total = 0.0, disc = 1.0, e = 0.0;
    size_t k, periods = (size_t)ceil(h / d - 1e-9);
    int rc;
    if (periods < 1)
        periods = 1;
    for (k = 1; k <= periods; k++) {
        double t = k == periods ? h : d * (double)k;
        rc = tier__clv_expected(&e, kind, param, t, o->x, o->t_x, o->T);
        if (rc != TIER_OK)
            return rc;
        disc /= 1.0 + rate;
        total += (e > prev ? e - prev : 0.0) * disc; /* E is increasing; guard rounding */
        if (e > prev)
            prev = e;
    }
    *out = total;
    *out_e = e;
    return TIER_OK;
}

/* Every output for one summarised customer into v[OUT_COUNT] (NaN where not available). */
static int predict(const clv_state *st, const tier__clv_obs *o, double *v, char *err)
{
    const clv_fit *f = &st->fit;
    const double *opt = st->opt;
    int kind = math_kind(f->kind), rc;
    double m = o->m > 0.0 ? o->m : 0.0; /* a negative mean (refunds) is valued as 0 */
    double spend, total = 0.0, h = opt[CLV_OPT_HORIZON];
    double d = opt[CLV_OPT_DISCOUNT_PERIOD] / f->unit;
    v[OUT_X] = o->x;
    v[OUT_TX] = o->t_x;
    v[OUT_T] = o->T;
    v[OUT_SPEND] = v[OUT_CLV] = NAN;
    rc = tier__clv_p_alive(&v[OUT_P_ALIVE], kind, f->sub[0].param, o->x, o->t_x, o->T);
    if (rc == TIER_OK)
        rc = discounted_purchases(&total, &v[OUT_EXPECTED], kind, f->sub[0].param, o, h, d,
                                  opt[CLV_OPT_DISCOUNT_RATE]);
    if (rc != TIER_OK) {
        tier__errorf(err, "no prediction for x = %g, t_x = %g, T = %g: %s", o->x, o->t_x, o->T,
                     rc == TIER_ERANGE ? "a series did not converge" : tier_strerror(rc));
        return rc;
    }
    rc = tier__clv_expected_spend(&spend, f->sub[1].param, o->x, m);
    if (rc == TIER_ERANGE && o->x == 0.0)
        return TIER_OK; /* q <= 1: no population mean spend, documented NaN */
    if (rc != TIER_OK) {
        tier__errorf(err, "no expected spend for x = %g, m = %g: %s", o->x, m, tier_strerror(rc));
        return rc;
    }
    v[OUT_SPEND] = spend;
    v[OUT_CLV] = opt[CLV_OPT_MARGIN] * spend * total;
    return TIER_OK;
}

/* TIER_ERANGE when the horizon spans too many discount periods. */
static int check_periods(const double *opt, double unit, char *err)
{
    double periods = opt[CLV_OPT_HORIZON] * unit / opt[CLV_OPT_DISCOUNT_PERIOD];
    if (periods > CLV_MAX_PERIODS) {
        tier__errorf(err,
                     "the horizon (%g x %g days) spans %.0f discount periods of %g days; "
                     "at most %.0f",
                     opt[CLV_OPT_HORIZON], unit, ceil(periods),
                     opt[CLV_OPT_DISCOUNT_PERIOD], CLV_MAX_PERIODS);
        return TIER_ERANGE;
    }
    return TIER_OK;
}

/* ---- vtable --------------------------------------------------------------------------------- */

static int clv_fit_cb(void *state, const tier_book *book, const tier_frame *inputs)
{
    clv_state *st = state;
    clv_summary s = {NULL, NULL, 0};
    tier__clv_obs *rows = NULL;
    clv_fit f;
    size_t i, m = 0;
    int32_t end = 0;
    int has_end, rc, sub;
    char day[16];
    (void)inputs;

    memset(&f, 0, sizeof f);
    f.kind = (int)st->opt[CLV_OPT_PURCHASE_MODEL];
    f.unit = st->opt[CLV_OPT_TIME_UNIT];
    if ((rc = resolve_end(st->opt, book, &end, &has_end, st->err)) != TIER_OK ||
        (rc = check_periods(st->opt, f.unit, st->err)) != TIER_OK)
        return rc;
    if (!has_end) {
        tier__errorf(st->err, "the book has no transactions: nothing to fit");
        return TIER_EINVAL;
    }
    rc = summarise(&st->alloc, book, end, 1, f.unit, CLV_ALL, &s, st->err);
    if (rc)
        return rc;
    rows = tier__malloc(&st->alloc, (s.n ? s.n : 1) * sizeof *rows);
    if (!rows) {
        tier__errorf(st->err, "out of memory for the summaries of %lu customers",
                     (unsigned long)s.n);
        rc = TIER_ENOMEM;
        goto done;
    }
    for (i = 0; i < s.n; i++)
        if (s.has[i])
            rows[m++] = s.obs[i];
    f.no_purchase = (double)(s.n - m);
    f.calibration_end = (double)end;
    if (!m) {
        if (tier_date_format_iso(day, sizeof day, end) != TIER_OK)
            snprintf(day, sizeof day, "day %ld", (long)end);
        tier__errorf(st->err, "no customer has a purchase up to the calibration end %s", day);
        rc = TIER_EINVAL;
        goto done;
    }
    for (sub = 0; sub < 2; sub++) {
        char why[TIER__ERR_SIZE];
        int mk = sub == 0 ? math_kind(f.kind) : TIER__CLV_GAMMA_GAMMA;
        why[0] = '\0';
        rc = tier__clv_fit(&f.sub[sub], mk, rows, m, NULL, &st->alloc, why);
        /* A finite best point without convergence is kept (and reported) unless required. */
        if (rc == TIER_ECONVERGE && f.sub[sub].param[0] > 0.0 &&
            !st->opt[CLV_OPT_REQUIRE_CONVERGENCE])
            rc = TIER_OK;
        if (rc) {
            const char *what = sub == 0 ? (f.kind == TIER_CLV_PARETO_NBD ? "Pareto/NBD" : "BG/NBD")
                                        : "Gamma-Gamma";
            if (rc == TIER_ENOMEM)
                tier__errorf(st->err, "out of memory fitting the %s model", what);
            else
                tier__errorf(st->err, "%s fit on %lu customers: %s", what, (unsigned long)m,
                             why[0] ? why : tier_strerror(rc));
            goto done;
        }
    }
    st->fit = f;
    st->fitted = 1;
    st->err[0] = '\0';
done:
    tier__free(&st->alloc, rows);
    summary_free(&st->alloc, &s);
    return rc;
}

static int clv_score(void *state, const tier_book *book, tier_frame *frame)
{
    const clv_state *st = state;
    char *err = tier__frame_error(frame);
    clv_summary s = {NULL, NULL, 0};
    double *out[OUT_COUNT];
    size_t i, k;
    int32_t end = 0;
    int has_end, rc;

    /* Scoring never writes the state (several threads may score at once): failures are
     * described in the frame's error text. */
    if ((rc = resolve_end(st->opt, book, &end, &has_end, err)) != TIER_OK ||
        (rc = check_periods(st->opt, st->fit.unit, err)) != TIER_OK)
        return rc;
    rc = summarise(&st->alloc, book, end, has_end, st->fit.unit, CLV_ALL, &s, err);
    if (rc)
        return rc;
    for (k = 0; k < OUT_COUNT && rc == TIER_OK; k++)
        rc = tier_frame_add_numbers(frame, clv_outputs[k].name, &out[k]);
    for (i = 0; i < s.n && rc == TIER_OK; i++) {
        double v[OUT_COUNT];
        if (!s.has[i])
            continue; /* the columns start as NaN */
        rc = predict(st, &s.obs[i], v, err);
        if (rc == TIER_OK)
            for (k = 0; k < OUT_COUNT; k++)
                out[k][i] = v[k];
    }
    summary_free(&st->alloc, &s);
    return rc; /* on failure model.c drops the columns added */
}

/* Appends printf-style text to `out` (through a bounded buffer). */
static int append(tier_text *out, char *buf, size_t cap, int n)
{
    if (n < 0)
        return TIER_ERROR;
    if ((size_t)n >= cap)
        n = (int)cap - 1;
    return tier_text_append(out, buf, (size_t)n);
}

static int clv_explain(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                       tier_text *out)
{
    const clv_state *st = state;
    const clv_fit *f = &st->fit;
    const double *p = f->sub[0].param, *g = f->sub[1].param, *o = st->opt;
    clv_summary s = {NULL, NULL, 0};
    char buf[1024], day[16], err[TIER__ERR_SIZE];
    const char *unit = f->unit == 7.0 ? "weeks" : f->unit == 1.0 ? "days" : "time units";
    double v[OUT_COUNT];
    int32_t end = 0;
    int has_end, rc, n;
    (void)frame;

    if ((rc = resolve_end(o, book, &end, &has_end, err)) != TIER_OK ||
        (rc = check_periods(o, f->unit, err)) != TIER_OK)
        return rc;
    if (has_end && tier_date_format_iso(day, sizeof day, end) != TIER_OK)
        snprintf(day, sizeof day, "day %ld", (long)end);
    rc = summarise(&st->alloc, book, end, has_end, f->unit, customer, &s, err);
    if (rc)
        return rc;
    if (!s.has[0]) {
        summary_free(&st->alloc, &s);
        n = snprintf(buf, sizeof buf,
                     "clv: no purchase up to the calibration end %s, so no prediction (every "
                     "output is NaN)",
                     has_end ? day : "(empty book)");
        return append(out, buf, sizeof buf, n);
    }
    rc = predict(st, &s.obs[0], v, err);
    if (rc == TIER_OK) {
        n = snprintf(buf, sizeof buf,
                     "clv up to %s in %s (%g days): x = %g repeat purchase days, t_x = %.4g, "
                     "T = %.4g, mean repeat value m = %.2f. ",
                     day, unit, f->unit, s.obs[0].x, s.obs[0].t_x, s.obs[0].T, s.obs[0].m);
        rc = append(out, buf, sizeof buf, n);
    }
    summary_free(&st->alloc, &s);
    if (rc)
        return rc;
    n = snprintf(buf, sizeof buf,
                 "%s (r %.4g, alpha %.4g, %s %.4g, %s %.4g): P(alive) = %.4f; expected purchases "
                 "in the next %g %s = %.4f. ",
                 f->kind == TIER_CLV_PARETO_NBD ? "Pareto/NBD" : "BG/NBD", p[0], p[1],
                 f->kind == TIER_CLV_PARETO_NBD ? "s" : "a", p[2],
                 f->kind == TIER_CLV_PARETO_NBD ? "beta" : "b", p[3], v[OUT_P_ALIVE],
                 o[CLV_OPT_HORIZON], unit, v[OUT_EXPECTED]);
    if ((rc = append(out, buf, sizeof buf, n)) != TIER_OK)
        return rc;
    if (isnan(v[OUT_SPEND]))
        n = snprintf(buf, sizeof buf,
                     "Gamma-Gamma (p %.4g, q %.4g, gamma %.4g): no expected spend for x = 0 "
                     "because q <= 1 (the population mean does not exist); clv NaN.",
                     g[0], g[1], g[2]);
    else
        n = snprintf(buf, sizeof buf,
                     "Gamma-Gamma (p %.4g, q %.4g, gamma %.4g): expected spend per purchase = "
                     "p (gamma + x m) / (p x + q - 1) = %.2f. clv = margin %g x spend x the "
                     "expected purchases of each %g-day period, discounted at %g per period at "
                     "its end = %.2f.",
                     g[0], g[1], g[2], v[OUT_SPEND], o[CLV_OPT_MARGIN],
                     o[CLV_OPT_DISCOUNT_PERIOD], o[CLV_OPT_DISCOUNT_RATE], v[OUT_CLV]);
    return append(out, buf, sizeof buf, n);
}

static void clv_destroy(void *state)
{
    clv_state *st = state;
    tier_allocator a;
    if (!st)
        return;
    a = st->alloc;
    tier__free(&a, st);
}

static const char *clv_last_error(void *state)
{
    return ((clv_state *)state)->err;
}

/* ---- public API ----------------------------------------------------------------------------- */

int tier_clv_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    tier_allocator a;
    clv_state *st;
    int k;
    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    if (!name)
        name = "clv";
    tier__alloc_init(&a, alloc);
    st = tier__calloc(&a, 1, sizeof *st);
    if (!st)
        return TIER_ENOMEM;
    st->alloc = a;
    for (k = 1; k < CLV_OPT_COUNT; k++)
        st->opt[k] = opt_rules[k].def;
    return tier_model_new(out, &clv_vtable, st, name, alloc);
}

static int check_option(char *err, int option, double value)
{
    const opt_rule *r = &opt_rules[option];
    if (r->nan_ok && isnan(value))
        return TIER_OK;
    if (!(value >= r->lo && value <= r->hi) || (r->whole && value != floor(value))) {
        tier__errorf(err, "%s %g is out of range: need %s[%g, %g]%s", r->name, value,
                     r->whole ? "a whole number in " : "", r->lo, r->hi,
                     r->nan_ok ? " or NaN" : "");
        return TIER_ERANGE;
    }
    return TIER_OK;
}

/* The fitted sub-model `which`, or NULL with the reason in *rc. */
static const tier__clv_fit_result *sub_of(const tier_model *model, int which, int *rc)
{
    clv_state *st = clv_of(model);
    if (!st || (which != TIER_CLV_PURCHASE && which != TIER_CLV_SPEND)) {
        *rc = TIER_EINVAL;
        return NULL;
    }
    if (!st->fitted || !tier_model_is_fitted(model)) {
        tier__errorf(st->err, "the clv model is not fitted");
        *rc = TIER_ESTATE;
        return NULL;
    }
    return &st->fit.sub[which - 1];
}

static int copy_values(const tier_model *model, int which, double *out, size_t n, int se)
{
    const tier__clv_fit_result *r;
    int rc = TIER_OK;
    if (!out)
        return TIER_EINVAL;
    if (!(r = sub_of(model, which, &rc)))
        return rc;
    if (n < r->n_params) {
        tier__errorf(clv_of(model)->err, "room for %lu values, the model has %lu", (unsigned long)n,
                     (unsigned long)r->n_params);
        return TIER_ERANGE;
    }
    if (se && !r->se_ok) {
        tier__errorf(clv_of(model)->err, "standard errors are not available (the information "
                                         "matrix was not positive definite, or none were loaded)");
        return TIER_ENOTFOUND;
    }
    memcpy(out, se ? r->se : r->param, r->n_params * sizeof *out);
    return TIER_OK;
}

int tier_clv_params(const tier_model *model, int which, double *out, size_t n)
{
    return copy_values(model, which, out, n, 0);
}

int tier_clv_standard_errors(const tier_model *model, int which, double *out, size_t n)
{
    return copy_values(model, which, out, n, 1);
}

int tier_clv_fit_stat(const tier_model *model, int which, int stat, double *out)
{
    const tier__clv_fit_result *r;
    const clv_state *st = clv_of(model);
    int rc = TIER_OK;
    if (!out)
        return TIER_EINVAL;
    if (!(r = sub_of(model, which, &rc)))
        return rc;
    switch (stat) {
    case TIER_CLV_STAT_LOG_LIKELIHOOD:
        *out = r->loglik;
        break;
    case TIER_CLV_STAT_ITERATIONS:
        *out = r->iterations < 0 ? NAN : (double)r->iterations;
        break;
    case TIER_CLV_STAT_CONVERGED:
        *out = (double)r->converged;
        break;
    case TIER_CLV_STAT_CUSTOMERS:
        *out = r->n_used;
        break;
    case TIER_CLV_STAT_EXCLUDED_ZERO_SPEND:
        *out = r->n_excluded;
        break;
    case TIER_CLV_STAT_GRADIENT:
        *out = r->grad_norm;
        break;
    case TIER_CLV_STAT_EVALUATIONS:
        *out = r->evaluations < 0 ? NAN : (double)r->evaluations;
        break;
    case TIER_CLV_STAT_DISTINCT_ROWS:
        *out = (double)r->n_distinct;
        break;
    case TIER_CLV_STAT_NO_PURCHASE:
        *out = st->fit.no_purchase;
        break;
    case TIER_CLV_STAT_CALIBRATION_END:
        *out = st->fit.calibration_end;
        break;
    default:
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* ---- calibration / holdout validation ------------------------------------------------------- */

int tier_clv_holdout(const tier_model *model, const tier_book *book, int32_t holdout_end,
                     tier_frame *frame, double *out_stats, size_t n_stats)
{
    clv_state *st = clv_of(model);
    clv_summary s = {NULL, NULL, 0};
    double *hold = NULL, *col_act = NULL, *col_pred = NULL, stats[TIER_CLV_HOLDOUT_COUNT];
    double cal, span, cohort = 0.0, actual = 0.0, predicted = 0.0, abs_err = 0.0;
    size_t i, n, mark = 0;
    int rc;
    if (!st || !book || (n_stats && !out_stats))
        return TIER_EINVAL;
    if (!st->fitted || !tier_model_is_fitted(model)) {
        tier__errorf(st->err, "the clv model is not fitted");
        return TIER_ESTATE;
    }
    n = tier_book_customer_count(book);
    if (frame && tier_frame_rows(frame) != n) {
        tier__errorf(st->err, "the frame has %lu rows but the book %lu customers",
                     (unsigned long)tier_frame_rows(frame), (unsigned long)n);
        return TIER_EINVAL;
    }
    /* The calibration end option, else the end the model was fitted with. */
    cal = st->opt[CLV_OPT_CALIBRATION_END];
    if (isnan(cal))
        cal = st->fit.calibration_end;
    if (!((double)holdout_end > cal)) {
        tier__errorf(st->err, "the holdout end (day %ld) must be after the calibration end (day %.0f)",
                     (long)holdout_end, cal);
        return TIER_EINVAL;
    }
    span = ((double)holdout_end - cal) / st->fit.unit;
    hold = tier__calloc(&st->alloc, n ? n : 1, sizeof *hold);
    if (!hold) {
        tier__errorf(st->err, "out of memory for the holdout counts of %lu customers",
                     (unsigned long)n);
        return TIER_ENOMEM;
    }
    rc = summarise_split(&st->alloc, book, (int32_t)cal, holdout_end, 1, st->fit.unit, CLV_ALL, &s,
                         hold, st->err);
    if (rc)
        goto done;
    if (frame) {
        mark = tier__frame_begin(frame, tier_model_name(model));
        rc = tier_frame_add_numbers(frame, "holdout_purchases", &col_act);
        if (rc == TIER_OK)
            rc = tier_frame_add_numbers(frame, "predicted_purchases", &col_pred);
        if (rc)
            tier__errorf(st->err, "cannot add the holdout columns: %s",
                         tier_frame_last_error(frame));
    }
    for (i = 0; i < s.n && rc == TIER_OK; i++) {
        double e;
        if (!s.has[i])
            continue; /* not in the calibration cohort: NaN */
        rc = tier__clv_expected(&e, math_kind(st->fit.kind), st->fit.sub[0].param, span,
                                s.obs[i].x, s.obs[i].t_x, s.obs[i].T);
        if (rc) {
            tier__errorf(st->err, "no prediction for x = %g, t_x = %g, T = %g: %s", s.obs[i].x,
                         s.obs[i].t_x, s.obs[i].T, tier_strerror(rc));
            break;
        }
        cohort += 1.0;
        actual += hold[i];
        predicted += e;
        abs_err += fabs(hold[i] - e);
        if (frame) {
            col_act[i] = hold[i];
            col_pred[i] = e;
        }
    }
    if (frame)
        tier__frame_end(frame, mark, rc == TIER_OK);
    if (rc == TIER_OK) {
        stats[TIER_CLV_HOLDOUT_CUSTOMERS - 1] = cohort;
        stats[TIER_CLV_HOLDOUT_ACTUAL - 1] = actual;
        stats[TIER_CLV_HOLDOUT_PREDICTED - 1] = predicted;
        stats[TIER_CLV_HOLDOUT_MAE - 1] = cohort > 0.0 ? abs_err / cohort : NAN;
        stats[TIER_CLV_HOLDOUT_SPAN - 1] = span;
        stats[TIER_CLV_HOLDOUT_CALIBRATION_END - 1] = cal;
        for (i = 0; i < n_stats && i < TIER_CLV_HOLDOUT_COUNT; i++)
            out_stats[i] = stats[i];
    }
done:
    tier__free(&st->alloc, hold);
    summary_free(&st->alloc, &s);
    return rc;
}

/* ---- options and saved state (docs/clv.md, docs/model-state-format.md) --------------------- */

static const char *const kind_names[2] = {"bgnbd", "pareto_nbd"};

/* Index (1..9) of option `name`. */
static int option_index(const char *name)
{
    int k;
    for (k = 1; k < CLV_OPT_COUNT && strcmp(opt_rules[k].name, name) != 0; k++)
        ;
    return k;
}

/* Checks option `name`'s value and stores it into opt[]; TIER_OK or a status with `err`. */
static int config_set(double *opt, const char *name, const tier_value *v, char *err)
{
    int k = option_index(name), choice, rc;
    if (k == CLV_OPT_PURCHASE_MODEL) {
        if ((rc = tier__opt_choice(v, kind_names, 2, &choice, err)) != TIER_OK)
            return rc;
        opt[k] = choice == 1 ? TIER_CLV_PARETO_NBD : TIER_CLV_BGNBD;
        return TIER_OK;
    }
    if ((rc = check_option(err, k, tier_value_number(v))) != TIER_OK)
        return rc;
    opt[k] = tier_value_number(v);
    return TIER_OK;
}

static int clv_set_option(void *state, const char *name, const tier_value *value)
{
    clv_state *st = state;
    double opt[CLV_OPT_COUNT];
    int rc;
    memcpy(opt, st->opt, sizeof opt);
    if ((rc = config_set(opt, name, value, st->err)) != TIER_OK)
        return rc;
    /* The parameters belong to one purchase model and one time unit. */
    if (opt[CLV_OPT_PURCHASE_MODEL] != st->opt[CLV_OPT_PURCHASE_MODEL] ||
        opt[CLV_OPT_TIME_UNIT] != st->opt[CLV_OPT_TIME_UNIT])
        st->fitted = 0;
    memcpy(st->opt, opt, sizeof opt);
    st->err[0] = '\0';
    return TIER_OK;
}

static int clv_get_option(void *state, const char *name, tier_value *out)
{
    const clv_state *st = state;
    int k = option_index(name);
    if (k == CLV_OPT_PURCHASE_MODEL)
        return tier_value_set_text(
            out, kind_names[st->opt[k] == TIER_CLV_PARETO_NBD ? 1 : 0]);
    return tier_value_set_number(out, st->opt[k]);
}

static const char *const sub_names[2] = {"purchase", "spend"};

/* The figures of one fitted sub-model, by record key suffix. */
enum { STAT_LOGLIK, STAT_ITERATIONS, STAT_CONVERGED, STAT_CUSTOMERS, STAT_EXCLUDED,
       STAT_GRADIENT, STAT_EVALUATIONS, STAT_DISTINCT, STAT_STARTS, STAT_COUNT };
static const char *const stat_keys[STAT_COUNT] = {"loglik",   "iterations",  "converged",
                                                  "customers", "excluded",   "gradient",
                                                  "evaluations", "distinct_rows", "starts"};

static void stats_of(const tier__clv_fit_result *r, double *v)
{
    v[STAT_LOGLIK] = r->loglik;
    v[STAT_ITERATIONS] = r->iterations < 0 ? NAN : (double)r->iterations;
    v[STAT_CONVERGED] = (double)r->converged;
    v[STAT_CUSTOMERS] = r->n_used;
    v[STAT_EXCLUDED] = r->n_excluded;
    v[STAT_GRADIENT] = r->grad_norm;
    v[STAT_EVALUATIONS] = r->evaluations < 0 ? NAN : (double)r->evaluations;
    v[STAT_DISTINCT] = (double)r->n_distinct;
    v[STAT_STARTS] = (double)r->starts;
}

static int whole_in(double v, double lo, double hi)
{
    return v >= lo && v <= hi && v == floor(v);
}

/* Stores stat `k` into r; 0 when the value is not acceptable. */
static int set_stat(tier__clv_fit_result *r, int k, double v)
{
    switch (k) {
    case STAT_LOGLIK:
        r->loglik = v;
        return !isinf(v);
    case STAT_ITERATIONS:
        r->iterations = isnan(v) ? -1 : (int)v;
        return isnan(v) || whole_in(v, 0, 1e9);
    case STAT_CONVERGED:
        r->converged = v == 1.0;
        return v == 0.0 || v == 1.0;
    case STAT_CUSTOMERS:
        r->n_used = v;
        return v >= 0 && isfinite(v);
    case STAT_EXCLUDED:
        r->n_excluded = v;
        return v >= 0 && isfinite(v);
    case STAT_GRADIENT:
        r->grad_norm = v;
        return !(v < 0);
    case STAT_EVALUATIONS:
        r->evaluations = isnan(v) ? -1 : (int)v;
        return isnan(v) || whole_in(v, 0, 1e9);
    case STAT_DISTINCT:
        r->n_distinct = whole_in(v, 0, 1e15) ? (size_t)v : 0;
        return whole_in(v, 0, 1e15);
    default:
        r->starts = whole_in(v, 0, 1e9) ? (int)v : 0;
        return whole_in(v, 0, 1e9);
    }
}

static int clv_save(void *state, tier_state_writer *w)
{
    clv_state *st = state;
    char key[48];
    int rc, sub, k;
    if (!st->fitted)
        return TIER_ESTATE;
    rc = tier__opt_save(w, clv_options, N_OPTIONS, st, clv_get_option, &st->alloc);
    if (rc)
        return rc;
    tier_state_write_key(w, "fit.calibration_end");
    tier_state_write_number(w, st->fit.calibration_end);
    tier_state_write_key(w, "fit.no_purchase");
    tier_state_write_number(w, st->fit.no_purchase);
    for (sub = 0; sub < 2; sub++) {
        const tier__clv_fit_result *r = &st->fit.sub[sub];
        double v[STAT_COUNT];
        snprintf(key, sizeof key, "%s.params", sub_names[sub]);
        tier_state_write_key(w, key);
        tier_state_write_numbers(w, r->param, r->n_params);
        if (r->se_ok) {
            snprintf(key, sizeof key, "%s.se", sub_names[sub]);
            tier_state_write_key(w, key);
            tier_state_write_numbers(w, r->se, r->n_params);
        }
        stats_of(r, v);
        for (k = 0; k < STAT_COUNT; k++) {
            snprintf(key, sizeof key, "%s.%s", sub_names[sub], stat_keys[k]);
            tier_state_write_key(w, key);
            rc = tier_state_write_number(w, v[k]);
        }
    }
    return rc;
}

/* Reads one "purchase.*" or "spend.*" record into f.sub[sub]; *seen marks what was read. */
static int load_sub(tier_state_reader *r, tier__clv_fit_result *res, const char *what,
                    unsigned *seen)
{
    char msg[160];
    double v[TIER__CLV_MAX_PARAMS], x;
    size_t i, n = tier_state_read_count(r);
    int k, bit;
    if (strcmp(what, "params") == 0 || strcmp(what, "se") == 0) {
        int se = what[0] == 's';
        bit = se ? 1 : 0;
        if (n != res->n_params) {
            snprintf(msg, sizeof msg, "%lu %s for a sub-model of %lu parameters",
                     (unsigned long)n, se ? "standard errors" : "parameters",
                     (unsigned long)res->n_params);
            return tier_state_read_fail(r, msg);
        }
        if (tier_state_read_numbers(r, v, n) != TIER_OK)
            return TIER_ECORRUPT;
        for (i = 0; i < n; i++)
            if (!isfinite(v[i]) || !(v[i] > 0.0))
                return tier_state_read_fail(r, se ? "standard errors must be positive finite "
                                                    "numbers"
                                                  : "parameters must be positive finite numbers");
        memcpy(se ? res->se : res->param, v, n * sizeof *v);
        if (se)
            res->se_ok = 1;
    } else {
        for (k = 0; k < STAT_COUNT && strcmp(what, stat_keys[k]) != 0; k++)
            ;
        if (k == STAT_COUNT)
            return 0;
        bit = 2 + k;
        if (tier_state_read_numbers(r, &x, 1) != TIER_OK)
            return TIER_ECORRUPT;
        if (!set_stat(res, k, x)) {
            snprintf(msg, sizeof msg, "bad value for %s", stat_keys[k]);
            return tier_state_read_fail(r, msg);
        }
    }
    if (*seen & (1u << bit))
        return tier_state_read_fail(r, "record given twice");
    *seen |= 1u << bit;
    return 1;
}

static int clv_load(void *state, tier_state_reader *r)
{
    clv_state *st = state;
    double opt[CLV_OPT_COUNT];
    clv_fit f;
    unsigned seen[2] = {0, 0}, book_seen = 0;
    const char *key;
    char why[TIER__ERR_SIZE];
    tier_value val;
    int rc, k, sub;

    opt[0] = 0;
    for (k = 1; k < CLV_OPT_COUNT; k++)
        opt[k] = opt_rules[k].def;
    memset(&f, 0, sizeof f);
    tier__value_init(&val, &st->alloc);
    while ((rc = tier_state_read_next(r, &key)) == 1) {
        const tier_model_option *o = NULL;
        rc = tier__opt_read(r, key, clv_options, N_OPTIONS, &val, &o);
        if (rc < 0)
            break;
        if (rc == 1) {
            if ((rc = config_set(opt, o->name, &val, why)) != TIER_OK) {
                rc = tier__opt_refuse(r, o->name, why);
                break;
            }
            continue;
        }
        /* The sub-models' shapes follow the purchase model (an option record before them). */
        f.sub[0].kind = math_kind((int)opt[CLV_OPT_PURCHASE_MODEL]);
        f.sub[1].kind = TIER__CLV_GAMMA_GAMMA;
        for (sub = 0; sub < 2; sub++)
            f.sub[sub].n_params = tier__clv_param_count(f.sub[sub].kind);
        rc = 0;
        if (strcmp(key, "fit.calibration_end") == 0 || strcmp(key, "fit.no_purchase") == 0) {
            int end = key[4] == 'c';
            double x;
            if ((rc = tier_state_read_numbers(r, &x, 1)) != TIER_OK)
                break;
            if (end ? !whole_in(x, TIER_DAY_MIN, TIER_DAY_MAX) : !(x >= 0 && isfinite(x))) {
                rc = tier_state_read_fail(r, end ? "not a day number" : "not a customer count");
                break;
            }
            if (book_seen & (1u << end)) {
                rc = tier_state_read_fail(r, "record given twice");
                break;
            }
            book_seen |= 1u << end;
            if (end)
                f.calibration_end = x;
            else
                f.no_purchase = x;
            continue;
        }
        for (sub = 0; sub < 2; sub++) {
            size_t n = strlen(sub_names[sub]);
            if (strncmp(key, sub_names[sub], n) == 0 && key[n] == '.') {
                rc = load_sub(r, &f.sub[sub], key + n + 1, &seen[sub]);
                break;
            }
        }
        if (rc < 0)
            break;
        if (rc == 0) {
            snprintf(why, sizeof why, "unknown record \"%s\"", key);
            rc = tier_state_read_fail(r, why);
            break;
        }
    }
    tier__value_clear(&val);
    if (rc < 0)
        return rc;
    /* Everything but the standard errors (bit 1) must be there. */
    for (sub = 0; sub < 2; sub++)
        if ((seen[sub] | 2u) != (1u << (2 + STAT_COUNT)) - 1u) {
            snprintf(why, sizeof why, "the %s sub-model is incomplete", sub_names[sub]);
            return tier_state_read_fail(r, why);
        }
    if (book_seen != 3)
        return tier_state_read_fail(r, "no fit.calibration_end or fit.no_purchase record");
    if (f.sub[0].kind != math_kind((int)opt[CLV_OPT_PURCHASE_MODEL]))
        return tier_state_read_fail(r, "the purchase model changed after its parameters");
    f.kind = (int)opt[CLV_OPT_PURCHASE_MODEL];
    f.unit = opt[CLV_OPT_TIME_UNIT];
    memcpy(st->opt, opt, sizeof opt);
    st->fit = f;
    st->fitted = 1;
    st->err[0] = '\0';
    return TIER_OK;
}
