/* SPDX-License-Identifier: MIT */
/* RFM: options by name and the saved state (docs/rfm.md, docs/model-state-format.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/options.h"
#include "models/rfm/rfm_internal.h"

/* ---- options and saved state (docs/rfm.md, docs/model-state-format.md) --------------------- */

/* Applies option `name` to a configuration; TIER_OK or a status with `err` saying why. */
static int config_set(rfm_config *c, const char *name, const tier_value *v, char *err)
{
    int32_t x;
    int k, rc;
    if (strcmp(name, "bins") == 0) {
        if ((rc = tier__opt_int(v, 2, RFM_MAX_BINS, 0, &x, err)) != TIER_OK)
            return rc;
        c->bins = x;
    } else if (strcmp(name, "as_of") == 0) {
        if ((rc = tier__opt_int(v, TIER_DAY_MIN, TIER_DAY_MAX, 1, &x, err)) != TIER_OK)
            return rc;
        c->has_as_of = !isnan(tier_value_number(v));
        c->as_of = c->has_as_of ? x : 0;
    } else if (strcmp(name, "window") == 0) {
        if ((rc = tier__opt_int(v, 0, RFM_MAX_WINDOW, 0, &x, err)) != TIER_OK)
            return rc;
        c->window = x;
    } else if (strcmp(name, "frequency") == 0) {
        if ((rc = tier__opt_choice(v, freq_names, 2, &k, err)) != TIER_OK)
            return rc;
        c->freq = k;
    } else {
        if ((rc = tier__opt_choice(v, money_names, 2, &k, err)) != TIER_OK)
            return rc;
        c->money = k;
    }
    return TIER_OK;
}

int tier__rfm_set_option(void *state, const char *name, const tier_value *value)
{
    rfm_state *st = state;
    rfm_config c = st->c;
    int rc = config_set(&c, name, value, st->err);
    if (rc)
        return rc;
    if (c.bins != st->c.bins || c.window != st->c.window || c.freq != st->c.freq ||
        c.money != st->c.money) {
        /* The cut points depend on these: forget them (even loaded ones). */
        st->cuts_set = 0;
        st->has_fit_day = 0;
        st->pinned = 0;
    }
    st->c = c;
    st->err[0] = '\0';
    return TIER_OK;
}

int tier__rfm_get_option(void *state, const char *name, tier_value *out)
{
    const rfm_state *st = state;
    if (strcmp(name, "bins") == 0)
        return tier_value_set_number(out, st->c.bins);
    if (strcmp(name, "as_of") == 0)
        return tier_value_set_number(out, st->c.has_as_of ? (double)st->c.as_of : NAN);
    if (strcmp(name, "window") == 0)
        return tier_value_set_number(out, st->c.window);
    if (strcmp(name, "frequency") == 0)
        return tier_value_set_text(out, freq_names[st->c.freq]);
    return tier_value_set_text(out, money_names[st->c.money]);
}

static const char cut_keys[RFM_DIMS][7] = {"cuts.r", "cuts.f", "cuts.m"};

int tier__rfm_save(void *state, tier_state_writer *w)
{
    rfm_state *st = state;
    int d, rc;
    if (!tier__rfm_all_cuts(st))
        return TIER_ESTATE;
    rc = tier__opt_save(w, tier__rfm_option_table, RFM_N_OPTIONS, st,
                        tier__rfm_get_option, &st->alloc);
    if (rc)
        return rc;
    tier_state_write_key(w, "fitted_as_of");
    tier_state_write_number(w, st->has_fit_day ? (double)st->fit_day : NAN);
    for (d = 0; d < RFM_DIMS; d++) {
        tier_state_write_key(w, cut_keys[d]);
        rc = tier_state_write_numbers(w, st->cuts[d], (size_t)st->c.bins - 1);
    }
    return rc;
}

int tier__rfm_load(void *state, tier_state_reader *r)
{
    rfm_state *st = state;
    rfm_config c = rfm_defaults;
    double cuts[RFM_DIMS][RFM_MAX_CUTS], fit_day = NAN;
    unsigned seen = 0;
    const char *key;
    char msg[TIER__ERR_SIZE];
    tier_value val;
    int rc, d;

    tier__value_init(&val, &st->alloc);
    while ((rc = tier_state_read_next(r, &key)) == 1) {
        const tier_model_option *o = NULL;
        rc = tier__opt_read(r, key, tier__rfm_option_table, RFM_N_OPTIONS, &val,
                            &o);
        if (rc < 0)
            break;
        if (rc == 1) {
            char why[TIER__ERR_SIZE];
            if ((rc = config_set(&c, o->name, &val, why)) != TIER_OK) {
                rc = tier__opt_refuse(r, o->name, why, rc);
                break;
            }
            continue;
        }
        if (strcmp(key, "fitted_as_of") == 0) {
            if ((rc = tier_state_read_numbers(r, &fit_day, 1)) != TIER_OK)
                break;
            if (!isnan(fit_day) &&
                !(fit_day >= TIER_DAY_MIN && fit_day <= TIER_DAY_MAX && fit_day == floor(fit_day))) {
                rc = tier_state_read_fail(r, "fitted_as_of is not a day number or nan");
                break;
            }
            continue;
        }
        for (d = 0; d < RFM_DIMS && strcmp(key, cut_keys[d]) != 0; d++)
            ;
        if (d == RFM_DIMS) {
            snprintf(msg, sizeof msg, "unknown record \"%s\"", key);
            rc = tier_state_read_fail(r, msg);
            break;
        }
        if (seen & (1u << d)) {
            snprintf(msg, sizeof msg, "record \"%s\" given twice", key);
            rc = tier_state_read_fail(r, msg);
            break;
        }
        if (tier_state_read_count(r) != (size_t)c.bins - 1) {
            snprintf(msg, sizeof msg, "%lu cut points for %d bins (need %d)",
                     (unsigned long)tier_state_read_count(r), c.bins, c.bins - 1);
            rc = tier_state_read_fail(r, msg);
            break;
        }
        if ((rc = tier_state_read_numbers(r, cuts[d], (size_t)c.bins - 1)) != TIER_OK)
            break;
        if (tier__rfm_check_cuts(cuts[d], (size_t)c.bins - 1, msg, "") != TIER_OK) {
            rc = tier_state_read_fail(r, msg);
            break;
        }
        seen |= 1u << d;
    }
    tier__value_clear(&val);
    if (rc < 0)
        return rc;
    for (d = 0; d < RFM_DIMS; d++)
        if (!(seen & (1u << d))) {
            snprintf(msg, sizeof msg, "no \"%s\" record", cut_keys[d]);
            return tier_state_read_fail(r, msg);
        }
    st->c = c;
    memcpy(st->cuts, cuts, sizeof cuts);
    st->cuts_set = (1u << RFM_DIMS) - 1;
    st->has_fit_day = !isnan(fit_day);
    st->fit_day = st->has_fit_day ? (int32_t)fit_day : 0;
    st->pinned = 1;
    st->err[0] = '\0';
    return TIER_OK;
}
