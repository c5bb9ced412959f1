/* SPDX-License-Identifier: MIT */
/* What the statement parser (parse.c) and the expression parser (parse_expr.c) share. */
#ifndef TIER_POLICY_PARSE_H
#define TIER_POLICY_PARSE_H

#include "policy/lang/ast.h"
#include "policy/lang/lex.h"

typedef struct tier__pstate {
    const tier_allocator *a;
    tier__lex lx;
    tier__pol *pol;
    int *let_types; /* [n_lets] TIER__PT_* of each let (TIER__PT_NONE: known only when run) */
    size_t let_types_cap;
    int allow_tier; /* `tier` may be read (flags, routing) */
    int depth;      /* of the expression parser's recursion */
    /* capacities of the tree's arrays */
    size_t c_models, c_windows, c_lets, c_entdecls, c_tiers, c_flags, c_teams, c_rules, c_ents;
    size_t n_rules; /* over all tiers */
    int (*ovf)[2];  /* [n_tiers] where each cap's overflow tier is named (line, col) */
    size_t c_ovf;
} tier__pstate;

/* The current token. */
#define TIER__CUR(ps) (&(ps)->lx.tok)

/* Reads the next token; the lexer's status. */
int tier__pp_next(tier__pstate *ps);
/* Records "expected WHAT [after 'AFTER'], got <the current token>" at the current token. */
int tier__pp_expected(tier__pstate *ps, const char *what, const char *after);
/* Records a failure at line:col; returns rc (the first failure is kept). */
int tier__pp_fail(tier__pstate *ps, int rc, int line, int col, const char *fmt, ...)
    TIER__PRINTF(5, 6);
/* A copy of s[0..n) (allocation failures recorded at line:col): NULL on failure. */
char *tier__pp_strndup(tier__pstate *ps, const char *s, size_t n, int line, int col);

/* Parses an expression at the current token; *out is the tree (NULL on failure) and *type its
 * TIER__PT_* type when known at parse time (TIER__PT_NONE when it depends on model outputs or
 * attributes). */
int tier__pp_expr(tier__pstate *ps, tier__pexpr **out, int *type);
/* Name of a TIER__PT_* type for messages ("a number"). */
const char *tier__pp_type_name(int type);
/* Index of model / window / let `name` (n bytes), or -1. */
long tier__pp_find_model(const tier__pol *pol, const char *name, size_t n);
long tier__pp_find_window(const tier__pol *pol, const char *name, size_t n);
long tier__pp_find_let(const tier__pol *pol, const char *name, size_t n);

/* Helpers of the statement parsers (parse.c), for the blocks (parse_block.c). */
int tier__pp_nomem(tier__pstate *ps);
int tier__pp_room(tier__pstate *ps, void **arr, size_t *cap, size_t n, size_t elem,
                  const char *what, int line, int col);
int tier__pp_end_of_line(tier__pstate *ps, const char *after);
/* The condition after `when` (the current token starts it): a bool expression that ends the
 * line, into *out. allow_tier: whether it may read `tier` (a flag's may). `what` names it in the
 * messages ("the rule's condition"). */
int tier__pp_condition(tier__pstate *ps, int allow_tier, tier__pexpr **out, const char *what);
int tier__pp_is_name(const tier__tok *t);
int tier__pp_text_arg(tier__pstate *ps, const char *what, const char *after, char **out,
                      int allow_empty);
int tier__pp_opt_doc(tier__pstate *ps, char **doc);
int tier__pp_expect_op(tier__pstate *ps, const char *op, const char *after);
int tier__pp_expect_word(tier__pstate *ps, const char *word, const char *after);
int tier__pp_number_arg(tier__pstate *ps, const char *what, const char *after, double *v, int *pct);
int tier__pp_whole(double v);
int tier__pp_attr_ref(tier__pstate *ps, const char *after, char **out);
long tier__pp_find_entdecl(const tier__pol *pol, const char *name, size_t n);
int tier__pp_open_block(tier__pstate *ps, const char *after);
int tier__pp_block_line(tier__pstate *ps, const char *what, int line, int col, int *ended);
int tier__pp_duplicate(tier__pstate *ps, long found, const char *kind, const char *name, int line,
                       int col);
/* tier NAME ["DOC"] { ... } and routing { ... } (parse_block.c). */
int tier__pp_tier(tier__pstate *ps);
int tier__pp_routing(tier__pstate *ps);

#endif
