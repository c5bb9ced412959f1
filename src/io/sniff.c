/* SPDX-License-Identifier: MIT */
/* Delimiter, header names and column synonyms from the first line of a CSV file; the names are
 * split by the library's one CSV lexer (util/csv_lex.h). */
#include <errno.h>
#include <string.h>

#include "core/io_internal.h"
#include "io/sniff.h"
#include "util/csv_lex.h"

static const char *const id_names[] = {"customer_id", "customer",   "customerid",
                                       "id",          "account_id", NULL};
static const char *const date_names[] = {"date", "order_date", "invoice_date", "day", NULL};
static const char *const amount_names[] = {"amount", "dollar_value", "revenue", "value",
                                           "total",  "sales",        NULL};
static const char *const account_id_names[] = {"account_id", "customer_id", "customer", "id", NULL};

/* Tries of a read that returned -EINTR, in a row. */
#define SNIFF_EINTR_TRIES 100
/* Most bytes asked for by one read: the first line is usually short, and a file read again in
 * two parts should not have been read far ahead. */
#define SNIFF_STEP ((size_t)4096)

int tier__sniff_read(const tier_io *io, void *file, char *buf, size_t cap, size_t *len)
{
    size_t got = 0;
    int eintr = 0;
    *len = 0;
    while (got < cap) {
        const char *line;
        size_t n, ask = cap - got < SNIFF_STEP ? cap - got : SNIFF_STEP;
        int64_t r = io->read(io->ud, file, buf + got, ask);
        if (r == -EINTR && ++eintr < SNIFF_EINTR_TRIES)
            continue;
        if (r < 0 || (uint64_t)r > ask) {
            *len = got;
            return r < 0 && r >= -4095 ? (int)r : -EIO;
        }
        if (r == 0)
            break;
        eintr = 0;
        got += (size_t)r;
        /* Enough once the first line that is not blank has its line end. */
        n = tier__sniff_first_line(buf, got, &line);
        if (line + n < buf + got)
            break;
    }
    *len = got;
    return 0;
}

/* 1 when head[0..len) holds only spaces and tabs (and a CR before the line end). */
static int blank(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && !(s[i] == '\r' && i + 1 == len))
            return 0;
    return 1;
}

size_t tier__sniff_first_line(const char *head, size_t len, const char **line)
{
    size_t i;
    if (len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) {
        head += 3;
        len -= 3;
    }
    for (;;) {
        const char *nl = memchr(head, '\n', len);
        /* Blank lines before the first line are skipped, as the reader skips them. */
        if (!nl || !blank(head, (size_t)(nl - head)))
            break;
        len -= (size_t)(nl - head) + 1;
        head = nl + 1;
    }
    for (i = 0; i < len && head[i] != '\n' && head[i] != '\r' && head[i] != '\0'; i++)
        ;
    *line = head;
    return i;
}

int tier__sniff_delimiter(const char *line, size_t len)
{
    static const char order[] = "\t,;|";
    size_t k;
    for (k = 0; order[k]; k++)
        if (memchr(line, order[k], len))
            return (unsigned char)order[k];
    return TIER_CSV_WHITESPACE;
}

int tier__sniff_names(tier__names *out, const tier_allocator *a, const char *line, size_t len,
                      int delim)
{
    tier__csv_lex lx;
    size_t used, k, n = 0, off = 0, room = 1;
    char *text;
    const char **v;
    int rc = TIER_OK;
    memset(out, 0, sizeof *out);
    out->alloc = a;
    /* A delimiter the reader refuses gives no names (the reader says why later). */
    if (delim != TIER_CSV_WHITESPACE &&
        (delim <= 0 || delim > 255 || delim == '"' || delim == '\r' || delim == '\n'))
        return TIER_OK;
    tier__csv_lex_init(&lx, a, delim, (uint64_t)len + 1, (uint64_t)len + 1);
    rc = tier__csv_lex_next(&lx, line, len, 1, &used);
    if (rc == TIER__CSV_RECORD) {
        n = lx.nfields;
        /* Nothing after a last delimiter is no name. */
        if (n > 1 && lx.field[n - 1].len == 0 && !lx.field[n - 1].quoted)
            n--;
        if (n > TIER__SNIFF_MAX_NAMES)
            n = TIER__SNIFF_MAX_NAMES;
    }
    if (rc == TIER_ENOMEM) {
        tier__csv_lex_free(&lx);
        return TIER_ENOMEM;
    }
    for (k = 0; k < n; k++)
        room += lx.field[k].len + 1;
    text = tier__malloc(a, room);
    v = tier__calloc(a, n + 1, sizeof *v);
    if (!text || !v) {
        tier__free(a, text);
        tier__free(a, (void *)v);
        tier__csv_lex_free(&lx);
        return TIER_ENOMEM;
    }
    for (k = 0; k < n; k++) {
        v[k] = text + off;
        off += tier__csv_unescape(text + off, &lx.field[k]);
        text[off++] = '\0';
    }
    text[off] = '\0';
    tier__csv_lex_free(&lx);
    out->text = text;
    out->v = v;
    out->n = n;
    return TIER_OK;
}

void tier__names_free(tier__names *names)
{
    if (!names || !names->alloc)
        return;
    tier__free(names->alloc, names->text);
    tier__free(names->alloc, (void *)names->v);
    memset(names, 0, sizeof *names);
}

char *tier__names_join(const tier__names *names)
{
    size_t k, len = 0;
    char *out;
    if (!names->n)
        return NULL;
    for (k = 0; k < names->n; k++) {
        if (!names->v[k][0] || strpbrk(names->v[k], ",\""))
            return NULL;
        len += strlen(names->v[k]) + 1;
    }
    out = tier__malloc(names->alloc, len);
    if (!out)
        return NULL;
    len = 0;
    for (k = 0; k < names->n; k++) {
        size_t l = strlen(names->v[k]);
        if (k)
            out[len++] = ',';
        memcpy(out + len, names->v[k], l);
        len += l;
    }
    out[len] = '\0';
    return out;
}

const char *tier__sniff_column(int role, const char *given, const tier__names *names)
{
    const char *const *cand = role == TIER__SNIFF_ID       ? id_names
                              : role == TIER__SNIFF_DATE   ? date_names
                              : role == TIER__SNIFF_AMOUNT ? amount_names
                                                           : account_id_names;
    size_t c, k;
    if (given)
        return given;
    for (c = 0; names && cand[c]; c++)
        for (k = 0; k < names->n; k++)
            if (strcmp(names->v[k], cand[c]) == 0)
                return cand[c];
    return cand[0];
}
