#!/usr/bin/python3
"""pandas peer for benchmark workload W1 (tests/bench/README.md).

    /usr/bin/python3 pandas_w1.py INPUT.csv OUTPUT.csv [AS_OF]

Writes customer_id,r,f,m,tenure,r_score,f_score,m_score,pareto_class
(one row per customer).  Amounts are converted to integer cents (exact for
two-decimal input), so M and the Pareto comparisons are exact.  Scores are
rank-based quintiles (rank 'first' after sorting by customer_id, i.e. the
same tie-break as NTILE ... ORDER BY x, customer_id).
"""
import sys

import numpy as np
import pandas as pd


def quintile(values: pd.Series) -> np.ndarray:
    """1..5 like SQL NTILE(5) over (ORDER BY values, index order)."""
    n = len(values)
    rank0 = values.rank(method="first").to_numpy(dtype=np.int64) - 1  # 0-based
    # NTILE: the first (n % 5) groups hold one extra row
    q, rem = divmod(n, 5)
    big = rem * (q + 1)
    score = np.where(rank0 < big, rank0 // max(q + 1, 1),
                     rem + (rank0 - big) // max(q, 1))
    return score + 1


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: pandas_w1.py INPUT.csv OUTPUT.csv [AS_OF]\n")
        return 2
    src, dst = argv[1], argv[2]
    as_of = pd.Timestamp(argv[3] if len(argv) > 3 else "2025-01-01")

    df = pd.read_csv(src, dtype={"customer_id": str, "date": str, "amount": np.float64},
                     engine="c")
    df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d")
    # two-decimal amounts -> exact integer cents
    df["cents"] = np.rint(df["amount"].to_numpy() * 100.0).astype(np.int64)

    g = df.groupby("customer_id", sort=True).agg(
        first=("date", "min"), last=("date", "max"),
        f=("cents", "size"), mc=("cents", "sum"))

    out = pd.DataFrame(index=g.index)
    out["r"] = (as_of - g["last"]).dt.days.astype(np.int64)
    out["f"] = g["f"].astype(np.int64)
    mc = g["mc"].astype(np.int64)
    out["m"] = (mc // 100).astype(str) + "." + (mc % 100).astype(str).str.zfill(2)
    out["tenure"] = (as_of - g["first"]).dt.days.astype(np.int64)
    # index is sorted by customer_id, so rank 'first' breaks ties by id
    out["r_score"] = quintile(-out["r"])          # low r is best
    out["f_score"] = quintile(out["f"])
    out["m_score"] = quintile(mc)

    # Pareto: M descending, ties by id ascending; exact integer comparisons
    order = pd.DataFrame({"mc": mc.to_numpy(), "cid": g.index.to_numpy()})
    order = order.sort_values(["mc", "cid"], ascending=[False, True], kind="mergesort")
    cum = order["mc"].to_numpy().cumsum()
    before = cum - order["mc"].to_numpy()
    total = int(cum[-1]) if len(cum) else 0
    cls = np.where(before * 100 < 80 * total, "A",
                   np.where(before * 100 < 95 * total, "B", "C"))
    out["pareto_class"] = pd.Series(cls, index=order["cid"].to_numpy()).reindex(g.index)

    out.index.name = "customer_id"
    out.to_csv(dst, index=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
