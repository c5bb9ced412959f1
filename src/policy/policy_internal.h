/* SPDX-License-Identifier: MIT */
/* What a run needs from a policy: one pass that assigns tiers over a frame. */
#ifndef TIER_POLICY_INTERNAL_H
#define TIER_POLICY_INTERNAL_H

#include "util/internal.h"

/* Tier and rule index (-1 = none) of every row of `frame`; `err` gets the reason on failure
 * (unknown column, wrong column type, out of memory). */
int tier__policy_assign(const tier_policy *policy, const tier_book *book, const tier_frame *frame,
                        const tier_allocator *alloc, int32_t *tiers, int32_t *rules, char *err);

#endif
