/* SPDX-License-Identifier: MIT */
/* The diff's writers (include/tier/diff.h): text for a person (summary lines, the per-tier
 * totals, the matrix in customers and revenue, the entitlements, the teams, the movers, each a
 * table), the movers as CSV, and everything as one JSON object. Numbers are written the same
 * whatever the host's locale (util/numtext). */
#include <math.h>
#include <string.h>

#include "core/io_internal.h"
#include "history/diff_internal.h"
#include "util/buf.h"
#include "util/numtext.h"

static const char *const move_names[] = {"", "up", "down", "across"};

/* ---- encoders ------------------------------------------------------------------------------ */

/* Fixed decimals; "-" for NaN (the revenue of a diff of histories, which keep none). */
static void put_fixed(tier__buf *b, double v, int decimals)
{
    tier__buf_fixed(b, v, decimals, "-");
}

/* A change: "+3", "-1.5", "0" (shortest form), or with `decimals` >= 0 fixed; "-" for NaN. */
static void put_change(tier__buf *b, double v, int decimals)
{
    if (v != v) {
        tier__buf_putc(b, '-');
        return;
    }
    if (v > 0)
        tier__buf_putc(b, '+');
    if (decimals >= 0)
        put_fixed(b, v, decimals);
    else
        tier__buf_number(b, v == 0 ? 0.0 : v, 0);
}

static void json_cstr(tier__buf *b, const char *s)
{
    (void)tier__buf_json(b, s, strlen(s));
}

/* Opens item k of a list of objects with its first member: "key" and the text. */
static void json_item(tier__buf *b, size_t k, const char *key, const char *text)
{
    tier__buf_printf(b, "%s{\"%s\":", k ? "," : "", key);
    json_cstr(b, text);
}

static void json_number(tier__buf *b, double v)
{
    if (isfinite(v))
        tier__buf_number(b, v, 0);
    else
        tier__buf_puts(b, "null");
}

static void csv_field(tier__buf *b, const char *s, size_t n)
{
    size_t i;
    if (strcspn(s, ",\"\r\n") >= n) {
        tier__buf_append(b, s, n);
        return;
    }
    tier__buf_putc(b, '"');
    for (i = 0; i < n; i++) {
        if (s[i] == '"')
            tier__buf_putc(b, '"');
        tier__buf_putc(b, s[i]);
    }
    tier__buf_putc(b, '"');
}

/* ---- tables for the text format ------------------------------------------------------------ */

/* Cells in row-major order, their text in one buffer; rendered with each column as wide as its
 * widest cell (in UTF-8 characters), 'l'eft or 'r'ight aligned as `align` says. */
typedef struct table {
    tier__buf text;
    size_t *off;
    size_t n, cap, cols;
    const char *align;
    int status;
} table;

static void table_init(table *t, const tier_allocator *a, size_t cols, const char *align)
{
    memset(t, 0, sizeof *t);
    tier__buf_init(&t->text, a);
    t->cols = cols;
    t->align = align;
}

static void table_free(table *t)
{
    tier__free(t->text.alloc, t->off);
    tier__buf_free(&t->text);
}

/* Starts a cell: what is appended to t->text until the next cell (or the render) is its text. */
static tier__buf *cell(table *t)
{
    if (!t->status &&
        tier__grow(t->text.alloc, (void **)&t->off, &t->cap, t->n + 2, sizeof *t->off))
        t->status = TIER_ENOMEM;
    if (!t->status)
        t->off[t->n++] = tier__buf_len(&t->text);
    return &t->text;
}

static void cell_text(table *t, const char *s)
{
    tier__buf_puts(cell(t), s);
}

static void cell_count(table *t, size_t n)
{
    tier__buf_printf(cell(t), "%zu", n);
}

