/* SPDX-License-Identifier: MIT */
/* The model state text format: one writer and one reader for every model (built-in or user).
 *
 *   tier-model-state 1
 *   kind "rfm"
 *   name "rfm"
 *   bins 5
 *   cuts.r 12 40 95 300
 *   end
 *
 * One record per line: a key, then values separated by a space; a number is written in the
 * shortest form that reads back exactly, a text is double-quoted with \\ \" \n \r \t and \xHH
 * escapes. docs/model-state-format.md is the specification. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crc32c.h"
#include "util/numtext.h"
#include "util/state.h"

size_t tier__state_format_number(char *buf, double v)
{
    return tier__num_format(buf, v, TIER__NUM_SHORT_EXP);
}

int tier__state_parse_number(const char *s, size_t n, double *out)
{
    return tier__num_parse(s, n, out, TIER__NUM_NONFINITE) == TIER_OK;
}

/* ---- writer ---------------------------------------------------------------------------- */

void tier__state_writer_init(tier_state_writer *w, const tier_allocator *alloc)
{
    memset(w, 0, sizeof *w);
    tier__alloc_init(&w->alloc, alloc);
    tier__buf_init(&w->buf, &w->alloc);
}

void tier__state_writer_free(tier_state_writer *w)
{
    tier__buf_free(&w->buf);
}

static int put(tier_state_writer *w, const char *s, size_t n)
{
    if (w->status)
        return w->status;
    return w->status = tier__buf_append(&w->buf, s, n);
}

static int valid_key(const char *key)
{
    return tier__name_valid(key, TIER__STATE_KEY_MAX,
                            TIER__NAME_UPPER | TIER__NAME_DOT_DASH | TIER__NAME_LETTER_FIRST);
}

int tier_state_write_key(tier_state_writer *w, const char *key)
{
    if (!w)
        return TIER_EINVAL;
    if (w->status)
        return w->status;
    if (!valid_key(key) || strcmp(key, "end") == 0)
        return w->status = TIER_EINVAL;
    if (w->in_record && put(w, "\n", 1))
        return w->status;
    w->in_record = 1;
    return put(w, key, strlen(key));
}

int tier_state_write_number(tier_state_writer *w, double v)
{
    char buf[TIER__NUM_SIZE + 1];
    size_t n;
    if (!w)
        return TIER_EINVAL;
    if (w->status)
        return w->status;
    if (!w->in_record)
        return w->status = TIER_EINVAL;
    buf[0] = ' ';
    n = tier__num_format(buf + 1, v, TIER__NUM_SHORT_EXP);
    return put(w, buf, n + 1);
}

int tier_state_write_numbers(tier_state_writer *w, const double *v, size_t n)
{
    size_t i;
    if (!w || (!v && n))
        return w ? (w->status = w->status ? w->status : TIER_EINVAL) : TIER_EINVAL;
    if (!w->in_record && !w->status)
        return w->status = TIER_EINVAL;
    for (i = 0; i < n; i++)
        if (tier_state_write_number(w, v[i]))
            break;
    return w->status;
}

int tier_state_write_text(tier_state_writer *w, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, n;
    if (!w)
        return TIER_EINVAL;
    if (w->status)
        return w->status;
    if (!w->in_record || !text || !tier__utf8_valid(text, n = strlen(text)))
        return w->status = TIER_EINVAL;
    put(w, " \"", 2);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        char esc[4];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(w, esc, 2);
        } else if (c == '\n') {
            put(w, "\\n", 2);
        } else if (c == '\r') {
            put(w, "\\r", 2);
        } else if (c == '\t') {
            put(w, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f) {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[c >> 4];
            esc[3] = hex[c & 15];
            put(w, esc, 4);
        } else {
            put(w, text + i, 1);
        }
    }
    return put(w, "\"", 1);
}

/* Digits of the check sum placeholder of a sealed text (a CRC-32C in decimal). */
#define SEAL_DIGITS 10

