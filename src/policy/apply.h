/* SPDX-License-Identifier: MIT */
/* Applying a policy to the scored customers of a run (docs/policy-format.md, "Tiers, rules and
 * caps", "Flags", "Routing"): rows, first matching rule, caps, flags, routing, back to customers.
 */
#ifndef TIER_POLICY_APPLY_H
#define TIER_POLICY_APPLY_H

#include "policy/eval/eval.h"
#include "policy/lang/ast.h"
#include "policy/org/rows.h"

typedef struct tier__apply_in {
    const tier__pol *pol;
    const char *origin; /* names the policy text in messages; NULL when built by calls */
    const tier_book *book;
    const tier_frame *frame; /* the model outputs, one row per customer */
    double as_of;            /* a day, or NaN: the day after the book's last transaction */
    /* Frozen population figures (policy/eval/eval.h), or NULL: with collect 1 the run records
     * them (ref->caps must have one entry per tier), with collect 0 each row is placed against
     * them; routing as ref->route says. */
    tier__policy_ref *ref;
    /* tier__policy_apply_rows only: NULL places the rows; else the rows' tiers (after a history
     * decided them), and only the flags are evaluated, over these tiers. */
    const int32_t *row_tiers;
    /* tier__policy_apply_rows with a frozen routing (ref->route): each given row's row in the
     * frozen run (NULL: the same index). */
    const size_t *row_ids;
} tier__apply_in;

/* What a run keeps per customer. Texts are owned (allocated with the allocator of the call). */
typedef struct tier__applied {
    size_t customers;
    int32_t *tier;   /* [customers] tier index, -1 none */
    int32_t *reason; /* [customers] index into reasons, -1 none */
    char **reasons;  /* distinct: rule names (in tier and rule order), cap and member reasons */
    size_t n_reasons;
    int32_t *flags;   /* [customers] index into flag_sets, -1 no flag */
    char **flag_sets; /* distinct "name;name" texts */
    size_t n_flag_sets;
    int routes;     /* 1 when the policy routes */
    int32_t *route; /* [customers] index into teams, -1 not routed (NULL when !routes) */
    char **teams;
    size_t n_teams;
    char **report; /* one line per team over its capacity */
    size_t n_report;
    /* What tier_history_apply needs (docs/history.md). */
    int32_t *cap_reason;   /* [customers] index into reasons of the cap that moved its row, -1 */
    int32_t *demote_slot;  /* [n_tiers] slot of tier t's `demote when` in demote, -1: none */
    unsigned char *demote; /* [n_demote * customers] 1: that `demote when` holds for customer */
    size_t n_demote;
} tier__applied;

/* What explain needs about one customer (filled when a trace is given). */
typedef struct tier__trace_cap {
    int32_t tier;      /* the tier whose cap saw the row */
    size_t rank;       /* 1-based position among its candidates */
    size_t candidates; /* candidates of the tier */
    size_t limit;      /* how many stay */
    double value;      /* the criterion (NaN: missing) */
    int kept;          /* 1 stayed, 0 moved to the overflow tier */
} tier__trace_cap;

typedef struct tier__trace {
    size_t customer; /* in: the customer to trace */
    size_t row, lead;
    int member;                /* 1 when the tier is its group's (reason "member of ...") */
    unsigned char *rule_value; /* [sum of rules] value of each rule, tier by tier, for the row */
    size_t n_rule_values;
    int32_t matched_tier, matched_rule; /* the first rule that held (rule index in its tier) */
    tier__trace_cap *caps;
    size_t n_caps;
    double *window;  /* [n_windows] the row's figures */
    int *let_type;   /* [n_lets] TIER__PT_* */
    double *let_num; /* [n_lets] numbers and bools */
    char **let_text; /* [n_lets] texts (NULL: missing) */
    size_t n_lets;
    unsigned char *flag_value; /* [n_flags] */
    int route_overflow;
} tier__trace;

/* Places every customer. TIER_OK, or the failure with err saying where ("ORIGIN:LINE:COL: ..."
 * for a policy file, "rule 'R' of tier 'T': ..." for one built by calls): TIER_ENOTFOUND
 * (unknown output or name), TIER_EPARSE / TIER_EINVAL (types), TIER_ESTATE (a window needs the
 * transactions), TIER_EINVAL (hierarchy, routing), TIER_ERANGE, TIER_ENOMEM. On failure *out and
 * *trace are empty. */
int tier__policy_apply(const tier__apply_in *in, const tier_allocator *a, tier__applied *out,
                       tier__trace *trace, char *err);
/* The flags and routing phase alone, over given tiers instead of the placed ones: `tiers` holds
 * each customer's tier (-1: none), e.g. the final tiers after a history (docs/history.md); a row
 * of a hierarchy takes its lead customer's. Fills only out->customers, flags, flag_sets, routes,
 * route, teams and report. With a trace already filled by tier__policy_apply (its flag_value
 * allocated), overwrites its flag_value and route_overflow. Errors as tier__policy_apply; on
 * failure *out is empty and the trace's flags are unspecified. */
int tier__policy_flags(const tier__apply_in *in, const int32_t *tiers, const tier_allocator *a,
                       tier__applied *out, tier__trace *trace, char *err);
void tier__applied_free(const tier_allocator *a, tier__applied *out);
void tier__trace_free(const tier_allocator *a, tier__trace *t);

/* The one-row path of incremental re-tiering (docs/retier.md): the policy placed on the given
 * rows alone (a rowset of one customer, or of one group) with in->ref frozen (collect 0), the
 * windows from `wfn` (NULL: the book's), the types of the nodes from `memo` (may be NULL), through
 * the same rules, caps, flags and demote conditions as tier__policy_apply. Everything is allocated
 * with `a` (which the caller may reset as a whole). */
typedef struct tier__rows_out {
    size_t n;              /* rows */
    size_t words;          /* uint64_t words of flag bits per row */
    int32_t *tier;         /* [n] tier index, -1 none */
    int32_t *rule;         /* [n] rule index (tier-major), -2 - t: moved by the cap of tier t, -1 */
    uint64_t *flags;       /* [n * words] bit f: flag f holds */
    unsigned char *demote; /* [n_tiers * n]: tier t's `demote when` holds for row r (0 without) */
    /* with routing (against the frozen run): each row's team (allocated with `a`), NULL when
     * not routed; its overflow is the flag bit n_flags */
    const char **route;
    char **teams; /* the names route points at (owned, allocated with `a`) */
    size_t n_teams;
} tier__rows_out;
int tier__policy_apply_rows(const tier__apply_in *in, const tier__rowset *rows, tier__window_fn wfn,
                            void *wud, tier__type_memo *memo, const tier_allocator *a,
                            tier__rows_out *out, char *err);
/* The first rule index of tier t (rules are numbered tier-major). */
size_t tier__policy_rule_base(const tier__pol *pol, size_t t);

/* "over the cap of S (15% by revenue_12m)" into *out (owned). TIER_OK or TIER_ENOMEM. */
int tier__cap_reason(const tier_allocator *a, const tier__ptier *t, char **out);

#endif
