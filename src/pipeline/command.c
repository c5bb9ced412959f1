/* SPDX-License-Identifier: MIT */
/* The `tier` command's arguments and usage, for every front end: each flag becomes a pipeline
 * setting (the flag's name with '-' read as '_': --as-of sets as_of) or an option of the clv
 * model, so that the `tier` program and `python3 -m libtier` accept the same flags and word the
 * same errors. What stays with a front end is its host part: output, threads, progress, printing,
 * exit status. */
#include <stdio.h>
#include <string.h>

#include "pipeline/pipeline_internal.h"

/* ---- usage -------------------------------------------------------------------------------- */

static const char overview[] =
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
    "\n";

static const char run_usage[] =
    "tier run --input FILE [--id COL --date COL --amount COL --margin COL]\n"
    "         [--delimiter C|ws|tab|auto] [--date-format iso|yyyymmdd|auto]\n"
    "         [--no-header --columns a,b,c] [--as-of YYYY-MM-DD] [--policy NAME|FILE]\n"
    "         [--out FILE] [--out-columns LIST] [--format csv|json] [--quiet]\n"
    "         [--accounts FILE [--account-id COL]] [--contracts FILE] [--models LIST]\n"
    "         [--state FILE [--ledger PREFIX]] [--frequency rows|days] [--threads N]\n"
    "\n"
    "  --policy     a built-in policy (tier policies) or a policy file (docs/policy-format.md);\n"
    "               default b2b-sabc, with --accounts b2b-full\n"
    "  --models     comma-separated, in order: rfm, pareto, clv, lifecycle, scorecard, needs,\n"
    "               subscription (default: the models the policy declares); clv must come before\n"
    "               lifecycle for lifecycle to use clv.p_alive\n"
    "  --accounts   account attributes, one row per account (scorecard factors, module_* and\n"
    "               goal_* needs features, implementation_progress, active_users_share)\n"
    "  --contracts  contracts, one row per subscription period: customer_id, start, end,\n"
    "               amount, period (monthly|yearly), status (active|renewed|cancelled), plan\n"
    "               (docs/subscriptions.md); the default models gain subscription\n"
    "  --state      the history of the runs before (docs/history.md): read when the file\n"
    "               exists, then hysteresis, dwell and overrides hold customers in their\n"
    "               tiers; the new state is written (atomically) when the run succeeded.\n"
    "               The rows gain previous_tier, move and since\n"
    "  --ledger     with --state: the run's moves in PREFIX.csv, the from->to matrix in\n"
    "               PREFIX-matrix.csv, both and the expired overrides in PREFIX.json\n"
    "  --out-columns\n"
    "               the output's columns, in order, as HEADER=SOURCE[:DECIMALS] or SOURCE; a\n"
    "               source is customer_id, tier, reason or a model column (rfm.r, pareto.class;\n"
    "               docs/output.md); default: customer_id, tier, every model column, reason\n"
    "  --frequency  what rfm counts as F: days (default; purchase days, several purchases\n"
    "               of one day count once) or rows (transactions, as most RFM tools count)\n"
    "  --threads    how many threads the run uses, 1 to 64 (default: the cores this process may\n"
    "               use); the output is the same for any number\n";

static const char explain_usage[] =
    "tier explain --customer ID <reader flags> [--format text|json] [--policy NAME|FILE]\n"
    "         [--accounts FILE [--account-id COL]] [--contracts FILE] [--models LIST]\n"
    "         [--state FILE]\n"
    "\n"
    "  runs as tier run does, then prints for one customer every model output, the\n"
    "  windows and lets, each rule tried with its value, the cap that moved it, the\n"
    "  flags, the entitlements and the route (text, or one JSON object); with --state\n"
    "  also its history: the tier before this run, since when (dwell), runs in the\n"
    "  tier, the failing counter, its last move and reason, an active override. The\n"
    "  state file is read, never written\n";

static const char override_add_usage[] =
    "tier override add --state FILE --customer ID --tier T --reason TEXT --author NAME\n"
    "         --until YYYY-MM-DD [--quiet]\n";

static const char override_remove_usage[] =
    "tier override remove --state FILE --customer ID [--quiet]\n";

static const char override_list_usage[] = "tier override list --state FILE [--quiet]\n";

