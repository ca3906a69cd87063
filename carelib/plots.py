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

__all__ = ["LOOK", "trend", "forest"]

LOOK = {
    "ink": "#2b2b2b", "muted": "#8a8a8a", "band": "#c9d8e8", "line": "#2f5d8a", "accent": "#b5523b",
    "grid": "#e6e6e6", "font": 9, "figsize": (8, 3.2),
}


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
