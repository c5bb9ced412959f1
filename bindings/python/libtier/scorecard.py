# SPDX-License-Identifier: MIT
"""The built-in value scorecard (scorecard.h, docs/scorecard.md)."""

import math
from ctypes import byref, c_double, c_size_t
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _ffi
from ._ffi import F
from .models import Model

__all__ = ["Scorecard"]

GRADES = ("A", "B", "C", "D", "E")

#: A factor given by its index or name.
FactorKey = Union[int, str, bytes]


def _key(table: Dict[str, int], value: Union[str, int], what: str) -> int:
    """The ABI value of a named choice (an int passes through)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return table[str(value)]
    except (KeyError, TypeError):
        raise ValueError("%s must be one of %s, not %r" % (what, ", ".join(table), value)) \
            from None


def _cap(value: Optional[float]) -> float:
    return math.nan if value is None else float(value)


class Scorecard(Model):
    """A value scorecard: factors whose weights sum to 100, penalties, vetoes, grades A-E.

    ``Scorecard(name="scorecard", grade_bands=None)`` makes an empty card;
    ``Scorecard.b2b(name="scorecard")`` the built-in B2B default of docs/scorecard.md.
    Outputs: ``score``, ``explicit``, ``potential``, ``growth``, ``capped`` (numbers) and
    ``grade`` (label A..E).

    Choices are given by name: group "explicit" / "potential" / "growth"; normalisation
    "percentile" / "minmax" / "bands" / "boolean"; direction "higher" / "lower" (is better);
    missing "reweight" (drop and re-weight) / "impute" / "zero".
    """

    groups = tuple(_ffi.SCORECARD_GROUPS)
    normalisations = tuple(_ffi.SCORECARD_NORMS)
    directions = tuple(_ffi.SCORECARD_DIRECTIONS)
    missing_policies = tuple(_ffi.SCORECARD_MISSING)

    def __init__(self, name: str = "scorecard", grade_bands: Optional[Iterable[float]] = None,
                 _builtin: Optional[str] = None) -> None:
        self._make(F.tier_scorecard_new_b2b if _builtin == "b2b" else F.tier_scorecard_new, name)
        with self._closed_on_error():
            if grade_bands is not None:
                self.set_grade_bands(grade_bands)

    @classmethod
    def b2b(cls, name: str = "scorecard",
            grade_bands: Optional[Iterable[float]] = None) -> "Scorecard":
        """The built-in B2B default card (tier_scorecard_new_b2b): it reads the attributes of
        examples/data/b2b_accounts.csv and the column "rfm.m" (run an RFM model named "rfm"
        first)."""
        return cls(name, grade_bands, _builtin="b2b")

    # --- factors --------------------------------------------------------------------------

    def add_factor(self, name: str, column: str, weight: float,
                   group: Union[str, int] = "explicit",
                   normalisation: Union[str, int] = "percentile",
                   direction: Union[str, int] = "higher", missing: Union[str, int] = "reweight",
                   caps: Optional[Tuple[Optional[float], Optional[float]]] = None,
                   bands: Optional[Tuple[Sequence[float], Sequence[float]]] = None,
                   impute: Optional[float] = None) -> int:
        """Appends a factor and returns its index.

        `column` is "attr.NAME" (a numeric book attribute) or a number column of an earlier
        model ("rfm.m"). Optional settings in the same call: ``caps=(lo, hi)`` for a min-max
        factor (None for a fitted cap), ``bands=(edges, fractions)`` for a bands factor and
        ``impute=value`` for an impute factor. These are applied after the factor is added: if
        one fails, the factor stays (without that setting) and the TierError says why.
        """
        out = c_size_t()
        F.tier_scorecard_add_factor(
            self._p, _ffi.encode(name, "factor name"), _ffi.encode(column, "column"),
            float(weight), _key(_ffi.SCORECARD_GROUPS, group, "group"),
            _key(_ffi.SCORECARD_NORMS, normalisation, "normalisation"),
            _key(_ffi.SCORECARD_DIRECTIONS, direction, "direction"),
            _key(_ffi.SCORECARD_MISSING, missing, "missing"), byref(out))
        index = int(out.value)
        if caps is not None:
            self.set_caps(index, *caps)
        if bands is not None:
            self.set_bands(index, *bands)
        if impute is not None:
            self.set_impute(index, impute)
        return index

    def factors(self) -> List[str]:
        """The factor names, in order."""
        return _ffi.names(F.tier_scorecard_factor_count, F.tier_scorecard_factor_name, self._p)

    def factor_count(self) -> int:
        """The number of factors of the scorecard."""
        return int(F.tier_scorecard_factor_count(self._p))

    def _factor(self, factor: FactorKey) -> int:
        return _ffi.index_of(factor, self.factors)

    def set_caps(self, factor: FactorKey, lo: Optional[float] = None,
                 hi: Optional[float] = None) -> "Scorecard":
        """Caps of a min-max factor (by index or name); None = the fitted minimum / maximum."""
        F.tier_scorecard_set_caps(self._p, self._factor(factor), _cap(lo), _cap(hi))
        return self

    def set_bands(self, factor: FactorKey, edges: Iterable[float],
                  fractions: Iterable[float]) -> "Scorecard":
        """Bands of a bands factor: n ascending edges and n+1 fractions in [0, 1]; value x earns
        fractions[number of edges <= x] of the weight."""
        edge_list = [float(x) for x in edges]
        fraction_list = [float(x) for x in fractions]
        if len(fraction_list) != len(edge_list) + 1:
            raise ValueError("%d edges need %d fractions, not %d"
                             % (len(edge_list), len(edge_list) + 1, len(fraction_list)))
        e = (c_double * max(len(edge_list), 1))(*edge_list)
        f = (c_double * len(fraction_list))(*fraction_list)
        F.tier_scorecard_set_bands(self._p, self._factor(factor), e, len(edge_list), f)
        return self

    def set_impute(self, factor: FactorKey, value: Optional[float] = None) -> "Scorecard":
        """The stand-in value of an impute factor; None = the fitted median."""
        F.tier_scorecard_set_impute(self._p, self._factor(factor), _cap(value))
        return self

    # --- negative factors and grades -------------------------------------------------------

    def add_penalty(self, name: str, column: str, op: str, threshold: float,
                    points: float) -> "Scorecard":
        """When ``column op threshold`` holds, adds `points` (in [-100, 0)) to the score."""
        F.tier_scorecard_add_penalty(self._p, _ffi.encode(name, "penalty name"),
                                     _ffi.encode(column, "column"), _ffi.operator(op),
                                     float(threshold), float(points))
        return self

    def add_veto(self, name: str, column: str, op: str, threshold: float,
                 max_grade: str) -> "Scorecard":
        """When ``column op threshold`` holds, the grade is at most `max_grade` ("A".."E")."""
        F.tier_scorecard_add_veto(self._p, _ffi.encode(name, "veto name"),
                                  _ffi.encode(column, "column"), _ffi.operator(op),
                                  float(threshold), _ffi.encode(max_grade, "grade"))
        return self

    def set_grade_bands(self, lower: Iterable[float]) -> "Scorecard":
        """The lowest score of grades A, B, C and D (four non-increasing numbers in [0, 100]);
        lower scores are E. The default is (80, 65, 50, 35)."""
        bounds = [float(x) for x in lower]
        if len(bounds) != 4:
            raise ValueError("grade bands are 4 numbers (lowest score of A, B, C, D), not %d"
                             % len(bounds))
        F.tier_scorecard_set_grade_bands(self._p, (c_double * 4)(*bounds))
        return self


Model._kinds["scorecard"] = Scorecard
