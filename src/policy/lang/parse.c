/* SPDX-License-Identifier: MIT */
/* The statements of policy files (docs/policy-format.md): one per line, checked as they are read
 * (names declared before use, unique per kind, types of literals), into a tier__pol. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy/lang/parse.h"

#define CUR(ps) TIER__CUR(ps)
#define QSIZE 192

/* Largest whole number accepted for counts (caps, team capacities). */
#define MAX_COUNT 1e15
/* Longest window, in days or months. */
#define MAX_WINDOW 100000

/* ---- shared helpers -------------------------------------------------------------------------- */

int tier__pp_next(tier__pstate *ps)
{
    return tier__lex_next(&ps->lx);
}

int tier__pp_fail(tier__pstate *ps, int rc, int line, int col, const char *fmt, ...)
{
    char msg[TIER__ERR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tier__lex_fail(&ps->lx, rc, line, col, "%s", msg);
}

int tier__pp_expected(tier__pstate *ps, const char *what, const char *after)
{
    char got[QSIZE + 32];
    const tier__tok *t = CUR(ps);
    tier__tok_describe(t, got, sizeof got);
    if (after && strncmp(after, "the ", 4) == 0)
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col, "expected %s after %s, got %s", what,
                             after, got);
    if (after)
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col, "expected %s after '%s', got %s",
                             what, after, got);
    return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col, "expected %s, got %s", what, got);
}

char *tier__pp_strndup(tier__pstate *ps, const char *s, size_t n, int line, int col)
{
    char *c = tier__strndup(ps->a, s, n);
    if (!c)
        tier__pp_fail(ps, TIER_ENOMEM, line, col, "out of memory reading the policy");
    return c;
}

int tier__pp_nomem(tier__pstate *ps)
{
    return tier__pp_fail(ps, TIER_ENOMEM, CUR(ps)->line, CUR(ps)->col,
                         "out of memory reading the policy");
}

/* Room for element n of an array of the tree, at most TIER__POL_MAX_ITEMS of `what`. */
int tier__pp_room(tier__pstate *ps, void **arr, size_t *cap, size_t n, size_t elem,
                  const char *what, int line, int col)
{
    if (n >= TIER__POL_MAX_ITEMS)
        return tier__pp_fail(ps, TIER_ERANGE, line, col, "more than %d %s, expected at most %d",
                             TIER__POL_MAX_ITEMS, what, TIER__POL_MAX_ITEMS);
    if (tier__grow(ps->a, arr, cap, n + 1, elem))
        return tier__pp_nomem(ps);
    memset((char *)*arr + n * elem, 0, elem);
    return TIER_OK;
}

/* The end of a statement: a line end (or the end of the file). */
int tier__pp_end_of_line(tier__pstate *ps, const char *after)
{
    int k = CUR(ps)->kind;
    if (k == TIER__TK_NL || k == TIER__TK_EOF)
        return TIER_OK;
    return tier__pp_expected(ps, "end of line", after);
}

int tier__pp_condition(tier__pstate *ps, int allow_tier, tier__pexpr **out, const char *what)
{
    int rc, type;
    ps->allow_tier = allow_tier;
    if ((rc = tier__pp_expr(ps, out, &type)))
        return rc;
    if (type != TIER__PT_NONE && type != TIER__PT_BOOL)
        return tier__pp_fail(ps, TIER_EPARSE, (*out)->line, (*out)->col,
                             "%s is %s, expected a bool (a comparison, in, between, is missing, "
                             "and, or, not, true or false)",
                             what, tier__pp_type_name(type));
    return tier__pp_end_of_line(ps, what);
}

int tier__pp_is_name(const tier__tok *t)
{
    return t->kind == TIER__TK_NAME && !memchr(t->p, '.', t->n) && !tier__pol_keyword(t->p, t->n);
}

/* A name being declared after `after`; *name is the copy. */
static int decl_name(tier__pstate *ps, const char *after, char **name, int *line, int *col)
{
    tier__tok *t = CUR(ps);
    *name = NULL;
    if (!tier__pp_is_name(t))
        return tier__pp_expected(ps, "a name", after);
    *line = t->line;
    *col = t->col;
    *name = tier__pp_strndup(ps, t->p, t->n, t->line, t->col);
    /* Never TIER_OK without a name (scan-build could not see that the copy records ENOMEM). */
    return *name ? tier__pp_next(ps) : ps->lx.rc ? ps->lx.rc : TIER_ENOMEM;
}

