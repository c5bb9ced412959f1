/* SPDX-License-Identifier: MIT */
/* The pipeline object, shared by its files: pipeline.c (handle, settings, getters), read.c (input
 * and accounts, split reads through the host's executor), models.c (model kinds and building),
 * policies.c (the `policy` setting: built-in or file, the models a policy declares; lint, the
 * list of built-ins, explain), run.c (the run itself), report.c (summary, fit report, warnings,
 * number text), history.c (the `state` and `ledger` settings: tiers over time, overrides), diff.c
 * (two policies or two snapshots compared), html.c (the HTML page of a `report` run). */
#ifndef TIER_PIPELINE_INTERNAL_H
#define TIER_PIPELINE_INTERNAL_H

#include "util/buf.h"
#include "util/internal.h"

/* Error text: a path plus a reader's message (which may quote a path again). */
#define TIER__PIPELINE_ERR_SIZE 2048

/* What a run produces (setting "produce"): rows of tiers, rows of model scores, fit reports, the
 * explanation of one customer's tier, the lint report of the policy, the built-in policies. */
enum {
    TIER__PRODUCE_TIERS = 1,
    TIER__PRODUCE_SCORES,
    TIER__PRODUCE_FIT,
    TIER__PRODUCE_EXPLAIN,
    TIER__PRODUCE_LINT,
    TIER__PRODUCE_POLICIES,
    TIER__PRODUCE_OVERRIDE_ADD,
    TIER__PRODUCE_OVERRIDE_REMOVE,
    TIER__PRODUCE_OVERRIDE_LIST,
    TIER__PRODUCE_DIFF,  /* two policies on the same data, compared (diff.c) */
    TIER__PRODUCE_REPORT /* a `tiers` run written as one HTML page (html.c); the state is read,
                          * never written */
};

/* The produce values that work on the `state` file alone (nothing is read). */
#define TIER__PRODUCE_IS_OVERRIDE(v) \
    ((v) >= TIER__PRODUCE_OVERRIDE_ADD && (v) <= TIER__PRODUCE_OVERRIDE_LIST)

/* Output formats besides TIER_OUTPUT_CSV and TIER_OUTPUT_JSON: text, for explain and diff. */
#define TIER__FORMAT_TEXT 3

/* The default policies: for a transaction log, and with account attributes. */
#define TIER__POLICY_PLAIN "b2b-sabc"
#define TIER__POLICY_ACCOUNTS "b2b-full"

/* The `frequency` setting: what the models count as F when their own option is not set
 * (TIER__FREQ_DEFAULT: the model's default, purchase days). */
enum { TIER__FREQ_DEFAULT = 0, TIER__FREQ_DAYS = 1, TIER__FREQ_ROWS = 2 };

/* How messages spell a setting (setting "key_style"). */
enum { TIER__KEYS_NAME = 0, TIER__KEYS_FLAG = 1 };

/* Inputs at least this large are read in parts when there is an executor. */
#define TIER__SPLIT_MIN_BYTES ((uint64_t)32 << 20)

typedef struct tier__model_option {
    char *name, *text;
    tier_value *value; /* a typed value (a policy's number or list option) instead of text, or
                        * NULL: then `text`, parsed as tier_pipeline_set_model_option() does */
} tier__model_option;

/* A model of the list: made afresh by each run from its kind, name and options. */
typedef struct tier__model_spec {
    char *kind, *name;
    tier__model_option *opts;
    size_t n_opts, cap_opts;
} tier__model_spec;

/* A policy loaded by the `policy` setting, shared by the copies of the settings
 * (tier__pipeline_copy()) and by the run that used it (for explain): freed with its last
 * reference. Pipelines are single-threaded handles, so the count needs no lock. */
typedef struct tier__policy_hold {
    size_t refs;
    tier_policy *policy;
} tier__policy_hold;

