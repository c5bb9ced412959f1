# SPDX-License-Identifier: MIT
"""Models written in Python, plugged into libtier through the public model vtable.

Subclass :class:`Model`, declare ``outputs`` and write ``score`` (and, when needed, ``fit`` and
``explain``)::

    class Engagement(libtier.Model):
        outputs = [("score", "number"), ("band", ["low", "high"])]

        def fit(self, book, inputs):                 # optional; inputs: earlier models' columns
            self.cap = max(inputs["rfm.f"])

        def score(self, book, frame):                # frame: the columns scored so far
            f = frame["rfm.f"]
            s = [min(x, self.cap) / self.cap * 100 for x in f]
            return {"score": s, "band": ["high" if x >= 50 else "low" for x in s]}

        def explain(self, book, frame, customer):    # optional
            return "score %.0f" % frame["engagement.score"][customer]

    result = libtier.run(book, [libtier.RFM(), libtier.Pareto(), Engagement()], policy)

Options and saved state (vtable version 2): declare ``options`` as ``[(name, "number" | "text" |
"list"[, doc[, forgets_fit]]), ...]``; an option's value is the attribute of the same name (a
class attribute is its default). ``set_option``/``get_option`` go through the library
(tier_model_set_option, ...), which calls back ``check_option(name, value)`` (return the value to
keep, or raise to refuse) and then sets the attribute. ``save()`` writes the options and what
``save_state()`` returns (``[(key, value or [values]), ...]`` of numbers and str) in the state
format of docs/model-state-format.md; ``load(text)`` sets the options and hands the other records
to ``load_state(records)`` (``[(key, [values])]``), all or nothing. A model with ``fit()`` can be
saved only when it defines ``save_state`` and ``load_state``::

    class Capped(libtier.Model):
        outputs = [("score", "number")]
        options = [("cap", "number", "highest score"), ("tags", "list")]
        cap = 100.0
        tags = []

        def fit(self, book, inputs):
            self.top = max(inputs["rfm.m"])

        def save_state(self):
            return [("top", self.top)]

        def load_state(self, records):
            (key, values), = records
            self.top = float(values[0])

How it maps onto C (docs/writing-a-model.md): the first time the model is used, a
``tier_model_vtable`` of version TIER_MODEL_VTABLE_VERSION is filled with ctypes callbacks and
handed to ``tier_model_new`` together with a state pointer that is the key of this model's entry
in a registry (the C side never holds a Python object). The callbacks are module-level CFUNCTYPE
objects, so they outlive every C model; each model also keeps its vtable and the output names it
hands to C. ``destroy`` removes the registry entry, exactly once, when the model is closed or
collected. An exception raised by any of the methods above is caught inside the callback, its
text is kept for ``last_error`` (a failed score puts it on the frame instead, with
tier_frame_set_error, since scoring must not change the model), TIER_EUSER goes back to C (or
the status of a TierError raised by a nested libtier call), and the exception itself is raised
again, with its type and traceback, once the C call (``libtier.run``, ``run_fit``, ...) returns.
"""

import array
import contextlib
import ctypes
import itertools
import math
import numbers
import re
import weakref
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple,
                    TypeVar, Union)
from ctypes import byref, c_char_p, c_void_p

from . import _ffi
from ._columns import INT32_TYPECODE
from ._display import Described
from ._ffi import F
from .book import Book
from .frame import Frame
from . import models
from .models import ModelCalls, value_of

try:
    import numpy as np
except ImportError:
    np = None  # type: ignore[assignment]

__all__ = ["Model"]

# The C state pointer of every live Python model -> its _Binding. An entry is added right before
# tier_model_new() and removed by the destroy callback.
_registry: "dict[Any, Any]" = {}
_keys = itertools.count(1)  # 0 would arrive in the callbacks as None

_MODEL_NAME = re.compile(r"[A-Za-z0-9_]{1,64}\Z")
_OPTION_NAME = re.compile(r"[a-z0-9_]{1,64}\Z")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,63}\Z")
_OUTPUT_NAME = re.compile(r"[A-Za-z0-9_.\-]+\Z")

#: A declared output, normalised: (name, None for a number or the list of labels).
Output = Tuple[str, Optional[List[str]]]
#: A declared option, normalised: (name, type code, doc, flags).
OptionSpec = Tuple[str, int, str, int]
#: A record of a saved state as load_state() gets it: (key, [values]).
Record = Tuple[str, List[Union[float, str]]]
_T = TypeVar("_T", bound="Model")


