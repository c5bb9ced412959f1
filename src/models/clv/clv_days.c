/* SPDX-License-Identifier: MIT */
/* clv model: each customer's kept transactions reduced to purchase days (grouped in O(n) by a
 * counting sort over the book's transactions) and summarised up to the calibration end. */
#include <stdlib.h>

#include "core/book_internal.h"
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

/* One customer's k entries (dated up to hold_end, in the order they were added; sorted here when
 * out of date order) reduced to purchase days (days, amounts: room for k) and summarised into
 * *obs (and *hold): *has = 1 when the customer has a purchase day. The one computation behind
 * the whole book's summaries and one customer's. TIER_OK or TIER_ERANGE (a day's sum overflows;
 * `who` names the customer). */
static int summarise_slice(clv_entry *ent, size_t k, int32_t *days, double *amounts, int32_t end,
                           int32_t hold_end, double unit, size_t who, tier__clv_obs *obs,
                           double *hold, int *has, char *err)
{
    size_t i, nd = 0;
    int sorted = 1;
    *has = 0;
    for (i = 1; i < k && sorted; i++)
        sorted = ent[i].day >= ent[i - 1].day;
    if (!sorted) /* rows out of date order: sort this customer's slice */
        qsort(ent, k, sizeof *ent, cmp_entry);
    for (i = 0; i < k;) {
        int32_t day = ent[i].day;
        int64_t net = 0;
        int purchase = 0;
        for (; i < k && ent[i].day == day; i++) {
            if (ent[i].amount >= 0)
                purchase = 1;
            if (tier__add_i64(net, ent[i].amount, &net) != TIER_OK) {
                tier__errorf(err, "the amounts of customer %lu on day %ld overflow",
                             (unsigned long)who, (long)day);
                return TIER_ERANGE;
            }
        }
        if (!purchase)
            continue;
        days[nd] = day;
        amounts[nd] = tier__fixed_to_double(net);
        nd++;
    }
    if (nd && tier__clv_summarise(obs, hold, days, amounts, nd, end, hold_end, unit) == TIER_OK)
        *has = 1;
    return TIER_OK;
}

/* Entries of one customer handled without allocating. */
#define ONE_CUSTOMER 64

int tier__clv_summarise_one(const tier_allocator *a, const tier_book *book, size_t customer,
                            int32_t end, int has_end, double unit, tier__clv_obs *obs, int *has,
                            char *err)
{
    tier__txn small[ONE_CUSTOMER], *tx = small;
    clv_entry small_ent[ONE_CUSTOMER], *ent = small_ent;
    int32_t small_days[ONE_CUSTOMER], *days = small_days;
    double small_amounts[ONE_CUSTOMER], *amounts = small_amounts;
    char why[TIER__ERR_SIZE];
    size_t n = 0, i, k = 0;
    int rc;
    *has = 0;
    why[0] = '\0';
    if (!has_end)
        return TIER_OK; /* an empty book: nobody has a purchase */
    rc = tier__book_customer_txns(book, customer, tx, ONE_CUSTOMER, &n, why);
    if (rc == TIER_OK && n > ONE_CUSTOMER) {
        tx = tier__malloc(a, n * sizeof *tx);
        ent = tier__malloc(a, n * sizeof *ent);
        days = tier__malloc(a, n * sizeof *days);
        amounts = tier__malloc(a, n * sizeof *amounts);
        rc = tx && ent && days && amounts ? TIER_OK : TIER_ENOMEM;
        if (rc == TIER_OK)
            rc = tier__book_customer_txns(book, customer, tx, n, &n, why);
        else
            tier__errorf(why, "out of memory for the %lu transactions of customer %lu",
                         (unsigned long)n, (unsigned long)customer);
    }
    if (rc == TIER_ESTATE)
        tier__errorf(err, "the clv model needs the book's transactions: create the book with "
                          "TIER_BOOK_OPT_KEEP_TRANSACTIONS = 1");
    else if (rc)
        tier__errorf(err, "%s", why[0] ? why : tier_strerror(rc));
    for (i = 0; rc == TIER_OK && i < n; i++) {
        if (tx[i].day > end)
            continue;
        ent[k].day = tx[i].day;
        ent[k].amount = tx[i].amount;
        k++;
    }
    if (rc == TIER_OK)
        rc = summarise_slice(ent, k, days, amounts, end, end, unit, customer, obs, NULL, has, err);
    if (tx != small) {
        tier__free(a, tx);
        tier__free(a, ent);
        tier__free(a, days);
        tier__free(a, amounts);
    }
    return rc;
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

    for (c = 0; c < n && rc == TIER_OK; c++) {
        int has = 0;
        rc = summarise_slice(ent + start[c], start[c + 1] - start[c], days, amounts, end, hold_end,
                             unit, only == CLV_ALL ? c : only, &out->obs[c], hold ? &hold[c] : NULL,
                             &has, err);
        out->has[c] = (unsigned char)has;
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
