# SPDX-License-Identifier: MIT
"""The engine-free pieces of hierarchies and routing on Dask (libtier._dask_org,
docs/distributed.md "Hierarchies and routing"): the cycle message the driver writes equals the
library's, cut alike when too long; the policy checks; the routing figures from gathered team
lists, read back by the library."""

import unittest
from typing import Dict, List

import _support  # noqa: F401  (sets up the import path)

import libtier
from libtier import Book, Result
from libtier import _dask_org as org
from libtier._parts import Target

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

    def test_a_revenue_capacity_is_refused_naming_the_team(self) -> None:
        policy = libtier.Policy.from_string(
            POLICY.replace("tier A {", "routing {\n    accounts when true\n    region = "
                           "attr.region\n    team national \"KA {region}\" capacity 10 revenue\n"
                           "    team local \"sales\" capacity 3 accounts\n}\ntier A {"), "p")
        with self.assertRaises(libtier.Error) as cm:
            org.check_policy(policy.describe(), "p")
        self.assertIn("routing team \"KA {region}\" has a revenue capacity", str(cm.exception))
        org.check_policy(policy.describe().replace("10 revenue", "10 accounts"), "p")


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
                b"route\tKA\trevenue\t100\t0\n"
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

    def test_a_revenue_team_is_refused(self) -> None:
        with self.assertRaises(libtier.Error):
            org.Routing([{b"rev": (False, 10.0)}], {})


if __name__ == "__main__":
    unittest.main()
