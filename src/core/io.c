/* SPDX-License-Identifier: MIT */
/* The default I/O table: plain POSIX file descriptors. */

/* open/O_CLOEXEC, read, write, fsync, rename, close: POSIX.1-2008, not C99. The library defines
 * _POSIX_C_SOURCE only in the files that use POSIX, before any include. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sync_file_range(): Linux only, used only where it exists */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/io_internal.h"

/* A write of at least this many bytes starts the disk writes of the file so far (Linux): large
 * outputs come in blocks of 128 KiB, small files' writes do not ask for a write each. */
#define IO_EARLY_WRITEBACK ((int64_t)1 << 16)
/* ... and asks again each time the file grows past a multiple of this: each request submits the
 * dirty pages as disk writes, which costs the writing thread more than copying them did when it
 * comes after every block (on a virtual machine, each submission is a call to the host). */
#define IO_WRITEBACK_EVERY ((int64_t)8 << 20)

/* One read or write never asks for more than this (read() beyond SSIZE_MAX is unspecified). */
#define IO_CHUNK_MAX ((size_t)1 << 30)

/* Handles carry fd + 1 so that a valid handle is never NULL. */
static int handle_fd(void *file)
{
    return (int)((intptr_t)file - 1);
}

/* The failure of the call that just failed as the table returns it: -errno (-EIO without one). */
static int neg_errno(void)
{
    return errno ? -errno : -EIO;
}