static const char override_notes[] =
    "\n"
    "  an override pins the customer to tier T from the next tier run --state FILE on,\n"
    "  until the day before --until (then it expires and the run's ledger reports it);\n"
    "  add replaces the customer's override and creates FILE when it does not exist;\n"
    "  list prints customer_id,tier,until,reason,author,created as CSV\n";

static const char report_usage[] =
    "tier report --input FILE --out FILE.html <reader flags> [--policy NAME|FILE]\n"
    "         [--accounts FILE [--account-id COL]] [--models LIST] [--state FILE]\n"
    "\n"
    "  runs as tier run does and writes one HTML page (inline SVG, no script, nothing\n"
    "  fetched; atomically to --out, else to standard output): the tier pyramid, the\n"
    "  Pareto curve with the class thresholds, the R x F heatmap, the entitlement\n"
    "  totals; with --state (the snapshot of the last tier run --state) also the\n"
    "  migration matrix from the tiers in it and the top movers with their reasons.\n"
    "  The state file is read, never written (docs/report.md)\n";

static const char diff_usage[] =
    "tier diff --input FILE --policy A --against B [--format text|csv|json] [--out FILE]\n"
    "         [--accounts FILE [--account-id COL]] [--models LIST] <reader flags>\n";

static const char diff_state_usage[] =
    "tier diff --state OLD --against-state NEW [--format text|csv|json] [--out FILE]\n"
    "         [--input FILE [--accounts FILE] <reader flags>] [--policy P] [--quiet]\n";

static const char diff_notes[] =
    "\n"
    "  reads the data once, tiers it by policy A (default b2b-sabc, with --accounts\n"
    "  b2b-full) and by policy B, and compares: customers and revenue from each tier\n"
    "  to each, the entitlement totals, the accounts routed per team, and every\n"
    "  customer that moves with its reason under A and under B. With --state and\n"
    "  --against-state it reads two snapshots of tier run --state (e.g. last\n"
    "  month's and this month's) and compares each customer's tier in OLD with that\n"
    "  in NEW, with the reason of each side's last move. Snapshots keep no revenue\n"
    "  or entitlements: --input gives each customer's revenue from that data (e.g.\n"
    "  the data of the run that wrote NEW), --policy P the entitlements of P's tier\n"
    "  of the same name. --format text (the default) is for a person, csv lists the\n"
    "  movers, json has everything\n";

static const char policies_usage[] =
    "tier policies [NAME]\n"
    "\n"
    "  without NAME: the built-in policies and what each is for; with NAME: its policy\n"
    "  text (copy it, edit it, run it with --policy FILE)\n";

static const char lint_usage[] =
    "tier lint POLICY [--quiet]\n"
    "\n"
    "  POLICY is a policy file or a built-in name. Prints one finding per line,\n"
    "  \"FILE:LINE:COL: error|warning: text [check]\", then a count on stderr.\n"
    "  Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error or a\n"
    "  policy that does not load (its message names the line and column)\n";

static const char fit_clv_usage[] =
    "tier fit clv <reader flags> --calibration-end YYYY-MM-DD [--model bgnbd|pnbd]\n"
    "         [--time-unit day|week]\n";

static const char fit_sbg_usage[] =
    "tier fit sbg --survivors N0,N1,N2,... [--survivors ...] [--periods N]\n"
    "         [--discount-rate D] [--margin M]\n";

static const char fit_sbg_notes[] =
    "\n"
    "  --survivors  one cohort: the customers at the start, then those left after\n"
    "               1, 2, ... renewals (at least 3 counts in one cohort; give the\n"
    "               flag once per cohort, cohorts may have different lengths)\n"
    "  --periods    project survivors and retention for renewals 0..N (default: as\n"
    "               far as the data); --discount-rate per period (default 0.1) for the\n"
    "               DERL of a new customer; --margin its recurring margin per period\n"
    "               for the CLV (docs/sbg.md)\n";

static const char clv_usage[] =
    "tier clv <reader flags> --calibration-end YYYY-MM-DD --horizon N [--model bgnbd|pnbd]\n"
    "         [--time-unit day|week] [--discount-rate R] [--profit-margin F]\n"
    "         [--out FILE] [--format csv|json]\n";

