/* SPDX-License-Identifier: MIT */
/* The functions of policy expressions (docs/policy-format.md, "Functions"): the population
 * functions abc and pct_rank, which order every row, and min, max, abs and coalesce; and the
 * dictionaries of distinct texts the evaluator codes texts with. */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"
#include "policy/eval/eval_internal.h"
#include "models/order.h"
#include "policy/org/org.h"
#include "util/buf.h"
#include "util/par_tasks.h"
#include "util/radix.h"

/* ---- dictionaries --------------------------------------------------------------------------- */

static uint32_t hash_text(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

void tier__tdict_free(const tier_allocator *a, tier__tdict *d)
{
    tier__free(a, (void *)d->texts);
    tier__free(a, d->slots);
    memset(d, 0, sizeof *d);
}

int tier__tdict_give(tier__ectx *c, tier__tdict *d, int32_t *codes, tier__eval_val *v)
{
    tier__free(c->a, d->slots);
    d->slots = NULL;
    if (d->texts && tier__ectx_keep(c, (void *)d->texts)) {
        d->texts = NULL;
        return TIER_ENOMEM;
    }
    v->type = TIER__PT_TEXT;
    v->codes = codes;
    v->own = codes;
    v->texts = d->texts;
    v->n_texts = d->n;
    d->texts = NULL;
    return TIER_OK;
}

int32_t tier__tdict_find(const tier__tdict *d, const char *s)
{
    size_t mask, i;
    if (!d->nslots)
        return -1;
    mask = d->nslots - 1;
    for (i = hash_text(s) & mask; d->slots[i]; i = (i + 1) & mask)
        if (strcmp(d->texts[d->slots[i] - 1], s) == 0)
            return (int32_t)(d->slots[i] - 1);
    return -1;
}

int32_t tier__tdict_add(const tier_allocator *a, tier__tdict *d, const char *s)
{
    size_t mask, i;
    int32_t k = tier__tdict_find(d, s);
    if (k >= 0)
        return k;
    if (d->n >= INT32_MAX - 1)
        return -1;
    if ((d->n + 1) * 2 > d->nslots) {
        size_t ns = d->nslots ? d->nslots * 2 : 16, j;
        uint32_t *slots = tier__calloc(a, ns, sizeof *slots);
        if (!slots)
            return -1;
        for (j = 0; j < d->n; j++) {
            for (i = hash_text(d->texts[j]) & (ns - 1); slots[i]; i = (i + 1) & (ns - 1))
                ;
            slots[i] = (uint32_t)j + 1;
        }
        tier__free(a, d->slots);
        d->slots = slots;
        d->nslots = ns;
    }
    if (tier__grow(a, (void **)&d->texts, &d->cap, d->n + 1, sizeof *d->texts))
        return -1;
    mask = d->nslots - 1;
    for (i = hash_text(s) & mask; d->slots[i]; i = (i + 1) & mask)
        ;
    d->texts[d->n] = s;
    d->slots[i] = (uint32_t)d->n + 1;
    return (int32_t)d->n++;
}

/* ---- types ---------------------------------------------------------------------------------- */

enum { F_ABC = 1, F_PCT_RANK, F_MIN, F_MAX, F_ABS, F_COALESCE };

static int function_of(const char *name)
{
    static const char *const names[] = {"abc", "pct_rank", "min", "max", "abs", "coalesce"};
    size_t i;
    for (i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i + 1;
    return 0;
}

/* A constant number argument (a number, possibly negated): 1 with *out set, else 0. */
static int constant(const tier__pexpr *e, double *out)
{
    if (e->kind == TIER__PX_NUMBER) {
        *out = e->num;
        return 1;
    }
    if (e->kind == TIER__PX_UNARY && e->op == TIER__POP_NEG && e->n_args == 1 &&
        e->args[0]->kind == TIER__PX_NUMBER) {
        *out = -e->args[0]->num;
        return 1;
    }
    return 0;
}

int tier__eval_call_type(tier__ectx *c, const tier__pexpr *e, int depth, int *type, char *err)
{
    int f = function_of(e->text), t, first = 0, rc;
    size_t i;
    if (!f)
        return tier__eval_fail(e, err,
                               "unknown function '%s' (abc, pct_rank, min, max, abs, coalesce)",
                               e->text ? e->text : "");
    if (f == F_ABC && e->n_args != 1 && e->n_args != 3)
        return tier__eval_fail(e, err, "abc takes 1 or 3 arguments (x, a, b), got %zu", e->n_args);
    if ((f == F_PCT_RANK || f == F_ABS) && e->n_args != 1)
        return tier__eval_fail(e, err, "%s takes 1 argument, got %zu", e->text, e->n_args);
    if (e->n_args == 0)
        return tier__eval_fail(e, err, "%s takes at least 1 argument", e->text);
    for (i = 0; i < e->n_args; i++) {
        if ((rc = tier__eval_typeof(c, e->args[i], depth + 1, &t, err)) != 0)
            return rc;
        if (f == F_COALESCE) {
            if (t == TIER__PT_BOOL)
                return tier__eval_fail(e->args[i], err,
                                       "coalesce takes numbers or texts, got a bool");
            if (t == TIER__PT_NONE)
                continue;
            if (first && t != first)
                return tier__eval_fail(e->args[i], err,
                                       "coalesce takes arguments of one type, got a %s after a %s",
                                       tier__type_name(t), tier__type_name(first));
            first = t;
        } else if (!(t == TIER__PT_NUMBER || t == TIER__PT_NONE)) {
            return tier__eval_fail(e->args[i], err, "%s takes numbers, got a %s", e->text,
                                   tier__type_name(t));
        }
    }
    if (f == F_ABC && e->n_args == 3) {
        double a, b;
        if (!constant(e->args[1], &a) || !constant(e->args[2], &b))
            return tier__eval_fail(e, err, "the thresholds of abc must be numbers such as 80%%");
        if (!(a > 0 && a <= b && b <= 1))
            return tier__eval_fail(
                e, err, "abc thresholds out of order: need 0 < a (%g) <= b (%g) <= 1", a, b);
    }
    *type = f == F_ABC        ? TIER__PT_TEXT
            : f == F_COALESCE ? (first ? first : TIER__PT_NONE)
                              : TIER__PT_NUMBER;
    return TIER_OK;
}

/* ---- frozen figures (policy/eval/eval.h) ------------------------------------------------------
 */

void tier__policy_ref_free(tier__policy_ref *ref)
{
    size_t i, j;
    if (!ref || !ref->a)
        return;
    for (i = 0; i < ref->n_calls; i++) {
        tier__free(ref->a, ref->calls[i].key);
        tier__free(ref->a, ref->calls[i].sorted);
        tier__free(ref->a, ref->calls[i].end_id[0]);
        tier__free(ref->a, ref->calls[i].end_id[1]);
        tier__free(ref->a, ref->calls[i].rank_key);
        tier__free(ref->a, ref->calls[i].rank_below);
        tier__free(ref->a, ref->calls[i].rank_equal);
        for (j = 0; ref->calls[i].cum_id && j < ref->calls[i].cum_count; j++)
            tier__free(ref->a, ref->calls[i].cum_id[j]);
        tier__free(ref->a, ref->calls[i].cum_id);
        tier__free(ref->a, ref->calls[i].cum_id_len);
        tier__free(ref->a, ref->calls[i].cum_key);
        tier__free(ref->a, ref->calls[i].cum_value);
    }
    tier__free(ref->a, ref->calls);
    for (i = 0; ref->caps && i < ref->n_caps; i++)
        tier__free(ref->a, ref->caps[i].id);
    tier__free(ref->a, ref->caps);
    tier__buf_free(&ref->gathered);
    for (i = 0; i < ref->n_teams; i++) {
        size_t g;
        tier__free(ref->a, ref->teams[i].team);
        tier__free(ref->a, ref->teams[i].id);
        for (g = 0; g < ref->teams[i].n_ranges; g++) {
            tier__free(ref->a, ref->teams[i].ranges[g].id[0]);
            tier__free(ref->a, ref->teams[i].ranges[g].id[1]);
        }
        tier__free(ref->a, ref->teams[i].ranges);
    }
    tier__free(ref->a, ref->teams);
    tier__route_frozen_free(ref->a, ref->route);
    memset(ref, 0, sizeof *ref);
}

int tier__ref_after(const tier_book *book, uint64_t key, size_t lead, uint64_t bkey, size_t blead)
{
    if (key != bkey)
        return key > bkey;
    return lead != blead && tier__book_compare_ids(book, lead, blead) > 0;
}

int tier__ref_after_id(const tier_book *book, uint64_t key, size_t lead, uint64_t bkey,
                       const char *bid, size_t blen)
{
    size_t len = 0;
    const char *id;
    int c;
    if (key != bkey)
        return key > bkey;
    id = tier_book_customer_id(book, lead, &len);
    c = memcmp(id, bid, len < blen ? len : blen);
    return c > 0 || (c == 0 && len > blen);
}

/* 1 when row (key, lead) comes after the end of class `which` of call k. */
static int after_end(const tier__ectx *c, const tier__ref_call *k, int which, uint64_t key,
                     size_t lead)
{
    if (k->end_id[which])
        return tier__ref_after_id(c->book, key, lead, k->end_key[which], k->end_id[which],
                                  k->end_id_len[which]);
    return tier__ref_after(c->book, key, lead, k->end_key[which], k->end_lead[which]);
}

/* The record of the call being computed: found (collect 0) or added (collect 1); NULL when out of
 * memory or, with collect 0, when the batch had no such call. */
static tier__ref_call *ref_call(tier__ectx *c)
{
    tier__policy_ref *ref = c->ref;
    tier__ref_call *rc;
    size_t i;
    for (i = 0; i < ref->n_calls; i++)
        if (strcmp(ref->calls[i].key, c->call_key) == 0)
            return &ref->calls[i];
    if (!ref->collect || tier__grow(ref->a, (void **)&ref->calls, &ref->cap_calls, ref->n_calls + 1,
                                    sizeof *ref->calls))
        return NULL;
    rc = &ref->calls[ref->n_calls];
    memset(rc, 0, sizeof *rc);
    if (!(rc->key = tier__strdup(ref->a, c->call_key)))
        return NULL;
    ref->n_calls++;
    return rc;
}

static size_t lead_at(const tier__ectx *c, size_t r)
{
    return c->identity ? r : c->rows->lead[r];
}

/* abc against the frozen ends of A and B. */
static int abc_frozen(tier__ectx *c, const double *x, int32_t *cls)
{
    const tier__ref_call *k = ref_call(c);
    size_t r;
    if (!k)
        return TIER_ESTATE;
    for (r = 0; r < c->n; r++) {
        uint64_t key;
        size_t lead = lead_at(c, r);
        cls[r] = 2;
        if (!(x[r] > 0))
            continue;
        key = tier__order_key(x[r], 1);
        if (!k->has_end[0] || !after_end(c, k, 0, key, lead))
            cls[r] = 0;
        else if (!k->has_end[1] || !after_end(c, k, 1, key, lead))
            cls[r] = 1;
    }
    return TIER_OK;
}

/* pct_rank against the frozen values: binary searches for the first value not below x and the
 * first above it. */
static int pct_rank_frozen(tier__ectx *c, const double *x, double *o)
{
    const tier__ref_call *k = ref_call(c);
    size_t r;
    if (!k)
        return TIER_ESTATE;
    for (r = 0; r < c->n; r++) {
        size_t lo = 0, hi = k->n, below, upto;
        o[r] = NAN;
        if (x[r] != x[r] || k->n == 0)
            continue;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (k->sorted[mid] < x[r])
                lo = mid + 1;
            else
                hi = mid;
        }
        below = lo;
        for (hi = k->n; lo < hi;) {
            size_t mid = lo + (hi - lo) / 2;
            if (k->sorted[mid] <= x[r])
                lo = mid + 1;
            else
                hi = mid;
        }
        upto = lo;
        o[r] = ((double)below + 0.5 * (double)(upto - below)) / (double)k->n;
    }
    return TIER_OK;
}

/* pct_rank against distributed figures (a "rank" line): each present value's counts below and
 * equal in the population, looked up by its order key. TIER_ENOTFOUND when the figures do not
 * give a value of this part (they were made from other inputs). */
static int pct_rank_figures(const tier__ref_call *k, const double *x, size_t n, double *o)
{
    size_t r;
    for (r = 0; r < n; r++) {
        uint64_t key;
        size_t lo = 0, hi = k->rank_count;
        o[r] = NAN;
        if (x[r] != x[r])
            continue;
        key = tier__order_key(x[r], 0);
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (k->rank_key[mid] < key)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == k->rank_count || k->rank_key[lo] != key)
            return TIER_ENOTFOUND;
        o[r] = ((double)k->rank_below[lo] + 0.5 * (double)k->rank_equal[lo]) / (double)k->rank_n;
    }
    return TIER_OK;
}

