/* SPDX-License-Identifier: MIT */
/* Column-wise evaluation of policy expressions over the rows of a run. */
#ifndef TIER_POLICY_EVAL_H
#define TIER_POLICY_EVAL_H

#include "policy/lang/ast.h"
#include "core/book_internal.h"
#include "policy/org/rows.h"
#include "util/buf.h"

typedef struct tier__ectx tier__ectx;

/* Rows per slice at least when a pass over the rows of a policy is split over the book's
 * executor (tier__par_slices): the operators and the placing do a few nanoseconds of work a row,
 * so a slice must be long enough to pay for a task. */
#define TIER__EVAL_GRAIN 32768

/* ---- frozen population figures (incremental re-tiering, docs/retier.md) ----
 * A batch run evaluated with a reference in `collect` mode records, for each abc()/pct_rank() call
 * (by its canonical text) and each cap, the figures of the whole population; evaluated with the
 * reference afterwards (collect 0), each row is classified against those figures alone, so that
 * one row can be evaluated without the others. Defined so that a row whose inputs did not change
 * gets exactly the value the batch gave it:
 *  - pct_rank(x): (batch values below x + half the batch values equal to x) / batch values;
 *  - abc(x): A when (x descending, lead id) does not come after the batch row where A ended, B
 *    likewise for B's end, else C (x <= 0 or missing: C);
 *  - a cap keeps a candidate when (criterion, lead id) does not come after the batch's last kept
 *    candidate of that tier (every candidate when the batch kept all, none when its limit was 0).
 */
typedef struct tier__ref_call {
    char *key;      /* the call's canonical text */
    size_t n;       /* pct_rank: present batch values */
    double *sorted; /* pct_rank: those values ascending */
    int has_end[2]; /* abc: class A (B) ended at a batch row (else it took every row) */
    uint64_t end_key[2];
    size_t end_lead[2]; /* that row's order key and lead customer */
    /* Distributed figures (tier_result_set_population): the end rows named by their lead ids
     * (owned, NULL: by end_lead) instead of book indices. */
    char *end_id[2];
    size_t end_id_len[2];
    /* A Pareto model's call "pareto:<name>": the population's total (has_total 1), fixed point
     * (total_exact 1, total_fixed) or a double (total_double), for its share column. */
    int has_total, total_exact;
    int64_t total_fixed;
    double total_double;
    /* A pct_rank() call's distributed figures (a "rank" line, has_rank 1): the population's
     * present values (rank_n) and, for each value the part looks up (rank_count order keys
     * tier__order_key(x, 0), ascending), the population's values below it and equal to it. */
    int has_rank;
    size_t rank_n, rank_count;
    uint64_t *rank_key;
    size_t *rank_below, *rank_equal;
    /* A Pareto model's call (after its total): the cumulative sums of the part's positive rows in
     * the population's order (a "cum" block, has_cum 1): cum_count rows named by order key and
     * lead id (owned), each the fixed-point sum or the bits of the double sum of every row up to
     * it in the whole population. */
    int has_cum;
    size_t cum_count;
    uint64_t *cum_key, *cum_value;
    char **cum_id;
    size_t *cum_id_len;
} tier__ref_call;

typedef struct tier__ref_cap {
    int kind;     /* 0: no cap, 1: every candidate stays, 2: up to (key, lead), 3: none stays */
    uint64_t key; /* the last kept candidate's order key */
    size_t lead;  /* and lead customer */
    char *id;     /* distributed figures: the lead's id (owned; NULL: by lead) */
    size_t id_len;
} tier__ref_cap;

