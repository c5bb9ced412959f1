# SPDX-License-Identifier: MIT
"""Tier policies: policy files (docs/policy-format.md), the built-in policies, and the builder
calls of 0.1 (ordered tiers, rules and conditions)."""

import numbers
import os
import re
from ctypes import byref, c_char_p, c_int, c_size_t
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple, Union

from . import _ffi
from ._ffi import F
from ._handle import Handle

__all__ = ["Policy", "LintFinding"]

class LintFinding(NamedTuple):
    """One line of Policy.lint(): where (origin, line, column: 1-based), "error" or "warning",
    the text, and the name of the check ("" when the line names none)."""

    origin: str
    line: int
    column: int
    severity: str
    message: str
    check: str

_FINDING = re.compile(r"^(.*):(\d+):(\d+): (error|warning): (.*?)(?: \[([A-Za-z0-9_.-]+)\])?$")


#: A tier given by its index or its name.
TierKey = Union[int, str, bytes]


def _path(path: Union[str, bytes, "os.PathLike[str]"]) -> bytes:
    return os.fsencode(path) if isinstance(path, os.PathLike) else _ffi.encode(path, "path")


def _value(ptr: Any) -> Any:
    """A tier_value as float, str or list of str (None when it holds nothing)."""
    kind = F.tier_value_get_type(ptr)
    if kind == _ffi.OPTION_NUMBER:
        return F.tier_value_number(ptr)
    if kind == _ffi.OPTION_TEXT:
        return _ffi.decode(F.tier_value_text(ptr))
    if kind == _ffi.OPTION_LIST:
        return _ffi.names(F.tier_value_list_count, F.tier_value_list_item, ptr)
    return None


class _Value:
    """A scratch tier_value."""

    def __enter__(self) -> Any:
        self.ptr = _ffi.value_p()
        F.tier_value_new(byref(self.ptr), None)
        return self.ptr

    def __exit__(self, *exc: object) -> None:
        F.tier_value_free(self.ptr)


