"""Drivers: which themes, codes or attributes go with an outcome (a detractor, a complaint).

For each factor — a boolean column (theme mentioned) or each level of a categorical column
(plan = Plus) — the answers form a 2 × 2 table against the outcome. :func:`relative_risk`
reports the risk of the outcome with and without the factor, the relative risk with Katz's
log interval, a p-value, the Benjamini–Hochberg q-value over all factors tested, and the
**population attributable fraction** ``p_c (RR − 1) / RR`` (Miettinen): the share of all
outcomes that would not happen if the factor's excess risk went away. Drivers are ordered
by that share, so a rare theme with a huge relative risk does not outrank a common one that
accounts for more detractors. These are associations in observational data, not causes.

The 2 × 2 counts are tallied in the engine (any narwhals frame).

References
----------
Katz, D., Baptista, J., Azen, S. P. & Pike, M. C. (1978). Obtaining confidence intervals for
the risk ratio in cohort studies. Biometrics 34, 469–474. Miettinen, O. S. (1974).
Proportion of disease caused or prevented by a given exposure. Am J Epidemiol 99, 325–332.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from carelib import checks as check
from carelib.errors import DataError, ParameterError
from carelib.metrics.distributions import norm_sf
from carelib.metrics.multiple_testing import benjamini_hochberg
from carelib.metrics.tally import keys_of, sum_flags, z_value

__all__ = ["relative_risk", "relative_risk_from_counts"]

COLUMNS = ["factor", "level", "exposed", "outcomes_exposed", "risk_exposed", "risk_unexposed", "rr", "ci_low",
           "ci_high", "p_value", "q_value", "attributable", "significant", "note"]


def _tables(frame: Any, outcome: str, factor: str) -> pd.DataFrame:
    """Per level of ``factor``: rows and outcomes (rows with a missing outcome are not used)."""
    o = nw.col(outcome)
    t = sum_flags(frame.select([factor, outcome]), [factor], {"rows": ~o.is_null(), "outcomes": ~o.is_null() & o})
    return t


def relative_risk(data: Any, outcome: str, factors: str | list[str], confidence: float = 0.95, *,
                  min_n: int = 10, alpha: float | None = None, significant_only: bool = False) -> pd.DataFrame:
    """Relative risk of a boolean ``outcome`` for each factor, ordered by the share of outcomes it accounts for.

    Parameters
    ----------
    outcome : str
        Boolean column (e.g. ``detractor``); rows where it is missing are not used.
    factors : str or list of str
        Boolean columns (reported for True) or categorical columns (each level against the others).
    min_n : int
        A factor level with fewer rows, or fewer rows without it, is listed as "n too small" and not tested.
    alpha : float, optional
        False discovery rate for ``significant``; default ``1 - confidence``.
    significant_only : bool
        Keep only significant drivers (relative risk above 1 and ``q_value < alpha``).

    Returns
    -------
    DataFrame
        ``factor, level, exposed, outcomes_exposed, risk_exposed, risk_unexposed, rr, ci_low,
        ci_high, p_value, q_value, attributable, significant, note``.

    Examples
    --------
    >>> d = pd.DataFrame({"detractor": [True] * 30 + [False] * 20 + [True] * 10 + [False] * 140,
    ...                   "late": [True] * 50 + [False] * 150})
    >>> r = relative_risk(d, "detractor", "late")
    >>> r[["factor", "rr", "ci_low", "ci_high", "attributable"]].round(3).values.tolist()
    [['late', 9.0, 4.745, 17.07, 0.667]]
    """
    frame = check.frame_with(data, "relative_risk", [outcome, *keys_of(factors)])
    check.yes_no_column(data, frame, outcome, "relative_risk")
    counts = {f: _tables(frame, outcome, f) for f in keys_of(factors)}
    return relative_risk_from_counts(counts, outcome, confidence, min_n=min_n, alpha=alpha,
                                     significant_only=significant_only)


def relative_risk_from_counts(counts: dict[str, pd.DataFrame], outcome: str = "outcome", confidence: float = 0.95, *,
                              min_n: int = 10, alpha: float | None = None,
                              significant_only: bool = False) -> pd.DataFrame:
    """:func:`relative_risk` from the 2 x 2 counts already tallied (per week in a tally store, say).

    Parameters
    ----------
    counts : dict of str to DataFrame
        Per factor, one row per level (a column named as the factor: True/False for a boolean factor, the
        levels of a categorical one, missing as null) with ``rows`` (rows with an outcome) and ``outcomes``.
    outcome : str
        The outcome's name, for messages.
    confidence, min_n, alpha, significant_only
        As for :func:`relative_risk`.

    Returns
    -------
    DataFrame
        As :func:`relative_risk` returns it.

    Examples
    --------
    >>> late = pd.DataFrame({"late": [True, False], "rows": [50, 150], "outcomes": [30, 10]})
    >>> relative_risk_from_counts({"late": late})[["factor", "rr"]].values.tolist()
    [['late', 9.0]]
    """
    z = z_value(confidence)
    check.positive_int("min_n", min_n)
    if alpha is not None and not (check.number("alpha", alpha) < 1):
        raise ParameterError(f"alpha must be a number between 0 and 1 (e.g. 0.05), got {alpha!r}")
    alpha = 1 - confidence if alpha is None else float(alpha)
    rows = []
    for f, t in counts.items():
        t = t.copy()
        boolean = pd.api.types.is_bool_dtype(t[f]) or set(t[f].dropna().unique()) <= {True, False}
        if t[f].isna().any():
            t[f] = t[f].astype(object).where(t[f].notna(), "(missing)")
        if boolean:
            t = t[t[f] != "(missing)"]
        total_rows, total_out = t["rows"].sum(), t["outcomes"].sum()
        if total_rows == 0:
            raise DataError(f"relative_risk: no rows with both {outcome!r} and {f!r}")
        levels = [True] if boolean else sorted(t[f].unique(), key=str)
        for level in levels:
            sel = t[f] == level
            n1, a = int(t.loc[sel, "rows"].sum()), int(t.loc[sel, "outcomes"].sum())
            n0, c = int(total_rows - n1), int(total_out - a)
            rows.append({"factor": f, "level": "" if boolean else str(level), "exposed": n1, "outcomes_exposed": a,
                         "_n0": n0, "_c": c, "_total_out": int(total_out)})
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=COLUMNS)
    n1, a, n0, c = (out[k].to_numpy(float) for k in ("exposed", "outcomes_exposed", "_n0", "_c"))
    small = (n1 < min_n) | (n0 < min_n)
    zero = (a == 0) | (c == 0) | (a == n1) | (c == n0)
    h = np.where(zero, 0.5, 0.0)  # Haldane's correction only where a cell is empty
    with np.errstate(invalid="ignore", divide="ignore"):
        r1, r0 = a / n1, c / n0
        rr_h = ((a + h) / (n1 + 2 * h)) / ((c + h) / (n0 + 2 * h))
        se = np.sqrt(1 / (a + h) - 1 / (n1 + 2 * h) + 1 / (c + h) - 1 / (n0 + 2 * h))
        rr = np.where(zero, rr_h, r1 / r0)
        pc = a / out["_total_out"].to_numpy(float)
        paf = np.where(rr > 0, pc * (rr - 1) / rr, np.nan)
    out["risk_exposed"], out["risk_unexposed"], out["rr"] = r1, r0, rr
    out["ci_low"], out["ci_high"] = np.exp(np.log(rr_h) - z * se), np.exp(np.log(rr_h) + z * se)
    out["p_value"] = 2 * norm_sf(np.abs(np.log(rr_h) / se))
    out["attributable"] = paf
    cols = ["rr", "ci_low", "ci_high", "p_value", "attributable"]
    out.loc[small, cols] = np.nan
    out["q_value"] = np.nan
    tested = ~small
    if tested.any():
        out.loc[tested, "q_value"] = benjamini_hochberg(out.loc[tested, "p_value"].to_numpy())
    out["significant"] = tested & (out["q_value"] < alpha) & (out["rr"] > 1)
    out["note"] = np.where(small, [f"n too small ({int(x)} with, {int(y)} without; minimum {min_n})"
                                   for x, y in zip(n1, n0, strict=True)], "")
    out = out.sort_values(["significant", "attributable"], ascending=[False, False], na_position="last", kind="stable")
    if significant_only:
        out = out[out["significant"]]
    return out[COLUMNS].reset_index(drop=True)

