/* SPDX-License-Identifier: MIT */
/* The built-in clv model, made through the public model vtable: each customer's kept
 * transactions are reduced to purchase days (grouped in O(n) by a counting sort over the book's
 * transactions), summarised up to the calibration end, and fed to the numerical core in
 * clv_math.h (BG/NBD or Pareto/NBD, Gamma-Gamma). Scoring and explaining share one prediction
 * function, so an explanation always shows the numbers that were scored. docs/clv.md has the
 * formulas and conventions. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/frame_internal.h"
#include "models/clv/clv_internal.h"
#include "models/model_common.h"

const tier__opt_rule tier__clv_opt_rules[CLV_OPT_COUNT] = {
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

static int tier__clv_model_fit(void *state, const tier_book *book, const tier_frame *inputs);
static int tier__clv_model_score(void *state, const tier_book *book, tier_frame *frame);
static int tier__clv_model_score_row(void *state, const tier_book *book, const tier_frame *frame,
                                     size_t customer, double *numbers, const char **labels);
static int tier__clv_model_explain(void *state, const tier_book *book, const tier_frame *frame,
                                   size_t customer, tier_text *out);
static void tier__clv_model_destroy(void *state);

static const tier_model_output tier__clv_model_outputs[OUT_COUNT] = {
    {"x", TIER_VALUE_NUMBER},
    {"t_x", TIER_VALUE_NUMBER},
    {"T", TIER_VALUE_NUMBER},
    {"p_alive", TIER_VALUE_NUMBER},
    {"expected_purchases", TIER_VALUE_NUMBER},
    {"expected_spend", TIER_VALUE_NUMBER},
    {"clv", TIER_VALUE_NUMBER}};

/* In the order of tier__clv_opt_rules: entry k - 1 is option k. */
const tier_model_option tier__clv_model_options[CLV_N_OPTIONS] = {
    {"purchase_model", TIER_OPTION_TEXT, "\"bgnbd\" (default) or \"pareto_nbd\"",
     TIER_OPTION_FORGETS_FIT},
    {"time_unit", TIER_OPTION_NUMBER,
     "days per time unit, an integer 1..366: 1 = days, 7 = weeks (default)",
     TIER_OPTION_FORGETS_FIT},
    {"calibration_end", TIER_OPTION_NUMBER,
     "last day number of the calibration period; nan (default): the as-of day - 1", 0},
    {"horizon", TIER_OPTION_NUMBER,
     "horizon of expected_purchases and clv in time units, an integer 1..10000 (default 52)", 0},
    {"discount_rate", TIER_OPTION_NUMBER,
     "discount rate per discount period, [0, 10] (default 0.01)", 0},
    {"discount_period", TIER_OPTION_NUMBER,
     "days per discount period, [1, 36525] (default 30.4375, a month)", 0},
    {"margin", TIER_OPTION_NUMBER, "the fraction of spend that is value, [0, 1] (default 1)", 0},
    {"as_of", TIER_OPTION_NUMBER,
     "as-of day number; nan (default): the day after the book's last transaction", 0},
    {"require_convergence", TIER_OPTION_NUMBER,
     "1: a fit that did not converge fails; 0 (default): it keeps the best point found", 0},
};

static const tier_model_vtable clv_vtable =
    TIER__BUILTIN_SUMMARY_VTABLE("clv", tier__clv_model, NULL, tier__clv_model_score_row);

static clv_state *clv_of(const tier_model *model)
{
    return tier__model_state_if(model, &clv_vtable);
}

int tier__clv_math_kind(int kind)
{
    return kind == TIER_CLV_PARETO_NBD ? TIER__CLV_PARETO_NBD : TIER__CLV_BGNBD;
}

/* ---- the calibration end -------------------------------------------------------------------- */

/* The last day that counts: the calibration end option, else the as-of day - 1 (the as-of day
 * defaulting to the day after the book's last transaction). Returns 0 with *has_end = 0 when
 * there is none (no option and an empty book), TIER_EINVAL when the options contradict. */
int tier__clv_resolve_end(const double *opt, const tier_book *book, int32_t *out, int *has_end,
                          char *err)
{
    double cal = opt[CLV_OPT_CALIBRATION_END], as_of = opt[CLV_OPT_AS_OF];
    int32_t day;
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
    if (!tier__model_as_of(book, as_of, &day)) {
        *has_end = 0;
        return TIER_OK;
    }
    *out = day - 1;
    return TIER_OK;
}

