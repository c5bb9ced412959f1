/* SPDX-License-Identifier: MIT */
/* The `tier` command: subcommand dispatch and help. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The clv subcommands (src/cli/clv.c). */

static void usage(FILE *to)
{
    fputs("usage: tier <command> [options]\n"
          "\n"
          "commands:\n"
          "  run       tier every customer of a transaction log (RFM + Pareto + a policy)\n"
          "  fit clv   fit the CLV models (BG/NBD or Pareto/NBD, Gamma-Gamma); JSON on stdout\n"
          "  clv       per-customer P(alive), expected purchases and spend, discounted CLV\n"
          "  version   print the library version\n"
          "  help      print this text\n"
          "\n"
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
          "               goal_* needs features, implementation_progress, active_users_share)\n"
          "\n"
          "tier fit clv <reader flags> --calibration-end YYYY-MM-DD [--model bgnbd|pnbd]\n"
          "         [--time-unit day|week]\n"
          "tier clv <reader flags> --calibration-end YYYY-MM-DD --horizon N [--model bgnbd|pnbd]\n"
          "         [--time-unit day|week] [--discount-rate R] [--profit-margin F]\n"
          "         [--out FILE] [--format csv|json]\n"
          "\n"
          "  --horizon    in time units (weeks by default); --discount-rate per month (default\n"
          "               0.01); the customers' columns are customer_id,x,t_x,T,p_alive,\n"
          "               expected_purchases,expected_spend,clv\n",
          to);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "run") == 0)
        return cli_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "fit") == 0) {
        if (argc >= 3 && strcmp(argv[2], "clv") == 0)
            return cli_fit_clv(argc - 2, argv + 2);
        fprintf(stderr, "tier: fit: unknown or missing model \"%s\" (fit clv)\n",
                argc >= 3 ? argv[2] : "");
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "clv") == 0)
        return cli_clv(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        fprintf(stdout, "tier %s (libtier %s)\n", TIER_VERSION_STRING, tier_version_string());
        return CLI_OK;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    fprintf(stderr, "tier: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
