#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end checks of the `tier` command: exit codes, messages, formats, atomic output and that
# the two-thread load gives byte-identical output. Usage: cli_test.sh TIER_BINARY SOURCE_DIR
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
data=$2/examples/data

# The main job on both CDNOW files.
check "master runs" expect_exit 0 "$tier" run --input "$data/CDNOW_master.txt" --out "$work/m.csv"
check "master has one row per customer" test "$(($(wc -l <"$work/m.csv") - 1))" -eq 23570
# The default policy is b2b-sabc: its model (rfm), its flag and its entitlements as columns.
check "master header" test "$(head -1 "$work/m.csv")" = \
    "customer_id,tier,r,f,m,tenure,r_score,f_score,m_score,segment,value_class,flags,ent.sla_hours,ent.discount_max,ent.credit_days,ent.visits_per_year,ent.coverage,ent.events,reason"
check "summary names the customers" grep -q "tier: 23570 customers, 69659 transactions, as of 1998-07-01" "$work/err"
check "sample runs headerless" expect_exit 0 "$tier" run --input "$data/CDNOW_sample.txt" \
    --no-header --columns customer_id,sample,date,cds,amount --format json --out "$work/s.json"
check "json is an array" test "$(head -c 1 "$work/s.json")" = "["
check "stdout equals --out" bash -c "'$tier' run --input '$data/CDNOW_master.txt' --quiet | cmp - '$work/m.csv'"

# Two-thread load (forced on a small file) gives the same bytes as one thread.
check "parallel load is identical" bash -c "TIER_SPLIT_MIN_BYTES=0 '$tier' run --input '$data/CDNOW_master.txt' --quiet | cmp - '$work/m.csv'"

# An as-of date drops later rows and moves recency.
check "as-of runs" expect_exit 0 "$tier" run --input "$data/CDNOW_master.txt" --as-of 1998-01-01 --out "$work/a.csv"
check "as-of summary" grep -q "as of 1998-01-01" "$work/err"

# --out-columns: the columns named, in that order, with the values of the default output.
check "out-columns runs" expect_exit 0 "$tier" run --input "$data/CDNOW_master.txt" --out "$work/cols.csv" \
    --out-columns 'customer_id,m=rfm.m:2,tier,rfm.f_score'
check "out-columns header" test "$(head -1 "$work/cols.csv")" = "customer_id,m,tier,rfm.f_score"
check "out-columns values" bash -c "cut -d, -f1,5,2,8 '$work/m.csv' | awk -F, -v OFS=, 'NR > 1 { print \$1, \$3, \$2, \$4 }' | cmp - <(tail -n +2 '$work/cols.csv')"
check "out-columns unknown column" expect_exit 1 "$tier" run --input "$data/CDNOW_master.txt" --out "$work/cols.csv" \
    --out-columns 'customer_id,rfm.bogus'
check "out-columns names the column" grep -q "unknown output column 'rfm.bogus'" "$work/err"
check "out-columns failure keeps --out" test "$(head -1 "$work/cols.csv")" = "customer_id,m,tier,rfm.f_score"

# --frequency: rows counts every transaction, days (the default) counts purchase days.
printf 'customer_id,date,amount\nA,2024-01-01,10\nA,2024-01-01,20\nA,2024-02-01,5\nB,2024-03-01,7\n' >"$work/sameday.csv"
check "frequency rows runs" expect_exit 0 "$tier" run --input "$work/sameday.csv" --as-of 2025-01-01 --frequency rows --policy pareto-sabc
check "frequency rows counts rows" grep -q '^A,[A-Z],335,3,35.00,366,' "$work/out"
check "frequency days runs" expect_exit 0 "$tier" run --input "$work/sameday.csv" --as-of 2025-01-01 --frequency days --policy pareto-sabc
check "frequency days counts days" grep -q '^A,[A-Z],335,2,35.00,366,' "$work/out"
check "frequency default is days" bash -c "'$tier' run --input '$work/sameday.csv' --as-of 2025-01-01 --policy pareto-sabc --quiet | cmp - '$work/out'"
check "bad frequency" expect_exit 2 "$tier" run --input "$work/sameday.csv" --frequency weeks
check "bad frequency message" grep -q -- '--frequency must be rows or days, not "weeks"' "$work/err"

