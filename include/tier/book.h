/* SPDX-License-Identifier: MIT */
/**
 * @file book.h
 * @brief The customer book: customers with transactions and attributes, stored by column.
 * @defgroup book Customer book
 *
 * A book interns customer ids (any UTF-8 string up to TIER_BOOK_LIMIT_ID_LENGTH bytes) to dense
 * indices 0..n-1 in order of first appearance, keeps per-customer running figures (first and last
 * purchase, purchase-days, transactions, net amount and margin) and, unless told not to, every
 * transaction (day, amount, optional margin) in columnar arrays.
 *
 * Amounts are stored as exact fixed-point numbers with four decimal places; a double handed in is
 * rounded to the nearest 0.0001. Negative amounts are refunds: they are netted into the amount
 * and margin totals but are not purchases (they move neither recency nor frequency). A $0 row is a
 * purchase. Every call that changes a book is all-or-nothing.
 * @{
 */
#ifndef TIER_BOOK_H
#define TIER_BOOK_H

#include "common.h"
#include "executor.h"

TIER_BEGIN_DECL

/** The customer book (opaque). @since 0.1.0 */
typedef struct tier_book tier_book;

/** Keys for tier_book_set_option(). Values are ABI. @since 0.1.0 */
typedef enum tier_book_option {
    /** 1 (default): keep every transaction; 0: keep only per-customer figures (constant memory per
     * customer). Can only be changed while the book is empty. */
    TIER_BOOK_OPT_KEEP_TRANSACTIONS = 1,
    /** Transactions dated on or after this day are not stored but counted as ignored (see
     * TIER_BOOK_STAT_IGNORED_ROWS); default INT32_MAX (none ignored). */
    TIER_BOOK_OPT_IGNORE_FROM_DAY = 2,
    /** Longest customer id in bytes (default 256, at most 65535). */
    TIER_BOOK_LIMIT_ID_LENGTH = 100,
    /** Most customers (default 100,000,000). */
    TIER_BOOK_LIMIT_CUSTOMERS = 101,
    /** Most rows accepted by one call (default 100,000,000). */
    TIER_BOOK_LIMIT_ROWS_PER_CALL = 102,
    /** Most distinct attribute names (default 1024). */
    TIER_BOOK_LIMIT_ATTRIBUTES = 103,
    /** Longest attribute name or text value in bytes (default 4096). */
    TIER_BOOK_LIMIT_TEXT_LENGTH = 104
} tier_book_option;

/** Per-customer figures for tier_book_customer_stat(). Values are ABI. @since 0.1.0 */
typedef enum tier_book_stat {
    TIER_BOOK_STAT_FIRST_PURCHASE = 1, /**< day of the first purchase (NaN if none) */
    TIER_BOOK_STAT_LAST_PURCHASE = 2,  /**< day of the last purchase (NaN if none) */
    TIER_BOOK_STAT_PURCHASE_DAYS = 3,  /**< distinct days with a purchase (amount >= 0) */
    TIER_BOOK_STAT_PURCHASES = 4,      /**< purchase rows (amount >= 0) */
    TIER_BOOK_STAT_REFUNDS = 5,        /**< refund rows (amount < 0) */
    TIER_BOOK_STAT_NET_AMOUNT = 6,     /**< sum of all amounts, refunds netted */
    TIER_BOOK_STAT_NET_MARGIN = 7,     /**< sum of the margins given (NaN if none was given) */
    TIER_BOOK_STAT_IGNORED_ROWS = 8 /**< book-wide: rows ignored by TIER_BOOK_OPT_IGNORE_FROM_DAY */
} tier_book_stat;

/**
 * The type of a book attribute, reported by tier_book_attribute_name(). Each attribute name has
 * one type, fixed by the first value stored under it. Values are ABI.
 * @since 0.2.0
 */
typedef enum tier_attr_type {
    TIER_ATTR_NUMBER = 1, /**< numbers (double; NaN = unset), read with tier_book_get_number() */
    TIER_ATTR_TEXT = 2    /**< UTF-8 text, read with tier_book_get_text() */
} tier_attr_type;

/**
 * Creates an empty book.
 * @param[out] out the new book, owned by the caller (free with tier_book_free()); NULL on failure.
 * @param alloc the allocator for everything the book holds; NULL for malloc. Copied.
 * @return TIER_OK or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_book_new(tier_book **out, const tier_allocator *alloc);

/** Frees a book and everything it owns; NULL is a no-op. @since 0.1.0 */
TIER_API void tier_book_free(tier_book *book);

