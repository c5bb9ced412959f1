/* SPDX-License-Identifier: MIT */
/* clv model: each customer's kept transactions reduced to purchase days (grouped in O(n) by a
 * counting sort over the book's transactions) and summarised up to the calibration end. */
#include <stdlib.h>

#include "models/clv/clv_internal.h"

/* ---- purchase days per customer ------------------------------------------------------------- */

static int cmp_entry(const void *pa, const void *pb)
{
    const clv_entry *a = pa, *b = pb;
    return (a->day > b->day) - (a->day < b->day);
}

void tier__clv_summary_free(const tier_allocator *a, clv_summary *s)
{
    tier__free(a, s->obs);
    tier__free(a, s->has);
    s->obs = NULL;
    s->has = NULL;
}

/* Summarises every customer (only == CLV_ALL) or customer `only` (one slot) over the kept
 * transactions dated <= end (tier__clv_summarise_split: <= hold_end, days after `end` only
 * counted). A purchase day is a day with a row of amount >= 0; its value is the net sum of that
 * day's rows. Refund-only days are not purchases. Returns TIER_OK, TIER_ESTATE (transactions not
 * kept), TIER_ERANGE (a day's sum overflows) or TIER_ENOMEM. */
int tier__clv_summarise_book(const tier_allocator *a, const tier_book *book, int32_t end,
                             int has_end, double unit, size_t only, clv_summary *out, char *err)
{
    return tier__clv_summarise_split(a, book, end, end, has_end, unit, only, out, NULL, err);
}

/* tier__clv_summarise_book() that also counts each customer's purchase days in (end, hold_end] into
 * hold[customer] (when hold != NULL; one slot per customer). */
int tier__clv_summarise_split(const tier_allocator *a, const tier_book *book, int32_t end,
                              int32_t hold_end, int has_end, double unit, size_t only,
                              clv_summary *out, double *hold, char *err)
{
    size_t n = only == CLV_ALL ? tier_book_customer_count(book) : 1;
    size_t ntx = tier_book_txn_count(book), t, c, total, maxseg = 0;
    size_t *start = NULL;
    clv_entry *ent = NULL;
    int32_t *days = NULL;
    double *amounts = NULL;
    int64_t keep = 1;
    int rc = TIER_OK;

    out->obs = NULL;
    out->has = NULL;
    out->n = n;
    if (tier_book_get_option(book, TIER_BOOK_OPT_KEEP_TRANSACTIONS, &keep) == TIER_OK && !keep) {
        tier__errorf(err, "the clv model needs the book's transactions: create the book with "
                          "TIER_BOOK_OPT_KEEP_TRANSACTIONS = 1");
        return TIER_ESTATE;
    }
    out->obs = tier__calloc(a, n ? n : 1, sizeof *out->obs);
    out->has = tier__calloc(a, n ? n : 1, 1);
    start = tier__calloc(a, n + 1, sizeof *start);
    if (!out->obs || !out->has || !start)
        goto nomem;
    if (!has_end)
        ntx = 0; /* an empty book: nobody has a purchase */

    /* Counting sort: count per customer, prefix sums, place, shift back to starts. */
    for (t = 0; t < ntx; t++) {
        size_t cust;
        int32_t day;
        (void)tier_book_txn(book, t, &cust, &day, NULL, NULL);
        if (day > hold_end || (only != CLV_ALL && cust != only))
            continue;
        start[only == CLV_ALL ? cust + 1 : 1]++;
    }
    for (c = 0; c < n; c++) {
        if (start[c + 1] > maxseg)
            maxseg = start[c + 1];
        start[c + 1] += start[c];
    }
    total = start[n];
    ent = tier__malloc_n(a, total, sizeof *ent);
    days = tier__malloc_n(a, maxseg, sizeof *days);
    amounts = tier__malloc_n(a, maxseg, sizeof *amounts);
    if (!ent || !days || !amounts)
        goto nomem;
    for (t = 0; t < ntx && total; t++) {
        size_t cust;
        int32_t day;
        double amount;
        int64_t fx = 0;
        (void)tier_book_txn(book, t, &cust, &day, &amount, NULL);
        if (day > hold_end || (only != CLV_ALL && cust != only))
            continue;
        if (only != CLV_ALL)
            cust = 0;
        (void)tier__fixed_from_double(amount, &fx); /* exact: the book stores fixed point */
        ent[start[cust]].day = day;
        ent[start[cust]].amount = fx;
        start[cust]++;
    }
    for (c = n; c > 0; c--)
        start[c] = start[c - 1];
    start[0] = 0;

    for (c = 0; c < n; c++) {
        size_t b = start[c], e = start[c + 1], i, k = 0;
        int sorted = 1;
        for (i = b + 1; i < e && sorted; i++)
            sorted = ent[i].day >= ent[i - 1].day;
        if (!sorted) /* rows out of date order: sort this customer's slice */
            qsort(ent + b, e - b, sizeof *ent, cmp_entry);
        for (i = b; i < e;) {
            int32_t day = ent[i].day;
            int64_t net = 0;
            int purchase = 0;
            for (; i < e && ent[i].day == day; i++) {
                if (ent[i].amount >= 0)
                    purchase = 1;
                if (tier__add_i64(net, ent[i].amount, &net) != TIER_OK) {
                    tier__errorf(err, "the amounts of customer %lu on day %ld overflow",
                                 (unsigned long)(only == CLV_ALL ? c : only), (long)day);
                    rc = TIER_ERANGE;
                    goto done;
                }
            }
            if (!purchase)
                continue;
            days[k] = day;
            amounts[k] = tier__fixed_to_double(net);
            k++;
        }
        if (k && tier__clv_summarise(&out->obs[c], hold ? &hold[c] : NULL, days, amounts, k, end,
                                     hold_end, unit) == TIER_OK)
            out->has[c] = 1;
    }
    goto done;
nomem:
    tier__errorf(err, "out of memory summarising the purchases of %lu customers", (unsigned long)n);
    rc = TIER_ENOMEM;
done:
    tier__free(a, start);
    tier__free(a, ent);
    tier__free(a, days);
    tier__free(a, amounts);
    if (rc)
        tier__clv_summary_free(a, out);
    return rc;
}
