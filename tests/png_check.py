# SPDX-License-Identifier: MIT
"""Decodes a PNG screenshot with zlib alone (8-bit RGB or RGBA, not interlaced: what Chromium
writes) and checks that the page rendered: the share of pixels that are not near-white is at
least MIN_INK, and each COLOUR (hex RGB, e.g. 4c72b0: the report's customer bars) covers at least
MIN_PIXELS pixels (within a small tolerance), so the SVG charts were drawn, not only the text.

    png_check.py FILE MIN_INK [COLOUR MIN_PIXELS]...

Prints the figures; exit 0 when they hold, 1 when not, 2 when the file is not such a PNG.
"""

import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, head = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = head
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError("PNG depth %d colour type %d interlace %d not handled"
                         % (depth, colour, interlace))
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def main():
    path, min_ink = sys.argv[1], float(sys.argv[2])
    wanted = [(sys.argv[k], int(sys.argv[k + 1])) for k in range(3, len(sys.argv) - 1, 2)]
    try:
        width, height, bpp, rows = decode(path)
    except (ValueError, OSError, zlib.error, TypeError, struct.error) as e:
        print("png_check: %s: %s" % (path, e))
        return 2
    colours = [tuple(int(h[i:i + 2], 16) for i in (0, 2, 4)) for h, _ in wanted]
    found = [0] * len(colours)
    ink = 0
    for line in rows:
        for x in range(0, width * bpp, bpp):
            r, g, b = line[x], line[x + 1], line[x + 2]
            if r < 240 or g < 240 or b < 240:
                ink += 1
                for k, (cr, cg, cb) in enumerate(colours):
                    if abs(r - cr) <= 6 and abs(g - cg) <= 6 and abs(b - cb) <= 6:
                        found[k] += 1
    share = ink / float(width * height)
    print("png_check: %s: %dx%d, %.2f%% not white, colours %s" % (
        path, width, height, 100 * share, dict(zip((h for h, _ in wanted), found))))
    ok = share >= min_ink and all(f >= n for f, (_, n) in zip(found, wanted))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
