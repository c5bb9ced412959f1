/* SPDX-License-Identifier: MIT */
/* The blocks of policy files: tier { rule, cap, entitle, demote, dwell } and routing { ... }. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy/lang/parse.h"

#define CUR(ps) TIER__CUR(ps)

/* rule "REASON" [when EXPR] */
static int tb_rule(tier__pstate *ps, tier__ptier *tr)
{
    tier__tok *t = CUR(ps);
    tier__prule *r;
    int rc;
    if (ps->n_rules >= TIER__POL_MAX_ITEMS)
        return tier__pp_fail(ps, TIER_ERANGE, t->line, t->col,
                             "more than %d rules, expected at most %d", TIER__POL_MAX_ITEMS,
                             TIER__POL_MAX_ITEMS);
    if (tier__grow(ps->a, (void **)&tr->rules, &ps->c_rules, tr->n_rules + 1, sizeof *tr->rules))
        return tier__pp_nomem(ps);
    r = &tr->rules[tr->n_rules++];
    memset(r, 0, sizeof *r);
    ps->n_rules++;
    r->line = t->line;
    r->col = t->col;
    if ((rc = tier__pp_next(ps)) ||
        (rc = tier__pp_text_arg(ps, "the rule's reason in quotes", "rule", &r->name, 0)))
        return rc;
    if (!tier__tok_is(t, "when"))
        return tier__pp_end_of_line(ps, "the rule's reason");
    if ((rc = tier__pp_next(ps)))
        return rc;
    return tier__pp_condition(ps, 0, &r->when, "the rule's condition");
}

/* cap N% | N by EXPR [desc|asc] overflow TIER */
static int tb_cap(tier__pstate *ps, tier__ptier *tr, size_t index)
{
    tier__tok *t = CUR(ps);
    tier__pcap *c = &tr->cap;
    int rc, type = TIER__PT_NONE, kind;
    const char *after;
    if (c->kind != TIER__PCAP_NONE)
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "a second cap in tier %s, expected at most one", tr->name);
    c->line = t->line;
    c->col = t->col;
    if ((rc = tier__pp_next(ps)))
        return rc;
    if (t->kind != TIER__TK_NUMBER)
        return tier__pp_expected(ps, "a number or a share with '%'", "cap");
    if (t->pct && !(t->num > 0 && t->num <= 1))
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "cap share %.*s is out of range, expected more than 0%% and at most "
                             "100%%",
                             (int)(t->n > 40 ? 40 : t->n), t->p);
    if (!t->pct && !tier__pp_whole(t->num))
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "cap %.*s is not a whole number of customers, expected a count or a "
                             "share with '%%'",
                             (int)(t->n > 40 ? 40 : t->n), t->p);
    kind = t->pct ? TIER__PCAP_SHARE : TIER__PCAP_COUNT;
    c->amount = t->num;
    if ((rc = tier__pp_next(ps)) || (rc = tier__pp_expect_word(ps, "by", "the cap")))
        return rc;
    ps->allow_tier = 0;
    if ((rc = tier__pp_expr(ps, &c->by, &type)))
        return rc;
    c->kind = kind; /* from now on the tier counts as capped (the overflow is set below) */
    if (type != TIER__PT_NONE && type != TIER__PT_NUMBER)
        return tier__pp_fail(ps, TIER_EPARSE, c->by->line, c->by->col,
                             "the cap's criterion is %s, expected a number",
                             tier__pp_type_name(type));
    after = "the cap's criterion";
    if (tier__tok_is(t, "desc") || tier__tok_is(t, "asc")) {
        c->ascending = tier__tok_is(t, "asc");
        after = c->ascending ? "asc" : "desc";
        if ((rc = tier__pp_next(ps)))
            return rc;
    }
    if ((rc = tier__pp_expect_word(ps, "overflow", after)))
        return rc;
    ps->ovf[index][0] = t->line;
    ps->ovf[index][1] = t->col;
    if (tier__pp_is_name(t)) {
        if (!(c->overflow = tier__pp_strndup(ps, t->p, t->n, t->line, t->col)) ||
            (rc = tier__pp_next(ps)))
            return ps->lx.rc;
    } else if ((rc = tier__pp_text_arg(ps, "a tier name", "overflow", &c->overflow, 0))) {
        return rc;
    }
    return tier__pp_end_of_line(ps, "the cap");
}

