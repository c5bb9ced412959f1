/* SPDX-License-Identifier: MIT */
/* Policy lint over finite domains (docs/policy-lint.md, "Cells"): a rule is finite when it reads
 * nothing but constants, RFM scores (1..bins), labels whose set is known without fitting and
 * abc() classes. Every cell of the product of the values those rules read (and a missing value
 * where a customer can lack one) is evaluated against every finite rule, in the order of the
 * policy, as docs/segment-maps.md checks a segment map: what no cell reaches is shadowed or never
 * holds, a cell two tiers match overlaps, a cell no rule matches is uncovered. The evaluator is a
 * small scalar one (missing values as in docs/policy-format.md): abc() is a variable here, not
 * computed over the cells. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/lint/lint_internal.h"

#define MAX_DIMS 24
#define MAX_CELLS ((size_t)1 << 20)
#define MAX_WORK 5e7 /* cells x finite rules evaluated at most */
#define EXAMPLES 4

enum { CD_SCORE = 1, CD_LABEL, CD_ABC };
enum { U_R, U_F, U_M, U_SEG, U_VC, U_COUNT };

typedef struct cdim {
    int kind;
    const tier__lint_model *lm; /* SCORE, LABEL */
    int score;                  /* SCORE: 0 r, 1 f, 2 m */
    const char *output;         /* LABEL */
    const char *const *labels;  /* LABEL: the values; ABC: A, B, C */
    const char *sub[16];        /* rfm labels reachable with the model's bins */
    const tier__pexpr *call;    /* ABC */
    size_t n;                   /* present values */
    int miss;                   /* 1: value n is "missing" */
} cdim;

/* A value not known without data (an attribute, a window, a number output, pct_rank()). */
#define UNKNOWN (-1)

typedef struct cval {
    int t; /* 0 missing, TIER__PT_NUMBER, _TEXT, _BOOL, or UNKNOWN */
    double num;
    const char *text;
} cval;

typedef struct cells {
    tier__lint *l;
    cdim dims[MAX_DIMS];
    size_t n_dims;
    int too_many;
    size_t at[MAX_DIMS];           /* the current cell: value index per dimension */
    unsigned char (*use)[U_COUNT]; /* [n_models] rfm outputs the finite rules read */
    int var;                       /* the last collect met a variable */
} cells;

static const char *const abc_labels[] = {"A", "B", "C"};
static const char *const rfm_outputs[U_COUNT] = {"r_score", "f_score", "m_score", "segment",
                                                 "value_class"};

static int rfm_use(const tier__lint_model *lm, const char *out)
{
    int k;
    if (!lm->m || lm->builtin != TIER__LK_RFM || lm->bins < 2 || lm->bins > 10)
        return -1;
    for (k = 0; k < U_COUNT; k++)
        if (strcmp(out, rfm_outputs[k]) == 0)
            return k;
    return -1;
}

/* A new dimension of `kind`, or NULL (and too_many set) when there are MAX_DIMS already. */
static cdim *new_dim(cells *c, int kind)
{
    cdim *d;
    if ((c->too_many |= c->n_dims == MAX_DIMS) != 0)
        return NULL;
    d = &c->dims[c->n_dims++];
    d->kind = kind;
    return d;
}

