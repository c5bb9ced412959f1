/* SPDX-License-Identifier: MIT */
/* The built-in Pareto/ABC model, made through the public model vtable. Book criteria are exact:
 * int64 fixed-point values, a radix sort with id tie-breaks, and cumulative comparisons done in
 * 96-bit integer arithmetic against thresholds held in millionths. docs/pareto.md has the rules. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "core/model_internal.h"
#include "models/model_common.h"
#include "models/options.h"
#include "models/order.h"
#include "util/par_tasks.h"
#include "util/radix.h"

#define PARETO_NO_DAY INT32_MIN
#define PARETO_MILLION 1000000

enum { CRIT_REVENUE = 0, CRIT_MARGIN = 1, CRIT_COLUMN = 2 };
enum { OUT_VALUE, OUT_SHARE, OUT_CUM_SHARE, OUT_CLASS, OUT_COUNT };
enum { CLASS_A = 0, CLASS_B = 1, CLASS_C = 2 };

static const char *const class_labels[3] = {"A", "B", "C"};

/* The options (docs/pareto.md); `column` is owned by whoever holds the configuration. */
typedef struct pareto_config {
    double ta, tb;
    uint32_t ta6, tb6; /* thresholds in millionths: the exact values compared */
    tier__window win;  /* as_of and window */
    int criterion;
    char *column; /* CRIT_COLUMN: full column name */
} pareto_config;

static const pareto_config pareto_defaults = {0.80,      0.95,         800000, 950000,
                                              {0, 0, 0}, CRIT_REVENUE, NULL};

typedef struct pareto_state {
    tier__model_head h; /* allocator and last error: first, for the shared callbacks */
    char *name;         /* model name, to find the model's columns when explaining */
    pareto_config c;
} pareto_state;

static const tier_model_output tier__pareto_outputs[OUT_COUNT] = {{"value", TIER_VALUE_NUMBER},
                                                                  {"share", TIER_VALUE_NUMBER},
                                                                  {"cum_share", TIER_VALUE_NUMBER},
                                                                  {"class", TIER_VALUE_LABEL}};

static const tier_model_option tier__pareto_options[] = {
    {"criterion", TIER_OPTION_TEXT,
     "\"revenue\" (default), \"margin\", or the full name of a number column of the input frame "
     "(e.g. \"clv.clv\")",
     0},
    {"threshold_a", TIER_OPTION_NUMBER,
     "cumulative share that closes class A, in (0, threshold_b] (default 0.8)", 0},
    {"threshold_b", TIER_OPTION_NUMBER,
     "cumulative share that closes class B, in [threshold_a, 1] (default 0.95)", 0},
    {"as_of", TIER_OPTION_NUMBER,
     "as-of day number for book criteria; nan (default): the day after the last transaction", 0},
    {"window", TIER_OPTION_NUMBER, "days before the as-of day for book criteria; 0 (default): all",
     0},
};

#define N_OPTIONS (sizeof tier__pareto_options / sizeof tier__pareto_options[0])

/* ---- figures ----------------------------------------------------------------------------- */

static const char *criterion_name(const pareto_config *c)
{
    return c->criterion == CRIT_REVENUE  ? "revenue"
           : c->criterion == CRIT_MARGIN ? "margin"
                                         : c->column;
}

/* ---- vtable ------------------------------------------------------------------------------ */

static int check_options(const pareto_config *c, char *err)
{
    if (c->ta6 < 1 || c->ta6 > PARETO_MILLION || c->tb6 < c->ta6 || c->tb6 > PARETO_MILLION) {
        tier__errorf(err,
                     "Pareto thresholds out of order: need 0 < threshold_a (%g) <= "
                     "threshold_b (%g) <= 1",
                     c->ta, c->tb);
        return TIER_EINVAL;
    }
    if (c->criterion == CRIT_COLUMN && (!c->column || !c->column[0])) {
        tier__errorf(err, "no criterion column");
        return TIER_EINVAL;
    }
    return TIER_OK;
}

static int tier__pareto_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    pareto_state *st = state;
    size_t col;
    int rc;
    (void)book;
    /* Nothing to learn: the thresholds are options. Check them and, when the input columns are
     * already there, the criterion column's type. */
    if ((rc = check_options(&st->c, st->h.err)) != TIER_OK)
        return rc;
    if (st->c.criterion == CRIT_COLUMN && inputs &&
        tier_frame_find(inputs, st->c.column, &col) == TIER_OK &&
        tier_frame_column_type(inputs, col) != TIER_VALUE_NUMBER) {
        tier__errorf(st->h.err, "criterion column \"%s\" is not a number column", st->c.column);
        return TIER_EINVAL;
    }
    st->h.err[0] = '\0';
    return TIER_OK;
}

