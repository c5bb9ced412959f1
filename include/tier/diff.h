/* SPDX-License-Identifier: MIT */
/**
 * @file diff.h
 * @brief What-if before publishing: two runs of the same book compared, customer by customer.
 * @defgroup diff Diff of two runs
 *
 * A diff compares a run `before` (e.g. the policy in use) with a run `after` (e.g. the edited
 * policy) of the same customers (docs/diff.md): how many customers move from which tier to which
 * (the tier-to-tier matrix, in customers and in revenue), each tier's totals on both sides, how
 * the entitlement totals change (for a number entitlement the sum over customers, for a yes/no
 * one the customers with yes, for a text one the customers per value), the accounts routed to
 * each team, and the movers: every customer whose tier changed, with the reason on both sides.
 *
 * Tiers are matched by name: a customer in "S" on both sides has not moved, even when the two
 * policies are different files. Revenue is the customer's net amount, as tier_result_summary()
 * counts it. Every number is available through calls; tier_diff_write() renders the diff as text
 * for a person, the movers as CSV, or everything as JSON.
 *
 * A diff is filled by tier_diff_results() (or, for two histories, tier_diff_histories() and
 * tier_diff_histories_book()) and replaced as a whole by the next call (all or
 * nothing: a failed call leaves the previous diff in place).
 * @{
 */
#ifndef TIER_DIFF_H
#define TIER_DIFF_H

#include "common.h"
#include "book.h"
#include "history.h"
#include "io.h"
#include "policy.h"
#include "result.h"

TIER_BEGIN_DECL

/** A comparison of two runs (opaque). @since 0.3.0 */
typedef struct tier_diff tier_diff;

/** The two sides of a diff. Values are ABI. @since 0.3.0 */
typedef enum tier_diff_side {
    TIER_DIFF_BEFORE = 0, /**< the first run (tier_diff_results()'s `before`) */
    TIER_DIFF_AFTER = 1   /**< the second run */
} tier_diff_side;

/**
 * The direction of a move. A move is up or down only when both runs have the same tier names in
 * the same order (the same ladder, e.g. S, A, B, C); otherwise it is across. Values are ABI.
 * @since 0.3.0
 */
typedef enum tier_diff_move {
    TIER_DIFF_MOVE_UP = 1,    /**< to an earlier tier of the ladder, or from no tier into one */
    TIER_DIFF_MOVE_DOWN = 2,  /**< to a later tier of the ladder, or out of every tier */
    TIER_DIFF_MOVE_ACROSS = 3 /**< the two runs' tiers are not one ladder */
} tier_diff_move;

/** Output formats of tier_diff_write(). Values are ABI. @since 0.3.0 */
typedef enum tier_diff_format {
    TIER_DIFF_TEXT = 1, /**< for a person: summary lines, the matrix, entitlements, the movers */
    TIER_DIFF_CSV = 2,  /**< the movers, one row each, with a header line (RFC 4180, LF) */
    TIER_DIFF_JSON = 3  /**< one JSON object with everything */
} tier_diff_format;

/**
 * Creates an empty diff (no comparison yet).
 * @param[out] out the diff, owned by the caller; NULL on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_diff_new(tier_diff **out, const tier_allocator *alloc);

/** Frees a diff; NULL is a no-op. @since 0.3.0 */
TIER_API void tier_diff_free(tier_diff *diff);

/** Text of the last failure ("" when none); borrowed, never NULL. @since 0.3.0 */
TIER_API const char *tier_diff_last_error(const tier_diff *diff);

/**
 * Names the two sides in the writers' output (e.g. the two policies' names); both are copied.
 * NULL keeps a side's label; the defaults are "before" and "after". Kept across comparisons.
 * @return TIER_OK, TIER_EINVAL (a label that is not UTF-8 text) or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_diff_set_labels(tier_diff *diff, const char *before, const char *after);

/** The label of a side (borrowed), NULL for a bad side. @since 0.3.0 */
TIER_API const char *tier_diff_label(const tier_diff *diff, int side);

