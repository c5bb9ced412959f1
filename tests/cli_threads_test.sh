#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `tier run --threads N` gives byte-identical output for N = 1, 2, 3 and 8: on a W1-like log
# (tests/threads_input.py: same-day repeats, refunds, $0 rows, quoted ids, CRLF rows, a BOM, and
# a byte-order-mark-like start on the first line of every part of a split read), on the CDNOW
# master log and on the B2B example (with accounts and contracts); a log with two bad rows names
# the first one whatever N is. TIER_SPLIT_MIN_BYTES=1 makes every input big enough to split.
# Usage: cli_threads_test.sh TIER_BINARY SOURCE_DIR [PYTHON]
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
src=$2
python=${3:-python3}
data=$src/examples/data
export TIER_SPLIT_MIN_BYTES=1

check "the log is generated" "$python" "$src/tests/threads_input.py" "$work/w1.csv"
check "the bad log is generated" "$python" "$src/tests/threads_input.py" "$work/bad.csv" bad

# same NAME ARGS...: runs `tier run ARGS` with 1, 2, 3 and 8 threads and compares the outputs.
same() {
    local name=$1 t
    shift
    for t in 1 2 3 8; do
        check "$name: --threads $t runs" expect_exit 0 "$tier" run "$@" --threads "$t" \
            --out "$work/$name-$t.csv"
    done
    for t in 2 3 8; do
        check "$name: --threads $t gives the output of --threads 1" \
            cmp "$work/$name-1.csv" "$work/$name-$t.csv"
    done
}

same w1 --input "$work/w1.csv" --as-of 2025-01-01
same w1-rfm --input "$work/w1.csv" --as-of 2025-01-01 --models rfm,pareto --format json
same cdnow --input "$data/CDNOW_master.txt" --as-of 1998-07-01
same b2b --input "$data/b2b_invoices.csv" --accounts "$data/b2b_accounts.csv" \
    --contracts "$data/b2b_contracts.csv"

# The lines that start a part with EF BB BF are customers of their own, as in one read.
check "BOM-like starts are data" test "$(grep -c $'^\xef\xbb\xbf' "$work/w1-1.csv")" -ge 6
check "the split customers are all there" test \
    "$(wc -l <"$work/w1-1.csv")" -gt 8000

for t in 1 2 3 8; do
    check "bad log, --threads $t: exit 1" expect_exit 1 "$tier" run --input "$work/bad.csv" \
        --threads "$t" --out "$work/bad-$t.csv"
    cp "$work/err" "$work/bad-$t.err"
    check "bad log, --threads $t: the first bad row is named" grep -q "no such date" "$work/err"
done
for t in 2 3 8; do
    check "bad log, --threads $t: the message of --threads 1" \
        cmp "$work/bad-1.err" "$work/bad-$t.err"
done

check "--threads 0 is the default (every core)" expect_exit 0 "$tier" run --input "$work/w1.csv" \
    --as-of 2025-01-01 --threads 0 --out "$work/w1-0.csv"
check "--threads 0 gives the same output" cmp "$work/w1-1.csv" "$work/w1-0.csv"
check "--threads 65 is refused" expect_exit 2 "$tier" run --input "$work/w1.csv" --threads 65
check "--threads x is refused" expect_exit 2 "$tier" run --input "$work/w1.csv" --threads x
check "the refusal names the flag" grep -q -- "--threads must be a whole number" "$work/err"
finish "cli threads"
