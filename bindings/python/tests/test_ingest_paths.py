# SPDX-License-Identifier: MIT
"""The whole-column conversions of the ingest path (issue 10, item 3) give what the checked
one-value-at-a-time path gives, and a book lent threads (Book(threads=N)) is the same book with
the same results for any N."""

import datetime
import random
import unittest

import _support

import libtier
from libtier import _columns

D = datetime.date
DT = datetime.datetime


def _zone(hours, minutes=0):
    return datetime.timezone(datetime.timedelta(hours=hours, minutes=minutes))


def _counting_wall_clock(test):
    """Replaces _columns._wall_clock (the per-value step) by one that counts its calls."""
    calls = []
    original = _columns._wall_clock

    def counted(value):
        calls.append(value)
        return original(value)

    _columns._wall_clock = counted
    test.addCleanup(setattr, _columns, "_wall_clock", original)
    return calls


@unittest.skipUnless(_support.HAVE_NUMPY, "NumPy is not installed")
class DateObjectColumnTest(unittest.TestCase):
    """Object columns of date and datetime objects: day numbers without a Python call per value,
    each aware timestamp by its own wall-clock date, whatever the mix of zones."""

    def setUp(self):
        import numpy as np
        self.np = np

    def days(self, values):
        return [int(d) for d in _columns.np_days(self.np.array(values, dtype=object))]

    def checked(self, values):
        return list(_columns.py_days(values))

    def test_mixed_zones_naive_and_dates_keep_their_own_date(self):
        values = [DT(2024, 1, 1, 23, 30, tzinfo=_zone(-5)),   # 2024-01-02 in UTC
                  DT(2024, 1, 2, 0, 30, tzinfo=_zone(9)),      # 2024-01-01 in UTC
                  DT(2024, 1, 3, 23, 59, tzinfo=_zone(14)),
                  DT(2024, 1, 4, 0, 0, tzinfo=_zone(-12)),
                  DT(2024, 1, 5, 12, 0, tzinfo=_zone(5, 45)),
                  DT(2024, 1, 6, 23, 59, 59),                  # naive
                  D(2024, 1, 7),
                  DT(1900, 1, 1, tzinfo=datetime.timezone.utc),
                  DT(9999, 12, 31, 23, 59, tzinfo=_zone(-1))]
        want = [libtier.to_day(D(2024, 1, k)) for k in range(1, 8)] + [
            libtier.to_day(D(1900, 1, 1)), libtier.to_day(D(9999, 12, 31))]
        calls = _counting_wall_clock(self)
        self.assertEqual(self.days(values), want)
        self.assertEqual(calls, [], "a Python call per value")
        self.assertEqual(self.checked(values), want)

    def test_random_columns_equal_the_checked_path(self):
        rng = random.Random(7)
        zones = [None, datetime.timezone.utc] + [_zone(h) for h in range(-12, 15)]
        for _ in range(20):
            values = []
            for _ in range(rng.randrange(1, 200)):
                day = D(1900, 1, 1) + datetime.timedelta(days=rng.randrange(2958464))
                if rng.random() < 0.2:
                    values.append(day)
                else:
                    values.append(DT(day.year, day.month, day.day, rng.randrange(24),
                                     rng.randrange(60), tzinfo=rng.choice(zones)))
            self.assertEqual(self.days(values), self.checked(values))

    def test_what_is_not_a_date_object_takes_the_checked_path(self):
        np = self.np
        calls = _counting_wall_clock(self)
        # datetime64 objects and text among date objects: converted one by one
        self.assertEqual(self.days([np.datetime64("2024-01-02"), D(2024, 1, 3)]),
                         [libtier.to_day(D(2024, 1, 2)), libtier.to_day(D(2024, 1, 3))])
        self.assertEqual(len(calls), 2)
        for values, row, text, name in (
                ([D(2024, 1, 1), None, D(2024, 1, 3)], 1, "missing date", "TIER_EINVAL"),
                ([D(2024, 1, 1), D(2024, 1, 2), float("nan")], 2, "missing date", "TIER_EINVAL"),
                ([DT(2024, 1, 1, tzinfo=_zone(3)), D(1899, 12, 31)], 1,
                 "date outside 1900-01-01 .. 9999-12-31", "TIER_ERANGE")):
            with self.subTest(values=values), self.assertRaises(libtier.TierError) as cm:
                self.days(values)
            self.assertEqual(cm.exception.name, name)
            self.assertIn("row %d: %s" % (row, text), str(cm.exception))

    @unittest.skipUnless(_support.HAVE_PANDAS, "pandas is not installed")
    def test_pandas_timestamps_nat_and_na_in_object_columns(self):
        import pandas as pd
        stamps = [pd.Timestamp("2024-01-01 23:30", tz="America/New_York"),
                  pd.Timestamp("2024-01-02 00:30", tz="Asia/Tokyo"),
                  pd.Timestamp("2024-01-03 12:00"), D(2024, 1, 4)]
        want = [libtier.to_day(D(2024, 1, k)) for k in range(1, 5)]
        calls = _counting_wall_clock(self)
        self.assertEqual(self.days(stamps), want)
        self.assertEqual(calls, [])
        for missing in (pd.NaT, pd.NA, None):
            for row in (0, 2, 4):
                values = stamps[:row] + [missing] + stamps[row:]
                with self.subTest(missing=missing, row=row), \
                        self.assertRaises(libtier.TierError) as cm:
                    self.days(values)
                self.assertIn("row %d: missing date" % row, str(cm.exception))
        # a DataFrame column of mixed zones: object dtype, each row its own date
        df = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "date": stamps,
                           "amount": [1.0, 2.0, 3.0, 4.0]})
        self.assertEqual(df["date"].dtype, object)
        with libtier.Book.from_dataframe(df) as b:
            self.assertEqual([b.txn(t)[1] for t in range(4)], [D(2024, 1, k) for k in range(1, 5)])
        df.loc[2, "date"] = pd.NaT
        with self.assertRaises(libtier.TierError) as cm:
            libtier.Book.from_dataframe(df)
        self.assertIn("row 2: missing date", str(cm.exception))