/* 1 when `e` reads only finite values; with `add`, registers their dimensions too. */
static int walk(cells *c, const tier__pexpr *e, size_t lets, int add)
{
    const tier__pol *pol = c->l->pol;
    cdim *d;
    const char *out, *const *labels;
    tier__lint_model *lm;
    size_t i, n;
    long k;
    int ok = 1;
    if (!e)
        return 1;
    if (e->kind == TIER__PX_REF) {
        if (!e->text || strncmp(e->text, "attr.", 5) == 0)
            return 0;
        if ((k = tier__lint_let(pol, e->text, lets)) >= 0)
            return walk(c, pol->lets[k].expr, (size_t)k, add);
        lm = tier__lint_model_of(c->l, e->text, &out);
        if (!lm || !lm->m)
            return 0;
        if ((k = rfm_use(lm, out)) >= 0) {
            if (add)
                c->use[lm - c->l->models][k] = 1;
        } else if (lm->builtin != TIER__LK_RFM && tier__lint_labels(c->l, lm, out, &labels, &n)) {
            for (i = 0; add && i < c->n_dims; i++)
                if (c->dims[i].kind == CD_LABEL && c->dims[i].lm == lm &&
                    strcmp(c->dims[i].output, out) == 0)
                    break;
            if (add && i == c->n_dims && (d = new_dim(c, CD_LABEL)) != NULL) {
                d->lm = lm;
                d->output = out;
                d->labels = labels;
                d->n = n;
                d->miss = lm->builtin == TIER__LK_SCORECARD; /* no grade without a score */
            }
        } else {
            return 0;
        }
        c->var = 1;
        return 1;
    }
    if (e->kind == TIER__PX_CALL && e->text && strcmp(e->text, "abc") == 0) {
        for (i = 0; add && i < c->n_dims; i++)
            if (c->dims[i].kind == CD_ABC && tier__lint_same(c->dims[i].call, e))
                break;
        if (add && i == c->n_dims && (d = new_dim(c, CD_ABC)) != NULL) {
            d->call = e;
            d->labels = abc_labels;
            d->n = 3;
        }
        c->var = 1;
        return 1;
    }
    if (e->kind == TIER__PX_CALL && (!e->text || strcmp(e->text, "pct_rank") == 0))
        return 0;
    for (i = 0; i < e->n_args; i++)
        ok &= walk(c, e->args[i], lets, add);
    return ok;
}

/* rfm's dimensions: its scores, or one label dimension with the labels its bins can reach. */
static void rfm_dims(cells *c, const tier__lint_model *lm, const unsigned char *use)
{
    int need[3], k, label = -1, r, f, m, bins = lm->bins;
    need[0] = use[U_R] || use[U_SEG] || use[U_VC];
    need[1] = use[U_F] || use[U_SEG] || use[U_VC];
    need[2] = use[U_M] || use[U_VC];
    if (!use[U_R] && !use[U_F] && !use[U_M] && use[U_SEG] != use[U_VC])
        label = use[U_SEG] ? 0 : 1;
    if (c->n_dims + 3 > MAX_DIMS) {
        c->too_many = 1;
        return;
    }
    if (label >= 0) {
        cdim *d = &c->dims[c->n_dims++];
        const tier_segmap *map = c->l->maps[label];
        size_t i;
        unsigned char hit[16] = {0};
        for (r = 1; r <= bins; r++)
            for (f = 1; f <= bins; f++)
                for (m = 1; m <= bins; m++) {
                    int s =
                        tier_segmap_lookup(map, (5 * r + bins - 1) / bins,
                                           (5 * f + bins - 1) / bins, (5 * m + bins - 1) / bins);
                    if (s >= 0 && s < 16)
                        hit[s] = 1;
                }
        d->kind = CD_LABEL;
        d->lm = lm;
        d->output = rfm_outputs[U_SEG + label];
        for (i = 0; i < c->l->n_map_labels[label]; i++)
            if (hit[i])
                d->sub[d->n++] = c->l->map_labels[label][i];
        d->labels = d->sub;
        d->miss = 1;
        return;
    }
    for (k = 0; k < 3; k++) {
        if (!need[k])
            continue;
        c->dims[c->n_dims].kind = CD_SCORE;
        c->dims[c->n_dims].lm = lm;
        c->dims[c->n_dims].score = k;
        c->dims[c->n_dims].n = (size_t)bins;
        c->dims[c->n_dims].miss = 1;
        c->n_dims++;
    }
}

/* ---- the scalar evaluator ------------------------------------------------------------------ */

static cval missing(void)
{
    cval v = {0, 0, NULL};
    return v;
}

static cval unknown(void)
{
    cval v = {UNKNOWN, 0, NULL};
    return v;
}

static cval boolean(int b)
{
    cval v = {TIER__PT_BOOL, 0, NULL};
    v.num = b != 0;
    return v;
}

