/* SPDX-License-Identifier: MIT */
/**
 * @file pipeline.h
 * @brief The whole job in one object: read a transaction log, fit and score models, apply a
 *        tier policy, write one row per customer.
 * @defgroup pipeline Pipeline
 *
 * A pipeline is what every front end drives: the `tier` command, `python -m libtier`, and any
 * host that wants the command's behaviour without its argv. It is configured by key and value
 * (tier_pipeline_set()), so a front end maps its flags to keys mechanically and every front end
 * reports the same errors in the same words. tier_pipeline_run() then does, all or nothing:
 *
 * 1. **read**: the input's first line is sniffed for the delimiter (tab, comma, ';', '|', else
 *    runs of blanks) and the header names; the id, date and amount columns are the ones named by
 *    the settings, else the first usual name present (customer_id, customer, customerid, id,
 *    account_id; date, order_date, invoice_date, day; amount, dollar_value, revenue, value,
 *    total, sales). With an executor (tier_pipeline_set_executor()) a large file is read in
 *    `threads` parts at once (since 0.5.0; two before) and merged into exactly the book of one
 *    read.
 *    Account attributes (setting `accounts`) are read next, with the same sniffing, then
 *    (since 0.4.0) contracts (setting `contracts`, tier_csv_read_contracts_file()).
 * 2. **fit, score, tier**: the models (kind + name + options) are made, fitted and scored in
 *    order, and the policy assigns every customer a tier (tier_result_run(), with the `as_of`
 *    setting as the end of the policy's windows). The models are the `models` list, else the
 *    models the policy declares, else the default list. Transactions are kept only when a model
 *    or the policy's windows need them (a model that finds them missing makes the pipeline read
 *    the input again, keeping them).
 * 3. **write**: one row per customer, CSV or JSON, to a file (written to a temporary file beside
 *    it, synced, then renamed over it) or to a write callback.
 *
 * With a `state` (since 0.3.0) the run carries a history (history.h, docs/history.md) from the
 * last run to this one: the snapshot file is loaded first (a file that does not exist is the
 * first run), tier_history_apply() holds customers in their tiers after the policy (hysteresis,
 * dwell, overrides), and once the output is written the ledger files (setting `ledger`) and then
 * the new snapshot are written, each atomically. The state comes last: a run that fails at any
 * point, writing included, leaves the previous state, so that running it again is always safe.
 *
 * A failed run writes nothing (no file is created or changed) and leaves the results of the
 * previous successful run in place; tier_pipeline_last_error() says what failed, worded for a
 * person ("FILE: line 3, column 2 (date): no such date: ..."), the same text the `tier` command
 * prints after "tier: ".
 *
 * Settings (tier_pipeline_set(); values are text, NULL restores the default):
 * | key            | value                                                                  |
 * | -------------- | ---------------------------------------------------------------------- |
 * | input          | the transaction log (required)                                         |
 * | delimiter      | `auto` (default: sniffed), `ws` (runs of blanks), `tab`, or one byte   |
 * | header         | `yes` (default) or `no`: whether the first line names the columns      |
 * | columns        | comma-separated column names (required for a headerless input)         |
 * | id, date, amount, margin | the column of that role (default: sniffed; no margin)        |
 * | date_format    | `auto` (default), `iso` or `yyyymmdd`                                  |
 * | as_of          | YYYY-MM-DD: rows from that day on are ignored, models measure up to it |
 * | frequency      | (since 0.5.0) `days` (default) or `rows`: what rfm counts as F, for    |
 * |                | each model with a `frequency` option its list or policy does not set  |
 * | accounts       | account attributes file, one row per customer (default: none)          |
 * | account_id     | its id column (default: account_id, customer_id, customer or id)       |
 * | contracts      | (since 0.4.0) contracts file, one row per contract (default: none;     |
 * |                | docs/subscriptions.md); the default model lists gain `subscription`    |
 * | models         | comma-separated kinds, each model named after its kind (default: the   |
 * |                | models the policy declares; for a policy that declares none `rfm,pareto`,|
 * |                | with `accounts` `rfm,pareto,lifecycle,scorecard,needs`)               |
 * | policy         | a built-in policy name (tier_policy_builtin_name()) or a policy file:  |
 * |                | a value with '/', ending in ".policy", or naming an existing file. It  |
 * |                | is loaded when set (a bad file fails the call with TIER_EPARSE and     |
 * |                | "FILE:LINE:COL: ..."). Default `b2b-sabc`, with `accounts` `b2b-full`  |
 * | produce        | `tiers` (default: fit, score, tier, write rows), `scores` (fit, score, |
 * |                | write the models' outputs; no policy), `fit` (fit, write a JSON report)|
 * |                | (since 0.3.0) `explain` (tier, then write the explanation of the       |
 * |                | `customer`), `lint` (write tier_policy_lint()'s report of the policy;  |
 * |                | the run fails when it finds errors), `policies` (write the built-in    |
 * |                | policies with their descriptions, or with `policy` set its text),      |
 * |                | `diff` (read once, tier by `policy` and by `against`, write their      |
 * |                | tier_diff: text, csv = the movers, json; include/tier/diff.h)          |
 * |                | `override_add` (load `state`, or start one when the file does not      |
 * |                | exist, pin `customer` with the override_* settings, save it            |
 * |                | atomically), `override_remove` (drop the `customer`'s override),       |
 * |                | `override_list` (write the overrides as CSV: customer_id,tier,until,   |
 * |                | reason,author,created); the override runs read no input; (since 0.4.0) |
 * |                | `report` (as `tiers`, then one self-contained HTML page instead of     |
 * |                | rows: inline SVG charts, no script; with `state` the migration matrix  |
 * |                | and the top movers; the state is read, never written; docs/report.md)  |
 * | against        | (since 0.3.0) `diff`: the policy to compare with, as `policy` takes it |
 * | customer       | (since 0.3.0) the customer id `explain` explains, or whose override    |
 * |                | an override run adds or removes                                        |
 * | state          | (since 0.3.0) the history's snapshot file (default: none). `tiers`:    |
 * |                | loaded when it exists, applied after the policy, saved when the whole  |
 * |                | run succeeded; the default columns gain previous_tier,move,since after |
 * |                | tier, the summary a line "state: run N, M moves, K overrides".         |
 * |                | `explain`: loaded and applied, never saved; the explanation ends with  |
 * |                | the customer's history (tier before the run, since, dwell, runs in the |
 * |                | tier, failing counter, last move and its reason, active override)      |
 * |                | `report` (0.4.0): must exist; loaded and applied, never saved; the     |
 * |                | page compares it with the state after the run                          |
 * | ledger         | (since 0.3.0) with `state`, a path prefix: a successful `tiers` run    |
 * |                | writes the moves to PREFIX.csv, the from->to matrix to                 |
 * |                | PREFIX-matrix.csv and the JSON ledger to PREFIX.json, atomically       |
 * | override_tier, override_reason, override_author | (since 0.3.0) the override to add      |
 * | override_until | (since 0.3.0) YYYY-MM-DD, the first day it no longer applies; it must  |
 * |                | come after the state's last run                                        |
 * | out            | output file (default: none; then the write callback, if any)           |
 * | format         | `csv` (default) or `json`; `text` (since 0.3.0) for `explain`, which   |
 * |                | writes text for anything but `json`, and for `diff`                    |
 * | output_columns | a tier_result_write() column list (default: customer_id, tier, the     |
 * |                | models' columns, then `flags` when the policy has flags, `route` when  |
 * |                | it routes, `ent.NAME` per entitlement, and reason)                     |
 * | split_min_bytes| smallest input read in parts when there is an executor (default 32 MiB)|
 * | threads        | (since 0.5.0) how many tasks the run hands out at once through the     |
 * |                | executor, 1 to 64: the input is read in that many parts; 0 (default):  |
 * |                | the executor's `threads` (2 when it does not say). Without an executor |
 * |                | everything runs on the calling thread. Results never depend on it      |
 * | key_style      | how messages name settings: `name` (default, "as_of") or `flag`        |
 * |                | ("--as-of", as the `tier` command spells them)                         |
 *
 * Keys are matched exactly. A pipeline is one handle: it must not be used by two threads at once.
 * @{
 */
