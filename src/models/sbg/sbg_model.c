/* SPDX-License-Identifier: MIT */
/* The built-in model kind "sbg": the shifted-beta-geometric retention model (models/sbg/sbg.h)
 * made through the public model vtable. It fits on cohorts' survivor counts given as the option
 * `survivors`, or, without them, on the customers of the book: each customer's renewals so far
 * and whether it left, read from a column of an earlier model or an attribute (options
 * `renewals` and `churned`). It scores every customer with renewals: the probability that it
 * renews at its next decision, its expected further renewals, DERL and contractual CLV. One
 * function computes a customer's figures for scoring, for one row and for explaining. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/book_internal.h"
#include "core/frame_internal.h"
#include "models/sbg/sbg_internal.h"

const tier__opt_rule tier__sbg_opt_rules[SBG_OPT_COUNT] = {{0, 0, 0, 0, 0, ""},
                                                           {0, 10, 0.1, 0, 0, "discount_rate"},
                                                           {0, 1e12, NAN, 0, 1, "margin"},
                                                           {0, 10000, 0, 1, 0, "periods"}};

const char *const tier__sbg_text_defaults[SBG_TEXT_COUNT] = {"attr.renewals", "attr.churned", ""};

const tier_model_option tier__sbg_model_options[SBG_N_OPTIONS] = {
    {"survivors", TIER_OPTION_LIST,
     "cohorts' survivor counts, one item per cohort, counts separated by spaces "
     "(\"1000 869 743\"); empty (default): fit on the book's renewals and churned",
     TIER_OPTION_FORGETS_FIT},
    {"renewals", TIER_OPTION_TEXT,
     "each customer's renewals so far: a column MODEL.OUTPUT or attr.NAME (default "
     "\"attr.renewals\")",
     0},
    {"churned", TIER_OPTION_TEXT,
     "for a fit on the book, 1 when the customer did not renew after those renewals: a column or "
     "attr.NAME (default \"attr.churned\")",
     0},
    {"discount_rate", TIER_OPTION_NUMBER,
     "discount rate per period for derl and clv, (0, 10] "
     "(default 0.1)",
     0},
    {"margin", TIER_OPTION_NUMBER,
     "recurring margin per period of every customer for clv, [0, 1e12] (default nan: none)", 0},
    {"margin_column", TIER_OPTION_TEXT,
     "each customer's recurring margin per period (a column or attr.NAME); \"\" (default): the "
     "margin option",
     0},
    {"periods", TIER_OPTION_NUMBER,
     "periods of the projection in the fit report, 0..10000 (default 0: as far as the data)", 0},
};

enum { OUT_RENEWALS, OUT_P_RENEW, OUT_RESIDUAL, OUT_DERL, OUT_CLV, OUT_COUNT };

static const tier_model_output tier__sbg_outputs[OUT_COUNT] = {
    {"renewals", TIER_VALUE_NUMBER},
    {"p_renew", TIER_VALUE_NUMBER},
    {"residual_lifetime", TIER_VALUE_NUMBER},
    {"derl", TIER_VALUE_NUMBER},
    {"clv", TIER_VALUE_NUMBER}};

static int tier__sbg_fit_cb(void *state, const tier_book *book, const tier_frame *inputs);
static int tier__sbg_score(void *state, const tier_book *book, tier_frame *frame);
static int tier__sbg_score_row(void *state, const tier_book *book, const tier_frame *frame,
                               size_t customer, double *numbers, const char **labels);
static int tier__sbg_explain(void *state, const tier_book *book, const tier_frame *frame,
                             size_t customer, tier_text *out);
static void tier__sbg_destroy(void *state);

static const tier_model_vtable sbg_vtable = {.version = TIER_MODEL_VTABLE_VERSION,
                                             .kind = "sbg",
                                             .fit = tier__sbg_fit_cb,
                                             .score = tier__sbg_score,
                                             .explain = tier__sbg_explain,
                                             .destroy = tier__sbg_destroy,
                                             .last_error = tier__model_last_error,
                                             .outputs = tier__sbg_outputs,
                                             .n_outputs = OUT_COUNT,
                                             .options = tier__sbg_model_options,
                                             .n_options = SBG_N_OPTIONS,
                                             .set_option = tier__sbg_model_set_option,
                                             .get_option = tier__sbg_model_get_option,
                                             .save = tier__sbg_model_save,
                                             .load = tier__sbg_model_load,
                                             .is_fitted = NULL,
                                             .score_row = tier__sbg_score_row,
                                             .fit_summary = tier__sbg_fit_summary,
                                             .fit_summaries = tier__sbg_fit_summaries};

/* ---- sources: a column of an earlier model or an attribute ---------------------------------- */

