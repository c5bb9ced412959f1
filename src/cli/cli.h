/* SPDX-License-Identifier: MIT */
/* The `tier` command: argv adapters over the library's pipeline (include/tier/pipeline.h). */
#ifndef TIER_CLI_H
#define TIER_CLI_H

#include <stdio.h>

#include "tier.h"

/* Exit codes. */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

/* Prints "tier: <message>" on stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* The usage of one command ("run", "explain", "policies", "lint", "override", "override add",
 * "override remove", "override list", "fit clv", "clv", "version") or of all (NULL). */
void cli_usage(FILE *to, const char *command);

/* A subcommand over the pipeline (command.c): `name` is the command ("run", "explain",
 * "policies", "lint", "override add", "override remove", "override list", "fit clv", "clv"),
 * argv[0] its last word. */
int cli_command(const char *name, int argc, char **argv);

/* Host hooks (host.c): the pthread executor for --threads N (default: the cores available; the
 * environment variable TIER_SPLIT_MIN_BYTES lowers the size from which a file is read in parts,
 * for tests), and the progress line on a terminal. */
int cli_host_setup(tier_pipeline *p, int quiet);
/* Ends and joins the executor's worker threads (made on the first task and kept for the rest of
 * the command), so that none is left running when the command returns; later tasks would make
 * them again. */
void cli_host_shutdown(void);
/* Clears the progress line if one is shown. */
void cli_host_done(void);
/* How the command's memory is handed back (before anything is allocated): on glibc a fixed mmap
 * threshold, so that the large columns a run frees go back to the system instead of staying in
 * the heap (host.c). */
void cli_host_memory(void);
/* The command's allocator: the C library's, with its large blocks advised for transparent huge
 * pages (host.c). */
const tier_allocator *cli_host_allocator(void);

#endif
