/* SPDX-License-Identifier: MIT */
/* Parallel tasks through the host's executor; see util/par.h. */
#include "util/par.h"
#include "util/par_tasks.h"

typedef struct par_task {
    tier__par_fn fn;
    void *arg;
    size_t i;
    void *job;
    int started;
} par_task;

static void run_task(void *arg)
{
    par_task *t = arg;
    t->fn(t->arg, t->i);
}

void tier__par_run(const tier_executor *ex, size_t n, tier__par_fn fn, void *arg)
{
    par_task task[TIER__PAR_MAX];
    size_t i, started = n < TIER__PAR_MAX ? n : TIER__PAR_MAX;
    if (!ex || n < 2) {
        for (i = 0; i < n; i++)
            fn(arg, i);
        return;
    }
    for (i = 1; i < started; i++) {
        task[i].fn = fn;
        task[i].arg = arg;
        task[i].i = i;
        task[i].job = NULL;
        task[i].started = ex->start(ex->ud, run_task, &task[i], &task[i].job) == 0;
    }
    fn(arg, 0);
    /* What could not be started, or did not fit, runs here: results never depend on it. */
    for (i = 1; i < started; i++)
        if (!task[i].started)
            fn(arg, i);
    for (i = started; i < n; i++)
        fn(arg, i);
    for (i = 1; i < started; i++)
        if (task[i].started)
            ex->wait(ex->ud, task[i].job);
}

int tier__executor_check(const tier_executor *ex, char *why)
{
    why[0] = '\0';
    if (!ex)
        return TIER_OK;
    if (ex->version > TIER_EXECUTOR_VERSION) {
        tier__errorf(why, "executor version %u is newer than %u", ex->version,
                     (unsigned)TIER_EXECUTOR_VERSION);
        return TIER_EVERSION;
    }
    if (ex->version == 0) { /* no version at all, as for a model's vtable */
        tier__errorf(why, "executor version 0: set it to %u", (unsigned)TIER_EXECUTOR_VERSION);
        return TIER_EVERSION;
    }
    if (!ex->start || !ex->wait) {
        tier__errorf(why, "the executor needs both hooks");
        return TIER_EINVAL;
    }
    return TIER_OK;
}

void tier__executor_copy(tier_executor *dst, const tier_executor *src)
{
    dst->version = src->version;
    dst->start = src->start;
    dst->wait = src->wait;
    dst->ud = src->ud;
    dst->threads = src->version >= 2 ? src->threads : 0;
}

size_t tier__par_width(const tier_executor *ex)
{
    if (!ex)
        return 1;
    if (!ex->threads)
        return 2;
    return ex->threads < TIER__PAR_MAX ? ex->threads : TIER__PAR_MAX;
}

typedef struct slice_job {
    tier__par_slice_fn fn;
    void *arg;
    size_t items, tasks;
} slice_job;

static void slice_task(void *arg, size_t k)
{
    const slice_job *j = arg;
    j->fn(j->arg, k, tier__par_begin(j->items, j->tasks, k),
          tier__par_begin(j->items, j->tasks, k + 1));
}

size_t tier__par_slices(const tier_executor *ex, size_t items, size_t grain, tier__par_slice_fn fn,
                        void *arg)
{
    slice_job j;
    j.fn = fn;
    j.arg = arg;
    j.items = items;
    j.tasks = tier__par_tasks(ex, items, grain);
    tier__par_run(ex, j.tasks, slice_task, &j);
    return j.tasks;
}