typedef struct sbg_src {
    const char *name; /* as the option gives it; NULL: unused */
    const char *attr; /* the attribute name of "attr.NAME", else NULL */
    const double *col;
} sbg_src;

/* Resolves option text `name` ("" = unused) against the book and the frame. */
static int src_resolve(const tier_book *book, const tier_frame *frame, const char *option,
                       const char *name, sbg_src *s, char *err)
{
    size_t col;
    memset(s, 0, sizeof *s);
    if (!name || !name[0])
        return TIER_OK;
    s->name = name;
    if (strncmp(name, "attr.", 5) == 0) {
        int type = tier__book_attr_type(book, name + 5);
        s->attr = name + 5;
        if (type == TIER_ATTR_TEXT) {
            tier__errorf(err, "%s: attribute \"%s\" holds text, not numbers", option, s->attr);
            return TIER_EINVAL;
        }
        if (type == 0 && tier_book_customer_count(book) > 0) {
            tier__errorf(err,
                         "%s: attribute \"%s\" is not in the book (set it, NaN for missing, on at "
                         "least one customer)",
                         option, s->attr);
            return TIER_ENOTFOUND;
        }
        return TIER_OK;
    }
    if (!frame || tier_frame_find(frame, name, &col) != TIER_OK) {
        tier__errorf(err,
                     "%s: column \"%s\" is not in the frame (list the model that makes it "
                     "before this one, or write attr.NAME for an attribute)",
                     option, name);
        return TIER_ENOTFOUND;
    }
    if (!(s->col = tier_frame_numbers(frame, col))) {
        tier__errorf(err, "%s: column \"%s\" is not a number column", option, name);
        return TIER_EINVAL;
    }
    return TIER_OK;
}

static double src_value(const sbg_src *s, const tier_book *book, size_t i)
{
    double v;
    if (s->col)
        return s->col[i];
    if (s->attr && tier_book_get_number(book, i, s->attr, &v) == TIER_OK)
        return v;
    return NAN;
}

/* The customer's id for a message ("?" when it has none). */
static const char *id_of(const tier_book *book, size_t i)
{
    const char *id = tier_book_customer_id(book, i, NULL);
    return id ? id : "?";
}

/* ---- one customer's figures ----------------------------------------------------------------- */

typedef struct sbg_sources {
    sbg_src renewals, churned, margin;
} sbg_sources;

/* The sources of scoring: renewals and the margin column must be there; `churned` is read when it
 * is there (a customer that left has nothing more to come), and is no error when it is not. */
static int sources_of(const sbg_state *st, const tier_book *book, const tier_frame *frame,
                      sbg_sources *s, char *err)
{
    char ignored[TIER__ERR_SIZE];
    int rc = src_resolve(book, frame, "renewals", st->text[SBG_TEXT_RENEWALS], &s->renewals, err);
    if (!rc)
        rc = src_resolve(book, frame, "margin_column", st->text[SBG_TEXT_MARGIN_COLUMN], &s->margin,
                         err);
    if (!rc && src_resolve(book, frame, "churned", st->text[SBG_TEXT_CHURNED], &s->churned,
                           ignored) != TIER_OK)
        memset(&s->churned, 0, sizeof s->churned);
    return rc;
}

