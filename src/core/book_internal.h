/* SPDX-License-Identifier: MIT */
/* The book's internal interface: the staged fast path used by the CSV reader and the exact
 * per-customer figures used by the models. */
#ifndef TIER_BOOK_INTERNAL_H
#define TIER_BOOK_INTERNAL_H

#include "util/internal.h"

/* Per-customer figures over a set of transactions. Days are INT32_MIN when there was no purchase.
 */
typedef struct tier__figures {
    int32_t first_day;      /* first purchase (amount >= 0) */
    int32_t last_day;       /* last purchase */
    uint32_t purchase_days; /* distinct days with a purchase */
    uint32_t purchases;     /* purchase rows */
    uint32_t refunds;       /* refund rows (amount < 0) */
    uint32_t has_margin;    /* 1 when any row carried a margin */
    int64_t net;            /* sum of amounts, fixed point */
    int64_t margin;         /* sum of margins, fixed point */
} tier__figures;

/* Staged loading: begin, add rows, then commit or roll back. Between begin and commit the book
 * may only be changed through tier__book_add_fixed. A rollback restores the book exactly and
 * never allocates. */
void tier__book_begin(tier_book *book);
/* Adds one row (amount/margin fixed point); only between begin and commit/rollback. Returns TIER_OK
 * or TIER_EINVAL (id), TIER_ERANGE (limits, day, overflow), TIER_ENOMEM; the book's error text says
 * why (without row numbers). */
int tier__book_add_fixed(tier_book *book, const char *id, size_t id_len, int32_t day,
                         int64_t amount, int64_t margin, int has_margin);
/* One row for tier__book_add_rows. */
typedef struct tier__row {
    const char *id;
    size_t id_len;
    int32_t day;
    int has_margin;
    int64_t amount;
    int64_t margin;
} tier__row;
/* Adds n rows (the fast path: same rules as tier__book_add_fixed, with the memory accesses of a
 * batch overlapped). On failure *failed_at is the failing row; rows before it were added (the
 * caller rolls the stage back). */
int tier__book_add_rows(tier_book *book, const tier__row *rows, size_t n, size_t *failed_at);
void tier__book_commit(tier_book *book);
/* Undoes everything since tier__book_begin; the book's error text stays as it is (the reason). */
void tier__book_rollback(tier_book *book);

/* Gives back the room the book's growing arrays keep beyond what they hold (customers, ids,
 * kept transactions) and replaces the id hash table (or, after tier__book_drop_table, the lack
 * of one) by a compact one (a quarter of its size; look-ups read the id too; the next customer
 * added builds the wide table again): for a book
 * that is loaded and about to be only read, such as a pipeline's. Best effort: an array the
 * allocator cannot shrink stays as it is, and so does the wide table without the memory for
 * the compact one; the book is the same either way. Not while a stage or a savepoint is open
 * (then it does nothing). */
void tier__book_trim(tier_book *book);

/* Frees the book's id hash table (16 bytes a slot, at most half full: a large part of a loaded
 * book), for a book whose ids nothing looks up for a while, such as a part of a parallel read
 * or add once filled (folding it into the first part looks its ids up in that one's table). The
 * next customer added builds the table again; until then tier_book_find looks through the ids
 * one by one. Not while a stage or savepoint is open (a rollback takes customers out of the
 * table). */
void tier__book_drop_table(tier_book *book);

/* The allocator the book was made with. */
const tier_allocator *tier__book_allocator(const tier_book *book);
/* The executor the host lent the book (tier_book_set_executor), or NULL: what the layers above
 * (models, policies) hand to tier__par_run for work on this book. */
const tier_executor *tier__book_executor(const tier_book *book);
/* Merges src, whose rows came after dst's, into dst as tier_book_merge does, on ex's threads: both
 * books filled by adding or reading transactions alone (the parts of a read or an add in parts:
 * no stage, savepoint or transaction index; alike in keeping transactions); with attributes or
 * contracts, or into an empty dst, it is tier_book_merge. Returns 1, or 0 when it could not (a
 * sum overflows, the customer limit, out of memory: dst is then of no use, unless it was
 * tier_book_merge, which leaves it as it was). */
int tier__book_fold(const tier_executor *ex, tier_book *dst, const tier_book *src);

/* Figures of every customer over the transactions dated in [from_day, to_day) into out[0..n).
 * Uses the running figures when the range covers all of them, otherwise the kept transactions.
 * Returns TIER_OK, TIER_ESTATE (transactions not kept, or purchase-days unknown because a
 * customer's rows came out of date order; `why` gets the reason) or TIER_ENOMEM. */
int tier__book_figures(const tier_book *book, int32_t from_day, int32_t to_day, tier__figures *out,
                       char *why);

