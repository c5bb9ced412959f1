# SPDX-License-Identifier: MIT
"""The one module that talks to ctypes.

It finds and loads libtier, checks its major version, declares every public function once (argument
types, result type and an error check that raises :class:`TierError`) and holds the ctypes
structures and callback types of the public headers. Everything else in the package goes through
the names defined here.
"""

import ctypes
import ctypes.util
import importlib
import os
import threading
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional,
                    Union, overload)
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_char_p, c_double, c_int, c_int32,
                    c_int64, c_size_t, c_uint, c_uint32, c_uint64, c_void_p)

__all__ = ["Error", "Status", "TierError", "lib", "version", "version_number"]

#: The library major version this binding is written for (the SONAME, libtier.so.0).
ABI_MAJOR = 0

# Status codes of common.h (values are ABI).
OK, ERROR, ENOMEM, EINVAL, ERANGE, ENOTFOUND, EVERSION = 0, -1, -2, -3, -4, -5, -6
EUSER, EPARSE, EIO, ECORRUPT, ECONVERGE, ESTATE = -7, -8, -9, -10, -11, -12

_STATUS_NAMES = {
    OK: "TIER_OK", ERROR: "TIER_ERROR", ENOMEM: "TIER_ENOMEM", EINVAL: "TIER_EINVAL",
    ERANGE: "TIER_ERANGE", ENOTFOUND: "TIER_ENOTFOUND", EVERSION: "TIER_EVERSION",
    EUSER: "TIER_EUSER", EPARSE: "TIER_EPARSE", EIO: "TIER_EIO", ECORRUPT: "TIER_ECORRUPT",
    ECONVERGE: "TIER_ECONVERGE", ESTATE: "TIER_ESTATE",
}

# Constants of the headers that the package needs (values are ABI).
DATE_ISO, DATE_YYYYMMDD, DATE_AUTO = 0, 1, 2
DAY_MIN, DAY_MAX = -25567, 2932896

BOOK_OPT_KEEP_TRANSACTIONS = 1
BOOK_OPT_IGNORE_FROM_DAY = 2
BOOK_LIMIT_ID_LENGTH = 100
BOOK_LIMIT_CUSTOMERS = 101
BOOK_LIMIT_ROWS_PER_CALL = 102
BOOK_LIMIT_ATTRIBUTES = 103
BOOK_LIMIT_TEXT_LENGTH = 104

# tier_ids_layout of book.h (tier_book_add_txns_ids)
IDS_INT64, IDS_UINT64, IDS_FIXED, IDS_UTF32, IDS_NUL_SEPARATED = 1, 2, 3, 4, 5

BOOK_STATS = {
    "first_purchase": 1, "last_purchase": 2, "purchase_days": 3, "purchases": 4, "refunds": 5,
    "net_amount": 6, "net_margin": 7, "ignored_rows": 8,
}

CSV_WHITESPACE = -1
CSV_ID, CSV_DATE, CSV_AMOUNT, CSV_MARGIN = 1, 2, 3, 4
CSV_LIMIT_FIELDS, CSV_LIMIT_FIELD_LENGTH, CSV_LIMIT_ROWS = 1, 2, 3

VALUE_NUMBER, VALUE_LABEL = 1, 2

MODEL_VTABLE_VERSION = 2

# model.h: option types and flags
OPTION_NUMBER, OPTION_TEXT, OPTION_LIST = 1, 2, 3
OPTION_TYPES = {"number": OPTION_NUMBER, "text": OPTION_TEXT, "list": OPTION_LIST}
OPTION_FORGETS_FIT = 1

SEGMAP_RF10, SEGMAP_RFM8 = 1, 2

RFM_R, RFM_F, RFM_M = 0, 1, 2

OPS = {"<": 1, "<=": 2, "==": 3, "!=": 4, ">=": 5, ">": 6}

ATTR_NUMBER, ATTR_TEXT = 1, 2  # tier_attr_type of book.h (tier_book_attribute_name())

# scorecard.h
SCORECARD_NORMS = {"percentile": 1, "minmax": 2, "bands": 3, "boolean": 4}
SCORECARD_DIRECTIONS = {"higher": 1, "lower": 2}
SCORECARD_MISSING = {"reweight": 1, "impute": 2, "zero": 3}
SCORECARD_GROUPS = {"explicit": 1, "potential": 2, "growth": 3}

# needs.h
NEEDS_MAX_SEGMENTS, NEEDS_MAX_FEATURES, NEEDS_MAX_NAME = 256, 1024, 256
NEEDS_STATS = {
    "k": 1, "iterations": 2, "converged": 3, "inertia": 4, "silhouette": 5, "fitted": 6,
    "excluded": 7, "used_features": 8,
}

# clv.h
CLV_MAX_PARAMS = 4
CLV_PURCHASE_MODELS = {"bgnbd": 1, "pnbd": 2}
CLV_PARAM_NAMES = {1: ("r", "alpha", "a", "b"), 2: ("r", "alpha", "s", "beta")}
CLV_SPEND_PARAM_NAMES = ("p", "q", "gamma")
CLV_PURCHASE, CLV_SPEND = 1, 2
CLV_SUBMODELS = {"purchase": CLV_PURCHASE, "spend": CLV_SPEND}
CLV_STATS = {
    "log_likelihood": 1, "iterations": 2, "converged": 3, "customers": 4,
    "excluded_zero_spend": 5, "gradient": 6, "evaluations": 7, "distinct_rows": 8,
    "no_purchase": 9, "calibration_end": 10,
}

CLV_HOLDOUT_STATS = ("customers", "actual", "predicted", "mae", "span", "calibration_end")

# lifecycle.h
LIFECYCLE_STAGES = ("new", "growing", "mature", "declining", "dormant", "churned")
LIFECYCLE_ONBOARDING = ("handover", "internal_rollout", "stable_use", "none")

# pipeline.h
PIPELINE_STAGE_READ, PIPELINE_STAGE_ACCOUNTS, PIPELINE_STAGE_MODELS, PIPELINE_STAGE_WRITE = (
    1, 2, 3, 4)
EXECUTOR_VERSION = 2
PIPELINE_ROLE_ID, PIPELINE_ROLE_DATE, PIPELINE_ROLE_AMOUNT, PIPELINE_ROLE_ACCOUNT_ID = 1, 2, 3, 4
PIPELINE_COMMAND_HELP, PIPELINE_COMMAND_QUIET = 1, 2

OUTPUT_CSV, OUTPUT_JSON = 1, 2
OUTPUT_FORMATS = {"csv": OUTPUT_CSV, "json": OUTPUT_JSON}

# policy.h / result.h (0.3.0)
ENTITLEMENT_NUMBER, ENTITLEMENT_TEXT, ENTITLEMENT_BOOL = 1, 2, 3
ENTITLEMENT_TYPES = {"number": ENTITLEMENT_NUMBER, "text": ENTITLEMENT_TEXT,
                     "bool": ENTITLEMENT_BOOL}
LINT_ERROR, LINT_WARNING = 1, 2
EXPLAIN_TEXT, EXPLAIN_JSON = 1, 2
EXPLAIN_FORMATS = {"text": EXPLAIN_TEXT, "json": EXPLAIN_JSON}


