/* SPDX-License-Identifier: MIT */
/* Policy files (docs/policy-format.md): the valid files of tests/data/policy/valid load and read
 * back from their description unchanged (the invalid files are the table
 * tests/data/bad_input/policy, run by tests/test_bad_input.c); the accessors; loading files; deep
 * copies; and the parser under every allocation failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include "policy/lang/ast.h"
#include "util/buf.h"

#define DATA_DIR TIER_SOURCE_DIR "/tests/data/policy"

/* The sorted names of the *.policy files of DATA_DIR/sub (free with tst_free_names). */
static char **list_cases(const char *sub, size_t *n)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", DATA_DIR, sub);
    return tst_list_files(dir, ".policy", n);
}

static char *read_case(const char *sub, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", DATA_DIR, sub, name);
    return tst_read_file(path, len);
}

static tier_policy *policy_new(void)
{
    tier_policy *p = NULL;
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    return p;
}

/* The policy's description (caller frees with test_free). */
static char *describe(const tier_policy *p)
{
    return tst_policy_text(p);
}

static void load_ok(tier_policy *p, const char *text, size_t len, const char *origin)
{
    int rc = tier_policy_load_string(p, text, len, origin);
    if (rc != TIER_OK)
        fail_msg("%s: %s (%s)", origin, tier_policy_last_error(p), tier_status_name(rc));
}

/* parse(describe(p)) describes identically. */
static void expect_round_trip(const tier_policy *p, const char *what)
{
    char *first = describe(p), *second;
    tier_policy *q = policy_new();
    load_ok(q, first, strlen(first), what);
    second = describe(q);
    if (strcmp(first, second) != 0)
        fail_msg("%s: the description reads back differently:\n%s\n---\n%s", what, first, second);
    test_free(first);
    test_free(second);
    tier_policy_free(q);
}

/* ---- valid files ------------------------------------------------------------------------------
 */

static void test_policy_parse_valid_files_load_and_round_trip(void **state)
{
    size_t n, i;
    char **names = list_cases("valid", &n);
    (void)state;
    assert_true(n >= 6);
    for (i = 0; i < n; i++) {
        size_t len;
        char *text = read_case("valid", names[i], &len);
        tier_policy *p = policy_new();
        load_ok(p, text, len, names[i]);
        assert_int_equal(tier_policy_last_error(p)[0], '\0');
        expect_round_trip(p, names[i]);
        tier_policy_free(p);
        test_free(text);
    }
    tst_free_names(names, n);
}

/* The canonical form of the richest file, spelled out: 4-space blocks, percentages for shares,
 * parentheses only where precedence needs them (and around a test under `not`). */
static void test_policy_parse_describe_is_the_canonical_file_form(void **state)
{
    static const char text[] =
        "# a comment\n"
        "libtier-policy 1\n"
        "name \"n\\t\\\"q\\\"\"\n"
        "model m = rfm (a = 15%, b = [\"x\", \"y\"], c = \"z\", d = -1e-7)\n"
        "window w = margin over 3 days\n"
        "let k = (1 + 2) * 3 - (4 - 5) - 6 / (7 * 8)\n"
        "let b = not (m.x > 1 or m.y < 2) and (true or false) and not not true\n"
        "entitlement e bool\n"
        "tier S \"doc\" { # comment\n"
        "  rule \"r\" when w between -1 and 2 and m.s not in [\"a\"] and m.t is missing\n"
        "  cap 12.5% by -w asc overflow \"B b\"\n"
        "  entitle e = false\n"
        "}\n"
        "tier \"B b\" {\n"
        "}\n"
        "flag f \"why\" when tier != \"S\"\n"
        "hierarchy parent = attr.p\n"
        "routing {\n"
        "  team local \"t\" capacity 2.5e6 revenue\n"
        "}\n";
    static const char want[] =
        "libtier-policy 1\n"
        "name \"n\\t\\\"q\\\"\"\n"
        "\n"
        "model m = rfm (a = 0.15, b = [\"x\", \"y\"], c = \"z\", d = -1e-7)\n"
        "\n"
        "window w = margin over 3 days\n"
        "\n"
        "let k = (1 + 2) * 3 - (4 - 5) - 6 / (7 * 8)\n"
        "let b = not (m.x > 1 or m.y < 2) and (true or false) and not (not true)\n"
        "\n"
        "entitlement e bool\n"
        "\n"
        "tier S \"doc\" {\n"
        "    rule \"r\" when w between -1 and 2 and m.s not in [\"a\"] and m.t is missing\n"
        "    cap 12.5% by -w asc overflow \"B b\"\n"
        "    entitle e = false\n"
        "}\n"
        "\n"
        "tier \"B b\" {\n"
        "}\n"
        "\n"
        "flag f \"why\" when tier != \"S\"\n"
        "\n"
        "hierarchy parent = attr.p children = inherit\n"
        "\n"
        "routing {\n"
        "    team local \"t\" capacity 2500000 revenue\n"
        "}\n";
    tier_policy *p = policy_new();
    char *got;
    (void)state;
    load_ok(p, text, sizeof text - 1, "canonical");
    got = describe(p);
    assert_string_equal(got, want);
    test_free(got);
    expect_round_trip(p, "canonical");
    tier_policy_free(p);
}

