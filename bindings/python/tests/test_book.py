# SPDX-License-Identifier: MIT
"""Building books per row and in bulk, attributes, dates and errors."""

import datetime
import gc
import math
import unittest
import weakref
from unittest import mock

import _support

import libtier
from libtier import _columns, _ffi


class DatesTest(unittest.TestCase):
    def test_dates_convert_to_day_numbers_and_back(self):
        self.assertEqual(libtier.to_day(datetime.date(1970, 1, 1)), 0)
        self.assertEqual(libtier.to_day("1970-01-02"), 1)
        self.assertEqual(libtier.to_day(19970101), 9862)  # 27 years incl. 7 leap days
        self.assertEqual(libtier.to_day("19970101"), 9862)
        self.assertEqual(libtier.to_day(datetime.datetime(2000, 3, 1, 12, 0)), 11017)
        self.assertEqual(libtier.from_day(11016), datetime.date(2000, 2, 29))
        self.assertEqual(libtier.format_day(-1), "1969-12-31")

    def test_impossible_dates_raise_tier_error(self):
        with self.assertRaises(libtier.TierError) as cm:
            libtier.to_day("1997-02-30")
        self.assertEqual(cm.exception.name, "TIER_ERANGE")
        self.assertEqual(cm.exception.code, -4)
        with self.assertRaises(libtier.TierError) as cm:
            libtier.to_day("1997/02/03")
        self.assertEqual(cm.exception.name, "TIER_EPARSE")
        with self.assertRaises(libtier.TierError):
            libtier.to_day(18991231)


class PerRowTest(unittest.TestCase):
    def setUp(self):
        self.book = libtier.Book()
        self.addCleanup(self.book.close)

    def test_add_txn_interns_customers_in_order_of_first_sight(self):
        b = self.book
        b.add_txn("acme", "1997-01-01", 10.5)
        b.add_txn("globex", datetime.date(1997, 1, 2), 3)
        b.add_txn("acme", 19970105, -2.25, margin=1.5)
        self.assertEqual(b.customer_count(), 2)
        self.assertEqual(len(b), 2)
        self.assertEqual(b.txn_count(), 3)
        self.assertEqual(b.customer_ids(), ["acme", "globex"])
        self.assertEqual(b.find("globex"), 1)
        self.assertIsNone(b.find("initech"))
        self.assertIn("acme", b)
        self.assertEqual(b.txn(2), ("acme", datetime.date(1997, 1, 5), -2.25, 1.5))
        self.assertEqual(b.day_range(), (9862, 9866))

    def test_stats_net_refunds_without_counting_them_as_purchases(self):
        b = self.book
        b.add_txn("a", "1997-01-01", 10)
        b.add_txn("a", "1997-01-01", 5)
        b.add_txn("a", "1997-01-03", 0)      # a $0 row is a purchase
        b.add_txn("a", "1997-01-04", -4)     # a refund is not
        s = b.stats("a")
        self.assertEqual(s["purchases"], 3)
        self.assertEqual(s["purchase_days"], 2)
        self.assertEqual(s["refunds"], 1)
        self.assertEqual(s["net_amount"], 11)
        self.assertEqual(s["first_purchase"], 9862)
        self.assertEqual(s["last_purchase"], 9864)
        self.assertTrue(math.isnan(s["net_margin"]))

    def test_amounts_are_kept_to_four_decimals(self):
        self.book.add_txn("a", "1997-01-01", 0.00004)
        self.book.add_txn("a", "1997-01-02", 1.23456)
        self.assertAlmostEqual(self.book.stat("a", "net_amount"), 1.2346, places=10)

    def test_attributes_round_trip_and_unset_ones_are_none(self):
        b = self.book
        i = b.add_customer("acme")
        self.assertEqual(b.add_customer("acme"), i)
        b.set_number(i, "employees", 120)
        b.set_text("acme", "industry", "retail")
        self.assertEqual(b.get_number("acme", "employees"), 120)
        self.assertEqual(b.get_text(i, "industry"), "retail")
        self.assertIsNone(b.get_text(i, "region"))
        b.set_text(i, "industry", None)
        self.assertIsNone(b.get_text(i, "industry"))
        self.assertEqual(b.txn_count(), 0)

    def test_bad_rows_raise_tier_error_with_the_books_message(self):
        with self.assertRaises(libtier.TierError) as cm:
            self.book.add_txn("", "1997-01-01", 1)
        e = cm.exception
        self.assertEqual((e.code, e.name), (-3, "TIER_EINVAL"))
        self.assertIn("empty customer id", e.message)
        self.assertIn("TIER_EINVAL", str(e))
        with self.assertRaises(libtier.TierError) as cm:
            self.book.add_txn("a", "1997-01-01", float("inf"))
        self.assertIn("not finite", cm.exception.message)
        with self.assertRaises(libtier.TierError) as cm:
            self.book.add_txn(b"\xff\xfe", "1997-01-01", 1)
        self.assertIn("UTF-8", cm.exception.message)
        self.assertEqual(self.book.customer_count(), 0)  # all or nothing

    def test_options_and_limits(self):
        b = libtier.Book(keep_transactions=False, ignore_from="1997-01-03")
        self.addCleanup(b.close)
        self.assertEqual(b.get_option("keep_transactions"), 0)
        b.add_txn("a", "1997-01-01", 1)
        b.add_txn("a", "1997-01-05", 1)
        self.assertEqual(b.txn_count(), 0)
        self.assertEqual(b.ignored_rows(), 1)
        with self.assertRaises(libtier.TierError) as cm:
            b.set_option("keep_transactions", 1)  # only while empty
        self.assertEqual(cm.exception.name, "TIER_ESTATE")
        b.set_option("limit_id_length", 3)
        with self.assertRaises(libtier.TierError) as cm:
            b.add_txn("abcd", "1997-01-01", 1)
        self.assertEqual(cm.exception.name, "TIER_ERANGE")


