/* SPDX-License-Identifier: MIT */
/* `tier fit clv` (the fitted CLV parameters as JSON) and `tier clv` (per-customer P(alive),
 * expected purchases and spend, and discounted CLV as CSV or JSON through the library's writer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Entry points called from main.c. */

#define CLV_COLUMNS                                                \
    "customer_id,x=clv.x,t_x=clv.t_x,T=clv.T,p_alive=clv.p_alive," \
    "expected_purchases=clv.expected_purchases,expected_spend=clv.expected_spend,clv=clv.clv"

typedef struct clv_opts {
    cli_reader reader;
    int has_cal_end;
    int32_t cal_end;
    int kind;        /* TIER_CLV_BGNBD or TIER_CLV_PARETO_NBD */
    int unit;        /* days per time unit */
    double horizon;  /* NaN: the model's default */
    double discount; /* NaN: the model's default */
    double margin;   /* NaN: the model's default */
    const char *out;
    int format;
} clv_opts;

/* A whole or decimal number in [lo, hi]; -1 (message printed) otherwise. */
static int number_flag(const char *flag, const char *v, double lo, double hi, int whole,
                       double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= lo && d <= hi) || (whole && d != floor(d))) {
        cli_error("%s: \"%s\" is not a%s number in [%g, %g]", flag, v, whole ? " whole" : "", lo,
                  hi);
        return -1;
    }
    *out = d;
    return 0;
}

/* Parses the flags of both subcommands; `full` (tier clv) allows the scoring flags. */
static int parse(clv_opts *o, int argc, char **argv, int full)
{
    int i;
    memset(o, 0, sizeof *o);
    o->kind = TIER_CLV_BGNBD;
    o->unit = 7;
    o->horizon = o->discount = o->margin = NAN;
    o->format = TIER_OUTPUT_CSV;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int took = cli_reader_flag(&o->reader, argc, argv, &i);
        if (took < 0)
            return -1;
        if (took)
            continue;
        if (strcmp(a, "--calibration-end") != 0 && strcmp(a, "--model") != 0 &&
            strcmp(a, "--time-unit") != 0 &&
            !(full && (strcmp(a, "--horizon") == 0 || strcmp(a, "--out") == 0 ||
                       strcmp(a, "--format") == 0 || strcmp(a, "--discount-rate") == 0 ||
                       strcmp(a, "--profit-margin") == 0))) {
            cli_error("%s: unknown option \"%s\" (see tier help)", full ? "clv" : "fit clv", a);
            return -1;
        }
        if (i + 1 >= argc) {
            cli_error("%s needs a value", a);
            return -1;
        }
        v = argv[++i];
        if (strcmp(a, "--calibration-end") == 0) {
            if (tier_date_parse(&o->cal_end, v, strlen(v), TIER_DATE_AUTO) != TIER_OK) {
                cli_error("--calibration-end: \"%s\" is not a date (YYYY-MM-DD)", v);
                return -1;
            }
            o->has_cal_end = 1;
        } else if (strcmp(a, "--model") == 0) {
            if (strcmp(v, "bgnbd") == 0)
                o->kind = TIER_CLV_BGNBD;
            else if (strcmp(v, "pnbd") == 0)
                o->kind = TIER_CLV_PARETO_NBD;
            else {
                cli_error("--model must be bgnbd or pnbd, not \"%s\"", v);
                return -1;
            }
        } else if (strcmp(a, "--time-unit") == 0) {
            if (strcmp(v, "day") == 0)
                o->unit = 1;
            else if (strcmp(v, "week") == 0)
                o->unit = 7;
            else {
                cli_error("--time-unit must be day or week, not \"%s\"", v);
                return -1;
            }
        } else if (strcmp(a, "--horizon") == 0) {
            if (number_flag(a, v, 1, 10000, 1, &o->horizon) != 0)
                return -1;
        } else if (strcmp(a, "--discount-rate") == 0) {
            if (number_flag(a, v, 0, 10, 0, &o->discount) != 0)
                return -1;
        } else if (strcmp(a, "--profit-margin") == 0) {
            if (number_flag(a, v, 0, 1, 0, &o->margin) != 0)
                return -1;
        } else if (strcmp(a, "--out") == 0) {
            o->out = v;
        } else if (strcmp(v, "csv") == 0) {
            o->format = TIER_OUTPUT_CSV;
        } else if (strcmp(v, "json") == 0) {
            o->format = TIER_OUTPUT_JSON;
        } else {
            cli_error("--format must be csv or json, not \"%s\"", v);
            return -1;
        }
    }
    if (!o->has_cal_end) {
        cli_error("%s needs --calibration-end DATE", full ? "clv" : "fit clv");
        return -1;
    }
    if (full && isnan(o->horizon)) {
        cli_error("clv needs --horizon N (in time units)");
        return -1;
    }
    return cli_reader_check(&o->reader);
}

