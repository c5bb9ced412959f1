# SPDX-License-Identifier: MIT
"""Dates as libtier day numbers (days since 1970-01-01), converted by the library itself."""

import datetime
from ctypes import byref, c_int, c_int32, create_string_buffer
from typing import Any

from . import _ffi
from ._ffi import F

__all__ = ["to_day", "from_day", "format_day", "DAY_MIN", "DAY_MAX"]

DAY_MIN = _ffi.DAY_MIN
DAY_MAX = _ffi.DAY_MAX


def _from_ymd(year: int, month: int, day: int) -> int:
    out = c_int32()
    F.tier_date_from_ymd(byref(out), year, month, day)
    return int(out.value)


def to_day(value: Any) -> int:
    """Day number of a date given as datetime.date/datetime (or pandas Timestamp), numpy
    datetime64, ISO text "YYYY-MM-DD", text "YYYYMMDD" or an int YYYYMMDD.

    Raises TierError (TIER_EPARSE / TIER_ERANGE) for text or numbers that are not a supported
    date, TypeError for other types.
    """
    if isinstance(value, datetime.datetime):
        return _from_ymd(value.year, value.month, value.day)
    if isinstance(value, datetime.date):
        return _from_ymd(value.year, value.month, value.day)
    if isinstance(value, (str, bytes)):
        raw = _ffi.encode(value).strip()
        out = c_int32()
        F.tier_date_parse(byref(out), raw, len(raw), _ffi.DATE_AUTO)
        return int(out.value)
    if isinstance(value, bool):
        raise TypeError("a date cannot be a bool")
    if isinstance(value, int) or type(value).__name__.startswith(("int", "uint")):
        v = int(value)
        if v < 0:
            raise _ffi.error(_ffi.ERANGE, "not a YYYYMMDD date: %d" % v)
        return _from_ymd(v // 10000, v // 100 % 100, v % 100)
    if type(value).__name__ == "datetime64":
        import numpy as np  # only reached when numpy made the value
        if np.isnat(value):
            raise _ffi.error(_ffi.EINVAL, "missing date (NaT)")
        return to_day(value.astype("datetime64[D]").item())
    raise TypeError("cannot use %s as a date" % type(value).__name__)


def from_day(day: int) -> datetime.date:
    """The datetime.date of a day number."""
    y, m, d = c_int(), c_int(), c_int()
    F.tier_date_to_ymd(int(day), byref(y), byref(m), byref(d))
    return datetime.date(y.value, m.value, d.value)


def format_day(day: int) -> str:
    """A day number as "YYYY-MM-DD"."""
    out = create_string_buffer(16)
    F.tier_date_format_iso(out, len(out), int(day))
    return out.value.decode("ascii")
