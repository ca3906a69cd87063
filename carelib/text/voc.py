"""Voice of the customer at scale: themes by week, the emerging ones, and themes crossed with anything.

:func:`emerging` compares each theme's share of the texts in the review window with its share
in a baseline window before it: the exact conditional test of the two Poisson rates (texts of
the theme per text received, :func:`carelib.metrics.intervals.rate_ratio`), Benjamini–Hochberg over all
themes. A theme is **new** when it had no text in the baseline and at least ``min_count`` now,
**rising** when its rate ratio is significantly above 1, **fading** when significantly below 1
(significant: q-value below ``1 - confidence``). With a theme book
(:mod:`carelib.text.themebook`) the themes are stable ids, so a theme is the same theme in every week
compared. :func:`theme_weeks` gives each theme's share of each ISO week with its Wilson interval. :func:`crosstab` counts themes against
a column (sentiment, segment, NPS group) with shares and the column's over-representation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carelib.errors import ParameterError
from carelib.metrics.intervals import rate_ratio, wilson
from carelib.metrics.multiple_testing import benjamini_hochberg
from carelib.scales import PASSIVE, PROMOTER
from carelib.text.clean import non_answers

__all__ = ["emerging", "theme_weeks", "crosstab", "nps_group", "non_answer_summary"]


def non_answer_summary(texts: pd.Series, by: pd.Series | None = None) -> pd.DataFrame:
    """How many answers said something, and how many were non-answers (counted, never themed).

    Parameters
    ----------
    texts : Series
        Free-text answers (comments, reviews …); missing values count as non-answers.
    by : Series, optional
        A group for each text (week, survey, segment), aligned with ``texts``.

    Returns
    -------
    DataFrame
        ``[by,] texts, answers, non_answers, non_answer_share`` (share rounded to 3 decimals),
        one row per group in sorted order, or a single row.

    Notes
    -----
    A non-answer is what :func:`carelib.text.clean.is_non_answer` says: empty, fewer than two
    letters ("?", "-", emoji only) or a listed phrase ("N/A", "none", "nothing", "no comment",
    "nein", "rien", "ninguno" …).

    Examples
    --------
    >>> non_answer_summary(pd.Series(["n/a", "Slow refund", "-", None, "Great staff"])).to_dict("records")
    [{'texts': 5, 'answers': 2, 'non_answers': 3, 'non_answer_share': 0.6}]
    """
    flag = non_answers(texts)
    frame = pd.DataFrame({"non_answers": flag.astype(int), "texts": 1})
    if by is None:
        counts = frame.sum().to_frame().T
    else:
        if len(by) != len(texts):
            raise ParameterError(f"by has {len(by)} values but texts has {len(texts)}; expected one group per text")
        name = by.name if by.name is not None else "group"
        counts = frame.groupby(pd.Series(by.to_numpy(), index=frame.index, name=name), sort=True).sum().reset_index()
    counts["answers"] = counts["texts"] - counts["non_answers"]
    counts["non_answer_share"] = (counts["non_answers"] / counts["texts"].where(counts["texts"] > 0)).round(3)
    cols = ([] if by is None else [counts.columns[0]]) + ["texts", "answers", "non_answers", "non_answer_share"]
    return counts[cols].astype({"texts": int, "answers": int, "non_answers": int}).reset_index(drop=True)


def nps_group(score: pd.Series) -> pd.Series:
    """promoter (9–10), passive (7–8), detractor (0–6), or missing.

    Examples
    --------
    >>> nps_group(pd.Series([10, 7, 3, None])).tolist()
    ['promoter', 'passive', 'detractor', nan]
    >>> nps_group(pd.Series([9, None], dtype="Int64")).tolist()  # nullable integers, as tables load them
    ['promoter', nan]
    """
    s = pd.to_numeric(score, errors="coerce").astype("float64")
    return pd.Series(np.where(s >= PROMOTER, "promoter", np.where(s >= PASSIVE, "passive", np.where(s >= 0, "detractor", None))),
                     index=score.index).where(s.notna())


def emerging(themes: pd.Series, weeks: pd.Series, current: list[str], baseline: list[str], *,
             confidence: float = 0.95, min_count: int = 5) -> pd.DataFrame:
    """Per theme: texts now and before, shares, rate ratio with exact interval, q-value, and status.

    Parameters
    ----------
    themes : Series
        Theme of each text.
    weeks : Series
        ISO week of each text, aligned with ``themes`` (same length).
    current, baseline : list of str
        Weeks of the review window and of the baseline; both must hold texts.
    confidence : float
        Level of the intervals; ``1 - confidence`` is the false discovery rate of
        ``rising``/``fading``.
    min_count : int
        Least texts now for a theme absent from the baseline to be ``new``.

    Returns
    -------
    DataFrame
        ``theme, now, before, share_now, share_before, ratio, ci_low, ci_high, p_value, q_value,
        status`` (``"new"``, ``"rising"``, ``"fading"`` or ``""``); shares are of all texts of
        the window; sorted new, rising, unchanged, fading, then by descending ``share_now``.

    Examples
    --------
    >>> th = pd.Series(["a"] * 40 + ["b"] * 40 + ["a"] * 20 + ["b"] * 60 + ["c"] * 20)
    >>> wk = pd.Series(["W1"] * 80 + ["W2"] * 100)
    >>> emerging(th, wk, ["W2"], ["W1"])[["theme", "now", "before", "status"]].values.tolist()
    [['c', 20, 0, 'new'], ['b', 60, 40, ''], ['a', 20, 40, 'fading']]
    """
    if len(themes) != len(weeks):
        raise ParameterError("themes and weeks must have the same length")
    now_mask, before_mask = weeks.isin(current).to_numpy(), weeks.isin(baseline).to_numpy()
    n_now, n_before = int(now_mask.sum()), int(before_mask.sum())
    if n_now == 0 or n_before == 0:
        raise ParameterError(f"no texts in the {'review window' if n_now == 0 else 'baseline'} "
                             f"({(current if n_now == 0 else baseline)[0]} ...): cannot compare")
    th = themes.to_numpy()
    rows = []
    for t in pd.unique(th[now_mask | before_mask]):
        k1, k0 = int((th[now_mask] == t).sum()), int((th[before_mask] == t).sum())
        rr = rate_ratio(k1, n_now, k0, n_before, confidence)
        rows.append({"theme": t, "now": k1, "before": k0, "share_now": k1 / n_now, "share_before": k0 / n_before,
                     "ratio": rr["ratio"], "ci_low": rr["ci_low"], "ci_high": rr["ci_high"], "p_value": rr["p_value"]})
    out = pd.DataFrame(rows)
    out["q_value"] = benjamini_hochberg(out["p_value"].to_numpy())
    sig = out["q_value"] < 1 - confidence
    out["status"] = np.where((out["before"] == 0) & (out["now"] >= min_count), "new",
                             np.where(sig & (out["ratio"] > 1), "rising", np.where(sig & (out["ratio"] < 1), "fading", "")))
    rank = out["status"].map({"new": 0, "rising": 1, "": 2, "fading": 3})
    return out.assign(_r=rank).sort_values(["_r", "share_now"], ascending=[True, False], kind="stable").drop(
        columns="_r").reset_index(drop=True)


def theme_weeks(themes: pd.Series, weeks: pd.Series, *, confidence: float = 0.95,
                order: list[str] | None = None) -> pd.DataFrame:
    """Share of each theme in each ISO week, with its Wilson interval (texts without a theme count in the week).

    Parameters
    ----------
    themes : Series
        Theme (stable id) of each text; missing: a text in no theme.
    weeks : Series
        ISO week of each text, aligned with ``themes``.
    confidence : float
        Level of the intervals.
    order : list of str, optional
        Weeks to show, in order (a week without texts has shares of NaN); default the weeks present, sorted.

    Returns
    -------
    DataFrame
        ``theme, week, texts, week_texts, share, ci_low, ci_high``, by theme then week.

    Examples
    --------
    >>> t = theme_weeks(pd.Series(["T1", "T2", "T1", "T1"]), pd.Series(["W1", "W1", "W2", "W2"]))
    >>> t[["theme", "week", "texts", "share"]].values.tolist()
    [['T1', 'W1', 1, 0.5], ['T1', 'W2', 2, 1.0], ['T2', 'W1', 1, 0.5], ['T2', 'W2', 0, 0.0]]
    >>> round(float(t["ci_low"].iloc[0]), 3), round(float(t["ci_high"].iloc[0]), 3)
    (0.095, 0.905)
    """
    if len(themes) != len(weeks):
        raise ParameterError("themes and weeks must have the same length")
    frame = pd.DataFrame({"theme": themes.to_numpy(), "week": weeks.to_numpy()}).dropna(subset=["week"])
    cols = order if order is not None else sorted(frame["week"].unique())
    totals = frame.groupby("week").size().reindex(cols, fill_value=0)
    counts = pd.crosstab(frame["theme"], frame["week"]).reindex(columns=cols, fill_value=0)
    out = counts.stack().rename("texts").reset_index()
    out.columns = ["theme", "week", "texts"]
    out["week_texts"] = out["week"].map(totals).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = out["texts"] / out["week_texts"].where(out["week_texts"] > 0)
        low, high = wilson(out["texts"].to_numpy(float), out["week_texts"].to_numpy(float), confidence)
    out["ci_low"], out["ci_high"] = low, high
    return out.sort_values(["theme", "week"], kind="stable").reset_index(drop=True)


def crosstab(themes: pd.Series, by: pd.Series, labels: dict[Any, str] | None = None) -> pd.DataFrame:
    """Texts per theme × value of ``by`` as shares of the theme (rows sum to 1), with the theme's size.

    Parameters
    ----------
    themes : Series
        Theme of each text.
    by : Series
        The value crossed with it (sentiment, segment, :func:`nps_group` …), aligned with
        ``themes``; texts where either is missing are left out.
    labels : dict, optional
        Theme → display name for the index (themes not in it keep their value).

    Returns
    -------
    DataFrame
        Indexed by theme (sorted): ``texts`` (float), then one share column per value of ``by``.

    Examples
    --------
    >>> crosstab(pd.Series([0, 0, 1]), pd.Series(["neg", "pos", "neg"]))[["texts", "neg", "pos"]].values.tolist()
    [[2.0, 0.5, 0.5], [1.0, 1.0, 0.0]]
    """
    t = pd.crosstab(themes, by)
    out = t.div(t.sum(axis=1), axis=0)
    out.insert(0, "texts", t.sum(axis=1).astype(float))
    if labels:
        out.index = pd.Index([labels.get(i, i) for i in out.index], name=themes.name)
    out.index.name = out.index.name or "theme"
    out.columns.name = None
    return out