class Status(int):
    """A libtier status code (an int, negative on failure) that knows its stable name:
    ``Status(-8).name == "TIER_EPARSE"``."""

    name: str

    def __new__(cls, code: int, name: str) -> "Status":
        self = super().__new__(cls, code)
        self.name = name
        return self

    def __repr__(self) -> str:
        return "%s(%d)" % (self.name, int(self))

    __str__ = __repr__


class Error(Exception):
    """The base of every error the library reports: ``status`` is the :class:`Status` (the
    negative code, an int, with its name ``status.name``, e.g. "TIER_EPARSE") and ``message``
    the C library's detail text (what tier_*_last_error() said, or the status text)."""

    status: Status
    message: str

    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(code, name, message)
        self.status = Status(code, name)
        self.message = message

    @property
    def code(self) -> int:
        """The status code as a plain int (``int(self.status)``)."""
        return int(self.status)

    @property
    def name(self) -> str:
        """The status's stable name ("TIER_EPARSE")."""
        return self.status.name

    def __str__(self) -> str:
        return "%s: %s" % (self.status.name, self.message)


class TierError(Error):
    """A libtier call failed (the class every failure of a C call raises; a subclass of
    :class:`Error`, kept under its 0.1 name).

    ``code`` is the negative status, ``name`` its stable identifier ("TIER_EPARSE") and
    ``message`` the detail text the library kept on the handle (or the status text when the
    handle had none).
    """


# --- opaque handle types: one pointer type per object so ctypes rejects a wrong handle --------

class _Opaque(Structure):
    _fields_: "list[tuple[str, Any]]" = []


def _opaque(name: str) -> Any:
    return POINTER(type(name, (_Opaque,), {"_fields_": []}))


book_p = _opaque("tier_book")
record_p = _opaque("tier_record")
csv_p = _opaque("tier_csv")
text_p = _opaque("tier_text")
frame_p = _opaque("tier_frame")
model_p = _opaque("tier_model")
segmap_p = _opaque("tier_segmap")
value_p = _opaque("tier_value")
writer_p = _opaque("tier_state_writer")
reader_p = _opaque("tier_state_reader")
registry_p = _opaque("tier_registry")
policy_p = _opaque("tier_policy")
result_p = _opaque("tier_result")
pipeline_p = _opaque("tier_pipeline")
history_p = _opaque("tier_history")
retier_p = _opaque("tier_retier")


# --- public structures, members in header order -----------------------------------------------

class Allocator(Structure):
    """struct tier_allocator (common.h)."""
    _fields_ = [
        ("alloc", CFUNCTYPE(c_void_p, c_void_p, c_size_t)),
        ("realloc", CFUNCTYPE(c_void_p, c_void_p, c_void_p, c_size_t)),
        ("free", CFUNCTYPE(None, c_void_p, c_void_p)),
        ("ud", c_void_p),
    ]


class Io(Structure):
    """struct tier_io (io.h)."""
    _fields_ = [
        ("version", c_uint),
        ("open", CFUNCTYPE(c_int, c_void_p, c_char_p, c_int, POINTER(c_void_p))),
        ("read", CFUNCTYPE(c_int64, c_void_p, c_void_p, c_void_p, c_size_t)),
        ("write", CFUNCTYPE(c_int64, c_void_p, c_void_p, c_void_p, c_size_t)),
        ("sync", CFUNCTYPE(c_int, c_void_p, c_void_p)),
        ("close", CFUNCTYPE(c_int, c_void_p, c_void_p)),
        ("rename", CFUNCTYPE(c_int, c_void_p, c_char_p, c_char_p)),
        ("remove", CFUNCTYPE(c_int, c_void_p, c_char_p)),
        ("size", CFUNCTYPE(c_int64, c_void_p, c_void_p)),
        ("ud", c_void_p),
        ("seek", CFUNCTYPE(c_int, c_void_p, c_void_p, c_uint64)),  # version 2
    ]


# Callback types of model.h. Strings handed back to C are returned as c_void_p so that Python
# keeps ownership of the bytes (a c_char_p result would point into a temporary).
model_output_count_cb: Any = CFUNCTYPE(c_size_t, c_void_p)
model_output_info_cb: Any = CFUNCTYPE(c_int, c_void_p, c_size_t, POINTER(c_void_p), POINTER(c_int))
model_fit_cb: Any = CFUNCTYPE(c_int, c_void_p, book_p, frame_p)
model_score_cb: Any = CFUNCTYPE(c_int, c_void_p, book_p, frame_p)
model_explain_cb: Any = CFUNCTYPE(c_int, c_void_p, book_p, frame_p, c_size_t, text_p)
model_destroy_cb: Any = CFUNCTYPE(None, c_void_p)
model_last_error_cb: Any = CFUNCTYPE(c_void_p, c_void_p)
# Version 2: options, saved state.
model_set_option_cb: Any = CFUNCTYPE(c_int, c_void_p, c_char_p, value_p)
model_get_option_cb: Any = CFUNCTYPE(c_int, c_void_p, c_char_p, value_p)
model_save_cb: Any = CFUNCTYPE(c_int, c_void_p, writer_p)
model_load_cb: Any = CFUNCTYPE(c_int, c_void_p, reader_p)
model_is_fitted_cb: Any = CFUNCTYPE(c_int, c_void_p)
model_factory_cb: Any = CFUNCTYPE(c_int, POINTER(model_p), c_char_p, c_void_p, c_void_p)


class ModelOutput(Structure):
    """struct tier_model_output (model.h)."""
    _fields_ = [("name", c_char_p), ("type", c_int32)]


class ModelOption(Structure):
    """struct tier_model_option (model.h)."""
    _fields_ = [("name", c_char_p), ("type", c_int32), ("doc", c_char_p), ("flags", c_int32)]


class ModelVtable(Structure):
    """struct tier_model_vtable (model.h), version 2, members in the header's order.

    Declared for Python-implemented models; ``output_info`` writes a ``const char *`` through
    its third argument, which is declared ``POINTER(c_void_p)`` (same size and meaning).
    """
    _fields_ = [
        ("version", c_uint),
        ("kind", c_char_p),
        ("output_count", model_output_count_cb),
        ("output_info", model_output_info_cb),
        ("fit", model_fit_cb),
        ("score", model_score_cb),
        ("explain", model_explain_cb),
        ("destroy", model_destroy_cb),
        ("last_error", model_last_error_cb),
        # version 2
        ("outputs", POINTER(ModelOutput)),
        ("n_outputs", c_size_t),
        ("options", POINTER(ModelOption)),
        ("n_options", c_size_t),
        ("set_option", model_set_option_cb),
        ("get_option", model_get_option_cb),
        ("save", model_save_cb),
        ("load", model_load_cb),
        ("is_fitted", model_is_fitted_cb),
    ]


progress_cb: Any = CFUNCTYPE(c_int, c_void_p, c_uint64, c_uint64)
write_cb: Any = CFUNCTYPE(c_int, c_void_p, POINTER(ctypes.c_char), c_size_t)

# history.h
class HistoryEntry(Structure):
    """struct tier_history_entry (history.h)."""
    _fields_ = [("id", c_char_p), ("tier", c_char_p), ("since", c_double), ("runs", c_uint32),
                ("failing", c_uint32), ("reason", c_char_p), ("moved", c_double),
                ("previous", c_char_p)]


