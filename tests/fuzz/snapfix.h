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

#endif
