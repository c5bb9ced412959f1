/* SPDX-License-Identifier: MIT */
/* What tier_model_score needs from a frame: a name prefix while a model adds columns, an undo
 * mark for all-or-nothing scoring, and the frame's error buffer; and a swap of two columns'
 * contents (a history replaces the tier and reason columns). */
#ifndef TIER_FRAME_INTERNAL_H
#define TIER_FRAME_INTERNAL_H

#include "util/internal.h"

/* Starts a model's scoring: later columns are named "<prefix>.<name>". Returns the undo mark. */
size_t tier__frame_begin(tier_frame *frame, const char *prefix);
/* Ends it; on failure (ok == 0) drops every column added since `mark`. */
void tier__frame_end(tier_frame *frame, size_t mark, int ok);
char *tier__frame_error(tier_frame *frame);
/* Swaps the contents (type, values, labels) of columns a and b, keeping their names: with
 * tier__frame_end it replaces a column all or nothing (add a new one, fill it, swap, drop it). */
void tier__frame_swap(tier_frame *frame, size_t a, size_t b);

#endif
