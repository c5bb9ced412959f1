/* SPDX-License-Identifier: MIT */
/**
 * @file history.h
 * @brief What survives from run to run: each customer's tier with its dwell and hysteresis
 *        counters, overrides, the fitted models, the policy's identity, and the ledger of moves.
 * @defgroup history Tier history (snapshots, hysteresis, overrides, ledger)
 *
 * A history is the state one run hands to the next (docs/history.md). tier_history_apply() takes
 * a run's result (tiers as the policy placed them), applies the policy's hysteresis and dwell
 * rules and the overrides against the previous state, changes the result's tiers and reasons
 * accordingly (adding the columns `previous_tier`, `move` and `since`), and advances the history
 * to the new state, with the ledger of this run. All or nothing. A history is saved to and loaded
 * from a snapshot file (docs/snapshot-format.md) atomically through the I/O layer.
 * @{
 */
#ifndef TIER_HISTORY_H
#define TIER_HISTORY_H

#include "common.h"
#include "book.h"
#include "io.h"
#include "policy.h"
#include "result.h"

TIER_BEGIN_DECL

/** The state carried from run to run (opaque). @since 0.3.0 */
typedef struct tier_history tier_history;

/** Creates an empty history (no run yet). @since 0.3.0 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_history_new(tier_history **out,
                                                      const tier_allocator *alloc);
/** Frees a history; NULL is a no-op. @since 0.3.0 */
TIER_API void tier_history_free(tier_history *history);
/** Text of the last failure ("" when none); borrowed, never NULL. @since 0.3.0 */
TIER_API const char *tier_history_last_error(const tier_history *history);

/**
 * Replaces the history with the snapshot file `path` (io NULL: POSIX). All or nothing.
 * @return TIER_OK, TIER_EIO (cannot read; the message names the path and the reason),
 *         TIER_ECORRUPT (damaged, truncated or not a snapshot; the message says what and where),
 *         TIER_EVERSION (a newer format), TIER_ERANGE (over the size limit) or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_history_load(tier_history *history, const char *path, const tier_io *io);
/** The same from `len` bytes in memory (origin names them in messages). @since 0.3.0 */
TIER_API int tier_history_load_bytes(tier_history *history, const void *data, size_t len,
                                     const char *origin);
/**
 * Saves the history to `path` atomically: a temporary file beside it, synced, renamed over
 * `path`, then the directory synced; on failure `path` keeps its previous contents and no
 * temporary remains. save(load(save(x))) is byte-identical to save(x).
 * @return TIER_OK, TIER_EIO, TIER_EVERSION (an I/O table newer than this library) or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_history_save(const tier_history *history, const char *path, const tier_io *io);
/** The same bytes to a callback (tier_write_cb of result.h). @since 0.3.0 */
TIER_API int tier_history_write(const tier_history *history, tier_write_cb cb, void *ud);

/**
 * Applies hysteresis, dwell and overrides (docs/history.md) to `result`, the run of `policy` on
 * `book` just made, against this history's previous state; then makes this history the state
 * after the run and records the run's ledger. The result's tiers and reasons change for
 * customers held in a tier or pinned by an override, and the result gains the columns
 * `previous_tier`, `move` (new, up, down, same, gone are ledger-only) and `since` (day the
 * customer entered its tier). Expired overrides are dropped and reported in the ledger. The
 * fitted models' states and the policy's name and hash are kept for the next run.
 * All or nothing: on failure neither the result nor the history changes.
 * @return TIER_OK, TIER_EINVAL, TIER_ESTATE (the result has no run) or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_history_apply(tier_history *history, tier_result *result, const tier_book *book,
                                const tier_policy *policy);

/** Number of runs applied so far (0 for a new history). @since 0.3.0 */
TIER_API uint64_t tier_history_runs(const tier_history *history);
/** As-of day of the last run applied (NaN before the first). @since 0.3.0 */
TIER_API double tier_history_as_of(const tier_history *history);
/** Name of the policy of the last run ("" before the first); borrowed. @since 0.3.0 */
TIER_API const char *tier_history_policy_name(const tier_history *history);
/** CRC-32C of the canonical text (tier_policy_describe()) of that policy. @since 0.3.0 */
TIER_API uint32_t tier_history_policy_hash(const tier_history *history);