static int io_open(void *ud, const char *path, int mode, void **out)
{
    int fd, flags;
    (void)ud;
    if (!path || !out)
        return -EINVAL;
    if (mode == TIER_IO_READ)
        flags = O_RDONLY | O_CLOEXEC;
    else if (mode == TIER_IO_WRITE)
        flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
    else if (mode == TIER_IO_CREATE)
        flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
    else
        return -EINVAL;
    do {
        fd = open(path, flags, 0666);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return neg_errno();
    *out = (void *)((intptr_t)fd + 1);
    return 0;
}

/* One read() into `in` or, when `writing`, one write() from `from`, of at most IO_CHUNK_MAX bytes,
 * retried on EINTR: the byte count or -errno. */
static int64_t transfer(void *file, int writing, void *in, const void *from, size_t size)
{
    ssize_t n;
    if (size > IO_CHUNK_MAX)
        size = IO_CHUNK_MAX;
    do {
        n = writing ? write(handle_fd(file), from, size) : read(handle_fd(file), in, size);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? neg_errno() : (int64_t)n;
}

static int64_t io_read(void *ud, void *file, void *buf, size_t size)
{
    (void)ud;
    return transfer(file, 0, buf, NULL, size);
}

static int64_t io_write(void *ud, void *file, const void *buf, size_t size)
{
    int64_t n;
    (void)ud;
    n = transfer(file, 1, NULL, buf, size);
#if defined(__linux__) && defined(SYNC_FILE_RANGE_WRITE)
    /* Start the disk writes of what is written so far without waiting for them, so that the
     * fsync() before the file is renamed into place waits for the tail only. A hint: its failure
     * changes nothing (the fsync() still writes everything). */
    if (n >= IO_EARLY_WRITEBACK) {
        off_t end = lseek(handle_fd(file), 0, SEEK_CUR);
        if (end < 0 || end / IO_WRITEBACK_EVERY != (end - n) / IO_WRITEBACK_EVERY)
            (void)sync_file_range(handle_fd(file), 0, 0, SYNC_FILE_RANGE_WRITE);
    }
#endif
    return n;
}

static int io_sync(void *ud, void *file)
{
    int rc;
    (void)ud;
    do {
        rc = fsync(handle_fd(file));
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? neg_errno() : 0;
}

static int io_close(void *ud, void *file)
{
    (void)ud;
    /* Not retried on EINTR: the descriptor is released either way on Linux, and a retry could
     * close a descriptor another thread has just been given. */
    if (close(handle_fd(file)) < 0 && errno != EINTR)
        return neg_errno();
    return 0;
}

static int io_rename(void *ud, const char *from, const char *to)
{
    (void)ud;
    if (!from || !to)
        return -EINVAL;
    return rename(from, to) < 0 ? neg_errno() : 0;
}

static int io_remove(void *ud, const char *path)
{
    (void)ud;
    if (!path)
        return -EINVAL;
    return unlink(path) < 0 ? neg_errno() : 0;
}

static int64_t io_size(void *ud, void *file)
{
    struct stat st;
    (void)ud;
    if (fstat(handle_fd(file), &st) < 0)
        return neg_errno();
    /* Pipes and devices have no meaningful size. */
    if (!S_ISREG(st.st_mode))
        return 0;
    return (int64_t)st.st_size;
}

static int io_seek(void *ud, void *file, uint64_t offset)
{
    (void)ud;
    if (offset > (uint64_t)INT64_MAX)
        return -EINVAL;
    return lseek(handle_fd(file), (off_t)offset, SEEK_SET) < 0 ? neg_errno() : 0;
}

/* The directory part of `path` into dir (cap bytes): "." without a '/', "/" for "/name". */
static int dir_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n;
    if (!slash) {
        memcpy(dir, ".", 2);
        return 0;
    }
    n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= cap)
        return -ENAMETOOLONG;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return 0;
}

static int io_sync_dir(void *ud, const char *path)
{
    /* PATH_MAX on Linux: open() refuses a longer directory name anyway. */
    char dir[4096];
    int fd, rc;
    (void)ud;
    if (!path)
        return -EINVAL;
    rc = dir_of(path, dir, sizeof dir);
    if (rc)
        return rc;
    do {
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return neg_errno();
    do {
        rc = fsync(fd);
    } while (rc < 0 && errno == EINTR);
    /* Some file systems cannot sync a directory and say so: nothing more can be done there. */
    if (rc < 0 && (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP))
        rc = 0;
    rc = rc < 0 ? neg_errno() : 0;
    (void)close(fd);
    return rc;
}

/* ---- what a save to a path of the POSIX table replaces -------------------------------------- */

/* Most symbolic links followed, as the kernel's own limit (ELOOP). */
#define LINK_HOPS 40

/* `link` read from the symbolic link at `at` into a new path: as it is when absolute, else
 * relative to the directory of `at`. */
static char *link_target(const tier_allocator *a, const char *at, const char *link)
{
    const char *slash = strrchr(at, '/');
    size_t dlen = link[0] == '/' || !slash ? 0 : (size_t)(slash - at) + 1, llen = strlen(link);
    char *out = llen < SIZE_MAX - dlen ? tier__malloc(a, dlen + llen + 1) : NULL;
    if (!out)
        return NULL;
    memcpy(out, at, dlen);
    memcpy(out + dlen, link, llen + 1);
    return out;
}

int tier__io_posix_target(const tier_allocator *a, const char *path, tier__io_target *t, char *err)
{
    char *cur = NULL, link[4096];
    const char *at = path;
    struct stat st;
    int hops;
    memset(t, 0, sizeof *t);
    /* A device or a FIFO at the end of the links is opened through them, as a shell's `>` does:
     * /dev/stdout names a pipe by a link the kernel makes, which names no path. */
    if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        t->kind = TIER__TARGET_DIRECT;
        return TIER_OK;
    }
    for (hops = 0;; hops++) {
        ssize_t n;
        char *next;
        if (lstat(at, &st) != 0) {
            /* Nothing there (or nothing that can be looked at): the save creates it, and the
             * create reports what is wrong. */
            t->kind = TIER__TARGET_NEW;
            break;
        }
        if (!S_ISLNK(st.st_mode)) {
            t->kind = S_ISREG(st.st_mode)                           ? TIER__TARGET_REPLACE
                      : S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) ? TIER__TARGET_DIRECT
                                                                    : 0;
            t->perm = (unsigned)(st.st_mode & 07777);
            break;
        }
        if (hops == LINK_HOPS) {
            tier__errorf(err, "save '%s': more than %d symbolic links", path, LINK_HOPS);
            tier__free(a, cur);
            return TIER_EINVAL;
        }
        n = readlink(at, link, sizeof link - 1);
        if (n < 0 || (size_t)n >= sizeof link - 1) {
            tier__errorf(err, "save '%s': cannot read the symbolic link '%s'", path, at);
            tier__free(a, cur);
            return TIER_EIO;
        }
        link[n] = '\0';
        next = link_target(a, at, link);
        tier__free(a, cur);
        if (!next) {
            tier__errorf(err, "save '%s': out of memory", path);
            return TIER_ENOMEM;
        }
        at = cur = next;
    }
    if (!t->kind) {
        tier__errorf(err, "save '%s': %s%s%s is %s, not a regular file: refusing to replace it",
                     path, cur ? "its target '" : "it", cur ? cur : "", cur ? "'" : "",
                     S_ISDIR(st.st_mode)    ? "a directory"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "a special file");
        tier__free(a, cur);
        return TIER_EINVAL;
    }
    t->path = cur;
    return TIER_OK;
}