static const char clv_notes[] =
    "\n"
    "  --horizon    in time units (weeks by default); --discount-rate per month (default\n"
    "               0.01); the customers' columns are customer_id,x,t_x,T,p_alive,\n"
    "               expected_purchases,expected_spend,clv\n";

static const char reader_notes[] =
    "\n"
    "  reader flags: --input FILE [--id COL --date COL --amount COL --margin COL]\n"
    "                [--delimiter C|ws|tab|auto] [--date-format iso|yyyymmdd|auto]\n"
    "                [--no-header --columns a,b,c] [--as-of YYYY-MM-DD] [--quiet]\n";

/* The usage texts are short and fixed: they are built in a buffer of this size on the stack. */
#define USAGE_MAX 8192

typedef struct usage_text {
    char data[USAGE_MAX];
    size_t len;
    int full;
} usage_text;

static void put(usage_text *u, const char *s, size_t n)
{
    if (u->full || n > USAGE_MAX - u->len) {
        u->full = 1;
        return;
    }
    memcpy(u->data + u->len, s, n);
    u->len += n;
}

static void puts_text(usage_text *u, const char *s)
{
    put(u, s, strlen(s));
}

/* A command's section after "usage: ", its continuation lines moved under it. */
static void section(usage_text *u, const char *text)
{
    const char *line = text;
    puts_text(u, "usage: ");
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        if (line != text &&
            (strncmp(line, "         [", 10) == 0 || strncmp(line, "         --", 11) == 0))
            puts_text(u, "       ");
        put(u, line, len);
        line += len;
    }
}

int tier_pipeline_usage(const char *command, tier_text *out)
{
    usage_text u;
    if (!out)
        return TIER_EINVAL;
    u.len = 0;
    u.full = 0;
    if (!command) {
        puts_text(&u, overview);
        puts_text(&u, run_usage);
        puts_text(&u, "\n");
        puts_text(&u, explain_usage);
        puts_text(&u, "\n");
        puts_text(&u, diff_usage);
        puts_text(&u, diff_state_usage);
        puts_text(&u, diff_notes);
        puts_text(&u, "\n");
        puts_text(&u, report_usage);
        puts_text(&u, "\n");
        puts_text(&u, policies_usage);
        puts_text(&u, "\n");
        puts_text(&u, lint_usage);
        puts_text(&u, "\n");
        puts_text(&u, override_add_usage);
        puts_text(&u, override_remove_usage);
        puts_text(&u, override_list_usage);
        puts_text(&u, override_notes);
        puts_text(&u, "\n");
        puts_text(&u, fit_clv_usage);
        puts_text(&u, clv_usage);
        puts_text(&u, clv_notes);
        puts_text(&u, "\n");
        puts_text(&u, fit_sbg_usage);
        puts_text(&u, fit_sbg_notes);
    } else if (strcmp(command, "run") == 0) {
        section(&u, run_usage);
    } else if (strcmp(command, "explain") == 0) {
        section(&u, explain_usage);
        puts_text(&u, reader_notes);
    } else if (strcmp(command, "diff") == 0) {
        section(&u, diff_usage);
        section(&u, diff_state_usage);
        puts_text(&u, diff_notes);
        puts_text(&u, reader_notes);
    } else if (strcmp(command, "report") == 0) {
        section(&u, report_usage);
        puts_text(&u, reader_notes);
    } else if (strcmp(command, "policies") == 0) {
        section(&u, policies_usage);
    } else if (strcmp(command, "lint") == 0) {
        section(&u, lint_usage);
    } else if (strcmp(command, "override") == 0) {
        section(&u, override_add_usage);
        section(&u, override_remove_usage);
        section(&u, override_list_usage);
        puts_text(&u, override_notes);
    } else if (strcmp(command, "override add") == 0) {
        section(&u, override_add_usage);
        puts_text(&u, override_notes);
    } else if (strcmp(command, "override remove") == 0) {
        section(&u, override_remove_usage);
    } else if (strcmp(command, "override list") == 0) {
        section(&u, override_list_usage);
    } else if (strcmp(command, "fit clv") == 0) {
        section(&u, fit_clv_usage);
        puts_text(&u, reader_notes);
    } else if (strcmp(command, "fit sbg") == 0) {
        section(&u, fit_sbg_usage);
        puts_text(&u, fit_sbg_notes);
    } else if (strcmp(command, "clv") == 0) {
        section(&u, clv_usage);
        puts_text(&u, clv_notes);
        puts_text(&u, reader_notes);
    } else if (strcmp(command, "version") == 0) {
        puts_text(&u, "usage: tier version\n");
    } else {
        return TIER_ENOTFOUND;
    }
    return u.full ? TIER_ERANGE : tier_text_append(out, u.data, u.len);
}

