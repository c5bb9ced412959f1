#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The `tier` command's dispatch and its host's errors, each with its exit status (0 done, 1 the
# run failed, 2 usage) and message: no command at all, the version and help spellings, an unknown
# command, a group (fit, override) without or with an unknown action, an output larger than
# stdio's buffer onto a full device (the write itself fails, not only the flush), a
# TIER_SPLIT_MIN_BYTES that is not a number, and --threads 1 (no executor) giving the output of
# --threads 2. Usage: cli_usage_test.sh TIER_BINARY SOURCE_DIR
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
data=$2/examples/data
reader=(--input "$data/CDNOW_sample.txt" --no-header --columns customer_id,sample,date,cds,amount)

check "no command exits 2" expect_exit 2 "$tier"
check "no command prints the usage on stderr" grep -q '^usage: tier' "$work/err"
check "nothing on stdout" test ! -s "$work/out"
for v in --version version; do
    check "$v exits 0" expect_exit 0 "$tier" "$v"
    check "$v names both versions" grep -Eq '^tier [0-9]+\.[0-9]+\.[0-9]+.* \(libtier [0-9]+\.[0-9]+\.[0-9]+.*\)$' "$work/out"
done
check "version -h exits 0" expect_exit 0 "$tier" version -h
check "version -h prints the usage of version" grep -q 'tier version' "$work/out"
for h in -h --help help; do
    check "$h exits 0" expect_exit 0 "$tier" "$h"
    check "$h lists the commands" grep -q '^  run ' "$work/out"
done
check "an unknown command exits 2" expect_exit 2 "$tier" frobnicate
check "it is named" grep -q '^tier: unknown command "frobnicate"' "$work/err"
check "fit without a model exits 2" expect_exit 2 "$tier" fit
check "fit names what is missing" grep -q '^tier: fit: unknown or missing model "" (fit clv, fit sbg)' "$work/err"
check "override with an unknown action exits 2" expect_exit 2 "$tier" override frob
check "override names the action" grep -q '^tier: override: unknown or missing action "frob" (add, remove, list)' "$work/err"
check "override -h exits 0" expect_exit 0 "$tier" override -h
check "override -h prints its usage" grep -q 'usage: tier override' "$work/out"

# An output larger than stdio's buffer onto a full device: the write fails, exit 1, ENOSPC named.
if mknod "$work/full" c 1 7 2>/dev/null; then full=$work/full; else full=/dev/full; fi
if [ -c "$full" ]; then
    check "a large output onto a full device exits 1" expect_exit 1 bash -c "'$tier' run ${reader[*]} --policy pareto-sabc >'$full'"
    check "it names ENOSPC" grep -q "^tier: cannot write the output to standard output: No space left on device" "$work/err"
    check "and prints no summary" bash -c "! grep -q 'customers,' '$work/err'"
fi

check "TIER_SPLIT_MIN_BYTES=abc exits 2" expect_exit 2 env TIER_SPLIT_MIN_BYTES=abc "$tier" run "${reader[@]}"
check "the message names the setting and the value" grep -q '^tier: --split-min-bytes must be a whole number of bytes, not "abc"' "$work/err"
check "nothing is written" test ! -s "$work/out"

check "--threads 1 runs" expect_exit 0 "$tier" run "${reader[@]}" --threads 1 --quiet
cp "$work/out" "$work/one.csv"
check "--threads 2 runs" expect_exit 0 env TIER_SPLIT_MIN_BYTES=0 "$tier" run "${reader[@]}" --threads 2 --quiet
check "--threads 2 gives the output of --threads 1" cmp "$work/out" "$work/one.csv"
check "--quiet prints no summary" test ! -s "$work/err"
finish "cli usage"
