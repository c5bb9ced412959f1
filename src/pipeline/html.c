/* SPDX-License-Identifier: MIT */
/* A `report` run's page (produce = report, docs/report.md): one self-contained HTML file — inline
 * SVG charts and tables, no script, nothing fetched — with the tier pyramid, the Pareto curve with
 * the class thresholds, the R x F heatmap, the entitlement totals and, with a previous snapshot
 * (`state`), the migration matrix and the top movers with their reasons. Every text that comes
 * from the data (ids, tier names, reasons, file names) is HTML-escaped. Numbers are written the
 * same whatever the host's locale (util/numtext). The page is built in memory and written all or
 * nothing: to `out` atomically, else to the output callback. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io_internal.h"
#include "pipeline/pipeline_internal.h"
#include "util/numtext.h"

/* The movers listed, by revenue. */
#define TOP_MOVERS 25
/* Points of the Pareto curve at most (the curve is sampled evenly over the customers). */
#define CURVE_POINTS 400

/* ---- text ---------------------------------------------------------------------------------- */

/* Appends n bytes of data text, escaped for HTML text and attribute values; control bytes become
 * spaces (a NUL cannot end the page early). */
static void esc_n(tier__buf *b, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&':
            tier__buf_puts(b, "&amp;");
            break;
        case '<':
            tier__buf_puts(b, "&lt;");
            break;
        case '>':
            tier__buf_puts(b, "&gt;");
            break;
        case '"':
            tier__buf_puts(b, "&quot;");
            break;
        case '\'':
            tier__buf_puts(b, "&#39;");
            break;
        default:
            tier__buf_putc(b, c < 0x20 || c == 0x7f ? ' ' : (char)c);
        }
    }
}

static void esc(tier__buf *b, const char *s)
{
    esc_n(b, s ? s : "", s ? strlen(s) : 0);
}

/* printf's %.Nf rounding, '.' whatever the locale; "-" when not finite. */
static void fixed(tier__buf *b, double v, int decimals)
{
    tier__buf_fixed(b, v, decimals, "-");
}

/* A coordinate (one decimal). */
static void xy(tier__buf *b, double v)
{
    fixed(b, isfinite(v) ? v : 0.0, 1);
}

static void percent(tier__buf *b, double part, double whole)
{
    fixed(b, tier__pipeline_percent(part, whole), 1);
    tier__buf_putc(b, '%');
}

/* <text x y class>, for content written after it and "</text>\n". */
static void svg_text_open(tier__buf *b, double x, double y, const char *cls)
{
    tier__buf_puts(b, "<text x=\"");
    xy(b, x);
    tier__buf_puts(b, "\" y=\"");
    xy(b, y);
    tier__buf_printf(b, "\" class=\"%s\">", cls);
}

/* <text x y class>TEXT</text> with escaped text. */
static void svg_text(tier__buf *b, double x, double y, const char *cls, const char *text)
{
    svg_text_open(b, x, y, cls);
    esc(b, text);
    tier__buf_puts(b, "</text>\n");
}

/* <text x y class>P%</text>: part as a share of whole. */
static void svg_percent(tier__buf *b, double x, double y, const char *cls, double part,
                        double whole)
{
    svg_text_open(b, x, y, cls);
    percent(b, part, whole);
    tier__buf_puts(b, "</text>\n");
}

static void svg_rect(tier__buf *b, const char *cls, double x, double y, double w, double h,
                     const char *fill)
{
    tier__buf_printf(b, "<rect class=\"%s\" x=\"", cls);
    xy(b, x);
    tier__buf_puts(b, "\" y=\"");
    xy(b, y);
    tier__buf_puts(b, "\" width=\"");
    xy(b, w < 0 ? 0 : w);
    tier__buf_puts(b, "\" height=\"");
    xy(b, h);
    tier__buf_puts(b, "\"");
    if (fill)
        tier__buf_printf(b, " fill=\"%s\"", fill);
    tier__buf_puts(b, "/>\n");
}

