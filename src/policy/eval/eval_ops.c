/* SPDX-License-Identifier: MIT */
/* The operators of policy expressions over whole columns (eval_internal.h): arithmetic,
 * comparisons of numbers and of texts (as codes), and/or, in, between and is missing. */
#include <math.h>
#include <string.h>

#include "policy/eval/eval_internal.h"

/* ---- operators ------------------------------------------------------------------------------ */

void *tier__op_column(tier__ectx *c, size_t elem)
{
    return tier__malloc_n(c->a, c->n, elem);
}

/* A column of c's rows for values of `type`: codes (texts), bools or numbers. */
static void *typed_column(tier__ectx *c, int type)
{
    return tier__op_column(c, type == TIER__PT_TEXT   ? sizeof(int32_t)
                              : type == TIER__PT_BOOL ? sizeof(unsigned char)
                                                      : sizeof(double));
}

/* v holds and owns the column o (of typed_column for v->type). */
static void hold_column(tier__eval_val *v, void *o)
{
    if (v->type == TIER__PT_TEXT)
        v->codes = o;
    else if (v->type == TIER__PT_BOOL)
        v->b = o;
    else
        v->num = o;
    v->own = o;
}

/* Makes a scalar a column (numbers, codes or bools). */
int tier__op_spread(tier__ectx *c, tier__eval_val *v)
{
    void *o;
    if (!v->scalar)
        return TIER_OK;
    if (!(o = typed_column(c, v->type)))
        return TIER_ENOMEM;
    tier__eval_fill(c, v, o);
    hold_column(v, o);
    v->scalar = 0;
    return TIER_OK;
}

/* What an operator's slices of rows share (tier__eval_slices): the operands, the result column
 * and, for texts, the codes the rows are compared with. */
typedef struct op_job {
    int op;
    const tier__eval_val *l, *rt, *h;
    void *o;
    const int32_t *map;       /* compare_texts: the left code of each right code (-2: none) */
    const unsigned char *hit; /* in_list on texts: the codes in the list */
    const tier__pexpr *e;     /* in_list on numbers: the list */
    int32_t want;             /* compare_texts with a scalar: the left code of its text */
    int flag;                 /* compare_texts: == (1) or != (0); in_list, missing: the sense */
} op_job;

static void op_job_init(op_job *j, int op, const tier__eval_val *l, const tier__eval_val *rt)
{
    memset(j, 0, sizeof *j);
    j->op = op;
    j->l = l;
    j->rt = rt;
}

/* Runs the job j over c's rows, `rows` writing a new column of `type` (j->o), which out then
 * holds as a column of that type and owns. */
static int column_op(tier__ectx *c, int type, op_job *j, tier__par_slice_fn rows,
                     tier__eval_val *out)
{
    if (!(j->o = typed_column(c, type)))
        return TIER_ENOMEM;
    tier__eval_slices(c, rows, j);
    out->type = type;
    hold_column(out, j->o);
    return TIER_OK;
}

/* EXPR of a (left) and b (right) into o[r] for the rows [b0, e0) of a slice. */
#define NUM_LOOP(EXPR)                             \
    do {                                           \
        if (l->scalar) {                           \
            const double a = l->s;                 \
            for (r = b0; r < e0; r++) {            \
                const double b = rv[r];            \
                o[r] = (EXPR);                     \
            }                                      \
        } else if (rs) {                           \
            const double b = rsv;                  \
            for (r = b0; r < e0; r++) {            \
                const double a = lv[r];            \
                o[r] = (EXPR);                     \
            }                                      \
        } else {                                   \
            for (r = b0; r < e0; r++) {            \
                const double a = lv[r], b = rv[r]; \
                o[r] = (EXPR);                     \
            }                                      \
        }                                          \
    } while (0)

/* The operands of NUM_LOOP in a slice function. */
#define NUM_OPERANDS(j)                                              \
    const tier__eval_val *l = (j)->l;                                \
    const double *lv = l->num, *rv = (j)->rt->num, rsv = (j)->rt->s; \
    const int rs = (j)->rt->scalar;                                  \
    size_t r

static void unary_rows(void *arg, size_t k, size_t b0, size_t e0)
{
    const op_job *j = arg;
    size_t r;
    (void)k;
    if (j->op == TIER__POP_NOT) {
        const unsigned char *x = j->l->b;
        unsigned char *o = j->o;
        for (r = b0; r < e0; r++)
            o[r] = (unsigned char)!x[r];
    } else {
        const double *x = j->l->num;
        double *o = j->o;
        for (r = b0; r < e0; r++)
            o[r] = -x[r];
    }
}

