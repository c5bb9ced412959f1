/* SPDX-License-Identifier: MIT */
/* The `tier` command: subcommand dispatch and usage. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char overview[] =
    "usage: tier <command> [options]\n"
    "\n"
    "commands:\n"
    "  run       tier every customer of a transaction log (RFM + Pareto + a policy)\n"
    "  fit clv   fit the CLV models (BG/NBD or Pareto/NBD, Gamma-Gamma); JSON on stdout\n"
    "  clv       per-customer P(alive), expected purchases and spend, discounted CLV\n"
    "  version   print the library version\n"
    "  help      print this text\n"
    "\n";

static const char run_usage[] =
    "tier run --input FILE [--id COL --date COL --amount COL --margin COL]\n"
    "         [--delimiter C|ws|tab|auto] [--date-format iso|yyyymmdd|auto]\n"
    "         [--no-header --columns a,b,c] [--as-of YYYY-MM-DD] [--policy NAME]\n"
    "         [--out FILE] [--format csv|json] [--quiet]\n"
    "         [--accounts FILE [--account-id COL]] [--models LIST]\n"
    "\n"
    "  --models     comma-separated, in order: rfm, pareto, clv, lifecycle, scorecard, needs\n"
    "               (default rfm,pareto; with --accounts all but clv); clv must come\n"
    "               before lifecycle for lifecycle to use clv.p_alive\n"
    "  --accounts   account attributes, one row per account (scorecard factors, module_* and\n"
    "               goal_* needs features, implementation_progress, active_users_share)\n";

static const char fit_clv_usage[] =
    "tier fit clv <reader flags> --calibration-end YYYY-MM-DD [--model bgnbd|pnbd]\n"
    "         [--time-unit day|week]\n";

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

/* Prints a command's section after "usage: ", its continuation lines moved under it. */
static void section(FILE *to, const char *text)
{
    const char *line = text;
    fputs("usage: ", to);
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        if (line != text && strncmp(line, "         [", 10) == 0)
            fputs("       ", to);
        fwrite(line, 1, len, to);
        line += len;
    }
}

void cli_usage(FILE *to, const char *command)
{
    if (!command) {
        fputs(overview, to);
        fputs(run_usage, to);
        fputs("\n", to);
        fputs(fit_clv_usage, to);
        fputs(clv_usage, to);
        fputs(clv_notes, to);
    } else if (strcmp(command, "run") == 0) {
        section(to, run_usage);
    } else if (strcmp(command, "fit clv") == 0) {
        section(to, fit_clv_usage);
        fputs(reader_notes, to);
    } else if (strcmp(command, "clv") == 0) {
        section(to, clv_usage);
        fputs(clv_notes, to);
        fputs(reader_notes, to);
    } else {
        fputs("usage: tier version\n", to);
    }
}

static int is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stderr, NULL);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "run") == 0)
        return cli_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "fit") == 0) {
        if (argc >= 3 && strcmp(argv[2], "clv") == 0)
            return cli_fit_clv(argc - 2, argv + 2);
        if (argc >= 3 && is_help(argv[2])) {
            cli_usage(stdout, "fit clv");
            return CLI_OK;
        }
        fprintf(stderr, "tier: fit: unknown or missing model \"%s\" (fit clv)\n",
                argc >= 3 ? argv[2] : "");
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "clv") == 0)
        return cli_clv(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        if (argc >= 3 && is_help(argv[2])) {
            cli_usage(stdout, "version");
            return CLI_OK;
        }
        fprintf(stdout, "tier %s (libtier %s)\n", TIER_VERSION_STRING, tier_version_string());
        return CLI_OK;
    }
    if (strcmp(argv[1], "help") == 0 || is_help(argv[1])) {
        cli_usage(stdout, NULL);
        return CLI_OK;
    }
    fprintf(stderr, "tier: unknown command \"%s\"\n", argv[1]);
    cli_usage(stderr, NULL);
    return CLI_USAGE;
}
