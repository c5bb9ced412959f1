/* SPDX-License-Identifier: MIT */
/* The `tier` command: subcommand dispatch; the usage texts are the library's
 * (tier_pipeline_usage()). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_usage(FILE *to, const char *command)
{
    tier_text *t = NULL;
    if (tier_text_new(&t, NULL) == TIER_OK && tier_pipeline_usage(command, t) == TIER_OK)
        fwrite(tier_text_data(t), 1, tier_text_length(t), to);
    tier_text_free(t);
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
    if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "explain") == 0 ||
        strcmp(argv[1], "policies") == 0 || strcmp(argv[1], "lint") == 0 ||
        strcmp(argv[1], "clv") == 0 || strcmp(argv[1], "diff") == 0)
        return cli_command(argv[1], argc - 1, argv + 1);
    if (strcmp(argv[1], "fit") == 0) {
        if (argc >= 3 && strcmp(argv[2], "clv") == 0)
            return cli_command("fit clv", argc - 2, argv + 2);
        if (argc >= 3 && is_help(argv[2])) {
            cli_usage(stdout, "fit clv");
            return CLI_OK;
        }
        fprintf(stderr, "tier: fit: unknown or missing model \"%s\" (fit clv)\n",
                argc >= 3 ? argv[2] : "");
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "override") == 0) {
        static const char *const actions[] = {"override add", "override remove", "override list"};
        size_t i;
        for (i = 0; argc >= 3 && i < sizeof actions / sizeof actions[0]; i++)
            if (strcmp(argv[2], actions[i] + 9) == 0)
                return cli_command(actions[i], argc - 2, argv + 2);
        if (argc >= 3 && is_help(argv[2])) {
            cli_usage(stdout, "override");
            return CLI_OK;
        }
        fprintf(stderr, "tier: override: unknown or missing action \"%s\" (add, remove, list)\n",
                argc >= 3 ? argv[2] : "");
        return CLI_USAGE;
    }
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
