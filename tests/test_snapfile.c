/* SPDX-License-Identifier: MIT */
/* The snapshot container (src/core/snapfile.c, docs/snapshot-format.md) and the atomic write
 * under it (src/core/io_file.c): the writer against a golden file made by an independent writer
 * of the spec, values read back exactly, load -> save byte-identical, a cursor that never reads
 * past its section, every truncation, every bit flip and 100,000 random corruptions refused
 * cleanly, newer versions told apart from damage, a save crashed after every I/O operation
 * (writes kept, dropped, torn) reloading as the old or the new file, every I/O operation of save
 * and load failing once (EIO, ENOSPC, short, EINTR) cleanly, and out-of-memory walks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

#include "core/io_internal.h"
#include "core/snapfile.h"
#include "util/crc32c.h"
#include "util/rng.h"

#define PATH "dir/state.snap"

static tier_allocator alloc_;
static const tier_allocator *A(void)
{
    alloc_ = tst_internal_allocator(TST_ALLOC);
    return &alloc_;
}

/* The sample snapshot: variant 0 is tests/data/snapshot/golden.snap (make_golden.py writes the
 * same sections from the spec alone); variant 1 is a later state, larger than 2 blocks of 512
 * bytes with a different size, for the crash tests. */
static void sample(tier__snapw *w, int variant)
{
    unsigned char tier[1700];
    size_t i, n = variant ? 1700 : 1000;
    for (i = 0; i < n; i++)
        tier[i] = (unsigned char)((i * 7 + 3 + (size_t)variant) % 256);
    tier__snapw_begin(w, "META", TIER__SNAP_REQUIRED);
    tier__snapw_u32(w, 1);
    tier__snapw_str(w, variant ? "libtier snapshot later" : "libtier snapshot golden",
                    variant ? 22 : 23);
    tier__snapw_i32(w, -5);
    tier__snapw_i64(w, INT64_MIN);
    tier__snapw_u64(w, UINT64_MAX);
    tier__snapw_f64(w, -0.0);
    tier__snapw_f64(w, 3.25);
    tier__snapw_u8(w, 7);
    tier__snapw_end(w);
    tier__snapw_section(w, "TIER", 0, tier, n);
    tier__snapw_section(w, "EMPT", 0, NULL, 0);
    tier__snapw_begin(w, "TIER", 0);
    tier__snapw_str(w, "second", 6);
    tier__snapw_end(w);
    tier__snapw_section(w, "XTRA", 0, "future\0data", 11);
}

/* The bytes of the sample (test_malloc'ed; free with test_free). */
static unsigned char *sample_bytes(int variant, size_t *len)
{
    tier__snapw w;
    const unsigned char *d;
    unsigned char *copy;
    tier__snapw_init(&w, A());
    sample(&w, variant);
    assert_int_equal(tier__snapw_finish(&w, &d, len), TIER_OK);
    copy = test_malloc(*len);
    memcpy(copy, d, *len);
    tier__snapw_free(&w);
    return copy;
}

static unsigned char *golden(size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/snapshot/golden.snap", TIER_SOURCE_DIR);
    return (unsigned char *)tst_read_file(path, len);
}

/* Parses `len` bytes and, when the status is not OK, checks that the message names the file. */
static int parse(const unsigned char *d, size_t len, char *err)
{
    tier__snapr r;
    int rc;
    err[0] = '\0';
    rc = tier__snapr_parse(&r, A(), d, len, "state.snap", err);
    if (rc == TIER_OK)
        tier__snapr_free(&r);
    else if (strncmp(err, "state.snap: ", 12) != 0)
        fail_msg("status %s without the file's name: '%s'", tier_status_name(rc), err);
    return rc;
}

static void expect_parts(const char *err, const char *a, const char *b)
{
    const char *parts[2];
    parts[0] = a;
    parts[1] = b;
    tst_expect_parts(err, parts, b ? 2 : 1);
}

/* ---- format and values ----------------------------------------------------------------------- */

static void test_snapshot_writer_matches_the_golden_file(void **state)
{
    size_t glen, len;
    unsigned char *g = golden(&glen), *mine = sample_bytes(0, &len);
    (void)state;
    assert_int_equal(glen, 1233);
    assert_int_equal(len, glen);
    assert_memory_equal(mine, g, glen);
    /* The fixed parts where the spec puts them. */
    assert_memory_equal(g, "TIERSNAP", 8);
    assert_int_equal(tier__snap_get32(g + 8), 1);
    assert_int_equal(tier__snap_get32(g + 16), 5);
    assert_int_equal(tier__snap_get32(g + 20), tier__crc32c(0, g, 20));
    assert_memory_equal(g + 24, "META", 4);
    assert_memory_equal(g + glen - 20, "TIEREND\0", 8);
    assert_int_equal(tier__snap_get64(g + glen - 12), glen);
    assert_int_equal(tier__snap_get32(g + glen - 4), tier__crc32c(0, g, glen - 4));
    test_free(g);
    test_free(mine);
}

