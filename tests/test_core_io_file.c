/* SPDX-License-Identifier: MIT */
/* The atomic save and the whole-file read through a host's table (core/io_file.c) when one hook
 * misbehaves for good: sync, rename, sync_dir interrupted on every try, hooks that answer with a
 * positive number (not a status), a close that fails, a write that makes no progress, a remove
 * that cannot take the temporary file away, every temporary name taken. Each save fails with
 * TIER_EIO naming the step, the temporary file and the reason; the file it would replace keeps
 * its bytes; the temporary file is removed whenever the table lets it. A read with no size hook
 * finds an oversized file by reading it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#include "core/io_internal.h"
#include "util/internal.h"

enum { H_NONE, H_CREATE, H_WRITE, H_SYNC, H_CLOSE, H_RENAME, H_REMOVE, H_SYNC_DIR };

/* A faultfs table with up to two hooks that always answer ret[k] (instead of doing their work). */
typedef struct twist {
    tier_io inner;
    int hook[2];
    int ret[2];
    long calls[2]; /* calls of each twisted hook */
} twist;

/* 1 when `hook` is twisted (its answer in *ret). */
static int twisted(twist *t, int hook, int *ret)
{
    int k;
    for (k = 0; k < 2; k++)
        if (t->hook[k] == hook && hook != H_NONE) {
            t->calls[k]++;
            *ret = t->ret[k];
            return 1;
        }
    return 0;
}

static int t_open(void *ud, const char *path, int mode, void **out)
{
    twist *t = ud;
    int ret;
    if (mode == TIER_IO_CREATE && twisted(t, H_CREATE, &ret))
        return ret;
    return t->inner.open(t->inner.ud, path, mode, out);
}

static int64_t t_read(void *ud, void *file, void *buf, size_t size)
{
    twist *t = ud;
    return t->inner.read(t->inner.ud, file, buf, size);
}

static int64_t t_write(void *ud, void *file, const void *buf, size_t size)
{
    twist *t = ud;
    int ret;
    return twisted(t, H_WRITE, &ret) ? ret : t->inner.write(t->inner.ud, file, buf, size);
}

static int t_sync(void *ud, void *file)
{
    twist *t = ud;
    int ret;
    return twisted(t, H_SYNC, &ret) ? ret : t->inner.sync(t->inner.ud, file);
}

static int t_close(void *ud, void *file)
{
    twist *t = ud;
    int ret, rc = t->inner.close(t->inner.ud, file); /* the handle is gone either way */
    return twisted(t, H_CLOSE, &ret) ? ret : rc;
}

static int t_rename(void *ud, const char *from, const char *to)
{
    twist *t = ud;
    int ret;
    return twisted(t, H_RENAME, &ret) ? ret : t->inner.rename(t->inner.ud, from, to);
}

static int t_remove(void *ud, const char *path)
{
    twist *t = ud;
    int ret;
    return twisted(t, H_REMOVE, &ret) ? ret : t->inner.remove(t->inner.ud, path);
}

static int t_sync_dir(void *ud, const char *path)
{
    twist *t = ud;
    int ret;
    return twisted(t, H_SYNC_DIR, &ret) ? ret : t->inner.sync_dir(t->inner.ud, path);
}

static tier_io twist_io(twist *t, tst_faultfs *fs, int hook, int ret)
{
    tier_io io;
    memset(t, 0, sizeof *t);
    t->inner = tst_faultfs_io(fs);
    t->hook[0] = hook;
    t->ret[0] = ret;
    io = t->inner;
    io.open = t_open;
    io.read = t_read;
    io.write = t_write;
    io.sync = t_sync;
    io.close = t_close;
    io.rename = t_rename;
    io.remove = t_remove;
    io.sync_dir = t_sync_dir;
    io.ud = t;
    return io;
}

static int put_new(void *ud, tier__io_put_fn put, void *put_ud)
{
    const char *text = ud;
    return put(put_ud, text, strlen(text)) ? TIER_EIO : TIER_OK;
}

typedef struct save_case {
    int hook, ret;
    const char *says;   /* what the message holds */
    const char *target; /* what "out" holds after */
    int temp_left;      /* 1: "out.tmp" could not be removed */
} save_case;

