/* SPDX-License-Identifier: MIT */
/* The contracts loader of the CSV reader: one row per contract (docs/subscriptions.md, "The
 * contracts file"). The whole file is read and split with the library's lexer in the reader's
 * dialect, the columns are found by name (the reader's id column, then the usual names of each
 * role, case-insensitively), every row is converted, and the rows are added with the book's
 * checked all-or-nothing contract add, whose refusals are reported at the file's line and
 * column. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/contracts_internal.h"
#include "io/csv_internal.h"
#include "util/csv_lex.h"
#include "util/internal.h"
#include "util/numtext.h"

/* The usual names of each field's column, NULL-terminated; the id column is the reader's. */
static const char *const start_names[] = {"start",          "start_date",   "start_day",
                                          "contract_start", "period_start", NULL};
static const char *const end_names[] = {"end",        "end_date",     "end_day", "contract_end",
                                        "period_end", "renewal_date", NULL};
static const char *const amount_names[] = {"amount", "recurring_amount", "price", "fee", NULL};
static const char *const period_names[] = {"period",   "billing_period",   "billing",
                                           "interval", "billing_interval", NULL};
static const char *const status_names[] = {"status", "contract_status", "state", NULL};
static const char *const plan_names[] = {"plan", "product", "plan_name", "sku", NULL};

static const char *const *const role_names[TIER__CF_COUNT] = {
    NULL, start_names, end_names, amount_names, period_names, status_names, plan_names};

/* Required columns: id, start, amount, period, status. */
static const int required[TIER__CF_COUNT] = {1, 1, 0, 1, 1, 1, 0};

typedef struct ct_load {
    tier__csv_dialect d;
    const tier_allocator *a;
    const char *data;
    size_t len;
    tier__csv_lex lx;
    char **names; /* header names (unescaped) */
    size_t ncols;
    size_t col[TIER__CF_COUNT]; /* column of each field, SIZE_MAX: absent */
    tier__contract_in *rows;
    uint64_t *lines;
    size_t nrows, caprows, caplines;
    char **owned; /* unescaped values */
    size_t nowned, capowned;
    uint64_t err_line, err_col;
    char msg[TIER__ERR_SIZE];
} ct_load;

static int fail(ct_load *L, int status, uint64_t line, size_t col, const char *fmt, ...)
    TIER__PRINTF(5, 6);

/* "line L, column C (name): reason"; col is 0-based, SIZE_MAX for none. */
static int fail(ct_load *L, int status, uint64_t line, size_t col, const char *fmt, ...)
{
    char reason[TIER__ERR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    L->err_line = line;
    L->err_col = col == SIZE_MAX ? 0 : col + 1;
    tier__csv_error_text(L->msg, line, L->err_col,
                         L->names && col < L->ncols ? L->names[col] : NULL, reason);
    return status;
}

/* A field's value: the bytes in the data, or an unescaped copy kept until the load ends. */
static int value(ct_load *L, const tier__csv_field *f, const char **p, size_t *n)
{
    char *s;
    /* Both outputs are written on every path, also when the copy cannot be made. */
    *p = NULL;
    *n = 0;
    if (!f->dq) {
        *p = f->p;
        *n = f->len;
        return TIER_OK;
    }
    if (tier__grow(L->a, (void **)&L->owned, &L->capowned, L->nowned + 1, sizeof *L->owned) ||
        !(s = tier__malloc(L->a, f->len + 1)))
        return fail(L, TIER_ENOMEM, 0, SIZE_MAX, "out of memory");
    L->owned[L->nowned++] = s;
    *n = tier__csv_unescape(s, f);
    s[*n] = '\0';
    *p = s;
    return TIER_OK;
}

static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

/* The names (from the header record or the reader's names) and the column of each field. */
static int setup_columns(ct_load *L, uint64_t hline)
{
    size_t i, f;
    const char *s = L->d.names;
    const char *wanted[TIER__CF_COUNT] = {"the id", "start",  "end", "amount",
                                          "period", "status", "plan"};
    L->ncols = s ? L->d.names_count : L->lx.nfields;
    if (!(L->names = tier__calloc(L->a, L->ncols ? L->ncols : 1, sizeof *L->names)))
        return fail(L, TIER_ENOMEM, 0, SIZE_MAX, "out of memory");
    for (i = 0; i < L->ncols; i++) {
        if (s) {
            L->names[i] = tier__strdup(L->a, s);
            s += strlen(s) + 1;
        } else if ((L->names[i] = tier__malloc(L->a, L->lx.field[i].len + 1)) != NULL) {
            L->names[i][tier__csv_unescape(L->names[i], &L->lx.field[i])] = '\0';
        }
        if (!L->names[i])
            return fail(L, TIER_ENOMEM, 0, SIZE_MAX, "out of memory");
    }
    for (f = 0; f < TIER__CF_COUNT; f++) {
        L->col[f] = SIZE_MAX;
        for (i = 0; i < L->ncols && L->col[f] == SIZE_MAX; i++) {
            size_t k;
            if (f == TIER__CF_ID) {
                if (same_name(L->names[i], L->d.id_column))
                    L->col[f] = i;
                continue;
            }
            for (k = 0; role_names[f][k]; k++)
                if (same_name(L->names[i], role_names[f][k]))
                    L->col[f] = i;
        }
        if (required[f] && L->col[f] == SIZE_MAX) {
            char list[300] = "";
            size_t used = 0;
            for (i = 0; i < L->ncols; i++)
                if (!tier__csv_list_add(list, sizeof list, &used, L->names[i]))
                    break;
            if (f == TIER__CF_ID)
                return fail(L, TIER_EINVAL, hline, SIZE_MAX,
                            "no column named \"%s\" for the customer id (columns: %s)",
                            L->d.id_column, list);
            return fail(L, TIER_EINVAL, hline, SIZE_MAX,
                        "no %s column (named %s, %s, ...; columns: %s)", wanted[f],
                        role_names[f][0], role_names[f][1], list);
        }
    }
    return TIER_OK;
}

/* Lower-case copy of up to cap-1 bytes for matching words. */
static void lower(char *dst, size_t cap, const char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n && i + 1 < cap; i++)
        dst[i] = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] + 32) : p[i];
    dst[i] = '\0';
    if (n >= cap)
        dst[0] = '\0'; /* too long for any word */
}

