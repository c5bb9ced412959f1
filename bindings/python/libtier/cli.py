# SPDX-License-Identifier: MIT
"""``python3 -m libtier``: the ``tier`` command over the library's pipeline.

Like src/cli/, this module only turns argv into pipeline settings (each flag's name with '-'
read as '_': --as-of sets as_of), prints usage, the progress line, warnings and the summary, and
chooses the exit status: 0 success, 1 the run failed, 2 a usage error. Everything else (sniffing,
models, the policy, the output, every error message) is the pipeline's, so the output is
byte-identical to the C command's.
"""

import collections
import os
import sys

from ._ffi import TierError, version
from .pipeline import Pipeline

__all__ = ["main", "usage"]

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

# The usage texts of src/cli/main.c (bindings/python/tests/test_cli.py compares them).
_OVERVIEW = """usage: tier <command> [options]

commands:
  run       tier every customer of a transaction log (RFM + Pareto + a policy)
  fit clv   fit the CLV models (BG/NBD or Pareto/NBD, Gamma-Gamma); JSON on stdout
  clv       per-customer P(alive), expected purchases and spend, discounted CLV
  version   print the library version
  help      print this text

"""

_RUN = """tier run --input FILE [--id COL --date COL --amount COL --margin COL]
         [--delimiter C|ws|tab|auto] [--date-format iso|yyyymmdd|auto]
         [--no-header --columns a,b,c] [--as-of YYYY-MM-DD] [--policy NAME]
         [--out FILE] [--format csv|json] [--quiet]
         [--accounts FILE [--account-id COL]] [--models LIST]

  --models     comma-separated, in order: rfm, pareto, clv, lifecycle, scorecard, needs
               (default rfm,pareto; with --accounts all but clv); clv must come
               before lifecycle for lifecycle to use clv.p_alive
  --accounts   account attributes, one row per account (scorecard factors, module_* and
               goal_* needs features, implementation_progress, active_users_share)
"""

_FIT_CLV = """tier fit clv <reader flags> --calibration-end YYYY-MM-DD [--model bgnbd|pnbd]
         [--time-unit day|week]
"""

_CLV = """tier clv <reader flags> --calibration-end YYYY-MM-DD --horizon N [--model bgnbd|pnbd]
         [--time-unit day|week] [--discount-rate R] [--profit-margin F]
         [--out FILE] [--format csv|json]
"""

_CLV_NOTES = """
  --horizon    in time units (weeks by default); --discount-rate per month (default
               0.01); the customers' columns are customer_id,x,t_x,T,p_alive,
               expected_purchases,expected_spend,clv
"""

_READER_NOTES = """
  reader flags: --input FILE [--id COL --date COL --amount COL --margin COL]
                [--delimiter C|ws|tab|auto] [--date-format iso|yyyymmdd|auto]
                [--no-header --columns a,b,c] [--as-of YYYY-MM-DD] [--quiet]
"""


def _section(text):
    """A command's section after "usage: ", its continuation lines moved under it."""
    lines = text.splitlines(True)
    return "usage: " + "".join(
        ("       " + line) if k and line.startswith("         [") else line
        for k, line in enumerate(lines))


def usage(command=None):
    """The usage text of one command ("run", "fit clv", "clv", "version") or of all."""
    if command is None:
        return _OVERVIEW + _RUN + "\n" + _FIT_CLV + _CLV + _CLV_NOTES
    if command == "run":
        return _section(_RUN)
    if command == "fit clv":
        return _section(_FIT_CLV) + _READER_NOTES
    if command == "clv":
        return _section(_CLV) + _CLV_NOTES + _READER_NOTES
    return "usage: tier version\n"


# Flags: (kind, model option, {flag value: option value}, expected values).
_SETTING, _OPTION, _NO_HEADER, _QUIET = range(4)
_READER_FLAGS = dict(
    [(f, (_SETTING,)) for f in ("--input", "--id", "--date", "--amount", "--margin",
                                "--delimiter", "--date-format", "--columns", "--as-of")]
    + [("--no-header", (_NO_HEADER,)), ("--quiet", (_QUIET,)), ("-q", (_QUIET,))])
_RUN_FLAGS = {f: (_SETTING,) for f in ("--policy", "--out", "--format", "--accounts",
                                        "--account-id", "--models")}
_FIT_FLAGS = {
    "--calibration-end": (_OPTION, "calibration_end", None, None),
    "--model": (_OPTION, "purchase_model", {"bgnbd": "bgnbd", "pnbd": "pareto_nbd"},
                "bgnbd or pnbd"),
    "--time-unit": (_OPTION, "time_unit", {"day": "1", "week": "7"}, "day or week"),
}
_CLV_FLAGS = {
    "--horizon": (_OPTION, "horizon", None, None),
    "--out": (_SETTING,),
    "--format": (_SETTING,),
    "--discount-rate": (_OPTION, "discount_rate", None, None),
    "--profit-margin": (_OPTION, "margin", None, None),
}


# A command: its name (in messages and usage), the pipeline's `produce`, its flags, and the clv
# options it needs with what it says when one is missing.
_Command = collections.namedtuple("_Command", "name produce flags required")

_COMMANDS = {
    "run": _Command("run", "tiers", {**_READER_FLAGS, **_RUN_FLAGS}, ()),
    "fit clv": _Command("fit clv", "fit", {**_READER_FLAGS, **_FIT_FLAGS},
                        (("calibration_end", "fit clv needs --calibration-end DATE"),)),
    "clv": _Command("clv", "scores", {**_READER_FLAGS, **_FIT_FLAGS, **_CLV_FLAGS},
                    (("calibration_end", "clv needs --calibration-end DATE"),
                     ("horizon", "clv needs --horizon N (in time units)"))),
}


