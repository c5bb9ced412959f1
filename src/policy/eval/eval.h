/* SPDX-License-Identifier: MIT */
/* Column-wise evaluation of policy expressions over the rows of a run. */
#ifndef TIER_POLICY_EVAL_H
#define TIER_POLICY_EVAL_H

#include "policy/lang/ast.h"
#include "policy/org/rows.h"

typedef struct tier__ectx tier__ectx;

/* A context for evaluating the expressions of `pol` over `rows` (NULL: one row per frame row).
 * `book` may be NULL (then attributes and windows are errors when used); `frame` holds the model
 * outputs; as_of: a day, or NaN for the day after the book's last transaction. Windows and lets
 * are computed on first use and cached. TIER_OK, TIER_ENOMEM. */
int tier__ectx_new(tier__ectx **out, const tier_allocator *a, const tier__pol *pol,
                   const tier_book *book, const tier_frame *frame, const tier__rowset *rows,
                   double as_of, char *err);
void tier__ectx_free(tier__ectx *c);
size_t tier__ectx_rows(const tier__ectx *c);
/* The tier of each row as text, for `tier` in flags and routing (names[tiers[r]], -1: missing). */
void tier__ectx_set_tiers(tier__ectx *c, const int32_t *tiers, char *const *names, size_t n_names);

/* The type an expression has (TIER__PT_*), or an error (TIER_EPARSE with "LINE:COL: ..." in err;
 * TIER_ENOTFOUND for an unknown reference, naming it). */
int tier__eval_type(tier__ectx *c, const tier__pexpr *e, int *type, char *err);
/* Evaluates into out[rows]: bool as 0/1, number as double (NaN missing); text as a code into a
 * list of texts owned by the context (*texts, *n_texts; -1 missing). Errors as tier__eval_type. */
int tier__eval_bool(tier__ectx *c, const tier__pexpr *e, unsigned char *out, char *err);
int tier__eval_number(tier__ectx *c, const tier__pexpr *e, double *out, char *err);
int tier__eval_text(tier__ectx *c, const tier__pexpr *e, int32_t *out, const char *const **texts,
                    size_t *n_texts, char *err);

#endif
