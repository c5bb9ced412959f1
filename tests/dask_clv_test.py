# SPDX-License-Identifier: MIT
"""libtier.dask with the clv, sbg and subscription models against `tier run`
(docs/distributed.md, "CLV, sBG and subscription fits"): on a LocalCluster of two worker
processes, the CDNOW log (the clv model fitted by its distributed rounds, the driver receiving
bucket partials, never rows; a policy that reads clv.p_alive and clv.expected_purchases in its
rules and abc(clv.clv), with BG/NBD and with Pareto/NBD in days) and the B2B data with
contracts (subscription and sbg, which reads the subscription model's columns), each split into
many partitions with customers spanning them, give the CSV of `tier run --out` byte for byte
once both are sorted by customer id; the models each part receives are the whole population's
fits, byte for byte.

    dask_clv_test.py TIER_CLI WORKDIR

Exits 77 (skipped) when dask or distributed cannot be imported (run it with /usr/bin/python3)."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dask_support import DATA, b2b, check, cli, scattered, two_workers  # noqa: E402 (exits 77 without dask)

import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402

import libtier  # noqa: E402
import libtier.dask as ltd  # noqa: E402
from libtier._parts import model_from_blob  # noqa: E402

CLV_POLICY = """libtier-policy 1
model rfm = rfm
model clv = clv%s
let band = abc(clv.clv)
tier S {
    rule "alive and valuable" when clv.p_alive >= 0.8 and band == "A"
}
tier A {
    rule "likely alive" when clv.p_alive >= 0.5
    rule "high expected purchases" when clv.expected_purchases >= 1
}
tier B {
    rule "band B" when band == "B"
}
tier C {
    rule "rest" when true
}
"""

SUBSCRIPTION_POLICY = """libtier-policy 1
model rfm = rfm
model clv = clv
model subscription = subscription
model sbg = sbg (renewals = "subscription.renewals", churned = "subscription.churned", \
margin_column = "subscription.period_margin")
let potential = coalesce(sbg.clv, clv.clv)
tier S {
    rule "renewal risk" when subscription.days_to_end <= 90 and sbg.p_renew < 0.9
}
tier A {
    rule "valuable" when potential >= 5000
}
tier B {
    rule "subscriber" when subscription.mrr > 0
}
tier C {
    rule "rest" when true
}
"""


def write(work: str, name: str, text: str) -> str:
    path = os.path.join(work, name)
    with open(path, "w") as fh:
        fh.write(text)
    return path


def whole_fit(run: "ltd.Run", name: str, book: "libtier.Book") -> None:
    """The model the parts received is the fit on the whole book, byte for byte."""
    spec = next(s for s in run.config.models if s["name"] == name)
    got = model_from_blob(run.model_blobs[name])
    want = libtier.models.Model.new(spec["kind"], name, **spec["options"])
    try:
        if any(n == "as_of" for n, _, _ in want._option_infos()):
            want.set_option("as_of", float(run.as_of))
        inputs = libtier.Frame(book.customer_count())
        try:
            for s in run.config.models:  # the models before it, scored on the whole book
                if s["name"] == name:
                    break
                m = (model_from_blob(run.model_blobs[s["name"]]) if s["name"] in run.model_blobs
                     else libtier.models.Model.new(s["kind"], s["name"], **s["options"]))
                with m:
                    if not m.fitted:
                        m.fit(book, inputs)
                    m.score(book, inputs)
            want.fit(book, inputs)
        finally:
            inputs.close()
        assert got.save() == want.save(), (name, got.save(), want.save())
    finally:
        got.close()
        want.close()


def main() -> None:
    tier, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    with two_workers():
        cd_path = os.path.join(DATA, "CDNOW_master.txt")
        cd = pd.read_csv(cd_path, sep=r"\s+", dtype={"customer_id": str, "date": str})
        book = libtier.Book()
        book.read_csv(cd_path, delimiter="ws", amount="dollar_value")
        for seed, (name, options) in enumerate((
                ("clv", ""), ("clv-pareto-days",
                              ' (purchase_model = "pareto_nbd", time_unit = 1)'))):
            path = write(work, name + ".policy", CLV_POLICY % options)
            expected = cli(tier, os.path.join(work, name + "-cli.csv"), "--input", cd_path,
                           "--policy", path)
            run = ltd.Run(scattered(cd, 9, 20 + seed), policy=path, npartitions=7)
            whole_fit(run, "clv", book)
            # The clv fit's rounds: the parts answer the partials of their buckets (at most 256
            # lines of 5 doubles a round over all the parts, whatever the customers); no
            # summary, no row reaches the driver.
            rounds, received = run.stats["clv_rounds"], run.stats["clv_bytes"]
            print("%s: %d rounds, the driver received %d bytes of answers (%.0f a round)"
                  % (name, rounds, received, received / rounds))
            assert "summary_bytes" not in run.stats, run.stats
            assert rounds > 50 and received <= rounds * (256 * 100 + 7 * 100), run.stats
            check("cdnow-" + name, expected, run, work)
        book.close()

        # An as-of day before the end of the data: every part's summary uses it.
        path = write(work, "clv-as-of.policy", CLV_POLICY % "")
        expected = cli(tier, os.path.join(work, "clv-as-of-cli.csv"), "--input", cd_path,
                       "--policy", path, "--as-of", "1997-10-01")
        check("cdnow-clv-as-of", expected,
              ltd.Run(scattered(cd, 6, 30), policy=path, as_of="1997-10-01", npartitions=5),
              work)

        # B2B with contracts: subscription (its fit sums the population's MRR movements) and
        # sbg (fitted on the subscription model's renewals and churn).
        inv_path, acc_path, inv, acc = b2b()
        con_path = os.path.join(DATA, "b2b_contracts.csv")
        con = pd.read_csv(con_path, dtype=str, keep_default_na=False)
        path = write(work, "subscriptions.policy", SUBSCRIPTION_POLICY)
        expected = cli(tier, os.path.join(work, "subs-cli.csv"), "--input", inv_path,
                       "--accounts", acc_path, "--contracts", con_path, "--policy", path)
        run = ltd.Run(scattered(inv, 8, 40), policy=path,
                      accounts=dd.from_pandas(acc, npartitions=3),
                      contracts=scattered(con, 5, 41), npartitions=6)
        book = libtier.Book()
        book.read_csv(inv_path)
        book.read_attributes_csv(acc_path, id="account_id")
        book.read_contracts_csv(con_path)
        for name in ("clv", "subscription", "sbg"):
            whole_fit(run, name, book)
        book.close()
        check("b2b-subscriptions", expected, run, work)
    print("all identical in %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
