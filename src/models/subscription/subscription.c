/* SPDX-License-Identifier: MIT */
/* The built-in subscription model (include/tier/subscription.h, docs/subscriptions.md): per
 * customer MRR, ARR, tenure, renewals and MRR movement from the book's contracts; its fit
 * computes revenue and logo retention of the book or a cohort. One function (measure) reads a
 * customer's contracts for score, score_row, explain and fit, so that they cannot disagree.
 * Amounts are summed exactly in fixed point as annual amounts (12 x monthly + yearly): MRR is that
 * sum / 12, and equal MRRs compare equal. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/contracts_internal.h"
#include "core/frame_internal.h"
#include "core/model_internal.h"
#include "models/model_common.h"
#include "models/options.h"
#include "tier/contract.h"
#include "tier/subscription.h"

#define SUB_MAX_WINDOW 36500.0
#define N_STATS 17

enum {
    OUT_MRR,
    OUT_ARR,
    OUT_TENURE,
    OUT_RENEWALS,
    OUT_CHANGE,
    OUT_DAYS_TO_END,
    OUT_CHURNED,
    OUT_PERIOD_MARGIN,
    OUT_MOVEMENT,
    OUT_COUNT
};

static const char *const movement_labels[6] = {"none", "new",         "expansion",
                                               "flat", "contraction", "churned"};

static const tier_model_output tier__sub_outputs[OUT_COUNT] = {
    {"mrr", TIER_VALUE_NUMBER},           {"arr", TIER_VALUE_NUMBER},
    {"tenure_months", TIER_VALUE_NUMBER}, {"renewals", TIER_VALUE_NUMBER},
    {"mrr_change", TIER_VALUE_NUMBER},    {"days_to_end", TIER_VALUE_NUMBER},
    {"churned", TIER_VALUE_NUMBER},       {"period_margin", TIER_VALUE_NUMBER},
    {"movement", TIER_VALUE_LABEL}};

static const tier_model_option tier__sub_options[] = {
    {"as_of", TIER_OPTION_NUMBER,
     "as-of day number D; nan (default): the day after the book's last transaction (without "
     "transactions: after the latest contract start)",
     TIER_OPTION_FORGETS_FIT},
    {"window", TIER_OPTION_NUMBER,
     "days of the movement and retention window [D - window, D], 1..36500 (default 365)",
     TIER_OPTION_FORGETS_FIT},
    {"cohort", TIER_OPTION_TEXT,
     "retention of the customers whose first contract started in YYYY or YYYY-MM (default \"\": "
     "everyone)",
     TIER_OPTION_FORGETS_FIT},
    {"margin", TIER_OPTION_NUMBER,
     "recurring margin as a fraction of the contract amounts, [0, 1] (default 1), for "
     "period_margin",
     0},
    {"period_months", TIER_OPTION_NUMBER,
     "months of one renewal period (the sBG period), 1..120 (default 12), for period_margin", 0},
};

#define N_OPTIONS (sizeof tier__sub_options / sizeof tier__sub_options[0])

typedef struct sub_state {
    tier__model_head h;
    char *name;
    double as_of; /* NaN: from the book */
    int32_t window;
    double margin;                  /* fraction of the amounts that is margin */
    int32_t period_months;          /* months of one renewal period */
    char cohort[8];                 /* "", "YYYY" or "YYYY-MM" */
    int32_t cohort_from, cohort_to; /* [from, to) of the first start; from > to: everyone */
    double stats[N_STATS + 1];      /* indexed by tier_subscription_stat */
} sub_state;

/* One customer's figures at D and W. */
typedef struct sub_figures {
    int any; /* a contract starting before D */
    int active_d, active_w;
    int64_t annual_d, annual_w; /* 12 x MRR, fixed point */
    int32_t first_start, last_end, next_end;
    uint32_t active_contracts, renewals;
} sub_figures;

/* ---- measuring ---------------------------------------------------------------------------- */