static int word_of(const char *w, const char *const *words, const int *codes)
{
    size_t k;
    for (k = 0; words[k]; k++)
        if (strcmp(w, words[k]) == 0)
            return codes[k];
    return 0;
}

static int day_of(ct_load *L, const tier__csv_field *f, size_t col, int32_t *day)
{
    char q[TIER__QUOTE_MAX * 4 + 16];
    const char *p;
    size_t n;
    int rc = value(L, f, &p, &n);
    if (rc)
        return rc;
    rc = tier_date_parse(day, p, n, TIER_DATE_ISO);
    if (rc == TIER_OK)
        return TIER_OK;
    return fail(L, rc == TIER_EPARSE ? TIER_EPARSE : TIER_ERANGE, f->line, col,
                rc == TIER_EPARSE ? "not a date YYYY-MM-DD: %s"
                                  : "no such day (from 1900-01-01 to 9999-12-31): %s",
                tier__quote_text(q, sizeof q, p, n));
}

/* Converts data record `lx` into a row. */
static int convert(ct_load *L)
{
    static const char *const periods[] = {"month",  "monthly",  "m", "mo", "year", "yearly",
                                          "annual", "annually", "y", "yr", NULL};
    static const int period_codes[] = {1, 1, 1, 1, 2, 2, 2, 2, 2, 2};
    static const char *const statuses[] = {"active", "renewed", "cancelled", "canceled", NULL};
    static const int status_codes[] = {1, 2, 3, 3};
    const tier__csv_field *fld = L->lx.field;
    tier__contract_in *r;
    char q[TIER__QUOTE_MAX * 4 + 16], w[16];
    const char *p;
    size_t n, c;
    int rc;
    if (L->lx.nfields != L->ncols)
        return fail(L, TIER_EPARSE, L->lx.line, SIZE_MAX, "expected %lu fields, found %lu",
                    (unsigned long)L->ncols, (unsigned long)L->lx.nfields);
    if (tier__grow(L->a, (void **)&L->rows, &L->caprows, L->nrows + 1, sizeof *L->rows) ||
        tier__grow(L->a, (void **)&L->lines, &L->caplines, L->nrows + 1, sizeof *L->lines))
        return fail(L, TIER_ENOMEM, 0, SIZE_MAX, "out of memory");
    r = &L->rows[L->nrows];
    memset(r, 0, sizeof *r);
    L->lines[L->nrows] = L->lx.line;
    c = L->col[TIER__CF_ID];
    if ((rc = value(L, &fld[c], &r->id, &r->id_len)) != TIER_OK)
        return rc;
    if (!r->id_len)
        return fail(L, TIER_EPARSE, fld[c].line, c, "empty customer id");
    c = L->col[TIER__CF_START];
    if (!fld[c].len)
        return fail(L, TIER_EPARSE, fld[c].line, c, "empty start date");
    if ((rc = day_of(L, &fld[c], c, &r->start)) != TIER_OK)
        return rc;
    r->end = TIER_CONTRACT_OPEN;
    c = L->col[TIER__CF_END];
    if (c != SIZE_MAX && fld[c].len && (rc = day_of(L, &fld[c], c, &r->end)) != TIER_OK)
        return rc;
    c = L->col[TIER__CF_AMOUNT];
    if ((rc = value(L, &fld[c], &p, &n)) != TIER_OK)
        return rc;
    if (tier__num_parse(p, n, &r->amount, 0) != TIER_OK)
        return fail(L, TIER_EPARSE, fld[c].line, c, "not a number: %s",
                    tier__quote_text(q, sizeof q, p, n));
    c = L->col[TIER__CF_PERIOD];
    lower(w, sizeof w, fld[c].p, fld[c].len);
    if (!(r->period = word_of(w, periods, period_codes)))
        return fail(L, TIER_EPARSE, fld[c].line, c,
                    "not a period: %s (monthly or yearly; also month, m, year, annual, y)",
                    tier__quote_text(q, sizeof q, fld[c].p, fld[c].len));
    c = L->col[TIER__CF_STATUS];
    lower(w, sizeof w, fld[c].p, fld[c].len);
    if (!(r->status = word_of(w, statuses, status_codes)))
        return fail(L, TIER_EPARSE, fld[c].line, c,
                    "not a status: %s (active, renewed or cancelled)",
                    tier__quote_text(q, sizeof q, fld[c].p, fld[c].len));
    c = L->col[TIER__CF_PLAN];
    if (c != SIZE_MAX && (rc = value(L, &fld[c], &r->plan, &r->plan_len)) != TIER_OK)
        return rc;
    L->nrows++;
    return TIER_OK;
}

