/* SPDX-License-Identifier: MIT */
/* What the built-in models share besides options (models/options.h): the start and end of their
 * constructors, the as-of day and the window
 * of history a model counts, finding a model's own output columns in a frame, and appending
 * bounded printf text to an explanation. */
#ifndef TIER_MODELS_MODEL_COMMON_H
#define TIER_MODELS_MODEL_COMMON_H

#include "core/model_internal.h"
#include "util/buf.h"

/* The first member of every built-in model's state: the allocator that owns the state and the
 * last error message. Being first, it lets one last_error callback and one final free serve
 * every built-in. */
typedef struct tier__model_head {
    tier_allocator alloc;
    char err[TIER__ERR_SIZE];
} tier__model_head;

/* The start of a built-in's constructor tier_<kind>_new(out, name, alloc): TIER_EINVAL in *rc
 * when `out` is NULL; else sets *out to NULL and *name to `kind` when it is NULL, and returns the
 * model's new zeroed state of `size` bytes, which starts with a tier__model_head holding the
 * allocator (tier__handle_new()), or NULL with TIER_ENOMEM in *rc. */
void *tier__model_state_new(tier_model **out, const char **name, const char *kind,
                            const tier_allocator *alloc, size_t size, int *rc);

/* The last_error callback of every built-in: the state's tier__model_head message. */
const char *tier__model_last_error(void *state);

/* Frees a built-in's state (NULL: nothing) with the allocator of its tier__model_head, after the
 * kind's destroy callback has freed what the state owns. */
void tier__model_state_free(void *state);

/* The end of a built-in's constructor: when `ok` (the state's own allocations succeeded), makes
 * the model with tier_model_new() (which destroys the state when it fails); else destroys the
 * state with the vtable's destroy and returns TIER_ENOMEM. */
int tier__model_finish(tier_model **out, const tier_model_vtable *vtable, void *state,
                       const char *name, const tier_allocator *alloc, int ok);

/* The vtable of a built-in model, filled the same way for every built-in: its callbacks and
 * tables are named P_fit, P_score, P_explain, P_destroy, P_outputs, P_options (arrays whose
 * size is visible), P_set_option, P_get_option, P_save and P_load; the last error is the
 * tier__model_head's (tier__model_last_error); `fitted` is its is_fitted callback or NULL, `row`
 * its score_row callback or NULL (a population model, such as pareto). */
#define TIER__BUILTIN_VTABLE_FIELDS(kind_name, P, fitted, row)                                     \
    .version = TIER_MODEL_VTABLE_VERSION, .kind = (kind_name), .fit = P##_fit, .score = P##_score, \
    .explain = P##_explain, .destroy = P##_destroy, .last_error = tier__model_last_error,          \
    .outputs = P##_outputs, .n_outputs = sizeof P##_outputs / sizeof P##_outputs[0],               \
    .options = P##_options, .n_options = sizeof P##_options / sizeof P##_options[0],               \
    .set_option = P##_set_option, .get_option = P##_get_option, .save = P##_save,                  \
    .load = P##_load, .is_fitted = (fitted), .score_row = (row)
#define TIER__BUILTIN_VTABLE(kind_name, P, fitted, row)        \
    {                                                          \
        TIER__BUILTIN_VTABLE_FIELDS(kind_name, P, fitted, row) \
    }

/* The same with the fit summary callbacks P##_fit_summary and P##_fit_summaries. */
#define TIER__BUILTIN_SUMMARY_VTABLE(kind_name, P, fitted, row)                                    \
    {                                                                                              \
        TIER__BUILTIN_VTABLE_FIELDS(kind_name, P, fitted, row), .fit_summary = P##_fit_summary,    \
                                                                .fit_summaries = P##_fit_summaries \
    }

/* The error buffer of the frame a score_row callback gets: score_row sees the frame as const
 * (it must not change it), but the frame is the caller's own of tier_model_score_row, whose
 * error text describes the failure (as a score callback writes its frame's error). */
char *tier__model_row_error(const tier_frame *frame);

/* Longest window of history in days: the whole supported calendar. */
#define TIER__WINDOW_MAX ((double)TIER_DAY_MAX - (double)TIER_DAY_MIN + 1.0)

/* The as-of day: `as_of` (a day number, NaN for none), else the day after the book's last
 * transaction. Returns 1 with *out set, or 0 when there is neither (no option, an empty book). */
int tier__model_as_of(const tier_book *book, double as_of, int32_t *out);

/* The options "as_of" (a day number, NaN: the day after the last transaction) and "window" (days
 * before the as-of day that count, 0: all history) of the models that count book figures over a
 * window (rfm, pareto). */
typedef struct tier__window {
    int has_as_of;
    int32_t as_of;
    int32_t days; /* the window; 0: all history */
} tier__window;

/* Sets option `name` ("as_of" or "window") of `w` from a number value after checking it (an
 * integer day number or NaN; an integer from 0 to TIER__WINDOW_MAX). TIER_OK, or TIER_ERANGE with
 * `err` (TIER__ERR_SIZE bytes) saying why. */
int tier__window_set(tier__window *w, const char *name, const tier_value *v, char *err);

/* The value of option `name` ("as_of": NaN when unset, or "window"). */
double tier__window_get(const tier__window *w, const char *name);

/* The days [*from, *to) that count in `book`: *to is the as-of day, *from the first day of the
 * window (INT32_MIN for all history). Returns 1, or 0 when there is no as-of day (no option and
 * an empty book; then every day counts: INT32_MIN to INT32_MAX). */
int tier__window_days(const tier__window *w, const tier_book *book, int32_t *from, int32_t *to);

/* Finds output `output` of the model named `model` (the column "model.output") in `frame`:
 * TIER_OK with *col set, or TIER_ENOTFOUND. */
int tier__model_column(const tier_frame *frame, const char *model, const char *output, size_t *col);

/* Appends what snprintf() returned `n` for into `buf` (`cap` bytes) to `out`, cut to what the
 * buffer held: TIER_OK, TIER_ERROR for an encoding error (n < 0) or tier_text_append()'s status. */
int tier__model_append(tier_text *out, const char *buf, size_t cap, int n);

/* Ends an explanation written into `b`: when rc is TIER_OK, appends the text to `out` (or returns
 * the buffer's latched failure); frees `b` either way. Returns the status. */
int tier__model_explained(tier_text *out, tier__buf *b, int rc);

#endif
