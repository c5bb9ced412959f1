/* SPDX-License-Identifier: MIT */
/* Policy lint (docs/policy-lint.md): references and types of every expression (rules, lets, caps,
 * flags, routing), the attributes the policy reads, and windows and lets nobody uses. */
#include <stdio.h>
#include <string.h>

#include "policy/lint/lint_internal.h"

/* An attribute the policy reads, with the type its uses give it. */
typedef struct lint_attr {
    const char *name; /* "attr.NAME" as written (borrowed from the tree) */
    int type;         /* TIER__PT_NUMBER, TIER__PT_TEXT, or 0 while unknown */
    int line, col;    /* first use */
    int tline, tcol;  /* the use that fixed the type */
    size_t uses;
} lint_attr;

/* The walk over expressions. */
typedef struct walk {
    tier__lint *l;
    lint_attr *attrs;
    size_t n_attrs, cap_attrs;
    unsigned char *win_used, *let_used;
    int *let_type;
    int tier_ok; /* `tier` may be read (flags, routing) */
} walk;

/* ---- references and types ---------------------------------------------------------------------
 */

static lint_attr *note_attr(walk *w, const tier__pexpr *e)
{
    size_t i;
    for (i = 0; i < w->n_attrs; i++)
        if (strcmp(w->attrs[i].name, e->text) == 0) {
            w->attrs[i].uses++;
            return &w->attrs[i];
        }
    if (tier__grow(w->l->a, (void **)&w->attrs, &w->cap_attrs, w->n_attrs + 1, sizeof *w->attrs)) {
        w->l->rc = TIER_ENOMEM;
        return NULL;
    }
    memset(&w->attrs[w->n_attrs], 0, sizeof *w->attrs);
    w->attrs[w->n_attrs].name = e->text;
    w->attrs[w->n_attrs].line = e->line;
    w->attrs[w->n_attrs].col = e->col;
    w->attrs[w->n_attrs].uses = 1;
    return &w->attrs[w->n_attrs++];
}

static int is_attr(const tier__pexpr *e)
{
    return e && e->kind == TIER__PX_REF && e->text && strncmp(e->text, "attr.", 5) == 0;
}

/* An attribute `e` is used as `type`: fixes its type, or reports a use of the other type. */
static void attr_as(walk *w, const tier__pexpr *e, int type)
{
    size_t i;
    for (i = 0; i < w->n_attrs; i++) {
        lint_attr *a = &w->attrs[i];
        if (strcmp(a->name, e->text) != 0)
            continue;
        if (!a->type) {
            a->type = type;
            a->tline = e->line;
            a->tcol = e->col;
        } else if (a->type != type) {
            tier__lint_add(w->l, TIER__LINT_ERROR, e->line, e->col, "attribute-type",
                           "%s is used as a %s here but as a %s at %d:%d", e->text,
                           tier__lint_type_name(type), tier__lint_type_name(a->type), a->tline,
                           a->tcol);
        }
        return;
    }
}

static int expr_type(walk *w, const tier__pexpr *e, size_t lets);

/* The type of `e`, which must be `want` (reported when it is another, naming `where`). */
static int expect(walk *w, const tier__pexpr *e, int want, size_t lets, const char *where)
{
    int t = expr_type(w, e, lets);
    char show[200];
    if (!t && is_attr(e))
        attr_as(w, e, want);
    else if (t && t != want)
        tier__lint_add(w->l, TIER__LINT_ERROR, e->line, e->col, "type", "%s takes a %s, got %s %s",
                       where, tier__lint_type_name(want), tier__lint_type_name(t),
                       tier__lint_show(e, show, sizeof show, "an expression"));
    return t;
}

