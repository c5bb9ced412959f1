# SPDX-License-Identifier: MIT
"""The needs model on Dask (docs/distributed.md, "The needs model"): the driver runs the fit's
rounds with ``Needs.dist_begin`` / ``dist_merge`` and every part answers each request with
``Needs.dist_answer`` over its customers (mergeable summaries: counts, exact sums, its first
customers in the fit's canonical order, and per Lloyd round its exact centroid sums). The fitted
model is shipped to the parts as a model blob, as the RFM models are. No step collects one row a
customer: the sample the restarts run on is at most ``init_sample`` customers (65,536 by
default); with 0 the restarts run over every customer as rounds too (each k-means++ draw one
round: every part's customer of the lowest key; each Lloyd pass one round of exact sums), and
the driver holds only the silhouette's sample. A model with need profiles (built with
``Needs.add_profile``; a policy cannot declare them) is fitted by :func:`fit_model` in the same
rounds but the last: its standardisation, then one round that sums the distances to the nearest
profile.

The engine-free pieces (:func:`part_attributes`, :func:`part_answer`, :func:`default_features`)
take a :class:`libtier._parts.Part`; :func:`fit_needs` moves them with Dask."""

from typing import Any, Collection, Dict, List, Optional, Sequence, Tuple

from . import _ffi
from ._parts import Part, PartConfig, model_blob

__all__ = ["default_features", "fit_model", "fit_needs", "part_answer", "part_attributes"]

#: What a part reports of its accounts: the column order and {attribute: "number" or "text"}.
Attributes = Tuple[List[str], Dict[str, str]]


def _error(message: str) -> _ffi.TierError:
    """A libtier.Error with status TIER_EINVAL."""
    return _ffi.TierError(_ffi.EINVAL, "TIER_EINVAL", message)


def part_attributes(part: Part) -> Attributes:
    """The part's accounts columns (in order) and the types its Book gave them."""
    cols = [] if part.accounts is None else [str(c) for c in part.accounts.columns]
    kinds: Dict[str, str] = {str(k): str(v) for k, v in part.book.attributes().items()}
    return cols, kinds


def default_features(reports: Sequence[Attributes], model: str) -> List[str]:
    """The features `tier run` gives a needs model that names none (src/pipeline/models.c): the
    numeric account attributes named module_* or goal_*, in the accounts' column order. A
    column is numeric when every part that holds a value of it read numbers (what one Book of
    all the accounts reads)."""
    order: List[str] = []
    for cols, _ in reports:
        if cols:
            order = cols
            break
    seen: Dict[str, bool] = {}
    for _, kinds in reports:
        for name, kind in kinds.items():
            seen[name] = seen.get(name, True) and kind == "number"
    features = ["attr." + c for c in order
                if seen.get(c) and (c.startswith("module_") or c.startswith("goal_"))
                and len(c) + 6 <= 300]
    if not features:
        raise _error("needs: the book has no numeric module_* or goal_* attributes (give "
                     "accounts), model %s" % model)
    return features


def _inputs(part: Part, as_of: int, blobs: Dict[str, bytes], name: str) -> Any:
    """The frame of the columns of the models before `name` (fitted from their blobs, or on the
    part for those whose fit learns nothing from the population), kept on the part."""
    cache: Dict[str, Any] = part.__dict__.setdefault("_needs_inputs", {})
    if name in cache:
        return cache[name]
    models = part.models(as_of, blobs)
    frame = None
    try:
        for model, spec in zip(models, part.config.models):
            if spec["name"] == name:
                break
            if not model.fitted:
                model.fit(part.book, frame)
            frame = model.score(part.book, frame)
    finally:
        for model in models:
            model.close()
    cache[name] = frame
    return frame


def part_answer(part: Part, as_of: int, blobs: Dict[str, bytes], name: str,
                request: bytes) -> bytes:
    """On a worker: the part's answer to a request of the needs model `name`."""
    from .needs import Needs
    with Needs() as answerer:
        features = [f for f in _request_features(request) if not f.startswith("attr.")]
        frame = _inputs(part, as_of, blobs, name) if features else None
        answer: bytes = answerer.dist_answer(part.book, request, frame)
        return answer


def _request_features(request: bytes) -> List[str]:
    """The feature names a request carries (escaped as %XX; attributes never need it)."""
    out = []
    for line in request.split(b"\n"):
        if line.startswith(b"feature\t"):
            out.append(line[8:].decode("utf-8", "replace"))
    return out


def fit_model(parts: List[Any], model: Any, as_of: int, blobs: Dict[str, bytes]) -> bytes:
    """Runs the distributed fit of `model` (a :class:`libtier.needs.Needs` with its features,
    options and any need profiles, named as the policy's needs model whose place it takes) over
    the parts (persisted Dask delayed Parts): each round one task a part. `blobs` holds the models
    fitted before it (the parts score those its features read). Returns the fitted model's
    blob."""
    import dask as _dask
    from dask.delayed import delayed
    compute: Any = getattr(_dask, "compute")
    request = model.dist_begin()
    while request:
        answers = compute(*[delayed(part_answer)(p, as_of, blobs, model.name, request)
                            for p in parts])
        request = model.dist_merge(list(answers))
    return model_blob(model)


def fit_needs(parts: List[Any], config: PartConfig, as_of: int, blobs: Dict[str, bytes],
              names: Optional[Collection[str]] = None) -> Dict[str, bytes]:
    """Every needs model of the policy (or those named in `names`) fitted from the parts
    (persisted Dask delayed Parts): {name: model blob}. `blobs` holds the models fitted
    before."""
    import dask as _dask
    from dask.delayed import delayed

    from .needs import Needs
    dask: Any = _dask
    compute: Any = dask.compute
    out: Dict[str, bytes] = {}
    specs = [s for s in config.models
             if s["kind"] == "needs" and (names is None or s["name"] in names)]
    if not specs:
        return out
    reports: Optional[List[Attributes]] = None
    for spec in specs:
        options = dict(spec["options"])
        features = options.pop("features", None)
        if not features:
            if reports is None:
                reports = list(compute(*[delayed(part_attributes)(p) for p in parts]))
            features = default_features(reports, spec["name"])
        with Needs(spec["name"], features=features, **options) as model:
            out[spec["name"]] = fit_model(parts, model, as_of, dict(blobs, **out))
    return out
