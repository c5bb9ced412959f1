/* SPDX-License-Identifier: MIT */
/* The CSV reader object: its settings (dialect, columns, date format, limits, progress, I/O
 * layer) and last error. Loading a transaction log is in csv_read.c, attribute files in
 * csv_attributes.c; both lex with util/csv_lex.h. Accept/reject rules are in docs/csv.md. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/io_internal.h"
#include "io/csv_impl.h"
#include "util/errtext.h"

#define CSV_BLOCK_DEFAULT ((size_t)4 << 20)
#define CSV_LIMIT_FIELDS_DEFAULT 1024
#define CSV_LIMIT_FIELDS_MAX ((uint64_t)1 << 20)
#define CSV_LIMIT_LENGTH_DEFAULT 65536
#define CSV_LIMIT_LENGTH_MAX ((uint64_t)1 << 30)
#define CSV_LIMIT_ROWS_DEFAULT ((uint64_t)1 << 40)

const char *const tier__csv_role_label[ROLE_COUNT] = {"", "customer id", "date", "amount",
                                                      "margin"};

/* ---------------------------------------------------------------------------------------------
 * Reader object */

int tier_csv_new(tier_csv **out, const tier_allocator *alloc)
{
    tier_csv *csv;
    int rc = TIER__HANDLE_CREATE(out, tier_csv, alloc);
    if (rc)
        return rc;
    csv = *out;
    csv->io = *tier_io_default();
    csv->delimiter = ',';
    csv->has_header = 1;
    csv->date_format = TIER_DATE_AUTO;
    csv->max_fields = CSV_LIMIT_FIELDS_DEFAULT;
    csv->max_length = CSV_LIMIT_LENGTH_DEFAULT;
    csv->max_rows = CSV_LIMIT_ROWS_DEFAULT;
    csv->block_size = CSV_BLOCK_DEFAULT;
    return TIER_OK;
}

void tier_csv_free(tier_csv *csv)
{
    int r;
    if (!csv)
        return;
    for (r = 0; r < ROLE_COUNT; r++)
        tier__free(&csv->alloc, csv->role_name[r]);
    tier__free(&csv->alloc, csv->names);
    tier__free(&csv->alloc, csv);
}

const char *tier_csv_last_error(const tier_csv *csv)
{
    return csv ? csv->err : "";
}

uint64_t tier_csv_error_line(const tier_csv *csv)
{
    return csv ? csv->err_line : 0;
}

uint64_t tier_csv_error_column(const tier_csv *csv)
{
    return csv ? csv->err_column : 0;
}

uint64_t tier_csv_rows_read(const tier_csv *csv)
{
    return csv ? csv->rows_read : 0;
}

static void set_error(tier_csv *csv, uint64_t line, uint64_t column, const char *text)
{
    tier__errorf(csv->err, "%s", text);
    csv->err_line = line;
    csv->err_column = column;
}

static void clear_error(tier_csv *csv)
{
    set_error(csv, 0, 0, "");
}

int tier_csv_set_delimiter(tier_csv *csv, int delimiter)
{
    if (!csv)
        return TIER_EINVAL;
    if (delimiter != TIER_CSV_WHITESPACE &&
        (delimiter <= 0 || delimiter > 255 || delimiter == '"' || delimiter == '\r' ||
         delimiter == '\n')) {
        tier__errorf(csv->err, "bad delimiter %d: use a byte other than '\"', CR, LF and NUL",
                     delimiter);
        return TIER_EINVAL;
    }
    csv->delimiter = delimiter;
    clear_error(csv);
    return TIER_OK;
}

