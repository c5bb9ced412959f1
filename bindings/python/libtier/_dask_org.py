# SPDX-License-Identifier: MIT
"""Account hierarchies and key-account routing on Dask (docs/distributed.md, "Hierarchies and
routing").

A policy's hierarchy groups the accounts by their top parent: every account of a group, and
every transaction of those accounts, must meet in one partition. :func:`root_frame` resolves
each account's top parent by pointer jumping over a Dask DataFrame of (account, parent) links —
O(log depth) rounds of distributed merges, never the links in one process — and refuses a parent
that is no account, an account that is its own parent and a cycle with the messages of the single
process. :func:`by_root` then keys the transactions and the accounts by that root instead of the
customer id for the shuffle. Once a group is whole in one partition, the library's abc() calls
and caps already order group rows by their lead (the gathered inputs name leads).

Routing: each team with a capacity of `accounts` keeps its first N routed rows in the placing
order (revenue descending, then lead id): a cap by that order. The library gathers each team's
routed rows (`route TEAM accounts N ROWS` in the inputs); :class:`Routing` turns the teams' global
counts into targets of the driver's distributed selection and writes `route TEAM KIND KEY ID`
figure lines, as the caps'. A capacity of `revenue` fills greedily (a row fits when the exact
sum of the revenue placed before it and its own, rounded once, is within the capacity; a row that
does not fit leaves room for smaller ones after it): :class:`RevenueFill` finds the placed rows as
ranges of the placing order, phase by phase (the longest prefix that fits, then a skip to the first
row that fits the room left), with the same distributed selection over exact sums, and writes
`routed TEAM K` blocks.
"""

import re
import struct
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import _ffi
from ._parts import U64_MAX, Gathered, Target, escape, exact_units, round_units

#: A Dask DataFrame (Any to the type checker).
DaskFrame = Any

#: The message buffer of the library (src/util/internal.h TIER__ERR_SIZE): messages are cut to
#: one byte less, as the library cuts them.
_ERR_SIZE = 512

_HIER = re.compile(r"^hierarchy parent = attr\.(\S+)", re.M)


def _dd() -> Any:
    """dask.dataframe (imported when used: this module loads without Dask)."""
    import dask.dataframe
    return dask.dataframe


def _fail(message: str) -> _ffi.TierError:
    """A libtier.Error with status TIER_EINVAL."""
    return _ffi.TierError(_ffi.EINVAL, "TIER_EINVAL", message)


def described(source: Any) -> str:
    """The canonical text of a PolicySource's policy (Policy.describe())."""
    policy = source.load()
    try:
        text: str = policy.describe()
    finally:
        policy.close()
    return text


def hierarchy_parent(described: str) -> Optional[str]:
    """The parent attribute's name of a policy's hierarchy (from its canonical text,
    Policy.describe()), None without a hierarchy."""
    m = _HIER.search(described)
    return m.group(1) if m else None


# ---- the top parent of every account ------------------------------------------------------

def _links(df: Any, acc_col: str, parent_col: str, base: Any) -> Any:
    """One accounts partition's (id, parent, position) rows of the accounts with a parent; the
    position orders the accounts as the file does (partition number, then row)."""
    import numpy as np
    import pandas as pd
    part = int(base[0]) if base is not None else 0
    ids = df[acc_col].astype(str)
    parents = df[parent_col]
    text = parents.astype(str).where(parents.notna(), "")
    pos = (np.int64(part) << np.int64(40)) + np.arange(len(df), dtype=np.int64)
    out = pd.DataFrame({"__tier_id": ids.astype(object).values,
                        "__tier_parent": text.astype(object).values, "__tier_pos": pos})
    return out[out["__tier_parent"] != ""]


def _jump(df: Any) -> Any:
    """One pointer-jumping step of a merged partition: the parent's pointer where it has one."""
    nxt = df["__tier_next"]
    df = df.assign(__tier_root=nxt.where(nxt.notna(), df["__tier_root"]).astype(object))
    return df[["__tier_id", "__tier_root", "__tier_pos"]]


