# SPDX-License-Identifier: MIT
"""libtier.dask against `tier run` (docs/distributed.md): on a LocalCluster of two worker
processes, the bundled CDNOW data (every built-in policy that runs on Dask, a Pareto model and
abc() over doubles), the bundled B2B data (invoices and accounts) and a generated 1M-transaction
log, each split into many partitions with customers spanning them, give the CSV of
`tier run --out` byte for byte once both are sorted by customer id.

    dask_identity_test.py TIER_CLI GEN_W1 WORKDIR

Exits 77 (skipped) when dask or distributed cannot be imported (Debian: python3-dask,
python3-distributed; run it with /usr/bin/python3)."""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dask_support import DATA, b2b, check, cli, scattered, two_workers  # noqa: E402 (exits 77 without dask)

import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402

import libtier  # noqa: E402
import libtier.dask as ltd  # noqa: E402


#: A Pareto model over a criterion column (doubles) and an abc() over values that are not
#: fixed-point amounts: both summed in doubles, exactly, rounded once.
FLOAT_POLICY = """libtier-policy 1
model rfm = rfm
model pareto = pareto (criterion = "rfm.m", threshold_a = 0.5, threshold_b = 0.9)
let band = abc(rfm.m * rfm.f / 3)
tier S {
    rule "pareto A" when pareto.class == "A"
}
tier A {
    rule "band A" when band == "A"
    rule "a share of at least 0.005%" when pareto.share >= 0.00005
}
tier B {
    rule "band B" when band == "B"
}
tier C {
    rule "rest" when true
}
"""










def main() -> None:
    tier, gen, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    with two_workers():

        # CDNOW: the default policy (b2b-sabc: RFM cut points, two abc() calls, a cap).
        cd_path = os.path.join(DATA, "CDNOW_master.txt")
        cd = pd.read_csv(cd_path, sep=r"\s+", dtype={"customer_id": str, "date": str})
        expected = cli(tier, os.path.join(work, "cdnow-cli.csv"), "--input", cd_path)
        check("cdnow", expected, ltd.Run(scattered(cd, 9, 1), npartitions=6), work)

        # An as-of day of the caller's, before the end of the data (the parts must all use it).
        expected = cli(tier, os.path.join(work, "asof-cli.csv"), "--input", cd_path,
                       "--as-of", "1997-10-01")
        check("cdnow-as-of", expected,
              ltd.Run(scattered(cd, 5, 4), as_of="1997-10-01", npartitions=3), work)

        # The Pareto model (pareto-sabc): its classes from the global ends of A and B.
        expected = cli(tier, os.path.join(work, "pareto-cli.csv"), "--input", cd_path,
                       "--policy", "pareto-sabc")
        run = ltd.Run(scattered(cd, 7, 6), policy="pareto-sabc", npartitions=5)
        assert b"\nabc\tpareto:pareto\t1\t" in run.figures, run.figures
        assert b"\ntotal\tpareto:pareto\tfixed\t" in run.figures, run.figures
        check("cdnow-pareto", expected, run, work)

        # Sums of doubles (docs/distributed.md, exact sums rounded once): a Pareto model over a
        # criterion column and an abc() over a product, neither a fixed-point amount.
        float_path = os.path.join(work, "float.policy")
        with open(float_path, "w") as fh:
            fh.write(FLOAT_POLICY)
        expected = cli(tier, os.path.join(work, "float-cli.csv"), "--input", cd_path,
                       "--policy", float_path)
        run = ltd.Run(scattered(cd, 8, 7), policy=float_path, npartitions=4)
        assert run.stats["double_sums"] == 2, run.stats  # the Pareto model and the abc()
        assert b"\ntotal\tpareto:pareto\tdouble\t" in run.figures, run.figures  # its share
        check("cdnow-doubles", expected, run, work)

        # The other built-in policies that run on Dask (RFM scores, abc() with thresholds).
        for seed, name in enumerate(("key-important-general-maintain", "rfm-8", "rfm-10")):
            expected = cli(tier, os.path.join(work, name + "-cli.csv"), "--input", cd_path,
                           "--policy", name)
            check("cdnow-" + name, expected,
                  ltd.Run(scattered(cd, 6, 10 + seed), policy=name, npartitions=4), work)

        # The same data with a cap that bites (kind 2: a boundary row by id).
        policy = libtier.Policy.builtin_text("b2b-sabc").replace("cap 15%", "cap 4%")
        pol_path = os.path.join(work, "cap4.policy")
        with open(pol_path, "w") as fh:
            fh.write(policy)
        expected = cli(tier, os.path.join(work, "cap4-cli.csv"), "--input", cd_path,
                       "--policy", pol_path)
        run = ltd.Run(scattered(cd, 7, 2), policy=pol_path, npartitions=5)
        assert b"\ncap\t0\t2\t" in run.figures, run.figures
        check("cdnow-cap4", expected, run, work)

        # B2B: invoices and accounts (accounts never invoiced are customers too).
        inv_path, acc_path, inv, acc = b2b()
        expected = cli(tier, os.path.join(work, "b2b-cli.csv"), "--input", inv_path,
                       "--accounts", acc_path, "--policy", "b2b-sabc")
        run = ltd.Run(scattered(inv, 8, 3), policy="b2b-sabc",
                      accounts=dd.from_pandas(acc, npartitions=3), npartitions=4)
        check("b2b", expected, run, work)

        # The same with the lifecycle model (learns nothing from the population) in the rules.
        lc = libtier.Policy.builtin_text("b2b-sabc").replace(
            "model rfm = rfm\n", "model rfm = rfm\nmodel lifecycle = lifecycle\n").replace(
            "rfm.f_score >= 3\n", "rfm.f_score >= 3 and lifecycle.stage != \"dormant\"\n", 1)
        lc_path = os.path.join(work, "lifecycle.policy")
        with open(lc_path, "w") as fh:
            fh.write(lc)
        expected = cli(tier, os.path.join(work, "b2b-lc-cli.csv"), "--input", inv_path,
                       "--accounts", acc_path, "--policy", lc_path)
        run = ltd.Run(scattered(inv, 6, 5), policy=lc_path,
                      accounts=dd.from_pandas(acc, npartitions=2), npartitions=3)
        check("b2b-lifecycle", expected, run, work)

        # 1M generated transactions of 100k customers, read in blocks (date order: every
        # active customer spans blocks).
        gen_path = os.path.join(work, "w1-1m.csv")
        if not os.path.exists(gen_path):
            subprocess.run([gen, "--transactions", "1000000", "--customers", "100000",
                            "--seed", "7", "--out", gen_path], check=True)
        expected = cli(tier, os.path.join(work, "w1-cli.csv"), "--input", gen_path)
        txns = dd.read_csv(gen_path, dtype={"customer_id": str, "date": str}, blocksize=2 << 20)
        check("w1-1m", expected, ltd.Run(txns, npartitions=8), work)
    print("all identical in %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
