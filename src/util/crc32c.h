/* SPDX-License-Identifier: MIT */
/* CRC-32C (Castagnoli): the checksum of the snapshot format (docs/snapshot-format.md). Reflected
 * polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF, as in iSCSI (RFC 3720), ext4 and
 * SSE 4.2's crc32 instruction; "123456789" gives 0xE3069283. Portable C99, slicing by 8 bytes
 * over constant tables (no state, no initialisation, safe from any thread). Internal; never
 * installed. */
#ifndef TIER_UTIL_CRC32C_H
#define TIER_UTIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of `len` bytes at `data` continued from `crc`, the CRC of the bytes before them
 * (0 for none): tier__crc32c(tier__crc32c(0, a, n), b, m) is the CRC of a followed by b. `data`
 * may be NULL when `len` is 0. */
uint32_t tier__crc32c(uint32_t crc, const void *data, size_t len);

#endif
