# SPDX-License-Identifier: MIT
"""The CLV model through the binding: the published CDNOW figures (Fader, Hardie & Lee 2005;
docs/clv.md, "Reproducing the published figures") on the 1/10 sample, calibration 1997-01-01
.. 1997-09-30 in weeks."""

import datetime
import math
import unittest

import _support

import libtier
from libtier import _ffi

HAVE_CLV = not isinstance(_ffi.F.tier_clv_new, _ffi._Missing)
CAL_END = "1997-09-30"


def load_sample():
    book = libtier.Book()
    book.read_csv(_support.data("CDNOW_sample.txt"), delimiter="ws", header=False,
                  column_names="customer_id,sample,date,cds,amount")
    return book


def summaries():
    """{id: (x, t_x, T)} in weeks from the file, computed here: purchase days up to the
    calibration end, x = repeat days, t_x and T from the first day."""
    cal_end = libtier.to_day(CAL_END)
    days = {}
    for cid, day, _amount in _support.read_cdnow("CDNOW_sample.txt", True):
        d = libtier.to_day(int(day))
        if d <= cal_end:
            days.setdefault(cid, set()).add(d)
    out = {}
    for cid, ds in days.items():
        first, last = min(ds), max(ds)
        out[cid] = (len(ds) - 1, (last - first) / 7, (cal_end - first) / 7)
    return out


def sig3(value):
    return float("%.3g" % value)


@unittest.skipUnless(HAVE_CLV, "the loaded libtier has no clv model yet")
class CdnowTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.book = load_sample()
        cls.bgnbd = libtier.CLV(calibration_end=CAL_END)
        cls.bgnbd.fit(cls.book)

    @classmethod
    def tearDownClass(cls):
        cls.bgnbd.close()
        cls.book.close()

    def test_bgnbd_reproduces_the_published_parameters(self):
        p = self.bgnbd.params("purchase")
        self.assertEqual(list(p), ["r", "alpha", "a", "b"])
        self.assertEqual([sig3(p[k]) for k in p], [0.243, 4.41, 0.793, 2.43])
        ll = self.bgnbd.fit_stat("purchase", "log_likelihood")
        self.assertLess(abs(ll - (-9582.4)), 0.1)
        self.assertEqual(self.bgnbd.fit_stat("purchase", "converged"), 1)
        self.assertEqual(self.bgnbd.fit_stat("purchase", "customers"), 2357)
        self.assertEqual(self.bgnbd.fit_stat("purchase", "calibration_end"),
                         libtier.to_day(CAL_END))
        se = self.bgnbd.standard_errors("purchase")
        self.assertEqual(list(se), list(p))
        self.assertTrue(all(0 < v < p[k] for k, v in se.items()))

    def test_holdout_compares_actual_and_predicted_purchases(self):
        # 1997-10-01 .. 1998-06-30: the 39-week holdout of the papers. The actual count (1,882
        # purchase days) and the prediction (1,653.4) are those of tests/test_clv.c.
        frame = libtier.Frame(self.book.customer_count())
        try:
            stats = self.bgnbd.holdout(self.book, datetime.date(1998, 6, 30), frame)
            self.assertEqual(stats["customers"], 2357)
            self.assertEqual(stats["actual"], 1882)
            self.assertAlmostEqual(stats["predicted"], 1653.41, delta=0.01)
            self.assertAlmostEqual(stats["span"], 39.0, places=6)
            self.assertEqual(stats["calibration_end"], datetime.date(1997, 9, 30))
            self.assertEqual(len(frame.columns()), 2)
        finally:
            frame.close()
        with self.assertRaises(libtier.TierError):
            self.bgnbd.holdout(self.book, datetime.date(1997, 9, 1))

    def test_gamma_gamma_reproduces_the_published_parameters(self):
        p = self.bgnbd.params("spend")
        self.assertEqual(list(p), ["p", "q", "gamma"])
        self.assertEqual([sig3(p[k]) for k in p], [6.25, 3.74, 15.4])
        self.assertEqual(self.bgnbd.fit_stat("spend", "customers"), 946)

    def test_gamma_gamma_expected_spend_of_the_first_customers(self):
        # The published list is for the first ten customers of the sample: those without a
        # repeat purchase (x = 0) get the population mean spend, 35.17.
        published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
        with self.bgnbd.score(self.book) as frame:
            x, spend = frame.column("clv.x"), frame.column("clv.expected_spend")
        self.assertEqual(sum(1 for v in x if v > 0), 946)
        for i, want in enumerate(published):
            self.assertEqual(x[i] == 0, want == 35.17)
            self.assertAlmostEqual(spend[i], want, delta=0.005)

    def test_pareto_nbd_reproduces_the_published_parameters(self):
        with libtier.CLV("pnbd", purchase_model="pnbd", calibration_end=CAL_END) as model:
            self.assertEqual(model.purchase_model, "pnbd")
            model.fit(self.book)
            p = model.params()
            self.assertEqual(list(p), ["r", "alpha", "s", "beta"])
            self.assertEqual([sig3(p[k]) for k in p], [0.553, 10.6, 0.606, 11.7])
            self.assertLess(abs(model.fit_stat("purchase", "log_likelihood") - (-9595.0)), 0.1)

    def test_scores_carry_the_summaries_and_the_papers_prediction(self):
        want = summaries()
        with self.bgnbd.score(self.book) as frame:
            ids = self.book.customer_ids()
            cols = {c: frame.column("clv." + c) for c in
                    ("x", "t_x", "T", "p_alive", "expected_purchases", "expected_spend", "clv")}
            for i, cid in enumerate(ids):
                x, t_x, T = want[cid]
                self.assertEqual(cols["x"][i], x)
                self.assertAlmostEqual(cols["t_x"][i], t_x, places=9)
                self.assertAlmostEqual(cols["T"][i], T, places=9)
                self.assertTrue(0 <= cols["p_alive"][i] <= 1)
                self.assertFalse(math.isnan(cols["clv"][i]))
        # The papers' example customer: x = 2, t_x = 30.43, T = 38.86 expects 1.226 repeat
        # purchases in the next 39 weeks.
        first = ids[0]
        self.assertEqual(want[first][0], 2)
        self.bgnbd.set_option("horizon", 39)
        try:
            with self.bgnbd.score(self.book) as frame:
                self.assertAlmostEqual(frame.column("clv.expected_purchases")[0], 1.226,
                                       places=3)
        finally:
            self.bgnbd.set_option("horizon", 52)

    def test_saved_state_scores_the_same(self):
        text = self.bgnbd.save()
        self.assertTrue(text.startswith('tier-model-state 1\nkind "clv"\n'))
        with libtier.CLV().load(text) as other:
            self.assertTrue(other.fitted)
            self.assertEqual(other.params(), self.bgnbd.params())
            self.assertEqual(other.save(), text)
            with self.bgnbd.score(self.book) as a, other.score(self.book) as b:
                self.assertEqual(list(a.column("clv.clv")), list(b.column("clv.clv")))
        with self.assertRaises(libtier.TierError) as cm:
            libtier.CLV().load('tier-model-state 1\nkind "clv"\nname "clv"\nnonsense\nend\n')
        self.assertEqual(cm.exception.name, "TIER_ECORRUPT")
        self.assertIn("line 4", cm.exception.message)

    def test_p_alive_feeds_the_lifecycle_model(self):
        policy = libtier.Policy()
        policy.add_rule(policy.add_tier("all"), "always")
        with libtier.CLV(calibration_end=CAL_END) as clv, libtier.Lifecycle() as life, \
                libtier.run(self.book, [clv, life], policy) as result:
            p_alive = result.column("clv.p_alive")
            stage = result.column("lifecycle.stage")
            inactive = result.column("lifecycle.inactive_days")
            for i in range(len(stage)):
                if p_alive[i] < 0.1 and inactive[i] <= 365:
                    self.assertEqual(stage[i], "churned")


