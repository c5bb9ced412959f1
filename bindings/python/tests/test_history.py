# SPDX-License-Identifier: MIT
"""libtier.History and Pipeline(state=..., ledger=...): tiers carried from run to run, overrides,
the ledger and the matrix (docs/history.md)."""

import csv
import datetime
import io
import json
import os
import tempfile
import unittest

import _support

import libtier
from libtier import History, Pipeline, Policy, TierError

POLICY_TEXT = """libtier-policy 1
name "hold"
window revenue = revenue over 30 days
tier S {
    rule "big" when revenue > 100
    demote after 2 runs
}
tier C {
    rule "rest" when true
}
"""


def book_of(rows):
    book = libtier.Book()
    for cid, date, amount in rows:
        book.add_txn(cid, date, amount)
    return book


class HistoryTest(unittest.TestCase):
    def run_month(self, history, policy, rows, as_of):
        book = book_of(rows)
        result = libtier.run(book, [libtier.RFM()], policy, as_of=as_of)
        history.apply(result)
        return result

    def test_hysteresis_holds_a_customer_through_one_bad_run(self):
        policy = Policy.from_string(POLICY_TEXT)
        h = History()
        self.assertEqual((h.runs, h.as_of, h.policy_name, len(h)), (0, None, "", 0))
        # Month 1: both big. Month 2: "a" is small (held), month 3: small again (released).
        base = [("b", "2024-01-10", 500), ("b", "2024-02-10", 500), ("b", "2024-03-10", 500)]
        r1 = self.run_month(h, policy, base + [("a", "2024-01-10", 500)], "2024-02-01")
        self.assertEqual((r1.tier("a"), r1.tier("b")), ("S", "S"))
        self.assertEqual(h.runs, 1)
        self.assertEqual(h.as_of, datetime.date(2024, 2, 1))
        self.assertEqual(h.policy_name, "hold")
        self.assertNotEqual(h.policy_hash, 0)
        r2 = self.run_month(h, policy, base + [("a", "2024-01-10", 500)], "2024-03-01")
        self.assertEqual(r2.tier("a"), "S")
        self.assertIn("held in S", r2.reason("a"))
        e = h.entry("a")
        self.assertEqual((e.id, e.tier, e.failing), ("a", "S", 1))
        self.assertEqual(e.since, datetime.date(2024, 2, 1))
        r3 = self.run_month(h, policy, base + [("a", "2024-01-10", 500)], "2024-04-01")
        self.assertEqual(r3.tier("a"), "C")
        moves = list(csv.DictReader(io.StringIO(h.ledger("csv"))))
        self.assertEqual([(m["customer_id"], m["from"], m["to"], m["code"]) for m in moves],
                         [("a", "S", "C", "release")])
        doc = json.loads(h.ledger("json"))
        self.assertEqual(len(doc["moves"]), 1)
        self.assertEqual([e.id for e in h.entries()], ["a", "b"])
        self.assertIn("a", h)
        self.assertNotIn("zz", h)
        with self.assertRaises(TierError) as cm:
            h.entry("zz")
        self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")
        with self.assertRaises(ValueError):
            h.ledger("xml")

    def test_matrix_rows_or_dataframe(self):
        policy = Policy.from_string(POLICY_TEXT)
        h = History()
        self.run_month(h, policy, [("a", "2024-01-10", 500), ("c", "2024-01-11", 5)],
                       "2024-02-01")
        rows = h.matrix(frame=False)
        self.assertTrue(all(isinstance(r, libtier.history.MatrixRow) for r in rows))
        self.assertEqual(sum(r.customers for r in rows), 2)
        if _support.HAVE_PANDAS:
            df = h.matrix()
            self.assertEqual(list(df.columns), ["from", "to", "customers", "revenue"])
            self.assertEqual(int(df["customers"].sum()), 2)

    def test_save_load_round_trip_and_overrides(self):
        policy = Policy.from_string(POLICY_TEXT)
        h = History()
        self.run_month(h, policy, [("a", "2024-01-10", 500), ("c", "2024-01-11", 5)],
                       "2024-02-01")
        h.overrides.add("c", "S", "renewal", "qa", "2024-04-01")
        self.assertEqual(len(h.overrides), 1)
        o = h.overrides.list()[0]
        self.assertEqual((o.id, o.tier, o.reason, o.author, o.until, o.created),
                         ("c", "S", "renewal", "qa", datetime.date(2024, 4, 1),
                          datetime.date(2024, 2, 1)))
        self.assertIn("c", h.overrides)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "state")
            h.save(path)
            with open(path, "rb") as fh:
                self.assertEqual(fh.read(), h.to_bytes())
            back = History.load(path)
            self.assertEqual(back.to_bytes(), h.to_bytes())
            self.assertEqual(History.from_bytes(h.to_bytes()).entries(), h.entries())
            r = self.run_month(back, policy, [("a", "2024-02-10", 500), ("c", "2024-02-11", 5)],
                               "2024-03-01")
            self.assertEqual(r.tier("c"), "S")
            self.assertTrue(r.reason("c").startswith("override: renewal"), r.reason("c"))
            back.overrides.remove("c")
            with self.assertRaises(TierError) as cm:
                back.overrides.remove("c")
            self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")
            with self.assertRaises(TierError) as cm:
                History.load(os.path.join(tmp, "none"))
            with open(os.path.join(tmp, "junk"), "wb") as fh:
                fh.write(b"not a snapshot at all")
            with self.assertRaises(TierError) as cm:
                History.load(os.path.join(tmp, "junk"))
            self.assertEqual(cm.exception.name, "TIER_ECORRUPT")

    def test_ledger_before_any_run_is_a_state_error(self):
        with self.assertRaises(TierError) as cm:
            History().ledger()
        self.assertEqual(cm.exception.name, "TIER_ESTATE")