int tier_csv_set_header(tier_csv *csv, int has_header)
{
    if (!csv)
        return TIER_EINVAL;
    csv->has_header = has_header != 0;
    clear_error(csv);
    return TIER_OK;
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* Trims spaces and tabs around s[0..*len). */
const char *tier__csv_trim(const char *s, size_t *len)
{
    size_t n = *len;
    while (n && is_blank((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && is_blank((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

int tier_csv_set_column_names(tier_csv *csv, const char *names)
{
    char *copy;
    size_t count = 0, size = 0, total;
    const char *s;
    if (!csv)
        return TIER_EINVAL;
    if (!names) {
        tier__free(&csv->alloc, csv->names);
        csv->names = NULL;
        csv->names_size = csv->names_count = 0;
        clear_error(csv);
        return TIER_OK;
    }
    total = strlen(names);
    copy = tier__malloc(&csv->alloc, total + 1);
    if (!copy) {
        tier__errorf(csv->err, "out of memory");
        return TIER_ENOMEM;
    }
    /* Split at commas into trimmed, NUL-separated names, rejecting empty and repeated ones. */
    s = names;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        const char *name = tier__csv_trim(s, &len);
        const char *prev = copy;
        size_t k;
        if (len == 0) {
            tier__errorf(csv->err, "column name %zu is empty", count + 1);
            tier__free(&csv->alloc, copy);
            return TIER_EINVAL;
        }
        for (k = 0; k < count; k++) {
            size_t plen = strlen(prev);
            if (plen == len && memcmp(prev, name, len) == 0) {
                tier__errorf(csv->err, "column name \"%.*s\" given twice",
                             (int)(len > 64 ? 64 : len), name);
                tier__free(&csv->alloc, copy);
                return TIER_EINVAL;
            }
            prev += plen + 1;
        }
        memcpy(copy + size, name, len);
        copy[size + len] = '\0';
        size += len + 1;
        count++;
        if (!comma)
            break;
        s = comma + 1;
    }
    tier__free(&csv->alloc, csv->names);
    csv->names = copy;
    csv->names_size = size;
    csv->names_count = count;
    clear_error(csv);
    return TIER_OK;
}

int tier_csv_set_column(tier_csv *csv, int role, const char *name)
{
    char *copy = NULL;
    if (!csv)
        return TIER_EINVAL;
    if (role < ROLE_ID || role > ROLE_MARGIN) {
        tier__errorf(csv->err, "unknown column role %d", role);
        return TIER_EINVAL;
    }
    if (name) {
        size_t len = strlen(name);
        const char *t = tier__csv_trim(name, &len);
        if (len == 0) {
            tier__errorf(csv->err, "empty column name for the %s", tier__csv_role_label[role]);
            return TIER_EINVAL;
        }
        copy = tier__strndup(&csv->alloc, t, len);
        if (!copy) {
            tier__errorf(csv->err, "out of memory");
            return TIER_ENOMEM;
        }
    } else if (role != ROLE_MARGIN) {
        tier__errorf(csv->err, "the %s column is required", tier__csv_role_label[role]);
        return TIER_EINVAL;
    }
    tier__free(&csv->alloc, csv->role_name[role]);
    csv->role_name[role] = copy;
    clear_error(csv);
    return TIER_OK;
}

int tier_csv_set_date_format(tier_csv *csv, int format)
{
    if (!csv)
        return TIER_EINVAL;
    if (format != TIER_DATE_ISO && format != TIER_DATE_YYYYMMDD && format != TIER_DATE_AUTO) {
        tier__errorf(csv->err, "unknown date format %d", format);
        return TIER_EINVAL;
    }
    csv->date_format = format;
    clear_error(csv);
    return TIER_OK;
}

int tier_csv_set_limit(tier_csv *csv, int limit, uint64_t value)
{
    uint64_t max;
    if (!csv)
        return TIER_EINVAL;
    switch (limit) {
    case TIER_CSV_LIMIT_FIELDS:
        max = CSV_LIMIT_FIELDS_MAX;
        break;
    case TIER_CSV_LIMIT_FIELD_LENGTH:
        max = CSV_LIMIT_LENGTH_MAX;
        break;
    case TIER_CSV_LIMIT_ROWS:
        max = UINT64_MAX;
        break;
    default:
        tier__errorf(csv->err, "unknown limit %d", limit);
        return TIER_EINVAL;
    }
    if (value < 1 || value > max) {
        tier__errorf(csv->err, "limit %d must be 1..%llu", limit, (unsigned long long)max);
        return TIER_ERANGE;
    }
    if (limit == TIER_CSV_LIMIT_FIELDS)
        csv->max_fields = value;
    else if (limit == TIER_CSV_LIMIT_FIELD_LENGTH)
        csv->max_length = value;
    else
        csv->max_rows = value;
    clear_error(csv);
    return TIER_OK;
}

int tier_csv_set_progress(tier_csv *csv, tier_progress_cb cb, void *ud)
{
    if (!csv)
        return TIER_EINVAL;
    clear_error(csv);
    csv->progress = cb;
    csv->progress_ud = cb ? ud : NULL;
    return TIER_OK;
}

int tier_csv_set_io(tier_csv *csv, const tier_io *io)
{
    if (!csv)
        return TIER_EINVAL;
    clear_error(csv);
    return tier__io_set(&csv->io, io, TIER__IO_NEEDS_READ, csv->err);
}

int tier__csv_set_block_size(tier_csv *csv, size_t size)
{
    if (!csv || size < 1)
        return TIER_EINVAL;
    csv->block_size = size;
    return TIER_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Shared with the loaders (csv_read.c, csv_attributes.c) */

const char *tier__csv_role_name(const tier_csv *csv, int role)
{
    static const char *const default_name[ROLE_COUNT] = {NULL, "customer_id", "date", "amount",
                                                         NULL};
    return csv->role_name[role] ? csv->role_name[role] : default_name[role];
}

void tier__csv_error_text(char *dst, uint64_t line, uint64_t col, const char *name,
                          const char *reason)
{
    /* A column name that is not UTF-8 is left out: the message itself must be UTF-8. */
    if (name && !tier__utf8_valid(name, strlen(name)))
        name = NULL;
    if (line && col && name)
        tier__errorf(dst, "line %llu, column %llu (%s): %s", (unsigned long long)line,
                     (unsigned long long)col, name, reason);
    else if (line && col)
        tier__errorf(dst, "line %llu, column %llu: %s", (unsigned long long)line,
                     (unsigned long long)col, reason);
    else if (line)
        tier__errorf(dst, "line %llu: %s", (unsigned long long)line, reason);
    else
        tier__errorf(dst, "%s", reason);
}

int tier__csv_file_open(tier__csv_file *f, const tier_io *io, const char *path, char *why)
{
    char etext[TIER__ERRTEXT_SIZE];
    int rc, retries = 0;
    memset(f, 0, sizeof *f);
    f->io = io;
    do
        rc = io->open(io->ud, path, TIER_IO_READ, &f->file);
    while (rc == -EINTR && retries++ < CSV_EINTR_RETRIES);
    if (rc < 0) {
        f->file = NULL;
        tier__errorf(why, "cannot open %s: %s (errno %d)", path, tier__errtext_lower(etext, rc),
                     -rc);
        return TIER_EIO;
    }
    if (io->size) {
        int64_t size = io->size(io->ud, f->file);
        f->size = size > 0 ? (uint64_t)size : 0;
    }
    return TIER_OK;
}

int tier__csv_file_fill(tier__csv_file *f, char *buf, size_t cap, size_t *len, char *why)
{
    const tier_io *io = f->io;
    char etext[TIER__ERRTEXT_SIZE];
    int retries = 0;
    while (!f->eof && *len < cap) {
        int64_t n = io->read(io->ud, f->file, buf + *len, cap - *len);
        if (n == -EINTR && retries++ < CSV_EINTR_RETRIES)
            continue;
        if (n < 0) {
            tier__errorf(why, "read error after %llu bytes: %s (errno %lld)",
                         (unsigned long long)f->done,
                         tier__errtext_lower(etext, n < INT_MIN ? INT_MIN : (int)n), (long long)-n);
            return TIER_EIO;
        }
        if ((uint64_t)n > cap - *len) {
            tier__errorf(why, "the read hook returned more bytes than asked for");
            return TIER_EIO;
        }
        f->eof = n == 0;
        *len += (size_t)n;
        f->done += (uint64_t)n;
        retries = 0;
    }
    return TIER_OK;
}

void tier__csv_file_close(tier__csv_file *f)
{
    if (f->file)
        (void)f->io->close(f->io->ud, f->file);
    f->file = NULL;
}

int tier__csv_check_args(tier_csv *csv, tier_book *book, const void *src)
{
    if (!csv)
        return TIER_EINVAL;
    if (!book || !src) {
        set_error(csv, 0, 0, !book ? "no book given" : "no input given");
        return TIER_EINVAL;
    }
    return TIER_OK;
}

int tier__csv_list_add(char *dst, size_t cap, size_t *used, const char *name)
{
    size_t o = *used;
    int k;
    if (o == 0)
        dst[0] = '\0';
    if (o + 8 >= cap)
        return 0;
    k = snprintf(dst + o, cap - o, "%s\"%s\"", o ? ", " : "", name);
    if (k < 0 || (size_t)k >= cap - o) {
        snprintf(dst + o, cap - o, ", ...");
        *used = cap;
        return 0;
    }
    *used = o + (size_t)k;
    return 1;
}

void tier__csv_dialect_get(const tier_csv *csv, tier__csv_dialect *out)
{
    out->alloc = &csv->alloc;
    out->io = &csv->io;
    out->delimiter = csv->delimiter;
    out->has_header = csv->has_header;
    out->names = csv->names;
    out->names_count = csv->names_count;
    out->id_column = tier__csv_role_name(csv, ROLE_ID);
    out->max_fields = csv->max_fields;
    out->max_length = csv->max_length;
    out->max_rows = csv->max_rows;
    out->progress = csv->progress;
    out->progress_ud = csv->progress_ud;
}

void tier__csv_set_outcome(tier_csv *csv, int status, uint64_t rows, uint64_t line, uint64_t column,
                           const char *text)
{
    set_error(csv, line, column, text ? text : "");
    if (status == TIER_OK)
        csv->rows_read = rows;
}