int tier__io_posix_keep_mode(void *file, unsigned perm)
{
    return fchmod(handle_fd(file), (mode_t)perm) < 0 ? neg_errno() : 0;
}

int tier__io_is_posix(const tier_io *io)
{
    return io->open == io_open;
}

static const tier_io default_io = {TIER_IO_VERSION, io_open,  io_read,   io_write,
                                   io_sync,         io_close, io_rename, io_remove,
                                   io_size,         NULL,     io_seek,   io_sync_dir};

const tier_io *tier_io_default(void)
{
    return &default_io;
}

void tier__io_copy(tier_io *dst, const tier_io *src)
{
    /* A table has the members of its version and no more (a version-1 table ends at `ud`, a
     * version-2 one at `seek`): copy only those, the rest stays NULL. The version is kept as the
     * host gave it, so a reader of the copy may also go by it. */
    size_t size = src->version >= 3   ? sizeof *dst
                  : src->version == 2 ? offsetof(tier_io, sync_dir)
                                      : offsetof(tier_io, seek);
    memset(dst, 0, sizeof *dst);
    memcpy(dst, src, size);
}

int tier__io_set(tier_io *dst, const tier_io *io, unsigned needs, char *err)
{
    int rc;
    if (!io) {
        *dst = default_io;
        return TIER_OK;
    }
    rc = tier__io_check(io, needs, err);
    if (rc == TIER_OK)
        tier__io_copy(dst, io);
    return rc;
}

int tier__io_check(const tier_io *io, unsigned needs, char *err)
{
    int ok = 1;
    if (io->version > TIER_IO_VERSION) {
        tier__errorf(err, "I/O table version %u is newer than this library's (%d)", io->version,
                     TIER_IO_VERSION);
        return TIER_EVERSION;
    }
    if (io->version == 0) {
        /* No version at all, as for a model's vtable: not a layout this library knows. */
        tier__errorf(err, "I/O table version 0: set it to TIER_IO_VERSION (%d)", TIER_IO_VERSION);
        return TIER_EVERSION;
    }
    if (needs & TIER__IO_NEEDS_READ)
        ok = ok && io->open && io->read && io->close;
    if (needs & TIER__IO_NEEDS_SAVE)
        ok = ok && io->open && io->write && io->sync && io->close && io->rename && io->remove;
    if (!ok) {
        tier__errorf(err, "I/O table needs the %s hooks",
                     (needs & TIER__IO_NEEDS_SAVE) ? "open, write, sync, close, rename and remove"
                                                   : "open, read and close");
        return TIER_EINVAL;
    }
    return TIER_OK;
}
