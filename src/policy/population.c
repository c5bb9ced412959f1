/* SPDX-License-Identifier: MIT */
/* Population figures that travel (docs/distributed.md): the inputs of a policy's abc() calls and
 * caps gathered from one part of the customers, and the global figures (the rows where classes A
 * and B end, a cap's last kept candidate, each named by its order key and lead id) read back so
 * that every part is placed exactly as one run over all the customers would place it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame_internal.h"
#include "models/model_common.h"
#include "models/order.h"
#include "policy/org/org.h"
#include "policy/population.h"

#define POP_HEADER "libtier-population 1"
#define INPUTS_HEADER "libtier-population-inputs 1"

/* ---- writing ----------------------------------------------------------------------------- */

/* Appends s[0..n) with '%', TAB, CR, LF and every other control byte as %XX. */
static void put_escaped(tier__buf *b, const char *s, size_t n)
{
    size_t i, run = 0;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '%' && ch != 0x7f)
            continue;
        tier__buf_append(b, s + run, i - run);
        tier__buf_printf(b, "%%%02X", ch);
        run = i + 1;
    }
    tier__buf_append(b, s + run, n - run);
}

static void put_id(tier__buf *b, const tier_book *book, size_t customer)
{
    size_t len = 0;
    const char *id = tier_book_customer_id(book, customer, &len);
    put_escaped(b, id ? id : "", id ? len : 0);
}

/* Ends one gathered block: kept when every append worked, else cut back to `start` with the
 * buffer's failure returned (the gathered text never holds half a block). */
static int gathered(tier__buf *b, size_t start)
{
    if (tier__buf_status(b) == TIER_OK)
        return TIER_OK;
    tier__buf_truncate(b, start);
    return tier__buf_clear_status(b);
}

int tier__gather_abc(tier__policy_ref *ref, const tier_book *book, const char *key, uint32_t ta6,
                     uint32_t tb6, const uint64_t *keys, const uint32_t *idx, const double *x,
                     const size_t *leads, size_t np)
{
    tier__buf *b = &ref->gathered;
    size_t i, start = tier__buf_len(b);
    tier__buf_puts(b, "abc\t");
    put_escaped(b, key ? key : "", key ? strlen(key) : 0);
    tier__buf_printf(b, "\t%lu\t%lu\t%lu\n", (unsigned long)ta6, (unsigned long)tb6,
                     (unsigned long)np);
    for (i = 0; i < np && tier__buf_status(b) == TIER_OK; i++) {
        int64_t fx;
        double v = x[idx[i]];
        tier__buf_printf(b, "%016llx\t", (unsigned long long)keys[i]);
        if (tier__fixed_from_double(v, &fx) == TIER_OK && tier__fixed_to_double(fx) == v)
            tier__buf_printf(b, "%lld\t", (long long)fx);
        else
            tier__buf_puts(b, "-\t");
        put_id(b, book, leads ? leads[idx[i]] : idx[i]);
        tier__buf_putc(b, '\n');
    }
    return gathered(b, start);
}

int tier__gather_rank(tier__policy_ref *ref, const char *key, const uint64_t *keys, size_t np)
{
    tier__buf *b = &ref->gathered;
    size_t i, j, distinct = 0, start = tier__buf_len(b);
    for (i = 0; i < np; i++)
        distinct += i == 0 || keys[i] != keys[i - 1];
    tier__buf_puts(b, "rank\t");
    put_escaped(b, key ? key : "", key ? strlen(key) : 0);
    tier__buf_printf(b, "\t%lu\n", (unsigned long)distinct);
    for (i = 0; i < np && tier__buf_status(b) == TIER_OK; i = j) {
        for (j = i + 1; j < np && keys[j] == keys[i]; j++)
            ;
        tier__buf_printf(b, "%016llx\t%lu\n", (unsigned long long)keys[i], (unsigned long)(j - i));
    }
    return gathered(b, start);
}

int tier__gather_cap(tier__policy_ref *ref, const tier_book *book, size_t t, int is_count,
                     double amount, size_t rows, const uint64_t *keys, const uint32_t *idx,
                     const size_t *leads, size_t nc)
{
    tier__buf *b = &ref->gathered;
    size_t i, start = tier__buf_len(b);
    char num[40];
    snprintf(num, sizeof num, "%.17g", amount);
    tier__buf_printf(b, "cap\t%lu\t%s\t%s\t%lu\t%lu\n", (unsigned long)t,
                     is_count ? "count" : "share", num, (unsigned long)rows, (unsigned long)nc);
    for (i = 0; i < nc && tier__buf_status(b) == TIER_OK; i++) {
        tier__buf_printf(b, "%016llx\t", (unsigned long long)keys[i]);
        put_id(b, book, leads ? leads[idx[i]] : idx[i]);
        tier__buf_putc(b, '\n');
    }
    return gathered(b, start);
}