/* ---- predictions ---------------------------------------------------------------------------- */

#define CLV_MAX_PERIODS 10000.0

/* The discounted expected purchases over the horizon h (time units): periods of length d time
 * units, each discounted at its end at `rate`, the last one partial. *out_e gets E(h). */
static int discounted_purchases(double *out, double *out_e, int kind, const double *param,
                                const tier__clv_obs *o, double h, double d, double rate)
{
    double prev = 0.0, total = 0.0, disc = 1.0, e = 0.0;
    size_t k, j, n, periods = (size_t)ceil(h / d - 1e-9);
    if (periods < 1)
        periods = 1;
    /* The horizons in batches: P(alive) and the series' coefficients once per batch. */
    for (k = 1; k <= periods; k += n) {
        double t[TIER__CLV_BATCH], ek[TIER__CLV_BATCH];
        int rc;
        n = periods - k + 1 < TIER__CLV_BATCH ? periods - k + 1 : TIER__CLV_BATCH;
        for (j = 0; j < n; j++)
            t[j] = k + j == periods ? h : d * (double)(k + j);
        rc = tier__clv_expected_many(ek, kind, param, t, n, o->x, o->t_x, o->T);
        if (rc != TIER_OK)
            return rc;
        for (j = 0; j < n; j++) {
            e = ek[j];
            disc /= 1.0 + rate;
            total += (e > prev ? e - prev : 0.0) * disc; /* E is increasing; guard rounding */
            if (e > prev)
                prev = e;
        }
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
    int kind = tier__clv_math_kind(f->kind), rc;
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
int tier__clv_check_periods(const double *opt, double unit, char *err)
{
    double periods = opt[CLV_OPT_HORIZON] * unit / opt[CLV_OPT_DISCOUNT_PERIOD];
    if (periods > CLV_MAX_PERIODS) {
        tier__errorf(err,
                     "the horizon (%g x %g days) spans %.0f discount periods of %g days; "
                     "at most %.0f",
                     opt[CLV_OPT_HORIZON], unit, ceil(periods), opt[CLV_OPT_DISCOUNT_PERIOD],
                     CLV_MAX_PERIODS);
        return TIER_ERANGE;
    }
    return TIER_OK;
}

/* ---- vtable --------------------------------------------------------------------------------- */

int tier__clv_fit_subs_with(clv_state *st, clv_fit *f, tier__clv_sub_fit_fn fit_one, void *ctx,
                            double customers)
{
    int rc, sub;
    for (sub = 0; sub < 2; sub++) {
        char why[TIER__ERR_SIZE];
        int mk = sub == 0 ? tier__clv_math_kind(f->kind) : TIER__CLV_GAMMA_GAMMA;
        why[0] = '\0';
        rc = fit_one(ctx, sub, mk, &f->sub[sub], why);
        if (rc == TIER__CLV_PENDING)
            return rc;
        /* A finite best point without convergence is kept (and reported) unless required. */
        if (rc == TIER_ECONVERGE && f->sub[sub].param[0] > 0.0 &&
            !st->opt[CLV_OPT_REQUIRE_CONVERGENCE])
            rc = TIER_OK;
        if (rc) {
            const char *what = sub == 0 ? (f->kind == TIER_CLV_PARETO_NBD ? "Pareto/NBD" : "BG/NBD")
                                        : "Gamma-Gamma";
            if (rc == TIER_ENOMEM)
                tier__errorf(st->h.err, "out of memory fitting the %s model", what);
            else
                tier__errorf(st->h.err, "%s fit on %.0f customers: %s", what, customers,
                             why[0] ? why : tier_strerror(rc));
            return rc;
        }
    }
    st->fit = *f;
    st->fitted = 1;
    st->h.err[0] = '\0';
    return TIER_OK;
}

typedef struct rows_fit {
    clv_state *st;
    const tier__clv_obs *const *rows;
    const size_t *n;
} rows_fit;

static int fit_rows_one(void *ctx, int sub, int kind, tier__clv_fit_result *out, char *why)
{
    const rows_fit *rf = ctx;
    return tier__clv_fit(out, kind, rf->rows[sub], rf->n[sub], NULL, &rf->st->h.alloc, why);
}

int tier__clv_fit_subs(clv_state *st, clv_fit *f, const tier__clv_obs *const rows[2],
                       const size_t n[2], double customers)
{
    rows_fit rf;
    rf.st = st;
    rf.rows = rows;
    rf.n = n;
    return tier__clv_fit_subs_with(st, f, fit_rows_one, &rf, customers);
}

void tier__clv_no_purchase_error(char *err, int32_t end)
{
    char day[16];
    if (tier_date_format_iso(day, sizeof day, end) != TIER_OK)
        snprintf(day, sizeof day, "day %ld", (long)end);
    tier__errorf(err, "no customer has a purchase up to the calibration end %s", day);
}

int tier__clv_book_rows(clv_state *st, const tier_book *book, clv_fit *f, tier__clv_obs **rows,
                        size_t *m)
{
    clv_summary s = {NULL, NULL, 0};
    size_t i;
    int32_t end = 0;
    int has_end, rc;

    *rows = NULL;
    *m = 0;
    memset(f, 0, sizeof *f);
    f->kind = (int)st->opt[CLV_OPT_PURCHASE_MODEL];
    f->unit = st->opt[CLV_OPT_TIME_UNIT];
    if ((rc = tier__clv_resolve_end(st->opt, book, &end, &has_end, st->h.err)) != TIER_OK ||
        (rc = tier__clv_check_periods(st->opt, f->unit, st->h.err)) != TIER_OK)
        return rc;
    if (!has_end) {
        tier__errorf(st->h.err, "the book has no transactions: nothing to fit");
        return TIER_EINVAL;
    }
    rc = tier__clv_summarise_book(&st->h.alloc, book, end, 1, f->unit, CLV_ALL, &s, st->h.err);
    if (rc)
        return rc;
    *rows = tier__malloc_n(&st->h.alloc, s.n, sizeof **rows);
    if (!*rows) {
        tier__errorf(st->h.err, "out of memory for the summaries of %lu customers",
                     (unsigned long)s.n);
        tier__clv_summary_free(&st->h.alloc, &s);
        return TIER_ENOMEM;
    }
    for (i = 0; i < s.n; i++)
        if (s.has[i])
            (*rows)[(*m)++] = s.obs[i];
    f->no_purchase = (double)(s.n - *m);
    f->calibration_end = (double)end;
    tier__clv_summary_free(&st->h.alloc, &s);
    return TIER_OK;
}

static int tier__clv_model_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    clv_state *st = state;
    tier__clv_obs *rows = NULL;
    clv_fit f;
    size_t m = 0;
    int rc;
    (void)inputs;
    rc = tier__clv_book_rows(st, book, &f, &rows, &m);
    if (rc == TIER_OK && !m) {
        tier__clv_no_purchase_error(st->h.err, (int32_t)f.calibration_end);
        rc = TIER_EINVAL;
    }
    if (rc == TIER_OK) {
        const tier__clv_obs *const both[2] = {rows, rows};
        const size_t n[2] = {m, m};
        rc = tier__clv_fit_subs(st, &f, both, n, (double)m);
    }
    tier__free(&st->h.alloc, rows);
    return rc;
}

static int tier__clv_model_score(void *state, const tier_book *book, tier_frame *frame)
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
    if ((rc = tier__clv_resolve_end(st->opt, book, &end, &has_end, err)) != TIER_OK ||
        (rc = tier__clv_check_periods(st->opt, st->fit.unit, err)) != TIER_OK)
        return rc;
    rc = tier__clv_summarise_book(&st->h.alloc, book, end, has_end, st->fit.unit, CLV_ALL, &s, err);
    if (rc)
        return rc;
    for (k = 0; k < OUT_COUNT && rc == TIER_OK; k++)
        rc = tier_frame_add_numbers(frame, tier__clv_model_outputs[k].name, &out[k]);
    for (i = 0; i < s.n && rc == TIER_OK; i++) {
        double v[OUT_COUNT];
        if (!s.has[i])
            continue; /* the columns start as NaN */
        rc = predict(st, &s.obs[i], v, err);
        if (rc == TIER_OK)
            for (k = 0; k < OUT_COUNT; k++)
                out[k][i] = v[k];
    }
    tier__clv_summary_free(&st->h.alloc, &s);
    return rc; /* on failure model.c drops the columns added */
}

