/* SPDX-License-Identifier: MIT */
/* The parsed form of a policy (docs/policy-format.md): what the parser builds, the builder calls
 * append to, describe prints back, lint checks and apply evaluates. Every string and array is
 * owned by the tree and allocated with the policy's allocator; tier__pol_clear() frees it all.
 * Line and column numbers are 1-based positions in the source text (0 for built by the API). */
#ifndef TIER_POLICY_AST_H
#define TIER_POLICY_AST_H

#include "util/buf.h"
#include "util/internal.h"

/* Limits (docs/policy-format.md, "Limits"). */
#define TIER__POL_MAX_BYTES ((size_t)1 << 20) /* source text */
#define TIER__POL_MAX_DEPTH 64                /* nesting of expressions */
#define TIER__POL_MAX_NAME 128                /* bytes of a name */
#define TIER__POL_MAX_TEXT 4096               /* bytes of a string literal */
#define TIER__POL_MAX_ITEMS 4096 /* of each kind: models, windows, lets, tiers, rules, ... */
#define TIER__POL_MAX_LIST 1024  /* items of one [...] list */

/* Value types of expressions, options and entitlements. */
enum { TIER__PT_NONE = 0, TIER__PT_NUMBER = 1, TIER__PT_TEXT = 2, TIER__PT_BOOL = 3 };

/* Expression node kinds. */
typedef enum tier__px_kind {
    TIER__PX_NUMBER = 1, /* num */
    TIER__PX_TEXT,       /* text */
    TIER__PX_BOOL,       /* num: 0 or 1 (true/false) */
    TIER__PX_REF,        /* text: a name as written ("rfm.r_score", "attr.industry", "engaged") */
    TIER__PX_UNARY,      /* op (NOT or NEG), args[0] */
    TIER__PX_BINARY,     /* op, args[0] op args[1] */
    TIER__PX_IN,      /* args[0] in [args[1..n)] (literals); op: 0, or TIER__POP_NOT for not in */
    TIER__PX_BETWEEN, /* args[0] between args[1] and args[2] (inclusive both ends) */
    TIER__PX_MISSING, /* args[0] is missing; op TIER__POP_NOT: is not missing */
    TIER__PX_CALL     /* text: function name; args[0..n) */
} tier__px_kind;

/* Operators (of UNARY and BINARY nodes). */
typedef enum tier__pop {
    TIER__POP_OR = 1,
    TIER__POP_AND,
    TIER__POP_NOT,
    TIER__POP_EQ,
    TIER__POP_NE,
    TIER__POP_LT,
    TIER__POP_LE,
    TIER__POP_GT,
    TIER__POP_GE,
    TIER__POP_ADD,
    TIER__POP_SUB,
    TIER__POP_MUL,
    TIER__POP_DIV,
    TIER__POP_NEG
} tier__pop;

typedef struct tier__pexpr {
    int kind; /* tier__px_kind */
    int op;   /* tier__pop (UNARY, BINARY), TIER__POP_NOT or 0 (IN, MISSING) */
    int line, col;
    double num;
    char *text;
    struct tier__pexpr **args;
    size_t n_args;
} tier__pexpr;

/* A literal value: of a model option, an entitlement or a list item. */
typedef struct tier__pvalue {
    int type;     /* TIER__PT_NUMBER, TIER__PT_TEXT, TIER__PT_BOOL, or TIER__PT_NONE for a list */
    double num;   /* NUMBER; BOOL: 0 or 1 */
    char *text;   /* TEXT */
    char **items; /* a list of texts (model options of list type): n_items strings */
    size_t n_items;
} tier__pvalue;

typedef struct tier__poption {
    char *name;
    tier__pvalue value;
    int line, col;
} tier__poption;

/* model NAME = KIND (OPTION = VALUE, ...) */
typedef struct tier__pmodel {
    char *name, *kind;
    tier__poption *opts;
    size_t n_opts;
    int line, col;
} tier__pmodel;

/* Measures and units of windows. */
enum { TIER__PW_REVENUE = 1, TIER__PW_MARGIN, TIER__PW_PURCHASES, TIER__PW_PURCHASE_DAYS };
enum { TIER__PW_ALL = 0, TIER__PW_DAYS = 1, TIER__PW_MONTHS = 2 };

/* window NAME = MEASURE over N days|months | all: a per-customer figure over the N days (or
 * calendar months) before the as-of day. */
typedef struct tier__pwindow {
    char *name;
    int measure; /* TIER__PW_REVENUE .. */
    int unit;    /* TIER__PW_ALL, _DAYS, _MONTHS */
    int amount;  /* N (0 for all) */
    int line, col;
} tier__pwindow;

/* let NAME = EXPR */
typedef struct tier__plet {
    char *name;
    tier__pexpr *expr;
    int line, col;
} tier__plet;

/* entitlement NAME TYPE "doc" */
typedef struct tier__pentdecl {
    char *name;
    int type;  /* TIER__PT_NUMBER, _TEXT, _BOOL */
    char *doc; /* may be NULL */
    int line, col;
} tier__pentdecl;

/* entitle NAME = VALUE (inside a tier) */
typedef struct tier__pent {
    char *name;
    tier__pvalue value;
    int line, col;
} tier__pent;

/* rule "REASON" when EXPR (when is NULL: always) */
typedef struct tier__prule {
    char *name;
    tier__pexpr *when;
    int line, col;
} tier__prule;

