# SPDX-License-Identifier: MIT
"""The value scorecard through the binding: the worked example of docs/scorecard.md, worked out
by hand, and the built-in B2B card checked against its rules on the example data."""

import math
import unittest

import _support

import libtier

IDS = ["a", "b", "c", "d"]
ATTRS = {
    "arr": [100, 200, 300, 400],
    "margin": [0.4, 0.3, None, 0.5],
    "modules": [1, 3, 6, None],
    "referral": [1, 0, None, 2],
    "defaults": [0, 1, 0, 0],
    "arrears_days": [0, 10, 0, 120],
}

# Worked by hand (docs/scorecard.md, "Worked example"): arr percentiles 1/8, 3/8, 5/8, 7/8 of 40
# points; margin min-max over [0, 0.5] of 20 (c imputed with the median 0.4); modules bands
# {2, 5} -> 0, 0.5, 1 of 20 (d dropped: its other weights x 100/80); referral boolean of 20;
# b pays the defaults penalty (-15); d's arrears veto caps its A at C.
WANT = {
    "score": [41.0, 22.0, 61.0, 93.75],
    "explicit": [21.0, 27.0, 41.0, 68.75],
    "potential": [0.0, 10.0, 20.0, 0.0],
    "growth": [20.0, 0.0, 0.0, 25.0],
    "grade": ["D", "E", "C", "C"],
    "capped": [0.0, 0.0, 0.0, 1.0],
}


def worked_book():
    book = libtier.Book()
    book.set_attributes(IDS, ATTRS)
    return book


def worked_card(name="value"):
    card = libtier.Scorecard(name)
    card.add_factor("arr", "attr.arr", 40, "explicit", "percentile", missing="zero")
    card.add_factor("margin", "attr.margin", 20, "explicit", "minmax", missing="impute",
                    caps=(0, 0.5))
    card.add_factor("modules", "attr.modules", 20, "potential", "bands", missing="reweight",
                    bands=([2, 5], [0, 0.5, 1]))
    card.add_factor("referral", "attr.referral", 20, "growth", "boolean", missing="zero")
    card.add_penalty("defaults", "attr.defaults", ">", 0, -15)
    card.add_veto("arrears", "attr.arrears_days", ">", 90, "C")
    return card


class WorkedExampleTest(unittest.TestCase):
    def setUp(self):
        self.book = worked_book()
        self.card = worked_card()
        self.addCleanup(self.book.close)
        self.addCleanup(self.card.close)

    def test_points_groups_and_grades_match_the_hand_computation(self):
        self.assertEqual(self.card.factors(), ["arr", "margin", "modules", "referral"])
        self.assertEqual(self.card.kind, "scorecard")
        self.assertFalse(self.card.fitted)
        self.card.fit(self.book)
        with self.card.score(self.book) as frame:
            self.assertEqual(frame.columns(), ["value." + k for k in
                                               ("score", "explicit", "potential", "growth",
                                                "grade", "capped")])
            for output, want in WANT.items():
                got = frame.column("value." + output)
                if output == "grade":
                    self.assertEqual(frame.column_type("value.grade"), "label")
                    self.assertEqual(got, want)
                else:
                    for g, w in zip(got, want):
                        self.assertAlmostEqual(g, w, places=9, msg=output)

    def test_explanation_names_every_factor_and_the_veto(self):
        self.card.fit(self.book)
        with self.card.score(self.book) as frame:
            text = self.card.explain(self.book, frame, "d")
        lines = text.splitlines()
        self.assertEqual(lines[0], 'scorecard "value": score 93.75, grade C (capped by a veto)')
        self.assertIn("factor modules [potential, weight 20, if missing: drop and re-weight]: "
                      "attr.modules missing -> dropped, 0 points", lines)
        self.assertIn("veto arrears: attr.arrears_days = 120 > 90 -> grade at most C", lines)
        self.assertEqual(lines[-1], "grade band: A (score >= 80); capped by veto to C")

    def test_grade_bands_move_the_grades(self):
        self.card.set_grade_bands([90, 60, 40, 20])
        self.card.fit(self.book)
        with self.card.score(self.book) as frame:
            # 41 -> C, 22 -> D, 61 -> B, 93.75 -> A capped to C.
            self.assertEqual(frame.column("value.grade"), ["C", "D", "B", "C"])
        with self.assertRaises(libtier.TierError) as cm:
            self.card.set_grade_bands([50, 60, 40, 20])  # not non-increasing
        self.assertEqual(cm.exception.name, "TIER_EINVAL")
        with self.assertRaises(ValueError):
            self.card.set_grade_bands([80, 65, 50])

    def test_factor_settings_by_name_and_imputed_value(self):
        # Impute 0.1 instead of the median for c: margin 0.2 of 20 = 4 points instead of 16.
        self.card.set_impute("margin", 0.1)
        self.card.fit(self.book)
        with self.card.score(self.book) as frame:
            self.assertAlmostEqual(frame.column("value.score")[2], 61.0 - 16.0 + 4.0, places=9)
        with self.assertRaises(KeyError):
            self.card.set_caps("nope", 0, 1)
        with self.assertRaises(libtier.TierError) as cm:
            self.card.set_caps("arr", 0, 1)  # a percentile factor has no caps
        self.assertEqual(cm.exception.name, "TIER_EINVAL")

    def test_runs_inside_a_policy_on_its_grade(self):
        policy = libtier.Policy()
        top = policy.add_tier("top")
        rest = policy.add_tier("rest")
        rule = policy.add_rule(top, "grade C or better")
        policy.where(rule, "value.score", ">=", 50)
        policy.add_rule(rest, "always")
        with libtier.run(self.book, [self.card], policy) as result:
            self.assertEqual(result.tiers, ["rest", "rest", "top", "top"])
            self.assertEqual(result.column("value.grade"), WANT["grade"])
            rows = list(result.rows())
            self.assertEqual(rows[3]["value.grade"], "C")
            self.assertEqual(rows[3]["value.capped"], 1.0)