/* A literal of a declared entitlement's type. */
static int ent_value(tier__pstate *ps, const tier__pentdecl *d, tier__pvalue *v)
{
    tier__tok *t = CUR(ps);
    tier__tok at = *t;
    int rc;
    if (t->kind == TIER__TK_STRING) {
        v->type = TIER__PT_TEXT;
        rc = tier__pp_text_arg(ps, "a text", NULL, &v->text, 1);
    } else if (tier__tok_is(t, "true") || tier__tok_is(t, "false")) {
        v->type = TIER__PT_BOOL;
        v->num = tier__tok_is(t, "true");
        rc = tier__pp_next(ps);
    } else if (t->kind == TIER__TK_NUMBER || tier__tok_op(t, "-")) {
        v->type = TIER__PT_NUMBER;
        rc = tier__pp_number_arg(ps, "a number", "=", &v->num, NULL);
    } else {
        return tier__pp_expected(ps, "a number, a string, true or false", "=");
    }
    if (rc)
        return rc;
    if (v->type != d->type)
        return tier__pp_fail(ps, TIER_EPARSE, at.line, at.col,
                             "entitlement '%s' given %s, expected %s (it is declared %s at "
                             "%d:%d)",
                             d->name, tier__pp_type_name(v->type), tier__pp_type_name(d->type),
                             d->type == TIER__PT_NUMBER ? "number"
                             : d->type == TIER__PT_TEXT ? "text"
                                                        : "bool",
                             d->line, d->col);
    return TIER_OK;
}

/* entitle NAME = VALUE */
static int tb_entitle(tier__pstate *ps, tier__ptier *tr)
{
    tier__tok *t = CUR(ps);
    tier__pent *e;
    long d;
    size_t i;
    int rc;
    if (tier__grow(ps->a, (void **)&tr->ents, &ps->c_ents, tr->n_ents + 1, sizeof *tr->ents))
        return tier__pp_nomem(ps);
    e = &tr->ents[tr->n_ents++];
    memset(e, 0, sizeof *e);
    e->line = t->line;
    e->col = t->col;
    if ((rc = tier__pp_next(ps)))
        return rc;
    if (!tier__pp_is_name(t))
        return tier__pp_expected(ps, "an entitlement name", "entitle");
    if ((d = tier__pp_find_entdecl(ps->pol, t->p, t->n)) < 0)
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "unknown entitlement '%.*s', expected one declared with "
                             "'entitlement' before",
                             (int)t->n, t->p);
    for (i = 0; i + 1 < tr->n_ents; i++)
        if (strlen(tr->ents[i].name) == t->n && memcmp(tr->ents[i].name, t->p, t->n) == 0)
            return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                                 "entitlement '%.*s' set twice in tier %s, expected it once",
                                 (int)t->n, t->p, tr->name);
    if (!(e->name = tier__pp_strndup(ps, t->p, t->n, t->line, t->col)) || (rc = tier__pp_next(ps)))
        return ps->lx.rc;
    if ((rc = tier__pp_expect_op(ps, "=", e->name)) ||
        (rc = ent_value(ps, &ps->pol->entdecls[d], &e->value)))
        return rc;
    return tier__pp_end_of_line(ps, "the value");
}

/* Limits of the hysteresis lines (docs/history.md). */
#define MAX_DEMOTE_RUNS 1000
#define MAX_DWELL_DAYS 36500

/* A whole number from 1 to max at the current token (N of `demote after N runs`, `dwell N days`),
 * then the unit word (singular or plural). */