/* Every output of customer i into v[OUT_COUNT] (NaN where missing). */
static int figures(const sbg_state *st, const tier_book *book, const sbg_sources *s, size_t i,
                   double *v, char *err)
{
    const double a = st->fit.alpha, b = st->fit.beta, d = st->opt[SBG_OPT_DISCOUNT_RATE];
    double n = src_value(&s->renewals, book, i), m;
    int k, rc;
    for (k = 0; k < OUT_COUNT; k++)
        v[k] = NAN;
    if (isnan(n))
        return TIER_OK; /* no contract: no figures */
    if (!(n >= 0.0) || !isfinite(n)) {
        tier__errorf(err,
                     "customer \"%s\": renewals (%s) is %g; need a number >= 0 (or NaN: no "
                     "contract)",
                     id_of(book, i), s->renewals.name, n);
        return TIER_EINVAL;
    }
    v[OUT_RENEWALS] = n;
    m = s->churned.name ? src_value(&s->churned, book, i) : NAN;
    if (!isnan(m) && m != 0.0) {
        /* it left: no renewal, nothing more to come */
        v[OUT_P_RENEW] = v[OUT_RESIDUAL] = v[OUT_DERL] = v[OUT_CLV] = 0.0;
        return TIER_OK;
    }
    v[OUT_P_RENEW] = tier__sbg_renewal_probability(a, b, n);
    v[OUT_RESIDUAL] = tier__sbg_residual_lifetime(a, b, n);
    rc = tier__sbg_derl(&v[OUT_DERL], a, b, n, d);
    if (rc) {
        tier__errorf(err,
                     "customer \"%s\": no DERL for %g renewals at discount rate %g (the 2F1 "
                     "series did not converge)",
                     id_of(book, i), n, d);
        return rc;
    }
    m = s->margin.name ? src_value(&s->margin, book, i) : st->opt[SBG_OPT_MARGIN];
    if (isinf(m)) {
        tier__errorf(err, "customer \"%s\": margin (%s) is infinite", id_of(book, i),
                     s->margin.name ? s->margin.name : "option");
        return TIER_EINVAL;
    }
    v[OUT_CLV] = v[OUT_DERL] * m; /* NaN margin: no clv */
    return TIER_OK;
}

/* ---- vtable --------------------------------------------------------------------------------- */

/* A source for a part's summary: an attribute that no customer of the part has is NaN for all
 * (another part may have it; the whole book's fit would find it there). */
static int src_resolve_part(const tier_book *book, const tier_frame *frame, const char *option,
                            const char *name, sbg_src *s, int part, char *err)
{
    int rc = src_resolve(book, frame, option, name, s, err);
    if (rc == TIER_ENOTFOUND && part && s->attr) {
        err[0] = '\0';
        return TIER_OK; /* src_value gives NaN for an attribute the book lacks */
    }
    return rc;
}

int tier__sbg_book_table(sbg_state *st, const tier_book *book, const tier_frame *inputs, int part,
                         tier__sbg_table *t)
{
    size_t n = tier_book_customer_count(book), i, bad = 0;
    sbg_src ren, churn;
    double *r = NULL, *c = NULL;
    char why[TIER__ERR_SIZE];
    int rc = src_resolve_part(book, inputs, "renewals", st->text[SBG_TEXT_RENEWALS], &ren, part,
                              st->h.err);
    if (!rc)
        rc = src_resolve_part(book, inputs, "churned", st->text[SBG_TEXT_CHURNED], &churn, part,
                              st->h.err);
    if (rc)
        return rc;
    r = tier__malloc(&st->h.alloc, (n ? n : 1) * sizeof *r);
    c = tier__malloc(&st->h.alloc, (n ? n : 1) * sizeof *c);
    if (!r || !c) {
        tier__errorf(st->h.err, "out of memory for the renewals of %lu customers",
                     (unsigned long)n);
        rc = TIER_ENOMEM;
        goto done;
    }
    for (i = 0; i < n; i++) {
        r[i] = src_value(&ren, book, i);
        c[i] = src_value(&churn, book, i);
    }
    why[0] = '\0';
    bad = n; /* set only when a customer's renewals are refused */
    rc = tier__sbg_table_customers(t, r, c, n, &st->h.alloc, &bad, why);
    if (rc == TIER_EINVAL && bad < n && !isnan(r[bad]))
        tier__errorf(st->h.err, "customer \"%s\": renewals (%s) is %g; need a whole number >= 0",
                     id_of(book, bad), ren.name, r[bad]);
    else if (rc)
        tier__errorf(st->h.err, "%s", why);
done:
    tier__free(&st->h.alloc, r);
    tier__free(&st->h.alloc, c);
    return rc;
}