/* Routing (out->want filled): per team name with a capacity, the rows routed to it in the
 * placing order (revenue descending, then lead id): each row's order key (which is its revenue,
 * NaN as 0, exactly: tier__order_key is one to one on the other doubles) and lead id. */
int tier__gather_route(tier__policy_ref *ref, const tier_book *book, const tier__route_out *out,
                       const double *revenue, const size_t *leads, size_t n)
{
    tier__buf *b = &ref->gathered;
    size_t start = tier__buf_len(b), r, k, m = 0, *at = NULL;
    uint64_t *key = NULL;
    uint32_t *idx = NULL, *pos = NULL;
    char num[40];
    int rc = TIER_OK;
    key = tier__malloc_n(ref->a, n, sizeof *key);
    idx = tier__malloc_n(ref->a, n, sizeof *idx);
    pos = tier__malloc_n(ref->a, n, sizeof *pos);
    at = tier__calloc(ref->a, out->n_names + 1, sizeof *at);
    if (!key || !idx || !pos || !at)
        rc = TIER_ENOMEM;
    for (r = 0; rc == TIER_OK && r < n; r++) {
        double v = revenue[r] == revenue[r] ? revenue[r] : 0.0;
        if (out->want[r] < 0 || out->line_of[out->want[r]]->capacity_kind == TIER__PRC_NONE)
            continue;
        key[m] = tier__order_key(v, 1);
        idx[m++] = (uint32_t)r;
        at[out->want[r] + 1]++;
    }
    if (rc == TIER_OK)
        rc = tier__order_rows(ref->a, book, leads, key, idx, m);
    if (rc == TIER_OK) { /* the ordered rows bucketed by team: pos[at[t] ..] */
        for (k = 0; k < out->n_names; k++)
            at[k + 1] += at[k];
        for (r = 0; r < m; r++)
            pos[at[out->want[idx[r]]]++] = (uint32_t)r;
        for (k = out->n_names; k > 0; k--)
            at[k] = at[k - 1];
        at[0] = 0;
    }
    for (k = 0; rc == TIER_OK && k < out->n_names; k++) {
        const tier__pteam *line = out->line_of[k];
        if (line->capacity_kind == TIER__PRC_NONE)
            continue;
        snprintf(num, sizeof num, "%.17g", line->capacity);
        tier__buf_puts(b, "route\t");
        put_escaped(b, out->names[k], strlen(out->names[k]));
        tier__buf_printf(b, "\t%s\t%s\t%lu\n",
                         line->capacity_kind == TIER__PRC_ACCOUNTS ? "accounts" : "revenue", num,
                         (unsigned long)(at[k + 1] - at[k]));
        for (r = at[k]; r < at[k + 1]; r++) { /* a failed buffer ignores the appends */
            tier__buf_printf(b, "%016llx\t", (unsigned long long)key[pos[r]]);
            put_id(b, book, leads ? leads[idx[pos[r]]] : idx[pos[r]]);
            tier__buf_putc(b, '\n');
        }
    }
    tier__free(ref->a, key);
    tier__free(ref->a, idx);
    tier__free(ref->a, pos);
    tier__free(ref->a, at);
    return rc != TIER_OK ? rc : gathered(b, start); /* nothing written before a failure */
}

/* ---- Pareto models ------------------------------------------------------------------------ */

/* Class (0 A, 1 B, 2 C) of the positive row r (order key `key`) against the ends of call k. */
static int32_t pareto_class(const tier_book *book, const tier__ref_call *k, uint64_t key, size_t r)
{
    int c;
    for (c = 0; c < 2; c++) {
        int after = !k->has_end[c] ? 0
                    : k->end_id[c] ? tier__ref_after_id(book, key, r, k->end_key[c], k->end_id[c],
                                                        k->end_id_len[c])
                                   : tier__ref_after(book, key, r, k->end_key[c], k->end_lead[c]);
        if (!after)
            return c;
    }
    return 2;
}

/* A Pareto model's share of value x against the population's total (src/models/pareto.c). */
static double pareto_share(const tier__ref_call *k, double x)
{
    int64_t fx = 0;
    if (isnan(x))
        return NAN;
    if (k->total_exact)
        return k->total_fixed > 0 && tier__fixed_from_double(x, &fx) == TIER_OK
                   ? (double)fx / (double)k->total_fixed
                   : NAN;
    return k->total_double > 0 ? x / k->total_double : NAN;
}

/* The model's cumulative share against the figures' cumulative sums (a "cum" block): each
 * positive row, in order, must be the block's row (key and lead id); a present non-positive value
 * is 1 (every positive row comes before it) when the population's total is positive.
 * TIER_ESTATE when the block does not fit the run's rows. */
