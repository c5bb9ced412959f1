/* SPDX-License-Identifier: MIT */
/* The model object's layout, shared by the files of the core that implement its calls
 * (model.c: the object, fit, score, options, save and load; model_summary.c: fits from
 * mergeable summaries). Models never see it. */
#ifndef TIER_CORE_MODEL_IMPL_H
#define TIER_CORE_MODEL_IMPL_H

#include "core/model_internal.h"

struct tier_model {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    tier_model_vtable vt;
    const tier_model_vtable *origin; /* the caller's vtable: identifies built-in models */
    void *state;
    char *name;
    char *kind;
    int fitted;
};

/* A callback's status as the library returns it: a positive value (no status at all) is
 * TIER_EUSER, so that it cannot leak out of tier_model_fit(), tier_result_run() and the rest. */
int tier__model_from_callback(int rc);

/* The callback's own detail text (its `last_error`), or the status text. */
const char *tier__model_callback_error(const tier_model *m, int rc);

#endif
