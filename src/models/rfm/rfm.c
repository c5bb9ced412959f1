/* SPDX-License-Identifier: MIT */
/* The built-in RFM model, made through the public model vtable. Cut points are type-7 quantiles
 * found by counting (R, F: small integers) or by selection (M), never by sorting per quantile;
 * scores count the cuts strictly below a value, so equal values always get equal scores.
 * docs/rfm.md states every rule; quantiles.c finds the cut points, rfm_state.c keeps the options
 * and the saved state. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "models/rfm/segmap_internal.h"
#include "util/buf.h"
#include "util/par_tasks.h"
#include "util/numtext.h"
#include "models/rfm/rfm_internal.h"

const tier_model_option tier__rfm_options[RFM_N_OPTIONS] = {
    {"bins", TIER_OPTION_NUMBER, "scores per dimension, an integer from 2 to 10 (default 5)",
     TIER_OPTION_FORGETS_FIT},
    {"as_of", TIER_OPTION_NUMBER,
     "as-of day number; nan (default): the day after the book's last transaction", 0},
    {"window", TIER_OPTION_NUMBER, "days before the as-of day that count; 0 (default): all history",
     TIER_OPTION_FORGETS_FIT},
    {"frequency", TIER_OPTION_TEXT,
     "\"days\" (default): F counts purchase days; \"rows\": purchase rows",
     TIER_OPTION_FORGETS_FIT},
    {"monetary", TIER_OPTION_TEXT,
     "\"sum\" (default): M is the net amount; \"mean\": the net amount per purchase day",
     TIER_OPTION_FORGETS_FIT},
};

static int tier__rfm_fit(void *state, const tier_book *book, const tier_frame *inputs);
static int tier__rfm_score(void *state, const tier_book *book, tier_frame *frame);
static int tier__rfm_score_row(void *state, const tier_book *book, const tier_frame *frame,
                               size_t customer, double *numbers, const char **labels);
static int tier__rfm_explain(void *state, const tier_book *book, const tier_frame *frame,
                             size_t customer, tier_text *out);
static void tier__rfm_destroy(void *state);

static const tier_model_output tier__rfm_outputs[OUT_COUNT] = {
    {"r", TIER_VALUE_NUMBER},         {"f", TIER_VALUE_NUMBER},
    {"m", TIER_VALUE_NUMBER},         {"tenure", TIER_VALUE_NUMBER},
    {"r_score", TIER_VALUE_NUMBER},   {"f_score", TIER_VALUE_NUMBER},
    {"m_score", TIER_VALUE_NUMBER},   {"segment", TIER_VALUE_LABEL},
    {"value_class", TIER_VALUE_LABEL}};

static const tier_model_vtable rfm_vtable =
    TIER__BUILTIN_VTABLE("rfm", tier__rfm, NULL, tier__rfm_score_row);

/* ---- small helpers ----------------------------------------------------------------------- */

static rfm_state *rfm_of(const tier_model *model)
{
    return tier__model_state_if(model, &rfm_vtable);
}

int tier__rfm_all_cuts(const rfm_state *st)
{
    return st->cuts_set == (1u << RFM_DIMS) - 1;
}

/* The error text of a failure to compute the figures over the model's window. */
static int figures_failed(int rc, const char *why, char *err)
{
    if (rc == TIER_ESTATE)
        tier__errorf(err, "cannot compute R, F and M for this window: %s", why);
    else
        tier__errorf(err, "computing customer figures: %s", why[0] ? why : tier_strerror(rc));
    return rc;
}

/* Per-customer figures over the model's window: the book's own when they are exact for it,
 * else a new array in *owned (free it with the book's allocator). */
static int load_figures(rfm_state *st, const tier_book *book, const tier__figures **out,
                        tier__figures **owned, int32_t *as_of, int *have_day, char *err)
{
    char why[TIER__ERR_SIZE];
    int32_t from, to;
    int rc;
    *have_day = tier__window_days(&st->c.win, book, &from, &to);
    why[0] = '\0';
    rc = tier__book_figures_view(book, from, to, out, owned, why);
    if (rc)
        return figures_failed(rc, why, err);
    *as_of = to;
    return TIER_OK;
}

static int has_purchase(const tier__figures *f)
{
    return f->last_day != RFM_NO_DAY && f->purchases > 0;
}