class OverrideEntry(Structure):
    """struct tier_override_entry (history.h)."""
    _fields_ = [("id", c_char_p), ("tier", c_char_p), ("reason", c_char_p), ("author", c_char_p),
                ("expires", c_double), ("created", c_double)]


LEDGER_CSV, LEDGER_JSON = 1, 2
LEDGER_FORMATS = {"csv": LEDGER_CSV, "json": LEDGER_JSON}

# pipeline.h
pipeline_progress_cb: Any = CFUNCTYPE(c_int, c_void_p, c_int, c_uint64, c_uint64)
task_cb: Any = CFUNCTYPE(None, c_void_p)
executor_start_cb: Any = CFUNCTYPE(c_int, c_void_p, task_cb, c_void_p, POINTER(c_void_p))
executor_wait_cb: Any = CFUNCTYPE(None, c_void_p, c_void_p)


class Executor(Structure):
    """struct tier_executor (executor.h); `threads` since version 2."""
    _fields_ = [
        ("version", c_uint),
        ("start", executor_start_cb),
        ("wait", executor_wait_cb),
        ("ud", c_void_p),
        ("threads", c_uint),
    ]


# --- finding and loading the library ---------------------------------------------------------

def _configured() -> Optional[str]:
    """The library path `cmake --install` wrote into libtier/_config.py (None without one)."""
    try:
        _config = importlib.import_module(__name__.rsplit(".", 1)[0] + "._config")
    except ImportError:
        return None
    path = getattr(_config, "LIBRARY", None)
    return path if isinstance(path, str) and path else None


def _candidates() -> Iterator[str]:
    """Where the library is looked for when LIBTIER_PATH is not set, in order: the installed
    path of _config.py, the system loader (libtier.so.MAJOR, then ctypes.util.find_library),
    then LIBTIER_BUILD_DIR/libtier.so.MAJOR."""
    configured = _configured()
    if configured:
        yield configured
    yield "libtier.so.%d" % ABI_MAJOR
    found = ctypes.util.find_library("tier")
    if found:
        yield found
    build = os.environ.get("LIBTIER_BUILD_DIR")
    if build:
        yield os.path.join(build, "libtier.so.%d" % ABI_MAJOR)


def _load() -> ctypes.CDLL:
    path = os.environ.get("LIBTIER_PATH")
    if path:  # it wins: a wrong one is an error, never a silent fall back to another library
        try:
            return ctypes.CDLL(path)
        except OSError as exc:
            raise ImportError("libtier: cannot load LIBTIER_PATH=%s (%s)" % (path, exc)) from None
    tried: List[str] = []
    for cand in _candidates():
        try:
            return ctypes.CDLL(cand)
        except OSError as exc:
            tried.append("%s (%s)" % (cand, exc))
    raise ImportError(
        "libtier: cannot load the shared library; set LIBTIER_PATH to libtier.so.%d, install "
        "it where the loader finds it, or set LIBTIER_BUILD_DIR to a build directory%s"
        % (ABI_MAJOR, ("; tried: " + "; ".join(tried)) if tried else ""))


lib = _load()

lib.tier_version_number.restype = c_uint
lib.tier_version_number.argtypes = []
version_number = lib.tier_version_number()
if version_number // 10000 != ABI_MAJOR:
    raise ImportError("libtier: the loaded library is version %d.%d.%d, this binding needs major %d"
                      % (version_number // 10000, version_number // 100 % 100,
                         version_number % 100, ABI_MAJOR))


# --- errors and callbacks ------------------------------------------------------------------

_tls = threading.local()


def park_exception(exc: BaseException) -> None:
    """Keeps an exception raised inside a callback until the C call returns (see _make_check)."""
    _tls.pending = exc


def take_exception() -> Optional[BaseException]:
    """The exception a callback kept (park_exception), cleared; None when there is none."""
    exc: Optional[BaseException] = getattr(_tls, "pending", None)
    _tls.pending = None
    return exc


def status_name(code: int) -> str:
    """The stable name of a status code ("TIER_EPARSE")."""
    fn = getattr(F, "tier_status_name", None)
    if fn is not None and not isinstance(fn, _Missing):
        return str(fn(code).decode("utf-8", "replace"))
    return _STATUS_NAMES.get(code, "TIER_%d" % code)


def strerror(code: int) -> str:
    """The library's text for a status code."""
    fn = getattr(F, "tier_strerror", None)
    if fn is not None and not isinstance(fn, _Missing):
        return str(fn(code).decode("utf-8", "replace"))
    return "status %d" % code


def error(code: int, message: Optional[str] = None) -> "TierError":
    """A TierError for `code` with `message`, or the status text when there is none."""
    if not message:
        message = strerror(code)
    return TierError(code, status_name(code), message)


def _make_check(handle: Any, last_error: Any) -> Callable[[int, Any, Any], int]:
    """The errcheck for a status-returning function; `handle` is the argument index whose
    last error explains a failure, or a callable (args -> message), or None."""

    def check(result: int, func: Any, args: Any) -> int:
        pending = take_exception()
        if pending is not None:
            # A callback raised: C saw TIER_EUSER; the original exception is the real story.
            raise pending
        if result >= 0:
            return result
        message: Optional[str] = ""
        if callable(handle):
            message = handle(args)
        elif handle is not None and last_error is not None:
            message = decode(last_error(args[handle]))
        raise error(result, message)

    return check


class _Missing:
    """Stands for a function the loaded library does not export (an older minor version)."""

    def __init__(self, name: str) -> None:
        self.__name__ = name

    def __call__(self, *args: Any) -> Any:
        raise NotImplementedError("%s is not exported by the loaded libtier %s"
                                  % (self.__name__, version()))


# The `handle` of a read-only lookup (an index or a name on a book, record, frame or policy): its
# status says all there is, and the C side leaves the handle's last error alone so that threads
# may share the handle; its message is then the status text, never an earlier call's message.
LOOKUP = None

# handle pointer type -> its *_last_error function name
_LAST_ERROR = {
    book_p: "tier_book_last_error",
    record_p: "tier_record_last_error",
    csv_p: "tier_csv_last_error",
    frame_p: "tier_frame_last_error",
    model_p: "tier_model_last_error",
    policy_p: "tier_policy_last_error",
    result_p: "tier_result_last_error",
    registry_p: "tier_registry_last_error",
    pipeline_p: "tier_pipeline_last_error",
    history_p: "tier_history_last_error",
    retier_p: "tier_retier_last_error",
}


class _Functions:
    """Namespace of declared functions: ``F.tier_book_new(...)``."""

    if TYPE_CHECKING:  # every declared C function, as far as a type checker knows
        def __getattr__(self, name: str) -> Any: ...


F = _Functions()


def declare(name: str, restype: Any, argtypes: List[Any], handle: Any = None,
            check: bool = True) -> None:
    """Declares one C function on `F`.

    `check` True means the function returns 0 or a negative status and gets an errcheck that
    raises TierError; the message then comes from the last error of argument number `handle`
    (its type picks the *_last_error function), from ``handle(args)`` when it is callable, or from
    tier_strerror() when `handle` is None.
    """
    try:
        fn = getattr(lib, name)
    except AttributeError:
        setattr(F, name, _Missing(name))
        return
    fn.restype = restype
    fn.argtypes = argtypes
    if check:
        last_error = None
        if handle is not None and not callable(handle):
            last_error = getattr(F, _LAST_ERROR[argtypes[handle]], None)
            if isinstance(last_error, _Missing):
                last_error = None
        fn.errcheck = _make_check(handle, last_error)
    setattr(F, name, fn)


