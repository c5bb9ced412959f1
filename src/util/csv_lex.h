/* SPDX-License-Identifier: MIT */
/* tier__csv_lex: the library's one CSV field lexer (RFC 4180 with the reader's dialect). It splits
 * text into records of fields and reports malformed text with a line, a column and a reason; it
 * knows nothing of headers, column roles or values. Used by the transaction reader
 * (io/csv.c), the attribute reader (io/csv_attributes.c) and the header/delimiter sniffing of
 * src/io/. Internal; never installed.
 *
 * What it accepts (docs/csv.md, "Input rules"):
 * - A UTF-8 byte-order mark (EF BB BF) at the very start of the input is skipped.
 * - Records end with LF or CRLF; the last one may lack its line end. A CR that is not followed by
 *   LF, outside quotes, is an error. Empty lines and lines of only spaces and tabs are skipped
 *   (TIER__CSV_BLANK) but counted.
 * - The delimiter is any one byte other than '"', CR, LF and NUL, or TIER_CSV_WHITESPACE: runs of
 *   spaces and tabs separate fields, and blanks at the start and end of a line are ignored.
 * - With a one-byte delimiter, spaces and tabs around a field are not part of it (except a tab
 *   that is the delimiter); blanks inside are kept.
 * - A field that starts with '"' (after blanks) is quoted: it runs to the next lone '"'; "" inside
 *   stands for one '"'; delimiters, CR and LF inside are data and line breaks count as lines. Only
 *   blanks may follow the closing quote before the delimiter or line end. A '"' inside an
 *   unquoted field is an error; so is a NUL byte anywhere.
 * - Limits: at most max_fields fields per record; at most max_length bytes per field counted as
 *   in the input (quotes and surrounding blanks included) and per run of blanks in whitespace
 *   mode. They bound what a hostile input can make a caller buffer: a record is never longer than
 *   about max_fields * max_length bytes.
 *
 * Streaming. tier__csv_lex_next() reads one record from the start of the bytes it is given. Block
 * readers give it the unread part of their buffer: when the record is cut by the end of the block
 * it returns TIER__CSV_MORE without consuming anything, and the caller presents the same bytes
 * again, followed by more, once it has read the next block (the record is then lexed again from
 * its start; line numbers and the byte-order-mark check carry over in the lexer). At the end of
 * the input the caller says eof = 1, and a cut record becomes a record or an error. Results do not
 * depend on where blocks end (tests/test_csv.c runs every case at block sizes 1..64).
 *
 * Fields point into the caller's bytes (no copies): a field's p/len is its value without the
 * quotes and surrounding blanks, with "" pairs still doubled when dq is set (tier__csv_unescape
 * makes the plain value). They are valid until the next call and while those bytes stay where
 * they are.
 *
 *     tier__csv_lex lx;
 *     size_t pos = 0, used;
 *     int rc;
 *     tier__csv_lex_init(&lx, &alloc, ',', 1024, 65536);
 *     while ((rc = tier__csv_lex_next(&lx, data + pos, len - pos, 1, &used)) > 0 &&
 *            rc != TIER__CSV_END) {
 *         pos += used;
 *         if (rc == TIER__CSV_RECORD)
 *             use(lx.field, lx.nfields, lx.line);
 *     }
 *     if (rc < 0)
 *         report(rc, lx.err_line, lx.err_col, lx.err);
 *     tier__csv_lex_free(&lx);
 */
#ifndef TIER_UTIL_CSV_LEX_H
#define TIER_UTIL_CSV_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "util/internal.h"

/* Results of tier__csv_lex_next() (errors are negative tier_status values). */
#define TIER__CSV_RECORD 1 /* a record: lx->field[0..nfields), starting on line lx->line */
#define TIER__CSV_BLANK 2  /* an empty or blank line was consumed */
#define TIER__CSV_MORE 3   /* the record is cut by the end of the bytes (and eof was 0) */
#define TIER__CSV_END 4    /* no bytes left and eof: the input is done */

typedef struct tier__csv_field {
    const char *p;        /* value start, inside the caller's bytes */
    size_t len;           /* value length (quotes and surrounding blanks excluded) */
    uint64_t line;        /* line on which the field starts */
    unsigned char quoted; /* 1 when the field was quoted */
    unsigned char dq;     /* 1 when the value holds "" pairs (quoted fields only) */
} tier__csv_field;

typedef struct tier__csv_lex {
    /* Dialect and limits, from tier__csv_lex_init(). */
    const tier_allocator *alloc; /* borrowed; grows `field` */
    int ws;                      /* whitespace-delimited */
    unsigned char delim;         /* the delimiter byte when !ws */
    uint64_t max_fields, max_length;
    /* The last record returned. */
    tier__csv_field *field;
    size_t nfields, cap;
    size_t fast_lim;   /* fields the fast path may store: min(cap, max_fields) */
    int dq_any;        /* 1 when a field of it has dq set */
    uint64_t line;     /* line on which it starts */
    uint64_t end_line; /* line on which it ends (later than `line` after quoted line breaks) */
    /* Position in the input. */
    uint64_t next_line; /* line on which the next record starts */
    int at_start;       /* nothing consumed yet: the byte-order mark is still to be checked */
    /* The last error: line and column (1-based; 0 = none) and the reason, without position. */
    uint64_t err_line, err_col;
    char err[160];
} tier__csv_lex;

/* Sets up a lexer at line 1 of a new input. `delimiter` is a byte (not '"', CR, LF or NUL; the
 * caller checks) or TIER_CSV_WHITESPACE; the limits are at least 1. Allocates nothing. */
void tier__csv_lex_init(tier__csv_lex *lx, const tier_allocator *alloc, int delimiter,
                        uint64_t max_fields, uint64_t max_length);
/* Releases the field array. */
void tier__csv_lex_free(tier__csv_lex *lx);

/* Lexes the record at data[0..len); `eof` says whether more input may follow these bytes.
 * Returns TIER__CSV_RECORD or TIER__CSV_BLANK with *used = the bytes consumed (line end
 * included); TIER__CSV_MORE or TIER__CSV_END with *used = 0; or an error with err, err_line and
 * err_col set: TIER_EPARSE (malformed text), TIER_ERANGE (a limit) or TIER_ENOMEM ("out of
 * memory", line and column 0). After an error the lexer must not be used again except to free. */
int tier__csv_lex_next(tier__csv_lex *lx, const char *data, size_t len, int eof, size_t *used);

/* Writes field f's value with each "" pair made one '"' to dst (f->len bytes suffice); returns
 * its length. Without dq it is a plain copy. */
size_t tier__csv_unescape(char *dst, const tier__csv_field *f);

/* 1 when p[0..len) is empty or only spaces and tabs: no customer id, quoted or not (an unquoted
 * field is trimmed; a quoted one is kept as it is, and "  " would be written back unquoted and
 * read as empty). */
int tier__csv_blank(const char *p, size_t len);

#endif
