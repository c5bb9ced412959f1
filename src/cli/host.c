/* SPDX-License-Identifier: MIT */
/* What the `tier` command lends the pipeline: threads (the library has none) and a progress
 * line on a terminal. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity: the cores this process may use */
#endif
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "cli.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

/* glibc raises its mmap threshold to the size of each large block freed (up to 32 MiB); from
 * then on blocks below it come from the heap, whose freed pages stay resident, so that a run's
 * peak memory counts its ingest's freed parts and its models' freed columns again. A fixed
 * threshold keeps every block of 1 MiB or more mapped on its own and gives it back when freed
 * (W1 at 10M transactions: about 25 MiB less at the peak, no measurable cost in time). */
#define CLI_MMAP_THRESHOLD (1 << 20)

void cli_host_memory(void)
{
#if defined(__GLIBC__)
    (void)mallopt(M_MMAP_THRESHOLD, CLI_MMAP_THRESHOLD);
#endif
}

/* A block of this size or more (mapped on its own, see above) is advised for transparent huge
 * pages where the system has them on request (madvise mode): the 2 MiB pages inside the block
 * are then faulted in one at a time instead of 512 small ones, which at 10M transactions takes
 * about two thirds of the run's page faults away (the columns and tables are written whole soon
 * after they are allocated, so no page is touched that would not have been). The advice covers
 * the block's whole mapping (the pages it lies on), so that the mapping stays one piece that
 * realloc can move with mremap; the kernel gives huge pages only to the whole aligned 2 MiB
 * ranges inside it, so the partial ends stay on small pages and the resident memory does not
 * grow. */
#define CLI_HUGE_MIN ((size_t)4 << 20)

/* The system's page size (a power of two on every Linux), read by cli_host_allocator() before
 * the allocator can be called from the executor's threads, which then only read it; 0: no
 * advice. */
static uintptr_t page;

static void advise_huge(void *p, size_t size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t from, to;
    if (size < CLI_HUGE_MIN || !p || !page)
        return;
    from = (uintptr_t)p & ~(page - 1);
    to = ((uintptr_t)p + size + page - 1) & ~(page - 1);
    (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
    (void)p;
    (void)size;
#endif
}

static void *host_alloc(void *ud, size_t size)
{
    void *p = malloc(size);
    (void)ud;
    advise_huge(p, size);
    return p;
}

static void *host_realloc(void *ud, void *ptr, size_t size)
{
    void *p = realloc(ptr, size);
    (void)ud;
    advise_huge(p, size);
    return p;
}

static void host_free(void *ud, void *ptr)
{
    (void)ud;
    free(ptr);
}

const tier_allocator *cli_host_allocator(void)
{
    static const tier_allocator a = {host_alloc, host_realloc, host_free, NULL};
    long size = sysconf(_SC_PAGESIZE);
    page = size > 0 ? (uintptr_t)size : 0;
    return &a;
}

/* Inputs below this size read too fast for a progress line. */
#define PROGRESS_MIN_BYTES ((uint64_t)16 << 20)

/* The threads lent: a pool of at most `extra` workers besides the pipeline's own thread,
 * each made on the first task it is needed for and then kept, since the library starts many
 * short tasks in one run (per phase, sort pass and batch of output rows) and a thread made and
 * joined for each costs time (W1 at 1M transactions on 2 cores: 71 threads made per run, about
 * 5 to 15% of the run's time). A task asked for when every worker is taken, or when no worker can
 * be made, is refused: the library then runs it itself. */
#define POOL_MAX 63 /* the library splits its work into at most 64 tasks */

typedef enum worker_state { WORKER_IDLE, WORKER_RUNNING, WORKER_DONE } worker_state;

typedef struct worker {
    pthread_t thread;
    pthread_cond_t wake; /* a task handed over, or the pool closing */
    pthread_cond_t done; /* the task finished */
    worker_state state;  /* a worker is taken from start until wait, not just while it runs */
    tier_task_cb task;
    void *arg;
    struct pool *pool;
} worker;

typedef struct pool {
    pthread_mutex_t lock; /* guards everything below and every worker's state and task */
    unsigned extra, made;
    int closing;
    worker w[POOL_MAX];
} pool;

static pool threads_pool = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, {{0}}};

