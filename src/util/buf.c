/* SPDX-License-Identifier: MIT */
/* The growable text buffer of util/buf.h. */
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/numtext.h"

void tier__buf_init(tier__buf *b, const tier_allocator *alloc)
{
    b->alloc = alloc;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->status = TIER_OK;
}

void tier__buf_free(tier__buf *b)
{
    tier__free(b->alloc, b->data);
    tier__buf_init(b, b->alloc);
}

void tier__buf_reset(tier__buf *b)
{
    b->len = 0;
    b->status = TIER_OK;
    if (b->data)
        b->data[0] = '\0';
}

void tier__buf_truncate(tier__buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

int tier__buf_status(const tier__buf *b)
{
    return b->status;
}

int tier__buf_clear_status(tier__buf *b)
{
    int rc = b->status;
    b->status = TIER_OK;
    return rc;
}

int tier__buf_reserve(tier__buf *b, size_t extra)
{
    void *p;
    int rc;
    if (b->status)
        return b->status;
    if (extra > SIZE_MAX - 1 - b->len)
        return b->status = TIER_ERANGE;
    if (b->len + extra + 1 <= b->cap)
        return TIER_OK;
    p = b->data;
    rc = tier__grow(b->alloc, &p, &b->cap, b->len + extra + 1, 1);
    if (rc)
        return b->status = rc;
    b->data = p;
    return TIER_OK;
}

int tier__buf_append(tier__buf *b, const char *s, size_t len)
{
    if (b->len + len + 1 > b->cap || b->status || len > SIZE_MAX - 1 - b->len) {
        if (tier__buf_reserve(b, len))
            return b->status;
    }
    if (len)
        memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
    return TIER_OK;
}

int tier__buf_puts(tier__buf *b, const char *s)
{
    return tier__buf_append(b, s, strlen(s));
}

int tier__buf_putc(tier__buf *b, char c)
{
    return tier__buf_append(b, &c, 1);
}

int tier__buf_vprintf(tier__buf *b, const char *fmt, va_list ap)
{
    char small[256];
    va_list again;
    int n;
    if (b->status)
        return b->status;
    va_copy(again, ap);
    n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(again);
        return b->status = TIER_EINVAL;
    }
    if ((size_t)n < sizeof small) {
        va_end(again);
        return tier__buf_append(b, small, (size_t)n);
    }
    /* Too long for the stack: format straight into the buffer's own room. */
    if (tier__buf_reserve(b, (size_t)n)) {
        va_end(again);
        return b->status;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
    va_end(again);
    b->len += (size_t)n;
    return TIER_OK;
}

int tier__buf_printf(tier__buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = tier__buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *tier__buf_extend(tier__buf *b, size_t n)
{
    char *p;
    if (tier__buf_reserve(b, n))
        return NULL;
    p = b->data + b->len;
    b->len += n;
    b->data[b->len] = '\0';
    return p;
}

int tier__buf_number(tier__buf *b, double v, unsigned flags)
{
    char tmp[TIER__NUM_SIZE];
    size_t n = tier__num_format(tmp, v, flags);
    return tier__buf_append(b, tmp, n);
}

int tier__buf_fixed(tier__buf *b, double v, int decimals, const char *otherwise)
{
    char tmp[TIER__NUM_FIXED_SIZE];
    size_t n = tier__num_format_fixed(tmp, sizeof tmp, v, decimals);
    return n ? tier__buf_append(b, tmp, n) : tier__buf_puts(b, otherwise);
}

const char *tier__buf_data(const tier__buf *b)
{
    return b->data ? b->data : "";
}

size_t tier__buf_len(const tier__buf *b)
{
    return b->len;
}

char *tier__buf_take(tier__buf *b, size_t *len)
{
    char *p;
    if (b->status) {
        tier__buf_free(b);
        return NULL;
    }
    if (!b->data && tier__buf_reserve(b, 0)) {
        tier__buf_free(b);
        return NULL;
    }
    b->data[b->len] = '\0';
    p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

int tier__buf_json(tier__buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    tier__buf_putc(b, '"');
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            tier__buf_putc(b, '\\');
            tier__buf_putc(b, (char)c);
        } else if (c == '\n') {
            tier__buf_puts(b, "\\n");
        } else if (c == '\t') {
            tier__buf_puts(b, "\\t");
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            tier__buf_append(b, esc, sizeof esc);
        } else {
            tier__buf_putc(b, (char)c);
        }
    }
    return tier__buf_putc(b, '"');
}