int tier__op_unary(tier__ectx *c, int op, const tier__eval_val *l, tier__eval_val *out)
{
    op_job j;
    op_job_init(&j, op, l, NULL);
    return column_op(c, op == TIER__POP_NOT ? TIER__PT_BOOL : TIER__PT_NUMBER, &j, unary_rows, out);
}

static double arith1(int op, double a, double b)
{
    switch (op) {
    case TIER__POP_ADD:
        return a + b;
    case TIER__POP_SUB:
        return a - b;
    case TIER__POP_MUL:
        return a * b;
    default:
        return b == 0 ? NAN : a / b;
    }
}

static int cmp1(int op, double a, double b)
{
    switch (op) {
    case TIER__POP_EQ:
        return a == b;
    case TIER__POP_NE:
        return a == a && b == b && a != b;
    case TIER__POP_LT:
        return a < b;
    case TIER__POP_LE:
        return a <= b;
    case TIER__POP_GT:
        return a > b;
    default:
        return a >= b;
    }
}

static void arith_rows(void *arg, size_t k, size_t b0, size_t e0)
{
    const op_job *j = arg;
    double *o = j->o;
    NUM_OPERANDS(j);
    (void)k;
    switch (j->op) {
    case TIER__POP_ADD:
        NUM_LOOP(a + b);
        break;
    case TIER__POP_SUB:
        NUM_LOOP(a - b);
        break;
    case TIER__POP_MUL:
        NUM_LOOP(a * b);
        break;
    default:
        NUM_LOOP(b == 0 ? NAN : a / b);
        break;
    }
}

int tier__op_arith(tier__ectx *c, int op, const tier__eval_val *l, const tier__eval_val *rt,
                   tier__eval_val *out)
{
    op_job j;
    if (l->scalar && rt->scalar) {
        out->type = TIER__PT_NUMBER;
        out->scalar = 1;
        out->s = arith1(op, l->s, rt->s);
        return TIER_OK;
    }
    op_job_init(&j, op, l, rt);
    return column_op(c, TIER__PT_NUMBER, &j, arith_rows, out);
}

/* Number comparisons: IEEE comparisons with NaN are false, and != tests both sides. */
static void compare_rows(void *arg, size_t k, size_t b0, size_t e0)
{
    const op_job *j = arg;
    unsigned char *o = j->o;
    NUM_OPERANDS(j);
    (void)k;
    switch (j->op) {
    case TIER__POP_EQ:
        NUM_LOOP((unsigned char)(a == b));
        break;
    case TIER__POP_NE:
        NUM_LOOP((unsigned char)((a == a) & (b == b) & (a != b)));
        break;
    case TIER__POP_LT:
        NUM_LOOP((unsigned char)(a < b));
        break;
    case TIER__POP_LE:
        NUM_LOOP((unsigned char)(a <= b));
        break;
    case TIER__POP_GT:
        NUM_LOOP((unsigned char)(a > b));
        break;
    default:
        NUM_LOOP((unsigned char)(a >= b));
        break;
    }
}

int tier__op_compare_numbers(tier__ectx *c, int op, const tier__eval_val *l,
                             const tier__eval_val *rt, tier__eval_val *out)
{
    op_job j;
    out->type = TIER__PT_BOOL;
    if (l->scalar && rt->scalar) {
        out->scalar = 1;
        out->s = cmp1(op, l->s, rt->s);
        return TIER_OK;
    }
    op_job_init(&j, op, l, rt);
    return column_op(c, TIER__PT_BOOL, &j, compare_rows, out);
}

/* The code in `d` (texts, n) of text code `code` of `from`, -2 when `d` lacks it. */
static int32_t code_in(const char *const *texts, size_t n, const char *s)
{
    size_t i;
    if (!s)
        return -2;
    for (i = 0; i < n; i++)
        if (texts[i] && strcmp(texts[i], s) == 0)
            return (int32_t)i;
    return -2;
}

static const char *text_of(const tier__eval_val *v, int32_t code)
{
    return code >= 0 && (size_t)code < v->n_texts ? v->texts[code] : NULL;
}

/* A text column against the code j->want (j->rt a scalar), or against a text column through
 * j->map, for the rows of a slice. */
static void texts_rows(void *arg, size_t k, size_t b0, size_t e0)
{
    const op_job *j = arg;
    const int32_t *lc = j->l->codes, want = j->want;
    unsigned char *o = j->o;
    size_t r;
    (void)k;
    if (j->map) {
        const int32_t *rc = j->rt->codes, *map = j->map;
        const size_t nr = j->rt->n_texts;
        const int eq = j->flag;
        for (r = b0; r < e0; r++) {
            int32_t a = lc[r], b = rc[r];
            int both = a >= 0 && b >= 0 && (size_t)b < nr;
            o[r] = (unsigned char)(both && ((a == map[b]) == eq));
        }
    } else if (j->flag) {
        for (r = b0; r < e0; r++)
            o[r] = (unsigned char)((lc[r] >= 0) & (lc[r] == want));
    } else {
        for (r = b0; r < e0; r++)
            o[r] = (unsigned char)((lc[r] >= 0) & (lc[r] != want));
    }
}

