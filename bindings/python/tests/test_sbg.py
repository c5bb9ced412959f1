# SPDX-License-Identifier: MIT
"""libtier.SBG: the shifted-beta-geometric retention model through ctypes (the published fits,
several cohorts, customers, per-customer figures, errors), and `python3 -m libtier fit sbg`
against the C `tier fit sbg`: the same bytes, messages and exit codes."""

import json
import math
import os
import subprocess
import sys
import unittest

import _support  # noqa: F401  (sets up the import path and the library)

import libtier
from libtier import SBG, TierError

HIGH = [1000, 869, 743, 653, 593, 551, 517, 491]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
TIER_CLI = os.environ.get("TIER_CLI")
PKG_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


class SBGTest(unittest.TestCase):
    def test_published_fits(self):
        for data, alpha, beta, ll in ((HIGH, 0.668, 3.806, -1611.2),
                                      (REGULAR, 0.704, 1.182, -1680.3)):
            with self.subTest(alpha=alpha), SBG(data) as m:
                self.assertEqual(round(m.alpha, 3), alpha)
                self.assertEqual(round(m.beta, 3), beta)
                self.assertAlmostEqual(m.log_likelihood, ll, delta=0.05)
                self.assertTrue(m.converged)
                se_a, se_b = m.standard_errors
                self.assertTrue(0 < se_a < 1 and 0 < se_b < 2)
                stats = m.fit_stats()  # real types
                self.assertEqual((stats["converged"], stats["customers"], stats["periods"]),
                                 (True, 1000, 7))
                self.assertEqual({k: type(v) for k, v in stats.items()},
                                 {"log_likelihood": float, "iterations": int, "converged": bool,
                                  "gradient": float, "customers": int, "churned": int,
                                  "periods": int, "evaluations": int})
        with SBG.from_params(1, 2) as m:  # no fit: no figure is known
            self.assertEqual(set(m.fit_stats().values()), {None})

    def test_figures(self):
        m = SBG(HIGH)
        a, b = m.alpha, m.beta
        self.assertEqual(m.survival(0), 1.0)
        self.assertAlmostEqual(1000 * m.survival(1), 850.68, places=2)
        self.assertAlmostEqual(m.retention(1), b / (a + b), places=15)
        self.assertAlmostEqual(m.renewal_probability(3), (b + 3) / (a + b + 3), places=15)
        self.assertTrue(math.isinf(m.residual_lifetime(3)))  # alpha < 1
        derl = m.derl(0, 0.1)
        self.assertAlmostEqual(derl, 5.4145, places=4)
        self.assertAlmostEqual(m.clv(0, 250, 0.1), 250 * derl, places=9)
        proj = m.projection(3)
        self.assertEqual([p[0] for p in proj], [0, 1, 2, 3])
        self.assertIsNone(proj[0][2])
        self.assertIn("alpha=0.668", repr(m))

    def test_cohorts_customers_and_params(self):
        m = SBG([HIGH, REGULAR[:5]])
        self.assertEqual(m.stat("customers"), 2000)
        ren, churned = [], []
        for data in (HIGH, REGULAR[:5]):
            for t in range(1, len(data)):
                ren += [t - 1] * (data[t - 1] - data[t])
                churned += [True] * (data[t - 1] - data[t])
            ren += [len(data) - 1] * data[-1]
            churned += [False] * data[-1]
        c = SBG.from_customers(ren, churned)
        self.assertAlmostEqual(c.alpha, m.alpha, places=5)
        self.assertAlmostEqual(c.beta, m.beta, places=5)
        p = SBG.from_params(2, 3)
        self.assertIsNone(p.standard_errors)
        self.assertAlmostEqual(p.residual_lifetime(1), 4.0)
        self.assertTrue(math.isnan(p.stat("log_likelihood")))

    def test_errors(self):
        with self.assertRaises(TierError) as cm:
            SBG([1000, 900, 950])
        self.assertIn("cannot increase", str(cm.exception))
        with self.assertRaises(TierError) as cm:
            SBG([1000, 1000, 1000])
        self.assertIn("no customer churned", str(cm.exception))
        m = SBG()
        for call in (lambda: m.alpha, lambda: m.survival(1), lambda: m.derl(0)):
            with self.assertRaises(TierError) as cm:
                call()
            self.assertEqual(str(cm.exception), "TIER_ESTATE: the sBG model is not fitted: fit "
                             "it on survivor counts or customers, or set alpha and beta "
                             "(SBG.from_params)")
        with self.assertRaises(ValueError):
            SBG(HIGH).stat("nope")
        with self.assertRaises(TierError) as cm:
            SBG(HIGH).derl(0, 0)
        self.assertEqual(str(cm.exception), "TIER_EINVAL: renewals must be a finite number >= 0 "
                         "and the discount rate above 0 and finite, not 0.0, 0.0")
        with self.assertRaises(TierError) as cm:
            SBG(HIGH).survival(0.5)
        self.assertEqual(cm.exception.status.name, "TIER_EINVAL")
        self.assertEqual(cm.exception.message,
                         "t must be a whole number from 0 to 100000, not 0.5")

    def test_model_kind(self):
        m = libtier.Model.new("sbg", survivors=["1000 869 743 653 593 551 517 491"])
        self.assertEqual(m.kind, "sbg")


@unittest.skipUnless(TIER_CLI and os.path.exists(TIER_CLI), "TIER_CLI is not set")
class FitSbgTwinTest(unittest.TestCase):
    """python -m libtier fit sbg writes what tier fit sbg writes."""

    def both(self, args):
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        penv = dict(os.environ)
        penv["PYTHONPATH"] = PKG_DIR + os.pathsep + penv.get("PYTHONPATH", "")
        c = subprocess.run([TIER_CLI, "fit", "sbg"] + args, env=env, capture_output=True,
                           timeout=120)
        p = subprocess.run([sys.executable, "-m", "libtier", "fit", "sbg"] + args, env=penv,
                           capture_output=True, timeout=120)
        self.assertEqual(p.returncode, c.returncode, p.stderr)
        self.assertEqual(p.stdout, c.stdout)
        self.assertEqual(p.stderr, c.stderr)
        return c

    def test_same_report(self):
        c = self.both(["--survivors", ",".join(map(str, HIGH)), "--periods", "10",
                       "--margin", "250"])
        self.assertEqual(c.returncode, 0)
        d = json.loads(c.stdout)
        self.assertEqual(round(d["alpha"], 3), 0.668)
        self.assertEqual(len(d["projection"]), 11)
        c = self.both(["--survivors", ",".join(map(str, HIGH)), "--survivors", "1000,631,468"])
        self.assertEqual(json.loads(c.stdout)["cohorts"], 2)

    def test_same_errors(self):
        for args, code in ((["--survivors", "1000,869,900"], 2), (["--survivors", "1000,x,3"], 2),
                           (["--survivors", "1000,800"], 2), ([], 2),
                           (["--survivors", "1000,1000,1000"], 1)):
            with self.subTest(args=args):
                self.assertEqual(self.both(args).returncode, code)


if __name__ == "__main__":
    unittest.main()
