/* SPDX-License-Identifier: MIT */
/* Writing a result as CSV or JSON: the column list is parsed once, label texts are encoded once,
 * numbers are formatted by hand where possible, and bytes reach the callback in large chunks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/io_internal.h"
#include "policy/lang/ast.h"
#include "policy/result_internal.h"
#include "util/buf.h"
#include "util/numtext.h"
#include "util/par_tasks.h"

/* Defined in result.c. */

/* Output buffer handed to the callback when full (between 64 and 256 KiB). */
#define WRITER_BUF_SIZE (128u * 1024u)
/* Room reserved in the buffer before a number is formatted in place. */
#define NUMBER_ROOM 64 /* at least TIER__NUM_SIZE */
/* Integral doubles below 2^53 print as integers; fixed decimals are exact below it. */
#define EXACT_LIMIT 9007199254740992.0

enum { SRC_ID = 1, SRC_NUMBER, SRC_LABEL, SRC_EMPTY, SRC_DATE };

typedef struct wcol {
    int src;
    int decimals; /* -1: shortest form */
    const double *num;
    const int32_t *codes;
    size_t nlabels;
    size_t *label_off; /* pool offsets: [0] missing, [code + 1] label code; nlabels + 2 entries */
    size_t key_off, key_len; /* JSON: `{"name":` or `,"name":` in the pool */
} wcol;

typedef struct writer {
    const tier_allocator *alloc;
    char *err;
    int format;
    const tier_book *book;
    size_t rows;
    wcol *cols;
    size_t ncols;
    tier__buf pool;    /* pre-encoded header, keys and labels */
    size_t header_len; /* CSV: header line at pool[0] */
    char *buf;
    size_t len, cap;
    tier_write_cb cb;
    void *ud;
    int stopped; /* the callback returned non-zero (a growing buffer: out of memory) */
    int grow;    /* a task's writer: the buffer grows to hold all its rows, cb is not called */
} writer;

static const double pow10d[10] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
static const char hex[] = "0123456789abcdef";

/* ---- output buffer -------------------------------------------------------------------------- */

static void flush(writer *w)
{
    if (w->len && !w->stopped && w->cb(w->ud, w->buf, w->len) != 0)
        w->stopped = 1;
    w->len = 0;
}

/* Makes room for n more bytes: the writer hands its bytes to the callback, a task's writer
 * (grow) doubles its buffer instead. 0 when there is room now; 1 when n is more than the whole
 * buffer (the writer), or when growing failed (the task's writer is stopped). */
static int make_room(writer *w, size_t n)
{
    void *p = w->buf;
    if (!w->grow) {
        flush(w);
        return n > w->cap;
    }
    if (w->stopped || n > SIZE_MAX - w->len ||
        tier__grow(w->alloc, &p, &w->cap, w->len + n, 1) != TIER_OK) {
        w->stopped = 1;
        return 1;
    }
    w->buf = p;
    return 0;
}

static void put(writer *w, const char *s, size_t n)
{
    if (n > w->cap - w->len && make_room(w, n)) {
        /* Larger than the whole buffer: hand it over as it is. */
        if (!w->grow && !w->stopped && w->cb(w->ud, s, n) != 0)
            w->stopped = 1;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void putc_(writer *w, char c)
{
    if (w->len == w->cap && make_room(w, 1))
        return;
    w->buf[w->len++] = c;
}

/* ---- encoders (into any byte sink) --------------------------------------------------------- */

/* 1 when some byte of the word x is b (the borrow trick: a byte of x ^ b*ones is zero). */
static int word_has(uint64_t x, unsigned char b)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    uint64_t t = x ^ (ones * b);
    return ((t - ones) & ~t & highs) != 0;
}

static int csv_needs_quotes(const char *s, size_t n)
{
    size_t i = 0;
    /* A reader trims blanks around an unquoted field: " a" must be quoted to read back. */
    if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        return 1;
    /* Eight bytes at a time (ids are mostly that long or longer), then the rest one by one. */
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if (word_has(x, ',') | word_has(x, '"') | word_has(x, '\n') | word_has(x, '\r'))
            return 1;
    }
    for (; i < n; i++) {
        char c = s[i];
        if (c == ',' || c == '"' || c == '\n' || c == '\r')
            return 1;
    }
    return 0;
}

