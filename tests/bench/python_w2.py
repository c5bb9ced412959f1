#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Workload W2 from Python (issue 11, item 2): a W1 log handed to the binding as NumPy arrays or
as a pandas DataFrame, then RFM + Pareto + the default policy, against the C W2 of the same
library (tests/bench/inmem.c) in the same run.

    PYTHONPATH=bindings/python LIBTIER_PATH=build/libtier.so.0 /usr/bin/python3 \\
        tests/bench/python_w2.py FILE [RUNS] [THREADS] [INMEM]

FILE is a W1 log (customer_id,date,amount; tests/bench/run.sh generates them, e.g.
w1_10m_s1.csv). It is read by pandas before any clock starts. RUNS (default 5) timed rounds of
each variant, one after the other so that machine noise is spread across them, each into a new
Book(keep_transactions=True, threads=THREADS) (default 2; 1: no executor), as inmem w2 does:

- numpy-text: ids an object array of str, dates datetime64[D], amounts float64;
- numpy-int: the same rows with integer ids (the id's digits without the "C");
- dataframe: Book.add_dataframe(df) on the frame as read (text ids, datetime64[ns] dates).

Phases, each timed on its own with time.perf_counter:

- convert: what the binding does in Python before the C call (for the frame: finding the
  columns and checking missing values, then the conversion): libtier.book.transaction_columns and
  _columns.pack, the same calls as Book.add_txns / Book.add_dataframe;
- add: tier_book_add_txns_ids (or tier_book_add_txns) on the converted arrays, which for
  ids in a NumPy or joined layout includes their conversion to text in C;
- run: libtier.run(book, [RFM(), Pareto()], Policy.default()), as inmem's tier_result_run;
- total: the three together (what add_txns/add_dataframe + run cost a caller).

Prints, per variant and phase, the median and the best of the rounds (wall clock) and the
median CPU time of the process (time.process_time: every thread's, so with THREADS > 1 the
parallel phases show more CPU than wall time), then the C W2 lines of
INMEM (default: build/bench-data/inmem, or the `inmem` next to LIBTIER_PATH) run as
`inmem w2 FILE RUNS THREADS` (its medians), skipped with a message when it is not there. Wall
clock on a machine that may be shared: compare medians run in the same invocation, and prefer
the best of N when the load is uneven. Not a test: never run by ctest.
"""

import os
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd

import libtier
from libtier import _columns
from libtier.book import transaction_columns

PHASES = ("convert", "add", "run", "total")


def read_log(path):
    """The W1 log as a DataFrame (customer_id object of str, date datetime64[ns], amount)."""
    df = pd.read_csv(path, dtype={"customer_id": object, "amount": np.float64})
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d")
    return df


def variants(df):
    """name -> (function converting the input to a Packed, description)."""
    ids_text = df["customer_id"].to_numpy(dtype=object)
    ids_int = df["customer_id"].str.slice(1).astype(np.int64).to_numpy()
    dates = df["date"].to_numpy().astype("datetime64[D]")
    amounts = df["amount"].to_numpy()

    def frame():
        values, _dropped = transaction_columns(df, encode_ids=True)
        return _columns.pack(values["id"], values["date"], values["amount"],
                             values.get("margin"))

    return {
        "numpy-text": lambda: _columns.pack(ids_text, dates, amounts),
        "numpy-int": lambda: _columns.pack(ids_int, dates, amounts),
        "dataframe": frame,
    }


def _now():
    """(wall seconds, CPU seconds of the process, all its threads)."""
    return time.perf_counter(), time.process_time()


def one_round(convert, threads):
    """{phase: (wall seconds, CPU seconds)} of one round (a new book and result)."""
    t0 = _now()
    packed = convert()
    t1 = _now()
    with libtier.Book(keep_transactions=True, threads=threads) as book:
        packed.add_to(book._p)
        t2 = _now()
        with libtier.run(book, [libtier.RFM(), libtier.Pareto()], libtier.Policy.default(None)):
            t3 = _now()

    def span(a, b):
        return b[0] - a[0], b[1] - a[1]

    return {"convert": span(t0, t1), "add": span(t1, t2), "run": span(t2, t3),
            "total": span(t0, t3)}


def inmem_path(arg):
    if arg:
        return arg
    near = os.path.join(os.path.dirname(os.environ.get("LIBTIER_PATH", "")), "inmem")
    for path in (near, os.path.join("build", "bench-data", "inmem")):
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def main(argv):
    if len(argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    path = argv[1]
    runs = int(argv[2]) if len(argv) > 2 else 5
    threads = int(argv[3]) if len(argv) > 3 else 2
    inmem = inmem_path(argv[4] if len(argv) > 4 else None)
    t0 = time.perf_counter()
    df = read_log(path)
    print("read %s: %d rows in %.1f s (not timed below)" % (path, len(df),
                                                              time.perf_counter() - t0),
          flush=True)
    work = variants(df)
    times = {name: {p: [] for p in PHASES} for name in work}
    one_round(work["numpy-text"], threads)  # warm-up (page faults of the first big arrays)
    for _ in range(runs):
        for name, convert in work.items():
            for phase, secs in one_round(convert, threads).items():
                times[name][phase].append(secs)
    load = os.getloadavg()[0]
    print("%d rows, %d rounds, threads %d, libtier %s, numpy %s, pandas %s, python %s, "
          "load average %.1f" % (len(df), runs, threads, libtier.version(), np.__version__,
                                 pd.__version__, sys.version.split()[0], load))
    print("%-12s %-8s %9s %9s %9s" % ("variant", "phase", "median s", "best s", "CPU s"))
    for name in work:
        for phase in PHASES:
            wall = [w for w, _cpu in times[name][phase]]
            cpu = [c for _wall, c in times[name][phase]]
            print("%-12s %-8s %9.3f %9.3f %9.3f" % (name, phase, statistics.median(wall),
                                                   min(wall), statistics.median(cpu)))
    sys.stdout.flush()
    if inmem is None:
        print("C W2: skipped (no inmem: pass its path, see tests/bench/README.md)")
        return 0
    out = subprocess.run([inmem, "w2", path, str(runs), str(threads)], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        label, median, mib = line.split("|")
        print("C %-52s %9.3f  (peak %s MiB)" % (label, float(median), mib))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
