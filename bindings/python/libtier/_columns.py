# SPDX-License-Identifier: MIT
"""Turning Python or NumPy columns into the C arrays of tier_book_add_txns().

With NumPy the work is done by whole-array operations (no Python loop per row); without it the
package falls back to array.array and plain loops. Tests switch the fallback on by setting
``_columns.np = None``.
"""

import array
import ctypes
import datetime
import math
import sys
from typing import Any, Iterable, List, Optional, Tuple, Union

from . import _ffi
from ._ffi import F
from .dates import to_day

try:
    import numpy as np
except ImportError:  # stdlib-only installs
    np = None  # type: ignore[assignment]


def _typecode(size: int, candidates: str) -> str:
    for code in candidates:
        if array.array(code).itemsize == size:
            return code
    raise RuntimeError("no array typecode of %d bytes" % size)


_SIZE_T = _typecode(ctypes.sizeof(ctypes.c_size_t), "LQI")
INT32_TYPECODE = _typecode(4, "ilh")


#: The layout of Ids that tier_book_add_txns takes (data and n+1 offsets); the others are
#: tier_ids_layout values of tier_book_add_txns_ids (_ffi.IDS_*).
IDS_OFFSETS = 0


def _address(buf: Any) -> Optional[int]:
    """The address of a bytes / array.array / numpy buffer as an int (None for None)."""
    if buf is None:
        return None
    if isinstance(buf, bytes):
        return ctypes.cast(ctypes.c_char_p(buf), ctypes.c_void_p).value
    if isinstance(buf, array.array):
        return int(buf.buffer_info()[0])
    return int(buf.ctypes.data)


class Ids:
    """The customer ids of one add_txns call as C reads them: `data` in `layout` (IDS_OFFSETS
    with its n+1 `offsets`, or a tier_ids_layout with its `width`); keeps the buffers alive."""

    def __init__(self, n: int, layout: int, data: Any, width: int = 0, offsets: Any = None,
                 texts: Any = None) -> None:
        self.n = n
        self.layout = layout
        self.data = data
        self.width = width
        self.offsets = offsets
        self.texts = texts  # the column of str ids joined into data (IDS_NUL_SEPARATED)

    def check_separators(self) -> None:
        """After C found more NUL-separated ids than rows: the TierError naming the first
        row whose id holds a NUL byte."""
        for row, text in enumerate(self.texts if self.texts is not None else ()):
            id_text(text, row)


class Packed:
    """The arrays of one add_txns call; keeps them alive while C reads them."""

    def __init__(self, ids: Ids, days: Any, amounts: Any, margins: Any) -> None:
        self.n = ids.n
        self.ids = ids
        self.days = days
        self.amounts = amounts
        self.margins = margins

    def add_to(self, book: Any) -> None:
        """Adds the rows to the C book `book` in one call (tier_book_add_txns_ids, or
        tier_book_add_txns for ids with offsets)."""
        ids = self.ids
        tail = (_address(self.days), _address(self.amounts), _address(self.margins))
        if ids.layout == IDS_OFFSETS:
            F.tier_book_add_txns(book, self.n, _address(ids.data), _address(ids.offsets), *tail)
            return
        try:
            F.tier_book_add_txns_ids(book, self.n, ids.layout, _address(ids.data), ids.width,
                                     *tail)
        except _ffi.TierError:
            ids.check_separators()  # raises when an id holds a NUL; else C's error stands
            raise


def _row_error(code: int, row: int, text: str) -> _ffi.TierError:
    return _ffi.error(code, "row %d: %s" % (row, text))


def missing(value: Any) -> bool:
    """Whether one value stands for "missing": None, a NaN (float or NumPy), pandas NA or NaT."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    name = type(value).__name__
    if name in ("NAType", "NaTType"):
        return True
    if name.startswith("float"):  # numpy floating scalars
        return bool(value != value)
    return False


def _is_integer(value: Any) -> bool:
    """A Python or NumPy integer, not a bool."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return False
    return isinstance(value, int) or type(value).__name__.startswith(("int", "uint"))


