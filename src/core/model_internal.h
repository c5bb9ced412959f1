/* SPDX-License-Identifier: MIT */
/* What built-in models need from the model object beyond the public API. */
#ifndef TIER_MODEL_INTERNAL_H
#define TIER_MODEL_INTERNAL_H

#include "util/internal.h"

/* The state of `model` when it was made from `vtable` (a built-in's own static table), else
 * NULL: how a built-in's specific functions refuse another kind of model. */
void *tier__model_state_if(const tier_model *model, const tier_model_vtable *vtable);

/* Marks the model fitted (1) or not (0). */
void tier__model_set_fitted(tier_model *model, int fitted);

#endif
