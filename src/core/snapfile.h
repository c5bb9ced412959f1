/* SPDX-License-Identifier: MIT */
/* The snapshot container (docs/snapshot-format.md): a versioned binary file of tagged sections,
 * each with its length and a CRC-32C, between a checked header and a trailer that carries the
 * file's length and a CRC of the whole, so that damage and truncation are always found. This layer
 * knows nothing of what the sections hold; it writes them all or nothing through an I/O table
 * (core/io_file.c) and reads them back only after every length and checksum was verified.
 * Little-endian fixed-width integers throughout, independent of the host. Internal.
 *
 *     tier__snapw w;
 *     tier__snapw_init(&w, alloc);
 *     tier__snapw_begin(&w, "META", 0);
 *     tier__snapw_u32(&w, 1);
 *     tier__snapw_str(&w, "gold", 4);
 *     tier__snapw_end(&w);
 *     rc = tier__snapw_save(&w, io, "state.snap", err);   (checks the latched status)
 *     tier__snapw_free(&w);
 *
 *     tier__snapr r;
 *     rc = tier__snapr_load(&r, alloc, io, "state.snap", 0, err);   (0: the default limit)
 *     s = tier__snapr_find(&r, "META", 0);
 *     tier__snapr_cursor(&r, s, &c, err);
 *     rc = tier__snapc_u32(&c, &v);   (TIER_ECORRUPT on overrun, with the place in err)
 *     tier__snapr_free(&r);
 */
#ifndef TIER_CORE_SNAPFILE_H
#define TIER_CORE_SNAPFILE_H

#include "util/internal.h"

/* The container format version this library writes and the newest it reads. */
#define TIER__SNAP_VERSION 1u
/* Sizes of the fixed parts, in bytes: the header; a section's head (tag, flags, length) and its
 * whole overhead (head and the CRC after the payload); the trailer. */
#define TIER__SNAP_HEADER_SIZE 24u
#define TIER__SNAP_SECTION_HEAD 16u
#define TIER__SNAP_SECTION_OVERHEAD 20u
#define TIER__SNAP_TRAILER_SIZE 20u
/* The largest file tier__snapr_load reads unless told otherwise: 1 GiB. */
#define TIER__SNAP_DEFAULT_MAX ((uint64_t)1 << 30)

/* Section flag: a reader that does not know the section's tag must not use the file
 * (tier__snapr_check_required). Other bits are reserved: written as 0, kept as read. */
#define TIER__SNAP_REQUIRED 1u

/* ---- writing ------------------------------------------------------------------------------- */

/* A snapshot being built, as the bytes of the file. Like tier__buf it latches its first failure:
 * after it every call does nothing, and tier__snapw_status/finish/save return it. */
typedef struct tier__snapw {
    const tier_allocator *alloc; /* borrowed */
    unsigned char *data;
    size_t len, cap;
    size_t open_at; /* offset of the open section's head; SIZE_MAX when none is open */
    uint32_t count; /* sections finished */
    int status;     /* TIER_OK, or TIER_ENOMEM / TIER_ERANGE (too large) / TIER_EINVAL (misuse) */
    int finished;   /* the header and trailer are written: nothing more can be added */
} tier__snapw;

/* An empty snapshot on `a` (a resolved allocator, as a handle keeps). Allocates nothing. */
void tier__snapw_init(tier__snapw *w, const tier_allocator *a);
void tier__snapw_free(tier__snapw *w);
int tier__snapw_status(const tier__snapw *w);

/* Opens a section: `tag` is 4 bytes, each an ASCII letter, digit or '_' (libtier's own tags are
 * upper case); `flags` TIER__SNAP_REQUIRED or 0. Sections may repeat a tag. Opening one while
 * another is open, or after finishing, latches TIER_EINVAL, as does a bad tag. */
int tier__snapw_begin(tier__snapw *w, const char *tag, uint32_t flags);
/* Closes the open section (its length and CRC are filled in). */
int tier__snapw_end(tier__snapw *w);
/* A whole section at once (begin, the bytes, end). */
int tier__snapw_section(tier__snapw *w, const char *tag, uint32_t flags, const void *data,
                        size_t len);

/* Append to the open section (TIER_EINVAL latched when none is open). f64 is the IEEE 754 bit
 * pattern, so NaN payloads and -0 come back exactly; str is a u32 byte count then the bytes
 * (no NUL; more than UINT32_MAX bytes latches TIER_ERANGE). */
void tier__snapw_u8(tier__snapw *w, uint8_t v);
void tier__snapw_u32(tier__snapw *w, uint32_t v);
void tier__snapw_u64(tier__snapw *w, uint64_t v);
void tier__snapw_i32(tier__snapw *w, int32_t v);
void tier__snapw_i64(tier__snapw *w, int64_t v);
void tier__snapw_f64(tier__snapw *w, double v);
void tier__snapw_bytes(tier__snapw *w, const void *data, size_t len);
void tier__snapw_str(tier__snapw *w, const char *s, size_t len);

/* Writes the header and trailer (once; later calls give the same bytes) and gives the whole file
 * (borrowed from w). Returns the latched status, or TIER_EINVAL when a section is still open. */
int tier__snapw_finish(tier__snapw *w, const unsigned char **data, size_t *len);

