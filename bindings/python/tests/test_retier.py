# SPDX-License-Identifier: MIT
"""Pipeline.retier(): one customer re-tiered after a new invoice, against the run's frozen
figures (docs/retier.md)."""

import os
import tempfile
import unittest

import _support

import libtier
from libtier import Pipeline, TierError


class RetierTest(unittest.TestCase):
    def run_b2b(self, tmp, policy="b2b-sabc"):
        return Pipeline(input=_support.data("b2b_invoices.csv"),
                        accounts=_support.data("b2b_accounts.csv"), policy=policy,
                        out=os.path.join(tmp, "tiers.csv")).run()

    def test_an_invoice_moves_a_customer_into_the_key_accounts(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = self.run_b2b(tmp)
            rt = p.retier()
            n = p.customer_count()
            small = next(i for i in range(n) if rt.tier(i) == "C")
            before = (rt.tier(small), rt.reason(small), rt.entitlement(small, "sla_hours"))
            self.assertEqual(before[2], 48.0)
            # An unchanged customer re-tiered keeps the run's tier and reason.
            self.assertEqual(rt.customer(small), "C")
            self.assertEqual((rt.tier(small), rt.reason(small)), before[:2])
            # A large invoice dated in the window: the top revenue band, and the S cap keeps it.
            rt.add_invoice(small, "2025-06-30", 3000000.0)
            self.assertEqual(rt.customer(small), "S")
            self.assertEqual(rt.tier(small), "S")
            self.assertEqual(rt.reason(small), "top revenue over the trailing 12 months")
            self.assertEqual(rt.entitlement(small, "sla_hours"), 4.0)
            self.assertEqual(rt.entitlement(small, "coverage"), "dedicated account manager")
            self.assertIsNone(rt.entitlement(small, "nope"))
            self.assertEqual(rt.flags(small), [])
            self.assertEqual(rt.route(small), "")
            self.assertIsInstance(rt.number(small, "rfm.r_score"), float)
            with self.assertRaises(KeyError):
                rt.number(small, "rfm.nope")
            # By id as well as by index.
            self.assertEqual(rt.tier("ACC00027"), rt.tier(0))  # the first invoice's

    def test_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = self.run_b2b(tmp)
            rt = p.retier()
            with self.assertRaises(KeyError):
                rt.customer("NO-SUCH-ACCOUNT")
            rt.add_invoice("NEW-ACCOUNT", "2025-06-30", 10.0)
            with self.assertRaises(TierError) as e:
                rt.customer("NEW-ACCOUNT")
            self.assertEqual(e.exception.name, "TIER_ENOTFOUND")
            self.assertIn("next batch run", e.exception.message)
            with self.assertRaises(TierError) as e:
                rt.customer(10 ** 7)
            self.assertEqual(e.exception.name, "TIER_ERANGE")
            # A new run makes the old retier unusable; the pipeline gives a new one.
            p.run()
            with self.assertRaises(TierError) as e:
                rt.tier(0)
            self.assertEqual(e.exception.name, "TIER_ESTATE")
            self.assertIn(p.retier().tier(0), ["S", "A", "B", "C"])

    def test_a_policy_that_routes_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = self.run_b2b(tmp, policy="b2b-full")
            with self.assertRaises(TierError) as e:
                p.retier()
            self.assertEqual(e.exception.name, "TIER_EINVAL")
            self.assertIn("next batch run", e.exception.message)


if __name__ == "__main__":
    unittest.main()