/**
 * Compares two runs of `book`: each result must have been run on `book` (or on a book of the
 * same customers in the same order) and may use a different policy. The results and the book
 * are only read during the call; the diff keeps copies of everything it reports.
 * @param diff the diff to fill (its previous comparison is replaced on success only).
 * @param before the first run.
 * @param after the second run.
 * @param book the customers of both runs (for the ids and the revenue).
 * @return TIER_OK, TIER_EINVAL (a NULL argument, or results whose customer counts are not the
 *         book's: the message gives both), TIER_ESTATE (a result has not been run), TIER_ERANGE
 *         (revenue overflows) or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_diff_results(tier_diff *diff, const tier_result *before, const tier_result *after,
                               const tier_book *book);

/**
 * Compares two histories (e.g. two snapshots loaded with tier_history_load(): last month's and
 * this month's state): each customer's current tier in `before` against that in `after`, over
 * the customers of either (one only in `before` goes to no tier, one only in `after` comes from
 * none), in id order (bytewise). The reasons are those of each side's last move. Histories keep
 * no revenue and no entitlements: every revenue is NaN (the writers print "-", an empty CSV
 * field or null) and there are no entitlements or teams. The histories are only read during the
 * call. tier_diff_histories_book() with NULL book and policy; with them, revenue and
 * entitlements are filled.
 * @param diff the diff to fill (its previous comparison is replaced on success only).
 * @param before the older history.
 * @param after the newer history.
 * @return TIER_OK, TIER_EINVAL (a NULL argument) or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_diff_histories(tier_diff *diff, const tier_history *before,
                                 const tier_history *after);

/**
 * Compares two histories as tier_diff_histories() does, with the revenue and the entitlements
 * the histories do not keep taken from a book and a policy. With `book`, each customer's revenue
 * is its net amount in the book, as tier_diff_results() counts it (found by id; a customer the
 * book does not have counts 0, and the text output says how many there were), so the matrix,
 * the totals, the moves and the movers have revenue. With `policy`, each side's customers are
 * given the entitlements of the policy's tier of the same name as their tier on that side, and
 * the entitlement totals are those of tier_diff_results(), both sides declaring the policy's
 * entitlements; the customers of a tier the policy does not have count for no entitlement (the
 * text output names each such tier). There are no teams (routing needs a run). The histories,
 * the book and the policy are only read during the call.
 * @param diff the diff to fill (its previous comparison is replaced on success only).
 * @param before the older history (e.g. last month's snapshot).
 * @param after the newer history.
 * @param book the customers' data for the revenue (e.g. that of the run that wrote `after`);
 *        NULL: no revenue (every revenue is NaN, as tier_diff_histories()).
 * @param policy the policy whose tiers' entitlements are counted; NULL: no entitlements.
 * @return TIER_OK, TIER_EINVAL (a NULL diff or history), TIER_ERANGE (revenue overflows) or
 *         TIER_ENOMEM.
 * @since 0.4.0
 */
TIER_API int tier_diff_histories_book(tier_diff *diff, const tier_history *before,
                                      const tier_history *after, const tier_book *book,
                                      const tier_policy *policy);

/** Customers compared (0 before the first comparison). @since 0.3.0 */
TIER_API size_t tier_diff_customer_count(const tier_diff *diff);

/** Number of tiers of a side's policy (0 for a bad side). @since 0.3.0 */
TIER_API size_t tier_diff_tier_count(const tier_diff *diff, int side);

/** Name of tier `tier` of a side (borrowed), NULL when out of range. @since 0.3.0 */
TIER_API const char *tier_diff_tier_name(const tier_diff *diff, int side, size_t tier);

/**
 * One cell of the tier-to-tier matrix: the customers in tier `from` of the before side and tier
 * `to` of the after side (indices of each side's own tiers; -1 for no tier), and their revenue.
 * Outputs may be NULL.
 * @return TIER_OK, TIER_EINVAL (NULL diff) or TIER_ERANGE (a tier out of range).
 * @since 0.3.0
 */
TIER_API int tier_diff_cell(const tier_diff *diff, int from, int to, size_t *customers,
                            double *revenue);

/**
 * A tier's totals on one side (the row or column sums of the matrix; -1 for no tier): its
 * customers and their revenue. Outputs may be NULL.
 * @return TIER_OK, TIER_EINVAL or TIER_ERANGE.
 * @since 0.3.0
 */
TIER_API int tier_diff_total(const tier_diff *diff, int side, int tier, size_t *customers,
                             double *revenue);

/**
 * The customers whose tier changed and their revenue: all of them (`move` 0) or those of one
 * ::tier_diff_move. Outputs may be NULL.
 * @return TIER_OK or TIER_EINVAL (NULL diff, unknown move).
 * @since 0.3.0
 */
TIER_API int tier_diff_moved(const tier_diff *diff, int move, size_t *customers, double *revenue);

/** Number of movers (customers whose tier changed). @since 0.3.0 */
TIER_API size_t tier_diff_mover_count(const tier_diff *diff);