/* What scoring works on: per customer a value, exact (the book's figures over the window) or a
 * double (a frame column), and whether it is present. */
typedef struct pareto_values {
    size_t n;
    int exact;                /* 1: fig (fixed point), 0: dval */
    int margin;               /* exact: the margin rather than the net amount */
    const tier__figures *fig; /* exact values: the book's, or `owned` */
    tier__figures *owned;     /* figures computed for the window (the book's allocator) */
    const tier_allocator *fig_alloc;
    const double *dval; /* column values (borrowed from the frame) */
} pareto_values;

static int collect_values(pareto_state *st, const tier_book *book, const tier_frame *frame,
                          pareto_values *pv, char *err)
{
    size_t i, col;
    memset(pv, 0, sizeof *pv);
    pv->n = tier_book_customer_count(book);
    if (st->c.criterion == CRIT_COLUMN) {
        if (tier_frame_find(frame, st->c.column, &col) != TIER_OK) {
            tier__errorf(err,
                         "criterion column \"%s\" is not in the frame (score the model that "
                         "makes it first)",
                         st->c.column);
            return TIER_ENOTFOUND;
        }
        pv->dval = tier_frame_numbers(frame, col);
        if (!pv->dval) {
            tier__errorf(err, "criterion column \"%s\" is not a number column", st->c.column);
            return TIER_EINVAL;
        }
        for (i = 0; i < pv->n; i++) {
            if (isinf(pv->dval[i])) {
                tier__errorf(err, "criterion column \"%s\" is infinite for customer %lu",
                             st->c.column, (unsigned long)i);
                return TIER_EINVAL;
            }
        }
        return TIER_OK;
    } else {
        /* The figures are read where they are needed (keys, then rows) rather than copied into
         * columns of their own: a serial copy of every customer's value was a pass over fresh
         * pages on the calling thread. */
        char why[TIER__ERR_SIZE];
        int32_t from, to;
        int rc;
        pv->exact = 1;
        pv->margin = st->c.criterion == CRIT_MARGIN;
        pv->fig_alloc = tier__book_allocator(book);
        tier__window_days(&st->c.win, book, &from, &to);
        why[0] = '\0';
        rc = tier__book_figures_view(book, from, to, &pv->fig, &pv->owned, why);
        if (rc) {
            tier__errorf(err, "cannot compute the %s criterion: %s", criterion_name(&st->c),
                         why[0] ? why : tier_strerror(rc));
            return rc;
        }
        return TIER_OK;
    }
}

static void free_values(pareto_values *pv)
{
    if (pv->owned)
        tier__free(pv->fig_alloc, pv->owned);
    pv->owned = NULL;
}

/* Whether customer i's value is present (exact criteria: margin only when a row carried one). */
static int present(const pareto_values *pv, size_t i)
{
    return pv->exact ? !pv->margin || pv->fig[i].has_margin : !isnan(pv->dval[i]);
}

/* Customer i's exact value (0 when not present). */
static int64_t exact_value(const pareto_values *pv, size_t i)
{
    const tier__figures *f = &pv->fig[i];
    return !pv->margin ? f->net : f->has_margin ? f->margin : 0;
}

static int positive(const pareto_values *pv, size_t i)
{
    return pv->exact ? exact_value(pv, i) > 0 : pv->dval[i] > 0;
}

/* Sort key: ascending key = descending value. Positive doubles order like their bit patterns. */
static uint64_t sort_key(const pareto_values *pv, size_t i)
{
    uint64_t bits;
    double d;
    if (pv->exact)
        return ~(uint64_t)exact_value(pv, i);
    d = pv->dval[i];
    memcpy(&bits, &d, sizeof bits);
    return ~bits;
}

/* Sort keys and the total of the positive values (exact criteria), in slices of customers. */
typedef struct pareto_keys_job {
    const pareto_values *pv;
    uint64_t *key;
    size_t tasks;
    int64_t sum[TIER__PAR_TASKS];
    int over[TIER__PAR_TASKS];
} pareto_keys_job;

