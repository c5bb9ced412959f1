/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the contracts file reader (tier_csv_read_contracts_buffer). The first byte
 * picks the delimiter, header or given names, and whether the book already holds a contract (so
 * that overlaps with the book are reached); the rest is the CSV text. Checks the all-or-nothing
 * promise: a failed load leaves the book's customers and contracts as they were and says why, a
 * successful one adds one contract per row read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "tier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tier_csv *csv = NULL;
    tier_book *book = NULL;
    size_t customers, contracts;
    unsigned op;
    int rc;
    if (size < 1)
        return 0;
    op = data[0];
    data++;
    size--;
    tier_fuzz_reader(op, "customer_id,plan,start,end,amount,period,status", &csv, &book);
    if (op & 8) {
        tier_contract c = {
            18993, TIER_CONTRACT_OPEN, 10, TIER_CONTRACT_MONTHLY, TIER_CONTRACT_ACTIVE,
            "pro"}; /* 2022-01-01, open */
        if (tier_book_add_contract(book, "a", 1, &c, 0))
            abort();
    }
    customers = tier_book_customer_count(book);
    contracts = tier_book_contract_total(book);
    rc = tier_csv_read_contracts_buffer(csv, book, (const char *)data, size);
    if (rc == TIER_OK) {
        if (tier_csv_last_error(csv)[0] ||
            tier_book_contract_total(book) != contracts + tier_csv_rows_read(csv))
            abort();
    } else if (tier_book_customer_count(book) != customers ||
               tier_book_contract_total(book) != contracts || !tier_csv_last_error(csv)[0] ||
               (rc != TIER_EPARSE && rc != TIER_ERANGE && rc != TIER_EINVAL && rc != TIER_ENOMEM)) {
        abort();
    }
    tier_book_free(book);
    tier_csv_free(csv);
    return 0;
}