static int hold_count(tier__pstate *ps, const char *after, int max, const char *unit,
                      const char *units, int *out)
{
    tier__tok *t = CUR(ps);
    int rc;
    char what[48];
    if (t->kind != TIER__TK_NUMBER || t->pct)
        return tier__pp_expected(ps, units[0] == 'r' ? "a number of runs" : "a number of days",
                                 after);
    if (!(t->num >= 1 && t->num <= max && t->num == floor(t->num)))
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "%s %.*s, expected a whole number of %s from 1 to %d", after,
                             (int)(t->n > 40 ? 40 : t->n), t->p, units, max);
    *out = (int)t->num;
    if ((rc = tier__pp_next(ps)))
        return rc;
    if (!tier__tok_is(t, unit) && !tier__tok_is(t, units)) {
        snprintf(what, sizeof what, "'%s'", units);
        return tier__pp_expected(ps, what, "the number");
    }
    if ((rc = tier__pp_next(ps)))
        return rc;
    return tier__pp_end_of_line(ps, units);
}

/* A second hysteresis line of one kind in a tier. */
static int hold_twice(tier__pstate *ps, const tier__ptier *tr, const char *what, int at_line,
                      int at_col, int line, int col)
{
    return tier__pp_fail(ps, TIER_EPARSE, at_line, at_col,
                         "a second '%s' line in tier %s (the first is at %d:%d), expected at most "
                         "one",
                         what, tr->name, line, col);
}

/* demote after N runs | demote when EXPR */
static int tb_demote(tier__pstate *ps, tier__ptier *tr)
{
    tier__tok *t = CUR(ps);
    tier__phold *h = &tr->hold;
    int rc, line = t->line, col = t->col;
    if ((rc = tier__pp_next(ps)))
        return rc;
    if (tier__tok_is(t, "after")) {
        if (h->after_runs)
            return hold_twice(ps, tr, "demote after", line, col, h->after_line, h->after_col);
        h->after_line = line;
        h->after_col = col;
        if ((rc = tier__pp_next(ps)))
            return rc;
        return hold_count(ps, "demote after", MAX_DEMOTE_RUNS, "run", "runs", &h->after_runs);
    }
    if (!tier__tok_is(t, "when"))
        return tier__pp_expected(ps, "'after' or 'when'", "demote");
    if (h->when)
        return hold_twice(ps, tr, "demote when", line, col, h->when_line, h->when_col);
    h->when_line = line;
    h->when_col = col;
    if ((rc = tier__pp_next(ps)))
        return rc;
    return tier__pp_condition(ps, 0, &h->when, "the demote condition");
}

/* dwell N days */
static int tb_dwell(tier__pstate *ps, tier__ptier *tr)
{
    tier__tok *t = CUR(ps);
    tier__phold *h = &tr->hold;
    int rc;
    if (h->dwell_days)
        return hold_twice(ps, tr, "dwell", t->line, t->col, h->dwell_line, h->dwell_col);
    h->dwell_line = t->line;
    h->dwell_col = t->col;
    if ((rc = tier__pp_next(ps)))
        return rc;
    return hold_count(ps, "dwell", MAX_DWELL_DAYS, "day", "days", &h->dwell_days);
}

