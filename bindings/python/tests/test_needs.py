# SPDX-License-Identifier: MIT
"""Needs segmentation through the binding, on small books whose answers are worked out here."""

import math
import unittest

import _support

import libtier

# Two well separated groups of needs vectors (module usage x, goal weight y): six customers near
# (1, 1) and four near (10, 5).
SMALL = [("s%d" % i, 1 + dx, 1 + dy) for i, (dx, dy) in
         enumerate([(0, 0), (0.2, 0), (0, 0.2), (-0.2, 0), (0, -0.2), (0.1, 0.1)])]
BIG = [("b%d" % i, 10 + dx, 5 + dy) for i, (dx, dy) in
       enumerate([(0, 0), (0.5, 0), (0, 0.5), (-0.5, -0.5)])]
ROWS = SMALL + BIG


def mean(values):
    values = list(values)
    return sum(values) / len(values)


def make_book(rows=ROWS, extra=()):
    book = libtier.Book()
    ids = [r[0] for r in rows] + [e[0] for e in extra]
    xs = [r[1] for r in rows] + [e[1] for e in extra]
    ys = [r[2] for r in rows] + [e[2] for e in extra]
    book.set_attributes(ids, {"x": xs, "y": ys})
    return book


class ClusteringTest(unittest.TestCase):
    def setUp(self):
        self.book = make_book(extra=[("half", 9.8, None)])
        self.addCleanup(self.book.close)

    def model(self, **options):
        model = libtier.Needs(features=["attr.x", "attr.y"], **options)
        self.addCleanup(model.close)
        return model

    def test_k_means_finds_the_two_groups_largest_first(self):
        needs = self.model(k=2)
        self.assertEqual(needs.features(), ["attr.x", "attr.y"])
        self.assertEqual(needs.segments(), [])
        needs.fit(self.book)
        self.assertEqual(needs.segments(), ["need_1", "need_2"])
        cents = needs.centroids()
        # Centres are the raw means of each group; need_1 is the larger group.
        for got, want in zip(cents["need_1"], (mean(r[1] for r in SMALL),
                                               mean(r[2] for r in SMALL))):
            self.assertAlmostEqual(got, want, places=9)
        for got, want in zip(cents["need_2"], (mean(r[1] for r in BIG),
                                               mean(r[2] for r in BIG))):
            self.assertAlmostEqual(got, want, places=9)
        stats = needs.fit_stats()
        self.assertEqual((stats["k"], stats["fitted"], stats["excluded"]), (2, 10, 1))
        self.assertIs(stats["converged"], True)  # real types: bool, int, float, None
        self.assertIs(type(stats["k"]), int)
        self.assertIs(type(stats["inertia"]), float)
        self.assertIsNone(stats["silhouette"])  # k was given: the model does not know it
        self.assertTrue(math.isnan(needs.fit_stat("silhouette")))
        with needs.score(self.book) as frame:
            seg = frame.column("needs.segment")
            self.assertEqual(seg[:10], ["need_1"] * 6 + ["need_2"] * 4)
            # The customer without y is placed by x alone: 9.8 is near the big group.
            self.assertEqual(seg[10], "need_2")
            self.assertEqual(frame.labels_of("needs.second"), ["need_1", "need_2"])
            dist, margin = frame.column("needs.distance"), frame.column("needs.margin")
            self.assertTrue(all(m > 0 for m in margin))
            self.assertTrue(all(d >= 0 for d in dist))

    def test_silhouette_chooses_two(self):
        needs = self.model(k_max=4)
        needs.fit(self.book)
        self.assertEqual(needs.fit_stat("k"), 2)
        self.assertGreater(needs.fit_stat("silhouette"), 0.8)

    def test_renamed_segments_survive_a_refit(self):
        needs = self.model(k=2)
        needs.fit(self.book)
        needs.set_segment_name("need_2", "integrators")
        self.assertEqual(needs.segments(), ["need_1", "integrators"])
        with make_book(rows=BIG + SMALL) as shuffled:
            needs.fit(shuffled)  # now the big group comes first in the book
            self.assertEqual(needs.segments()[1], "integrators")
            with needs.score(shuffled) as frame:
                self.assertEqual(frame.column("needs.segment")[:4], ["integrators"] * 4)

    def test_previous_centroids_name_the_new_clusters(self):
        needs = self.model(k=2)
        needs.set_previous_centroids({"big": [10, 5], "small": [1, 1]})
        needs.fit(self.book)
        self.assertEqual(needs.segments(), ["big", "small"])
        with needs.score(self.book) as frame:
            self.assertEqual(frame.column("needs.segment")[0], "small")
        with self.assertRaises(libtier.TierError) as cm:
            needs.set_previous_centroids([[1, 2, 3]])
        self.assertEqual(cm.exception.name, "TIER_ERANGE")

    def test_saved_state_loads_and_scores_the_same(self):
        needs = self.model(k=2, seed=7, n_init=2)
        needs.fit(self.book)
        text = needs.save()
        self.assertTrue(text.startswith('tier-model-state 1\nkind "needs"\n'))
        self.assertIn("\nseed 7\n", text)
        other = libtier.Needs().load(text)
        self.addCleanup(other.close)
        self.assertTrue(other.fitted)
        self.assertEqual(other.save(), text)
        self.assertEqual(other.features(), ["attr.x", "attr.y"])
        self.assertTrue(math.isnan(other.fit_stat("inertia")))  # unknown after a load
        with needs.score(self.book) as a, other.score(self.book) as b:
            self.assertEqual(a.column("needs.segment"), b.column("needs.segment"))
            self.assertEqual(list(a.column("needs.distance")), list(b.column("needs.distance")))
        with self.assertRaises(libtier.TierError) as cm:
            libtier.Needs().load('tier-model-state 1\nkind "needs"\nname "needs"\nk x\nend\n')
        self.assertEqual(cm.exception.name, "TIER_ECORRUPT")

    def test_options_and_their_errors(self):
        needs = self.model(k=3, max_iter=50)
        self.assertEqual(needs.get_option("k"), 3)
        self.assertEqual(needs.get_options()["max_iter"], 50)
        self.assertEqual(needs.get_options()["seed"], 20240601)
        with self.assertRaises(libtier.TierError) as cm:
            needs.set_option("clusters", 2)
        self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")
        with self.assertRaises(libtier.TierError) as cm:
            needs.set_option("k", 1000)
        self.assertEqual(cm.exception.name, "TIER_ERANGE")
        with self.assertRaises(libtier.TierError):
            needs.add_feature("attr.x")  # already a feature
        needs.set_option("k", 50)
        with self.assertRaises(libtier.TierError) as cm:
            needs.fit(self.book)  # more clusters than customers
        self.assertEqual(cm.exception.name, "TIER_ERANGE")
        self.assertFalse(needs.fitted)