static double value_f(const rfm_state *st, const tier__figures *f)
{
    return st->c.freq == RFM_FREQ_ROWS ? (double)f->purchases : (double)f->purchase_days;
}

/* M of a customer: the net amount, or the net amount per purchase-day; the net amount for a
 * customer without purchases (refunds only, or nothing). */
static double value_m(const rfm_state *st, const tier__figures *f)
{
    double net = tier__fixed_to_double(f->net);
    if (st->c.money == RFM_MONEY_MEAN && has_purchase(f) && f->purchase_days > 0)
        return net / (double)f->purchase_days;
    return net;
}

/* Number of cuts strictly below v (cuts ascending). */
static int cuts_below(const double *cuts, int ncuts, double v)
{
    int j, c = 0;
    for (j = 0; j < ncuts; j++)
        c += cuts[j] < v;
    return c;
}

/* ---- vtable ------------------------------------------------------------------------------ */

/* The cut points of the three dimensions, on the book's executor with buffers of their own
 * (without one, one after another in shared buffers): M, the longest (its values are selected,
 * not counted), is task 0, on the calling thread; with two threads the other task fits R then
 * F, with three or more each has its own. */
typedef struct fit_job {
    rfm_state *st;
    const tier__figures *fig;
    size_t n, np;
    int32_t as_of;
    double *vals[RFM_DIMS];
    uint32_t *ints[RFM_DIMS];
    double cuts[RFM_DIMS][RFM_MAX_CUTS];
    int rc[RFM_DIMS];
    size_t tasks;
} fit_job;

static void fit_dim(void *arg, size_t dim)
{
    fit_job *j = arg;
    const rfm_state *st = j->st;
    int d = (int)dim, use_ints = d != TIER_RFM_M;
    double *vals = j->vals[d];
    uint32_t *ints = j->ints[d], maxv = 0;
    size_t i, k;
    if (use_ints) {
        /* R and F are small integers, counted: their doubles are written only when they are
         * selected instead (a pass over fresh pages saved on every large book). */
        for (i = 0, k = 0; i < j->n; i++) {
            const tier__figures *f = &j->fig[i];
            if (!has_purchase(f))
                continue;
            if (d == TIER_RFM_R) {
                /* r >= 1: every counted purchase is dated before the as-of day. */
                int64_t r = (int64_t)j->as_of - f->last_day;
                if (r < 0 || r > (int64_t)UINT32_MAX)
                    use_ints = 0;
                else
                    ints[k] = (uint32_t)r;
            } else {
                ints[k] = st->c.freq == RFM_FREQ_ROWS ? f->purchases : f->purchase_days;
            }
            if (use_ints && ints[k] > maxv)
                maxv = ints[k];
            k++;
        }
        use_ints = use_ints && tier__rfm_counts(j->np, maxv);
    }
    if (!use_ints) {
        for (i = 0, k = 0; i < j->n; i++) {
            const tier__figures *f = &j->fig[i];
            if (!has_purchase(f))
                continue;
            vals[k++] = d == TIER_RFM_R   ? (double)((int64_t)j->as_of - f->last_day)
                        : d == TIER_RFM_F ? value_f(st, f)
                                          : value_m(st, f);
        }
    }
    j->rc[d] = tier__rfm_fit_cuts(j->st, j->np, vals, use_ints ? ints : NULL, maxv, j->cuts[d]);
}

static void fit_task(void *arg, size_t t)
{
    const fit_job *j = arg;
    if (t == 0)
        fit_dim(arg, TIER_RFM_M);
    if (t == 1 || j->tasks == 1)
        fit_dim(arg, TIER_RFM_R);
    if (t == 2 || (t == 1 && j->tasks == 2) || j->tasks == 1)
        fit_dim(arg, TIER_RFM_F);
}

/* How many customers of a slice have a purchase: the fit's buffers are that long. */
typedef struct count_job {
    const tier__figures *fig;
    size_t np[TIER__PAR_TASKS];
} count_job;

static void count_purchasers(void *arg, size_t k, size_t begin, size_t end)
{
    count_job *j = arg;
    size_t i, np = 0;
    for (i = begin; i < end; i++)
        np += has_purchase(&j->fig[i]);
    j->np[k] = np;
}

