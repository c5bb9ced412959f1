/* SPDX-License-Identifier: MIT */
/* The built-in RFM model, made through the public model vtable. Cut points are type-7 quantiles
 * found by counting (R, F: small integers) or by selection (M), never by sorting per quantile;
 * scores count the cuts strictly below a value, so equal values always get equal scores.
 * docs/rfm.md states every rule and the saved text format. */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "core/model_internal.h"
#include "models/rfm/segmap_internal.h"


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

static const char *const output_names[OUT_COUNT] = {"r",       "f",       "m",       "tenure",     "r_score",
                                                    "f_score", "m_score", "segment", "value_class"};

typedef struct rfm_state {
    tier_allocator alloc;
    char *name; /* model name, to find the model's columns when explaining */
    int bins, freq, money;
    int has_as_of;
    int32_t as_of;
    int32_t window;
    unsigned cuts_set; /* bit d set once dimension d has cut points */
    double cuts[RFM_DIMS][RFM_MAX_CUTS];
    int pinned;      /* cut points loaded or set by hand: a fit keeps them */
    int has_fit_day; /* 1 when the cuts came from a fit on a book */
    int32_t fit_day;
    tier_segmap *maps[2];
    char err[TIER__ERR_SIZE];
} rfm_state;

static size_t rfm_output_count(void *state);
static int rfm_output_info(void *state, size_t i, const char **name, int *type);
static int rfm_fit(void *state, const tier_book *book, const tier_frame *inputs);
static int rfm_score(void *state, const tier_book *book, tier_frame *frame);
static int rfm_explain(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                       tier_text *out);
static void rfm_destroy(void *state);
static const char *rfm_last_error(void *state);

static const tier_model_vtable rfm_vtable = {TIER_MODEL_VTABLE_VERSION,
                                             "rfm",
                                             rfm_output_count,
                                             rfm_output_info,
                                             rfm_fit,
                                             rfm_score,
                                             rfm_explain,
                                             rfm_destroy,
                                             rfm_last_error,
                                             NULL, 0, NULL, 0, NULL, NULL, NULL, NULL};

/* ---- small helpers ----------------------------------------------------------------------- */

static rfm_state *rfm_of(const tier_model *model)
{
    return tier__model_state_if(model, &rfm_vtable);
}

static int all_cuts(const rfm_state *st)
{
    return st->cuts_set == (1u << RFM_DIMS) - 1;
}

/* Formats a double so that strtod reads it back exactly, with '.' whatever the locale. */
static void format_number(char *buf, size_t size, double v)
{
    int prec;
    char *p;
    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    for (p = buf; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == 'e' || *p == 'E'))
            *p = '.';
}

/* strtod on `len` bytes written with '.', whatever the locale. Returns 0 unless all of it is a
 * finite number. */
