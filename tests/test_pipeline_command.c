/* SPDX-License-Identifier: MIT */
/* The `tier` command's arguments and usage in the library (tier_pipeline_set_command,
 * tier_pipeline_usage): every flag of run, fit clv and clv becomes its setting or clv option, the
 * command's own value spellings, --help and --quiet, every usage error with its exact message,
 * all or nothing, the usage texts as `tier <command> --help` prints them, and out of memory
 * (including tier_pipeline_get, which must leave the caller's text alone then). */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#define SAMPLE_COLUMNS "customer_id,sample,date,cds,amount"

static tier_pipeline *new_pipeline(void)
{
    tier_pipeline *p = NULL;
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    return p;
}

/* Runs the command; a failure fails the test with the pipeline's message. Returns the flags. */
static unsigned int command_ok(tier_pipeline *p, const char *command, const char *const *argv,
                               size_t argc)
{
    unsigned int flags = 12345;
    int rc = tier_pipeline_set_command(p, command, argc, argv, &flags);
    if (rc)
        fail_msg("%s: status %s: %s", command, tier_status_name(rc), tier_pipeline_last_error(p));
    return flags;
}

/* Option `name` of the run's model `i`, as text, in a static buffer. */
static const char *model_option(const tier_pipeline *p, size_t i, const char *name)
{
    static char value[128];
    tier_text *t = NULL;
    const tier_model *m = tier_pipeline_model(p, i);
    assert_non_null(m);
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    if (tier_model_get_option(m, name, t) != TIER_OK)
        fail_msg("option %s: %s", name, tier_model_last_error(m));
    return tst_take_text(t, value, sizeof value);
}

/* A setting (or a model option) and the text it must read as. */
typedef struct setting_want {
    const char *key, *want;
} setting_want;

/* Fails the test unless every setting of `want` reads as wanted, naming `when` and the setting. */
static void expect_settings(const tier_pipeline *p, const setting_want *want, size_t n,
                            const char *when)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(tst_pipeline_get(p, want[i].key), want[i].want) != 0)
            fail_msg("%s: %s is \"%s\", want \"%s\"", when, want[i].key,
                     tst_pipeline_get(p, want[i].key), want[i].want);
}

/* The same for the options of the run's model `i`. */
static void expect_model_options(const tier_pipeline *p, size_t i, const setting_want *want,
                                 size_t n)
{
    size_t k;
    for (k = 0; k < n; k++)
        if (strcmp(model_option(p, i, want[k].key), want[k].want) != 0)
            fail_msg("model %zu: option %s is \"%s\", want \"%s\"", i, want[k].key,
                     model_option(p, i, want[k].key), want[k].want);
}

static void run_ok(tier_pipeline *p)
{
    int rc = tier_pipeline_run(p);
    if (rc)
        fail_msg("run: status %s: %s", tier_status_name(rc), tier_pipeline_last_error(p));
}

/* ---- settings -------------------------------------------------------------------------------- */

static void test_run_command_turns_every_flag_into_its_setting(void **state)
{
    static const char *const argv[] = {"--input",
                                       "orders.csv",
                                       "--id",
                                       "cid",
                                       "--date",
                                       "day",
                                       "--amount",
                                       "paid",
                                       "--margin",
                                       "gm",
                                       "--delimiter",
                                       "tab",
                                       "--date-format",
                                       "yyyymmdd",
                                       "--no-header",
                                       "--columns",
                                       "cid,day,paid,gm",
                                       "--as-of",
                                       "1997-05-06",
                                       "--policy",
                                       "b2b-sabc",
                                       "--out",
                                       "tiers.json",
                                       "--format",
                                       "json",
                                       "--accounts",
                                       "acc.csv",
                                       "--account-id",
                                       "acct",
                                       "--models",
                                       "pareto,rfm"};
    static const setting_want want[] = {
        {"input", "orders.csv"},
        {"id", "cid"},
        {"date", "day"},
        {"amount", "paid"},
        {"margin", "gm"},
        {"delimiter", "tab"},
        {"date_format", "yyyymmdd"},
        {"header", "no"},
        {"columns", "cid,day,paid,gm"},
        {"as_of", "1997-05-06"},
        {"policy", "b2b-sabc"},
        {"out", "tiers.json"},
        {"format", "json"},
        {"accounts", "acc.csv"},
        {"account_id", "acct"},
        {"models", "pareto,rfm"},
        /* what the command itself sets */
        {"produce", "tiers"},
        {"key_style", "flag"},
    };
    tier_pipeline *p = new_pipeline();
    (void)state;
    assert_int_equal(command_ok(p, "run", argv, TST_COUNT(argv)), 0);
    expect_settings(p, want, TST_COUNT(want), "after the run command");
    tier_pipeline_free(p);
}

static void test_fit_clv_command_sets_the_clv_options_in_its_own_spellings(void **state)
{
    const char *argv[] = {
        "--input",    NULL,      "--no-header", "--columns",   SAMPLE_COLUMNS, "--calibration-end",
        "1997-09-30", "--model", "pnbd",        "--time-unit", "day"};
    static const setting_want settings[] = {
        {"produce", "fit"}, {"models", "clv"}, {"key_style", "flag"}, {"header", "no"}};
    static const setting_want options[] = {{"purchase_model", "pareto_nbd"}, {"time_unit", "1"}};
    tier_pipeline *p = new_pipeline();
    (void)state;
    argv[1] = tst_data_path("CDNOW_sample.txt");
    assert_int_equal(command_ok(p, "fit clv", argv, TST_COUNT(argv)), 0);
    expect_settings(p, settings, TST_COUNT(settings), "after fit clv");
    /* The options reach the model the run makes: pnbd is the option's pareto_nbd, day is 1. */
    run_ok(p);
    assert_int_equal(tier_pipeline_model_count(p), 1);
    expect_model_options(p, 0, options, TST_COUNT(options));
    assert_int_equal(atoi(model_option(p, 0, "calibration_end")), tst_day(1997, 9, 30));
    tier_pipeline_free(p);
}

