/* SPDX-License-Identifier: MIT */
/* Needs model: the texts of the distributed fit (docs/distributed.md, "The needs model"): lines
 * of TAB-separated fields; doubles as the 16 hexadecimal digits of their bits, exact sums as
 * hexadecimal integers (units of 2^-1074), texts with '%', control bytes and DEL as %XX. */
#include <string.h>

#include "models/needs/needs_wire.h"

/* ---- writing ----------------------------------------------------------------------------- */

void tier__nw_double(tier__buf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    tier__buf_printf(b, "\t%016llx", (unsigned long long)bits);
}

void tier__nw_xsum(tier__buf *b, const tier__xsum *s)
{
    size_t i = TIER__XSUM_LIMBS;
    while (i > 1 && s->limb[i - 1] == 0)
        i--;
    tier__buf_printf(b, "\t%llx", (unsigned long long)s->limb[i - 1]);
    while (i-- > 1)
        tier__buf_printf(b, "%016llx", (unsigned long long)s->limb[i - 1]);
}

void tier__nw_text(tier__buf *b, const char *s, size_t n)
{
    size_t i;
    tier__buf_putc(b, '\t');
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' || c < 0x20 || c == 0x7f)
            tier__buf_printf(b, "%%%02X", c);
        else
            tier__buf_putc(b, (char)c);
    }
}

/* ---- reading ----------------------------------------------------------------------------- */

void tier__nr_init(tier__nr *r, const char *text, size_t len, const char *what, char *err)
{
    memset(r, 0, sizeof *r);
    r->p = text;
    r->end = text + len;
    r->what = what;
    r->err = err;
}

int tier__nr_fail(tier__nr *r, const char *why)
{
    tier__errorf(r->err, "%s, line %zu: %s", r->what, r->line, why);
    return TIER_EPARSE;
}

int tier__nr_line(tier__nr *r)
{
    const char *nl;
    if (r->more && !r->extra)
        r->extra = r->line; /* the line had fields left over */
    if (r->p >= r->end)
        return 0;
    nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    r->lp = r->p;
    r->le = nl ? nl : r->end;
    r->p = nl ? nl + 1 : r->end;
    r->line++;
    r->more = 1;
    return 1;
}

int tier__nr_field(tier__nr *r, const char **f, size_t *n)
{
    const char *tab;
    if (!r->more)
        return 0;
    tab = memchr(r->lp, '\t', (size_t)(r->le - r->lp));
    *f = r->lp;
    *n = (size_t)((tab ? tab : r->le) - r->lp);
    if (tab)
        r->lp = tab + 1;
    else
        r->more = 0;
    return 1;
}

int tier__nr_last(tier__nr *r)
{
    if (!tier__nr_line(r) || !tier__nr_word(r, "end") || tier__nr_line(r))
        return tier__nr_fail(r, "expected end, last (cut short or too long)");
    if (r->extra) {
        r->line = r->extra;
        return tier__nr_fail(r, "more fields than expected");
    }
    return TIER_OK;
}

int tier__nr_word(tier__nr *r, const char *word)
{
    const char *f;
    size_t n;
    return tier__nr_field(r, &f, &n) && n == strlen(word) && memcmp(f, word, n) == 0;
}

int tier__nr_end_of_line(const tier__nr *r)
{
    return !r->more;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int tier__nr_u64(tier__nr *r, uint64_t *out)
{
    const char *f;
    size_t n, i;
    uint64_t v = 0;
    if (!tier__nr_field(r, &f, &n) || n == 0 || n > 20)
        return tier__nr_fail(r, "expected a count");
    for (i = 0; i < n; i++) {
        if (f[i] < '0' || f[i] > '9' || v > (UINT64_MAX - (uint64_t)(f[i] - '0')) / 10)
            return tier__nr_fail(r, "expected a count (decimal digits)");
        v = v * 10 + (uint64_t)(f[i] - '0');
    }
    *out = v;
    return TIER_OK;
}

int tier__nr_bits(tier__nr *r, uint64_t *out)
{
    const char *f;
    size_t n, i;
    uint64_t v = 0;
    if (!tier__nr_field(r, &f, &n) || n != 16)
        return tier__nr_fail(r, "expected 16 hexadecimal digits");
    for (i = 0; i < n; i++) {
        int h = hexval(f[i]);
        if (h < 0)
            return tier__nr_fail(r, "expected 16 hexadecimal digits");
        v = v << 4 | (uint64_t)h;
    }
    *out = v;
    return TIER_OK;
}

int tier__nr_double(tier__nr *r, double *out, int finite)
{
    uint64_t bits;
    double v;
    int rc = tier__nr_bits(r, &bits);
    if (rc)
        return rc;
    memcpy(&v, &bits, sizeof v);
    if (v != v || (finite && (v - v) != 0))
        return tier__nr_fail(r, finite ? "expected a finite number" : "expected a number");
    *out = v;
    return TIER_OK;
}

int tier__nr_xsum(tier__nr *r, tier__xsum *out)
{
    const char *f;
    size_t n, i;
    memset(out, 0, sizeof *out);
    if (!tier__nr_field(r, &f, &n) || n == 0 || n > TIER__XSUM_LIMBS * 16 || (n > 1 && f[0] == '0'))
        return tier__nr_fail(r, "expected an exact sum (hexadecimal digits, no leading zero)");
    for (i = 0; i < n; i++) {
        int h = hexval(f[n - 1 - i]);
        if (h < 0)
            return tier__nr_fail(r, "expected an exact sum (hexadecimal digits)");
        out->limb[i / 16] |= (uint64_t)h << (4 * (i % 16));
    }
    return TIER_OK;
}

int tier__nr_text(tier__nr *r, const tier_allocator *a, char **out, size_t *len)
{
    const char *f;
    size_t n, i, k = 0;
    char *s;
    *out = NULL;
    if (!tier__nr_field(r, &f, &n) || n == 0)
        return tier__nr_fail(r, "expected a text");
    if (!(s = tier__malloc_n(a, n + 1, 1)))
        return TIER_ENOMEM;
    for (i = 0; i < n; i++) {
        if (f[i] == '%') {
            int hi = i + 2 < n ? hexval((char)(f[i + 1] | 0x20)) : -1;
            int lo = hi >= 0 ? hexval((char)(f[i + 2] | 0x20)) : -1;
            if (lo < 0) {
                tier__free(a, s);
                return tier__nr_fail(r, "a bad %XX escape");
            }
            s[k++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            s[k++] = f[i];
        }
    }
    s[k] = '\0';
    *out = s;
    *len = k;
    return TIER_OK;
}
