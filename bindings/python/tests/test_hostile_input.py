# SPDX-License-Identifier: MIT
"""The binding's input conversions against the hostile inputs of issue 12 (defect 11): missing
ids of every kind, NUL bytes, ids that are neither text nor integers, timezone-aware timestamps,
integers beyond 64 bits, unknown option names, empty columns. Each case ran into a wrong customer,
a silent truncation or a ctypes error before."""

import datetime
import unittest

import _support

import libtier
from libtier import _columns


def _day(book, t=0):
    return book.txn(t)[1]


class StdlibConversionTest(unittest.TestCase):
    """The paths that need neither NumPy nor pandas (run with the NumPy path switched off)."""

    def setUp(self):
        self.saved = _columns.np
        _columns.np = None
        self.addCleanup(setattr, _columns, "np", self.saved)

    def test_ids_with_a_nul_byte_are_refused(self):
        with libtier.Book() as b:
            with self.assertRaises(libtier.TierError) as cm:
                b.add_txns(["X\0", "X"], ["2024-01-01"] * 2, [1, 2])
            self.assertEqual(cm.exception.name, "TIER_EINVAL")
            self.assertIn("row 0", str(cm.exception))
            self.assertIn("NUL byte", str(cm.exception))
            self.assertEqual(len(b), 0)
            with self.assertRaises(libtier.TierError):
                b.add_txn("X\0", "2024-01-01", 1)
            with self.assertRaises(libtier.TierError):
                b.add_txn(b"X\0", "2024-01-01", 1)

    def test_only_text_and_integers_are_ids(self):
        with libtier.Book() as b:
            for bad in (1.5, {"a": 1}, [1], True):
                with self.assertRaises(TypeError, msg=repr(bad)):
                    b.add_txns([bad], ["2024-01-01"], [1])
            b.add_txns([7, "8"], ["2024-01-01"] * 2, [1, 2])
            self.assertEqual([b.customer_id(i) for i in range(len(b))], ["7", "8"])

    def test_aware_datetimes_count_by_their_own_date(self):
        zone = datetime.timezone(datetime.timedelta(hours=-5))
        late = datetime.datetime(2024, 1, 1, 23, 30, tzinfo=zone)  # 2024-01-02 in UTC
        with libtier.Book() as b:
            b.add_txns(["a"], [late], [1])
            self.assertEqual(_day(b), datetime.date(2024, 1, 1))

    def test_empty_columns_are_an_empty_call(self):
        with libtier.Book() as b:
            self.assertEqual(b.add_txns([], [], []), 0)
            self.assertEqual(len(b), 0)

    def test_integer_options_are_checked_not_wrapped(self):
        with libtier.Book() as b:
            with self.assertRaises(libtier.TierError) as cm:
                b.set_option("limit_customers", 2 ** 64 + 100)
            self.assertEqual(cm.exception.name, "TIER_ERANGE")
            self.assertNotEqual(b.get_option("limit_customers"), 100)
            with self.assertRaises(libtier.TierError) as cm:
                b.set_option("no_such_option", 1)
            self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")
            self.assertIn("limit_customers", str(cm.exception))
            with self.assertRaises(libtier.TierError) as cm:
                b.set_option("limit_customers", None)
            self.assertEqual(cm.exception.name, "TIER_EINVAL")
            with self.assertRaises(TypeError):
                b.set_option("limit_customers", 2.5)

    def test_a_negative_frame_size_is_refused(self):
        with self.assertRaises(libtier.TierError) as cm:
            libtier.Frame(-1)
        self.assertEqual(cm.exception.name, "TIER_ERANGE")


@unittest.skipUnless(_support.HAVE_PANDAS, "pandas is not installed")
class PandasConversionTest(unittest.TestCase):
    def setUp(self):
        import numpy as np
        import pandas as pd
        self.np, self.pd = np, pd

    def frame(self, ids, dates=None, amounts=None):
        n = len(ids)
        return self.pd.DataFrame({
            "customer_id": ids,
            "date": dates if dates is not None else ["2024-01-01"] * n,
            "amount": amounts if amounts is not None else [1.0] * n,
        })

    def test_pandas_na_is_a_missing_id_in_every_dtype(self):
        pd = self.pd
        for ids in (pd.array(["a", pd.NA], dtype="string"), pd.array([1, None], dtype="Int64"),
                    pd.Series(["a", pd.NA], dtype=object), pd.Series(["a", None], dtype=object)):
            with self.subTest(dtype=str(getattr(ids, "dtype", ""))):
                with self.assertRaises(libtier.TierError) as cm:
                    libtier.Book.from_dataframe(self.frame(ids))
                self.assertEqual(cm.exception.name, "TIER_EINVAL")
                self.assertIn("row 1: missing customer id", str(cm.exception))

    def test_nul_bytes_and_non_ids_in_object_columns(self):
        with self.assertRaises(libtier.TierError) as cm:
            libtier.Book.from_dataframe(self.frame(["X\0", "X"]))
        self.assertIn("NUL byte", str(cm.exception))
        with libtier.Book() as b:
            with self.assertRaises(libtier.TierError):
                b.add_txns(["X\0", "X"], ["2024-01-01"] * 2, [1, 2])  # a list, NumPy path
        for bad in ([1.5, 2.5], [{"a": 1}, "b"]):
            with self.assertRaises(TypeError):
                libtier.Book.from_dataframe(self.frame(self.pd.Series(bad, dtype=object)))

    def test_timezone_aware_timestamps_keep_their_own_date(self):
        pd = self.pd
        when = pd.Series(pd.to_datetime(["2024-01-01 23:30"])).dt.tz_localize("America/New_York")
        for dates in (when, pd.DatetimeIndex(when), list(when)):
            with libtier.Book() as b:
                b.add_txns(["a"], dates, [1])
                self.assertEqual(_day(b), datetime.date(2024, 1, 1))
        with libtier.Book.from_dataframe(self.frame(["a"], when)) as b:
            self.assertEqual(_day(b), datetime.date(2024, 1, 1))

    def test_nat_is_a_missing_date_and_option_value(self):
        pd = self.pd
        with self.assertRaises(libtier.TierError) as cm:
            libtier.Book.from_dataframe(self.frame(["a", "b"], [pd.Timestamp("2024-01-01"),
                                                                 pd.NaT]))
        self.assertIn("row 1: missing date", str(cm.exception))
        with libtier.Book() as b, self.assertRaises(libtier.TierError) as cm:
            b.set_option("limit_customers", pd.NaT)
        self.assertEqual(cm.exception.name, "TIER_EINVAL")

    def test_zero_row_dataframes_give_an_empty_book(self):
        pd = self.pd
        for df in (pd.DataFrame({"customer_id": [], "date": [], "amount": []}),
                   self.frame(pd.Series([], dtype=object), pd.Series([], dtype="datetime64[ns]"),
                              pd.Series([], dtype=float))):
            with libtier.Book.from_dataframe(df) as b:
                self.assertEqual(len(b), 0)


if __name__ == "__main__":
    unittest.main()
