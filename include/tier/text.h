/* SPDX-License-Identifier: MIT */
/**
 * @file text.h
 * @brief A growable text buffer that explanations and reports are written into.
 * @defgroup text Text buffer
 * @{
 */
#ifndef TIER_TEXT_H
#define TIER_TEXT_H

#include "common.h"

TIER_BEGIN_DECL

/** A growable NUL-terminated byte string (opaque). @since 0.1.0 */
typedef struct tier_text tier_text;

/**
 * Creates an empty text buffer.
 * @param[out] out the buffer, owned by the caller; NULL on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_text_new(tier_text **out, const tier_allocator *alloc);

/** Frees a text buffer; NULL is a no-op. @since 0.1.0 */
TIER_API void tier_text_free(tier_text *text);

/** Appends `len` bytes (copied). @return TIER_OK or TIER_ENOMEM (text unchanged). @since 0.1.0 */
TIER_API int tier_text_append(tier_text *text, const char *s, size_t len);

/** Empties the buffer (keeps its memory). @since 0.1.0 */
TIER_API void tier_text_clear(tier_text *text);

/** The contents, NUL-terminated; borrowed until the buffer changes. Never NULL. @since 0.1.0 */
TIER_API const char *tier_text_data(const tier_text *text);

/** Length of the contents in bytes. @since 0.1.0 */
TIER_API size_t tier_text_length(const tier_text *text);

TIER_END_DECL

/** @} */
#endif
