/* SPDX-License-Identifier: MIT */
/* Ordering rows by a number, as the Pareto model and the policy's population functions (abc,
 * pct_rank) and caps need: by a sort key, ties by the row's lead customer id (bytewise
 * ascending); and Pareto (ABC) classes by cumulative share, compared exactly in millionths. */
#ifndef TIER_MODELS_ORDER_H
#define TIER_MODELS_ORDER_H

#include "util/internal.h"

/* The key that sorts v (not NaN) ascending; descending when `descending` is non-zero. Equal
 * numbers (0 and -0 included) get equal keys. */
uint64_t tier__order_key(double v, int descending);

/* Sorts idx[0..n) by key[0..n) ascending (the keys move with them); equal keys by the id of
 * customer lead[idx] (lead NULL: the index itself) bytewise ascending when `book` is not NULL,
 * then by index, else by index. TIER_OK or TIER_ENOMEM (idx and key unchanged). */
int tier__order_rows(const tier_allocator *a, const tier_book *book, const size_t *lead,
                     uint64_t *key, uint32_t *idx, size_t n);
/* The same, with the customers' id order of `frame` when it keeps one for `book`
 * (tier__frame_id_order) and the book's executor; idx must come in ascending order. */
int tier__order_rows_in(const tier_allocator *a, const tier_book *book, const tier_frame *frame,
                        const size_t *lead, uint64_t *key, uint32_t *idx, size_t n);

/* Sorts idx[0..n) by key ascending, stably (equal keys keep their order), on `ex`: TIER_OK or
 * TIER_ENOMEM (both unchanged). */
int tier__order_stable(const tier_allocator *a, const tier_executor *ex, uint64_t *key,
                       uint32_t *idx, size_t n);

/* Of the customers perm[0..n), those whose key kc[customer] is not UINT64_MAX, in perm's order:
 * their keys into key[0..*np) and the customers into idx[0..*np), in parallel on `ex`. */
void tier__order_gather(const tier_executor *ex, const uint32_t *perm, const uint64_t *kc, size_t n,
                        uint64_t *key, uint32_t *idx, size_t *np);

/* The customers of a book in id order (tier__book_id_order): the frame's when it keeps one for
 * the book, else built for the caller; tier__id_order_done frees what was built. */
typedef struct tier__id_order {
    const uint32_t *perm, *rank;
    uint32_t *own_perm, *own_rank;
    const tier_allocator *a;
} tier__id_order;
int tier__id_order_get(tier__id_order *o, const tier_allocator *a, const tier_book *book,
                       const tier_frame *frame);
void tier__id_order_done(tier__id_order *o);

/* An exact sum of positive finite doubles (docs/distributed.md): the sum times 2^1074, an integer,
 * in 34 limbs of 64 bits (enough for 2^32 values below 2^1024). Rounded to the nearest double (ties
 * to even) it does not depend on the order the values were added in, so a sum split over parts
 * and merged gives the same double as one process. */
#define TIER__XSUM_LIMBS 34
typedef struct tier__xsum {
    uint64_t limb[TIER__XSUM_LIMBS];
} tier__xsum;

void tier__xsum_init(tier__xsum *s);
/* Adds v, which must be positive and finite. */
void tier__xsum_add(tier__xsum *s, double v);
/* The sum rounded to the nearest double (ties to even; infinity when beyond the largest). */
double tier__xsum_round(const tier__xsum *s);
/* Adds the sum `add` into s: TIER_OK, or TIER_ERANGE when the total passes the limbs (s then
 * holds the total modulo 2^2176). */
int tier__xsum_merge(tier__xsum *s, const tier__xsum *add);
/* pos - neg (two exact sums, the positive and the negated negative values of one signed sum)
 * rounded once to the nearest double, ties to even; +0 when they are equal. */
double tier__xsum_diff_round(const tier__xsum *pos, const tier__xsum *neg);

/* Where the classes A and B end in n rows ordered by value descending: end[0] (end[1]) is the
 * first position whose cumulative share reaches threshold t6[0] (t6[1]), in millionths; n while
 * no position has. Feed it every position's cumulative sum in order with one of the steps. */
typedef struct tier__abc_cut {
    uint32_t t6[2];
    size_t end[2];
    size_t n;
    /* For the exact step: the least cumulative sum reaching each threshold of `reach_total`
     * (ceil(t6 * total / 10^6)), found at the first step with that total. */
    uint64_t reach[2], reach_total;
    int has_reach;
} tier__abc_cut;

void tier__abc_cut_init(tier__abc_cut *k, uint32_t t6a, uint32_t t6b, size_t n);
/* Position i has the exact cumulative sum cum of total (both non-negative fixed-point). */
void tier__abc_cut_exact(tier__abc_cut *k, size_t i, uint64_t cum, uint64_t total);
/* Position i has the cumulative sum cum of total, in doubles (each the exact sum rounded once:
 * tier__xsum_round). */
void tier__abc_cut_double(tier__abc_cut *k, size_t i, double cum, double total);
/* cls[idx[i]] = the class of position i (0 = A through end[0], 1 = B through end[1], 2 = C) for
 * every i < n, in slices on `ex` (NULL: none); idx holds distinct rows. */
void tier__abc_cut_classes(const tier_executor *ex, const tier__abc_cut *k, const uint32_t *idx,
                           size_t n, int32_t *cls);

#endif
