/* SPDX-License-Identifier: MIT */
/**
 * @file model.h
 * @brief The pluggable model ABI: one versioned vtable for built-in and user models.
 * @defgroup model Models
 *
 * A model is fitted on a book (and on the columns earlier models produced), then scores every
 * customer into a frame and explains any one score. Built-in models (rfm, pareto, ...) are made
 * through this same vtable. The library copies the vtable at tier_model_new() and calls
 * `destroy(state)` exactly once: when the model is freed, or at once if tier_model_new() fails.
 * A callback returns TIER_OK or a negative ::tier_status; TIER_EUSER is passed through unchanged.
 *
 * Version 2 of the vtable adds, for every model alike: options by name with a type, set and read
 * through tier_model_set_option() and friends; the fitted state saved and loaded in one text
 * format (docs/model-state-format.md) through tier_model_save() and tier_model_load(); and models
 * made by kind name (tier_model_new_kind(), registry.h). docs/writing-a-model.md is the guide.
 * @{
 */
#ifndef TIER_MODEL_H
#define TIER_MODEL_H

#include "common.h"
#include "book.h"
#include "frame.h"
#include "text.h"

TIER_BEGIN_DECL

/** The vtable version this header describes. @since 0.1.0 (2 since 0.2.0, 3 since 0.4.0, 4 since
 * 0.5.0) */
#define TIER_MODEL_VTABLE_VERSION 4

/**
 * Types of model options (the `type` of ::tier_model_option and of a ::tier_value).
 * Values are ABI.
 * @since 0.2.0
 */
typedef enum tier_option_type {
    TIER_OPTION_NUMBER = 1, /**< a double (NaN allowed where the option says so) */
    TIER_OPTION_TEXT = 2,   /**< a UTF-8 string without NUL bytes */
    TIER_OPTION_LIST = 3    /**< a list of such strings (possibly empty) */
} tier_option_type;

/** Flags of a ::tier_model_option. Values are ABI. @since 0.2.0 */
typedef enum tier_option_flag {
    /** Setting the option to another value than it has forgets the fit: the model must be
     * fitted (or loaded) again before it scores. */
    TIER_OPTION_FORGETS_FIT = 1
} tier_option_flag;

/**
 * One output of a model, declared in a static table (vtable version 2). The table and its
 * strings are borrowed for the model's lifetime (static storage is typical).
 * @since 0.2.0
 */
typedef struct tier_model_output {
    const char *name; /**< output name without the model-name prefix, e.g. "r_score" */
    int32_t type; /**< ::tier_value_type of the column (TIER_VALUE_NUMBER or TIER_VALUE_LABEL) */
} tier_model_output;

/**
 * One option of a model, declared in a static table (vtable version 2). The table and its strings
 * are borrowed for the model's lifetime.
 * @since 0.2.0
 */
typedef struct tier_model_option {
    const char *name; /**< option name: lower-case letters, digits and '_' */
    int32_t type;     /**< ::tier_option_type */
    const char *doc;  /**< one line: meaning, range and default (may be NULL) */
    int32_t flags;    /**< ::tier_option_flag bits (0 for none) */
} tier_model_option;

/**
 * An option value: a number, a text or a list of texts (opaque). The library makes the values it
 * hands to `set_option`/`get_option` callbacks; a caller may make its own with tier_value_new().
 * @since 0.2.0
 */
typedef struct tier_value tier_value;

/**
 * Writes a model's fitted state as records of the shared state text format
 * (docs/model-state-format.md); handed to the `save` callback (opaque).
 * @since 0.2.0
 */
typedef struct tier_state_writer tier_state_writer;

/**
 * Reads the records of a state text (docs/model-state-format.md); handed to the `load` callback
 * (opaque).
 * @since 0.2.0
 */
typedef struct tier_state_reader tier_state_reader;

/**
 * What a model implements. `version` comes first and members are only ever appended; set
 * `version` to TIER_MODEL_VTABLE_VERSION (or to 1 with a version-1 struct: the library reads only
 * the members the declared version has). Optional members may be NULL.
 * @since 0.1.0 (members after `last_error` since 0.2.0)
 */
