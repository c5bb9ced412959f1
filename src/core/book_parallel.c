/* SPDX-License-Identifier: MIT */
/* tier_book_add_txns on the host's threads: the rows are cut into consecutive parts, each part
 * is added to a blank book of its own with the book's options and limits (on its own thread),
 * the part books are folded into the first in row order, as tier_book_merge would merge them one
 * after another (which gives exactly the book of adding all the rows to one book), and the result
 * is merged into the book, or, when the book is still blank, becomes it. The fold runs on the
 * host's threads too: finding a part's customers in the first book, adding the new ones after
 * its customers in the part's order, adding the figures and copying the transactions are split
 * into slices. Nothing here reports an error: any failure
 * leaves the book as it was and the caller adds the rows on one thread, which names the first
 * bad row as it always did. */
#include <string.h>

#include "core/book_impl.h"
#include "util/par_tasks.h"

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
    if (i > 0)
        tier__book_drop_table(t->book); /* folded into the first part, which looks the ids up */
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

/* ---- folding the parts into the first --------------------------------------------------- */

/* One part (src) folded into the first (dst); map[i] is dst's customer for src's customer i. */
typedef struct fold_job {
    tier_book *dst;
    const tier_book *src;
    uint32_t *map;
    size_t tasks;
    size_t at;                       /* dst's transaction number of src's first */
    const uint32_t *src_cust;        /* src's transactions' customers (moved, when borrowed) */
    int overflow[TIER__PAR_TASKS];   /* per task: a customer's net or margin overflows */
    size_t overlap[TIER__PAR_TASKS]; /* per task: the first src customer whose days overlap */
} fold_job;

/* Finds a slice of src's customers in dst (NO_CUSTOMER: new), a batch of table slots ahead. */
static void fold_find(void *arg, size_t t)
{
    fold_job *j = arg;
    const tier_book *src = j->src, *dst = j->dst;
    size_t n = src->live.ncust, i = tier__par_begin(n, j->tasks, t),
           end = tier__par_begin(n, j->tasks, t + 1), k;
    uint64_t h[TIER__BOOK_BATCH];
    for (; i < end; i += TIER__BOOK_BATCH) {
        size_t m = end - i < TIER__BOOK_BATCH ? end - i : TIER__BOOK_BATCH;
        for (k = 0; k < m; k++) {
            h[k] = tier__book_hash_id(tier__book_id_ptr(src, i + k), tier__book_id_len(src, i + k));
            if (dst->nslots) /* else the compact table (a fold that appended before) */
                TIER__BOOK_PREFETCH(&dst->slots[tier__book_home(dst, h[k])]);
        }
        for (k = 0; k < m; k++)
            j->map[i + k] = tier__book_find_hashed(dst, tier__book_id_ptr(src, i + k),
                                                   tier__book_id_len(src, i + k), h[k]);
    }
}

/* Adds a slice of src's customers' figures to theirs in dst and copies a slice of src's
 * transactions after dst's (the room is reserved; customers mapped). */