/* ---- arguments ---------------------------------------------------------------------------- */

enum {
    F_SETTING, /* --name VALUE: the pipeline setting "name" */
    F_OPTION,  /* --flag VALUE: option `target` of the command's model */
    F_COHORT,  /* --survivors N0,N1,...: one more cohort of the sbg model's `survivors` */
    F_NO_HEADER,
    F_QUIET
};

typedef struct cmd_flag {
    const char *flag;
    int kind;
    const char *target;
    /* For an option whose values the command spells its own way: pairs of (flag value, option
     * value), and the values for the message when none matches. */
    const char *values[5];
    const char *expect;
} cmd_flag;

#define SETTING(flag)                       \
    {                                       \
        flag, F_SETTING, NULL, {NULL}, NULL \
    }
#define SETTING_AS(flag, key)              \
    {                                      \
        flag, F_SETTING, key, {NULL}, NULL \
    }
#define OPTION(flag, option)                 \
    {                                        \
        flag, F_OPTION, option, {NULL}, NULL \
    }
#define END                         \
    {                               \
        NULL, 0, NULL, {NULL}, NULL \
    }

static const cmd_flag reader_flags[] = {SETTING("--input"),
                                        SETTING("--id"),
                                        SETTING("--date"),
                                        SETTING("--amount"),
                                        SETTING("--margin"),
                                        SETTING("--delimiter"),
                                        SETTING("--date-format"),
                                        SETTING("--columns"),
                                        SETTING("--as-of"),
                                        SETTING("--threads"),
                                        {"--no-header", F_NO_HEADER, NULL, {NULL}, NULL},
                                        {"--quiet", F_QUIET, NULL, {NULL}, NULL},
                                        {"-q", F_QUIET, NULL, {NULL}, NULL},
                                        END};

static const cmd_flag run_flags[] = {SETTING("--policy"),
                                     SETTING("--out"),
                                     SETTING_AS("--out-columns", "output_columns"),
                                     SETTING("--format"),
                                     SETTING("--accounts"),
                                     SETTING("--account-id"),
                                     SETTING("--models"),
                                     SETTING("--state"),
                                     SETTING("--ledger"),
                                     SETTING("--contracts"),
                                     END};

static const cmd_flag explain_flags[] = {
    SETTING("--customer"), SETTING("--state"),     SETTING("--policy"),
    SETTING("--format"),   SETTING("--accounts"),  SETTING("--account-id"),
    SETTING("--models"),   SETTING("--contracts"), END};

static const cmd_flag diff_flags[] = {SETTING("--policy"),        SETTING("--against"),
                                      SETTING("--out"),           SETTING("--format"),
                                      SETTING("--accounts"),      SETTING("--account-id"),
                                      SETTING("--models"),        SETTING("--state"),
                                      SETTING("--against-state"), END};

static const cmd_flag report_flags[] = {SETTING("--policy"),
                                        SETTING("--out"),
                                        SETTING("--accounts"),
                                        SETTING("--account-id"),
                                        SETTING("--models"),
                                        SETTING("--state"),
                                        END};

/* The settings of the models of a tiering run. */
static const cmd_flag model_flags[] = {SETTING("--frequency"), END};

static const cmd_flag quiet_flags[] = {
    {"--quiet", F_QUIET, NULL, {NULL}, NULL}, {"-q", F_QUIET, NULL, {NULL}, NULL}, END};

static const cmd_flag no_flags[] = {END};

static const cmd_flag override_add_flags[] = {SETTING("--state"),
                                              SETTING("--customer"),
                                              SETTING_AS("--tier", "override_tier"),
                                              SETTING_AS("--reason", "override_reason"),
                                              SETTING_AS("--author", "override_author"),
                                              SETTING_AS("--until", "override_until"),
                                              END};

static const cmd_flag override_remove_flags[] = {SETTING("--state"), SETTING("--customer"), END};

