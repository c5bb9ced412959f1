# SPDX-License-Identifier: MIT
"""pandas-native results and the analyst's CLV conveniences (issue 10, items 3 and 4): results
indexed by customer id, ordered tiers, integer scores, df.query names, summary() and fit
statistics with real types; the CLV summary table, the calibration/holdout split, predictions
for any horizon without refitting, parameter confidence intervals."""

import datetime
import math
import unittest

import _support

import libtier

CAL_END = "1997-09-30"


def cdnow_frame(pd):
    rows = _support.read_cdnow("CDNOW_sample.txt", True)
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "date": pd.to_datetime([r[1] for r in rows], format="%Y%m%d"),
        "amount": [r[2] for r in rows],
    })


class SummaryWithoutPandasTest(unittest.TestCase):
    """What the stdlib interpreter gets (also checked with pandas installed)."""

    def test_summary_dict_and_typed_fit_stats(self):
        with libtier.Book() as book:
            book.read_csv(_support.data("CDNOW_sample.txt"), delimiter="ws", header=False,
                          column_names="customer_id,sample,date,cds,amount")
            with libtier.run(book) as result:
                s = result.summary_dict()
                self.assertEqual(list(s), ["S", "A", "B", "C"])
                self.assertEqual(sum(v["customers"] for v in s.values()), 2357)
                if not _support.HAVE_PANDAS:
                    self.assertEqual(result.summary(), s)
            with libtier.CLV(calibration_end=CAL_END) as clv:
                clv.fit(book)
                stats = clv.fit_stats()
                self.assertIs(stats["converged"], True)
                self.assertIsInstance(stats["iterations"], int)
                self.assertEqual(stats["customers"], 2357)
                self.assertEqual(stats["calibration_end"], datetime.date(1997, 9, 30))
                self.assertIsInstance(stats["log_likelihood"], float)
                ci = clv.confidence_intervals(level=0.95)
                if not _support.HAVE_PANDAS:
                    est, se, lo, hi = ci["r"]
                    self.assertAlmostEqual(hi - est, 1.959963984540054 * se, places=12)
                    self.assertAlmostEqual(est - lo, hi - est, places=12)


@unittest.skipUnless(_support.HAVE_PANDAS, "pandas is not installed")
class ResultFrameTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.book = _support.b2b_book()
        cls.models = [libtier.RFM(), libtier.Pareto(), libtier.CLV(), libtier.Lifecycle()]
        cls.result = libtier.run(cls.book, cls.models, "b2b-sabc")
        cls.df = cls.result.to_dataframe()

    @classmethod
    def tearDownClass(cls):
        cls.result.close()
        for m in cls.models:
            m.close()
        cls.book.close()

    def test_indexed_by_customer_id(self):
        df = self.df
        self.assertEqual(df.index.name, "customer_id")
        self.assertEqual(df.index.tolist(), self.book.customer_ids())
        self.assertEqual(df.loc["ACC00027", "tier"], self.result.tier("ACC00027"))
        flat = self.result.to_dataframe(index=False)
        self.assertEqual(flat.columns[0], "customer_id")
        self.assertEqual(flat.index.tolist(), list(range(len(flat))))

    def test_tiers_are_ordered_in_policy_order(self):
        tier = self.df["tier"]
        self.assertEqual(tier.dtype.name, "category")
        self.assertTrue(tier.cat.ordered)
        self.assertEqual(list(tier.cat.categories), self.result.tier_names())
        self.assertEqual(self.result.tier_names()[:2], ["S", "A"])
        # Sorting puts S first, not A (the alphabet would).
        self.assertEqual(self.df.sort_values("tier")["tier"].iloc[0], "S")
        self.assertTrue((self.df[self.df.tier < "A"]["tier"] == "S").all())
        self.assertEqual(tier.astype(str).tolist(), self.result.tiers)

    def test_integer_outputs_have_integer_dtypes(self):
        df = self.df
        for name in ("rfm_r_score", "rfm_f_score", "rfm_m_score", "rfm_f", "clv_x",
                     "lifecycle_inactive_days"):
            self.assertIn(df[name].dtype.name, ("int64", "Int64"), name)
        # Accounts never invoiced have no scores: nullable Int64 keeps them missing.
        self.assertEqual(df["rfm_r_score"].dtype.name, "Int64")
        self.assertEqual(int(df["rfm_r_score"].isna().sum()), 8)
        self.assertEqual(df["rfm_m"].dtype.name, "float64")
        self.assertEqual(df["clv_p_alive"].dtype.name, "float64")
        self.assertEqual(df["rfm_segment"].dtype.name, "category")
        # The values are the library's.
        raw = self.result.column("rfm.r_score")
        got = df["rfm_r_score"].tolist()
        for a, b in zip(raw, got):
            self.assertEqual(math.isnan(a), b is self.pd_na(), (a, b))
            if not math.isnan(a):
                self.assertEqual(int(a), b)

    def pd_na(self):
        import pandas as pd
        return pd.NA

    def test_column_names_work_in_query_and_map_back(self):
        df = self.df
        names = self.result.column_names()
        self.assertEqual(names["rfm.r_score"], "rfm_r_score")
        self.assertEqual(names["pareto.class"], "pareto_class")
        self.assertEqual(list(df.columns), list(names.values()))
        top = df.query("tier == 'S' and pareto_class == 'A' and clv_p_alive > 0.5")
        self.assertGreater(len(top), 0)
        # pandas 1.5's numexpr engine cannot read the nullable Int64 columns; the python
        # engine can (docs/python.md).
        engaged = df.query("rfm_r_score >= 4", engine="python")
        self.assertTrue((engaged["rfm_r_score"] >= 4).all())
        original = self.result.to_dataframe(names="original")
        self.assertIn("rfm.r_score", original.columns)
        self.assertEqual(original["rfm.r_score"].tolist(), df["rfm_r_score"].tolist())
        self.assertEqual(libtier._pandas.query_name("attr.plan-size"), "attr_plan_size")
        self.assertEqual(libtier._pandas.query_name("class"), "_class")
        self.assertEqual(libtier._pandas.query_names(["a.b", "a_b"]), {"a.b": "a_b",
                                                                       "a_b": "a_b_2"})

    def test_summary_is_a_dataframe_by_tier(self):
        s = self.result.summary()
        self.assertEqual(s.index.name, "tier")
        self.assertEqual(list(s.index), self.result.tier_names())
        self.assertTrue(s.index.ordered)
        self.assertEqual(s["customers"].dtype.name, "int64")
        self.assertEqual(int(s["customers"].sum()), 2000)
        counts = self.df["tier"].value_counts()
        for t in s.index:
            self.assertEqual(int(s.loc[t, "customers"]), int(counts[t]))
        self.assertAlmostEqual(float(s["revenue_share"].sum()), 1.0, places=9)