/* ---- abc ------------------------------------------------------------------------------------ */

static const char *const abc_labels[] = {"A", "B", "C"};

/* The rows with x > 0 in id order, then stably by x descending, into key and idx (n entries
 * each; *np gets how many); with `exact`, the keys are the complements of the fixed-point values
 * fx (per row), else tier__order_key(x, 1). */
static int abc_by_id(tier__ectx *c, const double *x, int exact, const int64_t *fx, uint64_t *key,
                     uint32_t *idx, size_t *np)
{
    const tier_executor *ex = tier__book_executor(c->book);
    tier__id_order ids;
    uint64_t *kc = tier__malloc_n(c->a, c->n, sizeof *kc);
    uint32_t *x2 = tier__malloc_n(c->a, c->n, sizeof *x2);
    size_t r;
    int rc = kc && x2 ? tier__id_order_get(&ids, c->a, c->book, c->frame) : TIER_ENOMEM;
    if (rc == TIER_OK) {
        for (r = 0; r < c->n; r++)
            kc[r] = !(x[r] > 0) ? UINT64_MAX : exact ? ~(uint64_t)fx[r] : tier__order_key(x[r], 1);
        tier__order_gather(ex, ids.perm, kc, c->n, key, idx, np);
        tier__id_order_done(&ids);
        tier__radix_sort(ex, c->a, key, idx, kc, x2, *np);
    }
    tier__free(c->a, kc);
    tier__free(c->a, x2);
    return rc;
}

