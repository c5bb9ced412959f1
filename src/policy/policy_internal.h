/* SPDX-License-Identifier: MIT */
/* The policy handle and what a run needs from it. */
#ifndef TIER_POLICY_INTERNAL_H
#define TIER_POLICY_INTERNAL_H

#include "policy/lang/ast.h"
#include "util/internal.h"

struct tier_policy {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    char *origin; /* the file or "<string>" it was loaded from; NULL when built by calls */
    tier__pol pol;
};

#endif
