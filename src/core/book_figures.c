/* SPDX-License-Identifier: MIT */
/* The book's figures: day range, per-customer statistics, kept transactions and
 * the exact figures over a window of days. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_impl.h"

/* ---- reading figures --------------------------------------------------------------------- */

int tier_book_day_range(const tier_book *b, int32_t *first, int32_t *last)
{
    if (!b || b->live.min_day == NO_DAY)
        return TIER_ENOTFOUND;
    if (first)
        *first = b->live.min_day;
    if (last)
        *last = b->live.max_day;
    return TIER_OK;
}

int tier_book_customer_stat(const tier_book *b, size_t index, int stat, double *out)
{
    const tier__figures *f;
    if (!b || !out)
        return TIER_EINVAL;
    if (stat == TIER_BOOK_STAT_IGNORED_ROWS) {
        *out = (double)b->live.ignored_rows;
        return TIER_OK;
    }
    if (index >= b->live.ncust)
        return TIER_ERANGE;
    f = &b->fig[index];
    switch (stat) {
    case TIER_BOOK_STAT_FIRST_PURCHASE:
        *out = f->purchases ? f->first_day : NAN;
        break;
    case TIER_BOOK_STAT_LAST_PURCHASE:
        *out = f->purchases ? f->last_day : NAN;
        break;
    case TIER_BOOK_STAT_PURCHASE_DAYS:
        /* Exact even after out-of-order rows when transactions are kept. */
        if (b->live.unordered && b->keep_txns) {
            tier__figures one;
            char why[TIER__ERR_SIZE];
            int rc = tier__book_customer_figures(b, index, INT32_MIN, INT32_MAX, &one, why);
            if (rc)
                return rc;
            *out = one.purchase_days;
        } else {
            *out = f->purchase_days;
        }
        break;
    case TIER_BOOK_STAT_PURCHASES:
        *out = f->purchases;
        break;
    case TIER_BOOK_STAT_REFUNDS:
        *out = f->refunds;
        break;
    case TIER_BOOK_STAT_NET_AMOUNT:
        *out = tier__fixed_to_double(f->net);
        break;
    case TIER_BOOK_STAT_NET_MARGIN:
        *out = f->has_margin ? tier__fixed_to_double(f->margin) : NAN;
        break;
    default:
        return TIER_EINVAL;
    }
    return TIER_OK;
}

int tier_book_txn(const tier_book *b, size_t t, size_t *customer, int32_t *day, double *amount,
                  double *margin)
{
    if (!b || t >= b->live.ntx)
        return TIER_ERANGE;
    if (customer)
        *customer = b->tx_cust[t];
    if (day)
        *day = b->tx_day[t];
    if (amount)
        *amount = tier__fixed_to_double(b->tx_amount[t]);
    if (margin)
        *margin = (b->tx_margin && b->tx_margin[t] != NO_MARGIN)
                      ? tier__fixed_to_double(b->tx_margin[t])
                      : NAN;
    return TIER_OK;
}

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, c = *(const int32_t *)y;
    return (a > c) - (a < c);
}

const tier__figures *tier__book_running(const tier_book *b)
{
    return b->fig;
}

static int running_exact(const tier_book *b, int32_t from_day, int32_t to_day);

int tier__book_figures_view(const tier_book *b, int32_t from_day, int32_t to_day,
                            const tier__figures **view, tier__figures **owned, char *why)
{
    tier__figures *f;
    int rc;
    *owned = NULL;
    if (running_exact(b, from_day, to_day)) {
        *view = b->fig;
        return TIER_OK;
    }
    f = tier__malloc_n(&b->alloc, b->live.ncust, sizeof *f);
    if (!f) {
        tier__errorf(why, "out of memory for the figures of %zu customers", b->live.ncust);
        return TIER_ENOMEM;
    }
    rc = tier__book_figures(b, from_day, to_day, f, why);
    if (rc) {
        tier__free(&b->alloc, f);
        return rc;
    }
    *view = *owned = f;
    return TIER_OK;
}

/* 1 when the running figures are exact for [from_day, to_day): the range covers every
 * transaction and no purchase came out of date order. */
static int running_exact(const tier_book *b, int32_t from_day, int32_t to_day)
{
    int covers_all =
        b->live.min_day == NO_DAY || (from_day <= b->live.min_day && to_day > b->live.max_day);
    return covers_all && !b->live.unordered;
}

/* Why figures over [from_day, to_day) cannot be computed without kept transactions. */
static int not_kept(const tier_book *b, int32_t from_day, int32_t to_day, char *why)
{
    int covers_all =
        b->live.min_day == NO_DAY || (from_day <= b->live.min_day && to_day > b->live.max_day);
    if (!covers_all)
        tier__errorf(why, "the window does not cover every transaction and transactions are "
                          "not kept (keep them, or ignore rows from the as-of day on)");
    else
        tier__errorf(why,
                     "customer \"%s\" has purchases out of date order and transactions "
                     "are not kept, so purchase-days are unknown",
                     tier__book_id_ptr(b, b->live.unordered_cust));
    return TIER_ESTATE;
}

