#!/usr/bin/env bash
# run.sh - one-command benchmark for workload W1 (docs: tests/bench/README.md).
#
#   bash tests/bench/run.sh [--sizes 1m,10m[,100m]] [--runs N] [--skip-slow]
#                           [--data 1:0,2:10] [--threads N] [--w1-only]
#                           [--tools libtier,duckdb-2t,duckdb-1t,pandas,sqlite3,cat]
#
# --data lists the inputs of each size as SEED:REPEAT (REPEAT = gen_w1 --repeat-share, the percent
# of same-day repeat purchases); default 1:0,2:10. Sizes from 50m on (e.g. 100m: 100M rows, 10M
# customers, about 2.7 GB) run libtier and cat only. libtier runs with --frequency rows (F counts
# transactions, as the peers' COUNT(*)); once per input it also runs with --frequency days and is
# compared with DuckDB counting distinct days. Every tool writes the nine columns W1 asks for
# (libtier: --out-columns "$W1_COLUMNS"; its tiers are still computed). --w1-only leaves out the
# W2/W3/W5 rows.
#
# Environment:
#   BENCH_DATA    data + outputs directory (default: <repo>/build/bench-data)
#   TIER_BIN      libtier CLI (default: <repo>/build/tier)
#   BENCH_SEED    generator seed when --data is not given (default: --data 1:0,2:10)
#   PANDAS_PYTHON interpreter with pandas (default: /usr/bin/python3)
#   PYTHON        interpreter for compare.py, stdlib only (default: python3)
#   CC            C compiler for gen_w1 (default: cc)
#
# The Markdown table goes to stdout (and to $BENCH_DATA/results-*.md); progress
# goes to stderr.  Exit status is non-zero if any tool failed or any output
# disagreed.
set -uo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }

BENCH_DATA=$(abspath "${BENCH_DATA:-$ROOT/build/bench-data}")
TIER_BIN=$(abspath "${TIER_BIN:-$ROOT/build/tier}")
BENCH_SEED=${BENCH_SEED:-}
PANDAS_PYTHON=${PANDAS_PYTHON:-/usr/bin/python3}
CC=${CC:-cc}
AS_OF=2025-01-01
# W1's output, as the peers write it: id, R, F, M, tenure, the three scores, the Pareto class.
W1_COLUMNS=customer_id,r=rfm.r,f=rfm.f,m=rfm.m:2,tenure=rfm.tenure,r_score=rfm.r_score
W1_COLUMNS+=,f_score=rfm.f_score,m_score=rfm.m_score,pareto_class=pareto.class
TIME_BIN=/usr/bin/time

SIZES=1m,10m
RUNS=5
SKIP_SLOW=0
DATA=${BENCH_SEED:+$BENCH_SEED:0}
DATA=${DATA:-1:0,2:10}
THREADS=
W1_ONLY=0
TOOLS_ALL=(libtier duckdb-2t duckdb-1t pandas sqlite3 cat)
TOOLS_REQ=$(IFS=,; echo "${TOOLS_ALL[*]}")

usage() {
  sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

say() { printf '%s\n' "$*" >&2; }

# ------------------------------------------------------------------ options
parse_args() {
  while [[ $# -gt 0 ]]; do
    case $1 in
      --sizes) SIZES=${2:?}; shift 2 ;;
      --sizes=*) SIZES=${1#*=}; shift ;;
      --runs) RUNS=${2:?}; shift 2 ;;
      --runs=*) RUNS=${1#*=}; shift ;;
      --skip-slow) SKIP_SLOW=1; shift ;;
      --data) DATA=${2:?}; shift 2 ;;
      --data=*) DATA=${1#*=}; shift ;;
      --threads) THREADS=${2:?}; shift 2 ;;
      --threads=*) THREADS=${1#*=}; shift ;;
      --w1-only) W1_ONLY=1; shift ;;
      --tools) TOOLS_REQ=${2:?}; shift 2 ;;
      --tools=*) TOOLS_REQ=${1#*=}; shift ;;
      -h|--help) usage ;;
      *) say "unknown argument: $1"; usage ;;
    esac
  done
  [[ $RUNS =~ ^[1-9][0-9]*$ ]] || { say "--runs must be a positive integer"; exit 2; }
  local s
  IFS=, read -r -a size_list <<< "$SIZES"
  for s in "${size_list[@]}"; do size_params "$s" >/dev/null; done
  IFS=, read -r -a data_list <<< "$DATA"
  for s in "${data_list[@]}"; do
    [[ $s =~ ^[0-9]+:[0-9]+$ ]] || { say "bad --data item: $s (want SEED:REPEAT)"; exit 2; }
  done
  [[ -z $THREADS || $THREADS =~ ^[1-9][0-9]*$ ]] || { say "--threads must be a positive integer"; exit 2; }
}