def root_frame(client_compute: Any, txn_ids: DaskFrame, accounts: DaskFrame,
               acc_col: Optional[str], parent: str, npartitions: int,
               stats: Dict[str, int]) -> DaskFrame:
    """A Dask DataFrame (`__tier_id`, `__tier_root`) of every account with a parent: its top
    parent, by pointer jumping (each round replaces each account's pointer by its pointer's
    pointer: a distributed merge; ceil(log2(depth)) + 1 rounds). `txn_ids`: the transactions'
    `__tier_id` column (the customers an account's parent may be, besides the accounts).
    Refuses a parent that is no customer, an account that is its own parent, and a cycle with
    the single process's messages (TIER_EINVAL). `client_compute` is dask.compute."""
    dd = _dd()
    ref = "attr." + parent
    assert acc_col is not None
    if parent not in [str(c) for c in accounts.columns]:
        return None  # no account has a parent: every customer is its own group
    links = accounts.map_partitions(
        lambda df, partition_info=None: _links(
            df, acc_col, parent, None if partition_info is None else
            (partition_info["number"],)),
        meta={"__tier_id": object, "__tier_parent": object, "__tier_pos": "int64"})
    links = links.persist()
    ids = accounts[[acc_col]].map_partitions(
        lambda df: df.assign(__tier_id=df[acc_col].astype(str).astype(object))[["__tier_id"]],
        meta={"__tier_id": object})
    known = dd.concat([ids, txn_ids.to_frame(name="__tier_id")]).drop_duplicates(
        split_out=max(1, npartitions))
    # Parents that are no customer, accounts that are their own parent: the first in the
    # book's order is the one the single process reports.
    checked = dd.merge(links, known.rename(columns={"__tier_id": "__tier_parent"})
                       .assign(__tier_known=1), on="__tier_parent", how="left",
                       shuffle="tasks")
    bad = checked[checked["__tier_known"].isna() |
                  (checked["__tier_id"] == checked["__tier_parent"])]
    (bad_rows, n_links) = client_compute(bad[["__tier_id", "__tier_parent", "__tier_pos"]],
                                         links.shape[0])
    if len(bad_rows):
        first = _first_in_book(client_compute, txn_ids, bad_rows)
        child, par = first["__tier_id"], first["__tier_parent"]
        if child == par:
            raise _fail(_cut("hierarchy: account %s is its own parent (%s)" % (child, ref)))
        raise _fail(_cut("hierarchy: account %s: its parent %s (%s) is not an account of the book"
                         % (child, par, ref)))
    ptr = links.rename(columns={"__tier_parent": "__tier_root"})
    rounds, reach = 0, 1
    while True:
        nxt = ptr[["__tier_id", "__tier_root"]].rename(
            columns={"__tier_id": "__tier_root", "__tier_root": "__tier_next"})
        merged = dd.merge(ptr, nxt, on="__tier_root", how="left", shuffle="tasks",
                          npartitions=max(1, npartitions)).persist()
        ptr = merged.map_partitions(_jump, meta={"__tier_id": object, "__tier_root": object,
                                                 "__tier_pos": "int64"}).persist()
        rounds += 1
        reach *= 2
        changed = int(client_compute((~merged["__tier_next"].isna()).sum())[0])
        if changed == 0 or reach >= n_links:
            break
    stats["hierarchy_rounds"] = rounds
    # A pointer that still names an account with a parent never reached a top: a cycle.
    nxt = ptr[["__tier_id"]].assign(__tier_cyc=1).rename(columns={"__tier_id": "__tier_root"})
    open_ = dd.merge(ptr, nxt, on="__tier_root", how="left", shuffle="tasks")
    stuck = open_[~open_["__tier_cyc"].isna()][["__tier_id"]]
    n_stuck = int(client_compute(stuck.shape[0])[0])
    if n_stuck:
        # The accounts in or leading into cycles (erroneous rows only) come to the driver.
        cyc = dd.merge(stuck, links, on="__tier_id", how="inner", shuffle="tasks")
        rows = client_compute(cyc)[0]
        raise _fail(_cut("hierarchy: " + _cycle_message(client_compute, txn_ids, rows, ref)))
    return ptr[["__tier_id", "__tier_root"]]


def _first_in_book(client_compute: Any, txn_ids: DaskFrame, rows: Any) -> Any:
    """The row of `rows` (accounts: `__tier_id`, `__tier_pos`) whose account comes first in the
    book `tier run` builds: the customers of the transactions in the order of their first row,
    then the accounts without transactions in the file's order."""
    order = _book_order(client_compute, txn_ids, list(rows["__tier_id"]))
    keyed = sorted(range(len(rows)), key=lambda i: order.get(
        rows["__tier_id"].iloc[i], (1, int(rows["__tier_pos"].iloc[i]))))
    return rows.iloc[keyed[0]]


