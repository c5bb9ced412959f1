/* SPDX-License-Identifier: MIT */
/* The built-in value scorecard, made through the public model vtable. Factors normalise one
 * source value each to [0, 1] and earn weight x that; penalties subtract points, vetoes cap the
 * grade. docs/scorecard.md states every rule; the explanation is computed by the same code as
 * the score, so the two always agree. */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "models/model_common.h"
#include "models/scorecard/scorecard_internal.h"

static int tier__sc_fit(void *state, const tier_book *book, const tier_frame *inputs);
static int tier__sc_score(void *state, const tier_book *book, tier_frame *frame);
static int tier__sc_score_row(void *state, const tier_book *book, const tier_frame *frame,
                              size_t customer, double *numbers, const char **labels);

static const tier_model_output tier__sc_outputs[OUT_COUNT] = {
    {"score", TIER_VALUE_NUMBER},     {"explicit", TIER_VALUE_NUMBER},
    {"potential", TIER_VALUE_NUMBER}, {"growth", TIER_VALUE_NUMBER},
    {"grade", TIER_VALUE_LABEL},      {"capped", TIER_VALUE_NUMBER}};

const tier_model_option tier__sc_options[SC_N_OPTIONS] = {
    {"grade_a", TIER_OPTION_NUMBER, "lowest score of grade A, [grade_b, 100] (default 80)", 0},
    {"grade_b", TIER_OPTION_NUMBER, "lowest score of grade B, [grade_c, grade_a] (default 65)", 0},
    {"grade_c", TIER_OPTION_NUMBER, "lowest score of grade C, [grade_d, grade_b] (default 50)", 0},
    {"grade_d", TIER_OPTION_NUMBER, "lowest score of grade D, [0, grade_c] (default 35)", 0},
    {"preset", TIER_OPTION_TEXT,
     "the card the model starts from: \"none\" (default: no factor), \"b2b\" (the B2B default "
     "card) or \"b2b-subscriptions\" (the B2B card whose potential value also counts the "
     "lifetime value: sbg.clv under contract, else clv.clv); another value replaces the factors, "
     "penalties and vetoes",
     TIER_OPTION_FORGETS_FIT},
};

const tier_model_vtable tier__sc_vtable =
    TIER__BUILTIN_VTABLE("scorecard", tier__sc, NULL, tier__sc_score_row);

sc_state *tier__sc_of(const tier_model *model)
{
    return tier__model_state_if(model, &tier__sc_vtable);
}

/* ---- sources ----------------------------------------------------------------------------- */

/* The attribute name of an "attr.NAME" source, else NULL. */
const char *tier__sc_attr_name(const char *column)
{
    return strncmp(column, "attr.", 5) == 0 ? column + 5 : NULL;
}

/* Checks that one column exists in the book or frame and holds numbers. `what` and `who` name
 * the factor, penalty or veto in the error text. */
