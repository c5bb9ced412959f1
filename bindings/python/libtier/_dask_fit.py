# SPDX-License-Identifier: MIT
"""Global fits of the clv, sbg and subscription models on Dask from mergeable summaries
(docs/distributed.md, "CLV, sBG and subscription fits").

Each part writes the model's fit summary on its Book (``tier_model_fit_summary``: what the fit
reads from the population, as counts per distinct value that add up over parts), with the
policy's models before it placed as `tier run` places them (from the blobs the driver has
fitted, the others fitted on the part) and scored into the frame the model reads. The summaries
are merged pairwise on the workers (``tier_model_merge_summaries``, a tree of depth log2 P), so
the driver receives one; the driver fits the model from it (``tier_model_fit_summaries``: the
same state, byte for byte, as a fit on the whole population) and ships it to every part as a
model blob. The models are fitted in the policy's order, so a model that reads an earlier one's
columns (sbg reading subscription.renewals) reads the globally fitted one.

The clv model is not fitted from one merged summary (its Gamma-Gamma rows are close to one a
repeat customer): each part keeps its own summary on its worker, the driver counts the
population's distinct rows by a shuffle of the parts' rows by hash (each bucket's union on one
worker; the driver receives two counts a bucket), then runs the fit's rounds
(``CLV.dist_begin`` / ``dist_merge``): every round each part answers with the exact sums of its
rows' log-likelihood at one point (``CLV.dist_answer``), a few kilobytes whatever its size, and
the driver's model ends fitted exactly as `tier run` fits it. ``stats`` gets "clv_rounds" and
"clv_bytes" (the bytes of the answers the driver received).

The pieces do not import Dask: :func:`part_summary` and :func:`merge_summaries` run anywhere;
:func:`fit_summary_models` takes the scheduling calls as arguments.
"""

import zlib
from typing import Any, Callable, Collection, Dict, List, Optional, Sequence, Set, Tuple

from ._parts import Part, PartConfig, model_blob, new_model

__all__ = ["SUMMARY_KINDS", "clv_answer", "distinct_buckets", "distinct_count",
           "fit_summary_models", "merge_summaries", "part_summary"]

#: Model kinds fitted from mergeable summaries (their vtables have fit_summary).
SUMMARY_KINDS = ("clv", "sbg", "subscription")

#: A spec of the policy's models: {"kind", "name", "options"} (Policy.models()).
Spec = Dict[str, Any]


def part_summary(part: Part, name: str, as_of: int, blobs: Dict[str, bytes]) -> bytes:
    """On a worker: the fit summary of model `name` on the part's Book. The models before it in
    the policy are placed first, in order, into one frame (those in `blobs` loaded from there,
    the others fitted on the part), as the model's inputs."""
    from .frame import Frame
    models = part.models(as_of, blobs)
    frame = Frame(part.customer_count())
    try:
        for model, spec in zip(models, part.config.models):
            if spec["name"] == name:
                summary: bytes = model.fit_summary(part.book, frame)
                return summary
            if not model.fitted:
                model.fit(part.book, frame)
            model.score(part.book, frame)
        raise KeyError("the policy has no model %r" % (name,))
    finally:
        frame.close()
        for model in models:
            model.close()


def merge_summaries(spec: Spec, as_of: int, summaries: Sequence[bytes]) -> bytes:
    """On a worker: one summary of the union of `summaries` (tier_model_merge_summaries)."""
    with new_model(spec, as_of) as model:
        merged: bytes = model.merge_summaries(list(summaries))
        return merged


#: A part's distinct clv rows of one bucket: (purchase rows, Gamma-Gamma rows).
Bucket = Tuple[Set[bytes], Set[bytes]]