static int tier__rfm_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    rfm_state *st = state;
    const tier_executor *ex;
    tier__figures *owned = NULL;
    fit_job j;
    size_t i, nbuf;
    int have_day, rc = TIER_OK, d;

    (void)inputs;
    if (st->pinned && tier__rfm_all_cuts(st)) {
        /* Loaded or hand-set cut points are kept: new customers are scored against them. */
        st->h.err[0] = '\0';
        return TIER_OK;
    }
    if (!book) {
        tier__errorf(st->h.err, "no book to fit on");
        return TIER_EINVAL;
    }
    memset(&j, 0, sizeof j);
    j.st = st;
    rc = load_figures(st, book, &j.fig, &owned, &j.as_of, &have_day, st->h.err);
    if (rc)
        return rc;
    j.n = tier_book_customer_count(book);
    {
        count_job cj;
        size_t k, slices;
        cj.fig = j.fig;
        slices = tier__par_slices(tier__book_executor(book), j.n, 65536, count_purchasers, &cj);
        for (k = 0; k < slices; k++)
            j.np += cj.np[k];
    }
    if (j.np == 0) {
        char day[16] = "?";
        if (have_day)
            (void)tier_date_format_iso(day, sizeof day, j.as_of);
        tier__errorf(
            st->h.err,
            "cannot fit RFM cut points: no customer has a purchase in the window before %s",
            have_day ? day : "the as-of day (the book has no transactions)");
        tier__free(tier__book_allocator(book), owned);
        return TIER_ESTATE;
    }
    ex = j.np >= 4096 ? tier__book_executor(book) : NULL;
    nbuf = ex ? RFM_DIMS : 1;
    for (i = 0; i < nbuf; i++) {
        j.vals[i] = tier__malloc_n(&st->h.alloc, j.np, sizeof *j.vals[i]);
        j.ints[i] = tier__malloc_n(&st->h.alloc, j.np, sizeof *j.ints[i]);
        if (!j.vals[i] || !j.ints[i])
            rc = TIER_ENOMEM;
    }
    if (rc == TIER_OK) {
        for (d = (int)nbuf; d < RFM_DIMS; d++) {
            j.vals[d] = j.vals[0];
            j.ints[d] = j.ints[0];
        }
        j.tasks = !ex ? 1 : tier__par_width(ex) >= RFM_DIMS ? RFM_DIMS : 2;
        tier__par_run(ex, j.tasks, fit_task, &j);
        for (d = 0; d < RFM_DIMS && rc == TIER_OK; d++)
            rc = j.rc[d];
    }
    for (i = 0; i < nbuf; i++) {
        tier__free(&st->h.alloc, j.vals[i]);
        tier__free(&st->h.alloc, j.ints[i]);
    }
    tier__free(tier__book_allocator(book), owned);
    if (rc) {
        tier__errorf(st->h.err, "out of memory fitting RFM cut points over %lu customers",
                     (unsigned long)j.np);
        return rc;
    }
    memcpy(st->cuts, j.cuts, sizeof j.cuts);
    st->cuts_set = (1u << RFM_DIMS) - 1;
    st->has_fit_day = have_day;
    st->fit_day = have_day ? j.as_of : 0;
    st->h.err[0] = '\0';
    return TIER_OK;
}

/* The segment of `map` for scores r, f, m of 1..bins (-1: none): a map written for another
 * number of scores (its grid) sees each score s rescaled to ceil(grid * s / bins). */
static int segment_of(const rfm_state *st, const tier_segmap *map, int r, int f, int m)
{
    int k = st->c.bins, grid = tier__segmap_grid(map);
    if (grid > 0 && grid != k) {
        r = (grid * r + k - 1) / k;
        f = (grid * f + k - 1) / k;
        m = (grid * m + k - 1) / k;
    }
    return tier_segmap_lookup(map, r, f, m);
}

/* Builds the segment lookup table of one map: table[(r*11 + f)*11 + m] for scores 1..bins. */
static void build_table(const rfm_state *st, const tier_segmap *map, int16_t *table)
{
    int r, f, m, k = st->c.bins;
    for (r = 1; r <= k; r++)
        for (f = 1; f <= k; f++)
            for (m = 1; m <= k; m++)
                table[(r * 11 + f) * 11 + m] = (int16_t)segment_of(st, map, r, f, m);
}

/* Scores of the small whole values of R and F, looked up rather than counted per row:
 * below[d][x] = cuts_below(cuts of d, x) for x < RFM_BELOW_N. */