class _Usage(Exception):
    """A usage error, already worded."""


def _parse(command, p, argv):
    """Applies argv to the pipeline; returns (quiet, wants_help)."""
    quiet, given, i = False, set(), 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("--help", "-h"):
            return quiet, True
        flag = command.flags.get(arg)
        if flag is None:
            raise _Usage('%s: unknown option "%s" (see tier help)' % (command.name, arg))
        kind = flag[0]
        if kind == _QUIET:
            quiet = True
            i += 1
            continue
        try:
            if kind == _NO_HEADER:
                p.set("header", "no")
            elif i + 1 >= len(argv):
                raise _Usage("%s needs a value" % arg)
            elif kind == _OPTION:
                i += 1
                _, option, values, expect = flag
                value = argv[i]
                if values is not None:
                    if value not in values:
                        raise _Usage('%s must be %s, not "%s"' % (arg, expect, value))
                    value = values[value]
                p.set_model_option("clv", option, value)
                given.add(option)
            else:
                i += 1
                p.set(arg[2:].replace("-", "_"), argv[i])
        except TierError:
            raise _Usage(p.last_error) from None
        i += 1
    for option, missing in command.required:
        if option not in given:
            raise _Usage(missing)
    try:
        p.check()
    except TierError:
        raise _Usage(p.last_error) from None
    return quiet, False


class _ProgressLine:
    """The "reading NN% (X of Y MB)" line on a terminal, for inputs of 16 MiB or more."""

    MIN_BYTES = 16 << 20

    def __init__(self, stderr):
        self.stderr, self.shown = stderr, False

    def __call__(self, stage, done, total):
        if stage == "read" and total >= self.MIN_BYTES:
            self.stderr.write("\rtier: reading %3u%% (%d of %d MB)"
                              % (done * 100 // total, done >> 20, total >> 20))
            self.stderr.flush()
            self.shown = True
        elif stage != "read":
            self.done()
        return False

    def done(self):
        if self.shown:
            self.stderr.write("\r\033[K")
            self.stderr.flush()
        self.shown = False


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _print(stdout, text):
    """Usage or version text on standard output (a binary stream)."""
    stdout.write(text.encode("utf-8"))
    stdout.flush()
    return EXIT_OK


def _run_command(command, argv, stdout, stderr):
    with Pipeline() as p:
        try:
            p.set("key_style", "flag").set("produce", command.produce)
            if command.produce != "tiers":
                p.add_model("clv", "clv")
            p.set_output(stdout.write)
        except TierError:
            stderr.write("tier: %s\n" % p.last_error)
            return EXIT_FAIL
        try:
            quiet, wants_help = _parse(command, p, argv)
            if wants_help:
                return _print(stdout, usage(command.name))
            # The host's part, as src/cli/host.c: threads, the test knob, the progress line.
            if (os.cpu_count() or 1) >= 2:
                p.use_threads()
            if "TIER_SPLIT_MIN_BYTES" in os.environ:
                p.set("split_min_bytes", os.environ["TIER_SPLIT_MIN_BYTES"])
        except _Usage as exc:
            stderr.write("tier: %s\n" % exc)
            return EXIT_USAGE
        except TierError:
            stderr.write("tier: %s\n" % p.last_error)
            return EXIT_USAGE
        progress = _ProgressLine(stderr)
        if not quiet and _isatty(stderr):
            p.set_progress(progress)
        failed = None
        try:
            p.run()
        except TierError:
            failed = p.last_error
        progress.done()
        for warning in p.warnings():
            stderr.write("tier: warning: %s\n" % warning)
        if failed is not None:
            stderr.write("tier: %s\n" % failed)
            return EXIT_FAIL
        try:
            stdout.flush()
        except OSError:
            stderr.write("tier: cannot write the output\n")
            return EXIT_FAIL
        if not quiet:
            text = p.summary()
            if text:
                stderr.write("tier: " + text)
        return EXIT_OK


def main(argv=None, stdout=None, stderr=None):
    """Runs the command with `argv` (default sys.argv[1:]); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout = stdout if stdout is not None else sys.stdout.buffer
    stderr = stderr if stderr is not None else sys.stderr
    if not argv:
        stderr.write(usage())
        return EXIT_USAGE
    cmd = argv[0]
    if cmd == "run":
        return _run_command(_COMMANDS["run"], argv[1:], stdout, stderr)
    if cmd == "fit":
        if len(argv) >= 2 and argv[1] == "clv":
            return _run_command(_COMMANDS["fit clv"], argv[2:], stdout, stderr)
        if len(argv) >= 2 and argv[1] in ("--help", "-h"):
            return _print(stdout, usage("fit clv"))
        stderr.write('tier: fit: unknown or missing model "%s" (fit clv)\n'
                     % (argv[1] if len(argv) >= 2 else ""))
        return EXIT_USAGE
    if cmd == "clv":
        return _run_command(_COMMANDS["clv"], argv[1:], stdout, stderr)
    if cmd in ("version", "--version"):
        if len(argv) >= 2 and argv[1] in ("--help", "-h"):
            return _print(stdout, usage("version"))
        return _print(stdout, "tier %s (libtier %s)\n" % (version(), version()))
    if cmd in ("help", "--help", "-h"):
        return _print(stdout, usage())
    stderr.write('tier: unknown command "%s"\n' % cmd)
    stderr.write(usage())
    return EXIT_USAGE