/* fit sbg: every --survivors is one cohort of the sbg model's list option, the other flags are its
 * options, and the run needs no input (it fits from the options alone). */
static void test_fit_sbg_command_collects_the_cohorts_and_runs_without_input(void **state)
{
    const char *argv[] = {"--survivors",     "1000,869,743,653",
                          "--periods",       "10",
                          "--survivors",     "1000,631,468",
                          "--margin",        "250",
                          "--discount-rate", "0.2"};
    static const setting_want settings[] = {{"produce", "fit"}, {"models", "sbg"}};
    static const setting_want options[] = {{"survivors", "1000 869 743 653,1000 631 468"},
                                           {"periods", "10"},
                                           {"discount_rate", "0.2"},
                                           {"margin", "250"}};
    tier_pipeline *p = new_pipeline();
    (void)state;
    assert_int_equal(command_ok(p, "fit sbg", argv, TST_COUNT(argv)), 0);
    expect_settings(p, settings, TST_COUNT(settings), "after fit sbg");
    run_ok(p);
    assert_int_equal(tier_pipeline_model_count(p), 1);
    expect_model_options(p, 0, options, TST_COUNT(options));
    assert_int_equal(tier_book_customer_count(tier_pipeline_book(p)), 0);
    tier_pipeline_free(p);
}

static void test_clv_command_sets_horizon_discount_rate_and_profit_margin(void **state)
{
    const char *argv[] = {"--input",      NULL,
                          "--no-header",  "--columns",
                          SAMPLE_COLUMNS, "--calibration-end",
                          "1997-09-30",   "--horizon",
                          "39",           "--model",
                          "bgnbd",        "--time-unit",
                          "week",         "--discount-rate",
                          "0.02",         "--profit-margin",
                          "0.5",          "--format",
                          "json"};
    static const setting_want settings[] = {
        {"produce", "scores"}, {"models", "clv"}, {"format", "json"}};
    static const setting_want options[] = {{"purchase_model", "bgnbd"},
                                           {"time_unit", "7"},
                                           {"horizon", "39"},
                                           {"discount_rate", "0.02"},
                                           {"margin", "0.5"}};
    tier_pipeline *p = new_pipeline();
    (void)state;
    argv[1] = tst_data_path("CDNOW_sample.txt");
    assert_int_equal(command_ok(p, "clv", argv, TST_COUNT(argv)), 0);
    expect_settings(p, settings, TST_COUNT(settings), "after clv");
    run_ok(p);
    expect_model_options(p, 0, options, TST_COUNT(options));
    tier_pipeline_free(p);
}

/* ---- --help and --quiet ---------------------------------------------------------------------- */

static void test_help_flag_stops_reading_and_skips_the_required_options(void **state)
{
    static const struct {
        const char *command;
        const char *argv[4];
        size_t argc;
        unsigned int flags;
    } cases[] = {
        {"run", {"--help"}, 1, TIER_PIPELINE_COMMAND_HELP},
        {"run", {"--input", "x", "-h", "--bogus"}, 4, TIER_PIPELINE_COMMAND_HELP},
        {"run",
         {"-q", "--help", "--input"},
         3,
         TIER_PIPELINE_COMMAND_HELP | TIER_PIPELINE_COMMAND_QUIET},
        {"fit clv", {"--help"}, 1, TIER_PIPELINE_COMMAND_HELP},
        {"clv", {"--input", "x", "-h"}, 3, TIER_PIPELINE_COMMAND_HELP},
    };
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(cases); i++) {
        tier_pipeline *p = new_pipeline();
        assert_int_equal(command_ok(p, cases[i].command, cases[i].argv, cases[i].argc),
                         cases[i].flags);
        tier_pipeline_free(p);
    }
}

static void test_quiet_flag_is_reported_and_changes_no_setting(void **state)
{
    static const char *const loud[] = {"--input", "x"};
    static const char *const quiet[] = {"--input", "x", "--quiet"};
    static const char *const q[] = {"-q", "--input", "x"};
    tier_pipeline *p = new_pipeline();
    (void)state;
    assert_int_equal(command_ok(p, "run", loud, TST_COUNT(loud)), 0);
    tier_pipeline_free(p);
    p = new_pipeline();
    assert_int_equal(command_ok(p, "run", quiet, TST_COUNT(quiet)), TIER_PIPELINE_COMMAND_QUIET);
    assert_string_equal(tst_pipeline_get(p, "input"), "x");
    tier_pipeline_free(p);
    p = new_pipeline();
    assert_int_equal(command_ok(p, "run", q, TST_COUNT(q)), TIER_PIPELINE_COMMAND_QUIET);
    assert_string_equal(tst_pipeline_get(p, "input"), "x");
    tier_pipeline_free(p);
}

/* ---- --frequency ------------------------------------------------------------------------------
 */

/* Runs `run --input log.csv` with argv's extra flags on a log with same-day repeat purchases, the
 * output of customer A's row in `row` (the text up to its end). */
static void run_frequency(const char *const *extra, size_t n_extra, const char *want_option,
                          const char *want_row)
{
    static const char log[] = "customer_id,date,amount\n"
                              "A,2024-01-01,10\nA,2024-01-01,20\nA,2024-02-01,5\n"
                              "B,2024-03-01,7\n";
    const char *argv[12] = {"--input",  "log.csv", "--as-of",  "2025-01-01",
                            "--models", "rfm",     "--policy", "rfm-8"};
    size_t argc = 8, i;
    tst_memfs fs;
    tier_io io;
    tst_sink out;
    tier_pipeline *p = new_pipeline();
    memset(&fs, 0, sizeof fs);
    memset(&out, 0, sizeof out);
    tst_memfs_put(&fs, "log.csv", log, sizeof log - 1);
    io = tst_memfs_io(&fs);
    for (i = 0; i < n_extra; i++)
        argv[argc++] = extra[i];
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_OK);
    (void)command_ok(p, "run", argv, argc);
    assert_int_equal(tier_pipeline_set(p, "output_columns", "customer_id,rfm.f"), TIER_OK);
    assert_int_equal(tier_pipeline_set_output(p, tst_sink_write, &out), TIER_OK);
    run_ok(p);
    assert_string_equal(model_option(p, 0, "frequency"), want_option);
    if (!out.data || !strstr(out.data, want_row))
        fail_msg("want row \"%s\" in:\n%s", want_row, out.data ? out.data : "(nothing)");
    tst_sink_reset(&out);
    tst_memfs_clear(&fs);
    tier_pipeline_free(p);
}

