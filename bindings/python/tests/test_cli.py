# SPDX-License-Identifier: MIT
"""`python3 -m libtier run`: flag handling, and byte-identical output against the C `tier run`
when TIER_CLI names the built C tool."""

import io
import os
import subprocess
import sys
import tempfile
import unittest

import _support

import libtier
from libtier import _ffi, cli

TIER_CLI = os.environ.get("TIER_CLI")
PKG_DIR = os.path.abspath(os.path.join(_support.HERE, ".."))

MASTER = ["--input", _support.data("CDNOW_master.txt")]
B2B = ["--input", _support.data("b2b_invoices.csv")]
ACCOUNTS = ["--accounts", _support.data("b2b_accounts.csv")]
B2B_HEADER = ("customer_id,tier,r,f,m,tenure,r_score,f_score,m_score,segment,value_class,"
              "pareto_class,stage,onboarding,value_score,grade,need_segment,reason")
UNKNOWN_MODEL = ('tier: --models: unknown model "%s" (rfm, pareto, clv, lifecycle, scorecard, '
                 'needs)\n')
NO_NEEDS = ("tier: needs: the book has no numeric module_* or goal_* attributes "
            "(give --accounts)\n")
SAMPLE = ["--input", _support.data("CDNOW_sample.txt"), "--no-header",
          "--columns", "customer_id,sample,date,cds,amount"]


def run_main(*argv):
    out, err = io.BytesIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


class FlagTest(unittest.TestCase):
    def test_delimiter_sniffing_follows_the_first_line(self):
        self.assertEqual(cli.sniff_delimiter(b"a\tb,c"), ord("\t"))
        self.assertEqual(cli.sniff_delimiter(b"a;b,c"), ord(","))
        self.assertEqual(cli.sniff_delimiter(b"a;b|c"), ord(";"))
        self.assertEqual(cli.sniff_delimiter(b"a|b c"), ord("|"))
        self.assertEqual(cli.sniff_delimiter(b" a  b"), _ffi.CSV_WHITESPACE)

    def test_first_line_skips_bom_and_stops_at_line_end(self):
        with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as fh:
            fh.write(b"\xef\xbb\xbfid;day;total\r\nx;1997-01-01;1\r\n")
        self.addCleanup(os.unlink, fh.name)
        self.assertEqual(cli.first_line(fh.name), b"id;day;total")
        self.assertEqual(cli.detect_delimiter(fh.name), ord(";"))

    def test_header_names_are_trimmed_of_blanks_and_quotes(self):
        self.assertEqual(cli.split_names(b" customer_id  date number_of_cds  dollar_value",
                                         _ffi.CSV_WHITESPACE),
                         ["customer_id", "date", "number_of_cds", "dollar_value"])
        self.assertEqual(cli.split_names(b' "id" , order_date,revenue,', ord(",")),
                         ["id", "order_date", "revenue"])

    def test_columns_fall_back_to_known_names_unless_given(self):
        names = ["account_id", "id", "invoice_date", "sales", "value"]
        self.assertEqual(cli.choose_column("id", None, names), "id")
        self.assertEqual(cli.choose_column("date", None, names), "invoice_date")
        self.assertEqual(cli.choose_column("amount", None, names), "value")
        self.assertEqual(cli.choose_column("amount", "sales", names), "sales")
        self.assertEqual(cli.choose_column("date", None, []), "date")

    def test_usage_errors_exit_2(self):
        for argv in ([], ["frobnicate"], ["run"], ["run", "--input"],
                     ["run", "--input", "x", "--bogus"], ["run", "--input", "x", "--no-header"],
                     ["run", "--input", "x", "--as-of", "1997-02-30"],
                     ["run", "--input", "x", "--format", "xml"],
                     ["run", "--input", "x", "--delimiter", "ab"],
                     ["run", "--input", "x", "--date-format", "us"],
                     ["run", "--input", _support.data("CDNOW_master.txt"), "--policy", "zz"]):
            code, out, err = run_main(*argv)
            self.assertEqual(code, 2, argv)
            self.assertEqual(out, b"")
            self.assertTrue(err.startswith(("tier: ", "usage: ")), err)

    def test_bad_input_exits_1_with_one_line(self):
        code, out, err = run_main("run", "--input", "/nonexistent/x.csv")
        self.assertEqual(code, 1)
        self.assertEqual(err.count("\n"), 1)
        self.assertTrue(err.startswith("tier: /nonexistent/x.csv: cannot open: "))
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
        import json
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
        code, out, err = run_main("run", "--input", fh.name, "--quiet")
        self.assertEqual(code, 0, err)
        lines = out.decode().splitlines()
        # a: purchase-days 1997-01-01 and 1997-03-01 (F = 2), M = 9, R = 1 (as of 03-02).
        self.assertTrue(lines[1].startswith("a,S,1,2,9.00,60,"), lines[1])


