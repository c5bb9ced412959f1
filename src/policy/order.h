/* SPDX-License-Identifier: MIT */
/* Ordering rows by a number, as the population functions (abc, pct_rank) and caps need: by a
 * sort key, ties by the row's lead customer id (bytewise ascending). */
#ifndef TIER_POLICY_ORDER_H
#define TIER_POLICY_ORDER_H

#include "util/internal.h"

/* The key that sorts v (not NaN) ascending; descending when `descending` is non-zero. Equal
 * numbers (0 and -0 included) get equal keys. */
uint64_t tier__order_key(double v, int descending);

/* Sorts idx[0..n) by key[0..n) ascending (the keys move with them); equal keys by the id of
 * customer lead[idx] (lead NULL: the index itself) bytewise ascending when `book` is not NULL,
 * else by index. TIER_OK or TIER_ENOMEM (idx and key unchanged). */
int tier__order_rows(const tier_allocator *a, const tier_book *book, const size_t *lead,
                     uint64_t *key, uint32_t *idx, size_t n);

#endif