void tier__csv_field(tier__sink_fn put_fn, void *ctx, const char *s, size_t n)
{
    size_t i, start = 0;
    if (!csv_needs_quotes(s, n)) {
        put_fn(ctx, s, n);
        return;
    }
    put_fn(ctx, "\"", 1);
    for (i = 0; i < n; i++) {
        if (s[i] == '"') {
            /* A quote is doubled: emit up to and including it, then one more. */
            put_fn(ctx, s + start, i + 1 - start);
            put_fn(ctx, "\"", 1);
            start = i + 1;
        }
    }
    put_fn(ctx, s + start, n - start);
    put_fn(ctx, "\"", 1);
}

void tier__json_string(tier__sink_fn put_fn, void *ctx, const char *s, size_t n)
{
    size_t i, start = 0;
    put_fn(ctx, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put_fn(ctx, s + start, i - start);
        start = i + 1;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put_fn(ctx, esc, 2);
        } else {
            esc[0] = '\\';
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            put_fn(ctx, esc, 6);
        }
    }
    put_fn(ctx, s + start, n - start);
    put_fn(ctx, "\"", 1);
}

static void sink_out(void *ctx, const char *s, size_t n)
{
    put((writer *)ctx, s, n);
}

static void sink_pool(void *ctx, const char *s, size_t n)
{
    tier__buf_append(&((writer *)ctx)->pool, s, n);
}

/* ---- numbers -------------------------------------------------------------------------------- */

/* Decimal digits of v (below 2^53) at dst; returns the count. The count comes first, so that
 * the digits are written in place: most numbers of a tier list (scores, counts, days) have one
 * to four digits, which a copy through a buffer would cost more than writing them. */
static size_t fmt_u64(char *dst, uint64_t v)
{
    uint64_t p = 10;
    size_t n = 1;
    if (v < 10) {
        dst[0] = (char)('0' + v);
        return 1;
    }
    for (; v >= p && n < 16; n++)
        p *= 10; /* at most 10^16, beyond 2^53 */
    tier__num_digits_before(dst + n, v);
    return n;
}

/* Formats v (|v| below 2^53); dst has at least NUMBER_ROOM bytes. Returns the length, or 0 when
 * the value needs put_number_rare (fixed decimals that take it to 2^53 or beyond). */
static size_t fmt_finite(char *dst, double v, int decimals)
{
    size_t n = 0;
    if (decimals < 0) {
        if ((double)(int64_t)v == v) {
            if (v < 0 && (int64_t)v != 0)
                dst[n++] = '-';
            return n + fmt_u64(dst + n, (uint64_t)(int64_t)fabs(v));
        }
        return tier__num_format(dst, v, TIER__NUM_SHORT_EXP);
    } else {
        const double scale = pow10d[decimals];
        double scaled = fabs(v) * scale;
        uint64_t r, whole;
        int k;
        if (!(scaled < EXACT_LIMIT))
            return 0;
        /* Half away from zero; the fractional part of a value below 2^53 is exact. */
        r = (uint64_t)scaled;
        if (scaled - (double)r >= 0.5)
            r++;
        if (v < 0 && r != 0)
            dst[n++] = '-';
        whole = r / (uint64_t)scale;
        n += fmt_u64(dst + n, whole);
        if (decimals > 0) {
            /* The fraction's digits, zeros in front, written from the last. */
            r -= whole * (uint64_t)scale;
            dst[n++] = '.';
            for (k = decimals - 1; k >= 0; k--) {
                dst[n + (size_t)k] = (char)('0' + r % 10);
                r /= 10;
            }
            n += (size_t)decimals;
        }
        return n;
    }
}

