"""Segments: every metric by any attribute, each segment against the rest, with multiple-testing control.

A dashboard that lists twenty segments will always show one "worst" segment, most often by
chance. :func:`scan` tests each segment against everyone else with the metric's own
two-sample test, controls the false discovery rate across all the segments it tested
(Benjamini–Hochberg), and flags only the segments significantly below (or above) the rest.
Segments under ``min_n`` answers keep their row, marked "n too small" — never tested,
ranked or silently dropped. A missing attribute value is a segment of its own, "(missing)".

The tally runs in the engine (pandas, polars, DuckDB, Spark): counts per segment, and the
rest as the total minus the segment.

References
----------
Benjamini, Y. & Hochberg, Y. (1995). JRSS B 57, 289–300. Newcombe, R. G. (1998).
Interval estimation for the difference between independent proportions. Statistics in
Medicine 17, 873–890. Rocks, B. (2016), for NPS.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
from scipy import stats

from carelib.errors import ParameterError
from carelib.metrics import _by, _groups, _sum_by, _z, tally_nps, tally_scale, wilson
from carelib.stats import benjamini_hochberg

__all__ = ["scan", "METRICS"]

# metric → (low, high, first score counted as success, last) for box shares on a scale
BOXES = {"csat": (1, 5, 4, 5), "ces": (1, 7, 5, 7), "pmf": (1, 3, 3, 3)}
METRICS = ("nps", "enps", *BOXES, "proportion")
MISSING = "(missing)"


def _tallies(data: Any, attr: str, metric: str, score: str) -> pd.DataFrame:
    """Per level: n, and the counts the metric needs (promoters/detractors or successes)."""
    if metric in ("nps", "enps"):
        t = tally_nps(data, score, attr)
        return t[[attr, "n", "promoters", "detractors"]]
    if metric in BOXES:
        low, high, a, b = BOXES[metric]
        t = tally_scale(data, score, attr, low, high)
        t["successes"] = t[[f"score_{v}" for v in range(a, b + 1)]].sum(axis=1)
        return t[[attr, "n", "successes"]]
    frame = _groups(data, [attr], score)
    s = nw.col(score)
    t = _sum_by(frame.select([attr, score]), [attr], {"n": ~s.is_null(), "successes": ~s.is_null() & s})
    return t[[attr, "n", "successes"]]


def _nps_test(pro: np.ndarray, det: np.ndarray, n: np.ndarray, pro0: np.ndarray, det0: np.ndarray,
              n0: np.ndarray, z: float) -> dict[str, np.ndarray]:
    def adj(p: np.ndarray, d: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mm = m + 3.0
        pp, dd = (p + 0.75) / mm, (d + 0.75) / mm
        est = pp - dd
        return est, (pp + dd - est**2) / mm, mm

    e1, v1, _ = adj(pro, det, n)
    e0, v0, _ = adj(pro0, det0, n0)
    lo1, hi1 = e1 - z * np.sqrt(v1), e1 + z * np.sqrt(v1)
    diff, se = e1 - e0, np.sqrt(v1 + v0)
    with np.errstate(invalid="ignore", divide="ignore"):
        zz = diff / se
    return {"value": 100 * e1, "ci_low": 100 * np.clip(lo1, -1, 1), "ci_high": 100 * np.clip(hi1, -1, 1),
            "rest_value": 100 * e0, "difference": 100 * diff, "diff_low": 100 * (diff - z * se),
            "diff_high": 100 * (diff + z * se), "p_value": 2 * stats.norm.sf(np.abs(zz))}


def _share_test(k: np.ndarray, n: np.ndarray, k0: np.ndarray, n0: np.ndarray, confidence: float) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p0 = k / n, k0 / n0
        l1, u1 = wilson(k, n, confidence)
        l0, u0 = wilson(k0, n0, confidence)
        diff = p1 - p0
        pooled = (k + k0) / (n + n0)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / n0))
        zz = np.where(se > 0, diff / se, 0.0)
    return {"value": p1, "ci_low": l1, "ci_high": u1, "rest_value": p0, "difference": diff,
            "diff_low": diff - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),  # Newcombe's hybrid score interval
            "diff_high": diff + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2), "p_value": 2 * stats.norm.sf(np.abs(zz))}


def scan(data: Any, by: str | list[str], metric: str = "nps", score: str = "score", confidence: float = 0.95,
         *, min_n: int = 30, alpha: float | None = None) -> pd.DataFrame:
    """Each segment of each attribute in ``by`` against the rest of the data, for one metric.

    Parameters
    ----------
    data : DataFrame-like
        The answers (any narwhals engine).
    by : str or list of str
        Attribute columns (region, plan, channel …); each level of each is a segment.
    metric : {"nps", "enps", "csat", "ces", "pmf", "proportion"}
        For ``"proportion"``, ``score`` is a boolean column (e.g. SLA met).
    min_n : int
        Segments with fewer answers, or whose rest has fewer, are not tested.
    alpha : float, optional
        False discovery rate; default ``1 - confidence``.

    Returns
    -------
    DataFrame
        ``attribute, segment, n, value, ci_low, ci_high, rest_n, rest_value, difference,
        diff_low, diff_high, p_value, q_value, flag, note``. Per attribute, tested segments
        come first from the lowest value up, then the small ones. ``flag`` is ``"below the
        rest"`` / ``"above the rest"`` when ``q_value < alpha``. Values are NPS points or
        shares (0–1).

    Examples
    --------
    >>> d = pd.DataFrame({"region": ["N"] * 100 + ["S"] * 100 + ["E"] * 100 + ["W"] * 5,
    ...                   "score": [0] * 60 + [10] * 40 + ([0] * 20 + [10] * 80) * 2 + [10] * 5})
    >>> scan(d, "region", min_n=30)[["segment", "n", "flag"]].values.tolist()
    [['N', 100, 'below the rest'], ['E', 100, 'above the rest'], ['S', 100, 'above the rest'], ['W', 5, 'n too small']]
    """
    if metric not in METRICS:
        raise ParameterError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    z = _z(confidence)
    alpha = 1 - confidence if alpha is None else float(alpha)
    if not isinstance(min_n, int) or min_n < 1:
        raise ParameterError(f"min_n must be a positive integer, got {min_n!r}")
    parts = []
    for attr in _by(by):
        t = _tallies(data, attr, metric, score)
        t[attr] = t[attr].astype(object).where(t[attr].notna(), MISSING)
        t = t.groupby(attr, as_index=False, sort=True).sum()
        total = t.drop(columns=attr).sum()
        n, n0 = t["n"].to_numpy(float), total["n"] - t["n"].to_numpy(float)
        if metric in ("nps", "enps"):
            pro, det = t["promoters"].to_numpy(float), t["detractors"].to_numpy(float)
            res = _nps_test(pro, det, n, total["promoters"] - pro, total["detractors"] - det, n0, z)
        else:
            k = t["successes"].to_numpy(float)
            res = _share_test(k, n, total["successes"] - k, n0, confidence)
        part = pd.DataFrame({"attribute": attr, "segment": t[attr].astype(str), "n": t["n"].astype("int64"),
                             **{key: res[key] for key in ("value", "ci_low", "ci_high")},
                             "rest_n": n0.astype("int64"),
                             **{key: res[key] for key in ("rest_value", "difference", "diff_low", "diff_high", "p_value")}})
        small = (part["n"] < min_n) | (part["rest_n"] < min_n)
        part.loc[small, ["value", "ci_low", "ci_high", "difference", "diff_low", "diff_high", "p_value"]] = np.nan
        part["note"] = np.where(small, [f"n too small ({a} answers, {b} in the rest; minimum {min_n})"
                                        for a, b in zip(part["n"], part["rest_n"], strict=True)], "")
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    tested = out["p_value"].notna()
    out["q_value"] = np.nan
    if tested.any():
        out.loc[tested, "q_value"] = benjamini_hochberg(out.loc[tested, "p_value"].to_numpy())
    sig = tested & (out["q_value"] < alpha)
    out["flag"] = np.where(~tested, "n too small",
                           np.where(sig & (out["difference"] < 0), "below the rest",
                                    np.where(sig & (out["difference"] > 0), "above the rest", "")))
    out["_small"] = ~tested
    order = {a: i for i, a in enumerate(_by(by))}
    out["_attr"] = out["attribute"].map(order)
    out = out.sort_values(["_attr", "_small", "value", "segment"], kind="stable", na_position="last")
    cols = ["attribute", "segment", "n", "value", "ci_low", "ci_high", "rest_n", "rest_value", "difference",
            "diff_low", "diff_high", "p_value", "q_value", "flag", "note"]
    return out[cols].reset_index(drop=True)