static cval number(double x)
{
    cval v = {TIER__PT_NUMBER, 0, NULL};
    v.num = x;
    return v;
}

static cval text(const char *s)
{
    cval v = {TIER__PT_TEXT, 0, NULL};
    v.text = s;
    return v;
}

/* The score k of rfm model lm in the current cell: 1..bins, 0 when missing, -1 when it is no
 * dimension (the cells were too many). */
static int score_of(const cells *c, const tier__lint_model *lm, int k)
{
    size_t i;
    for (i = 0; i < c->n_dims; i++)
        if (c->dims[i].kind == CD_SCORE && c->dims[i].lm == lm && c->dims[i].score == k)
            return c->at[i] < c->dims[i].n ? (int)c->at[i] + 1 : 0;
    return -1;
}

static cval ref_value(const cells *c, const tier__pexpr *e)
{
    const char *out;
    const tier__lint_model *lm = tier__lint_model_of(c->l, e->text, &out);
    size_t i;
    int k = lm ? rfm_use(lm, out) : -1;
    for (i = 0; lm && i < c->n_dims; i++) {
        const cdim *d = &c->dims[i];
        if (d->kind == CD_LABEL && d->lm == lm && strcmp(d->output, out) == 0)
            return c->at[i] < d->n ? text(d->labels[c->at[i]]) : missing();
    }
    if (k >= U_SEG) {
        int r = score_of(c, lm, 0), f = score_of(c, lm, 1), m = score_of(c, lm, 2), b = lm->bins;
        int which = k == U_SEG ? 0 : 1, s;
        if (r < 0 || f < 0 || (which && m < 0))
            return unknown();
        if (!r || !f || (which && !m))
            return missing();
        s = tier_segmap_lookup(c->l->maps[which], (5 * r + b - 1) / b, (5 * f + b - 1) / b,
                               which ? (5 * m + b - 1) / b : 0);
        return s >= 0 && (size_t)s < c->l->n_map_labels[which] ? text(c->l->map_labels[which][s])
                                                               : missing();
    }
    if (k >= 0) {
        int s = score_of(c, lm, k);
        return s > 0 ? number(s) : s ? unknown() : missing();
    }
    return unknown();
}

static int equal(cval x, cval y)
{
    if (x.t == TIER__PT_TEXT && y.t == TIER__PT_TEXT)
        return strcmp(x.text, y.text) == 0;
    return x.t == y.t && x.num == y.num;
}

static int is_true(cval v)
{
    return v.t == TIER__PT_BOOL && v.num != 0;
}

static int is_false(cval v)
{
    return v.t != UNKNOWN && !is_true(v);
}