static void fold_rest(void *arg, size_t t)
{
    fold_job *j = arg;
    const tier_book *src = j->src;
    tier_book *dst = j->dst;
    size_t n = src->live.ncust, i = tier__par_begin(n, j->tasks, t),
           end = tier__par_begin(n, j->tasks, t + 1);
    j->overflow[t] = 0;
    j->overlap[t] = SIZE_MAX;
    for (; i < end; i++) {
        tier__figures *f = &dst->fig[j->map[i]];
        if (i + TIER__BOOK_BATCH < end)
            TIER__BOOK_PREFETCH(&dst->fig[j->map[i + TIER__BOOK_BATCH]]);
        if (tier__add_i64(f->net, src->fig[i].net, &f->net) ||
            tier__add_i64(f->margin, src->fig[i].margin, &f->margin)) {
            j->overflow[t] = 1;
            break;
        }
        if (tier__book_combine(f, &src->fig[i]) && j->overlap[t] == SIZE_MAX)
            j->overlap[t] = i;
    }
    n = src->live.ntx;
    i = tier__par_begin(n, j->tasks, t);
    end = tier__par_begin(n, j->tasks, t + 1);
    if (i == end)
        return;              /* no transactions here (the columns may not even exist) */
    if (!src->tx_borrowed) { /* else they are where they belong (fold_one) */
        memcpy(dst->tx_day + j->at + i, src->tx_day + i, (end - i) * sizeof *dst->tx_day);
        memcpy(dst->tx_amount + j->at + i, src->tx_amount + i, (end - i) * sizeof *dst->tx_amount);
    }
    for (; i < end; i++) {
        dst->tx_cust[j->at + i] = j->map[j->src_cust[i]];
        if (dst->tx_margin)
            dst->tx_margin[j->at + i] = src->tx_margin ? src->tx_margin[i] : NO_MARGIN;
    }
}

/* src's customers that dst lacks (map[i] NO_CUSTOMER), added after dst's in src's order. */
typedef struct fresh_job {
    tier_book *dst;
    const tier_book *src;
    uint32_t *map;
    size_t tasks;
    /* Per slice of src's customers: how many are new and the bytes of their ids (NULs
     * included), then (summed up) the number of its first new customer and its ids' offset. */
    size_t count[TIER__PAR_TASKS], bytes[TIER__PAR_TASKS];
} fresh_job;

static void fresh_count(void *arg, size_t t)
{
    fresh_job *f = arg;
    size_t i = tier__par_begin(f->src->live.ncust, f->tasks, t),
           end = tier__par_begin(f->src->live.ncust, f->tasks, t + 1), count = 0, bytes = 0;
    for (; i < end; i++)
        if (f->map[i] == NO_CUSTOMER) {
            count++;
            bytes += tier__book_id_len(f->src, i) + 1;
        }
    f->count[t] = count;
    f->bytes[t] = bytes;
}

/* Writes a slice's new customers where fresh_count's sums put them: id, offset, blank figures. */
static void fresh_copy(void *arg, size_t t)
{
    fresh_job *f = arg;
    tier_book *dst = f->dst;
    size_t i = tier__par_begin(f->src->live.ncust, f->tasks, t),
           end = tier__par_begin(f->src->live.ncust, f->tasks, t + 1), c = f->count[t],
           off = f->bytes[t];
    for (; i < end; i++) {
        size_t len;
        if (f->map[i] != NO_CUSTOMER)
            continue;
        len = tier__book_id_len(f->src, i) + 1;
        memcpy(dst->ids + off, tier__book_id_ptr(f->src, i), len); /* its NUL too */
        off += len;
        dst->id_off[c + 1] = off;
        tier__book_blank_figures(&dst->fig[c]);
        f->map[i] = (uint32_t)c++;
    }
}

/* Interns the new customers into dst's wide table a batch at a time, their slots fetched ahead
 * (as fold_find does). 0 when a customer cannot be added. */
static int intern_new(tier_book *dst, const tier_book *src, uint32_t *map)
{
    size_t n = src->live.ncust, i, k, m, at[TIER__BOOK_BATCH];
    uint64_t h[TIER__BOOK_BATCH];
    int created;
    for (i = 0; i < n; i += TIER__BOOK_BATCH) {
        size_t end = n - i < TIER__BOOK_BATCH ? n : i + TIER__BOOK_BATCH;
        for (m = 0, k = i; k < end; k++) {
            if (map[k] != NO_CUSTOMER)
                continue;
            h[m] = tier__book_hash_id(tier__book_id_ptr(src, k), tier__book_id_len(src, k));
            TIER__BOOK_PREFETCH(&dst->slots[tier__book_home(dst, h[m])]);
            at[m++] = k;
        }
        for (k = 0; k < m; k++)
            if (tier__book_intern_hashed(dst, tier__book_id_ptr(src, at[k]),
                                         tier__book_id_len(src, at[k]), h[k], &map[at[k]],
                                         &created) != TIER_OK)
                return 0;
    }
    return 1;
}

