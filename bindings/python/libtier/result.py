# SPDX-License-Identifier: MIT
"""Running models and a policy over a book, and reading or writing the result."""

import codecs
import ctypes
import io
import math
import os
from ctypes import byref, c_double, c_size_t
from typing import (TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, Sequence,
                    Tuple, Union)

from . import _ffi
from ._ffi import F
from ._handle import Handle
from . import _pandas
from .frame import Frame

if TYPE_CHECKING:
    from .book import Book
    from .policy import Policy

__all__ = ["Result", "run", "DEFAULT_COLUMNS"]

#: A customer by book index or id.
Customer = Union[int, str, bytes]
#: An output's columns: a list of "name" / "name=column" specs, or one comma-separated str.
Columns = Union[str, Sequence[str]]
PathLike = Union[str, bytes, "os.PathLike[str]"]

#: TIER_RESULT_DEFAULT_COLUMNS of result.h.
DEFAULT_COLUMNS = ("customer_id,tier,r=rfm.r,f=rfm.f,m=rfm.m:2,tenure=rfm.tenure,"
                   "r_score=rfm.r_score,f_score=rfm.f_score,m_score=rfm.m_score,"
                   "segment=rfm.segment,value_class=rfm.value_class,pareto_class=pareto.class,"
                   "reason")


def _format(fmt: Union[str, int]) -> int:
    code = _ffi.OUTPUT_FORMATS.get(fmt, -1) if isinstance(fmt, str) else fmt
    if code not in _ffi.OUTPUT_FORMATS.values():
        raise ValueError("format must be 'csv' or 'json', not %r" % (fmt,))
    return code


def _columns_arg(columns: Optional[Columns]) -> Optional[bytes]:
    return None if columns is None else _ffi.encode_list(columns, "columns")


def run(book: "Book", models: Optional[Iterable[Any]] = None, policy: Any = None,
        as_of: Any = None) -> "Result":
    """Fits and scores `models` (default: RFM() and Pareto()) on `book`, applies `policy`
    (default: the built-in pareto-sabc, the S/A/B/C scheme over the default models' Pareto
    classes; a Policy, or a built-in name or policy file path)
    and returns the Result. `as_of` (a date or day number) ends the policy's windows (default:
    the day after the book's last transaction)."""
    result = Result()
    with result._closed_on_error():
        result.run(book, models, policy, as_of)
    return result


