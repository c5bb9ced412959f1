#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tier report` in a real browser: the page of the B2B example with a previous snapshot is opened
# by headless Chromium (file://, no network) and screenshotted at 1200x2000; tests/png_check.py
# decodes the PNG and requires ink on at least 3% of the pixels and the colours of the pyramid's
# customer and revenue bars (so the inline SVG was drawn, not only the text). A blank page, or one
# whose SVG does not render, fails. Exit 77 (skipped) when chromium is not installed.
# Usage: report_browser_test.sh TIER_BINARY SOURCE_DIR
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
src=$2
data=$src/examples/data
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "report_browser: chromium is not installed: skipped"
    exit 77
fi
job=(--input "$data/b2b_invoices.csv" --accounts "$data/b2b_accounts.csv" --quiet)
check "run 1 (state)" expect_exit 0 "$tier" run "${job[@]}" --as-of 2025-01-01 --state "$work/s" \
    --out "$work/o1.csv"
check "report" expect_exit 0 "$tier" report "${job[@]}" --state "$work/s" --out "$work/r.html"
# A profile of its own in $work: nothing of the user's, nothing left behind.
check "screenshot" expect_exit 0 timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
    --no-first-run --user-data-dir="$work/profile" --screenshot="$work/shot.png" \
    --window-size=1200,2000 "file://$work/r.html"
check "the screenshot exists" test -s "$work/shot.png"
check "rendered: ink and the bars' colours" python3 "$src/tests/png_check.py" "$work/shot.png" 0.03 \
    4c72b0 500 dd8452 500
# The checker itself: a white page of the same size fails it.
python3 - "$work/white.png" <<'PY'
import struct, sys, zlib
w, h = 1200, 2000
def chunk(k, d):
    return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))
raw = b"".join(b"\x00" + b"\xff" * w * 3 for _ in range(h))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
check "a blank page fails the check" expect_exit 1 python3 "$src/tests/png_check.py" "$work/white.png" 0.03
finish report_browser