/**
 * Text describing the last failure on this book; "" when none. Borrowed: valid until the next call
 * on the book. Never NULL (also for a NULL book).
 * @since 0.1.0
 */
TIER_API const char *tier_book_last_error(const tier_book *book);

/**
 * Sets an option or limit (see ::tier_book_option).
 * @return TIER_OK, TIER_EINVAL for an unknown key, TIER_ERANGE for a value out of bounds,
 *         TIER_ESTATE when the option cannot change any more.
 * @since 0.1.0
 */
TIER_API int tier_book_set_option(tier_book *book, int option, int64_t value);

/** Reads an option or limit into `*out`. @return TIER_OK or TIER_EINVAL. @since 0.1.0 */
TIER_API int tier_book_get_option(const tier_book *book, int option, int64_t *out);

/**
 * Lets the book's calls use several cores through the host's executor (executor.h): with one,
 * tier_book_add_txns() splits a large call into parts that are aggregated at once, and the
 * models and policies working on the book may do likewise. The book is the same, customer for
 * customer, figure for figure and in the same order, with any executor or none; errors name the
 * same row. NULL (the default) runs everything on the calling thread.
 * @param book the book.
 * @param executor the executor (copied; its `ud` is borrowed and must outlive its use), or NULL.
 * @return TIER_OK, TIER_EINVAL (no book, or a hook is missing) or TIER_EVERSION (version 0, or
 *         newer than this library); on failure the book keeps the executor it had.
 * @since 0.5.0
 */
TIER_API int tier_book_set_executor(tier_book *book, const tier_executor *executor);

/**
 * Adds one transaction, creating the customer on first sight. Inputs are copied.
 * @param book the book.
 * @param id_len length of `id` in bytes.
 * @param id the customer id, `id_len` bytes (need not be NUL-terminated); valid UTF-8, not empty.
 * @param day the day number (see date.h).
 * @param amount the amount; negative for a refund. Must be finite, |amount| <= 1e12.
 * @param margin the margin, or NaN when unknown.
 * @return TIER_OK, TIER_EINVAL (bad id or amount), TIER_ERANGE (limit, date or sum overflow),
 *         TIER_ENOMEM. On failure the book is unchanged.
 * @since 0.1.0
 */
TIER_API int tier_book_add_txn(tier_book *book, const char *id, size_t id_len, int32_t day,
                               double amount, double margin);

/**
 * Adds `n` transactions from columns (the fast path). Ids are given Arrow-style: the id of row i is
 * the bytes id_data[id_offsets[i] .. id_offsets[i+1]), so `id_offsets` has n+1 entries. `margins`
 * may be NULL; NaN entries mean unknown. All arrays are copied. All-or-nothing: on failure no row
 * is added and the last error names the first bad row (0-based).
 * @return as tier_book_add_txn().
 * @since 0.1.0
 */
TIER_API int tier_book_add_txns(tier_book *book, size_t n, const char *id_data,
                                const size_t *id_offsets, const int32_t *days,
                                const double *amounts, const double *margins);

/**
 * Layouts of the customer ids of tier_book_add_txns_ids(): those of NumPy, pandas and Arrow
 * columns, so that a binding hands a column over as it is.
 * @since 0.5.0
 */
typedef enum tier_ids_layout {
    /** `ids` holds n `int64_t`; each id is the value in decimal digits ("42", "-7"). */
    TIER_IDS_INT64 = 1,
    /** `ids` holds n `uint64_t`; each id is the value in decimal digits. */
    TIER_IDS_UINT64 = 2,
    /** `ids` holds n ids of `width` bytes each; NUL bytes at the end of one are padding, not part
     * of the id (NumPy's "S" dtype). */
    TIER_IDS_FIXED = 3,
    /** `ids` holds n ids of `width` bytes each (a multiple of 4): UTF-32 code units in the
     * machine's byte order, zero units at the end being padding (NumPy's "U" dtype); each id is
     * written in UTF-8. */
    TIER_IDS_UTF32 = 4,
    /** `ids` holds `width` bytes: the n ids one after another with one NUL byte between each
     * two and none after the last (texts joined with "\0"). */
    TIER_IDS_NUL_SEPARATED = 5
} tier_ids_layout;

