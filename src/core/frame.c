/* SPDX-License-Identifier: MIT */
/* A table of named per-customer columns of numbers or labels. */
#include <math.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"

typedef struct column {
    char *name;
    int type;
    double *num;
    int32_t *codes;
    char **labels;
    size_t nlabels, cap_labels; /* cap_labels: room in `labels` */
} column;

struct tier_frame {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
    size_t rows;
    column *cols;
    size_t ncols, cap;
    const char *prefix; /* set while a model scores */
    /* Where tier_model_score_row last found each model's first column (keyed by the model's name
     * pointer): a hint only, always checked against the column's name. */
    struct {
        const char *prefix;
        size_t col;
    } hints[8];
    unsigned next_hint;
    /* While a run owns the frame (tier__frame_keep_id_order): the book whose customers' id order
     * the frame may hold, and that order once built (NULL until the first use). */
    const tier_book *ids_book;
    uint32_t *ids_perm, *ids_rank;
};

int tier_frame_new(tier_frame **out, size_t rows, const tier_allocator *alloc)
{
    size_t bytes;
    int rc;
    /* A column of `rows` numbers (the widest cell) must have a size that fits in a size_t. */
    if (out && tier__size_mul(rows, sizeof(double), &bytes)) {
        *out = NULL;
        return TIER_ERANGE;
    }
    rc = TIER__HANDLE_CREATE(out, tier_frame, alloc);
    if (rc == TIER_OK)
        (*out)->rows = rows;
    return rc;
}

static void column_free(tier_frame *f, column *c)
{
    size_t i;
    for (i = 0; i < c->nlabels; i++)
        tier__free(&f->alloc, c->labels[i]);
    tier__free(&f->alloc, c->labels);
    tier__free(&f->alloc, c->num);
    tier__free(&f->alloc, c->codes);
    tier__free(&f->alloc, c->name);
}

void tier_frame_free(tier_frame *f)
{
    size_t i;
    if (!f)
        return;
    for (i = 0; i < f->ncols; i++)
        column_free(f, &f->cols[i]);
    tier__free(&f->alloc, f->cols);
    tier__frame_keep_id_order(f, NULL);
    tier__free(&f->alloc, f);
}

void tier__frame_keep_id_order(tier_frame *f, const tier_book *book)
{
    tier__free(&f->alloc, f->ids_perm);
    tier__free(&f->alloc, f->ids_rank);
    f->ids_perm = f->ids_rank = NULL;
    f->ids_book = book;
}

int tier__frame_id_order(const tier_frame *frame, const tier_book *book, const uint32_t **perm,
                         const uint32_t **rank)
{
    tier_frame *f = (tier_frame *)frame; /* a cache of the run that owns the frame */
    int rc;
    if (!f || !book || f->ids_book != book || f->rows != tier_book_customer_count(book))
        return TIER_ENOTFOUND;
    if (!f->ids_perm) {
        rc = tier__book_id_order(book, &f->alloc, &f->ids_perm, &f->ids_rank);
        if (rc)
            return rc;
    }
    *perm = f->ids_perm;
    *rank = f->ids_rank;
    return TIER_OK;
}

const char *tier_frame_last_error(const tier_frame *f)
{
    return f ? f->err : "";
}

int tier_frame_set_error(tier_frame *f, const char *text)
{
    if (!f)
        return TIER_EINVAL;
    if (!text) {
        tier__errorf(f->err, "tier_frame_set_error: the text is NULL");
        return TIER_EINVAL;
    }
    tier__errorf(f->err, "%s", text);
    return TIER_OK;
}

char *tier__frame_error(tier_frame *f)
{
    return f->err;
}

size_t tier_frame_rows(const tier_frame *f)
{
    return f ? f->rows : 0;
}

size_t tier_frame_column_count(const tier_frame *f)
{
    return f ? f->ncols : 0;
}

const char *tier_frame_column_name(const tier_frame *f, size_t col)
{
    return (f && col < f->ncols) ? f->cols[col].name : NULL;
}

int tier_frame_column_type(const tier_frame *f, size_t col)
{
    return (f && col < f->ncols) ? f->cols[col].type : 0;
}

int tier_frame_find(const tier_frame *f, const char *name, size_t *out_col)
{
    size_t i;
    if (!f || !name)
        return TIER_ENOTFOUND;
    for (i = 0; i < f->ncols; i++) {
        if (strcmp(f->cols[i].name, name) == 0) {
            if (out_col)
                *out_col = i;
            return TIER_OK;
        }
    }
    return TIER_ENOTFOUND;
}

const double *tier_frame_numbers(const tier_frame *f, size_t col)
{
    return (f && col < f->ncols) ? f->cols[col].num : NULL;
}

const int32_t *tier_frame_labels(const tier_frame *f, size_t col)
{
    return (f && col < f->ncols) ? f->cols[col].codes : NULL;
}

size_t tier_frame_label_count(const tier_frame *f, size_t col)
{
    return (f && col < f->ncols) ? f->cols[col].nlabels : 0;
}

