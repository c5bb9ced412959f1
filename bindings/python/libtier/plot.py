# SPDX-License-Identifier: MIT
"""Plots of libtier results with matplotlib (docs/plots.md).

matplotlib is optional: it is imported inside each function, never by ``import libtier``. Every
function draws into ``ax`` (a new figure's Axes when None) and returns the Axes.

The data arguments are defensive: a :class:`libtier.Result`, or a pandas DataFrame from
``Result.to_dataframe()`` or a CSV written by ``tier run`` — column names dotted
("rfm.r_score"), underscored ("rfm_r_score") or bare ("r_score"); the customer id as the index or a
``customer_id`` column; the tier as an ordered Categorical or plain strings.

- :func:`tier_pyramid` — customers and revenue per tier, in policy order
- :func:`pareto_curve` — cumulative revenue share against customer share, with the class thresholds
- :func:`rf_heatmap` — R score x F score: customer counts or mean monetary value
- :func:`p_alive_hist` — the distribution of P(alive) of a clv model
- :func:`p_alive_matrix` — P(alive) over a grid of frequency x recency at one T, from a fitted clv
  model's own predictions (:func:`p_alive_grid` gives the numbers)
- :func:`migration_matrix` — customers moving between the tiers of two runs
- :func:`scorecard_contributions` — the points of each scorecard factor for one customer
"""

import math
import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

if TYPE_CHECKING:  # only for the annotations: matplotlib and pandas stay optional
    import pandas
    from matplotlib.axes import Axes

__all__ = [
    "contributions", "migration_matrix", "p_alive_grid", "p_alive_hist", "p_alive_matrix", "pareto_curve",
    "rf_heatmap", "scorecard_contributions", "tier_pyramid",
]

_REVENUE = ("pareto.value", "revenue", "rfm.m", "monetary", "m", "amount")


# --- input normalisation -------------------------------------------------------------------


def _axes(ax: "Optional[Axes]", figsize: Optional[Tuple[float, float]] = None) -> "Axes":
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(figsize=figsize)
    return ax


def _dataframe(data: Any) -> "pandas.DataFrame":
    """A DataFrame from a Result, a DataFrame or anything pandas.DataFrame takes."""
    import pandas as pd
    if isinstance(data, pd.DataFrame):
        return data
    to_df = getattr(data, "to_dataframe", None)
    if to_df is not None:
        return to_df()
    return pd.DataFrame(data)


def _norm(name: Any) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")


def _find(df: Any, *names: str, required: bool = True) -> Any:
    """The column of `df` named one of `names` in any spelling: dotted, underscored, or by its
    last part alone ("rfm.r_score" matches "rfm_r_score" and "r_score"); None when absent and not
    required."""
    by_norm: Dict[str, Any] = {}
    for col in df.columns:
        by_norm.setdefault(_norm(col), col)
    for name in names:
        n = _norm(name)
        if n in by_norm:
            return by_norm[n]
    for name in names:
        # a differently named model: any column ending in "_<output>" ("rfm4_r_score")
        tail = _norm(name.split(".")[-1])
        if tail == _norm(name):
            continue
        hits = [c for k, c in by_norm.items() if k == tail or k.endswith("_" + tail)]
        if len(hits) == 1:
            return hits[0]
    if required:
        raise KeyError("no column %s among %s" % (" or ".join(repr(n) for n in names),
                                                  list(df.columns)))
    return None


def _numbers(series: Any) -> Any:
    import pandas as pd
    return pd.to_numeric(series, errors="coerce").astype("float64")


def _ids(df: Any) -> List[str]:
    """The customer ids of the rows: the `customer_id` column, else the index."""
    col = _find(df, "customer_id", "customer", "id", required=False)
    if col is not None:
        return [str(i) for i in df[col].astype(str).tolist()]
    return [str(i) for i in df.index]


def _tier_series(df: Any) -> Any:
    col = _find(df, "tier")
    return df[col]


def _tier_order(data: Any, tiers: Any, order: Optional[Sequence[Any]] = None) -> List[str]:
    """Tier names in policy order: `order`, else the Categorical's categories, else the Result's
    tier_names(); for plain strings, by descending mean revenue per customer when `data` has a
    revenue column, else in order of appearance."""
    if order is not None:
        return [str(t) for t in order]
    cats = getattr(getattr(tiers, "cat", None), "categories", None)
    if cats is not None and str(tiers.dtype) == "category":
        return [str(t) for t in cats]
    names = getattr(data, "tier_names", None)
    if callable(names):
        return [str(n) for n in names()]
    seen = list(dict.fromkeys(tiers.astype(str)))
    rev_col = _find(data, *_REVENUE, required=False) if hasattr(data, "columns") else None
    if rev_col is None:
        return seen
    # plain strings: the tier whose customers bring the most revenue each first
    rev = _numbers(data[rev_col]).fillna(0.0)
    mean = rev.groupby(tiers.astype(str).to_numpy()).mean()
    return sorted(seen, key=lambda t: (-float(mean.get(t, 0.0)), seen.index(t)))