/* F counts purchase days by default and with --frequency days, transactions with rows. */
static void test_frequency_flag_sets_what_rfm_counts(void **state)
{
    static const char *const rows[] = {"--frequency", "rows"};
    static const char *const days[] = {"--frequency", "days"};
    (void)state;
    run_frequency(NULL, 0, "days", "\nA,2\n");
    run_frequency(days, 2, "days", "\nA,2\n");
    run_frequency(rows, 2, "rows", "\nA,3\n");
}

/* The setting reads back, resets, and yields to the frequency the model list gives rfm itself. */
static void test_frequency_setting_yields_to_the_models_own_option(void **state)
{
    tier_pipeline *p = new_pipeline();
    (void)state;
    assert_string_equal(tst_pipeline_get(p, "frequency"), "days");
    assert_int_equal(tier_pipeline_set(p, "frequency", "rows"), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "frequency"), "rows");
    assert_int_equal(tier_pipeline_set(p, "frequency", "weeks"), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p),
                        "frequency must be rows or days, not \"weeks\"");
    assert_string_equal(tst_pipeline_get(p, "frequency"), "rows");
    assert_int_equal(tier_pipeline_set(p, "input", tst_data_path("CDNOW_master.txt")), TIER_OK);
    assert_int_equal(tier_pipeline_add_model(p, "rfm", NULL), TIER_OK);
    assert_int_equal(tier_pipeline_add_model(p, "rfm", "r2"), TIER_OK);
    assert_int_equal(tier_pipeline_set_model_option(p, "r2", "frequency", "days"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "produce", "scores"), TIER_OK);
    run_ok(p);
    assert_string_equal(model_option(p, 0, "frequency"), "rows");
    assert_string_equal(model_option(p, 1, "frequency"), "days");
    assert_int_equal(tier_pipeline_set(p, "frequency", NULL), TIER_OK);
    assert_string_equal(tst_pipeline_get(p, "frequency"), "days");
    tier_pipeline_free(p);
}

/* ---- usage errors ---------------------------------------------------------------------------- */

typedef struct usage_case {
    const char *command;
    const char *argv[12];
    int status;
    const char *message;
} usage_case;

#define CAL "--calibration-end", "1997-09-30"

static const usage_case unknown_commands[] = {
    {"frobnicate", {NULL}, TIER_ENOTFOUND, "unknown command \"frobnicate\""},
    {"fit", {"--input", "x", CAL}, TIER_ENOTFOUND, "unknown command \"fit\""},
    {"version", {NULL}, TIER_ENOTFOUND, "unknown command \"version\""},
    {NULL, {"--input", "x"}, TIER_ENOTFOUND, "unknown command \"\""},
};

static const usage_case unknown_flags[] = {
    {"run",
     {"--input", "x", "--bogus"},
     TIER_EINVAL,
     "run: unknown option \"--bogus\" (see tier help)"},
    {"run",
     {"--input", "x", "--model", "pnbd"},
     TIER_EINVAL,
     "run: unknown option \"--model\" (see tier help)"},
    {"fit clv",
     {"--input", "x", CAL, "--horizon", "5"},
     TIER_EINVAL,
     "fit clv: unknown option \"--horizon\" (see tier help)"},
    {"fit clv",
     {"--input", "x", CAL, "--out", "y"},
     TIER_EINVAL,
     "fit clv: unknown option \"--out\" (see tier help)"},
    {"clv",
     {"--input", "x", CAL, "--models", "rfm"},
     TIER_EINVAL,
     "clv: unknown option \"--models\" (see tier help)"},
    {"clv", {"input", "x"}, TIER_EINVAL, "clv: unknown option \"input\" (see tier help)"},
};

static const usage_case missing_values[] = {
    {"run", {"--input"}, TIER_EINVAL, "--input needs a value"},
    {"run", {"--input", "x", "--format"}, TIER_EINVAL, "--format needs a value"},
    {"fit clv", {"--input", "x", CAL, "--model"}, TIER_EINVAL, "--model needs a value"},
    {"clv", {"--input", "x", CAL, "--horizon"}, TIER_EINVAL, "--horizon needs a value"},
};

static const usage_case bad_spellings[] = {
    {"fit clv",
     {"--input", "x", CAL, "--model", "xyz"},
     TIER_EINVAL,
     "--model must be bgnbd or pnbd, not \"xyz\""},
    /* the option's own spelling is not the command's */
    {"fit clv",
     {"--input", "x", CAL, "--model", "pareto_nbd"},
     TIER_EINVAL,
     "--model must be bgnbd or pnbd, not \"pareto_nbd\""},
    {"fit clv",
     {"--input", "x", CAL, "--time-unit", "month"},
     TIER_EINVAL,
     "--time-unit must be day or week, not \"month\""},
    {"clv",
     {"--input", "x", CAL, "--horizon", "5", "--time-unit", "7"},
     TIER_EINVAL,
     "--time-unit must be day or week, not \"7\""},
    {"run",
     {"--input", "x", "--format", "xml"},
     TIER_EINVAL,
     "--format must be csv, json or text, not \"xml\""},
    {"run",
     {"--input", "x", "--frequency", "weeks"},
     TIER_EINVAL,
     "--frequency must be rows or days, not \"weeks\""},
    {"report",
     {"--input", "x", "--frequency", "transactions"},
     TIER_EINVAL,
     "--frequency must be rows or days, not \"transactions\""},
    {"run",
     {"--input", "x", "--as-of", "1997-02-30"},
     TIER_EINVAL,
     "--as-of: \"1997-02-30\" is not a date (YYYY-MM-DD)"},
};

