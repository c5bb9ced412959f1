# SPDX-License-Identifier: MIT
"""Models (the base of the built-ins, RFM and Pareto/ABC) and segment maps."""

import ctypes
import math
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional,
                    Sequence, Tuple, TypeVar, Union)
from ctypes import byref, c_char_p, c_double, c_int, c_size_t

from . import _ffi
from ._ffi import F
from ._handle import Handle
from .dates import from_day, to_day
from .frame import Frame

if TYPE_CHECKING:
    from .book import Book

__all__ = ["Model", "RFM", "Pareto", "SegmentMap"]

_M = TypeVar("_M", bound="ModelCalls")
#: What an option holds: a number, a text or a list of texts.
OptionValue = Union[float, str, List[str]]


_TYPE_NAMES = {_ffi.OPTION_NUMBER: "number", _ffi.OPTION_TEXT: "text", _ffi.OPTION_LIST: "list"}


def value_of(ptr: Any, kind: int) -> Any:
    """A tier_value of option type `kind` as float, str or list of str."""
    if kind == _ffi.OPTION_NUMBER:
        return F.tier_value_number(ptr)
    if kind == _ffi.OPTION_TEXT:
        return _ffi.decode(F.tier_value_text(ptr))
    return _ffi.names(F.tier_value_list_count, F.tier_value_list_item, ptr)


def typed_stats(raw: Dict[str, float], floats: Iterable[str] = (),
                dates: Iterable[str] = ()) -> Dict[str, Any]:
    """A model's fit figures with their real types: "converged" a bool, the names in `floats` a
    float, those in `dates` a datetime.date (from a day number), every other an int (counts);
    None for a figure the library does not know (NaN)."""
    floats, dates = set(floats), set(dates)
    out: Dict[str, Any] = {}
    for name, value in raw.items():
        if math.isnan(value):
            out[name] = None
        elif name in floats:
            out[name] = value
        elif name == "converged":
            out[name] = bool(value)
        elif name in dates:
            out[name] = from_day(int(value))
        else:
            out[name] = int(value)
    return out


def day_property(option: str, doc: str) -> Any:
    """A property over a day-number option: read as a date (None while unset, NaN), set from
    anything libtier.to_day() takes (None unsets it)."""

    def get(self: "ModelCalls") -> Any:
        v = self.get_option(option)
        if math.isnan(v) or v < _ffi.DAY_MIN or v > _ffi.DAY_MAX:
            return None
        return from_day(int(v))

    def set_(self: "ModelCalls", value: Any) -> None:
        self.set_option(option, math.nan if value is None else to_day(value))

    return property(get, set_, doc=doc)


