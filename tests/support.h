/* SPDX-License-Identifier: MIT */
/* Test allocators: every allocation goes through cmocka (so leaks fail the test), and a wrapper
 * fails the Nth allocation, once or from then on, to walk every out-of-memory path. */
#ifndef TIER_TEST_SUPPORT_H
#define TIER_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tier.h"

/* An allocator backed by cmocka's test_malloc/test_realloc/test_free. */
tier_allocator tst_allocator(void);

/* A fail-the-Nth-allocation allocator (also backed by cmocka). */
typedef struct tst_failing {
    long fail_at;    /* 1-based allocation that fails; 0 = never */
    int persistent;  /* 1: every allocation after fail_at fails too */
    long calls;      /* allocations attempted so far */
    long failures;   /* allocations refused so far */
} tst_failing;

tier_allocator tst_failing_allocator(tst_failing *state);

/* Runs fn(alloc, ud) with the Nth allocation failing, for N = 1, 2, ... (once and persistent),
 * until a run sees no injected failure. fn must return TIER_OK or TIER_ENOMEM (anything else
 * fails the test) and must release what it made. Returns the number of allocation points. */
typedef int (*tst_oom_fn)(const tier_allocator *alloc, void *ud);
long tst_oom_walk(tst_oom_fn fn, void *ud);

/* Reads a whole file into a test_malloc'ed NUL-terminated buffer (free with test_free). */
char *tst_read_file(const char *path, size_t *len);

/* Path of a file under the source tree's examples/data (TIER_SOURCE_DIR is set by CMake). */
const char *tst_data_path(const char *name);

#endif
