/* SPDX-License-Identifier: MIT */
/* The attribute loader of the CSV reader: one row per customer, every column other than the id
 * becomes an attribute (numeric when every non-empty value of the column is a decimal number;
 * text when some are not, unless more than half are plain numbers: then it is an error). Attribute
 * files are small next to transaction logs, so the whole file is read, split into fields, checked
 * and staged before the book changes at all: customers are added through the book's stage,
 * attribute storage is reserved, and only then are the values put (which cannot fail). The dialect
 * (delimiter, header, names, limits, I/O layer) is the reader's, read through
 * tier__csv_dialect_get(); the accept rules follow docs/csv.md. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"
#include "io/csv_internal.h"
#include "util/csv_lex.h"
#include "util/internal.h"
#include "util/numtext.h"

/* First read size; the buffer doubles from there. */
#define AT_CHUNK ((size_t)64 << 10)
/* Bytes of a value quoted in an error message. */
#define AT_QUOTE_MAX TIER__QUOTE_MAX

/* A column's type: TYPE_NONE, or the tier_attr_type its values become. */
enum { TYPE_NONE = 0 };

typedef struct at_field {
    size_t off, len;          /* the value in the data, without quotes or surrounding blanks */
    uint64_t line;            /* line where the field starts */
    unsigned char quoted, dq; /* quoted; contains "" pairs to unescape */
} at_field;

typedef struct at_load {
    tier_csv *csv;
    tier_book *book;
    tier__csv_dialect d;
    const tier_allocator *a;  /* the reader's allocator: scratch memory */
    const tier_allocator *ba; /* the book's allocator: text values the book will own */
    const char *data;
    size_t len;
    at_field *f;
    size_t nf, capf;
    size_t *rec; /* first field of each record; rec[nrec] = nf */
    size_t nrec, caprec;
    /* Columns: names (unescaped copies) once known. */
    char **names;
    size_t ncols;
    size_t id_col;
    /* The failure, reported through tier__csv_set_outcome(). */
    uint64_t err_line, err_col;
    char msg[TIER__ERR_SIZE];
} at_load;

/* Sets the failure text "line L, column C (name): reason" and returns `status`. */
static int fail(at_load *L, int status, uint64_t line, uint64_t col, const char *fmt, ...)
    TIER__PRINTF(5, 6);

static int fail(at_load *L, int status, uint64_t line, uint64_t col, const char *fmt, ...)
{
    char reason[TIER__ERR_SIZE], hname[128];
    const char *name = NULL;
    va_list ap;
    if (L->names && col >= 1 && col <= L->ncols) {
        name = L->names[col - 1];
    } else if (col >= 1 && L->d.names && col <= L->d.names_count) {
        /* While splitting, before the names are set up: the given names... */
        size_t k;
        for (name = L->d.names, k = 1; k < col; k++)
            name += strlen(name) + 1;
    } else if (col >= 1 && L->d.has_header && L->nrec > 0 && col <= L->rec[1] - L->rec[0]) {
        /* ...or the header's, once the header record is complete. */
        const at_field *h = &L->f[L->rec[0] + col - 1];
        if (!h->dq && h->len < sizeof hname) {
            memcpy(hname, L->data + h->off, h->len);
            hname[h->len] = '\0';
            name = hname;
        }
    }
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    tier__csv_error_text(L->msg, line, col, name, reason);
    L->err_line = line;
    L->err_col = col;
    return status;
}

/* ---- splitting ---------------------------------------------------------------------------- */

static int add_field(at_load *L, size_t off, size_t len, uint64_t line, int quoted, int dq)
{
    at_field *f;
    if (tier__grow(L->a, (void **)&L->f, &L->capf, L->nf + 1, sizeof *L->f))
        return fail(L, TIER_ENOMEM, 0, 0, "out of memory");
    f = &L->f[L->nf++];
    f->off = off;
    f->len = len;
    f->line = line;
    f->quoted = (unsigned char)quoted;
    f->dq = (unsigned char)dq;
    return TIER_OK;
}

