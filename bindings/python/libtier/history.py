# SPDX-License-Identifier: MIT
"""Tiers over time (include/tier/history.h, docs/history.md): the state one run hands to the
next, with hysteresis and dwell, overrides, and the ledger of the moves.

Example::

    from libtier import History, Pipeline
    with Pipeline(input="invoices.csv", state="tiers.state", ledger="ledger-2025-06") as p:
        p.run()                                  # loads, applies and saves the state
    h = History.load("tiers.state")
    print(h.runs, h.as_of, h.entry("ACC00042"))
    h.overrides.add("ACC00042", "S", "strategic renewal", "jane", "2025-09-01")
    h.save("tiers.state")
"""

import csv
import datetime
import io
import math
from ctypes import byref, string_at
from typing import Any, Callable, Iterator, List, NamedTuple, Optional, Tuple, Union

from . import _ffi
from ._ffi import F
from ._handle import Handle
from .pipeline import _text

__all__ = ["History", "HistoryEntry", "Override", "MatrixRow"]

class HistoryEntry(NamedTuple):
    """One customer's state: its tier ("" when none), since (the day it entered it, a
    datetime.date), runs in a row in that tier, the failing counter, the reason of its last
    move, the day of that move (None: never moved) and the tier before it ("" when none)."""

    id: str
    tier: str
    since: Optional[datetime.date]
    runs: int
    failing: int
    reason: str
    moved: Optional[datetime.date]
    previous: str


class Override(NamedTuple):
    """An override: the customer pinned to `tier` until the day `until` (exclusive, a
    datetime.date), with its reason and author; `created` is the state's as-of day when it was
    added (None before any run)."""

    id: str
    tier: str
    reason: str
    author: str
    until: Optional[datetime.date]
    created: Optional[datetime.date]


class MatrixRow(NamedTuple):
    """A cell of the from->to matrix of the last run ("" for no tier)."""

    from_tier: str
    to_tier: str
    customers: int
    revenue: float


def _date(day: Optional[float]) -> Optional[datetime.date]:
    from .dates import from_day
    return None if day is None or not math.isfinite(day) else from_day(int(day))


def _str(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "surrogateescape") if raw else ""


class _Overrides:
    """The overrides of a History: add(), remove(), list(), len(), iteration, ``id in``."""

    def __init__(self, history: "History") -> None:
        self._h = history

    def add(self, customer: str, tier: str, reason: str, author: str,
            until: Any) -> "_Overrides":
        """Pins `customer` to `tier` until the day `until` (exclusive: a date, "YYYY-MM-DD" or a
        day number), replacing its override if it has one. It takes effect at the next apply()
        and is kept by save()."""
        from .dates import to_day
        day = until if isinstance(until, int) and not isinstance(until, bool) and until < 10**6 \
            else to_day(until)
        F.tier_history_override_add(self._h._p, _text(customer), _text(tier), _text(reason),
                                    _text(author), float(day))
        return self

    def remove(self, customer: str) -> "_Overrides":
        """Removes the override of `customer`; TierError (TIER_ENOTFOUND) when it has none."""
        F.tier_history_override_remove(self._h._p, _text(customer))
        return self

    def list(self) -> List[Override]:
        """The overrides as Override tuples, ordered by customer id."""
        out = []
        entry = _ffi.OverrideEntry()
        for i in range(F.tier_history_override_count(self._h._p)):
            F.tier_history_override_get(self._h._p, i, byref(entry))
            out.append(Override(_str(entry.id), _str(entry.tier), _str(entry.reason),
                                _str(entry.author), _date(entry.expires), _date(entry.created)))
        return out

    def __len__(self) -> int:
        return int(F.tier_history_override_count(self._h._p))

    def __iter__(self) -> Iterator[Override]:
        return iter(self.list())

    def __contains__(self, customer: object) -> bool:
        return any(o.id == customer for o in self.list())


