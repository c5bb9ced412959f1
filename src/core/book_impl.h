/* SPDX-License-Identifier: MIT */
/* The book's layout, shared by its files only (other code uses core/book_internal.h):
 * book.c (ids, hash table, creation, options), book_stage.c (staged loading, rows, merging),
 * book_figures.c (figures over a window, of every customer or of one), book_index.c (each
 * customer's kept transactions) and book_attr.c (attribute columns). */
#ifndef TIER_BOOK_IMPL_H
#define TIER_BOOK_IMPL_H

#include <string.h>

#include "core/book_internal.h"

#define NO_CUSTOMER UINT32_MAX
#define NO_DAY INT32_MIN
#define NO_MARGIN INT64_MIN
#define NO_TXN UINT32_MAX

/* One hash slot: the first 8 id bytes inline so that short ids compare without a second miss. */
typedef struct slot {
    uint64_t key8;
    uint32_t index; /* NO_CUSTOMER when empty */
    uint32_t meta;  /* bits 16..31 of the hash | id length (ids are at most 65535 bytes) */
} slot;

typedef struct attribute {
    char *name;
    int type;    /* 0 none yet, else a tier_attr_type */
    size_t len;  /* customers covered; beyond that the value is unset */
    double *num; /* NaN = unset */
    char **text; /* NULL = unset */
} attribute;

/* The part of a book that a stage can move: tier__book_begin saves it, tier__book_rollback puts
 * it back (one list, so that the two cannot drift). */
typedef struct book_extent {
    size_t ncust;             /* customers */
    size_t ntx;               /* kept transactions */
    size_t ids_len;           /* bytes of ids */
    size_t nattr;             /* attribute columns */
    int32_t min_day, max_day; /* of stored transactions; NO_DAY when none */
    uint64_t ignored_rows;
    int unordered; /* some customer's purchases arrived out of date order */
    uint32_t unordered_cust;
} book_extent;

/* One open savepoint (book_savepoint.c): the book as tier_book_savepoint found it, and where its
 * figure journal and attribute undo entries start. */
typedef struct book_savepoint {
    book_extent mark;
    size_t journal_from, undo_from;
} book_savepoint;

/* The value an attribute cell held before a set inside a savepoint (the old text is owned). */
typedef struct attr_undo {
    size_t attr, index;
    double num;
    char *text;
} attr_undo;

typedef struct journal_entry {
    uint32_t index;
    tier__figures before;
} journal_entry;

struct tier_book {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];

    int keep_txns;
    int32_t ignore_from;
    tier_executor exec; /* the host's executor (tier_book_set_executor) when has_exec */
    int has_exec;
    int64_t lim_id_len, lim_customers, lim_rows_per_call, lim_attributes, lim_text;

    book_extent live; /* the book as it is now */

    size_t cap_cust;
    tier__figures *fig;
    size_t *id_off; /* ncust+1 offsets into ids; each id is followed by a NUL */
    char *ids;
    size_t ids_cap;

    slot *slots;
    size_t nslots;      /* power of two (2^slot_bits), or 0 */
    unsigned slot_bits; /* an id's home slot is the top slot_bits bits of its hash */
    /* Instead of `slots`, in a book only read (tier__book_trim; adding a customer builds `slots`
     * again): the compact table, 8 bytes a customer. Per customer in the order of its hash's
     * top cbits bits (its bucket): those top 32 bits (ctag) and the customer (cidx); cat[k] is
     * the first entry of bucket k (k <= 2^cbits). NULL when there is none. */
    uint32_t *ctag, *cidx, *cat;
    unsigned cbits;

    size_t cap_tx;
    uint32_t *tx_cust;
    int32_t *tx_day;
    int64_t *tx_amount;
    int64_t *tx_margin; /* NULL until the first margin; NO_MARGIN = unknown */
    /* 1 in a part of a parallel add whose tx_cust, tx_day and tx_amount are a stretch of the
     * first part's (book_parallel.c): the book never frees or grows them. */
    int tx_borrowed;

    size_t cap_attr;
    attribute *attrs;

    struct tier__contracts *contracts; /* book_contracts.c; NULL until the first contract */

    /* Staging (tier__book_begin .. commit/rollback). */
    int staging;
    book_extent mark; /* the book as the stage found it */
    journal_entry *journal;
    size_t njournal, cap_journal;
    unsigned char *touched; /* bit per pre-existing customer journaled in this stage */
    size_t touched_bytes;
    size_t stage_from; /* the first journal entry of the current stage (0 outside savepoints) */

    /* Savepoints (book_savepoint.c): open levels, innermost last. While one is open the figure
     * journal keeps every stage's entries and attribute sets are logged in `undo`. */
    book_savepoint *sp;
    size_t nsp, cap_sp;
    attr_undo *undo;
    size_t nundo, cap_undo;

    /* The index of each customer's kept transactions (book_index.c): built on first use by
     * tier__book_index_txns, then kept valid as transactions are added and rolled back. Two
     * chains of uint32_t: 4 bytes per kept transaction and 4 per customer. */
    int indexed;
    uint32_t *tx_prev; /* per transaction: the customer's transaction before it, NO_TXN: none */
    size_t cap_tx_prev;
    uint32_t *tx_last; /* per customer: its newest transaction, NO_TXN: none */
    size_t cap_tx_last;
    size_t idx_ncust; /* customers tx_last covers; those after it have no transaction yet */
};