/* A text literal compared with a label output whose labels are known: warns when no label is it. */
static void check_label(walk *w, const tier__pexpr *ref, const tier__pexpr *lit)
{
    const char *out, *const *labels;
    tier__lint_model *lm;
    size_t n, i, len = 0;
    char all[512];
    if (!ref || ref->kind != TIER__PX_REF || !lit || lit->kind != TIER__PX_TEXT || !lit->text)
        return;
    lm = tier__lint_model_of(w->l, ref->text, &out);
    if (!lm || !lm->m || !tier__lint_labels(w->l, lm, out, &labels, &n))
        return;
    for (i = 0; i < n; i++)
        if (strcmp(labels[i], lit->text) == 0)
            return;
    all[0] = '\0';
    for (i = 0; i < n && len + 4 < sizeof all; i++) {
        len += (size_t)snprintf(all + len, sizeof all - len, "%s%s", i ? ", " : "", labels[i]);
        if (len >= sizeof all)
            len = sizeof all - 1;
    }
    tier__lint_add(w->l, TIER__LINT_WARNING, lit->line, lit->col, "unknown-label",
                   "%s never has the label \"%s\"; its labels: %s", ref->text, lit->text, all);
}

static int ref_type(walk *w, const tier__pexpr *e, size_t lets)
{
    const char *out;
    tier__lint_model *lm;
    long k;
    char names[512], hint[96];
    if (strcmp(e->text, "tier") == 0) {
        if (w->tier_ok)
            return TIER__PT_TEXT;
        tier__lint_add(w->l, TIER__LINT_ERROR, e->line, e->col, "unknown-ref",
                       "'tier' is known only in flags and routing, after the tiers are placed");
        return 0;
    }
    if (is_attr(e)) {
        note_attr(w, e);
        return 0;
    }
    if (strchr(e->text, '.')) {
        lm = tier__lint_model_of(w->l, e->text, &out);
        if (!lm && w->l->by_calls)
            return 0; /* a column of the caller's models */
        if (!lm) {
            tier__lint_add(w->l, TIER__LINT_ERROR, e->line, e->col, "unknown-ref",
                           "%s: no model is named '%.*s' (attributes are attr.NAME)", e->text,
                           (int)(strchr(e->text, '.') - e->text), e->text);
            return 0;
        }
        if (!lm->m)
            return 0; /* its kind is unknown: reported once at the model */
        k = tier__lint_output_type(lm, out);
        if (!k) {
            tier__lint_names(lm->m, 1, names, sizeof names);
            tier__lint_suggest(lm->m, 1, out, hint, sizeof hint);
            tier__lint_add(w->l, TIER__LINT_ERROR, e->line, e->col, "unknown-output",
                           "model %s (%s) has no output '%s'%s; its outputs: %s", lm->pm->name,
                           lm->pm->kind, out, hint, names);
        }
        return (int)k;
    }
    if ((k = tier__lint_window(w->l->pol, e->text)) >= 0) {
        w->win_used[k] = 1;
        return TIER__PT_NUMBER;
    }
    if ((k = tier__lint_let(w->l->pol, e->text, lets)) >= 0) {
        w->let_used[k] = 1;
        return w->let_type[k];
    }
    if (tier__lint_find_model(w->l->pol, e->text) >= 0)
        tier__lint_add(w->l, TIER__LINT_ERROR, e->line, e->col, "unknown-ref",
                       "%s is a model: name one of its outputs (%s.OUTPUT)", e->text, e->text);
    else
        tier__lint_add(w->l, TIER__LINT_ERROR, e->line, e->col, "unknown-ref",
                       "'%s' is not a window or a let declared before this use", e->text);
    return 0;
}