/* A string literal after `after`; empty ones only when allowed. */
int tier__pp_text_arg(tier__pstate *ps, const char *what, const char *after, char **out,
                      int allow_empty)
{
    tier__tok *t = CUR(ps);
    *out = NULL;
    if (t->kind != TIER__TK_STRING)
        return tier__pp_expected(ps, what, after);
    if (!allow_empty && tier__buf_len(&ps->lx.str) == 0)
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col, "empty text, expected %s", what);
    *out = tier__pp_strndup(ps, tier__buf_data(&ps->lx.str), tier__buf_len(&ps->lx.str), t->line,
                            t->col);
    return *out ? tier__pp_next(ps) : ps->lx.rc ? ps->lx.rc : TIER_ENOMEM;
}

/* An optional "doc" string. */
int tier__pp_opt_doc(tier__pstate *ps, char **doc)
{
    *doc = NULL;
    if (CUR(ps)->kind != TIER__TK_STRING)
        return TIER_OK;
    return tier__pp_text_arg(ps, "a text", NULL, doc, 1);
}

int tier__pp_expect_op(tier__pstate *ps, const char *op, const char *after)
{
    char what[8];
    if (!tier__tok_op(CUR(ps), op)) {
        snprintf(what, sizeof what, "'%s'", op);
        return tier__pp_expected(ps, what, after);
    }
    return tier__pp_next(ps);
}

int tier__pp_expect_word(tier__pstate *ps, const char *word, const char *after)
{
    char what[32];
    if (!tier__tok_is(CUR(ps), word)) {
        snprintf(what, sizeof what, "'%s'", word);
        return tier__pp_expected(ps, what, after);
    }
    return tier__pp_next(ps);
}

/* A signed number literal (no percentage unless allowed) into *v. */
int tier__pp_number_arg(tier__pstate *ps, const char *what, const char *after, double *v, int *pct)
{
    int neg = 0, rc;
    if (tier__tok_op(CUR(ps), "-")) {
        neg = 1;
        if ((rc = tier__pp_next(ps)))
            return rc;
    }
    if (CUR(ps)->kind != TIER__TK_NUMBER)
        return tier__pp_expected(ps, what, neg ? "-" : after);
    if (CUR(ps)->pct && !pct)
        return tier__pp_fail(ps, TIER_EPARSE, CUR(ps)->line, CUR(ps)->col,
                             "a percentage here, expected %s", what);
    if (pct)
        *pct = CUR(ps)->pct;
    *v = neg ? -CUR(ps)->num : CUR(ps)->num;
    return tier__pp_next(ps);
}

int tier__pp_whole(double v)
{
    return v >= 0 && v <= MAX_COUNT && v == floor(v);
}

/* Reserved names: `tier` and `attr` are read by expressions. */
static int reserved(tier__pstate *ps, const char *name, int line, int col)
{
    if (strcmp(name, "tier") == 0 || strcmp(name, "attr") == 0)
        return tier__pp_fail(ps, TIER_EPARSE, line, col, "'%s' is reserved, expected another name",
                             name);
    return TIER_OK;
}

int tier__pp_duplicate(tier__pstate *ps, long found, const char *kind, const char *name, int line,
                       int col)
{
    if (found < 0)
        return TIER_OK;
    return tier__pp_fail(ps, TIER_EPARSE, line, col,
                         "duplicate %s name '%s', expected a name not used by another %s", kind,
                         name, kind);
}

/* ---- top-level statements -------------------------------------------------------------------- */