static void pareto_keys(void *arg, size_t t)
{
    pareto_keys_job *j = arg;
    const pareto_values *pv = j->pv;
    size_t i = tier__par_begin(pv->n, j->tasks, t), end = tier__par_begin(pv->n, j->tasks, t + 1);
    int64_t sum = 0;
    int over = 0;
    for (; i < end; i++) {
        if (!positive(pv, i)) {
            j->key[i] = UINT64_MAX;
            continue;
        }
        j->key[i] = sort_key(pv, i);
        /* Once over, the sum stays as it was: over is what counts. */
        over |= pv->exact && tier__add_i64(sum, exact_value(pv, i), &sum) != TIER_OK;
    }
    j->sum[t] = sum;
    j->over[t] = over;
}

/* Every customer's value and share, the cumulative share of those that are not positive (the
 * positive ones have theirs) and class C, in slices of customers. */
typedef struct pareto_rows_job {
    const pareto_values *pv;
    double *out[OUT_CLASS];
    int32_t *cls;
    uint64_t total;
    double dtotal;
    size_t tasks;
} pareto_rows_job;

static void pareto_rows(void *arg, size_t t)
{
    const pareto_rows_job *j = arg;
    const pareto_values *pv = j->pv;
    size_t i = tier__par_begin(pv->n, j->tasks, t), end = tier__par_begin(pv->n, j->tasks, t + 1);
    const int any = pv->exact ? j->total > 0 : j->dtotal > 0;
    for (; i < end; i++) {
        int64_t x = pv->exact ? exact_value(pv, i) : 0;
        double v = pv->exact ? tier__fixed_to_double(x) : pv->dval[i];
        if (!present(pv, i)) {
            j->out[OUT_VALUE][i] = j->out[OUT_SHARE][i] = j->out[OUT_CUM_SHARE][i] = NAN;
        } else {
            j->out[OUT_VALUE][i] = v;
            j->out[OUT_SHARE][i] = !any        ? NAN
                                   : pv->exact ? (double)x / (double)j->total
                                               : v / j->dtotal;
            /* Every positive customer comes before a non-positive one: its cumulative share is
             * complete. Positive customers already hold theirs. */
            if (!positive(pv, i))
                j->out[OUT_CUM_SHARE][i] = any ? 1.0 : NAN;
        }
        j->cls[i] = CLASS_C;
    }
}

/* The cumulative shares of the positive customers in value order (exact values), in slices of
 * the order: each slice sums its keys, then, from the sum of the slices before it, writes its
 * customers' cumulative shares and finds where its cumulative sums reach the class thresholds
 * (the first slice to reach one has its boundary: the sums only grow). */
typedef struct pareto_cum_job {
    const uint64_t *key; /* the values' complements, in value order */
    const uint32_t *idx; /* the customer at each position */
    double *cum_share;
    uint64_t total;
    size_t np, tasks;
    uint64_t start[TIER__PAR_TASKS]; /* a slice's sum, then the sum before it */
    tier__abc_cut ends[TIER__PAR_TASKS];
} pareto_cum_job;

static void pareto_cum_sums(void *arg, size_t t)
{
    pareto_cum_job *j = arg;
    size_t i = tier__par_begin(j->np, j->tasks, t), end = tier__par_begin(j->np, j->tasks, t + 1);
    uint64_t sum = 0;
    for (; i < end; i++)
        sum += ~j->key[i];
    j->start[t] = sum;
}

static void pareto_cum_shares(void *arg, size_t t)
{
    pareto_cum_job *j = arg;
    size_t i = tier__par_begin(j->np, j->tasks, t), end = tier__par_begin(j->np, j->tasks, t + 1);
    uint64_t cum = j->start[t];
    tier__abc_cut *ends = &j->ends[t];
    for (; i < end; i++) {
        cum += ~j->key[i]; /* the key is the value's complement: no look-up */
        j->cum_share[j->idx[i]] = (double)cum / (double)j->total;
        /* Once B has ended A has too (threshold_a <= threshold_b): nothing left to find. */
        if (ends->end[1] == ends->n)
            tier__abc_cut_exact(ends, i, cum, j->total);
    }
}

