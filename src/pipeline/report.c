/* SPDX-License-Identifier: MIT */
/* What a run reports besides its rows: the summary, the fit report of a clv, sbg or subscription
 * model (JSON) and the
 * warnings about fits. Numbers are written the same whatever the host's locale (util/numtext). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/sbg/sbg.h"
#include "pipeline/pipeline_internal.h"
#include "util/numtext.h"

static void put_number(tier__buf *b, double v)
{
    if (isfinite(v))
        tier__buf_number(b, v, 0);
    else
        tier__buf_puts(b, "null");
}

/* printf's %.Nf rounding, '.' whatever the locale. */
static void put_fixed(tier__buf *b, double v, int decimals)
{
    tier__buf_fixed(b, v, decimals, "nan");
}

double tier__pipeline_percent(double part, double whole)
{
    double v = whole != 0 ? 100.0 * part / whole : 0.0;
    return v == 0 ? 0.0 : v;
}

/* ---- the clv fit report -------------------------------------------------------------------- */

static void day_text(char *buf, size_t size, double day)
{
    if (!(day == day) || tier_date_format_iso(buf, size, (int32_t)day) != TIER_OK)
        snprintf(buf, size, "?");
}

/* "key":{"name":value,...} for the parameters or standard errors of one sub-model. */
static void json_values(tier__buf *b, const char *key, const char *const *names, const double *v,
                        size_t n)
{
    size_t i;
    tier__buf_printf(b, "\"%s\":{", key);
    for (i = 0; i < n; i++) {
        tier__buf_printf(b, "%s\"%s\":", i ? "," : "", names[i]);
        put_number(b, v[i]);
    }
    tier__buf_putc(b, '}');
}

static void json_stat(tier__buf *b, const tier_model *m, int which, const char *key, int stat)
{
    double v = NAN;
    (void)tier_clv_fit_stat(m, which, stat, &v);
    tier__buf_printf(b, ",\"%s\":", key);
    put_number(b, v);
}

static void json_submodel(tier__buf *b, const tier_model *m, int which, const char *const *names,
                          size_t n)
{
    double p[TIER_CLV_MAX_PARAMS], se[TIER_CLV_MAX_PARAMS], conv = 0;
    memset(p, 0, sizeof p);
    (void)tier_clv_params(m, which, p, TIER_CLV_MAX_PARAMS);
    json_values(b, "params", names, p, n);
    tier__buf_putc(b, ',');
    if (tier_clv_standard_errors(m, which, se, TIER_CLV_MAX_PARAMS) == TIER_OK)
        json_values(b, "standard_errors", names, se, n);
    else
        tier__buf_puts(b, "\"standard_errors\":null");
    json_stat(b, m, which, "log_likelihood", TIER_CLV_STAT_LOG_LIKELIHOOD);
    json_stat(b, m, which, "iterations", TIER_CLV_STAT_ITERATIONS);
    (void)tier_clv_fit_stat(m, which, TIER_CLV_STAT_CONVERGED, &conv);
    tier__buf_printf(b, ",\"converged\":%s", conv == 1.0 ? "true" : "false");
    json_stat(b, m, which, "gradient_norm", TIER_CLV_STAT_GRADIENT);
    json_stat(b, m, which, "distinct_rows", TIER_CLV_STAT_DISTINCT_ROWS);
}

/* ---- the sbg fit report -------------------------------------------------------------------- */

/* {"model":"sbg", the fit, and for renewals t = 0..N the projected survivors per 1,000 at the
 * start of period t + 1 and the retention rate r(t) (null for t = 0)}; docs/sbg.md. */
