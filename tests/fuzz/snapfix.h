/* SPDX-License-Identifier: MIT */
/* For the fuzz targets and tests of snapshot readers: makes a file's checksums right again (the
 * header's, each section's as far as the declared lengths reach, and the trailer's length and
 * checksum when there is room for it), so that damage reaches the structure behind them. Header
 * only (static inline), used by fuzz_snapfile, fuzz_history and
 * tests/test_history_snapshot_faults.c. */
#ifndef TIER_FUZZ_SNAPFIX_H
#define TIER_FUZZ_SNAPFIX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/snapfile.h"
#include "util/crc32c.h"

static inline void tier_fuzz_fix_checksums(unsigned char *d, size_t len)
{
    size_t off = TIER__SNAP_HEADER_SIZE;
    uint32_t i, count;
    if (len < TIER__SNAP_HEADER_SIZE)
        return;
    tier__snap_put32(d + 20, tier__crc32c(0, d, 20));
    count = tier__snap_get32(d + 16);
    for (i = 0; i < count; i++) {
        uint64_t length;
        if (len - off < TIER__SNAP_SECTION_OVERHEAD)
            return;
        length = tier__snap_get64(d + off + 8);
        if (length > len - off - TIER__SNAP_SECTION_OVERHEAD)
            return;
        tier__snap_put32(d + off + TIER__SNAP_SECTION_HEAD + (size_t)length,
                         tier__crc32c(0, d + off, TIER__SNAP_SECTION_HEAD + (size_t)length));
        off += TIER__SNAP_SECTION_OVERHEAD + (size_t)length;
    }
    if (len - off >= TIER__SNAP_TRAILER_SIZE) {
        tier__snap_put64(d + off + 8, (uint64_t)off + TIER__SNAP_TRAILER_SIZE);
        tier__snap_put32(d + off + 16, tier__crc32c(0, d, off + 16));
    }
}

/* The file of a fuzz input: the first byte is the mode (*mode), the rest the file, copied into
 * a block of exactly its size (malloc(0) may give NULL: one byte then) so that ASan sees any
 * read past its end; its checksums are fixed first when bit 0 of the mode is set. NULL for an
 * empty input or when out of memory; release with free(). */
static inline unsigned char *tier_fuzz_file(const uint8_t *data, size_t size, unsigned *mode,
                                            size_t *len)
{
    unsigned char *file;
    if (size == 0)
        return NULL;
    *mode = data[0];
    *len = size - 1;
    file = malloc(*len ? *len : 1);
    if (!file)
        return NULL;
    memcpy(file, data + 1, *len);
    if (*mode & 1)
        tier_fuzz_fix_checksums(file, *len);
    return file;
}

/* A refused "fuzz.snap": aborts unless the status is one a reader may give for any bytes
 * (damage, a newer version, out of memory) and the message starts with the file's name. */
static inline void tier_fuzz_expect_refused(int rc, const char *err)
{
    if (rc != TIER_ECORRUPT && rc != TIER_EVERSION && rc != TIER_ENOMEM)
        abort();
    if (strncmp(err, "fuzz.snap: ", 11) != 0) {
        fprintf(stderr, "message without the file's name: %s\n", err);
        abort();
    }
}

#endif