#ifndef TIER_PIPELINE_H
#define TIER_PIPELINE_H

#include "common.h"
#include "book.h"
#include "diff.h"
#include "executor.h"
#include "io.h"
#include "model.h"
#include "policy.h"
#include "registry.h"
#include "result.h"
#include "retier.h"
#include "text.h"

TIER_BEGIN_DECL

/** Column roles for tier_pipeline_sniff(). Values are ABI. @since 0.2.0 */
typedef enum tier_pipeline_role {
    TIER_PIPELINE_ROLE_NONE = 0,      /**< no column wanted */
    TIER_PIPELINE_ROLE_ID = 1,        /**< customer_id, customer, customerid, id, account_id */
    TIER_PIPELINE_ROLE_DATE = 2,      /**< date, order_date, invoice_date, day */
    TIER_PIPELINE_ROLE_AMOUNT = 3,    /**< amount, dollar_value, revenue, value, total, sales */
    TIER_PIPELINE_ROLE_ACCOUNT_ID = 4 /**< account_id, customer_id, customer, id */
} tier_pipeline_role;

/**
 * The sniffing a pipeline does on the first line of a file, for a host that reads a file itself
 * (e.g. account attributes with tier_csv_read_attributes_file()).
 * @param head the start of the file (at least its first line; a UTF-8 byte-order mark is
 *        skipped, and so are lines that are empty or hold only spaces and tabs, as the reader
 *        skips them; since 0.4.0); only read during the call.
 * @param len its length in bytes.
 * @param role a ::tier_pipeline_role.
 * @param[in,out] delimiter 0 to sniff it (tab, ',', ';' or '|', the first of them present, else
 *        TIER_CSV_WHITESPACE), which is then stored; otherwise the delimiter to split the line
 *        with.
 * @param[out] column with a role, the first of its usual names (the table of
 *        ::tier_pipeline_role, in that order) that the line names, else its first usual name: a
 *        static string. May be NULL when `role` is 0.
 * @param alloc the allocator for the scratch space (NULL for malloc).
 * @return TIER_OK, TIER_EINVAL (NULL arguments, unknown role) or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_sniff(const char *head, size_t len, int role, int *delimiter,
                                 const char **column, const tier_allocator *alloc);

/** A configured pipeline and the results of its last successful run (opaque). @since 0.2.0 */
typedef struct tier_pipeline tier_pipeline;

