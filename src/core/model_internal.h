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

/* 1 when `name` is 1 to 64 letters, digits or '_': a model name (its columns' prefix) or a kind. */
int tier__model_valid_name(const char *name);

void tier__value_init(tier_value *value, const tier_allocator *alloc);
void tier__value_clear(tier_value *value);

/* The state of `model` when it was made from `vtable` (a built-in's own static table), else
 * NULL: how a built-in's specific functions refuse another kind of model. For a model of another
 * kind the model's last error says so. */
void *tier__model_state_if(const tier_model *model, const tier_model_vtable *vtable);

/* Ends a built-in's own call on `model` (tier_rfm_set_cut_points(), tier_scorecard_add_factor(),
 * ...) with status `rc`, so that tier_model_last_error() shows its failure and never the text of
 * an earlier call. On failure the model's last error becomes `why` (the state's error text the
 * call wrote, which is moved: `why` is emptied), or the status text when `why` is NULL or empty
 * (a NULL model gets nothing). A success writes nothing: a fitted model may be shared read-only.
 * Returns rc. A call that finds a model of another kind (tier__model_state_if() gives NULL)
 * returns TIER_EINVAL at once: that text is already there. */
int tier__model_end(const tier_model *model, int rc, char *why);

/* Marks the model fitted (1) or not (0): for a built-in's structured builders (features,
 * factors, cut points) that change what the fit depends on. */
void tier__model_set_fitted(tier_model *model, int fitted);

/* The outputs a model declares (its vtable's table or callbacks), as the score checks them: for
 * lint, which asks a model made by kind without fitting it. Info gives TIER_OK, TIER_ERANGE
 * (index), TIER_EINVAL (NULL argument, an output without a name) or the callback's status. */
size_t tier__model_output_count(const tier_model *model);
int tier__model_output_info(const tier_model *model, size_t i, const char **name, int *type);

#endif
