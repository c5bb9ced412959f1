# SPDX-License-Identifier: MIT
"""The customer book and the CSV reader that fills it."""

import contextlib
import ctypes
import math
import numbers
import os
import warnings
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional,
                    Sequence, Tuple, Union)
from ctypes import byref, c_char_p, c_double, c_int, c_int32, c_int64, c_size_t

from . import _columns, _ffi
from ._contracts import BookContracts, CsvContracts
from ._ffi import F
from ._handle import Handle
from ._threads import Threads, thread_count
from .dates import from_day, to_day

__all__ = ["Book", "CsvReader", "Savepoints"]

_OPTIONS = {
    "keep_transactions": _ffi.BOOK_OPT_KEEP_TRANSACTIONS,
    "ignore_from_day": _ffi.BOOK_OPT_IGNORE_FROM_DAY,
    "limit_id_length": _ffi.BOOK_LIMIT_ID_LENGTH,
    "limit_customers": _ffi.BOOK_LIMIT_CUSTOMERS,
    "limit_rows_per_call": _ffi.BOOK_LIMIT_ROWS_PER_CALL,
    "limit_attributes": _ffi.BOOK_LIMIT_ATTRIBUTES,
    "limit_text_length": _ffi.BOOK_LIMIT_TEXT_LENGTH,
}

_DATE_FORMATS = {"iso": _ffi.DATE_ISO, "yyyymmdd": _ffi.DATE_YYYYMMDD, "auto": _ffi.DATE_AUTO}


#: A customer given by its index in the book or by its id.
Customer = Union[int, str, bytes]
#: A file name.
PathLike = Union[str, "os.PathLike[str]"]
#: A CSV delimiter: one character, "ws", "tab", or its byte value.
Delimiter = Union[str, int, None]


def _margin(value: Optional[float]) -> float:
    return math.nan if value is None else float(value)


_ATTRIBUTE_TYPES = {_ffi.ATTR_NUMBER: "number", _ffi.ATTR_TEXT: "text"}


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (str, bytes))


def _infer_type(values: Sequence[Any]) -> str:
    present = [v for v in values if not _columns.missing(v)]
    return "number" if present and all(_is_number(v) for v in present) else "text"


def _to_float(value: Any) -> float:
    if isinstance(value, (str, bytes)):
        raise ValueError("not a number: %r" % (value,))
    return float(value)


def _to_text(value: Any) -> Union[str, bytes]:
    if isinstance(value, (str, bytes)):
        return value
    return str(value)


def _iso(value: Any) -> str:
    text = str(value.isoformat() if hasattr(value, "isoformat") else value)
    return text[:-9] if text.endswith("T00:00:00") else text


class Savepoints:
    """Savepoints of a book (docs/book.md, "Savepoints"): try changes, then undo them exactly
    (:meth:`rollback`) or keep them (:meth:`release`). Savepoints nest; each is closed by one
    rollback or release. Inside one the book takes transactions, customers and attribute values
    set one at a time; merges and attribute loads raise TierError (TIER_ESTATE).

        book.savepoint()
        book.add_txn("ACC00042", "2025-06-30", 1250.0)
        ...
        book.rollback()          # the book exactly as at the savepoint

    As a context manager, ``with book.trying():`` releases the savepoint when the block ends and
    rolls it back when the block raises."""

    def _savepoint_book(self) -> Any:
        raise NotImplementedError

    def savepoint(self) -> int:
        """Opens a savepoint; returns the number of open savepoints."""
        book = self._savepoint_book()
        F.tier_book_savepoint(book)
        return int(F.tier_book_savepoint_depth(book))

    def rollback(self) -> None:
        """Undoes everything since the innermost open savepoint and closes it (TierError
        TIER_ESTATE when none is open)."""
        F.tier_book_rollback(self._savepoint_book())

    def release(self) -> None:
        """Keeps the changes since the innermost open savepoint and closes it (an enclosing
        savepoint can still undo them)."""
        F.tier_book_release(self._savepoint_book())

    @property
    def savepoints(self) -> int:
        """The number of open savepoints."""
        return int(F.tier_book_savepoint_depth(self._savepoint_book()))

    @contextlib.contextmanager
    def trying(self) -> Iterator["Savepoints"]:
        """A savepoint for a ``with`` block: released at its end, rolled back when it raises."""
        self.savepoint()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.release()


