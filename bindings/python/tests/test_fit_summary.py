# SPDX-License-Identifier: MIT
"""Fits from mergeable summaries through the binding (Model.fit_summary, fit_summaries,
merge_summaries; docs/fit-summary-format.md): the CDNOW sample split by customer into parts
fits the clv model, from the parts' summaries, to the very state of a fit on the whole book;
sbg likewise on renewals; damaged and mismatched summaries raise TierError naming the summary."""

import random
import unittest
import zlib

import _support

import libtier
from libtier import TierError, _ffi
from libtier.models import Model

PARTS = 5


def part_of(cid):
    """The part of a customer: a hash of its id, as the Dask shuffle does."""
    return zlib.crc32(cid.encode()) % PARTS


def cdnow_books():
    """The whole CDNOW sample and its split into PARTS books, from the same rows in order."""
    whole = libtier.Book()
    parts = [libtier.Book() for _ in range(PARTS)]
    for cid, day, amount in _support.read_cdnow("CDNOW_sample.txt", True):
        whole.add_txn(cid, int(day), float(amount))
        parts[part_of(cid)].add_txn(cid, int(day), float(amount))
    return whole, parts


class ClvBooks(unittest.TestCase):
    """The CDNOW sample whole and split into parts, with clv models and the parts' summaries (no
    tests of its own: the clv summary and distributed-fit tests derive from it)."""

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
                self.assertFalse(m.fitted)
        return out


class ClvSummaryTest(ClvBooks):
    def check_identity(self, **options):
        with self.model(**options) as m:
            want = m.fit(self.whole).save()
        summaries = self.summaries(**options)
        self.assertTrue(all(s.startswith(b"tier-fit-summary 1 ") for s in summaries))
        with self.model(**options) as m:
            self.assertEqual(m.fit_summaries(summaries).save(), want)
        shuffled = list(summaries)
        random.Random(7).shuffle(shuffled)
        with self.model(**options) as m:
            merged = m.merge_summaries(shuffled[:2])
            merged = m.merge_summaries([merged] + shuffled[2:])
            self.assertFalse(m.fitted)
            self.assertEqual(m.fit_summaries([merged]).save(), want)

    def test_bgnbd_from_the_parts_is_the_whole_books_fit(self):
        self.check_identity()

    def test_pareto_nbd_in_days_from_the_parts_is_the_whole_books_fit(self):
        self.check_identity(purchase_model="pareto_nbd", time_unit=1)

    def test_damaged_or_mismatched_summaries_are_refused(self):
        summaries = self.summaries()
        with self.model() as m:
            m.fit_summaries(summaries)
            before = m.save()
            bad = summaries[1][:-9] + b"9" + summaries[1][-8:]
            with self.assertRaises(TierError) as cm:
                m.fit_summaries([summaries[0], bad])
            self.assertEqual(cm.exception.status, _ffi.ECORRUPT)
            self.assertIn("summary 2: line 1: the check sum does not match", str(cm.exception))
            for cut in (0, 10, len(summaries[0]) // 2, len(summaries[0]) - 1):
                with self.assertRaises(TierError):
                    m.fit_summaries([summaries[0][:cut]])
            self.assertEqual(m.save(), before)
        with self.model(time_unit=1) as m:
            with self.assertRaises(TierError) as cm:
                m.fit_summaries(summaries)
            self.assertIn("summary 1: line", str(cm.exception))
            self.assertFalse(m.fitted)
        with Model.new("rfm", "rfm") as m:
            with self.assertRaises(TierError) as cm:
                m.fit_summary(self.parts[0])
            self.assertEqual(cm.exception.status, _ffi.EINVAL)


class SbgSummaryTest(unittest.TestCase):
    def test_sbg_from_the_parts_is_the_whole_books_fit(self):
        rng = random.Random(3)
        whole = libtier.Book()
        parts = [libtier.Book() for _ in range(PARTS)]
        try:
            for i in range(400):
                cid = "s%03d" % i
                p = 0.5 if i % 2 else 0.08
                renewals, churned = 0, 0
                for _ in range(1 + i % 6):
                    if rng.random() < p:
                        churned = 1
                        break
                    renewals += 1
                for book in (whole, parts[part_of(cid)]):
                    book.add_txn(cid, 20240101, 10.0)
                    book.set_number(cid, "renewals", renewals)
                    book.set_number(cid, "churned", churned)
            with Model.new("sbg", "sbg") as m:
                want = m.fit(whole).save()
            summaries = []
            for part in parts:
                with Model.new("sbg", "sbg") as m:
                    summaries.append(m.fit_summary(part))
            with Model.new("sbg", "sbg") as m:
                self.assertEqual(m.fit_summaries(summaries).save(), want)
        finally:
            for b in [whole] + parts:
                b.close()


if __name__ == "__main__":
    unittest.main()
