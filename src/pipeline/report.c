/* SPDX-License-Identifier: MIT */
/* What a run reports besides its rows: the summary, the fit report of a clv model (JSON) and the
 * warnings about fits; the number text they need, the same whatever the host's locale. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline_internal.h"

int tier__pipeline_appendf(tier_text *out, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TIER_EINVAL;
    return tier_text_append(out, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* printf output with the host's decimal point (whatever its length) written as '.'. */
static int append_tidy(tier_text *out, const char *s)
{
    char buf[400];
    size_t n = 0;
    while (*s && n < sizeof buf - 1) {
        if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || *s == '-' || *s == '+') {
            buf[n++] = *s++;
        } else {
            buf[n++] = '.';
            while (*s && !((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z')))
                s++;
        }
    }
    return tier_text_append(out, buf, n);
}

int tier__pipeline_append_fixed(tier_text *out, double v, int decimals)
{
    char buf[400];
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return append_tidy(out, buf);
}

int tier__pipeline_append_number(tier_text *out, double v)
{
    char buf[64];
    int prec;
    if (!isfinite(v))
        return tier_text_append(out, "null", 4);
    /* printf and strtod agree on the locale's decimal point; append_tidy writes '.'. */
    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return append_tidy(out, buf);
}

/* ---- the clv fit report -------------------------------------------------------------------- */

static int day_text(char *buf, size_t size, double day)
{
    if (!(day == day) || tier_date_format_iso(buf, size, (int32_t)day) != TIER_OK) {
        snprintf(buf, size, "?");
        return -1;
    }
    return 0;
}

/* "key":{"name":value,...} for the parameters or standard errors of one sub-model. */
static int json_values(tier_text *out, const char *key, const char *const *names, const double *v,
                       size_t n)
{
    size_t i;
    int rc = tier__pipeline_appendf(out, "\"%s\":{", key);
    for (i = 0; i < n && !rc; i++) {
        rc = tier__pipeline_appendf(out, "%s\"%s\":", i ? "," : "", names[i]);
        if (!rc)
            rc = tier__pipeline_append_number(out, v[i]);
    }
    return rc ? rc : tier_text_append(out, "}", 1);
}

static int json_stat(tier_text *out, const tier_model *m, int which, const char *key, int stat)
{
    double v = NAN;
    int rc;
    (void)tier_clv_fit_stat(m, which, stat, &v);
    rc = tier__pipeline_appendf(out, ",\"%s\":", key);
    return rc ? rc : tier__pipeline_append_number(out, v);
}

static int json_submodel(tier_text *out, const tier_model *m, int which, const char *const *names,
                         size_t n)
{
    double p[TIER_CLV_MAX_PARAMS], se[TIER_CLV_MAX_PARAMS], conv = 0;
    int rc;
    memset(p, 0, sizeof p);
    (void)tier_clv_params(m, which, p, TIER_CLV_MAX_PARAMS);
    rc = json_values(out, "params", names, p, n);
    if (!rc)
        rc = tier_text_append(out, ",", 1);
    if (!rc) {
        if (tier_clv_standard_errors(m, which, se, TIER_CLV_MAX_PARAMS) == TIER_OK)
            rc = json_values(out, "standard_errors", names, se, n);
        else
            rc = tier__pipeline_appendf(out, "\"standard_errors\":null");
    }
    if (!rc)
        rc = json_stat(out, m, which, "log_likelihood", TIER_CLV_STAT_LOG_LIKELIHOOD);
    if (!rc)
        rc = json_stat(out, m, which, "iterations", TIER_CLV_STAT_ITERATIONS);
    (void)tier_clv_fit_stat(m, which, TIER_CLV_STAT_CONVERGED, &conv);
    if (!rc)
        rc = tier__pipeline_appendf(out, ",\"converged\":%s", conv == 1.0 ? "true" : "false");
    if (!rc)
        rc = json_stat(out, m, which, "gradient_norm", TIER_CLV_STAT_GRADIENT);
    if (!rc)
        rc = json_stat(out, m, which, "distinct_rows", TIER_CLV_STAT_DISTINCT_ROWS);
    return rc;
}

int tier__pipeline_fit_report(const tier_model *m, tier_text *out)
{
    static const char *const bg[4] = {"r", "alpha", "a", "b"};
    static const char *const pn[4] = {"r", "alpha", "s", "beta"};
    static const char *const gg[3] = {"p", "q", "gamma"};
    double kind = TIER_CLV_BGNBD, unit = 7, cal = NAN;
    char day[16];
    int pnbd, rc;
    (void)tier_clv_get_option(m, TIER_CLV_OPT_PURCHASE_MODEL, &kind);
    (void)tier_clv_get_option(m, TIER_CLV_OPT_TIME_UNIT, &unit);
    (void)tier_clv_fit_stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CALIBRATION_END, &cal);
    pnbd = kind == TIER_CLV_PARETO_NBD;
    day_text(day, sizeof day, cal);
    rc = tier__pipeline_appendf(out, "{\"model\":\"%s\",\"time_unit\":\"%s\",\"calibration_end\":\"%s\"",
                                pnbd ? "pnbd" : "bgnbd", unit == 1 ? "day" : "week", day);
    if (!rc)
        rc = json_stat(out, m, TIER_CLV_PURCHASE, "customers", TIER_CLV_STAT_CUSTOMERS);
    if (!rc)
        rc = json_stat(out, m, TIER_CLV_PURCHASE, "customers_without_purchase",
                       TIER_CLV_STAT_NO_PURCHASE);
    if (!rc)
        rc = tier__pipeline_appendf(out, ",\"purchase_model\":{\"name\":\"%s\",",
                                    pnbd ? "Pareto/NBD" : "BG/NBD");
    if (!rc)
        rc = json_submodel(out, m, TIER_CLV_PURCHASE, pnbd ? pn : bg, 4);
    if (!rc)
        rc = tier__pipeline_appendf(out, "},\"spend_model\":{\"name\":\"Gamma-Gamma\",");
    if (!rc)
        rc = json_submodel(out, m, TIER_CLV_SPEND, gg, 3);
    if (!rc)
        rc = json_stat(out, m, TIER_CLV_SPEND, "customers", TIER_CLV_STAT_CUSTOMERS);
    if (!rc)
        rc = json_stat(out, m, TIER_CLV_SPEND, "excluded_zero_spend",
                       TIER_CLV_STAT_EXCLUDED_ZERO_SPEND);
    if (!rc)
        rc = tier__pipeline_appendf(out, ",\"excluded_reason\":\"mean repeat spend is 0 (log 0 in "
                                         "the Gamma-Gamma likelihood)\"}}\n");
    return rc;
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

static int summary_tiers(const tier__run *r, tier_text *out)
{
    const tier_result *res = r->result;
    size_t t, n = tier_book_customer_count(r->book), count;
    double revenue, total = 0;
    int32_t first, last, as_of;
    char day[16];
    int rc;
    as_of = r->has_as_of ? r->as_of
            : tier_book_day_range(r->book, &first, &last) == TIER_OK ? last + 1 : 0;
    day_text(day, sizeof day, as_of);
    rc = tier__pipeline_appendf(out, "%zu customers, %llu transactions, as of %s\n", n,
                                (unsigned long long)r->rows, day);
    for (t = 0; t < tier_result_tier_count(res); t++)
        if (tier_result_summary(res, t, NULL, &revenue) == TIER_OK)
            total += revenue;
    for (t = 0; t < tier_result_tier_count(res) && !rc; t++) {
        if (tier_result_summary(res, t, &count, &revenue) != TIER_OK)
            continue;
        rc = tier__pipeline_appendf(out, "  %s: %zu customers (", tier_result_tier_name(res, t),
                                    count);
        if (!rc)
            rc = tier__pipeline_append_fixed(out, n ? 100.0 * count / n : 0.0, 1);
        if (!rc)
            rc = tier__pipeline_appendf(out, "%%), revenue ");
        if (!rc)
            rc = tier__pipeline_append_fixed(out, revenue, 2);
        if (!rc)
            rc = tier__pipeline_appendf(out, " (");
        if (!rc)
            rc = tier__pipeline_append_fixed(out, total != 0 ? 100.0 * revenue / total : 0.0, 1);
        if (!rc)
            rc = tier__pipeline_appendf(out, "%%)\n");
    }
    return rc;
}

/* "2357 customers (946 with a purchase up to 1997-09-30), 6919 transactions" */
static int summary_scores(const tier__run *r, tier_text *out)
{
    size_t i;
    int rc = tier__pipeline_appendf(out, "%zu customers", tier_book_customer_count(r->book));
    for (i = 0; i < r->n_models && !rc; i++) {
        double customers = 0, cal = NAN;
        char day[16];
        if (!tier__pipeline_model_is(r->models[i], "clv"))
            continue;
        (void)tier_clv_fit_stat(r->models[i], TIER_CLV_PURCHASE, TIER_CLV_STAT_CUSTOMERS,
                                &customers);
        (void)tier_clv_fit_stat(r->models[i], TIER_CLV_PURCHASE, TIER_CLV_STAT_CALIBRATION_END,
                                &cal);
        day_text(day, sizeof day, cal);
        rc = tier__pipeline_appendf(out, " (");
        if (!rc)
            rc = tier__pipeline_append_fixed(out, customers, 0);
        if (!rc)
            rc = tier__pipeline_appendf(out, " with a purchase up to %s)", day);
    }
    return rc ? rc
              : tier__pipeline_appendf(out, ", %llu transactions\n", (unsigned long long)r->rows);
}

int tier_pipeline_summary(const tier_pipeline *p, tier_text *out)
{
    tier_text *tmp = NULL;
    int rc;
    if (!p || !out)
        return TIER_EINVAL;
    if (!p->has_run)
        return TIER_ESTATE;
    if (p->last.produce == TIER__PRODUCE_FIT)
        return TIER_OK;
    rc = tier_text_new(&tmp, &p->alloc);
    if (!rc)
        rc = p->last.produce == TIER__PRODUCE_TIERS ? summary_tiers(&p->last, tmp)
                                                    : summary_scores(&p->last, tmp);
    if (!rc)
        rc = tier_text_append(out, tier_text_data(tmp), tier_text_length(tmp));
    tier_text_free(tmp);
    return rc;
}
