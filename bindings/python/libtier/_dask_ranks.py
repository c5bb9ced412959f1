# SPDX-License-Identifier: MIT
"""Population ranks on Dask (docs/distributed.md, "Ranks"): the scorecard's fit and pct_rank().

Both need, for every value a part holds, how many values of the whole population lie below it
and how many equal it (and the population's size). That is computed by one distributed
algorithm, :func:`rank_counts`, without collecting the values in one process:

1. each part gives a table of its distinct values with their counts (one row a distinct value);
2. the rows of every part are range partitioned by value (``set_index``: a distributed sort);
3. each range sums its counts per value (the values equal to one value meet in one range), and
   its total per list; the driver takes an exclusive scan of the ranges' totals (a number a range
   and list);
4. each range gives every row its value's global count below (the scan's offset plus the counts
   of the range before it) and equal, and the rows go back to their parts (``set_index`` on the
   part number, one partition a part).

A scorecard is then fitted per part: the part's model holds the global minimum, maximum and
median of each factor (the order statistics, read off the ranges) and, for a percentile factor,
a partial reference (``factor.equal``, docs/scorecard.md) of the part's own values with the
global counts. Every customer scores as in one process.
"""

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import dask as _dask
import dask.dataframe as _dd

from . import _ffi
from ._parts import Blob, Part, new_model

__all__ = ["rank_counts", "RankCounts", "fit_scorecards", "scorecard_tables"]

#: A Dask Delayed (Any to the type checker).
Delayed = Any
dask: Any = _dask
dd: Any = _dd

_NO_VALUE = "no customer has a value in"


def _fail(status: int, message: str) -> _ffi.TierError:
    """A libtier.Error with `status`."""
    return _ffi.TierError(status, _ffi._STATUS_NAMES.get(status, "TIER_ERROR"), message)


# ---- the distributed counts ---------------------------------------------------------------------

class RankCounts:
    """What :func:`rank_counts` gives: per part a pandas frame (list, value, below, equal) of the
    part's own values with their global counts (Delayed, on the workers); per list the
    population's size; the values at the order statistics asked for."""

    def __init__(self, parts: List[Delayed], n: Dict[int, int],
                 at: Dict[Tuple[int, int], float]) -> None:
        self.parts = parts
        self.n = n
        self.at = at


def _meta(dtype: str) -> Any:
    """The empty frame of a part's table: list number, value (of `dtype`) and count (per
    distinct value), part number."""
    import numpy as np
    import pandas as pd
    return pd.DataFrame({"list": np.zeros(0, np.int64), "value": np.zeros(0, dtype),
                         "count": np.zeros(0, np.int64), "part": np.zeros(0, np.int64)})


def _counted_meta(dtype: str) -> Any:
    """The empty frame of counted rows: part, list, value (of `dtype`), below, equal."""
    import numpy as np
    import pandas as pd
    return pd.DataFrame({"part": np.zeros(0, np.int64), "list": np.zeros(0, np.int64),
                         "value": np.zeros(0, dtype), "below": np.zeros(0, np.int64),
                         "equal": np.zeros(0, np.int64)})


def _tagged(table: Any, part: int) -> Any:
    """A part's table with its part number."""
    out = table.copy()
    out["part"] = part
    return out[["list", "value", "count", "part"]]


def _range_totals(df: Any) -> Dict[int, int]:
    """A range's total count of each list."""
    return {int(k): int(v) for k, v in df.groupby("list")["count"].sum().items()}


def _range_counts(df: Any, offsets: Dict[int, int], dtype: str) -> Any:
    """Every row of a range with its value's global count below (the offset of the ranges
    before it plus this range's counts below the value) and equal."""
    import numpy as np
    df = df.reset_index()
    if not len(df):
        return _counted_meta(dtype)
    eq = df.groupby(["list", "value"], sort=True)["count"].sum().reset_index(name="equal")
    before = eq.groupby("list")["equal"].cumsum() - eq["equal"]
    eq["below"] = before + eq["list"].map(lambda k: offsets.get(int(k), 0)).astype(np.int64)
    out = df[["part", "list", "value"]].merge(eq, on=["list", "value"], how="left")
    return out[["part", "list", "value", "below", "equal"]]