static int st_header(tier__pstate *ps)
{
    tier__tok *t = CUR(ps);
    tier__tok first = *t;
    int rc;
    if (t->kind == TIER__TK_EOF)
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "empty policy, expected 'libtier-policy 1' as the first statement");
    if (!tier__tok_is(t, "libtier"))
        return tier__pp_expected(ps, "'libtier-policy 1' as the first statement", NULL);
    if ((rc = tier__pp_next(ps)))
        return rc;
    if (!tier__tok_op(t, "-") || t->col != first.col + 7 || t->line != first.line)
        return tier__pp_expected(ps, "'libtier-policy 1' as the first statement", NULL);
    if ((rc = tier__pp_next(ps)))
        return rc;
    if (!tier__tok_is(t, "policy") || t->col != first.col + 8)
        return tier__pp_expected(ps, "'libtier-policy 1' as the first statement", NULL);
    if ((rc = tier__pp_next(ps)))
        return rc;
    if (t->kind != TIER__TK_NUMBER || t->pct)
        return tier__pp_expected(ps, "the format version 1", "libtier-policy");
    if (t->num != 1)
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "unsupported format version %.*s, expected 1", (int)t->n, t->p);
    ps->pol->version = 1;
    if ((rc = tier__pp_next(ps)))
        return rc;
    return tier__pp_end_of_line(ps, "libtier-policy 1");
}

static int st_text(tier__pstate *ps, const char *word, char **slot)
{
    tier__tok t = *CUR(ps);
    int rc;
    if (*slot)
        return tier__pp_fail(ps, TIER_EPARSE, t.line, t.col,
                             "a second '%s' statement, expected at most one", word);
    if ((rc = tier__pp_next(ps)) || (rc = tier__pp_text_arg(ps, "a quoted text", word, slot, 1)))
        return rc;
    return tier__pp_end_of_line(ps, word);
}

/* An option value: number, percentage, string or list of strings. */
static int option_value(tier__pstate *ps, tier__pvalue *v)
{
    tier__tok *t = CUR(ps);
    int rc;
    if (t->kind == TIER__TK_STRING) {
        v->type = TIER__PT_TEXT;
        return tier__pp_text_arg(ps, "a text", NULL, &v->text, 1);
    }
    if (t->kind == TIER__TK_NUMBER || tier__tok_op(t, "-")) {
        int pct = 0;
        v->type = TIER__PT_NUMBER;
        return tier__pp_number_arg(ps, "a number", NULL, &v->num, &pct);
    }
    if (!tier__tok_op(t, "["))
        return tier__pp_expected(ps, "a number, a string or a list of strings", "=");
    v->type = TIER__PT_NONE;
    if ((rc = tier__pp_next(ps)))
        return rc;
    if (tier__tok_op(t, "]"))
        return tier__pp_next(ps);
    for (;;) {
        size_t cap = v->n_items;
        if (v->n_items >= TIER__POL_MAX_LIST)
            return tier__pp_fail(ps, TIER_ERANGE, t->line, t->col,
                                 "list of more than %d items, expected fewer", TIER__POL_MAX_LIST);
        if (t->kind != TIER__TK_STRING)
            return tier__pp_expected(ps, "a string in the list", NULL);
        /* Exact growth: lists are short and this keeps no capacity in the tree. */
        if (tier__grow(ps->a, (void **)&v->items, &cap, v->n_items + 1, sizeof *v->items))
            return tier__pp_nomem(ps);
        v->items[v->n_items++] = NULL; /* counted first: a failure below still frees it */
        if ((rc = tier__pp_text_arg(ps, "a string", NULL, &v->items[v->n_items - 1], 1)))
            return rc;
        if (tier__tok_op(t, "]"))
            return tier__pp_next(ps);
        if ((rc = tier__pp_expect_op(ps, ",", NULL)))
            return rc;
    }
}

