/* SPDX-License-Identifier: MIT */
/* Loading a transaction log: streams it through the I/O layer in large blocks and feeds the rows
 * to a book through its staged fast path, all or nothing.
 *
 * The library's CSV lexer (util/csv_lex.h) splits each block into records where they lie (no
 * per-field copies, a word-at-a-time fast path for the common line); a record cut by the end of a
 * block is lexed again once the next block is in. This file maps the header to column roles and
 * converts the role fields of each row. Accept/reject rules are in docs/csv.md. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"
#include "io/csv_impl.h"
#include "util/buf.h"
#include "util/csv_lex.h"

#define HIGHS UINT64_C(0x8080808080808080)

static uint64_t load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* ---------------------------------------------------------------------------------------------
 * Load state */

#define CSV_PENDING 256

typedef struct csv_state {
    tier_csv *csv;
    tier_book *book;
    tier__csv_lex lx; /* fields of the current record; its line is lx.line */
    int collecting;   /* the next record is the header line */
    uint64_t rows;
    /* Columns: names (NUL-separated, offsets in name_off) and the role of each. */
    size_t ncols;
    unsigned char *col_role;
    size_t role_col[ROLE_COUNT]; /* 0-based column per role; SIZE_MAX when none */
    tier__buf names;
    size_t *name_off;
    size_t name_count, name_off_cap;
    int names_ready;
    /* The current row, by role. Unescaped quoted values live in scratch. */
    const tier__csv_field *f[ROLE_COUNT];
    tier__csv_field unq[ROLE_COUNT]; /* unescaped copies of quoted fields with "" pairs */
    char *scratch[ROLE_COUNT];
    size_t scratch_cap[ROLE_COUNT];
    /* Last date text and its day: logs are mostly in date order. */
    char last_date[12];
    size_t last_date_len;
    int32_t last_day;
    int date_format;
    /* Rows parsed but not yet handed to the book: they go in batches (see tier__book_add_rows)
     * and point into the current block, so they are flushed before the block changes. */
    tier__row pend[CSV_PENDING];
    uint64_t pend_line[CSV_PENDING];
    size_t npend;
} csv_state;

static int flush_rows(csv_state *st);

static const char *column_name(const csv_state *st, uint64_t col)
{
    if (!st->names_ready || col < 1 || col > st->name_count)
        return NULL;
    return tier__buf_data(&st->names) + st->name_off[col - 1];
}

/* Sets the reader's error: "line L, column C (name): reason". Returns status. */
static int fail(csv_state *st, int status, uint64_t line, uint64_t col, const char *fmt, ...)
    TIER__PRINTF(5, 6);

static int fail(csv_state *st, int status, uint64_t line, uint64_t col, const char *fmt, ...)
{
    char reason[TIER__ERR_SIZE];
    const char *name = column_name(st, col);
    va_list ap;
    /* Rows before this one come first: one of them may be refused by the book. */
    if (st->npend) {
        int rc = flush_rows(st);
        if (rc)
            return rc;
    }
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    tier__csv_error_text(st->csv->err, line, col, name, reason);
    st->csv->err_line = line;
    st->csv->err_column = col;
    return status;
}

static void state_free(csv_state *st)
{
    const tier_allocator *a = &st->csv->alloc;
    int r;
    tier__free(a, st->col_role);
    tier__buf_free(&st->names);
    tier__csv_lex_free(&st->lx);
    tier__free(a, st->name_off);
    for (r = 0; r < ROLE_COUNT; r++)
        tier__free(a, st->scratch[r]);
}