def _default_name(cls: type) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", cls.__name__).lower()[:64]
    return name or "model"


def _normalize_outputs(model_name: str, outputs: Any) -> List[Output]:
    """[(name, None | [labels])] from the declared ``outputs``; ValueError/TypeError when bad."""
    if isinstance(outputs, (str, bytes)) or not hasattr(outputs, "__iter__"):
        raise TypeError("model %r: outputs must be a list of (name, 'number' or [labels]) pairs"
                        % model_name)
    out: List[Output] = []
    seen = set()
    for item in outputs:
        try:
            name, kind = item
        except (TypeError, ValueError):
            raise TypeError("model %r: each output must be a (name, 'number' or [labels]) pair, "
                            "not %r" % (model_name, item)) from None
        if not isinstance(name, str) or not _OUTPUT_NAME.match(name):
            raise ValueError("model %r: output name %r must be letters, digits, '_', '.' or '-'"
                             % (model_name, name))
        if name in seen:
            raise ValueError("model %r: output %r is declared twice" % (model_name, name))
        seen.add(name)
        if isinstance(kind, str):
            if kind != "number":
                raise ValueError("model %r: output %r must be 'number' or a list of labels, not %r"
                                 % (model_name, name, kind))
            out.append((name, None))
            continue
        labels = list(kind)
        if not labels or not all(isinstance(x, str) and x for x in labels):
            raise ValueError("model %r: label output %r needs a non-empty list of non-empty "
                             "label strings" % (model_name, name))
        if len(set(labels)) != len(labels):
            raise ValueError("model %r: label output %r repeats a label" % (model_name, name))
        out.append((name, labels))
    if not out:
        raise ValueError("model %r declares no outputs" % model_name)
    return out


def _normalize_options(model_name: str, options: Any) -> List[OptionSpec]:
    """[(name, type code, doc, flags)] from the declared ``options``."""
    if isinstance(options, (str, bytes)) or not hasattr(options, "__iter__"):
        raise TypeError("model %r: options must be a list of (name, 'number' | 'text' | 'list'"
                        "[, doc[, forgets_fit]]) tuples" % model_name)
    out: List[OptionSpec] = []
    seen = set()
    for item in options:
        if isinstance(item, (str, bytes)) or not hasattr(item, "__len__") or \
                not 2 <= len(item) <= 4:
            raise TypeError("model %r: each option must be (name, type[, doc[, forgets_fit]]), "
                            "not %r" % (model_name, item))
        name, kind = item[0], item[1]
        doc = item[2] if len(item) > 2 else ""
        forgets = bool(item[3]) if len(item) > 3 else False
        if not isinstance(name, str) or not _OPTION_NAME.match(name):
            raise ValueError("model %r: option name %r must be 1 to 64 lower-case letters, digits "
                             "or '_'" % (model_name, name))
        if name in seen:
            raise ValueError("model %r: option %r is declared twice" % (model_name, name))
        seen.add(name)
        if kind not in _ffi.OPTION_TYPES:
            raise ValueError("model %r: option %r must be of type 'number', 'text' or 'list', "
                             "not %r" % (model_name, name, kind))
        if not isinstance(doc, str):
            raise TypeError("model %r: the doc of option %r must be str" % (model_name, name))
        out.append((name, _ffi.OPTION_TYPES[kind], doc,
                    _ffi.OPTION_FORGETS_FIT if forgets else 0))
    return out


def _option_value(kind: int, value: Any, what: str) -> Union[float, str, List[str]]:
    """`value` as the Python type of an option of `kind` (float, str or list of str)."""
    if kind == _ffi.OPTION_NUMBER:
        if isinstance(value, (str, bytes)) or isinstance(value, bool):
            raise TypeError("%s must be a number, not %r" % (what, value))
        return float(value)
    if kind == _ffi.OPTION_TEXT:
        if not isinstance(value, str):
            raise TypeError("%s must be str, not %s" % (what, type(value).__name__))
        return value
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError("%s must be a list of str, not %s" % (what, type(value).__name__))
    items = list(value)
    if not all(isinstance(x, str) for x in items):
        raise TypeError("%s must be a list of str" % what)
    return items


class _BookView(Book):
    """The book a callback is handed: the library's const book, readable only for the call."""

    def __init__(self, ptr: Any) -> None:  # noqa: D107 - never adopts: the library owns it
        self._ptr = ptr


