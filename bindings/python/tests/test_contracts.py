# SPDX-License-Identifier: MIT
"""Contracts in the book (Book.add_contracts from lists, NumPy and DataFrames, the contracts CSV
reader), the subscription model on them, and a pipeline run with the contracts and the
b2b-subscriptions policy on the example data."""

import csv
import datetime
import io
import math
import unittest

import _support

import libtier

# docs/subscriptions.md's worked example.
IDS = ["a", "a", "b", "c", "c", "d", "f"]
STARTS = ["2023-01-01", "2024-01-01", "2023-03-15", "2022-06-01", "2024-06-01", "2024-02-01",
          "2023-01-10"]
ENDS = ["2024-01-01", "2025-01-01", "2024-03-15", "2024-06-01", None, "2025-02-01",
        "2025-01-10"]
AMOUNTS = [100, 1440, 200, 300, 250, 600, 80]
PERIODS = ["monthly", "yearly", "monthly", "monthly", "monthly", "yearly", "monthly"]
STATUSES = ["renewed", "active", "cancelled", "renewed", "active", "active", "active"]
PLANS = ["pro", "pro", "basic", "pro", "pro", "basic", "pro"]


def example_book():
    book = libtier.Book()
    book.add_txn("e", "2024-05-01", 75)
    book.add_contracts(IDS, STARTS, AMOUNTS, PERIODS, STATUSES, ends=ENDS, plans=PLANS)
    return book


class ContractsTest(unittest.TestCase):
    def test_contracts_read_back(self):
        with example_book() as book:
            self.assertEqual(book.contract_total(), 7)
            self.assertEqual(book.contracts("e"), [])
            self.assertEqual(book.contracts("c")[1], {
                "start": datetime.date(2024, 6, 1), "end": None, "amount": 250.0,
                "period": "monthly", "status": "active", "plan": "pro"})

    def test_a_refused_row_names_the_row_and_changes_nothing(self):
        with example_book() as book:
            with self.assertRaises(libtier.TierError) as cm:
                book.add_contracts(["z", "a"], ["2024-01-01", "2024-12-01"], [1, 1],
                                   ["monthly", "monthly"], ["active", "active"],
                                   plans=[None, "pro"])
            self.assertEqual(cm.exception.name, "TIER_EINVAL")
            self.assertIn(
                'row 1 (customer "a"), start_day: the period 2024-12-01 .. open of plan "pro" '
                "overlaps the customer's period 2024-01-01 .. 2025-01-01 of the same plan "
                "(already in the book)", str(cm.exception))
            self.assertEqual(book.contract_total(), 7)
            self.assertNotIn("z", book)
            with self.assertRaises(ValueError):
                book.add_contracts(["z"], ["2024-01-01"], [1], ["weekly"], ["active"])
            with self.assertRaises(libtier.TierError) as cm:
                book.add_contracts(["zz"], ["2024-01-01"], [1], ["monthly"], ["active"],
                                   existing=True)
            self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")

    @unittest.skipUnless(_support.HAVE_NUMPY, "numpy")
    def test_numpy_columns(self):
        import numpy as np
        with libtier.Book() as book:
            n = book.add_contracts(np.array(["x", "y"]),
                                   np.array(["2024-01-01", "2024-02-01"], dtype="datetime64[D]"),
                                   np.array([10.0, 120.0]), ["monthly", "yearly"],
                                   np.array([1, 1]),
                                   ends=np.array(["NaT", "2025-02-01"], dtype="datetime64[D]"))
            self.assertEqual(n, 2)
            self.assertIsNone(book.contracts("x")[0]["end"])
            self.assertEqual(book.contracts("y")[0]["period"], "yearly")

    @unittest.skipUnless(_support.HAVE_PANDAS, "pandas")
    def test_dataframe_columns(self):
        import pandas as pd
        df = pd.DataFrame({"customer_id": IDS, "start": pd.to_datetime(STARTS),
                           "end": pd.to_datetime(ENDS), "amount": AMOUNTS, "period": PERIODS,
                           "status": STATUSES, "plan": PLANS})
        with libtier.Book() as book:
            self.assertEqual(book.add_contracts_from_dataframe(df), 7)
            self.assertEqual(book.contracts("a"), example_book().contracts("a"))

    def test_contracts_csv(self):
        text = "customer_id,plan,start,end,amount,period,status\n" + "".join(
            "%s,%s,%s,%s,%s,%s,%s\n" % (i, p, s, e or "", a, per, st)
            for i, p, s, e, a, per, st in zip(IDS, PLANS, STARTS, ENDS, AMOUNTS, PERIODS,
                                                STATUSES))
        with libtier.Book() as book, libtier.CsvReader() as reader:
            self.assertEqual(reader.read_contracts_buffer(book, text), 7)
            self.assertEqual(book.contracts("c"), example_book().contracts("c"))
            with self.assertRaises(libtier.TierError):
                reader.read_contracts_buffer(book, text)  # the same periods again overlap
            self.assertIn("line 2, column 3 (start): the period 2023-01-01 .. 2024-01-01",
                          reader.last_error())

    def test_subscription_model(self):
        with example_book() as book:
            model = libtier.Model.new("subscription", as_of=libtier.to_day("2024-07-01"),
                                      window=366)
            model.fit(book)
            frame = model.score(book)
            mrr = dict(zip(book.customer_ids(), frame.numbers("subscription.mrr")))
            self.assertTrue(math.isnan(mrr["e"]))
            self.assertEqual([mrr[c] for c in "abcdf"], [120, 0, 250, 50, 80])
            labels = dict(zip(book.customer_ids(), frame.labels("subscription.movement")))
            self.assertEqual(labels["c"], "contraction")


class PipelineTest(unittest.TestCase):
    def test_run_with_contracts_and_the_subscription_policy(self):
        out = io.BytesIO()
        p = libtier.Pipeline(input=_support.data("b2b_invoices.csv"),
                             accounts=_support.data("b2b_accounts.csv"),
                             contracts=_support.data("b2b_contracts.csv"),
                             policy="b2b-subscriptions")
        p.set_output(out)
        p.run()
        rows = {r["customer_id"]: r for r in csv.DictReader(io.StringIO(out.getvalue().decode()))}
        self.assertEqual(len(rows), 2000)
        self.assertEqual(rows["ACC00003"]["mrr"], "506.81")
        self.assertEqual(rows["ACC00003"]["p_renew"], "0.9478")
        self.assertEqual(rows["ACC00027"]["contract_clv"], "")
        self.assertEqual(rows["ACC00072"]["reason"], "up for renewal at risk")
        p.close()


if __name__ == "__main__":
    unittest.main()