/* Appends a column name (trimmed; "" unescaped when has_dq). */
static int add_name(csv_state *st, const char *s, size_t len, int has_dq)
{
    size_t i, o = 0, off = tier__buf_len(&st->names);
    char *d;
    s = tier__csv_trim(s, &len);
    if (tier__grow(&st->csv->alloc, (void **)&st->name_off, &st->name_off_cap, st->name_count + 1,
                   sizeof *st->name_off) ||
        len == SIZE_MAX || !(d = tier__buf_extend(&st->names, len + 1)))
        return fail(st, TIER_ENOMEM, 0, 0, "out of memory");
    for (i = 0; i < len; i++) {
        d[o++] = s[i];
        if (has_dq && s[i] == '"')
            i++;
    }
    d[o++] = '\0';
    tier__buf_truncate(&st->names, off + o); /* unescaping may have shortened it */
    st->name_off[st->name_count++] = off;
    return TIER_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Columns */

typedef struct name_ref {
    const char *s;
    size_t col;
} name_ref;

static int compare_names(const void *a, const void *b)
{
    const name_ref *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    if (c)
        return c;
    return x->col < y->col ? -1 : x->col > y->col;
}

/* Once the names are known (header line or tier_csv_set_column_names), maps roles to columns. */
static int setup_columns(csv_state *st, uint64_t header_line)
{
    tier_csv *csv = st->csv;
    const tier_allocator *a = &csv->alloc;
    name_ref *refs;
    size_t i, r, dup = SIZE_MAX;
    st->names_ready = 1;
    st->ncols = st->name_count;
    /* Repeated names (other than empty ones) make column selection ambiguous. */
    refs = tier__calloc(a, st->ncols ? st->ncols : 1, sizeof *refs);
    if (!refs)
        return fail(st, TIER_ENOMEM, 0, 0, "out of memory");
    for (i = 0; i < st->ncols; i++) {
        refs[i].s = tier__buf_data(&st->names) + st->name_off[i];
        refs[i].col = i;
    }
    qsort(refs, st->ncols, sizeof *refs, compare_names);
    for (i = 1; i < st->ncols; i++)
        if (refs[i].s[0] && strcmp(refs[i].s, refs[i - 1].s) == 0 && refs[i].col < dup)
            dup = refs[i].col;
    tier__free(a, refs);
    if (dup != SIZE_MAX)
        return fail(st, TIER_EPARSE, header_line, dup + 1, "column name appears twice");
    st->col_role = tier__calloc(a, st->ncols ? st->ncols : 1, 1);
    if (!st->col_role)
        return fail(st, TIER_ENOMEM, 0, 0, "out of memory");
    for (r = ROLE_ID; r <= ROLE_MARGIN; r++) {
        const char *want = tier__csv_role_name(csv, r);
        st->role_col[r] = SIZE_MAX;
        if (!want)
            continue;
        for (i = 0; i < st->ncols; i++)
            if (strcmp(tier__buf_data(&st->names) + st->name_off[i], want) == 0)
                break;
        if (i == st->ncols) {
            char list[300] = "";
            size_t used = 0, k;
            for (k = 0; k < st->name_count; k++)
                if (!tier__csv_list_add(list, sizeof list, &used,
                                        tier__buf_data(&st->names) + st->name_off[k]))
                    break;
            st->names_ready = 0; /* the message has no column to name */
            return fail(st, TIER_EINVAL, header_line, 0,
                        "no column named \"%s\" for the %s (columns: %s)", want,
                        tier__csv_role_label[r], list);
        }
        if (st->col_role[i])
            return fail(st, TIER_EINVAL, header_line, i + 1,
                        "column chosen for both the %s and the %s",
                        tier__csv_role_label[st->col_role[i]], tier__csv_role_label[r]);
        st->col_role[i] = (unsigned char)r;
        st->role_col[r] = i;
    }
    st->collecting = 0;
    return TIER_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Values */

enum { AMT_OK = 0, AMT_SYNTAX, AMT_EMPTY, AMT_DECIMALS, AMT_RANGE };

/* Parses a decimal number (optional sign, digits with an optional point, optional exponent)
 * into fixed point with four decimals, exactly: no binary floating point is involved. */
static int parse_fixed(const char *s, size_t n, int64_t *out)
{
    static const int64_t pow10[17] = {1LL,
                                      10LL,
                                      100LL,
                                      1000LL,
                                      10000LL,
                                      100000LL,
                                      1000000LL,
                                      10000000LL,
                                      100000000LL,
                                      1000000000LL,
                                      10000000000LL,
                                      100000000000LL,
                                      1000000000000LL,
                                      10000000000000LL,
                                      100000000000000LL,
                                      1000000000000000LL,
                                      10000000000000000LL};
    const int64_t limit = 10000000000000000LL; /* 1e12 in fixed point */
    size_t i = 0;
    int neg = 0, any = 0, sig = 0, lost = 0, point = 0;
    uint64_t mant = 0;
    int64_t exp10 = 0, k;
    if (n == 0)
        return AMT_EMPTY;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i++;
    }
    /* Up to 19 significant digits are kept in mant; the value is mant * 10^exp10. A digit kept
     * after the point lowers exp10; a digit dropped before it raises it. */
    for (; i < n; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9) {
            if (s[i] == '.' && !point) {
                point = 1;
                continue;
            }
            break;
        }
        any = 1;
        if (sig < 19) {
            mant = mant * 10 + d;
            sig += mant != 0;
            exp10 -= point;
        } else {
            exp10 += !point;
            lost |= d != 0;
        }
    }
    if (!any)
        return AMT_SYNTAX;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0, edigits = 0;
        int64_t e = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        for (; i < n; i++) {
            unsigned d = (unsigned char)s[i] - (unsigned)'0';
            if (d > 9)
                break;
            edigits = 1;
            if (e < 1000000)
                e = e * 10 + d;
        }
        if (!edigits)
            return AMT_SYNTAX;
        exp10 += eneg ? -e : e;
    }
    if (i != n)
        return AMT_SYNTAX;
    if (mant == 0) {
        *out = 0; /* -0 is 0 */
        return AMT_OK;
    }
    /* Digits in front of the decimal point: more than 13 is beyond 1e12. */
    if (sig + exp10 > 13)
        return AMT_RANGE;
    if (lost)
        return AMT_DECIMALS; /* a non-zero digit past the 19 kept ones, all below 1e-5 */
    while (mant % 10 == 0) {
        mant /= 10;
        exp10++;
    }
    k = exp10 + 4;
    if (k < 0)
        return AMT_DECIMALS;
    if (k > 16 || mant > (uint64_t)(limit / pow10[k]))
        return AMT_RANGE;
    mant *= (uint64_t)pow10[k];
    *out = neg ? -(int64_t)mant : (int64_t)mant;
    return AMT_OK;
}