typedef struct tier__policy_ref {
    const tier_allocator *a;
    int collect; /* 1: the run records; 0: rows are classified against the records */
    tier__ref_call *calls;
    size_t n_calls, cap_calls;
    tier__ref_cap *caps; /* [n_caps] one per tier */
    size_t n_caps;
    const tier__rowset *rows; /* with a hierarchy: the frozen groups (NULL: built per run) */
    /* Routing (policy/org/org.h): with collect_route 1 the flags and routing phase freezes the
     * run's routing into `route` (owned); with `route` set and collect 0 each row is routed
     * against it (tier__route_assign with a frozen run). */
    int collect_route;
    struct tier__route_frozen *route;
    /* Distributed figures (docs/distributed.md): with gather 1 (and collect 0) an abc() call or a
     * cap the reference has no figures for is computed on the run's own rows and its inputs are
     * written to `gathered` (policy/population.c) for tier_result_population(). */
    int gather;
    tier__buf gathered;
    /* Distributed routing figures: per team name with an `accounts` capacity, the population's
     * last row that fits (policy/org/org.h); teams not named fill over the run's own rows. */
    struct tier__route_bound *teams;
    size_t n_teams, cap_teams;
} tier__policy_ref;

void tier__policy_ref_free(tier__policy_ref *ref);
/* 1 when (key, lead id) comes after (bkey, blead id) in the order of caps and abc. */
int tier__ref_after(const tier_book *book, uint64_t key, size_t lead, uint64_t bkey, size_t blead);
/* The same against a boundary named by its id (bid, blen) instead of a book index. */
int tier__ref_after_id(const tier_book *book, uint64_t key, size_t lead, uint64_t bkey,
                       const char *bid, size_t blen);
/* Gathering (ref->gather): the inputs of abc() call `key` with thresholds ta6, tb6 (millionths)
 * over np rows in order (keys, rows idx, the rows' values x, leads: each row's lead customer, NULL
 * for the row itself), and those of the cap of tier t (count cap when is_count, else a share;
 * `rows`: the rows of the run) over nc ordered candidates. TIER_OK or TIER_ENOMEM. */
int tier__gather_abc(tier__policy_ref *ref, const tier_book *book, const char *key, uint32_t ta6,
                     uint32_t tb6, const uint64_t *keys, const uint32_t *idx, const double *x,
                     const size_t *leads, size_t np);
/* Gathering the inputs of pct_rank() call `key`: the np present values' order keys
 * (tier__order_key(x, 0)) ascending, written as each distinct key with its count. */
int tier__gather_rank(tier__policy_ref *ref, const char *key, const uint64_t *keys, size_t np);
int tier__gather_cap(tier__policy_ref *ref, const tier_book *book, size_t t, int is_count,
                     double amount, size_t rows, const uint64_t *keys, const uint32_t *idx,
                     const size_t *leads, size_t nc);

/* Where the one-row path takes a window's figures of one customer (instead of the whole book's):
 * window k of the policy, customer i, into *out. TIER_OK or an error (err set). */
typedef int (*tier__window_fn)(void *ud, size_t k, size_t customer, tier__figures *out, char *err);

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
/* The first day of window w ending before day `to` (have_day 0: no as-of day, INT32_MIN). */
int32_t tier__window_from(const tier__pwindow *w, int have_day, int32_t to);
/* Types of expression nodes remembered across contexts (the one-row path evaluates the same
 * policy over and over): valid for one policy, one frame's columns and one book's attributes;
 * clear it when any of them changes. Grows with allocator `a` (set it before use). */
typedef struct tier__type_memo {
    const tier_allocator *a;
    const void **keys; /* node pointers, NULL empty */
    int *types;
    size_t cap, n;
} tier__type_memo;
void tier__type_memo_clear(tier__type_memo *m);
void tier__type_memo_free(tier__type_memo *m);
void tier__ectx_set_type_memo(tier__ectx *c, tier__type_memo *m);
/* Evaluates abc() and pct_rank() with a frozen reference (NULL: the population of the rows). */
void tier__ectx_set_ref(tier__ectx *c, tier__policy_ref *ref);
/* Takes the windows' figures from `fn` (NULL: from the book). */
void tier__ectx_set_windows(tier__ectx *c, tier__window_fn fn, void *ud);
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
