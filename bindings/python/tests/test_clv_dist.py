# SPDX-License-Identifier: MIT
"""The clv model's distributed fit through the binding (CLV.dist_split, dist_begin,
dist_answer, dist_merge; docs/distributed.md): the CDNOW sample split by customer into parts,
their summaries shuffled by bucket (piece i of every part's split merged), each bucket summary
answering, fits the very state of a fit on the whole book, with BG/NBD and with Pareto/NBD; the
answers are a few bucket partials whatever the part's size; the parts' own summaries (buckets
on two parts) and a bad answer raise TierError naming the answer and change nothing."""

import unittest

import _support  # noqa: F401  (the import path)
from test_fit_summary import ClvBooks

from libtier import TierError


class DistributedClvTest(ClvBooks):
    def buckets(self, summaries, **options):
        """The summaries of whole buckets: piece i of every part's split, merged (a shuffle on
        Dask)."""
        n = len(summaries)
        with self.model(**options) as m:
            pieces = [m.dist_split(s, n) for s in summaries]
            self.assertEqual([len(p) for p in pieces], [n] * n)
            return [m.merge_summaries([p[i] for p in pieces]) for i in range(n)]

    def test_parts_fit_the_whole_books_state(self):
        for options in ({}, {"purchase_model": "pareto_nbd", "time_unit": 1}):
            with self.model(**options) as single, self.model(**options) as driver, \
                    self.model(**options) as answerer:
                single.fit(self.whole)
                summaries = self.buckets(self.summaries(**options), **options)
                request = driver.dist_begin()
                rounds, largest = 0, 0
                while request:
                    answers = [answerer.dist_answer(s, request) for s in summaries]
                    largest = max([largest] + [len(a) for a in answers])
                    request = driver.dist_merge(answers)
                    rounds += 1
                self.assertTrue(driver.fitted)
                self.assertEqual(driver.save(), single.save())
                self.assertGreater(rounds, 20)
                self.assertLess(largest, 2 * 256 * 100)  # bucket partials, not rows

    def test_a_bad_answer_is_refused_and_changes_nothing(self):
        own = self.summaries()
        summaries = self.buckets(own)
        with self.model() as driver, self.model() as answerer:
            request = driver.dist_begin()
            unsplit = [answerer.dist_answer(s, request) for s in own]
            with self.assertRaises(TierError) as ctx:
                driver.dist_merge(unsplit)
            self.assertIn("was answered by answer 1 too", str(ctx.exception))
            answers = [answerer.dist_answer(s, request) for s in summaries]
            cut = list(answers)
            cut[1] = cut[1][: len(cut[1]) // 2]
            with self.assertRaises(TierError) as ctx:
                driver.dist_merge(cut)
            self.assertEqual(ctx.exception.status.name, "TIER_EPARSE")
            self.assertIn("clv answer 2, line", str(ctx.exception))
            self.assertTrue(driver.dist_merge(answers))  # the same round, merged whole
            with self.assertRaises(TierError):
                answerer.dist_answer(summaries[0], b"libtier-clv-request 2\n")


if __name__ == "__main__":
    unittest.main()
