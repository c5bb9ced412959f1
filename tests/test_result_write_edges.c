/* SPDX-License-Identifier: MIT */
/* The result writer (tier_result_write) on values beyond the fixture of test_result.c. */
#include <math.h>
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

TST_MAIN(cmocka_unit_test(test_result_write_infinities_and_control_bytes))
