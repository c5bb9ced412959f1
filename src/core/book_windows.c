/* SPDX-License-Identifier: MIT */
/* Per-customer figures over fixed day ranges, kept up to date (core/book_windows.h). */
#include <string.h>

#include "core/book_windows.h"

void tier__book_windows_free(tier__book_windows *w)
{
    if (!w || !w->a)
        return;
    tier__free(w->a, w->from);
    tier__free(w->a, w->fig);
    tier__free(w->a, w->unordered);
    memset(w, 0, sizeof *w);
}

int tier__book_windows_init(tier__book_windows *w, const tier_allocator *a, const tier_book *book,
                            const int32_t *from, size_t n, int32_t to, char *why)
{
    size_t nc = tier_book_customer_count(book), k, i;
    tier__figures *one = NULL;
    int rc = TIER_ENOMEM;
    memset(w, 0, sizeof *w);
    w->a = a;
    if (n && !tier__book_keeps_txns(book)) {
        tier__errorf(why, "the book does not keep its transactions (TIER_BOOK_OPT_KEEP_TRANSACTIONS"
                          "): one customer's windows cannot be followed");
        return TIER_ESTATE;
    }
    w->n = n;
    w->customers = nc;
    w->to = to;
    w->from = tier__malloc(a, (n ? n : 1) * sizeof *w->from);
    w->fig = tier__calloc(a, (nc ? nc : 1) * (n ? n : 1), sizeof *w->fig);
    w->unordered = tier__calloc(a, nc ? nc : 1, 1);
    one = tier__malloc(a, (nc ? nc : 1) * sizeof *one);
    if (!w->from || !w->fig || !w->unordered || !one) {
        tier__errorf(why, "out of memory for the windows of %zu customers", nc);
        goto done;
    }
    for (k = 0; k < n; k++) {
        w->from[k] = from[k];
        if ((rc = tier__book_figures(book, from[k], to, one, why)) != TIER_OK)
            goto done;
        for (i = 0; i < nc; i++)
            w->fig[i * n + k] = one[i];
    }
    w->synced = tier__book_txn_count(book);
    rc = TIER_OK;
done:
    tier__free(a, one);
    if (rc)
        tier__book_windows_free(w);
    else
        w->a = a;
    return rc;
}

void tier__book_windows_sync(tier__book_windows *w, const tier_book *book)
{
    size_t nt = tier__book_txn_count(book), t, k;
    if (!w->n)
        return;
    for (t = w->synced; t < nt; t++) {
        size_t i;
        int32_t day;
        int64_t amount, margin;
        int has_margin;
        tier__book_txn_fixed(book, t, &i, &day, &amount, &margin, &has_margin);
        if (i >= w->customers || day >= w->to)
            continue;
        for (k = 0; k < w->n; k++) {
            tier__figures *f = &w->fig[i * w->n + k];
            if (day < w->from[k])
                continue;
            f->net += amount; /* cannot overflow: the book's running total did not */
            if (has_margin) {
                f->margin += margin;
                f->has_margin = 1;
            }
            if (amount < 0) {
                f->refunds++;
                continue;
            }
            if (!f->purchases++) {
                f->first_day = f->last_day = day;
                f->purchase_days = 1;
            } else if (day > f->last_day) {
                f->last_day = day;
                f->purchase_days++;
            } else if (day < f->last_day) {
                w->unordered[i] = 1; /* a day it may or may not have had: unknown */
                if (day < f->first_day)
                    f->first_day = day;
            }
        }
    }
    w->synced = nt;
}
