/* SPDX-License-Identifier: MIT */
/* The built-in RFM model, made through the public model vtable. Cut points are type-7 quantiles
 * found by counting (R, F: small integers) or by selection (M), never by sorting per quantile;
 * scores count the cuts strictly below a value, so equal values always get equal scores.
 * docs/rfm.md states every rule and the saved text format. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "core/model_internal.h"
#include "models/options.h"
#include "models/rfm/segmap_internal.h"
#include "util/buf.h"
#include "util/numtext.h"


#define RFM_DIMS 3
#define RFM_MAX_BINS 10
#define RFM_MAX_CUTS (RFM_MAX_BINS - 1)
#define RFM_NO_DAY INT32_MIN
/* Longest window: the whole supported calendar. */
#define RFM_MAX_WINDOW ((double)TIER_DAY_MAX - (double)TIER_DAY_MIN + 1.0)

enum {
    OUT_R,
    OUT_F,
    OUT_M,
    OUT_TENURE,
    OUT_R_SCORE,
    OUT_F_SCORE,
    OUT_M_SCORE,
    OUT_SEGMENT,
    OUT_VALUE_CLASS,
    OUT_COUNT
};


/* The options (docs/rfm.md). */
enum { RFM_FREQ_DAYS = 0, RFM_FREQ_ROWS = 1 };
enum { RFM_MONEY_SUM = 0, RFM_MONEY_MEAN = 1 };

typedef struct rfm_config {
    int bins, freq, money;
    int has_as_of;
    int32_t as_of;
    int32_t window;
} rfm_config;

static const rfm_config rfm_defaults = {5, RFM_FREQ_DAYS, RFM_MONEY_SUM, 0, 0, 0};

static const char *const freq_names[] = {"days", "rows"};
static const char *const money_names[] = {"sum", "mean"};

static const tier_model_option rfm_options[] = {
    {"bins", TIER_OPTION_NUMBER, "scores per dimension, an integer from 2 to 10 (default 5)",
     TIER_OPTION_FORGETS_FIT},
    {"as_of", TIER_OPTION_NUMBER,
     "as-of day number; nan (default): the day after the book's last transaction", 0},
    {"window", TIER_OPTION_NUMBER, "days before the as-of day that count; 0 (default): all history",
     TIER_OPTION_FORGETS_FIT},
    {"frequency", TIER_OPTION_TEXT,
     "\"days\" (default): F counts purchase days; \"rows\": purchase rows", TIER_OPTION_FORGETS_FIT},
    {"monetary", TIER_OPTION_TEXT,
     "\"sum\" (default): M is the net amount; \"mean\": the net amount per purchase day",
     TIER_OPTION_FORGETS_FIT},
};

typedef struct rfm_state {
    tier_allocator alloc;
    char *name; /* model name, to find the model's columns when explaining */
    rfm_config c;
    unsigned cuts_set; /* bit d set once dimension d has cut points */
    double cuts[RFM_DIMS][RFM_MAX_CUTS];
    int pinned;      /* cut points loaded or set by hand: a fit keeps them */
    int has_fit_day; /* 1 when the cuts came from a fit on a book */
    int32_t fit_day;
    tier_segmap *maps[2];
    char err[TIER__ERR_SIZE];
} rfm_state;

static int rfm_fit(void *state, const tier_book *book, const tier_frame *inputs);
static int rfm_score(void *state, const tier_book *book, tier_frame *frame);
static int rfm_explain(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                       tier_text *out);
static void rfm_destroy(void *state);
static const char *rfm_last_error(void *state);
static int rfm_set_option(void *state, const char *name, const tier_value *value);
static int rfm_get_option(void *state, const char *name, tier_value *out);
static int rfm_save(void *state, tier_state_writer *w);
static int rfm_load(void *state, tier_state_reader *r);

static const tier_model_output rfm_outputs[OUT_COUNT] = {
    {"r", TIER_VALUE_NUMBER},       {"f", TIER_VALUE_NUMBER},       {"m", TIER_VALUE_NUMBER},
    {"tenure", TIER_VALUE_NUMBER},  {"r_score", TIER_VALUE_NUMBER}, {"f_score", TIER_VALUE_NUMBER},
    {"m_score", TIER_VALUE_NUMBER}, {"segment", TIER_VALUE_LABEL},  {"value_class", TIER_VALUE_LABEL}};