static const usage_case missing_required[] = {
    {"fit clv", {"--input", "x"}, TIER_EINVAL, "fit clv needs --calibration-end DATE"},
    {"fit clv",
     {"--input", "x", "--model", "pnbd"},
     TIER_EINVAL,
     "fit clv needs --calibration-end DATE"},
    {"clv", {"--input", "x", CAL}, TIER_EINVAL, "clv needs --horizon N (in time units)"},
    {"clv", {"--input", "x", "--horizon", "5"}, TIER_EINVAL, "clv needs --calibration-end DATE"},
    {"run", {"--format", "json"}, TIER_EINVAL, "--input FILE is required"},
    {"run",
     {"--input", "x", "--no-header"},
     TIER_EINVAL,
     "--no-header needs --columns a,b,c to name the columns"},
    {"clv", {CAL, "--horizon", "5"}, TIER_EINVAL, "--input FILE is required"},
};

/* A group of usage errors, run as one named cmocka test. */
typedef struct usage_group {
    const usage_case *cases;
    size_t n;
} usage_group;

#define USAGE_GROUP(name, table) static const usage_group name = {table, TST_COUNT(table)}

USAGE_GROUP(test_unknown_command_is_not_found, unknown_commands);
USAGE_GROUP(test_unknown_flag_names_the_command_and_the_flag, unknown_flags);
USAGE_GROUP(test_flag_without_its_value_is_a_usage_error, missing_values);
USAGE_GROUP(test_model_and_time_unit_take_only_the_command_spellings, bad_spellings);
USAGE_GROUP(test_missing_required_options_are_named, missing_required);

#define USAGE_TEST(name) TST_CASE(#name, expect_usage_errors, &(name))

/* Each case of the group (the test's state) must fail with its status and exact message, clearing
 * the caller's flags. */
static void expect_usage_errors(void **state)
{
    const usage_group *g = (const usage_group *)*state;
    const usage_case *cases = g->cases;
    size_t i, argc;
    assert_true(g->n > 0);
    for (i = 0; i < g->n; i++) {
        tier_pipeline *p = new_pipeline();
        unsigned int flags = 12345;
        int rc;
        for (argc = 0; argc < TST_COUNT(cases[i].argv) && cases[i].argv[argc]; argc++)
            ;
        rc = tier_pipeline_set_command(p, cases[i].command, argc, cases[i].argv, &flags);
        if (rc != cases[i].status || strcmp(tier_pipeline_last_error(p), cases[i].message) != 0)
            fail_msg("case %zu (%s): status %s \"%s\", want %s \"%s\"", i,
                     cases[i].command ? cases[i].command : "NULL", tier_status_name(rc),
                     tier_pipeline_last_error(p), tier_status_name(cases[i].status),
                     cases[i].message);
        assert_int_equal(flags, 0);
        tier_pipeline_free(p);
    }
}

static void test_null_arguments_are_rejected(void **state)
{
    tier_pipeline *p = new_pipeline();
    unsigned int flags = 7;
    (void)state;
    assert_int_equal(tier_pipeline_set_command(NULL, "run", 0, NULL, &flags), TIER_EINVAL);
    assert_int_equal(flags, 0);
    assert_int_equal(tier_pipeline_set_command(p, "run", 2, NULL, NULL), TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p), "the arguments are NULL");
    tier_pipeline_free(p);
}

/* ---- all or nothing -------------------------------------------------------------------------- */

static void test_failed_command_leaves_the_earlier_settings_as_they_were(void **state)
{
    static const char *const run_bad[] = {"--input",     "new.csv",   "--format", "csv",
                                          "--models",    "pareto",    "--as-of",  "1998-01-01",
                                          "--no-header", "--columns", "a,b,c",    "--bogus"};
    static const char *const fit_bad[] = {"--input", "new.csv", CAL, "--model", "xyz"};
    static const char *const fit_good[] = {"--input", "new.csv", CAL, "--model", "pnbd"};
    static const setting_want before[] = {
        {"input", "old.csv"}, {"format", "json"}, {"models", "rfm"},    {"as_of", ""},
        {"header", "yes"},    {"columns", ""},    {"produce", "tiers"}, {"key_style", "name"},
    };
    tier_pipeline *p = new_pipeline();
    unsigned int flags = 0;
    (void)state;
    assert_int_equal(tier_pipeline_set(p, "input", "old.csv"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "format", "json"), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "models", "rfm"), TIER_OK);
    assert_int_equal(tier_pipeline_set_command(p, "run", TST_COUNT(run_bad), run_bad, &flags),
                     TIER_EINVAL);
    assert_string_equal(tier_pipeline_last_error(p),
                        "run: unknown option \"--bogus\" (see tier help)");
    expect_settings(p, before, TST_COUNT(before), "after a failed run command");
    /* A failed fit clv adds no clv model: the same call with a good spelling then succeeds. */
    tier_pipeline_free(p);
    p = new_pipeline();
    assert_int_equal(tier_pipeline_set_command(p, "fit clv", TST_COUNT(fit_bad), fit_bad, &flags),
                     TIER_EINVAL);
    assert_string_equal(tst_pipeline_get(p, "models"), "rfm"); /* those of the default policy */
    assert_string_equal(tst_pipeline_get(p, "produce"), "tiers");
    assert_string_equal(tst_pipeline_get(p, "input"), "");
    assert_int_equal(command_ok(p, "fit clv", fit_good, TST_COUNT(fit_good)), 0);
    assert_string_equal(tst_pipeline_get(p, "models"), "clv");
    assert_string_equal(tst_pipeline_get(p, "input"), "new.csv");
    tier_pipeline_free(p);
}

/* ---- usage texts ----------------------------------------------------------------------------- */

