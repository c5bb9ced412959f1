/* SPDX-License-Identifier: MIT */
/* The clv model's fit summary (vtable version 4, docs/fit-summary-format.md): the fit reads the
 * customers' (x, t_x, T, m) rows only as two multisets, the purchase model's (x, t_x, T) and
 * Gamma-Gamma's (x, m) of the repeat customers with a positive mean (tier__clv_fit sorts the rows
 * and merges identical ones with their weights), plus two counts. A summary holds them as the
 * distinct rows with their counts; summaries add up, and the union fits exactly as the whole. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/clv/clv_internal.h"
#include "models/clv/clv_numeric.h"
#include "util/state.h"

/* Counts are whole numbers below 2^53: sums of them are exact in any order. */
#define COUNT_MAX 9007199254740992.0

/* The two multisets and the figures of a fit, from a book or from summaries. */
typedef struct clv_table {
    double kind, unit, end, no_purchase, excluded;
    tier__clv_obs *c, *s; /* purchase rows (m = 0), spend rows (t_x = T = 0) */
    size_t nc, ns, cap_c, cap_s;
} clv_table;

static void table_free(const tier_allocator *a, clv_table *t)
{
    tier__free(a, t->c);
    tier__free(a, t->s);
    t->c = t->s = NULL;
}

static int push(const tier_allocator *a, tier__clv_obs **rows, size_t *n, size_t *cap,
                tier__clv_obs o)
{
    void *p = *rows;
    int rc = tier__grow(a, &p, cap, *n + 1, sizeof o);
    *rows = p;
    if (rc == TIER_OK)
        (*rows)[(*n)++] = o;
    return rc;
}

/* A customer's row into the table, normalised as tier__clv_fit normalises it. */
static int add_customer(const tier_allocator *a, clv_table *t, const tier__clv_obs *o)
{
    tier__clv_obs c = *o;
    int rc;
    c.m = 0.0;
    if (c.x == 0.0)
        c.t_x = 0.0;
    if ((rc = push(a, &t->c, &t->nc, &t->cap_c, c)) != TIER_OK || !(o->x > 0.0))
        return rc;
    if (!(o->m > 0.0)) {
        t->excluded += o->w;
        return TIER_OK;
    }
    c = *o;
    c.t_x = c.T = 0.0;
    return push(a, &t->s, &t->ns, &t->cap_s, c);
}

static int cmp_rows(const void *pa, const void *pb)
{
    const tier__clv_obs *a = pa, *b = pb;
    int c = TIER__CMP(a->x, b->x);
    if (c == 0)
        c = TIER__CMP(a->t_x, b->t_x);
    if (c == 0)
        c = TIER__CMP(a->T, b->T);
    return c ? c : TIER__CMP(a->m, b->m);
}

/* Sorts the rows and merges equal ones, adding their weights. */
static size_t canonical(tier__clv_obs *rows, size_t n)
{
    size_t i, w = 0;
    if (!n)
        return 0;
    qsort(rows, n, sizeof *rows, cmp_rows);
    for (i = 1; i < n; i++) {
        if (cmp_rows(&rows[i], &rows[w]) == 0)
            rows[w].w += rows[i].w;
        else
            rows[++w] = rows[i];
    }
    return w + 1;
}

static void write_one(tier_state_writer *w, const char *key, double v)
{
    tier_state_write_key(w, key);
    tier_state_write_number(w, v);
}

/* The table as records, in canonical order. */
static int write_table(tier_state_writer *w, clv_table *t)
{
    size_t i;
    t->nc = canonical(t->c, t->nc);
    t->ns = canonical(t->s, t->ns);
    write_one(w, "purchase_model", t->kind);
    write_one(w, "time_unit", t->unit);
    write_one(w, "calibration_end", t->end);
    write_one(w, "no_purchase", t->no_purchase);
    write_one(w, "excluded", t->excluded);
    for (i = 0; i < t->nc; i++) {
        const double v[4] = {t->c[i].x, t->c[i].t_x, t->c[i].T, t->c[i].w};
        tier_state_write_key(w, "c");
        tier_state_write_numbers(w, v, 4);
    }
    for (i = 0; i < t->ns; i++) {
        const double v[3] = {t->s[i].x, t->s[i].m, t->s[i].w};
        tier_state_write_key(w, "s");
        tier_state_write_numbers(w, v, 3);
    }
    return TIER_OK; /* the writer latches its failures */
}

