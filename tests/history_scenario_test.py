# SPDX-License-Identifier: MIT
"""Twelve monthly runs of `tier run --state --ledger` over the B2B example, the as-of day one month
later each time (each month brings its invoices), with tests/data/history/b2b-hysteresis.policy:
`demote after 2 runs` and `demote when revenue_3m <= 0` on S, `dwell 90 days` on A. It shows,
with fixed expectations (the data are fixed):

- hysteresis: a key account held in S through one bad month, and one released after two;
- dwell: a customer that entered A held there by the 90 days, then let go;
- an override added before month 3 (until month 6's as-of day): the customer is pinned in months
  3 to 5, and month 6's ledger reports the override as expired;
- the ledgers add up: month 1's tiers plus the moves of ledgers 2..12 give every customer's tier
  in every month's output, and each move's `from` is the tier the customer had.

Usage: history_scenario_test.py TIER_BINARY SOURCE_DIR
"""

import csv
import json
import os
import subprocess
import sys
import tempfile

TIER, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "examples", "data")
POLICY = os.path.join(SRC, "tests", "data", "history", "b2b-hysteresis.policy")
MONTHS = ["2024-%02d-01" % m for m in range(7, 13)] + ["2025-%02d-01" % m for m in range(1, 7)]

# The customer pinned by the override: a C customer all year without it (ACC00001, the first
# account; any C customer would do), pinned to S from month 3 until month 6's as-of day.
OVERRIDE_ID = "ACC00001"

failures = []


def check(name, cond, detail=""):
    if not cond:
        failures.append(name)
        print("FAILED: %s %s" % (name, detail))


def tier(*args, ok=True):
    p = subprocess.run([TIER] + list(args), capture_output=True, text=True)
    if ok and p.returncode != 0:
        print("tier %s: exit %d\n%s" % (" ".join(args), p.returncode, p.stderr))
        sys.exit(1)
    return p


def rows(path):
    with open(path, newline="") as f:
        return {r["customer_id"]: r for r in csv.DictReader(f)}