def _read_only(name: str) -> Callable[..., Any]:
    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the book handed to a model callback is read-only (%s)" % name)
    refuse.__name__ = name
    return refuse


for _name in ("set_option", "add_txn", "add_txns", "add_customer", "add_dataframe", "set_number",
              "set_text", "read_csv", "read_csv_text"):
    setattr(_BookView, _name, _read_only(_name))


class _Binding:
    """What the C side's state pointer stands for: one Python model's link to its C model."""

    def __init__(self, model: "Model", name: str, outputs: List[Output],
                 options: List[OptionSpec]) -> None:
        self.key = next(_keys)
        self.model = weakref.ref(model)  # the model owns the C model, never the other way round
        self.name = name
        self.outputs = outputs
        self.index = {n: i for i, (n, _) in enumerate(outputs)}
        # Bytes the library borrows (output names) or copies (labels), alive with the binding.
        self.c_names = [ctypes.create_string_buffer(n.encode("utf-8")) for n, _ in outputs]
        self.c_labels: List[Any] = [None if labels is None else
                         (c_char_p * len(labels))(*[x.encode("utf-8") for x in labels])
                         for _, labels in outputs]
        self.err = ctypes.create_string_buffer(512)
        self.destroy_calls = 0
        cls = type(model)
        # Version 2: the outputs and options as tables the library borrows for the model's life.
        # The names are this binding's own buffers (written by address, so ctypes makes no
        # temporary copies the tables would point into).
        self.c_outputs = (_ffi.ModelOutput * max(len(outputs), 1))()
        for i, (_, labels) in enumerate(outputs):
            base = ctypes.addressof(self.c_outputs[i])
            c_void_p.from_address(base + _ffi.ModelOutput.name.offset).value = \
                ctypes.addressof(self.c_names[i])
            self.c_outputs[i].type = _ffi.VALUE_NUMBER if labels is None else _ffi.VALUE_LABEL
        self.options = options
        self.option_types = {n: k for n, k, _, _ in options}
        self.c_option_names = [ctypes.create_string_buffer(n.encode("utf-8"))
                               for n, _, _, _ in options]
        self.c_option_docs = [ctypes.create_string_buffer(d.encode("utf-8"))
                              for _, _, d, _ in options]
        self.c_options = (_ffi.ModelOption * max(len(options), 1))()
        for i, (_, kind, _, flags) in enumerate(options):
            opt = self.c_options[i]
            opt.type = kind
            opt.flags = flags
            base = ctypes.addressof(opt)
            c_void_p.from_address(base + _ffi.ModelOption.name.offset).value = \
                ctypes.addressof(self.c_option_names[i])
            c_void_p.from_address(base + _ffi.ModelOption.doc.offset).value = \
                ctypes.addressof(self.c_option_docs[i])
        saves = cls.save_state is not Model.save_state and cls.load_state is not Model.load_state
        saves = saves or cls.fit is Model.fit  # nothing fitted: the options are the state
        self.vtable = _ffi.ModelVtable(
            version=_ffi.MODEL_VTABLE_VERSION,
            kind=_ffi.encode(getattr(model, "kind", None) or "python", "kind"),
            # No fit/explain of its own: NULL, so the library treats the model as fitted from
            # the start and gives its standard "no explanation" text.
            fit=_fit_c if cls.fit is not Model.fit else _ffi.model_fit_cb(),
            score=_score_c,
            explain=_explain_c if cls.explain is not Model.explain else _ffi.model_explain_cb(),
            destroy=_destroy_c,
            last_error=_last_error_c,
            outputs=self.c_outputs,
            n_outputs=len(outputs),
            options=self.c_options if options else None,
            n_options=len(options),
            set_option=_set_option_c if options else _ffi.model_set_option_cb(),
            get_option=_get_option_c if options else _ffi.model_get_option_cb(),
            save=_save_c if saves else _ffi.model_save_cb(),
            load=_load_c if saves else _ffi.model_load_cb())
        self.thunks = (_fit_c, _score_c, _explain_c, _destroy_c, _last_error_c, _set_option_c,
                       _get_option_c, _save_c, _load_c)

    def set_error(self, text: str) -> None:
        """Keeps `text` as the model's last error (cut to the buffer)."""
        raw = text.encode("utf-8", "replace")[:len(self.err) - 1]
        self.err.value = raw

    def option_value(self, name: str, value: Any) -> Union[float, str, List[str]]:
        """`value` as the Python type of option `name` (TypeError when it cannot be)."""
        return _option_value(self.option_types[name], value,
                             "model %r option %r" % (self.name, name))

    # --- turning score()'s values into column contents ----------------------------------------

    def check_values(self, values: Any,
                     rows: int) -> List[Tuple[str, Optional[List[str]], Any]]:
        """{output: values} validated against the declaration: [(name, labels, data)]."""
        if not hasattr(values, "keys") or not hasattr(values, "__getitem__"):
            raise TypeError("model %r: score() must return a dict of output name -> values, "
                            "not %s" % (self.name, type(values).__name__))
        keys = list(values.keys())
        declared = [n for n, _ in self.outputs]
        extra = [k for k in keys if k not in self.index]
        missing = [n for n in declared if n not in keys]
        if extra:
            raise ValueError("model %r: score() returned %s, not declared in outputs (declared: %s)"
                             % (self.name, ", ".join(repr(k) for k in extra), ", ".join(declared)))
        if missing:
            raise ValueError("model %r: score() returned no values for declared output %s"
                             % (self.name, ", ".join(repr(k) for k in missing)))
        out = []
        for name, labels in self.outputs:
            what = "model %r output %r" % (self.name, name)
            if labels is None:
                data = _numbers(values[name], rows, what)
            else:
                data = _codes(values[name], labels, rows, what)
            out.append((name, labels, data))
        return out


