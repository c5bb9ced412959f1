/* SPDX-License-Identifier: MIT */
/* Incremental re-tiering (tier/retier.h, docs/retier.md). Placeholder: every call refuses. */
#include "tier/retier.h"
#include "util/internal.h"

struct tier_retier {
    int unused;
};

int tier_retier_new(tier_retier **out, const tier_result *result, const tier_book *book,
                    tier_model *const *models, size_t model_count, const tier_policy *policy,
                    const tier_history *history, const tier_allocator *alloc)
{
    (void)result, (void)book, (void)models, (void)model_count, (void)policy, (void)history;
    (void)alloc;
    if (out)
        *out = NULL;
    return TIER_ESTATE;
}

void tier_retier_free(tier_retier *retier)
{
    (void)retier;
}
const char *tier_retier_last_error(const tier_retier *retier)
{
    (void)retier;
    return "";
}
int tier_retier_customer(tier_retier *retier, const tier_book *book, size_t customer)
{
    (void)retier, (void)book, (void)customer;
    return TIER_ESTATE;
}
int tier_retier_tier(const tier_retier *retier, size_t customer)
{
    (void)retier, (void)customer;
    return -1;
}
const char *tier_retier_tier_name(const tier_retier *retier, size_t customer)
{
    (void)retier, (void)customer;
    return "";
}
const char *tier_retier_reason(const tier_retier *retier, size_t customer)
{
    (void)retier, (void)customer;
    return "";
}
int tier_retier_entitlement(const tier_retier *retier, size_t customer, const char *key,
                            double *number, const char **text)
{
    (void)retier, (void)customer, (void)key, (void)number, (void)text;
    return TIER_ESTATE;
}
const char *tier_retier_flags(const tier_retier *retier, size_t customer)
{
    (void)retier, (void)customer;
    return "";
}
const char *tier_retier_route(const tier_retier *retier, size_t customer)
{
    (void)retier, (void)customer;
    return "";
}
int tier_retier_number(const tier_retier *retier, size_t customer, const char *column, double *out)
{
    (void)retier, (void)customer, (void)column, (void)out;
    return TIER_ESTATE;
}
int tier_retier_batch(tier_retier *retier, const tier_book *book, tier_result *out)
{
    (void)retier, (void)book, (void)out;
    return TIER_ESTATE;
}