static void *work(void *arg)
{
    worker *w = arg;
    pool *pl = w->pool;
    pthread_mutex_lock(&pl->lock);
    for (;;) {
        while (w->state != WORKER_RUNNING && !pl->closing)
            pthread_cond_wait(&w->wake, &pl->lock);
        if (w->state != WORKER_RUNNING) /* closing, with nothing handed over */
            break;
        pthread_mutex_unlock(&pl->lock);
        w->task(w->arg);
        pthread_mutex_lock(&pl->lock);
        w->state = WORKER_DONE;
        pthread_cond_signal(&w->done);
    }
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

/* Makes worker number pl->made, handed `task` at once; 0, or non-zero when it cannot be made.
 * Called with the lock held. */
static int add_worker(pool *pl, tier_task_cb task, void *arg)
{
    worker *w = &pl->w[pl->made];
    if (pthread_cond_init(&w->wake, NULL) != 0)
        return 1;
    if (pthread_cond_init(&w->done, NULL) != 0) {
        pthread_cond_destroy(&w->wake);
        return 1;
    }
    w->pool = pl;
    w->state = WORKER_RUNNING;
    w->task = task;
    w->arg = arg;
    if (pthread_create(&w->thread, NULL, work, w) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_cond_destroy(&w->done);
        w->state = WORKER_IDLE;
        return 1;
    }
    pl->made++;
    return 0;
}

/* A task is only ever handed to an idle worker, never to one that is running a task: so even
 * a task that started tasks of its own would never wait for the worker it runs on. */
static int job_start(void *ud, tier_task_cb task, void *arg, void **out)
{
    pool *pl = ud;
    unsigned i;
    int rc = 1;
    pthread_mutex_lock(&pl->lock);
    for (i = 0; i < pl->made && pl->w[i].state != WORKER_IDLE; i++)
        continue;
    if (i < pl->made) {
        pl->w[i].task = task;
        pl->w[i].arg = arg;
        pl->w[i].state = WORKER_RUNNING;
        pthread_cond_signal(&pl->w[i].wake);
        rc = 0;
    } else if (pl->made < pl->extra && pl->made < POOL_MAX) {
        rc = add_worker(pl, task, arg);
    }
    pthread_mutex_unlock(&pl->lock);
    if (!rc)
        *out = &pl->w[i];
    return rc;
}

static void job_wait(void *ud, void *handle)
{
    pool *pl = ud;
    worker *w = handle;
    pthread_mutex_lock(&pl->lock);
    while (w->state != WORKER_DONE)
        pthread_cond_wait(&w->done, &pl->lock);
    w->state = WORKER_IDLE;
    pthread_mutex_unlock(&pl->lock);
}

void cli_host_shutdown(void)
{
    pool *pl = &threads_pool;
    unsigned i;
    pthread_mutex_lock(&pl->lock);
    pl->closing = 1;
    for (i = 0; i < pl->made; i++)
        pthread_cond_signal(&pl->w[i].wake);
    pthread_mutex_unlock(&pl->lock);
    for (i = 0; i < pl->made; i++) {
        pthread_join(pl->w[i].thread, NULL);
        pthread_cond_destroy(&pl->w[i].wake);
        pthread_cond_destroy(&pl->w[i].done);
    }
    pl->made = 0;
    pl->closing = 0;
}

/* The cores this process may run on (its affinity mask where the system has one), at least 1. */
static unsigned available_cores(void)
{
    long n;
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
#endif
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static int progress_shown;

static int show_progress(void *ud, int stage, uint64_t done, uint64_t total)
{
    (void)ud;
    if (stage == TIER_PIPELINE_STAGE_READ && total >= PROGRESS_MIN_BYTES) {
        fprintf(stderr, "\rtier: reading %3u%% (%llu of %llu MB)", (unsigned)(done * 100 / total),
                (unsigned long long)(done >> 20), (unsigned long long)(total >> 20));
        progress_shown = 1;
    } else if (stage != TIER_PIPELINE_STAGE_READ) {
        cli_host_done();
    }
    return 0;
}

void cli_host_done(void)
{
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = 0;
}

int cli_host_setup(tier_pipeline *p, int quiet)
{
    static tier_executor threads = {TIER_EXECUTOR_VERSION, job_start, job_wait, &threads_pool, 0};
    const char *knob = getenv("TIER_SPLIT_MIN_BYTES");
    char given[16];
    unsigned n = 0;
    tier_text *t = NULL;
    int rc = tier_text_new(&t, NULL);
    /* --threads N, else every core this process may use (at most 64, the library's limit). */
    if (!rc && (rc = tier_pipeline_get(p, "threads", t)) == TIER_OK)
        n = (unsigned)strtoul(tier_text_data(t), NULL, 10);
    tier_text_free(t);
    if (!rc && n == 0) {
        n = available_cores();
        n = n > 64 ? 64 : n;
        snprintf(given, sizeof given, "%u", n);
        rc = tier_pipeline_set(p, "threads", given);
    }
    threads_pool.extra = n - 1;
    threads.threads = n;
    if (!rc && n >= 2)
        rc = tier_pipeline_set_executor(p, &threads);
    if (!rc && knob)
        rc = tier_pipeline_set(p, "split_min_bytes", knob);
    if (!rc && !quiet && isatty(2))
        rc = tier_pipeline_set_progress(p, show_progress, NULL);
    return rc;
}
