/* SPDX-License-Identifier: MIT */
/* The CSV field lexer of util/csv_lex.h.
 *
 * Two paths produce the same records. A fast path takes the common line (unquoted fields, LF or
 * CRLF line end, within the limits) with a word-at-a-time scan for delimiter, quote and control
 * bytes; anything it is unsure about (quotes, a lone CR, NUL, too many fields, the last few bytes
 * of the data) is lexed again from the record's start by the general byte-wise path, which is the
 * only place errors are produced. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/csv_lex.h"

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LEX_WORDS 1
#if defined(__SSE2__) && !defined(TIER_NO_SIMD)
#define LEX_SSE2 1
#include <emmintrin.h>
#endif
#endif

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

void tier__csv_lex_init(tier__csv_lex *lx, const tier_allocator *alloc, int delimiter,
                        uint64_t max_fields, uint64_t max_length)
{
    memset(lx, 0, sizeof *lx);
    lx->alloc = alloc;
    lx->ws = delimiter == TIER_CSV_WHITESPACE;
    lx->delim = lx->ws ? 0 : (unsigned char)delimiter;
    lx->max_fields = max_fields;
    lx->max_length = max_length;
    lx->next_line = 1;
    lx->at_start = 1;
}

void tier__csv_lex_free(tier__csv_lex *lx)
{
    tier__free(lx->alloc, lx->field);
    lx->field = NULL;
    lx->nfields = lx->cap = lx->fast_lim = 0;
}

int tier__csv_blank(const char *p, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return 0;
    return 1;
}

size_t tier__csv_unescape(char *dst, const tier__csv_field *f)
{
    size_t i, o = 0;
    if (!f->dq) {
        if (f->len)
            memcpy(dst, f->p, f->len);
        return f->len;
    }
    for (i = 0; i < f->len; i++) {
        dst[o++] = f->p[i];
        if (f->p[i] == '"')
            i++; /* "" stands for " */
    }
    return o;
}

/* Sets the error (reason without position) and returns `status`. */
static int lex_fail(tier__csv_lex *lx, int status, uint64_t line, uint64_t col, const char *fmt,
                    ...) TIER__PRINTF(5, 6);

static int lex_fail(tier__csv_lex *lx, int status, uint64_t line, uint64_t col, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->err, sizeof lx->err, fmt, ap);
    va_end(ap);
    lx->err_line = line;
    lx->err_col = col;
    return status;
}

static int add_field(tier__csv_lex *lx, const unsigned char *vs, size_t len, uint64_t line,
                     int quoted, int dq)
{
    tier__csv_field *f;
    if (lx->nfields == lx->cap) {
        if (tier__grow(lx->alloc, (void **)&lx->field, &lx->cap, lx->nfields + 1,
                       sizeof *lx->field))
            return lex_fail(lx, TIER_ENOMEM, 0, 0, "out of memory");
        lx->fast_lim = lx->max_fields < lx->cap ? (size_t)lx->max_fields : lx->cap;
    }
    f = &lx->field[lx->nfields++];
    f->p = (const char *)vs;
    f->len = len;
    f->line = line;
    f->quoted = (unsigned char)quoted;
    f->dq = (unsigned char)dq;
    return TIER_OK;
}

/* ---- the fast path ------------------------------------------------------------------------- */

#ifdef LEX_WORDS
static uint64_t load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}
#endif

/* Stores field [fs, s) of the fast path, without surrounding blanks. */
static inline void fast_field(tier__csv_field *f, const char *fs, const char *s, uint64_t line)
{
    size_t n = (size_t)(s - fs);
    /* Blanks are <= ' ': one comparison per end rules out trimming in the common case. */
    if (n && ((unsigned char)fs[0] <= ' ' || (unsigned char)fs[n - 1] <= ' ')) {
        while (n && is_blank((unsigned char)*fs)) {
            fs++;
            n--;
        }
        while (n && is_blank((unsigned char)fs[n - 1]))
            n--;
    }
    f->p = fs;
    f->len = n;
    f->line = line;
    f->quoted = 0;
    f->dq = 0;
}

