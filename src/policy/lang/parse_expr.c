/* SPDX-License-Identifier: MIT */
/* The expression grammar of policy files (docs/policy-format.md, "Expressions") with the type
 * checks that can be made when the policy is loaded. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy/lang/parse.h"

#define CUR(ps) TIER__CUR(ps)

const char *tier__pp_type_name(int type)
{
    switch (type) {
    case TIER__PT_NUMBER:
        return "a number";
    case TIER__PT_TEXT:
        return "a text";
    case TIER__PT_BOOL:
        return "a bool";
    default:
        return "a value";
    }
}

static long find_named(const char *base, size_t count, size_t stride, const char *name, size_t n)
{
    size_t i;
    for (i = 0; i < count; i++) {
        const char *s = *(char *const *)(const void *)(base + i * stride);
        if (s && strlen(s) == n && memcmp(s, name, n) == 0)
            return (long)i;
    }
    return -1;
}

long tier__pp_find_model(const tier__pol *pol, const char *name, size_t n)
{
    return find_named((const char *)pol->models, pol->n_models, sizeof *pol->models, name, n);
}

long tier__pp_find_window(const tier__pol *pol, const char *name, size_t n)
{
    return find_named((const char *)pol->windows, pol->n_windows, sizeof *pol->windows, name, n);
}

long tier__pp_find_let(const tier__pol *pol, const char *name, size_t n)
{
    return find_named((const char *)pol->lets, pol->n_lets, sizeof *pol->lets, name, n);
}

/* ---- nodes ----------------------------------------------------------------------------------- */

static int height(const tier__pexpr *e)
{
    size_t i;
    int h = 0;
    for (i = 0; i < e->n_args; i++) {
        int k = height(e->args[i]);
        if (k > h)
            h = k;
    }
    return h + 1;
}

static tier__pexpr *node(tier__pstate *ps, int kind, int op, int line, int col)
{
    tier__pexpr *e = tier__calloc(ps->a, 1, sizeof *e);
    if (!e) {
        tier__pp_fail(ps, TIER_ENOMEM, line, col, "out of memory reading an expression");
        return NULL;
    }
    e->kind = kind;
    e->op = op;
    e->line = line;
    e->col = col;
    return e;
}

/* A node over n children (taken over, freed on failure); checks the nesting limit. */
static tier__pexpr *node_of(tier__pstate *ps, int kind, int op, int line, int col,
                            tier__pexpr **kids, size_t n)
{
    tier__pexpr *e = node(ps, kind, op, line, col);
    size_t i;
    if (e)
        e->args = tier__calloc(ps->a, n, sizeof *e->args);
    if (!e || !e->args) {
        if (e)
            tier__pp_fail(ps, TIER_ENOMEM, line, col, "out of memory reading an expression");
        tier__free(ps->a, e);
        for (i = 0; i < n; i++)
            tier__pexpr_free(ps->a, kids[i]);
        return NULL;
    }
    memcpy(e->args, kids, n * sizeof *kids);
    e->n_args = n;
    if (height(e) > TIER__POL_MAX_DEPTH) {
        tier__pp_fail(ps, TIER_ERANGE, line, col,
                      "expression nested deeper than %d levels, expected a simpler expression "
                      "(split it with let)",
                      TIER__POL_MAX_DEPTH);
        tier__pexpr_free(ps->a, e);
        return NULL;
    }
    return e;
}

static int enter(tier__pstate *ps)
{
    if (++ps->depth > TIER__POL_MAX_DEPTH)
        return tier__pp_fail(ps, TIER_ERANGE, CUR(ps)->line, CUR(ps)->col,
                             "expression nested deeper than %d levels, expected a simpler "
                             "expression (split it with let)",
                             TIER__POL_MAX_DEPTH);
    return TIER_OK;
}

/* ---- type checks ----------------------------------------------------------------------------- */

static const char *op_name(int op)
{
    static const char *const names[] = {
        "?", "or", "and", "not", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "-"};
    return op > 0 && op <= TIER__POP_NEG ? names[op] : "?";
}