/* Whether every positive x is a fixed-point amount whose total fits (their sum into *itotal and
 * each one's fixed point into fx[row]); sets every class to C meanwhile. Slices of rows on the
 * book's executor: a sum of positive numbers overflows in some slice or in the total exactly when
 * it does in row order. */
typedef struct exact_job {
    const double *x;
    int32_t *cls;
    int64_t *fx;
    size_t n, tasks;
    int exact[TIER__PAR_TASKS];
    int64_t sum[TIER__PAR_TASKS];
} exact_job;

static void exact_rows(void *arg, size_t t)
{
    exact_job *j = arg;
    size_t r = tier__par_begin(j->n, j->tasks, t), end = tier__par_begin(j->n, j->tasks, t + 1);
    int exact = 1;
    int64_t sum = 0;
    for (; r < end; r++) {
        j->cls[r] = 2;
        if (!(j->x[r] > 0))
            continue; /* missing, zero or negative: C */
        if (exact && (tier__fixed_from_double(j->x[r], &j->fx[r]) != TIER_OK ||
                      tier__fixed_to_double(j->fx[r]) != j->x[r] ||
                      tier__add_i64(sum, j->fx[r], &sum) != TIER_OK))
            exact = 0;
    }
    j->exact[t] = exact;
    j->sum[t] = sum;
}

