/* SPDX-License-Identifier: MIT */
/**
 * @file io.h
 * @brief The replaceable file I/O layer used for every file libtier reads or writes.
 * @defgroup io File I/O layer
 *
 * By default libtier uses POSIX open/read/write/fsync/rename/close. A host (or a test that injects
 * faults) may pass its own table to any object that touches files. Each hook returns 0 or a
 * negative errno-style value (e.g. -EIO); read/write return the byte count or a negative value.
 * @{
 */
#ifndef TIER_IO_H
#define TIER_IO_H

#include "common.h"

TIER_BEGIN_DECL

/** Current version of ::tier_io (2 added `seek`, 3 added `sync_dir`, 4: `open` takes
 * TIER_IO_CREATE). @since 0.1.0 */
#define TIER_IO_VERSION 4

/** Open for reading. @since 0.1.0 */
#define TIER_IO_READ 1
/** Create or truncate for writing. @since 0.1.0 */
#define TIER_IO_WRITE 2
/** Create a new file for writing, failing with -EEXIST when anything (a symbolic link too) is
 * already at the path, atomically (POSIX `O_CREAT | O_EXCL`). An atomic save creates its
 * temporary file with it, so that two saves never write into one file; it is passed only to
 * tables of version 4 or later (older tables get a check that the name is free, then
 * TIER_IO_WRITE). @since 0.4.0 */
#define TIER_IO_CREATE 3

/**
 * File I/O hooks. `version` comes first; members are only ever appended. Handles are `void *`.
 * @since 0.1.0
 */
typedef struct tier_io {
    unsigned int version; /**< TIER_IO_VERSION */
    /** Opens `path` (TIER_IO_READ, TIER_IO_WRITE, or from version 4 TIER_IO_CREATE); sets `*out`
     * and returns 0, or a negative errno. */
    int (*open)(void *ud, const char *path, int mode, void **out);
    /** Reads up to `size` bytes; returns the count (0 at end of file) or a negative errno. */
    int64_t (*read)(void *ud, void *file, void *buf, size_t size);
    /** Writes up to `size` bytes; returns the count written or a negative errno. */
    int64_t (*write)(void *ud, void *file, const void *buf, size_t size);
    /** Flushes the file to stable storage; 0 or a negative errno. */
    int (*sync)(void *ud, void *file);
    /** Closes the file; 0 or a negative errno. The handle is gone either way. */
    int (*close)(void *ud, void *file);
    /** Atomically renames `from` to `to`; 0 or a negative errno. */
    int (*rename)(void *ud, const char *from, const char *to);
    /** Removes `path`; 0 or a negative errno. */
    int (*remove)(void *ud, const char *path);
    /** Size of the open file in bytes, or a negative errno (optional: may be NULL). */
    int64_t (*size)(void *ud, void *file);
    void *ud; /**< user pointer passed to every hook */
    /** Version 2. Moves a file opened for reading to byte `offset` from its start; 0 or a
     * negative errno (optional: may be NULL; a large input read in two parts then reads past
     * the first part instead of jumping over it). @since 0.2.0 */
    int (*seek)(void *ud, void *file, uint64_t offset);
    /** Version 3. Flushes the directory that holds `path` (the part before its last '/', or the
     * current directory when there is none) to stable storage, so that a file created in it or
     * renamed into it survives a crash; 0 or a negative errno (optional: may be NULL, then an
     * atomic save is still all or nothing but the rename may be lost in a crash). The POSIX
     * table opens the directory, fsyncs it and closes it, and treats a file system that cannot
     * sync directories (EINVAL, ENOTSUP) as success. @since 0.3.0 */
    int (*sync_dir)(void *ud, const char *path);
} tier_io;

/**
 * The built-in POSIX I/O table (static, never NULL).
 * @since 0.1.0
 */
TIER_API const tier_io *tier_io_default(void);

TIER_END_DECL

/** @} */
#endif
