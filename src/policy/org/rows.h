/* SPDX-License-Identifier: MIT */
/* The rows a policy is evaluated on: one per customer, or with a hierarchy one per group (and, with
 * `children = own`, one more per child). Everything per row (rules, caps, population functions)
 * works on rows; windows are summed over a row's members; model outputs and attributes are those
 * of the row's lead customer. */
#ifndef TIER_POLICY_ROWS_H
#define TIER_POLICY_ROWS_H

#include "util/internal.h"

typedef struct tier__rowset {
    size_t n;              /* rows */
    size_t customers;      /* customers of the book */
    size_t *lead;          /* [n] customer whose model outputs and attributes the row shows */
    size_t *member_start;  /* [n + 1] row r's members are members[member_start[r] .. [r + 1]) */
    size_t *members;       /* customer indices */
    size_t *row_of;        /* [customers] the row that gives each customer its tier */
    unsigned char *member; /* [customers] 1 when the customer's tier is inherited from a group
                            * it does not lead (reason "member of GROUP"), else 0 */
} tier__rowset;

/* One row per customer (lead[i] = i, members {i}). TIER_OK or TIER_ENOMEM. */
int tier__rowset_identity(const tier_allocator *a, size_t customers, tier__rowset *out);
void tier__rowset_free(const tier_allocator *a, tier__rowset *rs);

#endif
