/* SPDX-License-Identifier: MIT */
/* What the built-in models share for options and saved state: checking an option value against
 * its range with one wording of the message, and writing/reading option records of the state
 * format (docs/model-state-format.md). */
#ifndef TIER_MODELS_OPTIONS_H
#define TIER_MODELS_OPTIONS_H

#include "core/model_internal.h"

/* A number option that must be an integer in [lo, hi]; with nan_ok, NaN (stored as nan_as) is
 * accepted too. TIER_OK, or TIER_ERANGE with `err` (TIER__ERR_SIZE bytes) saying why. */
int tier__opt_int(const tier_value *v, double lo, double hi, int nan_ok, int32_t *out, char *err);

/* A number option in [lo, hi] (NaN accepted with nan_ok). TIER_OK or TIER_ERANGE with `err`. */
int tier__opt_number(const tier_value *v, double lo, double hi, int nan_ok, double *out, char *err);

/* A text option that must be one of names[0..n): *out = its index. TIER_OK or TIER_EINVAL with
 * `err` listing the accepted texts. */
int tier__opt_choice(const tier_value *v, const char *const *names, int n, int *out, char *err);

/* The rule of a number option, for the models that keep their number options in an array opt[]
 * indexed 1..n-1 (entry 0 unused): [lo, hi], whole numbers only or not, NaN accepted or not, the
 * default, and the name used in messages and in the saved text. */
typedef struct tier__opt_rule {
    double lo, hi, def;
    int whole, nan_ok;
    const char *name;
} tier__opt_rule;

/* opt[1..n) = the rules' defaults (opt[0] is left alone). */
void tier__opt_rule_defaults(double *opt, const tier__opt_rule *rules, int n);

/* The index 1..n-1 of the rule named `name`; n when there is none. */
int tier__opt_rule_find(const tier__opt_rule *rules, int n, const char *name);

/* Writes one record per option of the table, key = option name, with the value `get` gives:
 * a number, a text, or a list's items as texts. Returns the writer's status or get's. */
int tier__opt_save(tier_state_writer *w, const tier_model_option *opts, size_t n, void *state,
                   int (*get)(void *state, const char *name, tier_value *out),
                   const tier_allocator *alloc);

/* When the current record's key names an option of the table: stores the record's values into
 * `val` as that option's type, sets *opt and returns 1 (or TIER_ECORRUPT, the reader failed, when
 * the values do not fit the type). Returns 0 when the key is no option. */
int tier__opt_read(tier_state_reader *r, const char *key, const tier_model_option *opts, size_t n,
                   tier_value *val, const tier_model_option **opt);

/* Fails the load at the current record, "option \"name\" <why>", for the status `rc` a check
 * returned: TIER_ECORRUPT, or TIER_ENOMEM passed through (out of memory is no damage). */
int tier__opt_refuse(tier_state_reader *r, const char *option, const char *why, int rc);

/* A built-in's load takes an option record: checks `value` (of the option's declared type) and
 * keeps it in the load's pending copy (`ctx`), leaving the model alone. TIER_OK, or a status with
 * `why` (TIER__ERR_SIZE bytes) saying what is wrong with the value. */
typedef int (*tier__opt_take_cb)(void *ctx, const char *name, const tier_value *value, char *why);

/* A built-in's load takes a record that is no option: returns 1 when it read it, 0 when the key
 * is unknown, or a negative status (after tier_state_read_fail() for damage). */
typedef int (*tier__record_cb)(void *ctx, tier_state_reader *r, const char *key);

/* The record loop of a built-in's load: every record whose key names an option of the table is
 * read as that option's type (tier__opt_read) and handed to `option`, whose refusal fails the load
 * at that record (tier__opt_refuse); every other record goes to `record` (NULL for none), and an
 * unknown key fails the load ("unknown record \"key\""). Returns TIER_OK after the last record,
 * or the first failure. The caller commits its pending copy only on TIER_OK. */
int tier__opt_load(tier_state_reader *r, const tier_model_option *opts, size_t n,
                   const tier_allocator *alloc, tier__opt_take_cb option, tier__record_cb record,
                   void *ctx);

/* Writes the record `key` with the numbers v[0..n). Returns the writer's status. */
int tier__opt_write_numbers(tier_state_writer *w, const char *key, const double *v, size_t n);

#endif