static cval eval(const cells *c, const tier__pexpr *e, size_t lets)
{
    const tier__pol *pol = c->l->pol;
    cval x, y, z;
    size_t i;
    long k;
    int unk = 0;
    if (!e)
        return boolean(1);
    switch (e->kind) {
    case TIER__PX_NUMBER:
        return number(e->num);
    case TIER__PX_TEXT:
        return text(e->text ? e->text : "");
    case TIER__PX_BOOL:
        return boolean(e->num != 0);
    case TIER__PX_REF:
        if (!e->text)
            return unknown();
        if ((k = tier__lint_let(pol, e->text, lets)) >= 0)
            return eval(c, pol->lets[k].expr, (size_t)k);
        return ref_value(c, e);
    case TIER__PX_UNARY:
        x = eval(c, e->args[0], lets);
        if (x.t == UNKNOWN)
            return x;
        if (e->op == TIER__POP_NOT)
            return boolean(!is_true(x));
        return x.t == TIER__PT_NUMBER ? number(-x.num) : missing();
    case TIER__PX_BINARY:
        x = eval(c, e->args[0], lets);
        y = eval(c, e->args[1], lets);
        if (e->op == TIER__POP_AND)
            return is_false(x) || is_false(y) ? boolean(0)
                   : is_true(x) && is_true(y) ? boolean(1)
                                              : unknown();
        if (e->op == TIER__POP_OR)
            return is_true(x) || is_true(y)     ? boolean(1)
                   : is_false(x) && is_false(y) ? boolean(0)
                                                : unknown();
        if (x.t == UNKNOWN || y.t == UNKNOWN)
            return unknown();
        if (!x.t || !y.t)
            return e->op >= TIER__POP_ADD ? missing() : boolean(0);
        if (e->op == TIER__POP_EQ || e->op == TIER__POP_NE)
            return boolean(equal(x, y) == (e->op == TIER__POP_EQ));
        if (x.t != TIER__PT_NUMBER || y.t != TIER__PT_NUMBER)
            return e->op >= TIER__POP_ADD ? missing() : boolean(0);
        switch (e->op) {
        case TIER__POP_LT:
            return boolean(x.num < y.num);
        case TIER__POP_LE:
            return boolean(x.num <= y.num);
        case TIER__POP_GT:
            return boolean(x.num > y.num);
        case TIER__POP_GE:
            return boolean(x.num >= y.num);
        case TIER__POP_ADD:
            return number(x.num + y.num);
        case TIER__POP_SUB:
            return number(x.num - y.num);
        case TIER__POP_MUL:
            return number(x.num * y.num);
        default:
            return y.num != 0 ? number(x.num / y.num) : missing();
        }
    case TIER__PX_IN:
        x = eval(c, e->args[0], lets);
        if (x.t == UNKNOWN || !x.t)
            return x.t ? x : boolean(0);
        for (i = 1; i < e->n_args; i++) {
            y = eval(c, e->args[i], lets);
            if (y.t == UNKNOWN)
                unk = 1;
            else if (equal(x, y))
                return boolean(e->op != TIER__POP_NOT);
        }
        return unk ? unknown() : boolean(e->op == TIER__POP_NOT);
    case TIER__PX_BETWEEN:
        x = eval(c, e->args[0], lets);
        y = eval(c, e->args[1], lets);
        z = eval(c, e->args[2], lets);
        if (x.t == UNKNOWN || y.t == UNKNOWN || z.t == UNKNOWN)
            return unknown();
        if (x.t != TIER__PT_NUMBER || y.t != TIER__PT_NUMBER || z.t != TIER__PT_NUMBER)
            return boolean(0);
        return boolean(x.num >= y.num && x.num <= z.num);
    case TIER__PX_MISSING:
        x = eval(c, e->args[0], lets);
        return x.t == UNKNOWN ? x : boolean((x.t == 0) == (e->op != TIER__POP_NOT));
    case TIER__PX_CALL:
        if (!e->text)
            return unknown();
        if (strcmp(e->text, "abc") == 0) {
            for (i = 0; i < c->n_dims; i++)
                if (c->dims[i].kind == CD_ABC && tier__lint_same(c->dims[i].call, e))
                    return text(abc_labels[c->at[i]]);
            return unknown();
        }
        if (strcmp(e->text, "pct_rank") == 0)
            return unknown();
        if (strcmp(e->text, "abs") == 0) {
            x = e->n_args ? eval(c, e->args[0], lets) : missing();
            if (x.t == UNKNOWN)
                return x;
            return x.t == TIER__PT_NUMBER ? number(x.num < 0 ? -x.num : x.num) : missing();
        }
        y = missing();
        for (i = 0; i < e->n_args; i++) {
            x = eval(c, e->args[i], lets);
            if (x.t == UNKNOWN)
                return x; /* which argument is present or least is not known */
            if (!x.t)
                continue;
            if (e->text[0] == 'c')
                return x; /* coalesce: the first present one */
            if (x.t == TIER__PT_NUMBER &&
                (!y.t || (e->text[1] == 'i' ? x.num < y.num : x.num > y.num)))
                y = x;
        }
        return y;
    default:
        return unknown();
    }
}

/* ---- the enumeration and its findings ------------------------------------------------------ */

typedef struct pair {
    size_t first, other, count, ex[EXAMPLES];
} pair;

