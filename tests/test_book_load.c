/* SPDX-License-Identifier: MIT */
/* The typed attribute loader (tier_book_load_rows, tier_book_load_columns): declared column types
 * instead of guessed ones, NULL cells, dates, existing customers, both forms giving the same book,
 * every refusal naming the row, the column, the customer and what was expected with the book left
 * exactly as it was, and out of memory at every allocation. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#define N(v)                           \
    {                                  \
        TIER_CELL_NUMBER, (v), NULL, 0 \
    }
#define T(s)                                  \
    {                                         \
        TIER_CELL_TEXT, 0, (s), sizeof(s) - 1 \
    }
#define NUL                        \
    {                              \
        TIER_CELL_NULL, 0, NULL, 0 \
    }

static const tier_column columns[] = {{"account_id", TIER_COLUMN_ID},
                                      {"employees", TIER_COLUMN_NUMBER},
                                      {"industry", TIER_COLUMN_TEXT},
                                      {"onboarding_started", TIER_COLUMN_DATE}};
#define NCOL TST_COUNT(columns)

/* Everything the book holds, as text: customers in order with their figures and every attribute
 * value (so that "unchanged" compares the whole book). */
static void dump(const tier_book *book, char *out, size_t cap)
{
    size_t i, k, used = 0;
    out[0] = '\0';
    for (i = 0; i < tier_book_customer_count(book); i++) {
        double net = NAN;
        assert_int_equal(tier_book_customer_stat(book, i, TIER_BOOK_STAT_NET_AMOUNT, &net), 0);
        used += (size_t)snprintf(out + used, cap - used, "%s net=%g",
                                 tier_book_customer_id(book, i, NULL), net);
        for (k = 0; k < tier_book_attribute_count(book); k++) {
            int type = 0;
            const char *name = tier_book_attribute_name(book, k, &type), *t;
            double v;
            if (type == TIER_ATTR_NUMBER && tier_book_get_number(book, i, name, &v) == TIER_OK)
                used += (size_t)snprintf(out + used, cap - used, " %s=%.17g", name, v);
            else if (type == TIER_ATTR_TEXT && tier_book_get_text(book, i, name, &t) == TIER_OK)
                used += (size_t)snprintf(out + used, cap - used, " %s='%s'", name, t);
        }
        used += (size_t)snprintf(out + used, cap - used, "\n");
        assert_true(used < cap);
    }
}

/* A book with customer "a" (one purchase, employees 5) made with `alloc`; NULL when it could not
 * be made (out of memory). */
static tier_book *book_with_a(const tier_allocator *alloc)
{
    tier_book *book = NULL;
    if (tier_book_new(&book, alloc) != TIER_OK)
        return NULL;
    if (tier_book_add_txn(book, "a", 1, tst_day(2025, 1, 2), 100, NAN) != TIER_OK ||
        tier_book_set_number(book, 0, "employees", 5) != TIER_OK) {
        tier_book_free(book);
        return NULL;
    }
    return book;
}

/* Rows as a database gives them: "a" exists, "b" and "c" are new; NULL cells and a day number. */
static const tier_cell good_rows[] = {
    T("a"),
    NUL,
    T("Retail"),
    T("2025-05-19"), /* employees NULL: stays 5 */
    T("b"),
    N(43),
    T("Éducation"),
    NUL,
    T("c"),
    N(1e4),
    NUL,
    N(20000), /* day 20000 = 2024-10-04 */
};

static const char good_dump[] =
    "a net=100 employees=5 industry='Retail' onboarding_started='2025-05-19'\n"
    "b net=0 employees=43 industry='Éducation'\n"
    "c net=0 employees=10000 onboarding_started='2024-10-04'\n";