/* The common amount: optional '-', at most 12 integer digits, optional '.' with at most 4
 * digits. Returns 0 when the text has another form (parse_fixed then decides). */
static int quick_fixed(const char *s, size_t n, int64_t *out)
{
    static const int64_t scale[5] = {10000, 1000, 100, 10, 1};
    size_t i = 0, int_end, frac;
    int64_t v = 0;
    int neg = n > 0 && s[0] == '-';
    i = (size_t)neg;
    if (n - i > 17)
        return 0;
    for (; i < n; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9)
            break;
        v = v * 10 + d;
    }
    int_end = i;
    if (int_end == (size_t)neg || int_end - (size_t)neg > 12)
        return 0;
    if (i < n) {
        if (s[i] != '.')
            return 0;
        for (i++; i < n; i++) {
            unsigned d = (unsigned char)s[i] - (unsigned)'0';
            if (d > 9)
                return 0;
            v = v * 10 + d;
        }
    }
    frac = i - int_end - (i > int_end);
    if (frac > 4)
        return 0;
    v *= scale[frac];
    *out = neg ? -v : v;
    return 1;
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The common amount in one word: an optional '-', then at most 8 bytes of digits with at most one
 * '.' after the first digit and at most 4 digits after it. The 8 bytes before s + n are read
 * when they lie from lo on (lo <= s: the record's first field, whose bytes up to s + n are in the
 * block). Returns 0 when the text has another form (or the
 * word would start before lo): quick_fixed() then decides, and gives the same value for every
 * text this takes. */
