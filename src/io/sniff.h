/* SPDX-License-Identifier: MIT */
/* What a reader can tell from the first line of a CSV file: the delimiter, the header names, and
 * which column plays each role when the caller names none (the usual synonyms: dollar_value,
 * revenue, order_date, ...). Used by the pipeline for transaction logs and account attribute
 * files. Internal; never installed. */
#ifndef TIER_IO_SNIFF_H
#define TIER_IO_SNIFF_H

#include <stddef.h>

#include "util/internal.h"

/* How much of a file is read to find its first line. */
#define TIER__SNIFF_BYTES 65536
/* Most header names kept. */
#define TIER__SNIFF_MAX_NAMES 256

/* Roles a column is picked for by its usual names. */
enum {
    TIER__SNIFF_ID = 1,    /* customer_id, customer, customerid, id, account_id */
    TIER__SNIFF_DATE,      /* date, order_date, invoice_date, day */
    TIER__SNIFF_AMOUNT,    /* amount, dollar_value, revenue, value, total, sales */
    TIER__SNIFF_ACCOUNT_ID /* account_id, customer_id, customer, id (attribute files) */
};

/* Header names split out of one line. */
typedef struct tier__names {
    const tier_allocator *alloc; /* borrowed */
    char *text;                  /* the names, NUL-separated */
    const char **v;              /* v[i] points into text */
    size_t n;
} tier__names;

/* Reads the start of an open file through `io` into buf (at most `cap` bytes): until the first
 * line that is not blank has its line end, the end of the file or `cap` bytes; *len gets the count
 * (also on failure: the bytes read before it), asking for at most 4 KiB at a time. The file is
 * read once: the caller hands these bytes
 * to the reader before the rest (a pipe cannot be read again). Returns 0, or the negative errno of
 * a failed read (-EINTR is retried). */
int tier__sniff_read(const tier_io *io, void *file, char *buf, size_t cap, size_t *len);

/* The first line of head[0..len): after a UTF-8 byte-order mark and any lines that are empty or
 * hold only spaces and tabs (the reader skips them too), up to the first LF, CR or NUL. Returns
 * its length; *line points to it. */
size_t tier__sniff_first_line(const char *head, size_t len, const char **line);

/* The delimiter of a first line: tab, ',', ';' or '|', the first of them present in that order,
 * else TIER_CSV_WHITESPACE. */
int tier__sniff_delimiter(const char *line, size_t len);

/* Splits line[0..len) into fields as the CSV reader does with delimiter `delim` (a byte, or
 * TIER_CSV_WHITESPACE for runs of blanks): blanks around a field dropped, quotes removed, "" read
 * as '"'. At most TIER__SNIFF_MAX_NAMES; nothing after a last delimiter is no name; a line the
 * reader would reject, a blank line or a delimiter it refuses give none. Returns TIER_OK or
 * TIER_ENOMEM. Free with tier__names_free() either way. */
int tier__sniff_names(tier__names *out, const tier_allocator *a, const char *line, size_t len,
                      int delim);
void tier__names_free(tier__names *names);

/* Joins names with ',' for tier_csv_set_column_names() into a new string (caller frees with
 * tier__free); NULL when there are none, one is empty or holds ',' or '"', or out of memory. */
char *tier__names_join(const tier__names *names);

/* The column for `role`: `given` when not NULL, else the first usual name of the role present in
 * `names` (may be NULL), else the role's first usual name. Static or borrowed. */
const char *tier__sniff_column(int role, const char *given, const tier__names *names);

#endif