def id_text(value: Any, row: int) -> Union[str, bytes]:
    """A customer id given in row `row` as str or bytes (an integer as its digits); TierError
    TIER_EINVAL when it is missing (None, NaN, pandas NA or NaT) or holds a NUL byte (C would end
    it there, so "X\\0" would be "X"), TypeError when it is anything else (a float, a dict)."""
    if missing(value):
        raise _row_error(_ffi.EINVAL, row, "missing customer id")
    if _is_integer(value):
        return str(int(value))
    if not isinstance(value, (str, bytes)):
        raise TypeError("customer ids must be text or integers, not %s (row %d)"
                        % (type(value).__name__, row))
    if (isinstance(value, bytes) and b"\0" in value) or (isinstance(value, str)
                                                         and "\0" in value):
        raise _row_error(_ffi.EINVAL, row, "customer id %r contains a NUL byte" % (value,))
    return value


# --- NumPy path --------------------------------------------------------------------------------

def _np_missing(a: Any) -> Any:
    """Boolean mask of missing entries (None, NaN, NaT, pandas NA) of any array."""
    if a.dtype.kind == "O":
        pd = sys.modules.get("pandas")
        if pd is not None:  # pandas' own test, in C (None, NaN, NaT, pd.NA)
            return np.asarray(pd.isna(a), dtype=bool)
        # One test per object (pandas NA compares to nothing, so no elementwise == will do).
        return np.frompyfunc(missing, 1, 1)(a).astype(bool)
    if a.dtype.kind == "f":
        return np.isnan(a)
    if a.dtype.kind in "mM":
        return np.isnat(a)
    return np.zeros(a.shape, dtype=bool)


def missing_mask(values: Any) -> Any:
    """Boolean NumPy mask of the missing entries (None, NaN, NaT, pd.NA) of a column, whole-array
    where the dtype allows (object columns test each entry)."""
    return _np_missing(_np_column(values))


def no_missing(n: int) -> Any:
    """The mask of a column of n entries none of which is missing."""
    return np.zeros(n, dtype=bool)


def _np_first(mask: Any) -> int:
    return int(np.flatnonzero(mask)[0])


def _np_column(values: Any) -> Any:
    """values as a 1-D array; a list or other sequence of texts becomes an object array, since a
    NumPy text array would drop trailing NUL bytes ("X\\0" would be "X")."""
    a = values if isinstance(values, np.ndarray) else np.asarray(values)
    if a.dtype.kind in "US" and not isinstance(values, np.ndarray):
        a = np.asarray(values, dtype=object)
    return a if a.ndim == 1 else a.reshape(-1)


def np_ids(values: Any) -> Tuple[Any, Any]:
    """(data, offsets) for ids: one uint8 buffer of all UTF-8 ids and n+1 size_t offsets."""
    a = _np_column(values)
    n = a.shape[0]
    if a.dtype.kind == "O" and n:
        fast = _np_text_ids(a)  # None for anything but str ids (a missing one included)
        if fast is not None:
            return fast
    miss = _np_missing(a)
    if miss.any():
        raise _row_error(_ffi.EINVAL, _np_first(miss), "missing customer id")
    if a.dtype.kind in "iu":
        return _np_int_ids(a)
    if a.dtype.kind == "S":
        enc = a
    elif a.dtype.kind == "U":
        enc = np.char.encode(a, "utf-8")
    elif a.dtype.kind == "f":
        raise TypeError("customer ids must be text or integers, not floats")
    elif a.dtype.kind == "O":
        # Each id checked as the stdlib path does (type, NUL), then encoded one by one.
        enc = np.array([id_text(v, row) for row, v in enumerate(a)], dtype=object)
        enc = np.array([v if isinstance(v, bytes) else v.encode("utf-8") for v in enc], dtype="S")
    else:
        raise TypeError("customer ids must be text or integers, not %s" % a.dtype)
    enc = np.ascontiguousarray(enc)
    lengths = np.char.str_len(enc).astype(np.int64)
    offsets = np.zeros(n + 1, dtype=np.uintp)
    if n:
        offsets[1:] = np.cumsum(lengths)
    width = enc.dtype.itemsize
    if n == 0 or width == 0:
        return np.zeros(1, dtype=np.uint8), offsets
    mat = enc.view(np.uint8).reshape(n, width)
    # Row-major boolean selection concatenates each id's bytes, in order.
    data = np.ascontiguousarray(mat[np.arange(width) < lengths[:, None]])
    if data.size == 0:
        data = np.zeros(1, dtype=np.uint8)
    return data, offsets