typedef struct tier_model_vtable {
    unsigned int version; /**< TIER_MODEL_VTABLE_VERSION */
    const char *kind;     /**< short kind name, e.g. "rfm" (copied) */
    /** Number of outputs the model adds when scoring. Optional in version 2 (then `outputs`). */
    size_t (*output_count)(void *state);
    /** Name (borrowed from state, without the model-name prefix) and ::tier_value_type of output
     * `i`. Optional in version 2 (then `outputs`). */
    int (*output_info)(void *state, size_t i, const char **name, int *type);
    /** Fits on a book; `inputs` holds earlier models' columns (never NULL). Optional. */
    int (*fit)(void *state, const tier_book *book, const tier_frame *inputs);
    /** Adds exactly the declared outputs to `frame` (one row per customer of `book`) and fills
     * them; must not change `state`. */
    int (*score)(void *state, const tier_book *book, tier_frame *frame);
    /** Appends a human-readable explanation of customer `customer`'s outputs to `out`. Optional. */
    int (*explain)(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                   tier_text *out);
    /** Releases the state; called exactly once. Optional. */
    void (*destroy)(void *state);
    /** Detail text for the last failure of a callback (borrowed from state). Optional. */
    const char *(*last_error)(void *state);

    /* ---- version 2 (since 0.2.0) ---- */

    /** The outputs, used when `output_count` and `output_info` are NULL (borrowed). */
    const tier_model_output *outputs;
    /** Number of entries of `outputs`. */
    size_t n_outputs;
    /** The options (borrowed); NULL with `n_options` 0 for none. */
    const tier_model_option *options;
    /** Number of entries of `options`. */
    size_t n_options;
    /** Sets option `name` (always one of `options`) to `value` (always of the declared type; the
     * `value` is borrowed for the call). Must leave the state unchanged when it fails (TIER_EINVAL
     * or TIER_ERANGE with `last_error` saying why). Required when `n_options` > 0. */
    int (*set_option)(void *state, const char *name, const tier_value *value);
    /** Stores the current value of option `name` into `out` (tier_value_set_number(), ...).
     * Required when `n_options` > 0. */
    int (*get_option)(void *state, const char *name, tier_value *out);
    /** Writes the options and the fitted state as records (tier_state_write_key(), ...); called
     * only on a fitted model. Optional: without it the model cannot be saved. */
    int (*save)(void *state, tier_state_writer *writer);
    /** Reads records written by `save` (tier_state_next(), ...) and replaces the options and the
     * fitted state with them, all or nothing: on failure the state must be unchanged. Report a
     * bad record with tier_state_reader_fail(). Optional: without it the model cannot be loaded. */
    int (*load)(void *state, tier_state_reader *reader);
    /** Whether the state is fitted, asked after every successful `set_option` of a model that
     * has `fit`: for a model whose options can both forget a fit and make one (e.g. given
     * centres that need no data). Optional: without it an option flagged
     * TIER_OPTION_FORGETS_FIT unfits the model when its value changes. */
    int (*is_fitted)(void *state);

    /* ---- version 3 (since 0.4.0) ---- */

    /** Scores one customer, `customer`, of `book` with the fitted state as it is (no figure of
     * the other customers is recomputed): for output i (in declared order) stores a number into
     * `numbers[i]` (NaN: missing) or a label into `labels[i]` (borrowed from the state or static;
     * NULL: missing). `frame` holds the columns of the models before this one, that customer's
     * row already re-scored. Must give exactly what `score` gives for that row with the same
     * state and book, and must not change `state`. Optional: a model without it is a population
     * model (its figures rank the whole book), whose row keeps the last batch values. */
    int (*score_row)(void *state, const tier_book *book, const tier_frame *frame, size_t customer,
                     double *numbers, const char **labels);

    /* ---- version 4 (since 0.5.0) ---- */

    /** Writes, as records (tier_state_write_key(), ...), the model's mergeable summary of what a
     * fit on `book` (and `inputs`, as `fit` gets them) would read from the population: for
     * example counts per distinct value. The union of the summaries of books that split a
     * population (each customer in one of them) must fit exactly as `fit` on the whole population
     * with the same options. Must not change `state`. Optional (then also `fit_summaries`): a
     * model without it cannot be fitted from summaries. @since 0.5.0 */
    int (*fit_summary)(void *state, const tier_book *book, const tier_frame *inputs,
                       tier_state_writer *writer);
    /** Reads the `n` (>= 1) summaries written by `fit_summary` (each reader at its first record,
     * kind and check sum already verified) and, with `merged` NULL, fits the state from their
     * union, all or nothing (on failure the state is unchanged); with `merged` given, writes the
     * union's summary into it instead and leaves the state as it is. Report a bad record with
     * tier_state_read_fail() on its reader. Required with `fit_summary`. @since 0.5.0 */
    int (*fit_summaries)(void *state, tier_state_reader *const *readers, size_t n,
                         tier_state_writer *merged);
} tier_model_vtable;