/* One customer with the fitted parameters: its summary up to the calibration end (the same end
 * the batch score resolves) from its own transactions, then predict(), as the batch score. */
static int tier__clv_model_score_row(void *state, const tier_book *book, const tier_frame *frame,
                                     size_t customer, double *numbers, const char **labels)
{
    const clv_state *st = state;
    char *err = tier__model_row_error(frame);
    tier__clv_obs obs;
    int32_t end = 0;
    int has_end, has, rc;
    (void)labels;
    if ((rc = tier__clv_resolve_end(st->opt, book, &end, &has_end, err)) != TIER_OK ||
        (rc = tier__clv_check_periods(st->opt, st->fit.unit, err)) != TIER_OK)
        return rc;
    rc = tier__clv_summarise_one(&st->h.alloc, book, customer, end, has_end, st->fit.unit, &obs,
                                 &has, err);
    if (rc || !has)
        return rc; /* no purchase: every output stays NaN */
    return predict(st, &obs, numbers, err);
}

static int tier__clv_model_explain(void *state, const tier_book *book, const tier_frame *frame,
                                   size_t customer, tier_text *out)
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

    if ((rc = tier__clv_resolve_end(o, book, &end, &has_end, err)) != TIER_OK ||
        (rc = tier__clv_check_periods(o, f->unit, err)) != TIER_OK)
        return rc;
    if (has_end && tier_date_format_iso(day, sizeof day, end) != TIER_OK)
        snprintf(day, sizeof day, "day %ld", (long)end);
    rc = tier__clv_summarise_book(&st->h.alloc, book, end, has_end, f->unit, customer, &s, err);
    if (rc)
        return rc;
    if (!s.has[0]) {
        tier__clv_summary_free(&st->h.alloc, &s);
        n = snprintf(buf, sizeof buf,
                     "clv: no purchase up to the calibration end %s, so no prediction (every "
                     "output is NaN)",
                     has_end ? day : "(empty book)");
        return tier__model_append(out, buf, sizeof buf, n);
    }
    rc = predict(st, &s.obs[0], v, err);
    if (rc == TIER_OK) {
        n = snprintf(buf, sizeof buf,
                     "clv up to %s in %s (%g days): x = %g repeat purchase days, t_x = %.4g, "
                     "T = %.4g, mean repeat value m = %.2f. ",
                     day, unit, f->unit, s.obs[0].x, s.obs[0].t_x, s.obs[0].T, s.obs[0].m);
        rc = tier__model_append(out, buf, sizeof buf, n);
    }
    tier__clv_summary_free(&st->h.alloc, &s);
    if (rc)
        return rc;
    n = snprintf(buf, sizeof buf,
                 "%s (r %.4g, alpha %.4g, %s %.4g, %s %.4g): P(alive) = %.4f; expected purchases "
                 "in the next %g %s = %.4f. ",
                 f->kind == TIER_CLV_PARETO_NBD ? "Pareto/NBD" : "BG/NBD", p[0], p[1],
                 f->kind == TIER_CLV_PARETO_NBD ? "s" : "a", p[2],
                 f->kind == TIER_CLV_PARETO_NBD ? "beta" : "b", p[3], v[OUT_P_ALIVE],
                 o[CLV_OPT_HORIZON], unit, v[OUT_EXPECTED]);
    if ((rc = tier__model_append(out, buf, sizeof buf, n)) != TIER_OK)
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
                     g[0], g[1], g[2], v[OUT_SPEND], o[CLV_OPT_MARGIN], o[CLV_OPT_DISCOUNT_PERIOD],
                     o[CLV_OPT_DISCOUNT_RATE], v[OUT_CLV]);
    return tier__model_append(out, buf, sizeof buf, n);
}