@unittest.skipUnless(_support.HAVE_NUMPY, "NumPy is not installed")
class IdColumnTest(unittest.TestCase):
    """Integer ids (formatted by array arithmetic, through a table of the id span when ids
    repeat) and str ids (one join) give the bytes and offsets of the checked path."""

    def same(self, values):
        data, offsets = _columns.np_ids(values)
        want_data, want_offsets = _columns.py_ids(values.tolist())
        self.assertEqual(bytes(data.tobytes()[:int(offsets[-1])]),
                         want_data[:want_offsets[-1]])
        self.assertEqual([int(o) for o in offsets], list(want_offsets))

    def test_integer_ids_of_every_width_sign_and_span(self):
        import numpy as np
        cases = [np.array([0, 1, 9, 10, 9999, 10000, 10001, 99999999, 100000000, 2 ** 32 - 1,
                           2 ** 32, 2 ** 63 - 1, -1, -10, -9999, -10000, -2 ** 63]),
                 np.array([2 ** 64 - 1, 0, 5, 10 ** 19], dtype=np.uint64),
                 np.array([2 ** 64 - 1, 2 ** 64 - 2] * 5, dtype=np.uint64),  # a table at the top
                 np.array([-2 ** 63, -2 ** 63 + 1] * 5),                      # ... at the bottom
                 np.array([-100, 100, 0, 5] * 300, dtype=np.int8),  # span wider than int8
                 np.array([0] * 10, dtype=np.int32),
                 np.array([-5, 3, 9999, 10000] * 7, dtype=np.int16)]
        rng = np.random.default_rng(3)
        for _ in range(100):
            lo = int(rng.integers(-10 ** 18, 10 ** 18)) // 10 ** int(rng.integers(0, 18))
            width = int(rng.integers(1, 10 ** int(rng.integers(1, 6))))
            cases.append(rng.integers(lo, lo + width, int(rng.integers(1, 3000))))
        for values in cases:
            with self.subTest(values=values[:6]):
                self.same(values)

    def test_text_ids_by_one_join(self):
        import numpy as np
        checked = []
        original = _columns.id_text
        _columns.id_text = lambda value, row: checked.append(row) or original(value, row)
        self.addCleanup(setattr, _columns, "id_text", original)
        for values in (["a", "", "b\u00e9", "\u4e2d\u6587", ""], [""], ["x"], ["", ""],
                       ["C%07d" % i for i in range(1000)]):
            with self.subTest(values=values[:5]):
                data, offsets = _columns.np_ids(np.array(values, dtype=object))
                self.assertEqual(checked, [], "a Python call per id")
                self.assertEqual(bytes(data.tobytes()[:int(offsets[-1])]),
                                 "".join(values).encode("utf-8"))
                self.assertEqual(list(offsets), [0] + [len("".join(values[:k + 1]).encode())
                                                       for k in range(len(values))])
        for values, row, text in ((["a", "b", "c\0"], 2, "contains a NUL byte"),
                                  (["a\0", "b"], 0, "contains a NUL byte"),
                                  (["a", None, "c"], 1, "missing customer id"),
                                  (["a", "b", float("nan")], 2, "missing customer id")):
            with self.subTest(values=values), self.assertRaises(libtier.TierError) as cm:
                _columns.np_ids(np.array(values, dtype=object))
            self.assertIn("row %d: " % row, str(cm.exception))
            self.assertIn(text, str(cm.exception))
        self.same(np.array(["a", b"b", 7], dtype=object))  # not all str: the checked path


