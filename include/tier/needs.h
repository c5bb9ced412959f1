/* SPDX-License-Identifier: MIT */
/**
 * @file needs.h
 * @brief The built-in needs model: needs-based segments by k-means++ or by given need profiles.
 * @defgroup needs Needs segmentation model
 *
 * A customer's needs vector is a list of numeric features, each a book attribute
 * ("attr.module_crm") or a number column of an earlier model ("rfm.f"). Features are standardised
 * (z = (value - mean) / sd with the mean and population standard deviation fitted on the book)
 * unless the `standardize` option is 0; a feature whose fitted sd is 0 is dropped from the
 * distances of a clustering. Missing values (unset attributes, NaN or infinite column values):
 * such customers are left out of the fit; scoring places them with the features they have (the
 * squared distance over the present features is scaled by used / present features), and a
 * customer with no usable feature gets no segment (-1).
 *
 * Segments come either from k-means (k-means++ seeding from a fixed seed with the library's own
 * xoshiro256** generator, then Lloyd iterations; several restarts on a sample, the lowest inertia
 * kept, then Lloyd iterations over every customer with exact sums; k given or chosen by the
 * silhouette on a sample) or from need profiles the caller names (tier_needs_add_profile()).
 * Since 0.5.0 the samples are the first customers in an order by a seeded hash of their ids and
 * every sum over customers is exact, so the fit does not depend on the book's order and can run
 * over parts of the customers (tier_needs_dist_begin()). Results are identical on every run and
 * every IEEE-754 platform. Refitting matches the new centres to the previous ones (minimum-cost
 * assignment), so segment names survive refits. docs/needs.md states every rule in full.
 *
 * Outputs: segment (label: the nearest segment), distance (number: Euclidean distance to its
 * centre in standardised units), second (label: the second-nearest segment, -1 when there is only
 * one) and margin (number: distance to the second minus distance to the nearest; NaN with one
 * segment). Labels are the segment names: "need_1" .. "need_k" unless renamed.
 *
 * Errors of the tier_needs_* calls and of fitting are described by tier_model_last_error(),
 * errors of scoring by tier_frame_last_error().
 *
 * Options (tier_model_set_option(), docs/needs.md): `features` (list: the needs vector, the same
 * as adding each with tier_needs_add_feature()), and the numbers `k` (0 = chosen by the
 * silhouette), `k_min`, `k_max`, `seed`, `n_init`, `max_iter`, `standardize` (1 or 0), `sample`
 * and `init_sample`. Changing the features or standardize forgets the fit (with standardize 0,
 * given profiles are a fit at once). The options, features, standardisation, centres or profiles
 * and segment names save and load with tier_model_save() and tier_model_load().
 * @{
 */
#ifndef TIER_NEEDS_H
#define TIER_NEEDS_H

#include "common.h"
#include "model.h"
#include "text.h"

TIER_BEGIN_DECL

/** Most segments (clusters or profiles) a needs model holds. @since 0.1.0 */
#define TIER_NEEDS_MAX_SEGMENTS 256
/** Most features of a needs model. @since 0.1.0 */
#define TIER_NEEDS_MAX_FEATURES 1024
/** Longest feature or segment name in bytes. @since 0.1.0 */
#define TIER_NEEDS_MAX_NAME 256

/** Figures of the last fit (tier_needs_fit_stat()). Values are ABI. @since 0.1.0 */
typedef enum tier_needs_stat {
    TIER_NEEDS_STAT_K = 1,            /**< segments of the model */
    TIER_NEEDS_STAT_ITERATIONS = 2,   /**< Lloyd iterations of the final run (0 for profiles) */
    TIER_NEEDS_STAT_CONVERGED = 3,    /**< 1 when assignments stopped changing, 0 at MAX_ITER */
    TIER_NEEDS_STAT_INERTIA = 4,      /**< sum of squared distances of fitted customers */
    TIER_NEEDS_STAT_SILHOUETTE = 5,   /**< mean silhouette of the chosen k (NaN if k was given) */
    TIER_NEEDS_STAT_FITTED = 6,       /**< customers with a complete needs vector */
    TIER_NEEDS_STAT_EXCLUDED = 7,     /**< customers left out of the fit (missing values) */
    TIER_NEEDS_STAT_USED_FEATURES = 8 /**< features that take part in distances */
} tier_needs_stat;