/* Fits on the customers of the book: their renewals and whether they left. */
static int fit_on_book(sbg_state *st, const tier_book *book, const tier_frame *inputs,
                       tier__sbg_fit *f)
{
    tier__sbg_table t;
    int rc = tier__sbg_book_table(st, book, inputs, 0, &t);
    if (rc)
        return rc;
    rc = tier__sbg_fit_table(f, &t, st->h.err);
    tier__sbg_table_free(&t, &st->h.alloc);
    return rc;
}

int tier__sbg_fit_given(sbg_state *st, tier__sbg_fit *f)
{
    const double **v = tier__calloc(&st->h.alloc, st->cohorts.n, sizeof *v);
    size_t c, off = 0;
    int rc;
    if (!v) {
        tier__errorf(st->h.err, "out of memory");
        return TIER_ENOMEM;
    }
    for (c = 0; c < st->cohorts.n; c++) {
        v[c] = st->cohorts.v + off;
        off += st->cohorts.len[c];
    }
    rc = tier__sbg_fit_survivors(f, v, st->cohorts.len, st->cohorts.n, &st->h.alloc, st->h.err);
    tier__free(&st->h.alloc, (void *)v);
    return rc;
}

static int tier__sbg_fit_cb(void *state, const tier_book *book, const tier_frame *inputs)
{
    sbg_state *st = state;
    tier__sbg_fit f;
    int rc = st->cohorts.n ? tier__sbg_fit_given(st, &f) : fit_on_book(st, book, inputs, &f);
    if (rc)
        return rc;
    st->fit = f;
    st->fitted = 1;
    st->h.err[0] = '\0';
    return TIER_OK;
}

static int tier__sbg_score(void *state, const tier_book *book, tier_frame *frame)
{
    const sbg_state *st = state;
    char *err = tier__frame_error(frame);
    double *out[OUT_COUNT];
    size_t n = tier_book_customer_count(book), i, k;
    sbg_sources s;
    int rc;
    /* Scoring never writes the state: failures are described in the frame's error text. */
    if ((rc = sources_of(st, book, frame, &s, err)) != TIER_OK)
        return rc;
    for (k = 0; k < OUT_COUNT && rc == TIER_OK; k++)
        rc = tier_frame_add_numbers(frame, tier__sbg_outputs[k].name, &out[k]);
    for (i = 0; i < n && rc == TIER_OK; i++) {
        double v[OUT_COUNT];
        rc = figures(st, book, &s, i, v, err);
        for (k = 0; rc == TIER_OK && k < OUT_COUNT; k++)
            out[k][i] = v[k];
    }
    return rc; /* on failure model.c drops the columns added */
}

static int tier__sbg_score_row(void *state, const tier_book *book, const tier_frame *frame,
                               size_t customer, double *numbers, const char **labels)
{
    const sbg_state *st = state;
    char err[TIER__ERR_SIZE];
    sbg_sources s;
    int rc = sources_of(st, book, frame, &s, err);
    (void)labels;
    return rc ? rc : figures(st, book, &s, customer, numbers, err);
}