class ProfileTest(unittest.TestCase):
    def test_customers_go_to_the_nearest_profile_in_raw_units(self):
        profiles = {"light": [0, 0], "suite": [8, 8], "growth": [2, 6]}
        with make_book() as book, libtier.Needs(features=["attr.x", "attr.y"],
                                                standardize=0) as needs:
            for name, centre in profiles.items():
                needs.add_profile(name, centre)
            self.assertTrue(needs.fitted)  # no standardisation: nothing to fit
            self.assertEqual(needs.segments(), list(profiles))
            self.assertEqual(needs.centroid("growth"), [2.0, 6.0])
            with needs.score(book) as frame:
                seg, dist = frame.column("needs.segment"), frame.column("needs.distance")
                for i, (_, x, y) in enumerate(ROWS):
                    d = {n: math.hypot(x - c[0], y - c[1]) for n, c in profiles.items()}
                    best = min(d, key=d.get)
                    self.assertEqual(seg[i], best)
                    self.assertAlmostEqual(dist[i], d[best], places=9)
            with self.assertRaises(libtier.TierError) as cm:
                needs.add_profile("bad", [1, 2, 3])
            self.assertEqual(cm.exception.name, "TIER_ERANGE")
            needs.clear_profiles()
            self.assertFalse(needs.fitted)


class B2BNeedsTest(unittest.TestCase):
    def test_module_and_goal_attributes_segment_the_example_accounts(self):
        with _support.b2b_book() as book:
            features = ["attr." + n for n, t in book.attributes().items()
                        if t == "number" and n.startswith(("module_", "goal_"))]
            self.assertEqual(features, ["attr.module_crm", "attr.module_erp", "attr.module_bi",
                                        "attr.module_hr", "attr.goal_growth", "attr.goal_cost",
                                        "attr.goal_compliance"])
            with libtier.Needs(features=features) as needs, \
                    libtier.run(book, [libtier.RFM(), libtier.Pareto(), needs]) as result:
                k = needs.segment_count()
                self.assertGreaterEqual(k, 2)
                labels = result.column("needs.segment")
                self.assertEqual(set(labels), set(needs.segments()))
                self.assertEqual(len(labels), 2000)


if __name__ == "__main__":
    unittest.main()