static void tier__clv_model_destroy(void *state)
{
    tier__clv_dist_free(state);
    tier__model_state_free(state);
}

/* ---- public API ----------------------------------------------------------------------------- */

int tier_clv_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    int rc;
    clv_state *st = tier__model_state_new(out, &name, "clv", alloc, sizeof(clv_state), &rc);
    if (!st)
        return rc;
    tier__opt_rule_defaults(st->opt, tier__clv_opt_rules, CLV_OPT_COUNT);
    return tier_model_new(out, &clv_vtable, st, name, alloc);
}

int tier__clv_check_option(char *err, int option, double value)
{
    const tier__opt_rule *r = &tier__clv_opt_rules[option];
    if (r->nan_ok && isnan(value))
        return TIER_OK;
    if (!(value >= r->lo && value <= r->hi) || (r->whole && value != floor(value))) {
        tier__errorf(err, "%g is out of range: need %s[%g, %g]%s", value,
                     r->whole ? "a whole number in " : "", r->lo, r->hi,
                     r->nan_ok ? " or NaN" : "");
        return TIER_ERANGE;
    }
    return TIER_OK;
}

/* The fitted sub-model `which` for a call that writes into `out`, or NULL with the reason in *rc
 * and st->h.err. */
static const tier__clv_fit_result *sub_of(const tier_model *model, clv_state *st, int which,
                                          const double *out, int *rc)
{
    if (!out) {
        tier__errorf(st->h.err, "no place for the values");
        *rc = TIER_EINVAL;
        return NULL;
    }
    if (which != TIER_CLV_PURCHASE && which != TIER_CLV_SPEND) {
        tier__errorf(st->h.err, "sub-model %d is not TIER_CLV_PURCHASE or TIER_CLV_SPEND", which);
        *rc = TIER_EINVAL;
        return NULL;
    }
    if (!st->fitted || !tier_model_is_fitted(model)) {
        tier__errorf(st->h.err, "the clv model is not fitted");
        *rc = TIER_ESTATE;
        return NULL;
    }
    return &st->fit.sub[which - 1];
}

