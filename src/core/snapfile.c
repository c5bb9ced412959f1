/* SPDX-License-Identifier: MIT */
/* The snapshot container: writer, verifying reader and bounded cursor (core/snapfile.h; the
 * format is docs/snapshot-format.md). */
#include <stdio.h>
#include <string.h>

#include "core/io_internal.h"
#include "core/snapfile.h"
#include "util/crc32c.h"

static const unsigned char head_magic[8] = {'T', 'I', 'E', 'R', 'S', 'N', 'A', 'P'};
static const unsigned char tail_magic[8] = {'T', 'I', 'E', 'R', 'E', 'N', 'D', '\0'};

/* ---- little-endian integers --------------------------------------------------------------------
 */

uint32_t tier__snap_get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t tier__snap_get64(const unsigned char *p)
{
    return (uint64_t)tier__snap_get32(p) | (uint64_t)tier__snap_get32(p + 4) << 32;
}

void tier__snap_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xFFu);
    p[1] = (unsigned char)((v >> 8) & 0xFFu);
    p[2] = (unsigned char)((v >> 16) & 0xFFu);
    p[3] = (unsigned char)(v >> 24);
}

void tier__snap_put64(unsigned char *p, uint64_t v)
{
    tier__snap_put32(p, (uint32_t)(v & 0xFFFFFFFFu));
    tier__snap_put32(p + 4, (uint32_t)(v >> 32));
}