def _range_hits(df: Any, ranks: Dict[int, List[int]]) -> List[Tuple[int, int, float]]:
    """The (list, rank, value) of every rank asked for that falls on a value of this range."""
    out = []
    eq = df.drop_duplicates(["list", "value"])
    for key, wanted in ranks.items():
        mine = eq[eq["list"] == key]
        if not len(mine):
            continue
        below = mine["below"].to_numpy()
        equal = mine["equal"].to_numpy()
        values = mine["value"].to_numpy()
        for r in wanted:
            hit = (below <= r) & (r < below + equal)
            for i in hit.nonzero()[0]:
                out.append((key, r, float(values[i])))
    return out


def _part_rows(df: Any) -> Any:
    """A part's rows back from the shuffle, sorted by list and value."""
    return df.reset_index().sort_values(["list", "value"], kind="mergesort")[
        ["list", "value", "below", "equal"]].reset_index(drop=True)


def rank_counts(tables: Sequence[Delayed], ranks: Optional[Dict[int, List[int]]] = None,
                dtype: str = "float64") -> RankCounts:
    """The global counts below and equal of every part's distinct values, per list.

    `tables`: one Delayed pandas frame a part with the columns list (int), value (`dtype`:
    float64 without NaN, or int64) and count (int, > 0), one row per list and distinct value of
    the part.
    `ranks`: {list: [0-based ranks]}: the values at those order statistics of the population
    (ascending) are found on the way. Communication: every row twice through a shuffle (to its
    range, back to its part), a number per range and list to the driver, the values at the
    ranks; never a list in one process."""
    ranks = ranks or {}
    nparts = len(tables)
    ddf = dd.from_delayed([dask.delayed(_tagged)(t, i) for i, t in enumerate(tables)],
                          meta=_meta(dtype), verify_meta=False)
    ranged = ddf.set_index("value", npartitions=max(1, nparts), shuffle="tasks")
    pieces = ranged.to_delayed()
    totals = dask.compute(*[dask.delayed(_range_totals)(p) for p in pieces])
    n: Dict[int, int] = {}
    offsets: List[Dict[int, int]] = []
    for t in totals:
        offsets.append(dict(n))
        for k, v in t.items():
            n[k] = n.get(k, 0) + v
    counted = list(dask.persist(*[dask.delayed(_range_counts)(p, o, dtype)
                                  for p, o in zip(pieces, offsets)]))
    at: Dict[Tuple[int, int], float] = {}
    if ranks:
        for hits in dask.compute(*[dask.delayed(_range_hits)(c, ranks) for c in counted]):
            for key, r, v in hits:
                at[(key, r)] = v
    back = dd.from_delayed(counted, meta=_counted_meta(dtype), verify_meta=False).set_index(
        "part", divisions=list(range(nparts)) + [nparts], shuffle="tasks")
    parts = [dask.delayed(_part_rows)(p) for p in back.to_delayed()]
    return RankCounts(list(dask.persist(*parts)), n, at)


def counts_at(table: Any, queries: Dict[int, List[float]]) -> Dict[Tuple[int, float], Tuple[int, int]]:
    """A part's own counts below and equal of a few values per list (mergeable: the driver adds
    the parts' answers)."""
    import numpy as np
    out = {}
    for key, values in queries.items():
        mine = table[table["list"] == key]
        v = mine["value"].to_numpy()
        c = np.concatenate([[0], np.cumsum(mine["count"].to_numpy(dtype=np.int64))])
        for x in values:
            lo = int(np.searchsorted(v, x, side="left"))
            hi = int(np.searchsorted(v, x, side="right"))
            out[(key, x)] = (int(c[lo]), int(c[hi] - c[lo]))
    return out


