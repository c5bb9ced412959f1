/* SPDX-License-Identifier: MIT */
/* What the scorecard's files share (scorecard.c: the vtable, fit and score; explain.c; build.c:
 * lifetime and the public builders; preset.c: the built-in cards; state.c: options and saved
 * state). */
#ifndef TIER_MODELS_SCORECARD_INTERNAL_H
#define TIER_MODELS_SCORECARD_INTERNAL_H

#include "core/model_internal.h"
#include "models/model_common.h"

#define SC_MAX_FACTORS 256
#define SC_MAX_CONDS 64
#define SC_MAX_BANDS 64
#define SC_MAX_NAME 64
#define SC_MAX_COLUMN 200
/* A score this close below a grade's lower bound still reaches it: sums of weight x fraction
 * are not exact in binary and must not drop a customer a grade. */
#define SC_GRADE_EPS 1e-9

enum { OUT_SCORE, OUT_EXPLICIT, OUT_POTENTIAL, OUT_GROWTH, OUT_GRADE, OUT_CAPPED, OUT_COUNT };
enum { HOW_VALUE, HOW_DROPPED, HOW_IMPUTED, HOW_ZERO };
/* The built-in cards of the option "preset" (preset.c). */
enum { SC_PRESET_NONE, SC_PRESET_B2B, SC_PRESET_B2B_SUBSCRIPTIONS, SC_PRESET_COUNT };

static const char *const grade_labels[5] = {"A", "B", "C", "D", "E"};
static const char *const group_names[3] = {"explicit", "potential", "growth"};
static const char *const op_names[7] = {"?", "<", "<=", "==", "!=", ">=", ">"};
static const double default_lower[4] = {80, 65, 50, 35};

typedef struct sc_factor {
    char *name;
    char *column; /* "attr.NAME" or a frame column */
    double weight;
    int group, norm, dir, missing;
    double cap_lo, cap_hi; /* NaN: fitted minimum / maximum */
    double impute;         /* NaN: fitted median */
    size_t nbands;         /* edges; nbands + 1 fractions */
    double *edges, *fractions;
    /* Fitted. */
    int has_stats; /* 0 when the fit saw no value */
    double fmin, fmax, fmedian;
    size_t nref;   /* values seen at fit (percentile factors) */
    size_t nuniq;  /* distinct values */
    double *uniq;  /* ascending distinct values */
    size_t *below; /* nuniq + 1 entries: values strictly below uniq[i]; below[nuniq] = nref */
    /* A partial reference (a split run's part, docs/distributed.md): NULL for a full one. Else
     * nuniq entries, the population's count of values equal to uniq[i] (below[i] then counts the
     * population's values below uniq[i], and the values between two entries are not listed). */
    size_t *equal;
} sc_factor;

typedef struct sc_cond {
    char *name;
    char *column;
    int op;
    double threshold;
    double points; /* penalties */
    int grade;     /* vetoes: 0 (A) .. 4 (E) */
} sc_cond;

typedef struct sc_state {
    tier__model_head h; /* allocator and last error: first, for the shared callbacks */
    char *name;
    sc_factor *factors;
    size_t nfactors, cap_factors;
    sc_cond *pens, *vetoes;
    size_t npens, cap_pens, nvetoes, cap_vetoes;
    double lower[4];
    int preset; /* SC_PRESET_*: the card the model started from (option "preset") */
} sc_state;

/* What one customer's score is made of. */
typedef struct sc_line {
    double raw;    /* the source value (NaN = missing) */
    int how;       /* HOW_* */
    double used;   /* the value normalised (raw or the imputed one) */
    double pre;    /* normalised, in [0, 1], before direction */
    double norm;   /* after direction */
    double weight; /* effective weight after re-weighting (0 when dropped) */
    double points;
} sc_line;

typedef struct sc_out {
    double score, group[3], factors, penalties, scale;
    int grade, base_grade, capped; /* grade -1 when the score is NaN */
} sc_out;

/* The vtable and its options table (scorecard.c). */
extern const tier_model_vtable tier__sc_vtable;
#define SC_N_OPTIONS 5
extern const tier_model_option tier__sc_options[SC_N_OPTIONS];

/* scorecard.c */
sc_state *tier__sc_of(const tier_model *model);
const char *tier__sc_attr_name(const char *column);
/* A source is one column or alternatives "a|b|c" (the first with a value, per customer). */
int tier__sc_alternative(const char *column, size_t k, char *buf);
int tier__sc_read_one(const tier_book *book, const tier_frame *frame, const char *column, size_t i,
                      const char *what, const char *who, double *out, int *used, char *err);
/* One customer's values of every factor (fx), penalty (px) and veto (vx) source. */
int tier__sc_read_row(const sc_state *st, const tier_book *book, const tier_frame *frame,
                      size_t customer, double *fx, double *px, double *vx, char *err);
int tier__sc_check_config(const sc_state *st, char *err);
void tier__sc_minmax_limits(const sc_factor *f, double *lo, double *hi);
int tier__sc_holds(int op, double v, double t);
int tier__sc_score_one(const sc_state *st, const double *fx, const double *px, const double *vx,
                       sc_out *o, sc_line *lines, size_t *bad);

/* explain.c */
int tier__sc_explain(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                     tier_text *out);

/* build.c */
void tier__sc_clear(sc_state *st);
/* Replaces the card (factors, penalties, vetoes) of `st` with that of `from`, which is left
 * empty; the grade bands stay. */
void tier__sc_take_card(sc_state *st, sc_state *from);
void tier__sc_destroy(void *state);
int tier__sc_add_factor(sc_state *st, const char *factor, const char *column, double weight,
                        int group, int normalisation, int direction, int missing,
                        size_t *out_index);
int tier__sc_set_caps(sc_state *st, size_t factor, double lo, double hi);
int tier__sc_set_bands(sc_state *st, size_t factor, const double *edges, size_t n,
                       const double *fractions);
int tier__sc_set_impute(sc_state *st, size_t factor, double value);
int tier__sc_add_penalty(sc_state *st, const char *name, const char *column, int op,
                         double threshold, double points);
int tier__sc_add_veto(sc_state *st, const char *name, const char *column, int op, double threshold,
                      const char *max_grade);
int tier__sc_check_grade_bands(const double lower[4], char *err);

/* preset.c */
extern const char *const tier__sc_preset_names[SC_PRESET_COUNT];
/* Adds the factors, penalties and vetoes of card `preset` to `tmp` (an empty scratch card). */
int tier__sc_fill_preset(sc_state *tmp, int preset);

/* state.c */
int tier__sc_set_option(void *state, const char *name, const tier_value *value);
int tier__sc_get_option(void *state, const char *name, tier_value *out);
int tier__sc_save(void *state, tier_state_writer *w);
int tier__sc_load(void *state, tier_state_reader *r);

#endif
