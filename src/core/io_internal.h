/* SPDX-License-Identifier: MIT */
/* The one check of a host's I/O table (core/io.c), for every call that takes one, and the copy;
 * the one atomic file write and the one whole-file read through a table (core/io_file.c). */
#ifndef TIER_IO_INTERNAL_H
#define TIER_IO_INTERNAL_H

#include "util/internal.h"

/* The hooks a use of an I/O table needs. */
#define TIER__IO_NEEDS_READ 1u /* open, read, close */
#define TIER__IO_NEEDS_SAVE 2u /* open, write, sync, close, rename, remove */

/* Checks a host's I/O table for the uses in `needs` (TIER__IO_NEEDS_*): TIER_OK, TIER_EVERSION
 * (version 0, or a version newer than this library's) or TIER_EINVAL (a needed hook missing), the
 * reason written to err (TIER__ERR_SIZE bytes) on failure. */
int tier__io_check(const tier_io *io, unsigned needs, char *err);

/* What every call that names a file checks before anything is built or touched: an empty or NULL
 * path is TIER_EINVAL ("the <what> path is empty"), then the table (NULL: the default one) is
 * checked for `needs` (tier__io_check()). The reason is written to err on failure. */
int tier__io_check_path(const tier_io *io, unsigned needs, const char *path, const char *what,
                        char *err);

/* Copies a checked table by the size its version declares (hooks it lacks become NULL). */
void tier__io_copy(tier_io *dst, const tier_io *src);

/* What a handle's set_io call does: NULL puts the default table into *dst; another table is
 * checked for `needs` (tier__io_check()) and copied only when it passes. Returns the check's
 * status, the reason written to err on failure (then *dst is unchanged). */
int tier__io_set(tier_io *dst, const tier_io *io, unsigned needs, char *err);

/* ---- the POSIX table's targets (core/io.c) -------------------------------------------------- */

/* What a save through the POSIX table finds at its path. */
enum {
    TIER__TARGET_NEW = 1, /* nothing (or nothing that can be looked at): created */
    TIER__TARGET_REPLACE, /* a regular file: replaced atomically, keeping its permission bits */
    TIER__TARGET_DIRECT   /* a character device or a FIFO (/dev/stdout, /dev/null): written
                           * into directly, never replaced */
};

typedef struct tier__io_target {
    int kind;      /* TIER__TARGET_* */
    unsigned perm; /* permission bits of the file replaced */
    char *path;    /* the end of the path's symbolic links (allocated), or NULL: the path itself */
} tier__io_target;

/* Looks at `path` for a save through the POSIX table: symbolic links are followed (a dangling
 * one to the path it names), and the file at the end is classified. A directory, a block device,
 * a socket, a loop of links are refused. Returns TIER_OK (free t->path with tier__free), or
 * TIER_EINVAL / TIER_EIO / TIER_ENOMEM with the reason in err. */
int tier__io_posix_target(const tier_allocator *a, const char *path, tier__io_target *t, char *err);
/* Sets the permission bits of a file open through the POSIX table: 0 or a negative errno. */
int tier__io_posix_keep_mode(void *file, unsigned perm);
/* 1 when `io` is (a copy of) the POSIX table. */
int tier__io_is_posix(const tier_io *io);

/* ---- whole files through a table (core/io_file.c) ------------------------------------------- */

/* Every hook call of these helpers is retried while it returns -EINTR (up to this many times in a
 * row, then the call counts as failed), except `close`, after which the handle is gone anyway. */
#define TIER__IO_EINTR_TRIES 100

/* Hands `len` bytes at `data` to the file being written; returns 0, or non-zero once a write
 * failed (every later call then does nothing and returns non-zero too). */
typedef int (*tier__io_put_fn)(void *put_ud, const char *data, size_t len);

/* Produces the bytes of a file written by tier__io_write_atomic: calls put(put_ud, ...) for each
 * piece in order and returns TIER_OK, or a status of its own, with its reason written to the
 * helper's `err`, to abandon the write. After a failed put it should stop and return any non-OK
 * status: the helper then reports the I/O failure itself. */
typedef int (*tier__io_produce_fn)(void *ud, tier__io_put_fn put, void *put_ud);

/* Writes the file at `path` all or nothing: the bytes go to a free temporary name beside it
 * ("PATH.tmp", else "PATH.tmp-1", ...), which is synced, closed and renamed over `path`; then the
 * directory is synced when the table has `sync_dir` (version 3). On any failure before the rename
 * the temporary file is removed and `path` is untouched. `io` NULL is the default table; another
 * is checked (TIER__IO_NEEDS_SAVE) and used by the size its version declares. `a` is the caller's
 * (resolved) allocator, for the temporary name.
 * Returns TIER_OK; TIER_EINVAL (empty path, or a table without the hooks; TIER_EVERSION for a newer
 * one); TIER_ENOMEM; TIER_EIO naming the step, the file and the system's text ("save 'x': sync of
 * 'x.tmp' failed: Input/output error"), also when only the directory sync after the rename failed
 * (the new file is then in place but may not survive a crash, and the message says so); or the
 * producer's own status. The reason is written to err (TIER__ERR_SIZE bytes). */
int tier__io_write_atomic(const tier_io *io, const tier_allocator *a, const char *path,
                          tier__io_produce_fn produce, void *ud, char *err);

/* Reads the whole file at `path` into a block allocated with `a` (*data, *len; the block has one
 * byte more, set to 0; the caller frees it with tier__free). `max` is the most bytes accepted.
 * `io` as for tier__io_write_atomic (TIER__IO_NEEDS_READ); the `size` hook, when the table has
 * one, sizes the block and refuses an oversized file before reading it.
 * Returns TIER_OK; TIER_ENOTFOUND (the file does not exist); TIER_EIO ("PATH: cannot open: ...",
 * "PATH: read failed at byte N: ..."); TIER_ERANGE ("PATH: larger than the limit of N bytes");
 * TIER_ENOMEM; or the table check's status. The handle is always closed; on failure nothing is
 * returned. The reason is written to err. */
int tier__io_read_all(const tier_io *io, const tier_allocator *a, const char *path, uint64_t max,
                      unsigned char **data, size_t *len, char *err);

#endif