class Book(Savepoints, BookContracts, Handle):
    """A customer book: customers (interned ids, in order of first appearance) with their
    transactions and attributes.

    ``Book(keep_transactions=True, ignore_from=None, threads=0)``; ``ignore_from`` is a date on
    or after which transactions are counted as ignored instead of stored; ``threads`` is how many
    cores the book's calls may use (see :meth:`set_threads`).
    """

    _free = staticmethod(F.tier_book_free)

    def __init__(self, keep_transactions: bool = True, ignore_from: Any = None,
                 threads: int = 0) -> None:
        ptr = _ffi.book_p()
        F.tier_book_new(byref(ptr), None)
        self._adopt(ptr)
        self._executor: Optional[Threads] = None  # the table C holds (tier_book_set_executor)
        with self._closed_on_error():
            if not keep_transactions:
                self.set_option("keep_transactions", 0)
            if ignore_from is not None:
                self.set_option("ignore_from_day", to_day(ignore_from))
            if thread_count(threads) > 1:  # a new book has no executor (the library may
                self.set_threads(threads)   # predate tier_book_set_executor)

    def set_threads(self, threads: int) -> "Book":
        """Lets the book's calls use `threads` cores at once (tier_book_set_executor): add_txns
        splits a large call into parts aggregated at once, and the models and policies run on
        the book may do likewise. The book and every result are the same, customer for customer
        and figure for figure, with any count. 0 or 1: everything on the calling thread (the
        default); the library uses at most 64.

        libtier starts no threads and has no executor of its own: the binding lends it one that
        runs each task on a Python thread (the task is C code, run with the GIL released)."""
        threads = thread_count(threads)
        executor = Threads(threads) if threads > 1 else None
        F.tier_book_set_executor(self._p, byref(executor.struct) if executor is not None
                                 else None)
        self._executor = executor
        return self

    @property
    def threads(self) -> int:
        """How many cores the book's calls may use (set_threads; 1: the calling thread alone)."""
        return self._executor.threads if self._executor is not None else 1

    def _savepoint_book(self) -> Any:
        return self._p

    # --- options ---------------------------------------------------------------------------

    @staticmethod
    def _option_key(name: Union[str, int]) -> int:
        """The tier_book_option of a name (see ``Book.options``) or key: TierError
        TIER_ENOTFOUND for an unknown name."""
        if isinstance(name, int) and not isinstance(name, bool):
            return _ffi.int64(name, "option key")
        if name not in _OPTIONS:
            raise _ffi.error(_ffi.ENOTFOUND, "unknown book option %r (options: %s)"
                             % (name, ", ".join(_OPTIONS)))
        return _OPTIONS[str(name)]

    def set_option(self, name: Union[str, int], value: int) -> None:
        """Sets an option or limit by name (see ``Book.options``) or by its tier_book_option key."""
        F.tier_book_set_option(self._p, self._option_key(name), _ffi.int64(value, str(name)))

    def get_option(self, name: Union[str, int]) -> int:
        """The value of a book option (name from Book.options, or its key) as an int."""
        out = c_int64()
        F.tier_book_get_option(self._p, self._option_key(name), byref(out))
        return int(out.value)

    options = tuple(_OPTIONS)

    def _describe(self) -> List[Tuple[str, Any]]:
        facts: List[Tuple[str, Any]] = [("customers", self.customer_count()),
                                        ("transactions", self.txn_count())]
        days = self.day_range()
        if days is not None:
            from .dates import format_day
            facts.append(("dates", "%s .. %s" % (format_day(days[0]), format_day(days[1]))))
        attrs = self.attributes()
        if attrs:
            facts.append(("attributes", list(attrs)))
        return facts

    # --- adding ----------------------------------------------------------------------------

    def add_txn(self, id: Union[str, bytes], date: Any, amount: float,
                margin: Optional[float] = None) -> None:
        """Adds one transaction; `date` is a date, ISO text or YYYYMMDD int."""
        raw = _ffi.encode(id, "customer id")
        F.tier_book_add_txn(self._p, raw, len(raw), to_day(date), float(amount), _margin(margin))

    def add_txns(self, ids: Any, dates: Any = None, amounts: Any = None, margins: Any = None,
                 days: Any = None) -> int:
        """Adds many transactions in one all-or-nothing call (the columnar fast path).

        Columns may be lists, NumPy arrays or pandas Series of equal length. `dates` are
        datetime64, date objects, ISO text or YYYYMMDD ints; day numbers may be given as `days`
        instead. Returns the number of rows added.
        """
        if amounts is None or (dates is None and days is None):
            raise TypeError("add_txns needs ids, dates (or days) and amounts")
        packed = _columns.pack(ids, dates, amounts, margins, days)
        packed.add_to(self._p)
        return packed.n

    def add_customer(self, id: Union[str, bytes]) -> int:
        """Adds a customer without transactions (or finds it); returns its index."""
        raw = _ffi.encode(id, "customer id")
        out = c_size_t()
        F.tier_book_add_customer(self._p, raw, len(raw), byref(out))
        return int(out.value)

    @classmethod
    def from_dataframe(cls, df: Any, id: Optional[str] = None, date: Optional[str] = None,
                       amount: Optional[str] = None, margin: Optional[str] = None,
                       dropna: bool = False, **options: Any) -> "Book":
        """A new book from a pandas DataFrame with one transaction per row (no per-row loop);
        the arguments are those of :meth:`add_dataframe`, `options` those of Book()."""
        book = cls(**options)
        with book._closed_on_error():
            book.add_dataframe(df, id=id, date=date, amount=amount, margin=margin, dropna=dropna)
        return book

    def add_dataframe(self, df: Any, id: Optional[str] = None, date: Optional[str] = None,
                      amount: Optional[str] = None, margin: Optional[str] = None,
                      dropna: bool = False) -> int:
        """Adds the rows of a pandas DataFrame (one transaction per row) in one all-or-nothing
        call; returns the number of rows added.

        Columns: `id`, `date` and `amount` name them; None finds them by the CSV reader's
        usual names (tier_pipeline_sniff: customer_id, customer, customerid, id, account_id;
        date, order_date, invoice_date, day; amount, dollar_value, revenue, value, total, sales,
        the first present). The customer id may be the index: ``id="index"``, or id=None when no
        column has an id name and the index is not a plain RangeIndex. `margin` (optional)
        names a margin column.

        Missing values (None, NaN, pd.NA, NaT) in the id, date or amount are an error naming
        the row (position and index label) and the column; ``dropna=True`` drops those rows
        instead, warns with a :class:`DroppedRowsWarning` saying how many, and adds their count
        to :attr:`dropped_rows`. Dates: datetime64, Timestamps, dates, ISO text or YYYYMMDD
        integers; a timezone-aware timestamp counts by its own wall-clock date (2024-01-01
        23:30-05:00 is 2024-01-01), never converted to UTC. An empty frame adds nothing.
        """
        values, dropped = transaction_columns(df, id, date, amount, margin, dropna,
                                              encode_ids=True)
        n = self.add_txns(values["id"], values["date"], values["amount"], values.get("margin"))
        self.dropped_rows += dropped  # only once the rows are in (all or nothing)
        return n

    #: Rows add_dataframe(dropna=True) dropped from this book so far.
    dropped_rows: int = 0

    # --- reading ---------------------------------------------------------------------------

    def find(self, id: Union[str, bytes]) -> Optional[int]:
        """The index of customer `id`, or None."""
        raw = _ffi.encode(id, "customer id")
        out = c_size_t()
        if F.tier_book_find(self._p, raw, len(raw), byref(out)) != 0:
            return None
        return int(out.value)

    def __contains__(self, id: object) -> bool:
        return isinstance(id, (str, bytes)) and self.find(id) is not None

    def _index(self, customer: Customer) -> int:
        if isinstance(customer, (str, bytes)):
            idx = self.find(customer)
            if idx is None:
                raise KeyError(customer)
            return idx
        return int(customer)

    def customer_count(self) -> int:
        """The number of customers in the book."""
        return int(F.tier_book_customer_count(self._p))

    def __len__(self) -> int:
        return self.customer_count()

    def txn_count(self) -> int:
        """Stored transactions (0 when the book does not keep them)."""
        return int(F.tier_book_txn_count(self._p))

    def customer_id(self, index: int) -> str:
        """The id of customer `index` (IndexError when out of range)."""
        n = c_size_t()
        ptr = F.tier_book_customer_id(self._p, int(index), byref(n))
        if not ptr:
            raise IndexError("customer index %d out of range" % index)
        return ctypes.string_at(ptr, n.value).decode("utf-8")

    def customer_ids(self) -> List[str]:
        """Every customer id (str) in book order (the order of the index of every result
        DataFrame)."""
        return [self.customer_id(i) for i in range(self.customer_count())]

    def stat(self, customer: Customer, name: Union[str, int]) -> float:
        """A per-customer figure: first_purchase, last_purchase (day numbers), purchase_days,
        purchases, refunds, net_amount, net_margin or the book-wide ignored_rows; NaN when none."""
        key = _ffi.BOOK_STATS.get(name, name) if isinstance(name, str) else name
        out = c_double()
        F.tier_book_customer_stat(self._p, self._index(customer), key, byref(out))
        return float(out.value)

    def stats(self, customer: Customer) -> Dict[str, float]:
        """All figures of one customer as a dict."""
        idx = self._index(customer)
        return {name: self.stat(idx, name) for name in _ffi.BOOK_STATS if name != "ignored_rows"}

    def ignored_rows(self) -> int:
        """Rows the book ignored (dated on or after its ignore_from day)."""
        out = c_double()
        F.tier_book_customer_stat(self._p, 0, _ffi.BOOK_STATS["ignored_rows"], byref(out))
        return int(out.value)

    def txn(self, t: int) -> Tuple[str, Any, float, Optional[float]]:
        """Stored transaction `t` as (customer_id, date, amount, margin or None)."""
        cust, day, amount, margin = c_size_t(), c_int32(), c_double(), c_double()
        F.tier_book_txn(self._p, int(t), byref(cust), byref(day), byref(amount), byref(margin))
        m = margin.value
        return (self.customer_id(cust.value), from_day(day.value), amount.value,
                None if math.isnan(m) else m)

    def txns(self) -> Iterator[Tuple[str, Any, float, Optional[float]]]:
        """Every stored transaction as (customer id, date, amount, margin or None), in stored
        order."""
        for t in range(self.txn_count()):
            yield self.txn(t)

    def day_range(self) -> Optional[Tuple[int, int]]:
        """(first, last) day numbers of the stored transactions, or None when empty."""
        first, last = c_int32(), c_int32()
        if F.tier_book_day_range(self._p, byref(first), byref(last)) != 0:
            return None
        return int(first.value), int(last.value)

    # --- attributes --------------------------------------------------------------------------

    def set_number(self, customer: Customer, name: Union[str, bytes],
                   value: Optional[float]) -> None:
        """Sets a numeric attribute (None clears it)."""
        F.tier_book_set_number(self._p, self._index(customer), _ffi.encode(name, "name"),
                               math.nan if value is None else float(value))

    def _get_attribute(self, getter: Callable[..., int], out: Any, customer: Customer,
                       name: Union[str, bytes]) -> bool:
        """Reads attribute `name` of a customer into `out`; False when it has none."""
        rc = getter(self._p, self._index(customer), _ffi.encode(name, "name"), byref(out))
        if rc == _ffi.ENOTFOUND:
            return False
        if rc != 0:
            raise _ffi.error(rc, _ffi.decode(F.tier_book_last_error(self._p)))
        return True

    def get_number(self, customer: Customer, name: Union[str, bytes],
                   default: Any = None) -> Any:
        """A numeric attribute, or `default` when the customer has none of that name."""
        out = c_double()
        if not self._get_attribute(F.tier_book_get_number, out, customer, name):
            return default
        return out.value

    def set_text(self, customer: Customer, name: Union[str, bytes],
                 value: Union[str, bytes, None]) -> None:
        """Sets a text attribute (None clears it)."""
        F.tier_book_set_text(self._p, self._index(customer), _ffi.encode(name, "name"),
                             None if value is None else _ffi.encode(value, "value"))

    def get_text(self, customer: Customer, name: Union[str, bytes], default: Any = None) -> Any:
        """A text attribute, or `default` when the customer has none of that name."""
        out = c_char_p()
        if not self._get_attribute(F.tier_book_get_text, out, customer, name):
            return default
        return (out.value or b"").decode("utf-8")

    def attributes(self) -> Dict[str, Any]:
        """{name: "number" or "text"} of every attribute the book holds, in order of creation."""
        p = self._p
        out: Dict[str, Any] = {}
        kind = c_int()
        for i in range(F.tier_book_attribute_count(p)):
            raw = F.tier_book_attribute_name(p, i, byref(kind))
            if raw is not None:
                out[raw.decode("utf-8")] = _ATTRIBUTE_TYPES.get(kind.value, kind.value)
        return out

    def attribute_count(self) -> int:
        """The number of attribute columns the book holds."""
        return int(F.tier_book_attribute_count(self._p))

    def set_attributes(self, ids: Iterable[Any], columns: Mapping[str, Iterable[Any]],
                       types: Optional[Mapping[str, str]] = None) -> int:
        """Sets attributes of many customers in one all-or-nothing step.

        `ids` gives one customer id per row (customers not yet in the book are added, in row
        order); `columns` maps attribute names to one value per row. A column is numeric when
        ``types`` says "number" or, without a type, when every value present is a number
        (bool, int or float); otherwise its values are stored as text (``str(value)``). Missing
        values (None, NaN, pandas NA/NaT) set nothing. A later row of the same id wins.
        Returns the number of rows.

        The values are first set on a scratch book with tier_book_set_number/set_text, which
        is then merged into this one (tier_book_merge), so a failure leaves the book unchanged.
        """
        id_list = [_columns.id_text(v, row) for row, v in enumerate(ids)]
        kinds = dict(types or {})
        prepared = []
        for name, column in columns.items():
            values = list(column)
            if len(values) != len(id_list):
                raise ValueError("column %r has %d values for %d ids" % (name, len(values),
                                                                         len(id_list)))
            kind = kinds.get(name) or _infer_type(values)
            if kind not in ("number", "text"):
                raise ValueError("type of %r must be 'number' or 'text', not %r" % (name, kind))
            prepared.append((name, _ffi.encode(name, "attribute name"), kind, values))
        with Book() as scratch:
            index = [scratch.add_customer(cid) for cid in id_list]
            p = scratch._p
            for name, raw_name, kind, values in prepared:
                for row, value in enumerate(values):
                    if _columns.missing(value):
                        continue
                    try:
                        if kind == "number":
                            F.tier_book_set_number(p, index[row], raw_name, _to_float(value))
                        else:
                            F.tier_book_set_text(p, index[row], raw_name,
                                                 _ffi.encode(_to_text(value), "value"))
                    except (_ffi.TierError, TypeError, ValueError) as exc:
                        detail = exc.message if isinstance(exc, _ffi.TierError) else str(exc)
                        text = "row %d (%s), column %r: %s" % (row, _ffi.decode(
                            _ffi.encode(id_list[row])), name, detail)
                        if isinstance(exc, _ffi.TierError):
                            raise _ffi.error(exc.code, text) from None
                        raise type(exc)(text) from None
            self.merge(scratch)
        return len(id_list)

    def set_attributes_from_dataframe(self, df: Any, id: Optional[str] = "customer_id") -> int:
        """Sets attributes from a pandas DataFrame with one row per customer: column `id` (None:
        the DataFrame's index) names the customer, every other column becomes an attribute.
        Numeric columns (bool, int, float) become numbers, all others text; datetime columns are
        stored as ISO text ("2025-05-19", with the time only when it is not midnight). Missing
        values set nothing. All or nothing (see set_attributes()); returns the number of rows."""
        if id is None:
            ids = list(df.index)
        else:
            if id not in df.columns:
                raise KeyError("the DataFrame has no column %r" % (id,))
            ids = df[id].tolist()
        columns: Dict[str, List[Any]] = {}
        types: Dict[str, str] = {}
        for name in df.columns:
            if id is not None and name == id:
                continue
            series = df[name]
            kind = getattr(series.dtype, "kind", "O")
            values = series.tolist()
            if kind == "M":
                values = [None if _columns.missing(v) else _iso(v) for v in values]
            columns[str(name)] = values
            types[str(name)] = "number" if kind in "biuf" else "text"
        return self.set_attributes(ids, columns, types)

    def merge(self, other: "Book") -> "Book":
        """Appends everything `other` holds (customers, transactions, figures, attributes; its
        values win) as if its rows had been added after this book's own. All or nothing;
        `other` is not changed."""
        F.tier_book_merge(self._p, other._p)
        return self

    # --- CSV -------------------------------------------------------------------------------

    def read_csv(self, path: PathLike, delimiter: Delimiter = ",", header: bool = True,
                 column_names: Union[str, Sequence[str], None] = None, id: str = "customer_id",
                 date: str = "date", amount: str = "amount", margin: Optional[str] = None,
                 date_format: Union[str, int] = "auto",
                 progress: Optional[Callable[[int, int], Any]] = None) -> int:
        """Loads a CSV file (all or nothing); returns the number of data rows read.

        `delimiter` is one character, "ws" (runs of blanks) or "tab"; `column_names` (a list or
        a comma-separated string) names the columns of a headerless file or replaces the
        header's; `progress(done, total)` is called as bytes are read and may raise to abort.
        """
        with CsvReader(delimiter=delimiter, header=header, column_names=column_names, id=id,
                       date=date, amount=amount, margin=margin, date_format=date_format,
                       progress=progress) as reader:
            return reader.read_file(self, path)

    def read_csv_text(self, data: Union[str, bytes], **options: Any) -> int:
        """Like read_csv() but from text or bytes in memory."""
        with CsvReader(**options) as reader:
            return reader.read_buffer(self, data)

    def read_attributes_csv(self, path: PathLike, id: Optional[str] = None,
                            delimiter: Delimiter = ",", header: bool = True,
                            column_names: Union[str, Sequence[str], None] = None,
                            limits: Optional[Mapping[Any, int]] = None,
                            progress: Optional[Callable[[int, int], Any]] = None) -> int:
        """Loads customer attributes from a CSV file with one row per customer (all or nothing);
        returns the number of data rows.

        Column `id` names the customer (None: the first of account_id, customer_id, customer, id
        in the header, as ``tier run --accounts`` does); every other column becomes an attribute,
        numeric when all its values are numbers, else text. `delimiter` as for read_csv(), plus
        "auto" (sniffed from the first line like the CLI). Customers new to the book are added.
        """
        head: Optional[bytes] = None
        if id is None or delimiter == "auto":
            from .pipeline import SNIFF_BYTES
            try:
                with open(path, "rb") as fh:
                    head = fh.read(SNIFF_BYTES)
            except IsADirectoryError:
                head = b""  # the reader says why
        with self._attribute_reader(head, id, delimiter, header, column_names, limits,
                                    progress) as reader:
            return reader.read_attributes_file(self, path)

    def read_attributes_csv_text(self, data: Union[str, bytes], id: Optional[str] = None,
                                 delimiter: Delimiter = ",", header: bool = True,
                                 column_names: Union[str, Sequence[str], None] = None,
                                 limits: Optional[Mapping[Any, int]] = None) -> int:
        """Like read_attributes_csv() but from text or bytes in memory."""
        raw = _ffi.encode(data, "CSV data")
        with self._attribute_reader(raw, id, delimiter, header, column_names, limits,
                                    None) as reader:
            return reader.read_attributes_buffer(self, raw)

    @staticmethod
    def _attribute_reader(head: Optional[bytes], id: Optional[str], delimiter: Delimiter,
                          header: bool, column_names: Union[str, Sequence[str], None],
                          limits: Optional[Mapping[Any, int]],
                          progress: Optional[Callable[[int, int], Any]]) -> "CsvReader":
        # The delimiter and the id column as the pipeline sniffs them (tier_pipeline_sniff).
        from .pipeline import sniff
        if delimiter == "auto":
            delimiter, _ = sniff(head)
        if id is None:
            if column_names is not None:
                _, id = sniff(_ffi.encode_list(column_names, "column names"), "account_id",
                              delimiter=ord(","))
            elif header:
                _, id = sniff(head, "account_id", delimiter=_delimiter(delimiter))
            else:
                id = "account_id"
        return CsvReader(delimiter=delimiter, header=header, column_names=column_names,
                         id=id or "account_id", limits=limits, progress=progress)


