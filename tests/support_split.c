/* SPDX-License-Identifier: MIT */
/* Splitting a book into parts, each customer in one (tests of fits over parts: fit summaries,
 * the clv model's distributed fit). */
#include <math.h>

#include "support.h"

size_t tst_part_of(size_t customer, size_t parts)
{
    return (size_t)(((uint64_t)customer * 2654435761u + 7u) % parts);
}

/* The index in `book` of customer `id`, made when it is not there. */
static size_t customer_in(tier_book *book, const char *id, size_t len)
{
    size_t at = 0;
    if (tier_book_find(book, id, len, &at) != TIER_OK)
        assert_int_equal(tier_book_add_customer(book, id, len, &at), TIER_OK);
    return at;
}

/* Splits `whole` into `parts` books: each customer, with its transactions (in order), contracts
 * and number attributes, in one of them. */
void tst_split_book(const tier_book *whole, tier_book **part, size_t parts)
{
    size_t t, c, k, a, len;
    for (k = 0; k < parts; k++)
        assert_int_equal(tier_book_new(&part[k], TST_ALLOC), TIER_OK);
    for (t = 0; t < tier_book_txn_count(whole); t++) {
        int32_t day;
        double amount, margin;
        const char *id;
        assert_int_equal(tier_book_txn(whole, t, &c, &day, &amount, &margin), TIER_OK);
        id = tier_book_customer_id(whole, c, &len);
        assert_int_equal(
            tier_book_add_txn(part[tst_part_of(c, parts)], id, len, day, amount, margin), TIER_OK);
    }
    for (c = 0; c < tier_book_customer_count(whole); c++) {
        tier_book *p = part[tst_part_of(c, parts)];
        const char *id = tier_book_customer_id(whole, c, &len);
        size_t at = customer_in(p, id, len);
        for (k = 0; k < tier_book_contract_count(whole, c); k++) {
            tier_contract ct;
            assert_int_equal(tier_book_contract(whole, c, k, &ct), TIER_OK);
            assert_int_equal(tier_book_add_contract(p, id, len, &ct, 0), TIER_OK);
        }
        for (a = 0; a < tier_book_attribute_count(whole); a++) {
            int type = 0;
            const char *name = tier_book_attribute_name(whole, a, &type);
            double v = NAN;
            if (type == TIER_ATTR_NUMBER && tier_book_get_number(whole, c, name, &v) == TIER_OK &&
                !isnan(v))
                assert_int_equal(tier_book_set_number(p, at, name, v), TIER_OK);
        }
    }
}

double tst_day_after(const tier_book *book)
{
    int32_t first = 0, last = 0;
    assert_int_equal(tier_book_day_range(book, &first, &last), TIER_OK);
    return (double)last + 1;
}

void tst_free_parts(tier_book **part, size_t parts)
{
    size_t k;
    for (k = 0; k < parts; k++)
        tier_book_free(part[k]);
}