static int abc_exact(tier__ectx *c, const double *x, int32_t *cls, int64_t *fx, int64_t *itotal)
{
    const tier_executor *ex = c->book ? tier__book_executor(c->book) : NULL;
    exact_job j;
    size_t t;
    int exact = 1;
    j.x = x;
    j.cls = cls;
    j.fx = fx;
    j.n = c->n;
    j.tasks = tier__par_tasks(ex, c->n, 8192);
    tier__par_run(ex, j.tasks, exact_rows, &j);
    *itotal = 0;
    for (t = 0; t < j.tasks; t++)
        if (!j.exact[t] || tier__add_i64(*itotal, j.sum[t], itotal) != TIER_OK)
            exact = 0;
    return exact;
}

/* Classes by the Pareto rule: rows with x > 0 by x descending (ties by lead id); A through the
 * row whose cumulative share reaches a, B through the one that reaches b, C the rest. Sums are
 * exact when every value is a fixed-point amount (windows of revenue), else in doubles. */
static int abc(tier__ectx *c, const double *x, double ta, double tb, int32_t *cls)
{
    size_t n = c->n, np = 0, r, i;
    tier__abc_cut ends;
    uint64_t *key = tier__malloc_n(c->a, n, sizeof *key);
    uint32_t *idx = tier__malloc_n(c->a, n, sizeof *idx);
    int64_t *fx = tier__malloc_n(c->a, n, sizeof *fx);
    uint32_t t6a = (uint32_t)floor(ta * 1e6 + 0.5), t6b = (uint32_t)floor(tb * 1e6 + 0.5);
    int exact, rc, gathering = 0, fixed_keys = 0;
    int64_t itotal = 0;
    double dtotal = 0;
    if (c->ref && !c->ref->collect && c->ref->gather)
        gathering = 1; /* the inputs gathered; classified by the figures when they have them */
    else if (c->ref && !c->ref->collect) {
        tier__free(c->a, key);
        tier__free(c->a, idx);
        tier__free(c->a, fx);
        return abc_frozen(c, x, cls);
    }
    if (!key || !idx || !fx) {
        rc = TIER_ENOMEM;
        goto done;
    }
    exact = abc_exact(c, x, cls, fx, &itotal);
    if (c->identity && c->book) {
        /* The rows in id order, then stably by value: ties stay in id order. Exact values sort
         * by their fixed-point complement (fewer digits, and the value is the key). */
        rc = abc_by_id(c, x, exact, fx, key, idx, &np);
        fixed_keys = exact;
    } else {
        for (r = 0, np = 0; r < n; r++) {
            if (x[r] > 0) {
                key[np] = tier__order_key(x[r], 1);
                idx[np++] = (uint32_t)r;
            }
        }
        rc = tier__order_rows_in(c->a, c->book, c->frame, c->identity ? NULL : c->rows->lead, key,
                                 idx, np);
    }
    if (rc)
        goto done;
    tier__abc_cut_init(&ends, t6a, t6b, np);
    if (exact) {
        uint64_t cum = 0;
        for (i = 0; i < np; i++) {
            int64_t v;
            if (fixed_keys)
                v = (int64_t)~key[i];
            else
                (void)tier__fixed_from_double(x[idx[i]], &v);
            cum += (uint64_t)v;
            tier__abc_cut_exact(&ends, i, cum, (uint64_t)itotal);
            if (ends.end[0] < np && ends.end[1] < np)
                break; /* both classes end here or before: the rest is C */
        }
    } else {
        /* Exact sums rounded once: the same doubles however the rows are split and merged
         * (docs/distributed.md). */
        tier__xsum sum;
        tier__xsum_init(&sum);
        for (i = 0; i < np; i++)
            tier__xsum_add(&sum, x[idx[i]]);
        dtotal = tier__xsum_round(&sum);
        tier__xsum_init(&sum);
        for (i = 0; i < np; i++) {
            tier__xsum_add(&sum, x[idx[i]]);
            tier__abc_cut_double(&ends, i, tier__xsum_round(&sum), dtotal);
        }
    }
    tier__abc_cut_classes(c->book ? tier__book_executor(c->book) : NULL, &ends, idx, np, cls);
    if (fixed_keys && c->ref) /* what the population records: the keys of the numbers */
        for (i = 0; i < np; i++)
            key[i] = tier__order_key(x[idx[i]], 1);
    if (gathering) {
        const tier__ref_call *k;
        rc = tier__gather_abc(c->ref, c->book, c->call_key, t6a, t6b, key, idx, x,
                              c->identity ? NULL : c->rows->lead, np);
        k = rc == TIER_OK ? ref_call(c) : NULL;
        if (k && k->has_rank)
            rc = TIER_ENOTFOUND; /* figures of pct_rank for an abc() call */
        else if (k)
            rc = abc_frozen(c, x, cls);
    } else if (c->ref) {
        tier__ref_call *k = ref_call(c);
        if (!k) {
            rc = TIER_ENOMEM;
            goto done;
        }
        for (i = 0; i < 2; i++) {
            k->has_end[i] = ends.end[i] < np;
            if (k->has_end[i]) {
                k->end_key[i] = key[ends.end[i]];
                k->end_lead[i] = lead_at(c, idx[ends.end[i]]);
            }
        }
    }
done:
    tier__free(c->a, key);
    tier__free(c->a, idx);
    tier__free(c->a, fx);
    return rc;
}