static int add_record(at_load *L, size_t first)
{
    if (tier__grow(L->a, (void **)&L->rec, &L->caprec, L->nrec + 2, sizeof *L->rec))
        return fail(L, TIER_ENOMEM, 0, 0, "out of memory");
    L->rec[L->nrec++] = first;
    L->rec[L->nrec] = L->nf; /* end of the last record so far */
    return TIER_OK;
}

/* Splits the whole text into records of fields with the library's CSV lexer (the reader's
 * dialect). Empty lines are dropped. */
static int split(at_load *L)
{
    tier__csv_lex lx;
    size_t pos = 0, used, i;
    int rc;
    tier__csv_lex_init(&lx, L->a, L->d.delimiter, L->d.max_fields, L->d.max_length);
    for (;;) {
        size_t first = L->nf;
        rc = tier__csv_lex_next(&lx, L->data + pos, L->len - pos, 1, &used);
        if (rc < 0) {
            rc = fail(L, rc, lx.err_line, lx.err_col, "%s", lx.err);
            break;
        }
        if (rc == TIER__CSV_END) {
            rc = TIER_OK;
            break;
        }
        pos += used;
        if (rc == TIER__CSV_BLANK)
            continue;
        for (i = 0, rc = TIER_OK; i < lx.nfields && rc == TIER_OK; i++) {
            const tier__csv_field *f = &lx.field[i];
            rc = add_field(L, (size_t)(f->p - L->data), f->len, f->line, f->quoted, f->dq);
        }
        if (rc || (rc = add_record(L, first)) != TIER_OK)
            break;
    }
    tier__csv_lex_free(&lx);
    if (rc == TIER_OK && L->rec)
        L->rec[L->nrec] = L->nf;
    return rc;
}

/* ---- values ------------------------------------------------------------------------------- */

/* Copies field `f` (unescaping "" pairs) into a NUL-terminated buffer from `a`. */
static char *copy_value(const at_load *L, const at_field *f, const tier_allocator *a)
{
    char *s = tier__malloc(a, f->len + 1);
    size_t i, o = 0;
    const char *p = L->data + f->off;
    if (!s)
        return NULL;
    for (i = 0; i < f->len; i++) {
        s[o++] = p[i];
        if (f->dq && p[i] == '"')
            i++;
    }
    s[o] = '\0';
    return s;
}

/* 1 when field `f`, a number, is written with a leading zero before another digit ("02134",
 * "-007"): it reads as a code as much as a number. */
static int leading_zero(const at_load *L, const at_field *f)
{
    const char *p = L->data + f->off;
    size_t i = f->len && (p[0] == '+' || p[0] == '-') ? 1 : 0;
    return f->len > i + 1 && p[i] == '0' && p[i + 1] >= '0' && p[i + 1] <= '9';
}

/* ---- loading ------------------------------------------------------------------------------ */

static size_t rec_fields(const at_load *L, size_t r)
{
    return L->rec[r + 1] - L->rec[r];
}

