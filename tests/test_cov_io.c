/* SPDX-License-Identifier: MIT */
/* A host's I/O table that breaks its contract (include/tier/io.h) is met with a clean error, never
 * a crash or an endless loop: an open that reports success without a handle or returns a positive
 * value, a read that claims more bytes than asked for, reads or opens interrupted for ever. A
 * write that claims more than asked for counts as the bytes asked for. A table of version 3 (no
 * exclusive create) saves beside a temporary name that is taken, leaving that file alone. An empty
 * file reads as empty whether or not the table can tell sizes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

enum {
    LIE_NONE,
    LIE_OPEN_NULL,
    LIE_OPEN_POSITIVE,
    LIE_READ_TOO_MUCH,
    LIE_READ_EINTR,
    LIE_OPEN_EINTR,
    LIE_WRITE_TOO_MUCH
};

/* The table of a tst_faultfs, with one lie. */
typedef struct liar {
    tier_io inner;
    int lie;
    long opens;
} liar;

static int l_open(void *ud, const char *path, int mode, void **out)
{
    liar *l = ud;
    l->opens++;
    if (l->lie == LIE_OPEN_EINTR)
        return -EINTR;
    if (l->lie == LIE_OPEN_POSITIVE)
        return 7;
    if (l->lie == LIE_OPEN_NULL && mode == TIER_IO_READ) {
        *out = NULL;
        return 0;
    }
    return l->inner.open(l->inner.ud, path, mode, out);
}

static int64_t l_read(void *ud, void *file, void *buf, size_t size)
{
    liar *l = ud;
    int64_t n;
    if (l->lie == LIE_READ_EINTR)
        return -EINTR;
    n = l->inner.read(l->inner.ud, file, buf, size);
    return l->lie == LIE_READ_TOO_MUCH && n > 0 ? (int64_t)size + 10 : n;
}

static int64_t l_write(void *ud, void *file, const void *buf, size_t size)
{
    liar *l = ud;
    int64_t n = l->inner.write(l->inner.ud, file, buf, size);
    return l->lie == LIE_WRITE_TOO_MUCH && n > 0 ? n + 100 : n;
}

static int l_sync(void *ud, void *file)
{
    liar *l = ud;
    return l->inner.sync(l->inner.ud, file);
}

static int l_close(void *ud, void *file)
{
    liar *l = ud;
    return l->inner.close(l->inner.ud, file);
}

static int l_rename(void *ud, const char *from, const char *to)
{
    liar *l = ud;
    return l->inner.rename(l->inner.ud, from, to);
}

static int l_remove(void *ud, const char *path)
{
    liar *l = ud;
    return l->inner.remove(l->inner.ud, path);
}

static int64_t l_size(void *ud, void *file)
{
    liar *l = ud;
    return l->inner.size(l->inner.ud, file);
}

static int l_seek(void *ud, void *file, uint64_t offset)
{
    liar *l = ud;
    return l->inner.seek(l->inner.ud, file, offset);
}

static int l_sync_dir(void *ud, const char *path)
{
    liar *l = ud;
    return l->inner.sync_dir(l->inner.ud, path);
}

static tier_io liar_io(liar *l, tst_faultfs *fs, int lie)
{
    tier_io io;
    memset(l, 0, sizeof *l);
    l->inner = tst_faultfs_io(fs);
    l->lie = lie;
    io = l->inner;
    io.open = l_open;
    io.read = l_read;
    io.write = l_write;
    io.sync = l_sync;
    io.close = l_close;
    io.rename = l_rename;
    io.remove = l_remove;
    io.size = l->inner.size ? l_size : NULL;
    io.seek = l->inner.seek ? l_seek : NULL;
    io.sync_dir = l->inner.sync_dir ? l_sync_dir : NULL;
    io.ud = l;
    return io;
}

/* Reads through a table with `lie`: the sample snapshot "h.snap" with tier_history_load (the
 * library's whole-file reader) when `policy` is 0, else "p.policy" with tier_policy_load_file.
 * Returns the status, the message in *why. */
static int load_with(int lie, int policy, int no_size, const char *path, char *why, size_t cap)
{
    static const char text[] = "libtier-policy 1\ntier S {\n    rule \"all\"\n}\n";
    size_t len;
    unsigned char *image = tst_history_sample_image(0, &len);
    tst_faultfs fs;
    liar l;
    tier_io io;
    int rc;
    tst_faultfs_init(&fs);
    fs.no_size = no_size;
    tst_faultfs_put(&fs, "h.snap", image, len);
    tst_faultfs_put(&fs, "p.policy", text, strlen(text));
    tst_faultfs_put(&fs, "empty", "", 0);
    test_free(image);
    io = liar_io(&l, &fs, lie);
    if (policy) {
        tier_policy *p = NULL;
        assert_int_equal(tier_policy_new(&p, TST_ALLOC), TIER_OK);
        rc = tier_policy_load_file(p, path, &io);
        snprintf(why, cap, "%s", tier_policy_last_error(p));
        tier_policy_free(p);
    } else {
        tier_history *h = tst_history_new();
        rc = tier_history_load(h, path, &io);
        snprintf(why, cap, "%s", tier_history_last_error(h));
        tier_history_free(h);
    }
    assert_int_equal(fs.open_fds, 0);
    tst_faultfs_clear(&fs);
    return rc;
}