static const tier_model_vtable rfm_vtable = {
    .version = TIER_MODEL_VTABLE_VERSION,
    .kind = "rfm",
    .fit = rfm_fit,
    .score = rfm_score,
    .explain = rfm_explain,
    .destroy = rfm_destroy,
    .last_error = rfm_last_error,
    .outputs = rfm_outputs,
    .n_outputs = OUT_COUNT,
    .options = rfm_options,
    .n_options = sizeof rfm_options / sizeof rfm_options[0],
    .set_option = rfm_set_option,
    .get_option = rfm_get_option,
    .save = rfm_save,
    .load = rfm_load,
};

/* ---- small helpers ----------------------------------------------------------------------- */

static rfm_state *rfm_of(const tier_model *model)
{
    return tier__model_state_if(model, &rfm_vtable);
}

static int all_cuts(const rfm_state *st)
{
    return st->cuts_set == (1u << RFM_DIMS) - 1;
}

/* The as-of day and the first day of the window for `book`. *have_day is 0 when the book has no
 * transaction and no as-of day is set (then every customer is without purchases). */
static void resolve_days(const rfm_state *st, const tier_book *book, int32_t *from, int32_t *to,
                         int *have_day)
{
    int32_t first, last;
    *have_day = 1;
    if (st->c.has_as_of) {
        *to = st->c.as_of;
    } else if (tier_book_day_range(book, &first, &last) == TIER_OK) {
        *to = last + 1;
    } else {
        *have_day = 0;
        *from = INT32_MIN;
        *to = INT32_MAX;
        return;
    }
    *from = st->c.window > 0 ? (int32_t)((int64_t)*to - st->c.window) : INT32_MIN;
}

/* Per-customer figures over the model's window: the book's own when they are exact for it,
 * else a new array in *owned (free it with the book's allocator). */
