/* SPDX-License-Identifier: MIT */
/* What built-in models need from the model object beyond the public API. */
#ifndef TIER_MODEL_INTERNAL_H
#define TIER_MODEL_INTERNAL_H

#include "util/internal.h"

/* An option value (public as an opaque type). Library code may keep one on the stack: set
 * `alloc` with tier__value_init() and release it with tier__value_clear(). */
struct tier_value {
    tier_allocator alloc;
    int type;      /* 0 (nothing) or a tier_option_type */
    double number; /* TIER_OPTION_NUMBER */
    char *text;    /* TIER_OPTION_TEXT */
    char **items;  /* TIER_OPTION_LIST */
    size_t n_items;
};

void tier__value_init(tier_value *value, const tier_allocator *alloc);
void tier__value_clear(tier_value *value);

/* The state of `model` when it was made from `vtable` (a built-in's own static table), else
 * NULL: how a built-in's specific functions refuse another kind of model. */
void *tier__model_state_if(const tier_model *model, const tier_model_vtable *vtable);

/* Marks the model fitted (1) or not (0): for a built-in's structured builders (features,
 * factors, cut points) that change what the fit depends on. */
void tier__model_set_fitted(tier_model *model, int fitted);

#endif
