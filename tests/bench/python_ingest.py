#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Python binding's ingest path against the C API it calls (issue 10, item 3).

    PYTHONPATH=bindings/python LIBTIER_PATH=build/libtier.so.0 \
        /usr/bin/python3 tests/bench/python_ingest.py [ROWS] [CUSTOMERS] [ROUNDS]

Generates ROWS transactions (default 10,000,000) over CUSTOMERS customers (default 100,000) as
NumPy arrays (integer ids, datetime64[D] dates, float64 amounts), and as a DataFrame with text
ids, then times, best of ROUNDS (default 3), each into a new Book:

- c_api: the C call alone (tier_book_add_txns_ids, integer ids formatted in C), on arrays
  already packed (what a C caller pays);
- pack: the binding's whole-array conversion of the columns (no loop per row);
- add_txns: Book.add_txns(ids, dates, amounts) from the NumPy arrays (pack + C call);
- add_dataframe: Book.add_dataframe(df) with text ids (column finding, missing-value check,
  pack, C call).

Prints one line per step with seconds and million rows per second. Not a test: never run by
ctest (no timed assertions); tests/bench/README.md lists it.
"""

import sys
import time

import numpy as np
import pandas as pd

import libtier
from libtier import _columns


def best(fn, rounds):
    times = []
    for _ in range(rounds):
        with libtier.Book(keep_transactions=True) as book:
            t0 = time.perf_counter()
            fn(book)
            times.append(time.perf_counter() - t0)
    return min(times)


def main(argv):
    rows = int(argv[1]) if len(argv) > 1 else 10_000_000
    customers = int(argv[2]) if len(argv) > 2 else 100_000
    rounds = int(argv[3]) if len(argv) > 3 else 3
    rng = np.random.default_rng(1)
    ids = rng.integers(0, customers, rows, dtype=np.int64)
    days = rng.integers(0, 3 * 365, rows, dtype=np.int64)
    dates = (np.datetime64("2022-01-01") + days).astype("datetime64[D]")
    amounts = np.round(rng.gamma(2.0, 50.0, rows), 2)
    df = pd.DataFrame({"customer_id": np.char.add("C", ids.astype("U")).astype(object),
                       "date": dates, "amount": amounts})

    packed = _columns.pack(ids, dates, amounts)

    def c_api(book):
        packed.add_to(book._p)  # tier_book_add_txns_ids (integer ids: formatted in C)

    t_pack = min(_timed(lambda: _columns.pack(ids, dates, amounts)) for _ in range(rounds))
    results = [
        ("c_api", best(c_api, rounds)),
        ("pack", t_pack),
        ("add_txns", best(lambda b: b.add_txns(ids, dates, amounts), rounds)),
        ("add_dataframe", best(lambda b: b.add_dataframe(df), rounds)),
    ]
    print("rows %d, customers %d, best of %d, libtier %s, numpy %s, pandas %s"
          % (rows, customers, rounds, libtier.version(), np.__version__, pd.__version__))
    for name, secs in results:
        print("%-14s %8.3f s  %7.2f M rows/s" % (name, secs, rows / secs / 1e6))
    return 0


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