static int write_header(tier_state_writer *w, const char *magic, int sealed, const char *kind,
                        const char *name)
{
    tier_state_write_key(w, magic);
    tier_state_write_number(w, TIER__STATE_VERSION);
    if (sealed)
        put(w, " 0000000000", 1 + SEAL_DIGITS);
    tier_state_write_key(w, "kind");
    tier_state_write_text(w, kind);
    tier_state_write_key(w, "name");
    tier_state_write_text(w, name);
    /* The header's last record is closed here, so that a save callback that writes a value
     * before its first key is refused (TIER_EINVAL) instead of adding it to "name". */
    if (put(w, "\n", 1) == TIER_OK)
        w->in_record = 0;
    return w->status;
}

int tier__state_write_header(tier_state_writer *w, const char *kind, const char *name)
{
    return write_header(w, TIER__STATE_MAGIC, 0, kind, name);
}

int tier__state_write_header_sealed(tier_state_writer *w, const char *magic, const char *kind,
                                    const char *name)
{
    return write_header(w, magic, 1, kind, name);
}

void tier__state_writer_seal(tier_state_writer *w)
{
    char *t = (char *)tier__buf_data(&w->buf), digits[SEAL_DIGITS + 1];
    size_t len = tier__buf_len(&w->buf);
    const char *nl = t ? memchr(t, '\n', len) : NULL;
    if (w->status || !nl || nl - t < SEAL_DIGITS)
        return;
    snprintf(digits, sizeof digits, "%010lu",
             (unsigned long)tier__crc32c(0, nl + 1, len - (size_t)(nl + 1 - t)));
    memcpy((char *)nl - SEAL_DIGITS, digits, SEAL_DIGITS);
}

int tier__state_writer_finish(tier_state_writer *w)
{
    if (w->in_record)
        put(w, "\n", 1);
    w->in_record = 0;
    return put(w, "end\n", 4);
}

/* ---- reader ---------------------------------------------------------------------------- */

static int fail(tier_state_reader *r, int rc, size_t line, const char *fmt, const char *arg)
{
    char msg[TIER__ERR_SIZE];
    snprintf(msg, sizeof msg, fmt, arg ? arg : "");
    tier__errorf(r->err, "line %lu: %s", (unsigned long)line, msg);
    r->status = rc;
    return rc;
}

