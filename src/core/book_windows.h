/* SPDX-License-Identifier: MIT */
/* Per-customer figures over fixed day ranges, kept up to date as transactions are appended to the
 * book (incremental re-tiering, docs/retier.md): computed once from the whole book, then each
 * transaction added since is folded into its customer's figures, so that reading one customer's
 * figures costs O(1) and never touches the rest of the book. */
#ifndef TIER_BOOK_WINDOWS_H
#define TIER_BOOK_WINDOWS_H

#include "core/book_internal.h"

typedef struct tier__book_windows {
    const tier_allocator *a;
    size_t n;           /* ranges */
    size_t customers;   /* customers of the book when made (those after it are not followed) */
    size_t synced;      /* the book's transactions folded in */
    int32_t *from;      /* [n] first day of each range */
    int32_t to;         /* first day after every range */
    tier__figures *fig; /* [customers * n]: customer-major */
    unsigned char *unordered; /* [customers] 1: a purchase came before the customer's last one
                               * in a range (its purchase-days are then unknown) */
} tier__book_windows;

/* Figures of every customer of `book` over [from[k], to) for k < n. The book must keep its
 * transactions. TIER_OK, TIER_ESTATE (why says it), TIER_ENOMEM. On failure *w is empty. */
int tier__book_windows_init(tier__book_windows *w, const tier_allocator *a, const tier_book *book,
                            const int32_t *from, size_t n, int32_t to, char *why);
void tier__book_windows_free(tier__book_windows *w);
/* Folds in the transactions appended to the book since the last call; cannot fail. */
void tier__book_windows_sync(tier__book_windows *w, const tier_book *book);
/* Customer i's figures over range k (i < customers, after a sync). */
static inline const tier__figures *tier__book_windows_get(const tier__book_windows *w, size_t k,
                                                          size_t i)
{
    return &w->fig[i * w->n + k];
}

#endif
