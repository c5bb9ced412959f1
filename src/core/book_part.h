/* SPDX-License-Identifier: MIT */
/* A partitioned load (book_part.c): rows made into a new blank book on the host's threads, with
 * exactly the result of adding each thread's rows to a book of its own and merging those books
 * in order with tier_book_merge (which gives the book of adding all the rows to one book).
 *
 * Each stripe (one per thread) takes consecutive rows, in order, from one thread. A stripe keeps
 * its customers in up to 256 partitions by the top bits of the id's hash, each with a table of
 * its own. tier__pload_finish then merges the stripes partition by partition (the partitions
 * spread over the threads; stripe order within each, as tier_book_merge would), puts the
 * customers in the order of their first row (a bit per row marks the rows that made a
 * customer: a customer's index is the number of marks before its row) and builds the book's
 * arrays and id table (whose home slot is the hash's top bits, so that each partition fills a
 * stretch of its own). */
#ifndef TIER_BOOK_PART_H
#define TIER_BOOK_PART_H

#include "core/book_internal.h"

typedef struct tier__pload tier__pload;

/* A load of `stripes` stripes (1..64) into a new book with like's allocator, options and limits,
 * merged through `ex` (NULL: on this thread); `expect` rows are expected in all (it sets how many
 * partitions the load has). TIER_OK or TIER_ENOMEM. */
int tier__pload_new(tier__pload **out, const tier_book *like, size_t stripes,
                    const tier_executor *ex, uint64_t expect);
/* Adds stripe s's next n rows (tier__book_add_rows' rules). Returns TIER_OK or an error (a bad
 * id, day or amount, an overflowing sum, too many customers, no memory; *failed_at = the row),
 * after which only tier__pload_free is allowed. Several threads may add rows at once, each to a
 * stripe of its own. */
int tier__pload_add_rows(tier__pload *load, size_t s, const tier__row *rows, size_t n,
                         size_t *failed_at);
/* The kept transactions of stripe s go to the book's transactions from index `at` on (the
 * caller counts each stripe's kept rows ahead and calls tier__pload_reserve_txns); without it a
 * load that keeps transactions takes one stripe only. */
void tier__pload_set_txn_base(tier__pload *load, size_t s, uint64_t at);
int tier__pload_reserve_txns(tier__pload *load, uint64_t n, int with_margin);
/* The book of every row added, into *out (the caller owns it). TIER_OK or an error. */
int tier__pload_finish(tier__pload *load, tier_book **out);
void tier__pload_free(tier__pload *load);

/* A new blank book with b's allocator, options and limits (NULL when out of memory). */
tier_book *tier__book_blank_like(const tier_book *b);
/* Makes `made` (a book made apart, as by a load) part of b: b takes its contents when b is blank
 * (made is left blank), else it is merged in (tier_book_merge, whose status this returns; made
 * is unchanged). Either way the caller still frees made (book_parallel.c). */
int tier__book_take(tier_book *b, tier_book *made);

#endif