@unittest.skipUnless(_support.HAVE_PANDAS, "pandas is not installed")
class ClvConvenienceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import pandas as pd
        cls.pd = pd
        cls.tx = cdnow_frame(pd)
        cls.book = libtier.Book.from_dataframe(cls.tx)
        cls.clv = libtier.CLV(calibration_end=CAL_END)
        cls.clv.fit(cls.book)

    @classmethod
    def tearDownClass(cls):
        cls.clv.close()
        cls.book.close()

    def test_summary_data_is_what_the_model_fits_on(self):
        s = libtier.clv.summary_data(self.tx, calibration_end=CAL_END)
        self.assertEqual(list(s.columns), ["x", "t_x", "T", "monetary_value"])
        self.assertEqual(s["x"].dtype.name, "int64")
        self.assertEqual(len(s), 2357)
        p = self.clv.predict(self.book)
        joined = s.join(p, rsuffix="_model", how="inner")
        self.assertEqual(len(joined), 2357)
        self.assertTrue((joined["x"] == joined["x_model"]).all())
        self.assertLess((joined["t_x"] - joined["t_x_model"]).abs().max(), 1e-9)
        self.assertLess((joined["T"] - joined["T_model"]).abs().max(), 1e-9)
        # monetary_value: the mean of the repeat purchase days, from pandas alone.
        one = self.tx[self.tx.customer_id == "00004"]
        one = one[one.date <= CAL_END].groupby("date")["amount"].sum()
        self.assertAlmostEqual(s.loc["00004", "monetary_value"], one.iloc[1:].mean())
        self.assertEqual(s.loc["00018", "monetary_value"], 0.0)
        days = libtier.clv.summary_data(self.tx, calibration_end=CAL_END, time_unit="day")
        self.assertAlmostEqual(days.loc["00004", "T"], 7 * s.loc["00004", "T"])

    def test_calibration_and_holdout_matches_the_models_holdout(self):
        ch = libtier.clv.calibration_and_holdout(self.tx, CAL_END, "1998-06-30")
        self.assertEqual(list(ch.columns), ["x", "t_x", "T", "monetary_value", "x_holdout",
                                            "monetary_value_holdout", "duration_holdout"])
        want = self.clv.holdout(self.book, "1998-06-30")
        self.assertEqual(int(ch["x_holdout"].sum()), int(want["actual"]))
        self.assertEqual(len(ch), want["customers"])
        self.assertEqual(ch["duration_holdout"].iloc[0], want["span"])
        with self.assertRaises(ValueError):
            libtier.clv.calibration_and_holdout(self.tx, "1998-06-30", "1998-01-01")

    def test_predict_any_horizon_without_refitting(self):
        before = self.clv.params()
        horizon = self.clv.get_option("horizon")
        short = self.clv.predict(self.book, horizon=4)
        long = self.clv.predict(self.book, horizon=104)
        self.assertEqual(self.clv.params(), before)
        self.assertEqual(self.clv.get_option("horizon"), horizon)
        both = short.dropna()
        self.assertTrue((long.loc[both.index, "expected_purchases"]
                         > both["expected_purchases"]).all())
        self.assertLess((long["p_alive"] - short["p_alive"]).abs().max(), 1e-12)
        self.assertEqual(short.index.tolist(), self.book.customer_ids())
        # The default horizon is the model's own.
        with self.clv.score(self.book) as frame:
            default = frame.numbers("clv.expected_purchases")
        got = self.clv.predict(self.book)["expected_purchases"].to_numpy()
        self.assertTrue(((got == default) | (got != got)).all())

    def test_confidence_intervals(self):
        ci = self.clv.confidence_intervals()
        self.assertEqual(list(ci.index), ["r", "alpha", "a", "b"])
        self.assertEqual(list(ci.columns), ["estimate", "std_error", "lower", "upper"])
        self.assertTrue(((ci["lower"] < ci["estimate"]) & (ci["estimate"] < ci["upper"])).all())
        wide = self.clv.confidence_intervals(level=0.99)
        self.assertTrue((wide["upper"] - wide["lower"] > ci["upper"] - ci["lower"]).all())
        log = self.clv.confidence_intervals(log=True)
        self.assertTrue((log["lower"] > 0).all())
        spend = self.clv.confidence_intervals("spend")
        self.assertEqual(list(spend.index), ["p", "q", "gamma"])
        with self.assertRaises(ValueError):
            self.clv.confidence_intervals(level=1.5)


if __name__ == "__main__":
    unittest.main()