/* No row is true: a text compared with a missing scalar. */
static void false_rows(void *arg, size_t k, size_t b0, size_t e0)
{
    const op_job *j = arg;
    (void)k;
    memset((unsigned char *)j->o + b0, 0, e0 - b0);
}

/* Text == / !=: the right side's codes are mapped once into the left side's dictionary, so rows
 * compare integers. A missing side (code < 0) makes both false. */
int tier__op_compare_texts(tier__ectx *c, const tier__pexpr *e, const tier__eval_val *l0,
                           const tier__eval_val *r0, tier__eval_val *out, char *err)
{
    const tier__eval_val *l = l0, *rt = r0;
    const int eq = e->op == TIER__POP_EQ;
    int rc;
    op_job j;
    out->type = TIER__PT_BOOL;
    if (l->scalar && !rt->scalar) { /* column on the left */
        l = r0;
        rt = l0;
    }
    if (l->scalar) {
        const char *a = text_of(l, l->sc), *b = text_of(rt, rt->sc);
        out->scalar = 1;
        out->s = a && b && (strcmp(a, b) == 0) == eq;
        return TIER_OK;
    }
    op_job_init(&j, e->op, l, rt);
    j.flag = eq;
    if (rt->scalar) {
        const char *b = text_of(rt, rt->sc);
        j.want = code_in(l->texts, l->n_texts, b);
        rc = column_op(c, TIER__PT_BOOL, &j, b ? texts_rows : false_rows, out);
    } else {
        /* map[k]: the left code of right text k (-2: not among the left's texts). */
        int32_t *map = tier__malloc_n(c->a, rt->n_texts, sizeof *map);
        tier__tdict d;
        size_t k;
        memset(&d, 0, sizeof d);
        if (!map)
            return tier__eval_nomem(e, err);
        for (k = 0; k < l->n_texts; k++) {
            if (l->texts[k] && tier__tdict_add(c->a, &d, l->texts[k]) < 0) {
                tier__tdict_free(c->a, &d);
                tier__free(c->a, map);
                return tier__eval_nomem(e, err);
            }
        }
        /* The dictionary numbers left texts in order, skipping NULLs: map back through it. */
        for (k = 0; k < rt->n_texts; k++) {
            int32_t dc = rt->texts[k] ? tier__tdict_find(&d, rt->texts[k]) : -1;
            map[k] = dc < 0 ? -2 : code_in(l->texts, l->n_texts, rt->texts[k]); /* = d's text */
        }
        tier__tdict_free(c->a, &d);
        j.map = map;
        rc = column_op(c, TIER__PT_BOOL, &j, texts_rows, out);
        tier__free(c->a, map);
    }
    return rc ? tier__eval_nomem(e, err) : TIER_OK;
}

/* and / or of two bool columns (j->rt NULL: a copy of j->l) for the rows of a slice. */
static void logic_rows(void *arg, size_t k, size_t b0, size_t e0)
{
    const op_job *j = arg;
    const unsigned char *a = j->l->b;
    unsigned char *o = j->o;
    size_t r;
    (void)k;
    if (!j->rt) {
        memcpy(o + b0, a + b0, e0 - b0);
    } else if (j->op == TIER__POP_AND) {
        const unsigned char *b = j->rt->b;
        for (r = b0; r < e0; r++)
            o[r] = a[r] & b[r];
    } else {
        const unsigned char *b = j->rt->b;
        for (r = b0; r < e0; r++)
            o[r] = a[r] | b[r];
    }
}

int tier__op_logic(tier__ectx *c, int op, const tier__eval_val *l, const tier__eval_val *rt,
                   tier__eval_val *out)
{
    op_job j;
    out->type = TIER__PT_BOOL;
    if (l->scalar && rt->scalar) {
        out->scalar = 1;
        out->s = op == TIER__POP_AND ? (l->s != 0 && rt->s != 0) : (l->s != 0 || rt->s != 0);
        return TIER_OK;
    }
    if (l->scalar || rt->scalar) {
        const tier__eval_val *s = l->scalar ? l : rt, *col = l->scalar ? rt : l;
        int sv = s->s != 0;
        if ((op == TIER__POP_AND && !sv) || (op == TIER__POP_OR && sv)) {
            out->scalar = 1;
            out->s = sv;
            return TIER_OK;
        }
        op_job_init(&j, op, col, NULL);
    } else {
        op_job_init(&j, op, l, rt);
    }
    return column_op(c, TIER__PT_BOOL, &j, logic_rows, out);
}