/* pct_rank: (rows with a present x below + half the rows equal to it, itself included) / rows
 * with a present x. */
static int pct_rank(tier__ectx *c, const double *x, double *o)
{
    size_t n = c->n, np = 0, r, i, j;
    uint64_t *key = tier__malloc_n(c->a, n, sizeof *key);
    uint32_t *idx = tier__malloc_n(c->a, n, sizeof *idx);
    int rc, gathering = c->ref && !c->ref->collect && c->ref->gather;
    if (c->ref && !c->ref->collect && !gathering) {
        tier__free(c->a, key);
        tier__free(c->a, idx);
        return pct_rank_frozen(c, x, o);
    }
    if (!key || !idx) {
        rc = TIER_ENOMEM;
        goto done;
    }
    for (r = 0; r < n; r++) {
        o[r] = NAN;
        if (x[r] != x[r])
            continue;
        key[np] = tier__order_key(x[r], 0);
        idx[np++] = (uint32_t)r;
    }
    rc = tier__order_rows(c->a, NULL, NULL, key, idx, np);
    if (rc)
        goto done;
    for (i = 0; i < np; i = j) {
        double v;
        for (j = i + 1; j < np && key[j] == key[i]; j++)
            ;
        v = ((double)i + 0.5 * (double)(j - i)) / (double)np;
        for (r = i; r < j; r++)
            o[idx[r]] = v;
    }
    if (gathering) {
        /* The inputs gathered; the ranks the population's when the figures give them. */
        const tier__ref_call *k;
        rc = tier__gather_rank(c->ref, c->call_key, key, np);
        if (rc == TIER_OK && (k = ref_call(c)) != NULL)
            rc = k->has_rank ? pct_rank_figures(k, x, n, o) : TIER_ENOTFOUND;
    } else if (c->ref) {
        tier__ref_call *k = ref_call(c);
        if (!k || !(k->sorted = tier__malloc(c->ref->a, (np ? np : 1) * sizeof *k->sorted))) {
            rc = TIER_ENOMEM;
            goto done;
        }
        k->n = np;
        for (i = 0; i < np; i++)
            k->sorted[i] = x[idx[i]];
    }
done:
    tier__free(c->a, key);
    tier__free(c->a, idx);
    return rc;
}