static int st_model(tier__pstate *ps)
{
    tier__pol *pol = ps->pol;
    tier__pmodel *m;
    tier__tok *t = CUR(ps);
    size_t cap = 0;
    int rc, line = t->line, col = t->col;
    if ((rc = tier__pp_room(ps, (void **)&pol->models, &ps->c_models, pol->n_models,
                            sizeof *pol->models, "models", line, col)))
        return rc;
    m = &pol->models[pol->n_models++];
    if ((rc = tier__pp_next(ps)) || (rc = decl_name(ps, "model", &m->name, &m->line, &m->col)) ||
        (rc = reserved(ps, m->name, m->line, m->col)) ||
        (rc = tier__pp_duplicate(
             ps,
             tier__pp_find_model(pol, m->name, strlen(m->name)) != (long)pol->n_models - 1 ? 0 : -1,
             "model", m->name, m->line, m->col)))
        return rc;
    if ((rc = tier__pp_expect_op(ps, "=", m->name)))
        return rc;
    if (!tier__pp_is_name(t))
        return tier__pp_expected(ps, "a model kind (rfm, pareto, scorecard, ...)", "=");
    if (!(m->kind = tier__pp_strndup(ps, t->p, t->n, t->line, t->col)) || (rc = tier__pp_next(ps)))
        return ps->lx.rc;
    if (!tier__tok_op(t, "("))
        return tier__pp_end_of_line(ps, "the model kind");
    if ((rc = tier__pp_next(ps)))
        return rc;
    while (!tier__tok_op(t, ")")) {
        tier__poption *o;
        size_t j;
        if (m->n_opts && !tier__tok_op(t, ","))
            return tier__pp_expected(ps, "',' or ')' in the options", NULL);
        if (m->n_opts && (rc = tier__pp_next(ps)))
            return rc;
        if (m->n_opts >= TIER__POL_MAX_LIST)
            return tier__pp_fail(ps, TIER_ERANGE, t->line, t->col,
                                 "more than %d options, expected fewer", TIER__POL_MAX_LIST);
        if (tier__grow(ps->a, (void **)&m->opts, &cap, m->n_opts + 1, sizeof *m->opts))
            return tier__pp_nomem(ps);
        o = &m->opts[m->n_opts++];
        memset(o, 0, sizeof *o);
        if ((rc = decl_name(ps, m->n_opts == 1 ? "(" : ",", &o->name, &o->line, &o->col)))
            return rc;
        for (j = 0; j + 1 < m->n_opts; j++)
            if (strcmp(m->opts[j].name, o->name) == 0)
                return tier__pp_fail(ps, TIER_EPARSE, o->line, o->col,
                                     "option '%s' given twice, expected each option once", o->name);
        if ((rc = tier__pp_expect_op(ps, "=", o->name)) || (rc = option_value(ps, &o->value)))
            return rc;
    }
    if ((rc = tier__pp_next(ps)))
        return rc;
    return tier__pp_end_of_line(ps, ")");
}

/* A window or let must not take the name of a model, a window or a let. */
static int value_name_free(tier__pstate *ps, const char *name, int line, int col, size_t skip_w,
                           size_t skip_l)
{
    tier__pol *pol = ps->pol;
    size_t n = strlen(name);
    long w = tier__pp_find_window(pol, name, n), l = tier__pp_find_let(pol, name, n);
    int rc = reserved(ps, name, line, col);
    if (rc)
        return rc;
    if (tier__pp_find_model(pol, name, n) >= 0)
        return tier__pp_fail(ps, TIER_EPARSE, line, col,
                             "'%s' is the name of a model, expected another name", name);
    if (w >= 0 && (size_t)w != skip_w)
        return tier__pp_fail(ps, TIER_EPARSE, line, col,
                             "'%s' is the name of a window, expected another name", name);
    if (l >= 0 && (size_t)l != skip_l)
        return tier__pp_fail(ps, TIER_EPARSE, line, col,
                             "'%s' is the name of a let, expected another name", name);
    return TIER_OK;
}

static int st_window(tier__pstate *ps)
{
    static const char *const measures[] = {"revenue", "margin", "purchases", "purchase_days"};
    tier__pol *pol = ps->pol;
    tier__pwindow *w;
    tier__tok *t = CUR(ps);
    size_t i;
    int rc;
    if ((rc = tier__pp_room(ps, (void **)&pol->windows, &ps->c_windows, pol->n_windows,
                            sizeof *pol->windows, "windows", t->line, t->col)))
        return rc;
    w = &pol->windows[pol->n_windows++];
    if ((rc = tier__pp_next(ps)) || (rc = decl_name(ps, "window", &w->name, &w->line, &w->col)) ||
        (rc = value_name_free(ps, w->name, w->line, w->col, pol->n_windows - 1, (size_t)-1)) ||
        (rc = tier__pp_expect_op(ps, "=", w->name)))
        return rc;
    for (i = 0; i < 4; i++)
        if (tier__tok_is(t, measures[i]))
            w->measure = TIER__PW_REVENUE + (int)i;
    if (!w->measure)
        return tier__pp_expected(ps, "revenue, margin, purchases or purchase_days", "=");
    if ((rc = tier__pp_next(ps)) ||
        (rc = tier__pp_expect_word(ps, "over", measures[w->measure - 1])))
        return rc;
    if (tier__tok_is(t, "all")) {
        w->unit = TIER__PW_ALL;
        return (rc = tier__pp_next(ps)) ? rc : tier__pp_end_of_line(ps, "all");
    }
    if (t->kind != TIER__TK_NUMBER || t->pct)
        return tier__pp_expected(ps, "a number of days or months, or 'all'", "over");
    if (!(t->num >= 1 && t->num <= MAX_WINDOW && t->num == floor(t->num)))
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "window length %.*s, expected a whole number from 1 to %d",
                             (int)(t->n > 40 ? 40 : t->n), t->p, MAX_WINDOW);
    w->amount = (int)t->num;
    if ((rc = tier__pp_next(ps)))
        return rc;
    if (tier__tok_is(t, "days"))
        w->unit = TIER__PW_DAYS;
    else if (tier__tok_is(t, "months"))
        w->unit = TIER__PW_MONTHS;
    else
        return tier__pp_expected(ps, "'days' or 'months'", "the number");
    return (rc = tier__pp_next(ps)) ? rc : tier__pp_end_of_line(ps, "the window");
}

