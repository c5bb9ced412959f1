/* SPDX-License-Identifier: MIT */
/**
 * @file result.h
 * @brief One run: models fitted and scored on a book, then a policy applied to every customer.
 * @defgroup result Run result
 *
 * The result owns a frame with every model's columns plus two label columns: "tier" (the tier
 * names) and "reason" (the rule names); row i is customer i of the book.
 * @{
 */
#ifndef TIER_RESULT_H
#define TIER_RESULT_H

#include "common.h"
#include "book.h"
#include "frame.h"
#include "model.h"
#include "policy.h"
#include "io.h"

TIER_BEGIN_DECL

/** A run result (opaque). @since 0.1.0 */
typedef struct tier_result tier_result;

/**
 * Creates an empty result.
 * @param alloc the allocator (NULL for malloc); copied.
 * @param[out] out the result, owned by the caller; NULL on failure.
 * @return TIER_OK or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_result_new(tier_result **out,
                                                     const tier_allocator *alloc);

/** Frees a result; NULL is a no-op. @since 0.1.0 */
TIER_API void tier_result_free(tier_result *result);

/** Text of the last failure ("" when none); borrowed, never NULL. @since 0.1.0 */
TIER_API const char *tier_result_last_error(const tier_result *result);

/**
 * Runs the pipeline: each model in order is fitted (unless already fitted) on `book` with the
 * columns of the models before it, then scores into the result's frame; then `policy` assigns a
 * tier to every customer. Replaces the previous contents only on success (all or nothing).
 * @param result the result to fill.
 * @param book the customers.
 * @param model_count number of models.
 * @param policy the tier policy.
 * @param models `model_count` models; their names must be distinct.
 * @return TIER_OK or the first failure's status (the last error names the model or rule).
 * @since 0.1.0
 */
TIER_API int tier_result_run(tier_result *result, const tier_book *book, tier_model *const *models,
                             size_t model_count, const tier_policy *policy);

/** The frame of all columns (borrowed; NULL before the first successful run). @since 0.1.0 */
TIER_API const tier_frame *tier_result_frame(const tier_result *result);

/** Number of customers in the result. @since 0.1.0 */
TIER_API size_t tier_result_customer_count(const tier_result *result);

/** Tier index of customer `i`, -1 when no rule matched or `i` is out of range. @since 0.1.0 */
TIER_API int tier_result_tier(const tier_result *result, size_t i);

/** Number of tiers of the policy used. @since 0.1.0 */
TIER_API size_t tier_result_tier_count(const tier_result *result);

/** Name of tier `tier` (borrowed), NULL when out of range. @since 0.1.0 */
TIER_API const char *tier_result_tier_name(const tier_result *result, size_t tier);

/** Reason (name of the rule that matched) for customer `i` (borrowed), "" when none. @since 0.1.0
 */
TIER_API const char *tier_result_reason(const tier_result *result, size_t i);

/**
 * Summary of tier `tier`: customers in it and their net revenue (amounts before the as-of day of
 * the first time-based model, or all amounts). Outputs may be NULL.
 * @return TIER_OK or TIER_ERANGE.
 * @since 0.1.0
 */
TIER_API int tier_result_summary(const tier_result *result, size_t tier, size_t *customers,
                                 double *revenue);

/** Output formats for tier_result_write(). Values are ABI. @since 0.1.0 */
typedef enum tier_output_format {
    TIER_OUTPUT_CSV = 1, /**< RFC 4180 CSV with a header line, LF line ends */
    TIER_OUTPUT_JSON = 2 /**< a JSON array with one object per customer */
} tier_output_format;

/** The default output columns (see tier_result_write()). @since 0.1.0 */
#define TIER_RESULT_DEFAULT_COLUMNS                                                            \
    "customer_id,tier,r=rfm.r,f=rfm.f,m=rfm.m:2,tenure=rfm.tenure,r_score=rfm.r_score,"        \
    "f_score=rfm.f_score,m_score=rfm.m_score,segment=rfm.segment,value_class=rfm.value_class," \
    "pareto_class=pareto.class,reason"