static int check_one(const tier_book *book, const tier_frame *frame, const char *column,
                     const char *what, const char *who, char *err)
{
    const char *attr = tier__sc_attr_name(column);
    size_t col;
    if (attr) {
        int type = tier__book_attr_type(book, attr);
        if (type == 0 && tier_book_customer_count(book) == 0)
            return TIER_OK; /* no customer to read: an empty book knows no attribute */
        if (type == 0) {
            tier__errorf(err,
                         "%s \"%s\": attribute \"%s\" is not in the book (set it, NaN for "
                         "missing, on at least one customer)",
                         what, who, attr);
            return TIER_ENOTFOUND;
        }
        if (type != TIER_ATTR_NUMBER) {
            tier__errorf(err, "%s \"%s\": attribute \"%s\" tier__sc_holds text, not numbers", what,
                         who, attr);
            return TIER_EINVAL;
        }
        return TIER_OK;
    }
    if (!frame || tier_frame_find(frame, column, &col) != TIER_OK) {
        tier__errorf(err,
                     "%s \"%s\": column \"%s\" is not in the frame (score the model that "
                     "makes it first)",
                     what, who, column);
        return TIER_ENOTFOUND;
    }
    if (!tier_frame_numbers(frame, col)) {
        tier__errorf(err, "%s \"%s\": column \"%s\" is not a number column", what, who, column);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* Alternative number `k` of a source "a|b|c" copied into `buf` (SC_MAX_COLUMN + 1 bytes); 0 when
 * the source has fewer alternatives. A source without '|' is its own only alternative. */
int tier__sc_alternative(const char *column, size_t k, char *buf)
{
    const char *p = column, *bar;
    size_t len;
    for (;;) {
        bar = strchr(p, '|');
        len = bar ? (size_t)(bar - p) : strlen(p);
        if (k == 0) {
            if (len > SC_MAX_COLUMN)
                len = SC_MAX_COLUMN;
            memcpy(buf, p, len);
            buf[len] = '\0';
            return 1;
        }
        if (!bar)
            return 0;
        k--;
        p = bar + 1;
    }
}

/* The "none of its columns is there" error of a source with alternatives. */
static int no_alternative(const char *column, const char *what, const char *who, char *err)
{
    tier__errorf(err,
                 "%s \"%s\": none of the columns \"%s\" is in the book or the frame (score a "
                 "model that makes one of them first)",
                 what, who, column);
    return TIER_ENOTFOUND;
}

/* Checks a source: one column (check_one), or alternatives "a|b" of which those not in the book
 * or frame are skipped; at least one must be there, and every one there must hold numbers. */
static int check_source(const tier_book *book, const tier_frame *frame, const char *column,
                        const char *what, const char *who, char *err)
{
    char alt[SC_MAX_COLUMN + 1], scratch[TIER__ERR_SIZE];
    size_t k;
    int rc, found = 0;
    if (!strchr(column, '|'))
        return check_one(book, frame, column, what, who, err);
    for (k = 0; tier__sc_alternative(column, k, alt); k++) {
        rc = check_one(book, frame, alt, what, who, scratch);
        if (rc == TIER_OK)
            found = 1;
        else if (rc != TIER_ENOTFOUND) {
            memcpy(err, scratch, sizeof scratch);
            return rc;
        }
    }
    return found ? TIER_OK : no_alternative(column, what, who, err);
}

static int reject_infinite(const tier_book *book, double v, size_t i, const char *column,
                           const char *what, const char *who, char *err)
{
    const char *id;
    if (!isinf(v))
        return TIER_OK;
    id = tier_book_customer_id(book, i, NULL);
    tier__errorf(err, "%s \"%s\": column \"%s\" is infinite for customer \"%s\"", what, who, column,
                 id ? id : "?");
    return TIER_EINVAL;
}

/* One customer's value of one column (NaN when missing): for an attribute, one lookup in the
 * common case and the full check of check_one() only when that lookup finds no numbers. */
static int read_one(const tier_book *book, const tier_frame *frame, const char *column, size_t i,
                    const char *what, const char *who, double *out, char *err)
{
    const char *attr = tier__sc_attr_name(column);
    size_t col;
    int rc, type;
    if (attr) {
        *out = tier__book_number_at(book, i, attr, &type);
        return type == TIER_ATTR_NUMBER ? TIER_OK : check_one(book, frame, column, what, who, err);
    }
    if ((rc = check_one(book, frame, column, what, who, err)) != TIER_OK)
        return rc;
    tier_frame_find(frame, column, &col);
    *out = tier_frame_numbers(frame, col)[i];
    return reject_infinite(book, *out, i, column, what, who, err);
}

/* One customer's value of a source with alternatives: the first alternative there with a value
 * (NaN when none has one); `*used` is its number, or -1. */
static int read_alternatives(const tier_book *book, const tier_frame *frame, const char *column,
                             size_t i, const char *what, const char *who, double *out, int *used,
                             char *err)
{
    char alt[SC_MAX_COLUMN + 1], scratch[TIER__ERR_SIZE];
    size_t k;
    int rc, found = 0;
    *out = NAN;
    *used = -1;
    for (k = 0; tier__sc_alternative(column, k, alt); k++) {
        double v;
        rc = read_one(book, frame, alt, i, what, who, &v, scratch);
        if (rc == TIER_ENOTFOUND)
            continue;
        if (rc != TIER_OK) {
            memcpy(err, scratch, sizeof scratch);
            return rc;
        }
        found = 1;
        if (!isnan(v)) {
            *out = v;
            *used = (int)k;
            return TIER_OK;
        }
    }
    return found ? TIER_OK : no_alternative(column, what, who, err);
}

/* All n values of a source with alternatives, into a new array `*owned` (NaN where no
 * alternative has a value). */
static int read_alternatives_all(const sc_state *st, const tier_book *book, const tier_frame *frame,
                                 const char *column, const char *what, const char *who,
                                 double **owned, char *err)
{
    size_t n = tier_book_customer_count(book), i;
    double *buf;
    int rc, used;
    if ((rc = check_source(book, frame, column, what, who, err)) != TIER_OK)
        return rc;
    buf = tier__malloc_n(&st->h.alloc, n, sizeof *buf);
    if (!buf) {
        tier__errorf(err, "out of memory reading the columns \"%s\"", column);
        return TIER_ENOMEM;
    }
    for (i = 0; i < n; i++)
        if ((rc = read_alternatives(book, frame, column, i, what, who, &buf[i], &used, err)) !=
            TIER_OK) {
            tier__free(&st->h.alloc, buf);
            return rc;
        }
    *owned = buf;
    return TIER_OK;
}

/* All n values of a source: borrowed from the frame (`*owned` NULL) or copied out of the book's
 * attribute, or taken from the alternatives, into `*owned`. Missing values are NaN; infinite
 * ones are rejected. */
static int read_column(const sc_state *st, const tier_book *book, const tier_frame *frame,
                       const char *column, const char *what, const char *who, const double **out,
                       double **owned, char *err)
{
    const char *attr = tier__sc_attr_name(column);
    size_t n = tier_book_customer_count(book), i, col;
    const double *v;
    int rc;
    *out = NULL;
    *owned = NULL;
    if (strchr(column, '|')) {
        rc = read_alternatives_all(st, book, frame, column, what, who, owned, err);
        *out = *owned;
        return rc;
    }
    if ((rc = check_one(book, frame, column, what, who, err)) != TIER_OK)
        return rc;
    if (attr) {
        double *buf = tier__malloc_n(&st->h.alloc, n, sizeof *buf);
        if (!buf) {
            tier__errorf(err, "out of memory reading attribute \"%s\"", attr);
            return TIER_ENOMEM;
        }
        tier__book_copy_numbers(book, attr, buf);
        *owned = buf;
        *out = buf;
        return TIER_OK;
    }
    tier_frame_find(frame, column, &col);
    v = tier_frame_numbers(frame, col);
    for (i = 0; i < n; i++)
        if ((rc = reject_infinite(book, v[i], i, column, what, who, err)) != TIER_OK)
            return rc;
    *out = v;
    return TIER_OK;
}

/* One customer's value of a source (NaN when missing); `*used` (may be NULL) is the number of
 * the alternative it came from, -1 when none has a value (0 for a source of one column). */
int tier__sc_read_one(const tier_book *book, const tier_frame *frame, const char *column, size_t i,
                      const char *what, const char *who, double *out, int *used, char *err)
{
    int k = 0, rc;
    if (strchr(column, '|'))
        rc = read_alternatives(book, frame, column, i, what, who, out, &k, err);
    else
        rc = read_one(book, frame, column, i, what, who, out, err);
    if (used)
        *used = k;
    return rc;
}

int tier__sc_read_row(const sc_state *st, const tier_book *book, const tier_frame *frame,
                      size_t customer, double *fx, double *px, double *vx, char *err)
{
    size_t i;
    int rc;
    for (i = 0; i < st->nfactors; i++)
        if ((rc = tier__sc_read_one(book, frame, st->factors[i].column, customer, "factor",
                                    st->factors[i].name, &fx[i], NULL, err)) != TIER_OK)
            return rc;
    for (i = 0; i < st->npens; i++)
        if ((rc = tier__sc_read_one(book, frame, st->pens[i].column, customer, "penalty",
                                    st->pens[i].name, &px[i], NULL, err)) != TIER_OK)
            return rc;
    for (i = 0; i < st->nvetoes; i++)
        if ((rc = tier__sc_read_one(book, frame, st->vetoes[i].column, customer, "veto",
                                    st->vetoes[i].name, &vx[i], NULL, err)) != TIER_OK)
            return rc;
    return TIER_OK;
}

/* ---- fitting ----------------------------------------------------------------------------- */

/* Order-preserving map of a double (not NaN, -0 already made +0) to an unsigned key. */
static uint64_t sort_key(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return (b >> 63) ? ~b : b | ((uint64_t)1 << 63);
}

static double key_value(uint64_t k)
{
    double d;
    k = (k >> 63) ? k & ~((uint64_t)1 << 63) : ~k;
    memcpy(&d, &k, sizeof d);
    return d;
}

/* LSD radix sort of n keys, 16 bits per pass (passes whose digit never varies are skipped);
 * `tmp` has n entries. The result ends in `k`. */
static void radix_sort(uint64_t *k, uint64_t *tmp, size_t n, size_t *hist)
{
    uint64_t *src = k, *dst = tmp, *t;
    int pass;
    size_t i;
    for (pass = 0; pass < 4; pass++) {
        int shift = 16 * pass;
        size_t sum = 0, b;
        memset(hist, 0, 65536 * sizeof *hist);
        for (i = 0; i < n; i++)
            hist[(src[i] >> shift) & 0xffff]++;
        if (n == 0 || hist[(src[0] >> shift) & 0xffff] == n)
            continue;
        for (b = 0; b < 65536; b++) {
            size_t c = hist[b];
            hist[b] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            dst[hist[(src[i] >> shift) & 0xffff]++] = src[i];
        t = src;
        src = dst;
        dst = t;
    }
    if (src != k)
        memcpy(k, src, n * sizeof *k);
}

/* Fitted statistics of one factor, built before anything is installed. */
typedef struct sc_fitted {
    int has_stats;
    double fmin, fmax, fmedian;
    size_t nref, nuniq;
    double *uniq;
    size_t *below;
} sc_fitted;

static int needs_stats(const sc_factor *f)
{
    return f->norm == TIER_SCORECARD_NORM_PERCENTILE ||
           (f->norm == TIER_SCORECARD_NORM_MINMAX && (isnan(f->cap_lo) || isnan(f->cap_hi))) ||
           (f->missing == TIER_SCORECARD_MISSING_IMPUTE && isnan(f->impute));
}

static int fit_factor(const sc_state *st, const sc_factor *f, const double *v, size_t n,
                      uint64_t *keys, uint64_t *tmp, size_t *hist, sc_fitted *out)
{
    size_t m = 0, i, u;
    memset(out, 0, sizeof *out);
    for (i = 0; i < n; i++) {
        double d = v[i];
        if (isnan(d))
            continue;
        keys[m++] = sort_key(d == 0 ? 0.0 : d);
    }
    if (m == 0)
        return TIER_OK;
    radix_sort(keys, tmp, m, hist);
    out->has_stats = 1;
    out->fmin = key_value(keys[0]);
    out->fmax = key_value(keys[m - 1]);
    out->fmedian = m % 2 ? key_value(keys[m / 2])
                         : key_value(keys[m / 2 - 1]) / 2 + key_value(keys[m / 2]) / 2;
    if (f->norm != TIER_SCORECARD_NORM_PERCENTILE)
        return TIER_OK;
    for (i = 1, u = 1; i < m; i++)
        u += keys[i] != keys[i - 1];
    out->uniq = tier__malloc_n(&st->h.alloc, u, sizeof *out->uniq);
    out->below = tier__malloc_n(&st->h.alloc, u + 1, sizeof *out->below);
    if (!out->uniq || !out->below) {
        tier__free(&st->h.alloc, out->uniq);
        tier__free(&st->h.alloc, out->below);
        out->uniq = NULL;
        out->below = NULL;
        return TIER_ENOMEM;
    }
    for (i = 0, u = 0; i < m; i++) {
        if (i == 0 || keys[i] != keys[i - 1]) {
            out->uniq[u] = key_value(keys[i]);
            out->below[u++] = i;
        }
    }
    out->below[u] = m;
    out->nuniq = u;
    out->nref = m;
    return TIER_OK;
}

static double weight_sum(const sc_state *st)
{
    double s = 0;
    size_t i;
    for (i = 0; i < st->nfactors; i++)
        s += st->factors[i].weight;
    return s;
}

int tier__sc_check_config(const sc_state *st, char *err)
{
    double sum;
    size_t i;
    if (st->nfactors == 0) {
        tier__errorf(err, "the scorecard has no factors");
        return TIER_EINVAL;
    }
    sum = weight_sum(st);
    if (!(fabs(sum - 100.0) <= 1e-9)) {
        tier__errorf(err, "factor weights sum to %.10g, not 100", sum);
        return TIER_EINVAL;
    }
    for (i = 0; i < st->nfactors; i++) {
        const sc_factor *f = &st->factors[i];
        if (f->norm == TIER_SCORECARD_NORM_BANDS && f->nbands == 0) {
            tier__errorf(err, "factor \"%s\": bands normalisation but no bands set", f->name);
            return TIER_EINVAL;
        }
    }
    return TIER_OK;
}

static int tier__sc_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    sc_state *st = state;
    size_t n = tier_book_customer_count(book), i, j;
    sc_fitted *fits = NULL;
    uint64_t *keys = NULL, *tmp = NULL;
    size_t *hist = NULL;
    int rc;

    if ((rc = tier__sc_check_config(st, st->h.err)) != TIER_OK)
        return rc;
    for (i = 0; i < st->npens; i++)
        if ((rc = check_source(book, inputs, st->pens[i].column, "penalty", st->pens[i].name,
                               st->h.err)) != TIER_OK)
            return rc;
    for (i = 0; i < st->nvetoes; i++)
        if ((rc = check_source(book, inputs, st->vetoes[i].column, "veto", st->vetoes[i].name,
                               st->h.err)) != TIER_OK)
            return rc;
    fits = tier__calloc(&st->h.alloc, st->nfactors, sizeof *fits);
    keys = tier__malloc_n(&st->h.alloc, n, sizeof *keys);
    tmp = tier__malloc_n(&st->h.alloc, n, sizeof *tmp);
    hist = tier__malloc_n(&st->h.alloc, 65536, sizeof *hist);
    if (!fits || !keys || !tmp || !hist) {
        rc = TIER_ENOMEM;
        tier__errorf(st->h.err, "out of memory fitting %lu customers", (unsigned long)n);
        goto done;
    }
    for (i = 0; i < st->nfactors; i++) {
        const sc_factor *f = &st->factors[i];
        const double *v;
        double *owned;
        rc = read_column(st, book, inputs, f->column, "factor", f->name, &v, &owned, st->h.err);
        if (rc)
            goto done;
        rc = fit_factor(st, f, v, n, keys, tmp, hist, &fits[i]);
        tier__free(&st->h.alloc, owned);
        if (rc) {
            tier__errorf(st->h.err, "out of memory fitting factor \"%s\"", f->name);
            goto done;
        }
        if (n > 0 && !fits[i].has_stats && needs_stats(f)) {
            tier__errorf(st->h.err,
                         "factor \"%s\": no customer has a value in \"%s\", so its %s "
                         "cannot be fitted",
                         f->name, f->column,
                         f->norm == TIER_SCORECARD_NORM_PERCENTILE ? "percentile reference"
                         : f->norm == TIER_SCORECARD_NORM_MINMAX &&
                                 (isnan(f->cap_lo) || isnan(f->cap_hi))
                             ? "minimum or maximum"
                             : "median");
            rc = TIER_EINVAL;
            goto done;
        }
    }
    /* Commit: nothing below can fail. */
    for (i = 0; i < st->nfactors; i++) {
        sc_factor *f = &st->factors[i];
        tier__free(&st->h.alloc, f->uniq);
        tier__free(&st->h.alloc, f->below);
        tier__free(&st->h.alloc, f->equal);
        f->equal = NULL;
        f->has_stats = fits[i].has_stats;
        f->fmin = fits[i].fmin;
        f->fmax = fits[i].fmax;
        f->fmedian = fits[i].fmedian;
        f->nref = fits[i].nref;
        f->nuniq = fits[i].nuniq;
        f->uniq = fits[i].uniq;
        f->below = fits[i].below;
        fits[i].uniq = NULL;
        fits[i].below = NULL;
    }
    st->h.err[0] = '\0';
done:
    if (fits)
        for (j = 0; j < st->nfactors; j++) {
            tier__free(&st->h.alloc, fits[j].uniq);
            tier__free(&st->h.alloc, fits[j].below);
        }
    tier__free(&st->h.alloc, fits);
    tier__free(&st->h.alloc, keys);
    tier__free(&st->h.alloc, tmp);
    tier__free(&st->h.alloc, hist);
    return rc;
}

/* ---- scoring one customer ---------------------------------------------------------------- */

/* Index of the first distinct reference value >= x[j] for g <= SC_BATCH queries. The searches
 * run in lockstep (every query takes the same number of halving steps, fixed by n), so their
 * memory loads are independent and overlap: about 8x faster than one search after another on a
 * reference larger than the cache. */
#define SC_BATCH 64
/* Customers scored together (a multiple of SC_BATCH). */
#define SC_CHUNK 1024
static void lower_bound_batch(const double *a, size_t n, const double *x, size_t *out, size_t g)
{
    size_t off[SC_BATCH], len = n, j;
    for (j = 0; j < g; j++)
        off[j] = 0;
    while (len > 1) {
        size_t half = len / 2;
        for (j = 0; j < g; j++)
            off[j] = a[off[j] + half - 1] < x[j] ? off[j] + half : off[j];
        len -= half;
    }
    for (j = 0; j < g; j++)
        out[j] = off[j] + (n > 0 && a[off[j]] < x[j]);
}

void tier__sc_minmax_limits(const sc_factor *f, double *lo, double *hi)
{
    *lo = isnan(f->cap_lo) ? f->fmin : f->cap_lo;
    *hi = isnan(f->cap_hi) ? f->fmax : f->cap_hi;
    if (*hi < *lo)
        *hi = *lo;
}

/* The value a factor scores for source value x: x itself, nothing (dropped or zero) or the
 * imputed stand-in. Returns a HOW_* code; TIER_ESTATE is signalled by HOW_IMPUTED with *used NaN.
 */
static int resolve_value(const sc_factor *f, double x, double *used)
{
    *used = x;
    if (!isnan(x))
        return HOW_VALUE;
    if (f->missing == TIER_SCORECARD_MISSING_REWEIGHT)
        return HOW_DROPPED;
    if (f->missing == TIER_SCORECARD_MISSING_ZERO)
        return HOW_ZERO;
    *used = !isnan(f->impute) ? f->impute : f->has_stats ? f->fmedian : NAN;
    return HOW_IMPUTED;
}

/* Percentile from the index of the first distinct reference value >= x. */
static double percentile_at(const sc_factor *f, size_t i, double x)
{
    size_t below = f->below[i];
    size_t equal = 0;
    if (i < f->nuniq && f->uniq[i] == x)
        equal = f->equal ? f->equal[i] : f->below[i + 1] - below;
    return (2.0 * (double)below + (double)equal) / (2.0 * (double)f->nref);
}

/* Normalised value in [0, 1] before direction. TIER_ESTATE when a fitted statistic is needed but
 * the fit saw no value. `pct_index` is the percentile search result (SIZE_MAX: search here). */
static int normalise(const sc_factor *f, double x, size_t pct_index, double *out)
{
    double lo, hi;
    size_t b;
    if (isnan(x))
        return TIER_ESTATE; /* an impute factor without a median */
    switch (f->norm) {
    case TIER_SCORECARD_NORM_PERCENTILE:
        if (f->nref == 0)
            return TIER_ESTATE;
        if (pct_index == SIZE_MAX)
            lower_bound_batch(f->uniq, f->nuniq, &x, &pct_index, 1);
        *out = percentile_at(f, pct_index, x);
        return TIER_OK;
    case TIER_SCORECARD_NORM_MINMAX:
        if (!f->has_stats && (isnan(f->cap_lo) || isnan(f->cap_hi)))
            return TIER_ESTATE;
        tier__sc_minmax_limits(f, &lo, &hi);
        if (x <= lo && x >= hi)
            *out = 0.5; /* hi == lo and x on it: no spread to place it in */
        else if (x <= lo)
            *out = 0.0;
        else if (x >= hi)
            *out = 1.0;
        else /* halves keep hi - lo finite for any finite caps */
            *out = (x * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5);
        return TIER_OK;
    case TIER_SCORECARD_NORM_BANDS:
        for (b = 0; b < f->nbands && x >= f->edges[b]; b++)
            ;
        *out = f->fractions[b];
        return TIER_OK;
    default:
        *out = x != 0 ? 1.0 : 0.0;
        return TIER_OK;
    }
}

int tier__sc_holds(int op, double v, double t)
{
    if (isnan(v))
        return 0;
    switch (op) {
    case TIER_OP_LT:
        return v < t;
    case TIER_OP_LE:
        return v <= t;
    case TIER_OP_EQ:
        return v == t;
    case TIER_OP_NE:
        return v != t;
    case TIER_OP_GE:
        return v >= t;
    default:
        return v > t;
    }
}

static int grade_of(const double lower[4], double score)
{
    int g;
    for (g = 0; g < 4; g++)
        if (score >= lower[g] - SC_GRADE_EPS)
            return g;
    return 4;
}

/* One customer's accumulated factor points, per group and before re-weighting. Scoring (column
 * by column) and explaining (customer by customer) both add in factor order and then call
 * finish(), so they produce bit-identical results. */
typedef struct sc_acc {
    double group[3]; /* sum of weight x normalised value, in factor order */
    double dropped;  /* sum of the weights dropped */
    size_t kept;     /* factors not dropped */
} sc_acc;

/* Re-weighting, penalties (px: one value per penalty) and vetoes (vx) for one customer. */
static void finish(const sc_state *st, const sc_acc *acc, const double *px, const double *vx,
                   sc_out *o)
{
    size_t i;
    int g;
    o->penalties = 0;
    o->capped = 0;
    if (acc->kept == 0) {
        o->score = o->group[0] = o->group[1] = o->group[2] = o->factors = o->scale = NAN;
        o->grade = o->base_grade = -1;
        return;
    }
    o->scale = acc->dropped > 0 ? 100.0 / (100.0 - acc->dropped) : 1.0;
    for (g = 0; g < 3; g++)
        o->group[g] = acc->group[g] * o->scale;
    o->factors = o->group[0] + o->group[1] + o->group[2];
    for (i = 0; i < st->npens; i++)
        if (tier__sc_holds(st->pens[i].op, px[i], st->pens[i].threshold))
            o->penalties += st->pens[i].points;
    o->score = o->factors + o->penalties;
    if (o->score < 0)
        o->score = 0;
    if (o->score > 100)
        o->score = 100;
    o->base_grade = o->grade = grade_of(st->lower, o->score);
    for (i = 0; i < st->nvetoes; i++)
        if (tier__sc_holds(st->vetoes[i].op, vx[i], st->vetoes[i].threshold) &&
            st->vetoes[i].grade > o->grade)
            o->grade = st->vetoes[i].grade;
    o->capped = o->grade > o->base_grade;
}

/* Scores one customer (for explain and score_row) and describes each factor in `lines` (may
 * be NULL). Returns TIER_OK or
 * TIER_ESTATE with *bad = the factor lacking statistics. */
int tier__sc_score_one(const sc_state *st, const double *fx, const double *px, const double *vx,
                       sc_out *o, sc_line *lines, size_t *bad)
{
    sc_acc acc;
    size_t i;
    memset(&acc, 0, sizeof acc);
    for (i = 0; i < st->nfactors; i++) {
        const sc_factor *f = &st->factors[i];
        sc_line one = {0}, *l = lines ? &lines[i] : &one;
        l->raw = fx[i];
        l->how = resolve_value(f, fx[i], &l->used);
        l->pre = l->norm = 0;
        if (l->how == HOW_DROPPED) {
            acc.dropped += f->weight;
            continue;
        }
        acc.kept++;
        if (l->how == HOW_ZERO)
            continue;
        if (normalise(f, l->used, SIZE_MAX, &l->pre) != TIER_OK) {
            *bad = i;
            return TIER_ESTATE;
        }
        l->norm = f->dir == TIER_SCORECARD_LOWER_IS_BETTER ? 1.0 - l->pre : l->pre;
        acc.group[f->group - 1] += f->weight * l->norm;
    }
    finish(st, &acc, px, vx, o);
    for (i = 0; lines && i < st->nfactors; i++) {
        const sc_factor *f = &st->factors[i];
        int dropped = lines[i].how == HOW_DROPPED || acc.kept == 0;
        lines[i].weight = dropped ? 0 : f->weight * o->scale;
        lines[i].points = dropped ? 0 : f->weight * lines[i].norm * o->scale;
    }
    return TIER_OK;
}

/* The number outputs of one customer's result into v[OUT_COUNT] (v[OUT_GRADE] unused). */
static void row_values(const sc_out *o, double *v)
{
    v[OUT_SCORE] = o->score;
    v[OUT_EXPLICIT] = o->group[0];
    v[OUT_POTENTIAL] = o->group[1];
    v[OUT_GROWTH] = o->group[2];
    v[OUT_CAPPED] = o->capped;
}

static void stats_error(const sc_state *st, size_t bad, char *err)
{
    tier__errorf(err,
                 "factor \"%s\": the fit saw no value in \"%s\", so there is no %s to "
                 "score against (fit on a book with values)",
                 st->factors[bad].name, st->factors[bad].column,
                 st->factors[bad].norm == TIER_SCORECARD_NORM_PERCENTILE ? "percentile reference"
                 : st->factors[bad].norm == TIER_SCORECARD_NORM_MINMAX   ? "fitted minimum/maximum "
                                                                           "or median"
                                                                         : "fitted median");
}

/* ---- vtable ------------------------------------------------------------------------------ */

typedef struct sc_columns {
    const double **v; /* nfactors + npens + nvetoes */
    double **owned;
} sc_columns;

static void free_columns(const sc_state *st, sc_columns *c)
{
    size_t i, k = st->nfactors + st->npens + st->nvetoes;
    if (c->owned)
        for (i = 0; i < k; i++)
            tier__free(&st->h.alloc, c->owned[i]);
    tier__free(&st->h.alloc, c->owned);
    tier__free(&st->h.alloc, (void *)c->v);
}

static int read_columns(const sc_state *st, const tier_book *book, const tier_frame *frame,
                        sc_columns *c, char *err)
{
    size_t k = st->nfactors + st->npens + st->nvetoes, i;
    int rc = TIER_OK;
    c->v = tier__calloc(&st->h.alloc, k ? k : 1, sizeof *c->v);
    c->owned = tier__calloc(&st->h.alloc, k ? k : 1, sizeof *c->owned);
    if (!c->v || !c->owned) {
        tier__errorf(err, "out of memory reading the scorecard's columns");
        return TIER_ENOMEM;
    }
    for (i = 0; i < k && rc == TIER_OK; i++) {
        const char *column, *what, *who;
        if (i < st->nfactors) {
            column = st->factors[i].column;
            what = "factor";
            who = st->factors[i].name;
        } else if (i < st->nfactors + st->npens) {
            column = st->pens[i - st->nfactors].column;
            what = "penalty";
            who = st->pens[i - st->nfactors].name;
        } else {
            column = st->vetoes[i - st->nfactors - st->npens].column;
            what = "veto";
            who = st->vetoes[i - st->nfactors - st->npens].name;
        }
        rc = read_column(st, book, frame, column, what, who, &c->v[i], &c->owned[i], err);
    }
    return rc;
}

/* Adds factor `k`'s points for every customer: into the group columns, the dropped weight
 * (kept in the score column until finish) and the kept count (in the capped column). */
static int score_factor(const sc_state *st, size_t k, const double *v, size_t n, double *group,
                        double *dropped, double *kept)
{
    const sc_factor *f = &st->factors[k];
    double used[SC_BATCH], nv;
    size_t idx[SC_BATCH], i0, j;
    int how[SC_BATCH];
    for (i0 = 0; i0 < n; i0 += SC_BATCH) {
        size_t g = n - i0 < SC_BATCH ? n - i0 : SC_BATCH;
        for (j = 0; j < g; j++) {
            how[j] = resolve_value(f, v[i0 + j], &used[j]);
            idx[j] = SIZE_MAX;
        }
        if (f->norm == TIER_SCORECARD_NORM_PERCENTILE && f->nref > 0)
            lower_bound_batch(f->uniq, f->nuniq, used, idx, g);
        for (j = 0; j < g; j++) {
            size_t i = i0 + j;
            if (how[j] == HOW_DROPPED) {
                dropped[i] += f->weight;
                continue;
            }
            kept[i] += 1;
            if (how[j] == HOW_ZERO)
                continue;
            if (normalise(f, used[j], idx[j], &nv) != TIER_OK)
                return TIER_ESTATE;
            if (f->dir == TIER_SCORECARD_LOWER_IS_BETTER)
                nv = 1.0 - nv;
            group[i] += f->weight * nv;
        }
    }
    return TIER_OK;
}

static int tier__sc_score(void *state, const tier_book *book, tier_frame *frame)
{
    const sc_state *st = state;
    size_t n = tier_book_customer_count(book), i, j, k, c0;
    size_t nf = st->nfactors, np = st->npens, nv = st->nvetoes;
    double *scratch = NULL;
    char *err = tier__frame_error(frame);
    double *out[OUT_COUNT], px[SC_MAX_CONDS], vx[SC_MAX_CONDS], v[OUT_COUNT];
    int32_t *grade = NULL;
    sc_columns c = {NULL, NULL};
    sc_acc acc;
    sc_out o;
    int rc;

    /* Scoring never writes the state (several threads may score at once): failures are
     * described in the frame's error text. Work goes column by column so that the percentile
     * searches can be batched. */
    if ((rc = tier__sc_check_config(st, err)) != TIER_OK)
        return rc;
    if ((rc = read_columns(st, book, frame, &c, err)) != TIER_OK)
        goto done;
    for (i = 0; i < OUT_COUNT && rc == TIER_OK; i++) {
        if (i == OUT_GRADE)
            rc = tier_frame_add_labels(frame, tier__sc_outputs[i].name, grade_labels, 5, &grade);
        else
            rc = tier_frame_add_numbers(frame, tier__sc_outputs[i].name, &out[i]);
    }
    if (rc)
        goto done;
    /* Customers go in chunks whose accumulators stay in cache while every factor adds to them. */
    scratch = tier__malloc_n(&st->h.alloc, 5 * SC_CHUNK, sizeof *scratch);
    if (!scratch) {
        tier__errorf(err, "out of memory scoring");
        rc = TIER_ENOMEM;
        goto done;
    }
    for (c0 = 0; c0 < n; c0 += SC_CHUNK) {
        size_t m = n - c0 < SC_CHUNK ? n - c0 : SC_CHUNK;
        double *dropped = scratch + 3 * SC_CHUNK, *kept = scratch + 4 * SC_CHUNK;
        memset(scratch, 0, 5 * SC_CHUNK * sizeof *scratch);
        for (k = 0; k < nf; k++) {
            rc = score_factor(st, k, c.v[k] + c0, m,
                              scratch + (size_t)(st->factors[k].group - 1) * SC_CHUNK, dropped,
                              kept);
            if (rc) {
                stats_error(st, k, err);
                goto done;
            }
        }
        for (j = 0; j < m; j++) {
            i = c0 + j;
            acc.group[0] = scratch[j];
            acc.group[1] = scratch[SC_CHUNK + j];
            acc.group[2] = scratch[2 * SC_CHUNK + j];
            acc.dropped = dropped[j];
            acc.kept = (size_t)kept[j];
            for (k = 0; k < np; k++)
                px[k] = c.v[nf + k][i];
            for (k = 0; k < nv; k++)
                vx[k] = c.v[nf + np + k][i];
            finish(st, &acc, px, vx, &o);
            row_values(&o, v);
            for (k = 0; k < OUT_COUNT; k++)
                if (k != OUT_GRADE)
                    out[k][i] = v[k];
            grade[i] = o.grade;
        }
    }
done:
    tier__free(&st->h.alloc, scratch);
    free_columns(st, &c);
    return rc;
}

/* One customer re-scored against the fitted reference values (percentile ranks by binary
 * search among them): the same per-factor steps and finish() as the batch score, so the same
 * bits. */
static int tier__sc_score_row(void *state, const tier_book *book, const tier_frame *frame,
                              size_t customer, double *numbers, const char **labels)
{
    const sc_state *st = state;
    double fx[SC_MAX_FACTORS], px[SC_MAX_CONDS], vx[SC_MAX_CONDS];
    char *err = tier__model_row_error(frame);
    size_t bad = 0;
    sc_out o;
    int rc;
    if ((rc = tier__sc_check_config(st, err)) != TIER_OK ||
        (rc = tier__sc_read_row(st, book, frame, customer, fx, px, vx, err)) != TIER_OK)
        return rc;
    if ((rc = tier__sc_score_one(st, fx, px, vx, &o, NULL, &bad)) != TIER_OK) {
        stats_error(st, bad, err);
        return rc;
    }
    row_values(&o, numbers);
    labels[OUT_GRADE] = o.grade >= 0 ? grade_labels[o.grade] : NULL;
    return TIER_OK;
}
