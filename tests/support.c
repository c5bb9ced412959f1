/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static void *tst_alloc(void *ud, size_t size)
{
    (void)ud;
    return test_malloc(size);
}

static void *tst_realloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    return test_realloc(ptr, size);
}

static void tst_free(void *ud, void *ptr)
{
    (void)ud;
    if (ptr)
        test_free(ptr);
}

tier_allocator tst_allocator(void)
{
    tier_allocator a;
    a.alloc = tst_alloc;
    a.realloc = tst_realloc;
    a.free = tst_free;
    a.ud = NULL;
    return a;
}

static int tst_should_fail(tst_failing *f)
{
    f->calls++;
    if (f->fail_at > 0 && (f->calls == f->fail_at || (f->persistent && f->calls > f->fail_at))) {
        f->failures++;
        return 1;
    }
    return 0;
}

static void *fail_alloc(void *ud, size_t size)
{
    if (tst_should_fail((tst_failing *)ud))
        return NULL;
    return test_malloc(size);
}

static void *fail_realloc(void *ud, void *ptr, size_t size)
{
    if (tst_should_fail((tst_failing *)ud))
        return NULL;
    return test_realloc(ptr, size);
}

tier_allocator tst_failing_allocator(tst_failing *state)
{
    tier_allocator a;
    a.alloc = fail_alloc;
    a.realloc = fail_realloc;
    a.free = tst_free;
    a.ud = state;
    return a;
}

long tst_oom_walk(tst_oom_fn fn, void *ud)
{
    long n;
    int persistent;
    long points = 0;
    for (persistent = 0; persistent <= 1; persistent++) {
        for (n = 1;; n++) {
            tst_failing f;
            tier_allocator a;
            int rc;
            memset(&f, 0, sizeof f);
            f.fail_at = n;
            f.persistent = persistent;
            a = tst_failing_allocator(&f);
            rc = fn(&a, ud);
            if (f.failures == 0) {
                assert_int_equal(rc, TIER_OK);
                if (n - 1 > points)
                    points = n - 1;
                break;
            }
            if (rc != TIER_OK && rc != TIER_ENOMEM)
                fail_msg("allocation %ld%s failed: got status %d (%s), want TIER_ENOMEM or TIER_OK", n,
                         persistent ? " (persistent)" : "", rc, tier_status_name(rc));
            if (n > 10000000L)
                fail_msg("out-of-memory walk does not end");
        }
    }
    return points;
}

char *tst_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = test_malloc((size_t)size + 1);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size)
        fail_msg("cannot read %s", path);
    fclose(f);
    buf[size] = '\0';
    if (len)
        *len = (size_t)size;
    return buf;
}

const char *tst_data_path(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/examples/data/%s", TIER_SOURCE_DIR, name);
    return path;
}
