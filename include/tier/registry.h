/* SPDX-License-Identifier: MIT */
/**
 * @file registry.h
 * @brief A registry of model kinds: the user's own kinds next to the built-ins, made by name.
 * @defgroup registry Model registry
 *
 * tier_model_new_kind() makes a model from a kind name. The built-in kinds ("rfm", "pareto",
 * "scorecard", "clv", "needs", "lifecycle") are always known; a registry adds the user's kinds,
 * each with a factory callback. There is no global registry: the caller passes one (or NULL) to
 * every call that makes models by name.
 * @{
 */
#ifndef TIER_REGISTRY_H
#define TIER_REGISTRY_H

#include "common.h"
#include "model.h"

TIER_BEGIN_DECL

/**
 * Makes a model of a registered kind: stores a new model named `name` into `*out` (owned by the
 * caller) using allocator `alloc` (may be NULL), and returns TIER_OK or a negative ::tier_status.
 * `ud` is the pointer given to tier_registry_add().
 * @since 0.2.0
 */
typedef int (*tier_model_factory_cb)(tier_model **out, const char *name,
                                     const tier_allocator *alloc, void *ud);

/**
 * Creates a registry that knows the built-in kinds only.
 * @param[out] out the registry, owned by the caller; NULL on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_registry_new(tier_registry **out,
                                                       const tier_allocator *alloc);

/** Frees a registry; NULL is a no-op. Models made through it stay valid. @since 0.2.0 */
TIER_API void tier_registry_free(tier_registry *reg);

/** Text of the last failure on this registry ("" when none); borrowed, never NULL. @since 0.2.0 */
TIER_API const char *tier_registry_last_error(const tier_registry *reg);

/**
 * Adds a kind. All or nothing.
 * @param reg the registry.
 * @param kind the kind name (copied): 1 to 64 letters, digits and '_', not a built-in or an added
 *        kind.
 * @param factory makes a model of the kind.
 * @param ud handed to `factory` (borrowed: must outlive the registry).
 * @return TIER_OK, TIER_EINVAL (bad or taken name, NULL factory) or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_registry_add(tier_registry *reg, const char *kind, tier_model_factory_cb factory,
                               void *ud);

/**
 * Number of kinds known: the built-ins, then the added kinds. `reg` may be NULL (the built-ins).
 * @since 0.2.0
 */
TIER_API size_t tier_registry_kind_count(const tier_registry *reg);

/**
 * Name of kind `i` (built-ins first, in the order "rfm", "pareto", "scorecard", "clv", "needs",
 * "lifecycle", then the added kinds in the order added); static or borrowed from the registry,
 * NULL when out of range. `reg` may be NULL.
 * @since 0.2.0
 */
TIER_API const char *tier_registry_kind(const tier_registry *reg, size_t i);

TIER_END_DECL

/** @} */
#endif
