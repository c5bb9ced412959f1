/* SPDX-License-Identifier: MIT */
/* The policy file lexer: names, numbers, strings, punctuation and line ends, with positions. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy/lang/ast.h"
#include "policy/lang/lex.h"
#include "util/numtext.h"

static const char *const keywords[] = {"and",     "or",     "not",   "in",   "between", "is",
                                       "missing", "true",   "false", "when", "over",    "all",
                                       "days",    "months", "by",    "desc", "asc",     "overflow"};

int tier__pol_keyword(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < sizeof keywords / sizeof *keywords; i++)
        if (strlen(keywords[i]) == n && memcmp(keywords[i], s, n) == 0)
            return 1;
    return 0;
}

void tier__lex_init(tier__lex *lx, const tier_allocator *a, const char *text, size_t len,
                    const char *origin, char *err)
{
    memset(lx, 0, sizeof *lx);
    lx->s = text;
    lx->len = len;
    lx->line = 1;
    lx->col = 1;
    lx->origin = origin;
    lx->err = err;
    tier__buf_init(&lx->str, a);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        lx->pos = 3;
}

void tier__lex_free(tier__lex *lx)
{
    tier__buf_free(&lx->str);
}

int tier__lex_fail(tier__lex *lx, int rc, int line, int col, const char *fmt, ...)
{
    char msg[TIER__ERR_SIZE];
    va_list ap;
    if (lx->rc)
        return lx->rc;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tier__errorf(lx->err, "%s:%d:%d: %s", lx->origin, line, col, msg);
    lx->rc = rc;
    return rc;
}

/* Length of the valid UTF-8 sequence at s[0..n) (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t k, i;
    unsigned c = s[0];
    if (c < 0x80)
        return c ? 1 : 0;
    if (c >= 0xC2 && c <= 0xDF)
        k = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        k = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        k = 4;
    else
        return 0;
    if (n < k)
        return 0;
    for (i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] > 0x8F))
        return 0;
    return k;
}

/* Moves over `n` bytes of one line (columns count characters). */
static void advance(tier__lex *lx, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (((unsigned char)lx->s[lx->pos + i] & 0xC0) != 0x80)
            lx->col++;
    lx->pos += n;
}

