/* SPDX-License-Identifier: MIT */
/* Numbers as text, the same on every host: the library's one double formatter and one parser.
 * Neither depends on LC_NUMERIC: the decimal point is always '.', and the parser never reads the
 * locale. Internal; never installed. */
#ifndef TIER_UTIL_NUMTEXT_H
#define TIER_UTIL_NUMTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes a formatted number may need, NUL included ("-2.2250738585072014e-308" is 24). */
#define TIER__NUM_SIZE 32

/* Formatter flags. */
/* Write the exponent without leading zeros: "1e-7", "1.5e+20" instead of printf's "1e-07". */
#define TIER__NUM_SHORT_EXP 1u

/* Parser flags. */
/* Also accept the formatter's "nan", "inf" and "-inf" (exactly those spellings). */
#define TIER__NUM_NONFINITE 1u

/* Writes v to dst (TIER__NUM_SIZE bytes) in the shortest of printf's %.15g, %.16g and %.17g forms
 * that reads back as exactly v, with '.' as the decimal point whatever the locale, NUL-terminated;
 * returns the length. NaN is written "nan" (never "-nan"), infinities "inf" and "-inf", negative
 * zero "-0". Callers whose output format has no spelling for NaN or infinity (JSON, empty CSV
 * cells) test isfinite() first. */
size_t tier__num_format(char *dst, double v, unsigned flags);

/* Bytes that hold any finite double in tier__num_format_fixed with 20 decimals, NUL included. */
#define TIER__NUM_FIXED_SIZE 336

/* Writes v with exactly `decimals` (0..20) digits after the point, rounding the binary value as
 * printf's %.*f does, with '.' whatever the locale, into dst (cap bytes, NUL-terminated); returns
 * the length, or 0 when v is not finite, decimals is out of range or dst is too small. */
size_t tier__num_format_fixed(char *dst, size_t cap, double v, int decimals);

/* Parses exactly s[0..len) as a decimal number, correctly rounded, whatever the locale:
 *     [+-] ( digits [ '.' [digits] ] | '.' digits ) [ ('e'|'E') [+-] digits ]
 * No blanks, no hex, no "infinity"; any length. Returns TIER_OK with *out set; TIER_EPARSE when
 * the text does not follow the grammar (empty included); TIER_ERANGE when its magnitude is beyond
 * the largest double (a value too small for a double rounds to zero and is accepted). With
 * TIER__NUM_NONFINITE, "nan", "inf" and "-inf" are accepted too. *out is untouched on failure. */
int tier__num_parse(const char *s, size_t len, double *out, unsigned flags);

/* "00" to "99" back to back: the two digits of n (0..99) are at tier__num_pairs + 2 * n. */
extern const char tier__num_pairs[201];

/* Writes the decimal digits of v (no sign, no leading zeros, "0" for 0) so that they end just
 * before `end`, two digits per division by 100 (a constant: a multiplication); returns where they
 * start, at most 20 bytes before end. */
static inline char *tier__num_digits_before(char *end, uint64_t v)
{
    for (; v >= 100; v /= 100) {
        end -= 2;
        memcpy(end, tier__num_pairs + 2 * (v % 100), 2);
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, tier__num_pairs + 2 * v, 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

#endif
