/* SPDX-License-Identifier: MIT */
/* Regressions from the hostile run (issue 12): sizes that overflow, NULL with a length, and the
 * library calls behind the defects that the command-line and Python tests check end to end. Each
 * test failed before its fix. */
/* mknod: XSI. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "support.h"

#include "tier/book.h"
#include "tier/clv.h"
#include "tier/frame.h"
#include "tier/model.h"
#include "tier/csv.h"
#include "tier/pipeline.h"
#include "tier/policy.h"
#include "tier/result.h"
#include "core/io_internal.h"
#include "util/internal.h"

/* ---- 5: size multiplications ----------------------------------------------------------------- */

/* An allocator that refuses blocks over 1 GiB and remembers the largest request, so that a test
 * sees that no wrapped (small) size was asked for. */
typedef struct big_alloc {
    size_t largest;
    long refused;
} big_alloc;

static void *big_malloc(void *ud, size_t size)
{
    big_alloc *b = ud;
    if (size > b->largest)
        b->largest = size;
    if (size > ((size_t)1 << 30)) {
        b->refused++;
        return NULL;
    }
    return test_malloc(size);
}

static void *big_realloc(void *ud, void *p, size_t size)
{
    big_alloc *b = ud;
    if (size > b->largest)
        b->largest = size;
    if (size > ((size_t)1 << 30)) {
        b->refused++;
        return NULL;
    }
    return test_realloc(p, size);
}

static void big_free(void *ud, void *p)
{
    (void)ud;
    test_free(p);
}

static tier_allocator big_allocator(big_alloc *b)
{
    tier_allocator a;
    memset(b, 0, sizeof *b);
    a.alloc = big_malloc;
    a.realloc = big_realloc;
    a.free = big_free;
    a.ud = b;
    return a;
}

static void test_size_mul_refuses_what_does_not_fit(void **s)
{
    size_t out = 0;
    (void)s;
    assert_int_equal(tier__size_mul(3, 5, &out), 0);
    assert_int_equal(out, 15);
    assert_int_equal(tier__size_mul(0, SIZE_MAX, &out), 0);
    assert_int_equal(out, 0);
    assert_int_equal(tier__size_mul(SIZE_MAX, 1, &out), 0);
    assert_int_equal(tier__size_mul(SIZE_MAX / 8 + 1, 8, &out), 1);
    assert_true(out == SIZE_MAX);
    assert_int_equal(
        tier__size_mul((size_t)1 << (sizeof(size_t) * 4), (size_t)1 << (sizeof(size_t) * 4), &out),
        1);
    assert_null(tier__malloc_n(TST_ALLOC, SIZE_MAX / 4, 8));
    assert_null(tier__realloc_n(TST_ALLOC, NULL, SIZE_MAX / 2 + 1, 2));
    assert_null(tier__calloc(TST_ALLOC, SIZE_MAX / 2 + 1, 2));
}

/* A frame of more rows than a column of numbers can address is refused when it is created; one
 * that can be addressed but not allocated fails with TIER_ENOMEM when a column is added, and no
 * allocation smaller than the column is ever asked for (before the fix, rows * 8 wrapped around
 * and the add returned TIER_OK with an 8-byte column). */
static void test_frame_of_huge_row_count(void **s)
{
    big_alloc b;
    tier_allocator a = big_allocator(&b);
    const char *labels[] = {"x"};
    tier_frame *f = (tier_frame *)&b;
    double *num = NULL;
    int32_t *codes = NULL;
    (void)s;
    assert_int_equal(tier_frame_new(&f, SIZE_MAX / 4 + 1, &a), TIER_ERANGE);
    assert_null(f);
    assert_int_equal(tier_frame_new(&f, SIZE_MAX, &a), TIER_ERANGE);
    assert_int_equal(tier_frame_new(&f, SIZE_MAX / 8, &a), TIER_OK);
    assert_int_equal(tier_frame_rows(f), SIZE_MAX / 8);
    assert_int_equal(tier_frame_add_numbers(f, "n", &num), TIER_ENOMEM);
    assert_null(num);
    assert_int_equal(tier_frame_add_labels(f, "l", labels, 1, &codes), TIER_ENOMEM);
    assert_null(codes);
    assert_int_equal(tier_frame_column_count(f), 0);
    assert_true(b.refused >= 2);
    assert_true(b.largest >= (SIZE_MAX / 8) * sizeof(int32_t));
    tier_frame_free(f);
}