/* The same without a copy when the running figures are exact for the range: *view points at the
 * book's own figures (valid until the book changes) and *owned is NULL; otherwise *owned is a new
 * array (free it with the book's allocator) and *view == *owned. */
int tier__book_figures_view(const tier_book *book, int32_t from_day, int32_t to_day,
                            const tier__figures **view, tier__figures **owned, char *why);

/* Figures of one customer over [from_day, to_day): exactly what tier__book_figures gives for
 * that customer, without a pass over the book. The running figures when they are exact for the
 * range (as tier__book_figures decides), otherwise that customer's kept transactions, found
 * through the transaction index (tier__book_index_txns; building it is the only O(book) step).
 * Returns TIER_OK, TIER_ESTATE (as tier__book_figures, `why` says why), TIER_ERANGE (too many
 * transactions to index) or TIER_ENOMEM (a customer with more than 256 transactions needs a
 * buffer; building the index). */
int tier__book_customer_figures(const tier_book *book, size_t customer, int32_t from_day,
                                int32_t to_day, tier__figures *out, char *why);

/* One kept transaction as the book stores it (amounts fixed point). */
typedef struct tier__txn {
    int32_t day;
    int has_margin; /* 0: the margin is unknown (then `margin` is 0) */
    int64_t amount;
    int64_t margin;
} tier__txn;

/* The kept transactions of customer `customer`, oldest first (the order they were added in):
 * *n gets how many the customer has, and when they fit (*n <= cap) they are in out[0..*n);
 * otherwise nothing is written: call again with room for *n. Returns TIER_OK, TIER_ESTATE
 * (transactions not kept), TIER_ERANGE or TIER_ENOMEM (building the index, or more than 64
 * transactions), `why` saying why.
 *
 * The transaction index behind both: the first call on a book that keeps transactions builds
 * an index of every customer's transactions in O(customers + transactions) (4 bytes per kept
 * transaction and 4 per customer; tier__book_index_txns builds it ahead). From then on the book
 * keeps it valid as transactions are added, merged in and rolled back (when growing it fails, an
 * add still succeeds and drops it: the next use builds it again), and frees it with the book.
 * Building writes into the book through a const pointer: the first call must not run at the same
 * time as another call on the same book (build the index ahead to share a book between
 * threads). */
int tier__book_customer_txns(const tier_book *book, size_t customer, tier__txn *out, size_t cap,
                             size_t *n, char *why);
int tier__book_index_txns(const tier_book *book, char *why);

/* The running figures of every customer. Net amount, net margin, purchases and refunds are always
 * exact; first/last purchase and purchase-days only while no row came out of date order. */
const tier__figures *tier__book_running(const tier_book *book);

/* Attributes, for all-or-nothing record adds: reserve (may allocate, may create the attribute;
 * type a tier_attr_type) then put (cannot fail). tier__book_attr_type: 0 unknown, else the
 * attribute's tier_attr_type. */
int tier__book_reserve_attr(tier_book *book, const char *name, int type, size_t index);
void tier__book_put_number(tier_book *book, size_t index, const char *name, double value);
void tier__book_put_text(tier_book *book, size_t index, const char *name, char *owned);
int tier__book_attr_type(const tier_book *book, const char *name);
/* The numeric attribute `name` of every customer into out[0..customers), NaN where unset (all NaN
 * when there is no such numeric attribute). One lookup, not one per customer. */
void tier__book_copy_numbers(const tier_book *book, const char *name, double *out);
/* Customer `index`'s value of attribute `name` in one lookup: NaN when unset or when the
 * attribute holds no numbers; *type gets the attribute's tier_attr_type (0: no such attribute).
 * What tier__book_copy_numbers gives for that customer. */
double tier__book_number_at(const tier_book *book, size_t index, const char *name, int *type);
/* The values of the text attribute `name` (borrowed, valid until the book changes; NULL where
 * unset): returns how many customers the array covers (those after it are unset), 0 with *out
 * NULL when there is no such text attribute. */
size_t tier__book_texts(const tier_book *book, const char *name, const char *const **out);

/* Bytewise comparison of the ids of customers a and b (memcmp, shorter first on a tie). */
int tier__book_compare_ids(const tier_book *b, size_t x, size_t y);

/* The customers in id order (that comparison), computed on the book's executor: *perm (the
 * customers, first id first) and *rank (each customer's place in it), n entries each, allocated
 * with `a`. TIER_OK, TIER_ERANGE (more than UINT32_MAX customers) or TIER_ENOMEM (both NULL). */
int tier__book_id_order(const tier_book *book, const tier_allocator *a, uint32_t **perm,
                        uint32_t **rank);

#endif
