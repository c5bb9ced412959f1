/* SPDX-License-Identifier: MIT */
/* The policy handle and what a run needs from it. */
#ifndef TIER_POLICY_INTERNAL_H
#define TIER_POLICY_INTERNAL_H

#include "policy/ast.h"
#include "util/internal.h"

struct tier_policy {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    char *origin; /* the file or "<string>" it was loaded from; NULL when built by calls */
    tier__pol pol;
};

/* The 0.1 evaluation (policy/assign_legacy.c), until the policy engine replaces it: tier and rule
 * index (-1 = none; rules numbered as tier_policy_rule_name() does) of every row of `frame`, for
 * policies whose rules are `and`s of column-op-literal comparisons; TIER_EINVAL ("this policy
 * needs the policy engine") for any other policy. `err` gets the reason on failure. */
int tier__policy_assign(const tier_policy *policy, const tier_book *book, const tier_frame *frame,
                        const tier_allocator *alloc, int32_t *tiers, int32_t *rules, char *err);

#endif