def _revenue(df: Any, column: Optional[str] = None) -> Any:
    return _numbers(df[column if column is not None else _find(df, *_REVENUE)])


# --- tier pyramid --------------------------------------------------------------------------


def tier_pyramid(data: Any, ax: "Optional[Axes]" = None, order: Optional[Sequence[str]] = None,
                 revenue: Optional[str] = None, share: bool = True) -> "Axes":
    """Customers (left) and revenue (right) per tier, the first tier of the policy on top.

    `data` is a Result or a DataFrame with a tier column and a revenue column (`revenue` names
    it; default: pareto.value, revenue, rfm.m, ...). With `share` the bars are percentages of all
    customers and of all revenue, else counts and amounts. The customer bars are drawn leftwards
    (negative widths) and labelled "customers"; the revenue bars "revenue". Returns the Axes."""
    import numpy as np
    df = _dataframe(data)
    tiers = _tier_series(df)
    names = _tier_order(data, tiers, order)
    rev = _revenue(df, revenue).fillna(0.0).to_numpy()
    t = tiers.astype(str).to_numpy()
    counts = np.array([float((t == n).sum()) for n in names])
    amounts = np.array([float(rev[t == n].sum()) for n in names])
    if share:
        counts = 100.0 * counts / max(counts.sum(), 1.0)
        total = amounts.sum()
        amounts = 100.0 * amounts / total if total else amounts * 0.0
    ax = _axes(ax)
    y = np.arange(len(names))[::-1]
    ax.barh(y, -counts, color="#4c72b0", label="customers")
    ax.barh(y, amounts, color="#dd8452", label="revenue")
    unit = "%" if share else ""
    for yi, c, a in zip(y, counts, amounts):
        ax.text(-c, yi, " %.1f%s " % (c, unit) if share else " %d " % c, va="center", ha="right",
                fontsize=8)
        ax.text(a, yi, " %.1f%s" % (a, unit) if share else " %.0f" % a, va="center", ha="left",
                fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels(names)
    ax.axvline(0, color="black", linewidth=0.8)
    lim = max(float(counts.max(initial=0)), float(amounts.max(initial=0)), 1.0) * 1.25
    ax.set_xlim(-lim, lim)
    from matplotlib.ticker import FuncFormatter
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: "%g" % abs(v)))
    ax.set_xlabel("customers %s | revenue %s" % (("(% of all)",) * 2 if share else ("", "")))
    ax.set_ylabel("tier")
    ax.set_title("Tier pyramid")
    ax.legend(loc="lower right", fontsize=8)
    return ax


# --- Pareto curve --------------------------------------------------------------------------


def _pareto_thresholds(data: Any, thresholds: Optional[Sequence[float]]) -> List[float]:
    if thresholds is not None:
        return [float(v) for v in thresholds]
    for model in getattr(data, "models", None) or ():
        if getattr(model, "kind", None) == "pareto":
            return [float(model.get_option("threshold_a")), float(model.get_option("threshold_b"))]
    return [0.8, 0.95]


