#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end checks of `tier fit clv`, `tier clv` and `--models ...,clv,lifecycle` on both CDNOW
# files: JSON keys and the published figures (parsed with python3), CSV columns, exit codes.
# Usage: cli_clv_test.sh TIER_BINARY SOURCE_DIR
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
data=$2/examples/data
sample=(--input "$data/CDNOW_sample.txt" --no-header --columns customer_id,sample,date,cds,amount)
master=(--input "$data/CDNOW_master.txt")

# json FILE PYTHON-EXPRESSION: the expression (over the parsed document `d`) must be true.
json() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

# Published figures (Fader, Hardie & Lee 2005) on the 1/10 sample, to 3 significant digits.
sig3='lambda v, p: abs(v - p) <= 0.5 * 10 ** (__import__("math").floor(__import__("math").log10(abs(p))) - 2) + 1e-12'

check "fit clv sample runs" expect_exit 0 "$tier" fit clv "${sample[@]}" --calibration-end 1997-09-30
cp "$work/out" "$work/bg.json"
check "fit clv keys" json "$work/bg.json" \
    'all(k in d for k in ("model","time_unit","calibration_end","customers","purchase_model","spend_model")) and all(k in d["purchase_model"] for k in ("params","standard_errors","log_likelihood","iterations","converged")) and all(k in d["spend_model"] for k in ("params","customers","excluded_zero_spend","excluded_reason"))'
check "fit clv header fields" json "$work/bg.json" \
    'd["model"] == "bgnbd" and d["time_unit"] == "week" and d["calibration_end"] == "1997-09-30" and d["customers"] == 2357'
check "bgnbd published parameters" json "$work/bg.json" \
    "(lambda s, p: s(p['r'], 0.243) and s(p['alpha'], 4.414) and s(p['a'], 0.793) and s(p['b'], 2.426))($sig3, d['purchase_model']['params'])"
check "bgnbd published log-likelihood" json "$work/bg.json" \
    'abs(d["purchase_model"]["log_likelihood"] - -9582.4) <= 0.1 and d["purchase_model"]["converged"] is True'
check "gamma-gamma published parameters" json "$work/bg.json" \
    "(lambda s, p: s(p['p'], 6.25) and s(p['q'], 3.74) and s(p['gamma'], 15.44))($sig3, d['spend_model']['params']) and d['spend_model']['customers'] == 946 and d['spend_model']['excluded_zero_spend'] == 0"

check "fit clv pnbd runs" expect_exit 0 "$tier" fit clv "${sample[@]}" --calibration-end 1997-09-30 --model pnbd
cp "$work/out" "$work/pn.json"
check "pnbd published parameters" json "$work/pn.json" \
    "d['model'] == 'pnbd' and (lambda s, p: s(p['r'], 0.553) and s(p['alpha'], 10.578) and s(p['s'], 0.606) and s(p['beta'], 11.669))($sig3, d['purchase_model']['params']) and abs(d['purchase_model']['log_likelihood'] - -9595.0) <= 0.1"

check "fit clv in days" expect_exit 0 "$tier" fit clv "${sample[@]}" --calibration-end 1997-09-30 --time-unit day
cp "$work/out" "$work/day.json"
check "alpha scales with the time unit" python3 -c 'import json, sys
w = json.load(open(sys.argv[1]))["purchase_model"]["params"]
d = json.load(open(sys.argv[2]))["purchase_model"]["params"]
sys.exit(0 if abs(d["alpha"] / (7 * w["alpha"]) - 1) < 1e-5 and abs(d["r"] / w["r"] - 1) < 1e-5 else 1)' "$work/bg.json" "$work/day.json"

check "fit clv master runs" expect_exit 0 "$tier" fit clv "${master[@]}" --calibration-end 1997-09-30
cp "$work/out" "$work/master.json"
check "master excludes one zero-spend customer" json "$work/master.json" \
    'd["customers"] == 23570 and d["spend_model"]["customers"] == 9450 and d["spend_model"]["excluded_zero_spend"] == 1 and d["purchase_model"]["converged"] is True'

# Per-customer output through the library's writer.
check "clv sample runs" expect_exit 0 "$tier" clv "${sample[@]}" --calibration-end 1997-09-30 --horizon 39 --out "$work/s.csv"
check "clv header" test "$(head -1 "$work/s.csv")" = "customer_id,x,t_x,T,p_alive,expected_purchases,expected_spend,clv"
check "clv one row per customer" test "$(($(wc -l <"$work/s.csv") - 1))" -eq 2357
check "clv published example 1.226" python3 -c 'import csv, sys
r = next(csv.DictReader(open(sys.argv[1])))
sys.exit(0 if r["customer_id"] == "00004" and float(r["x"]) == 2 and abs(float(r["expected_purchases"]) - 1.226) <= 0.0005 and abs(float(r["expected_spend"]) - 24.65) <= 0.005 else 1)' "$work/s.csv"
check "clv master runs" expect_exit 0 "$tier" clv "${master[@]}" --calibration-end 1997-09-30 --horizon 52 --out "$work/m.csv"
check "clv master rows" test "$(($(wc -l <"$work/m.csv") - 1))" -eq 23570
check "clv master values are finite" python3 -c 'import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
sys.exit(0 if all(math.isfinite(float(r[k])) for r in rows for k in ("p_alive", "expected_purchases", "expected_spend", "clv")) else 1)' "$work/m.csv"
check "clv to stdout as json" expect_exit 0 "$tier" clv "${sample[@]}" --calibration-end 1997-09-30 --horizon 52 --format json --quiet
check "clv json rows" json "$work/out" 'len(d) == 2357 and set(d[0]) == {"customer_id","x","t_x","T","p_alive","expected_purchases","expected_spend","clv"}'