static int scratch_put(tier_state_reader *r, char c)
{
    void *p = r->scratch;
    if (r->scratch_len + 1 > r->scratch_cap) {
        int rc = tier__grow(&r->alloc, &p, &r->scratch_cap, r->scratch_len + 1, 1);
        if (rc)
            return rc;
        r->scratch = p;
    }
    r->scratch[r->scratch_len++] = c;
    return TIER_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes a quoted text starting at s[*i] == '"'; leaves *i after the closing quote. */
static int read_text(tier_state_reader *r, const char *s, size_t n, size_t *i, size_t line)
{
    size_t start = r->scratch_len, k = *i + 1;
    tier__state_value *v;
    int rc;
    for (;;) {
        char c;
        if (k >= n)
            return fail(r, TIER_ECORRUPT, line, "unterminated text%s", NULL);
        c = s[k++];
        if (c == '"')
            break;
        if (c == '\\') {
            int hi, lo;
            if (k >= n)
                return fail(r, TIER_ECORRUPT, line, "unterminated text%s", NULL);
            c = s[k++];
            switch (c) {
            case '\\':
            case '"':
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'x':
                if (k + 2 > n || (hi = hexval(s[k])) < 0 || (lo = hexval(s[k + 1])) < 0 ||
                    hi * 16 + lo == 0)
                    return fail(r, TIER_ECORRUPT, line, "bad \\x escape in a text%s", NULL);
                c = (char)(hi * 16 + lo);
                k += 2;
                break;
            default:
                return fail(r, TIER_ECORRUPT, line, "unknown escape in a text%s", NULL);
            }
        } else if ((unsigned char)c < 0x20 || c == 0x7f) {
            return fail(r, TIER_ECORRUPT, line, "control character in a text%s", NULL);
        }
        if ((rc = scratch_put(r, c)) != TIER_OK)
            return fail(r, rc, line, "out of memory%s", NULL);
    }
    if (r->scratch_len > start && !tier__utf8_valid(r->scratch + start, r->scratch_len - start))
        return fail(r, TIER_ECORRUPT, line, "a text is not valid UTF-8%s", NULL);
    if ((rc = scratch_put(r, '\0')) != TIER_OK)
        return fail(r, rc, line, "out of memory%s", NULL);
    v = &r->values[r->n_values++];
    v->type = TIER_OPTION_TEXT;
    v->number = NAN;
    v->text = start;
    *i = k;
    return TIER_OK;
}

/* Splits line s[0..n) into the current record. */
static int parse_line(tier_state_reader *r, const char *s, size_t n, size_t line)
{
    size_t i = 0, k;
    r->n_values = 0;
    r->scratch_len = 0;
    while (i < n && s[i] != ' ' && s[i] != '\t')
        i++;
    if (i > TIER__STATE_KEY_MAX) {
        return fail(r, TIER_ECORRUPT, line, "key longer than 64 bytes%s", NULL);
    }
    memcpy(r->key, s, i);
    r->key[i] = '\0';
    if (!valid_key(r->key)) {
        char q[TIER__QUOTE_MAX * 4 + 16];
        return fail(r, TIER_ECORRUPT, line, "bad record key %s",
                    tier__quote_text(q, sizeof q, s, i));
    }
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= n)
            break;
        if (r->n_values == r->cap_values) {
            void *p = r->values;
            int rc = tier__grow(&r->alloc, &p, &r->cap_values, r->n_values + 1, sizeof *r->values);
            if (rc)
                return fail(r, rc, line, "out of memory%s", NULL);
            r->values = p;
        }
        if (s[i] == '"') {
            int rc = read_text(r, s, n, &i, line);
            if (rc)
                return rc;
            if (i < n && s[i] != ' ' && s[i] != '\t')
                return fail(r, TIER_ECORRUPT, line, "no space after a text%s", NULL);
        } else {
            tier__state_value *v = &r->values[r->n_values];
            char q[TIER__QUOTE_MAX * 4 + 16];
            for (k = i; k < n && s[k] != ' ' && s[k] != '\t'; k++)
                ;
            if (!tier__state_parse_number(s + i, k - i, &v->number))
                return fail(r, TIER_ECORRUPT, line, "%s is neither a number nor a quoted text",
                            tier__quote_text(q, sizeof q, s + i, k - i));
            v->type = TIER_OPTION_NUMBER;
            v->text = 0;
            r->n_values++;
            i = k;
        }
    }
    return TIER_OK;
}

/* Reads the next line that is not blank or a comment into the current record: 1, 0 at the end
 * of the data, or a negative status. */
static int next_line(tier_state_reader *r)
{
    while (r->pos < r->len) {
        const char *s = r->data + r->pos, *nl = memchr(s, '\n', r->len - r->pos);
        size_t n = nl ? (size_t)(nl - s) : r->len - r->pos, line = r->next_line++, k;
        r->pos += n + (nl ? 1 : 0);
        if (n && s[n - 1] == '\r')
            n--;
        for (k = 0; k < n; k++)
            if (s[k] == '\0' || s[k] == '\r')
                return fail(r, TIER_ECORRUPT, line, "control character in the text%s", NULL);
        k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t'))
            k++;
        if (k == n || s[k] == '#')
            continue;
        if (k)
            return fail(r, TIER_ECORRUPT, line, "a record starts with a space%s", NULL);
        r->line = line;
        if (parse_line(r, s, n, line))
            return r->status;
        return 1;
    }
    return 0;
}

/* Reads the next record, which must be `key "text"` (a header record): 1, or a negative status
 * with the error set. */
static int next_text_record(tier_state_reader *r, const char *key)
{
    char msg[80];
    int rc = next_line(r);
    if (rc < 0)
        return rc;
    if (rc == 1 && strcmp(r->key, key) == 0 && r->n_values == 1 &&
        r->values[0].type == TIER_OPTION_TEXT)
        return 1;
    snprintf(msg, sizeof msg, "expected the %s record (%s \"...\")", key, key);
    return fail(r, TIER_ECORRUPT, rc ? r->line : r->next_line, "%s", msg);
}

