/* SPDX-License-Identifier: MIT */
/**
 * @file model.h
 * @brief The pluggable model ABI: one versioned vtable for built-in and user models.
 * @defgroup model Models
 *
 * A model is fitted on a book (and on the columns earlier models produced), then scores every
 * customer into a frame and explains any one score. Built-in models (rfm, pareto, ...) are made
 * through this same vtable. The library copies the vtable at tier_model_new() and calls
 * `destroy(state)` exactly once: when the model is freed, or at once if tier_model_new() fails.
 * A callback returns TIER_OK or a negative ::tier_status; TIER_EUSER is passed through unchanged.
 * @{
 */
#ifndef TIER_MODEL_H
#define TIER_MODEL_H

#include "common.h"
#include "book.h"
#include "frame.h"
#include "text.h"

TIER_BEGIN_DECL

/** The vtable version this header describes. @since 0.1.0 */
#define TIER_MODEL_VTABLE_VERSION 1

/**
 * What a model implements. `version` comes first and members are only ever appended; set
 * `version` to TIER_MODEL_VTABLE_VERSION. Optional members may be NULL.
 * @since 0.1.0
 */
typedef struct tier_model_vtable {
    unsigned int version; /**< TIER_MODEL_VTABLE_VERSION */
    const char *kind;     /**< short kind name, e.g. "rfm" (copied) */
    /** Number of outputs the model adds when scoring. */
    size_t (*output_count)(void *state);
    /** Name (borrowed from state, without the model-name prefix) and ::tier_value_type of output `i`. */
    int (*output_info)(void *state, size_t i, const char **name, int *type);
    /** Fits on a book; `inputs` holds earlier models' columns (never NULL). Optional. */
    int (*fit)(void *state, const tier_book *book, const tier_frame *inputs);
    /** Adds exactly the declared outputs to `frame` (one row per customer of `book`) and fills
     * them; must not change `state`. */
    int (*score)(void *state, const tier_book *book, tier_frame *frame);
    /** Appends a human-readable explanation of customer `customer`'s outputs to `out`. Optional. */
    int (*explain)(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                   tier_text *out);
    /** Releases the state; called exactly once. Optional. */
    void (*destroy)(void *state);
    /** Detail text for the last failure of a callback (borrowed from state). Optional. */
    const char *(*last_error)(void *state);
} tier_model_vtable;

/** A model instance: a copied vtable, its state and a name (opaque). @since 0.1.0 */
typedef struct tier_model tier_model;

/**
 * Wraps a vtable and its state into a model named `name` (the prefix of its frame columns:
 * letters, digits and '_', not empty).
 * @param name the model name, the prefix of its columns.
 * @param[out] out the model, owned by the caller; NULL on failure.
 * @param vtable copied; must have 1 <= version <= TIER_MODEL_VTABLE_VERSION and the `output_count`,
 *        `output_info` and `score` callbacks.
 * @param state handed to every callback; ownership passes to the model even on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EVERSION (version 0 or newer than this library), TIER_EINVAL or
 *         TIER_ENOMEM. On failure `vtable->destroy(state)` has been called (unless the version is
 *         0, which has no defined layout).
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_model_new(tier_model **out, const tier_model_vtable *vtable,
                                                    void *state, const char *name,
                                                    const tier_allocator *alloc);

/** Frees a model, calling its destroy callback; NULL is a no-op. @since 0.1.0 */
TIER_API void tier_model_free(tier_model *model);

/** Text of the last failure on this model ("" when none); borrowed, never NULL. @since 0.1.0 */
TIER_API const char *tier_model_last_error(const tier_model *model);

/** The model's name (borrowed). @since 0.1.0 */
TIER_API const char *tier_model_name(const tier_model *model);

/** The model's kind from its vtable (borrowed). @since 0.1.0 */
TIER_API const char *tier_model_kind(const tier_model *model);

/** The state pointer given at creation (for the model's own helpers). @since 0.1.0 */
TIER_API void *tier_model_state(const tier_model *model);

/** 1 once the model has been fitted successfully (or has nothing to fit), else 0. @since 0.1.0 */
TIER_API int tier_model_is_fitted(const tier_model *model);

/**
 * Fits the model. `inputs` may be NULL (no earlier columns).
 * @return TIER_OK or the callback's status (TIER_EUSER passed through); details in the last error.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_model_fit(tier_model *model, const tier_book *book,
                                                    const tier_frame *inputs);

/**
 * Scores every customer of `book` into `frame` (which must have one row per customer). All or
 * nothing: on failure the frame has no new column and the frame's last error says why. Scoring
 * does not change the model, so one fitted model may score into many frames at once (the score
 * callback must not change its state).
 * @return TIER_OK, TIER_ESTATE (not fitted), TIER_EINVAL (row count, outputs not as declared) or
 *         the callback's status.
 * @since 0.1.0
 */
TIER_API int tier_model_score(const tier_model *model, const tier_book *book, tier_frame *frame);

/**
 * Appends the model's explanation of one customer to `out`.
 * @return TIER_OK, TIER_ESTATE, TIER_ERANGE (customer) or the callback's status.
 * @since 0.1.0
 */
TIER_API int tier_model_explain(const tier_model *model, const tier_book *book, const tier_frame *frame,
                                size_t customer, tier_text *out);

TIER_END_DECL

/** @} */
#endif