P = POINTER
size_p = P(c_size_t)
int32_p = P(c_int32)
double_p = P(c_double)
int_p = P(c_int)

# Status text and version.
declare("tier_strerror", c_char_p, [c_int], check=False)
declare("tier_status_name", c_char_p, [c_int], check=False)
declare("tier_version_number", c_uint, [], check=False)
declare("tier_version_string", c_char_p, [], check=False)

# Last-error getters come first: the error checks below look them up.
for _h, _n in _LAST_ERROR.items():
    declare(_n, c_char_p, [_h], check=False)

# date.h
declare("tier_date_from_ymd", c_int, [int32_p, c_int, c_int, c_int])
declare("tier_date_to_ymd", c_int, [c_int32, int_p, int_p, int_p])
declare("tier_date_parse", c_int, [int32_p, c_char_p, c_size_t, c_int])
declare("tier_date_format_iso", c_int, [c_char_p, c_size_t, c_int32])

# text.h
declare("tier_text_new", c_int, [P(text_p), c_void_p])
declare("tier_text_free", None, [text_p], check=False)
declare("tier_text_append", c_int, [text_p, c_char_p, c_size_t])
declare("tier_text_clear", None, [text_p], check=False)
declare("tier_text_data", c_void_p, [text_p], check=False)
declare("tier_text_length", c_size_t, [text_p], check=False)

# io.h
declare("tier_io_default", P(Io), [], check=False)

# book.h
declare("tier_book_new", c_int, [P(book_p), c_void_p])
declare("tier_book_free", None, [book_p], check=False)
declare("tier_book_set_option", c_int, [book_p, c_int, c_int64], handle=0)
declare("tier_book_get_option", c_int, [book_p, c_int, P(c_int64)], handle=LOOKUP)
declare("tier_book_add_txn", c_int, [book_p, c_char_p, c_size_t, c_int32, c_double, c_double],
        handle=0)
declare("tier_book_set_executor", c_int, [book_p, P(Executor)], handle=0)
declare("tier_book_add_txns", c_int,
        [book_p, c_size_t, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p], handle=0)
declare("tier_book_add_txns_ids", c_int,
        [book_p, c_size_t, c_int, c_void_p, c_size_t, c_void_p, c_void_p, c_void_p], handle=0)
declare("tier_book_add_customer", c_int, [book_p, c_char_p, c_size_t, size_p], handle=0)
declare("tier_book_find", c_int, [book_p, c_char_p, c_size_t, size_p], check=False)
declare("tier_book_customer_count", c_size_t, [book_p], check=False)
declare("tier_book_txn_count", c_size_t, [book_p], check=False)
declare("tier_book_customer_id", c_void_p, [book_p, c_size_t, size_p], check=False)
declare("tier_book_customer_stat", c_int, [book_p, c_size_t, c_int, double_p], handle=LOOKUP)
declare("tier_book_txn", c_int, [book_p, c_size_t, size_p, int32_p, double_p, double_p],
        handle=LOOKUP)
declare("tier_book_day_range", c_int, [book_p, int32_p, int32_p], check=False)
declare("tier_book_set_number", c_int, [book_p, c_size_t, c_char_p, c_double], handle=0)
declare("tier_book_set_text", c_int, [book_p, c_size_t, c_char_p, c_char_p], handle=0)
declare("tier_book_get_number", c_int, [book_p, c_size_t, c_char_p, double_p], check=False)
declare("tier_book_get_text", c_int, [book_p, c_size_t, c_char_p, P(c_char_p)], check=False)
declare("tier_book_attribute_count", c_size_t, [book_p], check=False)
declare("tier_book_attribute_name", c_char_p, [book_p, c_size_t, int_p], check=False)
declare("tier_book_merge", c_int, [book_p, book_p], handle=0)

# record.h
declare("tier_record_new", c_int, [P(record_p), c_void_p])
declare("tier_record_free", None, [record_p], check=False)
declare("tier_record_clear", None, [record_p], check=False)
declare("tier_record_set_id", c_int, [record_p, c_char_p, c_size_t], handle=0)
declare("tier_record_id", c_void_p, [record_p, size_p], check=False)
declare("tier_record_add_txn", c_int, [record_p, c_int32, c_double, c_double], handle=0)
declare("tier_record_txn_count", c_size_t, [record_p], check=False)
declare("tier_record_txn", c_int, [record_p, c_size_t, int32_p, double_p, double_p], handle=LOOKUP)
declare("tier_record_set_number", c_int, [record_p, c_char_p, c_double], handle=0)
declare("tier_record_set_text", c_int, [record_p, c_char_p, c_char_p], handle=0)
declare("tier_record_get_number", c_int, [record_p, c_char_p, double_p], check=False)
declare("tier_record_get_text", c_int, [record_p, c_char_p, P(c_char_p)], check=False)
declare("tier_book_add_record", c_int, [book_p, record_p, size_p], handle=0)
declare("tier_book_get_record", c_int, [book_p, c_size_t, record_p], handle=2)

# csv.h
declare("tier_csv_new", c_int, [P(csv_p), c_void_p])
declare("tier_csv_free", None, [csv_p], check=False)
declare("tier_csv_error_line", c_uint64, [csv_p], check=False)
declare("tier_csv_error_column", c_uint64, [csv_p], check=False)
declare("tier_csv_set_delimiter", c_int, [csv_p, c_int], handle=0)
declare("tier_csv_set_header", c_int, [csv_p, c_int], handle=0)
declare("tier_csv_set_column_names", c_int, [csv_p, c_char_p], handle=0)
declare("tier_csv_set_column", c_int, [csv_p, c_int, c_char_p], handle=0)
declare("tier_csv_set_date_format", c_int, [csv_p, c_int], handle=0)
declare("tier_csv_set_limit", c_int, [csv_p, c_int, c_uint64], handle=0)
declare("tier_csv_set_progress", c_int, [csv_p, progress_cb, c_void_p], handle=0)
declare("tier_csv_set_io", c_int, [csv_p, P(Io)], handle=0)
declare("tier_csv_read_file", c_int, [csv_p, book_p, c_char_p], handle=0)
declare("tier_csv_read_buffer", c_int, [csv_p, book_p, c_char_p, c_size_t], handle=0)
declare("tier_csv_rows_read", c_uint64, [csv_p], check=False)
declare("tier_csv_read_attributes_file", c_int, [csv_p, book_p, c_char_p], handle=0)
declare("tier_csv_read_attributes_buffer", c_int, [csv_p, book_p, c_char_p, c_size_t], handle=0)


# Contracts (tier/contract.h, since 0.4.0).
CONTRACT_OPEN = 2147483647
CONTRACT_MONTHLY, CONTRACT_YEARLY = 1, 2
CONTRACT_ACTIVE, CONTRACT_RENEWED, CONTRACT_CANCELLED = 1, 2, 3


