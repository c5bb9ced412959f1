#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a W1-like transaction log for the thread-count test (tests/cli_threads_test.sh).

The log starts with a byte-order mark and has the W1 header, then rows in date order with what
the benchmark generator never writes: same-day repeat purchases, refunds, $0 rows, quoted ids
(with a delimiter or a doubled quote inside) and CRLF line ends on some rows. Then, for 2, 3 and
8 parts, the line that starts each part of a split read (the first line after the first line end
at or after each boundary, as src/pipeline/read.c cuts) gets a byte-order-mark-like start: its
first three bytes "C00" become EF BB BF, which keeps the file's size and so its boundaries. Such
a line is data (a customer whose id starts with U+FEFF) wherever it is read.

Usage: threads_input.py OUT [BAD]; with BAD the log also holds two bad rows, the first one in
the middle and a second one near the end, so that every split reports the first.
"""
import random
import sys

BOM = b"\xef\xbb\xbf"


def rows(rng: random.Random, count: int, customers: int) -> list[bytes]:
    """The data lines (with their line ends) of the log."""
    out: list[bytes] = []
    day = 0
    for i in range(count):
        if rng.random() < 0.01:
            day = min(day + 1, 1095)
        k = rng.randrange(customers)
        y, d = divmod(day, 365)
        date = "%04d-%02d-%02d" % (2022 + y, d // 28 % 12 + 1, d % 28 + 1)
        kind = rng.random()
        if kind < 0.06:
            amount = "-%d.%02d" % (rng.randrange(500), rng.randrange(100))
        elif kind < 0.09:
            amount = rng.choice(["0.00", "0", "-0.00"])
        else:
            amount = "%d.%02d" % (rng.randrange(1, 2000), rng.randrange(100))
        if k % 97 == 1:
            ident = '"Acme, %d"' % k
        elif k % 89 == 2:
            ident = '"Q""%d"' % k
        elif k % 11 == 3:
            ident = '"C%07d"' % k
        else:
            ident = "C%07d" % k
        end = "\r\n" if i % 53 == 0 else "\n"
        line = "%s,%s,%s%s" % (ident, date, amount, end)
        out.append(line.encode())
        if rng.random() < 0.05:  # the same customer again on the same day
            out.append(line.encode())
    return out


def mark_part_starts(data: bytearray) -> int:
    """Gives the first line of every part of a 2, 3 and 8-part split a BOM-like start."""
    size, marked = len(data), 0
    for parts in (2, 3, 8):
        for k in range(1, parts):
            start = size // parts * k + size % parts * k // parts
            nl = data.find(b"\n", start)
            at = nl + 1
            if nl >= 0 and data[at:at + 3] == b"C00":
                data[at:at + 3] = BOM
                marked += 1
    return marked


def main() -> int:
    """Writes the log to argv[1]."""
    rng = random.Random(11)
    body = rows(rng, 60000, 9000)
    if len(sys.argv) > 2:
        body[len(body) // 2] = b"C0000001,2023-02-30,1.00\n"
        body[-3] = b"C0000002,2023-01-01,abc\n"
    data = bytearray(BOM + b"customer_id,date,amount\n" + b"".join(body))
    if mark_part_starts(data) < 6:
        print("threads_input.py: too few part starts could be marked", file=sys.stderr)
        return 1
    with open(sys.argv[1], "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
