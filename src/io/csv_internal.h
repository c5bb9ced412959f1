/* SPDX-License-Identifier: MIT */
/* Test hook of the CSV reader: a small block size sends records across block boundaries. */
#ifndef TIER_CSV_INTERNAL_H
#define TIER_CSV_INTERNAL_H

#include "util/internal.h"

/* Sets the read block size in bytes (1 .. 64 MiB). Returns TIER_OK or TIER_ERANGE. */
int tier__csv_set_block_size(tier_csv *csv, size_t size);

/* The reader's dialect and limits, for loaders that parse on their own (csv_attributes.c).
 * Every pointer is borrowed from the reader and valid until it is changed or freed. */
typedef struct tier__csv_dialect {
    const tier_allocator *alloc;
    const tier_io *io;
    int delimiter; /* a byte, or TIER_CSV_WHITESPACE */
    int has_header;
    const char *names; /* names from tier_csv_set_column_names(), NUL-separated, or NULL */
    size_t names_count;
    const char *id_column; /* name of the TIER_CSV_ID column (the default when not set) */
    uint64_t max_fields;
    uint64_t max_length;
    uint64_t max_rows;
    tier_progress_cb progress;
    void *progress_ud;
} tier__csv_dialect;

void tier__csv_dialect_get(const tier_csv *csv, tier__csv_dialect *out);

/* Writes a load's error text to dst (TIER__ERR_SIZE bytes): "line L, column C (name): reason",
 * leaving out what is 0 or NULL. */
void tier__csv_error_text(char *dst, uint64_t line, uint64_t col, const char *name,
                          const char *reason);

/* A file read through a reader's I/O layer, with the messages both loaders give. */
typedef struct tier__csv_file {
    const tier_io *io;
    void *file;
    uint64_t size; /* from the size hook; 0 without one */
    uint64_t done; /* bytes read so far */
    int eof;       /* the read hook said end of file */
} tier__csv_file;
/* Opens `path`; TIER_EIO with "cannot open PATH: reason (errno N)" in why (TIER__ERR_SIZE bytes).
 */
int tier__csv_file_open(tier__csv_file *f, const tier_io *io, const char *path, char *why);
/* Reads into buf[*len..cap) until it is full or the file ends (f->eof), retrying -EINTR a while;
 * TIER_EIO with "read error after N bytes: reason (errno N)" or "the read hook returned more bytes
 * than asked for" in why. */
int tier__csv_file_fill(tier__csv_file *f, char *buf, size_t cap, size_t *len, char *why);
/* Closes the file (its result is ignored: nothing is lost when a file read from fails to close). */
void tier__csv_file_close(tier__csv_file *f);

/* Reads the whole file `path` through d->io into a new buffer from d->alloc (*out, NULL for an
 * empty file; *len bytes), calling d->progress after each read. TIER_OK, or TIER_EIO, TIER_ENOMEM,
 * TIER_ERANGE or TIER_EUSER (the progress callback stopped it) with the reason in why
 * (TIER__ERR_SIZE bytes). */
int tier__csv_read_whole(const tier__csv_dialect *d, const char *path, char **out, size_t *len,
                         char *why);

/* Checks a load's arguments: TIER_EINVAL without a reader, or (with the reason as the reader's
 * error) without a book or input; TIER_OK otherwise. */
int tier__csv_check_args(tier_csv *csv, tier_book *book, const void *src);

/* Builds the list of column names of an error message, "a", "b", "c", in dst (cap bytes): call
 * with *used = 0 first, then once per name in order. Returns 0 once dst is full (", ..." ends
 * the list then) and further names would be dropped. */
int tier__csv_list_add(char *dst, size_t cap, size_t *used, const char *name);

/* Records the outcome of such a load: on success (status 0) the rows read and no error; on
 * failure the text with its 1-based line and column (0 = none); rows read stay as they were. */
void tier__csv_set_outcome(tier_csv *csv, int status, uint64_t rows, uint64_t line, uint64_t column,
                           const char *text);

#endif
