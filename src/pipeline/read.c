/* SPDX-License-Identifier: MIT */
/* Reading a pipeline's input: the first line is sniffed for the delimiter and the column names,
 * then the file is read into a book, in one piece or, with the host's executor, as two halves at
 * once that are merged (tier_book_merge() gives exactly the book of one read). Then the account
 * attributes.
 * Each file is opened once: the bytes the sniffer read are handed to the reader ahead of the rest
 * of the same open file (a pipe, a FIFO or /dev/stdin cannot be read twice). Only a file whose
 * size the I/O table knows (a regular file) is opened again, by the two parts of a split read. */
#include <errno.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/io_internal.h"
#include "io/sniff.h"
#include "pipeline/pipeline_internal.h"
#include "util/errtext.h"
#include "util/par.h"

/* The reader's settings for one part of the input. */
typedef struct setup {
    int delim;
    int header;        /* the part starts with the header line */
    const char *names; /* column names for the reader, or NULL */
    const char *id, *date, *amount;
} setup;

static int configure(const tier_pipeline *p, const setup *s, tier_csv *csv, tier_book *book,
                     int keep_txns)
{
    int rc = tier_book_set_option(book, TIER_BOOK_OPT_KEEP_TRANSACTIONS, keep_txns);
    if (!rc && p->has_as_of)
        rc = tier_book_set_option(book, TIER_BOOK_OPT_IGNORE_FROM_DAY, p->as_of);
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
    if (!rc && p->margin)
        rc = tier_csv_set_column(csv, TIER_CSV_MARGIN, p->margin);
    if (!rc)
        rc = tier_csv_set_date_format(csv, p->date_format);
    return rc;
}

/* ---- one open of a file ---------------------------------------------------------------------
 * An I/O table over the host's that serves one already open file: its first open of `path` gets
 * that file, whose reads return the sniffed bytes first and then the rest of the file. */

typedef struct once_io {
    const tier_io *base;
    const char *path;
    void *file;      /* the open file; NULL once closed */
    char *head;      /* the bytes read by the sniffer */
    size_t len, pos; /* head[0..len), of which pos are served */
    int read_rc;     /* the sniffer's failed read (negative errno), served after the head */
    int handed;      /* the file was given to the reader */
    int64_t size;    /* the file's size through the table, 0 when unknown (a pipe) */
} once_io;

static int once_open(void *ud, const char *path, int mode, void **out)
{
    once_io *o = ud;
    if (mode == TIER_IO_READ && o->file && !o->handed && strcmp(path, o->path) == 0) {
        o->handed = 1;
        *out = o;
        return 0;
    }
    return o->base->open(o->base->ud, path, mode, out);
}

static int64_t once_read(void *ud, void *file, void *buf, size_t size)
{
    once_io *o = ud;
    if (file != o)
        return o->base->read(o->base->ud, file, buf, size);
    if (o->pos < o->len) {
        size_t n = o->len - o->pos < size ? o->len - o->pos : size;
        memcpy(buf, o->head + o->pos, n);
        o->pos += n;
        return (int64_t)n;
    }
    if (o->read_rc)
        return o->read_rc;
    return o->base->read(o->base->ud, o->file, buf, size);
}

static int once_close(void *ud, void *file)
{
    once_io *o = ud;
    int rc;
    if (file != o)
        return o->base->close(o->base->ud, file);
    rc = o->base->close(o->base->ud, o->file);
    o->file = NULL;
    return rc;
}

static int64_t once_size(void *ud, void *file)
{
    once_io *o = ud;
    if (file != o)
        return o->base->size ? o->base->size(o->base->ud, file) : 0;
    return o->size;
}

/* The table the reader uses for the file `o` holds open. */
static tier_io once_table(once_io *o)
{
    tier_io t = *o->base;
    t.open = once_open;
    t.read = once_read;
    t.close = once_close;
    t.size = once_size;
    t.seek = NULL;
    t.ud = o;
    return t;
}