/**
 * Adds `n` transactions from columns as tier_book_add_txns() does, with the customer ids in one
 * of the layouts of ::tier_ids_layout instead of Arrow-style offsets. Each id is turned into the
 * text described there (on the book's executor, when it has one) and the rows are then added by
 * tier_book_add_txns(): the book, the errors and the rows they name are the same as with that
 * text. Nothing is kept of the arrays.
 * @param book the book.
 * @param n the number of rows.
 * @param layout a ::tier_ids_layout.
 * @param ids the ids as `layout` says (integers aligned for their type).
 * @param width bytes per id (TIER_IDS_FIXED, TIER_IDS_UTF32), bytes in all
 *        (TIER_IDS_NUL_SEPARATED); ignored by the integer layouts.
 * @param days n day numbers (see date.h).
 * @param amounts n amounts, as for tier_book_add_txns().
 * @param margins n margins (NaN: unknown), or NULL.
 * @return as tier_book_add_txns(), and TIER_EINVAL for an unknown layout, a width that does not
 *         fit it, NUL-separated ids that are not n, or a UTF-32 code unit that is not a Unicode
 *         scalar value (the error names its row); TIER_ENOMEM. On failure the book is unchanged.
 * @since 0.5.0
 */
TIER_API int tier_book_add_txns_ids(tier_book *book, size_t n, int layout, const void *ids,
                                    size_t width, const int32_t *days, const double *amounts,
                                    const double *margins);

/**
 * Appends everything `src` holds to `dst`, as if src's rows had been added to dst after its own:
 * customers new to dst are added in src's order, transactions are appended, per-customer figures
 * are combined and attributes are copied (src's value wins). This joins books loaded in parallel
 * from consecutive parts of one log into exactly the book a single load would give. `src` is not
 * changed. All or nothing.
 * @return TIER_OK, TIER_EINVAL (same book, or dst keeps transactions and src does not),
 *         TIER_ERANGE (a limit or an overflowing total) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_book_merge(tier_book *dst, const tier_book *src);

/**
 * Adds a customer without transactions, or finds it.
 * @param book the book.
 * @param id the customer id (need not be NUL-terminated).
 * @param id_len length of `id` in bytes.
 * @param[out] out_index the customer's index (may be NULL).
 * @return TIER_OK, TIER_EINVAL, TIER_ERANGE or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_book_add_customer(tier_book *book, const char *id, size_t id_len,
                                    size_t *out_index);

/**
 * Finds a customer by id.
 * @param book the book.
 * @param id the customer id (need not be NUL-terminated).
 * @param id_len length of `id` in bytes.
 * @param[out] out_index the index; untouched when not found.
 * @return TIER_OK or TIER_ENOTFOUND.
 * @since 0.1.0
 */
TIER_API int tier_book_find(const tier_book *book, const char *id, size_t id_len,
                            size_t *out_index);

/** Number of customers. @since 0.1.0 */
TIER_API size_t tier_book_customer_count(const tier_book *book);

/** Number of stored transactions (0 when transactions are not kept). @since 0.1.0 */
TIER_API size_t tier_book_txn_count(const tier_book *book);

/**
 * The id of customer `index`, NUL-terminated; `*out_len` (may be NULL) gets its length.
 * Borrowed from the book: valid until the book is changed or freed. NULL for a bad index.
 * @since 0.1.0
 */
TIER_API const char *tier_book_customer_id(const tier_book *book, size_t index, size_t *out_len);

/**
 * Reads one per-customer figure (see ::tier_book_stat) as a double.
 * @return TIER_OK, TIER_EINVAL (bad key) or TIER_ERANGE (bad index).
 * @since 0.1.0
 */
TIER_API int tier_book_customer_stat(const tier_book *book, size_t index, int stat, double *out);

/**
 * Reads stored transaction `t` (0 .. tier_book_txn_count()-1, in insertion order). Any output may
 * be NULL; `*margin` is NaN when unknown.
 * @return TIER_OK or TIER_ERANGE.
 * @since 0.1.0
 */
TIER_API int tier_book_txn(const tier_book *book, size_t t, size_t *customer, int32_t *day,
                           double *amount, double *margin);

/** Earliest and latest transaction day in the book. @return TIER_OK or TIER_ENOTFOUND when empty.
 * @since 0.1.0 */
TIER_API int tier_book_day_range(const tier_book *book, int32_t *first, int32_t *last);

/**
 * Sets a numeric attribute of customer `index` (NaN clears it). The name is copied.
 * @return TIER_OK, TIER_EINVAL, TIER_ERANGE (index or limit) or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_book_set_number(tier_book *book, size_t index, const char *name, double value);

/**
 * Sets a text attribute of customer `index` (NULL clears it). Name and value are copied; the
 * value must be valid UTF-8.
 * @return TIER_OK, TIER_EINVAL, TIER_ERANGE or TIER_ENOMEM.
 * @since 0.1.0
 */
TIER_API int tier_book_set_text(tier_book *book, size_t index, const char *name, const char *value);

