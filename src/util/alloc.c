/* SPDX-License-Identifier: MIT */
/* Allocation, error text, UTF-8, name and fixed-point helpers used by every object. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/internal.h"

static void *default_alloc(void *ud, size_t size)
{
    (void)ud;
    return malloc(size ? size : 1);
}

static void *default_realloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    return realloc(ptr, size ? size : 1);
}

static void default_free(void *ud, void *ptr)
{
    (void)ud;
    free(ptr);
}

void tier__alloc_init(tier_allocator *dst, const tier_allocator *src)
{
    if (src && src->alloc && src->realloc && src->free) {
        *dst = *src;
        return;
    }
    dst->alloc = default_alloc;
    dst->realloc = default_realloc;
    dst->free = default_free;
    dst->ud = NULL;
}

void *tier__malloc(const tier_allocator *a, size_t size)
{
    return a->alloc(a->ud, size ? size : 1);
}

void *tier__realloc(const tier_allocator *a, void *ptr, size_t size)
{
    return a->realloc(a->ud, ptr, size ? size : 1);
}

void tier__free(const tier_allocator *a, void *ptr)
{
    if (ptr)
        a->free(a->ud, ptr);
}

void tier__free_all(const tier_allocator *a, void *const *ptrs, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        tier__free(a, ptrs[i]);
}

void tier__free_strings(const tier_allocator *a, char **v, size_t n)
{
    size_t i;
    if (!v)
        return;
    for (i = 0; i < n; i++)
        tier__free(a, v[i]);
    tier__free(a, v);
}

void *tier__handle_new(const tier_allocator *alloc, size_t size, size_t alloc_offset)
{
    tier_allocator a;
    char *h;
    tier__alloc_init(&a, alloc);
    h = tier__calloc(&a, 1, size);
    if (h)
        memcpy(h + alloc_offset, &a, sizeof a);
    return h;
}

int tier__size_mul(size_t a, size_t b, size_t *out)
{
    if (b && a > SIZE_MAX / b) {
        *out = SIZE_MAX;
        return 1;
    }
    *out = a * b;
    return 0;
}

void *tier__malloc_n(const tier_allocator *a, size_t n, size_t size)
{
    size_t bytes;
    if (tier__size_mul(n ? n : 1, size, &bytes))
        return NULL;
    return tier__malloc(a, bytes);
}

void *tier__realloc_n(const tier_allocator *a, void *ptr, size_t n, size_t size)
{
    size_t bytes;
    if (tier__size_mul(n ? n : 1, size, &bytes))
        return NULL;
    return tier__realloc(a, ptr, bytes);
}

void *tier__calloc(const tier_allocator *a, size_t n, size_t size)
{
    size_t bytes;
    void *p;
    if (tier__size_mul(n, size, &bytes))
        return NULL;
    p = tier__malloc(a, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

int tier__grow(const tier_allocator *a, void **ptr, size_t *cap, size_t need, size_t elem)
{
    size_t ncap, bytes;
    void *p;
    if (need <= *cap)
        return TIER_OK;
    ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return TIER_ERANGE;
        ncap *= 2;
    }
    if (tier__size_mul(ncap, elem, &bytes))
        return TIER_ERANGE;
    p = tier__realloc(a, *ptr, bytes);
    if (!p)
        return TIER_ENOMEM;
    *ptr = p;
    *cap = ncap;
    return TIER_OK;
}

char *tier__strndup(const tier_allocator *a, const char *s, size_t len)
{
    char *p;
    if (len == SIZE_MAX)
        return NULL;
    p = tier__malloc(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *tier__strdup(const tier_allocator *a, const char *s)
{
    return tier__strndup(a, s, strlen(s));
}

void tier__errorf(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, TIER__ERR_SIZE, fmt, ap);
    va_end(ap);
}

int tier__utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n, k;
        uint32_t cp;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

int tier__name_valid(const char *s, size_t max, unsigned flags)
{
    size_t i;
    if (!s || !*s)
        return 0;
    for (i = 0; s[i]; i++) {
        char c = s[i];
        int letter = (c >= 'a' && c <= 'z') || ((flags & TIER__NAME_UPPER) && c >= 'A' && c <= 'Z');
        if (max && i >= max)
            return 0;
        if (i == 0 && (flags & TIER__NAME_LETTER_FIRST) && !letter)
            return 0;
        if (!letter && !(c >= '0' && c <= '9') && c != '_' &&
            !((flags & TIER__NAME_DOT_DASH) && (c == '.' || c == '-')))
            return 0;
    }
    return 1;
}

int tier__fixed_from_double(double value, int64_t *out)
{
    double scaled;
    if (!isfinite(value))
        return TIER_EINVAL;
    if (fabs(value) > TIER__AMOUNT_MAX)
        return TIER_ERANGE;
    scaled = value * TIER__FIXED_SCALE;
    /* Round half away from zero: 12.345 * 1e4 is 123450.0000000001 or 123449.99999999999. */
    *out = (int64_t)(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
    return TIER_OK;
}

double tier__fixed_to_double(int64_t value)
{
    return (double)value / TIER__FIXED_SCALE;
}

int tier__add_i64(int64_t a, int64_t b, int64_t *out)
{
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
        return TIER_ERANGE;
    *out = a + b;
    return TIER_OK;
}

const char *tier__quote_text(char *dst, size_t cap, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, o = 0, keep = n > TIER__QUOTE_MAX ? TIER__QUOTE_MAX : n;
    int raw8;
    /* Do not cut a UTF-8 sequence in half. */
    for (i = 0; i < 3 && keep < n && keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80; i++)
        keep--;
    raw8 = tier__utf8_valid(s, keep);
    dst[o++] = '"';
    for (i = 0; i < keep && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7F || (c >= 0x80 && !raw8)) {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        } else {
            dst[o++] = (char)c;
        }
    }
    dst[o++] = '"';
    if (i < n) {
        dst[o++] = '.';
        dst[o++] = '.';
        dst[o++] = '.';
    }
    dst[o] = '\0';
    return dst;
}