def _digit_table(pad: bool) -> bytes:
    """The 10,000 four-digit groups "0000".."9999" (pad) or as NUL-padded numbers
    ("\\0\\0\\0" "7", 0 as four NULs)."""
    return b"".join(b"%04d" % i if pad else (b"%d" % i).rjust(4, b"\0") if i else b"\0" * 4
                    for i in range(10000))


_GROUPS: Any = None  # uint32 four-byte groups, made on first use (see _np_group_table)


def _np_group_table() -> Any:
    """Index g: group g NUL-padded ("47" as "\\0\\0" "47", 0 as four NULs); index 10000 + g:
    group g zero-padded ("0047"), for groups with digits before them."""
    global _GROUPS
    if _GROUPS is None:
        _GROUPS = np.frombuffer(_digit_table(False) + _digit_table(True), dtype=np.uint32)
    return _GROUPS


def _np_decimal(mag: Any, neg: Any) -> Tuple[Any, Any]:
    """(text, lengths): each magnitude (uint64) as its decimal digits, right-aligned in a row of
    four-byte groups (uint32, NUL before the first digit, "-" before it when `neg`), and its
    length in bytes. Whole-array arithmetic: one division pass per four digits."""
    m = mag.shape[0]
    top = int(mag.max()) if m else 0
    ndigits = len(str(top))
    groups = (ndigits + 3) // 4 + (1 if neg.any() else 0)  # room for the sign
    table = _np_group_table()
    text = np.zeros((m, groups), dtype=np.uint32)
    rest = mag.astype(np.uint32) if top < 2 ** 32 else mag
    ten4 = rest.dtype.type(10000)
    for g in range((ndigits + 3) // 4):  # from the lowest group up
        low = rest % ten4
        rest = rest // ten4
        index = low.astype(np.intp)
        index += (rest != 0) * 10000  # digits before it: keep its zeros
        text[:, groups - 1 - g] = np.take(table, index)
    lengths = np.searchsorted(np.array([10 ** k for k in range(1, max(ndigits, 1))],
                                       dtype=np.uint64), mag, side="right").astype(np.intp) + 1
    bytes_ = text.view(np.uint8).reshape(m, 4 * groups)
    bytes_[mag == 0, 4 * groups - 1] = ord("0")  # zero: its one digit (all groups were NUL)
    if neg.any():
        rows = np.flatnonzero(neg)
        bytes_[rows, 4 * groups - 1 - lengths[rows]] = ord("-")
        lengths += neg
    return text, lengths


def _np_int_ids(a: Any) -> Tuple[Any, Any]:
    """(data, offsets) of integer ids as their decimal digits, by whole-array arithmetic (a
    NumPy text conversion costs ~1 s per million). When the ids span fewer values than there
    are rows (customers repeat), each value of the span is written once and the rows take
    theirs from that table."""
    n = a.shape[0]
    offsets = np.zeros(n + 1, dtype=np.intp)
    if n == 0:
        return np.zeros(1, dtype=np.uint8), offsets.view(np.uintp)
    wide = a.astype(np.uint64 if a.dtype.kind == "u" else np.int64, copy=False)
    lo, hi = wide.min(), wide.max()
    if int(hi) - int(lo) < n // 2:  # a table of the span lo..hi, read by row
        text, lengths = _np_decimal(*_np_magnitude(
            np.arange(int(hi) - int(lo) + 1, dtype=wide.dtype) + lo))
        where = (wide - lo).astype(np.intp)
        # np.take: fancy indexing of 2-D rows costs five times as much
        text, lengths = np.take(text, where, axis=0), np.take(lengths, where)
    else:
        text, lengths = _np_decimal(*_np_magnitude(wide))
    flat = text.view(np.uint8).reshape(-1)
    data = flat[flat != 0]  # row-major: each id's bytes, in order, without the padding
    np.cumsum(lengths, out=offsets[1:])
    return data, offsets.view(np.uintp)


def _np_magnitude(a: Any) -> Tuple[Any, Any]:
    """(|a| as uint64, a < 0) of an integer array, exact at INT64_MIN."""
    if a.dtype.kind == "u":
        return a.astype(np.uint64), np.zeros(a.shape[0], dtype=bool)
    v = a.astype(np.int64)
    neg = v < 0
    if not neg.any():
        return v.astype(np.uint64), neg
    # |v| without overflow at INT64_MIN: -(v + 1) + 1 in uint64.
    return np.where(neg, (-(v + 1)).astype(np.uint64) + np.uint64(1), v.astype(np.uint64)), neg


def _np_text_ids(a: Any) -> Optional[Tuple[Any, Any]]:
    """(data, offsets) of an object column of str ids by whole-string operations: one join with
    NUL between the ids, one encode, and the NUL positions as the offsets. None when it holds
    anything but str (a missing id, bytes, a number) or an id holds a NUL byte: the checked
    path then names the row."""
    n = a.shape[0]
    try:
        joined = "\0".join(a.tolist())  # a list: join reads an array through a slower copy
    except TypeError:  # not all str
        return None
    raw = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)  # UTF-8 has no other 0 byte
    ends = np.flatnonzero(raw == 0)
    if ends.shape[0] != n - 1:
        return None
    offsets = np.empty(n + 1, dtype=np.uintp)
    offsets[0] = 0
    offsets[1:n] = ends - np.arange(n - 1)  # the k-th NUL follows id k and k earlier NULs
    offsets[n] = raw.shape[0] - (n - 1)
    data = raw[raw != 0] if n > 1 else raw
    if data.size == 0:
        data = np.zeros(1, dtype=np.uint8)
    return data, offsets


