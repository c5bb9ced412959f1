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

__all__ = ["rank_counts", "RankCounts", "cum_sums", "fit_scorecards", "scorecard_tables",
           "PartLines"]

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


def _tagged(table: Any, part: int, columns: List[str]) -> Any:
    """A part's table with its part number, in the order of `columns`."""
    out = table.copy()
    out["part"] = part
    return out[columns]


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


def _range_scan(tables: Sequence[Delayed], meta: Any, by: str, totals: Any, finish: Any,
                out_meta: Any, rows: int) -> Tuple[List[Delayed], Dict[int, int], List[Delayed]]:
    """The skeleton of the distributed algorithms here: the tables' rows (one Delayed pandas
    frame a part, with the columns of `meta` but "part") range partitioned by column `by`
    (``set_index``: sampled boundaries, then a shuffle, each range sorted); `totals(range)` gives
    a range's total per list, the driver takes their exclusive scan; `finish(range, offsets)`
    gives the range's rows with their global figures (the columns of `out_meta`, "part" first);
    those go back to their parts (``set_index`` on the part number). Returns the finished ranges
    (persisted), the grand total per list and one Delayed frame a part. `rows`: the rows of all
    the tables (none: nothing to sort, every part gets an empty frame)."""
    nparts = len(tables)
    if rows == 0:
        return [], {}, [dask.delayed(out_meta.copy)() for _ in tables]
    ddf = dd.from_delayed([dask.delayed(_tagged)(t, i, list(meta.columns))
                           for i, t in enumerate(tables)], meta=meta, verify_meta=False)
    pieces = ddf.set_index(by, npartitions=max(1, nparts), shuffle="tasks").to_delayed()
    n: Dict[int, int] = {}
    offsets: List[Dict[int, int]] = []
    for t in dask.compute(*[dask.delayed(totals)(p) for p in pieces]):
        offsets.append(dict(n))
        for k, v in t.items():
            n[k] = n.get(k, 0) + v
    done = list(dask.persist(*[dask.delayed(finish)(p, o) for p, o in zip(pieces, offsets)]))
    back = dd.from_delayed(done, meta=out_meta, verify_meta=False).set_index(
        "part", divisions=list(range(nparts)) + [nparts], shuffle="tasks")
    return done, n, list(back.to_delayed())


