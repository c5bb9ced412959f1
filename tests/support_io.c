/* SPDX-License-Identifier: MIT */
/* The shared test helpers of support.h for output and I/O: a sink for output callbacks, an
 * in-memory file system behind a tier_io table, with short reads and writes and faults, and one
 * with a durable and a volatile view that crashes and fails any operation on demand. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#include "util/internal.h"
#include "util/rng.h"

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
    } else if (mode == TIER_IO_CREATE && f) {
        return -EEXIST;
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

/* A read of at most `size` bytes of the `len` bytes of data from *pos on, which it moves: no
 * more than `chunk` (0: no limit), and half of them when `halve` (a short read). Returns the
 * count. */
static size_t read_at(void *buf, size_t size, const void *data, size_t len, size_t *pos,
                      size_t chunk, int halve)
{
    size_t n = *pos < len ? len - *pos : 0;
    if (n > size)
        n = size;
    if (chunk && n > chunk)
        n = chunk;
    if (halve && n > 1)
        n /= 2;
    if (n)
        memcpy(buf, (const unsigned char *)data + *pos, n);
    *pos += n;
    return n;
}

static int64_t mio_read(void *ud, void *file, void *buf, size_t size)
{
    tst_memfs *fs = ud;
    tst_memfile *f = handle(fs, file);
    fs->reads++;
    if (fs->reads == fs->fail_read)
        return -EIO;
    if (fs->reads == fs->eintr_read)
        return -EINTR;
    return (int64_t)read_at(buf, size, f->data, f->len, &f->pos, fs->read_chunk, 0);
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

/* ---- the crash- and fault-injecting file system -------------------------------------------- */

void tst_faultfs_init(tst_faultfs *fs)
{
    int i;
    memset(fs, 0, sizeof *fs);
    for (i = 0; i < TST_FAULTFS_NAMES; i++)
        fs->names[i].vnode = fs->names[i].dnode = -1;
}

static void fnode_free(tst_fnode *n)
{
    if (n->vdata)
        test_free(n->vdata);
    if (n->ddata)
        test_free(n->ddata);
    memset(n, 0, sizeof *n);
}

void tst_faultfs_clear(tst_faultfs *fs)
{
    int i;
    for (i = 0; i < TST_FAULTFS_NODES; i++)
        fnode_free(&fs->nodes[i]);
    tst_faultfs_init(fs);
}

/* A copy of n bytes (a block of at least one byte, so that no copy is NULL). */
static unsigned char *bytes_dup(const unsigned char *data, size_t n)
{
    unsigned char *p = test_malloc(n ? n : 1);
    if (n)
        memcpy(p, data, n);
    return p;
}

/* Replaces the block *dst (of *dst_len bytes) with a copy of data (which may be within it). */
static void set_bytes(unsigned char **dst, size_t *dst_len, const unsigned char *data, size_t len)
{
    unsigned char *p = bytes_dup(data, len);
    if (*dst)
        test_free(*dst);
    *dst = p;
    *dst_len = len;
}

static void set_volatile(tst_fnode *n, const unsigned char *data, size_t len)
{
    set_bytes(&n->vdata, &n->vlen, data, len);
}

static void set_durable(tst_fnode *n, const unsigned char *data, size_t len)
{
    set_bytes(&n->ddata, &n->dlen, data, len);
}

static int fnode_new(tst_faultfs *fs)
{
    int i;
    for (i = 0; i < TST_FAULTFS_NODES; i++) {
        if (!fs->nodes[i].used) {
            fs->nodes[i].used = 1;
            set_volatile(&fs->nodes[i], NULL, 0);
            set_durable(&fs->nodes[i], NULL, 0);
            return i;
        }
    }
    fail_msg("the fault-injecting file system holds %d files at most", TST_FAULTFS_NODES);
    return -1;
}

/* Frees the nodes no name of either view and no handle refers to; drops names gone from both. */
static void fs_collect(tst_faultfs *fs)
{
    int i, k;
    for (k = 0; k < TST_FAULTFS_NAMES; k++)
        if (fs->names[k].vnode < 0 && fs->names[k].dnode < 0)
            fs->names[k].name[0] = '\0';
    for (i = 0; i < TST_FAULTFS_NODES; i++) {
        int used = 0;
        if (!fs->nodes[i].used)
            continue;
        for (k = 0; k < TST_FAULTFS_NAMES; k++)
            used |= fs->names[k].vnode == i || fs->names[k].dnode == i;
        for (k = 0; k < TST_FAULTFS_FDS; k++)
            used |= fs->fds[k].used && fs->fds[k].node == i;
        if (!used)
            fnode_free(&fs->nodes[i]);
    }
}

static tst_fname *fname_find(tst_faultfs *fs, const char *name)
{
    int k;
    for (k = 0; k < TST_FAULTFS_NAMES; k++)
        if (fs->names[k].name[0] && strcmp(fs->names[k].name, name) == 0)
            return &fs->names[k];
    return NULL;
}

static tst_fname *fname_get(tst_faultfs *fs, const char *name)
{
    tst_fname *e = fname_find(fs, name);
    int k;
    if (e)
        return e;
    assert_true(strlen(name) < sizeof e->name);
    for (k = 0; k < TST_FAULTFS_NAMES; k++) {
        if (!fs->names[k].name[0]) {
            e = &fs->names[k];
            snprintf(e->name, sizeof e->name, "%s", name);
            e->vnode = e->dnode = -1;
            return e;
        }
    }
    fail_msg("the fault-injecting file system holds %d names at most", TST_FAULTFS_NAMES);
    return NULL;
}

void tst_faultfs_put(tst_faultfs *fs, const char *name, const void *data, size_t len)
{
    tst_fname *e = fname_get(fs, name);
    int n = fnode_new(fs);
    set_volatile(&fs->nodes[n], data, len);
    set_durable(&fs->nodes[n], data, len);
    e->vnode = e->dnode = n;
    fs_collect(fs);
}

const unsigned char *tst_faultfs_get(const tst_faultfs *fs, const char *name, size_t *len)
{
    tst_fname *e = fname_find((tst_faultfs *)fs, name);
    if (!e || e->vnode < 0)
        return NULL;
    *len = fs->nodes[e->vnode].vlen;
    return fs->nodes[e->vnode].vdata;
}

int tst_faultfs_count(const tst_faultfs *fs)
{
    int k, n = 0;
    for (k = 0; k < TST_FAULTFS_NAMES; k++)
        n += fs->names[k].name[0] && fs->names[k].vnode >= 0;
    return n;
}

const char *tst_faultfs_op(const tst_faultfs *fs, long n)
{
    return n >= 1 && n <= TST_FAULTFS_LOG && fs->log[n - 1] ? fs->log[n - 1] : "?";
}

const char *tst_fault_name(int kind)
{
    static const char *const names[] = {"none", "EIO", "ENOSPC", "EINTR", "short"};
    return kind >= 0 && kind <= TST_FAULT_SHORT ? names[kind] : "?";
}

const char *tst_fault_outcome(const tst_faultfs *fs, long n, int kind, int rc, const char *err,
                              char *what, size_t cap)
{
    const char *op = tst_faultfs_op(fs, n);
    snprintf(what, cap, "operation %ld (%s) failing with %s: %s: %s", n, op, tst_fault_name(kind),
             tier_status_name(rc), err);
    assert_int_equal(fs->open_fds, 0);
    return op;
}

const char *tst_crash_name(int mode)
{
    static const char *const names[] = {"kept", "dropped", "torn at 512 bytes"};
    return mode >= 0 && mode <= TST_CRASH_TORN ? names[mode] : "?";
}

void tst_faultfs_crash(tst_faultfs *fs, int mode)
{
    int i, k;
    for (k = 0; k < TST_FAULTFS_NAMES; k++) {
        if (mode == TST_CRASH_DROP)
            fs->names[k].vnode = fs->names[k].dnode;
        else
            fs->names[k].dnode = fs->names[k].vnode;
    }
    for (i = 0; i < TST_FAULTFS_NODES; i++) {
        tst_fnode *n = &fs->nodes[i];
        if (!n->used)
            continue;
        if (mode == TST_CRASH_DROP)
            set_volatile(n, n->ddata, n->dlen);
        else if (mode == TST_CRASH_TORN && n->dirty)
            set_volatile(n, n->vdata, n->vlen / 512 * 512);
        set_durable(n, n->vdata, n->vlen);
        n->dirty = 0;
    }
    memset(fs->fds, 0, sizeof fs->fds);
    fs->open_fds = 0;
    fs->fail_at = fs->dead_after = 0;
    fs->fail_kind = TST_FAULT_NONE;
    fs_collect(fs);
}

/* Counts operation `name` and says how it goes: 0 normally, else the error to return (nothing
 * happens), or TST_FAULT_SHORT for a short transfer. */
static int fs_op(tst_faultfs *fs, const char *name)
{
    long n = ++fs->ops;
    if (n <= TST_FAULTFS_LOG)
        fs->log[n - 1] = name;
    if (fs->dead_after && n > fs->dead_after)
        return -EIO;
    if (n != fs->fail_at)
        return 0;
    switch (fs->fail_kind) {
    case TST_FAULT_EIO:
        return -EIO;
    case TST_FAULT_ENOSPC:
        return -ENOSPC;
    case TST_FAULT_EINTR:
        return -EINTR;
    case TST_FAULT_SHORT:
        return TST_FAULT_SHORT;
    default:
        return 0;
    }
}

static tst_ffd *fs_fd(tst_faultfs *fs, void *file)
{
    tst_ffd *d = file;
    assert_true(d >= fs->fds && d < fs->fds + TST_FAULTFS_FDS);
    assert_true(d->used); /* a handle used after its close */
    return d;
}

/* The name's entry when it names a file in the volatile view, else NULL. */
static tst_fname *existing(tst_faultfs *fs, const char *path)
{
    tst_fname *e = fname_find(fs, path);
    return e && e->vnode >= 0 ? e : NULL;
}

/* Counts an operation on an open file (fs_op) and gives its handle in *d and, n not NULL, its
 * node in *n; when the operation goes ahead and `mode` is not 0, the file is open in that mode. */
static int file_op(tst_faultfs *fs, void *file, const char *name, int mode, tst_ffd **d,
                   tst_fnode **n)
{
    int rc;
    *d = fs_fd(fs, file);
    if (n)
        *n = &fs->nodes[(*d)->node];
    rc = fs_op(fs, name);
    if (rc >= 0 && mode)
        assert_int_equal((*d)->mode, mode);
    return rc;
}

static int ffs_open(void *ud, const char *path, int mode, void **out)
{
    tst_faultfs *fs = ud;
    tst_fname *e;
    int rc = fs_op(fs, mode == TIER_IO_READ ? "open for reading" : "open for writing"), k;
    if (rc >= 0 && mode == TIER_IO_CREATE) {
        if (existing(fs, path))
            return -EEXIST;
        mode = TIER_IO_WRITE; /* then a file open for writing like any other */
    }
    if (rc < 0)
        return rc;
    for (k = 0; k < TST_FAULTFS_FDS && fs->fds[k].used; k++)
        ;
    assert_true(k < TST_FAULTFS_FDS);
    e = existing(fs, path);
    if (mode == TIER_IO_READ) {
        if (!e)
            return -ENOENT;
    } else {
        assert_int_equal(mode, TIER_IO_WRITE);
        e = fname_get(fs, path);
        if (e->vnode < 0)
            e->vnode = fnode_new(fs);
        set_volatile(&fs->nodes[e->vnode], NULL, 0);
        fs->nodes[e->vnode].dirty = 1;
    }
    fs->fds[k].used = 1;
    fs->fds[k].node = e->vnode;
    fs->fds[k].mode = mode;
    fs->fds[k].pos = 0;
    fs->open_fds++;
    *out = &fs->fds[k];
    return 0;
}

static int64_t ffs_read(void *ud, void *file, void *buf, size_t size)
{
    tst_ffd *d;
    tst_fnode *n;
    int rc = file_op(ud, file, "read", TIER_IO_READ, &d, &n);
    if (rc < 0)
        return rc;
    return (int64_t)read_at(buf, size, n->vdata, n->vlen, &d->pos, 0, rc == TST_FAULT_SHORT);
}

static int64_t ffs_write(void *ud, void *file, const void *buf, size_t size)
{
    tst_ffd *d;
    tst_fnode *n;
    int rc = file_op(ud, file, "write", TIER_IO_WRITE, &d, &n);
    if (rc < 0)
        return rc;
    if (rc == TST_FAULT_SHORT && size > 1)
        size /= 2;
    assert_int_equal(d->pos, n->vlen); /* the library writes files front to back */
    n->vdata = test_realloc(n->vdata, n->vlen + size + 1);
    if (size)
        memcpy(n->vdata + n->vlen, buf, size);
    n->vlen += size;
    d->pos += size;
    n->dirty = 1;
    return (int64_t)size;
}

static int ffs_sync(void *ud, void *file)
{
    tst_ffd *d;
    tst_fnode *n;
    int rc = file_op(ud, file, "sync", 0, &d, &n);
    if (rc >= 0) {
        set_durable(n, n->vdata, n->vlen);
        n->dirty = 0;
    }
    return rc < 0 ? rc : 0;
}

static int ffs_close(void *ud, void *file)
{
    tst_faultfs *fs = ud;
    tst_ffd *d;
    int rc = file_op(fs, file, "close", 0, &d, NULL);
    if (fs->dead_after && fs->ops > fs->dead_after)
        return rc; /* the machine is gone: nothing changes any more */
    /* The handle is released whatever the outcome (POSIX close). */
    memset(d, 0, sizeof *d);
    fs->open_fds--;
    fs_collect(fs);
    return rc < 0 ? rc : 0;
}

static int ffs_rename(void *ud, const char *from, const char *to)
{
    tst_faultfs *fs = ud;
    tst_fname *f, *t;
    int rc = fs_op(fs, "rename");
    if (rc < 0)
        return rc;
    if (!existing(fs, from))
        return -ENOENT;
    t = fname_get(fs, to);
    f = fname_find(fs, from); /* fname_get does not move entries, but look again to be plain */
    if (t != f) {
        t->vnode = f->vnode;
        f->vnode = -1;
    }
    fs_collect(fs);
    return 0;
}

static int ffs_remove(void *ud, const char *path)
{
    tst_faultfs *fs = ud;
    tst_fname *e;
    int rc = fs_op(fs, "remove");
    if (rc < 0)
        return rc;
    e = existing(fs, path);
    if (!e)
        return -ENOENT;
    e->vnode = -1;
    fs_collect(fs);
    return 0;
}

static int64_t ffs_size(void *ud, void *file)
{
    tst_ffd *d;
    tst_fnode *n;
    int rc = file_op(ud, file, "size", 0, &d, &n);
    return rc < 0 ? rc : (int64_t)n->vlen;
}

/* The length of the directory part of a name (0 for a name without '/'). */
static size_t dir_len(const char *name)
{
    const char *slash = strrchr(name, '/');
    return slash ? (size_t)(slash - name) : 0;
}

static int ffs_sync_dir(void *ud, const char *path)
{
    tst_faultfs *fs = ud;
    size_t n = dir_len(path);
    int rc = fs_op(fs, "sync_dir"), k;
    if (rc < 0)
        return rc;
    for (k = 0; k < TST_FAULTFS_NAMES; k++) {
        tst_fname *e = &fs->names[k];
        if (e->name[0] && dir_len(e->name) == n && strncmp(e->name, path, n) == 0)
            e->dnode = e->vnode;
    }
    fs->sync_dirs++;
    fs_collect(fs);
    return 0;
}

tier_io tst_faultfs_io(tst_faultfs *fs)
{
    tier_io io = {.version = fs->version ? (unsigned)fs->version : TIER_IO_VERSION,
                  .open = ffs_open,
                  .read = ffs_read,
                  .write = ffs_write,
                  .sync = ffs_sync,
                  .close = ffs_close,
                  .rename = ffs_rename,
                  .remove = ffs_remove,
                  .size = fs->no_size ? NULL : ffs_size,
                  .ud = fs,
                  .sync_dir = fs->no_sync_dir ? NULL : ffs_sync_dir};
    return io;
}

/* ---- damage ------------------------------------------------------------------------------- */

/* One random change of a copy of g: flips, overwritten bytes, a cut with garbage, an insertion or
 * a deletion, or a copied range. Returns the new length (the copy has room for len + 64). */
size_t tst_mutate(struct tier__rng *rng, unsigned char *d, const unsigned char *g, size_t len)
{
    size_t n = len, k, i, at, span;
    memcpy(d, g, len);
    switch (tier__rng_below(rng, 6)) {
    case 0: /* 1 to 8 bit flips anywhere */
        for (k = 1 + (size_t)tier__rng_below(rng, 8); k; k--) {
            i = (size_t)tier__rng_below(rng, len * 8);
            d[i / 8] ^= (unsigned char)(1u << (i % 8));
        }
        break;
    case 1: /* 1 to 16 random bytes */
        for (k = 1 + (size_t)tier__rng_below(rng, 16); k; k--)
            d[tier__rng_below(rng, len)] = (unsigned char)tier__rng_next(rng);
        break;
    case 2: /* cut, then up to 64 random bytes */
        n = (size_t)tier__rng_below(rng, len);
        for (k = (size_t)tier__rng_below(rng, 65); k; k--)
            d[n++] = (unsigned char)tier__rng_next(rng);
        break;
    case 3: /* insert up to 64 random bytes */
        at = (size_t)tier__rng_below(rng, len + 1);
        span = 1 + (size_t)tier__rng_below(rng, 64);
        memmove(d + at + span, d + at, len - at);
        for (i = 0; i < span; i++)
            d[at + i] = (unsigned char)tier__rng_next(rng);
        n = len + span;
        break;
    case 4: /* delete up to 64 bytes */
        at = (size_t)tier__rng_below(rng, len);
        span = 1 + (size_t)tier__rng_below(rng, 64);
        if (span > len - at)
            span = len - at;
        memmove(d + at, d + at + span, len - at - span);
        n = len - span;
        break;
    default: /* a range copied over another */
        at = (size_t)tier__rng_below(rng, len);
        i = (size_t)tier__rng_below(rng, len);
        span = 1 + (size_t)tier__rng_below(rng, 128);
        if (span > len - at)
            span = len - at;
        if (span > len - i)
            span = len - i;
        memmove(d + i, g + at, span);
        break;
    }
    return n;
}

/* ---- the crash and fault walks of an atomic save ------------------------------------------ */

int tst_save_loaded(const tst_save_case *c, tst_faultfs *fs, const unsigned char *old,
                    size_t old_len, const unsigned char *new_, size_t new_len, const char *what)
{
    char err[TIER__ERR_SIZE];
    size_t n = 0;
    int rc, which = -2;
    unsigned char *d = c->load(fs, &n, &rc, err);
    if (rc == TIER_ENOTFOUND)
        return -1;
    if (rc != TIER_OK)
        fail_msg("%s: the %s does not load: %s", what, c->noun, err);
    if (old && n == old_len && memcmp(d, old, n) == 0)
        which = 0;
    else if (n == new_len && memcmp(d, new_, n) == 0)
        which = 1;
    test_free(d);
    if (which < 0)
        fail_msg("%s: the file loads but is neither the old nor the new %s", what, c->noun);
    return which;
}

/* How many operations a clean save over the old file takes; its last is the directory sync. */
static long save_ops(const tst_save_case *c, const unsigned char *old, size_t old_len)
{
    char err[TIER__ERR_SIZE];
    tst_faultfs fs;
    long total;
    tst_faultfs_init(&fs);
    tst_faultfs_put(&fs, c->path, old, old_len);
    assert_int_equal(c->save(&fs, 1, err), TIER_OK);
    total = fs.ops;
    assert_true(total >= 5);
    assert_string_equal(tst_faultfs_op(&fs, total), "sync_dir");
    tst_faultfs_clear(&fs);
    return total;
}

void tst_walk_save_crashes(const tst_save_case *c)
{
    char err[TIER__ERR_SIZE], what[160];
    size_t old_len, new_len;
    unsigned char *old = c->image(0, &old_len), *new_ = c->image(1, &new_len);
    long total = save_ops(c, old, old_len), n;
    int mode, first, seen[2][2] = {{0, 0}, {0, 0}};
    tst_faultfs fs;
    for (first = 0; first <= 1; first++) {
        for (mode = TST_CRASH_KEEP; mode <= TST_CRASH_TORN; mode++) {
            for (n = 0; n <= total; n++) {
                int which, rc;
                tst_faultfs_init(&fs);
                if (!first)
                    tst_faultfs_put(&fs, c->path, old, old_len);
                fs.dead_after = n ? n : -1; /* n = 0: the machine dies before the first call */
                rc = c->save(&fs, 1, err);
                assert_int_equal(rc, n == total ? TIER_OK : TIER_EIO);
                tst_faultfs_crash(&fs, mode);
                snprintf(what, sizeof what, "%s save, crash after operation %ld (%s), writes %s",
                         first ? "first" : "second", n, n ? tst_faultfs_op(&fs, n) : "none",
                         tst_crash_name(mode));
                which = tst_save_loaded(c, &fs, first ? NULL : old, old_len, new_, new_len, what);
                if (which == -1 && !first)
                    fail_msg("%s: the old %s is lost", what, c->noun);
                /* Once save returned OK the new file must survive any crash. */
                if (n == total && which != 1)
                    fail_msg("%s: a completed save did not survive the crash", what);
                seen[first][which < 0 ? 0 : which]++;
                /* The next save after the crash works and cleans up after itself. */
                assert_int_equal(c->save(&fs, 1, err), TIER_OK);
                assert_int_equal(tst_save_loaded(c, &fs, NULL, 0, new_, new_len, what), 1);
                assert_int_equal(fs.open_fds, 0);
                /* A crash may leave the temporary file (docs/reliability.md), never more. */
                assert_true(tst_faultfs_count(&fs) <= 2);
                tst_faultfs_clear(&fs);
            }
        }
    }
    /* Both outcomes happen: the crash points do reach both sides of the rename. */
    assert_true(seen[0][0] > 0 && seen[0][1] > 0 && seen[1][0] > 0 && seen[1][1] > 0);
    test_free(old);
    test_free(new_);
}

static void expect_two(const char *err, const char *a, int kind)
{
    const char *parts[2];
    parts[0] = a;
    parts[1] = kind == TST_FAULT_EIO ? "Input/output error" : "No space left on device";
    tst_expect_parts(err, parts, 2);
}

void tst_walk_save_faults(const tst_save_case *c)
{
    static const int kinds[] = {TST_FAULT_EIO, TST_FAULT_ENOSPC, TST_FAULT_SHORT, TST_FAULT_EINTR};
    char err[TIER__ERR_SIZE], what[160], where[200];
    size_t k, old_len, new_len;
    unsigned char *old = c->image(0, &old_len), *new_ = c->image(1, &new_len);
    long total = save_ops(c, old, old_len), n;
    tst_faultfs fs;
    snprintf(where, sizeof where, "save '%s': ", c->path);
    for (k = 0; k < TST_COUNT(kinds); k++) {
        for (n = 1; n <= total; n++) {
            const char *op;
            int rc, which;
            tst_faultfs_init(&fs);
            tst_faultfs_put(&fs, c->path, old, old_len);
            fs.fail_at = n;
            fs.fail_kind = kinds[k];
            rc = c->save(&fs, 1, err);
            op = tst_faultfs_op(&fs, n);
            snprintf(what, sizeof what, "operation %ld (%s) failing with %s", n, op,
                     tst_fault_name(kinds[k]));
            assert_int_equal(fs.open_fds, 0);
            assert_int_equal(tst_faultfs_count(&fs), 1); /* no temporary file left */
            which = tst_save_loaded(c, &fs, old, old_len, new_, new_len, what);
            if (kinds[k] == TST_FAULT_SHORT || kinds[k] == TST_FAULT_EINTR) {
                /* Retried or continued: the save succeeds. */
                if (rc != TIER_OK || which != 1)
                    fail_msg("%s: got %s (%s), want a completed save", what, tier_status_name(rc),
                             err);
            } else if (rc != TIER_EIO) {
                fail_msg("%s: got %s, want TIER_EIO", what, tier_status_name(rc));
            } else if (strcmp(op, "sync_dir") == 0) {
                /* After the rename: the new file is in place, and the caller is told. */
                assert_int_equal(which, 1);
                expect_two(err, "the new file is in place, but syncing its directory failed",
                           kinds[k]);
            } else {
                if (which != 0)
                    fail_msg("%s: the old %s was replaced", what, c->noun);
                expect_two(err, where, kinds[k]);
            }
            tst_faultfs_clear(&fs);
        }
    }
    test_free(old);
    test_free(new_);
}
