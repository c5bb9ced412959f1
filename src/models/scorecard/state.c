/* SPDX-License-Identifier: MIT */
/* Scorecard: options by name and the saved state (docs/scorecard.md,
 * docs/model-state-format.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/options.h"
#include "models/scorecard/scorecard_internal.h"

/* ---- options and saved state (docs/scorecard.md, docs/model-state-format.md) --------------- */

/* Replaces the card with preset `preset` (unless the model already started from it). */
static int set_preset(sc_state *st, const tier_value *value)
{
    sc_state tmp;
    int k, rc = tier__opt_choice(value, tier__sc_preset_names, SC_PRESET_COUNT, &k, st->h.err);
    if (rc)
        return rc;
    if (k != st->preset) {
        memset(&tmp, 0, sizeof tmp);
        tmp.h.alloc = st->h.alloc;
        if ((rc = tier__sc_fill_preset(&tmp, k)) != TIER_OK) {
            tier__errorf(st->h.err, "%s",
                         rc == TIER_ENOMEM ? "out of memory filling the card" : tmp.h.err);
            tier__sc_clear(&tmp);
            return rc;
        }
        tier__sc_take_card(st, &tmp);
        st->preset = k;
    }
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier__sc_set_option(void *state, const char *name, const tier_value *value)
{
    sc_state *st = state;
    double lower[4];
    int g = name[6] - 'a';
    if (strcmp(name, "preset") == 0)
        return set_preset(st, value);
    memcpy(lower, st->lower, sizeof lower);
    lower[g] = tier_value_number(value);
    if (tier__sc_check_grade_bands(lower, st->h.err) != TIER_OK)
        return TIER_ERANGE;
    memcpy(st->lower, lower, sizeof lower);
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier__sc_get_option(void *state, const char *name, tier_value *out)
{
    const sc_state *st = state;
    if (strcmp(name, "preset") == 0)
        return tier_value_set_text(out, tier__sc_preset_names[st->preset]);
    return tier_value_set_number(out, st->lower[name[6] - 'a']);
}

static const char *const norm_names[4] = {"percentile", "minmax", "bands", "boolean"};
static const char *const dir_names[2] = {"higher", "lower"};
static const char *const missing_names[3] = {"reweight", "impute", "zero"};

int tier__sc_save(void *state, tier_state_writer *w)
{
    sc_state *st = state;
    size_t i, j;
    int rc =
        tier__opt_save(w, tier__sc_options, SC_N_OPTIONS, st, tier__sc_get_option, &st->h.alloc);
    for (i = 0; i < st->nfactors && !rc; i++) {
        const sc_factor *f = &st->factors[i];
        tier_state_write_key(w, "factor");
        tier_state_write_text(w, f->name);
        tier_state_write_text(w, f->column);
        tier_state_write_number(w, f->weight);
        tier_state_write_text(w, group_names[f->group - 1]);
        tier_state_write_text(w, norm_names[f->norm - 1]);
        tier_state_write_text(w, dir_names[f->dir - 1]);
        tier_state_write_text(w, missing_names[f->missing - 1]);
        if (f->norm == TIER_SCORECARD_NORM_MINMAX) {
            const double caps[2] = {f->cap_lo, f->cap_hi};
            tier__opt_write_numbers(w, "factor.caps", caps, 2);
        }
        if (f->nbands) {
            tier__opt_write_numbers(w, "factor.bands", f->edges, f->nbands);
            tier__opt_write_numbers(w, "factor.fractions", f->fractions, f->nbands + 1);
        }
        if (f->missing == TIER_SCORECARD_MISSING_IMPUTE)
            tier__opt_write_numbers(w, "factor.impute", &f->impute, 1);
        if (f->has_stats) {
            const double stats[3] = {f->fmin, f->fmax, f->fmedian};
            tier__opt_write_numbers(w, "factor.stats", stats, 3);
        }
        if (f->uniq) {
            tier__opt_write_numbers(w, "factor.reference", f->uniq, f->nuniq);
            if (f->equal) {
                tier_state_write_key(w, "factor.equal");
                for (j = 0; j < f->nuniq; j++)
                    tier_state_write_number(w, (double)f->equal[j]);
            }
            tier_state_write_key(w, "factor.below");
            for (j = 0; j <= f->nuniq; j++)
                tier_state_write_number(w, (double)f->below[j]);
        }
    }
    for (i = 0; i < st->npens + st->nvetoes; i++) {
        const sc_cond *c = i < st->npens ? &st->pens[i] : &st->vetoes[i - st->npens];
        char grade[2] = {0, 0};
        tier_state_write_key(w, i < st->npens ? "penalty" : "veto");
        tier_state_write_text(w, c->name);
        tier_state_write_text(w, c->column);
        tier_state_write_text(w, op_names[c->op]);
        tier_state_write_number(w, c->threshold);
        if (i < st->npens) {
            rc = tier_state_write_number(w, c->points);
        } else {
            grade[0] = (char)('A' + c->grade);
            rc = tier_state_write_text(w, grade);
        }
    }
    return rc;
}

/* Index of `t` among names[0..n), or -1. */
static int index_of(const char *t, const char *const *names, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (strcmp(t, names[i]) == 0)
            return i;
    return -1;
}

/* Reads value i of the current record as a text (NULL when it is not one). */
static const char *text_at(tier_state_reader *r, size_t i)
{
    const char *t = NULL;
    if (tier_state_read_type(r, i) != TIER_OPTION_TEXT || tier_state_read_text(r, i, &t))
        return NULL;
    return t;
}

static double number_at(tier_state_reader *r, size_t i)
{
    double v = NAN;
    if (tier_state_read_type(r, i) == TIER_OPTION_NUMBER)
        (void)tier_state_read_number(r, i, &v);
    return v;
}

/* The load's status for a builder's status `rc`: its message at the current line, or out of
 * memory passed through. */
static int refused(tier_state_reader *r, const sc_state *tmp, int rc)
{
    if (rc == TIER_OK || rc == TIER_ENOMEM)
        return rc;
    return tier_state_read_fail(r, tmp->h.err);
}

/* "factor NAME COLUMN WEIGHT GROUP NORMALISATION DIRECTION MISSING" into tmp. */
static int load_factor(sc_state *tmp, tier_state_reader *r)
{
    const char *name = text_at(r, 0), *column = text_at(r, 1), *g = text_at(r, 3);
    const char *nm = text_at(r, 4), *d = text_at(r, 5), *mi = text_at(r, 6);
    int gi, ni, di, mii;
    if (tier_state_read_count(r) != 7 || !name || !column || !g || !nm || !d || !mi ||
        tier_state_read_type(r, 2) != TIER_OPTION_NUMBER)
        return tier_state_read_fail(r, "a factor is: name column weight group normalisation "
                                       "direction missing");
    gi = index_of(g, group_names, 3);
    ni = index_of(nm, norm_names, 4);
    di = index_of(d, dir_names, 2);
    mii = index_of(mi, missing_names, 3);
    if (gi < 0 || ni < 0 || di < 0 || mii < 0)
        return tier_state_read_fail(r, "unknown group, normalisation, direction or missing-value "
                                       "policy");
    return refused(r, tmp,
                   tier__sc_add_factor(tmp, name, column, number_at(r, 2), gi + 1, ni + 1, di + 1,
                                       mii + 1, NULL));
}

/* "penalty NAME COLUMN OP THRESHOLD POINTS" or "veto NAME COLUMN OP THRESHOLD GRADE". */
static int load_cond(sc_state *tmp, tier_state_reader *r, int veto)
{
    const char *name = text_at(r, 0), *column = text_at(r, 1), *op = text_at(r, 2);
    const char *grade = veto ? text_at(r, 4) : NULL;
    int o, rc;
    if (tier_state_read_count(r) != 5 || !name || !column || !op ||
        tier_state_read_type(r, 3) != TIER_OPTION_NUMBER || (veto && !grade) ||
        (!veto && tier_state_read_type(r, 4) != TIER_OPTION_NUMBER))
        return tier_state_read_fail(r, veto ? "a veto is: name column operator threshold grade"
                                            : "a penalty is: name column operator threshold "
                                              "points");
    o = index_of(op, op_names + 1, 6);
    if (o < 0)
        return tier_state_read_fail(r, "unknown operator (<, <=, ==, !=, >=, >)");
    rc = veto ? tier__sc_add_veto(tmp, name, column, o + 1, number_at(r, 3), grade)
              : tier__sc_add_penalty(tmp, name, column, o + 1, number_at(r, 3), number_at(r, 4));
    return refused(r, tmp, rc);
}

/* A count of a reference record: a whole number in [0, 1e15] (else refused with `why`). */
static int read_count_at(tier_state_reader *r, size_t i, size_t *out, const char *why)
{
    double v;
    if (tier_state_read_number(r, i, &v) != TIER_OK)
        return TIER_ECORRUPT;
    if (!(v >= 0 && v <= 1e15 && v == floor(v)))
        return tier_state_read_fail(r, why);
    *out = (size_t)v;
    return TIER_OK;
}

/* "factor.equal": a partial reference's population counts of each value (after the reference,
 * before the counts below). */
static int load_equal(sc_state *tmp, sc_factor *f, tier_state_reader *r)
{
    size_t n = tier_state_read_count(r), i;
    int rc;
    if (!f->uniq || f->below || f->equal || n != f->nuniq)
        return tier_state_read_fail(r, "the equal counts follow the reference, one a value, "
                                       "before the counts below");
    if (!(f->equal = tier__malloc_n(&tmp->h.alloc, n, sizeof *f->equal)))
        return TIER_ENOMEM;
    for (i = 0; i < n; i++)
        if ((rc = read_count_at(r, i, &f->equal[i],
                                "equal counts must be whole numbers from 0 "
                                "to 1e15")) != TIER_OK)
            return rc;
    return TIER_OK;
}

/* Whether the counts below (n + 1 of them) fit the reference: a full one starts at 0 and
 * increases strictly (the values in between are the reference's); a partial one (equal counts
 * given) has each value's count below plus equal at most the next one's count below, and a
 * positive population. */
static int counts_fit(const sc_factor *f, size_t n)
{
    size_t i;
    if (!f->equal) {
        if (f->below[0] != 0)
            return 0;
        for (i = 1; i < n; i++)
            if (!(f->below[i] > f->below[i - 1]))
                return 0;
        return 1;
    }
    for (i = 0; i + 1 < n; i++)
        if (f->equal[i] > f->below[i + 1] || f->below[i] > f->below[i + 1] - f->equal[i])
            return 0;
    return f->below[n - 1] > 0;
}

/* The fitted reference of a percentile factor: strictly ascending finite values and the counts
 * below each (below[0] = 0, strictly increasing, n + 1 of them); or a partial reference (a part
 * of a split run): the values, their population counts ("factor.equal") and the population's
 * counts below each, then the population's size. */
static int load_reference(sc_state *tmp, sc_factor *f, tier_state_reader *r, int below)
{
    size_t n = tier_state_read_count(r), i;
    const char *why;
    int rc;
    if (f->norm != TIER_SCORECARD_NORM_PERCENTILE || !f->has_stats)
        return tier_state_read_fail(r, "a reference belongs to a fitted percentile factor");
    if (!below) {
        if (f->uniq || n == 0)
            return tier_state_read_fail(r, "the reference is given twice or empty");
        if (!(f->uniq = tier__malloc_n(&tmp->h.alloc, n, sizeof *f->uniq)))
            return TIER_ENOMEM;
        f->nuniq = n;
        if (tier_state_read_numbers(r, f->uniq, n) != TIER_OK)
            return TIER_ECORRUPT;
        for (i = 0; i < n; i++)
            if (!isfinite(f->uniq[i]) || (i && !(f->uniq[i] > f->uniq[i - 1])))
                return tier_state_read_fail(r, "reference values must be finite and strictly "
                                               "ascending");
        return TIER_OK;
    }
    if (!f->uniq || f->below || n != f->nuniq + 1)
        return tier_state_read_fail(r, "the counts must follow the reference, one more than its "
                                       "values");
    if (!(f->below = tier__malloc_n(&tmp->h.alloc, n, sizeof *f->below)))
        return TIER_ENOMEM;
    why = f->equal ? "a partial reference's counts below are whole, each at least the one "
                     "before plus its equal count, and end at a population above 0"
                   : "counts must be whole, start at 0 and increase";
    for (i = 0; i < n; i++)
        if ((rc = read_count_at(r, i, &f->below[i], why)) != TIER_OK)
            return rc;
    if (!counts_fit(f, n))
        return tier_state_read_fail(r, why);
    f->nref = f->below[n - 1];
    return TIER_OK;
}

/* A "factor.*" record for the last factor read. */
static int load_factor_part(sc_state *tmp, tier_state_reader *r, const char *part, double *edges,
                            size_t *nedges)
{
    sc_factor *f = tmp->nfactors ? &tmp->factors[tmp->nfactors - 1] : NULL;
    size_t n = tier_state_read_count(r), last = tmp->nfactors - 1;
    double v[3];
    char msg[80];
    if (!f)
        return tier_state_read_fail(r, "a factor detail before any factor");
    if (strcmp(part, "caps") == 0) {
        if (tier_state_read_numbers(r, v, 2) != TIER_OK)
            return TIER_ECORRUPT;
        return refused(r, tmp, tier__sc_set_caps(tmp, last, v[0], v[1]));
    }
    if (strcmp(part, "impute") == 0) {
        if (tier_state_read_numbers(r, v, 1) != TIER_OK)
            return TIER_ECORRUPT;
        return refused(r, tmp, tier__sc_set_impute(tmp, last, v[0]));
    }
    if (strcmp(part, "bands") == 0) {
        if (*nedges || n == 0 || n > SC_MAX_BANDS) {
            snprintf(msg, sizeof msg, "1 to %d band edges, once per factor", SC_MAX_BANDS);
            return tier_state_read_fail(r, msg);
        }
        *nedges = n;
        return tier_state_read_numbers(r, edges, n);
    }
    if (strcmp(part, "fractions") == 0) {
        double fr[SC_MAX_BANDS + 1];
        if (!*nedges || n != *nedges + 1)
            return tier_state_read_fail(r, "the fractions follow the bands, one more than edges");
        if (tier_state_read_numbers(r, fr, n) != TIER_OK)
            return TIER_ECORRUPT;
        n = *nedges;
        *nedges = 0;
        return refused(r, tmp, tier__sc_set_bands(tmp, last, edges, n, fr));
    }
    if (strcmp(part, "stats") == 0) {
        if (f->has_stats)
            return tier_state_read_fail(r, "the stats are given twice");
        if (tier_state_read_numbers(r, v, 3) != TIER_OK)
            return TIER_ECORRUPT;
        if (!isfinite(v[0]) || !isfinite(v[1]) || !isfinite(v[2]) || !(v[0] <= v[2]) ||
            !(v[2] <= v[1]))
            return tier_state_read_fail(r, "stats are a finite minimum <= median <= maximum");
        f->has_stats = 1;
        f->fmin = v[0];
        f->fmax = v[1];
        f->fmedian = v[2];
        return TIER_OK;
    }
    if (strcmp(part, "equal") == 0)
        return load_equal(tmp, f, r);
    if (strcmp(part, "reference") == 0 || strcmp(part, "below") == 0)
        return load_reference(tmp, f, r, part[0] == 'b');
    snprintf(msg, sizeof msg, "unknown record \"factor.%.40s\"", part);
    return tier_state_read_fail(r, msg);
}

/* What a load has read so far: a scratch card, and band edges waiting for their fractions. */
typedef struct sc_loading {
    sc_state tmp;
    double edges[SC_MAX_BANDS];
    size_t nedges;
} sc_loading;

static int load_option(void *ctx, const char *name, const tier_value *v, char *why)
{
    sc_state *tmp = &((sc_loading *)ctx)->tmp;
    /* The preset only names the card: its factors, penalties and vetoes are records of their
     * own. The grade bands are checked together at the end. */
    if (strcmp(name, "preset") == 0)
        return tier__opt_choice(v, tier__sc_preset_names, SC_PRESET_COUNT, &tmp->preset, why);
    tmp->lower[name[6] - 'a'] = tier_value_number(v);
    return TIER_OK;
}

/* "factor", "factor.*", "penalty" or "veto". */
static int load_record(void *ctx, tier_state_reader *r, const char *key)
{
    sc_loading *L = ctx;
    int rc;
    if (L->nedges && strcmp(key, "factor.fractions") != 0)
        return tier_state_read_fail(r, "band edges without fractions");
    if (strcmp(key, "factor") == 0)
        rc = load_factor(&L->tmp, r);
    else if (strncmp(key, "factor.", 7) == 0)
        rc = load_factor_part(&L->tmp, r, key + 7, L->edges, &L->nedges);
    else if (strcmp(key, "penalty") == 0 || strcmp(key, "veto") == 0)
        rc = load_cond(&L->tmp, r, key[0] == 'v');
    else
        return 0;
    return rc < 0 ? rc : 1;
}

int tier__sc_load(void *state, tier_state_reader *r)
{
    sc_state *st = state;
    sc_loading L;
    sc_state *tmp = &L.tmp;
    char why[TIER__ERR_SIZE];
    size_t i;
    int rc;

    memset(&L, 0, sizeof L);
    tmp->h.alloc = st->h.alloc;
    memcpy(tmp->lower, default_lower, sizeof tmp->lower);
    rc = tier__opt_load(r, tier__sc_options, SC_N_OPTIONS, &st->h.alloc, load_option, load_record,
                        &L);
    if (rc == 0 && L.nedges)
        rc = tier_state_read_fail(r, "band edges without fractions");
    if (rc == 0 && tier__sc_check_grade_bands(tmp->lower, why) != TIER_OK)
        rc = tier_state_read_fail(r, why);
    for (i = 0; rc == 0 && i < tmp->nfactors; i++) {
        const sc_factor *f = &tmp->factors[i];
        if (f->norm == TIER_SCORECARD_NORM_PERCENTILE && f->has_stats && !f->below) {
            snprintf(why, sizeof why, "factor \"%s\" has stats but no reference and counts",
                     f->name);
            rc = tier_state_read_fail(r, why);
        }
    }
    if (rc == 0 && tier__sc_check_config(tmp, why) != TIER_OK)
        rc = tier_state_read_fail(r, why);
    if (rc) {
        if (rc == TIER_ENOMEM)
            tier__errorf(st->h.err, "out of memory loading a scorecard");
        tier__sc_clear(tmp);
        return rc;
    }
    tier__sc_take_card(st, tmp);
    memcpy(st->lower, tmp->lower, sizeof st->lower);
    st->preset = tmp->preset;
    st->h.err[0] = '\0';
    return TIER_OK;
}