static void svg_line(tier__buf *b, const char *cls, double x1, double y1, double x2, double y2)
{
    tier__buf_printf(b, "<line class=\"%s\" x1=\"", cls);
    xy(b, x1);
    tier__buf_puts(b, "\" y1=\"");
    xy(b, y1);
    tier__buf_puts(b, "\" x2=\"");
    xy(b, x2);
    tier__buf_puts(b, "\" y2=\"");
    xy(b, y2);
    tier__buf_puts(b, "\"/>\n");
}

static void svg_open(tier__buf *b, const char *id, double w, double h, const char *label)
{
    tier__buf_printf(b, "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"", id);
    xy(b, w);
    tier__buf_puts(b, "\" height=\"");
    xy(b, h);
    tier__buf_puts(b, "\" viewBox=\"0 0 ");
    xy(b, w);
    tier__buf_putc(b, ' ');
    xy(b, h);
    tier__buf_puts(b, "\" role=\"img\" aria-label=\"");
    esc(b, label);
    tier__buf_puts(b, "\">\n");
}

/* A cell colour from white (share 0) to a deep blue (share 1). */
static void shade(char *dst, size_t size, double share)
{
    double s = share > 1 ? 1 : share < 0 || !(share == share) ? 0 : share;
    snprintf(dst, size, "#%02x%02x%02x", (unsigned)(255 - s * (255 - 31)),
             (unsigned)(255 - s * (255 - 78)), (unsigned)(255 - s * (255 - 140)));
}

/* ---- the data the charts share --------------------------------------------------------------- */

typedef struct page {
    tier_pipeline *p;
    const tier__run *r;
    const tier_result *res;
    size_t n;        /* customers */
    double *revenue; /* each customer's net amount */
    tier__buf *b;
} page;

static const tier_model *model_of(const tier__run *r, const char *kind)
{
    size_t i;
    for (i = 0; i < r->n_models; i++)
        if (tier__pipeline_model_is(r->models[i], kind))
            return r->models[i];
    return NULL;
}

/* A number column of model m's output `name`, or NULL. */
static const double *column(const tier_result *res, const tier_model *m, const char *name)
{
    const tier_frame *f = tier_result_frame(res);
    char full[256];
    size_t col;
    if (!m || !f)
        return NULL;
    snprintf(full, sizeof full, "%s.%s", tier_model_name(m), name);
    if (tier_frame_find(f, full, &col) != TIER_OK ||
        tier_frame_column_type(f, col) != TIER_VALUE_NUMBER)
        return NULL;
    return tier_frame_numbers(f, col);
}

/* ---- the tier pyramid ---------------------------------------------------------------------- */

static void pyramid(page *pg)
{
    tier__buf *b = pg->b;
    size_t t, nt = tier_result_tier_count(pg->res), count;
    double revenue, total = 0, row = 30, half = 260, mid = 360, top = 30, h;
    for (t = 0; t < nt; t++)
        if (tier_result_summary(pg->res, t, NULL, &revenue) == TIER_OK)
            total += revenue;
    h = top + row * (double)nt + 30;
    tier__buf_puts(b, "<section id=\"pyramid\">\n<h2>Tier pyramid</h2>\n<p>Customers (left) and "
                      "revenue (right) per tier, as shares of all, in the policy's order.</p>\n");
    svg_open(b, "pyramid-chart", 720, h, "tier pyramid");
    svg_text(b, mid - 10, 18, "axis end", "customers");
    svg_text(b, mid + 10, 18, "axis", "revenue");
    for (t = 0; t < nt; t++) {
        double y = top + row * (double)t, wc, wr;
        if (tier_result_summary(pg->res, t, &count, &revenue) != TIER_OK)
            count = 0, revenue = 0;
        wc = pg->n ? half * (double)count / (double)pg->n : 0;
        wr = total > 0 && revenue > 0 ? half * revenue / total : 0;
        svg_rect(b, "bar-customers", mid - wc, y + 4, wc, row - 8, NULL);
        svg_rect(b, "bar-revenue", mid, y + 4, wr, row - 8, NULL);
        svg_text(b, 8, y + row / 2 + 5, "tier", tier_result_tier_name(pg->res, t));
        svg_percent(b, mid - wc - 4, y + row / 2 + 4, "value end", (double)count, (double)pg->n);
        svg_percent(b, mid + wr + 4, y + row / 2 + 4, "value", revenue, total);
    }
    svg_line(b, "axis-line", mid, top, mid, top + row * (double)nt);
    tier__buf_puts(b, "</svg>\n<table class=\"figures\">\n<tr><th>tier</th><th>customers</th>"
                      "<th>share</th><th>revenue</th><th>share</th></tr>\n");
    for (t = 0; t < nt; t++) {
        if (tier_result_summary(pg->res, t, &count, &revenue) != TIER_OK)
            continue;
        tier__buf_puts(b, "<tr><td>");
        esc(b, tier_result_tier_name(pg->res, t));
        tier__buf_printf(b, "</td><td class=\"num\">%zu</td><td class=\"num\">", count);
        percent(b, (double)count, (double)pg->n);
        tier__buf_puts(b, "</td><td class=\"num\">");
        fixed(b, revenue, 2);
        tier__buf_puts(b, "</td><td class=\"num\">");
        percent(b, revenue, total);
        tier__buf_puts(b, "</td></tr>\n");
    }
    tier__buf_puts(b, "</table>\n</section>\n");
}

/* ---- the Pareto curve ---------------------------------------------------------------------- */

static int by_revenue_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int pareto(page *pg)
{
    tier__buf *b = pg->b;
    const tier_model *m = model_of(pg->r, "pareto");
    double th[2] = {0.8, 0.95}, total = 0, cum = 0, *v;
    double x0 = 60, y0 = 20, w = 620, h = 300;
    size_t i, k, step;
    static const char *const names[] = {"A/B", "B/C"};
    if (m) {
        (void)tier_model_get_number(m, "threshold_a", &th[0]);
        (void)tier_model_get_number(m, "threshold_b", &th[1]);
    }
    v = tier__calloc(&pg->p->alloc, pg->n ? pg->n : 1, sizeof *v);
    if (!v)
        return TIER_ENOMEM;
    for (i = 0; i < pg->n; i++) {
        v[i] = pg->revenue[i] > 0 ? pg->revenue[i] : 0;
        total += v[i];
    }
    qsort(v, pg->n, sizeof *v, by_revenue_desc);
    tier__buf_puts(b, "<section id=\"pareto\">\n<h2>Pareto curve</h2>\n<p>Customers sorted by "
                      "revenue, largest first, against the cumulative share of revenue; the dashed "
                      "lines are the class thresholds");
    if (!m)
        tier__buf_puts(b, " (the defaults: the run has no pareto model)");
    tier__buf_puts(b, ".</p>\n");
    svg_open(b, "pareto-chart", 720, h + 70, "Pareto curve");
    svg_line(b, "axis-line", x0, y0 + h, x0 + w, y0 + h);
    svg_line(b, "axis-line", x0, y0, x0, y0 + h);
    for (k = 0; k <= 4; k++) {
        char t[8];
        snprintf(t, sizeof t, "%u%%", (unsigned)(25 * k));
        svg_text(b, x0 + w * (double)k / 4, y0 + h + 16, "tick mid", t);
        svg_text(b, x0 - 6, y0 + h - h * (double)k / 4 + 4, "tick end", t);
    }
    svg_text(b, x0 + w / 2, y0 + h + 36, "axis mid", "customers, by revenue (share of all)");
    tier__buf_puts(b, "<polyline class=\"pareto-curve\" points=\"");
    xy(b, x0);
    tier__buf_putc(b, ',');
    xy(b, y0 + h);
    step = pg->n > CURVE_POINTS ? (pg->n + CURVE_POINTS - 1) / CURVE_POINTS : 1;
    for (i = 0; i < pg->n; i++) {
        cum += v[i];
        if ((i + 1) % step && i + 1 != pg->n)
            continue;
        tier__buf_putc(b, ' ');
        xy(b, x0 + w * (double)(i + 1) / (double)pg->n);
        tier__buf_putc(b, ',');
        xy(b, y0 + h - (total > 0 ? h * cum / total : 0));
    }
    tier__buf_puts(b, "\"/>\n");
    for (k = 0; k < 2; k++) {
        double reached = 0, y = y0 + h - h * th[k];
        size_t j = 0;
        for (cum = 0; j < pg->n && total > 0; j++) {
            cum += v[j];
            if (cum >= th[k] * total * (1 - 1e-12))
                break;
        }
        reached = pg->n ? (double)(j < pg->n ? j + 1 : pg->n) / (double)pg->n : 0;
        svg_line(b, "threshold", x0, y, x0 + w, y);
        svg_line(b, "threshold-x", x0 + w * reached, y, x0 + w * reached, y0 + h);
        /* to the left of the marker past the middle, so the label stays on the chart */
        if (reached > 0.5)
            svg_text_open(b, x0 + w * reached - 6, y + 14, "value end");
        else
            svg_text_open(b, x0 + w * reached + 6, y + 14, "value");
        tier__buf_printf(b, "%s at ", names[k]);
        fixed(b, 100 * th[k], 1);
        tier__buf_puts(b, "% of revenue: ");
        fixed(b, 100 * reached, 1);
        tier__buf_puts(b, "% of customers</text>\n");
    }
    tier__buf_puts(b, "</svg>\n</section>\n");
    tier__free(&pg->p->alloc, v);
    return TIER_OK;
}

/* ---- the R x F heatmap ---------------------------------------------------------------------- */

static int rf_heatmap(page *pg)
{
    tier__buf *b = pg->b;
    const tier_model *m = model_of(pg->r, "rfm");
    const double *rs = column(pg->res, m, "r_score"), *fs = column(pg->res, m, "f_score");
    size_t i, r, f, bins = 0, *counts, most = 0;
    double cell = 56, x0 = 70, y0 = 20;
    tier__buf_puts(b, "<section id=\"rf\">\n<h2>Recency x frequency</h2>\n");
    if (!rs || !fs) {
        tier__buf_puts(b, "<p class=\"note\">The run has no rfm model: no R x F scores.</p>\n"
                          "</section>\n");
        return TIER_OK;
    }
    for (i = 0; i < pg->n; i++)
        if (rs[i] >= 1 && fs[i] >= 1 && rs[i] <= 100 && fs[i] <= 100) {
            if ((size_t)rs[i] > bins)
                bins = (size_t)rs[i];
            if ((size_t)fs[i] > bins)
                bins = (size_t)fs[i];
        }
    counts = tier__calloc(&pg->p->alloc, bins ? bins * bins : 1, sizeof *counts);
    if (!counts)
        return TIER_ENOMEM;
    for (i = 0; i < pg->n; i++)
        if (rs[i] >= 1 && fs[i] >= 1 && rs[i] <= (double)bins && fs[i] <= (double)bins) {
            size_t *c = &counts[((size_t)rs[i] - 1) * bins + (size_t)fs[i] - 1];
            if (++*c > most)
                most = *c;
        }
    tier__buf_printf(b,
                     "<p>Customers per R score (rows, %zu on top) and F score (columns); "
                     "darker is more.</p>\n",
                     bins);
    svg_open(b, "rf-chart", x0 + cell * (double)bins + 20, y0 + cell * (double)bins + 50,
             "recency by frequency heatmap");
    for (r = bins; r >= 1; r--) {
        double y = y0 + cell * (double)(bins - r);
        char t[32];
        snprintf(t, sizeof t, "R %zu", r);
        svg_text(b, x0 - 8, y + cell / 2 + 4, "tick end", t);
        for (f = 1; f <= bins; f++) {
            size_t c = counts[(r - 1) * bins + f - 1];
            double share = most ? (double)c / (double)most : 0, x = x0 + cell * (double)(f - 1);
            char fill[8];
            shade(fill, sizeof fill, share);
            svg_rect(b, "rf-cell", x, y, cell - 2, cell - 2, fill);
            snprintf(t, sizeof t, "%zu", c);
            svg_text(b, x + cell / 2 - 1, y + cell / 2 + 4, share > 0.5 ? "cell light" : "cell", t);
        }
    }
    for (f = 1; f <= bins; f++) {
        char t[32];
        snprintf(t, sizeof t, "F %zu", f);
        svg_text(b, x0 + cell * ((double)f - 0.5), y0 + cell * (double)bins + 16, "tick mid", t);
    }
    tier__buf_puts(b, "</svg>\n</section>\n");
    tier__free(&pg->p->alloc, counts);
    return TIER_OK;
}

/* ---- entitlements ---------------------------------------------------------------------------- */

static int entitlements(page *pg)
{
    tier__buf *b = pg->b;
    const tier_policy *pol = pg->r->policy;
    size_t k, t, nk = pol ? tier_policy_entitlement_count(pol) : 0;
    size_t nt = tier_result_tier_count(pg->res);
    tier_value *v = NULL;
    int rc;
    tier__buf_puts(b, "<section id=\"entitlements\">\n<h2>Entitlements</h2>\n");
    if (!nk) {
        tier__buf_puts(b, "<p class=\"note\">The policy declares no entitlements.</p>\n"
                          "</section>\n");
        return TIER_OK;
    }
    rc = tier_value_new(&v, &pg->p->alloc);
    if (rc)
        return rc;
    tier__buf_puts(b, "<p>What each tier is given, and the total over its customers (a number: "
                      "the sum; yes/no: the customers with yes; a text: the customers given "
                      "it).</p>\n<table class=\"figures\" id=\"entitlement-totals\">\n"
                      "<tr><th>entitlement</th>");
    for (t = 0; t < nt; t++) {
        tier__buf_puts(b, "<th>");
        esc(b, tier_result_tier_name(pg->res, t));
        tier__buf_puts(b, "</th>");
    }
    tier__buf_puts(b, "<th>total</th></tr>\n");
    for (k = 0; k < nk && !rc; k++) {
        int type = 0;
        const char *name = tier_policy_entitlement_name(pol, k, &type);
        double total = 0;
        tier__buf_puts(b, "<tr><td>");
        esc(b, name);
        tier__buf_puts(b, "</td>");
        for (t = 0; t < nt; t++) {
            size_t count = 0;
            int got = tier_policy_entitlement(pol, t, name, v);
            (void)tier_result_summary(pg->res, t, &count, NULL);
            tier__buf_puts(b, "<td class=\"num\">");
            if (got == TIER_ENOMEM) {
                rc = got;
            } else if (got != TIER_OK) {
                tier__buf_puts(b, "-");
            } else if (type == TIER_ENTITLEMENT_TEXT) {
                esc(b, tier_value_text(v));
                total += (double)count;
            } else if (type == TIER_ENTITLEMENT_BOOL) {
                int yes = tier_value_number(v) != 0;
                tier__buf_puts(b, yes ? "yes" : "no");
                total += yes ? (double)count : 0;
            } else {
                fixed(b, tier_value_number(v), 2);
                total += tier_value_number(v) * (double)count;
            }
            tier__buf_puts(b, "</td>");
        }
        tier__buf_puts(b, "<td class=\"num total\">");
        fixed(b, total, type == TIER_ENTITLEMENT_NUMBER ? 2 : 0);
        if (type != TIER_ENTITLEMENT_NUMBER)
            tier__buf_puts(b, " customers");
        tier__buf_puts(b, "</td></tr>\n");
    }
    tier__buf_puts(b, "</table>\n</section>\n");
    tier_value_free(v);
    return rc;
}

/* ---- migration and movers (with a previous snapshot) ----------------------------------------- */

static const char *side_name(const tier_diff *d, int side, int t)
{
    return t < 0 ? "(none)" : tier_diff_tier_name(d, side, (size_t)t);
}

static void migration(page *pg, const tier_diff *d, const char *state)
{
    tier__buf *b = pg->b;
    int nb = (int)tier_diff_tier_count(d, TIER_DIFF_BEFORE);
    int na = (int)tier_diff_tier_count(d, TIER_DIFF_AFTER), from, to, first_b = 0, first_a = 0;
    size_t c, most = 0;
    double cell = 64, x0 = 110, y0 = 40;
    int rows, cols;
    /* the "(none)" row and column only when someone came from or went to no tier */
    if (tier_diff_total(d, TIER_DIFF_BEFORE, -1, &c, NULL) == TIER_OK && c)
        first_b = -1;
    if (tier_diff_total(d, TIER_DIFF_AFTER, -1, &c, NULL) == TIER_OK && c)
        first_a = -1;
    rows = nb - first_b;
    cols = na - first_a;
    for (from = first_b; from < nb; from++)
        for (to = first_a; to < na; to++)
            if (tier_diff_cell(d, from, to, &c, NULL) == TIER_OK && c > most)
                most = c;
    tier__buf_puts(b, "<section id=\"migration\">\n<h2>Migration</h2>\n<p>Customers from their "
                      "tier in the previous snapshot (");
    esc(b, state);
    tier__buf_puts(b, ", rows) to their tier now (columns); the diagonal stayed.</p>\n");
    svg_open(b, "migration-chart", x0 + cell * cols + 20, y0 + cell * rows + 20,
             "tier migration matrix");
    svg_text(b, x0 + cell * cols / 2, 14, "axis mid", "now");
    for (to = first_a; to < na; to++)
        svg_text(b, x0 + cell * (to - first_a + 0.5), y0 - 8, "tick mid",
                 side_name(d, TIER_DIFF_AFTER, to));
    for (from = first_b; from < nb; from++) {
        double y = y0 + cell * (from - first_b);
        svg_text(b, x0 - 8, y + cell / 2 + 4, "tick end", side_name(d, TIER_DIFF_BEFORE, from));
        for (to = first_a; to < na; to++) {
            double x = x0 + cell * (to - first_a), share;
            char fill[8], t[32];
            const char *bn = side_name(d, TIER_DIFF_BEFORE, from);
            const char *an = side_name(d, TIER_DIFF_AFTER, to);
            if (tier_diff_cell(d, from, to, &c, NULL) != TIER_OK)
                c = 0;
            share = most ? (double)c / (double)most : 0;
            shade(fill, sizeof fill, share);
            svg_rect(b, from >= 0 && to >= 0 && strcmp(bn, an) == 0 ? "mig-cell stay" : "mig-cell",
                     x, y, cell - 2, cell - 2, fill);
            snprintf(t, sizeof t, "%zu", c);
            svg_text(b, x + cell / 2 - 1, y + cell / 2 + 4, share > 0.5 ? "cell light" : "cell", t);
        }
    }
    tier__buf_puts(b, "</svg>\n</section>\n");
}

typedef struct mover_row {
    size_t i;       /* the diff's mover index */
    double revenue; /* in this run's book (NaN: gone) */
} mover_row;

static int by_mover_revenue(const void *a, const void *b)
{
    const mover_row *x = a, *y = b;
    double rx = x->revenue == x->revenue ? x->revenue : -HUGE_VAL;
    double ry = y->revenue == y->revenue ? y->revenue : -HUGE_VAL;
    if (rx != ry)
        return rx < ry ? 1 : -1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int movers(page *pg, const tier_diff *d)
{
    tier__buf *b = pg->b;
    size_t n = tier_diff_mover_count(d), i, shown;
    mover_row *rows;
    static const char *const moves[] = {"", "up", "down", "across"};
    rows = tier__calloc(&pg->p->alloc, n ? n : 1, sizeof *rows);
    if (!rows)
        return TIER_ENOMEM;
    for (i = 0; i < n; i++) {
        tier_diff_mover m;
        size_t k;
        rows[i].i = i;
        rows[i].revenue = NAN;
        if (tier_diff_mover_get(d, i, &m) == TIER_OK &&
            tier_book_find(pg->r->book, m.id, m.id_len, &k) == TIER_OK)
            rows[i].revenue = pg->revenue[k];
    }
    qsort(rows, n, sizeof *rows, by_mover_revenue);
    shown = n < TOP_MOVERS ? n : TOP_MOVERS;
    if (n == 1)
        tier__buf_puts(b, "<section id=\"movers\">\n<h2>Top movers</h2>\n<p>1 customer changed "
                          "tier:</p>\n");
    else
        tier__buf_printf(b,
                         "<section id=\"movers\">\n<h2>Top movers</h2>\n<p>%zu customers "
                         "changed tier; the %zu with the most revenue:</p>\n",
                         n, shown);
    tier__buf_puts(b, "<table class=\"figures\" id=\"mover-table\">\n<tr><th>customer</th>"
                      "<th>before</th><th>now</th><th>move</th><th>revenue</th>"
                      "<th>reason before</th><th>reason now</th></tr>\n");
    for (i = 0; i < shown; i++) {
        tier_diff_mover m;
        size_t k;
        const char *now = NULL;
        if (tier_diff_mover_get(d, rows[i].i, &m) != TIER_OK)
            continue;
        /* the reason of this run (the rule, or the history's: held, override), else the
         * snapshot's */
        if (tier_book_find(pg->r->book, m.id, m.id_len, &k) == TIER_OK)
            now = tier_result_reason(pg->res, k);
        if (!now || !*now)
            now = m.reason_after;
        tier__buf_puts(b, "<tr><td class=\"id\">");
        esc_n(b, m.id, m.id_len);
        tier__buf_puts(b, "</td><td>");
        esc(b, m.from < 0 ? "(none)" : m.from_name);
        tier__buf_puts(b, "</td><td>");
        esc(b, m.to < 0 ? "(none)" : m.to_name);
        tier__buf_printf(b, "</td><td>%s</td><td class=\"num\">",
                         m.move >= 1 && m.move <= 3 ? moves[m.move] : "");
        fixed(b, rows[i].revenue, 2);
        tier__buf_puts(b, "</td><td>");
        esc(b, m.reason_before);
        tier__buf_puts(b, "</td><td>");
        esc(b, now);
        tier__buf_puts(b, "</td></tr>\n");
    }
    tier__buf_puts(b, "</table>\n</section>\n");
    tier__free(&pg->p->alloc, rows);
    return TIER_OK;
}

/* ---- the page ------------------------------------------------------------------------------ */

static const char style[] =
    "<style>\n"
    "body{font-family:sans-serif;margin:24px;color:#222;background:#fff;max-width:1100px}\n"
    "h1{font-size:24px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}\n"
    "p.meta{color:#555}p.note{color:#777;font-style:italic}\n"
    "table.figures{border-collapse:collapse;margin:8px 0}\n"
    "table.figures td,table.figures th{border:1px solid #ccc;padding:3px 8px;font-size:13px}\n"
    "th{background:#eef}td.num{text-align:right}td.id{font-family:monospace}\n"
    "svg text{font-size:12px;fill:#222}svg text.end{text-anchor:end}\n"
    "svg text.mid{text-anchor:middle}svg text.cell{text-anchor:middle}\n"
    "svg text.light{fill:#fff}svg text.tier{font-weight:bold}\n"
    ".bar-customers{fill:#4c72b0}.bar-revenue{fill:#dd8452}\n"
    ".axis-line{stroke:#444;stroke-width:1}\n"
    ".pareto-curve{fill:none;stroke:#4c72b0;stroke-width:2}\n"
    ".threshold{stroke:#c44e52;stroke-dasharray:6 4}.threshold-x{stroke:#c44e52;"
    "stroke-dasharray:2 3}\n"
    ".rf-cell,.mig-cell{stroke:#fff}.mig-cell.stay{stroke:#222;stroke-width:2}\n"
    "</style>\n";

static void header(page *pg, const char *policy_name)
{
    tier__buf *b = pg->b;
    int32_t first, last, as_of;
    char day[16];
    as_of = pg->p->has_as_of                                             ? pg->p->as_of
            : tier_book_day_range(pg->r->book, &first, &last) == TIER_OK ? last + 1
                                                                         : 0;
    if (tier_date_format_iso(day, sizeof day, as_of) != TIER_OK)
        strcpy(day, "?");
    tier__buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<title>Tier report: ");
    esc(b, policy_name);
    tier__buf_puts(b, "</title>\n");
    tier__buf_puts(b, style);
    tier__buf_puts(b, "</head>\n<body>\n<h1>Tier report</h1>\n<p class=\"meta\">Input <b>");
    esc(b, pg->p->input);
    tier__buf_puts(b, "</b>, policy <b>");
    esc(b, policy_name);
    tier__buf_printf(b, "</b>: %zu customers, %llu transactions, as of %s.", pg->n,
                     (unsigned long long)pg->r->rows, day);
    if (pg->r->history)
        tier__buf_printf(b, " State: run %llu, %zu %s this run.",
                         (unsigned long long)tier_history_runs(pg->r->history), pg->r->n_moves,
                         pg->r->n_moves == 1 ? "move" : "moves");
    tier__buf_puts(b, "</p>\n");
}

/* The produce callback of the atomic write: the page's bytes. */
static int put_page(void *ud, tier__io_put_fn put, void *put_ud)
{
    const tier__buf *b = ud;
    return put(put_ud, tier__buf_data(b), tier__buf_len(b)) ? TIER_EIO : TIER_OK;
}

static int write_page(tier_pipeline *p, const tier__buf *b)
{
    int rc;
    if (p->out) {
        char err[TIER__ERR_SIZE];
        err[0] = '\0';
        rc = tier__io_write_atomic(&p->io, &p->alloc, p->out, put_page, (void *)b, err);
        return rc ? tier__pipeline_fail(p, rc, "cannot write %s: %s", p->out,
                                        *err ? err : tier_strerror(rc))
                  : tier__pipeline_report(p, TIER_PIPELINE_STAGE_WRITE, tier__buf_len(b), 0);
    }
    if (!p->write_cb)
        return TIER_OK;
    if (p->write_cb(p->write_ud, tier__buf_data(b), tier__buf_len(b)) != 0)
        return tier__pipeline_fail(p, TIER_EUSER, "cannot write the output");
    return tier__pipeline_report(p, TIER_PIPELINE_STAGE_WRITE, tier__buf_len(b), 0);
}

int tier__pipeline_html_report(tier_pipeline *p, tier__run *r, const tier_history *previous)
{
    tier__buf b;
    tier_diff *d = NULL;
    page pg;
    size_t i;
    int rc = TIER_OK;
    const char *policy_name = p->policy_ref    ? "the host's policy"
                              : p->policy_name ? p->policy_name
                                               : tier__pipeline_default_policy(p);
    memset(&pg, 0, sizeof pg);
    pg.p = p;
    pg.r = r;
    pg.res = r->result;
    pg.n = tier_book_customer_count(r->book);
    pg.b = &b;
    tier__buf_init(&b, &p->alloc);
    pg.revenue = tier__calloc(&p->alloc, pg.n ? pg.n : 1, sizeof *pg.revenue);
    if (!pg.revenue)
        rc = TIER_ENOMEM;
    for (i = 0; !rc && i < pg.n; i++)
        if (tier_book_customer_stat(r->book, i, TIER_BOOK_STAT_NET_AMOUNT, &pg.revenue[i]) !=
            TIER_OK)
            pg.revenue[i] = 0;
    if (!rc && previous && r->history) {
        rc = tier_diff_new(&d, &p->alloc);
        if (!rc)
            rc = tier_diff_set_labels(d, "before", "now");
        if (!rc)
            rc = tier_diff_histories(d, previous, r->history);
    }
    if (!rc) {
        header(&pg, policy_name);
        pyramid(&pg);
        rc = pareto(&pg);
    }
    if (!rc)
        rc = rf_heatmap(&pg);
    if (!rc && d)
        migration(&pg, d, p->state);
    if (!rc)
        rc = entitlements(&pg);
    if (!rc && d)
        rc = movers(&pg, d);
    if (!rc && !d)
        tier__buf_puts(&b, "<section id=\"movers\">\n<h2>Top movers</h2>\n<p class=\"note\">No "
                           "previous snapshot: give the state file of tier run (--state) for the "
                           "migration matrix and the movers.</p>\n</section>\n");
    if (!rc) {
        tier__buf_puts(&b, "<p class=\"meta\">Written by libtier ");
        esc(&b, tier_version_string());
        tier__buf_puts(&b, " (tier report).</p>\n</body>\n</html>\n");
        rc = tier__buf_status(&b);
    }
    if (rc)
        rc = tier__pipeline_fail(p, rc, "report: %s",
                                 rc == TIER_ENOMEM ? "out of memory" : tier_strerror(rc));
    else
        rc = write_page(p, &b);
    tier_diff_free(d);
    tier__free(&p->alloc, pg.revenue);
    tier__buf_free(&b);
    return rc;
}
