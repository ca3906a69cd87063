"""ISO weeks: the review period of every practice (``"2026-W47"``), ranges and bounds; the run's today.

**Today** is one value per run, so that a run can be repeated: :func:`today` takes it from an
argument, else from the ``CARELIB_TODAY`` environment variable (an ISO 8601 date or timestamp),
else from the clock (UTC). Dates of events later than today plus ``FUTURE_TOLERANCE`` (2 days:
time zones up to UTC+14 and a clock off by a day are still "today") cannot have happened yet;
the loader sets such rows aside (:mod:`carelib.data.tables`), so ``period="latest"`` never follows them.

**Partial dates.** A workspace date may be known only to the year (``2012``) or the month
(``2012-08``). :func:`parse_dates` reads such a cell as the first instant of its period
(2012-01-01, 2012-08-01) *and* says so: its precision is ``"year"`` or ``"month"`` (``"day"`` for
``2012-08-15``, ``"time"`` with a clock time). The loader keeps the precision in a companion column
``<column>_precision`` (:func:`precision_column`) whenever a cell of the column is partial; the
column is absent otherwise. A partial date is never turned into a week: :func:`precise` marks
the rows whose date is at least day-precise, and :func:`week_of` gives no week to the others
(trends skip them). Only ISO 8601 is read; ``03/15/2020`` is not guessed (is it March or the
15th month?): ``carelib import`` converts exports with a declared date format.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import pandas as pd

from carelib.errors import ParameterError

__all__ = ["iso_week", "week_bounds", "week_range", "parse_week", "last_weeks", "blocks", "today", "future_limit",
           "TODAY_ENV", "FUTURE_TOLERANCE", "PRECISIONS", "PARTIAL", "parse_dates", "stated_precision", "precision_column",
           "precise", "week_of", "wave_of"]

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

TODAY_ENV = "CARELIB_TODAY"
FUTURE_TOLERANCE = pd.Timedelta(days=2)

TodayLike = str | dt.date | dt.datetime | pd.Timestamp | None

PRECISIONS = ("year", "month", "day", "time")  # coarsest first
PARTIAL = ("year", "month")  # dates that name no day: never placed in a week
_PRECISION_OF = (("year", re.compile(r"^\d{4}$")), ("month", re.compile(r"^\d{4}-\d{1,2}$")),
                 ("day", re.compile(r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{8})$")),
                 ("time", re.compile(r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{8})[T ]\d")))


def today(value: TodayLike = None) -> pd.Timestamp:
    """The run's today as a UTC timestamp without time zone: ``value``, else ``$CARELIB_TODAY``, else the clock.

    Parameters
    ----------
    value : str, date, datetime or Timestamp, optional
        An ISO 8601 date or timestamp; with an offset it is converted to UTC.

    Examples
    --------
    >>> today("2026-11-22")
    Timestamp('2026-11-22 00:00:00')
    >>> today("2026-11-22T01:00:00+02:00")
    Timestamp('2026-11-21 23:00:00')
    """
    source = "today"
    if value is None:
        value = os.environ.get(TODAY_ENV) or None
        source = TODAY_ENV
    if value is None:
        return pd.Timestamp.now(tz="UTC").tz_localize(None)
    try:
        ts = pd.Timestamp(value) if not isinstance(value, str) else pd.to_datetime(value.strip(), format="ISO8601")
    except (ValueError, TypeError):
        ts = pd.NaT
    if pd.isna(ts):
        raise ParameterError(f"{source}: expected an ISO 8601 date (e.g. 2026-11-22), found {value!r}")
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts


def future_limit(value: TodayLike = None) -> pd.Timestamp:
    """The latest timestamp an event may carry: the run's :func:`today` plus ``FUTURE_TOLERANCE``.

    Examples
    --------
    >>> future_limit("2026-11-22")
    Timestamp('2026-11-24 00:00:00')
    """
    return today(value) + FUTURE_TOLERANCE


def parse_week(label: str) -> tuple[int, int]:
    """``"2026-W07"`` → ``(2026, 7)``; anything else raises :class:`ParameterError`.

    Examples
    --------
    >>> parse_week("2026-W07")
    (2026, 7)
    """
    m = _WEEK.match(str(label).strip())
    if not m:
        raise ParameterError(f"expected an ISO week like '2026-W47', found {label!r}")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ParameterError(f"{label!r} is not a week of {year} (ISO years have 52 or 53 weeks)") from None
    return year, week


def iso_week(timestamps: pd.Series) -> pd.Series:
    """ISO week labels (``"2026-W20"``) of a series of timestamps; missing stays missing.

    Examples
    --------
    >>> iso_week(pd.Series(pd.to_datetime(["2026-01-01", "2025-12-29", None]))).tolist()
    ['2026-W01', '2026-W01', nan]
    """
    ts = pd.to_datetime(timestamps)
    iso = ts.dt.isocalendar()
    label = iso["year"].astype("string") + "-W" + iso["week"].astype("string").str.zfill(2)
    return label.astype(object).where(ts.notna(), float("nan"))


def week_bounds(label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Monday 00:00 and the following Monday 00:00 (exclusive end) of an ISO week.

    Examples
    --------
    >>> [str(t.date()) for t in week_bounds("2026-W20")]
    ['2026-05-11', '2026-05-18']
    """
    year, week = parse_week(label)
    start = pd.Timestamp(dt.date.fromisocalendar(year, week, 1))
    return start, start + pd.Timedelta(days=7)