/* Takes the column names from the header record or from the reader's names. */
static int setup_names(at_load *L, size_t *first_row)
{
    size_t i, j;
    uint64_t hline = 0;
    *first_row = 0;
    if (L->d.has_header) {
        if (L->nrec == 0)
            return fail(L, TIER_EPARSE, 0, 0, "no header line (the input is empty)");
        hline = L->f[L->rec[0]].line;
        *first_row = 1;
    }
    if (L->d.names) {
        L->ncols = L->d.names_count;
    } else if (L->d.has_header) {
        L->ncols = rec_fields(L, 0);
    } else {
        return fail(L, TIER_EINVAL, 0, 0,
                    "a file without a header line needs column names (tier_csv_set_column_names)");
    }
    L->names = tier__calloc(L->a, L->ncols ? L->ncols : 1, sizeof *L->names);
    if (!L->names)
        return fail(L, TIER_ENOMEM, 0, 0, "out of memory");
    {
        const char *s = L->d.names;
        for (i = 0; i < L->ncols; i++) {
            if (s) {
                L->names[i] = tier__strdup(L->a, s);
                s += strlen(s) + 1;
            } else {
                L->names[i] = copy_value(L, &L->f[L->rec[0] + i], L->a);
            }
            if (!L->names[i])
                return fail(L, TIER_ENOMEM, 0, 0, "out of memory");
        }
    }
    L->id_col = SIZE_MAX;
    for (i = 0; i < L->ncols; i++) {
        size_t n = strlen(L->names[i]);
        if (n == 0)
            return fail(L, TIER_EPARSE, hline, i + 1,
                        "empty column name (every column other than "
                        "the id names an attribute)");
        if (!tier__utf8_valid(L->names[i], n))
            return fail(L, TIER_EPARSE, hline, i + 1, "column name is not valid UTF-8");
        for (j = 0; j < i; j++)
            if (strcmp(L->names[i], L->names[j]) == 0)
                return fail(L, TIER_EPARSE, hline, i + 1, "column name appears twice");
        if (strcmp(L->names[i], L->d.id_column) == 0)
            L->id_col = i;
    }
    if (L->id_col == SIZE_MAX) {
        char list[300] = "";
        size_t used = 0;
        for (i = 0; i < L->ncols; i++)
            if (!tier__csv_list_add(list, sizeof list, &used, L->names[i]))
                break;
        return fail(L, TIER_EINVAL, hline, 0,
                    "no column named \"%s\" for the customer id (columns: %s)", L->d.id_column,
                    list);
    }
    return TIER_OK;
}

typedef struct row_ref {
    size_t customer;
    size_t row;
} row_ref;

static int compare_rows(const void *x, const void *y)
{
    const row_ref *a = x, *b = y;
    int c = TIER__CMP(a->customer, b->customer);
    return c ? c : TIER__CMP(a->row, b->row);
}

/* Per column what will be put into the book. */
typedef struct at_column {
    int type;         /* TYPE_NONE: no value in the column */
    size_t max_index; /* highest customer index with a value */
    double *num;      /* per row (NaN = empty) */
    char **text;      /* per row (NULL = empty), owned until handed to the book */
} at_column;

static void free_columns(at_load *L, at_column *cols)
{
    size_t c, r, rows = L->nrec;
    if (!cols)
        return;
    for (c = 0; c < L->ncols; c++) {
        tier__free(L->a, cols[c].num);
        if (cols[c].text)
            for (r = 0; r < rows; r++)
                tier__free(L->ba, cols[c].text[r]);
        tier__free(L->a, cols[c].text);
    }
    tier__free(L->a, cols);
}

