/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the CSV reader. The first byte picks the options (delimiter, header or
 * given names, date format, margin column, block size, buffer or file path through a memory I/O
 * layer with short reads); the rest is the CSV text. Checks the all-or-nothing promise too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv_internal.h"
#include "memio.h"
#include "tier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loads data with the given options and block size; returns the status and the book. */
static int load(unsigned op, const uint8_t *data, size_t size, size_t block, int use_file,
                tier_csv **out_csv, tier_book **out_book)
{
    static const int delimiters[4] = {',', ';', '\t', TIER_CSV_WHITESPACE};
    tier_csv *csv = NULL;
    tier_book *book = NULL;
    int rc;
    if (tier_csv_new(&csv, NULL) || tier_book_new(&book, NULL))
        abort();
    if (tier_csv_set_delimiter(csv, delimiters[op & 3]))
        abort();
    if (op & 4) {
        tier_csv_set_header(csv, 0);
        if (tier_csv_set_column_names(csv, "customer_id,date,amount,margin"))
            abort();
    }
    if (op & 8)
        tier_csv_set_column(csv, TIER_CSV_MARGIN, "margin");
    tier_csv_set_date_format(csv, (int)((op >> 4) % 3));
    tier__csv_set_block_size(csv, block);
    if (use_file) {
        tier_fuzz_memfile m;
        tier_io io;
        tier_fuzz_memio(&io, &m, data, size, 1 + (op & 7) * 5);
        if (tier_csv_set_io(csv, &io))
            abort();
        rc = tier_csv_read_file(csv, book, "fuzz");
    } else {
        rc = tier_csv_read_buffer(csv, book, (const char *)data, size);
    }
    *out_csv = csv;
    *out_book = book;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t blocks[4] = {1, 7, 64, 1 << 20};
    tier_csv *csv = NULL;
    tier_book *book = NULL;
    unsigned op;
    int rc;
    if (size < 1)
        return 0;
    op = data[0];
    data++;
    size--;
    rc = load(op, data, size, blocks[(op >> 5) & 3], (op & 0x80) != 0, &csv, &book);
    if (rc == TIER_OK) {
        if (tier_csv_last_error(csv)[0] || tier_book_txn_count(book) != tier_csv_rows_read(csv))
            abort();
    } else {
        /* All or nothing: a failed load adds nothing, and says why. */
        if (tier_book_txn_count(book) != 0 || tier_book_customer_count(book) != 0 ||
            !tier_csv_last_error(csv)[0])
            abort();
        if (rc != TIER_EPARSE && rc != TIER_ERANGE && rc != TIER_EINVAL && rc != TIER_ENOMEM)
            abort();
    }
    if (size <= 512) {
        /* Differential: one-byte blocks leave nearly every record to the general parser, the
         * large block sends most through the fast path; both must agree on everything. */
        tier_csv *csv1 = NULL;
        tier_book *book1 = NULL;
        size_t t, n = tier_book_txn_count(book);
        int rc1 = load(op, data, size, 1, 0, &csv1, &book1);
        if (rc1 != rc || strcmp(tier_csv_last_error(csv1), tier_csv_last_error(csv)) != 0 ||
            tier_csv_error_line(csv1) != tier_csv_error_line(csv) ||
            tier_csv_error_column(csv1) != tier_csv_error_column(csv) ||
            tier_book_txn_count(book1) != n ||
            tier_book_customer_count(book1) != tier_book_customer_count(book))
            abort();
        for (t = 0; t < n; t++) {
            size_t c0 = 0, c1 = 0;
            int32_t d0 = 0, d1 = 0;
            double a0 = 0, a1 = 0, m0 = 0, m1 = 0;
            tier_book_txn(book, t, &c0, &d0, &a0, &m0);
            tier_book_txn(book1, t, &c1, &d1, &a1, &m1);
            if (c0 != c1 || d0 != d1 || a0 != a1 || memcmp(&m0, &m1, sizeof m0) != 0)
                abort();
        }
        tier_book_free(book1);
        tier_csv_free(csv1);
    }
    tier_book_free(book);
    tier_csv_free(csv);
    return 0;
}
