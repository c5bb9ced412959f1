/* SPDX-License-Identifier: MIT */
/* tier_book_add_txns_ids: customer ids in the layouts of NumPy, pandas and Arrow columns
 * (integers, fixed-width bytes or UTF-32, texts joined with NUL between them) turned into the
 * Arrow-style ids of tier_book_add_txns, which then adds the rows. The conversion runs in two
 * passes on the book's executor: each task measures its slice (the bytes its ids take, or for
 * NUL-separated ids the separators in its slice of bytes), then, from where the slices before it
 * end, writes its offsets and bytes. Nothing depends on the number of tasks. */
#include <string.h>

#include "core/book_impl.h"
#include "util/numtext.h"
#include "util/par_tasks.h"

/* Rows (or, for NUL-separated ids, bytes) per task at least. */
#define GRAIN_ROWS ((size_t)1 << 15)
#define GRAIN_BYTES ((size_t)1 << 18)
/* The longest decimal text of a 64-bit integer: "-9223372036854775808", "18446744073709551615". */
#define INT_TEXT_MAX 20

typedef struct ids_job {
    int layout;
    const unsigned char *ids;
    size_t n, width, tasks;
    size_t *off; /* n + 1 offsets */
    char *data;  /* the ids' bytes */
    /* Per task: its bytes (pass 1), the first bad row (UTF-32; SIZE_MAX: none) and its code
     * unit, and for NUL-separated ids the separators in its slice of bytes. */
    size_t bytes[TIER__PAR_TASKS], bad[TIER__PAR_TASKS], seps[TIER__PAR_TASKS];
    uint32_t bad_unit[TIER__PAR_TASKS];
} ids_job;

/* |v| and its sign of row i of an integer layout. */
static uint64_t int_at(const ids_job *j, size_t i, int *neg)
{
    if (j->layout == TIER_IDS_UINT64) {
        *neg = 0;
        return ((const uint64_t *)(const void *)j->ids)[i];
    } else {
        int64_t v = ((const int64_t *)(const void *)j->ids)[i];
        *neg = v < 0;
        /* -(v + 1) + 1: exact at INT64_MIN */
        return v < 0 ? (uint64_t)(-(v + 1)) + 1u : (uint64_t)v;
    }
}

/* The digits of v: one comparison per power of ten, without branches (ids of one column
 * differ in length unpredictably). */
static size_t digits(uint64_t v)
{
    static const uint64_t pow10[19] = {10u,
                                       100u,
                                       1000u,
                                       10000u,
                                       100000u,
                                       1000000u,
                                       10000000u,
                                       100000000u,
                                       1000000000u,
                                       10000000000u,
                                       100000000000u,
                                       1000000000000u,
                                       10000000000000u,
                                       100000000000000u,
                                       1000000000000000u,
                                       10000000000000000u,
                                       100000000000000000u,
                                       1000000000000000000u,
                                       10000000000000000000u};
    size_t d = 1, k;
    for (k = 0; k < 19; k++)
        d += v >= pow10[k];
    return d;
}

/* The code units of row i of a UTF-32 layout without the padding, and their count. */
static size_t utf32_units(const ids_job *j, size_t i, const unsigned char **at)
{
    size_t k = j->width / 4;
    uint32_t u;
    *at = j->ids + i * j->width;
    for (; k > 0; k--) {
        memcpy(&u, *at + (k - 1) * 4, 4);
        if (u)
            break;
    }
    return k;
}

static size_t utf8_len(uint32_t u)
{
    return u < 0x80 ? 1 : u < 0x800 ? 2 : u < 0x10000 ? 3 : 4;
}

/* The UTF-8 length of row i, or SIZE_MAX with *unit the first code unit that is not a Unicode
 * scalar value (a surrogate or beyond U+10FFFF). */
static size_t utf32_len(const ids_job *j, size_t i, uint32_t *unit)
{
    const unsigned char *at;
    size_t k, m = utf32_units(j, i, &at), len = 0;
    for (k = 0; k < m; k++) {
        uint32_t u;
        memcpy(&u, at + k * 4, 4);
        if (u > 0x10FFFFu || (u >= 0xD800u && u <= 0xDFFFu)) {
            *unit = u;
            return SIZE_MAX;
        }
        len += utf8_len(u);
    }
    return len;
}

static size_t fixed_len(const ids_job *j, size_t i)
{
    const unsigned char *at = j->ids + i * j->width;
    size_t k = j->width;
    while (k > 0 && at[k - 1] == 0)
        k--;
    return k;
}