static int word_fixed(const char *s, size_t n, const char *lo, int64_t *out)
{
    static const int64_t scale[5] = {10000, 1000, 100, 10, 1};
    const uint64_t ones = UINT64_C(0x0101010101010101), nibbles = UINT64_C(0xF0F0F0F0F0F0F0F0);
    int neg = n > 0 && s[0] == '-';
    uint64_t y, t, dots, z;
    size_t m, k, frac = 0;
    if (n < (size_t)neg + 1 || n - (size_t)neg > 8 || (size_t)(s + n - lo) < 8)
        return 0;
    m = n - (size_t)neg;
    /* The text's bytes in the low m bytes of y, its first one lowest; the bytes above are 0. */
    y = load8(s + n - 8) >> (8 * (8 - m));
    /* The first '.' (the lowest zero byte of t is exact; a later '.' fails the digit test). */
    t = y ^ (ones * (unsigned char)'.');
    dots = (t - ones) & ~t & HIGHS;
    if (dots) {
        k = (size_t)__builtin_ctzll(dots) >> 3;
        if (k == 0 || m - k - 1 > 4)
            return 0;
        frac = m - k - 1;
        /* The digits after the point move down one byte, next to those before it. */
        y = (y & ((UINT64_C(1) << (8 * k)) - 1)) | ((y >> 8) & ~((UINT64_C(1) << (8 * k)) - 1));
        m--;
    }
    /* Eight digit bytes, the text's last at the top, '0's below its first. */
    z = m == 8 ? y : (y << (8 * (8 - m))) | ((ones * (unsigned char)'0') >> (8 * m));
    if (((z & nibbles) | (((z + ones * 6) & nibbles) >> 4)) != ones * 0x33)
        return 0;
    /* Two, four, then eight digits at a time (each step merges neighbouring groups). */
    z -= ones * (unsigned char)'0';
    z = z * 10 + (z >> 8);
    z = (((z & UINT64_C(0x000000FF000000FF)) * UINT64_C(0x000F424000000064)) +
         (((z >> 16) & UINT64_C(0x000000FF000000FF)) * UINT64_C(0x0000271000000001))) >>
        32;
    *out = (neg ? -(int64_t)z : (int64_t)z) * scale[frac];
    return 1;
}
#else
static int word_fixed(const char *s, size_t n, const char *lo, int64_t *out)
{
    (void)s;
    (void)n;
    (void)lo;
    (void)out;
    return 0;
}
#endif

static int amount_value(csv_state *st, int role, int64_t *out)
{
    const tier__csv_field *f = st->f[role];
    uint64_t col = st->role_col[role] + 1;
    char q[CSV_QUOTE_MAX * 4 + 16];
    /* An unescaped copy lives in scratch space, not among the record's bytes. */
    if (TIER__LIKELY(!st->lx.dq_any) && word_fixed(f->p, f->len, st->lx.field[0].p, out))
        return TIER_OK;
    if (TIER__LIKELY(quick_fixed(f->p, f->len, out)))
        return TIER_OK;
    switch (parse_fixed(f->p, f->len, out)) {
    case AMT_OK:
        return TIER_OK;
    case AMT_EMPTY:
        return fail(st, TIER_EPARSE, f->line, col, "empty %s", tier__csv_role_label[role]);
    case AMT_DECIMALS:
        return fail(st, TIER_ERANGE, f->line, col, "more than 4 decimal places: %s",
                    tier__quote_text(q, sizeof q, f->p, f->len));
    case AMT_RANGE:
        return fail(st, TIER_ERANGE, f->line, col, "out of range (more than 1e12): %s",
                    tier__quote_text(q, sizeof q, f->p, f->len));
    default:
        return fail(st, TIER_EPARSE, f->line, col, "not a number: %s",
                    tier__quote_text(q, sizeof q, f->p, f->len));
    }
}

