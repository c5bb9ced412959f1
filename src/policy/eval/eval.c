/* SPDX-License-Identifier: MIT */
/* Column-wise evaluation of policy expressions (docs/policy-format.md, "Expressions"): each node
 * gives a whole column (or one scalar for every row), model outputs are borrowed from the frame,
 * texts are compared as codes, and windows, lets and attributes are computed once per context. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/book_internal.h"
#include "models/model_common.h"
#include "policy/eval/eval_internal.h"

/* ---- errors --------------------------------------------------------------------------------- */

/* Writes "line:col: message" (or the message alone for a node without a place) into err. */
static void vput(const tier__pexpr *e, char *err, const char *fmt, va_list ap) TIER__PRINTF(3, 0);
static void vput(const tier__pexpr *e, char *err, const char *fmt, va_list ap)
{
    char msg[TIER__ERR_SIZE];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (e && e->line > 0)
        tier__errorf(err, "%d:%d: %s", e->line, e->col, msg);
    else
        tier__errorf(err, "%s", msg);
}

/* The status of a failure at e: a place in the policy text is a parse error. Never TIER_OK (a
 * function of its own so that the analyzer, which does not follow variadic calls, sees it). */
static int fail_code(const tier__pexpr *e)
{
    return e && e->line > 0 ? TIER_EPARSE : TIER_EINVAL;
}

int tier__eval_fail(const tier__pexpr *e, char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vput(e, err, fmt, ap);
    va_end(ap);
    return fail_code(e);
}

int tier__eval_nomem(const tier__pexpr *e, char *err)
{
    if (e && e->line > 0)
        tier__errorf(err, "%d:%d: out of memory evaluating the expression", e->line, e->col);
    else
        tier__errorf(err, "out of memory evaluating the policy");
    return TIER_ENOMEM;
}

const char *tier__type_name(int type)
{
    return type == TIER__PT_NUMBER ? "number"
           : type == TIER__PT_TEXT ? "text"
           : type == TIER__PT_BOOL ? "bool"
                                   : "unknown";
}

/* Unknown names give TIER_ENOTFOUND. */
static int not_found(const tier__pexpr *e, char *err, const char *fmt, ...) TIER__PRINTF(3, 4);
static int not_found(const tier__pexpr *e, char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vput(e, err, fmt, ap);
    va_end(ap);
    return TIER_ENOTFOUND;
}

/* ---- the context ---------------------------------------------------------------------------- */

int tier__ectx_keep(tier__ectx *c, void *p)
{
    if (tier__grow(c->a, (void **)&c->keep, &c->cap_keep, c->n_keep + 1, sizeof *c->keep)) {
        tier__free(c->a, p);
        return TIER_ENOMEM;
    }
    c->keep[c->n_keep++] = p;
    return TIER_OK;
}

void tier__eval_drop(tier__ectx *c, tier__eval_val *v)
{
    tier__free(c->a, v->own);
    v->own = NULL;
}

int tier__ectx_new(tier__ectx **out, const tier_allocator *a, const tier__pol *pol,
                   const tier_book *book, const tier_frame *frame, const tier__rowset *rows,
                   double as_of, char *err)
{
    tier__ectx *c;
    size_t nw = pol->n_windows ? pol->n_windows : 1, nl = pol->n_lets ? pol->n_lets : 1;
    *out = NULL;
    c = tier__calloc(a, 1, sizeof *c);
    if (!c)
        goto nomem;
    c->a = a;
    c->pol = pol;
    c->book = book;
    c->frame = frame;
    /* Without rows, row r is customer r: nothing per row needs building. */
    c->rows = rows;
    c->identity = !rows;
    c->n = rows ? rows->n : frame ? tier_frame_rows(frame) : 0;
    c->win = tier__calloc(a, nw, sizeof *c->win);
    c->win_done = tier__calloc(a, nw, 1);
    c->let = tier__calloc(a, nl, sizeof *c->let);
    c->let_state = tier__calloc(a, nl, 1);
    c->let_type = tier__calloc(a, nl, sizeof *c->let_type);
    if (!c->win || !c->win_done || !c->let || !c->let_state || !c->let_type) {
        tier__ectx_free(c);
        goto nomem;
    }
    c->to = INT32_MAX;
    if (book)
        c->have_day = tier__model_as_of(book, as_of, &c->to);
    if (!c->have_day)
        c->to = INT32_MAX;
    *out = c;
    return TIER_OK;
nomem:
    tier__errorf(err, "out of memory preparing the policy's evaluation");
    return TIER_ENOMEM;
}

