/* SPDX-License-Identifier: MIT */
/**
 * @file csv.h
 * @brief CSV reader that loads transaction logs into a book.
 * @defgroup csv CSV reader
 *
 * Reads RFC 4180 CSV (quoted fields with doubled quotes and embedded delimiters or line breaks,
 * LF or CRLF line ends, an optional UTF-8 byte-order mark) with any one-byte delimiter, or with
 * runs of spaces and tabs as the delimiter. Columns are chosen by name, from the header line or
 * from names given for a headerless file. Dates are ISO (YYYY-MM-DD) or YYYYMMDD. Amounts are
 * decimal numbers (optional sign, optional exponent, at most four decimal places after scaling).
 * Empty lines are skipped. Loading is all-or-nothing: on the first bad row nothing is added to the
 * book and the reader's last error names the line, the column and the reason.
 * @{
 */
#ifndef TIER_CSV_H
#define TIER_CSV_H

#include "common.h"
#include "book.h"
#include "io.h"

TIER_BEGIN_DECL

/** A configured CSV reader (opaque). @since 0.1.0 */
typedef struct tier_csv tier_csv;

/** Delimiter value meaning "one or more spaces or tabs" (leading blanks are ignored). @since 0.1.0
 */
#define TIER_CSV_WHITESPACE (-1)

/** Column roles for tier_csv_set_column(). Values are ABI. @since 0.1.0 */
typedef enum tier_csv_role {
    TIER_CSV_ID = 1,     /**< customer id (default name "customer_id") */
    TIER_CSV_DATE = 2,   /**< transaction date (default name "date") */
    TIER_CSV_AMOUNT = 3, /**< amount (default name "amount") */
    TIER_CSV_MARGIN = 4  /**< optional margin (default: none) */
} tier_csv_role;

/** Limits for tier_csv_set_limit(). Values are ABI. @since 0.1.0 */
typedef enum tier_csv_limit {
    TIER_CSV_LIMIT_FIELDS = 1,       /**< most fields per line (default 1024) */
    TIER_CSV_LIMIT_FIELD_LENGTH = 2, /**< longest field in bytes (default 65536) */
    TIER_CSV_LIMIT_ROWS = 3          /**< most data rows per load (default 2^40) */
} tier_csv_limit;

/**
 * Progress callback: `done` of `total` bytes read (total is 0 when unknown). Return 0 to go on,
 * non-zero to abort the load with TIER_EUSER.
 * @since 0.1.0
 */
typedef int (*tier_progress_cb)(void *ud, uint64_t done, uint64_t total);

/**
 * Creates a reader with the defaults: delimiter ',', header line present, columns customer_id,
 * date, amount, date format TIER_DATE_AUTO.
 * @param[out] out the reader, owned by the caller; NULL on failure.
 * @param alloc the allocator (NULL for malloc); copied.
 * @return TIER_OK or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_csv_new(tier_csv **out, const tier_allocator *alloc);

/** Frees a reader; NULL is a no-op. @since 0.1.0 */
TIER_API void tier_csv_free(tier_csv *csv);

/**
 * Text of the last failure, e.g. `line 12, column 3 (amount): not a number: "12,5x"`; "" when
 * none. Borrowed, never NULL.
 * @since 0.1.0
 */
TIER_API const char *tier_csv_last_error(const tier_csv *csv);

/** 1-based line of the last parse error, 0 when none. @since 0.1.0 */
TIER_API uint64_t tier_csv_error_line(const tier_csv *csv);

/** 1-based column (field number) of the last parse error, 0 when none or not field-specific. @since
 * 0.1.0 */
TIER_API uint64_t tier_csv_error_column(const tier_csv *csv);

/**
 * Sets the delimiter: any byte other than '"', CR, LF and NUL, or TIER_CSV_WHITESPACE.
 * @return TIER_OK or TIER_EINVAL.
 * @since 0.1.0
 */
TIER_API int tier_csv_set_delimiter(tier_csv *csv, int delimiter);

/** Says whether the first line is a header (1, default) or data (0). @return TIER_OK. @since 0.1.0
 */
TIER_API int tier_csv_set_header(tier_csv *csv, int has_header);

/**
 * Names the columns of a headerless file, comma-separated ("customer_id,sample,date,cds,amount").
 * With a header line present, the given names replace the header's. NULL forgets them.
 * @return TIER_OK, TIER_EINVAL (empty or duplicate name) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_csv_set_column_names(tier_csv *csv, const char *names);

/**
 * Chooses the column, by name, that plays a role (see ::tier_csv_role). NULL clears an optional
 * role. Names are matched exactly after trimming surrounding blanks.
 * @return TIER_OK, TIER_EINVAL or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_csv_set_column(tier_csv *csv, int role, const char *name);

/** Sets the date format (see ::tier_date_format). @return TIER_OK or TIER_EINVAL. @since 0.1.0 */
TIER_API int tier_csv_set_date_format(tier_csv *csv, int format);

/** Sets a limit (see ::tier_csv_limit). @return TIER_OK, TIER_EINVAL or TIER_ERANGE. @since 0.1.0
 */
TIER_API int tier_csv_set_limit(tier_csv *csv, int limit, uint64_t value);

/** Installs a progress callback (NULL removes it). @return TIER_OK. @since 0.1.0 */
TIER_API int tier_csv_set_progress(tier_csv *csv, tier_progress_cb cb, void *ud);

/** Replaces the I/O layer (NULL restores the default); the table is copied. @return TIER_OK,
 * TIER_EVERSION (version 0, since 0.4.0, or newer than this library) or TIER_EINVAL (a hook is
 * missing). @since 0.1.0 */
