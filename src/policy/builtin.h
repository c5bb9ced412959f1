/* SPDX-License-Identifier: MIT */
/* The built-in policies: the files policies/NAME.policy, compiled in by cmake/embed-policies.cmake
 * into a generated source of the build tree that defines the table below (in name order). */
#ifndef TIER_POLICY_BUILTIN_H
#define TIER_POLICY_BUILTIN_H

#include <stddef.h>

typedef struct tier__builtin_policy {
    const char *name; /* the file name without ".policy" */
    const char *text; /* the file's bytes, NUL-terminated */
    size_t len;       /* bytes of text, without the NUL */
} tier__builtin_policy;

extern const tier__builtin_policy tier__builtin_policies[];
extern const size_t tier__builtin_policy_count;

/* The policy tier_policy_new_builtin() makes for a NULL name. */
#define TIER__BUILTIN_DEFAULT "b2b-sabc"

#endif
