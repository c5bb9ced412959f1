/* SPDX-License-Identifier: MIT */
/* The book's index of each customer's kept transactions: two chains of uint32_t (per transaction
 * the customer's previous one, per customer its newest), built on first use and kept valid as
 * transactions are added, merged in and rolled back, so that one customer's transactions are
 * found without a pass over the book (tier__book_customer_txns, tier__book_customer_figures). */
#include <string.h>

#include "core/book_impl.h"

void tier__book_index_free(tier_book *b)
{
    tier__free(&b->alloc, b->tx_prev);
    tier__free(&b->alloc, b->tx_last);
    b->tx_prev = b->tx_last = NULL;
    b->cap_tx_prev = b->cap_tx_last = 0;
    b->idx_ncust = 0;
    b->indexed = 0;
}

/* Room in tx_last for customers [0, need), the new ones without a transaction. */
static int cover_customers(tier_book *b, size_t need)
{
    void *p = b->tx_last;
    if (tier__grow(&b->alloc, &p, &b->cap_tx_last, need, sizeof(uint32_t)) != TIER_OK)
        return TIER_ENOMEM;
    b->tx_last = p;
    while (b->idx_ncust < need)
        b->tx_last[b->idx_ncust++] = NO_TXN;
    return TIER_OK;
}

void tier__book_index_reserve(tier_book *b, uint32_t customer)
{
    void *p;
    if (!b->indexed)
        return;
    p = b->tx_prev;
    if (b->live.ntx + 1 >= NO_TXN ||
        tier__grow(&b->alloc, &p, &b->cap_tx_prev, b->live.ntx + 1, sizeof(uint32_t)) != TIER_OK) {
        tier__book_index_free(b); /* built again on the next use */
        return;
    }
    b->tx_prev = p;
    if (cover_customers(b, (size_t)customer + 1) != TIER_OK)
        tier__book_index_free(b);
}

void tier__book_index_append(tier_book *b, uint32_t customer, size_t t)
{
    if (!b->indexed)
        return;
    b->tx_prev[t] = b->tx_last[customer];
    b->tx_last[customer] = (uint32_t)t;
}

void tier__book_index_rollback(tier_book *b)
{
    size_t t;
    if (!b->indexed)
        return;
    /* Newest first: each unlink restores what the customer's newest was before it. */
    for (t = b->live.ntx; t-- > b->mark.ntx;)
        b->tx_last[b->tx_cust[t]] = b->tx_prev[t];
    if (b->idx_ncust > b->mark.ncust)
        b->idx_ncust = b->mark.ncust;
}

int tier__book_index_txns(const tier_book *book, char *why)
{
    tier_book *b = (tier_book *)book; /* the index is a cache: see book_internal.h */
    size_t t, ncust = b->live.ncust;
    if (b->indexed)
        return TIER_OK;
    if (!b->keep_txns) {
        tier__errorf(why, "the book keeps no transactions, so one customer's transactions "
                          "cannot be read (keep them: TIER_BOOK_OPT_KEEP_TRANSACTIONS)");
        return TIER_ESTATE;
    }
    if (b->live.ntx >= NO_TXN) {
        tier__errorf(why, "%zu kept transactions are too many to index by customer", b->live.ntx);
        return TIER_ERANGE;
    }
    b->cap_tx_prev = 0;
    b->tx_prev = tier__malloc(&b->alloc, (b->cap_tx ? b->cap_tx : 1) * sizeof(uint32_t));
    if (b->tx_prev)
        b->cap_tx_prev = b->cap_tx ? b->cap_tx : 1;
    b->indexed = 1; /* so that tier__book_index_free releases a half-built index */
    b->idx_ncust = 0;
    if (!b->tx_prev || cover_customers(b, ncust ? ncust : 1) != TIER_OK) {
        tier__book_index_free(b);
        tier__errorf(why, "out of memory indexing the transactions of %zu customers", ncust);
        return TIER_ENOMEM;
    }
    b->idx_ncust = ncust;
    for (t = 0; t < b->live.ntx; t++)
        tier__book_index_append(b, b->tx_cust[t], t);
    return TIER_OK;
}

void tier__book_index_ids(const tier_book *b, size_t c, uint32_t *ids, size_t cap, size_t *k)
{
    size_t n = 0, i;
    uint32_t t;
    if (c >= b->idx_ncust) {
        *k = 0;
        return;
    }
    /* One walk down the chain (newest first), keeping what fits; then oldest first. */
    for (t = b->tx_last[c]; t != NO_TXN; t = b->tx_prev[t], n++)
        if (n < cap)
            ids[n] = t;
    *k = n;
    for (i = 0; n <= cap && i < n / 2; i++) {
        uint32_t x = ids[i];
        ids[i] = ids[n - 1 - i];
        ids[n - 1 - i] = x;
    }
}

int tier__book_customer_txns(const tier_book *b, size_t customer, tier__txn *out, size_t cap,
                             size_t *n, char *why)
{
    uint32_t small[64], *ids = small;
    size_t k, i;
    int rc = tier__book_index_txns(b, why);
    *n = 0;
    if (rc)
        return rc;
    tier__book_index_ids(b, customer, ids, 64, &k);
    *n = k;
    if (k > cap)
        return TIER_OK; /* the caller asks again with room for k */
    if (k > 64) {
        ids = tier__malloc(&b->alloc, k * sizeof *ids);
        if (!ids) {
            tier__errorf(why, "out of memory reading the %zu transactions of a customer", k);
            return TIER_ENOMEM;
        }
        tier__book_index_ids(b, customer, ids, k, &k);
    }
    for (i = 0; i < k; i++) {
        uint32_t t = ids[i];
        out[i].day = b->tx_day[t];
        out[i].amount = b->tx_amount[t];
        out[i].has_margin = b->tx_margin && b->tx_margin[t] != NO_MARGIN;
        out[i].margin = out[i].has_margin ? b->tx_margin[t] : 0;
    }
    if (ids != small)
        tier__free(&b->alloc, ids);
    return TIER_OK;
}
