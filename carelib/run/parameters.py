"""What values a notebook parameter allows, declared at the end of its comment in the ``parameters`` cell.

A parameter's comment may end with one rule; the runner checks given values against it
before any data is loaded (``carelib run`` and ``carelib playbook run`` alike). The syntax:

``[lo, hi]``, ``(lo, hi)``, ``[lo, hi)`` ...
    a number range; square brackets include the bound, round ones exclude it; leave a bound
    out for no limit: ``[1, ]`` is "at least 1", ``(0, ]`` "greater than 0".
``{a, b, "c d", ""}``
    one of these values (bare words or quoted text; ``""`` is the empty text).
``<format>``
    a value of a known form, alone or as an item of a ``{...}`` set:

    * ``<iso-week>``: an ISO week that exists, e.g. ``2026-W47``;
    * ``<iso-week-range>``: ``2026-W20..2026-W27``, first week not after the last;
    * ``<date>``: a calendar date, e.g. ``2026-11-22``;
    * ``<wave>``: a year or a month, ``2013`` or ``2013-05`` (data dated only that finely is reviewed
      wave against wave);
    * ``<column of TABLE>``: a column in the header of a workspace table (``responses``,
      several as ``responses|customers``), or of the table or workspace file named by
      another parameter, ``<column of {source}>``. Only the header is read; when the
      workspace or the table is absent the value is not checked (the notebook says what
      is missing).

For a ``list[...]`` parameter the rule applies to each item. Rules apply to values that are
*given* (on the command line, in a params file or by a playbook step); the defaults in the
notebook are checked by the test suite, not on every run, because a default column may
legitimately be absent from a workspace (the notebook then says so in its section).

Examples
--------
>>> r = parse_rule("weeks before the window [1, 104]")
>>> r.text, r.hint
('[1, 104]', 'weeks before the window')
>>> r.violation(0, "int") is not None, r.violation(8, "int")
(True, None)
>>> parse_rule('NPS interval {adjusted-wald, wald, bootstrap}').describe("str")
'one of adjusted-wald, wald, bootstrap'
>>> parse_rule("confidence level") is None
True
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carelib.errors import DataError, ParameterError
from carelib.periods import parse_week

__all__ = ["Rule", "parse_rule", "table_columns", "FORMATS"]

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"([\[(])\s*({_NUM})?\s*,\s*({_NUM})?\s*([\])])\s*$")
_FORMAT_AT_END = re.compile(r"<([^<>]+)>\s*$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_COLUMN = re.compile(r"column of (\{[A-Za-z_]\w*\}|[A-Za-z_][\w.-]*(?:\|[A-Za-z_][\w.-]*)*)")
_TABLE_SUFFIXES = (".csv", ".parquet", ".jsonl")

FORMATS = {
    "iso-week": "an ISO week such as 2026-W47",
    "iso-week-range": "a range of ISO weeks such as 2026-W20..2026-W27",
    "date": "a date such as 2026-11-22",
    "wave": "a year or a month such as 2013 or 2013-05",
    "column of ...": "a column of a workspace table",
}


def _iso_week(text: str) -> bool:
    try:
        parse_week(text)
    except ParameterError:
        return False
    return True


def _week_range(text: str) -> bool:
    first, sep, last = text.partition("..")
    return bool(sep) and _iso_week(first) and _iso_week(last) and first <= last


def _date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        _dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _wave(text: str) -> bool:
    return bool(re.fullmatch(r"(19|20)\d\d(-(0[1-9]|1[0-2]))?", text))


_CHECKS: dict[str, Callable[[str], bool]] = {"iso-week": _iso_week, "iso-week-range": _week_range, "date": _date,
                                             "wave": _wave}


def table_columns(folder: Path, name: str) -> tuple[Path, list[str]] | None:
    """The header of a workspace table (``responses``) or file (``participants.csv``); None when absent.

    Reads the first line of a CSV or JSON Lines file, or a Parquet file's schema: never the data.
    """
    if Path(name).suffix:
        candidates = [folder / name]
    else:
        candidates = [folder / f"{name}{s}" for s in _TABLE_SUFFIXES]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        return None
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return path, list(pq.read_schema(path).names)
        with path.open("rb") as fh:  # one line, decoded alone: what follows it is never read
            first = b""
            while not first.strip():
                first = fh.readline(1 << 20)
                if not first:
                    break
        text = first.decode("utf-8-sig")
        if path.suffix == ".jsonl":
            record = json.loads(text or "{}")
            return path, list(record) if isinstance(record, dict) else []
        return path, [c.strip() for c in next(csv.reader([text]), [])]
    except OSError as exc:
        raise DataError(f"cannot read the header of {path}: {exc.strerror or exc}") from exc
    except Exception as exc:  # a file that is not what its suffix says: the loader will name the problem
        raise DataError(f"cannot read the header of {path}: {type(exc).__name__}: {exc}") from exc


@dataclass(frozen=True)
class Rule:
    """The allowed values of one parameter (see the module docstring for the syntax)."""

    text: str
    hint: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()

    @property
    def is_range(self) -> bool:
        return not (self.choices or self.formats)

    def describe(self, type_: str) -> str:
        """The rule in words, e.g. 'an integer from 1 to 104' or 'latest or an ISO week such as 2026-W47'."""
        if self.is_range:
            noun = "an integer" if "int" in type_ and "float" not in type_ else "a number"
            if self.low is not None and self.high is not None and not (self.low_open or self.high_open):
                return f"{noun} from {_num(self.low)} to {_num(self.high)}"
            parts = []
            if self.low is not None:
                parts.append(f"{'greater than' if self.low_open else 'at least'} {_num(self.low)}")
            if self.high is not None:
                parts.append(f"{'less than' if self.high_open else 'at most'} {_num(self.high)}")
            return f"{noun} {' and '.join(parts)}".strip()
        words = [("empty" if c == "" else c) for c in self.choices]
        for f in self.formats:
            m = _COLUMN.fullmatch(f)
            if m and m.group(1).startswith("{"):
                words.append(f"a column of the table or file that {m.group(1)[1:-1]!r} names")
            else:
                words.append(f"a column of {m.group(1).replace('|', ' or ')}" if m else FORMATS[f])
        if len(words) == 1:
            return words[0]
        if not self.formats:
            return "one of " + ", ".join(words)
        return ", ".join(words[:-1]) + " or " + words[-1]

    def columns_needed(self) -> list[str]:
        """The ``column of ...`` formats of this rule (their table parts)."""
        return [m.group(1) for f in self.formats if (m := _COLUMN.fullmatch(f))]

    def violation(self, value: Any, type_: str, columns: Callable[[str], tuple[str, list[str]] | None] | None = None
                  ) -> str | None:
        """Why ``value`` breaks the rule (None when it does not). Lists are checked item by item.

        ``columns(spec)`` returns ``(where, column names)`` for a ``column of`` spec, or None
        when they cannot be known (no workspace, no such table).

        Parameters
        ----------
        value : Any
            The parameter's value; None and booleans always pass, a non-number passes a range
            (the type check reports it).
        type_ : str
            The parameter's declared type, as written in its annotation (e.g. ``"int"``).
        columns : callable, optional
            ``columns(spec) -> (where, column names) or None``; without it ``column of`` formats
            are not checked.

        Returns
        -------
        str or None
            ``"out of range"``, ``"not a number"``, ``"not allowed"`` or a sentence naming the
            table(s) and their columns; None when the value is allowed.

        Examples
        --------
        >>> Rule(text="1..104", hint="", low=1, high=104).violation(200, "int")
        'out of range'
        >>> Rule(text="a|b", hint="", choices=("a", "b")).violation(["a", "b"], "list[str]") is None
        True
        """
        if isinstance(value, list):
            for item in value:
                why = self.violation(item, type_, columns)
                if why:
                    return why
            return None
        if value is None or isinstance(value, bool):
            return None
        if self.is_range:
            if not isinstance(value, int | float):
                return None  # the type check speaks for this case
            if math.isnan(value):
                return "not a number"
            too_low = self.low is not None and (value <= self.low if self.low_open else value < self.low)
            too_high = self.high is not None and (value >= self.high if self.high_open else value > self.high)
            return "out of range" if too_low or too_high else None
        text = str(value)
        if text in self.choices or any(_CHECKS[f](text) for f in self.formats if f in _CHECKS):
            return None
        specs = self.columns_needed()
        if specs and columns is not None:
            known = [c for c in (columns(s) for s in specs) if c is not None]
            if not known:  # no workspace or no such table: nothing to check against
                return None
            if any(text in cols for _, cols in known):
                return None
            return "; ".join(_listing(where, text, cols) for where, cols in known)
        if specs and columns is None:
            return None
        return "not allowed"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _listing(where: str, missing: str, cols: list[str], limit: int = 24) -> str:
    several = "," in where
    shown = ", ".join(cols[:limit]) + (f", … ({len(cols)} columns)" if len(cols) > limit else "")
    head = f"{where} {'have' if several else 'has'} no column {missing!r}"
    return f"{head}; {'their' if several else 'its'} columns are: {shown}" if cols else head


def _set_at_end(comment: str) -> tuple[int, str] | None:
    """Start index and inside of a ``{...}`` that ends the comment (``{...}`` may nest inside ``<...>``)."""
    text = comment.rstrip()
    if not text.endswith("}"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {"}": 1, "{": -1}.get(text[i], 0)
        if depth == 0:
            return i, text[i + 1 : -1]
    return None


def _items(inside: str) -> list[str]:
    items, buf, angle, quote = [], "", 0, ""
    for ch in inside:
        if quote:
            buf += ch
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote, buf = ch, buf + ch
        elif ch in "<>":
            angle += 1 if ch == "<" else -1
            buf += ch
        elif ch == "," and angle == 0:
            items.append(buf.strip())
            buf = ""
        else:
            buf += ch
    items.append(buf.strip())
    return items


def _format(name: str, where: str) -> str:
    name = " ".join(name.split())
    if name in _CHECKS or _COLUMN.fullmatch(name):
        return name
    raise ParameterError(f"{where}: unknown format <{name}> in the parameter comment; "
                         f"known: <iso-week>, <iso-week-range>, <date>, <column of TABLE>")


def parse_rule(comment: str, where: str = "parameter") -> Rule | None:
    """The rule ending ``comment``, or None. ``where`` names the parameter in errors about the rule itself."""
    text = comment.rstrip()
    m = _RANGE.search(text)
    if m:
        lo, hi = (float(g) if g else None for g in (m.group(2), m.group(3)))
        if lo is None and hi is None:
            return None
        if lo is not None and hi is not None and lo > hi:
            raise ParameterError(f"{where}: range {m.group(0).strip()} has its low bound above its high bound")
        return Rule(m.group(0).strip(), _hint(text, m.start()), lo, hi, m.group(1) == "(", m.group(4) == ")")
    found = _set_at_end(text)
    if found:
        start, inside = found
        choices, formats = [], []
        for item in _items(inside):
            if item.startswith("<") and item.endswith(">"):
                formats.append(_format(item[1:-1], where))
            elif len(item) >= 2 and item[0] == item[-1] and item[0] in "\"'":
                choices.append(item[1:-1])
            elif item:
                choices.append(item)
        if not (choices or formats):
            return None
        return Rule(text[start:], _hint(text, start), choices=tuple(choices), formats=tuple(formats))
    m = _FORMAT_AT_END.search(text)
    if m:
        return Rule(m.group(0).strip(), _hint(text, m.start()), formats=(_format(m.group(1), where),))
    return None


def _hint(text: str, end: int) -> str:
    return text[:end].rstrip(" :;,-")