typedef struct rinfo {
    const tier__prule *rule;
    size_t tier;
    int fin;            /* reads only finite values: never unknown */
    int var;            /* reads a value of the cells */
    int reached;        /* some cell where it may hold and no earlier rule surely holds */
    size_t matched;     /* cells where it holds or may hold */
    size_t shadow_cell; /* a cell it may hold in that an earlier rule surely takes */
    size_t shadow_by;   /* that earlier rule */
    size_t same_as;     /* an earlier rule of the same condition (not finite), or -1 */
} rinfo;

/* Sets c->at to cell `cell`, the last dimension varying fastest. */
static void decode(cells *c, size_t cell)
{
    size_t i;
    for (i = c->n_dims; i-- > 0;) {
        size_t radix = c->dims[i].n + (size_t)c->dims[i].miss;
        c->at[i] = cell % radix;
        cell /= radix;
    }
}

static void put_cell(cells *c, tier__buf *b, size_t cell)
{
    static const char letter[] = "rfm";
    size_t i;
    char show[200];
    decode(c, cell);
    for (i = 0; i < c->n_dims; i++) {
        const cdim *d = &c->dims[i];
        if (i)
            tier__buf_putc(b, ' ');
        if (d->kind == CD_SCORE && strcmp(d->lm->pm->name, "rfm") != 0)
            tier__buf_printf(b, "%s.", d->lm->pm->name);
        if (d->kind == CD_SCORE)
            tier__buf_putc(b, letter[d->score]);
        else if (d->kind == CD_LABEL)
            tier__buf_printf(b, "%s.%s", d->lm->pm->name, d->output);
        else
            tier__buf_printf(b, "abc(%s)",
                             tier__lint_show(d->call->n_args ? d->call->args[0] : NULL, show,
                                             sizeof show, "..."));
        if (c->at[i] == d->n)
            tier__buf_puts(b, " missing");
        else if (d->kind == CD_SCORE)
            tier__buf_printf(b, "=%zu", c->at[i] + 1);
        else
            tier__buf_printf(b, "=%s", d->labels[c->at[i]]);
    }
}

static void put_dims(const cells *c, tier__buf *b)
{
    size_t i;
    for (i = 0; i < c->n_dims; i++) {
        const cdim *d = &c->dims[i];
        if (i)
            tier__buf_puts(b, " x ");
        if (d->kind == CD_SCORE)
            tier__buf_printf(b, "%s.%s", d->lm->pm->name, rfm_outputs[d->score]);
        else if (d->kind == CD_LABEL)
            tier__buf_printf(b, "%s.%s", d->lm->pm->name, d->output);
        else
            tier__buf_puts(b, "abc()");
    }
}

/* 0 for a cell where some but not all scores of one rfm model are missing (no customer has it);
 * else 1, and *present tells whether no value is missing. */
static int consistent(const cells *c, int *present)
{
    size_t i, j;
    *present = 1;
    for (i = 0; i < c->n_dims; i++) {
        if (c->at[i] < c->dims[i].n)
            continue;
        *present = 0;
        for (j = 0; j < c->n_dims; j++)
            if (c->dims[j].kind == CD_SCORE && c->dims[i].kind == CD_SCORE &&
                c->dims[j].lm == c->dims[i].lm && c->at[j] < c->dims[j].n)
                return 0;
    }
    return 1;
}

typedef struct run {
    cells c;
    rinfo *r;
    size_t n_r;
    pair *pairs;
    size_t n_pairs, cap_pairs;
    size_t *stamp; /* [n_tiers] cell + 1 that last counted the tier in a pair */
    size_t present, uncovered, unc_ex[EXAMPLES];
} run;

static void add_pair(run *u, size_t first, size_t other, size_t cell)
{
    size_t i;
    pair *p;
    for (i = 0; i < u->n_pairs; i++)
        if (u->pairs[i].first == first && u->pairs[i].other == other)
            break;
    if (i == u->n_pairs) {
        if (tier__grow(u->c.l->a, (void **)&u->pairs, &u->cap_pairs, u->n_pairs + 1,
                       sizeof *u->pairs)) {
            u->c.l->rc = TIER_ENOMEM;
            return;
        }
        memset(&u->pairs[i], 0, sizeof *u->pairs);
        u->pairs[i].first = first;
        u->pairs[i].other = other;
        u->n_pairs++;
    }
    p = &u->pairs[i];
    if (p->count < EXAMPLES)
        p->ex[p->count] = cell;
    p->count++;
}

