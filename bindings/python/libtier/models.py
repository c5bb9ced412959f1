# SPDX-License-Identifier: MIT
"""Models (the built-in RFM and Pareto/ABC) and segment maps."""

from ctypes import byref, c_double, c_size_t

from . import _ffi
from ._ffi import F
from ._handle import Handle
from .dates import from_day, to_day
from .frame import Frame

__all__ = ["Model", "RFM", "Pareto", "SegmentMap"]


class Model(Handle):
    """A model handle (tier_model). Built-ins are made by RFM() and Pareto()."""

    _free = staticmethod(F.tier_model_free)

    @property
    def name(self):
        return F.tier_model_name(self._p).decode("utf-8")

    @property
    def kind(self):
        return F.tier_model_kind(self._p).decode("utf-8")

    @property
    def fitted(self):
        return bool(F.tier_model_is_fitted(self._p))

    def fit(self, book, inputs=None):
        """Fits on a book; `inputs` is a Frame of earlier models' columns (optional)."""
        F.tier_model_fit(self._p, book._p, inputs._p if inputs is not None else None)
        return self

    def score(self, book, frame=None):
        """Scores every customer into `frame` (a new Frame when None) and returns the frame."""
        if frame is None:
            frame = Frame(book.customer_count())
        F.tier_model_score(self._p, book._p, frame._p)
        return frame

    def explain(self, book, frame, customer):
        """The model's explanation of one customer's outputs, as text."""
        if isinstance(customer, (str, bytes)):
            customer = book._index(customer)
        with _ffi.Text() as text:
            F.tier_model_explain(self._p, book._p, frame._p, int(customer), text.ptr)
            return text.value()

    def __repr__(self):
        if self.closed:
            return "<%s closed>" % type(self).__name__
        return "<%s %r kind=%r>" % (type(self).__name__, self.name, self.kind)


def _day_or_none(value):
    return None if value is None else to_day(value)


_DIMS = {"r": _ffi.RFM_R, "f": _ffi.RFM_F, "m": _ffi.RFM_M}


class RFM(Model):
    """The built-in RFM model.

    ``RFM(name="rfm", bins=5, as_of=None, window=0, frequency="days", monetary="sum")``;
    `as_of` is a date (default: the day after the book's last transaction), `window` days before
    it (0 = all history), frequency "days"/"rows", monetary "sum"/"mean".
    """

    def __init__(self, name="rfm", bins=5, as_of=None, window=0, frequency="days",
                 monetary="sum"):
        ptr = _ffi.model_p()
        F.tier_rfm_new(byref(ptr), _ffi.encode(name, "name") if name is not None else None, None)
        self._adopt(ptr)
        try:
            if bins != 5:
                self.set_option(_ffi.RFM_OPT_BINS, bins)
            if as_of is not None:
                self.set_option(_ffi.RFM_OPT_AS_OF, to_day(as_of))
            if window:
                self.set_option(_ffi.RFM_OPT_WINDOW, window)
            freq = {"days": _ffi.RFM_FREQ_DAYS, "rows": _ffi.RFM_FREQ_ROWS}.get(frequency)
            money = {"sum": _ffi.RFM_MONEY_SUM, "mean": _ffi.RFM_MONEY_MEAN}.get(monetary)
            if freq is None:
                raise ValueError("frequency must be 'days' or 'rows', not %r" % (frequency,))
            if money is None:
                raise ValueError("monetary must be 'sum' or 'mean', not %r" % (monetary,))
            if freq != _ffi.RFM_FREQ_DAYS:
                self.set_option(_ffi.RFM_OPT_FREQUENCY, freq)
            if money != _ffi.RFM_MONEY_SUM:
                self.set_option(_ffi.RFM_OPT_MONETARY, money)
        except BaseException:
            self.close()
            raise

    def set_option(self, key, value):
        F.tier_rfm_set_option(self._p, key, float(value))

    def get_option(self, key):
        out = c_double()
        F.tier_rfm_get_option(self._p, key, byref(out))
        return out.value

    @property
    def bins(self):
        return int(self.get_option(_ffi.RFM_OPT_BINS))

    @property
    def as_of(self):
        """The as-of date set (or fitted), or None when it is still the default."""
        v = self.get_option(_ffi.RFM_OPT_AS_OF)
        if v != v or v < _ffi.DAY_MIN or v > _ffi.DAY_MAX:
            return None
        return from_day(int(v))

    @as_of.setter
    def as_of(self, value):
        self.set_option(_ffi.RFM_OPT_AS_OF, to_day(value))

    @property
    def window(self):
        return int(self.get_option(_ffi.RFM_OPT_WINDOW))

    def set_segmap(self, which, segmap):
        """Replaces the segment map: which = "segment" (0) or "value_class" (1)."""
        which = {"segment": 0, "value_class": 1}.get(which, which)
        F.tier_rfm_set_segmap(self._p, which, segmap._p)

    def cut_points(self, dim):
        """The fitted cut points of dimension "r", "f" or "m" (bins-1 ascending floats)."""
        n = self.bins - 1
        buf = (c_double * n)()
        F.tier_rfm_cut_points(self._p, _DIMS.get(dim, dim), buf, n)
        return list(buf)

    def set_cut_points(self, dim, cuts):
        cuts = [float(c) for c in cuts]
        buf = (c_double * len(cuts))(*cuts)
        F.tier_rfm_set_cut_points(self._p, _DIMS.get(dim, dim), buf, len(cuts))

    def save_text(self):
        """The fitted state as text (docs/rfm.md)."""
        with _ffi.Text() as text:
            F.tier_rfm_save_text(self._p, text.ptr)
            return text.value()

    def load_text(self, text):
        raw = _ffi.encode(text, "state")
        F.tier_rfm_load_text(self._p, raw, len(raw))
        return self


