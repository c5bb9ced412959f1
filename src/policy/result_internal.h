/* SPDX-License-Identifier: MIT */
/* Shared by result.c, result_explain.c and result_writer.c: the writer records its errors in the
 * result, and reads the entitlements and the as-of day the run kept. */
#ifndef TIER_RESULT_INTERNAL_H
#define TIER_RESULT_INTERNAL_H

#include "util/internal.h"

char *tier__result_errbuf(const tier_result *result);
const tier_allocator *tier__result_allocator(const tier_result *result);

/* Entitlement `name` of the last run: its index (>= 0) and TIER__PT_* type, or -1. */
int tier__result_ent_find(const tier_result *result, const char *name, int *type);
/* Its value for tier `tier`: 1 with *num (numbers, bools as 0/1) or *text set, 0 when the tier
 * leaves it unset. */
int tier__result_ent_value(const tier_result *result, int k, size_t tier, double *num,
                           const char **text);
/* The number of entitlements the last run kept, and the name of entitlement k. */
size_t tier__result_ent_count(const tier_result *result);
const char *tier__result_ent_name(const tier_result *result, size_t k);

/* The as-of day the last run used (NaN: the default). */
double tier__result_as_of(const tier_result *result);
/* The state of model `m` of the last run as saved (NULL when it could not be saved), its name and
 * kind; NULL name when m is out of range. */
const char *tier__result_model(const tier_result *result, size_t m, const char **kind,
                               const char **state, size_t *state_len);

#endif
