#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end checks of `tier diff --state OLD --against-state NEW` (docs/diff.md, "Two
# snapshots"): two real snapshots written by `tier run --state` over the B2B example, before and
# after new invoices (a quarter later, plus a large order of one small account), compared; the
# movers, the per-tier counts and the matrix are checked against the ledger the second run wrote;
# the formats, --out, and the errors (a missing or damaged snapshot, flags of a policy diff).
# Usage: cli_diff_state_test.sh TIER_BINARY SOURCE_DIR
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
data=$2/examples/data
policy=$2/tests/data/history/b2b-hysteresis.policy
job=(--policy "$policy" --quiet)

# Month 1: the invoices before July. Month 2: a quarter later, with one more invoice: a large
# order of ACC00282, an account of the last tier in month 1, which takes it to the first.
cp "$data/b2b_invoices.csv" "$work/invoices.csv"
echo "ACC00282,2024-09-15,250000.00,90000.00" >>"$work/invoices.csv"
check "run 1" expect_exit 0 "$tier" run --input "$data/b2b_invoices.csv" "${job[@]}" \
    --as-of 2024-07-01 --state "$work/state" --ledger "$work/l1" --out "$work/o1.csv"
cp "$work/state" "$work/old.state"
check "run 2" expect_exit 0 "$tier" run --input "$work/invoices.csv" --policy "$policy" \
    --as-of 2024-10-01 --state "$work/state" --ledger "$work/l2" --out "$work/o2.csv"
cp "$work/err" "$work/run2.err"
moves=$(sed -n 's/^  state: run 2, \([0-9]*\) moves.*/\1/p' "$work/err")
check "run 2 moved customers ($moves)" test "${moves:-0}" -gt 50
check "ACC00282 moved up in run 2" grep -q '^ACC00282,C,' "$work/l2.csv"
cp "$work/state" "$work/new.state"
old=$work/old.state
new=$work/new.state

check "diff csv" expect_exit 0 "$tier" diff --state "$old" --against-state "$new" --format csv
check "csv header" test "$(head -1 "$work/out")" = "customer_id,from,to,move,revenue,reason_before,reason_after"
tail -n +2 "$work/out" | cut -d, -f1-3 >"$work/movers.got"
tail -n +2 "$work/l2.csv" | cut -d, -f1-3 >"$work/movers.want"
check "the movers are the ledger's moves" cmp "$work/movers.got" "$work/movers.want"
check "as many as the run counted" test "$(wc -l <"$work/movers.got")" -eq "$moves"
check "some move up, some down" bash -c "grep -q ',up,' '$work/out' && grep -q ',down,' '$work/out'"
check "snapshots keep no revenue: the field is empty" bash -c "tail -n +2 '$work/out' | cut -d, -f5 | sort -u | grep -qx ''"
# A mover placed by a rule has that rule as its reason in the new snapshot (the ledger's detail).
check "ACC00282's reasons" grep -q '^ACC00282,C,S,up,,the rest,"top revenue band, engaged"$' "$work/out"
check "summary names both snapshots" grep -q "^tier: 1992 customers, state $old (run 1, as of 2024-07-01) against $new (run 2, as of 2024-10-01)$" "$work/err"
check "summary counts the movers" grep -q "^  moved: $moves customers (" "$work/err"

