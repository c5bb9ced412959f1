/* SPDX-License-Identifier: MIT */
/**
 * @file record.h
 * @brief One customer record (id, attributes, transactions) for per-record CRM code.
 * @defgroup record Customer record
 *
 * A record is filled field by field, then added to a book in one all-or-nothing call, or read back
 * out of a book as a copy.
 * @{
 */
#ifndef TIER_RECORD_H
#define TIER_RECORD_H

#include "common.h"
#include "book.h"

TIER_BEGIN_DECL

/** One customer record (opaque). @since 0.1.0 */
typedef struct tier_record tier_record;

/**
 * Creates an empty record.
 * @param[out] out the new record, owned by the caller; NULL on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_record_new(tier_record **out,
                                                     const tier_allocator *alloc);

/** Frees a record; NULL is a no-op. @since 0.1.0 */
TIER_API void tier_record_free(tier_record *rec);

/** Text of the last failure on the record, "" when none; borrowed, never NULL. @since 0.1.0 */
TIER_API const char *tier_record_last_error(const tier_record *rec);

/** Empties the record for reuse (keeps its memory). @since 0.1.0 */
TIER_API void tier_record_clear(tier_record *rec);

/**
 * Sets the customer id (copied; must be non-empty UTF-8).
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_record_set_id(tier_record *rec, const char *id, size_t id_len);

/**
 * The record's id (borrowed, NUL-terminated, "" when unset); `*out_len` may be NULL.
 * @since 0.1.0
 */
TIER_API const char *tier_record_id(const tier_record *rec, size_t *out_len);

/**
 * Appends a transaction (margin NaN = unknown).
 * @return TIER_OK, TIER_EINVAL (non-finite amount), TIER_ERANGE (date) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_record_add_txn(tier_record *rec, int32_t day, double amount, double margin);

/** Number of transactions in the record. @since 0.1.0 */
TIER_API size_t tier_record_txn_count(const tier_record *rec);

/**
 * Reads transaction `k`; outputs may be NULL. @return TIER_OK or TIER_ERANGE.
 * @since 0.1.0
 */
TIER_API int tier_record_txn(const tier_record *rec, size_t k, int32_t *day, double *amount,
                             double *margin);

/**
 * Sets a numeric attribute (NaN clears). @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_record_set_number(tier_record *rec, const char *name, double value);

/**
 * Sets a text attribute (NULL clears). @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_record_set_text(tier_record *rec, const char *name, const char *value);

/** Reads a numeric attribute. @return TIER_OK or TIER_ENOTFOUND. @since 0.1.0 */
TIER_API int tier_record_get_number(const tier_record *rec, const char *name, double *out);

/** Reads a text attribute (borrowed). @return TIER_OK or TIER_ENOTFOUND. @since 0.1.0 */
TIER_API int tier_record_get_text(const tier_record *rec, const char *name, const char **out);

/**
 * Adds the record to the book: creates or finds the customer, appends its transactions and sets
 * its attributes, all or nothing. The record is not changed.
 * @param book the book.
 * @param rec the record (only read).
 * @param[out] out_index the customer's index (may be NULL).
 * @return TIER_OK, TIER_EINVAL (no id, bad value), TIER_ERANGE (a limit) or TIER_ENOMEM; the
 *         book's last error tells which field.
 * @since 0.1.0
 */
TIER_API int tier_book_add_record(tier_book *book, const tier_record *rec, size_t *out_index);

/**
 * Copies customer `index` out of the book into `rec` (cleared first): id, attributes and, when the
 * book keeps them, transactions.
 * @return TIER_OK, TIER_ERANGE (index) or TIER_ENOMEM (rec is then left empty).
 * @since 0.1.0
 */
TIER_API int tier_book_get_record(const tier_book *book, size_t index, tier_record *rec);

TIER_END_DECL

/** @} */
#endif
