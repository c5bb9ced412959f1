# SPDX-License-Identifier: MIT
"""`python3 -m libtier`: the ``tier`` command over the pipeline (libtier.Pipeline). Flag handling
and exit codes here; and, when TIER_CLI names the built C tool, byte-identical output, identical
messages and identical exit codes against it for every command."""

import io
import json
import os
import shlex
import subprocess
import sys
import tempfile
import unittest

import _support

import libtier
from libtier import Pipeline, TierError, cli
from libtier.pipeline import sniff, usage

TIER_CLI = os.environ.get("TIER_CLI")
PKG_DIR = os.path.abspath(os.path.join(_support.HERE, ".."))

MASTER = ["--input", _support.data("CDNOW_master.txt")]
B2B = ["--input", _support.data("b2b_invoices.csv")]
ACCOUNTS = ["--accounts", _support.data("b2b_accounts.csv")]
# With accounts the default policy is b2b-full: its models, flags and entitlements.
B2B_HEADER = ("customer_id,tier,r,f,m,tenure,r_score,f_score,m_score,segment,value_class,"
              "p_alive,expected_purchases,clv,stage,onboarding,value_score,grade,need_segment,"
              "flags,route,ent.sla_hours,ent.discount_max,ent.credit_days,ent.visits_per_year,"
              "ent.coverage,ent.events,reason")
UNKNOWN_MODEL = ('tier: --models: unknown model "%s" (rfm, pareto, clv, lifecycle, scorecard, '
                 'needs, subscription, sbg)\n')
NO_NEEDS = ("tier: needs: the book has no numeric module_* or goal_* attributes "
            "(give --accounts)\n")
SAMPLE = ["--input", _support.data("CDNOW_sample.txt"), "--no-header",
          "--columns", "customer_id,sample,date,cds,amount"]
CAL = ["--calibration-end", "1997-09-30"]


def run_main(*argv):
    out, err = io.BytesIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