static int64_t annual(const tier__contract_rec *r)
{
    return r->period == TIER_CONTRACT_YEARLY ? r->amount : r->amount * 12;
}

static void measure(const tier__contracts *cs, size_t c, int32_t d, int32_t w, sub_figures *f)
{
    uint32_t k;
    memset(f, 0, sizeof *f);
    f->first_start = INT32_MAX;
    f->last_end = INT32_MIN;
    f->next_end = INT32_MAX;
    for (k = tier__contracts_first(cs, c); k != TIER__NO_CONTRACT; k = cs->rec[k].next) {
        const tier__contract_rec *r = &cs->rec[k];
        if (r->start >= d)
            continue; /* starts at or after D: not yet */
        f->any = 1;
        if (r->start < f->first_start)
            f->first_start = r->start;
        if (r->end > f->last_end)
            f->last_end = r->end;
        if (r->start < d && d <= r->end) {
            f->active_d = 1;
            f->active_contracts++;
            f->annual_d += annual(r);
            if (r->end != TIER_CONTRACT_OPEN && r->end < f->next_end)
                f->next_end = r->end;
        }
        if (r->start < w && w <= r->end) {
            f->active_w = 1;
            f->annual_w += annual(r);
        }
        if (r->status == TIER_CONTRACT_RENEWED && r->end <= d)
            f->renewals++;
    }
}

/* Whole calendar months from day a to day b (b >= a). */
static double months_between(int32_t a, int32_t b)
{
    int ya, ma, da, yb, mb, db;
    if (tier_date_to_ymd(a, &ya, &ma, &da) != TIER_OK || tier_date_to_ymd(b, &yb, &mb, &db))
        return NAN;
    return (double)((yb - ya) * 12 + (mb - ma) - (db < da ? 1 : 0));
}

static int movement_of(const sub_figures *f)
{
    if (!f->active_w)
        return f->active_d ? TIER_SUBSCRIPTION_NEW : TIER_SUBSCRIPTION_NONE;
    if (!f->active_d)
        return TIER_SUBSCRIPTION_CHURNED;
    return f->annual_d > f->annual_w   ? TIER_SUBSCRIPTION_EXPANSION
           : f->annual_d < f->annual_w ? TIER_SUBSCRIPTION_CONTRACTION
                                       : TIER_SUBSCRIPTION_FLAT;
}

static double mrr_of(int64_t annual_fixed)
{
    return tier__fixed_to_double(annual_fixed) / 12.0;
}

/* The numbers of one customer, NaN when it has no contract before D. */
static void outputs_of(const sub_figures *f, int32_t d, double margin, double period_months,
                       double *num, int32_t *movement)
{
    size_t i;
    for (i = 0; i < OUT_MOVEMENT; i++)
        num[i] = NAN;
    *movement = movement_of(f);
    if (!f->any)
        return;
    num[OUT_MRR] = mrr_of(f->annual_d);
    num[OUT_ARR] = tier__fixed_to_double(f->annual_d);
    num[OUT_TENURE] =
        months_between(f->first_start, f->active_d || f->last_end > d ? d : f->last_end);
    num[OUT_RENEWALS] = (double)f->renewals;
    num[OUT_CHURNED] = f->active_d ? 0 : 1;
    if (f->active_d)
        num[OUT_PERIOD_MARGIN] = mrr_of(f->annual_d) * period_months * margin;
    num[OUT_CHANGE] = mrr_of(f->annual_d) - mrr_of(f->annual_w);
    if (f->active_d && f->next_end != INT32_MAX)
        num[OUT_DAYS_TO_END] = (double)f->next_end - (double)d;
}

/* D: the option, else the day after the last transaction, else after the latest contract start.
 */
static int as_of_day(const sub_state *st, const tier_book *book, int32_t *d)
{
    const tier__contracts *cs = tier__book_contracts(book);
    size_t k;
    int32_t latest = INT32_MIN;
    if (tier__model_as_of(book, st->as_of, d))
        return 1;
    for (k = 0; cs && k < cs->n; k++)
        if (cs->rec[k].start > latest)
            latest = cs->rec[k].start;
    if (latest == INT32_MIN)
        return 0;
    *d = latest + 1;
    return 1;
}

