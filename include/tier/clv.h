/* SPDX-License-Identifier: MIT */
/**
 * @file clv.h
 * @brief The built-in clv model: BG/NBD or Pareto/NBD purchases, Gamma-Gamma spend, P(alive),
 *        expected purchases and spend, discounted customer lifetime value.
 * @defgroup clv CLV model
 *
 * The model needs a book that keeps its transactions (TIER_BOOK_OPT_KEEP_TRANSACTIONS, the
 * default). Each customer's purchases are reduced to **purchase days**: a day with at least one
 * purchase row (amount >= 0, $0 included) is one transaction whose value is the net sum of every
 * row of that day (refunds of that day netted in). Refund rows on a day without a purchase are
 * not transactions and are ignored. Only days up to and including the **calibration end** count
 * (default: the as-of day minus 1, the as-of day defaulting to the day after the book's last
 * transaction). Per customer, in the time unit (days or weeks):
 * - x = repeat transactions (purchase days after the first one),
 * - t_x = time from the first to the last purchase day,
 * - T = time from the first purchase day to the calibration end,
 * - m = mean value of the repeat transactions (Gamma-Gamma input).
 *
 * Fitting maximises the likelihood of the purchase model (BG/NBD by default, or Pareto/NBD) over
 * every customer with a purchase day up to the calibration end, and of the Gamma-Gamma spend model
 * over the customers with x > 0 and m > 0. Customers with x > 0 and m <= 0 (their repeat days were
 * worth $0 net) cannot enter the Gamma-Gamma likelihood (log 0): they are excluded from that fit
 * and counted (TIER_CLV_STAT_EXCLUDED_ZERO_SPEND); they are still scored.
 *
 * Outputs (numbers): x, t_x, T, p_alive, expected_purchases (over the horizon H), expected_spend
 * (Gamma-Gamma expected value of one transaction, before the margin) and clv = margin x
 * expected_spend x sum over discount periods k = 1..K of (E(min(k D, H)) - E((k-1) D)) /
 * (1 + rate)^k, where E(t) is the expected number of purchases in the next t time units, D the
 * discount period in time units and K = ceil(H / D) (the last period may be partial; each period
 * is discounted at its end; see docs/clv.md). Every output is NaN for
 * a customer without a purchase day up to the calibration end; expected_spend and clv are also NaN
 * for customers with x = 0 when the fitted q <= 1 (the population mean spend does not exist).
 *
 * Scoring summarises the scored book with the calibration end option, or when it is unset with the
 * scored book's as-of day minus 1, so a model fitted on a calibration period can score the whole
 * history. Errors of the tier_clv_* calls and of fitting are described by tier_model_last_error(),
 * errors of scoring by tier_frame_last_error(). docs/clv.md states every formula.
 *
 * Options (tier_model_set_option(), docs/clv.md): `purchase_model` (text "bgnbd" or
 * "pareto_nbd"), `time_unit` (days per unit, 1..366, default 7), `calibration_end` (day number,
 * nan = the as-of day - 1), `horizon` (time units, 1..10000, default 52), `discount_rate`
 * ([0, 10], default 0.01), `discount_period` (days, [1, 36525], default 30.4375), `margin`
 * ([0, 1], default 1), `as_of` (day number, nan = the day after the book's last transaction) and
 * `require_convergence` (0 or 1). Changing purchase_model or time_unit forgets the fit. The fitted
 * parameters, standard errors and fit figures save and load with tier_model_save() and
 * tier_model_load().
 * @{
 */
#ifndef TIER_CLV_H
#define TIER_CLV_H

#include "common.h"
#include "model.h"
#include "text.h"

TIER_BEGIN_DECL

/** Most parameters of any of the clv sub-models. @since 0.1.0 */
#define TIER_CLV_MAX_PARAMS 4

/** Purchase models (the `purchase_model` option: "bgnbd" or "pareto_nbd"), naming the order of
 * the parameters tier_clv_params() gives. Values are ABI. @since 0.1.0 */