/* What a `diff` run keeps besides the run of the `against` policy (diff.c). */
typedef struct tier__diff_run tier__diff_run;

/* What one run builds; it replaces the pipeline's results only when the run succeeds. */
typedef struct tier__run {
    int produce; /* the settings it ran with, for the summary */
    int has_as_of;
    int32_t as_of;
    tier_book *book;
    uint64_t rows;
    tier_model **models;
    size_t n_models;
    tier_result *result;
    char **warnings;
    size_t n_warnings;
    const tier_policy *policy; /* the policy tiered with (borrowed from hold or the host) */
    tier__policy_hold *hold;   /* a reference, or NULL */
    size_t lint_errors, lint_warnings;
    int has_lint;
    char *lint_origin; /* what the lint summary names */
    /* with a `state`: the history after the run (NULL without), its ledger's move count */
    tier_history *history;
    size_t n_moves;
    char *note;           /* an override run's summary line (without '\n'), or NULL */
    tier__diff_run *diff; /* a `diff` run: the run of `policy` and the comparison; else NULL */
    tier_retier *retier;  /* made by tier_pipeline_retier on first use, else NULL */
} tier__run;

struct tier_pipeline {
    tier_allocator alloc;
    char err[TIER__PIPELINE_ERR_SIZE];

    /* reader settings (NULL: default) */
    char *input, *columns, *id, *date, *amount, *margin, *accounts, *account_id;
    char *contracts; /* the contracts file (setting `contracts`), NULL for none */
    int delimiter;   /* 0: sniffed; else a byte or TIER_CSV_WHITESPACE */
    int header;      /* 1 (default) or 0 */
    int date_format; /* ::tier_date_format */
    int has_as_of;
    int32_t as_of;
    int frequency; /* TIER__FREQ_*: rfm's `frequency` unless the model list sets it */

    /* models, policy, what to produce */
    tier__model_spec *models;
    size_t n_models, cap_models;
    int models_set;            /* 0: the default list applies */
    char *policy_name;         /* the `policy` setting as given (NULL: the default) */
    tier__policy_hold *policy; /* its policy, loaded when set (NULL with policy_name NULL) */
    char *customer;            /* explain, overrides: the customer's id */
    char *state, *ledger;      /* the history's snapshot file, the ledger's path prefix */
    char *override_tier, *override_reason, *override_author;
    int has_until;
    int32_t until;       /* override_until: the first day the override no longer applies */
    char *against;       /* diff: the `against` setting as given (NULL: none) */
    char *against_state; /* diff of two snapshots: the newer one (`state` is the older) */
    tier__policy_hold *against_policy; /* its policy, loaded when set */
    const tier_policy *policy_ref;
    const tier_registry *registry; /* borrowed; NULL: the built-in kinds */
    int produce;

    /* output */
    char *out, *output_columns;
    int format;
    tier_write_cb write_cb;
    void *write_ud;

    /* host hooks */
    tier_io io;
    tier_executor executor;
    int has_executor;
    unsigned threads; /* the `threads` setting: 0 = the default (tier__pipeline_threads) */
    uint64_t split_min_bytes;
    tier_pipeline_progress_cb progress;
    void *progress_ud;
    int key_style;

    /* results of the last successful run */
    int has_run;
    tier__run last;
};