static void pareto_cum_exact(const tier_executor *ex, pareto_cum_job *j, tier__abc_cut *ends)
{
    uint64_t before = 0;
    size_t t;
    int c;
    j->tasks = tier__par_tasks(ex, j->np, 8192);
    tier__par_run(ex, j->tasks, pareto_cum_sums, j);
    for (t = 0; t < j->tasks; t++) {
        uint64_t sum = j->start[t];
        j->start[t] = before;
        before += sum;
        j->ends[t] = *ends;
    }
    tier__par_run(ex, j->tasks, pareto_cum_shares, j);
    for (t = 0; t < j->tasks; t++)
        for (c = 0; c < 2; c++)
            if (j->ends[t].end[c] < ends->end[c])
                ends->end[c] = j->ends[t].end[c];
}

static int tier__pareto_score(void *state, const tier_book *book, tier_frame *frame)
{
    pareto_state *st = state;
    pareto_values pv;
    uint64_t *key = NULL, *key2 = NULL;
    uint32_t *idx = NULL, *idx2 = NULL;
    double *out[OUT_CLASS], dtotal = 0;
    int32_t *cls;
    uint64_t total = 0;
    int64_t itotal = 0;
    size_t n, np = 0, i;
    tier__abc_cut ends;
    tier__id_order ids = {NULL, NULL, NULL, NULL, NULL};
    pareto_keys_job kj;
    char *err = tier__frame_error(frame);
    int rc, over;

    /* Scoring never writes the state (several threads may score at once): failures are
     * described in the frame's error text, which model.c reports. */
    if ((rc = check_options(&st->c, err)) != TIER_OK)
        goto fail;
    n = tier_book_customer_count(book);
    if (tier_frame_rows(frame) != n)
        return TIER_EINVAL;
    if (n > UINT32_MAX) {
        tier__errorf(err, "too many customers for the Pareto model");
        rc = TIER_ERANGE;
        goto fail;
    }
    if ((rc = collect_values(st, book, frame, &pv, err)) != TIER_OK) {
        free_values(&pv);
        goto fail;
    }
    key = tier__malloc_n(&st->h.alloc, n, sizeof *key);
    key2 = tier__malloc_n(&st->h.alloc, n, sizeof *key2);
    idx = tier__malloc_n(&st->h.alloc, n, sizeof *idx);
    idx2 = tier__malloc_n(&st->h.alloc, n, sizeof *idx2);
    if (!key || !key2 || !idx || !idx2) {
        tier__errorf(err, "out of memory ordering %lu customers", (unsigned long)n);
        rc = TIER_ENOMEM;
        goto done;
    }
    /* Every customer's key (UINT64_MAX, no key of a positive, if none) and the total of the
     * positive values, in slices: a sum of positive values overflows in a slice or in the
     * slices' total exactly when it does in customer order. The keys are a column of their own
     * rather than read from the figures in id order: the gather's random reads then stay in an
     * array a fifth of the figures' size. */
    kj.pv = &pv;
    kj.key = key2;
    kj.tasks = tier__par_tasks(tier__book_executor(book), n, 8192);
    tier__par_run(tier__book_executor(book), kj.tasks, pareto_keys, &kj);
    for (i = 0, over = 0; i < kj.tasks; i++)
        over |= kj.over[i] | (tier__add_i64(itotal, kj.sum[i], &itotal) != TIER_OK);
    if (over) {
        tier__errorf(err, "the %s total exceeds the fixed-point range", criterion_name(&st->c));
        rc = TIER_ERANGE;
        goto done;
    }
    total = (uint64_t)itotal;
    /* The positive customers in id order, then stably by value: ties stay in id order. */
    if ((rc = tier__id_order_get(&ids, &st->h.alloc, book, frame)) != TIER_OK) {
        tier__errorf(err, "out of memory ordering %lu customers by id", (unsigned long)n);
        goto done;
    }
    tier__order_gather(tier__book_executor(book), ids.perm, key2, n, key, idx, &np);
    tier__id_order_done(&ids);
    tier__radix_sort(tier__book_executor(book), &st->h.alloc, key, idx, key2, idx2, np);
    /* The sort's scratch is freed before the outputs are added (the run's peak is near). */
    tier__free(&st->h.alloc, key2);
    tier__free(&st->h.alloc, idx2);
    key2 = NULL;
    idx2 = NULL;
    /* The outputs are added now so that cumulative shares go straight into their column. The
     * shares of the positive customers (below) and pareto_rows (the others, every value and
     * class) write every row. */
    for (i = 0; i < OUT_CLASS && rc == TIER_OK; i++)
        rc = tier__frame_add_numbers_unset(frame, tier__pareto_outputs[i].name, &out[i]);
    if (rc == TIER_OK)
        rc = tier__frame_add_labels_unset(frame, tier__pareto_outputs[OUT_CLASS].name, class_labels,
                                          3, &cls);
    if (rc)
        goto done;
    /* Class boundaries: the first positions whose cumulative sum reaches each threshold. */
    tier__abc_cut_init(&ends, st->c.ta6, st->c.tb6, np);
    if (pv.exact) {
        pareto_cum_job cj;
        cj.key = key;
        cj.idx = idx;
        cj.cum_share = out[OUT_CUM_SHARE];
        cj.total = total;
        cj.np = np;
        pareto_cum_exact(tier__book_executor(book), &cj, &ends);
    } else {
        /* Exact sums rounded once (models/order.h): the same doubles in any order, so that a
         * split run can merge them (docs/distributed.md). */
        tier__xsum sum;
        tier__xsum_init(&sum);
        for (i = 0; i < np; i++)
            tier__xsum_add(&sum, pv.dval[idx[i]]);
        dtotal = tier__xsum_round(&sum);
        if (!(dtotal * PARETO_MILLION < INFINITY)) {
            tier__errorf(err, "the total of criterion column \"%s\" is too large", st->c.column);
            rc = TIER_ERANGE;
            goto done;
        }
        tier__xsum_init(&sum);
        for (i = 0; i < np; i++) {
            double dcum;
            tier__xsum_add(&sum, pv.dval[idx[i]]);
            dcum = tier__xsum_round(&sum);
            out[OUT_CUM_SHARE][idx[i]] = dcum / dtotal;
            tier__abc_cut_double(&ends, i, dcum, dtotal);
        }
    }
    {
        pareto_rows_job j;
        j.pv = &pv;
        memcpy(j.out, out, sizeof j.out);
        j.cls = cls;
        j.total = total;
        j.dtotal = dtotal;
        j.tasks = tier__par_tasks(tier__book_executor(book), n, 8192);
        tier__par_run(tier__book_executor(book), j.tasks, pareto_rows, &j);
    }
    tier__abc_cut_classes(tier__book_executor(book), &ends, idx, np, cls);
done:
    tier__id_order_done(&ids);
    tier__free(&st->h.alloc, key);
    tier__free(&st->h.alloc, key2);
    tier__free(&st->h.alloc, idx);
    tier__free(&st->h.alloc, idx2);
    free_values(&pv);
fail:
    return rc;
}