static int load_figures(rfm_state *st, const tier_book *book, const tier__figures **out,
                        tier__figures **owned, int32_t *as_of, int *have_day, char *err)
{
    char why[TIER__ERR_SIZE];
    int32_t from, to;
    int rc;
    resolve_days(st, book, &from, &to, have_day);
    why[0] = '\0';
    rc = tier__book_figures_view(book, from, to, out, owned, why);
    if (rc) {
        if (rc == TIER_ESTATE)
            tier__errorf(err, "cannot compute R, F and M for this window: %s", why);
        else
            tier__errorf(err, "computing customer figures: %s", why[0] ? why : tier_strerror(rc));
        return rc;
    }
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

/* ---- quantiles --------------------------------------------------------------------------- */

/* For cut j of k (1..k-1) over n sorted values: h = (n-1)j/k, lower rank floor(h), fraction. */
static void quantile_rank(size_t n, int k, int j, size_t *lo, double *frac)
{
    /* (n-1)*j cannot overflow: n is a customer count and j < 10. */
    size_t num = (n - 1) * (size_t)j;
    *lo = num / (size_t)k;
    *frac = (double)(num % (size_t)k) / (double)k;
}

static double interpolate(double a, double b, double frac)
{
    double q;
    if (frac == 0.0 || a == b)
        return a;
    q = a + frac * (b - a);
    /* Rounding must not leave [a, b]. */
    if (q < a)
        q = a;
    if (q > b)
        q = b;
    return q;
}

/* The order statistics the cuts need: ranks lo_j and lo_j+1 (clamped), ascending, distinct. */
static size_t needed_ranks(size_t n, int k, size_t *ranks)
{
    size_t nr = 0, lo;
    double frac;
    int j;
    for (j = 1; j < k; j++) {
        quantile_rank(n, k, j, &lo, &frac);
        if (nr == 0 || ranks[nr - 1] != lo)
            ranks[nr++] = lo;
        if (lo + 1 < n && ranks[nr - 1] != lo + 1)
            ranks[nr++] = lo + 1;
    }
    return nr;
}

/* Rank r's value from the order statistics found for `ranks`. */
static double rank_value(const size_t *ranks, const double *vals, size_t nr, size_t r)
{
    size_t i;
    for (i = 0; i < nr; i++)
        if (ranks[i] == r)
            return vals[i];
    return vals[nr - 1];
}

static void cuts_from_ranks(size_t n, int k, const size_t *ranks, const double *vals, size_t nr,
                            double *cuts)
{
    int j;
    for (j = 1; j < k; j++) {
        size_t lo;
        double frac, a, b;
        quantile_rank(n, k, j, &lo, &frac);
        a = rank_value(ranks, vals, nr, lo);
        b = lo + 1 < n ? rank_value(ranks, vals, nr, lo + 1) : a;
        cuts[j - 1] = interpolate(a, b, frac);
    }
}

/* Order statistics of small non-negative integers by counting: O(n + range). */
static void ranks_by_counting(const uint32_t *v, size_t n, uint32_t maxv, size_t *count,
                              const size_t *ranks, size_t nr, double *out)
{
    size_t i, seen = 0, r = 0;
    uint32_t x;
    memset(count, 0, ((size_t)maxv + 1) * sizeof *count);
    for (i = 0; i < n; i++)
        count[v[i]]++;
    for (x = 0; r < nr; x++) {
        seen += count[x];
        while (r < nr && ranks[r] < seen)
            out[r++] = (double)x;
        if (x == maxv)
            break;
    }
}

static void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

static void sift_down(double *a, size_t start, size_t n)
{
    size_t root = start;
    while (2 * root + 1 < n) {
        size_t child = 2 * root + 1;
        if (child + 1 < n && a[child] < a[child + 1])
            child++;
        if (!(a[root] < a[child]))
            return;
        swap_d(&a[root], &a[child]);
        root = child;
    }
}

/* Heapsort: the worst-case guard of the selection below. */
static void heap_sort(double *a, size_t n)
{
    size_t i;
    if (n < 2)
        return;
    for (i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (i = n - 1; i > 0; i--) {
        swap_d(&a[0], &a[i]);
        sift_down(a, 0, i);
    }
}

/* Places the values of ranks[0..nr) (ascending, within [lo, hi)) at their sorted positions in
 * a[lo..hi): a three-way quickselect for several ranks at once (ties collapse into one band),
 * falling back to heapsort when the partitions stop shrinking. */
static void multi_select(double *a, size_t lo, size_t hi, const size_t *ranks, size_t nr, int depth)
{
    while (nr > 0 && hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2, lt, gt, i, nl, ng;
        double p, x = a[lo], y = a[mid], z = a[hi - 1];
        if (depth-- <= 0) {
            heap_sort(a + lo, hi - lo);
            return;
        }
        /* Median of three as the pivot. */
        p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        lt = lo;
        gt = hi;
        i = lo;
        while (i < gt) {
            if (a[i] < p)
                swap_d(&a[i++], &a[lt++]);
            else if (a[i] > p)
                swap_d(&a[i], &a[--gt]);
            else
                i++;
        }
        /* [lo,lt) < p, [lt,gt) == p, [gt,hi) > p. */
        for (nl = 0; nl < nr && ranks[nl] < lt; nl++)
            ;
        for (ng = nl; ng < nr && ranks[ng] < gt; ng++)
            ;
        if (nl > 0)
            multi_select(a, lo, lt, ranks, nl, depth);
        ranks += ng;
        nr -= ng;
        lo = gt;
    }
}

/* Cut points of one dimension from its values over the customers with a purchase. `ints` holds
 * the same values as integers when they are small (else NULL); `work` is scratch. */
static int fit_cuts(rfm_state *st, size_t n, double *vals, const uint32_t *ints, uint32_t maxv,
                    double *cuts)
{
    size_t ranks[2 * RFM_MAX_CUTS], nr, lim;
    double got[2 * RFM_MAX_CUTS];
    int depth = 2;
    nr = needed_ranks(n, st->c.bins, ranks);
    /* Counting beats selection while the value range is not much wider than the data. */
    if (ints && (size_t)maxv <= 4 * n + 1024) {
        size_t *count = tier__malloc(&st->alloc, ((size_t)maxv + 1) * sizeof *count);
        if (!count)
            return TIER_ENOMEM;
        ranks_by_counting(ints, n, maxv, count, ranks, nr, got);
        tier__free(&st->alloc, count);
    } else {
        size_t i;
        for (lim = n; lim > 1; lim >>= 1)
            depth += 2;
        multi_select(vals, 0, n, ranks, nr, depth);
        for (i = 0; i < nr; i++)
            got[i] = vals[ranks[i]];
    }
    cuts_from_ranks(n, st->c.bins, ranks, got, nr, cuts);
    return TIER_OK;
}

/* ---- vtable ------------------------------------------------------------------------------ */

static int rfm_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    rfm_state *st = state;
    const tier__figures *fig = NULL;
    tier__figures *owned = NULL;
    double *vals = NULL, cuts[RFM_DIMS][RFM_MAX_CUTS];
    uint32_t *ints = NULL, maxv;
    size_t n, np = 0, i, k;
    int32_t as_of;
    int have_day, rc, d;

    (void)inputs;
    if (st->pinned && all_cuts(st)) {
        /* Loaded or hand-set cut points are kept: new customers are scored against them. */
        st->err[0] = '\0';
        return TIER_OK;
    }
    if (!book) {
        tier__errorf(st->err, "no book to fit on");
        return TIER_EINVAL;
    }
    rc = load_figures(st, book, &fig, &owned, &as_of, &have_day, st->err);
    if (rc)
        return rc;
    n = tier_book_customer_count(book);
    for (i = 0; i < n; i++)
        np += has_purchase(&fig[i]);
    if (np == 0) {
        char day[16] = "?";
        if (have_day)
            (void)tier_date_format_iso(day, sizeof day, as_of);
        tier__errorf(st->err,
                     "cannot fit RFM cut points: no customer has a purchase in the window before %s",
                     have_day ? day : "the as-of day (the book has no transactions)");
        tier__free(tier__book_allocator(book), owned);
        return TIER_ESTATE;
    }
    vals = tier__malloc(&st->alloc, np * sizeof *vals);
    ints = tier__malloc(&st->alloc, np * sizeof *ints);
    if (!vals || !ints) {
        rc = TIER_ENOMEM;
        goto done;
    }
    for (d = 0; d < RFM_DIMS && rc == TIER_OK; d++) {
        int use_ints = d != TIER_RFM_M;
        maxv = 0;
        for (i = 0, k = 0; i < n; i++) {
            const tier__figures *f = &fig[i];
            double v;
            if (!has_purchase(f))
                continue;
            if (d == TIER_RFM_R) {
                /* r >= 1: every counted purchase is dated before the as-of day. */
                int64_t r = (int64_t)as_of - f->last_day;
                v = (double)r;
                if (r < 0 || r > (int64_t)UINT32_MAX)
                    use_ints = 0;
                else
                    ints[k] = (uint32_t)r;
            } else if (d == TIER_RFM_F) {
                v = value_f(st, f);
                ints[k] = st->c.freq == RFM_FREQ_ROWS ? f->purchases : f->purchase_days;
            } else {
                v = value_m(st, f);
            }
            if (use_ints && ints[k] > maxv)
                maxv = ints[k];
            vals[k++] = v;
        }
        rc = fit_cuts(st, np, vals, use_ints ? ints : NULL, maxv, cuts[d]);
    }
done:
    tier__free(&st->alloc, vals);
    tier__free(&st->alloc, ints);
    tier__free(tier__book_allocator(book), owned);
    if (rc) {
        tier__errorf(st->err, "out of memory fitting RFM cut points over %lu customers",
                     (unsigned long)np);
        return rc;
    }
    memcpy(st->cuts, cuts, sizeof cuts);
    st->cuts_set = (1u << RFM_DIMS) - 1;
    st->has_fit_day = have_day;
    st->fit_day = have_day ? as_of : 0;
    st->err[0] = '\0';
    return TIER_OK;
}

/* Builds the segment lookup table of one map: table[(r*11 + f)*11 + m] for scores 1..bins. */
static void build_table(const rfm_state *st, const tier_segmap *map, int16_t *table)
{
    int r, f, m, k = st->c.bins, grid = tier__segmap_grid(map);
    for (r = 1; r <= k; r++)
        for (f = 1; f <= k; f++)
            for (m = 1; m <= k; m++) {
                int rr = r, ff = f, mm = m;
                if (grid > 0 && grid != k) {
                    /* A map written for `grid` scores: rescale s to ceil(grid * s / k). */
                    rr = (grid * r + k - 1) / k;
                    ff = (grid * f + k - 1) / k;
                    mm = (grid * m + k - 1) / k;
                }
                table[(r * 11 + f) * 11 + m] = (int16_t)tier_segmap_lookup(map, rr, ff, mm);
            }
}

static int add_label_column(rfm_state *st, tier_frame *frame, const char *name,
                            const tier_segmap *map, int32_t **codes)
{
    size_t n = tier_segmap_count(map), i;
    const char **labels = tier__malloc(&st->alloc, (n ? n : 1) * sizeof *labels);
    int rc;
    if (!labels)
        return TIER_ENOMEM;
    for (i = 0; i < n; i++)
        labels[i] = tier_segmap_name(map, i);
    rc = tier_frame_add_labels(frame, name, labels, n, codes);
    tier__free(&st->alloc, labels);
    return rc;
}

static int rfm_score(void *state, const tier_book *book, tier_frame *frame)
{
    rfm_state *st = state;
    const tier__figures *fig = NULL;
    tier__figures *owned = NULL;
    double *col[OUT_SEGMENT];
    int32_t *seg = NULL, *vc = NULL, as_of;
    int16_t table[2][11 * 11 * 11];
    size_t n, i;
    int have_day, rc, k = st->c.bins, nc = st->c.bins - 1;

    /* Scoring never writes the state (several threads may score at once): failures are
     * described in the frame's error text, which model.c reports. */
    if (!all_cuts(st)) {
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
    for (i = 0; i < OUT_SEGMENT && rc == TIER_OK; i++)
        rc = tier_frame_add_numbers(frame, rfm_outputs[i].name, &col[i]);
    if (rc == TIER_OK)
        rc = add_label_column(st, frame, rfm_outputs[OUT_SEGMENT].name, st->maps[0], &seg);
    if (rc == TIER_OK)
        rc = add_label_column(st, frame, rfm_outputs[OUT_VALUE_CLASS].name, st->maps[1], &vc);
    if (rc) {
        tier__free(tier__book_allocator(book), owned);
        return rc;
    }
    build_table(st, st->maps[0], table[0]);
    build_table(st, st->maps[1], table[1]);
    for (i = 0; i < n; i++) {
        const tier__figures *f = &fig[i];
        double r, fv, m;
        int rs, fs, ms, cell;
        m = value_m(st, f);
        col[OUT_M][i] = m;
        if (!has_purchase(f)) {
            col[OUT_R][i] = col[OUT_F][i] = col[OUT_TENURE][i] = NAN;
            col[OUT_R_SCORE][i] = col[OUT_F_SCORE][i] = col[OUT_M_SCORE][i] = NAN;
            seg[i] = vc[i] = -1;
            continue;
        }
        r = (double)((int64_t)as_of - f->last_day);
        fv = value_f(st, f);
        rs = k - cuts_below(st->cuts[TIER_RFM_R], nc, r);
        fs = 1 + cuts_below(st->cuts[TIER_RFM_F], nc, fv);
        ms = 1 + cuts_below(st->cuts[TIER_RFM_M], nc, m);
        col[OUT_R][i] = r;
        col[OUT_F][i] = fv;
        col[OUT_TENURE][i] = (double)((int64_t)as_of - f->first_day);
        col[OUT_R_SCORE][i] = rs;
        col[OUT_F_SCORE][i] = fs;
        col[OUT_M_SCORE][i] = ms;
        cell = (rs * 11 + fs) * 11 + ms;
        seg[i] = table[0][cell];
        vc[i] = table[1][cell];
    }
    tier__free(tier__book_allocator(book), owned);
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

static const double *find_column(const rfm_state *st, const tier_frame *frame, const char *out,
                                 size_t *col)
{
    char full[256];
    snprintf(full, sizeof full, "%s.%s", st->name, out);
    if (tier_frame_find(frame, full, col) != TIER_OK)
        return NULL;
    return tier_frame_numbers(frame, *col);
}

static int rfm_explain(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                       tier_text *out)
{
    rfm_state *st = state;
    const double *v[OUT_SEGMENT];
    size_t col, i;
    tier__buf t;
    char num[TIER__NUM_SIZE];
    int nc = st->c.bins - 1, k, rc;
    (void)book;

    if (!frame || !out)
        return TIER_EINVAL;
    for (i = 0; i < OUT_SEGMENT; i++) {
        v[i] = find_column(st, frame, rfm_outputs[i].name, &col);
        if (!v[i])
            return TIER_ENOTFOUND; /* the model was not scored into this frame */
    }
    if (customer >= tier_frame_rows(frame))
        return TIER_ERANGE;
    tier__buf_init(&t, &st->alloc);
    if (isnan(v[OUT_R][customer])) {
        tier__num_format(num, v[OUT_M][customer], 0);
        tier__buf_printf(&t, "no purchase in the window: r, f and scores undefined; m=%s (net amount, "
                      "refunds only or nothing); segment none; value_class none", num);
    } else {
        const char *labels[2] = {"segment", "value_class"};
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
            char full[256];
            const int32_t *codes;
            const char *label = NULL;
            snprintf(full, sizeof full, "%s.%s", st->name, labels[j]);
            if (tier_frame_find(frame, full, &col) == TIER_OK &&
                (codes = tier_frame_labels(frame, col)) != NULL)
                label = tier_frame_label_text(frame, col, codes[customer]);
            tier__buf_printf(&t, "; %s %s", labels[j], label ? label : "none");
        }
    }
    rc = tier__buf_status(&t);
    if (!rc)
        rc = tier_text_append(out, tier__buf_data(&t), tier__buf_len(&t));
    tier__buf_free(&t);
    return rc;
}

static void rfm_destroy(void *state)
{
    rfm_state *st = state;
    tier_allocator a;
    if (!st)
        return;
    a = st->alloc;
    tier_segmap_free(st->maps[0]);
    tier_segmap_free(st->maps[1]);
    tier__free(&a, st->name);
    tier__free(&a, st);
}

static const char *rfm_last_error(void *state)
{
    return ((rfm_state *)state)->err;
}

/* ---- public API -------------------------------------------------------------------------- */

int tier_rfm_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    tier_allocator a;
    rfm_state *st;
    int rc;
    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    if (!name)
        name = "rfm";
    tier__alloc_init(&a, alloc);
    st = tier__calloc(&a, 1, sizeof *st);
    if (!st)
        return TIER_ENOMEM;
    st->alloc = a;
    st->c = rfm_defaults;
    st->name = tier__strdup(&a, name);
    if (!st->name || tier_segmap_new_builtin(&st->maps[0], TIER_SEGMAP_RF10, &a) != TIER_OK ||
        tier_segmap_new_builtin(&st->maps[1], TIER_SEGMAP_RFM8, &a) != TIER_OK) {
        rfm_destroy(st);
        return TIER_ENOMEM;
    }
    rc = tier_model_new(out, &rfm_vtable, st, name, alloc);
    return rc;
}

int tier_rfm_set_segmap(tier_model *model, int which, const tier_segmap *map)
{
    rfm_state *st = rfm_of(model);
    tier_segmap *copy;
    int rc;
    if (!st || !map || (which != 0 && which != 1))
        return TIER_EINVAL;
    rc = tier__segmap_copy(&copy, map, &st->alloc);
    if (rc) {
        tier__errorf(st->err, "out of memory copying a segment map");
        return rc;
    }
    tier_segmap_free(st->maps[which]);
    st->maps[which] = copy;
    st->err[0] = '\0';
    return TIER_OK;
}

int tier_rfm_cut_points(const tier_model *model, int dim, double *out, size_t n)
{
    const rfm_state *st = rfm_of(model);
    if (!st || !out || dim < 0 || dim >= RFM_DIMS)
        return TIER_EINVAL;
    if (!(st->cuts_set & (1u << dim)))
        return TIER_ESTATE;
    if (n != (size_t)st->c.bins - 1)
        return TIER_ERANGE;
    memcpy(out, st->cuts[dim], n * sizeof *out);
    return TIER_OK;
}

/* Checks bins-1 finite, non-decreasing cut points; 0 or an explanation in err. */
static int check_cuts(const double *cuts, size_t n, char *err, const char *where)
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

int tier_rfm_set_cut_points(tier_model *model, int dim, const double *cuts, size_t n)
{
    rfm_state *st = rfm_of(model);
    int rc;
    if (!st || !cuts || dim < 0 || dim >= RFM_DIMS)
        return TIER_EINVAL;
    if (n != (size_t)st->c.bins - 1) {
        tier__errorf(st->err, "%lu cut points given, the model has %d bins and needs %d",
                     (unsigned long)n, st->c.bins, st->c.bins - 1);
        return TIER_ERANGE;
    }
    if ((rc = check_cuts(cuts, n, st->err, "")) != TIER_OK)
        return rc;
    memcpy(st->cuts[dim], cuts, n * sizeof *cuts);
    st->cuts_set |= 1u << dim;
    st->has_fit_day = 0;
    st->pinned = 1;
    if (all_cuts(st))
        tier__model_set_fitted(model, 1);
    st->err[0] = '\0';
    return TIER_OK;
}

/* ---- options and saved state (docs/rfm.md, docs/model-state-format.md) --------------------- */

/* Applies option `name` to a configuration; TIER_OK or a status with `err` saying why. */
static int config_set(rfm_config *c, const char *name, const tier_value *v, char *err)
{
    int32_t x;
    int k, rc;
    if (strcmp(name, "bins") == 0) {
        if ((rc = tier__opt_int(v, 2, RFM_MAX_BINS, 0, &x, err)) != TIER_OK)
            return rc;
        c->bins = x;
    } else if (strcmp(name, "as_of") == 0) {
        if ((rc = tier__opt_int(v, TIER_DAY_MIN, TIER_DAY_MAX, 1, &x, err)) != TIER_OK)
            return rc;
        c->has_as_of = !isnan(tier_value_number(v));
        c->as_of = c->has_as_of ? x : 0;
    } else if (strcmp(name, "window") == 0) {
        if ((rc = tier__opt_int(v, 0, RFM_MAX_WINDOW, 0, &x, err)) != TIER_OK)
            return rc;
        c->window = x;
    } else if (strcmp(name, "frequency") == 0) {
        if ((rc = tier__opt_choice(v, freq_names, 2, &k, err)) != TIER_OK)
            return rc;
        c->freq = k;
    } else {
        if ((rc = tier__opt_choice(v, money_names, 2, &k, err)) != TIER_OK)
            return rc;
        c->money = k;
    }
    return TIER_OK;
}

static int rfm_set_option(void *state, const char *name, const tier_value *value)
{
    rfm_state *st = state;
    rfm_config c = st->c;
    int rc = config_set(&c, name, value, st->err);
    if (rc)
        return rc;
    if (c.bins != st->c.bins || c.window != st->c.window || c.freq != st->c.freq ||
        c.money != st->c.money) {
        /* The cut points depend on these: forget them (even loaded ones). */
        st->cuts_set = 0;
        st->has_fit_day = 0;
        st->pinned = 0;
    }
    st->c = c;
    st->err[0] = '\0';
    return TIER_OK;
}

static int rfm_get_option(void *state, const char *name, tier_value *out)
{
    const rfm_state *st = state;
    if (strcmp(name, "bins") == 0)
        return tier_value_set_number(out, st->c.bins);
    if (strcmp(name, "as_of") == 0)
        return tier_value_set_number(out, st->c.has_as_of ? (double)st->c.as_of : NAN);
    if (strcmp(name, "window") == 0)
        return tier_value_set_number(out, st->c.window);
    if (strcmp(name, "frequency") == 0)
        return tier_value_set_text(out, freq_names[st->c.freq]);
    return tier_value_set_text(out, money_names[st->c.money]);
}

static const char cut_keys[RFM_DIMS][7] = {"cuts.r", "cuts.f", "cuts.m"};

static int rfm_save(void *state, tier_state_writer *w)
{
    rfm_state *st = state;
    int d, rc;
    if (!all_cuts(st))
        return TIER_ESTATE;
    rc = tier__opt_save(w, rfm_options, sizeof rfm_options / sizeof rfm_options[0], st,
                        rfm_get_option, &st->alloc);
    if (rc)
        return rc;
    tier_state_write_key(w, "fitted_as_of");
    tier_state_write_number(w, st->has_fit_day ? (double)st->fit_day : NAN);
    for (d = 0; d < RFM_DIMS; d++) {
        tier_state_write_key(w, cut_keys[d]);
        rc = tier_state_write_numbers(w, st->cuts[d], (size_t)st->c.bins - 1);
    }
    return rc;
}

static int rfm_load(void *state, tier_state_reader *r)
{
    rfm_state *st = state;
    rfm_config c = rfm_defaults;
    double cuts[RFM_DIMS][RFM_MAX_CUTS], fit_day = NAN;
    unsigned seen = 0;
    const char *key;
    char msg[TIER__ERR_SIZE];
    tier_value val;
    int rc, d;

    tier__value_init(&val, &st->alloc);
    while ((rc = tier_state_read_next(r, &key)) == 1) {
        const tier_model_option *o = NULL;
        rc = tier__opt_read(r, key, rfm_options, sizeof rfm_options / sizeof rfm_options[0], &val,
                            &o);
        if (rc < 0)
            break;
        if (rc == 1) {
            char why[TIER__ERR_SIZE];
            if (config_set(&c, o->name, &val, why) != TIER_OK) {
                rc = tier__opt_refuse(r, o->name, why);
                break;
            }
            continue;
        }
        if (strcmp(key, "fitted_as_of") == 0) {
            if ((rc = tier_state_read_numbers(r, &fit_day, 1)) != TIER_OK)
                break;
            if (!isnan(fit_day) &&
                !(fit_day >= TIER_DAY_MIN && fit_day <= TIER_DAY_MAX && fit_day == floor(fit_day))) {
                rc = tier_state_read_fail(r, "fitted_as_of is not a day number or nan");
                break;
            }
            continue;
        }
        for (d = 0; d < RFM_DIMS && strcmp(key, cut_keys[d]) != 0; d++)
            ;
        if (d == RFM_DIMS) {
            snprintf(msg, sizeof msg, "unknown record \"%s\"", key);
            rc = tier_state_read_fail(r, msg);
            break;
        }
        if (seen & (1u << d)) {
            snprintf(msg, sizeof msg, "record \"%s\" given twice", key);
            rc = tier_state_read_fail(r, msg);
            break;
        }
        if (tier_state_read_count(r) != (size_t)c.bins - 1) {
            snprintf(msg, sizeof msg, "%lu cut points for %d bins (need %d)",
                     (unsigned long)tier_state_read_count(r), c.bins, c.bins - 1);
            rc = tier_state_read_fail(r, msg);
            break;
        }
        if ((rc = tier_state_read_numbers(r, cuts[d], (size_t)c.bins - 1)) != TIER_OK)
            break;
        if (check_cuts(cuts[d], (size_t)c.bins - 1, msg, "") != TIER_OK) {
            rc = tier_state_read_fail(r, msg);
            break;
        }
        seen |= 1u << d;
    }
    tier__value_clear(&val);
    if (rc < 0)
        return rc;
    for (d = 0; d < RFM_DIMS; d++)
        if (!(seen & (1u << d))) {
            snprintf(msg, sizeof msg, "no \"%s\" record", cut_keys[d]);
            return tier_state_read_fail(r, msg);
        }
    st->c = c;
    memcpy(st->cuts, cuts, sizeof cuts);
    st->cuts_set = (1u << RFM_DIMS) - 1;
    st->has_fit_day = !isnan(fit_day);
    st->fit_day = st->has_fit_day ? (int32_t)fit_day : 0;
    st->pinned = 1;
    st->err[0] = '\0';
    return TIER_OK;
}