/* ---- calls ---------------------------------------------------------------------------------- */

static double num_at(const tier__eval_val *v, size_t r)
{
    return v->scalar ? v->s : v->num[r];
}

static int coalesce_texts(tier__ectx *c, const tier__pexpr *e, tier__eval_val *args,
                          tier__eval_val *out, char *err)
{
    tier__tdict d;
    int32_t **map = tier__calloc(c->a, e->n_args, sizeof *map), *o = NULL;
    size_t i, k, r;
    int rc = TIER_ENOMEM;
    memset(&d, 0, sizeof d);
    if (!map)
        return tier__eval_nomem(e, err);
    /* One dictionary for all arguments; map[i][k]: the code of argument i's text k in it. */
    for (i = 0; i < e->n_args; i++) {
        if (args[i].type != TIER__PT_TEXT)
            continue;
        map[i] = tier__malloc_n(c->a, args[i].n_texts, sizeof **map);
        if (!map[i])
            goto done;
        for (k = 0; k < args[i].n_texts; k++) {
            map[i][k] = -1;
            if (args[i].texts[k] && (map[i][k] = tier__tdict_add(c->a, &d, args[i].texts[k])) < 0)
                goto done;
        }
    }
    if (!(o = tier__malloc_n(c->a, c->n, sizeof *o)))
        goto done;
    for (r = 0; r < c->n; r++) {
        o[r] = -1;
        for (i = 0; i < e->n_args && o[r] < 0; i++) {
            int32_t code;
            if (args[i].type != TIER__PT_TEXT)
                continue;
            code = args[i].scalar ? args[i].sc : args[i].codes[r];
            if (code >= 0 && (size_t)code < args[i].n_texts)
                o[r] = map[i][code];
        }
    }
    if (tier__tdict_give(c, &d, o, out))
        goto done;
    o = NULL;
    rc = TIER_OK;
done:
    for (i = 0; i < e->n_args; i++)
        tier__free(c->a, map[i]);
    tier__free(c->a, map);
    tier__free(c->a, o);
    tier__tdict_free(c->a, &d);
    return rc ? tier__eval_nomem(e, err) : TIER_OK;
}

