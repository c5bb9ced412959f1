#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes golden.snap, the snapshot container test file, from docs/snapshot-format.md alone.

This is a second, independent writer of the format (the C one is src/core/snapfile.c): the test
tests/test_snapfile.c builds the same sections with the library and requires the very same bytes,
so the library, this script and the spec agree. Run it from any directory; it writes next to
itself. Python 3, standard library only."""
import os
import struct


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, bit by bit."""
    c = crc ^ 0xFFFFFFFF
    for byte in data:
        c ^= byte
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xFFFFFFFF


def section(tag, flags, payload):
    head = tag + struct.pack("<IQ", flags, len(payload))
    return head + payload + struct.pack("<I", crc32c(head + payload))


def string(s):
    b = s.encode("utf-8")
    return struct.pack("<I", len(b)) + b


def snapshot(sections):
    header = b"TIERSNAP" + struct.pack("<III", 1, 0, len(sections))
    body = header + struct.pack("<I", crc32c(header)) + b"".join(sections)
    body += b"TIEREND\0" + struct.pack("<Q", len(body) + 20)
    return body + struct.pack("<I", crc32c(body))


def main():
    meta = (struct.pack("<I", 1) + string("libtier snapshot golden") + struct.pack("<i", -5)
            + struct.pack("<q", -2**63) + struct.pack("<Q", 2**64 - 1) + struct.pack("<d", -0.0)
            + struct.pack("<d", 3.25) + struct.pack("<B", 7))
    data = snapshot([
        section(b"META", 1, meta),
        section(b"TIER", 0, bytes((i * 7 + 3) % 256 for i in range(1000))),
        section(b"EMPT", 0, b""),
        section(b"TIER", 0, string("second")),
        section(b"XTRA", 0, b"future\0data"),
    ])
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.snap"), "wb") as f:
        f.write(data)
    print(len(data), "bytes")


if __name__ == "__main__":
    main()