static int call_type(walk *w, const tier__pexpr *e, size_t lets)
{
    const char *f = e->text ? e->text : "";
    size_t i, n = e->n_args;
    int t = 0;
    if (strcmp(f, "abc") == 0 || strcmp(f, "pct_rank") == 0 || strcmp(f, "abs") == 0) {
        int abc = f[0] == 'a' && f[1] == 'b' && f[2] == 'c';
        if (!(n == 1 || (abc && n == 3)))
            tier__lint_add(w->l, TIER__LINT_ERROR, e->line, e->col, "call",
                           "%s() takes %s, got %zu", f,
                           abc ? "1 or 3 arguments (x, a, b)" : "1 argument", n);
        for (i = 0; i < n; i++)
            expect(w, e->args[i], TIER__PT_NUMBER, lets, i ? "a share of abc()" : "the argument");
        return abc ? TIER__PT_TEXT : TIER__PT_NUMBER;
    }
    if (strcmp(f, "min") == 0 || strcmp(f, "max") == 0) {
        if (!n)
            tier__lint_add(w->l, TIER__LINT_ERROR, e->line, e->col, "call",
                           "%s() takes at least 1 argument", f);
        for (i = 0; i < n; i++)
            expect(w, e->args[i], TIER__PT_NUMBER, lets, "an argument of min()/max()");
        return TIER__PT_NUMBER;
    }
    if (strcmp(f, "coalesce") == 0) {
        if (!n)
            tier__lint_add(w->l, TIER__LINT_ERROR, e->line, e->col, "call",
                           "coalesce() takes at least 1 argument");
        for (i = 0; i < n; i++) {
            int ti = expr_type(w, e->args[i], lets);
            if (ti == TIER__PT_BOOL)
                tier__lint_add(w->l, TIER__LINT_ERROR, e->args[i]->line, e->args[i]->col, "type",
                               "coalesce() takes numbers or texts, got a bool");
            else if (ti && t && ti != t)
                tier__lint_add(w->l, TIER__LINT_ERROR, e->args[i]->line, e->args[i]->col, "type",
                               "coalesce() mixes a %s with a %s", tier__lint_type_name(ti),
                               tier__lint_type_name(t));
            else if (ti && !t)
                t = ti;
        }
        for (i = 0; t && i < n; i++)
            if (is_attr(e->args[i]))
                attr_as(w, e->args[i], t);
        return t;
    }
    tier__lint_add(w->l, TIER__LINT_ERROR, e->line, e->col, "unknown-function",
                   "unknown function %s(); the functions are abc, pct_rank, min, max, abs, "
                   "coalesce",
                   f);
    for (i = 0; i < n; i++)
        expr_type(w, e->args[i], lets);
    return 0;
}

/* Two sides of ==, != or in: of one type, number or text. */
static void same_types(walk *w, const tier__pexpr *x, const tier__pexpr *y, size_t lets,
                       const char *op)
{
    int tx = expr_type(w, x, lets), ty = expr_type(w, y, lets);
    char sx[200], sy[200];
    if (tx == TIER__PT_BOOL || ty == TIER__PT_BOOL)
        tier__lint_add(w->l, TIER__LINT_ERROR, x->line, x->col, "type",
                       "%s takes two numbers or two texts, got a bool", op);
    else if (tx && ty && tx != ty)
        tier__lint_add(w->l, TIER__LINT_ERROR, x->line, x->col, "type",
                       "%s compares %s %s with %s %s", op, tier__lint_type_name(tx),
                       tier__lint_show(x, sx, sizeof sx, "an expression"), tier__lint_type_name(ty),
                       tier__lint_show(y, sy, sizeof sy, "an expression"));
    else if (!tx && ty && is_attr(x))
        attr_as(w, x, ty);
    else if (tx && !ty && is_attr(y))
        attr_as(w, y, tx);
    if (tx == TIER__PT_TEXT)
        check_label(w, x, y);
    if (ty == TIER__PT_TEXT)
        check_label(w, y, x);
}