static void newline(tier__lex *lx, size_t n)
{
    lx->pos += n;
    lx->line++;
    lx->col = 1;
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* A byte that cannot start a token. */
static int bad_char(tier__lex *lx)
{
    unsigned char c = (unsigned char)lx->s[lx->pos];
    size_t k = utf8_len((const unsigned char *)lx->s + lx->pos, lx->len - lx->pos);
    char q[192];
    if (c == 0)
        return tier__lex_fail(lx, TIER_EPARSE, lx->line, lx->col,
                              "NUL byte in the text, expected UTF-8 text");
    if (k == 0)
        return tier__lex_fail(lx, TIER_EPARSE, lx->line, lx->col,
                              "invalid UTF-8 byte 0x%02x, expected UTF-8 text", c);
    if (c == '\r')
        return tier__lex_fail(lx, TIER_EPARSE, lx->line, lx->col,
                              "carriage return without a line feed, expected a line end");
    return tier__lex_fail(lx, TIER_EPARSE, lx->line, lx->col,
                          "unexpected character %s, expected a name, number, string or operator",
                          tier__quote_text(q, sizeof q, lx->s + lx->pos, k));
}

/* Skips a comment up to (not including) its line end, checking it is UTF-8. */
static int skip_comment(tier__lex *lx)
{
    while (lx->pos < lx->len && lx->s[lx->pos] != '\n') {
        size_t k;
        if (lx->s[lx->pos] == '\r' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '\n')
            break;
        k = utf8_len((const unsigned char *)lx->s + lx->pos, lx->len - lx->pos);
        if (k == 0 || lx->s[lx->pos] == '\r')
            return bad_char(lx);
        advance(lx, k);
    }
    return TIER_OK;
}

static int lex_name(tier__lex *lx, tier__tok *t)
{
    size_t start = lx->pos, part = lx->pos, parts = 1;
    for (;;) {
        while (lx->pos < lx->len && (is_alpha(lx->s[lx->pos]) || is_digit(lx->s[lx->pos])))
            lx->pos++;
        if (lx->pos - part > TIER__POL_MAX_NAME)
            return tier__lex_fail(lx, TIER_ERANGE, lx->line, lx->col + (int)(part - start),
                                  "name longer than %d bytes, expected a shorter name",
                                  TIER__POL_MAX_NAME);
        if (parts == 1 && lx->pos + 1 < lx->len && lx->s[lx->pos] == '.' &&
            is_alpha(lx->s[lx->pos + 1])) {
            lx->pos++;
            part = lx->pos;
            parts++;
            continue;
        }
        break;
    }
    t->kind = TIER__TK_NAME;
    t->n = lx->pos - start;
    lx->col += (int)t->n;
    return TIER_OK;
}

static int lex_number(tier__lex *lx, tier__tok *t)
{
    size_t p = lx->pos, n;
    const char *s = lx->s;
    int rc;
    while (p < lx->len && is_digit(s[p]))
        p++;
    if (p < lx->len && s[p] == '.') {
        p++;
        while (p < lx->len && is_digit(s[p]))
            p++;
    }
    if (p < lx->len && (s[p] == 'e' || s[p] == 'E')) {
        size_t q = p + 1;
        if (q < lx->len && (s[q] == '+' || s[q] == '-'))
            q++;
        if (q < lx->len && is_digit(s[q])) {
            p = q;
            while (p < lx->len && is_digit(s[p]))
                p++;
        }
    }
    n = p - lx->pos;
    if (p < lx->len && (is_alpha(s[p]) || is_digit(s[p]) || s[p] == '.')) {
        char q[192];
        size_t e = p;
        while (e < lx->len && (is_alpha(s[e]) || is_digit(s[e]) || s[e] == '.'))
            e++;
        return tier__lex_fail(lx, TIER_EPARSE, lx->line, lx->col,
                              "malformed number %s, expected digits with an optional fraction "
                              "and exponent",
                              tier__quote_text(q, sizeof q, s + lx->pos, e - lx->pos));
    }
    rc = tier__num_parse(s + lx->pos, n, &t->num, 0);
    if (rc == TIER_ERANGE) /* beyond the largest double: infinite */
        t->num = HUGE_VAL;
    else if (rc)
        return tier__lex_fail(lx, TIER_EPARSE, lx->line, lx->col,
                              "malformed number, expected digits with an optional fraction and "
                              "exponent");
    t->kind = TIER__TK_NUMBER;
    if (p < lx->len && s[p] == '%') {
        t->pct = 1;
        t->num /= 100;
        p++;
    }
    t->n = p - lx->pos;
    lx->col += (int)t->n;
    lx->pos = p;
    return TIER_OK;
}

static int lex_string(tier__lex *lx, tier__tok *t)
{
    const char *s = lx->s;
    tier__buf_reset(&lx->str);
    advance(lx, 1);
    for (;;) {
        unsigned char c;
        size_t k;
        if (lx->pos >= lx->len || s[lx->pos] == '\n' ||
            (s[lx->pos] == '\r' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '\n'))
            return tier__lex_fail(lx, TIER_EPARSE, lx->line, lx->col,
                                  "unterminated string, expected '\"' before the end of the %s",
                                  lx->pos >= lx->len ? "file" : "line");
        c = (unsigned char)s[lx->pos];
        if (c == '"') {
            advance(lx, 1);
            break;
        }
        if (c == '\\' &&
            (lx->pos + 1 >= lx->len || s[lx->pos + 1] == '\n' || s[lx->pos + 1] == '\r'))
            /* A backslash that ends the line or the file escapes nothing: the string is open. */
            return tier__lex_fail(lx, TIER_EPARSE, lx->line, lx->col,
                                  "unterminated string, expected '\"' before the end of the %s",
                                  lx->pos + 1 >= lx->len ? "file" : "line");
        if (c == '\\') {
            char e = lx->pos + 1 < lx->len ? s[lx->pos + 1] : '\0';
            char out = e == 'n' ? '\n' : e == 't' ? '\t' : e == '"' ? '"' : e == '\\' ? '\\' : 0;
            if (!out) {
                /* A character follows (checked above): show it whole, even when multi-byte. */
                size_t m = utf8_len((const unsigned char *)s + lx->pos + 1, lx->len - lx->pos - 1);
                return tier__lex_fail(
                    lx, TIER_EPARSE, lx->line, lx->col,
                    "unknown escape '\\%.*s' in a string, expected \\\", \\\\, \\n "
                    "or \\t",
                    (int)m, s + lx->pos + 1);
            }
            tier__buf_putc(&lx->str, out);
            advance(lx, 2);
            continue;
        }
        if (c < 0x20 && c != '\t') {
            if (c == 0)
                return bad_char(lx);
            return tier__lex_fail(lx, TIER_EPARSE, lx->line, lx->col,
                                  "control character 0x%02x in a string, expected text or an "
                                  "escape",
                                  c);
        }
        k = utf8_len((const unsigned char *)s + lx->pos, lx->len - lx->pos);
        if (k == 0)
            return tier__lex_fail(lx, TIER_EPARSE, lx->line, lx->col,
                                  "invalid UTF-8 byte 0x%02x in a string, expected UTF-8 text", c);
        tier__buf_append(&lx->str, s + lx->pos, k);
        advance(lx, k);
        if (tier__buf_len(&lx->str) > TIER__POL_MAX_TEXT)
            return tier__lex_fail(lx, TIER_ERANGE, t->line, t->col,
                                  "string longer than %d bytes, expected a shorter text",
                                  TIER__POL_MAX_TEXT);
    }
    if (tier__buf_status(&lx->str))
        return tier__lex_fail(lx, TIER_ENOMEM, t->line, t->col, "out of memory reading a string");
    t->kind = TIER__TK_STRING;
    t->n = (size_t)(s + lx->pos - t->p);
    return TIER_OK;
}

static int lex_punct(tier__lex *lx, tier__tok *t)
{
    static const char *const two[] = {"==", "!=", "<=", ">="};
    static const char one[] = "()[]{},=<>+-*/";
    size_t i;
    t->kind = TIER__TK_PUNCT;
    for (i = 0; i < 4; i++) {
        if (lx->pos + 1 < lx->len && memcmp(lx->s + lx->pos, two[i], 2) == 0) {
            memcpy(t->op, two[i], 3);
            t->n = 2;
            advance(lx, 2);
            return TIER_OK;
        }
    }
    if (lx->s[lx->pos] == '\0' || !strchr(one, lx->s[lx->pos]))
        return bad_char(lx);
    t->op[0] = lx->s[lx->pos];
    t->op[1] = '\0';
    t->n = 1;
    if (t->op[0] == '(' || t->op[0] == '[')
        lx->nest++;
    else if ((t->op[0] == ')' || t->op[0] == ']') && lx->nest > 0)
        lx->nest--;
    advance(lx, 1);
    return TIER_OK;
}

int tier__lex_next(tier__lex *lx)
{
    tier__tok *t = &lx->tok;
    if (lx->rc)
        return lx->rc;
    memset(t, 0, sizeof *t);
    for (;;) {
        char c;
        if (lx->pos >= lx->len) {
            t->kind = TIER__TK_EOF;
            t->line = lx->line;
            t->col = lx->col;
            t->p = lx->s + lx->pos;
            return TIER_OK;
        }
        c = lx->s[lx->pos];
        if (c == ' ' || c == '\t') {
            advance(lx, 1);
        } else if (c == '#') {
            if (skip_comment(lx))
                return lx->rc;
        } else if (c == '\n' ||
                   (c == '\r' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '\n')) {
            size_t n = c == '\n' ? 1 : 2;
            if (lx->nest > 0) {
                newline(lx, n);
                continue;
            }
            t->kind = TIER__TK_NL;
            t->line = lx->line;
            t->col = lx->col;
            t->p = lx->s + lx->pos;
            t->n = n;
            newline(lx, n);
            return TIER_OK;
        } else {
            break;
        }
    }
    t->line = lx->line;
    t->col = lx->col;
    t->p = lx->s + lx->pos;
    {
        char c = lx->s[lx->pos];
        if (is_alpha(c))
            return lex_name(lx, t);
        if (is_digit(c) || (c == '.' && lx->pos + 1 < lx->len && is_digit(lx->s[lx->pos + 1])))
            return lex_number(lx, t);
        if (c == '"')
            return lex_string(lx, t);
        return lex_punct(lx, t);
    }
}

const char *tier__tok_describe(const tier__tok *t, char *dst, size_t cap)
{
    char q[192];
    switch (t->kind) {
    case TIER__TK_EOF:
        snprintf(dst, cap, "end of file");
        break;
    case TIER__TK_NL:
        snprintf(dst, cap, "end of line");
        break;
    case TIER__TK_NAME:
        snprintf(dst, cap, "%s", tier__quote_text(q, sizeof q, t->p, t->n));
        break;
    case TIER__TK_NUMBER:
        snprintf(dst, cap, "the number %.*s", (int)(t->n > 40 ? 40 : t->n), t->p);
        break;
    case TIER__TK_STRING:
        snprintf(dst, cap, "the string %s", tier__quote_text(q, sizeof q, t->p + 1, t->n - 2));
        break;
    default:
        snprintf(dst, cap, "'%s'", t->op);
        break;
    }
    return dst;
}

int tier__tok_is(const tier__tok *t, const char *word)
{
    return t->kind == TIER__TK_NAME && strlen(word) == t->n && memcmp(t->p, word, t->n) == 0;
}

int tier__tok_op(const tier__tok *t, const char *op)
{
    return t->kind == TIER__TK_PUNCT && strcmp(t->op, op) == 0;
}
