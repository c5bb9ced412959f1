/* SPDX-License-Identifier: MIT */
/**
 * @file rfm.h
 * @brief The built-in RFM model (recency, frequency, monetary) with quantile scores and segments.
 * @defgroup rfm RFM model
 *
 * Definitions (docs/rfm.md states them in full): for an as-of day D, only transactions dated
 * before D count. R = D - day of the last purchase (days; lower is better); F = purchase-days
 * (or purchase rows); M = net amount (sum, or mean per purchase-day). Scores 1..k (k = bins,
 * default 5, 5 = best) come from k-1 cut points fitted on the book: cut j is the j/k quantile of
 * the values over customers with at least one purchase, by linear interpolation between order
 * statistics (Hyndman-Fan type 7). A value v gets 1 + the number of cuts strictly below v (for R,
 * k minus that number), so equal values always get equal scores.
 *
 * Outputs: r, f, m, tenure (days since the first purchase), r_score, f_score, m_score (numbers;
 * NaN for a customer without purchases), segment (the R x F map, default TIER_SEGMAP_RF10) and
 * value_class (the R x F x M map, default TIER_SEGMAP_RFM8) as labels.
 *
 * Options (tier_model_set_option(), docs/rfm.md): `bins` (number, 2..10, default 5), `as_of`
 * (number: day number; nan = the day after the book's last transaction), `window` (number: days
 * before the as-of day that count; 0 = all history), `frequency` (text: "days" or "rows"),
 * `monetary` (text: "sum" or "mean"). Changing bins, window, frequency or monetary forgets the
 * fit. The fitted state (options, the as-of day of the fit, cut points) saves and loads with
 * tier_model_save() and tier_model_load(); a loaded model keeps its cut points when fitted again.
 * @{
 */
#ifndef TIER_RFM_H
#define TIER_RFM_H

#include "common.h"
#include "model.h"
#include "segmap.h"

TIER_BEGIN_DECL

/** Dimensions for cut points. @since 0.1.0 */
typedef enum tier_rfm_dim {
    TIER_RFM_R = 0, /**< recency */
    TIER_RFM_F = 1, /**< frequency */
    TIER_RFM_M = 2  /**< monetary */
} tier_rfm_dim;

/**
 * Creates an RFM model named `name` (NULL for "rfm").
 * @param name the model name (NULL for "rfm").
 * @param alloc the allocator (NULL for malloc); copied.
 * @param[out] out the model, owned by the caller; NULL on failure.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_rfm_new(tier_model **out, const char *name,
                                                  const tier_allocator *alloc);

/**
 * Replaces the segment map (`which` = 0 for segment, 1 for value_class); the map is copied.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_rfm_set_segmap(tier_model *model, int which, const tier_segmap *map);

/**
 * Copies the fitted cut points of a dimension into `out` (bins-1 values, ascending).
 * @return TIER_OK, TIER_ESTATE (not fitted), TIER_EINVAL or TIER_ERANGE (`n` != bins-1).
 * @since 0.1.0
 */
TIER_API int tier_rfm_cut_points(const tier_model *model, int dim, double *out, size_t n);

/**
 * Sets the cut points of a dimension (bins-1 finite ascending values). Once all three are set
 * the model counts as fitted and scores new customers without refitting.
 * @return TIER_OK, TIER_EINVAL or TIER_ERANGE.
 * @since 0.1.0
 */
TIER_API int tier_rfm_set_cut_points(tier_model *model, int dim, const double *cuts, size_t n);

TIER_END_DECL

/** @} */
#endif
