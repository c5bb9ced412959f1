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


#: The usual names of each contract column, as the contracts CSV reader knows them
#: (src/io/csv_contracts.c; tests/test_contracts.py checks that both accept each one).
COLUMN_NAMES = {
    "id": ("customer_id", "customer", "customerid", "id", "account_id"),
    "start": ("start", "start_date", "start_day", "contract_start", "period_start"),
    "end": ("end", "end_date", "end_day", "contract_end", "period_end", "renewal_date"),
    "amount": ("amount", "recurring_amount", "price", "fee"),
    "period": ("period", "billing_period", "billing", "interval", "billing_interval"),
    "status": ("status", "contract_status", "state"),
    "plan": ("plan", "product", "plan_name", "sku"),
}


def _values(column: Any, n: Optional[int] = None) -> Optional[List[Any]]:
    """A column (list, tuple, NumPy array, pandas Series) as a list."""
    if column is None:
        return None
    values = column.tolist() if hasattr(column, "tolist") else list(column)
    if n is not None and len(values) != n:
        raise ValueError("columns differ in length: %d ids, a column of %d" % (n, len(values)))
    return list(values)


def _required(column: Any, n: int, what: str) -> List[Any]:
    """A column that must be given, as a list of n values."""
    values = _values(column, n)
    if values is None:
        raise TypeError("the contracts need a %s column" % what)
    return values


class _Row:
    """Where a value of a contract row comes from, for errors worded as the C library's:
    ``row 1 (customer "c1"), start: ...``."""

    def __init__(self, row: int, customer: Union[str, bytes]) -> None:
        self.row = row
        self.customer = customer if isinstance(customer, str) else \
            customer.decode("utf-8", "replace")

    def where(self, field: str, text: str) -> str:
        """The error text for `field`."""
        return 'row %d (customer "%s"), %s: %s' % (self.row, self.customer, field, text)

    def missing(self, field: str, value: Any) -> None:
        """TierError TIER_EINVAL when `value` is missing (None, NaN, NaT, pd.NA)."""
        if _columns.missing(value):
            raise _ffi.error(_ffi.EINVAL, self.where(field, "missing %s" % field))

    def day(self, field: str, value: Any) -> int:
        """A date as its day number; the errors of to_day() reworded with the row."""
        self.missing(field, value)
        try:
            return to_day(_columns._wall_clock(value))
        except _ffi.TierError as exc:
            raise _ffi.error(exc.code, self.where(field, "%r is not a date from 1900-01-01 to "
                                                         "9999-12-31 (%s)" % (value, exc.message))
                             ) from None
        except (TypeError, ValueError) as exc:
            raise type(exc)(self.where(field, str(exc))) from None

    def number(self, field: str, value: Any) -> float:
        """An amount as a float (text is refused, as the C library's reader would)."""
        self.missing(field, value)
        if isinstance(value, (str, bytes)) or not _is_number(value):
            raise ValueError(self.where(field, "%r is not a number" % (value,)))
        return float(value)

    def code(self, field: str, value: Any, names: Dict[str, int]) -> int:
        """A period or status given as its word (any case) or its number."""
        self.missing(field, value)
        code: Optional[int] = None
        if isinstance(value, (str, bytes)):
            word = value.decode() if isinstance(value, bytes) else value
            code = names.get(word.strip().lower())
        elif _is_number(value) and float(value) in names.values():
            code = int(value)
        if code is None:
            raise ValueError(self.where(field, "%r is not a %s (%s)"
                                        % (value, field, ", ".join(names))))
        return code


def _is_number(value: Any) -> bool:
    from .book import _is_number as is_number
    return is_number(value)


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
        from .book import _to_text
        id_list = _values(ids) or []
        n = len(id_list)
        start_list, amount_list = _required(starts, n, "start"), _required(amounts, n, "amount")
        period_list = _required(periods, n, "period")
        status_list = _required(statuses, n, "status")
        end_list, plan_list = _values(ends, n), _values(plans, n)
        id_data = bytearray()
        offsets = (c_size_t * (n + 1))()
        start_days, end_days = (c_int32 * max(n, 1))(), (c_int32 * max(n, 1))()
        amount_arr = (c_double * max(n, 1))()
        period_arr, status_arr = (c_int32 * max(n, 1))(), (c_int32 * max(n, 1))()
        plan_arr = (c_char_p * max(n, 1))()
        for i in range(n):
            cid = _columns.id_text(id_list[i], i)
            row = _Row(i, cid)
            id_data += _ffi.encode(cid, "customer id")
            offsets[i + 1] = len(id_data)
            start_days[i] = row.day("start", start_list[i])
            end = end_list[i] if end_list is not None else None
            end_days[i] = (_ffi.CONTRACT_OPEN if _columns.missing(end) else row.day("end", end))
            amount_arr[i] = row.number("amount", amount_list[i])
            period_arr[i] = row.code("period", period_list[i], _PERIODS)
            status_arr[i] = row.code("status", status_list[i], _STATUSES)
            plan = plan_list[i] if plan_list is not None else None
            plan_arr[i] = None if _columns.missing(plan) else _ffi.encode(_to_text(plan), "plan")
        raw = bytes(id_data)
        F.tier_book_add_contracts(self._p, n, raw, offsets, start_days, end_days, amount_arr,
                                  period_arr, status_arr, plan_arr, 1 if existing else 0)
        return n

    def add_contracts_from_dataframe(self, df: Any, id: Optional[str] = None,
                                     start: Optional[str] = None, end: Optional[str] = None,
                                     amount: Optional[str] = None, period: Optional[str] = None,
                                     status: Optional[str] = None, plan: Optional[str] = None,
                                     existing: bool = False) -> int:
        """Adds the contracts of a DataFrame, one per row, in one all-or-nothing call; returns
        the number added.

        Columns: each argument names its column; None finds it by the contracts CSV reader's
        usual names (``COLUMN_NAMES``: start, start_date, contract_start, ...; amount,
        recurring_amount, price, fee; ...), the first present. `end` and `plan` may be absent
        (open contracts, no plan). The customer id may be the index: ``id="index"``, or id=None
        when no column has an id name and the index is not a plain RangeIndex. A missing
        column raises KeyError listing the columns; a bad row raises as
        :meth:`add_contracts` does, naming the row, the customer and the field.
        """
        def column(role: str, given: Optional[str], required: bool = True) -> Any:
            if given == "index" or (role == "id" and given is not None
                                    and given not in df.columns and given == df.index.name):
                return df.index
            if given is not None:
                if given in df.columns:
                    return df[given]
                raise KeyError("the DataFrame has no column %r (its columns: %s)"
                               % (given, ", ".join(map(repr, df.columns))))
            for name in COLUMN_NAMES[role]:
                if name in df.columns:
                    return df[name]
            if role == "id" and type(df.index).__name__ != "RangeIndex":
                return df.index
            if required:
                raise KeyError("the DataFrame has no %s column: name it (%s=...) or use one of "
                               "%s; its columns: %s"
                               % (role, role, ", ".join(COLUMN_NAMES[role]),
                                  ", ".join(map(repr, df.columns))))
            return None
        return self.add_contracts(column("id", id), column("start", start),
                                  column("amount", amount), column("period", period),
                                  column("status", status), ends=column("end", end, False),
                                  plans=column("plan", plan, False), existing=existing)

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