/* What fmt_finite does not take: NaN (nothing in CSV, null in JSON), infinities ("inf" in CSV,
 * which strtod and pandas read; null in JSON, which has none) and values at 2^53 or beyond (or
 * taken there by their decimals). */
static void put_number_rare(writer *w, double v, int decimals)
{
    char out[TIER__NUM_FIXED_SIZE];
    size_t n;
    if (v != v || isinf(v)) {
        if (w->format == TIER_OUTPUT_JSON)
            put(w, "null", 4);
        else if (v == v)
            put(w, v < 0 ? "-inf" : "inf", v < 0 ? 4 : 3);
        return;
    }
    n = decimals < 0 ? tier__num_format(out, v, TIER__NUM_SHORT_EXP)
                     : tier__num_format_fixed(out, sizeof out, v, decimals);
    put(w, out, n);
}

static void put_number(writer *w, double v, int decimals)
{
    size_t n;
    if (TIER__UNLIKELY(!(fabs(v) < EXACT_LIMIT))) { /* NaN too */
        put_number_rare(w, v, decimals);
        return;
    }
    if (w->cap - w->len < NUMBER_ROOM && make_room(w, NUMBER_ROOM))
        return;
    n = fmt_finite(w->buf + w->len, v, decimals);
    if (TIER__UNLIKELY(n == 0))
        put_number_rare(w, v, decimals);
    w->len += n;
}

/* A day number as YYYY-MM-DD (a JSON string); a missing or impossible day is empty (null). */
static void put_date(writer *w, double v)
{
    char text[16];
    if (!(v >= TIER_DAY_MIN && v <= TIER_DAY_MAX) ||
        tier_date_format_iso(text, sizeof text, (int32_t)v) != TIER_OK) {
        if (w->format == TIER_OUTPUT_JSON)
            put(w, "null", 4);
        return;
    }
    if (w->format == TIER_OUTPUT_JSON)
        putc_(w, '"');
    put(w, text, 10);
    if (w->format == TIER_OUTPUT_JSON)
        putc_(w, '"');
}

/* ---- column list ---------------------------------------------------------------------------- */

static const char *trim(const char *s, const char *e, const char **out_end)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *out_end = e;
    return s;
}

static void writer_free(writer *w)
{
    size_t j;
    if (w->cols)
        for (j = 0; j < w->ncols; j++)
            tier__free(w->alloc, w->cols[j].label_off);
    tier__free(w->alloc, w->cols);
    tier__buf_free(&w->pool);
    tier__free(w->alloc, w->buf);
}

/* Pre-encodes the labels of a label column: label_off[0] is the missing value, label_off[l + 1]
 * label l (text(l) gives it, NULL: missing). */
static int encode_labels(writer *w, wcol *col, size_t nlabels,
                         const char *(*text)(const void *ctx, size_t l, char *num, int *raw),
                         const void *ctx)
{
    size_t l;
    col->nlabels = nlabels;
    col->label_off = tier__calloc(w->alloc, nlabels + 2, sizeof *col->label_off);
    if (!col->label_off)
        return TIER_ENOMEM;
    /* Encoded once here, copied per row later. */
    col->label_off[0] = tier__buf_len(&w->pool);
    if (w->format == TIER_OUTPUT_JSON)
        sink_pool(w, "null", 4);
    for (l = 0; l < nlabels; l++) {
        char num[TIER__NUM_SIZE];
        int raw = 0;
        const char *t = text(ctx, l, num, &raw);
        col->label_off[l + 1] = tier__buf_len(&w->pool);
        if (!t && w->format == TIER_OUTPUT_JSON)
            sink_pool(w, "null", 4);
        else if (!t)
            continue;
        else if (raw) /* numbers and bools as they are */
            sink_pool(w, t, strlen(t));
        else if (w->format == TIER_OUTPUT_JSON)
            tier__json_string(sink_pool, w, t, strlen(t));
        else
            tier__csv_field(sink_pool, w, t, strlen(t));
    }
    col->label_off[nlabels + 1] = tier__buf_len(&w->pool);
    return TIER_OK;
}

