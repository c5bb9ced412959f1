/* SPDX-License-Identifier: MIT */
/* The state of one application of a policy, shared by policy/apply.c (the whole book, the flags)
 * and policy/apply_rows.c (the one-row path of incremental re-tiering). Internal to those two. */
#ifndef TIER_POLICY_APPLY_RUN_H
#define TIER_POLICY_APPLY_RUN_H

#include "policy/apply.h"
#include "policy/eval/eval.h"
#include "policy/org/org.h"
#include "util/par_tasks.h"

typedef struct tier__apply_run {
    const tier__apply_in *in;
    const tier__pol *pol;
    const tier_allocator *a;
    char *err;
    tier__rowset rows; /* with a hierarchy; else one row per customer */
    int hier;          /* 0 none, 1 built here (freed), 2 a frozen reference's (borrowed) */
    tier__ectx *ctx;
    size_t n, customers;
    int32_t *row_tier;
    int32_t *row_rule; /* rule index (tier-major), or -2 - t: moved by the cap of tier t */
    unsigned char *mask;
    size_t *rule_base; /* [n_tiers + 1]: the first rule index of each tier */
    char **tier_names;
    uint64_t *row_flags; /* [n * words]: bit f for flag f (n_flags: route_overflow) */
    size_t words;
    tier__route_out rout;
    int routed;
    tier__trace *trace;
    const char *what_name, *what_tier; /* the rule or flag being evaluated, for messages */
} tier__apply_run;

/* Starts R for `in`: everything else zero. */
void tier__apply_run_init(tier__apply_run *R, const tier__apply_in *in, const tier_allocator *a,
                          char *err);
/* Allocates the per-row arrays (row_tier, and with `rules` row_rule and rule_base; mask,
 * tier_names, row_flags), sets every row unplaced (-1) and the tier names. `what`: for the
 * out-of-memory message. */
int tier__apply_run_alloc(tier__apply_run *R, int rules, const char *what);
/* Frees what R owns: the evaluation context, the routing, a hierarchy built here and the per-row
 * arrays (those handed over are set NULL by the caller first). */
void tier__apply_run_free(tier__apply_run *R);

/* Runs fn over items [0, n) (rows or customers of R) in contiguous slices on the book's executor,
 * one slice below 2 * TIER__EVAL_GRAIN items; returns the number of slices. */
size_t tier__apply_slices(const tier__apply_run *R, size_t n, tier__par_slice_fn fn, void *arg);
int tier__apply_nomem(tier__apply_run *R, const char *what);
int tier__apply_want_bool(tier__apply_run *R, const tier__pexpr *e, const char *what);
/* The phases: first rule that holds, the caps in tier order, the flags, the routing. */
int tier__apply_place(tier__apply_run *R);
int tier__apply_caps(tier__apply_run *R);
int tier__apply_flags(tier__apply_run *R);
int tier__apply_route(tier__apply_run *R);

#endif
