# SPDX-License-Identifier: MIT
"""Ids handed to C as they are (tier_book_add_txns_ids): lists of str or int, NumPy integer,
"S", "U" and object columns and pandas frames give the book the checked path (one id at a time,
into data and offsets) gives, with no Python call per id, and bad ids are refused naming the
row."""

import unittest
from unittest import mock

import _support
import libtier
from libtier import _columns, _ffi

N = 3000


def _book_of(ids, days=None, amounts=None):
    """(customer ids, each row's customer) of a book made from `ids` by Book.add_txns."""
    n = len(ids)
    with libtier.Book() as b:
        b.add_txns(ids, days if days is not None else [19970101 + k % 28 for k in range(n)],
                   amounts if amounts is not None else [float(k % 50) for k in range(n)])
        return b.customer_ids(), [b.txn(t)[0] for t in range(b.txn_count())]


def _checked():
    """Inside it the binding takes the checked path (as with a library without
    tier_book_add_txns_ids)."""
    return mock.patch.object(_columns, "_have_layouts", lambda: False)


def _no_id_text():
    """Inside it any id that goes through the per-id check fails the test."""
    return mock.patch.object(_columns, "id_text", side_effect=AssertionError("a call per id"))


class ListIdsTest(unittest.TestCase):
    """Lists take the layouts with or without NumPy."""

    TEXTS = ["a", "b\u00e9", "\u4e2d", "\U0001F600x", "a", "z" * 40] * (N // 6)
    INTS = [0, -1, 2 ** 63 - 1, -2 ** 63, 42, 0, 7] * (N // 7)

    def expect_same_as_checked(self, ids, layout):
        self.assertEqual(_columns.ids_column(ids).layout, layout)
        with _no_id_text():
            got = _book_of(ids)
        with _checked():
            self.assertEqual(_columns.ids_column(ids).layout, _columns.IDS_OFFSETS)
            self.assertEqual(got, _book_of(ids))

    def test_str_and_int_lists_with_and_without_numpy(self):
        for patch in ([mock.patch.object(_columns, "np", None)] +
                      ([mock.patch.object(_columns, "np", _columns.np)]
                       if _support.HAVE_NUMPY else [])):
            with patch, self.subTest(numpy=_columns.np is not None):
                self.expect_same_as_checked(self.TEXTS, _ffi.IDS_NUL_SEPARATED)
                self.expect_same_as_checked(tuple(self.TEXTS), _ffi.IDS_NUL_SEPARATED)
                self.expect_same_as_checked(self.INTS, _ffi.IDS_INT64)
                self.assertEqual(_book_of(self.INTS)[0][:4],
                                 ["0", "-1", "9223372036854775807", "-9223372036854775808"])

    def test_mixed_big_or_bool_lists_take_the_checked_path(self):
        for ids in (["a", 1, b"c"], [2 ** 64, 1], ["a", "b", 3.0]):
            self.assertIsNone(_columns._list_layout_ids(ids))
        self.assertEqual(_columns.ids_column(["a", 1, b"c"]).layout, _columns.IDS_OFFSETS)
        self.assertEqual(_book_of([2 ** 64, 1])[0], ["18446744073709551616", "1"])
        with self.assertRaises(TypeError):
            _book_of([True, False])

    def test_bad_ids_are_refused_naming_the_row(self):
        for ids, row, text in ((["a", "b", "c\0"], 2, "contains a NUL byte"),
                               (["a", None, "c"], 1, "missing customer id"),
                               (["a", "", "c"], 1, "empty customer id"),
                               (["a", "\ud800"], None, "surrogate")):
            with self.subTest(ids=ids):
                with self.assertRaises((libtier.TierError, UnicodeEncodeError)) as cm:
                    _book_of(ids)
                if row is not None:
                    self.assertIn("row %d" % row, str(cm.exception))
                self.assertIn(text, str(cm.exception))


@unittest.skipUnless(_support.HAVE_NUMPY, "NumPy is not installed")
class NumpyIdsTest(unittest.TestCase):
    """NumPy columns are read in place: integers, "S" and "U" with no copy."""

    def setUp(self):
        import numpy as np
        self.np = np
        rng = np.random.default_rng(5)
        self.ints = rng.integers(-500, 500, N)

    def expect_same_as_checked(self, ids, layout, copied=False):
        np = self.np
        col = _columns.ids_column(ids)
        self.assertEqual(col.layout, layout)
        if not copied:
            self.assertTrue(np.shares_memory(col.data, ids))
        with _no_id_text():
            got = _book_of(ids)
        want_ids = [str(v, "utf-8") if isinstance(v, bytes) else str(v) for v in ids.tolist()]
        with _checked():
            self.assertEqual(got, _book_of(want_ids))

    def test_integer_columns_of_every_width(self):
        np = self.np
        for dtype in (np.int8, np.int16, np.int32, np.int64):
            with self.subTest(dtype=dtype):
                self.expect_same_as_checked(self.ints.astype(dtype), _ffi.IDS_INT64,
                                            dtype is not np.int64)
        top = np.array([2 ** 64 - 1, 0, 10 ** 19, 5] * 10, dtype=np.uint64)
        self.expect_same_as_checked(top, _ffi.IDS_UINT64)
        self.expect_same_as_checked(np.array([1, 2, 300] * 10, dtype=np.uint16),
                                    _ffi.IDS_UINT64, True)

    def test_fixed_bytes_and_utf32_columns(self):
        np = self.np
        texts = ["a", "b\u00e9", "\u4e2d", "\U0001F600x", "zz"] * 100
        self.expect_same_as_checked(np.array(texts), _ffi.IDS_UTF32)
        self.expect_same_as_checked(np.array(texts).astype(">U2"), _ffi.IDS_UTF32, True)
        self.expect_same_as_checked(np.array([t.encode() for t in texts]), _ffi.IDS_FIXED)
        self.expect_same_as_checked(np.array(texts, dtype=object), _ffi.IDS_NUL_SEPARATED,
                                    True)

    def test_bad_numpy_ids_are_refused_naming_the_row(self):
        np = self.np
        with self.assertRaises(libtier.TierError) as cm:
            _book_of(np.array(["a", "b", "\ud800c"]))
        self.assertIn("row 2: customer id holds the code unit 0xD800", str(cm.exception))
        with self.assertRaises(libtier.TierError) as cm:
            _book_of(np.array([b"a", b"b\0c"]))
        self.assertIn("row 1", str(cm.exception))
        with self.assertRaises(libtier.TierError) as cm:
            _book_of(np.array(["a", "", "c"], dtype="S"))
        self.assertIn("row 1: empty customer id", str(cm.exception))

    def test_datetime64_days_are_read_in_place_and_checked(self):
        np = self.np
        days = np.array(["1997-01-01", "2000-02-29", "9999-12-31"], dtype="datetime64[D]")
        self.assertEqual(_columns.np_days(days).tolist(), [9862, 11016, 2932896])
        ns = np.array(["1997-01-01T23:59", "2000-02-29T00:01"], dtype="datetime64[ns]")
        self.assertEqual(_columns.np_days(ns).tolist(), [9862, 11016])
        for values, row, text in ((["1997-01-01", "NaT"], 1, "row 1: missing date"),
                                  (["1899-12-31", "1997-01-01"], 0, "row 0: date outside"),
                                  (["1997-01-01", "NaT", "1800-01-01"], 1, "missing date")):
            with self.subTest(values=values), self.assertRaises(libtier.TierError) as cm:
                _columns.np_days(np.array(values, dtype="datetime64[D]"))
            self.assertIn(text, str(cm.exception))
        with self.assertRaises(libtier.TierError) as cm:
            _book_of(["a", "b"], np.array(["1997-01-01", "1997-01-02"], dtype="datetime64[D]"),
                     np.array([1.0, np.nan]))
        self.assertIn("row 1: amount is", str(cm.exception))


@unittest.skipUnless(_support.HAVE_PANDAS, "pandas is not installed")
class FrameIdsTest(unittest.TestCase):
    """add_dataframe: str ids are joined once, which also shows that none is missing."""

    def frame(self, ids):
        import pandas as pd
        n = len(ids)
        return pd.DataFrame({"customer_id": ids,
                             "date": pd.to_datetime(["1997-01-%02d" % (1 + k % 28)
                                                     for k in range(n)]),
                             "amount": [float(k % 9) for k in range(n)]})

    def test_str_ids_take_no_missing_test_and_no_call_per_id(self):
        import pandas as pd
        ids = ["C%05d" % (k % 700) for k in range(N)]
        df = self.frame(ids)
        with _no_id_text(), mock.patch.object(pd, "isna", side_effect=AssertionError("isna")):
            values, dropped = libtier.book.transaction_columns(df, encode_ids=True)
        self.assertEqual(values["id"].layout, _ffi.IDS_NUL_SEPARATED)
        self.assertEqual(dropped, 0)
        with libtier.Book.from_dataframe(df) as b:
            got = b.customer_ids(), [b.txn(t)[0] for t in range(b.txn_count())]
        with _checked():
            self.assertEqual(got, _book_of(ids, [int(d.strftime("%Y%m%d"))
                                                 for d in df["date"]]))

    def test_missing_ids_and_dropped_rows(self):
        import numpy as np
        df = self.frame(["a", None, "c", "d"])
        with self.assertRaises(libtier.TierError) as cm:
            libtier.Book.from_dataframe(df)
        self.assertIn("row 1: missing customer id (column 'customer_id'", str(cm.exception))
        for ids in (["a", "b\0", "c"], np.array(["a", "b\0", "c"], dtype=object)):
            with self.subTest(ids=ids), self.assertRaises(libtier.TierError) as cm:
                libtier.Book.from_dataframe(self.frame(ids))
            self.assertIn("row 1: customer id 'b\\x00' contains a NUL byte", str(cm.exception))
        df = self.frame(["a", "b", "c", "d"])
        df.loc[2, "amount"] = np.nan
        with self.assertWarns(libtier.book.DroppedRowsWarning), \
                libtier.Book.from_dataframe(df, dropna=True) as b:
            self.assertEqual(b.customer_ids(), ["a", "b", "d"])
            self.assertEqual(b.dropped_rows, 1)


if __name__ == "__main__":
    unittest.main()
