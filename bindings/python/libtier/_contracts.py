# SPDX-License-Identifier: MIT
"""Contracts of a book (tier/contract.h, since 0.4.0): the methods Book and CsvReader take from
the two mixins here (add_contracts, add_contracts_from_dataframe, contracts, contract_total,
read_contracts_csv; read_contracts_file, read_contracts_buffer)."""

import os
from ctypes import byref, c_char_p, c_double, c_int32, c_size_t
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

from . import _columns, _ffi
from ._ffi import F
from .dates import from_day, to_day

if TYPE_CHECKING:
    from .book import Book

_PERIODS = {"monthly": _ffi.CONTRACT_MONTHLY, "month": _ffi.CONTRACT_MONTHLY,
            "m": _ffi.CONTRACT_MONTHLY, "mo": _ffi.CONTRACT_MONTHLY,
            "yearly": _ffi.CONTRACT_YEARLY, "year": _ffi.CONTRACT_YEARLY,
            "annual": _ffi.CONTRACT_YEARLY, "annually": _ffi.CONTRACT_YEARLY,
            "y": _ffi.CONTRACT_YEARLY, "yr": _ffi.CONTRACT_YEARLY}
_STATUSES = {"active": _ffi.CONTRACT_ACTIVE, "renewed": _ffi.CONTRACT_RENEWED,
             "cancelled": _ffi.CONTRACT_CANCELLED, "canceled": _ffi.CONTRACT_CANCELLED}
_PERIOD_NAMES = {_ffi.CONTRACT_MONTHLY: "monthly", _ffi.CONTRACT_YEARLY: "yearly"}
_STATUS_NAMES = {_ffi.CONTRACT_ACTIVE: "active", _ffi.CONTRACT_RENEWED: "renewed",
                 _ffi.CONTRACT_CANCELLED: "cancelled"}


def _values(column: Any, n: Optional[int] = None) -> Optional[List[Any]]:
    """A column (list, tuple, NumPy array, pandas Series) as a list."""
    if column is None:
        return None
    values = column.tolist() if hasattr(column, "tolist") else list(column)
    if n is not None and len(values) != n:
        raise ValueError("columns differ in length: %d ids, a column of %d" % (n, len(values)))
    return list(values)


def _required(column: Any, n: int) -> List[Any]:
    """A column that must be given, as a list of n values."""
    values = _values(column, n)
    if values is None:
        raise TypeError("a required contract column is None")
    return values


def _code(value: Any, names: Dict[str, int], what: str, row: int) -> int:
    """A period or status given as its word (any case) or its number."""
    code: Optional[int]
    if isinstance(value, (str, bytes)):
        word = value.decode() if isinstance(value, bytes) else value
        code = names.get(word.strip().lower())
    elif _is_number(value) and float(value) in names.values():
        code = int(value)
    else:
        code = None
    if code is None:
        raise ValueError("row %d: %r is not a %s (%s)" % (row, value, what, ", ".join(names)))
    return code


def _is_number(value: Any) -> bool:
    from .book import _is_number as is_number
    return is_number(value)


def _contract_day(value: Any, row: int, what: str) -> int:
    try:
        return to_day(value)
    except Exception as exc:
        raise type(exc)("row %d, %s: %s" % (row, what, exc)) from None


