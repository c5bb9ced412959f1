/* SPDX-License-Identifier: MIT */
/* The stable parallel LSD radix sort; see util/radix.h. */
#include <string.h>

#include "util/par_tasks.h"
#include "util/radix.h"

/* Pairs per task at least: below twice this a sort runs as one task. */
#define RADIX_GRAIN 8192
/* Digits of this many bits from this many pairs on (their counts are allocated), else bytes. */
#define RADIX_WIDE_BITS 11
#define RADIX_WIDE_FROM 4096

typedef struct radix_job {
    uint64_t *sk; /* the pass's source, then its destination (dk, dx) */
    uint32_t *sx;
    uint64_t *dk;
    uint32_t *dx;
    size_t n, tasks;
    int shift;
    uint64_t first;                 /* key[0]: the bits every key shares are those of it */
    uint64_t vary[TIER__PAR_TASKS]; /* per slice: the bits some key differs from first in */
    uint32_t *count; /* per slice (stride `digits`): the digit's count, then its next place */
    uint32_t digits; /* 2^bits */
    uint32_t
        small[TIER__PAR_TASKS * 256]; /* the counts of 8-bit digits, when none were allocated */
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
    uint32_t *c = j->count + t * j->digits, mask = j->digits - 1;
    const uint64_t *k = j->sk;
    size_t i, lo, hi;
    int shift = j->shift;
    slice(j, t, &lo, &hi);
    memset(c, 0, j->digits * sizeof *c);
    for (i = lo; i < hi; i++)
        c[(k[i] >> shift) & mask]++;
}

static void scatter_task(void *arg, size_t t)
{
    radix_job *j = arg;
    uint32_t *c = j->count + t * j->digits, mask = j->digits - 1;
    const uint64_t *sk = j->sk;
    const uint32_t *sx = j->sx;
    uint64_t *dk = j->dk;
    uint32_t *dx = j->dx;
    size_t i, lo, hi;
    int shift = j->shift;
    slice(j, t, &lo, &hi);
    for (i = lo; i < hi; i++) {
        uint32_t d = c[(sk[i] >> shift) & mask]++;
        dk[d] = sk[i];
        dx[d] = sx[i];
    }
}

void tier__radix_sort(const tier_executor *ex, const tier_allocator *a, uint64_t *key,
                      uint32_t *row, uint64_t *k2, uint32_t *x2, size_t n)
{
    radix_job j;
    uint64_t vary = 0;
    uint32_t *counts = NULL;
    size_t t, d;
    int shift, bits = 8;
    if (n < 2)
        return;
    j.n = n;
    j.tasks = tier__par_tasks(ex, n, RADIX_GRAIN);
    j.first = key[0];
    j.sk = key;
    tier__par_run(ex, j.tasks, vary_task, &j);
    for (t = 0; t < j.tasks; t++)
        vary |= j.vary[t];
    if (!vary)
        return; /* every key is the same */
    /* Wide digits (fewer passes) when their counts can be had, else bytes counted in place. */
    if (a && n >= RADIX_WIDE_FROM &&
        (counts = tier__malloc_n(a, j.tasks << RADIX_WIDE_BITS, sizeof *counts)) != NULL)
        bits = RADIX_WIDE_BITS;
    j.count = counts ? counts : j.small;
    j.digits = (uint32_t)1 << bits;
    j.sx = row;
    j.dk = k2;
    j.dx = x2;
    /* Digits from the lowest bit that differs between keys up to the highest. */
    for (shift = 0; !((vary >> shift) & 1); shift++)
        ;
    for (; shift < 64 && (vary >> shift); shift += bits) {
        uint32_t sum = 0;
        if (!((vary >> shift) & (j.digits - 1)))
            continue; /* every key has this digit */
        j.shift = shift;
        tier__par_run(ex, j.tasks, count_task, &j);
        /* Digit by digit, slice by slice: the stable places. */
        for (d = 0; d < j.digits; d++)
            for (t = 0; t < j.tasks; t++) {
                uint32_t c = j.count[t * j.digits + d];
                j.count[t * j.digits + d] = sum;
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
    tier__free(a, counts);
    if (j.sk != key) {
        memcpy(key, j.sk, n * sizeof *key);
        memcpy(row, j.sx, n * sizeof *row);
    }
}