static int copy_values(const tier_model *model, clv_state *st, int which, double *out, size_t n,
                       int se)
{
    const tier__clv_fit_result *r;
    int rc = TIER_OK;
    if (!(r = sub_of(model, st, which, out, &rc)))
        return rc;
    if (n < r->n_params) {
        tier__errorf(st->h.err, "room for %lu values, the model has %lu", (unsigned long)n,
                     (unsigned long)r->n_params);
        return TIER_ERANGE;
    }
    if (se && !r->se_ok) {
        tier__errorf(st->h.err, "standard errors are not available (the information matrix was "
                                "not positive definite, or none were loaded)");
        return TIER_ENOTFOUND;
    }
    memcpy(out, se ? r->se : r->param, r->n_params * sizeof *out);
    return TIER_OK;
}

int tier_clv_params(const tier_model *model, int which, double *out, size_t n)
{
    clv_state *st = clv_of(model);
    return st ? tier__model_end(model, copy_values(model, st, which, out, n, 0), st->h.err)
              : TIER_EINVAL;
}

int tier_clv_standard_errors(const tier_model *model, int which, double *out, size_t n)
{
    clv_state *st = clv_of(model);
    return st ? tier__model_end(model, copy_values(model, st, which, out, n, 1), st->h.err)
              : TIER_EINVAL;
}