/* Closes the file unless the reader has (it closes what it opened). */
static void once_done(tier_pipeline *p, once_io *o)
{
    if (o->file && !o->handed)
        (void)o->base->close(o->base->ud, o->file);
    o->file = NULL;
    tier__free(&p->alloc, o->head);
    o->head = NULL;
}

/* ---- progress ------------------------------------------------------------------------------ */

typedef struct read_progress {
    tier_pipeline *p;
    int stage;
    uint64_t whole; /* when reading the first part: the whole file's size, reported as total */
} read_progress;

static int on_progress(void *ud, uint64_t done, uint64_t total)
{
    read_progress *r = ud;
    if (!r->p->progress)
        return 0;
    if (r->whole) {
        /* The parts advance at about the same pace: the first part's share stands for all. */
        double d = total ? (double)done / (double)total * (double)r->whole : 0;
        done = d < (double)r->whole ? (uint64_t)d : r->whole;
        total = r->whole;
    }
    return r->p->progress(r->p->progress_ud, r->stage, done, total);
}

/* ---- one part of a file -------------------------------------------------------------------
 * A file read in n parts: part k covers the bytes from boundary k to boundary k + 1 (boundary k
 * = size * k / n), moved to line ends: every part but the first starts after the first line end
 * at or after its boundary, and every part but the last ends with the first line end at or after
 * the next boundary, so that each line is read by exactly one part (a part whose boundaries fall
 * inside one long line is empty). Each part finds its line ends itself, so none needs to know
 * another's; a later part jumps to its boundary with the I/O table's seek (or, without one,
 * reads the bytes before it without parsing them). A line end inside a quoted field makes the
 * part before it end inside the quotes, which the reader refuses: the input is then read in one
 * piece (read_split), so the split never changes a result. */

/* How much a part reads at a time past its end boundary while it looks for the line end (so
 * that it does not read a whole block of the next part). */
#define RANGE_LINE_PROBE ((size_t)4096)

typedef struct range_io {
    const tier_io *base;
    const tier_allocator *alloc;
    uint64_t start, end; /* the boundaries; end is the file's size for the last part */
    int first, last;
} range_io;

enum { RANGE_SKIP, RANGE_IN, RANGE_DONE };

typedef struct range_file {
    void *f;
    uint64_t pos; /* offset in the file of the next byte read */
    int state;    /* RANGE_*: skipping to the line end at or after start, inside, done */
    int led;      /* a later part: its leading line end was handed out */
} range_file;

static int range_open(void *ud, const char *path, int mode, void **out)
{
    const range_io *r = ud;
    range_file *f;
    int rc;
    if (mode != TIER_IO_READ)
        return -EINVAL;
    f = tier__calloc(r->alloc, 1, sizeof *f);
    if (!f)
        return -ENOMEM;
    f->state = r->first ? RANGE_IN : RANGE_SKIP;
    f->led = r->first;
    rc = r->base->open(r->base->ud, path, mode, &f->f);
    if (!rc && !r->first && r->base->seek) {
        if ((rc = r->base->seek(r->base->ud, f->f, r->start)) == 0)
            f->pos = r->start;
        else
            (void)r->base->close(r->base->ud, f->f);
    }
    if (rc) {
        tier__free(r->alloc, f);
        return rc;
    }
    *out = f;
    return 0;
}

static int range_close(void *ud, void *file)
{
    const range_io *r = ud;
    range_file *f = file;
    int rc = r->base->close(r->base->ud, f->f);
    tier__free(r->alloc, f);
    return rc;
}

static int64_t range_size(void *ud, void *file)
{
    const range_io *r = ud;
    (void)file;
    return (int64_t)(r->end - r->start);
}