/**
 * A set of user model kinds for tier_model_new_kind(), made with tier_registry_new() (opaque;
 * the calls are in registry.h).
 * @since 0.2.0
 */
typedef struct tier_registry tier_registry;

/** A model instance: a copied vtable, its state and a name (opaque). @since 0.1.0 */
typedef struct tier_model tier_model;

/**
 * Wraps a vtable and its state into a model named `name` (the prefix of its frame columns:
 * letters, digits and '_', not empty). The library copies as many bytes of `*vtable` as its
 * declared version has (a version-1 caller's shorter struct is never read past its end).
 * @param name the model name, the prefix of its columns.
 * @param[out] out the model, owned by the caller; NULL on failure.
 * @param vtable copied; must have 1 <= version <= TIER_MODEL_VTABLE_VERSION, the `score`
 *        callback, and either the `output_count` and `output_info` callbacks or (version 2) the
 *        `outputs` table; options need `set_option` and `get_option`.
 * @param state handed to every callback; ownership passes to the model even on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EVERSION (version 0 or newer than this library), TIER_EINVAL or
 *         TIER_ENOMEM. On failure `vtable->destroy(state)` has been called (unless `vtable` is NULL
 *         or its version is 0, which has no defined layout).
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_model_new(tier_model **out,
                                                    const tier_model_vtable *vtable, void *state,
                                                    const char *name, const tier_allocator *alloc);

/** Frees a model, calling its destroy callback; NULL is a no-op. @since 0.1.0 */
TIER_API void tier_model_free(tier_model *model);

/**
 * Text of the last failure on this model ("" when none): whichever call failed last, a call of
 * this header or a built-in model's own (tier_rfm_set_cut_points(), tier_scorecard_add_factor(),
 * ...), its text replaces any earlier one. A user model's own functions can only leave text in
 * their state (the `last_error` callback), which shows when the library's own text is empty.
 * Borrowed, never NULL.
 * @since 0.1.0
 */
TIER_API const char *tier_model_last_error(const tier_model *model);

/** The model's name (borrowed). @since 0.1.0 */
TIER_API const char *tier_model_name(const tier_model *model);

/** The model's kind from its vtable (borrowed). @since 0.1.0 */
TIER_API const char *tier_model_kind(const tier_model *model);

/** The state pointer given at creation (for the model's own helpers). @since 0.1.0 */
TIER_API void *tier_model_state(const tier_model *model);

/** 1 once the model has been fitted successfully (or has nothing to fit), else 0. @since 0.1.0 */
TIER_API int tier_model_is_fitted(const tier_model *model);

/**
 * Fits the model. `inputs` may be NULL (no earlier columns).
 * @return TIER_OK or the callback's status (TIER_EUSER passed through); details in the last error.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_model_fit(tier_model *model, const tier_book *book,
                                                    const tier_frame *inputs);

/**
 * Scores every customer of `book` into `frame` (which must have one row per customer). All or
 * nothing: on failure the frame has no new column and the frame's last error says why. Scoring
 * does not change the model, so one fitted model may score into many frames at once (the score
 * callback must not change its state).
 * @return TIER_OK, TIER_ESTATE (not fitted), TIER_EINVAL (row count, outputs not as declared) or
 *         the callback's status.
 * @since 0.1.0
 */