static int fit_stat(const tier_model *model, clv_state *st, int which, int stat, double *out)
{
    const tier__clv_fit_result *r;
    int rc = TIER_OK;
    if (!(r = sub_of(model, st, which, out, &rc)))
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
        tier__errorf(st->h.err, "unknown statistic %d", stat);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

int tier_clv_fit_stat(const tier_model *model, int which, int stat, double *out)
{
    clv_state *st = clv_of(model);
    return st ? tier__model_end(model, fit_stat(model, st, which, stat, out), st->h.err)
              : TIER_EINVAL;
}

/* ---- calibration / holdout validation ------------------------------------------------------- */

static int holdout(const tier_model *model, clv_state *st, const tier_book *book,
                   int32_t holdout_end, tier_frame *frame, double *out_stats, size_t n_stats)
{
    clv_summary s = {NULL, NULL, 0};
    double *hold = NULL, *col_act = NULL, *col_pred = NULL, stats[TIER_CLV_HOLDOUT_COUNT];
    double cal, span, cohort = 0.0, actual = 0.0, predicted = 0.0, abs_err = 0.0;
    size_t i, n, mark = 0;
    int rc;
    if (!book || (n_stats && !out_stats)) {
        tier__errorf(st->h.err, "no book, or no array for the statistics");
        return TIER_EINVAL;
    }
    if (!st->fitted || !tier_model_is_fitted(model)) {
        tier__errorf(st->h.err, "the clv model is not fitted");
        return TIER_ESTATE;
    }
    n = tier_book_customer_count(book);
    if (frame && tier_frame_rows(frame) != n) {
        tier__errorf(st->h.err, "the frame has %lu rows but the book %lu customers",
                     (unsigned long)tier_frame_rows(frame), (unsigned long)n);
        return TIER_EINVAL;
    }
    /* The calibration end option, else the end the model was fitted with. */
    cal = st->opt[CLV_OPT_CALIBRATION_END];
    if (isnan(cal))
        cal = st->fit.calibration_end;
    if (!((double)holdout_end > cal)) {
        tier__errorf(st->h.err,
                     "the holdout end (day %ld) must be after the calibration end (day %.0f)",
                     (long)holdout_end, cal);
        return TIER_EINVAL;
    }
    span = ((double)holdout_end - cal) / st->fit.unit;
    hold = tier__calloc(&st->h.alloc, n ? n : 1, sizeof *hold);
    if (!hold) {
        tier__errorf(st->h.err, "out of memory for the holdout counts of %lu customers",
                     (unsigned long)n);
        return TIER_ENOMEM;
    }
    rc = tier__clv_summarise_split(&st->h.alloc, book, (int32_t)cal, holdout_end, 1, st->fit.unit,
                                   CLV_ALL, &s, hold, st->h.err);
    if (rc)
        goto done;
    if (frame) {
        mark = tier__frame_begin(frame, tier_model_name(model));
        rc = tier_frame_add_numbers(frame, "holdout_purchases", &col_act);
        if (rc == TIER_OK)
            rc = tier_frame_add_numbers(frame, "predicted_purchases", &col_pred);
        if (rc)
            tier__errorf(st->h.err, "cannot add the holdout columns: %s",
                         tier_frame_last_error(frame));
    }
    for (i = 0; i < s.n && rc == TIER_OK; i++) {
        double e;
        if (!s.has[i])
            continue; /* not in the calibration cohort: NaN */
        rc = tier__clv_expected(&e, tier__clv_math_kind(st->fit.kind), st->fit.sub[0].param, span,
                                s.obs[i].x, s.obs[i].t_x, s.obs[i].T);
        if (rc) {
            tier__errorf(st->h.err, "no prediction for x = %g, t_x = %g, T = %g: %s", s.obs[i].x,
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
    tier__free(&st->h.alloc, hold);
    tier__clv_summary_free(&st->h.alloc, &s);
    return rc;
}

int tier_clv_holdout(const tier_model *model, const tier_book *book, int32_t holdout_end,
                     tier_frame *frame, double *out_stats, size_t n_stats)
{
    clv_state *st = clv_of(model);
    return st ? tier__model_end(model,
                                holdout(model, st, book, holdout_end, frame, out_stats, n_stats),
                                st->h.err)
              : TIER_EINVAL;
}

int tier_clv_dist_split(const tier_model *model, const char *summary, size_t summary_len,
                        size_t parts, tier_text *out, size_t *ends)
{
    clv_state *st = clv_of(model);
    if (st && (!summary || !parts || !out || !ends)) {
        tier__errorf(st->h.err, "the split needs a fit summary, a part count >= 1, a text and "
                                "room for the ends");
        return tier__model_end(model, TIER_EINVAL, st->h.err);
    }
    return st ? tier__model_end(model,
                                tier__clv_split_summary(st, tier_model_name(model), summary,
                                                        summary_len, parts, out, ends),
                                st->h.err)
              : TIER_EINVAL;
}

int tier_clv_dist_begin(tier_model *model, tier_text *request)
{
    clv_state *st = clv_of(model);
    return st ? tier__model_end(model, tier__clv_dist_begin(st, request), st->h.err) : TIER_EINVAL;
}

int tier_clv_dist_answer(const tier_model *model, const char *summary, size_t summary_len,
                         const char *request, size_t len, tier_text *answer)
{
    clv_state *st = clv_of(model);
    return st ? tier__model_end(
                    model, tier__clv_dist_answer(st, summary, summary_len, request, len, answer),
                    st->h.err)
              : TIER_EINVAL;
}

int tier_clv_dist_merge(tier_model *model, const char *const *answers, const size_t *lens, size_t n,
                        tier_text *request)
{
    clv_state *st = clv_of(model);
    int rc;
    if (!st)
        return TIER_EINVAL;
    rc = tier__clv_dist_merge(st, answers, lens, n, request);
    if (rc == TIER_OK && !st->dist)
        tier__model_set_fitted(model, 1);
    return tier__model_end(model, rc, st->h.err);
}
