/* SPDX-License-Identifier: MIT */
/* What the evaluator's files share (eval.c: references, operators and caches; eval_func.c: the
 * functions and the text dictionaries). */
#ifndef TIER_POLICY_EVAL_INTERNAL_H
#define TIER_POLICY_EVAL_INTERNAL_H

#include "policy/eval/eval.h"
#include "util/par_tasks.h"

/* A value of every row: a column, or one value for every row (scalar). Texts are codes into a
 * dictionary of distinct texts (borrowed from the frame, the book, the tree or the context). */
typedef struct tier__eval_val {
    int type;   /* TIER__PT_NUMBER, _TEXT, _BOOL; TIER__PT_NONE: an unknown attribute (missing) */
    int scalar; /* 1: s (number, bool) or sc (text code) holds for every row */
    double s;
    int32_t sc;
    const double *num;
    const int32_t *codes;
    const unsigned char *b;
    const char *const *texts;
    size_t n_texts;
    void *own; /* the column when this value owns it (freed by tier__eval_drop) */
} tier__eval_val;

/* A set of distinct texts: codes by text (open addressing). */
typedef struct tier__tdict {
    const char **texts; /* code -> text (borrowed) */
    size_t n, cap;
    uint32_t *slots; /* code + 1, 0 = empty; nslots a power of two */
    size_t nslots;
} tier__tdict;

struct tier__ectx {
    const tier_allocator *a;
    const tier__pol *pol;
    const tier_book *book;
    const tier_frame *frame;
    const tier__rowset *rows; /* NULL: one row per frame row */
    int identity;             /* rows are the frame's rows, one to one */
    size_t n;
    int32_t from_all, to; /* the as-of day (INT32_MAX when none) */
    int have_day;
    /* caches */
    tier__eval_val *win;
    unsigned char *win_done;
    tier__eval_val *let;
    unsigned char *let_state; /* 0 not yet, 1 being computed, 2 done */
    int *let_type;            /* 0: not known yet */
    struct eref {
        char *name;
        tier__eval_val v;
    } * refs;
    size_t n_refs, cap_refs;
    void **keep; /* allocations that live as long as the context (dictionaries) */
    size_t n_keep, cap_keep;
    /* tiers, after tier__ectx_set_tiers */
    const int32_t *tiers;
    const char *const *tier_names;
    size_t n_tier_names;
    int have_tiers;
    /* frozen figures and the windows' source (tier__ectx_set_ref, tier__ectx_set_windows) */
    tier__policy_ref *ref;
    const char *call_key; /* the canonical text of the abc/pct_rank call being computed */
    tier__window_fn wfn;
    void *wud;
    tier__type_memo *memo; /* NULL: types are worked out per context */
};

/* A type error (or another error tied to a node): "LINE:COL: ..." (no position for a tree built
 * by calls); returns TIER_EPARSE, or TIER_EINVAL for a node built by calls (line 0). */
int tier__eval_fail(const tier__pexpr *e, char *err, const char *fmt, ...) TIER__PRINTF(3, 4);
/* The same for an out-of-memory failure: TIER_ENOMEM. */
int tier__eval_nomem(const tier__pexpr *e, char *err);
const char *tier__type_name(int type);

void tier__eval_drop(tier__ectx *c, tier__eval_val *v);
/* Evaluates `e`; `hint` is the type wanted where a value could be of any type (an unknown
 * attribute). The caller drops the value. */
int tier__eval_node(tier__ectx *c, const tier__pexpr *e, int hint, tier__eval_val *out, char *err);
int tier__eval_typeof(tier__ectx *c, const tier__pexpr *e, int depth, int *type, char *err);
/* Keeps an allocation until the context is freed (frees it and fails when out of memory). */
int tier__ectx_keep(tier__ectx *c, void *p);

/* Cached values by name (references; population functions by their canonical text): the entry,
 * or NULL. tier__eval_cache takes v's column (freed on failure: TIER_ENOMEM). */
struct eref *tier__eval_cached(tier__ectx *c, const char *name);
int tier__eval_cache(tier__ectx *c, const char *name, tier__eval_val *v);

/* Operators (eval_ops.c): whole columns, scalars where both sides are. TIER_OK or TIER_ENOMEM
 * (compare_texts and in_list: the error set as tier__eval_nomem does). */