typedef enum tier_clv_purchase_model {
    TIER_CLV_BGNBD = 1,     /**< BG/NBD (default); parameters r, alpha, a, b */
    TIER_CLV_PARETO_NBD = 2 /**< Pareto/NBD; parameters r, alpha, s, beta */
} tier_clv_purchase_model;

/** The two sub-models of a clv model (the `which` argument of the getters). Values are ABI. @since
 * 0.1.0 */
typedef enum tier_clv_submodel {
    TIER_CLV_PURCHASE =
        1, /**< the purchase model (4 parameters, order as in ::tier_clv_purchase_model) */
    TIER_CLV_SPEND = 2 /**< the Gamma-Gamma spend model (3 parameters: p, q, gamma) */
} tier_clv_submodel;

/** Figures of the fit (tier_clv_fit_stat()). Values are ABI. @since 0.1.0 */
typedef enum tier_clv_stat {
    TIER_CLV_STAT_LOG_LIKELIHOOD = 1, /**< log-likelihood at the fitted parameters */
    TIER_CLV_STAT_ITERATIONS = 2,     /**< optimiser iterations of the winning start */
    TIER_CLV_STAT_CONVERGED = 3,      /**< 1 when the gradient test passed, else 0 */
    TIER_CLV_STAT_CUSTOMERS = 4,      /**< customers the sub-model was fitted on */
    TIER_CLV_STAT_EXCLUDED_ZERO_SPEND =
        5, /**< spend model: customers with x > 0 and m <= 0 left out (0 for purchase) */
    TIER_CLV_STAT_GRADIENT = 6, /**< largest |d(LL/n)/d log-parameter| at the fitted parameters */
    TIER_CLV_STAT_EVALUATIONS = 7,   /**< likelihood evaluations over all starts */
    TIER_CLV_STAT_DISTINCT_ROWS = 8, /**< distinct (x, t_x, T) or (x, m) rows after merging */
    TIER_CLV_STAT_NO_PURCHASE =
        9, /**< customers of the fitted book without a purchase day up to the calibration end */
    TIER_CLV_STAT_CALIBRATION_END = 10 /**< the calibration end used by the fit (day number) */
} tier_clv_stat;

/**
 * Creates a clv model named `name` (NULL for "clv") with the default options.
 * @param[out] out the model, owned by the caller (free with tier_model_free()); NULL on failure.
 * @param name the model name (copied); letters, digits and '_'.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_clv_new(tier_model **out, const char *name,
                                                  const tier_allocator *alloc);

/**
 * Copies the fitted parameters of sub-model `which` (see ::tier_clv_submodel) into `out`, which
 * has room for `n` values (4 for TIER_CLV_PURCHASE, 3 for TIER_CLV_SPEND; extra room is left
 * untouched). The caller owns `out`.
 * @return TIER_OK, TIER_EINVAL (not a clv model, bad `which`, NULL out), TIER_ERANGE (`n` too
 *         small) or TIER_ESTATE (not fitted).
 * @since 0.1.0
 */
TIER_API int tier_clv_params(const tier_model *model, int which, double *out, size_t n);

/**
 * Copies the standard errors of sub-model `which` (from the observed information at the optimum,
 * same order as tier_clv_params()) into `out` (room for `n` values, owned by the caller).
 * @return TIER_OK, TIER_EINVAL, TIER_ERANGE (`n` too small), TIER_ESTATE (not fitted) or
 *         TIER_ENOTFOUND (not available: the information matrix was not positive definite, or the
 *         state was loaded without them).
 * @since 0.1.0
 */
TIER_API int tier_clv_standard_errors(const tier_model *model, int which, double *out, size_t n);

/**
 * Reads a figure of the fit of sub-model `which` (see ::tier_clv_stat) into `*out` (owned by the
 * caller); NaN when unknown.
 * @return TIER_OK, TIER_EINVAL or TIER_ESTATE (not fitted).
 * @since 0.1.0
 */