# tier run with the clv model before lifecycle.
check "run with clv and lifecycle" expect_exit 0 "$tier" run "${master[@]}" --models rfm,pareto,clv,lifecycle --policy pareto-sabc --out "$work/r.csv"
check "run columns" test "$(head -1 "$work/r.csv")" = \
    "customer_id,tier,r,f,m,tenure,r_score,f_score,m_score,segment,value_class,pareto_class,p_alive,expected_purchases,clv,stage,onboarding,reason"
check "run rows" test "$(($(wc -l <"$work/r.csv") - 1))" -eq 23570

# Usage errors exit 2, bad input exits 1.
check "fit without a model" expect_exit 2 "$tier" fit
check "fit unknown model" expect_exit 2 "$tier" fit rfm "${sample[@]}"
check "fit clv needs a calibration end" expect_exit 2 "$tier" fit clv "${sample[@]}"
check "bad calibration end" expect_exit 2 "$tier" fit clv "${sample[@]}" --calibration-end 1997-02-30
check "bad purchase model" expect_exit 2 "$tier" fit clv "${sample[@]}" --calibration-end 1997-09-30 --model gamma
check "bad time unit" expect_exit 2 "$tier" fit clv "${sample[@]}" --calibration-end 1997-09-30 --time-unit month
check "fit clv rejects clv flags" expect_exit 2 "$tier" fit clv "${sample[@]}" --calibration-end 1997-09-30 --horizon 5
check "clv needs a horizon" expect_exit 2 "$tier" clv "${sample[@]}" --calibration-end 1997-09-30
check "bad horizon" expect_exit 2 "$tier" clv "${sample[@]}" --calibration-end 1997-09-30 --horizon 0
check "bad profit margin" expect_exit 2 "$tier" clv "${sample[@]}" --calibration-end 1997-09-30 --horizon 5 --profit-margin 2
check "profit margin scales clv" bash -c "'$tier' clv ${sample[*]} --calibration-end 1997-09-30 --horizon 39 --profit-margin 0.5 --quiet --out '$work/half.csv'"
check "half the clv" python3 -c 'import csv, sys
a = list(csv.DictReader(open(sys.argv[1])))
b = list(csv.DictReader(open(sys.argv[2])))
sys.exit(0 if all(abs(float(y["clv"]) - 0.5 * float(x["clv"])) <= 1e-9 * float(x["clv"]) for x, y in zip(a, b)) else 1)' "$work/s.csv" "$work/half.csv"
check "bad time unit message" bash -c "'$tier' fit clv ${sample[*]} --calibration-end 1997-09-30 --time-unit month 2>&1 | grep -qx 'tier: --time-unit must be day or week, not \"month\"'"
check "bad purchase model message" bash -c "'$tier' fit clv ${sample[*]} --calibration-end 1997-09-30 --model gamma 2>&1 | grep -qx 'tier: --model must be bgnbd or pnbd, not \"gamma\"'"
check "bad calibration end message" bash -c "'$tier' clv ${sample[*]} --calibration-end 1997-02-30 --horizon 5 2>&1 | grep -q '\"1997-02-30\" is not a date (YYYY-MM-DD)'"
check "fit clv has no --out" expect_exit 2 "$tier" fit clv "${sample[@]}" --calibration-end 1997-09-30 --out "$work/x.json"
check "clv in two halves is identical" bash -c "TIER_SPLIT_MIN_BYTES=0 '$tier' clv ${master[*]} --calibration-end 1997-09-30 --horizon 52 --quiet | cmp - '$work/m.csv'"
check "missing flag value" expect_exit 2 "$tier" clv "${sample[@]}" --calibration-end
check "unknown models entry" expect_exit 2 "$tier" run "${master[@]}" --models rfm,clvx
check "missing file exits 1" expect_exit 1 "$tier" fit clv --input "$work/none.csv" --calibration-end 1997-09-30
printf 'customer_id,date,amount\nA,2024-01-01,5\nB,2024-02-30,7\n' >"$work/bad.csv"
check "bad input exits 1" expect_exit 1 "$tier" clv --input "$work/bad.csv" --calibration-end 2024-03-01 --horizon 5
check "bad input message" grep -q 'line 3, column 2 (date)' "$work/err"
printf 'customer_id,date,amount\nA,2024-01-01,5\nB,2024-01-02,7\n' >"$work/once.csv"
check "one-time buyers exit 1" expect_exit 1 "$tier" fit clv --input "$work/once.csv" --calibration-end 2024-03-01
check "one-time buyers message" grep -q 'no repeat transactions' "$work/err"
check "calibration end before every purchase exits 1" expect_exit 1 "$tier" fit clv "${sample[@]}" --calibration-end 1990-01-01
echo keep >"$work/keep.csv"
check "failed clv exits 1" expect_exit 1 "$tier" clv --input "$work/once.csv" --calibration-end 2024-03-01 --horizon 5 --out "$work/keep.csv"
check "output untouched" test "$(cat "$work/keep.csv")" = keep

finish cli_clv