void tier__ectx_free(tier__ectx *c)
{
    size_t i;
    if (!c)
        return;
    if (c->win)
        for (i = 0; i < c->pol->n_windows; i++)
            tier__free(c->a, c->win[i].own);
    if (c->let)
        for (i = 0; i < c->pol->n_lets; i++)
            tier__free(c->a, c->let[i].own);
    for (i = 0; i < c->n_refs; i++) {
        tier__free(c->a, c->refs[i].name);
        tier__free(c->a, c->refs[i].v.own);
    }
    for (i = 0; i < c->n_keep; i++)
        tier__free(c->a, c->keep[i]);
    tier__free(c->a, c->keep);
    tier__free(c->a, c->refs);
    tier__free(c->a, c->win);
    tier__free(c->a, c->win_done);
    tier__free(c->a, c->let);
    tier__free(c->a, c->let_state);
    tier__free(c->a, c->let_type);
    tier__free(c->a, c);
}

size_t tier__ectx_rows(const tier__ectx *c)
{
    return c->n;
}

void tier__ectx_set_ref(tier__ectx *c, tier__policy_ref *ref)
{
    c->ref = ref;
}

void tier__ectx_set_windows(tier__ectx *c, tier__window_fn fn, void *ud)
{
    c->wfn = fn;
    c->wud = ud;
}

void tier__ectx_set_tiers(tier__ectx *c, const int32_t *tiers, char *const *names, size_t n_names)
{
    c->tiers = tiers;
    c->tier_names = (const char *const *)names;
    c->n_tier_names = n_names;
    c->have_tiers = 1;
}

/* ---- references ----------------------------------------------------------------------------- */

static int find_window(const tier__pol *pol, const char *name)
{
    return (int)tier__pol_find(pol->windows, pol->n_windows, sizeof *pol->windows, name);
}

static int find_let(const tier__pol *pol, const char *name)
{
    return (int)tier__pol_find(pol->lets, pol->n_lets, sizeof *pol->lets, name);
}

/* "unknown output 'rfm.x' (model rfm has: r, f, m)" or, when no column has the model's prefix,
 * "no column 'rfm.x' (no model wrote it)". */
static int unknown_output(tier__ectx *c, const tier__pexpr *e, char *err)
{
    const char *name = e->text, *dot = strchr(name, '.');
    size_t plen = (size_t)(dot - name) + 1, i,
           nc = c->frame ? tier_frame_column_count(c->frame) : 0;
    char list[TIER__ERR_SIZE];
    size_t len = 0;
    list[0] = '\0';
    for (i = 0; i < nc; i++) {
        const char *cn = tier_frame_column_name(c->frame, i);
        int w;
        if (!cn || strncmp(cn, name, plen) != 0)
            continue;
        w = snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", cn + plen);
        if (w < 0 || (size_t)w >= sizeof list - len) {
            len = sizeof list - 1;
            break;
        }
        len += (size_t)w;
    }
    if (len == 0)
        return not_found(e, err, "no column '%s' (no model wrote it)", name);
    return not_found(e, err, "unknown output '%s' (model %.*s has: %s)", name, (int)(plen - 1),
                     name, list);
}

/* The type of a reference: model output, attribute, window, let or `tier`. */
static int ref_type(tier__ectx *c, const tier__pexpr *e, int depth, int *type, char *err)
{
    const char *name = e->text;
    int k;
    size_t col;
    if (!name || !*name)
        return tier__eval_fail(e, err, "empty reference");
    if (strchr(name, '.')) {
        if (strncmp(name, "attr.", 5) == 0) {
            int t;
            if (!c->book)
                return tier__eval_fail(e, err, "'%s' needs the book of accounts", name);
            t = tier__book_attr_type(c->book, name + 5);
            *type = t == TIER_ATTR_NUMBER ? TIER__PT_NUMBER
                    : t == TIER_ATTR_TEXT ? TIER__PT_TEXT
                                          : TIER__PT_NONE;
            return TIER_OK;
        }
        if (!c->frame || tier_frame_find(c->frame, name, &col) != TIER_OK)
            return unknown_output(c, e, err);
        *type = tier_frame_column_type(c->frame, col) == TIER_VALUE_LABEL ? TIER__PT_TEXT
                                                                          : TIER__PT_NUMBER;
        return TIER_OK;
    }
    if (find_window(c->pol, name) >= 0) {
        *type = TIER__PT_NUMBER;
        return TIER_OK;
    }
    if ((k = find_let(c->pol, name)) >= 0) {
        int rc;
        /* let_type: 0 not known yet, -1 known to be none (an unset attribute), else the type. */
        if (c->let_type[k]) {
            *type = c->let_type[k] > 0 ? c->let_type[k] : TIER__PT_NONE;
            return TIER_OK;
        }
        if (c->let_state[k] == 1)
            return tier__eval_fail(e, err, "let '%s' refers to itself", name);
        c->let_state[k] = 1;
        *type = TIER__PT_NONE;
        rc = tier__eval_typeof(c, c->pol->lets[k].expr, depth + 1, type, err);
        c->let_state[k] = 0;
        if (rc == TIER_OK)
            c->let_type[k] = *type != TIER__PT_NONE ? *type : -1;
        return rc;
    }
    if (strcmp(name, "tier") == 0) {
        if (!c->have_tiers)
            return tier__eval_fail(e, err,
                                   "'tier' is known only once the tiers are placed (in flags and "
                                   "routing)");
        *type = TIER__PT_TEXT;
        return TIER_OK;
    }
    return not_found(e, err, "unknown name '%s' (not a window, let, model output or attr.NAME)",
                     name);
}