static int st_let(tier__pstate *ps)
{
    tier__pol *pol = ps->pol;
    tier__plet *l;
    tier__tok *t = CUR(ps);
    int rc, type = TIER__PT_NONE;
    if ((rc = tier__pp_room(ps, (void **)&pol->lets, &ps->c_lets, pol->n_lets, sizeof *pol->lets,
                            "lets", t->line, t->col)))
        return rc;
    if (tier__grow(ps->a, (void **)&ps->let_types, &ps->let_types_cap, pol->n_lets + 1,
                   sizeof *ps->let_types))
        return tier__pp_nomem(ps);
    l = &pol->lets[pol->n_lets];
    if ((rc = tier__pp_next(ps)) || (rc = decl_name(ps, "let", &l->name, &l->line, &l->col)))
        goto fail;
    if ((rc = value_name_free(ps, l->name, l->line, l->col, (size_t)-1, (size_t)-1)) ||
        (rc = tier__pp_expect_op(ps, "=", l->name)))
        goto fail;
    ps->allow_tier = 0;
    if ((rc = tier__pp_expr(ps, &l->expr, &type)))
        goto fail;
    /* Declared only now: the expression cannot read the let itself. */
    ps->let_types[pol->n_lets++] = type;
    return tier__pp_end_of_line(ps, "the expression");
fail:
    tier__free(ps->a, l->name);
    memset(l, 0, sizeof *l);
    return rc;
}

static int type_word(const tier__tok *t)
{
    return tier__tok_is(t, "number") ? TIER__PT_NUMBER
           : tier__tok_is(t, "text") ? TIER__PT_TEXT
           : tier__tok_is(t, "bool") ? TIER__PT_BOOL
                                     : TIER__PT_NONE;
}

long tier__pp_find_entdecl(const tier__pol *pol, const char *name, size_t n)
{
    size_t i;
    for (i = 0; i < pol->n_entdecls; i++)
        if (strlen(pol->entdecls[i].name) == n && memcmp(pol->entdecls[i].name, name, n) == 0)
            return (long)i;
    return -1;
}

static int st_entitlement(tier__pstate *ps)
{
    tier__pol *pol = ps->pol;
    tier__pentdecl *d;
    tier__tok *t = CUR(ps);
    int rc;
    if ((rc = tier__pp_room(ps, (void **)&pol->entdecls, &ps->c_entdecls, pol->n_entdecls,
                            sizeof *pol->entdecls, "entitlements", t->line, t->col)))
        return rc;
    d = &pol->entdecls[pol->n_entdecls++];
    if ((rc = tier__pp_next(ps)) ||
        (rc = decl_name(ps, "entitlement", &d->name, &d->line, &d->col)))
        return rc;
    if (tier__pp_find_entdecl(pol, d->name, strlen(d->name)) < (long)pol->n_entdecls - 1)
        return tier__pp_duplicate(ps, 0, "entitlement", d->name, d->line, d->col);
    if (!(d->type = type_word(t)))
        return tier__pp_expected(ps, "number, text or bool", d->name);
    if ((rc = tier__pp_next(ps)) || (rc = tier__pp_opt_doc(ps, &d->doc)))
        return rc;
    return tier__pp_end_of_line(ps, "the entitlement");
}

