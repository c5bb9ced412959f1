# SPDX-License-Identifier: MIT
"""The built-in needs segmentation model (needs.h, docs/needs.md)."""

import ctypes
from ctypes import byref, c_char_p, c_double, c_size_t
from typing import (TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union,
                    cast)

from . import _ffi
from ._ffi import F
from .models import Model, typed_stats

if TYPE_CHECKING:
    from .book import Book
    from .frame import Frame

__all__ = ["Needs"]

#: A segment given by its index or name.
SegmentKey = Union[int, str, bytes]


class Needs(Model):
    """Needs-based segments: k-means++ from a fixed seed (k given, or chosen by the silhouette),
    or the nearest of named need profiles.

    ``Needs(name="needs", features=(), **options)`` with options k (0 = choose by silhouette),
    k_min, k_max, seed, n_init, max_iter, standardize, sample, init_sample (see
    ``Needs.options``). A feature is "attr.NAME" (a numeric book attribute) or a number column
    of an earlier model ("rfm.f"). Outputs: ``segment`` and ``second`` (labels: segment names),
    ``distance`` and ``margin`` (numbers).
    """

    numbers = ("k", "k_min", "k_max", "seed", "n_init", "max_iter", "standardize", "sample",
               "init_sample")
    stats = tuple(_ffi.NEEDS_STATS)

    def __init__(self, name: str = "needs", features: Iterable[str] = (),
                 **options: Any) -> None:
        self._make(F.tier_needs_new, name)
        with self._closed_on_error():
            for column in features:
                self.add_feature(column)
            # k_max before k_min, so that raising both never crosses them on the way.
            for key in sorted(options, key=lambda k: k != "k_max"):
                self.set_option(key, options[key])

    # --- options (set_option/get_option by name come from Model) ---------------------------

    def get_options(self) -> Dict[str, Any]:
        """The number options as a dict of int (the features are features())."""
        return {name: int(self.get_option(name)) for name in self.numbers}

    # --- features and profiles ------------------------------------------------------------

    def add_feature(self, column: str) -> "Needs":
        """Appends a feature (forgets the fit)."""
        F.tier_needs_add_feature(self._p, _ffi.encode(column, "feature"))
        return self

    def features(self) -> List[str]:
        """The feature columns the model clusters on (list of names)."""
        return _ffi.names(F.tier_needs_feature_count, F.tier_needs_feature_name, self._p)

    def add_profile(self, name: str, values: Iterable[float]) -> "Needs":
        """Adds a need profile: a named centre in raw feature units, one value per feature.
        With profiles the model does not cluster."""
        centre = [float(v) for v in values]
        F.tier_needs_add_profile(self._p, _ffi.encode(name, "profile name"),
                                 (c_double * max(len(centre), 1))(*centre), len(centre))
        return self

    def clear_profiles(self) -> "Needs":
        """Removes every profile (the model clusters again) and forgets the fit."""
        F.tier_needs_clear_profiles(self._p)
        return self

    # --- segments -------------------------------------------------------------------------

    def segments(self) -> List[str]:
        """Segment names of the fitted model, in segment (label code) order; [] before a fit."""
        return _ffi.names(F.tier_needs_segment_count, F.tier_needs_segment_name, self._p)

    def segment_count(self) -> int:
        """The number of segments of the fit."""
        return int(F.tier_needs_segment_count(self._p))

    def _segment(self, seg: SegmentKey) -> int:
        return _ffi.index_of(seg, self.segments)

    def set_segment_name(self, seg: SegmentKey, name: str) -> "Needs":
        """Renames a segment (by index or name); the name survives refits."""
        F.tier_needs_set_segment_name(self._p, self._segment(seg), _ffi.encode(name, "name"))
        return self

    def centroid(self, seg: SegmentKey) -> List[float]:
        """The centre of a segment in raw feature units, one float per feature."""
        n = F.tier_needs_feature_count(self._p)
        buf = (c_double * max(n, 1))()
        F.tier_needs_centroid(self._p, self._segment(seg), buf, n)
        return list(buf[:n])

    def centroids(self) -> Dict[str, List[float]]:
        """{segment name: centre in raw units}, in segment order."""
        return {name: self.centroid(i) for i, name in enumerate(self.segments())}

    def set_previous_centroids(self, centroids: Union[Mapping[str, Sequence[float]],
                                                      Sequence[Sequence[float]]],
                               names: Optional[Iterable[str]] = None) -> "Needs":
        """Centres of an earlier segmentation for the next fit to match its labels to.

        `centroids` is a list of rows (one value per feature) or a {name: row} dict; `names`
        (with a list) names the rows, default "need_1" ...
        """
        if hasattr(centroids, "items"):  # a dict, a pandas Series, any mapping
            if names is not None:
                raise TypeError("names are the dict's keys; do not give both")
            mapping = cast(Mapping[str, Sequence[float]], centroids)
            names = list(mapping.keys())
            centres = list(mapping.values())
        else:
            centres = list(centroids)
        rows = [[float(v) for v in row] for row in centres]
        k = len(rows)
        n = len(rows[0]) if rows else 0
        if any(len(r) != n for r in rows):
            raise ValueError("every centre needs the same number of values")
        flat = (c_double * max(k * n, 1))(*[v for r in rows for v in r])
        c_names = None
        if names is not None:
            name_list = list(names)
            if len(name_list) != k:
                raise ValueError("%d centres but %d names" % (k, len(name_list)))
            c_names = (c_char_p * k)(*[_ffi.encode(x, "name") for x in name_list])
        F.tier_needs_set_previous_centroids(self._p, c_names, flat, k, n)
        return self

    # --- fit figures and state ------------------------------------------------------------

    def fit_stat(self, name: Union[str, int]) -> float:
        """A figure of the last fit: k, iterations, converged, inertia, silhouette, fitted,
        excluded, used_features (NaN when unknown)."""
        key = _ffi.NEEDS_STATS.get(name, name) if isinstance(name, str) else name
        out = c_double()
        F.tier_needs_fit_stat(self._p, key, byref(out))
        return float(out.value)

    def fit_stats(self) -> Dict[str, Any]:
        """Every figure of the fit with its real type: converged bool; inertia and silhouette
        float; k, iterations, fitted, excluded and used_features int; None for a figure the
        model does not know (NaN: the silhouette when k was given, every figure before a fit).
        fit_stat() gives the raw float of one."""
        return typed_stats({name: self.fit_stat(name) for name in _ffi.NEEDS_STATS},
                           floats=("inertia", "silhouette"))

    # --- the distributed fit (docs/distributed.md, "The needs model") ------------------------

    def dist_begin(self) -> bytes:
        """Starts a distributed fit on this model (the driver's): the first request, for every
        part's :meth:`dist_answer`. Merge the answers with :meth:`dist_merge` until it returns
        ``b""``; the model is then fitted exactly as on the book of all the parts' customers."""
        with _ffi.Text() as text:
            F.tier_needs_dist_begin(self._p, text.ptr)
            return _text_bytes(text)

    def dist_answer(self, book: "Book", request: bytes,
                    inputs: Optional["Frame"] = None) -> bytes:
        """A part's answer to `request` over the customers of `book` (`inputs`: the frame of the
        columns the features name, when they are not attributes). Any needs model answers: the
        request carries the features and options."""
        with _ffi.Text() as text:
            F.tier_needs_dist_answer(self._p, book._p, inputs._p if inputs is not None else None,
                                     request, len(request), text.ptr)
            return _text_bytes(text)

    def dist_merge(self, answers: Sequence[bytes]) -> bytes:
        """Merges every part's answer to the last request: the next request, ``b""`` when the
        model is fitted. Bad answers raise TierError (TIER_EPARSE) and change nothing."""
        return _dist_merge(F.tier_needs_dist_merge, self._p, answers)


def _text_bytes(text: "_ffi.Text") -> bytes:
    """The bytes of a scratch text."""
    n = int(F.tier_text_length(text.ptr))
    return ctypes.string_at(F.tier_text_data(text.ptr), n) if n else b""


def _dist_merge(merge: Any, handle: Any, answers: Sequence[bytes]) -> bytes:
    """A distributed fit's merge call (``tier_needs_dist_merge``, ``tier_clv_dist_merge``) on
    the model `handle` with the parts' answers: the next request, ``b""`` when fitted."""
    n = len(answers)
    data = (c_char_p * max(n, 1))(*answers)
    lens = (c_size_t * max(n, 1))(*[len(a) for a in answers])
    with _ffi.Text() as text:
        merge(handle, data, lens, n, text.ptr)
        return _text_bytes(text)


Model._kinds["needs"] = Needs