struct eref *tier__eval_cached(tier__ectx *c, const char *name)
{
    size_t i;
    for (i = 0; i < c->n_refs; i++)
        if (strcmp(c->refs[i].name, name) == 0)
            return &c->refs[i];
    return NULL;
}

/* Adds a cache entry holding v (taking its column); on failure v's column is freed. */
int tier__eval_cache(tier__ectx *c, const char *name, tier__eval_val *v)
{
    char *copy;
    if (tier__grow(c->a, (void **)&c->refs, &c->cap_refs, c->n_refs + 1, sizeof *c->refs) ||
        !(copy = tier__strdup(c->a, name))) {
        tier__eval_drop(c, v);
        return TIER_ENOMEM;
    }
    c->refs[c->n_refs].name = copy;
    c->refs[c->n_refs].v = *v;
    c->n_refs++;
    v->own = NULL; /* the cache owns it now */
    return TIER_OK;
}

typedef struct gather_job {
    const tier__ectx *c;
    const char *src;
    char *o;
    size_t size;
} gather_job;

static void gather_rows(void *arg, size_t k, size_t b, size_t e)
{
    const gather_job *j = arg;
    const size_t *lead = j->c->rows->lead, size = j->size;
    size_t r;
    (void)k;
    for (r = b; r < e; r++)
        memcpy(j->o + r * size, j->src + lead[r] * size, size);
}

/* Row r's value of the per-customer array `src` (elements of `size` bytes), in a new array. */
static void *gather(tier__ectx *c, const void *src, size_t size)
{
    gather_job j;
    j.c = c;
    j.src = src;
    j.size = size;
    j.o = tier__malloc_n(c->a, c->n, size);
    if (j.o)
        tier__eval_slices(c, gather_rows, &j);
    return j.o;
}

/* A frame column as the rows see it: borrowed with identity rows, else gathered from leads. */
static int frame_ref(tier__ectx *c, size_t col, tier__eval_val *v)
{
    if (tier_frame_column_type(c->frame, col) == TIER_VALUE_LABEL) {
        const int32_t *src = tier_frame_labels(c->frame, col);
        size_t nl = tier_frame_label_count(c->frame, col), l;
        const char **texts = tier__calloc(c->a, nl ? nl : 1, sizeof *texts);
        if (!texts || tier__ectx_keep(c, (void *)texts))
            return TIER_ENOMEM;
        for (l = 0; l < nl; l++)
            texts[l] = tier_frame_label_text(c->frame, col, (int32_t)l);
        v->type = TIER__PT_TEXT;
        v->texts = texts;
        v->n_texts = nl;
        v->codes = src;
        if (c->identity)
            return TIER_OK;
        if (!(v->own = gather(c, src, sizeof *src)))
            return TIER_ENOMEM;
        v->codes = v->own;
        return TIER_OK;
    }
    v->type = TIER__PT_NUMBER;
    v->num = tier_frame_numbers(c->frame, col);
    if (c->identity)
        return TIER_OK;
    if (!(v->own = gather(c, v->num, sizeof *v->num)))
        return TIER_ENOMEM;
    v->num = v->own;
    return TIER_OK;
}

static size_t lead_of(const tier__ectx *c, size_t r)
{
    return c->identity ? r : c->rows->lead[r];
}

/* A text attribute as codes into the dictionary of its distinct values. */
static int text_attr(tier__ectx *c, const char *name, tier__eval_val *v)
{
    const char *const *vals;
    size_t have = tier__book_texts(c->book, name, &vals), r;
    size_t ncust = tier_book_customer_count(c->book);
    tier__tdict d;
    int32_t *codes = tier__malloc_n(c->a, c->n, sizeof *codes);
    memset(&d, 0, sizeof d);
    if (!codes)
        return TIER_ENOMEM;
    for (r = 0; r < c->n; r++) {
        size_t i = lead_of(c, r);
        const char *s = i < have && i < ncust ? vals[i] : NULL;
        codes[r] = s ? tier__tdict_add(c->a, &d, s) : -1;
        if (s && codes[r] < 0) {
            tier__tdict_free(c->a, &d);
            tier__free(c->a, codes);
            return TIER_ENOMEM;
        }
    }
    if (tier__tdict_give(c, &d, codes, v)) {
        tier__free(c->a, codes);
        return TIER_ENOMEM;
    }
    return TIER_OK;
}