def _book_order(client_compute: Any, txn_ids: DaskFrame, ids: Sequence[str]) -> Dict[str, Tuple[int, int]]:
    """(0, position of the first transaction) of those of `ids` (a few: erroneous accounts) that
    have transactions."""
    import numpy as np
    import pandas as pd
    wanted = set(ids)

    def first_rows(s: Any, partition_info: Any = None) -> Any:
        part = int(partition_info["number"]) if partition_info else 0
        pos = (np.int64(part) << np.int64(40)) + np.arange(len(s), dtype=np.int64)
        hit = s.isin(wanted).values
        return pd.DataFrame({"id": s.values[hit], "pos": pos[hit]})
    found = client_compute(txn_ids.map_partitions(first_rows, meta={"id": object, "pos": "int64"}))[0]
    out: Dict[str, Tuple[int, int]] = {}
    for ident, pos in zip(found["id"], found["pos"]):
        key = (0, int(pos))
        if ident not in out or key < out[ident]:
            out[str(ident)] = key
    return out


def _cycle_message(client_compute: Any, txn_ids: DaskFrame, rows: Any, ref: str) -> str:
    """The single process's message for the cycle it meets first (src/policy/org/hierarchy.c
    find_tops, report_cycle): the walk from the first account in book order that leads into a
    cycle, the cycle written from its account that comes first in the book, cut in the middle
    when too long for the message."""
    parent = {str(i): str(p) for i, p in zip(rows["__tier_id"], rows["__tier_parent"])}
    pos = {str(i): int(p) for i, p in zip(rows["__tier_id"], rows["__tier_pos"])}
    order = _book_order(client_compute, txn_ids, list(parent))

    def book_key(a: str) -> Tuple[int, int]:
        return order.get(a, (1, pos[a]))
    start = min(parent, key=book_key)
    seen = set()
    at = start
    while at not in seen:  # every account here leads into a cycle: the walk meets one
        seen.add(at)
        at = parent[at]
    cycle = [at]
    c = parent[at]
    while c != at:
        cycle.append(c)
        c = parent[c]
    first = min(cycle, key=book_key)
    return report_cycle(first, parent, len(cycle), ref)


def report_cycle(first: str, parent: Dict[str, str], length: int, ref: str) -> str:
    """The text of src/policy/org/hierarchy.c report_cycle, byte for byte (lengths in bytes of
    UTF-8), for the cycle from `first` of `length` accounts."""
    ref_b = ref.encode("utf-8", "surrogateescape")
    cap = _ERR_SIZE - len(ref_b) - 3 if len(ref_b) + 4 < _ERR_SIZE // 2 else _ERR_SIZE // 2
    first_b = first.encode("utf-8", "surrogateescape")
    tail = (b" -> ... -> " + first_b + b" (cycle of %d accounts)" % length)[:_ERR_SIZE - 1]
    msg = b""

    def put(s: bytes) -> None:
        nonlocal msg
        if len(msg) + len(s) + 1 <= cap:
            msg += s
    put(b"cycle: ")
    put(first_b)
    c = parent[first]
    for k in range(1, length + 1):
        ident = c.encode("utf-8", "surrogateescape")
        if len(msg) + 4 + len(ident) + (len(tail) if k < length else 0) + 1 > cap:
            put(tail)
            break
        put(b" -> ")
        put(ident)
        c = parent[c]
    out = (msg + b" (" + ref_b + b")")[:_ERR_SIZE - 1]
    return out.decode("utf-8", "surrogateescape")


def _cut(message: str) -> str:
    """A message as the library's buffer holds it (at most TIER__ERR_SIZE - 1 bytes)."""
    raw = message.encode("utf-8", "surrogateescape")[:_ERR_SIZE - 1]
    return raw.decode("utf-8", "surrogateescape")


def by_root(df: DaskFrame, roots: DaskFrame, npartitions: int) -> DaskFrame:
    """`df` (with `__tier_id`) with `__tier_root`: the top parent of its account, else the id
    itself (a hash join with the roots: one shuffle of `df`)."""
    merged = dd_merge(df, roots, npartitions)
    return merged.map_partitions(
        lambda p: p.assign(__tier_root=p["__tier_root"].where(p["__tier_root"].notna(),
                                                             p["__tier_id"]).astype(object)),
        meta=merged._meta)


