# SPDX-License-Identifier: MIT
"""What the Dask identity tests share (tests/dask_*_test.py): the skip when Dask is missing, the
bundled data, `tier run` as the reference, partitions that scatter every customer's rows, the
byte-for-byte comparison, and a LocalCluster of two worker processes.

Importing this module exits 77 (skipped) when dask or distributed cannot be imported (Debian:
python3-dask, python3-distributed; run the tests with /usr/bin/python3)."""

import contextlib
import os
import subprocess
import sys
from typing import Any, Iterator, Tuple

try:
    import dask.dataframe as dd
    import distributed
except ImportError as exc:  # pragma: no cover - depends on the interpreter
    print("SKIP: dask or distributed is not installed for %s (%s): install python3-dask and "
          "python3-distributed, or run with /usr/bin/python3" % (sys.executable, exc))
    sys.exit(77)

import numpy as np
import pandas as pd

import libtier.dask as ltd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "examples", "data")


def sorted_csv(data: bytes) -> bytes:
    """The header, then the rows sorted (the customer id leads each row)."""
    head, _, body = data.partition(b"\n")
    rows = body.split(b"\n")
    if rows and rows[-1] == b"":
        rows.pop()
    return head + b"\n" + b"".join(r + b"\n" for r in sorted(rows))


def cli(tier: str, out: str, *args: str) -> bytes:
    """`tier run ARGS --out OUT`, its rows sorted."""
    subprocess.run([tier, "run", "--quiet", "--out", out] + list(args), check=True)
    with open(out, "rb") as fh:
        return sorted_csv(fh.read())


def scattered(df: pd.DataFrame, nparts: int, seed: int) -> Any:
    """Rows in a random order cut into nparts contiguous slices: most customers span slices."""
    order = np.random.default_rng(seed).permutation(len(df))
    return dd.from_pandas(df.iloc[order].reset_index(drop=True), npartitions=nparts, sort=False)


def check(name: str, expected: bytes, run: "ltd.Run", work: str) -> None:
    """The split run's CSV (and its frame's length) against `tier run`'s sorted rows."""
    path = os.path.join(work, name + "-dask.csv")
    run.write_csv(path)
    with open(path, "rb") as fh:
        got = sorted_csv(fh.read())
    if got != expected:
        a, b = expected.split(b"\n"), got.split(b"\n")
        diff = [(x, y) for x, y in zip(a, b) if x != y][:3]
        raise SystemExit("FAIL %s: %d vs %d lines; first differences: %r"
                         % (name, len(a), len(b), diff))
    n = len(run.frame())
    assert n == expected.count(b"\n") - 1, (name, n)
    jumps = run.stats.get("hierarchy_rounds")
    print("ok %s: %d customers identical (%d partitions, %d passes, %d selection rounds%s)"
          % (name, n, run.stats["partitions"], run.stats["passes"], run.stats["rounds"],
             "" if jumps is None else ", %d pointer-jumping rounds" % jumps))


def b2b() -> Tuple[str, str, pd.DataFrame, pd.DataFrame]:
    """The bundled B2B invoices and accounts: both paths, and both read as the tests read them
    (ids and dates as text, the accounts all text)."""
    inv_path = os.path.join(DATA, "b2b_invoices.csv")
    acc_path = os.path.join(DATA, "b2b_accounts.csv")
    inv = pd.read_csv(inv_path, dtype={"customer_id": str, "date": str})
    acc = pd.read_csv(acc_path, dtype=str, keep_default_na=False)
    return inv_path, acc_path, inv, acc


@contextlib.contextmanager
def two_workers() -> Iterator[Any]:
    """A LocalCluster of two worker processes (one thread each, 1 GiB) and its client."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       memory_limit="1GiB", dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        assert len(client.scheduler_info()["workers"]) == 2
        yield client
    finally:
        client.close()
        cluster.close()
