/* SPDX-License-Identifier: MIT */
/* sbg model: options by name (the cohorts of the `survivors` option parsed and checked), and the
 * saved state (docs/sbg.md, docs/model-state-format.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/sbg/sbg_internal.h"
#include "util/buf.h"
#include "util/numtext.h"

/* ---- the survivors option ------------------------------------------------------------------- */

void tier__sbg_cohorts_free(const tier_allocator *a, sbg_cohorts *c)
{
    tier__free(a, c->len);
    tier__free(a, c->v);
    memset(c, 0, sizeof *c);
}

/* The numbers of one item ("1000 869 743": separated by blanks) into v (NULL: count only);
 * returns the count, or (size_t)-1 with err for a word that is not a number. */
static size_t parse_item(const char *item, size_t cohort, double *v, char *err)
{
    size_t n = 0;
    const char *p = item;
    for (;;) {
        const char *start;
        double x;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return n;
        start = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (tier__num_parse(start, (size_t)(p - start), &x, 0) != TIER_OK) {
            tier__errorf(err,
                         "cohort %lu: \"%.*s\" is not a number (survivor counts are numbers "
                         "separated by spaces, one cohort per item)",
                         (unsigned long)cohort + 1, (int)(p - start > 40 ? 40 : p - start), start);
            return (size_t)-1;
        }
        if (v)
            v[n] = x;
        n++;
    }
}

/* Parses and checks the cohorts of a list value into *out (replacing nothing: the caller owns
 * it). TIER_OK, TIER_EINVAL with err, or TIER_ENOMEM. */
static int parse_cohorts(const tier_allocator *a, const tier_value *v, sbg_cohorts *out, char *err)
{
    size_t c, n = tier_value_list_count(v), total = 0, k;
    int rc = TIER_OK;
    memset(out, 0, sizeof *out);
    for (c = 0; c < n; c++) {
        k = parse_item(tier_value_list_item(v, c), c, NULL, err);
        if (k == (size_t)-1)
            return TIER_EINVAL;
        if (k > TIER__SBG_MAX_PERIODS + 1) {
            tier__errorf(err, "cohort %lu: %lu counts; at most %lu periods", (unsigned long)c + 1,
                         (unsigned long)k, (unsigned long)TIER__SBG_MAX_PERIODS);
            return TIER_ERANGE;
        }
        total += k;
    }
    if (!n)
        return TIER_OK;
    out->len = tier__calloc(a, n, sizeof *out->len);
    out->v = tier__calloc(a, total ? total : 1, sizeof *out->v);
    if (!out->len || !out->v) {
        tier__sbg_cohorts_free(a, out);
        tier__errorf(err, "out of memory");
        return TIER_ENOMEM;
    }
    out->n = n;
    for (c = 0, total = 0; c < n && rc == TIER_OK; c++) {
        out->len[c] = parse_item(tier_value_list_item(v, c), c, out->v + total, err);
        rc = tier__sbg_check_survivors(out->v + total, out->len[c], c, err);
        total += out->len[c];
    }
    if (rc)
        tier__sbg_cohorts_free(a, out);
    return rc;
}

/* The cohorts as a list value: each cohort's counts in their shortest form, joined by ' '. */
static int cohorts_value(const tier_allocator *a, const sbg_cohorts *c, tier_value *out)
{
    tier__buf b;
    char num[TIER__NUM_SIZE];
    const char **items = NULL;
    size_t i, j, off = 0, *start = NULL;
    int rc;
    if (!c->n)
        return tier_value_set_list(out, NULL, 0);
    tier__buf_init(&b, a);
    items = tier__calloc(a, c->n, sizeof *items);
    start = tier__calloc(a, c->n, sizeof *start);
    for (i = 0; items && start && i < c->n; i++) {
        start[i] = tier__buf_len(&b);
        for (j = 0; j < c->len[i]; j++) {
            tier__num_format(num, c->v[off + j], TIER__NUM_SHORT_EXP);
            tier__buf_printf(&b, "%s%s", j ? " " : "", num);
        }
        tier__buf_putc(&b, '\0');
        off += c->len[i];
    }
    rc = !items || !start ? TIER_ENOMEM : tier__buf_status(&b);
    if (!rc) {
        for (i = 0; i < c->n; i++)
            items[i] = tier__buf_data(&b) + start[i];
        rc = tier_value_set_list(out, items, c->n);
    }
    tier__free(a, (void *)items);
    tier__free(a, start);
    tier__buf_free(&b);
    return rc;
}

