/* SPDX-License-Identifier: MIT */
/* The diff handle (include/tier/diff.h), shared by its files: diff.c (the comparison and the
 * getters) and diff_write.c (text, CSV and JSON). Every string the diff reports lives in one
 * pool; the arrays refer to it by offset. */
#ifndef TIER_DIFF_INTERNAL_H
#define TIER_DIFF_INTERNAL_H

#include "util/internal.h"

/* A text value of a text entitlement: the customers given it on each side. */
typedef struct tier__dval {
    size_t value; /* pool offset */
    size_t count[2];
} tier__dval;

/* An entitlement compared. */
typedef struct tier__dent {
    size_t name; /* pool offset */
    int type;    /* TIER_ENTITLEMENT_* */
    int present[2];
    double total[2]; /* NaN on a side that does not declare it */
    tier__dval *values;
    size_t n_values;
} tier__dent;

/* A routing team. */
typedef struct tier__dteam {
    size_t name; /* pool offset */
    size_t accounts[2];
    int64_t revenue[2]; /* fixed point */
} tier__dteam;

typedef struct tier__dmover {
    size_t customer;
    int32_t from, to;
    int move;
    int64_t revenue;
    size_t id, id_len, reason[2]; /* pool offsets (the id: id_len bytes, then a NUL) */
} tier__dmover;

/* One comparison: built aside, then swapped into the handle. */
typedef struct tier__dstate {
    char *pool;
    size_t pool_len;
    size_t customers;
    int64_t revenue; /* of every customer */
    size_t ntiers[2];
    size_t *tier[2]; /* pool offsets of each side's tier names */
    int ladder;      /* 1: both sides have the same tier names in the same order */
    int no_revenue;  /* 1: a diff of two histories, which keep no revenue (revenue is NaN) */
    size_t *cells;   /* [(ntiers[0] + 1) * (ntiers[1] + 1)]: [(from + 1) * cols + to + 1] */
    int64_t *cell_revenue;
    int64_t *side_revenue[2]; /* [ntiers[side] + 1]: each tier's revenue, [0] = no tier */
    tier__dent *ents;
    size_t n_ents;
    tier__dteam *teams;
    size_t n_teams;
    tier__dmover *movers;
    size_t n_movers;
    size_t moved[4]; /* all, then by TIER_DIFF_MOVE_* */
    int64_t moved_revenue[4];
    size_t not_in_book; /* histories with a book: customers the book has not (revenue 0) */
    /* Histories with a policy: each side's tiers in the policy by name (-1: the policy has no
     * tier of that name, whose customers count for no entitlement); NULL without a policy. */
    int32_t *policy_tier[2];
} tier__dstate;

struct tier_diff {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    char *label[2]; /* NULL: "before", "after" */
    int has;        /* a comparison was made */
    tier__dstate s;
};

/* The pool string at offset `off`. */
#define TIER__DSTR(s, off) ((const char *)(s)->pool + (off))

/* A revenue sum as a number: NaN when the diff has no revenue. */
double tier__diff_revenue(const tier__dstate *s, int64_t v);

/* The label of side `side` (0 or 1). */
const char *tier__diff_label(const tier_diff *d, int side);

#endif
