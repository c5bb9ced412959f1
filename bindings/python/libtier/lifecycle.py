# SPDX-License-Identifier: MIT
"""The built-in lifecycle model (lifecycle.h, docs/lifecycle.md)."""

from typing import Any, Dict, Optional

from . import _ffi
from ._ffi import F
from .models import Model, day_property

__all__ = ["Lifecycle"]

_DEFAULT_P_ALIVE = "clv.p_alive"


class Lifecycle(Model):
    """Lifecycle stages (new, growing, mature, declining, dormant, churned) and onboarding
    progress (handover, internal_rollout, stable_use, none).

    ``Lifecycle(name="lifecycle", as_of=None, p_alive_column="clv.p_alive",
    progress_attribute=None, users_attribute=None, **options)``; `as_of` is a date (default:
    the day after the book's last transaction), `p_alive_column` None stops using P(alive), and
    the options are the thresholds of ``Lifecycle.thresholds`` (recent_window, churn_days, ...).
    Outputs: ``stage`` and ``onboarding`` (labels), ``trend``, ``inactive_days`` and
    ``tenure_days`` (numbers).
    """

    thresholds = ("recent_window", "previous_window", "trend_epsilon", "churn_days",
                  "churn_p_alive", "dormant_days", "new_days", "growth_trend", "decline_trend",
                  "decline_p_alive", "rollout_progress", "stable_progress", "stable_users")
    stages = _ffi.LIFECYCLE_STAGES
    onboarding_stages = _ffi.LIFECYCLE_ONBOARDING

    def __init__(self, name: str = "lifecycle", as_of: Any = None,
                 p_alive_column: Optional[str] = _DEFAULT_P_ALIVE,
                 progress_attribute: Optional[str] = None,
                 users_attribute: Optional[str] = None, **options: Any) -> None:
        self._make(F.tier_lifecycle_new, name)
        with self._closed_on_error():
            if as_of is not None:
                self.as_of = as_of
            if p_alive_column != _DEFAULT_P_ALIVE:
                self.set_p_alive_column(p_alive_column)
            if progress_attribute is not None:
                self.set_attribute("progress", progress_attribute)
            if users_attribute is not None:
                self.set_attribute("users", users_attribute)
            for key, value in options.items():
                if key == "as_of":
                    raise TypeError("give as_of as a date: Lifecycle(as_of=...)")
                self.set_option(key, value)

    def get_options(self) -> Dict[str, Any]:
        """The thresholds as a dict (without as_of and the names)."""
        return {name: self.get_option(name) for name in self.thresholds}

    as_of = day_property("as_of", "The as-of date set, or None for the default.")

    def set_p_alive_column(self, column: Optional[str]) -> "Lifecycle":
        """The number column holding P(alive) (default "clv.p_alive"); None stops using it."""
        return self.set_option("p_alive_column", "" if column is None else column)

    def set_attribute(self, which: str, name: str) -> "Lifecycle":
        """The numeric attribute read for onboarding: which = "progress" (default
        "implementation_progress") or "users" (default "active_users_share")."""
        if which not in ("progress", "users"):
            raise ValueError("which must be 'progress' or 'users', not %r" % (which,))
        return self.set_option(which + "_attribute", name)


Model._kinds["lifecycle"] = Lifecycle