TIER_API int tier_model_score(const tier_model *model, const tier_book *book, tier_frame *frame);

/**
 * Re-scores one customer in place: row `customer` of `frame`, which holds this model's columns from
 * an earlier tier_model_score() of the same model (and the columns of the models before it, that
 * row already re-scored), gets the values the model's `score_row` gives now, with the fitted
 * state frozen. Nothing else of the frame changes; on failure nothing changes.
 * @param model a fitted model.
 * @param book the customers (`customer` indexes it; the frame has one row per customer).
 * @param frame the frame to update.
 * @param customer the row.
 * @return TIER_OK, TIER_ESTATE (not fitted, or a population model: no `score_row`),
 *         TIER_ENOTFOUND (the model's columns are not in the frame), TIER_ERANGE (customer),
 *         TIER_EINVAL, TIER_ENOMEM, or the callback's status.
 * @since 0.4.0
 */
TIER_API int tier_model_score_row(const tier_model *model, const tier_book *book, tier_frame *frame,
                                  size_t customer);

/**
 * Appends the model's explanation of one customer to `out`.
 * @return TIER_OK, TIER_ESTATE, TIER_ERANGE (customer) or the callback's status.
 * @since 0.1.0
 */
TIER_API int tier_model_explain(const tier_model *model, const tier_book *book,
                                const tier_frame *frame, size_t customer, tier_text *out);

/**
 * Makes a model of a kind named by text: a built-in ("rfm", "pareto", "scorecard" (the empty
 * scorecard of tier_scorecard_new(); its option "preset" = "b2b" makes it the B2B default card),
 * "clv", "needs", "lifecycle", "sbg" (since 0.4.0; include/tier/sbg.h describes the model) or a
 * kind added to `reg`.
 * @param[out] out the model, owned by the caller; NULL on failure.
 * @param reg the registry of user kinds (borrowed for the call); NULL for the built-ins only.
 * @param kind the kind name.
 * @param name the model name (NULL for the kind name).
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_ENOTFOUND (no such kind; list them with tier_registry_kind()),
 *         TIER_EINVAL, TIER_ENOMEM or the factory's status.
 * @since 0.2.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_model_new_kind(tier_model **out, const tier_registry *reg,
                                                         const char *kind, const char *name,
                                                         const tier_allocator *alloc);

/** Number of options the model declares (0 for a version-1 model or NULL). @since 0.2.0 */
TIER_API size_t tier_model_option_count(const tier_model *model);

/**
 * Describes option `i`. Outputs may be NULL; the strings are borrowed from the model's vtable.
 * @param model the model.
 * @param i the option index, below tier_model_option_count().
 * @param[out] name the option name.
 * @param[out] type its ::tier_option_type.
 * @param[out] doc its one-line description ("" when the model gives none).
 * @return TIER_OK, TIER_ERANGE (index) or TIER_EINVAL.
 * @since 0.2.0
 */
TIER_API int tier_model_option_info(const tier_model *model, size_t i, const char **name, int *type,
                                    const char **doc);

/**
 * Sets an option from text, parsed by its declared type: a number (C syntax, any locale; "nan"
 * where the option allows it), a text as is, or a list as comma-separated items ("" is the empty
 * list). All or nothing: on failure the model is unchanged and its last error names the option
 * (and, for an unknown name, lists the valid ones). Changing an option flagged
 * TIER_OPTION_FORGETS_FIT makes a fitted model unfitted.
 * @param model the model.
 * @param name the option name.
 * @param text the value (copied).
 * @return TIER_OK, TIER_ENOTFOUND (no such option), TIER_EINVAL (malformed or refused value),
 *         TIER_ERANGE (out of range), TIER_ENOMEM or the callback's status.
 * @since 0.2.0
 */
TIER_API int tier_model_set_option(tier_model *model, const char *name, const char *text);

/**
 * Sets a number option. As tier_model_set_option(); TIER_EINVAL when the option is not a number.
 * @param model the model.
 * @param name the option name.
 * @param value the value.
 * @return as tier_model_set_option().
 * @since 0.2.0
 */
TIER_API int tier_model_set_number(tier_model *model, const char *name, double value);

