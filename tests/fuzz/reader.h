/* SPDX-License-Identifier: MIT */
/* For the fuzz targets of the CSV side readers (fuzz_attributes, fuzz_contracts): a reader and a
 * blank book set up from the input's first byte `op` — bits 0-1 pick the delimiter, bit 2 turns
 * the header off and names the columns `columns` instead. Header only (static inline); aborts
 * when the set-up itself fails (that is not the reader's input at fault). */
#ifndef TIER_FUZZ_READER_H
#define TIER_FUZZ_READER_H

#include <stdlib.h>

#include "tier.h"

static inline void tier_fuzz_reader(unsigned op, const char *columns, tier_csv **csv,
                                    tier_book **book)
{
    static const int delimiters[4] = {',', ';', '\t', TIER_CSV_WHITESPACE};
    if (tier_csv_new(csv, NULL) || tier_book_new(book, NULL) ||
        tier_csv_set_delimiter(*csv, delimiters[op & 3]))
        abort();
    if ((op & 4) && (tier_csv_set_header(*csv, 0) || tier_csv_set_column_names(*csv, columns)))
        abort();
}

#endif
