/* SPDX-License-Identifier: MIT */
/* Policy lint (docs/policy-lint.md): checks a parsed policy against the model kinds it names,
 * without data. This file: findings and the report, models and their options, references and types,
 * attributes, caps, entitlements, unused names. lint_cells.c: what finite domains show. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model_internal.h"
#include "models/scorecard/scorecard_internal.h"
#include "policy/lint/lint_internal.h"
#include "policy/policy_internal.h"

static const char *const sev_text[] = {"", "error", "warning", "note"};

void tier__lint_add(tier__lint *l, int sev, int line, int col, const char *check, const char *fmt,
                    ...)
{
    tier__lint_finding *f;
    size_t off = tier__buf_len(&l->texts);
    va_list ap;
    if (l->rc)
        return;
    if (tier__grow(l->a, (void **)&l->finds, &l->cap_finds, l->n_finds + 1, sizeof *l->finds)) {
        l->rc = TIER_ENOMEM;
        return;
    }
    tier__buf_printf(&l->texts, "%s: ", sev_text[sev]);
    va_start(ap, fmt);
    tier__buf_vprintf(&l->texts, fmt, ap);
    va_end(ap);
    tier__buf_printf(&l->texts, " [%s]", check);
    if (tier__buf_putc(&l->texts, '\0') != TIER_OK) {
        l->rc = TIER_ENOMEM;
        return;
    }
    f = &l->finds[l->n_finds];
    f->sev = sev;
    f->line = line;
    f->col = col;
    f->seq = l->n_finds;
    f->off = off;
    l->n_finds++;
    l->n_errors += sev == TIER__LINT_ERROR;
}

static int by_position(const void *x, const void *y)
{
    const tier__lint_finding *a = x, *b = y;
    int c = TIER__CMP(a->line, b->line);
    if (c == 0)
        c = TIER__CMP(a->col, b->col);
    return c ? c : TIER__CMP(a->seq, b->seq);
}

/* ---- lookups ----------------------------------------------------------------------------------
 */

tier__lint_model *tier__lint_model_of(const tier__lint *l, const char *ref, const char **output)
{
    const char *dot = strchr(ref, '.');
    size_t i, n;
    if (!dot)
        return NULL;
    n = (size_t)(dot - ref);
    *output = dot + 1;
    for (i = 0; i < l->n_models; i++) {
        const char *name = l->models[i].pm->name;
        if (name && strlen(name) == n && memcmp(name, ref, n) == 0)
            return &l->models[i];
    }
    return NULL;
}

int tier__lint_output_type(const tier__lint_model *lm, const char *name)
{
    size_t i, n = tier__model_output_count(lm->m);
    for (i = 0; lm->m && i < n; i++) {
        const char *o;
        int type;
        if (tier__model_output_info(lm->m, i, &o, &type) == TIER_OK && strcmp(o, name) == 0)
            return type == TIER_VALUE_LABEL ? TIER__PT_TEXT : TIER__PT_NUMBER;
    }
    return 0;
}

/* Label sets the built-in kinds give without fitting. They mirror the models' own static tables
 * (pareto.c, scorecard_internal.h, lifecycle.c); rfm's come from its built-in segment maps.
 * needs.segment is named by the fit and has no such set. */
static const char *const pareto_labels[] = {"A", "B", "C"};
static const char *const grade_labels_[] = {"A", "B", "C", "D", "E"};
static const char *const stage_labels[] = {"new",       "growing", "mature",
                                           "declining", "dormant", "churned"};
static const char *const onboarding_labels[] = {"handover", "internal_rollout", "stable_use",
                                                "none"};
static const struct {
    int kind;
    const char *output;
    const char *const *labels;
    size_t n;
} label_table[] = {
    {TIER__LK_PARETO, "class", pareto_labels, 3},
    {TIER__LK_SCORECARD, "grade", grade_labels_, 5},
    {TIER__LK_LIFECYCLE, "stage", stage_labels, 6},
    {TIER__LK_LIFECYCLE, "onboarding", onboarding_labels, 4},
};