#define RFM_BELOW_N 4096
typedef struct rfm_below {
    unsigned char below[2][RFM_BELOW_N];
} rfm_below;

static void build_below(const rfm_state *st, rfm_below *b)
{
    size_t x;
    for (x = 0; x < RFM_BELOW_N; x++) {
        b->below[0][x] = (unsigned char)cuts_below(st->cuts[TIER_RFM_R], st->c.bins - 1, (double)x);
        b->below[1][x] = (unsigned char)cuts_below(st->cuts[TIER_RFM_F], st->c.bins - 1, (double)x);
    }
}

/* cuts_below for R (d 0) or F (d 1), whose values are whole numbers: from the table when v is
 * in it (b not NULL), else counted. */
static int below_rf(const rfm_state *st, const rfm_below *b, int d, double v)
{
    if (b && v >= 0 && v < RFM_BELOW_N)
        return b->below[d][(size_t)v];
    return cuts_below(st->cuts[d == 0 ? TIER_RFM_R : TIER_RFM_F], st->c.bins - 1, v);
}

/* The numbers of one customer with figures `f` as of day `as_of` into v[0..OUT_SEGMENT) and its
 * scores into s[0..3) (0 without a purchase), R's and F's scores from b when not NULL: the one
 * computation of score and score_row. Returns 1 when the customer has a purchase (and so a
 * segment), else 0. */
static int rfm_row(const rfm_state *st, const rfm_below *b, const tier__figures *f, int32_t as_of,
                   double *v, int *s)
{
    int k = st->c.bins, nc = st->c.bins - 1;
    double m = value_m(st, f);
    v[OUT_M] = m;
    if (!has_purchase(f)) {
        v[OUT_R] = v[OUT_F] = v[OUT_TENURE] = NAN;
        v[OUT_R_SCORE] = v[OUT_F_SCORE] = v[OUT_M_SCORE] = NAN;
        s[0] = s[1] = s[2] = 0;
        return 0;
    }
    v[OUT_R] = (double)((int64_t)as_of - f->last_day);
    v[OUT_F] = value_f(st, f);
    v[OUT_TENURE] = (double)((int64_t)as_of - f->first_day);
    s[0] = k - below_rf(st, b, 0, v[OUT_R]);
    s[1] = 1 + below_rf(st, b, 1, v[OUT_F]);
    s[2] = 1 + cuts_below(st->cuts[TIER_RFM_M], nc, m);
    v[OUT_R_SCORE] = s[0];
    v[OUT_F_SCORE] = s[1];
    v[OUT_M_SCORE] = s[2];
    return 1;
}

static int add_label_column(rfm_state *st, tier_frame *frame, const char *name,
                            const tier_segmap *map, int32_t **codes)
{
    size_t n = tier_segmap_count(map), i;
    const char **labels = tier__malloc_n(&st->h.alloc, n, sizeof *labels);
    int rc;
    if (!labels)
        return TIER_ENOMEM;
    for (i = 0; i < n; i++)
        labels[i] = tier_segmap_name(map, i);
    rc = tier__frame_add_labels_unset(frame, name, labels, n, codes); /* score_rows writes */
    tier__free(&st->h.alloc, labels);
    return rc;
}

/* The rows of a score, in slices on the book's executor. */
typedef struct score_job {
    const rfm_state *st;
    const tier__figures *fig;
    int32_t as_of;
    int16_t (*table)[11 * 11 * 11]; /* read only */
    const rfm_below *below;         /* NULL: a small book counts its scores' cuts */
    double *col[OUT_SEGMENT];
    int32_t *seg, *vc;
    size_t n, tasks;
} score_job;

static void score_rows(void *arg, size_t t)
{
    const score_job *j = arg;
    size_t i = tier__par_begin(j->n, j->tasks, t), end = tier__par_begin(j->n, j->tasks, t + 1);
    for (; i < end; i++) {
        double v[OUT_SEGMENT];
        int sc[3], k, scored = rfm_row(j->st, j->below, &j->fig[i], j->as_of, v, sc);
        for (k = 0; k < OUT_SEGMENT; k++)
            j->col[k][i] = v[k];
        if (!scored) {
            j->seg[i] = j->vc[i] = -1;
            continue;
        }
        j->seg[i] = j->table[0][(sc[0] * 11 + sc[1]) * 11 + sc[2]];
        j->vc[i] = j->table[1][(sc[0] * 11 + sc[1]) * 11 + sc[2]];
    }
}