/**
 * Reads a numeric attribute. @return TIER_OK, TIER_ENOTFOUND (not set) or TIER_ERANGE.
 * @since 0.1.0
 */
TIER_API int tier_book_get_number(const tier_book *book, size_t index, const char *name,
                                  double *out);

/**
 * Reads a text attribute; `*out` is borrowed from the book (valid until it changes).
 * @return TIER_OK, TIER_ENOTFOUND or TIER_ERANGE.
 * @since 0.1.0
 */
TIER_API int tier_book_get_text(const tier_book *book, size_t index, const char *name,
                                const char **out);

/** Number of distinct attribute names in the book. @since 0.1.0 */
TIER_API size_t tier_book_attribute_count(const tier_book *book);

/**
 * Name of attribute `i` (0 .. tier_book_attribute_count()-1), borrowed from the book (valid until
 * it changes); `*type` (may be NULL) gets its ::tier_attr_type, TIER_ATTR_NUMBER or
 * TIER_ATTR_TEXT. NULL when out of range.
 * @since 0.1.0
 */
TIER_API const char *tier_book_attribute_name(const tier_book *book, size_t i, int *type);

/**
 * The type of a column declared for tier_book_load_rows() and tier_book_load_columns(). Values are
 * ABI.
 * @since 0.4.0
 */
typedef enum tier_column_type {
    /** A numeric attribute (book type TIER_ATTR_NUMBER): number cells; NaN is an empty cell. */
    TIER_COLUMN_NUMBER = 1,
    /** A text attribute (TIER_ATTR_TEXT): text cells, valid UTF-8 without NUL bytes. */
    TIER_COLUMN_TEXT = 2,
    /** A date, kept as a text attribute in the form YYYY-MM-DD (as the CSV reader keeps a date
     * column, so that both loads give the same book): text cells in that form, checked to be a
     * real day from 1900-01-01 to 9999-12-31, or number cells holding a day number (date.h). */
    TIER_COLUMN_DATE = 3,
    /** The customer id: text cells, never empty. Exactly one column has this type; its name
     * only labels error messages. */
    TIER_COLUMN_ID = 4
} tier_column_type;

/**
 * One column of a typed attribute load: the attribute it fills and the type its cells must have.
 * @since 0.4.0
 */
typedef struct tier_column {
    const char *name; /**< the attribute name (UTF-8, not empty, unique in the load); copied */
    int type;         /**< a ::tier_column_type */
} tier_column;

/** The kind of a ::tier_cell, as a database reports it. Values are ABI. @since 0.4.0 */
typedef enum tier_cell_type {
    TIER_CELL_NULL = 0,   /**< no value (SQL NULL): the customer's attribute is left as it is */
    TIER_CELL_NUMBER = 1, /**< `number` holds the value */
    TIER_CELL_TEXT = 2    /**< `text` and `len` hold the value */
} tier_cell_type;

/**
 * One typed value of a row, as a database cursor hands it out (e.g. SQLite's
 * sqlite3_column_type()). A zeroed cell is a NULL cell.
 * @since 0.4.0
 */
typedef struct tier_cell {
    int type;         /**< a ::tier_cell_type */
    double number;    /**< the value of a TIER_CELL_NUMBER cell */
    const char *text; /**< the bytes of a TIER_CELL_TEXT cell (need not be NUL-terminated) */
    size_t len;       /**< their number; 0 is an empty text, which counts as no value */
} tier_cell;

/** Flags of tier_book_load_rows() and tier_book_load_columns(). Values are ABI. @since 0.4.0 */
typedef enum tier_load_flag {
    /** Every id must already be a customer of the book (an unknown one fails the load);
     * without it, new ids become customers without transactions. */
    TIER_LOAD_EXISTING = 1
} tier_load_flag;

