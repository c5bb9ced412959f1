/* SPDX-License-Identifier: MIT */
/* Orders by value: a stable radix sort of (key, row) pairs (util/radix.h) with ties by customer
 * id, through the customers' id order when the run keeps one (core/frame_internal.h), else by
 * the ids themselves; ABC class boundaries in 96-bit integer arithmetic; exact sums of doubles
 * rounded once (tier__xsum). */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "models/order.h"
#include "util/par_tasks.h"
#include "util/radix.h"

uint64_t tier__order_key(double v, int descending)
{
    uint64_t bits;
    if (v == 0)
        v = 0.0; /* -0 sorts with 0 */
    memcpy(&bits, &v, sizeof bits);
    /* Negative numbers: all bits flipped; positive: the sign bit set. Unsigned order is then the
     * numeric order. */
    bits = (bits >> 63) ? ~bits : bits | ((uint64_t)1 << 63);
    return descending ? ~bits : bits;
}

static int before(const tier_book *book, const size_t *lead, uint32_t a, uint32_t b)
{
    int c;
    if (!book)
        return a < b;
    c = tier__book_compare_ids(book, lead ? lead[a] : a, lead ? lead[b] : b);
    return c < 0 || (c == 0 && a < b);
}

/* Merge sort of a run by id (tmp: n entries). */
static void by_id(const tier_book *book, const size_t *lead, uint32_t *v, uint32_t *tmp, size_t n)
{
    size_t w, i, j;
    if (n < 16) {
        for (i = 1; i < n; i++) {
            uint32_t x = v[i];
            for (j = i; j > 0 && before(book, lead, x, v[j - 1]); j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
        return;
    }
    for (w = 1; w < n; w *= 2) {
        for (i = 0; i < n; i += 2 * w) {
            size_t mid = i + w < n ? i + w : n, end = i + 2 * w < n ? i + 2 * w : n;
            size_t l = i, r = mid, o = i;
            while (l < mid && r < end)
                tmp[o++] = before(book, lead, v[r], v[l]) ? v[r++] : v[l++];
            while (l < mid)
                tmp[o++] = v[l++];
            while (r < end)
                tmp[o++] = v[r++];
        }
        memcpy(v, tmp, n * sizeof *v);
    }
}

/* The first 8 bytes of row x's id as a big-endian number, zero-padded: comparing two of them
 * orders like the ids' bytes (ids hold no NUL byte), and equal ones need the whole ids. */
static uint64_t id_prefix(const tier_book *book, const size_t *lead, uint32_t x)
{
    size_t len = 0, i;
    const char *id = tier_book_customer_id(book, lead ? lead[x] : x, &len);
    const unsigned char *u = (const unsigned char *)id;
    uint64_t v = 0;
    for (i = 0; i < 8; i++)
        v = (v << 8) | (id && i < len ? u[i] : 0);
    return v;
}

/* Orders a run of n rows with equal keys by id. pfx[0..n) is scratch that moves with the rows:
 * the ids' first 8 bytes, so that only rows sharing them compare whole ids; a long run is radix
 * sorted by them (key[0..n), all equal, is the scratch and is restored after), a short one by
 * insertion. Ties of many customers (everyone without revenue in a window) take linear time and
 * the many short ties of a large book touch each id once. */
static void run_by_id(const tier_book *book, const size_t *lead, uint64_t *key, uint32_t *idx,
                      uint64_t *pfx, uint32_t *x2, size_t n)
{
    uint64_t same = key[0];
    size_t i, j, sub;
    for (i = 0; i < n; i++)
        pfx[i] = id_prefix(book, lead, idx[i]);
    if (n < 32) {
        for (i = 1; i < n; i++) {
            uint64_t p = pfx[i];
            uint32_t x = idx[i];
            for (j = i; j > 0 &&
                        (p < pfx[j - 1] || (p == pfx[j - 1] && before(book, lead, x, idx[j - 1])));
                 j--) {
                pfx[j] = pfx[j - 1];
                idx[j] = idx[j - 1];
            }
            pfx[j] = p;
            idx[j] = x;
        }
        return;
    }
    memcpy(key, pfx, n * sizeof *key);
    tier__radix_sort(NULL, NULL, key, idx, pfx, x2, n);
    for (i = 0; i < n; i = sub) {
        for (sub = i + 1; sub < n && key[sub] == key[i]; sub++)
            ;
        if (sub - i > 1)
            by_id(book, lead, idx + i, x2, sub - i);
    }
    for (i = 0; i < n; i++)
        key[i] = same;
}

/* Orders by key, ties by id through the ids themselves (k2, x2: scratch of n). */
static void order_sort(const tier_allocator *a, const tier_book *book, const size_t *lead,
                       uint64_t *key, uint32_t *idx, uint64_t *k2, uint32_t *x2, size_t n)
{
    size_t i, run;
    if (n < 2)
        return;
    tier__radix_sort(book ? tier__book_executor(book) : NULL, a, key, idx, k2, x2, n);
    for (i = 0; i < n; i = run) {
        for (run = i + 1; run < n && key[run] == key[i]; run++)
            ;
        if (run - i > 1) {
            if (book)
                run_by_id(book, lead, key + i, idx + i, k2 + i, x2 + i, run - i);
            else
                by_id(book, lead, idx + i, x2, run - i);
        }
    }
}

int tier__order_rows(const tier_allocator *a, const tier_book *book, const size_t *lead,
                     uint64_t *key, uint32_t *idx, size_t n)
{
    uint64_t *k2;
    uint32_t *x2;
    if (n < 2)
        return TIER_OK;
    k2 = tier__malloc_n(a, n, sizeof *k2);
    x2 = tier__malloc_n(a, n, sizeof *x2);
    if (k2 && x2)
        order_sort(a, book, lead, key, idx, k2, x2, n);
    tier__free(a, k2);
    tier__free(a, x2);
    return k2 && x2 ? TIER_OK : TIER_ENOMEM;
}

/* Orders by key with ties by rank[lead[idx]] (lead NULL: rank[idx]), then by idx (ascending on
 * entry): a stable sort by the ranks, then a stable sort by the keys. Scratch: k2, k3 and x2, x3
 * of n each. */
static void order_ranked(const tier_executor *ex, const tier_allocator *a, const uint32_t *rank,
                         const size_t *lead, uint64_t *key, uint32_t *idx, uint64_t *k2,
                         uint32_t *x2, uint64_t *k3, uint32_t *x3, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        k2[i] = rank[lead ? lead[idx[i]] : idx[i]];
        x2[i] = (uint32_t)i;
    }
    tier__radix_sort(ex, a, k2, x2, k3, x3, n);
    for (i = 0; i < n; i++) {
        k3[i] = key[x2[i]];
        x3[i] = idx[x2[i]];
    }
    tier__radix_sort(ex, a, k3, x3, key, idx, n);
    memcpy(key, k3, n * sizeof *key);
    memcpy(idx, x3, n * sizeof *idx);
}

int tier__order_rows_in(const tier_allocator *a, const tier_book *book, const tier_frame *frame,
                        const size_t *lead, uint64_t *key, uint32_t *idx, size_t n)
{
    const uint32_t *perm, *rank;
    uint64_t *k2, *k3;
    uint32_t *x2, *x3;
    int ok;
    if (n < 2)
        return TIER_OK;
    if (!book || tier__frame_id_order(frame, book, &perm, &rank) != TIER_OK)
        return tier__order_rows(a, book, lead, key, idx, n);
    k2 = tier__malloc_n(a, n, sizeof *k2);
    k3 = tier__malloc_n(a, n, sizeof *k3);
    x2 = tier__malloc_n(a, n, sizeof *x2);
    x3 = tier__malloc_n(a, n, sizeof *x3);
    ok = k2 && k3 && x2 && x3;
    if (ok)
        order_ranked(tier__book_executor(book), a, rank, lead, key, idx, k2, x2, k3, x3, n);
    tier__free(a, k2);
    tier__free(a, k3);
    tier__free(a, x2);
    tier__free(a, x3);
    return ok ? TIER_OK : TIER_ENOMEM;
}

typedef struct gather_job {
    const uint32_t *perm;
    const uint64_t *kc;
    uint64_t *key;
    uint32_t *idx;
    size_t n, tasks;
    size_t got[TIER__PAR_TASKS];
} gather_job;

/* Slice t of perm, kept entries to the slice's own start. */
static void gather_task(void *arg, size_t t)
{
    gather_job *j = arg;
    size_t lo = tier__par_begin(j->n, j->tasks, t), hi = tier__par_begin(j->n, j->tasks, t + 1);
    size_t o = lo, p;
    for (p = lo; p < hi; p++) {
        uint32_t c = j->perm[p];
        uint64_t k = j->kc[c];
        if (k != UINT64_MAX) {
            j->key[o] = k;
            j->idx[o++] = c;
        }
    }
    j->got[t] = o - lo;
}

void tier__order_gather(const tier_executor *ex, const uint32_t *perm, const uint64_t *kc, size_t n,
                        uint64_t *key, uint32_t *idx, size_t *np)
{
    gather_job j;
    size_t t, at = 0;
    j.perm = perm;
    j.kc = kc;
    j.key = key;
    j.idx = idx;
    j.n = n;
    j.tasks = tier__par_tasks(ex, n, 8192);
    tier__par_run(ex, j.tasks, gather_task, &j);
    for (t = 0; t < j.tasks; t++) { /* slice by slice: a slice moves down over earlier ones */
        size_t lo = tier__par_begin(n, j.tasks, t);
        if (at != lo) {
            memmove(key + at, key + lo, j.got[t] * sizeof *key);
            memmove(idx + at, idx + lo, j.got[t] * sizeof *idx);
        }
        at += j.got[t];
    }
    *np = at;
}

int tier__order_stable(const tier_allocator *a, const tier_executor *ex, uint64_t *key,
                       uint32_t *idx, size_t n)
{
    uint64_t *k2;
    uint32_t *x2;
    if (n < 2)
        return TIER_OK;
    k2 = tier__malloc_n(a, n, sizeof *k2);
    x2 = tier__malloc_n(a, n, sizeof *x2);
    if (k2 && x2)
        tier__radix_sort(ex, a, key, idx, k2, x2, n);
    tier__free(a, k2);
    tier__free(a, x2);
    return k2 && x2 ? TIER_OK : TIER_ENOMEM;
}

int tier__id_order_get(tier__id_order *o, const tier_allocator *a, const tier_book *book,
                       const tier_frame *frame)
{
    int rc;
    o->a = a;
    o->own_perm = o->own_rank = NULL;
    if (tier__frame_id_order(frame, book, &o->perm, &o->rank) == TIER_OK)
        return TIER_OK;
    rc = tier__book_id_order(book, a, &o->own_perm, &o->own_rank);
    o->perm = o->own_perm;
    o->rank = o->own_rank;
    return rc;
}

void tier__id_order_done(tier__id_order *o)
{
    if (!o->a)
        return;
    tier__free(o->a, o->own_perm);
    tier__free(o->a, o->own_rank);
    o->own_perm = o->own_rank = NULL;
    o->perm = o->rank = NULL;
}

/* ---- ABC classes ------------------------------------------------------------------------------
 */

/* a * b as a 128-bit (hi, lo) pair, for a < 2^64 and b < 2^32, without a 128-bit type. */
static void mul_64_32(uint64_t a, uint32_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t p0 = (a & 0xffffffffu) * b;
    uint64_t p1 = (a >> 32) * b;
    uint64_t l = p0 + (p1 << 32);
    *hi = (p1 >> 32) + (l < p0);
    *lo = l;
}

/* The least cum with cum * 10^6 >= t6 * total, that is ceil(t6 * total / 10^6), at most total
 * (t6 <= 10^6): the 96-bit product divided by 10^6 32 bits at a time. */
static uint64_t reach_of(uint64_t total, uint32_t t6)
{
    uint64_t hi, lo, limb[4], q[4], r = 0, quot;
    int i;
    mul_64_32(total, t6, &hi, &lo);
    limb[0] = hi >> 32;
    limb[1] = hi & 0xffffffffu;
    limb[2] = lo >> 32;
    limb[3] = lo & 0xffffffffu;
    for (i = 0; i < 4; i++) {
        uint64_t cur = r << 32 | limb[i]; /* r < 10^6: no overflow */
        q[i] = cur / 1000000u;
        r = cur % 1000000u;
    }
    quot = q[2] << 32 | q[3]; /* q[0] and q[1] are 0: the quotient is at most total */
    return quot + (r != 0);
}

void tier__abc_cut_init(tier__abc_cut *k, uint32_t t6a, uint32_t t6b, size_t n)
{
    k->t6[0] = t6a;
    k->t6[1] = t6b;
    k->end[0] = k->end[1] = k->n = n;
    k->reach[0] = k->reach[1] = k->reach_total = 0;
    k->has_reach = 0;
}

void tier__abc_cut_exact(tier__abc_cut *k, size_t i, uint64_t cum, uint64_t total)
{
    int c;
    /* cum * 10^6 >= t6 * total exactly when cum reaches ceil(t6 * total / 10^6): one 96-bit
     * division per threshold for the whole order instead of two products per position. */
    if (!k->has_reach || k->reach_total != total) {
        for (c = 0; c < 2; c++)
            k->reach[c] = reach_of(total, k->t6[c]);
        k->reach_total = total;
        k->has_reach = 1;
    }
    for (c = 0; c < 2; c++)
        if (k->end[c] == k->n && cum >= k->reach[c])
            k->end[c] = i;
}

void tier__abc_cut_double(tier__abc_cut *k, size_t i, double cum, double total)
{
    int c;
    for (c = 0; c < 2; c++)
        if (k->end[c] == k->n && cum * 1e6 >= (double)k->t6[c] * total)
            k->end[c] = i;
}

typedef struct cut_job {
    const tier__abc_cut *k;
    const uint32_t *idx;
    int32_t *cls;
    size_t n, tasks;
} cut_job;

static void cut_task(void *arg, size_t t)
{
    const cut_job *j = arg;
    size_t i = tier__par_begin(j->n, j->tasks, t), end = tier__par_begin(j->n, j->tasks, t + 1);
    const size_t a = j->k->end[0], b = j->k->end[1];
    for (; i < end; i++)
        j->cls[j->idx[i]] = i <= a ? 0 : i <= b ? 1 : 2;
}

void tier__abc_cut_classes(const tier_executor *ex, const tier__abc_cut *k, const uint32_t *idx,
                           size_t n, int32_t *cls)
{
    cut_job j;
    j.k = k;
    j.idx = idx;
    j.cls = cls;
    j.n = n;
    j.tasks = tier__par_tasks(ex, n, 8192);
    tier__par_run(ex, j.tasks, cut_task, &j);
}

/* ---- exact sums of doubles ------------------------------------------------------------------ */

void tier__xsum_init(tier__xsum *s)
{
    memset(s, 0, sizeof *s);
}

void tier__xsum_add(tier__xsum *s, double v)
{
    uint64_t bits, m, e, lo, hi, carry;
    size_t pos, i;
    memcpy(&bits, &v, sizeof bits);
    e = bits >> 52 & 0x7ff;
    m = bits & (((uint64_t)1 << 52) - 1);
    if (e) /* v = m * 2^(e - 1075) with the hidden bit: m * 2^(e - 1) in units of 2^-1074 */
        m |= (uint64_t)1 << 52;
    pos = e ? (size_t)e - 1 : 0;
    i = pos / 64;
    lo = m << (pos % 64);
    hi = pos % 64 ? m >> (64 - pos % 64) : 0;
    s->limb[i] += lo;
    carry = s->limb[i] < lo;
    for (i++; i < TIER__XSUM_LIMBS && (hi || carry); i++) {
        uint64_t add = hi + carry; /* hi < 2^53: no overflow */
        s->limb[i] += add;
        carry = s->limb[i] < add;
        hi = 0;
    }
}

/* The 64 bits of the sum from bit lo up (bits below 0 read as 0; lo > -64). */
static uint64_t xsum_word(const tier__xsum *s, long lo)
{
    long i = lo >= 0 ? lo / 64 : -1, off = lo >= 0 ? lo % 64 : lo + 64;
    uint64_t low = i >= 0 ? s->limb[i] : 0, high = i + 1 < TIER__XSUM_LIMBS ? s->limb[i + 1] : 0;
    return off ? low >> off | high << (64 - off) : low;
}

/* 1 when any bit of the sum below bit b (b >= 0) is set. */
static int xsum_any_below(const tier__xsum *s, long b)
{
    long i = b / 64;
    if (b % 64 && (s->limb[i] & (((uint64_t)1 << (b % 64)) - 1)))
        return 1;
    while (i-- > 0)
        if (s->limb[i])
            return 1;
    return 0;
}

double tier__xsum_round(const tier__xsum *s)
{
    long top = TIER__XSUM_LIMBS - 1, p, shift;
    uint64_t w, m;
    while (top >= 0 && s->limb[top] == 0)
        top--;
    if (top < 0)
        return 0.0;
    p = top * 64 + 63;
    w = s->limb[top];
    for (shift = 32; shift > 0; shift /= 2) /* the top set bit, by halves */
        if (!(w >> (64 - shift))) {
            w <<= shift;
            p -= shift;
        }
    if (p <= 52) /* below 2^53 units of 2^-1074: exact */
        return ldexp((double)s->limb[0], -1074);
    w = xsum_word(s, p - 63); /* bit 63 is bit p: 53 bits of mantissa, then 11 more */
    m = w >> 11;
    shift = p - 63;
    if (w >> 10 & 1 && ((w & 0x3ff) || (m & 1) || (shift > 0 && xsum_any_below(s, shift)))) {
        m++;
        if (m == (uint64_t)1 << 53) {
            m >>= 1;
            p++;
        }
    }
    return ldexp((double)m, (int)(p - 52 - 1074));
}

int tier__xsum_merge(tier__xsum *s, const tier__xsum *add)
{
    uint64_t carry = 0;
    size_t i;
    for (i = 0; i < TIER__XSUM_LIMBS; i++) {
        uint64_t a = add->limb[i], t = s->limb[i] + a;
        uint64_t c = t < a;
        s->limb[i] = t + carry;
        carry = c | (s->limb[i] < t);
    }
    return carry ? TIER_ERANGE : TIER_OK;
}

double tier__xsum_diff_round(const tier__xsum *pos, const tier__xsum *neg)
{
    const tier__xsum *big = pos, *small = neg;
    tier__xsum d;
    uint64_t borrow = 0;
    size_t i = TIER__XSUM_LIMBS;
    double r;
    while (i-- > 0 && pos->limb[i] == neg->limb[i])
        ;
    if (i == (size_t)-1)
        return 0.0;
    if (pos->limb[i] < neg->limb[i]) {
        big = neg;
        small = pos;
    }
    for (i = 0; i < TIER__XSUM_LIMBS; i++) {
        uint64_t b = small->limb[i] + borrow;
        uint64_t under = b < borrow || big->limb[i] < b;
        d.limb[i] = big->limb[i] - b;
        borrow = under;
    }
    r = tier__xsum_round(&d);
    return big == neg ? -r : r;
}
