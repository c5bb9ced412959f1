/* SPDX-License-Identifier: MIT */
/* For the fuzz targets that read through a file path (fuzz_csv, fuzz_attributes): an I/O layer
 * (io.h) whose one file is the fuzz input, handed out in reads of at most `chunk` bytes so that
 * short reads are exercised. Header only (static inline). */
#ifndef TIER_FUZZ_MEMIO_H
#define TIER_FUZZ_MEMIO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tier.h"

typedef struct tier_fuzz_memfile {
    const uint8_t *data;
    size_t len;
    size_t pos;
    size_t chunk;
} tier_fuzz_memfile;

static inline int tier_fuzz_mem_open(void *ud, const char *path, int mode, void **out)
{
    tier_fuzz_memfile *m = ud;
    (void)path;
    (void)mode;
    m->pos = 0;
    *out = m;
    return 0;
}

static inline int64_t tier_fuzz_mem_read(void *ud, void *file, void *buf, size_t size)
{
    tier_fuzz_memfile *m = ud;
    size_t n = m->len - m->pos;
    (void)file;
    if (n > size)
        n = size;
    if (n > m->chunk)
        n = m->chunk;
    if (n)
        memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (int64_t)n;
}

static inline int tier_fuzz_mem_close(void *ud, void *file)
{
    (void)ud;
    (void)file;
    return 0;
}

/* Fills *io so that every open gives `len` bytes of `data`, at most `chunk` at a time. */
static inline void tier_fuzz_memio(tier_io *io, tier_fuzz_memfile *m, const uint8_t *data,
                                   size_t len, size_t chunk)
{
    memset(io, 0, sizeof *io);
    m->data = data;
    m->len = len;
    m->pos = 0;
    m->chunk = chunk;
    io->version = TIER_IO_VERSION;
    io->open = tier_fuzz_mem_open;
    io->read = tier_fuzz_mem_read;
    io->close = tier_fuzz_mem_close;
    io->ud = m;
}

#endif
