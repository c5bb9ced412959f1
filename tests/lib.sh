# SPDX-License-Identifier: MIT
# What the shell tests share. Source it from a test script (after its `set` line):
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# It gives
#   $work                      a temporary folder, removed when the script exits
#   $pass, $fail               the counts of checks that held and failed
#   failed WHAT...             counts a failure and prints "FAILED: WHAT"
#   check NAME COMMAND...      COMMAND must succeed (counted either way)
#   expect_exit CODE COMMAND...  runs COMMAND with its stdout in $work/out and its stderr in
#                              $work/err; succeeds when it exits with CODE
#   finish [LABEL]             prints "[LABEL: ]N passed, M failed" and exits 1 when any failed
work=$(mktemp -d "${TMPDIR:-/tmp}/tier-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0
fail=0

failed() {
    fail=$((fail + 1))
    echo "FAILED: $*"
}

check() {
    local name=$1
    shift
    if "$@"; then pass=$((pass + 1)); else failed "$name"; fi
}

expect_exit() {
    local want=$1
    shift
    "$@" >"$work/out" 2>"$work/err"
    [ $? -eq "$want" ]
}

finish() {
    echo "${1:+$1: }$pass passed, $fail failed"
    if [ "$fail" -ne 0 ]; then exit 1; fi
    exit 0
}
