#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end checks of `tier fit sbg`: the published fits of Fader & Hardie (2007) in the JSON
# (parsed with python3), the projection, DERL and CLV, several cohorts, and every usage error with
# its message and exit code.
# Usage: cli_sbg_test.sh TIER_BINARY
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
high=1000,869,743,653,593,551,517,491
regular=1000,631,468,382,326,289,262,241

# json FILE PYTHON-EXPRESSION: the expression (over the parsed document `d`) must be true.
json() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

check "high end runs" expect_exit 0 "$tier" fit sbg --survivors "$high"
cp "$work/out" "$work/high.json"
check "nothing on stderr" test ! -s "$work/err"
check "keys" json "$work/high.json" \
    'all(k in d for k in ("model","cohorts","customers","churned","alpha","beta","standard_errors","log_likelihood","converged","iterations","gradient_norm","discount_rate","derl","projection")) and d["model"] == "sbg"'
check "high end published fit" json "$work/high.json" \
    'round(d["alpha"], 3) == 0.668 and round(d["beta"], 3) == 3.806 and abs(d["log_likelihood"] - -1611.2) < 0.05 and d["converged"] is True and d["iterations"] > 0'
check "high end data" json "$work/high.json" \
    'd["cohorts"] == 1 and d["customers"] == 1000 and d["churned"] == 509 and d["data_periods"] == 7'
check "standard errors" json "$work/high.json" \
    'abs(d["standard_errors"]["alpha"] - 0.1037) < 0.0005 and abs(d["standard_errors"]["beta"] - 0.7855) < 0.0005'
check "projection to the data" json "$work/high.json" \
    '[p["renewals"] for p in d["projection"]] == list(range(8)) and d["projection"][0] == {"renewals": 0, "survivors": 1000.0, "retention": None} and d["projection"][1]["survivors"] == 850.68 and d["projection"][7]["survivors"] == 488.91'
check "retention rates" json "$work/high.json" \
    'all(abs(p["retention"] - round((d["beta"] + p["renewals"] - 1) / (d["alpha"] + d["beta"] + p["renewals"] - 1), 4)) < 1e-12 for p in d["projection"][1:])'
check "derl at the default rate" json "$work/high.json" \
    'd["discount_rate"] == 0.1 and abs(d["derl"] - 5.4145) < 0.0001 and "clv" not in d'

check "regular runs" expect_exit 0 "$tier" fit sbg --survivors "$regular" --periods 12 --discount-rate 0.2 --margin 100
cp "$work/out" "$work/regular.json"
check "regular published fit" json "$work/regular.json" \
    'round(d["alpha"], 3) == 0.704 and round(d["beta"], 3) == 1.182 and abs(d["log_likelihood"] - -1680.3) < 0.05'
check "periods, rate and margin" json "$work/regular.json" \
    'len(d["projection"]) == 13 and d["projection"][12]["survivors"] == 170.04 and d["discount_rate"] == 0.2 and d["margin"] == 100 and abs(d["clv"] - 100 * d["derl"]) < 1e-9'

check "two cohorts run" expect_exit 0 "$tier" fit sbg --survivors "$high" --survivors 1000,631,468,382,326
check "two cohorts" json "$work/out" \
    'd["cohorts"] == 2 and d["customers"] == 2000 and abs(d["alpha"] - 0.549) < 0.0005 and abs(d["beta"] - 1.576) < 0.0005 and d["converged"] is True'

# usage errors: exit 2, one clear line
usage() { # NAME WANT-TEXT ARGS...
    local name=$1 want=$2
    shift 2
    check "$name exits 2" expect_exit 2 "$tier" fit sbg "$@"
    check "$name message" grep -qF -e "$want" "$work/err"
    check "$name prints nothing" test ! -s "$work/out"
}
usage "increasing counts" 'period 2: 900 survivors after 869 in period 1; survivor counts cannot increase' --survivors 1000,869,900
usage "not a number" '"abc" is not a number' --survivors 1000,abc,700
usage "two counts" 'the longest cohort has 2 counts; the model needs at least 3' --survivors 1000,800
usage "empty count" '"1000,,3": an empty count' --survivors 1000,,3
usage "no survivors" 'fit sbg needs --survivors N0,N1,N2,...' --periods 5
usage "missing value" '--survivors needs a value' --survivors
usage "negative count" 'survivor count -5 is not a number of customers' --survivors 1000,-5,-6
usage "bad periods" 'option "periods": -1 is out of range: need a whole number in [0, 10000]' --survivors "$high" --periods -1
usage "bad rate" 'option "discount_rate": 0 is out of range: need (0, 10]' --survivors "$high" --discount-rate 0
usage "unknown flag" 'fit sbg: unknown option "--input"' --survivors "$high" --input x.csv
# data without a finite maximum: the run fails (exit 1) and says why
check "no churn exits 1" expect_exit 1 "$tier" fit sbg --survivors 1000,1000,1000
check "no churn message" grep -qF 'no customer churned' "$work/err"
check "help" expect_exit 0 "$tier" fit sbg --help
check "help text" grep -qF 'usage: tier fit sbg --survivors N0,N1,N2,...' "$work/out"

finish cli_sbg
