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
repeat customer): its summaries are shuffled by bucket and the fit runs in rounds on the workers
(libtier._dask_clv).

The pieces do not import Dask: :func:`part_summary` and :func:`merge_summaries` run anywhere;
:func:`fit_summary_models` takes the scheduling calls as arguments.
"""

from typing import Any, Callable, Collection, Dict, List, Optional, Sequence

from ._parts import Part, PartConfig, model_blob, new_model

__all__ = ["SUMMARY_KINDS", "fit_summary_models", "merge_summaries", "part_summary"]

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
    the clv bucket summaries on the workers (without it they are recomputed each round)."""
    out: Dict[str, bytes] = {}
    for spec in config.models:
        if spec["kind"] not in SUMMARY_KINDS or (names is not None and spec["name"] not in names):
            continue
        known = dict(blobs)
        known.update(out)
        level = [delayed(part_summary)(p, spec["name"], as_of, known) for p in parts]
        if spec["kind"] == "clv":  # rounds on summaries of whole buckets (libtier._dask_clv)
            from ._dask_clv import fit_clv
            out[spec["name"]] = fit_clv(spec, as_of, level, delayed, compute, stats, persist)
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
