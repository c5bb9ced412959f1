/* SPDX-License-Identifier: MIT */
/* What library code needs of a tier_text beyond the public calls (core/text.c). */
#ifndef TIER_TEXT_INTERNAL_H
#define TIER_TEXT_INTERNAL_H

#include "util/internal.h"

/* Replaces the contents of `text` with s[0..len), all or nothing: TIER_OK, or TIER_ENOMEM /
 * TIER_ERANGE with the text as it was. For getters that fill a caller's text. */
int tier__text_replace(tier_text *text, const char *s, size_t len);

#endif
