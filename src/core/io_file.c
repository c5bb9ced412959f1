/* SPDX-License-Identifier: MIT */
/* Whole files through an I/O table: the one atomic write (temporary file beside the target, sync,
 * rename, directory sync) used by every saver, and the one bounded whole-file read. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/io_internal.h"
#include "util/errtext.h"

/* Temporary names tried beside the target: "<path>.tmp", "<path>.tmp-1", ... */
#define TEMP_TRIES 1000
/* Most bytes handed to one write call. */
#define WRITE_CHUNK ((size_t)1 << 30)
/* First block of a read whose size is not known in advance. */
#define READ_FIRST ((size_t)64 * 1024)

/* ---- hook calls, retried on EINTR ------------------------------------------------------------ */

static int call_open(const tier_io *io, const char *path, int mode, void **f)
{
    int rc, tries = 0;
    do {
        *f = NULL;
        rc = io->open(io->ud, path, mode, f);
    } while (rc == -EINTR && ++tries < TIER__IO_EINTR_TRIES);
    if (rc == 0 && !*f)
        rc = -EIO; /* a table that says it opened but gave no handle */
    return rc > 0 ? -EIO : rc;
}

static int call_sync(const tier_io *io, void *f)
{
    int rc, tries = 0;
    do
        rc = io->sync(io->ud, f);
    while (rc == -EINTR && ++tries < TIER__IO_EINTR_TRIES);
    return rc > 0 ? -EIO : rc;
}

/* Not retried: the handle is gone after the call whatever it returned, and EINTR is no error. */
static int call_close(const tier_io *io, void *f)
{
    int rc = io->close(io->ud, f);
    return rc == -EINTR ? 0 : rc > 0 ? -EIO : rc;
}

static int call_rename(const tier_io *io, const char *from, const char *to)
{
    int rc, tries = 0;
    do
        rc = io->rename(io->ud, from, to);
    while (rc == -EINTR && ++tries < TIER__IO_EINTR_TRIES);
    return rc > 0 ? -EIO : rc;
}

static int call_sync_dir(const tier_io *io, const char *path)
{
    int rc, tries = 0;
    do
        rc = io->sync_dir(io->ud, path);
    while (rc == -EINTR && ++tries < TIER__IO_EINTR_TRIES);
    return rc > 0 ? -EIO : rc;
}

/* Removes a temporary file after a failure: once more after an error other than "gone" (EINTR
 * does not count). */
static void remove_temp(const tier_io *io, const char *path)
{
    int tries, errors = 0;
    for (tries = 0; tries < TIER__IO_EINTR_TRIES; tries++) {
        int rc = io->remove(io->ud, path);
        if (rc == 0 || rc == -ENOENT)
            return;
        if (rc != -EINTR && ++errors == 2)
            return;
    }
}

/* ---- atomic write ---------------------------------------------------------------------------- */

typedef struct put_ctx {
    const tier_io *io;
    void *file;
    int io_rc; /* negative errno of the failed write; 0 while all went well */
} put_ctx;