static void test_snapshot_reads_back_every_value_written(void **state)
{
    char err[TIER__ERR_SIZE];
    size_t len, n;
    unsigned char *g = golden(&len);
    tier__snapr r;
    const tier__snap_section *s;
    tier__snapc c;
    uint32_t u32;
    int32_t i32;
    int64_t i64;
    uint64_t u64;
    uint8_t u8;
    double f;
    const char *str;
    const unsigned char *bytes;
    (void)state;
    assert_int_equal(tier__snapr_parse(&r, A(), g, len, "golden.snap", err), TIER_OK);
    assert_int_equal(r.count, 5);
    assert_int_equal(r.version, 1);
    s = tier__snapr_find(&r, "META", 0);
    assert_non_null(s);
    assert_int_equal(s->flags, TIER__SNAP_REQUIRED);
    assert_int_equal(s->at, 24);
    tier__snapr_cursor(&r, s, &c, err);
    assert_int_equal(tier__snapc_u32(&c, &u32), TIER_OK);
    assert_int_equal(u32, 1);
    assert_int_equal(tier__snapc_str(&c, 100, &str, &n), TIER_OK);
    assert_int_equal(n, 23);
    assert_memory_equal(str, "libtier snapshot golden", 23);
    assert_int_equal(tier__snapc_i32(&c, &i32), TIER_OK);
    assert_int_equal(i32, -5);
    assert_int_equal(tier__snapc_i64(&c, &i64), TIER_OK);
    assert_true(i64 == INT64_MIN);
    assert_int_equal(tier__snapc_u64(&c, &u64), TIER_OK);
    assert_true(u64 == UINT64_MAX);
    assert_int_equal(tier__snapc_f64(&c, &f), TIER_OK);
    assert_true(f == 0.0 && signbit(f)); /* -0 keeps its sign: the bit pattern is stored */
    assert_int_equal(tier__snapc_f64(&c, &f), TIER_OK);
    assert_true(f == 3.25);
    assert_int_equal(tier__snapc_u8(&c, &u8), TIER_OK);
    assert_int_equal(u8, 7);
    assert_int_equal(tier__snapc_done(&c), TIER_OK);
    /* Repeated tags are found in order. */
    s = tier__snapr_find(&r, "TIER", 0);
    assert_non_null(s);
    assert_int_equal(s->length, 1000);
    tier__snapr_cursor(&r, s, &c, err);
    assert_int_equal(tier__snapc_bytes(&c, 1000, &bytes), TIER_OK);
    assert_int_equal(bytes[999], (999 * 7 + 3) % 256);
    s = tier__snapr_find(&r, "TIER", tier__snapr_index(&r, s) + 1);
    assert_non_null(s);
    tier__snapr_cursor(&r, s, &c, err);
    assert_int_equal(tier__snapc_str(&c, 0, &str, &n), TIER_OK);
    assert_memory_equal(str, "second", 6);
    assert_null(tier__snapr_find(&r, "TIER", tier__snapr_index(&r, s) + 1));
    assert_null(tier__snapr_find(&r, "NONE", 0));
    assert_null(tier__snapr_find(&r, "TI", 0));
    assert_int_equal(tier__snapr_find(&r, "EMPT", 0)->length, 0);
    tier__snapr_free(&r);
    test_free(g);
}

