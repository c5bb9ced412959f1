/* SPDX-License-Identifier: MIT */
/* The tokens of a policy file (docs/policy-format.md, "Lexical rules"), read one at a time. */
#ifndef TIER_POLICY_LEX_H
#define TIER_POLICY_LEX_H

#include "util/buf.h"
#include "util/internal.h"

enum {
    TIER__TK_EOF = 0,
    TIER__TK_NL,     /* the end of a statement's line */
    TIER__TK_NAME,   /* a name or keyword, or two names joined by a dot ("rfm.r_score") */
    TIER__TK_NUMBER, /* num; pct set when written with '%' (num is then already divided by 100) */
    TIER__TK_STRING, /* the decoded text is in the lexer's `str` buffer until the next token */
    TIER__TK_PUNCT   /* op: "(", ")", "[", "]", "{", "}", ",", "=", "==", "!=", "<", ... */
};

typedef struct tier__tok {
    int kind;
    int line, col;
    const char *p; /* the token as written, n bytes */
    size_t n;
    double num;
    int pct;
    char op[3];
} tier__tok;

typedef struct tier__lex {
    const char *s;
    size_t len, pos;
    int line, col;
    int nest;      /* open ( and [: newlines inside them are blanks */
    tier__buf str; /* the text of the last string token */
    tier__tok tok; /* the current token */
    const char *origin;
    char *err; /* TIER__ERR_SIZE bytes */
    int rc;    /* the first failure, latched */
} tier__lex;

/* Starts reading text[0..len) (a UTF-8 BOM at the start is skipped). */
void tier__lex_init(tier__lex *lx, const tier_allocator *a, const char *text, size_t len,
                    const char *origin, char *err);
void tier__lex_free(tier__lex *lx);
/* Reads the next token into lx->tok: TIER_OK, or the latched failure (with the message in err). */
int tier__lex_next(tier__lex *lx);
/* Records a failure at line:col ("ORIGIN:LINE:COL: message"); only the first one is kept.
 * Returns rc. */
int tier__lex_fail(tier__lex *lx, int rc, int line, int col, const char *fmt, ...)
    TIER__PRINTF(5, 6);
/* How a token is named in "got ..." ("end of line", "\"fifteen\"", "'('"), into dst (cap >= 128).
 */
const char *tier__tok_describe(const tier__tok *t, char *dst, size_t cap);
/* 1 when the token is the name or keyword `word` exactly. */
int tier__tok_is(const tier__tok *t, const char *word);
/* 1 when the token is the punctuation `op`. */
int tier__tok_op(const tier__tok *t, const char *op);
/* 1 when `s` is a keyword of the format (not usable as a name). */
int tier__pol_keyword(const char *s, size_t n);

#endif