/* ---- explain ----------------------------------------------------------------------------- */

static const double *model_numbers(const pareto_state *st, const tier_frame *frame, int out)
{
    size_t col;
    if (tier__model_column(frame, st->name, tier__pareto_outputs[out].name, &col) != TIER_OK)
        return NULL;
    return tier_frame_numbers(frame, col);
}

static int tier__pareto_explain(void *state, const tier_book *book, const tier_frame *frame,
                                size_t customer, tier_text *out)
{
    pareto_state *st = state;
    const double *value, *share, *cum;
    const int32_t *codes = NULL;
    const char *label = NULL;
    char buf[768], day[16], scope[96];
    size_t col;
    int n;
    int32_t from, to;

    if (!frame || !out)
        return TIER_EINVAL;
    value = model_numbers(st, frame, OUT_VALUE);
    share = model_numbers(st, frame, OUT_SHARE);
    cum = model_numbers(st, frame, OUT_CUM_SHARE);
    if (tier__model_column(frame, st->name, tier__pareto_outputs[OUT_CLASS].name, &col) == TIER_OK)
        codes = tier_frame_labels(frame, col);
    if (!value || !share || !cum || !codes)
        return TIER_ENOTFOUND; /* the model was not scored into this frame */
    if (customer >= tier_frame_rows(frame))
        return TIER_ERANGE;
    label = tier_frame_label_text(frame, col, codes[customer]);
    scope[0] = '\0';
    if (st->c.criterion != CRIT_COLUMN) {
        if (!tier__window_days(&st->c.win, book, &from, &to) ||
            tier_date_format_iso(day, sizeof day, to) != TIER_OK)
            snprintf(day, sizeof day, "the as-of day");
        if (st->c.win.days > 0)
            snprintf(scope, sizeof scope, " over the %ld days before %s", (long)st->c.win.days,
                     day);
        else
            snprintf(scope, sizeof scope, " before %s", day);
    }
    if (isnan(value[customer]))
        n = snprintf(buf, sizeof buf, "%s%s: none recorded -> class %s", criterion_name(&st->c),
                     scope, label ? label : "C");
    else if (!(value[customer] > 0))
        n = snprintf(buf, sizeof buf, "%s%s=%.17g: not positive -> class %s",
                     criterion_name(&st->c), scope, value[customer], label ? label : "C");
    else
        n = snprintf(buf, sizeof buf,
                     "%s%s=%.17g: share %.4f%% of the positive total, cumulative share %.4f%% -> "
                     "class %s (A closes at the first customer reaching %.4f%%, B at %.4f%%)",
                     criterion_name(&st->c), scope, value[customer], 100.0 * share[customer],
                     100.0 * cum[customer], label ? label : "?", st->c.ta6 / 1e4, st->c.tb6 / 1e4);
    return tier__model_append(out, buf, sizeof buf, n);
}

