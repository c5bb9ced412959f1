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

    def test_a_refused_invoice_is_rolled_back_and_the_customer_re_tiered_back(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = self.run_b2b(tmp)
            rt = p.retier()
            small = next(i for i in range(p.customer_count()) if rt.tier(i) == "C")
            before = (rt.tier(small), rt.reason(small), rt.flags(small),
                      rt.number(small, "rfm.r_score"))
            rt.savepoint()
            rt.add_invoice(small, "2025-06-30", 3000000.0)
            self.assertEqual(rt.customer(small), "S")
            rt.rollback()  # refused: not booked
            self.assertEqual(rt.customer(small), "C")
            self.assertEqual((rt.tier(small), rt.reason(small), rt.flags(small),
                              rt.number(small, "rfm.r_score")), before)
            with rt.trying():
                rt.add_invoice(small, "2025-06-30", 3000000.0)
            self.assertEqual(rt.customer(small), "S")  # released: booked

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

    def test_a_policy_that_routes_is_re_tiered_with_its_route(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = self.run_b2b(tmp, policy="b2b-full")
            rt = p.retier()
            routed = next(i for i in range(p.customer_count()) if rt.route(i))
            team = rt.route(routed)
            self.assertEqual(rt.customer(routed), "S")  # unchanged: the run's tier and team
            self.assertEqual(rt.route(routed), team)
            rt.add_invoice(routed, "2025-06-30", 1000.0)
            rt.customer(routed)
            self.assertEqual(rt.route(routed), team)  # a row the run placed keeps its place

if __name__ == "__main__":
    unittest.main()