def week_range(spec: str) -> list[str]:
    """All weeks of ``"2026-W20..2026-W27"`` (inclusive) or of a single week.

    Examples
    --------
    >>> week_range("2025-W52..2026-W02")
    ['2025-W52', '2026-W01', '2026-W02']
    """
    first, _, last = str(spec).partition("..")
    last = last or first
    a, b = week_bounds(first)[0], week_bounds(last)[0]
    if b < a:
        raise ParameterError(f"week range {spec!r} ends before it starts")
    days = pd.date_range(a, b, freq="7D")
    return iso_week(pd.Series(days)).tolist()


def last_weeks(period: str, n: int) -> list[str]:
    """The ``n`` weeks ending with ``period`` (inclusive), oldest first.

    Examples
    --------
    >>> last_weeks("2026-W02", 3)
    ['2025-W52', '2026-W01', '2026-W02']
    """
    if not isinstance(n, int) or n < 1:
        raise ParameterError(f"the number of weeks must be a positive integer, got {n!r}")
    end = week_bounds(period)[0]
    days = pd.date_range(end - pd.Timedelta(weeks=n - 1), end, freq="7D")
    return iso_week(pd.Series(days)).tolist()


def blocks(weeks: list[str], size: int = 4) -> dict[str, str]:
    """Map each week to its block of ``size`` consecutive weeks, labelled ``first..last``.

    Examples
    --------
    >>> blocks(["2026-W01", "2026-W02", "2026-W03"], size=2)
    {'2026-W01': '2026-W01..2026-W02', '2026-W02': '2026-W01..2026-W02', '2026-W03': '2026-W03..2026-W03'}
    """
    if not isinstance(size, int) or size < 1:
        raise ParameterError(f"block size must be a positive integer, got {size!r}")
    out = {}
    for start in range(0, len(weeks), size):
        chunk = weeks[start:start + size]
        out.update(dict.fromkeys(chunk, f"{chunk[0]}..{chunk[-1]}"))
    return out


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ISO 8601 cells → (UTC timestamps without time zone, precision of each cell).

    A year (``2012``) or a year-month (``2012-08``) is read as the first instant of its period
    and marked ``"year"`` / ``"month"``; a date is ``"day"``, a date with a clock time
    ``"time"`` (with an offset it is converted to UTC). Empty cells and cells that are not ISO
    8601 give ``NaT`` and a missing precision (the caller tells the two apart). The year comes first,
    in four digits: ``2012-8`` is August 2012; nothing else is guessed.

    Parameters
    ----------
    values : Series
        Text cells (numbers such as ``2012`` are read as text).

    Returns
    -------
    tuple of Series
        ``(timestamps, precision)``, both on the index of ``values``.

    Examples
    --------
    >>> ts, precision = parse_dates(pd.Series(["2012", "2012-08", "2012-08-15", "2012-08-15T10:00+02:00", "03/15/2020"]))
    >>> [str(t) for t in ts]
    ['2012-01-01 00:00:00', '2012-08-01 00:00:00', '2012-08-15 00:00:00', '2012-08-15 08:00:00', 'NaT']
    >>> precision.tolist()
    ['year', 'month', 'day', 'time', <NA>]
    """
    text = values.astype("string").str.strip()
    text = text.where(text != "")
    typed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True).dt.tz_localize(None)
    precision = pd.Series(pd.NA, index=values.index, dtype="string")
    for name, pattern in _PRECISION_OF:
        precision = precision.mask(text.str.match(pattern).fillna(False).astype(bool), name)
    # what pandas reads but no pattern names (an ISO week date, ...) is refused, not guessed
    typed = typed.where(precision.notna())
    return typed, precision.where(typed.notna()).astype("string")


_RANK = {p: i for i, p in enumerate(PRECISIONS)}


def _starts(name: str, ts: pd.Series) -> pd.Series:
    """Whether each timestamp is the first instant of its ``name`` period (a year, a month, a day)."""
    midnight = ts == ts.dt.normalize()
    tests = {"year": midnight & (ts.dt.month == 1) & (ts.dt.day == 1), "month": midnight & (ts.dt.day == 1),
             "day": midnight, "time": ts.notna()}
    return tests[name].fillna(False).astype(bool)


def stated_precision(stated: pd.Series, timestamps: pd.Series, read: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Reconcile a precision a file states (``year`` beside 2012-01-01) with the precision read from its dates.

    A stated precision is kept when it is one of :data:`PRECISIONS`, no finer than the one read
    (``day`` for ``2012`` is a contradiction) and the timestamp is the first instant of that
    period (``year`` for 2012-03-05 is one too); an empty statement keeps the precision read.

    Parameters
    ----------
    stated : Series
        The file's ``<column>_precision`` cells.
    timestamps, read : Series
        The dates and their precision, as :func:`parse_dates` returns them.

    Returns
    -------
    tuple of Series
        ``(precision, contradicts)``: the precision to keep and a mask of contradicting cells.

    Examples
    --------
    >>> ts, read = parse_dates(pd.Series(["2012-01-01", "2012-03-05", "2012"]))
    >>> precision, bad = stated_precision(pd.Series(["year", "year", "day"]), ts, read)
    >>> precision.tolist(), bad.tolist()
    (['year', 'day', 'year'], [False, True, True])
    """
    stated = stated.astype("string").str.strip().str.lower()
    stated = stated.where(stated != "")
    known = stated.isin(PRECISIONS).fillna(False).astype(bool)
    start = pd.Series(False, index=stated.index)
    for name in PRECISIONS:
        start |= (stated == name).fillna(False).astype(bool) & _starts(name, timestamps)
    finer = stated.map(_RANK).astype(float) > read.map(_RANK).astype(float)
    given = stated.notna()
    bad = given & (~known | finer.fillna(False).astype(bool) | ~start)
    bad |= given & timestamps.isna()  # a precision for no date
    return stated.where(given & ~bad, read).astype("string"), bad.astype(bool)


