/* SPDX-License-Identifier: MIT */
/* Population figures in the tests (support_population.c; tests/test_population.c and
 * tests/test_population_org.c): a generated book split in two parts run to settled figures the
 * way a driver merges the parts' gathered inputs (abc, total, cum, rank, cap and route figures),
 * and a gathering run for out-of-memory walks. */
#ifndef TIER_TEST_SUPPORT_POPULATION_H
#define TIER_TEST_SUPPORT_POPULATION_H

#include "support.h"

/* A new policy made with `a` from `text` (fails the test when it does not load). */
tier_policy *tst_policy_of(const tier_allocator *a, const char *text);

/* Sets the hierarchy and routing attributes (text "parent", "region", "city") of every customer
 * of `book`: groups of three accounts two levels deep (customer i's root is i - i % 3, group
 * g = i / 3); every third group spans regions (national), the next spans cities (regional), the
 * next lies in one city (local). */
void tst_org_attributes(tier_book *book);

/* Splits a generated book of 900 customers in two parts (by the parity of the index, or with
 * `org` set by tst_org_attributes() and each group whole in one part), runs the parts against
 * the global figures merged from their inputs until the figures settle, and checks every
 * customer is placed as one run over the whole book places it: tier, reason, route and flags, and
 * with `pareto` (a Pareto model "pareto" with thresholds 50% and 90%) its share and cumulative
 * share. The parts gather `nlists` lists (0: more than two); the settled figures contain
 * `expect`; a part run alone places some customers otherwise. Returns the customers moved by a
 * cap. */
size_t tst_split_run(const char *text, int pareto, size_t nlists, const char *expect, int org);

/* For out-of-memory walks: runs policy `text` (with `pareto` a Pareto model "pareto") over `book`
 * against figures `fig` and writes the gathered inputs, every allocation made with `a`; on success
 * the inputs contain `needle`, on failure the status and message are an out-of-memory one.
 * Returns the status. */
int tst_population_gather(const tier_allocator *a, const tier_book *book, const char *text,
                          int pareto, const char *fig, const char *needle);

#endif
