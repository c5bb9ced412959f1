/* SPDX-License-Identifier: MIT */
/* The customers' order by id (bytewise ascending, shorter first on a common prefix), the tie
 * key of every order by value: a radix sort of the ids' first 8 bytes (big-endian, zero-padded:
 * ids hold no NUL byte, so a shorter id sorts first) on the book's executor, then each run of
 * ids sharing those bytes by their next 8, and so on. Ids are unique: a run ends by the time
 * its ids do. */
#include <string.h>

#include "core/book_impl.h"
#include "util/par_tasks.h"
#include "util/radix.h"

#define ORDER_GRAIN 8192

/* Bytes [at, at + 8) of customer c's id as a big-endian number, zero-padded. */
static uint64_t chunk(const tier_book *b, size_t c, size_t at)
{
    const unsigned char *id = (const unsigned char *)tier__book_id_ptr(b, c);
    size_t len = tier__book_id_len(b, c), i;
    uint64_t v = 0;
    if (at + 8 <= len) {
        for (i = 0; i < 8; i++)
            v = (v << 8) | id[at + i];
        return v;
    }
    for (i = at; i < at + 8; i++)
        v = (v << 8) | (i < len ? id[i] : 0);
    return v;
}

typedef struct order_job {
    const tier_book *b;
    uint64_t *key;
    uint32_t *perm, *rank;
    size_t n, tasks;
} order_job;

static void first_chunks(void *arg, size_t t)
{
    order_job *j = arg;
    size_t c = tier__par_begin(j->n, j->tasks, t), end = tier__par_begin(j->n, j->tasks, t + 1);
    for (; c < end; c++) {
        j->key[c] = chunk(j->b, c, 0);
        j->perm[c] = (uint32_t)c;
    }
}

static void ranks(void *arg, size_t t)
{
    order_job *j = arg;
    size_t p = tier__par_begin(j->n, j->tasks, t), end = tier__par_begin(j->n, j->tasks, t + 1);
    for (; p < end; p++)
        j->rank[j->perm[p]] = (uint32_t)p;
}

/* Orders the runs of equal keys in perm[0..n) (sorted by the ids' bytes before `at` + 8) by the
 * next 8 bytes; key, k2 and x2 are scratch of n. */
static void order_runs(const tier_book *b, const tier_executor *ex, const tier_allocator *a,
                       uint64_t *key, uint32_t *perm, uint64_t *k2, uint32_t *x2, size_t n,
                       size_t at)
{
    size_t i, run;
    if (at > 65536)
        return; /* ids are shorter: equal chunks here would be equal ids, which a book never has */
    for (i = 0; i < n; i = run) {
        size_t k;
        for (run = i + 1; run < n && key[run] == key[i]; run++)
            ;
        if (run - i < 2)
            continue;
        for (k = i; k < run; k++)
            k2[k] = chunk(b, perm[k], at + 8);
        /* k2[i..run) holds the run's keys now; key[i..run) is free scratch. */
        tier__radix_sort(ex, a, k2 + i, perm + i, key + i, x2 + i, run - i);
        order_runs(b, ex, a, k2 + i, perm + i, key + i, x2 + i, run - i, at + 8);
    }
}

int tier__book_id_order(const tier_book *b, const tier_allocator *a, uint32_t **perm_out,
                        uint32_t **rank_out)
{
    const tier_executor *ex = tier__book_executor(b);
    order_job j;
    uint64_t *k2;
    uint32_t *x2;
    int ok;
    *perm_out = *rank_out = NULL;
    j.b = b;
    j.n = b->live.ncust;
    if (j.n > UINT32_MAX)
        return TIER_ERANGE;
    j.key = tier__malloc_n(a, j.n, sizeof *j.key);
    k2 = tier__malloc_n(a, j.n, sizeof *k2);
    x2 = tier__malloc_n(a, j.n, sizeof *x2);
    j.perm = tier__malloc_n(a, j.n, sizeof *j.perm);
    j.rank = tier__malloc_n(a, j.n, sizeof *j.rank);
    ok = j.key && k2 && x2 && j.perm && j.rank;
    if (ok) {
        j.tasks = tier__par_tasks(ex, j.n, ORDER_GRAIN);
        tier__par_run(ex, j.tasks, first_chunks, &j);
        tier__radix_sort(ex, a, j.key, j.perm, k2, x2, j.n);
        order_runs(b, ex, a, j.key, j.perm, k2, x2, j.n, 0);
        tier__par_run(ex, j.tasks, ranks, &j);
        *perm_out = j.perm;
        *rank_out = j.rank;
    } else {
        tier__free(a, j.perm);
        tier__free(a, j.rank);
    }
    tier__free(a, j.key);
    tier__free(a, k2);
    tier__free(a, x2);
    return ok ? TIER_OK : TIER_ENOMEM;
}