/* An operand of `what` that must be of type `want` when its type is known. */
static int want_type(tier__pstate *ps, const tier__pexpr *e, int type, int want, const char *what)
{
    if (type == TIER__PT_NONE || type == want)
        return TIER_OK;
    return tier__pp_fail(ps, TIER_EPARSE, e->line, e->col, "%s on %s, expected %s", what,
                         tier__pp_type_name(type), tier__pp_type_name(want));
}

/* ==, != and in: two numbers or two texts. */
static int want_same(tier__pstate *ps, int line, int col, const char *what, int a, int b)
{
    if (a == TIER__PT_BOOL || b == TIER__PT_BOOL)
        return tier__pp_fail(ps, TIER_EPARSE, line, col,
                             "'%s' on a bool, expected two numbers or two texts", what);
    if (a != TIER__PT_NONE && b != TIER__PT_NONE && a != b)
        return tier__pp_fail(ps, TIER_EPARSE, line, col,
                             "'%s' compares %s with %s, expected two numbers or two texts", what,
                             tier__pp_type_name(a), tier__pp_type_name(b));
    return TIER_OK;
}

/* ---- grammar --------------------------------------------------------------------------------- */

static int p_or(tier__pstate *ps, tier__pexpr **out, int *ty);

/* The status of a failed step that made no node: the latched failure (out of memory when none
 * was latched, which does not happen: spelled out so that no caller reads a NULL node as made). */
static int failed(const tier__pstate *ps)
{
    return ps->lx.rc ? ps->lx.rc : TIER_ENOMEM;
}

/* Moves past the token a leaf was made of; on failure the leaf is released. */
static int finish(tier__pstate *ps, tier__pexpr **out)
{
    int rc = tier__pp_next(ps);
    if (rc) {
        tier__pexpr_free(ps->a, *out);
        *out = NULL;
    }
    return rc;
}

static int is_kw(tier__pstate *ps, const char *w)
{
    return tier__tok_is(CUR(ps), w);
}

static int literal_number(tier__pstate *ps, tier__pexpr **out, int allow_pct)
{
    tier__tok *t = CUR(ps);
    if (t->pct && !allow_pct) {
        tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                      "a percentage here, expected a number (percentages are for caps, model "
                      "options and abc thresholds)");
        return TIER_EPARSE; /* spelled out: *out is not made */
    }
    *out = node(ps, TIER__PX_NUMBER, 0, t->line, t->col);
    if (!*out)
        return failed(ps);
    (*out)->num = t->num;
    return finish(ps, out);
}

static int literal_text(tier__pstate *ps, tier__pexpr **out)
{
    tier__tok *t = CUR(ps);
    *out = node(ps, TIER__PX_TEXT, 0, t->line, t->col);
    if (!*out)
        return failed(ps);
    (*out)->text = tier__pp_strndup(ps, tier__buf_data(&ps->lx.str), tier__buf_len(&ps->lx.str),
                                    t->line, t->col);
    if (!(*out)->text)
        return finish(ps, out);
    return finish(ps, out);
}

static int reference(tier__pstate *ps, tier__pexpr **out, int *ty)
{
    tier__tok *t = CUR(ps);
    const char *dot = memchr(t->p, '.', t->n);
    char q[192], q2[192];
    long i;
    *ty = TIER__PT_NONE;
    if (dot) {
        size_t m = (size_t)(dot - t->p);
        if (!(m == 4 && memcmp(t->p, "attr", 4) == 0) && tier__pp_find_model(ps->pol, t->p, m) < 0)
            return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                                 "unknown model %s in %s, expected a model declared before or "
                                 "attr.NAME",
                                 tier__quote_text(q, sizeof q, t->p, m),
                                 tier__quote_text(q2, sizeof q2, t->p, t->n));
    } else if ((i = tier__pp_find_let(ps->pol, t->p, t->n)) >= 0) {
        *ty = ps->let_types[i];
    } else if (tier__pp_find_window(ps->pol, t->p, t->n) >= 0) {
        *ty = TIER__PT_NUMBER;
    } else if (tier__tok_is(t, "tier")) {
        if (!ps->allow_tier)
            return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                                 "'tier' is not known here, expected it only in flags and "
                                 "routing");
        *ty = TIER__PT_TEXT;
    } else {
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "unknown name '%.*s', expected a let or window declared before, "
                             "MODEL.OUTPUT or attr.NAME",
                             (int)t->n, t->p);
    }
    *out = node(ps, TIER__PX_REF, 0, t->line, t->col);
    if (!*out)
        return failed(ps);
    (*out)->text = tier__pp_strndup(ps, t->p, t->n, t->line, t->col);
    return finish(ps, out);
}

