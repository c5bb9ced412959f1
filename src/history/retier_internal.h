/* SPDX-License-Identifier: MIT */
/* The retier handle (include/tier/retier.h), shared by retier.c (freeze, one customer, getters)
 * and retier_batch.c (the batch recompute). */
#ifndef TIER_RETIER_INTERNAL_H
#define TIER_RETIER_INTERNAL_H

#include "core/book_internal.h"
#include "history/history_internal.h"
#include "policy/apply.h"
#include "policy/eval/eval.h"
#include "policy/policy_internal.h"

/* Distinct texts, owned (reasons and flag sets of the customers). */
typedef struct tier__rtexts {
    char **v;
    size_t n, cap;
    uint32_t *slots; /* index + 1, 0 empty; nslots a power of two */
    size_t nslots;
} tier__rtexts;

/* A bump allocator the one-row path allocates from: reset before every customer, so that after
 * the first customers it never asks its parent for memory. */
typedef struct tier__rarena {
    const tier_allocator *parent;
    struct rchunk *chunks; /* the current one first */
    size_t used_total;
} tier__rarena;

struct tier_retier {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    int failed; /* tier_retier_new failed: the handle only tells why */
    const tier_book *book;
    tier_model **models;
    size_t n_models;
    unsigned char *population; /* [n_models] 1: no score_row (its columns stay as frozen) */
    const tier_policy *policy;
    const tier__pol *pol;
    const tier_history *history;
    size_t n;          /* customers frozen */
    double as_of;      /* the frozen as-of day (NaN: none, the book had no transactions) */
    int32_t to;        /* the same as a day (INT32_MAX when none) */
    tier_frame *frame; /* the models' columns, re-scored row by row */
    tier__policy_ref ref;
    int32_t *win_from;              /* [n_windows] the first day of each window (all end at `to`) */
    int32_t *tier, *reason, *flags; /* [n] current tier, indices into reasons / flag_sets */
    tier__rtexts reasons, flag_sets;
    int32_t *route_of; /* [n] current team, index into route_names, -1 not routed */
    tier__rtexts route_names;
    size_t cur_row;  /* the row being re-tiered, in the frozen rows */
    char **cap_text; /* [n_tiers] "over the cap of ..." (NULL: no cap) */
    /* history: the next run's decision */
    char **names; /* [n_names] the policy's tiers, then the previous state's others */
    size_t n_names;
    int32_t *map;                        /* [h->n_tiers] */
    tier__hoverride *in_force, *expired; /* shallow copies of the history's overrides */
    size_t n_in_force, n_expired;
    tier__buf b, d, fb; /* reason, ledger detail, flags text */
    /* the one-row path */
    size_t row_lead[1], row_start[2], row_member[1];
    tier__rowset row;
    tier__rarena arena;
    tier_allocator arena_alloc;
    size_t n_cols;               /* model columns of the frame */
    double *save_num;            /* [n_cols] the row's values before re-scoring */
    int32_t *save_code;          /* [n_cols] */
    const unsigned char *demote; /* the current row's demote conditions ([n_tiers]) */
    /* with a hierarchy (children = inherit): the frozen groups */
    int hier;
    tier__rowset rows;
    int32_t *member_of; /* [rows.n] index into reasons of "member of TOP", -1: none */
    /* what one re-tiering decides, before it changes anything: customer, tier, reason */
    size_t *out_cust;
    int32_t *out_tier, *out_reason; /* [largest group] */
    tier__type_memo memo;           /* the policy's node types, across customers */
    size_t n_attrs;                 /* the book's attributes when the memo was filled */
};

/* Copies the columns of `src` whose names start with `prefix` ("" for every model output, i.e.
 * every name with a dot) into `dst` (same rows). TIER_OK or the frame's status (err set). */
int tier__retier_copy_columns(const tier_allocator *a, tier_frame *dst, const tier_frame *src,
                              const char *prefix, char *err);

#endif