# Usage errors exit 2, bad input exits 1 with one line naming the line and column.
check "no input is a usage error" expect_exit 2 "$tier" run
check "unknown option" expect_exit 2 "$tier" run --input x --bogus
check "no-header needs columns" expect_exit 2 "$tier" run --input x --no-header
check "bad as-of" expect_exit 2 "$tier" run --input x --as-of 1998-02-30
check "unknown policy" expect_exit 2 "$tier" run --input "$data/CDNOW_master.txt" --policy nope
check "unknown command" expect_exit 2 "$tier" frobnicate
printf 'customer_id,date,amount\nA,2024-01-01,5\nB,2024-02-30,7\n' >"$work/bad.csv"
check "bad date exits 1" expect_exit 1 "$tier" run --input "$work/bad.csv"
check "bad date message" grep -q 'line 3, column 2 (date): no such date: "2024-02-30"' "$work/err"
check "bad input is one line" test "$(wc -l <"$work/err")" -eq 1
check "missing file exits 1" expect_exit 1 "$tier" run --input "$work/none.csv"
# A failed run leaves an existing output file untouched.
echo keep >"$work/keep.csv"
check "failed run exits 1" expect_exit 1 "$tier" run --input "$work/bad.csv" --out "$work/keep.csv"
check "output untouched" test "$(cat "$work/keep.csv")" = keep
check "no temp files left" test "$(ls "$work" | grep -c tmp)" -eq 0
# Rows out of date order are read again with transactions kept and counted exactly.
printf 'customer_id,date,amount\nA,2024-03-01,5\nA,2024-01-01,5\nA,2024-03-01,1\n' >"$work/unsorted.csv"
check "unsorted runs" expect_exit 0 "$tier" run --input "$work/unsorted.csv" --policy pareto-sabc
check "unsorted counts purchase-days" grep -q '^A,S,1,2,11.00,61,' "$work/out"
# Account attributes make b2b-full the default policy: clv, lifecycle, scorecard and needs.
check "b2b runs" expect_exit 0 "$tier" run --input "$data/b2b_invoices.csv" --accounts "$data/b2b_accounts.csv" --out "$work/b.csv"
check "b2b columns" test "$(head -1 "$work/b.csv")" = \
    "customer_id,tier,r,f,m,tenure,r_score,f_score,m_score,segment,value_class,p_alive,expected_purchases,clv,stage,onboarding,value_score,grade,need_segment,flags,route,ent.sla_hours,ent.discount_max,ent.credit_days,ent.visits_per_year,ent.coverage,ent.events,reason"
check "b2b has every account" test "$(($(wc -l <"$work/b.csv") - 1))" -eq 2000
check "b2b grades A to E" test "$(cut -d, -f18 "$work/b.csv" | sort -u | grep -c '^[A-E]$')" -eq 5
check "b2b tiers S to C" test "$(cut -d, -f2 "$work/b.csv" | sort -u | tr -d '\n')" = "ABCStier"

