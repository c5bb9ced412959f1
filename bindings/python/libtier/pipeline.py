# SPDX-License-Identifier: MIT
"""The library's pipeline (include/tier/pipeline.h): read, fit, score, tier and write in one
object configured by key and value, the same object the ``tier`` command drives.

Example::

    from libtier import Pipeline
    with Pipeline(input="orders.csv", out="tiers.csv") as p:
        p.run()
        print(p.summary(), end="")
"""

import os
from ctypes import byref, c_char_p, c_int, c_uint, string_at
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Tuple

from . import _ffi
from ._ffi import F
from ._handle import Handle
from ._threads import Threads

if TYPE_CHECKING:
    from .retier import Retier

__all__ = ["Pipeline", "STAGES", "sniff", "SNIFF_BYTES", "usage"]

#: How much of a file the pipeline reads to sniff its first line.
SNIFF_BYTES = 65535

#: Stage names by the values a progress callback receives.
STAGES = {
    _ffi.PIPELINE_STAGE_READ: "read",
    _ffi.PIPELINE_STAGE_ACCOUNTS: "accounts",
    _ffi.PIPELINE_STAGE_MODELS: "models",
    _ffi.PIPELINE_STAGE_WRITE: "write",
}

_ROLES = {"id": _ffi.PIPELINE_ROLE_ID, "date": _ffi.PIPELINE_ROLE_DATE,
          "amount": _ffi.PIPELINE_ROLE_AMOUNT, "account_id": _ffi.PIPELINE_ROLE_ACCOUNT_ID}


def _text(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, os.PathLike):
        return os.fsencode(value)
    return str(value).encode("utf-8", "surrogateescape")


def sniff(head: Any, role: Optional[str] = None,
          delimiter: Optional[int] = None) -> Tuple[int, Optional[str]]:
    """The pipeline's sniffing of a first line (tier_pipeline_sniff): returns (delimiter, column)
    for the start of a file `head` (bytes): the delimiter given, else the one the line uses (an
    int: a byte or CSV_WHITESPACE), and the column of `role` ("id", "date", "amount",
    "account_id") by its usual names (None without a role)."""
    raw = _text(head)
    delim = c_int(delimiter or 0)
    column = c_char_p()
    code = _ROLES[role] if role is not None else 0
    F.tier_pipeline_sniff(raw, len(raw), code, byref(delim), byref(column), None)
    return int(delim.value), ((column.value or b"").decode("utf-8") if role is not None
                              else None)


def usage(command: Optional[str] = None) -> str:
    """The ``tier`` command's usage text (tier_pipeline_usage): of one command ("run", "explain",
    "policies", "lint", "override", "override add", "override remove", "override list",
    "fit clv", "clv", "version") as ``--help`` prints it, or of all of them (None) as ``tier help`` does.
    An unknown command raises TierError (TIER_ENOTFOUND)."""
    with _ffi.Text() as t:
        F.tier_pipeline_usage(None if command is None else _text(command), t.ptr)
        return t.value()


#: What set_command() found besides settings, by the bits of tier_pipeline_set_command().
COMMAND_FLAGS = {"help": _ffi.PIPELINE_COMMAND_HELP, "quiet": _ffi.PIPELINE_COMMAND_QUIET}