class ModelCalls:
    """The generic calls of model.h on ``self._p``, one copy for the wrappers of built-in models
    (:class:`Model`) and for models written in Python (libtier.usermodel.Model). The first three
    are bound under the names each class gives them (fit/score/explain on a built-in,
    run_fit/run_score/run_explain on a Python model, whose fit/score/explain are its callbacks).
    """

    if TYPE_CHECKING:
        @property
        def _p(self) -> Any:
            """The live pointer (Handle._p)."""

    def _run_fit(self: _M, book: "Book", inputs: Optional[Frame] = None) -> _M:
        """Fits on a book through the library (tier_model_fit); `inputs` is a Frame of earlier
        models' columns (optional). Returns self."""
        F.tier_model_fit(self._p, book._p, inputs._p if inputs is not None else None)
        return self

    def _run_score(self, book: "Book", frame: Optional[Frame] = None) -> Frame:
        """Scores every customer into `frame` (a new Frame when None) through the library
        (tier_model_score) and returns the frame; the model must be fitted."""
        if frame is None:
            frame = Frame(book.customer_count())
        F.tier_model_score(self._p, book._p, frame._p)
        return frame

    def _run_explain(self, book: "Book", frame: Frame, customer: Union[int, str]) -> str:
        """The model's explanation of one customer's outputs (tier_model_explain), as text;
        `customer` is an index or an id."""
        with _ffi.Text() as text:
            F.tier_model_explain(self._p, book._p, frame._p, book._index(customer), text.ptr)
            return text.value()

    @property
    def fitted(self) -> bool:
        """Whether the model is fitted (or loaded) and can score."""
        return bool(F.tier_model_is_fitted(self._p))

    # --- options (tier_model_set_option and friends) ---------------------------------------

    def _option_infos(self) -> Iterator[Tuple[str, int, str]]:
        """Yields (name, type code, doc) of every option, in declaration order."""
        for i in range(F.tier_model_option_count(self._p)):
            name, kind, doc = c_char_p(), c_int(), c_char_p()
            F.tier_model_option_info(self._p, i, byref(name), byref(kind), byref(doc))
            yield _ffi.decode(name.value) or "", kind.value, _ffi.decode(doc.value) or ""

    def set_option(self: _M, name: str, value: Any) -> _M:
        """Sets option `name` through the library: a str is parsed by the option's declared type
        (tier_model_set_option), a number, text or list of str is set as such. All or nothing;
        TierError (TIER_ENOTFOUND for an unknown name, the message listing the valid ones) on
        refusal. Returns self."""
        raw = _ffi.encode(name, "option name")
        kind = next((k for n, k, _ in self._option_infos() if n == name), None)
        if isinstance(value, str) or kind is None:
            F.tier_model_set_option(self._p, raw, _ffi.encode(str(value), "value"))
        elif kind == _ffi.OPTION_NUMBER:
            F.tier_model_set_number(self._p, raw, float(value))
        elif kind == _ffi.OPTION_TEXT:
            F.tier_model_set_text(self._p, raw, _ffi.encode(value, "value"))
        else:
            items = [_ffi.encode(x, "list item") for x in value]
            F.tier_model_set_list(self._p, raw, (c_char_p * max(len(items), 1))(*items),
                                  len(items))
        return self

    def get_option(self, name: str) -> Any:
        """Option `name`'s value read through the library: float, str or list of str."""
        ptr = _ffi.value_p()
        F.tier_value_new(byref(ptr), None)
        try:
            F.tier_model_get_value(self._p, _ffi.encode(name, "option name"), ptr)
            return value_of(ptr, F.tier_value_get_type(ptr))
        finally:
            F.tier_value_free(ptr)

    def option_text(self, name: str) -> str:
        """Option `name` as its canonical text (tier_model_get_option)."""
        with _ffi.Text() as text:
            F.tier_model_get_option(self._p, _ffi.encode(name, "option name"), text.ptr)
            return text.value()

    # --- saved state (tier_model_save / tier_model_load) ------------------------------------

    def save(self) -> str:
        """The options and fitted state as text (tier_model_save, docs/model-state-format.md)."""
        with _ffi.Text() as text:
            F.tier_model_save(self._p, text.ptr)
            return text.value()

    def load(self: _M, text: Union[str, bytes]) -> _M:
        """Restores a state written by save() from a model of the same kind (tier_model_load);
        the model is fitted afterwards. All or nothing: TierError (TIER_ECORRUPT with the line)
        on bad text. Returns self."""
        raw = _ffi.encode(text, "state")
        F.tier_model_load(self._p, raw, len(raw))
        return self

    # --- fits from mergeable summaries (tier_model_fit_summary and friends, 0.5.0) ---------

    def fit_summary(self, book: "Book", inputs: Optional[Frame] = None) -> bytes:
        """The model's mergeable summary of a fit on `book` (tier_model_fit_summary): what its fit
        reads from the population, as counts that add up over parts (clv, sbg, subscription).
        The model is not changed; set its options (clv's and subscription's ``as_of``) to the
        population's first. docs/fit-summary-format.md has the format."""
        with _ffi.Text() as text:
            F.tier_model_fit_summary(self._p, book._p,
                                     inputs._p if inputs is not None else None, text.ptr)
            return ctypes.string_at(F.tier_text_data(text.ptr), F.tier_text_length(text.ptr))

    def fit_summaries(self: _M, summaries: Sequence[bytes]) -> _M:
        """Fits from the union of `summaries` (tier_model_fit_summaries): the state a fit on the
        books they came from, taken together, gives. All or nothing: TierError (TIER_ECORRUPT
        naming the summary, from 1, and its line) on damaged or mismatched ones. Returns self."""
        texts, lens, n = _summary_arrays(summaries)
        F.tier_model_fit_summaries(self._p, texts, lens, n)
        return self

    def merge_summaries(self, summaries: Sequence[bytes]) -> bytes:
        """One summary of the union of `summaries` (tier_model_merge_summaries), for a merge in a
        tree; the model is not changed."""
        texts, lens, n = _summary_arrays(summaries)
        with _ffi.Text() as text:
            F.tier_model_merge_summaries(self._p, texts, lens, n, text.ptr)
            return ctypes.string_at(F.tier_text_data(text.ptr), F.tier_text_length(text.ptr))


def _summary_arrays(summaries: Sequence[bytes]) -> Tuple[Any, Any, int]:
    """The C arrays of texts and lengths of `summaries` (bytes), and their number."""
    items = [bytes(s) for s in summaries]
    n = len(items)
    texts = (c_char_p * max(n, 1))(*items)
    lens = (c_size_t * max(n, 1))(*[len(s) for s in items])
    return texts, lens, n


