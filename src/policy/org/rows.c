/* SPDX-License-Identifier: MIT */
/* The rows a policy is evaluated on (policy/rows.h): one per customer without a hierarchy. */
#include <string.h>

#include "policy/org/rows.h"

int tier__rowset_identity(const tier_allocator *a, size_t customers, tier__rowset *out)
{
    size_t i;
    memset(out, 0, sizeof *out);
    if (customers == SIZE_MAX)
        return TIER_ENOMEM;
    out->lead = tier__calloc(a, customers, sizeof *out->lead);
    out->member_start = tier__calloc(a, customers + 1, sizeof *out->member_start);
    out->members = tier__calloc(a, customers, sizeof *out->members);
    out->row_of = tier__calloc(a, customers, sizeof *out->row_of);
    out->member = tier__calloc(a, customers, sizeof *out->member);
    if (!out->lead || !out->member_start || !out->members || !out->row_of || !out->member) {
        tier__rowset_free(a, out);
        return TIER_ENOMEM;
    }
    for (i = 0; i < customers; i++) {
        out->lead[i] = i;
        out->member_start[i] = i;
        out->members[i] = i;
        out->row_of[i] = i;
    }
    out->member_start[customers] = customers;
    out->n = customers;
    out->customers = customers;
    return TIER_OK;
}

void tier__rowset_free(const tier_allocator *a, tier__rowset *rs)
{
    if (!rs)
        return;
    {
        void *own[] = {rs->lead, rs->member_start, rs->members, rs->row_of, rs->member};
        tier__free_all(a, own, sizeof own / sizeof *own);
    }
    memset(rs, 0, sizeof *rs);
}
