"""Tallies on any engine (narwhals): the one place rows become counts.

Every metric is two steps (DESIGN.md §4). **Tally** reduces rows to sufficient statistics per
group — promoters/passives/detractors, counts per scale value, successes/trials, rows per
group — written once on narwhals, so the same call runs on a pandas or polars DataFrame, a
DuckDB relation (e.g. over Parquet) or a PySpark DataFrame; only the needed columns are
selected and only the tallies come back into Python. **Infer** (:mod:`carelib.metrics.intervals`,
:mod:`carelib.metrics.survey`, :mod:`carelib.metrics.rates`) works on those small tables.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import pandas as pd

from carelib import checks as check
from carelib.metrics.distributions import z_value
from carelib.scales import PASSIVE, PROMOTER

# z_value lives with the other distribution functions in intervals; the metrics modules import it from here
__all__ = ["keys_of", "z_value", "collect", "sum_flags", "tally_nps", "tally_nps_keys", "tally_scale",
           "tally_scale_keys", "count_by"]


_ROWS = "__rows"  # the histogram's count column (a name no table has)


def keys_of(by: str | list[str] | None) -> list[str]:
    """Group columns as a list (``None`` → no groups, a name → one group)."""
    return [] if by is None else [by] if isinstance(by, str) else list(by)


def collect(frame: Any) -> pd.DataFrame:
    """A narwhals frame (lazy or eager) as pandas: the only way tallies leave the engine."""
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()


def sum_flags(frame: Any, keys: list[str], flags: dict[str, Any], weight: str | None = None) -> pd.DataFrame:
    """Sum 0/1 indicator expressions per group (only tallies leave the engine).

    Parameters
    ----------
    frame : narwhals frame
        Eager or lazy frame holding ``keys`` and the columns the expressions use.
    keys : list of str
        Group columns; empty for one overall row.
    flags : dict of str to narwhals expression
        Output column name → boolean expression; true counts 1, false or null 0.
    weight : str, optional
        An integer column a true row counts instead of 1 (rows already counted by group: the row's count).

    Returns
    -------
    DataFrame
        pandas: the ``keys`` columns (groups in the engine's order, unsorted), then one int64
        sum per flag.

    Examples
    --------
    >>> f = nw.from_native(pd.DataFrame({"x": [1, 5, 7]}))
    >>> sum_flags(f, [], {"big": nw.col("x") > 4}).to_dict("list")
    {'big': [2]}
    """
    one, zero = nw.col(weight).cast(nw.Int64) if weight else nw.lit(1, nw.Int64), nw.lit(0, nw.Int64)
    frame = frame.select(*keys, *[nw.when(e).then(one).otherwise(zero).alias(k) for k, e in flags.items()])
    sums = [nw.col(k).sum() for k in flags]
    out = frame.group_by(keys).agg(*sums) if keys else frame.select(*sums)
    # DuckDB sums integers to HUGEINT: cast back before leaving the engine
    return collect(out.with_columns(*[nw.col(k).cast(nw.Int64) for k in flags]))


def tally_nps(data: Any, score: str = "score", by: str | list[str] | None = None, low: int = 0, high: int = 10) -> pd.DataFrame:
    """Promoters (9–10), passives (7–8), detractors (0–6) and missing scores per group, on any engine.

    Parameters
    ----------
    data : DataFrame-like
        pandas, polars, a DuckDB relation, a PySpark DataFrame (anything narwhals reads).
    score : str
        Score column (0–10).
    by : str or list of str, optional
        Group columns.
    low, high : int
        The scale; a score outside it raises ``DataError``.

    Returns
    -------
    DataFrame
        Group columns, then ``n, promoters, passives, detractors, missing, out_of_scale``,
        sorted by the groups.

    Examples
    --------
    >>> tally_nps(pd.DataFrame({"score": [10, 9, 7, 3, None]}))
       n  promoters  passives  detractors  missing  out_of_scale
    0  4          2         1           1        1             0
    """
    return tally_nps_keys(data, score, keys_of(by), low, high, "tally_nps")


def tally_nps_keys(data: Any, score: str, keys: list[str], low: int, high: int, func: str) -> pd.DataFrame:
    """:func:`tally_nps` with the groups as a list and the caller's name for error messages.

    Parameters
    ----------
    data : DataFrame-like
        pandas, polars, a DuckDB relation, a PySpark DataFrame (anything narwhals reads).
    score : str
        Score column (0–10).
    keys : list of str
        Group columns (see :func:`keys_of`).
    low, high : int
        The scale; a score outside it, or not whole, raises ``DataError``.
    func : str
        Name of the calling metric, the first word of error messages.

    Returns
    -------
    DataFrame
        Group columns, then ``n, promoters, passives, detractors, missing, out_of_scale``
        (int64), sorted by the groups.
    """
    frame = check.frame_with(data, func, [*keys, score])
    check.numeric_column(data, frame, score, f"an integer {low}-{high}", func)
    dtype = frame.collect_schema()[score]
    whole = dtype.is_integer()  # integer scores need no rounding check (and no cast: faster in the engine)
    s = nw.col(score) if whole else nw.col(score).cast(nw.Float64)
    present = ~s.is_null()
    bad = (s < low) | (s > high) if whole else (s < low) | (s > high) | (s != s.round(0))
    flags = {  # 0/1 indicator columns, then plain sums: the fast path on every engine
        "promoters": present & (s >= PROMOTER),
        "passives": present & (s >= PASSIVE) & (s < PROMOTER),
        "detractors": present & (s < PASSIVE),
        "missing": s.is_null(),
        "out_of_scale": present & bad,
    }
    out = sum_flags(frame.select([*keys, score]), keys, flags)
    if keys:
        out = out.sort_values(keys, ignore_index=True)
    if int(out["out_of_scale"].sum()):
        check.out_of_scale(data, frame, score, low, high, func)
    for c in ("promoters", "passives", "detractors", "missing", "out_of_scale"):
        out[c] = out[c].astype("int64")
    out["n"] = out["promoters"] + out["passives"] + out["detractors"]
    return out[[*keys, "n", "promoters", "passives", "detractors", "missing", "out_of_scale"]]


def tally_scale(data: Any, score: str, by: str | list[str] | None = None, low: int = 1, high: int = 5) -> pd.DataFrame:
    """Answers per score value (``score_1`` … ``score_5``), ``n``, ``missing`` per group, on any engine.

    Counts per value are the sufficient statistics of every short scale: box shares, means
    and their intervals all come from them. A score outside ``low``–``high`` (or not whole)
    raises ``DataError``.

    Parameters
    ----------
    data : DataFrame-like
        pandas, polars, a DuckDB relation, a PySpark DataFrame (anything narwhals reads).
    score : str
        Score column.
    by : str or list of str, optional
        Group columns.
    low, high : int
        Inclusive bounds of the scale (1 and 5 for CSAT).

    Returns
    -------
    DataFrame
        Group columns, then ``n, missing, score_<low> … score_<high>`` (int64), sorted by the
        groups.

    Examples
    --------
    >>> tally_scale(pd.DataFrame({"score": [5, 4, 4, 1, None]}), "score").iloc[0].tolist()
    [4, 1, 1, 0, 0, 2, 1]
    """
    return tally_scale_keys(data, score, keys_of(by), low, high, "tally_scale")


def tally_scale_keys(data: Any, score: str, keys: list[str], low: int, high: int, func: str) -> pd.DataFrame:
    """:func:`tally_scale` with the groups as a list and the caller's name for error messages.

    Parameters
    ----------
    data : DataFrame-like
        pandas, polars, a DuckDB relation, a PySpark DataFrame (anything narwhals reads).
    score : str
        Score column.
    keys : list of str
        Group columns (see :func:`keys_of`).
    low, high : int
        Inclusive bounds of the scale; a score outside them, or not whole, raises ``DataError``.
    func : str
        Name of the calling metric, the first word of error messages.

    Returns
    -------
    DataFrame
        Group columns, then ``n, missing, score_<low> … score_<high>`` (int64), sorted by the
        groups.
    """
    frame = check.frame_with(data, func, [*keys, score])
    check.numeric_column(data, frame, score, f"an integer {low}-{high}", func)
    # the engine counts rows per (group, score value): a few rows per group, whatever the scale, and the plainest
    # query there is (a short scale's counts are this histogram pivoted, in Arrow; an out-of-scale value shows in it)
    import pyarrow as pa
    import pyarrow.compute as pc

    hist = frame.select([*keys, score]).group_by([*keys, score]).agg(nw.len().alias(_ROWS))
    hist = hist.collect().to_arrow() if isinstance(hist, nw.LazyFrame) else hist.to_arrow()
    value, rows = hist.column(score), pc.cast(hist.column(_ROWS), pa.int64())
    if pa.types.is_boolean(value.type):  # numeric_column lets no yes/no column through; kept exact all the same
        value = pc.cast(value, pa.int64())
    fvalue = pc.cast(value, pa.float64())
    bad = pc.or_(pc.or_(pc.less(fvalue, low), pc.greater(fvalue, high)), pc.not_equal(fvalue, pc.round(fvalue)))
    if pc.any(bad).as_py():
        check.out_of_scale(data, frame, score, low, high, func)
    zero = pa.scalar(0, pa.int64())
    cells = {"missing": pc.if_else(pc.is_null(value), rows, zero)}
    cells |= {f"score_{v}": pc.if_else(pc.fill_null(pc.equal(fvalue, float(v)), False), rows, zero)
              for v in range(low, high + 1)}
    table = pa.table({**{k: hist.column(k) for k in keys}, **cells})
    if keys:
        table = table.group_by(keys, use_threads=False).aggregate([(c, "sum") for c in cells])  # names c_sum
        out = table.to_pandas().rename(columns={f"{c}_sum": c for c in cells})
        out = out.sort_values(keys, ignore_index=True)
    else:
        out = pd.DataFrame({c: [int(pc.sum(a).as_py() or 0)] for c, a in cells.items()})
    counts = [f"score_{v}" for v in range(low, high + 1)]
    out = out.astype({c: "int64" for c in [*counts, "missing"]})
    out["n"] = out[counts].sum(axis=1).astype("int64")
    return out[[*keys, "n", "missing", *counts]]


def count_by(data: Any, by: str | list[str] | None = None, name: str = "count") -> pd.DataFrame:
    """Rows per group, counted in the engine (events or exposure for :func:`rate`).

    Parameters
    ----------
    data : DataFrame-like
        pandas, polars, a DuckDB relation, a PySpark DataFrame (anything narwhals reads).
    by : str or list of str, optional
        Group columns; default one overall count.
    name : str
        Name of the count column.

    Returns
    -------
    DataFrame
        Group columns (sorted), then the int64 count column ``name``.

    Examples
    --------
    >>> count_by(pd.DataFrame({"week": ["W2", "W1", "W2"]}), "week", "orders").values.tolist()
    [['W1', 1], ['W2', 2]]
    """
    keys = keys_of(by)
    frame = check.frame_with(data, "count_by", keys)
    out = frame.select(keys).group_by(keys).agg(nw.len().alias(name)) if keys else frame.select(nw.len().alias(name))
    out = collect(out.with_columns(nw.col(name).cast(nw.Int64)))
    return out.sort_values(keys, ignore_index=True) if keys else out