/* What `tier <command> --help` prints (and `tier help` for all): written out here as the golden
 * form (0.1's, with the policy commands of 0.3), on purpose independent of the library's own
 * table in src/pipeline/command.c (the test compares the two); the paragraphs that several texts
 * share are spelled once. */
#define MODELS_NOTES                                                                               \
    "  --policy     a built-in policy (tier policies) or a policy file (docs/policy-format.md);\n" \
    "               default b2b-sabc, with --accounts b2b-full\n"                                  \
    "  --models     comma-separated, in order: rfm, pareto, clv, lifecycle, scorecard, needs,\n"   \
    "               subscription (default: the models the policy declares); clv must come "        \
    "before\n"                                                                                     \
    "               lifecycle for lifecycle to use clv.p_alive\n"                                  \
    "  --accounts   account attributes, one row per account (scorecard factors, module_* and\n"    \
    "               goal_* needs features, implementation_progress, active_users_share)\n"         \
    "  --contracts  contracts, one row per subscription period: customer_id, start, end,\n"        \
    "               amount, period (monthly|yearly), status (active|renewed|cancelled), plan\n"    \
    "               (docs/subscriptions.md); the default models gain subscription\n"               \
    "  --state      the history of the runs before (docs/history.md): read when the file\n"        \
    "               exists, then hysteresis, dwell and overrides hold customers in their\n"        \
    "               tiers; the new state is written (atomically) when the run succeeded.\n"        \
    "               The rows gain previous_tier, move and since\n"                                 \
    "  --ledger     with --state: the run's moves in PREFIX.csv, the from->to matrix in\n"         \
    "               PREFIX-matrix.csv, both and the expired overrides in PREFIX.json\n"            \
    "  --out-columns\n"                                                                            \
    "               the output's columns, in order, as HEADER=SOURCE[:DECIMALS] or SOURCE; a\n"    \
    "               source is customer_id, tier, reason or a model column (rfm.r, pareto.class;\n" \
    "               docs/output.md); default: customer_id, tier, every model column, reason\n"     \
    "  --frequency  what rfm counts as F: days (default; purchase days, several purchases\n"       \
    "               of one day count once) or rows (transactions, as most RFM tools count)\n"      \
    "  --threads    how many threads the run uses, 1 to 64 (default: the cores this process "      \
    "may\n"                                                                                        \
    "               use); the output is the same for any number\n"

#define EXPLAIN_NOTES                                                                    \
    "\n"                                                                                 \
    "  runs as tier run does, then prints for one customer every model output, the\n"    \
    "  windows and lets, each rule tried with its value, the cap that moved it, the\n"   \
    "  flags, the entitlements and the route (text, or one JSON object); with --state\n" \
    "  also its history: the tier before this run, since when (dwell), runs in the\n"    \
    "  tier, the failing counter, its last move and reason, an active override. The\n"   \
    "  state file is read, never written\n"

#define OVERRIDE_NOTES                                                                    \
    "\n"                                                                                  \
    "  an override pins the customer to tier T from the next tier run --state FILE on,\n" \
    "  until the day before --until (then it expires and the run's ledger reports it);\n" \
    "  add replaces the customer's override and creates FILE when it does not exist;\n"   \
    "  list prints customer_id,tier,until,reason,author,created as CSV\n"

#define DIFF_NOTES                                                                      \
    "\n"                                                                                \
    "  reads the data once, tiers it by policy A (default b2b-sabc, with --accounts\n"  \
    "  b2b-full) and by policy B, and compares: customers and revenue from each tier\n" \
    "  to each, the entitlement totals, the accounts routed per team, and every\n"      \
    "  customer that moves with its reason under A and under B. With --state and\n"     \
    "  --against-state it reads two snapshots of tier run --state (e.g. last\n"         \
    "  month's and this month's) and compares each customer's tier in OLD with that\n"  \
    "  in NEW, with the reason of each side's last move. Snapshots keep no revenue\n"   \
    "  or entitlements: --input gives each customer's revenue from that data (e.g.\n"   \
    "  the data of the run that wrote NEW), --policy P the entitlements of P's tier\n"  \
    "  of the same name. --format text (the default) is for a person, csv lists the\n"  \
    "  movers, json has everything\n"

#define POLICIES_NOTES                                                                    \
    "\n"                                                                                  \
    "  without NAME: the built-in policies and what each is for; with NAME: its policy\n" \
    "  text (copy it, edit it, run it with --policy FILE)\n"

#define LINT_NOTES                                                                        \
    "\n"                                                                                  \
    "  POLICY is a policy file or a built-in name. Prints one finding per line,\n"        \
    "  \"FILE:LINE:COL: error|warning: text [check]\", then a count on stderr.\n"         \
    "  Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error or a\n" \
    "  policy that does not load (its message names the line and column)\n"

#define HORIZON_NOTES                                                                       \
    "  --horizon    in time units (weeks by default); --discount-rate per month (default\n" \
    "               0.01); the customers' columns are customer_id,x,t_x,T,p_alive,\n"       \
    "               expected_purchases,expected_spend,clv\n"

#define READER_FLAGS                                                                  \
    "  reader flags: --input FILE [--id COL --date COL --amount COL --margin COL]\n"  \
    "                [--delimiter C|ws|tab|auto] [--date-format iso|yyyymmdd|auto]\n" \
    "                [--no-header --columns a,b,c] [--as-of YYYY-MM-DD] [--quiet]\n"

#define REPORT_NOTES                                                                     \
    "\n"                                                                                 \
    "  runs as tier run does and writes one HTML page (inline SVG, no script, nothing\n" \
    "  fetched; atomically to --out, else to standard output): the tier pyramid, the\n"  \
    "  Pareto curve with the class thresholds, the R x F heatmap, the entitlement\n"     \
    "  totals; with --state (the snapshot of the last tier run --state) also the\n"      \
    "  migration matrix from the tiers in it and the top movers with their reasons.\n"   \
    "  The state file is read, never written (docs/report.md)\n"