static int number_attr(tier__ectx *c, const char *name, tier__eval_val *v)
{
    size_t ncust = tier_book_customer_count(c->book), r;
    double *all;
    if (!c->identity && c->n < ncust / 64) {
        /* A few rows (incremental re-tiering): their leads' values, not the whole column. */
        if (!(all = tier__malloc_n(c->a, c->n, sizeof *all)))
            return TIER_ENOMEM;
        for (r = 0; r < c->n; r++) {
            int type;
            all[r] = tier__book_number_at(c->book, c->rows->lead[r], name, &type);
        }
        v->type = TIER__PT_NUMBER;
        v->num = all;
        v->own = all;
        return TIER_OK;
    }
    all = tier__malloc_n(c->a, ncust, sizeof *all);
    if (!all)
        return TIER_ENOMEM;
    tier__book_copy_numbers(c->book, name, all);
    if (!c->identity) {
        double *o = gather(c, all, sizeof *all);
        tier__free(c->a, all);
        if (!o)
            return TIER_ENOMEM;
        all = o;
    }
    v->type = TIER__PT_NUMBER;
    v->num = all;
    v->own = all;
    return TIER_OK;
}

/* The first day of a window of `amount` calendar months before day `to`: the same day of the
 * month, clamped to the month's end; INT32_MIN before the supported calendar. */
static int32_t months_back(int32_t to, int amount)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, dim;
    long total;
    int32_t out;
    if (tier_date_to_ymd(to, &y, &m, &d) != TIER_OK)
        return INT32_MIN;
    total = (long)y * 12 + (m - 1) - amount;
    if (total < 1900L * 12)
        return INT32_MIN;
    y = (int)(total / 12);
    m = (int)(total % 12) + 1;
    dim = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (d > dim)
        d = dim;
    if (tier_date_from_ymd(&out, y, m, d) != TIER_OK)
        return INT32_MIN;
    return out;
}

int32_t tier__window_from(const tier__pwindow *w, int have_day, int32_t to)
{
    if (have_day && w->unit == TIER__PW_DAYS)
        return (int32_t)((int64_t)to - w->amount < INT32_MIN ? INT32_MIN : (int64_t)to - w->amount);
    if (have_day && w->unit == TIER__PW_MONTHS)
        return months_back(to, w->amount);
    return INT32_MIN;
}

/* A window's figure per row: exact fixed-point sums over the row's members. */
static int window_value(tier__ectx *c, const tier__pexpr *e, int k, tier__eval_val *v, char *err)
{
    const tier__pwindow *w = &c->pol->windows[k];
    const tier__figures *fig = NULL;
    tier__figures *owned = NULL;
    char why[TIER__ERR_SIZE];
    int32_t from = INT32_MIN, to = c->to, first, last;
    double *o;
    size_t r;
    int rc, all;
    if (!c->book)
        return tier__eval_fail(e, err, "window '%s' needs the book", w->name);
    if (c->wfn)
        return tier__window_rows(c, e, k, v, err);
    from = tier__window_from(w, c->have_day, to);
    /* Net amounts, margins and row counts of the running figures are exact whatever the order
     * the rows came in; purchase-days and partial windows need the book's figures. */
    all = tier_book_day_range(c->book, &first, &last) != TIER_OK || (from <= first && to > last);
    if (all && w->measure != TIER__PW_PURCHASE_DAYS) {
        fig = tier__book_running(c->book);
    } else {
        why[0] = '\0';
        rc = tier__book_figures_view(c->book, from, to, &fig, &owned, why);
        if (rc) {
            char msg[TIER__ERR_SIZE];
            snprintf(msg, sizeof msg, "window '%s': %s", w->name, why[0] ? why : tier_strerror(rc));
            if (e && e->line > 0)
                tier__errorf(err, "%d:%d: %s", e->line, e->col, msg);
            else
                tier__errorf(err, "%s", msg);
            return rc; /* TIER_ESTATE stays TIER_ESTATE: the caller may read again keeping rows */
        }
    }
    o = tier__malloc_n(c->a, c->n, sizeof *o);
    if (!o) {
        tier__free(tier__book_allocator(c->book), owned);
        return tier__eval_nomem(e, err);
    }
    if ((r = tier__window_column(c, w, fig, o)) != SIZE_MAX) {
        tier__free(c->a, o);
        tier__free(tier__book_allocator(c->book), owned);
        return tier__eval_fail(e, err, "window '%s' overflows for row %zu", w->name, r);
    }
    tier__free(tier__book_allocator(c->book), owned);
    v->type = TIER__PT_NUMBER;
    v->num = o;
    v->own = o;
    return TIER_OK;
}