# size label (1m, 10m, 100k, 2500000) -> "N K": K = N / 10 customers
size_params() {
  local s=${1,,} n
  case $s in
    *k) n=$(( ${s%k} * 1000 )) ;;
    *m) n=$(( ${s%m} * 1000000 )) ;;
    *) n=$s ;;
  esac
  [[ $n =~ ^[0-9]+$ && $n -ge 10 ]] || { say "bad size: $1"; exit 2; }
  # ids have 7 digits: at most 9,999,999 customers (100m: 10M - 1)
  local k=$(( n / 10 ))
  (( k > 9999999 )) && k=9999999
  echo "$n $k"
}

human() { # 1000000 -> 1M, 100000 -> 100k
  local n=$1
  if (( n % 1000000 == 0 )); then echo "$(( n / 1000000 ))M"
  elif (( n % 1000 == 0 )); then echo "$(( n / 1000 ))k"
  else echo "$n"; fi
}

# ------------------------------------------------------------------ setup
GEN=""
build_gen() {
  mkdir -p "$BENCH_DATA" || exit 1
  GEN=$BENCH_DATA/gen_w1
  if [[ ! -x $GEN || $HERE/gen_w1.c -nt $GEN ]]; then
    say "building gen_w1 ($CC -O2)"
    "$CC" -std=c99 -O2 -o "$GEN" "$HERE/gen_w1.c" || { say "cannot build gen_w1"; exit 1; }
  fi
}

gen_stamp() { # identifies generator source + parameters
  local sum
  sum=$(cksum < "$HERE/gen_w1.c" | cut -d' ' -f1)
  echo "gen_w1.c cksum $sum; args $*"
}

# data_file SIZE SEED REPEAT -> the input's path (repeat 0 keeps the old names)
data_file() {
  local r=""
  [[ $3 != 0 ]] && r=_r$3
  echo "$BENCH_DATA/w1_${1,,}_s$2$r.csv"
}

# generate_data SIZE SEED REPEAT -> prints the data file path
generate_data() {
  local n k f stamp seed=$2 rep=$3
  read -r n k < <(size_params "$1")
  f=$(data_file "$1" "$seed" "$rep")
  stamp=$(gen_stamp --transactions "$n" --customers "$k" --seed "$seed" --repeat-share "$rep")
  if [[ ! -s $f || ! -f $f.stamp || "$(cat "$f.stamp")" != "$stamp" ]]; then
    say "generating $f ($n transactions, $k customers, seed $seed, $rep% repeats)"
    rm -f "$f.stamp"
    "$GEN" --transactions "$n" --customers "$k" --seed "$seed" --repeat-share "$rep" --out "$f.tmp" >&2 \
      && mv "$f.tmp" "$f" && echo "$stamp" > "$f.stamp" \
      || { say "data generation failed"; rm -f "$f.tmp"; exit 1; }
  fi
  echo "$f"
}

# ------------------------------------------------------------------ tools
# Availability: AVAIL[tool]=1, or SKIPMSG[tool]="reason".
declare -A AVAIL=() SKIPMSG=()

want_tool() { [[ ,$TOOLS_REQ, == *",$1,"* ]]; }