class CommandTest(unittest.TestCase):
    def test_usage_errors_exit_2(self):
        for argv in ([], ["frobnicate"], ["run"], ["run", "--input"],
                     ["run", "--input", "x", "--bogus"], ["run", "--input", "x", "--no-header"],
                     ["run", "--input", "x", "--as-of", "1997-02-30"],
                     ["run", "--input", "x", "--format", "xml"],
                     ["run", "--input", "x", "--delimiter", "ab"],
                     ["run", "--input", "x", "--date-format", "us"],
                     ["run", "--input", _support.data("CDNOW_master.txt"), "--policy", "zz"],
                     ["fit"], ["fit", "rfm"], ["fit", "clv", "--input", "x"],
                     ["clv", "--input", "x"] + CAL,
                     ["clv", "--input", "x", "--horizon", "0"] + CAL,
                     ["fit", "clv", "--input", "x", "--model", "gamma"] + CAL,
                     ["fit", "clv", "--input", "x", "--out", "y"] + CAL):
            code, out, err = run_main(*argv)
            self.assertEqual(code, 2, argv)
            self.assertEqual(out, b"")
            self.assertTrue(err.startswith(("tier: ", "usage: ")), err)

    def test_usage_messages_name_the_flags(self):
        for argv, message in (
                (["run"], "--input FILE is required"),
                (["run", "--input", "x", "--no-header"],
                 "--no-header needs --columns a,b,c to name the columns"),
                (["run", "--input", "x", "--as-of", "x"],
                 '--as-of: "x" is not a date (YYYY-MM-DD)'),
                (["run", "--input", "x", "--format", "xml"],
                 '--format must be csv, json or text, not "xml"'),
                (["run", "--input", "x", "--bogus"], 'run: unknown option "--bogus" (see tier help)'),
                (["run", "--input"], "--input needs a value"),
                (["clv", "--input", "x", "--horizon", "5"], "clv needs --calibration-end DATE"),
                (["clv", "--input", "x"] + CAL, "clv needs --horizon N (in time units)"),
                (["fit", "clv", "--input", "x", "--time-unit", "month"] + CAL,
                 '--time-unit must be day or week, not "month"'),
                (["fit", "clv", "--input", "x", "--horizon", "5"] + CAL,
                 'fit clv: unknown option "--horizon" (see tier help)')):
            code, out, err = run_main(*argv)
            self.assertEqual((code, err), (2, "tier: %s\n" % message), argv)

    def test_every_command_prints_its_usage_on_help(self):
        for argv in (["--help"], ["help"], ["run", "--help"], ["run", "--input", "x", "-h"],
                     ["fit", "--help"], ["fit", "clv", "--help"], ["clv", "--help"],
                     ["version", "--help"], ["explain", "--help"], ["policies", "--help"],
                     ["lint", "--help"], ["override", "--help"], ["override", "add", "--help"],
                     ["override", "remove", "-h"], ["override", "list", "--help"]):
            code, out, err = run_main(*argv)
            self.assertEqual((code, err), (0, ""), argv)
            self.assertTrue(out.startswith(b"usage: tier"), argv)
        self.assertIn(b"--accounts FILE", run_main("run", "--help")[1])
        self.assertIn(b"--horizon N", run_main("clv", "--help")[1])
        self.assertIn(b"--state FILE [--ledger PREFIX]", run_main("run", "--help")[1])
        self.assertIn(b"--until YYYY-MM-DD", run_main("override", "add", "--help")[1])

    def test_diff_compares_two_policies_on_one_read(self):
        code, out, err = run_main("diff", *SAMPLE, "--against", "pareto-sabc", "--format", "csv")
        self.assertEqual(code, 0, err)
        rows = out.decode().splitlines()
        self.assertEqual(rows[0], "customer_id,from,to,move,revenue,reason_before,reason_after")
        moved = len(rows) - 1
        self.assertGreater(moved, 100)
        self.assertIn("b2b-sabc against pareto-sabc", err)
        self.assertIn("moved: %d customers" % moved, err)
        code, out, err = run_main("diff", "--help")
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(out.startswith(b"usage: tier diff"))
        code, out, err = run_main("diff", *SAMPLE)
        self.assertEqual(code, 2)
        self.assertEqual(err, "tier: diff needs --against NAME|FILE: the policy to compare with\n")

    def test_diff_of_two_snapshots(self):
        """`diff --state OLD --against-state NEW`: the movers are the second run's ledger."""
        policy = os.path.join(_support.HERE, "..", "..", "..", "tests", "data", "history",
                              "b2b-hysteresis.policy")
        with tempfile.TemporaryDirectory() as tmp:
            old, new, ledger = (os.path.join(tmp, n) for n in ("old", "new", "ledger"))
            for state, as_of, extra in ((old, "2024-07-01", []), (new, "2024-07-01", []),
                                        (new, "2024-10-01", ["--ledger", ledger])):
                code, out, err = run_main("run", *B2B, "--policy", policy, "--as-of", as_of,
                                          "--state", state, "--quiet", *extra)
                self.assertEqual(code, 0, err)
            code, out, err = run_main("diff", "--state", old, "--against-state", new,
                                      "--format", "csv")
            self.assertEqual(code, 0, err)
            rows = out.decode().splitlines()
            self.assertEqual(rows[0], "customer_id,from,to,move,revenue,reason_before,reason_after")
            with open(ledger + ".csv") as fh:
                moves = [",".join(line.split(",")[:3]) for line in fh.read().splitlines()[1:]]
            self.assertEqual([",".join(r.split(",")[:3]) for r in rows[1:]], moves)
            self.assertGreater(len(moves), 50)
            self.assertIn("moved: %d customers" % len(moves), err)
            self.assertIn("state %s (run 1, as of 2024-07-01) against %s (run 2, as of "
                          "2024-10-01)" % (old, new), err)
            # A damaged snapshot names the file; --against with --against-state is refused.
            with open(os.path.join(tmp, "cut"), "wb") as fh, open(new, "rb") as src:
                fh.write(src.read(100))
            code, out, err = run_main("diff", "--state", old, "--against-state",
                                      os.path.join(tmp, "cut"))
            self.assertEqual(code, 1)
            self.assertTrue(err.startswith("tier: state %s: " % os.path.join(tmp, "cut")), err)
            self.assertIn("truncated", err)
            code, out, err = run_main("diff", "--state", old, "--against-state", new,
                                      "--against", "b2b-sabc")
            self.assertEqual(code, 2)
            self.assertEqual(err, "tier: --against-state compares two snapshots, --against two "
                                  "policies on the same data: give one or the other\n")

    def test_bad_input_exits_1_with_one_line(self):
        code, out, err = run_main("run", "--input", "/nonexistent/x.csv")
        self.assertEqual(code, 1)
        self.assertEqual(err, "tier: /nonexistent/x.csv: cannot open: No such file or directory\n")
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fh:
            fh.write("customer_id,date,amount\na,1997-01-01,1\nb,1997-01-02,oops\n")
        self.addCleanup(os.unlink, fh.name)
        code, out, err = run_main("run", "--input", fh.name)
        self.assertEqual(code, 1)
        self.assertIn("line 3, column 3", err)
        self.assertEqual(err.count("\n"), 1)

    def test_run_prints_the_summary_on_stderr(self):
        code, out, err = run_main("run", *MASTER)
        self.assertEqual(code, 0)
        lines = err.splitlines()
        self.assertEqual(lines[0], "tier: 23570 customers, 69659 transactions, as of 1998-07-01")
        self.assertEqual(len(lines), 5)
        self.assertRegex(lines[1], r"^  S: \d+ customers \(\d+\.\d%\), revenue \d+\.\d\d "
                                   r"\(\d+\.\d%\)$")
        self.assertTrue(out.startswith(b"customer_id,tier,r,f,m,"))
        self.assertEqual(out.count(b"\n"), 23571)
        code, out, err = run_main("run", *MASTER, "--quiet")
        self.assertEqual((code, err), (0, ""))

    def test_as_of_ignores_later_rows(self):
        code, out, err = run_main("run", *SAMPLE, "--as-of", "1997-04-01", "--format", "json")
        self.assertEqual(code, 0)
        self.assertIn("as of 1997-04-01", err)
        rows = json.loads(out)
        with libtier.Book() as book:
            book.read_csv(_support.data("CDNOW_sample.txt"), delimiter="ws", header=False,
                          column_names=SAMPLE[-1], )
            seen = {}
            for cid, day, amount, _ in book.txns():
                if day < libtier.from_day(libtier.to_day("1997-04-01")):
                    seen[cid] = max(seen.get(cid, day), day)
        for row in rows:
            if row["customer_id"] in seen:
                last = libtier.to_day(seen[row["customer_id"]])
                self.assertEqual(row["r"], libtier.to_day("1997-04-01") - last)

    def test_out_of_order_rows_are_reloaded_keeping_transactions(self):
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fh:
            fh.write("customer_id,date,amount\na,1997-03-01,5\na,1997-01-01,3\n"
                     "b,1997-02-01,7\na,1997-03-01,1\n")
        self.addCleanup(os.unlink, fh.name)
        code, out, err = run_main("run", "--input", fh.name, "--quiet", "--policy", "pareto-sabc")
        self.assertEqual(code, 0, err)
        lines = out.decode().splitlines()
        # a: purchase-days 1997-01-01 and 1997-03-01 (F = 2), M = 9, R = 1 (as of 03-02).
        self.assertTrue(lines[1].startswith("a,S,1,2,9.00,60,"), lines[1])

    def test_clv_commands_write_the_fit_report_and_the_customers(self):
        code, out, err = run_main("fit", "clv", *SAMPLE, *CAL)
        self.assertEqual((code, err), (0, ""))
        report = json.loads(out)
        self.assertEqual((report["model"], report["time_unit"], report["customers"]),
                         ("bgnbd", "week", 2357))
        code, out, err = run_main("fit", "clv", *SAMPLE, *CAL, "--model", "pnbd",
                                  "--time-unit", "day")
        report = json.loads(out)
        self.assertEqual((report["model"], report["time_unit"]), ("pnbd", "day"))
        self.assertIn("beta", report["purchase_model"]["params"])
        code, out, err = run_main("clv", *SAMPLE, *CAL, "--horizon", "39")
        self.assertEqual(code, 0, err)
        self.assertTrue(out.startswith(b"customer_id,x,t_x,T,p_alive,expected_purchases,"
                                       b"expected_spend,clv\n"))
        self.assertEqual(err, "tier: 2357 customers (2357 with a purchase up to 1997-09-30), "
                              "6919 transactions\n")