static const cmd_flag override_list_flags[] = {SETTING("--state"), END};

static const cmd_flag fit_flags[] = {
    OPTION("--calibration-end", "calibration_end"),
    {"--model",
     F_OPTION,
     "purchase_model",
     {"bgnbd", "bgnbd", "pnbd", "pareto_nbd", NULL},
     "bgnbd or pnbd"},
    {"--time-unit", F_OPTION, "time_unit", {"day", "1", "week", "7", NULL}, "day or week"},
    END};

static const cmd_flag fit_sbg_flags[] = {{"--survivors", F_COHORT, "survivors", {NULL}, NULL},
                                         OPTION("--periods", "periods"),
                                         OPTION("--discount-rate", "discount_rate"),
                                         OPTION("--margin", "margin"),
                                         END};

static const cmd_flag clv_flags[] = {OPTION("--horizon", "horizon"),
                                     SETTING("--out"),
                                     SETTING("--format"),
                                     OPTION("--discount-rate", "discount_rate"),
                                     OPTION("--profit-margin", "margin"),
                                     END};

/* What a command does with an argument that is not a flag: nothing (an error), the policy to
 * lint (required), or the built-in policy to print (optional). */
enum { ARG_NONE, ARG_POLICY, ARG_BUILTIN };

typedef struct command {
    const char *name;    /* as in messages and usage */
    const char *produce; /* the pipeline's `produce` */
    const cmd_flag *flags[3];
    /* Options the command needs, and what it says when one is missing. */
    const char *required[2];
    const char *missing[2];
    int argument;      /* ARG_* */
    const char *model; /* the model kind (and name) the command runs, or NULL */
} command;

static const command commands[] = {
    {"run",
     "tiers",
     {reader_flags, run_flags, model_flags},
     {NULL, NULL},
     {NULL, NULL},
     ARG_NONE,
     NULL},
    {"fit clv",
     "fit",
     {reader_flags, fit_flags, NULL},
     {"calibration_end", NULL},
     {"fit clv needs --calibration-end DATE", NULL},
     ARG_NONE,
     "clv"},
    {"fit sbg",
     "fit",
     {fit_sbg_flags, NULL, NULL},
     {"survivors", NULL},
     {"fit sbg needs --survivors N0,N1,N2,... (a cohort's customers after 0, 1, 2, ... renewals)",
      NULL},
     ARG_NONE,
     "sbg"},
    {"clv",
     "scores",
     {reader_flags, fit_flags, clv_flags},
     {"calibration_end", "horizon"},
     {"clv needs --calibration-end DATE", "clv needs --horizon N (in time units)"},
     ARG_NONE,
     "clv"},
    {"explain",
     "explain",
     {reader_flags, explain_flags, model_flags},
     {NULL, NULL},
     {NULL, NULL},
     ARG_NONE,
     NULL},
    {"diff",
     "diff",
     {reader_flags, diff_flags, model_flags},
     {NULL, NULL},
     {NULL, NULL},
     ARG_NONE,
     NULL},
    {"report",
     "report",
     {reader_flags, report_flags, model_flags},
     {NULL, NULL},
     {NULL, NULL},
     ARG_NONE,
     NULL},
    {"lint", "lint", {quiet_flags, NULL, NULL}, {NULL, NULL}, {NULL, NULL}, ARG_POLICY, NULL},
    {"policies", "policies", {no_flags, NULL, NULL}, {NULL, NULL}, {NULL, NULL}, ARG_BUILTIN, NULL},
    {"override add",
     "override_add",
     {override_add_flags, quiet_flags, NULL},
     {NULL, NULL},
     {NULL, NULL},
     ARG_NONE,
     NULL},
    {"override remove",
     "override_remove",
     {override_remove_flags, quiet_flags, NULL},
     {NULL, NULL},
     {NULL, NULL},
     ARG_NONE,
     NULL},
    {"override list",
     "override_list",
     {override_list_flags, quiet_flags, NULL},
     {NULL, NULL},
     {NULL, NULL},
     ARG_NONE,
     NULL},
};

