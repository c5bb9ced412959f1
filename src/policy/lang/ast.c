/* SPDX-License-Identifier: MIT */
/* The parsed policy tree: freeing and deep copies (policy/ast.h). */
#include <string.h>

#include "policy/lang/ast.h"

void tier__pexpr_free(const tier_allocator *a, tier__pexpr *e)
{
    size_t i;
    if (!e)
        return;
    for (i = 0; i < e->n_args; i++)
        tier__pexpr_free(a, e->args[i]);
    tier__free(a, e->args);
    tier__free(a, e->text);
    tier__free(a, e);
}

static void value_clear(const tier_allocator *a, tier__pvalue *v)
{
    size_t i;
    tier__free(a, v->text);
    for (i = 0; i < v->n_items; i++)
        tier__free(a, v->items[i]);
    tier__free(a, v->items);
    memset(v, 0, sizeof *v);
}

void tier__pol_clear(const tier_allocator *a, tier__pol *pol)
{
    size_t i, j;
    if (!pol)
        return;
    tier__free(a, pol->name);
    tier__free(a, pol->description);
    for (i = 0; i < pol->n_models; i++) {
        tier__pmodel *m = &pol->models[i];
        for (j = 0; j < m->n_opts; j++) {
            tier__free(a, m->opts[j].name);
            value_clear(a, &m->opts[j].value);
        }
        tier__free(a, m->opts);
        tier__free(a, m->name);
        tier__free(a, m->kind);
    }
    tier__free(a, pol->models);
    for (i = 0; i < pol->n_windows; i++)
        tier__free(a, pol->windows[i].name);
    tier__free(a, pol->windows);
    for (i = 0; i < pol->n_lets; i++) {
        tier__free(a, pol->lets[i].name);
        tier__pexpr_free(a, pol->lets[i].expr);
    }
    tier__free(a, pol->lets);
    for (i = 0; i < pol->n_entdecls; i++) {
        tier__free(a, pol->entdecls[i].name);
        tier__free(a, pol->entdecls[i].doc);
    }
    tier__free(a, pol->entdecls);
    for (i = 0; i < pol->n_tiers; i++) {
        tier__ptier *t = &pol->tiers[i];
        for (j = 0; j < t->n_rules; j++) {
            tier__free(a, t->rules[j].name);
            tier__pexpr_free(a, t->rules[j].when);
        }
        tier__free(a, t->rules);
        tier__pexpr_free(a, t->cap.by);
        tier__free(a, t->cap.overflow);
        tier__pexpr_free(a, t->hold.when);
        for (j = 0; j < t->n_ents; j++) {
            tier__free(a, t->ents[j].name);
            value_clear(a, &t->ents[j].value);
        }
        tier__free(a, t->ents);
        tier__free(a, t->name);
        tier__free(a, t->doc);
    }
    tier__free(a, pol->tiers);
    for (i = 0; i < pol->n_flags; i++) {
        tier__free(a, pol->flags[i].name);
        tier__free(a, pol->flags[i].doc);
        tier__pexpr_free(a, pol->flags[i].when);
    }
    tier__free(a, pol->flags);
    tier__free(a, pol->hier.parent);
    tier__pexpr_free(a, pol->route.accounts);
    tier__free(a, pol->route.region);
    tier__free(a, pol->route.city);
    tier__free(a, pol->route.scope);
    tier__pexpr_free(a, pol->route.revenue);
    for (i = 0; i < pol->route.n_teams; i++)
        tier__free(a, pol->route.teams[i].name);
    tier__free(a, pol->route.teams);
    memset(pol, 0, sizeof *pol);
}

long tier__pol_find(const void *items, size_t n, size_t size, const char *name)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char *const *item_name = (char *const *)((const char *)items + i * size);
        if (*item_name && strcmp(*item_name, name) == 0)
            return (long)i;
    }
    return -1;
}

/* ---- deep copy -------------------------------------------------------------------------------
 * Each helper copies into zeroed memory and reports failure; whatever it allocated before the
 * failure is already linked into the destination, so one tier__pol_clear() releases it. */

static int dup_str(const tier_allocator *a, char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    *dst = tier__strdup(a, src);
    return *dst == NULL;
}

