/* SPDX-License-Identifier: MIT */
/* Shared pieces of the `tier` command: the CSV reader flags and loading a book from them. */
#ifndef TIER_CLI_H
#define TIER_CLI_H

#include <stdint.h>

#include "tier.h"

/* Exit codes. */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

typedef struct cli_reader {
    const char *input;
    const char *id, *date, *amount, *margin; /* NULL: default name with fallbacks */
    const char *delimiter;                   /* NULL/"auto", "ws", "tab" or one character */
    const char *date_format;                 /* NULL/"auto", "iso", "yyyymmdd" */
    const char *columns;                     /* names for headerless files */
    int no_header;
    int has_as_of;
    int32_t as_of;
    int quiet;
} cli_reader;

/* Tries to consume argv[*i] (and its value) as a reader flag. Returns 1 if consumed, 0 if not a
 * reader flag, -1 on a usage error (message printed). */
int cli_reader_flag(cli_reader *r, int argc, char **argv, int *i);

/* Checks the flags after parsing; prints a usage message and returns -1 when they are wrong. */
int cli_reader_check(const cli_reader *r);

/* Loads the input into a new book. keep_txns: keep every transaction. Prints "tier: ..." on
 * failure and returns CLI_FAIL; *rows gets the number of data rows read. */
int cli_load_book(const cli_reader *r, int keep_txns, tier_book **out, uint64_t *rows);

/* Prints "tier: <message>" on stderr. */
void cli_error(const char *fmt, ...);

/* Formats a day as YYYY-MM-DD into buf (11 bytes). */
void cli_format_day(char *buf, int32_t day);

/* The models of one run and the output columns they add. */
#define CLI_MAX_MODELS 8
typedef struct cli_models {
    tier_model *models[CLI_MAX_MODELS];
    size_t n;
    char columns[1024];
} cli_models;

/* Checks the names of a --models list; prints the reason and returns -1 when one is unknown. */
int cli_models_check(const char *list);

/* Builds the models named in `list` (comma-separated) for `book`; prints the reason and returns
 * -1 on failure. */
int cli_models_build(cli_models *out, const char *list, const tier_book *book, const cli_reader *r);
void cli_models_free(cli_models *m);

/* Loads account attributes from `path` into `book` (id column `id`, or a usual name). */
int cli_load_accounts(const char *path, const char *id, tier_book *book);

int cli_run(int argc, char **argv);
int cli_fit_clv(int argc, char **argv);
int cli_clv(int argc, char **argv);

#endif
