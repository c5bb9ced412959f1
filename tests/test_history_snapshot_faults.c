/* SPDX-License-Identifier: MIT */
/* A history's snapshot under damage, crashes and faults (src/history/snapshot.c): every
 * truncation and bit flip, every bit flip behind checksums made right again and 100,000 random
 * corruptions refused cleanly with the history unchanged, or read back byte for byte; a missing
 * file as TIER_ENOTFOUND; a save crashed after every I/O operation reloading as the old or the
 * new history; every I/O operation of save and load failing once cleanly; an out-of-memory walk
 * over load and save. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

#include "fuzz/snapfix.h"
#include "util/rng.h"

#define PATH "dir/state.snap"

/* ---- damage --------------------------------------------------------------------------------- */

static void test_history_snapshot_refuses_every_truncation_and_bit_flip(void **state)
{
    size_t len, cut, bit;
    unsigned char *g = tst_history_golden(&len);
    tier_history *h = tst_history_of(0);
    (void)state;
    for (cut = 0; cut < len; cut++) {
        unsigned char *d = test_malloc(cut ? cut : 1); /* exactly `cut` bytes for the sanitizer */
        memcpy(d, g, cut);
        if (tst_history_load(h, d, cut) != TIER_ECORRUPT)
            fail_msg("cut at %zu: not refused as damaged: %s", cut, tier_history_last_error(h));
        test_free(d);
    }
    for (bit = 0; bit < len * 8; bit++) {
        unsigned char *d = test_malloc(len);
        memcpy(d, g, len);
        d[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        if (tst_history_load(h, d, len) != TIER_ECORRUPT)
            fail_msg("bit %zu flipped: not refused: %s", bit, tier_history_last_error(h));
        test_free(d);
    }
    tst_history_expect_image(h, g, len, "after every refused file");
    tier_history_free(h);
    test_free(g);
}

/* Loads d (n bytes, in a block of exactly that size) into h, which holds the golden history:
 * the load fails cleanly and changes nothing, or it succeeds and the history writes back exactly
 * d (then h is given the golden history again). Returns the status. */
static int load_damaged(tier_history *h, const unsigned char *d, size_t n, const unsigned char *g,
                        size_t glen, int check_unchanged, const char *what)
{
    unsigned char *exact = test_malloc(n ? n : 1);
    int rc;
    memcpy(exact, d, n);
    rc = tst_history_load(h, exact, n);
    if (rc == TIER_OK) {
        tst_history_expect_image(h, exact, n,
                                 what); /* an accepted file is written back byte for byte */
        assert_int_equal(tst_history_load(h, g, glen), TIER_OK);
    } else if (rc != TIER_ECORRUPT && rc != TIER_EVERSION) {
        fail_msg("%s: %s: %s", what, tier_status_name(rc), tier_history_last_error(h));
    } else if (check_unchanged) {
        tst_history_expect_image(h, g, glen, what);
    }
    test_free(exact);
    return rc;
}

static void test_history_snapshot_bit_flips_behind_good_checksums(void **state)
{
    char what[96];
    size_t len, bit;
    unsigned char *g = tst_history_golden(&len), *d = test_malloc(len);
    tier_history *h = tst_history_new();
    long counts[3] = {0, 0, 0};
    (void)state;
    assert_int_equal(tst_history_load(h, g, len), TIER_OK);
    /* Each bit of the payloads flipped with every checksum made right again: the history's own
     * checks must refuse it, or the file is a valid other history that is written back exactly. */
    for (bit = 0; bit < len * 8; bit++) {
        int rc;
        memcpy(d, g, len);
        d[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        tier_fuzz_fix_checksums(d, len);
        snprintf(what, sizeof what, "bit %zu (byte %zu) flipped, checksums fixed", bit, bit / 8);
        rc = load_damaged(h, d, len, g, len, 1, what);
        counts[rc == TIER_OK ? 0 : rc == TIER_ECORRUPT ? 1 : 2]++;
    }
    /* All three outcomes happen (a flip in a count of runs is a valid history, in a tier index
     * mostly not, in HIST's format version a newer one). */
    assert_true(counts[0] > 100 && counts[1] > 1000 && counts[2] > 0);
    tier_history_free(h);
    test_free(d);
    test_free(g);
}

static void test_history_snapshot_refuses_100000_random_corruptions(void **state)
{
    char what[96];
    size_t len, n;
    unsigned char *g = tst_history_golden(&len), *d = test_malloc(len + 64);
    tier_history *h = tst_history_new();
    long round, same = 0, accepted = 0;
    tier__rng rng;
    (void)state;
    assert_int_equal(tst_history_load(h, g, len), TIER_OK);
    tier__rng_init(&rng, 20240607, 0x4849, 0, 0);
    for (round = 0; round < 100000; round++) {
        int fixed = (int)(round & 1), rc;
        n = tst_mutate(&rng, d, g, len);
        /* Every other round the checksums are made right: the damage reaches the sections. */
        if (fixed)
            tier_fuzz_fix_checksums(d, n);
        if (n == len && memcmp(d, g, len) == 0) {
            same++;
            continue;
        }
        snprintf(what, sizeof what, "round %ld (%zu bytes%s)", round, n,
                 fixed ? ", checksums fixed" : "");
        rc = load_damaged(h, d, n, g, len, round % 1000 == 1, what);
        if (!fixed && rc != TIER_ECORRUPT)
            fail_msg("%s: %s, want TIER_ECORRUPT", what, tier_status_name(rc));
        accepted += rc == TIER_OK;
    }
    assert_true(same < 1000);
    assert_true(accepted < 50000);
    tst_history_expect_image(h, g, len, "after 100,000 damaged files");
    tier_history_free(h);
    test_free(d);
    test_free(g);
}

/* ---- files, crashes and I/O faults ----------------------------------------------------------- */

static void test_history_snapshot_missing_file_and_bad_arguments(void **state)
{
    tst_faultfs fs;
    tier_io io;
    tst_sink sink;
    size_t glen;
    long ops;
    unsigned char *g = tst_history_golden(&glen);
    tier_history *h = tst_history_of(0);
    (void)state;
    tst_faultfs_init(&fs);
    io = tst_faultfs_io(&fs);
    /* A missing file is TIER_ENOTFOUND (the first run), and the history stays. */
    assert_int_equal(tier_history_load(h, "dir/none.snap", &io), TIER_ENOTFOUND);
    assert_string_equal(tier_history_last_error(h),
                        "dir/none.snap: cannot open: No such file or directory");
    tst_history_expect_image(h, g, glen, "after a missing file");
    assert_int_equal(tier_history_load(h, "", &io), TIER_EINVAL);
    assert_int_equal(tier_history_load(h, NULL, &io), TIER_EINVAL);
    assert_int_equal(tier_history_load(NULL, PATH, &io), TIER_EINVAL);
    assert_int_equal(tier_history_load_bytes(h, NULL, 5, "x"), TIER_EINVAL);
    assert_int_equal(tier_history_load_bytes(NULL, g, glen, "x"), TIER_EINVAL);
    /* No origin: the messages call it "(snapshot)". */
    assert_int_equal(tier_history_load_bytes(h, g, 10, NULL), TIER_ECORRUPT);
    assert_string_equal(tier_history_last_error(h),
                        "(snapshot): truncated at byte 10 of at least 44 (header and trailer)");
    assert_int_equal(tier_history_save(h, "", &io), TIER_EINVAL);
    assert_int_equal(tier_history_save(NULL, PATH, &io), TIER_EINVAL);
    ops = fs.ops;
    io.version = TIER_IO_VERSION + 1;
    assert_int_equal(tier_history_save(h, PATH, &io), TIER_EVERSION);
    assert_int_equal(fs.ops, ops); /* refused before any file is touched */
    /* The callback. */
    memset(&sink, 0, sizeof sink);
    assert_int_equal(tier_history_write(h, NULL, &sink), TIER_EINVAL);
    assert_int_equal(tier_history_write(NULL, tst_sink_write, &sink), TIER_EINVAL);
    sink.stop_at = 1;
    assert_int_equal(tier_history_write(h, tst_sink_write, &sink), TIER_EUSER);
    assert_string_equal(tier_history_last_error(h), "the output callback stopped the write");
    tst_sink_reset(&sink);
    tst_faultfs_clear(&fs);
    tier_history_free(h);
    test_free(g);
}

static void test_history_snapshot_default_io_saves_and_loads_a_real_file(void **state)
{
    char dir[] = "/tmp/tier-hist-XXXXXX";
    char path[96];
    size_t glen;
    unsigned char *g = tst_history_golden(&glen);
    tier_history *h = tst_history_of(0), *back = tst_history_new();
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/state.snap", dir);
    assert_int_equal(tier_history_load(back, path, NULL), TIER_ENOTFOUND);
    assert_int_equal(tier_history_save(h, path, NULL), TIER_OK);
    assert_int_equal(tier_history_load(back, path, NULL), TIER_OK);
    tst_history_expect_image(back, g, glen, "from a real file");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    tier_history_free(h);
    tier_history_free(back);
    test_free(g);
}

/* Saves the sample `variant` to PATH through fs. */
static int save_sample(tst_faultfs *fs, int variant, char *err)
{
    tier_io io = tst_faultfs_io(fs);
    tier_history *h = tst_history_of(variant);
    int rc = tier_history_save(h, PATH, &io);
    snprintf(err, TIER__ERR_SIZE, "%s", tier_history_last_error(h));
    tier_history_free(h);
    return rc;
}

/* Loads PATH from fs into a history; on success gives the snapshot it writes. */
static unsigned char *load_image(tst_faultfs *fs, size_t *len, int *rc, char *err)
{
    tier_io io = tst_faultfs_io(fs);
    tier_history *h = tst_history_new();
    unsigned char *d = NULL;
    *rc = tier_history_load(h, PATH, &io);
    snprintf(err, TIER__ERR_SIZE, "%s", tier_history_last_error(h));
    if (*rc == TIER_OK)
        d = tst_history_image(h, len);
    tier_history_free(h);
    return d;
}

static const tst_save_case save_case = {PATH, "history", save_sample, load_image,
                                        tst_history_sample_image};

static void test_history_snapshot_save_survives_every_failed_operation(void **state)
{
    (void)state;
    tst_walk_save_faults(&save_case);
}

static void test_history_snapshot_save_crashed_after_every_operation(void **state)
{
    size_t old_len, new_len;
    unsigned char *old = tst_history_sample_image(0, &old_len),
                  *new_ = tst_history_sample_image(1, &new_len);
    (void)state;
    assert_true(new_len > old_len + 1024); /* the save writes more than one block */
    test_free(old);
    test_free(new_);
    tst_walk_save_crashes(&save_case);
}

static void test_history_snapshot_load_survives_every_failed_operation(void **state)
{
    static const int kinds[] = {TST_FAULT_EIO, TST_FAULT_ENOSPC, TST_FAULT_SHORT, TST_FAULT_EINTR};
    size_t glen, k, old_len;
    unsigned char *g = tst_history_golden(&glen), *old = tst_history_sample_image(1, &old_len);
    long total, n;
    tst_faultfs fs;
    tier_io io;
    (void)state;
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, PATH, g, glen);
    io = tst_faultfs_io(&fs);
    {
        tier_history *h = tst_history_new();
        assert_int_equal(tier_history_load(h, PATH, &io), TIER_OK);
        tier_history_free(h);
    }
    total = fs.ops;
    tst_faultfs_clear(&fs);
    for (k = 0; k < TST_COUNT(kinds); k++) {
        for (n = 1; n <= total; n++) {
            tier_history *h = tst_history_of(1);
            const char *op;
            int rc;
            tst_faultfs_init(&fs);
            tst_faultfs_put(&fs, PATH, g, glen);
            io = tst_faultfs_io(&fs);
            fs.fail_at = n;
            fs.fail_kind = kinds[k];
            rc = tier_history_load(h, PATH, &io);
            op = tst_faultfs_op(&fs, n);
            assert_int_equal(fs.open_fds, 0);
            if (rc == TIER_OK) {
                tst_history_expect_image(h, g, glen,
                                         op); /* whatever the fault, what was read is the file */
            } else {
                if (rc != TIER_EIO)
                    fail_msg("operation %ld (%s) failing with %s: %s", n, op,
                             tst_fault_name(kinds[k]), tier_history_last_error(h));
                tst_history_expect_image(h, old, old_len, op); /* a failed load changes nothing */
            }
            if ((kinds[k] == TST_FAULT_SHORT || kinds[k] == TST_FAULT_EINTR) && rc != TIER_OK)
                fail_msg("operation %ld (%s) %s: %s", n, op, tst_fault_name(kinds[k]),
                         tier_history_last_error(h));
            tier_history_free(h);
            tst_faultfs_clear(&fs);
        }
    }
    test_free(g);
    test_free(old);
}

/* ---- out of memory ---------------------------------------------------------------------------
 */

static int oom_load_save(const tier_allocator *alloc, void *ud)
{
    size_t glen, len;
    unsigned char *g = tst_history_golden(&glen);
    const unsigned char *d;
    tier_history *h = NULL;
    tst_faultfs fs;
    tier_io io;
    int rc;
    (void)ud;
    tst_faultfs_init(&fs);
    io = tst_faultfs_io(&fs);
    tst_faultfs_put(&fs, PATH, g, glen);
    tst_faultfs_put(&fs, "dir/out.snap", "old", 3);
    rc = tier_history_new(&h, alloc);
    if (rc == TIER_OK) {
        rc = tier_history_load(h, PATH, &io);
        if (rc == TIER_ENOMEM)
            assert_true(tier_history_runs(h) == 0 && tier_history_customer_count(h) == 0);
        if (rc == TIER_OK)
            rc = tier_history_save(h, "dir/out.snap", &io);
        if (rc == TIER_ENOMEM && !strstr(tier_history_last_error(h), "out of memory"))
            fail_msg("ENOMEM without saying so: '%s'", tier_history_last_error(h));
        /* Saved completely, or not at all. */
        d = tst_faultfs_get(&fs, "dir/out.snap", &len);
        assert_non_null(d);
        if (rc == TIER_OK) {
            assert_int_equal(len, glen);
            assert_memory_equal(d, g, glen);
        } else {
            assert_int_equal(len, 3);
        }
        assert_int_equal(tst_faultfs_count(&fs), 2);
    }
    assert_int_equal(fs.open_fds, 0);
    tier_history_free(h);
    tst_faultfs_clear(&fs);
    test_free(g);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_history_snapshot_refuses_every_truncation_and_bit_flip),
         cmocka_unit_test(test_history_snapshot_bit_flips_behind_good_checksums),
         cmocka_unit_test(test_history_snapshot_refuses_100000_random_corruptions),
         cmocka_unit_test(test_history_snapshot_missing_file_and_bad_arguments),
         cmocka_unit_test(test_history_snapshot_default_io_saves_and_loads_a_real_file),
         cmocka_unit_test(test_history_snapshot_save_crashed_after_every_operation),
         cmocka_unit_test(test_history_snapshot_save_survives_every_failed_operation),
         cmocka_unit_test(test_history_snapshot_load_survives_every_failed_operation),
         TST_OOM_WALK(test_history_snapshot_load_and_save_survive_every_failed_allocation,
                      oom_load_save, NULL, 40))