/* Decides each column's type and converts its values (nothing in the book changes). */
static int prepare_columns(at_load *L, size_t first_row, const size_t *cust, at_column *cols,
                           int64_t text_limit)
{
    size_t c, r;
    char qbuf[AT_QUOTE_MAX * 4 + 16];
    double v;
    int rc;
    for (c = 0; c < L->ncols; c++) {
        at_column *col = &cols[c];
        const at_field *odd = NULL; /* the first value that is not a number */
        size_t values = 0, plain = 0;
        int book_type;
        if (c == L->id_col)
            continue;
        book_type = tier__book_attr_type(L->book, L->names[c]);
        for (r = first_row; r < L->nrec; r++) {
            const at_field *f = &L->f[L->rec[r] + c];
            if (f->len == 0)
                continue;
            values++;
            if (f->dq || tier__num_parse(L->data + f->off, f->len, &v, 0) == TIER_EPARSE) {
                if (book_type == TIER_ATTR_NUMBER)
                    return fail(L, TIER_EINVAL, f->line, c + 1,
                                "not a number: %s (the book holds numbers for this attribute)",
                                tier__quote_text(qbuf, sizeof qbuf, L->data + f->off, f->len));
                if (!odd)
                    odd = f;
            } else if (!leading_zero(L, f)) {
                plain++;
            }
        }
        if (!values)
            continue; /* nothing to set: the attribute is not created */
        /* A column of mostly plain numbers is a numeric column with a bad cell, not a text
         * column: one "n/a", "0,5" or "28%" must not turn every customer's value into text. */
        if (odd && plain > values - plain && book_type != TIER_ATTR_TEXT)
            return fail(L, TIER_EPARSE, odd->line, c + 1,
                        "not a number: %s (the column is numeric: %zu of its %zu values are "
                        "numbers)",
                        tier__quote_text(qbuf, sizeof qbuf, L->data + odd->off, odd->len), plain,
                        values);
        col->type = !odd && book_type != TIER_ATTR_TEXT ? TIER_ATTR_NUMBER : TIER_ATTR_TEXT;
        if (col->type == TIER_ATTR_NUMBER)
            col->num = tier__malloc_n(L->a, L->nrec, sizeof *col->num);
        else
            col->text = tier__calloc(L->a, L->nrec, sizeof *col->text);
        if (!col->num && !col->text)
            return fail(L, TIER_ENOMEM, 0, 0, "out of memory");
        for (r = first_row; r < L->nrec; r++) {
            const at_field *f = &L->f[L->rec[r] + c];
            if (col->num)
                col->num[r] = NAN;
            if (f->len == 0)
                continue;
            if (cust[r] > col->max_index)
                col->max_index = cust[r];
            if (col->type == TIER_ATTR_NUMBER) {
                rc = tier__num_parse(L->data + f->off, f->len, &col->num[r], 0);
                if (rc)
                    return fail(L, rc, f->line, c + 1, "number out of range: %s",
                                tier__quote_text(qbuf, sizeof qbuf, L->data + f->off, f->len));
            } else {
                char *s = copy_value(L, f, L->ba);
                size_t n;
                if (!s)
                    return fail(L, TIER_ENOMEM, 0, 0, "out of memory");
                col->text[r] = s;
                n = strlen(s); /* NUL bytes were refused when splitting */
                if ((int64_t)n > text_limit)
                    return fail(L, TIER_ERANGE, f->line, c + 1,
                                "text longer than %lld bytes (the book's text limit)",
                                (long long)text_limit);
                if (!tier__utf8_valid(s, n))
                    return fail(L, TIER_EPARSE, f->line, c + 1, "invalid UTF-8: %s",
                                tier__quote_text(qbuf, sizeof qbuf, s, n));
            }
        }
    }
    return TIER_OK;
}