detect_tools() {
  local t
  for t in "${TOOLS_ALL[@]}"; do want_tool "$t" || SKIPMSG[$t]="not requested (--tools)"; done

  if want_tool libtier; then
    if [[ -x $TIER_BIN ]]; then AVAIL[libtier]=1
    else SKIPMSG[libtier]="TIER_BIN=$TIER_BIN not found (build the CLI first)"; fi
  fi

  if want_tool duckdb-2t || want_tool duckdb-1t; then
    local dmsg=""
    if ! command -v node >/dev/null 2>&1; then
      dmsg="node not found"
    else
      if [[ ! -d $HERE/node_modules/@duckdb/node-api ]]; then
        if command -v npm >/dev/null 2>&1; then
          say "installing @duckdb/node-api into tests/bench/node_modules (npm install)"
          (cd "$HERE" && npm install --no-audit --no-fund >&2) || say "npm install failed"
        fi
      fi
      if [[ ! -d $HERE/node_modules/@duckdb/node-api ]]; then
        dmsg="npm module @duckdb/node-api missing (run: cd tests/bench && npm install)"
      elif ! (cd "$HERE" && node -e "import('@duckdb/node-api').then(()=>process.exit(0),()=>process.exit(1))") 2>/dev/null; then
        dmsg="@duckdb/node-api does not load in this node"
      fi
    fi
    for t in duckdb-2t duckdb-1t; do
      want_tool "$t" || continue
      if [[ -z $dmsg ]]; then AVAIL[$t]=1; else SKIPMSG[$t]=$dmsg; fi
    done
  fi

  if want_tool pandas; then
    if [[ -x $PANDAS_PYTHON ]] && "$PANDAS_PYTHON" -c 'import pandas, numpy' 2>/dev/null; then AVAIL[pandas]=1
    else SKIPMSG[pandas]="pandas not importable by $PANDAS_PYTHON (apt-get install python3-pandas)"; fi
  fi

  if want_tool sqlite3; then
    if command -v sqlite3 >/dev/null 2>&1; then AVAIL[sqlite3]=1
    else SKIPMSG[sqlite3]="sqlite3 CLI not found (apt-get install sqlite3)"; fi
  fi

  want_tool cat && AVAIL[cat]=1

  for t in "${TOOLS_ALL[@]}"; do
    [[ -n ${SKIPMSG[$t]:-} ]] && say "skip $t: ${SKIPMSG[$t]}"
  done
  if [[ ! -x $TIME_BIN ]]; then
    say "note: $TIME_BIN not found, peak memory will not be reported (apt-get install time)"
  fi
  PYTHON=${PYTHON:-}
  if [[ -z $PYTHON ]]; then
    if command -v python3 >/dev/null 2>&1 && python3 -c 'import csv, decimal' 2>/dev/null; then PYTHON=python3
    else PYTHON=/usr/bin/python3; fi
  fi
}

# tool_argv TOOL IN OUT -> sets CMD array
tool_argv() {
  local t=$1 in=$2 out=$3
  case $t in
    libtier)   CMD=("$TIER_BIN" run --input "$in" --as-of "$AS_OF" --models rfm,pareto --policy pareto-sabc --frequency rows --out "$out" --out-columns "$W1_COLUMNS" ${THREADS:+--threads "$THREADS"}) ;;
    duckdb-2t) CMD=(node "$HERE/duckdb_w1.mjs" "$in" "$out" 2 "$AS_OF") ;;
    duckdb-1t) CMD=(node "$HERE/duckdb_w1.mjs" "$in" "$out" 1 "$AS_OF") ;;
    pandas)    CMD=("$PANDAS_PYTHON" "$HERE/pandas_w1.py" "$in" "$out" "$AS_OF") ;;
    sqlite3)   CMD=(bash "$HERE/sqlite_w1.sh" "$in" "$out" "$AS_OF") ;;
    cat)       CMD=(cat "$in") ;;
    *) say "internal: unknown tool $t"; exit 1 ;;
  esac
}

