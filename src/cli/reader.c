/* SPDX-License-Identifier: MIT */
/* Reader flags shared by the subcommands: delimiter and column sniffing, and book loading with a
 * progress line on a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define SNIFF_BYTES 65536
#define MAX_NAMES 256
#define PROGRESS_MIN_BYTES (16u << 20)

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("tier: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_format_day(char *buf, int32_t day)
{
    if (tier_date_format_iso(buf, 11, day) != TIER_OK)
        strcpy(buf, "?");
}

static const char *flag_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        cli_error("%s needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

int cli_reader_flag(cli_reader *r, int argc, char **argv, int *i)
{
    static const char *const names[] = {"--input", "--id", "--date", "--amount", "--margin",
                                        "--delimiter", "--date-format", "--columns"};
    const char **slots[8];
    const char *arg = argv[*i], *v;
    size_t k;
    slots[0] = &r->input;
    slots[1] = &r->id;
    slots[2] = &r->date;
    slots[3] = &r->amount;
    slots[4] = &r->margin;
    slots[5] = &r->delimiter;
    slots[6] = &r->date_format;
    slots[7] = &r->columns;
    for (k = 0; k < 8; k++) {
        if (strcmp(arg, names[k]) == 0) {
            if (!(v = flag_value(argc, argv, i)))
                return -1;
            *slots[k] = v;
            return 1;
        }
    }
    if (strcmp(arg, "--no-header") == 0) {
        r->no_header = 1;
        return 1;
    }
    if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
        r->quiet = 1;
        return 1;
    }
    if (strcmp(arg, "--as-of") == 0) {
        if (!(v = flag_value(argc, argv, i)))
            return -1;
        if (tier_date_parse(&r->as_of, v, strlen(v), TIER_DATE_AUTO) != TIER_OK) {
            cli_error("--as-of: \"%s\" is not a date (YYYY-MM-DD)", v);
            return -1;
        }
        r->has_as_of = 1;
        return 1;
    }
    return 0;
}

int cli_reader_check(const cli_reader *r)
{
    if (!r->input) {
        cli_error("--input FILE is required");
        return -1;
    }
    if (r->no_header && !r->columns) {
        cli_error("--no-header needs --columns a,b,c to name the columns");
        return -1;
    }
    if (r->date_format && strcmp(r->date_format, "auto") && strcmp(r->date_format, "iso") &&
        strcmp(r->date_format, "yyyymmdd")) {
        cli_error("--date-format must be iso, yyyymmdd or auto, not \"%s\"", r->date_format);
        return -1;
    }
    if (r->delimiter && strcmp(r->delimiter, "auto") && strcmp(r->delimiter, "ws") &&
        strcmp(r->delimiter, "tab") && strlen(r->delimiter) != 1) {
        cli_error("--delimiter must be one character, ws, tab or auto, not \"%s\"", r->delimiter);
        return -1;
    }
    return 0;
}

/* Reads the first line of the file (without a BOM) into buf. */
static int first_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n, i;
    if (!f)
        return -1;
    n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        memmove(buf, buf + 3, n - 2);
    for (i = 0; buf[i]; i++) {
        if (buf[i] == '\n' || buf[i] == '\r') {
            buf[i] = '\0';
            break;
        }
    }
    return 0;
}

static int sniff_delimiter(const char *line)
{
    if (strchr(line, '\t'))
        return '\t';
    if (strchr(line, ','))
        return ',';
    if (strchr(line, ';'))
        return ';';
    if (strchr(line, '|'))
        return '|';
    return TIER_CSV_WHITESPACE;
}

/* Splits a header line into trimmed names (quotes dropped); returns the count. */
static size_t split_names(char *line, int delim, char **names)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *start, *end;
        if (delim == TIER_CSV_WHITESPACE)
            while (*p == ' ' || *p == '\t')
                p++;
        if (!*p && (delim == TIER_CSV_WHITESPACE || n > 0))
            break;
        start = p;
        if (delim == TIER_CSV_WHITESPACE)
            while (*p && *p != ' ' && *p != '\t')
                p++;
        else
            while (*p && *p != (char)delim)
                p++;
        end = p;
        while (start < end && (*start == ' ' || *start == '\t' || *start == '"'))
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '"'))
            end--;
        if (n < MAX_NAMES)
            names[n++] = start;
        if (!*p) {
            *end = '\0';
            break;
        }
        *end = '\0';
        p++;
    }
    return n;
}

