#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Crash loop: `tier run --state S` SIGKILLed at a random moment, ITERATIONS times (default 1000).
# Each iteration starts from the same state B (one run old) and runs the same job, which, when it
# completes, leaves the state A. After each kill, S must be byte-identical to B or to A (never a
# torn, empty or missing file: the save writes a temporary file, syncs it and renames it over S)
# and must load (`tier override list --state S`). The moment of the kill is drawn uniformly from
# 0 to 1.3 times the measured length of a run, so kills land in every stage: reading, tiering,
# writing the output, the ledger and the state. Timing only spreads the kills; whatever the
# machine's speed, the check is the same. Usage: history_crash_test.sh TIER_BINARY SOURCE_DIR
# [ITERATIONS]
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
src=$2
iterations=${3:-1000}
RANDOM=8 # the same sequence of kill moments every time (the machine's speed still varies them)

# A small input (a run takes a few milliseconds): the first 8,000 invoices, five months.
head -n 8001 "$src/examples/data/b2b_invoices.csv" >"$work/in.csv"
policy=$src/tests/data/history/b2b-hysteresis.policy
job=(run --input "$work/in.csv" --policy "$policy" --quiet --out "$work/out.csv"
    --ledger "$work/ledger")

# B: the state after a first run; A: after the second run from B (the job of every iteration).
check "first run" expect_exit 0 "$tier" "${job[@]}" --state "$work/B" --as-of 2023-05-01
cp "$work/B" "$work/S"
check "second run" expect_exit 0 "$tier" "${job[@]}" --state "$work/S" --as-of 2023-06-01
mv "$work/S" "$work/A"
check "the two states differ" bash -c "! cmp -s '$work/A' '$work/B'"
cp "$work/B" "$work/S"
check "the job is deterministic" expect_exit 0 "$tier" "${job[@]}" --state "$work/S" --as-of 2023-06-01
check "same job, same state" cmp -s "$work/S" "$work/A"

# The length of one run, in microseconds (the median of five).
times=()
for i in 1 2 3 4 5; do
    cp "$work/B" "$work/S"
    t0=$(date +%s%N)
    "$tier" "${job[@]}" --state "$work/S" --as-of 2023-06-01 >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000)))
done
run_us=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
echo "one run takes about $run_us us; killing at 0 to $((run_us * 13 / 10)) us"

old=0 new=0 bad=0 killed=0
for ((i = 0; i < iterations; i++)); do
    cp "$work/B" "$work/S"
    rm -f "$work"/S.tmp* "$work"/ledger*.tmp*
    us=$(((RANDOM * 32768 + RANDOM) % (run_us * 13 / 10 + 1)))
    # In a subshell whose stderr is dropped: bash reports each killed job there.
    rc=$( (timeout -s KILL "$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))" \
        "$tier" "${job[@]}" --state "$work/S" --as-of 2023-06-01 >/dev/null 2>&1
        echo $?) 2>/dev/null)
    [ "$rc" = 137 ] && killed=$((killed + 1))
    if cmp -s "$work/S" "$work/B"; then
        old=$((old + 1))
    elif cmp -s "$work/S" "$work/A"; then
        new=$((new + 1))
    else
        bad=$((bad + 1))
        cp "$work/S" "$work/bad-$i" 2>/dev/null
        echo "iteration $i (kill after $us us): the state is neither the old nor the new one"
    fi
    if ! "$tier" override list --state "$work/S" --quiet >/dev/null 2>"$work/err"; then
        bad=$((bad + 1))
        echo "iteration $i: the state does not load: $(cat "$work/err")"
    fi
done
echo "$iterations runs: $killed killed, state old $old, new $new, bad $bad"
check "no torn or lost state" test "$bad" -eq 0
check "every state was the old or the new" test $((old + new)) -eq "$iterations"
check "some runs were killed" test "$killed" -gt 0
finish history_crash