static int expr_type(walk *w, const tier__pexpr *e, size_t lets)
{
    size_t i;
    if (!e || w->l->rc)
        return 0;
    switch (e->kind) {
    case TIER__PX_NUMBER:
        return TIER__PT_NUMBER;
    case TIER__PX_TEXT:
        return TIER__PT_TEXT;
    case TIER__PX_BOOL:
        return TIER__PT_BOOL;
    case TIER__PX_REF:
        return e->text ? ref_type(w, e, lets) : 0;
    case TIER__PX_UNARY:
        if (e->n_args < 1)
            return 0;
        if (e->op == TIER__POP_NOT)
            return expect(w, e->args[0], TIER__PT_BOOL, lets, "'not'"), TIER__PT_BOOL;
        return expect(w, e->args[0], TIER__PT_NUMBER, lets, "'-'"), TIER__PT_NUMBER;
    case TIER__PX_BINARY:
        if (e->n_args < 2)
            return 0;
        switch (e->op) {
        case TIER__POP_AND:
        case TIER__POP_OR:
            expect(w, e->args[0], TIER__PT_BOOL, lets, e->op == TIER__POP_AND ? "'and'" : "'or'");
            expect(w, e->args[1], TIER__PT_BOOL, lets, e->op == TIER__POP_AND ? "'and'" : "'or'");
            return TIER__PT_BOOL;
        case TIER__POP_EQ:
        case TIER__POP_NE:
            same_types(w, e->args[0], e->args[1], lets, e->op == TIER__POP_EQ ? "'=='" : "'!='");
            return TIER__PT_BOOL;
        case TIER__POP_LT:
        case TIER__POP_LE:
        case TIER__POP_GT:
        case TIER__POP_GE:
            expect(w, e->args[0], TIER__PT_NUMBER, lets, "a comparison of order");
            expect(w, e->args[1], TIER__PT_NUMBER, lets, "a comparison of order");
            return TIER__PT_BOOL;
        default:
            expect(w, e->args[0], TIER__PT_NUMBER, lets, "arithmetic");
            expect(w, e->args[1], TIER__PT_NUMBER, lets, "arithmetic");
            return TIER__PT_NUMBER;
        }
    case TIER__PX_IN:
        for (i = 1; i < e->n_args; i++)
            same_types(w, e->args[0], e->args[i], lets, "'in'");
        return TIER__PT_BOOL;
    case TIER__PX_BETWEEN:
        for (i = 0; i < e->n_args; i++)
            expect(w, e->args[i], TIER__PT_NUMBER, lets, "'between'");
        return TIER__PT_BOOL;
    case TIER__PX_MISSING:
        if (e->n_args)
            expr_type(w, e->args[0], lets);
        return TIER__PT_BOOL;
    case TIER__PX_CALL:
        return call_type(w, e, lets);
    default:
        return 0;
    }
}

/* A test that must be a bool (a rule's when, a flag, routing's accounts). */
static void condition(walk *w, const tier__pexpr *e, size_t lets, const char *what)
{
    if (e)
        expect(w, e, TIER__PT_BOOL, lets, what);
}

/* A reference naming a text attribute (hierarchy parent, routing region/city/scope). */
static void text_attribute(walk *w, const char *ref, int line, int col, const char *what)
{
    tier__pexpr e;
    if (!ref)
        return;
    memset(&e, 0, sizeof e);
    e.kind = TIER__PX_REF;
    e.text = (char *)ref;
    e.line = line;
    e.col = col;
    if (!is_attr(&e)) {
        tier__lint_add(w->l, TIER__LINT_ERROR, line, col, "unknown-ref",
                       "%s must be an attribute (attr.NAME), got %s", what, ref);
        return;
    }
    if (note_attr(w, &e))
        attr_as(w, &e, TIER__PT_TEXT);
}

static void check_expressions(walk *w)
{
    const tier__pol *pol = w->l->pol;
    size_t i, j, g = 0;
    for (i = 0; i < pol->n_lets; i++)
        w->let_type[i] = expr_type(w, pol->lets[i].expr, i);
    for (i = 0; i < pol->n_tiers; i++) {
        const tier__ptier *t = &pol->tiers[i];
        for (j = 0; j < t->n_rules; j++, g++) {
            size_t before = w->l->n_errors;
            condition(w, t->rules[j].when, pol->n_lets, "a rule's 'when'");
            w->l->rule_bad[g] = w->l->n_errors > before;
        }
        condition(w, t->hold.when, pol->n_lets, "a tier's 'demote when'");
        if (t->cap.kind != TIER__PCAP_NONE && t->cap.by) {
            int ct = expr_type(w, t->cap.by, pol->n_lets);
            char show[200];
            if (ct && ct != TIER__PT_NUMBER)
                tier__lint_add(w->l, TIER__LINT_ERROR, t->cap.by->line, t->cap.by->col, "cap",
                               "the cap of tier %s ranks by %s, a %s: a cap criterion must be a "
                               "number",
                               t->name, tier__lint_show(t->cap.by, show, sizeof show, "it"),
                               tier__lint_type_name(ct));
            else if (!ct && is_attr(t->cap.by))
                attr_as(w, t->cap.by, TIER__PT_NUMBER);
        }
    }
    w->tier_ok = 1;
    for (i = 0; i < pol->n_flags; i++)
        condition(w, pol->flags[i].when, pol->n_lets, "a flag's 'when'");
    if (pol->hier.present)
        text_attribute(w, pol->hier.parent, pol->hier.line, pol->hier.col, "the hierarchy parent");
    if (pol->route.present) {
        condition(w, pol->route.accounts, pol->n_lets, "routing's 'accounts'");
        text_attribute(w, pol->route.region, pol->route.line, pol->route.col, "region");
        text_attribute(w, pol->route.city, pol->route.line, pol->route.col, "city");
        text_attribute(w, pol->route.scope, pol->route.line, pol->route.col, "scope");
        if (pol->route.revenue)
            expect(w, pol->route.revenue, TIER__PT_NUMBER, pol->n_lets, "routing's revenue");
    }
}