# is the tool skipped at this size? (--skip-slow: sqlite3 from 5M transactions; from 50M
# transactions only libtier and cat run)
skipped_at_size() {
  local t=$1 n=$2
  [[ $SKIP_SLOW == 1 && $t == sqlite3 && $n -ge 5000000 ]] ||
    [[ $n -ge 50000000 && $t != libtier && $t != cat ]]
}

# run_once TOOL IN OUTDIR -> appends "secs kib" to $OUTDIR/TOOL.times; returns tool status
run_once() {
  local t=$1 in=$2 dir=$3 out tf log t0 t1 us rc kib line cpu u sy
  out=$dir/$t.csv
  tf=$dir/$t.time
  log=$dir/$t.log
  tool_argv "$t" "$in" "$out"
  [[ $t == cat ]] && out=/dev/null
  rm -f "$tf"
  t0=${EPOCHREALTIME/./}
  if [[ -x $TIME_BIN ]]; then
    if [[ $t == cat ]]; then
      "$TIME_BIN" -o "$tf" -f '%x %M %U %S' "${CMD[@]}" >/dev/null 2>"$log"
    elif [[ $t == libtier ]]; then
      "$TIME_BIN" -o "$tf" -f '%x %M %U %S' "${CMD[@]}" >/dev/null 2>/dev/null
    else
      "$TIME_BIN" -o "$tf" -f '%x %M %U %S' "${CMD[@]}" >"$log" 2>&1
    fi
    rc=$?
  else
    if [[ $t == cat ]]; then "${CMD[@]}" >/dev/null 2>"$log"
    elif [[ $t == libtier ]]; then "${CMD[@]}" >/dev/null 2>&1
    else "${CMD[@]}" >"$log" 2>&1; fi
    rc=$?
  fi
  t1=${EPOCHREALTIME/./}
  us=$(( t1 - t0 ))
  kib=NA cpu=NA
  if [[ -s $tf ]]; then
    line=$(tail -n 1 "$tf")
    read -r _ kib u sy <<< "$line"
    cpu=$(awk -v u="$u" -v s="$sy" 'BEGIN{printf "%.2f", u + s}')
  fi
  if [[ $rc -ne 0 ]]; then
    FAILMSG[$t]="exit $rc: ${CMD[*]}"
    [[ $t == libtier ]] || FAILMSG[$t]+=" (log: $log)"
    say "  $t FAILED (exit $rc): ${CMD[*]}"
    [[ -s $log ]] && tail -n 5 "$log" | sed 's/^/    /' >&2
    return 1
  fi
  printf '%d.%06d %s %s\n' $(( us / 1000000 )) $(( us % 1000000 )) "$kib" "$cpu" >> "$dir/$t.times"
  return 0
}

median() { sort -g | awk '{v[NR]=$1} END{ if (NR==0) {print "NA"; exit}
  if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2 }'; }

# ------------------------------------------------------------------ results
# One table row per (size, tool).  Extra benchmarks add rows with add_row.
ROWS=()
STATUS=0
add_row() { # size tool median_s peak_mib ratio check [cpu_s]
  ROWS+=("| $1 | $2 | $3 | $4 | ${7:-} | $5 | $6 |")
}

declare -A CHECK=() FAILED=() FAILMSG=()
PAIR=

# compare_pair DIR A B: B's output against A's; sets PAIR to "= A" or
# "MISMATCH vs A" (and STATUS to 1, showing the first differences).
compare_pair() {
  local dir=$1 a=$2 b=$3
  say "  compare $a vs $b"
  if "$PYTHON" "$HERE/compare.py" "$dir/$a.csv" "$dir/$b.csv" >"$dir/compare-$a-$b.txt" 2>&1; then
    PAIR="= $a"
  else
    PAIR="MISMATCH vs $a"; STATUS=1
    sed 's/^/    /' "$dir/compare-$a-$b.txt" | head -n 8 >&2
  fi
}