static int64_t range_read(void *ud, void *file, void *buf, size_t size)
{
    const range_io *r = ud;
    range_file *f = file;
    char *b = buf, *nl;
    if (!size || f->state == RANGE_DONE)
        return 0;
    if (!f->led) {
        /* A later part starts with an empty line (which the reader skips): a byte-order mark at
         * the start of its first line is then data, as in one read of the file, not the mark of
         * a file's start that the reader drops. */
        f->led = 1;
        b[0] = '\n';
        return 1;
    }
    for (;;) {
        uint64_t at = f->pos, want = size, off;
        int64_t n;
        if (f->state == RANGE_SKIP && at < r->start)
            want = r->start - at < want ? r->start - at : want; /* up to the boundary only */
        else if (f->state == RANGE_IN && !r->last)
            want = at < r->end ? (r->end - at < want ? r->end - at : want)
                               : (RANGE_LINE_PROBE < want ? RANGE_LINE_PROBE : want);
        n = r->base->read(r->base->ud, f->f, buf, (size_t)want);
        if (n <= 0)
            return n; /* the end of the file ends every part */
        f->pos += (uint64_t)n;
        if (f->state == RANGE_SKIP) {
            size_t rest;
            if (at < r->start || (nl = memchr(b, '\n', (size_t)n)) == NULL)
                continue;
            if (!r->last && at + (uint64_t)(nl - b) >= r->end) {
                f->state = RANGE_DONE; /* one line covers the whole part: nothing to read */
                return 0;
            }
            f->state = RANGE_IN;
            rest = (size_t)n - (size_t)(nl - b) - 1;
            at += (uint64_t)(nl - b) + 1;
            memmove(b, nl + 1, rest);
            if (!rest)
                continue;
            n = (int64_t)rest;
        }
        /* Inside: the part ends with the first line end at or after its end boundary. */
        if (!r->last && at + (uint64_t)n > r->end) {
            off = r->end > at ? r->end - at : 0;
            if ((nl = memchr(b + off, '\n', (size_t)((uint64_t)n - off))) != NULL) {
                f->state = RANGE_DONE;
                return nl - b + 1;
            }
        }
        return n;
    }
}

typedef struct part {
    tier_pipeline *p;
    setup s;
    int keep_txns;
    range_io range;
    tier_io io;
    read_progress progress;
    int report; /* the part read on the calling thread reports progress */
    tier_csv *csv;
    tier_book *book;
    uint64_t rows;
    int rc;
} part;

static void read_part(void *arg, size_t i)
{
    part *t = (part *)arg + i;
    const tier_allocator *a = &t->p->alloc;
    t->rc = tier_csv_new(&t->csv, a);
    if (!t->rc)
        t->rc = tier_book_new(&t->book, a);
    if (!t->rc)
        t->rc = configure(t->p, &t->s, t->csv, t->book, t->keep_txns);
    if (!t->rc)
        t->rc = tier_csv_set_io(t->csv, &t->io);
    if (!t->rc && t->report)
        t->rc = tier_csv_set_progress(t->csv, on_progress, &t->progress);
    if (!t->rc)
        t->rc = tier_csv_read_file(t->csv, t->book, t->p->input);
    if (!t->rc)
        t->rows = tier_csv_rows_read(t->csv);
    if (!t->rc && i > 0)
        tier__book_drop_table(t->book); /* folded into the first part, which looks the ids up */
}

static void part_free(part *t)
{
    tier_csv_free(t->csv);
    tier_book_free(t->book);
    t->csv = NULL;
    t->book = NULL;
}

/* Reads the input as `threads` parts through the executor. Returns 1 when done (*out set), 0
 * when the input is to be read in one piece instead (the parts could not be read, or an error is
 * to be reported as one read reports it), or a negative status to fail with (the callback
 * stopped). */
