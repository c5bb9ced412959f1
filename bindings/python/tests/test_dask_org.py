# SPDX-License-Identifier: MIT
"""The engine-free pieces of hierarchies and routing on Dask (libtier._dask_org,
docs/distributed.md "Hierarchies and routing"): the cycle message the driver writes equals the
library's, cut alike when too long; the policy checks; the routing figures from gathered team
lists, read back by the library; the phases of a revenue team's fill against a plain greedy fill."""

import random
import struct
import unittest
from typing import Any, Dict, List, Sequence, Tuple

import _support  # noqa: F401  (sets up the import path)

import libtier
from libtier import Book, Result
from libtier import _dask_org as org
from libtier._parts import Target, exact_units, round_units

POLICY = """libtier-policy 1
hierarchy parent = attr.parent
tier A {
    rule "all" when true
}
"""


def library_message(ids: List[str], parent: Dict[str, str]) -> str:
    """The message one process gives for the accounts `ids` (in book order) and their parents."""
    book = Book()
    for i in ids:
        book.add_txn(i, 20240101, 10.0)
    rows = "".join("%s,%s\n" % (i, parent.get(i, "")) for i in ids)
    book.read_attributes_csv_text("id,parent\n" + rows, id="id")
    policy = libtier.Policy.from_string(POLICY, "p")
    try:
        Result().run(book, [], policy)
    except libtier.Error as exc:
        return str(exc)
    raise AssertionError("the library accepted a cycle")


class CycleMessageTest(unittest.TestCase):
    def check(self, ids: List[str], parent: Dict[str, str], first: str, length: int) -> None:
        mine = "TIER_EINVAL: " + org._cut("hierarchy: " + org.report_cycle(
            first, parent, length, "attr.parent"))
        self.assertEqual(mine, library_message(ids, parent))

    def test_a_short_cycle_is_written_whole(self) -> None:
        ids = ["x", "b", "a", "c"]
        self.check(ids, {"a": "b", "b": "c", "c": "a", "x": "a"}, "b", 3)

    def test_a_long_cycle_is_cut_in_the_middle(self) -> None:
        ids = ["account-%04d-%s" % (i, "long" * (i % 3)) for i in range(300)]
        parent = {ids[i]: ids[(i + 1) % len(ids)] for i in range(len(ids))}
        msg = library_message(ids, parent)
        self.assertIn("(cycle of 300 accounts)", msg)
        self.check(ids, parent, ids[0], len(ids))

    def test_a_long_reference_leaves_half_the_message(self) -> None:
        ref = "attr." + "p" * 300
        text = org.report_cycle("a", {"a": "b", "b": "a"}, 2, ref)
        self.assertTrue(text.startswith("cycle: a -> b -> a ("), text)
        self.assertLessEqual(len(text.encode()), org._ERR_SIZE - 1)


class PolicyTest(unittest.TestCase):
    def test_the_hierarchy_parent_is_read_from_the_canonical_text(self) -> None:
        text = libtier.Policy.from_string(POLICY, "p").describe()
        self.assertEqual(org.hierarchy_parent(text), "parent")
        self.assertIsNone(org.hierarchy_parent("tier A {\n}\n"))


class RoutingTest(unittest.TestCase):
    def test_teams_become_figures_lines(self) -> None:
        heads = [{b"full": (True, 2.0), b"roomy": (True, 5.0)},
                 {b"full": (True, 2.0), b"none": (True, 0.0), b"t\tab": (True, 1.0)}]
        counts = {("route", b"full"): (3, 0), ("route", b"roomy"): (5, 0),
                  ("route", b"none"): (4, 0), ("route", b"t\tab"): (2, 0)}
        routing = org.Routing(heads, counts)
        self.assertEqual([(t.key, t.rank) for t in routing.targets],
                         [(b"full", 1), (b"t\tab", 0)])
        for t in routing.targets:
            self.assertIsInstance(t, Target)
            t.found_key, t.found_id = 0x3FF0000000000000, b"id%" + t.key
        lines = routing.lines()
        self.assertEqual(lines, [b"route\tfull\t2\t3ff0000000000000\tid%25full",
                                 b"route\tnone\t3\t\t", b"route\troomy\t1\t\t",
                                 b"route\tt%09ab\t2\t3ff0000000000000\tid%25t%09ab"])
        # The library reads them back.
        result = Result()
        text = b"libtier-population 1\n" + b"\n".join(lines) + b"\nend\n"
        from libtier._ffi import F
        self.assertEqual(F.tier_result_set_population(result._p, text, len(text)), 0)

    def test_gathered_teams_are_read_and_answer_the_selection(self) -> None:
        try:
            import numpy  # noqa: F401
        except ImportError:
            self.skipTest("numpy is not installed for this interpreter")
        from libtier._parts import Gathered
        text = (b"libtier-population-inputs 1\n"
                b"cap\t0\tshare\t0.5\t7\t1\n0000000000000009\tz\n"
                b"route\tsales%09X\taccounts\t2\t3\n"
                b"0000000000000001\ta\n0000000000000005\tb%25\n0000000000000005\tc\n"
                b"route\tKA\trevenue\t100\t2\n"
                b"400fffffffffffff\tb\n4023ffffffffffff\ta\n"
                b"end\n")
        g = Gathered.parse(text, 99)
        self.assertEqual(g.rows, 7)  # the run's rows (group rows), not its customers
        self.assertEqual(org.route_heads(g), {b"sales\tX": (True, 2.0), b"KA": (False, 100.0)})
        self.assertEqual(g.totals()[("route", b"sales\tX")], (3, 0))
        counts, _ = g.below(("route", b"sales\tX", False), [0, 1, 5, 9])
        self.assertEqual(list(counts), [0, 1, 3, 3])
        self.assertEqual(g.ties(("route", b"sales\tX", False), 5),
                         (1, 0, [(b"b%", 0), (b"c", 0)]))
        self.assertEqual(g.ties(("route", b"nobody", False), 5), (0, 0, []))

    def test_a_revenue_team_is_left_to_the_fill(self) -> None:
        routing = org.Routing([{b"rev": (False, 10.0)}], {("route", b"rev"): (4, 0)})
        self.assertEqual((routing.targets, routing.lines(), routing.revenue),
                         ([], [], {b"rev": 10.0}))