static const char report_help[] =
    "usage: tier report --input FILE --out FILE.html <reader flags> [--policy NAME|FILE]\n"
    "                [--accounts FILE [--account-id COL]] [--models LIST] [--state "
    "FILE]\n" REPORT_NOTES "\n" READER_FLAGS;

static const char run_help[] =
    "usage: tier run --input FILE [--id COL --date COL --amount COL --margin COL]\n"
    "                [--delimiter C|ws|tab|auto] [--date-format iso|yyyymmdd|auto]\n"
    "                [--no-header --columns a,b,c] [--as-of YYYY-MM-DD] [--policy NAME|FILE]\n"
    "                [--out FILE] [--out-columns LIST] [--format csv|json] [--quiet]\n"
    "                [--accounts FILE [--account-id COL]] [--contracts FILE] [--models LIST]\n"
    "                [--state FILE [--ledger PREFIX]] [--frequency rows|days] [--threads N]\n"
    "\n" MODELS_NOTES;

static const char explain_help[] =
    "usage: tier explain --customer ID <reader flags> [--format text|json] [--policy NAME|FILE]\n"
    "                [--accounts FILE [--account-id COL]] [--contracts FILE] [--models LIST]\n"
    "                [--state FILE]\n" EXPLAIN_NOTES "\n" READER_FLAGS;

static const char override_help[] =
    "usage: tier override add --state FILE --customer ID --tier T --reason TEXT --author NAME\n"
    "                --until YYYY-MM-DD [--quiet]\n"
    "usage: tier override remove --state FILE --customer ID [--quiet]\n"
    "usage: tier override list --state FILE [--quiet]\n" OVERRIDE_NOTES;

static const char diff_help[] =
    "usage: tier diff --input FILE --policy A --against B [--format text|csv|json] [--out FILE]\n"
    "                [--accounts FILE [--account-id COL]] [--models LIST] <reader "
    "flags>\n"
    "usage: tier diff --state OLD --against-state NEW [--format text|csv|json] [--out FILE]\n"
    "                [--input FILE [--accounts FILE] <reader flags>] [--policy P] "
    "[--quiet]\n" DIFF_NOTES "\n" READER_FLAGS;

static const char policies_help[] = "usage: tier policies [NAME]\n" POLICIES_NOTES;

static const char lint_help[] = "usage: tier lint POLICY [--quiet]\n" LINT_NOTES;

static const char fit_clv_help[] =
    "usage: tier fit clv <reader flags> --calibration-end YYYY-MM-DD [--model bgnbd|pnbd]\n"
    "                [--time-unit day|week]\n"
    "\n" READER_FLAGS;

#define FIT_SBG_NOTES                                                                     \
    "\n"                                                                                  \
    "  --survivors  one cohort: the customers at the start, then those left after\n"      \
    "               1, 2, ... renewals (at least 3 counts in one cohort; give the\n"      \
    "               flag once per cohort, cohorts may have different lengths)\n"          \
    "  --periods    project survivors and retention for renewals 0..N (default: as\n"     \
    "               far as the data); --discount-rate per period (default 0.1) for the\n" \
    "               DERL of a new customer; --margin its recurring margin per period\n"   \
    "               for the CLV (docs/sbg.md)\n"

static const char fit_sbg_help[] =
    "usage: tier fit sbg --survivors N0,N1,N2,... [--survivors ...] [--periods N]\n"
    "                [--discount-rate D] [--margin M]\n" FIT_SBG_NOTES;

static const char clv_help[] =
    "usage: tier clv <reader flags> --calibration-end YYYY-MM-DD --horizon N [--model "
    "bgnbd|pnbd]\n"
    "                [--time-unit day|week] [--discount-rate R] [--profit-margin F]\n"
    "                [--out FILE] [--format csv|json]\n"
    "\n" HORIZON_NOTES "\n" READER_FLAGS;

/* `tier help`, in three parts (C99 compilers need not take a longer literal). */
static const char all_help_head[] =
    "usage: tier <command> [options]\n"
    "\n"
    "commands:\n"
    "  run       tier every customer of a transaction log by a policy (built-in or file)\n"
    "  explain   why one customer got its tier: models, windows, rules, caps, flags\n"
    "  diff      what-if: two policies on the same data, or two --state snapshots: who moves\n"
    "  report    one self-contained HTML page: tier pyramid, Pareto curve, R x F heatmap,\n"
    "            entitlements; with --state the migration matrix and the top movers\n"
    "  policies  list the built-in policies, or print one (tier policies NAME)\n"
    "  lint      check a policy file: errors and warnings, one per line\n"
    "  override  pin a customer to a tier until a day, in a --state file (add, remove, list)\n"
    "  fit clv   fit the CLV models (BG/NBD or Pareto/NBD, Gamma-Gamma); JSON on stdout\n"
    "  fit sbg   fit the sBG retention model on cohorts' survivor counts; JSON on stdout\n"
    "  clv       per-customer P(alive), expected purchases and spend, discounted CLV\n"
    "  version   print the library version\n"
    "  help      print this text\n"
    "\n"
    "tier run --input FILE [--id COL --date COL --amount COL --margin COL]\n"
    "         [--delimiter C|ws|tab|auto] [--date-format iso|yyyymmdd|auto]\n"
    "         [--no-header --columns a,b,c] [--as-of YYYY-MM-DD] [--policy NAME|FILE]\n"
    "         [--out FILE] [--out-columns LIST] [--format csv|json] [--quiet]\n"
    "         [--accounts FILE [--account-id COL]] [--contracts FILE] [--models LIST]\n"
    "         [--state FILE [--ledger PREFIX]] [--frequency rows|days] [--threads N]\n"
    "\n" MODELS_NOTES "\n"
    "tier explain --customer ID <reader flags> [--format text|json] [--policy NAME|FILE]\n"
    "         [--accounts FILE [--account-id COL]] [--contracts FILE] [--models LIST]\n"
    "         [--state FILE]\n" EXPLAIN_NOTES "\n";