TIER_API int tier_clv_fit_stat(const tier_model *model, int which, int stat, double *out);

/** Figures of a holdout validation: index `k - 1` of tier_clv_holdout()'s `out_stats`. Values
 * are ABI. @since 0.1.0 */
typedef enum tier_clv_holdout_stat {
    TIER_CLV_HOLDOUT_CUSTOMERS = 1, /**< customers with a purchase day up to the calibration end */
    TIER_CLV_HOLDOUT_ACTUAL = 2,    /**< their purchase days in (calibration end, holdout end] */
    TIER_CLV_HOLDOUT_PREDICTED = 3, /**< their expected purchases over the same span */
    TIER_CLV_HOLDOUT_MAE = 4,       /**< mean |actual - expected| per customer (NaN for none) */
    TIER_CLV_HOLDOUT_SPAN = 5,      /**< length of the holdout span in time units */
    TIER_CLV_HOLDOUT_CALIBRATION_END = 6, /**< the calibration end used (day number) */
    TIER_CLV_HOLDOUT_COUNT = 6            /**< number of figures (grows when figures are added) */
} tier_clv_holdout_stat;

/**
 * Validates a fitted clv model on a holdout period. The calibration end is the
 * calibration_end option, or when unset the end the model was fitted with; the
 * holdout is the span (calibration end, `holdout_end`] (days, inclusive). For every customer of
 * `book` with a purchase day up to the calibration end, the actual holdout purchases are the
 * purchase days in the span (same purchase-day rule as fitting) and the predicted purchases the
 * model's conditional expectation E over the span's length, from the customer's calibration
 * summary (x, t_x, T).
 * When `frame` is not NULL (rows = the book's customers) two number columns are added,
 * `<model name>.holdout_purchases` and `<model name>.predicted_purchases`, NaN for customers
 * outside the calibration cohort. When `n_stats` > 0, the first min(n_stats,
 * TIER_CLV_HOLDOUT_COUNT) figures of ::tier_clv_holdout_stat are written to `out_stats`.
 * Nothing is retained from the arguments; the columns belong to the frame and `out_stats` to
 * the caller. All or nothing: on failure the frame is unchanged; the model's last error says why.
 * @return TIER_OK, TIER_EINVAL (not a clv model, NULL book, frame size, a holdout end not after
 *         the calibration end, duplicate columns), TIER_ESTATE (not fitted, or the book keeps no
 *         transactions), TIER_ERANGE (a prediction does not exist) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_clv_holdout(const tier_model *model, const tier_book *book, int32_t holdout_end,
                              tier_frame *frame, double *out_stats, size_t n_stats);

/**
 * Splits a part's fit summary by bucket for a distributed fit (docs/distributed.md, "CLV
 * fits"): every distinct row of the fit (the purchase model's (x, t_x, T), Gamma-Gamma's (x, m))
 * belongs to one of 256 buckets by a fixed hash of its values, the same on every part. Summary
 * `i` of the split holds the rows whose bucket is `i` modulo `parts` (the first one also the
 * counts of customers without a purchase and of excluded spend rows). Merging piece `i` of every
 * part's split (tier_model_fit_summaries() with a `merged` text) gives a summary that holds every
 * row of its buckets: the summary a part answers tier_clv_dist_answer() from.
 * @param model a clv model with the options the summary was made with (its last error tells a
 *        failure).
 * @param summary the part's fit summary (tier_model_fit_summary()).
 * @param summary_len its length in bytes.
 * @param parts the number of pieces (at least 1; more than 256 leaves some empty).
 * @param out receives the `parts` fit summaries one after another (replaced).
 * @param ends receives, for each piece `i`, the offset in `out` where it ends (room for `parts`
 *        values, owned by the caller); piece `i` starts where piece `i - 1` ends (0 for the
 *        first).
 * @return TIER_OK, TIER_EINVAL (not a clv model, NULL argument, `parts` 0, a summary made with
 *         other options), TIER_ECORRUPT (a bad summary) or TIER_ENOMEM.
 * @since 0.5.0
 */
