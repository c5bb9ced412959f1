# SPDX-License-Identifier: MIT
"""Frames: per-customer columns of numbers or labels."""

import ctypes
from ctypes import byref, c_size_t
from typing import Any, Dict, List, Optional, Tuple, Union

from . import _ffi
from ._ffi import F
from ._handle import Handle

try:
    import numpy as np
except ImportError:
    np = None  # type: ignore[assignment]

__all__ = ["Frame"]

#: A column by full name ("rfm.r_score") or position.
ColumnKey = Union[str, int]


class Frame(Handle):
    """A table of named per-customer columns.

    ``Frame(rows)`` makes an owned, empty frame; a Result hands out a borrowed one (which stays
    valid while the result lives and is not rerun). Number columns come back as NumPy float64
    copies when NumPy is installed, else as lists; label columns as lists of str (None = missing).
    """

    _free = staticmethod(F.tier_frame_free)

    def __init__(self, rows: int = 0, _borrowed: Any = None, _owner: Any = None) -> None:
        if _borrowed is not None:
            self._ptr = _borrowed
            self._owner = _owner  # keeps the parent (and so the pointer) alive
            return
        ptr = _ffi.frame_p()
        F.tier_frame_new(byref(ptr), int(rows), None)
        self._adopt(ptr)

    def _describe(self) -> List[Tuple[str, Any]]:
        return [("rows", self.rows()), ("columns", self.columns())]

    def close(self) -> None:
        """Frees an owned frame (a borrowed one is only forgotten); safe to call twice."""
        if self._finalizer is None:  # borrowed: forget, never free
            self._ptr = None
            self._owner = None
            return
        super().close()

    def rows(self) -> int:
        """The number of rows (customers)."""
        return int(F.tier_frame_rows(self._p))

    def last_error(self) -> str:
        """The text of the last failure on this frame ("" when none)."""
        return _ffi.decode(F.tier_frame_last_error(self._p)) or ""

    def set_error(self, text: Union[str, bytes]) -> None:
        """Sets the frame's error text (tier_frame_set_error): what a model's score step reports
        as the reason of its failure."""
        F.tier_frame_set_error(self._p, _ffi.encode(text, "error text"))

    def __len__(self) -> int:
        return self.rows()

    def columns(self) -> List[str]:
        """Full column names in order ("rfm.r_score", ...)."""
        return _ffi.names(F.tier_frame_column_count, F.tier_frame_column_name, self._p)

    def _col(self, name: ColumnKey) -> int:
        if isinstance(name, int):
            return name
        out = c_size_t()
        if F.tier_frame_find(self._p, _ffi.encode(name, "column"), byref(out)) != 0:
            raise KeyError(name)
        return out.value

    def column_type(self, name: ColumnKey) -> Optional[str]:
        """"number" or "label"."""
        t = F.tier_frame_column_type(self._p, self._col(name))
        return {_ffi.VALUE_NUMBER: "number", _ffi.VALUE_LABEL: "label"}.get(t)

    def labels_of(self, name: ColumnKey) -> List[str]:
        """The label texts of a label column, indexed by code."""
        return _ffi.names(F.tier_frame_label_count, F.tier_frame_label_text, self._p,
                          self._col(name))

    def _copy(self, name: ColumnKey, storage: Any, ctype: Any, holds: str) -> Any:
        """A copy of a column's storage (``storage(frame, col)``, NULL when the column holds
        `holds` instead): a NumPy array of `ctype`'s dtype, or a list without NumPy."""
        p = self._p
        n = F.tier_frame_rows(p)
        ptr = storage(p, self._col(name))
        if not ptr:
            raise TypeError("column %r holds %s, not %s"
                            % (name, holds, "numbers" if holds == "labels" else "labels"))
        if np is not None:
            if n == 0:
                return np.zeros(0, dtype=np.dtype(ctype))
            return np.ctypeslib.as_array(ptr, shape=(n,)).copy()
        return list(ctypes.cast(ptr, ctypes.POINTER(ctype * n)).contents) if n else []

    def numbers(self, name: ColumnKey) -> Any:
        """The values of a number column as float64 (NaN = missing)."""
        return self._copy(name, F.tier_frame_numbers, ctypes.c_double, "labels")

    def codes(self, name: ColumnKey) -> Any:
        """The raw int32 codes of a label column (-1 = missing)."""
        return self._copy(name, F.tier_frame_labels, ctypes.c_int32, "numbers")

    def labels(self, name: ColumnKey) -> List[Optional[str]]:
        """A label column as a list of str (None = missing)."""
        texts = self.labels_of(name)
        return [texts[c] if c >= 0 else None for c in self.codes(name)]

    def column(self, name: ColumnKey) -> Any:
        """A column's values: numbers (NumPy array or list) or labels (list of str/None)."""
        if self.column_type(name) == "label":
            return self.labels(name)
        return self.numbers(name)

    def __getitem__(self, name: ColumnKey) -> Any:
        return self.column(name)

    def to_dict(self) -> Dict[str, Any]:
        """{column name: values} of every column."""
        return {name: self.column(name) for name in self.columns()}

    def to_dataframe(self, index: Any = None) -> Any:
        """A pandas DataFrame of every column (labels as str, missing as None; numbers as
        float64, missing as NaN); `index` (e.g. the book's customer ids) labels the rows."""
        import pandas as pd
        data = {name: self.column(name) for name in self.columns()}
        return pd.DataFrame(data, index=index, columns=list(data))