# compare_outputs DIR TOOLS...: every output against the reference (libtier
# if it ran, else the first peer), and every peer against the first peer.
compare_outputs() {
  local dir=$1; shift
  local tools=("$@") ref="" firstpeer="" t res
  for t in "${tools[@]}"; do
    [[ $t == cat || -n ${FAILED[$t]:-} ]] && continue
    [[ -z $ref ]] && ref=$t
    [[ $t != libtier && -z $firstpeer ]] && firstpeer=$t
  done
  [[ -z $ref ]] && return 0
  CHECK[$ref]="reference"
  for t in "${tools[@]}"; do
    [[ $t == cat || -n ${FAILED[$t]:-} || $t == "$ref" ]] && continue
    compare_pair "$dir" "$ref" "$t"
    res=$PAIR
    if [[ $ref == libtier && $t != "$firstpeer" && -n $firstpeer ]]; then
      compare_pair "$dir" "$firstpeer" "$t"
      res="$res, $PAIR"
    fi
    CHECK[$t]=$res
  done
  return 0
}

# check_days DIR IN TOOLS...: F as purchase-days, checked once per input (not timed): libtier
# with --frequency days against DuckDB counting distinct days (W1_FREQ=days); the result is
# appended to libtier's check column.
check_days() {
  local dir=$1 in=$2; shift 2
  local t duck=""
  for t in "$@"; do [[ $t == duckdb-2t || $t == duckdb-1t ]] && [[ -z ${FAILED[$t]:-} ]] && duck=$t; done
  [[ -z ${FAILED[libtier]:-} && " $* " == *" libtier "* ]] || return 0
  if [[ -z $duck ]]; then
    CHECK[libtier]+="; days: not checked (no DuckDB)"
    return 0
  fi
  say "  days check: libtier --frequency days vs DuckDB count(DISTINCT date)"
  if ! "$TIER_BIN" run --input "$in" --as-of "$AS_OF" --models rfm,pareto --policy pareto-sabc --frequency days --out "$dir/libtier-days.csv" \
      --out-columns "$W1_COLUMNS" ${THREADS:+--threads "$THREADS"} 2>/dev/null ||
     ! W1_FREQ=days node "$HERE/duckdb_w1.mjs" "$in" "$dir/duckdb-days.csv" 2 "$AS_OF" >"$dir/duckdb-days.log" 2>&1; then
    CHECK[libtier]+="; days: FAILED"; STATUS=1; return 0
  fi
  if "$PYTHON" "$HERE/compare.py" "$dir/duckdb-days.csv" "$dir/libtier-days.csv" >"$dir/compare-days.txt" 2>&1; then
    CHECK[libtier]+="; days: = duckdb"
  else
    CHECK[libtier]+="; days: MISMATCH vs duckdb"; STATUS=1
    sed 's/^/    /' "$dir/compare-days.txt" | head -n 8 >&2
  fi
}