static int tier__rfm_score(void *state, const tier_book *book, tier_frame *frame)
{
    rfm_state *st = state;
    const tier__figures *fig = NULL;
    tier__figures *owned = NULL;
    double *col[OUT_SEGMENT];
    int32_t *seg = NULL, *vc = NULL, as_of;
    int16_t table[2][11 * 11 * 11];
    rfm_below below;
    size_t n, i;
    int have_day, rc;

    /* Scoring never writes the state (several threads may score at once): failures are
     * described in the frame's error text, which model.c reports. */
    if (!tier__rfm_all_cuts(st)) {
        tier__errorf(tier__frame_error(frame), "the RFM model has no cut points (fit it, load "
                                               "them or set all three dimensions)");
        return TIER_ESTATE;
    }
    n = tier_book_customer_count(book);
    if (tier_frame_rows(frame) != n)
        return TIER_EINVAL;
    rc = load_figures(st, book, &fig, &owned, &as_of, &have_day, tier__frame_error(frame));
    if (rc)
        return rc;
    /* score_rows writes every row of every output. */
    for (i = 0; i < OUT_SEGMENT && rc == TIER_OK; i++)
        rc = tier__frame_add_numbers_unset(frame, tier__rfm_outputs[i].name, &col[i]);
    if (rc == TIER_OK)
        rc = add_label_column(st, frame, tier__rfm_outputs[OUT_SEGMENT].name, st->maps[0], &seg);
    if (rc == TIER_OK)
        rc = add_label_column(st, frame, tier__rfm_outputs[OUT_VALUE_CLASS].name, st->maps[1], &vc);
    if (rc) {
        tier__free(tier__book_allocator(book), owned);
        return rc;
    }
    build_table(st, st->maps[0], table[0]);
    build_table(st, st->maps[1], table[1]);
    if (n >= RFM_BELOW_N)
        build_below(st, &below);
    {
        score_job j;
        j.below = n >= RFM_BELOW_N ? &below : NULL;
        j.st = st;
        j.fig = fig;
        j.as_of = as_of;
        j.table = table;
        j.seg = seg;
        j.vc = vc;
        j.n = n;
        for (i = 0; i < OUT_SEGMENT; i++)
            j.col[i] = col[i];
        j.tasks = tier__par_tasks(tier__book_executor(book), n, 8192);
        tier__par_run(tier__book_executor(book), j.tasks, score_rows, &j);
    }
    tier__free(tier__book_allocator(book), owned);
    return TIER_OK;
}

/* One customer re-scored with the cut points frozen: its figures over the window alone (the
 * running figures, or its own transactions), never the whole book's. */
static int tier__rfm_score_row(void *state, const tier_book *book, const tier_frame *frame,
                               size_t customer, double *numbers, const char **labels)
{
    const rfm_state *st = state;
    char why[TIER__ERR_SIZE], *err = tier__model_row_error(frame);
    tier__figures f;
    int32_t from, to;
    int sc[3], rc, w;
    if (!tier__rfm_all_cuts(st)) {
        tier__errorf(err, "the RFM model has no cut points (fit it, load them or set all three "
                          "dimensions)");
        return TIER_ESTATE;
    }
    (void)tier__window_days(&st->c.win, book, &from, &to);
    why[0] = '\0';
    if ((rc = tier__book_customer_figures(book, customer, from, to, &f, why)) != TIER_OK)
        return figures_failed(rc, why, err);
    if (!rfm_row(st, NULL, &f, to, numbers, sc))
        return TIER_OK; /* labels stay NULL: no segment */
    for (w = 0; w < 2; w++) {
        int code = segment_of(st, st->maps[w], sc[0], sc[1], sc[2]);
        labels[OUT_SEGMENT + w] = code >= 0 ? tier_segmap_name(st->maps[w], (size_t)code) : NULL;
    }
    return TIER_OK;
}

/* ---- explain ----------------------------------------------------------------------------- */

