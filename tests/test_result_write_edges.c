/* SPDX-License-Identifier: MIT */
/* The result writer (tier_result_write) on values beyond the fixture of test_result.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* Values the seven-customer fixture lacks: infinities ("inf"/"-inf" in CSV, null in JSON),
 * -0 and a negative fraction rounding to zero (no "-0"), ids with a carriage return, a control
 * byte, a backslash and a trailing tab. */
static void test_result_write_infinities_and_control_bytes(void **state)
{
    static const char *const ids[] = {"cr\rx", "bell\x07", "back\\slash", "trail\t", "plain"};
    static const double n[] = {INFINITY, -INFINITY, -0.0, -0.4, 1e20};
    tier_book *book = NULL;
    tier_model *model;
    static const char text[] = "libtier-policy 1\nmodel t = fixed\n"
                               "tier S {\n    rule \"big\" when t.n >= 100\n}\n"
                               "tier C {\n    rule \"rest\"\n}\n";
    tier_policy *policy = NULL;
    tier_result *result = NULL;
    tst_column col = tst_number_column("n", n);
    tst_fixed st;
    tst_sink s;
    size_t i;
    (void)state;
    memset(&s, 0, sizeof s);
    assert_int_equal(tier_policy_new(&policy, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(policy, text, sizeof text - 1, "w.policy"), TIER_OK);
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(ids); i++)
        assert_int_equal(tier_book_add_customer(book, ids[i], strlen(ids[i]), NULL), TIER_OK);
    tst_fixed_init(&st, &col, 1);
    model = tst_fixed_model_ok("t", &st, 0);
    assert_int_equal(tier_result_new(&result, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(result, book, &model, 1, policy), TIER_OK);
    assert_int_equal(tier_result_write(result, book, "customer_id,tier,n=t.n,r=t.n:0",
                                       TIER_OUTPUT_CSV, tst_sink_write, &s),
                     TIER_OK);
    assert_string_equal(s.data, "customer_id,tier,n,r\n"
                                "\"cr\rx\",S,inf,inf\n"
                                "bell\x07,C,-inf,-inf\n"
                                "back\\slash,C,0,0\n"
                                "\"trail\t\",C,-0.4,0\n"
                                "plain,S,1e+20,100000000000000000000\n");
    tst_sink_reset(&s);
    assert_int_equal(tier_result_write(result, book, "customer_id,tier,n=t.n,r=t.n:0",
                                       TIER_OUTPUT_JSON, tst_sink_write, &s),
                     TIER_OK);
    assert_string_equal(s.data,
                        "[\n"
                        "{\"customer_id\":\"cr\\u000dx\",\"tier\":\"S\",\"n\":null,\"r\":null},\n"
                        "{\"customer_id\":\"bell\\u0007\",\"tier\":\"C\",\"n\":null,\"r\":null},\n"
                        "{\"customer_id\":\"back\\\\slash\",\"tier\":\"C\",\"n\":0,\"r\":0},\n"
                        "{\"customer_id\":\"trail\\u0009\",\"tier\":\"C\",\"n\":-0.4,\"r\":0},\n"
                        "{\"customer_id\":\"plain\",\"tier\":\"S\",\"n\":1e+20,"
                        "\"r\":100000000000000000000}\n"
                        "]\n");
    tst_sink_reset(&s);
    tier_result_free(result);
    tier_policy_free(policy);
    tier_model_free(model);
    tier_book_free(book);
}

/* Ids of 1 to 24 bytes with one byte that needs quoting (',', '"', LF, CR) at every place, and
 * without one, and whole numbers of every digit count up to 2^53 - 1 and their tenths at two
 * decimals: the CSV is what one byte and one digit at a time give. */
#define EDGE_IDS (4 * 300 + 24) /* 4 * (1 + 2 + ... + 24), and one plain id a length */
#define EDGE_NUMBERS 32

static void test_result_write_quotes_and_digits_at_every_place(void **state)
{
    static const char special[4] = {',', '"', '\n', '\r'};
    static char ids[EDGE_IDS][32];
    static double n[EDGE_IDS];
    static char expect[EDGE_IDS * 64 + 64];
    const char *names[EDGE_IDS];
    static const char text[] = "libtier-policy 1\nmodel t = fixed\ntier C {\n    rule \"all\"\n}\n";
    tier_book *book = NULL;
    tier_model *model;
    tier_policy *policy = NULL;
    tier_result *result = NULL;
    tst_column col;
    tst_fixed st;
    tst_sink s;
    size_t i = 0, at = 0, len, k, c, pos;
    (void)state;
    memset(&s, 0, sizeof s);
    for (len = 1; len <= 24; len++) {
        for (c = 0; c < 4; c++)
            for (pos = 0; pos < len; pos++, i++) {
                memset(ids[i], 'a' + (int)(i % 26), len);
                ids[i][len] = '\0';
                ids[i][pos] = special[c];
                if (c == 0 && pos == 0)
                    ids[i][len - 1] = (char)('0' + (int)(len % 10)); /* unique */
            }
        memset(ids[i], 'k', len);
        ids[i][len] = '\0';
        i++;
    }
    assert_int_equal(i, EDGE_IDS);
    /* The ids above repeat: keep the first of each. */
    for (i = 0, k = 0; i < EDGE_IDS; i++) {
        size_t j;
        for (j = 0; j < k && strcmp(names[j], ids[i]) != 0; j++)
            ;
        if (j == k)
            names[k++] = ids[i];
    }
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    for (i = 0; i < k; i++) {
        double p = pow(10, (double)(i % EDGE_NUMBERS / 2));
        n[i] = i % EDGE_NUMBERS == 31 ? 9007199254740991.0 : i % 2 ? p - 1 : p;
        assert_int_equal(tier_book_add_customer(book, names[i], strlen(names[i]), NULL), TIER_OK);
    }
    col = tst_number_column("n", n);
    assert_int_equal(tier_policy_new(&policy, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(policy, text, sizeof text - 1, "w.policy"), TIER_OK);
    tst_fixed_init(&st, &col, 1);
    model = tst_fixed_model_ok("t", &st, 0);
    assert_int_equal(tier_result_new(&result, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(result, book, &model, 1, policy), TIER_OK);
    assert_int_equal(tier_result_write(result, book, "customer_id,n=t.n,d=t.n:2", TIER_OUTPUT_CSV,
                                       tst_sink_write, &s),
                     TIER_OK);
    at = (size_t)snprintf(expect, sizeof expect, "customer_id,n,d\n");
    for (i = 0; i < k; i++) {
        const char *id = names[i];
        int quote = strpbrk(id, ",\"\n\r") != NULL;
        if (quote) {
            expect[at++] = '"';
            for (; *id; id++) {
                if (*id == '"')
                    expect[at++] = '"';
                expect[at++] = *id;
            }
            expect[at++] = '"';
        } else {
            at += (size_t)snprintf(expect + at, sizeof expect - at, "%s", id);
        }
        at += (size_t)snprintf(expect + at, sizeof expect - at, ",%.0f,%.2f\n", n[i], n[i]);
    }
    assert_string_equal(s.data, expect);
    tst_sink_reset(&s);
    tier_result_free(result);
    tier_policy_free(policy);
    tier_model_free(model);
    tier_book_free(book);
}

TST_MAIN(cmocka_unit_test(test_result_write_infinities_and_control_bytes),
         cmocka_unit_test(test_result_write_quotes_and_digits_at_every_place))