/* The settings, by key (pipeline.c's table names them). */
enum {
    TIER__KEY_INPUT,
    TIER__KEY_DELIMITER,
    TIER__KEY_HEADER,
    TIER__KEY_COLUMNS,
    TIER__KEY_ID,
    TIER__KEY_DATE,
    TIER__KEY_AMOUNT,
    TIER__KEY_MARGIN,
    TIER__KEY_DATE_FORMAT,
    TIER__KEY_AS_OF,
    TIER__KEY_FREQUENCY,
    TIER__KEY_ACCOUNTS,
    TIER__KEY_ACCOUNT_ID,
    TIER__KEY_CONTRACTS,
    TIER__KEY_MODELS,
    TIER__KEY_POLICY,
    TIER__KEY_PRODUCE,
    TIER__KEY_OUT,
    TIER__KEY_FORMAT,
    TIER__KEY_OUTPUT_COLUMNS,
    TIER__KEY_SPLIT_MIN_BYTES,
    TIER__KEY_THREADS,
    TIER__KEY_KEY_STYLE,
    TIER__KEY_CUSTOMER,
    TIER__KEY_STATE,
    TIER__KEY_LEDGER,
    TIER__KEY_OVERRIDE_TIER,
    TIER__KEY_OVERRIDE_REASON,
    TIER__KEY_OVERRIDE_AUTHOR,
    TIER__KEY_OVERRIDE_UNTIL,
    TIER__KEY_AGAINST,
    TIER__KEY_AGAINST_STATE,
    TIER__KEY_COUNT
};

/* ---- pipeline.c ---- */
/* Formats the pipeline's error text; returns rc. */
int tier__pipeline_fail(tier_pipeline *p, int rc, const char *fmt, ...) TIER__PRINTF(3, 4);
/* How many tasks the pipeline runs at once: 1 without an executor, else the `threads` setting
 * (2 when it is 0, the default). */
unsigned tier__pipeline_threads(const tier_pipeline *p);
/* A new pipeline (p's allocator) with copies of p's settings and p's host hooks, without its
 * error text and results: TIER_OK or TIER_ENOMEM (*out NULL). */
int tier__pipeline_copy(tier_pipeline **out, const tier_pipeline *p);
/* Gives p the settings of `from` (a copy of p whose settings were then changed) and frees
 * `from` with p's old settings; p keeps its error text and results. Cannot fail. */
void tier__pipeline_take_settings(tier_pipeline *p, tier_pipeline *from);
/* Calls the progress callback; TIER_EUSER (error set) when it asks to stop. */
int tier__pipeline_report(tier_pipeline *p, int stage, uint64_t done, uint64_t total);
/* A tier_write_fn for output written through the host's write callback: counts the bytes and
 * reports them as the write stage; `stopped` is set (with the error) when the progress callback
 * asks to stop. Zero it and set `p` before use. */
typedef struct tier__write_sink {
    tier_pipeline *p;
    uint64_t bytes;
    int stopped;
} tier__write_sink;
int tier__write_sink_put(void *ud, const char *data, size_t len);
/* How messages name setting `key` (a canonical key name): "as_of", or "--as-of" in the `flag`
 * key style. Static, `key`, or in buf (64 bytes). */
const char *tier__pipeline_label(const tier_pipeline *p, const char *key, char *buf);
/* How messages name setting k (TIER__KEY_*), with its placeholder ("--as-of YYYY-MM-DD") in the
 * flag style when `metavar`. Static or in buf (64 bytes). */
const char *tier__pipeline_key_label(const tier_pipeline *p, int k, int metavar, char *buf);
/* The value of text setting k (TIER__KEY_*, one kept as text), NULL when unset. */
const char *tier__pipeline_key_text(const tier_pipeline *p, int k);
/* Frees a model list (each spec's strings, options and values) and the array. */
void tier__pipeline_specs_free(const tier_allocator *a, tier__model_spec *v, size_t n);
/* Frees what a run built. */
void tier__run_free(const tier_allocator *a, tier__run *r);
/* Adds a warning to a run (copied); TIER_OK or TIER_ENOMEM. */
int tier__run_warn(const tier_allocator *a, tier__run *r, const char *text);

/* ---- read.c ---- */
/* Reads the input into a new book (keep_txns: keep every transaction), then the accounts and
 * the contracts.
 * Reports progress; on failure *out is NULL and the error is set. */
int tier__pipeline_read(tier_pipeline *p, int keep_txns, tier_book **out, uint64_t *rows);