const char *tier_frame_label_text(const tier_frame *f, size_t col, int32_t code)
{
    if (!f || col >= f->ncols || code < 0 || (size_t)code >= f->cols[col].nlabels)
        return NULL;
    return f->cols[col].labels[code];
}

/* Appends an empty column with the full (prefixed) name; the caller fills its storage. */
static int add_column(tier_frame *f, const char *name, int type, column **out)
{
    size_t plen, nlen;
    char *full;
    void *p;
    if (!tier__name_valid(name, 0, TIER__NAME_UPPER | TIER__NAME_DOT_DASH)) {
        tier__errorf(f->err, "invalid column name \"%s\" (letters, digits, '_', '.', '-')",
                     name ? name : "(null)");
        return TIER_EINVAL;
    }
    plen = f->prefix ? strlen(f->prefix) + 1 : 0;
    nlen = strlen(name);
    full = tier__malloc(&f->alloc, plen + nlen + 1);
    if (!full)
        goto nomem;
    if (plen) {
        memcpy(full, f->prefix, plen - 1);
        full[plen - 1] = '.';
    }
    memcpy(full + plen, name, nlen + 1);
    if (tier_frame_find(f, full, NULL) == TIER_OK) {
        tier__errorf(f->err, "duplicate column \"%s\"", full);
        tier__free(&f->alloc, full);
        return TIER_EINVAL;
    }
    p = f->cols;
    if (tier__grow(&f->alloc, &p, &f->cap, f->ncols + 1, sizeof(column))) {
        tier__free(&f->alloc, full);
        goto nomem;
    }
    f->cols = p;
    memset(&f->cols[f->ncols], 0, sizeof(column));
    f->cols[f->ncols].name = full;
    f->cols[f->ncols].type = type;
    *out = &f->cols[f->ncols];
    return TIER_OK;
nomem:
    tier__errorf(f->err, "out of memory adding column \"%s\"", name);
    return TIER_ENOMEM;
}

/* A number column, NaN in every row when `fill` (else the caller writes every row). */
static int add_numbers(tier_frame *f, const char *name, double **out_values, int fill)
{
    column *c;
    size_t i;
    int rc;
    if (!f)
        return TIER_EINVAL;
    f->err[0] = '\0';
    if (!out_values) {
        tier__errorf(f->err, "adding a number column: no place for its values (NULL)");
        return TIER_EINVAL;
    }
    if ((rc = add_column(f, name, TIER_VALUE_NUMBER, &c)) != 0)
        return rc;
    c->num = tier__malloc_n(&f->alloc, f->rows, sizeof(double));
    if (!c->num) {
        tier__free(&f->alloc, c->name);
        tier__errorf(f->err, "out of memory adding column \"%s\"", name);
        return TIER_ENOMEM;
    }
    for (i = 0; fill && i < f->rows; i++)
        c->num[i] = NAN;
    f->ncols++;
    *out_values = c->num;
    return TIER_OK;
}

int tier_frame_add_numbers(tier_frame *f, const char *name, double **out_values)
{
    return add_numbers(f, name, out_values, 1);
}

int tier__frame_add_numbers_unset(tier_frame *f, const char *name, double **out_values)
{
    return add_numbers(f, name, out_values, 0);
}

/* A label column, with code -1 in every row when `fill` (else the caller writes every row). */
static int add_labels(tier_frame *f, const char *name, const char *const *labels,
                      size_t label_count, int32_t **out_codes, int fill)
{
    column *c;
    size_t i;
    int rc;
    if (!f)
        return TIER_EINVAL;
    f->err[0] = '\0';
    if (!out_codes || (label_count && !labels) || label_count > INT32_MAX) {
        tier__errorf(f->err, "adding a label column: %s",
                     !out_codes                ? "no place for its codes (NULL)"
                     : label_count > INT32_MAX ? "more labels than a code can number"
                                               : "the labels are NULL");
        return TIER_EINVAL;
    }
    for (i = 0; i < label_count; i++) {
        if (!labels[i] || !tier__utf8_valid(labels[i], strlen(labels[i]))) {
            tier__errorf(f->err, "label %zu of column \"%s\" is NULL or not UTF-8", i,
                         name ? name : "");
            return TIER_EINVAL;
        }
    }
    if ((rc = add_column(f, name, TIER_VALUE_LABEL, &c)) != 0)
        return rc;
    c->codes = tier__malloc_n(&f->alloc, f->rows, sizeof(int32_t));
    c->labels = tier__calloc(&f->alloc, label_count ? label_count : 1, sizeof(char *));
    if (!c->codes || !c->labels)
        goto nomem;
    c->cap_labels = label_count ? label_count : 1;
    for (i = 0; i < label_count; i++) {
        if (!(c->labels[i] = tier__strdup(&f->alloc, labels[i])))
            goto nomem;
        c->nlabels++;
    }
    for (i = 0; fill && i < f->rows; i++)
        c->codes[i] = -1;
    f->ncols++;
    *out_codes = c->codes;
    return TIER_OK;
nomem:
    column_free(f, c);
    tier__errorf(f->err, "out of memory adding column \"%s\"", name);
    return TIER_ENOMEM;
}