/* Id of customer `index` (NUL-terminated inside the book) and its length. */
static inline const char *tier__book_id_ptr(const tier_book *b, size_t index)
{
    return b->ids + b->id_off[index];
}

static inline size_t tier__book_id_len(const tier_book *b, size_t index)
{
    return b->id_off[index + 1] - b->id_off[index] - 1;
}

/* The figures of a customer without any row yet. */
static inline void tier__book_blank_figures(tier__figures *f)
{
    memset(f, 0, sizeof *f);
    f->first_day = NO_DAY;
    f->last_day = NO_DAY;
}

/* The first 8 bytes of an id (fewer when shorter, zero-padded) as the hash table keeps them; an
 * empty id may come as NULL, which memcpy must not see even for 0 bytes. */
static inline uint64_t tier__book_key8(const char *p, size_t n)
{
    uint64_t v = 0;
    if (n >= 8)
        memcpy(&v, p, 8); /* a fixed size: one load, where a variable one calls memcpy */
    else if (n)
        memcpy(&v, p, n);
    return v;
}

/* The slot where the id of hash h belongs (b has a table): the top bits of the hash, so that
 * the table is in the order of its ids' hashes and growing it walks both tables in order. */
static inline size_t tier__book_home(const tier_book *b, uint64_t h)
{
    return (size_t)(h >> (64 - b->slot_bits));
}

/* A slot's meta: 16 bits of the hash (not the top ones, which make the home) and the length. */
static inline uint32_t tier__book_meta(uint64_t h, size_t len)
{
    return ((uint32_t)h & 0xffff0000u) | (uint32_t)len;
}

/* Finds the slot of b's wide table holding `id` (hash h; *found 1), or the empty slot where it
 * would go (*found 0). Here rather than in book.c so that the per-row path (book_stage.c) finds
 * a known customer without a call. */
static inline size_t tier__book_probe(const tier_book *b, const char *id, size_t len, uint64_t h,
                                      int *found)
{
    size_t mask = b->nslots - 1, i = tier__book_home(b, h);
    uint64_t key8 = tier__book_key8(id, len);
    uint32_t meta = tier__book_meta(h, len);
    for (;;) {
        const slot *s = &b->slots[i];
        if (s->index == NO_CUSTOMER) {
            *found = 0;
            return i;
        }
        if (s->meta == meta && s->key8 == key8 &&
            (len <= 8 || memcmp(tier__book_id_ptr(b, s->index) + 8, id + 8, len - 8) == 0)) {
            *found = 1;
            return i;
        }
        i = (i + 1) & mask;
    }
}