/** One customer whose tier changed (strings borrowed until the diff changes). @since 0.3.0 */
typedef struct tier_diff_mover {
    size_t customer;           /**< index of the customer in the book (histories: in the union) */
    const char *id;            /**< the customer's id (not NUL-terminated: use id_len) */
    size_t id_len;             /**< its length in bytes */
    int from;                  /**< tier index on the before side, -1 for none */
    int to;                    /**< tier index on the after side, -1 for none */
    const char *from_name;     /**< before tier's name, "" for none */
    const char *to_name;       /**< after tier's name, "" for none */
    const char *reason_before; /**< the rule that placed it before ("" for none) */
    const char *reason_after;  /**< the rule that places it after ("" for none) */
    double revenue;            /**< its net revenue */
    int move;                  /**< a ::tier_diff_move */
} tier_diff_mover;

/**
 * Mover `i` (in book order).
 * @return TIER_OK, TIER_EINVAL (NULL argument) or TIER_ERANGE.
 * @since 0.3.0
 */
TIER_API int tier_diff_mover_get(const tier_diff *diff, size_t i, tier_diff_mover *out);

/**
 * Number of entitlements compared: those of the before run in its order, then those only the
 * after run declares. An entitlement declared with different types on the two sides counts as
 * two, each present on one side only. @since 0.3.0
 */
TIER_API size_t tier_diff_entitlement_count(const tier_diff *diff);

/**
 * Entitlement `k`: its name (borrowed) and its ::tier_entitlement_type into `type` (may be NULL).
 * @return the name, NULL when out of range.
 * @since 0.3.0
 */
TIER_API const char *tier_diff_entitlement_name(const tier_diff *diff, size_t k, int *type);

/**
 * Entitlement `k`'s total on one side: for a number, the sum of its value over the customers
 * whose tier sets it; for a yes/no entitlement, the number of customers with yes; for a text,
 * the number of customers whose tier sets it (per value: tier_diff_entitlement_value()).
 * @return TIER_OK, TIER_EINVAL, TIER_ERANGE (k or side) or TIER_ENOTFOUND (that side's policy
 *         does not declare it; *total is then NaN).
 * @since 0.3.0
 */
TIER_API int tier_diff_entitlement_total(const tier_diff *diff, size_t k, int side, double *total);

/** Number of distinct values of text entitlement `k` over both sides (0 for other types).
 * @since 0.3.0 */
TIER_API size_t tier_diff_entitlement_value_count(const tier_diff *diff, size_t k);

/**
 * Value `j` of text entitlement `k` (borrowed; values in order of first appearance, before side
 * first) and the customers given it on each side (outputs may be NULL).
 * @return the value, NULL when out of range.
 * @since 0.3.0
 */
TIER_API const char *tier_diff_entitlement_value(const tier_diff *diff, size_t k, size_t j,
                                                 size_t *before, size_t *after);

/** Number of routing teams that either run routes accounts to. @since 0.3.0 */
TIER_API size_t tier_diff_team_count(const tier_diff *diff);

/**
 * Team `i` (teams sorted by name, bytewise): its name (borrowed) and, on each side, the accounts
 * routed to it and their revenue (outputs may be NULL).
 * @return the name, NULL when out of range.
 * @since 0.3.0
 */
TIER_API const char *tier_diff_team(const tier_diff *diff, size_t i, size_t *before_accounts,
                                    size_t *after_accounts, double *before_revenue,
                                    double *after_revenue);

/**
 * Writes the diff to a callback as a ::tier_diff_format. Numbers are written the same whatever
 * the host's locale; the text format rounds revenue to cents, CSV and JSON write every number in
 * the shortest form that reads back exactly.
 * @return TIER_OK, TIER_EINVAL (NULL argument, unknown format), TIER_ESTATE (no comparison yet),
 *         TIER_ENOMEM or TIER_EUSER (the callback stopped).
 * @since 0.3.0
 */
TIER_API int tier_diff_write(const tier_diff *diff, int format, tier_write_cb cb, void *ud);

/**
 * Writes the same output to the file `path` atomically (a temporary file beside it, synced, then
 * renamed over it; on failure `path` is untouched). `io` NULL is the default POSIX layer.
 * @return as tier_diff_write(), TIER_EIO or TIER_EVERSION.
 * @since 0.3.0
 */
TIER_API int tier_diff_save(const tier_diff *diff, int format, const char *path, const tier_io *io);

TIER_END_DECL

/** @} */
#endif
