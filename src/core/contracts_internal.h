/* SPDX-License-Identifier: MIT */
/* The contracts of a book (include/tier/contract.h), as the models and the CSV reader see them:
 * the stored records, a per-customer list, and the checked all-or-nothing add that the public
 * calls and the contracts file reader share. Stored by core/book_contracts.c. */
#ifndef TIER_CONTRACTS_INTERNAL_H
#define TIER_CONTRACTS_INTERNAL_H

#include "util/internal.h"

#define TIER__NO_CONTRACT UINT32_MAX

/* One stored contract. */
typedef struct tier__contract_rec {
    uint32_t cust;
    uint32_t next;      /* the customer's next contract (in the order added), TIER__NO_CONTRACT */
    int32_t start, end; /* [start, end); end TIER_CONTRACT_OPEN when open */
    int64_t amount;     /* per period, fixed point (TIER__FIXED_SCALE) */
    uint8_t period, status;
    char *plan; /* NULL: no plan */
} tier__contract_rec;

typedef struct tier__contract_list {
    uint32_t head, tail, count;
} tier__contract_list;

typedef struct tier__contracts {
    tier__contract_rec *rec;
    size_t n, cap;
    tier__contract_list *by_cust; /* ncust entries; beyond them: no contracts */
    size_t ncust, cap_cust;
} tier__contracts;

/* The book's contracts, NULL when it never held any. Valid until the book changes. */
const tier__contracts *tier__book_contracts(const tier_book *book);

/* The first contract of customer `c` (TIER__NO_CONTRACT for none); follow rec[k].next. */
static inline uint32_t tier__contracts_first(const tier__contracts *cs, size_t c)
{
    return cs && c < cs->ncust ? cs->by_cust[c].head : TIER__NO_CONTRACT;
}

/* The monthly amount of a contract as a double (yearly amounts / 12). */
double tier__contract_monthly(const tier__contract_rec *r);

/* The fields of a row of contracts, as named in error messages. */
enum {
    TIER__CF_ID,
    TIER__CF_START,
    TIER__CF_END,
    TIER__CF_AMOUNT,
    TIER__CF_PERIOD,
    TIER__CF_STATUS,
    TIER__CF_PLAN,
    TIER__CF_COUNT
};

/* One contract to add: the id bytes, the days, the amount as given and the plan bytes. */
typedef struct tier__contract_in {
    const char *id;
    size_t id_len;
    int32_t start, end;
    double amount;
    int period, status;
    const char *plan; /* NULL or plan_len 0: none */
    size_t plan_len;
} tier__contract_in;

/* Adds n contracts, all or nothing (flags: TIER_LOAD_EXISTING). On failure the book is unchanged,
 * *bad_row and *bad_field (a TIER__CF_*, or -1 for none) say where, and `why` (TIER__ERR_SIZE
 * bytes) says what, without the row (*bad_row SIZE_MAX when the failure is no row's). A reason
 * that names another row (an overlap) calls it "row R", or "line L" with lines[R] when `lines`
 * is not NULL (a file's rows). */
int tier__book_add_contract_rows(tier_book *book, const tier__contract_in *rows, size_t n,
                                 unsigned flags, const uint64_t *lines, size_t *bad_row,
                                 int *bad_field, char *why);

#endif