static int st_flag(tier__pstate *ps)
{
    tier__pol *pol = ps->pol;
    tier__pflag *f;
    tier__tok *t = CUR(ps);
    size_t i;
    int rc;
    if ((rc = tier__pp_room(ps, (void **)&pol->flags, &ps->c_flags, pol->n_flags,
                            sizeof *pol->flags, "flags", t->line, t->col)))
        return rc;
    f = &pol->flags[pol->n_flags++];
    if ((rc = tier__pp_next(ps)) || (rc = decl_name(ps, "flag", &f->name, &f->line, &f->col)))
        return rc;
    for (i = 0; i + 1 < pol->n_flags; i++)
        if (strcmp(pol->flags[i].name, f->name) == 0)
            return tier__pp_duplicate(ps, 0, "flag", f->name, f->line, f->col);
    if ((rc = tier__pp_opt_doc(ps, &f->doc)) || (rc = tier__pp_expect_word(ps, "when", f->name)))
        return rc;
    return tier__pp_condition(ps, 1, &f->when, "the flag's condition");
}

/* attr.NAME after `after`, into *out. */
int tier__pp_attr_ref(tier__pstate *ps, const char *after, char **out)
{
    tier__tok *t = CUR(ps);
    if (t->kind != TIER__TK_NAME || t->n < 6 || memcmp(t->p, "attr.", 5) != 0)
        return tier__pp_expected(ps, "an attribute (attr.NAME)", after);
    *out = tier__pp_strndup(ps, t->p, t->n, t->line, t->col);
    return *out ? tier__pp_next(ps) : ps->lx.rc ? ps->lx.rc : TIER_ENOMEM;
}

static int st_hierarchy(tier__pstate *ps)
{
    tier__phier *h = &ps->pol->hier;
    tier__tok *t = CUR(ps);
    int rc;
    if (h->present)
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "a second 'hierarchy' statement, expected at most one");
    h->present = 1;
    h->line = t->line;
    h->col = t->col;
    if ((rc = tier__pp_next(ps)) || (rc = tier__pp_expect_word(ps, "parent", "hierarchy")) ||
        (rc = tier__pp_expect_op(ps, "=", "parent")) ||
        (rc = tier__pp_attr_ref(ps, "parent =", &h->parent)))
        return rc;
    if (tier__tok_is(t, "children")) {
        if ((rc = tier__pp_next(ps)) || (rc = tier__pp_expect_op(ps, "=", "children")))
            return rc;
        if (tier__tok_is(t, "inherit"))
            h->children = TIER__PH_INHERIT;
        else if (tier__tok_is(t, "own"))
            h->children = TIER__PH_OWN;
        else
            return tier__pp_expected(ps, "inherit or own", "children =");
        if ((rc = tier__pp_next(ps)))
            return rc;
    }
    return tier__pp_end_of_line(ps, "the hierarchy");
}

/* ---- blocks ---------------------------------------------------------------------------------- */

/* The '{' that ends a block's first line, and the line end after it. */
int tier__pp_open_block(tier__pstate *ps, const char *after)
{
    int rc;
    if ((rc = tier__pp_expect_op(ps, "{", after)))
        return rc;
    return tier__pp_end_of_line(ps, "{");
}

/* Reads to the next line of a block: TIER_OK with the current token the line's first, or 1 when
 * the block ended with its '}' line (consumed up to the line end). */
int tier__pp_block_line(tier__pstate *ps, const char *what, int line, int col, int *ended)
{
    int rc;
    *ended = 0;
    do {
        if ((rc = tier__pp_next(ps)))
            return rc;
    } while (CUR(ps)->kind == TIER__TK_NL);
    if (CUR(ps)->kind == TIER__TK_EOF)
        return tier__pp_fail(ps, TIER_EPARSE, CUR(ps)->line, CUR(ps)->col,
                             "end of file inside %s opened at %d:%d, expected '}'", what, line,
                             col);
    if (tier__tok_op(CUR(ps), "}")) {
        *ended = 1;
        if ((rc = tier__pp_next(ps)))
            return rc;
        return tier__pp_end_of_line(ps, "}");
    }
    return TIER_OK;
}