/* The first record, `magic VERSION` (and ` CHECK` when sealed): TIER_OK or a negative status. */
static int read_magic(tier_state_reader *r, const char *magic, const char *what, int sealed)
{
    char msg[160];
    int rc = next_line(r);
    const tier__state_value *v = r->values;
    if (rc < 0)
        return rc;
    if (rc == 0 || strcmp(r->key, magic) != 0 || r->n_values != 1u + (sealed != 0) ||
        v[0].type != TIER_OPTION_NUMBER || v[0].number < 1 || v[0].number != floor(v[0].number) ||
        (sealed && (v[1].type != TIER_OPTION_NUMBER || !(v[1].number >= 0) ||
                    v[1].number > 4294967295.0 || v[1].number != floor(v[1].number)))) {
        snprintf(msg, sizeof msg, "not a libtier %s (expected \"%s 1%s\")", what, magic,
                 sealed ? " CHECK" : "");
        return fail(r, TIER_ECORRUPT, rc ? r->line : r->next_line - (r->next_line > 1), "%s", msg);
    }
    if (v[0].number > TIER__STATE_VERSION) {
        snprintf(msg, sizeof msg, "%s format version %.0f is newer than this library's (%d)",
                 sealed ? what : "state", v[0].number, TIER__STATE_VERSION);
        return fail(r, TIER_EVERSION, r->line, "%s", msg);
    }
    if (sealed && (double)tier__crc32c(0, r->data + r->pos, r->len - r->pos) != v[1].number) {
        snprintf(msg, sizeof msg, "the check sum does not match the text: a damaged or cut-off %s",
                 what);
        return fail(r, TIER_ECORRUPT, r->line, "%s", msg);
    }
    return TIER_OK;
}

static int open_reader(tier_state_reader *r, const tier_allocator *alloc, const char *data,
                       size_t len, const char *magic, const char *what, int sealed,
                       const char *kind)
{
    const char *text = NULL;
    int rc;
    memset(r, 0, sizeof *r);
    tier__alloc_init(&r->alloc, alloc);
    r->data = data ? data : "";
    r->len = data ? len : 0;
    r->next_line = 1;
    if ((rc = read_magic(r, magic, what, sealed)) != TIER_OK)
        return rc;
    rc = next_text_record(r, "kind");
    if (rc < 0)
        return rc;
    text = r->scratch + r->values[0].text;
    if (strcmp(text, kind) != 0) {
        char msg[TIER__ERR_SIZE], q1[TIER__QUOTE_MAX * 4 + 16], q2[TIER__QUOTE_MAX * 4 + 16];
        snprintf(msg, sizeof msg, "the %s is of kind %s, the model of kind %s",
                 sealed ? what : "state", tier__quote_text(q1, sizeof q1, text, strlen(text)),
                 tier__quote_text(q2, sizeof q2, kind, strlen(kind)));
        return fail(r, TIER_ECORRUPT, r->line, "%s", msg);
    }
    rc = next_text_record(r, "name");
    if (rc < 0)
        return rc;
    /* Check the syntax of every record, and that the text ends with "end", before the model
     * reads any: a damaged or cut-off text fails here, before a load callback sees a record. */
    {
        size_t pos = r->pos, next = r->next_line;
        while ((rc = tier_state_read_next(r, NULL)) == 1)
            ;
        if (rc < 0)
            return rc;
        r->pos = pos;
        r->next_line = next;
        r->at_end = 0;
    }
    r->n_values = 0;
    r->line = 0;
    r->key[0] = '\0';
    return TIER_OK;
}

int tier_state_read_next(tier_state_reader *r, const char **key)
{
    int rc;
    if (key)
        *key = NULL;
    if (!r)
        return TIER_EINVAL;
    if (r->status)
        return r->status;
    if (r->at_end)
        return 0;
    rc = next_line(r);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        r->n_values = 0;
        return fail(r, TIER_ECORRUPT, r->next_line,
                    "the text ends before the \"end\" record (cut off?)%s", NULL);
    }
    if (strcmp(r->key, "end") == 0) {
        if (r->n_values)
            return fail(r, TIER_ECORRUPT, r->line, "the \"end\" record has values%s", NULL);
        r->at_end = 1;
        if ((rc = next_line(r)) != 0)
            return rc < 0
                       ? rc
                       : fail(r, TIER_ECORRUPT, r->line, "text after the \"end\" record%s", NULL);
        return 0;
    }
    if (key)
        *key = r->key;
    return 1;
}

