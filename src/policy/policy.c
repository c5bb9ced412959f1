/* SPDX-License-Identifier: MIT */
/* The policy handle: a parsed tree (policy/lang/ast.h) that policy files load into and the 0.1
 * builder calls append to; the accessors of the public API. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io_internal.h"
#include "policy/policy_internal.h"
#include "util/buf.h"
#include "util/errtext.h"

/* Longest tier, rule, column or label text accepted by the builder calls, in bytes. */
#define POLICY_NAME_MAX 4096
/* Book attributes are addressed as "attr.NAME". */
#define ATTR_PREFIX "attr."
#define ATTR_PREFIX_LEN 5

int tier_policy_new(tier_policy **out, const tier_allocator *alloc)
{
    int rc = TIER__HANDLE_CREATE(out, tier_policy, alloc);
    if (rc == TIER_OK)
        (*out)->pol.version = 1;
    return rc;
}

void tier_policy_free(tier_policy *policy)
{
    if (!policy)
        return;
    tier__pol_clear(&policy->alloc, &policy->pol);
    tier__free(&policy->alloc, policy->origin);
    tier__free(&policy->alloc, policy);
}

const char *tier_policy_last_error(const tier_policy *policy)
{
    return policy ? policy->err : "";
}

/* ---- the 0.1 builder ------------------------------------------------------------------------ */