/* ---- options -------------------------------------------------------------------------------- */

/* What the options set, as one value that a set or a load replaces whole. */
typedef struct sbg_config {
    double opt[SBG_OPT_COUNT];
    char *text[SBG_TEXT_COUNT];
    sbg_cohorts cohorts;
} sbg_config;

static int text_index(const char *name)
{
    static const char *const names[SBG_TEXT_COUNT] = {"renewals", "churned", "margin_column"};
    int k;
    for (k = 0; k < SBG_TEXT_COUNT; k++)
        if (strcmp(names[k], name) == 0)
            return k;
    return -1;
}

/* Checks option `name`'s value and stores it into c (a text copied, the cohorts parsed; what c
 * held there before is freed). TIER_OK or a status with err. */
static int config_set(const tier_allocator *a, sbg_config *c, const char *name, const tier_value *v,
                      char *err)
{
    int k, rc;
    if (strcmp(name, "survivors") == 0) {
        sbg_cohorts parsed;
        if ((rc = parse_cohorts(a, v, &parsed, err)) != TIER_OK)
            return rc;
        tier__sbg_cohorts_free(a, &c->cohorts);
        c->cohorts = parsed;
        return TIER_OK;
    }
    if ((k = text_index(name)) >= 0) {
        const char *t = tier_value_text(v);
        char *copy;
        if (k != SBG_TEXT_MARGIN_COLUMN && !t[0]) {
            tier__errorf(err, "must name a column (MODEL.OUTPUT) or an attribute (attr.NAME)");
            return TIER_EINVAL;
        }
        if (!(copy = tier__strdup(a, t))) {
            tier__errorf(err, "out of memory");
            return TIER_ENOMEM;
        }
        tier__free(a, c->text[k]);
        c->text[k] = copy;
        return TIER_OK;
    }
    k = tier__opt_rule_find(tier__sbg_opt_rules, SBG_OPT_COUNT, name);
    {
        const tier__opt_rule *r = &tier__sbg_opt_rules[k];
        double x = tier_value_number(v);
        if (!(r->nan_ok && isnan(x)) &&
            (!(x >= r->lo && x <= r->hi) || (r->whole && x != floor(x)) ||
             (k == SBG_OPT_DISCOUNT_RATE && !(x > 0.0)))) {
            tier__errorf(err, "%g is out of range: need %s%s%g, %g]%s", x,
                         r->whole ? "a whole number in " : "",
                         k == SBG_OPT_DISCOUNT_RATE ? "(" : "[", r->lo, r->hi,
                         r->nan_ok ? " or nan" : "");
            return TIER_ERANGE;
        }
        c->opt[k] = x;
    }
    return TIER_OK;
}

static void config_free(const tier_allocator *a, sbg_config *c)
{
    int k;
    for (k = 0; k < SBG_TEXT_COUNT; k++)
        tier__free(a, c->text[k]);
    tier__sbg_cohorts_free(a, &c->cohorts);
}

/* A config holding only what option `name` needs from st (the rest empty), so that a set copies
 * nothing it does not change. */