/* The column for a role: the flag, else the first of the candidates present, else the default. */
static const char *pick_column(const char *flag, const char *const *candidates, char **names,
                               size_t n)
{
    size_t c, k;
    if (flag)
        return flag;
    for (c = 0; candidates[c]; c++)
        for (k = 0; k < n; k++)
            if (strcmp(names[k], candidates[c]) == 0)
                return candidates[c];
    return candidates[0];
}

typedef struct progress {
    int shown;
} progress;

static int show_progress(void *ud, uint64_t done, uint64_t total)
{
    progress *p = ud;
    if (total) {
        fprintf(stderr, "\rtier: reading %3u%% (%llu of %llu MB)", (unsigned)(done * 100 / total),
                (unsigned long long)(done >> 20), (unsigned long long)(total >> 20));
        p->shown = 1;
    }
    return 0;
}

/* The reader's settings for one part of the input. */
typedef struct reader_setup {
    int delim;
    int header;            /* the part starts with the header line */
    const char *names;     /* column names to give the reader, or NULL */
    const char *id, *date, *amount;
} reader_setup;

static int configure(const cli_reader *r, const reader_setup *s, tier_csv *csv, tier_book *book,
                     int keep_txns)
{
    int rc = tier_book_set_option(book, TIER_BOOK_OPT_KEEP_TRANSACTIONS, keep_txns);
    if (!rc && r->has_as_of)
        rc = tier_book_set_option(book, TIER_BOOK_OPT_IGNORE_FROM_DAY, r->as_of);
    if (!rc)
        rc = tier_csv_set_delimiter(csv, s->delim);
    if (!rc)
        rc = tier_csv_set_header(csv, s->header);
    if (!rc && s->names)
        rc = tier_csv_set_column_names(csv, s->names);
    if (!rc)
        rc = tier_csv_set_column(csv, TIER_CSV_ID, s->id);
    if (!rc)
        rc = tier_csv_set_column(csv, TIER_CSV_DATE, s->date);
    if (!rc)
        rc = tier_csv_set_column(csv, TIER_CSV_AMOUNT, s->amount);
    if (!rc && r->margin)
        rc = tier_csv_set_column(csv, TIER_CSV_MARGIN, r->margin);
    if (!rc && r->date_format)
        rc = tier_csv_set_date_format(csv, strcmp(r->date_format, "iso") == 0 ? TIER_DATE_ISO
                                           : strcmp(r->date_format, "yyyymmdd") == 0 ? TIER_DATE_YYYYMMDD
                                           : TIER_DATE_AUTO);
    return rc;
}

/* ---- parallel loading -------------------------------------------------------------------
 * A large file is read as two halves, split after a line end, into two books on two threads, and
 * the second book is merged into the first: tier_book_merge gives exactly the book of one load.
 * If either half fails (a real error, or a split inside a quoted field, which makes the first half
 * end in an open quote), the file is read again in one piece so that the error is reported
 * exactly as a single read reports it. */

#define PARALLEL_MIN_BYTES (32u << 20)

typedef struct byte_range {
    uint64_t begin, end;
} byte_range;

typedef struct range_file {
    int fd;
    uint64_t pos, end;
} range_file;

static int range_open(void *ud, const char *path, int mode, void **out)
{
    const byte_range *br = ud;
    range_file *f;
    if (mode != TIER_IO_READ)
        return -EINVAL;
    f = malloc(sizeof *f);
    if (!f)
        return -ENOMEM;
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        int e = errno;
        free(f);
        return -e;
    }
    f->pos = br->begin;
    f->end = br->end;
    *out = f;
    return 0;
}

static int64_t range_read(void *ud, void *file, void *buf, size_t size)
{
    range_file *f = file;
    ssize_t n;
    (void)ud;
    if (size > f->end - f->pos)
        size = (size_t)(f->end - f->pos);
    if (!size)
        return 0;
    do
        n = pread(f->fd, buf, size, (off_t)f->pos);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    f->pos += (uint64_t)n;
    return n;
}

static int range_close(void *ud, void *file)
{
    range_file *f = file;
    int rc = close(f->fd);
    (void)ud;
    free(f);
    return rc ? -errno : 0;
}

