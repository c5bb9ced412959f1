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

# 10. Blank lines before the header are skipped, also when the delimiter is sniffed.
printf '\n  \r\ncustomer_id;date;amount\nA;2024-01-01;5\nB;2024-01-02;7\n' >"$work/blank.csv"
check "blank lines before the header" bash -c "'$tier' run --input '$work/blank.csv' --policy pareto-sabc --quiet | cmp - '$work/small.out'"

finish cli_hostile
