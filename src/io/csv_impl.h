/* SPDX-License-Identifier: MIT */
/* The transaction reader's object, shared by its files only: csv.c (the object and its settings)
 * and csv_read.c (loading). */
#ifndef TIER_CSV_IMPL_H
#define TIER_CSV_IMPL_H

#include "io/csv_internal.h"

/* Bytes of a field quoted in an error message. */
#define CSV_QUOTE_MAX TIER__QUOTE_MAX
/* Consecutive EINTR results tolerated from a custom read hook. */
#define CSV_EINTR_RETRIES 100

#define ROLE_ID TIER_CSV_ID
#define ROLE_DATE TIER_CSV_DATE
#define ROLE_AMOUNT TIER_CSV_AMOUNT
#define ROLE_MARGIN TIER_CSV_MARGIN
#define ROLE_COUNT 5 /* roles are 1..4; slot 0 means "no role" */

struct tier_csv {
    tier_allocator alloc;
    tier_io io;
    int delimiter;
    int has_header;
    int date_format;
    char *role_name[ROLE_COUNT]; /* NULL: the default name (or no margin column) */
    char *names;                 /* column names for the file, NUL-separated, or NULL */
    size_t names_size;           /* bytes in `names` */
    size_t names_count;
    uint64_t max_fields;
    uint64_t max_length;
    uint64_t max_rows;
    tier_progress_cb progress;
    void *progress_ud;
    size_t block_size;
    uint64_t err_line;
    uint64_t err_column;
    uint64_t rows_read;
    char err[TIER__ERR_SIZE];
};

/* What each role is called in messages ("customer id", "date", "amount", "margin"). */
extern const char *const tier__csv_role_label[ROLE_COUNT];
/* The column name chosen for a role, or its default; NULL for a margin that is not set. */
const char *tier__csv_role_name(const tier_csv *csv, int role);
/* Trims spaces and tabs around s[0..*len). */
const char *tier__csv_trim(const char *s, size_t *len);

#endif