class DroppedRowsWarning(UserWarning):
    """add_dataframe(dropna=True) dropped rows with a missing id, date or amount (the message
    says how many and which came first; Book.dropped_rows counts them)."""


def transaction_columns(df: Any, id: Optional[str] = None, date: Optional[str] = None,
                        amount: Optional[str] = None, margin: Optional[str] = None,
                        dropna: bool = False, encode_ids: bool = False
                        ) -> Tuple[Dict[str, Any], int]:
    """({role: NumPy array} of the transaction columns of a DataFrame, rows dropped): the roles
    by :func:`_dataframe_roles`, the missing values refused or dropped as add_dataframe says.

    With `encode_ids`, a column of str ids comes back as the _columns.Ids of add_txns: the join
    that encodes them also shows that none is missing (no test per row)."""
    names = _dataframe_roles(df, id, date, amount, margin)
    values = {role: _dataframe_values(df, name) for role, name in names.items()}
    ids = None
    if encode_ids and getattr(values["id"], "dtype", None) == object:
        ids = _columns.joined_ids(values["id"])
    masks = [(role, _columns.missing_mask(values[role]) if role != "id" or ids is None
              else _columns.no_missing(ids.n)) for role in ("id", "date", "amount")]
    bad = masks[0][1] | masks[1][1] | masks[2][1]
    if not bad.any():
        if ids is not None:
            values["id"] = ids
        return values, 0
    rows = bad.nonzero()[0]
    first = int(rows[0])
    if not dropna:
        role = next(role for role, mask in masks if mask[first])
        raise _ffi.error(_ffi.EINVAL, "row %d: missing %s (column %r, index %r); pass "
                         "dropna=True to drop such rows"
                         % (first, {"id": "customer id"}.get(role, role), names[role],
                            df.index[first]))
    warnings.warn(DroppedRowsWarning(
        "dropped %d of %d rows with a missing customer id, date or amount (first: row "
        "%d, index %r)" % (len(rows), len(bad), first, df.index[first])), stacklevel=3)
    keep = ~bad
    return {role: v[keep] for role, v in values.items()}, len(rows)


