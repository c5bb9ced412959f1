/* SPDX-License-Identifier: MIT */
/* The typed attribute loader (tier_book_load_rows, tier_book_load_columns): declared columns,
 * typed cells, all or nothing. Every cell is checked and converted before the book changes, the
 * customers are found or added through the book's stage, the attribute storage is reserved, and
 * only then are the values put (which cannot fail). Both forms read their cells through one
 * accessor, so they share every rule. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/book_impl.h"

/* Where the cells come from: rows of tier_cell, or one C array per column. */
typedef struct load_src {
    const tier_column *cols;
    size_t ncols;
    const tier_cell *cells;
    const void *const *values; /* NULL in the row form */
} load_src;

/* What a column will put into the book. */
typedef struct load_col {
    int attr_type;    /* the book's tier_attr_type; 0 for the id column */
    int any;          /* some row has a value */
    size_t max_index; /* highest customer index with a value */
    double *num;      /* per row, NaN = no value */
    char **text;      /* per row, NULL = no value; owned (book allocator) until put */
} load_col;

typedef struct load_run {
    tier_book *b;
    load_src src;
    size_t nrows;
    size_t idc; /* the id column */
    load_col *col;
    size_t *cust; /* customer of each row */
} load_run;

static void cell_at(const load_src *s, size_t r, size_t c, tier_cell *out)
{
    memset(out, 0, sizeof *out);
    if (!s->values) {
        *out = s->cells[r * s->ncols + c];
    } else if (s->cols[c].type == TIER_COLUMN_NUMBER) {
        double v = ((const double *)s->values[c])[r];
        if (!isnan(v)) {
            out->type = TIER_CELL_NUMBER;
            out->number = v;
        }
    } else {
        const char *t = ((const char *const *)s->values[c])[r];
        if (t) {
            out->type = TIER_CELL_TEXT;
            out->text = t;
            out->len = strlen(t);
        }
    }
}

static const char *type_name(int type)
{
    switch (type) {
    case TIER_COLUMN_NUMBER:
        return "number";
    case TIER_COLUMN_TEXT:
        return "text";
    case TIER_COLUMN_DATE:
        return "date";
    default:
        return "id";
    }
}

/* The customer id of row r written as a decimal integer into buf when it is an integral number
 * cell, else the text cell's bytes; returns NULL with *why set when the cell cannot be an id. */
static const char *row_id(const load_run *L, size_t r, char *buf, size_t cap, size_t *len,
                          const char **why)
{
    tier_cell cell;
    cell_at(&L->src, r, L->idc, &cell);
    *why = NULL;
    if (cell.type == TIER_CELL_TEXT && cell.text && cell.len) {
        *len = cell.len;
        return cell.text;
    }
    if (cell.type == TIER_CELL_NUMBER && cell.number == floor(cell.number) &&
        fabs(cell.number) < 9007199254740992.0) {
        *len = (size_t)snprintf(buf, cap, "%.0f", cell.number);
        return buf;
    }
    if (cell.type == TIER_CELL_NUMBER)
        *why = "the customer id is a number that is not a whole number below 2^53";
    else if (cell.type == TIER_CELL_TEXT)
        *why = cell.text ? "the customer id is empty" : "a text cell with no text (NULL pointer)";
    else
        *why = cell.type == TIER_CELL_NULL ? "the customer id is missing (NULL)"
                                           : "the customer id cell has an unknown cell type";
    return NULL;
}

/* Sets the book's error "row R (customer "ID"), column C "NAME": reason" (the customer part
 * when row r has a usable id, the column part when c < ncols; r SIZE_MAX: no row) and returns
 * `status`. */
static int fail(load_run *L, int status, size_t r, size_t c, const char *fmt, ...)
    TIER__PRINTF(5, 6);

