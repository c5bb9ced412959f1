/* SPDX-License-Identifier: MIT */
/**
 * @file policy.h
 * @brief Tier policies: ordered tiers whose rules compare model outputs and attributes.
 * @defgroup policy Tier policy
 *
 * A policy is an ordered list of tiers; each tier has one or more rules; a rule is a conjunction
 * of conditions (a rule without conditions always holds). Customers are tested tier by tier, rule
 * by rule, and take the first tier with a rule that holds (first match wins); a customer no rule
 * matches gets no tier (-1). A condition compares a frame column ("rfm.r_score") or a book
 * attribute ("attr.industry") with a number or a label/text. A missing value (NaN, no label, unset
 * attribute) makes every comparison false.
 * @{
 */
#ifndef TIER_POLICY_H
#define TIER_POLICY_H

#include "common.h"
#include "text.h"

TIER_BEGIN_DECL

/** A tier policy (opaque). @since 0.1.0 */
typedef struct tier_policy tier_policy;

/** Comparison operators. Values are ABI. @since 0.1.0 */
typedef enum tier_op {
    TIER_OP_LT = 1, /**< < */
    TIER_OP_LE = 2, /**< <= */
    TIER_OP_EQ = 3, /**< == */
    TIER_OP_NE = 4, /**< != */
    TIER_OP_GE = 5, /**< >= */
    TIER_OP_GT = 6  /**< > */
} tier_op;

/**
 * Creates an empty policy.
 * @param alloc the allocator (NULL for malloc); copied.
 * @param[out] out the policy, owned by the caller; NULL on failure.
 * @return TIER_OK or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_policy_new(tier_policy **out,
                                                     const tier_allocator *alloc);

/**
 * Creates the built-in default B2B policy "b2b-sabc" (docs/policy.md): S = Pareto class A;
 * A = Pareto class B with r_score >= 3 and f_score >= 3; B = the rest of Pareto class B;
 * C = everyone else. It reads the columns of models named "rfm" and "pareto".
 * @param alloc the allocator (NULL for malloc); copied.
 * @param[out] out the policy, owned by the caller; NULL on failure.
 * @param name "b2b-sabc" (or NULL for it).
 * @return TIER_OK, TIER_ENOTFOUND (unknown name) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_policy_new_builtin(tier_policy **out, const char *name,
                                                             const tier_allocator *alloc);

/** Frees a policy; NULL is a no-op. @since 0.1.0 */
TIER_API void tier_policy_free(tier_policy *policy);

/** Text of the last failure ("" when none); borrowed, never NULL. @since 0.1.0 */
TIER_API const char *tier_policy_last_error(const tier_policy *policy);

/**
 * Appends a tier named `name` (copied; unique, not empty) after the existing ones.
 * @param policy the policy.
 * @param name the tier name.
 * @param[out] out_tier its index (may be NULL).
 * @return TIER_OK, TIER_EINVAL (empty or duplicate name) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_policy_add_tier(tier_policy *policy, const char *name, size_t *out_tier);

/**
 * Appends a rule to tier `tier`; `name` (copied) is the reason reported for customers it places.
 * @param policy the policy.
 * @param tier index of the tier.
 * @param name the rule name.
 * @param[out] out_rule the rule's index in the policy (may be NULL).
 * @return TIER_OK, TIER_ERANGE (tier), TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_policy_add_rule(tier_policy *policy, size_t tier, const char *name,
                                  size_t *out_rule);

/**
 * Adds the condition `column op value` to rule `rule` (a number column or numeric attribute).
 * @return TIER_OK, TIER_ERANGE (rule), TIER_EINVAL (op, NaN value, empty column) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_policy_where_number(tier_policy *policy, size_t rule, const char *column, int op,
                                      double value);

/**
 * Adds the condition `column op "text"` to rule `rule` (a label column or text attribute); only
 * TIER_OP_EQ and TIER_OP_NE are allowed.
 * @return TIER_OK, TIER_ERANGE, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_policy_where_label(tier_policy *policy, size_t rule, const char *column, int op,
                                     const char *text);

/** Number of tiers. @since 0.1.0 */
TIER_API size_t tier_policy_tier_count(const tier_policy *policy);

/** Name of tier `tier` (borrowed), NULL when out of range. @since 0.1.0 */
TIER_API const char *tier_policy_tier_name(const tier_policy *policy, size_t tier);

/** Number of rules. @since 0.1.0 */
TIER_API size_t tier_policy_rule_count(const tier_policy *policy);

/** Name of rule `rule` (borrowed), NULL when out of range. @since 0.1.0 */
TIER_API const char *tier_policy_rule_name(const tier_policy *policy, size_t rule);

/**
 * Appends a readable description of the whole policy (tiers, rules, conditions) to `out`.
 * @return TIER_OK or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_policy_describe(const tier_policy *policy, tier_text *out);

TIER_END_DECL

/** @} */
#endif
