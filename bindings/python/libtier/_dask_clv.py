# SPDX-License-Identifier: MIT
"""The clv model's global fit on Dask (docs/distributed.md, "CLV fits").

The clv model is not fitted from one merged summary: its Gamma-Gamma rows are close to one a
repeat customer, too many for the driver. Every sum of its fit is a sum of bucket partials in
bucket order (256 buckets, each distinct row in one by a fixed hash of its values), so the fit
runs where the rows are:

1. the shuffle: each part's fit summary is split by bucket into P pieces (``CLV.dist_split``,
   piece ``i`` the buckets ``b`` with ``b % P == i``); worker ``i`` merges piece ``i`` of every
   part (``CLV.merge_summaries``) into a summary of whole buckets, kept there (persisted);
2. the rounds: the driver's model writes a request (``CLV.dist_begin``), every bucket summary
   answers it (``CLV.dist_answer``: its counts and moments, then the partial log-likelihood
   sums of its buckets at one point, five doubles a bucket), and the driver merges the answers
   (``CLV.dist_merge``) into the next request, until the model is fitted exactly as `tier run`
   fits it.

The driver never receives a row: ``stats`` gets "clv_rounds" and "clv_bytes" (the bytes of the
answers it received; at most 256 bucket lines a round, whatever the population).
"""

from typing import Any, Callable, Dict, List, Optional

from ._dask_fit import Spec, merge_summaries
from ._parts import model_blob, new_model

__all__ = ["clv_answer", "clv_split", "fit_clv"]


def clv_split(spec: Spec, as_of: int, summary: bytes, parts: int) -> List[bytes]:
    """On a worker: a part's clv fit summary split into `parts` pieces by bucket."""
    with new_model(spec, as_of) as model:
        pieces: List[bytes] = model.dist_split(summary, parts)
        return pieces


def clv_answer(spec: Spec, as_of: int, summary: bytes, request: bytes) -> bytes:
    """On a worker: the answer of a summary of whole buckets to a request of the clv fit."""
    with new_model(spec, as_of) as model:
        answer: bytes = model.dist_answer(summary, request)
        return answer


def fit_clv(spec: Spec, as_of: int, summaries: List[Any], delayed: Callable[..., Any],
            compute: Callable[..., Any], stats: Dict[str, int],
            persist: Optional[Callable[..., Any]] = None) -> bytes:
    """The clv model `spec` fitted by its distributed rounds from the parts' (delayed) fit
    summaries: its blob. `persist` (dask.persist) keeps the bucket summaries on the workers
    (without it they are recomputed each round)."""
    n = len(summaries)
    pieces = [delayed(clv_split, nout=n)(spec, as_of, s, n) for s in summaries]
    owned = [delayed(merge_summaries)(spec, as_of, [p[i] for p in pieces]) for i in range(n)]
    if persist is not None:
        owned = list(persist(*owned))
    with new_model(spec, as_of) as model:
        request = model.dist_begin()
        while request:
            answers = compute(*[delayed(clv_answer)(spec, as_of, s, request) for s in owned])
            stats["clv_rounds"] = stats.get("clv_rounds", 0) + 1
            stats["clv_bytes"] = stats.get("clv_bytes", 0) + sum(len(a) for a in answers)
            request = model.dist_merge(list(answers))
        return model_blob(model)
