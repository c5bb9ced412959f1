/* SPDX-License-Identifier: MIT */
/* Delimiter, header names and column synonyms from the first line of a CSV file. */
#include <errno.h>
#include <string.h>

#include "io/sniff.h"

static const char *const id_names[] = {"customer_id", "customer", "customerid", "id", "account_id",
                                       NULL};
static const char *const date_names[] = {"date", "order_date", "invoice_date", "day", NULL};
static const char *const amount_names[] = {"amount", "dollar_value", "revenue", "value", "total",
                                           "sales", NULL};
static const char *const account_id_names[] = {"account_id", "customer_id", "customer", "id",
                                               NULL};

int tier__sniff_head(const tier_io *io, const char *path, char *buf, size_t cap, size_t *len)
{
    void *f;
    size_t got = 0;
    int rc = io->open(io->ud, path, TIER_IO_READ, &f);
    *len = 0;
    if (rc)
        return rc < 0 ? rc : -EIO;
    while (got < cap) {
        int64_t n = io->read(io->ud, f, buf + got, cap - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    (void)io->close(io->ud, f);
    *len = got;
    return 0;
}

size_t tier__sniff_first_line(const char *head, size_t len, const char **line)
{
    size_t i;
    if (len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) {
        head += 3;
        len -= 3;
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

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int tier__sniff_names(tier__names *out, const tier_allocator *a, const char *line, size_t len,
                      int delim)
{
    size_t starts[TIER__SNIFF_MAX_NAMES], ends[TIER__SNIFF_MAX_NAMES];
    size_t n = 0, p = 0, k, off = 0;
    char *text;
    const char **v;
    for (;;) {
        size_t s, e;
        if (delim == TIER_CSV_WHITESPACE)
            while (p < len && is_blank(line[p]))
                p++;
        if (p == len && (delim == TIER_CSV_WHITESPACE || n > 0))
            break;
        s = p;
        if (delim == TIER_CSV_WHITESPACE)
            while (p < len && !is_blank(line[p]))
                p++;
        else
            while (p < len && line[p] != (char)delim)
                p++;
        e = p;
        while (s < e && (is_blank(line[s]) || line[s] == '"'))
            s++;
        while (e > s && (is_blank(line[e - 1]) || line[e - 1] == '"'))
            e--;
        if (n < TIER__SNIFF_MAX_NAMES) {
            starts[n] = s;
            ends[n++] = e;
        }
        if (p == len)
            break;
        p++;
    }
    text = tier__malloc(a, len + n + 1);
    v = tier__calloc(a, n + 1, sizeof *v);
    if (!text || !v) {
        tier__free(a, text);
        tier__free(a, (void *)v);
        return TIER_ENOMEM;
    }
    for (k = 0; k < n; k++) {
        memcpy(text + off, line + starts[k], ends[k] - starts[k]);
        v[k] = text + off;
        off += ends[k] - starts[k];
        text[off++] = '\0';
    }
    out->alloc = a;
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