/* A reference's value, borrowed from a cache (v->own stays NULL). */
static int ref_value(tier__ectx *c, const tier__pexpr *e, int hint, tier__eval_val *v, char *err)
{
    const char *name = e->text;
    int k, type, rc;
    memset(v, 0, sizeof *v);
    rc = ref_type(c, e, 0, &type, err);
    if (rc)
        return rc;
    if ((k = find_window(c->pol, name)) >= 0 && !strchr(name, '.')) {
        if (!c->win_done[k]) {
            rc = window_value(c, e, k, &c->win[k], err);
            if (rc)
                return rc;
            c->win_done[k] = 1;
        }
        *v = c->win[k];
        v->own = NULL;
        return TIER_OK;
    }
    if (!strchr(name, '.') && (k = find_let(c->pol, name)) >= 0) {
        if (c->let_state[k] != 2) {
            tier__eval_val lv;
            if (c->let_state[k] == 1)
                return tier__eval_fail(e, err, "let '%s' refers to itself", name);
            c->let_state[k] = 1;
            rc = tier__eval_node(c, c->pol->lets[k].expr, hint, &lv, err);
            c->let_state[k] = 0;
            if (rc)
                return rc;
            c->let[k] = lv;
            c->let_state[k] = 2;
        }
        *v = c->let[k];
        v->own = NULL;
        return TIER_OK;
    }
    if (!strchr(name, '.')) { /* tier */
        v->type = TIER__PT_TEXT;
        v->texts = c->tier_names;
        v->n_texts = c->n_tier_names;
        v->codes = c->tiers;
        return TIER_OK;
    }
    {
        struct eref *ce = tier__eval_cached(c, name);
        tier__eval_val nv;
        size_t col;
        if (ce) {
            *v = ce->v;
            v->own = NULL;
            return TIER_OK;
        }
        memset(&nv, 0, sizeof nv);
        if (type == TIER__PT_NONE) {
            /* An attribute no customer has: missing, of whatever type is wanted. */
            nv.type = hint == TIER__PT_TEXT || hint == TIER__PT_NUMBER ? hint : TIER__PT_NUMBER;
            nv.scalar = 1;
            nv.s = NAN;
            nv.sc = -1;
            *v = nv;
            return TIER_OK;
        }
        if (strncmp(name, "attr.", 5) == 0)
            rc =
                type == TIER__PT_TEXT ? text_attr(c, name + 5, &nv) : number_attr(c, name + 5, &nv);
        else
            rc = tier_frame_find(c->frame, name, &col) == TIER_OK ? frame_ref(c, col, &nv)
                                                                  : unknown_output(c, e, err);
        if (rc == TIER_ENOMEM)
            return tier__eval_nomem(e, err);
        if (rc)
            return rc;
        if (tier__eval_cache(c, name, &nv))
            return tier__eval_nomem(e, err);
        *v = c->refs[c->n_refs - 1].v;
        v->own = NULL;
        return TIER_OK;
    }
}

/* ---- types ---------------------------------------------------------------------------------- */

static int is(int type, int want)
{
    return type == want || type == TIER__PT_NONE;
}

/* How a message names an operand: "m.k (a text)" for a reference, else "a text". */
static const char *operand(const tier__pexpr *e, int type, char *buf, size_t cap)
{
    if (e && e->kind == TIER__PX_REF && e->text)
        snprintf(buf, cap, "%s (a %s)", e->text, tier__type_name(type));
    else
        snprintf(buf, cap, "a %s", tier__type_name(type));
    return buf;
}

static const char *op_text(int op)
{
    static const char *const t[] = {
        "?", "or", "and", "not", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "-"};
    return op > 0 && op <= TIER__POP_NEG ? t[op] : "?";
}

/* The type of a binary operation on operands of types lt and rt. */
static int binary_type(const tier__pexpr *e, int lt, int rt, int *type, char *err)
{
    char lb[TIER__POL_MAX_NAME * 2 + 32], rb[TIER__POL_MAX_NAME * 2 + 32];
    const char *takes;
    int want, result;
    switch (e->op) {
    case TIER__POP_AND:
    case TIER__POP_OR:
        want = TIER__PT_BOOL, result = TIER__PT_BOOL, takes = "takes bools";
        break;
    case TIER__POP_EQ:
    case TIER__POP_NE:
        if (lt == TIER__PT_BOOL || rt == TIER__PT_BOOL ||
            (lt != TIER__PT_NONE && rt != TIER__PT_NONE && lt != rt))
            return tier__eval_fail(e, err, "'%s' compares two numbers or two texts, got %s and %s",
                                   op_text(e->op), operand(e->args[0], lt, lb, sizeof lb),
                                   operand(e->args[1], rt, rb, sizeof rb));
        *type = TIER__PT_BOOL;
        return TIER_OK;
    case TIER__POP_LT:
    case TIER__POP_LE:
    case TIER__POP_GT:
    case TIER__POP_GE:
        want = TIER__PT_NUMBER, result = TIER__PT_BOOL, takes = "compares numbers";
        break;
    case TIER__POP_ADD:
    case TIER__POP_SUB:
    case TIER__POP_MUL:
    case TIER__POP_DIV:
        want = TIER__PT_NUMBER, result = TIER__PT_NUMBER, takes = "takes numbers";
        break;
    default:
        return tier__eval_fail(e, err, "unknown operator %d", e->op);
    }
    if (!is(lt, want) || !is(rt, want))
        return tier__eval_fail(e, err, "'%s' %s, got %s and %s", op_text(e->op), takes,
                               operand(e->args[0], lt, lb, sizeof lb),
                               operand(e->args[1], rt, rb, sizeof rb));
    *type = result;
    return TIER_OK;
}

