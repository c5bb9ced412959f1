/* SPDX-License-Identifier: MIT */
/* tier__buf: the library's one growable text buffer, on a handle's tier_allocator.
 *
 * The buffer latches its first failure (out of memory, size overflow, a printf encoding error):
 * after it, every append is a no-op and returns the same status, so a writer appends freely and
 * checks once at the end with tier__buf_status(). A failed append never changes the contents.
 * The text is always NUL-terminated once anything was appended; tier__buf_data() never returns
 * NULL. Internal; never installed.
 *
 *     tier__buf b;
 *     tier__buf_init(&b, &handle->alloc);
 *     tier__buf_puts(&b, "rows: ");
 *     tier__buf_printf(&b, "%zu", n);
 *     if (tier__buf_status(&b)) { tier__buf_free(&b); return TIER_ENOMEM; }
 *     use(tier__buf_data(&b), tier__buf_len(&b));
 *     tier__buf_free(&b);
 */
#ifndef TIER_UTIL_BUF_H
#define TIER_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util/internal.h"

typedef struct tier__buf {
    const tier_allocator *alloc; /* borrowed; must outlive the buffer (a handle's own allocator) */
    char *data;                  /* NULL until the first byte is appended */
    size_t len, cap;             /* cap counts the byte for the NUL */
    int status;                  /* TIER_OK, or the first failure (latched) */
} tier__buf;

/* An empty buffer on `alloc` (already filled in by tier__alloc_init). Allocates nothing. */
void tier__buf_init(tier__buf *b, const tier_allocator *alloc);
/* Releases the memory; the buffer is empty again (status TIER_OK) and may be reused. */
void tier__buf_free(tier__buf *b);
/* Empties the text and clears the latched status, keeping the memory for reuse. */
void tier__buf_reset(tier__buf *b);
/* Cuts the text back to `len` bytes (no-op when it is shorter): rolls back a partial write. The
 * latched status is kept. */
void tier__buf_truncate(tier__buf *b, size_t len);

/* TIER_OK, or the first failure: TIER_ENOMEM, TIER_ERANGE (size overflow) or TIER_EINVAL (a
 * printf format the C library could not encode). */
int tier__buf_status(const tier__buf *b);
/* Clears the latched status (the contents are those from before the failed append) so the buffer
 * can be used again; returns the status it had. For all-or-nothing wrappers such as tier_text. */
int tier__buf_clear_status(tier__buf *b);

/* Makes room for `extra` more bytes (plus the NUL) so the next appends up to that size cannot
 * fail. Returns the status (latching a failure like an append). */
int tier__buf_reserve(tier__buf *b, size_t extra);

/* Appends; each returns the buffer's status after the call (TIER_OK on success). */
int tier__buf_append(tier__buf *b, const char *s, size_t len);
int tier__buf_puts(tier__buf *b, const char *s);
int tier__buf_putc(tier__buf *b, char c);
int tier__buf_printf(tier__buf *b, const char *fmt, ...) TIER__PRINTF(2, 3);
int tier__buf_vprintf(tier__buf *b, const char *fmt, va_list ap);
/* Adds `n` bytes to the text and returns where they start, for the caller to fill in (the text
 * is NUL-terminated after them); NULL once the status is latched. */
char *tier__buf_extend(tier__buf *b, size_t n);
/* Appends v as tier__num_format(v, flags) writes it (util/numtext.h): shortest round trip, '.'. */
int tier__buf_number(tier__buf *b, double v, unsigned flags);

/* Appends v with exactly `decimals` digits after the point (tier__num_format_fixed: printf's %.Nf
 * rounding, '.' whatever the locale), or the text `otherwise` when v is not finite. */
int tier__buf_fixed(tier__buf *b, double v, int decimals, const char *otherwise);

/* Appends the n bytes of s as a JSON string, quotes included: '"' and '\\' escaped, \n and \t
 * as such, other control bytes as \u00XX; everything else (UTF-8 included) as it is. */
int tier__buf_json(tier__buf *b, const char *s, size_t n);

/* The text (borrowed, NUL-terminated, "" when empty); valid until the next call that changes b. */
const char *tier__buf_data(const tier__buf *b);
size_t tier__buf_len(const tier__buf *b);

/* Hands the text over: returns a NUL-terminated block allocated with b->alloc that the caller
 * owns and releases with tier__free(b->alloc, p), and stores its length in *len (may be NULL).
 * The buffer is left empty. Returns NULL (and frees the text) when the status is latched or the
 * empty case cannot allocate its one byte. */
char *tier__buf_take(tier__buf *b, size_t *len);

#endif