def dd_merge(df: DaskFrame, roots: DaskFrame, npartitions: int) -> DaskFrame:
    """The left join of `df` and `roots` on `__tier_id`."""
    dd = _dd()
    return dd.merge(df, roots, on="__tier_id", how="left", shuffle="tasks",
                    npartitions=max(1, npartitions))


def drop_root(df: Any) -> Any:
    """A shuffled partition without its `__tier_root` key."""
    return df.drop(columns=["__tier_root"])


# ---- routing ------------------------------------------------------------------------------

def route_heads(g: Gathered) -> Dict[bytes, Tuple[bool, float]]:
    """The teams a part gathered: name -> (capacity of accounts, capacity)."""
    return {k: (v[0], v[1]) for k, v in g.routes.items()}


class Routing:
    """The routing figures of one pass: each team with a capacity of accounts keeps its first
    floor(capacity) routed rows in the global placing order; `targets` are the selection's
    (the last row kept, by rank), `lines()` the figure lines once they are found. Teams with a
    capacity of revenue are left to :class:`RevenueFill` (`revenue`: name -> capacity)."""

    def __init__(self, heads: Sequence[Dict[bytes, Tuple[bool, float]]],
                 counts: Dict[Tuple[str, Any], Tuple[int, int]]) -> None:
        teams: Dict[bytes, Tuple[bool, float]] = {}
        for h in heads:
            teams.update(h)
        self.targets: List[Target] = []
        self.revenue: Dict[bytes, float] = {}
        self._plan: List[Tuple[bytes, int, Optional[Target]]] = []
        for name, (accounts, capacity) in sorted(teams.items()):
            if not accounts:
                self.revenue[name] = capacity
                continue
            n = counts.get(("route", name), (0, 0))[0]
            limit = n if capacity >= float(n) else max(0, int(capacity))
            if limit == 0:
                self._plan.append((name, 3, None))
            elif n <= limit:
                self._plan.append((name, 1, None))
            else:
                last = Target("route", name, rank=limit - 1)
                self.targets.append(last)
                self._plan.append((name, 2, last))

    def lines(self) -> List[bytes]:
        """`route TEAM KIND KEY ID` per team (after the selection found the targets)."""
        out = []
        for name, kind, t in self._plan:
            if t is None:
                out.append(b"route\t%s\t%d\t\t" % (escape(name), kind))
            else:
                out.append(b"route\t%s\t2\t%016x\t%s" % (escape(name), t.found_key or 0,
                                                         escape(t.found_id or b"")))
        return out


# ---- revenue capacities -----------------------------------------------------------------------

#: The bits of the largest finite double.
_MAX_BITS = 0x7FEFFFFFFFFFFFFF


def _bits_value(bits: int) -> float:
    """The double of IEEE bits `bits`."""
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


def fit_room(used: int, capacity: float) -> float:
    """The largest double v >= 0 with rounded(used + v) <= capacity (used in exact units, its
    own rounding within the capacity): rows of revenue up to v fit the room left."""
    lo, hi = 0, _MAX_BITS  # bits of non-negative doubles order as the doubles
    if round_units(used + exact_units(_bits_value(hi))) <= capacity:
        return _bits_value(hi)
    while lo < hi:  # invariant: lo fits, hi does not
        mid = (lo + hi + 1) // 2
        if mid == hi:
            break
        v = _bits_value(mid)
        if round_units(used + (exact_units(v) if v > 0 else 0)) <= capacity:
            lo = mid
        else:
            hi = mid
    return _bits_value(lo)


def _key_revenue(key: int) -> float:
    """The revenue (positive) whose descending order key is `key`."""
    return _bits_value((~key) & (U64_MAX >> 1))


def desc_key(v: float) -> int:
    """tier__order_key(v, 1) of a non-negative double (models/order.c)."""
    bits = int(struct.unpack("<Q", struct.pack("<d", v + 0.0))[0])
    return (~(bits | (1 << 63))) & U64_MAX