/* Growable argument lists. */
typedef struct kids {
    tier__pexpr **v;
    size_t n, cap;
} kids;

static int kids_push(tier__pstate *ps, kids *k, tier__pexpr *e)
{
    if (tier__grow(ps->a, (void **)&k->v, &k->cap, k->n + 1, sizeof *k->v)) {
        tier__pexpr_free(ps->a, e);
        return tier__pp_fail(ps, TIER_ENOMEM, CUR(ps)->line, CUR(ps)->col,
                             "out of memory reading an expression");
    }
    k->v[k->n++] = e;
    return TIER_OK;
}

static void kids_free(tier__pstate *ps, kids *k)
{
    size_t i;
    for (i = 0; i < k->n; i++)
        tier__pexpr_free(ps->a, k->v[i]);
    tier__free(ps->a, k->v);
}

/* abc(x, a, b): the thresholds are shares written as numbers (0.8) or percentages (80%). */
static int abc_threshold(tier__pstate *ps, tier__pexpr **out)
{
    tier__tok *t = CUR(ps);
    if (t->kind != TIER__TK_NUMBER)
        return tier__pp_expected(ps, "a share (80% or 0.8) as a threshold", "abc");
    if (!(t->num > 0 && t->num <= 1))
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "abc threshold %.*s is out of range, expected more than 0%% and at "
                             "most 100%%",
                             (int)t->n, t->p);
    return literal_number(ps, out, 1);
}

static const struct fn {
    const char *name;
    size_t min, max; /* arguments */
    int arg, result; /* types (NONE: any single type; result NONE: that of the arguments) */
} functions[] = {{"abc", 1, 3, TIER__PT_NUMBER, TIER__PT_TEXT},
                 {"pct_rank", 1, 1, TIER__PT_NUMBER, TIER__PT_NUMBER},
                 {"min", 1, TIER__POL_MAX_LIST, TIER__PT_NUMBER, TIER__PT_NUMBER},
                 {"max", 1, TIER__POL_MAX_LIST, TIER__PT_NUMBER, TIER__PT_NUMBER},
                 {"abs", 1, 1, TIER__PT_NUMBER, TIER__PT_NUMBER},
                 {"coalesce", 1, TIER__POL_MAX_LIST, TIER__PT_NONE, TIER__PT_NONE}};