static void test_snapshot_load_then_save_is_byte_identical(void **state)
{
    char err[TIER__ERR_SIZE];
    size_t len, len2, i;
    unsigned char *one = sample_bytes(1, &len);
    const unsigned char *again;
    const unsigned char *two;
    tst_faultfs fs;
    tier_io io;
    tier__snapr r;
    tier__snapw w;
    (void)state;
    tst_faultfs_init(&fs);
    io = tst_faultfs_io(&fs);
    /* save(x) through the I/O layer, load, save every section back (unknown ones included). */
    tier__snapw_init(&w, A());
    sample(&w, 1);
    assert_int_equal(tier__snapw_save(&w, &io, PATH, err), TIER_OK);
    tier__snapw_free(&w);
    two = tst_faultfs_get(&fs, PATH, &len2);
    assert_non_null(two);
    assert_int_equal(len2, len);
    assert_memory_equal(two, one, len);
    assert_int_equal(tier__snapr_load(&r, A(), &io, PATH, 0, err), TIER_OK);
    tier__snapw_init(&w, A());
    for (i = 0; i < r.count; i++)
        assert_int_equal(tier__snapw_copy(&w, &r, &r.sections[i]), TIER_OK);
    assert_int_equal(tier__snapw_finish(&w, &again, &len2), TIER_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(again, one, len);
    /* Finishing twice gives the same bytes; nothing can be added after it. */
    assert_int_equal(tier__snapw_finish(&w, &again, &len2), TIER_OK);
    assert_memory_equal(again, one, len);
    assert_int_equal(tier__snapw_begin(&w, "MORE", 0), TIER_EINVAL);
    tier__snapw_free(&w);
    tier__snapr_free(&r);
    assert_int_equal(fs.open_fds, 0);
    assert_int_equal(tst_faultfs_count(&fs), 1);
    /* An empty snapshot is valid too. */
    tier__snapw_init(&w, A());
    assert_int_equal(tier__snapw_finish(&w, &again, &len2), TIER_OK);
    assert_int_equal(len2, 44);
    assert_int_equal(parse(again, len2, err), TIER_OK);
    tier__snapw_free(&w);
    tst_faultfs_clear(&fs);
    test_free(one);
}

static void test_snapshot_cursor_never_reads_past_its_section(void **state)
{
    char err[TIER__ERR_SIZE];
    size_t len, n;
    unsigned char *g = golden(&len);
    tier__snapr r;
    tier__snapc c;
    uint32_t u32 = 42;
    uint64_t u64 = 42;
    const char *str = NULL;
    const unsigned char *bytes = NULL;
    (void)state;
    assert_int_equal(tier__snapr_parse(&r, A(), g, len, "golden.snap", err), TIER_OK);
    /* The second TIER section holds a string of 6 bytes: 10 bytes in all. */
    tier__snapr_cursor(&r, &r.sections[3], &c, err);
    assert_int_equal(tier__snapc_u64(&c, &u64), TIER_OK);
    assert_int_equal(tier__snapc_u32(&c, &u32), TIER_ECORRUPT);
    assert_int_equal(u32, 42);
    assert_string_equal(err, "golden.snap: section 'TIER' at byte 1152: truncated payload: a u32 "
                             "at payload byte 8 needs 4 bytes, 2 left");
    assert_int_equal(tier__snapc_left(&c), 2);
    assert_int_equal(tier__snapc_done(&c), TIER_ECORRUPT);
    expect_parts(err, "2 bytes left over after payload byte 8", NULL);
    assert_int_equal(tier__snapc_bytes(&c, 3, &bytes), TIER_ECORRUPT);
    assert_null(bytes);
    assert_int_equal(tier__snapc_bytes(&c, SIZE_MAX, &bytes), TIER_ECORRUPT);
    /* A string longer than allowed, or than what is left, leaves the cursor where it was. */
    tier__snapr_cursor(&r, &r.sections[3], &c, err);
    assert_int_equal(tier__snapc_str(&c, 5, &str, &n), TIER_ECORRUPT);
    expect_parts(err, "a string of 6 bytes at payload byte 0, more than the 5 allowed", NULL);
    assert_int_equal(tier__snapc_left(&c), 10);
    tier__snapr_cursor(&r, &r.sections[0], &c, err); /* META: u32 1, then a string of 23 */
    assert_int_equal(tier__snapc_u32(&c, &u32), TIER_OK);
    assert_int_equal(tier__snapc_bytes(&c, 60, &bytes), TIER_OK);
    assert_int_equal(tier__snapc_str(&c, 0, &str, &n), TIER_ECORRUPT);
    assert_int_equal(tier__snapc_left(&c), 4);
    /* A length prefix that points past the end (the u32 1 read as a string's length of 1 is
     * fine, the u64 max read as a length is not). */
    tier__snapr_cursor(&r, &r.sections[0], &c, err);
    assert_int_equal(tier__snapc_bytes(&c, 43, &bytes), TIER_OK);
    assert_int_equal(tier__snapc_str(&c, 0, &str, &n), TIER_ECORRUPT);
    expect_parts(err, "a string at payload byte 47 needs 4294967295 bytes", NULL);
    /* An empty section: everything overruns, done() holds. */
    tier__snapr_cursor(&r, tier__snapr_find(&r, "EMPT", 0), &c, err);
    assert_int_equal(tier__snapc_done(&c), TIER_OK);
    assert_int_equal(tier__snapc_u64(&c, &u64), TIER_ECORRUPT);
    tier__snapr_free(&r);
    test_free(g);
}

/* ---- damaged, cut and foreign files --------------------------------------------------------- */

static void test_snapshot_refuses_every_truncation(void **state)
{
    char err[TIER__ERR_SIZE];
    size_t len, cut;
    unsigned char *g = golden(&len);
    (void)state;
    for (cut = 0; cut < len; cut++) {
        /* A block of exactly `cut` bytes, so a read past it is a sanitizer finding. */
        unsigned char *d = test_malloc(cut ? cut : 1);
        memcpy(d, g, cut);
        if (parse(d, cut, err) != TIER_ECORRUPT)
            fail_msg("cut at %zu: not refused as damaged: %s", cut, err);
        if (cut == 0)
            assert_string_equal(err, "state.snap: empty file, not a libtier snapshot");
        else if (!strstr(err, "truncated at byte"))
            fail_msg("cut at %zu: '%s' does not say truncated", cut, err);
        test_free(d);
    }
    /* In the last section or in the trailer the full size is known. */
    assert_int_equal(parse(g, len - 1, err), TIER_ECORRUPT);
    assert_string_equal(err, "state.snap: truncated at byte 1232 of at least 1233 (section 'XTRA' "
                             "at byte 1182 declares 11 bytes)");
    assert_int_equal(parse(g, 100, err), TIER_ECORRUPT);
    assert_string_equal(err, "state.snap: truncated at byte 100 of at least 144 (the header "
                             "declares 5 sections)");
    assert_int_equal(parse(g, 500, err), TIER_ECORRUPT);
    assert_string_equal(err, "state.snap: truncated at byte 500 of at least 1152 (section 'TIER' "
                             "at byte 112 declares 1000 bytes)");
    test_free(g);
}

/* Flips bit `bit` of a copy of the file and parses it. */
static int parse_flipped(const unsigned char *g, size_t len, size_t bit, char *err)
{
    unsigned char *d = test_malloc(len);
    int rc;
    memcpy(d, g, len);
    d[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    rc = parse(d, len, err);
    test_free(d);
    return rc;
}

static void test_snapshot_refuses_every_bit_flip(void **state)
{
    char err[TIER__ERR_SIZE];
    size_t len, bit;
    unsigned char *g = golden(&len);
    (void)state;
    /* The header: the magic is checked first, then its checksum, before any field is used. */
    for (bit = 0; bit < 24 * 8; bit++) {
        assert_int_equal(parse_flipped(g, len, bit, err), TIER_ECORRUPT);
        expect_parts(err,
                     bit < 64 ? "not a libtier snapshot (bad magic)"
                              : "header at byte 0: checksum mismatch",
                     NULL);
    }
    /* Every other bit of the file. */
    for (; bit < len * 8; bit++)
        if (parse_flipped(g, len, bit, err) != TIER_ECORRUPT)
            fail_msg("bit %zu (byte %zu) flipped: not refused: %s", bit, bit / 8, err);
    /* What the messages say for a flip in a payload, a length, the trailer. */
    assert_int_equal(parse_flipped(g, len, (112 + 16 + 500) * 8, err), TIER_ECORRUPT);
    assert_string_equal(err, "state.snap: section 'TIER' at byte 112: checksum mismatch (stored "
                             "0xa8c63a4a, computed 0xdd01c6ed)");
    assert_int_equal(parse_flipped(g, len, (112 + 8) * 8 + 20, err), TIER_ECORRUPT);
    expect_parts(err, "section 'TIER' at byte 112: its length 1049576 runs past",
                 "(a damaged length)");
    assert_int_equal(parse_flipped(g, len, (len - 20) * 8, err), TIER_ECORRUPT);
    expect_parts(err, "trailer at byte 1213: bad magic", NULL);
    assert_int_equal(parse_flipped(g, len, (len - 12) * 8, err), TIER_ECORRUPT);
    expect_parts(err, "trailer at byte 1213: total length 1232 does not match the 1233 bytes",
                 NULL);
    assert_int_equal(parse_flipped(g, len, (len - 1) * 8, err), TIER_ECORRUPT);
    expect_parts(err, "trailer at byte 1213: file checksum mismatch", NULL);
    test_free(g);
}

/* Rewrites the header's checksum after a change to it (a well-formed header of other values). */
static void fix_header(unsigned char *d)
{
    tier__snap_put32(d + 20, tier__crc32c(0, d, 20));
}

static void test_snapshot_tells_a_newer_format_from_damage(void **state)
{
    static const char *const known[] = {"META", "TIER", "EMPT"};
    char err[TIER__ERR_SIZE];
    size_t len;
    unsigned char *g = golden(&len);
    unsigned char *d = test_malloc(len);
    tier__snapr r;
    (void)state;
    memcpy(d, g, len);
    tier__snap_put32(d + 8, 2);
    fix_header(d);
    assert_int_equal(parse(d, len, err), TIER_EVERSION);
    assert_string_equal(err, "state.snap: snapshot format version 2 is newer than this library's "
                             "(1): written by a newer libtier");
    tier__snap_put32(d + 8, 0);
    fix_header(d);
    assert_int_equal(parse(d, len, err), TIER_ECORRUPT);
    expect_parts(err, "format version 0 is not valid", NULL);
    tier__snap_put32(d + 8, 1);
    tier__snap_put32(d + 12, 4);
    fix_header(d);
    assert_int_equal(parse(d, len, err), TIER_EVERSION);
    expect_parts(err, "header at byte 12: flags 0x00000004 are unknown", NULL);
    /* Sections: an unknown one is kept; an unknown required one is refused by its reader. */
    assert_int_equal(tier__snapr_parse(&r, A(), g, len, "golden.snap", err), TIER_OK);
    assert_int_equal(tier__snapr_check_required(&r, known, 3, err), TIER_OK);
    assert_int_equal(tier__snapr_check_required(&r, known + 1, 2, err), TIER_EVERSION);
    assert_string_equal(err, "golden.snap: section 'META' at byte 24 is required but unknown to "
                             "this library (written by a newer libtier)");
    tier__snapr_free(&r);
    /* Foreign files and extra bytes. */
    assert_int_equal(parse((const unsigned char *)"libtier-policy 1\n", 17, err), TIER_ECORRUPT);
    assert_string_equal(err, "state.snap: not a libtier snapshot (bad magic)");
    assert_int_equal(parse((const unsigned char *)"TIER", 4, err), TIER_ECORRUPT);
    expect_parts(err, "truncated at byte 4 of at least 44", NULL);
    test_free(d);
    d = test_malloc(len + 3);
    memcpy(d, g, len);
    memcpy(d + len, "abc", 3);
    assert_int_equal(parse(d, len + 3, err), TIER_ECORRUPT);
    assert_string_equal(err, "state.snap: 3 bytes of unexpected data after the trailer's end at "
                             "byte 1233");
    test_free(d);
    test_free(g);
}

static void test_snapshot_refuses_100000_random_corruptions(void **state)
{
    char err[TIER__ERR_SIZE];
    size_t len, n;
    unsigned char *g = golden(&len);
    unsigned char *d = test_malloc(len + 64);
    long round, same = 0;
    tier__rng rng;
    (void)state;
    tier__rng_init(&rng, 20240607, 0x5A4B, 0, 0);
    for (round = 0; round < 100000; round++) {
        unsigned char *exact;
        int rc;
        n = tst_mutate(&rng, d, g, len);
        if (n == len && memcmp(d, g, len) == 0) {
            same++; /* the change undid itself: nothing to refuse */
            continue;
        }
        /* Parsed from a block of exactly n bytes, so any read past it is a sanitizer finding. */
        exact = test_malloc(n ? n : 1);
        memcpy(exact, d, n);
        rc = parse(exact, n, err);
        test_free(exact);
        if (rc != TIER_ECORRUPT)
            fail_msg("round %ld (%zu bytes): %s, want TIER_ECORRUPT: %s", round, n,
                     tier_status_name(rc), err);
    }
    assert_true(same < 1000);
    test_free(d);
    test_free(g);
}

/* ---- the writer's own checks ---------------------------------------------------------------- */

static void test_snapshot_writer_refuses_misuse(void **state)
{
    char err[TIER__ERR_SIZE];
    tier__snapw w;
    const unsigned char *d;
    size_t len;
    tst_faultfs fs;
    tier_io io;
    (void)state;
    tier__snapw_init(&w, A());
    assert_int_equal(tier__snapw_begin(&w, "bad!", 0), TIER_EINVAL);
    tier__snapw_free(&w);
    assert_int_equal(tier__snapw_begin(&w, "LONGER", 0), TIER_EINVAL);
    tier__snapw_free(&w);
    tier__snapw_u32(&w, 1); /* outside a section */
    assert_int_equal(tier__snapw_status(&w), TIER_EINVAL);
    tier__snapw_free(&w);
    assert_int_equal(tier__snapw_end(&w), TIER_EINVAL);
    tier__snapw_free(&w);
    assert_int_equal(tier__snapw_begin(&w, "ONE_", 0), TIER_OK);
    assert_int_equal(tier__snapw_begin(&w, "TWO_", 0), TIER_EINVAL);
    tier__snapw_free(&w);
    /* A section left open: nothing is written. */
    tst_faultfs_init(&fs);
    io = tst_faultfs_io(&fs);
    tst_faultfs_put(&fs, PATH, "old", 3);
    assert_int_equal(tier__snapw_begin(&w, "OPEN", 0), TIER_OK);
    assert_int_equal(tier__snapw_finish(&w, &d, &len), TIER_EINVAL);
    assert_null(d);
    assert_int_equal(tier__snapw_save(&w, &io, PATH, err), TIER_EINVAL);
    expect_parts(err, "save 'dir/state.snap': the snapshot was built wrongly", NULL);
    assert_int_equal(fs.ops, 0);
    tier__snapw_free(&w);
    /* An empty path and a table without the hooks a save needs. */
    assert_int_equal(tier__snapw_save(&w, &io, "", err), TIER_EINVAL);
    io.rename = NULL;
    assert_int_equal(tier__snapw_save(&w, &io, PATH, err), TIER_EINVAL);
    io = tst_faultfs_io(&fs);
    io.version = TIER_IO_VERSION + 1;
    assert_int_equal(tier__snapw_save(&w, &io, PATH, err), TIER_EVERSION);
    tier__snapw_free(&w);
    tst_faultfs_clear(&fs);
}

/* ---- crashes and I/O faults ------------------------------------------------------------------ */

/* Saves the sample `variant` through fs; returns the status (err holds the reason). */
static int save_sample(tst_faultfs *fs, int variant, char *err)
{
    tier_io io = tst_faultfs_io(fs);
    tier__snapw w;
    int rc;
    tier__snapw_init(&w, A());
    sample(&w, variant);
    rc = tier__snapw_save(&w, &io, PATH, err);
    tier__snapw_free(&w);
    return rc;
}

/* Loads PATH from fs; on success gives a copy of the file's bytes. */
static unsigned char *load_bytes(tst_faultfs *fs, size_t *len, int *rc, char *err)
{
    tier_io io = tst_faultfs_io(fs);
    tier__snapr r;
    unsigned char *d = NULL;
    *rc = tier__snapr_load(&r, A(), &io, PATH, 0, err);
    if (*rc != TIER_OK)
        return NULL;
    *len = r.len;
    d = test_malloc(r.len ? r.len : 1);
    memcpy(d, r.data, r.len);
    tier__snapr_free(&r);
    return d;
}

static const tst_save_case save_case = {PATH, "snapshot", save_sample, load_bytes, sample_bytes};

static void test_snapshot_save_crashed_after_every_operation_leaves_old_or_new(void **state)
{
    (void)state;
    tst_walk_save_crashes(&save_case);
}

static void test_snapshot_save_survives_every_failed_operation(void **state)
{
    (void)state;
    tst_walk_save_faults(&save_case);
}

static void test_snapshot_load_survives_every_failed_operation(void **state)
{
    static const int kinds[] = {TST_FAULT_EIO, TST_FAULT_ENOSPC, TST_FAULT_SHORT, TST_FAULT_EINTR};
    char err[TIER__ERR_SIZE];
    size_t len, k;
    unsigned char *g = golden(&len);
    int with_size;
    (void)state;
    for (with_size = 0; with_size <= 1; with_size++) {
        long total, n;
        tst_faultfs fs;
        tier_io io;
        tier__snapr r;
        tst_faultfs_init(&fs);
        fs.no_size = !with_size;
        tst_faultfs_put(&fs, PATH, g, len);
        io = tst_faultfs_io(&fs);
        assert_int_equal(tier__snapr_load(&r, A(), &io, PATH, 0, err), TIER_OK);
        tier__snapr_free(&r);
        total = fs.ops;
        tst_faultfs_clear(&fs);
        for (k = 0; k < TST_COUNT(kinds); k++) {
            for (n = 1; n <= total; n++) {
                const char *op;
                int rc;
                tst_faultfs_init(&fs);
                fs.no_size = !with_size;
                tst_faultfs_put(&fs, PATH, g, len);
                io = tst_faultfs_io(&fs);
                fs.fail_at = n;
                fs.fail_kind = kinds[k];
                rc = tier__snapr_load(&r, A(), &io, PATH, 0, err);
                op = tst_faultfs_op(&fs, n);
                assert_int_equal(fs.open_fds, 0);
                if (rc == TIER_OK) {
                    /* What was read is the file, whatever the fault. */
                    assert_int_equal(r.len, len);
                    assert_memory_equal(r.data, g, len);
                    tier__snapr_free(&r);
                }
                if (kinds[k] == TST_FAULT_SHORT || kinds[k] == TST_FAULT_EINTR ||
                    strcmp(op, "close") == 0 || strcmp(op, "size") == 0) {
                    /* Retried, continued, a size hint lost, or a close after all was read. */
                    if (rc != TIER_OK)
                        fail_msg("operation %ld (%s) failing with %s: %s", n, op,
                                 tst_fault_name(kinds[k]), err);
                } else if (rc != TIER_EIO) {
                    fail_msg("operation %ld (%s) failing with %s: got %s", n, op,
                             tst_fault_name(kinds[k]), tier_status_name(rc));
                } else {
                    expect_parts(err, "dir/state.snap: ",
                                 kinds[k] == TST_FAULT_EIO ? "Input/output error"
                                                           : "No space left on device");
                }
                tst_faultfs_clear(&fs);
            }
        }
    }
    test_free(g);
}

static void test_snapshot_load_limits_the_size_and_names_a_missing_file(void **state)
{
    char err[TIER__ERR_SIZE];
    size_t len;
    unsigned char *g = golden(&len);
    int with_size;
    (void)state;
    for (with_size = 0; with_size <= 1; with_size++) {
        tst_faultfs fs;
        tier_io io;
        tier__snapr r;
        tst_faultfs_init(&fs);
        fs.no_size = !with_size;
        io = tst_faultfs_io(&fs);
        tst_faultfs_put(&fs, PATH, g, len);
        assert_int_equal(tier__snapr_load(&r, A(), &io, PATH, 1232, err), TIER_ERANGE);
        expect_parts(err, "dir/state.snap: ", "larger than the limit of 1232 bytes");
        assert_int_equal(tier__snapr_load(&r, A(), &io, PATH, 1233, err), TIER_OK);
        tier__snapr_free(&r);
        assert_int_equal(tier__snapr_load(&r, A(), &io, "dir/none.snap", 0, err), TIER_ENOTFOUND);
        assert_string_equal(err, "dir/none.snap: cannot open: No such file or directory");
        assert_int_equal(fs.open_fds, 0);
        tst_faultfs_clear(&fs);
    }
    test_free(g);
}

/* ---- the I/O table's versions and the POSIX table ------------------------------------------- */

static int never_sync_dir(void *ud, const char *path)
{
    (void)ud;
    (void)path;
    fail_msg("sync_dir called on a table whose version does not have it");
    return 0;
}

static void test_io_tables_are_used_by_the_size_of_their_version(void **state)
{
    char err[TIER__ERR_SIZE];
    size_t old_len, new_len;
    unsigned char *old = sample_bytes(0, &old_len), *new_ = sample_bytes(1, &new_len);
    tst_faultfs fs;
    tier_io io, copy;
    int v;
    (void)state;
    for (v = 1; v <= TIER_IO_VERSION; v++) {
        tst_faultfs_init(&fs);
        fs.version = v;
        io = tst_faultfs_io(&fs);
        if (v < 3)
            io.sync_dir = never_sync_dir; /* beyond the table of that version: never read */
        tier__io_copy(&copy, &io);
        assert_true(v >= 2 ? copy.seek == io.seek : copy.seek == NULL);
        assert_true(v >= 3 ? copy.sync_dir == io.sync_dir : copy.sync_dir == NULL);
        tst_faultfs_put(&fs, PATH, old, old_len);
        assert_int_equal(tier__io_check(&io, TIER__IO_NEEDS_SAVE, err), TIER_OK);
        assert_int_equal(save_sample(&fs, 1, err), TIER_OK);
        /* save_sample makes its own table of fs->version: the same hooks. */
        assert_int_equal(fs.sync_dirs, v >= 3 ? 1 : 0);
        /* Without a directory sync the rename itself may be lost in a crash (old or new, never
         * damaged); with it the completed save survives. */
        tst_faultfs_crash(&fs, TST_CRASH_DROP);
        assert_int_equal(tst_save_loaded(&save_case, &fs, old, old_len, new_, new_len, "version"),
                         v >= 3);
        tst_faultfs_clear(&fs);
    }
    test_free(old);
    test_free(new_);
}

static void test_io_default_table_saves_loads_and_syncs_a_real_directory(void **state)
{
    char dir[] = "/tmp/tier-snap-XXXXXX";
    char path[96], err[TIER__ERR_SIZE];
    const tier_io *io = tier_io_default();
    size_t len;
    unsigned char *g = golden(&len);
    tier__snapw w;
    tier__snapr r;
    (void)state;
    assert_int_equal(io->version, TIER_IO_VERSION);
    assert_non_null(io->sync_dir);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/state.snap", dir);
    tier__snapw_init(&w, A());
    sample(&w, 0);
    assert_int_equal(tier__snapw_save(&w, NULL, path, err), TIER_OK);
    tier__snapw_free(&w);
    assert_int_equal(tier__snapr_load(&r, A(), NULL, path, 0, err), TIER_OK);
    assert_int_equal(r.len, len);
    assert_memory_equal(r.data, g, len);
    tier__snapr_free(&r);
    assert_int_equal(io->sync_dir(io->ud, path), 0);
    assert_int_equal(io->sync_dir(io->ud, "state.snap"), 0); /* the current directory */
    assert_int_equal(io->sync_dir(io->ud, "/state.snap"), 0);
    snprintf(path, sizeof path, "%s/missing/state.snap", dir);
    assert_int_equal(io->sync_dir(io->ud, path), -ENOENT);
    snprintf(path, sizeof path, "%s/state.snap", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    test_free(g);
}

/* ---- out of memory ----------------------------------------------------------------------------
 */

static int oom_save_load(const tier_allocator *alloc, void *ud)
{
    char err[TIER__ERR_SIZE];
    tier_allocator a = tst_internal_allocator(alloc);
    tst_faultfs fs;
    tier_io io;
    tier__snapw w;
    tier__snapr r;
    size_t i;
    int rc;
    (void)ud;
    tst_faultfs_init(&fs);
    io = tst_faultfs_io(&fs);
    tst_faultfs_put(&fs, PATH, "old", 3);
    tier__snapw_init(&w, &a);
    sample(&w, 1);
    rc = tier__snapw_save(&w, &io, PATH, err);
    tier__snapw_free(&w);
    if (rc == TIER_OK) {
        rc = tier__snapr_load(&r, &a, &io, PATH, 0, err);
        if (rc == TIER_OK) {
            /* And back out again, every section copied. */
            tier__snapw_init(&w, &a);
            for (i = 0; i < r.count; i++)
                tier__snapw_copy(&w, &r, &r.sections[i]);
            rc = tier__snapw_save(&w, &io, PATH, err);
            tier__snapw_free(&w);
            tier__snapr_free(&r);
        }
    } else {
        /* A failed save leaves the old file and nothing else. */
        size_t len;
        const unsigned char *d = tst_faultfs_get(&fs, PATH, &len);
        assert_non_null(d);
        assert_int_equal(len, 3);
        assert_int_equal(tst_faultfs_count(&fs), 1);
    }
    if (rc == TIER_ENOMEM)
        expect_parts(err, "out of memory", NULL);
    assert_int_equal(fs.open_fds, 0);
    tst_faultfs_clear(&fs);
    return rc;
}

TST_MAIN(cmocka_unit_test(test_snapshot_writer_matches_the_golden_file),
         cmocka_unit_test(test_snapshot_reads_back_every_value_written),
         cmocka_unit_test(test_snapshot_load_then_save_is_byte_identical),
         cmocka_unit_test(test_snapshot_cursor_never_reads_past_its_section),
         cmocka_unit_test(test_snapshot_refuses_every_truncation),
         cmocka_unit_test(test_snapshot_refuses_every_bit_flip),
         cmocka_unit_test(test_snapshot_tells_a_newer_format_from_damage),
         cmocka_unit_test(test_snapshot_refuses_100000_random_corruptions),
         cmocka_unit_test(test_snapshot_writer_refuses_misuse),
         cmocka_unit_test(test_snapshot_save_crashed_after_every_operation_leaves_old_or_new),
         cmocka_unit_test(test_snapshot_save_survives_every_failed_operation),
         cmocka_unit_test(test_snapshot_load_survives_every_failed_operation),
         cmocka_unit_test(test_snapshot_load_limits_the_size_and_names_a_missing_file),
         cmocka_unit_test(test_io_tables_are_used_by_the_size_of_their_version),
         cmocka_unit_test(test_io_default_table_saves_loads_and_syncs_a_real_directory),
         TST_OOM_WALK(test_snapshot_save_and_load_survive_every_failed_allocation, oom_save_load,
                      NULL, 6))