def _dataframe_values(df: Any, name: str) -> Any:
    """A column (or, for the name "index", the index) as a NumPy array (object for pandas'
    nullable types, so pd.NA stays visible)."""
    series = df.index if name == "index" else df[name]
    return series.to_numpy() if hasattr(series, "to_numpy") else series.values


def _dataframe_roles(df: Any, id: Optional[str], date: Optional[str], amount: Optional[str],
                     margin: Optional[str]) -> Dict[str, str]:
    """{role: column name ("index" for the index)} of a transaction DataFrame: the names given,
    else the CSV reader's usual names of each role as tier_pipeline_sniff finds them."""
    from .pipeline import sniff
    columns = [c for c in df.columns if isinstance(c, str)]
    header = "\t".join(c.replace("\t", " ") for c in columns) or "-"
    out: Dict[str, str] = {}
    for role, given in (("id", id), ("date", date), ("amount", amount)):
        if given is not None:
            if given != "index" and given not in df.columns:
                if role == "id" and given == df.index.name:
                    given = "index"
                else:
                    raise KeyError("the DataFrame has no column %r (its columns: %s)"
                                   % (given, ", ".join(map(repr, df.columns))))
            out[role] = given
            continue
        _, found = sniff(header, role, delimiter=9)
        if found in columns:
            out[role] = found
        elif role == "id" and not _is_range_index(df.index):
            out[role] = "index"
        else:
            raise KeyError("the DataFrame has no %s column: name it (%s=...) or use one of the "
                           "CSV reader's names (docs/python.md); its columns: %s"
                           % (role, role, ", ".join(map(repr, df.columns))))
    if margin is not None:
        if margin not in df.columns:
            raise KeyError("the DataFrame has no column %r" % (margin,))
        out["margin"] = margin
    return out