class SavepointTest(unittest.TestCase):
    def book(self):
        b = libtier.Book()
        b.add_txn("a", "2024-01-01", 10)
        b.add_txn("b", "2024-01-02", 20)
        b.set_text("a", "region", "North")
        return b

    def state(self, b):
        # As text: NaN figures compare equal to themselves that way.
        return repr(([b.customer_id(i) for i in range(len(b))], list(b.txns()),
                     [b.stats(i) for i in range(len(b))], b.get_text("a", "region"),
                     b.get_number("b", "score"), b.attribute_count()))

    def test_rollback_restores_everything_and_release_keeps(self):
        b = self.book()
        before = self.state(b)
        self.assertEqual(b.savepoint(), 1)
        b.add_txn("a", "2024-02-01", 500)
        b.add_txn("c", "2024-02-01", 5)
        b.set_text("a", "region", "South")
        b.set_number("b", "score", 3.5)
        self.assertEqual(b.savepoint(), 2)
        b.add_txn("b", "2024-02-02", 1)
        b.release()
        self.assertEqual(b.savepoints, 1)
        self.assertNotEqual(self.state(b), before)
        b.rollback()
        self.assertEqual(self.state(b), before)
        self.assertEqual(b.savepoints, 0)
        with self.assertRaises(libtier.TierError) as e:
            b.rollback()
        self.assertEqual(e.exception.name, "TIER_ESTATE")
        b.savepoint()
        b.add_txn("a", "2024-02-01", 500)
        b.release()
        self.assertEqual(b.stat("a", "net_amount"), 510)

    def test_trying_rolls_back_when_the_block_raises(self):
        b = self.book()
        before = self.state(b)
        with self.assertRaises(ZeroDivisionError):
            with b.trying():
                b.add_txn("a", "2024-02-01", 500)
                1 / 0
        self.assertEqual(self.state(b), before)
        with b.trying():
            b.add_txn("a", "2024-02-01", 500)
        self.assertEqual(b.stat("a", "net_amount"), 510)
        self.assertEqual(b.savepoints, 0)

    def test_merge_is_refused_inside_a_savepoint(self):
        b, other = self.book(), self.book()
        b.savepoint()
        with self.assertRaises(libtier.TierError) as e:
            b.merge(other)
        self.assertEqual(e.exception.name, "TIER_ESTATE")
        self.assertIn("savepoint", e.exception.message)
        b.rollback()


class HandleTest(unittest.TestCase):
    def test_close_is_idempotent_and_later_use_raises(self):
        b = libtier.Book()
        b.close()
        b.close()
        self.assertTrue(b.closed)
        with self.assertRaises(ValueError):
            b.customer_count()

    def test_context_manager_frees_the_book(self):
        with libtier.Book() as b:
            b.add_txn("a", "1997-01-01", 1)
        self.assertTrue(b.closed)

    def test_garbage_collection_runs_the_finalizer(self):
        b = libtier.Book()
        fin = b._finalizer
        ref = weakref.ref(b)
        del b
        gc.collect()
        self.assertIsNone(ref())
        self.assertFalse(fin.alive)