class Model(ModelCalls, Handle):
    """A model handle (tier_model). Built-ins are made by RFM(), Pareto(), ... or by kind name
    with Model.new("rfm"); every model's options are set and read by name, and its fitted state
    saves to text and loads back (docs/model-state-format.md)."""

    _free = staticmethod(F.tier_model_free)
    _kinds: "dict[str, Any]" = {}  # kind name -> built-in wrapper class, filled by the modules defining them

    fit = ModelCalls._run_fit
    score = ModelCalls._run_score
    explain = ModelCalls._run_explain

    @classmethod
    def new(cls, kind: str, name: Optional[str] = None, **options: Any) -> "Model":
        """A model of a built-in kind made by name (tier_model_new_kind): "rfm", "pareto",
        "scorecard", "clv", "needs" or "lifecycle", with `options` set by name."""
        ptr = _ffi.model_p()
        F.tier_model_new_kind(byref(ptr), None, _ffi.encode(kind, "kind"), _ffi.encode_name(name),
                              None)
        wrapper = Model._kinds.get(kind, Model)
        model: Model = wrapper.__new__(wrapper)
        model._adopt(ptr)
        with model._closed_on_error():
            for key, value in options.items():
                model.set_option(key, value)
        return model

    def _make(self, constructor: Callable[..., int], name: Optional[str]) -> None:
        """Adopts the model ``constructor(&ptr, name, NULL)`` makes (a tier_<kind>_new)."""
        ptr = _ffi.model_p()
        constructor(byref(ptr), _ffi.encode_name(name), None)
        self._adopt(ptr)

    def options(self) -> Dict[str, Tuple[str, str]]:
        """{name: (type, doc)} of the model's options, in declaration order; type is "number",
        "text" or "list"."""
        return {name: (_TYPE_NAMES.get(kind, "?"), doc)
                for name, kind, doc in self._option_infos()}

    def get_options(self) -> Dict[str, Any]:
        """Every option as {name: value}."""
        return {name: self.get_option(name) for name in self.options()}

    @property
    def name(self) -> str:
        """The model's name (the prefix of its columns, "rfm" in "rfm.r_score")."""
        return _ffi.decode(F.tier_model_name(self._p)) or ""

    @property
    def kind(self) -> str:
        """The model's kind ("rfm", "pareto", "clv", ...)."""
        return _ffi.decode(F.tier_model_kind(self._p)) or ""

    def __repr__(self) -> str:
        if self.closed:
            return "<%s closed>" % type(self).__name__
        return "<%s %r kind=%r>" % (type(self).__name__, self.name, self.kind)

    def _describe(self) -> List[Tuple[str, Any]]:
        facts: List[Tuple[str, Any]] = [("name", self.name), ("kind", self.kind)]
        try:
            facts.append(("options", self.get_options()))
        except Exception:
            pass
        return facts


_DIMS = {"r": _ffi.RFM_R, "f": _ffi.RFM_F, "m": _ffi.RFM_M}


class RFM(Model):
    """The built-in RFM model.

    ``RFM(name="rfm", bins=5, as_of=None, window=0, frequency="days", monetary="sum")``;
    `as_of` is a date (default: the day after the book's last transaction), `window` days before
    it (0 = all history), frequency "days"/"rows", monetary "sum"/"mean".
    """

    def __init__(self, name: str = "rfm", bins: int = 5, as_of: Any = None, window: int = 0,
                 frequency: str = "days", monetary: str = "sum") -> None:
        self._make(F.tier_rfm_new, name)
        with self._closed_on_error():
            if frequency not in ("days", "rows"):
                raise ValueError("frequency must be 'days' or 'rows', not %r" % (frequency,))
            if monetary not in ("sum", "mean"):
                raise ValueError("monetary must be 'sum' or 'mean', not %r" % (monetary,))
            if bins != 5:
                self.set_option("bins", bins)
            if as_of is not None:
                self.as_of = as_of
            if window:
                self.set_option("window", window)
            if frequency != "days":
                self.set_option("frequency", frequency)
            if monetary != "sum":
                self.set_option("monetary", monetary)

    @property
    def bins(self) -> int:
        """The number of score bins (1..bins per dimension)."""
        return int(self.get_option("bins"))

    as_of = day_property("as_of", "The as-of date set, or None when it is still the default.")

    @property
    def window(self) -> int:
        """The trailing window in days (0 = all history)."""
        return int(self.get_option("window"))

    def set_segmap(self, which: Union[str, int], segmap: "SegmentMap") -> None:
        """Replaces the segment map: which = "segment" (0) or "value_class" (1)."""
        index = {"segment": 0, "value_class": 1}.get(which, which) if isinstance(which, str) \
            else which
        F.tier_rfm_set_segmap(self._p, index, segmap._p)

    def cut_points(self, dim: Any) -> List[float]:
        """The fitted cut points of dimension "r", "f" or "m" (bins-1 ascending floats)."""
        n = self.bins - 1
        buf = (c_double * n)()
        F.tier_rfm_cut_points(self._p, _DIMS.get(dim, dim), buf, n)
        return list(buf)

    def set_cut_points(self, dim: Any, cuts: Iterable[float]) -> None:
        """Fixes the cut points of one dimension ("r", "f" or "m") instead of fitting them."""
        values = [float(c) for c in cuts]
        buf = (c_double * len(values))(*values)
        F.tier_rfm_set_cut_points(self._p, _DIMS.get(dim, dim), buf, len(values))


