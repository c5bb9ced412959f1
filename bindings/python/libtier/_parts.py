# SPDX-License-Identifier: MIT
"""The per-part pieces of a run split over parts of the customers (docs/distributed.md).

Engine-free: nothing here imports Dask. A :class:`Part` is one partition's customers (every row
of each of them) as a libtier Book; the functions below compute, on a part, the mergeable
summaries a global fit needs (counts and fixed-point sums below a list of pivots, the rows tied
at one order key), and the driver-side functions turn the merged summaries into the global
figures: RFM cut points (type-7 quantiles) and the population figures of a policy (where the
abc() classes end, whom a cap keeps) in the text of ``tier_result_set_population``. The Dask
front end (:mod:`libtier.dask`) and a Spark one differ only in how they move these pieces.

State that travels between processes (:class:`Blob`): fitted models, policies and figures as
versioned, checksummed bytes; a corrupt blob raises :class:`libtier.Error` (``TIER_ECORRUPT``).
"""

import ctypes
import math
import struct
import zlib
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import _ffi
from ._ffi import F

__all__ = ["Blob", "Part", "PartConfig", "Target", "cap_limit", "rfm_cuts", "KIND_COLUMNS"]

#: The output columns of each model kind in ``tier run --out`` (src/pipeline/models.c), "@"
#: standing for the model's name.
KIND_COLUMNS: Dict[str, str] = {
    "rfm": ("r=@.r,f=@.f,m=@.m:2,tenure=@.tenure,r_score=@.r_score,f_score=@.f_score,"
            "m_score=@.m_score,segment=@.segment,value_class=@.value_class"),
    "pareto": "pareto_class=@.class",
    "clv": "p_alive=@.p_alive:4,expected_purchases=@.expected_purchases:4,clv=@.clv:2",
    "lifecycle": "stage=@.stage,onboarding=@.onboarding",
    "scorecard": "value_score=@.score:1,grade=@.grade",
    "needs": "need_segment=@.segment",
    "subscription": ("mrr=@.mrr:2,arr=@.arr:2,tenure_months=@.tenure_months,renewals=@.renewals,"
                     "mrr_change=@.mrr_change:2,days_to_end=@.days_to_end,movement=@.movement"),
    "sbg": "p_renew=@.p_renew:4,derl=@.derl:4,contract_clv=@.clv:2",
}

#: Model kinds a split run fits exactly today: rfm (global cut points), lifecycle (its fit
#: learns nothing from the population: thresholds are options) and pareto (its classes from the
#: global ends of A and B, as an abc() call "pareto:<name>" of the population figures, and its
#: share from the figures' total of that call), clv, sbg and subscription (fitted from the
#: parts' mergeable fit summaries, libtier._dask_fit), scorecard (a model a part, with the global
#: statistics and counts: libtier._dask_ranks), needs (fitted by the rounds of
#: libtier._dask_needs: mergeable summaries, exact centroid sums); the
#: others learn from the whole population in ways not yet merged (docs/distributed.md, "Not yet
#: distributed").
SUPPORTED_KINDS = ("rfm", "lifecycle", "pareto", "clv", "sbg", "subscription", "scorecard",
                   "needs")

#: Outputs of a model kind that stay the part's own in a split run (read by no output column of
#: `tier run --out`): a policy that reads them is refused. (A Pareto model's cum_share is the
#: population's since 0.5.0: libtier._dask_ranks.cum_sums.)
PART_OUTPUTS: Dict[str, Tuple[str, ...]] = {}

_MAGIC = b"LTDB"
_BLOB_VERSION = 1
_BLOB_KINDS = {"model": 1, "policy": 2, "figures": 3}
_HEADER = struct.Struct("<4sBBII")  # magic, version, kind, payload length, crc32

U64_MAX = (1 << 64) - 1


def _corrupt(message: str) -> _ffi.TierError:
    """A libtier.Error with status TIER_ECORRUPT."""
    return _ffi.TierError(_ffi.ECORRUPT, "TIER_ECORRUPT", message)