static int parse_number(const char *s, size_t len, double *out)
{
    char buf[64], *end, *p;
    const char *dp = localeconv()->decimal_point;
    double v;
    size_t i;
    if (len == 0 || len >= sizeof buf)
        return 0;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'E' || c == '.'))
            return 0;
        buf[i] = c;
    }
    buf[len] = '\0';
    if (dp && dp[0] && !dp[1] && dp[0] != '.')
        for (p = buf; *p; p++)
            if (*p == '.')
                *p = dp[0];
    v = strtod(buf, &end);
    if (end != buf + len || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* The as-of day and the first day of the window for `book`. *have_day is 0 when the book has no
 * transaction and no as-of day is set (then every customer is without purchases). */
static void resolve_days(const rfm_state *st, const tier_book *book, int32_t *from, int32_t *to,
                         int *have_day)
{
    int32_t first, last;
    *have_day = 1;
    if (st->has_as_of) {
        *to = st->as_of;
    } else if (tier_book_day_range(book, &first, &last) == TIER_OK) {
        *to = last + 1;
    } else {
        *have_day = 0;
        *from = INT32_MIN;
        *to = INT32_MAX;
        return;
    }
    *from = st->window > 0 ? (int32_t)((int64_t)*to - st->window) : INT32_MIN;
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
    return st->freq == TIER_RFM_FREQ_ROWS ? (double)f->purchases : (double)f->purchase_days;
}

/* M of a customer: the net amount, or the net amount per purchase-day; the net amount for a
 * customer without purchases (refunds only, or nothing). */
static double value_m(const rfm_state *st, const tier__figures *f)
{
    double net = tier__fixed_to_double(f->net);
    if (st->money == TIER_RFM_MONEY_MEAN && has_purchase(f) && f->purchase_days > 0)
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
    nr = needed_ranks(n, st->bins, ranks);
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
    cuts_from_ranks(n, st->bins, ranks, got, nr, cuts);
    return TIER_OK;
}

/* ---- vtable ------------------------------------------------------------------------------ */

static size_t rfm_output_count(void *state)
{
    (void)state;
    return OUT_COUNT;
}

static int rfm_output_info(void *state, size_t i, const char **name, int *type)
{
    (void)state;
    if (i >= OUT_COUNT)
        return TIER_ERANGE;
    if (name)
        *name = output_names[i];
    if (type)
        *type = i >= OUT_SEGMENT ? TIER_VALUE_LABEL : TIER_VALUE_NUMBER;
    return TIER_OK;
}

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
                ints[k] = st->freq == TIER_RFM_FREQ_ROWS ? f->purchases : f->purchase_days;
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
    int r, f, m, k = st->bins, grid = tier__segmap_grid(map);
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
    int have_day, rc, k = st->bins, nc = st->bins - 1;

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
        rc = tier_frame_add_numbers(frame, output_names[i], &col[i]);
    if (rc == TIER_OK)
        rc = add_label_column(st, frame, output_names[OUT_SEGMENT], st->maps[0], &seg);
    if (rc == TIER_OK)
        rc = add_label_column(st, frame, output_names[OUT_VALUE_CLASS], st->maps[1], &vc);
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

typedef struct text_buf {
    char data[2048];
    size_t len;
} text_buf;

static void tb_printf(text_buf *t, const char *fmt, ...) TIER__PRINTF(2, 3);

static void tb_printf(text_buf *t, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (t->len >= sizeof t->data - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(t->data + t->len, sizeof t->data - t->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    t->len += (size_t)n;
    if (t->len > sizeof t->data - 1)
        t->len = sizeof t->data - 1;
}

/* "(cuts 30,90,180,365: at or below 30)" for a value with `below` cuts strictly below it. */
static void explain_cuts(text_buf *t, const double *cuts, int nc, int below)
{
    char num[40];
    int j;
    if (below < 0)
        below = 0;
    if (below > nc)
        below = nc;
    tb_printf(t, " (cuts ");
    for (j = 0; j < nc; j++) {
        format_number(num, sizeof num, cuts[j]);
        tb_printf(t, "%s%s", j ? "," : "", num);
    }
    if (below == 0) {
        format_number(num, sizeof num, cuts[0]);
        tb_printf(t, ": at or below %s)", num);
    } else if (below == nc) {
        format_number(num, sizeof num, cuts[nc - 1]);
        tb_printf(t, ": above %s)", num);
    } else {
        char hi[40];
        format_number(num, sizeof num, cuts[below - 1]);
        format_number(hi, sizeof hi, cuts[below]);
        tb_printf(t, ": above %s, at or below %s)", num, hi);
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
    text_buf t;
    char num[40];
    int nc = st->bins - 1, k;
    (void)book;

    if (!frame || !out)
        return TIER_EINVAL;
    for (i = 0; i < OUT_SEGMENT; i++) {
        v[i] = find_column(st, frame, output_names[i], &col);
        if (!v[i])
            return TIER_ENOTFOUND; /* the model was not scored into this frame */
    }
    if (customer >= tier_frame_rows(frame))
        return TIER_ERANGE;
    t.len = 0;
    t.data[0] = '\0';
    if (isnan(v[OUT_R][customer])) {
        format_number(num, sizeof num, v[OUT_M][customer]);
        tb_printf(&t, "no purchase in the window: r, f and scores undefined; m=%s (net amount, "
                      "refunds only or nothing); segment none; value_class none", num);
    } else {
        const char *labels[2] = {"segment", "value_class"};
        int j;
        k = (int)v[OUT_R_SCORE][customer];
        tb_printf(&t, "r=%.0f days -> r_score %d", v[OUT_R][customer], k);
        explain_cuts(&t, st->cuts[TIER_RFM_R], nc, st->bins - k);
        k = (int)v[OUT_F_SCORE][customer];
        tb_printf(&t, "; f=%.0f -> f_score %d", v[OUT_F][customer], k);
        explain_cuts(&t, st->cuts[TIER_RFM_F], nc, k - 1);
        k = (int)v[OUT_M_SCORE][customer];
        format_number(num, sizeof num, v[OUT_M][customer]);
        tb_printf(&t, "; m=%s -> m_score %d", num, k);
        explain_cuts(&t, st->cuts[TIER_RFM_M], nc, k - 1);
        tb_printf(&t, "; tenure %.0f days", v[OUT_TENURE][customer]);
        for (j = 0; j < 2; j++) {
            char full[256];
            const int32_t *codes;
            const char *label = NULL;
            snprintf(full, sizeof full, "%s.%s", st->name, labels[j]);
            if (tier_frame_find(frame, full, &col) == TIER_OK &&
                (codes = tier_frame_labels(frame, col)) != NULL)
                label = tier_frame_label_text(frame, col, codes[customer]);
            tb_printf(&t, "; %s %s", labels[j], label ? label : "none");
        }
    }
    return tier_text_append(out, t.data, t.len);
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
    st->bins = 5;
    st->freq = TIER_RFM_FREQ_DAYS;
    st->money = TIER_RFM_MONEY_SUM;
    st->name = tier__strdup(&a, name);
    if (!st->name || tier_segmap_new_builtin(&st->maps[0], TIER_SEGMAP_RF10, &a) != TIER_OK ||
        tier_segmap_new_builtin(&st->maps[1], TIER_SEGMAP_RFM8, &a) != TIER_OK) {
        rfm_destroy(st);
        return TIER_ENOMEM;
    }
    rc = tier_model_new(out, &rfm_vtable, st, name, alloc);
    return rc;
}

/* Checks an option value and returns it as an integer; TIER_ERANGE when it is not one in range. */
static int int_option(double value, double lo, double hi, int32_t *out)
{
    if (!(value >= lo && value <= hi) || value != floor(value))
        return TIER_ERANGE;
    *out = (int32_t)value;
    return TIER_OK;
}

int tier_rfm_set_option(tier_model *model, int option, double value)
{
    rfm_state *st = rfm_of(model);
    int32_t v;
    int forget = 0;
    if (!st)
        return TIER_EINVAL;
    switch (option) {
    case TIER_RFM_OPT_BINS:
        if (int_option(value, 2, RFM_MAX_BINS, &v))
            goto range;
        forget = v != st->bins;
        st->bins = v;
        break;
    case TIER_RFM_OPT_AS_OF:
        if (isnan(value)) {
            st->has_as_of = 0;
            st->as_of = 0;
            break;
        }
        if (int_option(value, TIER_DAY_MIN, TIER_DAY_MAX, &v))
            goto range;
        st->has_as_of = 1;
        st->as_of = v;
        break;
    case TIER_RFM_OPT_WINDOW:
        if (int_option(value, 0, RFM_MAX_WINDOW, &v))
            goto range;
        forget = v != st->window;
        st->window = v;
        break;
    case TIER_RFM_OPT_FREQUENCY:
        if (int_option(value, TIER_RFM_FREQ_DAYS, TIER_RFM_FREQ_ROWS, &v))
            goto range;
        forget = v != st->freq;
        st->freq = v;
        break;
    case TIER_RFM_OPT_MONETARY:
        if (int_option(value, TIER_RFM_MONEY_SUM, TIER_RFM_MONEY_MEAN, &v))
            goto range;
        forget = v != st->money;
        st->money = v;
        break;
    default:
        tier__errorf(st->err, "unknown RFM option %d", option);
        return TIER_EINVAL;
    }
    if (forget) {
        st->cuts_set = 0;
        st->has_fit_day = 0;
        st->pinned = 0;
        tier__model_set_fitted(model, 0);
    }
    st->err[0] = '\0';
    return TIER_OK;
range:
    tier__errorf(st->err, "RFM option %d: value %g is out of range", option, value);
    return TIER_ERANGE;
}

int tier_rfm_get_option(const tier_model *model, int option, double *out)
{
    const rfm_state *st = rfm_of(model);
    double v;
    if (!st || !out)
        return TIER_EINVAL;
    switch (option) {
    case TIER_RFM_OPT_BINS: v = st->bins; break;
    case TIER_RFM_OPT_AS_OF: v = st->has_as_of ? (double)st->as_of : NAN; break;
    case TIER_RFM_OPT_WINDOW: v = st->window; break;
    case TIER_RFM_OPT_FREQUENCY: v = st->freq; break;
    case TIER_RFM_OPT_MONETARY: v = st->money; break;
    default: return TIER_EINVAL;
    }
    *out = v;
    return TIER_OK;
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
    if (n != (size_t)st->bins - 1)
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
    if (n != (size_t)st->bins - 1) {
        tier__errorf(st->err, "%lu cut points given, the model has %d bins and needs %d",
                     (unsigned long)n, st->bins, st->bins - 1);
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

/* ---- text state -------------------------------------------------------------------------- */

static const char dim_key[RFM_DIMS][2] = {"r", "f", "m"};

int tier_rfm_save_text(const tier_model *model, tier_text *out)
{
    rfm_state *st = rfm_of(model);
    char buf[2048], num[40], day[16];
    size_t len = 0;
    int d, j, n;

    if (!st || !out)
        return TIER_EINVAL;
    if (!all_cuts(st))
        return TIER_ESTATE;
    n = snprintf(buf, sizeof buf, "libtier-rfm 1\nbins %d\nfrequency %s\nmonetary %s\nwindow %ld\n",
                 st->bins, st->freq == TIER_RFM_FREQ_ROWS ? "rows" : "days",
                 st->money == TIER_RFM_MONEY_MEAN ? "mean" : "sum", (long)st->window);
    len = (size_t)n;
    if (!st->has_as_of || tier_date_format_iso(day, sizeof day, st->as_of) != TIER_OK)
        snprintf(day, sizeof day, "%s", st->has_as_of ? "?" : "auto");
    len += (size_t)snprintf(buf + len, sizeof buf - len, "as_of %s\n", day);
    if (!st->has_fit_day || tier_date_format_iso(day, sizeof day, st->fit_day) != TIER_OK)
        snprintf(day, sizeof day, "none");
    len += (size_t)snprintf(buf + len, sizeof buf - len, "fitted_as_of %s\n", day);
    for (d = 0; d < RFM_DIMS; d++) {
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s", dim_key[d]);
        for (j = 0; j < st->bins - 1; j++) {
            format_number(num, sizeof num, st->cuts[d][j]);
            len += (size_t)snprintf(buf + len, sizeof buf - len, " %s", num);
        }
        len += (size_t)snprintf(buf + len, sizeof buf - len, "\n");
    }
    tier_text_clear(out);
    return tier_text_append(out, buf, len);
}

/* Splits s[0..len) at blanks into at most `max` words; returns the count, or max+1 if more. */
static size_t split_words(const char *s, size_t len, const char **w, size_t *wl, size_t max)
{
    size_t i = 0, n = 0;
    for (;;) {
        size_t start;
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= len)
            return n;
        if (n == max)
            return max + 1;
        start = i;
        while (i < len && s[i] != ' ' && s[i] != '\t')
            i++;
        w[n] = s + start;
        wl[n] = i - start;
        n++;
    }
}

static int word_is(const char *w, size_t wl, const char *s)
{
    return strlen(s) == wl && memcmp(w, s, wl) == 0;
}

/* Everything a text state sets, applied only once the whole text has been read. */
typedef struct rfm_loaded {
    unsigned seen;
    int bins, freq, money, has_as_of, has_fit_day;
    int32_t window, as_of, fit_day;
    double cuts[RFM_DIMS][RFM_MAX_CUTS];
    size_t ncuts[RFM_DIMS], cut_line[RFM_DIMS];
} rfm_loaded;

enum { SEEN_BINS = 1, SEEN_FREQ = 2, SEEN_MONEY = 4, SEEN_WINDOW = 8, SEEN_AS_OF = 16,
       SEEN_FIT = 32, SEEN_R = 64, SEEN_F = 128, SEEN_M = 256, SEEN_ALL = 511 };

static int parse_day(const char *w, size_t wl, int32_t *out)
{
    return tier_date_parse(out, w, wl, TIER_DATE_ISO) == TIER_OK;
}

static int load_line(rfm_loaded *L, const char **w, const size_t *wl, size_t nw, size_t line,
                     char *err)
{
    static const char *const keys[] = {"bins", "frequency", "monetary", "window", "as_of",
                                       "fitted_as_of", "r", "f", "m"};
    size_t key, j;
    double v;
    for (key = 0; key < sizeof keys / sizeof keys[0]; key++)
        if (word_is(w[0], wl[0], keys[key]))
            break;
    if (key == sizeof keys / sizeof keys[0]) {
        tier__errorf(err, "line %lu: unknown key '%.*s'", (unsigned long)line,
                     (int)(wl[0] > 40 ? 40 : wl[0]), w[0]);
        return TIER_EPARSE;
    }
    if (L->seen & (1u << key)) {
        tier__errorf(err, "line %lu: '%s' given twice", (unsigned long)line, keys[key]);
        return TIER_EPARSE;
    }
    L->seen |= 1u << key;
    if (key < 6 && nw != 2) {
        tier__errorf(err, "line %lu: '%s' takes one value", (unsigned long)line, keys[key]);
        return TIER_EPARSE;
    }
    switch (key) {
    case 0:
        if (!parse_number(w[1], wl[1], &v) || v != floor(v) || v < 2 || v > RFM_MAX_BINS)
            goto bad;
        L->bins = (int)v;
        return TIER_OK;
    case 1:
        if (word_is(w[1], wl[1], "days"))
            L->freq = TIER_RFM_FREQ_DAYS;
        else if (word_is(w[1], wl[1], "rows"))
            L->freq = TIER_RFM_FREQ_ROWS;
        else
            goto bad;
        return TIER_OK;
    case 2:
        if (word_is(w[1], wl[1], "sum"))
            L->money = TIER_RFM_MONEY_SUM;
        else if (word_is(w[1], wl[1], "mean"))
            L->money = TIER_RFM_MONEY_MEAN;
        else
            goto bad;
        return TIER_OK;
    case 3:
        if (!parse_number(w[1], wl[1], &v) || v != floor(v) || v < 0 || v > RFM_MAX_WINDOW)
            goto bad;
        L->window = (int32_t)v;
        return TIER_OK;
    case 4:
        L->has_as_of = !word_is(w[1], wl[1], "auto");
        if (L->has_as_of && !parse_day(w[1], wl[1], &L->as_of))
            goto bad;
        return TIER_OK;
    case 5:
        L->has_fit_day = !word_is(w[1], wl[1], "none");
        if (L->has_fit_day && !parse_day(w[1], wl[1], &L->fit_day))
            goto bad;
        return TIER_OK;
    default:
        key -= 6;
        L->ncuts[key] = nw - 1;
        L->cut_line[key] = line;
        if (nw - 1 > RFM_MAX_CUTS) {
            tier__errorf(err, "line %lu: more than %d cut points", (unsigned long)line, RFM_MAX_CUTS);
            return TIER_EPARSE;
        }
        for (j = 1; j < nw; j++) {
            if (!parse_number(w[j], wl[j], &L->cuts[key][j - 1])) {
                tier__errorf(err, "line %lu: cut point '%.*s' is not a finite number",
                             (unsigned long)line, (int)(wl[j] > 40 ? 40 : wl[j]), w[j]);
                return TIER_EPARSE;
            }
        }
        return TIER_OK;
    }
bad:
    tier__errorf(err, "line %lu: bad value '%.*s' for '%s'", (unsigned long)line,
                 (int)(wl[1] > 40 ? 40 : wl[1]), w[1], keys[key]);
    return TIER_EPARSE;
}

int tier_rfm_load_text(tier_model *model, const char *text, size_t len)
{
    rfm_state *st = rfm_of(model);
    rfm_loaded L;
    size_t pos = 0, line = 0;
    int have_magic = 0, rc = TIER_OK, d;
    char err[TIER__ERR_SIZE];

    if (!st || (!text && len))
        return TIER_EINVAL;
    memset(&L, 0, sizeof L);
    err[0] = '\0';
    while (pos < len && rc == TIER_OK) {
        const char *w[RFM_MAX_CUTS + 2];
        size_t wl[RFM_MAX_CUTS + 2], nw, start = pos, end, k;
        const char *nl = memchr(text + pos, '\n', len - pos);
        end = nl ? (size_t)(nl - text) : len;
        pos = nl ? end + 1 : len;
        line++;
        if (end > start && text[end - 1] == '\r')
            end--;
        for (k = start; k < end; k++)
            if (text[k] == '\0' || text[k] == '\r')
                break;
        if (k < end) {
            tier__errorf(err, "line %lu: control character in the text", (unsigned long)line);
            rc = TIER_EPARSE;
            break;
        }
        nw = split_words(text + start, end - start, w, wl, RFM_MAX_CUTS + 2);
        if (nw == 0 || w[0][0] == '#')
            continue;
        if (!have_magic) {
            double v;
            if (!word_is(w[0], wl[0], "libtier-rfm") || nw != 2 || !parse_number(w[1], wl[1], &v) ||
                v != floor(v) || v < 1) {
                tier__errorf(err, "line %lu: not an RFM state (expected 'libtier-rfm 1')",
                             (unsigned long)line);
                rc = TIER_EPARSE;
            } else if (v != 1) {
                tier__errorf(err, "line %lu: RFM state version %.0f is newer than this library's "
                                  "version 1", (unsigned long)line, v);
                rc = TIER_EVERSION;
            }
            have_magic = 1;
            continue;
        }
        if (nw > RFM_MAX_CUTS + 1) {
            tier__errorf(err, "line %lu: too many values", (unsigned long)line);
            rc = TIER_EPARSE;
            break;
        }
        rc = load_line(&L, w, wl, nw, line, err);
    }
    if (rc == TIER_OK && !have_magic) {
        tier__errorf(err, "line 1: empty text (expected 'libtier-rfm 1')");
        rc = TIER_EPARSE;
    }
    if (rc == TIER_OK && L.seen != SEEN_ALL) {
        static const char *const names[] = {"bins", "frequency", "monetary", "window", "as_of",
                                            "fitted_as_of", "r", "f", "m"};
        size_t key;
        for (key = 0; key < 9; key++)
            if (!(L.seen & (1u << key)))
                break;
        tier__errorf(err, "line %lu: missing '%s' line", (unsigned long)line + 1, names[key]);
        rc = TIER_EPARSE;
    }
    for (d = 0; d < RFM_DIMS && rc == TIER_OK; d++) {
        char where[48];
        snprintf(where, sizeof where, "line %lu: ", (unsigned long)L.cut_line[d]);
        if (L.ncuts[d] != (size_t)L.bins - 1) {
            tier__errorf(err, "line %lu: %lu cut points for %d bins (need %d)",
                         (unsigned long)L.cut_line[d], (unsigned long)L.ncuts[d], L.bins, L.bins - 1);
            rc = TIER_EPARSE;
        } else if (check_cuts(L.cuts[d], L.ncuts[d], err, where) != TIER_OK) {
            rc = TIER_EPARSE;
        }
    }
    if (rc) {
        memcpy(st->err, err, sizeof err);
        return rc;
    }
    st->bins = L.bins;
    st->freq = L.freq;
    st->money = L.money;
    st->window = L.window;
    st->has_as_of = L.has_as_of;
    st->as_of = L.has_as_of ? L.as_of : 0;
    st->has_fit_day = L.has_fit_day;
    st->fit_day = L.has_fit_day ? L.fit_day : 0;
    memcpy(st->cuts, L.cuts, sizeof L.cuts);
    st->cuts_set = (1u << RFM_DIMS) - 1;
    st->pinned = 1;
    tier__model_set_fitted(model, 1);
    st->err[0] = '\0';
    return TIER_OK;
}
