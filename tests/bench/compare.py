#!/usr/bin/env python3
"""Compare two W1 result CSVs exactly (stdlib only).

    python3 compare.py [--quiet] [--max-show N] [--lenient-m] EXPECTED.csv ACTUAL.csv

Rows are joined by customer_id; row order and extra columns are ignored.
Compared per customer: r, f, tenure (integers), m (must be written with exactly
two decimals and equal to the cent; --lenient-m accepts any decimal notation
of the same value) and pareto_class.  Scores are NOT compared (NTILE and
libtier's tie-consistent quintiles differ by design).

Exit status: 0 all agree; 1 any mismatch, missing/extra/duplicate customer or
malformed value; 2 usage or unreadable file / missing column.
"""
import csv
import re
import sys
from decimal import Decimal, InvalidOperation

FIELDS = ("r", "f", "m", "tenure", "pareto_class")
M_STRICT = re.compile(r"-?\d+\.\d\d")


class BadInput(Exception):
    pass


def norm_int(v):
    v = v.strip()
    if not re.fullmatch(r"-?\d+", v):
        raise ValueError(v)
    return int(v)


def norm_m(v, lenient):
    v = v.strip()
    if lenient:
        try:
            d = Decimal(v)
        except InvalidOperation:
            raise ValueError(v)
        if not d.is_finite():
            raise ValueError(v)
        return d  # Decimal equality is numeric: 5.0 == 5.00
    if not M_STRICT.fullmatch(v):
        raise ValueError(v)
    return Decimal(v)


def load(path, lenient):
    """-> (dict id -> tuple or error string, list of problems)"""
    rows, problems = {}, []
    try:
        fh = open(path, newline="", encoding="utf-8")
    except OSError as e:
        raise BadInput(f"{path}: {e}")
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise BadInput(f"{path}: empty file")
        header = [h.strip() for h in header]
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        need = ("customer_id",) + FIELDS
        missing = [c for c in need if c not in header]
        if missing:
            raise BadInput(f"{path}: missing column(s) {', '.join(missing)} in header {header}")
        idx = [header.index(c) for c in need]
        width = max(idx) + 1
        for lineno, rec in enumerate(reader, start=2):
            if not rec:
                continue
            if len(rec) < width:
                problems.append(f"{path}:{lineno}: short row {rec!r}")
                continue
            cid = rec[idx[0]].strip()
            try:
                val = (norm_int(rec[idx[1]]), norm_int(rec[idx[2]]),
                       norm_m(rec[idx[3]], lenient), norm_int(rec[idx[4]]),
                       rec[idx[5]].strip())
            except ValueError as e:
                problems.append(f"{path}:{lineno}: {cid}: malformed value {e}")
                continue
            if cid in rows:
                problems.append(f"{path}:{lineno}: duplicate customer_id {cid}")
                continue
            rows[cid] = val
    return rows, problems


def main(argv):
    quiet, lenient, max_show, files = False, False, 10, []
    it = iter(argv[1:])
    for a in it:
        if a == "--quiet":
            quiet = True
        elif a == "--lenient-m":
            lenient = True
        elif a == "--max-show":
            max_show = int(next(it, "10"))
        elif a.startswith("-") and a != "-":
            sys.stderr.write(__doc__)
            return 2
        else:
            files.append(a)
    if len(files) != 2:
        sys.stderr.write(__doc__)
        return 2
    try:
        a, pa = load(files[0], lenient)
        b, pb = load(files[1], lenient)
    except BadInput as e:
        print(f"compare: {e}")
        return 2

    problems = pa + pb
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    diffs = []
    for cid in sorted(set(a) & set(b)):
        va, vb = a[cid], b[cid]
        if va != vb:
            bad = [f"{FIELDS[i]}: {va[i]} vs {vb[i]}" for i in range(len(FIELDS)) if va[i] != vb[i]]
            diffs.append(f"{cid}: " + "; ".join(bad))

    nbad = len(problems) + len(only_a) + len(only_b) + len(diffs)
    name_a, name_b = files
    if nbad == 0:
        if not quiet:
            print(f"OK: {len(a)} customers agree on {', '.join(FIELDS)} ({name_a} vs {name_b})")
        return 0
    print(f"MISMATCH: {name_a} vs {name_b}: {len(diffs)} differing customers, "
          f"{len(only_a)} only in first, {len(only_b)} only in second, "
          f"{len(problems)} malformed/duplicate rows (customers: {len(a)} vs {len(b)})")
    for line in problems[:max_show]:
        print("  " + line)
    for line in diffs[:max_show]:
        print("  differs " + line)
    for cid in only_a[:max_show]:
        print(f"  missing in second: {cid}")
    for cid in only_b[:max_show]:
        print(f"  missing in first: {cid}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
