#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The nightly scenario of examples/crm_nightly (run by tests/crm_nightly_test.sh).

Every run of the job is compared with the installed `tier` command run on the same data exported
from the database as CSV files, with the same policy file and a state file of its own: the tiers,
reasons, flags, routes, entitlements and the moves of the ledger must be the same, so what the
test expects is derived from the data by a second path, not written down from one run. On top:

- a text where the accounts declare a number fails the run naming the row, the column and the
  customer, and the database stays empty of results;
- run 1: every account is new; run 2 after new invoices (one new account, a fresh invoice for
  every account of tier B) shows moves with reasons, and they are exactly the accounts whose tier
  changed; a run that fails half way (a trigger refuses one insert) leaves the database as it was;
  run 3 with nothing new moves no one and changes no tier;
- the build with pkg-config (the Makefile) gives the same tiers as the find_package build.
"""
import argparse
import csv
import os
import shutil
import sqlite3
import subprocess
import sys

FAILURES = []


def check(ok, what):
    if not ok:
        FAILURES.append(what)
        print("FAILED:", what)
    return ok


def query(db, sql, args=()):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def execute(db, sql):
    con = sqlite3.connect(db)
    try:
        con.executescript(sql)
        con.commit()
    finally:
        con.close()


def text(value):
    """A database value as the CSV files write it."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def export(db, folder):
    """The invoices and accounts of the database as the CSV files `tier run` reads."""
    os.makedirs(folder, exist_ok=True)
    con = sqlite3.connect(db)
    try:
        for name, sql in (
                ("invoices.csv", "SELECT account_id AS customer_id, date, amount, margin "
                                 "FROM invoices ORDER BY invoice_id"),
                ("accounts.csv", "SELECT * FROM accounts ORDER BY rowid")):
            cur = con.execute(sql)
            with open(os.path.join(folder, name), "w", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow([d[0] for d in cur.description])
                for row in cur:
                    w.writerow([text(v) for v in row])
    finally:
        con.close()


def tiers_of(db):
    """account -> (tier, reason, flags, since, route, entitlements) as the job wrote them."""
    routes = dict(query(db, "SELECT account_id, team FROM routes"))
    ents = {}
    for account, name, value in query(db, "SELECT account_id, name, value FROM entitlements"):
        ents.setdefault(account, {})[name] = value
    return {a: (t or "", reason, flags, since or "", routes.get(a, ""),
                tuple(sorted(ents.get(a, {}).items())))
            for a, t, reason, flags, since in
            query(db, "SELECT account_id, tier, reason, flags, since FROM tiers")}


def moves_of(db, run):
    return sorted((a, f or "", t or "", code, detail) for a, f, t, code, detail in query(
        db, "SELECT account_id, from_tier, to_tier, code, detail FROM migrations WHERE run = ?",
        (run,)))


def entitlement_value(cell):
    if cell in ("true", "false"):
        return 1 if cell == "true" else 0
    try:
        return float(cell)
    except ValueError:
        return cell


def compare_with_cli(a, db, run):
    """Runs `tier run` on the exported data with its own state; its output and ledger must be
    what the job wrote."""
    folder = os.path.join(a.work, "cli-run%d" % run)
    export(db, folder)
    out, ledger = os.path.join(folder, "out.csv"), os.path.join(folder, "ledger")
    r = subprocess.run([a.tier, "run", "--input", os.path.join(folder, "invoices.csv"),
                        "--accounts", os.path.join(folder, "accounts.csv"), "--policy", a.policy,
                        "--state", os.path.join(a.work, "cli.state"), "--ledger", ledger,
                        "--out", out, "--quiet"], capture_output=True, text=True)
    if not check(r.returncode == 0, "run %d: tier run failed: %s" % (run, r.stderr)):
        return
    job = tiers_of(db)
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    check(len(rows) == len(job), "run %d: tier run has %d accounts, the job %d"
          % (run, len(rows), len(job)))
    for row in rows:
        got = job.get(row["customer_id"])
        ents = tuple(sorted((k[4:], entitlement_value(v)) for k, v in row.items()
                            if k.startswith("ent.") and v != ""))
        want = (row["tier"], row["reason"], row["flags"], row["since"], row["route"], ents)
        if got is None or got[:5] != want[:5] or \
                tuple((k, float(v) if isinstance(v, (int, float)) else v) for k, v in got[5]) != \
                tuple((k, float(v) if isinstance(v, (int, float)) else v) for k, v in want[5]):
            check(False, "run %d: account %s: the job wrote %r, tier run gives %r"
                  % (run, row["customer_id"], got, want))
            break
    with open(ledger + ".csv", newline="") as f:
        cli_moves = sorted(tuple(r) for r in list(csv.reader(f))[1:])
    check(moves_of(db, run) == cli_moves,
          "run %d: migrations differ from the ledger of tier run: %d vs %d moves"
          % (run, len(moves_of(db, run)), len(cli_moves)))


def job(a, *args, exe=None):
    r = subprocess.run([exe or a.job] + [str(x) for x in args], capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    return r


def dump(db):
    """Every result table, to show that a failed run changed nothing."""
    return [query(db, "SELECT * FROM %s ORDER BY 1, 2" % t)
            for t in ("tiers", "entitlements", "routes", "migrations", "runs", "tier_state")]


def main():
    p = argparse.ArgumentParser()
    for opt in ("job", "job-make", "tier", "policy", "data", "work"):
        p.add_argument("--" + opt, required=True)
    a = p.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    db, db0 = os.path.join(a.work, "crm.sqlite"), os.path.join(a.work, "crm-init.sqlite")
    accounts_csv = os.path.join(a.data, "b2b_accounts.csv")
    invoices_csv = os.path.join(a.data, "b2b_invoices.csv")

    r = job(a, "init", db, accounts_csv, invoices_csv)
    if not check(r.returncode == 0, "init failed: " + r.stderr):
        return 1
    r = job(a, "init", db, accounts_csv, invoices_csv)
    check(r.returncode == 1 and "exists" in r.stderr, "init over an existing database: " + r.stderr)
    shutil.copy(db, db0)
    with open(accounts_csv) as f:
        n_accounts = sum(1 for _ in f) - 1
    with open(invoices_csv) as f:
        n_invoices = sum(1 for _ in f) - 1
    check(query(db, "SELECT count(*) FROM accounts")[0][0] == n_accounts, "init: accounts")
    check(query(db, "SELECT count(*) FROM invoices")[0][0] == n_invoices, "init: invoices")

    # The typed loader in the job: a text where a number is declared stops the run.
    bad = os.path.join(a.work, "bad.sqlite")
    shutil.copy(db0, bad)
    execute(bad, "UPDATE accounts SET employees = 'many' WHERE account_id = 'ACC00005'")
    r = job(a, "run", bad, a.policy)
    check(r.returncode == 1 and 'accounts: row 4 (customer "ACC00005"), column 7 "employees": '
          'text "many" where a number was declared' in r.stderr,
          "a text in a number column: exit %d, %s" % (r.returncode, r.stderr))
    check(query(bad, "SELECT (SELECT count(*) FROM tiers) + (SELECT count(*) FROM runs)")[0][0]
          == 0, "a failed run left results")

    # Run 1: every account is new.
    r = job(a, "run", db, a.policy)
    if not check(r.returncode == 0, "run 1 failed: " + r.stderr):
        return 1
    check(query(db, "SELECT * FROM runs") == [(1, "2025-07-01", "b2b-full", n_accounts,
                                               n_accounts)], "run 1: runs table")
    check(query(db, "SELECT count(*) FROM migrations WHERE run = 1 AND code = 'new' AND "
                    "from_tier IS NULL")[0][0] == n_accounts, "run 1: every account new")
    compare_with_cli(a, db, 1)
    after1 = tiers_of(db)

    # The same job built with pkg-config gives the same tiers.
    dbm = os.path.join(a.work, "crm-make.sqlite")
    shutil.copy(db0, dbm)
    r = job(a, "run", dbm, a.policy, exe=a.job_make)
    check(r.returncode == 0 and tiers_of(dbm) == after1,
          "the pkg-config build tiers differently: " + r.stderr)

    # New invoices: a new account with three, and a fresh invoice (its largest so far) for every
    # account of tier B ("value at stake, little engagement").
    tier_b = [x for (x,) in query(db, "SELECT account_id FROM tiers WHERE tier = 'B'")]
    check(len(tier_b) > 0, "run 1 has no account in tier B")
    execute(db, """
        INSERT INTO accounts(account_id, name, industry, region, city, scope, employees,
            contract_arr, gross_margin, years_cooperation, arrears_days, defaults, support_tickets,
            payment_score, referrals, modules_used, module_crm, module_erp, module_bi, module_hr,
            goal_growth, goal_cost, goal_compliance, implementation_progress, active_users_share,
            onboarding_started)
        VALUES ('ACC02001', 'Nightly Test Co', 'Retail', 'North', 'Springfield', 'city', 12,
            9000.0, 0.31, 0.2, 0, 0, 2, 95.0, 0, 2, 1, 1, 0, 0, 0.5, 0.3, 0.2, 0.4, 0.7,
            '2025-07-20');
        INSERT INTO invoices(account_id, date, amount, margin) VALUES
            ('ACC02001', '2025-07-20', 2500.0, 800.0), ('ACC02001', '2025-08-20', 2500.0, 800.0),
            ('ACC02001', '2025-09-20', 2500.0, 800.0);
        INSERT INTO invoices(account_id, date, amount, margin)
            SELECT account_id, '2025-09-15', max(amount), max(margin) FROM invoices
            WHERE account_id IN (SELECT account_id FROM tiers WHERE tier = 'B')
            GROUP BY account_id ORDER BY account_id;
        """)

    # A run that fails half way through its writes changes nothing.
    before = dump(db)
    execute(db, "CREATE TRIGGER refuse BEFORE INSERT ON migrations WHEN NEW.account_id = "
                "'ACC02001' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;")
    r = job(a, "run", db, a.policy)
    check(r.returncode == 1 and "injected failure" in r.stderr,
          "the injected failure: exit %d, %s" % (r.returncode, r.stderr))
    check(dump(db) == before, "a run that failed half way changed the database")
    execute(db, "DROP TRIGGER refuse")

    # Run 2: moves with reasons, exactly the accounts whose tier changed.
    r = job(a, "run", db, a.policy)
    if not check(r.returncode == 0, "run 2 failed: " + r.stderr):
        return 1
    after2 = tiers_of(db)
    moves = moves_of(db, 2)
    new_tier = after2["ACC02001"][0]
    check(("ACC02001", "", new_tier, "new", after2["ACC02001"][1]) in moves,
          "run 2: the new account is not a 'new' migration")
    changed = sorted(x for x in after2 if x in after1 and after2[x][0] != after1[x][0])
    check(sorted(m[0] for m in moves if m[3] != "new") == changed,
          "run 2: the migrations are not the accounts whose tier changed")
    check(all(m[1] == after1[m[0]][0] and m[2] == after2[m[0]][0] and m[4]
              for m in moves if m[3] != "new"), "run 2: a migration's tiers or reason are wrong")
    check(any(m[3] == "rule" for m in moves) and len(changed) > 0, "run 2: no move by rule")
    check(query(db, "SELECT as_of, migrations FROM runs WHERE run = 2") ==
          [("2025-09-21", len(moves))], "run 2: runs table")
    compare_with_cli(a, db, 2)
    print("run 2: %d migrations (%s)" % (len(moves), ", ".join(
        "%s %d" % (c, sum(1 for m in moves if m[3] == c)) for c in sorted({m[3] for m in moves}))))

    # Run 3: nothing new, nothing moves.
    r = job(a, "run", db, a.policy)
    if not check(r.returncode == 0, "run 3 failed: " + r.stderr):
        return 1
    check(moves_of(db, 3) == [], "run 3: migrations without a change")
    check(tiers_of(db) == after2, "run 3: tiers, routes or entitlements changed")
    check(query(db, "SELECT DISTINCT move FROM tiers") == [("same",)], "run 3: moves not 'same'")
    check(query(db, "SELECT run FROM tier_state") == [(3,)], "run 3: the state is not run 3's")
    compare_with_cli(a, db, 3)
    print("crm_nightly scenario: %s" % ("%d failures" % len(FAILURES) if FAILURES else "passed"))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