/* The bytes of row i's id; SIZE_MAX for a UTF-32 id that is not text (*unit: the culprit). */
static size_t row_len(const ids_job *j, size_t i, uint32_t *unit)
{
    int neg;
    uint64_t v;
    switch (j->layout) {
    case TIER_IDS_FIXED:
        return fixed_len(j, i);
    case TIER_IDS_UTF32:
        return utf32_len(j, i, unit);
    default:
        v = int_at(j, i, &neg);
        return digits(v) + (size_t)neg;
    }
}

/* Pass 1 for rows: the bytes of the task's ids (and its first bad row). */
static void measure_rows(void *arg, size_t t)
{
    ids_job *j = arg;
    size_t i = tier__par_begin(j->n, j->tasks, t), end = tier__par_begin(j->n, j->tasks, t + 1),
           sum = 0, len;
    j->bad[t] = SIZE_MAX;
    for (; i < end; i++) {
        if ((len = row_len(j, i, &j->bad_unit[t])) == SIZE_MAX) {
            j->bad[t] = i;
            return;
        }
        sum += len;
    }
    j->bytes[t] = sum;
}

static char *put_utf8(char *out, uint32_t u)
{
    if (u < 0x80) {
        *out++ = (char)u;
    } else if (u < 0x800) {
        *out++ = (char)(0xC0 | (u >> 6));
        *out++ = (char)(0x80 | (u & 0x3F));
    } else if (u < 0x10000) {
        *out++ = (char)(0xE0 | (u >> 12));
        *out++ = (char)(0x80 | ((u >> 6) & 0x3F));
        *out++ = (char)(0x80 | (u & 0x3F));
    } else {
        *out++ = (char)(0xF0 | (u >> 18));
        *out++ = (char)(0x80 | ((u >> 12) & 0x3F));
        *out++ = (char)(0x80 | ((u >> 6) & 0x3F));
        *out++ = (char)(0x80 | (u & 0x3F));
    }
    return out;
}

/* Writes row i's id of `len` bytes at out. */
static void write_row(const ids_job *j, size_t i, char *out, size_t len)
{
    const unsigned char *at;
    char *end = out + len;
    size_t k, m;
    int neg;
    uint64_t v;
    switch (j->layout) {
    case TIER_IDS_FIXED:
        memcpy(out, j->ids + i * j->width, len);
        break;
    case TIER_IDS_UTF32:
        m = utf32_units(j, i, &at);
        for (k = 0; k < m; k++) {
            uint32_t u;
            memcpy(&u, at + k * 4, 4);
            out = put_utf8(out, u);
        }
        break;
    default:
        v = int_at(j, i, &neg);
        end = tier__num_digits_before(end, v);
        if (neg)
            *--end = '-';
        break;
    }
}

/* Pass 2 for rows: the offsets from where the tasks before end, and the bytes. */
static void write_rows(void *arg, size_t t)
{
    ids_job *j = arg;
    size_t i = tier__par_begin(j->n, j->tasks, t), end = tier__par_begin(j->n, j->tasks, t + 1),
           at = 0, k;
    uint32_t unit;
    for (k = 0; k < t; k++)
        at += j->bytes[k];
    for (; i < end; i++) {
        size_t len = row_len(j, i, &unit);
        write_row(j, i, j->data + at, len);
        at += len;
        j->off[i + 1] = at;
    }
}

/* Pass 1 for NUL-separated ids: the separators in the task's slice of bytes. */
static void count_seps(void *arg, size_t t)
{
    ids_job *j = arg;
    size_t i = tier__par_begin(j->width, j->tasks, t),
           end = tier__par_begin(j->width, j->tasks, t + 1), c = 0;
    for (; i < end; i++)
        c += j->ids[i] == 0;
    j->seps[t] = c;
}

/* Pass 2 for NUL-separated ids: a byte at p with r separators before it goes to p - r; the
 * separator itself ends row r (off[r + 1] = p - r). */
static void split_seps(void *arg, size_t t)
{
    ids_job *j = arg;
    size_t p = tier__par_begin(j->width, j->tasks, t),
           end = tier__par_begin(j->width, j->tasks, t + 1), r = 0, k;
    for (k = 0; k < t; k++)
        r += j->seps[k];
    while (p < end) {
        const unsigned char *sep = memchr(j->ids + p, 0, end - p);
        size_t stop = sep ? (size_t)(sep - j->ids) : end;
        memcpy(j->data + p - r, j->ids + p, stop - p);
        if (!sep)
            break;
        j->off[r + 1] = stop - r;
        r++;
        p = stop + 1;
    }
}