/** Stages reported to a ::tier_pipeline_progress_cb. Values are ABI. @since 0.2.0 */
typedef enum tier_pipeline_stage {
    /** Reading the input: `done` of `total` bytes of the whole file (`total` 0 when unknown). */
    TIER_PIPELINE_STAGE_READ = 1,
    /** Reading the account attributes: `done` of `total` bytes. */
    TIER_PIPELINE_STAGE_ACCOUNTS = 2,
    /** Fitting, scoring and tiering: `done` of `total` steps. */
    TIER_PIPELINE_STAGE_MODELS = 3,
    /** Writing the output: `done` bytes so far (`total` 0). */
    TIER_PIPELINE_STAGE_WRITE = 4
} tier_pipeline_stage;

/**
 * Progress callback of a run: `stage` is a ::tier_pipeline_stage. Called on the thread that
 * called tier_pipeline_run(). Return 0 to go on, non-zero to stop the run with TIER_EUSER.
 * @since 0.2.0
 */
typedef int (*tier_pipeline_progress_cb)(void *ud, int stage, uint64_t done, uint64_t total);

/**
 * Creates a pipeline with the default settings (no input yet).
 * @param[out] out the pipeline, owned by the caller; NULL on failure.
 * @param alloc the allocator (NULL for malloc); copied. Every object the pipeline makes (book,
 *        models, result) uses it.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_pipeline_new(tier_pipeline **out,
                                                       const tier_allocator *alloc);

/** Frees a pipeline and the results it holds; NULL is a no-op. @since 0.2.0 */
TIER_API void tier_pipeline_free(tier_pipeline *pipeline);