/* A record the fast path is lexing: the fields so far and where the current one starts. */
typedef struct fast_rec {
    tier__csv_field *fld;
    const char *fs; /* start of the current field */
    size_t col;     /* fields stored */
    size_t lim;     /* room in fld */
    size_t max_len; /* longest field */
    uint64_t line;
    unsigned char delim;
} fast_rec;

enum { FAST_ON, FAST_DONE, FAST_GIVE_UP };

/* Acts on the byte at s of a record being lexed fast, one the scan flagged (a delimiter, a line
 * end, a quote or another control byte): FAST_ON to go on (a field ended, or the byte is data),
 * FAST_DONE when the line ended (the last field stored, *next past the line end), FAST_GIVE_UP
 * when the general path must decide. Both scans of fast_record() share it. */
static inline int fast_byte(fast_rec *r, const char *s, const char *end, const char **next)
{
    unsigned char c = (unsigned char)*s;
    if (c == r->delim) {
        if (r->col + 1 >= r->lim || (size_t)(s - r->fs) > r->max_len)
            return FAST_GIVE_UP;
        fast_field(&r->fld[r->col++], r->fs, s, r->line);
        r->fs = s + 1;
        return FAST_ON;
    }
    if (c == '\n' || (c == '\r' && end - s > 1 && s[1] == '\n')) {
        if ((size_t)(s - r->fs) > r->max_len)
            return FAST_GIVE_UP;
        fast_field(&r->fld[r->col++], r->fs, s, r->line);
        *next = s + 1 + (c == '\r');
        return FAST_DONE;
    }
    if (c == '"' || c == '\0' || c == '\r')
        return FAST_GIVE_UP;
    return FAST_ON; /* another control byte (a tab) or a false flag: ordinary data */
}

/* The common line: unquoted fields, LF or CRLF line end, within the limits and the field array's
 * room. Returns the field count with *next past the line end, or 0 when the general path must
 * decide (it also reports every error). */
static size_t fast_record(tier__csv_lex *lx, const char *p, const char *end, const char **next)
{
    fast_rec r;
    int on = FAST_ON;
    r.fld = lx->field;
    r.fs = p;
    r.col = 0;
    r.lim = lx->fast_lim;
    r.max_len = lx->max_length > SIZE_MAX ? SIZE_MAX : (size_t)lx->max_length;
    r.line = lx->next_line;
    r.delim = lx->delim;
    if (r.lim == 0)
        return 0;
#ifdef LEX_WORDS
    {
        /* Eight bytes at a time: flag control bytes (< 0x20), the delimiter and quotes with the
         * carry tricks (x - 0x20..) & ~x and (t - 0x01..) & ~t for t = x ^ byte. Borrows can
         * flag a byte just above a real hit, so each flagged byte is looked at before it is
         * acted on. */
        const uint64_t dmask = ONES * r.delim, qmask = ONES * (unsigned char)'"';
        const char *w = p;
#ifdef LEX_SSE2
        /* Sixteen bytes at a time where the target has SSE2 (every x86-64): the same bytes are
         * flagged (with no false flags), so the records are the same. */
        const __m128i vd = _mm_set1_epi8((char)r.delim), vq = _mm_set1_epi8('"'),
                      vc = _mm_set1_epi8(0x1f);
        while (end - w >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)w);
            __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vq)),
                                       _mm_cmpeq_epi8(_mm_max_epu8(x, vc), vc));
            unsigned m16 = (unsigned)_mm_movemask_epi8(hit);
            for (; m16 && on == FAST_ON; m16 &= m16 - 1)
                on = fast_byte(&r, w + __builtin_ctz(m16), end, next);
            if (on != FAST_ON)
                return on == FAST_DONE ? r.col : 0;
            w += 16;
        }