/**
 * Sets a text option. As tier_model_set_option(); TIER_EINVAL when the option is not a text.
 * @param model the model.
 * @param name the option name.
 * @param value the value (copied).
 * @return as tier_model_set_option().
 * @since 0.2.0
 */
TIER_API int tier_model_set_text(tier_model *model, const char *name, const char *value);

/**
 * Sets a list option to `n` items. As tier_model_set_option(); TIER_EINVAL when the option is not
 * a list.
 * @param model the model.
 * @param name the option name.
 * @param items the items (copied); may be NULL when `n` is 0.
 * @param n the number of items.
 * @return as tier_model_set_option().
 * @since 0.2.0
 */
TIER_API int tier_model_set_list(tier_model *model, const char *name, const char *const *items,
                                 size_t n);

/**
 * Writes the option's current value as canonical text into `out` (replacing its contents): a
 * number in the shortest form that reads back exactly ("nan", "inf", "-inf" for those), a text
 * as is, a list as its items joined by ','. tier_model_set_option() accepts it back.
 * @param model the model.
 * @param name the option name.
 * @param out the text buffer (the caller's).
 * @return TIER_OK, TIER_ENOTFOUND, TIER_EINVAL, TIER_ENOMEM or the callback's status.
 * @since 0.2.0
 */
TIER_API int tier_model_get_option(const tier_model *model, const char *name, tier_text *out);

/**
 * Reads a number option.
 * @param model the model.
 * @param name the option name.
 * @param[out] out the value.
 * @return TIER_OK, TIER_ENOTFOUND, TIER_EINVAL (not a number option) or the callback's status.
 * @since 0.2.0
 */
TIER_API int tier_model_get_number(const tier_model *model, const char *name, double *out);

/**
 * Reads an option of any type into `out` (replacing its value): for list items that contain ','.
 * @param model the model.
 * @param name the option name.
 * @param out the value (the caller's, from tier_value_new()).
 * @return TIER_OK, TIER_ENOTFOUND, TIER_EINVAL, TIER_ENOMEM or the callback's status.
 * @since 0.2.0
 */
TIER_API int tier_model_get_value(const tier_model *model, const char *name, tier_value *out);

/**
 * Saves the model's options and fitted state as text in the state format of
 * docs/model-state-format.md, replacing the contents of `out`. Saving a loaded model gives the
 * same bytes again.
 * @param model a fitted model whose vtable has `save`.
 * @param out the text buffer (the caller's); unchanged on failure.
 * @return TIER_OK, TIER_ESTATE (not fitted), TIER_EINVAL (the model cannot be saved), TIER_ENOMEM
 *         or the callback's status.
 * @since 0.2.0
 */
TIER_API int tier_model_save(const tier_model *model, tier_text *out);

/**
 * Restores options and fitted state saved by tier_model_save() from a model of the same kind, and
 * marks the model fitted. All or nothing: on failure the model is unchanged and its last error
 * gives the line. Saved text of another kind, a newer format, or damaged or cut-off text never
 * crashes.
 * @param model the model.
 * @param data the text (copied as needed; need not be NUL-terminated).
 * @param len its length in bytes.
 * @return TIER_OK, TIER_ECORRUPT (not a state, another kind, damaged or truncated text),
 *         TIER_EVERSION (a newer format), TIER_EINVAL (the model cannot be loaded), TIER_ENOMEM
 *         or the callback's status.
 * @since 0.2.0
 */
TIER_API int tier_model_load(tier_model *model, const char *data, size_t len);

/* ---- fits from mergeable summaries (docs/fit-summary-format.md) ---- */

