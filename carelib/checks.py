"""Checks of what a metric is given: columns, scores, yes/no columns, counts and parameters.

Every public function of :mod:`carelib.metrics.survey`, :mod:`carelib.analysis.drivers` and :mod:`carelib.metrics.multiple_testing`
checks its input here, so a wrong input is an error that names the function, the column, what
was expected, the first offending value and its row — never a number computed from something
else (``True`` counted as a score of 1) and never pandas' own error. The row is the index label
of a pandas frame and the position in a polars frame; lazy engines (DuckDB, Spark) keep no row
order, so there only the value is named.
"""

from __future__ import annotations

import numbers
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from carelib.errors import DataError, ParameterError

LOAD_HINT = ("load the table with carelib.data.tables.load_table(..., errors='exclude') to set such rows aside "
             "with a reason")


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _real(v: Any) -> bool:
    """A number that may stand for a quantity (not a bool, not text)."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_)


def frame_with(data: Any, func: str, columns: list[str]) -> Any:
    """``data`` as a narwhals frame, with every column of ``columns`` present.

    Parameters
    ----------
    data : data frame
        A pandas, polars, DuckDB or Spark frame (anything :func:`narwhals.from_native` reads).
    func : str
        Name of the calling function, the first word of the error message.
    columns : list of str
        Columns that must be present.

    Returns
    -------
    narwhals DataFrame or LazyFrame
        ``data`` wrapped; a :class:`~carelib.errors.DataError` names the missing columns, or
        the type received when ``data`` is not a frame.

    Examples
    --------
    >>> frame_with(pd.DataFrame({"score": [9]}), "nps", ["score"]).columns
    ['score']
    """
    try:
        frame = nw.from_native(data)
    except TypeError:
        raise DataError(f"{func}: expected a data frame (pandas, polars, DuckDB, Spark), "
                        f"got {type(data).__name__}") from None
    names = frame.collect_schema().names()
    missing = list(dict.fromkeys(c for c in columns if c not in names))
    if missing:
        raise DataError(f"{func}: no column {', '.join(repr(c) for c in missing)} in the data "
                        f"(columns: {', '.join(map(str, names))})")
    return frame


def first(data: Any, frame: Any, column: str, bad: Any) -> tuple[str, Any, int]:
    """Where ``bad`` (an expression, or a mask of an eager frame) first holds: (``"row 12, "`` or ``""``
    on lazy engines, the value, how many rows).

    Parameters
    ----------
    data : data frame
        The frame as the caller received it (pandas, polars, DuckDB, Spark); a pandas frame's
        index labels name the rows.
    frame : narwhals frame
        ``data`` wrapped by :func:`frame_with`.
    column : str
        Column whose value is reported.
    bad : narwhals expression or ndarray of bool
        Rows at fault: an expression (nulls count as not at fault), or a boolean mask of an
        eager frame.

    Returns
    -------
    where, value, count : tuple of (str, object, int)
        ``"row <label>, "`` (``""`` on lazy engines or when no row is at fault), the first
        offending value (None when none) and the number of rows at fault.
    """
    if isinstance(frame, nw.LazyFrame):
        flagged = frame.filter(bad)
        value = flagged.select(column).head(1).collect()[column].to_list()
        count = int(flagged.select(nw.len()).collect().item())
        return "", (value[0] if value else None), count
    if isinstance(bad, np.ndarray):
        mask = bad
    else:
        mask = frame.select(bad.fill_null(False).alias("_bad"))["_bad"].to_numpy().astype(bool)
    pos = np.flatnonzero(mask)
    if not len(pos):
        return "", None, 0
    label = _py(data.index[pos[0]]) if isinstance(data, pd.DataFrame) else int(pos[0])
    return f"row {label!r}, ", _py(frame[column][int(pos[0])]), len(pos)


def _not_numbers(data: Any, frame: Any, column: str) -> Any:
    """Where ``column`` holds something other than a number (an expression or a mask); None if nowhere."""
    dtype = frame.collect_schema()[column]
    if dtype.is_numeric():
        return None
    if dtype == nw.Object and isinstance(data, pd.DataFrame):
        odd = data[column].map(lambda v: not (v is None or v is pd.NA or _real(v))).to_numpy(bool)
        return odd if odd.any() else None  # numbers held as Python objects are fine
    return ~nw.col(column).is_null()  # text, true/false, categories, dates


def _what(value: Any, score: bool) -> str:
    if isinstance(value, bool | np.bool_):
        return f"{_py(value)!r} (a yes/no value, not a {'score' if score else 'number'})"
    return f"{value!r} ({'text, ' if isinstance(value, str) else ''}not a number)"


def numeric_column(data: Any, frame: Any, column: str, expected: str, func: str, *, score: bool = True) -> None:
    """Refuse a column of text or yes/no values where numbers are expected, naming the first one.

    Parameters
    ----------
    data : data frame
        The frame as the caller received it (pandas, polars, DuckDB, Spark); a pandas frame's
        index labels name the rows.
    frame : narwhals frame
        ``data`` wrapped by :func:`frame_with`.
    column : str
        Column to check.
    expected : str
        What the column should hold, as the message says it (e.g. ``"an integer 0-10"``).
    func : str
        Name of the calling function, the first word of the error message.
    score : bool
        Word the message uses: "not a score" (True) or "not a number" (False).

    Returns
    -------
    None
        Returns quietly when the column is numeric (numbers held as Python objects included);
        otherwise raises :class:`~carelib.errors.DataError` with the row, value, count and a hint.
    """
    found = _not_numbers(data, frame, column)
    if found is None:
        return
    where, value, count = first(data, frame, column, found)
    if isinstance(value, bool | np.bool_):
        hint = "a yes/no answer is not a score (for yes/no answers use carelib.metrics.survey.proportion)"
    else:
        hint = ("convert it with pd.to_numeric, or load the table with carelib.data.tables.load_table, which types and "
                "checks every cell")
    raise DataError(f"{func}: {where}column {column!r}: expected {expected}, found {_what(value, score)}; "
                    f"{count} row(s) like this; {hint}")


def out_of_scale(data: Any, frame: Any, column: str, low: int, high: int, func: str) -> None:
    """Raise naming the first score outside ``low``–``high`` or not whole (called once a tally found some).

    Parameters
    ----------
    data : data frame
        The frame as the caller received it (pandas, polars, DuckDB, Spark); a pandas frame's
        index labels name the rows.
    frame : narwhals frame
        ``data`` wrapped by :func:`frame_with`.
    column : str
        Column of scores.
    low, high : int
        Inclusive bounds of the scale (e.g. 0 and 10 for NPS).
    func : str
        Name of the calling function, the first word of the error message.

    Returns
    -------
    None
        Never returns: always raises :class:`~carelib.errors.DataError` naming the first score
        out of the scale, its row and how many rows are like it.
    """
    s = nw.col(column).cast(nw.Float64)
    bad = ~s.is_null() & ((s < low) | (s > high) | (s != s.round(0)))
    where, value, count = first(data, frame, column, bad)
    raise DataError(f"{func}: {where}column {column!r}: expected an integer {low}-{high}, found {value!r}; "
                    f"{count} row(s) like this; {LOAD_HINT}")


def yes_no_column(data: Any, frame: Any, column: str, func: str) -> None:
    """Refuse a column that is not true/false (numbers, text), naming the first offending value.

    Parameters
    ----------
    data : data frame
        The frame as the caller received it (pandas, polars, DuckDB, Spark); a pandas frame's
        index labels name the rows.
    frame : narwhals frame
        ``data`` wrapped by :func:`frame_with`.
    column : str
        Column to check.
    func : str
        Name of the calling function, the first word of the error message.

    Returns
    -------
    None
        Returns quietly for a boolean column (or a pandas object column of booleans and missing
        values); otherwise raises :class:`~carelib.errors.DataError` with a conversion hint.
    """
    dtype = frame.collect_schema()[column]
    if dtype == nw.Boolean:
        return
    if dtype == nw.Object and isinstance(data, pd.DataFrame):
        odd = data[column].map(lambda v: not (v is None or v is pd.NA or isinstance(v, bool | np.bool_)
                                              or (isinstance(v, float) and np.isnan(v)))).to_numpy(bool)
        if not odd.any():
            return
        bad = odd
    else:
        bad = ~nw.col(column).is_null()
    where, value, count = first(data, frame, column, bad)
    kind = "a number" if _real(value) else "text"
    raise DataError(f"{func}: {where}column {column!r}: expected true or false, found {value!r} ({kind}); "
                    f"{count} row(s) like this; turn it into true/false first: carelib.metrics.as_bool for 1/0 or "
                    f"yes/no values, or a comparison such as data['score'] >= 4")


def confidence(value: Any) -> float:
    """A confidence level strictly between 0 and 1."""
    if not _real(value) or not 0 < value < 1:
        raise ParameterError(f"confidence must be a number between 0 and 1 (e.g. 0.95), got {value!r}")
    return float(value)


def positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ParameterError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def number(name: str, value: Any, *, positive: bool = False) -> float:
    """A real number, >= 0 (or > 0 with ``positive``).

    Parameters
    ----------
    name : str
        Parameter name used in the error message.
    value : object
        The value given; bools, text and NaN are refused.
    positive : bool
        Require ``value > 0`` instead of ``value >= 0``.

    Returns
    -------
    float
        ``value`` as a float; otherwise a :class:`~carelib.errors.ParameterError`.

    Examples
    --------
    >>> number("per", 100)
    100.0
    """
    if not _real(value) or np.isnan(value) or (value <= 0 if positive else value < 0):
        raise ParameterError(f"{name} must be a {'positive number' if positive else 'number >= 0'}, got {value!r}")
    return float(value)


def count(name: str, value: Any) -> int:
    """One count: a whole number >= 0."""
    if not _real(value) or np.isnan(value) or value < 0 or value != np.floor(value):
        raise ParameterError(f"{name} must be counts (whole numbers >= 0), got {_py(value)!r}")
    return int(value)


def counts(name: str, values: Any, *, whole: bool = True) -> np.ndarray:
    """Counts as a float array (missing stays NaN); negative, fractional (with ``whole``), yes/no or text raise.

    Parameters
    ----------
    name : str
        Parameter name used in the error message.
    values : scalar, array-like, Series or Index
        The counts given; None and ``pd.NA`` become NaN.
    whole : bool
        Require whole numbers (False allows fractional values >= 0, e.g. weighted counts).

    Returns
    -------
    ndarray of float
        At least 1-d, same shape as ``values``; otherwise a
        :class:`~carelib.errors.ParameterError` naming the first bad value.

    Examples
    --------
    >>> counts("n", [3, None, 5]).tolist()
    [3.0, nan, 5.0]
    """
    what = f"{name} must be counts ({'whole numbers' if whole else 'numbers'} >= 0)"
    if isinstance(values, pd.Series | pd.Index) and pd.api.types.is_numeric_dtype(values) \
            and not pd.api.types.is_bool_dtype(values):
        out = np.atleast_1d(values.to_numpy(dtype=float, na_value=np.nan))
    else:
        arr = np.atleast_1d(np.asarray(values.to_numpy(dtype=object) if isinstance(values, pd.Series | pd.Index)
                                       else values))
        if arr.dtype.kind in "iuf":
            out = arr.astype(float)
        else:
            flat = arr.ravel()
            for v in flat:
                if not (v is None or v is pd.NA or _real(v) or (isinstance(v, float) and np.isnan(v))):
                    raise ParameterError(f"{what}, got {_py(v)!r}")
            out = np.array([np.nan if v is None or v is pd.NA else float(v) for v in flat]).reshape(arr.shape)
    bad = ~np.isnan(out) & ((out < 0) | ~np.isfinite(out))
    if whole:
        bad |= ~np.isnan(out) & np.isfinite(out) & (out != np.floor(out))
    if bad.any():
        raise ParameterError(f"{what}, got {_py(out.ravel()[np.flatnonzero(bad.ravel())[0]]):g}")
    return out


TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t", "1.0"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f", "0.0"})


def read_bool(values: pd.Series) -> pd.Series:
    """Yes/no cells (True/False, 1/0, yes/no, t/f …) as nullable booleans; anything else becomes ``<NA>``.

    The one reader of yes/no values: the table loader and :func:`as_bool` both use it.

    Examples
    --------
    >>> read_bool(pd.Series(["True", "0", None, "maybe"])).tolist()
    [True, False, <NA>, <NA>]
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    text = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(TRUE_WORDS).fillna(False)] = True
    out[text.isin(FALSE_WORDS).fillna(False)] = False
    return out


def as_bool(values: pd.Series, name: str | None = None) -> pd.Series:
    """A yes/no column read from a file as nullable booleans; any other value is a ``DataError``.

    Examples
    --------
    >>> as_bool(pd.Series(["True", "0", None, "yes"])).tolist()
    [True, False, <NA>, True]
    """
    out = read_bool(values)
    text = values.astype("string").str.strip()
    bad = text.notna() & (text != "") & out.isna()
    if bad.any():
        first_bad = values[bad].iloc[0]
        raise DataError(f"column {name or values.name!r}: expected yes/no values (true/false, 1/0, yes/no); "
                        f"found {first_bad!r} in {int(bad.sum())} row(s)")
    return out
