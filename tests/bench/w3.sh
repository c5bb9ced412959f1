#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# w3.sh - workload W3 (model fitting, docs/performance.md): `tier fit clv` on CDNOW_master.txt
# (69,659 transactions, 23,570 customers, calibration end 1997-09-30), BG/NBD + Gamma-Gamma and
# Pareto/NBD + Gamma-Gamma. Whole-process wall time (CSV load included), median of N runs after
# one warm-up; peak RSS from /usr/bin/time when present.
#
#   bash tests/bench/w3.sh [--runs N] [--fields]
#
# Environment: TIER_BIN (default <repo>/build/tier), W3_DATA (default
# <repo>/examples/data/CDNOW_master.txt). Prints one Markdown row per model; with --fields, the
# six fields "workload|tool|median s|peak MiB|ratio|check" per line (for run.sh's add_row).
set -uo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TIER_BIN=${TIER_BIN:-$ROOT/build/tier}
W3_DATA=${W3_DATA:-$ROOT/examples/data/CDNOW_master.txt}
TIME_BIN=/usr/bin/time
RUNS=5
FIELDS=0

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=${2:?}; shift 2 ;;
    --fields) FIELDS=1; shift ;;
    *) echo "usage: w3.sh [--runs N] [--fields]" >&2; exit 2 ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "--runs must be a positive integer" >&2; exit 2; }
[[ $RUNS -ge 5 ]] || echo "w3: note: fewer than 5 runs" >&2
[[ -x $TIER_BIN ]] || { echo "w3: $TIER_BIN not found (build the CLI first)" >&2; exit 1; }
[[ -s $W3_DATA ]] || { echo "w3: $W3_DATA not found" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{v[NR]=$1} END{ if (NR==0) {print "NA"; exit}
  if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2 }'; }

# one_run MODEL: appends "seconds kib" to $work/MODEL.times; the JSON goes to $work/MODEL.json
one_run() {
  local model=$1 t0 t1 us kib=NA rc
  local cmd=("$TIER_BIN" fit clv --input "$W3_DATA" --calibration-end 1997-09-30 --model "$model")
  t0=${EPOCHREALTIME/./}
  if [[ -x $TIME_BIN ]]; then
    "$TIME_BIN" -o "$work/time" -f '%M' "${cmd[@]}" >"$work/$model.json" 2>"$work/$model.err"
  else
    "${cmd[@]}" >"$work/$model.json" 2>"$work/$model.err"
  fi
  rc=$?
  t1=${EPOCHREALTIME/./}
  [[ $rc -eq 0 ]] || { echo "w3: $model failed (exit $rc): $(cat "$work/$model.err")" >&2; return 1; }
  us=$(( t1 - t0 ))
  [[ -s $work/time ]] && kib=$(tail -n 1 "$work/time")
  printf '%d.%06d %s\n' $(( us / 1000000 )) $(( us % 1000000 )) "$kib" >> "$work/$model.times"
}

status=0
for model in bgnbd pnbd; do
  label="W3 CLV fit, CDNOW master (23,570 cust)"
  tool="libtier fit clv --model $model"
  ok=1
  one_run "$model" || ok=0 # warm-up (page cache)
  rm -f "$work/$model.times"
  for (( r = 1; r <= RUNS && ok; r++ )); do one_run "$model" || ok=0; done
  if [[ $ok -eq 0 ]]; then
    med="FAILED"; peak=""; check="see stderr"; status=1
  else
    med=$(cut -d' ' -f1 "$work/$model.times" | median)
    med=$(awk -v x="$med" 'BEGIN{printf "%.3f", x}')
    peak=$(cut -d' ' -f2 "$work/$model.times" | grep -v NA | sort -n | tail -n 1)
    if [[ -n $peak ]]; then peak=$(awk -v k="$peak" 'BEGIN{printf "%.0f", k/1024}'); else peak="n/a"; fi
    check=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
ok = d["customers"] == 23570 and d["purchase_model"]["converged"] and d["spend_model"]["converged"]
print(("converged" if ok else "NOT CONVERGED") + ", GG excluded %d" % d["spend_model"]["excluded_zero_spend"])' \
      "$work/$model.json" 2>/dev/null || echo "unchecked")
  fi
  if [[ $FIELDS -eq 1 ]]; then
    echo "$label|$tool|$med|$peak|n/a|$check"
  else
    echo "| $label | $tool | $med | $peak | n/a | $check |"
  fi
done
exit $status