# Policies: the built-ins, one's text, a policy file, lint, explain.
check "policies lists every built-in" expect_exit 0 "$tier" policies
check "policies has eight" test "$(wc -l <"$work/out")" -eq 8
check "policies names b2b-sabc" grep -q '^b2b-sabc  *S = top customers' "$work/out"
check "policies NAME prints the file" bash -c "'$tier' policies rfm-8 | cmp - '$2/policies/rfm-8.policy'"
check "policies of an unknown name" expect_exit 2 "$tier" policies nope
check "run with a policy file" expect_exit 0 "$tier" run --input "$data/CDNOW_master.txt" --policy "$2/policies/pareto-sabc.policy" --quiet
check "a policy file gives what its built-in gives" cmp "$work/out" <("$tier" run --input "$data/CDNOW_master.txt" --policy pareto-sabc --quiet)
printf 'libtier-policy 1\ntier S {\n    rule "x" when rfm.r_score >= three\n}\n' >"$work/bad.policy"
check "a bad policy file is a usage error" expect_exit 2 "$tier" run --input "$data/CDNOW_master.txt" --policy "$work/bad.policy"
check "its message names line and column" grep -q "bad.policy:3:" "$work/err"
check "lint of a built-in" expect_exit 0 "$tier" lint b2b-sabc
check "lint counts on stderr" grep -q '^tier: b2b-sabc: 0 errors' "$work/err"
check "lint of a file that does not load" expect_exit 2 "$tier" lint "$work/bad.policy"
check "lint needs a policy" expect_exit 2 "$tier" lint
check "explain needs a customer" expect_exit 2 "$tier" explain --input "$data/CDNOW_master.txt"
check "explain one customer" expect_exit 0 "$tier" explain --input "$data/CDNOW_master.txt" --customer 00002
check "explain of an unknown customer" expect_exit 1 "$tier" explain --input "$data/CDNOW_master.txt" --customer nobody
check "unknown customer message" grep -q 'customer "nobody" is not in' "$work/err"
check "models can be chosen" expect_exit 0 "$tier" run --input "$data/b2b_invoices.csv" --models rfm,pareto,lifecycle --out "$work/l.csv"
check "lifecycle column" grep -q "stage" "$work/l.csv"
check "unknown model" expect_exit 2 "$tier" run --input "$data/b2b_invoices.csv" --models rfm,bogus
check "needs without accounts" expect_exit 1 "$tier" run --input "$data/b2b_invoices.csv" --models rfm,pareto,needs
check "version" expect_exit 0 "$tier" version

# Every command prints its usage on --help and exits 0.
for cmd in "" "run" "explain" "policies" "lint" "fit clv" "clv" "fit" "version" "override" \
    "override add" "override remove" "override list"; do
    # shellcheck disable=SC2086
    check "help of '$cmd'" expect_exit 0 "$tier" $cmd --help
    check "help of '$cmd' is usage on stdout" grep -q '^usage: tier' "$work/out"
done
check "help after other flags" expect_exit 0 "$tier" run --input x --help
check "run help names its flags" grep -q -- '--accounts FILE' "$work/out"
check "clv help names its flags" bash -c "'$tier' clv --help | grep -q -- '--horizon N'"
check "run help names --state" bash -c "'$tier' run --help | grep -q -- '--state FILE \\[--ledger PREFIX\\]'"
check "override add help names --until" bash -c "'$tier' override add --help | grep -q -- '--until YYYY-MM-DD'"

# Tiers over time: --state, --ledger, override add/remove/list, explain with a state.
hist=(--input "$data/b2b_invoices.csv" --policy "$2/tests/data/history/b2b-hysteresis.policy")
check "state: first run" expect_exit 0 "$tier" run "${hist[@]}" --as-of 2024-07-01 \
    --state "$work/st" --ledger "$work/l1" --out "$work/h1.csv"
check "state: columns after tier" bash -c "head -1 '$work/h1.csv' | grep -q '^customer_id,tier,previous_tier,move,since,'"
check "state: everyone is new" test "$(cut -d, -f4 "$work/h1.csv" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')" = "move=1 new=1992 "
check "state: summary line" grep -q '^  state: run 1, 1992 moves, 0 overrides$' "$work/err"
check "state: ledger files" test -s "$work/l1.csv" -a -s "$work/l1-matrix.csv" -a -s "$work/l1.json"
check "state: ledger header" test "$(head -1 "$work/l1.csv")" = "customer_id,from,to,code,detail"
check "override: add" expect_exit 0 "$tier" override add --state "$work/st" --customer ACC00001 \
    --tier S --reason "strategic renewal" --author qa --until 2024-10-01
