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
#include "io.h"
#include "model.h"
#include "registry.h"

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
 * Creates built-in policy `name` (tier_policy_builtin_name(); docs/policies.md): its policy text
 * (tier_policy_builtin_text(), the file policies/NAME.policy compiled in) loaded as
 * tier_policy_load_string() does, with messages naming "policies/NAME.policy". Since 0.3.0 the
 * built-ins are policy files; "b2b-sabc" (the default) is the revised S/A/B/C scheme by trailing
 * 12-month revenue, and "pareto-sabc" is the scheme 0.1 built under the name "b2b-sabc"
 * (S = Pareto class A; A = Pareto class B with r_score >= 3 and f_score >= 3; B = the rest of
 * Pareto class B; C = everyone else).
 * @param alloc the allocator (NULL for malloc); copied.
 * @param[out] out the policy, owned by the caller; NULL on failure.
 * @param name a built-in name (or NULL for "b2b-sabc").
 * @return TIER_OK, TIER_ENOTFOUND (unknown name), TIER_EINVAL (NULL out) or TIER_ENOMEM.
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

/* ---- Policy files (docs/policy-format.md) ---- */

/**
 * Replaces the whole policy with the one in `len` bytes of policy text (docs/policy-format.md).
 * All or nothing: on failure the policy is unchanged and the last error reads
 * "ORIGIN:LINE:COL: what is wrong, expected what".
 * @param policy the policy.
 * @param text the text (need not be NUL-terminated).
 * @param len its length in bytes (at most 1 MiB).
 * @param origin how messages name the text (a path; NULL: "<string>").
 * @return TIER_OK, TIER_EPARSE (syntax, type, unknown or duplicate name), TIER_ERANGE (a limit),
 *         TIER_EINVAL (NULL policy or text) or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_policy_load_string(tier_policy *policy, const char *text, size_t len,
                                     const char *origin);

/**
 * Replaces the whole policy with the one in the file `path`, read through `io` (NULL: the
 * default POSIX layer). All or nothing, as tier_policy_load_string(); messages name the path.
 * @return as tier_policy_load_string(), or TIER_EIO (cannot open or read; the message names the
 *         path and the system's reason).
 * @since 0.3.0
 */
TIER_API int tier_policy_load_file(tier_policy *policy, const char *path, const tier_io *io);

/** Number of built-in policies. @since 0.3.0 */
TIER_API size_t tier_policy_builtin_count(void);

/** Name of built-in policy `i` (static), NULL when out of range. @since 0.3.0 */
TIER_API const char *tier_policy_builtin_name(size_t i);

/** The policy text of the built-in policy `name` (static, NUL-terminated), NULL when unknown.
 * @since 0.3.0 */
TIER_API const char *tier_policy_builtin_text(const char *name);

/** The policy's name ("" when it has none); borrowed. @since 0.3.0 */
TIER_API const char *tier_policy_name(const tier_policy *policy);

/** The policy's description ("" when it has none); borrowed. @since 0.3.0 */
TIER_API const char *tier_policy_description(const tier_policy *policy);

/** Number of models the policy declares. @since 0.3.0 */
TIER_API size_t tier_policy_model_count(const tier_policy *policy);

/**
 * Model `i` the policy declares: its name, kind and options (borrowed; outputs may be NULL).
 * @return TIER_OK or TIER_ERANGE.
 * @since 0.3.0
 */
TIER_API int tier_policy_model(const tier_policy *policy, size_t i, const char **name,
                               const char **kind, size_t *option_count);

/**
 * Option `j` of model `i`: its name (borrowed) and its value into `value` (number, text or list).
 * @return TIER_OK, TIER_ERANGE or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_policy_model_option(const tier_policy *policy, size_t i, size_t j,
                                      const char **name, tier_value *value);

/** Number of declared entitlements. @since 0.3.0 */
TIER_API size_t tier_policy_entitlement_count(const tier_policy *policy);

/** Types of entitlements. Values are ABI (and match TIER_OPTION_NUMBER / TIER_OPTION_TEXT).
 * @since 0.3.0 */
typedef enum tier_entitlement_type {
    TIER_ENTITLEMENT_NUMBER = 1, /**< a number; in a ::tier_value, a number */
    TIER_ENTITLEMENT_TEXT = 2,   /**< a text; in a ::tier_value, a text */
    TIER_ENTITLEMENT_BOOL = 3    /**< yes or no; in a ::tier_value, the number 1 or 0 */
} tier_entitlement_type;

/**
 * Entitlement `k`: its name (borrowed) and its ::tier_entitlement_type into `type` (may be NULL).
 * @return the name, NULL when out of range.
 * @since 0.3.0
 */
TIER_API const char *tier_policy_entitlement_name(const tier_policy *policy, size_t k, int *type);

/**
 * The value of entitlement `key` for tier `tier` into `value`.
 * @return TIER_OK, TIER_ENOTFOUND (no such entitlement, or the tier does not set it),
 *         TIER_ERANGE (tier) or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_policy_entitlement(const tier_policy *policy, size_t tier, const char *key,
                                     tier_value *value);

/** Severity of a lint finding. Values are ABI. @since 0.3.0 */
typedef enum tier_lint_severity {
    TIER_LINT_ERROR = 1,  /**< the policy is wrong: it cannot run as meant */
    TIER_LINT_WARNING = 2 /**< likely a mistake (a shadowed rule, an uncovered cell) */
} tier_lint_severity;

/**
 * Checks the policy against the model kinds it names (the built-ins and those of `registry`,
 * which may be NULL): unknown models, outputs, options and option values; type errors; tiers and
 * rules that can never match; overlapping and uncovered cells of finite domains (every cell of
 * RFM scores and labels); caps that cannot be met; scorecard weights that do not sum to 100;
 * entitlement type errors. Appends one line per finding to `report`:
 * "ORIGIN:LINE:COL: error|warning: text [check-name]" (docs/policy-lint.md lists the checks).
 * @param policy the policy.
 * @param registry the user's model kinds besides the built-ins (NULL: the built-ins only).
 * @param report the text the findings are appended to (the caller's).
 * @param[out] errors number of errors found (may be NULL).
 * @param[out] warnings number of warnings found (may be NULL).
 * @return TIER_OK (whatever was found), TIER_EINVAL or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_policy_lint(const tier_policy *policy, const tier_registry *registry,
                              tier_text *report, size_t *errors, size_t *warnings);

TIER_END_DECL

/** @} */
#endif