/* Adds src's customers that dst lacks (map[i] NO_CUSTOMER) to dst in src's order, and maps them.
 * A few (at most 1/16 of dst's customers) go into dst's wide table when it has room for them.
 * Otherwise the table is dropped and they are written on the host's threads, each slice of src
 * at the place the counts of the slices before it give, and dst gets the compact table, which a
 * book that is then read needs anyway (tier__book_trim): interning them one after another would
 * keep one core busy and the other idle (a third of the customers are new to the first part in
 * the W1 benchmark), and a full wide table would have to double. 0 when a customer cannot be
 * added or the table not built. */
static int add_new(const tier_executor *ex, tier_book *dst, const tier_book *src, uint32_t *map)
{
    fresh_job f;
    size_t t, count = 0, bytes = 0;
    f.dst = dst;
    f.src = src;
    f.map = map;
    f.tasks = tier__par_tasks(ex, src->live.ncust, PAR_MIN_ROWS);
    tier__par_run(ex, f.tasks, fresh_count, &f);
    for (t = 0; t < f.tasks; t++) {
        size_t c = f.count[t], b = f.bytes[t];
        f.count[t] = dst->live.ncust + count;
        f.bytes[t] = dst->live.ids_len + bytes;
        count += c;
        bytes += b;
    }
    if (count == 0)
        return 1;
    if (dst->nslots && count <= dst->live.ncust / 16 &&
        (dst->live.ncust + count) * 2 <= dst->nslots)
        return intern_new(dst, src, map);
    tier__book_drop_table(dst);
    if (tier__book_reserve_customers(dst, count, bytes) != TIER_OK)
        return 0;
    tier__par_run(ex, f.tasks, fresh_copy, &f);
    dst->live.ncust += count;
    dst->live.ids_len += bytes;
    return tier__book_reindex(dst) == TIER_OK;
}

/* Folds part k's book into dst: its customers found (in parallel), the new ones added in its
 * order, then figures and transactions (in parallel). Returns 0 when a customer cannot be added
 * or a sum overflows (dst is then of no use). */
static int fold_one(const tier_executor *ex, fold_job *j, const tier_book *src)
{
    tier_book *dst = j->dst;
    size_t t, n = src->live.ncust;
    j->src = src;
    j->tasks = tier__par_tasks(ex, n, PAR_MIN_ROWS);
    tier__par_run(ex, j->tasks, fold_find, j);
    if (!add_new(ex, dst, src, j->map))
        return 0;
    if (src->live.unordered && !dst->live.unordered) {
        dst->live.unordered = 1;
        dst->live.unordered_cust = j->map[src->live.unordered_cust];
    }
    j->at = dst->live.ntx;
    if (src->tx_borrowed && src->tx_day != dst->tx_day + j->at) {
        /* Rows ignored before: its transactions move down to follow dst's, at once (the slices
         * of fold_rest would overlap). */
        memmove(dst->tx_cust + j->at, src->tx_cust, src->live.ntx * sizeof *dst->tx_cust);
        memmove(dst->tx_day + j->at, src->tx_day, src->live.ntx * sizeof *dst->tx_day);
        memmove(dst->tx_amount + j->at, src->tx_amount, src->live.ntx * sizeof *dst->tx_amount);
    }
    if (src->tx_borrowed) {
        j->src_cust = dst->tx_cust + j->at;
    } else
        j->src_cust = src->tx_cust;
    j->tasks = tier__par_tasks(ex, n > src->live.ntx ? n : src->live.ntx, PAR_MIN_ROWS);
    tier__par_run(ex, j->tasks, fold_rest, j);
    for (t = 0; t < j->tasks; t++) {
        if (j->overflow[t])
            return 0;
        if (j->overlap[t] != SIZE_MAX && !dst->live.unordered) {
            dst->live.unordered = 1;
            dst->live.unordered_cust = j->map[j->overlap[t]];
        }
    }
    dst->live.ntx += src->live.ntx;
    tier__book_merge_extent(dst, src);
    return 1;
}