static int sbg_report(const tier_model *m, tier__buf *b)
{
    const tier__sbg_fit *f;
    tier_value *cohorts = NULL;
    double periods = 0, rate = 0.1, margin = NAN, derl = NAN, s = 1.0;
    size_t t, n;
    int rc = tier__sbg_model_fit(m, &f);
    if (rc)
        return rc;
    if ((rc = tier_value_new(&cohorts, b->alloc)) != TIER_OK)
        return rc;
    rc = tier_model_get_value(m, "survivors", cohorts);
    (void)tier_model_get_number(m, "periods", &periods);
    (void)tier_model_get_number(m, "discount_rate", &rate);
    (void)tier_model_get_number(m, "margin", &margin);
    tier__buf_printf(b, "{\"model\":\"sbg\",\"cohorts\":%zu,\"customers\":",
                     rc == TIER_OK ? tier_value_list_count(cohorts) : (size_t)0);
    tier_value_free(cohorts);
    if (rc == TIER_ENOMEM)
        return rc;
    put_number(b, f->customers);
    tier__buf_puts(b, ",\"churned\":");
    put_number(b, f->churned);
    tier__buf_printf(b, ",\"data_periods\":%zu,\"alpha\":", f->periods);
    put_number(b, f->alpha);
    tier__buf_puts(b, ",\"beta\":");
    put_number(b, f->beta);
    if (f->se_ok) {
        tier__buf_puts(b, ",\"standard_errors\":{\"alpha\":");
        put_number(b, f->se_alpha);
        tier__buf_puts(b, ",\"beta\":");
        put_number(b, f->se_beta);
        tier__buf_putc(b, '}');
    } else {
        tier__buf_puts(b, ",\"standard_errors\":null");
    }
    tier__buf_puts(b, ",\"log_likelihood\":");
    put_number(b, f->loglik);
    tier__buf_printf(b, ",\"converged\":%s,\"iterations\":%d,\"gradient_norm\":",
                     f->converged ? "true" : "false", f->iterations);
    put_number(b, f->grad_norm);
    if (tier__sbg_derl(&derl, f->alpha, f->beta, 0.0, rate) != TIER_OK)
        derl = NAN;
    tier__buf_puts(b, ",\"discount_rate\":");
    put_number(b, rate);
    tier__buf_puts(b, ",\"derl\":");
    put_number(b, derl);
    if (!isnan(margin)) {
        tier__buf_puts(b, ",\"margin\":");
        put_number(b, margin);
        tier__buf_puts(b, ",\"clv\":");
        put_number(b, derl * margin);
    }
    n = periods > 0 ? (size_t)periods : f->periods;
    tier__buf_puts(b, ",\"projection\":[");
    for (t = 0; t <= n; t++) {
        double r = t ? tier__sbg_retention(f->alpha, f->beta, (double)t) : NAN;
        if (t)
            s *= r;
        tier__buf_printf(b, "%s{\"renewals\":%zu,\"survivors\":", t ? "," : "", t);
        put_fixed(b, 1000.0 * s, 2);
        tier__buf_puts(b, ",\"retention\":");
        if (t)
            put_fixed(b, r, 4);
        else
            tier__buf_puts(b, "null");
        tier__buf_putc(b, '}');
    }
    tier__buf_puts(b, "]}\n");
    return tier__buf_status(b);
}

/* ---- the subscription fit report (docs/subscriptions.md) ------------------------------------ */

static int subscription_report(const tier_model *m, tier__buf *b)
{
    static const struct {
        const char *key;
        int stat;
    } figures[] = {{"customers", TIER_SUBSCRIPTION_STAT_CUSTOMERS},
                   {"active", TIER_SUBSCRIPTION_STAT_ACTIVE},
                   {"mrr", TIER_SUBSCRIPTION_STAT_MRR},
                   {"arr", TIER_SUBSCRIPTION_STAT_ARR},
                   {"starting_customers", TIER_SUBSCRIPTION_STAT_STARTING},
                   {"starting_mrr", TIER_SUBSCRIPTION_STAT_STARTING_MRR},
                   {"churned_customers", TIER_SUBSCRIPTION_STAT_CHURNED},
                   {"churned_mrr", TIER_SUBSCRIPTION_STAT_CHURNED_MRR},
                   {"contraction_mrr", TIER_SUBSCRIPTION_STAT_CONTRACTION},
                   {"expansion_mrr", TIER_SUBSCRIPTION_STAT_EXPANSION},
                   {"new_mrr", TIER_SUBSCRIPTION_STAT_NEW_MRR},
                   {"grr", TIER_SUBSCRIPTION_STAT_GRR},
                   {"nrr", TIER_SUBSCRIPTION_STAT_NRR},
                   {"logo_churn", TIER_SUBSCRIPTION_STAT_LOGO_CHURN},
                   {"renewals", TIER_SUBSCRIPTION_STAT_RENEWALS}};
    tier_text *cohort = NULL;
    double d = NAN, w = NAN, v;
    char day[16], wday[16];
    size_t i;
    int rc;
    if (tier_text_new(&cohort, b->alloc) != TIER_OK)
        return TIER_ENOMEM;
    rc = tier_model_get_option(m, "cohort", cohort);
    (void)tier_subscription_fit_stat(m, TIER_SUBSCRIPTION_STAT_AS_OF, &d);
    (void)tier_subscription_fit_stat(m, TIER_SUBSCRIPTION_STAT_WINDOW_START, &w);
    day_text(day, sizeof day, d);
    day_text(wday, sizeof wday, w);
    tier__buf_printf(b,
                     "{\"model\":\"subscription\",\"as_of\":\"%s\",\"window_start\":\"%s\","
                     "\"cohort\":\"%s\"",
                     day, wday, rc == TIER_OK ? tier_text_data(cohort) : "");
    tier_text_free(cohort);
    if (rc == TIER_ENOMEM)
        return rc;
    for (i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        v = NAN;
        (void)tier_subscription_fit_stat(m, figures[i].stat, &v);
        tier__buf_printf(b, ",\"%s\":", figures[i].key);
        put_number(b, v);
    }
    tier__buf_puts(b, "}\n");
    return tier__buf_status(b);
}

