# SPDX-License-Identifier: MIT
"""Customer attributes (from CSV files and from columns), book merges and frame error texts."""

import os
import re
import tempfile
import unittest

import _support

import libtier

NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class AttributeCsvTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.header, cls.rows = _support.read_accounts()
        cls.book = libtier.Book()
        cls.count = cls.book.read_attributes_csv(_support.data("b2b_accounts.csv"))

    @classmethod
    def tearDownClass(cls):
        cls.book.close()

    def test_every_account_is_added_with_its_values(self):
        self.assertEqual(self.count, 2000)
        self.assertEqual(self.book.customer_ids(), [r["account_id"] for r in self.rows])
        self.assertEqual(self.book.txn_count(), 0)
        for k in (0, 1, 999, 1999):
            row = self.rows[k]
            for name in self.header[1:]:
                value = row[name]
                if value == "":
                    self.assertIsNone(self.book.get_number(k, name))
                    self.assertIsNone(self.book.get_text(k, name))
                elif self.types[name] == "number":
                    self.assertEqual(self.book.get_number(k, name), float(value), name)
                else:
                    self.assertEqual(self.book.get_text(k, name), value, name)

    @property
    def types(self):
        """Per column, by the documented rule: numeric when every value present is a decimal
        number; columns without any value make no attribute."""
        out = {}
        for name in self.header[1:]:
            present = [r[name] for r in self.rows if r[name] != ""]
            if present:
                out[name] = "number" if all(NUMBER.match(v) for v in present) else "text"
        return out

    def test_attribute_names_and_types_follow_the_columns(self):
        self.assertEqual(self.book.attributes(), self.types)
        self.assertEqual(self.book.attribute_count(), len(self.types))
        self.assertEqual(self.book.attributes()["industry"], "text")
        self.assertEqual(self.book.attributes()["contract_arr"], "number")

    def test_attributes_join_a_book_of_invoices(self):
        with _support.b2b_book() as book:
            self.assertEqual(book.customer_count(), 2000)  # accounts never invoiced are added
            k = book.find("ACC00002")
            self.assertEqual(book.get_text(k, "industry"), "Education")
            self.assertEqual(book.get_number(k, "employees"), 43)
            self.assertGreater(book.stat(k, "net_amount"), 0)

    def test_text_with_an_explicit_id_column_and_delimiter(self):
        with libtier.Book() as book:
            book.add_txn("k2", "2024-01-01", 5)
            n = book.read_attributes_csv_text("who;size;tier_hint\nk1;10;gold\nk2;;silver\n",
                                              id="who", delimiter=";")
            self.assertEqual(n, 2)
            self.assertEqual(book.customer_ids(), ["k2", "k1"])
            self.assertEqual(book.attributes(), {"size": "number", "tier_hint": "text"})
            self.assertIsNone(book.get_number("k2", "size"))
            self.assertEqual(book.get_text("k2", "tier_hint"), "silver")

    def test_id_column_and_delimiter_are_found_like_the_cli(self):
        with libtier.Book() as book:
            book.read_attributes_csv_text("customer|employees\nx|3\n", delimiter="auto")
            self.assertEqual(book.get_number("x", "employees"), 3)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "a.csv")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write("\ufeffid\tregion\nq\tNorth\n")
            with libtier.Book() as book:
                self.assertEqual(book.read_attributes_csv(path, delimiter="auto"), 1)
                self.assertEqual(book.get_text("q", "region"), "North")

    def test_bad_files_leave_the_book_unchanged(self):
        with libtier.Book() as book:
            book.read_attributes_csv_text("account_id,size\na,1\n")
            with self.assertRaises(libtier.TierError) as cm:
                book.read_attributes_csv_text("account_id,size\nb,2\nb,3\n")
            self.assertEqual(cm.exception.name, "TIER_EPARSE")
            self.assertIn("line 3", cm.exception.message)
            with self.assertRaises(libtier.TierError) as cm:
                book.read_attributes_csv_text("account_id,size\nc,big\n")  # size is numeric
            self.assertEqual(cm.exception.name, "TIER_EINVAL")
            self.assertEqual(book.customer_ids(), ["a"])
            with self.assertRaises(libtier.TierError) as cm:
                book.read_attributes_csv(os.path.join(_support.DATA, "nope.csv"), id="x")
            self.assertEqual(cm.exception.name, "TIER_EIO")


