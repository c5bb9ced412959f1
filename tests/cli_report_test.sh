#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end checks of `tier report` (docs/report.md) on the B2B example: the page without and
# with a previous snapshot, parsed by tests/report_check.py (well-formed, self-contained, the SVG
# charts and their numbers against the rows and the ledger `tier run` writes for the same job);
# the state is read, never written; hostile ids and file names are escaped; --out is written all
# or nothing; the usage errors; `python3 -m libtier report` writes the same page.
# Usage: cli_report_test.sh TIER_BINARY SOURCE_DIR [LIBTIER_PATH]
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tier=$1
src=$2
lib=${3:-}
data=$src/examples/data
checker=(python3 "$src/tests/report_check.py")
job=(--input "$data/b2b_invoices.csv" --accounts "$data/b2b_accounts.csv" --quiet)

# Without a state: the charts, no migration.
check "report" expect_exit 0 "$tier" report "${job[@]}" --out "$work/r1.html"
check "nothing on stdout with --out" test ! -s "$work/out"
check "rows of the same job" expect_exit 0 "$tier" run "${job[@]}" --out "$work/t1.csv"
check "page without a state" "${checker[@]}" "$work/r1.html" --no-state --tiers-csv "$work/t1.csv" \
    --text "b2b-full" --text "Tier pyramid"
check "entitlement totals: 6 entitlements" test "$(grep -c '^<tr><td>[a-z_]*</td><td class="num">' "$work/r1.html")" -ge 6
check "sla_hours total = sum over the rows" python3 - "$work/r1.html" "$work/t1.csv" <<'EOF'
import csv, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
want = sum(float(r["ent.sla_hours"]) for r in rows)
got = re.search(r'<tr><td>sla_hours</td>.*?<td class="num total">([0-9.]+)</td>', page).group(1)
sys.exit(0 if abs(float(got) - want) < 0.005 else 1)
EOF

# Without --out: the page on standard output, the same bytes.
check "report to stdout" expect_exit 0 "$tier" report "${job[@]}"
check "stdout is the page" cmp "$work/out" "$work/r1.html"

# With a previous snapshot: a run at the start of the year, then the report now.
check "run 1 (state)" expect_exit 0 "$tier" run "${job[@]}" --as-of 2025-01-01 --state "$work/s" \
    --out "$work/o1.csv"
cp "$work/s" "$work/s.before"
check "report with --state" expect_exit 0 "$tier" report "${job[@]}" --state "$work/s" \
    --out "$work/r2.html"
check "the state is not written" cmp "$work/s" "$work/s.before"
# python -m libtier report: the same command through the binding.
if [ -n "$lib" ] && python3 -c "import ctypes" 2>/dev/null; then
    check "python -m libtier report" expect_exit 0 env PYTHONPATH="$src/bindings/python" \
        LIBTIER_PATH="$lib" python3 -m libtier report "${job[@]}" --state "$work/s" \
        --out "$work/py.html"
    check "... the same page" cmp "$work/py.html" "$work/r2.html"
fi
check "run 2 (state, ledger)" expect_exit 0 "$tier" run "${job[@]}" --state "$work/s" \
    --ledger "$work/L" --out "$work/t2.csv"
moves=$(($(wc -l <"$work/L.csv") - 1))
check "some moved ($moves)" test "$moves" -gt 10
check "page with a state" "${checker[@]}" "$work/r2.html" --tiers-csv "$work/t2.csv" \
    --ledger-matrix "$work/L-matrix.csv" --movers "$moves"
# The largest mover by revenue leads the table.
top=$(python3 - "$work/L.csv" "$work/t2.csv" <<'EOF'
import csv, sys
moved = {r["customer_id"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
rows = [r for r in csv.DictReader(open(sys.argv[2], encoding="utf-8")) if r["customer_id"] in moved]
print(max(rows, key=lambda r: float(r["m"]))["customer_id"])
EOF
)
first=$(grep -A2 'id="mover-table"' "$work/r2.html" | tail -1)
check "top mover $top first" grep -q "<td class=\"id\">$top</td>" <<<"$first"
# its reason now is the rule the ledger gives for its move
reason=$(python3 -c 'import csv, sys, html
r = [r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")) if r["customer_id"] == sys.argv[2]][0]
print(html.escape(r["detail"], quote=True).replace("&#x27;", "&#39;"))' "$work/L.csv" "$top")
check "... with the ledger's reason ($reason)" grep -qF "<td>$reason</td></tr>" <<<"$first"
check "a missing state is an error" expect_exit 1 "$tier" report "${job[@]}" --state "$work/nope" \
    --out "$work/r3.html"
check "... naming it" grep -q "nope: no such state file" "$work/err"
check "... and writes nothing" test ! -e "$work/r3.html"

# Hostile ids and a hostile folder name: escaped everywhere, and they move (new, large).
hostile="$work/a&b<i>\"q'"
mkdir -p "$hostile"
cp "$data/b2b_invoices.csv" "$hostile/inv.csv"
cat >>"$hostile/inv.csv" <<'EOF'
"<script>alert(1)</script>",2025-03-01,9000000.00,1.00
"a""b&amp;c",2025-03-02,8000000.00,1.00
O'Brien & <Sons>,2025-03-03,7000000.00,1.00
EOF
hjob=(--input "$hostile/inv.csv" --quiet)
check "hostile run 1" expect_exit 0 "$tier" run "${hjob[@]}" --as-of 2025-01-01 --state "$work/hs" \
    --out "$work/h1.csv"
check "hostile report" expect_exit 0 "$tier" report "${hjob[@]}" --state "$work/hs" \
    --out "$work/h.html"
check "hostile page" "${checker[@]}" "$work/h.html" \
    --text "<script>alert(1)</script>" --text 'a"b&amp;c' --text "O'Brien & <Sons>" \
    --raw '&lt;script&gt;alert(1)&lt;/script&gt;' --raw 'a&quot;b&amp;amp;c' \
    --raw 'O&#39;Brien &amp; &lt;Sons&gt;' --raw 'a&amp;b&lt;i&gt;&quot;q&#39;/inv.csv' \
    --no-raw '<script' --no-raw '<Sons>' --no-raw '<i>'

# All or nothing: a failed report leaves --out as it was.
echo "old page" >"$work/keep.html"
check "a bad policy fails" expect_exit 2 "$tier" report "${job[@]}" --policy "$work/none.policy" \
    --out "$work/keep.html"
check "... --out kept" test "$(cat "$work/keep.html")" = "old page"
check "an unwritable --out fails" expect_exit 1 "$tier" report "${job[@]}" \
    --out "$work/no-such-dir/r.html"
check "... naming it" grep -q "no-such-dir/r.html" "$work/err"
check "no temporary left" bash -c "! ls '$work' | grep -q '\\.tmp'"

# Usage: the flags of run that do not apply, and help.
check "--format is refused" expect_exit 2 "$tier" report "${job[@]}" --format json
check "--ledger is refused" expect_exit 2 "$tier" report "${job[@]}" --ledger "$work/x"
check "help" expect_exit 0 "$tier" report --help
check "help names --state" grep -q -- "--state FILE" "$work/out"
check "overview lists report" bash -c "'$tier' help | grep -q '^  report '"

finish cli_report