def _column(values: Any, rows: int, what: str) -> Any:
    """`values` (one per customer) as a one-dimensional NumPy array when NumPy is there, else as
    a sequence; TypeError/ValueError unless it has `rows` values."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError("%s must be a sequence with one value per customer, not %s"
                        % (what, type(values).__name__))
    if not (hasattr(values, "__len__") and hasattr(values, "__getitem__")):
        values = list(values)
    if np is not None:
        values = np.asarray(values)
        if values.ndim != 1:
            raise ValueError("%s must be one-dimensional, not of shape %s"
                             % (what, values.shape))
    if len(values) != rows:
        raise ValueError("%s has %d values but the book has %d customers (one value per "
                         "customer, in book order)" % (what, len(values), rows))
    return values


def _number(v: Any, what: str) -> float:
    if v is None:
        return math.nan
    if isinstance(v, (str, bytes)):
        raise ValueError("%s must hold numbers (or None for missing), not text %r" % (what, v))
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ValueError("%s must hold numbers (or None for missing), not %r" % (what, v)) from None


def _numbers(values: Any, rows: int, what: str) -> Any:
    """A float64 array (NumPy) or array('d') of length `rows`."""
    values = _column(values, rows, what)
    if np is None:
        return array.array("d", [_number(v, what) for v in values])
    if values.dtype.kind in "biuf":
        return values.astype(np.float64, copy=False)
    if values.dtype.kind == "O":
        return np.fromiter((_number(v, what) for v in values), dtype=np.float64, count=rows)
    raise ValueError("%s must hold numbers (or None for missing), not %s values"
                     % (what, values.dtype))


def _code(v: Any, mapping: Dict[str, int], nlabels: int, what: str) -> int:
    if v is None:
        return -1
    if isinstance(v, str):
        try:
            return mapping[v]
        except KeyError:
            raise ValueError("%s: %r is not one of its labels (%s)"
                             % (what, v, ", ".join(mapping))) from None
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise ValueError("%s must hold label strings, integer codes or None, not %r" % (what, v))
    if isinstance(v, float) or not isinstance(v, numbers.Integral):
        f = float(v)
        if math.isnan(f):
            return -1
        if not f.is_integer():
            raise ValueError("%s: code %r is not an integer" % (what, v))
        v = int(f)
    code = int(v)
    if code < -1 or code >= nlabels:
        raise ValueError("%s: code %d is outside -1..%d" % (what, code, nlabels - 1))
    return code


def _codes(values: Any, labels: List[str], rows: int, what: str) -> Any:
    """An int32 array (NumPy) or array of length `rows`: label codes, -1 = missing."""
    mapping = {x: i for i, x in enumerate(labels)}
    values = _column(values, rows, what)
    if np is None:
        return array.array(INT32_TYPECODE,
                           [_code(v, mapping, len(labels), what) for v in values])
    if values.dtype.kind in "iu":
        bad = (values < -1) | (values >= len(labels))
        if bad.any():
            raise ValueError("%s: code %d is outside -1..%d"
                             % (what, values[bad][0], len(labels) - 1))
        return values.astype(np.int32)
    return np.fromiter((_code(v, mapping, len(labels), what) for v in values.tolist()),
                       dtype=np.int32, count=rows)


def _fill(ptr: Any, data: Any, rows: int, ctype: Any) -> None:
    """Copies `data` (NumPy array or array.array) into the column storage at `ptr`."""
    if rows == 0:
        return
    if np is not None and isinstance(data, np.ndarray):
        np.ctypeslib.as_array(ptr, shape=(rows,))[:] = data
    else:
        ctypes.memmove(ptr, data.buffer_info()[0], rows * ctypes.sizeof(ctype))


# --- the callbacks (one set for every Python model; `state` picks the model) ------------------

def _lookup(state: Any) -> Tuple[_Binding, "Model"]:
    binding = _registry.get(state)
    model = binding.model() if binding is not None else None
    if binding is None or model is None:
        raise RuntimeError("libtier called a Python model that no longer exists")
    return binding, model


def _failed(binding: Optional[_Binding], exc: BaseException, frame_ptr: Any = None) -> int:
    """Keeps `exc` for re-raising after the C call and picks the status C sees. A failed score
    puts its text on the frame (score must not change the model's state), others on the model."""
    text = "%s: %s" % (type(exc).__name__, exc)
    if frame_ptr is not None:
        try:  # before parking: a checked call would take the parked exception
            F.tier_frame_set_error(frame_ptr, text.encode("utf-8", "replace"))
        except _ffi.TierError:
            pass
    elif binding is not None:
        binding.set_error(text)
    _ffi.park_exception(exc)
    code = getattr(exc, "code", None)
    if isinstance(exc, _ffi.TierError) and isinstance(code, int) and code < 0:
        return code  # a nested libtier call failed: C sees its status
    return _ffi.EUSER


def _model_callback(cb_type: Any,
                    error_on_frame: bool = False) -> Callable[[Callable[..., int]], Any]:
    """Makes ``fn(binding, model, *args)`` the C callback ``cb_type(state, *args)``: `state`
    picks the model, and an exception becomes the status C sees (see _failed); with
    `error_on_frame` its text goes on the frame of argument 2 (score's)."""

    def wrap(fn: Callable[..., int]) -> Any:
        def trampoline(state: Any, *args: Any) -> int:
            binding: Optional[_Binding] = None
            try:
                binding, model = _lookup(state)
                return fn(binding, model, *args)
            except BaseException as exc:  # re-raised after the C call returns
                return _failed(binding, exc, args[1] if error_on_frame else None)

        return cb_type(trampoline)

    return wrap


@contextlib.contextmanager
def _views(book_ptr: Any, frame_ptr: Any) -> Iterator[Tuple[Book, Frame]]:
    """The read-only book and frame a callback hands to the model, closed when it returns."""
    book, frame = _BookView(book_ptr), Frame(_borrowed=frame_ptr)
    try:
        yield book, frame
    finally:
        book.close()
        frame.close()


@_model_callback(_ffi.model_fit_cb)
def _fit_c(binding: _Binding, model: "Model", book_ptr: Any, inputs_ptr: Any) -> int:
    with _views(book_ptr, inputs_ptr) as (book, inputs):
        model.fit(book, inputs)
    binding.set_error("")
    return _ffi.OK


@_model_callback(_ffi.model_score_cb, error_on_frame=True)
def _score_c(binding: _Binding, model: "Model", book_ptr: Any, frame_ptr: Any) -> int:
    rows = F.tier_frame_rows(frame_ptr)
    with _views(book_ptr, frame_ptr) as (book, frame):
        values = model.score(book, frame)
    columns = binding.check_values(values, rows)  # all checks before the first column
    for k, (_, labels, data) in enumerate(columns):  # on failure C drops the columns added
        cname = binding.c_names[k]
        if labels is None:
            out = _ffi.double_p()
            F.tier_frame_add_numbers(frame_ptr, cname, byref(out))
            _fill(out, data, rows, ctypes.c_double)
        else:
            codes = _ffi.int32_p()
            F.tier_frame_add_labels(frame_ptr, cname, binding.c_labels[k], len(labels),
                                    byref(codes))
            _fill(codes, data, rows, ctypes.c_int32)
    return _ffi.OK


@_model_callback(_ffi.model_explain_cb)
def _explain_c(binding: _Binding, model: "Model", book_ptr: Any, frame_ptr: Any,
               customer: int, text_ptr: Any) -> int:
    with _views(book_ptr, frame_ptr) as (book, frame):
        text = model.explain(book, frame, customer)
    if not isinstance(text, str):
        raise TypeError("model %r: explain() must return str, not %s"
                        % (binding.name, type(text).__name__))
    raw = text.encode("utf-8")
    F.tier_text_append(text_ptr, raw, len(raw))
    return _ffi.OK


def _destroy(state: Any) -> None:
    binding = _registry.pop(state, None)
    if binding is not None:
        binding.destroy_calls += 1


def _last_error(state: Any) -> Optional[int]:
    binding = _registry.get(state)
    return ctypes.addressof(binding.err) if binding is not None else None


_destroy_c = _ffi.model_destroy_cb(_destroy)
_last_error_c = _ffi.model_last_error_cb(_last_error)


# --- version 2: options and saved state ---------------------------------------------------

def _store(ptr: Any, kind: int, value: Any) -> int:
    """Stores a Python option value into a tier_value; the status."""
    if kind == _ffi.OPTION_NUMBER:
        return int(F.tier_value_set_number(ptr, float(value)))
    if kind == _ffi.OPTION_TEXT:
        return int(F.tier_value_set_text(ptr, value.encode("utf-8")))
    items = [x.encode("utf-8") for x in value]
    return int(F.tier_value_set_list(ptr, (c_char_p * max(len(items), 1))(*items), len(items)))


@_model_callback(_ffi.model_set_option_cb)
def _set_option_c(binding: _Binding, model: "Model", name: bytes, value_ptr: Any) -> int:
    key = name.decode("utf-8")
    value = model.check_option(key, value_of(value_ptr, binding.option_types[key]))
    setattr(model, key, binding.option_value(key, value))
    binding.set_error("")
    return _ffi.OK


@_model_callback(_ffi.model_get_option_cb)
def _get_option_c(binding: _Binding, model: "Model", name: bytes, out_ptr: Any) -> int:
    key = name.decode("utf-8")
    return _store(out_ptr, binding.option_types[key],
                  binding.option_value(key, getattr(model, key)))


def _write(writer: Any, key: Any, values: Iterable[Any], what: str) -> int:
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError("%s: record key %r must be a letter then up to 63 letters, digits, '_', "
                         "'.' or '-'" % (what, key))
    rc: int = F.tier_state_write_key(writer, key.encode("utf-8"))
    for v in values:
        if rc:
            break
        if isinstance(v, str):
            rc = F.tier_state_write_text(writer, v.encode("utf-8"))
        elif isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError("%s: record %r holds %r, not a number or str" % (what, key, v))
        else:
            rc = F.tier_state_write_number(writer, float(v))
    return rc


@_model_callback(_ffi.model_save_cb)
def _save_c(binding: _Binding, model: "Model", writer: Any) -> int:
    what = "model %r" % binding.name
    for name, kind, _, _ in binding.options:
        value = binding.option_value(name, getattr(model, name))
        values: List[Any] = [value]
        if isinstance(value, list):
            values = list(value)
        rc = _write(writer, name, values, what)
        if rc:
            return rc
    for record in model.save_state() or ():
        try:
            key, values = record
        except (TypeError, ValueError):
            raise TypeError("%s: save_state() must return (key, values) pairs, not %r"
                            % (what, record)) from None
        if key in binding.option_types:
            raise ValueError("%s: save_state() record %r is an option's name" % (what, key))
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = [values]
        rc = _write(writer, key, list(values), what)
        if rc:
            return rc
    return _ffi.OK


def _read_values(reader: Any) -> List[Union[float, str]]:
    """The values of the record the reader is on: floats and str."""
    values: List[Union[float, str]] = []
    for i in range(F.tier_state_read_count(reader)):
        if F.tier_state_read_type(reader, i) == _ffi.OPTION_NUMBER:
            num = ctypes.c_double()
            F.tier_state_read_number(reader, i, byref(num))
            values.append(num.value)
        else:
            text = c_char_p()
            F.tier_state_read_text(reader, i, byref(text))
            values.append((text.value or b"").decode("utf-8"))
    return values


def _option_record_error(kind: int, values: List[Union[float, str]]) -> Optional[str]:
    """What is wrong with the values of a saved option of type `kind`, or None."""
    if kind == _ffi.OPTION_NUMBER and (len(values) != 1 or isinstance(values[0], str)):
        return "needs one number"
    if kind == _ffi.OPTION_TEXT and (len(values) != 1 or not isinstance(values[0], str)):
        return "needs one quoted text"
    if kind == _ffi.OPTION_LIST and not all(isinstance(v, str) for v in values):
        return "needs quoted texts"
    return None


@_model_callback(_ffi.model_load_cb)
def _load_c(binding: _Binding, model: "Model", reader: Any) -> int:
    options: Dict[str, Any] = {}
    records: List[Record] = []
    key = c_char_p()
    while True:
        rc: int = F.tier_state_read_next(reader, byref(key))
        if rc <= 0:
            break
        name = (key.value or b"").decode("utf-8")
        values = _read_values(reader)
        kind = binding.option_types.get(name)
        if kind is None:
            records.append((name, values))
            continue
        problem = "given twice" if name in options else _option_record_error(kind, values)
        if problem:
            return int(F.tier_state_read_fail(reader,
                                              ("option %r %s" % (name, problem)).encode()))
        options[name] = values if kind == _ffi.OPTION_LIST else values[0]
    if rc < 0:
        return rc
    # All or nothing: check every option, then hand the rest over; undo on failure.
    kept = {name: getattr(model, name) for name in options}
    checked = {name: binding.option_value(name, model.check_option(name, v))
               for name, v in options.items()}
    try:
        for name, value in checked.items():
            setattr(model, name, value)
        model.load_state(records)
    except BaseException:
        for name, value in kept.items():
            setattr(model, name, value)
        raise
    binding.set_error("")
    return _ffi.OK


def _free(ptr: Any, binding: _Binding) -> None:
    # `binding` rides along so that everything the C model points into lives until it is gone.
    F.tier_model_free(ptr)


class Model(ModelCalls, Described):
    """Base class of models written in Python.

    Class attributes (or instance attributes set before first use):

    ``outputs``
        ``[(name, "number"), (name, [label, ...]), ...]`` in the order the columns are added;
        a label output declares all its labels.
    ``name``
        the model's name, the prefix of its columns ("<name>.<output>"): letters, digits and
        '_'; default: the class name in lower case. ``Model(name=...)`` sets it per instance.
    ``kind``
        the kind reported by tier_model_kind() (default "python").

    Methods to write:

    ``fit(self, book, inputs)``
        optional; `inputs` is a :class:`Frame` of the columns of the models run before this one.
        A model without fit() counts as fitted from the start.
    ``score(self, book, frame)``
        required; returns ``{output name: values}`` with one value per customer in book order:
        numbers (None or NaN = missing) for number outputs, label strings or integer codes
        (None or -1 = missing) for label outputs; lists, tuples, NumPy arrays or pandas Series.
        `frame` holds the columns scored so far. Must not change what score() reads (one
        fitted model may score several frames).
    ``explain(self, book, frame, customer)``
        optional; returns the explanation text of customer index `customer`.

    The `book` and frames handed to these methods are read-only views valid during the call.
    The C model is made on first use (``libtier.run`` or the calls below) and freed by
    ``close()``, ``with`` or garbage collection; a Result keeps the models it ran with alive.

    Calls through the library, the same as a built-in model's (libtier.models.ModelCalls):
    ``run_fit``, ``run_score`` and ``run_explain`` (a built-in's fit, score and explain),
    ``set_option`` (which calls back check_option(); an option declared forgets_fit unfits the
    model when its value changes), ``get_option``, ``option_text``, ``save``, ``load`` and
    ``fitted``.
    """

    outputs: Any = ()
    options: Any = ()
    name: Optional[str] = None
    kind: Optional[str] = None

    def __init__(self, name: Optional[str] = None) -> None:
        if name is not None:
            self.name = name

    @staticmethod
    def new(kind: str, name: Optional[str] = None, **options: Any) -> models.Model:
        """A built-in model made by kind name ("rfm", "pareto", "scorecard", "clv", "needs",
        "lifecycle") with `options` set by name: libtier.models.Model.new, reachable here since
        libtier.Model is this class."""
        return models.Model.new(kind, name, **options)

    # --- what subclasses write ---------------------------------------------------------------

    def fit(self, book: Book, inputs: Frame) -> None:
        """Learns from the book and earlier models' columns (optional)."""

    def score(self, book: Book, frame: Frame) -> Any:
        """Returns {output name: one value per customer}."""
        raise NotImplementedError("%s must define score(book, frame)" % type(self).__name__)

    def explain(self, book: Book, frame: Frame, customer: int) -> str:
        """Returns the explanation of one customer's outputs as text (optional)."""
        raise NotImplementedError

    def check_option(self, name: str, value: Any) -> Any:
        """Checks a new value of option `name` (float, str or list of str) and returns the value
        to keep; raise (ValueError, ...) to refuse it. The default keeps it as is."""
        return value

    def save_state(self) -> Iterable[Tuple[str, Any]]:
        """What fit() learnt, as [(key, value or [values]), ...] of numbers and str (keys: a
        letter, then letters, digits, '_', '.', '-'). Needed, with load_state(), to save a model
        that has fit()."""
        return []

    def load_state(self, records: List[Record]) -> None:
        """Restores what save_state() returned, given as [(key, [values])]; must change nothing
        when it raises. The default accepts no record."""
        if records:
            raise ValueError("unexpected record %r" % (records[0][0],))

    # --- the C side --------------------------------------------------------------------------

    @property
    def model_name(self) -> str:
        """The name in use (the prefix of the model's columns)."""
        binding: Optional[_Binding] = self.__dict__.get("_tier_binding")
        if binding is not None:
            return binding.name
        return self.name if self.name is not None else _default_name(type(self))

    def column(self, output: str) -> str:
        """The full column name of one of this model's outputs: "<name>.<output>"."""
        return "%s.%s" % (self.model_name, output)

    def _tier_open(self) -> None:
        name = self.model_name
        if not isinstance(name, str) or not _MODEL_NAME.match(name):
            raise ValueError("model name %r must be 1 to 64 letters, digits or '_'" % (name,))
        outputs = _normalize_outputs(name, self.outputs)
        options = _normalize_options(name, self.options)
        for opt, kind, _, _ in options:
            _option_value(kind, getattr(self, opt, None),
                          "model %r option %r (its default)" % (name, opt))
        binding = _Binding(self, name, outputs, options)
        ptr = _ffi.model_p()
        _registry[binding.key] = binding
        try:
            # On failure the library has already called destroy (removing the entry).
            F.tier_model_new(byref(ptr), byref(binding.vtable), c_void_p(binding.key),
                             name.encode("utf-8"), None)
        finally:
            if not ptr:
                _registry.pop(binding.key, None)
        self.__dict__["_tier_ptr"] = ptr
        self.__dict__["_tier_binding"] = binding
        self.__dict__["_tier_finalizer"] = weakref.finalize(self, _free, ptr, binding)

    @property
    def _p(self) -> Any:
        """The C model (made on first use); ValueError once closed."""
        d = self.__dict__
        if d.get("_tier_closed"):
            raise ValueError("%s is closed" % type(self).__name__)
        if d.get("_tier_ptr") is None:
            self._tier_open()
        return d["_tier_ptr"]

    @property
    def closed(self) -> bool:
        """Whether close() has freed the model."""
        return bool(self.__dict__.get("_tier_closed"))

    def close(self) -> None:
        """Frees the C model now (its destroy callback runs once); safe to call twice."""
        fin = self.__dict__.get("_tier_finalizer")
        if fin is not None:
            fin()
        self.__dict__["_tier_ptr"] = None
        self.__dict__["_tier_closed"] = True

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    run_fit = ModelCalls._run_fit
    run_score = ModelCalls._run_score
    run_explain = ModelCalls._run_explain

    def _describe(self) -> List[Tuple[str, Any]]:
        state = "open" if self.__dict__.get("_tier_ptr") is not None else "not yet made"
        facts: List[Tuple[str, Any]] = [("name", self.model_name),
                                        ("kind", self.kind or "python"), ("state", state)]
        try:
            facts.append(("outputs", [n for n, _ in _normalize_outputs(self.model_name,
                                                                       self.outputs)]))
        except (TypeError, ValueError) as exc:
            facts.append(("outputs", "invalid: %s" % exc))
        return facts

    def __repr__(self) -> str:
        state = "closed" if self.closed else (
            "open" if self.__dict__.get("_tier_ptr") is not None else "not yet made")
        return "<%s %r (Python model, %s)>" % (type(self).__name__, self.model_name, state)
