/* SPDX-License-Identifier: MIT */
/* Population figures that travel between the parts of a distributed run (docs/distributed.md):
 * parsed from the text of tier_result_set_population() into a frozen reference that names its
 * boundary rows by id, and the gathered inputs written for tier_result_population(). */
#ifndef TIER_POLICY_POPULATION_H
#define TIER_POLICY_POPULATION_H

#include "policy/eval/eval.h"

/* Parses `text` into a new reference (gather on, collect 0) on allocator `a`. TIER_OK, TIER_EPARSE
 * (err names the line and what was expected) or TIER_ENOMEM; *out NULL on failure. */
int tier__population_parse(const tier_allocator *a, const char *text, size_t len,
                           tier__policy_ref **out, char *err);
/* Before a run of a policy with n_tiers tiers: one cap entry per tier (and one spare), the
 * gathered inputs emptied. TIER_OK, TIER_EINVAL (a cap of a tier the policy lacks), TIER_ENOMEM. */
int tier__population_prepare(tier__policy_ref *ref, size_t n_tiers, char *err);
/* Appends the gathered inputs (with their header and "end") to `out`. */
int tier__population_inputs(const tier__policy_ref *ref, tier_text *out);
void tier__population_free(tier__policy_ref *ref);

#endif