static int call(tier__pstate *ps, tier__pexpr **out, int *ty)
{
    tier__tok name = *CUR(ps);
    const struct fn *f = NULL;
    kids k = {NULL, 0, 0};
    size_t i;
    int rc, common = TIER__PT_NONE;
    for (i = 0; i < sizeof functions / sizeof *functions; i++)
        if (tier__tok_is(&name, functions[i].name))
            f = &functions[i];
    if (!f)
        return tier__pp_fail(ps, TIER_EPARSE, name.line, name.col,
                             "unknown function '%.*s', expected abc, pct_rank, min, max, abs or "
                             "coalesce",
                             (int)(name.n > 128 ? 128 : name.n), name.p);
    if ((rc = tier__pp_next(ps)) || (rc = tier__pp_next(ps))) /* the name, '(' */
        return rc;
    if (!tier__tok_op(CUR(ps), ")")) {
        for (;;) {
            tier__pexpr *e = NULL;
            int t = TIER__PT_NONE;
            if (k.n >= TIER__POL_MAX_LIST) {
                rc = tier__pp_fail(ps, TIER_ERANGE, CUR(ps)->line, CUR(ps)->col,
                                   "more than %d arguments, expected fewer", TIER__POL_MAX_LIST);
                goto fail;
            }
            if (f == &functions[0] && k.n >= 1)
                rc = abc_threshold(ps, &e);
            else
                rc = p_or(ps, &e, &t);
            if (!rc && (rc = kids_push(ps, &k, e)) == TIER_OK) {
                if (f->arg != TIER__PT_NONE)
                    rc = want_type(ps, e, t, f->arg, f->name);
                else if (t == TIER__PT_BOOL)
                    rc = tier__pp_fail(ps, TIER_EPARSE, e->line, e->col,
                                       "%.*s on a bool, expected numbers or texts", (int)name.n,
                                       name.p);
                else if (t != TIER__PT_NONE && common != TIER__PT_NONE && t != common)
                    rc = tier__pp_fail(ps, TIER_EPARSE, e->line, e->col,
                                       "%.*s mixes %s with %s, expected arguments of one type",
                                       (int)name.n, name.p, tier__pp_type_name(common),
                                       tier__pp_type_name(t));
                else if (t != TIER__PT_NONE)
                    common = t;
            }
            if (rc)
                goto fail;
            if (!tier__tok_op(CUR(ps), ","))
                break;
            if ((rc = tier__pp_next(ps)))
                goto fail;
        }
    }
    if (!tier__tok_op(CUR(ps), ")")) {
        rc = tier__pp_expected(ps, "',' or ')' in the arguments", NULL);
        goto fail;
    }
    if (k.n < f->min || k.n > f->max || (f == &functions[0] && k.n == 2)) {
        rc = tier__pp_fail(ps, TIER_EPARSE, name.line, name.col,
                           "%s with %zu argument%s, expected %s", f->name, k.n, k.n == 1 ? "" : "s",
                           f == &functions[0] ? "abc(x) or abc(x, a, b)"
                           : f->max == 1      ? "one argument"
                                              : "at least one argument");
        goto fail;
    }
    if (f == &functions[0] && k.n == 3 && k.v[1]->num > k.v[2]->num) {
        rc = tier__pp_fail(ps, TIER_EPARSE, k.v[2]->line, k.v[2]->col,
                           "abc thresholds out of order, expected the second at least the first");
        goto fail;
    }
    if ((rc = tier__pp_next(ps)))
        goto fail;
    *out = node_of(ps, TIER__PX_CALL, 0, name.line, name.col, k.v, k.n);
    tier__free(ps->a, k.v);
    if (!*out)
        return failed(ps);
    (*out)->text = tier__pp_strndup(ps, name.p, name.n, name.line, name.col);
    *ty = f->result != TIER__PT_NONE ? f->result : common;
    if (!(*out)->text) {
        tier__pexpr_free(ps->a, *out);
        *out = NULL;
        return failed(ps);
    }
    return TIER_OK;
fail:
    kids_free(ps, &k);
    return rc;
}

