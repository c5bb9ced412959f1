# SPDX-License-Identifier: MIT
"""Tier policies: ordered tiers, rules and conditions."""

import numbers
from ctypes import byref, c_size_t

from . import _ffi
from ._ffi import F
from ._handle import Handle

__all__ = ["Policy"]


class Policy(Handle):
    """An ordered list of tiers with rules; the first tier with a rule that holds wins.

    >>> p = Policy()
    >>> gold = p.add_tier("gold")
    >>> rule = p.add_rule(gold, "big spender")
    >>> p.where(rule, "rfm.m_score", ">=", 4).where(rule, "rfm.segment", "==", "champions")
    """

    _free = staticmethod(F.tier_policy_free)

    def __init__(self, _ptr=None):
        if _ptr is None:
            _ptr = _ffi.policy_p()
            F.tier_policy_new(byref(_ptr), None)
        self._adopt(_ptr)

    @classmethod
    def default(cls, name="b2b-sabc"):
        """A built-in policy ("b2b-sabc": S/A/B/C over the rfm and pareto models)."""
        ptr = _ffi.policy_p()
        F.tier_policy_new_builtin(byref(ptr), _ffi.encode_name(name or None), None)
        return cls(ptr)

    builtin = default

    def add_tier(self, name):
        """Appends a tier; returns its index."""
        out = c_size_t()
        F.tier_policy_add_tier(self._p, _ffi.encode(name, "tier name"), byref(out))
        return out.value

    def add_rule(self, tier, name):
        """Appends a rule (its name is the reason reported) to a tier given by index or name;
        returns the rule's index."""
        out = c_size_t()
        F.tier_policy_add_rule(self._p, _ffi.index_of(tier, self.tiers),
                               _ffi.encode(name, "rule name"), byref(out))
        return out.value

    def where(self, rule, column, op, value):
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

    def tiers(self):
        return _ffi.names(F.tier_policy_tier_count, F.tier_policy_tier_name, self._p)

    def rules(self):
        return _ffi.names(F.tier_policy_rule_count, F.tier_policy_rule_name, self._p)

    def describe(self):
        """A readable description of the tiers, rules and conditions."""
        with _ffi.Text() as text:
            F.tier_policy_describe(self._p, text.ptr)
            return text.value()

    def __repr__(self):
        if self.closed:
            return "<Policy closed>"
        return "<Policy tiers=%r>" % (self.tiers(),)