class Pareto(Model):
    """The built-in Pareto/ABC model.

    ``Pareto(name="pareto", criterion="revenue", threshold_a=0.8, threshold_b=0.95,
    as_of=None, window=0)``.
    """

    def __init__(self, name: str = "pareto", criterion: str = "revenue",
                 threshold_a: float = 0.8, threshold_b: float = 0.95, as_of: Any = None,
                 window: int = 0) -> None:
        self._make(F.tier_pareto_new, name)
        with self._closed_on_error():
            if criterion != "revenue":
                self.set_option("criterion", criterion)
            # B first when it grows, so that A <= B holds after every single call.
            pairs = [("threshold_a", threshold_a), ("threshold_b", threshold_b)]
            for key, value in (reversed(pairs) if threshold_b >= 0.8 else pairs):
                self.set_option(key, float(value))
            if as_of is not None:
                self.as_of = as_of
            if window:
                self.set_option("window", window)

    as_of = day_property("as_of", "The as-of date set, or None when it is still the default.")

    @staticmethod
    def summary(frame: Any, name: str = "pareto") -> Dict[str, Dict[str, float]]:
        """Per class A/B/C: customers, value and both shares, from a frame (or Result)."""
        frame = getattr(frame, "frame", frame)
        if callable(frame):
            frame = frame()
        out: Dict[str, Dict[str, float]] = {}
        for cls, label in enumerate("ABC"):
            n, value, cshare, vshare = c_size_t(), c_double(), c_double(), c_double()
            F.tier_pareto_summary(frame._p, _ffi.encode(name), cls, byref(n), byref(value),
                                  byref(cshare), byref(vshare))
            out[label] = {"customers": n.value, "value": value.value,
                          "customer_share": cshare.value, "value_share": vshare.value}
        return out


Model._kinds.update({"rfm": RFM, "pareto": Pareto})

_BUILTIN_MAPS = {"rf10": _ffi.SEGMAP_RF10, "rfm8": _ffi.SEGMAP_RFM8}


class SegmentMap(Handle):
    """A segment map: SegmentMap.builtin("rf10" | "rfm8") or SegmentMap.parse(text)."""

    _free = staticmethod(F.tier_segmap_free)

    def __init__(self, _ptr: Any) -> None:
        self._adopt(_ptr)

    @classmethod
    def builtin(cls, which: Any = "rf10") -> "SegmentMap":
        """A built-in segment map by name ("rf10" or "rfm8")."""
        ptr = _ffi.segmap_p()
        F.tier_segmap_new_builtin(byref(ptr), _BUILTIN_MAPS.get(which, which), None)
        return cls(ptr)

    @classmethod
    def parse(cls, text: Union[str, bytes]) -> "SegmentMap":
        """Parses the text format of docs/segment-maps.md; TierError "line N: reason" on bad text."""
        raw = _ffi.encode(text, "map text")
        ptr = _ffi.segmap_p()
        with _ffi.Text() as err:
            F.tier_segmap_parse(byref(ptr), raw, len(raw), None, err.ptr)
        return cls(ptr)

    def __len__(self) -> int:
        return int(F.tier_segmap_count(self._p))

    def names(self) -> List[str]:
        """The segment names of the map, in order."""
        return _ffi.names(F.tier_segmap_count, F.tier_segmap_name, self._p)

    def lookup(self, r: int, f: int, m: int = 0) -> Optional[str]:
        """The segment name of a score triple, or None."""
        i = F.tier_segmap_lookup(self._p, int(r), int(f), int(m))
        return None if i < 0 else _ffi.decode(F.tier_segmap_name(self._p, i))

    def check(self, bins: int = 5) -> Dict[str, Any]:
        """{"overlapping": n, "shadowed": n, "uncovered": n, "report": text} over the grid."""
        o, s, u = c_size_t(), c_size_t(), c_size_t()
        with _ffi.Text() as report:
            F.tier_segmap_check(self._p, int(bins), byref(o), byref(s), byref(u), report.ptr)
            text = report.value()
        return {"overlapping": o.value, "shadowed": s.value, "uncovered": u.value,
                "report": text}