/**
 * Text of the last failure ("" when none), worded for a person and ready to print after a
 * program name. Borrowed from the pipeline, never NULL.
 * @since 0.2.0
 */
TIER_API const char *tier_pipeline_last_error(const tier_pipeline *pipeline);

/**
 * Changes one setting (see the table of @ref pipeline). The value is checked at once: a bad
 * value leaves the setting as it was and the last error says why, naming the setting as the
 * `key_style` setting spells it. Settings take effect at the next run.
 * @param pipeline the pipeline.
 * @param key the setting's name.
 * @param value its new value (copied); NULL restores the default.
 * @return TIER_OK, TIER_ENOTFOUND (no such setting), TIER_EINVAL (bad value) or TIER_ENOMEM;
 *         for `policy` (since 0.3.0) also TIER_EPARSE or TIER_ERANGE (a policy file that does not
 *         load; the message "FILE:LINE:COL: ...") and TIER_EIO (a file that cannot be read).
 * @since 0.2.0
 */
TIER_API int tier_pipeline_set(tier_pipeline *pipeline, const char *key, const char *value);

/**
 * Writes a setting's current value as text into `out` (replacing its contents): the value set,
 * or the default in effect ("models" gives the list the next run uses; an unset optional
 * setting gives "").
 * @param pipeline the pipeline.
 * @param key the setting's name.
 * @param out the text buffer (the caller's); unchanged on failure.
 * @return TIER_OK, TIER_ENOTFOUND or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_get(const tier_pipeline *pipeline, const char *key, tier_text *out);

/**
 * Appends a model to the list the next run fits (the first call replaces the default list);
 * `kind` and `name` are copied.
 * @param pipeline the pipeline.
 * @param kind the model kind: "rfm", "pareto", "clv", "lifecycle", "scorecard" (given the option
 *        `preset=b2b` unless the list sets `preset`), "needs" or a kind of the registry
 * (tier_pipeline_set_registry()).
 * @param name the model name, the prefix of its output columns (NULL for the kind); unique in the
 *        list.
 * @return TIER_OK, TIER_ENOTFOUND (unknown kind), TIER_EINVAL (bad or repeated name) or
 *         TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_add_model(tier_pipeline *pipeline, const char *kind, const char *name);

/**
 * Sets an option of a model of the list (all three strings are copied), by the option's name and
 * a text value, parsed as
 * tier_model_set_option() does; a number option also takes an ISO date (YYYY-MM-DD) as its day
 * number. The value is checked at once on a scratch model of the same kind and applied to the
 * model each run makes, after the pipeline's own defaults (`as_of`; for a needs model, the
 * numeric account attributes named module_* and goal_* as its features).
 * @param pipeline the pipeline.
 * @param model the model's name in the list.
 * @param option the option's name.
 * @param text the value (copied).
 * @return TIER_OK, TIER_ENOTFOUND (no such model or option), TIER_EINVAL, TIER_ERANGE or
 *         TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_set_model_option(tier_pipeline *pipeline, const char *model,
                                            const char *option, const char *text);

/**
 * Lets the model list use the kinds of a registry besides the built-ins (NULL: the built-ins
 * only). The registry is borrowed: it must stay alive until it is replaced or the pipeline is
 * freed. A "scorecard" of the list gets the option `preset=b2b`
 * (the card of tier_scorecard_new_b2b()) unless the list sets `preset` itself.
 * @param pipeline the pipeline.
 * @param registry the registry, or NULL.
 * @return TIER_OK or TIER_EINVAL.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_set_registry(tier_pipeline *pipeline, const tier_registry *registry);

/**
 * Uses the host's policy instead of the `policy` setting's built-in one (NULL goes back to the
 * setting). The policy is borrowed: it must stay alive and unchanged until it is replaced or the
 * pipeline is freed.
 * @param pipeline the pipeline.
 * @param policy the policy, or NULL.
 * @return TIER_OK or TIER_EINVAL.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_set_policy_ref(tier_pipeline *pipeline, const tier_policy *policy);

/**
 * Installs a progress callback (NULL removes it).
 * @param pipeline the pipeline.
 * @param cb the callback.
 * @param ud handed back to `cb` (borrowed).
 * @return TIER_OK or TIER_EINVAL.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_set_progress(tier_pipeline *pipeline, tier_pipeline_progress_cb cb,
                                        void *ud);

/**
 * Lets the pipeline run parts of its work concurrently through the host's executor (NULL: read
 * sequentially, the default). The output is byte-identical either way.
 * @param pipeline the pipeline.
 * @param executor the executor (copied; its `ud` is borrowed).
 * @return TIER_OK, TIER_EVERSION (version 0, since 0.4.0, or newer than this library) or
 *         TIER_EINVAL (a hook is missing).
 * @since 0.2.0
 */