static void test_book_load_rows_types_cells_as_declared(void **state)
{
    tier_allocator a = tst_allocator();
    tier_book *book = book_with_a(&a);
    char got[2048];
    int type = 0;
    (void)state;
    assert_int_equal(tier_book_load_rows(book, columns, NCOL, good_rows, 3, 0), TIER_OK);
    assert_string_equal(tier_book_last_error(book), "");
    dump(book, got, sizeof got);
    assert_string_equal(got, good_dump);
    /* The date column is a text attribute, as the CSV reader keeps an ISO date column. */
    assert_string_equal(tier_book_attribute_name(book, 2, &type), "onboarding_started");
    assert_int_equal(type, TIER_ATTR_TEXT);
    /* Loading again changes the values given and keeps the others. */
    {
        const tier_cell again[] = {T("c"), N(7), T("Retail"), NUL};
        assert_int_equal(tier_book_load_rows(book, columns, NCOL, again, 1, TIER_LOAD_EXISTING),
                         TIER_OK);
        dump(book, got, sizeof got);
        assert_non_null(strstr(got, "c net=0 employees=7 industry='Retail' "
                                    "onboarding_started='2024-10-04'\n"));
    }
    /* No rows: the columns are checked, nothing changes. */
    assert_int_equal(tier_book_load_rows(book, columns, NCOL, NULL, 0, 0), TIER_OK);
    tier_book_free(book);
}

static void test_book_load_columns_gives_the_same_book_as_rows(void **state)
{
    tier_allocator a = tst_allocator();
    tier_book *by_rows = book_with_a(&a), *by_cols = book_with_a(&a);
    static const char *const ids[] = {"a", "b", "c"};
    static const double employees[] = {NAN, 43, 1e4};
    static const char *const industry[] = {"Retail", "Éducation", NULL};
    static const char *const onboarding[] = {"2025-05-19", "", "2024-10-04"};
    const void *const values[] = {ids, employees, industry, onboarding};
    char x[2048], y[2048];
    (void)state;
    assert_int_equal(tier_book_load_rows(by_rows, columns, NCOL, good_rows, 3, 0), TIER_OK);
    assert_int_equal(tier_book_load_columns(by_cols, columns, NCOL, values, 3, 0), TIER_OK);
    dump(by_rows, x, sizeof x);
    dump(by_cols, y, sizeof y);
    assert_string_equal(x, y);
    assert_string_equal(y, good_dump);
    tier_book_free(by_rows);
    tier_book_free(by_cols);
}

static void test_book_load_takes_whole_number_ids(void **state)
{
    tier_allocator a = tst_allocator();
    tier_book *book = NULL;
    static const tier_column cols[] = {{"id", TIER_COLUMN_ID}, {"n", TIER_COLUMN_NUMBER}};
    static const tier_cell rows[] = {N(42), N(1), N(-7), N(2), T("x"), N(3)};
    size_t i = 99;
    (void)state;
    assert_int_equal(tier_book_new(&book, &a), TIER_OK);
    assert_int_equal(tier_book_load_rows(book, cols, 2, rows, 3, 0), TIER_OK);
    assert_int_equal(tier_book_find(book, "42", 2, &i), TIER_OK);
    assert_int_equal(i, 0);
    assert_int_equal(tier_book_find(book, "-7", 2, &i), TIER_OK);
    assert_int_equal(i, 1);
    tier_book_free(book);
}

/* ---- refusals ---------------------------------------------------------------------------------
 * Each case loads its rows into the book of "a" and expects a status and the exact error text;
 * the book must be exactly as it was. */
typedef struct refusal {
    const tier_column *cols;
    size_t ncols;
    const tier_cell *cells;
    size_t nrows;
    unsigned flags;
    int64_t row_limit, text_limit; /* 0: the defaults */
    int status;
    const char *error;
} refusal;

static const tier_column two_ids[] = {{"id", TIER_COLUMN_ID}, {"other", TIER_COLUMN_ID}};
static const tier_column no_id[] = {{"employees", TIER_COLUMN_NUMBER}};
static const tier_column same_name[] = {
    {"id", TIER_COLUMN_ID}, {"x", TIER_COLUMN_NUMBER}, {"x", TIER_COLUMN_TEXT}};
static const tier_column bad_type[] = {{"id", TIER_COLUMN_ID}, {"x", 9}};
static const tier_column empty_name[] = {{"id", TIER_COLUMN_ID}, {"", TIER_COLUMN_TEXT}};
static const tier_column employees_as_text[] = {{"id", TIER_COLUMN_ID},
                                                {"employees", TIER_COLUMN_TEXT}};

