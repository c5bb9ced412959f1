/* SPDX-License-Identifier: MIT */
/* Test executors and a thread-safe cmocka allocator (support.h, "executors"). */
#include <pthread.h>
#include <stdlib.h>

#include "support.h"

typedef struct tst_job {
    pthread_t thread;
    tier_task_cb task;
    void *arg;
    int deferred;
} tst_job;

static pthread_mutex_t tst_lock = PTHREAD_MUTEX_INITIALIZER;

static void *tst_job_run(void *arg)
{
    tst_job *j = arg;
    j->task(j->arg);
    return NULL;
}

static int tst_exec_start(void *ud, tier_task_cb task, void *arg, void **out)
{
    tst_exec *e = ud;
    tst_job *j;
    if (e->mode == TST_EXEC_REFUSING || (e->limit && e->started >= e->limit) ||
        !(j = malloc(sizeof *j))) {
        e->refused++;
        return 1;
    }
    j->task = task;
    j->arg = arg;
    j->deferred = e->mode == TST_EXEC_DEFERRED;
    if (!j->deferred && pthread_create(&j->thread, NULL, tst_job_run, j) != 0) {
        free(j);
        e->refused++;
        return 1;
    }
    e->started++;
    *out = j;
    return 0;
}

static void tst_exec_wait(void *ud, void *handle)
{
    tst_exec *e = ud;
    tst_job *j = handle;
    if (j->deferred)
        j->task(j->arg);
    else
        assert_int_equal(pthread_join(j->thread, NULL), 0);
    e->waited++;
    free(j);
}

void tst_exec_init(tst_exec *e, int mode, unsigned limit)
{
    e->ex.version = TIER_EXECUTOR_VERSION;
    e->ex.start = tst_exec_start;
    e->ex.wait = tst_exec_wait;
    e->ex.ud = e;
    e->ex.threads = 0;
    e->mode = mode;
    e->limit = limit;
    e->started = e->refused = e->waited = 0;
}

static void *tst_locked_alloc(void *ud, size_t size)
{
    void *p;
    (void)ud;
    pthread_mutex_lock(&tst_lock);
    p = test_malloc(size);
    pthread_mutex_unlock(&tst_lock);
    return p;
}

static void *tst_locked_realloc(void *ud, void *ptr, size_t size)
{
    void *p;
    (void)ud;
    pthread_mutex_lock(&tst_lock);
    p = test_realloc(ptr, size);
    pthread_mutex_unlock(&tst_lock);
    return p;
}

static void tst_locked_free(void *ud, void *ptr)
{
    (void)ud;
    if (!ptr)
        return;
    pthread_mutex_lock(&tst_lock);
    test_free(ptr);
    pthread_mutex_unlock(&tst_lock);
}

const tier_allocator tst_locked_allocator = {tst_locked_alloc, tst_locked_realloc, tst_locked_free,
                                             NULL};