/* Every rule in every cell: a rule surely holds (true), surely not (false) or may hold (what it
 * reads beyond the cells decides). The first rule that surely holds takes the cell; it is the
 * cell's tier when no rule before it may hold. */
static void enumerate(run *u, size_t total)
{
    const tier__pol *pol = u->c.l->pol;
    size_t cell, g;
    for (cell = 0; cell < total && !u->c.l->rc; cell++) {
        size_t first = (size_t)-1;
        int present, sure = 1, any = 0;
        decode(&u->c, cell);
        if (!consistent(&u->c, &present))
            continue;
        for (g = 0; g < u->n_r; g++) {
            rinfo *r = &u->r[g];
            cval v = u->c.l->rule_bad[g] ? unknown() : eval(&u->c, r->rule->when, pol->n_lets);
            if (is_false(v))
                continue;
            any = 1;
            r->matched++;
            if (first == (size_t)-1) {
                r->reached = 1;
                if (v.t == UNKNOWN) {
                    sure = 0;
                    continue;
                }
                first = g;
                if (sure)
                    u->stamp[r->tier] = cell + 1;
                continue;
            }
            if (!r->reached && r->shadow_cell == (size_t)-1) {
                r->shadow_cell = cell;
                r->shadow_by = first;
            }
            /* An overlap is two rules that surely hold, the first of them surely first; a
             * constant catch-all (`true`) is no overlap but the rest. */
            if (present && sure && is_true(v) && r->var && r->tier != u->r[first].tier &&
                u->stamp[r->tier] != cell + 1) {
                u->stamp[r->tier] = cell + 1;
                add_pair(u, u->r[first].tier, r->tier, cell);
            }
        }
        if (!any && present) {
            if (u->uncovered < EXAMPLES)
                u->unc_ex[u->uncovered] = cell;
            u->uncovered++;
        }
        u->present += (size_t)present;
    }
}

static int by_tiers(const void *x, const void *y)
{
    const pair *a = x, *b = y;
    int c = TIER__CMP(a->other, b->other);
    return c ? c : TIER__CMP(a->first, b->first);
}

/* Appends up to EXAMPLES cells and ", ..." when there are more. */
static void put_examples(run *u, tier__buf *b, const size_t *ex, size_t n)
{
    size_t i;
    for (i = 0; i < n && i < EXAMPLES; i++) {
        if (i)
            tier__buf_puts(b, ", ");
        put_cell(&u->c, b, ex[i]);
    }
    if (n > EXAMPLES)
        tier__buf_puts(b, ", ...");
}

static const char *rule_name(const rinfo *r)
{
    return r->rule->name ? r->rule->name : "";
}

/* A rule without variables that surely holds: `true`, or a constant test. */
static int constant_true(const run *u, size_t g)
{
    return u->r[g].fin && !u->r[g].var && u->r[g].matched;
}

/* Why rule `g` can never place a customer, into b; its check name (NULL when it can). */
static const char *why_dead(run *u, size_t g, tier__buf *b)
{
    const tier__pol *pol = u->c.l->pol;
    const rinfo *r = &u->r[g], *k;
    tier__buf_reset(b);
    if (!r->matched) {
        tier__buf_puts(b, r->var ? "never holds for any value of the scores and labels it reads"
                                 : "never holds: its condition is always false");
        return "never-matches";
    }
    if (!r->reached) {
        k = &u->r[r->shadow_by];
        if (constant_true(u, r->shadow_by)) {
            tier__buf_printf(b,
                             "is shadowed: every customer is placed before it (rule \"%s\" of "
                             "tier %s always holds)",
                             rule_name(k), pol->tiers[k->tier].name);
            return "shadowed";
        }
        tier__buf_puts(b, "is shadowed: every cell it matches is taken by earlier rules (");
        put_cell(&u->c, b, r->shadow_cell);
        tier__buf_printf(b, " by rule \"%s\" of tier %s)", rule_name(k), pol->tiers[k->tier].name);
        return "shadowed";
    }
    if (r->same_as != (size_t)-1) {
        k = &u->r[r->same_as];
        tier__buf_printf(b, "is shadowed: rule \"%s\" of tier %s (%d:%d) has the same condition",
                         rule_name(k), pol->tiers[k->tier].name, k->rule->line, k->rule->col);
        return "shadowed";
    }
    return NULL;
}

