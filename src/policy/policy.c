/* SPDX-License-Identifier: MIT */
/* Tier policies: ordered tiers, rules (any may hold) made of conditions (all must hold), and the
 * evaluation that assigns every customer of a frame to the first tier with a rule that holds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"
#include "policy/policy_internal.h"
#include "util/buf.h"

/* Longest tier, rule, column or label text accepted, in bytes. */
#define POLICY_NAME_MAX 4096
/* Book attributes are addressed as "attr.NAME". */
#define ATTR_PREFIX "attr."
#define ATTR_PREFIX_LEN 5

typedef struct pcond {
    char *column; /* full frame column name or "attr.NAME" */
    char *text;   /* label/text to compare with; NULL for a number condition */
    double number;
    int op;
} pcond;

typedef struct prule {
    char *name;
    size_t tier;
    pcond *conds;
    size_t ncond, cond_cap;
} prule;

struct tier_policy {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    char **tiers;
    size_t ntiers, tier_cap;
    prule *rules;
    size_t nrules, rule_cap;
};

static const char *const op_text[] = {"?", "<", "<=", "==", "!=", ">=", ">"};

int tier_policy_new(tier_policy **out, const tier_allocator *alloc)
{
    return TIER__HANDLE_CREATE(out, tier_policy, alloc);
}

void tier_policy_free(tier_policy *policy)
{
    size_t i, j;
    if (!policy)
        return;
    for (i = 0; i < policy->ntiers; i++)
        tier__free(&policy->alloc, policy->tiers[i]);
    for (i = 0; i < policy->nrules; i++) {
        prule *r = &policy->rules[i];
        for (j = 0; j < r->ncond; j++) {
            tier__free(&policy->alloc, r->conds[j].column);
            tier__free(&policy->alloc, r->conds[j].text);
        }
        tier__free(&policy->alloc, r->conds);
        tier__free(&policy->alloc, r->name);
    }
    tier__free(&policy->alloc, policy->tiers);
    tier__free(&policy->alloc, policy->rules);
    tier__free(&policy->alloc, policy);
}

const char *tier_policy_last_error(const tier_policy *policy)
{
    return policy ? policy->err : "";
}

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

/* Makes room for element n of *array and copies `what` `name` for it: the copy, or NULL with the
 * error set when out of memory. Growing first leaves the policy as it was if the copy fails (a
 * larger array is harmless). */
static char *room_and_name(tier_policy *p, void **array, size_t *cap, size_t n, size_t elem,
                           const char *what, const char *name)
{
    char *copy = NULL;
    if (tier__grow(&p->alloc, array, cap, n + 1, elem) == TIER_OK)
        copy = tier__strdup(&p->alloc, name);
    if (!copy)
        tier__errorf(p->err, "out of memory adding %s '%s'", what, name);
    return copy;
}

int tier_policy_add_tier(tier_policy *policy, const char *name, size_t *out_tier)
{
    size_t i;
    char *copy;
    int rc;
    if (!policy)
        return TIER_EINVAL;
    rc = check_text(policy, "tier name", name, 0);
    if (rc)
        return rc;
    for (i = 0; i < policy->ntiers; i++) {
        if (strcmp(policy->tiers[i], name) == 0) {
            tier__errorf(policy->err, "duplicate tier name '%s'", name);
            return TIER_EINVAL;
        }
    }
    copy = room_and_name(policy, (void **)&policy->tiers, &policy->tier_cap, policy->ntiers,
                         sizeof *policy->tiers, "tier", name);
    if (!copy)
        return TIER_ENOMEM;
    policy->tiers[policy->ntiers] = copy;
    if (out_tier)
        *out_tier = policy->ntiers;
    policy->ntiers++;
    return TIER_OK;
}