static int pareto_cum(const tier_book *book, const tier__ref_call *k, const uint64_t *key,
                      const uint32_t *idx, size_t np, const double *x, size_t n, tier_frame *frame,
                      size_t col)
{
    int any = k->total_exact ? k->total_fixed > 0 : k->total_double > 0;
    size_t i, len;
    if (k->cum_count != np)
        return TIER_ESTATE;
    for (i = 0; i < np; i++) {
        const char *id = tier_book_customer_id(book, idx[i], &len);
        if (k->cum_key[i] != key[i] || len != k->cum_id_len[i] || memcmp(id, k->cum_id[i], len))
            return TIER_ESTATE;
    }
    for (i = 0; i < n; i++)
        if (!isnan(x[i]) && !(x[i] > 0))
            tier__frame_set_number(frame, col, i, any ? 1.0 : NAN);
    for (i = 0; i < np; i++) {
        double cum;
        if (k->total_exact) {
            cum = k->total_fixed ? (double)k->cum_value[i] / (double)k->total_fixed : NAN;
        } else {
            memcpy(&cum, &k->cum_value[i], sizeof cum);
            cum = k->total_double != 0.0 ? cum / k->total_double : NAN;
        }
        tier__frame_set_number(frame, col, idx[i], cum);
    }
    return TIER_OK;
}

int tier__population_pareto(tier__policy_ref *ref, const tier_book *book, const tier_model *model,
                            tier_frame *frame, char *err)
{
    const char *name = tier_model_name(model);
    size_t vcol, ccol, scol, n = tier_frame_rows(frame), np = 0, r, c;
    const tier__ref_call *k = NULL;
    double ta = 0, tb = 0;
    const double *x;
    uint64_t *key = NULL;
    uint32_t *idx = NULL;
    char *call = NULL;
    int32_t code[3];
    int rc;
    if (!ref->gather || strcmp(tier_model_kind(model), "pareto") != 0 ||
        tier__model_column(frame, name, "value", &vcol) != TIER_OK ||
        tier__model_column(frame, name, "class", &ccol) != TIER_OK ||
        !(x = tier_frame_numbers(frame, vcol)))
        return TIER_OK;
    if ((rc = tier_model_get_number(model, "threshold_a", &ta)) != TIER_OK ||
        (rc = tier_model_get_number(model, "threshold_b", &tb)) != TIER_OK) {
        tier__errorf(err, "model %s: cannot read its thresholds", name);
        return rc;
    }
    key = tier__malloc_n(ref->a, n, sizeof *key);
    idx = tier__malloc_n(ref->a, n, sizeof *idx);
    call = tier__malloc(ref->a, strlen(name) + sizeof "pareto:");
    rc = key && idx && call ? TIER_OK : TIER_ENOMEM;
    for (r = 0; rc == TIER_OK && r < n; r++) {
        if (!(x[r] > 0))
            continue;
        key[np] = tier__order_key(x[r], 1);
        idx[np++] = (uint32_t)r;
    }
    if (rc == TIER_OK) {
        memcpy(call, "pareto:", 7);
        memcpy(call + 7, name, strlen(name) + 1);
        rc = tier__order_rows(ref->a, book, NULL, key, idx, np);
    }
    if (rc == TIER_OK)
        rc = tier__gather_abc(ref, book, call, (uint32_t)floor(ta * 1e6 + 0.5),
                              (uint32_t)floor(tb * 1e6 + 0.5), key, idx, x, NULL, np);
    for (c = 0; rc == TIER_OK && c < ref->n_calls; c++)
        if (strcmp(ref->calls[c].key, call) == 0)
            k = &ref->calls[c];
    if (rc == TIER_OK && k && np) {
        static const char *const labels[3] = {"A", "B", "C"};
        for (c = 0; c < 3; c++)
            if ((code[c] = tier__frame_label_code(frame, ccol, 0, labels[c])) < 0)
                rc = TIER_ERROR; /* the model always has its three labels */
        for (r = 0; rc == TIER_OK && r < np; r++)
            tier__frame_set_code(frame, ccol, idx[r], code[pareto_class(book, k, key[r], idx[r])]);
    }
    if (rc == TIER_OK && k && k->has_total &&
        tier__model_column(frame, name, "share", &scol) == TIER_OK &&
        tier_frame_numbers(frame, scol))
        for (r = 0; r < n; r++) /* as the model: the value over the population's total */
            tier__frame_set_number(frame, scol, r, pareto_share(k, x[r]));
    if (rc == TIER_OK && k && k->has_cum &&
        tier__model_column(frame, name, "cum_share", &scol) == TIER_OK &&
        tier_frame_numbers(frame, scol) &&
        (rc = pareto_cum(book, k, key, idx, np, x, n, frame, scol)) != TIER_OK) {
        tier__errorf(err,
                     "model %s: the population figures' cumulative sums do not fit this run's "
                     "%lu positive rows (make them from this run's inputs)",
                     name, (unsigned long)np);
        goto out;
    }
    if (rc == TIER_ENOMEM)
        tier__errorf(err,
                     "out of memory placing the %lu customers of model %s against the "
                     "population figures",
                     (unsigned long)n, name);
    else if (rc)
        tier__errorf(err, "model %s: its class column lacks the labels A, B and C", name);
out:
    tier__free(ref->a, key);
    tier__free(ref->a, idx);
    tier__free(ref->a, call);
    return rc;
}