static const tier_cell text_in_number[] = {T("b"), N(1), T("x"), NUL, T("c"), T("many"), NUL, NUL};
static const tier_cell number_in_text[] = {T("b"), N(1), N(3.5), NUL};
static const tier_cell infinite[] = {T("b"), N(INFINITY), NUL, NUL};
static const tier_cell feb_30[] = {T("b"), NUL, NUL, T("2025-02-30")};
static const tier_cell not_iso[] = {T("b"), NUL, NUL, T("19/05/2025")};
static const tier_cell half_day[] = {T("b"), NUL, NUL, N(1.5)};
static const tier_cell twice[] = {T("b"), N(1), NUL,    NUL,  T("a"), N(2),
                                  NUL,    NUL,  T("b"), N(3), NUL,    NUL};
static const tier_cell unknown[] = {T("a"), N(1), NUL, NUL, T("zz"), N(2), NUL, NUL};
static const tier_cell empty_id[] = {T("b"), N(1), NUL, NUL, T(""), N(2), NUL, NUL};
static const tier_cell null_id[] = {NUL, N(1), NUL, NUL};
static const tier_cell fraction_id[] = {N(1.5), N(1), NUL, NUL};
static const tier_cell bad_utf8[] = {T("b"), NUL, T("caf\xc3"), NUL};
static const tier_cell long_text[] = {T("b"), NUL, T("abcdefghij"), NUL};
static const tier_cell odd_cell[] = {T("b"), {7, 0, NULL, 0}, NUL, NUL};
static const tier_cell three_rows[] = {T("b"), NUL, NUL,    NUL, T("c"), NUL,
                                       NUL,    NUL, T("d"), NUL, NUL,    NUL};
static const tier_cell one_id[] = {T("b"), T("x"), T("y")};