static int primary(tier__pstate *ps, tier__pexpr **out, int *ty)
{
    tier__tok *t = CUR(ps);
    int rc;
    *ty = TIER__PT_NONE;
    if (t->kind == TIER__TK_NUMBER) {
        *ty = TIER__PT_NUMBER;
        return literal_number(ps, out, 0);
    }
    if (t->kind == TIER__TK_STRING) {
        *ty = TIER__PT_TEXT;
        return literal_text(ps, out);
    }
    if (tier__tok_is(t, "true") || tier__tok_is(t, "false")) {
        *ty = TIER__PT_BOOL;
        *out = node(ps, TIER__PX_BOOL, 0, t->line, t->col);
        if (!*out)
            return failed(ps);
        (*out)->num = tier__tok_is(t, "true");
        return finish(ps, out);
    }
    if (tier__tok_op(t, "(")) {
        int line = t->line, col = t->col;
        char q[192];
        if ((rc = tier__pp_next(ps)) || (rc = p_or(ps, out, ty)))
            return rc;
        if (!tier__tok_op(CUR(ps), ")"))
            tier__pp_fail(ps, TIER_EPARSE, CUR(ps)->line, CUR(ps)->col,
                          "expected ')' to close the '(' at %d:%d, got %s", line, col,
                          tier__tok_describe(CUR(ps), q, sizeof q));
        return finish(ps, out); /* the latched failure, if any, frees the tree */
    }
    if (t->kind == TIER__TK_NAME && !tier__pol_keyword(t->p, t->n)) {
        /* A call is a name directly followed by '(' (peeked in the text). */
        const char *after = t->p + t->n, *end = ps->lx.s + ps->lx.len;
        while (after < end && (*after == ' ' || *after == '\t'))
            after++;
        if (after < end && *after == '(' && !memchr(t->p, '.', t->n))
            return call(ps, out, ty);
        return reference(ps, out, ty);
    }
    return tier__pp_expected(ps, "a value (a number, string, name, call or '(')", NULL);
}

typedef int (*level_fn)(tier__pstate *, tier__pexpr **, int *);

/* A prefix operator (the current token) over its operand, read by `operand` (the operator's own
 * level, so that it nests) and wanted of type `type`; `what` names the operator in errors. */
static int prefix_op(tier__pstate *ps, tier__pexpr **out, int *ty, level_fn operand, int type,
                     const char *what, int op)
{
    tier__tok t = *CUR(ps);
    tier__pexpr *e = NULL;
    int rc, inner;
    if ((rc = enter(ps)) || (rc = tier__pp_next(ps)) || (rc = operand(ps, &e, &inner)))
        return rc;
    ps->depth--;
    if ((rc = want_type(ps, e, inner, type, what))) {
        tier__pexpr_free(ps->a, e);
        return rc;
    }
    *ty = type;
    *out = node_of(ps, TIER__PX_UNARY, op, t.line, t.col, &e, 1);
    return *out ? TIER_OK : failed(ps);
}

static int unary(tier__pstate *ps, tier__pexpr **out, int *ty)
{
    if (!tier__tok_op(CUR(ps), "-"))
        return primary(ps, out, ty);
    return prefix_op(ps, out, ty, unary, TIER__PT_NUMBER, "'-'", TIER__POP_NEG);
}

/* A left-associative chain of binary operators over `sub`. */

static int binary_op(tier__pstate *ps, int level)
{
    tier__tok *t = CUR(ps);
    if (level == 0)
        return tier__tok_op(t, "*") ? TIER__POP_MUL : tier__tok_op(t, "/") ? TIER__POP_DIV : 0;
    if (level == 1)
        return tier__tok_op(t, "+") ? TIER__POP_ADD : tier__tok_op(t, "-") ? TIER__POP_SUB : 0;
    if (level == 2)
        return tier__tok_is(t, "and") ? TIER__POP_AND : 0;
    return tier__tok_is(t, "or") ? TIER__POP_OR : 0;
}

static int chain(tier__pstate *ps, tier__pexpr **out, int *ty, level_fn sub, int level)
{
    tier__pexpr *left = NULL;
    int rc, lt, op;
    if ((rc = sub(ps, &left, &lt)))
        return rc;
    while ((op = binary_op(ps, level)) != 0) {
        tier__tok t = *CUR(ps);
        tier__pexpr *kid[2];
        int rt, want = level < 2 ? TIER__PT_NUMBER : TIER__PT_BOOL;
        char what[8];
        snprintf(what, sizeof what, "'%s'", op_name(op));
        kid[0] = left;
        kid[1] = NULL;
        if ((rc = tier__pp_next(ps)) || (rc = sub(ps, &kid[1], &rt)) ||
            (rc = want_type(ps, kid[0], lt, want, what)) ||
            (rc = want_type(ps, kid[1], rt, want, what))) {
            tier__pexpr_free(ps->a, kid[0]);
            tier__pexpr_free(ps->a, kid[1]);
            return rc;
        }
        left = node_of(ps, TIER__PX_BINARY, op, t.line, t.col, kid, 2);
        if (!left)
            return failed(ps);
        lt = want;
    }
    *out = left;
    *ty = lt;
    return TIER_OK;
}