/**
 * Receives output bytes. Return 0 to go on, non-zero to stop the write with TIER_EUSER.
 * @since 0.1.0
 */
typedef int (*tier_write_cb)(void *ud, const char *data, size_t len);

/**
 * Writes one row per customer (in book order) to a callback. `columns` is a comma-separated list
 * of items `header=source[:decimals]` or just `source` (the header is then the source name);
 * a source is "customer_id", "tier", "reason" or a frame column's full name; `:decimals` (0..9)
 * prints a number column with that many decimals, otherwise numbers print in the shortest form
 * that reads back exactly. Missing values are empty (CSV) or null (JSON). NULL columns means
 * TIER_RESULT_DEFAULT_COLUMNS.
 * @return TIER_OK, TIER_ENOTFOUND (unknown column), TIER_EINVAL (bad list or format),
 *         TIER_ESTATE (no run yet), TIER_ENOMEM or TIER_EUSER (the callback stopped).
 * @since 0.1.0
 */
TIER_API int tier_result_write(const tier_result *result, const tier_book *book,
                               const char *columns, int format, tier_write_cb cb, void *ud);

/**
 * Writes the same output to the file `path` atomically: into a temporary file beside it, which is
 * synced and then renamed over `path`; on failure `path` is untouched and no temporary remains.
 * `io` may be NULL for the default POSIX layer; it needs version >= 1 and the open, write, sync,
 * close, rename and remove hooks.
 * @return as tier_result_write(), TIER_EIO, or TIER_EVERSION (an I/O table newer than this
 *         library; since 0.2.0, as tier_csv_set_io() has always done).
 * @since 0.1.0
 */
TIER_API int tier_result_save(const tier_result *result, const tier_book *book, const char *columns,
                              int format, const char *path, const tier_io *io);

/**
 * Sets the as-of day the next runs use for the policy's windows (docs/policy-format.md): a day
 * number (tier_date_parse()), or NaN for the default, the day after the book's last transaction.
 * @return TIER_OK, TIER_EINVAL (NULL) or TIER_ERANGE (not a whole day in range).
 * @since 0.3.0
 */
TIER_API int tier_result_set_as_of(tier_result *result, double day);

/**
 * Sets the population figures the next runs place customers against, for a run split over
 * several parts of the customers (docs/distributed.md): each abc() call the text names classifies
 * a row by the global rows where classes A and B end, each cap it names keeps a candidate when it
 * does not come after the global last kept candidate (boundary rows named by order key and lead
 * id, so that the row need not be in this book). A call or cap the text does not name is computed
 * on the run's own rows. Either way the run gathers the inputs of every abc() call and cap for
 * tier_result_population(). A Pareto model (kind "pareto") takes part as the abc call
 * `pareto:<model name>`: its classes (and, given a `total`, its share) are the population's.
 * A pct_rank() call the text names (a `rank` block) ranks each row by the
 * population's counts below and equal given for its value; a value the block lacks fails the run
 * with TIER_ESTATE; a `cum` block gives a Pareto model's cumulative sums for the run's positive
 * rows (its cum_share). Each routing team the text names with a `route` line (a capacity of
 * accounts) takes the routed rows up to its global last row that fits; each it names with a
 * `routed` block (a capacity of revenue) takes exactly its routed rows that lie in the block's
 * ranges of the placing order; other teams fill their capacity over the run's own rows. The
 * text: the line `libtier-population 1`, then TAB-separated lines `abc CALL HAS_A KEY_A ID_A
 * HAS_B KEY_B ID_B`, `total CALL fixed|double VALUE`, `rank CALL N K` followed by K lines `KEY
 * BELOW EQUAL`, `cum CALL K` followed by K lines `KEY ID CUM`, `cap TIER KIND KEY ID`, `route
 * TEAM KIND KEY ID` and `routed TEAM K` followed by K lines `KEY_FROM ID_FROM KEY_TO ID_TO`,
 * then `end`
 * (docs/distributed.md has the fields; texts
 * escape '%', control bytes and DEL as %XX). All or nothing: on failure the figures set before
 * stay.
 * @param result the result.
 * @param text the figures; NULL clears them (runs use their own population again).
 * @param len the length of `text` in bytes.
 * @return TIER_OK, TIER_EINVAL (NULL result), TIER_EPARSE (the message names the line and what
 *         was expected; a text cut short lacks its `end`) or TIER_ENOMEM.
 * @since 0.5.0
 */
