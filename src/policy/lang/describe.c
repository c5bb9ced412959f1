/* SPDX-License-Identifier: MIT */
/* The canonical text of a policy tree, in the file format (docs/policy-format.md): what
 * tier_policy_describe() shows and what reads back into the same tree. */
#include <math.h>
#include <string.h>

#include "policy/lang/ast.h"
#include "policy/lang/lex.h"
#include "util/numtext.h"

/* Binding strength of a node as the grammar nests them: or 1, and 2, not 3, tests 4, sums 5,
 * products 6, unary minus 7, primaries 8. */
static int prec(const tier__pexpr *e)
{
    switch (e->kind) {
    case TIER__PX_UNARY:
        return e->op == TIER__POP_NOT ? 3 : 7;
    case TIER__PX_BINARY:
        switch (e->op) {
        case TIER__POP_OR:
            return 1;
        case TIER__POP_AND:
            return 2;
        case TIER__POP_ADD:
        case TIER__POP_SUB:
            return 5;
        case TIER__POP_MUL:
        case TIER__POP_DIV:
            return 6;
        default:
            return 4;
        }
    case TIER__PX_IN:
    case TIER__PX_BETWEEN:
    case TIER__PX_MISSING:
        return 4;
    case TIER__PX_NUMBER:
        return e->num < 0 || (e->num == 0 && signbit(e->num)) ? 7 : 8;
    default:
        return 8;
    }
}

static void put_text(tier__buf *b, const char *s)
{
    tier__buf_putc(b, '"');
    for (; s && *s; s++) {
        switch (*s) {
        case '"':
            tier__buf_puts(b, "\\\"");
            break;
        case '\\':
            tier__buf_puts(b, "\\\\");
            break;
        case '\n':
            tier__buf_puts(b, "\\n");
            break;
        case '\t':
            tier__buf_puts(b, "\\t");
            break;
        default:
            tier__buf_putc(b, *s);
        }
    }
    tier__buf_putc(b, '"');
}

static void put_number(tier__buf *b, double v)
{
    if (isinf(v))
        tier__buf_puts(b, v < 0 ? "-1e999" : "1e999");
    else
        tier__buf_number(b, v, TIER__NUM_SHORT_EXP);
}

/* A name as written when it reads back as one, else quoted (tier names given by the API). */
static void put_name(tier__buf *b, const char *s)
{
    size_t i, n = strlen(s);
    int ok = n > 0 && n <= TIER__POL_MAX_NAME && !tier__pol_keyword(s, n) &&
             !((s[0] >= '0' && s[0] <= '9'));
    for (i = 0; ok && i < n; i++)
        ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
             (s[i] >= '0' && s[i] <= '9');
    if (ok)
        tier__buf_puts(b, s);
    else
        put_text(b, s);
}

static void expr_at(const tier__pexpr *e, tier__buf *b, int min);

static void sub(const tier__pexpr *e, tier__buf *b, int min)
{
    if (prec(e) < min) {
        tier__buf_putc(b, '(');
        expr_at(e, b, 1);
        tier__buf_putc(b, ')');
    } else {
        expr_at(e, b, min);
    }
}

static const char *op_text(int op)
{
    static const char *const t[] = {
        "?", "or", "and", "not", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "-"};
    return op > 0 && op <= TIER__POP_NEG ? t[op] : "?";
}

static void expr_at(const tier__pexpr *e, tier__buf *b, int min)
{
    size_t i;
    int p = prec(e);
    (void)min;
    switch (e->kind) {
    case TIER__PX_NUMBER:
        put_number(b, e->num);
        break;
    case TIER__PX_TEXT:
        put_text(b, e->text);
        break;
    case TIER__PX_BOOL:
        tier__buf_puts(b, e->num != 0 ? "true" : "false");
        break;
    case TIER__PX_REF:
        tier__buf_puts(b, e->text);
        break;
    case TIER__PX_UNARY:
        if (e->op == TIER__POP_NOT) {
            /* not (x > 0) reads better than the equivalent not x > 0. */
            tier__buf_puts(b, "not ");
            sub(e->args[0], b, 5);
        } else {
            tier__buf_putc(b, '-');
            /* "- -x" would read back the same; parentheses keep it readable. */
            sub(e->args[0], b, prec(e->args[0]) == 7 ? 8 : 7);
        }
        break;
    case TIER__PX_BINARY:
        sub(e->args[0], b, p == 4 ? 5 : p);
        tier__buf_putc(b, ' ');
        tier__buf_puts(b, op_text(e->op));
        tier__buf_putc(b, ' ');
        sub(e->args[1], b, p == 4 ? 5 : p + 1);
        break;
    case TIER__PX_IN:
        sub(e->args[0], b, 5);
        tier__buf_puts(b, e->op == TIER__POP_NOT ? " not in [" : " in [");
        for (i = 1; i < e->n_args; i++) {
            if (i > 1)
                tier__buf_puts(b, ", ");
            expr_at(e->args[i], b, 1);
        }
        tier__buf_putc(b, ']');
        break;
    case TIER__PX_BETWEEN:
        sub(e->args[0], b, 5);
        tier__buf_puts(b, " between ");
        sub(e->args[1], b, 5);
        tier__buf_puts(b, " and ");
        sub(e->args[2], b, 5);
        break;
    case TIER__PX_MISSING:
        sub(e->args[0], b, 5);
        tier__buf_puts(b, e->op == TIER__POP_NOT ? " is not missing" : " is missing");
        break;
    case TIER__PX_CALL:
        tier__buf_puts(b, e->text);
        tier__buf_putc(b, '(');
        for (i = 0; i < e->n_args; i++) {
            if (i)
                tier__buf_puts(b, ", ");
            expr_at(e->args[i], b, 1);
        }
        tier__buf_putc(b, ')');
        break;
    default:
        tier__buf_puts(b, "?");
    }
}