static int tier__sbg_explain(void *state, const tier_book *book, const tier_frame *frame,
                             size_t customer, tier_text *out)
{
    const sbg_state *st = state;
    const double a = st->fit.alpha, b = st->fit.beta;
    char buf[1024], err[TIER__ERR_SIZE];
    double v[OUT_COUNT];
    sbg_sources s;
    int n, rc = sources_of(st, book, frame, &s, err);
    if (rc == TIER_OK)
        rc = figures(st, book, &s, customer, v, err);
    if (rc)
        return rc;
    if (v[OUT_P_RENEW] == 0.0) {
        n = snprintf(buf, sizeof buf,
                     "sbg: %g renewals, then it did not renew (%s): every figure is 0",
                     v[OUT_RENEWALS], s.churned.name);
        return tier__model_append(out, buf, sizeof buf, n);
    }
    if (isnan(v[OUT_RENEWALS])) {
        n = snprintf(buf, sizeof buf,
                     "sbg (alpha %.4g, beta %.4g): no renewals (%s) for this customer, so no "
                     "contract figures (every output is NaN)",
                     a, b, s.renewals.name);
        return tier__model_append(out, buf, sizeof buf, n);
    }
    n = snprintf(buf, sizeof buf,
                 "sbg (alpha %.4g, beta %.4g): %g renewals so far (%s), so churn probability per "
                 "decision ~ Beta(alpha, beta + %g). Renews at its next decision with p = "
                 "(beta + n) / (alpha + beta + n) = %.4f. ",
                 a, b, v[OUT_RENEWALS], s.renewals.name, v[OUT_RENEWALS], v[OUT_P_RENEW]);
    if ((rc = tier__model_append(out, buf, sizeof buf, n)) != TIER_OK)
        return rc;
    if (isinf(v[OUT_RESIDUAL]))
        n = snprintf(buf, sizeof buf,
                     "Expected further renewals: infinite (alpha <= 1: the mean does not exist). ");
    else
        n = snprintf(buf, sizeof buf, "Expected further renewals (beta + n) / (alpha - 1) = %.4g. ",
                     v[OUT_RESIDUAL]);
    if ((rc = tier__model_append(out, buf, sizeof buf, n)) != TIER_OK)
        return rc;
    n = snprintf(buf, sizeof buf,
                 "DERL at %g per period (next renewal undiscounted) = %.4f periods; clv = DERL x "
                 "margin = %.2f.",
                 st->opt[SBG_OPT_DISCOUNT_RATE], v[OUT_DERL], v[OUT_CLV]);
    return tier__model_append(out, buf, sizeof buf, n);
}

static void tier__sbg_destroy(void *state)
{
    sbg_state *st = state;
    int k;
    if (!st)
        return;
    for (k = 0; k < SBG_TEXT_COUNT; k++)
        tier__free(&st->h.alloc, st->text[k]);
    tier__sbg_cohorts_free(&st->h.alloc, &st->cohorts);
    tier__model_state_free(st);
}

/* ---- making one ------------------------------------------------------------------------------ */

int tier__sbg_model_new(tier_model **out, const char *name, const tier_allocator *alloc)
{
    int k, rc, ok = 1;
    sbg_state *st = tier__model_state_new(out, &name, "sbg", alloc, sizeof(sbg_state), &rc);
    if (!st)
        return rc;
    tier__opt_rule_defaults(st->opt, tier__sbg_opt_rules, SBG_OPT_COUNT);
    for (k = 0; k < SBG_TEXT_COUNT; k++)
        if (!(st->text[k] = tier__strdup(&st->h.alloc, tier__sbg_text_defaults[k])))
            ok = 0;
    return tier__model_finish(out, &sbg_vtable, st, name, alloc, ok);
}

int tier__sbg_model_fit(const tier_model *model, const tier__sbg_fit **fit)
{
    const sbg_state *st = tier__model_state_if(model, &sbg_vtable);
    if (!st || !fit)
        return TIER_EINVAL;
    if (!st->fitted || !tier_model_is_fitted(model))
        return TIER_ESTATE;
    *fit = &st->fit;
    return TIER_OK;
}