class Result(Handle):
    """One run: every model's columns plus each customer's tier and reason.

    The result keeps the book, models and policy it ran with alive; reading it needs the book
    unchanged since the run.
    """

    _free = staticmethod(F.tier_result_free)

    def __init__(self) -> None:
        ptr = _ffi.result_p()
        F.tier_result_new(byref(ptr), None)
        self._adopt(ptr)
        self._book: "Optional[Book]" = None
        self._models: Optional[List[Any]] = None
        self._policy: "Optional[Policy]" = None

    def run(self, book: "Book", models: Optional[Iterable[Any]] = None, policy: Any = None,
            as_of: Any = None) -> "Result":
        """Fits and scores `models` on `book` and applies `policy` (see libtier.run); returns
        self."""
        from .dates import to_day
        from .models import Pareto, RFM
        from .policy import Policy as _Policy
        Policy: Any = _Policy
        if models is None:
            models = [RFM(), Pareto()]
        models = list(models)
        if policy is None:
            # The scheme of the default models: S/A/B/C over their Pareto classes (the 0.1
            # default). Policy.default() (b2b-sabc) needs a book that keeps its transactions.
            policy = Policy.builtin("pareto-sabc")
        elif not isinstance(policy, Policy):
            name = os.fspath(policy)
            if isinstance(name, str) and name in Policy.builtins():
                policy = Policy.builtin(name)
            else:
                policy = Policy.from_file(name)
        if as_of is not None or not isinstance(F.tier_result_set_as_of, _ffi._Missing):
            F.tier_result_set_as_of(self._p, math.nan if as_of is None else float(to_day(as_of)))
        arr = (_ffi.model_p * max(len(models), 1))(*[m._p for m in models])
        F.tier_result_run(self._p, book._p, arr, len(models), policy._p)
        self._book, self._models, self._policy = book, models, policy
        return self

    def _describe(self) -> List[Tuple[str, Any]]:
        if self._book is None:
            return [("state", "not run")]
        counts = ["%s: %d" % (name, self.tier_summary(t)[0])
                  for t, name in enumerate(self.tier_names())]
        facts: List[Tuple[str, Any]] = [("customers", self.customer_count()), ("tiers", counts)]
        if self._policy is not None and self._policy.name:
            facts.append(("policy", self._policy.name))
        facts.append(("models", [m.name for m in self._models or ()]))
        return facts

    @property
    def book(self) -> Optional["Book"]:
        """The book of the last run (None before one)."""
        return self._book

    @property
    def models(self) -> List[Any]:
        """The models of the last run (a list)."""
        return list(self._models or ())

    @property
    def policy(self) -> Optional["Policy"]:
        """The Policy of the last run (None before one)."""
        return self._policy

    def _need_run(self) -> "Book":
        if self._book is None:
            raise _ffi.error(_ffi.ESTATE, "the result has not been run yet")
        return self._book

    # --- per customer -------------------------------------------------------------------------

    def customer_count(self) -> int:
        """The number of customers of the run."""
        return int(F.tier_result_customer_count(self._p))

    def __len__(self) -> int:
        return self.customer_count()

    def tier_names(self) -> List[str]:
        """The tier names in policy order."""
        return _ffi.names(F.tier_result_tier_count, F.tier_result_tier_name, self._p)

    def tier(self, customer: Customer) -> Optional[str]:
        """The tier name of one customer (index or id), None when no rule matched."""
        i = self._index(customer)
        t = F.tier_result_tier(self._p, i)
        return None if t < 0 else _ffi.decode(F.tier_result_tier_name(self._p, t))

    def reason(self, customer: Customer) -> str:
        """The reason (text of the matching rule) of one customer, by index or id."""
        raw = F.tier_result_reason(self._p, self._index(customer))
        return str(raw.decode("utf-8")) if raw else ""

    def flags(self, customer: Customer) -> List[str]:
        """The names of the flags the policy raised for one customer (index or id), in the
        policy's order ([] when none)."""
        raw = F.tier_result_flags(self._p, self._index(customer))
        return list(raw.decode("utf-8").split(";")) if raw else []

    def route(self, customer: Customer) -> Optional[str]:
        """The team one customer (index or id) is routed to, None when not routed."""
        raw = F.tier_result_route(self._p, self._index(customer))
        return raw.decode("utf-8") if raw else None

    def entitlement(self, customer: Customer, key: str) -> Any:
        """The value of entitlement `key` for one customer (that of its tier): float, str or
        bool, None when its tier does not set it."""
        from .policy import _Value, _value
        kinds: Dict[str, str] = self._policy.entitlements if self._policy is not None else {}
        with _Value() as v:
            try:
                F.tier_result_entitlement(self._p, self._index(customer),
                                          _ffi.encode(key, "entitlement"), v)
            except _ffi.TierError as exc:
                if exc.name == "TIER_ENOTFOUND" and key in kinds:
                    return None
                raise
            value = _value(v)
        return bool(value) if kinds.get(key) == "bool" else value

    def entitlements(self, customer: Customer) -> Dict[str, Any]:
        """{name: value} of every entitlement the policy declares, for one customer."""
        names: Dict[str, str] = self._policy.entitlements if self._policy is not None else {}
        return {name: self.entitlement(customer, name) for name in names}

    def explain(self, customer: Customer, format: str = "text") -> str:
        """Why one customer (index or id) got its tier (tier_result_explain): every model output,
        each model's own explanation, the windows and lets, each rule tried, the cap that moved
        it, the flags, the entitlements and the route; text, or ("json") a JSON object in a
        str."""
        book = self._need_run()
        code = _ffi.EXPLAIN_FORMATS.get(format)
        if code is None:
            raise ValueError("format must be 'text' or 'json', not %r" % (format,))
        with _ffi.Text() as t:
            F.tier_result_explain(self._p, book._p,
                                  self._policy._p if self._policy is not None else None,
                                  self._index(customer), code, t.ptr)
            return t.value()

    def _index(self, customer: Customer) -> int:
        if isinstance(customer, (str, bytes)):
            return self._need_run()._index(customer)
        return int(customer)

    @property
    def tiers(self) -> List[Optional[str]]:
        """Every customer's tier name (None where no rule matched), in book order."""
        names = self.tier_names()
        p = self._p
        out = []
        for i in range(F.tier_result_customer_count(p)):
            t = F.tier_result_tier(p, i)
            out.append(names[t] if t >= 0 else None)
        return out

    @property
    def reasons(self) -> List[str]:
        """Every customer's reason, in book order."""
        p = self._p
        return [(F.tier_result_reason(p, i) or b"").decode("utf-8")
                for i in range(F.tier_result_customer_count(p))]

    # --- columns ------------------------------------------------------------------------------

    @property
    def frame(self) -> Frame:
        """The frame of all columns (borrowed: valid while this result lives unchanged)."""
        ptr = F.tier_result_frame(self._p)
        if not ptr:
            raise _ffi.error(_ffi.ESTATE, "the result has not been run yet")
        return Frame(_borrowed=ptr, _owner=self)

    @property
    def columns(self) -> List[str]:
        """Full names of the frame's columns ("rfm.r", ..., "tier", "reason")."""
        return self.frame.columns()

    def column(self, name: str) -> Any:
        """One frame column's values by its library name ("rfm.r_score")."""
        return self.frame.column(name)

    def tier_summary(self, tier: Union[int, str]) -> Tuple[int, float]:
        """(customers, revenue) of one tier, by index or name (KeyError for an unknown name)."""
        n, rev = c_size_t(), c_double()
        F.tier_result_summary(self._p, _ffi.index_of(tier, self.tier_names), byref(n),
                              byref(rev))
        return n.value, rev.value

    def summary_dict(self) -> Dict[str, Dict[str, float]]:
        """{tier: {"customers", "revenue", "customer_share", "revenue_share"}} in tier order;
        shares are fractions of all customers and of the summed revenue of all tiers."""
        rows = [(name,) + self.tier_summary(t) for t, name in enumerate(self.tier_names())]
        total_n = self.customer_count()
        total_rev = sum(r for _, _, r in rows)
        return {name: {"customers": n, "revenue": rev,
                       "customer_share": n / total_n if total_n else 0.0,
                       "revenue_share": rev / total_rev if total_rev else 0.0}
                for name, n, rev in rows}

    def summary(self) -> Any:
        """The tiers in policy order with their customers (int), revenue and the two shares
        (fractions of all customers and of the summed revenue of all tiers): with pandas a
        DataFrame indexed by tier (an ordered CategoricalIndex named "tier"), without pandas
        the dict of :meth:`summary_dict`."""
        data = self.summary_dict()
        try:
            import pandas as pd
        except ImportError:
            return data
        names = list(data)
        df = pd.DataFrame(
            {"customers": pd.array([data[t]["customers"] for t in names], dtype="int64"),
             "revenue": [data[t]["revenue"] for t in names],
             "customer_share": [data[t]["customer_share"] for t in names],
             "revenue_share": [data[t]["revenue_share"] for t in names]},
            index=pd.CategoricalIndex(names, categories=names, ordered=True, name="tier"))
        return df

    def rows(self) -> Iterator[Dict[str, Any]]:
        """Yields one dict per customer: customer_id, tier, reason and every frame column
        (missing numbers and labels as None)."""
        book = self._need_run()
        frame = self.frame
        names = [c for c in frame.columns() if c not in ("tier", "reason")]
        cols = {}
        for name in names:
            values = frame.column(name)
            if frame.column_type(name) == "number":
                values = [None if math.isnan(v) else float(v) for v in values]
            cols[name] = values
        tiers, reasons = self.tiers, self.reasons
        for i in range(self.customer_count()):
            row = {"customer_id": book.customer_id(i), "tier": tiers[i], "reason": reasons[i]}
            for name in names:
                row[name] = cols[name][i]
            yield row

    def column_names(self, names: str = "query") -> Dict[str, str]:
        """{library name: DataFrame column name} of to_dataframe(names=...): "query" maps each
        name through libtier._pandas.query_name ("rfm.r_score" -> "rfm_r_score"), "original"
        keeps it."""
        cols = [c for c in self.frame.columns() if c not in ("tier", "reason")]
        cols = ["tier", "reason"] + cols
        if names == "original":
            return {c: c for c in cols}
        if names != "query":
            raise ValueError("names must be 'query' or 'original', not %r" % (names,))
        return _pandas.query_names(cols)

    def to_dataframe(self, names: str = "query", index: bool = True) -> Any:
        """A pandas DataFrame of the run, one row per customer in book order.

        Indexed by customer id (index name "customer_id"; ``index=False`` gives a RangeIndex
        and a customer_id column first). Columns: tier (an ordered Categorical in policy
        order, NaN where no rule matched), reason, then every model's columns. Integer outputs
        of the built-in models (RFM scores, r, f, tenure; clv x; lifecycle days) are int64, or
        nullable Int64 when a customer has none; other numbers float64 (NaN = missing); label
        columns Categoricals of their texts. ``names="query"`` (default) makes every name usable
        in ``df.query`` ("rfm.r_score" -> "rfm_r_score"; :meth:`column_names` has the mapping);
        ``names="original"`` keeps the library's dotted names.
        """
        import pandas as pd
        book = self._need_run()
        frame = self.frame
        mapping = self.column_names(names)
        ints = _pandas.integer_columns(self._models or ())
        p = self._p
        n = F.tier_result_customer_count(p)
        tier_codes = [F.tier_result_tier(p, i) for i in range(n)]
        data = {mapping["tier"]: _pandas.tiers(tier_codes, self.tier_names()),
                mapping["reason"]: self.reasons}
        for name in frame.columns():
            if name in ("tier", "reason"):
                continue
            if frame.column_type(name) == "label":
                values = _pandas.labels(frame.codes(name), frame.labels_of(name))
            elif name in ints:
                values = _pandas.integers(frame.numbers(name))
            else:
                values = frame.numbers(name)
            data[mapping[name]] = values
        ids = book.customer_ids()
        df = pd.DataFrame(data, index=_pandas.index(ids))
        if not index:
            df = df.reset_index()
        return df

    # --- output -------------------------------------------------------------------------------

    def write(self, path: PathLike, columns: Optional[Columns] = None,
              format: str = "csv") -> None:
        """Writes the output file atomically (tier_result_save); columns=None is DEFAULT_COLUMNS."""
        book = self._need_run()
        F.tier_result_save(self._p, book._p, _columns_arg(columns), _format(format),
                           os.fsencode(path), None)

    def write_to(self, fileobj: Any, columns: Optional[Columns] = None,
                 format: str = "csv") -> None:
        """Streams the output to a file object (binary, or text decoded as UTF-8) through
        tier_result_write; an exception raised by fileobj.write is re-raised here."""
        book = self._need_run()
        if isinstance(fileobj, io.TextIOBase):
            decoder = codecs.getincrementaldecoder("utf-8")()

            def sink(data: bytes) -> None:
                fileobj.write(decoder.decode(data))
        else:
            decoder = None
            sink = fileobj.write

        def write(ud: Any, data: Any, n: int) -> int:
            sink(ctypes.string_at(data, n))
            return 0

        c_fn = _ffi.callback(_ffi.write_cb, write)  # alive for the whole call
        F.tier_result_write(self._p, book._p, _columns_arg(columns), _format(format), c_fn, None)
        if decoder is not None:
            tail = decoder.decode(b"", final=True)
            if tail:
                fileobj.write(tail)

    def to_bytes(self, columns: Optional[Columns] = None, format: str = "csv") -> bytes:
        """The output file's bytes (CSV or JSON), as write() would write them."""
        buf = io.BytesIO()
        self.write_to(buf, columns, format)
        return buf.getvalue()

    def to_string(self, columns: Optional[Columns] = None, format: str = "csv") -> str:
        """The output file's text (CSV or JSON), as write() would write it."""
        return self.to_bytes(columns, format).decode("utf-8")