static int32_t window_start(const sub_state *st, int32_t d)
{
    double w = (double)d - st->window;
    return w < (double)INT32_MIN ? INT32_MIN : (int32_t)w;
}

/* ---- vtable ------------------------------------------------------------------------------- */

/* What a fit adds up over the customers: counts (whole numbers, in doubles) and fixed-point
 * annual sums; the population's figures are computed from it alone, so it is the fit summary. */
enum { ACC_CUSTOMERS, ACC_RENEWALS, ACC_ACTIVE, ACC_STARTING, ACC_CHURNED, ACC_COUNTS };
enum { SUM_MRR, SUM_START, SUM_CHURNED, SUM_CONTRACTION, SUM_EXPANSION, SUM_NEW, SUM_COUNT };
typedef struct sub_acc {
    int32_t d, w;
    double count[ACC_COUNTS];
    int64_t sum[SUM_COUNT];
} sub_acc;

/* The day D and the window start of a fit on `book`: TIER_OK or TIER_ESTATE (none). */
static int acc_days(sub_state *st, const tier_book *book, sub_acc *a)
{
    memset(a, 0, sizeof *a);
    if (!as_of_day(st, book, &a->d)) {
        tier__errorf(st->h.err, "no as-of day: the book has no transactions and no contracts "
                                "(set the option as_of)");
        return TIER_ESTATE;
    }
    a->w = window_start(st, a->d);
    return TIER_OK;
}

static void accumulate(const sub_state *st, const tier_book *book, sub_acc *a)
{
    const tier__contracts *cs = tier__book_contracts(book);
    size_t c, n = tier_book_customer_count(book);
    for (c = 0; c < n; c++) {
        sub_figures f;
        measure(cs, c, a->d, a->w, &f);
        if (!f.any || (st->cohort_from <= st->cohort_to &&
                       (f.first_start < st->cohort_from || f.first_start >= st->cohort_to)))
            continue;
        a->count[ACC_CUSTOMERS] += 1;
        a->count[ACC_RENEWALS] += f.renewals;
        a->count[ACC_ACTIVE] += f.active_d;
        a->sum[SUM_MRR] += f.annual_d;
        if (!f.active_w) {
            a->sum[SUM_NEW] += f.annual_d;
            continue;
        }
        a->count[ACC_STARTING] += 1;
        a->sum[SUM_START] += f.annual_w;
        if (!f.active_d) {
            a->count[ACC_CHURNED] += 1;
            a->sum[SUM_CHURNED] += f.annual_w;
        } else if (f.annual_d < f.annual_w) {
            a->sum[SUM_CONTRACTION] += f.annual_w - f.annual_d;
        } else {
            a->sum[SUM_EXPANSION] += f.annual_d - f.annual_w;
        }
    }
}