typedef struct frame_labels {
    const tier_frame *frame;
    size_t col;
} frame_labels;

static const char *frame_label(const void *ctx, size_t l, char *num, int *raw)
{
    const frame_labels *fl = ctx;
    const char *t = tier_frame_label_text(fl->frame, fl->col, (int32_t)l);
    (void)num;
    (void)raw;
    return t ? t : "";
}

typedef struct ent_labels {
    const tier_result *result;
    int k, type;
} ent_labels;

/* Entitlement k's value for tier l: numbers in the shortest form, bools as true/false. */
static const char *ent_label(const void *ctx, size_t l, char *num, int *raw)
{
    const ent_labels *el = ctx;
    double v;
    const char *text;
    if (!tier__result_ent_value(el->result, el->k, l, &v, &text))
        return NULL;
    if (el->type == TIER__PT_TEXT)
        return text ? text : "";
    *raw = 1;
    if (el->type == TIER__PT_BOOL)
        return v != 0 ? "true" : "false";
    num[tier__num_format(num, v, TIER__NUM_SHORT_EXP)] = '\0';
    return num;
}

/* Resolves one item `header=source[:decimals]` or `source[:decimals]`. */
static int parse_item(writer *w, const tier_result *result, const tier_frame *frame, const char *s,
                      const char *e, wcol *col, const char **hs, size_t *hlen)
{
    const char *eq = memchr(s, '=', (size_t)(e - s));
    const char *src = eq ? eq + 1 : s, *src_end, *colon = NULL, *p;
    char name[1024];
    size_t c, slen;
    col->decimals = -1;
    if (eq) {
        const char *he;
        *hs = trim(s, eq, &he);
        *hlen = (size_t)(he - *hs);
    }
    src = trim(src, e, &src_end);
    for (p = src_end; p > src; p--)
        if (p[-1] == ':') {
            colon = p - 1;
            break;
        }
    if (colon && colon + 1 < src_end) {
        for (p = colon + 1; p < src_end && *p >= '0' && *p <= '9'; p++)
            ;
        if (p == src_end) {
            if (src_end - colon != 2) {
                tier__errorf(w->err, "decimals must be 0..9 in '%.*s'", (int)(e - s), s);
                return TIER_EINVAL;
            }
            col->decimals = colon[1] - '0';
            src = trim(src, colon, &src_end);
        }
    }
    slen = (size_t)(src_end - src);
    if (!eq) {
        *hs = src;
        *hlen = slen;
    }
    if (slen == 0 || *hlen == 0) {
        tier__errorf(w->err, "empty %s in column item '%.*s'", slen ? "header" : "source",
                     (int)(e - s), s);
        return TIER_EINVAL;
    }
    if (slen >= sizeof name) {
        tier__errorf(w->err, "column name too long: '%.64s...'", src);
        return TIER_ENOTFOUND;
    }
    memcpy(name, src, slen);
    name[slen] = '\0';
    if (strcmp(name, "customer_id") == 0) {
        col->src = SRC_ID;
    } else if (strcmp(name, "since") == 0 && tier_frame_find(frame, name, &c) == TIER_OK &&
               tier_frame_numbers(frame, c)) {
        col->src = SRC_DATE; /* the day a customer entered its tier (docs/history.md) */
        col->num = tier_frame_numbers(frame, c);
    } else if (tier_frame_find(frame, name, &c) == TIER_OK) {
        frame_labels fl;
        col->num = tier_frame_numbers(frame, c);
        col->codes = tier_frame_labels(frame, c);
        col->src = col->num ? SRC_NUMBER : SRC_LABEL;
        if (!col->num && !col->codes) {
            tier__errorf(w->err, "column '%s' has an unknown type", name);
            return TIER_EINVAL;
        }
        fl.frame = frame;
        fl.col = c;
        if (col->codes && encode_labels(w, col, tier_frame_label_count(frame, c), frame_label, &fl))
            return TIER_ENOMEM;
    } else if (strcmp(name, "flags") == 0 || strcmp(name, "route") == 0 ||
               strcmp(name, "previous_tier") == 0 || strcmp(name, "move") == 0 ||
               strcmp(name, "since") == 0) {
        col->src = SRC_EMPTY; /* a policy without flags or routing; a run without a history */
    } else if (strncmp(name, "ent.", 4) == 0 &&
               tier__result_ent_find(result, name + 4, NULL) >= 0) {
        ent_labels el;
        size_t tc;
        el.result = result;
        el.k = tier__result_ent_find(result, name + 4, &el.type);
        if (tier_frame_find(frame, "tier", &tc) != TIER_OK)
            return TIER_ENOMEM; /* cannot happen: every run adds it */
        col->src = SRC_LABEL;
        col->codes = tier_frame_labels(frame, tc);
        if (encode_labels(w, col, tier_result_tier_count(result), ent_label, &el))
            return TIER_ENOMEM;
    } else {
        tier__errorf(w->err,
                     "unknown output column '%s' (not customer_id, tier, reason, flags, route, "
                     "previous_tier, move, since, ent.NAME of an entitlement or a frame column)",
                     name);
        return TIER_ENOTFOUND;
    }
    if (col->decimals >= 0 && col->src != SRC_NUMBER) {
        tier__errorf(w->err, "decimals given for '%s', which is not a number column", name);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

static int prepare(writer *w, const tier_result *result, const tier_book *book, const char *columns,
                   int format)
{
    const tier_frame *frame = tier_result_frame(result);
    const char *p, **heads = NULL;
    size_t *hlens = NULL, nitems = 1, j, k;
    int rc = TIER_OK, need_id = 0;

    memset(w, 0, sizeof w[0]);
    w->err = tier__result_errbuf(result);
    w->alloc = tier__result_allocator(result);
    tier__buf_init(&w->pool, w->alloc);
    if (format != TIER_OUTPUT_CSV && format != TIER_OUTPUT_JSON) {
        tier__errorf(w->err, "unknown output format %d", format);
        return TIER_EINVAL;
    }
    if (!frame) {
        tier__errorf(w->err, "nothing to write: the result has not been run");
        return TIER_ESTATE;
    }
    if (!columns)
        columns = TIER_RESULT_DEFAULT_COLUMNS;
    if (!tier__utf8_valid(columns, strlen(columns))) {
        tier__errorf(w->err, "the column list is not valid UTF-8");
        return TIER_EINVAL;
    }
    for (p = columns; *p; p++)
        nitems += *p == ',';
    w->format = format;
    w->book = book;
    w->rows = tier_frame_rows(frame);
    w->cols = tier__calloc(w->alloc, nitems, sizeof *w->cols);
    heads = tier__calloc(w->alloc, nitems, sizeof *heads);
    hlens = tier__calloc(w->alloc, nitems, sizeof *hlens);
    if (!w->cols || !heads || !hlens) {
        rc = TIER_ENOMEM;
        goto done;
    }
    for (p = columns, j = 0; j < nitems; j++) {
        const char *e = strchr(p, ',');
        if (!e)
            e = p + strlen(p);
        w->ncols = j + 1;
        rc = parse_item(w, result, frame, p, e, &w->cols[j], &heads[j], &hlens[j]);
        if (rc)
            goto done;
        if (w->cols[j].src == SRC_ID)
            need_id = 1;
        for (k = 0; k < j; k++) {
            if (hlens[k] == hlens[j] && memcmp(heads[k], heads[j], hlens[j]) == 0) {
                tier__errorf(w->err, "output column '%.*s' appears twice", (int)hlens[j], heads[j]);
                rc = TIER_EINVAL;
                goto done;
            }
        }
        p = *e ? e + 1 : e;
    }
    if (need_id && (!book || tier_book_customer_count(book) != w->rows)) {
        tier__errorf(w->err,
                     book ? "the book has %zu customers but the result has %zu"
                          : "customer_id needs the book (%zu/%zu)",
                     book ? tier_book_customer_count(book) : (size_t)0, w->rows);
        rc = TIER_EINVAL;
        goto done;
    }
    /* CSV header line, or the JSON key of each column with the brace or comma before it. */
    if (format == TIER_OUTPUT_CSV) {
        size_t start = tier__buf_len(&w->pool);
        for (j = 0; j < w->ncols; j++) {
            if (j)
                sink_pool(w, ",", 1);
            tier__csv_field(sink_pool, w, heads[j], hlens[j]);
        }
        sink_pool(w, "\n", 1);
        w->cols[0].key_off = start;
        w->header_len = tier__buf_len(&w->pool) - start;
    } else {
        for (j = 0; j < w->ncols; j++) {
            w->cols[j].key_off = tier__buf_len(&w->pool);
            sink_pool(w, j ? "," : "{", 1);
            tier__json_string(sink_pool, w, heads[j], hlens[j]);
            sink_pool(w, ":", 1);
            w->cols[j].key_len = tier__buf_len(&w->pool) - w->cols[j].key_off;
        }
    }
    w->buf = tier__malloc(w->alloc, WRITER_BUF_SIZE);
    w->cap = WRITER_BUF_SIZE;
    if (tier__buf_status(&w->pool) || !w->buf)
        rc = TIER_ENOMEM;
done:
    if (rc == TIER_ENOMEM)
        tier__errorf(w->err, "out of memory preparing the output");
    tier__free(w->alloc, (void *)heads);
    tier__free(w->alloc, hlens);
    return rc;
}

/* Row i with what separates it from the row before (JSON) and what ends it. */
static void write_row(writer *w, size_t i)
{
    const int json = w->format == TIER_OUTPUT_JSON;
    size_t j;
    if (json && i)
        put(w, ",\n", 2);
    for (j = 0; j < w->ncols; j++) {
        const wcol *col = &w->cols[j];
        if (json)
            put(w, tier__buf_data(&w->pool) + col->key_off, col->key_len);
        else if (j)
            putc_(w, ',');
        if (col->src == SRC_NUMBER) {
            put_number(w, col->num[i], col->decimals);
        } else if (col->src == SRC_DATE) {
            put_date(w, col->num[i]);
        } else if (col->src == SRC_EMPTY) {
            if (json)
                put(w, "null", 4);
        } else if (col->src == SRC_LABEL) {
            int32_t code = col->codes[i];
            size_t at = code >= 0 && (size_t)code < col->nlabels ? (size_t)code + 1 : 0;
            put(w, tier__buf_data(&w->pool) + col->label_off[at],
                col->label_off[at + 1] - col->label_off[at]);
        } else {
            size_t len = 0;
            const char *id = tier_book_customer_id(w->book, i, &len);
            if (!id)
                id = "";
            if (json)
                tier__json_string(sink_out, w, id, len);
            else if (!csv_needs_quotes(id, len))
                put(w, id, len); /* most ids: no detour through the sink */
            else
                tier__csv_field(sink_out, w, id, len);
        }
    }
    putc_(w, json ? '}' : '\n');
}

/* ---- rows formatted in parallel ------------------------------------------------------------ */

/* Rows per task and batch: the rows of a batch are formatted by the book's executor, each task
 * its own run of rows into its own text, then the texts reach the callback in row order, so the
 * bytes are those of one thread whatever the number of tasks. The texts of a batch reach the
 * callback while the next batch is formatted: task 0, which runs on the calling thread, hands
 * them over before it formats its own rows, half as many as the others' (handing a batch's text
 * to a file costs about as much as formatting a task's rows: copying it into the page cache and
 * starting its disk writes). A task formats straight into its text, which grows to hold its rows
 * (each task has two texts, one per batch parity). A task gets at least WRITER_TASK_ROWS rows,
 * and more for a large output (about 32 batches in all, at most WRITER_TASK_ROWS_MAX rows a
 * task): every batch starts and waits for its tasks, which costs a host's thread start each. */
#define WRITER_TASK_ROWS 4096
#define WRITER_TASK_ROWS_MAX 65536
#define WRITER_BATCHES 32

typedef struct write_task {
    writer w; /* the writer's tables, formatting into text[parity] */
    char *text[2];
    size_t len[2], cap[2]; /* the text's bytes and size */
    size_t from, to;
} write_task;

typedef struct write_job {
    writer *w; /* the caller's writer, whose callback gets the texts */
    size_t tasks;
    size_t batch;     /* the batch being formatted (its parity picks the texts) */
    int emit;         /* the previous batch's texts are to be handed over (by task 0) */
    size_t task_rows; /* rows of a task (task 0: half as many) */
    write_task task[TIER__PAR_TASKS];
} write_job;

/* Hands the texts of batch `batch` (all tasks', in row order) to the caller's callback. */
static void emit_batch(write_job *job, size_t batch)
{
    writer *w = job->w;
    size_t k, p = batch & 1;
    for (k = 0; k < job->tasks && !w->stopped; k++) {
        const char *d = job->task[k].text[p];
        size_t n = job->task[k].len[p], at;
        /* In pieces of the writer's buffer, as on one thread (docs/output.md). */
        for (at = 0; at < n && !w->stopped; at += WRITER_BUF_SIZE)
            if (w->cb(w->ud, d + at, n - at < WRITER_BUF_SIZE ? n - at : WRITER_BUF_SIZE))
                w->stopped = 1;
    }
}

static void format_rows(void *arg, size_t k)
{
    write_job *job = arg;
    write_task *t = &job->task[k];
    size_t i, p = job->batch & 1;
    if (k == 0 && job->emit)
        emit_batch(job, job->batch - 1);
    t->w.buf = t->text[p];
    t->w.cap = t->cap[p];
    t->w.len = 0;
    for (i = t->from; i < t->to && !t->w.stopped; i++)
        write_row(&t->w, i);
    t->text[p] = t->w.buf; /* it may have grown */
    t->cap[p] = t->w.cap;
    t->len[p] = t->w.len;
}

/* The rows through `tasks` tasks of the executor; TIER_OK, or TIER_ENOMEM with nothing more
 * written (the callback saw whole rows only). */
static int write_rows_parallel(writer *w, const tier_executor *ex, size_t tasks)
{
    write_job *job = tier__calloc(w->alloc, 1, sizeof *job);
    size_t k, p, first, batch, per = w->rows / (tasks * WRITER_BATCHES);
    int rc = TIER_OK;
    if (!job)
        return TIER_ENOMEM;
    job->task_rows = per < WRITER_TASK_ROWS       ? WRITER_TASK_ROWS
                     : per > WRITER_TASK_ROWS_MAX ? WRITER_TASK_ROWS_MAX
                                                  : per;
    /* Task 0 also hands the previous batch over: it formats half as many rows. */
    batch = tasks * job->task_rows - job->task_rows / 2;
    job->w = w;
    job->tasks = tasks;
    for (k = 0; k < tasks; k++) {
        write_task *t = &job->task[k];
        t->w = *w;
        t->w.grow = 1;
        for (p = 0; p < 2; p++) {
            t->text[p] = tier__malloc(w->alloc, WRITER_BUF_SIZE);
            t->cap[p] = WRITER_BUF_SIZE;
            if (!t->text[p])
                rc = TIER_ENOMEM;
        }
    }
    flush(w); /* what came before the rows */
    for (first = 0; !rc && first < w->rows && !w->stopped; first += batch, job->batch++) {
        for (k = 0; k < tasks; k++) {
            job->task[k].from = first + (k ? k * job->task_rows - job->task_rows / 2 : 0);
            job->task[k].to = job->task[k].from + job->task_rows - (k ? 0 : job->task_rows / 2);
            if (job->task[k].from > w->rows)
                job->task[k].from = w->rows;
            if (job->task[k].to > w->rows)
                job->task[k].to = w->rows;
        }
        tier__par_run(ex, tasks, format_rows, job);
        job->emit = 1;
        for (k = 0; k < tasks && !rc; k++)
            if (job->task[k].w.stopped)
                rc = TIER_ENOMEM;
    }
    if (!rc && job->emit)
        emit_batch(job, job->batch - 1); /* the last batch */
    for (k = 0; k < tasks; k++) {
        tier__free(w->alloc, job->task[k].text[0]);
        tier__free(w->alloc, job->task[k].text[1]);
    }
    tier__free(w->alloc, job);
    return rc;
}

static int write_rows(writer *w, tier_write_cb cb, void *ud)
{
    const int json = w->format == TIER_OUTPUT_JSON;
    const tier_executor *ex = w->book ? tier__book_executor(w->book) : NULL;
    size_t i, tasks = tier__par_tasks(ex, w->rows, WRITER_TASK_ROWS);
    w->cb = cb;
    w->ud = ud;
    w->len = 0;
    w->stopped = 0;
    if (json)
        put(w, "[\n", 2);
    else
        put(w, tier__buf_data(&w->pool) + w->cols[0].key_off, w->header_len);
    if (tasks > 1) {
        if (write_rows_parallel(w, ex, tasks) != TIER_OK) {
            tier__errorf(w->err, "out of memory formatting the output");
            return TIER_ENOMEM;
        }
    } else {
        for (i = 0; i < w->rows && !w->stopped; i++)
            write_row(w, i);
    }
    if (json)
        put(w, w->rows ? "\n]\n" : "]\n", w->rows ? 3 : 2);
    flush(w);
    if (w->stopped) {
        tier__errorf(w->err, "the output callback stopped the write");
        return TIER_EUSER;
    }
    return TIER_OK;
}

int tier_result_write(const tier_result *result, const tier_book *book, const char *columns,
                      int format, tier_write_cb cb, void *ud)
{
    writer w;
    int rc;
    if (!result)
        return TIER_EINVAL;
    if (!cb) {
        tier__errorf(tier__result_errbuf(result), "the output callback is NULL");
        return TIER_EINVAL;
    }
    rc = prepare(&w, result, book, columns, format);
    if (!rc)
        rc = write_rows(&w, cb, ud);
    writer_free(&w);
    return rc;
}

/* ---- atomic save ---------------------------------------------------------------------------- */

/* The rows as the bytes of the atomic write (core/io_file.c does the file calls). */
static int produce_rows(void *ud, tier__io_put_fn put_fn, void *put_ud)
{
    return write_rows(ud, put_fn, put_ud);
}

int tier_result_save(const tier_result *result, const tier_book *book, const char *columns,
                     int format, const char *path, const tier_io *io)
{
    writer w;
    char *err;
    int rc;
    if (!result)
        return TIER_EINVAL;
    err = tier__result_errbuf(result);
    /* The path, the table and the column list are checked before any file is touched. */
    rc = tier__io_check_path(io, TIER__IO_NEEDS_SAVE, path, "output", err);
    if (rc)
        return rc;
    rc = prepare(&w, result, book, columns, format);
    if (!rc)
        rc = tier__io_write_atomic(io, w.alloc, path, produce_rows, &w, err);
    writer_free(&w);
    return rc;
}
