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
    } else if (strcmp(name, "as_of") == 0 || strcmp(name, "window") == 0) {
        return tier__window_set(&c->win, name, v, err);
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
    int rc = config_set(&c, name, value, st->h.err);
    if (rc)
        return rc;
    if (c.bins != st->c.bins || c.win.days != st->c.win.days || c.freq != st->c.freq ||
        c.money != st->c.money) {
        /* The cut points depend on these: forget them (even loaded ones). */
        st->cuts_set = 0;
        st->has_fit_day = 0;
        st->pinned = 0;
    }
    st->c = c;
    st->h.err[0] = '\0';
    return TIER_OK;
}

int tier__rfm_get_option(void *state, const char *name, tier_value *out)
{
    const rfm_state *st = state;
    if (strcmp(name, "bins") == 0)
        return tier_value_set_number(out, st->c.bins);
    if (strcmp(name, "as_of") == 0 || strcmp(name, "window") == 0)
        return tier_value_set_number(out, tier__window_get(&st->c.win, name));
    if (strcmp(name, "frequency") == 0)
        return tier_value_set_text(out, freq_names[st->c.freq]);
    return tier_value_set_text(out, money_names[st->c.money]);
}

static const char cut_keys[RFM_DIMS][7] = {"cuts.r", "cuts.f", "cuts.m"};

int tier__rfm_save(void *state, tier_state_writer *w)
{
    rfm_state *st = state;
    double day;
    int d, rc;
    if (!tier__rfm_all_cuts(st))
        return TIER_ESTATE;
    rc =
        tier__opt_save(w, tier__rfm_options, RFM_N_OPTIONS, st, tier__rfm_get_option, &st->h.alloc);
    if (rc)
        return rc;
    day = st->has_fit_day ? (double)st->fit_day : NAN;
    tier__opt_write_numbers(w, "fitted_as_of", &day, 1);
    for (d = 0; d < RFM_DIMS; d++)
        rc = tier__opt_write_numbers(w, cut_keys[d], st->cuts[d], (size_t)st->c.bins - 1);
    return rc;
}

/* What a load has read so far; the model takes it only once every record is read. */
typedef struct rfm_loading {
    rfm_config c;
    double cuts[RFM_DIMS][RFM_MAX_CUTS], fit_day;
    unsigned seen; /* bit d: the cut points of dimension d */
} rfm_loading;

static int load_option(void *ctx, const char *name, const tier_value *v, char *why)
{
    return config_set(&((rfm_loading *)ctx)->c, name, v, why);
}

/* "fitted_as_of DAY" or "cuts.r|f|m" with bins - 1 cut points. */
static int load_record(void *ctx, tier_state_reader *r, const char *key)
{
    rfm_loading *L = ctx;
    char msg[TIER__ERR_SIZE];
    size_t nc = (size_t)L->c.bins - 1;
    int d, rc;
    if (strcmp(key, "fitted_as_of") == 0) {
        if ((rc = tier_state_read_numbers(r, &L->fit_day, 1)) != TIER_OK)
            return rc;
        if (!isnan(L->fit_day) && !(L->fit_day >= TIER_DAY_MIN && L->fit_day <= TIER_DAY_MAX &&
                                    L->fit_day == floor(L->fit_day)))
            return tier_state_read_fail(r, "fitted_as_of is not a day number or nan");
        return 1;
    }
    for (d = 0; d < RFM_DIMS && strcmp(key, cut_keys[d]) != 0; d++)
        ;
    if (d == RFM_DIMS)
        return 0;
    if (L->seen & (1u << d)) {
        snprintf(msg, sizeof msg, "record \"%s\" given twice", key);
        return tier_state_read_fail(r, msg);
    }
    if (tier_state_read_count(r) != nc) {
        snprintf(msg, sizeof msg, "%lu cut points for %d bins (need %d)",
                 (unsigned long)tier_state_read_count(r), L->c.bins, L->c.bins - 1);
        return tier_state_read_fail(r, msg);
    }
    if ((rc = tier_state_read_numbers(r, L->cuts[d], nc)) != TIER_OK)
        return rc;
    if (tier__rfm_check_cuts(L->cuts[d], nc, msg, "") != TIER_OK)
        return tier_state_read_fail(r, msg);
    L->seen |= 1u << d;
    return 1;
}

int tier__rfm_load(void *state, tier_state_reader *r)
{
    rfm_state *st = state;
    rfm_loading L;
    char msg[TIER__ERR_SIZE];
    int rc, d;

    memset(&L, 0, sizeof L);
    L.c = rfm_defaults;
    L.fit_day = NAN;
    rc = tier__opt_load(r, tier__rfm_options, RFM_N_OPTIONS, &st->h.alloc, load_option, load_record,
                        &L);
    if (rc < 0)
        return rc;
    for (d = 0; d < RFM_DIMS; d++)
        if (!(L.seen & (1u << d))) {
            snprintf(msg, sizeof msg, "no \"%s\" record", cut_keys[d]);
            return tier_state_read_fail(r, msg);
        }
    st->c = L.c;
    memcpy(st->cuts, L.cuts, sizeof L.cuts);
    st->cuts_set = (1u << RFM_DIMS) - 1;
    st->has_fit_day = !isnan(L.fit_day);
    st->fit_day = st->has_fit_day ? (int32_t)L.fit_day : 0;
    st->pinned = 1;
    st->h.err[0] = '\0';
    return TIER_OK;
}
