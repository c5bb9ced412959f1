/* SPDX-License-Identifier: MIT */
/* Helpers shared by the library's source files: allocation through the per-handle allocator,
 * per-handle error text, UTF-8 checks and exact fixed-point amounts. Never installed. */
#ifndef TIER_INTERNAL_H
#define TIER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tier.h"

/* Size of the error text buffer each handle embeds (no allocation is needed to report ENOMEM). */
#define TIER__ERR_SIZE 512

/* Amounts are int64 fixed point with four decimals: exact sums, exact comparisons. */
#define TIER__FIXED_SCALE 10000
/* Largest |amount| accepted for one row (1e12 currency units). */
#define TIER__AMOUNT_MAX 1e12

#if defined(__GNUC__)
#define TIER__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define TIER__LIKELY(x) __builtin_expect(!!(x), 1)
#define TIER__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define TIER__PRINTF(f, a)
#define TIER__LIKELY(x) (x)
#define TIER__UNLIKELY(x) (x)
#endif

/* Copies `src` (NULL or all-NULL hooks = malloc family) into `dst` with every hook set. */
void tier__alloc_init(tier_allocator *dst, const tier_allocator *src);
void *tier__malloc(const tier_allocator *a, size_t size);
void *tier__realloc(const tier_allocator *a, void *ptr, size_t size);
void tier__free(const tier_allocator *a, void *ptr);
/* Frees each of the n pointers (NULL ones are skipped): for structures that own several arrays,
 * as in `void *own[] = {x->a, x->b}; tier__free_all(a, own, sizeof own / sizeof *own);`. */
void tier__free_all(const tier_allocator *a, void *const *ptrs, size_t n);
/* Frees the n strings of `v`, then `v` itself (which may be NULL). */
void tier__free_strings(const tier_allocator *a, char **v, size_t n);
/* A new zeroed handle of `size` bytes, allocated through the allocator resolved from `alloc` (as
 * tier__alloc_init does), which it stores in the handle at byte `alloc_offset`; NULL when out of
 * memory. The handle owns its allocator: free it with tier__free(&handle->alloc, handle).
 * TIER__HANDLE_NEW(type, alloc) does it for a handle type whose member `alloc` is the allocator. */
void *tier__handle_new(const tier_allocator *alloc, size_t size, size_t alloc_offset);
#define TIER__HANDLE_NEW(type, allocator) \
    ((type *)tier__handle_new((allocator), sizeof(type), offsetof(type, alloc)))
/* The start of every `int tier_x_new(tier_x **out, ..., const tier_allocator *alloc)`: evaluates
 * to TIER_EINVAL when `out` is NULL, else stores a new zeroed handle in *out (TIER__HANDLE_NEW)
 * and gives TIER_OK, or stores NULL and gives TIER_ENOMEM. `out` is evaluated more than once. */
#define TIER__HANDLE_CREATE(out, type, allocator)                         \
    (!(out)                                                 ? TIER_EINVAL \
     : (*(out) = TIER__HANDLE_NEW(type, allocator)) != NULL ? TIER_OK     \
                                                            : TIER_ENOMEM)
/* -1, 0 or 1 as `x` is below, equal to or above `y` (two numbers, no NaN): one key of a qsort
 * comparator, as in `int c = TIER__CMP(a->day, b->day); return c ? c : TIER__CMP(a->n, b->n);`. */
#define TIER__CMP(x, y) (((x) > (y)) - ((x) < (y)))
/* The one checked size multiplication: *out = a * b and 0, or 1 (and *out = SIZE_MAX) when the
 * product does not fit in a size_t. Every size computed as a count times an element size goes
 * through it (directly or through the allocators below). */
int tier__size_mul(size_t a, size_t b, size_t *out);
/* n elements of `size` bytes (at least one element's worth, so n == 0 is a valid block); NULL when
 * n * size overflows or the allocator fails. tier__realloc_n likewise (the old block is kept on
 * failure). */
void *tier__malloc_n(const tier_allocator *a, size_t n, size_t size);
void *tier__realloc_n(const tier_allocator *a, void *ptr, size_t n, size_t size);
/* Zeroed allocation of n*size bytes; NULL on overflow or failure. */
void *tier__calloc(const tier_allocator *a, size_t n, size_t size);
/* Grows *ptr (elements of `elem` bytes) so it holds at least `need` elements, doubling.
 * Returns TIER_OK or TIER_ENOMEM/TIER_ERANGE with *ptr and *cap unchanged. */
int tier__grow(const tier_allocator *a, void **ptr, size_t *cap, size_t need, size_t elem);
/* Copies `len` bytes plus a NUL; NULL on failure. */
char *tier__strndup(const tier_allocator *a, const char *s, size_t len);
char *tier__strdup(const tier_allocator *a, const char *s);

/* Formats into a handle's error buffer (TIER__ERR_SIZE bytes), truncating safely. */
void tier__errorf(char *buf, const char *fmt, ...) TIER__PRINTF(2, 3);

/* 1 when s[0..len) is valid UTF-8 without NUL bytes, else 0. */
int tier__utf8_valid(const char *s, size_t len);

/* Names (of columns, models, kinds, options, state keys): 1 when `s` is not NULL, has 1..max
 * bytes (max 0: no limit), all of them ASCII lower-case letters, digits or '_', or what `flags`
 * adds: TIER__NAME_UPPER (upper-case letters), TIER__NAME_DOT_DASH ('.' and '-'),
 * TIER__NAME_LETTER_FIRST (the first byte must be a letter). Else 0. */
#define TIER__NAME_UPPER 1u
#define TIER__NAME_DOT_DASH 2u
#define TIER__NAME_LETTER_FIRST 4u
int tier__name_valid(const char *s, size_t max, unsigned flags);

/* Writes s[0..n) double-quoted into dst (cap bytes, at least TIER__QUOTE_MAX * 4 + 16) for an
 * error message: at most TIER__QUOTE_MAX bytes then "...", control bytes, quotes and backslashes
 * escaped, bytes >= 0x80 kept only when they form valid UTF-8. Returns dst. */
#define TIER__QUOTE_MAX 40
const char *tier__quote_text(char *dst, size_t cap, const char *s, size_t n);

/* double -> fixed point; TIER_EINVAL for NaN/inf, TIER_ERANGE beyond TIER__AMOUNT_MAX. */
int tier__fixed_from_double(double value, int64_t *out);
double tier__fixed_to_double(int64_t value);
/* a + b with overflow check; TIER_ERANGE on overflow (out untouched). */
int tier__add_i64(int64_t a, int64_t b, int64_t *out);

#endif
