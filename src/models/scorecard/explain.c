/* SPDX-License-Identifier: MIT */
/* Scorecard: the explanation of one customer's score, computed by the same code as the score. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/model_common.h"
#include "models/scorecard/scorecard_internal.h"
#include "util/buf.h"

/* ---- explain ----------------------------------------------------------------------------- */

/* A number as "%.10g" with '.' whatever the locale, and never "-0". */
static const char *num(char *buf, size_t size, double v)
{
    char *p;
    snprintf(buf, size, "%.10g", v + 0.0);
    for (p = buf; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == 'e'))
            *p = '.';
    return buf;
}

static const char *missing_rule(const sc_factor *f, char *buf, size_t size)
{
    char a[40];
    switch (f->missing) {
    case TIER_SCORECARD_MISSING_REWEIGHT:
        return "drop and re-weight";
    case TIER_SCORECARD_MISSING_ZERO:
        return "zero";
    default:
        if (isnan(f->impute))
            return "impute the fitted median";
        snprintf(buf, size, "impute %s", num(a, sizeof a, f->impute));
        return buf;
    }
}

/* The normalisation applied to `x`, e.g. "min-max over [0, 10]" or "band 2 of 3 [1, 5)". */
static void describe_norm(const sc_factor *f, double x, char *buf, size_t size)
{
    char a[40], b[40];
    double lo, hi;
    size_t bd;
    switch (f->norm) {
    case TIER_SCORECARD_NORM_PERCENTILE:
        snprintf(buf, size, "percentile rank among %lu fitted values", (unsigned long)f->nref);
        break;
    case TIER_SCORECARD_NORM_MINMAX:
        tier__sc_minmax_limits(f, &lo, &hi);
        snprintf(buf, size, "min-max over [%s, %s]", num(a, sizeof a, lo), num(b, sizeof b, hi));
        break;
    case TIER_SCORECARD_NORM_BANDS:
        for (bd = 0; bd < f->nbands && x >= f->edges[bd]; bd++)
            ;
        if (bd == 0)
            snprintf(buf, size, "band 1 of %lu (< %s)", (unsigned long)f->nbands + 1,
                     num(a, sizeof a, f->edges[0]));
        else if (bd == f->nbands)
            snprintf(buf, size, "band %lu of %lu (>= %s)", (unsigned long)bd + 1,
                     (unsigned long)f->nbands + 1, num(a, sizeof a, f->edges[bd - 1]));
        else
            snprintf(buf, size, "band %lu of %lu [%s, %s)", (unsigned long)bd + 1,
                     (unsigned long)f->nbands + 1, num(a, sizeof a, f->edges[bd - 1]),
                     num(b, sizeof b, f->edges[bd]));
        break;
    default:
        snprintf(buf, size, "boolean (not 0)");
        break;
    }
}

/* The alternative of factor `f`'s source that gave customer `i` its value, copied into `buf`
 * (SC_MAX_COLUMN + 1 bytes). */
static const char *source_used(const tier_book *book, const tier_frame *frame, const sc_factor *f,
                               size_t i, char *buf)
{
    char err[TIER__ERR_SIZE];
    double v;
    int used = -1;
    buf[0] = '\0';
    if (tier__sc_read_one(book, frame, f->column, i, "factor", f->name, &v, &used, err) ==
            TIER_OK &&
        used >= 0)
        tier__sc_alternative(f->column, (size_t)used, buf);
    return buf;
}

