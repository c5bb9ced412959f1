/* SPDX-License-Identifier: MIT */
/* Contract tables for the tests: adding a table of rows with dates as text, and the worked
 * example of docs/subscriptions.md. */
#include <string.h>

#include "support.h"

static int32_t day_of(const char *text)
{
    int32_t day = 0;
    if (!text)
        return TIER_CONTRACT_OPEN;
    if (tier_date_parse(&day, text, strlen(text), TIER_DATE_ISO) != TIER_OK)
        fail_msg("no such date %s", text);
    return day;
}

int tst_add_contracts(tier_book *book, const tst_contract *rows, size_t n, unsigned flags)
{
    char ids[4096];
    size_t off[65], i, used = 0;
    int32_t start[64], end[64], period[64], status[64];
    double amount[64];
    const char *plan[64];
    assert_true(n < 64);
    off[0] = 0;
    for (i = 0; i < n; i++) {
        size_t len = strlen(rows[i].id);
        assert_true(used + len < sizeof ids);
        memcpy(ids + used, rows[i].id, len);
        used += len;
        off[i + 1] = used;
        start[i] = day_of(rows[i].start);
        end[i] = day_of(rows[i].end);
        amount[i] = rows[i].amount;
        period[i] = rows[i].period;
        status[i] = rows[i].status;
        plan[i] = rows[i].plan;
    }
    return tier_book_add_contracts(book, n, ids, off, start, end, amount, period, status, plan,
                                   flags);
}

#define M TIER_CONTRACT_MONTHLY
#define Y TIER_CONTRACT_YEARLY
#define ACT TIER_CONTRACT_ACTIVE
#define REN TIER_CONTRACT_RENEWED
#define CAN TIER_CONTRACT_CANCELLED

const tst_contract tst_subscription_rows[] = {
    {"a", "2023-01-01", "2024-01-01", 100, M, REN, "pro"},
    {"a", "2024-01-01", "2025-01-01", 1440, Y, ACT, "pro"},
    {"b", "2023-03-15", "2024-03-15", 200, M, CAN, "basic"},
    {"c", "2022-06-01", "2024-06-01", 300, M, REN, "pro"},
    {"c", "2024-06-01", NULL, 250, M, ACT, "pro"},
    {"d", "2024-02-01", "2025-02-01", 600, Y, ACT, "basic"},
    {"f", "2023-01-10", "2025-01-10", 80, M, ACT, "pro"},
};
const size_t tst_subscription_nrows = TST_COUNT(tst_subscription_rows);

tier_book *tst_subscription_book(const tier_allocator *a)
{
    tier_book *book = NULL;
    int rc;
    if (tier_book_new(&book, a) != TIER_OK)
        return NULL;
    rc = tier_book_add_txn(book, "e", 1, tst_day(2024, 5, 1), 75, NAN);
    if (rc == TIER_OK)
        rc = tst_add_contracts(book, tst_subscription_rows, tst_subscription_nrows, 0);
    if (rc != TIER_OK) {
        assert_int_equal(rc, TIER_ENOMEM);
        tier_book_free(book);
        return NULL;
    }
    return book;
}