int tier__pp_tier(tier__pstate *ps)
{
    tier__pol *pol = ps->pol;
    tier__ptier *tr;
    tier__tok *t = CUR(ps);
    size_t i, index = pol->n_tiers;
    int rc, ended;
    char what[TIER__POL_MAX_TEXT / 16];
    if ((rc = tier__pp_room(ps, (void **)&pol->tiers, &ps->c_tiers, pol->n_tiers,
                            sizeof *pol->tiers, "tiers", t->line, t->col)))
        return rc;
    if (tier__grow(ps->a, (void **)&ps->ovf, &ps->c_ovf, index + 1, sizeof *ps->ovf))
        return tier__pp_nomem(ps);
    tr = &pol->tiers[pol->n_tiers++];
    ps->c_rules = ps->c_ents = 0;
    tr->line = t->line;
    tr->col = t->col;
    if ((rc = tier__pp_next(ps)))
        return rc;
    if (tier__pp_is_name(t)) {
        if (!(tr->name = tier__pp_strndup(ps, t->p, t->n, t->line, t->col)) ||
            (rc = tier__pp_next(ps)))
            return ps->lx.rc;
    } else if (t->kind == TIER__TK_STRING) {
        if ((rc = tier__pp_text_arg(ps, "a tier name", "tier", &tr->name, 0)))
            return rc;
    } else {
        return tier__pp_expected(ps, "a tier name", "tier");
    }
    for (i = 0; i < index; i++)
        if (strcmp(pol->tiers[i].name, tr->name) == 0)
            return tier__pp_duplicate(ps, 0, "tier", tr->name, tr->line, tr->col);
    if ((rc = tier__pp_opt_doc(ps, &tr->doc)) || (rc = tier__pp_open_block(ps, tr->name)))
        return rc;
    snprintf(what, sizeof what, "tier %s", tr->name);
    for (;;) {
        if ((rc = tier__pp_block_line(ps, what, tr->line, tr->col, &ended)))
            return rc;
        if (ended)
            return TIER_OK;
        if (tier__tok_is(t, "rule"))
            rc = tb_rule(ps, tr);
        else if (tier__tok_is(t, "cap"))
            rc = tb_cap(ps, tr, index);
        else if (tier__tok_is(t, "entitle"))
            rc = tb_entitle(ps, tr);
        else if (tier__tok_is(t, "demote"))
            rc = tb_demote(ps, tr);
        else if (tier__tok_is(t, "dwell"))
            rc = tb_dwell(ps, tr);
        else
            rc = tier__pp_expected(
                ps, "rule, cap, entitle, demote, dwell or '}' (is a '}' missing?)", NULL);
        if (rc)
            return rc;
    }
}

/* Inside routing { }: region/city/scope = attr.NAME. */
static int rt_attr(tier__pstate *ps, const char *word, char **slot)
{
    tier__tok *t = CUR(ps);
    int rc;
    if (*slot)
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "a second '%s' line in routing, expected at most one", word);
    if ((rc = tier__pp_next(ps)) || (rc = tier__pp_expect_op(ps, "=", word)) ||
        (rc = tier__pp_attr_ref(ps, "=", slot)))
        return rc;
    return tier__pp_end_of_line(ps, *slot);
}

/* team national|regional|local "NAME" [capacity N accounts|revenue] */
static int rt_team(tier__pstate *ps)
{
    static const char *const scopes[] = {"national", "regional", "local"};
    tier__proute *r = &ps->pol->route;
    tier__tok *t = CUR(ps);
    tier__pteam *tm;
    size_t i;
    int rc;
    if ((rc = tier__pp_room(ps, (void **)&r->teams, &ps->c_teams, r->n_teams, sizeof *r->teams,
                            "teams", t->line, t->col)))
        return rc;
    tm = &r->teams[r->n_teams++];
    tm->line = t->line;
    tm->col = t->col;
    if ((rc = tier__pp_next(ps)))
        return rc;
    for (i = 0; i < 3; i++)
        if (tier__tok_is(t, scopes[i]))
            tm->scope = TIER__PR_NATIONAL + (int)i;
    if (!tm->scope)
        return tier__pp_expected(ps, "national, regional or local", "team");
    for (i = 0; i + 1 < r->n_teams; i++) /* a routed row takes the first team of its scope */
        if (r->teams[i].scope == tm->scope)
            return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                                 "a second 'team %s' line, expected one per scope (line %lu is the "
                                 "team of scope %s)",
                                 scopes[tm->scope - 1], (unsigned long)r->teams[i].line,
                                 scopes[tm->scope - 1]);
    if ((rc = tier__pp_next(ps)) || (rc = tier__pp_text_arg(ps, "the team's name in quotes",
                                                            scopes[tm->scope - 1], &tm->name, 0)))
        return rc;
    if (!tier__tok_is(t, "capacity"))
        return tier__pp_end_of_line(ps, "the team's name");
    if ((rc = tier__pp_next(ps)))
        return rc;
    if (t->kind != TIER__TK_NUMBER || t->pct)
        return tier__pp_expected(ps, "a number", "capacity");
    tm->capacity = t->num;
    {
        tier__tok num = *t;
        if ((rc = tier__pp_next(ps)))
            return rc;
        if (tier__tok_is(t, "accounts"))
            tm->capacity_kind = TIER__PRC_ACCOUNTS;
        else if (tier__tok_is(t, "revenue"))
            tm->capacity_kind = TIER__PRC_REVENUE;
        else
            return tier__pp_expected(ps, "'accounts' or 'revenue'", "the capacity");
        if (tm->capacity_kind == TIER__PRC_ACCOUNTS
                ? !tier__pp_whole(tm->capacity)
                : !(tm->capacity >= 0 && isfinite(tm->capacity)))
            return tier__pp_fail(ps, TIER_EPARSE, num.line, num.col, "capacity %.*s, expected %s",
                                 (int)(num.n > 40 ? 40 : num.n), num.p,
                                 tm->capacity_kind == TIER__PRC_ACCOUNTS
                                     ? "a whole number of accounts"
                                     : "a finite revenue of at least 0");
    }
    return (rc = tier__pp_next(ps)) ? rc : tier__pp_end_of_line(ps, "the capacity");
}