/* Whether the text built in b is whole: a reset forgets a failed append, so each finding that
 * quotes b checks it first (else the lint fails with TIER_ENOMEM, not a cut finding). */
static int built(tier__lint *l, const tier__buf *b)
{
    if (tier__buf_status(b) == TIER_OK)
        return 1;
    l->rc = TIER_ENOMEM;
    return 0;
}

static void report(run *u, tier__buf *b)
{
    tier__lint *l = u->c.l;
    const tier__pol *pol = l->pol;
    size_t g = 0, t, j;
    const char *check;
    unsigned char *dead_tier = tier__calloc(l->a, pol->n_tiers + 1, 1);
    if (!dead_tier) {
        l->rc = TIER_ENOMEM;
        return;
    }
    for (t = 0; t < pol->n_tiers && !l->rc; t++) {
        const tier__ptier *tr = &pol->tiers[t];
        size_t start = g, n_dead = 0, n_after = 0, by = (size_t)-1;
        for (j = 0; j < tr->n_rules; j++, g++) {
            const rinfo *r = &u->r[g];
            n_dead += (size_t)(why_dead(u, g, b) != NULL);
            if (r->matched && !r->reached && constant_true(u, r->shadow_by) &&
                (by == (size_t)-1 || by == r->shadow_by)) {
                by = r->shadow_by;
                n_after++;
            }
        }
        dead_tier[t] = tr->n_rules && n_dead == tr->n_rules && !l->overflow_in[t];
        if (dead_tier[t] && n_after == n_dead) {
            tier__lint_add(l, TIER__LINT_WARNING, tr->line, tr->col, "unreachable-tier",
                           "tier %s is never reached: every customer is placed before it (rule "
                           "\"%s\" of tier %s always holds)",
                           tr->name, rule_name(&u->r[by]), pol->tiers[u->r[by].tier].name);
            continue;
        }
        if (dead_tier[t] && tr->n_rules == 1) {
            why_dead(u, start, b);
            if (built(l, b))
                tier__lint_add(l, TIER__LINT_WARNING, tr->line, tr->col, "unreachable-tier",
                               "tier %s can never be assigned: its only rule \"%s\" %s", tr->name,
                               rule_name(&u->r[start]), tier__buf_data(b));
            continue;
        }
        if (dead_tier[t])
            tier__lint_add(l, TIER__LINT_WARNING, tr->line, tr->col, "unreachable-tier",
                           "tier %s can never be assigned: none of its %zu rules can place a "
                           "customer",
                           tr->name, tr->n_rules);
        for (g = start, j = 0; j < tr->n_rules; j++, g++) {
            const rinfo *r = &u->r[g];
            if ((check = why_dead(u, g, b)) != NULL && built(l, b))
                tier__lint_add(l, TIER__LINT_WARNING, r->rule->line, r->rule->col, check,
                               "rule \"%s\" of tier %s %s", rule_name(r), tr->name,
                               tier__buf_data(b));
        }
    }
    if (u->n_pairs)
        qsort(u->pairs, u->n_pairs, sizeof *u->pairs, by_tiers);
    for (j = 0; j < u->n_pairs && !l->rc; j++) {
        const pair *p = &u->pairs[j];
        const tier__ptier *tr = &pol->tiers[p->other];
        if (dead_tier[p->other])
            continue;
        tier__buf_reset(b);
        put_examples(u, b, p->ex, p->count);
        if (built(l, b))
            tier__lint_add(
                l, TIER__LINT_WARNING, tr->line, tr->col, "overlap",
                "tier %s overlaps the earlier tier %s in %zu cell%s, which stay in %s: %s",
                tr->name, pol->tiers[p->first].name, p->count, p->count == 1 ? "" : "s",
                pol->tiers[p->first].name, tier__buf_data(b));
    }
    if (u->n_r && u->c.n_dims && u->uncovered && !l->rc) {
        const tier__ptier *last = &pol->tiers[pol->n_tiers - 1];
        tier__buf_reset(b);
        put_dims(&u->c, b);
        tier__buf_puts(b, "): ");
        put_examples(u, b, u->unc_ex, u->uncovered);
        if (built(l, b))
            tier__lint_add(l, TIER__LINT_WARNING, last->line, last->col, "uncovered",
                           "%zu of %zu cells match no rule, so those customers get no tier (cells "
                           "of %s",
                           u->uncovered, u->present, tier__buf_data(b));
    }
    built(l, b);
    tier__free(l->a, dead_tier);
}

