/* SPDX-License-Identifier: MIT */
/* The built-in policies are policy files (policies/NAME.policy) compiled in as text: listing them,
 * their text, and making one is loading its text like any other policy file. */
#include <string.h>

#include "policy/builtin.h"
#include "policy/policy_internal.h"

/* Messages about a built-in name the file it was made from, as installed. */
#define ORIGIN_MAX (TIER__POL_MAX_NAME + 32)

static const tier__builtin_policy *find_builtin(const char *name)
{
    size_t i;
    for (i = 0; name && i < tier__builtin_policy_count; i++)
        if (strcmp(tier__builtin_policies[i].name, name) == 0)
            return &tier__builtin_policies[i];
    return NULL;
}

size_t tier_policy_builtin_count(void)
{
    return tier__builtin_policy_count;
}

const char *tier_policy_builtin_name(size_t i)
{
    return i < tier__builtin_policy_count ? tier__builtin_policies[i].name : NULL;
}

const char *tier_policy_builtin_text(const char *name)
{
    const tier__builtin_policy *b = find_builtin(name);
    return b ? b->text : NULL;
}

int tier_policy_new_builtin(tier_policy **out, const char *name, const tier_allocator *alloc)
{
    const tier__builtin_policy *b;
    tier_policy *p = NULL;
    char origin[ORIGIN_MAX];
    int rc;
    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    b = find_builtin(name ? name : TIER__BUILTIN_DEFAULT);
    if (!b)
        return TIER_ENOTFOUND;
    rc = tier_policy_new(&p, alloc);
    if (rc)
        return rc;
    /* Names are short ([a-z0-9_-], checked when the table is generated). */
    strcpy(origin, "policies/");
    strncat(origin, b->name, ORIGIN_MAX - sizeof "policies/.policy");
    strcat(origin, ".policy");
    rc = tier_policy_load_string(p, b->text, b->len, origin);
    if (rc) {
        tier_policy_free(p);
        return rc;
    }
    *out = p;
    return TIER_OK;
}

const char *tier_policy_description(const tier_policy *policy)
{
    return policy && policy->pol.description ? policy->pol.description : "";
}