static int fail(load_run *L, int status, size_t r, size_t c, const char *fmt, ...)
{
    char reason[TIER__ERR_SIZE], where[TIER__ERR_SIZE] = "", q[TIER__QUOTE_MAX * 4 + 16];
    char idbuf[32];
    const char *id = NULL, *why;
    size_t len = 0, used = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (r != SIZE_MAX) {
        if (L->idc < L->src.ncols)
            id = row_id(L, r, idbuf, sizeof idbuf, &len, &why);
        used = (size_t)snprintf(where, sizeof where, "row %zu", r);
        if (id)
            used += (size_t)snprintf(where + used, sizeof where - used, " (customer %s)",
                                     tier__quote_text(q, sizeof q, id, len));
    }
    if (c < L->src.ncols && used < sizeof where) {
        const char *name = L->src.cols[c].name ? L->src.cols[c].name : "";
        snprintf(where + used, sizeof where - used, "%scolumn %zu %s", used ? ", " : "", c,
                 tier__quote_text(q, sizeof q, name, strlen(name)));
    }
    tier__errorf(L->b->err, "%s%s%s", where, where[0] ? ": " : "", reason);
    return status;
}

/* ---- checking the columns ------------------------------------------------------------------ */

static int check_columns(load_run *L)
{
    const tier_column *cols = L->src.cols;
    size_t c, k;
    L->idc = SIZE_MAX;
    for (c = 0; c < L->src.ncols; c++) {
        int type = cols[c].type, have;
        size_t nlen = cols[c].name ? strlen(cols[c].name) : 0;
        if (type < TIER_COLUMN_NUMBER || type > TIER_COLUMN_ID)
            return fail(L, TIER_EINVAL, SIZE_MAX, c,
                        "type %d is not a column type (number %d, text %d, date %d, id %d)", type,
                        TIER_COLUMN_NUMBER, TIER_COLUMN_TEXT, TIER_COLUMN_DATE, TIER_COLUMN_ID);
        if (!nlen || !tier__utf8_valid(cols[c].name, nlen))
            return fail(L, TIER_EINVAL, SIZE_MAX, c, "the column name is %s",
                        cols[c].name ? (nlen ? "not valid UTF-8" : "empty") : "NULL");
        if (L->src.values && !L->src.values[c])
            return fail(L, TIER_EINVAL, SIZE_MAX, c, "no array of values (NULL)");
        if (type == TIER_COLUMN_ID) {
            if (L->idc != SIZE_MAX)
                return fail(L, TIER_EINVAL, SIZE_MAX, c,
                            "a second id column (column %zu is the id); declare one", L->idc);
            L->idc = c;
            continue;
        }
        for (k = 0; k < c; k++)
            if (cols[k].type != TIER_COLUMN_ID && strcmp(cols[k].name, cols[c].name) == 0)
                return fail(L, TIER_EINVAL, SIZE_MAX, c, "the name of column %zu again", k);
        L->col[c].attr_type = type == TIER_COLUMN_NUMBER ? TIER_ATTR_NUMBER : TIER_ATTR_TEXT;
        have = tier__book_attr_type(L->b, cols[c].name);
        if (have && have != L->col[c].attr_type)
            return fail(L, TIER_EINVAL, SIZE_MAX, c,
                        "declared %s, but the book holds %s under this attribute", type_name(type),
                        have == TIER_ATTR_NUMBER ? "numbers" : "text");
    }
    if (L->idc == SIZE_MAX)
        return fail(L, TIER_EINVAL, SIZE_MAX, SIZE_MAX,
                    "no column is declared TIER_COLUMN_ID (the customer id)");
    if ((int64_t)L->nrows > L->b->lim_rows_per_call)
        return fail(L, TIER_ERANGE, SIZE_MAX, SIZE_MAX,
                    "%zu rows, more than TIER_BOOK_LIMIT_ROWS_PER_CALL (%lld)", L->nrows,
                    (long long)L->b->lim_rows_per_call);
    return TIER_OK;
}

/* ---- converting the cells ------------------------------------------------------------------ */

