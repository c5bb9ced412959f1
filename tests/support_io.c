/* SPDX-License-Identifier: MIT */
/* The shared test helpers of support.h for output and I/O: a sink for output callbacks and an
 * in-memory file system behind a tier_io table, with short reads and writes and faults. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* ---- the sink ---------------------------------------------------------------------------- */

int tst_sink_write(void *ud, const char *data, size_t len)
{
    tst_sink *s = ud;
    s->calls++;
    if (s->stop_at && s->calls == s->stop_at)
        return 1;
    if (len > s->max_chunk)
        s->max_chunk = len;
    if (s->len + len + 1 > s->cap) {
        s->cap = (s->len + len + 1) * 2;
        s->data = test_realloc(s->data, s->cap);
        assert_non_null(s->data);
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->data[s->len] = '\0';
    return 0;
}

void tst_sink_reset(tst_sink *s)
{
    if (s->data)
        test_free(s->data);
    memset(s, 0, sizeof *s);
}

/* ---- the in-memory file system ----------------------------------------------------------- */

tst_memfile *tst_memfs_find(tst_memfs *fs, const char *name)
{
    int i;
    for (i = 0; i < TST_MEMFS_FILES; i++)
        if (fs->files[i].used && strcmp(fs->files[i].name, name) == 0)
            return &fs->files[i];
    return NULL;
}

tst_memfile *tst_memfs_put(tst_memfs *fs, const char *name, const char *data, size_t len)
{
    tst_memfile *f = tst_memfs_find(fs, name);
    int i;
    for (i = 0; !f && i < TST_MEMFS_FILES; i++)
        if (!fs->files[i].used)
            f = &fs->files[i];
    if (!f)
        fail_msg("the in-memory file system holds %d files at most", TST_MEMFS_FILES);
    if (f->data)
        test_free(f->data);
    f->used = 1;
    snprintf(f->name, sizeof f->name, "%s", name);
    f->len = len;
    f->pos = 0;
    f->data = test_malloc(len + 1);
    if (len)
        memcpy(f->data, data, len);
    f->data[len] = '\0';
    return f;
}

int tst_memfs_count(const tst_memfs *fs)
{
    int i, n = 0;
    for (i = 0; i < TST_MEMFS_FILES; i++)
        n += fs->files[i].used;
    return n;
}

void tst_memfs_clear(tst_memfs *fs)
{
    int i;
    for (i = 0; i < TST_MEMFS_FILES; i++)
        if (fs->files[i].data)
            test_free(fs->files[i].data);
    memset(fs, 0, sizeof *fs);
}

/* A handle is the file itself: check that the library hands back one of ours. */
static tst_memfile *handle(tst_memfs *fs, void *file)
{
    tst_memfile *f = file;
    assert_true(f >= fs->files && f < fs->files + TST_MEMFS_FILES);
    return f;
}

static int mio_open(void *ud, const char *path, int mode, void **out)
{
    tst_memfs *fs = ud;
    tst_memfile *f = tst_memfs_find(fs, path);
    if (mode == TIER_IO_READ) {
        if (!f)
            return -ENOENT;
        f->pos = 0;
    } else {
        if (fs->read_only)
            fail_msg("%s opened for writing on a read-only file system", path);
        if (fs->fail_open_write)
            return -EACCES;
        f = tst_memfs_put(fs, path, "", 0);
        snprintf(fs->written_name, sizeof fs->written_name, "%s", path);
    }
    fs->opens++;
    *out = f;
    return 0;
}

static int64_t mio_read(void *ud, void *file, void *buf, size_t size)
{
    tst_memfs *fs = ud;
    tst_memfile *f = handle(fs, file);
    size_t n = f->len - f->pos;
    fs->reads++;
    if (fs->reads == fs->fail_read)
        return -EIO;
    if (fs->reads == fs->eintr_read)
        return -EINTR;
    if (n > size)
        n = size;
    if (fs->read_chunk && n > fs->read_chunk)
        n = fs->read_chunk;
    if (n)
        memcpy(buf, f->data + f->pos, n);
    f->pos += n;
    return (int64_t)n;
}

static int64_t mio_write(void *ud, void *file, const void *buf, size_t size)
{
    tst_memfs *fs = ud;
    tst_memfile *f = handle(fs, file);
    if (fs->fail_write)
        return -ENOSPC;
    if (fs->write_chunk && size > fs->write_chunk)
        size = fs->write_chunk; /* short writes: the writer must loop */
    f->data = test_realloc(f->data, f->len + size + 1);
    memcpy(f->data + f->len, buf, size);
    f->len += size;
    f->data[f->len] = '\0';
    return (int64_t)size;
}

static int mio_sync(void *ud, void *file)
{
    tst_memfs *fs = ud;
    handle(fs, file);
    return fs->fail_sync ? -EIO : 0;
}

static int mio_close(void *ud, void *file)
{
    tst_memfs *fs = ud;
    handle(fs, file);
    fs->closes++;
    return fs->fail_close ? -EIO : 0;
}

static int64_t mio_size(void *ud, void *file)
{
    return (int64_t)handle(ud, file)->len;
}

static int mio_remove(void *ud, const char *path)
{
    tst_memfile *f = tst_memfs_find(ud, path);
    if (!f)
        return -ENOENT;
    test_free(f->data);
    memset(f, 0, sizeof *f);
    return 0;
}

static int mio_rename(void *ud, const char *from, const char *to)
{
    tst_memfs *fs = ud;
    tst_memfile *f = tst_memfs_find(fs, from), *t = tst_memfs_find(fs, to);
    if (fs->fail_rename)
        return -EXDEV;
    if (!f)
        return -ENOENT;
    if (t && t != f)
        mio_remove(fs, to);
    snprintf(f->name, sizeof f->name, "%s", to);
    return 0;
}

tier_io tst_memfs_io(tst_memfs *fs)
{
    tier_io io = {TIER_IO_VERSION, mio_open, mio_read, mio_write, mio_sync, mio_close, mio_rename,
                  mio_remove,      NULL,     NULL,     NULL,      NULL}; /* no seek, no sync_dir */
    io.size = fs->has_size ? mio_size : NULL;
    io.ud = fs;
    return io;
}