def _is_range_index(index: Any) -> bool:
    return type(index).__name__ == "RangeIndex" and index.name is None


def _delimiter(value: Delimiter) -> int:
    if value in ("ws", "whitespace", None):
        return _ffi.CSV_WHITESPACE
    if value == "tab":
        return ord("\t")
    if isinstance(value, int):
        return value
    raw = _ffi.encode(value or "", "delimiter")
    if len(raw) != 1:
        raise ValueError("the delimiter must be one byte, 'ws' or 'tab', not %r" % (value,))
    return raw[0]


class CsvReader(CsvContracts, Handle):
    """A configured tier_csv reader; Book.read_csv() makes one for a single load."""

    _free = staticmethod(F.tier_csv_free)

    def __init__(self, delimiter: Delimiter = ",", header: bool = True,
                 column_names: Union[str, Sequence[str], None] = None, id: str = "customer_id",
                 date: str = "date", amount: str = "amount", margin: Optional[str] = None,
                 date_format: Union[str, int] = "auto",
                 progress: Optional[Callable[[int, int], Any]] = None,
                 limits: Optional[Mapping[Any, int]] = None) -> None:
        ptr = _ffi.csv_p()
        F.tier_csv_new(byref(ptr), None)
        self._adopt(ptr)
        self._progress: Optional[Callable[[int, int], Any]] = None
        self._progress_c: Any = None
        with self._closed_on_error():
            F.tier_csv_set_delimiter(self._p, _delimiter(delimiter))
            F.tier_csv_set_header(self._p, 1 if header else 0)
            if column_names is not None:
                F.tier_csv_set_column_names(self._p,
                                            _ffi.encode_list(column_names, "column names"))
            F.tier_csv_set_column(self._p, _ffi.CSV_ID, _ffi.encode(id))
            F.tier_csv_set_column(self._p, _ffi.CSV_DATE, _ffi.encode(date))
            F.tier_csv_set_column(self._p, _ffi.CSV_AMOUNT, _ffi.encode(amount))
            if margin is not None:
                F.tier_csv_set_column(self._p, _ffi.CSV_MARGIN, _ffi.encode(margin))
            F.tier_csv_set_date_format(self._p, _DATE_FORMATS.get(date_format, date_format)
                                       if isinstance(date_format, str) else date_format)
            for name, value in (limits or {}).items():
                key = {"fields": _ffi.CSV_LIMIT_FIELDS, "field_length": _ffi.CSV_LIMIT_FIELD_LENGTH,
                       "rows": _ffi.CSV_LIMIT_ROWS}.get(name, name)
                F.tier_csv_set_limit(self._p, key, int(value))
            if progress is not None:
                self.set_progress(progress)

    def set_progress(self, fn: Optional[Callable[[int, int], Any]]) -> None:
        """Installs `fn(done, total)` (None removes it); an exception in it aborts the load and
        is raised by read_file()/read_buffer()."""
        if fn is None:
            F.tier_csv_set_progress(self._p, _ffi.progress_cb(), None)
            self._progress = self._progress_c = None
            return

        call = fn

        def progress(ud: Any, done: int, total: int) -> int:
            return 1 if call(done, total) is False else 0

        c_fn = _ffi.callback(_ffi.progress_cb, progress)
        F.tier_csv_set_progress(self._p, c_fn, None)
        self._progress, self._progress_c = fn, c_fn  # the reader keeps the C thunk alive

    def _read(self, read_fn: Callable[..., int], book: Book, *source: Any) -> int:
        read_fn(self._p, book._p, *source)
        return self.rows_read()

    def read_file(self, book: Book, path: PathLike) -> int:
        """Reads the transaction CSV file `path` into `book` (all or nothing); returns the rows
        read."""
        return self._read(F.tier_csv_read_file, book, os.fsencode(path))

    def read_buffer(self, book: Book, data: Union[str, bytes]) -> int:
        """Reads transaction CSV text (str or bytes) into `book` (all or nothing); returns the
        rows read."""
        raw = _ffi.encode(data, "CSV data")
        return self._read(F.tier_csv_read_buffer, book, raw, len(raw))

    def read_attributes_file(self, book: Book, path: PathLike) -> int:
        """Loads an attribute CSV file into `book` (tier_csv_read_attributes_file)."""
        return self._read(F.tier_csv_read_attributes_file, book, os.fsencode(path))

    def read_attributes_buffer(self, book: Book, data: Union[str, bytes]) -> int:
        """Reads attribute CSV text (str or bytes) into `book` (all or nothing); returns the
        rows read."""
        raw = _ffi.encode(data, "CSV data")
        return self._read(F.tier_csv_read_attributes_buffer, book, raw, len(raw))

    def rows_read(self) -> int:
        """Data rows the last read consumed."""
        return int(F.tier_csv_rows_read(self._p))

    def error_position(self) -> Tuple[int, int]:
        """(line, column) of the last parse error; zeros when none."""
        return int(F.tier_csv_error_line(self._p)), int(F.tier_csv_error_column(self._p))

    def last_error(self) -> str:
        """The text of the reader's last failure ("" when none)."""
        return _ffi.decode(F.tier_csv_last_error(self._p)) or ""