static int64_t range_size(void *ud, void *file)
{
    const byte_range *br = ud;
    (void)file;
    return (int64_t)(br->end - br->begin);
}

typedef struct part {
    const cli_reader *r;
    reader_setup setup;
    byte_range range;
    int keep_txns;
    tier_book *book;
    uint64_t rows;
    int rc;
    int progress;
} part;

static void *load_part(void *arg)
{
    part *p = arg;
    tier_csv *csv = NULL;
    tier_io io = *tier_io_default();
    progress prog = {0};
    io.open = range_open;
    io.read = range_read;
    io.close = range_close;
    io.size = range_size;
    io.ud = &p->range;
    p->rc = tier_csv_new(&csv, NULL);
    if (!p->rc)
        p->rc = tier_book_new(&p->book, NULL);
    if (!p->rc)
        p->rc = configure(p->r, &p->setup, csv, p->book, p->keep_txns);
    if (!p->rc)
        p->rc = tier_csv_set_io(csv, &io);
    if (!p->rc && p->progress)
        tier_csv_set_progress(csv, show_progress, &prog);
    if (!p->rc)
        p->rc = tier_csv_read_file(csv, p->book, p->r->input);
    if (prog.shown)
        fputs("\r\033[K", stderr);
    if (!p->rc)
        p->rows = tier_csv_rows_read(csv);
    tier_csv_free(csv);
    return NULL;
}

/* Where the second half starts: just after the first line end past the middle; 0 if none. */
static uint64_t split_point(const char *path, uint64_t size)
{
    char buf[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    char *nl;
    if (fd < 0)
        return 0;
    n = pread(fd, buf, sizeof buf, (off_t)(size / 2));
    close(fd);
    if (n <= 0 || !(nl = memchr(buf, '\n', (size_t)n)))
        return 0;
    return size / 2 + (uint64_t)(nl - buf) + 1;
}

/* Names as the reader's comma-separated list, when they can be written as one. */
static int join_names(char **names, size_t n, char *out, size_t size)
{
    size_t k, len = 0;
    out[0] = '\0';
    for (k = 0; k < n; k++) {
        size_t l = strlen(names[k]);
        if (!l || strpbrk(names[k], ",\"") || len + l + 2 > size)
            return -1;
        if (k)
            out[len++] = ',';
        memcpy(out + len, names[k], l + 1);
        len += l;
    }
    return n ? 0 : -1;
}

static int load_parallel(const cli_reader *r, const reader_setup *s, char **names, size_t n,
                         int keep_txns, tier_book **out, uint64_t *rows)
{
    static char joined[SNIFF_BYTES];
    struct stat st;
    part parts[2];
    pthread_t thread;
    uint64_t split;
    int k, ok;
    const char *knob = getenv("TIER_SPLIT_MIN_BYTES"); /* for tests: split small files too */
    uint64_t min_bytes = knob ? (uint64_t)strtoull(knob, NULL, 10) : PARALLEL_MIN_BYTES;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || stat(r->input, &st) != 0 ||
        (uint64_t)st.st_size < min_bytes || join_names(names, n, joined, sizeof joined))
        return -1;
    split = split_point(r->input, (uint64_t)st.st_size);
    if (!split || split >= (uint64_t)st.st_size)
        return -1;
    memset(parts, 0, sizeof parts);
    for (k = 0; k < 2; k++) {
        parts[k].r = r;
        parts[k].setup = *s;
        parts[k].keep_txns = keep_txns;
    }
    parts[0].range.end = split;
    parts[0].progress = !r->quiet && isatty(2);
    parts[1].range.begin = split;
    parts[1].range.end = (uint64_t)st.st_size;
    parts[1].setup.header = 0;
    parts[1].setup.names = joined;
    if (pthread_create(&thread, NULL, load_part, &parts[1]) != 0)
        return -1;
    load_part(&parts[0]);
    pthread_join(thread, NULL);
    ok = parts[0].rc == TIER_OK && parts[1].rc == TIER_OK &&
         tier_book_merge(parts[0].book, parts[1].book) == TIER_OK;
    tier_book_free(parts[1].book);
    if (!ok) {
        tier_book_free(parts[0].book);
        return -1;
    }
    *out = parts[0].book;
    if (rows)
        *rows = parts[0].rows + parts[1].rows;
    return 0;
}