/* The state's figures from the sums. */
static void finish_fit(sub_state *st, const sub_acc *a)
{
    double *s = st->stats;
    const int64_t *x = a->sum;
    int64_t start = x[SUM_START], kept = start - x[SUM_CHURNED] - x[SUM_CONTRACTION];
    memset(st->stats, 0, sizeof st->stats);
    s[TIER_SUBSCRIPTION_STAT_CUSTOMERS] = a->count[ACC_CUSTOMERS];
    s[TIER_SUBSCRIPTION_STAT_RENEWALS] = a->count[ACC_RENEWALS];
    s[TIER_SUBSCRIPTION_STAT_ACTIVE] = a->count[ACC_ACTIVE];
    s[TIER_SUBSCRIPTION_STAT_STARTING] = a->count[ACC_STARTING];
    s[TIER_SUBSCRIPTION_STAT_CHURNED] = a->count[ACC_CHURNED];
    s[TIER_SUBSCRIPTION_STAT_AS_OF] = a->d;
    s[TIER_SUBSCRIPTION_STAT_WINDOW_START] = a->w;
    s[TIER_SUBSCRIPTION_STAT_MRR] = mrr_of(x[SUM_MRR]);
    s[TIER_SUBSCRIPTION_STAT_ARR] = tier__fixed_to_double(x[SUM_MRR]);
    s[TIER_SUBSCRIPTION_STAT_STARTING_MRR] = mrr_of(start);
    s[TIER_SUBSCRIPTION_STAT_CHURNED_MRR] = mrr_of(x[SUM_CHURNED]);
    s[TIER_SUBSCRIPTION_STAT_CONTRACTION] = mrr_of(x[SUM_CONTRACTION]);
    s[TIER_SUBSCRIPTION_STAT_EXPANSION] = mrr_of(x[SUM_EXPANSION]);
    s[TIER_SUBSCRIPTION_STAT_NEW_MRR] = mrr_of(x[SUM_NEW]);
    /* Ratios of the exact annual sums (the 12 cancels). */
    s[TIER_SUBSCRIPTION_STAT_GRR] = start ? (double)kept / (double)start : NAN;
    s[TIER_SUBSCRIPTION_STAT_NRR] = start ? (double)(kept + x[SUM_EXPANSION]) / (double)start : NAN;
    s[TIER_SUBSCRIPTION_STAT_LOGO_CHURN] =
        s[TIER_SUBSCRIPTION_STAT_STARTING] > 0
            ? s[TIER_SUBSCRIPTION_STAT_CHURNED] / s[TIER_SUBSCRIPTION_STAT_STARTING]
            : NAN;
    st->h.err[0] = '\0';
}

/* The fit's days and sums over the book's customers. */
static int acc_book(sub_state *st, const tier_book *book, sub_acc *a)
{
    int rc = acc_days(st, book, a);
    if (rc == TIER_OK)
        accumulate(st, book, a);
    return rc;
}

static int tier__sub_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    sub_state *st = state;
    sub_acc a;
    int rc = acc_book(st, book, &a);
    (void)inputs;
    if (rc == TIER_OK)
        finish_fit(st, &a);
    return rc;
}

/* ---- fit summary (vtable version 4): the sums of a fit ------------------------------------- */

static const char *const sum_keys[SUM_COUNT] = {"mrr",         "start_mrr", "churned_mrr",
                                                "contraction", "expansion", "new_mrr"};

static void write_acc(const sub_state *st, tier_state_writer *w, const sub_acc *a)
{
    char num[24];
    size_t i;
    tier_state_write_key(w, "cohort");
    tier_state_write_text(w, st->cohort);
    tier_state_write_key(w, "as_of");
    tier_state_write_number(w, a->d);
    tier_state_write_key(w, "window_start");
    tier_state_write_number(w, a->w);
    tier_state_write_key(w, "counts");
    tier_state_write_numbers(w, a->count, ACC_COUNTS);
    for (i = 0; i < SUM_COUNT; i++) { /* int64 as text: a double cannot hold every one */
        snprintf(num, sizeof num, "%lld", (long long)a->sum[i]);
        tier_state_write_key(w, sum_keys[i]);
        tier_state_write_text(w, num);
    }
}

static int tier__sub_fit_summary(void *state, const tier_book *book, const tier_frame *inputs,
                                 tier_state_writer *w)
{
    sub_state *st = state;
    sub_acc a;
    int rc = acc_book(st, book, &a);
    (void)inputs;
    if (rc == TIER_OK)
        write_acc(st, w, &a);
    return rc;
}

/* The next record must be `key` with `n` numbers, into v. (A reader that failed before keeps
 * its own error: tier_state_read_fail returns it.) */
static int next_numbers(tier_state_reader *r, const char *key, double *v, size_t n)
{
    const char *k = NULL;
    char msg[96];
    if (tier_state_read_next(r, &k) == 1 && strcmp(k, key) == 0 &&
        tier_state_read_numbers(r, v, n) == TIER_OK)
        return TIER_OK;
    snprintf(msg, sizeof msg, "expected %s and %lu number%s", key, (unsigned long)n,
             n == 1 ? "" : "s");
    return tier_state_read_fail(r, msg);
}

