/* SPDX-License-Identifier: MIT */
/* The book's figures: day range, per-customer statistics, kept transactions and
 * the exact figures over a window of days. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_impl.h"
#include "util/par_tasks.h"

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

/* Customers per task, at least, when the figures are computed in parallel. */
#define FIGURES_GRAIN 4096
/* figures_in_order(): some customer's purchases came out of date order. */
#define FIGURES_UNORDERED 1

/* The figures over a window, computed in parallel: task k handles the customers c with
 * c * tasks / ncust == k (a range), from the transactions of those customers in the order they
 * were added. */
typedef struct figures_job {
    const tier_book *b;
    int32_t from_day, to_day;
    tier__figures *out;
    size_t ncust, ntx, tasks;
    /* the transactions by range of customers: range k's are part[at[k] .. at[k + 1]) (NULL with
     * one task: then every transaction is range 0's) */
    uint32_t *part;
    size_t at[TIER__PAR_TASKS + 1];
    size_t count[TIER__PAR_TASKS][TIER__PAR_TASKS]; /* [chunk][range], then where each goes */
    /* the grouped path: the transactions of customer i are order[start[i] .. start[i + 1]) */
    const uint32_t *order;
    const size_t *start;
    int32_t *days;
    unsigned char unordered[TIER__PAR_TASKS]; /* a range met purchases out of date order */
} figures_job;

static size_t range_of(const figures_job *j, size_t c)
{
    return (size_t)((uint64_t)c * j->tasks / j->ncust);
}

/* The first customer of range k: ceil(k * ncust / tasks), so that range_of() agrees. */
static size_t range_begin(const figures_job *j, size_t k)
{
    return (size_t)(((uint64_t)k * j->ncust + j->tasks - 1) / j->tasks);
}

/* Partitioning, pass 1: how many transactions of chunk k (of the transactions in the order they
 * were added) fall in each range of customers. */
static void figures_count(void *arg, size_t k)
{
    figures_job *j = arg;
    size_t t = tier__par_begin(j->ntx, j->tasks, k), end = tier__par_begin(j->ntx, j->tasks, k + 1);
    size_t *n = j->count[k];
    for (; t < end; t++)
        n[range_of(j, j->b->tx_cust[t])]++;
}

/* Pass 2: chunk k's transactions to their ranges, in order (count[k] holds where each goes). */
static void figures_scatter(void *arg, size_t k)
{
    figures_job *j = arg;
    size_t t = tier__par_begin(j->ntx, j->tasks, k), end = tier__par_begin(j->ntx, j->tasks, k + 1);
    size_t *at = j->count[k];
    for (; t < end; t++)
        j->part[at[range_of(j, j->b->tx_cust[t])]++] = (uint32_t)t;
}

/* The figures of range k's customers from their transactions in the order they were added:
 * while each customer's purchases come in date order, its distinct days are the day changes. */
static void figures_scan(void *arg, size_t k)
{
    figures_job *j = arg;
    const tier_book *b = j->b;
    size_t lo = range_begin(j, k), hi = range_begin(j, k + 1), i, c;
    size_t from = j->part ? j->at[k] : 0, to = j->part ? j->at[k + 1] : j->ntx;
    tier__figures *out = j->out;
    for (c = lo; c < hi; c++) {
        memset(&out[c], 0, sizeof out[c]);
        out[c].first_day = out[c].last_day = NO_DAY;
    }
    for (i = from; i < to; i++) {
        size_t t = j->part ? j->part[i] : i;
        int32_t d = b->tx_day[t];
        int64_t a;
        tier__figures *f;
        if (d < j->from_day || d >= j->to_day)
            continue;
        f = &out[b->tx_cust[t]];
        a = b->tx_amount[t];
        f->net += a; /* cannot overflow: the running total over all rows did not */
        if (b->tx_margin && b->tx_margin[t] != NO_MARGIN) {
            f->margin += b->tx_margin[t];
            f->has_margin = 1;
        }
        if (a < 0) {
            f->refunds++;
            continue;
        }
        if (f->purchases++ == 0) {
            f->first_day = f->last_day = d;
            f->purchase_days = 1;
        } else if (d != f->last_day) {
            if (d < f->last_day) {
                j->unordered[k] = 1; /* the grouped path sorts the days */
                return;
            }
            f->last_day = d;
            f->purchase_days++;
        }
    }
}

/* The figures of the customers of range k from their grouped transactions. */
static void figures_grouped(void *arg, size_t k)
{
    figures_job *j = arg;
    size_t i = range_begin(j, k), hi = range_begin(j, k + 1);
    for (; i < hi; i++)
        figures_of(j->b, j->order + j->start[i], j->start[i + 1] - j->start[i], j->from_day,
                   j->to_day, j->days + j->start[i], &j->out[i]);
}

/* Rows in date order (the usual log): one pass over the transactions, split by range of
 * customers. Returns TIER_OK, TIER_ENOMEM, or FIGURES_UNORDERED when some customer's purchases came
 * out of date order (the grouped path then computes the figures). */
static int figures_in_order(figures_job *j, const tier_executor *ex)
{
    size_t k, r, sum = 0;
    int rc = TIER_OK;
    if (j->tasks > 1) {
        j->part = tier__malloc_n(&j->b->alloc, j->ntx ? j->ntx : 1, sizeof *j->part);
        if (!j->part)
            return TIER_ENOMEM;
        tier__par_run(ex, j->tasks, figures_count, j);
        for (r = 0; r < j->tasks; r++) {
            j->at[r] = sum;
            for (k = 0; k < j->tasks; k++) {
                size_t n = j->count[k][r];
                j->count[k][r] = sum;
                sum += n;
            }
        }
        j->at[j->tasks] = sum;
        tier__par_run(ex, j->tasks, figures_scatter, j);
    }
    tier__par_run(ex, j->tasks, figures_scan, j);
    for (k = 0; k < j->tasks; k++)
        if (j->unordered[k])
            rc = FIGURES_UNORDERED;
    tier__free(&j->b->alloc, j->part);
    j->part = NULL;
    return rc;
}

int tier__book_figures(const tier_book *b, int32_t from_day, int32_t to_day, tier__figures *out,
                       char *why)
{
    size_t i, t, *start = NULL;
    uint32_t *order = NULL;
    int32_t *days = NULL;
    figures_job job;
    const tier_executor *ex = tier__book_executor(b);
    if (running_exact(b, from_day, to_day)) {
        if (b->live.ncust)
            memcpy(out, b->fig, b->live.ncust * sizeof *out);
        return TIER_OK;
    }
    if (!b->keep_txns)
        return not_kept(b, from_day, to_day, why);
    if (!b->live.ncust)
        return TIER_OK;
    memset(&job, 0, sizeof job);
    job.b = b;
    job.from_day = from_day;
    job.to_day = to_day;
    job.out = out;
    job.ncust = b->live.ncust;
    job.ntx = b->live.ntx;
    job.tasks = tier__par_tasks(ex, job.ncust, FIGURES_GRAIN);
    /* The figures are the same on either path; the grouped one sorts each customer's days. */
    if (!b->live.unordered) {
        int rc = figures_in_order(&job, ex);
        if (rc == TIER_OK)
            return TIER_OK;
        if (rc == TIER_ENOMEM) {
            tier__errorf(why, "out of memory grouping transactions");
            return rc;
        }
    }
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
    job.order = order;
    job.start = start;
    job.days = days;
    tier__par_run(ex, job.tasks, figures_grouped, &job);
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
