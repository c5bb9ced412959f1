/* SPDX-License-Identifier: MIT */
/* The built-in value scorecard, made through the public model vtable. Factors normalise one
 * source value each to [0, 1] and earn weight x that; penalties subtract points, vetoes cap the
 * grade. docs/scorecard.md states every rule; the explanation is computed by the same code as
 * the score, so the two always agree. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "core/model_internal.h"
#include "models/options.h"

#define SC_MAX_FACTORS 256
#define SC_MAX_CONDS 64
#define SC_MAX_BANDS 64
#define SC_MAX_NAME 64
#define SC_MAX_COLUMN 200
/* A score this close below a grade's lower bound still reaches it: sums of weight x fraction
 * are not exact in binary and must not drop a customer a grade. */
#define SC_GRADE_EPS 1e-9

enum { OUT_SCORE, OUT_EXPLICIT, OUT_POTENTIAL, OUT_GROWTH, OUT_GRADE, OUT_CAPPED, OUT_COUNT };
enum { HOW_VALUE, HOW_DROPPED, HOW_IMPUTED, HOW_ZERO };

static const char *const grade_labels[5] = {"A", "B", "C", "D", "E"};
static const char *const group_names[3] = {"explicit", "potential", "growth"};
static const char *const op_names[7] = {"?", "<", "<=", "==", "!=", ">=", ">"};
static const double default_lower[4] = {80, 65, 50, 35};

typedef struct sc_factor {
    char *name;
    char *column; /* "attr.NAME" or a frame column */
    double weight;
    int group, norm, dir, missing;
    double cap_lo, cap_hi; /* NaN: fitted minimum / maximum */
    double impute;         /* NaN: fitted median */
    size_t nbands;         /* edges; nbands + 1 fractions */
    double *edges, *fractions;
    /* Fitted. */
    int has_stats; /* 0 when the fit saw no value */
    double fmin, fmax, fmedian;
    size_t nref;   /* values seen at fit (percentile factors) */
    size_t nuniq;  /* distinct values */
    double *uniq;  /* ascending distinct values */
    size_t *below; /* nuniq + 1 entries: values strictly below uniq[i]; below[nuniq] = nref */
} sc_factor;

typedef struct sc_cond {
    char *name;
    char *column;
    int op;
    double threshold;
    double points; /* penalties */
    int grade;     /* vetoes: 0 (A) .. 4 (E) */
} sc_cond;

typedef struct sc_state {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    char *name;
    sc_factor *factors;
    size_t nfactors, cap_factors;
    sc_cond *pens, *vetoes;
    size_t npens, cap_pens, nvetoes, cap_vetoes;
    double lower[4];
} sc_state;

/* What one customer's score is made of. */
typedef struct sc_line {
    double raw;    /* the source value (NaN = missing) */
    int how;       /* HOW_* */
    double used;   /* the value normalised (raw or the imputed one) */
    double pre;    /* normalised, in [0, 1], before direction */
    double norm;   /* after direction */
    double weight; /* effective weight after re-weighting (0 when dropped) */
    double points;
} sc_line;

typedef struct sc_out {
    double score, group[3], factors, penalties, scale;
    int grade, base_grade, capped; /* grade -1 when the score is NaN */
} sc_out;

static int sc_fit(void *state, const tier_book *book, const tier_frame *inputs);
static int sc_score(void *state, const tier_book *book, tier_frame *frame);
static int sc_explain(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                      tier_text *out);
static void sc_destroy(void *state);
static const char *sc_last_error(void *state);
static int sc_set_option(void *state, const char *name, const tier_value *value);
static int sc_get_option(void *state, const char *name, tier_value *out);
static int sc_save(void *state, tier_state_writer *w);
static int sc_load(void *state, tier_state_reader *r);

static const tier_model_output sc_outputs[OUT_COUNT] = {
    {"score", TIER_VALUE_NUMBER},  {"explicit", TIER_VALUE_NUMBER}, {"potential", TIER_VALUE_NUMBER},
    {"growth", TIER_VALUE_NUMBER}, {"grade", TIER_VALUE_LABEL},     {"capped", TIER_VALUE_NUMBER}};

static const tier_model_option sc_options[] = {
    {"grade_a", TIER_OPTION_NUMBER, "lowest score of grade A, [grade_b, 100] (default 80)", 0},
    {"grade_b", TIER_OPTION_NUMBER, "lowest score of grade B, [grade_c, grade_a] (default 65)", 0},
    {"grade_c", TIER_OPTION_NUMBER, "lowest score of grade C, [grade_d, grade_b] (default 50)", 0},
    {"grade_d", TIER_OPTION_NUMBER, "lowest score of grade D, [0, grade_c] (default 35)", 0},
};

#define N_OPTIONS (sizeof sc_options / sizeof sc_options[0])

static const tier_model_vtable sc_vtable = {
    .version = TIER_MODEL_VTABLE_VERSION,
    .kind = "scorecard",
    .fit = sc_fit,
    .score = sc_score,
    .explain = sc_explain,
    .destroy = sc_destroy,
    .last_error = sc_last_error,
    .outputs = sc_outputs,
    .n_outputs = OUT_COUNT,
    .options = sc_options,
    .n_options = N_OPTIONS,
    .set_option = sc_set_option,
    .get_option = sc_get_option,
    .save = sc_save,
    .load = sc_load,
};

static sc_state *sc_of(const tier_model *model)
{
    return tier__model_state_if(model, &sc_vtable);
}

/* ---- sources ----------------------------------------------------------------------------- */

/* The attribute name of an "attr.NAME" source, else NULL. */
static const char *attr_name(const char *column)
{
    return strncmp(column, "attr.", 5) == 0 ? column + 5 : NULL;
}

/* Checks that a source exists in the book or frame and holds numbers. `what` and `who` name the
 * factor, penalty or veto in the error text. */