def greedy(revenue: List[float], capacity: float) -> List[int]:
    """The single process's fill, written plainly: the positions (in the placing order) placed."""
    used, out = 0, []
    for i, v in enumerate(revenue):
        add = exact_units(v) if v > 0 else -exact_units(-v) if v < 0 else 0
        if round_units(used + add) <= capacity:
            used += add
            out.append(i)
    return out


class RevenueFillTest(unittest.TestCase):
    """The phases against a plain greedy fill, with a selection done by walking the rows (what
    the distributed selection finds, without Dask)."""

    def fill(self, revenue: List[float], capacity: float) -> List[int]:
        rows = sorted(((org.desc_key(v) if v >= 0 else _neg_key(v), b"id%05d" % i)
                       for i, v in enumerate(revenue)))
        values = [_value(k) for k, _ in rows]

        def units(v: float) -> int:
            return exact_units(v) if v > 0 else 0

        def below(asks: Sequence[Tuple[Tuple[Any, ...], List[int]]]
                  ) -> List[Tuple[List[int], List[int]]]:
            out = []
            for _, pivots in asks:
                sel = [[i for i, (k, _) in enumerate(rows) if k <= p] for p in pivots]
                out.append(([len(s) for s in sel], [sum(units(values[i]) for i in s) for s in sel]))
            return out

        def select(targets: List[Target]) -> None:
            for t in targets:
                total = 0
                for i, (k, ident) in enumerate(rows):
                    total += units(values[i])
                    if t.reached(i + 1, total):
                        t.found_key, t.found_id = k, ident
                        t.reached(i + 1, total)  # as the walk of the ties, once the key is known
                        break

        fill = org.RevenueFill({b"team": capacity}, {("route", b"team"): (len(rows), 0)})
        fill.run(select, below)
        placed = []
        for a, b in fill.ranges[b"team"]:
            lo = rows.index((a.found_key or 0, a.found_id or b""))
            hi = rows.index((b.found_key or 0, b.found_id or b""))
            placed += list(range(lo, hi + 1))
        self.assertEqual(placed, greedy(values, capacity))
        lines = fill.lines()
        self.assertEqual(lines[0], b"routed\tteam\t%d" % len(fill.ranges[b"team"]))
        return placed

    def test_rows_that_do_not_fit_are_skipped(self) -> None:
        # 60 fits, 50 does not (110), 40 does (100), 0.5 and 0.25 do not, 0 and -3 do.
        self.assertEqual(self.fill([50, 40, 60, 0.5, 0.25, 0.0, -3.0], 100), [0, 2, 5, 6])

    def test_the_sum_is_exact_and_rounded_once(self) -> None:
        tiny = 2.0 ** -53
        self.assertEqual(self.fill([1.0, tiny, tiny, tiny], 1.0), [0, 1])

    def test_random_books(self) -> None:
        rng = random.Random(7)
        for _ in range(40):
            n = rng.randrange(1, 60)
            revenue = [rng.choice([rng.uniform(0, 1000), float(rng.randrange(1, 50)),
                                   rng.uniform(0, 1) * 2.0 ** -rng.randrange(0, 60), 0.0])
                       for _ in range(n)]
            self.fill(revenue, rng.choice([0.0, 1.0, 500.0, 2500.0, 1e9]))

    def test_the_room_is_the_largest_double_that_fits(self) -> None:
        self.assertEqual(org.fit_room(0, 0.0), 0.0)
        self.assertEqual(org.fit_room(exact_units(1.0), 1.0), 2.0 ** -53)
        self.assertEqual(org.fit_room(0, 1.7e308), 1.7e308)
        self.assertEqual(org.fit_room(0, 1.7976931348623157e308), 1.7976931348623157e308)


def _neg_key(v: float) -> int:
    """tier__order_key(v, 1) of a negative double."""
    bits = struct.unpack("<Q", struct.pack("<d", v))[0]
    return int(bits & ((1 << 64) - 1))


def _value(key: int) -> float:
    """The double of a descending order key."""
    bits = ~key & ((1 << 64) - 1)
    bits = bits & ~(1 << 63) if bits >> 63 else ~bits & ((1 << 64) - 1)
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


if __name__ == "__main__":
    unittest.main()