/* ---- models.c ---- */
/* 1 when `kind` is known. */
int tier__pipeline_kind_known(const tier_pipeline *p, const char *kind);
/* Appends the known kinds as ", "-separated text to dst (cap bytes). */
void tier__pipeline_kind_list(const tier_pipeline *p, char *dst, size_t cap);
/* 1 when a model of `kind` needs the book's transactions. */
int tier__pipeline_kind_needs_txns(const char *kind);
/* Appends a kind's output columns for a `tiers` run (with the model's name as prefix) to dst;
 * returns 0, or TIER_ENOTFOUND for a kind that has no such list. */
int tier__pipeline_kind_columns(const tier__model_spec *s, tier__buf *dst);
/* Makes the model of `spec` for `book` (book may be NULL to check options only) with the
 * pipeline's defaults and the spec's options; sets the error on failure. */
int tier__pipeline_make_model(tier_pipeline *p, const tier__model_spec *spec, const tier_book *book,
                              tier_model **out);
/* Checks option `name` = `text` on a scratch model of `kind`; sets the error on failure. */
int tier__pipeline_check_option(tier_pipeline *p, const char *kind, const char *name,
                                const char *text);
/* 1 when models of `kind` write a fit report. */
int tier__pipeline_kind_has_report(const char *kind);
/* 1 for a `fit` run whose models all fit from their options alone (sbg on survivor counts): it
 * needs no input, and runs on an empty book when none is given. */
int tier__pipeline_fit_without_input(const tier_pipeline *p);
/* Whether the model is of a kind (by the kind name of its vtable). */
int tier__pipeline_model_is(const tier_model *m, const char *kind);

/* ---- policies.c ---- */
/* Loads the policy that `value` names (a built-in, or a file: a value with '/', ending in
 * ".policy", or naming an existing file) into a new hold with one reference. Sets the error:
 * TIER_EINVAL (unknown), TIER_EPARSE/TIER_ERANGE ("FILE:LINE:COL: ..."), TIER_EIO, TIER_ENOMEM. */
int tier__pipeline_load_policy(tier_pipeline *p, const char *value, tier__policy_hold **out);
/* Adds a reference to a hold (NULL is a no-op) and returns it. */
tier__policy_hold *tier__policy_hold_ref(tier__policy_hold *h);
/* Drops a reference (NULL is a no-op); frees the hold with its last one. */
void tier__policy_hold_unref(const tier_allocator *a, tier__policy_hold *h);
/* The name of the policy a run uses when the setting is not given. */
const char *tier__pipeline_default_policy(const tier_pipeline *p);
/* The models `policy` declares as a model list (*n 0 and *out NULL when it declares none).
 * TIER_OK or TIER_ENOMEM (error set). */
int tier__pipeline_policy_specs(tier_pipeline *p, const tier_policy *policy, tier__model_spec **out,
                                size_t *n);
/* 1 when applying `policy` reads per-transaction figures (windows, hierarchies, routing). */
int tier__pipeline_policy_needs_txns(const tier_policy *policy);
/* Appends the policy's own output columns to a column list: ",flags" when it has flags, ",route"
 * when it routes, ",ent.NAME" for each entitlement. */
void tier__pipeline_policy_columns(const tier_policy *policy, tier__buf *out);
/* A `lint` run: lints the policy of the setting, writes the report to the output callback and
 * records the counts in r; TIER_EINVAL (error set) when it found errors. */
int tier__pipeline_lint(tier_pipeline *p, tier__run *r);
/* A `policies` run: writes the list of the built-in policies (or, with the setting, the text of
 * that built-in) to the output callback. */
int tier__pipeline_list_policies(tier_pipeline *p);

/* ---- history.c ---- */
/* Loads the `state` setting's snapshot into a new history (*out). A file that does not exist
 * gives an empty history when `create` (the first run), else TIER_ENOTFOUND. Error set. */