# ------------------------------------------------------------------ W1
bench_w1_size() {
  local size=$1 seed=$2 rep=$3 n k in dir label t r tools=() med peak ratio libmed="" cpu
  read -r n k < <(size_params "$size")
  label="W1 $(human "$n") tx / $(human "$k") cust, seed $seed, $rep% repeats"
  in=$(generate_data "$size" "$seed" "$rep") || exit 1
  dir=$BENCH_DATA/out/w1_${size,,}_s${seed}_r$rep
  mkdir -p "$dir"
  for t in "${TOOLS_ALL[@]}"; do
    [[ -n ${AVAIL[$t]:-} ]] || continue
    if skipped_at_size "$t" "$n"; then say "skip $t at $size (--skip-slow)"; continue; fi
    tools+=("$t")
  done
  CHECK=(); FAILED=(); FAILMSG=()
  for t in "${tools[@]}"; do rm -f "$dir/$t.times" "$dir/$t.csv" "$dir"/compare-*.txt; done

  say "== $label: $in ($(du -h "$in" | cut -f1)), warm-up"
  for t in "${tools[@]}"; do
    say "  warm-up $t"
    run_once "$t" "$in" "$dir" || { FAILED[$t]=1; STATUS=1; }
  done
  for t in "${tools[@]}"; do rm -f "$dir/$t.times"; done
  for (( r = 1; r <= RUNS; r++ )); do
    say "  round $r/$RUNS"
    for t in "${tools[@]}"; do
      [[ -n ${FAILED[$t]:-} ]] && continue
      run_once "$t" "$in" "$dir" || { FAILED[$t]=1; STATUS=1; }
    done
  done
  compare_outputs "$dir" "${tools[@]}"
  check_days "$dir" "$in" "${tools[@]}"

  if [[ -z ${FAILED[libtier]:-} && -s $dir/libtier.times ]]; then
    libmed=$(cut -d' ' -f1 "$dir/libtier.times" | median)
  fi
  for t in "${tools[@]}"; do
    if [[ -n ${FAILED[$t]:-} ]]; then add_row "$label" "$t" "FAILED" "" "" "${FAILMSG[$t]:-}"; continue; fi
    med=$(cut -d' ' -f1 "$dir/$t.times" | median)
    peak=$(cut -d' ' -f2 "$dir/$t.times" | grep -v NA | sort -n | tail -n 1)
    if [[ -n $peak ]]; then peak=$(awk -v k="$peak" 'BEGIN{printf "%.0f", k/1024}'); else peak="n/a"; fi
    if [[ -n $libmed ]]; then ratio=$(awk -v a="$med" -v b="$libmed" 'BEGIN{printf "%.2f", a/b}')
    else ratio="n/a"; fi
    cpu=$(cut -d' ' -f3 "$dir/$t.times" | grep -v NA | median)
    add_row "$label" "$t" "$(awk -v x="$med" 'BEGIN{printf "%.3f", x}')" "$peak" "$ratio" "${CHECK[$t]:-}" "$cpu"
  done
  for t in "${TOOLS_ALL[@]}"; do
    [[ -n ${SKIPMSG[$t]:-} && ${SKIPMSG[$t]} != "not requested (--tools)" ]] &&
      add_row "$label" "$t" "skipped" "" "" "${SKIPMSG[$t]}"
    skipped_at_size "$t" "$n" && [[ -n ${AVAIL[$t]:-} ]] && add_row "$label" "$t" "skipped" "" "" "--skip-slow"
  done
  return 0
}

