/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the attribute (accounts) file reader (src/io/csv_attributes.c,
 * tier_csv_read_attributes_buffer). The first byte picks the options:
 *   bits 0-1  the delimiter (comma, semicolon, tab, whitespace);
 *   bit 2     no header line: the names are given (customer_id,x,y,z);
 *   bit 3     the book already holds customers "a" and "b" with a numeric attribute x and a text
 *             attribute y (so that the typed-attribute refusals are reached);
 *   bit 4     small limits (4 fields, 16 bytes a field, 3 rows);
 *   bit 5     read through a file path and the I/O layer, in short reads.
 * The rest is the CSV text. Whatever the bytes, the read returns one of the statuses the header
 * lists; a failure says why, names a line (or the reader's limit) and leaves the book exactly as
 * it was (tests/fuzz/bookdigest.h); a success clears the last error and never loses a customer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bookdigest.h"
#include "memio.h"
#include "reader.h"
#include "tier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tier_csv *csv = NULL;
    tier_book *book = NULL;
    tier_fuzz_memfile mf;
    tier_io io;
    uint64_t before;
    size_t customers;
    unsigned op;
    int rc;
    if (size < 1)
        return 0;
    op = data[0];
    data++;
    size--;
    tier_fuzz_reader(op, "customer_id,x,y,z", &csv, &book);
    if (op & 8) {
        if (tier_book_add_customer(book, "a", 1, NULL) ||
            tier_book_add_customer(book, "b", 1, NULL) || tier_book_set_number(book, 0, "x", 1.5) ||
            tier_book_set_text(book, 1, "y", "kept"))
            abort();
    }
    if ((op & 16) && (tier_csv_set_limit(csv, TIER_CSV_LIMIT_FIELDS, 4) ||
                      tier_csv_set_limit(csv, TIER_CSV_LIMIT_FIELD_LENGTH, 16) ||
                      tier_csv_set_limit(csv, TIER_CSV_LIMIT_ROWS, 3)))
        abort();
    before = tier_fuzz_book_digest(book);
    customers = tier_book_customer_count(book);
    if (op & 32) {
        tier_fuzz_memio(&io, &mf, data, size, 1 + ((op >> 6) & 3) * 7);
        if (tier_csv_set_io(csv, &io))
            abort();
        rc = tier_csv_read_attributes_file(csv, book, "fuzz.csv");
    } else {
        rc = tier_csv_read_attributes_buffer(csv, book, (const char *)data, size);
    }
    if (rc == TIER_OK) {
        if (tier_csv_last_error(csv)[0] || tier_book_customer_count(book) < customers)
            abort();
    } else {
        if (rc != TIER_EPARSE && rc != TIER_EINVAL && rc != TIER_ERANGE && rc != TIER_ENOMEM) {
            fprintf(stderr, "status %s: %s\n", tier_status_name(rc), tier_csv_last_error(csv));
            abort();
        }
        if (!tier_csv_last_error(csv)[0] || tier_fuzz_book_digest(book) != before) {
            fprintf(stderr, "a failed read changed the book or said nothing: %s\n",
                    tier_csv_last_error(csv));
            abort();
        }
    }
    tier_book_free(book);
    tier_csv_free(csv);
    return 0;
}
