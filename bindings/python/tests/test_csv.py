# SPDX-License-Identifier: MIT
"""Loading CSV through the binding: options, error positions, progress callbacks."""

import os
import tempfile
import unittest

import _support

import libtier


class Boom(Exception):
    pass


class CsvTest(unittest.TestCase):
    def setUp(self):
        self.book = libtier.Book()
        self.addCleanup(self.book.close)
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        return path

    def test_read_csv_with_named_columns_and_delimiter(self):
        path = self.write("t.csv", "when;who;paid\n1997-01-01;a;1.5\n1997-01-02;b;2\n"
                                   "1997-01-03;a;3\n")
        rows = self.book.read_csv(path, delimiter=";", id="who", date="when", amount="paid")
        self.assertEqual(rows, 3)
        self.assertEqual(self.book.customer_ids(), ["a", "b"])
        self.assertEqual(self.book.stat("a", "net_amount"), 4.5)

    def test_headerless_file_with_column_names(self):
        rows = self.book.read_csv(_support.data("CDNOW_sample.txt"), delimiter="ws",
                                  header=False,
                                  column_names=["customer_id", "sample", "date", "cds",
                                                "amount"])
        self.assertEqual(rows, 6919)
        self.assertEqual(self.book.customer_count(), 2357)
        self.assertEqual(self.book.customer_id(0), "00004")

    def test_bad_line_reports_line_and_column(self):
        path = self.write("bad.csv", "customer_id,date,amount\na,1997-01-01,1\n"
                                     "b,1997-01-02,12x\n")
        with self.assertRaises(libtier.TierError) as cm:
            self.book.read_csv(path)
        e = cm.exception
        self.assertEqual(e.name, "TIER_EPARSE")
        self.assertEqual(e.code, -8)
        self.assertIn("line 3", e.message)
        self.assertIn("column 3", e.message)
        self.assertIn("12x", e.message)
        self.assertEqual(self.book.customer_count(), 0)  # nothing of the file was added

    def test_reader_exposes_error_position(self):
        with libtier.CsvReader() as reader:
            with self.assertRaises(libtier.TierError) as cm:
                reader.read_buffer(self.book, "customer_id,date,amount\na,1997-13-01,1\n")
            self.assertEqual(cm.exception.name, "TIER_ERANGE")
            self.assertEqual(reader.error_position(), (2, 2))
            self.assertIn("line 2", reader.last_error())

    def test_missing_file_is_an_io_error(self):
        with self.assertRaises(libtier.TierError) as cm:
            self.book.read_csv(os.path.join(self.tmp.name, "nope.csv"))
        self.assertEqual(cm.exception.name, "TIER_EIO")

    def test_progress_callback_sees_the_bytes(self):
        seen = []
        path = _support.data("CDNOW_master.txt")
        self.book.read_csv(path, delimiter="ws", amount="dollar_value",
                           progress=lambda done, total: seen.append((done, total)))
        self.assertTrue(seen)
        self.assertEqual(seen[-1][0], os.path.getsize(path))
        self.assertTrue(all(a[0] <= b[0] for a, b in zip(seen, seen[1:])))

    def test_exception_in_progress_callback_is_reraised_and_book_unchanged(self):
        def progress(done, total):
            raise Boom("stop at %d" % done)

        with self.assertRaises(Boom) as cm:
            self.book.read_csv(_support.data("CDNOW_master.txt"), delimiter="ws",
                               amount="dollar_value", progress=progress)
        self.assertIn("stop at", str(cm.exception))
        self.assertEqual(self.book.customer_count(), 0)
        # The reader and the book still work afterwards.
        self.assertEqual(self.book.read_csv(_support.data("CDNOW_master.txt"), delimiter="ws",
                                            amount="dollar_value"), 69659)

    def test_progress_returning_false_aborts_with_tier_euser(self):
        with self.assertRaises(libtier.TierError) as cm:
            self.book.read_csv(_support.data("CDNOW_master.txt"), delimiter="ws",
                               amount="dollar_value", progress=lambda d, t: False)
        self.assertEqual(cm.exception.name, "TIER_EUSER")
        self.assertEqual(cm.exception.code, -7)

    def test_bad_delimiter_is_rejected(self):
        with self.assertRaises(ValueError):
            self.book.read_csv_text("a", delimiter="ab")
        with self.assertRaises(libtier.TierError) as cm:
            self.book.read_csv_text("a", delimiter='"')
        self.assertEqual(cm.exception.name, "TIER_EINVAL")


if __name__ == "__main__":
    unittest.main()