# ---- the scorecard ------------------------------------------------------------------------------

_FACTOR = re.compile(r'^factor ("(?:[^"\\]|\\.)*") ("(?:[^"\\]|\\.)*") (\S+) ("[a-z]+") ("[a-z]+") '
                     r'("[a-z]+") ("[a-z]+")$')


def _num(x: float) -> str:
    """A number of the model state format (docs/model-state-format.md): Python's shortest
    round-trip text, which the reader takes back to the same double."""
    return repr(float(x))


def _strip(state: str) -> str:
    """A saved scorecard without what its fit learnt (stats, references): its card."""
    keep = [ln for ln in state.split("\n")
            if not ln.startswith(("factor.stats ", "factor.reference ", "factor.equal ",
                                  "factor.below "))]
    return "\n".join(keep)


def _factors(card: str) -> List[Tuple[str, str, str]]:
    """(factor record, normalisation, missing) of each factor of a card."""
    out = []
    for ln in card.split("\n"):
        m = _FACTOR.match(ln)
        if m:
            out.append((ln, m.group(5).strip('"'), m.group(7).strip('"')))
    return out


def _one_factor(card: str, record: str) -> str:
    """A card of one factor (weight 100, percentile, no penalty nor veto): its fit gives the
    factor's distinct values and their counts."""
    m = _FACTOR.match(record)
    assert m is not None
    head = []
    for ln in card.split("\n"):
        if ln.startswith(("factor", "penalty ", "veto ", "end")):
            break
        head.append(ln)
    one = 'factor %s %s 100 "explicit" "percentile" "higher" "zero"' % (m.group(1), m.group(2))
    return "\n".join(head + [one, "end", ""])


def _read_numbers(state: str, key: str) -> List[float]:
    """The numbers of record `key` of a saved state (the first such record)."""
    for ln in state.split("\n"):
        if ln.startswith(key + " "):
            return [float(x) for x in ln.split(" ")[1:]]
    return []


def _models_before(part: Part, as_of: int, blobs: Dict[str, bytes], name: str) -> Tuple[Any, Any]:
    """The part's frame of the models before model `name` (fitted models from `blobs`, the
    others fitted on the part as one run fits them), and the model `name` new."""
    from .frame import Frame
    from .models import Model as _Model
    from ._parts import model_from_blob
    Model: Any = _Model
    frame = Frame(part.customer_count())
    try:
        for spec in part.config.models:
            if spec["name"] == name:
                return frame, Model.new(spec["kind"], spec["name"], **spec["options"])
            if spec["name"] in blobs:
                m = model_from_blob(blobs[spec["name"]])
            else:
                m = new_model(spec, as_of)
            with m:
                if not m.fitted:
                    m.fit(part.book, frame)
                m.score(part.book, frame)
    except BaseException:
        frame.close()
        raise
    frame.close()
    raise KeyError(name)


def scorecard_card(part: Part, as_of: int, blobs: Dict[str, bytes], name: str) -> Optional[str]:
    """The card of scorecard `name` as the part fits it (its saved state without what the fit
    learnt), or None when the part has no value of a factor that needs one (another part gives
    the card)."""
    frame, model = _models_before(part, as_of, blobs, name)
    try:
        try:
            model.fit(part.book, frame)
        except _ffi.TierError as exc:
            if exc.code == _ffi.EINVAL and _NO_VALUE in str(exc):
                return None
            raise
        return _strip(model.save())
    finally:
        model.close()
        frame.close()