/**
 * Creates a needs model named `name` (NULL for "needs") without features.
 * @param name the model name (NULL for "needs").
 * @param[out] out the model, owned by the caller (free with tier_model_free()); NULL on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_needs_new(tier_model **out, const char *name,
                                                    const tier_allocator *alloc);

/**
 * Appends a feature: "attr.NAME" for the book's numeric attribute NAME, any other name for a
 * number column of the frame the model is fitted and scored with. The name is copied; it must be
 * valid UTF-8 without control characters, not start or end with a blank, at most
 * TIER_NEEDS_MAX_NAME bytes and not already a feature. Adding a feature forgets the fit. The
 * `features` option sets the whole list at once.
 * @return TIER_OK, TIER_EINVAL, TIER_ERANGE (too many), TIER_ESTATE (profiles already given) or
 *         TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_needs_add_feature(tier_model *model, const char *column);

/** Number of features. @since 0.1.0 */
TIER_API size_t tier_needs_feature_count(const tier_model *model);

/** Name of feature `i` (borrowed from the model), NULL when out of range. @since 0.1.0 */
TIER_API const char *tier_needs_feature_name(const tier_model *model, size_t i);

/**
 * Adds a need profile: a named centre given in raw feature units (`n` = feature count finite
 * values, copied; the name is copied and follows the rules of tier_needs_add_feature()). A model
 * with profiles does not cluster: fitting only computes the standardisation (with standardisation
 * off the model counts as fitted at once) and each customer goes to the nearest profile.
 * Adding a profile forgets a clustering fit.
 * @return TIER_OK, TIER_EINVAL (bad name, duplicate, non-finite value, no features),
 *         TIER_ERANGE (`n` != feature count, too many profiles) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_needs_add_profile(tier_model *model, const char *name, const double *values,
                                    size_t n);

/** Removes every profile (the model clusters again) and forgets the fit. @since 0.1.0 */
TIER_API void tier_needs_clear_profiles(tier_model *model);

/** Number of segments of the fitted model (0 before a fit). @since 0.1.0 */
TIER_API size_t tier_needs_segment_count(const tier_model *model);

/** Name of segment `seg` (borrowed from the model), NULL when out of range. @since 0.1.0 */
TIER_API const char *tier_needs_segment_name(const tier_model *model, size_t seg);

/**
 * Renames segment `seg` of the fitted model (the name is copied; rules as for features, unique
 * among the segments). The name is kept across refits by label matching.
 * @return TIER_OK, TIER_EINVAL (bad or duplicate name), TIER_ERANGE (seg), TIER_ESTATE (not
 *         fitted) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_needs_set_segment_name(tier_model *model, size_t seg, const char *name);

/**
 * Copies the centre of segment `seg` in raw feature units into `out` (`n` = feature count). A
 * feature dropped for a zero standard deviation reads as its fitted mean.
 * @return TIER_OK, TIER_EINVAL, TIER_ESTATE (not fitted) or TIER_ERANGE (seg or n).
 * @since 0.1.0
 */
TIER_API int tier_needs_centroid(const tier_model *model, size_t seg, double *out, size_t n);

/**
 * Gives the centres of an earlier segmentation for the next fit to match its clusters to (see
 * docs/needs.md): `k` centres of `n` (= feature count) finite raw values, row-major, and their
 * names (`names` may be NULL for "need_1" .. "need_k"). All inputs are copied. They replace,
 * for the next successful fit only, the centres of the model's own current fit.
 * @return TIER_OK, TIER_EINVAL (bad or duplicate name, non-finite value), TIER_ERANGE (k or n)
 *         or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_needs_set_previous_centroids(tier_model *model, const char *const *names,
                                               const double *values, size_t k, size_t n);

/**
 * Reads a figure of the last fit (see ::tier_needs_stat) into `*out`; NaN when unknown (e.g.
 * after tier_model_load()).
 * @return TIER_OK, TIER_EINVAL or TIER_ESTATE (not fitted).
 * @since 0.1.0
 */
