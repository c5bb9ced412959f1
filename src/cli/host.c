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

static void advise_huge(void *p, size_t size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    static uintptr_t page;
    uintptr_t from, to;
    if (size < CLI_HUGE_MIN || !p)
        return;
    if (!page)
        page = (uintptr_t)sysconf(_SC_PAGESIZE); /* a power of two on every Linux */
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
    return &a;
}

/* Inputs below this size read too fast for a progress line. */
#define PROGRESS_MIN_BYTES ((uint64_t)16 << 20)

typedef struct job {
    pthread_t thread;
    tier_task_cb task;
    void *arg;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->task(j->arg);
    return NULL;
}

/* The threads lent: at most `extra` tasks run at once besides the pipeline's own thread (a
 * task asked for beyond them is refused, and the library runs it itself). */
typedef struct pool {
    pthread_mutex_t lock;
    unsigned extra, running;
} pool;

static pool threads_pool = {PTHREAD_MUTEX_INITIALIZER, 0, 0};

static int job_start(void *ud, tier_task_cb task, void *arg, void **out)
{
    pool *pl = ud;
    job *j;
    int ok;
    pthread_mutex_lock(&pl->lock);
    ok = pl->running < pl->extra;
    pl->running += (unsigned)ok;
    pthread_mutex_unlock(&pl->lock);
    if (!ok)
        return 1;
    if (!(j = malloc(sizeof *j)) ||
        (j->task = task, j->arg = arg, pthread_create(&j->thread, NULL, run_job, j) != 0)) {
        free(j);
        pthread_mutex_lock(&pl->lock);
        pl->running--;
        pthread_mutex_unlock(&pl->lock);
        return 1;
    }
    *out = j;
    return 0;
}

static void job_wait(void *ud, void *handle)
{
    pool *pl = ud;
    job *j = handle;
    pthread_join(j->thread, NULL);
    free(j);
    pthread_mutex_lock(&pl->lock);
    pl->running--;
    pthread_mutex_unlock(&pl->lock);
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
