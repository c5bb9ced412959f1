/* SPDX-License-Identifier: MIT */
/* Policies from files applied by tier_result_run (src/policy/apply.c): first match, caps (ties,
 * missing criteria, cascades, overflow reasons), flags, entitlements in the result and its
 * output, windows with an as-of day, hierarchies and routing, explanations in text and JSON, the
 * all-or-nothing promise and every failed allocation. Expected values are worked out by hand. */
#include <string.h>

#include "support.h"

/* ---- fixture: customers with one purchase each and a fixed model "m" ------------------------ */

typedef struct fx {
    tier_book *book;
    tst_fixed state;
    tst_column cols[2];
    tier_model *model;
    tier_policy *policy;
    tier_result *result;
} fx;

/* Customers `ids` (in book order) buying `amount` each on day 10, with m.v = v and m.w = w. */
static void fx_init(fx *f, const char *const *ids, size_t n, const double *amount, const double *v,
                    const double *w)
{
    tst_txn rows[16];
    size_t i;
    memset(f, 0, sizeof *f);
    assert_true(n <= TST_COUNT(rows));
    for (i = 0; i < n; i++) {
        rows[i].id = ids[i];
        rows[i].day = 10;
        rows[i].amount = amount ? amount[i] : 1;
    }
    f->book = tst_book_of(TST_ALLOC, rows, n);
    f->cols[0] = tst_number_column("v", v);
    f->cols[1] = tst_number_column("w", w ? w : v);
    tst_fixed_init(&f->state, f->cols, 2);
    f->model = tst_fixed_model_ok("m", &f->state, 0);
    assert_int_equal(tier_policy_new(&f->policy, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_new(&f->result, TST_ALLOC), TIER_OK);
}

static int fx_load(fx *f, const char *text)
{
    return tier_policy_load_string(f->policy, text, strlen(text), "t.policy");
}

static void fx_run(fx *f, const char *text)
{
    if (fx_load(f, text) != TIER_OK)
        fail_msg("load: %s", tier_policy_last_error(f->policy));
    if (tier_result_run(f->result, f->book, &f->model, 1, f->policy) != TIER_OK)
        fail_msg("run: %s", tier_result_last_error(f->result));
}

static void fx_free(fx *f)
{
    tier_result_free(f->result);
    tier_policy_free(f->policy);
    tier_model_free(f->model);
    tier_book_free(f->book);
}

/* Each customer's "tier|reason", joined by newlines, in book order. */
static void expect_placed(const fx *f, const char *want)
{
    char got[2048] = "";
    size_t i, n = tier_result_customer_count(f->result);
    for (i = 0; i < n; i++) {
        int t = tier_result_tier(f->result, i);
        strcat(got, t < 0 ? "-" : tier_result_tier_name(f->result, (size_t)t));
        strcat(got, "|");
        strcat(got, tier_result_reason(f->result, i));
        strcat(got, "\n");
    }
    assert_string_equal(got, want);
}

static char *written(const fx *f, const char *columns, int format)
{
    tst_sink sink;
    memset(&sink, 0, sizeof sink);
    if (tier_result_write(f->result, f->book, columns, format, tst_sink_write, &sink) != TIER_OK)
        fail_msg("write: %s", tier_result_last_error(f->result));
    return sink.data;
}

static const char *const ten[] = {"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"};

/* ---- placement and caps --------------------------------------------------------------------- */

static void test_apply_first_match_wins_in_tier_then_rule_order(void **state)
{
    static const double v[] = {90, 50, 10, NAN};
    fx f;
    (void)state;
    fx_init(&f, ten, 4, NULL, v, NULL);
    /* c0 holds both rules of S: the first names it. NaN holds no comparison, but `not`. */
    fx_run(&f, "libtier-policy 1\nmodel m = fixed\n"
               "tier S {\n  rule \"very big\" when m.v >= 80\n  rule \"big\" when m.v >= 40\n}\n"
               "tier A {\n  rule \"any\" when m.v >= 0\n}\n"
               "tier B {\n  rule \"no value\" when not (m.v >= 0)\n}\n");
    expect_placed(&f, "S|very big\nS|big\nA|any\nB|no value\n");
    fx_free(&f);
}

/* S keeps floor(20% of 10) = 2 by v descending: c0 (90), then of the 80s c1 before c2 by id;
 * c2, c3, c4 overflow into A. A's candidates: c2, c3, c4 and its own c5, c6, c7; it keeps 2 by v
 * ascending (c7 20, c6 25) and the rest cascade into B, whatever B's rules say. */
static void test_apply_caps_keep_by_criterion_ties_by_id_and_cascade(void **state)
{
    static const double v[] = {90, 80, 80, 70, 60, 30, 25, 20, 10, NAN};
    fx f;
    (void)state;
    fx_init(&f, ten, 10, NULL, v, NULL);
    fx_run(&f, "libtier-policy 1\nmodel m = fixed\n"
               "tier S {\n  rule \"big\" when m.v >= 50\n  cap 20% by m.v overflow A\n}\n"
               "tier A {\n  rule \"mid\" when m.v >= 20\n  cap 2 by m.v asc overflow B\n}\n"
               "tier B {\n  rule \"rest\" when true\n}\n");
    expect_placed(&f, "S|big\nS|big\n"
                      "B|over the cap of A (2 by m.v asc)\n"
                      "B|over the cap of A (2 by m.v asc)\n"
                      "B|over the cap of A (2 by m.v asc)\n"
                      "B|over the cap of A (2 by m.v asc)\n"
                      "A|mid\nA|mid\nB|rest\nB|rest\n");
    {
        size_t count = 0;
        assert_int_equal(tier_result_summary(f.result, 0, &count, NULL), TIER_OK);
        assert_int_equal(count, 2);
        assert_int_equal(tier_result_summary(f.result, 1, &count, NULL), TIER_OK);
        assert_int_equal(count, 2);
        assert_int_equal(tier_result_summary(f.result, 2, &count, NULL), TIER_OK);
        assert_int_equal(count, 6);
    }
    fx_free(&f);
}

/* Book order e, d, c, b, a; w = NaN, 5, NaN, 5, 5. Keeping 2 by w: the three 5s by id (a, b, d)
 * keep a and b; d and both missing ones (c, e: missing comes last) overflow. */
static void test_apply_cap_ties_by_id_missing_last_and_overflow_reason(void **state)
{
    static const char *const ids[] = {"e", "d", "c", "b", "a"};
    static const double v[] = {1, 1, 1, 1, 1}, w[] = {NAN, 5, NAN, 5, 5};
    fx f;
    (void)state;
    fx_init(&f, ids, 5, NULL, v, w);
    fx_run(&f, "libtier-policy 1\nmodel m = fixed\n"
               "tier T {\n  rule \"all\" when true\n  cap 2 by m.w overflow U\n}\n"
               "tier U {\n  rule \"never\" when false\n}\n");
    expect_placed(&f, "U|over the cap of T (2 by m.w)\nU|over the cap of T (2 by m.w)\n"
                      "U|over the cap of T (2 by m.w)\nT|all\nT|all\n");
    /* ascending: still missing last; 5s by id: a first */
    fx_run(&f, "libtier-policy 1\nmodel m = fixed\n"
               "tier T {\n  rule \"all\" when true\n  cap 40% by m.w asc overflow U\n}\n"
               "tier U {\n  rule \"never\" when false\n}\n");
    expect_placed(&f, "U|over the cap of T (40% by m.w asc)\nU|over the cap of T (40% by m.w asc)\n"
                      "U|over the cap of T (40% by m.w asc)\nT|all\nT|all\n");
    fx_free(&f);
}

/* ---- flags, entitlements, output ------------------------------------------------------------ */

static const char *const ent_policy =
    "libtier-policy 1\nmodel m = fixed\n"
    "entitlement sla number \"hours\"\nentitlement cover text\nentitlement vip bool\n"
    "tier S {\n  rule \"big\" when m.v >= 80\n  entitle sla = 4\n"
    "  entitle cover = \"dedicated, named\"\n  entitle vip = true\n}\n"
    "tier A {\n  rule \"mid\" when m.v >= 20\n  entitle sla = 8\n  entitle vip = false\n}\n"
    "tier B {\n  rule \"rest\" when m.v >= 0\n}\n"
    "flag high \"v of 50 or more\" when m.v >= 50\n"
    "flag top when tier == \"S\"\n"
    "flag odd when m.w > 0\n";

/* v = 90, 60, 30, 5, NaN; w = 1, 0, 1, 0, 0 */
static void ent_fixture(fx *f)
{
    static const double v[] = {90, 60, 30, 5, NAN}, w[] = {1, 0, 1, 0, 0};
    fx_init(f, ten, 5, NULL, v, w);
    fx_run(f, ent_policy);
}

static void test_apply_flags_read_the_tier_and_join_in_file_order(void **state)
{
    fx f;
    (void)state;
    ent_fixture(&f);
    expect_placed(&f, "S|big\nA|mid\nA|mid\nB|rest\n-|\n");
    assert_string_equal(tier_result_flags(f.result, 0), "high;top;odd");
    assert_string_equal(tier_result_flags(f.result, 1), "high");
    assert_string_equal(tier_result_flags(f.result, 2), "odd");
    assert_string_equal(tier_result_flags(f.result, 3), "");
    assert_string_equal(tier_result_flags(f.result, 4), "");
    assert_string_equal(tier_result_flags(f.result, 99), "");
    assert_string_equal(tier_result_route(f.result, 0), ""); /* the policy does not route */
    fx_free(&f);
}

static void test_apply_entitlements_come_with_the_tier(void **state)
{
    fx f;
    tier_value *val = NULL;
    (void)state;
    ent_fixture(&f);
    assert_int_equal(tier_value_new(&val, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_entitlement(f.result, 0, "sla", val), TIER_OK);
    assert_true(tier_value_number(val) == 4);
    assert_int_equal(tier_result_entitlement(f.result, 0, "cover", val), TIER_OK);
    assert_string_equal(tier_value_text(val), "dedicated, named");
    assert_int_equal(tier_result_entitlement(f.result, 0, "vip", val), TIER_OK);
    assert_true(tier_value_number(val) == 1);
    assert_int_equal(tier_result_entitlement(f.result, 1, "sla", val), TIER_OK);
    assert_true(tier_value_number(val) == 8);
    assert_int_equal(tier_result_entitlement(f.result, 1, "vip", val), TIER_OK);
    assert_true(tier_value_number(val) == 0);
    /* A does not set cover; B sets nothing; customer 4 has no tier */
    assert_int_equal(tier_result_entitlement(f.result, 1, "cover", val), TIER_ENOTFOUND);
    assert_non_null(strstr(tier_result_last_error(f.result), "does not set it"));
    assert_int_equal(tier_result_entitlement(f.result, 3, "sla", val), TIER_ENOTFOUND);
    assert_int_equal(tier_result_entitlement(f.result, 4, "sla", val), TIER_ENOTFOUND);
    assert_int_equal(tier_result_entitlement(f.result, 0, "nosuch", val), TIER_ENOTFOUND);
    assert_int_equal(tier_result_entitlement(f.result, 5, "sla", val), TIER_ERANGE);
    /* kept in the result: the policy may go */
    tier_policy_free(f.policy);
    f.policy = NULL;
    assert_int_equal(tier_result_entitlement(f.result, 0, "sla", val), TIER_OK);
    assert_true(tier_value_number(val) == 4);
    tier_value_free(val);
    fx_free(&f);
}

static void test_apply_output_has_flags_and_entitlement_columns(void **state)
{
    fx f;
    char *csv, *json;
    (void)state;
    ent_fixture(&f);
    csv =
        written(&f, "customer_id,tier,sla=ent.sla,ent.cover,ent.vip,flags,route", TIER_OUTPUT_CSV);
    assert_string_equal(csv, "customer_id,tier,sla,ent.cover,ent.vip,flags,route\n"
                             "c0,S,4,\"dedicated, named\",true,high;top;odd,\n"
                             "c1,A,8,,false,high,\n"
                             "c2,A,8,,false,odd,\n"
                             "c3,B,,,,,\n"
                             "c4,,,,,,\n");
    json = written(&f, "customer_id,ent.sla,ent.cover,ent.vip,flags", TIER_OUTPUT_JSON);
    assert_string_equal(
        json, "[\n"
              "{\"customer_id\":\"c0\",\"ent.sla\":4,\"ent.cover\":\"dedicated, named\","
              "\"ent.vip\":true,\"flags\":\"high;top;odd\"},\n"
              "{\"customer_id\":\"c1\",\"ent.sla\":8,\"ent.cover\":null,\"ent.vip\":false,"
              "\"flags\":\"high\"},\n"
              "{\"customer_id\":\"c2\",\"ent.sla\":8,\"ent.cover\":null,\"ent.vip\":false,"
              "\"flags\":\"odd\"},\n"
              "{\"customer_id\":\"c3\",\"ent.sla\":null,\"ent.cover\":null,\"ent.vip\":null,"
              "\"flags\":null},\n"
              "{\"customer_id\":\"c4\",\"ent.sla\":null,\"ent.cover\":null,\"ent.vip\":null,"
              "\"flags\":null}\n"
              "]\n");
    test_free(csv);
    test_free(json);
    {
        tst_sink sink;
        memset(&sink, 0, sizeof sink);
        assert_int_equal(tier_result_write(f.result, f.book, "ent.nosuch", TIER_OUTPUT_CSV,
                                           tst_sink_write, &sink),
                         TIER_ENOTFOUND);
        assert_non_null(strstr(tier_result_last_error(f.result), "ent.nosuch"));
        tst_sink_reset(&sink);
    }
    fx_free(&f);
}

/* ---- windows, as-of day, hierarchies, routing ----------------------------------------------- */

static void test_apply_windows_follow_the_as_of_day(void **state)
{
    /* a buys 100 on day 10 and 5 on day 20; b buys 50 on day 20. As of day 15 (the default is
     * day 21), revenue over 30 days is 100 and 0; abc: a is A, b is C. */
    static const tst_txn rows[] = {{"a", 10, 100}, {"a", 20, 5}, {"b", 20, 50}};
    static const char *policy_text =
        "libtier-policy 1\nmodel m = fixed\nwindow rev = revenue over 30 days\n"
        "tier S {\n  rule \"top\" when rev > 0 and abc(rev) == \"A\"\n}\n"
        "tier C {\n  rule \"rest\" when true\n}\n";
    static const double v[] = {0, 0};
    fx f;
    (void)state;
    memset(&f, 0, sizeof f);
    f.book = tst_book_of(TST_ALLOC, rows, 3);
    f.cols[0] = tst_number_column("v", v);
    f.cols[1] = tst_number_column("w", v);
    tst_fixed_init(&f.state, f.cols, 2);
    f.model = tst_fixed_model_ok("m", &f.state, 0);
    assert_int_equal(tier_policy_new(&f.policy, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_new(&f.result, TST_ALLOC), TIER_OK);
    /* by default (day 21): 105 and 50 of 155: a reaches .8? 105/155 = .68 no, so both A */
    fx_run(&f, policy_text);
    expect_placed(&f, "S|top\nS|top\n");
    assert_int_equal(tier_result_set_as_of(f.result, 15), TIER_OK);
    fx_run(&f, policy_text);
    expect_placed(&f, "S|top\nC|rest\n");
    assert_int_equal(tier_result_set_as_of(f.result, 1.5), TIER_ERANGE);
    assert_int_equal(tier_result_set_as_of(f.result, 1e9), TIER_ERANGE);
    assert_int_equal(tier_result_set_as_of(NULL, 1), TIER_EINVAL);
    assert_int_equal(tier_result_set_as_of(f.result, NAN), TIER_OK);
    fx_run(&f, policy_text);
    expect_placed(&f, "S|top\nS|top\n");
    fx_free(&f);
}

/* p is the parent of k1 and k2; s stands alone. The group's revenue is 50 + 40 + 30 = 120. */
static void test_apply_hierarchy_members_inherit_and_key_accounts_are_routed(void **state)
{
    static const char *const ids[] = {"p", "k1", "k2", "s"};
    static const double amount[] = {50, 40, 30, 90}, v[] = {0, 0, 0, 0};
    fx f;
    (void)state;
    fx_init(&f, ids, 4, amount, v, NULL);
    assert_int_equal(tier_book_set_text(f.book, 1, "parent", "p"), TIER_OK);
    assert_int_equal(tier_book_set_text(f.book, 2, "parent", "p"), TIER_OK);
    assert_int_equal(tier_book_set_text(f.book, 0, "region", "North"), TIER_OK);
    assert_int_equal(tier_book_set_text(f.book, 1, "region", "North"), TIER_OK);
    assert_int_equal(tier_book_set_text(f.book, 2, "region", "North"), TIER_OK);
    assert_int_equal(tier_book_set_text(f.book, 3, "region", "South"), TIER_OK);
    fx_run(&f, "libtier-policy 1\nmodel m = fixed\nwindow rev = revenue over all\n"
               "hierarchy parent = attr.parent children = inherit\n"
               "tier S {\n  rule \"group revenue 100+\" when rev >= 100\n}\n"
               "tier B {\n  rule \"rest\" when true\n}\n"
               "routing {\n  accounts when tier == \"S\"\n  region = attr.region\n"
               "  team national \"head office\"\n  team regional \"KA {region}\"\n"
               "  team local \"sales {region}\"\n}\n");
    expect_placed(&f, "S|group revenue 100+\nS|member of p\nS|member of p\nB|rest\n");
    assert_string_equal(tier_result_route(f.result, 0), "sales North");
    assert_string_equal(tier_result_route(f.result, 1), "sales North");
    assert_string_equal(tier_result_route(f.result, 3), "");
    {
        char *csv = written(&f, "customer_id,tier,route,reason", TIER_OUTPUT_CSV);
        assert_string_equal(csv, "customer_id,tier,route,reason\n"
                                 "p,S,sales North,group revenue 100+\n"
                                 "k1,S,sales North,member of p\n"
                                 "k2,S,sales North,member of p\n"
                                 "s,B,,rest\n");
        test_free(csv);
    }
    fx_free(&f);
}

/* ---- explain -------------------------------------------------------------------------------- */

static void test_apply_explain_text_and_json(void **state)
{
    static const double v[] = {90, 80, 80, 70, 60, 30, 25, 20, 10, NAN};
    static const char *const text_parts[] = {
        "customer c2: tier A (over the cap of S (20% by m.v))\n",
        "outputs:\n  m.v = 80\n  m.w = 80\n",
        "(no explanation: its state could not be kept)",
        "lets:\n  big = true\n",
        "  tier S, rule \"big\": true  <- matched (first match wins)\n",
        "  tier A, rule \"mid\": true\n",
        "  cap of S: rank 3 of 5 candidates (criterion 80), 2 stay: moved to A\n",
        "  cap of A: rank 1 of 6 candidates (criterion 80), 4 stay: kept\n",
        "flags:\n  high = true\n",
        "entitlements:\n  sla = 8\n"};
    static const char *const json_parts[] = {
        "{\"customer\":\"c2\",\"tier\":\"A\",\"reason\":\"over the cap of S (20% by m.v)\"",
        "\"outputs\":{\"m.v\":80,\"m.w\":80}",
        "\"models\":{\"m\":null}",
        "\"lets\":{\"big\":true}",
        "{\"tier\":\"S\",\"rule\":\"big\",\"value\":true,\"matched\":true}",
        "{\"tier\":\"A\",\"rule\":\"mid\",\"value\":true,\"matched\":false}",
        "\"caps\":[{\"tier\":\"S\",\"rank\":3,\"candidates\":5,\"limit\":2,\"value\":80,"
        "\"kept\":false,\"overflow\":\"A\"},{\"tier\":\"A\",\"rank\":1,\"candidates\":6,"
        "\"limit\":4,\"value\":80,\"kept\":true,\"overflow\":\"B\"}]",
        "\"flags\":{\"high\":true}",
        "\"entitlements\":{\"sla\":8}",
        "\"route\":null}\n"};
    fx f;
    tier_text *t = NULL;
    (void)state;
    fx_init(&f, ten, 10, NULL, v, NULL);
    fx_run(&f, "libtier-policy 1\nmodel m = fixed\nlet big = m.v >= 50\n"
               "entitlement sla number\n"
               "tier S {\n  rule \"big\" when big\n  cap 20% by m.v overflow A\n}\n"
               "tier A {\n  rule \"mid\" when m.v >= 20\n  cap 4 by m.v overflow B\n"
               "  entitle sla = 8\n}\n"
               "tier B {\n  rule \"rest\" when true\n}\n"
               "flag high when m.v >= 50\n");
    /* c2 (80): S's candidates are c0..c4; it ranks 3rd of 5 (c1 before it by id), S keeps 2, so
     * it moves to A. A's candidates are c2, c3, c4 and its own c5, c6, c7: by v descending c2 is
     * 1st of 6 and A keeps 4. The fixed model cannot be saved, so it has no explanation. */
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_explain(f.result, f.book, f.policy, 2, TIER_EXPLAIN_TEXT, t),
                     TIER_OK);
    tst_expect_parts(tier_text_data(t), text_parts, TST_COUNT(text_parts));
    tier_text_clear(t);
    assert_int_equal(tier_result_explain(f.result, f.book, f.policy, 2, TIER_EXPLAIN_JSON, t),
                     TIER_OK);
    tst_expect_parts(tier_text_data(t), json_parts, TST_COUNT(json_parts));
    tier_text_clear(t);
    assert_int_equal(tier_result_explain(f.result, f.book, f.policy, 10, TIER_EXPLAIN_TEXT, t),
                     TIER_ERANGE);
    assert_int_equal(tier_result_explain(f.result, f.book, f.policy, 0, 7, t), TIER_EINVAL);
    assert_int_equal(tier_text_length(t), 0);
    tier_text_free(t);
    fx_free(&f);
}

static void test_apply_explain_needs_a_run(void **state)
{
    tier_result *r = NULL;
    tier_policy *p = NULL;
    tier_text *t = NULL;
    static const tst_txn rows[] = {{"a", 1, 1}};
    tier_book *book = tst_book_of(TST_ALLOC, rows, 1);
    (void)state;
    assert_int_equal(tier_result_new(&r, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_explain(r, book, p, 0, TIER_EXPLAIN_TEXT, t), TIER_ESTATE);
    {
        tier_value *val = NULL;
        assert_int_equal(tier_value_new(&val, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_result_entitlement(r, 0, "x", val), TIER_ESTATE);
        tier_value_free(val);
    }
    tier_text_free(t);
    tier_policy_free(p);
    tier_result_free(r);
    tier_book_free(book);
}

/* ---- failures ------------------------------------------------------------------------------- */

static void test_apply_failed_run_keeps_the_previous_result(void **state)
{
    fx f;
    (void)state;
    ent_fixture(&f);
    assert_int_equal(fx_load(&f, "libtier-policy 1\nmodel m = fixed\n"
                                 "tier S {\n  rule \"r\" when m.nosuch > 1\n}\n"),
                     TIER_OK);
    assert_int_equal(tier_result_run(f.result, f.book, &f.model, 1, f.policy), TIER_ENOTFOUND);
    assert_string_equal(tier_result_last_error(f.result),
                        "t.policy:4:17: unknown output 'm.nosuch' (model m has: v, w)");
    expect_placed(&f, "S|big\nA|mid\nA|mid\nB|rest\n-|\n");
    assert_string_equal(tier_result_flags(f.result, 0), "high;top;odd");
    {
        tier_value *val = NULL;
        assert_int_equal(tier_value_new(&val, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_result_entitlement(f.result, 0, "sla", val), TIER_OK);
        assert_true(tier_value_number(val) == 4);
        tier_value_free(val);
    }
    /* a rule that is not a test */
    assert_int_equal(fx_load(&f, "libtier-policy 1\nmodel m = fixed\n"
                                 "tier S {\n  rule \"r\" when m.v\n}\n"),
                     TIER_OK);
    assert_int_equal(tier_result_run(f.result, f.book, &f.model, 1, f.policy), TIER_EPARSE);
    assert_non_null(strstr(tier_result_last_error(f.result), "t.policy:4:"));
    assert_non_null(strstr(tier_result_last_error(f.result), "must be a bool"));
    expect_placed(&f, "S|big\nA|mid\nA|mid\nB|rest\n-|\n");
    fx_free(&f);
}

static int oom_apply(const tier_allocator *a, void *ud)
{
    static const double v[] = {90, 60, 30, 5, NAN}, w[] = {1, 0, 1, 0, 0};
    tier_book *book = ud;
    tst_fixed st;
    tst_column cols[2];
    tier_model *model;
    tier_policy *policy = NULL;
    tier_result *result = NULL;
    tier_text *t = NULL;
    tst_sink sink;
    int rc;
    cols[0] = tst_number_column("v", v);
    cols[1] = tst_number_column("w", w);
    tst_fixed_init(&st, cols, 2);
    model = tst_fixed_model_ok("m", &st, 0);
    assert_int_equal(tier_policy_new(&policy, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(policy, ent_policy, strlen(ent_policy), NULL),
                     TIER_OK);
    memset(&sink, 0, sizeof sink);
    rc = tier_result_new(&result, a);
    if (rc == TIER_OK)
        rc = tier_result_run(result, book, &model, 1, policy);
    if (rc == TIER_OK)
        assert_string_equal(tier_result_flags(result, 0), "high;top;odd");
    else if (result)
        assert_null(tier_result_frame(result));
    if (rc == TIER_OK)
        rc = tier_result_write(result, book, "customer_id,tier,ent.sla,ent.cover,flags",
                               TIER_OUTPUT_JSON, tst_sink_write, &sink);
    if (rc == TIER_OK)
        rc = tier_text_new(&t, a);
    if (rc == TIER_OK)
        rc = tier_result_explain(result, book, policy, 1, TIER_EXPLAIN_JSON, t);
    tier_text_free(t);
    tst_sink_reset(&sink);
    tier_result_free(result);
    tier_policy_free(policy);
    tier_model_free(model);
    return rc;
}

static tier_book *oom_book(const tier_allocator *a)
{
    static const tst_txn rows[] = {
        {"c0", 1, 1}, {"c1", 1, 1}, {"c2", 1, 1}, {"c3", 1, 1}, {"c4", 1, 1}};
    return tst_book_of(a, rows, 5);
}

TST_MAIN(cmocka_unit_test(test_apply_first_match_wins_in_tier_then_rule_order),
         cmocka_unit_test(test_apply_caps_keep_by_criterion_ties_by_id_and_cascade),
         cmocka_unit_test(test_apply_cap_ties_by_id_missing_last_and_overflow_reason),
         cmocka_unit_test(test_apply_flags_read_the_tier_and_join_in_file_order),
         cmocka_unit_test(test_apply_entitlements_come_with_the_tier),
         cmocka_unit_test(test_apply_output_has_flags_and_entitlement_columns),
         cmocka_unit_test(test_apply_windows_follow_the_as_of_day),
         cmocka_unit_test(test_apply_hierarchy_members_inherit_and_key_accounts_are_routed),
         cmocka_unit_test(test_apply_explain_text_and_json),
         cmocka_unit_test(test_apply_explain_needs_a_run),
         cmocka_unit_test(test_apply_failed_run_keeps_the_previous_result),
         TST_OOM_WALK(test_apply_survives_every_failed_allocation, oom_apply, oom_book, 30))