class ModelsFlagTest(unittest.TestCase):
    def test_model_lists_are_checked_before_anything_is_read(self):
        for names in ("rfm,bogus", ",rfm", "rfm,,pareto", "RFM", "ltv"):
            code, out, err = run_main("run", "--models", names)
            bad = names.split(",")[1] if names.startswith("rfm,") else names.split(",")[0]
            self.assertEqual((code, out, err), (2, b"", UNKNOWN_MODEL % bad), names)
        for names in ("rfm", "rfm,", "needs,lifecycle", "clv,lifecycle", ""):
            cli.check_models(names)  # no UsageError
        code, out, err = run_main("run", "--models", "rfm,pareto,rfm")
        self.assertEqual((code, out, err), (2, b"", 'tier: --models: "rfm" is listed twice\n'))

    def test_default_models_depend_on_accounts(self):
        args = cli.parse_run_args(B2B)
        self.assertEqual(args.models, "rfm,pareto")
        args = cli.parse_run_args(B2B + ACCOUNTS + ["--account-id", "account_id"])
        self.assertEqual(args.models, "rfm,pareto,lifecycle,scorecard,needs")
        self.assertEqual(args.account_id, "account_id")
        args = cli.parse_run_args(B2B + ACCOUNTS + ["--models", "pareto"])
        self.assertEqual(args.models, "pareto")

    def test_account_id_column_falls_back_to_usual_names(self):
        self.assertEqual(cli.choose_account_id(None, ["name", "customer", "id"]), "customer")
        self.assertEqual(cli.choose_account_id(None, ["id", "account_id"]), "account_id")
        self.assertEqual(cli.choose_account_id("name", ["account_id"]), "name")
        self.assertEqual(cli.choose_account_id(None, []), "account_id")

    def test_the_default_models_write_the_default_columns(self):
        with libtier.Book() as book:
            models, columns = cli.build_models("rfm,pareto", book, None)
            for m in models:
                m.close()
        self.assertEqual(columns, libtier.DEFAULT_COLUMNS)

    def test_accounts_add_lifecycle_scorecard_and_needs_columns(self):
        code, out, err = run_main("run", *B2B, *ACCOUNTS)
        self.assertEqual(code, 0, err)
        lines = out.decode().splitlines()
        self.assertEqual(lines[0], B2B_HEADER)
        self.assertEqual(len(lines), 2001)
        grades = {line.split(",")[15] for line in lines[1:]}
        self.assertEqual(grades, set("ABCDE"))
        self.assertTrue(err.startswith("tier: 2000 customers, 54384 transactions, as of "
                                       "2025-07-01\n"))

    def test_chosen_models_keep_their_order(self):
        code, out, err = run_main("run", *B2B, *ACCOUNTS, "--models",
                                  "needs,pareto,rfm,lifecycle", "--quiet")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out.decode().splitlines()[0],
                         "customer_id,tier,need_segment,pareto_class,r,f,m,tenure,r_score,"
                         "f_score,m_score,segment,value_class,stage,onboarding,reason")

    def test_model_failures_exit_1_with_one_line(self):
        code, out, err = run_main("run", *B2B, "--models", "rfm,pareto,needs")
        self.assertEqual((code, out, err), (1, b"", NO_NEEDS))
        code, out, err = run_main("run", *B2B, *ACCOUNTS, "--account-id", "nope")
        self.assertEqual(code, 1)
        # The attribute reader words it as the transaction reader does: with the columns.
        self.assertTrue(err.startswith('tier: %s: line 1: no column named "nope" for the customer '
                                       'id (columns: "account_id", "name", '
                                       % _support.data("b2b_accounts.csv")), err)
        self.assertTrue(err.endswith('")\n'), err)
        self.assertEqual(err.count("\n"), 1)
        code, out, err = run_main("run", *B2B, "--accounts", "/nonexistent/a.csv")
        self.assertEqual(code, 1)
        self.assertTrue(err.startswith("tier: /nonexistent/a.csv: cannot open: "), err)


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
    """The Python CLI writes exactly the bytes the C CLI writes."""

    def run_both(self, args, to_file):
        with tempfile.TemporaryDirectory() as tmp:
            results = []
            for who, cmd, env in (("c", [TIER_CLI], _env_without_preload()),
                                  ("py", [sys.executable, "-m", "libtier"], _python_env())):
                full = cmd + ["run"] + args
                out_path = os.path.join(tmp, who + ".out")
                if to_file:
                    full += ["--out", out_path]
                proc = subprocess.run(full, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, timeout=300)
                data = proc.stdout
                if to_file and proc.returncode == 0:
                    with open(out_path, "rb") as fh:
                        data = fh.read()
                results.append((proc.returncode, data, proc.stderr))
            return results

    def assert_twins(self, args, to_file=True, want_code=0):
        (c_code, c_out, c_err), (p_code, p_out, p_err) = self.run_both(args, to_file)
        self.assertEqual(c_code, want_code, c_err)
        self.assertEqual(p_code, c_code, p_err)
        self.assertEqual(p_out, c_out)
        self.assertEqual(p_err.decode(), c_err.decode())
        if want_code == 0:
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
        self.assert_twins(B2B + ["--models", "rfm,pareto,lifecycle"])
        self.assert_twins(B2B + ["--models", "rfm,pareto,lifecycle", "--format", "json"],
                          to_file=False)
        self.assert_twins(B2B + ACCOUNTS + ["--models", "needs,rfm,scorecard,pareto",
                                            "--as-of", "2025-01-01"])

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


if __name__ == "__main__":
    unittest.main()
