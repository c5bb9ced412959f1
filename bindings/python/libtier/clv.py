# SPDX-License-Identifier: MIT
"""The built-in CLV model: BG/NBD or Pareto/NBD purchases with Gamma-Gamma spend (clv.h,
docs/clv.md)."""

import math
import statistics
from ctypes import byref, c_double, c_size_t
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _ffi
from ._ffi import F
from .dates import from_day, to_day
from .models import Model, day_property, typed_stats
from .needs import _dist_merge, _text_bytes

__all__ = ["CLV", "calibration_and_holdout", "summary_data"]

_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7}
_DAY_OPTIONS = ("calibration_end", "as_of")
_FLOAT_STATS = ("log_likelihood", "gradient")

#: A sub-model: "purchase" or "spend" (or its code).
Which = Union[str, int]


def _submodel(which: Which) -> int:
    if isinstance(which, str):
        try:
            return _ffi.CLV_SUBMODELS[which]
        except KeyError:
            raise ValueError("which must be 'purchase' or 'spend', not %r" % (which,)) from None
    return int(which)


class CLV(Model):
    """Customer lifetime value: a purchase model (BG/NBD or Pareto/NBD) and the Gamma-Gamma
    spend model, fitted by maximum likelihood on the calibration period.

    ``CLV(name="clv", purchase_model="bgnbd", time_unit="week", calibration_end=None,
    as_of=None, horizon=None, discount_rate=None, discount_period=None, margin=None,
    require_convergence=None)``: purchase_model "bgnbd" or "pnbd"; time_unit "day", "week" or
    a number of days; calibration_end and as_of are dates (defaults: the day before the as-of
    day, and the day after the book's last transaction); the others are numbers (None keeps
    the library default). Outputs (numbers): x, t_x, T, p_alive, expected_purchases,
    expected_spend, clv.
    """

    stats = tuple(_ffi.CLV_STATS)

    def __init__(self, name: str = "clv", purchase_model: Union[str, int] = "bgnbd",
                 time_unit: Union[str, float] = "week", calibration_end: Any = None,
                 as_of: Any = None, horizon: Optional[float] = None,
                 discount_rate: Optional[float] = None, discount_period: Optional[float] = None,
                 margin: Optional[float] = None,
                 require_convergence: Optional[float] = None) -> None:
        self._make(F.tier_clv_new, name)
        with self._closed_on_error():
            self._set_purchase_model(purchase_model)
            self._set_time_unit(time_unit)
            if as_of is not None:
                self.as_of = as_of
            if calibration_end is not None:
                self.calibration_end = calibration_end
            for key, value in (("horizon", horizon), ("discount_rate", discount_rate),
                               ("discount_period", discount_period), ("margin", margin),
                               ("require_convergence", require_convergence)):
                if value is not None:
                    self.set_option(key, float(value))

    # --- options (set_option/get_option by name come from Model) ---------------------------

    def get_options(self) -> Dict[str, Any]:
        """Every option as a dict: purchase_model as "bgnbd" or "pnbd", days as dates (None:
        unset)."""
        out = Model.get_options(self)
        out["purchase_model"] = self.purchase_model
        for key in _DAY_OPTIONS:
            out[key] = getattr(self, key)
        return out

    @property
    def purchase_model(self) -> str:
        """ "bgnbd" or "pnbd"."""
        name = str(self.get_option("purchase_model"))
        return "pnbd" if name == "pareto_nbd" else name

    @purchase_model.setter
    def purchase_model(self, value: str) -> None:
        self._set_purchase_model(value)

    def _set_purchase_model(self, value: Union[str, int]) -> None:
        key = {"pnbd": "pareto_nbd", "pareto/nbd": "pareto_nbd", "bg/nbd": "bgnbd",
               _ffi.CLV_PURCHASE_MODELS["bgnbd"]: "bgnbd",
               _ffi.CLV_PURCHASE_MODELS["pnbd"]: "pareto_nbd"}.get(value, value)
        if key not in ("bgnbd", "pareto_nbd"):
            raise ValueError("purchase_model must be 'bgnbd' or 'pnbd', not %r" % (value,))
        self.set_option("purchase_model", key)

    @property
    def time_unit(self) -> int:
        """Days per time unit (7 = weeks); set it to "day", "week" or a number of days."""
        return int(self.get_option("time_unit"))

    @time_unit.setter
    def time_unit(self, value: int) -> None:
        self._set_time_unit(value)

    def _set_time_unit(self, value: Union[str, float]) -> None:
        days = _UNITS.get(value, value) if isinstance(value, str) else value
        if isinstance(days, str):
            raise ValueError("time_unit must be 'day', 'week' or a number of days, not %r"
                             % (value,))
        self.set_option("time_unit", days)

    calibration_end = day_property(
        "calibration_end",
        "The last day of the calibration period (inclusive), or None for the default.")
    as_of = day_property("as_of", "The as-of date set, or None for the default.")

    # --- fit ------------------------------------------------------------------------------

    def _names(self, which: int) -> Tuple[str, ...]:
        if which == _ffi.CLV_SPEND:
            return _ffi.CLV_SPEND_PARAM_NAMES
        code = _ffi.CLV_PURCHASE_MODELS[self.purchase_model]
        return _ffi.CLV_PARAM_NAMES.get(code, ("p1", "p2", "p3", "p4"))

    def params(self, which: Which = "purchase") -> Dict[str, float]:
        """The fitted parameters of "purchase" ({r, alpha, a, b} or {r, alpha, s, beta}) or
        "spend" ({p, q, gamma}) as a dict."""
        which = _submodel(which)
        buf = (c_double * _ffi.CLV_MAX_PARAMS)()
        F.tier_clv_params(self._p, which, buf, _ffi.CLV_MAX_PARAMS)
        return dict(zip(self._names(which), buf))

    def standard_errors(self, which: Which = "purchase") -> Dict[str, float]:
        """Standard errors of params(which), same keys; TierError TIER_ENOTFOUND when the
        library has none (information matrix not positive definite, or a loaded state)."""
        which = _submodel(which)
        buf = (c_double * _ffi.CLV_MAX_PARAMS)()
        F.tier_clv_standard_errors(self._p, which, buf, _ffi.CLV_MAX_PARAMS)
        return dict(zip(self._names(which), buf))

    def fit_stat(self, which: Which, stat: Union[str, int]) -> float:
        """A figure of the fit of "purchase" or "spend": log_likelihood, iterations, converged,
        customers, excluded_zero_spend, gradient, evaluations, distinct_rows, no_purchase,
        calibration_end (NaN when unknown)."""
        key: Any = _ffi.CLV_STATS.get(stat, stat) if isinstance(stat, str) else stat
        if isinstance(key, str):
            raise ValueError("unknown clv statistic %r" % (stat,))
        out = c_double()
        F.tier_clv_fit_stat(self._p, _submodel(which), key, byref(out))
        return out.value

    def fit_stats(self, which: Which = "purchase") -> Dict[str, Any]:
        """Every figure of the fit of "purchase" or "spend" with its real type:
        log_likelihood and gradient float; iterations, customers, excluded_zero_spend,
        evaluations, distinct_rows and no_purchase int; converged bool; calibration_end a
        datetime.date. A figure the library does not know (NaN, e.g. after a load) is None.
        fit_stat() gives the raw float of one."""
        return typed_stats({name: self.fit_stat(which, name) for name in _ffi.CLV_STATS},
                           floats=_FLOAT_STATS, dates=("calibration_end",))

    def confidence_intervals(self, which: Which = "purchase", level: float = 0.95,
                             log: bool = False) -> Any:
        """Confidence intervals of the fitted parameters of "purchase" or "spend" from the
        standard errors of the fit (the inverse of the observed information): {parameter:
        (estimate, std_error, lower, upper)}, a DataFrame indexed by parameter with pandas.
        Wald intervals estimate +- z * se (z of the two-sided `level`), as lifetimes reports;
        ``log=True`` gives intervals on the log scale (estimate * exp(+- z * se / estimate)),
        which stay positive as every parameter is. TierError TIER_ENOTFOUND when the fit has no
        standard errors (see standard_errors())."""
        if not 0.0 < level < 1.0:
            raise ValueError("level must be in (0, 1), not %r" % (level,))
        z = statistics.NormalDist().inv_cdf(0.5 + level / 2.0)
        est, se = self.params(which), self.standard_errors(which)
        rows = {}
        for name, value in est.items():
            err = se[name]
            if log and value > 0:
                factor = math.exp(z * err / value)
                rows[name] = (value, err, value / factor, value * factor)
            else:
                rows[name] = (value, err, value - z * err, value + z * err)
        try:
            import pandas as pd
        except ImportError:
            return rows
        return pd.DataFrame.from_dict(rows, orient="index",
                                      columns=["estimate", "std_error", "lower", "upper"]) \
            .rename_axis("parameter")

    def predict(self, book: Any, horizon: Optional[float] = None) -> Any:
        """Each customer's CLV outputs for `horizon` time units ahead (None: the model's horizon
        option), from the fitted parameters, without refitting: the model's horizon option is
        set for the one scoring and restored after it. p_alive does not depend on the horizon;
        expected_purchases, clv do. Returns a DataFrame indexed by customer id (columns x,
        t_x, T, p_alive, expected_purchases, expected_spend, clv; NaN for customers without a
        purchase day up to the calibration end), or without pandas a dict of those columns
        (lists) plus "customer_id"."""
        saved = self.get_option("horizon")
        if horizon is not None:
            self.set_option("horizon", float(horizon))
        try:
            with self.score(book) as frame:
                prefix = self.name + "."
                cols = {c[len(prefix):]: frame.numbers(c) for c in frame.columns()
                        if c.startswith(prefix)}
        finally:
            self.set_option("horizon", saved)
        ids = book.customer_ids()
        try:
            import pandas as pd
        except ImportError:
            out = {"customer_id": ids}
            out.update({k: list(v) for k, v in cols.items()})
            return out
        from . import _pandas
        df = pd.DataFrame(cols, index=_pandas.index(ids))
        if "x" in df:
            df["x"] = _pandas.integers(df["x"].to_numpy())
        return df

    def holdout(self, book: Any, holdout_end: Any, frame: Any = None) -> Dict[str, Any]:
        """Validates the fitted model on the holdout span (calibration end, holdout_end] of
        `book`: a dict of customers, actual and predicted purchases (totals), mae (mean absolute
        error per customer), span (time units) and calibration_end (a date). With a Frame of the
        book's size, its columns <name>.holdout_purchases and <name>.predicted_purchases are
        added too."""
        n = len(_ffi.CLV_HOLDOUT_STATS)
        out = (c_double * n)()
        F.tier_clv_holdout(self._p, book._p, to_day(holdout_end),
                           frame._p if frame is not None else None, out, n)
        stats = dict(zip(_ffi.CLV_HOLDOUT_STATS, list(out)))
        stats["customers"] = int(stats["customers"])
        stats["calibration_end"] = from_day(int(stats["calibration_end"]))
        return stats

    def dist_split(self, summary: bytes, parts: int) -> List[bytes]:
        """A part's fit summary split by bucket into `parts` fit summaries: piece ``i`` holds
        the rows whose bucket (of 256, a fixed hash of the row) is ``i`` modulo `parts`. Merging
        piece ``i`` of every part (:meth:`merge_summaries`) gives a summary of whole buckets,
        the one a part answers :meth:`dist_answer` from."""
        ends = (c_size_t * max(parts, 1))()
        with _ffi.Text() as text:
            F.tier_clv_dist_split(self._p, summary, len(summary), parts, text.ptr, ends)
            data = _text_bytes(text)
        out = []
        start = 0
        for i in range(parts):
            out.append(data[start:ends[i]])
            start = ends[i]
        return out

    def dist_begin(self) -> bytes:
        """Starts a distributed fit on this model (the driver's, with the parts' options): the
        first request, for every part's :meth:`dist_answer`. Merge the answers with
        :meth:`dist_merge` until it returns ``b""``; the model is then fitted exactly as on the
        book of all the parts' customers. The parts answer from summaries of whole buckets
        (:meth:`dist_split`)."""
        with _ffi.Text() as text:
            F.tier_clv_dist_begin(self._p, text.ptr)
            return _text_bytes(text)

    def dist_answer(self, summary: bytes, request: bytes) -> bytes:
        """A part's answer to `request` from its summary of whole buckets (pieces of
        :meth:`dist_split` merged, made with the driver's options, which this model must
        have)."""
        with _ffi.Text() as text:
            F.tier_clv_dist_answer(self._p, summary, len(summary), request, len(request),
                                   text.ptr)
            return _text_bytes(text)

    def dist_merge(self, answers: Sequence[bytes]) -> bytes:
        """Merges every part's answer to the last request: the next request, ``b""`` when the
        model is fitted. Bad answers raise TierError (TIER_EPARSE) and change nothing."""
        return _dist_merge(F.tier_clv_dist_merge, self._p, answers)


Model._kinds["clv"] = CLV


from ._summary import calibration_and_holdout, summary_data  # noqa: E402  (uses CLV's units)