class Contract(ctypes.Structure):
    """struct tier_contract."""
    _fields_ = [("start_day", c_int32), ("end_day", c_int32), ("amount", c_double),
                ("period", c_int32), ("status", c_int32), ("plan", c_char_p)]


declare("tier_book_add_contracts", c_int,
        [book_p, c_size_t, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p,
         c_void_p, ctypes.c_uint], handle=0)
declare("tier_book_contract_count", c_size_t, [book_p, c_size_t], check=False)
declare("tier_book_contract_total", c_size_t, [book_p], check=False)
declare("tier_book_contract", c_int, [book_p, c_size_t, c_size_t, P(Contract)], handle=LOOKUP)
declare("tier_csv_read_contracts_file", c_int, [csv_p, book_p, c_char_p], handle=0)
declare("tier_csv_read_contracts_buffer", c_int, [csv_p, book_p, c_char_p, c_size_t], handle=0)

# frame.h
declare("tier_frame_new", c_int, [P(frame_p), c_size_t, c_void_p])
declare("tier_frame_free", None, [frame_p], check=False)
declare("tier_frame_set_error", c_int, [frame_p, c_char_p])
declare("tier_frame_rows", c_size_t, [frame_p], check=False)
declare("tier_frame_column_count", c_size_t, [frame_p], check=False)
declare("tier_frame_column_name", c_char_p, [frame_p, c_size_t], check=False)
declare("tier_frame_column_type", c_int, [frame_p, c_size_t], check=False)
declare("tier_frame_find", c_int, [frame_p, c_char_p, size_p], check=False)
declare("tier_frame_numbers", double_p, [frame_p, c_size_t], check=False)
declare("tier_frame_labels", int32_p, [frame_p, c_size_t], check=False)
declare("tier_frame_label_count", c_size_t, [frame_p, c_size_t], check=False)
declare("tier_frame_label_text", c_char_p, [frame_p, c_size_t, c_int32], check=False)
declare("tier_frame_add_numbers", c_int, [frame_p, c_char_p, P(double_p)], handle=0)
declare("tier_frame_add_labels", c_int, [frame_p, c_char_p, P(c_char_p), c_size_t, P(int32_p)],
        handle=0)

# model.h
declare("tier_model_new", c_int, [P(model_p), P(ModelVtable), c_void_p, c_char_p, c_void_p])
declare("tier_model_free", None, [model_p], check=False)
declare("tier_model_name", c_char_p, [model_p], check=False)
declare("tier_model_kind", c_char_p, [model_p], check=False)
declare("tier_model_state", c_void_p, [model_p], check=False)
declare("tier_model_is_fitted", c_int, [model_p], check=False)
declare("tier_model_fit", c_int, [model_p, book_p, frame_p], handle=0)
# A failed score leaves its reason on the frame (model.h).
declare("tier_model_score", c_int, [model_p, book_p, frame_p], handle=2)
declare("tier_model_explain", c_int, [model_p, book_p, frame_p, c_size_t, text_p], handle=0)
declare("tier_model_new_kind", c_int, [P(model_p), registry_p, c_char_p, c_char_p, c_void_p])
declare("tier_model_option_count", c_size_t, [model_p], check=False)
declare("tier_model_option_info", c_int, [model_p, c_size_t, P(c_char_p), int_p, P(c_char_p)],
        handle=0)
declare("tier_model_set_option", c_int, [model_p, c_char_p, c_char_p], handle=0)
declare("tier_model_set_number", c_int, [model_p, c_char_p, c_double], handle=0)
declare("tier_model_set_text", c_int, [model_p, c_char_p, c_char_p], handle=0)
declare("tier_model_set_list", c_int, [model_p, c_char_p, P(c_char_p), c_size_t], handle=0)
declare("tier_model_get_option", c_int, [model_p, c_char_p, text_p], handle=0)
declare("tier_model_get_number", c_int, [model_p, c_char_p, double_p], handle=0)
declare("tier_model_get_value", c_int, [model_p, c_char_p, value_p], handle=0)
declare("tier_model_save", c_int, [model_p, text_p], handle=0)
declare("tier_model_load", c_int, [model_p, c_char_p, c_size_t], handle=0)
# Fits from mergeable summaries (0.5.0; docs/fit-summary-format.md).
declare("tier_model_fit_summary", c_int, [model_p, book_p, frame_p, text_p], handle=0)
declare("tier_model_fit_summaries", c_int, [model_p, P(c_char_p), P(c_size_t), c_size_t],
        handle=0)
declare("tier_model_merge_summaries", c_int,
        [model_p, P(c_char_p), P(c_size_t), c_size_t, text_p], handle=0)
# Option values; the setters are called inside callbacks, so they report by status only.
declare("tier_value_new", c_int, [P(value_p), c_void_p])
declare("tier_value_free", None, [value_p], check=False)
declare("tier_value_get_type", c_int, [value_p], check=False)
declare("tier_value_number", c_double, [value_p], check=False)
declare("tier_value_text", c_char_p, [value_p], check=False)
declare("tier_value_list_count", c_size_t, [value_p], check=False)
declare("tier_value_list_item", c_char_p, [value_p, c_size_t], check=False)
declare("tier_value_set_number", c_int, [value_p, c_double], check=False)
declare("tier_value_set_text", c_int, [value_p, c_char_p], check=False)
declare("tier_value_set_list", c_int, [value_p, P(c_char_p), c_size_t], check=False)
# The state writer and reader (used inside save/load callbacks: statuses checked by hand).
declare("tier_state_write_key", c_int, [writer_p, c_char_p], check=False)
declare("tier_state_write_number", c_int, [writer_p, c_double], check=False)
declare("tier_state_write_numbers", c_int, [writer_p, double_p, c_size_t], check=False)
declare("tier_state_write_text", c_int, [writer_p, c_char_p], check=False)
declare("tier_state_read_next", c_int, [reader_p, P(c_char_p)], check=False)
declare("tier_state_read_count", c_size_t, [reader_p], check=False)
declare("tier_state_read_type", c_int, [reader_p, c_size_t], check=False)
declare("tier_state_read_number", c_int, [reader_p, c_size_t, double_p], check=False)
declare("tier_state_read_numbers", c_int, [reader_p, double_p, c_size_t], check=False)
declare("tier_state_read_text", c_int, [reader_p, c_size_t, P(c_char_p)], check=False)
declare("tier_state_read_fail", c_int, [reader_p, c_char_p], check=False)
declare("tier_state_read_line", c_size_t, [reader_p], check=False)

# registry.h
declare("tier_registry_new", c_int, [P(registry_p), c_void_p])
declare("tier_registry_free", None, [registry_p], check=False)
declare("tier_registry_add", c_int, [registry_p, c_char_p, model_factory_cb, c_void_p], handle=0)
declare("tier_registry_kind_count", c_size_t, [registry_p], check=False)
declare("tier_registry_kind", c_char_p, [registry_p, c_size_t], check=False)