void tier__pexpr_describe(const tier__pexpr *e, tier__buf *out)
{
    if (e)
        expr_at(e, out, 1);
    else
        tier__buf_puts(out, "true");
}

/* A share as a percentage that reads back as exactly the same fraction. */
static void put_share(tier__buf *b, double share)
{
    char text[TIER__NUM_SIZE];
    double base = share * 100, cand[3];
    int k;
    cand[0] = base;
    cand[1] = nextafter(base, HUGE_VAL);
    cand[2] = nextafter(base, -HUGE_VAL);
    for (k = 0; k < 3; k++) {
        double back;
        size_t n = tier__num_format(text, cand[k], TIER__NUM_SHORT_EXP);
        if (tier__num_parse(text, n, &back, 0) == TIER_OK && back / 100 == share) {
            tier__buf_puts(b, text);
            tier__buf_putc(b, '%');
            return;
        }
    }
    put_number(b, base);
    tier__buf_putc(b, '%');
}

static void put_value(tier__buf *b, const tier__pvalue *v)
{
    size_t i;
    switch (v->type) {
    case TIER__PT_NUMBER:
        put_number(b, v->num);
        break;
    case TIER__PT_TEXT:
        put_text(b, v->text);
        break;
    case TIER__PT_BOOL:
        tier__buf_puts(b, v->num != 0 ? "true" : "false");
        break;
    default:
        tier__buf_putc(b, '[');
        for (i = 0; i < v->n_items; i++) {
            if (i)
                tier__buf_puts(b, ", ");
            put_text(b, v->items[i]);
        }
        tier__buf_putc(b, ']');
    }
}

static void put_doc(tier__buf *b, const char *doc)
{
    if (doc) {
        tier__buf_putc(b, ' ');
        put_text(b, doc);
    }
}

static void describe_tier(const tier__ptier *t, tier__buf *b)
{
    size_t j;
    tier__buf_puts(b, "tier ");
    put_name(b, t->name);
    put_doc(b, t->doc);
    tier__buf_puts(b, " {\n");
    for (j = 0; j < t->n_rules; j++) {
        tier__buf_puts(b, "    rule ");
        put_text(b, t->rules[j].name);
        if (t->rules[j].when) {
            tier__buf_puts(b, " when ");
            tier__pexpr_describe(t->rules[j].when, b);
        }
        tier__buf_putc(b, '\n');
    }
    if (t->cap.kind != TIER__PCAP_NONE) {
        tier__buf_puts(b, "    cap ");
        if (t->cap.kind == TIER__PCAP_SHARE)
            put_share(b, t->cap.amount);
        else
            put_number(b, t->cap.amount);
        tier__buf_puts(b, " by ");
        tier__pexpr_describe(t->cap.by, b);
        if (t->cap.ascending)
            tier__buf_puts(b, " asc");
        tier__buf_puts(b, " overflow ");
        put_name(b, t->cap.overflow ? t->cap.overflow : "");
        tier__buf_putc(b, '\n');
    }
    for (j = 0; j < t->n_ents; j++) {
        tier__buf_puts(b, "    entitle ");
        tier__buf_puts(b, t->ents[j].name);
        tier__buf_puts(b, " = ");
        put_value(b, &t->ents[j].value);
        tier__buf_putc(b, '\n');
    }
    if (t->hold.after_runs)
        tier__buf_printf(b, "    demote after %d run%s\n", t->hold.after_runs,
                         t->hold.after_runs == 1 ? "" : "s");
    if (t->hold.when) {
        tier__buf_puts(b, "    demote when ");
        tier__pexpr_describe(t->hold.when, b);
        tier__buf_putc(b, '\n');
    }
    if (t->hold.dwell_days)
        tier__buf_printf(b, "    dwell %d day%s\n", t->hold.dwell_days,
                         t->hold.dwell_days == 1 ? "" : "s");
    tier__buf_puts(b, "}\n");
}