def distinct_buckets(summary: bytes, nbuckets: int) -> List[Bucket]:
    """On a worker: the distinct rows of a part's clv summary, in `nbuckets` buckets by a hash
    of the row's text (equal rows of two parts are equal bytes, so they share a bucket)."""
    from .clv import summary_rows
    out: List[Bucket] = [(set(), set()) for _ in range(nbuckets)]
    purchase, spend = summary_rows(summary)
    for row in purchase:
        out[zlib.crc32(row) % nbuckets][0].add(row)
    for row in spend:
        out[zlib.crc32(row) % nbuckets][1].add(row)
    return out


def distinct_count(*buckets: Bucket) -> Tuple[int, int]:
    """On a worker: the distinct rows of one bucket over every part."""
    purchase: Set[bytes] = set()
    spend: Set[bytes] = set()
    for c, g in buckets:
        purchase |= c
        spend |= g
    return len(purchase), len(spend)


def clv_answer(spec: Spec, as_of: int, summary: bytes, request: bytes) -> bytes:
    """On a worker: a part's answer to a request of the clv fit, from its summary."""
    with new_model(spec, as_of) as model:
        answer: bytes = model.dist_answer(summary, request)
        return answer


def _fit_clv(spec: Spec, as_of: int, summaries: List[Any], delayed: Callable[..., Any],
             compute: Callable[..., Any], stats: Dict[str, int]) -> bytes:
    """The clv model `spec` fitted by its distributed rounds from the parts' (persisted)
    summaries: its blob."""
    nb = len(summaries)
    buckets = [delayed(distinct_buckets, nout=nb)(s, nb) for s in summaries]
    counts = compute(*[delayed(distinct_count)(*[b[i] for b in buckets]) for i in range(nb)])
    distinct = (sum(c[0] for c in counts), sum(c[1] for c in counts))
    with new_model(spec, as_of) as model:
        request = model.dist_begin(distinct)
        while request:
            answers = compute(*[delayed(clv_answer)(spec, as_of, s, request)
                                for s in summaries])
            stats["clv_rounds"] = stats.get("clv_rounds", 0) + 1
            stats["clv_bytes"] = stats.get("clv_bytes", 0) + sum(len(a) for a in answers)
            request = model.dist_merge(list(answers))
        return model_blob(model)


def fit_summary_models(parts: List[Any], config: PartConfig, as_of: int,
                       blobs: Dict[str, bytes], delayed: Callable[..., Any],
                       compute: Callable[..., Any], stats: Dict[str, int],
                       names: Optional[Collection[str]] = None,
                       persist: Optional[Callable[..., Any]] = None) -> Dict[str, bytes]:
    """The blobs of every clv, sbg and subscription model of the policy (or of those named in
    `names`), fitted in policy order from the parts' summaries merged in a tree. `parts` are the
    (persisted) parts, `blobs` the models fitted so far, `delayed` and `compute` Dask's
    (dask.delayed, dask.compute); `stats` gets the bytes the driver received
    ("summary_bytes"; for clv "clv_rounds" and "clv_bytes"); `persist` (dask.persist) keeps
    the clv summaries on the workers (without it they are recomputed each round)."""
    out: Dict[str, bytes] = {}
    for spec in config.models:
        if spec["kind"] not in SUMMARY_KINDS or (names is not None and spec["name"] not in names):
            continue
        known = dict(blobs)
        known.update(out)
        level = [delayed(part_summary)(p, spec["name"], as_of, known) for p in parts]
        if spec["kind"] == "clv":
            if persist is not None:
                level = list(persist(*level))
            out[spec["name"]] = _fit_clv(spec, as_of, level, delayed, compute, stats)
            continue
        while len(level) > 1:  # pairwise merges on the workers: the driver receives one
            level = [delayed(merge_summaries)(spec, as_of, level[i:i + 2])
                     for i in range(0, len(level), 2)]
        (summary,) = compute(*level)
        stats["summary_bytes"] = stats.get("summary_bytes", 0) + len(summary)
        with new_model(spec, as_of) as model:
            model.fit_summaries([summary])
            out[spec["name"]] = model_blob(model)
    return out
