# SPDX-License-Identifier: MIT
"""Checks a page of `tier report` (docs/report.md) with the standard library's HTML parser:
well-formed (every element closed in order), self-contained (no script, no style sheet or image
fetched, no event handler), and the charts' SVG elements and their numbers.

    report_check.py PAGE [--tiers-csv FILE] [--ledger-matrix FILE] [--movers N] [--no-state]
                         [--text TEXT]... [--raw TEXT]... [--no-raw TEXT]...

--tiers-csv: the rows `tier run` wrote for the same job (customer_id,tier,...,r_score,f_score,...):
the pyramid's table must count its tiers and the heatmap's cells its (r_score, f_score) pairs.
--ledger-matrix: the from->to matrix `tier run --ledger` wrote for the same run: the migration
cells must be its counts. --movers N: the page says N customers changed tier. --no-state: no
migration chart, the movers section says why. --text: a text node of the page equals TEXT (after
unescaping). --raw/--no-raw: the page's source contains / does not contain TEXT.
Exit 0 when everything holds; otherwise each failure is printed and the exit status is 1.
"""

import argparse
import csv
import collections
import html.parser
import sys

VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "line", "polyline", "path", "circle"}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.elements = []  # (tag, attrs dict, ancestor ids)
        self.texts = []  # (text, classes of the element, ancestor ids)
        self.svg_depth = 0

    def _ids(self):
        return [a.get("id") for _, a in self.stack if a.get("id")]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k, v in a.items():
            if k.startswith("on"):
                self.errors.append("event handler %s=%r on <%s>" % (k, v, tag))
            if k in ("src", "href") and tag != "svg":
                self.errors.append("<%s %s=%r>: the page must not fetch anything" % (tag, k, v))
        if tag in ("script", "iframe", "object", "embed", "link", "img"):
            self.errors.append("<%s> in a self-contained page" % tag)
        self.elements.append((tag, a, self._ids()))
        if tag in VOID:
            return
        self.stack.append((tag, a))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append("</%s> closes %s" % (tag, self.stack[-1][0] if self.stack
                                                     else "nothing"))
            return
        self.stack.pop()

    def handle_data(self, data):
        if data.strip():
            cls = self.stack[-1][1].get("class", "") if self.stack else ""  # exact, for texts()
            tag = self.stack[-1][0] if self.stack else ""
            self.texts.append((data, tag, cls, self._ids()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--tiers-csv")
    ap.add_argument("--ledger-matrix")
    ap.add_argument("--movers", type=int)
    ap.add_argument("--no-state", action="store_true")
    ap.add_argument("--text", action="append", default=[])
    ap.add_argument("--raw", action="append", default=[])
    ap.add_argument("--no-raw", action="append", default=[])
    args = ap.parse_args()
    source = open(args.page, encoding="utf-8").read()
    page = Page()
    page.feed(source)
    page.close()
    errors = list(page.errors)
    if page.stack:
        errors.append("unclosed: %s" % [t for t, _ in page.stack])
    if not source.startswith("<!DOCTYPE html>"):
        errors.append("no doctype")

    def elements(cls, within):
        return [a for t, a, ids in page.elements
                if cls in a.get("class", "").split() and within in ids]

    def texts(within, tag=None, cls=None):
        return [d for d, t, c, ids in page.texts
                if within in ids and (tag is None or t == tag)
                and (cls is None or cls in c.split() or cls == c)]

    svgs = [a.get("id") for t, a, _ in page.elements if t == "svg"]
    want_svgs = ["pyramid-chart", "pareto-chart", "rf-chart"] + ([] if args.no_state
                                                                  else ["migration-chart"])
    if svgs != want_svgs:
        errors.append("svg charts %s, expected %s" % (svgs, want_svgs))

    # pyramid: one customers bar and one revenue bar per tier, a tier label each
    tiers = texts("pyramid-chart", cls="tier")
    for cls in ("bar-customers", "bar-revenue"):
        if len(elements(cls, "pyramid-chart")) != len(tiers) or not tiers:
            errors.append("%d %s bars for %d tiers" % (len(elements(cls, "pyramid-chart")), cls,
                                                       len(tiers)))
    # Pareto: one curve, two thresholds
    if len(elements("pareto-curve", "pareto-chart")) != 1:
        errors.append("not one Pareto curve")
    if len(elements("threshold", "pareto-chart")) != 2:
        errors.append("not two threshold lines")
    # R x F
    cells = elements("rf-cell", "rf-chart")
    values = [int(v) for v in texts("rf-chart", tag="text", cls="cell")]
    bins = int(round(len(cells) ** 0.5))
    if not cells or bins * bins != len(cells) or len(values) != len(cells):
        errors.append("R x F: %d cells, %d values" % (len(cells), len(values)))

    if args.tiers_csv:
        with open(args.tiers_csv, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        count = collections.Counter(r["tier"] for r in rows)
        table = {}
        # the pyramid table: tier, customers, share, revenue, share
        cells_text = texts("pyramid", tag="td")
        for k in range(0, len(cells_text), 5):
            table[cells_text[k]] = int(cells_text[k + 1])
        if table != dict(count):
            errors.append("pyramid table %s, the run's rows %s" % (table, dict(count)))
        if tiers != list(table):
            errors.append("pyramid labels %s, table %s" % (tiers, list(table)))
        rf = collections.Counter()
        for r in rows:
            if r.get("r_score") and r.get("f_score"):
                rf[(int(float(r["r_score"])), int(float(r["f_score"])))] += 1
        want = [rf[(r, f)] for r in range(bins, 0, -1) for f in range(1, bins + 1)]
        if values != want:
            errors.append("R x F cells %s, the run's rows %s" % (values, want))

    if args.ledger_matrix:
        # from,to,customers,revenue: one line per pair of tiers with customers
        with open(args.ledger_matrix, newline="", encoding="utf-8") as fh:
            want = {(r["from"] or "(none)", r["to"] or "(none)"): int(r["customers"])
                    for r in csv.DictReader(fh) if int(r["customers"])}
        rows_l = texts("migration-chart", tag="text", cls="tick end")
        cols_l = texts("migration-chart", tag="text", cls="tick mid")
        got_v = [int(v) for v in texts("migration-chart", tag="text", cls="cell")]
        if len(elements("mig-cell", "migration-chart")) != len(rows_l) * len(cols_l) or \
                len(got_v) != len(rows_l) * len(cols_l):
            errors.append("migration: %d cells for %d x %d" % (
                len(elements("mig-cell", "migration-chart")), len(rows_l), len(cols_l)))
        else:
            got = {(r, c): got_v[i * len(cols_l) + j] for i, r in enumerate(rows_l)
                   for j, c in enumerate(cols_l) if got_v[i * len(cols_l) + j]}
            if got != want:
                errors.append("migration %s, the ledger's %s" % (got, want))
            stay = len(elements("stay", "migration-chart"))
            if stay != len(set(rows_l) & set(cols_l) - {"(none)"}):
                errors.append("%d diagonal cells marked" % stay)
    if args.movers is not None:
        said = [t for t in texts("movers", tag="p") if "changed tier" in t]
        if not said or not said[0].startswith("%d customers changed tier" % args.movers):
            errors.append("movers: %r, expected %d" % (said, args.movers))
        shown = len([1 for t, a, ids in page.elements if t == "tr" and "mover-table" in ids]) - 1
        if shown != min(args.movers, 25):
            errors.append("%d mover rows for %d movers" % (shown, args.movers))
    if args.no_state and not any("No previous snapshot" in t for t in texts("movers")):
        errors.append("no note about the missing snapshot")
    all_text = [d for d, _, _, _ in page.texts]
    for t in args.text:
        if t not in all_text:
            errors.append("no text %r on the page" % t)
    for t in args.raw:
        if t not in source:
            errors.append("the source lacks %r" % t)
    for t in args.no_raw:
        if t in source:
            errors.append("the source contains %r" % t)
    for e in errors:
        print("report_check: %s: %s" % (args.page, e))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
