/* SPDX-License-Identifier: MIT */
/* RFM cut points: type-7 quantiles found by counting (R, F: small integers) or by selection (M),
 * never by sorting per quantile (docs/rfm.md). */
#include <string.h>

#include "models/rfm/rfm_internal.h"

/* ---- quantiles --------------------------------------------------------------------------- */

/* For cut j of k (1..k-1) over n sorted values: h = (n-1)j/k, lower rank floor(h), fraction. */
static void quantile_rank(size_t n, int k, int j, size_t *lo, double *frac)
{
    /* (n-1)*j cannot overflow: n is a customer count and j < 10. */
    size_t num = (n - 1) * (size_t)j;
    *lo = num / (size_t)k;
    *frac = (double)(num % (size_t)k) / (double)k;
}

static double interpolate(double a, double b, double frac)
{
    double q;
    if (frac == 0.0 || a == b)
        return a;
    q = a + frac * (b - a);
    /* Rounding must not leave [a, b]. */
    if (q < a)
        q = a;
    if (q > b)
        q = b;
    return q;
}

/* The order statistics the cuts need: ranks lo_j and lo_j+1 (clamped), ascending, distinct. */
static size_t needed_ranks(size_t n, int k, size_t *ranks)
{
    size_t nr = 0, lo;
    double frac;
    int j;
    for (j = 1; j < k; j++) {
        quantile_rank(n, k, j, &lo, &frac);
        if (nr == 0 || ranks[nr - 1] != lo)
            ranks[nr++] = lo;
        if (lo + 1 < n && ranks[nr - 1] != lo + 1)
            ranks[nr++] = lo + 1;
    }
    return nr;
}

/* Rank r's value from the order statistics found for `ranks`. */
static double rank_value(const size_t *ranks, const double *vals, size_t nr, size_t r)
{
    size_t i;
    for (i = 0; i < nr; i++)
        if (ranks[i] == r)
            return vals[i];
    return vals[nr - 1];
}

static void cuts_from_ranks(size_t n, int k, const size_t *ranks, const double *vals, size_t nr,
                            double *cuts)
{
    int j;
    for (j = 1; j < k; j++) {
        size_t lo;
        double frac, a, b;
        quantile_rank(n, k, j, &lo, &frac);
        a = rank_value(ranks, vals, nr, lo);
        b = lo + 1 < n ? rank_value(ranks, vals, nr, lo + 1) : a;
        cuts[j - 1] = interpolate(a, b, frac);
    }
}

/* Order statistics of small non-negative integers by counting: O(n + range). */
static void ranks_by_counting(const uint32_t *v, size_t n, uint32_t maxv, size_t *count,
                              const size_t *ranks, size_t nr, double *out)
{
    size_t i, seen = 0, r = 0;
    uint32_t x;
    memset(count, 0, ((size_t)maxv + 1) * sizeof *count);
    for (i = 0; i < n; i++)
        count[v[i]]++;
    for (x = 0; r < nr; x++) {
        seen += count[x];
        while (r < nr && ranks[r] < seen)
            out[r++] = (double)x;
        if (x == maxv)
            break;
    }
}

static void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

static void sift_down(double *a, size_t start, size_t n)
{
    size_t root = start;
    while (2 * root + 1 < n) {
        size_t child = 2 * root + 1;
        if (child + 1 < n && a[child] < a[child + 1])
            child++;
        if (!(a[root] < a[child]))
            return;
        swap_d(&a[root], &a[child]);
        root = child;
    }
}

