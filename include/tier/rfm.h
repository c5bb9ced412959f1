/* SPDX-License-Identifier: MIT */
/**
 * @file rfm.h
 * @brief The built-in RFM model (recency, frequency, monetary) with quantile scores and segments.
 * @defgroup rfm RFM model
 *
 * Definitions (docs/rfm.md states them in full): for an as-of day D, only transactions dated
 * before D count. R = D - day of the last purchase (days; lower is better); F = purchase-days
 * (or purchase rows); M = net amount (sum, or mean per purchase-day). Scores 1..k (k = bins,
 * default 5, 5 = best) come from k-1 cut points fitted on the book: cut j is the j/k quantile of the
 * values over customers with at least one purchase, by linear interpolation between order
 * statistics (Hyndman-Fan type 7). A value v gets 1 + the number of cuts strictly below v (for R,
 * k minus that number), so equal values always get equal scores.
 *
 * Outputs: r, f, m, tenure (days since the first purchase), r_score, f_score, m_score (numbers;
 * NaN for a customer without purchases), segment (the R x F map, default TIER_SEGMAP_RF10) and
 * value_class (the R x F x M map, default TIER_SEGMAP_RFM8) as labels.
 * @{
 */
#ifndef TIER_RFM_H
#define TIER_RFM_H

#include "common.h"
#include "model.h"
#include "segmap.h"
#include "io.h"

TIER_BEGIN_DECL

/** Options of the RFM model (tier_rfm_set_option()). Values are ABI. @since 0.1.0 */
typedef enum tier_rfm_option {
    TIER_RFM_OPT_BINS = 1,      /**< scores per dimension, 2..10 (default 5) */
    TIER_RFM_OPT_AS_OF = 2,     /**< as-of day number; default: day after the book's last transaction */
    TIER_RFM_OPT_WINDOW = 3,    /**< window in days before the as-of day; 0 = all history (default) */
    TIER_RFM_OPT_FREQUENCY = 4, /**< TIER_RFM_FREQ_DAYS (default) or TIER_RFM_FREQ_ROWS */
    TIER_RFM_OPT_MONETARY = 5   /**< TIER_RFM_MONEY_SUM (default) or TIER_RFM_MONEY_MEAN */
} tier_rfm_option;

/** F counts distinct purchase days. @since 0.1.0 */
#define TIER_RFM_FREQ_DAYS 0
/** F counts purchase rows. @since 0.1.0 */
#define TIER_RFM_FREQ_ROWS 1
/** M is the net amount. @since 0.1.0 */
#define TIER_RFM_MONEY_SUM 0
/** M is the net amount per purchase-day. @since 0.1.0 */
#define TIER_RFM_MONEY_MEAN 1

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
 * Sets an option (see ::tier_rfm_option). Changing bins, window, frequency or monetary mode
 * forgets fitted cut points.
 * @return TIER_OK, TIER_EINVAL (not an RFM model, unknown key) or TIER_ERANGE.
 * @since 0.1.0
 */
TIER_API int tier_rfm_set_option(tier_model *model, int option, double value);

/** Reads an option. @return TIER_OK or TIER_EINVAL. @since 0.1.0 */
TIER_API int tier_rfm_get_option(const tier_model *model, int option, double *out);

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

/**
 * Writes the fitted state (bins, modes, window, as-of day, cut points) as text in the format of
 * docs/rfm.md, replacing the contents of `out`.
 * @return TIER_OK, TIER_ESTATE (not fitted), TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_rfm_save_text(const tier_model *model, tier_text *out);

/**
 * Restores a state written by tier_rfm_save_text(); the model is unchanged on failure.
 * @return TIER_OK, TIER_EPARSE (last error says the line), TIER_EVERSION or TIER_EINVAL.
 * @since 0.1.0
 */
TIER_API int tier_rfm_load_text(tier_model *model, const char *text, size_t len);

TIER_END_DECL

/** @} */
#endif