def ledger(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    work = tempfile.mkdtemp(prefix="tier-history-")
    state = os.path.join(work, "state")
    out, led, js = {}, {}, {}
    for m, as_of in enumerate(MONTHS, 1):
        if m == 3:
            tier("override", "add", "--state", state, "--customer", OVERRIDE_ID, "--tier", "S",
                 "--reason", "strategic renewal", "--author", "test", "--until", MONTHS[5])
        prefix = os.path.join(work, "ledger-%02d" % m)
        tier("run", "--input", os.path.join(DATA, "b2b_invoices.csv"),
             "--accounts", os.path.join(DATA, "b2b_accounts.csv"), "--policy", POLICY,
             "--as-of", as_of, "--state", state, "--ledger", prefix,
             "--out", os.path.join(work, "out-%02d.csv" % m), "--quiet")
        out[m] = rows(os.path.join(work, "out-%02d.csv" % m))
        led[m] = ledger(prefix + ".csv")
        with open(prefix + ".json") as f:
            js[m] = json.load(f)
        check("month %d: matrix file" % m, os.path.exists(prefix + "-matrix.csv"))

    # -- the ledgers add up ------------------------------------------------------------------
    path = {cid: r["tier"] for cid, r in out[1].items()}
    for m in range(2, 13):
        for mv in led[m]:
            cid = mv["customer_id"]
            if mv["code"] == "gone":
                path.pop(cid, None)
                continue
            if mv["code"] != "new":
                check("month %d: %s moves from its tier" % (m, cid),
                      path.get(cid, "") == mv["from"], "%r != %r" % (path.get(cid), mv["from"]))
            path[cid] = mv["to"]
        now = {cid: r["tier"] for cid, r in out[m].items()}
        diff = [c for c in set(now) | set(path) if now.get(c) != path.get(c)]
        check("month %d: month 1 plus the ledgers gives the output" % m, not diff,
              "%d customers differ, e.g. %s" % (len(diff), sorted(diff)[:5]))
        moved = {mv["customer_id"] for mv in led[m]}
        changed = {c for c in now if out[m][c]["move"] not in ("same", "")}
        check("month %d: the ledger lists exactly the customers whose tier changed" % m,
              moved >= changed, sorted(changed - moved)[:5])
        check("month %d: JSON ledger has the CSV's moves" % m,
              len(js[m]["moves"]) == len(led[m]))

    # -- the override -----------------------------------------------------------------------
    for m in (1, 2):
        check("override: month %d before it" % m, out[m][OVERRIDE_ID]["tier"] == "C")
    for m in (3, 4, 5):
        r = out[m][OVERRIDE_ID]
        check("override: month %d pinned to S" % m, r["tier"] == "S", r["tier"])
        check("override: month %d reason" % m, r["reason"].startswith("override: strategic renewal"),
              r["reason"])
    codes3 = {mv["customer_id"]: mv["code"] for mv in led[3]}
    check("override: month 3's ledger has the move", codes3.get(OVERRIDE_ID) == "override",
          codes3.get(OVERRIDE_ID))
    expired = [e.get("customer_id", e.get("id")) for e in js[6]["expired"]]
    check("override: month 6's ledger reports it expired", OVERRIDE_ID in expired, expired)
    codes6 = {mv["customer_id"]: mv["code"] for mv in led[6]}
    check("override: month 6 moves it back", codes6.get(OVERRIDE_ID) == "override_expired",
          codes6.get(OVERRIDE_ID))
    check("override: month 6 back in C", out[6][OVERRIDE_ID]["tier"] == "C")
    check("override: none left", tier("override", "list", "--state", state, "--quiet").stdout
          == "customer_id,tier,until,reason,author,created\n")

    scenario_checks(out, led)

    if failures:
        print("%d checks failed" % len(failures))
        sys.exit(1)
    print("history scenario: all checks passed")


# Fixed expectations, found by running the twelve months once and listing (with a few lines of
# Python over the outputs) the customers whose reason in some month starts "held in S: its rules
# failed 1 of 2 runs" and who are in S again by a rule the month after (about thirty); those in
# S all year with a single held month were ACC00103, ACC00285, ACC00296, ...: the first is kept.
# The same way for "held in A: minimum dwell" (ACC00013, the first that entered A mid-year) and
# for the ledgers' code `release` (ACC00121, the first in month 3).
HELD_ID, HELD_MONTH = "ACC00103", 6
DWELL_ID, DWELL_IN, DWELL_OUT = "ACC00013", 6, 9
RELEASED_ID, RELEASED_MONTH = "ACC00121", 3


def codes(moves):
    return {mv["customer_id"]: mv for mv in moves}


def scenario_checks(out, led):
    # Hysteresis: S every month; in month 6 its rules failed (placed lower) and it was held.
    check("hysteresis: in S all year", [out[m][HELD_ID]["tier"] for m in range(1, 13)] == ["S"] * 12)
    r = out[HELD_MONTH][HELD_ID]
    check("hysteresis: held in month 6", r["reason"].startswith("held in S: its rules failed 1 of 2 runs"),
          r["reason"])
    check("hysteresis: the held month is no move", r["move"] == "same" and HELD_ID not in codes(led[HELD_MONTH]))
    r = out[HELD_MONTH + 1][HELD_ID]
    check("hysteresis: in S by its rule the month after",
          r["tier"] == "S" and r["reason"] == "top revenue band, engaged", r["reason"])
    for m in range(1, 13):
        if m != HELD_MONTH:
            check("hysteresis: not held in month %d" % m,
                  not out[m][HELD_ID]["reason"].startswith("held"), out[m][HELD_ID]["reason"])
    # ...and one that failed two runs in a row is released, with the code `release`.
    mv = codes(led[RELEASED_MONTH]).get(RELEASED_ID)
    check("hysteresis: released after two failed runs",
          mv is not None and mv["code"] == "release" and mv["from"] == "S"
          and mv["detail"].startswith("released from S after 2 failed runs"), mv)
    check("hysteresis: held the run before the release",
          out[RELEASED_MONTH - 1][RELEASED_ID]["reason"].startswith("held in S: its rules failed 1 of 2"))
    # Dwell: entered A in month 6 (2024-12-01); placed in C in months 7 and 8 but held by the 90
    # days; in month 9 (2025-03-01, 90 days on) it goes.
    path = [out[m][DWELL_ID]["tier"] for m in range(1, 13)]
    check("dwell: the tier path", path == ["C"] * 5 + ["A"] * 3 + ["C"] * 4, path)
    check("dwell: enters A", codes(led[DWELL_IN]).get(DWELL_ID, {}).get("to") == "A")
    for m in (7, 8):
        check("dwell: held in month %d" % m, out[m][DWELL_ID]["reason"]
              == "held in A: minimum dwell of 90 days (since 2024-12-01)", out[m][DWELL_ID]["reason"])
        check("dwell: since stays", out[m][DWELL_ID]["since"] == "2024-12-01")
    mv = codes(led[DWELL_OUT]).get(DWELL_ID)
    check("dwell: leaves after 90 days", mv is not None and (mv["from"], mv["to"]) == ("A", "C"), mv)


if __name__ == "__main__":
    main()
