"""ISO weeks: the review period of every practice (``"2026-W47"``), ranges and bounds; the run's today.

**Today** is one value per run, so that a run can be repeated: :func:`today` takes it from an
argument, else from the ``CARELIB_TODAY`` environment variable (an ISO 8601 date or timestamp),
else from the clock (UTC). Dates of events later than today plus ``FUTURE_TOLERANCE`` (2 days:
time zones up to UTC+14 and a clock off by a day are still "today") cannot have happened yet;
the loader sets such rows aside (:mod:`carelib.data.tables`), so ``period="latest"`` never follows them.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import pandas as pd

from carelib.errors import ParameterError

__all__ = ["iso_week", "week_bounds", "week_range", "parse_week", "last_weeks", "blocks", "today", "future_limit",
           "TODAY_ENV", "FUTURE_TOLERANCE"]

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

TODAY_ENV = "CARELIB_TODAY"
FUTURE_TOLERANCE = pd.Timedelta(days=2)

TodayLike = str | dt.date | dt.datetime | pd.Timestamp | None


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
