/* SPDX-License-Identifier: MIT */
/* `tier run`, `tier fit clv` and `tier clv`: each flag becomes a pipeline setting (the flag's
 * name with '-' read as '_': --as-of sets as_of) or an option of the clv model; the pipeline does
 * the rest and words every error. Exit status: 0 done, 1 the run failed, 2 a usage error. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum {
    F_SETTING,  /* --name VALUE: the pipeline setting "name" */
    F_OPTION,   /* --flag VALUE: option `target` of the clv model */
    F_NO_HEADER,
    F_QUIET
};

typedef struct cli_flag {
    const char *flag;
    int kind;
    const char *target;
    /* For an option whose values the command spells its own way: pairs of (flag value, option
     * value), and the values for the message when none matches. */
    const char *values[5];
    const char *expect;
} cli_flag;

#define SETTING(flag) {flag, F_SETTING, NULL, {NULL}, NULL}
#define OPTION(flag, option) {flag, F_OPTION, option, {NULL}, NULL}
#define END {NULL, 0, NULL, {NULL}, NULL}

static const cli_flag reader_flags[] = {
    SETTING("--input"),       SETTING("--id"),      SETTING("--date"),
    SETTING("--amount"),      SETTING("--margin"),  SETTING("--delimiter"),
    SETTING("--date-format"), SETTING("--columns"), SETTING("--as-of"),
    {"--no-header", F_NO_HEADER, NULL, {NULL}, NULL},
    {"--quiet", F_QUIET, NULL, {NULL}, NULL},
    {"-q", F_QUIET, NULL, {NULL}, NULL},
    END};

static const cli_flag run_flags[] = {
    SETTING("--policy"),   SETTING("--out"),        SETTING("--format"),
    SETTING("--accounts"), SETTING("--account-id"), SETTING("--models"),
    END};

static const cli_flag fit_flags[] = {
    OPTION("--calibration-end", "calibration_end"),
    {"--model", F_OPTION, "purchase_model", {"bgnbd", "bgnbd", "pnbd", "pareto_nbd", NULL},
     "bgnbd or pnbd"},
    {"--time-unit", F_OPTION, "time_unit", {"day", "1", "week", "7", NULL}, "day or week"},
    END};

static const cli_flag clv_flags[] = {
    OPTION("--horizon", "horizon"),
    SETTING("--out"),
    SETTING("--format"),
    OPTION("--discount-rate", "discount_rate"),
    OPTION("--profit-margin", "margin"),
    END};

typedef struct command {
    const char *name;    /* as in messages and usage */
    const char *produce; /* the pipeline's `produce` */
    const cli_flag *flags[3];
    /* Options the command needs, and what it says when one is missing. */
    const char *required[2];
    const char *missing[2];
} command;

static const command run_command = {
    "run", "tiers", {reader_flags, run_flags, NULL}, {NULL, NULL}, {NULL, NULL}};
static const command fit_clv_command = {
    "fit clv", "fit", {reader_flags, fit_flags, NULL},
    {"calibration_end", NULL}, {"fit clv needs --calibration-end DATE", NULL}};
static const command clv_command = {
    "clv", "scores", {reader_flags, fit_flags, clv_flags},
    {"calibration_end", "horizon"},
    {"clv needs --calibration-end DATE", "clv needs --horizon N (in time units)"}};

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

static const cli_flag *find_flag(const command *c, const char *arg)
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

/* Applies argv to the pipeline; returns CLI_OK, CLI_USAGE (message printed) or -1 for --help. */
static int parse(const command *c, tier_pipeline *p, int argc, char **argv, int *quiet)
{
    int i, given[2] = {0, 0};
    size_t r;
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const cli_flag *f;
        char key[64];
        int rc;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return -1;
        f = find_flag(c, arg);
        if (!f) {
            cli_error("%s: unknown option \"%s\" (see tier help)", c->name, arg);
            return CLI_USAGE;
        }
        if (f->kind == F_QUIET) {
            *quiet = 1;
            continue;
        }
        if (f->kind == F_NO_HEADER) {
            rc = tier_pipeline_set(p, "header", "no");
        } else if (i + 1 >= argc) {
            cli_error("%s needs a value", arg);
            return CLI_USAGE;
        } else if (f->kind == F_OPTION) {
            const char *v = argv[++i];
            if (f->values[0]) {
                size_t k;
                for (k = 0; f->values[k] && strcmp(f->values[k], argv[i]) != 0; k += 2)
                    ;
                if (!f->values[k]) {
                    cli_error("%s must be %s, not \"%s\"", arg, f->expect, argv[i]);
                    return CLI_USAGE;
                }
                v = f->values[k + 1];
            }
            rc = tier_pipeline_set_model_option(p, "clv", f->target, v);
            for (r = 0; r < 2; r++)
                if (c->required[r] && strcmp(c->required[r], f->target) == 0)
                    given[r] = 1;
        } else {
            flag_key(arg, key, sizeof key);
            rc = tier_pipeline_set(p, key, argv[++i]);
        }
        if (rc) {
            cli_error("%s", tier_pipeline_last_error(p));
            return CLI_USAGE;
        }
    }
    for (r = 0; r < 2; r++) {
        if (c->required[r] && !given[r]) {
            cli_error("%s", c->missing[r]);
            return CLI_USAGE;
        }
    }
    if (tier_pipeline_check(p) != TIER_OK) {
        cli_error("%s", tier_pipeline_last_error(p));
        return CLI_USAGE;
    }
    return CLI_OK;
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

static int run(const command *c, int argc, char **argv)
{
    tier_pipeline *p = NULL;
    int quiet = 0, status, rc;
    size_t i;
    if (tier_pipeline_new(&p, NULL) != TIER_OK) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    rc = tier_pipeline_set(p, "key_style", "flag");
    if (!rc)
        rc = tier_pipeline_set(p, "produce", c->produce);
    if (!rc && strcmp(c->produce, "tiers") != 0)
        rc = tier_pipeline_add_model(p, "clv", "clv");
    if (!rc)
        rc = tier_pipeline_set_output(p, write_stdout, NULL);
    if (rc) {
        cli_error("%s", tier_pipeline_last_error(p));
        tier_pipeline_free(p);
        return CLI_FAIL;
    }
    status = parse(c, p, argc, argv, &quiet);
    if (status < 0) {
        cli_usage(stdout, c->name);
        tier_pipeline_free(p);
        return CLI_OK;
    }
    if (status == CLI_OK && cli_host_setup(p, quiet) != TIER_OK) {
        cli_error("%s", tier_pipeline_last_error(p));
        status = CLI_USAGE;
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

int cli_run(int argc, char **argv)
{
    return run(&run_command, argc, argv);
}

int cli_fit_clv(int argc, char **argv)
{
    return run(&fit_clv_command, argc, argv);
}

int cli_clv(int argc, char **argv)
{
    return run(&clv_command, argc, argv);
}