/* ---- 6: NULL with a length ------------------------------------------------------------------- */

static void test_null_id_with_a_length_is_einval(void **s)
{
    tier_book *book = NULL;
    size_t index = 7;
    (void)s;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_txn(book, NULL, 5, 19000, 1.0, NAN), TIER_EINVAL);
    assert_string_equal(tier_book_last_error(book), "the customer id is NULL but its length is 5");
    assert_int_equal(tier_book_add_customer(book, NULL, 3, &index), TIER_EINVAL);
    assert_string_equal(tier_book_last_error(book), "the customer id is NULL but its length is 3");
    assert_int_equal(index, 7);
    assert_int_equal(tier_book_add_customer(book, NULL, 0, &index), TIER_EINVAL);
    assert_int_equal(tier_book_add_txn(book, NULL, 0, 19000, 1.0, NAN), TIER_EINVAL);
    /* The same once the id table exists (a lookup used to hash the NULL id first). */
    assert_int_equal(tier_book_add_txn(book, "a", 1, 19000, 1.0, NAN), TIER_OK);
    assert_int_equal(tier_book_add_txn(book, NULL, 1, 19000, 1.0, NAN), TIER_EINVAL);
    assert_int_equal(tier_book_add_customer(book, NULL, SIZE_MAX, &index), TIER_EINVAL);
    assert_int_equal(tier_book_customer_count(book), 1);
    assert_int_equal(tier_book_txn_count(book), 1);
    assert_int_equal(tier_book_find(book, NULL, 1, &index), TIER_ENOTFOUND);
    tier_book_free(book);
}

