"""The metric review's headline: one row per metric — value, interval, change, p-value, signal.

Each ``*_row`` function takes a workspace table (already with a ``week`` column, see
:func:`with_week`), the weeks under review and the weeks compared against, and returns one
dict for :func:`headline`. The change is tested with the metric's own two-sample test
(NPS: adjusted-Wald z; shares: two-proportion z; stars: Welch t; rates: exact conditional
test; response times: the SLA share), and the *signal* column says whether the metric's
weekly control chart shows a rule violation inside the review window — the two answer
different questions ("did the level move?" and "is something unusual happening now?").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from carelib import metrics, periods
from carelib.errors import DataError, ParameterError
from carelib.metrics import spc
from carelib.metrics.distributions import sem, t_interval, welch_pvalue
from carelib.metrics.intervals import nps_difference, share_difference
from carelib.metrics.rates import rate_from_counts
from carelib.scales import BOXES

__all__ = ["with_week", "latest_week", "review_weeks", "headline", "survey_row", "stars_row", "rate_row",
           "response_row", "count_row", "star_counts", "weekly_counts", "format_headline", "coverage", "coverage_counts", "in_weeks", "week_counts",
           "HEADLINE_COLUMNS"]

HEADLINE_COLUMNS = ["metric", "label", "value", "ci_low", "ci_high", "previous", "change", "p_value", "n", "unit",
                    "signal", "note"]
LABELS = {"nps": "NPS", "enps": "eNPS (staff)", "csat": "CSAT (top-2-box)", "ces": "CES (easy, 5-7)",
          "pmf": "PMF (very disappointed)"}


def with_week(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """A copy with an ISO ``week`` column from a timestamp column (rows without a time get no week)."""
    if column not in frame.columns:
        raise DataError(f"expected a column {column!r}; columns are {list(frame.columns)}")
    return frame.assign(week=periods.week_of(frame, column))


def latest_week(*weeks: pd.Series) -> str:
    """The latest ISO week present in any of the series (for ``period="latest"``)."""
    found = [w.dropna().max() for w in weeks if len(w.dropna())]
    if not found:
        raise DataError("no dated rows in the workspace: cannot find the latest week")
    return str(max(found))


def review_weeks(period: str, window: int = 4, compare_to: str = "previous") -> tuple[list[str], list[str]]:
    """Weeks under review (``window`` weeks ending with ``period``) and the weeks they are compared with.

    ``compare_to`` is ``"previous"`` (the ``window`` weeks before), ``"last-year"`` (the same
    weeks 52 weeks earlier) or a range ``"2026-W20..2026-W27"``.

    Parameters
    ----------
    period : str
        Last ISO week under review, e.g. ``"2026-W47"``.
    window : int
        Weeks under review (a positive integer).
    compare_to : str
        ``"previous"``, ``"last-year"`` or a week range ``"YYYY-Www..YYYY-Www"``.

    Returns
    -------
    current, previous : list of str
        ISO weeks under review (oldest first, ending with ``period``) and the weeks compared with.

    Examples
    --------
    >>> review_weeks("2026-W03", 2)
    (['2026-W02', '2026-W03'], ['2025-W52', '2026-W01'])
    """
    if not isinstance(window, int) or window < 1:
        raise ParameterError(f"window must be a positive number of weeks, got {window!r}")
    current = periods.last_weeks(period, window)
    if compare_to == "previous":
        previous = periods.last_weeks(period, 2 * window)[:window]
    elif compare_to == "last-year":
        previous = periods.last_weeks(period, 52 + window)[:window]
    else:
        try:
            previous = periods.week_range(compare_to)
        except (ParameterError, ValueError) as exc:
            raise ParameterError(f"compare_to must be 'previous', 'last-year' or a week range like "
                                 f"'2026-W20..2026-W27'; got {compare_to!r} ({exc})") from None
    return current, previous


def in_weeks(frame: Any, weeks: list[str]) -> Any:
    """The rows of ``frame`` (pandas, or a narwhals/engine frame) whose ``week`` is one of ``weeks``, filtered where
    the frame lives: a pandas frame stays pandas, an engine frame stays lazy.

    Examples
    --------
    >>> in_weeks(pd.DataFrame({"week": ["W1", "W2", None]}), ["W2"]).index.tolist()
    [1]
    """
    if isinstance(frame, pd.DataFrame):
        return frame[frame["week"].isin(weeks)]
    return nw.from_native(frame).filter(nw.col("week").is_in(list(weeks)))


def week_counts(frame: Any) -> pd.Series:
    """Rows per ``week`` (undated rows left out), counted in the frame's engine; sorted by week.

    A Series is taken as counts already made (by week, e.g. from a tally store) and returned as it is.

    Examples
    --------
    >>> week_counts(pd.DataFrame({"week": ["W2", "W1", "W2", None]})).to_dict()
    {'W1': 1, 'W2': 2}
    """
    if isinstance(frame, pd.Series):
        return frame
    if isinstance(frame, pd.DataFrame):
        w = frame["week"].dropna()
        return w.groupby(w).size().astype("int64").rename_axis("week")
    counts = metrics.count_by(nw.from_native(frame).filter(~nw.col("week").is_null()), "week")
    return counts.set_index("week")["count"].astype("int64")


def _signal(chart: pd.DataFrame, current: list[str], rules: str) -> str:
    s = spc.signals(chart, rules)
    s = s[s["period"].isin(current)]
    if s.empty:
        return "no signal"
    return "; ".join(f"{r} in {p}" for p, r in s[["period", "rule"]].drop_duplicates("rule").values)


def _row(metric: str, label: str, unit: str, **kw: Any) -> dict[str, Any]:
    row = dict.fromkeys(HEADLINE_COLUMNS, np.nan)
    row.update(metric=metric, label=label, unit=unit, signal="", note="")
    row.update(kw)
    return row


def survey_row(answers: pd.DataFrame, survey: str, current: list[str], previous: list[str], trend: list[str],
               confidence: float = 0.95, rules: str = "western-electric", *, min_n: int = 30,
               weekly: pd.DataFrame | None = None) -> dict[str, Any]:
    """Headline row of one survey (nps, enps, csat, ces, pmf) from answers with ``survey, score, week``.

    Pulse surveys are sparse: eNPS, and any survey with no answers in the window (a one-off
    PMF survey), compare their latest wave up to the review's end with the wave before it,
    and get no control-chart signal.

    Parameters
    ----------
    answers : DataFrame
        Survey answers with ``survey, score, week`` (``week`` from :func:`with_week`).
    survey : {"nps", "enps", "csat", "ces", "pmf"}
        Survey whose row is built.
    current, previous : list of str
        ISO weeks under review and weeks compared with (from :func:`review_weeks`).
    trend : list of str
        ISO weeks of the control chart behind ``signal``.
    confidence : float
        Level of the interval of the value.
    rules : {"western-electric", "nelson"}
        Control-chart rules of ``signal`` (see :data:`carelib.metrics.spc.RULES`).
    min_n : int
        Answers in the window below which the row gets an "n too small" note.
    weekly : DataFrame, optional
        The survey's tally by ``week`` already counted (``tally_nps``/``tally_scale`` columns, e.g. from a
        tally store); weeks with no score are left out. Default: tallied from ``answers``.

    Returns
    -------
    dict
        One row of :data:`HEADLINE_COLUMNS`: NPS/eNPS in ``"points"`` (adjusted-Wald interval and
        test), box scores as a ``"share"`` (two-proportion test); ``signal`` is the XmR or Laney
        p-chart verdict (``""`` for pulse surveys); a row with only ``note`` when the window has
        no answers.
    """
    if survey not in ("nps", "enps") and survey not in BOXES:
        raise ParameterError(f"unknown survey {survey!r}")
    # filtered where the answers live (pandas, DuckDB, Spark): only tallies come back
    a = nw.from_native(answers).filter((nw.col("survey") == survey) & ~nw.col("score").is_null())
    label = LABELS.get(survey, survey)
    low, high, b0, b1 = BOXES.get(survey, (0, 10, 0, 0))
    tally = (lambda x, by=None: metrics.tally_nps(x, "score", by)) if survey in ("nps", "enps") else \
        (lambda x, by=None: metrics.tally_scale(x, "score", by, low, high))
    if weekly is None:
        weekly = tally(a.filter(~nw.col("week").is_null()), "week")  # one tally per week: the rest sums it
    else:
        weekly = weekly[weekly["n"] > 0].reset_index(drop=True)
    weeks = weekly["week"].tolist()
    pulse = survey == "enps" or not set(weeks) & set(current)
    if pulse:  # a pulse survey: its latest wave up to the review's end against the wave before
        waves = sorted(w for w in weeks if w <= current[-1])
        current, previous = waves[-1:], waves[-2:-1]
        label += f", latest wave {current[0]}" if current else ""
    now, before = weekly[weekly["week"].isin(current)], weekly[weekly["week"].isin(previous)]
    if int(now["n"].sum()) == 0:
        return _row(survey, label, "", note="no answers in the window")
    w = weekly[weekly["week"].isin(trend)].reset_index(drop=True)
    if survey in ("nps", "enps"):
        unit = "points"
        cols = ("promoters", "detractors", "n")
        res = nps_difference(*(np.array([now[c].sum()], float) for c in cols),
                             *(np.array([before[c].sum()], float) for c in cols), confidence)
        n = int(now["n"].sum())
        chart = spc.xmr(metrics.nps_from_counts(w["promoters"], w["passives"], w["detractors"])["nps"], w["week"])
    else:
        unit = "share"
        box = [f"score_{v}" for v in range(b0, b1 + 1)]
        k1, k0 = (np.array([t[box].to_numpy().sum()], float) for t in (now, before))
        res = share_difference(k1, np.array([now["n"].sum()], float), k0, np.array([before["n"].sum()], float),
                               confidence)
        n = int(now["n"].sum())
        chart = spc.p_chart(w[box].sum(axis=1), w["n"], w["week"])
    has_prev = int(before["n"].sum()) > 0
    return _row(survey, label, unit, value=float(res["value"][0]), ci_low=float(res["ci_low"][0]),
                ci_high=float(res["ci_high"][0]), previous=float(res["rest_value"][0]) if has_prev else np.nan,
                change=float(res["difference"][0]) if has_prev else np.nan,
                p_value=float(res["p_value"][0]) if has_prev else np.nan, n=n,
                signal="" if pulse else _signal(chart, current, rules),
                note="" if n >= min_n else f"n too small ({n} < {min_n})")


def stars_row(reviews: pd.DataFrame, current: list[str], previous: list[str], trend: list[str],
              confidence: float = 0.95, rules: str = "western-electric") -> dict[str, Any]:
    """Mean review stars in the window (t interval), change by Welch's t test, XmR signal on the weekly mean.

    Parameters
    ----------
    reviews : DataFrame or lazy frame
        Reviews with ``rating`` (stars) and ``week``: pandas, or lazy in an engine (counted there).
    current, previous : list of str
        ISO weeks under review and weeks compared with.
    trend : list of str
        ISO weeks of the XmR chart behind ``signal``.
    confidence : float
        Level of the t interval.
    rules : {"western-electric", "nelson"}
        Control-chart rules of ``signal``.

    Returns
    -------
    dict
        One row of :data:`HEADLINE_COLUMNS` with unit ``"stars"``; with fewer than two reviews in
        the window, only ``n`` and a note.
    """
    # reviews per (week, stars), counted where the reviews live; the stars of a window rebuilt from the counts, in
    # sorted order, so every engine (and file order) gives the same sums
    counts = star_counts(reviews)
    now, before = _stars_in(counts, current), _stars_in(counts, previous)
    if len(now) < 2:
        return _row("stars", "Review stars (mean)", "stars", n=len(now), note="fewer than 2 reviews in the window")
    lo, hi = t_interval(confidence, len(now) - 1, loc=now.mean(), scale=sem(now))
    p = welch_pvalue(now, before) if len(before) > 1 else np.nan
    weekly = counts[counts["week"].isin(trend)].assign(total=lambda c: c["rating"] * c["n"]).groupby("week")
    weekly = weekly["total"].sum() / weekly["n"].sum()
    chart = spc.xmr(weekly.to_numpy(), weekly.index.to_numpy())
    return _row("stars", "Review stars (mean)", "stars", value=now.mean(), ci_low=lo, ci_high=hi,
                previous=before.mean() if len(before) else np.nan,
                change=now.mean() - before.mean() if len(before) else np.nan, p_value=p, n=len(now),
                signal=_signal(chart, current, rules))


def star_counts(reviews: Any) -> pd.DataFrame:
    """Reviews per ``week`` and ``rating`` (float stars, ``n``), counted in the reviews' engine; rows without a week
    or a rating left out.

    Examples
    --------
    >>> star_counts(pd.DataFrame({"week": ["W1", "W1", "W2", None], "rating": [5, 5, 3, 4]})).values.tolist()
    [['W1', 5.0, 2], ['W2', 3.0, 1]]
    """
    f = nw.from_native(reviews).filter(~nw.col("week").is_null() & ~nw.col("rating").is_null())
    counts = metrics.count_by(f, ["week", "rating"], "n")
    return counts.astype({"rating": float, "n": "int64"})


def _stars_in(counts: pd.DataFrame, weeks: list[str]) -> pd.Series:
    """The stars of the reviews in ``weeks``, rebuilt from :func:`star_counts` in ascending order."""
    part = counts[counts["week"].isin(weeks)].groupby("rating")["n"].sum().sort_index()
    return pd.Series(np.repeat(part.index.to_numpy(float), part.to_numpy()), dtype=float)


def rate_row(events: pd.DataFrame, exposure: pd.DataFrame, current: list[str], previous: list[str],
             trend: list[str], confidence: float = 0.95, rules: str = "western-electric", *,
             metric: str = "complaint_rate", label: str = "Complaints per 1,000 orders", per: float = 1000.0
             ) -> dict[str, Any]:
    """A rate in the window with its exact interval, the exact rate-ratio test, and a Laney p-chart signal.

    Parameters
    ----------
    events : DataFrame
        One row per event (e.g. complaints) with ``week``.
    exposure : DataFrame
        One row per unit of exposure (e.g. orders) with ``week``.
    current, previous : list of str
        ISO weeks under review and weeks compared with.
    trend : list of str
        ISO weeks of the p-chart behind ``signal``.
    confidence : float
        Level of the exact (Garwood) interval.
    rules : {"western-electric", "nelson"}
        Control-chart rules of ``signal``.
    metric, label : str
        ``metric`` id and display ``label`` of the row.
    per : float
        Units of exposure the rate is expressed per (default 1,000).

    Returns
    -------
    dict
        One row of :data:`HEADLINE_COLUMNS` with unit ``"per {per}"`` and ``n`` the events in the
        window; only a note when the window has no exposure.
    """
    ev, ex = week_counts(events), week_counts(exposure)  # counted in the engine: weeks come back, not rows
    k1, e1 = int(ev[ev.index.isin(current)].sum()), int(ex[ex.index.isin(current)].sum())
    k0, e0 = int(ev[ev.index.isin(previous)].sum()), int(ex[ex.index.isin(previous)].sum())
    if e1 == 0:
        return _row(metric, label, f"per {per:,.0f}", note="no exposure in the window")
    lo, hi = metrics.garwood(k1, confidence)
    rr = metrics.rate_ratio(k1, e1, k0, e0, confidence) if e0 else {"p_value": np.nan}
    w = rate_from_counts(_counted(ev, trend, "events"), _counted(ex, trend, "exposure"), ["week"])
    chart = spc.p_chart(w["events"], w["exposure"], w["week"])
    prev = per * k0 / e0 if e0 else np.nan
    return _row(metric, label, f"per {per:,.0f}", value=per * k1 / e1, ci_low=per * lo[0] / e1,
                ci_high=per * hi[0] / e1, previous=prev, change=per * k1 / e1 - prev, p_value=rr["p_value"], n=k1,
                signal=_signal(chart, current, rules))


def _counted(counts: pd.Series, weeks: list[str], name: str) -> pd.DataFrame:
    """Week counts (of :func:`week_counts`) in ``weeks`` as a ``week, <name>`` frame, sorted by week."""
    part = counts[counts.index.isin(weeks)].sort_index()
    return pd.DataFrame({"week": part.index.astype(object), name: part.to_numpy()})


def weekly_counts(events: pd.DataFrame, weeks: list[str]) -> pd.Series:
    """Events per ISO week over ``weeks`` from the first week the events hold (a week before the data began is not
    a week with no events: it is left out), weeks without events as 0.

    Examples
    --------
    >>> weekly_counts(pd.DataFrame({"week": ["W2", "W2", "W4"]}), ["W1", "W2", "W3", "W4"]).to_dict()
    {'W2': 2, 'W3': 0, 'W4': 1}
    """
    counts = week_counts(events)  # in the events' engine
    start = counts.index.min() if len(counts) else None
    shown = [w for w in weeks if start is not None and w >= start]
    return counts.reindex(shown, fill_value=0).astype("int64").rename_axis("week")


def count_row(events: pd.DataFrame, current: list[str], previous: list[str], trend: list[str],
              confidence: float = 0.95, rules: str = "western-electric", *, metric: str = "complaints_per_week",
              label: str = "Complaints per week") -> dict[str, Any]:
    """Events per week in the window with the exact interval, the exact rate-ratio test against the weeks
    compared with (exposure = weeks), and an XmR-chart signal on the weekly counts.

    The headline of a table counted without a denominator (complaints without orders).

    Parameters
    ----------
    events : DataFrame
        One row per event with ``week`` (blank for an undated event: not in any window).
    current, previous : list of str
        ISO weeks under review and weeks compared with.
    trend : list of str
        ISO weeks of the XmR chart behind ``signal`` (from the first week with data).
    confidence : float
        Level of the exact (Garwood) interval.
    rules : {"western-electric", "nelson"}
        Control-chart rules of ``signal``.
    metric, label : str
        ``metric`` id and display ``label`` of the row.

    Returns
    -------
    dict
        One row of :data:`HEADLINE_COLUMNS` with unit ``"per week"`` and ``n`` the events in the window.

    Examples
    --------
    >>> ev = pd.DataFrame({"week": ["W1"] * 4 + ["W2"] * 2 + ["W3"] * 9})
    >>> row = count_row(ev, ["W3"], ["W1", "W2"], ["W1", "W2", "W3"])
    >>> row["value"], row["previous"], row["n"]
    (9.0, 3.0, 9)
    """
    ev = week_counts(events)
    k1, k0 = int(ev[ev.index.isin(current)].sum()), int(ev[ev.index.isin(previous)].sum())
    e1, e0 = len(current), len(previous)
    lo, hi = metrics.garwood(k1, confidence)
    if not e0 and len(trend) < 2:  # one period and nothing before it (an undated table): the count itself
        return _row(metric, label.replace(" per week", ""), "count", value=float(k1), ci_low=float(lo[0]),
                    ci_high=float(hi[0]), n=k1, note="undated: no weeks, no trend")
    rr = metrics.rate_ratio(k1, e1, k0, e0, confidence) if e0 else {"p_value": np.nan}
    counts = weekly_counts(events, trend)
    signal = _signal(spc.xmr(counts.to_numpy(float), counts.index), current, rules) if len(counts) >= 2 else ""
    prev = k0 / e0 if e0 else np.nan
    return _row(metric, label, "per week", value=k1 / e1, ci_low=float(lo[0]) / e1, ci_high=float(hi[0]) / e1,
                previous=prev, change=k1 / e1 - prev, p_value=rr["p_value"], n=k1, signal=signal)


def response_row(times: pd.DataFrame, current: list[str], previous: list[str], trend: list[str],
                 confidence: float = 0.95, rules: str = "western-electric", *, sla_minutes: float = 60.0,
                 select: Callable[[list[str]], Any] | None = None,
                 tally: Callable[[list[str]], pd.DataFrame] | None = None) -> list[dict[str, Any]]:
    """Two rows from :func:`carelib.metrics.response_times.ticket_times` output (with ``week``): median first
    response (Kaplan–Meier when tickets wait) and SLA attainment (share answered within ``sla_minutes``).

    Parameters
    ----------
    times : DataFrame
        Ticket times with ``first_response_min, responded, week``.
    current, previous : list of str
        ISO weeks under review and weeks compared with.
    trend : list of str
        ISO weeks of the control charts behind ``signal``.
    confidence : float
        Level of the median's and the SLA share's intervals.
    rules : {"western-electric", "nelson"}
        Control-chart rules of ``signal``.
    sla_minutes : float
        First-response target in minutes.
    select : callable, optional
        ``select(weeks)``: the rows of ``times`` opened in those weeks (an engine frame that reads only their
        files, say); default :func:`in_weeks`.
    tally : callable, optional
        ``tally(weeks)``: the first-response histogram of the tickets opened in those weeks by ``week``
        (:func:`carelib.metrics.response_times.tally_durations` of ``first_response_min``, ``responded``), kept
        per week in a tally store, say; default computed from ``times``. Every figure comes from it: a window's
        is its weeks' rows summed, so the two give the same numbers.

    Returns
    -------
    list of dict
        Rows of :data:`HEADLINE_COLUMNS`: ``first_response`` (minutes, XmR signal) and ``sla``
        (share, p-chart signal); only the first, with a note, when the window has no tickets.
    """
    from carelib.metrics import response_times as rt

    # times may be a pandas frame or lazy in an engine: filters run there, the histogram by week comes back
    pick = select or (lambda weeks: in_weeks(times, weeks))
    hist = tally or (lambda weeks: rt.tally_durations(pick(weeks), "first_response_min", "responded", by="week"))
    t = hist(sorted({*current, *previous, *trend}))
    t = t.assign(week=t["week"].astype(str))

    def summed(weeks: list[str]) -> pd.DataFrame:  # the window's histogram: its weeks' rows added up
        part = t[t["week"].isin(weeks)]
        return part.groupby("time", as_index=False, sort=True)[["events", "censored"]].sum()

    now, before, weekly_t = summed(current), summed(previous), t[t["week"].isin(trend)]
    n_now = int(now["events"].sum() + now["censored"].sum())
    n_before = int(before["events"].sum() + before["censored"].sum())
    if n_now == 0:
        return [_row("first_response", "First response, median (min)", "minutes", note="no tickets in the window")]
    q1 = rt.quantiles_of_tally(now, q=(0.5,), confidence=confidence).iloc[0]
    q0 = rt.quantiles_of_tally(before, q=(0.5,)).iloc[0] if n_before else None
    weekly = rt.quantiles_of_tally(weekly_t, "week", q=(0.5,))
    chart = spc.xmr(weekly["p50"], weekly["week"])
    med = _row("first_response", "First response, median (min)", "minutes", value=q1["p50"], ci_low=q1["p50_low"],
               ci_high=q1["p50_high"], previous=q0["p50"] if q0 is not None else np.nan,
               change=q1["p50"] - q0["p50"] if q0 is not None else np.nan, n=int(q1["n"]),
               signal=_signal(chart, current, rules), note=q1["note"])
    s1 = rt.sla_of_tally(now, sla_minutes, confidence=confidence).iloc[0]
    s0 = rt.sla_of_tally(before, sla_minutes).iloc[0] if n_before else None
    label = f"Answered within {sla_minutes:g} min"
    if s0 is not None:
        res = share_difference(np.array([s1["successes"]], float), np.array([s1["trials"]], float),
                          np.array([s0["successes"]], float), np.array([s0["trials"]], float), confidence)
        extra = {"previous": s0["share"], "change": s1["share"] - s0["share"], "p_value": float(res["p_value"][0])}
    else:
        extra = {}
    ws = rt.sla_of_tally(weekly_t, sla_minutes, "week")
    chart = spc.p_chart(ws["successes"], ws["trials"], ws["week"])
    sla_row = _row("sla", label, "share", value=s1["share"], ci_low=s1["ci_low"], ci_high=s1["ci_high"],
                   n=int(s1["trials"]), signal=_signal(chart, current, rules), **extra)
    return [med, sla_row]


def headline(rows: list[dict[str, Any] | list[dict[str, Any]]]) -> pd.DataFrame:
    """The headline table from rows (nested lists are flattened), in the order given."""
    flat: list[dict[str, Any]] = []
    for r in rows:
        flat.extend(r if isinstance(r, list) else [r])
    return pd.DataFrame(flat, columns=HEADLINE_COLUMNS)


def _fmt(x: float, unit: str, signed: bool = False) -> str:
    if pd.isna(x):
        return ""
    if unit == "share":
        return f"{100 * x:+.1f} pts" if signed else f"{100 * x:.1f}%"
    if unit in ("stars",):
        return f"{x:+.2f}" if signed else f"{x:.2f}"
    return f"{x:+.1f}" if signed else f"{x:.1f}"


def format_headline(head: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """The headline as leadership reads it: one formatted string per cell, no exponent notation.

    Examples
    --------
    >>> h = headline([{"metric": "csat", "label": "CSAT", "value": 0.726, "ci_low": 0.664, "ci_high": 0.78,
    ...                "previous": 0.699, "change": 0.027, "p_value": 0.529, "n": 226, "unit": "share",
    ...                "signal": "no signal", "note": ""}])
    >>> format_headline(h).iloc[0].tolist()
    ['CSAT', '72.6%', '66.4% to 78.0%', '69.9%', '+2.7 pts', '0.529', '226', 'no signal']
    """
    rows = []
    for r in head.itertuples():
        p = "" if pd.isna(r.p_value) else "< 0.001" if r.p_value < 0.001 else f"{r.p_value:.3f}"
        signal = "; ".join(x for x in (r.signal, r.note) if isinstance(x, str) and x)
        rows.append({
            "metric": r.label, "value": _fmt(r.value, r.unit),
            f"{confidence:.0%} interval": f"{_fmt(r.ci_low, r.unit)} to {_fmt(r.ci_high, r.unit)}"
            if pd.notna(r.ci_low) else "",
            "compared with": _fmt(r.previous, r.unit), "change": _fmt(r.change, r.unit, signed=True), "p": p,
            "n": "" if pd.isna(r.n) else f"{int(r.n):,}", "signal / note": signal,
        })
    return pd.DataFrame(rows)


def coverage(weeks: dict[str, pd.Series], current: list[str]) -> pd.DataFrame:
    """Per table: first and last week with data, the rows in the review window and the rows with no week.

    A row has no week when its date is blank (undated: kept and counted, left out of trends) or coarser than a
    day (a year or a month, which is never turned into a week).

    Raises :class:`DataError` when no table has a row in the window (an empty period), naming
    the weeks the data does cover, rather than rendering a review of nothing.
    """
    counts = {name: w.value_counts(dropna=False).rename("rows").rename_axis("week").reset_index()
              for name, w in weeks.items()}
    return coverage_counts(counts, current)


def coverage_counts(counts: dict[str, pd.DataFrame], current: list[str]) -> pd.DataFrame:
    """:func:`coverage` from rows counted per week (``week, rows``; a missing week counts the rows without one), e.g.
    counted in an engine, so no table's rows come back.

    Examples
    --------
    >>> c = {"responses": pd.DataFrame({"week": ["W1", "W2", None], "rows": [3, 4, 1]})}
    >>> [str(v) for v in coverage_counts(c, ["W2"]).iloc[0]]
    ['responses', 'W1', 'W2', '4', '1']
    """
    rows = []
    for name, c in counts.items():
        dated = c[c["week"].notna() & (c["rows"] > 0)]
        w = dated["week"]
        rows.append({"table": name, "first week": w.min() if len(w) else "", "last week": w.max() if len(w) else "",
                     "rows in window": int(dated.loc[w.isin(current), "rows"].sum()),
                     "rows without a week": int(c.loc[c["week"].isna(), "rows"].sum())})
    out = pd.DataFrame(rows, columns=["table", "first week", "last week", "rows in window", "rows without a week"])
    dated = out[out["last week"] != ""]
    if len(dated) and dated["rows in window"].sum() == 0:  # undated tables (reviews without dates) are shown whole
        span = "; ".join(f"{r['table']} {r['first week']} to {r['last week']}" for _, r in dated.iterrows())
        raise DataError(f"no rows in the weeks under review ({current[0]} to {current[-1]}); the data covers: {span}")
    return out
