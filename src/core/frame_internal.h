/* SPDX-License-Identifier: MIT */
/* What tier_model_score needs from a frame: a name prefix while a model adds columns, an undo
 * mark for all-or-nothing scoring, and the frame's error buffer. */
#ifndef TIER_FRAME_INTERNAL_H
#define TIER_FRAME_INTERNAL_H

#include "util/internal.h"

/* Starts a model's scoring: later columns are named "<prefix>.<name>". Returns the undo mark. */
size_t tier__frame_begin(tier_frame *frame, const char *prefix);
/* Ends it; on failure (ok == 0) drops every column added since `mark`. */
void tier__frame_end(tier_frame *frame, size_t mark, int ok);
char *tier__frame_error(tier_frame *frame);

#endif