# pipeline.h
# history.h
declare("tier_history_new", c_int, [P(history_p), c_void_p])
declare("tier_history_free", None, [history_p], check=False)
declare("tier_history_load", c_int, [history_p, c_char_p, P(Io)], handle=0)
declare("tier_history_load_bytes", c_int, [history_p, c_char_p, c_size_t, c_char_p], handle=0)
declare("tier_history_save", c_int, [history_p, c_char_p, P(Io)], handle=0)
declare("tier_history_write", c_int, [history_p, write_cb, c_void_p], handle=0)
declare("tier_history_apply", c_int, [history_p, result_p, book_p, policy_p], handle=0)
declare("tier_history_runs", c_uint64, [history_p], check=False)
declare("tier_history_as_of", c_double, [history_p], check=False)
declare("tier_history_policy_name", c_char_p, [history_p], check=False)
declare("tier_history_policy_hash", c_uint32, [history_p], check=False)
declare("tier_history_customer_count", c_size_t, [history_p], check=False)
declare("tier_history_entry_get", c_int, [history_p, c_char_p, c_size_t, P(HistoryEntry)],
        handle=0)
declare("tier_history_override_add", c_int,
        [history_p, c_char_p, c_char_p, c_char_p, c_char_p, c_double], handle=0)
declare("tier_history_override_remove", c_int, [history_p, c_char_p], handle=0)
declare("tier_history_override_count", c_size_t, [history_p], check=False)
declare("tier_history_override_get", c_int, [history_p, c_size_t, P(OverrideEntry)], handle=0)
declare("tier_history_ledger_write", c_int, [history_p, c_int, write_cb, c_void_p], handle=0)
declare("tier_history_matrix_write", c_int, [history_p, write_cb, c_void_p], handle=0)

declare("tier_pipeline_sniff", c_int,
        [c_char_p, c_size_t, c_int, int_p, P(c_char_p), c_void_p])
declare("tier_pipeline_new", c_int, [P(pipeline_p), c_void_p])
declare("tier_pipeline_free", None, [pipeline_p], check=False)
declare("tier_pipeline_set", c_int, [pipeline_p, c_char_p, c_char_p], handle=0)
declare("tier_pipeline_get", c_int, [pipeline_p, c_char_p, text_p], handle=0)
declare("tier_pipeline_add_model", c_int, [pipeline_p, c_char_p, c_char_p], handle=0)
declare("tier_pipeline_set_model_option", c_int, [pipeline_p, c_char_p, c_char_p, c_char_p],
        handle=0)
declare("tier_pipeline_set_registry", c_int, [pipeline_p, registry_p], handle=0)
declare("tier_pipeline_set_policy_ref", c_int, [pipeline_p, policy_p], handle=0)
declare("tier_pipeline_set_progress", c_int, [pipeline_p, pipeline_progress_cb, c_void_p],
        handle=0)
declare("tier_pipeline_set_executor", c_int, [pipeline_p, P(Executor)], handle=0)
declare("tier_pipeline_set_io", c_int, [pipeline_p, P(Io)], handle=0)
declare("tier_pipeline_set_output", c_int, [pipeline_p, write_cb, c_void_p], handle=0)
declare("tier_pipeline_check", c_int, [pipeline_p], handle=0)
declare("tier_pipeline_set_command", c_int,
        [pipeline_p, c_char_p, c_size_t, P(c_char_p), P(c_uint)], handle=0)
declare("tier_pipeline_usage", c_int, [c_char_p, text_p])
declare("tier_pipeline_run", c_int, [pipeline_p], handle=0)
declare("tier_pipeline_book", book_p, [pipeline_p], check=False)
declare("tier_pipeline_model_count", c_size_t, [pipeline_p], check=False)
declare("tier_pipeline_model", model_p, [pipeline_p, c_size_t], check=False)
declare("tier_pipeline_result", result_p, [pipeline_p], check=False)
declare("tier_pipeline_rows_read", c_uint64, [pipeline_p], check=False)
declare("tier_pipeline_summary", c_int, [pipeline_p, text_p], handle=0)
declare("tier_pipeline_warning_count", c_size_t, [pipeline_p], check=False)
declare("tier_pipeline_warning", c_char_p, [pipeline_p, c_size_t], check=False)
declare("tier_pipeline_retier", c_int, [pipeline_p, P(retier_p)], handle=0)

# retier.h (the pipeline owns the retier: no new/free here)
declare("tier_retier_customer", c_int, [retier_p, book_p, c_size_t], handle=0)
declare("tier_retier_tier", c_int, [retier_p, c_size_t], check=False)
declare("tier_retier_tier_name", c_char_p, [retier_p, c_size_t], check=False)
declare("tier_retier_reason", c_char_p, [retier_p, c_size_t], check=False)
declare("tier_retier_flags", c_char_p, [retier_p, c_size_t], check=False)
declare("tier_retier_route", c_char_p, [retier_p, c_size_t], check=False)
declare("tier_retier_entitlement", c_int,
        [retier_p, c_size_t, c_char_p, double_p, P(c_char_p)], check=False)
declare("tier_retier_number", c_int, [retier_p, c_size_t, c_char_p, double_p], check=False)
declare("tier_pipeline_explain", c_int, [pipeline_p, c_char_p, c_int, text_p], handle=0)

# segmap.h
declare("tier_segmap_new_builtin", c_int, [P(segmap_p), c_int, c_void_p])
# tier_segmap_parse reports through its `error` text argument (index 4).
declare("tier_segmap_parse", c_int, [P(segmap_p), c_char_p, c_size_t, c_void_p, text_p],
        handle=lambda args: text_value(args[4]))
declare("tier_segmap_free", None, [segmap_p], check=False)
declare("tier_segmap_count", c_size_t, [segmap_p], check=False)
declare("tier_segmap_name", c_char_p, [segmap_p, c_size_t], check=False)
declare("tier_segmap_check", c_int, [segmap_p, c_int, size_p, size_p, size_p, text_p])
declare("tier_segmap_lookup", c_int, [segmap_p, c_int, c_int, c_int], check=False)

# rfm.h
declare("tier_rfm_new", c_int, [P(model_p), c_char_p, c_void_p])
declare("tier_rfm_set_segmap", c_int, [model_p, c_int, segmap_p], handle=0)
declare("tier_rfm_cut_points", c_int, [model_p, c_int, double_p, c_size_t], handle=0)
declare("tier_rfm_set_cut_points", c_int, [model_p, c_int, double_p, c_size_t], handle=0)

# pareto.h
declare("tier_pareto_new", c_int, [P(model_p), c_char_p, c_void_p])
declare("tier_pareto_summary", c_int,
        [frame_p, c_char_p, c_int, size_p, double_p, double_p, double_p], handle=LOOKUP)

# scorecard.h
declare("tier_scorecard_new", c_int, [P(model_p), c_char_p, c_void_p])
declare("tier_scorecard_new_b2b", c_int, [P(model_p), c_char_p, c_void_p])
declare("tier_scorecard_add_factor", c_int,
        [model_p, c_char_p, c_char_p, c_double, c_int, c_int, c_int, c_int, size_p], handle=0)
declare("tier_scorecard_set_caps", c_int, [model_p, c_size_t, c_double, c_double], handle=0)
declare("tier_scorecard_set_bands", c_int, [model_p, c_size_t, double_p, c_size_t, double_p],
        handle=0)
declare("tier_scorecard_set_impute", c_int, [model_p, c_size_t, c_double], handle=0)
declare("tier_scorecard_add_penalty", c_int,
        [model_p, c_char_p, c_char_p, c_int, c_double, c_double], handle=0)