static const refusal refusals[] = {
    {columns, NCOL, text_in_number, 2, 0, 0, 0, TIER_EINVAL,
     "row 1 (customer \"c\"), column 1 \"employees\": text \"many\" where a number was declared"},
    {columns, NCOL, number_in_text, 1, 0, 0, 0, TIER_EINVAL,
     "row 0 (customer \"b\"), column 2 \"industry\": a number (3.5) where text was declared"},
    {columns, NCOL, infinite, 1, 0, 0, 0, TIER_EINVAL,
     "row 0 (customer \"b\"), column 1 \"employees\": the number is infinite"},
    {columns, NCOL, feb_30, 1, 0, 0, 0, TIER_ERANGE,
     "row 0 (customer \"b\"), column 3 \"onboarding_started\": \"2025-02-30\" is not a day of the "
     "calendar from 1900-01-01 to 9999-12-31"},
    {columns, NCOL, not_iso, 1, 0, 0, 0, TIER_EINVAL,
     "row 0 (customer \"b\"), column 3 \"onboarding_started\": \"19/05/2025\" is not a date "
     "YYYY-MM-DD"},
    {columns, NCOL, half_day, 1, 0, 0, 0, TIER_ERANGE,
     "row 0 (customer \"b\"), column 3 \"onboarding_started\": 1.5 is not a day number (whole, "
     "-25567 for 1900-01-01 to 2932896 for 9999-12-31)"},
    {columns, NCOL, twice, 3, 0, 0, 0, TIER_EINVAL,
     "row 2 (customer \"b\"), column 0 \"account_id\": the customer's second row (the first is "
     "row 0)"},
    {columns, NCOL, unknown, 2, TIER_LOAD_EXISTING, 0, 0, TIER_ENOTFOUND,
     "row 1 (customer \"zz\"), column 0 \"account_id\": unknown customer (TIER_LOAD_EXISTING: "
     "every id must be in the book)"},
    {columns, NCOL, empty_id, 2, 0, 0, 0, TIER_EINVAL,
     "row 1, column 0 \"account_id\": the customer id is empty"},
    {columns, NCOL, null_id, 1, 0, 0, 0, TIER_EINVAL,
     "row 0, column 0 \"account_id\": the customer id is missing (NULL)"},
    {columns, NCOL, fraction_id, 1, 0, 0, 0, TIER_EINVAL,
     "row 0, column 0 \"account_id\": the customer id is a number that is not a whole number "
     "below 2^53"},
    {columns, NCOL, bad_utf8, 1, 0, 0, 0, TIER_EINVAL,
     "row 0 (customer \"b\"), column 2 \"industry\": text \"caf\\xc3\" is not valid UTF-8 (or "
     "holds a NUL byte)"},
    {columns, NCOL, long_text, 1, 0, 0, 8, TIER_ERANGE,
     "row 0 (customer \"b\"), column 2 \"industry\": text of 10 bytes, longer than "
     "TIER_BOOK_LIMIT_TEXT_LENGTH (8)"},
    {columns, NCOL, odd_cell, 1, 0, 0, 0, TIER_EINVAL,
     "row 0 (customer \"b\"), column 1 \"employees\": cell type 7 is not a cell type (null, "
     "number, text)"},
    {columns, NCOL, three_rows, 3, 0, 2, 0, TIER_ERANGE,
     "3 rows, more than TIER_BOOK_LIMIT_ROWS_PER_CALL (2)"},
    {columns, NCOL, three_rows, 3, 8, 0, 0, TIER_EINVAL,
     "unknown flags (TIER_LOAD_EXISTING is the only one)"},
    {two_ids, 2, one_id, 1, 0, 0, 0, TIER_EINVAL,
     "column 1 \"other\": a second id column (column 0 is the id); declare one"},
    {no_id, 1, one_id, 1, 0, 0, 0, TIER_EINVAL,
     "no column is declared TIER_COLUMN_ID (the customer id)"},
    {same_name, 3, one_id, 1, 0, 0, 0, TIER_EINVAL, "column 2 \"x\": the name of column 1 again"},
    {bad_type, 2, one_id, 1, 0, 0, 0, TIER_EINVAL,
     "column 1 \"x\": type 9 is not a column type (number 1, text 2, date 3, id 4)"},
    {empty_name, 2, one_id, 1, 0, 0, 0, TIER_EINVAL, "column 1 \"\": the column name is empty"},
    {employees_as_text, 2, one_id, 1, 0, 0, 0, TIER_EINVAL,
     "column 1 \"employees\": declared text, but the book holds numbers under this attribute"},
    {columns, 0, one_id, 1, 0, 0, 0, TIER_EINVAL, "no columns (the id column at least)"},
    {columns, NCOL, NULL, 1, 0, 0, 0, TIER_EINVAL, "no cells (NULL) for the rows"},
};

static void test_book_load_refuses_and_names_row_column_and_customer(void **state)
{
    const refusal *c = *state;
    tier_allocator a = tst_allocator();
    tier_book *book = book_with_a(&a);
    char before[2048], after[2048];
    assert_int_equal(TST_COUNT(refusals), 24); /* every case is listed in main() */
    if (c->row_limit)
        assert_int_equal(tier_book_set_option(book, TIER_BOOK_LIMIT_ROWS_PER_CALL, c->row_limit),
                         0);
    if (c->text_limit)
        assert_int_equal(tier_book_set_option(book, TIER_BOOK_LIMIT_TEXT_LENGTH, c->text_limit), 0);
    dump(book, before, sizeof before);
    assert_int_equal(tier_book_load_rows(book, c->cols, c->ncols, c->cells, c->nrows, c->flags),
                     c->status);
    assert_string_equal(tier_book_last_error(book), c->error);
    dump(book, after, sizeof after);
    assert_string_equal(after, before);
    assert_int_equal(tier_book_attribute_count(book), 1);
    tier_book_free(book);
}