/* "(cuts 30,90,180,365: at or below 30)" for a value with `below` cuts strictly below it. */
static void explain_cuts(tier__buf *t, const double *cuts, int nc, int below)
{
    char num[TIER__NUM_SIZE];
    int j;
    if (below < 0)
        below = 0;
    if (below > nc)
        below = nc;
    tier__buf_printf(t, " (cuts ");
    for (j = 0; j < nc; j++) {
        tier__num_format(num, cuts[j], 0);
        tier__buf_printf(t, "%s%s", j ? "," : "", num);
    }
    if (below == 0) {
        tier__num_format(num, cuts[0], 0);
        tier__buf_printf(t, ": at or below %s)", num);
    } else if (below == nc) {
        tier__num_format(num, cuts[nc - 1], 0);
        tier__buf_printf(t, ": above %s)", num);
    } else {
        char hi[TIER__NUM_SIZE];
        tier__num_format(num, cuts[below - 1], 0);
        tier__num_format(hi, cuts[below], 0);
        tier__buf_printf(t, ": above %s, at or below %s)", num, hi);
    }
}

static int tier__rfm_explain(void *state, const tier_book *book, const tier_frame *frame,
                             size_t customer, tier_text *out)
{
    rfm_state *st = state;
    const double *v[OUT_SEGMENT];
    size_t col, i;
    tier__buf t;
    char num[TIER__NUM_SIZE];
    int nc = st->c.bins - 1, k;
    (void)book;

    if (!frame || !out)
        return TIER_EINVAL;
    for (i = 0; i < OUT_SEGMENT; i++) {
        v[i] = tier__model_column(frame, st->name, tier__rfm_outputs[i].name, &col) == TIER_OK
                   ? tier_frame_numbers(frame, col)
                   : NULL;
        if (!v[i])
            return TIER_ENOTFOUND; /* the model was not scored into this frame */
    }
    if (customer >= tier_frame_rows(frame))
        return TIER_ERANGE;
    tier__buf_init(&t, &st->h.alloc);
    if (isnan(v[OUT_R][customer])) {
        tier__num_format(num, v[OUT_M][customer], 0);
        tier__buf_printf(&t,
                         "no purchase in the window: r, f and scores undefined; m=%s (net amount, "
                         "refunds only or nothing); segment none; value_class none",
                         num);
    } else {
        static const int labels[2] = {OUT_SEGMENT, OUT_VALUE_CLASS};
        int j;
        k = (int)v[OUT_R_SCORE][customer];
        tier__buf_printf(&t, "r=%.0f days -> r_score %d", v[OUT_R][customer], k);
        explain_cuts(&t, st->cuts[TIER_RFM_R], nc, st->c.bins - k);
        k = (int)v[OUT_F_SCORE][customer];
        tier__buf_printf(&t, "; f=%.0f -> f_score %d", v[OUT_F][customer], k);
        explain_cuts(&t, st->cuts[TIER_RFM_F], nc, k - 1);
        k = (int)v[OUT_M_SCORE][customer];
        tier__num_format(num, v[OUT_M][customer], 0);
        tier__buf_printf(&t, "; m=%s -> m_score %d", num, k);
        explain_cuts(&t, st->cuts[TIER_RFM_M], nc, k - 1);
        tier__buf_printf(&t, "; tenure %.0f days", v[OUT_TENURE][customer]);
        for (j = 0; j < 2; j++) {
            const char *output = tier__rfm_outputs[labels[j]].name, *label = NULL;
            const int32_t *codes;
            if (tier__model_column(frame, st->name, output, &col) == TIER_OK &&
                (codes = tier_frame_labels(frame, col)) != NULL)
                label = tier_frame_label_text(frame, col, codes[customer]);
            tier__buf_printf(&t, "; %s %s", output, label ? label : "none");
        }
    }
    return tier__model_explained(out, &t, TIER_OK);
}

static void tier__rfm_destroy(void *state)
{
    rfm_state *st = state;
    if (st) {
        tier_segmap_free(st->maps[0]);
        tier_segmap_free(st->maps[1]);
        tier__free(&st->h.alloc, st->name);
    }
    tier__model_state_free(st);
}

/* ---- public API -------------------------------------------------------------------------- */

int tier_rfm_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    int rc, ok;
    rfm_state *st = tier__model_state_new(out, &name, "rfm", alloc, sizeof(rfm_state), &rc);
    if (!st)
        return rc;
    st->c = rfm_defaults;
    st->name = tier__strdup(&st->h.alloc, name);
    ok = st->name &&
         tier_segmap_new_builtin(&st->maps[0], TIER_SEGMAP_RF10, &st->h.alloc) == TIER_OK &&
         tier_segmap_new_builtin(&st->maps[1], TIER_SEGMAP_RFM8, &st->h.alloc) == TIER_OK;
    return tier__model_finish(out, &rfm_vtable, st, name, alloc, ok);
}

