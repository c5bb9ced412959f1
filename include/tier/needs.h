/* SPDX-License-Identifier: MIT */
/**
 * @file needs.h
 * @brief The built-in needs model: needs-based segments by k-means++ or by given need profiles.
 * @defgroup needs Needs segmentation model
 *
 * A customer's needs vector is a list of numeric features, each a book attribute
 * ("attr.module_crm") or a number column of an earlier model ("rfm.f"). Features are standardised
 * (z = (value - mean) / sd with the mean and population standard deviation fitted on the book)
 * unless TIER_NEEDS_OPT_STANDARDIZE is 0; a feature whose fitted sd is 0 is dropped from the
 * distances of a clustering. Missing values (unset attributes, NaN or infinite column values):
 * such customers are left out of the fit; scoring places them with the features they have (the
 * squared distance over the present features is scaled by used / present features), and a
 * customer with no usable feature gets no segment (-1).
 *
 * Segments come either from k-means (k-means++ seeding from a fixed seed with the library's own
 * xoshiro256** generator, then Lloyd iterations; several restarts, the lowest inertia kept; k
 * given or chosen by the silhouette on a deterministic sample) or from need profiles the caller
 * names (tier_needs_add_profile()). Results are identical on every run and every IEEE-754
 * platform. Refitting matches the new centres to the previous ones (minimum-cost assignment), so
 * segment names survive refits. docs/needs.md states every rule in full.
 *
 * Outputs: segment (label: the nearest segment), distance (number: Euclidean distance to its
 * centre in standardised units), second (label: the second-nearest segment, -1 when there is only
 * one) and margin (number: distance to the second minus distance to the nearest; NaN with one
 * segment). Labels are the segment names: "need_1" .. "need_k" unless renamed.
 *
 * Errors of the tier_needs_* calls and of fitting are described by tier_model_last_error(),
 * errors of scoring by tier_frame_last_error().
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

/** Options of the needs model (tier_needs_set_option()). Values are ABI. @since 0.1.0 */
typedef enum tier_needs_option {
    /** Number of clusters, 1..TIER_NEEDS_MAX_SEGMENTS; 0 (default) chooses k by the silhouette
     * in [K_MIN, K_MAX]. */
    TIER_NEEDS_OPT_K = 1,
    /** Smallest k the silhouette may choose, 2..TIER_NEEDS_MAX_SEGMENTS (default 2). */
    TIER_NEEDS_OPT_K_MIN = 2,
    /** Largest k the silhouette may choose, 2..TIER_NEEDS_MAX_SEGMENTS (default 8). */
    TIER_NEEDS_OPT_K_MAX = 3,
    /** Seed of the generator, an integer 0..2^53 (default 20240601). */
    TIER_NEEDS_OPT_SEED = 4,
    /** Restarts of k-means, 1..100 (default 4); the one with the lowest inertia is kept. */
    TIER_NEEDS_OPT_N_INIT = 5,
    /** Most Lloyd iterations per run, 1..100000 (default 100). */
    TIER_NEEDS_OPT_MAX_ITER = 6,
    /** 1 (default): standardise features; 0: use raw values. Changing it forgets the fit. */
    TIER_NEEDS_OPT_STANDARDIZE = 7,
    /** Customers in the silhouette sample, 2..100000 (default 5000). */
    TIER_NEEDS_OPT_SAMPLE = 8,
    /** With more complete customers than this, restarts (and the choice of k) run on a
     * deterministic sample of this size and the winner is refined by Lloyd on all customers;
     * 0 = always use all customers. 0 or 100..100000000 (default 65536). */
    TIER_NEEDS_OPT_INIT_SAMPLE = 9
} tier_needs_option;

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
 * Sets an option (see ::tier_needs_option). Options other than STANDARDIZE apply at the next fit.
 * @return TIER_OK, TIER_EINVAL (not a needs model, unknown key, K_MIN > K_MAX) or TIER_ERANGE.
 * @since 0.1.0
 */
TIER_API int tier_needs_set_option(tier_model *model, int option, double value);

/** Reads an option into `*out`. @return TIER_OK or TIER_EINVAL. @since 0.1.0 */
TIER_API int tier_needs_get_option(const tier_model *model, int option, double *out);

/**
 * Appends a feature: "attr.NAME" for the book's numeric attribute NAME, any other name for a
 * number column of the frame the model is fitted and scored with. The name is copied; it must be
 * valid UTF-8 without control characters, not start or end with a blank, at most
 * TIER_NEEDS_MAX_NAME bytes and not already a feature. Adding a feature forgets the fit.
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
 * after tier_needs_load_text()).
 * @return TIER_OK, TIER_EINVAL or TIER_ESTATE (not fitted).
 * @since 0.1.0
 */
TIER_API int tier_needs_fit_stat(const tier_model *model, int stat, double *out);

/**
 * Writes the options, features, standardisation and segments as text in the "libtier-needs 1"
 * format of docs/needs.md (numbers with %.17g), replacing the contents of `out` (owned by the
 * caller).
 * @return TIER_OK, TIER_ESTATE (not fitted), TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_needs_save_text(const tier_model *model, tier_text *out);

/**
 * Restores a state written by tier_needs_save_text() (`text` is read, not kept); the model is
 * fitted afterwards and unchanged on failure.
 * @return TIER_OK, TIER_EPARSE (the last error names the line), TIER_EVERSION, TIER_EINVAL or
 *         TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_needs_load_text(tier_model *model, const char *text, size_t len);

TIER_END_DECL

/** @} */
#endif
