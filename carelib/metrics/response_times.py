"""Response and resolution times: medians and p90 with honest intervals; open tickets are censored, never dropped.

Three steps, as for every metric. :func:`ticket_times` turns tickets and messages into one row
per ticket: minutes to the first agent message and hours to closing, each with an ``event``
flag — a ticket still waiting at the end of the data is *censored* at that moment (we know
only that its answer takes longer). :func:`tally_durations` reduces those rows to counts per
(group, duration bin, event) on any narwhals engine. :func:`quantiles` infers the median and
p90 per group: with no censoring, from order statistics (an exact, distribution-free
interval); with censoring, from the Kaplan–Meier curve with Brookmeyer–Crowley intervals.
Dropping open tickets would make the slowest cases vanish and the team look faster than it is.

Times may be counted in business minutes (:func:`business_minutes`); the load and response
time by hour of the week (the weekly waves) come from :func:`hour_of_week`.

References
----------
Kaplan, E. L. & Meier, P. (1958). JASA 53, 457–481. Greenwood, M. (1926). Brookmeyer, R. &
Crowley, J. (1982). Biometrics 38, 29–41. Conover, W. J. (1999). Practical Nonparametric
Statistics, 3rd ed., §3.2 (confidence interval for a quantile).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from carelib import checks as check
from carelib.errors import DataError, ParameterError
from carelib.metrics.distributions import binom_ppf
from carelib.metrics.tally import collect, keys_of, z_value

__all__ = ["ticket_times_lazy", "business_minutes", "ticket_times", "next_responses", "tally_durations", "kaplan_meier", "quantiles", "sla",
           "quantiles_of_tally", "sla_of_tally",
           "hour_of_week", "staffing"]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def business_minutes(start: Any, end: Any, hours: tuple[int, int] = (9, 17),
                     workdays: Iterable[int] = (0, 1, 2, 3, 4)) -> np.ndarray:
    """Minutes of opening time between ``start`` and ``end`` (vectorised; public holidays not known).

    ``hours`` is the daily opening ``(open, close)`` in whole hours, ``workdays`` the open
    weekdays (0 = Monday).

    Parameters
    ----------
    start, end : datetime-like or array-like of datetime-like
        Start and end times (anything :func:`pandas.to_datetime` reads), of the same length.
    hours : tuple of int
        Daily opening ``(open, close)`` in whole hours, ``0 <= open < close <= 24``.
    workdays : iterable of int
        Open weekdays, 0 = Monday … 6 = Sunday.

    Returns
    -------
    ndarray of float
        Opening minutes between each pair (negative when ``end`` is before ``start``).

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2026-11-20 16:00", "2026-11-23 08:00"]))  # a Friday, a Monday
    >>> e = pd.Series(pd.to_datetime(["2026-11-23 10:00", "2026-11-23 08:30"]))
    >>> business_minutes(s, e).tolist()
    [120.0, 0.0]
    """
    lo, hi = hours
    if not 0 <= lo < hi <= 24:
        raise ParameterError(f"hours must be (open, close) with 0 <= open < close <= 24, got {hours!r}")
    days = np.zeros(7)
    days[list(workdays)] = 1
    per_day = (hi - lo) * 60.0
    before = np.concatenate([[0], np.cumsum(days * per_day)])  # open minutes in the week before day d

    def clock(t: Any) -> np.ndarray:
        t = pd.to_datetime(pd.Series(t).reset_index(drop=True))
        monday = (t.dt.normalize() - pd.to_timedelta(t.dt.day_of_week, unit="D"))
        weeks = ((monday - pd.Timestamp("2001-01-01")).dt.days // 7).to_numpy(float)  # 2001-01-01 is a Monday
        wd = t.dt.day_of_week.to_numpy()
        minute = (t.dt.hour * 60 + t.dt.minute + t.dt.second / 60).to_numpy(float)
        today = np.clip(minute - lo * 60, 0, per_day) * days[wd]
        return weeks * before[7] + before[wd] + today

    return clock(end) - clock(start)


def ticket_times(tickets: pd.DataFrame, messages: pd.DataFrame, *, as_of: Any = None,
                 business_hours: tuple[int, int] | None = None, workdays: Iterable[int] = (0, 1, 2, 3, 4),
                 agent_roles: Iterable[str] = ("agent",)) -> pd.DataFrame:
    """One row per ticket: minutes to the first agent reply and hours to closing, each with an event flag.

    ``first_response_min`` is the time from ``created_at`` to the first message whose
    ``author_role`` is an agent role (bots do not count); ``responded`` is False for a
    ticket with no reply yet, whose time is then counted up to ``as_of`` (default: the
    latest timestamp in the data) — a censored observation. The same for
    ``resolution_h``/``resolved`` with ``closed_at``. Every other ticket column is kept
    for grouping. Tickets are never dropped.

    Parameters
    ----------
    tickets : DataFrame
        ``ticket_id, created_at`` and optionally ``closed_at``; other columns are kept.
    messages : DataFrame
        ``ticket_id, sent_at, author_role``.
    as_of : datetime-like, optional
        End of the data, where waiting tickets are censored; default the latest of
        ``created_at``, ``closed_at`` and ``sent_at``.
    business_hours : tuple of int, optional
        ``(open, close)`` hours to count business time with :func:`business_minutes`; default
        clock time.
    workdays : iterable of int
        Open weekdays for ``business_hours`` (0 = Monday).
    agent_roles : iterable of str
        ``author_role`` values that count as an agent reply.

    Returns
    -------
    DataFrame
        A copy of ``tickets`` (``created_at`` as datetimes) plus ``first_response_at``,
        ``responded`` (bool), ``resolved`` (bool), ``first_response_min`` (minutes) and
        ``resolution_h`` (hours), one row per ticket.
    """
    need_t, need_m = ["ticket_id", "created_at"], ["ticket_id", "sent_at", "author_role"]
    for name, frame, need in (("tickets", tickets, need_t), ("messages", messages, need_m)):
        missing = [c for c in need if c not in frame.columns]
        if missing:
            raise DataError(f"{name}: expected column(s) {missing}; found {list(frame.columns)}")
    t = tickets.copy()
    t["created_at"] = pd.to_datetime(t["created_at"])
    closed = pd.to_datetime(t["closed_at"]) if "closed_at" in t else pd.Series(pd.NaT, index=t.index)
    agent = messages[messages["author_role"].isin(list(agent_roles))][["ticket_id", "sent_at"]]
    agent = agent.assign(sent_at=pd.to_datetime(agent["sent_at"]))
    agent = agent.merge(t[["ticket_id", "created_at"]], on="ticket_id", how="inner")
    first = agent[agent["sent_at"] >= agent["created_at"]].groupby("ticket_id")["sent_at"].min()
    t["first_response_at"] = t["ticket_id"].map(first)
    if as_of is None:
        stamps = [t["created_at"].max(), closed.max(), pd.to_datetime(messages["sent_at"]).max()]
        as_of = max(s for s in stamps if pd.notna(s))
    as_of = pd.Timestamp(as_of)
    t["responded"] = t["first_response_at"].notna()
    t["resolved"] = closed.notna()
    reply_end = t["first_response_at"].fillna(as_of)
    close_end = closed.fillna(as_of)
    if business_hours is None:
        t["first_response_min"] = (reply_end - t["created_at"]).dt.total_seconds() / 60
        t["resolution_h"] = (close_end - t["created_at"]).dt.total_seconds() / 3600
    else:
        t["first_response_min"] = business_minutes(t["created_at"], reply_end, business_hours, workdays)
        t["resolution_h"] = business_minutes(t["created_at"], close_end, business_hours, workdays) / 60
    bad = (t["first_response_min"] < 0) | (t["resolution_h"] < 0)
    if bad.any():
        row = t[bad].iloc[0]
        raise DataError(f"tickets: {int(bad.sum())} ticket(s) end before they start (after as_of={as_of}?), "
                        f"e.g. ticket {row['ticket_id']!r} created {row['created_at']}")
    return t


def ticket_times_lazy(tickets: Any, messages: Any, *, as_of: Any = None,
                      agent_roles: Iterable[str] = ("agent",), replies: Any = None) -> Any:
    """:func:`ticket_times` computed in the tables' engine (DuckDB, Spark …): a lazy frame, one row per ticket.

    The first agent reply is a grouped minimum over the messages joined to their tickets; waiting
    tickets are censored at ``as_of`` (default the latest of ``created_at``, ``closed_at`` and
    ``sent_at``, found by one aggregate per table). Clock time only (no business hours). Only the
    scalar ``as_of`` comes back to Python; tallies (:func:`tally_durations`, :func:`quantiles`,
    :func:`sla`) then run on the result in the engine.

    Parameters
    ----------
    tickets : data frame
        ``ticket_id, created_at`` and optionally ``closed_at`` (any engine narwhals reads).
    messages : data frame
        ``ticket_id, sent_at, author_role`` in the same engine.
    as_of : datetime-like, optional
        End of the data, where waiting tickets are censored.
    agent_roles : iterable of str
        ``author_role`` values that count as an agent reply.
    replies : data frame or "in tickets", optional
        Each ticket's first agent reply already found (``ticket_id, first_response_at``, in the same engine), or
        ``"in tickets"`` when ``tickets`` carries ``first_response_at`` itself
        (:func:`carelib.analysis.first_replies.first_replies`); then ``messages`` is not joined (None is allowed
        when ``as_of`` is given).

    Returns
    -------
    narwhals LazyFrame
        The tickets' columns plus ``first_response_at, responded, resolved, first_response_min,
        resolution_h``, as :func:`ticket_times`.
    """
    t = nw.from_native(tickets).lazy()
    m = nw.from_native(messages).lazy() if messages is not None else None
    for name, frame, need in (("tickets", t, ["ticket_id", "created_at"]),
                              ("messages", m, ["ticket_id", "sent_at", "author_role"] if m is not None else [])):
        missing = [c for c in need if c not in frame.collect_schema().names()]
        if missing:
            raise DataError(f"{name}: expected column(s) {missing}; found {frame.collect_schema().names()}")
    has_closed = "closed_at" in t.collect_schema().names()
    if as_of is None:
        as_of = data_end(t, m)
    end = nw.lit(pd.Timestamp(as_of).to_pydatetime())
    if isinstance(replies, str) and replies == "in tickets":
        replies = None
    elif replies is not None:
        replies = nw.from_native(replies).lazy().select("ticket_id", "first_response_at")
    else:
        replies = (m.filter(nw.col("author_role").is_in(list(agent_roles))).select("ticket_id", "sent_at")
                   .join(t.select("ticket_id", nw.col("created_at").alias("opened")), on="ticket_id", how="inner")
                   .filter(nw.col("sent_at") >= nw.col("opened"))
                   .group_by("ticket_id").agg(nw.col("sent_at").min().alias("first_response_at")))
    out = t.join(replies, on="ticket_id", how="left") if replies is not None else t
    closed = nw.col("closed_at") if has_closed else nw.lit(None, nw.Datetime())

    flags = out.with_columns((~nw.col("first_response_at").is_null()).alias("responded"),
                             (~closed.is_null()).alias("resolved"))
    if flags.implementation.is_spark_like():  # narwhals has no duration seconds on Spark: its own unix_micros
        return _spark_durations(flags, pd.Timestamp(as_of), has_closed)
    seconds = {name: (until.fill_null(end) - nw.col("created_at")).dt.total_seconds()
               for name, until in (("reply", nw.col("first_response_at")), ("close", closed))}
    return flags.with_columns((seconds["reply"] / 60).alias("first_response_min"),
                              (seconds["close"] / 3600).alias("resolution_h"))


def data_end(tickets: Any, messages: Any) -> pd.Timestamp:
    """The end of the support data: the latest ``created_at``, ``closed_at`` or ``sent_at`` (one aggregate per
    table, in its engine), where :func:`ticket_times_lazy` censors the tickets still waiting."""
    t, m = nw.from_native(tickets).lazy(), nw.from_native(messages).lazy()
    closed = [nw.col("closed_at").max().alias("b")] if "closed_at" in t.collect_schema().names() else []
    ends = collect(t.select(nw.col("created_at").max().alias("a"), *closed))
    sent = collect(m.select(nw.col("sent_at").max().alias("c")))
    stamps = [x for x in [*ends.iloc[0].tolist(), sent.iloc[0, 0]] if pd.notna(x)]
    if not stamps:
        raise DataError("tickets and messages hold no date: response times need created_at and sent_at")
    return max(pd.Timestamp(x) for x in stamps)


def _spark_durations(frame: Any, as_of: pd.Timestamp, has_closed: bool) -> Any:
    """``first_response_min`` and ``resolution_h`` on a Spark frame, from epoch microseconds."""
    from pyspark.sql import functions as F

    sdf = frame.to_native()
    end = F.lit(as_of.to_pydatetime()).cast("timestamp")
    created = F.unix_micros(F.col("created_at"))
    closed = F.col("closed_at") if has_closed else F.lit(None).cast("timestamp")
    sdf = sdf.withColumn("first_response_min",
                         (F.unix_micros(F.coalesce(F.col("first_response_at"), end)) - created) / 1e6 / 60)
    sdf = sdf.withColumn("resolution_h", (F.unix_micros(F.coalesce(closed, end)) - created) / 1e6 / 3600)
    return nw.from_native(sdf)


def tally_durations(data: Any, duration: str, event: str | None = None, by: str | list[str] | None = None,
                    resolution: float = 1.0) -> pd.DataFrame:
    """Counts per (group, duration bin, event) on any engine: the sufficient statistics of a time metric.

    Durations are rounded up to multiples of ``resolution`` (1 minute by default), so the
    result grows with the number of distinct durations, not with rows. ``event`` is the
    boolean "observed" column (False = censored); None means every duration is observed.

    Parameters
    ----------
    data : data frame
        One row per ticket (pandas, polars, DuckDB, Spark …); rows with no duration are left out.
    duration : str
        Column of durations (any unit; e.g. ``first_response_min``), >= 0.
    event : str, optional
        Boolean column: True when the duration was observed, False when censored.
    by : str or list of str, optional
        Group columns.
    resolution : float
        Bin width, in the unit of ``duration`` (> 0).

    Returns
    -------
    DataFrame
        Group columns, then ``time`` (the bin's upper edge), ``events`` and ``censored``
        (int), sorted by group and time.

    Examples
    --------
    >>> d = pd.DataFrame({"min": [0.5, 1.0, 2.5], "answered": [True, False, True]})
    >>> tally_durations(d, "min", "answered").to_dict("list")
    {'time': [1.0, 3.0], 'events': [1, 1], 'censored': [1, 0]}
    """
    if resolution <= 0:
        raise ParameterError(f"resolution must be positive, got {resolution!r}")
    keys = keys_of(by)
    frame = check.frame_with(data, "carelib", [*keys, duration])
    if event is not None:
        check.frame_with(data, "carelib", [event])
    d = nw.col(duration).cast(nw.Float64)
    obs = nw.col(event) if event is not None else nw.lit(True)
    one, zero = nw.lit(1, nw.Int64), nw.lit(0, nw.Int64)
    frame = frame.filter(~d.is_null()).select(
        *keys,
        ((d / resolution).ceil() * resolution).alias("time"),
        nw.when(obs).then(one).otherwise(zero).alias("events"),
        nw.when(obs).then(zero).otherwise(one).alias("censored"),
    )
    out = collect(frame.group_by([*keys, "time"]).agg(nw.col("events").sum(), nw.col("censored").sum())
                   .with_columns(nw.col("events").cast(nw.Int64), nw.col("censored").cast(nw.Int64)))
    if (out["time"] < 0).any():
        raise DataError(f"column {duration!r}: negative durations (an end before its start)")
    return out.sort_values([*keys, "time"], ignore_index=True)


def kaplan_meier(tally: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier survival ``S(t)`` (share still waiting) from one group's tally, with log-log Greenwood bands.

    Examples
    --------
    >>> t = pd.DataFrame({"time": [1, 2, 3, 4], "events": [1, 1, 0, 1], "censored": [0, 0, 1, 0]})
    >>> kaplan_meier(t)["survival"].round(3).tolist()
    [0.75, 0.5, 0.5, 0.0]
    """
    z = z_value(confidence)
    t = tally.groupby("time", as_index=False)[["events", "censored"]].sum().sort_values("time")
    d, c = t["events"].to_numpy(float), t["censored"].to_numpy(float)
    at_risk = (d + c)[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1 - d / at_risk)
        green = np.cumsum(d / (at_risk * (at_risk - d)))
        se_ll = np.sqrt(green) / np.abs(np.log(surv))
        low, high = surv ** np.exp(z * se_ll), surv ** np.exp(-z * se_ll)
    low = np.where(surv >= 1, 1.0, np.where(surv <= 0, 0.0, low))
    high = np.where(surv >= 1, 1.0, np.where(surv <= 0, np.nan, high))
    high = pd.Series(high).ffill().fillna(0.0).to_numpy()  # after S hits 0 the upper band stays where it was
    return pd.DataFrame({"time": t["time"].to_numpy(), "at_risk": at_risk.astype("int64"), "events": d.astype("int64"),
                         "censored": c.astype("int64"), "survival": surv, "low": low, "high": high})


def _first_below(time: np.ndarray, curve: np.ndarray, level: float) -> float:
    hit = np.nonzero(curve <= level + 1e-12)[0]
    return float(time[hit[0]]) if len(hit) else np.nan


def _order_stat(time: np.ndarray, counts: np.ndarray, q: float, confidence: float) -> tuple[float, float, float]:
    n = int(counts.sum())
    cum = np.cumsum(counts)
    at = lambda rank: float(time[np.searchsorted(cum, rank)])  # value of the rank-th smallest (1-based)  # noqa: E731
    est = at(max(1, int(np.ceil(q * n))))
    a = 1 - confidence
    lo_rank = int(binom_ppf(a / 2, n, q))
    hi_rank = int(binom_ppf(1 - a / 2, n, q)) + 1
    lo = at(lo_rank) if lo_rank >= 1 else np.nan
    hi = at(hi_rank) if hi_rank <= n else np.nan
    return est, lo, hi


def quantiles(data: Any, duration: str, event: str | None = None, by: str | list[str] | None = None,
              q: Iterable[float] = (0.5, 0.9), confidence: float = 0.95, *, resolution: float = 1.0,
              min_n: int = 1) -> pd.DataFrame:
    """Median, p90 (any quantiles) of a duration per group, with intervals; censoring handled.

    Returns group columns, then ``n, events, censored``, and per quantile ``p50, p50_low,
    p50_high`` … , ``method`` (``order statistics`` or ``Kaplan-Meier``) and ``note``. A
    quantile the curve never reaches because too many tickets are still open is blank with
    a note — never estimated from the answered tickets alone.

    Parameters
    ----------
    data : data frame
        One row per ticket (pandas, polars, DuckDB, Spark …).
    duration : str
        Column of durations (e.g. ``first_response_min``).
    event : str, optional
        Boolean column, False for a censored (still waiting) ticket; default all observed.
    by : str or list of str, optional
        Group columns.
    q : iterable of float
        Quantiles, each strictly between 0 and 1; ``0.5`` is named ``p50``, ``0.9`` ``p90``.
    confidence : float
        Level of the intervals.
    resolution : float
        Durations are rounded up to multiples of it first (see :func:`tally_durations`).
    min_n : int
        Least tickets for a group's quantiles to be estimated; smaller groups get NaN and a
        note.

    Returns
    -------
    DataFrame
        One row per group: group columns, ``n, events, censored``, ``pXX, pXX_low, pXX_high``
        per quantile (in the unit of ``duration``), ``method`` and ``note``.

    Examples
    --------
    >>> d = pd.DataFrame({"minutes": range(1, 101)})
    >>> quantiles(d, "minutes")[["p50", "p50_low", "p50_high", "p90"]].iloc[0].tolist()
    [50.0, 40.0, 61.0, 90.0]
    """
    z_value(confidence)  # validates confidence
    keys = keys_of(by)
    return quantiles_of_tally(tally_durations(data, duration, event, keys, resolution), keys, q, confidence,
                              min_n=min_n)


def quantiles_of_tally(t: pd.DataFrame, by: str | list[str] | None = None, q: Iterable[float] = (0.5, 0.9),
                       confidence: float = 0.95, *, min_n: int = 1) -> pd.DataFrame:
    """:func:`quantiles` from a :func:`tally_durations` table: a tally kept per week (the tally store) gives the
    weeks' quantiles, and summed over weeks, a window's, without reading a ticket again.

    Parameters
    ----------
    t : DataFrame
        :func:`tally_durations` output: group columns, ``time``, ``events``, ``censored``.
    by, q, confidence, min_n
        As :func:`quantiles`.

    Returns
    -------
    DataFrame
        As :func:`quantiles`.

    Examples
    --------
    >>> t = tally_durations(pd.DataFrame({"minutes": range(1, 101)}), "minutes")
    >>> quantiles_of_tally(t)[["p50", "p90"]].iloc[0].tolist()
    [50.0, 90.0]
    """
    z_value(confidence)
    qs = [float(x) for x in q]
    if any(not 0 < x < 1 for x in qs):
        raise ParameterError(f"quantiles must be between 0 and 1, got {qs}")
    keys = keys_of(by)
    rows = []
    groups = t.groupby(keys, sort=True, dropna=False) if keys else [((), t)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        n, ev, ce = int(g["events"].sum() + g["censored"].sum()), int(g["events"].sum()), int(g["censored"].sum())
        row |= {"n": n, "events": ev, "censored": ce}
        notes = []
        if n < min_n:
            notes.append(f"n too small ({n} < {min_n})")
        km = None if ce == 0 else kaplan_meier(g, confidence)
        for x in qs:
            name = f"p{round(x * 100):d}"
            if n < min_n or n == 0:
                est = lo = hi = np.nan
            elif km is None:
                counts = g.groupby("time")["events"].sum()
                est, lo, hi = _order_stat(counts.index.to_numpy(float), counts.to_numpy(), x, confidence)
                if np.isnan(lo) or np.isnan(hi):
                    notes.append(f"{name}: too few for a distribution-free {confidence:.0%} interval")
            else:
                tt = km["time"].to_numpy(float)
                est = _first_below(tt, km["survival"].to_numpy(), 1 - x)
                lo = _first_below(tt, km["low"].to_numpy(), 1 - x)
                hi = _first_below(tt, km["high"].to_numpy(), 1 - x)
                if np.isnan(est):
                    notes.append(f"{name} not reached: {ce} of {n} still open")
            row |= {name: est, f"{name}_low": lo, f"{name}_high": hi}
        row["method"] = "order statistics" if km is None else "Kaplan-Meier"
        row["note"] = "; ".join(notes)
        rows.append(row)
    return pd.DataFrame(rows)


def sla(data: Any, duration: str, target: float, event: str | None = None, by: str | list[str] | None = None,
        confidence: float = 0.95, *, resolution: float = 1.0, min_n: int = 1) -> pd.DataFrame:
    """Share of tickets answered within ``target`` (same unit as ``duration``), Wilson interval.

    A censored ticket counts as a miss once it has waited longer than the target; one still
    waiting but not yet past the target cannot be judged and is counted in ``undecided``.
    Durations are rounded up to ``resolution`` first (a miss is never rounded into a hit).

    Parameters
    ----------
    data : data frame
        One row per ticket (pandas, polars, DuckDB, Spark …).
    duration : str
        Column of durations.
    target : float
        The SLA, in the unit of ``duration``; a duration equal to it is a hit.
    event : str, optional
        Boolean column, False for a censored (still waiting) ticket; default all observed.
    by : str or list of str, optional
        Group columns.
    confidence : float
        Level of the Wilson interval.
    resolution : float
        Bin width durations are rounded up to.
    min_n : int
        Least decided tickets for a group's share to be shown; smaller groups get NaN and a
        note.

    Returns
    -------
    DataFrame
        Group columns, then ``successes, trials`` (decided tickets), ``share, ci_low, ci_high``
        (0…1), ``undecided`` and ``note``.

    Examples
    --------
    >>> d = pd.DataFrame({"min": [5, 30, 90, 20], "answered": [True, True, True, False]})
    >>> sla(d, "min", 60, event="answered")[["successes", "trials", "undecided"]].iloc[0].tolist()
    [2, 3, 1]
    """
    keys = keys_of(by)
    return sla_of_tally(tally_durations(data, duration, event, keys, resolution), target, keys, confidence,
                        min_n=min_n)


def sla_of_tally(t: pd.DataFrame, target: float, by: str | list[str] | None = None, confidence: float = 0.95, *,
                 min_n: int = 1) -> pd.DataFrame:
    """:func:`sla` from a :func:`tally_durations` table (per week, or summed over weeks).

    Parameters
    ----------
    t : DataFrame
        :func:`tally_durations` output: group columns, ``time``, ``events``, ``censored``.
    target, by, confidence, min_n
        As :func:`sla`.

    Returns
    -------
    DataFrame
        As :func:`sla`.

    Examples
    --------
    >>> t = tally_durations(pd.DataFrame({"min": [5, 30, 90, 20], "answered": [True, True, True, False]}),
    ...                     "min", "answered")
    >>> sla_of_tally(t, 60)[["successes", "trials", "undecided"]].iloc[0].tolist()
    [2, 3, 1]
    """
    from carelib.metrics.intervals import wilson

    keys = keys_of(by)
    within = t["time"] <= target
    t = t.assign(met=np.where(within, t["events"], 0), undecided=np.where(within, t["censored"], 0),
                 total=t["events"] + t["censored"])
    g = t.groupby(keys, as_index=False)[["met", "undecided", "total"]].sum() if keys else \
        t[["met", "undecided", "total"]].sum().to_frame().T
    g["trials"] = g["total"] - g["undecided"]
    lo, hi = wilson(g["met"], g["trials"], confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        g["share"] = g["met"] / g["trials"]
    g["ci_low"], g["ci_high"] = lo, hi
    small = g["trials"] < min_n
    g.loc[small, ["share", "ci_low", "ci_high"]] = np.nan
    g["note"] = np.where(small, [f"n too small ({k} < {min_n})" for k in g["trials"]], "")
    g = g.rename(columns={"met": "successes"}).astype({"successes": "int64", "trials": "int64", "undecided": "int64"})
    return g[[*keys, "successes", "trials", "share", "ci_low", "ci_high", "undecided", "note"]].reset_index(drop=True)


def hour_of_week(data: pd.DataFrame, time: str, value: str | None = None, *, agg: str = "median") -> pd.DataFrame:
    """A 7 × 24 table by weekday (rows Mon–Sun) and hour (columns 0–23).

    With ``value=None``: the average number of rows per week in each hour (the load). With a
    value column: its ``agg`` (median, mean, p90) per cell — e.g. the median first-response
    minutes of tickets created in that hour. Empty cells are NaN.

    Parameters
    ----------
    data : DataFrame
        One row per ticket (or any event).
    time : str
        Timestamp column that places a row in its weekday and hour.
    value : str, optional
        Numeric column to aggregate (non-numbers become NaN); default count rows.
    agg : {"median", "mean", "p90"}
        Aggregate of ``value`` per cell.

    Returns
    -------
    DataFrame
        Index ``Mon`` … ``Sun``, columns the hours ``0`` … ``23``: rows per week (the number of
        distinct weeks in ``time``) or the aggregate of ``value``.

    Examples
    --------
    >>> d = pd.DataFrame({"at": pd.to_datetime(["2026-11-23 08:10", "2026-11-23 08:50", "2026-11-30 08:05"])})
    >>> float(hour_of_week(d, "at").loc["Mon", 8])
    1.5
    """
    if time not in data.columns or (value is not None and value not in data.columns):
        raise DataError(f"hour_of_week: expected column(s) {[time, value]}; found {list(data.columns)}")
    ts = pd.to_datetime(data[time])
    frame = pd.DataFrame({"weekday": ts.dt.day_of_week, "hour": ts.dt.hour})
    if value is None:
        weeks = max(1, ts.dt.to_period("W-SUN").nunique())
        cells = frame.groupby(["weekday", "hour"]).size() / weeks
    else:
        v = pd.to_numeric(data[value], errors="coerce")
        funcs = {"median": "median", "mean": "mean", "p90": lambda s: s.quantile(0.9)}
        if agg not in funcs:
            raise ParameterError(f"agg must be one of {', '.join(funcs)}, got {agg!r}")
        cells = v.groupby([frame["weekday"], frame["hour"]]).agg(funcs[agg])
    grid = cells.unstack("hour").reindex(index=range(7), columns=range(24))
    grid.index = list(WEEKDAYS)
    grid.columns.name = None
    return grid


def next_responses(messages: pd.DataFrame, *, as_of: Any = None, agent_roles: Iterable[str] = ("agent",)) -> pd.DataFrame:
    """Every wait of a customer for an agent: from each customer message that follows an agent
    message (or opens the ticket) to the next agent message.

    One row per wait: ``ticket_id, asked_at, answered_at, minutes, answered, wait`` (1 = the
    first response, 2+ = next responses). A wait with no agent reply yet is censored at
    ``as_of`` (default: the latest message), never dropped. Consecutive customer messages
    count as one wait, from the first of them.

    Parameters
    ----------
    messages : DataFrame
        ``ticket_id, sent_at, author_role``; roles other than ``"customer"`` and the agent
        roles (e.g. bots) are ignored.
    as_of : datetime-like, optional
        Where unanswered waits are censored; default the latest message.
    agent_roles : iterable of str
        ``author_role`` values that answer a wait.

    Returns
    -------
    DataFrame
        ``ticket_id, wait, asked_at, answered_at, minutes, answered``, sorted by ticket and wait;
        ``answered_at`` is NaT and ``answered`` False for a censored wait.

    Examples
    --------
    >>> m = pd.DataFrame({"ticket_id": ["T"] * 5, "author_role": ["customer", "agent", "customer", "customer", "agent"],
    ...                   "sent_at": pd.to_datetime(["2026-01-05 09:00", "2026-01-05 09:20", "2026-01-05 10:00",
    ...                                              "2026-01-05 10:05", "2026-01-05 11:00"])})
    >>> next_responses(m)[["wait", "minutes", "answered"]].values.tolist()
    [[1, 20.0, True], [2, 60.0, True]]
    """
    need = ["ticket_id", "sent_at", "author_role"]
    missing = [c for c in need if c not in messages.columns]
    if missing:
        raise DataError(f"messages: expected column(s) {missing}; found {list(messages.columns)}")
    m = messages[need].assign(sent_at=pd.to_datetime(messages["sent_at"]))
    m = m[m["author_role"].isin(["customer", *agent_roles])].sort_values(["ticket_id", "sent_at"], kind="stable")
    as_of = pd.Timestamp(as_of) if as_of is not None else m["sent_at"].max()
    agent = m["author_role"].isin(list(agent_roles)).to_numpy()
    tid = m["ticket_id"].to_numpy()
    new_ticket = np.r_[True, tid[1:] != tid[:-1]]
    prev_agent = np.r_[True, agent[:-1]] | new_ticket
    opens = (~agent) & prev_agent  # a customer message after an agent (or first in its ticket) opens a wait
    wait_no = pd.Series(opens.astype(int)).groupby(tid).cumsum().to_numpy()
    frame = pd.DataFrame({"ticket_id": tid, "at": m["sent_at"].to_numpy(), "agent": agent, "wait": wait_no})
    frame = frame[frame["wait"] > 0]
    asked = frame[~frame["agent"]].groupby(["ticket_id", "wait"])["at"].min()
    answered = frame[frame["agent"]].groupby(["ticket_id", "wait"])["at"].min()
    out = pd.DataFrame({"asked_at": asked}).join(answered.rename("answered_at"), how="left").reset_index()
    out["answered"] = out["answered_at"].notna()
    out["minutes"] = (out["answered_at"].fillna(as_of) - out["asked_at"]).dt.total_seconds() / 60
    return out[["ticket_id", "wait", "asked_at", "answered_at", "minutes", "answered"]]


def staffing(times: pd.DataFrame, *, time: str = "created_at", duration: str = "first_response_min",
             event: str = "responded", sla_minutes: float = 60.0, handle_minutes: float = 12.0) -> pd.DataFrame:
    """The waves and the staffing gap they imply, per hour of the week.

    For each weekday × hour: tickets opened per week (the load), the median first response,
    the share answered within ``sla_minutes`` (Wilson interval), and the agents the load
    needs at ``handle_minutes`` of work per ticket (``load × handle / 60``). The gap is those
    agents minus the agents needed in the median hour that meets the SLA — the level the
    team already copes with — never below 0. A planning aid with its assumptions stated,
    not an Erlang model: it ignores queueing variance and multi-skill routing.

    Parameters
    ----------
    times : DataFrame
        One row per ticket, as from :func:`ticket_times`.
    time : str
        Timestamp column placing a ticket in its weekday and hour.
    duration : str
        First-response minutes.
    event : str
        Boolean column, False for a ticket still waiting.
    sla_minutes : float
        The SLA in minutes; a waiting ticket past it is a miss, one not yet past it is left out
        of the share.
    handle_minutes : float
        Agent work per ticket, in minutes.

    Returns
    -------
    DataFrame
        One row per weekday × hour with tickets: ``weekday`` (``"Mon"`` …), ``hour``,
        ``per_week`` (tickets per week), ``median_minutes``, ``sla_share, sla_low, sla_high``
        (95 % Wilson), ``agents_needed`` and ``gap_agents`` (agents above the coping level: the
        median need of the hours with ``sla_share >= 0.8``, or of all hours when none is);
        sorted by descending gap, then load.
    """
    from carelib.metrics.intervals import wilson

    for col in (time, duration, event):
        if col not in times.columns:
            raise DataError(f"staffing: expected column {col!r}; found {list(times.columns)}")
    ts = pd.to_datetime(times[time])
    weeks = max(1, ts.dt.to_period("W-SUN").nunique())
    cell = pd.DataFrame({"weekday": ts.dt.day_of_week, "hour": ts.dt.hour,
                         "met": (times[duration] <= sla_minutes) & times[event].astype(bool),
                         "decided": times[event].astype(bool) | (times[duration] > sla_minutes),
                         "minutes": times[duration]})
    g = cell.groupby(["weekday", "hour"])
    out = pd.DataFrame({"tickets": g.size(), "met": g["met"].sum(), "decided": g["decided"].sum(),
                        "median_minutes": g["minutes"].median()}).reset_index()
    out["per_week"] = out["tickets"] / weeks
    lo, hi = wilson(out["met"], out["decided"])
    out["sla_share"] = out["met"] / out["decided"].replace(0, np.nan)
    out["sla_low"], out["sla_high"] = lo, hi
    out["agents_needed"] = out["per_week"] * handle_minutes / 60
    coping = out[out["sla_share"] >= 0.8]
    base = float(coping["agents_needed"].median()) if len(coping) else float(out["agents_needed"].median())
    out["gap_agents"] = (out["agents_needed"] - base).clip(lower=0)
    out["weekday"] = [WEEKDAYS[d] for d in out["weekday"]]
    cols = ["weekday", "hour", "per_week", "median_minutes", "sla_share", "sla_low", "sla_high", "agents_needed",
            "gap_agents"]
    return out[cols].sort_values(["gap_agents", "per_week"], ascending=False, kind="stable").reset_index(drop=True)