static void test_model_load_of_null_text(void **s)
{
    tier_model *m = NULL;
    (void)s;
    assert_int_equal(tier_clv_new(&m, "clv", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_load(m, NULL, 0), TIER_ECORRUPT);
    assert_non_null(strstr(tier_model_last_error(m), "not a libtier model state"));
    assert_int_equal(tier_model_load(m, NULL, 10), TIER_EINVAL);
    assert_int_equal(tier_model_load(m, "", 0), TIER_ECORRUPT);
    tier_model_free(m);
}

/* ---- 2: two saves at once never share a temporary file ----------------------------------------
 */

static int put_new(void *ud, tier__io_put_fn put, void *put_ud)
{
    const char *text = ud;
    return put(put_ud, text, strlen(text)) ? TIER_EIO : TIER_OK;
}

/* A memory file system on which another save takes "out.csv.tmp" between this save's check
 * that the name is free and its create (the race of two `tier run --out out.csv`). */
typedef struct racing_fs {
    tst_memfs fs;
    tier_io base;
    int raced;
} racing_fs;

static int racing_open(void *ud, const char *path, int mode, void **out)
{
    racing_fs *r = ud;
    if (mode != TIER_IO_READ && !r->raced && strcmp(path, "out.csv.tmp") == 0) {
        r->raced = 1;
        tst_memfs_put(&r->fs, "out.csv.tmp", "the other save's half\n", 22);
    }
    return r->base.open(r->base.ud, path, mode, out);
}

static void test_atomic_save_creates_its_temporary_file_exclusively(void **s)
{
    racing_fs r;
    tier_io io;
    char err[TIER__ERR_SIZE];
    (void)s;
    memset(&r, 0, sizeof r);
    r.base = tst_memfs_io(&r.fs);
    io = r.base;
    io.open = racing_open;
    io.ud = &r;
    tst_memfs_put(&r.fs, "out.csv", "old\n", 4);
    assert_int_equal(tier__io_write_atomic(&io, TST_ALLOC, "out.csv", put_new, "new\n", err),
                     TIER_OK);
    assert_true(r.raced);
    /* The other save's file is left alone; this one went to the next name. */
    assert_string_equal(tst_memfs_find(&r.fs, "out.csv.tmp")->data, "the other save's half\n");
    assert_string_equal(r.fs.written_name, "out.csv.tmp-1");
    assert_string_equal(tst_memfs_find(&r.fs, "out.csv")->data, "new\n");
    assert_null(tst_memfs_find(&r.fs, "out.csv.tmp-1"));
    assert_int_equal(r.fs.opens, r.fs.closes);
    tst_memfs_clear(&r.fs);
}

/* The POSIX table creates with O_EXCL: a name in use, a symbolic link included, is EEXIST. */
static void test_posix_create_is_exclusive(void **s)
{
    char dir[] = "/tmp/tier-hostile-XXXXXX", path[96], link[96];
    const tier_io *io = tier_io_default();
    void *f = NULL;
    (void)s;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/a", dir);
    snprintf(link, sizeof link, "%s/l", dir);
    assert_int_equal(io->open(io->ud, path, TIER_IO_CREATE, &f), 0);
    assert_int_equal(io->close(io->ud, f), 0);
    assert_int_equal(io->open(io->ud, path, TIER_IO_CREATE, &f), -EEXIST);
    assert_int_equal(symlink("nowhere", link), 0);
    assert_int_equal(io->open(io->ud, link, TIER_IO_CREATE, &f), -EEXIST);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* ---- 4: a save onto a link, a device, a FIFO, a directory; permissions ----------------------- */

static char *slurp(const char *path)
{
    size_t len;
    return tst_read_file(path, &len);
}

static void test_atomic_save_onto_links_devices_and_directories(void **s)
{
    char dir[] = "/tmp/tier-hostile-XXXXXX", path[96], link[96], rel[96], sub[96];
    char dev_null[96], dev_full[96], err[TIER__ERR_SIZE];
    struct stat st;
    char *text;
    int own;
    (void)s;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/target.csv", dir);
    snprintf(link, sizeof link, "%s/link.csv", dir);
    snprintf(rel, sizeof rel, "%s/rel.csv", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    /* The permission bits of the file replaced are kept. */
    assert_int_equal(tier__io_write_atomic(NULL, TST_ALLOC, path, put_new, "old\n", err), TIER_OK);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(tier__io_write_atomic(NULL, TST_ALLOC, path, put_new, "one\n", err), TIER_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    /* A symbolic link (absolute, then relative, then a chain) stays a link; the file it names is
     * replaced, with its permissions. */
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(symlink("link.csv", rel), 0);
    assert_int_equal(tier__io_write_atomic(NULL, TST_ALLOC, link, put_new, "two\n", err), TIER_OK);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(text = slurp(path), "two\n");
    test_free(text);
    assert_int_equal(tier__io_write_atomic(NULL, TST_ALLOC, rel, put_new, "three\n", err), TIER_OK);
    assert_int_equal(lstat(rel, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(text = slurp(path), "three\n");
    test_free(text);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    /* A dangling link: the file it names is created. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(tier__io_write_atomic(NULL, TST_ALLOC, rel, put_new, "four\n", err), TIER_OK);
    assert_string_equal(text = slurp(path), "four\n");
    test_free(text);
    /* A character device is written into, not replaced: a null and a full device of the test's
     * own when it may make them (as root, where a regression would replace the system's), else
     * the system's, which a user cannot replace anyway. */
    snprintf(dev_null, sizeof dev_null, "%s/null", dir);
    snprintf(dev_full, sizeof dev_full, "%s/full", dir);
    own = mknod(dev_null, S_IFCHR | 0666, makedev(1, 3)) == 0 &&
          mknod(dev_full, S_IFCHR | 0666, makedev(1, 7)) == 0;
    if (!own) {
        (void)unlink(dev_null);
        snprintf(dev_null, sizeof dev_null, "/dev/null");
        snprintf(dev_full, sizeof dev_full, "/dev/full");
    }
    assert_int_equal(tier__io_write_atomic(NULL, TST_ALLOC, dev_null, put_new, "x\n", err),
                     TIER_OK);
    assert_int_equal(lstat(dev_null, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    /* A full device names the reason. */
    if (lstat(dev_full, &st) == 0 && S_ISCHR(st.st_mode)) {
        assert_int_equal(tier__io_write_atomic(NULL, TST_ALLOC, dev_full, put_new, "x\n", err),
                         TIER_EIO);
        assert_non_null(strstr(err, "': write failed: No space left on device"));
        assert_int_equal(lstat(dev_full, &st), 0);
        assert_true(S_ISCHR(st.st_mode));
    }
    if (own) {
        assert_int_equal(unlink(dev_null), 0);
        assert_int_equal(unlink(dev_full), 0);
    }
    /* A directory, also behind a link, is refused and left alone. */
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(tier__io_write_atomic(NULL, TST_ALLOC, sub, put_new, "x\n", err), TIER_EINVAL);
    assert_non_null(strstr(err, "is a directory, not a regular file: refusing to replace it"));
    assert_int_equal(unlink(link), 0);
    assert_int_equal(symlink("sub", link), 0);
    assert_int_equal(tier__io_write_atomic(NULL, TST_ALLOC, link, put_new, "x\n", err),
                     TIER_EINVAL);
    assert_non_null(strstr(err, "/sub' is a directory"));
    /* A loop of links. */
    assert_int_equal(unlink(link), 0);
    assert_int_equal(symlink("link.csv", link), 0);
    assert_int_equal(tier__io_write_atomic(NULL, TST_ALLOC, link, put_new, "x\n", err),
                     TIER_EINVAL);
    assert_non_null(strstr(err, "more than 40 symbolic links"));
    assert_int_equal(stat(sub, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(unlink(link), 0);
    assert_int_equal(unlink(rel), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* ---- 10: blank lines before the header ------------------------------------------------------- */

/* The reader skips blank lines before the header; the sniffer looks past them too (before the
 * fix an empty first line gave the whitespace delimiter and no customer_id). */
static void test_sniff_skips_blank_lines_before_the_header(void **s)
{
    static const char *const heads[] = {
        "\ncustomer_id,date,amount\nA,2024-01-01,5\n",
        "\r\n  \t\r\n\ncustomer_id,date,amount\r\n",
        "\xEF\xBB\xBF\n \ncustomer_id,date,amount",
    };
    size_t k;
    (void)s;
    for (k = 0; k < TST_COUNT(heads); k++) {
        int delim = 0;
        const char *col = NULL;
        assert_int_equal(tier_pipeline_sniff(heads[k], strlen(heads[k]), TIER_PIPELINE_ROLE_ID,
                                             &delim, &col, TST_ALLOC),
                         TIER_OK);
        assert_int_equal(delim, ',');
        assert_string_equal(col, "customer_id");
        delim = 0;
        assert_int_equal(tier_pipeline_sniff(heads[k], strlen(heads[k]), TIER_PIPELINE_ROLE_AMOUNT,
                                             &delim, &col, TST_ALLOC),
                         TIER_OK);
        assert_string_equal(col, "amount");
    }
}

/* ---- 12: the smaller ones -----------------------------------------------------------------------
 */

/* A model whose callbacks answer 1, which is no status. */
static size_t one_count(void *state)
{
    (void)state;
    return 0;
}

static int one_info(void *state, size_t i, const char **name, int *type)
{
    (void)state;
    (void)i;
    (void)name;
    (void)type;
    return 1;
}

static int one_score(void *state, const tier_book *book, tier_frame *frame)
{
    (void)state;
    (void)book;
    (void)frame;
    return 1;
}

static int one_fit(void *state, const tier_book *book, const tier_frame *inputs)
{
    (void)state;
    (void)book;
    (void)inputs;
    return 1;
}

/* A callback's positive return is TIER_EUSER, never passed on (tier_result_run returned 1). */
static void test_positive_callback_status_is_euser(void **s)
{
    static const char text[] = "libtier-policy 1\nmodel m = one\ntier S {\n  rule \"any\" when "
                               "m.v >= 0\n}\n";
    tier_model_vtable vt;
    tier_model *m = NULL;
    tier_book *book = NULL;
    tier_policy *pol = NULL;
    tier_result *res = NULL;
    tier_frame *f = NULL;
    (void)s;
    memset(&vt, 0, sizeof vt);
    vt.version = 1;
    vt.output_count = one_count;
    vt.output_info = one_info;
    vt.score = one_score;
    assert_int_equal(tier_book_new(&book, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_book_add_txn(book, "a", 1, 19000, 5, NAN), TIER_OK);
    assert_int_equal(tier_model_new(&m, &vt, NULL, "m", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_frame_new(&f, 1, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_score(m, book, f), TIER_EUSER);
    assert_int_equal(tier_policy_new(&pol, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_policy_load_string(pol, text, strlen(text), "t"), TIER_OK);
    assert_int_equal(tier_result_new(&res, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_result_run(res, book, &m, 1, pol), TIER_EUSER);
    tier_model_free(m);
    vt.fit = one_fit;
    assert_int_equal(tier_model_new(&m, &vt, NULL, "m", TST_ALLOC), TIER_OK);
    assert_int_equal(tier_model_fit(m, book, f), TIER_EUSER);
    assert_int_equal(tier_result_run(res, book, &m, 1, pol), TIER_EUSER);
    tier_result_free(res);
    tier_policy_free(pol);
    tier_frame_free(f);
    tier_model_free(m);
    tier_book_free(book);
}

/* Version 0 of a host's table is no version: TIER_EVERSION, as a model's vtable of version 0. */
static void test_version_zero_tables_are_eversion(void **s)
{
    tier_io io = *tier_io_default();
    tier_executor ex;
    tier_csv *csv = NULL;
    tier_pipeline *p = NULL;
    (void)s;
    io.version = 0;
    memset(&ex, 0, sizeof ex);
    assert_int_equal(tier_csv_new(&csv, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_csv_set_io(csv, &io), TIER_EVERSION);
    assert_non_null(strstr(tier_csv_last_error(csv), "I/O table version 0"));
    assert_int_equal(tier_pipeline_new(&p, TST_ALLOC), TIER_OK);
    assert_int_equal(tier_pipeline_set_io(p, &io), TIER_EVERSION);
    assert_int_equal(tier_pipeline_set_executor(p, &ex), TIER_EVERSION);
    assert_string_equal(tier_pipeline_last_error(p), "executor version 0: set it to 2");
    tier_pipeline_free(p);
    tier_csv_free(csv);
}

TST_MAIN(cmocka_unit_test(test_size_mul_refuses_what_does_not_fit),
         cmocka_unit_test(test_frame_of_huge_row_count),
         cmocka_unit_test(test_null_id_with_a_length_is_einval),
         cmocka_unit_test(test_model_load_of_null_text),
         cmocka_unit_test(test_atomic_save_creates_its_temporary_file_exclusively),
         cmocka_unit_test(test_posix_create_is_exclusive),
         cmocka_unit_test(test_atomic_save_onto_links_devices_and_directories),
         cmocka_unit_test(test_sniff_skips_blank_lines_before_the_header),
         cmocka_unit_test(test_positive_callback_status_is_euser),
         cmocka_unit_test(test_version_zero_tables_are_eversion))
