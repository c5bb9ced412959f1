# SPDX-License-Identifier: MIT
"""libtier.dask's population ranks against `tier run` (docs/distributed.md, "Ranks"): the
scorecard (grade-a-e on the bundled B2B invoices and accounts; a card of percentile, min-max and
imputed factors over RFM columns on CDNOW) and pct_rank(), on a LocalCluster of two worker
processes, the data split into many partitions with customers spanning them: the CSV of
`tier run --out` byte for byte once both are sorted by customer id.

    dask_ranks_test.py TIER_CLI WORKDIR

Exits 77 (skipped) when dask or distributed cannot be imported."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dask_support import DATA, b2b, check, cli, scattered, two_workers  # noqa: E402 (exits 77 without dask)

import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402

import libtier.dask as ltd  # noqa: E402

import numpy as np  # noqa: E402


#: pct_rank() over RFM columns and a window (many ties), and an abc() over a product with a
#: pct_rank(): its inputs are right only once the ranks are the population's.
RANK_POLICY = """libtier-policy 1
model rfm = rfm
window rev = revenue over 12 months
tier S {
    rule "top spend, active" when pct_rank(rfm.m) >= 0.9 and pct_rank(rev) >= 0.5
}
tier A {
    rule "frequent" when pct_rank(rfm.f * 1.5) >= 0.8
    rule "ranked band" when abc(pct_rank(rfm.m) * rev) == "A"
}
tier B {
    rule "half" when pct_rank(rfm.m) >= 0.5
}
tier C {
    rule "rest" when true
}
"""

#: pct_rank() of a scorecard's score and of an account attribute, beside the card's grades.
CARD_RANK_POLICY = """libtier-policy 1
model rfm = rfm
model scorecard = scorecard (preset = "b2b")
tier A {
    rule "top score" when pct_rank(scorecard.score) >= 0.85
}
tier B {
    rule "large" when pct_rank(attr.employees) >= 0.7 or scorecard.grade == "B"
}
tier C {
    rule "rest" when true
}
"""


#: A Pareto model's cumulative share in the rules: over revenue (fixed point; OPTIONS empty) or
#: over a criterion column (exact sums of doubles).
CUM_POLICY = """libtier-policy 1
model rfm = rfm
model pareto = pareto%s
tier S {
    rule "first half" when pareto.cum_share <= 0.5
}
tier A {
    rule "first 80%%" when pareto.cum_share <= 0.8
}
tier B {
    rule "the last" when pareto.cum_share >= 0.999
}
tier C {
    rule "rest" when true
}
"""


def cdnow_accounts(ids: "np.ndarray", seed: int) -> pd.DataFrame:
    """Account attributes of the B2B card for the CDNOW customers: coarse values (many ties), a
    share of each missing (reweighted, imputed from the median, or zero)."""
    rng = np.random.default_rng(seed)
    n = len(ids)

    def some(values: "np.ndarray", missing: float) -> "list[str]":
        keep = rng.random(n) >= missing
        return [("%g" % v) if k else "" for v, k in zip(values, keep)]
    return pd.DataFrame({
        "account_id": ids,
        "contract_arr": some(np.round(rng.lognormal(9, 1.2, n), -2), 0.3),
        "gross_margin": some(np.round(rng.uniform(-0.1, 0.7, n), 2), 0.25),
        "employees": some(rng.integers(1, 400, n), 0.2),
        "modules_used": some(rng.integers(0, 6, n), 0.1),
        "growth_rate": some(np.round(rng.normal(0.08, 0.1, n), 2), 0.3),
        "years_cooperation": some(np.round(rng.uniform(0, 12, n), 1), 0.1),
        "referrals": some(rng.integers(0, 5, n), 0.5),
        "defaults": some(rng.integers(0, 2, n), 0.1),
        "support_tickets": some(rng.integers(0, 40, n), 0.1),
        "payment_score": some(rng.integers(20, 100, n), 0.1),
        "arrears_days": some(rng.integers(0, 120, n), 0.1),
    })


def main() -> None:
    tier, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    with two_workers():
        inv_path, acc_path, inv, acc = b2b()
        expected = cli(tier, os.path.join(work, "grade-cli.csv"), "--input", inv_path,
                       "--accounts", acc_path, "--policy", "grade-a-e")
        run = ltd.Run(scattered(inv, 9, 21), policy="grade-a-e",
                      accounts=dd.from_pandas(acc, npartitions=3), npartitions=7)
        assert run.stats["rank_counts"] == 1, run.stats
        check("b2b-grade-a-e", expected, run, work)

        # A factor on file for three accounts only: most parts have no value of it (their card
        # comes from another part, their reference holds the global minimum only).
        rare = acc.copy()
        rare.loc[3:, "contract_arr"] = ""
        rare_path = os.path.join(work, "rare-accounts.csv")
        rare.to_csv(rare_path, index=False)
        expected = cli(tier, os.path.join(work, "rare-cli.csv"), "--input", inv_path,
                       "--accounts", rare_path, "--policy", "grade-a-e")
        run = ltd.Run(scattered(inv, 13, 22), policy="grade-a-e",
                      accounts=dd.from_pandas(rare, npartitions=4), npartitions=12)
        check("b2b-grade-a-e-rare", expected, run, work)

        # CDNOW with generated account attributes: the card's spend factor is rfm.m (percentile
        # over 23,570 customers), gross_margin imputed from its median, modules_used with a
        # fitted maximum.
        cd_path = os.path.join(DATA, "CDNOW_master.txt")
        cd = pd.read_csv(cd_path, sep=r"\s+", dtype={"customer_id": str, "date": str})
        cd_acc = cdnow_accounts(cd["customer_id"].unique(), 5)
        cd_acc_path = os.path.join(work, "cdnow-accounts.csv")
        cd_acc.to_csv(cd_acc_path, index=False)
        expected = cli(tier, os.path.join(work, "cdnow-grade-cli.csv"), "--input", cd_path,
                       "--accounts", cd_acc_path, "--policy", "grade-a-e")
        run = ltd.Run(scattered(cd, 11, 23), policy="grade-a-e",
                      accounts=dd.from_pandas(cd_acc, npartitions=5), npartitions=9)
        check("cdnow-grade-a-e", expected, run, work)

        # pct_rank() on CDNOW: its ranks from every part's values (rank lines), an abc() over
        # a pct_rank() (the figures settle one pass later).
        rank_path = os.path.join(work, "rank.policy")
        with open(rank_path, "w") as fh:
            fh.write(RANK_POLICY)
        expected = cli(tier, os.path.join(work, "rank-cli.csv"), "--input", cd_path,
                       "--policy", rank_path)
        run = ltd.Run(scattered(cd, 10, 24), policy=rank_path, npartitions=8)
        assert run.stats["rank_counts"] >= 1, run.stats
        check("cdnow-pct-rank", expected, run, work)

        # A Pareto model's cum_share (a global prefix sum in the order value desc, id), summed
        # in fixed point and in doubles.
        for seed, options in enumerate(("", ' (criterion = "rfm.m", threshold_a = 0.5)')):
            cum_path = os.path.join(work, "cum%d.policy" % seed)
            with open(cum_path, "w") as fh:
                fh.write(CUM_POLICY % options)
            expected = cli(tier, os.path.join(work, "cum%d-cli.csv" % seed), "--input", cd_path,
                           "--policy", cum_path)
            run = ltd.Run(scattered(cd, 10, 26 + seed), policy=cum_path, npartitions=7)
            assert b"\ntotal\tpareto:pareto\t%s\t" % (b"double" if seed else b"fixed") \
                in run.figures, run.figures
            check("cdnow-cum-share-%d" % seed, expected, run, work)

        # pct_rank() of a scorecard's score and of an attribute (B2B with accounts).
        card_path = os.path.join(work, "card-rank.policy")
        with open(card_path, "w") as fh:
            fh.write(CARD_RANK_POLICY)
        expected = cli(tier, os.path.join(work, "card-rank-cli.csv"), "--input", inv_path,
                       "--accounts", acc_path, "--policy", card_path)
        run = ltd.Run(scattered(inv, 9, 25), policy=card_path,
                      accounts=dd.from_pandas(acc, npartitions=3), npartitions=6)
        check("b2b-card-pct-rank", expected, run, work)
    print("all identical in %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