/* Everything after reading: split, check, stage, then apply. */
static int load(at_load *L)
{
    size_t first_row, r, c, nrows;
    size_t *cust = NULL;
    row_ref *refs = NULL;
    at_column *cols = NULL;
    int64_t text_limit = 4096;
    int rc, staged = 0;
    char why[TIER__ERR_SIZE];

    if ((rc = split(L)) != TIER_OK)
        return rc;
    if (L->nrec == 0 && L->d.has_header)
        return TIER_OK; /* an empty input sets nothing, as for transaction files */
    if ((rc = setup_names(L, &first_row)) != TIER_OK)
        return rc;
    nrows = L->nrec - first_row;
    if ((uint64_t)nrows > L->d.max_rows)
        return fail(L, TIER_ERANGE, L->f[L->rec[first_row + (size_t)L->d.max_rows]].line, 0,
                    "more than %llu data rows (the row limit)", (unsigned long long)L->d.max_rows);
    for (r = first_row; r < L->nrec; r++)
        if (rec_fields(L, r) != L->ncols)
            return fail(L, TIER_EPARSE, L->f[L->rec[r]].line, 0, "expected %lu fields, found %lu",
                        (unsigned long)L->ncols, (unsigned long)rec_fields(L, r));
    (void)tier_book_get_option(L->book, TIER_BOOK_LIMIT_TEXT_LENGTH, &text_limit);

    cust = tier__calloc(L->a, L->nrec ? L->nrec : 1, sizeof *cust);
    refs = tier__malloc_n(L->a, nrows, sizeof *refs);
    cols = tier__calloc(L->a, L->ncols ? L->ncols : 1, sizeof *cols);
    if (!cust || !refs || !cols) {
        rc = fail(L, TIER_ENOMEM, 0, 0, "out of memory");
        goto done;
    }

    /* Customers first, through the book's stage (a rollback forgets the new ones). */
    tier__book_begin(L->book);
    staged = 1;
    for (r = first_row; r < L->nrec; r++) {
        const at_field *f = &L->f[L->rec[r] + L->id_col];
        const char *id = L->data + f->off;
        char *unq = NULL;
        size_t idlen = f->len;
        if (tier__csv_blank(L->data + f->off, f->len)) {
            rc = fail(L, TIER_EPARSE, f->line, L->id_col + 1, "empty customer id");
            goto done;
        }
        if (f->dq) {
            if (!(unq = copy_value(L, f, L->a))) {
                rc = fail(L, TIER_ENOMEM, 0, 0, "out of memory");
                goto done;
            }
            id = unq;
            idlen = strlen(unq);
        }
        if (!tier__utf8_valid(id, idlen)) {
            char qbuf[AT_QUOTE_MAX * 4 + 16];
            rc = fail(L, TIER_EPARSE, f->line, L->id_col + 1, "invalid UTF-8: %s",
                      tier__quote_text(qbuf, sizeof qbuf, id, idlen));
            tier__free(L->a, unq);
            goto done;
        }
        if (tier_book_find(L->book, id, idlen, &cust[r]) != TIER_OK) {
            rc = tier_book_add_customer(L->book, id, idlen, &cust[r]);
            if (rc) {
                memcpy(why, tier_book_last_error(L->book), sizeof why);
                tier__free(L->a, unq);
                rc = fail(L, rc, f->line, L->id_col + 1, "%s", why[0] ? why : tier_strerror(rc));
                goto done;
            }
        }
        tier__free(L->a, unq);
        refs[r - first_row].customer = cust[r];
        refs[r - first_row].row = r;
    }
    /* One row per customer: a repeated id is ambiguous. */
    qsort(refs, nrows, sizeof *refs, compare_rows);
    for (r = 1; r < nrows; r++)
        if (refs[r].customer == refs[r - 1].customer) {
            const at_field *f = &L->f[L->rec[refs[r].row] + L->id_col];
            rc = fail(L, TIER_EPARSE, f->line, L->id_col + 1,
                      "customer appears twice (first on line %llu)",
                      (unsigned long long)L->f[L->rec[refs[r - 1].row]].line);
            goto done;
        }

    if ((rc = prepare_columns(L, first_row, cust, cols, text_limit)))
        goto done;
    /* Reserve every attribute's storage; after this nothing can fail. */
    for (c = 0; c < L->ncols; c++) {
        if (!cols[c].type)
            continue;
        rc = tier__book_reserve_attr(L->book, L->names[c], cols[c].type, cols[c].max_index);
        if (rc) {
            memcpy(why, tier_book_last_error(L->book), sizeof why);
            rc = fail(L, rc, 0, c + 1, "%s", why[0] ? why : tier_strerror(rc));
            goto done;
        }
    }
    tier__book_commit(L->book);
    staged = 0;
    for (c = 0; c < L->ncols; c++) {
        for (r = first_row; cols[c].type && r < L->nrec; r++) {
            if (cols[c].type == TIER_ATTR_NUMBER && cols[c].num[r] == cols[c].num[r])
                tier__book_put_number(L->book, cust[r], L->names[c], cols[c].num[r]);
            else if (cols[c].type == TIER_ATTR_TEXT && cols[c].text[r]) {
                tier__book_put_text(L->book, cust[r], L->names[c], cols[c].text[r]);
                cols[c].text[r] = NULL;
            }
        }
    }
    rc = TIER_OK;
done:
    if (staged)
        tier__book_rollback(L->book);
    free_columns(L, cols);
    tier__free(L->a, cust);
    tier__free(L->a, refs);
    return rc;
}

static void load_free(at_load *L)
{
    size_t i;
    if (L->names)
        for (i = 0; i < L->ncols; i++)
            tier__free(L->a, L->names[i]);
    tier__free(L->a, L->names);
    tier__free(L->a, L->f);
    tier__free(L->a, L->rec);
}