/* Operators of one level are left-associative; the description keeps the grouping. */
static void test_policy_parse_precedence_survives_the_round_trip(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"1 - 2 - 3", "1 - 2 - 3"},
        {"1 - (2 - 3)", "1 - (2 - 3)"},
        {"1 + 2 * 3", "1 + 2 * 3"},
        {"(1 + 2) * 3", "(1 + 2) * 3"},
        {"-(1 + 2)", "-(1 + 2)"},
        {"- - 1", "-(-1)"},
        {"2 / 4 / 8", "2 / 4 / 8"},
        {"2 / (4 / 8)", "2 / (4 / 8)"},
        {"((((1))))", "1"},
        {"true or false and false", "true or false and false"},
        {"(true or false) and false", "(true or false) and false"},
        {"not 1 < 2", "not (1 < 2)"},
        {"1 + 1 == 2", "1 + 1 == 2"},
        {"(1 < 2) == (2 < 3)", NULL},
    };
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(cases); i++) {
        char text[256], want[256], *got;
        tier_policy *p = policy_new();
        int rc;
        snprintf(text, sizeof text, "libtier-policy 1\nlet x = %s\n", cases[i].in);
        rc = tier_policy_load_string(p, text, strlen(text), "prec");
        if (!cases[i].out) { /* a bool compared with == is refused */
            assert_int_equal(rc, TIER_EPARSE);
            tier_policy_free(p);
            continue;
        }
        assert_int_equal(rc, TIER_OK);
        snprintf(want, sizeof want, "libtier-policy 1\n\nlet x = %s\n", cases[i].out);
        got = describe(p);
        assert_string_equal(got, want);
        test_free(got);
        expect_round_trip(p, cases[i].in);
        tier_policy_free(p);
    }
}

/* Limits are range errors; the rest are parse errors. */
static void test_policy_parse_limits_are_range_errors(void **state)
{
    tier_policy *p = policy_new();
    (void)state;
    {
        tier__buf b;
        size_t i;
        tier__buf_init(&b, TST_ALLOC);
        /* More than 4096 lets. */
        tier__buf_puts(&b, "libtier-policy 1\n");
        for (i = 0; i <= 4096; i++)
            tier__buf_printf(&b, "let l%zu = %zu\n", i, i);
        assert_int_equal(tier__buf_status(&b), TIER_OK);
        assert_int_equal(tier_policy_load_string(p, tier__buf_data(&b), tier__buf_len(&b), "many"),
                         TIER_ERANGE);
        assert_non_null(strstr(tier_policy_last_error(p), "many:4098:1: more than 4096 lets"));
        /* Exactly 4096 is fine. */
        tier__buf_reset(&b);
        tier__buf_puts(&b, "libtier-policy 1\n");
        for (i = 0; i < 4096; i++)
            tier__buf_printf(&b, "let l%zu = %zu\n", i, i);
        assert_int_equal(tier_policy_load_string(p, tier__buf_data(&b), tier__buf_len(&b), "4096"),
                         TIER_OK);
        /* More than 1 MiB of text, whatever it holds. */
        tier__buf_reset(&b);
        tier__buf_puts(&b, "libtier-policy 1\n");
        while (tier__buf_len(&b) <= TIER__POL_MAX_BYTES)
            tier__buf_puts(&b, "# padding padding padding padding padding padding padding\n");
        assert_int_equal(tier_policy_load_string(p, tier__buf_data(&b), tier__buf_len(&b), "big"),
                         TIER_ERANGE);
        assert_non_null(strstr(tier_policy_last_error(p), "big:1:1: policy text of"));
        assert_int_equal(tier_policy_tier_count(p), 0);
        tier__buf_free(&b);
    }
    tier_policy_free(p);
}

