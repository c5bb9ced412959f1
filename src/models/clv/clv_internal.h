/* SPDX-License-Identifier: MIT */
/* What the clv model's glue files share (clv.c: the vtable, predictions and calls; clv_days.c:
 * purchase days per customer; clv_state.c: options and saved state). The numerics are behind
 * clv_math.h. */
#ifndef TIER_MODELS_CLV_INTERNAL_H
#define TIER_MODELS_CLV_INTERNAL_H

#include "core/model_internal.h"
#include "models/model_common.h"
#include "models/options.h"
#include "models/clv/clv_math.h"

#define CLV_OPT_COUNT 10 /* options are 1..9; slot 0 unused */

/* The options, indexes of clv_state.opt (purchase_model holds TIER_CLV_BGNBD or
 * TIER_CLV_PARETO_NBD, shown as the texts "bgnbd" and "pareto_nbd"). */
enum {
    CLV_OPT_PURCHASE_MODEL = 1,
    CLV_OPT_TIME_UNIT,
    CLV_OPT_CALIBRATION_END,
    CLV_OPT_HORIZON,
    CLV_OPT_DISCOUNT_RATE,
    CLV_OPT_DISCOUNT_PERIOD,
    CLV_OPT_MARGIN,
    CLV_OPT_AS_OF,
    CLV_OPT_REQUIRE_CONVERGENCE
};
#define CLV_ALL ((size_t)-1)

enum { OUT_X, OUT_TX, OUT_T, OUT_P_ALIVE, OUT_EXPECTED, OUT_SPEND, OUT_CLV, OUT_COUNT };

/* What a fit learnt; loaded state has the same shape. */
typedef struct clv_fit {
    int kind;                            /* TIER_CLV_BGNBD or TIER_CLV_PARETO_NBD */
    double unit;                         /* days per time unit the parameters are in */
    tier__clv_fit_result sub[2];         /* [0] purchase, [1] Gamma-Gamma */
    double no_purchase, calibration_end; /* figures of the fitted book */
} clv_fit;

typedef struct clv_state {
    tier__model_head h; /* allocator and last error: first, for the shared callbacks */
    double opt[CLV_OPT_COUNT];
    int fitted;
    clv_fit fit;
    struct clv_dist *dist; /* a distributed fit in progress (driver), or NULL */
} clv_state;

/* One customer's summary and whether it exists (a purchase day up to the end). */
typedef struct clv_summary {
    tier__clv_obs *obs; /* one per customer (or one for a single customer) */
    unsigned char *has;
    size_t n;
} clv_summary;

/* One kept transaction up to the end, grouped by customer. */
typedef struct clv_entry {
    int32_t day;
    int64_t amount; /* fixed point */
} clv_entry;

/* The option rules and the options table (clv.c). */
extern const tier__opt_rule tier__clv_opt_rules[CLV_OPT_COUNT];
#define CLV_N_OPTIONS 9
extern const tier_model_option tier__clv_model_options[CLV_N_OPTIONS];

/* clv.c */
int tier__clv_math_kind(int kind);
/* The last day that counts: the calibration end option, else the as-of day - 1 (the as-of day
 * defaulting to the day after the book's last transaction; `book` is read only then, and may be
 * NULL when an option gives the day). *has_end = 0 when there is none (no option and an empty or
 * no book); TIER_EINVAL when the options contradict. */
int tier__clv_resolve_end(const double *opt, const tier_book *book, int32_t *out, int *has_end,
                          char *err);
/* TIER_ERANGE when the horizon spans too many discount periods. */
int tier__clv_check_periods(const double *opt, double unit, char *err);
/* The rows of a fit on `book` (the customers with a purchase up to the end, *m of them, in
 * *rows, freed by the caller), with *f started: kind, unit, calibration end, no_purchase. */
int tier__clv_book_rows(clv_state *st, const tier_book *book, clv_fit *f, tier__clv_obs **rows,
                        size_t *m);
/* Fits both sub-models (rows[0] the purchase model's, rows[1] Gamma-Gamma's) into *f and, on
 * success, makes it the state's fit. `customers` is for the error text. */
int tier__clv_fit_subs(clv_state *st, clv_fit *f, const tier__clv_obs *const rows[2],
                       const size_t n[2], double customers);
