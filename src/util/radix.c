/* SPDX-License-Identifier: MIT */
/* The stable parallel LSD radix sort; see util/radix.h. */
#include <string.h>

#include "util/par_tasks.h"
#include "util/radix.h"

/* Pairs per task at least: below twice this a sort runs as one task. */
#define RADIX_GRAIN 32768

typedef struct radix_job {
    uint64_t *sk; /* the pass's source, then its destination (dk, dx) */
    uint32_t *sx;
    uint64_t *dk;
    uint32_t *dx;
    size_t n, tasks;
    int shift;
    uint64_t first;                       /* key[0]: the bits every key shares are those of it */
    uint64_t vary[TIER__PAR_TASKS];       /* per slice: the bits some key differs from first in */
    uint32_t count[TIER__PAR_TASKS][256]; /* per slice: the digit's count, then its next place */
} radix_job;

static void slice(const radix_job *j, size_t t, size_t *lo, size_t *hi)
{
    *lo = tier__par_begin(j->n, j->tasks, t);
    *hi = tier__par_begin(j->n, j->tasks, t + 1);
}

static void vary_task(void *arg, size_t t)
{
    radix_job *j = arg;
    uint64_t v = 0;
    size_t i, lo, hi;
    slice(j, t, &lo, &hi);
    for (i = lo; i < hi; i++)
        v |= j->sk[i] ^ j->first;
    j->vary[t] = v;
}

static void count_task(void *arg, size_t t)
{
    radix_job *j = arg;
    uint32_t *c = j->count[t];
    const uint64_t *k = j->sk;
    size_t i, lo, hi;
    int shift = j->shift;
    slice(j, t, &lo, &hi);
    memset(c, 0, sizeof j->count[t]);
    for (i = lo; i < hi; i++)
        c[(k[i] >> shift) & 0xff]++;
}

static void scatter_task(void *arg, size_t t)
{
    radix_job *j = arg;
    uint32_t *c = j->count[t];
    const uint64_t *sk = j->sk;
    const uint32_t *sx = j->sx;
    uint64_t *dk = j->dk;
    uint32_t *dx = j->dx;
    size_t i, lo, hi;
    int shift = j->shift;
    slice(j, t, &lo, &hi);
    for (i = lo; i < hi; i++) {
        uint32_t d = c[(sk[i] >> shift) & 0xff]++;
        dk[d] = sk[i];
        dx[d] = sx[i];
    }
}

void tier__radix_sort(const tier_executor *ex, uint64_t *key, uint32_t *row, uint64_t *k2,
                      uint32_t *x2, size_t n)
{
    radix_job j;
    uint64_t vary = 0;
    size_t t, d;
    int pass;
    if (n < 2)
        return;
    j.n = n;
    j.tasks = tier__par_tasks(ex, n, RADIX_GRAIN);
    j.first = key[0];
    j.sk = key;
    tier__par_run(ex, j.tasks, vary_task, &j);
    for (t = 0; t < j.tasks; t++)
        vary |= j.vary[t];
    j.sx = row;
    j.dk = k2;
    j.dx = x2;
    for (pass = 0; pass < 8; pass++) {
        uint32_t sum = 0;
        if (!((vary >> (8 * pass)) & 0xff))
            continue; /* every key has this byte */
        j.shift = 8 * pass;
        tier__par_run(ex, j.tasks, count_task, &j);
        /* Digit by digit, slice by slice: the stable places. */
        for (d = 0; d < 256; d++)
            for (t = 0; t < j.tasks; t++) {
                uint32_t c = j.count[t][d];
                j.count[t][d] = sum;
                sum += c;
            }
        tier__par_run(ex, j.tasks, scatter_task, &j);
        /* The destination is the next pass's source. */
        {
            uint64_t *tk = j.sk;
            uint32_t *tx = j.sx;
            j.sk = j.dk;
            j.sx = j.dx;
            j.dk = tk;
            j.dx = tx;
        }
    }
    if (j.sk != key) {
        memcpy(key, j.sk, n * sizeof *key);
        memcpy(row, j.sx, n * sizeof *row);
    }
}