static int put_bytes(void *ud, const char *data, size_t len)
{
    put_ctx *s = ud;
    int eintr = 0;
    if (s->io_rc)
        return 1;
    while (len) {
        int64_t n = s->io->write(s->io->ud, s->file, data, len < WRITE_CHUNK ? len : WRITE_CHUNK);
        if (n == -EINTR && ++eintr < TIER__IO_EINTR_TRIES)
            continue;
        if (n <= 0) {
            /* A write that makes no progress counts as an I/O error rather than looping. */
            s->io_rc = n < 0 && n >= -4095 ? (int)n : -EIO;
            return 1;
        }
        eintr = 0;
        if ((uint64_t)n > len)
            n = (int64_t)len;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The k-th temporary name beside `path` into tmp (room for plen + 16 bytes): "PATH.tmp",
 * "PATH.tmp-1", ... */
static void temp_name(const char *path, size_t plen, unsigned k, char *tmp)
{
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    if (k)
        snprintf(tmp + plen + 4, 12, "-%u", k);
}

/* Creates a temporary file beside `path` (its name into tmp, room for plen + 16 bytes) and opens
 * it in *file: 0, a negative errno (the create failed; tmp names the file), or 1 when every name
 * is taken. A name in use may belong to a save running at the same time, so it is left alone.
 * Tables of version 4 create each name exclusively (TIER_IO_CREATE) and take the next on
 * EEXIST, so two saves never share a file; older tables can only check that a name is free
 * before they create it. */
static int create_temp(const tier_io *io, const char *path, size_t plen, char *tmp, void **file)
{
    unsigned k;
    for (k = 0; k < TEMP_TRIES; k++) {
        void *probe;
        int rc;
        temp_name(path, plen, k, tmp);
        if (io->version >= 4) {
            rc = call_open(io, tmp, TIER_IO_CREATE, file);
            if (rc != -EEXIST)
                return rc;
            continue;
        }
        rc = call_open(io, tmp, TIER_IO_READ, &probe);
        if (rc == -ENOENT)
            return call_open(io, tmp, TIER_IO_WRITE, file);
        if (rc)
            return rc;
        (void)call_close(io, probe);
    }
    return 1;
}

/* A save into a character device or a FIFO (the POSIX table only): written into directly, as
 * `>` in a shell does; there is nothing to replace and nothing to sync. */
static int write_direct(const tier_io *io, const char *path, tier__io_produce_fn produce, void *ud,
                        char *err)
{
    put_ctx ctx;
    int rc, io_rc;
    memset(&ctx, 0, sizeof ctx);
    ctx.io = io;
    io_rc = call_open(io, path, TIER_IO_WRITE, &ctx.file);
    if (io_rc) {
        tier__errorf(err, "save '%s': cannot open it for writing: %s", path, tier__errtext(io_rc));
        return TIER_EIO;
    }
    rc = produce(ud, put_bytes, &ctx);
    io_rc = call_close(io, ctx.file);
    if (ctx.io_rc) {
        tier__errorf(err, "save '%s': write failed: %s", path, tier__errtext(ctx.io_rc));
        return TIER_EIO;
    }
    if (rc)
        return rc;
    if (io_rc) {
        tier__errorf(err, "save '%s': close failed: %s", path, tier__errtext(io_rc));
        return TIER_EIO;
    }
    return TIER_OK;
}

/* The start of a file operation: a path that is not empty (`what` names it in the error), and
 * io (NULL: the default table) checked for `needs` and copied into t. */
int tier__io_check_path(const tier_io *io, unsigned needs, const char *path, const char *what,
                        char *err)
{
    if (!path || !*path) {
        tier__errorf(err, "the %s path is empty", what);
        return TIER_EINVAL;
    }
    return tier__io_check(io ? io : tier_io_default(), needs, err);
}

static int start(tier_io *t, const tier_io *io, unsigned needs, const char *path, const char *what,
                 char *err)
{
    int rc = tier__io_check_path(io, needs, path, what, err);
    return rc ? rc : tier__io_set(t, io, needs, err);
}

int tier__io_write_atomic(const tier_io *io, const tier_allocator *a, const char *path,
                          tier__io_produce_fn produce, void *ud, char *err)
{
    tier_io t;
    tier__io_target target;
    put_ctx ctx;
    const char *step, *user_path = path;
    char *tmp;
    size_t plen;
    int rc, io_rc;
    rc = start(&t, io, TIER__IO_NEEDS_SAVE, path, "output", err);
    if (rc)
        return rc;
    memset(&target, 0, sizeof target);
    if (tier__io_is_posix(&t)) {
        /* A link is followed to the file it names, which is replaced; a device or a FIFO is
         * written into; a directory or another special file is refused. */
        if ((rc = tier__io_posix_target(a, path, &target, err)) != 0)
            return rc;
        if (target.path)
            path = target.path;
        if (target.kind == TIER__TARGET_DIRECT) {
            rc = write_direct(&t, path, produce, ud, err);
            tier__free(a, target.path);
            return rc;
        }
    }
    plen = strlen(path);
    tmp = plen < SIZE_MAX - 16 ? tier__malloc(a, plen + 16) : NULL;
    if (!tmp) {
        tier__errorf(err, "save '%s': out of memory", user_path);
        tier__free(a, target.path);
        return TIER_ENOMEM;
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.io = &t;
    io_rc = create_temp(&t, path, plen, tmp, &ctx.file);
    if (io_rc == 1) {
        tier__errorf(err,
                     "save '%s': no free temporary name beside it ('%s.tmp' to '%s.tmp-%u' exist)",
                     user_path, path, path, TEMP_TRIES - 1);
        rc = TIER_EIO;
        goto out;
    }
    if (io_rc) {
        /* Nothing to remove: the create did not happen. */
        tier__errorf(err, "save '%s': cannot create '%s': %s", user_path, tmp,
                     tier__errtext(io_rc));
        rc = TIER_EIO;
        goto out;
    }
    /* The new file keeps the permission bits of the one it replaces. */
    if (target.kind == TIER__TARGET_REPLACE &&
        (io_rc = tier__io_posix_keep_mode(ctx.file, target.perm)) != 0) {
        (void)call_close(&t, ctx.file);
        step = "chmod";
        goto io_fail;
    }
    rc = produce(ud, put_bytes, &ctx);
    step = NULL;
    if (ctx.io_rc) {
        step = "write";
        io_rc = ctx.io_rc;
    } else if (rc) {
        /* The producer's own failure, with its own text. */
        (void)call_close(&t, ctx.file);
        remove_temp(&t, tmp);
        goto out;
    } else if ((io_rc = call_sync(&t, ctx.file)) != 0) {
        step = "sync";
    }
    if (step) {
        (void)call_close(&t, ctx.file);
        goto io_fail;
    }
    io_rc = call_close(&t, ctx.file);
    if (io_rc) {
        step = "close";
        goto io_fail;
    }
    io_rc = call_rename(&t, tmp, path);
    if (io_rc) {
        step = "rename";
        goto io_fail;
    }
    rc = TIER_OK;
    if (t.sync_dir && (io_rc = call_sync_dir(&t, path)) != 0) {
        tier__errorf(err,
                     "save '%s': the new file is in place, but syncing its directory failed: %s "
                     "(the rename may not survive a crash)",
                     user_path, tier__errtext(io_rc));
        rc = TIER_EIO;
    }
    goto out;
io_fail:
    remove_temp(&t, tmp);
    tier__errorf(err, "save '%s': %s of '%s' failed: %s", user_path, step, tmp,
                 tier__errtext(io_rc));
    rc = TIER_EIO;
out:
    tier__free(a, tmp);
    tier__free(a, target.path);
    return rc;
}

/* ---- whole-file read ------------------------------------------------------------------------- */

int tier__io_read_all(const tier_io *io, const tier_allocator *a, const char *path, uint64_t max,
                      unsigned char **data, size_t *len, char *err)
{
    tier_io t;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0, limit;
    void *f;
    int rc, eintr = 0;
    *data = NULL;
    *len = 0;
    rc = start(&t, io, TIER__IO_NEEDS_READ, path, "input", err);
    if (rc)
        return rc;
    /* The block never holds more than max + 1 bytes (one more shows the file is too large). */
    limit = max < (uint64_t)SIZE_MAX - 2 ? (size_t)max + 1 : SIZE_MAX - 1;
    rc = call_open(&t, path, TIER_IO_READ, &f);
    if (rc) {
        tier__errorf(err, "%s: cannot open: %s", path, tier__errtext(rc));
        return rc == -ENOENT ? TIER_ENOTFOUND : TIER_EIO;
    }
    if (t.size) {
        int64_t size = t.size(t.ud, f);
        if (size > 0 && (uint64_t)size > max) {
            tier__errorf(err, "%s: %llu bytes, larger than the limit of %llu bytes", path,
                         (unsigned long long)size, (unsigned long long)max);
            rc = TIER_ERANGE;
            goto out;
        }
        /* A hint only: the file may change while it is read. One byte more to see its end. */
        if (size > 0) {
            cap = (size_t)size + 1;
            buf = tier__malloc(a, cap + 1);
            if (!buf) {
                tier__errorf(err, "%s: out of memory reading it", path);
                rc = TIER_ENOMEM;
                goto out;
            }
        }
    }
    for (;;) {
        int64_t got;
        if (n == cap) {
            size_t want = cap ? (cap < limit / 2 ? cap * 2 : limit) : READ_FIRST;
            unsigned char *bigger;
            if (want > limit)
                want = limit;
            if (n == limit) {
                tier__errorf(err, "%s: larger than the limit of %llu bytes", path,
                             (unsigned long long)max);
                rc = TIER_ERANGE;
                goto out;
            }
            bigger = tier__realloc(a, buf, want + 1);
            if (!bigger) {
                tier__errorf(err, "%s: out of memory reading it", path);
                rc = TIER_ENOMEM;
                goto out;
            }
            buf = bigger;
            cap = want;
        }
        got = t.read(t.ud, f, buf + n, cap - n < WRITE_CHUNK ? cap - n : WRITE_CHUNK);
        if (got == -EINTR && ++eintr < TIER__IO_EINTR_TRIES)
            continue;
        if (got == 0)
            break;
        if (got < 0 || (uint64_t)got > cap - n) {
            int e = got < 0 && got >= -4095 ? (int)got : -EIO;
            tier__errorf(err, "%s: read failed at byte %zu: %s", path, n, tier__errtext(e));
            rc = TIER_EIO;
            goto out;
        }
        eintr = 0;
        n += (size_t)got;
    }
    if (n > max) {
        tier__errorf(err, "%s: larger than the limit of %llu bytes", path, (unsigned long long)max);
        rc = TIER_ERANGE;
        goto out;
    }
    if (!buf) {
        /* An empty file: still a block of its own, so *data is never NULL on success. */
        buf = tier__malloc(a, 1);
        if (!buf) {
            tier__errorf(err, "%s: out of memory reading it", path);
            rc = TIER_ENOMEM;
            goto out;
        }
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    buf = NULL;
    rc = TIER_OK;
out:
    (void)call_close(&t, f);
    tier__free(a, buf);
    return rc;
}
