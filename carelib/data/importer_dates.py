"""Dates of an export as ISO 8601 text at their own precision: the importer's one date reader.

A day is written ``2020-03-04``, a time ``2020-03-04 10:15:00`` in UTC (a naive time is read in
the mapping's ``timezone``; without one it is kept as written), a year ``2012`` and a month
``2012-08``, never as a made-up day. Without a declared ``format:`` the reader takes ISO dates,
years, ``MM/YYYY``, ``YYYY/MM/DD`` and ``DD/MM/YYYY`` or ``MM/DD/YYYY`` when each value has
only one reading (a part above 12) or the mapping says ``dayfirst``; ``03/04/2020`` with nothing
to decide it, or a column holding both readings, is an error.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd

from carelib.data.mapping import DateRule, zone
from carelib.errors import DataError

__all__ = ["read_date", "column_dates"]


_Y = re.compile(r"\d{4}")
_YM = re.compile(r"(\d{4})[-/](\d{1,2})")
_MY = re.compile(r"(\d{1,2})[/.-](\d{4})")
_YMD = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T](.+))?")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T].+)?")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:[ T,]+(.+))?")
_OUT = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d", "time": "%Y-%m-%d %H:%M:%S"}


def _precision(fmt: str) -> str:
    if any(d in fmt for d in ("%H", "%I", "%M", "%S", "%X", "%c", "%s", "%z")):
        return "time"
    if any(d in fmt for d in ("%d", "%j", "%x", "%a", "%A")):
        return "day"
    if any(d in fmt for d in ("%m", "%b", "%B")):
        return "month"
    return "year"


def _write(ts: datetime, precision: str, tz: str | None) -> str:
    if precision == "time":
        if ts.tzinfo is None and tz is not None:
            ts = ts.replace(tzinfo=zone(tz))
        if ts.tzinfo is not None:
            ts = ts.astimezone(UTC).replace(tzinfo=None)
    return ts.strftime(_OUT[precision])


def _clock(text: str | None) -> tuple[int, int, int]:
    if not text:
        return 0, 0, 0
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?", text.strip())
    if not m:
        raise ValueError(f"time {text!r}")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if m.group(4):
        h = h % 12 + (12 if m.group(4).lower() == "pm" else 0)
    return h, mi, s


def read_date(value: str, rule: DateRule | None = None, dayfirst: bool | None = None) -> str:
    """One date cell as ISO 8601 text at its own precision ("" stays "").

    Parameters
    ----------
    value : str
        The cell as exported.
    rule : DateRule, optional
        The mapping's rule for the column: formats tried in order, ``dayfirst``, ``timezone``.
    dayfirst : bool, optional
        How to read ``03/04/2020`` when the rule does not say (decided per column by the importer).

    Returns
    -------
    str
        ``2012``, ``2012-08``, ``2020-03-04`` or ``2020-03-04 10:15:00`` (UTC when a zone is known).

    Raises
    ------
    ValueError
        The value is not a date, or ``03/04/2020`` with nothing to say which reading is meant.

    Examples
    --------
    >>> read_date("08/2012"), read_date("2012"), read_date("15/04/2020")
    ('2012-08', '2012', '2020-04-15')
    >>> read_date("2015-12-21 22:21:47", DateRule((), 1, timezone="UTC-06:00"))
    '2015-12-22 04:21:47'
    """
    text = value.strip()
    if not text:
        return ""
    tz = rule.timezone if rule else None
    if rule and rule.formats:
        for fmt in rule.formats:
            try:
                return _write(datetime.strptime(text, fmt), _precision(fmt), tz)
            except ValueError:
                continue
        raise ValueError(f"does not match the format{'s' if len(rule.formats) > 1 else ''} "
                         f"{', '.join(repr(f) for f in rule.formats)}")
    first = rule.dayfirst if rule and rule.dayfirst is not None else dayfirst
    if _Y.fullmatch(text):
        return text
    for pattern, y, mo in ((_YM, 1, 2), (_MY, 2, 1)):
        m = pattern.fullmatch(text)
        if m:
            return datetime(int(m.group(y)), int(m.group(mo)), 1).strftime("%Y-%m")
    if _ISO.fullmatch(text):
        ts = pd.Timestamp(text)
        return _write(ts.to_pydatetime(), "time" if len(text) > 10 else "day", tz)
    m = _YMD.fullmatch(text) or _DMY.fullmatch(text)
    if not m:
        raise ValueError("is not a date read without a format: declare `format:` (e.g. '%d %b %Y')")
    a, b, c = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if m.re is _YMD:
        y, mo, d = a, b, c
    else:
        y = c + (2000 if c < 69 else 1900) if len(m.group(3)) == 2 else c
        if first is not None and max(a, b) > 12 and (a > 12) != first:
            raise ValueError(f"cannot be {'day' if first else 'month'} first as `dayfirst: "
                             f"{str(first).lower()}` says (no month {max(a, b)})")
        if a > 12 >= b:
            d, mo = a, b
        elif b > 12 >= a:
            d, mo = b, a
        elif first is None and a != b:
            raise ValueError(f"is ambiguous: day {a} of month {b} or day {b} of month {a}; "
                             "declare `dayfirst: true` or `false`, or a `format:`")
        else:
            d, mo = (a, b) if first or first is None else (b, a)
    h, mi, s = _clock(m.group(4))
    return _write(datetime(y, mo, d, h, mi, s), "time" if m.group(4) else "day", tz)


def _evidence(values: pd.Series, where: str) -> str:
    """What the column's unambiguous d/m/y values say (a hint for the error); a column holding both readings is refused."""
    firsts, seconds = [], []
    for v in values.unique():
        m = _DMY.fullmatch(str(v).strip())
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a > 12 >= b:
                firsts.append(v)
            elif b > 12 >= a:
                seconds.append(v)
    if firsts and seconds:
        raise DataError(f"{where}: the column holds both readings of dd/mm and mm/dd dates "
                        f"({firsts[0]!r} is day first, {seconds[0]!r} month first): declare a `format:` per reading")
    if firsts:
        return f" (other values such as {firsts[0]!r} are day first: if all are, declare `dayfirst: true`)"
    if seconds:
        return f" (other values such as {seconds[0]!r} are month first: if all are, declare `dayfirst: false`)"
    return ""


def column_dates(col: pd.Series, rule: DateRule, where: str) -> tuple[pd.Series, list[tuple[str, str]]]:
    """A column of dates as ISO text, and the (value, why) of each value that could not be read.

    Parameters
    ----------
    col : Series
        The cells as exported (text).
    rule : DateRule
        The mapping's rule for the column.
    where : str
        Where the rule is (``mapping.yml line 7``), for the error of a column holding both readings.

    Returns
    -------
    tuple
        The ISO text of each cell (see :func:`read_date`), and ``(value, why)`` for each value not read.
    """
    hint = "" if rule.formats or rule.dayfirst is not None else _evidence(col, where)
    out, problems = {}, []
    for v in col.unique():
        try:
            out[v] = read_date(str(v), rule)
        except ValueError as exc:
            problems.append((v, str(exc) + (hint if "ambiguous" in str(exc) else "")))
    return col.map(out), problems
