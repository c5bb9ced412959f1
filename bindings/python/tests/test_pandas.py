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
                out = result.to_dataframe()
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
                                          for k, v in result.summary().items() if v["customers"]})


if __name__ == "__main__":
    unittest.main()