static int call(tier__ectx *c, const tier__pexpr *e, tier__eval_val *out, char *err);

/* A failure of abc or pct_rank: out of memory, or (TIER_ESTATE) a frozen reference without the
 * call's figures. */
static int population_fail(const tier__ectx *c, const tier__pexpr *e, int rc, char *err)
{
    if (rc == TIER_ENOMEM)
        return tier__eval_nomem(e, err);
    if (rc == TIER_ENOTFOUND) {
        tier__errorf(err,
                     "the population figures do not fit %s: they give no rank for a value of "
                     "this run, or the figures of another function (make them from this run's "
                     "inputs)",
                     c->call_key ? c->call_key + 2 : "a population function");
        return TIER_ESTATE;
    }
    tier__errorf(err, "the frozen run has no figures for %s (freeze the run again)",
                 c->call_key ? c->call_key + 2 : "a population function");
    return rc;
}

/* abc and pct_rank order every row: each distinct call (by its canonical text) is computed once
 * per context. Their arguments are numbers, which cannot depend on `tier`. */
int tier__eval_call(tier__ectx *c, const tier__pexpr *e, tier__eval_val *out, char *err)
{
    int f = function_of(e->text), type, rc;
    struct eref *hit;
    tier__buf key;
    rc = tier__eval_call_type(c, e, 0, &type, err);
    if (rc)
        return rc;
    if (f != F_ABC && f != F_PCT_RANK)
        return call(c, e, out, err);
    tier__buf_init(&key, c->a);
    tier__buf_puts(&key, "()");
    tier__pexpr_describe(e, &key);
    if (tier__buf_status(&key)) {
        tier__buf_free(&key);
        return tier__eval_nomem(e, err);
    }
    if ((hit = tier__eval_cached(c, tier__buf_data(&key))) == NULL) {
        tier__eval_val v;
        c->call_key = tier__buf_data(&key);
        rc = call(c, e, &v, err);
        c->call_key = NULL;
        if (rc == TIER_OK && tier__eval_cache(c, tier__buf_data(&key), &v))
            rc = tier__eval_nomem(e, err);
        hit = rc ? NULL : &c->refs[c->n_refs - 1];
    }
    tier__buf_free(&key);
    if (!hit)
        return rc;
    *out = hit->v;
    out->own = NULL;
    return TIER_OK;
}

