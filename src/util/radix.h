/* SPDX-License-Identifier: MIT */
/* A stable LSD radix sort of (key, row) pairs, split over the host's threads (util/par.h): the
 * orders by value (models/order.h) and the customers' order by id (core/book_internal.h). The
 * result is the one stable sort of the input, whatever the number of tasks: each pass counts the
 * digits of contiguous slices in parallel, and each slice scatters into the places its counts
 * give it (slice 0 first within every digit), so that equal keys keep their input order. */
#ifndef TIER_UTIL_RADIX_H
#define TIER_UTIL_RADIX_H

#include "util/par.h"

/* Sorts (key[i], row[i]), i < n (at most UINT32_MAX), by key ascending, stably; k2 and x2 are
 * scratch of n entries each. Digits that every key shares are skipped. With `ex`, large inputs
 * are split into tasks (at most TIER__PAR_TASKS). With an allocator, a large sort counts 11-bit
 * digits in a table from it (when that allocation fails, or without one, bytes). Never fails. */
void tier__radix_sort(const tier_executor *ex, const tier_allocator *a, uint64_t *key,
                      uint32_t *row, uint64_t *k2, uint32_t *x2, size_t n);

#endif
