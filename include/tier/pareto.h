/* SPDX-License-Identifier: MIT */
/**
 * @file pareto.h
 * @brief The built-in Pareto/ABC model: classes by cumulative share of a criterion.
 * @defgroup pareto Pareto/ABC model
 *
 * Customers are sorted by the criterion, descending, ties broken by id (bytewise ascending).
 * With the criterion total S over customers with a positive value, class A holds the customers up
 * to and including the first one whose cumulative sum reaches threshold_a * S (default 0.80), B
 * those up to and including the one reaching threshold_b * S (default 0.95), C the rest
 * (including every customer whose criterion is zero, negative or missing). Comparisons are exact.
 *
 * Outputs: value (the criterion), share (the customer's share of S), cum_share and class (label
 * A/B/C).
 *
 * Options (tier_model_set_option(), docs/pareto.md): `criterion` (text: "revenue" (default),
 * "margin", or the full name of a number column of the input frame such as "clv.clv"),
 * `threshold_a` and `threshold_b` (numbers, 0 < a <= b <= 1), `as_of` (number: day number; nan =
 * the day after the book's last transaction) and `window` (number: days; 0 = all history). The
 * model learns nothing from the book: its saved state (tier_model_save()) is its options.
 * @{
 */
#ifndef TIER_PARETO_H
#define TIER_PARETO_H

#include "common.h"
#include "model.h"
#include "frame.h"

TIER_BEGIN_DECL

/**
 * Creates a Pareto model named `name` (NULL for "pareto") with the criterion "revenue".
 * @param name the model name (NULL for "pareto").
 * @param alloc the allocator (NULL for malloc); copied.
 * @param[out] out the model, owned by the caller; NULL on failure.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_pareto_new(tier_model **out, const char *name,
                                                     const tier_allocator *alloc);

/**
 * Summary of class 0 (A), 1 (B) or 2 (C) from the columns a Pareto model named `name` wrote into
 * `frame`: customers in the class, their criterion sum, and both as shares of all customers and
 * of the positive criterion total. Outputs may be NULL.
 * @return TIER_OK, TIER_ENOTFOUND (no such columns) or TIER_EINVAL.
 * @since 0.1.0
 */
TIER_API int tier_pareto_summary(const tier_frame *frame, const char *name, int cls,
                                 size_t *customers, double *value, double *customer_share,
                                 double *value_share);

TIER_END_DECL

/** @} */
#endif
