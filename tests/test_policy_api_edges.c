/* SPDX-License-Identifier: MIT */
/* The policy builder's refusals of names (empty, too long, not UTF-8) with their messages, the
 * tree accessors with their optional outputs left NULL, and a policy file beyond 1 MiB refused by
 * the file reader (TIER_ERANGE, naming the path) while the policy loaded before is kept. */
#include <stdlib.h>
#include <string.h>

#include "support.h"

static void test_builder_refuses_bad_names(void **state)
{
    char *longname = malloc(5000);
    tier_policy *p = NULL;
    size_t t;
    (void)state;
    assert_non_null(longname);
    memset(longname, 'x', 4097);
    longname[4097] = '\0';
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_add_tier(p, "", &t), TIER_EINVAL);
    assert_string_equal(tier_policy_last_error(p), "tier name is empty");
    assert_int_equal(tier_policy_add_tier(p, longname, &t), TIER_EINVAL);
    assert_string_equal(tier_policy_last_error(p), "tier name is longer than 4096 bytes");
    assert_int_equal(tier_policy_add_tier(p, "bad\xff", &t), TIER_EINVAL);
    assert_string_equal(tier_policy_last_error(p), "tier name is not valid UTF-8");
    longname[4096] = '\0';
    assert_int_equal(tier_policy_add_tier(p, longname, &t), TIER_OK);
    assert_int_equal(tier_policy_add_rule(p, t, "", NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_tier_count(p), 1);
    tier_policy_free(p);
    free(longname);
}

static void test_accessors_take_null_outputs(void **state)
{
    static const char text[] = "libtier-policy 1\n"
                               "model r = rfm(bins = 3, frequency = \"days\", x = [\"a\", \"b\"])\n"
                               "entitlement sla number\n"
                               "entitlement on bool\n"
                               "tier S {\n    rule \"all\"\n    entitle sla = 4\n"
                               "    entitle on = true\n}\n";
    tier_policy *p = NULL;
    tier_value *v = NULL;
    const char *name = NULL;
    int type = 0;
    (void)state;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(p, text, sizeof text - 1, "a.policy"), TIER_OK);
    assert_int_equal(tier_value_new(&v, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_model(p, 0, NULL, NULL, NULL), TIER_OK);
    assert_int_equal(tier_policy_model(p, 1, NULL, NULL, NULL), TIER_ERANGE);
    assert_int_equal(tier_policy_model_option(p, 0, 2, NULL, NULL), TIER_OK);
    assert_int_equal(tier_policy_model_option(p, 0, 2, &name, v), TIER_OK);
    assert_string_equal(name, "x");
    assert_int_equal(tier_value_list_count(v), 2);
    assert_int_equal(tier_policy_model_option(p, 0, 3, &name, v), TIER_ERANGE);
    assert_int_equal(tier_policy_entitlement(p, 0, "sla", NULL), TIER_OK);
    assert_int_equal(tier_policy_entitlement(p, 0, "on", v), TIER_OK);
    assert_true(tier_value_number(v) == 1);
    assert_int_equal(tier_policy_entitlement(p, 0, "off", v), TIER_ENOTFOUND);
    assert_int_equal(tier_policy_entitlement(p, 1, "sla", v), TIER_ERANGE);
    assert_int_equal(tier_policy_entitlement(p, 0, NULL, v), TIER_EINVAL);
    assert_string_equal(tier_policy_entitlement_name(p, 1, NULL), "on");
    assert_string_equal(tier_policy_entitlement_name(p, 1, &type), "on");
    assert_null(tier_policy_entitlement_name(p, 2, &type));
    tier_value_free(v);
    tier_policy_free(p);
}

static void test_a_file_beyond_one_mebibyte_is_refused(void **state)
{
    static const char keep[] = "libtier-policy 1\ntier Keep {\n    rule \"kept\"\n}\n";
    size_t n = (size_t)1 << 20, i;
    char *big = malloc(n + 2);
    tst_faultfs fs;
    tier_io io;
    tier_policy *p = NULL;
    (void)state;
    assert_non_null(big);
    /* A valid policy padded with comment lines to one byte over the limit. */
    memcpy(big, keep, sizeof keep - 1);
    for (i = sizeof keep - 1; i < n + 1; i++)
        big[i] = (i + 1) % 64 == 0 ? '\n' : i % 64 == sizeof keep - 1 ? '#' : ' ';
    big[n] = '\n';
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, "big.policy", big, n + 1);
    tst_faultfs_put(&fs, "fits.policy", big, n);
    io = tst_faultfs_io(&fs);
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(p, keep, sizeof keep - 1, "keep"), TIER_OK);
    assert_int_equal(tier_policy_load_file(p, "big.policy", &io), TIER_ERANGE);
    assert_string_equal(tier_policy_last_error(p),
                        "big.policy:1:1: policy file larger than 1048576 bytes (1 MiB), expected "
                        "a smaller file");
    assert_int_equal(tier_policy_tier_count(p), 1);
    assert_int_equal(tier_policy_load_file(p, "fits.policy", &io), TIER_OK);
    assert_string_equal(tier_policy_tier_name(p, 0), "Keep");
    assert_int_equal(fs.open_fds, 0);
    tier_policy_free(p);
    tst_faultfs_clear(&fs);
    free(big);
}

TST_MAIN(cmocka_unit_test(test_builder_refuses_bad_names),
         cmocka_unit_test(test_accessors_take_null_outputs),
         cmocka_unit_test(test_a_file_beyond_one_mebibyte_is_refused))