/* Attributes are known only when the policy runs: lint lists them (a note) and warns about a name
 * one edit away from a more used one. */
static void check_attributes(walk *w)
{
    tier__buf b;
    size_t i, j;
    if (!w->n_attrs || w->l->rc)
        return;
    tier__buf_init(&b, w->l->a);
    for (i = 0; i < w->n_attrs; i++)
        tier__buf_printf(&b, "%s%s (%s)", i ? ", " : "", w->attrs[i].name,
                         w->attrs[i].type ? tier__lint_type_name(w->attrs[i].type)
                                          : "number or text");
    if (tier__buf_status(&b))
        w->l->rc = TIER_ENOMEM;
    else
        tier__lint_add(w->l, TIER__LINT_NOTE, w->attrs[0].line, w->attrs[0].col, "attributes",
                       "the policy reads %zu attribute%s, checked when it runs: %s", w->n_attrs,
                       w->n_attrs == 1 ? "" : "s", tier__buf_data(&b));
    tier__buf_free(&b);
    for (i = 0; i < w->n_attrs; i++) {
        const lint_attr *x = &w->attrs[i];
        for (j = 0; j < w->n_attrs; j++) {
            const lint_attr *y = &w->attrs[j];
            if (i == j || strlen(x->name) < 9 || tier__lint_distance(x->name + 5, y->name + 5) > 1)
                continue;
            if (y->uses > x->uses || (y->uses == x->uses && j < i)) {
                tier__lint_add(w->l, TIER__LINT_WARNING, x->line, x->col, "attribute-spelling",
                               "%s (used %zu time%s) looks like a misspelling of %s (used %zu "
                               "time%s, first at %d:%d)",
                               x->name, x->uses, x->uses == 1 ? "" : "s", y->name, y->uses,
                               y->uses == 1 ? "" : "s", y->line, y->col);
                break;
            }
        }
    }
}

static void check_unused(walk *w)
{
    const tier__pol *pol = w->l->pol;
    size_t i;
    for (i = 0; i < pol->n_windows; i++)
        if (!w->win_used[i])
            tier__lint_add(w->l, TIER__LINT_WARNING, pol->windows[i].line, pol->windows[i].col,
                           "unused", "window %s is never used", pol->windows[i].name);
    for (i = 0; i < pol->n_lets; i++)
        if (!w->let_used[i])
            tier__lint_add(w->l, TIER__LINT_WARNING, pol->lets[i].line, pol->lets[i].col, "unused",
                           "let %s is never used", pol->lets[i].name);
}

void tier__lint_refs(tier__lint *l)
{
    walk w;
    size_t nl = l->pol->n_lets, nw = l->pol->n_windows;
    memset(&w, 0, sizeof w);
    w.l = l;
    w.win_used = tier__calloc(l->a, nw + 1, 1);
    w.let_used = tier__calloc(l->a, nl + 1, 1);
    w.let_type = tier__calloc(l->a, nl + 1, sizeof *w.let_type);
    if (!w.win_used || !w.let_used || !w.let_type)
        l->rc = TIER_ENOMEM;
    if (!l->rc)
        check_expressions(&w);
    if (!l->rc)
        check_unused(&w);
    if (!l->rc)
        check_attributes(&w);
    tier__free(l->a, w.win_used);
    tier__free(l->a, w.let_used);
    tier__free(l->a, w.let_type);
    tier__free(l->a, w.attrs);
}