/* ---- the file -------------------------------------------------------------------------------- */

static int statement(tier__pstate *ps)
{
    tier__tok *t = CUR(ps);
    if (tier__tok_is(t, "name"))
        return st_text(ps, "name", &ps->pol->name);
    if (tier__tok_is(t, "description"))
        return st_text(ps, "description", &ps->pol->description);
    if (tier__tok_is(t, "model"))
        return st_model(ps);
    if (tier__tok_is(t, "window"))
        return st_window(ps);
    if (tier__tok_is(t, "let"))
        return st_let(ps);
    if (tier__tok_is(t, "entitlement"))
        return st_entitlement(ps);
    if (tier__tok_is(t, "tier"))
        return tier__pp_tier(ps);
    if (tier__tok_is(t, "flag"))
        return st_flag(ps);
    if (tier__tok_is(t, "hierarchy"))
        return st_hierarchy(ps);
    if (tier__tok_is(t, "routing"))
        return tier__pp_routing(ps);
    if (tier__tok_op(t, "}"))
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "'}' outside a block, expected a statement");
    if (tier__tok_is(t, "rule") || tier__tok_is(t, "cap") || tier__tok_is(t, "entitle") ||
        tier__tok_is(t, "team") || tier__tok_is(t, "accounts"))
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "'%.*s' outside a block, expected it inside tier { } or routing { }",
                             (int)t->n, t->p);
    return tier__pp_expected(ps,
                             "a statement (name, description, model, window, let, entitlement, "
                             "tier, flag, hierarchy or routing)",
                             NULL);
}

/* Caps overflow into a later tier: checked once every tier is known. */
static int check_overflows(tier__pstate *ps)
{
    const tier__pol *pol = ps->pol;
    size_t i, j;
    for (i = 0; i < pol->n_tiers; i++) {
        const tier__pcap *c = &pol->tiers[i].cap;
        int line = ps->ovf[i][0], col = ps->ovf[i][1];
        if (c->kind == TIER__PCAP_NONE)
            continue;
        for (j = 0; j < pol->n_tiers; j++)
            if (strcmp(pol->tiers[j].name, c->overflow) == 0)
                break;
        if (j == pol->n_tiers)
            return tier__pp_fail(ps, TIER_EPARSE, line, col,
                                 "unknown tier '%s' after 'overflow', expected a tier declared "
                                 "after %s",
                                 c->overflow, pol->tiers[i].name);
        if (j <= i)
            return tier__pp_fail(ps, TIER_EPARSE, line, col,
                                 "overflow into tier '%s', which is not after %s, expected a "
                                 "later tier",
                                 c->overflow, pol->tiers[i].name);
    }
    return TIER_OK;
}

int tier__pol_parse(const tier_allocator *a, const char *text, size_t len, const char *origin,
                    tier__pol *out, char *err)
{
    tier__pstate ps;
    int rc;
    memset(out, 0, sizeof *out);
    memset(&ps, 0, sizeof ps);
    if (!origin)
        origin = "<string>";
    err[0] = '\0';
    ps.a = a;
    ps.pol = out;
    tier__lex_init(&ps.lx, a, text ? text : "", text ? len : 0, origin, err);
    if (len > TIER__POL_MAX_BYTES) {
        rc = tier__pp_fail(&ps, TIER_ERANGE, 1, 1,
                           "policy text of %zu bytes, expected at most %zu (1 MiB)", len,
                           (size_t)TIER__POL_MAX_BYTES);
        goto done;
    }
    /* The header is the first statement; blank and comment lines may come before it. */
    do {
        rc = tier__pp_next(&ps);
    } while (!rc && CUR(&ps)->kind == TIER__TK_NL);
    if (!rc)
        rc = st_header(&ps);
    while (!rc && CUR(&ps)->kind != TIER__TK_EOF) {
        rc = tier__pp_next(&ps);
        if (rc || CUR(&ps)->kind == TIER__TK_NL || CUR(&ps)->kind == TIER__TK_EOF)
            continue;
        rc = statement(&ps);
    }
    if (!rc)
        rc = check_overflows(&ps);
done:
    tier__free(a, ps.let_types);
    tier__free(a, ps.ovf);
    tier__lex_free(&ps.lx);
    if (rc)
        tier__pol_clear(a, out);
    return rc;
}
