/* SPDX-License-Identifier: MIT */
/* What the evaluator offers the one-row path of incremental re-tiering (docs/retier.md): node
 * types remembered across contexts, and windows from a per-customer source. */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"
#include "policy/eval/eval_internal.h"
#include "util/par_tasks.h"

/* Window k's value from the sum of a row's figures (NaN when no margin is known). */
int tier__window_sum(const tier__pwindow *w, const tier__figures *f, int64_t *sum, int *any)
{
    int64_t x;
    switch (w->measure) {
    case TIER__PW_REVENUE:
        x = f->net;
        *any = 1;
        break;
    case TIER__PW_MARGIN:
        x = f->has_margin ? f->margin : 0;
        *any |= f->has_margin != 0;
        break;
    case TIER__PW_PURCHASES:
        x = f->purchases;
        *any = 1;
        break;
    default:
        x = f->purchase_days;
        *any = 1;
        break;
    }
    return tier__add_i64(*sum, x, sum) != TIER_OK;
}

/* A window's column in slices of rows (tier__window_column). */
typedef struct window_job {
    const tier__ectx *c;
    const tier__pwindow *w;
    const tier__figures *fig;
    double *o;
    size_t tasks;
    size_t over[TIER__PAR_TASKS]; /* per slice: its first row that overflows, SIZE_MAX: none */
} window_job;

static void window_rows(void *arg, size_t t)
{
    window_job *j = arg;
    const tier__ectx *c = j->c;
    size_t r = tier__par_begin(c->n, j->tasks, t), end = tier__par_begin(c->n, j->tasks, t + 1);
    j->over[t] = SIZE_MAX;
    for (; r < end; r++) {
        size_t m0 = c->identity ? r : c->rows->member_start[r];
        size_t m1 = c->identity ? r + 1 : c->rows->member_start[r + 1], m;
        int64_t sum = 0;
        int any = 0, over = 0;
        for (m = m0; m < m1; m++)
            over |=
                tier__window_sum(j->w, &j->fig[c->identity ? m : c->rows->members[m]], &sum, &any);
        if (over) {
            j->over[t] = r;
            return;
        }
        j->o[r] = tier__window_result(j->w, sum, any);
    }
}

size_t tier__window_column(const tier__ectx *c, const tier__pwindow *w, const tier__figures *fig,
                           double *o)
{
    const tier_executor *ex = tier__book_executor(c->book);
    window_job j;
    size_t t;
    j.c = c;
    j.w = w;
    j.fig = fig;
    j.o = o;
    j.tasks = tier__par_tasks(ex, c->n, 8192);
    tier__par_run(ex, j.tasks, window_rows, &j);
    for (t = 0; t < j.tasks; t++)
        if (j.over[t] != SIZE_MAX)
            return j.over[t];
    return SIZE_MAX;
}

double tier__window_result(const tier__pwindow *w, int64_t sum, int any)
{
    if (!any)
        return NAN; /* no margin known */
    if (w->measure == TIER__PW_REVENUE || w->measure == TIER__PW_MARGIN)
        return tier__fixed_to_double(sum);
    return (double)sum;
}

/* ---- the type memo (eval.h) ---- */

void tier__type_memo_clear(tier__type_memo *m)
{
    if (m->keys)
        memset((void *)m->keys, 0, m->cap * sizeof *m->keys);
    m->n = 0;
}

void tier__type_memo_free(tier__type_memo *m)
{
    if (!m->a)
        return;
    tier__free(m->a, (void *)m->keys);
    tier__free(m->a, m->types);
    m->keys = NULL;
    m->types = NULL;
    m->cap = m->n = 0;
}

size_t tier__memo_slot(const tier__type_memo *m, const void *key)
{
    size_t h = (size_t)(((uintptr_t)key >> 4) * 0x9E3779B97F4A7C15u), mask = m->cap - 1, i;
    for (i = h & mask; m->keys[i] && m->keys[i] != key; i = (i + 1) & mask)
        ;
    return i;
}

/* Remembers a type; when the memo cannot grow it simply does not remember. */
void tier__memo_put(tier__type_memo *m, const void *key, int type)
{
    size_t i;
    if ((m->n + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 256, k;
        const void **keys = tier__calloc(m->a, nc, sizeof *keys);
        int *types = tier__calloc(m->a, nc, sizeof *types);
        tier__type_memo grown;
        if (!keys || !types) {
            tier__free(m->a, (void *)keys);
            tier__free(m->a, types);
            return;
        }
        grown = *m;
        grown.keys = keys;
        grown.types = types;
        grown.cap = nc;
        for (k = 0; k < m->cap; k++)
            if (m->keys[k]) {
                size_t j = tier__memo_slot(&grown, m->keys[k]);
                keys[j] = m->keys[k];
                types[j] = m->types[k];
            }
        tier__free(m->a, (void *)m->keys);
        tier__free(m->a, m->types);
        *m = grown;
    }
    i = tier__memo_slot(m, key);
    if (!m->keys[i])
        m->n++;
    m->keys[i] = key;
    m->types[i] = type;
}

void tier__ectx_set_type_memo(tier__ectx *c, tier__type_memo *m)
{
    c->memo = m;
}

/* A window's figure per row from the caller's source of one customer's figures (the one-row path
 * of incremental re-tiering: nothing of the whole book is read). */
int tier__window_rows(tier__ectx *c, const tier__pexpr *e, int k, tier__eval_val *v, char *err)
{
    const tier__pwindow *w = &c->pol->windows[k];
    double *o = tier__malloc(c->a, (c->n ? c->n : 1) * sizeof *o);
    size_t r, m;
    if (!o)
        return tier__eval_nomem(e, err);
    for (r = 0; r < c->n; r++) {
        size_t m0 = c->identity ? r : c->rows->member_start[r];
        size_t m1 = c->identity ? r + 1 : c->rows->member_start[r + 1];
        int64_t sum = 0;
        int any = 0, over = 0, rc;
        for (m = m0; m < m1; m++) {
            tier__figures f;
            if ((rc = c->wfn(c->wud, (size_t)k, c->identity ? m : c->rows->members[m], &f, err))) {
                tier__free(c->a, o);
                return rc;
            }
            over |= tier__window_sum(w, &f, &sum, &any);
        }
        if (over) {
            tier__free(c->a, o);
            return tier__eval_fail(e, err, "window '%s' overflows for row %zu", w->name, r);
        }
        o[r] = tier__window_result(w, sum, any);
    }
    v->type = TIER__PT_NUMBER;
    v->num = o;
    v->own = o;
    return TIER_OK;
}
