/* SPDX-License-Identifier: MIT */
/* `tier run`, `tier explain`, `tier policies`, `tier lint`, `tier override add|remove|list`,
 * `tier fit clv` and `tier clv`: the arguments go to the library as they are
 * (tier_pipeline_set_command(), which knows every flag and words every error); this file adds the
 * host's part: standard output, threads and the progress line (host.c), the warnings and the
 * summary on standard error, and the exit status: 0 done, 1 the run failed (for lint: errors
 * found), 2 a usage error (for lint: a policy that does not load). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("tier: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int write_stdout(void *ud, const char *data, size_t len)
{
    (void)ud;
    return fwrite(data, 1, len, stdout) == len ? 0 : 1;
}

static void print_summary(const tier_pipeline *p)
{
    tier_text *t = NULL;
    if (tier_text_new(&t, NULL) == TIER_OK && tier_pipeline_summary(p, t) == TIER_OK &&
        tier_text_length(t) > 0) {
        fputs("tier: ", stderr);
        fwrite(tier_text_data(t), 1, tier_text_length(t), stderr);
    }
    tier_text_free(t);
}

/* Sets the pipeline up from argv (argv[0] is the command word); CLI_OK, CLI_USAGE or CLI_FAIL
 * (message printed), or -1 for --help. */
static int setup(tier_pipeline *p, const char *name, int argc, char **argv, int *quiet)
{
    unsigned int flags = 0;
    int rc = tier_pipeline_set_output(p, write_stdout, NULL);
    if (!rc)
        rc = tier_pipeline_set_command(p, name, (size_t)(argc - 1), (const char *const *)(argv + 1),
                                       &flags);
    if (rc) {
        cli_error("%s", tier_pipeline_last_error(p));
        return rc == TIER_ENOMEM ? CLI_FAIL : CLI_USAGE;
    }
    if (flags & TIER_PIPELINE_COMMAND_HELP)
        return -1;
    *quiet = (flags & TIER_PIPELINE_COMMAND_QUIET) != 0;
    if (cli_host_setup(p, *quiet) != TIER_OK) {
        cli_error("%s", tier_pipeline_last_error(p));
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_command(const char *name, int argc, char **argv)
{
    tier_pipeline *p = NULL;
    int quiet = 0, status, rc;
    size_t i;
    if (tier_pipeline_new(&p, NULL) != TIER_OK) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    status = setup(p, name, argc, argv, &quiet);
    if (status < 0) {
        cli_usage(stdout, name);
        tier_pipeline_free(p);
        return CLI_OK;
    }
    if (status != CLI_OK) {
        tier_pipeline_free(p);
        return status;
    }
    rc = tier_pipeline_run(p);
    cli_host_done();
    for (i = 0; i < tier_pipeline_warning_count(p); i++)
        cli_error("warning: %s", tier_pipeline_warning(p, i));
    if (rc) {
        cli_error("%s", tier_pipeline_last_error(p));
        status = CLI_FAIL;
    } else if (fflush(stdout) != 0) {
        cli_error("cannot write the output");
        status = CLI_FAIL;
    } else if (!quiet) {
        print_summary(p);
    }
    tier_pipeline_free(p);
    return status;
}
