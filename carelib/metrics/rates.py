"""Rates of events per unit of exposure (complaints per 1,000 orders), with exact Poisson intervals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carelib import checks as check
from carelib.errors import DataError
from carelib.metrics.intervals import garwood
from carelib.metrics.tally import count_by, keys_of, z_value

__all__ = ["rate", "rate_from_counts"]


def rate(events: Any, exposure: Any, by: str | list[str] | None = None, confidence: float = 0.95,
         *, per: float = 1000.0, min_exposure: int = 1) -> pd.DataFrame:
    """Events per ``per`` units of exposure (complaints per 1,000 orders), per group, exact Poisson interval.

    ``events`` and ``exposure`` are tables with one row per event and per unit of exposure
    (e.g. ``complaints`` and ``orders``), both carrying the group columns. Groups with
    exposure but no events get a rate of 0 with its interval; events without exposure
    are an error.

    Parameters
    ----------
    events : data frame
        One row per event (pandas, polars, DuckDB, Spark …) with the ``by`` columns.
    exposure : data frame
        One row per unit of exposure with the ``by`` columns.
    by : str or list of str, optional
        Group columns; default one overall rate.
    confidence : float
        Level of the exact (Garwood) interval, strictly between 0 and 1.
    per : float
        Units of exposure the rate is expressed per (> 0, default 1,000).
    min_exposure : int
        Least exposure for a group's rate to be shown; smaller groups get NaN and a note.

    Returns
    -------
    DataFrame
        Group columns, then ``events, exposure`` (int), ``rate, ci_low, ci_high`` (per ``per``
        units of exposure) and ``note``.

    Examples
    --------
    >>> ev = pd.DataFrame({"week": ["W1"] * 3 + ["W2"] * 6})
    >>> ex = pd.DataFrame({"week": ["W1"] * 1000 + ["W2"] * 1500})
    >>> rate(ev, ex, by="week").round(2)[["week", "events", "exposure", "rate"]].values.tolist()
    [['W1', 3, 1000, 3.0], ['W2', 6, 1500, 4.0]]
    """
    keys = keys_of(by)
    z_value(confidence)
    check.number("per", per, positive=True)
    check.positive_int("min_exposure", min_exposure)
    check.frame_with(events, "rate (events)", keys)
    check.frame_with(exposure, "rate (exposure)", keys)
    ev, ex = count_by(events, keys, "events"), count_by(exposure, keys, "exposure")
    return rate_from_counts(ev, ex, keys, confidence, per=per, min_exposure=min_exposure)


def rate_from_counts(events: pd.DataFrame, exposure: pd.DataFrame, keys: list[str], confidence: float = 0.95,
                     *, per: float = 1000.0, min_exposure: int = 1) -> pd.DataFrame:
    """The infer step of :func:`rate`: rates from counts per group (``events`` and ``exposure`` columns).

    Parameters
    ----------
    events : DataFrame
        The ``keys`` columns and ``events`` (e.g. from :func:`carelib.metrics.tally.count_by`).
    exposure : DataFrame
        The ``keys`` columns and ``exposure``.
    keys : list of str
        Group columns; empty for one overall rate.
    confidence : float
        Level of the exact (Garwood) interval.
    per : float
        Units of exposure the rate is expressed per.
    min_exposure : int
        Least exposure for a group's rate to be shown.

    Returns
    -------
    DataFrame
        As :func:`rate`.

    Examples
    --------
    >>> ev, ex = pd.DataFrame({"events": [3]}), pd.DataFrame({"exposure": [1000]})
    >>> float(rate_from_counts(ev, ex, [])["rate"].iloc[0])
    3.0
    """
    z_value(confidence)
    check.number("per", per, positive=True)
    ev, ex = events, exposure
    t = ex.merge(ev, on=keys, how="outer") if keys else pd.concat([ex, ev], axis=1)
    orphan = t["exposure"].isna() & (t["events"].fillna(0) > 0)
    if orphan.any():
        raise DataError(f"events without exposure in group(s) {t.loc[orphan, keys].to_dict('records')}: "
                        "every group with events needs exposure rows (e.g. orders in that week)")
    t = t.fillna({"events": 0}).astype({"events": "int64", "exposure": "int64"})
    lo, hi = garwood(t["events"], confidence)
    t["rate"] = per * t["events"] / t["exposure"]
    t["ci_low"], t["ci_high"] = per * lo / t["exposure"], per * hi / t["exposure"]
    small = t["exposure"] < min_exposure
    t.loc[small, ["rate", "ci_low", "ci_high"]] = np.nan
    t["note"] = np.where(small, [f"exposure too small ({k} < {min_exposure})" for k in t["exposure"]], "")
    return t[[*keys, "events", "exposure", "rate", "ci_low", "ci_high", "note"]].reset_index(drop=True)