/* The next record must be `key "text"`. */
static int next_text(tier_state_reader *r, const char *key, const char **text)
{
    const char *k = NULL;
    char msg[96];
    if (tier_state_read_next(r, &k) == 1 && strcmp(k, key) == 0 &&
        tier_state_read_text(r, 0, text) == TIER_OK && tier_state_read_count(r) == 1)
        return TIER_OK;
    snprintf(msg, sizeof msg, "expected %s and a text", key);
    return tier_state_read_fail(r, msg);
}

#define COUNT_MAX 9007199254740992.0 /* 2^53: counts below it add up exactly */

/* One summary added into *a (the first sets D and W, which the model's as_of must give). */
static int read_acc(const sub_state *st, tier_state_reader *r, size_t i, sub_acc *a)
{
    double d = 0, w = 0, c[ACC_COUNTS] = {0, 0, 0, 0, 0}; /* (set on success only) */
    const char *text = "";
    size_t k;
    int rc;
    if ((rc = next_text(r, "cohort", &text)) != TIER_OK)
        return rc;
    if (strcmp(text, st->cohort) != 0)
        return tier_state_read_fail(r, "made with another cohort than the model's");
    if ((rc = next_numbers(r, "as_of", &d, 1)) || (rc = next_numbers(r, "window_start", &w, 1)) ||
        (rc = next_numbers(r, "counts", c, ACC_COUNTS)))
        return rc;
    if (!(d >= TIER_DAY_MIN && d <= TIER_DAY_MAX && d == floor(d)) ||
        (!isnan(st->as_of) && d != st->as_of) || w != (double)window_start(st, (int32_t)d) ||
        (i > 0 && d != a->d))
        return tier_state_read_fail(r, "as_of and window_start differ from the model's (set "
                                       "as_of on every model to the population's day)");
    a->d = (int32_t)d;
    a->w = (int32_t)w;
    for (k = 0; k < ACC_COUNTS; k++) {
        a->count[k] += c[k];
        if (!(c[k] >= 0) || c[k] != floor(c[k]) || !(a->count[k] <= COUNT_MAX))
            return tier_state_read_fail(r, "counts must be whole numbers below 2^53 in all");
    }
    for (k = 0; k < SUM_COUNT; k++) {
        char *end = NULL;
        long long v;
        if ((rc = next_text(r, sum_keys[k], &text)) != TIER_OK)
            return rc;
        v = strtoll(text, &end, 10);
        /* (strtoll gives LLONG_MAX or LLONG_MIN for a number out of range: refused) */
        if (end == text || *end || v == LLONG_MAX || v == LLONG_MIN ||
            (v > 0 ? a->sum[k] > INT64_MAX - v : a->sum[k] < INT64_MIN - v))
            return tier_state_read_fail(r, "a sum must be a whole number that fits in 64 bits, "
                                           "also added up");
        a->sum[k] += v;
    }
    rc = tier_state_read_next(r, NULL);
    return rc == 1 ? tier_state_read_fail(r, "a record after the sums") : rc;
}

static int tier__sub_fit_summaries(void *state, tier_state_reader *const *readers, size_t n,
                                   tier_state_writer *merged)
{
    sub_state *st = state;
    sub_acc a;
    size_t i;
    int rc = TIER_OK;
    memset(&a, 0, sizeof a);
    for (i = 0; i < n && !rc; i++)
        rc = read_acc(st, readers[i], i, &a);
    if (!rc && merged)
        write_acc(st, merged, &a);
    else if (!rc)
        finish_fit(st, &a);
    return rc;
}