class _Stop(Target):
    """The first row, from a phase's start on, at which the exact sum of the rows placed so far
    and the phase's rows up to it, rounded once, passes the capacity. After the selection,
    `count` and `units` are the rows before that row and their exact sum (from the walk of the
    rows at its key, the selection's last step, which stops at the first row that passes)."""

    def __init__(self, name: bytes, used: int, base: int, capacity: float) -> None:
        super().__init__("route", name, double=True)
        self.used, self.base, self.capacity = used, base, capacity
        self.count = 0
        self.units = 0

    def reached(self, count: int, total: int) -> bool:
        """True when the rows up to here (count, exact sum total) pass the capacity."""
        hit = round_units(self.used + total - self.base) > self.capacity
        if hit and self.found_key is not None:  # the walk of the rows at the found key
            value = _key_revenue(self.found_key)
            self.count, self.units = count - 1, total - exact_units(value)
        return hit


class RevenueFill:
    """The placed rows of each team with a capacity of revenue, as one process fills it: phase
    by phase, the longest run from the phase's start whose exact sum fits (a selection over the
    parts' exact prefix sums), then a skip to the first row whose own revenue fits the room left
    (all rows from there on are no larger: the first with an order key at or above that of the
    largest revenue that fits, a count below a key); each phase at least halves the room, so
    there are at most about log2(capacity / smallest revenue) + 2 of them. The runs' ends, ranks
    in the order, are named by key and id by one last selection by rank."""

    def __init__(self, teams: Dict[bytes, float],
                 counts: Dict[Tuple[str, Any], Tuple[int, int]]) -> None:
        self.teams = teams
        self.n = {name: counts.get(("route", name), (0, 0))[0] for name in teams}
        self.ranges: Dict[bytes, List[Tuple[Target, Target]]] = {name: [] for name in teams}
        self.phases = 0

    def run(self, select: Callable[[List[Target]], None],
            below: Callable[[Sequence[Tuple[Tuple[Any, ...], List[int]]]],
                            List[Tuple[List[int], List[int]]]]
            ) -> None:
        """Fills every team: `select(targets)` runs the distributed selection, `below(asks)`
        gives per (list, [pivot]) the count and exact sum of the rows at or below the pivot,
        summed over the parts."""
        # name -> (the revenue placed so far in exact units, the phase's first order key)
        state: Dict[bytes, Tuple[int, int]] = {n: (0, 0) for n in self.teams if self.n[n]}
        spans: Dict[bytes, List[Tuple[int, int]]] = {n: [] for n in self.teams}
        while state:
            self.phases += 1
            names = sorted(state)
            # Where each phase starts: the rows (and their sum) before its first key; and the
            # sum of all the rows, to see whether all the rows from there on fit.
            asks = [(("route", n, True), [state[n][1] - 1, U64_MAX]) for n in names]
            stops: Dict[bytes, _Stop] = {}
            starts: Dict[bytes, int] = {}
            for n, (counts, sums) in zip(names, below(asks)):
                used, first = state[n]
                start, base = (int(counts[0]), int(sums[0])) if first else (0, 0)
                starts[n] = start
                if start >= self.n[n]:
                    del state[n]
                elif round_units(used + int(sums[1]) - base) <= self.teams[n]:
                    spans[n].append((start, self.n[n] - 1))  # all the rest fits
                    del state[n]
                else:
                    stops[n] = _Stop(n, used, base, self.teams[n])
            select(list(stops.values()))
            for n, stop in stops.items():
                rows = stop.count  # the rows before the stopping row
                if rows > starts[n]:
                    spans[n].append((starts[n], rows - 1))
                used = stop.used + stop.units - stop.base  # the sum before the stopping row
                state[n] = (used, desc_key(fit_room(used, self.teams[n])))
        ends: List[Target] = []
        for n in sorted(spans):
            for a, b in spans[n]:
                pair = (Target("route", n, rank=a), Target("route", n, rank=b))
                self.ranges[n].append(pair)
                ends += pair
        select(ends)

    def lines(self) -> List[bytes]:
        """`routed TEAM K` and its K ranges per team, teams by name."""
        out = []
        for name in sorted(self.teams):
            pairs = self.ranges[name]
            out.append(b"routed\t%s\t%d" % (escape(name), len(pairs)))
            for a, b in pairs:
                out.append(b"%016x\t%s\t%016x\t%s" % (a.found_key or 0, escape(a.found_id or b""),
                                                     b.found_key or 0, escape(b.found_id or b"")))
        return out
