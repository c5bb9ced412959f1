/* SPDX-License-Identifier: MIT */
/* What the sbg model kind's files share (sbg_model.c: the vtable, fit, score, explain;
 * sbg_state.c: options, cohorts given as an option, saved state). The numerics are behind
 * models/sbg/sbg.h. */
#ifndef TIER_MODELS_SBG_INTERNAL_H
#define TIER_MODELS_SBG_INTERNAL_H

#include "core/model_internal.h"
#include "models/model_common.h"
#include "models/options.h"
#include "models/sbg/sbg.h"

/* Number options, indexes of sbg_state.opt (slot 0 unused). */
enum { SBG_OPT_DISCOUNT_RATE = 1, SBG_OPT_MARGIN, SBG_OPT_PERIODS, SBG_OPT_COUNT };

/* Text options, indexes of sbg_state.text. */
enum { SBG_TEXT_RENEWALS, SBG_TEXT_CHURNED, SBG_TEXT_MARGIN_COLUMN, SBG_TEXT_COUNT };

/* Cohorts' survivor counts given by the `survivors` option: cohort c has len[c] counts, stored
 * one cohort after the other in v. */
typedef struct sbg_cohorts {
    size_t n;
    size_t *len;
    double *v;
} sbg_cohorts;

typedef struct sbg_state {
    tier__model_head h; /* allocator and last error: first, for the shared callbacks */
    double opt[SBG_OPT_COUNT];
    char *text[SBG_TEXT_COUNT]; /* never NULL once made; "" for an unused column */
    sbg_cohorts cohorts;
    int fitted;
    tier__sbg_fit fit;
} sbg_state;

extern const tier__opt_rule tier__sbg_opt_rules[SBG_OPT_COUNT];
#define SBG_N_OPTIONS 7
extern const tier_model_option tier__sbg_model_options[SBG_N_OPTIONS];
extern const char *const tier__sbg_text_defaults[SBG_TEXT_COUNT];

/* sbg_model.c: the table of a fit on the book's customers (their renewals and whether they
 * left, from the sources the options name), freed by the caller on success. With `part` (the
 * book is a part of a population) an attribute that none of its customers has counts as NaN. */
int tier__sbg_book_table(sbg_state *st, const tier_book *book, const tier_frame *inputs, int part,
                         tier__sbg_table *t);
/* sbg_model.c: fits from the options' cohorts (st->cohorts.n > 0) into *f. */
int tier__sbg_fit_given(sbg_state *st, tier__sbg_fit *f);

/* sbg_summary.c: the fit summary callbacks (vtable version 4). */
int tier__sbg_fit_summary(void *state, const tier_book *book, const tier_frame *inputs,
                          tier_state_writer *w);
int tier__sbg_fit_summaries(void *state, tier_state_reader *const *readers, size_t n,
                            tier_state_writer *merged);

/* sbg_state.c */
void tier__sbg_cohorts_free(const tier_allocator *a, sbg_cohorts *c);
int tier__sbg_model_set_option(void *state, const char *name, const tier_value *value);
int tier__sbg_model_get_option(void *state, const char *name, tier_value *out);
int tier__sbg_model_save(void *state, tier_state_writer *w);
int tier__sbg_model_load(void *state, tier_state_reader *r);

#endif
