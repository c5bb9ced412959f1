# SPDX-License-Identifier: MIT
"""libtier.plot on real runs: the B2B example (examples/data) and the CDNOW sample. Each plot is
checked for the number of bars, cells or lines, their labels and their values against figures
computed here from the run's own DataFrame. Skipped without matplotlib and pandas (the pyenv
interpreter); importing libtier must never import matplotlib."""

import os
import subprocess
import sys
import unittest

import _support

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    HAVE_MPL = _support.HAVE_PANDAS
except ImportError:
    HAVE_MPL = False

import libtier

if HAVE_MPL:
    import numpy as np
    import pandas as pd
    from libtier import plot


class ImportTest(unittest.TestCase):
    def test_import_libtier_does_not_import_matplotlib(self):
        code = "import sys, libtier, libtier.plot; print('matplotlib' in sys.modules)"
        env = dict(os.environ, PYTHONPATH=os.path.join(_support.ROOT, "bindings", "python"))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, check=True)
        self.assertEqual(out.stdout.strip(), "False")


_B2B = {}


def b2b():
    """One full run of the B2B example (every model, b2b-full) and one of pareto-sabc, shared."""
    if not _B2B:
        book = libtier.Book()
        book.read_csv(_support.data("b2b_invoices.csv"), margin="margin")
        book.read_attributes_csv(_support.data("b2b_accounts.csv"), id="account_id")
        feats = ["attr." + a for a in book.attributes() if a.startswith(("module_", "goal_"))]
        clv = libtier.CLV()
        models = [libtier.RFM(), libtier.Pareto(), clv, libtier.Lifecycle(),
                  libtier.Scorecard.b2b(), libtier.Needs(features=feats)]
        _B2B["book"] = book
        _B2B["clv"] = clv
        _B2B["full"] = libtier.run(book, models, policy="b2b-full")
        _B2B["sabc"] = libtier.run(book, [libtier.RFM(), libtier.Pareto()], policy="pareto-sabc")
    return _B2B


def canon(result):
    """The run as a DataFrame with the library's own column names (dotted), ids and tier strings,
    built from the frame, whatever Result.to_dataframe() makes of them."""
    data = {"customer_id": result.book.customer_ids(), "tier": list(result.tiers),
            "reason": list(result.reasons)}
    frame = result.frame
    for name in frame.columns():
        data[name] = frame.column(name)
    return pd.DataFrame(data)