class Blob:
    """Versioned, checksummed bytes of state that travels: ``Blob.pack(kind, fields)`` and
    ``Blob.unpack(data, kind)``. `fields` is a list of text fields (a model's kind, name and
    saved state; a policy's origin and text). The layout: "LTDB", version 1, kind, payload length
    and CRC-32 (little endian), then the payload (each field as a 4-byte length and UTF-8)."""

    @staticmethod
    def pack(kind: str, fields: Sequence[str]) -> bytes:
        """The blob of `fields` (texts) of `kind` ("model", "policy" or "figures")."""
        payload = b"".join(struct.pack("<I", len(raw)) + raw
                           for raw in (f.encode("utf-8", "surrogateescape") for f in fields))
        return _HEADER.pack(_MAGIC, _BLOB_VERSION, _BLOB_KINDS[kind], len(payload),
                            zlib.crc32(payload) & 0xFFFFFFFF) + payload

    @staticmethod
    def unpack(data: bytes, kind: str) -> List[str]:
        """The fields of a blob of `kind`; libtier.Error (TIER_ECORRUPT) naming what is wrong
        when it is not one (cut short, another kind or version, a checksum mismatch)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("a blob is bytes, not %s" % type(data).__name__)
        data = bytes(data)
        if len(data) < _HEADER.size:
            raise _corrupt("libtier blob: %d bytes, shorter than its %d-byte header"
                           % (len(data), _HEADER.size))
        magic, version, code, length, crc = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise _corrupt("not a libtier blob (magic %r)" % (magic,))
        if version != _BLOB_VERSION:
            raise _corrupt("libtier blob version %d; this binding reads version %d"
                           % (version, _BLOB_VERSION))
        if code != _BLOB_KINDS[kind]:
            raise _corrupt("libtier blob of kind %d, expected %s" % (code, kind))
        payload = data[_HEADER.size:]
        if len(payload) != length:
            raise _corrupt("libtier %s blob: payload of %d bytes, the header says %d (cut short?)"
                           % (kind, len(payload), length))
        if zlib.crc32(payload) & 0xFFFFFFFF != crc:
            raise _corrupt("libtier %s blob: checksum mismatch (damaged in transit?)" % kind)
        fields, at = [], 0
        while at < len(payload):
            if at + 4 > len(payload):
                raise _corrupt("libtier %s blob: a field length cut short" % kind)
            (n,) = struct.unpack_from("<I", payload, at)
            at += 4
            if at + n > len(payload):
                raise _corrupt("libtier %s blob: a field runs past the end" % kind)
            try:
                fields.append(payload[at:at + n].decode("utf-8", "surrogateescape"))
            except UnicodeDecodeError as exc:  # pragma: no cover - surrogateescape never fails
                raise _corrupt("libtier %s blob: %s" % (kind, exc)) from None
            at += n
        return fields


def model_blob(model: Any) -> bytes:
    """A fitted model as a blob: its kind, name and saved state (tier_model_save)."""
    return Blob.pack("model", [model.kind, model.name, model.save()])


def model_from_blob(data: bytes) -> Any:
    """The model of a blob made by :func:`model_blob` (TIER_ECORRUPT when damaged; the
    model's own load checks its state)."""
    from .models import Model as _Model
    Model: Any = _Model
    fields = Blob.unpack(data, "model")
    if len(fields) != 3:
        raise _corrupt("libtier model blob: %d fields, expected 3" % len(fields))
    kind, name, state = fields
    model = Model.new(kind, name)
    with model._closed_on_error():
        model.load(state)
    return model


def new_model(spec: Dict[str, Any], as_of: int) -> Any:
    """A new model of a policy's declaration `spec` (kind, name, options), with the run's as-of
    day (a day number) when the model has that option and the policy does not set it."""
    from .models import Model as _Model
    Model: Any = _Model
    m = Model.new(spec["kind"], spec["name"], **spec["options"])
    with m._closed_on_error():
        set_as_of(m, spec, as_of)
    return m


class PolicySource:
    """A policy as its text (picklable; the policy itself is a C object): a built-in name, a
    policy file's path, or text. ``load()`` makes the :class:`libtier.Policy`."""

    text: str
    origin: str

    def __init__(self, policy: Any) -> None:
        from .policy import Policy as _Policy
        Policy: Any = _Policy
        if isinstance(policy, PolicySource):
            self.text, self.origin = policy.text, policy.origin
            return
        name = str(policy)
        if name in Policy.builtins():
            self.text, self.origin = Policy.builtin_text(name), name
        elif "\n" in name:
            self.text, self.origin = name, "<string>"
        else:
            with open(name, "r", encoding="utf-8", errors="surrogateescape") as fh:
                self.text, self.origin = fh.read(), name
        Policy.from_string(self.text, self.origin).close()  # refuse a bad policy here, once

    def load(self) -> Any:
        """The policy (a new libtier.Policy)."""
        from .policy import Policy as _Policy
        Policy: Any = _Policy
        return Policy.from_string(self.text, self.origin)

    def to_bytes(self) -> bytes:
        """The policy as a blob."""
        return Blob.pack("policy", [self.origin, self.text])

    @classmethod
    def from_bytes(cls, data: bytes) -> "PolicySource":
        """The policy of a blob made by to_bytes()."""
        fields = Blob.unpack(data, "policy")
        if len(fields) != 2:
            raise _corrupt("libtier policy blob: %d fields, expected 2" % len(fields))
        out = cls.__new__(cls)
        out.origin, out.text = fields
        return out

    def __reduce__(self) -> Tuple[Any, Tuple[bytes]]:
        return (PolicySource.from_bytes, (self.to_bytes(),))


# ---- order keys and exact shares -------------------------------------------------------------

def order_keys(values: Any) -> Any:
    """The library's order keys (models/order.c) of float64 values, ascending (NumPy)."""
    import numpy as np
    v = np.asarray(values, dtype=np.float64) + 0.0  # -0.0 -> 0.0: equal numbers, equal keys
    u = v.view(np.uint64)
    top = np.uint64(1) << np.uint64(63)
    return np.where(u & top, ~u, u | top)


def reaches(cum: int, total: int, t6: int) -> bool:
    """The Pareto rule, exactly: cum * 10^6 >= t6 * total."""
    return cum * 1000000 >= t6 * total


#: Doubles as exact integers: a positive finite double times 2^1074 (src/models/order.c,
#: tier__xsum). Sums of these are exact, so they merge over parts in any order.
_UNIT_BITS = 1074


def exact_units(x: float) -> int:
    """x (positive, finite) times 2^1074, exactly."""
    num, den = float(x).as_integer_ratio()
    return num << (_UNIT_BITS - (den.bit_length() - 1))


def round_units(units: int) -> float:
    """An exact sum of units rounded to the nearest double, ties to even (as tier__xsum_round:
    Python's int division rounds correctly); inf beyond the largest double."""
    try:
        return units / (1 << _UNIT_BITS)
    except OverflowError:
        return math.inf


def reaches_double(cum: int, total: float, t6: int) -> bool:
    """The Pareto rule over doubles (src/models/order.c tier__abc_cut_double): the exact
    cumulative sum `cum` (units) rounded once, against the rounded total."""
    return round_units(cum) * 1e6 >= float(t6) * total


def desc_key_values(keys: Any) -> List[float]:
    """The doubles whose descending order keys (tier__order_key(x, 1)) are `keys`."""
    return [struct.unpack("<d", struct.pack("<Q", (~int(k)) & (U64_MAX >> 1)))[0]
            for k in keys]


def cap_limit(is_count: bool, amount: float, n: int) -> int:
    """How many of `n` rows a cap keeps (src/policy/apply.c cap_limit, the same doubles)."""
    if is_count:
        return n if amount >= float(n) else int(amount)
    x = amount * float(n)
    if x >= float(n):
        return n
    return int(math.floor(x + 1e-9 * (x if x > 1 else 1)))


def rfm_cuts(n: int, bins: int, value_at: Dict[int, float]) -> List[float]:
    """Type-7 cut points of the RFM model (src/models/rfm/quantiles.c) from the order
    statistics `value_at` {rank: value} of `n` values."""
    cuts = []
    for j in range(1, bins):
        num = (n - 1) * j
        lo, frac = num // bins, float(num % bins) / float(bins)
        a = value_at[lo]
        b = value_at[lo + 1] if lo + 1 < n else a
        if frac == 0.0 or a == b:
            q = a
        else:
            q = a + frac * (b - a)
            q = a if q < a else b if q > b else q
        cuts.append(q)
    return cuts


def rfm_ranks(n: int, bins: int) -> List[int]:
    """The order statistics rfm_cuts() needs."""
    out = set()
    for j in range(1, bins):
        lo = (n - 1) * j // bins
        out.add(lo)
        if lo + 1 < n:
            out.add(lo + 1)
    return sorted(out)


def escape(raw: bytes) -> bytes:
    """A text field of the population formats: '%', control bytes and DEL as %XX."""
    out = bytearray()
    for ch in raw:
        if ch < 0x20 or ch in (0x25, 0x7F):
            out += b"%%%02X" % ch
        else:
            out.append(ch)
    return bytes(out)


def unescape(field: bytes) -> bytes:
    """The bytes of an escaped field."""
    if b"%" not in field:
        return field
    out, i = bytearray(), 0
    while i < len(field):
        if field[i] == 0x25:
            out.append(int(field[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(field[i])
            i += 1
    return bytes(out)


class Target:
    """One global figure to find: the row where an abc() class ends (by fixed-point sums) or
    the row at a rank (by counts: a cap's last kept candidate, an RFM order statistic)."""

    def __init__(self, kind: str, key: Any, which: int = 0, t6: int = 0, rank: int = 0,
                 double: bool = False) -> None:
        self.kind = kind    # "abc", "cap" or "rfm"
        self.double = double  # abc: sums of doubles (exact units, rounded) instead of fixed point
        self.dtotal = 0.0   # abc over doubles: the global total rounded
        self.key = key      # the call text, the tier index, or (model, dimension)
        self.which = which  # abc: 0 (class A) or 1 (class B)
        self.t6 = t6        # abc: the threshold in millionths
        self.rank = rank    # cap/rfm: the 0-based global rank of the row sought
        self.total = 0      # abc: the global fixed-point total
        self.found_key: Optional[int] = None
        self.found_id: Optional[bytes] = None

    def source(self) -> Tuple[str, Any, bool]:
        """Which gathered list of a part the target reads, and whether its sums are doubles."""
        return (self.kind, self.key, self.double)

    def reached(self, count: int, total: int) -> bool:
        """True when `count` rows summing to `total` reach the target."""
        if self.kind == "abc" and self.double:
            return reaches_double(total, self.dtotal, self.t6)
        if self.kind == "abc":
            return reaches(total, self.total, self.t6)
        return count >= self.rank + 1


# ---- one part -------------------------------------------------------------------------------

class PartConfig:
    """What every part of a run shares: the column roles, the policy (as text), the models'
    kinds, names and options. (The as-of day, known only once the parts exist, is an argument of
    each pass: the parts keep the configuration they were made with.)"""

    def __init__(self, id: str, date: str, amount: str, margin: Optional[str],
                 account_id: Optional[str], policy: PolicySource,
                 models: List[Dict[str, Any]], contract_id: Optional[str] = None) -> None:
        self.id, self.date, self.amount, self.margin = id, date, amount, margin
        self.account_id = account_id
        self.contract_id = contract_id  # the id column of the contracts, when there are any
        self.policy = policy
        self.models = models


class Gathered:
    """The inputs a part gathered for the population figures in one pass, in the library's
    order: per abc() call its order keys, fixed-point values and lead ids; per cap its keys and
    ids; the rows of the part's run."""

    def __init__(self) -> None:
        self.rows = 0
        #: abc calls with a value that is not a fixed-point amount (summed in doubles).
        self.inexact: List[bytes] = []
        self.abc: Dict[bytes, Tuple[int, int, Any, Any, Any]] = {}
        self._units: Dict[Tuple[str, bytes], List[int]] = {}
        self.caps: Dict[int, Tuple[bool, float, Any, Any]] = {}
        #: Routing teams with a capacity: name -> (of accounts, capacity, keys, lead ids).
        self.routes: Dict[bytes, Tuple[bool, float, Any, Any]] = {}
        self.rfm: Dict[Tuple[str, str], Any] = {}
        #: pct_rank calls: the distinct values' order keys (ascending) and their counts.
        self.ranks: Dict[bytes, Tuple[Any, Any]] = {}

    @classmethod
    def parse(cls, text: bytes, rows: int) -> "Gathered":
        """Reads the text of tier_result_population()."""
        import numpy as np
        g = cls()
        g.rows = rows
        lines = text.split(b"\n")
        if not lines or lines[0] != b"libtier-population-inputs 1":
            raise _corrupt("population inputs: unexpected header %r" % lines[:1])
        i = 1
        while i < len(lines) and lines[i] != b"end":
            head = lines[i].split(b"\t")
            count = int(head[-1])
            body = [ln.split(b"\t") for ln in lines[i + 1:i + 1 + count]]
            i += 1 + count
            keys = np.array([int(f[0], 16) for f in body], dtype=np.uint64)
            if head[0] == b"route":
                g.routes[unescape(head[1])] = (head[2] == b"accounts", float(head[3]), keys,
                                               _id_array([unescape(f[1]) for f in body]))
            elif head[0] == b"rank":
                g.ranks[unescape(head[1])] = (keys, np.array([int(f[1]) for f in body],
                                                             dtype=np.int64))
            elif head[0] == b"abc":
                key = unescape(head[1])
                if any(f[1] == b"-" for f in body) and key not in g.inexact:
                    g.inexact.append(key)
                fixed = np.array([0 if f[1] == b"-" else int(f[1]) for f in body],
                                 dtype=np.int64)
                if key not in g.abc:
                    g.abc[key] = (int(head[2]), int(head[3]), keys, fixed,
                                  _id_array([unescape(f[2]) for f in body]))
            else:
                t = int(head[1])
                g.rows = int(head[4])  # the rows of the run: with a hierarchy, its group rows
                if t not in g.caps:
                    g.caps[t] = (head[2] == b"count", float(head[3]), keys,
                                 _id_array([unescape(f[1]) for f in body]))
        return g

    def _prefix_units(self, key: bytes, kind: str = "abc") -> List[int]:
        """Prefix sums (exact units) of abc call `key`'s values, or (kind "route") of a routing
        team's revenue (its order keys carry it; a row without positive revenue adds 0), in
        order; cached."""
        if (kind, key) not in self._units:
            out, run = [0], 0
            keys = self.abc[key][2] if kind == "abc" else self.routes[key][2]
            for x in desc_key_values(keys):
                run += exact_units(x) if x > 0 else 0
                out.append(run)
            self._units[(kind, key)] = out
        return self._units[(kind, key)]

    def _units_of(self, source: Tuple[Any, ...]) -> List[int]:
        """The prefix units of a list summed in doubles ([0] when the part has no such list)."""
        kind, key = source[0], source[1]
        if (kind == "abc" and key in self.abc) or (kind == "route" and key in self.routes):
            return self._prefix_units(key, kind)
        return [0]

    def _list(self, source: Tuple[Any, ...]) -> Tuple[Any, Any, Any]:
        """(keys ascending, fixed values or None, ids or None) of one gathered list."""
        import numpy as np
        kind, key = source[0], source[1]
        if kind == "abc":
            if key not in self.abc:
                return np.zeros(0, np.uint64), np.zeros(0, np.int64), _id_array([])
            _, _, keys, fixed, ids = self.abc[key]
            return keys, fixed, ids
        if kind in ("cap", "route"):
            lists: Dict[Any, Tuple[bool, float, Any, Any]] = (self.caps if kind == "cap"
                                                              else self.routes)  # type: ignore
            if key not in lists:
                return np.zeros(0, np.uint64), None, _id_array([])
            return lists[key][2], None, lists[key][3]
        return self.rfm.get(key, np.zeros(0, np.uint64)), None, None

    def below(self, source: Tuple[Any, ...], pivots: Any) -> Tuple[Any, Any]:
        """Counts and sums of the rows with key <= each pivot: fixed-point (int64 arrays), or
        for a list summed in doubles (source[2]) exact units (Python ints)."""
        import numpy as np
        keys, fixed, _ = self._list(source)
        at = np.searchsorted(keys, pivots, side="right")
        if len(source) > 2 and source[2]:
            units = self._units_of(source)
            return at.astype(np.int64), [units[int(i)] for i in at]
        if fixed is None:
            return at.astype(np.int64), np.zeros(len(at), np.int64)
        prefix = np.concatenate([np.zeros(1, np.int64), np.cumsum(fixed, dtype=np.int64)])
        return at.astype(np.int64), prefix[at]

    def ties(self, source: Tuple[Any, ...], key: int) -> Tuple[int, int, List[Tuple[bytes, int]]]:
        """Rows before key `key` (count, sum) and the rows at it as (id, value): fixed point, or
        exact units for a list summed in doubles (source[2])."""
        import numpy as np
        keys, fixed, ids = self._list(source)
        k = np.uint64(key)
        lo = int(np.searchsorted(keys, k, side="left"))
        hi = int(np.searchsorted(keys, k, side="right"))
        if len(source) > 2 and source[2]:
            units = self._units_of(source)
            return lo, units[lo], [(bytes(ids[i]), units[i + 1] - units[i])
                                   for i in range(lo, hi)]
        s = int(fixed[:lo].sum(dtype=np.int64)) if fixed is not None else 0
        rows = [((bytes(ids[i]) if ids is not None else b""),
                 int(fixed[i]) if fixed is not None else 0) for i in range(lo, hi)]
        return lo, s, rows

    def totals(self, doubles: Sequence[bytes] = ()) -> Dict[Tuple[str, Any], Tuple[int, int]]:
        """Every list's row count and total: fixed point (a Python int: no overflow), or exact
        units for the abc calls in `doubles`."""
        out: Dict[Tuple[str, Any], Tuple[int, int]] = {}
        for key, (_, _, keys, fixed, _) in self.abc.items():
            if key in doubles:
                out[("abc", key)] = (len(keys), self._prefix_units(key)[-1])
            else:
                small = float(fixed.sum(dtype="float64")) < 2.0 ** 62
                out[("abc", key)] = (len(keys), int(fixed.sum(dtype="int64")) if small
                                     else sum(int(v) for v in fixed))
        for t, (_, _, keys, _) in self.caps.items():
            out[("cap", t)] = (len(keys), 0)
        for name, (_, _, keys, _) in self.routes.items():
            out[("route", name)] = (len(keys), 0)
        for rk, keys in self.rfm.items():
            out[("rfm", rk)] = (len(keys), 0)
        return out


def set_as_of(model: Any, spec: Dict[str, Any], as_of: int) -> None:
    """Sets the run's as-of day (a day number) on `model` unless the policy sets it or the
    model has no such option (sbg)."""
    if "as_of" not in spec["options"] and any(n == "as_of" for n, _, _ in model._option_infos()):
        model.set_option("as_of", float(as_of))


def _id_array(ids: List[bytes]) -> Any:
    """Ids as one NumPy bytes array (ids hold no NUL byte, so none is lost to its padding): one
    object instead of one a customer."""
    import numpy as np
    return np.array(ids, dtype=bytes) if ids else np.zeros(0, dtype="S1")


def _declare_empty(book: Any, accounts: Any, id_col: Optional[str]) -> None:
    """Declares, as numbers missing for every customer (NaN), the attribute columns with no
    value in this part's accounts: the whole file has them (a model that reads one, as the
    scorecard does, finds it as in one process) while no account of the part has a value."""
    if not book.customer_count():
        return
    first = book.customer_id(0)
    for col in accounts.columns:
        if col in ("__tier_id", id_col):
            continue
        values = accounts[col]
        if bool((values.isna() | (values.astype(str) == "")).all()):
            book.set_number(first, str(col), float("nan"))


class Part:
    """One partition's customers as a Book, with every row of each of its customers (rows of one
    customer in two parts would be two customers). Pickles as its rows: the Book is rebuilt on
    the other side."""

    def __init__(self, rows: Any, accounts: Any, config: PartConfig,
                 contracts: Any = None) -> None:
        self.rows, self.accounts, self.config = rows, accounts, config
        self.contracts = contracts
        self._book: Any = None

    def __reduce__(self) -> Tuple[Any, Tuple[Any, Any, PartConfig, Any]]:
        return (Part, (self.rows, self.accounts, self.config, self.contracts))

    @property
    def book(self) -> Any:
        """The part's Book (built on first use)."""
        if self._book is None:
            from .book import Book as _Book
            Book: Any = _Book
            c = self.config
            book = Book()
            if self.accounts is not None and len(self.accounts):
                data = self.accounts.drop(columns=["__tier_id"]).to_csv(index=False, na_rep="")
                book.read_attributes_csv_text(data, id=c.account_id)
            if len(self.rows):
                book.add_dataframe(self.rows, id=c.id, date=c.date, amount=c.amount,
                                   margin=c.margin)
            if self.accounts is not None:
                _declare_empty(book, self.accounts, c.account_id)
            if self.contracts is not None and len(self.contracts):
                # as text, read as `tier run --contracts` reads its file (after the accounts)
                from .book import CsvReader
                data = self.contracts.drop(columns=["__tier_id"]).to_csv(index=False, na_rep="")
                with CsvReader(id=c.contract_id or "customer_id") as reader:
                    reader.read_contracts_buffer(book, data)
            self._book = book
        return self._book

    def day_range(self) -> Optional[Tuple[int, int]]:
        """(first, last) day of the part's transactions, None when it has none."""
        span: Optional[Tuple[int, int]] = self.book.day_range()
        return span

    def customer_count(self) -> int:
        """The customers of the part."""
        return int(F.tier_book_customer_count(self.book._p))

    def models(self, as_of: int, blobs: Optional[Dict[str, bytes]] = None) -> List[Any]:
        """The policy's models: loaded from `blobs` {name: model blob} when given, else new with
        the policy's options and the run's as-of day (a day number)."""
        out = []
        for spec in self.config.models:
            if blobs is not None and spec["name"] in blobs:
                out.append(model_from_blob(blobs[spec["name"]]))
                continue
            out.append(new_model(spec, as_of))
        return out

    def rfm_values(self, as_of: int) -> Gathered:
        """The order keys of every RFM model's r, f and m over the part's customers with a
        purchase (what the model's fit takes quantiles of), sorted."""
        import numpy as np
        g = Gathered()
        models = self.models(as_of)
        try:
            for m, spec in zip(models, self.config.models):
                if spec["kind"] != "rfm":
                    continue
                m.fit(self.book)
                frame = m.score(self.book)
                with frame:
                    r = np.asarray(frame.numbers(spec["name"] + ".r"), dtype=np.float64)
                    have = ~np.isnan(r)
                    for dim in ("r", "f", "m"):
                        v = np.asarray(frame.numbers(spec["name"] + "." + dim), np.float64)
                        g.rfm[(spec["name"], dim)] = np.sort(order_keys(v[have]))
        finally:
            for m in models:
                m.close()
        return g

    def columns(self, result: Any, policy: Any) -> str:
        """The output columns of `tier run --out` (src/pipeline/run.c default_columns)."""
        cols = ["customer_id", "tier"]
        for spec in self.config.models:
            cols.append(KIND_COLUMNS[spec["kind"]].replace("@", spec["name"]))
        have = set(result.columns)
        cols += [c for c in ("flags", "route") if c in have]
        cols += ["ent." + name for name in policy.entitlements]
        cols.append("reason")
        return ",".join(cols)

    def run(self, figures: bytes, blobs: Dict[str, bytes], columns: bool, as_of: int) -> Any:
        """One pass: the policy placed against `figures`; returns the Gathered inputs, or with
        `columns` the output CSV bytes of the part."""
        from .result import Result
        policy = self.config.policy.load()
        models = self.models(as_of, blobs)
        result: Any = Result()
        try:
            F.tier_result_set_population(result._p, figures, len(figures))
            from .dates import from_day
            result.run(self.book, models, policy, as_of=from_day(as_of))
            if columns:
                return result.to_bytes(columns=self.columns(result, policy))
            Text: Any = _ffi.Text
            with Text() as text:
                F.tier_result_population(result._p, text.ptr)
                raw = ctypes.string_at(F.tier_text_data(text.ptr), F.tier_text_length(text.ptr))
                return Gathered.parse(raw, result.customer_count())
        finally:
            result.close()
            for m in models:
                m.close()
            closer: Any = policy.close
            closer()