TIER_API int tier_result_set_population(tier_result *result, const char *text, size_t len);

/**
 * The inputs the last run gathered for its abc() calls, pct_rank() calls and caps (a run after
 * tier_result_set_population()): the line `libtier-population-inputs 1`, then per abc()
 * call `abc CALL TA6 TB6 N` and N lines `KEY FIXED ID` in the run's order (FIXED: the value in the
 * library's fixed point, `-` when it has none), per pct_rank() call `rank CALL K` and K lines
 * `KEY COUNT` (its distinct present values, ascending), per cap `cap TIER count|share AMOUNT ROWS
 * N` and N lines `KEY ID` in order, per routing team with a capacity `route TEAM
 * accounts|revenue CAPACITY N` and N lines `KEY ID` (its routed rows in the placing order, the
 * order key of a row's revenue carrying it exactly), then `end`.
 * @param result the result.
 * @param out the text to append to.
 * @return TIER_OK, TIER_EINVAL (NULL), TIER_ESTATE (no figures set, or no successful run since)
 *         or TIER_ENOMEM (`out` unchanged).
 * @since 0.5.0
 */
TIER_API int tier_result_population(const tier_result *result, tier_text *out);

/** The flags raised for customer `i`, names joined by ';' (borrowed), "" when none or out of
 * range. @since 0.3.0 */
TIER_API const char *tier_result_flags(const tier_result *result, size_t i);

/** The team customer `i` is routed to (borrowed), "" when not routed or out of range.
 * @since 0.3.0 */
TIER_API const char *tier_result_route(const tier_result *result, size_t i);

/**
 * The value of entitlement `key` for customer `i` (that of its tier) into `value`.
 * @return TIER_OK, TIER_ENOTFOUND (no such entitlement, or none for this customer's tier),
 *         TIER_ERANGE (i), TIER_ESTATE (no run yet) or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_result_entitlement(const tier_result *result, size_t i, const char *key,
                                     tier_value *value);

/**
 * Number of notices of the last run: what a person should know about it although nothing failed,
 * e.g. each routing team over its capacity ("team \"KA North\": capacity 40 accounts, 52 routed,
 * 12 over"). 0 before a run. @since 0.3.0
 */
TIER_API size_t tier_result_notice_count(const tier_result *result);

/** Notice `i` of the last run (borrowed), NULL when out of range. @since 0.3.0 */
TIER_API const char *tier_result_notice(const tier_result *result, size_t i);

/** Formats of tier_result_explain(). Values are ABI. @since 0.3.0 */
typedef enum tier_explain_format {
    TIER_EXPLAIN_TEXT = 1, /**< lines for a person */
    TIER_EXPLAIN_JSON = 2  /**< one JSON object */
} tier_explain_format;

/**
 * Explains customer `i`'s tier: every model output, each model's own explanation (scorecard
 * factors included), the windows and lets, each rule tried in order with its value and the one
 * that matched, the cap that moved the customer, the flags, the entitlements and the route.
 * `book` and `policy` must be those of the last run.
 * @return TIER_OK, TIER_ERANGE (i), TIER_ESTATE (no run yet), TIER_EINVAL or TIER_ENOMEM.
 * @since 0.3.0
 */
TIER_API int tier_result_explain(const tier_result *result, const tier_book *book,
                                 const tier_policy *policy, size_t i, int format, tier_text *out);

TIER_END_DECL

/** @} */
#endif
