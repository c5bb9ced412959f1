/* SPDX-License-Identifier: MIT */
/* Model kinds by name: the built-ins, and the user's kinds added to a registry. */
#include <string.h>

#include "core/model_internal.h"
#include "models/sbg/sbg.h"

typedef struct user_kind {
    char *name;
    tier_model_factory_cb factory;
    void *ud;
} user_kind;

struct tier_registry {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    user_kind *kinds;
    size_t n, cap;
};

typedef int (*builtin_new)(tier_model **out, const char *name, const tier_allocator *alloc);

static const struct {
    const char *kind;
    builtin_new make;
} builtins[] = {
    {"rfm", tier_rfm_new},
    {"pareto", tier_pareto_new},
    {"scorecard", tier_scorecard_new},
    {"clv", tier_clv_new},
    {"needs", tier_needs_new},
    {"lifecycle", tier_lifecycle_new},
    {"subscription", tier_subscription_new},
    {"sbg", tier__sbg_model_new},
};

#define N_BUILTINS (sizeof builtins / sizeof builtins[0])

int tier_registry_new(tier_registry **out, const tier_allocator *alloc)
{
    return TIER__HANDLE_CREATE(out, tier_registry, alloc);
}

void tier_registry_free(tier_registry *reg)
{
    size_t i;
    if (!reg)
        return;
    for (i = 0; i < reg->n; i++)
        tier__free(&reg->alloc, reg->kinds[i].name);
    tier__free(&reg->alloc, reg->kinds);
    tier__free(&reg->alloc, reg);
}

const char *tier_registry_last_error(const tier_registry *reg)
{
    return reg ? reg->err : "";
}

/* Index of `kind` among all kinds (built-ins first), or (size_t)-1. */
static size_t find_kind(const tier_registry *reg, const char *kind)
{
    size_t i;
    for (i = 0; i < N_BUILTINS; i++)
        if (strcmp(builtins[i].kind, kind) == 0)
            return i;
    for (i = 0; reg && i < reg->n; i++)
        if (strcmp(reg->kinds[i].name, kind) == 0)
            return N_BUILTINS + i;
    return (size_t)-1;
}

int tier_registry_add(tier_registry *reg, const char *kind, tier_model_factory_cb factory, void *ud)
{
    void *p;
    char *copy;
    int rc;
    if (!reg)
        return TIER_EINVAL;
    reg->err[0] = '\0';
    if (!tier__model_valid_name(kind) || !factory) {
        tier__errorf(reg->err, "%s",
                     !factory ? "no factory for the kind"
                              : "a kind name is 1 to 64 letters, digits and '_'");
        return TIER_EINVAL;
    }
    if (find_kind(reg, kind) != (size_t)-1) {
        tier__errorf(reg->err, "kind \"%s\" is already known", kind);
        return TIER_EINVAL;
    }
    p = reg->kinds;
    rc = tier__grow(&reg->alloc, &p, &reg->cap, reg->n + 1, sizeof *reg->kinds);
    if (rc) {
        tier__errorf(reg->err, "out of memory");
        return rc;
    }
    reg->kinds = p;
    copy = tier__strdup(&reg->alloc, kind);
    if (!copy) {
        tier__errorf(reg->err, "out of memory");
        return TIER_ENOMEM;
    }
    reg->kinds[reg->n].name = copy;
    reg->kinds[reg->n].factory = factory;
    reg->kinds[reg->n].ud = ud;
    reg->n++;
    return TIER_OK;
}

size_t tier_registry_kind_count(const tier_registry *reg)
{
    return N_BUILTINS + (reg ? reg->n : 0);
}

const char *tier_registry_kind(const tier_registry *reg, size_t i)
{
    if (i < N_BUILTINS)
        return builtins[i].kind;
    i -= N_BUILTINS;
    return (reg && i < reg->n) ? reg->kinds[i].name : NULL;
}

int tier_model_new_kind(tier_model **out, const tier_registry *reg, const char *kind,
                        const char *name, const tier_allocator *alloc)
{
    size_t k;
    int rc;
    if (!out)
        return TIER_EINVAL;
    *out = NULL;
    if (!kind)
        return TIER_EINVAL;
    k = find_kind(reg, kind);
    if (k == (size_t)-1)
        return TIER_ENOTFOUND;
    if (!name)
        name = kind;
    if (k < N_BUILTINS)
        return builtins[k].make(out, name, alloc);
    k -= N_BUILTINS;
    rc = reg->kinds[k].factory(out, name, alloc, reg->kinds[k].ud);
    if (rc) {
        tier_model_free(*out); /* a factory that failed should have left NULL */
        *out = NULL;
        return rc;
    }
    return *out ? TIER_OK : TIER_EINVAL;
}