check "override: add summary" grep -q 'override of ACC00001: S until 2024-10-01 (1 override in' "$work/err"
check "override: list" expect_exit 0 "$tier" override list --state "$work/st" --quiet
check "override: listed" test "$(cat "$work/out")" = "$(printf 'customer_id,tier,until,reason,author,created\nACC00001,S,2024-10-01,strategic renewal,qa,2024-07-01')"
check "override: needs --until" expect_exit 2 "$tier" override add --state "$work/st" --customer X --tier S --reason r --author a
check "override: --until named" grep -q '^tier: override add needs --until YYYY-MM-DD$' "$work/err"
check "override: bad --until" expect_exit 2 "$tier" override add --state "$work/st" --customer X --tier S --reason r --author a --until 2024-02-30
check "override: --until before the last run" expect_exit 1 "$tier" override add --state "$work/st" --customer X --tier S --reason r --author a --until 2024-07-01
check "override: unknown action" expect_exit 2 "$tier" override frob
check "override: list needs --state" expect_exit 2 "$tier" override list
check "override: missing state file" expect_exit 1 "$tier" override list --state "$work/none"
check "ledger needs state" expect_exit 2 "$tier" run "${hist[@]}" --ledger "$work/lx"
check "ledger needs state: message" grep -q '^tier: --ledger needs --state FILE$' "$work/err"
cp "$work/st" "$work/st.before"
check "state: a failed run" expect_exit 1 "$tier" run --input "$work/bad.csv" --state "$work/st" --ledger "$work/lf"
check "state: a failed run keeps the state" cmp -s "$work/st" "$work/st.before"
check "state: a failed run writes no ledger" test ! -e "$work/lf.csv"
check "state: second run" expect_exit 0 "$tier" run "${hist[@]}" --as-of 2024-08-01 --state "$work/st" --ledger "$work/l2" --out "$work/h2.csv"
check "state: the override pins" grep -q '^ACC00001,S,C,up,' "$work/h2.csv"
check "state: the override is in the ledger" grep -q '^ACC00001,C,S,override,' "$work/l2.csv"
cp "$work/st" "$work/st.before"
check "explain: with a state" expect_exit 0 "$tier" explain "${hist[@]}" --as-of 2024-09-01 --state "$work/st" --customer ACC00001
check "explain: history section" grep -q '^  override: S until 2024-10-01 (strategic renewal, by qa)$' "$work/out"
check "explain: never saves" cmp -s "$work/st" "$work/st.before"
check "override: remove" expect_exit 0 "$tier" override remove --state "$work/st" --customer ACC00001
check "override: remove again" expect_exit 1 "$tier" override remove --state "$work/st" --customer ACC00001
check "override: remove message" grep -q 'customer ACC00001 has no override in' "$work/err"
printf 'not a snapshot' >"$work/junk.state"
check "state: a damaged state fails the run" expect_exit 1 "$tier" run "${hist[@]}" --state "$work/junk.state" --out "$work/never.csv"
check "state: ... before anything is written" test ! -e "$work/never.csv"
check "state: ... and stays" test "$(cat "$work/junk.state")" = "not a snapshot"

# The progress line on a terminal counts the whole file, also when it is read as two halves
# (TIER_SPLIT_MIN_BYTES=0 splits any file): a 16 MB file reads "of 16 MB", never "of 8 MB".
if command -v script >/dev/null 2>&1 && script -qec true /dev/null </dev/null >/dev/null 2>&1; then
    { cat "$data/CDNOW_master.txt"; for _ in 2 3 4 5 6 7 8 9; do tail -n +2 "$data/CDNOW_master.txt"; done; } >"$work/big.txt"
    # stdin /dev/null: script(1) passes its stdin on to the terminal it makes.
    TIER_SPLIT_MIN_BYTES=0 script -qec "'$tier' run --input '$work/big.txt' --out '$work/big.csv'" /dev/null </dev/null >"$work/tty" 2>&1
    check "progress line shows the whole file" grep -q 'reading 100% (16 of 16 MB)' "$work/tty"
    check "progress line never shows a half" test "$(grep -c 'of 8 MB' "$work/tty")" -eq 0
    check "progress line is cleared" grep -q "$(printf '\r\033\[K')" "$work/tty"
    check "split output equals one read" bash -c "'$tier' run --input '$work/big.txt' --quiet | cmp - '$work/big.csv'"
    check "quiet has no progress line" bash -c "TIER_SPLIT_MIN_BYTES=0 script -qec \"'$tier' run --input '$work/big.txt' --quiet --out '$work/q.csv'\" /dev/null </dev/null | grep -c reading | grep -qx 0"
else
    echo "SKIPPED: progress line checks (no working script(1) to give the command a terminal)"
fi

finish