class ModelsFlagTest(unittest.TestCase):
    def test_model_lists_are_checked_before_anything_is_read(self):
        for names in ("rfm,bogus", ",rfm", "rfm,,pareto", "RFM", "ltv"):
            code, out, err = run_main("run", "--models", names)
            bad = names.split(",")[1] if names.startswith("rfm,") else names.split(",")[0]
            self.assertEqual((code, out, err), (2, b"", UNKNOWN_MODEL % bad), names)
        for names in ("rfm", "rfm,", "needs,lifecycle", "clv,lifecycle", ""):
            Pipeline().set("models", names)  # no TierError
        code, out, err = run_main("run", "--models", "rfm,pareto,rfm")
        self.assertEqual((code, out, err), (2, b"", 'tier: --models: "rfm" is listed twice\n'))

    def test_default_models_depend_on_accounts(self):
        with Pipeline(input="x.csv") as p:
            self.assertEqual(p.get("models"), "rfm")  # those of b2b-sabc
            p.set("accounts", "a.csv")
            self.assertEqual(p.get("models"), "rfm,clv,lifecycle,scorecard,needs")  # b2b-full
            p.set("policy", "pareto-sabc")
            self.assertEqual(p.get("models"), "rfm,pareto")
            p.set("models", "pareto")
            self.assertEqual(p.get("models"), "pareto")

    def test_accounts_add_lifecycle_scorecard_and_needs_columns(self):
        code, out, err = run_main("run", *B2B, *ACCOUNTS)
        self.assertEqual(code, 0, err)
        lines = out.decode().splitlines()
        self.assertEqual(lines[0], B2B_HEADER)
        self.assertEqual(len(lines), 2001)
        grades = {line.split(",")[17] for line in lines[1:]}
        self.assertEqual(grades, set("ABCDE"))
        self.assertTrue(err.startswith("tier: 2000 customers, 54384 transactions, as of "
                                       "2025-07-01\n"))

    def test_chosen_models_keep_their_order(self):
        code, out, err = run_main("run", *B2B, *ACCOUNTS, "--models",
                                  "needs,pareto,rfm,lifecycle", "--quiet", "--policy",
                                  "pareto-sabc")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out.decode().splitlines()[0],
                         "customer_id,tier,need_segment,pareto_class,r,f,m,tenure,r_score,"
                         "f_score,m_score,segment,value_class,stage,onboarding,reason")

    def test_model_failures_exit_1_with_one_line(self):
        code, out, err = run_main("run", *B2B, "--models", "rfm,pareto,needs")
        self.assertEqual((code, out, err), (1, b"", NO_NEEDS))
        code, out, err = run_main("run", *B2B, *ACCOUNTS, "--account-id", "nope")
        self.assertEqual(code, 1)
        self.assertTrue(err.startswith('tier: %s: line 1: no column named "nope" for the customer '
                                       'id' % _support.data("b2b_accounts.csv")), err)
        self.assertEqual(err.count("\n"), 1)
        code, out, err = run_main("run", *B2B, "--accounts", "/nonexistent/a.csv")
        self.assertEqual(code, 1)
        self.assertTrue(err.startswith("tier: /nonexistent/a.csv: cannot open: "), err)