int tier__population_inputs(const tier__policy_ref *ref, tier_text *out)
{
    tier__buf b; /* the whole text first, then one append: `out` gets all of it or nothing */
    int rc;
    tier__buf_init(&b, ref->a);
    tier__buf_puts(&b, INPUTS_HEADER "\n");
    tier__buf_append(&b, tier__buf_data(&ref->gathered), tier__buf_len(&ref->gathered));
    tier__buf_puts(&b, "end\n");
    rc = tier__buf_status(&b);
    if (!rc)
        rc = tier_text_append(out, tier__buf_data(&b), tier__buf_len(&b));
    tier__buf_free(&b);
    return rc;
}

/* ---- reading ----------------------------------------------------------------------------- */

/* The parser's position: the current line split into TAB-separated fields. */
typedef struct pop_parser {
    const tier_allocator *a;
    const char *p, *end;
    size_t line;
    const char *field[8];
    size_t flen[8];
    size_t nf;
    char *err;
} pop_parser;

/* The next line's fields; 0 at the end of the text. */
static int next_line(pop_parser *P)
{
    const char *s = P->p, *e;
    if (s >= P->end)
        return 0;
    for (e = s; e < P->end && *e != '\n'; e++)
        ;
    P->p = e < P->end ? e + 1 : e;
    P->line++;
    P->nf = 0;
    for (;;) {
        const char *f = s;
        while (s < e && *s != '\t')
            s++;
        if (P->nf < 8) {
            P->field[P->nf] = f;
            P->flen[P->nf] = (size_t)(s - f);
        }
        P->nf++;
        if (s >= e)
            break;
        s++;
    }
    return 1;
}

