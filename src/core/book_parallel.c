/* SPDX-License-Identifier: MIT */
/* tier_book_add_txns on the host's threads: the rows are cut into consecutive parts, each part
 * is added to a blank book of its own with the book's options and limits (on its own thread),
 * the part books are merged in row order (tier_book_merge gives exactly the book of adding all
 * the rows to one book) and the result is merged into the book, or, when the book is still
 * blank, becomes it. Nothing here reports an error: any failure leaves the book as it was and
 * the caller adds the rows on one thread, which names the first bad row as it always did. */
#include <string.h>

#include "core/book_impl.h"
#include "util/par.h"

/* Fewer rows than this per part are not worth a thread. */
#define PAR_MIN_ROWS ((size_t)1 << 14)

typedef struct add_part {
    const tier__txn_columns *c;
    tier_book *book;
    size_t lo, hi;
    int rc;
} add_part;

static void add_part_task(void *arg, size_t i)
{
    add_part *t = (add_part *)arg + i;
    tier__book_begin(t->book);
    t->rc = tier__book_add_columns(t->book, t->c, t->lo, t->hi);
    if (t->rc)
        tier__book_rollback(t->book);
    else
        tier__book_commit(t->book);
}

/* A new blank book with b's allocator, options and limits (NULL when out of memory). */
static tier_book *blank_like(const tier_book *b)
{
    tier_book *n = NULL;
    if (tier_book_new(&n, &b->alloc) != TIER_OK)
        return NULL;
    n->keep_txns = b->keep_txns;
    n->ignore_from = b->ignore_from;
    n->lim_id_len = b->lim_id_len;
    n->lim_customers = b->lim_customers;
    n->lim_rows_per_call = b->lim_rows_per_call;
    n->lim_attributes = b->lim_attributes;
    n->lim_text = b->lim_text;
    return n;
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
    SWAP(size_t, b->cap_tx, src->cap_tx);
    SWAP(uint32_t *, b->tx_cust, src->tx_cust);
    SWAP(int32_t *, b->tx_day, src->tx_day);
    SWAP(int64_t *, b->tx_amount, src->tx_amount);
    SWAP(int64_t *, b->tx_margin, src->tx_margin);
}

int tier__book_add_columns_parallel(tier_book *b, const tier__txn_columns *c)
{
    const tier_executor *ex = tier__book_executor(b);
    size_t np = tier__par_width(ex), k;
    add_part *parts;
    int ok = 1;
    if (np > c->n / PAR_MIN_ROWS)
        np = c->n / PAR_MIN_ROWS;
    if (np < 2 || b->nsp || b->staging)
        return 0;
    if (!(parts = tier__calloc(&b->alloc, np, sizeof *parts)))
        return 0;
    for (k = 0; k < np; k++) {
        parts[k].c = c;
        parts[k].lo = c->n / np * k + c->n % np * k / np;
        parts[k].hi = k + 1 == np ? c->n : c->n / np * (k + 1) + c->n % np * (k + 1) / np;
        if (!(parts[k].book = blank_like(b)))
            ok = 0;
    }
    if (ok)
        tier__par_run(ex, np, add_part_task, parts);
    /* In row order: the parts into the first, then the first into the book. */
    for (k = 0; k < np && ok; k++)
        ok = parts[k].rc == TIER_OK &&
             (k == 0 || tier_book_merge(parts[0].book, parts[k].book) == TIER_OK);
    if (ok && blank(b))
        adopt(b, parts[0].book);
    else if (ok)
        ok = tier_book_merge(b, parts[0].book) == TIER_OK;
    for (k = 0; k < np; k++)
        tier_book_free(parts[k].book);
    tier__free(&b->alloc, parts);
    b->err[0] = '\0';
    return ok;
}