# ------------------------------------------------------------------ W2 / W3 hooks
# PLACEHOLDER for workloads W2 (in-memory API) and W3 (model fitting), see
# docs/performance.md.  They need the library's own benchmark entry point,
# expected to be `$TIER_BIN bench ...`; until it exists this prints a message
# and adds nothing.  When it exists, run it here (warm-up + $RUNS runs through
# run_once-style timing, or parse its own report) and call
#   add_row "<workload/size>" "<tool>" "<median s>" "<peak MiB>" "<ratio>" "<check>"
# for every measured line.  Never add rows with numbers that were not measured.
bench_extra() {
  # W3 (CLV fit on CDNOW_master.txt) has its own script; its rows join the table.
  if [[ -x $TIER_BIN ]]; then
    local w a b c d e
    while IFS='|' read -r w a b c d e; do add_row "$w" "$a" "$b" "$c" "$d" "$e"; done \
      < <(TIER_BIN=$TIER_BIN bash "$HERE/w3.sh" --runs "$RUNS" --fields)
  else
    say "W3 CLV: skipped ($TIER_BIN not found)"
  fi
  # W2 (the in-memory API) and the W3 scorecard/needs rows come from inmem.c, built from the
  # library sources directly. W2 uses the largest W1 file of this run.
  local inmem=$BENCH_DATA/inmem label secs mib last= lib_sources n
  # The library: every .c below src/ except the CLI (src/cli/), as CMakeLists.txt collects it.
  mapfile -t lib_sources < <(find "$ROOT/src" -name '*.c' ! -path "$ROOT/src/cli/*" | sort)
  # The built-in policies are compiled in from a generated source, as CMakeLists.txt makes it.
  local policies=$BENCH_DATA/builtin_policies.c names
  names=$(cd "$ROOT/policies" && ls -- *.policy | sort | sed 's/\.policy$//' | paste -sd, -)
  cmake "-DSOURCE_DIR=$ROOT/policies" "-DNAMES=$names" "-DOUT=$policies" \
    -P "$ROOT/cmake/embed-policies.cmake" >&2 || policies=
  if [[ -z $policies ]] || ! "$CC" -O2 -std=c99 -D_POSIX_C_SOURCE=200809L -I"$ROOT/include" \
      -I"$ROOT/src" "${lib_sources[@]}" "$policies" "$HERE/inmem.c" -lm -o "$inmem"; then
    say "W2/W3 in-memory: skipped (inmem.c did not build)"
    STATUS=1
    return 0
  fi
  # the largest size below 50m (the scale size has no W2 row)
  for s in "${size_list[@]}"; do
    [[ -n $s ]] || continue
    read -r n _ < <(size_params "$s")
    (( n < 50000000 )) && last=$s
  done
  if [[ -n $last ]]; then
    local first=${data_list[0]}
    say "W2 in-memory on $(basename "$(data_file "$last" "${first%%:*}" "${first##*:}")")"
    while IFS='|' read -r label secs mib; do add_row "$label" "libtier C API" "$secs" "$mib" "n/a" ""; done \
      < <("$inmem" w2 "$(data_file "$last" "${first%%:*}" "${first##*:}")" "$RUNS" ${THREADS:+"$THREADS"}) || STATUS=1
  fi
  say "W3 scorecard and needs on 1M customers"
  while IFS='|' read -r label secs mib; do add_row "$label" "libtier C API" "$secs" "$mib" "n/a" ""; done \
    < <("$inmem" models 1000000 "$RUNS") || STATUS=1
  # Incremental re-tiering: tier_model_score_row after one new invoice (the clv fit on 1M
  # customers takes minutes; the per-call medians are in seconds like every other row).
  say "W5 score_row on 1M customers"
  while IFS='|' read -r label secs mib; do add_row "$label" "libtier C API" "$secs" "$mib" "n/a" ""; done \
    < <("$inmem" rescore 1000000 20001) || STATUS=1
  return 0
}

# ------------------------------------------------------------------ report
env_line() {
  local cpu duck pd sq rev
  cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null)
  duck=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$HERE/node_modules/@duckdb/node-api/package.json" 2>/dev/null | head -n 1)
  pd=$("$PANDAS_PYTHON" -c 'import pandas; print(pandas.__version__)' 2>/dev/null)
  sq=$(sqlite3 --version 2>/dev/null | cut -d' ' -f1)
  rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc 2>/dev/null || echo '?') CPUs ($cpu), libtier rev $rev," \
       "node $(node --version 2>/dev/null || echo -), @duckdb/node-api ${duck:--}, pandas ${pd:--}, sqlite3 ${sq:--}"
}

print_report() {
  local row
  echo "### libtier benchmark (W1: tier a CSV transaction log, as of $AS_OF)"
  echo
  echo "$(env_line)"
  echo
  echo "Whole-process wall time, median of $RUNS alternating rounds after one warm-up (page cache warm);"
  echo "peak RSS = max over the runs (\`$TIME_BIN -f %M\`). ratio = tool median / libtier median"
  echo "(> 1: libtier is faster). check = agreement of r, f, m, tenure, pareto_class (compare.py), F"
  echo "counting rows (libtier --frequency rows); \"days\" = the same with F as purchase days."
  echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)."
  echo
  echo "| workload / size | tool | median s | peak MiB | CPU s (user+sys) | ratio vs libtier | check |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | --- |"
  for row in "${ROWS[@]}"; do echo "$row"; done
}

main() {
  parse_args "$@"
  build_gen
  detect_tools
  local s d
  for s in "${size_list[@]}"; do
    [[ -n $s ]] || continue
    for d in "${data_list[@]}"; do
      bench_w1_size "$s" "${d%%:*}" "${d##*:}"
    done
  done
  [[ $W1_ONLY == 1 ]] || bench_extra
  local report=$BENCH_DATA/results-$(date -u +%Y%m%dT%H%M%SZ).md
  print_report | tee "$report"
  say "report saved to $report"
  exit $STATUS
}

main "$@"
