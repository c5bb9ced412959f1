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

    def test_pandas_na_in_a_float64_amount_names_the_row_or_is_dropped(self):
        pd = self.pd
        amounts = pd.array([1.0, pd.NA, 3.0, pd.NA], dtype="Float64")
        df = self.frame(["a", "b", "c", "d"], amounts=amounts)
        df.index = ["r0", "r1", "r2", "r3"]
        with self.assertRaises(libtier.Error) as cm:
            libtier.Book.from_dataframe(df)
        self.assertEqual(cm.exception.status.name, "TIER_EINVAL")
        self.assertIn("row 1: missing amount (column 'amount', index 'r1')", str(cm.exception))
        self.assertIn("dropna=True", str(cm.exception))
        with self.assertWarns(libtier.DroppedRowsWarning) as w:
            book = libtier.Book.from_dataframe(df, dropna=True)
        with book:
            self.assertIn("dropped 2 of 4 rows", str(w.warning))
            self.assertEqual(book.dropped_rows, 2)
            self.assertEqual(book.customer_ids(), ["a", "c"])
            self.assertEqual(book.txn(1)[2], 3.0)

    def test_a_failed_add_keeps_the_book_and_its_dropped_count(self):
        pd = self.pd
        df = self.frame(["a", None, "c"], dates=["2024-01-01", "2024-01-02", "not a date"])
        with libtier.Book() as book:
            with self.assertWarns(libtier.DroppedRowsWarning):
                with self.assertRaises(libtier.Error) as cm:
                    book.add_dataframe(df, dropna=True)
            self.assertIn("not a date", str(cm.exception))
            self.assertEqual((len(book), book.dropped_rows), (0, 0))
        self.assertTrue(pd)  # (pandas made the frame)

    def test_the_id_may_be_the_index(self):
        pd = self.pd
        df = pd.DataFrame({"date": ["2024-01-01", "2024-01-02"], "amount": [1.0, 2.0]},
                          index=pd.Index(["x", "y"], name="account"))
        for kwargs in ({}, {"id": "index"}, {"id": "account"}):
            with libtier.Book.from_dataframe(df, **kwargs) as b:
                self.assertEqual(b.customer_ids(), ["x", "y"], kwargs)
        # A plain RangeIndex is no id: the error says which column is missing.
        with self.assertRaises(KeyError) as cm:
            libtier.Book.from_dataframe(df.reset_index(drop=True))
        self.assertIn("no id column", str(cm.exception))

    def test_the_csv_readers_column_names_apply(self):
        pd = self.pd
        df = pd.DataFrame({"customer": ["a", "b"], "order_date": ["2024-01-01", "2024-01-02"],
                           "revenue": [1.0, 2.0], "total": [9.0, 9.0]})
        with libtier.Book.from_dataframe(df) as b:
            self.assertEqual(b.customer_ids(), ["a", "b"])
            # amount's names in the reader's order: revenue comes before total.
            self.assertEqual([b.txn(t)[2] for t in range(2)], [1.0, 2.0])
        df = pd.DataFrame({"id": [1, 2], "invoice_date": [20240101, 20240102],
                           "sales": [5.0, 6.0]})
        with libtier.Book.from_dataframe(df) as b:
            self.assertEqual(b.customer_ids(), ["1", "2"])
        with self.assertRaises(KeyError):
            libtier.Book.from_dataframe(pd.DataFrame({"customer_id": ["a"], "when": ["x"],
                                                      "amount": [1.0]}))

    def test_empty_frames_of_any_dtype_with_the_id_in_the_index(self):
        pd = self.pd
        df = pd.DataFrame({"date": pd.Series([], dtype="datetime64[ns, UTC]"),
                           "amount": pd.Series([], dtype="Float64")},
                          index=pd.Index([], dtype=object, name="customer_id"))
        with libtier.Book.from_dataframe(df) as b:
            self.assertEqual(len(b), 0)

    def test_numpy_arrays_without_pandas_objects(self):
        np = self.np
        with libtier.Book() as b:
            n = b.add_txns(np.array([3, 1, 3]), np.array(["2024-01-01", "2024-01-05",
                                                           "2024-01-09"], dtype="datetime64[D]"),
                           np.array([1.0, 2.0, 4.0]))
            self.assertEqual((n, b.customer_ids()), (3, ["3", "1"]))
            with self.assertRaises(libtier.Error) as cm:
                b.add_txns(np.array(["a"]), np.array(["NaT"], dtype="datetime64[D]"),
                           np.array([1.0]))
            self.assertIn("row 0: missing date", str(cm.exception))
            self.assertEqual(b.txn_count(), 3)


@unittest.skipUnless(_support.HAVE_NUMPY, "NumPy is not installed")
class NumpyIdPathTest(unittest.TestCase):
    """The whole-array id conversions give the bytes of the checked one-by-one path."""

    def test_fast_id_paths_equal_the_checked_path(self):
        import numpy as np
        cases = [np.array([0, 5, -7, 123456789, -2 ** 63, 2 ** 63 - 1]),
                 np.array([0, 2 ** 64 - 1], dtype=np.uint64),
                 np.array([7], dtype=np.int8),
                 np.array(["a", "b\u00e9", "xyz", "\u4e2d\u6587"], dtype=object)]
        for values in cases:
            with self.subTest(values=values):
                data, offsets = _columns.np_ids(values)
                want_data, want_offsets = _columns.py_ids(values.tolist())
                got = bytes(data.tobytes()[:int(offsets[-1])])
                self.assertEqual(got, want_data[:want_offsets[-1]])
                self.assertEqual([int(o) for o in offsets], list(want_offsets))


if __name__ == "__main__":
    unittest.main()