def rank_counts(tables: Sequence[Delayed], ranks: Optional[Dict[int, List[int]]] = None,
                dtype: str = "float64", rows: int = 1) -> RankCounts:
    """The global counts below and equal of every part's distinct values, per list.

    `tables`: one Delayed pandas frame a part with the columns list (int), value (`dtype`:
    float64 without NaN, or int64) and count (int, > 0), one row per list and distinct value of
    the part (`rows` of them in all: 0 when there are none). `ranks`: {list: [0-based ranks]}: the values at those order statistics of the
    population (ascending) are found on the way. Communication: every row twice through a
    shuffle (to its range, back to its part), a number per range and list to the driver, the
    values at the ranks; never a list in one process."""
    import functools
    ranks = ranks or {}
    counted, n, back = _range_scan(
        tables, _meta(dtype), "value", _range_totals,
        functools.partial(_range_counts, dtype=dtype), _counted_meta(dtype), rows)
    at: Dict[Tuple[int, int], float] = {}
    if ranks:
        for hits in dask.compute(*[dask.delayed(_range_hits)(c, ranks) for c in counted]):
            for key, r, v in hits:
                at[(key, r)] = v
    parts = [dask.delayed(_part_rows)(p) for p in back]
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
        _check_sources(card, name, models)
        tables = list(dask.persist(*[dask.delayed(scorecard_tables)(p, as_of, b, name, card)
                                     for p, b in zip(parts, per_part)]))
        # n per factor first (a count a part), then the ranks of the minimum, median, maximum.
        sizes = dask.compute(*[dask.delayed(_sizes)(t) for t in tables])
        n: Dict[int, int] = {}
        for s in sizes:
            for key, c in s.items():
                n[key] = n.get(key, 0) + c
        ranks = {k: sorted({0, (c - 1) // 2, c // 2, c - 1}) for k, c in n.items() if c > 0}
        counts = rank_counts(tables, ranks, rows=sum(n.values()))
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


def _check_sources(card: str, name: str, models: List[Dict[str, Any]]) -> None:
    """Refuses a factor that reads a Pareto model's class, share or cum_share: those are the
    population's only in a run with figures, while the card is fitted on each part's own."""
    paretos = [m["name"] for m in models if m["kind"] == "pareto"]
    for ln in card.split("\n"):
        m = _FACTOR.match(ln)
        if not m:
            continue
        for alt in m.group(2).strip('"').split("|"):
            model, _, output = alt.partition(".")
            if model in paretos and output in ("class", "share", "cum_share"):
                raise _fail(_ffi.EINVAL, "model %s (scorecard): factor %s reads %s, which a split "
                            "run knows only while placing customers, not while fitting the card "
                            "(docs/distributed.md)" % (name, m.group(1), alt))


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


# ---- a Pareto model's cumulative share ----------------------------------------------------------

def _cum_table(g: Any, calls: List[bytes], doubles: List[bytes]) -> Any:
    """A part's rows of the Pareto calls `calls` (its gathered inputs, in the library's order):
    list number, the sort key (list, order key, id: one text, bytes as latin-1 so that text order
    is byte order), the row's position in the part, and its value (fixed point, or exact units for
    a call in `doubles`: Python ints)."""
    import numpy as np
    import pandas as pd
    rows: Dict[str, List[Any]] = {"list": [], "sort": [], "pos": [], "value": []}
    for k, call in enumerate(calls):
        if call not in g.abc:
            continue
        _, _, keys, fixed, ids = g.abc[call]
        if call in doubles:
            units = g._prefix_units(call)
            values = [units[i + 1] - units[i] for i in range(len(keys))]
        else:
            values = [int(v) for v in fixed]
        for i, (key, ident) in enumerate(zip(keys, ids)):
            rows["list"].append(k)
            rows["sort"].append("%04d%016x%s" % (k, int(key), bytes(ident).decode("latin-1")))
            rows["pos"].append(i)
            rows["value"].append(values[i])
    return pd.DataFrame({"list": np.array(rows["list"], np.int64),
                         "sort": np.array(rows["sort"], dtype=object),
                         "pos": np.array(rows["pos"], np.int64),
                         "value": np.array(rows["value"], dtype=object)})


def _cum_meta(out: bool) -> Any:
    """The empty frame of the cumulative sums' rows: to the ranges, or (`out`) back."""
    import numpy as np
    import pandas as pd
    if out:
        return pd.DataFrame({"part": np.zeros(0, np.int64), "list": np.zeros(0, np.int64),
                             "pos": np.zeros(0, np.int64), "cum": np.zeros(0, object)})
    return pd.DataFrame({"list": np.zeros(0, np.int64), "sort": np.zeros(0, object),
                         "pos": np.zeros(0, np.int64), "value": np.zeros(0, object),
                         "part": np.zeros(0, np.int64)})


def _cum_totals(df: Any) -> Dict[int, int]:
    """A range's exact sum per list."""
    out: Dict[int, int] = {}
    for k, v in zip(df["list"].to_numpy(), df["value"].to_numpy()):
        out[int(k)] = out.get(int(k), 0) + int(v)
    return out


def _cum_rows(df: Any, offsets: Dict[int, int]) -> Any:
    """Every row of a range (sorted) with its inclusive global prefix sum in its list."""
    import numpy as np
    import pandas as pd
    run = dict(offsets)
    cums = []
    for k, v in zip(df["list"].to_numpy(), df["value"].to_numpy()):
        run[int(k)] = run.get(int(k), 0) + int(v)
        cums.append(run[int(k)])
    return pd.DataFrame({"part": df["part"].to_numpy(np.int64),
                         "list": df["list"].to_numpy(np.int64),
                         "pos": df["pos"].to_numpy(np.int64),
                         "cum": np.array(cums, dtype=object)})


def _cum_text(rows: Any, g: Any, calls: List[bytes], doubles: List[bytes]) -> bytes:
    """A part's cum blocks: per call, its rows in order (order key, id) with the population's
    cumulative sum up to each (fixed-point digits, or the bits of the exact sum rounded)."""
    from ._parts import escape, round_units
    rows = rows.reset_index()
    out = []
    for k, call in enumerate(calls):
        mine = rows[rows["list"] == k].sort_values("pos")
        cums = mine["cum"].tolist()
        if call in g.abc:
            keys, ids = g.abc[call][2], g.abc[call][4]
        else:
            keys, ids = [], []
        if len(cums) != len(keys):
            raise _fail(_ffi.ERROR, "cumulative sums of %s: %d rows back for %d sent"
                        % (call.decode("utf-8", "replace"), len(cums), len(keys)))
        out.append(b"cum\t%s\t%d\n" % (escape(call), len(keys)))
        for key, ident, cum in zip(keys, ids, cums):
            if call in doubles:
                import struct
                value = b"%016x" % struct.unpack("<Q", struct.pack("<d", round_units(int(cum))))[0]
            else:
                value = b"%d" % int(cum)
            out.append(b"%016x\t%s\t%s\n" % (int(key), escape(bytes(ident)), value))
    return b"".join(out)


def cum_calls(models: List[Dict[str, Any]], text: str) -> List[bytes]:
    """The abc calls ("pareto:<name>") of the Pareto models whose cum_share policy `text` reads
    (only those are summed)."""
    return [b"pareto:" + m["name"].encode("utf-8") for m in models
            if m["kind"] == "pareto" and re.search(r"\b%s\.cum_share\b" % re.escape(m["name"]),
                                                   text)]


def cum_sums(gathered: List[Delayed], calls: List[bytes], doubles: List[bytes],
             rows: int = 1) -> List[Delayed]:
    """Per part (Delayed) the cum blocks of the Pareto calls `calls`: an exclusive prefix sum in
    the population's order (order key, then id), by the range scan: each row to the range of its
    (key, id), sums per range, their scan on the driver, the rows back to their parts (`rows`:
    the positive rows of all the parts)."""
    tables = list(dask.persist(*[dask.delayed(_cum_table)(g, calls, doubles) for g in gathered]))
    _, _, back = _range_scan(tables, _cum_meta(False), "sort", _cum_totals, _cum_rows,
                             _cum_meta(True), rows)
    return list(dask.persist(*[dask.delayed(_cum_text)(b, g, calls, doubles)
                               for b, g in zip(back, gathered)]))


def _cum_heads(g: Any, calls: List[bytes]) -> Dict[bytes, Tuple[int, int]]:
    """A part's Pareto calls: rows and a fingerprint of their keys, values and ids."""
    out = {}
    for call in calls:
        if call in g.abc:
            _, _, keys, fixed, ids = g.abc[call]
            mix = sum((int(k) * 0x9E3779B97F4A7C15 + int(v) * 31 + len(bytes(i)))
                      for k, v, i in zip(keys, fixed, ids))
            out[b"cum:" + call] = (len(keys), mix & ((1 << 64) - 1))
    return out


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


class PartLines:
    """The figure lines that differ between the parts of a run, for each pass: pct_rank()
    calls' rank blocks (each part's own values with the population's counts, by
    :func:`rank_counts`) and the cum blocks of the Pareto calls `cum_calls` (each part's rows with
    the population's cumulative sums, by :func:`cum_sums`); recomputed only when the values
    gathered change from one pass to the next."""

    def __init__(self, cum_calls: Sequence[bytes] = ()) -> None:
        self._cum_calls = sorted(cum_calls)
        self._mark: Optional[Dict[bytes, Tuple[int, int]]] = None
        self._parts: Optional[List[Delayed]] = None
        #: Distributed counts and sums computed (one a pass whose values changed).
        self.rounds = 0

    def figures(self, figures: bytes, i: int) -> Any:
        """Part i's figures: `figures` with its own lines (a Delayed) once there are any."""
        if self._parts is None:
            return figures
        return dask.delayed(_insert)(figures, self._parts[i])

    def update(self, gathered: List[Delayed], doubles: Sequence[bytes] = ()) -> bool:
        """Takes a pass's gathered inputs (and the calls summed in doubles): True when they are
        those the lines were made from, else makes new lines."""
        calls = self._cum_calls
        mark: Dict[bytes, Tuple[int, int]] = {}
        for part in dask.compute(*[dask.delayed(_heads_of)(g, calls) for g in gathered]):
            for key, (n, mix) in part.items():
                n0, m0 = mark.get(key, (0, 0))
                mark[key] = (n0 + n, (m0 + mix) & ((1 << 64) - 1))
        dbl = sorted(c for c in doubles if c in calls)
        for c in dbl:
            mark[b"double:" + c] = (0, 0)
        if not mark or mark == self._mark:
            return True
        texts: List[List[Delayed]] = []
        lists = {key: k for k, key in enumerate(sorted(k for k in mark if not k.startswith(
            (b"cum:", b"double:"))))}
        if lists:
            tables = list(dask.persist(*[dask.delayed(_rank_table)(g, lists) for g in gathered]))
            counts = rank_counts(tables, dtype="int64", rows=sum(
                mark[key][0] for key in lists))
            texts.append([dask.delayed(_rank_text)(c, lists, counts.n) for c in counts.parts])
            self.rounds += 1
        if any(k.startswith(b"cum:") for k in mark):
            texts.append(cum_sums(gathered, calls, dbl, sum(
                v[0] for k, v in mark.items() if k.startswith(b"cum:"))))
            self.rounds += 1
        self._parts = list(dask.persist(*[dask.delayed(b"".join)(list(t)) for t in zip(*texts)]))
        self._mark = mark
        return False


def _heads_of(g: Any, calls: List[bytes]) -> Dict[bytes, Tuple[int, int]]:
    """A part's marks: its pct_rank calls' and its Pareto calls' (`calls`) fingerprints."""
    out = _rank_heads(g)
    out.update(_cum_heads(g, calls))
    return out
