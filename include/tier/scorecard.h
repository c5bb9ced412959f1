/* SPDX-License-Identifier: MIT */
/**
 * @file scorecard.h
 * @brief The built-in value scorecard: weighted factors, penalties and vetoes, 0-100 points and A-E
 * grades.
 * @defgroup scorecard Value scorecard model
 *
 * A scorecard (kind "scorecard") adds up points from factors whose weights sum to 100. Each factor
 * reads one number per customer from a source column: a book attribute ("attr.NAME") or a number
 * column of a model scored earlier ("rfm.m", "clv.clv"); it normalises the value to [0, 1]
 * (percentile rank, min-max with caps, bands or boolean), reverses it for lower-is-better factors
 * and earns weight x normalised points. A customer without a value is handled by the factor's
 * missing-value policy (drop and re-weight, impute, zero). Factors belong to the explicit,
 * potential or growth value group. Penalties subtract points when a condition holds (the score
 * never goes below 0); vetoes cap the grade. The 0-100 score maps to grades A-E (default
 * A >= 80, B >= 65, C >= 50, D >= 35, else E). docs/scorecard.md states every rule with a worked
 * example.
 *
 * Outputs: score, explicit, potential, growth (numbers; NaN when every factor was dropped),
 * grade (label A..E; missing when the score is NaN) and capped (1 when a veto lowered the grade,
 * else 0).
 *
 * Adding a factor forgets the fit; the other setters keep it (the fit stores every statistic a
 * factor can use: its sorted reference values for percentile ranks, minimum, maximum and median).
 * @{
 */
#ifndef TIER_SCORECARD_H
#define TIER_SCORECARD_H

#include "common.h"
#include "model.h"

TIER_BEGIN_DECL

/** How a factor maps its value to [0, 1]. Values are ABI. @since 0.1.0 */
typedef enum tier_scorecard_norm {
    /** Mid-rank percentile among the values fitted: (below + equal / 2) / n. */
    TIER_SCORECARD_NORM_PERCENTILE = 1,
    /** (x - lo) / (hi - lo) clamped to [0, 1]; caps lo/hi given or fitted minimum/maximum. */
    TIER_SCORECARD_NORM_MINMAX = 2,
    /** The fraction of the band the value falls in (tier_scorecard_set_bands()). */
    TIER_SCORECARD_NORM_BANDS = 3,
    /** 1 when the value is not 0, else 0. */
    TIER_SCORECARD_NORM_BOOLEAN = 4
} tier_scorecard_norm;

/** Direction of a factor. Values are ABI. @since 0.1.0 */
typedef enum tier_scorecard_direction {
    TIER_SCORECARD_HIGHER_IS_BETTER = 1, /**< normalised value used as is */
    TIER_SCORECARD_LOWER_IS_BETTER = 2   /**< 1 - normalised value */
} tier_scorecard_direction;

/** What a factor does for a customer without a value. Values are ABI. @since 0.1.0 */
typedef enum tier_scorecard_missing {
    /** Drop the factor and rescale the customer's remaining weights to sum to 100. */
    TIER_SCORECARD_MISSING_REWEIGHT = 1,
    /** Score a stand-in value: the one given to tier_scorecard_set_impute(), else the fitted
       median. */
    TIER_SCORECARD_MISSING_IMPUTE = 2,
    /** The factor earns 0 points (its weight still counts). */
    TIER_SCORECARD_MISSING_ZERO = 3
} tier_scorecard_missing;

/** Value groups; each factor belongs to one. Values are ABI. @since 0.1.0 */
typedef enum tier_scorecard_group {
    TIER_SCORECARD_EXPLICIT = 1,  /**< what the customer pays now */
    TIER_SCORECARD_POTENTIAL = 2, /**< what the customer could pay */
    TIER_SCORECARD_GROWTH = 3     /**< how fast the customer grows */
} tier_scorecard_group;

/**
 * Creates an empty scorecard named `name` (NULL for "scorecard") with the default grade bands.
 * @param name the model name (NULL for "scorecard").
 * @param[out] out the model, owned by the caller; NULL on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EINVAL (bad name) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_scorecard_new(tier_model **out, const char *name,
                                                        const tier_allocator *alloc);

/**
 * Creates the built-in "B2B default" scorecard (docs/scorecard.md lists its factors, penalties
 * and veto) named `name` (NULL for "scorecard"). It reads the attributes contract_arr,
 * gross_margin, employees, modules_used, growth_rate, years_cooperation, referrals, defaults,
 * support_tickets and arrears_days and the column "rfm.m". The same as tier_scorecard_new()
 * followed by setting the option "preset" to "b2b" (which any front end can do by kind and
 * options alone).
 * @param name the model name (NULL for "scorecard").
 * @param alloc the allocator (NULL for malloc); copied.
 * @param[out] out the model, owned by the caller; NULL on failure.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_scorecard_new_b2b(tier_model **out, const char *name,
                                                            const tier_allocator *alloc);

/**
 * Appends a factor. Forgets the fit.
 * @param model a scorecard model.
 * @param factor the factor's name (copied; unique, 1..64 bytes of printable ASCII).
 * @param column the source (copied): "attr.NAME" for a numeric book attribute, otherwise the full
 *        name of a number column of the frame ("rfm.m"); at most 200 bytes.
 * @param weight in (0, 100]; the weights of all factors must sum to 100 when fitting.
 * @param group a ::tier_scorecard_group.
 * @param normalisation a ::tier_scorecard_norm.
 * @param direction a ::tier_scorecard_direction.
 * @param missing a ::tier_scorecard_missing.
 * @param[out] out_index the factor's index (may be NULL).
 * @return TIER_OK, TIER_EINVAL (not a scorecard, bad argument, duplicate name), TIER_ERANGE (more
 *         than 256 factors) or TIER_ENOMEM; the model is unchanged on failure.
 * @since 0.1.0
 */