/* Makes the model from the flags and fits it on `book`; prints why and returns CLI_FAIL when
 * it cannot. A fit that did not converge is kept, with a warning. */
static int fit_model(const clv_opts *o, const tier_book *book, tier_model **out)
{
    tier_model *m = NULL;
    double conv[2] = {1, 1};
    int rc = tier_clv_new(&m, "clv", NULL);
    if (!rc)
        rc = tier_model_set_text(m, "purchase_model",
                                 o->kind == TIER_CLV_PARETO_NBD ? "pareto_nbd" : "bgnbd");
    if (!rc)
        rc = tier_model_set_number(m, "time_unit", o->unit);
    if (!rc)
        rc = tier_model_set_number(m, "calibration_end", o->cal_end);
    if (!rc && o->reader.has_as_of)
        rc = tier_model_set_number(m, "as_of", o->reader.as_of);
    if (!rc && !isnan(o->horizon))
        rc = tier_model_set_number(m, "horizon", o->horizon);
    if (!rc && !isnan(o->discount))
        rc = tier_model_set_number(m, "discount_rate", o->discount);
    if (!rc && !isnan(o->margin))
        rc = tier_model_set_number(m, "margin", o->margin);
    if (!rc)
        rc = tier_model_fit(m, book, NULL);
    if (rc) {
        cli_error("clv: %s", m ? tier_model_last_error(m) : tier_strerror(rc));
        tier_model_free(m);
        return CLI_FAIL;
    }
    (void)tier_clv_fit_stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CONVERGED, &conv[0]);
    (void)tier_clv_fit_stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_CONVERGED, &conv[1]);
    if (!conv[0] || !conv[1])
        cli_error("warning: the %s fit did not converge; its parameters are the best point found",
                  !conv[0] ? "purchase model" : "Gamma-Gamma");
    *out = m;
    return CLI_OK;
}

/* A JSON number in the shortest form that reads back exactly; null when not finite. */
static void json_number(double v)
{
    char buf[40];
    int prec;
    if (!isfinite(v)) {
        fputs("null", stdout);
        return;
    }
    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, stdout);
}

/* "key":{"name":value,...} for the parameters or standard errors of one sub-model. */
static void json_values(const char *key, const char *const *names, const double *v, size_t n)
{
    size_t i;
    fprintf(stdout, "\"%s\":{", key);
    for (i = 0; i < n; i++) {
        fprintf(stdout, "%s\"%s\":", i ? "," : "", names[i]);
        json_number(v[i]);
    }
    putchar('}');
}

static void json_submodel(const tier_model *m, int which, const char *const *names, size_t n)
{
    double p[TIER_CLV_MAX_PARAMS], se[TIER_CLV_MAX_PARAMS], v;
    (void)tier_clv_params(m, which, p, TIER_CLV_MAX_PARAMS);
    json_values("params", names, p, n);
    putchar(',');
    if (tier_clv_standard_errors(m, which, se, TIER_CLV_MAX_PARAMS) == TIER_OK)
        json_values("standard_errors", names, se, n);
    else
        fputs("\"standard_errors\":null", stdout);
    fputs(",\"log_likelihood\":", stdout);
    (void)tier_clv_fit_stat(m, which, TIER_CLV_STAT_LOG_LIKELIHOOD, &v);
    json_number(v);
    fputs(",\"iterations\":", stdout);
    (void)tier_clv_fit_stat(m, which, TIER_CLV_STAT_ITERATIONS, &v);
    json_number(v);
    (void)tier_clv_fit_stat(m, which, TIER_CLV_STAT_CONVERGED, &v);
    fprintf(stdout, ",\"converged\":%s,\"gradient_norm\":", v == 1.0 ? "true" : "false");
    (void)tier_clv_fit_stat(m, which, TIER_CLV_STAT_GRADIENT, &v);
    json_number(v);
    fputs(",\"distinct_rows\":", stdout);
    (void)tier_clv_fit_stat(m, which, TIER_CLV_STAT_DISTINCT_ROWS, &v);
    json_number(v);
}