class Policy(Handle):
    """An ordered list of tiers with rules; the first tier with a rule that holds wins.

    >>> p = Policy()
    >>> gold = p.add_tier("gold")
    >>> rule = p.add_rule(gold, "big spender")
    >>> p.where(rule, "rfm.m_score", ">=", 4).where(rule, "rfm.segment", "==", "champions")
    """

    _free = staticmethod(F.tier_policy_free)

    def __init__(self, _ptr: Any = None) -> None:
        if _ptr is None:
            _ptr = _ffi.policy_p()
            F.tier_policy_new(byref(_ptr), None)
        self._adopt(_ptr)

    @classmethod
    def default(cls, name: Optional[str] = "b2b-sabc") -> "Policy":
        """A built-in policy by name (docs/policies.md; Policy.builtins() lists them): the
        default "b2b-sabc" is S/A/B/C by trailing 12-month revenue; "pareto-sabc" is the scheme
        0.1 called "b2b-sabc" (Pareto classes and RFM scores)."""
        ptr = _ffi.policy_p()
        F.tier_policy_new_builtin(byref(ptr), _ffi.encode_name(name or None), None)
        return cls(ptr)

    builtin = default

    @staticmethod
    def builtins() -> List[str]:
        """The names of the built-in policies, in the order ``tier policies`` lists them."""
        return [_ffi.decode(F.tier_policy_builtin_name(i))
                for i in range(F.tier_policy_builtin_count())]

    @staticmethod
    def builtin_text(name: str) -> str:
        """The policy file text of a built-in policy (KeyError for an unknown name)."""
        raw = F.tier_policy_builtin_text(_ffi.encode(name, "policy name"))
        if raw is None:
            raise KeyError("no built-in policy %r (%s)" % (name, ", ".join(Policy.builtins())))
        return str(raw.decode("utf-8"))

    @classmethod
    def from_string(cls, text: Union[str, bytes], origin: Optional[str] = None) -> "Policy":
        """A policy from policy text (str or bytes); `origin` names it in messages
        ("<string>" by default). TierError (TIER_EPARSE, "ORIGIN:LINE:COL: ...") when it does not
        load."""
        policy = cls()
        with policy._closed_on_error():
            policy.load_string(text, origin)
        return policy

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "Policy":
        """A policy from a policy file; messages name the path."""
        policy = cls()
        with policy._closed_on_error():
            policy.load_file(path)
        return policy

    def load_string(self, text: Union[str, bytes], origin: Optional[str] = None) -> "Policy":
        """Replaces the whole policy with the one in `text` (all or nothing)."""
        raw = text if isinstance(text, bytes) else str(text).encode("utf-8", "surrogateescape")
        F.tier_policy_load_string(self._p, raw, len(raw),
                                  None if origin is None else _path(origin))
        return self

    def load_file(self, path: Union[str, "os.PathLike[str]"]) -> "Policy":
        """Replaces the whole policy with the one in the file `path` (all or nothing)."""
        F.tier_policy_load_file(self._p, _path(path), None)
        return self

    @property
    def name(self) -> str:
        """The policy's `name` ("" when it has none)."""
        return _ffi.decode(F.tier_policy_name(self._p)) or ""

    @property
    def description(self) -> str:
        """The policy's `description` ("" when it has none)."""
        return _ffi.decode(F.tier_policy_description(self._p)) or ""

    def models(self) -> List[Dict[str, Any]]:
        """The models the policy declares: [{"name", "kind", "options": {name: value}}]."""
        out = []
        for i in range(F.tier_policy_model_count(self._p)):
            name, kind, nopt = c_char_p(), c_char_p(), c_size_t()
            F.tier_policy_model(self._p, i, byref(name), byref(kind), byref(nopt))
            options: Dict[str, Any] = {}
            for j in range(nopt.value):
                oname = c_char_p()
                with _Value() as v:
                    F.tier_policy_model_option(self._p, i, j, byref(oname), v)
                    options[_ffi.decode(oname.value) or ""] = _value(v)
            out.append({"name": _ffi.decode(name.value), "kind": _ffi.decode(kind.value),
                        "options": options})
        return out

    @property
    def entitlements(self) -> Dict[str, Any]:
        """The declared entitlements in order: {name: "number" | "text" | "bool"}."""
        types = {code: name for name, code in _ffi.ENTITLEMENT_TYPES.items()}
        out: Dict[str, Any] = {}
        for k in range(F.tier_policy_entitlement_count(self._p)):
            kind = c_int()
            name = F.tier_policy_entitlement_name(self._p, k, byref(kind))
            out[_ffi.decode(name)] = types.get(kind.value, kind.value)
        return out

    def entitlement(self, tier: TierKey, key: str) -> Any:
        """The value of entitlement `key` for a tier (index or name): a float, str or bool, or
        None when the tier does not set it. KeyError for an undeclared key."""
        kinds = self.entitlements
        if key not in kinds:
            raise KeyError("no entitlement %r (%s)" % (key, ", ".join(kinds)))
        with _Value() as v:
            try:
                F.tier_policy_entitlement(self._p, _ffi.index_of(tier, self.tiers),
                                          _ffi.encode(key, "entitlement"), v)
            except _ffi.TierError as exc:
                if exc.name == "TIER_ENOTFOUND":
                    return None
                raise
            value = _value(v)
        return bool(value) if kinds[key] == "bool" else value

    def lint(self, registry: Any = None) -> List[LintFinding]:
        """Checks the policy (tier_policy_lint) against the built-in model kinds and those of
        `registry`: a list of LintFinding, errors and warnings in the order found."""
        errors, warnings = c_size_t(), c_size_t()
        with _ffi.Text() as text:
            F.tier_policy_lint(self._p, registry._p if registry is not None else None, text.ptr,
                               byref(errors), byref(warnings))
            report = text.value()
        findings = []
        for line in report.splitlines():
            m = _FINDING.match(line)
            if m:
                findings.append(LintFinding(m.group(1), int(m.group(2)), int(m.group(3)),
                                            m.group(4), m.group(5), m.group(6) or ""))
            elif line.strip():
                findings.append(LintFinding("", 0, 0, "error" if "error" in line else "warning",
                                            line, ""))
        return findings

    def add_tier(self, name: Union[str, bytes]) -> int:
        """Appends a tier; returns its index."""
        out = c_size_t()
        F.tier_policy_add_tier(self._p, _ffi.encode(name, "tier name"), byref(out))
        return int(out.value)

    def add_rule(self, tier: TierKey, name: Union[str, bytes]) -> int:
        """Appends a rule (its name is the reason reported) to a tier given by index or name;
        returns the rule's index."""
        out = c_size_t()
        F.tier_policy_add_rule(self._p, _ffi.index_of(tier, self.tiers),
                               _ffi.encode(name, "rule name"), byref(out))
        return int(out.value)

    def where(self, rule: int, column: Union[str, bytes], op: str,
              value: Union[str, bytes, float]) -> "Policy":
        """Adds ``column op value`` to a rule. A str value compares labels/text (== and != only),
        a number compares numbers. Returns the policy, so calls chain."""
        code = _ffi.operator(op)
        col = _ffi.encode(column, "column")
        if isinstance(value, (str, bytes)):
            F.tier_policy_where_label(self._p, int(rule), col, code, _ffi.encode(value))
        elif isinstance(value, numbers.Real):
            F.tier_policy_where_number(self._p, int(rule), col, code, float(value))
        else:
            raise TypeError("a condition compares with a number or a str, not %s"
                            % type(value).__name__)
        return self

    def tiers(self) -> List[str]:
        """The tier names in policy order (the first is the top tier)."""
        return _ffi.names(F.tier_policy_tier_count, F.tier_policy_tier_name, self._p)

    def rules(self) -> List[str]:
        """The names of every rule of the policy, in policy order."""
        return _ffi.names(F.tier_policy_rule_count, F.tier_policy_rule_name, self._p)

    def describe(self) -> str:
        """The policy as text (tier_policy_describe): for a loaded policy its canonical policy
        file text."""
        with _ffi.Text() as text:
            F.tier_policy_describe(self._p, text.ptr)
            return text.value()

    def _describe(self) -> List[Tuple[str, Any]]:
        facts: List[Tuple[str, Any]] = [("name", self.name or "(unnamed)"),
                                        ("tiers", self.tiers())]
        if self.description:
            facts.append(("description", self.description))
        if self.entitlements:
            facts.append(("entitlements", sorted(self.entitlements)))
        return facts

    def __repr__(self) -> str:
        if self.closed:
            return "<Policy closed>"
        if self.name:
            return "<Policy %r tiers=%r>" % (self.name, self.tiers())
        return "<Policy tiers=%r>" % (self.tiers(),)
