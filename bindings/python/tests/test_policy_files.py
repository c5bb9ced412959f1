# SPDX-License-Identifier: MIT
"""Policy files in Python: Policy.from_string/from_file/builtin, what a policy declares
(models, entitlements), lint findings; a Pipeline given a built-in name, a file or a Policy
object; a Result's flags, entitlements and explanation; and ``python -m libtier`` policies, lint
and explain with the C command's bytes, messages and exit codes."""

import os
import tempfile
import unittest

import _support

import libtier
from libtier import Pipeline, Policy, TierError

import test_cli
from test_cli import MASTER, TIER_CLI, run_main

POLICY = """libtier-policy 1
name "two"
description "big or small"
model rfm = rfm (bins = 4)
window spend = revenue over all
entitlement sla_hours number "hours"
entitlement vip bool
tier big {
    rule "spent 100 or more" when spend >= 100
    entitle sla_hours = 4
    entitle vip = true
}
tier small {
    rule "the rest" when true
    entitle vip = false
}
flag single "one purchase" when rfm.f == 1
"""


def small_book():
    book = libtier.Book()
    book.add_txn("a", "2024-01-05", 150.0)
    book.add_txn("b", "2024-02-01", 20.0)
    book.add_txn("b", "2024-03-01", 30.0)
    return book


class PolicyTest(unittest.TestCase):
    def test_builtins_are_listed_with_their_text(self):
        names = Policy.builtins()
        for name in ("b2b-sabc", "b2b-full", "pareto-sabc", "grade-a-e", "rfm-10", "rfm-8",
                     "key-important-general-maintain"):
            self.assertIn(name, names)
        with open(os.path.join(_support.ROOT, "policies", "rfm-10.policy"), encoding="utf-8") as fh:
            self.assertEqual(Policy.builtin_text("rfm-10"), fh.read())
        with self.assertRaises(KeyError):
            Policy.builtin_text("nope")
        with Policy.builtin("b2b-sabc") as p:
            self.assertEqual(p.name, "b2b-sabc")
            self.assertTrue(p.description.startswith("S = top customers"))
            self.assertEqual(p.tiers(), ["S", "A", "B", "C"])
            self.assertEqual([m["kind"] for m in p.models()], ["rfm"])
            self.assertEqual(p.entitlements["events"], "bool")
            self.assertEqual(p.entitlement("S", "sla_hours"), 4.0)
            self.assertEqual(p.entitlement("C", "coverage"), "inside sales and the support desk")
            self.assertIs(p.entitlement("A", "events"), True)
            with self.assertRaises(KeyError):
                p.entitlement("S", "nope")

    def test_from_string_and_file_load_or_name_line_and_column(self):
        p = Policy.from_string(POLICY)
        self.assertEqual(p.models(), [{"name": "rfm", "kind": "rfm", "options": {"bins": 4.0}}])
        self.assertEqual(p.entitlements, {"sla_hours": "number", "vip": "bool"})
        self.assertIsNone(p.entitlement("small", "sla_hours"))  # the tier does not set it
        self.assertIn('tier big {', p.describe())
        with self.assertRaises(TierError) as cm:
            Policy.from_string(POLICY.replace(">= 100", ">= lots"), origin="mine.policy")
        self.assertEqual(cm.exception.name, "TIER_EPARSE")
        self.assertTrue(cm.exception.message.startswith("mine.policy:9:"), cm.exception.message)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "two.policy")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(POLICY)
            self.assertEqual(Policy.from_file(path).tiers(), ["big", "small"])
            with self.assertRaises(TierError) as cm:
                Policy.from_file(os.path.join(tmp, "none.policy"))
            self.assertEqual(cm.exception.name, "TIER_EIO")

    def test_lint_returns_findings(self):
        findings = Policy.from_string(POLICY.replace("rfm.f == 1", "rfm.nope == 1"),
                                      origin="x.policy").lint()
        errors = [f for f in findings if f.severity == "error"]
        self.assertTrue(errors, findings)
        self.assertEqual(errors[0].origin, "x.policy")
        self.assertEqual(errors[0].line, 17)
        self.assertIn("nope", errors[0].message)
        self.assertEqual([f for f in Policy.builtin("rfm-10").lint() if f.severity == "error"],
                         [])