static void tier__pareto_destroy(void *state)
{
    pareto_state *st = state;
    if (st) {
        tier__free(&st->h.alloc, st->c.column);
        tier__free(&st->h.alloc, st->name);
    }
    tier__model_state_free(st);
}

/* ---- public API -------------------------------------------------------------------------- */

int tier_pareto_summary(const tier_frame *frame, const char *name, int cls, size_t *customers,
                        double *value, double *customer_share, double *value_share)
{
    size_t vcol, ccol, rows, i, count = 0;
    const double *v;
    const int32_t *codes;
    int32_t code = -1, j;
    double sum = 0, total = 0;

    if (!frame || cls < CLASS_A || cls > CLASS_C)
        return TIER_EINVAL;
    if (!name)
        name = "pareto";
    if (strlen(name) > 200)
        return TIER_EINVAL;
    if (tier__model_column(frame, name, tier__pareto_outputs[OUT_VALUE].name, &vcol) != TIER_OK ||
        tier__model_column(frame, name, tier__pareto_outputs[OUT_CLASS].name, &ccol) != TIER_OK)
        return TIER_ENOTFOUND;
    v = tier_frame_numbers(frame, vcol);
    codes = tier_frame_labels(frame, ccol);
    if (!v || !codes)
        return TIER_EINVAL;
    for (j = 0; (size_t)j < tier_frame_label_count(frame, ccol); j++) {
        const char *t = tier_frame_label_text(frame, ccol, j);
        if (t && strcmp(t, class_labels[cls]) == 0)
            code = j;
    }
    rows = tier_frame_rows(frame);
    for (i = 0; i < rows; i++) {
        if (v[i] > 0)
            total += v[i];
        if (code < 0 || codes[i] != code)
            continue;
        count++;
        if (!isnan(v[i]))
            sum += v[i];
    }
    if (customers)
        *customers = count;
    if (value)
        *value = sum;
    if (customer_share)
        *customer_share = rows ? (double)count / (double)rows : 0.0;
    if (value_share)
        *value_share = total > 0 ? sum / total : 0.0;
    return TIER_OK;
}

/* ---- options and saved state (docs/pareto.md, docs/model-state-format.md) ------------------ */

/* A threshold in millionths, or 0 when the value is not in (0, 1]. */
static uint32_t millionths(double v)
{
    double r;
    if (!(v > 0 && v <= 1))
        return 0;
    r = floor(v * PARETO_MILLION + 0.5);
    return (uint32_t)r;
}

/* Applies option `name` to `c` (a copy: a new criterion column is allocated into it, the old one
 * left to the caller). Checks the value alone; check_options() checks the thresholds' order. */
