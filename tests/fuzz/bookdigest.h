/* SPDX-License-Identifier: MIT */
/* For the fuzz targets that change a book (fuzz_attributes, fuzz_rows, fuzz_api): a digest of
 * everything the public API shows of a book (customer ids and figures, transactions, contracts,
 * attribute names, types and values), so that "a failed call leaves the book as it was" is one
 * comparison. Header only (static inline). */
#ifndef TIER_FUZZ_BOOKDIGEST_H
#define TIER_FUZZ_BOOKDIGEST_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tier.h"

/* FNV-1a over n bytes, continuing from h. */
static inline uint64_t tier_fuzz_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static inline uint64_t tier_fuzz_hash_double(uint64_t h, double v)
{
    if (v != v)
        v = NAN; /* every NaN alike */
    return tier_fuzz_hash(h, &v, sizeof v);
}

static inline uint64_t tier_fuzz_hash_size(uint64_t h, size_t v)
{
    uint64_t w = (uint64_t)v;
    return tier_fuzz_hash(h, &w, sizeof w);
}

static inline uint64_t tier_fuzz_hash_text(uint64_t h, const char *s)
{
    return s ? tier_fuzz_hash(h, s, strlen(s) + 1) : tier_fuzz_hash(h, "\xff", 1);
}

/* The digest of the book's visible contents. */
static inline uint64_t tier_fuzz_book_digest(const tier_book *book)
{
    uint64_t h = 14695981039346656037ULL;
    size_t n = tier_book_customer_count(book), na = tier_book_attribute_count(book), t, i, a;
    int32_t first = 0, last = 0;
    h = tier_fuzz_hash_size(h, n);
    h = tier_fuzz_hash_size(h, tier_book_txn_count(book));
    h = tier_fuzz_hash_size(h, tier_book_contract_total(book));
    h = tier_fuzz_hash_size(h, na);
    if (tier_book_day_range(book, &first, &last) == TIER_OK) {
        h = tier_fuzz_hash(h, &first, sizeof first);
        h = tier_fuzz_hash(h, &last, sizeof last);
    }
    for (t = 0; t < tier_book_txn_count(book); t++) {
        size_t c = 0;
        int32_t day = 0;
        double amount = 0, margin = 0;
        (void)tier_book_txn(book, t, &c, &day, &amount, &margin);
        h = tier_fuzz_hash_size(h, c);
        h = tier_fuzz_hash(h, &day, sizeof day);
        h = tier_fuzz_hash_double(h, amount);
        h = tier_fuzz_hash_double(h, margin);
    }
    for (a = 0; a < na; a++) {
        int type = 0;
        h = tier_fuzz_hash_text(h, tier_book_attribute_name(book, a, &type));
        h = tier_fuzz_hash(h, &type, sizeof type);
    }
    for (i = 0; i < n; i++) {
        size_t len = 0, k;
        const char *id = tier_book_customer_id(book, i, &len);
        int stat;
        h = tier_fuzz_hash_size(h, len);
        h = tier_fuzz_hash(h, id, len);
        for (stat = TIER_BOOK_STAT_FIRST_PURCHASE; stat <= TIER_BOOK_STAT_NET_MARGIN; stat++) {
            double v = 0;
            (void)tier_book_customer_stat(book, i, stat, &v);
            h = tier_fuzz_hash_double(h, v);
        }
        for (k = 0; k < tier_book_contract_count(book, i); k++) {
            tier_contract c;
            memset(&c, 0, sizeof c);
            (void)tier_book_contract(book, i, k, &c);
            h = tier_fuzz_hash(h, &c.start_day, sizeof c.start_day);
            h = tier_fuzz_hash(h, &c.end_day, sizeof c.end_day);
            h = tier_fuzz_hash_double(h, c.amount);
            h = tier_fuzz_hash(h, &c.period, sizeof c.period);
            h = tier_fuzz_hash(h, &c.status, sizeof c.status);
            h = tier_fuzz_hash_text(h, c.plan);
        }
        for (a = 0; a < na; a++) {
            int type = 0;
            const char *name = tier_book_attribute_name(book, a, &type);
            if (type == TIER_ATTR_NUMBER) {
                double v = 0;
                int rc = tier_book_get_number(book, i, name, &v);
                h = tier_fuzz_hash(h, &rc, sizeof rc);
                h = tier_fuzz_hash_double(h, rc == TIER_OK ? v : 0);
            } else {
                const char *v = NULL;
                int rc = tier_book_get_text(book, i, name, &v);
                h = tier_fuzz_hash(h, &rc, sizeof rc);
                h = tier_fuzz_hash_text(h, rc == TIER_OK ? v : NULL);
            }
        }
    }
    return h;
}

#endif