TIER_API int tier_scorecard_add_factor(tier_model *model, const char *factor, const char *column,
                                       double weight, int group, int normalisation, int direction,
                                       int missing, size_t *out_index);

/**
 * Sets the caps of a min-max factor; NaN for either cap means the fitted minimum (lo) or maximum
 * (hi), the default. Values outside [lo, hi] are clamped. Nothing is retained from the caller.
 * @return TIER_OK, TIER_EINVAL (not a min-max factor, infinite cap, lo > hi) or TIER_ERANGE
 * (index).
 * @since 0.1.0
 */
TIER_API int tier_scorecard_set_caps(tier_model *model, size_t factor, double lo, double hi);

/**
 * Sets the bands of a bands factor: `n` finite, strictly ascending edges make n+1 bands; value x
 * falls in band i = the number of edges <= x and earns `fractions[i]` (in [0, 1]) of the weight.
 * Both arrays are copied (`fractions` has n+1 entries).
 * @return TIER_OK, TIER_EINVAL (not a bands factor, bad edges or fractions), TIER_ERANGE (index,
 *         n = 0 or n > 64) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_scorecard_set_bands(tier_model *model, size_t factor, const double *edges,
                                      size_t n, const double *fractions);

/**
 * Sets the stand-in value of an impute factor (finite), or NaN for the fitted median (default).
 * Nothing is retained from the caller.
 * @return TIER_OK, TIER_EINVAL (not an impute factor, infinite value) or TIER_ERANGE (index).
 * @since 0.1.0
 */
TIER_API int tier_scorecard_set_impute(tier_model *model, size_t factor, double value);

/**
 * Appends a penalty: when `column op threshold` holds for a customer, `points` (in [-100, 0))
 * are added to the score, which is then clamped at 0. A missing value makes the condition false.
 * Name and column are copied (same rules as for factors).
 * @param model a scorecard model.
 * @param name the penalty name, shown in explanations.
 * @param column the frame column or "attr.NAME" compared.
 * @param threshold the value compared with.
 * @param points the (negative) points added when the condition holds, in [-100, 0).
 * @param op a ::tier_op from policy.h.
 * @return TIER_OK, TIER_EINVAL, TIER_ERANGE (more than 64 penalties) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_scorecard_add_penalty(tier_model *model, const char *name, const char *column,
                                        int op, double threshold, double points);

/**
 * Appends a veto: when `column op threshold` holds for a customer, the grade is at most
 * `max_grade` ("A".."E"; copied). A missing value makes the condition false. Name and column are
 * copied (same rules as for factors).
 * @param model a scorecard model.
 * @param name the veto name, shown in explanations.
 * @param column the frame column or "attr.NAME" compared.
 * @param threshold the value compared with.
 * @param max_grade the best grade a customer can get when the condition holds ("A".."E").
 * @param op a ::tier_op from policy.h.
 * @return TIER_OK, TIER_EINVAL, TIER_ERANGE (more than 64 vetoes) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_scorecard_add_veto(tier_model *model, const char *name, const char *column,
                                     int op, double threshold, const char *max_grade);

/**
 * Sets the lowest score of grades A, B, C and D (`lower[0..3]`, non-increasing, in [0, 100]);
 * lower scores are E. The default is {80, 65, 50, 35}. The array is copied.
 * @return TIER_OK or TIER_EINVAL (the model is unchanged).
 * @since 0.1.0
 */
TIER_API int tier_scorecard_set_grade_bands(tier_model *model, const double lower[4]);

/** Number of factors (0 when `model` is not a scorecard). @since 0.1.0 */
TIER_API size_t tier_scorecard_factor_count(const tier_model *model);

/** Name of factor `factor` (borrowed from the model), NULL for a bad index or model. @since 0.1.0
 */
TIER_API const char *tier_scorecard_factor_name(const tier_model *model, size_t factor);

TIER_END_DECL

/** @} */
#endif