static int product(tier__pstate *ps, tier__pexpr **out, int *ty)
{
    return chain(ps, out, ty, unary, 0);
}

static int sum(tier__pstate *ps, tier__pexpr **out, int *ty)
{
    return chain(ps, out, ty, product, 1);
}

/* [ literal, ... ] of `in`. */
static int in_list(tier__pstate *ps, kids *k, int *item_type)
{
    int rc;
    *item_type = TIER__PT_NONE;
    if (!tier__tok_op(CUR(ps), "["))
        return tier__pp_expected(ps, "'['", "in");
    if ((rc = tier__pp_next(ps)))
        return rc;
    for (;;) {
        tier__tok *t = CUR(ps);
        tier__pexpr *e = NULL;
        int type, neg = 0;
        if (k->n - 1 >= TIER__POL_MAX_LIST)
            return tier__pp_fail(ps, TIER_ERANGE, t->line, t->col,
                                 "list of more than %d items, expected fewer", TIER__POL_MAX_LIST);
        if (tier__tok_op(t, "-")) {
            neg = 1;
            if ((rc = tier__pp_next(ps)))
                return rc;
            t = CUR(ps);
            if (t->kind != TIER__TK_NUMBER)
                return tier__pp_expected(ps, "a number", "-");
        }
        if (t->kind == TIER__TK_NUMBER) {
            type = TIER__PT_NUMBER;
            rc = literal_number(ps, &e, 0);
            if (!rc && neg)
                e->num = -e->num;
        } else if (t->kind == TIER__TK_STRING) {
            type = TIER__PT_TEXT;
            rc = literal_text(ps, &e);
        } else {
            return tier__pp_expected(ps, "a number or string in the list", NULL);
        }
        if (rc || (rc = kids_push(ps, k, e))) {
            if (rc)
                return rc;
        }
        if (*item_type != TIER__PT_NONE && type != *item_type)
            return tier__pp_fail(ps, TIER_EPARSE, e->line, e->col,
                                 "list mixes numbers and texts, expected items of one type");
        *item_type = type;
        if (tier__tok_op(CUR(ps), "]"))
            break;
        if (!tier__tok_op(CUR(ps), ","))
            return tier__pp_expected(ps, "',' or ']' in the list", NULL);
        if ((rc = tier__pp_next(ps)))
            return rc;
    }
    return tier__pp_next(ps);
}

