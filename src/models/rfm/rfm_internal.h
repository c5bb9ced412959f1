/* SPDX-License-Identifier: MIT */
/* What the RFM model's files share (rfm.c: the vtable, fit, score, explain and calls;
 * quantiles.c: the cut points; rfm_state.c: options and saved state). */
#ifndef TIER_MODELS_RFM_INTERNAL_H
#define TIER_MODELS_RFM_INTERNAL_H

#include "core/model_internal.h"
#include "models/model_common.h"

#define RFM_DIMS 3
#define RFM_MAX_BINS 10
#define RFM_MAX_CUTS (RFM_MAX_BINS - 1)
#define RFM_NO_DAY INT32_MIN

enum {
    OUT_R,
    OUT_F,
    OUT_M,
    OUT_TENURE,
    OUT_R_SCORE,
    OUT_F_SCORE,
    OUT_M_SCORE,
    OUT_SEGMENT,
    OUT_VALUE_CLASS,
    OUT_COUNT
};

/* The options (docs/rfm.md). */
enum { RFM_FREQ_DAYS = 0, RFM_FREQ_ROWS = 1 };
enum { RFM_MONEY_SUM = 0, RFM_MONEY_MEAN = 1 };

typedef struct rfm_config {
    int bins, freq, money;
    tier__window win; /* as_of and window */
} rfm_config;

static const rfm_config rfm_defaults = {5, RFM_FREQ_DAYS, RFM_MONEY_SUM, {0, 0, 0}};

static const char *const freq_names[] = {"days", "rows"};
static const char *const money_names[] = {"sum", "mean"};

typedef struct rfm_state {
    tier__model_head h; /* allocator and last error: first, for the shared callbacks */
    char *name;         /* model name, to find the model's columns when explaining */
    rfm_config c;
    unsigned cuts_set; /* bit d set once dimension d has cut points */
    double cuts[RFM_DIMS][RFM_MAX_CUTS];
    int pinned;      /* cut points loaded or set by hand: a fit keeps them */
    int has_fit_day; /* 1 when the cuts came from a fit on a book */
    int32_t fit_day;
    tier_segmap *maps[2];
} rfm_state;

/* The options table (rfm.c). */
#define RFM_N_OPTIONS 5
extern const tier_model_option tier__rfm_options[RFM_N_OPTIONS];

/* rfm.c */
int tier__rfm_all_cuts(const rfm_state *st);
int tier__rfm_check_cuts(const double *cuts, size_t n, char *err, const char *where);

/* quantiles.c */
/* Cut points of one dimension from its n values (vals) over the customers with a purchase, by
 * counting the integers `ints` (the same values, at most maxv) when tier__rfm_counts says so (vals
 * is then not read), else by selection in vals (ints NULL: never counted). */
int tier__rfm_fit_cuts(rfm_state *st, size_t n, double *vals, const uint32_t *ints, uint32_t maxv,
                       double *cuts);
/* 1 when n integer values of at most maxv are counted rather than selected. */
int tier__rfm_counts(size_t n, uint32_t maxv);

/* rfm_state.c */
int tier__rfm_set_option(void *state, const char *name, const tier_value *value);
int tier__rfm_get_option(void *state, const char *name, tier_value *out);
int tier__rfm_save(void *state, tier_state_writer *w);
int tier__rfm_load(void *state, tier_state_reader *r);

#endif
