"""Plots with one shared look: every function takes ``ax=None``, draws, and returns the Axes.

No global style changes and no ``plt.show()``: the look lives in :data:`LOOK` and is applied
per Axes. Notebooks assign the result (``_ = plots.trend(...)``) so nothing is echoed.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from carelib.errors import ParameterError
from carelib.report.look import LOOK

__all__ = ["LOOK", "trend", "forest", "control_chart", "drivers", "survival", "hour_of_week", "bars"]



def _axes(ax: Any, figsize: tuple[float, float] | None = None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize or LOOK["figsize"], layout="constrained")
    ax.tick_params(labelsize=LOOK["font"], colors=LOOK["ink"])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color=LOOK["grid"], linewidth=0.8)
    ax.set_axisbelow(True)
    return ax


def _need(data: pd.DataFrame, cols: list[str], what: str) -> None:
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ParameterError(f"{what}: the data has no column(s) {missing}; columns are {list(data.columns)}")


def trend(
    data: pd.DataFrame, x: str = "period", y: str = "nps", low: str = "ci_low", high: str = "ci_high",
    *, title: str = "", ylabel: str | None = None, highlight: list[Any] | None = None, ax: Any = None,
):
    """A line with its interval band; ``highlight`` marks some x values (e.g. signal weeks).

    Parameters
    ----------
    data : DataFrame
        One row per period, in plot order.
    x : str
        Column of the period labels (at most 8 are shown on the axis).
    y : str
        Column of the estimate.
    low, high : str
        Columns of the interval bounds.
    title : str
        Title, left-aligned; none when empty.
    ylabel : str, optional
        Y-axis label; default ``y``.
    highlight : list, optional
        Values of ``x`` marked in the accent colour.
    ax : matplotlib Axes, optional
        Axes to draw on; default a new figure in the shared look.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on (one line, one interval band, the highlighted points).

    Examples
    --------
    >>> d = pd.DataFrame({"period": ["W1", "W2"], "nps": [20.0, 25.0], "ci_low": [10.0, 15.0], "ci_high": [30.0, 35.0]})
    >>> ax = trend(d); len(ax.lines), len(ax.collections)
    (1, 1)
    """
    _need(data, [x, y, low, high], "trend")
    ax = _axes(ax)
    pos = np.arange(len(data))
    ax.fill_between(pos, data[low].to_numpy(float), data[high].to_numpy(float), color=LOOK["band"], linewidth=0,
                    label="interval")
    ax.plot(pos, data[y].to_numpy(float), color=LOOK["line"], marker="o", markersize=3, linewidth=1.5, label=y)
    if highlight:
        mark = data[x].isin(highlight).to_numpy()
        ax.scatter(pos[mark], data[y].to_numpy(float)[mark], color=LOOK["accent"], zorder=3, s=22, label="highlighted")
    step = max(1, -(-len(data) // 8))  # at most 8 labels
    ax.set_xticks(pos[::step], data[x].astype(str).to_numpy()[::step], rotation=0)
    ax.set_ylabel(ylabel or y, fontsize=LOOK["font"], color=LOOK["ink"])
    if title:
        ax.set_title(title, fontsize=LOOK["font"] + 1, loc="left", color=LOOK["ink"])
    return ax


def forest(
    data: pd.DataFrame, label: str, y: str = "nps", low: str = "ci_low", high: str = "ci_high",
    *, reference: float | None = None, flagged: str | None = None, title: str = "", ax: Any = None,
):
    """Segment estimates with intervals; rows with no estimate (``n too small``) are shown greyed and labelled.

    Parameters
    ----------
    data : DataFrame
        One row per segment, first row on top.
    label : str
        Column naming the segment.
    y : str
        Column of the estimate (NaN: shown as "n too small").
    low, high : str
        Columns of the interval bounds.
    reference : float, optional
        Value drawn as a dashed vertical line (the overall estimate).
    flagged : str, optional
        Boolean column; true rows are drawn in the accent colour.
    title : str
        Title, left-aligned; none when empty.
    ax : matplotlib Axes, optional
        Axes to draw on; default a new figure in the shared look.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on (one interval and point per segment with an estimate).

    Examples
    --------
    >>> d = pd.DataFrame({"region": ["N", "S"], "nps": [20.0, None], "ci_low": [10.0, None], "ci_high": [30.0, None]})
    >>> ax = forest(d, "region", reference=25.0); [t.get_text() for t in ax.get_yticklabels()]
    ['N', 'S (n too small)']
    """
    _need(data, [label, y, low, high], "forest")
    ax = _axes(ax, (6, 0.45 * len(data) + 1.2))
    pos = np.arange(len(data))[::-1]
    names = []
    for p, (_, r) in zip(pos, data.iterrows(), strict=True):
        if pd.isna(r[y]):
            names.append(f"{r[label]} (n too small)")
            continue
        names.append(str(r[label]))
        colour = LOOK["accent"] if flagged and bool(r.get(flagged)) else LOOK["line"]
        ax.plot([r[low], r[high]], [p, p], color=colour, linewidth=2)
        ax.plot([r[y]], [p], "o", color=colour)
    if reference is not None:
        ax.axvline(reference, color=LOOK["muted"], linestyle="--", linewidth=1)
    ax.set_yticks(pos, names)
    for tick, name in zip(ax.get_yticklabels(), names, strict=True):
        if name.endswith("(n too small)"):
            tick.set_color(LOOK["muted"])
    ax.grid(axis="x", color=LOOK["grid"])
    ax.set_xlabel(y, fontsize=LOOK["font"])
    if title:
        ax.set_title(title, fontsize=LOOK["font"] + 1, loc="left")
    return ax


def control_chart(
    chart: pd.DataFrame, signals: pd.DataFrame | None = None, *, title: str = "", ylabel: str = "value",
    percent: bool = False, ax: Any = None,
):
    """A control chart from :func:`carelib.metrics.spc.p_chart` or :func:`carelib.metrics.spc.xmr`: values, centre, limits, signals.

    Limits are drawn as steps (they vary with the subgroup size on a p-chart and change at a
    phase boundary); periods named in ``signals`` are marked in the accent colour.

    Parameters
    ----------
    chart : DataFrame
        ``period, value, centre, lcl, ucl`` (and optionally ``phase``), one row per period.
    signals : DataFrame, optional
        Rule violations from :func:`carelib.metrics.spc.signals` (its ``period`` column is used).
    title : str
        Title, left-aligned; none when empty.
    ylabel : str
        Y-axis label.
    percent : bool
        Multiply values and limits by 100 (for a p-chart of shares).
    ax : matplotlib Axes, optional
        Axes to draw on; default a new figure in the shared look.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on (values, centre and limit steps, signal points, phase boundaries).

    Examples
    --------
    >>> from carelib.metrics import spc
    >>> c = spc.xmr([10, 11, 10, 11, 10, 11, 10, 30], list("abcdefgh"))
    >>> ax = control_chart(c, spc.signals(c)); len(ax.collections)
    1
    """
    _need(chart, ["period", "value", "centre", "lcl", "ucl"], "control_chart")
    ax = _axes(ax)
    k = 100.0 if percent else 1.0
    pos = np.arange(len(chart))
    for col, style in (("ucl", "--"), ("lcl", "--"), ("centre", "-")):
        ax.step(pos, k * chart[col].to_numpy(float), where="mid", color=LOOK["muted"], linestyle=style, linewidth=1)
    ax.plot(pos, k * chart["value"].to_numpy(float), color=LOOK["line"], marker="o", markersize=3, linewidth=1.3)
    if signals is not None and len(signals):
        hit = chart["period"].isin(set(signals["period"])).to_numpy()
        ax.scatter(pos[hit], k * chart["value"].to_numpy(float)[hit], color=LOOK["accent"], s=30, zorder=3,
                   label="signal")
        ax.legend(fontsize=LOOK["font"] - 1, frameon=False, loc="best")
    if "phase" in chart and chart["phase"].nunique() > 1:
        change = np.nonzero(chart["phase"].to_numpy()[1:] != chart["phase"].to_numpy()[:-1])[0]
        for c in change:
            ax.axvline(c + 0.5, color=LOOK["ink"], linewidth=0.8, linestyle=":")
    step = max(1, -(-len(chart) // 8))
    ax.set_xticks(pos[::step], chart["period"].astype(str).to_numpy()[::step])
    ax.set_ylabel(ylabel, fontsize=LOOK["font"])
    if title:
        ax.set_title(title, fontsize=LOOK["font"] + 1, loc="left")
    return ax


def drivers(table: pd.DataFrame, *, top: int = 10, title: str = "", ax: Any = None):
    """Relative risk with its interval per driver (log scale), from :func:`carelib.analysis.drivers.relative_risk`.

    Parameters
    ----------
    table : DataFrame
        ``factor, rr, ci_low, ci_high, attributable`` and optionally ``level, significant``
        (non-significant drivers are greyed), in the order to show, first on top.
    top : int
        Drivers shown (the first ``top`` with a relative risk).
    title : str
        Title, left-aligned; none when empty.
    ax : matplotlib Axes, optional
        Axes to draw on; default a new figure in the shared look.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on (log x scale, a dashed line at 1).

    Examples
    --------
    >>> t = pd.DataFrame({"factor": ["late"], "level": [""], "rr": [3.0], "ci_low": [2.0], "ci_high": [4.5],
    ...                   "attributable": [0.3], "significant": [True]})
    >>> [x.get_text() for x in drivers(t).get_yticklabels()]
    ['late (30% of outcomes)']
    """
    _need(table, ["factor", "rr", "ci_low", "ci_high", "attributable"], "drivers")
    t = table.dropna(subset=["rr"]).head(top)
    ax = _axes(ax, (6, 0.45 * max(len(t), 1) + 1.2))
    pos = np.arange(len(t))[::-1]
    names = []
    for p, (_, r) in zip(pos, t.iterrows(), strict=True):
        sig = bool(r.get("significant", True))
        colour = LOOK["accent"] if sig else LOOK["muted"]
        ax.plot([r["ci_low"], r["ci_high"]], [p, p], color=colour, linewidth=2)
        ax.plot([r["rr"]], [p], "o", color=colour)
        level = f" = {r['level']}" if str(r.get("level", "") or "") else ""
        names.append(f"{r['factor']}{level} ({r['attributable']:.0%} of outcomes)")
    ax.axvline(1.0, color=LOOK["muted"], linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(pos, names)
    ax.grid(axis="x", color=LOOK["grid"])
    ax.set_xlabel("relative risk (log scale)", fontsize=LOOK["font"])
    if title:
        ax.set_title(title, fontsize=LOOK["font"] + 1, loc="left")
    return ax


def survival(curves: dict[str, pd.DataFrame], *, xlabel: str = "minutes", title: str = "",
             log: bool = True, ax: Any = None):
    """Share answered by time ``1 − S(t)`` per group, from :func:`carelib.metrics.response_times.kaplan_meier` tables.

    Parameters
    ----------
    curves : dict of str to DataFrame
        Group name → Kaplan–Meier table (``time, survival, low, high``); a legend is shown
        with more than one group.
    xlabel : str
        X-axis label (the unit of ``time``).
    title : str
        Title, left-aligned; none when empty.
    log : bool
        Log-scale time axis (times of 0 are drawn at 0.001).
    ax : matplotlib Axes, optional
        Axes to draw on; default a new figure in the shared look.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on (one step line and band per group, y from 0 to 1).

    Examples
    --------
    >>> km = pd.DataFrame({"time": [1, 2, 4], "survival": [0.6, 0.3, 0.0], "low": [0.4, 0.1, 0.0],
    ...                    "high": [0.8, 0.5, 0.2]})
    >>> len(survival({"A": km}).lines)
    1
    """
    ax = _axes(ax)
    colours = list(LOOK["cycle"])
    for i, (name, km) in enumerate(curves.items()):
        _need(km, ["time", "survival", "low", "high"], "survival")
        col = colours[i % len(colours)]
        x = np.maximum(km["time"].to_numpy(float), 1e-3 if log else 0)
        ax.step(x, 1 - km["survival"].to_numpy(float), where="post", color=col, linewidth=1.4, label=str(name))
        ax.fill_between(x, 1 - km["high"].to_numpy(float), 1 - km["low"].to_numpy(float), step="post",
                        color=col, alpha=0.15, linewidth=0)
    if log:
        ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_ylabel("share answered", fontsize=LOOK["font"])
    ax.set_xlabel(xlabel, fontsize=LOOK["font"])
    if len(curves) > 1:
        ax.legend(fontsize=LOOK["font"] - 1, frameon=False)
    if title:
        ax.set_title(title, fontsize=LOOK["font"] + 1, loc="left")
    return ax


def hour_of_week(grid: pd.DataFrame, *, label: str = "", title: str = "", ax: Any = None):
    """Heatmap of a 7 × 24 table from :func:`carelib.metrics.response_times.hour_of_week` (empty cells left blank).

    Parameters
    ----------
    grid : DataFrame
        Weekdays as rows, hours as columns, numbers (NaN for empty cells).
    label : str
        Label of the colour bar (the unit of the cells).
    title : str
        Title, left-aligned; none when empty.
    ax : matplotlib Axes, optional
        Axes to draw on; default a new figure in the shared look.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on (one image, with a colour bar beside it).

    Examples
    --------
    >>> g = pd.DataFrame(np.ones((7, 24)), index=list("MTWTFSS"), columns=range(24))
    >>> ax = hour_of_week(g); len(ax.images)
    1
    """
    ax = _axes(ax, (8, 2.8))
    ax.grid(False)
    img = ax.imshow(grid.to_numpy(float), aspect="auto", cmap="cividis", interpolation="nearest")
    ax.set_yticks(range(len(grid)), [str(i) for i in grid.index])
    ax.set_xticks(range(0, grid.shape[1], 2), [str(c) for c in grid.columns[::2]])
    ax.set_xlabel("hour of day", fontsize=LOOK["font"])
    bar = ax.figure.colorbar(img, ax=ax, fraction=0.03, pad=0.01)
    bar.ax.tick_params(labelsize=LOOK["font"] - 1)
    if label:
        bar.set_label(label, fontsize=LOOK["font"])
    if title:
        ax.set_title(title, fontsize=LOOK["font"] + 1, loc="left")
    return ax


def bars(labels: list[Any], values: list[float] | pd.Series, *, xlabel: str = "", title: str = "", ax: Any = None):
    """Horizontal bars, first label on top (a ranked list: costs, counts).

    Parameters
    ----------
    labels : list
        Bar labels (shown as strings), in rank order.
    values : list of float or Series
        Bar lengths, as many as ``labels``.
    xlabel : str
        X-axis label (the unit of ``values``).
    title : str
        Title, left-aligned; none when empty.
    ax : matplotlib Axes, optional
        Axes to draw on; default a new figure in the shared look.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on (one horizontal bar per label).

    Examples
    --------
    >>> ax = bars(["a", "b"], [3.0, 1.0]); [t.get_text() for t in ax.get_yticklabels()]
    ['b', 'a']
    """
    labels, values = [str(x) for x in labels], np.asarray(values, dtype=float)
    if len(labels) != len(values):
        raise ParameterError(f"bars: {len(labels)} labels for {len(values)} values")
    ax = _axes(ax, (7, 0.4 * max(len(labels), 1) + 1.2))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color=LOOK["grid"])
    ax.barh(labels[::-1], values[::-1], color=LOOK["line"])
    ax.set_xlabel(xlabel, fontsize=LOOK["font"])
    if title:
        ax.set_title(title, fontsize=LOOK["font"] + 1, loc="left")
    return ax


def describe(fig: Any) -> str:
    """Alt text for a chart, read from the figure itself: titles, axes, and the range of each series.

    Parameters
    ----------
    fig : matplotlib Figure
        A figure drawn by this module (or any figure with titled, labelled axes).

    Returns
    -------
    str
        One or two sentences a screen reader can read in place of the chart.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = trend(pd.DataFrame({"week": ["W1", "W2"], "nps": [30.0, 34.5], "ci_low": [25.0, 30.0],
    ...                          "ci_high": [35.0, 39.0]}), x="week", title="NPS by week", ylabel="NPS")
    >>> describe(ax.figure)
    'Chart: NPS by week. NPS over 2 points (W1 to W2): from 30.0 to 34.5, lowest 30.0, highest 34.5.'
    """
    parts = []
    for ax in fig.get_axes():
        if not ax.get_visible() or (not ax.lines and not ax.patches and not ax.collections and not ax.images):
            continue
        title = ax.get_title(loc="left") or ax.get_title() or (fig._suptitle.get_text() if fig._suptitle else "")
        said = [f"Chart: {title}." if title else "Chart."]
        ylabel, xlabel = ax.get_ylabel(), ax.get_xlabel()
        ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        line = next((ln for ln in ax.lines if len(ln.get_ydata()) >= 2 and ln.get_linestyle() not in ("--", ":")), None)
        if line is not None:
            y = np.asarray(line.get_ydata(), dtype=float)
            y = y[np.isfinite(y)]
            if len(y):
                span = f" ({ticks[0]} to {ticks[-1]})" if len(ticks) >= 2 else ""
                said.append(f"{ylabel or 'The series'} over {len(y)} points{span}: from {y[0]:.1f} to {y[-1]:.1f}, "
                            f"lowest {y.min():.1f}, highest {y.max():.1f}.")
        elif ax.patches:
            said.append(f"{len(ax.patches)} bars" + (f" of {xlabel or ylabel}" if (xlabel or ylabel) else "") + ".")
        elif ylabel or xlabel:
            said.append(" by ".join(x for x in (ylabel, xlabel) if x) + ".")
        parts.append(" ".join(said))
    return " ".join(parts) or "Chart."