int tier__pipeline_state_load(tier_pipeline *p, int create, tier_history **out);
/* Loads the snapshot file `path` into a new history (*out): a missing file is TIER_ENOTFOUND,
 * a damaged one TIER_ECORRUPT, each with a message naming the file. Error set. */
int tier__pipeline_history_load(tier_pipeline *p, const char *path, tier_history **out);
/* Applies `h` (the loaded state; taken over by r->history, also on failure) to r's result,
 * after the policy. For explain, keeps the customer's tier before the run in r->note. */
int tier__pipeline_state_apply(tier_pipeline *p, tier__run *r, tier_history *h);
/* After a successful `tiers` run has written its output: the ledger files (setting `ledger`),
 * then the new state, each atomically; the state comes last, so that a run that fails here
 * leaves the previous state and can simply be run again. */
int tier__pipeline_state_commit(tier_pipeline *p, tier__run *r);
/* Counts the moves of r->history's ledger into r->n_moves. */
int tier__pipeline_state_count(tier_pipeline *p, tier__run *r);
/* Appends the history section of an explanation (text lines, or a JSON member `"history":{..}`
 * inserted before the object's closing brace) for the `customer` setting's customer. */
int tier__pipeline_explain_history(tier_pipeline *p, const tier__run *r, int json, tier__buf *out);
/* An override_add, override_remove or override_list run on the `state` file. */
int tier__pipeline_overrides(tier_pipeline *p, tier__run *r);
/* ---- run.c, for diff.c ---- */
/* The policy of a `tiers`, `explain` or `diff` run: the host's, the setting's or the default
 * one (*hold: a reference the caller releases, or NULL). Sets the error. */
int tier__pipeline_choose_policy(tier_pipeline *p, const tier_policy **policy,
                                 tier__policy_hold **hold);
/* The model list of a run of `policy` (*owned: to free with tier__pipeline_specs_free). */
int tier__pipeline_model_list(tier_pipeline *p, const tier_policy *policy,
                              const tier__model_spec **out, size_t *n, tier__model_spec **owned);
/* Makes the models of `specs` on r->book and runs them and `policy` into r->result. With
 * quiet_estate a model that needs the transactions returns TIER_ESTATE without an error. */
int tier__pipeline_run_policy(tier_pipeline *p, const tier__model_spec *specs, size_t n,
                              const tier_policy *policy, int quiet_estate, tier__run *r);
/* A successful run becomes the pipeline's last one (with the settings it ran with); the
 * pipeline takes what r holds. */
void tier__pipeline_keep_run(tier_pipeline *p, tier__run *r);

/* ---- diff.c ---- */
/* A `diff` run: reads once, runs `policy` and `against`, writes their tier_diff. */
int tier__pipeline_diff(tier_pipeline *p);
/* Frees what a diff run kept (NULL is a no-op). */
void tier__diff_run_free(const tier_allocator *a, tier__diff_run *d);
/* Appends the summary of a diff run (the customers, then the moves). */
void tier__pipeline_diff_summary(const tier__run *r, tier__buf *b);

/* ---- report.c ---- */
/* Appends the fit report of model m (one JSON document and '\n'); returns the buffer's status. */
int tier__pipeline_fit_report(const tier_model *m, tier__buf *out);
/* Adds the warnings about fitted model m to the run. */
int tier__pipeline_fit_warnings(const tier_allocator *a, const tier_model *m, tier__run *r);
/* part as a percentage of whole: 0 when whole is 0, and never -0 (a zero share of a negative
 * total is written "0.0", not "-0.0"). */
double tier__pipeline_percent(double part, double whole);

/* ---- html.c ---- */
/* A `report` run's page (docs/report.md) of the run r, to `out` (atomically) or the output
 * callback; `previous` is the state before the run (NULL without a `state`): with it the page
 * has the migration matrix and the top movers. Sets the error. */
int tier__pipeline_html_report(tier_pipeline *p, tier__run *r, const tier_history *previous);

#endif