static int tier__sub_score(void *state, const tier_book *book, tier_frame *frame)
{
    const sub_state *st = state;
    const tier__contracts *cs = tier__book_contracts(book);
    size_t n = tier_book_customer_count(book), c, i;
    double *out[OUT_MOVEMENT], num[OUT_MOVEMENT];
    int32_t *movement, d = 0, w;
    int rc, have = as_of_day(st, book, &d);
    for (i = 0; i < OUT_MOVEMENT; i++)
        if ((rc = tier_frame_add_numbers(frame, tier__sub_outputs[i].name, &out[i])) != TIER_OK)
            return rc;
    rc = tier_frame_add_labels(frame, tier__sub_outputs[OUT_MOVEMENT].name, movement_labels, 6,
                               &movement);
    if (rc)
        return rc;
    w = window_start(st, d);
    for (c = 0; c < n; c++) {
        sub_figures f;
        if (have)
            measure(cs, c, d, w, &f);
        else
            memset(&f, 0, sizeof f);
        outputs_of(&f, d, st->margin, st->period_months, num, &movement[c]);
        for (i = 0; i < OUT_MOVEMENT; i++)
            out[i][c] = num[i];
    }
    return TIER_OK;
}

static int tier__sub_score_row(void *state, const tier_book *book, const tier_frame *frame,
                               size_t customer, double *numbers, const char **labels)
{
    const sub_state *st = state;
    sub_figures f;
    int32_t d = 0, movement;
    (void)frame;
    memset(&f, 0, sizeof f);
    if (as_of_day(st, book, &d))
        measure(tier__book_contracts(book), customer, d, window_start(st, d), &f);
    outputs_of(&f, d, st->margin, st->period_months, numbers, &movement);
    numbers[OUT_MOVEMENT] = NAN;
    labels[OUT_MOVEMENT] = movement_labels[movement];
    return TIER_OK;
}

static void money(char *buf, size_t cap, double v)
{
    snprintf(buf, cap, "%.2f", v);
}

static int tier__sub_explain(void *state, const tier_book *book, const tier_frame *frame,
                             size_t customer, tier_text *out)
{
    const sub_state *st = state;
    sub_figures f;
    tier__buf b;
    double num[OUT_MOVEMENT];
    int32_t d = 0, w, movement;
    char day[16], wday[16], m1[40], m2[40], m3[40];
    (void)frame;
    if (!out)
        return TIER_EINVAL;
    if (customer >= tier_book_customer_count(book))
        return TIER_ERANGE;
    tier__buf_init(&b, &st->h.alloc);
    if (!as_of_day(st, book, &d)) {
        tier__buf_puts(&b, "no as-of day: the book has no transactions and no contracts");
        return tier__model_explained(out, &b, TIER_OK);
    }
    w = window_start(st, d);
    measure(tier__book_contracts(book), customer, d, w, &f);
    outputs_of(&f, d, st->margin, st->period_months, num, &movement);
    (void)tier_date_format_iso(day, sizeof day, d);
    (void)tier_date_format_iso(wday, sizeof wday, w);
    if (!f.any) {
        tier__buf_printf(&b, "no contract started before %s", day);
        return tier__model_explained(out, &b, TIER_OK);
    }
    money(m1, sizeof m1, num[OUT_MRR]);
    money(m2, sizeof m2, num[OUT_ARR]);
    tier__buf_printf(&b, "MRR %s (ARR %s) as of %s from %u active contract%s", m1, m2, day,
                     (unsigned)f.active_contracts, f.active_contracts == 1 ? "" : "s");
    (void)tier_date_format_iso(m1, sizeof m1, f.first_start);
    tier__buf_printf(&b, "; %.0f months since the first contract (%s); %u renewal%s",
                     num[OUT_TENURE], m1, (unsigned)f.renewals, f.renewals == 1 ? "" : "s");
    money(m1, sizeof m1, mrr_of(f.annual_w));
    money(m2, sizeof m2, mrr_of(f.annual_d));
    money(m3, sizeof m3, num[OUT_CHANGE]);
    tier__buf_printf(&b, "; %s since %s (%d days): MRR %s -> %s (%s%s)", movement_labels[movement],
                     wday, (int)st->window, m1, m2, num[OUT_CHANGE] >= 0 ? "+" : "", m3);
    if (!isnan(num[OUT_DAYS_TO_END])) {
        (void)tier_date_format_iso(m1, sizeof m1, f.next_end);
        tier__buf_printf(&b, "; the next contract end is in %.0f days (%s)", num[OUT_DAYS_TO_END],
                         m1);
    } else if (f.active_d) {
        tier__buf_puts(&b, "; its active contracts are open-ended");
    }
    return tier__model_explained(out, &b, TIER_OK);
}