class PipelineStateTest(unittest.TestCase):
    B2B = _support.data("b2b_invoices.csv")

    def test_runs_with_a_state_write_the_ledger_and_save_the_state(self):
        with tempfile.TemporaryDirectory() as tmp:
            state, prefix = os.path.join(tmp, "s"), os.path.join(tmp, "ledger")
            chunks = []
            with Pipeline(input=self.B2B, policy="b2b-sabc", as_of="2024-07-01", state=state,
                          ledger=prefix) as p:
                p.set_output(chunks.append)
                p.run()
                self.assertIn("  state: run 1, 1992 moves, 0 overrides\n", p.summary())
            header = b"".join(chunks).split(b"\n", 1)[0]
            self.assertTrue(header.startswith(b"customer_id,tier,previous_tier,move,since,"),
                            header)
            for suffix in (".csv", "-matrix.csv", ".json"):
                self.assertTrue(os.path.exists(prefix + suffix), suffix)
            h = History.load(state)
            self.assertEqual((h.runs, len(h)), (1, 1992))
            # A failed run (a bad input) changes neither the state nor the ledger.
            before = open(state, "rb").read()
            with Pipeline(input=os.path.join(tmp, "none.csv"), state=state,
                          ledger=prefix + "2") as p:
                with self.assertRaises(TierError):
                    p.run()
            self.assertEqual(open(state, "rb").read(), before)
            self.assertFalse(os.path.exists(prefix + "2.csv"))
            self.assertEqual(sorted(os.listdir(tmp)),
                             ["ledger-matrix.csv", "ledger.csv", "ledger.json", "s"])

    def test_diff_of_two_snapshots_through_the_pipeline(self):
        with tempfile.TemporaryDirectory() as tmp:
            old, new = os.path.join(tmp, "old"), os.path.join(tmp, "new")
            for state, as_of in ((old, "2024-07-01"), (new, "2024-07-01"), (new, "2024-10-01")):
                with Pipeline(input=self.B2B, policy="b2b-sabc", as_of=as_of, state=state) as p:
                    p.run()
            chunks = []
            with Pipeline(produce="diff", state=old, against_state=new, format="csv") as p:
                p.set_output(chunks.append)
                p.run()
                summary = p.summary()
            rows = b"".join(chunks).decode().splitlines()
            self.assertEqual(rows[0], "customer_id,from,to,move,revenue,reason_before,reason_after")
            self.assertGreater(len(rows), 10)
            self.assertIn("moved: %d customers" % (len(rows) - 1), summary)
            # The movers are the customers whose tier differs between the two snapshots.
            a, b = History.load(old), History.load(new)
            tiers = [dict((e.id, e.tier) for e in h.entries()) for h in (a, b)]
            moved = sorted(i for i in tiers[1] if tiers[0].get(i, "") != tiers[1][i])
            self.assertEqual([r.split(",")[0] for r in rows[1:]], moved)
            # With the data (input) the revenue is filled, with a policy its entitlements.
            chunks = []
            with Pipeline(produce="diff", state=old, against_state=new, format="json",
                          input=self.B2B, as_of="2024-10-01", policy="b2b-sabc") as p:
                p.set_output(chunks.append)
                p.run()
            d = json.loads(b"".join(chunks))
            self.assertEqual(d["moved"]["customers"], len(moved))
            self.assertGreater(d["moved"]["revenue"], 0)
            self.assertAlmostEqual(sum(c["revenue"] for c in d["matrix"]), d["revenue"], places=2)
            names = [e["name"] for e in d["entitlements"]]
            self.assertIn("discount_max", names)
            # A policy diff's settings are refused with a snapshot diff.
            with Pipeline(produce="diff", state=old, against_state=new, against="b2b-sabc") as p:
                with self.assertRaises(TierError):
                    p.run()
                self.assertEqual(p.last_error, "against_state compares two snapshots, against "
                                               "two policies on the same data: give one or the "
                                               "other")

    def test_override_runs(self):
        with tempfile.TemporaryDirectory() as tmp:
            state = os.path.join(tmp, "s")
            with Pipeline(produce="override_add", state=state, customer="ACC00001",
                          override_tier="S", override_reason="r", override_author="a",
                          override_until="2025-01-01") as p:
                p.run()
                self.assertEqual(p.get("override_until"), "2025-01-01")
            out = []
            with Pipeline(produce="override_list", state=state) as p:
                p.set_output(out.append)
                p.run()
            self.assertEqual(b"".join(out), b"customer_id,tier,until,reason,author,created\n"
                                            b"ACC00001,S,2025-01-01,r,a,\n")
            with Pipeline(produce="override_add", state=state) as p:
                with self.assertRaises(TierError) as cm:
                    p.run()
                self.assertEqual(p.last_error, "override add needs customer")

    def test_bad_settings(self):
        with Pipeline(input=self.B2B, ledger="x") as p:
            with self.assertRaises(TierError):
                p.check()
            self.assertEqual(p.last_error, "ledger needs state")
        with self.assertRaises(TierError):
            Pipeline(override_until="2024-13-01")
        with self.assertRaises(TierError):
            Pipeline(state="")


if __name__ == "__main__":
    unittest.main()