#endif
        while (end - w >= 8) {
            uint64_t x = load8(w), t, m;
            m = (x - ONES * 0x20) & ~x;
            t = x ^ dmask;
            m |= (t - ONES) & ~t;
            t = x ^ qmask;
            m |= (t - ONES) & ~t;
            m &= HIGHS;
            for (; m && on == FAST_ON; m &= m - 1)
                on = fast_byte(&r, w + (__builtin_ctzll(m) >> 3), end, next);
            if (on != FAST_ON)
                return on == FAST_DONE ? r.col : 0;
            w += 8;
        }
        return 0; /* the end of the data: the general path lexes the rest */
    }
#else
    for (; p < end && on == FAST_ON; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == r.delim || c == '"')
            on = fast_byte(&r, p, end, next);
    }
    return on == FAST_DONE ? r.col : 0;
#endif
}

/* ---- the general path ---------------------------------------------------------------------- */

/* Lexes one record from p (quotes, CR, blanks, whitespace delimiters, limits, errors). Returns
 * TIER__CSV_RECORD or TIER__CSV_BLANK with *next and lx->end_line set, TIER__CSV_MORE, or an
 * error. */
static int slow_record(tier__csv_lex *lx, const char *p, const char *end, int eof,
                       const char **next)
{
    const unsigned char *q = (const unsigned char *)p, *e = (const unsigned char *)end;
    const int ws = lx->ws;
    const unsigned char delim = lx->delim;
    uint64_t line = lx->next_line;
    size_t col = 0;
    int first_empty = 0;
    lx->nfields = 0;
    lx->dq_any = 0;
    if (ws) {
        while (q < e && is_blank(*q))
            q++;
        if ((uint64_t)(q - (const unsigned char *)p) > lx->max_length)
            return lex_fail(lx, TIER_ERANGE, line, 1, "run of blanks longer than %llu bytes",
                            (unsigned long long)lx->max_length);
    }
    for (;;) {
        const unsigned char *fs = q, *vs, *ve;
        uint64_t fline = line;
        int has_dq = 0, quoted = 0, rc;
        unsigned char c;
        if (col >= lx->max_fields)
            return lex_fail(lx, TIER_ERANGE, line, col + 1,
                            "more than %llu fields (the field limit)",
                            (unsigned long long)lx->max_fields);
        if (!ws)
            while (q < e && is_blank(*q) && *q != delim)
                q++;
        if (q < e && *q == '"') {
            quoted = 1;
            vs = ++q;
            for (;;) {
                /* The limit is checked at every byte, not only where a block ends, so that
                 * where blocks end never changes which error is reported. */
                if ((uint64_t)(q - fs) > lx->max_length)
                    return lex_fail(lx, TIER_ERANGE, fline, col + 1, "field longer than %llu bytes",
                                    (unsigned long long)lx->max_length);
                if (q == e) {
                    if (!eof)
                        return TIER__CSV_MORE;
                    return lex_fail(lx, TIER_EPARSE, fline, col + 1,
                                    "unterminated quoted field (the quote opened on line %llu)",
                                    (unsigned long long)fline);
                }
                c = *q;
                if (c == '"') {
                    if (e - q == 1 && !eof)
                        return TIER__CSV_MORE;
                    if (e - q > 1 && q[1] == '"') {
                        has_dq = 1;
                        q += 2;
                        continue;
                    }
                    break;
                }
                if (c == '\n')
                    line++;
                else if (c == '\0')
                    return lex_fail(lx, TIER_EPARSE, line, col + 1, "NUL byte in a field");
                q++;
            }
            ve = q;
            if (q < e)
                q++; /* the closing quote */
            if (!ws)
                while (q < e && is_blank(*q) && *q != delim)
                    q++;
        } else {
            vs = q;
            while (q < e && (uint64_t)(q - fs) <= lx->max_length) {
                c = *q;
                if ((!ws && c == delim) || c == '\n' || c == '\r' || (ws && is_blank(c)))
                    break;
                if (c == '"')
                    return lex_fail(lx, TIER_EPARSE, line, col + 1,
                                    "quote inside an unquoted field (quote the whole field and "
                                    "double the quote)");
                if (c == '\0')
                    return lex_fail(lx, TIER_EPARSE, line, col + 1, "NUL byte in a field");
                q++;
            }
            ve = q;
            if (!ws)
                while (ve > vs && is_blank(ve[-1]) && ve[-1] != delim)
                    ve--;
        }
        if ((uint64_t)(q - fs) > lx->max_length)
            return lex_fail(lx, TIER_ERANGE, fline, col + 1, "field longer than %llu bytes",
                            (unsigned long long)lx->max_length);
        if (q == e && !eof)
            return TIER__CSV_MORE;
        rc = add_field(lx, vs, (size_t)(ve - vs), fline, quoted, has_dq);
        if (rc)
            return rc;
        lx->dq_any |= has_dq;
        if (col == 0)
            first_empty = !quoted && ve == vs;
        col++;
        if (q == e) {
            *next = end;
            break;
        }
        c = *q;
        if (ws) {
            const unsigned char *bs = q;
            while (q < e && is_blank(*q))
                q++;
            if ((uint64_t)(q - bs) > lx->max_length)
                return lex_fail(lx, TIER_ERANGE, line, col, "run of blanks longer than %llu bytes",
                                (unsigned long long)lx->max_length);
            if (q == e) {
                if (!eof)
                    return TIER__CSV_MORE;
                *next = end;
                break;
            }
            c = *q;
            if (q > bs && c != '\n' && c != '\r')
                continue;
        } else if (c == delim) {
            q++;
            continue;
        }
        if (c == '\n') {
            *next = (const char *)q + 1;
            break;
        }
        if (c == '\r') {
            if (e - q == 1 && !eof)
                return TIER__CSV_MORE;
            if (e - q > 1 && q[1] == '\n') {
                *next = (const char *)q + 2;
                break;
            }
            return lex_fail(lx, TIER_EPARSE, line, col,
                            "carriage return not followed by a line feed");
        }
        return lex_fail(lx, TIER_EPARSE, line, col, "unexpected text after a closing quote");
    }
    lx->end_line = line;
    return (col == 1 && first_empty) ? TIER__CSV_BLANK : TIER__CSV_RECORD;
}