def precision_column(column: str) -> str:
    """The name of the companion column holding the precision of ``column``'s dates.

    Examples
    --------
    >>> precision_column("submitted_at")
    'submitted_at_precision'
    """
    return f"{column}_precision"


def precise(frame: pd.DataFrame, column: str) -> pd.Series:
    """Rows whose date in ``column`` is not partial (known at least to the day).

    ``False`` where the companion column (:func:`precision_column`) says ``year`` or ``month``;
    ``True`` elsewhere, and for every row when there is no companion column. An empty date is
    not partial: test it with ``frame[column].notna()``.

    Parameters
    ----------
    frame : DataFrame
        A loaded table.
    column : str
        A datetime column of it.

    Returns
    -------
    Series of bool
        On the index of ``frame``.

    Examples
    --------
    >>> frame = pd.DataFrame({"at": pd.to_datetime(["2012-01-01", "2012-03-05"]), "at_precision": ["year", "day"]})
    >>> precise(frame, "at").tolist()
    [False, True]
    """
    if column not in frame.columns:
        raise ParameterError(f"no column {column!r} in the frame (columns: {', '.join(map(str, frame.columns))})")
    companion = precision_column(column)
    if companion not in frame.columns:
        return pd.Series(True, index=frame.index)
    return ~frame[companion].astype("string").isin(PARTIAL).fillna(False).astype(bool)


def week_of(frame: pd.DataFrame, column: str) -> pd.Series:
    """ISO week labels of the dates in ``column``; missing for empty and for partial dates.

    A date known only to the year or the month (``2012`` is stored as 2012-01-01, which
    :func:`iso_week` would place in week 2011-W52) gets no week, so trends skip it.

    Parameters
    ----------
    frame : DataFrame
        A loaded table (with its ``<column>_precision`` companion when some dates are partial).
    column : str
        A datetime column of it.

    Returns
    -------
    Series
        ``"2026-W20"`` labels on the index of ``frame``; NaN where there is no week.

    Examples
    --------
    >>> frame = pd.DataFrame({"at": pd.to_datetime(["2012-01-01", "2026-05-12"]), "at_precision": ["year", "day"]})
    >>> week_of(frame, "at").tolist()
    [nan, '2026-W20']
    """
    keep = precise(frame, column)
    return iso_week(pd.to_datetime(frame[column])).where(keep, float("nan"))


def wave_of(frame: pd.DataFrame, column: str) -> pd.Series:
    """Wave labels of the dates in ``column`` for data dated coarser than a week: the year (``"2013"``) when any
    date is known only to the year, else the month (``"2013-05"``); missing for empty dates.

    A survey run once a year (or a month) and exported with the year alone is compared wave against wave, never
    placed in a week it does not have (:func:`week_of`).

    Parameters
    ----------
    frame : DataFrame
        A loaded table (with its ``<column>_precision`` companion when some dates are partial).
    column : str
        A datetime column of it.

    Returns
    -------
    Series
        Labels on the index of ``frame``; NaN where the date is empty.

    Examples
    --------
    >>> frame = pd.DataFrame({"at": pd.to_datetime(["2012-01-01", "2013-05-01", None]),
    ...                       "at_precision": ["year", "month", None]})
    >>> wave_of(frame, "at").tolist()
    ['2012', '2013', nan]
    >>> wave_of(frame.iloc[1:], "at").tolist()
    ['2013-05', nan]
    """
    dates = pd.to_datetime(frame[column])
    stated = frame.get(precision_column(column))
    yearly = stated is not None and bool((stated == "year").any())
    return dates.dt.strftime("%Y" if yearly else "%Y-%m").where(dates.notna(), float("nan"))