int tier__clv_model_fit_summary(void *state, const tier_book *book, const tier_frame *inputs,
                                tier_state_writer *w)
{
    clv_state *st = state;
    clv_table t;
    clv_fit f;
    tier__clv_obs *rows = NULL;
    size_t i, m = 0;
    int rc;
    (void)inputs;
    memset(&t, 0, sizeof t);
    rc = tier__clv_book_rows(st, book, &f, &rows, &m);
    for (i = 0; i < m && rc == TIER_OK; i++)
        if ((rc = add_customer(&st->h.alloc, &t, &rows[i])) != TIER_OK)
            tier__errorf(st->h.err, "out of memory for the summary of %lu customers",
                         (unsigned long)m);
    if (rc == TIER_OK) {
        t.kind = f.kind;
        t.unit = f.unit;
        t.end = f.calibration_end;
        t.no_purchase = f.no_purchase;
        rc = write_table(w, &t);
    }
    tier__free(&st->h.alloc, rows);
    table_free(&st->h.alloc, &t);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------------ */

static int whole(double v, double lo, double hi)
{
    return v >= lo && v <= hi && v == floor(v);
}

/* The next record must be `key NUMBER` with a whole number in [lo, hi]. */
static int read_scalar(tier_state_reader *r, const char *key, double lo, double hi, double *out)
{
    const char *k = NULL;
    char msg[96];
    /* (a reader that failed before keeps its own error: tier_state_read_fail returns it) */
    if (tier_state_read_next(r, &k) == 1 && strcmp(k, key) == 0 &&
        tier_state_read_numbers(r, out, 1) == TIER_OK && whole(*out, lo, hi))
        return TIER_OK;
    snprintf(msg, sizeof msg, "expected %s and a whole number from %.0f to %.0f", key, lo, hi);
    return tier_state_read_fail(r, msg);
}

/* The header scalars of one summary; the same for every summary and the model's options
 * (`want` the end the model's options give, when has_end). */
static int read_head(const clv_state *st, tier_state_reader *r, clv_table *t, size_t i, int has_end,
                     int32_t want)
{
    double kind = 0, unit = 0, end = 0, np = 0, ex = 0; /* (set on success only) */
    char msg[160];
    int rc;
    if ((rc = read_scalar(r, "purchase_model", 1, 2, &kind)) ||
        (rc = read_scalar(r, "time_unit", 1, 366, &unit)) ||
        (rc = read_scalar(r, "calibration_end", TIER_DAY_MIN, TIER_DAY_MAX, &end)) ||
        (rc = read_scalar(r, "no_purchase", 0, COUNT_MAX, &np)) ||
        (rc = read_scalar(r, "excluded", 0, COUNT_MAX, &ex)))
        return rc;
    if (i == 0 && (kind != st->opt[CLV_OPT_PURCHASE_MODEL] || unit != st->opt[CLV_OPT_TIME_UNIT] ||
                   (has_end && end != (double)want))) {
        char model_end[32] = "any (its options set none)";
        if (has_end)
            snprintf(model_end, sizeof model_end, "%ld", (long)want);
        snprintf(msg, sizeof msg,
                 "made with purchase_model %.0f, time_unit %.0f, calibration end %.0f; the model "
                 "has purchase_model %.0f, time_unit %.0f, calibration end %s",
                 kind, unit, end, st->opt[CLV_OPT_PURCHASE_MODEL], st->opt[CLV_OPT_TIME_UNIT],
                 model_end);
        return tier_state_read_fail(r, msg);
    }
    if (i > 0 && (kind != t->kind || unit != t->unit || end != t->end)) {
        snprintf(msg, sizeof msg,
                 "made with purchase_model %.0f, time_unit %.0f, calibration end %.0f; summary 1 "
                 "with %.0f, %.0f, %.0f",
                 kind, unit, end, t->kind, t->unit, t->end);
        return tier_state_read_fail(r, msg);
    }
    t->kind = kind;
    t->unit = unit;
    t->end = end;
    t->no_purchase += np;
    t->excluded += ex;
    if (!(t->no_purchase <= COUNT_MAX && t->excluded <= COUNT_MAX))
        return tier_state_read_fail(r, "the counts of the summaries add up beyond 2^53");
    return TIER_OK;
}

/* One "c X T_X T W" or "s X M W" record into the table. */
static int read_row(clv_state *st, tier_state_reader *r, const char *key, clv_table *t)
{
    double v[4] = {0, 0, 0, 0};
    tier__clv_obs o;
    int spend = strcmp(key, "s") == 0;
    size_t nv = spend ? 3 : 4;
    if (!spend && strcmp(key, "c") != 0)
        return tier_state_read_fail(r, "unknown record (expected c or s rows)");
    if (tier_state_read_numbers(r, v, nv) != TIER_OK)
        return tier_state_read_fail(r, "bad row"); /* the reader's own error stays */
    memset(&o, 0, sizeof o);
    o.x = v[0];
    o.w = v[nv - 1];
    if (spend)
        o.m = v[1];
    else {
        o.t_x = v[1];
        o.T = v[2];
    }
    if (!whole(o.w, 1, COUNT_MAX) || !whole(o.x, spend ? 1 : 0, COUNT_MAX) ||
        (spend && !(o.m > 0.0 && o.m < HUGE_VAL)) ||
        (!spend && (!tier__clv_count_row_ok(o.x, o.t_x, o.T) || (o.x == 0.0 && o.t_x != 0.0))))
        return tier_state_read_fail(r, spend ? "an s row needs a whole x >= 1, a finite m > 0 "
                                               "and a whole count >= 1"
                                             : "a c row needs a whole x >= 0, 0 <= t_x <= T "
                                               "(t_x 0 when x is 0) and a whole count >= 1");
    return spend ? push(&st->h.alloc, &t->s, &t->ns, &t->cap_s, o)
                 : push(&st->h.alloc, &t->c, &t->nc, &t->cap_c, o);
}

/* Every summary into one table: TIER_OK, or the failure (the model's options contradicting,
 * TIER_EINVAL; a bad summary, TIER_ECORRUPT; TIER_ENOMEM). */
static int read_all(clv_state *st, tier_state_reader *const *readers, size_t n, clv_table *t)
{
    int32_t want = 0;
    int has_end = 0, rc = tier__clv_resolve_end(st->opt, NULL, &want, &has_end, st->h.err);
    size_t i;
    for (i = 0; i < n && rc == TIER_OK; i++) {
        const char *key = NULL;
        rc = read_head(st, readers[i], t, i, has_end, want);
        /* every line's syntax was checked when the reader opened: next fails only after a
         * record refused here, returning that status */
        while (rc == TIER_OK && (rc = tier_state_read_next(readers[i], &key)) == 1)
            rc = read_row(st, readers[i], key, t);
    }
    return rc;
}

/* Fits the state from the table (both sub-models, as the whole book's fit). */
static int fit_table(clv_state *st, clv_table *t)
{
    /* the repeat customers without a positive mean: counted by the Gamma-Gamma fit as excluded,
     * not fitted (a row of weight 0, when there are none, is skipped by it) */
    tier__clv_obs ex = {1.0, 0.0, 0.0, 0.0, 0.0};
    clv_fit f;
    double customers = 0.0;
    size_t i;
    int rc = tier__clv_check_periods(st->opt, t->unit, st->h.err);
    memset(&f, 0, sizeof f);
    for (i = 0; i < t->nc; i++)
        customers += t->c[i].w;
    f.kind = (int)t->kind;
    f.unit = t->unit;
    f.calibration_end = t->end;
    f.no_purchase = t->no_purchase;
    if (rc == TIER_OK && customers == 0.0) {
        tier__clv_no_purchase_error(st->h.err, (int32_t)t->end);
        rc = TIER_EINVAL;
    }
    ex.w = t->excluded;
    if (rc == TIER_OK && (rc = push(&st->h.alloc, &t->s, &t->ns, &t->cap_s, ex)) != TIER_OK)
        tier__errorf(st->h.err, "out of memory");
    if (rc == TIER_OK) {
        const tier__clv_obs *const both[2] = {t->c, t->s};
        const size_t counts[2] = {t->nc, t->ns};
        rc = tier__clv_fit_subs(st, &f, both, counts, customers);
    }
    return rc;
}

int tier__clv_model_fit_summaries(void *state, tier_state_reader *const *readers, size_t n,
                                  tier_state_writer *merged)
{
    clv_state *st = state;
    clv_table t;
    int rc;
    memset(&t, 0, sizeof t);
    rc = read_all(st, readers, n, &t);
    if (rc == TIER_OK)
        rc = merged ? write_table(merged, &t) : fit_table(st, &t);
    table_free(&st->h.alloc, &t);
    return rc;
}

void tier__clv_part_free(const tier_allocator *a, clv_part *p)
{
    int sub;
    for (sub = 0; sub < 2; sub++) {
        tier__free(a, p->rows[sub]);
        tier__free(a, p->bucket[sub]);
    }
    memset(p, 0, sizeof *p);
}

#define SUMMARY_MAGIC "tier-fit-summary"

/* One summary text into the table (checked against the model's options): TIER_OK or the
 * failure, named in st->h.err ("the part's fit summary: ..."). */
static int read_one(clv_state *st, const char *text, size_t len, clv_table *t)
{
    tier_state_reader r, *rp = &r;
    int rc = tier__state_reader_open_sealed(&r, &st->h.alloc, text, len, SUMMARY_MAGIC,
                                            "fit summary", "clv");
    if (rc == TIER_OK)
        rc = read_all(st, &rp, 1, t);
    if (rc == TIER_OK)
        rc = tier__state_reader_check_end(&r);
    if (rc != TIER_OK && rc != TIER_ENOMEM && r.status)
        tier__errorf(st->h.err, "the part's fit summary: %s", r.err);
    tier__state_reader_close(&r);
    return rc;
}

int tier__clv_part_rows(clv_state *st, const char *text, size_t len, clv_part *out)
{
    clv_table t;
    tier__clv_obs ex = {1.0, 0.0, 0.0, 0.0, 0.0};
    size_t i;
    int rc, sub;
    memset(&t, 0, sizeof t);
    memset(out, 0, sizeof *out);
    rc = read_one(st, text, len, &t);
    ex.w = t.excluded;
    if (rc == TIER_OK)
        rc = push(&st->h.alloc, &t.s, &t.ns, &t.cap_s, ex);
    out->kind = t.kind;
    out->unit = t.unit;
    out->end = t.end;
    out->no_purchase = t.no_purchase;
    for (i = 0; i < t.nc; i++)
        out->customers += t.c[i].w;
    for (sub = 0; sub < 2 && rc == TIER_OK; sub++)
        rc = tier__clv_fit_rows(&out->rows[sub], &out->bucket[sub], &out->n[sub],
                                &out->excluded[sub],
                                sub ? TIER__CLV_GAMMA_GAMMA : tier__clv_math_kind((int)t.kind),
                                sub ? t.s : t.c, sub ? t.ns : t.nc, &st->h.alloc, st->h.err);
    if (rc == TIER_ENOMEM)
        tier__errorf(st->h.err, "out of memory reading the part's fit summary");
    table_free(&st->h.alloc, &t);
    if (rc != TIER_OK)
        tier__clv_part_free(&st->h.alloc, out);
    return rc;
}

/* The rows of `from` whose bucket is `part` modulo `parts` into to[0..*n). */
static void pick_rows(tier__clv_obs *to, size_t *n, const tier__clv_obs *from, size_t nf,
                      size_t part, size_t parts)
{
    size_t i;
    *n = 0;
    for (i = 0; i < nf; i++)
        if (tier__clv_bucket(&from[i]) % parts == part)
            to[(*n)++] = from[i];
}

int tier__clv_split_summary(clv_state *st, const char *name, const char *text, size_t len,
                            size_t parts, tier_text *out, size_t *ends)
{
    clv_table t, g;
    size_t k;
    int rc;
    memset(&t, 0, sizeof t);
    memset(&g, 0, sizeof g);
    rc = read_one(st, text, len, &t);
    if (rc == TIER_OK) {
        g.c = tier__malloc_n(&st->h.alloc, t.nc ? t.nc : 1, sizeof *g.c);
        g.s = tier__malloc_n(&st->h.alloc, t.ns ? t.ns : 1, sizeof *g.s);
        rc = g.c && g.s ? TIER_OK : TIER_ENOMEM;
    }
    if (rc == TIER_OK)
        tier_text_clear(out);
    for (k = 0; k < parts && rc == TIER_OK; k++) {
        tier_state_writer w;
        g.kind = t.kind;
        g.unit = t.unit;
        g.end = t.end;
        g.no_purchase = k ? 0.0 : t.no_purchase;
        g.excluded = k ? 0.0 : t.excluded;
        pick_rows(g.c, &g.nc, t.c, t.nc, k, parts);
        pick_rows(g.s, &g.ns, t.s, t.ns, k, parts);
        tier__state_writer_init(&w, &st->h.alloc);
        rc = tier__state_write_header_sealed(&w, SUMMARY_MAGIC, "clv", name);
        if (rc == TIER_OK)
            rc = write_table(&w, &g);
        if (rc == TIER_OK && (rc = tier__state_writer_finish(&w)) == TIER_OK) {
            tier__state_writer_seal(&w);
            rc = tier_text_append(out, tier__buf_data(&w.buf), tier__buf_len(&w.buf));
        }
        tier__state_writer_free(&w);
        ends[k] = tier_text_length(out);
    }
    if (rc == TIER_ENOMEM)
        tier__errorf(st->h.err, "out of memory splitting a clv fit summary");
    if (rc != TIER_OK)
        tier_text_clear(out);
    table_free(&st->h.alloc, &g);
    table_free(&st->h.alloc, &t);
    return rc;
}