/* Finishes the snapshot and writes it to `path` all or nothing through `io` (NULL: the default
 * table): temporary file beside it, sync, rename, directory sync (tier__io_write_atomic). Returns
 * TIER_OK or the failure, its reason in err ("save 'PATH': ..."). */
int tier__snapw_save(tier__snapw *w, const tier_io *io, const char *path, char *err);

/* ---- reading ------------------------------------------------------------------------------- */

/* One section of a verified file. */
typedef struct tier__snap_section {
    char tag[5]; /* the 4 tag bytes and a NUL */
    uint32_t flags;
    size_t at;     /* file offset of the section's head */
    size_t offset; /* file offset of the payload */
    size_t length; /* payload bytes */
} tier__snap_section;

/* A verified snapshot: every length and CRC checked before any section is handed out. */
typedef struct tier__snapr {
    const tier_allocator *alloc;
    unsigned char *owned; /* the file read by tier__snapr_load; NULL for tier__snapr_parse */
    const unsigned char *data;
    size_t len;
    char *name; /* for messages: the path, or the name given to tier__snapr_parse */
    uint32_t version, flags;
    tier__snap_section *sections;
    uint32_t count;
} tier__snapr;

/* Reads the file at `path` through `io` (NULL: the default table) and verifies it. `max` is the
 * largest file accepted (0: TIER__SNAP_DEFAULT_MAX). Returns TIER_OK (free with tier__snapr_free),
 * or: TIER_ECORRUPT for a damaged, truncated or foreign file; TIER_EVERSION for a newer format
 * version or header flags this library does not know; TIER_ERANGE over `max`; TIER_ENOTFOUND
 * when the file does not exist; TIER_EIO; TIER_ENOMEM. On failure r holds nothing to free, and
 * err says what and where ("state.snap: section 'TIER' at byte 96: checksum mismatch (stored
 * 0x..., computed 0x...)"). */
int tier__snapr_load(tier__snapr *r, const tier_allocator *a, const tier_io *io, const char *path,
                     uint64_t max, char *err);

/* The same for `len` bytes in memory, which are borrowed: they must outlive the reader. `name`
 * stands for the file in messages. */
int tier__snapr_parse(tier__snapr *r, const tier_allocator *a, const void *data, size_t len,
                      const char *name, char *err);

void tier__snapr_free(tier__snapr *r);

/* The first section with `tag` at index `from` or later (NULL: none), for walking repeats:
 * pass the index after the previous one found (tier__snapr_index). */
const tier__snap_section *tier__snapr_find(const tier__snapr *r, const char *tag, uint32_t from);
/* The index of a section of r. */
uint32_t tier__snapr_index(const tier__snapr *r, const tier__snap_section *s);

/* TIER_EVERSION, naming the first section flagged TIER__SNAP_REQUIRED whose tag is not among the
 * `n` tags of `known` (each 4 bytes), else TIER_OK. */
int tier__snapr_check_required(const tier__snapr *r, const char *const *known, size_t n, char *err);

/* Appends section `s` of r to w unchanged (tag, flags, payload): unknown sections written back
 * as they were read. */
int tier__snapw_copy(tier__snapw *w, const tier__snapr *r, const tier__snap_section *s);

/* ---- a bounded cursor over one section's payload --------------------------------------------- */

typedef struct tier__snapc {
    const unsigned char *p; /* the payload */
    size_t len, pos;
    const char *name; /* the file, for messages */
    char tag[5];
    size_t at; /* file offset of the section's head */
    char *err;
} tier__snapc;

/* A cursor at the start of section s of r; errors go to err (TIER__ERR_SIZE bytes). */
void tier__snapr_cursor(const tier__snapr *r, const tier__snap_section *s, tier__snapc *c,
                        char *err);

/* Each reads the next value and returns TIER_OK, or TIER_ECORRUPT (the cursor and *out
 * unchanged) when the payload has too few bytes left, saying which value at which payload byte.
 * Never reads outside the payload. str gives a pointer into the payload (not NUL-terminated) and
 * refuses a length over `max` (0: no limit) as damage. */
int tier__snapc_u8(tier__snapc *c, uint8_t *out);
int tier__snapc_u32(tier__snapc *c, uint32_t *out);
int tier__snapc_u64(tier__snapc *c, uint64_t *out);
int tier__snapc_i32(tier__snapc *c, int32_t *out);
int tier__snapc_i64(tier__snapc *c, int64_t *out);
int tier__snapc_f64(tier__snapc *c, double *out);
int tier__snapc_bytes(tier__snapc *c, size_t n, const unsigned char **out);
int tier__snapc_str(tier__snapc *c, size_t max, const char **s, size_t *len);
/* Bytes not read yet. */
size_t tier__snapc_left(const tier__snapc *c);
/* TIER_OK when every byte was read, else TIER_ECORRUPT ("N bytes left over"). */
int tier__snapc_done(tier__snapc *c);

/* Little-endian integers at p (for the format's fixed parts and for tests). */
uint32_t tier__snap_get32(const unsigned char *p);
uint64_t tier__snap_get64(const unsigned char *p);
void tier__snap_put32(unsigned char *p, uint32_t v);
void tier__snap_put64(unsigned char *p, uint64_t v);

#endif
