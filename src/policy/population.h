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
/* After a Pareto model (kind "pareto") scored `frame` in a run with population figures: gathers
 * its positive values as the inputs of the abc call "pareto:<name>" (its thresholds, ties by id)
 * and, when the figures name that call, sets every positive row's class against the global ends
 * (the model's own classes are those of the part), its share column against the call's total
 * when the figures give one, and its cum_share column from the call's cumulative sums when they
 * give them (a "cum" block). Other models: nothing. TIER_OK, TIER_ENOMEM, or TIER_ESTATE when the
 * cumulative sums do not fit the run's rows (err set). */
int tier__population_pareto(tier__policy_ref *ref, const tier_book *book, const tier_model *model,
                            tier_frame *frame, char *err);
/* After routing with out->want (a run with population figures): gathers per team name with a
 * capacity the routed rows (n rows, their revenue, leads: each row's lead customer, NULL for the
 * row itself) in the placing order, as "route TEAM accounts|revenue CAPACITY N" and N lines
 * "KEY ID" (the key carries the revenue exactly). TIER_OK or TIER_ENOMEM (nothing gathered). */
struct tier__route_out;
int tier__gather_route(tier__policy_ref *ref, const tier_book *book,
                       const struct tier__route_out *out, const double *revenue,
                       const size_t *leads, size_t n);
/* Appends the gathered inputs (with their header and "end") to `out`. */
int tier__population_inputs(const tier__policy_ref *ref, tier_text *out);
void tier__population_free(tier__policy_ref *ref);

#endif