def pareto_curve(data: Any, ax: "Optional[Axes]" = None, revenue: Optional[str] = None,
                 thresholds: Optional[Sequence[float]] = None) -> "Axes":
    """The Pareto (Lorenz) curve: customers sorted by revenue, descending, against the cumulative
    share of revenue; dashed lines at the class thresholds (default: the Result's pareto model's
    threshold_a and threshold_b, else 0.8 and 0.95) with the customer share where each is reached.

    Lines: the curve (label "cumulative revenue") first, then one horizontal line per threshold
    (label "A/B at 80%", ...). Returns the Axes."""
    import numpy as np
    df = _dataframe(data)
    rev = _revenue(df, revenue).fillna(0.0).to_numpy()
    rev = np.sort(np.where(rev > 0, rev, 0.0))[::-1]
    total = rev.sum()
    n = len(rev)
    x = np.concatenate([[0.0], np.arange(1, n + 1) / max(n, 1)])
    y = np.concatenate([[0.0], np.cumsum(rev) / total if total else np.zeros(n)])
    ax = _axes(ax)
    ax.plot(100 * x, 100 * y, color="#4c72b0", label="cumulative revenue")
    classes = "ABCDEFG"
    for k, th in enumerate(_pareto_thresholds(data, thresholds)):
        reached = int(np.searchsorted(y, th - 1e-12)) if total else 0
        xs = 100 * x[min(reached, n)]
        label = "%s/%s at %g%%" % (classes[k], classes[k + 1], 100 * th)
        ax.axhline(100 * th, color="#c44e52", linestyle="--", linewidth=0.8, label=label)
        ax.axvline(xs, color="#c44e52", linestyle=":", linewidth=0.8)
        ax.annotate("%.1f%% of customers" % xs, (xs, 100 * th), textcoords="offset points",
                    xytext=(4, -12), fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 101)
    ax.set_xlabel("customers, by revenue (% of all)")
    ax.set_ylabel("revenue (cumulative %)")
    ax.set_title("Pareto curve")
    ax.legend(loc="lower right", fontsize=8)
    return ax


# --- heatmaps ------------------------------------------------------------------------------


def _heatmap(ax: "Axes", matrix: Any, rows: Sequence[Any], cols: Sequence[Any], fmt: str,
             cmap: str = "Blues") -> Any:
    import numpy as np
    values = np.asarray(matrix, dtype=float)
    image = ax.imshow(values, cmap=cmap, aspect="auto", origin="upper")
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels([str(c) for c in cols])
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([str(r) for r in rows])
    finite = values[np.isfinite(values)]
    mid = (finite.min() + finite.max()) / 2 if finite.size else 0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            ax.text(j, i, "" if not math.isfinite(v) else fmt % v, ha="center", va="center",
                    fontsize=8, color="white" if math.isfinite(v) and v > mid else "black")
    ax.figure.colorbar(image, ax=ax)
    return ax


def rf_heatmap(data: Any, ax: "Optional[Axes]" = None, value: str = "count",
               monetary: Optional[str] = None) -> "Axes":
    """Recency score (rows, best on top) x frequency score (columns): the number of customers
    (`value="count"`) or their mean monetary value (`value="monetary"`; `monetary` names the
    column, default rfm.m) in each cell; every score from 1 to the highest seen is shown.
    The image's array holds the numbers (NaN for an empty cell's mean). Returns the Axes."""
    import numpy as np
    df = _dataframe(data)
    r = _numbers(df[_find(df, "rfm.r_score")])
    f = _numbers(df[_find(df, "rfm.f_score")])
    ok = r.notna() & f.notna()
    bins = int(max(r[ok].max(), f[ok].max())) if ok.any() else 1
    rows = list(range(bins, 0, -1))
    cols = list(range(1, bins + 1))
    if value == "count":
        m = np.zeros((bins, bins))
        for ri, fi in zip(r[ok].astype(int), f[ok].astype(int)):
            m[bins - ri, fi - 1] += 1
        fmt = "%d"
    elif value in ("monetary", "mean_monetary", "m"):
        money = _numbers(df[monetary if monetary is not None else _find(df, "rfm.m")])
        sums = np.zeros((bins, bins))
        counts = np.zeros((bins, bins))
        for ri, fi, mv in zip(r[ok].astype(int), f[ok].astype(int), money[ok]):
            if math.isfinite(mv):
                sums[bins - ri, fi - 1] += mv
                counts[bins - ri, fi - 1] += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.where(counts > 0, sums / np.where(counts > 0, counts, 1), np.nan)
        fmt = "%.0f"
    else:
        raise ValueError("value must be 'count' or 'monetary', not %r" % (value,))
    ax = _axes(ax)
    _heatmap(ax, m, rows, cols, fmt)
    ax.set_xlabel("F score")
    ax.set_ylabel("R score")
    ax.set_title("R x F: %s" % ("customers" if value == "count" else "mean monetary value"))
    return ax


# --- P(alive) ------------------------------------------------------------------------------


def p_alive_hist(data: Any, ax: "Optional[Axes]" = None, bins: int = 20,
                 column: Optional[str] = None) -> "Axes":
    """Histogram of P(alive) (column clv.p_alive, or `column`; customers without one are left
    out) over [0, 1] in `bins` equal bins. Returns the Axes."""
    df = _dataframe(data)
    p = _numbers(df[column if column is not None else _find(df, "clv.p_alive")]).dropna()
    ax = _axes(ax)
    ax.hist(p.to_numpy(), bins=bins, range=(0.0, 1.0), color="#55a868", edgecolor="white")
    ax.set_xlabel("P(alive)")
    ax.set_ylabel("customers")
    ax.set_title("P(alive), %d customers" % len(p))
    return ax