class ScorecardErrorTest(unittest.TestCase):
    def test_weights_must_sum_to_100(self):
        with worked_book() as book, libtier.Scorecard() as card:
            card.add_factor("arr", "attr.arr", 60)
            with self.assertRaises(libtier.TierError) as cm:
                card.fit(book)
            self.assertEqual(cm.exception.name, "TIER_EINVAL")
            self.assertIn("sum to 60", cm.exception.message)

    def test_bad_choices_and_names(self):
        with libtier.Scorecard() as card:
            with self.assertRaises(ValueError):
                card.add_factor("x", "attr.x", 10, group="present")
            with self.assertRaises(ValueError):
                card.add_factor("x", "attr.x", 10, normalisation="zscore")
            with self.assertRaises(ValueError):
                card.add_penalty("p", "attr.x", "=~", 1, -5)
            card.add_factor("x", "attr.x", 10)
            with self.assertRaises(libtier.TierError) as cm:
                card.add_factor("x", "attr.y", 10)  # duplicate name
            self.assertEqual(cm.exception.name, "TIER_EINVAL")
            self.assertEqual(card.factors(), ["x"])
            with self.assertRaises(libtier.TierError):
                card.add_penalty("p", "attr.x", ">", 1, 5)  # points must be negative
            with self.assertRaises(libtier.TierError):
                card.add_veto("v", "attr.x", ">", 1, "F")
        with self.assertRaises(libtier.TierError):
            libtier.Scorecard("bad name")

    def test_missing_source_column_names_the_factor(self):
        with worked_book() as book, libtier.Scorecard.b2b() as card:
            with self.assertRaises(libtier.TierError) as cm:
                card.fit(book)
            self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")


def band(score, lower=(80, 65, 50, 35)):
    for grade, bound in zip("ABCD", lower):
        if score >= bound - 1e-9:
            return grade
    return "E"


class B2BCardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.book = _support.b2b_book()
        cls.card = libtier.Scorecard.b2b()
        cls.result = libtier.run(cls.book, [libtier.RFM(), libtier.Pareto(), cls.card])

    @classmethod
    def tearDownClass(cls):
        cls.result.close()
        cls.book.close()
        cls.card.close()

    def test_factors_are_those_of_the_documented_card(self):
        self.assertEqual(self.card.factors(),
                         ["contract_arr", "gross_margin", "spend", "employees", "modules_used",
                          "growth_rate", "years_cooperation", "referrals"])
        self.assertEqual(self.card.name, "scorecard")

    def test_scores_follow_penalties_vetoes_and_grade_bands(self):
        col = self.result.column
        score, grade, capped = col("scorecard.score"), col("scorecard.grade"), \
            col("scorecard.capped")
        groups = [col("scorecard." + g) for g in ("explicit", "potential", "growth")]
        seen = set()
        for i in range(self.book.customer_count()):
            def attr(name):
                v = self.book.get_number(i, name)
                return math.nan if v is None else v
            points = sum(g[i] for g in groups)
            penalty = (-15 if attr("defaults") > 0 else 0) + \
                (-5 if attr("support_tickets") > 24 else 0) + \
                (-10 if attr("payment_score") < 50 else 0)
            want = min(100.0, max(0.0, points + penalty))
            self.assertAlmostEqual(score[i], want, places=9)
            plain = band(want)
            if attr("arrears_days") > 90 and plain in "AB":
                self.assertEqual((grade[i], capped[i]), ("C", 1.0))
            else:
                self.assertEqual((grade[i], capped[i]), (plain, 0.0))
            seen.add(grade[i])
        self.assertEqual(seen, set("ABCDE"))


if __name__ == "__main__":
    unittest.main()