class PipelineTest(unittest.TestCase):
    """The Pipeline class the command is built on."""

    def test_a_pipeline_runs_into_a_callback_and_keeps_its_results(self):
        chunks, stages = [], []
        with Pipeline(input=_support.data("b2b_invoices.csv"), format="json",
                      policy="pareto-sabc") as p:
            p.set_output(chunks.append)
            p.set_progress(lambda stage, done, total: stages.append(stage))
            p.run()
            self.assertEqual(p.rows_read(), 54384)
            self.assertEqual(p.customer_count(), 1992)
            self.assertEqual(p.model_names(), ["rfm", "pareto"])
            self.assertTrue(p.summary().startswith("1992 customers, 54384 transactions"))
            self.assertEqual(p.warnings(), [])
        rows = json.loads(b"".join(chunks))
        self.assertEqual(len(rows), 1992)
        self.assertEqual(stages[0], "read")
        self.assertEqual(stages[-1], "write")

    def test_errors_carry_the_library_message_and_callbacks_may_stop_the_run(self):
        with Pipeline() as p:
            with self.assertRaises(TierError) as cm:
                p.set("as_of", "1997-02-30")
            self.assertEqual(cm.exception.message, 'as_of: "1997-02-30" is not a date (YYYY-MM-DD)')
            with self.assertRaises(TierError) as cm:
                p.set("nope", "1")
            self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")
            with self.assertRaises(TierError) as cm:
                p.run()
            self.assertEqual(cm.exception.message, "input is required")
            p.set("input", _support.data("CDNOW_master.txt"))
            out = []
            p.set_output(out.append)

            class Stop(Exception):
                pass

            def stop(stage, done, total):
                if stage == "models":
                    raise Stop()
            p.set_progress(stop)
            with self.assertRaises(Stop):
                p.run()
            self.assertEqual(out, [])
            p.set_progress(lambda *a: True)
            with self.assertRaises(TierError) as cm:
                p.run()
            self.assertEqual(cm.exception.name, "TIER_EUSER")
            p.set_progress(None)
            p.run()
            self.assertTrue(out)

    def test_threads_read_a_file_in_two_halves_with_the_same_output(self):
        outs = []
        for threads in (False, True):
            chunks = []
            with Pipeline(input=_support.data("CDNOW_master.txt"), split_min_bytes=0) as p:
                if threads:
                    p.use_threads()
                p.set_output(chunks.append)
                p.run()
            outs.append(b"".join(chunks))
        self.assertEqual(outs[0], outs[1])

    def test_models_and_options_by_name(self):
        chunks = []
        with Pipeline(input=_support.data("CDNOW_sample.txt"), header="no",
                      columns="customer_id,sample,date,cds,amount", produce="scores") as p:
            p.add_model("clv")
            p.set_model_option("clv", "calibration_end", "1997-09-30")
            p.set_model_option("clv", "horizon", 39)
            with self.assertRaises(TierError):
                p.set_model_option("clv", "horizon", 0)
            p.set_output(chunks.append)
            p.run()
        self.assertTrue(b"".join(chunks).startswith(b"customer_id,x,t_x,T,"))

    def test_set_command_applies_the_flags_of_the_tier_command(self):
        with Pipeline() as p:
            flags = p.set_command("clv", SAMPLE + CAL + ["--horizon", "39", "--model", "pnbd",
                                                         "-q", "--format", "json"])
            self.assertEqual(flags, frozenset({"quiet"}))
            self.assertEqual((p.get("produce"), p.get("format"), p.get("header"), p.get("models")),
                             ("scores", "json", "no", "clv"))
        with Pipeline() as p:
            # --help stops reading: what follows it is not looked at.
            self.assertEqual(p.set_command("run", ["--input", "x", "--help", "--bogus"]),
                             frozenset({"help"}))
        with Pipeline() as p:
            self.assertEqual(p.set_command("run", ["--input", "x"]), frozenset())
            self.assertEqual(p.get("produce"), "tiers")
        for command, argv, message in (
                ("fit clv", ["--input", "x"], "fit clv needs --calibration-end DATE"),
                ("fit clv", ["--input", "x", "--model", "xyz"] + CAL,
                 '--model must be bgnbd or pnbd, not "xyz"'),
                ("run", ["--input"], "--input needs a value")):
            with Pipeline() as p:
                with self.assertRaises(TierError) as cm:
                    p.set_command(command, argv)
                self.assertEqual((cm.exception.name, cm.exception.message),
                                 ("TIER_EINVAL", message))
        with Pipeline() as p:
            with self.assertRaises(TierError) as cm:
                p.set_command("frobnicate", [])
            self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")

    def test_usage_is_the_library_text(self):
        self.assertTrue(usage("run").startswith("usage: tier run --input FILE"))
        self.assertIn("--horizon N", usage("clv"))
        self.assertEqual(usage("version"), "usage: tier version\n")
        self.assertTrue(usage().startswith("usage: tier <command> [options]\n"))
        self.assertIs(cli.usage, usage)
        with self.assertRaises(TierError) as cm:
            usage("frobnicate")
        self.assertEqual(cm.exception.name, "TIER_ENOTFOUND")

    def test_sniff_gives_the_delimiter_and_the_usual_column(self):
        self.assertEqual(sniff(b"\xef\xbb\xbfid;day;total\r\nx;1;2\n", "amount"), (ord(";"), "total"))
        self.assertEqual(sniff(b"a\tb,c"), (ord("\t"), None))
        self.assertEqual(sniff(b" customer_id  date dollar_value", "amount"),
                         (libtier._ffi.CSV_WHITESPACE, "dollar_value"))
        self.assertEqual(sniff(b"name,customer,id", "account_id"), (ord(","), "customer"))
        self.assertEqual(sniff(b"a|b", "date"), (ord("|"), "date"))