@unittest.skipUnless(HAVE_CLV, "the loaded libtier has no clv model yet")
class ClvOptionTest(unittest.TestCase):
    def test_options_round_trip_and_bad_values_raise(self):
        with libtier.CLV(time_unit="day", horizon=30, margin=0.4, discount_rate=0,
                         calibration_end="1997-06-30", as_of="1997-07-01") as model:
            opts = model.get_options()
            self.assertEqual(opts["purchase_model"], "bgnbd")
            self.assertEqual(opts["time_unit"], 1)
            self.assertEqual(opts["horizon"], 30)
            self.assertEqual(opts["margin"], 0.4)
            self.assertEqual(str(opts["calibration_end"]), "1997-06-30")
            self.assertEqual(str(opts["as_of"]), "1997-07-01")
            model.calibration_end = None
            self.assertIsNone(model.calibration_end)
            with self.assertRaises(libtier.TierError) as cm:
                model.set_option("margin", 2)
            self.assertEqual(cm.exception.name, "TIER_ERANGE")
            with self.assertRaises(ValueError):
                model.purchase_model = "weibull"
            with self.assertRaises(libtier.TierError) as cm:
                model.set_option("speed", 1)
            self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")
            self.assertIn("horizon", cm.exception.message)  # the valid names are listed
            with self.assertRaises(libtier.TierError) as cm:
                model.params()
            self.assertEqual(cm.exception.name, "TIER_ESTATE")


if __name__ == "__main__":
    unittest.main()
