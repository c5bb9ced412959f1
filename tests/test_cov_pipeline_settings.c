/* SPDX-License-Identifier: MIT */
/* tier_pipeline_check() refuses every combination of settings that a run could not honour, with
 * a message naming the settings in the caller's style (key_style `name` or `flag`); and
 * tier_pipeline_set()/tier_pipeline_get() spell every accepted value back the same way. One
 * table row per refusal, checked before any input is read: a refused check reads nothing. */
#include <stdio.h>
#include <string.h>

#include "support.h"

typedef struct check_case {
    const char *settings[16]; /* key, value, ..., NULL */
    const char *message;      /* tier_pipeline_last_error() after the refusal */
} check_case;

static const check_case cases[] = {
    {{"produce", "override_list", NULL}, "override list needs state"},
    {{"produce", "override_list", "key_style", "flag", NULL}, "override list needs --state FILE"},
    {{"produce", "override_add", "state", "s", "out", "o", NULL},
     "override add writes to the output callback, not to out"},
    {{"produce", "override_remove", "state", "s", NULL}, "override remove needs customer"},
    {{"produce", "override_add", "state", "s", "customer", "a", NULL},
     "override add needs override_tier"},
    {{"produce", "override_add", "state", "s", "customer", "a", "override_tier", "S",
      "override_reason", "r", NULL},
     "override add needs override_author"},
    {{"produce", "override_add", "state", "s", "customer", "a", "override_tier", "S",
      "override_reason", "r", "override_author", "x", NULL},
     "override add needs override_until"},
    {{"produce", "override_list", "state", "s", "ledger", "l", NULL},
     "ledger is written by tiers runs only"},
    {{"produce", "diff", "state", "s", NULL},
     "a diff of two snapshots needs state (the older) and against_state (the newer)"},
    {{"produce", "diff", "state", "s", "against_state", "t", "against", "b2b-sabc", NULL},
     "against_state compares two snapshots, against two policies on the same data: give one or "
     "the other"},
    {{"produce", "diff", "state", "s", "against_state", "t", "models", "rfm", NULL},
     "a diff of two snapshots runs no models: models is not used"},
    {{"produce", "diff", "state", "s", "against_state", "t", "accounts", "a.csv", NULL},
     "accounts needs input (the revenue of the snapshots)"},
    {{"produce", "diff", "state", "s", "against_state", "t", "ledger", "l", NULL},
     "ledger is written by tiers runs only"},
    {{"produce", "tiers", "against_state", "t", NULL}, "against_state is for diff runs"},
    {{"produce", "scores", "input", "i", "state", "s", NULL},
     "state is for tiers, explain and report runs"},
    {{"produce", "explain", "input", "i", "customer", "a", "state", "s", "ledger", "l", NULL},
     "ledger is written by tiers runs only"},
    {{"produce", "lint", NULL}, "policy is required"},
    {{"produce", "tiers", NULL}, "input is required"},
    {{"produce", "tiers", "key_style", "flag", NULL}, "--input FILE is required"},
    {{"produce", "report", "input", "i", "format", "json", NULL},
     "a report is one HTML page: it takes no format"},
    {{"produce", "report", "input", "i", "output_columns", "tier", NULL},
     "a report has no columns to choose (output_columns)"},
    {{"produce", "tiers", "input", "i", "format", "text", NULL},
     "format text is for explain and diff (csv or json)"},
    {{"produce", "diff", "input", "i", NULL}, "diff needs against: the policy to compare with"},
    {{"produce", "explain", "input", "i", NULL}, "explain needs customer"},
    {{"produce", "explain", "input", "i", "customer", "a", "out", "o", NULL},
     "an explanation is written to the output callback, not to out"},
    {{"input", "i", "header", "no", NULL}, "header needs columns to name the columns"},
    {{"produce", "fit", "input", "i", "out", "o", NULL},
     "a fit report is written to the output callback, not to out"},
    {{"produce", "fit", "input", "i", "models", "rfm", NULL},
     "model \"rfm\": rfm models have no fit report"},
    {{"produce", "fit", "input", "i", NULL},
     "a fit report needs a list of models that have one (clv, sbg, subscription)"},
};

