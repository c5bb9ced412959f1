/* SPDX-License-Identifier: MIT */
/* `tier run`: read a transaction log (and account attributes), score the models, apply a tier
 * policy, write one row per customer and a summary on stderr. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct run_opts {
    cli_reader reader;
    const char *policy;
    const char *out;
    const char *accounts, *account_id;
    const char *models;
    int format;
} run_opts;

static int write_stdout(void *ud, const char *data, size_t len)
{
    (void)ud;
    return fwrite(data, 1, len, stdout) == len ? 0 : 1;
}

static int parse(run_opts *o, int argc, char **argv)
{
    int i;
    memset(o, 0, sizeof *o);
    o->format = TIER_OUTPUT_CSV;
    for (i = 1; i < argc; i++) {
        int took = cli_reader_flag(&o->reader, argc, argv, &i);
        if (took < 0)
            return -1;
        if (took)
            continue;
        if ((strcmp(argv[i], "--policy") == 0 || strcmp(argv[i], "--out") == 0 ||
             strcmp(argv[i], "--format") == 0 || strcmp(argv[i], "--accounts") == 0 ||
             strcmp(argv[i], "--account-id") == 0 || strcmp(argv[i], "--models") == 0) &&
            i + 1 >= argc) {
            cli_error("%s needs a value", argv[i]);
            return -1;
        }
        if (strcmp(argv[i], "--accounts") == 0) {
            o->accounts = argv[++i];
        } else if (strcmp(argv[i], "--account-id") == 0) {
            o->account_id = argv[++i];
        } else if (strcmp(argv[i], "--models") == 0) {
            o->models = argv[++i];
        } else if (strcmp(argv[i], "--policy") == 0) {
            o->policy = argv[++i];
        } else if (strcmp(argv[i], "--out") == 0) {
            o->out = argv[++i];
        } else if (strcmp(argv[i], "--format") == 0) {
            const char *f = argv[++i];
            if (strcmp(f, "csv") == 0)
                o->format = TIER_OUTPUT_CSV;
            else if (strcmp(f, "json") == 0)
                o->format = TIER_OUTPUT_JSON;
            else {
                cli_error("--format must be csv or json, not \"%s\"", f);
                return -1;
            }
        } else {
            cli_error("run: unknown option \"%s\" (see tier help)", argv[i]);
            return -1;
        }
    }
    if (!o->models)
        o->models = o->accounts ? "rfm,pareto,lifecycle,scorecard,needs" : "rfm,pareto";
    if (cli_models_check(o->models) != 0)
        return -1;
    return cli_reader_check(&o->reader);
}

/* Builds the models and runs them with the policy; *columns gets the output columns. */
static int run_models(const run_opts *o, const tier_book *book, const tier_policy *policy,
                      int may_retry, tier_result **out, char *columns)
{
    cli_models models;
    tier_result *result = NULL;
    int rc;
    *out = NULL;
    if (cli_models_build(&models, o->models, book, &o->reader) != 0)
        return TIER_EINVAL;
    strcpy(columns, models.columns);
    rc = tier_result_new(&result, NULL);
    if (rc) {
        cli_error("out of memory");
    } else {
        rc = tier_result_run(result, book, models.models, models.n, policy);
        if (rc == TIER_OK) {
            *out = result;
            result = NULL;
        } else if (rc != TIER_ESTATE || !may_retry) {
            cli_error("%s", tier_result_last_error(result));
        }
    }
    tier_result_free(result);
    cli_models_free(&models);
    return rc;
}

/* The transactions, then the account attributes. */
static int load(const run_opts *o, int keep_txns, tier_book **book, uint64_t *rows)
{
    if (cli_load_book(&o->reader, keep_txns, book, rows) != CLI_OK)
        return CLI_FAIL;
    if (o->accounts && cli_load_accounts(o->accounts, o->account_id, *book) != CLI_OK) {
        tier_book_free(*book);
        *book = NULL;
        return CLI_FAIL;
    }
    return CLI_OK;
}

static void print_summary(const run_opts *o, const tier_book *book, const tier_result *result,
                          uint64_t rows)
{
    size_t t, n = tier_book_customer_count(book), count;
    double revenue, total = 0;
    int32_t first, last, as_of;
    char day[11];
    as_of = o->reader.has_as_of ? o->reader.as_of
            : tier_book_day_range(book, &first, &last) == TIER_OK ? last + 1 : 0;
    cli_format_day(day, as_of);
    fprintf(stderr, "tier: %zu customers, %llu transactions, as of %s\n", n,
            (unsigned long long)rows, day);
    for (t = 0; t < tier_result_tier_count(result); t++)
        if (tier_result_summary(result, t, NULL, &revenue) == TIER_OK)
            total += revenue;
    for (t = 0; t < tier_result_tier_count(result); t++) {
        if (tier_result_summary(result, t, &count, &revenue) != TIER_OK)
            continue;
        fprintf(stderr, "  %s: %zu customers (%.1f%%), revenue %.2f (%.1f%%)\n",
                tier_result_tier_name(result, t), count, n ? 100.0 * count / n : 0.0, revenue,
                total != 0 ? 100.0 * revenue / total : 0.0);
    }
}

int cli_run(int argc, char **argv)
{
    run_opts o;
    tier_book *book = NULL;
    tier_policy *policy = NULL;
    tier_result *result = NULL;
    uint64_t rows = 0;
    int rc, status = CLI_FAIL;
    char columns[1024];

    if (parse(&o, argc, argv) != 0)
        return CLI_USAGE;
    rc = tier_policy_new_builtin(&policy, o.policy, NULL);
    if (rc) {
        cli_error("unknown policy \"%s\" (built in: b2b-sabc)", o.policy ? o.policy : "");
        return CLI_USAGE;
    }
    /* Per-customer figures suffice for sorted logs; keep transactions only when they do not. */
    if (load(&o, 0, &book, &rows) != CLI_OK)
        goto done;
    rc = run_models(&o, book, policy, 1, &result, columns);
    if (rc == TIER_ESTATE) {
        tier_book_free(book);
        book = NULL;
        if (load(&o, 1, &book, &rows) != CLI_OK)
            goto done;
        rc = run_models(&o, book, policy, 0, &result, columns);
    }
    if (rc)
        goto done;
    if (o.out)
        rc = tier_result_save(result, book, columns, o.format, o.out, NULL);
    else
        rc = tier_result_write(result, book, columns, o.format, write_stdout, NULL);
    if (rc) {
        cli_error("cannot write %s: %s", o.out ? o.out : "the output",
                  tier_result_last_error(result));
        goto done;
    }
    if (!o.out && fflush(stdout) != 0) {
        cli_error("cannot write the output");
        goto done;
    }
    if (!o.reader.quiet)
        print_summary(&o, book, result, rows);
    status = CLI_OK;
done:
    tier_result_free(result);
    tier_policy_free(policy);
    tier_book_free(book);
    return status;
}