/* The value of a date column's cell as a day number. */
static int cell_day(load_run *L, size_t r, size_t c, const tier_cell *cell, int32_t *day)
{
    char q[TIER__QUOTE_MAX * 4 + 16];
    int rc;
    if (cell->type == TIER_CELL_NUMBER) {
        if (cell->number != floor(cell->number) || cell->number < TIER_DAY_MIN ||
            cell->number > TIER_DAY_MAX)
            return fail(L, TIER_ERANGE, r, c,
                        "%.17g is not a day number (whole, %d for 1900-01-01 to %d for "
                        "9999-12-31)",
                        cell->number, TIER_DAY_MIN, TIER_DAY_MAX);
        *day = (int32_t)cell->number;
        return TIER_OK;
    }
    rc = tier_date_parse(day, cell->text, cell->len, TIER_DATE_ISO);
    if (rc == TIER_EPARSE)
        return fail(L, TIER_EINVAL, r, c, "%s is not a date YYYY-MM-DD",
                    tier__quote_text(q, sizeof q, cell->text, cell->len));
    if (rc)
        return fail(L, TIER_ERANGE, r, c,
                    "%s is not a day of the calendar from 1900-01-01 to 9999-12-31",
                    tier__quote_text(q, sizeof q, cell->text, cell->len));
    return TIER_OK;
}

/* Checks and converts the cell of row r, column c into L->col[c]. */
static int convert_cell(load_run *L, size_t r, size_t c)
{
    const tier_allocator *ba = &L->b->alloc;
    load_col *col = &L->col[c];
    int type = L->src.cols[c].type;
    char q[TIER__QUOTE_MAX * 4 + 16], day_text[16];
    tier_cell cell;
    int32_t day;
    int rc;
    cell_at(&L->src, r, c, &cell);
    if (cell.type == TIER_CELL_NULL || (cell.type == TIER_CELL_TEXT && cell.len == 0) ||
        (cell.type == TIER_CELL_NUMBER && isnan(cell.number)))
        return TIER_OK; /* no value: the attribute stays as it is */
    if (cell.type != TIER_CELL_NUMBER && cell.type != TIER_CELL_TEXT)
        return fail(L, TIER_EINVAL, r, c, "cell type %d is not a cell type (null, number, text)",
                    cell.type);
    if (cell.type == TIER_CELL_TEXT && !cell.text)
        return fail(L, TIER_EINVAL, r, c, "a text cell with no text (NULL pointer)");
    if (type == TIER_COLUMN_NUMBER) {
        if (cell.type == TIER_CELL_TEXT)
            return fail(L, TIER_EINVAL, r, c, "text %s where a number was declared",
                        tier__quote_text(q, sizeof q, cell.text, cell.len));
        if (isinf(cell.number))
            return fail(L, TIER_EINVAL, r, c, "the number is infinite");
        col->num[r] = cell.number;
    } else if (type == TIER_COLUMN_TEXT) {
        if (cell.type == TIER_CELL_NUMBER)
            return fail(L, TIER_EINVAL, r, c, "a number (%.17g) where text was declared",
                        cell.number);
        if ((int64_t)cell.len > L->b->lim_text)
            return fail(L, TIER_ERANGE, r, c,
                        "text of %zu bytes, longer than TIER_BOOK_LIMIT_TEXT_LENGTH (%lld)",
                        cell.len, (long long)L->b->lim_text);
        if (!tier__utf8_valid(cell.text, cell.len))
            return fail(L, TIER_EINVAL, r, c, "text %s is not valid UTF-8 (or holds a NUL byte)",
                        tier__quote_text(q, sizeof q, cell.text, cell.len));
        if (!(col->text[r] = tier__strndup(ba, cell.text, cell.len)))
            return fail(L, TIER_ENOMEM, r, c, "out of memory");
    } else {
        if ((rc = cell_day(L, r, c, &cell, &day)) != TIER_OK)
            return rc;
        (void)tier_date_format_iso(day_text, sizeof day_text, day); /* in range: checked */
        if (!(col->text[r] = tier__strdup(ba, day_text)))
            return fail(L, TIER_ENOMEM, r, c, "out of memory");
    }
    col->any = 1;
    return TIER_OK;
}