/* Heapsort: the worst-case guard of the selection below. */
static void heap_sort(double *a, size_t n)
{
    size_t i;
    if (n < 2)
        return;
    for (i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (i = n - 1; i > 0; i--) {
        swap_d(&a[0], &a[i]);
        sift_down(a, 0, i);
    }
}

/* Places the values of ranks[0..nr) (ascending, within [lo, hi)) at their sorted positions in
 * a[lo..hi): a three-way quickselect for several ranks at once (ties collapse into one band),
 * falling back to heapsort when the partitions stop shrinking. */
static void multi_select(double *a, size_t lo, size_t hi, const size_t *ranks, size_t nr, int depth)
{
    while (nr > 0 && hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2, lt, gt, i, nl, ng;
        double p, x = a[lo], y = a[mid], z = a[hi - 1];
        if (depth-- <= 0) {
            heap_sort(a + lo, hi - lo);
            return;
        }
        /* Median of three as the pivot. */
        p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        lt = lo;
        gt = hi;
        i = lo;
        while (i < gt) {
            if (a[i] < p)
                swap_d(&a[i++], &a[lt++]);
            else if (a[i] > p)
                swap_d(&a[i], &a[--gt]);
            else
                i++;
        }
        /* [lo,lt) < p, [lt,gt) == p, [gt,hi) > p. */
        for (nl = 0; nl < nr && ranks[nl] < lt; nl++)
            ;
        for (ng = nl; ng < nr && ranks[ng] < gt; ng++)
            ;
        if (nl > 0)
            multi_select(a, lo, lt, ranks, nl, depth);
        ranks += ng;
        nr -= ng;
        lo = gt;
    }
}

/* ---- selection narrowed by the leading bits ------------------------------------------------ */

/* From this many values on, the selection first narrows the values to those sharing the leading
 * 16 bits of an order-preserving key with a needed rank (one counting pass and one gathering
 * pass), then selects within those: the full quickselect moves every value several times. */
#define RADIX_MIN ((size_t)1 << 16)
#define RADIX_BUCKETS ((size_t)1 << 16)

/* The leading 16 bits of a key that orders doubles as `<` does (0 and -0 alike). */
static size_t lead_bits(double v)
{
    uint64_t u;
    if (v == 0)
        v = 0; /* -0 sorts as 0 */
    memcpy(&u, &v, sizeof u);
    u = u >> 63 ? ~u : u | (UINT64_C(1) << 63);
    return (size_t)(u >> 48);
}

/* The values of ranks[0..nr) (ascending) among vals[0..n) into got[]: TIER_OK, or TIER_ENOMEM
 * with nothing found. vals is left unchanged. The values are never NaN (days, counts and sums of
 * fixed-point amounts), so that `<` orders them totally, as the key does. */
static int select_narrowed(rfm_state *st, const double *vals, size_t n, const size_t *ranks,
                           size_t nr, double *got)
{
    size_t *count = tier__calloc(&st->h.alloc, RADIX_BUCKETS, sizeof *count);
    size_t b, i, r, below = 0, total = 0, first[2 * RFM_MAX_CUTS];
    size_t bucket[2 * RFM_MAX_CUTS], nb = 0, at[2 * RFM_MAX_CUTS];
    double *cand;
    if (!count)
        return TIER_ENOMEM;
    for (i = 0; i < n; i++)
        count[lead_bits(vals[i])]++;
    /* The buckets of the ranks (ascending, distinct) and how many values lie below each. */
    for (b = 0, r = 0; r < nr; b++) {
        if (ranks[r] >= below + count[b]) {
            below += count[b];
            continue;
        }
        bucket[nb] = b;
        first[nb] = below;
        at[nb] = total;
        total += count[b];
        nb++;
        while (r < nr && ranks[r] < below + count[b])
            r++;
        below += count[b];
    }
    cand = tier__malloc_n(&st->h.alloc, total, sizeof *cand);
    if (!cand) {
        tier__free(&st->h.alloc, count);
        return TIER_ENOMEM;
    }
    /* count[] now maps a needed bucket to 1 + its index, any other to 0. */
    memset(count, 0, RADIX_BUCKETS * sizeof *count);
    for (i = 0; i < nb; i++)
        count[bucket[i]] = i + 1;
    for (i = 0; i < n; i++) {
        size_t k = count[lead_bits(vals[i])];
        if (k)
            cand[at[k - 1]++] = vals[i];
    }
    /* Each bucket's values now end at at[]; select its ranks within them. */
    for (i = 0, r = 0; i < nb; i++) {
        size_t from = i ? at[i - 1] : 0, len = at[i] - from, nl, local[2 * RFM_MAX_CUTS], lim;
        int depth = 2;
        for (nl = 0; r + nl < nr && ranks[r + nl] < first[i] + len; nl++)
            local[nl] = ranks[r + nl] - first[i];
        for (lim = len; lim > 1; lim >>= 1)
            depth += 2;
        multi_select(cand + from, 0, len, local, nl, depth);
        for (b = 0; b < nl; b++)
            got[r + b] = cand[from + local[b]];
        r += nl;
    }
    tier__free(&st->h.alloc, cand);
    tier__free(&st->h.alloc, count);
    return TIER_OK;
}

int tier__rfm_counts(size_t n, uint32_t maxv)
{
    /* Counting beats selection while the value range is not much wider than the data. */
    return (size_t)maxv <= 4 * n + 1024;
}

/* Cut points of one dimension from its values over the customers with a purchase. `ints` holds
 * the same values as integers when they are small (else NULL). */
int tier__rfm_fit_cuts(rfm_state *st, size_t n, double *vals, const uint32_t *ints, uint32_t maxv,
                       double *cuts)
{
    size_t ranks[2 * RFM_MAX_CUTS], nr, lim;
    double got[2 * RFM_MAX_CUTS];
    int depth = 2;
    nr = needed_ranks(n, st->c.bins, ranks);
    if (ints && tier__rfm_counts(n, maxv)) {
        size_t *count = tier__malloc_n(&st->h.alloc, (size_t)maxv + 1, sizeof *count);
        if (!count)
            return TIER_ENOMEM;
        ranks_by_counting(ints, n, maxv, count, ranks, nr, got);
        tier__free(&st->h.alloc, count);
    } else if (n >= RADIX_MIN) {
        int rc = select_narrowed(st, vals, n, ranks, nr, got);
        if (rc)
            return rc;
    } else {
        size_t i;
        for (lim = n; lim > 1; lim >>= 1)
            depth += 2;
        multi_select(vals, 0, n, ranks, nr, depth);
        for (i = 0; i < nr; i++)
            got[i] = vals[ranks[i]];
    }
    cuts_from_ranks(n, st->c.bins, ranks, got, nr, cuts);
    return TIER_OK;
}
