/* SPDX-License-Identifier: MIT */
/* clv model: options by name and the saved state (docs/clv.md, docs/model-state-format.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/clv/clv_internal.h"
#include "models/options.h"

/* ---- options and saved state (docs/clv.md, docs/model-state-format.md) --------------------- */

static const char *const kind_names[2] = {"bgnbd", "pareto_nbd"};

/* Index (1..9) of option `name`. */
static int option_index(const char *name)
{
    return tier__opt_rule_find(tier__clv_opt_rules, CLV_OPT_COUNT, name);
}

/* Checks option `name`'s value and stores it into opt[]; TIER_OK or a status with `err`. */
static int config_set(double *opt, const char *name, const tier_value *v, char *err)
{
    int k = option_index(name), choice, rc;
    if (k == CLV_OPT_PURCHASE_MODEL) {
        if ((rc = tier__opt_choice(v, kind_names, 2, &choice, err)) != TIER_OK)
            return rc;
        opt[k] = choice == 1 ? TIER_CLV_PARETO_NBD : TIER_CLV_BGNBD;
        return TIER_OK;
    }
    if ((rc = tier__clv_check_option(err, k, tier_value_number(v))) != TIER_OK)
        return rc;
    opt[k] = tier_value_number(v);
    return TIER_OK;
}