/* in / not in (j->flag: negated) for the rows of a slice: texts through j->hit, numbers against
 * the list of j->e. */
static void in_rows(void *arg, size_t k0, size_t b0, size_t e0)
{
    const op_job *j = arg;
    const tier__eval_val *x = j->l;
    const int negate = j->flag;
    unsigned char *o = j->o;
    size_t r, k;
    (void)k0;
    if (j->hit) {
        for (r = b0; r < e0; r++) {
            int32_t code = x->codes[r];
            int present = code >= 0 && (size_t)code < x->n_texts;
            o[r] = (unsigned char)(present && (j->hit[present ? code : 0] != negate));
        }
    } else {
        const double *v = x->num;
        const tier__pexpr *e = j->e;
        for (r = b0; r < e0; r++) {
            int found = 0;
            for (k = 1; k < e->n_args; k++)
                found |= v[r] == e->args[k]->num;
            o[r] = (unsigned char)(v[r] == v[r] && (found != negate));
        }
    }
}

int tier__op_in_list(tier__ectx *c, const tier__pexpr *e, const tier__eval_val *x,
                     tier__eval_val *out, char *err)
{
    size_t k;
    unsigned char *hit = NULL;
    int rc;
    op_job j;
    if (tier__op_spread((tier__ectx *)c, (tier__eval_val *)x))
        return tier__eval_nomem(e, err);
    op_job_init(&j, e->op, x, NULL);
    j.flag = e->op == TIER__POP_NOT;
    j.e = e;
    if (x->type == TIER__PT_TEXT) {
        /* A table over the dictionary: which codes are in the list. */
        if (!(hit = tier__calloc(c->a, x->n_texts + 1, 1)))
            return tier__eval_nomem(e, err);
        for (k = 1; k < e->n_args; k++) {
            int32_t code = code_in(x->texts, x->n_texts, e->args[k]->text);
            if (code >= 0)
                hit[code] = 1;
        }
        j.hit = hit;
    }
    rc = column_op(c, TIER__PT_BOOL, &j, in_rows, out);
    tier__free(c->a, hit);
    return rc ? tier__eval_nomem(e, err) : TIER_OK;
}

static void between_rows(void *arg, size_t k, size_t b0, size_t e0)
{
    const op_job *j = arg;
    const tier__eval_val *x = j->l, *lo = j->rt, *hi = j->h;
    unsigned char *o = j->o;
    size_t r;
    (void)k;
    for (r = b0; r < e0; r++) {
        double v = x->scalar ? x->s : x->num[r];
        double a = lo->scalar ? lo->s : lo->num[r];
        double b = hi->scalar ? hi->s : hi->num[r];
        o[r] = (unsigned char)(v >= a && v <= b);
    }
}

int tier__op_between(tier__ectx *c, const tier__eval_val *x, const tier__eval_val *lo,
                     const tier__eval_val *hi, tier__eval_val *out)
{
    op_job j;
    op_job_init(&j, 0, x, lo);
    j.h = hi;
    return column_op(c, TIER__PT_BOOL, &j, between_rows, out);
}

/* is missing (j->flag 1) / is not missing (0) of a text or number column for a slice's rows. */
static void missing_rows(void *arg, size_t k, size_t b0, size_t e0)
{
    const op_job *j = arg;
    const tier__eval_val *x = j->l;
    const int want = j->flag;
    unsigned char *o = j->o;
    size_t r;
    (void)k;
    if (x->type == TIER__PT_TEXT)
        for (r = b0; r < e0; r++)
            o[r] = (unsigned char)((x->codes[r] < 0) == want);
    else
        for (r = b0; r < e0; r++)
            o[r] = (unsigned char)((x->num[r] != x->num[r]) == want);
}

int tier__op_missing(tier__ectx *c, const tier__pexpr *e, const tier__eval_val *x,
                     tier__eval_val *out)
{
    const unsigned char want = e->op == TIER__POP_NOT ? 0 : 1;
    op_job j;
    out->type = TIER__PT_BOOL;
    if (x->scalar || x->type == TIER__PT_BOOL) {
        int m = x->type == TIER__PT_TEXT ? x->sc < 0 : x->type == TIER__PT_NUMBER ? isnan(x->s) : 0;
        if (!x->scalar)
            m = 0; /* a bool is never missing */
        out->scalar = 1;
        out->s = m == want;
        return TIER_OK;
    }
    op_job_init(&j, e->op, x, NULL);
    j.flag = want;
    return column_op(c, TIER__PT_BOOL, &j, missing_rows, out);
}