static int bad(pop_parser *P, const char *what)
{
    tier__errorf(P->err, "population figures, line %lu: %s", (unsigned long)P->line, what);
    return TIER_EPARSE;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Field i unescaped into an owned NUL-terminated copy (*len bytes). */
static int field_text(pop_parser *P, size_t i, char **out, size_t *len)
{
    const char *s = P->field[i];
    size_t n = P->flen[i], k, o = 0;
    char *d = tier__malloc(P->a, n + 1);
    if (!d) {
        tier__errorf(P->err, "out of memory reading population figures");
        return TIER_ENOMEM;
    }
    for (k = 0; k < n; k++) {
        if (s[k] != '%') {
            if (s[k] == '\r' || s[k] == '\0') {
                tier__free(P->a, d);
                return bad(P, "a control byte that should be escaped");
            }
            d[o++] = s[k];
            continue;
        }
        if (k + 2 >= n || hexval(s[k + 1]) < 0 || hexval(s[k + 2]) < 0 ||
            (hexval(s[k + 1]) == 0 && hexval(s[k + 2]) == 0)) {
            tier__free(P->a, d);
            return bad(P, "a bad %XX escape");
        }
        d[o++] = (char)(hexval(s[k + 1]) * 16 + hexval(s[k + 2]));
        k += 2;
    }
    d[o] = '\0';
    *out = d;
    *len = o;
    return TIER_OK;
}

/* Field i as an unsigned number (decimal) no larger than max. */
static int field_uint(pop_parser *P, size_t i, unsigned long long max, unsigned long long *out)
{
    unsigned long long v = 0;
    size_t k;
    if (P->flen[i] == 0 || P->flen[i] > 20)
        return bad(P, "a number was expected");
    for (k = 0; k < P->flen[i]; k++) {
        char c = P->field[i][k];
        unsigned long long d = (unsigned long long)(c - '0');
        if (c < '0' || c > '9')
            return bad(P, "a number was expected");
        if (d > max || v > (max - d) / 10)
            return bad(P, "a number in range was expected");
        v = v * 10 + d;
    }
    *out = v;
    return TIER_OK;
}

/* Field i as a 16-digit hexadecimal order key. */
static int field_key(pop_parser *P, size_t i, uint64_t *out)
{
    uint64_t v = 0;
    size_t k;
    if (P->flen[i] != 16)
        return bad(P, "an order key of 16 hexadecimal digits was expected");
    for (k = 0; k < 16; k++) {
        int h = hexval(P->field[i][k]);
        if (h < 0)
            return bad(P, "an order key of 16 hexadecimal digits was expected");
        v = v << 4 | (uint64_t)h;
    }
    *out = v;
    return TIER_OK;
}

/* One end of an abc line: fields i (has), i+1 (key), i+2 (id). */
static int read_end(pop_parser *P, size_t i, tier__ref_call *k, int which)
{
    unsigned long long has;
    int rc = field_uint(P, i, 1, &has);
    if (rc)
        return rc;
    k->has_end[which] = (int)has;
    if (!has)
        return P->flen[i + 1] == 0 && P->flen[i + 2] == 0
                   ? TIER_OK
                   : bad(P, "a class that takes every row names no end row");
    if ((rc = field_key(P, i + 1, &k->end_key[which])) != TIER_OK)
        return rc;
    return field_text(P, i + 2, &k->end_id[which], &k->end_id_len[which]);
}

/* A new zeroed entry at the end of the array *arr (n entries of `size`, capacity *cap), counted
 * at once (freed with the reference on failure); NULL when out of memory (the error set). */
static void *new_entry(pop_parser *P, void **arr, size_t *cap, size_t *n, size_t size)
{
    char *e;
    if (tier__grow(P->a, arr, cap, *n + 1, size)) {
        tier__errorf(P->err, "out of memory reading population figures");
        return NULL;
    }
    e = (char *)*arr + *n * size;
    memset(e, 0, size);
    ++*n;
    return e;
}

/* The call named by field 1 of the current line, added to ref (a new entry; TIER_EPARSE when
 * a line named it before). */
static int new_call(pop_parser *P, tier__policy_ref *ref, tier__ref_call **out)
{
    tier__ref_call *k;
    size_t len, i;
    int rc;
    if (!(k = new_entry(P, (void **)&ref->calls, &ref->cap_calls, &ref->n_calls, sizeof *k)))
        return TIER_ENOMEM;
    if ((rc = field_text(P, 1, &k->key, &len)) != TIER_OK)
        return rc;
    for (i = 0; i + 1 < ref->n_calls; i++)
        if (strcmp(ref->calls[i].key, k->key) == 0)
            return bad(P, "the same call twice");
    *out = k;
    return TIER_OK;
}

static int read_abc(pop_parser *P, tier__policy_ref *ref)
{
    tier__ref_call *k;
    int rc;
    if (P->nf != 8)
        return bad(P, "abc needs 8 fields: abc, call, then has, key and id for A and for B");
    if ((rc = new_call(P, ref, &k)) != TIER_OK)
        return rc;
    if ((rc = read_end(P, 2, k, 0)) != TIER_OK)
        return rc;
    return read_end(P, 5, k, 1);
}

/* "rank CALL N K", then K lines "KEY BELOW EQUAL": a pct_rank() call's population (N present
 * values) and, for each value of this part (order keys ascending), its counts below and equal. */
static int read_rank(pop_parser *P, tier__policy_ref *ref)
{
    tier__ref_call *k;
    unsigned long long n, count, below, equal;
    size_t i;
    int rc;
    if (P->nf != 4)
        return bad(P, "rank needs 4 fields: rank, call, the population's values and the lines "
                      "that follow");
    if ((rc = new_call(P, ref, &k)) != TIER_OK ||
        (rc = field_uint(P, 2, SIZE_MAX, &n)) != TIER_OK ||
        (rc = field_uint(P, 3, (unsigned long long)(P->end - P->p) / 6, &count)) != TIER_OK)
        return rc;
    k->has_rank = 1;
    k->rank_n = (size_t)n;
    k->rank_key = tier__malloc_n(P->a, count ? (size_t)count : 1, sizeof *k->rank_key);
    k->rank_below = tier__malloc_n(P->a, count ? (size_t)count : 1, sizeof *k->rank_below);
    k->rank_equal = tier__malloc_n(P->a, count ? (size_t)count : 1, sizeof *k->rank_equal);
    if (!k->rank_key || !k->rank_below || !k->rank_equal) {
        tier__errorf(P->err, "out of memory reading population figures");
        return TIER_ENOMEM;
    }
    for (i = 0; i < (size_t)count; i++) {
        if (!next_line(P))
            return bad(P, "the rank lines end before their count (cut short?)");
        if (P->nf != 3)
            return bad(P, "a rank line needs 3 fields: order key, count below, count equal");
        if ((rc = field_key(P, 0, &k->rank_key[i])) != TIER_OK ||
            (rc = field_uint(P, 1, n, &below)) != TIER_OK ||
            (rc = field_uint(P, 2, n - below, &equal)) != TIER_OK)
            return rc;
        if (i && !(k->rank_key[i] > k->rank_key[i - 1] &&
                   below >= k->rank_below[i - 1] + k->rank_equal[i - 1]))
            return bad(P, "rank lines go up: keys ascending, each count below at least the "
                          "one before plus its equal count");
        k->rank_below[i] = (size_t)below;
        k->rank_equal[i] = (size_t)equal;
    }
    k->rank_count = (size_t)count;
    return TIER_OK;
}

/* "total CALL fixed DIGITS" or "total CALL double HEX16" (the double's bits), after its call. */
static int read_total(pop_parser *P, tier__policy_ref *ref)
{
    tier__ref_call *k = NULL;
    char *key;
    size_t len, i;
    unsigned long long v;
    uint64_t bits;
    int rc, exact;
    if (P->nf != 4)
        return bad(P, "total needs 4 fields: total, call, fixed or double, and the value");
    exact = P->flen[2] == 5 && memcmp(P->field[2], "fixed", 5) == 0;
    if (!exact && !(P->flen[2] == 6 && memcmp(P->field[2], "double", 6) == 0))
        return bad(P, "a total is \"fixed\" (digits) or \"double\" (16 hexadecimal digits)");
    if ((rc = field_text(P, 1, &key, &len)) != TIER_OK)
        return rc;
    for (i = 0; i < ref->n_calls; i++)
        if (strcmp(ref->calls[i].key, key) == 0)
            k = &ref->calls[i];
    tier__free(P->a, key);
    if (!k || k->has_rank)
        return bad(P, "a total of a call no abc line named before");
    if (k->has_total)
        return bad(P, "the same call's total twice");
    if (exact) {
        if ((rc = field_uint(P, 3, INT64_MAX, &v)) != TIER_OK)
            return rc;
        k->total_fixed = (int64_t)v;
    } else {
        if ((rc = field_key(P, 3, &bits)) != TIER_OK)
            return rc;
        memcpy(&k->total_double, &bits, sizeof bits);
    }
    k->has_total = 1;
    k->total_exact = exact;
    return TIER_OK;
}

/* Fields 3 (key) and 4 (id) of a cap or route line of `kind`: only kind 2 names a row (else
 * `what` is the complaint). */
static int read_row(pop_parser *P, unsigned long long kind, uint64_t *key, char **id,
                    size_t *id_len, const char *what)
{
    int rc;
    if (kind != 2)
        return P->flen[3] == 0 && P->flen[4] == 0 ? TIER_OK : bad(P, what);
    if ((rc = field_key(P, 3, key)) != TIER_OK)
        return rc;
    return field_text(P, 4, id, id_len);
}

/* A new team figure named by field 1 (TIER_EPARSE when empty or named before). */
static int new_team(pop_parser *P, tier__policy_ref *ref, tier__route_bound **out)
{
    tier__route_bound *t;
    size_t len, i;
    int rc;
    if (!(t = new_entry(P, (void **)&ref->teams, &ref->cap_teams, &ref->n_teams, sizeof *t)))
        return TIER_ENOMEM;
    *out = t;
    if ((rc = field_text(P, 1, &t->team, &len)) != TIER_OK)
        return rc;
    if (len == 0)
        return bad(P, "a team name was expected");
    for (i = 0; i + 1 < ref->n_teams; i++)
        if (strcmp(ref->teams[i].team, t->team) == 0)
            return bad(P, "the same team twice");
    return TIER_OK;
}

/* "route TEAM KIND KEY ID": a team's last row that fits, as a cap's. */
static int read_route(pop_parser *P, tier__policy_ref *ref)
{
    unsigned long long kind;
    tier__route_bound *t;
    int rc;
    if (P->nf != 5)
        return bad(P, "route needs 5 fields: route, team, kind, key and id");
    if ((rc = new_team(P, ref, &t)) != TIER_OK || (rc = field_uint(P, 2, 3, &kind)) != TIER_OK)
        return rc;
    if (kind == 0)
        return bad(P, "a team's kind is 1 (every row fits), 2 (up to a row) or 3 (none)");
    t->kind = (int)kind;
    return read_row(P, kind, &t->key, &t->id, &t->id_len, "only a team of kind 2 names a row");
}

/* -1, 0, 1 as row (ka, a) comes before, is, or comes after row (kb, b) in the placing order. */
static int cmp_named(uint64_t ka, const char *a, size_t la, uint64_t kb, const char *b, size_t lb)
{
    int c;
    if (ka != kb)
        return ka < kb ? -1 : 1;
    c = memcmp(a, b, la < lb ? la : lb);
    if (c == 0)
        c = la < lb ? -1 : la > lb;
    return c < 0 ? -1 : c > 0;
}

/* "routed TEAM K", then K lines "KEY_FROM ID_FROM KEY_TO ID_TO": the ranges of a revenue team's
 * placed rows in the placing order (each from <= to, each after the one before). */
static int read_routed(pop_parser *P, tier__policy_ref *ref)
{
    unsigned long long count;
    tier__route_bound *t;
    size_t i, e;
    int rc;
    if (P->nf != 3)
        return bad(P, "routed needs 3 fields: routed, team and the lines that follow");
    if ((rc = new_team(P, ref, &t)) != TIER_OK ||
        (rc = field_uint(P, 2, (unsigned long long)(P->end - P->p) / 34, &count)) != TIER_OK)
        return rc;
    t->kind = 4;
    if (count && !(t->ranges = tier__calloc(P->a, (size_t)count, sizeof *t->ranges))) {
        tier__errorf(P->err, "out of memory reading population figures");
        return TIER_ENOMEM;
    }
    for (i = 0; i < (size_t)count; i++) {
        tier__route_range *g = &t->ranges[i];
        if (!next_line(P))
            return bad(P, "the routed lines end before their count (cut short?)");
        if (P->nf != 4)
            return bad(P, "a routed line needs 4 fields: key and id of its first and last rows");
        t->n_ranges = i + 1; /* its ids are freed with the reference from here on */
        for (e = 0; e < 2; e++)
            if ((rc = field_key(P, 2 * e, &g->key[e])) != TIER_OK ||
                (rc = field_text(P, 2 * e + 1, &g->id[e], &g->id_len[e])) != TIER_OK)
                return rc;
        if (cmp_named(g->key[0], g->id[0], g->id_len[0], g->key[1], g->id[1], g->id_len[1]) > 0)
            return bad(P, "a range's first row comes after its last row");
        if (i && cmp_named(g[-1].key[1], g[-1].id[1], g[-1].id_len[1], g->key[0], g->id[0],
                           g->id_len[0]) >= 0)
            return bad(P, "a range that does not come after the range before it");
    }
    return TIER_OK;
}

/* "cum CALL K", then K lines "KEY ID CUM": a Pareto model's cumulative sums for the part's
 * positive rows in order, after the call's total (CUM digits with a fixed total, else the 16
 * hexadecimal digits of the double). */
static int read_cum(pop_parser *P, tier__policy_ref *ref)
{
    tier__ref_call *k = NULL;
    unsigned long long count, v;
    char *key;
    size_t len, i, m;
    int rc;
    if (P->nf != 3)
        return bad(P, "cum needs 3 fields: cum, call and the lines that follow");
    if ((rc = field_text(P, 1, &key, &len)) != TIER_OK)
        return rc;
    for (i = 0; i < ref->n_calls; i++)
        if (strcmp(ref->calls[i].key, key) == 0)
            k = &ref->calls[i];
    tier__free(P->a, key);
    if (!k || !k->has_total)
        return bad(P, "a cum of a call no total line gave before");
    if (k->has_cum)
        return bad(P, "the same call's cum twice");
    if ((rc = field_uint(P, 2, (unsigned long long)(P->end - P->p) / 6, &count)) != TIER_OK)
        return rc;
    m = count ? (size_t)count : 1;
    k->has_cum = 1;
    k->cum_key = tier__malloc_n(P->a, m, sizeof *k->cum_key);
    k->cum_value = tier__malloc_n(P->a, m, sizeof *k->cum_value);
    k->cum_id = tier__calloc(P->a, m, sizeof *k->cum_id);
    k->cum_id_len = tier__malloc_n(P->a, m, sizeof *k->cum_id_len);
    if (!k->cum_key || !k->cum_value || !k->cum_id || !k->cum_id_len) {
        tier__errorf(P->err, "out of memory reading population figures");
        return TIER_ENOMEM;
    }
    for (i = 0; i < (size_t)count; i++) {
        if (!next_line(P))
            return bad(P, "the cum lines end before their count (cut short?)");
        if (P->nf != 3)
            return bad(P, "a cum line needs 3 fields: order key, id, cumulative sum");
        if ((rc = field_key(P, 0, &k->cum_key[i])) != TIER_OK)
            return rc;
        if (k->total_exact ? (rc = field_uint(P, 2, INT64_MAX, &v)) != TIER_OK
                           : (rc = field_key(P, 2, &k->cum_value[i])) != TIER_OK)
            return rc;
        if (k->total_exact)
            k->cum_value[i] = (uint64_t)v;
        if ((rc = field_text(P, 1, &k->cum_id[i], &k->cum_id_len[i])) != TIER_OK)
            return rc;
        k->cum_count = i + 1;
    }
    return TIER_OK;
}

static int read_cap(pop_parser *P, tier__policy_ref *ref)
{
    unsigned long long t, kind;
    tier__ref_cap *c;
    int rc;
    if (P->nf != 5)
        return bad(P, "cap needs 5 fields: cap, tier, kind, key and id");
    if ((rc = field_uint(P, 1, 4095, &t)) != TIER_OK ||
        (rc = field_uint(P, 2, 3, &kind)) != TIER_OK)
        return rc;
    if (kind == 0)
        return bad(P, "a cap's kind is 1 (every candidate stays), 2 (up to a row) or 3 (none)");
    if (t >= ref->n_caps) {
        tier__ref_cap *grown = tier__calloc(P->a, (size_t)t + 1, sizeof *grown);
        if (!grown) {
            tier__errorf(P->err, "out of memory reading population figures");
            return TIER_ENOMEM;
        }
        if (ref->n_caps)
            memcpy(grown, ref->caps, ref->n_caps * sizeof *grown);
        tier__free(P->a, ref->caps);
        ref->caps = grown;
        ref->n_caps = (size_t)t + 1;
    }
    c = &ref->caps[t];
    if (c->kind)
        return bad(P, "the same tier's cap twice");
    c->kind = (int)kind;
    return read_row(P, kind, &c->key, &c->id, &c->id_len, "only a cap of kind 2 names a row");
}

int tier__population_parse(const tier_allocator *a, const char *text, size_t len,
                           tier__policy_ref **out, char *err)
{
    pop_parser P;
    tier__policy_ref *ref = tier__calloc(a, 1, sizeof *ref);
    int rc = TIER_OK, ended = 0;
    *out = NULL;
    if (!ref) {
        tier__errorf(err, "out of memory reading population figures");
        return TIER_ENOMEM;
    }
    ref->a = a;
    ref->gather = 1;
    tier__buf_init(&ref->gathered, a);
    memset(&P, 0, sizeof P);
    P.a = a;
    P.p = text;
    P.end = text + len;
    P.err = err;
    if (!next_line(&P) || P.nf != 1 || P.flen[0] != sizeof POP_HEADER - 1 ||
        memcmp(P.field[0], POP_HEADER, P.flen[0]) != 0)
        rc = bad(&P, "not population figures (the first line must be \"" POP_HEADER "\")");
    while (!rc && next_line(&P)) {
        if (ended)
            rc = bad(&P, "text after \"end\"");
        else if (P.flen[0] == 3 && memcmp(P.field[0], "end", 3) == 0 && P.nf == 1)
            ended = 1;
        else if (P.flen[0] == 3 && memcmp(P.field[0], "abc", 3) == 0)
            rc = read_abc(&P, ref);
        else if (P.flen[0] == 3 && memcmp(P.field[0], "cap", 3) == 0)
            rc = read_cap(&P, ref);
        else if (P.flen[0] == 5 && memcmp(P.field[0], "total", 5) == 0)
            rc = read_total(&P, ref);
        else if (P.flen[0] == 5 && memcmp(P.field[0], "route", 5) == 0)
            rc = read_route(&P, ref);
        else if (P.flen[0] == 6 && memcmp(P.field[0], "routed", 6) == 0)
            rc = read_routed(&P, ref);
        else if (P.flen[0] == 4 && memcmp(P.field[0], "rank", 4) == 0)
            rc = read_rank(&P, ref);
        else if (P.flen[0] == 3 && memcmp(P.field[0], "cum", 3) == 0)
            rc = read_cum(&P, ref);
        else
            rc = bad(&P, "expected a line \"abc\", \"total\", \"rank\", \"cum\", \"cap\", "
                         "\"route\", \"routed\" or \"end\"");
    }
    if (!rc && !ended)
        rc = bad(&P, "the figures end before their \"end\" line (cut short?)");
    if (rc) {
        tier__policy_ref_free(ref);
        tier__free(a, ref);
        return rc;
    }
    *out = ref;
    return TIER_OK;
}

int tier__population_prepare(tier__policy_ref *ref, size_t n_tiers, char *err)
{
    tier__ref_cap *grown;
    size_t t;
    for (t = n_tiers; t < ref->n_caps; t++)
        if (ref->caps[t].kind) {
            tier__errorf(err, "the population figures name the cap of tier %lu; the policy has %lu",
                         (unsigned long)t, (unsigned long)n_tiers);
            return TIER_EINVAL;
        }
    tier__buf_reset(&ref->gathered);
    if (ref->n_caps >= n_tiers + 1)
        return TIER_OK;
    grown = tier__calloc(ref->a, n_tiers + 1, sizeof *grown);
    if (!grown) {
        tier__errorf(err, "out of memory");
        return TIER_ENOMEM;
    }
    if (ref->n_caps)
        memcpy(grown, ref->caps, ref->n_caps * sizeof *grown);
    tier__free(ref->a, ref->caps);
    ref->caps = grown;
    ref->n_caps = n_tiers + 1;
    return TIER_OK;
}

void tier__population_free(tier__policy_ref *ref)
{
    const tier_allocator *a;
    if (!ref)
        return;
    a = ref->a;
    tier__policy_ref_free(ref);
    tier__free(a, ref);
}