static const char all_help_mid[] =
    "tier diff --input FILE --policy A --against B [--format text|csv|json] [--out FILE]\n"
    "         [--accounts FILE [--account-id COL]] [--models LIST] <reader flags>\n"
    "tier diff --state OLD --against-state NEW [--format text|csv|json] [--out FILE]\n"
    "         [--input FILE [--accounts FILE] <reader flags>] [--policy P] [--quiet]\n" DIFF_NOTES
    "\n"
    "tier report --input FILE --out FILE.html <reader flags> [--policy NAME|FILE]\n"
    "         [--accounts FILE [--account-id COL]] [--models LIST] [--state FILE]\n" REPORT_NOTES
    "\n"
    "tier policies [NAME]\n" POLICIES_NOTES "\n"
    "tier lint POLICY [--quiet]\n" LINT_NOTES "\n"
    "tier override add --state FILE --customer ID --tier T --reason TEXT --author NAME\n"
    "         --until YYYY-MM-DD [--quiet]\n"
    "tier override remove --state FILE --customer ID [--quiet]\n"
    "tier override list --state FILE [--quiet]\n" OVERRIDE_NOTES "\n";

static const char all_help_tail[] =
    "tier fit clv <reader flags> --calibration-end YYYY-MM-DD [--model bgnbd|pnbd]\n"
    "         [--time-unit day|week]\n"
    "tier clv <reader flags> --calibration-end YYYY-MM-DD --horizon N [--model bgnbd|pnbd]\n"
    "         [--time-unit day|week] [--discount-rate R] [--profit-margin F]\n"
    "         [--out FILE] [--format csv|json]\n"
    "\n" HORIZON_NOTES "\n"
    "tier fit sbg --survivors N0,N1,N2,... [--survivors ...] [--periods N]\n"
    "         [--discount-rate D] [--margin M]\n" FIT_SBG_NOTES;

static void test_usage_of_each_command_is_what_tier_help_prints(void **state)
{
    static const struct {
        const char *command, *text;
    } cases[] = {
        {"run", run_help},         {"explain", explain_help},
        {"diff", diff_help},       {"policies", policies_help},
        {"lint", lint_help},       {"fit clv", fit_clv_help},
        {"clv", clv_help},         {"version", "usage: tier version\n"},
        {"fit sbg", fit_sbg_help}, {"override", override_help},
        {"report", report_help},   {NULL, NULL},
    };
    static char all_help[8192];
    size_t i;
    (void)state;
    snprintf(all_help, sizeof all_help, "%s%s%s", all_help_head, all_help_mid, all_help_tail);
    for (i = 0; i < TST_COUNT(cases); i++) {
        tier_text *t = NULL;
        assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
        /* The text is appended to what `out` holds. */
        assert_int_equal(tier_text_append(t, ">", 1), TIER_OK);
        assert_int_equal(tier_pipeline_usage(cases[i].command, t), TIER_OK);
        assert_int_equal(tier_text_length(t), strlen(cases[i].text ? cases[i].text : all_help) + 1);
        assert_string_equal(tier_text_data(t) + 1, cases[i].text ? cases[i].text : all_help);
        tier_text_free(t);
    }
}