/* A zeroed array of n elements (NULL for none): 0, or 1 when out of memory. */
static int dup_array(const tier_allocator *a, void **dst, size_t n, size_t elem)
{
    *dst = NULL;
    if (n == 0)
        return 0;
    *dst = tier__calloc(a, n, elem);
    return *dst == NULL;
}

static int copy_expr(const tier_allocator *a, tier__pexpr **dst, const tier__pexpr *src)
{
    tier__pexpr *e;
    size_t i;
    *dst = NULL;
    if (!src)
        return 0;
    e = tier__calloc(a, 1, sizeof *e);
    if (!e)
        return 1;
    *dst = e;
    e->kind = src->kind;
    e->op = src->op;
    e->line = src->line;
    e->col = src->col;
    e->num = src->num;
    if (dup_str(a, &e->text, src->text) ||
        dup_array(a, (void **)&e->args, src->n_args, sizeof *e->args))
        return 1;
    for (i = 0; i < src->n_args; i++) {
        e->n_args = i + 1;
        if (copy_expr(a, &e->args[i], src->args[i]))
            return 1;
    }
    e->n_args = src->n_args;
    return 0;
}

static int copy_value(const tier_allocator *a, tier__pvalue *dst, const tier__pvalue *src)
{
    size_t i;
    dst->type = src->type;
    dst->num = src->num;
    if (dup_str(a, &dst->text, src->text) ||
        dup_array(a, (void **)&dst->items, src->n_items, sizeof *dst->items))
        return 1;
    for (i = 0; i < src->n_items; i++) {
        dst->n_items = i + 1;
        if (dup_str(a, &dst->items[i], src->items[i]))
            return 1;
    }
    dst->n_items = src->n_items;
    return 0;
}

static int copy_models(const tier_allocator *a, tier__pol *d, const tier__pol *s)
{
    size_t i, j;
    if (dup_array(a, (void **)&d->models, s->n_models, sizeof *d->models))
        return 1;
    for (i = 0; i < s->n_models; i++) {
        tier__pmodel *m = &d->models[i];
        const tier__pmodel *sm = &s->models[i];
        d->n_models = i + 1;
        m->line = sm->line;
        m->col = sm->col;
        if (dup_str(a, &m->name, sm->name) || dup_str(a, &m->kind, sm->kind) ||
            dup_array(a, (void **)&m->opts, sm->n_opts, sizeof *m->opts))
            return 1;
        for (j = 0; j < sm->n_opts; j++) {
            m->n_opts = j + 1;
            m->opts[j].line = sm->opts[j].line;
            m->opts[j].col = sm->opts[j].col;
            if (dup_str(a, &m->opts[j].name, sm->opts[j].name) ||
                copy_value(a, &m->opts[j].value, &sm->opts[j].value))
                return 1;
        }
    }
    return 0;
}

static int copy_tier(const tier_allocator *a, tier__ptier *t, const tier__ptier *st)
{
    size_t j;
    t->line = st->line;
    t->col = st->col;
    t->cap.kind = st->cap.kind;
    t->cap.amount = st->cap.amount;
    t->cap.ascending = st->cap.ascending;
    t->cap.line = st->cap.line;
    t->cap.col = st->cap.col;
    t->hold = st->hold;
    t->hold.when = NULL;
    if (dup_str(a, &t->name, st->name) || dup_str(a, &t->doc, st->doc) ||
        copy_expr(a, &t->cap.by, st->cap.by) || dup_str(a, &t->cap.overflow, st->cap.overflow) ||
        copy_expr(a, &t->hold.when, st->hold.when) ||
        dup_array(a, (void **)&t->rules, st->n_rules, sizeof *t->rules) ||
        dup_array(a, (void **)&t->ents, st->n_ents, sizeof *t->ents))
        return 1;
    for (j = 0; j < st->n_rules; j++) {
        t->n_rules = j + 1;
        t->rules[j].line = st->rules[j].line;
        t->rules[j].col = st->rules[j].col;
        if (dup_str(a, &t->rules[j].name, st->rules[j].name) ||
            copy_expr(a, &t->rules[j].when, st->rules[j].when))
            return 1;
    }
    for (j = 0; j < st->n_ents; j++) {
        t->n_ents = j + 1;
        t->ents[j].line = st->ents[j].line;
        t->ents[j].col = st->ents[j].col;
        if (dup_str(a, &t->ents[j].name, st->ents[j].name) ||
            copy_value(a, &t->ents[j].value, &st->ents[j].value))
            return 1;
    }
    return 0;
}