TIER_API int tier_csv_set_io(tier_csv *csv, const tier_io *io);

/**
 * Loads a whole file into `book`, all or nothing.
 * @return TIER_OK, TIER_EIO, TIER_EPARSE (bad text: line, column, reason in the last error),
 *         TIER_ERANGE, TIER_EINVAL, TIER_ENOMEM or TIER_EUSER (progress callback aborted). The
 *         reader's last error tells why; the book is unchanged on failure.
 * @since 0.1.0
 */
TIER_API int tier_csv_read_file(tier_csv *csv, tier_book *book, const char *path);

/**
 * Loads `len` bytes of CSV text into `book`, all or nothing; same rules as tier_csv_read_file().
 * @since 0.1.0
 */
TIER_API int tier_csv_read_buffer(tier_csv *csv, tier_book *book, const char *data, size_t len);

/** Data rows read by the last successful load. @since 0.1.0 */
TIER_API uint64_t tier_csv_rows_read(const tier_csv *csv);

/**
 * Loads customer attributes from a CSV file into `book`, all or nothing. The file has one row per
 * customer and is read with the reader's dialect: delimiter, header line or given column names,
 * limits and I/O layer (the date and amount settings do not apply). The TIER_CSV_ID column names
 * the customer, who is added when new; every other column becomes an attribute of that name:
 * numeric when every non-empty value of the column is a decimal number (optional sign, digits
 * with an optional point, optional exponent; no inf or nan), text (valid UTF-8) when at most half
 * of them are; a column where more than half are numbers and some are not is an error naming the
 * line, the column and the first value that is not a number (since 0.4.0; before, the column
 * silently became text). An attribute the book already holds keeps its type: a numeric column is
 * stored as text in a text attribute (so a column of mostly numbers is kept as text by setting
 * its attribute as text first), and a text value for a numeric attribute is an error. An empty cell
 * sets nothing (the customer's attribute stays as it was); a column without any value creates no
 * attribute. A customer id may appear on one row only. Everything is parsed and checked before the
 * book changes: on failure the book keeps its customers and values, and the reader's last error
 * names the line, the column and the reason. The file is read completely into memory (attribute
 * files are small next to transaction logs); the reader's field and line limits apply as it
 * arrives (since 0.4.0), so an over-long field stops the read where it is. Nothing is retained from
 * `path`; the book owns the values.
 * @return TIER_OK, TIER_EIO, TIER_EPARSE (bad text, repeated customer or column name, a value
 *         that is not a number in a column of mostly numbers),
 *         TIER_EINVAL (no id column, a text value for a numeric attribute, no column names for a
 *         headerless file), TIER_ERANGE (a limit of the reader or the book, a number beyond the
 *         double range), TIER_ENOMEM or TIER_EUSER (progress callback aborted).
 * @since 0.1.0
 */
TIER_API int tier_csv_read_attributes_file(tier_csv *csv, tier_book *book, const char *path);

/**
 * Loads `len` bytes of attribute CSV text into `book`, all or nothing; same rules as
 * tier_csv_read_attributes_file(). `data` is only read during the call.
 * @since 0.1.0
 */
TIER_API int tier_csv_read_attributes_buffer(tier_csv *csv, tier_book *book, const char *data,
                                             size_t len);

/**
 * Loads contracts (contract.h) from a CSV file into `book`, all or nothing: one row per contract,
 * with a header line (or the reader's column names). Columns are found by name: the customer id is
 * the reader's TIER_CSV_ID column (default "customer_id"; matched case-insensitively); the others
 * by their usual names, case-insensitively: start (start, start_date, start_day, contract_start,
 * period_start), end (end, end_date, end_day, contract_end, period_end, renewal_date; optional, an
 * empty cell is an open contract), amount (amount, recurring_amount, price, fee), period (period,
 * billing_period, billing, interval, billing_interval: monthly/month/m/mo or
 * yearly/year/annual/annually/y/yr), status (status, contract_status, state: active, renewed,
 * cancelled or canceled) and plan (plan, product, plan_name, sku; optional). Other columns are
 * ignored. Dates are YYYY-MM-DD. New ids become customers without transactions. Every refusal of
 * tier_book_add_contracts() is reported at the file's line and column, e.g. `line 4, column 3
 * (end_date): 2024-01-01 is not after start_day 2024-03-01 (...)`; docs/subscriptions.md describes
 * the file.
 * @param csv the reader (its delimiter, header, names, id column, limits, I/O layer and progress
 *        callback apply).
 * @param book the book.
 * @param path the file.
 * @return TIER_OK, TIER_EPARSE (a value that is not what its column holds), TIER_EINVAL (a missing
 *         column, a refused contract), TIER_ERANGE, TIER_EIO, TIER_EUSER or TIER_ENOMEM.
 * @since 0.4.0
 */
TIER_API int tier_csv_read_contracts_file(tier_csv *csv, tier_book *book, const char *path);

/**
 * Loads `len` bytes of contracts CSV text into `book`, all or nothing; same rules as
 * tier_csv_read_contracts_file().
 * @param csv the reader.
 * @param book the book.
 * @param data the text (need not be NUL-terminated; NULL only with len 0).
 * @param len its length in bytes.
 * @return as tier_csv_read_contracts_file().
 * @since 0.4.0
 */
TIER_API int tier_csv_read_contracts_buffer(tier_csv *csv, tier_book *book, const char *data,
                                            size_t len);

TIER_END_DECL

/** @} */
#endif
