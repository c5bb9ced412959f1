/* SPDX-License-Identifier: MIT */
/* The library's one pseudo-random generator: xoshiro256** seeded through splitmix64. It is
 * deterministic on every platform and compiler, so fits that draw from it are reproducible.
 * Internal; never installed. */
#ifndef TIER_UTIL_RNG_H
#define TIER_UTIL_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Generator state; plain data, may live on the stack. Copying it forks the stream. */
typedef struct tier__rng {
    uint64_t s[4];
} tier__rng;

/* Seeds one independent stream per (seed, purpose, a, b): the same four values always give the
 * same stream, and streams for different (purpose, a, b) do not overlap in practice. `purpose`
 * names what the stream is for (a caller-defined constant); `a` and `b` index it (for example a
 * cluster count and a restart number), so one stream does not depend on which others were drawn.
 * The needs model converts its double seed with `(uint64_t)seed` before calling this; the
 * sequence is bit-identical to the generator it used before (see tests/test_util.c). */
void tier__rng_init(tier__rng *r, uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b);

/* Next 64 random bits. */
uint64_t tier__rng_next(tier__rng *r);

/* Uniform double in [0, 1) with 53 random bits. */
double tier__rng_unit(tier__rng *r);

/* Uniform integer in [0, n) without modulo bias; n must be > 0. */
uint64_t tier__rng_below(tier__rng *r, uint64_t n);

/* Selection sampling: writes to out[0..m) the indexes of m of the n rows 0..n-1 (m <= n), in
 * increasing order, each subset equally likely. Draws one tier__rng_below per row examined. */
void tier__rng_choose(tier__rng *r, size_t n, size_t m, size_t *out);

#endif