static int copy_all(const tier_allocator *a, tier__pol *d, const tier__pol *s)
{
    size_t i;
    d->version = s->version;
    if (dup_str(a, &d->name, s->name) || dup_str(a, &d->description, s->description) ||
        copy_models(a, d, s))
        return 1;
    if (dup_array(a, (void **)&d->windows, s->n_windows, sizeof *d->windows))
        return 1;
    for (i = 0; i < s->n_windows; i++) {
        d->n_windows = i + 1;
        d->windows[i] = s->windows[i];
        d->windows[i].name = NULL;
        if (dup_str(a, &d->windows[i].name, s->windows[i].name))
            return 1;
    }
    if (dup_array(a, (void **)&d->lets, s->n_lets, sizeof *d->lets))
        return 1;
    for (i = 0; i < s->n_lets; i++) {
        d->n_lets = i + 1;
        d->lets[i].line = s->lets[i].line;
        d->lets[i].col = s->lets[i].col;
        if (dup_str(a, &d->lets[i].name, s->lets[i].name) ||
            copy_expr(a, &d->lets[i].expr, s->lets[i].expr))
            return 1;
    }
    if (dup_array(a, (void **)&d->entdecls, s->n_entdecls, sizeof *d->entdecls))
        return 1;
    for (i = 0; i < s->n_entdecls; i++) {
        d->n_entdecls = i + 1;
        d->entdecls[i] = s->entdecls[i];
        d->entdecls[i].name = d->entdecls[i].doc = NULL;
        if (dup_str(a, &d->entdecls[i].name, s->entdecls[i].name) ||
            dup_str(a, &d->entdecls[i].doc, s->entdecls[i].doc))
            return 1;
    }
    if (dup_array(a, (void **)&d->tiers, s->n_tiers, sizeof *d->tiers))
        return 1;
    for (i = 0; i < s->n_tiers; i++) {
        d->n_tiers = i + 1;
        if (copy_tier(a, &d->tiers[i], &s->tiers[i]))
            return 1;
    }
    if (dup_array(a, (void **)&d->flags, s->n_flags, sizeof *d->flags))
        return 1;
    for (i = 0; i < s->n_flags; i++) {
        d->n_flags = i + 1;
        d->flags[i].line = s->flags[i].line;
        d->flags[i].col = s->flags[i].col;
        if (dup_str(a, &d->flags[i].name, s->flags[i].name) ||
            dup_str(a, &d->flags[i].doc, s->flags[i].doc) ||
            copy_expr(a, &d->flags[i].when, s->flags[i].when))
            return 1;
    }
    d->hier = s->hier;
    d->hier.parent = NULL;
    if (dup_str(a, &d->hier.parent, s->hier.parent))
        return 1;
    d->route.present = s->route.present;
    d->route.line = s->route.line;
    d->route.col = s->route.col;
    if (copy_expr(a, &d->route.accounts, s->route.accounts) ||
        dup_str(a, &d->route.region, s->route.region) ||
        dup_str(a, &d->route.city, s->route.city) || dup_str(a, &d->route.scope, s->route.scope) ||
        copy_expr(a, &d->route.revenue, s->route.revenue) ||
        dup_array(a, (void **)&d->route.teams, s->route.n_teams, sizeof *d->route.teams))
        return 1;
    for (i = 0; i < s->route.n_teams; i++) {
        d->route.n_teams = i + 1;
        d->route.teams[i] = s->route.teams[i];
        d->route.teams[i].name = NULL;
        if (dup_str(a, &d->route.teams[i].name, s->route.teams[i].name))
            return 1;
    }
    return 0;
}

int tier__pol_copy(const tier_allocator *a, tier__pol *dst, const tier__pol *src)
{
    memset(dst, 0, sizeof *dst);
    if (copy_all(a, dst, src)) {
        tier__pol_clear(a, dst);
        return TIER_ENOMEM;
    }
    return TIER_OK;
}
