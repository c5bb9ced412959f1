/* SPDX-License-Identifier: MIT */
/* Exact sums of doubles (models/order.h, tier__xsum): rounded once to the nearest double (ties to
 * even), whatever the order of the additions; what abc() and the Pareto model sum doubles with so
 * that a run split over parts gives the same classes (docs/distributed.md). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "models/order.h"
#include "support.h"
#include "util/rng.h"

static double sum_of(const double *v, size_t n, int reverse)
{
    tier__xsum s;
    size_t i;
    tier__xsum_init(&s);
    for (i = 0; i < n; i++)
        tier__xsum_add(&s, v[reverse ? n - 1 - i : i]);
    return tier__xsum_round(&s);
}

/* A positive double of any magnitude, subnormals included: random bits. */
static double any_positive(tier__rng *r)
{
    double d;
    do {
        uint64_t bits = tier__rng_next(r) >> 1; /* sign 0 */
        memcpy(&d, &bits, sizeof d);
    } while (!(d > 0) || isinf(d));
    return d;
}

/* Two doubles: the exact sum rounded once is IEEE addition, which rounds correctly. */
static void test_a_pair_rounds_as_ieee_addition(void **state)
{
    tier__rng r;
    int k;
    (void)state;
    tier__rng_init(&r, 7, 1, 0, 0);
    for (k = 0; k < 200000; k++) {
        double v[2];
        v[0] = k % 3 ? tier__rng_unit(&r) * 1e6 + 1e-9 : any_positive(&r);
        v[1] = k % 2 ? tier__rng_unit(&r) * 1e6 + 1e-9 : any_positive(&r);
        if (k % 5 == 0) /* close magnitudes, where the rounding is carried */
            v[1] = ldexp(v[0], (int)(tier__rng_next(&r) % 120) - 60);
        if (isinf(v[0] + v[1]))
            continue;
        assert_true(sum_of(v, 2, 0) == v[0] + v[1]);
    }
}

static void test_ties_go_to_even_and_the_rest_decides(void **state)
{
    double half_ulp = ldexp(1.0, -53), tiny = ldexp(1.0, -200);
    double a[2] = {1.0, half_ulp}, b[3] = {1.0, half_ulp, tiny};
    double c[2] = {1.0 + 2 * half_ulp, half_ulp}, d[2] = {DBL_MAX, DBL_MAX};
    double e[2] = {4.9406564584124654e-324, 4.9406564584124654e-324};
    (void)state;
    assert_true(sum_of(a, 2, 0) == 1.0);                     /* a tie: down to the even 1.0 */
    assert_true(sum_of(b, 3, 1) == 1.0 + 2 * half_ulp);      /* above the tie: up */
    assert_true(sum_of(c, 2, 0) == 1.0 + 4 * half_ulp);      /* a tie: up to the even one */
    assert_true(isinf(sum_of(d, 2, 0)));                     /* beyond the largest */
    assert_true(sum_of(e, 2, 0) == 9.8813129168249309e-324); /* subnormals add exactly */
    assert_true(sum_of(NULL, 0, 0) == 0.0);
}

/* Many values of every magnitude: the same double forwards, backwards and in any split. */
static void test_the_order_of_the_additions_does_not_matter(void **state)
{
    static double v[20000];
    tier__rng r;
    size_t i;
    double plain = 0, plain_back = 0;
    (void)state;
    tier__rng_init(&r, 11, 2, 0, 0);
    for (i = 0; i < 20000; i++)
        v[i] = i % 7 ? tier__rng_unit(&r) * pow(10.0, (double)(i % 13)) : any_positive(&r) * 1e-280;
    for (i = 0; i < 20000; i++) {
        plain += v[i];
        plain_back += v[19999 - i];
    }
    assert_true(sum_of(v, 20000, 0) == sum_of(v, 20000, 1));
    assert_true(plain != plain_back); /* the plain sums do depend on it */
    /* The correctly rounded sum stays close to the plain one. */
    assert_true(fabs(sum_of(v, 20000, 0) - plain) <= 1e-3 * plain);
}

TST_MAIN(cmocka_unit_test(test_a_pair_rounds_as_ieee_addition),
         cmocka_unit_test(test_ties_go_to_even_and_the_rest_decides),
         cmocka_unit_test(test_the_order_of_the_additions_does_not_matter))
