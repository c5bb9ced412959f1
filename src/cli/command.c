/* SPDX-License-Identifier: MIT */
/* `tier run`, `tier explain`, `tier policies`, `tier lint`, `tier override add|remove|list`,
 * `tier fit clv` and `tier clv`: the arguments go to the library as they are
 * (tier_pipeline_set_command(), which knows every flag and words every error); this file adds the
 * host's part: standard output, threads and the progress line (host.c), the warnings and the
 * summary on standard error, and the exit status: 0 done, 1 the run failed (for lint: errors
 * found), 2 a usage error (for lint: a policy that does not load). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

/* The error of the first failed write to standard output (ENOSPC on /dev/full), 0 while none. */
static int stdout_errno;

static int write_stdout(void *ud, const char *data, size_t len)
{
    (void)ud;
    errno = 0;
    if (fwrite(data, 1, len, stdout) == len)
        return 0;
    stdout_errno = errno ? errno : EIO;
    return 1;
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

/* A setting's value into t; NULL when unset or unknown. */
static const char *setting(const tier_pipeline *p, const char *key, tier_text *t)
{
    if (tier_pipeline_get(p, key, t) != TIER_OK || tier_text_length(t) == 0)
        return NULL;
    return tier_text_data(t);
}

/* --out naming a file the run reads (the input, the accounts, the state), by any spelling
 * ("./a.csv" and "a.csv", a link, another hard link): the same device and inode. CLI_USAGE with
 * a message, or CLI_OK (also when --out does not exist yet). */
static int check_out(const tier_pipeline *p)
{
    static const char *const keys[] = {"input", "accounts", "state"};
    tier_text *out = NULL, *other = NULL;
    struct stat so, si;
    const char *o, *i;
    size_t k;
    int status = CLI_OK;
    if (tier_text_new(&out, NULL) != TIER_OK || tier_text_new(&other, NULL) != TIER_OK) {
        tier_text_free(out);
        cli_error("out of memory");
        return CLI_FAIL;
    }
    o = setting(p, "out", out);
    for (k = 0; o && stat(o, &so) == 0 && k < sizeof keys / sizeof keys[0]; k++) {
        i = setting(p, keys[k], other);
        if (i && stat(i, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
            cli_error("--out %s is the same file as --%s %s: refusing to replace it with the "
                      "output (write to another file)",
                      o, keys[k], i);
            status = CLI_USAGE;
            break;
        }
    }
    tier_text_free(out);
    tier_text_free(other);
    return status;
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
    if ((rc = check_out(p)) != CLI_OK)
        return rc;
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
    if (tier_pipeline_new(&p, cli_host_allocator()) != TIER_OK) {
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
    if (rc && stdout_errno) {
        cli_error("cannot write the output to standard output: %s", strerror(stdout_errno));
        status = CLI_FAIL;
    } else if (rc) {
        cli_error("%s", tier_pipeline_last_error(p));
        status = CLI_FAIL;
    } else if ((errno = 0, fflush(stdout)) != 0) {
        cli_error("cannot write the output to standard output: %s", strerror(errno ? errno : EIO));
        status = CLI_FAIL;
    } else if (!quiet) {
        print_summary(p);
    }
    tier_pipeline_free(p);
    /* The returns above come before the pipeline runs, so they have no workers to join. */
    cli_host_shutdown();
    return status;
}