int tier__lint_labels(const tier__lint *l, const tier__lint_model *lm, const char *output,
                      const char *const **labels, size_t *n)
{
    size_t i;
    if (lm->builtin == TIER__LK_RFM) {
        int which = strcmp(output, "segment") == 0       ? 0
                    : strcmp(output, "value_class") == 0 ? 1
                                                         : -1;
        if (which < 0 || !l->maps[which])
            return 0;
        *labels = l->map_labels[which];
        *n = l->n_map_labels[which];
        return 1;
    }
    for (i = 0; i < sizeof label_table / sizeof label_table[0]; i++) {
        if (label_table[i].kind == lm->builtin && strcmp(label_table[i].output, output) == 0) {
            *labels = label_table[i].labels;
            *n = label_table[i].n;
            return 1;
        }
    }
    return 0;
}

long tier__lint_let(const tier__pol *pol, const char *name, size_t limit)
{
    return tier__pol_find(pol->lets, limit < pol->n_lets ? limit : pol->n_lets, sizeof *pol->lets,
                          name);
}

long tier__lint_window(const tier__pol *pol, const char *name)
{
    return tier__pol_find(pol->windows, pol->n_windows, sizeof *pol->windows, name);
}

long tier__lint_find_model(const tier__pol *pol, const char *name)
{
    return tier__pol_find(pol->models, pol->n_models, sizeof *pol->models, name);
}

static long find_tier(const tier__pol *pol, const char *name)
{
    size_t i;
    for (i = 0; name && i < pol->n_tiers; i++)
        if (pol->tiers[i].name && strcmp(pol->tiers[i].name, name) == 0)
            return (long)i;
    return -1;
}