static int convert(load_run *L)
{
    const tier_allocator *a = &L->b->alloc;
    size_t r, c, n = L->nrows ? L->nrows : 1;
    int rc;
    for (c = 0; c < L->src.ncols; c++) {
        if (c == L->idc)
            continue;
        if (L->col[c].attr_type == TIER_ATTR_NUMBER) {
            if (!(L->col[c].num = tier__malloc(a, n * sizeof(double))))
                return fail(L, TIER_ENOMEM, SIZE_MAX, SIZE_MAX, "out of memory");
            for (r = 0; r < L->nrows; r++)
                L->col[c].num[r] = NAN;
        } else if (!(L->col[c].text = tier__calloc(a, n, sizeof(char *)))) {
            return fail(L, TIER_ENOMEM, SIZE_MAX, SIZE_MAX, "out of memory");
        }
    }
    for (r = 0; r < L->nrows; r++)
        for (c = 0; c < L->src.ncols; c++)
            if (c != L->idc && (rc = convert_cell(L, r, c)) != TIER_OK)
                return rc;
    return TIER_OK;
}

/* ---- customers, then the book --------------------------------------------------------------- */

/* Finds or adds the customer of every row (inside the book's stage) and refuses an id given
 * twice. */
static int find_customers(load_run *L, unsigned flags)
{
    const tier_allocator *a = &L->b->alloc;
    size_t r, *first_row = NULL;
    char idbuf[32], why_book[TIER__ERR_SIZE];
    int rc = TIER_OK;
    for (r = 0; r < L->nrows; r++) {
        const char *why, *id;
        size_t len = 0;
        id = row_id(L, r, idbuf, sizeof idbuf, &len, &why);
        if (!id)
            return fail(L, TIER_EINVAL, r, L->idc, "%s", why);
        if (!tier__utf8_valid(id, len))
            return fail(L, TIER_EINVAL, r, L->idc, "the customer id is not valid UTF-8");
        if (tier_book_find(L->b, id, len, &L->cust[r]) == TIER_OK)
            continue;
        if (flags & TIER_LOAD_EXISTING)
            return fail(L, TIER_ENOTFOUND, r, L->idc,
                        "unknown customer (TIER_LOAD_EXISTING: every id must be in the book)");
        if ((rc = tier_book_add_customer(L->b, id, len, &L->cust[r])) != TIER_OK) {
            memcpy(why_book, L->b->err, sizeof why_book);
            return fail(L, rc, r, L->idc, "%s", why_book[0] ? why_book : tier_strerror(rc));
        }
    }
    /* One row per customer: the first row of each customer, 0 = none yet. */
    first_row = tier__calloc(a, L->b->live.ncust ? L->b->live.ncust : 1, sizeof *first_row);
    if (!first_row)
        return fail(L, TIER_ENOMEM, SIZE_MAX, SIZE_MAX, "out of memory");
    for (r = 0; r < L->nrows && rc == TIER_OK; r++) {
        if (first_row[L->cust[r]])
            rc = fail(L, TIER_EINVAL, r, L->idc, "the customer's second row (the first is row %zu)",
                      first_row[L->cust[r]] - 1);
        first_row[L->cust[r]] = r + 1;
    }
    tier__free(a, first_row);
    return rc;
}

