# SPDX-License-Identifier: MIT
"""The clv model's distributed fit through the binding (CLV.dist_begin, dist_answer,
dist_merge; docs/distributed.md): the CDNOW sample split by customer into parts, each answering
from its own fit summary, fits the very state of a fit on the whole book, with BG/NBD and with
Pareto/NBD; the answers are a few exact sums whatever the part's size; a bad answer raises
TierError naming it and changes nothing."""

import unittest

import _support  # noqa: F401  (the import path)
from test_fit_summary import cdnow_books

from libtier import TierError
from libtier.clv import summary_rows
from libtier.models import Model


class DistributedClvTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.whole, cls.parts = cdnow_books()
        cls.as_of = float(cls.whole.day_range()[1] + 1)

    @classmethod
    def tearDownClass(cls):
        for b in [cls.whole] + cls.parts:
            b.close()

    def model(self, **options):
        m = Model.new("clv", "clv", **options)
        m.set_option("as_of", self.as_of)
        return m

    def summaries(self, **options):
        out = []
        for part in self.parts:
            with self.model(**options) as m:
                out.append(m.fit_summary(part))
        return out

    def distinct(self, summaries):
        """The distinct rows of all the parts (a set union here; a shuffle by hash on Dask)."""
        purchase, spend = set(), set()
        for s in summaries:
            c, g = summary_rows(s)
            purchase.update(c)
            spend.update(g)
        return len(purchase), len(spend)

    def test_parts_fit_the_whole_books_state(self):
        for options in ({}, {"purchase_model": "pareto_nbd", "time_unit": 1}):
            with self.model(**options) as single, self.model(**options) as driver, \
                    self.model(**options) as answerer:
                single.fit(self.whole)
                summaries = self.summaries(**options)
                distinct = self.distinct(summaries)
                self.assertEqual(distinct[0], single.fit_stat("purchase", "distinct_rows"))
                self.assertEqual(distinct[1], single.fit_stat("spend", "distinct_rows"))
                request = driver.dist_begin(distinct)
                rounds, largest = 0, 0
                while request:
                    answers = [answerer.dist_answer(s, request) for s in summaries]
                    largest = max([largest] + [len(a) for a in answers])
                    request = driver.dist_merge(answers)
                    rounds += 1
                self.assertTrue(driver.fitted)
                self.assertEqual(driver.save(), single.save())
                self.assertGreater(rounds, 20)
                self.assertLess(largest, 12000)  # exact sums, not rows

    def test_a_bad_answer_is_refused_and_changes_nothing(self):
        summaries = self.summaries()
        with self.model() as driver, self.model() as answerer:
            request = driver.dist_begin(self.distinct(summaries))
            answers = [answerer.dist_answer(s, request) for s in summaries]
            cut = list(answers)
            cut[1] = cut[1][: len(cut[1]) // 2]
            with self.assertRaises(TierError) as ctx:
                driver.dist_merge(cut)
            self.assertEqual(ctx.exception.status.name, "TIER_EPARSE")
            self.assertIn("clv answer 2, line", str(ctx.exception))
            self.assertTrue(driver.dist_merge(answers))  # the same round, merged whole
            with self.assertRaises(TierError):
                answerer.dist_answer(summaries[0], b"libtier-clv-request 1\n")


if __name__ == "__main__":
    unittest.main()