def scorecard_tables(part: Part, as_of: int, blobs: Dict[str, bytes], name: str,
                     card: str) -> Any:
    """The part's table (list = factor index, value, count) of every factor's distinct values:
    each factor fitted alone as a percentile factor on the part."""
    import numpy as np
    import pandas as pd
    from .models import Model as _Model
    Model: Any = _Model
    frame, model = _models_before(part, as_of, blobs, name)
    rows: List[Any] = []
    try:
        model.close()
        for k, (record, _, _) in enumerate(_factors(card)):
            one = Model.new("scorecard", name)
            with one:
                one.load(_one_factor(card, record))
                try:
                    one.fit(part.book, frame)
                except _ffi.TierError as exc:
                    if exc.code == _ffi.EINVAL and _NO_VALUE in str(exc):
                        continue
                    raise
                state = one.save()
            values = np.array(_read_numbers(state, "factor.reference"), dtype=np.float64)
            below = np.array(_read_numbers(state, "factor.below"), dtype=np.int64)
            rows.append(pd.DataFrame({"list": np.full(len(values), k, np.int64),
                                      "value": values, "count": np.diff(below)}))
    finally:
        frame.close()
    if not rows:
        return pd.DataFrame({"list": np.zeros(0, np.int64), "value": np.zeros(0, np.float64),
                             "count": np.zeros(0, np.int64)})
    return pd.concat(rows, ignore_index=True)


def scorecard_state(card: str, name: str, counted: Any,
                    stats: Dict[int, Tuple[float, float, float]], n: Dict[int, int],
                    extra: Dict[int, List[Tuple[float, int, int]]]) -> bytes:
    """The part's fitted scorecard as a model blob: the card, each factor's global stats and,
    for a percentile factor, the partial reference of the part's own values (and `extra`: the
    global minimum, an imputed value) with their global counts below and equal, ending at the
    global n. Checked by the model's load like any saved state."""
    import numpy as np
    factors = _factors(card)
    lines = card.rstrip("\n").split("\n")
    assert lines[-1] == "end"
    out: List[str] = []
    k = -1

    def close_factor() -> None:
        if k < 0 or k not in stats:
            return
        lo, hi, med = stats[k]
        out.append("factor.stats %s %s %s" % (_num(lo), _num(hi), _num(med)))
        if factors[k][1] != "percentile":
            return
        mine = counted[counted["list"] == k]
        pairs = {float(v): (int(b), int(e)) for v, b, e in zip(
            mine["value"].to_numpy(), mine["below"].to_numpy(), mine["equal"].to_numpy())}
        for v, b, e in extra.get(k, []):
            pairs.setdefault(float(v), (b, e))
        values = np.array(sorted(pairs), dtype=np.float64)
        out.append("factor.reference " + " ".join(_num(v) for v in values))
        out.append("factor.equal " + " ".join("%d" % pairs[float(v)][1] for v in values))
        out.append("factor.below " + " ".join(["%d" % pairs[float(v)][0] for v in values]
                                              + ["%d" % n[k]]))

    for ln in lines[:-1]:
        if ln.startswith(("factor ", "penalty ", "veto ")):
            close_factor()
            k = k + 1 if ln.startswith("factor ") else len(factors)
        out.append(ln)
    close_factor()
    out.append("end")
    return Blob.pack("model", ["scorecard", name, "\n".join(out) + "\n"])


def _check_loads(blob: bytes) -> bytes:
    """The blob, once its state has loaded into a scorecard (every part's model is checked by
    the library as any saved state is)."""
    from ._parts import model_from_blob
    model_from_blob(blob).close()
    return blob


