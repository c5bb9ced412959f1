/* SPDX-License-Identifier: MIT */
/* The built-in POSIX I/O table (core/io.c) and the one check of a host's table: every hook
 * refuses NULL names and handles it cannot use with a negative errno (never a crash), a seek
 * beyond INT64_MAX and a directory name beyond PATH_MAX are refused before the system is asked,
 * a read larger than one chunk is cut to it; a save's target that is a socket or a symbolic link
 * too long to read is refused with the path named; a table without one of the hooks a use needs
 * names the hooks. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "support.h"

#include "core/io_internal.h"
#include "util/internal.h"

/* A handle of the POSIX table whose descriptor is not open (fd -1). */
#define BAD_HANDLE ((void *)0)

static void test_hooks_refuse_missing_names_and_closed_handles(void **state)
{
    const tier_io *io = tier_io_default();
    void *f = NULL;
    (void)state;
    assert_int_equal(io->open(io->ud, NULL, TIER_IO_READ, &f), -EINVAL);
    assert_int_equal(io->open(io->ud, "x", TIER_IO_READ, NULL), -EINVAL);
    assert_int_equal(io->open(io->ud, "x", 99, &f), -EINVAL);
    assert_null(f);
    assert_int_equal(io->rename(io->ud, NULL, "x"), -EINVAL);
    assert_int_equal(io->rename(io->ud, "x", NULL), -EINVAL);
    assert_int_equal(io->remove(io->ud, NULL), -EINVAL);
    assert_int_equal(io->sync_dir(io->ud, NULL), -EINVAL);
    /* a handle whose descriptor is not open: the system's EBADF */
    assert_int_equal(io->sync(io->ud, BAD_HANDLE), -EBADF);
    assert_int_equal(io->close(io->ud, BAD_HANDLE), -EBADF);
    assert_int_equal(io->size(io->ud, BAD_HANDLE), -EBADF);
    assert_int_equal(io->seek(io->ud, BAD_HANDLE, 0), -EBADF);
    assert_int_equal(io->seek(io->ud, BAD_HANDLE, (uint64_t)INT64_MAX + 1), -EINVAL);
    assert_int_equal(tier__io_posix_keep_mode(BAD_HANDLE, 0600), -EBADF);
}

static void test_reads_seeks_and_directory_syncs_of_a_real_file(void **state)
{
    const tier_io *io = tier_io_default();
    char dir[] = "/tmp/tier-io-posix-XXXXXX", path[96], buf[16], *longdir;
    void *f = NULL;
    FILE *fp;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/four", dir);
    assert_non_null(fp = fopen(path, "w"));
    assert_true(fputs("abcd", fp) >= 0);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(io->open(io->ud, path, TIER_IO_READ, &f), 0);
    assert_int_equal(io->size(io->ud, f), 4);
    /* more than one chunk asked for: one chunk is read, that is the 4 bytes there are. The
     * buffer is a mapping as large as the size asked for (the kernel may refuse a range beyond
     * the buffer with EFAULT); valgrind gets an in-bounds read of the stack buffer instead. */
    memset(buf, 0, sizeof buf);
    if (tst_under_valgrind()) {
        assert_int_equal(io->read(io->ud, f, buf, sizeof buf), 4);
    } else {
        size_t big = (size_t)1 << 31;
        char *wide = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(wide != MAP_FAILED);
        assert_int_equal(io->read(io->ud, f, wide, big), 4);
        memcpy(buf, wide, 4);
        assert_int_equal(munmap(wide, big), 0);
    }
    assert_memory_equal(buf, "abcd", 4);
    assert_int_equal(io->seek(io->ud, f, 2), 0);
    assert_int_equal(io->read(io->ud, f, buf, sizeof buf), 2);
    assert_memory_equal(buf, "cd", 2);
    assert_int_equal(io->sync(io->ud, f), 0);
    assert_int_equal(io->close(io->ud, f), 0);
    /* the directory of a path: its own, the root's, one that is not there, one too long */
    assert_int_equal(io->sync_dir(io->ud, path), 0);
    assert_int_equal(io->sync_dir(io->ud, "/tier-io-posix-no-such-file"), 0);
    assert_int_equal(io->sync_dir(io->ud, "/tmp/tier-io-posix-no-such-dir/x"), -ENOENT);
    longdir = malloc(5000);
    assert_non_null(longdir);
    memset(longdir, 'd', 4998);
    longdir[0] = '/';
    longdir[4998] = '/';
    longdir[4999] = '\0';
    assert_int_equal(io->sync_dir(io->ud, longdir), -ENAMETOOLONG);
    free(longdir);
    assert_int_equal(io->remove(io->ud, path), 0);
    assert_int_equal(io->remove(io->ud, path), -ENOENT);
    assert_int_equal(rmdir(dir), 0);
}