def _np_days_from_ymd(y: Any, m: Any, d: Any) -> Tuple[Any, Any]:
    """Vectorized days-from-civil (proleptic Gregorian) with validation mask."""
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    month_len = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    mc = np.clip(m, 0, 12)
    dim = month_len[mc] + ((mc == 2) & leap)
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= dim) & (y >= 1900) & (y <= 9999)
    yy = y - (m <= 2)
    era = np.floor_divide(yy, 400)
    yoe = yy - era * 400
    mp = np.where(m > 2, m - 3, m + 9)
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468, ok


def _np_days_from_int(v: Any) -> Any:
    v = v.astype(np.int64)
    days, ok = _np_days_from_ymd(v // 10000, v // 100 % 100, v % 100)
    ok &= v >= 0
    if not ok.all():
        row = _np_first(~ok)
        raise _row_error(_ffi.ERANGE, row, "not a YYYYMMDD date: %d" % int(v[row]))
    return days


def _np_days_from_text(a: Any) -> Any:
    enc = a if a.dtype.kind == "S" else np.char.encode(a, "ascii", "replace")
    enc = np.char.strip(enc)
    lens = np.char.str_len(enc)
    width = max(enc.dtype.itemsize, 10)
    mat = np.zeros((a.shape[0], width), dtype=np.uint8)
    if a.shape[0]:
        src = np.ascontiguousarray(enc).view(np.uint8).reshape(a.shape[0], enc.dtype.itemsize)
        mat[:, :src.shape[1]] = src
    digit = (mat >= 48) & (mat <= 57)
    val = mat.astype(np.int64) - 48
    iso = (lens == 10) & digit[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(axis=1) & \
        (mat[:, 4] == 45) & (mat[:, 7] == 45)
    compact = (lens == 8) & digit[:, :8].all(axis=1)
    if not (iso | compact).all():
        row = _np_first(~(iso | compact))
        raise _row_error(_ffi.EPARSE, row, "not a date: %r" % (a[row],))

    def num(cols: List[int]) -> Any:
        out = np.zeros(a.shape[0], dtype=np.int64)
        for c in cols:
            out = out * 10 + val[:, c]
        return out

    y = num([0, 1, 2, 3])
    m = np.where(iso, num([5, 6]), num([4, 5]))
    d = np.where(iso, num([8, 9]), num([6, 7]))
    days, ok = _np_days_from_ymd(y, m, d)
    if not ok.all():
        row = _np_first(~ok)
        raise _row_error(_ffi.ERANGE, row, "no such date: %r" % (a[row],))
    return days


def _wall_clock(value: Any) -> Any:
    """A timezone-aware timestamp as its own wall-clock time (its date where it happened), the
    zone dropped; anything else unchanged."""
    if getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)
    return value


_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


def _np_days_from_objects(a: Any) -> Optional[Any]:
    """int32 day numbers of an object column of date / datetime objects (pandas Timestamps
    included, naive or aware, any mix of zones) without a Python call per value, or None when
    it holds anything else (None, NaT, text, datetime64 objects) or a date outside
    1900-01-01 .. 9999-12-31: the checked path then converts it or names the row.

    date.toordinal, applied by map() in C, reads the date fields of the object itself: for an
    aware datetime that is its own wall-clock date, the documented rule, whatever its zone (a
    whole-array conversion such as NumPy's or pandas' would first go to UTC). pandas' NaT is a
    datetime whose fields read as 0001-01-01, out of range, so it takes the checked path."""
    try:
        ordinals = np.fromiter(map(datetime.date.toordinal, a), dtype=np.int64,
                               count=a.shape[0])
    except TypeError:  # not a date object
        return None
    days = ordinals - _EPOCH_ORDINAL
    if ((days < _ffi.DAY_MIN) | (days > _ffi.DAY_MAX)).any():
        return None
    return days.astype(np.int32)


def _np_days_from_datetime64(a: Any) -> Any:
    """int32 day numbers of a datetime64 column: its int64 days read in place (a view for
    datetime64[D]), two reductions to check the range, one narrowing copy; NaT (the smallest
    int64) and out-of-range dates are looked for only when the range shows one."""
    days = a.view(np.int64) if a.dtype == np.dtype("datetime64[D]") else \
        a.astype("datetime64[D]").view(np.int64)
    if days.size and (days.min() < _ffi.DAY_MIN or days.max() > _ffi.DAY_MAX):
        miss = np.isnat(a)
        if miss.any():
            raise _row_error(_ffi.EINVAL, _np_first(miss), "missing date")
        raise _row_error(_ffi.ERANGE, _np_first((days < _ffi.DAY_MIN) | (days > _ffi.DAY_MAX)),
                         "date outside 1900-01-01 .. 9999-12-31")
    return days.astype(np.int32)


def np_days(values: Any) -> Any:
    """int32 day numbers from datetime64, date objects, ISO/YYYYMMDD text or YYYYMMDD ints.
    Timezone-aware timestamps count by their own calendar date (2024-01-01 23:30-05:00 is
    2024-01-01, not the UTC 2024-01-02)."""
    if getattr(getattr(values, "dt", None), "tz", None) is not None:  # a pandas Series
        values = values.dt.tz_localize(None)
    elif getattr(values, "tz", None) is not None:  # a DatetimeIndex or DatetimeArray
        values = values.tz_localize(None)
    a = values if isinstance(values, np.ndarray) else np.asarray(values)
    if a.ndim != 1:
        a = a.reshape(-1)
    if a.dtype.kind == "M":
        return _np_days_from_datetime64(a)
    if a.dtype.kind == "O" and a.size:
        if not isinstance(a[0], (str, bytes)):
            fast = _np_days_from_objects(a)
            if fast is not None:
                return fast
        # The checked path, one Python call per value: text, NumPy datetime64 objects, missing
        # values and out-of-range dates (whose errors name the row) come here.
        a = np.frompyfunc(_wall_clock, 1, 1)(a)
    miss = _np_missing(a)
    if miss.any():
        raise _row_error(_ffi.EINVAL, _np_first(miss), "missing date")
    kind = a.dtype.kind
    if kind in "iu":
        days = _np_days_from_int(a)
    elif kind in "US":
        days = _np_days_from_text(a)
    elif kind == "O":
        # Text or date objects, judged by the first entry (mixed columns are not supported).
        if a.size and isinstance(a[0], (str, bytes)):
            days = _np_days_from_text(a.astype(str))
        else:
            days = a.astype("datetime64[D]").astype(np.int64)
    else:
        raise TypeError("cannot use a column of %s as dates" % a.dtype)
    out_of_range = (days < _ffi.DAY_MIN) | (days > _ffi.DAY_MAX)
    if out_of_range.any():
        raise _row_error(_ffi.ERANGE, _np_first(out_of_range),
                         "date outside 1900-01-01 .. 9999-12-31")
    return np.ascontiguousarray(days.astype(np.int32))


def np_doubles(values: Any) -> Any:
    """float64 values of a column as a contiguous NumPy array (a missing entry is NaN)."""
    a = np.asarray(values)
    if a.dtype.kind == "O":
        a = np.where(_np_missing(a), np.nan, a)
    return np.ascontiguousarray(a.reshape(-1), dtype=np.float64)  # float64 read in place


# --- stdlib path --------------------------------------------------------------------------------

def py_ids(values: Iterable[Any]) -> Tuple[bytes, "array.array[int]"]:
    """(data, offsets) of ids without NumPy: the UTF-8 ids joined and their n+1 offsets."""
    parts: List[bytes] = []
    offsets = array.array(_SIZE_T, [0])
    total = 0
    for row, v in enumerate(values):
        v = id_text(v, row)
        raw = v if isinstance(v, bytes) else v.encode("utf-8")
        parts.append(raw)
        total += len(raw)
        offsets.append(total)
    return b"".join(parts) or b"\0", offsets


def py_days(values: Iterable[Any]) -> "array.array[int]":
    """int32 day numbers of a column without NumPy (an error names the row)."""
    out = array.array(INT32_TYPECODE)
    for row, v in enumerate(values):
        if missing(v):
            raise _row_error(_ffi.EINVAL, row, "missing date")
        try:
            out.append(to_day(_wall_clock(v)))
        except _ffi.TierError as exc:
            raise _row_error(exc.code, row, exc.message) from None
    return out


def py_doubles(values: Iterable[Any]) -> "array.array[float]":
    """float64 values of a column without NumPy (None is NaN)."""
    return array.array("d", (math.nan if v is None else float(v) for v in values))


# --- ids as C reads them -----------------------------------------------------------------

def _have_layouts() -> bool:
    """Whether the loaded library has tier_book_add_txns_ids (0.5.0 and later)."""
    return not isinstance(F.tier_book_add_txns_ids, _ffi._Missing)


def joined_ids(texts: Any) -> Optional[Ids]:
    """A list or object array of str ids as one UTF-8 buffer with NUL between them
    (TIER_IDS_NUL_SEPARATED): one join and one encode, no Python call per id. None when it holds
    anything but str (a missing id, bytes, a number) or an id cannot be encoded: the checked
    path then names the row. An id holding a NUL byte is named by Packed.add_to when C has
    refused the call."""
    if not _have_layouts():
        return None
    try:
        # An array as a list: join reads an array through a slower copy.
        raw = "\0".join(texts if isinstance(texts, list) else texts.tolist()).encode("utf-8")
    except (TypeError, UnicodeEncodeError):
        return None
    # An id holding a NUL would make one id too many: C refuses the call before adding a row,
    # and add_to then names the row from `texts` (kept for that).
    return Ids(len(texts), _ffi.IDS_NUL_SEPARATED, raw, len(raw), texts=texts)


def _np_layout_ids(a: Any) -> Optional[Ids]:
    """A NumPy column of ids in the layout C reads without a copy where it can: integers as
    int64/uint64, "S" as fixed-width bytes, "U" as UTF-32, str objects joined; None for any
    other column (the checked path)."""
    if a.ndim != 1:
        a = a.reshape(-1)
    n, kind = a.shape[0], a.dtype.kind
    if kind == "i":
        return Ids(n, _ffi.IDS_INT64, np.ascontiguousarray(a, dtype=np.int64))
    if kind == "u":
        return Ids(n, _ffi.IDS_UINT64, np.ascontiguousarray(a, dtype=np.uint64))
    if kind in "SU" and a.dtype.itemsize:
        if kind == "U" and a.dtype.byteorder not in "=|":
            a = a.astype(a.dtype.newbyteorder("="))
        return Ids(n, _ffi.IDS_FIXED if kind == "S" else _ffi.IDS_UTF32,
                   np.ascontiguousarray(a), a.dtype.itemsize)
    if kind == "O":
        return joined_ids(a)
    return None


def _list_layout_ids(values: Any) -> Optional[Ids]:
    """A list or tuple of all-str or all-int ids in a layout C reads (joined, or int64 in an
    array.array), None for anything else; without NumPy."""
    kinds = set(map(type, values))
    if kinds == {str}:
        return joined_ids(values if isinstance(values, list) else list(values))
    if kinds == {int}:
        try:
            return Ids(len(values), _ffi.IDS_INT64, array.array("q", values))
        except OverflowError:  # beyond int64: the checked path writes its digits
            return None
    return None


def ids_column(values: Any) -> Ids:
    """The ids of one add_txns call for C: read as they are where the library can (see
    tier_book_add_txns_ids), else checked one by one into data and offsets (np_ids / py_ids,
    whose errors name the row)."""
    if isinstance(values, Ids):
        return values
    fast = None
    if _have_layouts():
        if isinstance(values, (list, tuple)):
            fast = _list_layout_ids(values)
        elif np is not None and hasattr(values, "__array__"):
            fast = _np_layout_ids(np.asarray(values))
    if fast is not None:
        return fast
    data, offsets = np_ids(values) if np is not None else py_ids(values)
    return Ids(len(offsets) - 1, IDS_OFFSETS, data, offsets=offsets)


# --- entry point ------------------------------------------------------------------------------

def _length(values: Any) -> Optional[int]:
    try:
        return len(values)
    except TypeError:
        return None


def pack(ids: Any, dates: Any, amounts: Any, margins: Any = None, days: Any = None) -> Packed:
    """Packs the columns of one add_txns call. `days` (day numbers) may replace `dates`; `ids`
    may be an Ids already (add_dataframe encodes them while checking for missing ids)."""
    use_np = np is not None
    cols = [ids, dates if days is None else days, amounts] + ([margins] if margins is not None
                                                              else [])
    if all(_length(c) == 0 for c in cols):
        # No rows: nothing to convert, whatever the (empty) columns' types (a 0-row DataFrame's
        # columns are often float64 or object).
        empty = array.array("d")
        return Packed(Ids(0, IDS_OFFSETS, b"\0", offsets=array.array(_SIZE_T, [0])),
                      array.array(INT32_TYPECODE), empty, empty if margins is not None else None)
    day_arr: Any
    amt: Any
    mar: Any
    id_col = ids_column(ids)
    n = id_col.n
    if use_np:
        if days is not None:
            day_arr = np.ascontiguousarray(np.asarray(days, dtype=np.int64).reshape(-1))
            bad = (day_arr < _ffi.DAY_MIN) | (day_arr > _ffi.DAY_MAX)
            if bad.any():
                raise _row_error(_ffi.ERANGE, _np_first(bad), "day number out of range")
            day_arr = day_arr.astype(np.int32)
        else:
            day_arr = np_days(dates)
        amt = np_doubles(amounts)
        mar = np_doubles(margins) if margins is not None else None
        lens = [day_arr.shape[0], amt.shape[0]] + ([mar.shape[0]] if mar is not None else [])
    else:
        if days is not None:
            day_arr = array.array(INT32_TYPECODE, (int(d) for d in days))
        else:
            day_arr = py_days(dates)
        amt = py_doubles(amounts)
        mar = py_doubles(margins) if margins is not None else None
        lens = [len(day_arr), len(amt)] + ([len(mar)] if mar is not None else [])
    if any(x != n for x in lens):
        raise ValueError("columns differ in length: %d ids, lengths %s" % (n, lens))
    return Packed(id_col, day_arr, amt, mar)
