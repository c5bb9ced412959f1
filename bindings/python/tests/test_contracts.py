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

    def test_bad_rows_name_the_row_the_customer_and_the_field(self):
        good = dict(ids=["x", "y"], starts=["2024-01-01", "2024-02-01"], amounts=[10.0, 20.0],
                    periods=["monthly", "yearly"], statuses=["active", "active"])
        cases = [
            ("starts", ["2024-01-01", None], libtier.Error,
             'row 1 (customer "y"), start: missing start'),
            ("starts", ["2024-01-01", "2024-13-45"], libtier.Error,
             'row 1 (customer "y"), start: \'2024-13-45\' is not a date from 1900-01-01 to '
             '9999-12-31'),
            ("amounts", [10.0, None], libtier.Error, 'row 1 (customer "y"), amount: missing amount'),
            ("amounts", ["x", 1], ValueError, 'row 0 (customer "x"), amount: \'x\' is not a number'),
            ("periods", ["monthly", "weekly"], ValueError,
             'row 1 (customer "y"), period: \'weekly\' is not a period (monthly, '),
            ("statuses", [None, "active"], libtier.Error,
             'row 0 (customer "x"), status: missing status'),
            ("ids", ["x", None], libtier.Error, "row 1: missing customer id"),
        ]
        for key, values, exc_type, text in cases:
            with self.subTest(key=key, values=values), example_book() as book:
                args = dict(good, **{key: values})
                with self.assertRaises(exc_type) as cm:
                    book.add_contracts(args["ids"], args["starts"], args["amounts"],
                                       args["periods"], args["statuses"])
                self.assertIn(text, str(cm.exception))
                if isinstance(cm.exception, libtier.Error):
                    self.assertEqual(cm.exception.status.name, "TIER_EINVAL"
                                     if "missing" in text else cm.exception.status.name)
                self.assertEqual(book.contract_total(), 7)  # all or nothing
                self.assertNotIn("x", book)
                self.assertNotIn("y", book)

    @unittest.skipUnless(_support.HAVE_PANDAS, "pandas")
    def test_dataframe_errors_index_ids_and_column_names(self):
        import pandas as pd
        df = pd.DataFrame({"customer_id": IDS, "start": pd.to_datetime(STARTS),
                           "end": pd.to_datetime(ENDS), "amount": AMOUNTS, "period": PERIODS,
                           "status": STATUSES, "plan": PLANS})
        want = example_book()
        # pandas' missing values: NaT start, pd.NA amount (nullable Float64), None status.
        for column, values, text in (
                ("start", pd.to_datetime(STARTS[:6] + [None]), 'row 6 (customer "f"), start: '
                                                               "missing start"),
                ("amount", pd.array(AMOUNTS[:2] + [None] + AMOUNTS[3:], dtype="Float64"),
                 'row 2 (customer "b"), amount: missing amount'),
                ("status", STATUSES[:3] + [None] + STATUSES[4:],
                 'row 3 (customer "c"), status: missing status')):
            with self.subTest(column=column), libtier.Book() as book:
                bad = df.copy()
                bad[column] = values
                with self.assertRaises(libtier.Error) as cm:
                    book.add_contracts_from_dataframe(bad)
                self.assertEqual(str(cm.exception), "TIER_EINVAL: " + text)
                self.assertEqual(book.contract_total(), 0)
        with libtier.Book() as book:  # a missing column lists the usual names and the columns
            with self.assertRaises(KeyError) as cm:
                book.add_contracts_from_dataframe(df.drop(columns=["status"]))
            self.assertIn("no status column: name it (status=...) or use one of status, "
                          "contract_status, state; its columns: 'customer_id'",
                          str(cm.exception))
        for frame in (df.set_index("customer_id"), df.set_index("customer_id").rename_axis(None)):
            with self.subTest(index=frame.index.name), libtier.Book() as book:
                self.assertEqual(book.add_contracts_from_dataframe(frame), 7)
                self.assertEqual(book.contracts("c"), want.contracts("c"))
        with libtier.Book() as book:  # timezone-aware dates count by their own wall-clock date
            aware = df.copy()
            aware["start"] = (pd.to_datetime(STARTS) + pd.Timedelta(hours=23)).tz_localize(
                "America/New_York")
            book.add_contracts_from_dataframe(aware)
            self.assertEqual(book.contracts("a")[0]["start"], datetime.date(2023, 1, 1))
        with libtier.Book() as book:  # an empty frame adds nothing
            self.assertEqual(book.add_contracts_from_dataframe(df.iloc[:0]), 0)
        want.close()

    @unittest.skipUnless(_support.HAVE_PANDAS, "pandas")
    def test_the_csv_readers_column_names_apply_to_dataframes(self):
        import pandas as pd
        from libtier._contracts import COLUMN_NAMES
        values = {"id": ["a"], "start": ["2024-01-01"], "end": ["2025-01-01"], "amount": [12.5],
                  "period": ["monthly"], "status": ["renewed"], "plan": ["pro"]}
        for role, names in COLUMN_NAMES.items():
            for name in names:
                header = {r: (name if r == role else COLUMN_NAMES[r][0]) for r in values}
                if role != "id" and header["id"] == name:
                    continue
                with self.subTest(name=name), libtier.Book() as from_csv, \
                        libtier.Book() as from_df:
                    text = ",".join(header[r] for r in values) + "\n" + ",".join(
                        str(values[r][0]) for r in values) + "\n"
                    with libtier.CsvReader(id=header["id"]) as reader:
                        self.assertEqual(reader.read_contracts_buffer(from_csv, text), 1)
                    df = pd.DataFrame({header[r]: values[r] for r in values})
                    self.assertEqual(from_df.add_contracts_from_dataframe(df), 1)
                    self.assertEqual(from_df.contracts("a"), from_csv.contracts("a"))

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
        # The scorecard's potential value takes whichever lifetime value applies.
        self.assertIn("sbg.clv|clv.clv = 50701.24231 from sbg.clv, ", p.explain("ACC00003"))
        # (0.5.0: 0.2252849202 before the clv fit's sums became bucket sums; docs/clv.md)
        self.assertIn("sbg.clv|clv.clv = 0.2252849185 from clv.clv, ", p.explain("ACC00027"))
        p.close()
        if _support.HAVE_PANDAS:
            self.check_the_same_run_from_dataframes(rows)

    def check_the_same_run_from_dataframes(self, rows):
        """docs/subscriptions.md's run from pandas gives every customer the pipeline's tier."""
        import pandas as pd
        invoices = pd.read_csv(_support.data("b2b_invoices.csv"), parse_dates=["date"])
        contracts = pd.read_csv(_support.data("b2b_contracts.csv"), parse_dates=["start", "end"])
        with libtier.Book.from_dataframe(invoices) as book:
            book.read_attributes_csv(_support.data("b2b_accounts.csv"))
            book.add_contracts_from_dataframe(contracts)
            features = ["attr." + a for a in book.attributes()
                        if a.startswith(("module_", "goal_"))]
            models = [libtier.RFM(), libtier.CLV(), libtier.Lifecycle(),
                      libtier.Needs(features=features), libtier.Model.new("subscription"),
                      libtier.Model.new("sbg", renewals="subscription.renewals",
                                        churned="subscription.churned",
                                        margin_column="subscription.period_margin"),
                      libtier.Model.new("scorecard", preset="b2b-subscriptions")]
            with libtier.run(book, models, "b2b-subscriptions") as result:
                df = result.to_dataframe()
                self.assertEqual({c: r["tier"] for c, r in rows.items()},
                                 {c: str(t) for c, t in df["tier"].items()})
                self.assertEqual(df["tier"].value_counts().to_dict(),
                                 {"C": 1344, "A": 511, "B": 93, "S": 52})
                self.assertIn("from sbg.clv", result.explain("ACC00003"))
            for m in models:
                m.close()


if __name__ == "__main__":
    unittest.main()
