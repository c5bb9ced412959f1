/* SPDX-License-Identifier: MIT */
/* tier_book_add_txns on the host's threads: a partitioned load (core/book_part.h). The rows are
 * cut into consecutive stripes, one per thread; each thread converts its stripe's rows and adds
 * them to the stripe's partition tables; the stripes are then merged partition by partition on
 * the threads, in row order, which gives exactly the book of adding all the rows to one book. It
 * becomes the book when the book is still blank, or is merged into it. Nothing here reports an
 * error: any failure leaves the book as it was and the caller adds the rows on one thread, which
 * names the first bad row as it always did. */
#include <math.h>
#include <string.h>

#include "core/book_impl.h"
#include "core/book_part.h"
#include "util/par.h"

/* Fewer rows than this per thread are not worth a thread. */
#define PAR_MIN_ROWS ((size_t)1 << 14)

typedef struct add_job {
    const tier__txn_columns *c;
    const tier_book *b;
    tier__pload *load;
    size_t n; /* stripes */
    uint64_t kept[TIER__PAR_MAX];
    int margin[TIER__PAR_MAX];
    int rc[TIER__PAR_MAX];
} add_job;

static void stripe_rows(const add_job *a, size_t i, size_t *lo, size_t *hi)
{
    *lo = a->c->n / a->n * i + a->c->n % a->n * i / a->n;
    *hi = i + 1 == a->n ? a->c->n : a->c->n / a->n * (i + 1) + a->c->n % a->n * (i + 1) / a->n;
}

/* Counts stripe i's kept rows (and whether one has a margin): where its transactions go. */
static void count_task(void *arg, size_t i)
{
    add_job *a = arg;
    size_t r, lo, hi;
    stripe_rows(a, i, &lo, &hi);
    for (r = lo; r < hi; r++)
        if (a->c->days[r] < a->b->ignore_from) {
            a->kept[i]++;
            a->margin[i] |= a->c->margins && !isnan(a->c->margins[r]);
        }
}

/* Converts and adds stripe i's rows. */
static void add_task(void *arg, size_t i)
{
    add_job *a = arg;
    size_t lo, hi, base;
    int rc = TIER_OK;
    stripe_rows(a, i, &lo, &hi);
    for (base = lo; base < hi && rc == TIER_OK; base += TIER__COLUMN_BATCH) {
        tier__row rows[TIER__COLUMN_BATCH];
        size_t m = hi - base < TIER__COLUMN_BATCH ? hi - base : TIER__COLUMN_BATCH, done, failed;
        int what;
        rc = tier__book_columns_rows(a->c, base, m, rows, &done, &what);
        if (rc == TIER_OK)
            rc = tier__pload_add_rows(a->load, i, rows, done, &failed);
    }
    a->rc[i] = rc;
}

/* 1 when b holds nothing at all, so that a book built apart can take its place. */
static int blank(const tier_book *b)
{
    return b->live.ncust == 0 && b->live.ntx == 0 && b->live.ignored_rows == 0 &&
           b->live.nattr == 0 && b->live.min_day == NO_DAY && !b->contracts && !b->indexed;
}

#define SWAP(type, x, y) \
    do {                 \
        type t_ = (x);   \
        (x) = (y);       \
        (y) = t_;        \
    } while (0)

/* Moves what src holds into the blank book b (b's empty arrays go to src, freed with it). */
static void adopt(tier_book *b, tier_book *src)
{
    SWAP(book_extent, b->live, src->live);
    SWAP(size_t, b->cap_cust, src->cap_cust);
    SWAP(tier__figures *, b->fig, src->fig);
    SWAP(size_t *, b->id_off, src->id_off);
    SWAP(char *, b->ids, src->ids);
    SWAP(size_t, b->ids_cap, src->ids_cap);
    SWAP(slot *, b->slots, src->slots);
    SWAP(size_t, b->nslots, src->nslots);
    SWAP(unsigned, b->slot_shift, src->slot_shift);
    SWAP(size_t, b->cap_tx, src->cap_tx);
    SWAP(uint32_t *, b->tx_cust, src->tx_cust);
    SWAP(int32_t *, b->tx_day, src->tx_day);
    SWAP(int64_t *, b->tx_amount, src->tx_amount);
    SWAP(int64_t *, b->tx_margin, src->tx_margin);
}

int tier__book_take(tier_book *b, tier_book *made)
{
    if (!blank(b))
        return tier_book_merge(b, made);
    adopt(b, made);
    return TIER_OK;
}

int tier__book_add_columns_parallel(tier_book *b, const tier__txn_columns *c)
{
    const tier_executor *ex = tier__book_executor(b);
    size_t np = tier__par_width(ex), k;
    tier__pload *load = NULL;
    tier_book *made = NULL;
    add_job *a;
    uint64_t at = 0;
    int rc = TIER_OK, margin = 0;
    if (np > c->n / PAR_MIN_ROWS)
        np = c->n / PAR_MIN_ROWS;
    if (np < 2 || b->nsp || b->staging)
        return 0;
    if (!(a = tier__calloc(&b->alloc, 1, sizeof *a)))
        return 0;
    a->c = c;
    a->b = b;
    a->n = np;
    if (tier__pload_new(&load, b, np, ex, c->n) != TIER_OK) {
        tier__free(&b->alloc, a);
        return 0;
    }
    a->load = load;
    if (b->keep_txns) {
        tier__par_run(ex, np, count_task, a);
        for (k = 0; k < np; k++) {
            tier__pload_set_txn_base(load, k, at);
            at += a->kept[k];
            margin |= a->margin[k];
        }
        rc = tier__pload_reserve_txns(load, at, margin);
    }
    if (rc == TIER_OK) {
        tier__par_run(ex, np, add_task, a);
        for (k = 0; k < np && rc == TIER_OK; k++)
            rc = a->rc[k];
    }
    if (rc == TIER_OK)
        rc = tier__pload_finish(load, &made);
    tier__pload_free(load);
    tier__free(&b->alloc, a);
    if (rc == TIER_OK)
        rc = tier__book_take(b, made);
    tier_book_free(made);
    b->err[0] = '\0';
    return rc == TIER_OK;
}
