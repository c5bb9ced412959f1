/* SPDX-License-Identifier: MIT */
/* The `tier` command: subcommand dispatch and help. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *to)
{
    fputs("usage: tier <command> [options]\n"
          "\n"
          "commands:\n"
          "  run       tier every customer of a transaction log (RFM + Pareto + a policy)\n"
          "  version   print the library version\n"
          "  help      print this text\n"
          "\n"
          "tier run --input FILE [--id COL --date COL --amount COL --margin COL]\n"
          "         [--delimiter C|ws|tab|auto] [--date-format iso|yyyymmdd|auto]\n"
          "         [--no-header --columns a,b,c] [--as-of YYYY-MM-DD] [--policy NAME]\n"
          "         [--out FILE] [--format csv|json] [--quiet]\n"
          "         [--accounts FILE [--account-id COL]] [--models LIST]\n"
          "\n"
          "  --models     comma-separated, in order: rfm, pareto, lifecycle, scorecard, needs\n"
          "               (default rfm,pareto; with --accounts all five)\n"
          "  --accounts   account attributes, one row per account (scorecard factors, module_* and\n"
          "               goal_* needs features, implementation_progress, active_users_share)\n",
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
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("tier %s (libtier %s)\n", TIER_VERSION_STRING, tier_version_string());
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