TIER_API int tier_pipeline_set_executor(tier_pipeline *pipeline, const tier_executor *executor);

/**
 * Replaces the I/O layer used to read the input and the accounts and to write the output file
 * (NULL restores the default POSIX layer).
 * @param pipeline the pipeline.
 * @param io the I/O table (copied; its `ud` is borrowed).
 * @return TIER_OK, TIER_EVERSION (version 0, since 0.4.0, or newer than this library) or
 *         TIER_EINVAL (a hook is missing).
 * @since 0.2.0
 */
TIER_API int tier_pipeline_set_io(tier_pipeline *pipeline, const tier_io *io);

/**
 * Sends the output to a callback when no `out` file is set (NULL: no output then). The bytes come
 * only after everything else has succeeded; a callback that fails stops the run (TIER_EUSER), but
 * what it already received cannot be taken back.
 * @param pipeline the pipeline.
 * @param cb the callback.
 * @param ud handed back to `cb` (borrowed).
 * @return TIER_OK or TIER_EINVAL.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_set_output(tier_pipeline *pipeline, tier_write_cb cb, void *ud);

/**
 * Checks that the settings make a complete job (an input, names for a headerless input, a fit
 * report for every model when `produce` is `fit`, ...) without reading anything. A front end
 * calls it after the settings to tell a usage error from a failed run.
 * @param pipeline the pipeline.
 * @return TIER_OK or TIER_EINVAL (the last error says what is missing).
 * @since 0.2.0
 */
TIER_API int tier_pipeline_check(tier_pipeline *pipeline);

/** What tier_pipeline_set_command() found besides settings (bits). Values are ABI. @since 0.2.0 */
typedef enum tier_pipeline_command_flag {
    /** `--help` or `-h`: show the command's usage (tier_pipeline_usage()) and run nothing; the
     * arguments after it were not read. */
    TIER_PIPELINE_COMMAND_HELP = 1,
    /** `--quiet` or `-q`: show no progress line and no summary. */
    TIER_PIPELINE_COMMAND_QUIET = 2
} tier_pipeline_command_flag;