declare("tier_scorecard_add_veto", c_int,
        [model_p, c_char_p, c_char_p, c_int, c_double, c_char_p], handle=0)
declare("tier_scorecard_set_grade_bands", c_int, [model_p, double_p], handle=0)
declare("tier_scorecard_factor_count", c_size_t, [model_p], check=False)
declare("tier_scorecard_factor_name", c_char_p, [model_p, c_size_t], check=False)

# needs.h
declare("tier_needs_new", c_int, [P(model_p), c_char_p, c_void_p])
declare("tier_needs_add_feature", c_int, [model_p, c_char_p], handle=0)
declare("tier_needs_feature_count", c_size_t, [model_p], check=False)
declare("tier_needs_feature_name", c_char_p, [model_p, c_size_t], check=False)
declare("tier_needs_add_profile", c_int, [model_p, c_char_p, double_p, c_size_t], handle=0)
declare("tier_needs_clear_profiles", None, [model_p], check=False)
declare("tier_needs_segment_count", c_size_t, [model_p], check=False)
declare("tier_needs_segment_name", c_char_p, [model_p, c_size_t], check=False)
declare("tier_needs_set_segment_name", c_int, [model_p, c_size_t, c_char_p], handle=0)
declare("tier_needs_centroid", c_int, [model_p, c_size_t, double_p, c_size_t], handle=0)
declare("tier_needs_set_previous_centroids", c_int,
        [model_p, P(c_char_p), double_p, c_size_t, c_size_t], handle=0)
declare("tier_needs_fit_stat", c_int, [model_p, c_int, double_p], handle=0)
declare("tier_needs_dist_begin", c_int, [model_p, text_p], handle=0)
declare("tier_needs_dist_answer", c_int,
        [model_p, book_p, frame_p, c_char_p, c_size_t, text_p], handle=0)
declare("tier_needs_dist_merge", c_int,
        [model_p, P(c_char_p), P(c_size_t), c_size_t, text_p], handle=0)

# clv.h
declare("tier_clv_new", c_int, [P(model_p), c_char_p, c_void_p])
declare("tier_clv_params", c_int, [model_p, c_int, double_p, c_size_t], handle=0)
declare("tier_clv_standard_errors", c_int, [model_p, c_int, double_p, c_size_t], handle=0)
declare("tier_clv_fit_stat", c_int, [model_p, c_int, c_int, double_p], handle=0)
declare("tier_clv_holdout", c_int, [model_p, book_p, c_int32, frame_p, double_p, c_size_t],
        handle=0)
declare("tier_clv_dist_split", c_int,
        [model_p, c_char_p, c_size_t, c_size_t, text_p, P(c_size_t)], handle=0)
declare("tier_clv_dist_begin", c_int, [model_p, text_p], handle=0)
declare("tier_clv_dist_answer", c_int,
        [model_p, c_char_p, c_size_t, c_char_p, c_size_t, text_p], handle=0)
declare("tier_clv_dist_merge", c_int,
        [model_p, P(c_char_p), P(c_size_t), c_size_t, text_p], handle=0)

# lifecycle.h
declare("tier_lifecycle_new", c_int, [P(model_p), c_char_p, c_void_p])

# policy.h
declare("tier_policy_new", c_int, [P(policy_p), c_void_p])
declare("tier_policy_new_builtin", c_int, [P(policy_p), c_char_p, c_void_p])
declare("tier_policy_free", None, [policy_p], check=False)
declare("tier_policy_add_tier", c_int, [policy_p, c_char_p, size_p], handle=0)
declare("tier_policy_add_rule", c_int, [policy_p, c_size_t, c_char_p, size_p], handle=0)
declare("tier_policy_where_number", c_int, [policy_p, c_size_t, c_char_p, c_int, c_double],
        handle=0)
declare("tier_policy_where_label", c_int, [policy_p, c_size_t, c_char_p, c_int, c_char_p],
        handle=0)
declare("tier_policy_tier_count", c_size_t, [policy_p], check=False)
declare("tier_policy_tier_name", c_char_p, [policy_p, c_size_t], check=False)
declare("tier_policy_rule_count", c_size_t, [policy_p], check=False)
declare("tier_policy_rule_name", c_char_p, [policy_p, c_size_t], check=False)
declare("tier_policy_describe", c_int, [policy_p, text_p], handle=0)
declare("tier_policy_load_string", c_int, [policy_p, c_char_p, c_size_t, c_char_p], handle=0)
declare("tier_policy_load_file", c_int, [policy_p, c_char_p, P(Io)], handle=0)
declare("tier_policy_builtin_count", c_size_t, [], check=False)
declare("tier_policy_builtin_name", c_char_p, [c_size_t], check=False)
declare("tier_policy_builtin_text", c_char_p, [c_char_p], check=False)
declare("tier_policy_name", c_char_p, [policy_p], check=False)
declare("tier_policy_description", c_char_p, [policy_p], check=False)
declare("tier_policy_model_count", c_size_t, [policy_p], check=False)
declare("tier_policy_model", c_int, [policy_p, c_size_t, P(c_char_p), P(c_char_p), size_p],
        handle=LOOKUP)
declare("tier_policy_model_option", c_int, [policy_p, c_size_t, c_size_t, P(c_char_p), value_p],
        handle=LOOKUP)
declare("tier_policy_entitlement_count", c_size_t, [policy_p], check=False)
declare("tier_policy_entitlement_name", c_char_p, [policy_p, c_size_t, P(c_int)], check=False)
declare("tier_policy_entitlement", c_int, [policy_p, c_size_t, c_char_p, value_p], handle=LOOKUP)
declare("tier_policy_lint", c_int, [policy_p, registry_p, text_p, size_p, size_p], handle=0)

# result.h
declare("tier_result_new", c_int, [P(result_p), c_void_p])
declare("tier_result_free", None, [result_p], check=False)
declare("tier_result_run", c_int, [result_p, book_p, P(model_p), c_size_t, policy_p], handle=0)
declare("tier_result_frame", frame_p, [result_p], check=False)
declare("tier_result_customer_count", c_size_t, [result_p], check=False)
declare("tier_result_tier", c_int, [result_p, c_size_t], check=False)
declare("tier_result_tier_count", c_size_t, [result_p], check=False)
declare("tier_result_tier_name", c_char_p, [result_p, c_size_t], check=False)
declare("tier_result_reason", c_char_p, [result_p, c_size_t], check=False)
declare("tier_result_summary", c_int, [result_p, c_size_t, size_p, double_p], handle=0)
declare("tier_result_write", c_int, [result_p, book_p, c_char_p, c_int, write_cb, c_void_p],
        handle=0)
declare("tier_result_save", c_int, [result_p, book_p, c_char_p, c_int, c_char_p, P(Io)],
        handle=0)
declare("tier_result_set_as_of", c_int, [result_p, c_double], handle=0)
declare("tier_result_flags", c_char_p, [result_p, c_size_t], check=False)
declare("tier_result_route", c_char_p, [result_p, c_size_t], check=False)
declare("tier_result_entitlement", c_int, [result_p, c_size_t, c_char_p, value_p], handle=0)
declare("tier_result_explain", c_int, [result_p, book_p, policy_p, c_size_t, c_int, text_p],
        handle=0)
