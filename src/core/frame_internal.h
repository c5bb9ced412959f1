/* SPDX-License-Identifier: MIT */
/* What tier_model_score needs from a frame: a name prefix while a model adds columns, an undo
 * mark for all-or-nothing scoring, and the frame's error buffer; a swap of two columns'
 * contents (a history replaces the tier and reason columns); and the cell setters of
 * tier_model_score_row. */
#ifndef TIER_FRAME_INTERNAL_H
#define TIER_FRAME_INTERNAL_H

#include "util/internal.h"

/* Starts a model's scoring: later columns are named "<prefix>.<name>". Returns the undo mark. */
size_t tier__frame_begin(tier_frame *frame, const char *prefix);
/* Ends it; on failure (ok == 0) drops every column added since `mark`. */
void tier__frame_end(tier_frame *frame, size_t mark, int ok);
char *tier__frame_error(tier_frame *frame);
/* tier_frame_add_numbers() and tier_frame_add_labels() without writing NaN (code -1) into every
 * row: for a built-in model that writes every row itself (in slices on the book's executor, so
 * that the column's pages are first written by every thread instead of the calling one alone).
 * Nothing may read the column before the model has written it. */
int tier__frame_add_numbers_unset(tier_frame *frame, const char *name, double **out_values);
int tier__frame_add_labels_unset(tier_frame *frame, const char *name, const char *const *labels,
                                 size_t label_count, int32_t **out_codes);
/* Swaps the contents (type, values, labels) of columns a and b, keeping their names: with
 * tier__frame_end it replaces a column all or nothing (add a new one, fill it, swap, drop it). */
void tier__frame_swap(tier_frame *frame, size_t a, size_t b);

/* One cell at a time, for tier_model_score_row. None of these checks the column's type or the
 * row: the caller found the column (tier__frame_find_output) and checked both. */

/* Finds the column "<prefix>.<name>" (prefix_len bytes of prefix), looking at column `hint`
 * first (any value; the next column after a model's previous output is a good guess), then at
 * every column: TIER_OK with *col, or TIER_ENOTFOUND. No allocation. */
int tier__frame_find_output(const tier_frame *frame, const char *prefix, size_t prefix_len,
                            const char *name, size_t hint, size_t *col);
/* A remembered column for `prefix` (compared as a pointer: a model's name), 0 when none, and
 * remembering one: a hint for tier__frame_find_output, which checks it. A few models are
 * remembered; the oldest makes room. */
size_t tier__frame_hint(const tier_frame *frame, const char *prefix);
void tier__frame_remember(tier_frame *frame, const char *prefix, size_t col);
/* Sets the number of row `row` in number column `col`. */
void tier__frame_set_number(tier_frame *frame, size_t col, size_t row, double value);
/* The code of label `text` in label column `col` (the row's current label is tried first), or
 * -1 when the column has no such label. */
int32_t tier__frame_label_code(const tier_frame *frame, size_t col, size_t row, const char *text);
/* Appends `text` (copied; must be UTF-8) to the labels of label column `col` and gives its code:
 * TIER_OK, TIER_EINVAL (not UTF-8), TIER_ERANGE (too many labels) or TIER_ENOMEM, with the
 * frame's error saying why and the column unchanged. Several labels (of one or several columns)
 * are added all or nothing with a mark taken before: on failure, drop what was added since. */
int tier__frame_add_label(tier_frame *frame, size_t col, const char *text, int32_t *code);
size_t tier__frame_label_mark(const tier_frame *frame, size_t col);
/* Drops the labels added to column `col` since `mark` (never allocates, cannot fail). */
void tier__frame_drop_labels(tier_frame *frame, size_t col, size_t mark);
/* Sets the label code (-1: none) of row `row` in label column `col`. */
void tier__frame_set_code(tier_frame *frame, size_t col, size_t row, int32_t code);

/* The customers' id order (tier__book_id_order) as a cache of the run that owns the frame: after
 * tier__frame_keep_id_order(frame, book), tier__frame_id_order(frame, book, ...) builds it on
 * first use and hands out the same arrays until tier__frame_keep_id_order(frame, NULL) (or the
 * frame's end) frees them. The run must not change the book meanwhile, and the building writes
 * into the frame through a const pointer: only the run's own thread asks for it. Gives TIER_OK,
 * TIER_ENOTFOUND (the frame keeps no order for this book: the caller builds its own),
 * TIER_ERANGE or TIER_ENOMEM. */
void tier__frame_keep_id_order(tier_frame *frame, const tier_book *book);
int tier__frame_id_order(const tier_frame *frame, const tier_book *book, const uint32_t **perm,
                         const uint32_t **rank);

#endif