int tier__pipeline_fit_report(const tier_model *m, tier__buf *b)
{
    static const char *const bg[4] = {"r", "alpha", "a", "b"};
    static const char *const pn[4] = {"r", "alpha", "s", "beta"};
    static const char *const gg[3] = {"p", "q", "gamma"};
    double unit = 7, cal = NAN;
    tier_text *kind = NULL;
    char day[16];
    int pnbd, rc;
    if (tier__pipeline_model_is(m, "sbg"))
        return sbg_report(m, b);
    if (tier__pipeline_model_is(m, "subscription"))
        return subscription_report(m, b);
    if (tier_text_new(&kind, b->alloc) != TIER_OK)
        return TIER_ENOMEM;
    rc = tier_model_get_option(m, "purchase_model", kind);
    pnbd = rc == TIER_OK && strcmp(tier_text_data(kind), "pareto_nbd") == 0;
    tier_text_free(kind);
    if (rc == TIER_ENOMEM)
        return rc;
    (void)tier_model_get_number(m, "time_unit", &unit);
    (void)tier_clv_fit_stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CALIBRATION_END, &cal);
    day_text(day, sizeof day, cal);
    tier__buf_printf(b, "{\"model\":\"%s\",\"time_unit\":\"%s\",\"calibration_end\":\"%s\"",
                     pnbd ? "pnbd" : "bgnbd", unit == 1 ? "day" : "week", day);
    json_stat(b, m, TIER_CLV_PURCHASE, "customers", TIER_CLV_STAT_CUSTOMERS);
    json_stat(b, m, TIER_CLV_PURCHASE, "customers_without_purchase", TIER_CLV_STAT_NO_PURCHASE);
    tier__buf_printf(b, ",\"purchase_model\":{\"name\":\"%s\",", pnbd ? "Pareto/NBD" : "BG/NBD");
    json_submodel(b, m, TIER_CLV_PURCHASE, pnbd ? pn : bg, 4);
    tier__buf_puts(b, "},\"spend_model\":{\"name\":\"Gamma-Gamma\",");
    json_submodel(b, m, TIER_CLV_SPEND, gg, 3);
    json_stat(b, m, TIER_CLV_SPEND, "customers", TIER_CLV_STAT_CUSTOMERS);
    json_stat(b, m, TIER_CLV_SPEND, "excluded_zero_spend", TIER_CLV_STAT_EXCLUDED_ZERO_SPEND);
    tier__buf_puts(b, ",\"excluded_reason\":\"mean repeat spend is 0 (log 0 in the Gamma-Gamma "
                      "likelihood)\"}}\n");
    return tier__buf_status(b);
}

int tier__pipeline_fit_warnings(const tier_allocator *a, const tier_model *m, tier__run *r)
{
    double conv[2] = {1, 1};
    char text[200];
    if (!tier__pipeline_model_is(m, "clv"))
        return TIER_OK;
    (void)tier_clv_fit_stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CONVERGED, &conv[0]);
    (void)tier_clv_fit_stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_CONVERGED, &conv[1]);
    if (conv[0] && conv[1])
        return TIER_OK;
    snprintf(text, sizeof text,
             "the %s fit did not converge; its parameters are the best point found",
             !conv[0] ? "purchase model" : "Gamma-Gamma");
    return tier__run_warn(a, r, text);
}

/* ---- the summary --------------------------------------------------------------------------- */

