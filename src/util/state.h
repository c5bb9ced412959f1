/* SPDX-License-Identifier: MIT */
/* The model state text format (docs/model-state-format.md): the one writer and the one reader
 * every model's save and load go through. The public tier_state_* calls of tier/model.h act on
 * these structs; the model object (src/core/model.c) opens and closes them. */
#ifndef TIER_UTIL_STATE_H
#define TIER_UTIL_STATE_H

#include "util/buf.h"
#include "util/internal.h"

/* Format version written by this library and the newest it reads. */
#define TIER__STATE_VERSION 1
/* First key of every state text. */
#define TIER__STATE_MAGIC "tier-model-state"
/* Longest record key in bytes. */
#define TIER__STATE_KEY_MAX 64

struct tier_state_writer {
    tier_allocator alloc;
    tier__buf buf; /* the text (on `alloc`) */
    int status;    /* first failure, latched */
    int in_record; /* a key was written on the current line */
};

typedef struct tier__state_value {
    int type;      /* TIER_OPTION_NUMBER or TIER_OPTION_TEXT */
    double number; /* for numbers */
    size_t text;   /* for texts: offset into the reader's scratch */
} tier__state_value;

struct tier_state_reader {
    tier_allocator alloc;
    const char *data;
    size_t len, pos;
    size_t line;      /* line of the current record (0 before the first) */
    size_t next_line; /* line number of the text at `pos` */
    int status;       /* first failure, latched */
    int at_end;       /* the "end" record was read */
    char key[TIER__STATE_KEY_MAX + 1];
    tier__state_value *values;
    size_t n_values, cap_values;
    char *scratch; /* decoded texts, NUL-separated */
    size_t scratch_len, scratch_cap;
    char err[TIER__ERR_SIZE];
};

/* Starts an empty writer on `alloc`. */
void tier__state_writer_init(tier_state_writer *w, const tier_allocator *alloc);
/* Releases the writer's memory. */
void tier__state_writer_free(tier_state_writer *w);
/* Writes the header records (magic and version, kind, name). */
int tier__state_write_header(tier_state_writer *w, const char *kind, const char *name);
/* The same with another first key, `magic` (a fit summary's "tier-fit-summary"), followed by the
 * version and a placeholder for the check sum of every byte after the first line, which
 * tier__state_writer_seal() fills in once the text is finished. */
int tier__state_write_header_sealed(tier_state_writer *w, const char *magic, const char *kind,
                                    const char *name);
/* After tier__state_writer_finish() of a text begun by tier__state_write_header_sealed(): writes
 * the CRC-32C of the bytes after the first line into its placeholder. */
void tier__state_writer_seal(tier_state_writer *w);
/* Ends the last record and writes the "end" record; returns the latched status. On success the
 * text is in w->buf. */
int tier__state_writer_finish(tier_state_writer *w);

/* Opens a reader on data[0..len) (borrowed for the reader's life) and reads the header. `kind`
 * is the kind the text must name. TIER_OK, TIER_ECORRUPT, TIER_EVERSION or TIER_ENOMEM with
 * r->err set; the reader must be closed either way. */
int tier__state_reader_open(tier_state_reader *r, const tier_allocator *alloc, const char *data,
                            size_t len, const char *kind);
/* Opens a reader on a text written with tier__state_write_header_sealed(`magic`): as
 * tier__state_reader_open(), and the check sum on the first line must match the bytes after it
 * (TIER_ECORRUPT: damaged or cut off). `what` names the document in messages ("fit summary"). */
int tier__state_reader_open_sealed(tier_state_reader *r, const tier_allocator *alloc,
                                   const char *data, size_t len, const char *magic,
                                   const char *what, const char *kind);
/* After a successful load: checks that every record was read, up to and including "end".
 * TIER_OK or TIER_ECORRUPT with r->err set. */
int tier__state_reader_check_end(tier_state_reader *r);
/* Releases the reader's memory. */
void tier__state_reader_close(tier_state_reader *r);

/* Strict parse of s[0..n) as a whole number: C syntax in any locale, "nan", "inf", "-inf".
 * 1 and *out set, or 0. */
int tier__state_parse_number(const char *s, size_t n, double *out);

/* Writes the state format's text of `v` (tier__num_format with short exponents: the shortest
 * text that reads back exactly, '.', "nan", "inf", "-inf") to buf (TIER__NUM_SIZE bytes);
 * returns its length. The canonical text of number options too. */
size_t tier__state_format_number(char *buf, double v);

#endif