static void tier__sub_destroy(void *state)
{
    sub_state *st = state;
    if (st)
        tier__free(&st->h.alloc, st->name);
    tier__model_state_free(st);
}

/* ---- options and saved state -------------------------------------------------------------- */

/* Parses "", "YYYY" or "YYYY-MM" into [from, to) (from > to for ""). */
static int parse_cohort(const char *t, int32_t *from, int32_t *to, char *err)
{
    int y = 0, m = 0, k;
    size_t n = strlen(t);
    if (n == 0) {
        *from = 1;
        *to = 0;
        return TIER_OK;
    }
    for (k = 0; k < 4 && (size_t)k < n && t[k] >= '0' && t[k] <= '9'; k++)
        y = y * 10 + (t[k] - '0');
    if (k == 4 && n == 7 && t[4] == '-' && t[5] >= '0' && t[5] <= '1' && t[6] >= '0' && t[6] <= '9')
        m = (t[5] - '0') * 10 + (t[6] - '0');
    if (k != 4 || (n != 4 && !(n == 7 && m >= 1 && m <= 12)) || y < 1900 ||
        tier_date_from_ymd(from, y, m ? m : 1, 1) != TIER_OK ||
        tier_date_from_ymd(to, m && m < 12 ? y : y + 1, m && m < 12 ? m + 1 : 1, 1) != TIER_OK) {
        tier__errorf(err, "\"%.40s\" is not \"\", YYYY or YYYY-MM (1900-01 .. 9998-12)", t);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* Checks option `name` and stores it into `into` (a copy of the state's options). */
static int take_option(sub_state *into, const char *name, const tier_value *v, char *err)
{
    if (strcmp(name, "as_of") == 0) {
        double x;
        if (tier__opt_number(v, TIER_DAY_MIN, TIER_DAY_MAX, 1, &x, err) != TIER_OK ||
            (!isnan(x) && x != floor(x))) {
            tier__errorf(err, "%g is out of range: need a whole day number in [%d, %d] or nan",
                         tier_value_number(v), TIER_DAY_MIN, TIER_DAY_MAX);
            return TIER_ERANGE;
        }
        into->as_of = x;
        return TIER_OK;
    }
    if (strcmp(name, "window") == 0)
        return tier__opt_int(v, 1, SUB_MAX_WINDOW, 0, &into->window, err);
    if (strcmp(name, "margin") == 0)
        return tier__opt_number(v, 0, 1, 0, &into->margin, err);
    if (strcmp(name, "period_months") == 0)
        return tier__opt_int(v, 1, 120, 0, &into->period_months, err);
    if (parse_cohort(tier_value_text(v), &into->cohort_from, &into->cohort_to, err))
        return TIER_EINVAL;
    snprintf(into->cohort, sizeof into->cohort, "%s", tier_value_text(v));
    return TIER_OK;
}

static int tier__sub_set_option(void *state, const char *name, const tier_value *value)
{
    sub_state *st = state, copy = *st;
    int rc = take_option(&copy, name, value, st->h.err);
    if (rc)
        return rc;
    st->as_of = copy.as_of;
    st->window = copy.window;
    st->margin = copy.margin;
    st->period_months = copy.period_months;
    memcpy(st->cohort, copy.cohort, sizeof st->cohort);
    st->cohort_from = copy.cohort_from;
    st->cohort_to = copy.cohort_to;
    st->h.err[0] = '\0';
    return TIER_OK;
}

static int tier__sub_get_option(void *state, const char *name, tier_value *out)
{
    const sub_state *st = state;
    if (strcmp(name, "as_of") == 0)
        return tier_value_set_number(out, st->as_of);
    if (strcmp(name, "window") == 0)
        return tier_value_set_number(out, st->window);
    if (strcmp(name, "margin") == 0)
        return tier_value_set_number(out, st->margin);
    if (strcmp(name, "period_months") == 0)
        return tier_value_set_number(out, st->period_months);
    return tier_value_set_text(out, st->cohort);
}

static int tier__sub_save(void *state, tier_state_writer *w)
{
    sub_state *st = state;
    int rc =
        tier__opt_save(w, tier__sub_options, N_OPTIONS, st, tier__sub_get_option, &st->h.alloc);
    return rc ? rc : tier__opt_write_numbers(w, "stats", st->stats + 1, N_STATS);
}

typedef struct sub_loading {
    sub_state pending;
    int have_stats;
} sub_loading;

static int load_option(void *ctx, const char *name, const tier_value *v, char *why)
{
    sub_loading *L = ctx;
    return take_option(&L->pending, name, v, why);
}

static int load_record(void *ctx, tier_state_reader *r, const char *key)
{
    sub_loading *L = ctx;
    if (strcmp(key, "stats") != 0)
        return 0;
    if (tier_state_read_count(r) != N_STATS ||
        tier_state_read_numbers(r, L->pending.stats + 1, N_STATS) != TIER_OK)
        return tier_state_read_fail(r, "stats needs 17 numbers");
    L->have_stats = 1;
    return 1;
}

static int tier__sub_load(void *state, tier_state_reader *r)
{
    sub_state *st = state;
    sub_loading L;
    int rc;
    L.pending = *st;
    L.have_stats = 0;
    L.pending.as_of = NAN;
    L.pending.window = 365;
    L.pending.margin = 1;
    L.pending.period_months = 12;
    L.pending.cohort[0] = '\0';
    L.pending.cohort_from = 1;
    L.pending.cohort_to = 0;
    rc =
        tier__opt_load(r, tier__sub_options, N_OPTIONS, &st->h.alloc, load_option, load_record, &L);
    if (rc == TIER_OK && !L.have_stats)
        rc = tier_state_read_fail(r, "no stats record");
    if (rc)
        return rc;
    *st = L.pending;
    st->h.err[0] = '\0';
    return TIER_OK;
}

/* ---- public API --------------------------------------------------------------------------- */

static const tier_model_vtable sub_vtable =
    TIER__BUILTIN_SUMMARY_VTABLE("subscription", tier__sub, NULL, tier__sub_score_row);

int tier_subscription_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    int rc;
    sub_state *st =
        tier__model_state_new(out, &name, "subscription", alloc, sizeof(sub_state), &rc);
    if (!st)
        return rc;
    st->as_of = NAN;
    st->window = 365;
    st->margin = 1;
    st->period_months = 12;
    st->cohort_from = 1;
    st->cohort_to = 0;
    st->name = tier__strdup(&st->h.alloc, name);
    return tier__model_finish(out, &sub_vtable, st, name, alloc, st->name != NULL);
}

int tier_subscription_fit_stat(const tier_model *model, int stat, double *out)
{
    sub_state *st = tier__model_state_if(model, &sub_vtable);
    int rc = TIER_OK;
    if (!st)
        return TIER_EINVAL;
    if (!out || stat < 1 || stat > N_STATS) {
        tier__errorf(st->h.err, "stat %d is not a subscription stat (1..%d), or no output", stat,
                     N_STATS);
        rc = TIER_EINVAL;
    } else if (!tier_model_is_fitted(model)) {
        tier__errorf(st->h.err, "the model is not fitted");
        rc = TIER_ESTATE;
    } else {
        *out = st->stats[stat];
    }
    return tier__model_end(model, rc, st->h.err);
}