int tier_policy_add_rule(tier_policy *policy, size_t tier, const char *name, size_t *out_rule)
{
    prule *r;
    char *copy;
    int rc;
    if (!policy)
        return TIER_EINVAL;
    if (tier >= policy->ntiers) {
        tier__errorf(policy->err, "no tier %zu (the policy has %zu)", tier, policy->ntiers);
        return TIER_ERANGE;
    }
    rc = check_text(policy, "rule name", name, 0);
    if (rc)
        return rc;
    copy = room_and_name(policy, (void **)&policy->rules, &policy->rule_cap, policy->nrules,
                         sizeof *policy->rules, "rule", name);
    if (!copy)
        return TIER_ENOMEM;
    r = &policy->rules[policy->nrules];
    memset(r, 0, sizeof *r);
    r->name = copy;
    r->tier = tier;
    if (out_rule)
        *out_rule = policy->nrules;
    policy->nrules++;
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
    if (!p)
        return TIER_EINVAL;
    if (rule >= p->nrules) {
        tier__errorf(p->err, "no rule %zu (the policy has %zu)", rule, p->nrules);
        return TIER_ERANGE;
    }
    return check_column(p, column);
}

static int add_cond(tier_policy *p, size_t rule, const char *column, int op, double number,
                    const char *text)
{
    prule *r = &p->rules[rule];
    char *col, *txt = NULL;
    pcond *c;
    if (tier__grow(&p->alloc, (void **)&r->conds, &r->cond_cap, r->ncond + 1, sizeof *r->conds))
        goto nomem;
    col = tier__strdup(&p->alloc, column);
    if (!col)
        goto nomem;
    if (text) {
        txt = tier__strdup(&p->alloc, text);
        if (!txt) {
            tier__free(&p->alloc, col);
            goto nomem;
        }
    }
    c = &r->conds[r->ncond++];
    c->column = col;
    c->text = txt;
    c->number = number;
    c->op = op;
    return TIER_OK;
nomem:
    tier__errorf(p->err, "out of memory adding a condition to rule '%s'", r->name);
    return TIER_ENOMEM;
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
        tier__errorf(policy->err, "rule '%s': %s compared with NaN", policy->rules[rule].name,
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
    return policy ? policy->ntiers : 0;
}

const char *tier_policy_tier_name(const tier_policy *policy, size_t tier)
{
    return policy && tier < policy->ntiers ? policy->tiers[tier] : NULL;
}

size_t tier_policy_rule_count(const tier_policy *policy)
{
    return policy ? policy->nrules : 0;
}

const char *tier_policy_rule_name(const tier_policy *policy, size_t rule)
{
    return policy && rule < policy->nrules ? policy->rules[rule].name : NULL;
}

/* ---- description ---------------------------------------------------------------------------- */

/* A quoted string with '"' and '\' escaped, so names with quotes stay readable and unambiguous. */
static void put_quoted(tier__buf *b, const char *s)
{
    tier__buf_putc(b, '"');
    while (*s) {
        size_t n = strcspn(s, "\"\\");
        tier__buf_append(b, s, n);
        s += n;
        if (*s) {
            tier__buf_putc(b, '\\');
            tier__buf_putc(b, *s);
            s++;
        }
    }
    tier__buf_putc(b, '"');
}

int tier_policy_describe(const tier_policy *policy, tier_text *out)
{
    tier__buf b;
    size_t t, r, c;
    int rc;
    if (!policy || !out)
        return TIER_EINVAL;
    tier__buf_init(&b, &policy->alloc);
    tier__buf_printf(&b, "policy: %zu %s, %zu %s", policy->ntiers,
                     policy->ntiers == 1 ? "tier" : "tiers", policy->nrules,
                     policy->nrules == 1 ? "rule" : "rules");
    tier__buf_puts(&b, "; tiers are tried in order and the first rule that holds decides\n");
    for (t = 0; t < policy->ntiers; t++) {
        int any = 0;
        tier__buf_puts(&b, "tier ");
        put_quoted(&b, policy->tiers[t]);
        tier__buf_puts(&b, "\n");
        for (r = 0; r < policy->nrules; r++) {
            const prule *rule = &policy->rules[r];
            if (rule->tier != t)
                continue;
            any = 1;
            tier__buf_puts(&b, "  rule ");
            put_quoted(&b, rule->name);
            tier__buf_puts(&b, ": ");
            if (rule->ncond == 0)
                tier__buf_puts(&b, "always");
            for (c = 0; c < rule->ncond; c++) {
                const pcond *cond = &rule->conds[c];
                if (c)
                    tier__buf_puts(&b, " and ");
                tier__buf_puts(&b, cond->column);
                tier__buf_puts(&b, " ");
                tier__buf_puts(&b, op_text[cond->op]);
                tier__buf_puts(&b, " ");
                if (cond->text)
                    put_quoted(&b, cond->text);
                else
                    tier__buf_number(&b, cond->number, 0);
            }
            tier__buf_puts(&b, "\n");
        }
        if (!any)
            tier__buf_puts(&b, "  (no rules: no customer gets this tier)\n");
    }
    rc = tier__buf_status(&b);
    /* One append keeps `out` unchanged when memory runs out. */
    if (rc == TIER_OK)
        rc = tier_text_append(out, tier__buf_data(&b), tier__buf_len(&b));
    tier__buf_free(&b);
    return rc;
}

/* ---- evaluation ----------------------------------------------------------------------------- */

/* A condition resolved to typed data: numbers compare with `x`; codes compare with `match`
 * (-2 when the text is not among the column's labels, so it equals no code). */
enum { K_LT = TIER_OP_LT, K_LE, K_EQ, K_NE, K_GE, K_GT, K_LABEL_EQ, K_LABEL_NE };

typedef struct ccond {
    int kind;
    const double *num;
    const int32_t *codes;
    double x;
    int32_t match;
} ccond;

/* Customers are evaluated in blocks: each condition runs as a branch-free loop over the block
 * (which compilers vectorize), so the cost does not depend on how predictable the data is. */
#define BLOCK 1024

/* mask[j] &= condition holds for customer base + j. A NaN (missing) value fails every
 * comparison, including != (hence the v == v test); a label code of -1 never matches. The body is
 * written once and instantiated for full blocks (a constant trip count, which GCC's cheap -O2
 * vectorizer needs) and for the last, partial block. */
#define APPLY_LOOPS(M)                                                \
    switch (c->kind) {                                                \
    case K_LT:                                                        \
        for (j = 0; j < (M); j++)                                     \
            mask[j] &= (int32_t)(v[j] < x);                           \
        break;                                                        \
    case K_LE:                                                        \
        for (j = 0; j < (M); j++)                                     \
            mask[j] &= (int32_t)(v[j] <= x);                          \
        break;                                                        \
    case K_EQ:                                                        \
        for (j = 0; j < (M); j++)                                     \
            mask[j] &= (int32_t)(v[j] == x);                          \
        break;                                                        \
    case K_NE:                                                        \
        for (j = 0; j < (M); j++)                                     \
            mask[j] &= (int32_t)((v[j] == v[j]) & (v[j] != x));       \
        break;                                                        \
    case K_GE:                                                        \
        for (j = 0; j < (M); j++)                                     \
            mask[j] &= (int32_t)(v[j] >= x);                          \
        break;                                                        \
    case K_GT:                                                        \
        for (j = 0; j < (M); j++)                                     \
            mask[j] &= (int32_t)(v[j] > x);                           \
        break;                                                        \
    case K_LABEL_EQ:                                                  \
        for (j = 0; j < (M); j++)                                     \
            mask[j] &= (int32_t)((code[j] >= 0) & (code[j] == want)); \
        break;                                                        \
    default: /* K_LABEL_NE */                                         \
        for (j = 0; j < (M); j++)                                     \
            mask[j] &= (int32_t)((code[j] >= 0) & (code[j] != want)); \
        break;                                                        \
    }

static void apply_full(const ccond *c, size_t base, int32_t *restrict mask)
{
    const double *restrict v = c->num ? c->num + base : NULL;
    const int32_t *restrict code = c->codes ? c->codes + base : NULL;
    const double x = c->x;
    const int32_t want = c->match;
    size_t j;
    APPLY_LOOPS(BLOCK)
}

static void apply_part(const ccond *c, size_t base, size_t m, int32_t *restrict mask)
{
    const double *restrict v = c->num ? c->num + base : NULL;
    const int32_t *restrict code = c->codes ? c->codes + base : NULL;
    const double x = c->x;
    const int32_t want = c->match;
    size_t j;
    APPLY_LOOPS(m)
}

/* Customers of the block that the mask selects and no earlier rule placed get this rule. An
 * unplaced customer holds -1, so adding tier + 1 (or rule + 1) places it; plain integer adds and
 * masks keep the loop vectorizable for both GCC and clang. */
#define PLACE_LOOP(M)                                  \
    for (j = 0; j < (M); j++) {                        \
        int32_t take = mask[j] & (int32_t)(bt[j] < 0); \
        bt[j] += -take & (tt + 1);                     \
        br[j] += -take & (rr + 1);                     \
        placed += take;                                \
    }

static size_t place_full(const int32_t *restrict mask, int32_t *restrict bt, int32_t *restrict br,
                         int32_t tt, int32_t rr)
{
    size_t j;
    int32_t placed = 0;
    PLACE_LOOP(BLOCK)
    return (size_t)placed;
}

static size_t place_part(const int32_t *restrict mask, size_t m, int32_t *restrict bt,
                         int32_t *restrict br, int32_t tt, int32_t rr)
{
    size_t j;
    int32_t placed = 0;
    PLACE_LOOP(m)
    return (size_t)placed;
}

/* Book attributes are read once into arrays so the pass over customers stays a tight loop. */
static int attr_numbers(const tier_book *book, const char *name, size_t n, const tier_allocator *a,
                        double **out)
{
    double *v = tier__calloc(a, n, sizeof *v);
    if (!v)
        return TIER_ENOMEM;
    tier__book_copy_numbers(book, name, v);
    *out = v;
    return TIER_OK;
}

/* Text attribute as codes: 0 = equal to `text`, 1 = another text, -1 = not set. */
static int attr_codes(const tier_book *book, const char *name, const char *text, size_t n,
                      const tier_allocator *a, int32_t **out)
{
    size_t i;
    int32_t *v = tier__calloc(a, n, sizeof *v);
    if (!v)
        return TIER_ENOMEM;
    for (i = 0; i < n; i++) {
        const char *s;
        if (tier_book_get_text(book, i, name, &s) != TIER_OK || !s)
            v[i] = -1;
        else
            v[i] = strcmp(s, text) == 0 ? 0 : 1;
    }
    *out = v;
    return TIER_OK;
}

int tier__policy_assign(const tier_policy *policy, const tier_book *book, const tier_frame *frame,
                        const tier_allocator *alloc, int32_t *tiers, int32_t *rules, char *err)
{
    size_t n = tier_frame_rows(frame);
    size_t total = 0, r, t, k, c, nc = 0, nr = 0, i;
    size_t *order = NULL, *bounds = NULL;
    ccond *cc = NULL;
    void **owned = NULL;
    size_t nowned = 0;
    int rc = TIER_OK;

    for (r = 0; r < policy->nrules; r++)
        total += policy->rules[r].ncond;
    order = tier__calloc(alloc, policy->nrules + 1, sizeof *order);
    bounds = tier__calloc(alloc, policy->nrules + 1, sizeof *bounds);
    cc = tier__calloc(alloc, total + 1, sizeof *cc);
    owned = tier__calloc(alloc, total + 1, sizeof *owned);
    if (!order || !bounds || !cc || !owned) {
        tier__errorf(err, "out of memory applying the policy");
        rc = TIER_ENOMEM;
        goto done;
    }
    /* Rules in evaluation order: tier by tier, then in the order they were added. */
    for (t = 0; t < policy->ntiers; t++) {
        for (r = 0; r < policy->nrules; r++) {
            const prule *rule = &policy->rules[r];
            if (rule->tier != t)
                continue;
            order[nr] = r;
            bounds[nr] = nc;
            nr++;
            for (k = 0; k < rule->ncond; k++) {
                const pcond *pc = &rule->conds[k];
                ccond *q = &cc[nc++];
                int is_label = pc->text != NULL;
                q->kind = is_label ? (pc->op == TIER_OP_EQ ? K_LABEL_EQ : K_LABEL_NE) : pc->op;
                q->x = pc->number;
                if (strncmp(pc->column, ATTR_PREFIX, ATTR_PREFIX_LEN) == 0) {
                    const char *attr = pc->column + ATTR_PREFIX_LEN;
                    if (is_label) {
                        int32_t *codes = NULL;
                        rc = attr_codes(book, attr, pc->text, n, alloc, &codes);
                        owned[nowned] = codes;
                        q->codes = codes;
                        q->match = 0;
                    } else {
                        double *num = NULL;
                        rc = attr_numbers(book, attr, n, alloc, &num);
                        owned[nowned] = num;
                        q->num = num;
                    }
                    if (rc) {
                        tier__errorf(err, "out of memory reading attribute '%s'", attr);
                        goto done;
                    }
                    nowned++;
                    continue;
                }
                if (tier_frame_find(frame, pc->column, &c) != TIER_OK) {
                    tier__errorf(err, "rule '%s' of tier '%s': no column '%s' (no model wrote it)",
                                 rule->name, policy->tiers[t], pc->column);
                    rc = TIER_ENOTFOUND;
                    goto done;
                }
                if (is_label)
                    q->codes = tier_frame_labels(frame, c);
                else
                    q->num = tier_frame_numbers(frame, c);
                if (is_label ? !q->codes : !q->num) {
                    tier__errorf(err, "rule '%s' of tier '%s': column '%s' holds %s, not %s",
                                 rule->name, policy->tiers[t], pc->column,
                                 is_label ? "numbers" : "labels", is_label ? "labels" : "numbers");
                    rc = TIER_EINVAL;
                    goto done;
                }
                if (is_label) {
                    size_t nl = tier_frame_label_count(frame, c), l;
                    q->match = -2;
                    for (l = 0; l < nl && l <= INT32_MAX; l++) {
                        const char *lt = tier_frame_label_text(frame, c, (int32_t)l);
                        if (lt && strcmp(lt, pc->text) == 0) {
                            q->match = (int32_t)l;
                            break;
                        }
                    }
                }
            }
        }
    }
    bounds[nr] = nc;

    /* First match wins: a rule only places customers no earlier rule placed. */
    for (i = 0; i < n; i += BLOCK) {
        int32_t mask[BLOCK];
        size_t m = n - i < BLOCK ? n - i : BLOCK, left = m, j;
        int32_t *bt = tiers + i, *br = rules + i;
        for (j = 0; j < m; j++)
            bt[j] = br[j] = -1;
        for (k = 0; k < nr && left; k++) {
            const int32_t tt = (int32_t)policy->rules[order[k]].tier, rr = (int32_t)order[k];
            for (j = 0; j < m; j++)
                mask[j] = 1;
            for (c = bounds[k]; c < bounds[k + 1]; c++) {
                if (m == BLOCK)
                    apply_full(&cc[c], i, mask);
                else
                    apply_part(&cc[c], i, m, mask);
            }
            left -=
                m == BLOCK ? place_full(mask, bt, br, tt, rr) : place_part(mask, m, bt, br, tt, rr);
        }
    }
done:
    if (owned)
        for (k = 0; k < nowned; k++)
            tier__free(alloc, owned[k]);
    tier__free(alloc, owned);
    tier__free(alloc, cc);
    tier__free(alloc, bounds);
    tier__free(alloc, order);
    return rc;
}