/* Names and texts: valid UTF-8 without NUL, at most POLICY_NAME_MAX bytes, non-empty if asked. */
static int check_text(tier_policy *p, const char *what, const char *s, int allow_empty)
{
    size_t len;
    if (!s) {
        tier__errorf(p->err, "%s is NULL", what);
        return TIER_EINVAL;
    }
    len = strlen(s);
    if (len == 0 && !allow_empty) {
        tier__errorf(p->err, "%s is empty", what);
        return TIER_EINVAL;
    }
    if (len > POLICY_NAME_MAX) {
        tier__errorf(p->err, "%s is longer than %d bytes", what, POLICY_NAME_MAX);
        return TIER_EINVAL;
    }
    if (!tier__utf8_valid(s, len)) {
        tier__errorf(p->err, "%s is not valid UTF-8", what);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* Grows an array of the tree by exactly one zeroed element (the builder appends one at a time;
 * the tree keeps no capacities). */
static int grow_one(tier_policy *p, void **arr, size_t n, size_t elem)
{
    void *bigger;
    if (n + 1 > (size_t)-1 / elem)
        return TIER_ENOMEM;
    bigger = tier__realloc_n(&p->alloc, *arr, n + 1, elem);
    if (!bigger)
        return TIER_ENOMEM;
    memset((char *)bigger + n * elem, 0, elem);
    *arr = bigger;
    return TIER_OK;
}

int tier_policy_add_tier(tier_policy *policy, const char *name, size_t *out_tier)
{
    tier__pol *pol;
    size_t i;
    char *copy;
    int rc;
    if (!policy)
        return TIER_EINVAL;
    pol = &policy->pol;
    rc = check_text(policy, "tier name", name, 0);
    if (rc)
        return rc;
    for (i = 0; i < pol->n_tiers; i++) {
        if (strcmp(pol->tiers[i].name, name) == 0) {
            tier__errorf(policy->err, "duplicate tier name '%s'", name);
            return TIER_EINVAL;
        }
    }
    copy = tier__strdup(&policy->alloc, name);
    if (!copy || grow_one(policy, (void **)&pol->tiers, pol->n_tiers, sizeof *pol->tiers)) {
        tier__free(&policy->alloc, copy);
        tier__errorf(policy->err, "out of memory adding tier '%s'", name);
        return TIER_ENOMEM;
    }
    pol->tiers[pol->n_tiers].name = copy;
    if (out_tier)
        *out_tier = pol->n_tiers;
    pol->n_tiers++;
    return TIER_OK;
}

/* Rules are numbered through the whole policy in evaluation order: tier by tier, then in the
 * order they were added to their tier. */
static tier__prule *rule_at(const tier_policy *p, size_t rule)
{
    size_t t;
    for (t = 0; t < p->pol.n_tiers; t++) {
        if (rule < p->pol.tiers[t].n_rules)
            return &p->pol.tiers[t].rules[rule];
        rule -= p->pol.tiers[t].n_rules;
    }
    return NULL;
}

size_t tier_policy_rule_count(const tier_policy *policy)
{
    size_t t, n = 0;
    if (!policy)
        return 0;
    for (t = 0; t < policy->pol.n_tiers; t++)
        n += policy->pol.tiers[t].n_rules;
    return n;
}

int tier_policy_add_rule(tier_policy *policy, size_t tier, const char *name, size_t *out_rule)
{
    tier__ptier *t;
    size_t before = 0, i;
    char *copy;
    int rc;
    if (!policy)
        return TIER_EINVAL;
    if (tier >= policy->pol.n_tiers) {
        tier__errorf(policy->err, "no tier %zu (the policy has %zu)", tier, policy->pol.n_tiers);
        return TIER_ERANGE;
    }
    rc = check_text(policy, "rule name", name, 0);
    if (rc)
        return rc;
    t = &policy->pol.tiers[tier];
    copy = tier__strdup(&policy->alloc, name);
    if (!copy || grow_one(policy, (void **)&t->rules, t->n_rules, sizeof *t->rules)) {
        tier__free(&policy->alloc, copy);
        tier__errorf(policy->err, "out of memory adding rule '%s'", name);
        return TIER_ENOMEM;
    }
    t->rules[t->n_rules].name = copy; /* when = NULL: always holds until conditions are added */
    for (i = 0; i < tier; i++)
        before += policy->pol.tiers[i].n_rules;
    if (out_rule)
        *out_rule = before + t->n_rules;
    t->n_rules++;
    return TIER_OK;
}

static int check_column(tier_policy *p, const char *column)
{
    int rc = check_text(p, "column name", column, 0);
    if (rc)
        return rc;
    if (strncmp(column, ATTR_PREFIX, ATTR_PREFIX_LEN) == 0 && column[ATTR_PREFIX_LEN] == '\0') {
        tier__errorf(p->err, "attribute name missing after '%s'", ATTR_PREFIX);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

/* The checks both kinds of condition start with: a policy, the rule exists, the column name is
 * usable. */
static int check_rule_column(tier_policy *p, size_t rule, const char *column)
{
    size_t n;
    if (!p)
        return TIER_EINVAL;
    n = tier_policy_rule_count(p);
    if (rule >= n) {
        tier__errorf(p->err, "no rule %zu (the policy has %zu)", rule, n);
        return TIER_ERANGE;
    }
    return check_column(p, column);
}

static tier__pexpr *new_node(tier_policy *p, int kind, int op)
{
    tier__pexpr *e = tier__calloc(&p->alloc, 1, sizeof *e);
    if (e) {
        e->kind = kind;
        e->op = op;
    }
    return e;
}

/* A node over two children (taken over; freed on failure). */
static tier__pexpr *new_pair(tier_policy *p, int op, tier__pexpr *a, tier__pexpr *b)
{
    tier__pexpr *e = a && b ? new_node(p, TIER__PX_BINARY, op) : NULL;
    if (e)
        e->args = tier__calloc(&p->alloc, 2, sizeof *e->args);
    if (!e || !e->args) {
        tier__free(&p->alloc, e);
        tier__pexpr_free(&p->alloc, a);
        tier__pexpr_free(&p->alloc, b);
        return NULL;
    }
    e->args[0] = a;
    e->args[1] = b;
    e->n_args = 2;
    return e;
}

/* The rule's `when` becomes `when and column op value` (or the comparison alone). */
static int add_cond(tier_policy *p, size_t rule, const char *column, int op, double number,
                    const char *text)
{
    static const int ops[] = {
        0, TIER__POP_LT, TIER__POP_LE, TIER__POP_EQ, TIER__POP_NE, TIER__POP_GE, TIER__POP_GT};
    tier__prule *r = rule_at(p, rule);
    tier__pexpr *ref = new_node(p, TIER__PX_REF, 0);
    tier__pexpr *lit = new_node(p, text ? TIER__PX_TEXT : TIER__PX_NUMBER, 0);
    tier__pexpr *cmp, *and = NULL;
    tier__pexpr **and_args = NULL;
    if (r->when) {
        and = new_node(p, TIER__PX_BINARY, TIER__POP_AND);
        and_args = tier__calloc(&p->alloc, 2, sizeof *and_args);
    }
    if (ref && !(ref->text = tier__strdup(&p->alloc, column))) {
        tier__free(&p->alloc, ref);
        ref = NULL;
    }
    if (lit) {
        lit->num = number;
        if (text && !(lit->text = tier__strdup(&p->alloc, text))) {
            tier__free(&p->alloc, lit);
            lit = NULL;
        }
    }
    cmp = new_pair(p, ops[op], ref, lit);
    if (!cmp || (r->when && (!and || !and_args))) {
        tier__pexpr_free(&p->alloc, cmp);
        tier__free(&p->alloc, and);
        tier__free(&p->alloc, and_args);
        tier__errorf(p->err, "out of memory adding a condition to rule '%s'", r->name);
        return TIER_ENOMEM;
    }
    if (and) {
        and->args = and_args;
        and->args[0] = r->when;
        and->args[1] = cmp;
        and->n_args = 2;
        cmp = and;
    }
    r->when = cmp;
    return TIER_OK;
}

int tier_policy_where_number(tier_policy *policy, size_t rule, const char *column, int op,
                             double value)
{
    int rc = check_rule_column(policy, rule, column);
    if (rc)
        return rc;
    if (op < TIER_OP_LT || op > TIER_OP_GT) {
        tier__errorf(policy->err, "unknown operator %d", op);
        return TIER_EINVAL;
    }
    if (isnan(value)) {
        tier__errorf(policy->err, "rule '%s': %s compared with NaN", rule_at(policy, rule)->name,
                     column);
        return TIER_EINVAL;
    }
    return add_cond(policy, rule, column, op, value, NULL);
}

int tier_policy_where_label(tier_policy *policy, size_t rule, const char *column, int op,
                            const char *text)
{
    int rc = check_rule_column(policy, rule, column);
    if (rc)
        return rc;
    if (op != TIER_OP_EQ && op != TIER_OP_NE) {
        tier__errorf(policy->err, "labels compare only with == or != (operator %d)", op);
        return TIER_EINVAL;
    }
    rc = check_text(policy, "label text", text, 1);
    if (rc)
        return rc;
    return add_cond(policy, rule, column, op, 0.0, text);
}

size_t tier_policy_tier_count(const tier_policy *policy)
{
    return policy ? policy->pol.n_tiers : 0;
}

const char *tier_policy_tier_name(const tier_policy *policy, size_t tier)
{
    return policy && tier < policy->pol.n_tiers ? policy->pol.tiers[tier].name : NULL;
}

const char *tier_policy_rule_name(const tier_policy *policy, size_t rule)
{
    const tier__prule *r = policy ? rule_at(policy, rule) : NULL;
    return r ? r->name : NULL;
}

/* ---- description ---------------------------------------------------------------------------- */

int tier_policy_describe(const tier_policy *policy, tier_text *out)
{
    tier__buf b;
    int rc;
    if (!policy)
        return TIER_EINVAL;
    if (!out) {
        /* Like a model's, a failed call on a const policy still says why. */
        tier__errorf(((tier_policy *)policy)->err, "describe: the text is NULL");
        return TIER_EINVAL;
    }
    tier__buf_init(&b, &policy->alloc);
    rc = tier__pol_describe(&policy->pol, &b);
    /* One append keeps `out` unchanged when memory runs out. */
    if (rc == TIER_OK)
        rc = tier_text_append(out, tier__buf_data(&b), tier__buf_len(&b));
    tier__buf_free(&b);
    return rc;
}

/* ---- policy files --------------------------------------------------------------------------- */

/* TIER_EINVAL without a policy, or without `arg` (saying "WHAT is NULL"); else TIER_OK. */
static int check_args(tier_policy *policy, const void *arg, const char *what)
{
    if (!policy)
        return TIER_EINVAL;
    if (!arg) {
        tier__errorf(policy->err, "%s is NULL", what);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

int tier_policy_load_string(tier_policy *policy, const char *text, size_t len, const char *origin)
{
    tier__pol fresh;
    char *name;
    int rc;
    if ((rc = check_args(policy, text, "policy text")) != TIER_OK)
        return rc;
    if (!origin)
        origin = "<string>";
    name = tier__strdup(&policy->alloc, origin);
    if (!name) {
        tier__errorf(policy->err, "out of memory loading %s", origin);
        return TIER_ENOMEM;
    }
    rc = tier__pol_parse(&policy->alloc, text, len, origin, &fresh, policy->err);
    if (rc) {
        tier__free(&policy->alloc, name);
        return rc;
    }
    /* Commit: nothing below can fail. */
    tier__pol_clear(&policy->alloc, &policy->pol);
    tier__free(&policy->alloc, policy->origin);
    policy->pol = fresh;
    policy->origin = name;
    policy->err[0] = '\0';
    return TIER_OK;
}

/* Reads the whole file (at most TIER__POL_MAX_BYTES + 1 bytes: more is a limit error). */
static int read_file(tier_policy *p, const char *path, const tier_io *io, char **out, size_t *len)
{
    char etext[TIER__ERRTEXT_SIZE];
    size_t cap = TIER__POL_MAX_BYTES + 1, n = 0, size = 4096;
    char *buf = NULL;
    void *f = NULL;
    int rc, tries = 0, eintr = 0;
    do
        rc = io->open(io->ud, path, TIER_IO_READ, &f);
    while (rc == -EINTR && ++tries < TIER__IO_EINTR_TRIES);
    /* A table that reports success without a handle, or answers outside its contract (a
     * positive value), is an I/O error: the handle is never used. */
    if (rc > 0 || (rc == 0 && !f))
        rc = -EIO;
    if (rc < 0) {
        tier__errorf(p->err, "cannot open %s: %s (errno %d)", path, tier__errtext_lower(etext, rc),
                     -rc);
        return TIER_EIO;
    }
    for (;;) {
        int64_t got;
        if (n == size || !buf) {
            char *bigger;
            if (buf)
                size = size * 2 > cap ? cap : size * 2;
            bigger = tier__realloc(&p->alloc, buf, size + 1);
            if (!bigger) {
                tier__errorf(p->err, "out of memory reading %s", path);
                rc = TIER_ENOMEM;
                break;
            }
            buf = bigger;
        }
        if (n == cap) {
            tier__errorf(p->err,
                         "%s:1:1: policy file larger than %zu bytes (1 MiB), expected "
                         "a smaller file",
                         path, (size_t)TIER__POL_MAX_BYTES);
            rc = TIER_ERANGE;
            break;
        }
        got = io->read(io->ud, f, buf + n, size - n);
        if (got == -EINTR && ++eintr < TIER__IO_EINTR_TRIES)
            continue;
        eintr = 0;
        if (got == 0) {
            rc = TIER_OK;
            break;
        }
        if (got < 0 || (uint64_t)got > size - n) {
            int e = got < 0 && got > -100000 ? (int)got : -5;
            tier__errorf(p->err, "cannot read %s: %s (errno %d)", path,
                         tier__errtext_lower(etext, e), -e);
            rc = TIER_EIO;
            break;
        }
        n += (size_t)got;
    }
    io->close(io->ud, f);
    if (rc) {
        tier__free(&p->alloc, buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return TIER_OK;
}

int tier_policy_load_file(tier_policy *policy, const char *path, const tier_io *io)
{
    char *text = NULL;
    size_t len = 0;
    int rc;
    if ((rc = check_args(policy, path, "path")) != TIER_OK)
        return rc;
    if (!io)
        io = tier_io_default();
    rc = tier__io_check(io, TIER__IO_NEEDS_READ, policy->err);
    if (rc)
        return rc;
    rc = read_file(policy, path, io, &text, &len);
    if (rc)
        return rc;
    rc = tier_policy_load_string(policy, text, len, path);
    tier__free(&policy->alloc, text);
    return rc;
}

/* ---- accessors ------------------------------------------------------------------------------ */

const char *tier_policy_name(const tier_policy *policy)
{
    return policy && policy->pol.name ? policy->pol.name : "";
}

size_t tier_policy_model_count(const tier_policy *policy)
{
    return policy ? policy->pol.n_models : 0;
}

int tier_policy_model(const tier_policy *policy, size_t i, const char **name, const char **kind,
                      size_t *option_count)
{
    const tier__pmodel *m;
    if (!policy)
        return TIER_EINVAL;
    if (i >= policy->pol.n_models)
        return TIER_ERANGE;
    m = &policy->pol.models[i];
    if (name)
        *name = m->name;
    if (kind)
        *kind = m->kind;
    if (option_count)
        *option_count = m->n_opts;
    return TIER_OK;
}

/* A literal of the tree into a tier_value (number, text, list; bool as the number 1 or 0). */
static int fill_value(const tier__pvalue *v, tier_value *out)
{
    switch (v->type) {
    case TIER__PT_NUMBER:
    case TIER__PT_BOOL:
        return tier_value_set_number(out, v->num);
    case TIER__PT_TEXT:
        return tier_value_set_text(out, v->text);
    default:
        return tier_value_set_list(out, (const char *const *)v->items, v->n_items);
    }
}

int tier_policy_model_option(const tier_policy *policy, size_t i, size_t j, const char **name,
                             tier_value *value)
{
    const tier__poption *o;
    if (!policy)
        return TIER_EINVAL;
    if (i >= policy->pol.n_models || j >= policy->pol.models[i].n_opts)
        return TIER_ERANGE;
    o = &policy->pol.models[i].opts[j];
    if (name)
        *name = o->name;
    return value ? fill_value(&o->value, value) : TIER_OK;
}

size_t tier_policy_entitlement_count(const tier_policy *policy)
{
    return policy ? policy->pol.n_entdecls : 0;
}

const char *tier_policy_entitlement_name(const tier_policy *policy, size_t k, int *type)
{
    if (!policy || k >= policy->pol.n_entdecls)
        return NULL;
    if (type)
        *type = policy->pol.entdecls[k].type;
    return policy->pol.entdecls[k].name;
}

int tier_policy_entitlement(const tier_policy *policy, size_t tier, const char *key,
                            tier_value *value)
{
    const tier__ptier *t;
    size_t j;
    if (!policy || !key)
        return TIER_EINVAL;
    if (tier >= policy->pol.n_tiers)
        return TIER_ERANGE;
    t = &policy->pol.tiers[tier];
    for (j = 0; j < t->n_ents; j++)
        if (strcmp(t->ents[j].name, key) == 0)
            return value ? fill_value(&t->ents[j].value, value) : TIER_OK;
    return TIER_ENOTFOUND;
}