static int test(tier__pstate *ps, tier__pexpr **out, int *ty)
{
    static const struct {
        const char *op;
        int code;
    } cmps[] = {{"==", TIER__POP_EQ}, {"!=", TIER__POP_NE}, {"<", TIER__POP_LT},
                {"<=", TIER__POP_LE}, {">", TIER__POP_GT},  {">=", TIER__POP_GE}};
    tier__pexpr *left = NULL;
    tier__tok t;
    kids k = {NULL, 0, 0};
    size_t i;
    int rc, lt, kind = 0, op = 0;
    if ((rc = sum(ps, &left, &lt)))
        return rc;
    t = *CUR(ps);
    if ((rc = kids_push(ps, &k, left)))
        return rc;
    for (i = 0; i < sizeof cmps / sizeof *cmps; i++)
        if (tier__tok_op(&t, cmps[i].op))
            kind = TIER__PX_BINARY, op = cmps[i].code;
    if (kind) {
        tier__pexpr *r = NULL;
        int rt;
        if ((rc = tier__pp_next(ps)) || (rc = sum(ps, &r, &rt)) || (rc = kids_push(ps, &k, r)))
            goto fail;
        if (op == TIER__POP_EQ || op == TIER__POP_NE)
            rc = want_same(ps, t.line, t.col, op_name(op), lt, rt);
        else {
            char what[8];
            snprintf(what, sizeof what, "'%s'", op_name(op));
            if ((rc = want_type(ps, k.v[0], lt, TIER__PT_NUMBER, what)) == TIER_OK)
                rc = want_type(ps, r, rt, TIER__PT_NUMBER, what);
        }
    } else if (tier__tok_is(&t, "not") || tier__tok_is(&t, "in")) {
        int item;
        kind = TIER__PX_IN;
        if (tier__tok_is(&t, "not")) {
            op = TIER__POP_NOT;
            if ((rc = tier__pp_next(ps)))
                goto fail;
            if (!is_kw(ps, "in")) {
                rc = tier__pp_expected(ps, "'in'", "not");
                goto fail;
            }
        }
        if ((rc = tier__pp_next(ps)) || (rc = in_list(ps, &k, &item)))
            goto fail;
        rc = want_same(ps, t.line, t.col, op ? "not in" : "in", lt, item);
    } else if (tier__tok_is(&t, "between")) {
        tier__pexpr *lo = NULL, *hi = NULL;
        int a, b;
        kind = TIER__PX_BETWEEN;
        if ((rc = tier__pp_next(ps)) || (rc = sum(ps, &lo, &a)) || (rc = kids_push(ps, &k, lo)))
            goto fail;
        if (!is_kw(ps, "and")) {
            rc = tier__pp_expected(ps, "'and'", "between");
            goto fail;
        }
        if ((rc = tier__pp_next(ps)) || (rc = sum(ps, &hi, &b)) || (rc = kids_push(ps, &k, hi)) ||
            (rc = want_type(ps, k.v[0], lt, TIER__PT_NUMBER, "'between'")) ||
            (rc = want_type(ps, lo, a, TIER__PT_NUMBER, "'between'")))
            goto fail;
        rc = want_type(ps, hi, b, TIER__PT_NUMBER, "'between'");
    } else if (tier__tok_is(&t, "is")) {
        kind = TIER__PX_MISSING;
        if ((rc = tier__pp_next(ps)))
            goto fail;
        if (is_kw(ps, "not")) {
            op = TIER__POP_NOT;
            if ((rc = tier__pp_next(ps)))
                goto fail;
        }
        if (!is_kw(ps, "missing")) {
            rc = tier__pp_expected(ps, "'missing'", op ? "is not" : "is");
            goto fail;
        }
        rc = tier__pp_next(ps);
    } else {
        tier__free(ps->a, k.v);
        *out = left;
        *ty = lt;
        return TIER_OK;
    }
    if (rc)
        goto fail;
    *ty = TIER__PT_BOOL;
    *out = node_of(ps, kind, op, t.line, t.col, k.v, k.n);
    tier__free(ps->a, k.v);
    return *out ? TIER_OK : failed(ps);
fail:
    kids_free(ps, &k);
    return rc;
}

static int p_not(tier__pstate *ps, tier__pexpr **out, int *ty)
{
    if (!tier__tok_is(CUR(ps), "not"))
        return test(ps, out, ty);
    return prefix_op(ps, out, ty, p_not, TIER__PT_BOOL, "'not'", TIER__POP_NOT);
}

static int p_and(tier__pstate *ps, tier__pexpr **out, int *ty)
{
    return chain(ps, out, ty, p_not, 2);
}

static int p_or(tier__pstate *ps, tier__pexpr **out, int *ty)
{
    int rc;
    *out = NULL;
    if ((rc = enter(ps)))
        return rc;
    rc = chain(ps, out, ty, p_and, 3);
    ps->depth--;
    return rc;
}

int tier__pp_expr(tier__pstate *ps, tier__pexpr **out, int *type)
{
    int ty = TIER__PT_NONE, rc;
    *out = NULL;
    ps->depth = 0;
    rc = p_or(ps, out, &ty);
    if (rc) {
        tier__pexpr_free(ps->a, *out);
        *out = NULL;
        return rc;
    }
    *type = ty;
    return TIER_OK;
}
