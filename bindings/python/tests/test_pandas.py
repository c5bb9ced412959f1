# SPDX-License-Identifier: MIT
"""DataFrames in and out (only where pandas is installed)."""

import datetime
import unittest

import _support

import libtier


@unittest.skipUnless(_support.HAVE_PANDAS, "pandas is not installed")
class DataFrameTest(unittest.TestCase):
    def setUp(self):
        import pandas as pd
        self.pd = pd

    def sample_frame(self):
        rows = _support.read_cdnow("CDNOW_sample.txt", True)
        return self.pd.DataFrame({
            "cust": [r[0] for r in rows],
            "when": self.pd.to_datetime([r[1] for r in rows], format="%Y%m%d"),
            "spent": [r[2] for r in rows],
        })

    def test_book_from_dataframe_equals_book_from_csv(self):
        df = self.sample_frame()
        with libtier.Book.from_dataframe(df, id="cust", date="when", amount="spent") as a, \
                libtier.Book() as b:
            b.read_csv(_support.data("CDNOW_sample.txt"), delimiter="ws", header=False,
                       column_names="customer_id,sample,date,cds,amount")
            self.assertEqual(a.customer_ids(), b.customer_ids())
            self.assertEqual(a.txn_count(), 6919)
            for t in (0, 1, 100, 6918):
                self.assertEqual(a.txn(t), b.txn(t))

    def test_every_date_representation_gives_the_same_days(self):
        pd = self.pd
        want = [libtier.to_day("1997-01-01"), libtier.to_day("2000-02-29")]
        variants = {
            "datetime64": pd.to_datetime(["1997-01-01", "2000-02-29"]),
            "timestamp objects": pd.Series([pd.Timestamp("1997-01-01"),
                                            pd.Timestamp("2000-02-29")], dtype=object),
            "date objects": [datetime.date(1997, 1, 1), datetime.date(2000, 2, 29)],
            "iso strings": ["1997-01-01", "2000-02-29"],
            "yyyymmdd ints": [19970101, 20000229],
        }
        for label, dates in variants.items():
            df = pd.DataFrame({"customer_id": ["a", "b"], "date": dates, "amount": [1.0, 2.0]})
            with libtier.Book.from_dataframe(df) as book:
                got = [libtier.to_day(book.txn(t)[1]) for t in range(2)]
                self.assertEqual(got, want, label)

    def test_integer_ids_and_margins(self):
        pd = self.pd
        df = pd.DataFrame({"customer_id": [7, 8, 7], "date": [19970101, 19970102, 19970103],
                           "amount": [1.0, 2.0, 3.0], "gm": [0.5, None, 1.0]})
        with libtier.Book.from_dataframe(df, margin="gm") as book:
            self.assertEqual(book.customer_ids(), ["7", "8"])
            self.assertEqual(book.stat("7", "net_margin"), 1.5)
            self.assertIsNone(book.txn(1)[3])

    def test_missing_values_and_columns_are_reported(self):
        pd = self.pd
        df = pd.DataFrame({"customer_id": ["a", None], "date": ["1997-01-01", "1997-01-02"],
                           "amount": [1.0, 2.0]})
        with self.assertRaises(libtier.TierError) as cm:
            libtier.Book.from_dataframe(df)
        self.assertIn("row 1", cm.exception.message)
        df = pd.DataFrame({"customer_id": ["a"], "date": [pd.NaT], "amount": [1.0]})
        with self.assertRaises(libtier.TierError):
            libtier.Book.from_dataframe(df)
        with self.assertRaises(KeyError):
            libtier.Book.from_dataframe(df, amount="nope")

    def test_result_to_dataframe_round_trip(self):
        df = self.sample_frame()
        with libtier.Book.from_dataframe(df, id="cust", date="when", amount="spent") as book:
            with libtier.run(book) as result:
                out = result.to_dataframe(names="original", index=False)
                self.assertEqual(len(out), 2357)
                self.assertEqual(list(out.columns[:3]), ["customer_id", "tier", "reason"])
                self.assertIn("rfm.r_score", out.columns)
                self.assertIn("pareto.class", out.columns)
                self.assertEqual(out["tier"].tolist(), result.tiers)
                # Net amount per customer from pandas itself equals the model's M.
                m = df.groupby("cust")["spent"].sum()
                merged = out.set_index("customer_id")["rfm.m"]
                diff = (merged - m.reindex(merged.index)).abs().max()
                self.assertLess(diff, 1e-6)
                # Tier counts agree with the summary.
                counts = out["tier"].value_counts().to_dict()
                self.assertEqual(counts, {k: v["customers"]
                                          for k, v in result.summary_dict().items()})