static int check_source(const tier_book *book, const tier_frame *frame, const char *column,
                        const char *what, const char *who, char *err)
{
    const char *attr = attr_name(column);
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
        if (type != 1) {
            tier__errorf(err, "%s \"%s\": attribute \"%s\" holds text, not numbers", what, who,
                         attr);
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

/* All n values of a source: borrowed from the frame (`*owned` NULL) or copied out of the book's
 * attribute into `*owned`. Missing values are NaN; infinite ones are rejected. */
static int read_column(const sc_state *st, const tier_book *book, const tier_frame *frame,
                       const char *column, const char *what, const char *who, const double **out,
                       double **owned, char *err)
{
    const char *attr = attr_name(column);
    size_t n = tier_book_customer_count(book), i, col;
    const double *v;
    int rc;
    *out = NULL;
    *owned = NULL;
    if ((rc = check_source(book, frame, column, what, who, err)) != TIER_OK)
        return rc;
    if (attr) {
        double *buf = tier__malloc(&st->alloc, (n ? n : 1) * sizeof *buf);
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

/* One customer's value of a source (NaN when missing). */
static int read_one(const tier_book *book, const tier_frame *frame, const char *column, size_t i,
                    const char *what, const char *who, double *out, char *err)
{
    const char *attr = attr_name(column);
    size_t col;
    int rc;
    if ((rc = check_source(book, frame, column, what, who, err)) != TIER_OK)
        return rc;
    if (attr) {
        double d;
        *out = tier_book_get_number(book, i, attr, &d) == TIER_OK ? d : NAN;
        return TIER_OK;
    }
    tier_frame_find(frame, column, &col);
    *out = tier_frame_numbers(frame, col)[i];
    return reject_infinite(book, *out, i, column, what, who, err);
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
    out->uniq = tier__malloc(&st->alloc, u * sizeof *out->uniq);
    out->below = tier__malloc(&st->alloc, (u + 1) * sizeof *out->below);
    if (!out->uniq || !out->below) {
        tier__free(&st->alloc, out->uniq);
        tier__free(&st->alloc, out->below);
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

static int check_config(const sc_state *st, char *err)
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

static int sc_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    sc_state *st = state;
    size_t n = tier_book_customer_count(book), i, j;
    sc_fitted *fits = NULL;
    uint64_t *keys = NULL, *tmp = NULL;
    size_t *hist = NULL;
    int rc;

    if ((rc = check_config(st, st->err)) != TIER_OK)
        return rc;
    for (i = 0; i < st->npens; i++)
        if ((rc = check_source(book, inputs, st->pens[i].column, "penalty", st->pens[i].name,
                               st->err)) != TIER_OK)
            return rc;
    for (i = 0; i < st->nvetoes; i++)
        if ((rc = check_source(book, inputs, st->vetoes[i].column, "veto", st->vetoes[i].name,
                               st->err)) != TIER_OK)
            return rc;
    fits = tier__calloc(&st->alloc, st->nfactors, sizeof *fits);
    keys = tier__malloc(&st->alloc, (n ? n : 1) * sizeof *keys);
    tmp = tier__malloc(&st->alloc, (n ? n : 1) * sizeof *tmp);
    hist = tier__malloc(&st->alloc, 65536 * sizeof *hist);
    if (!fits || !keys || !tmp || !hist) {
        rc = TIER_ENOMEM;
        tier__errorf(st->err, "out of memory fitting %lu customers", (unsigned long)n);
        goto done;
    }
    for (i = 0; i < st->nfactors; i++) {
        const sc_factor *f = &st->factors[i];
        const double *v;
        double *owned;
        rc = read_column(st, book, inputs, f->column, "factor", f->name, &v, &owned, st->err);
        if (rc)
            goto done;
        rc = fit_factor(st, f, v, n, keys, tmp, hist, &fits[i]);
        tier__free(&st->alloc, owned);
        if (rc) {
            tier__errorf(st->err, "out of memory fitting factor \"%s\"", f->name);
            goto done;
        }
        if (n > 0 && !fits[i].has_stats && needs_stats(f)) {
            tier__errorf(st->err,
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
        tier__free(&st->alloc, f->uniq);
        tier__free(&st->alloc, f->below);
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
    st->err[0] = '\0';
done:
    if (fits)
        for (j = 0; j < st->nfactors; j++) {
            tier__free(&st->alloc, fits[j].uniq);
            tier__free(&st->alloc, fits[j].below);
        }
    tier__free(&st->alloc, fits);
    tier__free(&st->alloc, keys);
    tier__free(&st->alloc, tmp);
    tier__free(&st->alloc, hist);
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

static void minmax_limits(const sc_factor *f, double *lo, double *hi)
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
    size_t equal = i < f->nuniq && f->uniq[i] == x ? f->below[i + 1] - below : 0;
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
        minmax_limits(f, &lo, &hi);
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

static int holds(int op, double v, double t)
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
        if (holds(st->pens[i].op, px[i], st->pens[i].threshold))
            o->penalties += st->pens[i].points;
    o->score = o->factors + o->penalties;
    if (o->score < 0)
        o->score = 0;
    if (o->score > 100)
        o->score = 100;
    o->base_grade = o->grade = grade_of(st->lower, o->score);
    for (i = 0; i < st->nvetoes; i++)
        if (holds(st->vetoes[i].op, vx[i], st->vetoes[i].threshold) &&
            st->vetoes[i].grade > o->grade)
            o->grade = st->vetoes[i].grade;
    o->capped = o->grade > o->base_grade;
}

/* Scores one customer (for explain) and describes each factor in `lines`. Returns TIER_OK or
 * TIER_ESTATE with *bad = the factor lacking statistics. */
static int score_one(const sc_state *st, const double *fx, const double *px, const double *vx,
                     sc_out *o, sc_line *lines, size_t *bad)
{
    sc_acc acc;
    size_t i;
    memset(&acc, 0, sizeof acc);
    for (i = 0; i < st->nfactors; i++) {
        const sc_factor *f = &st->factors[i];
        sc_line *l = &lines[i];
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
    for (i = 0; i < st->nfactors; i++) {
        const sc_factor *f = &st->factors[i];
        int dropped = lines[i].how == HOW_DROPPED || acc.kept == 0;
        lines[i].weight = dropped ? 0 : f->weight * o->scale;
        lines[i].points = dropped ? 0 : f->weight * lines[i].norm * o->scale;
    }
    return TIER_OK;
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
            tier__free(&st->alloc, c->owned[i]);
    tier__free(&st->alloc, c->owned);
    tier__free(&st->alloc, (void *)c->v);
}

static int read_columns(const sc_state *st, const tier_book *book, const tier_frame *frame,
                        sc_columns *c, char *err)
{
    size_t k = st->nfactors + st->npens + st->nvetoes, i;
    int rc = TIER_OK;
    c->v = tier__calloc(&st->alloc, k ? k : 1, sizeof *c->v);
    c->owned = tier__calloc(&st->alloc, k ? k : 1, sizeof *c->owned);
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

static int sc_score(void *state, const tier_book *book, tier_frame *frame)
{
    const sc_state *st = state;
    size_t n = tier_book_customer_count(book), i, j, k, c0;
    size_t nf = st->nfactors, np = st->npens, nv = st->nvetoes;
    double *scratch = NULL;
    char *err = tier__frame_error(frame);
    double *out[OUT_COUNT], px[SC_MAX_CONDS], vx[SC_MAX_CONDS];
    int32_t *grade = NULL;
    sc_columns c = {NULL, NULL};
    sc_acc acc;
    sc_out o;
    int rc;

    /* Scoring never writes the state (several threads may score at once): failures are
     * described in the frame's error text. Work goes column by column so that the percentile
     * searches can be batched. */
    if ((rc = check_config(st, err)) != TIER_OK)
        return rc;
    if ((rc = read_columns(st, book, frame, &c, err)) != TIER_OK)
        goto done;
    for (i = 0; i < OUT_COUNT && rc == TIER_OK; i++) {
        if (i == OUT_GRADE)
            rc = tier_frame_add_labels(frame, sc_outputs[i].name, grade_labels, 5, &grade);
        else
            rc = tier_frame_add_numbers(frame, sc_outputs[i].name, &out[i]);
    }
    if (rc)
        goto done;
    /* Customers go in chunks whose accumulators stay in cache while every factor adds to them. */
    scratch = tier__malloc(&st->alloc, 5 * SC_CHUNK * sizeof *scratch);
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
            out[OUT_SCORE][i] = o.score;
            out[OUT_EXPLICIT][i] = o.group[0];
            out[OUT_POTENTIAL][i] = o.group[1];
            out[OUT_GROWTH][i] = o.group[2];
            out[OUT_CAPPED][i] = o.capped;
            grade[i] = o.grade;
        }
    }
done:
    tier__free(&st->alloc, scratch);
    free_columns(st, &c);
    return rc;
}

/* ---- explain ----------------------------------------------------------------------------- */

typedef struct sc_buf {
    const tier_allocator *alloc;
    char *data;
    size_t len, cap;
    int failed;
} sc_buf;

static void buf_add(sc_buf *b, const char *s)
{
    size_t n = strlen(s);
    void *p = b->data;
    if (b->failed)
        return;
    if (tier__grow(b->alloc, &p, &b->cap, b->len + n + 1, 1) != TIER_OK) {
        b->failed = 1;
        return;
    }
    b->data = p;
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}

/* A number as "%.10g" with '.' whatever the locale, and never "-0". */
static const char *num(char *buf, size_t size, double v)
{
    char *p;
    snprintf(buf, size, "%.10g", v + 0.0);
    for (p = buf; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == 'e'))
            *p = '.';
    return buf;
}

static const char *missing_rule(const sc_factor *f, char *buf, size_t size)
{
    char a[40];
    switch (f->missing) {
    case TIER_SCORECARD_MISSING_REWEIGHT:
        return "drop and re-weight";
    case TIER_SCORECARD_MISSING_ZERO:
        return "zero";
    default:
        if (isnan(f->impute))
            return "impute the fitted median";
        snprintf(buf, size, "impute %s", num(a, sizeof a, f->impute));
        return buf;
    }
}

/* The normalisation applied to `x`, e.g. "min-max over [0, 10]" or "band 2 of 3 [1, 5)". */
static void describe_norm(const sc_factor *f, double x, char *buf, size_t size)
{
    char a[40], b[40];
    double lo, hi;
    size_t bd;
    switch (f->norm) {
    case TIER_SCORECARD_NORM_PERCENTILE:
        snprintf(buf, size, "percentile rank among %lu fitted values", (unsigned long)f->nref);
        break;
    case TIER_SCORECARD_NORM_MINMAX:
        minmax_limits(f, &lo, &hi);
        snprintf(buf, size, "min-max over [%s, %s]", num(a, sizeof a, lo), num(b, sizeof b, hi));
        break;
    case TIER_SCORECARD_NORM_BANDS:
        for (bd = 0; bd < f->nbands && x >= f->edges[bd]; bd++)
            ;
        if (bd == 0)
            snprintf(buf, size, "band 1 of %lu (< %s)", (unsigned long)f->nbands + 1,
                     num(a, sizeof a, f->edges[0]));
        else if (bd == f->nbands)
            snprintf(buf, size, "band %lu of %lu (>= %s)", (unsigned long)bd + 1,
                     (unsigned long)f->nbands + 1, num(a, sizeof a, f->edges[bd - 1]));
        else
            snprintf(buf, size, "band %lu of %lu [%s, %s)", (unsigned long)bd + 1,
                     (unsigned long)f->nbands + 1, num(a, sizeof a, f->edges[bd - 1]),
                     num(b, sizeof b, f->edges[bd]));
        break;
    default:
        snprintf(buf, size, "boolean (not 0)");
        break;
    }
}

static int sc_explain(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                      tier_text *out)
{
    const sc_state *st = state;
    size_t nf = st->nfactors, i, bad = 0;
    double fx[SC_MAX_FACTORS], px[SC_MAX_CONDS], vx[SC_MAX_CONDS];
    sc_line lines[SC_MAX_FACTORS];
    char line[1024], a[40], b[40], c[40], d[40], rule[64], norm[160];
    char err[TIER__ERR_SIZE];
    sc_buf buf;
    sc_out o;
    int rc;

    if (!frame || !out)
        return TIER_EINVAL;
    if ((rc = check_config(st, err)) != TIER_OK)
        return rc;
    for (i = 0; i < nf; i++)
        if ((rc = read_one(book, frame, st->factors[i].column, customer, "factor",
                           st->factors[i].name, &fx[i], err)) != TIER_OK)
            return rc;
    for (i = 0; i < st->npens; i++)
        if ((rc = read_one(book, frame, st->pens[i].column, customer, "penalty", st->pens[i].name,
                           &px[i], err)) != TIER_OK)
            return rc;
    for (i = 0; i < st->nvetoes; i++)
        if ((rc = read_one(book, frame, st->vetoes[i].column, customer, "veto", st->vetoes[i].name,
                           &vx[i], err)) != TIER_OK)
            return rc;
    if ((rc = score_one(st, fx, px, vx, &o, lines, &bad)) != TIER_OK)
        return rc;

    buf.alloc = &st->alloc;
    buf.data = NULL;
    buf.len = buf.cap = 0;
    buf.failed = 0;
    if (isnan(o.score))
        snprintf(line, sizeof line,
                 "scorecard \"%s\": no factor has a value: score missing, no "
                 "grade\n",
                 st->name);
    else
        snprintf(line, sizeof line, "scorecard \"%s\": score %s, grade %s%s\n", st->name,
                 num(a, sizeof a, o.score), grade_labels[o.grade],
                 o.capped ? " (capped by a veto)" : "");
    buf_add(&buf, line);
    for (i = 0; i < nf; i++) {
        const sc_factor *f = &st->factors[i];
        const sc_line *l = &lines[i];
        char wbuf[48] = "", what[64];
        if (l->how != HOW_DROPPED && o.scale != 1.0 && !isnan(o.scale))
            snprintf(wbuf, sizeof wbuf, " -> %s", num(a, sizeof a, l->weight));
        snprintf(line, sizeof line, "factor %s [%s, weight %s%s, if missing: %s]: %s ", f->name,
                 group_names[f->group - 1], num(b, sizeof b, f->weight), wbuf,
                 missing_rule(f, rule, sizeof rule), f->column);
        buf_add(&buf, line);
        if (l->how == HOW_DROPPED) {
            buf_add(&buf, "missing -> dropped, 0 points\n");
            continue;
        }
        if (l->how == HOW_ZERO) {
            buf_add(&buf, "missing -> 0 points\n");
            continue;
        }
        if (l->how == HOW_IMPUTED)
            snprintf(what, sizeof what, "missing -> imputed %s", num(a, sizeof a, l->used));
        else
            snprintf(what, sizeof what, "= %s", num(a, sizeof a, l->used));
        describe_norm(f, l->used, norm, sizeof norm);
        if (f->dir == TIER_SCORECARD_LOWER_IS_BETTER)
            snprintf(line, sizeof line, "%s, %s %s, lower is better: %s -> %s points\n", what, norm,
                     num(a, sizeof a, l->pre), num(b, sizeof b, l->norm),
                     num(c, sizeof c, l->points));
        else
            snprintf(line, sizeof line, "%s, %s %s -> %s points\n", what, norm,
                     num(b, sizeof b, l->norm), num(c, sizeof c, l->points));
        buf_add(&buf, line);
    }
    if (!isnan(o.score)) {
        for (i = 0; i < st->npens; i++) {
            const sc_cond *p = &st->pens[i];
            if (!holds(p->op, px[i], p->threshold))
                continue;
            snprintf(line, sizeof line, "penalty %s: %s = %s %s %s -> %s points\n", p->name,
                     p->column, num(a, sizeof a, px[i]), op_names[p->op],
                     num(b, sizeof b, p->threshold), num(c, sizeof c, p->points));
            buf_add(&buf, line);
        }
        for (i = 0; i < st->nvetoes; i++) {
            const sc_cond *v = &st->vetoes[i];
            if (!holds(v->op, vx[i], v->threshold))
                continue;
            snprintf(line, sizeof line, "veto %s: %s = %s %s %s -> grade at most %s\n", v->name,
                     v->column, num(a, sizeof a, vx[i]), op_names[v->op],
                     num(b, sizeof b, v->threshold), grade_labels[v->grade]);
            buf_add(&buf, line);
        }
        snprintf(line, sizeof line, "groups: explicit %s, potential %s, growth %s; factors %s",
                 num(a, sizeof a, o.group[0]), num(b, sizeof b, o.group[1]),
                 num(c, sizeof c, o.group[2]), num(d, sizeof d, o.factors));
        buf_add(&buf, line);
        snprintf(line, sizeof line, ", penalties %s -> score %s%s\n", num(a, sizeof a, o.penalties),
                 num(b, sizeof b, o.score), o.factors + o.penalties < 0 ? " (clamped at 0)" : "");
        buf_add(&buf, line);
        if (o.base_grade == 0)
            snprintf(line, sizeof line, "grade band: A (score >= %s)",
                     num(a, sizeof a, st->lower[0]));
        else if (o.base_grade == 4)
            snprintf(line, sizeof line, "grade band: E (score < %s)",
                     num(a, sizeof a, st->lower[3]));
        else
            snprintf(line, sizeof line, "grade band: %s (%s <= score < %s)",
                     grade_labels[o.base_grade], num(a, sizeof a, st->lower[o.base_grade]),
                     num(b, sizeof b, st->lower[o.base_grade - 1]));
        buf_add(&buf, line);
        if (o.capped)
            snprintf(line, sizeof line, "; capped by veto to %s\n", grade_labels[o.grade]);
        else
            snprintf(line, sizeof line, "\n");
        buf_add(&buf, line);
    }
    if (buf.failed) {
        tier__free(&st->alloc, buf.data);
        return TIER_ENOMEM;
    }
    rc = tier_text_append(out, buf.data, buf.len);
    tier__free(&st->alloc, buf.data);
    return rc;
}

/* ---- lifetime ---------------------------------------------------------------------------- */

static void free_factor(const tier_allocator *a, sc_factor *f)
{
    tier__free(a, f->name);
    tier__free(a, f->column);
    tier__free(a, f->edges);
    tier__free(a, f->fractions);
    tier__free(a, f->uniq);
    tier__free(a, f->below);
}

static void free_cond(const tier_allocator *a, sc_cond *c)
{
    tier__free(a, c->name);
    tier__free(a, c->column);
}

/* Frees the factors, penalties and vetoes (the configuration), leaving none. */
static void sc_clear(sc_state *st)
{
    size_t i;
    for (i = 0; i < st->nfactors; i++)
        free_factor(&st->alloc, &st->factors[i]);
    for (i = 0; i < st->npens; i++)
        free_cond(&st->alloc, &st->pens[i]);
    for (i = 0; i < st->nvetoes; i++)
        free_cond(&st->alloc, &st->vetoes[i]);
    tier__free(&st->alloc, st->factors);
    tier__free(&st->alloc, st->pens);
    tier__free(&st->alloc, st->vetoes);
    st->factors = NULL;
    st->pens = st->vetoes = NULL;
    st->nfactors = st->cap_factors = st->npens = st->cap_pens = st->nvetoes = st->cap_vetoes = 0;
}

static void sc_destroy(void *state)
{
    sc_state *st = state;
    tier_allocator a;
    if (!st)
        return;
    a = st->alloc;
    sc_clear(st);
    tier__free(&a, st->name);
    tier__free(&a, st);
}

static const char *sc_last_error(void *state)
{
    return ((sc_state *)state)->err;
}

/* ---- public API -------------------------------------------------------------------------- */

int tier_scorecard_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    tier_allocator a;
    sc_state *st;
    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    if (!name)
        name = "scorecard";
    tier__alloc_init(&a, alloc);
    st = tier__calloc(&a, 1, sizeof *st);
    if (!st)
        return TIER_ENOMEM;
    st->alloc = a;
    memcpy(st->lower, default_lower, sizeof st->lower);
    st->name = tier__strdup(&a, name);
    if (!st->name) {
        sc_destroy(st);
        return TIER_ENOMEM;
    }
    return tier_model_new(out, &sc_vtable, st, name, alloc);
}

/* 1 when `s` is 1..max bytes of printable ASCII. */
static int valid_text(const char *s, size_t max)
{
    size_t i, n;
    if (!s || !(n = strlen(s)) || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return 0;
    return 1;
}

static int valid_column(const char *column)
{
    const char *attr;
    if (!valid_text(column, SC_MAX_COLUMN))
        return 0;
    attr = attr_name(column);
    return !attr || attr[0] != '\0';
}

static int sc_add_factor(sc_state *st, const char *factor, const char *column, double weight,
                         int group, int normalisation, int direction, int missing,
                         size_t *out_index)
{
    sc_factor f;
    size_t i;
    void *p;
    if (!valid_text(factor, SC_MAX_NAME)) {
        tier__errorf(st->err, "factor name must be 1..%d printable ASCII bytes without spaces",
                     SC_MAX_NAME);
        return TIER_EINVAL;
    }
    if (!valid_column(column)) {
        tier__errorf(st->err,
                     "factor \"%s\": column must be \"attr.NAME\" or a frame column name "
                     "(1..%d printable ASCII bytes without spaces)",
                     factor, SC_MAX_COLUMN);
        return TIER_EINVAL;
    }
    if (!(weight > 0 && weight <= 100)) {
        tier__errorf(st->err,
                     "factor \"%s\": weight %g is not in (0, 100] (penalties are "
                     "separate: tier_scorecard_add_penalty)",
                     factor, weight);
        return TIER_EINVAL;
    }
    if (group < TIER_SCORECARD_EXPLICIT || group > TIER_SCORECARD_GROWTH ||
        normalisation < TIER_SCORECARD_NORM_PERCENTILE ||
        normalisation > TIER_SCORECARD_NORM_BOOLEAN ||
        direction < TIER_SCORECARD_HIGHER_IS_BETTER || direction > TIER_SCORECARD_LOWER_IS_BETTER ||
        missing < TIER_SCORECARD_MISSING_REWEIGHT || missing > TIER_SCORECARD_MISSING_ZERO) {
        tier__errorf(st->err,
                     "factor \"%s\": unknown group (%d), normalisation (%d), direction "
                     "(%d) or missing-value policy (%d)",
                     factor, group, normalisation, direction, missing);
        return TIER_EINVAL;
    }
    for (i = 0; i < st->nfactors; i++)
        if (strcmp(st->factors[i].name, factor) == 0) {
            tier__errorf(st->err, "factor \"%s\" already exists", factor);
            return TIER_EINVAL;
        }
    if (st->nfactors >= SC_MAX_FACTORS) {
        tier__errorf(st->err, "more than %d factors", SC_MAX_FACTORS);
        return TIER_ERANGE;
    }
    memset(&f, 0, sizeof f);
    f.weight = weight;
    f.group = group;
    f.norm = normalisation;
    f.dir = direction;
    f.missing = missing;
    f.cap_lo = f.cap_hi = f.impute = NAN;
    f.name = tier__strdup(&st->alloc, factor);
    f.column = tier__strdup(&st->alloc, column);
    p = st->factors;
    if (!f.name || !f.column ||
        tier__grow(&st->alloc, &p, &st->cap_factors, st->nfactors + 1, sizeof f) != TIER_OK) {
        free_factor(&st->alloc, &f);
        tier__errorf(st->err, "out of memory adding factor \"%s\"", factor);
        return TIER_ENOMEM;
    }
    st->factors = p;
    st->factors[st->nfactors] = f;
    if (out_index)
        *out_index = st->nfactors;
    st->nfactors++;
    st->err[0] = '\0';
    return TIER_OK;
}

int tier_scorecard_add_factor(tier_model *model, const char *factor, const char *column,
                              double weight, int group, int normalisation, int direction,
                              int missing, size_t *out_index)
{
    sc_state *st = sc_of(model);
    int rc;
    if (!st)
        return TIER_EINVAL;
    rc = sc_add_factor(st, factor, column, weight, group, normalisation, direction, missing,
                       out_index);
    if (rc == TIER_OK)
        tier__model_set_fitted(model, 0); /* the new factor has no fitted statistics */
    return rc;
}

/* The factor `factor` of a scorecard, or NULL with the status in *rc. */
static sc_factor *factor_of(sc_state *st, size_t factor, int norm, const char *what, int *rc)
{
    sc_factor *f;
    if (!st) {
        *rc = TIER_EINVAL;
        return NULL;
    }
    if (factor >= st->nfactors) {
        tier__errorf(st->err, "factor index %lu out of range (%lu factors)", (unsigned long)factor,
                     (unsigned long)st->nfactors);
        *rc = TIER_ERANGE;
        return NULL;
    }
    f = &st->factors[factor];
    if (norm && f->norm != norm) {
        tier__errorf(st->err, "factor \"%s\" does not use %s", f->name, what);
        *rc = TIER_EINVAL;
        return NULL;
    }
    return f;
}

static int sc_set_caps(sc_state *st, size_t factor, double lo, double hi)
{
    int rc = TIER_OK;
    sc_factor *f = factor_of(st, factor, TIER_SCORECARD_NORM_MINMAX, "min-max", &rc);
    if (!f)
        return rc;
    if (isinf(lo) || isinf(hi) || lo > hi) {
        tier__errorf(st->err,
                     "factor \"%s\": caps [%g, %g] must be finite with lo <= hi (NaN = "
                     "fitted)",
                     f->name, lo, hi);
        return TIER_EINVAL;
    }
    f->cap_lo = lo;
    f->cap_hi = hi;
    st->err[0] = '\0';
    return TIER_OK;
}

int tier_scorecard_set_caps(tier_model *model, size_t factor, double lo, double hi)
{
    sc_state *st = sc_of(model);
    return st ? sc_set_caps(st, factor, lo, hi) : TIER_EINVAL;
}

static int sc_set_bands(sc_state *st, size_t factor, const double *edges, size_t n,
                             const double *fractions)
{
    int rc = TIER_OK;
    sc_factor *f = factor_of(st, factor, TIER_SCORECARD_NORM_BANDS, "bands", &rc);
    double *e, *fr;
    size_t i;
    if (!f)
        return rc;
    if (n == 0 || n > SC_MAX_BANDS) {
        tier__errorf(st->err, "factor \"%s\": %lu band edges (need 1..%d)", f->name,
                     (unsigned long)n, SC_MAX_BANDS);
        return TIER_ERANGE;
    }
    if (!edges || !fractions) {
        tier__errorf(st->err, "factor \"%s\": no edges or fractions", f->name);
        return TIER_EINVAL;
    }
    for (i = 0; i < n; i++)
        if (!isfinite(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1]))) {
            tier__errorf(st->err,
                         "factor \"%s\": band edges must be finite and strictly "
                         "ascending (edge %lu)",
                         f->name, (unsigned long)i);
            return TIER_EINVAL;
        }
    for (i = 0; i <= n; i++)
        if (!(fractions[i] >= 0 && fractions[i] <= 1)) {
            tier__errorf(st->err, "factor \"%s\": band fraction %lu (%g) is not in [0, 1]", f->name,
                         (unsigned long)i, fractions[i]);
            return TIER_EINVAL;
        }
    e = tier__malloc(&st->alloc, n * sizeof *e);
    fr = tier__malloc(&st->alloc, (n + 1) * sizeof *fr);
    if (!e || !fr) {
        tier__free(&st->alloc, e);
        tier__free(&st->alloc, fr);
        tier__errorf(st->err, "out of memory setting bands");
        return TIER_ENOMEM;
    }
    memcpy(e, edges, n * sizeof *e);
    memcpy(fr, fractions, (n + 1) * sizeof *fr);
    tier__free(&st->alloc, f->edges);
    tier__free(&st->alloc, f->fractions);
    f->edges = e;
    f->fractions = fr;
    f->nbands = n;
    st->err[0] = '\0';
    return TIER_OK;
}

int tier_scorecard_set_bands(tier_model *model, size_t factor, const double *edges, size_t n,
                             const double *fractions)
{
    sc_state *st = sc_of(model);
    return st ? sc_set_bands(st, factor, edges, n, fractions) : TIER_EINVAL;
}

static int sc_set_impute(sc_state *st, size_t factor, double value)
{
    int rc = TIER_OK;
    sc_factor *f = factor_of(st, factor, 0, NULL, &rc);
    if (!f)
        return rc;
    if (f->missing != TIER_SCORECARD_MISSING_IMPUTE || isinf(value)) {
        tier__errorf(st->err, "factor \"%s\": %s", f->name,
                     isinf(value) ? "the imputed value must be finite (NaN = fitted median)"
                                  : "its missing-value policy is not impute");
        return TIER_EINVAL;
    }
    f->impute = value;
    st->err[0] = '\0';
    return TIER_OK;
}

int tier_scorecard_set_impute(tier_model *model, size_t factor, double value)
{
    sc_state *st = sc_of(model);
    return st ? sc_set_impute(st, factor, value) : TIER_EINVAL;
}

static int add_cond(sc_state *st, const char *what, const char *name, const char *column, int op,
                    double threshold, double points, int grade)
{
    sc_cond c, **list;
    size_t *count, *cap, i;
    void *p;
    list = grade < 0 ? &st->pens : &st->vetoes;
    count = grade < 0 ? &st->npens : &st->nvetoes;
    cap = grade < 0 ? &st->cap_pens : &st->cap_vetoes;
    if (!valid_text(name, SC_MAX_NAME) || !valid_column(column)) {
        tier__errorf(st->err,
                     "%s: name (1..%d bytes) or column (\"attr.NAME\" or a frame column) "
                     "is not valid",
                     what, SC_MAX_NAME);
        return TIER_EINVAL;
    }
    if (op < TIER_OP_LT || op > TIER_OP_GT || !isfinite(threshold)) {
        tier__errorf(st->err, "%s \"%s\": unknown operator %d or threshold %g not finite", what,
                     name, op, threshold);
        return TIER_EINVAL;
    }
    for (i = 0; i < *count; i++)
        if (strcmp((*list)[i].name, name) == 0) {
            tier__errorf(st->err, "%s \"%s\" already exists", what, name);
            return TIER_EINVAL;
        }
    if (*count >= SC_MAX_CONDS) {
        tier__errorf(st->err, "more than %d %s rules", SC_MAX_CONDS, what);
        return TIER_ERANGE;
    }
    memset(&c, 0, sizeof c);
    c.op = op;
    c.threshold = threshold;
    c.points = points;
    c.grade = grade;
    c.name = tier__strdup(&st->alloc, name);
    c.column = tier__strdup(&st->alloc, column);
    p = *list;
    if (!c.name || !c.column || tier__grow(&st->alloc, &p, cap, *count + 1, sizeof c) != TIER_OK) {
        free_cond(&st->alloc, &c);
        tier__errorf(st->err, "out of memory adding %s \"%s\"", what, name);
        return TIER_ENOMEM;
    }
    *list = p;
    (*list)[(*count)++] = c;
    st->err[0] = '\0';
    return TIER_OK;
}

static int sc_add_penalty(sc_state *st, const char *name, const char *column, int op,
                          double threshold, double points)
{
    if (!(points >= -100 && points < 0)) {
        tier__errorf(st->err, "penalty \"%s\": points %g must be in [-100, 0)", name ? name : "",
                     points);
        return TIER_EINVAL;
    }
    return add_cond(st, "penalty", name, column, op, threshold, points, -1);
}

int tier_scorecard_add_penalty(tier_model *model, const char *name, const char *column, int op,
                               double threshold, double points)
{
    sc_state *st = sc_of(model);
    return st ? sc_add_penalty(st, name, column, op, threshold, points) : TIER_EINVAL;
}

static int sc_add_veto(sc_state *st, const char *name, const char *column, int op,
                       double threshold, const char *max_grade)
{
    int g;
    if (!max_grade || max_grade[0] < 'A' || max_grade[0] > 'E' || max_grade[1] != '\0') {
        tier__errorf(st->err, "veto \"%s\": the grade cap must be one of A, B, C, D, E",
                     name ? name : "");
        return TIER_EINVAL;
    }
    g = max_grade[0] - 'A';
    return add_cond(st, "veto", name, column, op, threshold, 0, g);
}

int tier_scorecard_add_veto(tier_model *model, const char *name, const char *column, int op,
                            double threshold, const char *max_grade)
{
    sc_state *st = sc_of(model);
    return st ? sc_add_veto(st, name, column, op, threshold, max_grade) : TIER_EINVAL;
}

/* Non-increasing lower bounds in [0, 100] for A, B, C, D. */
static int check_grade_bands(const double lower[4], char *err)
{
    int i;
    for (i = 0; i < 4; i++)
        if (!(lower[i] >= 0 && lower[i] <= 100) || (i > 0 && lower[i] > lower[i - 1])) {
            tier__errorf(err,
                         "grade bands must be non-increasing lower bounds in [0, 100] "
                         "for A, B, C, D (band %d is %g)",
                         i, lower[i]);
            return TIER_EINVAL;
        }
    return TIER_OK;
}

int tier_scorecard_set_grade_bands(tier_model *model, const double lower[4])
{
    sc_state *st = sc_of(model);
    if (!st)
        return TIER_EINVAL;
    if (!lower) {
        tier__errorf(st->err, "no grade bands");
        return TIER_EINVAL;
    }
    if (check_grade_bands(lower, st->err) != TIER_OK)
        return TIER_EINVAL;
    memcpy(st->lower, lower, sizeof st->lower);
    st->err[0] = '\0';
    return TIER_OK;
}

size_t tier_scorecard_factor_count(const tier_model *model)
{
    const sc_state *st = sc_of(model);
    return st ? st->nfactors : 0;
}

const char *tier_scorecard_factor_name(const tier_model *model, size_t factor)
{
    const sc_state *st = sc_of(model);
    return st && factor < st->nfactors ? st->factors[factor].name : NULL;
}

/* ---- the B2B default --------------------------------------------------------------------- */

int tier_scorecard_new_b2b(tier_model **out, const char *name, const tier_allocator *alloc)
{
    static const double growth_edges[3] = {0.0, 0.10, 0.25};
    static const double growth_fr[4] = {0.0, 0.4, 0.7, 1.0};
    static const double referral_edges[2] = {1, 3};
    static const double referral_fr[3] = {0.0, 0.6, 1.0};
    enum {
        PCT = TIER_SCORECARD_NORM_PERCENTILE,
        MINMAX = TIER_SCORECARD_NORM_MINMAX,
        BANDS = TIER_SCORECARD_NORM_BANDS
    };
    enum { UP = TIER_SCORECARD_HIGHER_IS_BETTER };
    enum {
        REWEIGHT = TIER_SCORECARD_MISSING_REWEIGHT,
        IMPUTE = TIER_SCORECARD_MISSING_IMPUTE,
        ZERO = TIER_SCORECARD_MISSING_ZERO
    };
    enum {
        EXPL = TIER_SCORECARD_EXPLICIT,
        POT = TIER_SCORECARD_POTENTIAL,
        GROW = TIER_SCORECARD_GROWTH
    };
    tier_model *m = NULL;
    size_t margin = 0, modules = 0, growth = 0, years = 0, referrals = 0;
    int rc;
    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    rc = tier_scorecard_new(&m, name, alloc);
    if (rc)
        return rc;
    /* Explicit value 45: what the account pays now. */
    if (!rc)
        rc = tier_scorecard_add_factor(m, "contract_arr", "attr.contract_arr", 20, EXPL, PCT, UP,
                                       ZERO, NULL);
    if (!rc)
        rc = tier_scorecard_add_factor(m, "gross_margin", "attr.gross_margin", 10, EXPL, MINMAX, UP,
                                       IMPUTE, &margin);
    if (!rc)
        rc = tier_scorecard_add_factor(m, "spend", "rfm.m", 15, EXPL, PCT, UP, ZERO, NULL);
    /* Potential value 25: what it could pay. */
    if (!rc)
        rc = tier_scorecard_add_factor(m, "employees", "attr.employees", 15, POT, PCT, UP, REWEIGHT,
                                       NULL);
    if (!rc)
        rc = tier_scorecard_add_factor(m, "modules_used", "attr.modules_used", 10, POT, MINMAX, UP,
                                       ZERO, &modules);
    /* Growth value 30: how fast it grows and how close the relationship is. */
    if (!rc)
        rc = tier_scorecard_add_factor(m, "growth_rate", "attr.growth_rate", 15, GROW, BANDS, UP,
                                       REWEIGHT, &growth);
    if (!rc)
        rc = tier_scorecard_add_factor(m, "years_cooperation", "attr.years_cooperation", 10, GROW,
                                       MINMAX, UP, REWEIGHT, &years);
    if (!rc)
        rc = tier_scorecard_add_factor(m, "referrals", "attr.referrals", 5, GROW, BANDS, UP, ZERO,
                                       &referrals);
    if (!rc)
        rc = tier_scorecard_set_caps(m, margin, 0.0, 0.5);
    if (!rc)
        rc = tier_scorecard_set_caps(m, modules, 0.0, NAN);
    if (!rc)
        rc = tier_scorecard_set_caps(m, years, 0.0, 10.0);
    if (!rc)
        rc = tier_scorecard_set_bands(m, growth, growth_edges, 3, growth_fr);
    if (!rc)
        rc = tier_scorecard_set_bands(m, referrals, referral_edges, 2, referral_fr);
    /* Negative factors. */
    if (!rc)
        rc = tier_scorecard_add_penalty(m, "defaults", "attr.defaults", TIER_OP_GT, 0, -15);
    if (!rc)
        rc = tier_scorecard_add_penalty(m, "support_load", "attr.support_tickets", TIER_OP_GT, 24,
                                        -5);
    if (!rc)
        rc = tier_scorecard_add_penalty(m, "poor_payment", "attr.payment_score", TIER_OP_LT, 50,
                                        -10);
    if (!rc)
        rc = tier_scorecard_add_veto(m, "arrears", "attr.arrears_days", TIER_OP_GT, 90, "C");
    if (rc) {
        tier_model_free(m);
        return rc;
    }
    *out = m;
    return TIER_OK;
}

/* ---- options and saved state (docs/scorecard.md, docs/model-state-format.md) --------------- */

static int sc_set_option(void *state, const char *name, const tier_value *value)
{
    sc_state *st = state;
    double lower[4];
    int g = name[6] - 'a';
    memcpy(lower, st->lower, sizeof lower);
    lower[g] = tier_value_number(value);
    if (check_grade_bands(lower, st->err) != TIER_OK)
        return TIER_ERANGE;
    memcpy(st->lower, lower, sizeof lower);
    st->err[0] = '\0';
    return TIER_OK;
}

static int sc_get_option(void *state, const char *name, tier_value *out)
{
    const sc_state *st = state;
    return tier_value_set_number(out, st->lower[name[6] - 'a']);
}

static const char *const norm_names[4] = {"percentile", "minmax", "bands", "boolean"};
static const char *const dir_names[2] = {"higher", "lower"};
static const char *const missing_names[3] = {"reweight", "impute", "zero"};

static int sc_save(void *state, tier_state_writer *w)
{
    sc_state *st = state;
    size_t i, j;
    int rc = tier__opt_save(w, sc_options, N_OPTIONS, st, sc_get_option, &st->alloc);
    for (i = 0; i < st->nfactors && !rc; i++) {
        const sc_factor *f = &st->factors[i];
        tier_state_write_key(w, "factor");
        tier_state_write_text(w, f->name);
        tier_state_write_text(w, f->column);
        tier_state_write_number(w, f->weight);
        tier_state_write_text(w, group_names[f->group - 1]);
        tier_state_write_text(w, norm_names[f->norm - 1]);
        tier_state_write_text(w, dir_names[f->dir - 1]);
        tier_state_write_text(w, missing_names[f->missing - 1]);
        if (f->norm == TIER_SCORECARD_NORM_MINMAX) {
            tier_state_write_key(w, "factor.caps");
            tier_state_write_number(w, f->cap_lo);
            tier_state_write_number(w, f->cap_hi);
        }
        if (f->nbands) {
            tier_state_write_key(w, "factor.bands");
            tier_state_write_numbers(w, f->edges, f->nbands);
            tier_state_write_key(w, "factor.fractions");
            tier_state_write_numbers(w, f->fractions, f->nbands + 1);
        }
        if (f->missing == TIER_SCORECARD_MISSING_IMPUTE) {
            tier_state_write_key(w, "factor.impute");
            tier_state_write_number(w, f->impute);
        }
        if (f->has_stats) {
            tier_state_write_key(w, "factor.stats");
            tier_state_write_number(w, f->fmin);
            tier_state_write_number(w, f->fmax);
            tier_state_write_number(w, f->fmedian);
        }
        if (f->uniq) {
            tier_state_write_key(w, "factor.reference");
            tier_state_write_numbers(w, f->uniq, f->nuniq);
            tier_state_write_key(w, "factor.below");
            for (j = 0; j <= f->nuniq; j++)
                tier_state_write_number(w, (double)f->below[j]);
        }
    }
    for (i = 0; i < st->npens + st->nvetoes; i++) {
        const sc_cond *c = i < st->npens ? &st->pens[i] : &st->vetoes[i - st->npens];
        char grade[2] = {0, 0};
        tier_state_write_key(w, i < st->npens ? "penalty" : "veto");
        tier_state_write_text(w, c->name);
        tier_state_write_text(w, c->column);
        tier_state_write_text(w, op_names[c->op]);
        tier_state_write_number(w, c->threshold);
        if (i < st->npens) {
            rc = tier_state_write_number(w, c->points);
        } else {
            grade[0] = (char)('A' + c->grade);
            rc = tier_state_write_text(w, grade);
        }
    }
    return rc;
}

/* Index of `t` among names[0..n), or -1. */
static int index_of(const char *t, const char *const *names, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (strcmp(t, names[i]) == 0)
            return i;
    return -1;
}

/* Reads value i of the current record as a text (NULL when it is not one). */
static const char *text_at(tier_state_reader *r, size_t i)
{
    const char *t = NULL;
    if (tier_state_read_type(r, i) != TIER_OPTION_TEXT || tier_state_read_text(r, i, &t))
        return NULL;
    return t;
}

static double number_at(tier_state_reader *r, size_t i)
{
    double v = NAN;
    if (tier_state_read_type(r, i) == TIER_OPTION_NUMBER)
        (void)tier_state_read_number(r, i, &v);
    return v;
}

/* "factor NAME COLUMN WEIGHT GROUP NORMALISATION DIRECTION MISSING" into tmp. */
static int load_factor(sc_state *tmp, tier_state_reader *r)
{
    const char *name = text_at(r, 0), *column = text_at(r, 1), *g = text_at(r, 3);
    const char *nm = text_at(r, 4), *d = text_at(r, 5), *mi = text_at(r, 6);
    int gi, ni, di, mii;
    if (tier_state_read_count(r) != 7 || !name || !column || !g || !nm || !d || !mi ||
        tier_state_read_type(r, 2) != TIER_OPTION_NUMBER)
        return tier_state_read_fail(r, "a factor is: name column weight group normalisation "
                                       "direction missing");
    gi = index_of(g, group_names, 3);
    ni = index_of(nm, norm_names, 4);
    di = index_of(d, dir_names, 2);
    mii = index_of(mi, missing_names, 3);
    if (gi < 0 || ni < 0 || di < 0 || mii < 0)
        return tier_state_read_fail(r, "unknown group, normalisation, direction or missing-value "
                                       "policy");
    if (sc_add_factor(tmp, name, column, number_at(r, 2), gi + 1, ni + 1, di + 1, mii + 1, NULL))
        return tier_state_read_fail(r, tmp->err);
    return TIER_OK;
}

/* "penalty NAME COLUMN OP THRESHOLD POINTS" or "veto NAME COLUMN OP THRESHOLD GRADE". */
static int load_cond(sc_state *tmp, tier_state_reader *r, int veto)
{
    const char *name = text_at(r, 0), *column = text_at(r, 1), *op = text_at(r, 2);
    const char *grade = veto ? text_at(r, 4) : NULL;
    int o, rc;
    if (tier_state_read_count(r) != 5 || !name || !column || !op ||
        tier_state_read_type(r, 3) != TIER_OPTION_NUMBER || (veto && !grade) ||
        (!veto && tier_state_read_type(r, 4) != TIER_OPTION_NUMBER))
        return tier_state_read_fail(r, veto ? "a veto is: name column operator threshold grade"
                                            : "a penalty is: name column operator threshold "
                                              "points");
    o = index_of(op, op_names + 1, 6);
    if (o < 0)
        return tier_state_read_fail(r, "unknown operator (<, <=, ==, !=, >=, >)");
    rc = veto ? sc_add_veto(tmp, name, column, o + 1, number_at(r, 3), grade)
              : sc_add_penalty(tmp, name, column, o + 1, number_at(r, 3), number_at(r, 4));
    return rc ? tier_state_read_fail(r, tmp->err) : TIER_OK;
}

/* The fitted reference of a percentile factor: strictly ascending finite values and the counts
 * below each (below[0] = 0, strictly increasing, n + 1 of them). */
static int load_reference(sc_state *tmp, sc_factor *f, tier_state_reader *r, int below)
{
    size_t n = tier_state_read_count(r), i;
    double v;
    if (f->norm != TIER_SCORECARD_NORM_PERCENTILE || !f->has_stats)
        return tier_state_read_fail(r, "a reference belongs to a fitted percentile factor");
    if (!below) {
        if (f->uniq || n == 0)
            return tier_state_read_fail(r, "the reference is given twice or empty");
        if (!(f->uniq = tier__malloc(&tmp->alloc, n * sizeof *f->uniq)))
            return TIER_ENOMEM;
        f->nuniq = n;
        if (tier_state_read_numbers(r, f->uniq, n) != TIER_OK)
            return TIER_ECORRUPT;
        for (i = 0; i < n; i++)
            if (!isfinite(f->uniq[i]) || (i && !(f->uniq[i] > f->uniq[i - 1])))
                return tier_state_read_fail(r, "reference values must be finite and strictly "
                                               "ascending");
        return TIER_OK;
    }
    if (!f->uniq || f->below || n != f->nuniq + 1)
        return tier_state_read_fail(r, "the counts must follow the reference, one more than its "
                                       "values");
    if (!(f->below = tier__malloc(&tmp->alloc, n * sizeof *f->below)))
        return TIER_ENOMEM;
    for (i = 0; i < n; i++) {
        if (tier_state_read_number(r, i, &v) != TIER_OK)
            return TIER_ECORRUPT;
        if (!(v >= 0 && v <= 1e15 && v == floor(v)) || (i == 0 && v != 0) ||
            (i && !(v > (double)f->below[i - 1])))
            return tier_state_read_fail(r, "counts must be whole, start at 0 and increase");
        f->below[i] = (size_t)v;
    }
    f->nref = f->below[n - 1];
    return TIER_OK;
}

/* A "factor.*" record for the last factor read. */
static int load_factor_part(sc_state *tmp, tier_state_reader *r, const char *part,
                            double *edges, size_t *nedges)
{
    sc_factor *f = tmp->nfactors ? &tmp->factors[tmp->nfactors - 1] : NULL;
    size_t n = tier_state_read_count(r), last = tmp->nfactors - 1;
    double v[3];
    char msg[80];
    if (!f)
        return tier_state_read_fail(r, "a factor detail before any factor");
    if (strcmp(part, "caps") == 0) {
        if (tier_state_read_numbers(r, v, 2) != TIER_OK)
            return TIER_ECORRUPT;
        return sc_set_caps(tmp, last, v[0], v[1]) ? tier_state_read_fail(r, tmp->err) : TIER_OK;
    }
    if (strcmp(part, "impute") == 0) {
        if (tier_state_read_numbers(r, v, 1) != TIER_OK)
            return TIER_ECORRUPT;
        return sc_set_impute(tmp, last, v[0]) ? tier_state_read_fail(r, tmp->err) : TIER_OK;
    }
    if (strcmp(part, "bands") == 0) {
        if (*nedges || n == 0 || n > SC_MAX_BANDS) {
            snprintf(msg, sizeof msg, "1 to %d band edges, once per factor", SC_MAX_BANDS);
            return tier_state_read_fail(r, msg);
        }
        *nedges = n;
        return tier_state_read_numbers(r, edges, n);
    }
    if (strcmp(part, "fractions") == 0) {
        double fr[SC_MAX_BANDS + 1];
        if (!*nedges || n != *nedges + 1)
            return tier_state_read_fail(r, "the fractions follow the bands, one more than edges");
        if (tier_state_read_numbers(r, fr, n) != TIER_OK)
            return TIER_ECORRUPT;
        n = *nedges;
        *nedges = 0;
        return sc_set_bands(tmp, last, edges, n, fr) ? tier_state_read_fail(r, tmp->err) : TIER_OK;
    }
    if (strcmp(part, "stats") == 0) {
        if (f->has_stats)
            return tier_state_read_fail(r, "the stats are given twice");
        if (tier_state_read_numbers(r, v, 3) != TIER_OK)
            return TIER_ECORRUPT;
        if (!isfinite(v[0]) || !isfinite(v[1]) || !isfinite(v[2]) || !(v[0] <= v[2]) ||
            !(v[2] <= v[1]))
            return tier_state_read_fail(r, "stats are a finite minimum <= median <= maximum");
        f->has_stats = 1;
        f->fmin = v[0];
        f->fmax = v[1];
        f->fmedian = v[2];
        return TIER_OK;
    }
    if (strcmp(part, "reference") == 0 || strcmp(part, "below") == 0)
        return load_reference(tmp, f, r, part[0] == 'b');
    snprintf(msg, sizeof msg, "unknown record \"factor.%.40s\"", part);
    return tier_state_read_fail(r, msg);
}

static int sc_load(void *state, tier_state_reader *r)
{
    sc_state *st = state, tmp;
    double edges[SC_MAX_BANDS];
    size_t nedges = 0, i;
    const char *key;
    char why[TIER__ERR_SIZE];
    tier_value val;
    int rc;

    memset(&tmp, 0, sizeof tmp);
    tmp.alloc = st->alloc;
    memcpy(tmp.lower, default_lower, sizeof tmp.lower);
    tier__value_init(&val, &st->alloc);
    while ((rc = tier_state_read_next(r, &key)) == 1) {
        const tier_model_option *o = NULL;
        rc = tier__opt_read(r, key, sc_options, N_OPTIONS, &val, &o);
        if (rc < 0)
            break;
        if (rc == 1) {
            rc = TIER_OK;
            tmp.lower[o->name[6] - 'a'] = tier_value_number(&val);
            continue;
        }
        if (nedges && strcmp(key, "factor.fractions") != 0) {
            rc = tier_state_read_fail(r, "band edges without fractions");
            break;
        }
        if (strcmp(key, "factor") == 0)
            rc = load_factor(&tmp, r);
        else if (strncmp(key, "factor.", 7) == 0)
            rc = load_factor_part(&tmp, r, key + 7, edges, &nedges);
        else if (strcmp(key, "penalty") == 0 || strcmp(key, "veto") == 0)
            rc = load_cond(&tmp, r, key[0] == 'v');
        else {
            snprintf(why, sizeof why, "unknown record \"%s\"", key);
            rc = tier_state_read_fail(r, why);
        }
        if (rc < 0)
            break;
    }
    tier__value_clear(&val);
    if (rc == 0 && nedges)
        rc = tier_state_read_fail(r, "band edges without fractions");
    if (rc == 0 && check_grade_bands(tmp.lower, why) != TIER_OK)
        rc = tier_state_read_fail(r, why);
    for (i = 0; rc == 0 && i < tmp.nfactors; i++) {
        const sc_factor *f = &tmp.factors[i];
        if (f->norm == TIER_SCORECARD_NORM_PERCENTILE && f->has_stats && !f->below) {
            snprintf(why, sizeof why, "factor \"%s\" has stats but no reference and counts",
                     f->name);
            rc = tier_state_read_fail(r, why);
        }
    }
    if (rc == 0 && check_config(&tmp, why) != TIER_OK)
        rc = tier_state_read_fail(r, why);
    if (rc) {
        if (rc == TIER_ENOMEM)
            tier__errorf(st->err, "out of memory loading a scorecard");
        sc_clear(&tmp);
        return rc;
    }
    sc_clear(st);
    st->factors = tmp.factors;
    st->nfactors = tmp.nfactors;
    st->cap_factors = tmp.cap_factors;
    st->pens = tmp.pens;
    st->npens = tmp.npens;
    st->cap_pens = tmp.cap_pens;
    st->vetoes = tmp.vetoes;
    st->nvetoes = tmp.nvetoes;
    st->cap_vetoes = tmp.cap_vetoes;
    memcpy(st->lower, tmp.lower, sizeof st->lower);
    st->err[0] = '\0';
    return TIER_OK;
}
