# SPDX-License-Identifier: MIT
"""The package's DataFrame conventions (docs/python.md, "DataFrames"), in one place.

- Results are indexed by customer id (index name ``customer_id``).
- ``tier`` is an ordered Categorical whose categories are the policy's tiers in policy order
  (the first tier is the "highest": ``df.sort_values("tier")`` lists the top tier first, and
  ``df.tier < "B"``... compare by that order).
- Integer outputs of the built-in models (INTEGER_OUTPUTS) are ``int64``, or the nullable
  ``Int64`` when some customer has no value; other numbers are ``float64`` (NaN = missing).
- Label columns are Categoricals of their label texts (missing = NaN).
- Column names are made usable in ``df.query``: :func:`query_name` ("rfm.r_score" ->
  "rfm_r_score"); ``names="original"`` keeps the library's dotted names, and
  ``Result.column_names()`` gives the mapping.
"""

import keyword
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence

#: Outputs of the built-in models that are whole numbers by definition, by model kind.
INTEGER_OUTPUTS: Dict[str, "frozenset[str]"] = {
    "rfm": frozenset({"r", "f", "tenure", "r_score", "f_score", "m_score"}),
    "clv": frozenset({"x"}),
    "lifecycle": frozenset({"inactive_days", "tenure_days"}),
}


def query_name(name: str) -> str:
    """A column name usable as a bare name in ``DataFrame.query``: every character that is not
    a letter, digit or underscore becomes "_" ("rfm.r_score" -> "rfm_r_score",
    "attr.plan-size" -> "attr_plan_size"); a leading digit or a Python keyword gets a "_"
    in front."""
    out = re.sub(r"\W", "_", name)
    if not out or out[0].isdigit() or keyword.iskeyword(out):
        out = "_" + out
    return out


def query_names(names: Iterable[str]) -> Dict[str, str]:
    """{original: query name} for `names`; a query name that two originals would share gets the
    suffix _2, _3... in column order, so the mapping is one to one."""
    out: Dict[str, str] = {}
    taken = set()
    for name in names:
        base = q = query_name(name)
        k = 2
        while q in taken:
            q = "%s_%d" % (base, k)
            k += 1
        taken.add(q)
        out[name] = q
    return out


def integer_columns(models: Sequence[Any]) -> "set[str]":
    """The full column names ("rfm.r_score") of INTEGER_OUTPUTS for the given models (by each
    model's kind, under its own name)."""
    cols: "set[str]" = set()
    for m in models:
        try:
            kind, name = m.kind, m.name
        except Exception:
            continue
        for out in INTEGER_OUTPUTS.get(kind, ()):
            cols.add("%s.%s" % (name, out))
    return cols


def integers(values: Any) -> Any:
    """float64 values that are whole numbers as int64, or nullable Int64 when some are NaN."""
    import numpy as np
    import pandas as pd
    a = np.asarray(values, dtype=np.float64)
    miss = np.isnan(a)
    if not miss.any():
        return a.astype(np.int64)
    return pd.arrays.IntegerArray(np.where(miss, 0, a).astype(np.int64), miss)


def labels(codes: Any, texts: List[str], ordered: bool = False) -> Any:
    """A pandas Categorical from int32 codes (-1 = missing) and the label texts."""
    import numpy as np
    import pandas as pd
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=texts,
                                     ordered=ordered)


def tiers(codes: Any, names: List[str]) -> Any:
    """The tier column: an ordered Categorical in policy order (-1 = no tier = NaN)."""
    return labels(codes, names, ordered=True)


def index(ids: List[str], name: Optional[str] = "customer_id") -> Any:
    """The customer-id index of every per-customer DataFrame."""
    import pandas as pd
    return pd.Index(ids, dtype=object, name=name)