/* The arguments every cut-point call checks: the dimension and the array. */
static int check_dim(rfm_state *st, int dim, const double *cuts)
{
    if (dim < 0 || dim >= RFM_DIMS) {
        tier__errorf(st->h.err, "dimension %d is not TIER_RFM_R, TIER_RFM_F or TIER_RFM_M", dim);
        return TIER_EINVAL;
    }
    if (!cuts) {
        tier__errorf(st->h.err, "no array of cut points");
        return TIER_EINVAL;
    }
    return TIER_OK;
}

static int set_segmap(rfm_state *st, int which, const tier_segmap *map)
{
    tier_segmap *copy;
    int rc;
    if (!map || (which != 0 && which != 1)) {
        tier__errorf(st->h.err, "%s",
                     !map ? "no segment map" : "which map: 0 (segment) or 1 (value class)");
        return TIER_EINVAL;
    }
    rc = tier__segmap_copy(&copy, map, &st->h.alloc);
    if (rc) {
        tier__errorf(st->h.err, "out of memory copying a segment map");
        return rc;
    }
    tier_segmap_free(st->maps[which]);
    st->maps[which] = copy;
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier_rfm_set_segmap(tier_model *model, int which, const tier_segmap *map)
{
    rfm_state *st = rfm_of(model);
    return st ? tier__model_end(model, set_segmap(st, which, map), st->h.err) : TIER_EINVAL;
}

static int cut_points(rfm_state *st, int dim, double *out, size_t n)
{
    int rc;
    if ((rc = check_dim(st, dim, out)) != TIER_OK)
        return rc;
    if (!(st->cuts_set & (1u << dim))) {
        tier__errorf(st->h.err, "no cut points yet (fit the model, load them or set them)");
        return TIER_ESTATE;
    }
    if (n != (size_t)st->c.bins - 1) {
        tier__errorf(st->h.err, "room for %lu cut points, the model has %d", (unsigned long)n,
                     st->c.bins - 1);
        return TIER_ERANGE;
    }
    memcpy(out, st->cuts[dim], n * sizeof *out);
    return TIER_OK;
}

int tier_rfm_cut_points(const tier_model *model, int dim, double *out, size_t n)
{
    rfm_state *st = rfm_of(model);
    return st ? tier__model_end(model, cut_points(st, dim, out, n), st->h.err) : TIER_EINVAL;
}

/* Checks bins-1 finite, non-decreasing cut points; 0 or an explanation in err. */
int tier__rfm_check_cuts(const double *cuts, size_t n, char *err, const char *where)
{
    size_t j;
    for (j = 0; j < n; j++) {
        if (!isfinite(cuts[j])) {
            tier__errorf(err, "%scut point %lu is not finite", where, (unsigned long)j + 1);
            return TIER_EINVAL;
        }
        if (j > 0 && cuts[j] < cuts[j - 1]) {
            tier__errorf(err, "%scut points are not ascending (%g after %g)", where, cuts[j],
                         cuts[j - 1]);
            return TIER_EINVAL;
        }
    }
    return TIER_OK;
}

static int set_cut_points(tier_model *model, rfm_state *st, int dim, const double *cuts, size_t n)
{
    int rc;
    if ((rc = check_dim(st, dim, cuts)) != TIER_OK)
        return rc;
    if (n != (size_t)st->c.bins - 1) {
        tier__errorf(st->h.err, "%lu cut points given, the model has %d bins and needs %d",
                     (unsigned long)n, st->c.bins, st->c.bins - 1);
        return TIER_ERANGE;
    }
    if ((rc = tier__rfm_check_cuts(cuts, n, st->h.err, "")) != TIER_OK)
        return rc;
    memcpy(st->cuts[dim], cuts, n * sizeof *cuts);
    st->cuts_set |= 1u << dim;
    st->has_fit_day = 0;
    st->pinned = 1;
    if (tier__rfm_all_cuts(st))
        tier__model_set_fitted(model, 1);
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier_rfm_set_cut_points(tier_model *model, int dim, const double *cuts, size_t n)
{
    rfm_state *st = rfm_of(model);
    return st ? tier__model_end(model, set_cut_points(model, st, dim, cuts, n), st->h.err)
              : TIER_EINVAL;
}