/**
 * Configures a new pipeline as the `tier` command `command` does with the arguments that follow
 * the command's words, so that every front end (the `tier` program, `python3 -m libtier`, ...)
 * takes the same flags and words the same errors. Each flag of the command's usage
 * (tier_pipeline_usage()) becomes a setting: `--name VALUE` sets `name`, with '-' read as '_'
 * (`--as-of` sets `as_of`; `--no-header` sets `header` to `no`), except the flags of `fit clv`
 * and `clv` that are options of the model `clv`: `--calibration-end`, `--model bgnbd|pnbd`,
 * `--time-unit day|week`, `--horizon`, `--discount-rate` and `--profit-margin` (`margin`). The
 * call also sets `key_style` to `flag` and `produce` (`tiers` for `run`, `fit` for `fit clv`,
 * `scores` for `clv`) and adds the model `clv` for `fit clv` and `clv`; after the last argument
 * it checks the options the command requires, then tier_pipeline_check(). All or nothing: a
 * failed call changes no setting. The host's part stays
 * with the front end: the output (tier_pipeline_set_output()), threads, a progress line,
 * printing and the exit status.
 * Since 0.3.0 also "explain" (the flags of `run` but `--out` and `--ledger`, plus
 * `--customer ID` and `--format text|json`: `produce` is `explain`), "lint" (one argument, the
 * policy: `produce` is `lint`), "policies" (no argument, or the name of a built-in policy:
 * `produce` is `policies`), "diff" (the flags of `run` plus `--against NAME|FILE`, required:
 * `produce` is `diff` and `format` is `text` unless `--format` says otherwise), and
 * "override add" (`--state`, `--customer`, `--tier`, `--reason`, `--author`, `--until`: the
 * settings state, customer and override_*), "override remove" (`--state`, `--customer`) and
 * "override list" (`--state`); `run` takes `--state` and `--ledger`, `explain` `--state`.
 * Since 0.4.0 also "report" (the reader flags, `--policy`, `--out`, `--accounts`,
 * `--account-id`, `--models`, `--state`: `produce` is `report`).
 * @param pipeline a pipeline fresh from tier_pipeline_new() (host hooks may be set already).
 * @param command "run", "fit clv", "clv", "explain", "diff", "report", "lint", "policies",
 *        "override add", "override remove" or "override list".
 * @param argc the number of arguments.
 * @param argv the arguments (borrowed for the call only); may be NULL when `argc` is 0.
 * @param[out] flags set to the ::tier_pipeline_command_flag bits found (0 on failure); may be
 *        NULL.
 * @return TIER_OK, TIER_ENOTFOUND (unknown command), TIER_EINVAL (a usage error: an unknown flag,
 *         a missing or bad value, a missing required option, incomplete settings; the last error
 *         says which, as the `tier` command prints it after "tier: ") or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_set_command(tier_pipeline *pipeline, const char *command, size_t argc,
                                       const char *const *argv, unsigned int *flags);

/**
 * Appends the `tier` command's usage text to `out`: of one command ("run", "fit clv", "clv",
 * "version", and since 0.3.0 "explain", "diff", "lint", "policies", "override" (its three
 * actions), "override add", "override remove" and "override list"), as printed for `--help`, or
 * of all of them (NULL), as `tier help` prints it. Every line ends in '\n'. The text is static;
 * nothing but `out` is allocated.
 * @param command the command, or NULL.
 * @param out the text buffer (the caller's); unchanged on failure.
 * @return TIER_OK, TIER_EINVAL (`out` is NULL), TIER_ENOTFOUND (unknown command) or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_usage(const char *command, tier_text *out);

/**
 * Runs the job: check, read, fit, score, tier, write. All or nothing: on failure nothing is
 * written and the results of the previous run stay.
 * @param pipeline the pipeline.
 * @return TIER_OK, TIER_EINVAL (settings, see tier_pipeline_check(), or a file that does not fit
 *         them), TIER_EIO, TIER_EPARSE, TIER_ERANGE, TIER_ENOTFOUND, TIER_ESTATE, TIER_ENOMEM,
 *         TIER_EUSER (a callback stopped it) or a model's status; the last error says why.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_run(tier_pipeline *pipeline);

/** The book of the last successful run (borrowed; NULL before one). @since 0.2.0 */
TIER_API const tier_book *tier_pipeline_book(const tier_pipeline *pipeline);