static void test_book_load_columns_refuses_missing_arrays(void **state)
{
    tier_allocator a = tst_allocator();
    tier_book *book = book_with_a(&a);
    static const char *const ids[] = {"b"};
    static const char *const bad_day[] = {"2025-13-01"};
    const void *const values[] = {ids, NULL, NULL, NULL};
    const void *const dated[] = {ids, (const double[]){NAN}, (const char *const[]){NULL}, bad_day};
    (void)state;
    assert_int_equal(tier_book_load_columns(book, columns, NCOL, NULL, 1, 0), TIER_EINVAL);
    assert_string_equal(tier_book_last_error(book), "no arrays of values (NULL)");
    assert_int_equal(tier_book_load_columns(book, columns, NCOL, values, 1, 0), TIER_EINVAL);
    assert_string_equal(tier_book_last_error(book),
                        "column 1 \"employees\": no array of values (NULL)");
    assert_int_equal(tier_book_load_columns(book, columns, NCOL, dated, 1, 0), TIER_ERANGE);
    assert_string_equal(tier_book_last_error(book),
                        "row 0 (customer \"b\"), column 3 \"onboarding_started\": \"2025-13-01\" "
                        "is not a day of the calendar from 1900-01-01 to 9999-12-31");
    assert_int_equal(tier_book_customer_count(book), 1);
    assert_int_equal(tier_book_load_rows(NULL, columns, NCOL, good_rows, 3, 0), TIER_EINVAL);
    assert_int_equal(tier_book_load_columns(NULL, columns, NCOL, values, 1, 0), TIER_EINVAL);
    tier_book_free(book);
}

/* ---- out of memory ------------------------------------------------------------------------- */

static int oom_load(const tier_allocator *alloc, void *ud)
{
    tier_book *book = book_with_a(alloc);
    char before[2048], after[2048];
    int rc;
    (void)ud;
    if (!book)
        return TIER_ENOMEM;
    dump(book, before, sizeof before);
    rc = tier_book_load_rows(book, columns, NCOL, good_rows, 3, 0);
    dump(book, after, sizeof after);
    if (rc == TIER_OK) {
        assert_string_equal(after, good_dump);
    } else {
        assert_int_equal(rc, TIER_ENOMEM);
        assert_string_equal(after, before);
        assert_non_null(strstr(tier_book_last_error(book), "out of memory"));
    }
    tier_book_free(book);
    return rc;
}

#define REFUSAL(i, what)                     \
    TST_CASE("test_book_load_refuses_" what, \
             test_book_load_refuses_and_names_row_column_and_customer, &refusals[i])

TST_MAIN(cmocka_unit_test(test_book_load_rows_types_cells_as_declared),
         cmocka_unit_test(test_book_load_columns_gives_the_same_book_as_rows),
         cmocka_unit_test(test_book_load_takes_whole_number_ids),
         REFUSAL(0, "text_where_a_number_was_declared"),
         REFUSAL(1, "number_where_text_was_declared"), REFUSAL(2, "an_infinite_number"),
         REFUSAL(3, "a_day_not_in_the_calendar"), REFUSAL(4, "a_date_not_iso"),
         REFUSAL(5, "a_day_number_with_a_fraction"), REFUSAL(6, "a_customer_given_twice"),
         REFUSAL(7, "an_unknown_customer_when_existing"), REFUSAL(8, "an_empty_id"),
         REFUSAL(9, "a_null_id"), REFUSAL(10, "a_fractional_number_id"),
         REFUSAL(11, "invalid_utf8"), REFUSAL(12, "text_over_the_limit"),
         REFUSAL(13, "an_unknown_cell_type"), REFUSAL(14, "rows_over_the_limit"),
         REFUSAL(15, "unknown_flags"), REFUSAL(16, "two_id_columns"), REFUSAL(17, "no_id_column"),
         REFUSAL(18, "two_columns_of_one_name"), REFUSAL(19, "an_unknown_column_type"),
         REFUSAL(20, "an_empty_column_name"), REFUSAL(21, "a_type_the_book_holds_otherwise"),
         REFUSAL(22, "no_columns"), REFUSAL(23, "no_cells"),
         cmocka_unit_test(test_book_load_columns_refuses_missing_arrays),
         TST_OOM_WALK(test_book_load_survives_every_failed_allocation, oom_load, NULL, 6))