/**
 * Loads customer attributes from typed rows, all or nothing: the columns are declared once with
 * a name and a ::tier_column_type, so nothing is guessed from the values (the CSV reader types a
 * column by its values, tier_csv_read_attributes_file()). Each row is one customer: its id cell
 * finds the customer (or creates it, unless `flags` has TIER_LOAD_EXISTING) and every other cell
 * sets that customer's attribute of the column's name. A NULL or empty cell leaves the attribute
 * as it was.
 *
 * Refused, with the book unchanged and the last error naming the row and column (both counted
 * from 0, as in tier_book_add_txns()), the customer id and what was expected: a cell of the wrong
 * kind (a text where a number was declared, a number in a text column), a number that is infinite
 * or a date that is not a real day, text that is not UTF-8 or longer than
 * TIER_BOOK_LIMIT_TEXT_LENGTH, an empty or missing id, an id given twice, an unknown customer under
 * TIER_LOAD_EXISTING, a column whose attribute the book already holds with the other type, no id
 * column or two of them, two columns with one name, more rows than TIER_BOOK_LIMIT_ROWS_PER_CALL.
 *
 * @param book the book.
 * @param columns the `ncolumns` columns; names and types are read during the call only.
 * @param ncolumns the number of columns (at least 1, the id).
 * @param cells `nrows` rows of `ncolumns` cells each, row after row: the cell of row r and column
 *        c is `cells[r * ncolumns + c]`. Only read; text is copied.
 * @param nrows the number of rows (0 checks the columns and changes nothing).
 * @param flags 0 or TIER_LOAD_EXISTING.
 * @return TIER_OK, TIER_EINVAL (a bad argument, column or cell), TIER_ENOTFOUND (an unknown
 *         customer under TIER_LOAD_EXISTING), TIER_ERANGE (a limit, or a date out of range) or
 *         TIER_ENOMEM.
 * @since 0.4.0
 */
TIER_API int tier_book_load_rows(tier_book *book, const tier_column *columns, size_t ncolumns,
                                 const tier_cell *cells, size_t nrows, unsigned flags);

/**
 * Loads customer attributes from C arrays, one per column, with the rules of
 * tier_book_load_rows(). `values[c]` is the array of column c, `nrows` long:
 * - TIER_COLUMN_NUMBER: `const double *`, NaN for no value;
 * - TIER_COLUMN_TEXT, TIER_COLUMN_DATE and TIER_COLUMN_ID: `const char *const *`, NUL-terminated
 *   strings, NULL or "" for no value (dates in the form YYYY-MM-DD).
 *
 * @param book the book.
 * @param columns the `ncolumns` columns.
 * @param ncolumns the number of columns (at least 1, the id).
 * @param values the `ncolumns` arrays, typed as the column says. Only read; text is copied.
 * @param nrows the length of every array.
 * @param flags 0 or TIER_LOAD_EXISTING.
 * @return as tier_book_load_rows().
 * @since 0.4.0
 */
TIER_API int tier_book_load_columns(tier_book *book, const tier_column *columns, size_t ncolumns,
                                    const void *const *values, size_t nrows, unsigned flags);

/**
 * Opens a savepoint: a mark that tier_book_rollback() takes the book back to exactly, so that a
 * host can try changes (an invoice) inside its own transaction and undo them when it refuses
 * them. Between the savepoint and its rollback or release the book may take transactions and
 * customers (tier_book_add_txn(), tier_book_add_txns(), tier_book_add_customer(), CSV
 * transaction reads) and attribute values set one at a time (tier_book_set_number(),
 * tier_book_set_text()); attribute loads (records, tier_book_load_rows(),
 * tier_book_load_columns(), accounts files) and tier_book_merge() are refused with TIER_ESTATE,
 * and the book's options must not change. Savepoints nest: each is closed by one rollback or
 * one release, innermost first; releasing an inner one keeps its changes, which the enclosing
 * one can still roll back. Each change made inside a savepoint keeps what it overwrote until
 * the outermost savepoint is closed (a customer's old figures, an attribute's old value).
 * docs/book.md, "Savepoints".
 * @param book the book.
 * @return TIER_OK, TIER_EINVAL (NULL book) or TIER_ENOMEM (the book is unchanged).
 * @since 0.4.0
 */
TIER_API TIER_WARN_UNUSED_RESULT int tier_book_savepoint(tier_book *book);

/**
 * Undoes everything since the innermost open savepoint and closes it: customers and
 * transactions added since are gone, every customer's figures and every attribute value are
 * those of the savepoint, attribute names created since are forgotten, and the book's
 * per-customer transaction index stays valid. Never allocates, cannot fail on an open
 * savepoint.
 * @param book the book.
 * @return TIER_OK, TIER_EINVAL (NULL book) or TIER_ESTATE (no open savepoint).
 * @since 0.4.0
 */
TIER_API int tier_book_rollback(tier_book *book);

/**
 * Keeps the changes made since the innermost open savepoint and closes it (an enclosing
 * savepoint can still undo them). Never allocates.
 * @param book the book.
 * @return TIER_OK, TIER_EINVAL (NULL book) or TIER_ESTATE (no open savepoint).
 * @since 0.4.0
 */
TIER_API int tier_book_release(tier_book *book);

/**
 * The number of open savepoints.
 * @param book the book.
 * @return how many savepoints are open (0 for NULL).
 * @since 0.4.0
 */
TIER_API size_t tier_book_savepoint_depth(const tier_book *book);

TIER_END_DECL

/** @} */
#endif
