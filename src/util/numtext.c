/* SPDX-License-Identifier: MIT */
/* The locale-independent number formatter and parser of util/numtext.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/internal.h"
#include "util/numtext.h"

const char tier__num_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

/* printf's output in the current locale -> the portable form: '.' for the locale's decimal
 * point (which may be several bytes), optionally no leading zeros in the exponent. */
static size_t tidy(char *dst, const char *src, unsigned flags)
{
    size_t n = 0;
    while (*src) {
        char c = *src;
        if ((c >= '0' && c <= '9') || c == '-' || c == '+') {
            dst[n++] = c;
            src++;
        } else if (c == 'e' || c == 'E') {
            dst[n++] = 'e';
            src++;
            if (*src == '-' || *src == '+')
                dst[n++] = *src++;
            if (flags & TIER__NUM_SHORT_EXP)
                while (src[0] == '0' && src[1] >= '0' && src[1] <= '9')
                    src++;
        } else {
            dst[n++] = '.';
            while (*src && !((*src >= '0' && *src <= '9') || *src == 'e' || *src == 'E'))
                src++;
        }
    }
    dst[n] = '\0';
    return n;
}

size_t tier__num_format(char *dst, double v, unsigned flags)
{
    char tmp[64];
    int prec;
    if (v != v) {
        memcpy(dst, "nan", 4);
        return 3;
    }
    if (isinf(v)) {
        memcpy(dst, v < 0 ? "-inf" : "inf", v < 0 ? 5 : 4);
        return v < 0 ? 4 : 3;
    }
    /* snprintf and strtod both follow LC_NUMERIC, so the read-back test is consistent. */
    for (prec = 15; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    if (prec == 17)
        snprintf(tmp, sizeof tmp, "%.17g", v);
    return tidy(dst, tmp, flags);
}

size_t tier__num_format_fixed(char *dst, size_t cap, double v, int decimals)
{
    char tmp[400];
    int n;
    if (!isfinite(v) || decimals < 0 || decimals > 20)
        return 0;
    n = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    /* tidy() writes at most as many bytes as printf did (a multi-byte point shrinks to one). */
    if (n < 0 || (size_t)n >= sizeof tmp || (size_t)n >= cap)
        return 0;
    return tidy(dst, tmp, 0);
}

/* Significant digits kept: a decimal halfway point between two doubles has at most 767 of them,
 * so 768 digits plus a sticky digit for anything dropped round exactly as the full text does. */
#define KEEP_DIGITS 768
/* Counts and the written exponent saturate here (no input is that long), so sums of three of
 * them cannot overflow; the exponent handed to strtod is then clamped to +-OUT_CLAMP, which is
 * still far beyond the range of a double. */
#define EXP_CLAMP ((int64_t)1 << 50)
#define OUT_CLAMP 100000

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int parse_nonfinite(const char *s, size_t len, double *out)
{
    if (len == 3 && memcmp(s, "nan", 3) == 0) {
        *out = NAN;
        return TIER_OK;
    }
    if (len == 3 && memcmp(s, "inf", 3) == 0) {
        *out = HUGE_VAL;
        return TIER_OK;
    }
    if (len == 4 && memcmp(s, "-inf", 4) == 0) {
        *out = -HUGE_VAL;
        return TIER_OK;
    }
    return TIER_EPARSE;
}

int tier__num_parse(const char *s, size_t len, double *out, unsigned flags)
{
    /* Canonical text for strtod: [-]DIGITS[e-EXP] with no decimal point, so the locale's decimal
     * point never matters. */
    char buf[KEEP_DIGITS + 32];
    size_t i = 0, o = 0, int_digits = 0, frac_digits = 0, kept = 0;
    int64_t exp10 = 0, dropped = 0, exp_text = 0;
    int neg = 0, sticky = 0, exp_neg = 0, seen_sig = 0;
    double v;
    if (!s || len == 0)
        return TIER_EPARSE;
    if ((flags & TIER__NUM_NONFINITE) && parse_nonfinite(s, len, out) == TIER_OK)
        return TIER_OK;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    if (neg)
        buf[o++] = '-';
    /* Integer and fraction digits: leading zeros skipped, at most KEEP_DIGITS kept. */
    for (; i < len && is_digit(s[i]); i++, int_digits++) {
        if (!seen_sig && s[i] == '0')
            continue;
        seen_sig = 1;
        if (kept < KEEP_DIGITS) {
            buf[o++] = s[i];
            kept++;
        } else {
            if (dropped < EXP_CLAMP)
                dropped++;
            sticky |= s[i] != '0';
        }
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++, frac_digits++) {
            if (!seen_sig && s[i] == '0') {
                if (exp10 > -EXP_CLAMP)
                    exp10--;
                continue;
            }
            seen_sig = 1;
            if (kept < KEEP_DIGITS) {
                buf[o++] = s[i];
                kept++;
                exp10--;
            } else {
                sticky |= s[i] != '0';
            }
        }
    }
    if (int_digits + frac_digits == 0)
        return TIER_EPARSE;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            exp_neg = s[i++] == '-';
        for (; i < len && is_digit(s[i]); i++, exp_digits++)
            if (exp_text < EXP_CLAMP)
                exp_text = exp_text * 10 + (s[i] - '0');
        if (exp_digits == 0)
            return TIER_EPARSE;
    }
    if (i != len)
        return TIER_EPARSE;
    if (!seen_sig) {
        *out = neg ? -0.0 : 0.0;
        return TIER_OK;
    }
    exp10 += dropped;
    exp10 += exp_neg ? -exp_text : exp_text;
    if (sticky) {
        buf[o++] = '1';
        exp10--;
    }
    if (exp10 > OUT_CLAMP)
        exp10 = OUT_CLAMP;
    if (exp10 < -OUT_CLAMP)
        exp10 = -OUT_CLAMP;
    snprintf(buf + o, sizeof buf - o, "e%d", (int)exp10);
    v = strtod(buf, NULL);
    if (isinf(v))
        return TIER_ERANGE;
    *out = v;
    return TIER_OK;
}
