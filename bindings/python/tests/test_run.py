# SPDX-License-Identifier: MIT
"""Running models and policies on the CDNOW logs, checked against figures computed here."""

import datetime
import io
import json
import math
import os
import tempfile
import unittest

import _support

import libtier

SAMPLE_COLUMNS = ["customer_id", "sample", "date", "cds", "amount"]


def load_sample(keep=True):
    book = libtier.Book(keep_transactions=keep)
    book.read_csv(_support.data("CDNOW_sample.txt"), delimiter="ws", header=False,
                  column_names=SAMPLE_COLUMNS)
    return book


def expected_rfm(rows):
    """R, F (purchase-days), M (net sum), tenure per customer and the as-of day, in plain
    Python: as-of is the day after the last transaction."""
    def day(text):
        return libtier.to_day(int(text))
    as_of = max(day(d) for _, d, _ in rows) + 1
    per = {}
    for cid, d, amount in rows:
        p = per.setdefault(cid, {"days": set(), "m": 0.0, "first": None, "last": None})
        p["m"] += amount
        if amount >= 0:
            n = day(d)
            p["days"].add(n)
            p["first"] = n if p["first"] is None else min(p["first"], n)
            p["last"] = n if p["last"] is None else max(p["last"], n)
    return as_of, {cid: (as_of - p["last"], len(p["days"]), round(p["m"], 4),
                         as_of - p["first"]) for cid, p in per.items()}


