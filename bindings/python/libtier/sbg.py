# SPDX-License-Identifier: MIT
"""The shifted-beta-geometric (sBG) retention model for contracts renewed period by period
(Fader & Hardie 2007; sbg.h, docs/sbg.md).

    import libtier
    m = libtier.SBG([1000, 869, 743, 653, 593, 551, 517, 491])   # one cohort's survivors
    m.alpha, m.beta                    # 0.668, 3.806
    m.survival(10) * 1000              # projected survivors per 1,000 after 10 renewals
    m.renewal_probability(3)           # a customer with 3 renewals renews next time
    m.derl(3, discount_rate=0.1)       # its discounted expected residual lifetime (periods)

Several cohorts: ``SBG([cohort1, cohort2])`` (lists of counts, lengths may differ). Customers:
``SBG.from_customers(renewals, churned)``. Known parameters: ``SBG.from_params(alpha, beta)``.
"""

import math
from ctypes import byref, c_double, c_size_t, cast
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from . import _ffi
from ._ffi import F
from ._handle import Handle

__all__ = ["SBG"]


def _doubles(values: Iterable[Any]) -> Tuple[Any, int]:
    floats = [float(v) for v in values]
    return (c_double * max(len(floats), 1))(*floats), len(floats)


class SBG(Handle):
    """A fitted sBG model. ``SBG(survivors)``: survivors is one cohort's counts (the customers at
    the start, then those left after 1, 2, ... renewals) or a list of such cohorts. Raises
    TierError (with the library's message) for bad counts or data without a finite maximum
    (status "TIER_ECONVERGE")."""

    _free = F.tier_sbg_free
    stats = tuple(_ffi.SBG_STATS)

    def __init__(self, survivors: Optional[Sequence[Any]] = None) -> None:
        ptr = _ffi.sbg_p()
        F.tier_sbg_new(byref(ptr), None)
        self._adopt(ptr)
        with self._closed_on_error():
            if survivors is not None:
                self.fit(survivors)

    @classmethod
    def from_customers(cls, renewals: Iterable[float],
                       churned: Optional[Iterable[Any]] = None) -> "SBG":
        """Fitted on customers: renewals[i] renewals so far (NaN: no contract), churned[i] true
        when the customer then did not renew (it left), false/NaN when still a customer."""
        self = cls()
        with self._closed_on_error():
            self.fit_customers(renewals, churned)
        return self

    @classmethod
    def from_params(cls, alpha: float, beta: float) -> "SBG":
        """A model with given parameters (no fit figures, no standard errors)."""
        self = cls()
        with self._closed_on_error():
            F.tier_sbg_set_params(self._p, float(alpha), float(beta))
        return self

    def fit(self, survivors: Sequence[Any]) -> "SBG":
        """Fits on one cohort's counts or a list of cohorts; all or nothing."""
        cohorts = list(survivors)
        if cohorts and not hasattr(cohorts[0], "__len__"):
            cohorts = [cohorts]
        arrays = [_doubles(c) for c in cohorts]
        ptrs = (_ffi.double_p * max(len(arrays), 1))(*[cast(a, _ffi.double_p) for a, _ in arrays])
        lens = (c_size_t * max(len(arrays), 1))(*[n for _, n in arrays])
        F.tier_sbg_fit(self._p, ptrs, lens, len(arrays))
        return self

    def fit_customers(self, renewals: Iterable[float],
                      churned: Optional[Iterable[Any]] = None) -> "SBG":
        """Fits on customers (see from_customers); all or nothing."""
        r, n = _doubles(renewals)
        c = None
        if churned is not None:
            c, m = _doubles(1.0 if v is True else 0.0 if v is False else v for v in churned)
            if m != n:
                raise ValueError("renewals and churned differ in length (%d, %d)" % (n, m))
        F.tier_sbg_fit_customers(self._p, r, c, n)
        return self

    def _get(self, fn: Any, *args: Any, rule: str = "") -> float:
        """Calls one figure of sbg.h. The library keeps no message for these calls (the handle
        is const), so a refusal is worded here, with the library's status: TIER_ESTATE when
        the model is not fitted, TIER_EINVAL with `rule` (what the arguments must be)."""
        out = c_double()
        try:
            fn(self._p, *args, byref(out))
        except _ffi.TierError as exc:
            if exc.name == "TIER_ESTATE":
                raise _ffi.error(exc.code, "the sBG model is not fitted: fit it on survivor "
                                 "counts or customers, or set alpha and beta "
                                 "(SBG.from_params)") from None
            if exc.name == "TIER_EINVAL" and rule:
                raise _ffi.error(exc.code, "%s, not %s" % (rule, ", ".join(
                    "%r" % (a,) for a in args))) from None
            raise
        return float(out.value)

    @property
    def alpha(self) -> float:
        """The fitted (or set) shape parameter alpha of the beta mixing distribution."""
        a = c_double()
        self._get(lambda p, *rest: F.tier_sbg_params(p, byref(a), None))
        return float(a.value)

    @property
    def beta(self) -> float:
        """The fitted (or set) shape parameter beta of the beta mixing distribution."""
        b = c_double()
        self._get(lambda p, *rest: F.tier_sbg_params(p, None, byref(b)))
        return float(b.value)

    @property
    def standard_errors(self) -> Optional[Tuple[float, float]]:
        """(se of alpha, se of beta), or None when not available."""
        a, b = c_double(), c_double()
        if F.tier_sbg_standard_errors(self._p, byref(a), byref(b)) != 0:
            return None
        return float(a.value), float(b.value)

    def stat(self, name: str) -> float:
        """A figure of the fit: one of SBG.stats ("log_likelihood", "converged", ...)."""
        try:
            code = _ffi.SBG_STATS[name]
        except KeyError:
            raise ValueError("unknown statistic %r (one of %s)" % (name, ", ".join(self.stats))) \
                from None
        return self._get(F.tier_sbg_fit_stat, code)

    def fit_stats(self) -> Dict[str, Any]:
        """Every figure of the fit with its real type: converged bool; log_likelihood and
        gradient float; iterations, customers, churned, periods and evaluations int; None for a
        figure the model does not know (NaN, e.g. with parameters set by from_params)."""
        from .models import typed_stats
        return typed_stats({name: self.stat(name) for name in self.stats},
                           floats=("log_likelihood", "gradient"))

    @property
    def log_likelihood(self) -> float:
        """The log-likelihood of the fit at its optimum."""
        return self.stat("log_likelihood")

    @property
    def converged(self) -> bool:
        """Whether the fit converged."""
        return self.stat("converged") == 1.0

    def survival(self, t: float) -> float:
        """S(t): the share of a cohort still customers after t renewals (t whole, >= 0)."""
        return self._get(F.tier_sbg_survival, float(t),
                         rule="t must be a whole number from 0 to 100000")

    def retention(self, t: float) -> float:
        """r(t): the share of customers in period t that renew at its end (t >= 1)."""
        return self._get(F.tier_sbg_retention, float(t),
                         rule="t must be a whole number from 1 to 100000")

    def renewal_probability(self, renewals: float) -> float:
        """The probability that a customer with `renewals` renewals renews at its next decision."""
        return self._get(F.tier_sbg_renewal_probability, float(renewals),
                         rule="renewals must be a finite number >= 0")

    def residual_lifetime(self, renewals: float) -> float:
        """Expected further renewals of such a customer (inf when alpha <= 1)."""
        return self._get(F.tier_sbg_residual_lifetime, float(renewals),
                         rule="renewals must be a finite number >= 0")

    def derl(self, renewals: float, discount_rate: float = 0.1) -> float:
        """Discounted expected residual lifetime in periods (next renewal undiscounted)."""
        return self._get(F.tier_sbg_derl, float(renewals), float(discount_rate),
                         rule="renewals must be a finite number >= 0 and the discount rate "
                         "above 0 and finite")

    def clv(self, renewals: float, margin: float, discount_rate: float = 0.1) -> float:
        """Contractual CLV: DERL x the recurring margin per period."""
        return self._get(F.tier_sbg_clv, float(renewals), float(discount_rate), float(margin),
                         rule="renewals must be a finite number >= 0, the discount rate above 0 "
                         "and finite, the margin finite and >= 0")

    def projection(self, periods: int) -> List[Tuple[int, float, Optional[float]]]:
        """[(t, survivors per 1,000, retention rate or None)] for t = 0..periods."""
        return [(t, 1000.0 * self.survival(t), self.retention(t) if t else None)
                for t in range(int(periods) + 1)]

    def _describe(self) -> List[Tuple[str, Any]]:
        try:
            facts: List[Tuple[str, Any]] = [("alpha", "%.4g" % self.alpha),
                                            ("beta", "%.4g" % self.beta)]
        except _ffi.TierError:
            return [("state", "unfitted")]
        if not math.isnan(self.log_likelihood):
            facts += [("log_likelihood", "%.6g" % self.log_likelihood),
                      ("converged", self.converged)]
        return facts

    def __repr__(self) -> str:
        if self.closed:
            return "SBG(closed)"
        try:
            return "SBG(alpha=%.4g, beta=%.4g)" % (self.alpha, self.beta)
        except _ffi.TierError:
            return "SBG(unfitted)"