static int date_value(csv_state *st, int32_t *out)
{
    const tier__csv_field *f = st->f[ROLE_DATE];
    char q[CSV_QUOTE_MAX * 4 + 16];
    int rc;
    /* Logs come in date order: most dates repeat the previous row's (8 or 10 bytes). */
    if (f->len == st->last_date_len && f->len >= 8 && load8(f->p) == load8(st->last_date) &&
        (f->len == 8 || (f->p[8] == st->last_date[8] && f->p[9] == st->last_date[9]))) {
        *out = st->last_day;
        return TIER_OK;
    }
    rc = tier_date_parse(out, f->p, f->len, st->date_format);
    if (rc == TIER_OK) {
        if (f->len == 8 || f->len == 10) {
            memcpy(st->last_date, f->p, f->len);
            st->last_date_len = f->len;
            st->last_day = *out;
        }
        return TIER_OK;
    }
    if (rc == TIER_ERANGE) {
        /* Both formats start with the year. */
        int y =
            (f->p[0] - '0') * 1000 + (f->p[1] - '0') * 100 + (f->p[2] - '0') * 10 + (f->p[3] - '0');
        return fail(st, TIER_ERANGE, f->line, st->role_col[ROLE_DATE] + 1, "%s: %s",
                    y < 1900 || y > 9999 ? "date outside 1900-01-01..9999-12-31" : "no such date",
                    tier__quote_text(q, sizeof q, f->p, f->len));
    }
    return fail(st, TIER_EPARSE, f->line, st->role_col[ROLE_DATE] + 1, "%s: %s",
                st->date_format == TIER_DATE_ISO ? "not a date (want YYYY-MM-DD)"
                : st->date_format == TIER_DATE_YYYYMMDD
                    ? "not a date (want YYYYMMDD)"
                    : "not a date (want YYYY-MM-DD or YYYYMMDD)",
                tier__quote_text(q, sizeof q, f->p, f->len));
}

static int ascii_only(const char *s, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc |= load8(s + i);
    for (; i < n; i++)
        acc |= (unsigned char)s[i];
    return (acc & HIGHS) == 0;
}

/* Converts the current row and hands it to the book. */
static int emit_row(csv_state *st)
{
    const tier__csv_field *id = st->f[ROLE_ID];
    uint64_t id_col = st->role_col[ROLE_ID] + 1;
    char q[CSV_QUOTE_MAX * 4 + 16];
    int32_t day;
    int64_t amount = 0, margin = 0;
    int has_margin = 0, rc;
    if (TIER__UNLIKELY(st->rows >= st->csv->max_rows))
        return fail(st, TIER_ERANGE, st->lx.line, 0, "more than %llu data rows (the row limit)",
                    (unsigned long long)st->csv->max_rows);
    if (TIER__UNLIKELY(id->len == 0 || (id->quoted && tier__csv_blank(id->p, id->len))))
        return fail(st, TIER_EPARSE, id->line, id_col, "empty customer id");
    if (TIER__UNLIKELY(!ascii_only(id->p, id->len)) && !tier__utf8_valid(id->p, id->len))
        return fail(st, TIER_EPARSE, id->line, id_col, "invalid UTF-8: %s",
                    tier__quote_text(q, sizeof q, id->p, id->len));
    rc = date_value(st, &day);
    if (rc)
        return rc;
    /* The common amount here, the others through amount_value (a call costs a tenth of it). */
    if (!(TIER__LIKELY(!st->lx.dq_any) &&
          word_fixed(st->f[ROLE_AMOUNT]->p, st->f[ROLE_AMOUNT]->len, st->lx.field[0].p, &amount)) &&
        (rc = amount_value(st, ROLE_AMOUNT, &amount)) != 0)
        return rc;
    if (st->role_col[ROLE_MARGIN] != SIZE_MAX && st->f[ROLE_MARGIN]->len) {
        rc = amount_value(st, ROLE_MARGIN, &margin);
        if (rc)
            return rc;
        has_margin = 1;
    }
    {
        tier__row *r = &st->pend[st->npend];
        r->id = id->p;
        r->id_len = id->len;
        r->day = day;
        r->amount = amount;
        r->margin = margin;
        r->has_margin = has_margin;
        st->pend_line[st->npend++] = id->line;
    }
    st->rows++;
    /* An unescaped quoted id lives in scratch space that the next row reuses. */
    if (st->npend == CSV_PENDING || id->p == st->scratch[ROLE_ID])
        return flush_rows(st);
    return TIER_OK;
}