int tier_frame_add_labels(tier_frame *f, const char *name, const char *const *labels,
                          size_t label_count, int32_t **out_codes)
{
    return add_labels(f, name, labels, label_count, out_codes, 1);
}

int tier__frame_add_labels_unset(tier_frame *f, const char *name, const char *const *labels,
                                 size_t label_count, int32_t **out_codes)
{
    return add_labels(f, name, labels, label_count, out_codes, 0);
}

size_t tier__frame_begin(tier_frame *f, const char *prefix)
{
    f->prefix = prefix;
    f->err[0] = '\0';
    return f->ncols;
}

void tier__frame_end(tier_frame *f, size_t mark, int ok)
{
    f->prefix = NULL;
    if (!ok) {
        while (f->ncols > mark)
            column_free(f, &f->cols[--f->ncols]);
    }
}

void tier__frame_swap(tier_frame *f, size_t a, size_t b)
{
    column t;
    char *na, *nb;
    if (a >= f->ncols || b >= f->ncols || a == b)
        return;
    na = f->cols[a].name;
    nb = f->cols[b].name;
    t = f->cols[a];
    f->cols[a] = f->cols[b];
    f->cols[b] = t;
    f->cols[a].name = na;
    f->cols[b].name = nb;
}

/* ---- one cell at a time (tier_model_score_row) ----------------------------------------- */

int tier__frame_find_output(const tier_frame *f, const char *prefix, size_t prefix_len,
                            const char *name, size_t hint, size_t *col)
{
    size_t i;
    for (i = 0; i <= f->ncols; i++) {
        /* The hint first, then every column in order. */
        size_t c = i == 0 ? hint : i - 1;
        const char *n;
        if (c >= f->ncols || (i > 0 && c == hint))
            continue;
        n = f->cols[c].name;
        if (n[0] == prefix[0] && strncmp(n, prefix, prefix_len) == 0 && n[prefix_len] == '.' &&
            strcmp(n + prefix_len + 1, name) == 0) {
            *col = c;
            return TIER_OK;
        }
    }
    return TIER_ENOTFOUND;
}

size_t tier__frame_hint(const tier_frame *f, const char *prefix)
{
    size_t i;
    for (i = 0; i < sizeof f->hints / sizeof f->hints[0]; i++)
        if (f->hints[i].prefix == prefix)
            return f->hints[i].col;
    return 0;
}

void tier__frame_remember(tier_frame *f, const char *prefix, size_t col)
{
    size_t i, n = sizeof f->hints / sizeof f->hints[0];
    for (i = 0; i < n; i++)
        if (f->hints[i].prefix == prefix) {
            f->hints[i].col = col;
            return;
        }
    f->hints[f->next_hint % n].prefix = prefix;
    f->hints[f->next_hint % n].col = col;
    f->next_hint++;
}

void tier__frame_set_number(tier_frame *f, size_t col, size_t row, double value)
{
    f->cols[col].num[row] = value;
}

int32_t tier__frame_label_code(const tier_frame *f, size_t col, size_t row, const char *text)
{
    const column *c = &f->cols[col];
    int32_t now = c->codes[row];
    size_t i;
    /* The row's own label first: a re-scored row mostly keeps it. */
    if (now >= 0 && (size_t)now < c->nlabels && strcmp(c->labels[now], text) == 0)
        return now;
    for (i = 0; i < c->nlabels; i++)
        if (strcmp(c->labels[i], text) == 0)
            return (int32_t)i;
    return -1;
}

int tier__frame_add_label(tier_frame *f, size_t col, const char *text, int32_t *code)
{
    column *c = &f->cols[col];
    char *copy;
    void *p = c->labels;
    if (!tier__utf8_valid(text, strlen(text))) {
        tier__errorf(f->err, "a new label of column \"%s\" is not UTF-8", c->name);
        return TIER_EINVAL;
    }
    if (c->nlabels >= INT32_MAX) {
        tier__errorf(f->err, "column \"%s\" has too many labels", c->name);
        return TIER_ERANGE;
    }
    if (tier__grow(&f->alloc, &p, &c->cap_labels, c->nlabels + 1, sizeof *c->labels) != TIER_OK ||
        !(copy = tier__strdup(&f->alloc, text))) {
        c->labels = p; /* grown or not, it holds the labels it had */
        tier__errorf(f->err, "out of memory adding label \"%.100s\" to column \"%s\"", text,
                     c->name);
        return TIER_ENOMEM;
    }
    c->labels = p;
    c->labels[c->nlabels] = copy;
    *code = (int32_t)c->nlabels++;
    return TIER_OK;
}

size_t tier__frame_label_mark(const tier_frame *f, size_t col)
{
    return f->cols[col].nlabels;
}

void tier__frame_drop_labels(tier_frame *f, size_t col, size_t mark)
{
    column *c = &f->cols[col];
    while (c->nlabels > mark)
        tier__free(&f->alloc, c->labels[--c->nlabels]);
}

void tier__frame_set_code(tier_frame *f, size_t col, size_t row, int32_t code)
{
    f->cols[col].codes[row] = code;
}