static void summary_tiers(const tier__run *r, tier__buf *b)
{
    const tier_result *res = r->result;
    size_t t, n = tier_book_customer_count(r->book), count;
    double revenue, total = 0;
    int32_t first, last, as_of;
    char day[16];
    as_of = r->has_as_of                                             ? r->as_of
            : tier_book_day_range(r->book, &first, &last) == TIER_OK ? last + 1
                                                                     : 0;
    day_text(day, sizeof day, as_of);
    tier__buf_printf(b, "%zu customers, %llu transactions, as of %s\n", n,
                     (unsigned long long)r->rows, day);
    for (t = 0; t < tier_result_tier_count(res); t++)
        if (tier_result_summary(res, t, NULL, &revenue) == TIER_OK)
            total += revenue;
    for (t = 0; t < tier_result_tier_count(res); t++) {
        if (tier_result_summary(res, t, &count, &revenue) != TIER_OK)
            continue;
        tier__buf_printf(b, "  %s: %zu customers (", tier_result_tier_name(res, t), count);
        put_fixed(b, tier__pipeline_percent((double)count, (double)n), 1);
        tier__buf_puts(b, "%), revenue ");
        put_fixed(b, revenue, 2);
        tier__buf_puts(b, " (");
        put_fixed(b, tier__pipeline_percent(revenue, total), 1);
        tier__buf_puts(b, "%)\n");
    }
    if (r->history)
        tier__buf_printf(b, "  state: run %llu, %zu %s, %zu %s\n",
                         (unsigned long long)tier_history_runs(r->history), r->n_moves,
                         r->n_moves == 1 ? "move" : "moves",
                         tier_history_override_count(r->history),
                         tier_history_override_count(r->history) == 1 ? "override" : "overrides");
}

/* "2357 customers (2357 with a purchase up to 1997-09-30), 6919 transactions" */
static void summary_scores(const tier__run *r, tier__buf *b)
{
    size_t i;
    tier__buf_printf(b, "%zu customers", tier_book_customer_count(r->book));
    for (i = 0; i < r->n_models; i++) {
        double customers = 0, cal = NAN;
        char day[16];
        if (!tier__pipeline_model_is(r->models[i], "clv"))
            continue;
        (void)tier_clv_fit_stat(r->models[i], TIER_CLV_PURCHASE, TIER_CLV_STAT_CUSTOMERS,
                                &customers);
        (void)tier_clv_fit_stat(r->models[i], TIER_CLV_PURCHASE, TIER_CLV_STAT_CALIBRATION_END,
                                &cal);
        day_text(day, sizeof day, cal);
        tier__buf_puts(b, " (");
        put_fixed(b, customers, 0);
        tier__buf_printf(b, " with a purchase up to %s)", day);
    }
    tier__buf_printf(b, ", %llu transactions\n", (unsigned long long)r->rows);
}

int tier_pipeline_summary(const tier_pipeline *p, tier_text *out)
{
    tier__buf b;
    int rc;
    /* A failure says why on the pipeline, a handle no other thread may use meanwhile. */
    if (!p)
        return TIER_EINVAL;
    if (!out)
        return tier__pipeline_fail((tier_pipeline *)p, TIER_EINVAL, "summary: the text is NULL");
    if (!p->has_run)
        return tier__pipeline_fail((tier_pipeline *)p, TIER_ESTATE,
                                   "summary: the pipeline has not run yet");
    /* A fit report, an explanation and the list of policies are their own summary. */
    if (p->last.produce == TIER__PRODUCE_FIT || p->last.produce == TIER__PRODUCE_EXPLAIN ||
        p->last.produce == TIER__PRODUCE_POLICIES)
        return TIER_OK;
    tier__buf_init(&b, &p->alloc);
    if (TIER__PRODUCE_IS_OVERRIDE(p->last.produce) && p->last.note)
        tier__buf_printf(&b, "%s\n", p->last.note);
    else if (p->last.produce == TIER__PRODUCE_LINT)
        tier__buf_printf(&b, "%s: %zu %s, %zu %s\n", p->last.lint_origin, p->last.lint_errors,
                         p->last.lint_errors == 1 ? "error" : "errors", p->last.lint_warnings,
                         p->last.lint_warnings == 1 ? "warning" : "warnings");
    else if (p->last.produce == TIER__PRODUCE_TIERS || p->last.produce == TIER__PRODUCE_REPORT)
        summary_tiers(&p->last, &b);
    else if (p->last.produce == TIER__PRODUCE_DIFF)
        tier__pipeline_diff_summary(&p->last, &b);
    else
        summary_scores(&p->last, &b);
    rc = tier__buf_status(&b);
    if (!rc)
        rc = tier_text_append(out, tier__buf_data(&b), tier__buf_len(&b));
    tier__buf_free(&b);
    return rc;
}
