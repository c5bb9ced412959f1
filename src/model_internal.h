/* SPDX-License-Identifier: MIT */
/* For built-in models whose state can be set without fitting (loaded or given cut points). */
#ifndef TIER_MODEL_INTERNAL_H
#define TIER_MODEL_INTERNAL_H

#include "internal.h"

/* Marks the model fitted (1) or not (0). */
void tier__model_set_fitted(tier_model *model, int fitted);

#endif