int tier__state_reader_open(tier_state_reader *r, const tier_allocator *alloc, const char *data,
                            size_t len, const char *kind)
{
    return open_reader(r, alloc, data, len, TIER__STATE_MAGIC, "model state", 0, kind);
}

int tier__state_reader_open_sealed(tier_state_reader *r, const tier_allocator *alloc,
                                   const char *data, size_t len, const char *magic,
                                   const char *what, const char *kind)
{
    return open_reader(r, alloc, data, len, magic, what, 1, kind);
}

int tier__state_reader_check_end(tier_state_reader *r)
{
    const char *key;
    int rc;
    if (r->status)
        return r->status;
    if (r->at_end)
        return TIER_OK;
    rc = tier_state_read_next(r, &key);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        char q[TIER__QUOTE_MAX * 4 + 16];
        return fail(r, TIER_ECORRUPT, r->line, "unexpected record %s",
                    tier__quote_text(q, sizeof q, key, strlen(key)));
    }
    return TIER_OK;
}

void tier__state_reader_close(tier_state_reader *r)
{
    tier__free(&r->alloc, r->values);
    tier__free(&r->alloc, r->scratch);
    r->values = NULL;
    r->scratch = NULL;
}

size_t tier_state_read_count(const tier_state_reader *r)
{
    return r && !r->status ? r->n_values : 0;
}

int tier_state_read_type(const tier_state_reader *r, size_t i)
{
    return (r && !r->status && i < r->n_values) ? r->values[i].type : 0;
}

/* TIER_OK when value i of the record is of `type`; else the reader's latched failure, or
 * TIER_ECORRUPT with the error saying that the value is missing or not `what`. */
static int check_value(tier_state_reader *r, size_t i, int type, const char *what)
{
    char msg[TIER__ERR_SIZE];
    if (r->status)
        return r->status;
    if (i < r->n_values && r->values[i].type == type)
        return TIER_OK;
    if (i >= r->n_values)
        snprintf(msg, sizeof msg, "record \"%s\" has %lu value%s, not %lu or more", r->key,
                 (unsigned long)r->n_values, r->n_values == 1 ? "" : "s", (unsigned long)i + 1);
    else
        snprintf(msg, sizeof msg, "value %lu of record \"%s\" is not %s", (unsigned long)i + 1,
                 r->key, what);
    return fail(r, TIER_ECORRUPT, r->line, "%s", msg);
}

int tier_state_read_number(tier_state_reader *r, size_t i, double *out)
{
    int rc;
    if (!r || !out)
        return TIER_EINVAL;
    rc = check_value(r, i, TIER_OPTION_NUMBER, "a number");
    if (rc == TIER_OK)
        *out = r->values[i].number;
    return rc;
}

int tier_state_read_numbers(tier_state_reader *r, double *out, size_t n)
{
    size_t i;
    if (!r || (!out && n))
        return TIER_EINVAL;
    if (r->status)
        return r->status;
    if (r->n_values != n) {
        char msg[TIER__ERR_SIZE];
        snprintf(msg, sizeof msg, "record \"%s\" has %lu value%s, not %lu", r->key,
                 (unsigned long)r->n_values, r->n_values == 1 ? "" : "s", (unsigned long)n);
        return fail(r, TIER_ECORRUPT, r->line, "%s", msg);
    }
    for (i = 0; i < n; i++)
        if (tier_state_read_number(r, i, &out[i]))
            return r->status;
    return TIER_OK;
}

int tier_state_read_text(tier_state_reader *r, size_t i, const char **out)
{
    int rc;
    if (!r || !out)
        return TIER_EINVAL;
    rc = check_value(r, i, TIER_OPTION_TEXT, "a text");
    if (rc == TIER_OK)
        *out = r->scratch + r->values[i].text;
    return rc;
}

int tier_state_read_fail(tier_state_reader *r, const char *message)
{
    if (!r)
        return TIER_ECORRUPT;
    if (r->status)
        return r->status;
    return fail(r, TIER_ECORRUPT, r->line, "%s", message ? message : "bad record");
}

size_t tier_state_read_line(const tier_state_reader *r)
{
    return r ? r->line : 0;
}