static void begin(at_load *L, tier_csv *csv, tier_book *book)
{
    memset(L, 0, sizeof *L);
    L->csv = csv;
    L->book = book;
    tier__csv_dialect_get(csv, &L->d);
    L->a = L->d.alloc;
    L->ba = tier__book_allocator(book);
}

static int finish(at_load *L, int rc)
{
    uint64_t rows = 0;
    if (rc == TIER_OK)
        rows = L->nrec - (L->d.has_header && L->nrec ? 1 : 0);
    tier__csv_set_outcome(L->csv, rc, rows, L->err_line, L->err_col, rc ? L->msg : "");
    load_free(L);
    return rc;
}

static int progress(at_load *L, uint64_t done, uint64_t total)
{
    if (L->d.progress && L->d.progress(L->d.progress_ud, done, total))
        return fail(L, TIER_EUSER, 0, 0, "stopped by the progress callback after %llu bytes",
                    (unsigned long long)done);
    return TIER_OK;
}

int tier_csv_read_attributes_buffer(tier_csv *csv, tier_book *book, const char *data, size_t len)
{
    at_load L;
    int rc = tier__csv_check_args(csv, book, data || !len ? "" : NULL);
    if (rc)
        return rc;
    begin(&L, csv, book);
    L.data = data ? data : "";
    L.len = len;
    rc = progress(&L, len, len);
    if (rc == TIER_OK)
        rc = load(&L);
    return finish(&L, rc);
}

/* Lexes the complete records of buf[*scanned..len) as they arrive, so that a field or a line over
 * the reader's limits is refused when it is read, not after the whole file is in memory (the
 * buffer only grows to hold one incomplete record past what was checked). */
static int check_arrived(at_load *L, tier__csv_lex *lx, const char *buf, size_t len,
                         size_t *scanned, int eof)
{
    for (;;) {
        size_t used = 0;
        int rc = tier__csv_lex_next(lx, buf + *scanned, len - *scanned, eof, &used);
        if (rc < 0)
            return fail(L, rc, lx->err_line, lx->err_col, "%s", lx->err);
        if (rc != TIER__CSV_RECORD && rc != TIER__CSV_BLANK)
            return TIER_OK;
        *scanned += used;
    }
}

int tier_csv_read_attributes_file(tier_csv *csv, tier_book *book, const char *path)
{
    at_load L;
    tier__csv_file f;
    tier__csv_lex lx;
    char *buf = NULL, why[TIER__ERR_SIZE];
    size_t cap = 0, len = 0, scanned = 0;
    int rc = tier__csv_check_args(csv, book, path);
    if (rc)
        return rc;
    begin(&L, csv, book);
    if (tier__csv_file_open(&f, L.d.io, path, why))
        return finish(&L, fail(&L, TIER_EIO, 0, 0, "%s", why));
    tier__csv_lex_init(&lx, L.a, L.d.delimiter, L.d.max_fields, L.d.max_length);
    for (;;) {
        if (len == cap) {
            size_t want = cap ? cap * 2 : AT_CHUNK;
            char *nb;
            if (cap > SIZE_MAX / 2) {
                rc = fail(&L, TIER_ERANGE, 0, 0, "file too large");
                break;
            }
            nb = tier__realloc(L.a, buf, want);
            if (!nb) {
                rc = fail(&L, TIER_ENOMEM, 0, 0, "out of memory");
                break;
            }
            buf = nb;
            cap = want;
        }
        if (tier__csv_file_fill(&f, buf, cap, &len, why)) {
            rc = fail(&L, TIER_EIO, 0, 0, "%s", why);
            break;
        }
        if ((rc = progress(&L, f.done, f.size)) != TIER_OK ||
            (rc = check_arrived(&L, &lx, buf, len, &scanned, f.eof)) != TIER_OK || f.eof)
            break;
    }
    tier__csv_lex_free(&lx);
    tier__csv_file_close(&f);
    if (rc == TIER_OK) {
        L.data = buf ? buf : "";
        L.len = len;
        rc = load(&L);
    }
    rc = finish(&L, rc);
    tier__free(L.a, buf);
    return rc;
}