static void run_case(void **state)
{
    const check_case *c = *state;
    tier_pipeline *p = NULL;
    size_t i;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    for (i = 0; c->settings[i]; i += 2)
        if (tier_pipeline_set(p, c->settings[i], c->settings[i + 1]) != TIER_OK)
            fail_msg("set %s=%s: %s", c->settings[i], c->settings[i + 1],
                     tier_pipeline_last_error(p));
    assert_int_equal(tier_pipeline_check(p), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p), c->message);
    /* a run checks first: the same refusal, nothing read */
    assert_int_equal(tier_pipeline_run(p), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p), c->message);
    tier_pipeline_free(p);
}

static void test_accepted_values_are_spelt_back(void **state)
{
    static const char *const pairs[][3] = {
        /* key, value set, value read back */
        {"delimiter", "ws", "ws"},
        {"delimiter", "auto", "auto"},
        {"delimiter", NULL, "auto"},
        {"header", "true", "yes"},
        {"header", "1", "yes"},
        {"header", "false", "no"},
        {"header", "0", "no"},
        {"override_until", "2025-06-01", "2025-06-01"},
        {"split_min_bytes", "4096", "4096"},
        {"split_min_bytes", NULL, "33554432"},
        {"date_format", "yyyymmdd", "yyyymmdd"},
        {"produce", "override_remove", "override_remove"},
    };
    tier_pipeline *p = NULL;
    size_t i;
    (void)state;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    for (i = 0; i < TST_COUNT(pairs); i++) {
        if (tier_pipeline_set(p, pairs[i][0], pairs[i][1]) != TIER_OK)
            fail_msg("set %s: %s", pairs[i][0], tier_pipeline_last_error(p));
        assert_string_equal(tst_pipeline_get(p, pairs[i][0]), pairs[i][2]);
    }
    /* refused values leave the setting as it was */
    assert_int_equal(tier_pipeline_set(p, "header", "maybe"), TIER_EINVAL);
    assert_string_equal(tst_pipeline_get(p, "header"), "no");
    assert_int_equal(tier_pipeline_set(p, "split_min_bytes", "12k"), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set(p, "split_min_bytes", ""), TIER_EINVAL);
    assert_int_equal(tier_pipeline_set(p, "split_min_bytes", "99999999999999999999999"),
                     TIER_EINVAL);
    assert_string_equal(tst_pipeline_get(p, "split_min_bytes"), "33554432");
    assert_int_equal(tier_pipeline_set(p, "no_such_key", "1"), TIER_ENOTFOUND);
    {
        tier_text *t = NULL;
        assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_pipeline_get(p, "no_such_key", t), TIER_ENOTFOUND);
        tier_text_free(t);
    }
    /* an executor without a version, of a newer one or without its hooks is refused; NULL
     * removes it */
    {
        tier_executor ex;
        memset(&ex, 0, sizeof ex);
        assert_int_equal(tier_pipeline_set_executor(p, &ex), TIER_EVERSION);
        assert_string_equal(tier_pipeline_last_error(p), "executor version 0: set it to 2");
        ex.version = TIER_EXECUTOR_VERSION + 1;
        assert_int_equal(tier_pipeline_set_executor(p, &ex), TIER_EVERSION);
        ex.version = TIER_EXECUTOR_VERSION;
        assert_int_equal(tier_pipeline_set_executor(p, &ex), TIER_EINVAL);
        assert_string_equal(tier_pipeline_last_error(p), "the executor needs both hooks");
        assert_int_equal(tier_pipeline_set_executor(p, NULL), TIER_OK);
    }
    tier_pipeline_free(p);
}

/* A scores run without a model list takes the default list of its files: contracts add the
 * subscription model, accounts the lifecycle, scorecard and needs models (the B2B example). An
 * output name two models share is written under the full names. */