/* The command's argument that is not a flag: the `policy` setting. */
static int apply_argument(tier_pipeline *p, const command *c, const char *arg, int *given)
{
    char names[512];
    size_t i, n = 0;
    if (c->argument == ARG_NONE || *given)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s: unexpected argument \"%s\" (see tier help)",
                                   c->name, arg);
    *given = 1;
    if (c->argument == ARG_BUILTIN && !tier_policy_builtin_text(arg)) {
        names[0] = '\0';
        for (i = 0; i < tier_policy_builtin_count() && n < sizeof names; i++)
            n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "",
                                  tier_policy_builtin_name(i));
        return tier__pipeline_fail(p, TIER_EINVAL, "policies: no built-in policy \"%s\" (%s)", arg,
                                   names);
    }
    return tier_pipeline_set(p, "policy", arg);
}

static const cmd_flag *find_flag(const command *c, const char *arg)
{
    size_t s, k;
    for (s = 0; s < 3 && c->flags[s]; s++)
        for (k = 0; c->flags[s][k].flag; k++)
            if (strcmp(c->flags[s][k].flag, arg) == 0)
                return &c->flags[s][k];
    return NULL;
}

/* The setting a flag names: "--account-id" -> "account_id". */
static void flag_key(const char *flag, char *key, size_t size)
{
    size_t i;
    for (i = 0; flag[i + 2] && i + 1 < size; i++)
        key[i] = flag[i + 2] == '-' ? '_' : flag[i + 2];
    key[i] = '\0';
}

/* A usage error keeps its text; anything but running out of memory is TIER_EINVAL. */
static int usage_error(int rc)
{
    return rc == TIER_ENOMEM ? rc : TIER_EINVAL;
}

/* One --survivors value ("1000,869,743") appended to `cohorts` as one item of the sbg model's
 * list option (counts separated by spaces, items by ','); *longest = the most counts of a
 * cohort so far. The counts themselves are checked when the option is set. */
static int add_cohort(tier_pipeline *p, const char *v, tier__buf *cohorts, size_t *longest)
{
    size_t k, counts = 1;
    if (!v[0])
        return tier__pipeline_fail(p, TIER_EINVAL,
                                   "--survivors needs counts: N0,N1,N2,... (customers after 0, 1, "
                                   "2, ... renewals)");
    if (tier__buf_len(cohorts))
        tier__buf_putc(cohorts, ',');
    for (k = 0; v[k]; k++) {
        if (v[k] == ',' && (k == 0 || v[k - 1] == ',' || !v[k + 1]))
            return tier__pipeline_fail(p, TIER_EINVAL, "--survivors \"%s\": an empty count", v);
        if (v[k] == ' ' || v[k] == '\t')
            return tier__pipeline_fail(p, TIER_EINVAL,
                                       "--survivors \"%s\": separate the counts by ',' only", v);
        counts += v[k] == ',';
        tier__buf_putc(cohorts, v[k] == ',' ? ' ' : v[k]);
    }
    if (counts > *longest)
        *longest = counts;
    return tier__buf_status(cohorts) ? tier__pipeline_fail(p, TIER_ENOMEM, "out of memory")
                                     : TIER_OK;
}

/* Applies one flag (and its value, argv[*i + 1], which it consumes) of command c. */
static int apply_flag(tier_pipeline *p, const command *c, const cmd_flag *f, size_t argc,
                      const char *const *argv, size_t *i)
{
    const char *arg = argv[*i], *v;
    char key[64];
    size_t k;
    if (f->kind == F_NO_HEADER)
        return tier_pipeline_set(p, "header", "no");
    if (*i + 1 >= argc)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s needs a value", arg);
    v = argv[++*i];
    if (f->kind == F_SETTING) {
        if (f->target)
            return tier_pipeline_set(p, f->target, v);
        flag_key(arg, key, sizeof key);
        return tier_pipeline_set(p, key, v);
    }
    if (f->values[0]) {
        for (k = 0; f->values[k] && strcmp(f->values[k], v) != 0; k += 2)
            ;
        if (!f->values[k])
            return tier__pipeline_fail(p, TIER_EINVAL, "%s must be %s, not \"%s\"", arg, f->expect,
                                       v);
        v = f->values[k + 1];
    }
    return tier_pipeline_set_model_option(p, c->model, f->target, v);
}