int tier__sbg_model_set_option(void *state, const char *name, const tier_value *value)
{
    sbg_state *st = state;
    sbg_config c;
    int k = text_index(name), rc;
    memset(&c, 0, sizeof c);
    memcpy(c.opt, st->opt, sizeof c.opt);
    rc = config_set(&st->h.alloc, &c, name, value, st->h.err);
    if (rc) {
        config_free(&st->h.alloc, &c);
        return rc;
    }
    if (strcmp(name, "survivors") == 0) {
        tier__sbg_cohorts_free(&st->h.alloc, &st->cohorts);
        st->cohorts = c.cohorts;
        st->fitted = 0; /* the option is flagged TIER_OPTION_FORGETS_FIT */
    } else if (k >= 0) {
        tier__free(&st->h.alloc, st->text[k]);
        st->text[k] = c.text[k];
    } else {
        memcpy(st->opt, c.opt, sizeof c.opt);
    }
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier__sbg_model_get_option(void *state, const char *name, tier_value *out)
{
    const sbg_state *st = state;
    int k = text_index(name);
    if (strcmp(name, "survivors") == 0)
        return cohorts_value(&st->h.alloc, &st->cohorts, out);
    if (k >= 0)
        return tier_value_set_text(out, st->text[k]);
    return tier_value_set_number(
        out, st->opt[tier__opt_rule_find(tier__sbg_opt_rules, SBG_OPT_COUNT, name)]);
}

/* ---- saved state ---------------------------------------------------------------------------- */

/* The fit's figures, by record key. */
enum {
    FIT_PARAMS,
    FIT_SE,
    FIT_LOGLIK,
    FIT_ITERATIONS,
    FIT_CONVERGED,
    FIT_GRADIENT,
    FIT_CUSTOMERS,
    FIT_CHURNED,
    FIT_PERIODS,
    FIT_EVALUATIONS,
    FIT_COUNT
};
static const char *const fit_keys[FIT_COUNT] = {
    "fit.params",   "fit.se",        "fit.loglik",  "fit.iterations", "fit.converged",
    "fit.gradient", "fit.customers", "fit.churned", "fit.periods",    "fit.evaluations"};

static void fit_values(const tier__sbg_fit *f, double *v)
{
    v[FIT_LOGLIK] = f->loglik;
    v[FIT_ITERATIONS] = f->iterations;
    v[FIT_CONVERGED] = f->converged;
    v[FIT_GRADIENT] = f->grad_norm;
    v[FIT_CUSTOMERS] = f->customers;
    v[FIT_CHURNED] = f->churned;
    v[FIT_PERIODS] = (double)f->periods;
    v[FIT_EVALUATIONS] = f->evaluations;
}

static int whole_in(double v, double lo, double hi)
{
    return v >= lo && v <= hi && v == floor(v);
}

/* Stores figure k into f; 0 when the value is not acceptable. */
static int set_fit_value(tier__sbg_fit *f, int k, double v)
{
    switch (k) {
    case FIT_LOGLIK:
        f->loglik = v;
        return isfinite(v) && v <= 0.0;
    case FIT_ITERATIONS:
        f->iterations = whole_in(v, 0, 1e9) ? (int)v : 0;
        return whole_in(v, 0, 1e9);
    case FIT_CONVERGED:
        f->converged = v == 1.0;
        return v == 0.0 || v == 1.0;
    case FIT_GRADIENT:
        f->grad_norm = v;
        return v >= 0.0;
    case FIT_CUSTOMERS:
        f->customers = v;
        return isfinite(v) && v > 0.0;
    case FIT_CHURNED:
        f->churned = v;
        return isfinite(v) && v >= 0.0;
    case FIT_PERIODS:
        f->periods = whole_in(v, 0, TIER__SBG_MAX_PERIODS) ? (size_t)v : 0;
        return whole_in(v, 0, TIER__SBG_MAX_PERIODS);
    default:
        f->evaluations = whole_in(v, 0, 1e9) ? (int)v : 0;
        return whole_in(v, 0, 1e9);
    }
}

int tier__sbg_model_save(void *state, tier_state_writer *w)
{
    sbg_state *st = state;
    const tier__sbg_fit *f = &st->fit;
    double v[FIT_COUNT], two[2];
    int rc, k;
    if (!st->fitted)
        return TIER_ESTATE;
    rc = tier__opt_save(w, tier__sbg_model_options, SBG_N_OPTIONS, st, tier__sbg_model_get_option,
                        &st->h.alloc);
    if (rc)
        return rc;
    two[0] = f->alpha;
    two[1] = f->beta;
    rc = tier__opt_write_numbers(w, fit_keys[FIT_PARAMS], two, 2);
    if (f->se_ok) {
        two[0] = f->se_alpha;
        two[1] = f->se_beta;
        rc = tier__opt_write_numbers(w, fit_keys[FIT_SE], two, 2);
    }
    fit_values(f, v);
    for (k = FIT_LOGLIK; k < FIT_COUNT; k++)
        rc = tier__opt_write_numbers(w, fit_keys[k], &v[k], 1);
    return rc;
}

/* What a load has read so far; the model takes it only once every record is read. */
typedef struct sbg_loading {
    const tier_allocator *alloc;
    sbg_config c;
    tier__sbg_fit f;
    unsigned seen; /* bit k: record fit_keys[k] */
} sbg_loading;

static int load_option(void *ctx, const char *name, const tier_value *v, char *why)
{
    sbg_loading *L = ctx;
    return config_set(L->alloc, &L->c, name, v, why);
}

static int load_record(void *ctx, tier_state_reader *r, const char *key)
{
    sbg_loading *L = ctx;
    double v[2];
    int k;
    for (k = 0; k < FIT_COUNT && strcmp(key, fit_keys[k]) != 0; k++)
        ;
    if (k == FIT_COUNT)
        return 0;
    if (L->seen & (1u << k))
        return tier_state_read_fail(r, "record given twice");
    L->seen |= 1u << k;
    if (k == FIT_PARAMS || k == FIT_SE) {
        if (tier_state_read_numbers(r, v, 2) != TIER_OK)
            return TIER_ECORRUPT;
        if (!isfinite(v[0]) || !isfinite(v[1]) || !(v[0] > 0.0) || !(v[1] > 0.0))
            return tier_state_read_fail(r, "alpha and beta (and their standard errors) must be "
                                           "positive finite numbers");
        if (k == FIT_PARAMS) {
            L->f.alpha = v[0];
            L->f.beta = v[1];
        } else {
            L->f.se_alpha = v[0];
            L->f.se_beta = v[1];
            L->f.se_ok = 1;
        }
        return 1;
    }
    if (tier_state_read_numbers(r, v, 1) != TIER_OK)
        return TIER_ECORRUPT;
    if (!set_fit_value(&L->f, k, v[0])) {
        char msg[80];
        snprintf(msg, sizeof msg, "bad value for %s", key);
        return tier_state_read_fail(r, msg);
    }
    return 1;
}

int tier__sbg_model_load(void *state, tier_state_reader *r)
{
    sbg_state *st = state;
    sbg_loading L;
    int rc = TIER_OK, k;
    memset(&L, 0, sizeof L);
    L.alloc = &st->h.alloc;
    tier__opt_rule_defaults(L.c.opt, tier__sbg_opt_rules, SBG_OPT_COUNT);
    for (k = 0; k < SBG_TEXT_COUNT && !rc; k++)
        if (!(L.c.text[k] = tier__strdup(&st->h.alloc, tier__sbg_text_defaults[k])))
            rc = TIER_ENOMEM;
    if (!rc)
        rc = tier__opt_load(r, tier__sbg_model_options, SBG_N_OPTIONS, &st->h.alloc, load_option,
                            load_record, &L);
    /* Everything but the standard errors must be there. */
    if (rc == TIER_OK && (L.seen | (1u << FIT_SE)) != (1u << FIT_COUNT) - 1u)
        rc = tier_state_read_fail(r, "the fit is incomplete (fit.params, fit.loglik, ... missing)");
    if (rc < 0) {
        config_free(&st->h.alloc, &L.c);
        return rc;
    }
    memcpy(st->opt, L.c.opt, sizeof st->opt);
    for (k = 0; k < SBG_TEXT_COUNT; k++) {
        tier__free(&st->h.alloc, st->text[k]);
        st->text[k] = L.c.text[k];
    }
    tier__sbg_cohorts_free(&st->h.alloc, &st->cohorts);
    st->cohorts = L.c.cohorts;
    st->fit = L.f;
    st->fitted = 1;
    st->h.err[0] = '\0';
    return TIER_OK;
}