class SetAttributesTest(unittest.TestCase):
    def test_types_are_inferred_and_missing_values_set_nothing(self):
        with libtier.Book() as book:
            book.add_txn("b", "2024-01-01", 1)
            n = book.set_attributes(["a", "b", 7], {
                "employees": [10, 2.5, None],
                "vip": [True, False, None],
                "region": ["North", None, 3],
                "empty": [None, None, None],
            })
            self.assertEqual(n, 3)
            self.assertEqual(book.customer_ids(), ["b", "a", "7"])
            self.assertEqual(book.attributes(), {"employees": "number", "vip": "number",
                                                 "region": "text"})
            self.assertEqual(book.get_number("a", "employees"), 10)
            self.assertEqual(book.get_number("b", "employees"), 2.5)
            self.assertEqual(book.get_number("a", "vip"), 1)
            self.assertIsNone(book.get_number("7", "employees"))
            self.assertEqual(book.get_text("7", "region"), "3")
            self.assertIsNone(book.get_text("b", "region"))

    def test_a_failure_changes_nothing(self):
        with libtier.Book() as book:
            book.set_attributes(["a"], {"size": [1]})
            with self.assertRaises(libtier.TierError) as cm:
                book.set_attributes(["b", "c"], {"size": [2, float("inf")]})
            self.assertIn("row 1 (c)", cm.exception.message)
            with self.assertRaises(libtier.TierError):
                book.set_attributes(["d"], {"size": ["big"]}, types={"size": "text"})
            with self.assertRaises(libtier.TierError):
                book.set_attributes(["e", None], {"size": [1, 2]})
            with self.assertRaises(ValueError):
                book.set_attributes(["f"], {"size": [1, 2]})
            self.assertEqual(book.customer_ids(), ["a"])
            self.assertEqual(book.get_number("a", "size"), 1)


class MergeTest(unittest.TestCase):
    def test_two_halves_merge_into_the_book_of_one_load(self):
        rows = _support.read_cdnow("CDNOW_sample.txt", True)
        half = len(rows) // 2
        with libtier.Book() as whole, libtier.Book() as first, libtier.Book() as second:
            for book, part in ((whole, rows), (first, rows[:half]), (second, rows[half:])):
                book.add_txns([r[0] for r in part], [int(r[1]) for r in part],
                              [r[2] for r in part])
            second.set_attributes(["00004"], {"note": ["late half"]})
            self.assertIs(first.merge(second), first)
            self.assertEqual(first.customer_ids(), whole.customer_ids())
            self.assertEqual(first.txn_count(), whole.txn_count())
            for i in range(0, whole.customer_count(), 97):
                a, b = first.stats(i), whole.stats(i)
                a.pop("net_margin")
                b.pop("net_margin")
                self.assertEqual(a, b)
            self.assertEqual(first.get_text("00004", "note"), "late half")
            # `second` is unchanged (its customers: its rows' and the one given a note).
            self.assertEqual(second.customer_count(), len({r[0] for r in rows[half:]} |
                                                          {"00004"}))
            with self.assertRaises(libtier.TierError) as cm:
                first.merge(first)
            self.assertEqual(cm.exception.name, "TIER_EINVAL")


class FrameErrorTest(unittest.TestCase):
    def test_set_error_is_what_last_error_reads(self):
        with libtier.Frame(3) as frame:
            self.assertEqual(frame.last_error(), "")
            frame.set_error("nothing to see")
            self.assertEqual(frame.last_error(), "nothing to see")

    def test_a_python_models_failed_score_explains_itself_on_the_frame(self):
        class Broken(libtier.Model):
            outputs = [("x", "number")]

            def score(self, book, frame):
                raise LookupError("no such column here")

        with libtier.Book() as book, Broken() as model, libtier.Frame(1) as frame:
            book.add_txn("a", "2024-01-01", 1)
            with self.assertRaises(LookupError):
                model.run_score(book, frame)
            self.assertEqual(frame.last_error(), 'model "broken" (python): score failed: '
                                                 'LookupError: no such column here')
            self.assertEqual(frame.columns(), [])


if __name__ == "__main__":
    unittest.main()
