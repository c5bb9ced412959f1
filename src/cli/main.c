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

/* `tier GROUP NAME ...` (argv[1] is the group): runs the command "GROUP NAME" of `commands`,
 * prints the usage of `help` for --help, else says what is unknown and lists `choices`. */
static int group_command(int argc, char **argv, const char *const *commands, size_t n,
                         const char *help, const char *what, const char *choices)
{
    size_t i, skip = strlen(argv[1]) + 1;
    for (i = 0; argc >= 3 && i < n; i++)
        if (strcmp(argv[2], commands[i] + skip) == 0)
            return cli_command(commands[i], argc - 2, argv + 2);
    if (argc >= 3 && is_help(argv[2])) {
        cli_usage(stdout, help);
        return CLI_OK;
    }
    fprintf(stderr, "tier: %s: unknown or missing %s \"%s\" (%s)\n", argv[1], what,
            argc >= 3 ? argv[2] : "", choices);
    return CLI_USAGE;
}

int main(int argc, char **argv)
{
    cli_host_memory();
    if (argc < 2) {
        cli_usage(stderr, NULL);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "explain") == 0 ||
        strcmp(argv[1], "policies") == 0 || strcmp(argv[1], "lint") == 0 ||
        strcmp(argv[1], "clv") == 0 || strcmp(argv[1], "diff") == 0 ||
        strcmp(argv[1], "report") == 0)
        return cli_command(argv[1], argc - 1, argv + 1);
    if (strcmp(argv[1], "fit") == 0) {
        static const char *const models[] = {"fit clv", "fit sbg"};
        return group_command(argc, argv, models, 2, "fit clv", "model", "fit clv, fit sbg");
    }
    if (strcmp(argv[1], "override") == 0) {
        static const char *const actions[] = {"override add", "override remove", "override list"};
        return group_command(argc, argv, actions, 3, "override", "action", "add, remove, list");
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