@unittest.skipUnless(_support.HAVE_PANDAS, "pandas is not installed")
class ModelFrameTest(unittest.TestCase):
    """Attributes from a DataFrame, and every model's outputs back as DataFrame columns."""

    def setUp(self):
        import pandas as pd
        self.pd = pd
        self.accounts = pd.read_csv(_support.data("b2b_accounts.csv"))

    def test_attributes_from_a_dataframe_equal_those_from_the_csv_reader(self):
        with libtier.Book() as a, libtier.Book() as b:
            n = a.set_attributes_from_dataframe(self.accounts, id="account_id")
            self.assertEqual(n, 2000)
            b.read_attributes_csv(_support.data("b2b_accounts.csv"))
            self.assertEqual(a.customer_ids(), b.customer_ids())
            self.assertEqual(a.attributes(), b.attributes())
            for name, kind in b.attributes().items():
                for k in range(0, 2000, 37):
                    if kind == "number":
                        self.assertEqual(a.get_number(k, name), b.get_number(k, name), name)
                    else:
                        self.assertEqual(a.get_text(k, name), b.get_text(k, name), name)

    def test_dataframe_types_index_ids_and_dates(self):
        pd = self.pd
        df = pd.DataFrame({"employees": [10, 20], "active": [True, False],
                           "since": pd.to_datetime(["2024-01-05", "2024-02-01 10:30"]),
                           "region": ["North", None]},
                          index=pd.Index(["x", "y"], name="account"))
        with libtier.Book() as book:
            book.set_attributes_from_dataframe(df, id=None)
            self.assertEqual(book.customer_ids(), ["x", "y"])
            self.assertEqual(book.attributes(), {"employees": "number", "active": "number",
                                                 "since": "text", "region": "text"})
            self.assertEqual(book.get_number("y", "active"), 0)
            self.assertEqual(book.get_text("x", "since"), "2024-01-05")
            self.assertEqual(book.get_text("y", "since"), "2024-02-01T10:30:00")
            self.assertIsNone(book.get_text("y", "region"))
            with self.assertRaises(KeyError):
                book.set_attributes_from_dataframe(df, id="nope")

    def test_every_models_outputs_come_back_as_columns(self):
        with _support.b2b_book() as book:
            features = ["attr." + n for n, t in book.attributes().items()
                        if t == "number" and n.startswith(("module_", "goal_"))]
            models = [libtier.RFM(), libtier.Pareto(), libtier.Lifecycle(),
                      libtier.Scorecard.b2b(), libtier.Needs(features=features)]
            with libtier.run(book, models) as result:
                df = result.to_dataframe(names="original", index=False)
                self.assertEqual(len(df), 2000)
                self.assertEqual(df["customer_id"].tolist(), book.customer_ids())
                for name in result.columns:
                    self.assertIn(name, df.columns)
                for label in ("rfm.segment", "pareto.class", "lifecycle.stage",
                              "lifecycle.onboarding", "scorecard.grade", "needs.segment",
                              "needs.second"):
                    values = [None if isinstance(v, float) else v for v in df[label].tolist()]
                    self.assertEqual(values, result.column(label), label)
                    # Label texts, NaN where missing (accounts never invoiced have no
                    # RFM segment), never the integer codes.
                    self.assertEqual(df[label].dtype.name, "category", label)
                    self.assertTrue(all(v is None or isinstance(v, str) for v in values), label)
                    self.assertTrue(any(isinstance(v, str) for v in values), label)
                for number in ("scorecard.score", "lifecycle.trend", "needs.distance"):
                    self.assertEqual(df[number].dtype.kind, "f", number)
                # The grades in the frame are the ones the writer prints.
                lines = result.to_string(columns="customer_id,grade=scorecard.grade")
                printed = [line.split(",")[1] for line in lines.splitlines()[1:]]
                self.assertEqual(df["scorecard.grade"].tolist(), printed)
                with models[2].score(book) as frame:
                    part = frame.to_dataframe(index=book.customer_ids())
                    self.assertEqual(list(part.columns),
                                     ["lifecycle.stage", "lifecycle.onboarding",
                                      "lifecycle.trend", "lifecycle.inactive_days",
                                      "lifecycle.tenure_days"])
                    self.assertEqual(part["lifecycle.stage"].tolist(),
                                     df["lifecycle.stage"].tolist())
                    self.assertEqual(part.index[0], book.customer_id(0))
            for m in models:
                m.close()


if __name__ == "__main__":
    unittest.main()