static int same_text(const char *x, const char *y)
{
    return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

int tier__lint_same(const tier__pexpr *x, const tier__pexpr *y)
{
    size_t i;
    if (!x || !y)
        return x == y;
    if (x->kind != y->kind || x->op != y->op || x->n_args != y->n_args ||
        !same_text(x->text, y->text))
        return 0;
    if ((x->kind == TIER__PX_NUMBER || x->kind == TIER__PX_BOOL) && !(x->num == y->num))
        return 0;
    for (i = 0; i < x->n_args; i++)
        if (!tier__lint_same(x->args[i], y->args[i]))
            return 0;
    return 1;
}

const char *tier__lint_show(const tier__pexpr *e, char *buf, size_t cap, const char *what)
{
    if (e && e->kind == TIER__PX_REF && e->text)
        snprintf(buf, cap, "%s", e->text);
    else if (e && e->kind == TIER__PX_TEXT && e->text)
        tier__quote_text(buf, cap, e->text, strlen(e->text));
    else if (e && e->kind == TIER__PX_NUMBER)
        snprintf(buf, cap, "%.15g", e->num);
    else if (e && e->kind == TIER__PX_BOOL)
        snprintf(buf, cap, "%s", e->num ? "true" : "false");
    else if (e && e->kind == TIER__PX_CALL && e->text)
        snprintf(buf, cap, "%s(...)", e->text);
    else
        snprintf(buf, cap, "%s", what);
    return buf;
}

const char *tier__lint_type_name(int t)
{
    return t == TIER__PT_NUMBER ? "number" : t == TIER__PT_TEXT ? "text" : "bool";
}

/* Edit distance of two short names (insertions, deletions, substitutions and swaps of two
 * neighbours), capped at 3; names longer than 64 bytes: 3. */
int tier__lint_distance(const char *x, const char *y)
{
    size_t n = strlen(x), m = strlen(y), i, j;
    int d[65][65];
    if (n > 64 || m > 64)
        return 3;
    for (i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (i = 1; i <= n; i++)
        for (j = 1; j <= m; j++) {
            int best = d[i - 1][j - 1] + (x[i - 1] != y[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m] > 3 ? 3 : d[n][m];
}

/* ---- models -----------------------------------------------------------------------------------
 */

static const char *const builtin_kinds[] = {"rfm", "pareto", "scorecard",
                                            "clv", "needs",  "lifecycle"};

/* The names a model kind knows (options or outputs) as "a, b, c" into buf. */
void tier__lint_names(const tier_model *m, int outputs, char *buf, size_t cap)
{
    size_t i, n = outputs ? tier__model_output_count(m) : tier_model_option_count(m), len = 0;
    buf[0] = '\0';
    for (i = 0; i < n && len + 4 < cap; i++) {
        const char *name = NULL;
        int type;
        if (outputs ? tier__model_output_info(m, i, &name, &type)
                    : tier_model_option_info(m, i, &name, &type, NULL))
            continue;
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", name);
        if (len >= cap)
            len = cap - 1;
    }
    if (!n)
        snprintf(buf, cap, "none");
}

/* " (did you mean X?)" for the closest name within one or two edits, else "". */
void tier__lint_suggest(const tier_model *m, int outputs, const char *wrong, char *buf, size_t cap)
{
    size_t i, n = outputs ? tier__model_output_count(m) : tier_model_option_count(m);
    const char *best = NULL;
    int bd = 3;
    buf[0] = '\0';
    for (i = 0; i < n; i++) {
        const char *name = NULL;
        int type, d;
        if (outputs ? tier__model_output_info(m, i, &name, &type)
                    : tier_model_option_info(m, i, &name, &type, NULL))
            continue;
        d = tier__lint_distance(wrong, name);
        if (d < bd) {
            bd = d;
            best = name;
        }
    }
    if (best)
        snprintf(buf, cap, " (did you mean %s?)", best);
}

static void check_option(tier__lint *l, tier__lint_model *lm, const tier__poption *o)
{
    size_t i, n = tier_model_option_count(lm->m);
    int type = 0, rc;
    char names[512], hint[96];
    const char *pm = lm->pm->name;
    for (i = 0; i < n; i++) {
        const char *name;
        int t;
        if (tier_model_option_info(lm->m, i, &name, &t, NULL) == TIER_OK &&
            strcmp(name, o->name) == 0)
            type = t;
    }
    if (!type) {
        tier__lint_names(lm->m, 0, names, sizeof names);
        tier__lint_suggest(lm->m, 0, o->name, hint, sizeof hint);
        tier__lint_add(l, TIER__LINT_ERROR, o->line, o->col, "model-option",
                       "model %s (%s) has no option '%s'%s; its options: %s", pm, lm->pm->kind,
                       o->name, hint, names);
        return;
    }
    if (type == TIER_OPTION_NUMBER && o->value.type == TIER__PT_NUMBER)
        rc = tier_model_set_number(lm->m, o->name, o->value.num);
    else if (type == TIER_OPTION_TEXT && o->value.type == TIER__PT_TEXT)
        rc = tier_model_set_text(lm->m, o->name, o->value.text);
    else if (type == TIER_OPTION_LIST && o->value.type == TIER__PT_NONE)
        rc = tier_model_set_list(lm->m, o->name, (const char *const *)o->value.items,
                                 o->value.n_items);
    else if (type == TIER_OPTION_LIST && o->value.type == TIER__PT_TEXT)
        rc = tier_model_set_list(lm->m, o->name, (const char *const *)&o->value.text, 1);
    else {
        static const char *const otype[] = {"", "a number", "a text", "a list of texts"};
        static const char *const vtype[] = {"a list", "a number", "a text", "true/false"};
        int vt = o->value.type >= 0 && o->value.type <= 3 ? o->value.type : 0;
        tier__lint_add(l, TIER__LINT_ERROR, o->line, o->col, "model-option",
                       "option '%s' of model %s (%s) takes %s, got %s", o->name, pm, lm->pm->kind,
                       otype[type], vtype[vt]);
        return;
    }
    if (rc == TIER_ENOMEM) {
        l->rc = TIER_ENOMEM;
        return;
    }
    if (rc != TIER_OK)
        tier__lint_add(l, TIER__LINT_ERROR, o->line, o->col, "model-option-value",
                       "model %s (%s) refuses option '%s': %s", pm, lm->pm->kind, o->name,
                       tier_model_last_error(lm->m));
}

static void check_models(tier__lint *l)
{
    size_t i, j, k;
    for (i = 0; i < l->pol->n_models && !l->rc; i++) {
        tier__lint_model *lm = &l->models[i];
        const tier__pmodel *pm = &l->pol->models[i];
        int rc;
        lm->pm = pm;
        l->n_models = i + 1;
        for (j = 0; j < i; j++) {
            if (same_text(l->pol->models[j].name, pm->name)) {
                tier__lint_add(l, TIER__LINT_ERROR, pm->line, pm->col, "duplicate",
                               "a model named %s is already declared at %d:%d", pm->name,
                               l->pol->models[j].line, l->pol->models[j].col);
                break;
            }
        }
        rc = tier_model_new_kind(&lm->m, l->reg, pm->kind ? pm->kind : "", pm->name, l->a);
        if (rc == TIER_ENOMEM) {
            l->rc = rc;
            return;
        }
        if (rc != TIER_OK) {
            char kinds[512];
            size_t len = 0, nk = tier_registry_kind_count(l->reg);
            kinds[0] = '\0';
            for (k = 0; k < nk && len + 4 < sizeof kinds; k++) {
                len += (size_t)snprintf(kinds + len, sizeof kinds - len, "%s%s", k ? ", " : "",
                                        tier_registry_kind(l->reg, k));
                if (len >= sizeof kinds)
                    len = sizeof kinds - 1;
            }
            if (rc == TIER_ENOTFOUND)
                tier__lint_add(l, TIER__LINT_ERROR, pm->line, pm->col, "model-kind",
                               "unknown model kind '%s' for model %s; known kinds: %s",
                               pm->kind ? pm->kind : "", pm->name, kinds);
            else
                tier__lint_add(l, TIER__LINT_ERROR, pm->line, pm->col, "model-kind",
                               "model %s of kind '%s' cannot be made: %s", pm->name, pm->kind,
                               tier_strerror(rc));
            lm->m = NULL;
            continue;
        }
        for (k = 0; k < sizeof builtin_kinds / sizeof builtin_kinds[0]; k++)
            if (strcmp(pm->kind, builtin_kinds[k]) == 0)
                lm->builtin = (int)k + 1;
        for (j = 0; j < pm->n_opts && !l->rc; j++) {
            for (k = 0; k < j; k++)
                if (same_text(pm->opts[k].name, pm->opts[j].name))
                    break;
            if (k < j)
                tier__lint_add(l, TIER__LINT_ERROR, pm->opts[j].line, pm->opts[j].col,
                               "model-option", "option '%s' of model %s is given twice",
                               pm->opts[j].name, pm->name);
            else
                check_option(l, lm, &pm->opts[j]);
        }
        if (lm->builtin == TIER__LK_RFM) {
            double bins = 5;
            if (tier_model_get_number(lm->m, "bins", &bins) == TIER_OK)
                lm->bins = (int)bins;
        }
        {
            /* A scorecard, built in or made by a registered kind's factory. */
            const sc_state *st = tier__sc_of(lm->m);
            char why[TIER__ERR_SIZE];
            if (st && tier__sc_check_config(st, why) != TIER_OK)
                tier__lint_add(l, TIER__LINT_ERROR, pm->line, pm->col, "scorecard-weights",
                               "scorecard %s cannot be fitted: %s%s", pm->name, why,
                               lm->builtin == TIER__LK_SCORECARD
                                   ? " (a policy gives a scorecard factors only through option "
                                     "'preset')"
                                   : "");
        }
    }
}

/* ---- caps and entitlements --------------------------------------------------------------------
 */

static void check_caps(tier__lint *l)
{
    const tier__pol *pol = l->pol;
    size_t i;
    for (i = 0; i < pol->n_tiers; i++) {
        const tier__ptier *t = &pol->tiers[i];
        const tier__pcap *c = &t->cap;
        long to;
        if (c->kind == TIER__PCAP_NONE)
            continue;
        if (c->kind == TIER__PCAP_SHARE && !(c->amount > 0 && c->amount <= 1))
            tier__lint_add(l, TIER__LINT_ERROR, c->line, c->col, "cap",
                           "the cap of tier %s is %.15g%%: a share must be above 0%% and at most "
                           "100%%",
                           t->name, c->amount * 100);
        else if (c->kind == TIER__PCAP_SHARE && c->amount == 1)
            tier__lint_add(l, TIER__LINT_WARNING, c->line, c->col, "cap",
                           "the cap of tier %s is 100%%: it never sends anybody to %s", t->name,
                           c->overflow ? c->overflow : "the overflow tier");
        if (c->kind == TIER__PCAP_COUNT &&
            !(c->amount >= 1 && c->amount == (double)(long)c->amount))
            tier__lint_add(l, TIER__LINT_ERROR, c->line, c->col, "cap",
                           "the cap of tier %s keeps %.15g customers: a count must be a whole "
                           "number of at least 1",
                           t->name, c->amount);
        if (!c->by)
            tier__lint_add(l, TIER__LINT_ERROR, c->line, c->col, "cap",
                           "the cap of tier %s has no criterion (by EXPR)", t->name);
        to = find_tier(pol, c->overflow);
        if (i + 1 == pol->n_tiers)
            tier__lint_add(l, TIER__LINT_ERROR, c->line, c->col, "cap",
                           "tier %s is the last tier: its cap has nowhere to send the customers "
                           "over it",
                           t->name);
        else if (!c->overflow || to < 0)
            tier__lint_add(l, TIER__LINT_ERROR, c->line, c->col, "cap",
                           "the overflow tier of tier %s's cap %s%s%s", t->name,
                           c->overflow ? "names no tier: '" : "is missing",
                           c->overflow ? c->overflow : "", c->overflow ? "'" : "");
        else if ((size_t)to <= i)
            tier__lint_add(l, TIER__LINT_ERROR, c->line, c->col, "cap",
                           "the overflow tier %s of tier %s's cap is %s: it must come later",
                           c->overflow, t->name,
                           (size_t)to == i ? "the tier itself" : "an earlier tier");
        else
            l->overflow_in[to]++;
    }
}

static void check_entitlements(tier__lint *l)
{
    const tier__pol *pol = l->pol;
    size_t i, j, k;
    unsigned char *set = tier__calloc(l->a, pol->n_entdecls + 1, 1);
    if (!set) {
        l->rc = TIER_ENOMEM;
        return;
    }
    for (i = 0; i < pol->n_tiers; i++) {
        const tier__ptier *t = &pol->tiers[i];
        for (j = 0; j < t->n_ents; j++) {
            const tier__pent *e = &t->ents[j];
            const tier__pentdecl *d = NULL;
            for (k = 0; k < j; k++)
                if (same_text(t->ents[k].name, e->name))
                    break;
            if (k < j) {
                tier__lint_add(l, TIER__LINT_ERROR, e->line, e->col, "entitlement",
                               "tier %s sets entitlement %s twice", t->name, e->name);
                continue;
            }
            for (k = 0; k < pol->n_entdecls; k++)
                if (same_text(pol->entdecls[k].name, e->name)) {
                    d = &pol->entdecls[k];
                    set[k] = 1;
                    break;
                }
            if (!d)
                tier__lint_add(l, TIER__LINT_ERROR, e->line, e->col, "entitlement",
                               "tier %s sets entitlement %s, which is not declared (entitlement "
                               "NAME TYPE)",
                               t->name, e->name);
            else if (d->type != e->value.type)
                tier__lint_add(
                    l, TIER__LINT_ERROR, e->line, e->col, "entitlement",
                    "entitlement %s is declared a %s at %d:%d, tier %s sets a %s", e->name,
                    tier__lint_type_name(d->type), d->line, d->col, t->name,
                    e->value.type == TIER__PT_NONE ? "list" : tier__lint_type_name(e->value.type));
        }
    }
    for (k = 0; k < pol->n_entdecls; k++)
        if (!set[k])
            tier__lint_add(l, TIER__LINT_WARNING, pol->entdecls[k].line, pol->entdecls[k].col,
                           "unused", "entitlement %s is declared but no tier sets it",
                           pol->entdecls[k].name);
    tier__free(l->a, set);
}

static void check_tiers(tier__lint *l)
{
    const tier__pol *pol = l->pol;
    size_t i;
    if (!pol->n_tiers)
        tier__lint_add(l, TIER__LINT_WARNING, 0, 0, "empty-tier",
                       "the policy has no tiers: no customer gets one");
    for (i = 0; i < pol->n_tiers; i++)
        if (!pol->tiers[i].n_rules && !l->overflow_in[i])
            tier__lint_add(l, TIER__LINT_WARNING, pol->tiers[i].line, pol->tiers[i].col,
                           "empty-tier",
                           "tier %s has no rules and no cap overflows into it: it never gets a "
                           "customer",
                           pol->tiers[i].name);
}

/* Hysteresis lines (docs/history.md): counts in range (a changed tree; the parser refuses the
 * rest), and `demote` lines in a tier without rules, whose rules therefore fail every run. */
static void check_holds(tier__lint *l)
{
    const tier__pol *pol = l->pol;
    size_t i;
    for (i = 0; i < pol->n_tiers; i++) {
        const tier__ptier *t = &pol->tiers[i];
        const tier__phold *h = &t->hold;
        if (h->after_runs < 0 || h->after_runs > 1000)
            tier__lint_add(l, TIER__LINT_ERROR, h->after_line, h->after_col, "hold",
                           "tier %s demotes after %d runs: the count must be from 1 to 1000",
                           t->name, h->after_runs);
        if (h->dwell_days < 0 || h->dwell_days > 36500)
            tier__lint_add(l, TIER__LINT_ERROR, h->dwell_line, h->dwell_col, "hold",
                           "tier %s has a dwell of %d days: it must be from 1 to 36500", t->name,
                           h->dwell_days);
        if (t->n_rules)
            continue;
        if (h->after_runs > 0)
            tier__lint_add(l, TIER__LINT_WARNING, h->after_line, h->after_col, "hold",
                           "tier %s has no rules, so its rules fail every run: 'demote after %d "
                           "run%s' only delays every demotion from it",
                           t->name, h->after_runs, h->after_runs == 1 ? "" : "s");
        if (h->when)
            tier__lint_add(l, TIER__LINT_WARNING, h->when_line, h->when_col, "hold",
                           "tier %s has no rules: its 'demote when' decides alone when its "
                           "customers leave it",
                           t->name);
    }
}

/* ---- the call ---------------------------------------------------------------------------------
 */

/* A policy built by calls declares no models: its columns come from the caller's. A prefix of
 * MODEL.OUTPUT that names a kind (rfm, pareto, ...) is taken as a model of that kind with its
 * default options, so that its outputs and label sets are known. */
static void implicit_model(tier__lint *l, const char *ref)
{
    const char *dot = strchr(ref, '.'), *out;
    tier__pmodel *pm;
    tier_model *m = NULL;
    char *name;
    size_t i;
    int rc;
    if (!dot || strncmp(ref, "attr.", 5) == 0 || tier__lint_model_of(l, ref, &out))
        return;
    if (!(name = tier__strndup(l->a, ref, (size_t)(dot - ref)))) {
        l->rc = TIER_ENOMEM;
        return;
    }
    rc = tier_model_new_kind(&m, l->reg, name, name, l->a);
    if (rc == TIER_OK &&
        (tier__grow(l->a, (void **)&l->implicit, &l->cap_implicit, l->n_implicit + 1,
                    sizeof *l->implicit) ||
         tier__grow(l->a, (void **)&l->models, &l->cap_models, l->n_models + 1, sizeof *l->models)))
        rc = TIER_ENOMEM;
    if (rc != TIER_OK) {
        tier_model_free(m);
        tier__free(l->a, name);
        if (rc == TIER_ENOMEM)
            l->rc = rc;
        return;
    }
    /* l->models moved: the models point at their own entries of l->implicit, which also may. */
    for (i = 0; i < l->n_implicit; i++)
        l->models[l->pol->n_models + i].pm = &l->implicit[i];
    pm = &l->implicit[l->n_implicit++];
    memset(pm, 0, sizeof *pm);
    pm->name = pm->kind = name;
    memset(&l->models[l->n_models], 0, sizeof *l->models);
    l->models[l->n_models].pm = pm;
    l->models[l->n_models].m = m;
    for (i = 0; i < sizeof builtin_kinds / sizeof builtin_kinds[0]; i++)
        if (strcmp(name, builtin_kinds[i]) == 0)
            l->models[l->n_models].builtin = (int)i + 1;
    l->models[l->n_models].bins = l->models[l->n_models].builtin == TIER__LK_RFM ? 5 : 0;
    l->n_models++;
}

static void implicit_models(tier__lint *l, const tier__pexpr *e)
{
    size_t i;
    if (!e || l->rc)
        return;
    if (e->kind == TIER__PX_REF && e->text)
        implicit_model(l, e->text);
    for (i = 0; i < e->n_args; i++)
        implicit_models(l, e->args[i]);
}

static void run(tier__lint *l)
{
    size_t t, j;
    check_models(l);
    for (t = 0; l->by_calls && t < l->pol->n_tiers; t++)
        for (j = 0; j < l->pol->tiers[t].n_rules; j++)
            implicit_models(l, l->pol->tiers[t].rules[j].when);
    if (!l->rc)
        tier__lint_refs(l);
    if (!l->rc)
        check_caps(l);
    if (!l->rc)
        check_tiers(l);
    if (!l->rc)
        check_holds(l);
    if (!l->rc)
        check_entitlements(l);
    if (!l->rc)
        tier__lint_cells(l);
}

/* Sorts the findings by position and writes the report in one piece. */
static int finish(tier__lint *l, const char *origin, tier_text *report, size_t *errors,
                  size_t *warnings)
{
    tier__buf out;
    size_t i, ne = 0, nw = 0;
    int rc;
    if (l->n_finds)
        qsort(l->finds, l->n_finds, sizeof *l->finds, by_position);
    tier__buf_init(&out, l->a);
    for (i = 0; i < l->n_finds; i++) {
        const tier__lint_finding *f = &l->finds[i];
        ne += f->sev == TIER__LINT_ERROR;
        nw += f->sev == TIER__LINT_WARNING;
        tier__buf_printf(&out, "%s:%d:%d: %s\n", origin, f->line, f->col,
                         tier__buf_data(&l->texts) + f->off);
    }
    rc = tier__buf_status(&out);
    if (rc == TIER_OK && report && tier__buf_len(&out))
        rc = tier_text_append(report, tier__buf_data(&out), tier__buf_len(&out));
    tier__buf_free(&out);
    if (rc)
        return rc == TIER_EINVAL ? TIER_EINVAL : TIER_ENOMEM;
    if (errors)
        *errors = ne;
    if (warnings)
        *warnings = nw;
    return TIER_OK;
}

int tier_policy_lint(const tier_policy *policy, const tier_registry *registry, tier_text *report,
                     size_t *errors, size_t *warnings)
{
    tier__lint l;
    size_t i, n_rules = 0;
    int rc = TIER_OK;
    if (errors)
        *errors = 0;
    if (warnings)
        *warnings = 0;
    if (!policy)
        return TIER_EINVAL;
    memset(&l, 0, sizeof l);
    l.a = &policy->alloc;
    l.pol = &policy->pol;
    l.reg = registry;
    tier__buf_init(&l.texts, l.a);
    l.by_calls = !policy->origin;
    l.cap_models = l.pol->n_models + 1;
    l.models = tier__calloc(l.a, l.cap_models, sizeof *l.models);
    l.overflow_in = tier__calloc(l.a, l.pol->n_tiers + 1, sizeof *l.overflow_in);
    for (i = 0; i < l.pol->n_tiers; i++)
        n_rules += l.pol->tiers[i].n_rules;
    l.rule_bad = tier__calloc(l.a, n_rules + 1, 1);
    if (!l.models || !l.overflow_in || !l.rule_bad)
        l.rc = TIER_ENOMEM;
    for (i = 0; i < 2 && !l.rc; i++) {
        size_t k;
        if (tier_segmap_new_builtin(&l.maps[i], i ? TIER_SEGMAP_RFM8 : TIER_SEGMAP_RF10, l.a))
            l.rc = TIER_ENOMEM;
        for (k = 0; !l.rc && k < tier_segmap_count(l.maps[i]) && k < 16; k++)
            l.map_labels[i][l.n_map_labels[i]++] = tier_segmap_name(l.maps[i], k);
    }
    if (!l.rc)
        run(&l);
    rc = l.rc ? l.rc
              : finish(&l, policy->origin ? policy->origin : "<policy>", report, errors, warnings);
    for (i = 0; l.models && i < l.n_models; i++)
        tier_model_free(l.models[i].m);
    for (i = 0; i < l.n_implicit; i++)
        tier__free(l.a, l.implicit[i].name);
    tier__free(l.a, l.implicit);
    tier_segmap_free(l.maps[0]);
    tier_segmap_free(l.maps[1]);
    tier__free(l.a, l.models);
    tier__free(l.a, l.overflow_in);
    tier__free(l.a, l.rule_bad);
    tier__free(l.a, l.finds);
    tier__buf_free(&l.texts);
    return rc;
}