int tier__csv_lex_next(tier__csv_lex *lx, const char *data, size_t len, int eof, size_t *used)
{
    static const char bom[3] = {'\xEF', '\xBB', '\xBF'};
    const char *p = data, *end = data + len, *next = NULL;
    size_t n;
    int rc;
    *used = 0;
    if (TIER__UNLIKELY(lx->at_start)) {
        if (len < 3 && !eof && memcmp(data, bom, len) == 0)
            return TIER__CSV_MORE;
        if (len >= 3 && memcmp(data, bom, 3) == 0)
            p += 3;
    }
    if (p == end) {
        if (!eof)
            return TIER__CSV_MORE;
        *used = len;
        lx->at_start = 0;
        return TIER__CSV_END;
    }
    if (!lx->ws && (n = fast_record(lx, p, end, &next)) != 0) {
        lx->nfields = n;
        lx->dq_any = 0;
        lx->line = lx->end_line = lx->next_line;
        rc = n == 1 && lx->field[0].len == 0 ? TIER__CSV_BLANK : TIER__CSV_RECORD;
    } else {
        rc = slow_record(lx, p, end, eof, &next);
        if (rc < 0 || rc == TIER__CSV_MORE)
            return rc;
        lx->line = lx->next_line;
    }
    lx->next_line = lx->end_line + 1;
    lx->at_start = 0;
    *used = (size_t)(next - data);
    return rc;
}
