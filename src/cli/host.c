/* SPDX-License-Identifier: MIT */
/* What the `tier` command lends the pipeline: threads (the library has none) and a progress
 * line on a terminal. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

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

static int job_start(void *ud, tier_task_cb task, void *arg, void **out)
{
    job *j = malloc(sizeof *j);
    (void)ud;
    if (!j)
        return 1;
    j->task = task;
    j->arg = arg;
    if (pthread_create(&j->thread, NULL, run_job, j) != 0) {
        free(j);
        return 1;
    }
    *out = j;
    return 0;
}

static void job_wait(void *ud, void *handle)
{
    job *j = handle;
    (void)ud;
    pthread_join(j->thread, NULL);
    free(j);
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
    static const tier_executor threads = {TIER_EXECUTOR_VERSION, job_start, job_wait, NULL};
    const char *knob = getenv("TIER_SPLIT_MIN_BYTES");
    int rc = TIER_OK;
    if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
        rc = tier_pipeline_set_executor(p, &threads);
    if (!rc && knob)
        rc = tier_pipeline_set(p, "split_min_bytes", knob);
    if (!rc && !quiet && isatty(2))
        rc = tier_pipeline_set_progress(p, show_progress, NULL);
    return rc;
}