/* ---- the API ----------------------------------------------------------------------------------
 */

static void test_policy_parse_accessors_read_the_loaded_policy(void **state)
{
    size_t len, count = 99;
    char *text = read_case("valid", "003-every-statement.policy", &len);
    tier_policy *p = policy_new();
    tier_value *v = NULL;
    const char *name = NULL, *kind = NULL;
    int type = 0;
    (void)state;
    assert_string_equal(tier_policy_name(p), "");
    assert_int_equal(tier_policy_model_count(p), 0);
    load_ok(p, text, len, "every");
    assert_int_equal(tier_value_new(&v, TST_ALLOC), TIER_OK);
    assert_string_equal(tier_policy_name(p), "everything");
    assert_int_equal(tier_policy_model_count(p), 3);
    assert_int_equal(tier_policy_model(p, 0, &name, &kind, &count), TIER_OK);
    assert_string_equal(name, "rfm");
    assert_string_equal(kind, "rfm");
    assert_int_equal(count, 6);
    assert_int_equal(tier_policy_model(p, 1, NULL, &kind, NULL), TIER_OK);
    assert_string_equal(kind, "pareto");
    assert_int_equal(tier_policy_model(p, 3, &name, &kind, &count), TIER_ERANGE);
    assert_int_equal(tier_policy_model_option(p, 0, 0, &name, v), TIER_OK);
    assert_string_equal(name, "bins");
    assert_int_equal(tier_value_get_type(v), TIER_OPTION_NUMBER);
    assert_true(tier_value_number(v) == 5);
    assert_int_equal(tier_policy_model_option(p, 0, 2, &name, v), TIER_OK);
    assert_string_equal(name, "share");
    assert_true(tier_value_number(v) == 0.8);
    assert_int_equal(tier_policy_model_option(p, 0, 3, NULL, v), TIER_OK);
    assert_string_equal(tier_value_text(v), "rfm scores");
    assert_int_equal(tier_policy_model_option(p, 0, 4, NULL, v), TIER_OK);
    assert_int_equal(tier_value_list_count(v), 2);
    assert_string_equal(tier_value_list_item(v, 1), "loyal");
    assert_int_equal(tier_policy_model_option(p, 0, 5, NULL, v), TIER_OK);
    assert_true(tier_value_number(v) == -2);
    assert_int_equal(tier_policy_model_option(p, 2, 0, NULL, v), TIER_OK);
    assert_int_equal(tier_value_list_count(v), 0);
    assert_int_equal(tier_policy_model_option(p, 0, 6, NULL, v), TIER_ERANGE);
    assert_int_equal(tier_policy_model_option(p, 7, 0, NULL, v), TIER_ERANGE);

    assert_int_equal(tier_policy_entitlement_count(p), 3);
    assert_string_equal(tier_policy_entitlement_name(p, 0, &type), "sla_hours");
    assert_int_equal(type, TIER_ENTITLEMENT_NUMBER);
    assert_string_equal(tier_policy_entitlement_name(p, 1, &type), "coverage");
    assert_int_equal(type, TIER_ENTITLEMENT_TEXT);
    assert_string_equal(tier_policy_entitlement_name(p, 2, NULL), "on_site");
    assert_null(tier_policy_entitlement_name(p, 3, &type));
    assert_int_equal(tier_policy_entitlement(p, 0, "sla_hours", v), TIER_OK);
    assert_true(tier_value_number(v) == 4);
    assert_int_equal(tier_policy_entitlement(p, 0, "coverage", v), TIER_OK);
    assert_string_equal(tier_value_text(v), "dedicated account manager");
    assert_int_equal(tier_policy_entitlement(p, 0, "on_site", v), TIER_OK);
    assert_true(tier_value_number(v) == 1);
    assert_int_equal(tier_policy_entitlement(p, 1, "on_site", v), TIER_OK);
    assert_true(tier_value_number(v) == 0);
    assert_int_equal(tier_policy_entitlement(p, 1, "sla_hours", v), TIER_OK);
    assert_true(tier_value_number(v) == 8.5);
    assert_int_equal(tier_policy_entitlement(p, 1, "coverage", v), TIER_ENOTFOUND);
    assert_int_equal(tier_policy_entitlement(p, 0, "nothing", v), TIER_ENOTFOUND);
    assert_int_equal(tier_policy_entitlement(p, 4, "sla_hours", v), TIER_ERANGE);

    /* Tiers and rules through the 0.1 calls: rules are numbered tier by tier. */
    assert_int_equal(tier_policy_tier_count(p), 4);
    assert_string_equal(tier_policy_tier_name(p, 2), "B plus");
    assert_int_equal(tier_policy_rule_count(p), 6);
    assert_string_equal(tier_policy_rule_name(p, 1), "top band");
    assert_string_equal(tier_policy_rule_name(p, 5), "also the rest");
    assert_null(tier_policy_rule_name(p, 6));

    assert_int_equal(tier_policy_load_string(NULL, text, len, NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_load_string(p, NULL, 0, NULL), TIER_EINVAL);
    assert_string_equal(tier_policy_name(NULL), "");
    assert_int_equal(tier_policy_model_count(NULL), 0);
    assert_int_equal(tier_policy_entitlement_count(NULL), 0);
    tier_value_free(v);
    tier_policy_free(p);
    test_free(text);
}

/* A failed load keeps the previous policy whole; a successful one replaces it whole. */
static void test_policy_parse_load_is_all_or_nothing(void **state)
{
    static const char good[] = "libtier-policy 1\nname \"one\"\ntier T {\n    rule \"r\"\n}\n";
    static const char bad[] =
        "libtier-policy 1\nname \"two\"\ntier U {\n    rule \"r\" when 1\n}\n";
    static const char other[] = "libtier-policy 1\nname \"three\"\n";
    tier_policy *p = policy_new();
    char *before, *after;
    size_t t;
    (void)state;
    load_ok(p, good, sizeof good - 1, NULL);
    before = describe(p);
    assert_int_equal(tier_policy_load_string(p, bad, sizeof bad - 1, NULL), TIER_EPARSE);
    assert_non_null(
        strstr(tier_policy_last_error(p), "<string>:4:19: the rule's condition is a number"));
    after = describe(p);
    assert_string_equal(after, before);
    assert_string_equal(tier_policy_name(p), "one");
    test_free(after);
    /* The builder calls append to a loaded policy. */
    assert_int_equal(tier_policy_add_tier(p, "T", &t), TIER_EINVAL);
    assert_int_equal(tier_policy_add_tier(p, "V", &t), TIER_OK);
    assert_int_equal(t, 1);
    assert_int_equal(tier_policy_add_rule(p, 0, "second", NULL), TIER_OK);
    assert_string_equal(tier_policy_rule_name(p, 1), "second");
    load_ok(p, other, sizeof other - 1, "other");
    assert_string_equal(tier_policy_name(p), "three");
    assert_int_equal(tier_policy_tier_count(p), 0);
    test_free(before);
    tier_policy_free(p);
}

static void test_policy_parse_load_file_reads_through_the_io_layer(void **state)
{
    char path[4096];
    tier_policy *p = policy_new();
    (void)state;
    snprintf(path, sizeof path, "%s/valid/001-b2b-sabc.policy", DATA_DIR);
    assert_int_equal(tier_policy_load_file(p, path, NULL), TIER_OK);
    assert_string_equal(tier_policy_name(p), "b2b-sabc");
    assert_int_equal(tier_policy_tier_count(p), 4);
    assert_int_equal(tier_policy_load_file(p, "/no/such/dir/x.policy", NULL), TIER_EIO);
    assert_non_null(
        strstr(tier_policy_last_error(p), "cannot open /no/such/dir/x.policy: no such file"));
    assert_string_equal(tier_policy_name(p), "b2b-sabc");
    snprintf(path, sizeof path, "%s/tests/data/bad_input/policy/004-header-version-2.policy",
             TIER_SOURCE_DIR);
    assert_int_equal(tier_policy_load_file(p, path, NULL), TIER_EPARSE);
    assert_non_null(strstr(tier_policy_last_error(p), "004-header-version-2.policy:2:16: "));
    assert_string_equal(tier_policy_name(p), "b2b-sabc");
    assert_int_equal(tier_policy_load_file(p, NULL, NULL), TIER_EINVAL);
    assert_int_equal(tier_policy_load_file(NULL, path, NULL), TIER_EINVAL);
    tier_policy_free(p);
}

/* tier__pol_copy makes an independent tree that describes the same. */
static void test_policy_parse_copy_is_deep(void **state)
{
    size_t len;
    char *text = read_case("valid", "003-every-statement.policy", &len);
    char err[TIER__ERR_SIZE];
    tier__pol a, b;
    tier__buf x, y;
    (void)state;
    assert_int_equal(tier__pol_parse(TST_ALLOC, text, len, "every", &a, err), TIER_OK);
    assert_int_equal(tier__pol_copy(TST_ALLOC, &b, &a), TIER_OK);
    tier__buf_init(&x, TST_ALLOC);
    tier__buf_init(&y, TST_ALLOC);
    assert_int_equal(tier__pol_describe(&a, &x), TIER_OK);
    tier__pol_clear(TST_ALLOC, &a); /* the copy shares nothing with the original */
    assert_int_equal(tier__pol_describe(&b, &y), TIER_OK);
    assert_string_equal(tier__buf_data(&x), tier__buf_data(&y));
    assert_int_equal(b.tiers[0].line, 32);
    tier__pol_clear(TST_ALLOC, &b);
    assert_int_equal(b.n_tiers, 0);
    tier__buf_free(&x);
    tier__buf_free(&y);
    test_free(text);
}

/* ---- out of memory ----------------------------------------------------------------------------
 */

static int parse_and_describe(const tier_allocator *alloc, void *ud)
{
    const char *text = ud;
    tier_policy *p = NULL;
    tier_text *t = NULL;
    char err[TIER__ERR_SIZE];
    tier__pol tree, copy;
    int rc = tier_policy_new(&p, alloc);
    if (rc)
        return rc;
    rc = tier_policy_load_string(p, "libtier-policy 1\nname \"keep\"\n", 28, "first");
    if (!rc) {
        rc = tier_policy_load_string(p, text, strlen(text), "every");
        if (rc) {
            /* A failed load leaves the policy as it was. */
            assert_int_equal(rc, TIER_ENOMEM);
            assert_non_null(strstr(tier_policy_last_error(p), "out of memory"));
            assert_string_equal(tier_policy_name(p), "keep");
        }
    }
    if (!rc)
        rc = tier_text_new(&t, alloc);
    if (!rc) {
        rc = tier_policy_describe(p, t);
        if (rc)
            assert_int_equal(tier_text_length(t), 0);
    }
    /* The tree and its deep copy on their own. */
    if (!rc && (rc = tier__pol_parse(alloc, text, strlen(text), "every", &tree, err)) == TIER_OK) {
        rc = tier__pol_copy(alloc, &copy, &tree);
        if (!rc)
            tier__pol_clear(alloc, &copy);
        tier__pol_clear(alloc, &tree);
    }
    tier_text_free(t);
    tier_policy_free(p);
    return rc;
}

static void test_policy_parse_survives_every_allocation_failure(void **state)
{
    size_t len;
    char *text = read_case("valid", "003-every-statement.policy", &len);
    (void)state;
    assert_true(tst_oom_walk(parse_and_describe, text) > 100);
    test_free(text);
}

TST_MAIN(cmocka_unit_test(test_policy_parse_valid_files_load_and_round_trip),
         cmocka_unit_test(test_policy_parse_describe_is_the_canonical_file_form),
         cmocka_unit_test(test_policy_parse_precedence_survives_the_round_trip),
         cmocka_unit_test(test_policy_parse_limits_are_range_errors),
         cmocka_unit_test(test_policy_parse_accessors_read_the_loaded_policy),
         cmocka_unit_test(test_policy_parse_load_is_all_or_nothing),
         cmocka_unit_test(test_policy_parse_load_file_reads_through_the_io_layer),
         cmocka_unit_test(test_policy_parse_copy_is_deep),
         cmocka_unit_test(test_policy_parse_survives_every_allocation_failure))