void tier__lint_cells(tier__lint *l)
{
    const tier__pol *pol = l->pol;
    run u;
    size_t t, j, g = 0, total = 1, i;
    tier__buf b;
    memset(&u, 0, sizeof u);
    u.c.l = l;
    for (t = 0; t < pol->n_tiers; t++)
        u.n_r += pol->tiers[t].n_rules;
    u.r = tier__calloc(l->a, u.n_r + 1, sizeof *u.r);
    u.c.use = tier__calloc(l->a, l->n_models + 1, sizeof *u.c.use);
    u.stamp = tier__calloc(l->a, pol->n_tiers + 1, sizeof *u.stamp);
    tier__buf_init(&b, l->a);
    if (!u.r || !u.c.use || !u.stamp) {
        l->rc = TIER_ENOMEM;
        goto done;
    }
    for (t = 0; t < pol->n_tiers; t++)
        for (j = 0; j < pol->tiers[t].n_rules; j++, g++) {
            rinfo *r = &u.r[g];
            r->rule = &pol->tiers[t].rules[j];
            r->tier = t;
            r->shadow_cell = (size_t)-1;
            r->same_as = (size_t)-1;
            if (l->rule_bad[g])
                continue; /* reported; it may hold anywhere */
            r->fin = walk(&u.c, r->rule->when, pol->n_lets, 0);
            for (i = 0; !r->fin && i < g; i++)
                if (tier__lint_same(u.r[i].rule->when, r->rule->when)) {
                    r->same_as = i;
                    break;
                }
            u.c.var = 0;
            walk(&u.c, r->rule->when, pol->n_lets, 1);
            r->var = u.c.var;
        }
    for (i = 0; i < l->n_models; i++) {
        int k, any = 0;
        for (k = 0; k < U_COUNT; k++)
            any |= u.c.use[i][k];
        if (any)
            rfm_dims(&u.c, &l->models[i], u.c.use[i]);
    }
    for (i = 0; i < u.c.n_dims && total <= MAX_CELLS; i++)
        total *= u.c.dims[i].n + (size_t)u.c.dims[i].miss;
    if (u.c.too_many || total > MAX_CELLS || (double)total * (double)u.n_r > MAX_WORK) {
        /* Without cells every value read is unknown: constants are still checked. */
        tier__lint_add(l, TIER__LINT_NOTE, 0, 0, "cells",
                       "too many cells to enumerate (%zu values read): only rules that read no "
                       "score or label are checked",
                       u.c.n_dims);
        u.c.n_dims = 0;
        total = 1;
        for (g = 0; g < u.n_r; g++)
            if (u.r[g].var)
                u.r[g].fin = u.r[g].var = 0;
    }
    enumerate(&u, total);
    if (!l->rc)
        report(&u, &b);
done:
    tier__buf_free(&b);
    tier__free(l->a, u.r);
    tier__free(l->a, u.c.use);
    tier__free(l->a, u.stamp);
    tier__free(l->a, u.pairs);
}