class BulkTest(unittest.TestCase):
    IDS = ["c1", "c2", "c1", "ç3", "c2"]
    DATES = ["1997-01-01", 19970102, datetime.date(1997, 1, 3), "19970104", "1997-01-05"]
    AMOUNTS = [10.0, 20.0, 30.0, 40.0, -5.0]

    def check_book(self, b):
        self.assertEqual(b.customer_ids(), ["c1", "c2", "ç3"])
        self.assertEqual(b.txn_count(), 5)
        self.assertEqual(b.stat("c1", "net_amount"), 40.0)
        self.assertEqual(b.stat("c2", "net_amount"), 15.0)
        self.assertEqual(b.stat("c2", "refunds"), 1)
        self.assertEqual(b.txn(3)[:3], ("ç3", datetime.date(1997, 1, 4), 40.0))

    def test_add_txns_without_numpy_uses_array_fallback(self):
        with mock.patch.object(_columns, "np", None), libtier.Book() as b:
            self.assertEqual(b.add_txns(self.IDS, self.DATES, self.AMOUNTS), 5)
            self.check_book(b)

    def test_add_txns_without_numpy_takes_day_numbers_and_margins(self):
        with mock.patch.object(_columns, "np", None), libtier.Book() as b:
            b.add_txns([1, 2], amounts=[1, 2], days=[0, 1], margins=[None, 0.5])
            self.assertEqual(b.txn(0), ("1", datetime.date(1970, 1, 1), 1.0, None))
            self.assertEqual(b.txn(1), ("2", datetime.date(1970, 1, 2), 2.0, 0.5))

    @unittest.skipUnless(_support.HAVE_NUMPY, "numpy is not installed")
    def test_add_txns_with_numpy_arrays(self):
        import numpy as np
        with libtier.Book() as b:
            n = b.add_txns(np.array(self.IDS), np.array(self.DATES, dtype=object),
                           np.array(self.AMOUNTS))
            self.assertEqual(n, 5)
            self.check_book(b)
        with libtier.Book() as b:
            days = np.array(["1997-01-01", "1997-01-02", "1997-01-03", "1997-01-04",
                             "1997-01-05"], dtype="datetime64[D]")
            b.add_txns(np.array(self.IDS, dtype=object), days, self.AMOUNTS,
                       margins=np.array([1, np.nan, 2, 3, 4]))
            self.check_book(b)
            self.assertEqual(b.txn(1)[3], None)
            self.assertEqual(b.txn(0)[3], 1.0)

    @unittest.skipUnless(_support.HAVE_NUMPY, "numpy is not installed")
    def test_numpy_ids_are_packed_into_one_buffer_with_offsets(self):
        import numpy as np
        data, offsets = _columns.np_ids(np.array(["ab", "", "çd", "e"]))
        self.assertEqual(bytes(data), "abçde".encode())
        self.assertEqual(offsets.tolist(), [0, 2, 2, 5, 6])
        self.assertEqual(offsets.dtype, np.uintp)
        days = _columns.np_days(np.array([19000101, 20000229, 99991231]))
        self.assertEqual(days.tolist(), [-25567, 11016, 2932896])
        self.assertEqual(days.dtype, np.int32)

    def test_bulk_bad_row_fails_whole_call_with_row_number(self):
        for patch in ([mock.patch.object(_columns, "np", None)] +
                      ([] if not _support.HAVE_NUMPY else [mock.patch.object(_columns, "np",
                                                                             _columns.np)])):
            with patch, libtier.Book() as b:
                b.add_txn("keep", "1997-01-01", 1)
                with self.assertRaises(libtier.TierError) as cm:
                    b.add_txns(["x", "", "z"], [19970101] * 3, [1, 2, 3])
                self.assertIn("row 1", cm.exception.message)
                with self.assertRaises(libtier.TierError) as cm:
                    b.add_txns(["x", "y"], ["1997-01-01", "1997-02-30"], [1, 2])
                self.assertIn("row 1", cm.exception.message)
                self.assertEqual(cm.exception.name, "TIER_ERANGE")
                self.assertEqual(b.customer_ids(), ["keep"])
                self.assertEqual(b.txn_count(), 1)

    def test_mismatched_column_lengths_raise_value_error(self):
        with libtier.Book() as b, self.assertRaises(ValueError):
            b.add_txns(["a", "b"], [19970101], [1, 2])

    def test_bulk_and_per_row_give_the_same_figures(self):
        rows = _support.read_cdnow("CDNOW_sample.txt", True)[:2000]
        with libtier.Book() as one, libtier.Book() as bulk:
            for cid, day, amount in rows:
                one.add_txn(cid, int(day), amount)
            bulk.add_txns([r[0] for r in rows], [int(r[1]) for r in rows],
                          [r[2] for r in rows])
            self.assertEqual(one.customer_ids(), bulk.customer_ids())
            for i in range(one.customer_count()):
                a, b = one.stats(i), bulk.stats(i)
                self.assertTrue(math.isnan(a.pop("net_margin")))
                self.assertTrue(math.isnan(b.pop("net_margin")))
                self.assertEqual(a, b)


class ErrorMappingTest(unittest.TestCase):
    def test_every_status_has_a_stable_name(self):
        for code, name in _ffi._STATUS_NAMES.items():
            self.assertEqual(_ffi.status_name(code), name)

    def test_library_major_version_matches(self):
        self.assertEqual(libtier.version_number // 10000, _ffi.ABI_MAJOR)
        self.assertRegex(libtier.version(), r"^\d+\.\d+\.\d+$")

    def test_vtable_structure_matches_model_h(self):
        names = [f[0] for f in _ffi.ModelVtable._fields_]
        self.assertEqual(names, ["version", "kind", "output_count", "output_info", "fit",
                                 "score", "explain", "destroy", "last_error",
                                 "outputs", "n_outputs", "options", "n_options", "set_option",
                                 "get_option", "save", "load", "is_fitted"])
        self.assertEqual(_ffi.MODEL_VTABLE_VERSION, 2)


if __name__ == "__main__":
    unittest.main()
