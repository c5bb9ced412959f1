/* SPDX-License-Identifier: MIT */
/**
 * @file executor.h
 * @brief How a host lends libtier threads: the executor (libtier itself starts none).
 * @defgroup executor Executor
 *
 * libtier has no threads of its own. A host that wants a call to use several cores hands an
 * executor to the object doing the work (tier_pipeline_set_executor(),
 * tier_book_set_executor()). The object splits its work into tasks, starts all but one of them
 * through `start`, runs the remaining one on the calling thread and then waits for every started
 * task. Results never depend on the executor: the output is the same with none, with one that
 * refuses every task (the object then runs it itself) and with any number of threads.
 * @{
 */
#ifndef TIER_EXECUTOR_H
#define TIER_EXECUTOR_H

#include "common.h"

TIER_BEGIN_DECL

/** A piece of work handed to an executor. @since 0.2.0 */
typedef void (*tier_task_cb)(void *arg);

/** Current version of ::tier_executor (2 added `threads`). @since 0.2.0 */
#define TIER_EXECUTOR_VERSION 2

/**
 * A host's way to run work concurrently (libtier itself has no threads). `version` comes first;
 * members are only ever appended. An object with an executor starts some of its tasks with
 * `start`, runs one itself on the calling thread, then waits for each started task. Tasks never
 * call the host's callbacks (progress, output), but they do call the object's allocator and I/O
 * layer, which must then be safe to call from several threads (malloc and the default I/O layer
 * are).
 * @since 0.2.0
 */
typedef struct tier_executor {
    unsigned int version; /**< TIER_EXECUTOR_VERSION */
    /** Starts `task(arg)` (typically on another thread) and stores a handle for `wait` in `*out`.
     * Returns 0, or non-zero when it cannot start the task: the caller then runs it itself. */
    int (*start)(void *ud, tier_task_cb task, void *arg, void **out);
    /** Returns once the task started as `job` has finished; called once per started task. */
    void (*wait)(void *ud, void *job);
    void *ud; /**< user pointer passed to both hooks */
    /** (version 2, since 0.5.0) how many tasks may run at once, the calling thread's included:
     * the most an object splits its work into (at most 64). 0: not known (then 2). A table of
     * version 1 has no such member. */
    unsigned int threads;
} tier_executor;

TIER_END_DECL

/** @} */
#endif
