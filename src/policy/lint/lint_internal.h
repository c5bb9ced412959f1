/* SPDX-License-Identifier: MIT */
/* Policy lint (docs/policy-lint.md): what lint.c (models, references, types, caps, entitlements)
 * shares with lint_cells.c (finite domains: every cell of RFM scores and labels). */
#ifndef TIER_POLICY_LINT_INTERNAL_H
#define TIER_POLICY_LINT_INTERNAL_H

#include "policy/lang/ast.h"
#include "util/buf.h"

/* Severities of findings: the public ones and a note (counted as neither). */
enum { TIER__LINT_ERROR = 1, TIER__LINT_WARNING = 2, TIER__LINT_NOTE = 3 };

/* What lint knows about one model of the policy. */
typedef struct tier__lint_model {
    const tier__pmodel *pm;
    tier_model *m; /* a scratch model made by kind with the policy's options; NULL: unknown kind */
    int builtin;   /* TIER__LK_* of a built-in kind, 0 for a registered one */
    int bins;      /* rfm: scores per dimension (the model's option after the policy's options) */
} tier__lint_model;

enum {
    TIER__LK_RFM = 1,
    TIER__LK_PARETO,
    TIER__LK_SCORECARD,
    TIER__LK_CLV,
    TIER__LK_NEEDS,
    TIER__LK_LIFECYCLE
};

typedef struct tier__lint_finding {
    int sev, line, col;
    size_t seq; /* order of discovery: ties of position keep it */
    size_t off; /* where its text starts in the lint's text buffer (NUL-terminated) */
} tier__lint_finding;

typedef struct tier__lint {
    const tier_allocator *a;
    const tier__pol *pol;
    const tier_registry *reg;
    tier__lint_finding *finds;
    size_t n_finds, cap_finds;
    tier__buf texts; /* the findings' texts, each NUL-terminated */
    int rc;          /* TIER_OK, or the first TIER_ENOMEM: everything after it is skipped */
    tier__lint_model *models; /* the policy's models, then the implicit ones (below) */
    size_t n_models, cap_models;
    int by_calls;           /* built by calls (no origin): models are the caller's */
    tier__pmodel *implicit; /* by calls: a model per MODEL prefix that names a kind */
    size_t n_implicit, cap_implicit;
    tier_segmap *maps[2]; /* the built-in maps of rfm.segment (RF10) and rfm.value_class (RFM8) */
    const char *map_labels[2][16]; /* their segment names (borrowed from the maps) */
    size_t n_map_labels[2];
    size_t *overflow_in;     /* [n_tiers] how many caps overflow into each tier */
    unsigned char *rule_bad; /* [rules, in policy order] 1: its condition has an error */
    size_t n_errors;         /* errors found so far */
} tier__lint;

/* Adds one finding: "error: TEXT [check]" at line:col (TIER__LINT_*). Out of memory latches
 * l->rc. */
void tier__lint_add(tier__lint *l, int sev, int line, int col, const char *check, const char *fmt,
                    ...) TIER__PRINTF(6, 7);

/* The model of a reference "MODEL.OUTPUT" (NULL when the prefix names no model); *output gets
 * the part after the dot. */
tier__lint_model *tier__lint_model_of(const tier__lint *l, const char *ref, const char **output);
/* The type (TIER__PT_NUMBER or TIER__PT_TEXT) of output `name` of `lm`, 0 when the model has no
 * such output or its kind is unknown. */
int tier__lint_output_type(const tier__lint_model *lm, const char *name);
/* The label set of a label output whose labels are known without fitting (a table of the
 * built-in kinds; rfm's from its built-in segment maps): 1 and the labels, else 0. */
int tier__lint_labels(const tier__lint *l, const tier__lint_model *lm, const char *output,
                      const char *const **labels, size_t *n);
/* Index of let `name` among the first `limit` lets, or -1. */
long tier__lint_let(const tier__pol *pol, const char *name, size_t limit);
/* 1 when two expressions are the same tree. */
int tier__lint_same(const tier__pexpr *x, const tier__pexpr *y);
/* The label of `e` in messages: a reference or literal as written, else `what`. */
const char *tier__lint_show(const tier__pexpr *e, char *buf, size_t cap, const char *what);

/* Other lookups and helpers of lint.c. */
long tier__lint_window(const tier__pol *pol, const char *name);
long tier__lint_find_model(const tier__pol *pol, const char *name);
const char *tier__lint_type_name(int type);
/* Levenshtein distance of two names, capped at 3. */
int tier__lint_distance(const char *x, const char *y);
/* The options (outputs: 0) or outputs (1) a model declares, as "a, b, c" ("none"). */
void tier__lint_names(const tier_model *m, int outputs, char *buf, size_t cap);
/* " (did you mean NAME?)" for the closest option or output within two edits, else "". */
void tier__lint_suggest(const tier_model *m, int outputs, const char *wrong, char *buf, size_t cap);

/* lint_refs.c: references and types, attributes, unused windows and lets. */
void tier__lint_refs(tier__lint *l);

/* lint_cells.c: tiers and rules that can never match, overlapping and uncovered cells. */
void tier__lint_cells(tier__lint *l);

#endif