static int config_set(pareto_state *st, pareto_config *c, const char *name, const tier_value *v,
                      char *err)
{
    if (strcmp(name, "criterion") == 0) {
        const char *t = tier_value_text(v);
        if (!t[0]) {
            tier__errorf(err, "must be \"revenue\", \"margin\" or a column name, not empty");
            return TIER_EINVAL;
        }
        c->column = NULL;
        if (strcmp(t, "revenue") == 0) {
            c->criterion = CRIT_REVENUE;
        } else if (strcmp(t, "margin") == 0) {
            c->criterion = CRIT_MARGIN;
        } else {
            c->criterion = CRIT_COLUMN;
            c->column = tier__strdup(&st->h.alloc, t);
            if (!c->column) {
                tier__errorf(err, "out of memory");
                return TIER_ENOMEM;
            }
        }
    } else if (strcmp(name, "threshold_a") == 0 || strcmp(name, "threshold_b") == 0) {
        double t = tier_value_number(v);
        uint32_t t6 = millionths(t);
        if (t6 == 0) {
            tier__errorf(err, "must be a number in (0, 1] of at least 0.000001, not %g", t);
            return TIER_ERANGE;
        }
        if (name[10] == 'a') {
            c->ta = t;
            c->ta6 = t6;
        } else {
            c->tb = t;
            c->tb6 = t6;
        }
    } else {
        return tier__window_set(&c->win, name, v, err);
    }
    return TIER_OK;
}

static int tier__pareto_set_option(void *state, const char *name, const tier_value *value)
{
    pareto_state *st = state;
    pareto_config c = st->c;
    int rc = config_set(st, &c, name, value, st->h.err);
    if (rc)
        return rc;
    if (c.ta6 > c.tb6) {
        tier__errorf(st->h.err, "threshold_a (%g) must not exceed threshold_b (%g)", c.ta, c.tb);
        if (c.column != st->c.column)
            tier__free(&st->h.alloc, c.column);
        return TIER_ERANGE;
    }
    if (c.column != st->c.column)
        tier__free(&st->h.alloc, st->c.column);
    st->c = c;
    st->h.err[0] = '\0';
    return TIER_OK;
}

static int tier__pareto_get_option(void *state, const char *name, tier_value *out)
{
    const pareto_state *st = state;
    if (strcmp(name, "criterion") == 0)
        return tier_value_set_text(out, criterion_name(&st->c));
    if (strcmp(name, "threshold_a") == 0)
        return tier_value_set_number(out, st->c.ta);
    if (strcmp(name, "threshold_b") == 0)
        return tier_value_set_number(out, st->c.tb);
    return tier_value_set_number(out, tier__window_get(&st->c.win, name));
}

/* Nothing is learnt from the book: the state is the options. */
static int tier__pareto_save(void *state, tier_state_writer *w)
{
    pareto_state *st = state;
    return tier__opt_save(w, tier__pareto_options, N_OPTIONS, st, tier__pareto_get_option,
                          &st->h.alloc);
}

/* What a load has read so far; the model takes it only once every record is read. */
typedef struct pareto_loading {
    pareto_state *st;
    pareto_config c;
} pareto_loading;

static int load_option(void *ctx, const char *name, const tier_value *v, char *why)
{
    pareto_loading *L = ctx;
    char *old = L->c.column;
    int rc = config_set(L->st, &L->c, name, v, why);
    if (rc) {
        L->c.column = old;
        return rc;
    }
    if (L->c.column != old)
        tier__free(&L->st->h.alloc, old);
    return TIER_OK;
}

static int tier__pareto_load(void *state, tier_state_reader *r)
{
    pareto_state *st = state;
    pareto_loading L;
    char why[TIER__ERR_SIZE];
    int rc;
    L.st = st;
    L.c = pareto_defaults;
    rc = tier__opt_load(r, tier__pareto_options, N_OPTIONS, &st->h.alloc, load_option, NULL, &L);
    if (rc == 0 && check_options(&L.c, why) != TIER_OK)
        rc = tier_state_read_fail(r, why);
    if (rc < 0) {
        tier__free(&st->h.alloc, L.c.column);
        return rc;
    }
    tier__free(&st->h.alloc, st->c.column);
    st->c = L.c;
    st->h.err[0] = '\0';
    return TIER_OK;
}

/* ---- constructor (public API) ------------------------------------------------------------ */

/* No score_row: shares and classes rank the whole book, so Pareto is a population model whose
 * rows the next batch score refreshes (docs/pareto.md). */
static const tier_model_vtable pareto_vtable =
    TIER__BUILTIN_VTABLE("pareto", tier__pareto, NULL, NULL);

int tier_pareto_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    int rc;
    pareto_state *st =
        tier__model_state_new(out, &name, "pareto", alloc, sizeof(pareto_state), &rc);
    if (!st)
        return rc;
    st->c = pareto_defaults;
    st->name = tier__strdup(&st->h.alloc, name);
    return tier__model_finish(out, &pareto_vtable, st, name, alloc, st->name != NULL);
}
