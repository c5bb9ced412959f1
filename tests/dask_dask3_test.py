# SPDX-License-Identifier: MIT
"""libtier.dask's needs fits that 0.5.0 added beside the sampled clustering (docs/distributed.md, "The
needs model"), on a LocalCluster of two worker processes over the bundled B2B invoices and
accounts scattered over several partitions (customers spanning them):

- the split run of a policy with a needs model gives `tier run --out` byte for byte (the parts
  the fits below run on are right);
- a needs model with need profiles (standardised and in raw units), fitted over those parts by
  ``libtier._dask_needs.fit_model``, has the saved state and the fit statistics of the same model
  fitted on one Book of all the data (the fit `tier run` makes; a policy cannot declare profiles,
  so the reference is the library's single-process fit);
- needs models with `init_sample = 0` (the restarts over every customer, as rounds of draws and
  Lloyd passes), k given and chosen by the silhouette, give `tier run --out` byte for byte.

    dask_dask3_test.py TIER_CLI WORKDIR

Exits 77 (skipped) when dask or distributed cannot be imported (Debian: python3-dask,
python3-distributed; run it with /usr/bin/python3)."""

import math
import os
import sys
import time
from typing import Any, Dict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dask_support import b2b, check, cli, scattered, two_workers  # noqa: E402 (exits 77 without dask)

import libtier  # noqa: E402
import libtier.dask as ltd  # noqa: E402
from libtier._dask_needs import fit_model  # noqa: E402
from libtier._parts import model_from_blob  # noqa: E402
from libtier.needs import Needs  # noqa: E402

FEATURES = ["attr.module_crm", "attr.module_erp", "attr.module_bi", "attr.goal_growth",
            "attr.goal_cost"]

#: Need profiles in raw units (the modules are 0/1 flags, the goals shares).
PROFILES = {"crm first": [1, 0, 0, 0.6, 0.2], "erp and bi": [0, 1, 1, 0.2, 0.6],
            "all in": [1, 1, 1, 0.4, 0.4]}

POLICY = """libtier-policy 1
model rfm = rfm
model needs = needs (features = ["attr.module_crm", "attr.module_erp", "attr.module_bi",
                                 "attr.goal_growth", "attr.goal_cost"], k = 3)
tier A {
    rule "loyal" when rfm.segment == "champions" or needs.segment == "need_1"
}
tier B {
    rule "rest" when true
}
"""


def profile_model(standardize: int) -> Any:
    """The needs model `needs` over FEATURES with the three PROFILES."""
    model = Needs("needs", features=FEATURES, standardize=standardize)
    for name, values in PROFILES.items():
        model.add_profile(name, values)
    return model


def stats(model: Any) -> Dict[str, Any]:
    """The fit statistics, NaN as None (so that equal NaNs compare equal)."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in model.fit_stats().items()}


def main() -> None:
    tier, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    t0 = time.time()
    inv_path, acc_path, inv, acc = b2b()
    path = os.path.join(work, "needs3.policy")
    with open(path, "w") as fh:
        fh.write(POLICY)
    # One Book of all the data, read as the parts read theirs.
    whole = libtier.Book()
    with open(acc_path, "r", encoding="utf-8") as fh:
        whole.read_attributes_csv_text(fh.read(), id="account_id")
    whole.add_dataframe(inv, id="customer_id", date="date", amount="amount")
    with two_workers():
        expected = cli(tier, os.path.join(work, "needs3-cli.csv"), "--input", inv_path,
                       "--accounts", acc_path, "--policy", path)
        run = ltd.Run(scattered(inv, 7, 3), policy=path, accounts=scattered(acc, 3, 4),
                      npartitions=5)
        check("b2b-needs3", expected, run, work)

        for standardize in (1, 0):
            with profile_model(standardize) as single:
                single.fit(whole)
                want, want_stats = single.save(), stats(single)
            with profile_model(standardize) as model:
                blob = fit_model(run._parts, model, run.as_of, run.model_blobs)
                got_stats = stats(model)
            fitted = model_from_blob(blob)
            with fitted:
                got = fitted.save()
            if got != want or got_stats != want_stats:
                raise SystemExit("FAIL profiles (standardize %d): %r vs %r\n%s\n%s"
                                 % (standardize, got_stats, want_stats, got, want))
            assert "source \"profiles\"" in got, got
            assert want_stats["inertia"] and want_stats["inertia"] > 0, want_stats
            print("ok profiles (standardize %d): the single fit's state and statistics "
                  "(inertia %r, %d customers)" % (standardize, got_stats["inertia"],
                                                   got_stats["fitted"]))

        # init_sample = 0: the restarts over every customer, k given and chosen by the
        # silhouette, against `tier run`.
        for seed, (name, opts) in enumerate((("every-k3", "k = 3, init_sample = 0"),
                                              ("every-auto", "k = 0, k_max = 4, sample = 300, "
                                               "init_sample = 0"))):
            text = POLICY.replace("k = 3)", opts + ")")
            path = os.path.join(work, name + ".policy")
            with open(path, "w") as fh:
                fh.write(text)
            expected = cli(tier, os.path.join(work, name + "-cli.csv"), "--input", inv_path,
                           "--accounts", acc_path, "--policy", path)
            run = ltd.Run(scattered(inv, 6, 40 + seed), policy=path,
                          accounts=scattered(acc, 3, 50 + seed), npartitions=4)
            check("b2b-needs-" + name, expected, run, work)
    print("all identical in %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