class History(Handle):
    """The state carried from run to run (tier_history). ``History()`` is empty (no run yet);
    ``History.load(path)`` reads a snapshot file."""

    _free = staticmethod(F.tier_history_free)

    def __init__(self) -> None:
        ptr = _ffi.history_p()
        F.tier_history_new(byref(ptr), None)
        self._adopt(ptr)
        self.overrides = _Overrides(self)

    # -- files ---------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Any) -> "History":
        """A history read from the snapshot file `path` (TierError: TIER_ENOTFOUND when there is
        no such file, TIER_ECORRUPT when it is damaged, TIER_EIO, TIER_EVERSION...)."""
        h = cls()
        with h._closed_on_error():
            F.tier_history_load(h._p, _text(path), None)
        return h

    @classmethod
    def from_bytes(cls, data: bytes, origin: str = "<bytes>") -> "History":
        """A history read from the bytes of a snapshot."""
        h = cls()
        with h._closed_on_error():
            raw = bytes(data)
            F.tier_history_load_bytes(h._p, raw, len(raw), _text(origin))
        return h

    def save(self, path: Any) -> "History":
        """Writes the snapshot to `path` atomically (a temporary file beside it, synced, renamed
        over it): on failure the file keeps its previous contents."""
        F.tier_history_save(self._p, _text(path), None)
        return self

    def to_bytes(self) -> bytes:
        """The snapshot's bytes (what save() writes)."""
        return self._collect(F.tier_history_write, self._p)

    # -- running -------------------------------------------------------------------------------

    def apply(self, result: Any, book: Any = None, policy: Any = None) -> "History":
        """Applies hysteresis, dwell and the overrides to `result` (a Result just run; book and
        policy default to the ones it ran with) against this state, then makes this the state
        after that run (tier_history_apply). The result's tiers and reasons change for held or
        pinned customers and it gains the columns previous_tier, move and since."""
        book = book if book is not None else result.book
        policy = policy if policy is not None else result.policy
        if book is None or policy is None:
            raise _ffi.error(_ffi.ESTATE, "the result has not been run yet")
        F.tier_history_apply(self._p, result._p, book._p, policy._p)
        return self

    # -- the state -----------------------------------------------------------------------------

    @property
    def runs(self) -> int:
        """Number of runs applied so far."""
        return int(F.tier_history_runs(self._p))

    @property
    def as_of(self) -> Optional[datetime.date]:
        """The as-of day of the last run (a datetime.date), None before the first."""
        return _date(F.tier_history_as_of(self._p))

    @property
    def policy_name(self) -> str:
        """The name of the policy of the last run ("" before the first)."""
        return _str(F.tier_history_policy_name(self._p))

    @property
    def policy_hash(self) -> int:
        """CRC-32C of the canonical text of the last run's policy (0 before the first)."""
        return int(F.tier_history_policy_hash(self._p))

    def _describe(self) -> List[Tuple[str, Any]]:
        facts: List[Tuple[str, Any]] = [("customers", len(self)), ("runs", self.runs)]
        if self.runs:
            facts += [("as_of", self.as_of), ("policy", self.policy_name)]
        return facts

    def __len__(self) -> int:
        return int(F.tier_history_customer_count(self._p))

    def _entry(self, customer: Optional[str], index: int) -> HistoryEntry:
        e = _ffi.HistoryEntry()
        F.tier_history_entry_get(self._p, None if customer is None else _text(customer), index,
                                 byref(e))
        return HistoryEntry(_str(e.id), _str(e.tier), _date(e.since), e.runs, e.failing,
                            _str(e.reason), _date(e.moved), _str(e.previous))

    def entry(self, customer: str) -> HistoryEntry:
        """The state of one customer (HistoryEntry); TierError (TIER_ENOTFOUND) when the state
        has no such customer."""
        return self._entry(customer, 0)

    def entries(self) -> List[HistoryEntry]:
        """Every customer's state, ordered by id."""
        return [self._entry(None, i) for i in range(len(self))]

    def __contains__(self, customer: object) -> bool:
        if not isinstance(customer, (str, bytes)):
            return False
        try:
            self._entry(_ffi.decode(_ffi.encode(customer)), 0)
        except _ffi.TierError as exc:
            if exc.name == "TIER_ENOTFOUND":
                return False
            raise
        return True

    # -- the ledger of the last run ------------------------------------------------------------

    def _collect(self, fn: Callable[..., int], *args: Any) -> bytes:
        chunks: List[bytes] = []

        def sink(ud: Any, data: Any, length: int) -> int:
            chunks.append(string_at(data, length))
            return 0

        cb = _ffi.callback(_ffi.write_cb, sink)
        fn(*(args + (cb, None)))
        return b"".join(chunks)

    def ledger(self, format: str = "csv") -> str:
        """The ledger of the last run applied as text: "csv" (the moves:
        customer_id,from,to,code,detail) or "json" (run, as_of, matrix, moves, expired
        overrides). TierError (TIER_ESTATE) before any run."""
        code = _ffi.LEDGER_FORMATS.get(format)
        if code is None:
            raise ValueError("format must be 'csv' or 'json', not %r" % (format,))
        return self._collect(F.tier_history_ledger_write, self._p, code).decode("utf-8")

    def matrix(self, frame: Optional[bool] = None) -> Any:
        """The from->to matrix of the last run: a pandas DataFrame (columns from, to, customers,
        revenue) when pandas is installed (or `frame` is True), else a list of MatrixRow."""
        text = self._collect(F.tier_history_matrix_write, self._p).decode("utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        body = [MatrixRow(r[0], r[1], int(r[2]), float(r[3])) for r in rows[1:] if r]
        if frame is None:
            try:
                import pandas  # noqa: F401
                frame = True
            except ImportError:
                frame = False
        if not frame:
            return body
        import pandas
        return pandas.DataFrame([tuple(r) for r in body],
                                columns=["from", "to", "customers", "revenue"])