static int load(ct_load *L, tier_book *book)
{
    size_t pos = 0, used, bad_row;
    int rc, bad_field, have_names = L->d.names != NULL;
    char why[TIER__ERR_SIZE];
    if (!L->d.has_header && !have_names)
        return fail(L, TIER_EINVAL, 0, SIZE_MAX,
                    "a file without a header line needs column names (tier_csv_set_column_names)");
    for (;;) {
        rc = tier__csv_lex_next(&L->lx, L->data + pos, L->len - pos, 1, &used);
        if (rc < 0)
            return fail(L, rc, L->lx.err_line, (size_t)L->lx.err_col - 1, "%s", L->lx.err);
        if (rc == TIER__CSV_END)
            break;
        pos += used;
        if (rc == TIER__CSV_BLANK)
            continue;
        if (!L->names) {
            if ((rc = setup_columns(L, L->lx.line)) != TIER_OK)
                return rc;
            if (L->d.has_header)
                continue;
        }
        if ((uint64_t)L->nrows >= L->d.max_rows)
            return fail(L, TIER_ERANGE, L->lx.line, SIZE_MAX,
                        "more than %llu data rows (the row limit)",
                        (unsigned long long)L->d.max_rows);
        if ((rc = convert(L)) != TIER_OK)
            return rc;
    }
    if (!L->nrows)
        return TIER_OK;
    rc = tier__book_add_contract_rows(book, L->rows, L->nrows, 0, L->lines, &bad_row, &bad_field,
                                      why);
    if (rc == TIER_OK)
        return TIER_OK;
    if (bad_row == SIZE_MAX)
        return fail(L, rc, 0, SIZE_MAX, "%s", why);
    return fail(L, rc, L->lines[bad_row], bad_field >= 0 ? L->col[bad_field] : SIZE_MAX, "%s", why);
}

static int run(tier_csv *csv, tier_book *book, const char *data, size_t len, const char *path)
{
    ct_load L;
    char *buf = NULL;
    size_t i;
    int rc;
    memset(&L, 0, sizeof L);
    tier__csv_dialect_get(csv, &L.d);
    L.a = L.d.alloc;
    tier__csv_lex_init(&L.lx, L.a, L.d.delimiter, L.d.max_fields, L.d.max_length);
    if (path) {
        rc = tier__csv_read_whole(&L.d, path, &buf, &len, L.msg);
        if (rc)
            fail(&L, rc, 0, SIZE_MAX, "%s", L.msg[0] ? L.msg : tier_strerror(rc));
        data = buf;
    } else {
        rc =
            L.d.progress && L.d.progress(L.d.progress_ud, len, len)
                ? fail(&L, TIER_EUSER, 0, SIZE_MAX,
                       "stopped by the progress callback after %llu bytes", (unsigned long long)len)
                : TIER_OK;
    }
    if (rc == TIER_OK) {
        L.data = data ? data : "";
        L.len = len;
        rc = load(&L, book);
    }
    tier__csv_set_outcome(csv, rc, rc ? 0 : L.nrows, L.err_line, L.err_col, rc ? L.msg : "");
    tier__csv_lex_free(&L.lx);
    for (i = 0; L.names && i < L.ncols; i++)
        tier__free(L.a, L.names[i]);
    tier__free(L.a, L.names);
    tier__free_strings(L.a, L.owned, L.nowned);
    tier__free(L.a, L.rows);
    tier__free(L.a, L.lines);
    tier__free(L.a, buf);
    return rc;
}

int tier_csv_read_contracts_buffer(tier_csv *csv, tier_book *book, const char *data, size_t len)
{
    int rc = tier__csv_check_args(csv, book, data || !len ? "" : NULL);
    return rc ? rc : run(csv, book, data, len, NULL);
}

int tier_csv_read_contracts_file(tier_csv *csv, tier_book *book, const char *path)
{
    int rc = tier__csv_check_args(csv, book, path);
    return rc ? rc : run(csv, book, NULL, 0, path);
}