TIER_API int tier_needs_fit_stat(const tier_model *model, int stat, double *out);

/**
 * Starts a distributed fit of `model` on the driver (docs/distributed.md, "The needs model"): the
 * parts answer each request with tier_needs_dist_answer() over their customers, the driver merges
 * the answers with tier_needs_dist_merge(), which writes the next request, until the model is
 * fitted. The fitted model is the one tier_model_fit() gives on the book of every part's
 * customers, bit for bit (the fit does not depend on the customers' order, docs/needs.md).
 * Starting again forgets a fit in progress. A model with need profiles (since 0.5.0) is fitted
 * in the same rounds but the last: its standardisation, then one round that sums the distances to
 * the nearest profile (the fit's inertia).
 * @param model a needs model with its features and options (they are copied into the request:
 *        later changes do not affect this fit).
 * @param request receives the first request (replaced).
 * @return TIER_OK, TIER_EINVAL (not a needs model, no features, NULL request) or TIER_ENOMEM.
 * @since 0.5.0
 */
TIER_API int tier_needs_dist_begin(tier_model *model, tier_text *request);

/**
 * A part's answer to a request of a distributed fit: mergeable summaries of the part's customers
 * (counts, exact sums, its first customers in the fit's canonical order with their needs
 * vectors, or per cluster the exact sums and counts given the centres). The request carries the
 * features and options; `model` is any needs model (its last error tells a failure).
 * @param model a needs model.
 * @param book the part's customers (each customer in one part only).
 * @param frame the columns the features name (NULL when every feature is an attribute).
 * @param request the request text of tier_needs_dist_begin() or tier_needs_dist_merge().
 * @param len the length of `request` in bytes.
 * @param answer receives the answer (replaced).
 * @return TIER_OK, TIER_EINVAL (NULL argument, a feature of the wrong type), TIER_ENOTFOUND (a
 *         feature column missing), TIER_EPARSE (a bad request: the message names the line),
 *         TIER_ERANGE (values too far out to standardise) or TIER_ENOMEM.
 * @since 0.5.0
 */
TIER_API int tier_needs_dist_answer(const tier_model *model, const tier_book *book,
                                    const tier_frame *frame, const char *request, size_t len,
                                    tier_text *answer);

/**
 * Merges every part's answer to the last request into the driver's fit in progress and writes
 * the next request; when the fit is complete the model is fitted (as by tier_model_fit()) and
 * `request` is left empty. Answers that cannot be right (cut short, bad fields, counts that do
 * not add up, a customer in two parts, exact sums out of range) are refused with TIER_EPARSE
 * naming the answer and the line, and nothing is applied: the same round may be merged again.
 * A failure of the fit itself (k larger than the customers, values or a profile too far out)
 * ends the distributed fit as tier_model_fit() would fail; the model keeps its previous fit, as
 * it does when its features or profiles changed since the fit began (TIER_ESTATE).
 * @param model the needs model of tier_needs_dist_begin().
 * @param answers the parts' answers (every part once).
 * @param lens the answers' lengths in bytes.
 * @param n the number of answers (at least 1).
 * @param request receives the next request, empty when the model is fitted.
 * @return TIER_OK, TIER_EINVAL (NULL argument, no answers), TIER_ESTATE (no fit in progress;
 *         features or profiles changed), TIER_EPARSE, TIER_ERANGE or TIER_ENOMEM.
 * @since 0.5.0
 */
TIER_API int tier_needs_dist_merge(tier_model *model, const char *const *answers,
                                   const size_t *lens, size_t n, tier_text *request);

TIER_END_DECL

/** @} */
#endif
