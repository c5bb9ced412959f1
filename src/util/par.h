/* SPDX-License-Identifier: MIT */
/* Running tasks in parallel through a host's executor (include/tier/executor.h): the library has
 * no threads of its own. tier__par_run starts tasks 1..n-1 through the executor, runs task 0 on
 * the calling thread and waits for every started one; a task the executor cannot start (or every
 * task, without an executor) runs on the calling thread, so a caller never needs a second code
 * path. Tasks must not depend on running at the same time (none may wait for another). */
#ifndef TIER_UTIL_PAR_H
#define TIER_UTIL_PAR_H

#include "util/internal.h"

/* Tasks one tier__par_run call may hand out; task i >= this runs on the calling thread. */
#define TIER__PAR_MAX 64

/* Task i of n (0 <= i < n) with the caller's `arg`. */
typedef void (*tier__par_fn)(void *arg, size_t i);

/* Runs fn(arg, 0) .. fn(arg, n-1), through `ex` (NULL: one after another on this thread), and
 * returns once all have finished. Never fails and never allocates. */
void tier__par_run(const tier_executor *ex, size_t n, tier__par_fn fn, void *arg);

/* Checks an executor given to a setter: TIER_OK (NULL is fine: no executor), TIER_EVERSION
 * (version 0, or newer than this library) or TIER_EINVAL (a hook is missing), with the reason in
 * why (TIER__ERR_SIZE bytes). */
int tier__executor_check(const tier_executor *ex, char *why);
/* Copies a checked executor (a version-1 table has no `threads`: 0 then). */
void tier__executor_copy(tier_executor *dst, const tier_executor *src);
/* Into how many tasks work is split with `ex`: 1 without one, else its `threads` (2 when not
 * known), at most TIER__PAR_MAX. */
size_t tier__par_width(const tier_executor *ex);

#endif
