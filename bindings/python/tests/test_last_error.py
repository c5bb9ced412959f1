# SPDX-License-Identifier: MIT
"""A failure reports its own message, never an earlier call's (issue 12, defect 11): the C side
leaves no stale last error behind a failing call, and the binding reads the message only from the
handle the failing call reports on."""

import unittest

import _support  # noqa: F401 (puts the binding on the path)

import libtier


class LastErrorTest(unittest.TestCase):
    """Each failure below reported the message of the earlier, unrelated failure before."""

    def earlier_failure(self, book: libtier.Book) -> str:
        """Leaves a message on the book: a transaction of an impossible amount."""
        with self.assertRaises(libtier.TierError) as cm:
            book.add_txn("A", "2024-01-01", 1e300)
        return str(cm.exception)

    def test_a_failed_merge_into_itself_says_so(self) -> None:
        """tier_book_merge(b, b) failed without a message of its own."""
        with libtier.Book() as b:
            earlier = self.earlier_failure(b)
            with self.assertRaises(libtier.TierError) as cm:
                b.merge(b)
            self.assertEqual(cm.exception.name, "TIER_EINVAL")
            self.assertNotEqual(str(cm.exception), earlier)
            self.assertIn("merged into itself", str(cm.exception))

    def test_a_failed_lookup_does_not_repeat_an_earlier_message(self) -> None:
        """A read-only lookup leaves the book's message alone: the binding must not show it."""
        with libtier.Book() as b:
            b.add_txn("A", "2024-01-01", 5)
            earlier = self.earlier_failure(b)
            with self.assertRaises(libtier.TierError) as cm:
                b.stat(0, 12345)  # no such figure
            self.assertEqual(cm.exception.name, "TIER_EINVAL")
            self.assertNotIn(earlier.split(": ", 1)[-1], str(cm.exception))
            with self.assertRaises(libtier.TierError) as cm:
                b.txn(7)  # no such transaction
            self.assertNotIn(earlier.split(": ", 1)[-1], str(cm.exception))


if __name__ == "__main__":
    unittest.main()
