/* SPDX-License-Identifier: MIT */
/* CRC-32C by slicing by 8 (see util/crc32c.h). crc_table[0] is the classic byte-at-a-time table
 * of the reflected polynomial 0x82F63B78; crc_table[k][i] is crc_table[k - 1][i] advanced by one
 * zero byte, so eight table look-ups fold eight input bytes at once. The tables are constants
 * (generated once, checked against a bit-at-a-time CRC in tests/test_util.c). */
#include "util/crc32c.h"

#include "util/crc32c_table.inc"

uint32_t tier__crc32c(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t c = ~crc;
    /* Byte by byte up to an 8-byte boundary, so the loop below reads aligned words' worth. */
    while (len && ((uintptr_t)p & 7u) != 0) {
        c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xFFu];
        len--;
    }
    while (len >= 8) {
        /* The bytes are combined one by one (no word loads), so the result does not depend on
         * the host's byte order. */
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24);
        c = crc_table[7][lo & 0xFFu] ^ crc_table[6][(lo >> 8) & 0xFFu] ^
            crc_table[5][(lo >> 16) & 0xFFu] ^ crc_table[4][lo >> 24] ^ crc_table[3][p[4]] ^
            crc_table[2][p[5]] ^ crc_table[1][p[6]] ^ crc_table[0][p[7]];
        p += 8;
        len -= 8;
    }
    while (len--)
        c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xFFu];
    return ~c;
}
