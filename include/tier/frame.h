/* SPDX-License-Identifier: MIT */
/**
 * @file frame.h
 * @brief A table of named, typed per-customer columns: the outputs of models and policies.
 * @defgroup frame Frame of scores
 *
 * Row i of a frame is customer i of the book it was made for. A column holds numbers (double, NaN
 * = missing) or labels (int32_t codes into the column's label list, -1 = missing). Columns added
 * while a model scores are named "<model name>.<output name>", e.g. "rfm.r_score".
 * @{
 */
#ifndef TIER_FRAME_H
#define TIER_FRAME_H

#include "common.h"

TIER_BEGIN_DECL

/** A table of per-customer columns (opaque). @since 0.1.0 */
typedef struct tier_frame tier_frame;

/** Column types. Values are ABI. @since 0.1.0 */
typedef enum tier_value_type {
    TIER_VALUE_NUMBER = 1, /**< double per row, NaN = missing */
    TIER_VALUE_LABEL = 2   /**< int32_t code per row into the column's labels, -1 = missing */
} tier_value_type;

/**
 * Creates an empty frame for `rows` customers.
 * @param rows number of rows (the book's customer count).
 * @param[out] out the frame, owned by the caller; NULL on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_ERANGE (a column of `rows` numbers would not fit in memory's address
 *         range; since 0.4.0) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_frame_new(tier_frame **out, size_t rows,
                                                    const tier_allocator *alloc);

/** Frees a frame; NULL is a no-op. @since 0.1.0 */
TIER_API void tier_frame_free(tier_frame *frame);

/** Text of the last failure on this frame ("" when none); borrowed, never NULL. @since 0.1.0 */
TIER_API const char *tier_frame_last_error(const tier_frame *frame);

/**
 * Sets the frame's error text (copied, truncated to 511 bytes): for a model's score callback to
 * explain the status it is about to return, since it must not change its own state.
 * @return TIER_OK or TIER_EINVAL.
 * @since 0.1.0
 */
TIER_API int tier_frame_set_error(tier_frame *frame, const char *text);

/** Number of rows (customers). @since 0.1.0 */
TIER_API size_t tier_frame_rows(const tier_frame *frame);

/** Number of columns. @since 0.1.0 */
TIER_API size_t tier_frame_column_count(const tier_frame *frame);

/** Name of column `col` (borrowed), NULL for a bad index. @since 0.1.0 */
TIER_API const char *tier_frame_column_name(const tier_frame *frame, size_t col);

/** Type of column `col` (see ::tier_value_type), 0 for a bad index. @since 0.1.0 */
TIER_API int tier_frame_column_type(const tier_frame *frame, size_t col);

/**
 * Finds a column by its full name.
 * @return TIER_OK (and `*out_col`) or TIER_ENOTFOUND.
 * @since 0.1.0
 */
TIER_API int tier_frame_find(const tier_frame *frame, const char *name, size_t *out_col);

/** The values of a number column (borrowed, `rows` doubles), NULL if not a number column. @since
 * 0.1.0 */
TIER_API const double *tier_frame_numbers(const tier_frame *frame, size_t col);

/** The codes of a label column (borrowed, `rows` int32_t), NULL if not a label column. @since 0.1.0
 */
TIER_API const int32_t *tier_frame_labels(const tier_frame *frame, size_t col);

/** Number of distinct labels of a label column (0 otherwise). @since 0.1.0 */
TIER_API size_t tier_frame_label_count(const tier_frame *frame, size_t col);

/** Text of label `code` of a label column (borrowed), NULL when out of range. @since 0.1.0 */
TIER_API const char *tier_frame_label_text(const tier_frame *frame, size_t col, int32_t code);

/**
 * Adds a number column (all NaN) and hands out its storage to fill. While a model scores, the
 * model's name and a dot are put before `name`.
 * @param frame the frame.
 * @param name the column name (letters, digits, '_', '.', '-').
 * @param[out] out_values the column's `rows` doubles, borrowed from the frame.
 * @return TIER_OK, TIER_EINVAL (bad or duplicate name) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_frame_add_numbers(tier_frame *frame, const char *name, double **out_values);

/**
 * Adds a label column (all -1) with the given label texts (copied) and hands out its codes.
 * @param frame the frame.
 * @param name the column name.
 * @param labels `label_count` label texts (copied).
 * @param label_count number of labels.
 * @param[out] out_codes the column's `rows` codes, borrowed from the frame.
 * @return TIER_OK, TIER_EINVAL (bad or duplicate name, NULL label) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_frame_add_labels(tier_frame *frame, const char *name, const char *const *labels,
                                   size_t label_count, int32_t **out_codes);

TIER_END_DECL

/** @} */
#endif