static void describe_routing(const tier__proute *r, tier__buf *b)
{
    static const char *const scopes[] = {"?", "national", "regional", "local"};
    size_t i;
    tier__buf_puts(b, "\nrouting {\n");
    if (r->accounts) {
        tier__buf_puts(b, "    accounts when ");
        tier__pexpr_describe(r->accounts, b);
        tier__buf_putc(b, '\n');
    }
    if (r->region)
        tier__buf_printf(b, "    region = %s\n", r->region);
    if (r->city)
        tier__buf_printf(b, "    city = %s\n", r->city);
    if (r->scope)
        tier__buf_printf(b, "    scope = %s\n", r->scope);
    if (r->revenue) {
        tier__buf_puts(b, "    revenue = ");
        tier__pexpr_describe(r->revenue, b);
        tier__buf_putc(b, '\n');
    }
    for (i = 0; i < r->n_teams; i++) {
        const tier__pteam *t = &r->teams[i];
        tier__buf_printf(b, "    team %s ", scopes[t->scope >= 1 && t->scope <= 3 ? t->scope : 0]);
        put_text(b, t->name);
        if (t->capacity_kind != TIER__PRC_NONE) {
            tier__buf_puts(b, " capacity ");
            put_number(b, t->capacity);
            tier__buf_puts(b, t->capacity_kind == TIER__PRC_ACCOUNTS ? " accounts" : " revenue");
        }
        tier__buf_putc(b, '\n');
    }
    tier__buf_puts(b, "}\n");
}

int tier__pol_describe(const tier__pol *pol, tier__buf *b)
{
    static const char *const measures[] = {"?", "revenue", "margin", "purchases", "purchase_days"};
    static const char *const types[] = {"?", "number", "text", "bool"};
    size_t i, j;
    tier__buf_printf(b, "libtier-policy %d\n", pol->version ? pol->version : 1);
    if (pol->name) {
        tier__buf_puts(b, "name ");
        put_text(b, pol->name);
        tier__buf_putc(b, '\n');
    }
    if (pol->description) {
        tier__buf_puts(b, "description ");
        put_text(b, pol->description);
        tier__buf_putc(b, '\n');
    }
    if (pol->n_models)
        tier__buf_putc(b, '\n');
    for (i = 0; i < pol->n_models; i++) {
        const tier__pmodel *m = &pol->models[i];
        tier__buf_printf(b, "model %s = %s", m->name, m->kind);
        if (m->n_opts) {
            tier__buf_puts(b, " (");
            for (j = 0; j < m->n_opts; j++) {
                if (j)
                    tier__buf_puts(b, ", ");
                tier__buf_printf(b, "%s = ", m->opts[j].name);
                put_value(b, &m->opts[j].value);
            }
            tier__buf_putc(b, ')');
        }
        tier__buf_putc(b, '\n');
    }
    if (pol->n_windows)
        tier__buf_putc(b, '\n');
    for (i = 0; i < pol->n_windows; i++) {
        const tier__pwindow *w = &pol->windows[i];
        int m = w->measure >= 1 && w->measure <= 4 ? w->measure : 0;
        tier__buf_printf(b, "window %s = %s over ", w->name, measures[m]);
        if (w->unit == TIER__PW_ALL)
            tier__buf_puts(b, "all\n");
        else
            tier__buf_printf(b, "%d %s\n", w->amount, w->unit == TIER__PW_DAYS ? "days" : "months");
    }
    if (pol->n_lets)
        tier__buf_putc(b, '\n');
    for (i = 0; i < pol->n_lets; i++) {
        tier__buf_printf(b, "let %s = ", pol->lets[i].name);
        tier__pexpr_describe(pol->lets[i].expr, b);
        tier__buf_putc(b, '\n');
    }
    if (pol->n_entdecls)
        tier__buf_putc(b, '\n');
    for (i = 0; i < pol->n_entdecls; i++) {
        const tier__pentdecl *d = &pol->entdecls[i];
        tier__buf_printf(b, "entitlement %s %s", d->name,
                         types[d->type >= 1 && d->type <= 3 ? d->type : 0]);
        put_doc(b, d->doc);
        tier__buf_putc(b, '\n');
    }
    for (i = 0; i < pol->n_tiers; i++) {
        tier__buf_putc(b, '\n');
        describe_tier(&pol->tiers[i], b);
    }
    if (pol->n_flags)
        tier__buf_putc(b, '\n');
    for (i = 0; i < pol->n_flags; i++) {
        const tier__pflag *f = &pol->flags[i];
        tier__buf_printf(b, "flag %s", f->name);
        put_doc(b, f->doc);
        tier__buf_puts(b, " when ");
        tier__pexpr_describe(f->when, b);
        tier__buf_putc(b, '\n');
    }
    if (pol->hier.present) {
        tier__buf_printf(b, "\nhierarchy parent = %s children = %s\n",
                         pol->hier.parent ? pol->hier.parent : "attr.parent",
                         pol->hier.children == TIER__PH_OWN ? "own" : "inherit");
    }
    if (pol->route.present)
        describe_routing(&pol->route, b);
    return tier__buf_status(b);
}
