/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the typed row loader, tier_book_load_rows() (include/tier/book.h): it
 * parses text cells as dates (YYYY-MM-DD), checks UTF-8, ids and kinds. The input is read as:
 *   byte 0    bits 0-1 the number of columns less one; bit 2 TIER_LOAD_EXISTING; bit 3 the book
 *             already holds customer "a" with a number x and a text y;
 *   then one byte per column: bits 0-2 its type (0 and 5-7 are not types), bits 3-5 its name
 *             (customer_id, x, y, z, d, "", x again, a name with invalid UTF-8);
 *   then cells, row after row: a byte whose low two bits are the kind (NULL, number, text, NULL)
 *             followed for a number by 8 bytes (a double, any bits) and for a text by a length
 *             byte (at most 40) and that many bytes.
 * Whatever the cells, the load returns one of the statuses the header lists; a failure says
 * why and leaves the book exactly as it was (tests/fuzz/bookdigest.h); a success leaves at least
 * as many customers and every id findable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bookdigest.h"
#include "tier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CELLS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[8] = {"customer_id", "x", "y", "z", "d", "", "x", "n\xff"};
    tier_column columns[4];
    tier_cell cells[MAX_CELLS];
    tier_book *book = NULL;
    size_t ncol, ncells = 0, pos, c, customers;
    unsigned flags;
    uint64_t before;
    int rc;
    if (size < 1)
        return 0;
    ncol = 1 + (data[0] & 3u);
    flags = (data[0] & 4u) ? TIER_LOAD_EXISTING : 0;
    if (size < 1 + ncol)
        return 0;
    for (c = 0; c < ncol; c++) {
        columns[c].type = data[1 + c] & 7;
        columns[c].name = names[(data[1 + c] >> 3) & 7];
    }
    pos = 1 + ncol;
    memset(cells, 0, sizeof cells);
    while (pos < size && ncells < MAX_CELLS) {
        tier_cell *cell = &cells[ncells++];
        unsigned kind = data[pos++] & 3u;
        if (kind == 1) {
            cell->type = TIER_CELL_NUMBER;
            if (size - pos < sizeof cell->number)
                break;
            memcpy(&cell->number, data + pos, sizeof cell->number);
            pos += sizeof cell->number;
        } else if (kind == 2) {
            size_t len;
            cell->type = TIER_CELL_TEXT;
            if (pos >= size)
                break;
            len = data[pos++] % 41u;
            if (len > size - pos)
                len = size - pos;
            cell->text = (const char *)data + pos;
            cell->len = len;
            pos += len;
        }
    }
    if (tier_book_new(&book, NULL) != TIER_OK)
        abort();
    if ((data[0] & 8) &&
        (tier_book_add_customer(book, "a", 1, NULL) || tier_book_set_number(book, 0, "x", 2) ||
         tier_book_set_text(book, 0, "y", "kept")))
        abort();
    before = tier_fuzz_book_digest(book);
    customers = tier_book_customer_count(book);
    rc = tier_book_load_rows(book, columns, ncol, cells, ncells / ncol, flags);
    if (rc == TIER_OK) {
        if (tier_book_customer_count(book) < customers)
            abort();
    } else {
        if (rc != TIER_EINVAL && rc != TIER_ENOTFOUND && rc != TIER_ERANGE && rc != TIER_ENOMEM) {
            fprintf(stderr, "status %s: %s\n", tier_status_name(rc), tier_book_last_error(book));
            abort();
        }
        if (!tier_book_last_error(book)[0] || tier_fuzz_book_digest(book) != before) {
            fprintf(stderr, "a failed load changed the book or said nothing: %s\n",
                    tier_book_last_error(book));
            abort();
        }
    }
    tier_book_free(book);
    return 0;
}