static int read_split(tier_pipeline *p, const once_io *once, const setup *s,
                      const tier__names *names, int keep_txns, tier_book **out, uint64_t *rows)
{
    part *parts;
    uint64_t size;
    char *joined;
    size_t n = tier__pipeline_threads(p), k;
    int ok, rc = TIER_OK;
    if (n < 2)
        return 0;
    /* Only a file of known size is opened again; a pipe is read once, in one piece. */
    size = once->size > 0 ? (uint64_t)once->size : 0;
    if (size < n || size < p->split_min_bytes)
        return 0;
    if (!(joined = tier__names_join(names)))
        return 0;
    if (!(parts = tier__calloc(&p->alloc, n, sizeof *parts))) {
        tier__free(&p->alloc, joined);
        return 0;
    }
    for (k = 0; k < n; k++) {
        part *t = &parts[k];
        t->p = p;
        t->s = *s;
        t->keep_txns = keep_txns;
        t->range.base = &p->io;
        t->range.alloc = &p->alloc;
        t->range.start = size / n * k + size % n * k / n;
        t->range.end = k + 1 == n ? size : size / n * (k + 1) + size % n * (k + 1) / n;
        t->range.first = k == 0;
        t->range.last = k + 1 == n;
        t->io = p->io;
        t->io.open = range_open;
        t->io.read = range_read;
        t->io.close = range_close;
        t->io.size = range_size;
        t->io.ud = &t->range;
        if (k) {
            t->s.header = 0;
            t->s.names = joined;
        }
    }
    parts[0].report = 1;
    parts[0].progress.p = p;
    parts[0].progress.stage = TIER_PIPELINE_STAGE_READ;
    parts[0].progress.whole = size;
    tier__par_run(&p->executor, n, read_part, parts);
    if (parts[0].rc == TIER_EUSER) {
        rc = tier__pipeline_fail(p, TIER_EUSER, "%s: %s", p->input,
                                 tier_csv_last_error(parts[0].csv));
        ok = -1;
    } else {
        /* The parts in file order make the book of one read (merged as tier_book_merge does,
         * on the executor's threads: tier__book_fold); a part merged is freed at once, so that
         * no more than two parts' customers are held at a time. */
        for (k = 0, ok = 1; k < n && ok; k++) {
            ok = parts[k].rc == TIER_OK &&
                 (k == 0 || tier__book_fold(&p->executor, parts[0].book, parts[k].book));
            if (ok && k)
                part_free(&parts[k]);
        }
        rc = ok ? tier__pipeline_report(p, TIER_PIPELINE_STAGE_READ, size, size) : TIER_OK;
        if (rc)
            ok = -1;
    }
    tier__free(&p->alloc, joined);
    if (ok == 1) {
        *out = parts[0].book;
        parts[0].book = NULL;
        for (k = 0, *rows = 0; k < n; k++)
            *rows += parts[k].rows;
    }
    for (k = 0; k < n; k++)
        part_free(&parts[k]);
    tier__free(&p->alloc, parts);
    return ok < 0 ? rc : ok;
}

/* Reads the input in one piece. */
static int read_whole(tier_pipeline *p, once_io *once, const setup *s, int keep_txns,
                      tier_book **out, uint64_t *rows)
{
    tier_io io = once_table(once);
    tier_csv *csv = NULL;
    tier_book *book = NULL;
    read_progress progress;
    int rc = tier_csv_new(&csv, &p->alloc);
    if (!rc)
        rc = tier_book_new(&book, &p->alloc);
    if (rc) {
        tier_csv_free(csv);
        return tier__pipeline_fail(p, rc, "out of memory");
    }
    rc = configure(p, s, csv, book, keep_txns);
    if (!rc)
        rc = tier_csv_set_io(csv, &io);
    if (rc) {
        tier__pipeline_fail(p, rc, "%s",
                            tier_csv_last_error(csv)[0]     ? tier_csv_last_error(csv)
                            : tier_book_last_error(book)[0] ? tier_book_last_error(book)
                                                            : tier_strerror(rc));
        goto fail;
    }
    progress.p = p;
    progress.stage = TIER_PIPELINE_STAGE_READ;
    progress.whole = 0;
    if (p->progress)
        (void)tier_csv_set_progress(csv, on_progress, &progress);
    rc = tier_csv_read_file(csv, book, p->input);
    if (rc) {
        tier__pipeline_fail(p, rc, "%s: %s", p->input, tier_csv_last_error(csv));
        goto fail;
    }
    *rows = tier_csv_rows_read(csv);
    *out = book;
    tier_csv_free(csv);
    return TIER_OK;
fail:
    tier_csv_free(csv);
    tier_book_free(book);
    return rc;
}

