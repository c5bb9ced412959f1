#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end checks of `tier diff`: b2b-sabc against pareto-sabc on the CDNOW sample, checked
# against two separate `tier run`s (the movers are exactly the customers whose tier column
# differs; each tier's count in the diff is the count the run reports), the formats, --out, and
# the usage errors. Usage: cli_diff_test.sh TIER_BINARY SOURCE_DIR
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
data=$2/examples/data
reader=(--input "$data/CDNOW_sample.txt" --no-header --columns customer_id,sample,date,cds,amount)

check "diff --help exits 0" expect_exit 0 "$tier" diff --help
check "diff --help prints its usage" grep -q '^usage: tier diff --input FILE --policy A --against B' "$work/out"
check "tier help lists diff" bash -c "'$tier' help | grep -q '^  diff  '"
check "diff needs --against" expect_exit 2 "$tier" diff "${reader[@]}"
check "its message" grep -q 'tier: diff needs --against NAME|FILE' "$work/err"
check "an unknown --against policy" expect_exit 2 "$tier" diff "${reader[@]}" --against nope
check "diff takes no --customer" expect_exit 2 "$tier" diff "${reader[@]}" --against rfm-8 --customer 1

# The two runs, separately.
check "run b2b-sabc" expect_exit 0 "$tier" run "${reader[@]}" --policy b2b-sabc --out "$work/a.csv"
cp "$work/err" "$work/a.err"
check "run pareto-sabc" expect_exit 0 "$tier" run "${reader[@]}" --policy pareto-sabc --out "$work/b.csv"
cp "$work/err" "$work/b.err"
# customer_id,from,to of every customer whose tier differs, in book order (both files are).
paste -d, <(cut -d, -f1,2 "$work/a.csv") <(cut -d, -f2 "$work/b.csv") | tail -n +2 |
    awk -F, '$2 != $3' >"$work/moved.want"

check "diff csv" expect_exit 0 "$tier" diff "${reader[@]}" --policy b2b-sabc --against pareto-sabc --format csv
check "csv header" test "$(head -1 "$work/out")" = "customer_id,from,to,move,revenue,reason_before,reason_after"
tail -n +2 "$work/out" | cut -d, -f1-3 >"$work/moved.got"
check "the movers are the customers whose tier differs" cmp "$work/moved.got" "$work/moved.want"
check "there are movers" test "$(wc -l <"$work/moved.want")" -gt 100
check "summary on stderr" grep -q "^tier: 2357 customers, 6919 transactions, as of 1998-07-01: b2b-sabc against pareto-sabc" "$work/err"
check "summary counts the movers" grep -q "^  moved: $(wc -l <"$work/moved.want") customers" "$work/err"

check "diff text" expect_exit 0 "$tier" diff "${reader[@]}" --against pareto-sabc
cp "$work/out" "$work/diff.txt"
# Each tier's line: the count of b2b-sabc (column 2) and of pareto-sabc (column 4) are the runs'.
for t in S A B C; do
    na=$(sed -n "s/^  $t: \([0-9]*\) customers.*/\1/p" "$work/a.err")
    nb=$(sed -n "s/^  $t: \([0-9]*\) customers.*/\1/p" "$work/b.err")
    line=$(awk -v t="$t" '$1 == t && NF == 7' "$work/diff.txt")
    check "tier $t before = run b2b-sabc ($na)" test "$(echo "$line" | awk '{print $2}')" = "$na"
    check "tier $t after = run pareto-sabc ($nb)" test "$(echo "$line" | awk '{print $4}')" = "$nb"
    # The matrix row of t sums to the b2b-sabc count.
    row=$(awk -v t="$t" '/^customers from/ {m = 1; getline; next} m && $1 == t {s = 0; for (i = 2; i <= NF; i++) s += $i; print s; exit}' "$work/diff.txt")
    check "matrix row $t sums to $na" test "$row" = "$na"
done
check "text names the movers" grep -q "^movers ($(wc -l <"$work/moved.want")):" "$work/diff.txt"
check "text has the entitlements of b2b-sabc" grep -q "^sla_hours " "$work/diff.txt"

check "diff json to a file" expect_exit 0 "$tier" diff "${reader[@]}" --against pareto-sabc --format json --out "$work/d.json"
check "json is one object" test "$(head -c 1 "$work/d.json")" = "{"
check "json names both policies" grep -q '"before":{"label":"b2b-sabc"' "$work/d.json"
check "nothing on stdout with --out" test ! -s "$work/out"
# A failed diff leaves an existing output file untouched.
echo keep >"$work/keep.json"
check "a failed diff exits 1" expect_exit 1 "$tier" diff --input "$work/none.csv" --against pareto-sabc --out "$work/keep.json"
check "output untouched" test "$(cat "$work/keep.json")" = keep
finish cli_diff