/* The id hash: a 64-bit mix of the id's 8-byte words and its length. */
static inline uint64_t tier__book_mix64(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

/* The hash of an id of at most 8 bytes from those bytes (as the table keeps them) and length. */
static inline uint64_t tier__book_hash_short(uint64_t key8, size_t len)
{
    uint64_t h = tier__book_mix64(0x9e3779b97f4a7c15ULL ^ (uint64_t)len ^ key8);
    return len == 8 ? tier__book_mix64(h) : h;
}

/* The hash of an id longer than 8 bytes (book.c). */
uint64_t tier__book_hash_long(const char *id, size_t len);

/* The hash of any id: inline for the short ids most books hold, which the per-row path hashes. */
static inline uint64_t tier__book_hash_id(const char *id, size_t len)
{
    return len <= 8 ? tier__book_hash_short(tier__book_key8(id, len), len)
                    : tier__book_hash_long(id, len);
}

/* book.c: finding or creating a customer. tier__book_intern_hashed takes the id's hash h;
 * `created` tells whether the customer is new; the book is unchanged on failure (its error text
 * says why). */
int tier__book_intern_hashed(tier_book *b, const char *id, size_t len, uint64_t h, uint32_t *out,
                             int *created);
int tier__book_intern(tier_book *b, const char *id, size_t len, uint32_t *out, int *created);
/* Room for `more` customers after the others with `id_bytes` bytes of ids (their NULs
 * included), in a book without any id table (tier__book_drop_table), where a caller that knows
 * them to be new and valid writes them itself (book_parallel.c): TIER_OK, or TIER_ERANGE (the
 * customer limit) or TIER_ENOMEM with the book's contents unchanged and its error text set.
 * tier__book_reindex() then gives the book a table again. */
int tier__book_reserve_customers(tier_book *b, size_t more, size_t id_bytes);
/* Gives a book without any id table the compact one (else the wide one); TIER_OK, or
 * TIER_ENOMEM with the book still without a table. Does nothing to a book with a table. */
int tier__book_reindex(tier_book *b);
/* The customer whose id hashes to h, NO_CUSTOMER when there is none; b must have a customer
 * and a table, wide or compact (not dropped).
 * Reads the book only, so that several threads may look up at once. */
uint32_t tier__book_find_hashed(const tier_book *b, const char *id, size_t len, uint64_t h);
/* Takes customer `index` out of the hash table (a rollback forgets new customers). */
void tier__book_slot_remove(tier_book *b, size_t index);

/* book_stage.c and book_parallel.c: the columns of one tier_book_add_txns call; rows [lo, hi)
 * of them added inside the book's stage (errors name the row, 0-based in the call; rows before
 * a failing one are added and the caller rolls back). */
typedef struct tier__txn_columns {
    const char *id_data;
    const size_t *id_offsets;
    const int32_t *days;
    const double *amounts, *margins;
    size_t n;
} tier__txn_columns;
int tier__book_add_columns(tier_book *b, const tier__txn_columns *c, size_t lo, size_t hi);
/* Room for `need` kept transactions (doubling), and the margin column when with_margin. */
int tier__book_reserve_txns(tier_book *b, size_t need, int with_margin);
/* Combines the figures of one customer: `later` covers rows that came after those of `f` (net and
 * margin not included: the caller adds them, checking for overflow). Returns 1 when the two
 * overlap in time, so that purchase-days can no longer be known exactly. */
int tier__book_combine(tier__figures *f, const tier__figures *later);
/* What src's rows, after dst's, add to dst's day range and ignored rows. */
void tier__book_merge_extent(tier_book *dst, const tier_book *src);

/* Batches of rows or customers whose table slots and figures are fetched ahead
 * (book_stage.c, book_parallel.c). */
#define TIER__BOOK_BATCH 32
#if defined(__GNUC__)
#define TIER__BOOK_PREFETCH(p) __builtin_prefetch(p)
#else
#define TIER__BOOK_PREFETCH(p) ((void)0)
#endif
/* With an executor and enough rows: adds all of c's rows in parts on the host's threads and
 * returns 1, the book then exactly as tier__book_add_columns over all rows in one stage would
 * leave it; returns 0 with the book unchanged when it did not (no executor, few rows, an open
 * savepoint, any error or lack of memory: the caller then adds the rows itself, which reports
 * the first bad row). */
int tier__book_add_columns_parallel(tier_book *b, const tier__txn_columns *c);

/* book_contracts.c: freeing the contracts, and carrying them through tier_book_merge: prepare
 * (inside dst's stage, after the customers are mapped: checks overlaps, reserves, copies the
 * plans into *pending) then apply after the commit (cannot fail), or cancel. */
void tier__book_contracts_free(tier_book *b);
int tier__book_contracts_merge_prepare(tier_book *dst, const tier_book *src, const uint32_t *map,
                                       char ***pending);
void tier__book_contracts_merge_apply(tier_book *dst, const tier_book *src, const uint32_t *map,
                                      char **pending);
void tier__book_contracts_merge_cancel(tier_book *dst, const tier_book *src, char **pending);

/* book_index.c: keeping the transaction index valid. Before a transaction of `customer` is
 * appended, tier__book_index_reserve makes room for it (on failure it drops the index, which the
 * next use builds again: an add never fails for the index); after, tier__book_index_append links
 * transaction t in. tier__book_index_rollback unlinks the transactions of a rolled-back stage
 * (before b->live goes back to b->mark; never allocates); tier__book_index_free frees it. */
void tier__book_index_reserve(tier_book *b, uint32_t customer);
void tier__book_index_append(tier_book *b, uint32_t customer, size_t t);
void tier__book_index_rollback(tier_book *b);
void tier__book_index_free(tier_book *b);
/* The ids of customer c's kept transactions, oldest first, into ids[0..cap); *k gets how many
 * there are (when *k > cap, ids holds no useful order: call again with room for *k). The index
 * must be built. */
void tier__book_index_ids(const tier_book *b, size_t c, uint32_t *ids, size_t cap, size_t *k);

/* book_savepoint.c: undoes everything since `mark` (figures from journal entry `journal_from`
 * on, customers, transactions, the index, attribute sets from undo entry `undo_from` on and
 * attribute names created since); never allocates. */
void tier__book_undo_to(tier_book *b, const book_extent *mark, size_t journal_from,
                        size_t undo_from);
/* Logs attribute `attr`'s cell `index` before a set when a savepoint is open (TIER_OK outside
 * one); TIER_ENOMEM leaves the book unchanged. tier__book_savepoint_free frees what the
 * savepoints hold (with the book). */
int tier__book_attr_log(tier_book *b, size_t attr, size_t index);
void tier__book_savepoint_free(tier_book *b);

#endif