static void test_a_hook_that_misbehaves_for_good_fails_the_save_cleanly(void **state)
{
    static const save_case cases[] = {
        {H_SYNC, -EINTR, "save 'out': sync of 'out.tmp' failed: ", "old", 0},
        {H_SYNC, 3, "save 'out': sync of 'out.tmp' failed: Input/output error", "old", 0},
        {H_CLOSE, -EBADF, "save 'out': close of 'out.tmp' failed: ", "old", 0},
        {H_CLOSE, 1, "save 'out': close of 'out.tmp' failed: Input/output error", "old", 0},
        {H_RENAME, -EINTR, "save 'out': rename of 'out.tmp' failed: ", "old", 0},
        {H_RENAME, 2, "save 'out': rename of 'out.tmp' failed: Input/output error", "old", 0},
        {H_WRITE, 0, "save 'out': write of 'out.tmp' failed: Input/output error", "old", 0},
        {H_WRITE, -ENOSPC, "save 'out': write of 'out.tmp' failed: ", "old", 0},
        {H_SYNC_DIR, -EINTR, "the new file is in place, but syncing its directory failed", "new",
         0},
        {H_SYNC_DIR, 5, "syncing its directory failed: Input/output error", "new", 0},
        {H_CREATE, -EEXIST, "no free temporary name beside it ('out.tmp' to 'out.tmp-999' exist)",
         "old", 0},
        {H_CREATE, 4, "save 'out': cannot create 'out.tmp': Input/output error", "old", 0},
    };
    char err[TIER__ERR_SIZE];
    size_t i, len;
    (void)state;
    for (i = 0; i < TST_COUNT(cases); i++) {
        tst_faultfs fs;
        twist t;
        tier_io io;
        const unsigned char *got;
        int rc;
        tst_faultfs_init(&fs);
        tst_faultfs_put(&fs, "out", "old", 3);
        io = twist_io(&t, &fs, cases[i].hook, cases[i].ret);
        err[0] = '\0';
        rc = tier__io_write_atomic(&io, TST_ALLOC, "out", put_new, "new", err);
        if (rc != TIER_EIO || !strstr(err, cases[i].says))
            fail_msg("case %lu: status %d, \"%s\"", (unsigned long)i, rc, err);
        got = tst_faultfs_get(&fs, "out", &len);
        assert_non_null(got);
        assert_int_equal(len, strlen(cases[i].target));
        assert_memory_equal(got, cases[i].target, len);
        assert_null(tst_faultfs_get(&fs, "out.tmp", &len));
        assert_int_equal(fs.open_fds, 0);
        assert_true(t.calls[0] > 0);
        /* a retried hook is tried as often as the library promises, no more */
        if (cases[i].ret == -EINTR)
            assert_int_equal(t.calls[0], TIER__IO_EINTR_TRIES);
        tst_faultfs_clear(&fs);
    }
}

static void test_a_temporary_file_that_cannot_be_removed_stays_and_the_save_fails(void **state)
{
    static const int rets[] = {-EINTR, -EACCES};
    char err[TIER__ERR_SIZE];
    size_t i, len;
    (void)state;
    for (i = 0; i < TST_COUNT(rets); i++) {
        tst_faultfs fs;
        twist t;
        tier_io io;
        tst_faultfs_init(&fs);
        tst_faultfs_put(&fs, "out", "old", 3);
        io = twist_io(&t, &fs, H_SYNC, -EIO);
        t.hook[1] = H_REMOVE;
        t.ret[1] = rets[i];
        assert_int_equal(tier__io_write_atomic(&io, TST_ALLOC, "out", put_new, "new", err),
                         TIER_EIO);
        assert_non_null(strstr(err, "save 'out': sync of 'out.tmp' failed: "));
        /* remove was tried: every time on EINTR, twice on another error */
        assert_int_equal(t.calls[1], rets[i] == -EINTR ? TIER__IO_EINTR_TRIES : 2);
        assert_non_null(tst_faultfs_get(&fs, "out.tmp", &len));
        assert_memory_equal(tst_faultfs_get(&fs, "out", &len), "old", 3);
        assert_int_equal(fs.open_fds, 0);
        tst_faultfs_clear(&fs);
    }
}

static void test_a_read_without_sizes_finds_an_oversized_file_by_reading(void **state)
{
    tst_faultfs fs;
    tier_io io;
    unsigned char *data = NULL;
    size_t len = 9;
    char err[TIER__ERR_SIZE];
    (void)state;
    tst_faultfs_init(&fs);
    fs.no_size = 1;
    tst_faultfs_put(&fs, "big", "0123456789", 10);
    tst_faultfs_put(&fs, "empty", "", 0);
    io = tst_faultfs_io(&fs);
    assert_int_equal(tier__io_read_all(&io, TST_ALLOC, "big", 9, &data, &len, err), TIER_ERANGE);
    assert_non_null(strstr(err, "big: larger than the limit of 9 bytes"));
    assert_null(data);
    assert_int_equal(len, 0);
    assert_int_equal(tier__io_read_all(&io, TST_ALLOC, "big", 10, &data, &len, err), TIER_OK);
    assert_int_equal(len, 10);
    assert_memory_equal(data, "0123456789", 10);
    test_free(data);
    /* an empty file is an empty block, NUL-terminated */
    assert_int_equal(tier__io_read_all(&io, TST_ALLOC, "empty", 9, &data, &len, err), TIER_OK);
    assert_int_equal(len, 0);
    assert_non_null(data);
    assert_int_equal(data[0], 0);
    test_free(data);
    assert_int_equal(tier__io_read_all(&io, TST_ALLOC, "", 9, &data, &len, err), TIER_EINVAL);
    assert_non_null(strstr(err, "the input path is empty"));
    assert_int_equal(fs.open_fds, 0);
    tst_faultfs_clear(&fs);
}

TST_MAIN(cmocka_unit_test(test_a_hook_that_misbehaves_for_good_fails_the_save_cleanly),
         cmocka_unit_test(test_a_temporary_file_that_cannot_be_removed_stays_and_the_save_fails),
         cmocka_unit_test(test_a_read_without_sizes_finds_an_oversized_file_by_reading))