def quantile7(values, q):
    """Hyndman-Fan type 7 quantile."""
    v = sorted(values)
    h = (len(v) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (h - lo) * (v[hi] - v[lo])


def expected_pareto(revenue, a=0.8, b=0.95):
    order = sorted(revenue, key=lambda cid: (-revenue[cid], cid.encode()))
    total = sum(v for v in revenue.values() if v > 0)
    classes, cum, cls = {}, 0.0, "A"
    for cid in order:
        v = revenue[cid]
        if v <= 0:
            classes[cid] = "C"
            continue
        classes[cid] = cls
        cum += v
        if cls == "A" and cum >= a * total - 1e-9:
            cls = "B"
        if cls == "B" and cum >= b * total - 1e-9:
            cls = "C"
    return classes


class SampleRunTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows = _support.read_cdnow("CDNOW_sample.txt", True)
        cls.book = load_sample()
        cls.result = libtier.run(cls.book)

    @classmethod
    def tearDownClass(cls):
        cls.result.close()
        cls.book.close()

    def test_rfm_figures_match_an_independent_computation(self):
        as_of, exp = expected_rfm(self.rows)
        self.assertEqual(as_of, libtier.to_day("1998-07-01"))
        frame = self.result.frame
        ids = self.book.customer_ids()
        cols = {c: frame.column("rfm." + c) for c in ("r", "f", "m", "tenure")}
        self.assertEqual(len(ids), 2357)
        for i, cid in enumerate(ids):
            r, f, m, tenure = exp[cid]
            self.assertEqual(cols["r"][i], r, cid)
            self.assertEqual(cols["f"][i], f, cid)
            self.assertAlmostEqual(cols["m"][i], m, places=6, msg=cid)
            self.assertEqual(cols["tenure"][i], tenure, cid)

    def test_cut_points_are_type_7_quantiles_and_scores_follow_them(self):
        _, exp = expected_rfm(self.rows)
        rfm = self.result.models[0]
        ids = self.book.customer_ids()
        for k, dim in enumerate("rfm"):
            values = [exp[c][k] for c in ids]
            cuts = rfm.cut_points(dim)
            self.assertEqual(len(cuts), 4)
            for j, cut in enumerate(cuts, 1):
                self.assertAlmostEqual(cut, quantile7(values, j / 5), places=9)
            scores = self.result.column("rfm.%s_score" % dim)
            for i, v in enumerate(values):
                below = sum(1 for c in cuts if c < v)
                want = 5 - below if dim == "r" else 1 + below
                self.assertEqual(scores[i], want)

    def test_pareto_classes_match_an_independent_computation(self):
        _, exp = expected_rfm(self.rows)
        revenue = {cid: v[2] for cid, v in exp.items()}
        want = expected_pareto(revenue)
        got = dict(zip(self.book.customer_ids(), self.result.column("pareto.class")))
        self.assertEqual(got, want)
        summary = libtier.Pareto.summary(self.result.frame)
        self.assertEqual(sum(s["customers"] for s in summary.values()), 2357)
        self.assertGreaterEqual(summary["A"]["value_share"], 0.8)

    def test_default_policy_tiers_follow_its_rules(self):
        tiers = self.result.tiers
        pclass = self.result.column("pareto.class")
        r = self.result.column("rfm.r_score")
        f = self.result.column("rfm.f_score")
        for i, t in enumerate(tiers):
            if pclass[i] == "A":
                want = "S"
            elif pclass[i] == "B":
                want = "A" if r[i] >= 3 and f[i] >= 3 else "B"
            else:
                want = "C"
            self.assertEqual(t, want)
        self.assertEqual(self.result.tier_names(), ["S", "A", "B", "C"])
        self.assertEqual(self.result.tier("00004"), tiers[0])
        self.assertTrue(all(self.result.reasons))

    def test_summary_counts_every_customer_and_all_revenue(self):
        s = self.result.summary_dict()
        self.assertEqual(list(s), ["S", "A", "B", "C"])
        self.assertEqual(sum(v["customers"] for v in s.values()), 2357)
        total = sum(a for _, _, a in self.rows)
        self.assertAlmostEqual(sum(v["revenue"] for v in s.values()), total, places=4)
        counts = {}
        for t in self.result.tiers:
            counts[t] = counts.get(t, 0) + 1
        self.assertEqual({k: v["customers"] for k, v in s.items()},
                         {k: counts.get(k, 0) for k in s})

    def test_tier_summary_takes_an_index_or_a_name_and_refuses_an_unknown_name(self):
        s = self.result.summary_dict()
        for t, name in enumerate(self.result.tier_names()):
            want = (s[name]["customers"], s[name]["revenue"])
            self.assertEqual(self.result.tier_summary(t), want)
            self.assertEqual(self.result.tier_summary(name), want)
        with self.assertRaises(KeyError):  # as Policy.add_rule, Needs and Scorecard do
            self.result.tier_summary("platinum")

    def test_rows_yield_one_dict_per_customer(self):
        rows = list(self.result.rows())
        self.assertEqual(len(rows), 2357)
        first = rows[0]
        self.assertEqual(first["customer_id"], "00004")
        self.assertIn(first["tier"], ("S", "A", "B", "C"))
        self.assertIn("rfm.segment", first)
        self.assertIn("pareto.class", first)
        self.assertEqual(set(self.result.columns) - {"tier", "reason"} | {"customer_id", "tier",
                                                                          "reason"},
                         set(first))

    def test_write_and_write_to_produce_the_same_bytes(self):
        with tempfile.TemporaryDirectory() as tmp:
            for fmt in ("csv", "json"):
                path = os.path.join(tmp, "out." + fmt)
                self.result.write(path, format=fmt)
                with open(path, "rb") as fh:
                    saved = fh.read()
                self.assertEqual(saved, self.result.to_bytes(format=fmt))
                self.assertEqual(os.listdir(tmp).count("out." + fmt), 1)
        csv_text = self.result.to_string()
        lines = csv_text.splitlines()
        self.assertEqual(lines[0], "customer_id,tier,r,f,m,tenure,r_score,f_score,m_score,"
                                   "segment,value_class,pareto_class,reason")
        self.assertEqual(len(lines), 2358)
        data = json.loads(self.result.to_string(format="json"))
        self.assertEqual(len(data), 2357)
        self.assertEqual(data[0]["customer_id"], "00004")

    def test_write_with_chosen_columns_and_text_stream(self):
        buf = io.StringIO()
        self.result.write_to(buf, columns=["customer_id", "who=tier", "m=rfm.m:1"])
        lines = buf.getvalue().splitlines()
        self.assertEqual(lines[0], "customer_id,who,m")
        cid, tier, m = lines[1].split(",")
        self.assertEqual(cid, "00004")
        self.assertEqual(tier, self.result.tiers[0])
        self.assertRegex(m, r"^\d+\.\d$")
        with self.assertRaises(libtier.TierError) as cm:
            self.result.to_bytes(columns="customer_id,nope.nothing")
        self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")

    def test_exception_in_write_callback_is_reraised(self):
        class Broken(io.RawIOBase):
            def __init__(self):
                self.calls = 0

            def writable(self):
                return True

            def write(self, data):
                self.calls += 1
                raise OSError(28, "No space left on device")

        sink = Broken()
        with self.assertRaises(OSError) as cm:
            self.result.write_to(sink)
        self.assertEqual(cm.exception.errno, 28)
        self.assertEqual(sink.calls, 1)  # C stopped at the first failing write
        self.assertTrue(self.result.to_bytes())  # and the result is still usable

    def test_write_to_a_missing_directory_fails_with_tier_eio(self):
        with self.assertRaises(libtier.TierError) as cm:
            self.result.write("/nonexistent-dir/x/out.csv")
        self.assertEqual(cm.exception.name, "TIER_EIO")


class MasterRunTest(unittest.TestCase):
    def test_master_log_has_the_published_counts(self):
        with libtier.Book(keep_transactions=False) as book:
            rows = book.read_csv(_support.data("CDNOW_master.txt"), delimiter="ws",
                                 amount="dollar_value")
            self.assertEqual(rows, 69659)
            self.assertEqual(book.customer_count(), 23570)
            with libtier.run(book) as result:
                s = result.summary_dict()
                self.assertEqual(sum(v["customers"] for v in s.values()), 23570)
                # S is Pareto class A: at least 80 % of revenue, and the least it takes.
                self.assertGreaterEqual(s["S"]["revenue_share"], 0.8)
                self.assertLess(s["S"]["revenue_share"], 0.801)
                frame = result.frame
                r = frame.column("rfm.r")
                self.assertEqual(r[0], 546)  # 00001 bought once, on 1997-01-01


class ModelTest(unittest.TestCase):
    def test_rfm_options_and_text_state_round_trip(self):
        with load_sample() as book:
            rfm = libtier.RFM(bins=4, as_of="1998-01-01", window=365, frequency="rows",
                              monetary="mean")
            self.addCleanup(rfm.close)
            self.assertEqual(rfm.bins, 4)
            self.assertEqual(rfm.window, 365)
            self.assertEqual(rfm.as_of, datetime.date(1998, 1, 1))
            self.assertFalse(rfm.fitted)
            rfm.fit(book)
            self.assertTrue(rfm.fitted)
            self.assertEqual(len(rfm.cut_points("m")), 3)
            text = rfm.save()
            self.assertIn("\nbins 4\n", text)
            other = libtier.RFM().load(text)
            self.addCleanup(other.close)
            for dim in "rfm":
                self.assertEqual(other.cut_points(dim), rfm.cut_points(dim))
            a, b = rfm.score(book), other.score(book)
            self.addCleanup(a.close)
            self.addCleanup(b.close)
            self.assertEqual(list(a.column("rfm.r_score")), list(b.column("rfm.r_score")))
            self.assertEqual(a.column("rfm.segment"), b.column("rfm.segment"))
            explanation = rfm.explain(book, a, "00004")
            self.assertTrue(explanation)

    def test_set_cut_points_fits_the_model(self):
        rfm = libtier.RFM()
        self.addCleanup(rfm.close)
        with self.assertRaises(libtier.TierError) as cm:
            rfm.cut_points("r")
        self.assertEqual(cm.exception.name, "TIER_ESTATE")
        for dim in "rfm":
            rfm.set_cut_points(dim, [1, 2, 3, 4])
        self.assertTrue(rfm.fitted)
        with self.assertRaises(libtier.TierError) as cm:
            rfm.set_cut_points("r", [3, 2, 1, 0])
        self.assertIn(cm.exception.name, ("TIER_EINVAL", "TIER_ERANGE"))

    def test_bad_options_raise_with_the_models_message(self):
        with self.assertRaises(libtier.TierError) as cm:
            libtier.RFM(bins=11)
        self.assertEqual(cm.exception.name, "TIER_ERANGE")
        self.assertTrue(cm.exception.message)
        with self.assertRaises(ValueError):
            libtier.RFM(frequency="hours")
        with self.assertRaises(libtier.TierError):
            libtier.Pareto(threshold_a=1.5)

    def test_model_new_makes_every_built_in_kind_by_name(self):
        classes = {"rfm": libtier.RFM, "pareto": libtier.Pareto, "scorecard": libtier.Scorecard,
                   "clv": libtier.CLV, "needs": libtier.Needs, "lifecycle": libtier.Lifecycle}
        for kind, cls in classes.items():
            with libtier.Model.new(kind) as model:  # libtier.Model is the Python models' base
                self.assertIsInstance(model, cls)
                self.assertEqual((model.kind, model.name), (kind, kind))
        with libtier.Model.new("rfm", "mine", bins=4, frequency="rows") as rfm:
            self.assertEqual((rfm.name, rfm.bins, rfm.get_option("frequency")),
                             ("mine", 4, "rows"))
        with self.assertRaises(libtier.TierError) as cm:
            libtier.Model.new("nosuchkind")
        self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")
        with self.assertRaises(libtier.TierError):
            libtier.Model.new("rfm", bins=11)

    def test_day_options_read_as_dates_and_none_unsets_them(self):
        for model in (libtier.RFM(as_of="1998-01-01"), libtier.Pareto(as_of="1998-01-01"),
                      libtier.Lifecycle(as_of="1998-01-01"), libtier.CLV(as_of="1998-01-01")):
            with model:
                self.assertEqual(model.as_of, datetime.date(1998, 1, 1), model.kind)
                model.as_of = datetime.date(1997, 3, 4)
                self.assertEqual(model.get_option("as_of"), libtier.to_day("1997-03-04"))
                model.as_of = None
                self.assertIsNone(model.as_of, model.kind)
        with libtier.CLV() as clv:
            self.assertIsNone(clv.calibration_end)
            clv.calibration_end = 19970930
            self.assertEqual(clv.calibration_end, datetime.date(1997, 9, 30))

    def test_pareto_thresholds_change_the_classes(self):
        with load_sample() as book:
            with libtier.run(book, [libtier.RFM(), libtier.Pareto(threshold_a=0.5,
                                                                  threshold_b=0.6)]) as res:
                s = libtier.Pareto.summary(res.frame)
                self.assertGreaterEqual(s["A"]["value_share"], 0.5)
                self.assertLess(s["A"]["value_share"], 0.6)

    def test_segment_maps_builtin_parse_and_check(self):
        with libtier.SegmentMap.builtin("rf10") as rf10:
            self.assertEqual(len(rf10), 10)
            self.assertEqual(rf10.lookup(5, 5), "champions")
            self.assertEqual(rf10.lookup(1, 1), "hibernating")
            self.assertEqual(rf10.check(5)["overlapping"], 0)
            self.assertEqual(rf10.check(5)["uncovered"], 0)
        text = "libtier-segmap 1\nbest: r=4-5 f=4-5\nlapsed: r=1-2\nbest2: r=5 f=5\n"
        with libtier.SegmentMap.parse(text) as m:
            self.assertEqual(m.names(), ["best", "lapsed", "best2"])
            self.assertIsNone(m.lookup(3, 3))
            c = m.check(5)
            # best2 sits inside best: one overlapping cell, one shadowed segment; r=3..5
            # below f=4 and r=3 at f 4-5 are uncovered: 25 - 4 - 10 = 11 cells.
            self.assertEqual((c["overlapping"], c["shadowed"], c["uncovered"]), (1, 1, 11))
            self.assertIn("best2", c["report"])
        with self.assertRaises(libtier.TierError) as cm:
            libtier.SegmentMap.parse("libtier-segmap 1\nok: r=1\nbad: r=0-12\n")
        self.assertEqual(cm.exception.name, "TIER_EPARSE")
        self.assertIn("line 3", cm.exception.message)

    def test_custom_segment_map_feeds_the_rfm_model(self):
        with load_sample() as book, libtier.RFM() as rfm, \
                libtier.SegmentMap.parse("libtier-segmap 1\nrecent: r=4-5\nother: r=1-3\n") as m:
            rfm.set_segmap("segment", m)
            rfm.fit(book)
            with rfm.score(book) as frame:
                seg = frame.column("rfm.segment")
                rs = frame.column("rfm.r_score")
                for s, r in zip(seg, rs):
                    self.assertEqual(s, "recent" if r >= 4 else "other")


class PolicyTest(unittest.TestCase):
    def test_custom_policy_applies_first_matching_rule(self):
        with load_sample() as book:
            policy = libtier.Policy()
            gold = policy.add_tier("gold")
            silver = policy.add_tier("silver")
            rest = policy.add_tier("rest")
            r1 = policy.add_rule(gold, "big and recent")
            policy.where(r1, "rfm.m_score", ">=", 5).where(r1, "rfm.r_score", ">", 3)
            r2 = policy.add_rule("silver", "champions")
            policy.where(r2, "rfm.segment", "==", "champions")
            policy.add_rule(rest, "always")
            self.assertEqual(policy.tiers(), ["gold", "silver", "rest"])
            self.assertEqual(policy.rules(), ["big and recent", "champions", "always"])
            self.assertIn("champions", policy.describe())
            self.assertEqual(silver, 1)
            with libtier.run(book, [libtier.RFM()], policy) as res:
                m = res.column("rfm.m_score")
                r = res.column("rfm.r_score")
                seg = res.column("rfm.segment")
                for i, t in enumerate(res.tiers):
                    if m[i] >= 5 and r[i] > 3:
                        self.assertEqual(t, "gold")
                    elif seg[i] == "champions":
                        self.assertEqual(t, "silver")
                    else:
                        self.assertEqual(t, "rest")

    def test_where_rejects_unknown_operators_and_label_ordering(self):
        policy = libtier.Policy()
        self.addCleanup(policy.close)
        rule = policy.add_rule(policy.add_tier("t"), "r")
        with self.assertRaises(ValueError):
            policy.where(rule, "rfm.r", "=>", 1)
        with self.assertRaises(libtier.TierError) as cm:
            policy.where(rule, "rfm.segment", "<", "champions")
        self.assertEqual(cm.exception.name, "TIER_EINVAL")
        with self.assertRaises(libtier.TierError) as cm:
            policy.add_tier("t")
        self.assertIn("t", cm.exception.message)
        with self.assertRaises(libtier.TierError):
            libtier.Policy.default("no-such-policy")

    def test_run_names_the_missing_column(self):
        with load_sample() as book:
            policy = libtier.Policy()
            rule = policy.add_rule(policy.add_tier("t"), "r")
            policy.where(rule, "nope.column", ">", 1)
            with self.assertRaises(libtier.TierError) as cm:
                libtier.run(book, [libtier.RFM()], policy)
            self.assertIn("nope.column", cm.exception.message)


if __name__ == "__main__":
    unittest.main()