static void test_a_save_target_that_cannot_be_replaced_is_named(void **state)
{
    char dir[] = "/tmp/tier-io-posix-XXXXXX", sock[96], link[96], err[TIER__ERR_SIZE];
    char target[4096];
    struct sockaddr_un sa;
    tier__io_target t;
    int fd;
    (void)state;
    assert_non_null(mkdtemp(dir));
    /* a socket, directly and through a link */
    snprintf(sock, sizeof sock, "%s/sock", dir);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (const struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(tier__io_posix_target(TST_ALLOC, sock, &t, err), TIER_EINVAL);
    assert_non_null(
        strstr(err, "sock': it is a socket, not a regular file: refusing to replace it"));
    snprintf(link, sizeof link, "%s/to-sock", dir);
    assert_int_equal(symlink("sock", link), 0);
    assert_int_equal(tier__io_posix_target(TST_ALLOC, link, &t, err), TIER_EINVAL);
    assert_non_null(strstr(err, "its target '"));
    assert_non_null(strstr(err, "/sock' is a socket"));
    assert_null(t.path);
    assert_int_equal(unlink(link), 0);
    /* a link whose text fills the whole buffer cannot be read to its end */
    memset(target, 'n', sizeof target - 1);
    target[sizeof target - 1] = '\0';
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(tier__io_posix_target(TST_ALLOC, link, &t, err), TIER_EIO);
    assert_non_null(strstr(err, "cannot read the symbolic link"));
    assert_int_equal(unlink(link), 0);
    assert_int_equal(close(fd), 0);
    assert_int_equal(unlink(sock), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_a_link_target_without_memory_is_out_of_memory(void **state)
{
    char dir[] = "/tmp/tier-io-posix-XXXXXX", link[96], err[TIER__ERR_SIZE];
    tst_failing fails = {1, 1, 0, 0};
    tier_allocator none = tst_failing_allocator(&fails);
    tier__io_target t;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(link, sizeof link, "%s/l", dir);
    assert_int_equal(symlink("somewhere", link), 0);
    assert_int_equal(tier__io_posix_target(&none, link, &t, err), TIER_ENOMEM);
    assert_non_null(strstr(err, "/l': out of memory"));
    assert_int_equal(fails.failures, 1);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* ---- the check of a host's table ------------------------------------------------------------- */

typedef struct hook_case {
    unsigned needs;
    size_t offset; /* of the hook set to NULL */
    const char *says;
} hook_case;

#define HOOK(needs, member, says)                  \
    {                                              \
        (needs), offsetof(tier_io, member), (says) \
    }

static void test_a_table_without_a_needed_hook_names_the_hooks(void **state)
{
    static const char read_hooks[] = "needs the open, read and close hooks";
    static const char save_hooks[] = "needs the open, write, sync, close, rename and remove hooks";
    static const hook_case cases[] = {
        HOOK(TIER__IO_NEEDS_READ, open, read_hooks),
        HOOK(TIER__IO_NEEDS_READ, read, read_hooks),
        HOOK(TIER__IO_NEEDS_READ, close, read_hooks),
        HOOK(TIER__IO_NEEDS_SAVE, open, save_hooks),
        HOOK(TIER__IO_NEEDS_SAVE, write, save_hooks),
        HOOK(TIER__IO_NEEDS_SAVE, sync, save_hooks),
        HOOK(TIER__IO_NEEDS_SAVE, close, save_hooks),
        HOOK(TIER__IO_NEEDS_SAVE, rename, save_hooks),
        HOOK(TIER__IO_NEEDS_SAVE, remove, save_hooks),
        HOOK(TIER__IO_NEEDS_READ | TIER__IO_NEEDS_SAVE, read, save_hooks),
    };
    char err[TIER__ERR_SIZE];
    size_t i;
    (void)state;
    for (i = 0; i < TST_COUNT(cases); i++) {
        tier_io io = *tier_io_default();
        tier_io copy;
        memset((char *)&io + cases[i].offset, 0, sizeof io.open);
        err[0] = '\0';
        assert_int_equal(tier__io_check(&io, cases[i].needs, err), TIER_EINVAL);
        if (!strstr(err, cases[i].says))
            fail_msg("case %lu: \"%s\" does not say \"%s\"", (unsigned long)i, err, cases[i].says);
        /* a set that fails leaves the table it would replace as it was */
        copy = *tier_io_default();
        assert_int_equal(tier__io_set(&copy, &io, cases[i].needs, err), TIER_EINVAL);
        assert_memory_equal(&copy, tier_io_default(), sizeof copy);
        /* the hooks a use does not need may be missing */
        io = *tier_io_default();
        memset((char *)&io + cases[i].offset, 0, sizeof io.open);
        if (cases[i].needs == TIER__IO_NEEDS_READ && cases[i].offset == offsetof(tier_io, read))
            assert_int_equal(tier__io_check(&io, TIER__IO_NEEDS_SAVE, err), TIER_OK);
    }
}

TST_MAIN(cmocka_unit_test(test_hooks_refuse_missing_names_and_closed_handles),
         cmocka_unit_test(test_reads_seeks_and_directory_syncs_of_a_real_file),
         cmocka_unit_test(test_a_save_target_that_cannot_be_replaced_is_named),
         cmocka_unit_test(test_a_link_target_without_memory_is_out_of_memory),
         cmocka_unit_test(test_a_table_without_a_needed_hook_names_the_hooks))