# 0.5.0: population figures of a run split over parts of the customers (docs/distributed.md)
declare("tier_result_set_population", c_int, [result_p, c_char_p, c_size_t], handle=0)
declare("tier_result_population", c_int, [result_p, text_p], handle=0)

# sbg.h (0.4.0): the shifted-beta-geometric retention model
sbg_p = _opaque("tier_sbg")
SBG_STATS = {
    "log_likelihood": 1, "iterations": 2, "converged": 3, "gradient": 4, "customers": 5,
    "churned": 6, "periods": 7, "evaluations": 8,
}
_LAST_ERROR[sbg_p] = "tier_sbg_last_error"
declare("tier_sbg_last_error", c_char_p, [sbg_p], check=False)
declare("tier_sbg_new", c_int, [P(sbg_p), c_void_p])
declare("tier_sbg_free", None, [sbg_p], check=False)
declare("tier_sbg_fit", c_int, [sbg_p, P(double_p), size_p, c_size_t], handle=0)
declare("tier_sbg_fit_customers", c_int, [sbg_p, double_p, double_p, c_size_t], handle=0)
declare("tier_sbg_set_params", c_int, [sbg_p, c_double, c_double], handle=0)
declare("tier_sbg_params", c_int, [sbg_p, double_p, double_p])
declare("tier_sbg_standard_errors", c_int, [sbg_p, double_p, double_p], check=False)
declare("tier_sbg_fit_stat", c_int, [sbg_p, c_int, double_p])
declare("tier_sbg_survival", c_int, [sbg_p, c_double, double_p])
declare("tier_sbg_retention", c_int, [sbg_p, c_double, double_p])
declare("tier_sbg_renewal_probability", c_int, [sbg_p, c_double, double_p])
declare("tier_sbg_residual_lifetime", c_int, [sbg_p, c_double, double_p])
declare("tier_sbg_derl", c_int, [sbg_p, c_double, c_double, double_p])
declare("tier_sbg_clv", c_int, [sbg_p, c_double, c_double, c_double, double_p])


# --- small shared helpers ---------------------------------------------------------------------

def version() -> str:
    """The loaded library's version text, e.g. "0.1.0"."""
    raw = F.tier_version_string() if not isinstance(F.tier_version_string, _Missing) else None
    if raw:
        return str(raw.decode("ascii", "replace"))
    return "%d.%d.%d" % (version_number // 10000, version_number // 100 % 100,
                         version_number % 100)


def text_value(text: Any) -> str:
    """The contents of a tier_text as str (NULL or empty -> "")."""
    if not text:
        return ""
    n = F.tier_text_length(text)
    if n == 0:
        return ""
    return ctypes.string_at(F.tier_text_data(text), n).decode("utf-8", "replace")


class Text:
    """A scratch tier_text owned by Python (used for reports, descriptions, saved state)."""

    def __init__(self) -> None:
        self.ptr = text_p()
        F.tier_text_new(byref(self.ptr), None)

    def value(self) -> str:
        """The text's contents."""
        return text_value(self.ptr)

    def close(self) -> None:
        """Frees the C text (again is a no-op)."""
        if self.ptr:
            F.tier_text_free(self.ptr)
            self.ptr = text_p()

    def __enter__(self) -> "Text":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def encode(value: Union[str, bytes], what: str = "text") -> bytes:
    """str -> UTF-8 bytes (bytes pass through). A NUL byte is refused (TierError TIER_EINVAL):
    C would end the text there, so "X\\0" would silently be "X"."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    elif not isinstance(value, bytes):
        raise TypeError("%s must be str or bytes, not %s" % (what, type(value).__name__))
    if b"\0" in value:
        raise error(EINVAL, "%s %r contains a NUL byte" % (what, value))
    return value


_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def int64(value: Any, what: str = "value") -> int:
    """An integer for an int64_t argument: TierError TIER_ERANGE outside its range (ctypes would
    wrap 2**64 + 100 to 100), TIER_EINVAL for a missing value (None, NaN, NaT, pandas NA),
    TypeError for what is not an integer (a bool, a float with a fraction, a text)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType") or value != value:
        raise error(EINVAL, "%s is missing (%r): an integer is needed" % (what, value))
    if isinstance(value, bool):
        raise TypeError("%s must be an integer, not %s" % (what, type(value).__name__))
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise TypeError("%s must be an integer, not %r" % (what, value)) from None
    if isinstance(value, float) and number != value:
        raise TypeError("%s must be an integer, not %r" % (what, value))
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise error(ERANGE, "%s %d is outside the 64-bit range" % (what, number))
    return number


def encode_list(value: Union[str, bytes, Iterable[str]], what: str = "list") -> bytes:
    """A list of str, or one comma-separated text, as comma-separated UTF-8 bytes."""
    if not isinstance(value, (str, bytes)):
        value = ",".join(value)
    return encode(value, what)


def encode_name(name: Union[str, bytes, None]) -> Optional[bytes]:
    """A model's or object's name for C: UTF-8 bytes, or None (NULL: the library's default)."""
    return None if name is None else encode(name, "name")


@overload
def decode(raw: bytes) -> str: ...
@overload
def decode(raw: None) -> None: ...
@overload
def decode(raw: Optional[bytes]) -> Optional[str]: ...


def decode(raw: Optional[bytes]) -> Optional[str]:
    """UTF-8 bytes from C as str (None stays None)."""
    return raw.decode("utf-8", "replace") if raw is not None else None


def operator(op: str) -> int:
    """The tier_op of a comparison written "<", "<=", "==", "!=", ">=" or ">"."""
    try:
        return OPS[op]
    except (KeyError, TypeError):
        raise ValueError("unknown operator %r (use %s)" % (op, ", ".join(OPS))) from None


def names(count: Callable[..., int], name: Callable[..., bytes],
          *args: Any) -> List[str]:
    """The names behind a pair of calls ``count(*args)`` and ``name(*args, i)``, as str."""
    return [decode(name(*args, i)) for i in range(count(*args))]


def index_of(key: Union[str, bytes, int], names_of: Callable[[], List[str]]) -> int:
    """`key` as an index: a name (str or bytes) is looked up in the list ``names_of()`` (KeyError
    when absent), anything else is taken as an int."""
    if isinstance(key, (str, bytes)):
        try:
            return names_of().index(decode(encode(key)))
        except ValueError:
            raise KeyError(key) from None
    return int(key)


def callback(cb_type: Any, fn: Callable[..., Any]) -> Any:
    """`fn` as a C callback of the CFUNCTYPE `cb_type`. An exception raised by `fn` is kept and
    raised again once the C call returns (by the error check of the function that called back),
    and C gets TIER_EUSER, which every callback type of the library reads as "stop". The caller
    keeps the returned object alive for as long as C may call it."""

    def trampoline(*args: Any) -> Any:
        try:
            return fn(*args)
        except BaseException as exc:  # re-raised after the C call returns
            park_exception(exc)
            return EUSER

    return cb_type(trampoline)


# book.h savepoints (0.4.0)
declare("tier_book_savepoint", c_int, [book_p], handle=0)
declare("tier_book_rollback", c_int, [book_p], handle=0)
declare("tier_book_release", c_int, [book_p], handle=0)
declare("tier_book_savepoint_depth", c_size_t, [book_p], check=False)