/* TIER_OK when the layout is known and the width fits it, else TIER_EINVAL (error in err). */
static int check_layout(tier_book *b, const ids_job *j)
{
    switch (j->layout) {
    case TIER_IDS_INT64:
    case TIER_IDS_UINT64:
        return TIER_OK;
    case TIER_IDS_FIXED:
        if (j->width == 0 || j->n > SIZE_MAX / j->width)
            break;
        return TIER_OK;
    case TIER_IDS_UTF32:
        if (j->width == 0 || j->width % 4 || j->n > SIZE_MAX / j->width)
            break;
        return TIER_OK;
    case TIER_IDS_NUL_SEPARATED:
        return TIER_OK;
    default:
        tier__errorf(b->err, "unknown id layout %d", j->layout);
        return TIER_EINVAL;
    }
    tier__errorf(b->err, "a width of %zu bytes does not fit id layout %d with %zu rows", j->width,
                 j->layout, j->n);
    return TIER_EINVAL;
}

/* Fills j->off and j->data (allocated here) from j->ids; on failure frees them. */
static int convert(tier_book *b, ids_job *j)
{
    const tier_executor *ex = tier__book_executor(b);
    size_t t, total = 0;
    int rc = TIER_OK;
    if (!(j->off = tier__malloc_n(&b->alloc, j->n + 1, sizeof *j->off)))
        goto oom;
    j->off[0] = 0;
    if (j->layout == TIER_IDS_NUL_SEPARATED) {
        j->tasks = tier__par_tasks(ex, j->width, GRAIN_BYTES);
        tier__par_run(ex, j->tasks, count_seps, j);
        for (t = 0; t < j->tasks; t++)
            total += j->seps[t];
        if (total != j->n - 1) {
            tier__errorf(b->err, "%zu NUL-separated ids for %zu rows", total + 1, j->n);
            rc = TIER_EINVAL;
            goto fail;
        }
        total = j->width - total;
        j->off[j->n] = total;
        if (!(j->data = tier__malloc(&b->alloc, total ? total : 1)))
            goto oom;
        tier__par_run(ex, j->tasks, split_seps, j);
        return TIER_OK;
    }
    j->tasks = tier__par_tasks(ex, j->n, GRAIN_ROWS);
    tier__par_run(ex, j->tasks, measure_rows, j);
    for (t = 0; t < j->tasks; t++) {
        if (j->bad[t] != SIZE_MAX) {
            tier__errorf(b->err,
                         "row %zu: customer id holds the code unit 0x%lX, which is not a "
                         "Unicode scalar value",
                         j->bad[t], (unsigned long)j->bad_unit[t]);
            rc = TIER_EINVAL;
            goto fail;
        }
        total += j->bytes[t];
    }
    if (!(j->data = tier__malloc(&b->alloc, total ? total : 1)))
        goto oom;
    tier__par_run(ex, j->tasks, write_rows, j);
    return TIER_OK;
oom:
    tier__errorf(b->err, "out of memory converting %zu customer ids", j->n);
    rc = TIER_ENOMEM;
fail:
    tier__free(&b->alloc, j->off);
    tier__free(&b->alloc, j->data);
    return rc;
}

int tier_book_add_txns_ids(tier_book *b, size_t n, int layout, const void *ids, size_t width,
                           const int32_t *days, const double *amounts, const double *margins)
{
    static const size_t no_offsets[1] = {0};
    ids_job j = {layout, ids, n, width, 0, NULL, NULL, {0}, {0}, {0}, {0}};
    int rc;
    /* Nothing to convert (no book or rows, a NULL column, more rows than the limit, which bounds
     * the memory converting takes): tier_book_add_txns answers these before it reads a row. */
    if (!b || n == 0 || !ids || !days || !amounts || (int64_t)n > b->lim_rows_per_call)
        return tier_book_add_txns(b, n, ids, no_offsets, days, amounts, margins);
    b->err[0] = '\0';
    if ((rc = check_layout(b, &j)) != TIER_OK || (rc = convert(b, &j)) != TIER_OK)
        return rc;
    rc = tier_book_add_txns(b, n, j.data, j.off, days, amounts, margins);
    tier__free(&b->alloc, j.off);
    tier__free(&b->alloc, j.data);
    return rc;
}
