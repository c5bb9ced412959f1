# SPDX-License-Identifier: MIT
"""``python3 -m libtier``: the ``tier`` command over the library's pipeline.

A thin adapter, like src/cli/: the command words choose a command, whose arguments go to the
library as they are (Pipeline.set_command, i.e. tier_pipeline_set_command, which knows every
flag, value spelling and required option and words every usage error); ``--help`` prints the
library's usage text (tier_pipeline_usage). What stays here is the host's part: standard output,
threads, the progress line, the warnings and the summary on standard error, and the exit status:
0 success, 1 the run failed (lint: errors found), 2 a usage error (lint: a policy that does not
load). So the output, messages and exit codes are the C
command's, byte for byte.
"""

import os
import sys
from typing import Any, BinaryIO, List, Optional, Sequence, TextIO

from ._ffi import TierError, version
from .pipeline import Pipeline, usage

__all__ = ["main", "usage"]

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _ProgressLine:
    """The "reading NN% (X of Y MB)" line on a terminal, for inputs of 16 MiB or more."""

    MIN_BYTES = 16 << 20

    def __init__(self, stderr: TextIO) -> None:
        self.stderr, self.shown = stderr, False

    def __call__(self, stage: Any, done: int, total: int) -> bool:
        if stage == "read" and total >= self.MIN_BYTES:
            self.stderr.write("\rtier: reading %3u%% (%d of %d MB)"
                              % (done * 100 // total, done >> 20, total >> 20))
            self.stderr.flush()
            self.shown = True
        elif stage != "read":
            self.done()
        return False

    def done(self) -> None:
        """Clears the line when one is shown."""
        if self.shown:
            self.stderr.write("\r\033[K")
            self.stderr.flush()
        self.shown = False


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _print(stdout: BinaryIO, text: str) -> int:
    """Usage or version text on standard output (a binary stream)."""
    stdout.write(text.encode("utf-8"))
    stdout.flush()
    return EXIT_OK


def _host_setup(p: Pipeline, quiet: bool, progress: _ProgressLine, stderr: TextIO) -> None:
    """The host's part, as src/cli/host.c: threads, the test knob, the progress line."""
    if (os.cpu_count() or 1) >= 2:
        p.use_threads()
    if "TIER_SPLIT_MIN_BYTES" in os.environ:
        p.set("split_min_bytes", os.environ["TIER_SPLIT_MIN_BYTES"])
    if not quiet and _isatty(stderr):
        p.set_progress(progress)


def _run_command(name: str, argv: List[str], stdout: BinaryIO, stderr: TextIO) -> int:
    """`name` is "run", "explain", "diff", "report", "policies", "lint", "override add",
    "override remove", "override list", "fit clv", "fit sbg" or "clv"; `argv` the arguments
    after its words."""
    try:
        p = Pipeline()
    except TierError:
        stderr.write("tier: out of memory\n")
        return EXIT_FAIL
    with p:
        progress = _ProgressLine(stderr)
        try:
            p.set_output(stdout.write)
            flags = p.set_command(name, argv)
        except TierError as exc:
            stderr.write("tier: %s\n" % p.last_error)
            return EXIT_FAIL if exc.name == "TIER_ENOMEM" else EXIT_USAGE
        if "help" in flags:
            return _print(stdout, usage(name))
        quiet = "quiet" in flags
        try:
            _host_setup(p, quiet, progress, stderr)
        except TierError:
            stderr.write("tier: %s\n" % p.last_error)
            return EXIT_USAGE
        failed: Optional[str] = None
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


def main(argv: Optional[Sequence[str]] = None, stdout: Optional[BinaryIO] = None,
         stderr: Optional[TextIO] = None) -> int:
    """Runs the command with `argv` (default sys.argv[1:]); returns the exit status."""
    return _main(list(sys.argv[1:] if argv is None else argv),
                 stdout if stdout is not None else sys.stdout.buffer,
                 stderr if stderr is not None else sys.stderr)


def _main(argv: List[str], stdout: BinaryIO, stderr: TextIO) -> int:
    if not argv:
        stderr.write(usage())
        return EXIT_USAGE
    cmd = argv[0]
    if cmd in ("run", "explain", "policies", "lint", "diff", "report"):
        return _run_command(cmd, argv[1:], stdout, stderr)
    if cmd == "fit":
        if len(argv) >= 2 and argv[1] in ("clv", "sbg"):
            return _run_command("fit " + argv[1], argv[2:], stdout, stderr)
        if len(argv) >= 2 and argv[1] in ("--help", "-h"):
            return _print(stdout, usage("fit clv"))
        stderr.write('tier: fit: unknown or missing model "%s" (fit clv, fit sbg)\n'
                     % (argv[1] if len(argv) >= 2 else ""))
        return EXIT_USAGE
    if cmd == "clv":
        return _run_command("clv", argv[1:], stdout, stderr)
    if cmd == "override":
        if len(argv) >= 2 and argv[1] in ("add", "remove", "list"):
            return _run_command("override " + argv[1], argv[2:], stdout, stderr)
        if len(argv) >= 2 and argv[1] in ("--help", "-h"):
            return _print(stdout, usage("override"))
        stderr.write('tier: override: unknown or missing action "%s" (add, remove, list)\n'
                     % (argv[1] if len(argv) >= 2 else ""))
        return EXIT_USAGE
    if cmd in ("version", "--version"):
        if len(argv) >= 2 and argv[1] in ("--help", "-h"):
            return _print(stdout, usage("version"))
        return _print(stdout, "tier %s (libtier %s)\n" % (version(), version()))
    if cmd in ("help", "--help", "-h"):
        return _print(stdout, usage())
    stderr.write('tier: unknown command "%s"\n' % cmd)
    stderr.write(usage())
    return EXIT_USAGE