static int typeof_node(tier__ectx *c, const tier__pexpr *e, int depth, int *type, char *err);

int tier__eval_typeof(tier__ectx *c, const tier__pexpr *e, int depth, int *type, char *err)
{
    int rc;
    *type = TIER__PT_NONE; /* defined on every path, the analyzer's included */
    if (c->memo && e && c->memo->cap) {
        size_t i = tier__memo_slot(c->memo, e);
        if (c->memo->keys[i]) {
            *type = c->memo->types[i];
            return TIER_OK;
        }
    }
    rc = typeof_node(c, e, depth, type, err);
    if (rc == TIER_OK && c->memo && e)
        tier__memo_put(c->memo, e, *type);
    return rc;
}

static int typeof_node(tier__ectx *c, const tier__pexpr *e, int depth, int *type, char *err)
{
    char lb[TIER__POL_MAX_NAME * 2 + 32];
    int lt = 0, rt = 0, rc;
    size_t i;
    if (!e)
        return tier__eval_fail(e, err, "missing expression");
    if (depth > TIER__POL_MAX_DEPTH * 4)
        return tier__eval_fail(e, err, "expression nested too deeply");
    switch (e->kind) {
    case TIER__PX_NUMBER:
        *type = TIER__PT_NUMBER;
        return TIER_OK;
    case TIER__PX_TEXT:
        *type = TIER__PT_TEXT;
        return TIER_OK;
    case TIER__PX_BOOL:
        *type = TIER__PT_BOOL;
        return TIER_OK;
    case TIER__PX_REF:
        return ref_type(c, e, depth, type, err);
    case TIER__PX_UNARY:
        if (e->n_args != 1)
            return tier__eval_fail(e, err, "'%s' takes one operand", op_text(e->op));
        if ((rc = tier__eval_typeof(c, e->args[0], depth + 1, &lt, err)) != 0)
            return rc;
        if (e->op == TIER__POP_NOT) {
            if (!is(lt, TIER__PT_BOOL))
                return tier__eval_fail(e, err, "'not' takes a bool, got %s",
                                       operand(e->args[0], lt, lb, sizeof lb));
            *type = TIER__PT_BOOL;
        } else {
            if (!is(lt, TIER__PT_NUMBER))
                return tier__eval_fail(e, err, "'-' takes a number, got %s",
                                       operand(e->args[0], lt, lb, sizeof lb));
            *type = TIER__PT_NUMBER;
        }
        return TIER_OK;
    case TIER__PX_BINARY:
        if (e->n_args != 2)
            return tier__eval_fail(e, err, "'%s' takes two operands", op_text(e->op));
        if ((rc = tier__eval_typeof(c, e->args[0], depth + 1, &lt, err)) != 0 ||
            (rc = tier__eval_typeof(c, e->args[1], depth + 1, &rt, err)) != 0)
            return rc;
        return binary_type(e, lt, rt, type, err);
    case TIER__PX_IN:
        if (e->n_args < 2)
            return tier__eval_fail(e, err, "'in' needs a list of at least one value");
        if ((rc = tier__eval_typeof(c, e->args[0], depth + 1, &lt, err)) != 0)
            return rc;
        if (lt == TIER__PT_BOOL)
            return tier__eval_fail(e, err, "'in' takes a number or a text, got a bool");
        for (i = 1; i < e->n_args; i++) {
            const tier__pexpr *it = e->args[i];
            int want = it->kind == TIER__PX_NUMBER ? TIER__PT_NUMBER
                       : it->kind == TIER__PX_TEXT ? TIER__PT_TEXT
                                                   : 0;
            if (!want)
                return tier__eval_fail(it, err, "a list of 'in' holds numbers or strings");
            if (lt == TIER__PT_NONE)
                lt = want;
            if (want != lt)
                return tier__eval_fail(it, err, "'in' compares a %s with a %s", tier__type_name(lt),
                                       tier__type_name(want));
        }
        *type = TIER__PT_BOOL;
        return TIER_OK;
    case TIER__PX_BETWEEN:
        if (e->n_args != 3)
            return tier__eval_fail(e, err, "'between' takes three operands");
        for (i = 0; i < 3; i++) {
            if ((rc = tier__eval_typeof(c, e->args[i], depth + 1, &lt, err)) != 0)
                return rc;
            if (!is(lt, TIER__PT_NUMBER))
                return tier__eval_fail(e->args[i], err, "'between' takes numbers, got a %s",
                                       tier__type_name(lt));
        }
        *type = TIER__PT_BOOL;
        return TIER_OK;
    case TIER__PX_MISSING:
        if (e->n_args != 1)
            return tier__eval_fail(e, err, "'is missing' takes one operand");
        if ((rc = tier__eval_typeof(c, e->args[0], depth + 1, &lt, err)) != 0)
            return rc;
        *type = TIER__PT_BOOL;
        return TIER_OK;
    case TIER__PX_CALL:
        return tier__eval_call_type(c, e, depth, type, err);
    default:
        return tier__eval_fail(e, err, "unknown expression kind %d", e->kind);
    }
}