/* cap N% | cap N by EXPR [desc|asc] overflow TIER */
enum { TIER__PCAP_NONE = 0, TIER__PCAP_SHARE = 1, TIER__PCAP_COUNT = 2 };
typedef struct tier__pcap {
    int kind;        /* TIER__PCAP_NONE when the tier has no cap */
    double amount;   /* SHARE: a fraction in (0, 1] (15% is 0.15); COUNT: a whole number >= 0 */
    tier__pexpr *by; /* the criterion (a number expression) */
    int ascending;   /* 0: largest first (default), 1: smallest first */
    char *overflow;  /* the tier that takes the rest: a later tier */
    int line, col;
} tier__pcap;

/* Hysteresis of a tier (docs/history.md): `demote after N runs`, `demote when EXPR`,
 * `dwell N days`, each at most once per tier. */
typedef struct tier__phold {
    int after_runs;    /* N, 0 when not given */
    tier__pexpr *when; /* NULL when not given */
    int dwell_days;    /* N, 0 when not given */
    int after_line, after_col, when_line, when_col, dwell_line, dwell_col;
} tier__phold;

typedef struct tier__ptier {
    char *name;
    char *doc; /* may be NULL */
    tier__prule *rules;
    size_t n_rules;
    tier__pcap cap;
    tier__pent *ents;
    size_t n_ents;
    tier__phold hold;
    int line, col;
} tier__ptier;

/* flag NAME "doc" when EXPR: flags are evaluated after the tiers, and may read `tier`. */
typedef struct tier__pflag {
    char *name, *doc;
    tier__pexpr *when;
    int line, col;
} tier__pflag;

/* hierarchy parent = REF [children = inherit|own] */
enum { TIER__PH_INHERIT = 0, TIER__PH_OWN = 1 };
typedef struct tier__phier {
    int present;
    char *parent; /* the text attribute naming each account's parent, e.g. "attr.parent_id" */
    int children; /* TIER__PH_INHERIT or TIER__PH_OWN */
    int line, col;
} tier__phier;

/* Inside routing { }: team SCOPE "NAME with {region}/{city}" [capacity N accounts|revenue] */
enum { TIER__PR_NATIONAL = 1, TIER__PR_REGIONAL, TIER__PR_LOCAL };
enum { TIER__PRC_NONE = 0, TIER__PRC_ACCOUNTS = 1, TIER__PRC_REVENUE = 2 };
typedef struct tier__pteam {
    int scope; /* TIER__PR_NATIONAL .. */
    char *name;
    int capacity_kind; /* TIER__PRC_NONE, _ACCOUNTS, _REVENUE */
    double capacity;
    int line, col;
} tier__pteam;

typedef struct tier__proute {
    int present;
    tier__pexpr *accounts; /* which customers are routed (e.g. tier in ["S"]) */
    char *region, *city;   /* references, e.g. "attr.region" (city may be NULL) */
    char *scope;           /* optional reference giving the scope as text; NULL: derived */
    tier__pexpr *revenue;  /* what revenue capacity counts (NULL: the first revenue window) */
    tier__pteam *teams;
    size_t n_teams;
    int line, col;
} tier__proute;

/* The whole policy. */
typedef struct tier__pol {
    int version; /* the format version of `libtier-policy N` (1) */
    char *name, *description;
    tier__pmodel *models;
    size_t n_models;
    tier__pwindow *windows;
    size_t n_windows;
    tier__plet *lets;
    size_t n_lets;
    tier__pentdecl *entdecls;
    size_t n_entdecls;
    tier__ptier *tiers;
    size_t n_tiers;
    tier__pflag *flags;
    size_t n_flags;
    tier__phier hier;
    tier__proute route;
} tier__pol;

/* ---- ast.c ---- */
/* Frees everything the tree owns and zeroes it. */
void tier__pol_clear(const tier_allocator *a, tier__pol *pol);
/* Frees an expression tree (NULL is a no-op). */
void tier__pexpr_free(const tier_allocator *a, tier__pexpr *e);
/* A deep copy of `src` into *dst (zeroed first): TIER_OK or TIER_ENOMEM (nothing left behind). */
int tier__pol_copy(const tier_allocator *a, tier__pol *dst, const tier__pol *src);
/* The index of the first of the n `items` (each `size` bytes, a structure whose first member is
 * its `char *name`: models, windows, lets) named `name`, or -1. Items without a name never match.
 */
long tier__pol_find(const void *items, size_t n, size_t size, const char *name);

/* ---- parse.c ---- */
/* Parses `len` bytes of policy text into *out (zeroed first; cleared on failure). `origin` names
 * the text in messages ("policies/b2b-sabc.policy", "<string>"). On failure err gets
 * "ORIGIN:LINE:COL: what was wrong, expected what" and the status is TIER_EPARSE (syntax, type,
 * unknown name, duplicate), TIER_ERANGE (a limit), or TIER_ENOMEM. */
int tier__pol_parse(const tier_allocator *a, const char *text, size_t len, const char *origin,
                    tier__pol *out, char *err);

/* ---- describe.c ---- */
/* Appends the canonical text of the policy (the file format); parse(describe(p)) describes
 * identically. Returns the buffer's status. */
int tier__pol_describe(const tier__pol *pol, tier__buf *out);
/* Appends one expression in canonical form (fully determined parentheses). */
void tier__pexpr_describe(const tier__pexpr *e, tier__buf *out);

#endif