def p_alive_grid(model: Any, T: Optional[float] = None, max_x: Optional[int] = None,
                 max_t_x: Optional[float] = None, steps: int = 10) -> "pandas.DataFrame":
    """P(alive) of a fitted clv model (libtier.CLV) for every (x, t_x) of a grid at one T (time
    units of the model), computed by the library: a scratch book holds one customer per cell
    (x + 1 purchase days, the first T units and the last T - t_x units before the model's
    calibration end) and the model scores it. Returns a DataFrame: rows x (0..max_x,
    ascending), columns t_x (ascending), NaN where t_x would exceed T or x repeat days do not fit
    in t_x. Defaults: T 52 units (a year in weeks), max_x 10, max_t_x T; `steps` + 1 t_x values
    from 0 to max_t_x."""
    import numpy as np
    import pandas as pd
    from .book import Book
    unit = int(model.time_unit)
    end = model.fit_stat("purchase", "calibration_end")
    if not math.isfinite(end):
        raise ValueError("the clv model is not fitted")
    end = int(end)
    if T is None:
        T = 52.0
    T = float(T)
    max_x = 10 if max_x is None else int(max_x)
    max_t_x = T if max_t_x is None else min(float(max_t_x), T)
    xs = list(range(0, max_x + 1))
    txs = [round(v, 6) for v in np.linspace(0.0, max_t_x, steps + 1)]
    first = end - int(round(T * unit))
    ids, days, cells = [], [], []
    for i, x in enumerate(xs):
        for j, tx in enumerate(txs):
            span = int(round(tx * unit))
            if (x == 0) != (span == 0) or x > span:
                continue
            cid = "g%d_%d" % (i, j)
            for k in range(x + 1):
                ids.append(cid)
                days.append(first + (span * k) // max(x, 1))
            cells.append((cid, i, j))
    # the last day of the scratch book is the calibration end, so the model's default as-of day
    # (the day after the last row) gives the same end as its fit
    ids.append("g_end")
    days.append(end)
    grid = np.full((len(xs), len(txs)), np.nan)
    with Book() as book:
        book.add_txns(ids, days=days, amounts=[1.0] * len(ids))
        frame = model.score(book) if hasattr(model, "score") else model._run_score(book)
        name = model.name
        p = frame.numbers(name + ".p_alive")
        index = {book.customer_id(k): k for k in range(book.customer_count())}
        for cid, i, j in cells:
            grid[i, j] = p[index[cid]]
        frame.close()
    out = pd.DataFrame(grid, index=pd.Index(xs, name="x"), columns=pd.Index(txs, name="t_x"))
    out.attrs["T"] = T
    return out


def p_alive_matrix(model: Any, ax: "Optional[Axes]" = None, T: Optional[float] = None,
                   max_x: Optional[int] = None, max_t_x: Optional[float] = None,
                   steps: int = 10) -> "Axes":
    """Heatmap of :func:`p_alive_grid`: frequency x (rows, most on top) by recency t_x
    (columns), P(alive) from the fitted clv model at one T. Returns the Axes."""
    grid = p_alive_grid(model, T=T, max_x=max_x, max_t_x=max_t_x, steps=steps)
    grid = grid.iloc[::-1]
    ax = _axes(ax)
    _heatmap(ax, grid.to_numpy(), list(grid.index), ["%.3g" % c for c in grid.columns], "%.2f",
             cmap="RdYlGn")
    ax.images[-1].set_clim(0.0, 1.0)
    ax.set_xlabel("recency t_x (time units since the first purchase)")
    ax.set_ylabel("frequency x (repeat purchases)")
    ax.set_title("P(alive) at T = %g" % grid.attrs.get("T", T or 0))
    return ax


# --- migration -----------------------------------------------------------------------------


def _tiers_by_id(data: Any) -> Tuple[Any, List[str]]:
    import pandas as pd
    df = _dataframe(data)
    tiers = _tier_series(df)
    order = _tier_order(data, tiers)
    return pd.Series(tiers.astype(str).to_numpy(), index=_ids(df)), order


def migration_matrix(before: Any, after: Any = None, ax: "Optional[Axes]" = None,
                     new: str = "(new)", gone: str = "(gone)") -> "Axes":
    """Customers per (tier before, tier after): rows the tiers of `before`, columns those of
    `after`, in policy order; a customer in only one run is counted in the `new` row or the
    `gone` column (shown only when someone is). `before` and `after` are Results or DataFrames;
    or `before` alone is a ready matrix (a DataFrame of counts, rows "from" and columns "to", as
    tier_diff or the ledger give). Cells on the diagonal stayed. The image's array holds the
    counts. Returns the Axes."""
    import pandas as pd
    if after is None:
        matrix = pd.DataFrame(before).fillna(0)
    else:
        b, order_b = _tiers_by_id(before)
        a, order_a = _tiers_by_id(after)
        joined = pd.concat([b.rename("before"), a.rename("after")], axis=1)
        joined["before"] = joined["before"].fillna(new)
        joined["after"] = joined["after"].fillna(gone)
        rows = order_b + ([new] if (joined["before"] == new).any() else [])
        cols = order_a + ([gone] if (joined["after"] == gone).any() else [])
        matrix = pd.crosstab(joined["before"], joined["after"]).reindex(index=rows, columns=cols,
                                                                        fill_value=0)
    ax = _axes(ax)
    _heatmap(ax, matrix.to_numpy(dtype=float), list(matrix.index), list(matrix.columns), "%d",
             cmap="Purples")
    ax.set_xlabel("tier after")
    ax.set_ylabel("tier before")
    ax.set_title("Tier migration")
    return ax


# --- scorecard -----------------------------------------------------------------------------

_FACTOR = re.compile(r"^factor (\S+) \[(\w+),.*-> (-?[0-9.eE+-]+|nan|inf) points$")
_DROPPED = re.compile(r"^factor (\S+) \[(\w+),.*: \S+ missing -> (?:dropped, )?0 points$")
_PENALTY = re.compile(r"^penalty (\S+):.*-> (-?[0-9.eE+-]+) points$")


def contributions(explanation: str) -> List[Tuple[str, str, float]]:
    """The factors and penalties of a scorecard explanation (tier_model_explain's text, or a
    Result.explain text holding it): a list of (name, group, points), the group "penalty" for a
    penalty."""
    out = []
    for line in explanation.splitlines():
        line = line.strip()
        m = _FACTOR.match(line) or _DROPPED.match(line)
        if m:
            points = float(m.group(3)) if m.re is _FACTOR else 0.0
            out.append((m.group(1), m.group(2), points))
            continue
        m = _PENALTY.match(line)
        if m:
            out.append((m.group(1), "penalty", float(m.group(2))))
    return out


def scorecard_contributions(source: Any, customer: Any, ax: "Optional[Axes]" = None,
                            model: Optional[str] = None) -> "Axes":
    """Horizontal bars of the points each scorecard factor (and each penalty that applied) gave
    one customer, coloured by value group, from the scorecard's own explanation. `source` is a
    Result (its scorecard model, or `model` names one), or the explanation text. `customer` is
    an id or an index. Bars in the card's order, top down. Returns the Axes."""
    import numpy as np
    if isinstance(source, str):
        text = source
    else:
        card = None
        for m in getattr(source, "models", None) or ():
            if (model is None and getattr(m, "kind", None) == "scorecard") or \
                    (model is not None and getattr(m, "name", None) == model):
                card = m
                break
        if card is None:
            raise ValueError("the result has no scorecard model")
        book, frame = source.book, source.frame
        text = card._run_explain(book, frame, customer)
    items = contributions(text)
    if not items:
        raise ValueError("no scorecard factors in the explanation")
    colours = {"explicit": "#4c72b0", "potential": "#55a868", "growth": "#dd8452",
               "penalty": "#c44e52"}
    ax = _axes(ax)
    y = np.arange(len(items))[::-1]
    points = [p for _, _, p in items]
    ax.barh(y, points, color=[colours.get(g, "grey") for _, g, _ in items])
    for yi, p in zip(y, points):
        ax.text(p, yi, " %.1f" % p, va="center", ha="left" if p >= 0 else "right", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels(["%s (%s)" % (n, g) for n, g, _ in items])
    ax.axvline(0, color="black", linewidth=0.8)
    head = text.strip().splitlines()[0] if text.strip() else ""
    m = re.search(r"score (\S+), grade (\S+)", head)
    ax.set_title("Scorecard: %s%s" % (customer, (" — score %s, grade %s" % (
        m.group(1).rstrip(","), m.group(2).rstrip(","))) if m else ""))
    ax.set_xlabel("points")
    return ax
