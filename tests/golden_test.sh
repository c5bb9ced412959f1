#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The `tier` command's outputs on the bundled data must not change unless a change means them to:
# every output below is hashed and compared with tests/golden/outputs.sha256 (recorded from the
# 0.1 CLI before the code was reorganised). To record new hashes after an intended change:
#   bash tests/golden_test.sh build/tier . --record
# Usage: golden_test.sh TIER_BINARY SOURCE_DIR [--record]
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
src=$(cd "$2" && pwd)
data=$src/examples/data
expected=$src/tests/golden/outputs.sha256
cd "$work" || exit 1
S="--no-header --columns customer_id,sample,date,cds,amount"
B2B="--input $data/b2b_invoices.csv --accounts $data/b2b_accounts.csv"
ALL="--models rfm,pareto,clv,lifecycle,scorecard,needs"
printf 'customer_id,date,amount\n1,2020-01-01,5\n2,2020-13-01,3\n' >bad.csv

# name, then the command; stdout, stderr and the exit status are all recorded.
run() {
    local name=$1
    shift
    "$@" >"$name.out" 2>"$name.err"
    echo $? >"$name.rc"
    sed -i "s|$data/||g; s|$work/||g" "$name.err"
}
# The 0.1 outputs: 0.3 changed the default policy, so these name the 0.1 scheme, pareto-sabc
# (and, with --accounts, the 0.1 default model list, as pareto-sabc declares rfm and pareto only).
P01="--policy pareto-sabc"
M01="--models rfm,pareto,lifecycle,scorecard,needs"
run master "$tier" run --input "$data/CDNOW_master.txt" $P01
run master_json "$tier" run --input "$data/CDNOW_master.txt" --format json --quiet $P01
run sample "$tier" run --input "$data/CDNOW_sample.txt" $S --quiet $P01
run b2b "$tier" run $B2B --quiet $P01 $M01
run b2b_all "$tier" run $B2B $ALL $P01
run b2b_all_json "$tier" run $B2B $ALL --format json --quiet $P01
run fit_bgnbd "$tier" fit clv --input "$data/CDNOW_sample.txt" $S --calibration-end 1997-09-30
run fit_pnbd "$tier" fit clv --input "$data/CDNOW_sample.txt" $S --calibration-end 1997-09-30 --model pnbd
run fit_day "$tier" fit clv --input "$data/CDNOW_sample.txt" $S --calibration-end 1997-09-30 --time-unit day
run clv "$tier" clv --input "$data/CDNOW_sample.txt" $S --calibration-end 1997-09-30 --horizon 52
# The built-in policies of 0.3 (docs/policies.md) on both bundled data sets (recorded in 0.3).
for pol in b2b-sabc key-important-general-maintain rfm-10 rfm-8; do
    run "sample_$pol" "$tier" run --input "$data/CDNOW_sample.txt" $S --quiet --policy "$pol"
done
for pol in b2b-sabc b2b-full key-important-general-maintain grade-a-e rfm-10 rfm-8 pareto-sabc; do
    run "b2b_$pol" "$tier" run $B2B --policy "$pol"
done
run b2b_default "$tier" run $B2B --quiet --format json
run policies "$tier" policies
run err_policy_needs_pareto "$tier" run --input "$data/b2b_invoices.csv" --models rfm,scorecard,lifecycle $P01
run err_missing_file "$tier" run --input "$work/nonexistent.csv"
run err_bad_date "$tier" run --input bad.csv

sha256sum -- *.out *.err *.rc | sort -k2 >actual.sha256
if [ "${3:-}" = --record ]; then
    cp actual.sha256 "$expected"
    echo "recorded $(wc -l <"$expected") hashes in $expected"
    exit 0
fi
if diff -u "$expected" actual.sha256; then
    echo "golden: all $(wc -l <"$expected") outputs identical"
    exit 0
fi
echo "golden: outputs differ from tests/golden/outputs.sha256 (lines above); stderr of failures:"
for f in *.err; do echo "--- $f"; head -c 400 "$f"; done
exit 1
