/* SPDX-License-Identifier: MIT */
/* How finely work on a book is split for tier__par_run (util/par.h): into at most
 * TIER__PAR_TASKS tasks (and the executor's width) of at least `grain` items each, one without an
 * executor. Every caller
 * computes results that never depend on the number of tasks (nor on which task runs where): the
 * split changes only how fast they come. */
#ifndef TIER_UTIL_PAR_TASKS_H
#define TIER_UTIL_PAR_TASKS_H

#include "util/par.h"

/* Tasks of one split at most (the executor's width caps it further). */
#define TIER__PAR_TASKS 8

/* The number of tasks for `items` items of `grain` or more each: 1 without an executor, else up
 * to the executor's width (tier__par_width) and TIER__PAR_TASKS. */
static inline size_t tier__par_tasks(const tier_executor *ex, size_t items, size_t grain)
{
    size_t t, width = tier__par_width(ex);
    if (width < 2 || grain == 0 || items < 2 * grain)
        return 1;
    t = items / grain;
    if (t > width)
        t = width;
    return t < TIER__PAR_TASKS ? t : TIER__PAR_TASKS;
}

/* The first item of task k of `tasks` over `items` items (task k has [begin(k), begin(k + 1))). */
static inline size_t tier__par_begin(size_t items, size_t tasks, size_t k)
{
    size_t rest = items % tasks;
    return items / tasks * k + (k < rest ? k : rest);
}

/* Slice k of `tasks` over items [begin, end), the work of one task of tier__par_slices. */
typedef void (*tier__par_slice_fn)(void *arg, size_t k, size_t begin, size_t end);

/* Splits `items` items into tier__par_tasks(ex, items, grain) contiguous slices and runs
 * fn(arg, k, begin, end) for each through `ex` (tier__par_run: slice 0 on the calling thread).
 * Returns the number of slices (1 with no executor or few items; fn then sees [0, items)), so
 * that a caller can combine per-slice results in slice order. Never fails, never allocates. */
size_t tier__par_slices(const tier_executor *ex, size_t items, size_t grain, tier__par_slice_fn fn,
                        void *arg);

#endif