/**
 * Writes the model's mergeable summary of a fit on `book`: what its fit reads from the population,
 * in a form that adds up over parts (for clv the distinct (x, t_x, T) and (x, m) rows with their
 * counts). A population split into books (each customer in one) fits from the summaries of its
 * parts exactly as tier_model_fit() on the whole (tier_model_fit_summaries()): the way to fit on
 * data no process holds whole. The text is the state format of docs/model-state-format.md with
 * the first line `tier-fit-summary 1 CHECK` (CHECK the CRC-32C of the bytes after that line).
 * The model itself is not changed (its options decide what is summarised, e.g. clv's as-of day:
 * set it to the population's).
 * @param model a model whose vtable has `fit_summary` (built-ins: clv, sbg, subscription).
 * @param book the customers of this part.
 * @param inputs earlier models' columns on `book` (NULL: none), as tier_model_fit() takes them.
 * @param out the text buffer (the caller's); replaced, unchanged on failure.
 * @return TIER_OK, TIER_EINVAL (a NULL argument, or the model has no summary), TIER_ENOMEM or the
 *         callback's status (the same a fit on `book` would give for bad data).
 * @since 0.5.0
 */
TIER_API int tier_model_fit_summary(tier_model *model, const tier_book *book,
                                    const tier_frame *inputs, tier_text *out);

/**
 * Fits the model from the union of `n` summaries written by tier_model_fit_summary() on models of
 * its kind with the same options: the same fitted state as tier_model_fit() on the books the
 * summaries came from taken together. All or nothing: on failure the model is as it was.
 * @param model the model (its options must match the summaries'; they are checked).
 * @param texts the summaries (need not be NUL-terminated).
 * @param lens their lengths in bytes.
 * @param n how many (at least 1).
 * @return TIER_OK, TIER_ECORRUPT (a summary that is damaged, cut off, of another kind, or made
 *         with other options: the last error names the summary, from 1, and its line),
 *         TIER_EVERSION (a newer format), TIER_EINVAL (no summaries, a NULL text, or the model
 *         has no summary), TIER_ENOMEM, or the fit's status (e.g. TIER_ECONVERGE).
 * @since 0.5.0
 */
TIER_API int tier_model_fit_summaries(tier_model *model, const char *const *texts,
                                      const size_t *lens, size_t n);

/**
 * Merges `n` summaries into one, the summary of their union: fitting from it gives what fitting
 * from the `n` does, so summaries can be merged in a tree (pairwise on the workers) and the
 * fitting process receives only one. The model is not changed.
 * @param model a model of the summaries' kind and options.
 * @param texts the summaries (need not be NUL-terminated).
 * @param lens their lengths in bytes.
 * @param n how many (at least 1).
 * @param out the merged summary (the caller's buffer); replaced, unchanged on failure.
 * @return as tier_model_fit_summaries() (no fit status).
 * @since 0.5.0
 */
TIER_API int tier_model_merge_summaries(tier_model *model, const char *const *texts,
                                        const size_t *lens, size_t n, tier_text *out);

/* ---- option values ---- */

/**
 * Creates an empty value (of no type until set).
 * @param[out] out the value, owned by the caller; NULL on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_value_new(tier_value **out, const tier_allocator *alloc);

/** Frees a value made by tier_value_new(); NULL is a no-op. @since 0.2.0 */
TIER_API void tier_value_free(tier_value *value);

/** The value's ::tier_option_type, or 0 when it holds nothing (or is NULL). @since 0.2.0 */
TIER_API int tier_value_get_type(const tier_value *value);

/** The number held (NaN when the value is not a number). @since 0.2.0 */
TIER_API double tier_value_number(const tier_value *value);

/** The text held (borrowed until the value changes), NULL when it is not a text. @since 0.2.0 */
TIER_API const char *tier_value_text(const tier_value *value);

/** Number of items of a list value (0 when it is not a list). @since 0.2.0 */
TIER_API size_t tier_value_list_count(const tier_value *value);

/** Item `i` of a list value (borrowed until the value changes), NULL when out of range. @since
 * 0.2.0 */
TIER_API const char *tier_value_list_item(const tier_value *value, size_t i);

/**
 * Makes the value the number `v`.
 * @param value the value.
 * @param v the number.
 * @return TIER_OK or TIER_EINVAL.
 * @since 0.2.0
 */
TIER_API int tier_value_set_number(tier_value *value, double v);

/**
 * Makes the value the text `text` (copied; valid UTF-8 without NUL bytes).
 * @param value the value.
 * @param text the text.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM (value unchanged).
 * @since 0.2.0
 */
TIER_API int tier_value_set_text(tier_value *value, const char *text);