check "diff text" expect_exit 0 "$tier" diff --state "$old" --against-state "$new" --quiet
cp "$work/out" "$work/diff.txt"
check "text names the movers" grep -q "^movers ($moves):" "$work/diff.txt"
check "text has no entitlements" bash -c "! grep -q '^entitlements' '$work/diff.txt'"
for t in S A C; do
    # The ledger's matrix: customers from t (row sum: month 1) and into t (column sum: month 2).
    from=$(awk -F, -v t="$t" 'NR > 1 && $1 == t {s += $3} END {print s + 0}' "$work/l2-matrix.csv")
    into=$(awk -F, -v t="$t" 'NR > 1 && $2 == t {s += $3} END {print s + 0}' "$work/l2-matrix.csv")
    line=$(awk -v t="$t" '$1 == t && NF == 7' "$work/diff.txt")
    check "tier $t before = the ledger's row ($from)" test "$(echo "$line" | awk '{print $2}')" = "$from"
    check "tier $t after = the ledger's column ($into)" test "$(echo "$line" | awk '{print $4}')" = "$into"
    check "tier $t after = run 2's summary ($into)" grep -q "^  $t: $into customers" "$work/run2.err"
    for u in S A C; do
        want=$(awk -F, -v t="$t" -v u="$u" 'NR > 1 && $1 == t && $2 == u {print $3}' "$work/l2-matrix.csv")
        got=$(awk -v t="$t" -v u="$u" '
            /^customers from/ {m = 1; getline; for (i = 1; i <= NF; i++) col[$i] = i + 1; next}
            m && $1 == t {print $col[u]; exit}' "$work/diff.txt")
        check "matrix $t -> $u = the ledger's (${want:-0})" test "$got" = "${want:-0}"
    done
done

# With the data of run 2 (--input, read as run 2 read it) the revenue is filled: every cell of the
# matrix has the revenue of the ledger's matrix; with --policy the entitlement totals of its tiers.
with=(--input "$work/invoices.csv" --as-of 2024-10-01 --policy b2b-sabc)
check "diff with --input and --policy" expect_exit 0 "$tier" diff --state "$old" --against-state "$new" "${with[@]}" --format json --out "$work/r.json"
cells=0
while IFS=, read -r f t c r; do
    check "json cell $f -> $t has the ledger's revenue $r" grep -qF "{\"from\":\"$f\",\"to\":\"$t\",\"customers\":$c,\"revenue\":$r}" "$work/r.json"
    cells=$((cells + 1))
done < <(tail -n +2 "$work/l2-matrix.csv")
check "the ledger has cells ($cells)" test "$cells" -ge 6
check "diff text with --input and --policy" expect_exit 0 "$tier" diff --state "$old" --against-state "$new" "${with[@]}" --quiet
cp "$work/out" "$work/rich.txt"
for t in S A C; do
    for u in S A C; do
        want=$(awk -F, -v t="$t" -v u="$u" 'NR > 1 && $1 == t && $2 == u {printf "%.2f", $4}' "$work/l2-matrix.csv")
        got=$(awk -v t="$t" -v u="$u" '
            /^revenue from/ {m = 1; getline; for (i = 1; i <= NF; i++) col[$i] = i + 1; next}
            m && $1 == t {print $col[u]; exit}' "$work/rich.txt")
        check "revenue $t -> $u = the ledger's (${want:-0.00})" test "$got" = "${want:-0.00}"
    done
done
# b2b-sabc grants discount_max 15 in S, 10 in A, 0 in C: the totals over the tiers' customers.
s1=$(awk '$1 == "S" && NF == 7 {print $2}' "$work/diff.txt"); s2=$(awk '$1 == "S" && NF == 7 {print $4}' "$work/diff.txt")
a1=$(awk '$1 == "A" && NF == 7 {print $2}' "$work/diff.txt"); a2=$(awk '$1 == "A" && NF == 7 {print $4}' "$work/diff.txt")
want="discount_max $((s1 * 15 + a1 * 10)) $((s2 * 15 + a2 * 10))"
check "entitlement totals ($want)" test "$(awk '$1 == "discount_max" {print $1, $2, $3}' "$work/rich.txt")" = "$want"
check "text coverage per value" grep -q "^coverage = dedicated account manager  *$s1  *$s2 " "$work/rich.txt"
check "json has the entitlements" grep -q '"entitlements":\[{"name":"sla_hours"' "$work/r.json"
check "a policy without the snapshots' tiers" expect_exit 0 "$tier" diff --state "$old" --against-state "$new" --policy rfm-8 --quiet
check "its tiers are named" grep -q "^note: the policy has no tier \"S\" ($old: $s1 customers): they count for no entitlement$" "$work/out"
check "no revenue without --input" bash -c "! grep -q '^revenue from' '$work/out'"

check "diff json to a file" expect_exit 0 "$tier" diff --state "$old" --against-state "$new" --format json --out "$work/d.json"
check "nothing on stdout with --out" test ! -s "$work/out"
check "json counts the movers" grep -q "\"moved\":{\"customers\":$moves,\"revenue\":null" "$work/d.json"
check "json labels the sides by file" grep -q "\"before\":{\"label\":\"$old\"" "$work/d.json"

# The same snapshot on both sides: no movers, sides named before and after.
check "a snapshot against itself" expect_exit 0 "$tier" diff --state "$new" --against-state "$new" --format csv
check "has no movers" test "$(wc -l <"$work/out")" -eq 1
check "its summary" grep -q "state before (run 2, as of 2024-10-01) against after (run 2" "$work/err"

# Errors: the file and the reason; the output file untouched.
echo keep >"$work/keep.txt"
check "a missing snapshot exits 1" expect_exit 1 "$tier" diff --state "$work/none" --against-state "$new" --out "$work/keep.txt"
check "its message names the file" grep -q "^tier: $work/none: no such state file" "$work/err"
head -c 200 "$new" >"$work/cut.state"
check "a truncated snapshot exits 1" expect_exit 1 "$tier" diff --state "$old" --against-state "$work/cut.state" --out "$work/keep.txt"
check "its message names the file and the damage" grep -q "^tier: state $work/cut.state: .*truncated at byte 200" "$work/err"
printf 'not a snapshot at all, but long enough to have a header of its own..........\n' >"$work/foreign.state"
check "a foreign file exits 1" expect_exit 1 "$tier" diff --state "$work/foreign.state" --against-state "$new"
check "its message names the file" grep -q "^tier: state $work/foreign.state: " "$work/err"
check "output untouched" test "$(cat "$work/keep.txt")" = keep
check "--against with --against-state is a usage error" expect_exit 2 "$tier" diff --state "$old" --against-state "$new" --against b2b-sabc
check "its message" grep -q "^tier: --against-state compares two snapshots, --against two policies on the same data: give one or the other$" "$work/err"
check "--against-state needs --state" expect_exit 2 "$tier" diff --against-state "$new"
check "its message" grep -q "^tier: a diff of two snapshots needs --state FILE (the older) and --against-state FILE (the newer)$" "$work/err"
check "a diff of snapshots runs no models" expect_exit 2 "$tier" diff --state "$old" --against-state "$new" --input "$data/b2b_invoices.csv" --models rfm
check "its message" grep -q "^tier: a diff of two snapshots runs no models: --models is not used$" "$work/err"
check "--accounts needs --input" expect_exit 2 "$tier" diff --state "$old" --against-state "$new" --accounts "$data/b2b_accounts.csv"
check "its message" grep -q "^tier: --accounts needs --input FILE" "$work/err"
check "--ledger with --against-state is a usage error" expect_exit 2 "$tier" diff --state "$old" --against-state "$new" --ledger "$work/l3"
check "run takes no --against-state" expect_exit 2 "$tier" run --input "$data/b2b_invoices.csv" --against-state "$new"
check "diff --help shows both forms" expect_exit 0 "$tier" diff --help
check "the snapshot form" grep -q "^usage: tier diff --state OLD --against-state NEW" "$work/out"
check "the snapshots are unchanged" cmp "$new" "$work/state"
finish cli_diff_state