/* Applies the command's settings and arguments to `p`; returns the status and sets *found. */
static int apply_command(tier_pipeline *p, const command *c, size_t argc, const char *const *argv,
                         unsigned int *found)
{
    size_t i, r, longest = 0;
    int given[2] = {0, 0}, argument = 0, rc;
    tier__buf cohorts;
    tier__buf_init(&cohorts, &p->alloc);
    rc = tier_pipeline_set(p, "key_style", "flag");
    if (!rc)
        rc = tier_pipeline_set(p, "produce", c->produce);
    if (!rc && c->model)
        rc = tier_pipeline_add_model(p, c->model, c->model);
    if (!rc && strcmp(c->produce, "diff") == 0) /* for a person, unless --format says */
        rc = tier_pipeline_set(p, "format", "text");
    for (i = 0; !rc && i < argc; i++) {
        const char *arg = argv[i];
        const cmd_flag *f;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            *found |= TIER_PIPELINE_COMMAND_HELP;
            tier__buf_free(&cohorts);
            return TIER_OK;
        }
        f = find_flag(c, arg);
        if (!f && arg[0] != '-' && c->argument != ARG_NONE) {
            rc = apply_argument(p, c, arg, &argument);
        } else if (!f) {
            rc = tier__pipeline_fail(p, TIER_EINVAL, "%s: unknown option \"%s\" (see tier help)",
                                     c->name, arg);
        } else if (f->kind == F_QUIET) {
            *found |= TIER_PIPELINE_COMMAND_QUIET;
        } else if (f->kind == F_COHORT) {
            rc = i + 1 < argc ? add_cohort(p, argv[++i], &cohorts, &longest)
                              : tier__pipeline_fail(p, TIER_EINVAL, "%s needs a value", arg);
        } else {
            rc = apply_flag(p, c, f, argc, argv, &i);
        }
        for (r = 0; !rc && (f && (f->kind == F_OPTION || f->kind == F_COHORT)) && r < 2; r++)
            if (c->required[r] && strcmp(c->required[r], f->target) == 0)
                given[r] = 1;
    }
    /* The cohorts of every --survivors, as one value of the option (checked as it is set). */
    if (!rc && tier__buf_len(&cohorts)) {
        rc = tier_pipeline_set_model_option(p, c->model, "survivors", tier__buf_data(&cohorts));
        if (!rc && longest < 3)
            rc = tier__pipeline_fail(p, TIER_EINVAL,
                                     "fit sbg: the longest cohort has %lu counts; the model "
                                     "needs at least 3 (the start and 2 renewals: 2 periods) to "
                                     "tell how churn varies between customers",
                                     (unsigned long)longest);
    }
    tier__buf_free(&cohorts);
    if (rc)
        return usage_error(rc);
    for (r = 0; r < 2; r++)
        if (c->required[r] && !given[r])
            return tier__pipeline_fail(p, TIER_EINVAL, "%s", c->missing[r]);
    if (c->argument == ARG_POLICY && !argument)
        return tier__pipeline_fail(p, TIER_EINVAL, "%s needs a policy: a file or a built-in name",
                                   c->name);
    rc = tier_pipeline_check(p);
    return rc ? usage_error(rc) : TIER_OK;
}

int tier_pipeline_set_command(tier_pipeline *p, const char *name, size_t argc,
                              const char *const *argv, unsigned int *flags)
{
    const command *c = NULL;
    tier_pipeline *work = NULL;
    size_t i;
    int rc;
    unsigned int found = 0;
    if (flags)
        *flags = 0;
    if (!p)
        return TIER_EINVAL;
    for (i = 0; name && i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            c = &commands[i];
    if (!c)
        return tier__pipeline_fail(p, TIER_ENOTFOUND, "unknown command \"%s\"", name ? name : "");
    if (argc && !argv)
        return tier__pipeline_fail(p, TIER_EINVAL, "the arguments are NULL");
    /* All or nothing: the arguments go to a copy of the settings, which replaces them only when
     * every one was accepted. */
    if (tier__pipeline_copy(&work, p) != TIER_OK)
        return tier__pipeline_fail(p, TIER_ENOMEM, "out of memory");
    rc = apply_command(work, c, argc, argv, &found);
    if (rc) {
        memcpy(p->err, work->err, sizeof p->err);
        tier_pipeline_free(work);
        return rc;
    }
    tier__pipeline_take_settings(p, work);
    if (flags)
        *flags = found;
    return TIER_OK;
}