static int call(tier__ectx *c, const tier__pexpr *e, tier__eval_val *out, char *err)
{
    int f = function_of(e->text), type = TIER__PT_NONE, rc;
    tier__eval_val *args;
    size_t i, r, n = c->n, nargs = f == F_ABC ? 1 : e->n_args;
    memset(out, 0, sizeof *out);
    rc = tier__eval_call_type(c, e, 0, &type, err);
    if (rc)
        return rc;
    args = tier__calloc(c->a, nargs, sizeof *args);
    if (!args)
        return tier__eval_nomem(e, err);
    for (i = 0; i < nargs; i++) {
        rc = tier__eval_node(c, e->args[i],
                             type == TIER__PT_TEXT && f == F_COALESCE ? type : TIER__PT_NUMBER,
                             &args[i], err);
        if (rc)
            goto done;
    }
    if (f == F_COALESCE && type == TIER__PT_TEXT) {
        rc = coalesce_texts(c, e, args, out, err);
        goto done;
    }
    if (f == F_ABC) {
        double ta = 0.8, tb = 0.95;
        int32_t *cls = tier__malloc_n(c->a, n, sizeof *cls);
        if (e->n_args == 3) {
            (void)constant(e->args[1], &ta);
            (void)constant(e->args[2], &tb);
        }
        if (!cls) {
            rc = tier__eval_nomem(e, err);
            goto done;
        }
        if (args[0].scalar) {
            /* One value for every row: expand it so that ties order by id like any column. */
            double *col = tier__malloc_n(c->a, n, sizeof *col);
            if (!col) {
                tier__free(c->a, cls);
                rc = tier__eval_nomem(e, err);
                goto done;
            }
            for (r = 0; r < n; r++)
                col[r] = args[0].s;
            args[0].num = col;
            args[0].own = col;
            args[0].scalar = 0;
        }
        if ((rc = abc(c, args[0].num, ta, tb, cls)) != TIER_OK) {
            tier__free(c->a, cls);
            rc = population_fail(c, e, rc, err);
            goto done;
        }
        out->type = TIER__PT_TEXT;
        out->codes = cls;
        out->own = cls;
        out->texts = abc_labels;
        out->n_texts = 3;
        goto done;
    }
    {
        double *o = tier__malloc_n(c->a, n, sizeof *o);
        if (!o) {
            rc = tier__eval_nomem(e, err);
            goto done;
        }
        out->type = TIER__PT_NUMBER;
        out->num = o;
        out->own = o;
        switch (f) {
        case F_PCT_RANK:
            if (args[0].scalar) {
                for (r = 0; r < n; r++)
                    o[r] = args[0].s == args[0].s ? 0.5 : NAN;
            } else if ((rc = pct_rank(c, args[0].num, o)) != TIER_OK) {
                rc = population_fail(c, e, rc, err);
            }
            break;
        case F_ABS:
            for (r = 0; r < n; r++)
                o[r] = fabs(num_at(&args[0], r));
            break;
        default: /* min, max, coalesce of numbers */
            for (r = 0; r < n; r++) {
                double best = NAN;
                for (i = 0; i < nargs; i++) {
                    double v = num_at(&args[i], r);
                    if (v != v)
                        continue;
                    if (f == F_COALESCE) {
                        best = v;
                        break;
                    }
                    if (best != best || (f == F_MIN ? v < best : v > best))
                        best = v;
                }
                o[r] = best;
            }
            break;
        }
        if (rc)
            tier__eval_drop(c, out);
    }
done:
    for (i = 0; i < nargs; i++)
        tier__eval_drop(c, &args[i]);
    tier__free(c->a, args);
    return rc;
}