/* Opens `path` once into *o and reads its first line, split into names at its sniffed delimiter
 * (or `delim` when not 0; *out_delim is 0 on failure). On success *o holds the open file and the
 * bytes read (once_done() releases them); on failure nothing is left open. */
static int sniff(tier_pipeline *p, const char *path, int delim, int header, const char *columns,
                 int *out_delim, tier__names *names, once_io *o)
{
    const char *line;
    size_t n;
    int rc, tries = 0;
    *out_delim = 0; /* defined on failure too */
    memset(names, 0, sizeof *names);
    memset(o, 0, sizeof *o);
    o->base = &p->io;
    o->path = path;
    if (!(o->head = tier__malloc(&p->alloc, TIER__SNIFF_BYTES)))
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    do /* an interrupted open is tried again, as every I/O call of the library */
        rc = p->io.open(p->io.ud, path, TIER_IO_READ, &o->file);
    while (rc == -EINTR && ++tries < TIER__IO_EINTR_TRIES);
    if (rc || !o->file) {
        o->file = NULL;
        once_done(p, o);
        rc = rc > 0 || !rc ? -EIO : rc;
        return tier__pipeline_fail(p, rc == -ENOMEM ? TIER_ENOMEM : TIER_EIO, "%s: cannot open: %s",
                                   path, tier__errtext(rc));
    }
    if (p->io.size && (o->size = p->io.size(p->io.ud, o->file)) < 0)
        o->size = 0;
    /* A failed read is the reader's to report, at its place in the file. */
    o->read_rc = tier__sniff_read(&p->io, o->file, o->head, TIER__SNIFF_BYTES - 1, &o->len);
    n = tier__sniff_first_line(o->head, o->len, &line);
    *out_delim = delim ? delim : tier__sniff_delimiter(line, n);
    rc = TIER_OK;
    if (columns)
        rc = tier__sniff_names(names, &p->alloc, columns, strlen(columns), ',');
    else if (header)
        rc = tier__sniff_names(names, &p->alloc, line, n, *out_delim);
    if (rc)
        once_done(p, o);
    return rc ? tier__pipeline_fail(p, rc, "out of memory") : TIER_OK;
}

/* A file of one of the loaders keyed by account (attributes, contracts): read once through the
 * sniffer's open file, its delimiter sniffed, the id column by the usual account id names unless
 * account_id is set, progress reported as `stage` (0: none), all or nothing. */
static int read_by_account(tier_pipeline *p, tier_book *book, const char *path, int stage,
                           int (*load)(tier_csv *csv, tier_book *book, const char *path))
{
    tier__names names;
    tier_csv *csv = NULL;
    read_progress progress;
    once_io once;
    tier_io io;
    int delim, rc = sniff(p, path, 0, 1, NULL, &delim, &names, &once);
    if (rc)
        return rc;
    io = once_table(&once);
    progress.p = p;
    progress.stage = stage;
    progress.whole = 0;
    rc = tier_csv_new(&csv, &p->alloc);
    if (!rc)
        rc = tier_csv_set_delimiter(csv, delim);
    if (!rc)
        rc = tier_csv_set_column(csv, TIER_CSV_ID,
                                 tier__sniff_column(TIER__SNIFF_ACCOUNT_ID, p->account_id, &names));
    if (!rc)
        rc = tier_csv_set_io(csv, &io);
    if (!rc && p->progress && stage)
        rc = tier_csv_set_progress(csv, on_progress, &progress);
    if (!rc)
        rc = load(csv, book, path);
    if (rc)
        tier__pipeline_fail(p, rc, "%s: %s", path,
                            csv && tier_csv_last_error(csv)[0] ? tier_csv_last_error(csv)
                                                               : tier_strerror(rc));
    tier_csv_free(csv);
    tier__names_free(&names);
    once_done(p, &once);
    return rc;
}