class RunTest(unittest.TestCase):
    def test_result_has_flags_entitlements_and_an_explanation(self):
        book = small_book()
        policy = Policy.from_string(POLICY)
        result = libtier.run(book, [libtier.RFM(bins=4)], policy, as_of="2024-04-01")
        self.assertEqual(result.tier("a"), "big")
        self.assertEqual(result.tier("b"), "small")
        self.assertEqual(result.flags("a"), ["single"])
        self.assertEqual(result.flags("b"), [])
        self.assertIsNone(result.route("a"))
        self.assertEqual(result.entitlements("a"), {"sla_hours": 4.0, "vip": True})
        self.assertEqual(result.entitlements("b"), {"sla_hours": None, "vip": False})
        self.assertIn("a", result.explain("a"))
        self.assertTrue(result.explain("a", format="json").startswith("{"))
        with self.assertRaises(ValueError):
            result.explain("a", format="xml")

    def test_pipeline_takes_a_name_a_file_or_a_policy_object(self):
        outputs = []
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "two.policy")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(POLICY)
            for policy in ("pareto-sabc", path, Policy.from_file(path)):
                chunks = []
                with Pipeline(input=_support.data("CDNOW_master.txt"), policy=policy) as p:
                    p.set_output(chunks.append)
                    p.run()
                    self.assertIn("00002", p.explain("00002"))
                outputs.append(b"".join(chunks))
            self.assertEqual(outputs[1], outputs[2])  # the file and the object tier alike
            self.assertTrue(outputs[0].startswith(b"customer_id,tier,r,f,m,"))
            self.assertIn(b",flags,ent.sla_hours,ent.vip,reason\n", outputs[1])
            with open(path, "a", encoding="utf-8") as fh:
                fh.write("tier oops {\n")
            with Pipeline() as p:
                with self.assertRaises(TierError) as cm:
                    p.set("policy", path)
                self.assertEqual(cm.exception.name, "TIER_EPARSE")
                self.assertIn("two.policy:", cm.exception.message)
                self.assertEqual(p.get("policy"), "b2b-sabc")  # unchanged


class CommandTest(unittest.TestCase):
    def test_policies_lint_and_explain_exit_codes(self):
        code, out, err = run_main("policies")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(out.decode().splitlines()), len(Policy.builtins()))
        code, out, err = run_main("policies", "rfm-8")
        self.assertEqual((code, out.decode()), (0, Policy.builtin_text("rfm-8")))
        self.assertEqual(run_main("policies", "nope")[0], 2)
        code, out, err = run_main("lint", "rfm-10")
        self.assertEqual((code, err), (0, "tier: rfm-10: 0 errors, 0 warnings\n"))
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.policy")
            with open(bad, "w", encoding="utf-8") as fh:
                fh.write(POLICY.replace("rfm.f == 1", "rfm.nope == 1"))
            code, out, err = run_main("lint", bad)
            self.assertEqual(code, 1, err)
            self.assertIn(":17:", out.decode())
        self.assertEqual(run_main("lint")[0], 2)
        self.assertEqual(run_main("explain", *MASTER)[0], 2)
        code, out, err = run_main("explain", *MASTER, "--customer", "nobody")
        self.assertEqual(code, 1)
        self.assertIn('customer "nobody" is not in', err)


@unittest.skipUnless(TIER_CLI and os.path.exists(TIER_CLI), "TIER_CLI is not set")
class PolicyTwinTest(unittest.TestCase):
    """The policy commands of python -m libtier write what the C command writes."""

    run_both = test_cli.TwinTest.run_both
    assert_twins = test_cli.TwinTest.assert_twins

    def test_policy_commands_are_byte_identical(self):
        self.assert_twins([], to_file=False, command="policies")
        self.assert_twins(["b2b-full"], to_file=False, command="policies")
        self.assert_twins(["b2b-full"], to_file=False, command="lint")
        self.assert_twins(["nope"], to_file=False, command="lint", want_code=2)
        self.assert_twins(MASTER + ["--customer", "00002"], to_file=False, command="explain")
        self.assert_twins(MASTER + ["--customer", "00002", "--format", "json"], to_file=False,
                          command="explain")
        for name in Policy.builtins():
            if name not in ("b2b-full", "grade-a-e", "b2b-subscriptions"):  # these need --accounts
                self.assert_twins(MASTER + ["--policy", name])


if __name__ == "__main__":
    unittest.main()