/**
 * Makes the value a list of `n` texts (copied; each valid UTF-8 without NUL bytes).
 * @param value the value.
 * @param items the items; may be NULL when `n` is 0.
 * @param n the number of items.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM (value unchanged).
 * @since 0.2.0
 */
TIER_API int tier_value_set_list(tier_value *value, const char *const *items, size_t n);

/* ---- state writer and reader (for `save` and `load` callbacks) ---- */

/**
 * Starts a record named `key` (1 to 64 bytes of letters, digits, '_', '.' and '-', starting with a
 * letter); its values follow. A failure is kept: every later call and the save return it.
 * @param writer the writer handed to `save`.
 * @param key the record key (copied).
 * @return TIER_OK, TIER_EINVAL (bad key) or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_state_write_key(tier_state_writer *writer, const char *key);

/**
 * Appends a number to the current record, written in the shortest form that reads back exactly
 * (locale-independent; "nan", "inf" and "-inf" for those).
 * @param writer the writer.
 * @param v the number.
 * @return TIER_OK, TIER_EINVAL (no record started) or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_state_write_number(tier_state_writer *writer, double v);

/**
 * Appends `n` numbers to the current record.
 * @param writer the writer.
 * @param v the numbers; may be NULL when `n` is 0.
 * @param n how many.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_state_write_numbers(tier_state_writer *writer, const double *v, size_t n);

/**
 * Appends a text (valid UTF-8 without NUL bytes; copied, written quoted) to the current record.
 * @param writer the writer.
 * @param text the text.
 * @return TIER_OK, TIER_EINVAL (no record, invalid UTF-8) or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_state_write_text(tier_state_writer *writer, const char *text);

/**
 * Moves to the next record.
 * @param reader the reader handed to `load`.
 * @param[out] key the record key, borrowed until the next call; NULL at the end.
 * @return 1 for a record, 0 at the end, or a negative ::tier_status (the text is damaged).
 * @since 0.2.0
 */
TIER_API int tier_state_read_next(tier_state_reader *reader, const char **key);

/** Number of values of the current record (0 before the first record). @since 0.2.0 */
TIER_API size_t tier_state_read_count(const tier_state_reader *reader);

/** ::tier_option_type of value `i` of the current record (TIER_OPTION_NUMBER or
 * TIER_OPTION_TEXT), 0 when out of range. @since 0.2.0 */
TIER_API int tier_state_read_type(const tier_state_reader *reader, size_t i);

/**
 * Reads value `i` of the current record as a number.
 * @param reader the reader.
 * @param i the value index.
 * @param[out] out the number.
 * @return TIER_OK or TIER_ECORRUPT (missing or not a number; the reader's error gives the line).
 * @since 0.2.0
 */
TIER_API int tier_state_read_number(tier_state_reader *reader, size_t i, double *out);

/**
 * Reads the values of the current record as exactly `n` numbers.
 * @param reader the reader.
 * @param[out] out `n` numbers.
 * @param n how many the record must have.
 * @return TIER_OK or TIER_ECORRUPT (another count, or a value not a number).
 * @since 0.2.0
 */
TIER_API int tier_state_read_numbers(tier_state_reader *reader, double *out, size_t n);

/**
 * Reads value `i` of the current record as a text.
 * @param reader the reader.
 * @param i the value index.
 * @param[out] out the text, borrowed until the next call of tier_state_read_next().
 * @return TIER_OK or TIER_ECORRUPT (missing or not a text).
 * @since 0.2.0
 */
TIER_API int tier_state_read_text(tier_state_reader *reader, size_t i, const char **out);

/**
 * Rejects the current record: the load fails with TIER_ECORRUPT and the message "line N: "
 * followed by `message`.
 * @param reader the reader.
 * @param message why (copied, truncated to the error size).
 * @return TIER_ECORRUPT (return it from `load`).
 * @since 0.2.0
 */
TIER_API int tier_state_read_fail(tier_state_reader *reader, const char *message);

/** Line number (1-based) of the current record, 0 before the first. @since 0.2.0 */
TIER_API size_t tier_state_read_line(const tier_state_reader *reader);

TIER_END_DECL

/** @} */
#endif