static void test_default_models_follow_the_files(void **state)
{
    static const struct {
        int accounts, contracts;
        const char *has, *lacks;
    } runs[] = {
        {0, 1, ",mrr,", ",stage,"},
        {1, 1, ",stage,", NULL},
        {1, 0, ",stage,", ",mrr,"},
    };
    char input[4096], accounts[4096], contracts[4096];
    size_t i;
    (void)state;
    snprintf(input, sizeof input, "%s", tst_data_path("b2b_invoices.csv"));
    snprintf(accounts, sizeof accounts, "%s", tst_data_path("b2b_accounts.csv"));
    snprintf(contracts, sizeof contracts, "%s", tst_data_path("b2b_contracts.csv"));
    for (i = 0; i < TST_COUNT(runs); i++) {
        tst_sink sink = {0};
        tier_pipeline *p = NULL;
        char *nl;
        assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
        assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, &sink), TIER_OK);
        assert_int_equal(tier_pipeline_set(p, "input", input), TIER_OK);
        assert_int_equal(tier_pipeline_set(p, "produce", "scores"), TIER_OK);
        if (runs[i].contracts)
            assert_int_equal(tier_pipeline_set(p, "contracts", contracts), TIER_OK);
        if (runs[i].accounts)
            assert_int_equal(tier_pipeline_set(p, "accounts", accounts), TIER_OK);
        if (tier_pipeline_run(p) != TIER_OK)
            fail_msg("run %zu: %s", i, tier_pipeline_last_error(p));
        nl = strchr(sink.data, '\n');
        assert_non_null(nl);
        *nl = '\0'; /* the header line */
        assert_non_null(strstr(sink.data, "customer_id,r,f,m,"));
        assert_non_null(strstr(sink.data, ",cum_share,"));
        if (!strstr(sink.data, runs[i].has))
            fail_msg("run %zu: no %s in %s", i, runs[i].has, sink.data);
        if (runs[i].lacks && strstr(sink.data, runs[i].lacks))
            fail_msg("run %zu: %s in %s", i, runs[i].lacks, sink.data);
        /* rfm and needs both have a "segment": with accounts both are written under their full
         * names (a header naming one column twice was refused) */
        if (runs[i].accounts) {
            assert_non_null(strstr(sink.data, ",rfm.segment,"));
            assert_non_null(strstr(sink.data, ",needs.segment"));
            assert_null(strstr(sink.data, ",segment,"));
        }
        tst_sink_reset(&sink);
        tier_pipeline_free(p);
    }
}

/* The models setting reads back the list a run would use: the policy's models for the runs that
 * tier, else (scores, or a policy that declares none) the default list of the files; and every
 * produce value, format, key style, frequency and date format reads back as set. */