TIER_API int tier_clv_dist_split(const tier_model *model, const char *summary, size_t summary_len,
                                 size_t parts, tier_text *out, size_t *ends);

/**
 * Starts a distributed fit of `model` on the driver (docs/distributed.md, "CLV fits"): the parts
 * answer each request with tier_clv_dist_answer() from summaries that hold whole buckets
 * (tier_clv_dist_split()), the driver merges the answers with tier_clv_dist_merge(), which writes
 * the next request, until the model is fitted. The first round asks the parts' counts and the
 * partial moments of their buckets, each later one the partial sums of one sub-model's
 * log-likelihood (and its gradient) at one point, in the order tier_model_fit() evaluates them.
 * Every sum of the fit is the sum of its bucket partials in bucket order, in one process as over
 * parts: the fitted model is the one tier_model_fit() gives on the book of every part's
 * customers, saved state byte for byte, however the buckets are spread over the parts. Starting
 * again forgets a fit in progress.
 * @param model a clv model with the options of the parts' models (the as-of day or the
 *        calibration end set: every part summarises up to the same day).
 * @param request receives the first request (replaced).
 * @return TIER_OK, TIER_EINVAL (not a clv model, NULL argument) or TIER_ENOMEM.
 * @since 0.5.0
 */
TIER_API int tier_clv_dist_begin(tier_model *model, tier_text *request);

/**
 * A part's answer to a request of a distributed fit, from the part's fit summary (the merge of
 * one piece of every part's tier_clv_dist_split(), made with the driver's options): its counts
 * and the partial moments of each of its buckets, or the partial sums of its buckets'
 * log-likelihood terms and gradient at the requested point (rows computed as tier_model_fit()
 * computes them).
 * @param model a clv model with the options the summary was made with (its last error tells a
 *        failure).
 * @param summary the part's fit summary.
 * @param summary_len its length in bytes.
 * @param request the request text of tier_clv_dist_begin() or tier_clv_dist_merge().
 * @param len the length of `request` in bytes.
 * @param answer receives the answer (replaced).
 * @return TIER_OK, TIER_EINVAL (NULL argument), TIER_ECORRUPT (a bad summary or one made with
 *         other options), TIER_EPARSE (a bad request: the message names the line) or
 *         TIER_ENOMEM.
 * @since 0.5.0
 */
TIER_API int tier_clv_dist_answer(const tier_model *model, const char *summary, size_t summary_len,
                                  const char *request, size_t len, tier_text *answer);

/**
 * Merges every part's answer to the last request into the driver's fit in progress and writes
 * the next request; when the fit is complete the model is fitted (as by tier_model_fit()) and
 * `request` is left empty. Answers that cannot be right (cut short, bad fields, another fit's
 * id or another round, figures made with other options, counts out of range, a bucket answered
 * by two parts) are refused with TIER_EPARSE naming the answer and the line, and nothing is
 * applied: the same round may be merged again. A failure of the fit itself (no repeat
 * purchases, no convergence with require_convergence) ends the distributed fit as
 * tier_model_fit() would fail; the model keeps its previous fit.
 * @param model the clv model of tier_clv_dist_begin().
 * @param answers the parts' answers (every part once).
 * @param lens the answers' lengths in bytes.
 * @param n the number of answers (at least 1).
 * @param request receives the next request, empty when the model is fitted.
 * @return TIER_OK, TIER_EINVAL (NULL argument, no answers, the fit's own refusals),
 *         TIER_ESTATE (no fit in progress), TIER_EPARSE, TIER_ECONVERGE or TIER_ENOMEM.
 * @since 0.5.0
 */
TIER_API int tier_clv_dist_merge(tier_model *model, const char *const *answers, const size_t *lens,
                                 size_t n, tier_text *request);

TIER_END_DECL

/** @} */
#endif