int tier__book_fold(const tier_executor *ex, tier_book *dst, const tier_book *src)
{
    fold_job j;
    tier_executor saved_exec;
    int ok, saved_has;
    /* Attributes and contracts (and a dst that is empty or without an id table, which the
     * look-ups need) go the one-thread way: tier_book_merge. */
    if ((dst->live.ncust == 0) | ((dst->nslots == 0) & (dst->ctag == NULL)) |
        (dst->live.nattr != 0) | (src->live.nattr != 0) | (dst->contracts != NULL) |
        (src->contracts != NULL))
        return tier_book_merge(dst, src) == TIER_OK;
    if (tier__book_reserve_txns(dst, dst->live.ntx + src->live.ntx,
                                (dst->tx_margin != NULL) | (src->tx_margin != NULL)) != TIER_OK ||
        !(j.map = tier__malloc_n(&dst->alloc, src->live.ncust + 1, sizeof *j.map)))
        return 0;
    j.dst = dst;
    /* dst has ex for the fold, so that its compact table (add_new) is built on ex's threads. */
    saved_exec = dst->exec;
    saved_has = dst->has_exec;
    dst->has_exec = ex != NULL;
    if (ex)
        dst->exec = *ex;
    ok = fold_one(ex, &j, src);
    dst->exec = saved_exec;
    dst->has_exec = saved_has;
    tier__free(&dst->alloc, j.map);
    dst->err[0] = '\0';
    return ok;
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
    SWAP(unsigned, b->slot_bits, src->slot_bits);
    SWAP(uint32_t *, b->ctag, src->ctag);
    SWAP(uint32_t *, b->cidx, src->cidx);
    SWAP(uint32_t *, b->cat, src->cat);
    SWAP(unsigned, b->cbits, src->cbits);
    SWAP(size_t, b->cap_tx, src->cap_tx);
    SWAP(uint32_t *, b->tx_cust, src->tx_cust);
    SWAP(int32_t *, b->tx_day, src->tx_day);
    SWAP(int64_t *, b->tx_amount, src->tx_amount);
    SWAP(int64_t *, b->tx_margin, src->tx_margin);
}

/* The transactions of every part in one set of columns, the first part's, each later part
 * writing its stretch (its rows' place when none is ignored): no part grows its own and the
 * fold copies nothing. Best effort: without the memory each part keeps its own. */
static void borrow_txns(add_part *parts, size_t np, size_t n)
{
    tier_book *first = parts[0].book;
    size_t k;
    if (!first->keep_txns || tier__book_reserve_txns(first, n, 0) != TIER_OK)
        return;
    for (k = 1; k < np; k++) {
        tier_book *p = parts[k].book;
        p->tx_cust = first->tx_cust + parts[k].lo;
        p->tx_day = first->tx_day + parts[k].lo;
        p->tx_amount = first->tx_amount + parts[k].lo;
        p->cap_tx = parts[k].hi - parts[k].lo;
        p->tx_borrowed = 1;
    }
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
        borrow_txns(parts, np, c->n);
    if (ok)
        tier__par_run(ex, np, add_part_task, parts);
    /* In row order: the parts into the first, then the first into the book. */
    for (k = 0; k < np && ok; k++)
        ok = parts[k].rc == TIER_OK;
    for (k = 1; k < np && ok; k++) {
        ok = tier__book_fold(ex, parts[0].book, parts[k].book);
        tier_book_free(parts[k].book); /* at most two parts' customers at once */
        parts[k].book = NULL;
    }
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
