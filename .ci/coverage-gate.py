#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The coverage gate of .ci/run (step coverage): reads gcovr's JSON summary of src/, prints the
line and branch figures and the files with the most uncovered branches, writes a per-file
summary, and fails when a figure is below what is required.

What is required of each figure: the target (95 % of lines, 90 % of branches, issue 12); while
the baseline (the figure last reached, recorded in .ci/run) is below the target, a ratchet
instead: the baseline minus a tolerance (0.5 point), so that coverage may only go up until the
target is met; a baseline at or above the target gates at the target. Branches are gcovr's
(gcovr and lcov count them differently; this gate counts as gcovr).

usage: coverage-gate.py SUMMARY_JSON PER_FILE_OUT --line-target P --branch-target P
                        [--line-baseline P] [--branch-baseline P] [--tolerance P] [--worst N]
exit status: 0 when both figures are at or above what is required, 1 otherwise, 2 on bad input.
"""
import argparse
import json
import sys
from typing import Any, List, Optional, Tuple


class Figure:
    """One coverage figure (lines or branches) of the whole tree and what is required of it."""

    def __init__(self, name: str, covered: int, total: int, target: float,
                 baseline: Optional[float], tolerance: float) -> None:
        """Keeps the counts and works out the required percentage (see the module's text)."""
        self.name = name
        self.covered = covered
        self.total = total
        self.target = target
        self.baseline = baseline
        self.tolerance = tolerance
        self.required = target
        if baseline is not None and baseline < target:
            self.required = round(baseline - tolerance, 1)

    @property
    def percent(self) -> float:
        """The covered share in percent (100 when there is nothing to cover)."""
        return 100.0 * self.covered / self.total if self.total else 100.0

    @property
    def ok(self) -> bool:
        """Whether the figure meets what is required (compared at 0.01 point)."""
        return round(self.percent, 2) >= self.required

    def line(self) -> str:
        """One line of the report: the figure, the counts and the rule applied."""
        rule = f"target {self.target:.1f}%"
        if self.required != self.target:
            rule += (f" not reached yet (baseline {self.baseline:.1f}%); ratchet: "
                     f"{self.baseline:.1f} - {self.tolerance:.1f} = {self.required:.1f}% required")
        verdict = "ok" if self.ok else f"BELOW the required {self.required:.1f}%"
        return (f"  {self.name:<9} {self.percent:6.2f}% ({self.covered} of {self.total})  "
                f"{rule}: {verdict}")


def percent(covered: int, total: int) -> float:
    """covered / total in percent, 100 for an empty total."""
    return 100.0 * covered / total if total else 100.0


def per_file_rows(files: List[Any]) -> List[Tuple[str, int, int, int, int]]:
    """(file, lines covered, lines, branches covered, branches) for each file of the summary."""
    rows = []
    for f in files:
        rows.append((str(f["filename"]), int(f["line_covered"]), int(f["line_total"]),
                     int(f["branch_covered"]), int(f["branch_total"])))
    return rows


def table(rows: List[Tuple[str, int, int, int, int]]) -> List[str]:
    """The per-file table, one text line per row, with a header."""
    out = [f"{'file':<44} {'lines':>15} {'%':>6} {'miss':>5} {'branches':>15} {'%':>6} {'miss':>5}"]
    for name, lc, lt, bc, bt in rows:
        out.append(f"{name:<44} {f'{lc}/{lt}':>15} {percent(lc, lt):6.1f} {lt - lc:5d} "
                   f"{f'{bc}/{bt}':>15} {percent(bc, bt):6.1f} {bt - bc:5d}")
    return out


def main(argv: List[str]) -> int:
    """Reads the summary, prints the report, writes the per-file summary; the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("summary")
    ap.add_argument("per_file_out")
    ap.add_argument("--line-target", type=float, required=True)
    ap.add_argument("--branch-target", type=float, required=True)
    ap.add_argument("--line-baseline", type=float)
    ap.add_argument("--branch-baseline", type=float)
    ap.add_argument("--tolerance", type=float, default=0.5)
    ap.add_argument("--worst", type=int, default=15)
    args = ap.parse_args(argv)
    try:
        with open(args.summary, encoding="utf-8") as fh:
            summary = json.load(fh)
        files = summary["files"]
        lines = Figure("lines", int(summary["line_covered"]), int(summary["line_total"]),
                       args.line_target, args.line_baseline, args.tolerance)
        branches = Figure("branches", int(summary["branch_covered"]),
                          int(summary["branch_total"]), args.branch_target,
                          args.branch_baseline, args.tolerance)
        rows = per_file_rows(files)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"coverage-gate: cannot read the gcovr summary {args.summary}: {e}", file=sys.stderr)
        return 2
    if not rows or lines.total == 0:
        print(f"coverage-gate: {args.summary} covers no file: were the tests run in the "
              "instrumented build?", file=sys.stderr)
        return 2

    by_name = sorted(rows)
    with open(args.per_file_out, "w", encoding="utf-8") as fh:
        fh.write(f"coverage of src/ by file ({len(rows)} files), gcovr branch counting\n")
        fh.write("\n".join(table(by_name)) + "\n")
        fh.write(f"{'total':<44} {f'{lines.covered}/{lines.total}':>15} {lines.percent:6.1f} "
                 f"{lines.total - lines.covered:5d} {f'{branches.covered}/{branches.total}':>15} "
                 f"{branches.percent:6.1f} {branches.total - branches.covered:5d}\n")

    worst = sorted(rows, key=lambda r: (-(r[4] - r[3]), -(r[2] - r[1]), r[0]))[:args.worst]
    print(f"the {len(worst)} files with the most uncovered branches:")
    print("\n".join(table(worst)))
    print(f"per-file summary of all {len(rows)} files: {args.per_file_out}")
    print("coverage of src/ (gcovr; unreachable branches excluded):")
    print(lines.line())
    print(branches.line())
    return 0 if lines.ok and branches.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
