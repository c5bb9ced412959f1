#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes history.snap, a libtier history snapshot, from docs/snapshot-format.md alone.

A second, independent writer of the history's sections (the C one is src/history/snapshot.c):
tests/test_history_snapshot.c builds the same history through the library and requires the very
same bytes. Every part is filled: tiers, entries (with no tier, never moved, non-ASCII ids),
overrides (one for a tier the policy lacks, one made before any run), models, the ledger's moves,
matrix and expired overrides, and two sections of a "newer version" that must be kept in their
places. Run it from any directory; it writes next to itself. Python 3, standard library only."""
import os
import struct

# The container (header, sections, checksums, end) is make_golden.py's: one writer of it.
from make_golden import section, snapshot, string as text

NEVER = -2**31
AS_OF = 20089  # 2025-01-01


def u8(v):
    return struct.pack("<B", v)


def u32(v):
    return struct.pack("<I", v)


def i32(v):
    return struct.pack("<i", v)


def override(cid, tier, reason, author, expires, created):
    return text(cid) + text(tier) + text(reason) + text(author) + i32(expires) + i32(created)


tiers = ["Gold", "Silver", "Bronze"]
# id, tier, since, runs, failing, previous, moved, reason
entries = [
    ("C001", 0, 19797, 5, 0, 1, 19797, 'rule "top revenue"'),
    ("C002", 2, 20000, 1, 2, -1, NEVER, ""),
    ("C003", -1, AS_OF, 0, 0, 1, AS_OF, "no rule holds"),
    ("Z\u00fcrich-7", 1, 19000, 12, 1, 0, 19000, "held in Gold: minimum dwell of 90 days"),
]
overrides = [
    override("C001", "Gold", "key account", "anna", 20200, 20050),
    override("C9", "Platinum", "VIP \u2605", "bob", 20300, NEVER),
]
models = [
    ("abc", "pareto", 'tier-model-state 1\nkind "pareto"\nname "abc"\nend\n'),
    ("rfm", "rfm", ""),
]
moves = [
    ("C001", 1, 0, 3, 'rule "top revenue"'),
    ("C002", -1, 2, 1, ""),
    ("C004", 1, -1, 2, ""),
    ("C005", 2, 1, 7, "trial (carl, until 2025-01-01)"),
]
cells = (len(tiers) + 1) ** 2
expired = [override("C005", "Silver", "trial", "carl", AS_OF, 20000)]

hist = (u32(1) + struct.pack("<Q", 42) + u8(1) + i32(AS_OF) + text("Gold & Silber \u2013 B2B")
        + u32(0xDEADBEEF))
tirs = u32(len(tiers)) + b"".join(text(t) for t in tiers)
cust = u32(len(entries)) + b"".join(
    text(e[0]) + i32(e[1]) + i32(e[2]) + u32(e[3]) + u32(e[4]) + i32(e[5]) + i32(e[6]) + text(e[7])
    for e in entries)
ovrd = u32(len(overrides)) + b"".join(overrides)
modl = u32(len(models)) + b"".join(text(n) + text(k) + text(s) for n, k, s in models)
ledg = (u32(len(moves)) + b"".join(text(m[0]) + i32(m[1]) + i32(m[2]) + u32(m[3]) + text(m[4])
                                   for m in moves)
        + u8(1) + b"".join(struct.pack("<Qd", 3 * c + 1, 1.5 * c - 2.25) for c in range(cells))
        + u32(len(expired)) + b"".join(expired))

data = snapshot([
    section(b"HIST", 1, hist),
    section(b"TIRS", 1, tirs),
    section(b"CUST", 1, cust),
    section(b"OVRD", 1, ovrd),
    section(b"XFUT", 0, b"future\0data"),  # unknown: kept after OVRD
    section(b"MODL", 0, modl),
    section(b"LEDG", 0, ledg),
    section(b"zz_1", 2, b""),  # unknown, a reserved flag bit: kept at the end as it is
])
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "history.snap"), "wb") as f:
    f.write(data)
print(len(data), "bytes")