def fit_scorecards(parts: List[Delayed], as_of: int, models: List[Dict[str, Any]],
                   blobs: Dict[str, bytes]) -> Tuple[List[Delayed], int]:
    """Every scorecard of the policy fitted for each part (in the policy's order: a later model
    reads an earlier one's part model): per part a Delayed {name: model blob} with `blobs`, and
    the number of distributed-count rounds."""
    per_part: List[Delayed] = [dask.delayed(dict)(blobs) for _ in parts]
    rounds = 0
    for spec in models:
        if spec["kind"] != "scorecard":
            continue
        name = spec["name"]
        cards = dask.compute(*[dask.delayed(scorecard_card)(p, as_of, b, name)
                               for p, b in zip(parts, per_part)])
        card = next((c for c in cards if c is not None), None)
        if card is None:
            raise _fail(_ffi.EINVAL, "model %s (scorecard): no part could fit the card: a factor "
                        "has no value in any customer (tier run refuses it too)" % name)
        factors = _factors(card)
        tables = list(dask.persist(*[dask.delayed(scorecard_tables)(p, as_of, b, name, card)
                                     for p, b in zip(parts, per_part)]))
        # n per factor first (a count a part), then the ranks of the minimum, median, maximum.
        sizes = dask.compute(*[dask.delayed(_sizes)(t) for t in tables])
        n: Dict[int, int] = {}
        for s in sizes:
            for key, c in s.items():
                n[key] = n.get(key, 0) + c
        ranks = {k: sorted({0, (c - 1) // 2, c // 2, c - 1}) for k, c in n.items() if c > 0}
        counts = rank_counts(tables, ranks)
        rounds += 1
        stats: Dict[int, Tuple[float, float, float]] = {}
        for k, c in n.items():
            if c == 0:
                continue
            lo, hi = counts.at[(k, 0)], counts.at[(k, c - 1)]
            med = counts.at[(k, c // 2)] if c % 2 else (
                counts.at[(k, c // 2 - 1)] / 2 + counts.at[(k, c // 2)] / 2)
            stats[k] = (lo, hi, med)
        # Values a part's reference holds beyond its own: the minimum (a reference is never
        # empty), and a percentile factor's imputed value (its option, or the median).
        queries: Dict[int, List[float]] = {}
        for k, (_, norm, missing) in enumerate(factors):
            if norm != "percentile" or k not in stats:
                continue
            queries[k] = [stats[k][0]]
            if missing == "impute":
                imputed = _impute_of(card, k)
                queries[k].append(stats[k][2] if imputed is None else imputed)
        extra: Dict[int, List[Tuple[float, int, int]]] = {}
        if queries:
            sums: Dict[Tuple[int, float], Tuple[int, int]] = {}
            for part in dask.compute(*[dask.delayed(counts_at)(t, queries) for t in tables]):
                for q, (b, e) in part.items():
                    b0, e0 = sums.get(q, (0, 0))
                    sums[q] = (b0 + b, e0 + e)
            for (k, x), (b, e) in sums.items():
                extra.setdefault(k, []).append((x, b, e))
        blobs_k = [dask.delayed(_check_loads)(dask.delayed(scorecard_state)(
            card, name, c, stats, n, extra)) for c in counts.parts]
        per_part = list(dask.persist(*[dask.delayed(_with)(b, name, blob)
                                       for b, blob in zip(per_part, blobs_k)]))
    return per_part, rounds


def _sizes(table: Any) -> Dict[int, int]:
    """A part's count of values per list."""
    return {int(k): int(v) for k, v in table.groupby("list")["count"].sum().items()}


def _with(blobs: Dict[str, bytes], name: str, blob: bytes) -> Dict[str, bytes]:
    """`blobs` and model `name`'s blob."""
    out = dict(blobs)
    out[name] = blob
    return out


def _impute_of(card: str, k: int) -> Optional[float]:
    """Factor k's set imputed value (factor.impute), None when it is the fitted median."""
    k_at = -1
    for ln in card.split("\n"):
        if ln.startswith("factor "):
            k_at += 1
        elif k_at == k and ln.startswith("factor.impute "):
            v = float(ln.split(" ")[1])
            return None if v != v else v
    return None


# ---- pct_rank() ---------------------------------------------------------------------------------

_TOP = 1 << 63


def _rank_heads(g: Any) -> Dict[bytes, Tuple[int, int]]:
    """A part's pct_rank calls: per call its present values and a fingerprint of its values
    (a sum of a mix of each key times its count, mod 2^64: mergeable, to see the inputs of a pass
    repeat those of the one before)."""
    out = {}
    for key, (keys, counts) in g.ranks.items():
        mix = sum((int(k) * 0x9E3779B97F4A7C15 + 1) * int(c) for k, c in zip(keys, counts))
        out[key] = (int(counts.sum()), mix & ((1 << 64) - 1))
    return out


def _rank_table(g: Any, lists: Dict[bytes, int]) -> Any:
    """A part's table of pct_rank values: list number, the order key as an int64 in the same
    order (the top bit flipped), count."""
    import numpy as np
    import pandas as pd
    frames = []
    for key, k in lists.items():
        keys, counts = g.ranks.get(key, (np.zeros(0, np.uint64), np.zeros(0, np.int64)))
        frames.append(pd.DataFrame({
            "list": np.full(len(keys), k, np.int64),
            "value": (keys ^ np.uint64(_TOP)).view(np.int64),
            "count": counts.astype(np.int64)}))
    return pd.concat(frames, ignore_index=True)


def _rank_text(counted: Any, lists: Dict[bytes, int], n: Dict[int, int]) -> bytes:
    """A part's rank lines: per call, the population's present values and, for each of the
    part's own values, its order key and the population's counts below and equal."""
    import numpy as np
    from ._parts import escape
    out = []
    for key, k in sorted(lists.items(), key=lambda kv: kv[1]):
        mine = counted[counted["list"] == k]
        keys = mine["value"].to_numpy(dtype=np.int64).view(np.uint64) ^ np.uint64(_TOP)
        out.append(b"rank\t%s\t%d\t%d\n" % (escape(key), n.get(k, 0), len(mine)))
        out.extend(b"%016x\t%d\t%d\n" % (int(a), int(b), int(e)) for a, b, e in zip(
            keys, mine["below"].to_numpy(), mine["equal"].to_numpy()))
    return b"".join(out)


def _insert(figures: bytes, lines: bytes) -> bytes:
    """The figures with a part's rank lines before their "end"."""
    assert figures.endswith(b"end\n")
    return figures[:-4] + lines + b"end\n"


class PctRanks:
    """The pct_rank() figures of a run's passes: each part gets, for its own values of every
    call, the population's counts (:func:`rank_counts`); recomputed only when the values
    gathered change from one pass to the next."""

    def __init__(self) -> None:
        self._mark: Optional[Dict[bytes, Tuple[int, int]]] = None
        self._parts: Optional[List[Delayed]] = None
        #: Distributed counts computed (one a pass whose values changed).
        self.rounds = 0

    def figures(self, figures: bytes, i: int) -> Any:
        """Part i's figures: `figures` with its rank lines (a Delayed) once there are any."""
        if self._parts is None:
            return figures
        return dask.delayed(_insert)(figures, self._parts[i])

    def update(self, gathered: List[Delayed]) -> bool:
        """Takes a pass's gathered inputs: True when their pct_rank values are those the rank
        lines were made from (the ranks are the population's), else makes new lines."""
        mark: Dict[bytes, Tuple[int, int]] = {}
        for part in dask.compute(*[dask.delayed(_rank_heads)(g) for g in gathered]):
            for key, (n, mix) in part.items():
                n0, m0 = mark.get(key, (0, 0))
                mark[key] = (n0 + n, (m0 + mix) & ((1 << 64) - 1))
        if not mark or mark == self._mark:
            return True
        lists = {key: k for k, key in enumerate(sorted(mark))}
        tables = list(dask.persist(*[dask.delayed(_rank_table)(g, lists) for g in gathered]))
        counts = rank_counts(tables, dtype="int64")
        self.rounds += 1
        self._parts = list(dask.persist(*[dask.delayed(_rank_text)(c, lists, counts.n)
                                          for c in counts.parts]))
        self._mark = mark
        return False
