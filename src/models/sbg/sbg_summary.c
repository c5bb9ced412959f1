/* SPDX-License-Identifier: MIT */
/* The sbg model's fit summary (vtable version 4, docs/fit-summary-format.md): a fit on the book
 * reads its customers only as the table of the sBG's sufficient statistics (models/sbg/sbg.h:
 * lost[t] and alive[t], counts per period), which adds up over parts. A model given cohorts'
 * survivor counts (option `survivors`) reads nothing from the book: its summary says so and
 * holds no table. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/sbg/sbg_internal.h"

#define COUNT_MAX 9007199254740992.0 /* 2^53: counts below it add up exactly */

/* The summary's records: the options it depends on, then the table's non-empty periods. */
static void write_summary(tier_state_writer *w, const sbg_state *st, const tier__sbg_table *t)
{
    size_t i;
    tier_state_write_key(w, "renewals");
    tier_state_write_text(w, st->text[SBG_TEXT_RENEWALS]);
    tier_state_write_key(w, "churned");
    tier_state_write_text(w, st->text[SBG_TEXT_CHURNED]);
    tier_state_write_key(w, "given");
    tier_state_write_number(w, (double)st->cohorts.n);
    tier_state_write_key(w, "periods");
    tier_state_write_number(w, (double)t->k);
    for (i = 0; i <= t->k && t->lost; i++) {
        const double v[3] = {(double)i, t->lost[i], t->alive[i]};
        if (v[1] == 0.0 && v[2] == 0.0)
            continue;
        tier_state_write_key(w, "t");
        tier_state_write_numbers(w, v, 3);
    }
}

int tier__sbg_fit_summary(void *state, const tier_book *book, const tier_frame *inputs,
                          tier_state_writer *w)
{
    sbg_state *st = state;
    tier__sbg_table t;
    int rc;
    memset(&t, 0, sizeof t);
    if (!st->cohorts.n && (rc = tier__sbg_book_table(st, book, inputs, 1, &t)) != TIER_OK)
        return rc;
    write_summary(w, st, &t);
    tier__sbg_table_free(&t, &st->h.alloc);
    return TIER_OK; /* the writer latches its failures */
}

/* 1 when v is a whole number in [0, hi]. */
static int whole_in(double v, double hi)
{
    return v >= 0 && v <= hi && v == floor(v);
}

/* The next record must be `key "text"` equal to the model's option `want`. (A reader that
 * failed before keeps its own error: tier_state_read_fail returns it.) */
static int read_source(tier_state_reader *r, const char *key, const char *want)
{
    const char *k = NULL, *text = NULL;
    char msg[TIER__ERR_SIZE];
    if (tier_state_read_next(r, &k) == 1 && strcmp(k, key) == 0 &&
        tier_state_read_text(r, 0, &text) == TIER_OK && tier_state_read_count(r) == 1 &&
        strcmp(text, want) == 0)
        return TIER_OK;
    snprintf(msg, sizeof msg, "expected %s \"%.200s\" (the model's option)", key, want);
    return tier_state_read_fail(r, msg);
}

static int read_count(tier_state_reader *r, const char *key, double hi, double *out)
{
    const char *k = NULL;
    char msg[96];
    if (tier_state_read_next(r, &k) == 1 && strcmp(k, key) == 0 &&
        tier_state_read_numbers(r, out, 1) == TIER_OK && whole_in(*out, hi))
        return TIER_OK;
    snprintf(msg, sizeof msg, "expected %s and a whole number from 0 to %.0f", key, hi);
    return tier_state_read_fail(r, msg);
}

/* One summary's head: *k its periods. */
static int read_head(const sbg_state *st, tier_state_reader *r, size_t *k)
{
    double given = 0, periods = 0; /* (set on success only) */
    int rc;
    if ((rc = read_source(r, "renewals", st->text[SBG_TEXT_RENEWALS])) ||
        (rc = read_source(r, "churned", st->text[SBG_TEXT_CHURNED])) ||
        (rc = read_count(r, "given", (double)(size_t)-1, &given)) ||
        (rc = read_count(r, "periods", TIER__SBG_MAX_PERIODS, &periods)))
        return rc;
    if (given != (double)st->cohorts.n)
        return tier_state_read_fail(r, "made with other survivors (cohorts) than the model's");
    if ((given > 0) == (periods > 0))
        return tier_state_read_fail(r, "periods must be 0 with survivors, else at least 1");
    *k = (size_t)periods;
    return TIER_OK;
}

/* The rows `t T LOST ALIVE` of a summary into t (k large enough for any summary). */
static int read_rows(tier_state_reader *r, size_t k, tier__sbg_table *t)
{
    const char *key = NULL;
    int rc;
    while ((rc = tier_state_read_next(r, &key)) == 1) {
        double v[3] = {0, 0, 0};
        size_t p;
        if (strcmp(key, "t") != 0 || tier_state_read_numbers(r, v, 3) != TIER_OK ||
            !whole_in(v[0], (double)k) || !whole_in(v[1], COUNT_MAX) ||
            !whole_in(v[2], COUNT_MAX) || (v[0] == 0 && v[1] != 0))
            return tier_state_read_fail(r, "expected t PERIOD LOST ALIVE: a period from 0 to the "
                                           "summary's periods, whole counts (none lost at 0)");
        p = (size_t)v[0];
        t->lost[p] += v[1];
        t->alive[p] += v[2];
        if (fmax(t->lost[p], t->alive[p]) > COUNT_MAX)
            return tier_state_read_fail(r, "the counts of the summaries add up beyond 2^53");
    }
    return rc;
}

/* A summary of a model given survivors ends after its head. */
static int no_rows(tier_state_reader *r)
{
    int rc = tier_state_read_next(r, NULL);
    return rc == 1 ? tier_state_read_fail(r, "a summary made with survivors has no t rows") : rc;
}

int tier__sbg_fit_summaries(void *state, tier_state_reader *const *readers, size_t n,
                            tier_state_writer *merged)
{
    sbg_state *st = state;
    tier__sbg_table t;
    tier__sbg_fit f;
    size_t i, k = 0, *ks = tier__calloc(&st->h.alloc, n, sizeof *ks);
    int rc = ks ? TIER_OK : TIER_ENOMEM;
    memset(&t, 0, sizeof t);
    for (i = 0; i < n && !rc; i++) {
        rc = read_head(st, readers[i], &ks[i]);
        k = !rc && ks[i] > k ? ks[i] : k;
    }
    if (!rc && k) /* a table for the longest; the others add into its first periods */
        rc = tier__sbg_table_new(&t, k, &st->h.alloc, st->h.err);
    for (i = 0; i < n && !rc; i++)
        rc = k ? read_rows(readers[i], ks[i], &t) : no_rows(readers[i]);
    if (!rc && merged) {
        write_summary(merged, st, &t);
    } else if (!rc) {
        rc = st->cohorts.n ? tier__sbg_fit_given(st, &f) : tier__sbg_fit_table(&f, &t, st->h.err);
        if (rc == TIER_OK) {
            st->fit = f;
            st->fitted = 1;
            st->h.err[0] = '\0';
        }
    }
    tier__sbg_table_free(&t, &st->h.alloc);
    tier__free(&st->h.alloc, ks);
    return rc;
}