int tier__clv_model_set_option(void *state, const char *name, const tier_value *value)
{
    clv_state *st = state;
    double opt[CLV_OPT_COUNT];
    int rc;
    memcpy(opt, st->opt, sizeof opt);
    if ((rc = config_set(opt, name, value, st->h.err)) != TIER_OK)
        return rc;
    /* The parameters belong to one purchase model and one time unit. */
    if (opt[CLV_OPT_PURCHASE_MODEL] != st->opt[CLV_OPT_PURCHASE_MODEL] ||
        opt[CLV_OPT_TIME_UNIT] != st->opt[CLV_OPT_TIME_UNIT])
        st->fitted = 0;
    memcpy(st->opt, opt, sizeof opt);
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier__clv_model_get_option(void *state, const char *name, tier_value *out)
{
    const clv_state *st = state;
    int k = option_index(name);
    if (k == CLV_OPT_PURCHASE_MODEL)
        return tier_value_set_text(out, kind_names[st->opt[k] == TIER_CLV_PARETO_NBD ? 1 : 0]);
    return tier_value_set_number(out, st->opt[k]);
}

static const char *const sub_names[2] = {"purchase", "spend"};

/* The figures of one fitted sub-model, by record key suffix. */
enum {
    STAT_LOGLIK,
    STAT_ITERATIONS,
    STAT_CONVERGED,
    STAT_CUSTOMERS,
    STAT_EXCLUDED,
    STAT_GRADIENT,
    STAT_EVALUATIONS,
    STAT_DISTINCT,
    STAT_STARTS,
    STAT_COUNT
};
static const char *const stat_keys[STAT_COUNT] = {"loglik",      "iterations",    "converged",
                                                  "customers",   "excluded",      "gradient",
                                                  "evaluations", "distinct_rows", "starts"};

static void stats_of(const tier__clv_fit_result *r, double *v)
{
    v[STAT_LOGLIK] = r->loglik;
    v[STAT_ITERATIONS] = r->iterations < 0 ? NAN : (double)r->iterations;
    v[STAT_CONVERGED] = (double)r->converged;
    v[STAT_CUSTOMERS] = r->n_used;
    v[STAT_EXCLUDED] = r->n_excluded;
    v[STAT_GRADIENT] = r->grad_norm;
    v[STAT_EVALUATIONS] = r->evaluations < 0 ? NAN : (double)r->evaluations;
    v[STAT_DISTINCT] = (double)r->n_distinct;
    v[STAT_STARTS] = (double)r->starts;
}

static int whole_in(double v, double lo, double hi)
{
    return v >= lo && v <= hi && v == floor(v);
}

/* Stores stat `k` into r; 0 when the value is not acceptable. */
static int set_stat(tier__clv_fit_result *r, int k, double v)
{
    switch (k) {
    case STAT_LOGLIK:
        r->loglik = v;
        return !isinf(v);
    case STAT_ITERATIONS:
        r->iterations = whole_in(v, 0, 1e9) ? (int)v : -1; /* no cast of an out-of-range value */
        return isnan(v) || whole_in(v, 0, 1e9);
    case STAT_CONVERGED:
        r->converged = v == 1.0;
        return v == 0.0 || v == 1.0;
    case STAT_CUSTOMERS:
        r->n_used = v;
        return v >= 0 && isfinite(v);
    case STAT_EXCLUDED:
        r->n_excluded = v;
        return v >= 0 && isfinite(v);
    case STAT_GRADIENT:
        r->grad_norm = v;
        return !(v < 0);
    case STAT_EVALUATIONS:
        r->evaluations = whole_in(v, 0, 1e9) ? (int)v : -1; /* no cast of an out-of-range value */
        return isnan(v) || whole_in(v, 0, 1e9);
    case STAT_DISTINCT:
        r->n_distinct = whole_in(v, 0, 1e15) ? (size_t)v : 0;
        return whole_in(v, 0, 1e15);
    default:
        r->starts = whole_in(v, 0, 1e9) ? (int)v : 0;
        return whole_in(v, 0, 1e9);
    }
}

int tier__clv_model_save(void *state, tier_state_writer *w)
{
    clv_state *st = state;
    char key[48];
    int rc, sub, k;
    if (!st->fitted)
        return TIER_ESTATE;
    rc = tier__opt_save(w, tier__clv_model_options, CLV_N_OPTIONS, st, tier__clv_model_get_option,
                        &st->h.alloc);
    if (rc)
        return rc;
    tier__opt_write_numbers(w, "fit.calibration_end", &st->fit.calibration_end, 1);
    tier__opt_write_numbers(w, "fit.no_purchase", &st->fit.no_purchase, 1);
    for (sub = 0; sub < 2; sub++) {
        const tier__clv_fit_result *r = &st->fit.sub[sub];
        double v[STAT_COUNT];
        snprintf(key, sizeof key, "%s.params", sub_names[sub]);
        tier__opt_write_numbers(w, key, r->param, r->n_params);
        if (r->se_ok) {
            snprintf(key, sizeof key, "%s.se", sub_names[sub]);
            tier__opt_write_numbers(w, key, r->se, r->n_params);
        }
        stats_of(r, v);
        for (k = 0; k < STAT_COUNT; k++) {
            snprintf(key, sizeof key, "%s.%s", sub_names[sub], stat_keys[k]);
            rc = tier__opt_write_numbers(w, key, &v[k], 1);
        }
    }
    return rc;
}

/* Reads one "purchase.*" or "spend.*" record into f.sub[sub]; *seen marks what was read. */
static int load_sub(tier_state_reader *r, tier__clv_fit_result *res, const char *what,
                    unsigned *seen)
{
    char msg[160];
    double v[TIER__CLV_MAX_PARAMS], x;
    size_t i, n = tier_state_read_count(r);
    int k, bit;
    if (strcmp(what, "params") == 0 || strcmp(what, "se") == 0) {
        int se = what[0] == 's';
        bit = se ? 1 : 0;
        if (n != res->n_params) {
            snprintf(msg, sizeof msg, "%lu %s for a sub-model of %lu parameters", (unsigned long)n,
                     se ? "standard errors" : "parameters", (unsigned long)res->n_params);
            return tier_state_read_fail(r, msg);
        }
        if (tier_state_read_numbers(r, v, n) != TIER_OK)
            return TIER_ECORRUPT;
        for (i = 0; i < n; i++)
            if (!isfinite(v[i]) || !(v[i] > 0.0))
                return tier_state_read_fail(r, se ? "standard errors must be positive finite "
                                                    "numbers"
                                                  : "parameters must be positive finite numbers");
        memcpy(se ? res->se : res->param, v, n * sizeof *v);
        if (se)
            res->se_ok = 1;
    } else {
        for (k = 0; k < STAT_COUNT && strcmp(what, stat_keys[k]) != 0; k++)
            ;
        if (k == STAT_COUNT)
            return 0;
        bit = 2 + k;
        if (tier_state_read_numbers(r, &x, 1) != TIER_OK)
            return TIER_ECORRUPT;
        if (!set_stat(res, k, x)) {
            snprintf(msg, sizeof msg, "bad value for %s", stat_keys[k]);
            return tier_state_read_fail(r, msg);
        }
    }
    if (*seen & (1u << bit))
        return tier_state_read_fail(r, "record given twice");
    *seen |= 1u << bit;
    return 1;
}

/* What a load has read so far; the model takes it only once every record is read. */
typedef struct clv_loading {
    double opt[CLV_OPT_COUNT];
    clv_fit f;
    unsigned seen[2];   /* per sub-model: bit 0 params, 1 se, 2 + k stat k */
    unsigned book_seen; /* bit 0 fit.no_purchase, bit 1 fit.calibration_end */
} clv_loading;

static int load_option(void *ctx, const char *name, const tier_value *v, char *why)
{
    return config_set(((clv_loading *)ctx)->opt, name, v, why);
}

/* "fit.calibration_end", "fit.no_purchase", or a "purchase.*" or "spend.*" record. */
static int load_record(void *ctx, tier_state_reader *r, const char *key)
{
    clv_loading *L = ctx;
    int sub, rc;
    /* The sub-models' shapes follow the purchase model (an option record before them). */
    L->f.sub[0].kind = tier__clv_math_kind((int)L->opt[CLV_OPT_PURCHASE_MODEL]);
    L->f.sub[1].kind = TIER__CLV_GAMMA_GAMMA;
    for (sub = 0; sub < 2; sub++)
        L->f.sub[sub].n_params = tier__clv_param_count(L->f.sub[sub].kind);
    if (strcmp(key, "fit.calibration_end") == 0 || strcmp(key, "fit.no_purchase") == 0) {
        int end = key[4] == 'c';
        double x;
        if ((rc = tier_state_read_numbers(r, &x, 1)) != TIER_OK)
            return rc;
        if (end ? !whole_in(x, TIER_DAY_MIN, TIER_DAY_MAX) : !(x >= 0 && isfinite(x)))
            return tier_state_read_fail(r, end ? "not a day number" : "not a customer count");
        if (L->book_seen & (1u << end))
            return tier_state_read_fail(r, "record given twice");
        L->book_seen |= 1u << end;
        if (end)
            L->f.calibration_end = x;
        else
            L->f.no_purchase = x;
        return 1;
    }
    for (sub = 0; sub < 2; sub++) {
        size_t n = strlen(sub_names[sub]);
        if (strncmp(key, sub_names[sub], n) == 0 && key[n] == '.')
            return load_sub(r, &L->f.sub[sub], key + n + 1, &L->seen[sub]);
    }
    return 0;
}

int tier__clv_model_load(void *state, tier_state_reader *r)
{
    clv_state *st = state;
    clv_loading L;
    char why[TIER__ERR_SIZE];
    int rc, sub;

    memset(&L, 0, sizeof L);
    tier__opt_rule_defaults(L.opt, tier__clv_opt_rules, CLV_OPT_COUNT);
    rc = tier__opt_load(r, tier__clv_model_options, CLV_N_OPTIONS, &st->h.alloc, load_option,
                        load_record, &L);
    if (rc < 0)
        return rc;
    /* Everything but the standard errors (bit 1) must be there. */
    for (sub = 0; sub < 2; sub++)
        if ((L.seen[sub] | 2u) != (1u << (2 + STAT_COUNT)) - 1u) {
            snprintf(why, sizeof why, "the %s sub-model is incomplete", sub_names[sub]);
            return tier_state_read_fail(r, why);
        }
    if (L.book_seen != 3)
        return tier_state_read_fail(r, "no fit.calibration_end or fit.no_purchase record");
    if (L.f.sub[0].kind != tier__clv_math_kind((int)L.opt[CLV_OPT_PURCHASE_MODEL]))
        return tier_state_read_fail(r, "the purchase model changed after its parameters");
    L.f.kind = (int)L.opt[CLV_OPT_PURCHASE_MODEL];
    L.f.unit = L.opt[CLV_OPT_TIME_UNIT];
    memcpy(st->opt, L.opt, sizeof L.opt);
    st->fit = L.f;
    st->fitted = 1;
    st->h.err[0] = '\0';
    return TIER_OK;
}