@unittest.skipUnless(HAVE_MPL, "matplotlib and pandas are not installed")
class PlotTest(unittest.TestCase):
    def tearDown(self):
        plt.close("all")

    def frames(self, result):
        """The result, its dotted DataFrame with tier strings, the DataFrame with underscored
        names, an ordered Categorical tier and the id as the index (what a pandas-native result
        gives), and Result.to_dataframe() as it is."""
        df = canon(result)
        under = df.rename(columns=lambda c: c.replace(".", "_"))
        under["tier"] = pd.Categorical(under["tier"].astype(str),
                                       categories=result.tier_names(), ordered=True)
        under = under.set_index("customer_id")
        return result, df, under, result.to_dataframe()

    def orders(self, result):
        """The frames() with the order argument each needs for the policy's order: plain strings
        do not know it."""
        names = result.tier_names()
        return zip(self.frames(result), (None, names, None, names))

    def test_tier_pyramid(self):
        r = b2b()["full"]
        df = canon(r)
        names = r.tier_names()
        rev = df["pareto.value"].astype(float)
        want_c = [100.0 * (df["tier"] == t).sum() / len(df) for t in names]
        want_r = [100.0 * rev[df["tier"] == t].sum() / rev.sum() for t in names]
        for data, order in self.orders(r):
            ax = plot.tier_pyramid(data, order=order)
            self.assertEqual([t.get_text() for t in ax.get_yticklabels()], names)
            cust, money = ax.containers
            self.assertEqual((cust.get_label(), money.get_label()), ("customers", "revenue"))
            self.assertEqual(len(cust), len(names))
            # top tier on top: bar k is at y = n - 1 - k
            self.assertEqual([b.get_y() + b.get_height() / 2 for b in cust],
                             list(range(len(names) - 1, -1, -1)))
            np.testing.assert_allclose([-b.get_width() for b in cust], want_c)
            np.testing.assert_allclose([b.get_width() for b in money], want_r)
        # plain strings without an order: by mean revenue per customer (B before A here)
        mean = rev.groupby(df["tier"]).mean().sort_values(ascending=False)
        ax = plot.tier_pyramid(df)
        self.assertEqual([t.get_text() for t in ax.get_yticklabels()], list(mean.index))
        ax = plot.tier_pyramid(df, share=False, order=["C", "B", "A", "S"])
        self.assertEqual([t.get_text() for t in ax.get_yticklabels()], ["C", "B", "A", "S"])
        self.assertEqual(-ax.containers[0][0].get_width(), float((df["tier"] == "C").sum()))

    def test_pareto_curve(self):
        r = b2b()["sabc"]
        df = canon(r)
        for data in self.frames(r):
            ax = plot.pareto_curve(data)
            lines = ax.get_lines()
            labels = [ln.get_label() for ln in lines]
            self.assertEqual(labels[0], "cumulative revenue")
            self.assertIn("A/B at 80%", labels)
            self.assertIn("B/C at 95%", labels)
            x, y = lines[0].get_data()
            self.assertEqual(len(x), len(df) + 1)
            self.assertAlmostEqual(y[-1], 100.0)
            # where the curve reaches 80%, the pareto model's last class-A customer is
            n_a = int((df["pareto.class"] == "A").sum())
            self.assertGreaterEqual(y[n_a], 80.0 - 1e-9)
            self.assertLess(y[n_a - 1], 80.0)
        ax = plot.pareto_curve(df, thresholds=[0.5])
        self.assertEqual(sum(1 for ln in ax.get_lines() if "at 50%" in ln.get_label()), 1)

    def test_rf_heatmap(self):
        r = b2b()["full"]
        df = canon(r)
        scored = df.dropna(subset=["rfm.r_score", "rfm.f_score"])
        want = pd.crosstab(scored["rfm.r_score"].astype(int), scored["rfm.f_score"].astype(int))
        want = want.reindex(index=[5, 4, 3, 2, 1], columns=[1, 2, 3, 4, 5], fill_value=0)
        for data in self.frames(r):
            ax = plot.rf_heatmap(data)
            cells = np.asarray(ax.images[0].get_array())
            self.assertEqual(cells.shape, (5, 5))
            np.testing.assert_array_equal(cells, want.to_numpy())
            self.assertEqual([t.get_text() for t in ax.get_yticklabels()], list("54321"))
            self.assertEqual(len(ax.texts), 25)
        ax = plot.rf_heatmap(df, value="monetary")
        mean = df.groupby(["rfm.r_score", "rfm.f_score"])["rfm.m"].mean()
        cells = np.asarray(ax.images[0].get_array())
        self.assertAlmostEqual(cells[0, 4], mean[(5.0, 5.0)], places=6)
        self.assertAlmostEqual(cells[4, 0], mean[(1.0, 1.0)], places=6)
        with self.assertRaises(ValueError):
            plot.rf_heatmap(df, value="median")

    def test_p_alive_hist(self):
        r = b2b()["full"]
        p = canon(r)["clv.p_alive"].dropna()
        for data in self.frames(r):
            ax = plot.p_alive_hist(data, bins=10)
            self.assertEqual(len(ax.patches), 10)
            heights = [b.get_height() for b in ax.patches]
            self.assertEqual(sum(heights), len(p))
            self.assertEqual(heights, list(np.histogram(p, bins=10, range=(0, 1))[0]))

    def test_p_alive_matrix_b2b(self):
        clv = b2b()["clv"]
        grid = plot.p_alive_grid(clv, T=52, max_x=6, steps=4)
        self.assertEqual(grid.shape, (7, 5))
        self.assertEqual(list(grid.index), list(range(7)))
        self.assertEqual(grid.loc[0, 0.0], 1.0)  # BG/NBD: no repeat purchase, alive
        # P(alive) rises with recency at fixed frequency and is below 1 once there are repeats
        row = grid.loc[3].dropna().to_numpy()
        self.assertTrue(np.all(np.diff(row) > 0))
        self.assertTrue(np.all(row < 1))
        ax = plot.p_alive_matrix(clv, T=52, max_x=6, steps=4)
        cells = np.asarray(ax.images[0].get_array())
        np.testing.assert_allclose(cells, grid.iloc[::-1].to_numpy())
        self.assertEqual([t.get_text() for t in ax.get_yticklabels()],
                         [str(x) for x in range(6, -1, -1)])

    def test_p_alive_matrix_cdnow_against_formula(self):
        """The grid's P(alive) is the BG/NBD closed form at the fitted parameters (docs/clv.md)."""
        book = libtier.Book()
        book.read_csv(_support.data("CDNOW_sample.txt"), delimiter="ws", header=False,
                      column_names="customer_id,sample,date,cds,amount")
        clv = libtier.CLV(calibration_end="1997-09-30")
        clv.fit(book)
        p = clv.params()
        grid = plot.p_alive_grid(clv, T=39, max_x=5, max_t_x=35, steps=5)
        for x in grid.index[1:]:
            for tx in grid.columns[1:]:
                want = 1.0 / (1.0 + p["a"] / (p["b"] + x - 1)
                              * ((p["alpha"] + 39) / (p["alpha"] + tx)) ** (p["r"] + x))
                self.assertAlmostEqual(grid.loc[x, tx], want, places=9)

    def test_migration_matrix(self):
        d = b2b()
        before, after = d["sabc"], d["full"]
        want = pd.crosstab(canon(before)["tier"], canon(after)["tier"])
        for (data_b, order_b), (data_a, order) in zip(self.orders(before), self.orders(after)):
            if order_b is not None and str(data_b["tier"].dtype) != "category":
                data_b = data_b.assign(tier=pd.Categorical(data_b["tier"], categories=order_b,
                                                           ordered=True))
            if order is not None and str(data_a["tier"].dtype) != "category":
                data_a = data_a.assign(tier=pd.Categorical(data_a["tier"], categories=order,
                                                           ordered=True))
            ax = plot.migration_matrix(data_b, data_a)
            self.assertEqual([t.get_text() for t in ax.get_yticklabels()], before.tier_names())
            self.assertEqual([t.get_text() for t in ax.get_xticklabels()], after.tier_names())
            cells = np.asarray(ax.images[0].get_array())
            np.testing.assert_array_equal(
                cells, want.reindex(index=before.tier_names(), columns=after.tier_names(),
                                    fill_value=0).to_numpy())
        # a customer in one run only: the (new) row and the (gone) column
        b = canon(before)[["customer_id", "tier"]].iloc[1:]
        a = canon(after)[["customer_id", "tier"]].iloc[:-1]
        ax = plot.migration_matrix(b, a)
        self.assertEqual(ax.get_yticklabels()[-1].get_text(), "(new)")
        self.assertEqual(ax.get_xticklabels()[-1].get_text(), "(gone)")
        cells = np.asarray(ax.images[0].get_array())
        self.assertEqual((cells[-1].sum(), cells[:, -1].sum(), cells.sum()),
                         (1, 1, len(b) + 1))
        # a ready matrix
        ax = plot.migration_matrix(want)
        self.assertEqual(np.asarray(ax.images[0].get_array()).sum(), len(before))

    def test_scorecard_contributions(self):
        r = b2b()["full"]
        card = [m for m in r.models if m.kind == "scorecard"][0]
        df = canon(r)
        cid = df["customer_id"][0]
        ax = plot.scorecard_contributions(r, cid)
        names = [t.get_text() for t in ax.get_yticklabels()]
        self.assertEqual(names[0], "contract_arr (explicit)")
        self.assertEqual(len(names), card.factor_count())
        points = [b.get_width() for b in ax.patches]
        self.assertAlmostEqual(sum(points), df["scorecard.score"][0], places=6)
        self.assertIn(cid, ax.get_title())
        text = card.explain(r.book, r.frame, cid)
        items = plot.contributions(text)
        self.assertEqual([p for _, _, p in items], points)
        groups = {g for _, g, _ in items}
        self.assertLessEqual(groups, {"explicit", "potential", "growth", "penalty"})
        self.assertEqual(
            plot.contributions("penalty arrears: attr.arrears_days = 120 > 90 -> -15 points"),
            [("arrears", "penalty", -15.0)])
        with self.assertRaises(ValueError):
            plot.scorecard_contributions(b2b()["sabc"], cid)

    def test_missing_column_names_it(self):
        with self.assertRaisesRegex(KeyError, "rfm.r_score"):
            plot.rf_heatmap(pd.DataFrame({"tier": ["A"], "x": [1]}))

    def test_existing_axes(self):
        fig, ax = plt.subplots()
        self.assertIs(plot.pareto_curve(b2b()["sabc"], ax=ax), ax)


if __name__ == "__main__":
    unittest.main()
