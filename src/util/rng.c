/* SPDX-License-Identifier: MIT */
/* splitmix64 seeding xoshiro256** (Blackman and Vigna); see util/rng.h. */
#include "util/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

void tier__rng_init(tier__rng *r, uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b)
{
    uint64_t x = seed;
    int i;
    x ^= purpose * UINT64_C(0xD1B54A32D192ED03);
    x = splitmix64(&x) ^ (a * UINT64_C(0xABC98388FB8FAC03));
    x = splitmix64(&x) ^ (b * UINT64_C(0x8CB92BA72F3D8DD7));
    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t tier__rng_next(tier__rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

double tier__rng_unit(tier__rng *r)
{
    return (double)(tier__rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t tier__rng_below(tier__rng *r, uint64_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = tier__rng_next(r);
    while (x >= lim);
    return x % n;
}

void tier__rng_choose(tier__rng *r, size_t n, size_t m, size_t *out)
{
    size_t i, got = 0;
    for (i = 0; i < n && got < m; i++)
        if (tier__rng_below(r, (uint64_t)(n - i)) < (uint64_t)(m - got))
            out[got++] = i;
}