static void test_a_lying_table_gives_a_clean_error(void **state)
{
    static const struct {
        int lie, policy;
        const char *why; /* the start of the message */
    } cases[] = {
        {LIE_OPEN_NULL, 0, "h.snap: cannot open: "},
        {LIE_OPEN_POSITIVE, 0, "h.snap: cannot open: "},
        {LIE_OPEN_EINTR, 0, "h.snap: cannot open: "},
        {LIE_READ_TOO_MUCH, 0, "h.snap: read failed at byte 0: "},
        {LIE_READ_EINTR, 0, "h.snap: read failed at byte 0: "},
        {LIE_OPEN_NULL, 1, "cannot open p.policy: "},
        {LIE_OPEN_POSITIVE, 1, "cannot open p.policy: "},
        {LIE_OPEN_EINTR, 1, "cannot open p.policy: "},
        {LIE_READ_TOO_MUCH, 1, "cannot read p.policy: "},
        {LIE_READ_EINTR, 1, "cannot read p.policy: "},
    };
    char why[1024];
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(cases); i++) {
        const char *path = cases[i].policy ? "p.policy" : "h.snap";
        int rc = load_with(cases[i].lie, cases[i].policy, 0, path, why, sizeof why);
        if (rc != TIER_EIO || strncmp(why, cases[i].why, strlen(cases[i].why)) != 0)
            fail_msg("case %zu: status %d, \"%s\"", i, rc, why);
    }
    /* an empty file reads as empty (and is then refused as a snapshot), with or without sizes */
    for (i = 0; i < 2; i++) {
        assert_int_equal(load_with(LIE_NONE, 0, (int)i, "empty", why, sizeof why), TIER_ECORRUPT);
        assert_memory_equal(why, "empty: ", 7);
    }
    /* the good ones load */
    assert_int_equal(load_with(LIE_NONE, 0, 0, "h.snap", why, sizeof why), TIER_OK);
    assert_int_equal(load_with(LIE_NONE, 1, 1, "p.policy", why, sizeof why), TIER_OK);
}

/* The bytes of the sample history's snapshot saved through a table with `lie` and version
 * `version` into fs: the status. */
static int save_with(tst_faultfs *fs, int lie, int version, char *why, size_t cap)
{
    tier_history *h = tst_history_of(0);
    liar l;
    tier_io io;
    int rc;
    fs->version = version;
    io = liar_io(&l, fs, lie);
    rc = tier_history_save(h, "h.snap", &io);
    snprintf(why, cap, "%s", tier_history_last_error(h));
    tier_history_free(h);
    assert_int_equal(fs->open_fds, 0);
    return rc;
}

static void test_writes_and_temporary_names_of_older_tables(void **state)
{
    tst_faultfs fs;
    size_t want_len, len;
    unsigned char *want = tst_history_sample_image(0, &want_len);
    const unsigned char *got;
    char why[1024];
    (void)state;
    /* a write that claims more than it was given */
    tst_faultfs_init(&fs);
    if (save_with(&fs, LIE_WRITE_TOO_MUCH, 0, why, sizeof why) != TIER_OK)
        fail_msg("save: %s", why);
    got = tst_faultfs_get(&fs, "h.snap", &len);
    assert_non_null(got);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, len);
    tst_faultfs_clear(&fs);
    /* version 3: "h.snap.tmp" is taken (another save's, say): the save uses the next name */
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, "h.snap.tmp", "other", 5);
    if (save_with(&fs, LIE_NONE, 3, why, sizeof why) != TIER_OK)
        fail_msg("save: %s", why);
    got = tst_faultfs_get(&fs, "h.snap", &len);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, len);
    got = tst_faultfs_get(&fs, "h.snap.tmp", &len);
    assert_int_equal(len, 5);
    assert_memory_equal(got, "other", 5);
    assert_int_equal(tst_faultfs_count(&fs), 2);
    tst_faultfs_clear(&fs);
    test_free(want);
}

TST_MAIN(cmocka_unit_test(test_a_lying_table_gives_a_clean_error),
         cmocka_unit_test(test_writes_and_temporary_names_of_older_tables))