class Pareto(Model):
    """The built-in Pareto/ABC model.

    ``Pareto(name="pareto", criterion="revenue", threshold_a=0.8, threshold_b=0.95,
    as_of=None, window=0)``.
    """

    def __init__(self, name="pareto", criterion="revenue", threshold_a=0.8, threshold_b=0.95,
                 as_of=None, window=0):
        ptr = _ffi.model_p()
        F.tier_pareto_new(byref(ptr), _ffi.encode(name, "name") if name is not None else None,
                          None)
        self._adopt(ptr)
        try:
            if criterion != "revenue":
                F.tier_pareto_set_criterion(self._p, _ffi.encode(criterion, "criterion"))
            # B first when it grows, so that A <= B holds after every single call.
            b_first = threshold_b >= 0.8
            pairs = [(_ffi.PARETO_OPT_THRESHOLD_A, threshold_a),
                     (_ffi.PARETO_OPT_THRESHOLD_B, threshold_b)]
            for key, value in (reversed(pairs) if b_first else pairs):
                F.tier_pareto_set_option(self._p, key, float(value))
            if as_of is not None:
                F.tier_pareto_set_option(self._p, _ffi.PARETO_OPT_AS_OF, float(to_day(as_of)))
            if window:
                F.tier_pareto_set_option(self._p, _ffi.PARETO_OPT_WINDOW, float(window))
        except BaseException:
            self.close()
            raise

    def set_option(self, key, value):
        F.tier_pareto_set_option(self._p, key, float(value))

    @staticmethod
    def summary(frame, name="pareto"):
        """Per class A/B/C: customers, value and both shares, from a frame (or Result)."""
        frame = getattr(frame, "frame", frame)
        if callable(frame):
            frame = frame()
        out = {}
        for cls, label in enumerate("ABC"):
            n, value, cshare, vshare = c_size_t(), c_double(), c_double(), c_double()
            F.tier_pareto_summary(frame._p, _ffi.encode(name), cls, byref(n), byref(value),
                                  byref(cshare), byref(vshare))
            out[label] = {"customers": n.value, "value": value.value,
                          "customer_share": cshare.value, "value_share": vshare.value}
        return out


_BUILTIN_MAPS = {"rf10": _ffi.SEGMAP_RF10, "rfm8": _ffi.SEGMAP_RFM8}


class SegmentMap(Handle):
    """A segment map: SegmentMap.builtin("rf10" | "rfm8") or SegmentMap.parse(text)."""

    _free = staticmethod(F.tier_segmap_free)

    def __init__(self, _ptr):
        self._adopt(_ptr)

    @classmethod
    def builtin(cls, which="rf10"):
        ptr = _ffi.segmap_p()
        F.tier_segmap_new_builtin(byref(ptr), _BUILTIN_MAPS.get(which, which), None)
        return cls(ptr)

    @classmethod
    def parse(cls, text):
        """Parses the text format of docs/segment-maps.md; TierError "line N: reason" on bad text."""
        raw = _ffi.encode(text, "map text")
        ptr = _ffi.segmap_p()
        with _ffi.Text() as err:
            F.tier_segmap_parse(byref(ptr), raw, len(raw), None, err.ptr)
        return cls(ptr)

    def __len__(self):
        return F.tier_segmap_count(self._p)

    def names(self):
        p = self._p
        return [F.tier_segmap_name(p, i).decode("utf-8") for i in range(F.tier_segmap_count(p))]

    def lookup(self, r, f, m=0):
        """The segment name of a score triple, or None."""
        i = F.tier_segmap_lookup(self._p, int(r), int(f), int(m))
        return None if i < 0 else F.tier_segmap_name(self._p, i).decode("utf-8")

    def check(self, bins=5):
        """{"overlapping": n, "shadowed": n, "uncovered": n, "report": text} over the grid."""
        o, s, u = c_size_t(), c_size_t(), c_size_t()
        with _ffi.Text() as report:
            F.tier_segmap_check(self._p, int(bins), byref(o), byref(s), byref(u), report.ptr)
            text = report.value()
        return {"overlapping": o.value, "shadowed": s.value, "uncovered": u.value,
                "report": text}

