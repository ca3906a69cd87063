"""Control charts (kaizen): is a weekly movement a signal or the usual noise?

Two charts cover the metric review. The **p-chart** is for shares per period with known
trials (detractors among answers, complaints among orders); with the large subgroups of a
growing company its binomial limits become so tight that every week "signals", so
:func:`p_chart` uses Laney's p′ by default, which widens the limits by the observed
between-period variation. The **XmR chart** (:func:`xmr`) is for one value per period with
no trials (weekly NPS, median response time).

Both return one row per period — ``period, value, centre, sigma, lcl, ucl, phase`` — and
:func:`signals` applies the Western Electric or Nelson rules to that table, returning
``period, rule, value, description`` (one row per period and rule; the period is the one
that completes the pattern). A ``phase`` column (e.g. before/after a kaizen action) gives
each phase its own limits.

References
----------
Laney, D. B. (2002). Improved control charts for attributes. Quality Engineering 14(4),
531–537. Wheeler, D. J. (1993). Understanding Variation. Western Electric (1956).
Statistical Quality Control Handbook. Nelson, L. S. (1984). The Shewhart control chart —
tests for special causes. Journal of Quality Technology 16(4), 237–239.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carelib.errors import DataError, ParameterError

__all__ = ["p_chart", "xmr", "signals", "RULES"]

D2 = 1.128  # bias constant of the moving range of two
CHART_COLUMNS = ["period", "value", "centre", "sigma", "lcl", "ucl", "phase"]


def _phases(n: int, phase: Any) -> np.ndarray:
    if phase is None:
        return np.zeros(n, dtype=object)
    ph = np.asarray(phase, dtype=object)
    if len(ph) != n:
        raise ParameterError(f"phase has {len(ph)} values for {n} periods")
    return ph


def _periods(periods: Any, n: int) -> np.ndarray:
    out = np.arange(n) if periods is None else np.asarray(periods, dtype=object)
    if len(out) != n:
        raise ParameterError(f"periods has {len(out)} values for {n} values")
    return out


def p_chart(events: Any, trials: Any, periods: Any = None, *, laney: bool = True, phase: Any = None,
            sigmas: float = 3.0) -> pd.DataFrame:
    """p-chart (Laney p′ by default) of ``events / trials`` per period.

    Centre ``p̄ = Σ events / Σ trials`` per phase; ``σᵢ = sqrt(p̄(1−p̄)/nᵢ)``; with Laney,
    ``σᵢ`` is multiplied by ``σ_z``, the average moving range of ``zᵢ = (pᵢ − p̄)/σᵢ``
    divided by 1.128. Periods with no trials keep their row with blank value and limits.

    Parameters
    ----------
    events, trials : array-like
        Events and trials per period, of the same length, ``0 <= events <= trials``.
    periods : array-like, optional
        Labels of the periods (e.g. ISO weeks); default ``0, 1, …``.
    laney : bool
        Widen the limits by Laney's ``σ_z`` (needs two periods or more in a phase).
    phase : array-like, optional
        Phase label per period; each phase gets its own centre and limits.
    sigmas : float
        Width of the limits in sigmas.

    Returns
    -------
    DataFrame
        One row per period: ``period, value, centre, sigma, lcl, ucl, phase, trials``; values
        and limits are shares, limits clipped to [0, 1].

    Examples
    --------
    >>> c = p_chart([10, 12, 9, 30], [100, 100, 100, 100], ["W1", "W2", "W3", "W4"], laney=False)
    >>> [round(float(c[k].iloc[0]), 4) for k in ("value", "centre", "lcl", "ucl")]
    [0.1, 0.1525, 0.0446, 0.2604]
    """
    e = np.asarray(events, float)
    n = np.asarray(trials, float)
    if e.shape != n.shape:
        raise ParameterError("events and trials must have the same length")
    if np.any(e < 0) or np.any(e > n):
        raise DataError("p_chart: events must be between 0 and the trials of their period")
    ph = _phases(len(e), phase)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, e / n, np.nan)
    centre, sigma = np.full_like(p, np.nan), np.full_like(p, np.nan)
    for key in pd.unique(ph):
        m = (ph == key) & (n > 0)
        if not m.any():
            continue
        pbar = e[m].sum() / n[m].sum()
        s = np.sqrt(pbar * (1 - pbar) / n[m])
        if laney and m.sum() >= 2:
            with np.errstate(invalid="ignore", divide="ignore"):
                z = (p[m] - pbar) / s
            z = z[np.isfinite(z)]
            sz = np.mean(np.abs(np.diff(z))) / D2 if len(z) >= 2 else 1.0
            s = s * sz
        centre[m], sigma[m] = pbar, s
    return pd.DataFrame({
        "period": _periods(periods, len(p)), "value": p, "centre": centre, "sigma": sigma,
        "lcl": np.clip(centre - sigmas * sigma, 0, 1), "ucl": np.clip(centre + sigmas * sigma, 0, 1),
        "phase": ph, "trials": n.astype("int64"),
    })


def xmr(values: Any, periods: Any = None, *, phase: Any = None, sigmas: float = 3.0) -> pd.DataFrame:
    """Individuals (X) chart with limits from the average moving range (Wheeler's XmR).

    ``σ = mR̄ / 1.128`` so the limits are ``x̄ ± 2.66 mR̄``; ``mr`` and ``mr_ucl`` (3.267 mR̄)
    are the moving-range chart. Missing values keep their row and break the moving range.

    Parameters
    ----------
    values : array-like
        One value per period (weekly NPS, median minutes …).
    periods : array-like, optional
        Labels of the periods; default ``0, 1, …``.
    phase : array-like, optional
        Phase label per period; each phase with two values or more gets its own limits.
    sigmas : float
        Width of the limits in sigmas.

    Returns
    -------
    DataFrame
        One row per period: ``period, value, centre, sigma, lcl, ucl, phase, mr, mr_ucl``, in
        the unit of ``values``.

    Examples
    --------
    >>> c = xmr([10, 12, 11, 13, 12])
    >>> round(float(c["centre"].iloc[0]), 2), round(float(c["ucl"].iloc[0]), 2)
    (11.6, 15.59)
    """
    x = np.asarray(values, float)
    ph = _phases(len(x), phase)
    centre, sigma, mr = np.full_like(x, np.nan), np.full_like(x, np.nan), np.full_like(x, np.nan)
    mr_ucl = np.full_like(x, np.nan)
    for key in pd.unique(ph):
        idx = np.nonzero(ph == key)[0]
        xs = x[idx]
        ok = np.isfinite(xs)
        if ok.sum() < 2:
            continue
        ranges = np.abs(np.diff(xs))
        mrbar = np.nanmean(ranges) if np.isfinite(ranges).any() else np.nan
        centre[idx], sigma[idx] = np.nanmean(xs), mrbar / D2
        mr[idx[1:]] = ranges
        mr_ucl[idx] = 3.267 * mrbar
    return pd.DataFrame({
        "period": _periods(periods, len(x)), "value": x, "centre": centre, "sigma": sigma,
        "lcl": centre - sigmas * sigma, "ucl": centre + sigmas * sigma, "phase": ph, "mr": mr, "mr_ucl": mr_ucl,
    })


# (rule id, description, function of z → boolean array marking the period completing the pattern)
def _run(mask: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros(len(mask), bool)
    count = 0
    for i, m in enumerate(mask):
        count = count + 1 if m else 0
        out[i] = count >= k
    return out


def _k_of_m(mask: np.ndarray, k: int, m: int) -> np.ndarray:
    out = np.zeros(len(mask), bool)
    for i in range(len(mask)):
        if mask[i]:  # the period completing the pattern is itself beyond the line
            out[i] = mask[max(0, i - m + 1): i + 1].sum() >= k
    return out


def _trend(z: np.ndarray, k: int) -> np.ndarray:
    d = np.sign(np.diff(z))
    up, down = _run(np.r_[False, d > 0], k - 1), _run(np.r_[False, d < 0], k - 1)
    return up | down


def _alternating(z: np.ndarray, k: int) -> np.ndarray:
    d = np.sign(np.diff(z))
    flips = np.r_[False, False, (d[1:] * d[:-1]) < 0]
    return _run(flips, k - 2)


def _side(z: np.ndarray, k: int) -> np.ndarray:
    return _run(z > 0, k) | _run(z < 0, k)


def _beyond(z: np.ndarray, level: float, k: int, m: int) -> np.ndarray:
    return _k_of_m(z > level, k, m) | _k_of_m(z < -level, k, m)


RULES: dict[str, list[tuple[str, str, Any]]] = {
    "western-electric": [
        ("WE1", "one point beyond 3 sigma", lambda z: np.abs(z) > 3),
        ("WE2", "2 of 3 beyond 2 sigma, same side", lambda z: _beyond(z, 2, 2, 3)),
        ("WE3", "4 of 5 beyond 1 sigma, same side", lambda z: _beyond(z, 1, 4, 5)),
        ("WE4", "8 in a row on one side of the centre", lambda z: _side(z, 8)),
    ],
    "nelson": [
        ("N1", "one point beyond 3 sigma", lambda z: np.abs(z) > 3),
        ("N2", "9 in a row on one side of the centre", lambda z: _side(z, 9)),
        ("N3", "6 in a row steadily increasing or decreasing", lambda z: _trend(z, 6)),
        ("N4", "14 in a row alternating up and down", lambda z: _alternating(z, 14)),
        ("N5", "2 of 3 beyond 2 sigma, same side", lambda z: _beyond(z, 2, 2, 3)),
        ("N6", "4 of 5 beyond 1 sigma, same side", lambda z: _beyond(z, 1, 4, 5)),
        ("N7", "15 in a row within 1 sigma (stratification)", lambda z: _run(np.abs(z) < 1, 15)),
        ("N8", "8 in a row beyond 1 sigma, either side", lambda z: _run(np.abs(z) > 1, 8)),
    ],
}


def signals(chart: pd.DataFrame, rules: str = "western-electric") -> pd.DataFrame:
    """Rule violations of a chart from :func:`p_chart` or :func:`xmr`: ``period, rule, value, description``.

    Rules run within each phase on ``z = (value − centre) / sigma``; periods without a
    value are skipped (they neither extend nor break a run).

    Examples
    --------
    >>> c = xmr([10, 11, 10, 11, 10, 11, 10, 30], list("abcdefgh"))
    >>> signals(c)[["period", "rule"]].values.tolist()
    [['h', 'WE1']]
    """
    if rules not in RULES:
        raise ParameterError(f"rules must be one of {', '.join(RULES)}, got {rules!r}")
    missing = [c for c in ("period", "value", "centre", "sigma") if c not in chart.columns]
    if missing:
        raise ParameterError(f"signals: the chart has no column(s) {missing}; make it with p_chart or xmr")
    phase = chart["phase"] if "phase" in chart else pd.Series(0, index=chart.index)
    out = []
    for key in pd.unique(phase):
        part = chart[(phase == key).to_numpy()]
        part = part[np.isfinite(part["value"].to_numpy(float)) & (part["sigma"].to_numpy(float) > 0)]
        if part.empty:
            continue
        z = ((part["value"] - part["centre"]) / part["sigma"]).to_numpy(float)
        for rule, text, test in RULES[rules]:
            for i in np.nonzero(test(z))[0]:
                out.append({"period": part["period"].iloc[i], "rule": rule, "value": part["value"].iloc[i],
                            "description": text, "_order": part.index[i]})
    if not out:
        return pd.DataFrame(columns=["period", "rule", "value", "description"])
    res = pd.DataFrame(out).sort_values(["_order", "rule"], kind="stable")
    return res.drop(columns="_order").reset_index(drop=True)