int tier__eval_node(tier__ectx *c, const tier__pexpr *e, int hint, tier__eval_val *out, char *err)
{
    tier__eval_val l, rt, h;
    int type, lt = 0, rtype = 0, rc;
    memset(out, 0, sizeof *out);
    rc = tier__eval_typeof(c, e, 0, &type, err);
    if (rc)
        return rc;
    switch (e->kind) {
    case TIER__PX_NUMBER:
    case TIER__PX_BOOL:
        out->type = e->kind == TIER__PX_NUMBER ? TIER__PT_NUMBER : TIER__PT_BOOL;
        out->scalar = 1;
        out->s = e->num;
        return TIER_OK;
    case TIER__PX_TEXT:
        out->type = TIER__PT_TEXT;
        out->scalar = 1;
        out->sc = 0;
        out->texts = (const char *const *)&e->text;
        out->n_texts = 1;
        return TIER_OK;
    case TIER__PX_REF:
        return ref_value(c, e, hint, out, err);
    case TIER__PX_CALL:
        return tier__eval_call(c, e, out, err);
    default:
        break;
    }
    memset(&l, 0, sizeof l);
    memset(&rt, 0, sizeof rt);
    memset(&h, 0, sizeof h);
    if (e->kind == TIER__PX_UNARY) {
        rc = tier__eval_node(c, e->args[0],
                             e->op == TIER__POP_NOT ? TIER__PT_BOOL : TIER__PT_NUMBER, &l, err);
        if (rc)
            return rc;
        out->type =
            l.type == TIER__PT_BOOL || e->op == TIER__POP_NOT ? TIER__PT_BOOL : TIER__PT_NUMBER;
        if (l.scalar) {
            out->scalar = 1;
            out->s = e->op == TIER__POP_NOT ? !(l.s != 0) : -l.s;
        } else {
            rc = tier__op_unary(c, e->op, &l, out);
        }
        tier__eval_drop(c, &l);
        return rc ? tier__eval_nomem(e, err) : TIER_OK;
    }
    if (e->kind == TIER__PX_BINARY) {
        if ((rc = tier__eval_typeof(c, e->args[0], 0, &lt, err)) != 0 ||
            (rc = tier__eval_typeof(c, e->args[1], 0, &rtype, err)) != 0)
            return rc;
        if (lt == TIER__PT_NONE)
            lt = rtype != TIER__PT_NONE ? rtype : TIER__PT_NUMBER;
        if (rtype == TIER__PT_NONE)
            rtype = lt;
        if ((rc = tier__eval_node(c, e->args[0], lt, &l, err)) != 0)
            return rc;
        if ((rc = tier__eval_node(c, e->args[1], rtype, &rt, err)) != 0) {
            tier__eval_drop(c, &l);
            return rc;
        }
        switch (e->op) {
        case TIER__POP_AND:
        case TIER__POP_OR:
            rc = tier__op_logic(c, e->op, &l, &rt, out);
            break;
        case TIER__POP_ADD:
        case TIER__POP_SUB:
        case TIER__POP_MUL:
        case TIER__POP_DIV:
            rc = tier__op_arith(c, e->op, &l, &rt, out);
            break;
        default:
            if (l.type == TIER__PT_TEXT) {
                rc = tier__op_compare_texts(c, e, &l, &rt, out, err);
                tier__eval_drop(c, &l);
                tier__eval_drop(c, &rt);
                return rc;
            }
            rc = tier__op_compare_numbers(c, e->op, &l, &rt, out);
            break;
        }
        tier__eval_drop(c, &l);
        tier__eval_drop(c, &rt);
        return rc ? tier__eval_nomem(e, err) : TIER_OK;
    }
    if (e->kind == TIER__PX_IN) {
        int want = e->args[1]->kind == TIER__PX_TEXT ? TIER__PT_TEXT : TIER__PT_NUMBER;
        if ((rc = tier__eval_node(c, e->args[0], want, &l, err)) != 0)
            return rc;
        rc = tier__op_in_list(c, e, &l, out, err);
        tier__eval_drop(c, &l);
        return rc;
    }
    if (e->kind == TIER__PX_BETWEEN) {
        if ((rc = tier__eval_node(c, e->args[0], TIER__PT_NUMBER, &l, err)) != 0)
            return rc;
        if ((rc = tier__eval_node(c, e->args[1], TIER__PT_NUMBER, &rt, err)) == 0 &&
            (rc = tier__eval_node(c, e->args[2], TIER__PT_NUMBER, &h, err)) == 0 &&
            tier__op_between(c, &l, &rt, &h, out))
            rc = tier__eval_nomem(e, err);
        tier__eval_drop(c, &l);
        tier__eval_drop(c, &rt);
        tier__eval_drop(c, &h);
        return rc;
    }
    /* TIER__PX_MISSING */
    if ((rc = tier__eval_node(c, e->args[0], TIER__PT_NUMBER, &l, err)) != 0)
        return rc;
    rc = tier__op_missing(c, e, &l, out) ? tier__eval_nomem(e, err) : TIER_OK;
    tier__eval_drop(c, &l);
    return rc;
}