static size_t width(const char *s, size_t n)
{
    size_t i, w = 0;
    for (i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

static void pad(tier__buf *out, size_t n)
{
    while (n--)
        tier__buf_putc(out, ' ');
}

/* Lays the table out into out (its text, or out's status set when the table failed). */
static void table_lay_out(table *t, tier__buf *out)
{
    size_t w[16], c, i, rows;
    const char *data;
    if (t->status || tier__buf_status(&t->text) || t->cols > 16) {
        if (!out->status)
            out->status = TIER_ENOMEM;
        return;
    }
    t->off[t->n] = tier__buf_len(&t->text);
    data = tier__buf_data(&t->text);
    rows = t->n / t->cols;
    memset(w, 0, sizeof w);
    for (i = 0; i < rows * t->cols; i++) {
        size_t len = width(data + t->off[i], t->off[i + 1] - t->off[i]);
        if (len > w[i % t->cols])
            w[i % t->cols] = len;
    }
    for (i = 0; i < rows; i++) {
        for (c = 0; c < t->cols; c++) {
            size_t k = i * t->cols + c, len = t->off[k + 1] - t->off[k];
            size_t cw = width(data + t->off[k], len);
            if (c)
                tier__buf_puts(out, "  ");
            if (t->align[c] == 'r')
                pad(out, w[c] - cw);
            tier__buf_append(out, data + t->off[k], len);
            if (t->align[c] != 'r' && c + 1 < t->cols)
                pad(out, w[c] - cw);
        }
        /* No trailing blanks when the last cells are empty. */
        while (!tier__buf_status(out) && tier__buf_len(out) > 0 &&
               tier__buf_data(out)[tier__buf_len(out) - 1] == ' ')
            tier__buf_truncate(out, tier__buf_len(out) - 1);
        tier__buf_putc(out, '\n');
    }
}

/* The table's text into out; the table is freed. */
static void table_render(table *t, tier__buf *out)
{
    table_lay_out(t, out);
    table_free(t);
}

/* ---- text ---------------------------------------------------------------------------------- */

static const char *tier_label(const tier__dstate *s, int side, int32_t t)
{
    return t < 0 ? "(none)" : TIER__DSTR(s, s->tier[side][t]);
}

/* The writers' `s` is in scope wherever fixed() is used. */
#define fixed(v) tier__diff_revenue(s, (v))

static double share(double part, double whole)
{
    return whole != 0 ? 100.0 * part / whole : 0.0;
}

/* Whether anyone is without a tier on either side (then the tables show a "(none)" line). */
static int any_none(const tier__dstate *s, int side)
{
    size_t cols = s->ntiers[1] + 1, k;
    for (k = 0; k <= s->ntiers[side ? 0 : 1]; k++)
        if (s->cells[side ? k * cols : k])
            return 1;
    return 0;
}

static void text_summary(const tier_diff *d, tier__buf *b)
{
    const tier__dstate *s = &d->s;
    double total = fixed(s->revenue), moved = fixed(s->moved_revenue[0]);
    tier__buf_puts(b, "before: ");
    tier__buf_puts(b, tier__diff_label(d, 0));
    tier__buf_puts(b, "\nafter:  ");
    tier__buf_puts(b, tier__diff_label(d, 1));
    tier__buf_printf(b, "\ncustomers: %zu", s->customers);
    if (!s->no_revenue) {
        tier__buf_puts(b, ", revenue ");
        put_fixed(b, total, 2);
    }
    if (s->not_in_book)
        tier__buf_printf(b, " (%zu not in the book: no revenue)", s->not_in_book);
    tier__buf_printf(b, "\nmoved: %zu customers (", s->moved[0]);
    put_fixed(b, share((double)s->moved[0], (double)s->customers), 1);
    tier__buf_puts(b, "%)");
    if (!s->no_revenue) {
        tier__buf_puts(b, ", revenue ");
        put_fixed(b, moved, 2);
        tier__buf_puts(b, " (");
        put_fixed(b, share(moved, total), 1);
        tier__buf_puts(b, "%)");
    }
    if (s->ladder)
        tier__buf_printf(b, ": %zu up, %zu down", s->moved[TIER_DIFF_MOVE_UP],
                         s->moved[TIER_DIFF_MOVE_DOWN]);
    else if (s->moved[0])
        tier__buf_puts(b, " (the two policies' tiers differ: no up or down)");
    tier__buf_putc(b, '\n');
}

/* One line of the per-tier table: a tier name and its index on each side (-2: not there). */
static void tier_row(const tier_diff *d, table *t, const char *name, int32_t at[2])
{
    size_t n[2] = {0, 0};
    double r[2] = {0, 0};
    int side;
    cell_text(t, name);
    for (side = 0; side < 2; side++) {
        if (at[side] < -1) {
            cell_text(t, "-");
            cell_text(t, "-");
            continue;
        }
        (void)tier_diff_total(d, side, at[side], &n[side], &r[side]);
        cell_count(t, n[side]);
        put_fixed(cell(t), r[side], 2);
    }
    put_change(cell(t), (double)n[1] - (double)n[0], -1);
    put_change(cell(t), r[1] - r[0], 2);
}

static int32_t find_tier(const tier__dstate *s, int side, const char *name)
{
    size_t t;
    for (t = 0; t < s->ntiers[side]; t++)
        if (strcmp(TIER__DSTR(s, s->tier[side][t]), name) == 0)
            return (int32_t)t;
    return -2;
}

/* The heads of a table of both sides: `first`, each side's label and revenue, the change. */
static void side_heads(table *t, const tier_diff *d, const char *first)
{
    cell_text(t, first);
    cell_text(t, tier__diff_label(d, 0));
    cell_text(t, "revenue");
    cell_text(t, tier__diff_label(d, 1));
    cell_text(t, "revenue");
    cell_text(t, "change");
}

static void text_tiers(const tier_diff *d, tier__buf *b)
{
    const tier__dstate *s = &d->s;
    table t;
    size_t k;
    int32_t at[2];
    table_init(&t, b->alloc, 7, "lrrrrrr");
    side_heads(&t, d, "tier");
    cell_text(&t, "revenue change");
    for (k = 0; k < s->ntiers[0]; k++) {
        at[0] = (int32_t)k;
        at[1] = find_tier(s, 1, TIER__DSTR(s, s->tier[0][k]));
        tier_row(d, &t, TIER__DSTR(s, s->tier[0][k]), at);
    }
    for (k = 0; k < s->ntiers[1]; k++) {
        if (find_tier(s, 0, TIER__DSTR(s, s->tier[1][k])) >= 0)
            continue;
        at[0] = -2;
        at[1] = (int32_t)k;
        tier_row(d, &t, TIER__DSTR(s, s->tier[1][k]), at);
    }
    if (any_none(s, 0) || any_none(s, 1)) {
        at[0] = at[1] = -1;
        tier_row(d, &t, "(none)", at);
    }
    tier__buf_putc(b, '\n');
    table_render(&t, b);
}

/* The matrix in customers (revenue 0) or in revenue (1). */
static void text_matrix(const tier_diff *d, tier__buf *b, int revenue)
{
    const tier__dstate *s = &d->s;
    int none[2];
    size_t cols, first[2], i, j;
    char align[17];
    table t;
    none[0] = any_none(s, 0);
    none[1] = any_none(s, 1);
    first[0] = none[0] ? 0 : 1;
    first[1] = none[1] ? 0 : 1;
    cols = s->ntiers[1] + 1 - first[1] + 1;
    if (cols > 16) { /* wider than a screen: the JSON output has every cell */
        tier__buf_printf(b, "\n(the matrix has %zu columns: see the JSON output)\n", cols);
        return;
    }
    memset(align, 'r', sizeof align);
    align[0] = 'l';
    align[16] = '\0';
    tier__buf_printf(b, "\n%s from %s (rows) to %s (columns):\n", revenue ? "revenue" : "customers",
                     tier__diff_label(d, 0), tier__diff_label(d, 1));
    table_init(&t, b->alloc, cols, align);
    cell_text(&t, "");
    for (j = first[1]; j <= s->ntiers[1]; j++)
        cell_text(&t, j ? tier_label(s, 1, (int32_t)j - 1) : "(none)");
    for (i = first[0]; i <= s->ntiers[0]; i++) {
        cell_text(&t, i ? tier_label(s, 0, (int32_t)i - 1) : "(none)");
        for (j = first[1]; j <= s->ntiers[1]; j++) {
            size_t c = i * (s->ntiers[1] + 1) + j;
            if (revenue)
                put_fixed(cell(&t), fixed(s->cell_revenue[c]), 2);
            else
                cell_count(&t, s->cells[c]);
        }
    }
    table_render(&t, b);
}

static void total_cells(table *t, const tier__dent *e)
{
    int side;
    for (side = 0; side < 2; side++) {
        if (e->present[side])
            tier__buf_number(cell(t), e->total[side], 0);
        else
            cell_text(t, "-");
    }
    if (e->present[0] && e->present[1])
        put_change(cell(t), e->total[1] - e->total[0], -1);
    else
        cell_text(t, "-");
}

static void text_entitlements(const tier_diff *d, tier__buf *b)
{
    const tier__dstate *s = &d->s;
    table t;
    size_t k, j;
    if (!s->n_ents)
        return;
    tier__buf_puts(b, "\nentitlements (number: sum over the customers; yes/no: customers with yes; "
                      "text: customers per value):\n");
    table_init(&t, b->alloc, 4, "lrrr");
    cell_text(&t, "entitlement");
    cell_text(&t, tier__diff_label(d, 0));
    cell_text(&t, tier__diff_label(d, 1));
    cell_text(&t, "change");
    for (k = 0; k < s->n_ents; k++) {
        const tier__dent *e = &s->ents[k];
        if (e->type != TIER_ENTITLEMENT_TEXT) {
            cell_text(&t, TIER__DSTR(s, e->name));
            total_cells(&t, e);
            continue;
        }
        for (j = 0; j < e->n_values; j++) {
            const tier__dval *v = &e->values[j];
            tier__buf_printf(cell(&t), "%s = %s", TIER__DSTR(s, e->name), TIER__DSTR(s, v->value));
            if (e->present[0])
                cell_count(&t, v->count[0]);
            else
                cell_text(&t, "-");
            if (e->present[1])
                cell_count(&t, v->count[1]);
            else
                cell_text(&t, "-");
            if (e->present[0] && e->present[1])
                put_change(cell(&t), (double)v->count[1] - (double)v->count[0], -1);
            else
                cell_text(&t, "-");
        }
    }
    table_render(&t, b);
}

/* A diff of histories with a policy: the tiers the policy does not have, by side. */
static void text_policy_gaps(const tier_diff *d, tier__buf *b)
{
    const tier__dstate *s = &d->s;
    size_t t, n;
    int side;
    for (side = 0; side < 2; side++)
        for (t = 0; s->policy_tier[side] && t < s->ntiers[side]; t++) {
            if (s->policy_tier[side][t] >= 0)
                continue;
            (void)tier_diff_total(d, side, (int)t, &n, NULL);
            tier__buf_printf(b,
                             "note: the policy has no tier \"%s\" (%s: %zu customers): they count "
                             "for no entitlement\n",
                             TIER__DSTR(s, s->tier[side][t]), tier__diff_label(d, side), n);
        }
}

static void text_teams(const tier_diff *d, tier__buf *b)
{
    const tier__dstate *s = &d->s;
    table t;
    size_t k;
    if (!s->n_teams)
        return;
    tier__buf_puts(b, "\nrouted accounts per team:\n");
    table_init(&t, b->alloc, 6, "lrrrrr");
    side_heads(&t, d, "team");
    for (k = 0; k < s->n_teams; k++) {
        const tier__dteam *m = &s->teams[k];
        cell_text(&t, TIER__DSTR(s, m->name));
        cell_count(&t, m->accounts[0]);
        put_fixed(cell(&t), fixed(m->revenue[0]), 2);
        cell_count(&t, m->accounts[1]);
        put_fixed(cell(&t), fixed(m->revenue[1]), 2);
        put_change(cell(&t), (double)m->accounts[1] - (double)m->accounts[0], -1);
    }
    table_render(&t, b);
}

static void text_movers(const tier_diff *d, tier__buf *b)
{
    const tier__dstate *s = &d->s;
    table t;
    size_t k;
    if (!s->n_movers) {
        tier__buf_puts(b, "\nno customer changes tier\n");
        return;
    }
    tier__buf_printf(b, "\nmovers (%zu):\n", s->n_movers);
    table_init(&t, b->alloc, 7, "lllrrll");
    cell_text(&t, "customer");
    cell_text(&t, tier__diff_label(d, 0));
    cell_text(&t, tier__diff_label(d, 1));
    cell_text(&t, "move");
    cell_text(&t, "revenue");
    tier__buf_printf(cell(&t), "reason in %s", tier__diff_label(d, 0));
    tier__buf_printf(cell(&t), "reason in %s", tier__diff_label(d, 1));
    for (k = 0; k < s->n_movers; k++) {
        const tier__dmover *m = &s->movers[k];
        tier__buf_append(cell(&t), TIER__DSTR(s, m->id), m->id_len);
        cell_text(&t, tier_label(s, 0, m->from));
        cell_text(&t, tier_label(s, 1, m->to));
        cell_text(&t, move_names[m->move]);
        put_fixed(cell(&t), fixed(m->revenue), 2);
        cell_text(&t, TIER__DSTR(s, m->reason[0]));
        cell_text(&t, TIER__DSTR(s, m->reason[1]));
    }
    table_render(&t, b);
}

static void write_text(const tier_diff *d, tier__buf *b)
{
    text_summary(d, b);
    text_tiers(d, b);
    text_matrix(d, b, 0);
    if (!d->s.no_revenue)
        text_matrix(d, b, 1);
    text_entitlements(d, b);
    text_policy_gaps(d, b);
    text_teams(d, b);
    text_movers(d, b);
}

/* ---- CSV ----------------------------------------------------------------------------------- */

static void write_csv(const tier_diff *d, tier__buf *b)
{
    const tier__dstate *s = &d->s;
    size_t k;
    tier__buf_puts(b, "customer_id,from,to,move,revenue,reason_before,reason_after\n");
    for (k = 0; k < s->n_movers; k++) {
        const tier__dmover *m = &s->movers[k];
        const char *from = m->from < 0 ? "" : TIER__DSTR(s, s->tier[0][m->from]);
        const char *to = m->to < 0 ? "" : TIER__DSTR(s, s->tier[1][m->to]);
        csv_field(b, TIER__DSTR(s, m->id), m->id_len);
        tier__buf_putc(b, ',');
        csv_field(b, from, strlen(from));
        tier__buf_putc(b, ',');
        csv_field(b, to, strlen(to));
        tier__buf_printf(b, ",%s,", move_names[m->move]);
        if (!s->no_revenue)
            tier__buf_number(b, fixed(m->revenue), 0);
        tier__buf_putc(b, ',');
        csv_field(b, TIER__DSTR(s, m->reason[0]), strlen(TIER__DSTR(s, m->reason[0])));
        tier__buf_putc(b, ',');
        csv_field(b, TIER__DSTR(s, m->reason[1]), strlen(TIER__DSTR(s, m->reason[1])));
        tier__buf_putc(b, '\n');
    }
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static void json_tier(tier__buf *b, const tier__dstate *s, int side, int32_t t)
{
    if (t < 0)
        tier__buf_puts(b, "null");
    else
        json_cstr(b, TIER__DSTR(s, s->tier[side][t]));
}

/* {"customers":N,"revenue":R} of tier t of a side, or null when the side has no such tier. */
static void json_side_total(const tier_diff *d, tier__buf *b, int side, int32_t t)
{
    size_t n = 0;
    double r = 0;
    if (t < -1) {
        tier__buf_puts(b, "null");
        return;
    }
    (void)tier_diff_total(d, side, t, &n, &r);
    tier__buf_printf(b, "{\"customers\":%zu,\"revenue\":", n);
    json_number(b, r);
    tier__buf_putc(b, '}');
}

static void json_tiers(const tier_diff *d, tier__buf *b)
{
    const tier__dstate *s = &d->s;
    size_t k;
    int first = 1, side;
    tier__buf_puts(b, ",\"tiers\":[");
    for (side = 0; side < 2; side++)
        for (k = 0; k < s->ntiers[side]; k++) {
            const char *name = TIER__DSTR(s, s->tier[side][k]);
            int32_t at[2];
            if (side == 1 && find_tier(s, 0, name) >= 0)
                continue;
            at[side] = (int32_t)k;
            at[1 - side] = find_tier(s, 1 - side, name);
            tier__buf_puts(b, first ? "{\"tier\":" : ",{\"tier\":");
            first = 0;
            json_cstr(b, name);
            tier__buf_puts(b, ",\"before\":");
            json_side_total(d, b, 0, at[0]);
            tier__buf_puts(b, ",\"after\":");
            json_side_total(d, b, 1, at[1]);
            tier__buf_putc(b, '}');
        }
    if (any_none(s, 0) || any_none(s, 1)) {
        tier__buf_puts(b, first ? "{\"tier\":null,\"before\":" : ",{\"tier\":null,\"before\":");
        json_side_total(d, b, 0, -1);
        tier__buf_puts(b, ",\"after\":");
        json_side_total(d, b, 1, -1);
        tier__buf_putc(b, '}');
    }
    tier__buf_putc(b, ']');
}

static void json_matrix(const tier__dstate *s, tier__buf *b)
{
    size_t i, j, cols = s->ntiers[1] + 1;
    int first = 1;
    tier__buf_puts(b, ",\"matrix\":[");
    for (i = 0; i <= s->ntiers[0]; i++)
        for (j = 0; j < cols; j++) {
            size_t c = i * cols + j;
            if (!s->cells[c])
                continue;
            tier__buf_puts(b, first ? "{\"from\":" : ",{\"from\":");
            first = 0;
            json_tier(b, s, 0, (int32_t)i - 1);
            tier__buf_puts(b, ",\"to\":");
            json_tier(b, s, 1, (int32_t)j - 1);
            tier__buf_printf(b, ",\"customers\":%zu,\"revenue\":", s->cells[c]);
            json_number(b, fixed(s->cell_revenue[c]));
            tier__buf_putc(b, '}');
        }
    tier__buf_putc(b, ']');
}

static void json_entitlements(const tier__dstate *s, tier__buf *b)
{
    static const char *const types[] = {"", "number", "text", "bool"};
    size_t k, j;
    int side;
    tier__buf_puts(b, ",\"entitlements\":[");
    for (k = 0; k < s->n_ents; k++) {
        const tier__dent *e = &s->ents[k];
        json_item(b, k, "name", TIER__DSTR(s, e->name));
        tier__buf_printf(b, ",\"type\":\"%s\"", e->type >= 1 && e->type <= 3 ? types[e->type] : "");
        for (side = 0; side < 2; side++) {
            tier__buf_puts(b, side ? ",\"after\":" : ",\"before\":");
            json_number(b, e->present[side] ? e->total[side] : NAN);
        }
        if (e->type == TIER_ENTITLEMENT_TEXT) {
            tier__buf_puts(b, ",\"values\":[");
            for (j = 0; j < e->n_values; j++) {
                json_item(b, j, "value", TIER__DSTR(s, e->values[j].value));
                for (side = 0; side < 2; side++) {
                    tier__buf_puts(b, side ? ",\"after\":" : ",\"before\":");
                    if (e->present[side])
                        tier__buf_printf(b, "%zu", e->values[j].count[side]);
                    else
                        tier__buf_puts(b, "null");
                }
                tier__buf_putc(b, '}');
            }
            tier__buf_putc(b, ']');
        }
        tier__buf_putc(b, '}');
    }
    tier__buf_putc(b, ']');
}

static void json_teams(const tier__dstate *s, tier__buf *b)
{
    size_t k;
    int side;
    tier__buf_puts(b, ",\"teams\":[");
    for (k = 0; k < s->n_teams; k++) {
        const tier__dteam *m = &s->teams[k];
        json_item(b, k, "team", TIER__DSTR(s, m->name));
        for (side = 0; side < 2; side++) {
            tier__buf_printf(b, ",\"%s\":{\"accounts\":%zu,\"revenue\":", side ? "after" : "before",
                             m->accounts[side]);
            json_number(b, fixed(m->revenue[side]));
            tier__buf_putc(b, '}');
        }
        tier__buf_putc(b, '}');
    }
    tier__buf_putc(b, ']');
}

static void json_movers(const tier__dstate *s, tier__buf *b)
{
    size_t k;
    tier__buf_puts(b, ",\"movers\":[");
    for (k = 0; k < s->n_movers; k++) {
        const tier__dmover *m = &s->movers[k];
        tier__buf_puts(b, k ? ",{\"customer_id\":" : "{\"customer_id\":");
        (void)tier__buf_json(b, TIER__DSTR(s, m->id), m->id_len);
        tier__buf_puts(b, ",\"from\":");
        json_tier(b, s, 0, m->from);
        tier__buf_puts(b, ",\"to\":");
        json_tier(b, s, 1, m->to);
        tier__buf_printf(b, ",\"move\":\"%s\",\"revenue\":", move_names[m->move]);
        json_number(b, fixed(m->revenue));
        tier__buf_puts(b, ",\"reason_before\":");
        json_cstr(b, TIER__DSTR(s, m->reason[0]));
        tier__buf_puts(b, ",\"reason_after\":");
        json_cstr(b, TIER__DSTR(s, m->reason[1]));
        tier__buf_putc(b, '}');
    }
    tier__buf_putc(b, ']');
}

static void write_json(const tier_diff *d, tier__buf *b)
{
    const tier__dstate *s = &d->s;
    size_t k;
    int side, move;
    tier__buf_putc(b, '{');
    for (side = 0; side < 2; side++) {
        tier__buf_puts(b, side ? ",\"after\":{\"label\":" : "\"before\":{\"label\":");
        json_cstr(b, tier__diff_label(d, side));
        tier__buf_puts(b, ",\"tiers\":[");
        for (k = 0; k < s->ntiers[side]; k++) {
            if (k)
                tier__buf_putc(b, ',');
            json_cstr(b, TIER__DSTR(s, s->tier[side][k]));
        }
        tier__buf_puts(b, "]}");
    }
    tier__buf_printf(b, ",\"customers\":%zu,\"revenue\":", s->customers);
    json_number(b, fixed(s->revenue));
    tier__buf_printf(b, ",\"ladder\":%s,\"moved\":{\"customers\":%zu,\"revenue\":",
                     s->ladder ? "true" : "false", s->moved[0]);
    json_number(b, fixed(s->moved_revenue[0]));
    for (move = TIER_DIFF_MOVE_UP; move <= TIER_DIFF_MOVE_ACROSS; move++) {
        tier__buf_printf(b, ",\"%s\":{\"customers\":%zu,\"revenue\":", move_names[move],
                         s->moved[move]);
        json_number(b, fixed(s->moved_revenue[move]));
        tier__buf_putc(b, '}');
    }
    tier__buf_putc(b, '}');
    json_tiers(d, b);
    json_matrix(s, b);
    json_entitlements(s, b);
    json_teams(s, b);
    json_movers(s, b);
    tier__buf_puts(b, "}\n");
}

/* ---- output -------------------------------------------------------------------------------- */

/* Renders the diff into b; sets the error on failure. */
static int render(const tier_diff *d, int format, tier__buf *b)
{
    char *err = (char *)d->err; /* the error text is what a const call may change */
    if (format != TIER_DIFF_TEXT && format != TIER_DIFF_CSV && format != TIER_DIFF_JSON) {
        tier__errorf(err, "unknown diff format %d (text 1, csv 2, json 3)", format);
        return TIER_EINVAL;
    }
    if (!d->has) {
        tier__errorf(err, "nothing to write: no runs have been compared");
        return TIER_ESTATE;
    }
    if (format == TIER_DIFF_TEXT)
        write_text(d, b);
    else if (format == TIER_DIFF_CSV)
        write_csv(d, b);
    else
        write_json(d, b);
    if (tier__buf_status(b)) {
        tier__errorf(err, "out of memory writing the diff");
        return TIER_ENOMEM;
    }
    return TIER_OK;
}

/* Renders d as `format` into b (made here, freed by the caller), unless the output is not
 * `ready`: the error then says `why`. */
static int render_to(const tier_diff *d, int format, int ready, const char *why, tier__buf *b)
{
    tier__buf_init(b, &d->alloc);
    if (!ready) {
        tier__errorf((char *)d->err, "%s", why);
        return TIER_EINVAL;
    }
    return render(d, format, b);
}

/* Hands the text over in pieces of at most 64 KiB. */
static int hand_over(const char *data, size_t len, tier_write_cb cb, void *ud)
{
    while (len) {
        size_t n = len < 65536 ? len : 65536;
        if (cb(ud, data, n) != 0)
            return 1;
        data += n;
        len -= n;
    }
    return 0;
}

int tier_diff_write(const tier_diff *d, int format, tier_write_cb cb, void *ud)
{
    tier__buf b;
    int rc;
    if (!d)
        return TIER_EINVAL;
    rc = render_to(d, format, cb != NULL, "the write callback is NULL", &b);
    if (!rc && hand_over(tier__buf_data(&b), tier__buf_len(&b), cb, ud)) {
        tier__errorf((char *)d->err, "the write callback stopped the output");
        rc = TIER_EUSER;
    }
    tier__buf_free(&b);
    return rc;
}

typedef struct save_ctx {
    const tier__buf *b;
} save_ctx;

static int produce(void *ud, tier__io_put_fn put, void *put_ud)
{
    const save_ctx *c = ud;
    return put(put_ud, tier__buf_data(c->b), tier__buf_len(c->b)) ? TIER_EIO : TIER_OK;
}

int tier_diff_save(const tier_diff *d, int format, const char *path, const tier_io *io)
{
    tier__buf b;
    save_ctx c;
    int rc;
    if (!d)
        return TIER_EINVAL;
    rc = render_to(d, format, path != NULL, "the path is NULL", &b);
    if (!rc) {
        c.b = &b;
        rc = tier__io_write_atomic(io, &d->alloc, path, produce, &c, (char *)d->err);
    }
    tier__buf_free(&b);
    return rc;
}