static void test_models_and_the_other_settings_read_back(void **state)
{
    static const char NONE_DECLARED[] = "libtier-policy 1\nwindow rev = revenue over all\n"
                                        "tier S {\n    rule \"top\" when rev >= 100\n}\n"
                                        "tier C {\n    rule \"rest\"\n}\n";
    static const char *const produce[] = {
        "tiers",        "scores",          "fit",           "explain", "lint",  "policies",
        "override_add", "override_remove", "override_list", "diff",    "report"};
    static const char *const pairs[][2] = {
        {"format", "json"},     {"format", "text"},     {"format", "csv"},
        {"key_style", "flag"},  {"key_style", "name"},  {"frequency", "rows"},
        {"frequency", "days"},  {"date_format", "iso"}, {"date_format", "auto"},
        {"delimiter", "tab"},   {"delimiter", ";"},     {"threads", "3"},
        {"as_of", "2025-03-01"}};
    tier_pipeline *p = NULL;
    tier_policy *pol = NULL;
    size_t i;
    (void)state;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "models"), "rfm"); /* b2b-sabc's */
    assert_int_equal(tier_pipeline_set(p, "policy", "pareto-sabc"), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "models"), "rfm,pareto");
    assert_int_equal(tier_pipeline_set(p, "produce", "scores"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "accounts", "a.csv"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "contracts", "c.csv"), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "models"),
                        "rfm,pareto,lifecycle,scorecard,needs,subscription");
    assert_int_equal(tier_pipeline_set(p, "accounts", NULL), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "models"), "rfm,pareto,subscription");
    assert_int_equal(tier_pipeline_set(p, "contracts", NULL), TIER_OK);
    /* a policy that declares no model: the default list */
    assert_int_equal(tier_policy_new(&pol, TST_ALLOC), TIER_OK);
    assert_int_equal(
        tier_policy_load_string(pol, NONE_DECLARED, strlen(NONE_DECLARED), "none.policy"), TIER_OK);
    assert_int_equal(tier_pipeline_set_policy_ref(p, pol), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "produce", "diff"), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "models"), "rfm,pareto");
    assert_int_equal(tier_pipeline_set(p, "models", "clv,rfm"), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "models"), "clv,rfm");
    for (i = 0; i < TST_COUNT(produce); i++) {
        assert_int_equal(tier_pipeline_set(p, "produce", produce[i]), TIER_OK);
        assert_string_equal(tst_pipeline_get(p, "produce"), produce[i]);
    }
    for (i = 0; i < TST_COUNT(pairs); i++) {
        if (tier_pipeline_set(p, pairs[i][0], pairs[i][1]) != TIER_OK)
            fail_msg("set %s: %s", pairs[i][0], tier_pipeline_last_error(p));
        assert_string_equal(tst_pipeline_get(p, pairs[i][0]), pairs[i][1]);
    }
    /* unset: no as_of, no override_until */
    assert_int_equal(tier_pipeline_set(p, "as_of", NULL), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "as_of"), "");
    assert_string_equal(tst_pipeline_get(p, "override_until"), "");
    tier_pipeline_free(p);
    tier_policy_free(pol);
}

/* A model option is checked when set, in the model's words: a number option given something like
 * a date that is not one says so; a text for a number option, an unknown option and an unknown
 * model are refused; the setting is not kept. */
static void test_model_options_are_checked_when_set(void **state)
{
    tier_pipeline *p = NULL;
    (void)state;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "models", "lifecycle,rfm"), TIER_OK);
    assert_int_equal(tier_pipeline_set_model_option(p, "lifecycle", "as_of", "2025-06-01"),
                     TIER_OK);
    assert_int_not_equal(tier_pipeline_set_model_option(p, "lifecycle", "as_of", "2025-13-45"),
                         TIER_OK);
    assert_string_equal(tier_pipeline_last_error(p),
                        "model \"lifecycle\": option \"as_of\": \"2025-13-45\" is not a date "
                        "(YYYY-MM-DD)");
    assert_int_not_equal(tier_pipeline_set_model_option(p, "rfm", "bins", "many"), TIER_OK);
    assert_non_null(strstr(tier_pipeline_last_error(p), "bins"));
    assert_int_equal(tier_pipeline_set_model_option(p, "rfm", "no_such_option", "1"),
                     TIER_ENOTFOUND);
    assert_int_equal(tier_pipeline_set_model_option(p, "nope", "bins", "1"), TIER_ENOTFOUND);
    tier_pipeline_free(p);
}

#define C(i) TST_CASE("check_case_" #i, run_case, &cases[i])
TST_MAIN(C(0), C(1), C(2), C(3), C(4), C(5), C(6), C(7), C(8), C(9), C(10), C(11), C(12), C(13),
         C(14), C(15), C(16), C(17), C(18), C(19), C(20), C(21), C(22), C(23), C(24), C(25), C(26),
         C(27), C(28), cmocka_unit_test(test_accepted_values_are_spelt_back),
         cmocka_unit_test(test_default_models_follow_the_files),
         cmocka_unit_test(test_models_and_the_other_settings_read_back),
         cmocka_unit_test(test_model_options_are_checked_when_set))