int cli_load_book(const cli_reader *r, int keep_txns, tier_book **out, uint64_t *rows)
{
    static const char *const id_names[] = {"customer_id", "customer", "customerid", "id",
                                           "account_id", NULL};
    static const char *const date_names[] = {"date", "order_date", "invoice_date", "day", NULL};
    static const char *const amount_names[] = {"amount", "dollar_value", "revenue", "value",
                                               "total", "sales", NULL};
    static char line[SNIFF_BYTES], cols[SNIFF_BYTES];
    char *names[MAX_NAMES];
    size_t n = 0;
    int rc;
    reader_setup setup;
    tier_csv *csv = NULL;
    tier_book *book = NULL;
    struct stat st;
    progress prog = {0};

    *out = NULL;
    if (first_line(r->input, line, sizeof line) != 0) {
        cli_error("%s: cannot open: %s", r->input, strerror(errno));
        return CLI_FAIL;
    }
    if (!r->delimiter || strcmp(r->delimiter, "auto") == 0)
        setup.delim = sniff_delimiter(line);
    else if (strcmp(r->delimiter, "ws") == 0)
        setup.delim = TIER_CSV_WHITESPACE;
    else if (strcmp(r->delimiter, "tab") == 0)
        setup.delim = '\t';
    else
        setup.delim = (unsigned char)r->delimiter[0];
    if (r->columns) {
        strncpy(cols, r->columns, sizeof cols - 1);
        n = split_names(cols, ',', names);
    } else if (!r->no_header) {
        n = split_names(line, setup.delim, names);
    }
    setup.header = !r->no_header;
    setup.names = r->columns;
    setup.id = pick_column(r->id, id_names, names, n);
    setup.date = pick_column(r->date, date_names, names, n);
    setup.amount = pick_column(r->amount, amount_names, names, n);
    if (load_parallel(r, &setup, names, n, keep_txns, out, rows) == 0)
        return CLI_OK;
    if (tier_csv_new(&csv, NULL) != TIER_OK || tier_book_new(&book, NULL) != TIER_OK) {
        cli_error("out of memory");
        goto fail;
    }
    rc = configure(r, &setup, csv, book, keep_txns);
    if (rc) {
        cli_error("%s", tier_csv_last_error(csv)[0] ? tier_csv_last_error(csv) : tier_strerror(rc));
        goto fail;
    }
    if (!r->quiet && isatty(2) && stat(r->input, &st) == 0 && st.st_size >= (off_t)PROGRESS_MIN_BYTES)
        tier_csv_set_progress(csv, show_progress, &prog);
    rc = tier_csv_read_file(csv, book, r->input);
    if (prog.shown)
        fputs("\r\033[K", stderr);
    if (rc) {
        cli_error("%s: %s", r->input, tier_csv_last_error(csv));
        goto fail;
    }
    if (rows)
        *rows = tier_csv_rows_read(csv);
    tier_csv_free(csv);
    *out = book;
    return CLI_OK;
fail:
    tier_csv_free(csv);
    tier_book_free(book);
    return CLI_FAIL;
}

int cli_load_accounts(const char *path, const char *id, tier_book *book)
{
    static const char *const id_names[] = {"account_id", "customer_id", "customer", "id", NULL};
    static char line[SNIFF_BYTES];
    char *names[MAX_NAMES];
    size_t n;
    int delim, rc;
    tier_csv *csv = NULL;
    if (first_line(path, line, sizeof line) != 0) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        return CLI_FAIL;
    }
    delim = sniff_delimiter(line);
    n = split_names(line, delim, names);
    rc = tier_csv_new(&csv, NULL);
    if (!rc)
        rc = tier_csv_set_delimiter(csv, delim);
    if (!rc)
        rc = tier_csv_set_column(csv, TIER_CSV_ID, pick_column(id, id_names, names, n));
    if (!rc)
        rc = tier_csv_read_attributes_file(csv, book, path);
    if (rc)
        cli_error("%s: %s", path, csv && tier_csv_last_error(csv)[0] ? tier_csv_last_error(csv)
                                                                     : tier_strerror(rc));
    tier_csv_free(csv);
    return rc ? CLI_FAIL : CLI_OK;
}
