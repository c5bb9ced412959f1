/* SPDX-License-Identifier: MIT */
/**
 * @file contract.h
 * @brief Contracts (subscription periods) of the customers of a book.
 * @defgroup contract Contracts
 *
 * A contract belongs to one customer of a book (book.h): the book owns it, so the functions here
 * take the book; this header describes the contract record, one object, and the calls that add
 * and read it. A customer may hold any number of contracts: one per subscription period, a
 * renewal being a new contract that starts where the last one ended.
 *
 * A contract covers the days [start_day, end_day): the end day is the first day it no longer
 * covers (a yearly contract from 2024-01-01 ends on 2025-01-01, where its renewal starts), or
 * TIER_CONTRACT_OPEN. Its recurring amount is per month or per year (::tier_contract_period)
 * and kept as an exact fixed-point number with four decimals, as transaction amounts are. Its
 * plan is free text ("" for none). Its status (::tier_contract_status) says how the period
 * ended or whether it still runs. docs/subscriptions.md defines what the subscription model
 * computes from them.
 *
 * Adding contracts is all or nothing and refuses, with the book's last error naming the row (from
 * 0), the customer and the field: an end day not after the start day, a day outside 1900-01-01 ..
 * 9999-12-31, a negative, infinite or NaN amount (or one above 1e12), an unknown period or status,
 * a renewed or cancelled contract without an end day, a plan that is not UTF-8 or longer than
 * TIER_BOOK_LIMIT_TEXT_LENGTH, two contracts of one customer and one plan whose periods overlap
 * (among the rows given or with a contract the book holds), and, with TIER_LOAD_EXISTING, a
 * customer the book does not know. tier_book_merge() carries the contracts of the book merged.
 * @{
 */
#ifndef TIER_CONTRACT_H
#define TIER_CONTRACT_H

#include "common.h"
#include "book.h"

TIER_BEGIN_DECL

/** The end day of an open contract (no end agreed): INT32_MAX. @since 0.4.0 */
#define TIER_CONTRACT_OPEN 2147483647

/** What a contract's amount is per. Values are ABI. @since 0.4.0 */
typedef enum tier_contract_period {
    TIER_CONTRACT_MONTHLY = 1, /**< the amount is per month */
    TIER_CONTRACT_YEARLY = 2   /**< the amount is per year (its monthly amount is amount / 12) */
} tier_contract_period;

/** The status of a contract. Values are ABI. @since 0.4.0 */
typedef enum tier_contract_status {
    TIER_CONTRACT_ACTIVE = 1,   /**< running (or agreed to start): not yet renewed or cancelled */
    TIER_CONTRACT_RENEWED = 2,  /**< ended and renewed: another contract followed it */
    TIER_CONTRACT_CANCELLED = 3 /**< cancelled or not renewed: it ends at its end day */
} tier_contract_status;

/**
 * One contract of a customer.
 * @since 0.4.0
 */
typedef struct tier_contract {
    int32_t start_day; /**< the first day it covers (a day number, date.h) */
    int32_t end_day;   /**< the first day it no longer covers, after start_day; or
                            TIER_CONTRACT_OPEN (required for renewed and cancelled ones) */
    double amount;     /**< the recurring amount per period, 0 or more (at most 1e12) */
    int32_t period;    /**< a ::tier_contract_period */
    int32_t status;    /**< a ::tier_contract_status */
    const char *plan;  /**< the plan or product, UTF-8 (NULL or "" for none); when read back
                            borrowed from the book, valid until it changes */
} tier_contract;

/**
 * Adds one contract to customer `id`, creating the customer on first sight unless `flags` has
 * TIER_LOAD_EXISTING. Inputs are copied.
 * @param book the book.
 * @param id the customer id, `id_len` bytes (need not be NUL-terminated).
 * @param id_len length of `id` in bytes.
 * @param contract the contract.
 * @param flags 0 or TIER_LOAD_EXISTING (book.h).
 * @return TIER_OK, TIER_EINVAL (a bad field, or an overlap), TIER_ENOTFOUND (an unknown customer
 *         under TIER_LOAD_EXISTING), TIER_ERANGE (a day out of range, a limit), TIER_ESTATE
 *         (inside a savepoint of the book: a rollback could not take a contract back) or
 *         TIER_ENOMEM. On failure the book is unchanged and its last error says why.
 * @since 0.4.0
 */
TIER_API int tier_book_add_contract(tier_book *book, const char *id, size_t id_len,
                                    const tier_contract *contract, unsigned flags);

/**
 * Adds `n` contracts from columns, all or nothing; row i is the contract of the customer whose id
 * is id_data[id_offsets[i] .. id_offsets[i+1]) (Arrow-style, as tier_book_add_txns()). All arrays
 * are copied. The last error names the first bad row, e.g.
 * `row 3 (customer "c7"), end_day: 2024-01-01 is not after start_day 2024-03-01`.
 * @param book the book.
 * @param n the number of rows.
 * @param id_data the bytes of the ids.
 * @param id_offsets n+1 offsets into id_data.
 * @param start_days the start days.
 * @param end_days the end days, TIER_CONTRACT_OPEN for open ones; NULL: every contract is open.
 * @param amounts the recurring amounts.
 * @param periods the ::tier_contract_period of each row.
 * @param statuses the ::tier_contract_status of each row.
 * @param plans the plans (NUL-terminated; NULL entries are ""); NULL: no plan for any row.
 * @param flags 0 or TIER_LOAD_EXISTING.
 * @return as tier_book_add_contract().
 * @since 0.4.0
 */
TIER_API int tier_book_add_contracts(tier_book *book, size_t n, const char *id_data,
                                     const size_t *id_offsets, const int32_t *start_days,
                                     const int32_t *end_days, const double *amounts,
                                     const int32_t *periods, const int32_t *statuses,
                                     const char *const *plans, unsigned flags);

/**
 * Number of contracts of customer `customer` (0 for a bad index).
 * @param book the book.
 * @param customer the customer index.
 * @since 0.4.0
 */
TIER_API size_t tier_book_contract_count(const tier_book *book, size_t customer);

/**
 * Number of contracts in the whole book.
 * @param book the book.
 * @since 0.4.0
 */
TIER_API size_t tier_book_contract_total(const tier_book *book);

/**
 * Reads contract `k` (0 .. tier_book_contract_count()-1, in the order they were added) of
 * customer `customer`.
 * @param book the book.
 * @param customer the customer index.
 * @param k which of its contracts.
 * @param[out] out the contract; its plan is borrowed from the book ("" for none).
 * @return TIER_OK, TIER_EINVAL (NULL argument) or TIER_ERANGE (bad index).
 * @since 0.4.0
 */
TIER_API int tier_book_contract(const tier_book *book, size_t customer, size_t k,
                                tier_contract *out);

TIER_END_DECL

/** @} */
#endif
