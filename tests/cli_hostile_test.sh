#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The `tier` command against the hostile inputs of issue 12; docs/reliability.md lists what each
# check proves. Usage: cli_hostile_test.sh TIER_BINARY SOURCE_DIR
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
data=$2/examples/data
master=$data/CDNOW_master.txt

"$tier" run --input "$master" --quiet >"$work/m.csv" || failed "the reference run"
"$tier" run --input "$data/b2b_invoices.csv" --accounts "$data/b2b_accounts.csv" --quiet \
    >"$work/b.csv" || failed "the reference b2b run"

# 1. Input that cannot be read again is read once: a pipe, /dev/stdin, a FIFO, <(...).
check "piped master equals the file" bash -c "cat '$master' | '$tier' run --input /dev/stdin --quiet | cmp - '$work/m.csv'"
check "piped master, two threads asked for" bash -c "cat '$master' | TIER_SPLIT_MIN_BYTES=0 '$tier' run --input /dev/stdin --quiet | cmp - '$work/m.csv'"
check "process substitution equals the file" bash -c "'$tier' run --input <(cat '$master') --quiet | cmp - '$work/m.csv'"
printf 'customer_id,date,amount\nA,2024-01-01,5\nB,2024-01-02,7\n' >"$work/small.csv"
"$tier" run --input "$work/small.csv" --policy pareto-sabc --quiet >"$work/small.out"
check "a small piped file is read" bash -c "cat '$work/small.csv' | '$tier' run --input /dev/stdin --policy pareto-sabc --quiet | cmp - '$work/small.out'"
mkfifo "$work/fifo"
(cat "$master" >"$work/fifo" &)
check "a FIFO is read once, completely" bash -c "timeout 60 '$tier' run --input '$work/fifo' --quiet | cmp - '$work/m.csv'"
check "accounts from a pipe" bash -c "cat '$data/b2b_accounts.csv' | '$tier' run --input '$data/b2b_invoices.csv' --accounts /dev/stdin --quiet | cmp - '$work/b.csv'"

# 2. Saves to one --out at the same time: each writes its own temporary file, the last rename
# wins, the file is always one whole output and no temporary file is left.
for k in 1 2 3 4 5 6 7 8; do
    "$tier" run --input "$master" --quiet --out "$work/same.csv" 2>"$work/same.err.$k" &
done
wait
check "concurrent saves leave one whole output" cmp "$work/same.csv" "$work/m.csv"
check "concurrent saves all succeed" test "$(cat "$work"/same.err.* | wc -c)" -eq 0
check "concurrent saves leave no temporary file" test "$(ls "$work" | grep -c 'same.csv.tmp')" -eq 0

# 3. --out naming the input, by any spelling, is a usage error and the input stays.
mkdir "$work/d"
cp "$work/small.csv" "$work/d/a.csv"
ln -s a.csv "$work/d/link.csv"
ln "$work/d/a.csv" "$work/d/hard.csv"
for out in ./a.csv a.csv link.csv hard.csv "$work/d/../d/a.csv"; do
    check "--out $out onto the input exits 2" expect_exit 2 bash -c "cd '$work/d' && '$tier' run --input a.csv --out '$out'"
    check "--out $out: the message says why" grep -q "is the same file as --input a.csv: refusing to replace it" "$work/err"
    check "--out $out: the input is intact" cmp "$work/d/a.csv" "$work/small.csv"
done
cp "$data/b2b_accounts.csv" "$work/d/acc.csv"
check "--out onto the accounts exits 2" expect_exit 2 "$tier" run --input "$data/b2b_invoices.csv" --accounts "$work/d/acc.csv" --out "$work/d/./acc.csv"
check "the accounts are intact" cmp "$work/d/acc.csv" "$data/b2b_accounts.csv"

# 4. --out onto a link replaces the file it names (the link stays); the permissions of the file
# replaced are kept; a FIFO or a character device is written into, never replaced; a directory is
# refused.
echo old >"$work/target.csv"
chmod 640 "$work/target.csv"
ln -s target.csv "$work/out-link.csv"
check "--out a link runs" expect_exit 0 "$tier" run --input "$work/small.csv" --policy pareto-sabc --out "$work/out-link.csv"
check "the link is still a link" test -L "$work/out-link.csv"
check "the file it names has the output" cmp "$work/target.csv" "$work/small.out"
check "its permissions are kept" test "$(stat -c %a "$work/target.csv")" = 640
mkfifo "$work/out-fifo"
(cat "$work/out-fifo" >"$work/from-fifo" &)
check "--out a FIFO runs" expect_exit 0 timeout 60 "$tier" run --input "$work/small.csv" --policy pareto-sabc --out "$work/out-fifo"
sleep 0.2
check "the FIFO is still a FIFO" test -p "$work/out-fifo"
check "the FIFO's reader got the output" cmp "$work/from-fifo" "$work/small.out"
# /dev/fd/1 rather than /dev/stdout: both are links the kernel resolves to the pipe, but a
# regression would try to replace /dev/stdout itself (as root it can).
check "--out /dev/fd/1 writes into the pipe" bash -c "'$tier' run --input '$work/small.csv' --policy pareto-sabc --quiet --out /dev/fd/1 | cmp - '$work/small.out'"
# A null device of our own when we may make one (as root a regression would replace the
# system's /dev/null); else the system's, which a user cannot replace anyway.
if mknod "$work/null" c 1 3 2>/dev/null; then null=$work/null; else null=/dev/null; fi
check "--out a null device runs" expect_exit 0 "$tier" run --input "$work/small.csv" --policy pareto-sabc --out "$null"
check "the null device is still a character device" test -c "$null"
mkdir "$work/dir.csv"
check "--out a directory exits 1" expect_exit 1 "$tier" run --input "$work/small.csv" --policy pareto-sabc --out "$work/dir.csv"
check "the message says it is a directory" grep -q "is a directory, not a regular file: refusing to replace it" "$work/err"
check "no temporary file is left" test "$(ls "$work" | grep -c '\.tmp')" -eq 0

