/* SPDX-License-Identifier: MIT */
/* The 0.1 evaluation of a policy, kept until the policy engine (policy/eval.h) replaces it: it
 * runs policies whose rules are conjunctions of `column op literal` comparisons (what the 0.1
 * builder calls make) and refuses everything else with TIER_EINVAL. */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"
#include "policy/policy_internal.h"

/* Book attributes are addressed as "attr.NAME". */
#define ATTR_PREFIX "attr."
#define ATTR_PREFIX_LEN 5

/* One comparison of a rule, read from the tree. */
typedef struct pcond {
    const char *column; /* full frame column name or "attr.NAME" */
    const char *text;   /* label/text to compare with; NULL for a number condition */
    double number;
    int op; /* TIER_OP_* */
} pcond;

/* Appends the comparisons of `e` (an AND chain of column-op-literal nodes) to conds; 1 when the
 * expression is anything else. */
static int flatten(const tier__pexpr *e, pcond *conds, size_t *n, size_t max)
{
    static const int ops[] = {0,          0,          0,          0,          TIER_OP_EQ,
                              TIER_OP_NE, TIER_OP_LT, TIER_OP_LE, TIER_OP_GT, TIER_OP_GE};
    const tier__pexpr *l, *r;
    if (!e)
        return 0;
    if (e->kind != TIER__PX_BINARY || e->n_args != 2)
        return 1;
    if (e->op == TIER__POP_AND)
        return flatten(e->args[0], conds, n, max) || flatten(e->args[1], conds, n, max);
    if (e->op < TIER__POP_EQ || e->op > TIER__POP_GE || *n >= max)
        return 1;
    l = e->args[0];
    r = e->args[1];
    if (l->kind != TIER__PX_REF || (r->kind != TIER__PX_NUMBER && r->kind != TIER__PX_TEXT))
        return 1;
    if (r->kind == TIER__PX_TEXT && e->op != TIER__POP_EQ && e->op != TIER__POP_NE)
        return 1;
    conds[*n].column = l->text;
    conds[*n].text = r->kind == TIER__PX_TEXT ? r->text : NULL;
    conds[*n].number = r->num;
    conds[*n].op = ops[e->op];
    (*n)++;
    return 0;
}

static size_t count_nodes(const tier__pexpr *e)
{
    size_t i, n = 1;
    if (!e)
        return 0;
    for (i = 0; i < e->n_args; i++)
        n += count_nodes(e->args[i]);
    return n;
}

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
    const tier__pol *pol = &policy->pol;
    size_t n = tier_frame_rows(frame);
    size_t total = 0, r, t, k, c, nc = 0, nr = 0, i, nrules = 0;
    size_t *bounds = NULL;
    int32_t *rule_tier = NULL;
    pcond *pc_all = NULL;
    ccond *cc = NULL;
    void **owned = NULL;
    size_t nowned = 0;
    int rc = TIER_OK;

    if (pol->n_models || pol->n_windows || pol->n_lets || pol->n_entdecls || pol->n_flags ||
        pol->hier.present || pol->route.present) {
        tier__errorf(err, "this policy needs the policy engine (models, windows, lets, "
                          "entitlements, flags, hierarchy or routing)");
        return TIER_EINVAL;
    }
    for (t = 0; t < pol->n_tiers; t++) {
        if (pol->tiers[t].cap.kind != TIER__PCAP_NONE) {
            tier__errorf(err, "this policy needs the policy engine (tier %s has a cap)",
                         pol->tiers[t].name);
            return TIER_EINVAL;
        }
        for (r = 0; r < pol->tiers[t].n_rules; r++, nrules++)
            total += count_nodes(pol->tiers[t].rules[r].when);
    }
    bounds = tier__calloc(alloc, nrules + 1, sizeof *bounds);
    rule_tier = tier__calloc(alloc, nrules + 1, sizeof *rule_tier);
    pc_all = tier__calloc(alloc, total + 1, sizeof *pc_all);
    cc = tier__calloc(alloc, total + 1, sizeof *cc);
    owned = tier__calloc(alloc, total + 1, sizeof *owned);
    if (!bounds || !rule_tier || !pc_all || !cc || !owned) {
        tier__errorf(err, "out of memory applying the policy");
        rc = TIER_ENOMEM;
        goto done;
    }
    /* Rules in evaluation order: tier by tier, then in their order inside the tier (which is
     * also how tier_policy_rule_name() numbers them). */
    for (t = 0; t < pol->n_tiers; t++) {
        for (r = 0; r < pol->tiers[t].n_rules; r++) {
            const tier__prule *rule = &pol->tiers[t].rules[r];
            size_t first = nc;
            bounds[nr] = nc;
            rule_tier[nr] = (int32_t)t;
            nr++;
            if (flatten(rule->when, pc_all, &nc, total)) {
                tier__errorf(err,
                             "rule '%s' of tier '%s': this policy needs the policy engine (only "
                             "comparisons of a column with a literal joined by 'and' run here)",
                             rule->name, pol->tiers[t].name);
                rc = TIER_EINVAL;
                goto done;
            }
            for (k = first; k < nc; k++) {
                const pcond *pc = &pc_all[k];
                ccond *q = &cc[k];
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
                                 rule->name, pol->tiers[t].name, pc->column);
                    rc = TIER_ENOTFOUND;
                    goto done;
                }
                if (is_label)
                    q->codes = tier_frame_labels(frame, c);
                else
                    q->num = tier_frame_numbers(frame, c);
                if (is_label ? !q->codes : !q->num) {
                    tier__errorf(err, "rule '%s' of tier '%s': column '%s' holds %s, not %s",
                                 rule->name, pol->tiers[t].name, pc->column,
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
            const int32_t tt = rule_tier[k], rr = (int32_t)k;
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
    tier__free(alloc, pc_all);
    tier__free(alloc, rule_tier);
    tier__free(alloc, bounds);
    return rc;
}