static int run(load_run *L, unsigned flags)
{
    size_t r, c;
    int rc;
    char why[TIER__ERR_SIZE];
    if ((rc = check_columns(L)) != TIER_OK || (rc = convert(L)) != TIER_OK)
        return rc;
    tier__book_begin(L->b);
    if ((rc = find_customers(L, flags)) != TIER_OK) {
        tier__book_rollback(L->b);
        return rc;
    }
    for (c = 0; c < L->src.ncols; c++) {
        load_col *col = &L->col[c];
        for (r = 0; col->any && r < L->nrows; r++)
            if (((col->num && !isnan(col->num[r])) || (col->text && col->text[r])) &&
                L->cust[r] > col->max_index)
                col->max_index = L->cust[r];
        if (col->any && (rc = tier__book_reserve_attr(L->b, L->src.cols[c].name, col->attr_type,
                                                      col->max_index)) != TIER_OK) {
            memcpy(why, L->b->err, sizeof why);
            fail(L, rc, SIZE_MAX, c, "%s", why[0] ? why : tier_strerror(rc));
            tier__book_rollback(L->b);
            return rc;
        }
    }
    tier__book_commit(L->b);
    for (c = 0; c < L->src.ncols; c++) {
        for (r = 0; L->col[c].any && r < L->nrows; r++) {
            if (L->col[c].num && !isnan(L->col[c].num[r])) {
                tier__book_put_number(L->b, L->cust[r], L->src.cols[c].name, L->col[c].num[r]);
            } else if (L->col[c].text && L->col[c].text[r]) {
                tier__book_put_text(L->b, L->cust[r], L->src.cols[c].name, L->col[c].text[r]);
                L->col[c].text[r] = NULL;
            }
        }
    }
    return TIER_OK;
}

static int load(tier_book *b, const tier_column *columns, size_t ncolumns, const tier_cell *cells,
                const void *const *values, size_t nrows, unsigned flags)
{
    load_run L;
    const tier_allocator *a;
    size_t c, r;
    int rc;
    if (!b)
        return TIER_EINVAL;
    memset(&L, 0, sizeof L);
    L.b = b;
    L.src.cols = columns;
    L.src.ncols = ncolumns;
    L.src.cells = cells;
    L.src.values = values;
    L.nrows = nrows;
    L.idc = SIZE_MAX;
    b->err[0] = '\0';
    if (!columns || !ncolumns || (!cells && !values && nrows) ||
        (flags & ~(unsigned)TIER_LOAD_EXISTING)) {
        tier__errorf(b->err, "%s",
                     !columns || !ncolumns ? "no columns (the id column at least)"
                     : (flags & ~(unsigned)TIER_LOAD_EXISTING)
                         ? "unknown flags (TIER_LOAD_EXISTING is the only one)"
                         : "no cells (NULL) for the rows");
        return TIER_EINVAL;
    }
    if (nrows > SIZE_MAX / ncolumns / sizeof(tier_cell)) {
        tier__errorf(b->err, "%zu rows of %zu cells do not fit in memory", nrows, ncolumns);
        return TIER_ERANGE;
    }
    a = &b->alloc;
    L.col = tier__calloc(a, ncolumns, sizeof *L.col);
    L.cust = tier__calloc(a, nrows ? nrows : 1, sizeof *L.cust);
    if (!L.col || !L.cust)
        rc = fail(&L, TIER_ENOMEM, SIZE_MAX, SIZE_MAX, "out of memory");
    else
        rc = run(&L, flags);
    for (c = 0; L.col && c < ncolumns; c++) {
        for (r = 0; L.col[c].text && r < nrows; r++)
            tier__free(a, L.col[c].text[r]);
        tier__free(a, L.col[c].text);
        tier__free(a, L.col[c].num);
    }
    tier__free(a, L.col);
    tier__free(a, L.cust);
    return rc;
}

int tier_book_load_rows(tier_book *book, const tier_column *columns, size_t ncolumns,
                        const tier_cell *cells, size_t nrows, unsigned flags)
{
    return load(book, columns, ncolumns, cells, NULL, nrows, flags);
}

int tier_book_load_columns(tier_book *book, const tier_column *columns, size_t ncolumns,
                           const void *const *values, size_t nrows, unsigned flags)
{
    if (book && !values) {
        tier__errorf(book->err, "no arrays of values (NULL)");
        return TIER_EINVAL;
    }
    return load(book, columns, ncolumns, NULL, values, nrows, flags);
}