class BookContracts:
    """The contract methods of :class:`libtier.Book`."""

    if TYPE_CHECKING:
        @property
        def _p(self) -> Any:
            """The live book pointer (Handle._p)."""

        def _index(self, customer: Union[int, str, bytes]) -> int:
            """A customer's index from its index or id."""

    def add_contracts(self, ids: Any, starts: Any, amounts: Any, periods: Any, statuses: Any,
                      ends: Any = None, plans: Any = None, existing: bool = False) -> int:
        """Adds contracts in one all-or-nothing call (tier_book_add_contracts).

        Columns may be lists, NumPy arrays or pandas Series of equal length: `starts` and `ends`
        dates (date objects, datetime64, ISO text or YYYYMMDD ints; a missing end - None, NaN,
        NaT - is an open contract), `amounts` the recurring amounts, `periods` "monthly"/"yearly"
        (or 1/2), `statuses` "active"/"renewed"/"cancelled" (or 1/2/3), `plans` text (None for
        none). With `existing` every id must already be a customer. A refused row raises
        TierError naming the row (from 0), the customer and the field, e.g. ``row 1 (customer
        "c1"), start_day: the period ... overlaps ...``; the book is then unchanged. Returns the
        number of contracts added.
        """
        from .book import _to_float, _to_text
        id_list = _values(ids) or []
        n = len(id_list)
        start_list, amount_list = _required(starts, n), _required(amounts, n)
        period_list, status_list = _required(periods, n), _required(statuses, n)
        end_list, plan_list = _values(ends, n), _values(plans, n)
        id_data = bytearray()
        offsets = (c_size_t * (n + 1))()
        start_days, end_days = (c_int32 * max(n, 1))(), (c_int32 * max(n, 1))()
        amount_arr = (c_double * max(n, 1))()
        period_arr, status_arr = (c_int32 * max(n, 1))(), (c_int32 * max(n, 1))()
        plan_arr = (c_char_p * max(n, 1))()
        for i in range(n):
            id_data += _ffi.encode(_columns.id_text(id_list[i], i), "customer id")
            offsets[i + 1] = len(id_data)
            start_days[i] = _contract_day(start_list[i], i, "start")
            end = end_list[i] if end_list is not None else None
            end_days[i] = (_ffi.CONTRACT_OPEN if _columns.missing(end)
                           else _contract_day(end, i, "end"))
            amount_arr[i] = _to_float(amount_list[i])
            period_arr[i] = _code(period_list[i], _PERIODS, "period", i)
            status_arr[i] = _code(status_list[i], _STATUSES, "status", i)
            plan = plan_list[i] if plan_list is not None else None
            plan_arr[i] = None if _columns.missing(plan) else _ffi.encode(_to_text(plan), "plan")
        raw = bytes(id_data)
        F.tier_book_add_contracts(self._p, n, raw, offsets, start_days, end_days, amount_arr,
                                  period_arr, status_arr, plan_arr, 1 if existing else 0)
        return n

    def add_contracts_from_dataframe(self, df: Any, id: str = "customer_id",
                                     start: str = "start", end: str = "end",
                                     amount: str = "amount", period: str = "period",
                                     status: str = "status", plan: str = "plan",
                                     existing: bool = False) -> int:
        """Adds the contracts of a DataFrame's columns (`end` and `plan` may be absent); the
        rules and errors are those of :meth:`add_contracts`. Returns the number added."""
        def column(name: str, required: bool = True) -> Any:
            if name in df.columns:
                return df[name]
            if required:
                raise KeyError("no column %r (columns: %s)"
                               % (name, ", ".join(map(str, df.columns))))
            return None
        return self.add_contracts(column(id), column(start), column(amount), column(period),
                                  column(status), ends=column(end, False),
                                  plans=column(plan, False), existing=existing)

    def contracts(self, customer: Union[int, str, bytes]) -> List[Dict[str, Any]]:
        """The contracts of a customer (id or index), in the order added: a list of dicts with
        start, end (None when open), amount, period, status and plan."""
        index = self._index(customer)
        out = []
        for k in range(F.tier_book_contract_count(self._p, index)):
            c = _ffi.Contract()
            F.tier_book_contract(self._p, index, k, byref(c))
            out.append({"start": from_day(c.start_day),
                        "end": None if c.end_day == _ffi.CONTRACT_OPEN else from_day(c.end_day),
                        "amount": c.amount, "period": _PERIOD_NAMES[c.period],
                        "status": _STATUS_NAMES[c.status], "plan": _ffi.decode(c.plan)})
        return out

    def contract_total(self) -> int:
        """Number of contracts in the book."""
        return int(F.tier_book_contract_total(self._p))

    def read_contracts_csv(self, path: Union[str, "os.PathLike[str]"], id: str = "customer_id",
                           delimiter: Union[str, int] = ",", header: bool = True,
                           column_names: Union[str, Sequence[str], None] = None) -> int:
        """Loads a contracts CSV file (tier_csv_read_contracts_file; docs/subscriptions.md).
        Returns the number of contracts read."""
        from .book import CsvReader
        with CsvReader(delimiter=delimiter, header=header, column_names=column_names,
                       id=id) as reader:
            return reader.read_contracts_file(self, path)


class CsvContracts:
    """The contract methods of :class:`libtier.CsvReader`."""

    if TYPE_CHECKING:
        def _read(self, read_fn: Any, book: Any, *source: Any) -> int:
            """Runs one read call of the reader (CsvReader._read)."""

    def read_contracts_file(self, book: Union["Book", BookContracts],
                            path: Union[str, "os.PathLike[str]"]) -> int:
        """Loads a contracts CSV file into `book` (tier_csv_read_contracts_file); returns the
        rows read."""
        return self._read(F.tier_csv_read_contracts_file, book, os.fsencode(path))

    def read_contracts_buffer(self, book: "Book", data: Union[str, bytes]) -> int:
        """Loads contracts CSV text into `book` (tier_csv_read_contracts_buffer); returns the
        rows read."""
        raw = _ffi.encode(data, "CSV data")
        return self._read(F.tier_csv_read_contracts_buffer, book, raw, len(raw))
