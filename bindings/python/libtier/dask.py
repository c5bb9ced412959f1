# SPDX-License-Identifier: MIT
"""`tier run` on a Dask DataFrame, with results identical to one process (docs/distributed.md).

    import dask.dataframe as dd, libtier.dask
    txns = dd.read_csv("invoices-*.csv", dtype={"customer_id": str})
    out = libtier.dask.run(txns, policy="b2b-sabc")          # a Dask DataFrame, one row a customer
    libtier.dask.run(txns, policy="b2b-sabc", out="tiers.csv")  # or written, as `tier run --out`

The transactions are shuffled by a hash of the customer id so that every customer's rows meet in
one partition; each partition becomes a libtier Book on its worker. What needs the whole
population is computed exactly from mergeable summaries of the partitions, never by collecting
the rows: the RFM cut points (type-7 quantiles from distributed order statistics) and the
policy's population figures (where the abc() classes and Pareto models' classes end, whom each
cap keeps; sums of doubles exact, docs/distributed.md), found by a
distributed selection over the library's own order (value, then id). Each partition then runs the
same C code as the CLI against these global figures, so the rows are byte for byte those of
`tier run --out` (in another order: sort by customer id to compare).

Dask is imported when this module is (Debian: python3-dask, python3-distributed).
"""

import io
import re
import struct
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import dask as _dask
import dask.dataframe as _dd
from dask.delayed import Delayed, delayed

from . import _dask_org, _ffi
from . import _dask_ranks as _ranks
from ._dask_needs import fit_needs
from ._dask_fit import SUMMARY_KINDS, fit_summary_models
from ._parts import (KIND_COLUMNS, PART_OUTPUTS, SUPPORTED_KINDS, U64_MAX, Gathered, Part,
                     PartConfig, PolicySource, Target, cap_limit, escape, model_blob, rfm_cuts,
                     rfm_ranks, round_units)

__all__ = ["Run", "run"]

dask: Any = _dask
dd: Any = _dd
#: A Dask DataFrame (dask.dataframe.DataFrame; Any to the type checker).
DaskFrame = Any

#: Pivots per part and target in one round of the distributed selection: each round narrows
#: the 64-bit order key of every target by a factor of PIVOTS (8 rounds at most).
PIVOTS = 256

_ID_NAMES = ("customer_id", "customer", "customerid", "id", "account_id")
_DATE_NAMES = ("date", "order_date", "invoice_date", "day")
_AMOUNT_NAMES = ("amount", "dollar_value", "revenue", "value", "total", "sales")


def _pick(columns: Sequence[str], given: Optional[str], names: Sequence[str], what: str) -> str:
    """The column named `given`, else the first of `names` present (as the CSV reader finds it)."""
    if given is not None:
        if given not in columns:
            raise KeyError("no %s column %r (columns: %s)" % (what, given, ", ".join(columns)))
        return given
    lower = {str(c).lower(): str(c) for c in columns}
    for name in names:
        if name in lower:
            return lower[name]
    raise KeyError("no %s column: name it (%s=...); looked for %s" % (what, what, ", ".join(names)))


def _fail(status: int, message: str) -> _ffi.TierError:
    """A libtier.Error with `status`."""
    return _ffi.TierError(status, _ffi._STATUS_NAMES.get(status, "TIER_ERROR"), message)


