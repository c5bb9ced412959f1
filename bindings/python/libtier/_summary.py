# SPDX-License-Identifier: MIT
"""The per-customer summary tables of the CLV models, from a transaction DataFrame in one call
(docs/python.md, "CLV conveniences"): what lifetimes calls summary_data_from_transaction_data
and calibration_and_holdout_data, with the conventions of the library's clv model (docs/clv.md):

- purchases are reduced to **purchase days**: a day with at least one row of amount >= 0; its
  value is the net sum of every row of that day (refunds included); a day of refunds only is not
  a purchase day;
- x = purchase days up to the calibration end minus 1 (repeat purchases), t_x = (last - first
  purchase day) / unit, T = (calibration end - first purchase day) / unit, monetary_value = the
  mean value of the repeat purchase days (0 when x = 0);
- a customer whose first purchase day is after the calibration end is not in the table.

Whole-column pandas operations (a groupby), no loop per row.
"""

from typing import Any, Optional

from . import _columns
from .dates import to_day

__all__ = ["summary_data", "calibration_and_holdout"]

_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7}


def _unit(time_unit: Any) -> float:
    days = _UNITS.get(time_unit, time_unit)
    if isinstance(days, str) or not days or days <= 0:
        raise ValueError("time_unit must be 'day', 'week' or a positive number of days, not %r"
                         % (time_unit,))
    return float(days)


def _purchase_days(df: Any, id: Optional[str], date: Optional[str], amount: Optional[str],
                   dropna: bool) -> Any:
    """(purchase days: DataFrame of id, day, value sorted by id and day; last day of any row)."""
    import numpy as np
    import pandas as pd
    from .book import transaction_columns
    values, _ = transaction_columns(df, id, date, amount, None, dropna)
    # Ids as the Book keeps them: text, integers as their digits.
    ids = pd.Series(values["id"], dtype=object).astype(str).to_numpy()
    days = _columns.np_days(values["date"]) if len(ids) else np.zeros(0, dtype=np.int32)
    amounts = _columns.np_doubles(values["amount"]) if len(ids) else np.zeros(0)
    t = pd.DataFrame({"customer_id": ids, "day": days.astype(np.int64), "value": amounts,
                      "purchase": amounts >= 0})
    last = int(t["day"].max()) if len(t) else None
    g = t.groupby(["customer_id", "day"], sort=True).agg(value=("value", "sum"),
                                                          purchase=("purchase", "any"))
    g = g[g["purchase"]].drop(columns="purchase").reset_index()
    return g, last


def _summarise(days: Any, cal_end: int, unit: float) -> Any:
    import pandas as pd
    from . import _pandas
    cal = days[days["day"] <= cal_end]
    by = cal.groupby("customer_id", sort=False)
    first = by["day"].min()
    out = pd.DataFrame({"x": by["day"].count() - 1,
                        "t_x": (by["day"].max() - first) / unit,
                        "T": (cal_end - first) / unit})
    first_value = cal.drop_duplicates("customer_id", keep="first").set_index("customer_id")["value"]
    repeat = by["value"].sum() - first_value.reindex(out.index)
    out["monetary_value"] = (repeat / out["x"]).where(out["x"] > 0, 0.0)
    out["x"] = out["x"].astype("int64")
    out.index = _pandas.index(list(out.index))
    return out


def summary_data(transactions: Any, calibration_end: Any = None, time_unit: Any = "week",
                 id: Optional[str] = None, date: Optional[str] = None,
                 amount: Optional[str] = None, dropna: bool = False) -> Any:
    """The CLV summary of each customer in one call: a DataFrame indexed by customer id with x
    (int64), t_x, T and monetary_value (float64), in `time_unit` ("week", "day" or a number of
    days; the clv model's default is weeks). `calibration_end` (a date, ISO text, YYYYMMDD or a
    day number; default: the last day of any row, the clv model's default) ends the period;
    customers whose first purchase day is after it are left out. The columns of `transactions`
    are found as Book.add_dataframe finds them (id, date and amount names the CSV reader knows,
    or the index as the id; `dropna` as there). These are the x, t_x, T the clv model fits on;
    monetary_value is its mean repeat spend m."""
    unit = _unit(time_unit)
    days, last = _purchase_days(transactions, id, date, amount, dropna)
    cal_end = last if calibration_end is None else to_day(calibration_end)
    if cal_end is None:  # no rows at all
        import pandas as pd
        from . import _pandas
        return pd.DataFrame({"x": pd.Series([], dtype="int64"), "t_x": [], "T": [],
                             "monetary_value": []}, index=_pandas.index([]))
    return _summarise(days, cal_end, unit)


def calibration_and_holdout(transactions: Any, calibration_end: Any,
                            observation_end: Any = None, time_unit: Any = "week",
                            id: Optional[str] = None, date: Optional[str] = None,
                            amount: Optional[str] = None, dropna: bool = False) -> Any:
    """A calibration/holdout split of a transaction DataFrame: summary_data() up to
    `calibration_end` (x, t_x, T, monetary_value) plus, over the holdout (calibration_end,
    observation_end] (default: the last day of any row), x_holdout (int64: purchase days in the
    holdout, as tier_clv_holdout counts them), monetary_value_holdout (mean value of those days,
    0 when none) and duration_holdout (the holdout's length in time units). Only customers with
    a purchase day up to calibration_end are rows (the calibration cohort)."""
    unit = _unit(time_unit)
    days, last = _purchase_days(transactions, id, date, amount, dropna)
    cal_end = to_day(calibration_end)
    obs_end = last if observation_end is None else to_day(observation_end)
    if obs_end is None or obs_end <= cal_end:
        raise ValueError("the observation end must be after the calibration end")
    out = _summarise(days, cal_end, unit)
    hold = days[(days["day"] > cal_end) & (days["day"] <= obs_end)]
    by = hold.groupby("customer_id", sort=False)["value"]
    count = by.count().reindex(out.index, fill_value=0)
    out["x_holdout"] = count.astype("int64").to_numpy()
    mean = by.mean().reindex(out.index, fill_value=0.0)
    out["monetary_value_holdout"] = mean.to_numpy()
    out["duration_holdout"] = (obs_end - cal_end) / unit
    return out