static int read_accounts(tier_pipeline *p, tier_book *book)
{
    return read_by_account(p, book, p->accounts, TIER_PIPELINE_STAGE_ACCOUNTS,
                           tier_csv_read_attributes_file);
}

/* The contracts file (tier_csv_read_contracts_file), read after the accounts. */
static int read_contracts(tier_pipeline *p, tier_book *book)
{
    return read_by_account(p, book, p->contracts, 0, tier_csv_read_contracts_file);
}

int tier__pipeline_read(tier_pipeline *p, int keep_txns, tier_book **out, uint64_t *rows)
{
    tier__names names;
    setup s;
    tier_book *book = NULL;
    once_io once;
    int rc;
    *out = NULL;
    *rows = 0;
    rc = sniff(p, p->input, p->delimiter, p->header, p->columns, &s.delim, &names, &once);
    if (rc)
        return rc;
    s.header = p->header;
    s.names = p->columns;
    s.id = tier__sniff_column(TIER__SNIFF_ID, p->id, &names);
    s.date = tier__sniff_column(TIER__SNIFF_DATE, p->date, &names);
    s.amount = tier__sniff_column(TIER__SNIFF_AMOUNT, p->amount, &names);
    rc = read_split(p, &once, &s, &names, keep_txns, &book, rows);
    if (rc == 0)
        rc = read_whole(p, &once, &s, keep_txns, &book, rows);
    else if (rc == 1)
        rc = TIER_OK;
    once_done(p, &once);
    tier__names_free(&names);
    /* Nothing to tier is an error, not an empty result: an empty export upstream must not
     * publish an empty tier list (or, with a state, turn every customer into a leaver). */
    if (!rc && *rows == 0)
        rc = tier__pipeline_fail(p, TIER_EINVAL,
                                 "%s: no transactions (the input is empty or has only a header "
                                 "line)",
                                 p->input);
    if (!rc && p->accounts)
        rc = read_accounts(p, book);
    if (!rc && p->contracts)
        rc = read_contracts(p, book);
    /* The book is complete: it gets the host's threads (cannot fail: the executor was checked
     * when it was set), for the models and the policy and for its trim, which gives back the
     * room its arrays kept for growing (they need the memory) and builds its compact id table. */
    if (!rc)
        (void)tier_book_set_executor(book, p->has_executor ? &p->executor : NULL);
    if (!rc)
        tier__book_trim(book);
    if (rc) {
        tier_book_free(book);
        return rc;
    }
    *out = book;
    return TIER_OK;
}

int tier_pipeline_sniff(const char *head, size_t len, int role, int *delimiter, const char **column,
                        const tier_allocator *alloc)
{
    static const int roles[] = {0, TIER__SNIFF_ID, TIER__SNIFF_DATE, TIER__SNIFF_AMOUNT,
                                TIER__SNIFF_ACCOUNT_ID};
    tier_allocator a;
    tier__names names;
    const char *line;
    size_t n;
    int rc;
    if ((!head && len) || !delimiter || role < 0 || role > TIER_PIPELINE_ROLE_ACCOUNT_ID ||
        (role && !column))
        return TIER_EINVAL;
    tier__alloc_init(&a, alloc);
    n = tier__sniff_first_line(head ? head : "", len, &line);
    if (*delimiter == 0)
        *delimiter = tier__sniff_delimiter(line, n);
    if (!role)
        return TIER_OK;
    rc = tier__sniff_names(&names, &a, line, n, *delimiter);
    if (!rc)
        *column = tier__sniff_column(roles[role], NULL, &names);
    tier__names_free(&names);
    return rc;
}