class ThreadsTest(unittest.TestCase):
    """Book(threads=N) lends the book an executor (tier_book_set_executor): same book, same
    results, whatever N."""

    ROWS = 3 * 16384 + 17  # above the size from which add_txns splits a call into parts

    @classmethod
    def setUpClass(cls):
        rng = random.Random(11)
        first = libtier.to_day(D(2022, 1, 1))
        cls.ids = ["c%d" % rng.randrange(5000) for _ in range(cls.ROWS)]
        cls.days = [first + rng.randrange(3 * 365) for _ in range(cls.ROWS)]
        cls.amounts = [round(rng.uniform(-20, 500), 2) for _ in range(cls.ROWS)]

    def book_and_result(self, threads):
        book = libtier.Book(threads=threads)
        self.addCleanup(book.close)
        book.add_txns(self.ids, amounts=self.amounts, days=self.days)
        result = libtier.run(book, [libtier.RFM(), libtier.Pareto()],
                             libtier.Policy.default(None))
        self.addCleanup(result.close)
        return book, result

    @staticmethod
    def state(book, result):
        """Everything the book holds and the run's whole output (figures as repr: NaN)."""
        return (book.customer_ids(), repr([book.stats(i) for i in range(len(book))]),
                list(book.txns()), result.to_bytes(), result.to_bytes(format="json"))

    def test_any_thread_count_gives_the_same_book_and_results(self):
        book, result = self.book_and_result(0)
        self.assertEqual(book.threads, 1)
        want = self.state(book, result)
        for threads in (1, 2, 3, 8, 64, 100):
            with self.subTest(threads=threads):
                book, result = self.book_and_result(threads)
                self.assertEqual(book.threads, max(threads, 1))
                got = self.state(book, result)
                for part, have, expected in zip(("ids", "figures", "transactions", "csv",
                                                 "json"), got, want):
                    self.assertTrue(have == expected, "%s differ" % part)
                if threads > 1:  # the work really went to other threads
                    self.assertGreater(book._executor.started, 0)

    def test_set_threads_checks_and_switches(self):
        with libtier.Book() as book:
            self.assertEqual(book.threads, 1)
            self.assertIs(book.set_threads(4), book)
            self.assertEqual(book.threads, 4)
            book.set_threads(0)
            self.assertEqual(book.threads, 1)
            self.assertIsNone(book._executor)
            for bad, error in ((-1, ValueError), (2 ** 32, ValueError), (1.5, TypeError),
                               (True, TypeError), ("2", TypeError)):
                with self.subTest(bad=bad), self.assertRaises(error):
                    book.set_threads(bad)
            self.assertEqual(book.threads, 1)
        with self.assertRaises(ValueError):
            libtier.Book(threads=-2)


if __name__ == "__main__":
    unittest.main()