/** Number of models of the last successful run. @since 0.2.0 */
TIER_API size_t tier_pipeline_model_count(const tier_pipeline *pipeline);

/** Fitted model `i` of the last successful run (borrowed; NULL when out of range). @since 0.2.0 */
TIER_API const tier_model *tier_pipeline_model(const tier_pipeline *pipeline, size_t i);

/**
 * The result of the last successful run (borrowed; NULL before one, and after a `fit` run, which
 * neither scores nor tiers).
 * @since 0.2.0
 */
TIER_API const tier_result *tier_pipeline_result(const tier_pipeline *pipeline);

/**
 * The retier of the last successful run (docs/retier.md): its models, policy, book and history
 * frozen so that one customer at a time can be re-tiered after a new invoice, without handling
 * the models. Made on the first call after a run (O(N log N)); owned by the pipeline, valid until
 * its next run or free. Transactions and attributes are added through tier_pipeline_book() (cast
 * to a mutable book; nothing else may change it).
 * @param pipeline the pipeline.
 * @param[out] out the retier (borrowed); NULL on failure.
 * @return TIER_OK, TIER_ESTATE (no run that tiered customers yet), TIER_EINVAL (a policy the
 *         retier cannot freeze) or TIER_ENOMEM; the last error says why.
 * @since 0.4.0
 */
TIER_API int tier_pipeline_retier(tier_pipeline *pipeline, tier_retier **out);

/** Data rows read from the input by the last successful run. @since 0.2.0 */
TIER_API uint64_t tier_pipeline_rows_read(const tier_pipeline *pipeline);

/**
 * Appends the summary of the last successful run to `out`, as the `tier` command prints it
 * after "tier: ": "23570 customers, 69659 transactions, as of 1998-07-01" and one line per tier
 * ("  S: 1670 customers (7.1%), revenue 93680.36 (80.0%)"), each line ending in '\n'. A `fit`
 * run has no summary (nothing is appended).
 * @param pipeline the pipeline.
 * @param out the text buffer (the caller's).
 * @return TIER_OK, TIER_ESTATE (no successful run yet) or TIER_ENOMEM.
 * @since 0.2.0
 */
TIER_API int tier_pipeline_summary(const tier_pipeline *pipeline, tier_text *out);

/**
 * Explains the tier of one customer of the last successful run (tier_result_explain() with the
 * book, result and policy of that run).
 * @param pipeline the pipeline.
 * @param customer_id the customer's id.
 * @param format TIER_EXPLAIN_TEXT or TIER_EXPLAIN_JSON.
 * @param out the text buffer (the caller's); the explanation is appended.
 * @return TIER_OK, TIER_ESTATE (no run has tiered customers), TIER_ENOTFOUND (no such customer in
 *         the book; the message names it), TIER_EINVAL or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_pipeline_explain(tier_pipeline *pipeline, const char *customer_id, int format,
                                   tier_text *out);

/**
 * The comparison of the last successful `diff` run (produce = diff): the run of `policy` (before)
 * against the run of `against` (after) on the same book, whose result tier_pipeline_result()
 * returns. Borrowed; NULL before such a run.
 * @since 0.3.0
 */
TIER_API const tier_diff *tier_pipeline_diff(const tier_pipeline *pipeline);

/** Number of warnings of the last successful run (e.g. a fit that did not converge). @since 0.2.0
 */
TIER_API size_t tier_pipeline_warning_count(const tier_pipeline *pipeline);

/** Warning `i` of the last successful run (borrowed; NULL when out of range). @since 0.2.0 */
TIER_API const char *tier_pipeline_warning(const tier_pipeline *pipeline, size_t i);

TIER_END_DECL

/** @} */
#endif