/* The figures of one customer over [from_day, to_day) from its k kept transactions ids[0..k)
 * (in the order they were added), `days` holding room for k days: the one computation behind
 * tier__book_figures and tier__book_customer_figures. */
static void figures_of(const tier_book *b, const uint32_t *ids, size_t k, int32_t from_day,
                       int32_t to_day, int32_t *days, tier__figures *out)
{
    tier__figures f;
    size_t i, nd = 0;
    int sorted = 1;
    memset(&f, 0, sizeof f);
    f.first_day = f.last_day = NO_DAY;
    for (i = 0; i < k; i++) {
        size_t tt = ids[i];
        int32_t d = b->tx_day[tt];
        int64_t a = b->tx_amount[tt];
        if (d < from_day || d >= to_day)
            continue;
        f.net += a; /* cannot overflow: the running total over all rows did not */
        if (b->tx_margin && b->tx_margin[tt] != NO_MARGIN) {
            f.margin += b->tx_margin[tt];
            f.has_margin = 1;
        }
        if (a < 0) {
            f.refunds++;
            continue;
        }
        f.purchases++;
        if (nd && d < days[nd - 1])
            sorted = 0;
        days[nd++] = d;
    }
    if (nd) {
        if (!sorted)
            qsort(days, nd, sizeof *days, cmp_i32);
        f.first_day = days[0];
        f.last_day = days[nd - 1];
        for (i = 0; i < nd; i++)
            if (i == 0 || days[i] != days[i - 1])
                f.purchase_days++;
    }
    *out = f;
}

int tier__book_figures(const tier_book *b, int32_t from_day, int32_t to_day, tier__figures *out,
                       char *why)
{
    size_t i, t, *start = NULL;
    uint32_t *order = NULL;
    int32_t *days = NULL;
    if (running_exact(b, from_day, to_day)) {
        if (b->live.ncust)
            memcpy(out, b->fig, b->live.ncust * sizeof *out);
        return TIER_OK;
    }
    if (!b->keep_txns)
        return not_kept(b, from_day, to_day, why);
    /* Group the kept transactions by customer (counting sort), then walk each customer's days. */
    start = tier__calloc(&b->alloc, b->live.ncust + 1, sizeof *start);
    order = tier__malloc_n(&b->alloc, b->live.ntx, sizeof *order);
    days = tier__malloc_n(&b->alloc, b->live.ntx, sizeof *days);
    if (!start || !order || !days) {
        tier__free(&b->alloc, start);
        tier__free(&b->alloc, order);
        tier__free(&b->alloc, days);
        tier__errorf(why, "out of memory grouping transactions");
        return TIER_ENOMEM;
    }
    for (t = 0; t < b->live.ntx; t++)
        start[b->tx_cust[t] + 1]++;
    for (i = 0; i < b->live.ncust; i++)
        start[i + 1] += start[i];
    for (t = 0; t < b->live.ntx; t++)
        order[start[b->tx_cust[t]]++] = (uint32_t)t;
    for (i = b->live.ncust; i > 0; i--)
        start[i] = start[i - 1];
    start[0] = 0;
    for (i = 0; i < b->live.ncust; i++)
        figures_of(b, order + start[i], start[i + 1] - start[i], from_day, to_day, days, &out[i]);
    tier__free(&b->alloc, start);
    tier__free(&b->alloc, order);
    tier__free(&b->alloc, days);
    return TIER_OK;
}

/* Transactions of one customer handled without allocating. */
#define ONE_CUSTOMER_TXNS 256

int tier__book_customer_figures(const tier_book *b, size_t customer, int32_t from_day,
                                int32_t to_day, tier__figures *out, char *why)
{
    uint32_t small_ids[ONE_CUSTOMER_TXNS], *ids = small_ids;
    int32_t small_days[ONE_CUSTOMER_TXNS], *days = small_days;
    size_t k;
    int rc;
    if (running_exact(b, from_day, to_day)) {
        *out = b->fig[customer];
        return TIER_OK;
    }
    if (!b->keep_txns)
        return not_kept(b, from_day, to_day, why);
    if ((rc = tier__book_index_txns(b, why)) != TIER_OK)
        return rc;
    tier__book_index_ids(b, customer, ids, ONE_CUSTOMER_TXNS, &k);
    if (k > ONE_CUSTOMER_TXNS) {
        ids = tier__malloc(&b->alloc, k * sizeof *ids);
        days = tier__malloc(&b->alloc, k * sizeof *days);
        if (!ids || !days) {
            tier__free(&b->alloc, ids);
            tier__free(&b->alloc, days);
            tier__errorf(why, "out of memory for the %zu transactions of customer \"%s\"", k,
                         tier__book_id_ptr(b, customer));
            return TIER_ENOMEM;
        }
        tier__book_index_ids(b, customer, ids, k, &k);
    }
    figures_of(b, ids, k, from_day, to_day, days, out);
    if (ids != small_ids) {
        tier__free(&b->alloc, ids);
        tier__free(&b->alloc, days);
    }
    return TIER_OK;
}