/* "no customer has a purchase up to the calibration end DAY" into err. */
void tier__clv_no_purchase_error(char *err, int32_t end);

/* clv_summary.c: the fit summary callbacks (vtable version 4). */
int tier__clv_model_fit_summary(void *state, const tier_book *book, const tier_frame *inputs,
                                tier_state_writer *w);
int tier__clv_model_fit_summaries(void *state, tier_state_reader *const *readers, size_t n,
                                  tier_state_writer *merged);
int tier__clv_check_option(char *err, int option, double value);

/* A part of a distributed fit (clv_dist.c): the figures and the fit's rows of its fit summary. */
typedef struct clv_part {
    double kind, unit, end, no_purchase, customers;
    tier__clv_obs *rows[2];   /* [0] purchase, [1] Gamma-Gamma, as tier__clv_fit_rows gives them */
    unsigned char *bucket[2]; /* their buckets */
    size_t n[2];
    double excluded[2];
} clv_part;
/* Reads the part's summary text (checked as tier_model_fit_summaries() checks it, against the
 * model's options): TIER_OK, TIER_ECORRUPT or TIER_EINVAL (named in st->h.err), TIER_ENOMEM. */
int tier__clv_part_rows(clv_state *st, const char *text, size_t len, clv_part *out);
void tier__clv_part_free(const tier_allocator *a, clv_part *p);
/* The summary text split into `parts` fit summaries (model name `name`) one after another in
 * out, summary i ending at ends[i]: summary i holds the rows whose bucket (tier__clv_bucket) is i
 * modulo `parts`, the first one the counts no_purchase and excluded too (tier_clv_dist_split). */
int tier__clv_split_summary(clv_state *st, const char *name, const char *text, size_t len,
                            size_t parts, tier_text *out, size_t *ends);

/* clv_dist.c: the distributed fit (tier_clv_dist_begin, _answer, _merge). */
struct clv_dist;
int tier__clv_dist_begin(clv_state *st, tier_text *request);
int tier__clv_dist_answer(clv_state *st, const char *summary, size_t summary_len,
                          const char *request, size_t len, tier_text *answer);
int tier__clv_dist_merge(clv_state *st, const char *const *answers, const size_t *lens, size_t n,
                         tier_text *request);
void tier__clv_dist_free(clv_state *st);

/* Fits both sub-models with fit_one (TIER__CLV_PENDING from it: stop, nothing reported), then as
 * tier__clv_fit_subs. */
#define TIER__CLV_PENDING 1
typedef int (*tier__clv_sub_fit_fn)(void *ctx, int sub, int kind, tier__clv_fit_result *out,
                                    char *why);
int tier__clv_fit_subs_with(clv_state *st, clv_fit *f, tier__clv_sub_fit_fn fit_one, void *ctx,
                            double customers);

/* clv_days.c */
void tier__clv_summary_free(const tier_allocator *a, clv_summary *s);
int tier__clv_summarise_book(const tier_allocator *a, const tier_book *book, int32_t end,
                             int has_end, double unit, size_t only, clv_summary *out, char *err);
int tier__clv_summarise_split(const tier_allocator *a, const tier_book *book, int32_t end,
                              int32_t hold_end, int has_end, double unit, size_t only,
                              clv_summary *out, double *hold, char *err);

/* One customer's summary over its kept transactions dated <= end (found through the book's
 * transaction index, not a pass over the book): *has = 1 when it has a purchase day, then *obs
 * is exactly the row tier__clv_summarise_book() gives it. TIER_OK, TIER_ESTATE (transactions
 * not kept), TIER_ERANGE or TIER_ENOMEM (building the index; more than 64 transactions). */
int tier__clv_summarise_one(const tier_allocator *a, const tier_book *book, size_t customer,
                            int32_t end, int has_end, double unit, tier__clv_obs *obs, int *has,
                            char *err);

/* clv_state.c */
int tier__clv_model_set_option(void *state, const char *name, const tier_value *value);
int tier__clv_model_get_option(void *state, const char *name, tier_value *out);
int tier__clv_model_save(void *state, tier_state_writer *w);
int tier__clv_model_load(void *state, tier_state_reader *r);

#endif