/* ---- the calls of eval.h -------------------------------------------------------------------- */

int tier__eval_type(tier__ectx *c, const tier__pexpr *e, int *type, char *err)
{
    int rc = tier__eval_typeof(c, e, 0, type, err);
    return rc;
}

static int eval_as(tier__ectx *c, const tier__pexpr *e, int want, tier__eval_val *v, char *err)
{
    int type, rc = tier__eval_typeof(c, e, 0, &type, err);
    if (rc)
        return rc;
    if (type != want && type != TIER__PT_NONE) {
        tier__eval_fail(e, err, "expected a %s expression, got a %s", tier__type_name(want),
                        tier__type_name(type));
        return fail_code(e);
    }
    rc = tier__eval_node(c, e, want, v, err);
    if (rc == TIER_OK && v->type != want) {
        /* An unknown attribute: missing of the wanted type (bool: false). */
        tier__eval_drop(c, v);
        memset(v, 0, sizeof *v);
        v->type = want;
        v->scalar = 1;
        v->s = want == TIER__PT_BOOL ? 0 : NAN;
        v->sc = -1;
    }
    return rc;
}

size_t tier__eval_slices(const tier__ectx *c, tier__par_slice_fn fn, void *arg)
{
    return tier__par_slices(c->book ? tier__book_executor(c->book) : NULL, c->n, TIER__EVAL_GRAIN,
                            fn, arg);
}

typedef struct fill_job {
    const tier__eval_val *v;
    void *out;
} fill_job;

static void fill_rows(void *arg, size_t k, size_t b, size_t e)
{
    const fill_job *j = arg;
    const tier__eval_val *v = j->v;
    size_t r;
    (void)k;
    if (v->type == TIER__PT_BOOL) {
        unsigned char *o = j->out;
        if (v->scalar)
            memset(o + b, v->s != 0, e - b);
        else
            memcpy(o + b, v->b + b, e - b);
    } else if (v->type == TIER__PT_TEXT) {
        int32_t *o = j->out;
        if (!v->scalar)
            memcpy(o + b, v->codes + b, (e - b) * sizeof *o);
        else
            for (r = b; r < e; r++)
                o[r] = v->sc;
    } else {
        double *o = j->out;
        if (!v->scalar)
            memcpy(o + b, v->num + b, (e - b) * sizeof *o);
        else
            for (r = b; r < e; r++)
                o[r] = v->s;
    }
}

void tier__eval_fill(const tier__ectx *c, const tier__eval_val *v, void *out)
{
    fill_job j;
    j.v = v;
    j.out = out;
    tier__eval_slices(c, fill_rows, &j);
}

/* Evaluates `e` as `want` into one value a row in `out` (unsigned char, double or int32_t). */
static int eval_rows(tier__ectx *c, const tier__pexpr *e, int want, void *out, tier__eval_val *v,
                     char *err)
{
    int rc = eval_as(c, e, want, v, err);
    if (rc == TIER_OK)
        tier__eval_fill(c, v, out);
    return rc;
}

int tier__eval_bool(tier__ectx *c, const tier__pexpr *e, unsigned char *out, char *err)
{
    tier__eval_val v;
    int rc = eval_rows(c, e, TIER__PT_BOOL, out, &v, err);
    if (rc == TIER_OK)
        tier__eval_drop(c, &v);
    return rc;
}

int tier__eval_number(tier__ectx *c, const tier__pexpr *e, double *out, char *err)
{
    tier__eval_val v;
    int rc = eval_rows(c, e, TIER__PT_NUMBER, out, &v, err);
    if (rc == TIER_OK)
        tier__eval_drop(c, &v);
    return rc;
}

int tier__eval_text(tier__ectx *c, const tier__pexpr *e, int32_t *out, const char *const **texts,
                    size_t *n_texts, char *err)
{
    tier__eval_val v;
    int rc = eval_rows(c, e, TIER__PT_TEXT, out, &v, err);
    if (rc)
        return rc;
    *texts = v.texts;
    *n_texts = v.n_texts;
    tier__eval_drop(c, &v);
    return TIER_OK;
}