void *tier__op_column(tier__ectx *c, size_t elem);
int tier__op_spread(tier__ectx *c, tier__eval_val *v);
/* `not` (op TIER__POP_NOT) of a bool column or `-` of a number column. */
int tier__op_unary(tier__ectx *c, int op, const tier__eval_val *l, tier__eval_val *out);
int tier__op_arith(tier__ectx *c, int op, const tier__eval_val *l, const tier__eval_val *rt,
                   tier__eval_val *out);
int tier__op_compare_numbers(tier__ectx *c, int op, const tier__eval_val *l,
                             const tier__eval_val *rt, tier__eval_val *out);
int tier__op_compare_texts(tier__ectx *c, const tier__pexpr *e, const tier__eval_val *l0,
                           const tier__eval_val *r0, tier__eval_val *out, char *err);
int tier__op_logic(tier__ectx *c, int op, const tier__eval_val *l, const tier__eval_val *rt,
                   tier__eval_val *out);
int tier__op_in_list(tier__ectx *c, const tier__pexpr *e, const tier__eval_val *x,
                     tier__eval_val *out, char *err);
int tier__op_between(tier__ectx *c, const tier__eval_val *x, const tier__eval_val *lo,
                     const tier__eval_val *hi, tier__eval_val *out);
int tier__op_missing(tier__ectx *c, const tier__pexpr *e, const tier__eval_val *x,
                     tier__eval_val *out);

/* Windows (eval.c, eval_rows.c): a window's value summed over a row's figures (1 on overflow;
 * *any: a figure was known), the value of the sum (NaN when no margin was known), and window k
 * of every row from the context's per-customer source. */
int tier__window_sum(const tier__pwindow *w, const tier__figures *f, int64_t *sum, int *any);
double tier__window_result(const tier__pwindow *w, int64_t sum, int any);
/* Window w of every row of c into o[row], from the customers' figures fig, in slices of rows on
 * the book's executor; returns the first row whose sum overflows (o then unfinished), or
 * SIZE_MAX. */
size_t tier__window_column(const tier__ectx *c, const tier__pwindow *w, const tier__figures *fig,
                           double *o);
int tier__window_rows(tier__ectx *c, const tier__pexpr *e, int k, tier__eval_val *v, char *err);
/* The type memo (eval_rows.c): the slot of node `key` (its key is NULL when not there), and a
 * node's type remembered (nothing when the memo cannot grow). */
size_t tier__memo_slot(const tier__type_memo *m, const void *key);
void tier__memo_put(tier__type_memo *m, const void *key, int type);

/* Functions (eval_func.c). */
int tier__eval_call_type(tier__ectx *c, const tier__pexpr *e, int depth, int *type, char *err);
int tier__eval_call(tier__ectx *c, const tier__pexpr *e, tier__eval_val *out, char *err);

/* Dictionaries (eval_func.c). */
void tier__tdict_free(const tier_allocator *a, tier__tdict *d);
/* The code of `s`, adding it when new: >= 0, or -1 when out of memory. */
int32_t tier__tdict_add(const tier_allocator *a, tier__tdict *d, const char *s);
/* The code of `s`, or -1. */
int32_t tier__tdict_find(const tier__tdict *d, const char *s);
/* Makes `v` the text column `codes` (which it then owns) over the dictionary's texts, which the
 * context keeps; empties the dictionary. Out of memory: the texts are freed, `codes` is not. */
int tier__tdict_give(tier__ectx *c, tier__tdict *d, int32_t *codes, tier__eval_val *v);

/* One value a row of `v` (a scalar: the same for every row of c) into `out`: unsigned char for a
 * bool, int32_t codes for a text, else double (eval.c), in slices of rows. */
void tier__eval_fill(const tier__ectx *c, const tier__eval_val *v, void *out);

/* Runs fn over the rows of c in contiguous slices on the book's executor (one slice without a
 * book or executor, or below 2 * TIER__EVAL_GRAIN rows); returns the number of slices. Each
 * slice writes only its own rows, so results never depend on the split. */
size_t tier__eval_slices(const tier__ectx *c, tier__par_slice_fn fn, void *arg);

#endif