/* Hands the pending rows to the book; a refused row is reported with its line. */
static int flush_rows(csv_state *st)
{
    size_t failed = 0, n = st->npend;
    int rc;
    st->npend = 0;
    if (!n)
        return TIER_OK;
    rc = tier__book_add_rows(st->book, st->pend, n, &failed);
    if (TIER__UNLIKELY(rc)) {
        const char *why = tier_book_last_error(st->book);
        if (rc == TIER_ENOMEM || !why[0])
            why = rc == TIER_ENOMEM ? "out of memory" : tier_strerror(rc);
        return fail(st, rc, st->pend_line[failed], st->role_col[ROLE_ID] + 1, "%s", why);
    }
    return TIER_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Records */

/* Points the roles at the current record's fields; a quoted field with "" pairs is unescaped
 * into scratch space first. */
static int take_fields(csv_state *st)
{
    const tier__csv_field *field = st->lx.field;
    int r;
    st->f[ROLE_ID] = &field[st->role_col[ROLE_ID]];
    st->f[ROLE_DATE] = &field[st->role_col[ROLE_DATE]];
    st->f[ROLE_AMOUNT] = &field[st->role_col[ROLE_AMOUNT]];
    if (st->role_col[ROLE_MARGIN] != SIZE_MAX)
        st->f[ROLE_MARGIN] = &field[st->role_col[ROLE_MARGIN]];
    if (TIER__LIKELY(!st->lx.dq_any))
        return TIER_OK;
    for (r = ROLE_ID; r <= ROLE_MARGIN; r++) {
        const tier__csv_field *lf = st->f[r];
        tier__csv_field *u = &st->unq[r];
        if (st->role_col[r] == SIZE_MAX || !lf->dq)
            continue;
        if (tier__grow(&st->csv->alloc, (void **)&st->scratch[r], &st->scratch_cap[r], lf->len + 1,
                       1))
            return fail(st, TIER_ENOMEM, 0, 0, "out of memory");
        *u = *lf;
        u->len = tier__csv_unescape(st->scratch[r], lf);
        u->p = st->scratch[r];
        u->dq = 0;
        st->f[r] = u;
    }
    return TIER_OK;
}

/* Takes the names given with tier_csv_set_column_names(). */
static int add_names_from_csv(csv_state *st)
{
    const char *s = st->csv->names;
    size_t i;
    for (i = 0; i < st->csv->names_count; i++) {
        size_t len = strlen(s);
        int rc = add_name(st, s, len, 0);
        if (rc)
            return rc;
        s += len + 1;
    }
    return TIER_OK;
}

/* The header line: names from it, or from the caller (which replace it), then the roles. */
static int header_record(csv_state *st)
{
    size_t i;
    int rc;
    tier__buf_reset(&st->names);
    st->name_count = 0;
    if (st->csv->names) {
        rc = add_names_from_csv(st);
    } else {
        for (i = 0, rc = TIER_OK; i < st->lx.nfields && rc == TIER_OK; i++)
            rc = add_name(st, st->lx.field[i].p, st->lx.field[i].len, st->lx.field[i].dq);
    }
    return rc ? rc : setup_columns(st, st->lx.line);
}

/* Lexes and loads the complete records in data[0..len); *used gets the bytes consumed. */
static int process(csv_state *st, const char *data, size_t len, int eof, size_t *used)
{
    size_t pos = 0;
    *used = 0;
    for (;;) {
        size_t n;
        int rc = tier__csv_lex_next(&st->lx, data + pos, len - pos, eof, &n);
        if (TIER__LIKELY(rc == TIER__CSV_RECORD)) {
            pos += n;
            if (TIER__UNLIKELY(st->collecting))
                rc = header_record(st);
            else if (TIER__UNLIKELY(st->lx.nfields != st->ncols))
                rc = fail(st, TIER_EPARSE, st->lx.line, 0, "expected %zu fields, found %zu",
                          st->ncols, st->lx.nfields);
            else if ((rc = take_fields(st)) == TIER_OK)
                rc = emit_row(st);
            if (rc)
                return rc;
            continue;
        }
        if (rc < 0)
            return fail(st, rc, st->lx.err_line, st->lx.err_col, "%s", st->lx.err);
        pos += n;
        if (rc != TIER__CSV_BLANK)
            break; /* more input needed, or the end */
    }
    *used = pos;
    return flush_rows(st);
}

/* ---------------------------------------------------------------------------------------------
 * Loading */

static int state_init(csv_state *st, tier_csv *csv, tier_book *book)
{
    int r, rc;
    memset(st, 0, sizeof *st);
    st->csv = csv;
    tier__buf_init(&st->names, &csv->alloc);
    st->book = book;
    tier__csv_lex_init(&st->lx, &csv->alloc, csv->delimiter, csv->max_fields, csv->max_length);
    st->date_format = csv->date_format;
    for (r = 0; r < ROLE_COUNT; r++)
        st->role_col[r] = SIZE_MAX;
    if (csv->has_header) {
        st->collecting = 1;
        return TIER_OK;
    }
    if (!csv->names)
        return fail(st, TIER_EINVAL, 0, 0,
                    "a file without a header line needs column names "
                    "(tier_csv_set_column_names)");
    rc = add_names_from_csv(st);
    return rc ? rc : setup_columns(st, 0);
}

static int finish(csv_state *st, int rc)
{
    if (rc == TIER_OK) {
        tier__book_commit(st->book);
        tier__csv_set_outcome(st->csv, TIER_OK, st->rows, 0, 0, "");
    } else {
        tier__book_rollback(st->book);
    }
    state_free(st);
    return rc;
}

static int user_abort(csv_state *st, uint64_t done, uint64_t total)
{
    tier_csv *csv = st->csv;
    if (csv->progress && csv->progress(csv->progress_ud, done, total))
        return fail(st, TIER_EUSER, 0, 0, "stopped by the progress callback after %llu bytes",
                    (unsigned long long)done);
    return TIER_OK;
}

int tier_csv_read_buffer(tier_csv *csv, tier_book *book, const char *data, size_t len)
{
    csv_state st;
    size_t pos = 0, wend = 0;
    int rc = tier__csv_check_args(csv, book, data || !len ? "" : NULL);
    if (rc)
        return rc;
    if (!data)
        data = "";
    tier__book_begin(book);
    rc = state_init(&st, csv, book);
    /* Walk the buffer in blocks too, so that progress is reported as for files. */
    while (rc == TIER_OK) {
        size_t used;
        wend = len - wend > csv->block_size ? wend + csv->block_size : len;
        rc = process(&st, data + pos, wend - pos, wend == len, &used);
        if (rc)
            break;
        pos += used;
        rc = user_abort(&st, wend, len);
        if (wend == len)
            break;
    }
    return finish(&st, rc);
}

int tier_csv_read_file(tier_csv *csv, tier_book *book, const char *path)
{
    csv_state st;
    tier__csv_file f;
    char *buf = NULL, why[TIER__ERR_SIZE];
    size_t cap, len = 0;
    int rc = tier__csv_check_args(csv, book, path);
    if (rc)
        return rc;
    tier__book_begin(book);
    rc = state_init(&st, csv, book);
    if (rc)
        return finish(&st, rc);
    if (tier__csv_file_open(&f, &csv->io, path, why))
        return finish(&st, fail(&st, TIER_EIO, 0, 0, "%s", why));
    cap = csv->block_size;
    buf = tier__malloc(&csv->alloc, cap);
    if (!buf)
        rc = fail(&st, TIER_ENOMEM, 0, 0, "out of memory");
    while (rc == TIER_OK) {
        size_t used;
        if (tier__csv_file_fill(&f, buf, cap, &len, why)) {
            rc = fail(&st, TIER_EIO, 0, 0, "%s", why);
            break;
        }
        rc = user_abort(&st, f.done, f.size);
        if (rc)
            break;
        rc = process(&st, buf, len, f.eof, &used);
        if (rc || f.eof)
            break;
        memmove(buf, buf + used, len - used);
        len -= used;
        if (len == cap) {
            /* One record fills the block: grow (records are bounded by the field limits). */
            char *nbuf;
            if (cap > SIZE_MAX / 2) {
                rc = fail(&st, TIER_ERANGE, st.lx.next_line, 0, "record too long");
                break;
            }
            nbuf = tier__realloc(&csv->alloc, buf, cap * 2);
            if (!nbuf) {
                rc = fail(&st, TIER_ENOMEM, 0, 0, "out of memory");
                break;
            }
            buf = nbuf;
            cap *= 2;
        }
    }
    tier__csv_file_close(&f);
    tier__free(&csv->alloc, buf);
    return finish(&st, rc);
}