class Run:
    """One distributed run: the global figures are computed when it is made (the partitions'
    Books stay on the workers); :meth:`frame`, :meth:`csv_parts` and :meth:`write_csv` give
    the result. ``stats`` counts the passes and selection rounds."""

    def __init__(self, transactions: DaskFrame, policy: Any = None,
                 accounts: Optional[DaskFrame] = None, as_of: Any = None,
                 id: Optional[str] = None, date: Optional[str] = None,
                 amount: Optional[str] = None, margin: Optional[str] = None,
                 account_id: Optional[str] = None, npartitions: Optional[int] = None,
                 contracts: Optional[DaskFrame] = None,
                 contract_id: Optional[str] = None) -> None:
        cols = [str(c) for c in transactions.columns]
        id_col = _pick(cols, id, _ID_NAMES, "id")
        date_col = _pick(cols, date, _DATE_NAMES, "date")
        amount_col = _pick(cols, amount, _AMOUNT_NAMES, "amount")
        if margin is not None and margin not in cols:
            raise KeyError("no margin column %r" % (margin,))
        if policy is None:
            policy = "b2b-full" if accounts is not None else "b2b-sabc"
        source = PolicySource(policy)
        self._check_policy(source)
        specs = self._model_specs(source)
        acc_col = None
        if accounts is not None:
            acc_col = _pick([str(c) for c in accounts.columns], account_id,
                            ("account_id",) + _ID_NAMES, "account id")
        con_col = None
        if contracts is not None:  # read as text, as `tier run --contracts` reads its file
            con_col = _pick([str(c) for c in contracts.columns], contract_id,
                            ("account_id",) + _ID_NAMES, "contract customer id")
        self.config = PartConfig(id_col, date_col, amount_col, margin, acc_col, source, specs,
                                 con_col)
        #: Passes, selection rounds, partitions, and the abc calls (Pareto models included)
        #: summed in doubles (exact sums) in the last pass.
        self.stats: Dict[str, int] = {"passes": 0, "rounds": 0, "partitions": 0,
                                      "double_sums": 0}
        #: Wall seconds of each phase: shuffle (and Books), models, figures.
        self.seconds: Dict[str, float] = {}
        nparts = npartitions or transactions.npartitions
        t = time.perf_counter()
        self._parts = self._shuffle(transactions, accounts, id_col, acc_col, nparts, contracts)
        self.stats["partitions"] = len(self._parts)
        self.as_of = self._as_of(as_of)
        self.seconds["shuffle"] = time.perf_counter() - t
        t = time.perf_counter()
        self.model_blobs = self._fit_models()
        for spec in self.config.models:  # in policy order: each sees the models before it
            if spec["kind"] in SUMMARY_KINDS:
                self.model_blobs.update(fit_summary_models(
                    self._parts, self.config, self.as_of, self.model_blobs, delayed,
                    dask.compute, self.stats, names=(spec["name"],), persist=dask.persist))
            elif spec["kind"] == "needs":
                self.model_blobs.update(fit_needs(self._parts, self.config, self.as_of,
                                                  self.model_blobs, names=(spec["name"],)))
        self._part_blobs: Optional[List[Any]] = None  # per part {name: blob} (scorecards)
        if any(s["kind"] == "scorecard" for s in self.config.models):
            self._part_blobs, self.stats["rank_counts"] = _ranks.fit_scorecards(
                self._parts, self.as_of, self.config.models, self.model_blobs)
        self.seconds["models"] = time.perf_counter() - t
        t = time.perf_counter()
        self.figures = self._figures()
        self.seconds["figures"] = time.perf_counter() - t

    # ---- setting up ---------------------------------------------------------------------------

    @staticmethod
    def _check_policy(source: PolicySource) -> None:
        """Refuses a policy that does not load, before any work (every routing is
        distributed since 0.5.0: nothing more to refuse here)."""
        source.load().close()

    @staticmethod
    def _model_specs(source: PolicySource) -> List[Dict[str, Any]]:
        """The models the policy declares, checked against what a split run fits."""
        policy = source.load()
        try:
            specs: List[Dict[str, Any]] = policy.models()
        finally:
            policy.close()
        if not specs:
            raise _fail(_ffi.EINVAL, "policy %s declares no models: declare them "
                        "(`model rfm = rfm`)" % source.origin)
        for spec in specs:
            if spec["kind"] not in SUPPORTED_KINDS:
                raise _fail(_ffi.EINVAL, "model %s (%s): not distributed yet; a split run fits %s "
                            "(docs/distributed.md)" % (spec["name"], spec["kind"],
                                                       ", ".join(SUPPORTED_KINDS)))
            for output in PART_OUTPUTS.get(spec["kind"], ()):
                if re.search(r"\b%s\.%s\b" % (re.escape(spec["name"]), output), source.text):
                    raise _fail(_ffi.EINVAL, "policy %s reads %s.%s: a split run gives a %s "
                                "model's classes, not its %s (docs/distributed.md)"
                                % (source.origin, spec["name"], output, spec["kind"], output))
        return specs

    def _shuffle(self, txns: DaskFrame, accounts: Optional[DaskFrame], id_col: str,
                 acc_col: Optional[str], nparts: int,
                 contracts: Optional[DaskFrame] = None) -> List[Delayed]:
        """Every customer's rows into one partition (a hash of the id as text), accounts into
        the partition of the same id; one persisted Part per partition."""
        def keyed(df: DaskFrame, col: Optional[str] = None) -> DaskFrame:
            if col is not None:
                df = df.assign(__tier_id=df[col].astype(str).astype(object))
            if roots is None:
                return df.shuffle("__tier_id", npartitions=nparts, shuffle="tasks")
            # With a hierarchy: by the group's top parent (docs/distributed.md).
            return _dask_org.by_root(df, roots, nparts).shuffle(
                "__tier_root", npartitions=nparts, shuffle="tasks").map_partitions(
                    _dask_org.drop_root)
        c = self.config
        slim = txns.map_partitions(_slim, c.id, c.date, c.amount, c.margin)
        parent = (_dask_org.hierarchy_parent(_dask_org.described(c.policy))
                  if accounts is not None and acc_col is not None else None)
        roots = (_dask_org.root_frame(dask.compute, slim["__tier_id"], accounts, acc_col, parent,
                                      nparts, self.stats) if parent else None)
        c.id, c.date, c.amount = "__tier_id", "__tier_date", "__tier_amount"
        c.margin = "__tier_margin" if c.margin else None
        t_parts = keyed(slim).to_delayed()
        a_parts: List[Any] = [None] * len(t_parts)
        if accounts is not None and acc_col is not None:
            a_parts = keyed(accounts, acc_col).to_delayed()
        c_parts: List[Any] = [None] * len(t_parts)
        if contracts is not None and self.config.contract_id is not None:
            c_parts = keyed(contracts, self.config.contract_id).to_delayed()
        parts = [delayed(Part)(t, a, self.config, k)
                 for t, a, k in zip(t_parts, a_parts, c_parts)]
        return list(dask.persist(*parts))

    def _as_of(self, as_of: Any) -> int:
        """The as-of day of every part: the given one, else the day after the last transaction
        of all the parts (the CLI's default). Drops the parts without customers."""
        from .dates import to_day
        facts: Tuple[Any, ...] = dask.compute(*[delayed(lambda p: (p.day_range(), p.customer_count()))(p)
                               for p in self._parts])
        self._parts = [p for p, (_, n) in zip(self._parts, facts) if n > 0]
        if as_of is not None:
            return int(to_day(as_of))
        lasts = [int(r[1]) for r, _ in facts if r is not None]
        if not lasts:
            raise _fail(_ffi.ESTATE, "no transactions: nothing to tier")
        return max(lasts) + 1

    # ---- global fits ----------------------------------------------------------------------------

    def _fit_models(self) -> Dict[str, bytes]:
        """Every RFM model's global cut points from distributed order statistics; the fitted
        models as blobs for the parts."""
        from .models import Model as _Model
        Model: Any = _Model
        specs = [s for s in self.config.models if s["kind"] == "rfm"]
        if not specs:
            return {}
        gathered = list(dask.persist(*[delayed(Part.rfm_values)(p, self.as_of)
                                       for p in self._parts]))
        counts = self._totals(gathered)
        targets: List[Target] = []
        for spec in specs:
            bins = int(spec["options"].get("bins", 5))
            for dim in ("r", "f", "m"):
                n = counts.get(("rfm", (spec["name"], dim)), (0, 0))[0]
                if n == 0:
                    raise _fail(_ffi.ESTATE, "%s: cannot fit RFM cut points: no customer has a "
                                "purchase before the as-of day" % spec["name"])
                for rank in rfm_ranks(n, bins):
                    targets.append(Target("rfm", (spec["name"], dim), rank=rank))
        self._select(gathered, targets)
        blobs = {}
        for spec in specs:
            bins = int(spec["options"].get("bins", 5))
            model = Model.new("rfm", spec["name"], **spec["options"])
            with model:
                if "as_of" not in spec["options"]:
                    model.set_option("as_of", float(self.as_of))
                for dim in ("r", "f", "m"):
                    mine = [t for t in targets if t.key == (spec["name"], dim)]
                    n = counts[("rfm", (spec["name"], dim))][0]
                    values = {t.rank: _key_value(t.found_key) for t in mine}
                    model.set_cut_points(dim, rfm_cuts(n, bins, values))
                blobs[spec["name"]] = model_blob(model)
        return blobs

    def _figures(self) -> bytes:
        """The policy's population figures, to a fixed point: each pass places every part
        against the figures so far and gathers the inputs of every abc() call and cap; the
        figures those inputs give are the next pass's, until they no longer change (one pass
        more than the depth of their dependencies)."""
        figures = b"libtier-population 1\nend\n"
        # Each part's own lines: pct_rank() calls' ranks, Pareto models' cumulative sums.
        ranks = _ranks.PartLines(_ranks.cum_calls(self.config.models, self.config.policy.text))
        for _ in range(12):
            self.stats["passes"] += 1
            gathered = list(dask.persist(*[delayed(Part.run)(p, ranks.figures(figures, i),
                                                             self._blobs(i), False, self.as_of)
                                           for i, p in enumerate(self._parts)]))
            new = self._figures_from(gathered)
            if ranks.update(gathered, self._doubles) and new == figures:
                self._ranks = ranks
                self.stats["rank_counts"] = self.stats.get("rank_counts", 0) + ranks.rounds
                return figures
            figures = new
        raise _fail(_ffi.ESTATE, "the population figures did not settle in 12 passes")

    def _figures_from(self, gathered: List[Delayed]) -> bytes:
        """The global figures of one pass's gathered inputs."""
        heads = dask.compute(*[delayed(_heads)(g) for g in gathered])
        rows = sum(h[0] for h in heads)
        # Calls summed in doubles (exact sums rounded once, as the library sums them): an abc()
        # with a value that is not a fixed-point amount in any part, a Pareto model over a
        # criterion column.
        doubles = set(k for h in heads for k in h[1])
        for spec in self.config.models:
            if spec["kind"] == "pareto" and str(spec["options"].get(
                    "criterion", "revenue")) not in ("revenue", "margin"):
                doubles.add(b"pareto:" + spec["name"].encode("utf-8"))
        abc: Dict[bytes, Tuple[int, int]] = {}
        caps: Dict[int, Tuple[bool, float]] = {}
        for h in heads:
            abc.update(h[2])
            caps.update(h[3])
        counts = self._totals(gathered, doubles)
        # A fixed-point total beyond int64: the library sums that call in doubles too.
        wide = [k for k in abc if k not in doubles and not k.startswith(b"pareto:")
                and counts.get(("abc", k), (0, 0))[1] > (1 << 63) - 1]
        if wide:
            doubles.update(wide)
            counts = self._totals(gathered, doubles)
        self.stats["double_sums"] = len(doubles)
        self._doubles = sorted(doubles)
        targets: List[Target] = []
        lines = [b"libtier-population 1"]
        cap_targets: Dict[int, Tuple[int, Optional[Target]]] = {}
        t: Optional[Target]
        for key, (ta6, tb6) in sorted(abc.items()):
            n, total = counts.get(("abc", key), (0, 0))
            for which, t6 in ((0, ta6), (1, tb6)):
                if n:
                    end = Target("abc", key, which=which, t6=t6, double=key in doubles)
                    end.total = total
                    end.dtotal = round_units(total) if key in doubles else 0.0
                    targets.append(end)
        for t_index, (is_count, amount) in sorted(caps.items()):
            nc = counts.get(("cap", t_index), (0, 0))[0]
            limit = cap_limit(is_count, amount, rows)
            if limit == 0:
                cap_targets[t_index] = (3, None)
            elif nc <= limit:
                cap_targets[t_index] = (1, None)
            else:
                last = Target("cap", t_index, rank=limit - 1)
                targets.append(last)
                cap_targets[t_index] = (2, last)
        routing = _dask_org.Routing(dask.compute(*[delayed(_dask_org.route_heads)(g)
                                                   for g in gathered]), counts)
        targets += routing.targets
        self._select(gathered, targets)
        fill = _dask_org.RevenueFill(routing.revenue, counts)
        fill.run(lambda ts: self._select(gathered, ts), lambda asks: self._below(gathered, asks))
        self.stats["revenue_phases"] = self.stats.get("revenue_phases", 0) + fill.phases
        for key in sorted(abc):
            ends = [t for t in targets if t.kind == "abc" and t.key == key]
            fields = [b"abc", escape(key)]
            for which in (0, 1):
                mine = [t for t in ends if t.which == which]
                if mine:
                    fields += [b"1", b"%016x" % (mine[0].found_key or 0),
                               escape(mine[0].found_id or b"")]
                else:
                    fields += [b"0", b"", b""]
            lines.append(b"\t".join(fields))
            if key.startswith(b"pareto:"):  # the model's share column: the population's total
                total = counts.get(("abc", key), (0, 0))[1]
                if key in doubles:
                    bits = struct.unpack("<Q", struct.pack("<d", round_units(total)))[0]
                    lines.append(b"total\t%s\tdouble\t%016x" % (escape(key), bits))
                else:
                    lines.append(b"total\t%s\tfixed\t%d" % (escape(key), total))
        for t_index, (kind, t) in sorted(cap_targets.items()):
            if t is None:
                lines.append(b"cap\t%d\t%d\t\t" % (t_index, kind))
            else:
                lines.append(b"cap\t%d\t2\t%016x\t%s" % (t_index, t.found_key or 0,
                                                          escape(t.found_id or b"")))
        lines += routing.lines() + fill.lines()
        lines.append(b"end")
        return b"\n".join(lines) + b"\n"

    # ---- the distributed selection ----------------------------------------------------------

    def _totals(self, gathered: List[Delayed],
                doubles: Any = ()) -> Dict[Tuple[str, Any], Tuple[int, int]]:
        """Every gathered list's global row count and total: fixed point, or exact units (the
        sum of doubles times 2^1074) for the abc calls in `doubles`."""
        out: Dict[Tuple[str, Any], Tuple[int, int]] = {}
        keys = sorted(doubles)
        for part in dask.compute(*[delayed(Gathered.totals)(g, keys) for g in gathered]):
            for k, (n, s) in part.items():
                n0, s0 = out.get(k, (0, 0))
                out[k] = (n0 + n, s0 + s)
        return out

    def _below(self, gathered: List[Delayed],
               asks: Sequence[Tuple[Tuple[Any, ...], List[int]]]
               ) -> List[Tuple[List[int], List[int]]]:
        """Per (list, pivots): the counts and sums at or below each pivot, added over the
        parts (one round)."""
        if not asks:
            return []
        self.stats["rounds"] += 1
        out = [([0] * len(p), [0] * len(p)) for _, p in asks]
        for part in dask.compute(*[delayed(_below_many)(g, list(asks)) for g in gathered]):
            for (counts, sums), (c, s) in zip(out, part):
                for j in range(len(counts)):
                    counts[j] += int(c[j])
                    sums[j] += int(s[j])
        return out

    def _select(self, gathered: List[Delayed], targets: List[Target]) -> None:
        """Finds every target's row in the global order (order key, then id): rounds of
        pivots narrow each target's key to one value (counts and sums below each pivot, summed
        over the parts), then one round resolves the ties at that key by id."""
        bounds = {id(t): (0, U64_MAX) for t in targets}
        while True:
            open_ = [t for t in targets if bounds[id(t)][0] < bounds[id(t)][1]]
            if not open_:
                break
            self.stats["rounds"] += 1
            asks = []
            for t in open_:
                lo, hi = bounds[id(t)]
                if hi - lo < PIVOTS:
                    pivots = list(range(lo, hi + 1))
                else:
                    pivots = [lo + (hi - lo) * j // PIVOTS for j in range(1, PIVOTS + 1)]
                asks.append((t.source(), pivots))
            parts = dask.compute(*[delayed(_below_many)(g, asks) for g in gathered])
            for i, t in enumerate(open_):
                pivots = asks[i][1]
                counts = [0] * len(pivots)
                sums = [0] * len(pivots)
                for part in parts:
                    c, s = part[i]
                    for j in range(len(pivots)):
                        counts[j] += int(c[j])
                        sums[j] += int(s[j])
                lo, hi = bounds[id(t)]
                for j, p in enumerate(pivots):
                    if t.reached(counts[j], sums[j]):
                        bounds[id(t)] = (pivots[j - 1] + 1 if j else lo, p)
                        break
                else:
                    raise _fail(_ffi.ERROR, "distributed selection: target out of range")
        if not targets:
            return
        self.stats["rounds"] += 1
        asks2 = [(t.source(), bounds[id(t)][0]) for t in targets]
        parts2 = dask.compute(*[delayed(_ties_many)(g, asks2) for g in gathered])
        for i, t in enumerate(targets):
            count = total = 0
            rows: List[Tuple[bytes, int]] = []
            for part in parts2:
                c, s, r = part[i]
                count += c
                total += s
                rows.extend(r)
            rows.sort()
            t.found_key = bounds[id(t)][0]
            for ident, value in rows:
                count += 1
                total += value
                if t.reached(count, total):
                    t.found_id = ident
                    break
            else:
                raise _fail(_ffi.ERROR, "distributed selection: no row at the key found")

    # ---- results --------------------------------------------------------------------------------

    def csv_parts(self) -> List[Delayed]:
        """Each partition's output CSV (bytes, header included), as `tier run --out` writes its
        rows."""
        return [delayed(Part.run)(p, self._ranks.figures(self.figures, i), self._blobs(i), True,
                                  self.as_of)
                for i, p in enumerate(self._parts)]

    def _blobs(self, i: int) -> Any:
        """Part i's fitted models: the global ones, and its own scorecards (a Delayed)."""
        return self._part_blobs[i] if self._part_blobs is not None else self.model_blobs

    def frame(self) -> DaskFrame:
        """The results as a Dask DataFrame: the columns of `tier run --out`, every value the
        text the CLI writes (str), one row per customer."""
        import pandas as pd

        def parse(data: bytes) -> "pd.DataFrame":
            return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
        parts = self.csv_parts()
        meta = parse(dask.compute(parts[0])[0]).iloc[:0]
        return dd.from_delayed([delayed(parse)(p) for p in parts], meta=meta)

    def write_csv(self, path: str) -> int:
        """Writes one CSV file: the header once, then every partition's rows (each partition in
        the library's order). Returns the rows written. The parts stream through this process
        one at a time."""
        rows = 0
        with open(path, "wb") as fh:
            for i, part in enumerate(self.csv_parts()):
                data = dask.compute(part)[0]
                head, _, body = data.partition(b"\n")
                if i == 0:
                    fh.write(head + b"\n")
                fh.write(body)
                rows += body.count(b"\n")
        return rows


def _slim(df: Any, id_col: str, date_col: str, amount_col: str, margin_col: Optional[str]) -> Any:
    """The columns the Books read, small before the shuffle moves them: the id as text
    (`__tier_id`, what the shuffle hashes), the date as a YYYYMMDD int32 when every date of the
    partition is ISO or YYYYMMDD text (the Book reads both as the same day), else as given; the
    amount and the margin."""
    import numpy as np
    import pandas as pd
    out = pd.DataFrame({"__tier_id": df[id_col].astype(str).astype(object)}, index=df.index)
    d = df[date_col]
    if d.dtype == object:
        s = d.astype(str)
        if bool(s.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()):
            d = (s.str.slice(0, 4) + s.str.slice(5, 7) + s.str.slice(8, 10)).astype(np.int32)
        elif bool(s.str.fullmatch(r"\d{8}").all()):
            d = s.astype(np.int32)
    out["__tier_date"] = d
    out["__tier_amount"] = df[amount_col]
    if margin_col:
        out["__tier_margin"] = df[margin_col]
    return out


def _key_value(key: Optional[int]) -> float:
    """The float64 whose ascending order key (models/order.c) is `key`."""
    import struct
    assert key is not None
    top = 1 << 63
    bits = key ^ top if key & top else ~key & U64_MAX
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


def _heads(g: Gathered) -> Tuple[int, List[bytes], Dict[bytes, Tuple[int, int]],
                                 Dict[int, Tuple[bool, float]]]:
    """What a part gathered, without the rows: its rows, the abc calls with a value that is not
    a fixed-point amount, the calls and the caps."""
    return (g.rows, g.inexact, {k: (v[0], v[1]) for k, v in g.abc.items()},
            {t: (v[0], v[1]) for t, v in g.caps.items()})


def _below_many(g: Gathered, asks: List[Tuple[Tuple[Any, ...], List[int]]]) -> List[Tuple[Any, Any]]:
    """For each (list, pivots): the part's counts and sums at or below each pivot."""
    import numpy as np
    return [g.below(src, np.array(pivots, dtype=np.uint64)) for src, pivots in asks]


def _ties_many(g: Gathered, asks: List[Tuple[Tuple[Any, ...], int]]) -> List[Tuple[int, int, List[Tuple[bytes, int]]]]:
    """For each (list, key): rows before the key and the rows at it."""
    return [g.ties(src, key) for src, key in asks]


def run(transactions: DaskFrame, policy: Any = None, accounts: Optional[DaskFrame] = None,
        as_of: Any = None, out: Optional[str] = None, **columns: Any) -> DaskFrame:
    """`tier run` on a Dask DataFrame of transactions (and optionally one of accounts, one row
    per account): the results as a Dask DataFrame with the columns of `tier run --out` (text,
    as the CLI writes it), and written to `out` when given. `policy` is a built-in name, a
    policy file or policy text (default b2b-sabc, with accounts b2b-full); `as_of` a date (default
    the day after the last transaction). Column names: id=, date=, amount=, margin=,
    account_id= (found as the CLI finds them otherwise); npartitions= (default: those of
    `transactions`); contracts= a Dask DataFrame of the contracts CSV (read as text, as
    `tier run --contracts` reads it) and contract_id= its id column."""
    r = Run(transactions, policy=policy, accounts=accounts, as_of=as_of, **columns)
    if out is not None:
        r.write_csv(out)
    return r.frame()