/** Number of customers in the state. @since 0.3.0 */
TIER_API size_t tier_history_customer_count(const tier_history *history);

/** One customer's state (outputs may be NULL; strings borrowed until the history changes). */
typedef struct tier_history_entry {
    const char *id;       /**< customer id */
    const char *tier;     /**< current tier ("" when none) */
    double since;         /**< day it entered that tier */
    uint32_t runs;        /**< runs in a row in that tier */
    uint32_t failing;     /**< consecutive runs its tier's rules failed while it was held */
    const char *reason;   /**< reason of its last move */
    double moved;         /**< day of its last move (NaN: never moved) */
    const char *previous; /**< tier before its last move ("" when none) */
} tier_history_entry;

/**
 * The state of customer `id` (or of entry `index` when id is NULL).
 * @return TIER_OK, TIER_ENOTFOUND or TIER_ERANGE.
 * @since 0.3.0
 */
TIER_API int tier_history_entry_get(const tier_history *history, const char *id, size_t index,
                                    tier_history_entry *out);

/**
 * Pins customer `id` to tier `tier` until the day `expires` (exclusive; a day number), with a
 * reason and an author (all copied, not empty). Replaces an existing override of that customer.
 * It takes effect at the next tier_history_apply() and is kept in the snapshot. After a run,
 * `tier` must be a tier the history knows (of the policies applied), so that a misspelt tier is
 * refused here rather than failing the next run.
 * @return TIER_OK, TIER_EINVAL (empty or non-UTF-8 text, expires not a whole day),
 *         TIER_ENOTFOUND (after a run: a tier the history does not know) or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_history_override_add(tier_history *history, const char *id, const char *tier,
                                       const char *reason, const char *author, double expires);
/** Removes the override of customer `id`: TIER_OK or TIER_ENOTFOUND. @since 0.3.0 */
TIER_API int tier_history_override_remove(tier_history *history, const char *id);
/** Number of overrides. @since 0.3.0 */
TIER_API size_t tier_history_override_count(const tier_history *history);
/** An override (strings borrowed). @since 0.3.0 */
typedef struct tier_override_entry {
    const char *id;     /**< the customer's id */
    const char *tier;   /**< the tier it is pinned to */
    const char *reason; /**< why (shown in the output, explain and the ledger) */
    const char *author; /**< who pinned it */
    double expires;     /**< first day it no longer applies */
    double created;     /**< as-of day of the history when it was added (NaN before any run) */
} tier_override_entry;
/** Override `i`: TIER_OK or TIER_ERANGE. @since 0.3.0 */
TIER_API int tier_history_override_get(const tier_history *history, size_t i,
                                       tier_override_entry *out);

/** Ledger formats. Values are ABI. @since 0.3.0 */
typedef enum tier_ledger_format {
    TIER_LEDGER_CSV = 1, /**< the moves, one row per customer who moved, then nothing else */
    TIER_LEDGER_JSON = 2 /**< {"run":..,"as_of":..,"matrix":[..],"moves":[..],"expired":[..]} */
} tier_ledger_format;

/**
 * Writes the ledger of the last run applied: in JSON the from->to matrix (customers and
 * revenue), the moves (customer, from, to, code, detail) and the overrides that expired; in CSV
 * the moves (`customer_id,from,to,code,detail`) — write the matrix with
 * tier_history_matrix_write(). Codes: `new`, `gone`, `rule`, `cap`, `release` (hysteresis let it
 * go), `held` is not a move, `override`, `override_expired`.
 * @return TIER_OK, TIER_ESTATE (no run), TIER_EINVAL, TIER_ENOMEM or TIER_EUSER.
 * @since 0.3.0
 */
TIER_API int tier_history_ledger_write(const tier_history *history, int format, tier_write_cb cb,
                                       void *ud);
/** The from->to matrix of the last run as CSV (`from,to,customers,revenue`). @since 0.3.0 */
TIER_API int tier_history_matrix_write(const tier_history *history, tier_write_cb cb, void *ud);

TIER_END_DECL

/** @} */
#endif