static void test_usage_of_an_unknown_command_is_not_found_and_appends_nothing(void **state)
{
    tier_text *t = NULL;
    (void)state;
    assert_int_equal(tier_text_new(&t, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_text_append(t, "kept", 4), TIER_OK);
    assert_int_equal(tier_pipeline_usage("fit", t), TIER_ENOTFOUND);
    assert_int_equal(tier_pipeline_usage("help", t), TIER_ENOTFOUND);
    assert_string_equal(tier_text_data(t), "kept");
    assert_int_equal(tier_pipeline_usage("run", NULL), TIER_EINVAL);
    tier_text_free(t);
}

static void test_usage_out_of_memory_leaves_the_text_as_it_was(void **state)
{
    tst_failing f;
    tier_allocator a;
    tier_text *t = NULL;
    (void)state;
    memset(&f, 0, sizeof f);
    a = tst_failing_allocator(&f);
    assert_int_equal(tier_text_new(&t, &a), TIER_OK);
    assert_int_equal(tier_text_append(t, "kept", 4), TIER_OK);
    f.fail_at = f.calls + 1;
    f.persistent = 1;
    assert_int_equal(tier_pipeline_usage(NULL, t), TIER_ENOMEM);
    assert_string_equal(tier_text_data(t), "kept");
    tier_text_free(t);
}

/* ---- out of memory --------------------------------------------------------------------------- */

/* A value longer than any buffer a text or a pipeline starts with. */
static const char *long_value(void)
{
    static char v[301];
    memset(v, 'v', sizeof v - 1);
    v[sizeof v - 1] = '\0';
    return v;
}

static void test_get_leaves_the_callers_text_unchanged_when_out_of_memory(void **state)
{
    tst_failing pf, tf;
    tier_allocator pa, ta;
    tier_pipeline *p = NULL;
    tier_text *t = NULL;
    (void)state;
    memset(&pf, 0, sizeof pf);
    memset(&tf, 0, sizeof tf);
    pa = tst_failing_allocator(&pf);
    ta = tst_failing_allocator(&tf);
    assert_int_equal(tier_pipeline_new(&p, &pa), TIER_OK);
    assert_int_equal(tier_pipeline_set(p, "input", long_value()), TIER_OK);
    assert_int_equal(tier_text_new(&t, &ta), TIER_OK);
    assert_int_equal(tier_text_append(t, "kept", 4), TIER_OK);

    /* The text's allocator fails: there is no room for the value. */
    tf.fail_at = tf.calls + 1;
    tf.persistent = 1;
    assert_int_equal(tier_pipeline_get(p, "input", t), TIER_ENOMEM);
    assert_true(tf.failures > 0);
    assert_string_equal(tier_text_data(t), "kept");
    tf.fail_at = 0;

    /* The pipeline's allocator fails: the value cannot be built. */
    pf.fail_at = pf.calls + 1;
    pf.persistent = 1;
    assert_int_equal(tier_pipeline_get(p, "input", t), TIER_ENOMEM);
    assert_true(pf.failures > 0);
    assert_string_equal(tier_text_data(t), "kept");
    pf.fail_at = 0;

    assert_int_equal(tier_pipeline_get(p, "input", t), TIER_OK);
    assert_string_equal(tier_text_data(t), long_value());
    tier_text_free(t);
    tier_pipeline_free(p);
}

/* Every flag kind of clv (settings, options, spellings, --no-header), on a pipeline that already
 * has settings of its own; a failed call must leave them as they were. */
static int oom_set_command(const tier_allocator *alloc, void *ud)
{
    static const char *const argv[] = {"--input",
                                       "orders.csv",
                                       "--no-header",
                                       "--columns",
                                       SAMPLE_COLUMNS,
                                       CAL,
                                       "--horizon",
                                       "39",
                                       "--model",
                                       "pnbd",
                                       "--time-unit",
                                       "day",
                                       "--profit-margin",
                                       "0.5",
                                       "--format",
                                       "json",
                                       "-q"};
    tst_failing *f = alloc->ud; /* tst_oom_walk's failing allocator */
    tier_pipeline *p = NULL;
    unsigned int flags = 0;
    int rc;
    (void)ud;
    rc = tier_pipeline_new(&p, alloc);
    if (rc == TIER_OK)
        rc = tier_pipeline_set(p, "input", long_value());
    if (rc == TIER_OK)
        rc = tier_pipeline_set(p, "models", "rfm");
    if (rc == TIER_OK) {
        rc = tier_pipeline_set_command(p, "clv", TST_COUNT(argv), argv, &flags);
        f->fail_at = 0; /* reading the settings back must not fail */
        if (rc == TIER_OK) {
            assert_int_equal(flags, TIER_PIPELINE_COMMAND_QUIET);
            assert_string_equal(tst_pipeline_get(p, "input"), "orders.csv");
            assert_string_equal(tst_pipeline_get(p, "models"),
                                "rfm,clv"); /* clv appended to the list set */
            assert_string_equal(tst_pipeline_get(p, "produce"), "scores");
        } else {
            assert_int_equal(flags, 0);
            assert_string_equal(tst_pipeline_get(p, "input"), long_value());
            assert_string_equal(tst_pipeline_get(p, "models"), "rfm");
            assert_string_equal(tst_pipeline_get(p, "produce"), "tiers");
            assert_string_equal(tst_pipeline_get(p, "format"), "csv");
            assert_string_equal(tst_pipeline_get(p, "key_style"), "name");
        }
    }
    tier_pipeline_free(p);
    return rc;
}

/* fit sbg's cohorts are gathered in a buffer and set as one option: all or nothing. */
static int oom_set_fit_sbg(const tier_allocator *alloc, void *ud)
{
    static const char *const argv[] = {"--survivors",      "1000,869,743", "--survivors",
                                       "1000,631,468,382", "--periods",    "5"};
    tst_failing *f = alloc->ud;
    tier_pipeline *p = NULL;
    int rc;
    (void)ud;
    rc = tier_pipeline_new(&p, alloc);
    if (rc == TIER_OK) {
        rc = tier_pipeline_set_command(p, "fit sbg", TST_COUNT(argv), argv, NULL);
        f->fail_at = 0;
        /* a failed call leaves the produce setting as it was */
        assert_string_equal(tst_pipeline_get(p, "produce"), rc == TIER_OK ? "fit" : "tiers");
        if (rc == TIER_OK)
            rc = tier_pipeline_run(p);
    }
    tier_pipeline_free(p);
    return rc;
}

static void test_set_command_survives_every_failed_allocation(void **state)
{
    long points;
    (void)state;
    points = tst_oom_walk(oom_set_command, NULL);
    /* the copy of the settings, the clv model and its options, the scratch models that check
     * them, the strings set (47 when written) */
    if (points <= 30)
        fail_msg("%ld allocation points, want more than 30", points);
}

static void test_fit_sbg_command_survives_every_failed_allocation(void **state)
{
    long points;
    (void)state;
    points = tst_oom_walk(oom_set_fit_sbg, NULL);
    if (points <= 10)
        fail_msg("%ld allocation points, want more than 10", points);
}

TST_MAIN(cmocka_unit_test(test_run_command_turns_every_flag_into_its_setting),
         cmocka_unit_test(test_fit_clv_command_sets_the_clv_options_in_its_own_spellings),
         cmocka_unit_test(test_fit_sbg_command_collects_the_cohorts_and_runs_without_input),
         cmocka_unit_test(test_clv_command_sets_horizon_discount_rate_and_profit_margin),
         cmocka_unit_test(test_help_flag_stops_reading_and_skips_the_required_options),
         cmocka_unit_test(test_quiet_flag_is_reported_and_changes_no_setting),
         cmocka_unit_test(test_frequency_flag_sets_what_rfm_counts),
         cmocka_unit_test(test_frequency_setting_yields_to_the_models_own_option),
         USAGE_TEST(test_unknown_command_is_not_found),
         USAGE_TEST(test_unknown_flag_names_the_command_and_the_flag),
         USAGE_TEST(test_flag_without_its_value_is_a_usage_error),
         USAGE_TEST(test_model_and_time_unit_take_only_the_command_spellings),
         USAGE_TEST(test_missing_required_options_are_named),
         cmocka_unit_test(test_null_arguments_are_rejected),
         cmocka_unit_test(test_failed_command_leaves_the_earlier_settings_as_they_were),
         cmocka_unit_test(test_usage_of_each_command_is_what_tier_help_prints),
         cmocka_unit_test(test_usage_of_an_unknown_command_is_not_found_and_appends_nothing),
         cmocka_unit_test(test_usage_out_of_memory_leaves_the_text_as_it_was),
         cmocka_unit_test(test_get_leaves_the_callers_text_unchanged_when_out_of_memory),
         cmocka_unit_test(test_set_command_survives_every_failed_allocation),
         cmocka_unit_test(test_fit_sbg_command_survives_every_failed_allocation))