/* 1 when the 4 bytes are ASCII letters, digits or '_'. */
static int tag_valid(const unsigned char *t)
{
    int i;
    for (i = 0; i < 4; i++) {
        unsigned char c = t[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return 1;
}

/* ---- writer
 * -------------------------------------------------------------------------------------- */

void tier__snapw_init(tier__snapw *w, const tier_allocator *a)
{
    memset(w, 0, sizeof *w);
    w->alloc = a;
    w->open_at = SIZE_MAX;
}

void tier__snapw_free(tier__snapw *w)
{
    tier__free(w->alloc, w->data);
    tier__snapw_init(w, w->alloc);
}

int tier__snapw_status(const tier__snapw *w)
{
    return w->status;
}

static void latch(tier__snapw *w, int status)
{
    if (!w->status)
        w->status = status;
}

/* Room for n more bytes at the end, counted as written; NULL (status latched) on failure. */
static unsigned char *extend(tier__snapw *w, size_t n)
{
    unsigned char *at;
    if (w->status)
        return NULL;
    if (n > SIZE_MAX / 2 - w->len) {
        latch(w, TIER_ERANGE);
        return NULL;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        unsigned char *bigger;
        while (cap < w->len + n)
            cap *= 2;
        bigger = tier__realloc(w->alloc, w->data, cap);
        if (!bigger) {
            latch(w, TIER_ENOMEM);
            return NULL;
        }
        w->data = bigger;
        w->cap = cap;
    }
    at = w->data + w->len;
    w->len += n;
    return at;
}

/* The header's place, filled in by finish; written before the first section. */
static int ensure_header(tier__snapw *w)
{
    unsigned char *h;
    if (w->len)
        return w->status;
    h = extend(w, TIER__SNAP_HEADER_SIZE);
    if (h)
        memset(h, 0, TIER__SNAP_HEADER_SIZE);
    return w->status;
}

int tier__snapw_begin(tier__snapw *w, const char *tag, uint32_t flags)
{
    unsigned char *h;
    if (w->status)
        return w->status;
    if (w->finished || w->open_at != SIZE_MAX || !tag || strlen(tag) != 4 ||
        !tag_valid((const unsigned char *)tag)) {
        latch(w, TIER_EINVAL);
        return w->status;
    }
    if (ensure_header(w))
        return w->status;
    h = extend(w, TIER__SNAP_SECTION_HEAD);
    if (!h)
        return w->status;
    w->open_at = (size_t)(h - w->data);
    memcpy(h, tag, 4);
    tier__snap_put32(h + 4, flags);
    tier__snap_put64(h + 8, 0);
    return TIER_OK;
}

int tier__snapw_end(tier__snapw *w)
{
    unsigned char *c;
    size_t at = w->open_at;
    if (w->status)
        return w->status;
    if (at == SIZE_MAX) {
        latch(w, TIER_EINVAL);
        return w->status;
    }
    c = extend(w, 4);
    if (!c)
        return w->status;
    /* extend may have moved the block: work from offsets. */
    tier__snap_put64(w->data + at + 8, (uint64_t)(w->len - 4 - at - TIER__SNAP_SECTION_HEAD));
    tier__snap_put32(w->data + w->len - 4, tier__crc32c(0, w->data + at, w->len - 4 - at));
    w->open_at = SIZE_MAX;
    w->count++;
    if (w->count == UINT32_MAX)
        latch(w, TIER_ERANGE);
    return w->status;
}

int tier__snapw_section(tier__snapw *w, const char *tag, uint32_t flags, const void *data,
                        size_t len)
{
    if (tier__snapw_begin(w, tag, flags))
        return w->status;
    tier__snapw_bytes(w, data, len);
    return tier__snapw_end(w);
}

void tier__snapw_bytes(tier__snapw *w, const void *data, size_t len)
{
    unsigned char *p;
    if (w->status)
        return;
    if (w->open_at == SIZE_MAX) {
        latch(w, TIER_EINVAL);
        return;
    }
    p = extend(w, len);
    if (p && len)
        memcpy(p, data, len);
}

void tier__snapw_u8(tier__snapw *w, uint8_t v)
{
    tier__snapw_bytes(w, &v, 1);
}

void tier__snapw_u32(tier__snapw *w, uint32_t v)
{
    unsigned char b[4];
    tier__snap_put32(b, v);
    tier__snapw_bytes(w, b, 4);
}

void tier__snapw_u64(tier__snapw *w, uint64_t v)
{
    unsigned char b[8];
    tier__snap_put64(b, v);
    tier__snapw_bytes(w, b, 8);
}

void tier__snapw_i32(tier__snapw *w, int32_t v)
{
    /* The conversion is modulo 2^32: two's complement, as the format says, on every host. */
    tier__snapw_u32(w, (uint32_t)v);
}

void tier__snapw_i64(tier__snapw *w, int64_t v)
{
    tier__snapw_u64(w, (uint64_t)v);
}

void tier__snapw_f64(tier__snapw *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    tier__snapw_u64(w, bits);
}

void tier__snapw_str(tier__snapw *w, const char *s, size_t len)
{
    if (len > UINT32_MAX) {
        latch(w, TIER_ERANGE);
        return;
    }
    tier__snapw_u32(w, (uint32_t)len);
    tier__snapw_bytes(w, s, len);
}

int tier__snapw_copy(tier__snapw *w, const tier__snapr *r, const tier__snap_section *s)
{
    return tier__snapw_section(w, s->tag, s->flags, r->data + s->offset, s->length);
}

int tier__snapw_finish(tier__snapw *w, const unsigned char **data, size_t *len)
{
    unsigned char *t;
    *data = NULL;
    *len = 0;
    if (!w->status && !w->finished) {
        if (w->open_at != SIZE_MAX)
            latch(w, TIER_EINVAL);
        if (ensure_header(w))
            return w->status;
        memcpy(w->data, head_magic, 8);
        tier__snap_put32(w->data + 8, TIER__SNAP_VERSION);
        tier__snap_put32(w->data + 12, 0);
        tier__snap_put32(w->data + 16, w->count);
        tier__snap_put32(w->data + 20, tier__crc32c(0, w->data, 20));
        t = extend(w, TIER__SNAP_TRAILER_SIZE);
        if (!t)
            return w->status;
        memcpy(t, tail_magic, 8);
        tier__snap_put64(t + 8, (uint64_t)w->len);
        tier__snap_put32(t + 16, tier__crc32c(0, w->data, w->len - 4));
        w->finished = 1;
    }
    if (w->status)
        return w->status;
    *data = w->data;
    *len = w->len;
    return TIER_OK;
}

typedef struct image {
    const unsigned char *data;
    size_t len;
} image;

static int produce_image(void *ud, tier__io_put_fn put, void *put_ud)
{
    const image *im = ud;
    return put(put_ud, (const char *)im->data, im->len) ? TIER_EIO : TIER_OK;
}

int tier__snapw_save(tier__snapw *w, const tier_io *io, const char *path, char *err)
{
    image im;
    int rc = tier__snapw_finish(w, &im.data, &im.len);
    if (rc) {
        tier__errorf(err, "save '%s': %s", path ? path : "",
                     rc == TIER_ENOMEM   ? "out of memory building the snapshot"
                     : rc == TIER_ERANGE ? "the snapshot is too large"
                                         : "the snapshot was built wrongly (a bad tag, a value "
                                           "outside a section or a section left open)");
        return rc;
    }
    return tier__io_write_atomic(io, w->alloc, path, produce_image, &im, err);
}

/* ---- reader
 * -------------------------------------------------------------------------------------- */

/* The file ends with a trailer that gives its length: then a section that runs past the end has
 * a damaged length rather than a missing end (a cut file almost never ends that way). */
static int ends_with_trailer(const unsigned char *d, size_t len)
{
    const unsigned char *t;
    if (len < TIER__SNAP_HEADER_SIZE + TIER__SNAP_TRAILER_SIZE)
        return 0;
    t = d + len - TIER__SNAP_TRAILER_SIZE;
    return memcmp(t, tail_magic, 8) == 0 && tier__snap_get64(t + 8) == (uint64_t)len;
}

/* Prints tag bytes for a message: the tag itself when valid, else its bytes in hex. */
static const char *tag_text(char *dst, size_t cap, const unsigned char *t)
{
    if (tag_valid(t))
        snprintf(dst, cap, "'%c%c%c%c'", t[0], t[1], t[2], t[3]);
    else
        snprintf(dst, cap, "with tag bytes %02x %02x %02x %02x", t[0], t[1], t[2], t[3]);
    return dst;
}

/* Checks the header and walks every section; fills r->sections. The messages name the place. */
static int verify(tier__snapr *r, char *err)
{
    const unsigned char *d = r->data;
    const char *name = r->name;
    size_t len = r->len, off, i, fit;
    uint32_t stored, computed, count;
    char tt[48];

    if (len == 0) {
        tier__errorf(err, "%s: empty file, not a libtier snapshot", name);
        return TIER_ECORRUPT;
    }
    if (memcmp(d, head_magic, len < 8 ? len : 8) != 0) {
        tier__errorf(err, "%s: not a libtier snapshot (bad magic)", name);
        return TIER_ECORRUPT;
    }
    if (len < TIER__SNAP_HEADER_SIZE + TIER__SNAP_TRAILER_SIZE) {
        tier__errorf(err, "%s: truncated at byte %zu of at least %u (header and trailer)", name,
                     len, TIER__SNAP_HEADER_SIZE + TIER__SNAP_TRAILER_SIZE);
        return TIER_ECORRUPT;
    }
    stored = tier__snap_get32(d + 20);
    computed = tier__crc32c(0, d, 20);
    if (stored != computed) {
        tier__errorf(err,
                     "%s: header at byte 0: checksum mismatch (stored 0x%08lx, computed 0x%08lx)",
                     name, (unsigned long)stored, (unsigned long)computed);
        return TIER_ECORRUPT;
    }
    r->version = tier__snap_get32(d + 8);
    r->flags = tier__snap_get32(d + 12);
    count = tier__snap_get32(d + 16);
    if (r->version == 0) {
        tier__errorf(err, "%s: header at byte 8: format version 0 is not valid", name);
        return TIER_ECORRUPT;
    }
    if (r->version > TIER__SNAP_VERSION) {
        tier__errorf(err,
                     "%s: snapshot format version %lu is newer than this library's (%u): "
                     "written by a newer libtier",
                     name, (unsigned long)r->version, TIER__SNAP_VERSION);
        return TIER_EVERSION;
    }
    if (r->flags != 0) {
        tier__errorf(err,
                     "%s: header at byte 12: flags 0x%08lx are unknown to this library (format "
                     "version %u has none)",
                     name, (unsigned long)r->flags, TIER__SNAP_VERSION);
        return TIER_EVERSION;
    }
    /* Every section takes at least its 20 bytes of overhead: a count that cannot fit is a cut. */
    fit = (len - TIER__SNAP_HEADER_SIZE - TIER__SNAP_TRAILER_SIZE) / TIER__SNAP_SECTION_OVERHEAD;
    if (count > fit) {
        tier__errorf(
            err, "%s: truncated at byte %zu of at least %llu (the header declares %lu sections)",
            name, len,
            (unsigned long long)TIER__SNAP_HEADER_SIZE + TIER__SNAP_TRAILER_SIZE +
                (unsigned long long)count * TIER__SNAP_SECTION_OVERHEAD,
            (unsigned long)count);
        return TIER_ECORRUPT;
    }
    r->sections = count ? tier__calloc(r->alloc, count, sizeof *r->sections) : NULL;
    if (count && !r->sections) {
        tier__errorf(err, "%s: out of memory reading it", name);
        return TIER_ENOMEM;
    }
    off = TIER__SNAP_HEADER_SIZE;
    for (i = 0; i < count; i++) {
        tier__snap_section *s = &r->sections[i];
        uint64_t length;
        size_t room;
        /* off <= len - trailer holds here: the walk checked each section's end against it. */
        room = len - TIER__SNAP_TRAILER_SIZE - off;
        if (room < TIER__SNAP_SECTION_OVERHEAD) {
            tier__errorf(err,
                         "%s: truncated at byte %zu of at least %zu (section %zu of %lu would "
                         "start at byte %zu)",
                         name, len, off + TIER__SNAP_SECTION_OVERHEAD + TIER__SNAP_TRAILER_SIZE,
                         i + 1, (unsigned long)count, off);
            return TIER_ECORRUPT;
        }
        length = tier__snap_get64(d + off + 8);
        tag_text(tt, sizeof tt, d + off);
        if (length > (uint64_t)(room - TIER__SNAP_SECTION_OVERHEAD)) {
            if (ends_with_trailer(d, len))
                tier__errorf(err,
                             "%s: section %s at byte %zu: its length %llu runs past the last "
                             "section's end at byte %zu (a damaged length)",
                             name, tt, off, (unsigned long long)length,
                             len - TIER__SNAP_TRAILER_SIZE);
            else if (length > (uint64_t)SIZE_MAX / 2)
                tier__errorf(err,
                             "%s: section %s at byte %zu: length %llu is impossible (the file "
                             "has %zu bytes)",
                             name, tt, off, (unsigned long long)length, len);
            else
                tier__errorf(err,
                             "%s: truncated at byte %zu of at least %llu (section %s at byte %zu "
                             "declares %llu bytes)",
                             name, len,
                             (unsigned long long)off + TIER__SNAP_SECTION_OVERHEAD + length +
                                 TIER__SNAP_TRAILER_SIZE,
                             tt, off, (unsigned long long)length);
            return TIER_ECORRUPT;
        }
        stored = tier__snap_get32(d + off + TIER__SNAP_SECTION_HEAD + (size_t)length);
        computed = tier__crc32c(0, d + off, TIER__SNAP_SECTION_HEAD + (size_t)length);
        if (stored != computed) {
            tier__errorf(err,
                         "%s: section %s at byte %zu: checksum mismatch (stored 0x%08lx, computed "
                         "0x%08lx)",
                         name, tt, off, (unsigned long)stored, (unsigned long)computed);
            return TIER_ECORRUPT;
        }
        if (!tag_valid(d + off)) {
            tier__errorf(err,
                         "%s: section %zu at byte %zu: the tag is not 4 ASCII letters, digits or "
                         "'_' (bytes %02x %02x %02x %02x)",
                         name, i + 1, off, d[off], d[off + 1], d[off + 2], d[off + 3]);
            return TIER_ECORRUPT;
        }
        memcpy(s->tag, d + off, 4);
        s->tag[4] = '\0';
        s->flags = tier__snap_get32(d + off + 4);
        s->at = off;
        s->offset = off + TIER__SNAP_SECTION_HEAD;
        s->length = (size_t)length;
        off += TIER__SNAP_SECTION_OVERHEAD + (size_t)length;
    }
    /* The trailer: right after the last section (the walk left room for it), and the file ends
     * with it. */
    if (memcmp(d + off, tail_magic, 8) != 0) {
        tier__errorf(err,
                     "%s: trailer at byte %zu: bad magic (the %lu sections end there, expected "
                     "\"TIEREND\")",
                     name, off, (unsigned long)count);
        return TIER_ECORRUPT;
    }
    if (tier__snap_get64(d + off + 8) != (uint64_t)off + TIER__SNAP_TRAILER_SIZE) {
        tier__errorf(err,
                     "%s: trailer at byte %zu: total length %llu does not match the %zu bytes up "
                     "to the trailer's end",
                     name, off, (unsigned long long)tier__snap_get64(d + off + 8),
                     off + TIER__SNAP_TRAILER_SIZE);
        return TIER_ECORRUPT;
    }
    if (len != off + TIER__SNAP_TRAILER_SIZE) {
        tier__errorf(err, "%s: %zu bytes of unexpected data after the trailer's end at byte %zu",
                     name, len - off - TIER__SNAP_TRAILER_SIZE, off + TIER__SNAP_TRAILER_SIZE);
        return TIER_ECORRUPT;
    }
    stored = tier__snap_get32(d + len - 4);
    computed = tier__crc32c(0, d, len - 4);
    if (stored != computed) {
        tier__errorf(err,
                     "%s: trailer at byte %zu: file checksum mismatch (stored 0x%08lx, computed "
                     "0x%08lx)",
                     name, off, (unsigned long)stored, (unsigned long)computed);
        return TIER_ECORRUPT;
    }
    r->count = count;
    return TIER_OK;
}

static int start(tier__snapr *r, const tier_allocator *a, const char *name, char *err)
{
    memset(r, 0, sizeof *r);
    r->alloc = a;
    r->name = tier__strdup(a, name ? name : "(snapshot)");
    if (!r->name) {
        tier__errorf(err, "%s: out of memory reading it", name ? name : "(snapshot)");
        return TIER_ENOMEM;
    }
    return TIER_OK;
}

int tier__snapr_parse(tier__snapr *r, const tier_allocator *a, const void *data, size_t len,
                      const char *name, char *err)
{
    int rc = start(r, a, name, err);
    if (rc)
        return rc;
    r->data = data;
    r->len = len;
    if (!data && len) {
        tier__snapr_free(r);
        tier__errorf(err, "%s: no data", name ? name : "(snapshot)");
        return TIER_EINVAL;
    }
    rc = verify(r, err);
    if (rc)
        tier__snapr_free(r);
    return rc;
}

int tier__snapr_load(tier__snapr *r, const tier_allocator *a, const tier_io *io, const char *path,
                     uint64_t max, char *err)
{
    unsigned char *data;
    size_t len;
    int rc = start(r, a, path, err);
    if (rc)
        return rc;
    rc = tier__io_read_all(io, a, path, max ? max : TIER__SNAP_DEFAULT_MAX, &data, &len, err);
    if (rc) {
        tier__snapr_free(r);
        return rc;
    }
    r->owned = data;
    r->data = data;
    r->len = len;
    rc = verify(r, err);
    if (rc)
        tier__snapr_free(r);
    return rc;
}

void tier__snapr_free(tier__snapr *r)
{
    const tier_allocator *a = r->alloc;
    tier__free(a, r->owned);
    tier__free(a, r->name);
    tier__free(a, r->sections);
    memset(r, 0, sizeof *r);
    r->alloc = a;
}

const tier__snap_section *tier__snapr_find(const tier__snapr *r, const char *tag, uint32_t from)
{
    uint32_t i;
    if (!tag || strlen(tag) != 4)
        return NULL;
    for (i = from; i < r->count; i++)
        if (memcmp(r->sections[i].tag, tag, 4) == 0)
            return &r->sections[i];
    return NULL;
}

uint32_t tier__snapr_index(const tier__snapr *r, const tier__snap_section *s)
{
    return (uint32_t)(s - r->sections);
}

int tier__snapr_check_required(const tier__snapr *r, const char *const *known, size_t n, char *err)
{
    uint32_t i;
    size_t k;
    for (i = 0; i < r->count; i++) {
        const tier__snap_section *s = &r->sections[i];
        if (!(s->flags & TIER__SNAP_REQUIRED))
            continue;
        for (k = 0; k < n; k++)
            if (memcmp(known[k], s->tag, 4) == 0)
                break;
        if (k == n) {
            tier__errorf(err,
                         "%s: section '%s' at byte %zu is required but unknown to this library "
                         "(written by a newer libtier)",
                         r->name, s->tag, s->at);
            return TIER_EVERSION;
        }
    }
    return TIER_OK;
}

/* ---- cursor
 * -------------------------------------------------------------------------------------- */

void tier__snapr_cursor(const tier__snapr *r, const tier__snap_section *s, tier__snapc *c,
                        char *err)
{
    memset(c, 0, sizeof *c);
    c->p = r->data + s->offset;
    c->len = s->length;
    c->name = r->name;
    memcpy(c->tag, s->tag, 5);
    c->at = s->at;
    c->err = err;
}

size_t tier__snapc_left(const tier__snapc *c)
{
    return c->len - c->pos;
}

/* n bytes at the cursor for a value called `what`, or NULL with the error written. */
static const unsigned char *take(tier__snapc *c, size_t n, const char *what)
{
    const unsigned char *p;
    if (n > c->len - c->pos) {
        tier__errorf(c->err,
                     "%s: section '%s' at byte %zu: truncated payload: %s at payload byte %zu "
                     "needs %zu bytes, %zu left",
                     c->name, c->tag, c->at, what, c->pos, n, c->len - c->pos);
        return NULL;
    }
    p = c->p + c->pos;
    c->pos += n;
    return p;
}

int tier__snapc_u8(tier__snapc *c, uint8_t *out)
{
    const unsigned char *p = take(c, 1, "a u8");
    if (!p)
        return TIER_ECORRUPT;
    *out = p[0];
    return TIER_OK;
}

/* The kinds of number a cursor reads: each is 4 or 8 little-endian bytes. */
enum { NUM_U32, NUM_U64, NUM_I32, NUM_I64, NUM_F64 };

/* The one reader of a number: takes its bytes (the error naming the kind) and stores it in *out,
 * which points to the kind's type; *out is untouched on failure. */
static int take_num(tier__snapc *c, int kind, void *out)
{
    static const char *const what[] = {"a u32", "a u64", "an i32", "an i64", "an f64"};
    size_t n = kind == NUM_U32 || kind == NUM_I32 ? 4 : 8;
    const unsigned char *p = take(c, n, what[kind]);
    uint64_t u;
    if (!p)
        return TIER_ECORRUPT;
    u = n == 4 ? tier__snap_get32(p) : tier__snap_get64(p);
    /* Two's complement reads without relying on the host's conversion of large values. */
    if (kind == NUM_U32)
        *(uint32_t *)out = (uint32_t)u;
    else if (kind == NUM_I32)
        *(int32_t *)out = u <= (uint32_t)INT32_MAX ? (int32_t)u : -(int32_t)(~(uint32_t)u) - 1;
    else if (kind == NUM_I64)
        *(int64_t *)out = u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
    else if (kind == NUM_F64)
        memcpy(out, &u, sizeof u);
    else
        *(uint64_t *)out = u;
    return TIER_OK;
}

int tier__snapc_u32(tier__snapc *c, uint32_t *out)
{
    return take_num(c, NUM_U32, out);
}

int tier__snapc_u64(tier__snapc *c, uint64_t *out)
{
    return take_num(c, NUM_U64, out);
}

int tier__snapc_i32(tier__snapc *c, int32_t *out)
{
    return take_num(c, NUM_I32, out);
}

int tier__snapc_i64(tier__snapc *c, int64_t *out)
{
    return take_num(c, NUM_I64, out);
}

int tier__snapc_f64(tier__snapc *c, double *out)
{
    return take_num(c, NUM_F64, out);
}

int tier__snapc_bytes(tier__snapc *c, size_t n, const unsigned char **out)
{
    const unsigned char *p = take(c, n, "a run of bytes");
    if (!p)
        return TIER_ECORRUPT;
    *out = p;
    return TIER_OK;
}

int tier__snapc_str(tier__snapc *c, size_t max, const char **s, size_t *len)
{
    size_t start = c->pos;
    const unsigned char *p = take(c, 4, "a string's length");
    uint32_t n;
    if (!p)
        return TIER_ECORRUPT;
    n = tier__snap_get32(p);
    if (max && n > max) {
        c->pos = start;
        tier__errorf(c->err,
                     "%s: section '%s' at byte %zu: a string of %lu bytes at payload byte %zu, "
                     "more than the %zu allowed there",
                     c->name, c->tag, c->at, (unsigned long)n, start, max);
        return TIER_ECORRUPT;
    }
    p = take(c, n, "a string");
    if (!p) {
        c->pos = start;
        return TIER_ECORRUPT;
    }
    *s = (const char *)p;
    *len = n;
    return TIER_OK;
}

int tier__snapc_done(tier__snapc *c)
{
    if (c->pos != c->len) {
        tier__errorf(c->err,
                     "%s: section '%s' at byte %zu: %zu bytes left over after payload byte %zu",
                     c->name, c->tag, c->at, c->len - c->pos, c->pos);
        return TIER_ECORRUPT;
    }
    return TIER_OK;
}