/* accounts when EXPR | revenue = EXPR */
static int rt_expr(tier__pstate *ps, const char *word, tier__pexpr **slot, int want)
{
    tier__tok *t = CUR(ps);
    int rc, type = TIER__PT_NONE;
    if (*slot)
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "a second '%s' line in routing, expected at most one", word);
    if ((rc = tier__pp_next(ps)))
        return rc;
    if ((rc = want == TIER__PT_BOOL ? tier__pp_expect_word(ps, "when", word)
                                    : tier__pp_expect_op(ps, "=", word)))
        return rc;
    ps->allow_tier = 1;
    if ((rc = tier__pp_expr(ps, slot, &type)))
        return rc;
    if (type != TIER__PT_NONE && type != want)
        return tier__pp_fail(ps, TIER_EPARSE, (*slot)->line, (*slot)->col,
                             "routing %s is %s, expected %s", word, tier__pp_type_name(type),
                             tier__pp_type_name(want));
    return tier__pp_end_of_line(ps, "the expression");
}

int tier__pp_routing(tier__pstate *ps)
{
    tier__proute *r = &ps->pol->route;
    tier__tok *t = CUR(ps);
    int rc, ended;
    if (r->present)
        return tier__pp_fail(ps, TIER_EPARSE, t->line, t->col,
                             "a second 'routing' block, expected at most one");
    r->present = 1;
    r->line = t->line;
    r->col = t->col;
    if ((rc = tier__pp_next(ps)) || (rc = tier__pp_open_block(ps, "routing")))
        return rc;
    for (;;) {
        if ((rc = tier__pp_block_line(ps, "routing", r->line, r->col, &ended)))
            return rc;
        if (ended)
            return TIER_OK;
        if (tier__tok_is(t, "accounts"))
            rc = rt_expr(ps, "accounts", &r->accounts, TIER__PT_BOOL);
        else if (tier__tok_is(t, "revenue"))
            rc = rt_expr(ps, "revenue", &r->revenue, TIER__PT_NUMBER);
        else if (tier__tok_is(t, "region"))
            rc = rt_attr(ps, "region", &r->region);
        else if (tier__tok_is(t, "city"))
            rc = rt_attr(ps, "city", &r->city);
        else if (tier__tok_is(t, "scope"))
            rc = rt_attr(ps, "scope", &r->scope);
        else if (tier__tok_is(t, "team"))
            rc = rt_team(ps);
        else
            rc = tier__pp_expected(ps,
                                   "accounts, region, city, scope, revenue, team or '}' (is a "
                                   "'}' missing?)",
                                   NULL);
        if (rc)
            return rc;
    }
}
