# SPDX-License-Identifier: MIT
"""The needs model's distributed fit through the binding: a book split into parts, driven by
Needs.dist_begin/dist_answer/dist_merge, fits exactly as the whole book; the fit does not depend
on the order the customers were added in; a bad answer changes nothing."""

import random
import unittest

import _support  # noqa: F401  (the import path)

import libtier

N = 240


def vector(i):
    """Customer i's needs: three groups with a little noise (deterministic)."""
    rnd = random.Random(i)
    cx, cy = [(0.0, 0.0), (8.0, 1.0), (2.0, 9.0)][i % 3]
    return cx + rnd.random() * 2, cy + rnd.random() * 2


def make_book(ids):
    book = libtier.Book()
    xs, ys = zip(*[vector(int(i[1:])) for i in ids])
    book.set_attributes(list(ids), {"x": list(xs), "y": list(ys)})
    return book


def model(**options):
    return libtier.Needs(features=["attr.x", "attr.y"], **options)


class DistributedNeedsTest(unittest.TestCase):
    def setUp(self):
        self.ids = ["c%d" % i for i in range(N)]
        self.whole = make_book(self.ids)
        self.addCleanup(self.whole.close)
        shuffled = list(self.ids)
        random.Random(5).shuffle(shuffled)
        self.parts = [make_book(shuffled[k::4]) for k in range(4)]
        for p in self.parts:
            self.addCleanup(p.close)

    def drive(self, driver):
        answerer = model()
        self.addCleanup(answerer.close)
        request = driver.dist_begin()
        rounds = 0
        while request:
            answers = [answerer.dist_answer(p, request) for p in self.parts]
            request = driver.dist_merge(answers)
            rounds += 1
        return rounds

    def test_split_parts_fit_as_the_whole_book(self):
        for options in ({"k": 3}, {}, {"init_sample": 100, "sample": 30}):
            with model(**options) as single, model(**options) as driver:
                single.fit(self.whole)
                rounds = self.drive(driver)
                self.assertGreaterEqual(rounds, 3)
                self.assertTrue(driver.fitted)
                self.assertEqual(single.save(), driver.save())
                self.assertEqual(single.fit_stats(), driver.fit_stats())
                self.assertEqual(driver.segment_count(), 3)

    def test_the_order_of_the_customers_does_not_matter(self):
        reverse = make_book(list(reversed(self.ids)))
        self.addCleanup(reverse.close)
        with model() as a, model() as b:
            a.fit(self.whole)
            b.fit(reverse)
            self.assertEqual(a.save(), b.save())

    def test_a_bad_answer_is_refused_and_changes_nothing(self):
        with model(k=3) as driver, model() as answerer, model(k=3) as single:
            request = driver.dist_begin()
            answers = [answerer.dist_answer(p, request) for p in self.parts]
            with self.assertRaises(libtier.TierError) as caught:
                driver.dist_merge(answers[:1] + [answers[1][:-20]] + answers[2:])
            self.assertIn("needs answer 2, line", str(caught.exception))
            with self.assertRaises(libtier.TierError) as caught:
                answerer.dist_answer(self.whole, b"libtier-needs-request 2\n")
            self.assertIn("needs request, line 1", str(caught.exception))
            while request:
                request = driver.dist_merge([answerer.dist_answer(p, request)
                                             for p in self.parts])
            single.fit(self.whole)
            self.assertEqual(single.save(), driver.save())


class DefaultFeaturesTest(unittest.TestCase):
    """What libtier.dask gives a needs model without features: the accounts' numeric module_*
    and goal_* attributes in column order, as `tier run` picks them."""

    def test_numeric_module_and_goal_columns_in_column_order(self):
        from libtier._dask_needs import default_features
        cols = ["account_id", "goal_cost", "name", "module_crm", "module_bi", "goal_text"]
        reports = [([], {}),  # a part without accounts
                   (cols, {"goal_cost": "number", "name": "text", "module_crm": "number",
                           "goal_text": "number"}),
                   (cols, {"goal_cost": "number", "module_bi": "number", "goal_text": "text"})]
        self.assertEqual(default_features(reports, "needs"),
                         ["attr.goal_cost", "attr.module_crm", "attr.module_bi"])

    def test_no_such_attribute_is_refused_as_tier_run_refuses_it(self):
        from libtier._dask_needs import default_features
        with self.assertRaises(libtier.Error) as caught:
            default_features([([], {})], "needs")
        self.assertIn("module_* or goal_*", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