class Pipeline(Handle):
    """A configured job and the results of its last successful run.

    Settings are the keys of tier_pipeline_set() ("input", "delimiter", "models", "produce",
    "out", "format", ...), given as keyword arguments or with ``set()``; values are text (None
    restores the default). A bad value raises TierError with the library's message.

    ``state="FILE"`` carries the tiers from run to run (docs/history.md): the snapshot is loaded
    when it exists, hysteresis, dwell and overrides are applied after the policy, and the new
    snapshot is saved when the whole run succeeded (see libtier.History); ``ledger="PREFIX"``
    then writes PREFIX.csv, PREFIX-matrix.csv and PREFIX.json. The produce values
    "override_add", "override_remove" and "override_list" work on the state alone, and
    ``produce="diff"`` with ``state="OLD"`` and ``against_state="NEW"`` compares two snapshots
    (docs/diff.md) without reading any input.
    """

    _free = staticmethod(F.tier_pipeline_free)

    def __init__(self, **settings: Any) -> None:
        ptr = _ffi.pipeline_p()
        F.tier_pipeline_new(byref(ptr), None)
        self._adopt(ptr)
        # ctypes callbacks and borrowed objects the C side holds: kept alive here.
        self._progress: Any = None
        self._output: Any = None
        self._executor: Optional[Threads] = None
        self._policy: Any = None
        self._registry: Any = None
        self._runs = 0  # a Retier of an earlier run refuses to be used
        for key, value in settings.items():
            self.set(key, value)

    # -- settings ------------------------------------------------------------------------------

    def set(self, key: str, value: Any) -> "Pipeline":
        """Changes one setting; ``None`` restores its default. The "policy" setting also takes a
        Policy object (see set_policy())."""
        if key == "policy":
            return self.set_policy(value)
        F.tier_pipeline_set(self._p, _text(key), None if value is None else _text(value))
        return self

    def get(self, key: str) -> str:
        """The setting's value as text (the default in effect when unset)."""
        with _ffi.Text() as t:
            F.tier_pipeline_get(self._p, _text(key), t.ptr)
            return t.value()

    def set_command(self, command: str, argv: Sequence[Any] = ()) -> "frozenset[str]":
        """Configures this fresh pipeline as the ``tier`` command `command` ("run", "explain",
        "policies", "lint", "override add", "override remove", "override list", "fit clv",
        "clv") does with the arguments `argv` that follow the command's words
        (tier_pipeline_set_command): the same flags, value spellings, required options and
        messages. Returns a frozenset of what was found besides settings: "help" (``--help`` or
        ``-h``: show usage(command) and run nothing) and "quiet" (``--quiet`` or ``-q``). A usage
        error raises TierError (TIER_EINVAL, the message as ``tier`` prints it after "tier: ")."""
        args = [_text(a) for a in argv]
        raw = (c_char_p * max(len(args), 1))(*args)
        bits = c_uint(0)
        F.tier_pipeline_set_command(self._p, _text(command), len(args), raw, byref(bits))
        return frozenset(name for name, bit in COMMAND_FLAGS.items() if bits.value & bit)

    def add_model(self, kind: str, name: Optional[str] = None) -> "Pipeline":
        """Appends a model of `kind` named `name` (default: the kind) to the list to run."""
        F.tier_pipeline_add_model(self._p, _text(kind), None if name is None else _text(name))
        return self

    def set_model_option(self, model: str, option: str, value: Any) -> "Pipeline":
        """Sets an option of the model named `model` from text (a number option also takes an
        ISO date)."""
        F.tier_pipeline_set_model_option(self._p, _text(model), _text(option), _text(value))
        return self

    def set_policy(self, policy: Any) -> "Pipeline":
        """Chooses the policy: a built-in name or a policy file (str or path; the "policy"
        setting, loaded at once: a file that does not load raises TierError with
        "FILE:LINE:COL: ..."), a Policy object (tier_pipeline_set_policy_ref; kept alive by the
        pipeline), or None for the default (b2b-sabc, with "accounts" b2b-full)."""
        from .policy import Policy
        if isinstance(policy, Policy):
            F.tier_pipeline_set_policy_ref(self._p, policy._p)
            self._policy = policy
            return self
        F.tier_pipeline_set(self._p, b"policy", None if policy is None else _text(policy))
        F.tier_pipeline_set_policy_ref(self._p, None)
        self._policy = None
        return self

    def set_registry(self, registry: Any) -> "Pipeline":
        """Lets the model list use the kinds of a registry (an object with a ``_p`` pointer to a
        tier_registry; None: the built-ins only)."""
        F.tier_pipeline_set_registry(self._p, registry._p if registry is not None else None)
        self._registry = registry
        return self

    def set_progress(self, callback: Optional[Callable[[Any, int, int], Any]]) -> "Pipeline":
        """Calls ``callback(stage, done, total)`` as the run advances (stage is "read",
        "accounts", "models" or "write"); a true return value stops the run. An exception in
        the callback stops it too and is raised by ``run()``."""
        if callback is None:
            F.tier_pipeline_set_progress(self._p, _ffi.pipeline_progress_cb(), None)
            self._progress = None
            return self

        call = callback

        def progress(ud: Any, stage: int, done: int, total: int) -> int:
            return 1 if call(STAGES.get(stage, stage), done, total) else 0

        self._progress = _ffi.callback(_ffi.pipeline_progress_cb, progress)
        F.tier_pipeline_set_progress(self._p, self._progress, None)
        return self

    def set_output(self, sink: Any) -> "Pipeline":
        """Sends the output to ``sink`` when no "out" file is set: a callable taking bytes, or a
        binary file object. A sink that raises OSError stops the run with "cannot write the
        output"; any other exception stops it and is raised by ``run()``."""
        if sink is None:
            F.tier_pipeline_set_output(self._p, _ffi.write_cb(), None)
            self._output = None
            return self
        write = sink if callable(sink) else sink.write

        def output(ud: Any, data: Any, length: int) -> int:
            try:
                write(string_at(data, length))
            except OSError:  # the pipeline says "cannot write the output"
                return 1
            return 0

        self._output = _ffi.callback(_ffi.write_cb, output)
        F.tier_pipeline_set_output(self._p, self._output, None)
        return self

    def use_threads(self, on: bool = True) -> "Pipeline":
        """Reads a large input as two halves at once on two threads (the output is the same)."""
        self._executor = Threads() if on else None
        F.tier_pipeline_set_executor(self._p, byref(self._executor.struct)
                                     if self._executor is not None else None)
        return self

    # -- running -------------------------------------------------------------------------------

    def check(self) -> None:
        """Raises TierError when the settings do not make a complete job."""
        F.tier_pipeline_check(self._p)

    def run(self) -> "Pipeline":
        """Reads, fits, scores, tiers and writes; raises TierError (nothing is written then)."""
        F.tier_pipeline_run(self._p)
        self._runs += 1
        return self

    def retier(self) -> "Retier":
        """The :class:`~libtier.retier.Retier` of the last run (docs/retier.md): one customer at a
        time re-scored and re-tiered after a new invoice, with the models and the population
        figures frozen until the next run. Raises TierError before a run that tiered customers,
        or for a policy that cannot be frozen (a hierarchy with children = own)."""
        from .retier import Retier
        handle = _ffi.retier_p()
        F.tier_pipeline_retier(self._p, byref(handle))
        return Retier(self, handle)

    @property
    def last_error(self) -> str:
        """The text of the pipeline's last failure ("" when none)."""
        return _ffi.decode(F.tier_pipeline_last_error(self._p)) or ""

    # -- results of the last successful run ------------------------------------------------------

    def rows_read(self) -> int:
        """Transaction rows the last run read."""
        return int(F.tier_pipeline_rows_read(self._p))

    def summary(self) -> str:
        """The summary as the ``tier`` command prints it after "tier: " ("" for a fit run)."""
        with _ffi.Text() as t:
            F.tier_pipeline_summary(self._p, t.ptr)
            return t.value()

    def explain(self, customer_id: str, format: str = "text") -> str:
        """Why a customer of the last run got its tier (tier_pipeline_explain): every model
        output, the windows and lets, each rule tried, the cap, the flags, the entitlements and
        the route, as text or ("json") one JSON object in a str."""
        code = _ffi.EXPLAIN_FORMATS.get(format)
        if code is None:
            raise ValueError("format must be 'text' or 'json', not %r" % (format,))
        with _ffi.Text() as t:
            F.tier_pipeline_explain(self._p, _text(customer_id), code, t.ptr)
            return t.value()

    def warnings(self) -> List[str]:
        """The warnings of the last run (list of str)."""
        return [_ffi.decode(F.tier_pipeline_warning(self._p, i))
                for i in range(F.tier_pipeline_warning_count(self._p))]

    def _describe(self) -> List[Tuple[str, Any]]:
        facts: List[Tuple[str, Any]] = []
        for key in ("input", "policy", "out"):
            try:
                value = self.get(key)
            except _ffi.TierError:
                continue
            if value:
                facts.append((key, value))
        facts.append(("runs", self._runs))
        if self._runs:
            facts += [("customers", self.customer_count()), ("models", self.model_names())]
        return facts

    def model_names(self) -> List[str]:
        """The names of the models of the last run, in run order."""
        return [_ffi.decode(F.tier_model_name(F.tier_pipeline_model(self._p, i)))
                for i in range(F.tier_pipeline_model_count(self._p))]

    def customer_count(self) -> int:
        """Customers of the last run."""
        book = F.tier_pipeline_book(self._p)
        return int(F.tier_book_customer_count(book)) if book else 0

