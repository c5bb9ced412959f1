# SPDX-License-Identifier: MIT
"""Incremental re-tiering of a pipeline's last run (docs/retier.md).

    p = libtier.Pipeline(input="invoices.csv", accounts="accounts.csv", policy="b2b-sabc").run()
    rt = p.retier()
    rt.add_invoice("ACC00042", "2025-06-30", 1250.0)   # into the run's book
    rt.customer("ACC00042")                           # re-scored and re-tiered, frozen figures
    rt.tier("ACC00042"), rt.reason("ACC00042"), rt.entitlement("ACC00042", "sla_hours")

The models, the policy's cut points and every population figure (abc and pct_rank references,
who a cap keeps, Pareto classes) stay as the run left them until the next run of the pipeline.
"""

import math
from ctypes import byref, c_char_p, c_double, c_size_t, string_at
from typing import TYPE_CHECKING, Any, List, Optional, Tuple, Union

from . import _ffi
from ._ffi import F
from ._display import Described
from .book import Savepoints
from .dates import to_day

if TYPE_CHECKING:
    from .pipeline import Pipeline

#: A customer of the run's book, by index or id.
Customer = Union[int, str, bytes]

__all__ = ["Retier"]


class Retier(Savepoints, Described):
    """The retier of a pipeline's last run (made by :meth:`Pipeline.retier`; owned by the
    pipeline and valid until its next run). Customers are given by id or by book index.

    Savepoints of the run's book (:meth:`savepoint`, :meth:`rollback`, :meth:`release`,
    :meth:`trying`) try an invoice and take it back: after a rollback, :meth:`customer` again
    gives the customer back the tier it had before the invoice.

    A context manager like every object of the package: ``with pipeline.retier() as r:``;
    ``close()`` (or the end of the block) lets go of the pipeline's retier (the pipeline owns
    and frees it), after which every call raises ValueError."""

    def __init__(self, pipeline: "Pipeline", handle: Any) -> None:
        self._pipeline: "Optional[Pipeline]" = pipeline  # keeps the owner alive
        self._p = handle
        self._run = pipeline._runs

    @property
    def closed(self) -> bool:
        """Whether close() has let go of the retier."""
        return self._pipeline is None

    def close(self) -> None:
        """Lets go of the retier and its pipeline (the pipeline frees the C object); safe to
        call twice."""
        self._pipeline = None
        self._p = None

    def __enter__(self) -> "Retier":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _owner(self) -> "Pipeline":
        if self._pipeline is None:
            raise ValueError("Retier is closed")
        return self._pipeline

    def _describe(self) -> List[Tuple[str, Any]]:
        return [("customers", F.tier_book_customer_count(self._book())),
                ("current", self._owner()._runs == self._run)]

    def _check(self) -> None:
        if self._owner()._runs != self._run:
            raise _ffi.TierError(_ffi.ESTATE, "TIER_ESTATE", "the pipeline ran again: take a new retier()")

    def _book(self) -> Any:
        return F.tier_pipeline_book(self._owner()._p)

    def _savepoint_book(self) -> Any:
        self._check()
        return self._book()

    def _index(self, customer: Customer) -> int:
        if isinstance(customer, (str, bytes)):
            raw = _ffi.encode(customer, "customer id")
            out = c_size_t()
            if F.tier_book_find(self._book(), raw, len(raw), byref(out)) != 0:
                raise KeyError(customer)
            return int(out.value)
        return int(customer)

    def add_invoice(self, customer_id: Customer, date: Any, amount: float,
                    margin: Optional[float] = None) -> None:
        """Adds one transaction to the run's book for a customer given by id or index (a new id
        becomes a new customer, which the next run tiers). `date` is a date, ISO text or YYYYMMDD int."""
        self._check()
        if isinstance(customer_id, (str, bytes)):
            raw = _ffi.encode(customer_id, "customer id")
        else:
            size = c_size_t()
            ptr = F.tier_book_customer_id(self._book(), int(customer_id), byref(size))
            if ptr is None:
                raise KeyError(customer_id)
            raw = string_at(ptr, size.value)
        F.tier_book_add_txn(self._book(), raw, len(raw), to_day(date), float(amount),
                            math.nan if margin is None else float(margin))

    def set_attribute(self, customer: Customer, name: str, value: Union[str, float]) -> None:
        """Sets a number or text attribute of a customer of the run's book."""
        self._check()
        key = _ffi.encode(name, "attribute name")
        if isinstance(value, str):
            F.tier_book_set_text(self._book(), self._index(customer), key,
                                 _ffi.encode(value, "attribute value"))
        else:
            F.tier_book_set_number(self._book(), self._index(customer), key, float(value))

    def customer(self, customer: Customer) -> str:
        """Re-scores and re-tiers one customer; returns its tier name ("" for none). Raises
        TierError (the customer keeps its previous tier) and KeyError for an unknown id."""
        self._check()
        i = self._index(customer)
        F.tier_retier_customer(self._p, self._book(), i)
        return _ffi.decode(F.tier_retier_tier_name(self._p, i)) or ""

    def tier(self, customer: Customer) -> str:
        """The customer's current tier name ("" when none)."""
        self._check()
        return _ffi.decode(F.tier_retier_tier_name(self._p, self._index(customer))) or ""

    def reason(self, customer: Customer) -> str:
        """The reason of one customer's current tier."""
        self._check()
        return _ffi.decode(F.tier_retier_reason(self._p, self._index(customer))) or ""

    def flags(self, customer: Customer) -> List[str]:
        """The flags raised for the customer, as a list of names."""
        self._check()
        text: Optional[str] = _ffi.decode(F.tier_retier_flags(self._p, self._index(customer)))
        return text.split(";") if text else []

    def route(self, customer: Customer) -> Optional[str]:
        """The team one customer is routed to, None when not routed."""
        self._check()
        route: Optional[str] = _ffi.decode(F.tier_retier_route(self._p, self._index(customer)))
        return route

    def entitlement(self, customer: Customer, key: str) -> Union[float, str, None]:
        """An entitlement of the customer's current tier (a float or a str), None when its tier
        has none."""
        self._check()
        number, text = c_double(), c_char_p()
        rc = F.tier_retier_entitlement(self._p, self._index(customer),
                                       _ffi.encode(key, "entitlement"), byref(number),
                                       byref(text))
        if rc == _ffi.ENOTFOUND:
            return None
        if rc != _ffi.OK:
            raise _ffi.error(rc, "entitlement %r: %s" % (
                key, _ffi.decode(F.tier_retier_last_error(self._p)) or _ffi.strerror(rc)))
        return _ffi.decode(text.value) if text.value is not None else float(number.value)

    def number(self, customer: Customer, column: str) -> float:
        """A model output of the customer as last re-scored ("rfm.r_score")."""
        self._check()
        out = c_double()
        rc = F.tier_retier_number(self._p, self._index(customer), _ffi.encode(column, "column"),
                                  byref(out))
        if rc != _ffi.OK:
            raise KeyError(column)
        return float(out.value)
