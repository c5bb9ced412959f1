# SPDX-License-Identifier: MIT
"""The built-in lifecycle model (lifecycle.h, docs/lifecycle.md)."""

import math
from ctypes import byref, c_double

from . import _ffi
from ._ffi import F
from .dates import from_day, to_day
from .models import Model

__all__ = ["Lifecycle"]

_DEFAULT_P_ALIVE = "clv.p_alive"


def _option(key):
    if isinstance(key, str):
        try:
            return _ffi.LIFECYCLE_OPTIONS[key]
        except KeyError:
            raise ValueError("unknown lifecycle option %r (one of %s)"
                             % (key, ", ".join(_ffi.LIFECYCLE_OPTIONS))) from None
    return int(key)


class Lifecycle(Model):
    """Lifecycle stages (new, growing, mature, declining, dormant, churned) and onboarding
    progress (handover, internal_rollout, stable_use, none).

    ``Lifecycle(name="lifecycle", as_of=None, p_alive_column="clv.p_alive",
    progress_attribute=None, users_attribute=None, **options)``; `as_of` is a date (default:
    the day after the book's last transaction), `p_alive_column` None stops using P(alive), and
    the options are the thresholds of ``Lifecycle.options`` (recent_window, churn_days, ...).
    Outputs: ``stage`` and ``onboarding`` (labels), ``trend``, ``inactive_days`` and
    ``tenure_days`` (numbers).
    """

    options = tuple(k for k in _ffi.LIFECYCLE_OPTIONS if k != "as_of")
    stages = _ffi.LIFECYCLE_STAGES
    onboarding_stages = _ffi.LIFECYCLE_ONBOARDING

    def __init__(self, name="lifecycle", as_of=None, p_alive_column=_DEFAULT_P_ALIVE,
                 progress_attribute=None, users_attribute=None, **options):
        ptr = _ffi.model_p()
        F.tier_lifecycle_new(byref(ptr),
                             _ffi.encode(name, "name") if name is not None else None, None)
        self._adopt(ptr)
        try:
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
        except BaseException:
            self.close()
            raise

    def set_option(self, key, value):
        """Sets an option by name ("churn_days", ...) or tier_lifecycle_option key; "as_of"
        takes a day number here (use the as_of property for dates)."""
        F.tier_lifecycle_set_option(self._p, _option(key), float(value))
        return self

    def get_option(self, key):
        out = c_double()
        F.tier_lifecycle_get_option(self._p, _option(key), byref(out))
        return out.value

    def get_options(self):
        """The thresholds as a dict (without as_of)."""
        return {name: self.get_option(name) for name in self.options}

    @property
    def as_of(self):
        """The as-of date set, or None for the default."""
        v = self.get_option("as_of")
        return None if math.isnan(v) else from_day(int(v))

    @as_of.setter
    def as_of(self, value):
        self.set_option("as_of", math.nan if value is None else to_day(value))

    def set_p_alive_column(self, column):
        """The number column holding P(alive) (default "clv.p_alive"); None stops using it."""
        F.tier_lifecycle_set_p_alive_column(
            self._p, None if column is None else _ffi.encode(column, "column"))
        return self

    def set_attribute(self, which, name):
        """The numeric attribute read for onboarding: which = "progress" (default
        "implementation_progress") or "users" (default "active_users_share")."""
        key = _ffi.LIFECYCLE_ATTRIBUTES.get(which, which)
        F.tier_lifecycle_set_attribute(self._p, key, _ffi.encode(name, "attribute"))
        return self