int tier__sc_explain(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                     tier_text *out)
{
    const sc_state *st = state;
    size_t nf = st->nfactors, i, bad = 0;
    double fx[SC_MAX_FACTORS], px[SC_MAX_CONDS], vx[SC_MAX_CONDS];
    sc_line lines[SC_MAX_FACTORS];
    char line[1024], a[40], b[40], c[40], d[40], rule[64], norm[160];
    char err[TIER__ERR_SIZE];
    tier__buf buf;
    sc_out o;
    int rc;

    if (!frame || !out)
        return TIER_EINVAL;
    if ((rc = tier__sc_check_config(st, err)) != TIER_OK)
        return rc;
    if ((rc = tier__sc_read_row(st, book, frame, customer, fx, px, vx, err)) != TIER_OK)
        return rc;
    if ((rc = tier__sc_score_one(st, fx, px, vx, &o, lines, &bad)) != TIER_OK)
        return rc;

    tier__buf_init(&buf, &st->h.alloc);
    if (isnan(o.score))
        snprintf(line, sizeof line,
                 "scorecard \"%s\": no factor has a value: score missing, no "
                 "grade\n",
                 st->name);
    else
        snprintf(line, sizeof line, "scorecard \"%s\": score %s, grade %s%s\n", st->name,
                 num(a, sizeof a, o.score), grade_labels[o.grade],
                 o.capped ? " (capped by a veto)" : "");
    tier__buf_puts(&buf, line);
    for (i = 0; i < nf; i++) {
        const sc_factor *f = &st->factors[i];
        const sc_line *l = &lines[i];
        char wbuf[48] = "", what[SC_MAX_COLUMN + 64], alt[SC_MAX_COLUMN + 1];
        if (l->how != HOW_DROPPED && o.scale != 1.0 && !isnan(o.scale))
            snprintf(wbuf, sizeof wbuf, " -> %s", num(a, sizeof a, l->weight));
        snprintf(line, sizeof line, "factor %s [%s, weight %s%s, if missing: %s]: %s ", f->name,
                 group_names[f->group - 1], num(b, sizeof b, f->weight), wbuf,
                 missing_rule(f, rule, sizeof rule), f->column);
        tier__buf_puts(&buf, line);
        if (l->how == HOW_DROPPED) {
            tier__buf_puts(&buf, "missing -> dropped, 0 points\n");
            continue;
        }
        if (l->how == HOW_ZERO) {
            tier__buf_puts(&buf, "missing -> 0 points\n");
            continue;
        }
        if (l->how == HOW_IMPUTED)
            snprintf(what, sizeof what, "missing -> imputed %s", num(a, sizeof a, l->used));
        else if (strchr(f->column, '|'))
            /* alternatives: say which one gave the value */
            snprintf(what, sizeof what, "= %s from %s", num(a, sizeof a, l->used),
                     source_used(book, frame, f, customer, alt));
        else
            snprintf(what, sizeof what, "= %s", num(a, sizeof a, l->used));
        describe_norm(f, l->used, norm, sizeof norm);
        if (f->dir == TIER_SCORECARD_LOWER_IS_BETTER)
            snprintf(line, sizeof line, "%s, %s %s, lower is better: %s -> %s points\n", what, norm,
                     num(a, sizeof a, l->pre), num(b, sizeof b, l->norm),
                     num(c, sizeof c, l->points));
        else
            snprintf(line, sizeof line, "%s, %s %s -> %s points\n", what, norm,
                     num(b, sizeof b, l->norm), num(c, sizeof c, l->points));
        tier__buf_puts(&buf, line);
    }
    if (!isnan(o.score)) {
        /* The penalties, then the vetoes, that applied. */
        for (i = 0; i < st->npens + st->nvetoes; i++) {
            int veto = i >= st->npens;
            const sc_cond *k = veto ? &st->vetoes[i - st->npens] : &st->pens[i];
            double x = veto ? vx[i - st->npens] : px[i];
            char effect[64];
            if (!tier__sc_holds(k->op, x, k->threshold))
                continue;
            if (veto)
                snprintf(effect, sizeof effect, "grade at most %s", grade_labels[k->grade]);
            else
                snprintf(effect, sizeof effect, "%s points", num(c, sizeof c, k->points));
            snprintf(line, sizeof line, "%s %s: %s = %s %s %s -> %s\n", veto ? "veto" : "penalty",
                     k->name, k->column, num(a, sizeof a, x), op_names[k->op],
                     num(b, sizeof b, k->threshold), effect);
            tier__buf_puts(&buf, line);
        }
        snprintf(line, sizeof line, "groups: explicit %s, potential %s, growth %s; factors %s",
                 num(a, sizeof a, o.group[0]), num(b, sizeof b, o.group[1]),
                 num(c, sizeof c, o.group[2]), num(d, sizeof d, o.factors));
        tier__buf_puts(&buf, line);
        snprintf(line, sizeof line, ", penalties %s -> score %s%s\n", num(a, sizeof a, o.penalties),
                 num(b, sizeof b, o.score), o.factors + o.penalties < 0 ? " (clamped at 0)" : "");
        tier__buf_puts(&buf, line);
        if (o.base_grade == 0)
            snprintf(line, sizeof line, "grade band: A (score >= %s)",
                     num(a, sizeof a, st->lower[0]));
        else if (o.base_grade == 4)
            snprintf(line, sizeof line, "grade band: E (score < %s)",
                     num(a, sizeof a, st->lower[3]));
        else
            snprintf(line, sizeof line, "grade band: %s (%s <= score < %s)",
                     grade_labels[o.base_grade], num(a, sizeof a, st->lower[o.base_grade]),
                     num(b, sizeof b, st->lower[o.base_grade - 1]));
        tier__buf_puts(&buf, line);
        if (o.capped)
            snprintf(line, sizeof line, "; capped by veto to %s\n", grade_labels[o.grade]);
        else
            snprintf(line, sizeof line, "\n");
        tier__buf_puts(&buf, line);
    }
    return tier__model_explained(out, &buf, TIER_OK);
}