def _env_without_preload():
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)  # a sanitizer preload must not reach helper programs
    return env


def _python_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = PKG_DIR + os.pathsep + env.get("PYTHONPATH", "")
    return env


@unittest.skipUnless(TIER_CLI and os.path.exists(TIER_CLI), "TIER_CLI is not set")
class TwinTest(unittest.TestCase):
    """python -m libtier writes exactly the bytes the C command writes, says exactly the same on
    stderr and exits with the same status."""

    def run_both(self, args, to_file, env_extra=None):
        with tempfile.TemporaryDirectory() as tmp:
            results = []
            for who, cmd, env in (("c", [TIER_CLI], _env_without_preload()),
                                  ("py", [sys.executable, "-m", "libtier"], _python_env())):
                env.update(env_extra or {})
                full = cmd + args
                out_path = os.path.join(tmp, who + ".out")
                if to_file:
                    full += ["--out", out_path]
                proc = subprocess.run(full, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, timeout=300)
                data = proc.stdout
                if to_file and proc.returncode == 0:
                    with open(out_path, "rb") as fh:
                        data = fh.read()
                results.append((proc.returncode, data, proc.stderr.replace(
                    out_path.encode(), b"OUT")))
            return results

    def assert_twins(self, args, to_file=True, want_code=0, command="run", env_extra=None):
        argv = command.split() + args
        (c_code, c_out, c_err), (p_code, p_out, p_err) = self.run_both(argv, to_file, env_extra)
        self.assertEqual(c_code, want_code, c_err)
        self.assertEqual(p_code, c_code, p_err)
        self.assertEqual(p_out, c_out)
        self.assertEqual(p_err.decode(), c_err.decode())
        if want_code == 0 and "--help" not in args:
            self.assertTrue(c_out)

    def test_master_csv_and_json_are_byte_identical(self):
        for fmt in ("csv", "json"):
            with self.subTest(format=fmt):
                self.assert_twins(MASTER + ["--format", fmt])

    def test_sample_csv_and_json_are_byte_identical(self):
        for fmt in ("csv", "json"):
            with self.subTest(format=fmt):
                self.assert_twins(SAMPLE + ["--format", fmt])

    def test_standard_output_is_byte_identical(self):
        self.assert_twins(SAMPLE + ["--format", "json"], to_file=False)
        self.assert_twins(MASTER + ["--as-of", "1998-01-01"], to_file=False)

    def test_two_halves_are_byte_identical(self):
        self.assert_twins(MASTER, to_file=False, env_extra={"TIER_SPLIT_MIN_BYTES": "0"})

    def test_fallback_columns_and_sniffed_delimiters_agree(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "x.csv")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write("\ufeffaccount_id;invoice_date;revenue\n")
                fh.write("k1;1997-01-03;10.5\nk2;1997-01-04;3\nk1;1997-02-01;-2\n"
                         "k3;1997-02-02;0\nk2;1997-01-01;1\n")
            self.assert_twins(["--input", path], to_file=False)
            self.assert_twins(["--input", path, "--format", "json"])

    def test_b2b_with_accounts_csv_and_json_are_byte_identical(self):
        for fmt in ("csv", "json"):
            with self.subTest(format=fmt):
                self.assert_twins(B2B + ACCOUNTS + ["--format", fmt])

    def test_b2b_chosen_models_are_byte_identical(self):
        p01 = ["--policy", "pareto-sabc"]  # the scheme over the Pareto classes of these models
        self.assert_twins(B2B + ["--models", "rfm,pareto,lifecycle"] + p01)
        self.assert_twins(B2B + ["--models", "rfm,pareto,lifecycle", "--format", "json"] + p01,
                          to_file=False)
        self.assert_twins(B2B + ACCOUNTS + ["--models", "needs,rfm,scorecard,pareto",
                                            "--as-of", "2025-01-01"] + p01)
        self.assert_twins(B2B + ACCOUNTS + ["--models", "rfm,pareto,clv,lifecycle,scorecard,needs"]
                          + p01)

    def test_clv_commands_are_byte_identical(self):
        self.assert_twins(SAMPLE + CAL, to_file=False, command="fit clv")
        self.assert_twins(SAMPLE + CAL + ["--model", "pnbd", "--time-unit", "day"],
                          to_file=False, command="fit clv")
        self.assert_twins(SAMPLE + CAL + ["--horizon", "39"], command="clv")
        self.assert_twins(SAMPLE + CAL + ["--horizon", "52", "--format", "json",
                                          "--profit-margin", "0.5", "--discount-rate", "0.02"],
                          to_file=False, command="clv")

    def test_help_is_identical(self):
        for command in ("run", "fit clv", "clv", "fit", "version", "help", "explain", "override",
                        "override add", "override remove", "override list"):
            with self.subTest(command=command):
                self.assert_twins(["--help"] if command != "help" else [], to_file=False,
                                  command=command)
        self.assert_twins([], to_file=False, want_code=2, command="frobnicate")
        self.assert_twins([], to_file=False, want_code=2, command="fit")
        self.assert_twins([], to_file=False, want_code=2, command="override")
        self.assert_twins([], to_file=False, want_code=2, command="override frob")

    def test_state_ledger_and_overrides_are_byte_identical(self):
        """The same sequence of runs, overrides and explanations on a state of its own for each
        command: every output, message, exit code, ledger file and state file is the same."""
        policy = os.path.join(_support.HERE, "..", "..", "..", "tests", "data", "history",
                              "b2b-hysteresis.policy")
        job = B2B + ACCOUNTS + ["--policy", policy, "--quiet"]
        steps = [
            (0, ["run"] + job + ["--as-of", "2024-07-01", "--state", "S0"]),
            (0, ["run"] + job + ["--as-of", "2024-07-01", "--state", "S", "--ledger", "L1",
                                 "--out", "O1"]),
            (0, ["override", "add", "--state", "S", "--customer", "ACC00001", "--tier", "S",
                 "--reason", "renewal, \"strategic\"", "--author", "qa", "--until",
                 "2024-10-01"]),
            (0, ["override", "list", "--state", "S"]),
            (0, ["run"] + job + ["--as-of", "2024-08-01", "--state", "S", "--ledger", "L2"]),
            (0, ["diff", "--state", "S0", "--against-state", "S"]),
            (0, ["diff", "--state", "S0", "--against-state", "S", "--format", "json"]),
            (0, ["diff", "--state", "S0", "--against-state", "S", "--format", "csv", "--quiet"]),
            (1, ["diff", "--state", "NOPE", "--against-state", "S"]),
            (0, ["diff", "--state", "S0", "--against-state", "S", "--policy", "b2b-sabc"]),
            (0, ["diff", "--state", "S0", "--against-state", "S", "--policy", "b2b-sabc",
                 "--format", "json"] + B2B + ACCOUNTS + ["--as-of", "2024-08-01"]),
            (2, ["diff", "--state", "S0", "--against-state", "S", "--against", "b2b-sabc"]),
            (0, ["explain"] + job + ["--as-of", "2024-09-01", "--state", "S", "--customer",
                                     "ACC00001"]),
            (0, ["explain"] + job + ["--as-of", "2024-09-01", "--state", "S", "--customer",
                                     "ACC00001", "--format", "json"]),
            (0, ["override", "remove", "--state", "S", "--customer", "ACC00001"]),
            (1, ["override", "remove", "--state", "S", "--customer", "ACC00001"]),
            (1, ["override", "list", "--state", "NOPE"]),
            (2, ["override", "add", "--state", "S", "--customer", "ACC00001"]),
            (2, ["override", "list"]),
            (2, ["override", "add", "--state", "S", "--customer", "X", "--tier", "S",
                 "--reason", "r", "--author", "a", "--until", "2024-02-30"]),
            (2, ["run"] + job + ["--ledger", "L3"]),
            (1, ["override", "add", "--state", "S", "--customer", "X", "--tier", "S",
                 "--reason", "r", "--author", "a", "--until", "2024-08-01"]),
        ]
        seen = {}
        for who, cmd, env in (("c", [TIER_CLI], _env_without_preload()),
                              ("py", [sys.executable, "-m", "libtier"], _python_env())):
            with tempfile.TemporaryDirectory() as tmp:
                log = []
                for want, args in steps:
                    proc = subprocess.run(cmd + args, env=env, cwd=tmp, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, timeout=300)
                    self.assertEqual(proc.returncode, want, (who, args, proc.stderr))
                    log.append((proc.returncode, proc.stdout, proc.stderr))
                files = {}
                for name in sorted(os.listdir(tmp)):
                    with open(os.path.join(tmp, name), "rb") as fh:
                        files[name] = fh.read()
                seen[who] = (log, files)
        self.assertEqual(sorted(seen["c"][1]), ["L1-matrix.csv", "L1.csv", "L1.json",
                                                "L2-matrix.csv", "L2.csv", "L2.json", "O1", "S",
                                                "S0"])
        for i, (c, p) in enumerate(zip(seen["c"][0], seen["py"][0])):
            self.assertEqual(p, c, steps[i][1])
        self.assertEqual(seen["py"][1], seen["c"][1])

    def test_b2b_failures_agree(self):
        self.assert_twins(B2B + ["--models", "rfm,bogus"], want_code=2)
        self.assert_twins(B2B + ["--models", ",rfm"], want_code=2)
        self.assert_twins(["--models", "rfm,bogus"], want_code=2)
        self.assert_twins(B2B + ["--models", "rfm,pareto,needs"], want_code=1)
        self.assert_twins(B2B + ["--models", "rfm,pareto,scorecard"], want_code=1)
        self.assert_twins(B2B + ["--models", ""], want_code=1)
        self.assert_twins(B2B + ["--accounts"], to_file=False, want_code=2)
        self.assert_twins(B2B + ["--accounts", "/nonexistent/a.csv"], want_code=1)
        self.assert_twins(B2B + ACCOUNTS + ["--account-id", "nope"], want_code=1)
        self.assert_twins(B2B + ACCOUNTS + ["--account-id", "name"], want_code=1)

    def test_failures_agree(self):
        self.assert_twins(["--input", "/nonexistent/x.csv"], want_code=1)
        self.assert_twins(SAMPLE[:2] + ["--no-header"], want_code=2)
        self.assert_twins(MASTER + ["--amount", "nope"], want_code=1)
        self.assert_twins(MASTER + ["--policy", "nope"], want_code=2)
        self.assert_twins(MASTER + ["--frobnicate"], want_code=2)
        self.assert_twins([], want_code=2)
        self.assert_twins(MASTER + ["--as-of", "1998-02-30"], want_code=2)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "keep.csv")
            with open(path, "w") as fh:
                fh.write("customer_id,date,amount\nA,2024-01-01,5\nB,2024-01-02,7\n")
            self.assert_twins(["--input", path] + ["--calibration-end", "2024-03-01"],
                              to_file=False, want_code=1, command="fit clv")
            self.assert_twins(["--input", path, "--calibration-end", "2024-03-01", "--horizon",
                               "5"], want_code=1, command="clv")

    @unittest.skipUnless(os.path.exists("/usr/bin/script") and subprocess.run(
        ["/usr/bin/script", "-qec", "true", "/dev/null"], stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0,
        "no working script(1) for a terminal")
    def test_progress_line_on_a_terminal_is_identical(self):
        with tempfile.TemporaryDirectory() as tmp:
            big = os.path.join(tmp, "big.txt")
            with open(_support.data("CDNOW_master.txt"), "rb") as fh:
                header = fh.readline()
                body = fh.read()
            with open(big, "wb") as fh:
                fh.write(header + body * 9)  # 16 MB: large enough for the progress line
            seen = []
            for cmd, env in (([TIER_CLI], _env_without_preload()),
                             ([sys.executable, "-m", "libtier"], _python_env())):
                env["TIER_SPLIT_MIN_BYTES"] = "0"
                line = " ".join(shlex.quote(a) for a in
                                cmd + ["run", "--input", big, "--out", os.path.join(tmp, "o")])
                # stdin /dev/null: script(1) would pass our stdin on to the terminal it makes.
                proc = subprocess.run(["/usr/bin/script", "-qec", line, "/dev/null"], env=env,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, timeout=300)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                seen.append(proc.stdout)
            self.assertIn(b"reading 100% (16 of 16 MB)", seen[0])
            self.assertEqual(seen[1], seen[0])

    def test_clv_usage_failures_agree(self):
        for args in (CAL, ["--horizon", "5"], CAL + ["--horizon", "0"],
                     CAL + ["--horizon", "5", "--profit-margin", "2"],
                     CAL + ["--model", "gamma"], CAL + ["--time-unit", "month"],
                     ["--calibration-end", "1997-02-30", "--horizon", "5"],
                     CAL + ["--horizon"]):
            with self.subTest(args=args):
                self.assert_twins(SAMPLE + args, to_file=False, want_code=2, command="clv")


if __name__ == "__main__":
    unittest.main()