static void print_fit_json(const clv_opts *o, const tier_model *m)
{
    static const char *const bg[4] = {"r", "alpha", "a", "b"};
    static const char *const pn[4] = {"r", "alpha", "s", "beta"};
    static const char *const gg[3] = {"p", "q", "gamma"};
    double customers = 0, none = 0, spend_customers = 0, excluded = 0;
    char day[11];
    cli_format_day(day, o->cal_end);
    (void)tier_clv_fit_stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CUSTOMERS, &customers);
    (void)tier_clv_fit_stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_NO_PURCHASE, &none);
    (void)tier_clv_fit_stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_CUSTOMERS, &spend_customers);
    (void)tier_clv_fit_stat(m, TIER_CLV_SPEND, TIER_CLV_STAT_EXCLUDED_ZERO_SPEND, &excluded);
    fprintf(stdout, "{\"model\":\"%s\",\"time_unit\":\"%s\",\"calibration_end\":\"%s\",\"customers\":",
           o->kind == TIER_CLV_PARETO_NBD ? "pnbd" : "bgnbd", o->unit == 1 ? "day" : "week", day);
    json_number(customers);
    fputs(",\"customers_without_purchase\":", stdout);
    json_number(none);
    fprintf(stdout, ",\"purchase_model\":{\"name\":\"%s\",",
           o->kind == TIER_CLV_PARETO_NBD ? "Pareto/NBD" : "BG/NBD");
    json_submodel(m, TIER_CLV_PURCHASE, o->kind == TIER_CLV_PARETO_NBD ? pn : bg, 4);
    fputs("},\"spend_model\":{\"name\":\"Gamma-Gamma\",", stdout);
    json_submodel(m, TIER_CLV_SPEND, gg, 3);
    fputs(",\"customers\":", stdout);
    json_number(spend_customers);
    fputs(",\"excluded_zero_spend\":", stdout);
    json_number(excluded);
    fputs(",\"excluded_reason\":\"mean repeat spend is 0 (log 0 in the Gamma-Gamma "
          "likelihood)\"}}\n",
          stdout);
}

int cli_fit_clv(int argc, char **argv)
{
    clv_opts o;
    tier_book *book = NULL;
    tier_model *m = NULL;
    uint64_t rows = 0;
    int status = CLI_FAIL;
    if (parse(&o, argc, argv, 0) != 0)
        return CLI_USAGE;
    if (cli_load_book(&o.reader, 1, &book, &rows) != CLI_OK)
        return CLI_FAIL;
    if (fit_model(&o, book, &m) == CLI_OK) {
        print_fit_json(&o, m);
        status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
        if (status != CLI_OK)
            cli_error("cannot write the output");
    }
    tier_model_free(m);
    tier_book_free(book);
    return status;
}

static int write_stdout(void *ud, const char *data, size_t len)
{
    (void)ud;
    return fwrite(data, 1, len, stdout) == len ? 0 : 1;
}

/* One tier holding everyone: the run only needs the model's columns. */
static int everyone_policy(tier_policy **out)
{
    size_t t;
    int rc = tier_policy_new(out, NULL);
    if (!rc)
        rc = tier_policy_add_tier(*out, "all", &t);
    if (!rc)
        rc = tier_policy_add_rule(*out, t, "all", NULL);
    return rc;
}

int cli_clv(int argc, char **argv)
{
    clv_opts o;
    tier_book *book = NULL;
    tier_model *m = NULL;
    tier_policy *policy = NULL;
    tier_result *result = NULL;
    uint64_t rows = 0;
    int rc, status = CLI_FAIL;
    if (parse(&o, argc, argv, 1) != 0)
        return CLI_USAGE;
    if (cli_load_book(&o.reader, 1, &book, &rows) != CLI_OK)
        return CLI_FAIL;
    if (fit_model(&o, book, &m) != CLI_OK)
        goto done;
    rc = everyone_policy(&policy);
    if (!rc)
        rc = tier_result_new(&result, NULL);
    if (rc) {
        cli_error("out of memory");
        goto done;
    }
    if (tier_result_run(result, book, &m, 1, policy) != TIER_OK) {
        cli_error("clv: %s", tier_result_last_error(result));
        goto done;
    }
    if (o.out)
        rc = tier_result_save(result, book, CLV_COLUMNS, o.format, o.out, NULL);
    else
        rc = tier_result_write(result, book, CLV_COLUMNS, o.format, write_stdout, NULL);
    if (rc || (!o.out && fflush(stdout) != 0)) {
        cli_error("cannot write %s: %s", o.out ? o.out : "the output",
                  rc ? tier_result_last_error(result) : "write error");
        goto done;
    }
    if (!o.reader.quiet) {
        double customers = 0;
        char day[11];
        (void)tier_clv_fit_stat(m, TIER_CLV_PURCHASE, TIER_CLV_STAT_CUSTOMERS, &customers);
        cli_format_day(day, o.cal_end);
        fprintf(stderr, "tier: %zu customers (%.0f with a purchase up to %s), %llu transactions\n",
                tier_book_customer_count(book), customers, day, (unsigned long long)rows);
    }
    status = CLI_OK;
done:
    tier_result_free(result);
    tier_policy_free(policy);
    tier_model_free(m);
    tier_book_free(book);
    return status;
}