# 12. A full device names ENOSPC, for --out and for standard output.
if mknod "$work/full" c 1 7 2>/dev/null; then full=$work/full; else full=/dev/full; fi
if [ -c "$full" ]; then
    check "--out a full device exits 1" expect_exit 1 "$tier" run --input "$work/small.csv" --policy pareto-sabc --out "$full"
    check "--out a full device names ENOSPC" grep -q "write failed: No space left on device" "$work/err"
    check "stdout on a full device exits 1" expect_exit 1 bash -c "'$tier' run --input '$work/small.csv' --policy pareto-sabc --quiet >'$full'"
    check "stdout on a full device names ENOSPC" grep -q "cannot write the output to standard output: No space left on device" "$work/err"
fi

# 7. One value that is not a number in a numeric attribute column is an error at its line.
awk -F, -v OFS=, 'NR == 5 { $26 = "28%" } { print }' "$data/b2b_accounts.csv" >"$work/acc-bad.csv"
check "a bad cell in a numeric accounts column exits 1" expect_exit 1 "$tier" run --input "$data/b2b_invoices.csv" --accounts "$work/acc-bad.csv"
check "the message names line, column and value" grep -q 'acc-bad.csv: line 5, column 26 (implementation_progress): not a number: "28%"' "$work/err"

# 12. An empty or header-only input is an error naming the file (not a model's complaint);
# --delimiter '"' is a usage error; a policy condition on an attribute no customer has warns.
: >"$work/empty.csv"
printf 'customer_id,date,amount\n' >"$work/header.csv"
for f in empty header; do
    check "$f input exits 1" expect_exit 1 "$tier" run --input "$work/$f.csv"
    check "$f input says so" grep -q "$f.csv: no transactions (the input is empty or has only a header line)" "$work/err"
done
check "a quote as delimiter is a usage error" expect_exit 2 "$tier" run --input "$work/small.csv" --delimiter '"'
printf 'libtier-policy 1\nmodel rfm = rfm\ntier S {\n    rule "big \\"attr.x\\"" when attr.headcount >= 100\n}\ntier A {\n    rule "rest" when rfm.r_score >= 1\n}\n' >"$work/attr.policy"
check "a policy on a missing attribute runs" expect_exit 0 "$tier" run --input "$data/b2b_invoices.csv" --accounts "$data/b2b_accounts.csv" --policy "$work/attr.policy" --out "$work/attr.csv"
check "it warns about the attribute" grep -q "warning: the policy reads attr.headcount, which no customer has" "$work/err"
check "once, and not about a text" test "$(grep -c 'which no customer has' "$work/err")" -eq 1

# 9. The two-part read gives the one-part read's customers when the line after the middle starts
# with a byte-order mark (it is data there, not the mark of a file's start).
python3 - "$work/bom.csv" <<'PY'
import sys
rows = ["C%05d,2024-01-%02d,%d\n" % (i, i % 28 + 1, i % 97 + 1) for i in range(4000)]
head = "customer_id,date,amount\n"
size = len(head) + sum(len(r) for r in rows) + 3
mid, pos = size // 2, len(head)
for i, r in enumerate(rows):
    pos += len(r)
    if pos > mid:  # the line end at or after the middle ends row i: the next row starts a part
        rows[i + 1] = "\ufeff" + rows[i + 1]
        break
open(sys.argv[1], "w", encoding="utf-8").write(head + "".join(rows))
PY
"$tier" run --input "$work/bom.csv" --policy pareto-sabc --quiet >"$work/bom-one.csv" 2>"$work/err" || failed "bom: one read"
check "a BOM at the split: two parts give one read's output" bash -c "TIER_SPLIT_MIN_BYTES=0 '$tier' run --input '$work/bom.csv' --policy pareto-sabc --quiet | cmp - '$work/bom-one.csv'"
check "a BOM at the split: 4000 customers" test "$(($(wc -l <"$work/bom-one.csv") - 1))" -eq 4000

# 10. Blank lines before the header are skipped, also when the delimiter is sniffed.
printf '\n  \r\ncustomer_id;date;amount\nA;2024-01-01;5\nB;2024-01-02;7\n' >"$work/blank.csv"
check "blank lines before the header" bash -c "'$tier' run --input '$work/blank.csv' --policy pareto-sabc --quiet | cmp - '$work/small.out'"

finish cli_hostile
