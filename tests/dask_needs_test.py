# SPDX-License-Identifier: MIT
"""libtier.dask with the needs model against `tier run` (docs/distributed.md, "The needs
model"): on a LocalCluster of two worker processes, policies that declare `model needs = needs`
(default options: the features are the accounts' module_* and goal_* attributes; k fixed; the
restarts on a sample smaller than the book) on the bundled B2B data with accounts, and a needs
model over RFM columns on CDNOW, each split into many partitions with customers spanning them,
give the CSV of `tier run --out` byte for byte once both are sorted by customer id.

    dask_needs_test.py TIER_CLI WORKDIR

Exits 77 (skipped) when dask or distributed cannot be imported (Debian: python3-dask,
python3-distributed; run it with /usr/bin/python3)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dask_support import DATA, b2b, check, cli, scattered, two_workers  # noqa: E402 (exits 77 without dask)

import pandas as pd  # noqa: E402

import libtier  # noqa: E402
import libtier.dask as ltd  # noqa: E402


def policy_file(work: str, name: str, needs: str) -> str:
    """b2b-sabc with a needs model declared after the RFM model."""
    text = libtier.Policy.builtin_text("b2b-sabc").replace(
        "model rfm = rfm\n", "model rfm = rfm\n" + needs + "\n")
    assert needs in text
    path = os.path.join(work, name + ".policy")
    with open(path, "w") as fh:
        fh.write(text)
    return path


def main() -> None:
    tier, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    with two_workers():
        inv_path, acc_path, inv, acc = b2b()
        cases = [("needs-default", "model needs = needs", 8, 3, 6),
                 ("needs-k4", "model needs = needs (k = 4)", 6, 2, 5),
                 ("needs-sampled", "model needs = needs (init_sample = 300, sample = 120)",
                  7, 4, 7)]
        for seed, (name, decl, nin, nacc, nparts) in enumerate(cases):
            path = policy_file(work, name, decl)
            expected = cli(tier, os.path.join(work, name + "-cli.csv"), "--input", inv_path,
                           "--accounts", acc_path, "--policy", path)
            assert b",need_segment," in expected.split(b"\n")[0], expected[:200]
            run = ltd.Run(scattered(inv, nin, 20 + seed), policy=path,
                          accounts=scattered(acc, nacc, 30 + seed), npartitions=nparts)
            assert "needs" in run.model_blobs, sorted(run.model_blobs)
            check("b2b-" + name, expected, run, work)

        # CDNOW (no accounts): a needs model over the RFM model's columns, fitted globally first.
        cd_path = os.path.join(DATA, "CDNOW_master.txt")
        cd = pd.read_csv(cd_path, sep=r"\s+", dtype={"customer_id": str, "date": str})
        path = policy_file(work, "cdnow-needs",
                           "model needs = needs (features = [\"rfm.r\", \"rfm.f\", \"rfm.m\"], "
                           "k_max = 5, init_sample = 2000, sample = 500)")
        expected = cli(tier, os.path.join(work, "cdnow-needs-cli.csv"), "--input", cd_path,
                       "--policy", path)
        assert b",need_segment," in expected.split(b"\n")[0], expected[:200]
        check("cdnow-needs", expected, ltd.Run(scattered(cd, 9, 41), policy=path,
                                               npartitions=7), work)

        # Without accounts the default features do not exist: refused as `tier run` fails.
        path = policy_file(work, "cdnow-default", "model needs = needs")
        try:
            ltd.Run(scattered(cd, 3, 1), policy=path, npartitions=2)
        except libtier.Error as exc:
            assert "module_* or goal_*" in str(exc), exc
        else:
            raise SystemExit("FAIL: a needs model without features or accounts ran")
        print("ok cdnow-default: refused without accounts")
    print("all identical in %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
