"""Every interval and two-sample test of carelib, from counts (arrays in, arrays out).

Adjusted-Wald NPS (Rocks 2016) and its two-sample difference, Wilson score intervals and the
Newcombe hybrid interval of a difference of shares, t intervals of a scale mean, Garwood exact
Poisson intervals and the exact conditional rate ratio. Modules that report a metric call
these; none keeps its own copy of a formula.

The distribution functions under them (normal, t, chi-square and binomial quantiles, the exact
binomial test, Clopper–Pearson) are :mod:`carelib.metrics.distributions`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carelib import checks as check
from carelib.errors import ParameterError
from carelib.metrics.distributions import (
    binomtest_pvalue,
    chi2_ppf,
    clopper_pearson,
    norm_sf,
    t_ppf,
    z_value,
)

__all__ = ["METHODS", "nps_from_counts", "adjusted_wald", "nps_difference", "wilson", "share_difference",
           "mean_from_counts", "garwood", "rate_ratio"]

METHODS = ("adjusted-wald", "wald", "bootstrap")


def adjusted_wald(promoters: Any, detractors: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted-Wald NPS estimate (as a share, −1…1) and its variance (Rocks 2016).

    Adds 3/4 to promoters and to detractors and 3 to ``n`` before the Wald formula
    ``Var = (p_pro + p_det − NPS²) / n``.

    Parameters
    ----------
    promoters, detractors, n : int or array-like
        Promoters (9-10), detractors (0-6) and all answers, of the same shape (or broadcastable).

    Returns
    -------
    estimate, variance : tuple of ndarray
        The adjusted NPS as a share (−1…1) and its variance (share²).

    Examples
    --------
    >>> est, var = adjusted_wald(90, 40, 200)
    >>> round(float(est), 4), round(float(var), 6)
    (0.2463, 0.002892)
    """
    nn = np.asarray(n, dtype=float) + 3.0
    pp = (np.asarray(promoters, dtype=float) + 0.75) / nn
    dd = (np.asarray(detractors, dtype=float) + 0.75) / nn
    est = pp - dd
    return est, (pp + dd - est**2) / nn


def nps_from_counts(
    promoters: Any, passives: Any, detractors: Any, confidence: float = 0.95, method: str = "adjusted-wald",
    seed: int | None = 0, n_boot: int = 4000,
) -> pd.DataFrame:
    """NPS in points (−100…100) with its interval, from counts (scalars or arrays).

    Parameters
    ----------
    promoters, passives, detractors : int or array-like
        Counts (whole numbers >= 0) of answers 9-10, 7-8 and 0-6, of the same shape.
    confidence : float
        Level of the interval, strictly between 0 and 1.
    method : {"adjusted-wald", "wald", "bootstrap"}
        Interval method (see the notes).
    seed : int or None
        Seed of the bootstrap resamples (``method="bootstrap"`` only).
    n_boot : int
        Bootstrap resamples.

    Returns
    -------
    DataFrame
        One row per count: ``n, promoters, passives, detractors`` (int) and ``nps, ci_low,
        ci_high`` in points; ``nps`` is NaN where ``n`` is 0.

    Notes
    -----
    With ``n`` answers, shares ``p_pro`` and ``p_det``:

    - Wald: ``NPS = p_pro − p_det``, ``Var = (p_pro + p_det − NPS²) / n``.
    - Adjusted-Wald (Rocks 2016, the default): add 3/4 to promoters and to detractors and
      3 to ``n`` (``z²/4`` per category at 95 %, rounded to the published constants) before
      computing the Wald formula; the interval is centred on the adjusted NPS and behaves
      well for small ``n`` and shares near 0 or 1.

    Whatever the method, ``nps`` is the plain estimate ``100 × (promoters − detractors) / n``
    (the definition every report prints); only ``ci_low``/``ci_high`` come from the method.
    - Bootstrap: percentile interval of ``n_boot`` multinomial resamples (``seed``).
    Limits are clipped to [−100, 100].

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "net promoter score". The American
    Statistician 70(4), 365–372. Sauro, J. (MeasuringU), "Confidence intervals for Net
    Promoter Scores".

    Examples
    --------
    >>> nps_from_counts(90, 70, 40).round(2).to_dict("records")
    [{'n': 200, 'promoters': 90, 'passives': 70, 'detractors': 40, 'nps': 25.0, 'ci_low': 14.09, 'ci_high': 35.17}]
    >>> float(nps_from_counts(10, 3, 7)["nps"].iloc[0])  # 50 % promoters − 35 % detractors
    15.0
    >>> nps_from_counts(90, 70, 40, method="wald").round(2)[["nps", "ci_low", "ci_high"]].values.tolist()
    [[25.0, 14.38, 35.62]]
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    z = z_value(confidence)
    pro, pas, det = (check.counts(name, x) for name, x in
                     (("promoters", promoters), ("passives", passives), ("detractors", detractors)))
    n = pro + pas + det
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = (pro - det) / n
        if method == "bootstrap":
            rng = np.random.default_rng(seed)
            lo, hi = np.full_like(n, np.nan), np.full_like(n, np.nan)
            for i in range(len(n)):
                if n[i] > 0:
                    draws = rng.multinomial(int(n[i]), [pro[i] / n[i], pas[i] / n[i], det[i] / n[i]], size=n_boot)
                    b = (draws[:, 0] - draws[:, 2]) / n[i]
                    lo[i], hi[i] = np.quantile(b, [(1 - confidence) / 2, (1 + confidence) / 2])
        else:
            add, add_n = (0.75, 3.0) if method == "adjusted-wald" else (0.0, 0.0)
            pp, pd_, nn = (pro + add) / (n + add_n), (det + add) / (n + add_n), n + add_n
            est = pp - pd_
            half = z * np.sqrt(np.maximum(pp + pd_ - est**2, 0) / nn)
            lo, hi = est - half, est + half
    est = np.where(n > 0, plain, np.nan)
    return pd.DataFrame({
        "n": n.astype("int64"), "promoters": pro.astype("int64"), "passives": pas.astype("int64"),
        "detractors": det.astype("int64"), "nps": 100 * est,
        "ci_low": np.clip(100 * lo, -100, 100), "ci_high": np.clip(100 * hi, -100, 100),
    })


def nps_difference(pro: Any, det: Any, n: Any, pro0: Any, det0: Any, n0: Any,
                   confidence: float = 0.95) -> dict[str, np.ndarray]:
    """NPS of a group against a baseline (the rest, last period …): plain estimates, adjusted-Wald intervals and test.

    Returns, in points, the group's ``value`` (the plain NPS, % promoters − % detractors) with
    its adjusted-Wald ``ci_low``/``ci_high``, the baseline's plain ``rest_value``, the
    ``difference`` of the plain values with the adjusted-Wald ``diff_low``/``diff_high``
    (``NPS̃₁ − NPS̃₀ ± z·sqrt(Var₁ + Var₀)``) and the two-sided ``p_value`` of
    ``z = (NPS̃₁ − NPS̃₀) / sqrt(Var₁ + Var₀)``, ``NPS̃`` the adjusted estimates (Rocks 2016).

    Parameters
    ----------
    pro, det, n : int or array-like
        Promoters, detractors and answers of the group.
    pro0, det0, n0 : int or array-like
        The same for the baseline.
    confidence : float
        Level of the intervals, strictly between 0 and 1.

    Returns
    -------
    dict of str to ndarray
        ``value, ci_low, ci_high, rest_value, difference, diff_low, diff_high`` (points) and
        ``p_value``.

    Examples
    --------
    >>> r = nps_difference(90, 40, 200, 70, 70, 200)
    >>> round(float(r["value"]), 1), round(float(r["difference"]), 1), round(float(r["p_value"]), 3)
    (25.0, 25.0, 0.002)
    """
    z = z_value(confidence)
    e1, v1 = adjusted_wald(pro, det, n)
    e0, v0 = adjusted_wald(pro0, det0, n0)
    lo1, hi1 = e1 - z * np.sqrt(v1), e1 + z * np.sqrt(v1)
    diff, se = e1 - e0, np.sqrt(v1 + v0)
    with np.errstate(invalid="ignore", divide="ignore"):
        zz = diff / se
        plain1 = (np.asarray(pro, dtype=float) - np.asarray(det, dtype=float)) / np.asarray(n, dtype=float)
        plain0 = (np.asarray(pro0, dtype=float) - np.asarray(det0, dtype=float)) / np.asarray(n0, dtype=float)
    return {"value": 100 * plain1, "ci_low": 100 * np.clip(lo1, -1, 1), "ci_high": 100 * np.clip(hi1, -1, 1),
            "rest_value": 100 * plain0, "difference": 100 * (plain1 - plain0), "diff_low": 100 * (diff - z * se),
            "diff_high": 100 * (diff + z * se), "p_value": 2 * norm_sf(np.abs(zz))}


def wilson(successes: Any, trials: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (arrays in, arrays out).

    Parameters
    ----------
    successes, trials : float or array-like
        Counts >= 0 (fractional counts allowed, e.g. weighted), successes not above trials.
    confidence : float
        Level of the interval, strictly between 0 and 1.

    Returns
    -------
    low, high : tuple of ndarray
        Bounds of the interval, in [0, 1]; NaN where ``trials`` is 0.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22, 209–212.

    Examples
    --------
    >>> [round(float(x[0]), 4) for x in wilson(172, 200)]
    [0.8051, 0.9013]
    """
    z = z_value(confidence)
    k, n = check.counts("successes", successes, whole=False), check.counts("trials", trials, whole=False)
    over = np.broadcast_to(k > n, np.broadcast_shapes(k.shape, n.shape))
    if over.any():
        i = int(np.flatnonzero(over.ravel())[0])
        kk, nn = np.broadcast_to(k, over.shape).ravel()[i], np.broadcast_to(n, over.shape).ravel()[i]
        raise ParameterError(f"successes must not exceed trials: got {kk:g} successes in {nn:g} trials")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def share_difference(k: Any, n: Any, k0: Any, n0: Any, confidence: float = 0.95) -> dict[str, np.ndarray]:
    """A share against a baseline share: Wilson intervals, Newcombe's hybrid interval, pooled z test.

    Returns ``value`` (k/n) with ``ci_low``/``ci_high``, ``rest_value`` (k0/n0), ``difference``
    with ``diff_low``/``diff_high`` (Newcombe 1998, method 10) and the two-sided ``p_value``
    of the pooled two-proportion z test.

    Parameters
    ----------
    k, n : float or array-like
        Successes and trials of the group.
    k0, n0 : float or array-like
        Successes and trials of the baseline.
    confidence : float
        Level of the intervals, strictly between 0 and 1.

    Returns
    -------
    dict of str to ndarray
        ``value, ci_low, ci_high, rest_value, difference, diff_low, diff_high`` (shares, 0…1)
        and ``p_value``.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17, 873–890.

    Examples
    --------
    >>> r = share_difference(30, 100, 20, 100)
    >>> round(float(r["difference"]), 2), round(float(r["p_value"]), 3)
    (0.1, 0.102)
    """
    k, n, k0, n0 = (np.asarray(x, dtype=float) for x in (k, n, k0, n0))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p0 = k / n, k0 / n0
        l1, u1 = wilson(k, n, confidence)
        l0, u0 = wilson(k0, n0, confidence)
        diff = p1 - p0
        pooled = (k + k0) / (n + n0)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / n0))
        zz = np.where(se > 0, diff / se, 0.0)
    return {"value": p1, "ci_low": l1, "ci_high": u1, "rest_value": p0, "difference": diff,
            "diff_low": diff - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
            "diff_high": diff + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2), "p_value": 2 * norm_sf(np.abs(zz))}


def mean_from_counts(t: pd.DataFrame, low: int, high: int, confidence: float) -> tuple[np.ndarray, ...]:
    """Mean of a scale and its t interval, from a tally of answers per scale point.

    Parameters
    ----------
    t : DataFrame
        A tally with one column ``score_<v>`` per scale point ``v`` from ``low`` to ``high``
        (as from :func:`carelib.metrics.tally.tally_scale`), one row per group.
    low, high : int
        Inclusive bounds of the scale (e.g. 1 and 5).
    confidence : float
        Level of the interval.

    Returns
    -------
    mean, ci_low, ci_high : tuple of ndarray
        One value per row of ``t``, in scale points; the bounds are NaN with fewer than two
        answers, and all three with none.

    Examples
    --------
    >>> t = pd.DataFrame({"score_1": [0], "score_2": [2], "score_3": [2]})
    >>> [round(float(x[0]), 3) for x in mean_from_counts(t, 1, 3, 0.95)]
    [2.5, 1.581, 3.419]
    """
    values = np.arange(low, high + 1, dtype=float)
    c = t[[f"score_{v}" for v in range(low, high + 1)]].to_numpy(float)
    n = c.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c * values).sum(axis=1) / n
        var = (c * (values[None, :] - mean[:, None]) ** 2).sum(axis=1) / (n - 1)
        half = t_ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * np.sqrt(var / n)
    half = np.where(n > 1, half, np.nan)
    return mean, mean - half, mean + half


def garwood(events: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood 1936) interval of a Poisson count.

    Examples
    --------
    >>> [round(float(x[0]), 3) for x in garwood(10)]
    [4.795, 18.39]
    """
    z_value(confidence)
    k = check.counts("events", events)
    a = 1 - confidence
    lo = np.where(k > 0, chi2_ppf(a / 2, 2 * np.maximum(k, 1e-300)) / 2, 0.0)
    hi = chi2_ppf(1 - a / 2, 2 * k + 2) / 2
    return lo, hi


def rate_ratio(events: int, exposure: float, base_events: int, base_exposure: float,
               confidence: float = 0.95) -> dict[str, float]:
    """Rate ratio of two periods/groups with exact conditional interval and p-value.

    Given the total ``k = k₁ + k₀``, ``k₁ ~ Binomial(k, E₁/(E₁+E₀))`` under equal rates
    (Przyborowski & Wilenski 1940); the Clopper–Pearson interval of that proportion maps to
    the rate ratio.

    Parameters
    ----------
    events, exposure : int, float
        Events (a whole number >= 0) and exposure (> 0, e.g. orders or customer-days) of the
        group or period.
    base_events, base_exposure : int, float
        The same for the baseline.
    confidence : float
        Level of the interval, strictly between 0 and 1.

    Returns
    -------
    dict of str to float
        ``ratio`` (the group's rate over the baseline's; ``inf`` when the baseline has no
        event), ``ci_low, ci_high`` and the two-sided ``p_value``; with no event at all, NaN
        ratio and bounds and ``p_value = 1``.

    Examples
    --------
    >>> r = rate_ratio(30, 1000, 15, 1000)
    >>> round(r["ratio"], 2), round(r["p_value"], 4)
    (2.0, 0.0357)
    """
    z_value(confidence)
    k1, k0 = check.count("events", events), check.count("base_events", base_events)
    exposure, base_exposure = check.number("exposure", exposure, positive=True), \
        check.number("base_exposure", base_exposure, positive=True)
    k = k1 + k0
    share = exposure / (exposure + base_exposure)
    if k == 0:
        return {"ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": 1.0}
    low, high = clopper_pearson(k1, k, confidence)
    odds = base_exposure / exposure

    def to_ratio(p: float) -> float:
        return np.inf if p >= 1 else p / (1 - p) * odds

    ratio = (k1 / exposure) / (k0 / base_exposure) if k0 else np.inf
    return {"ratio": float(ratio), "ci_low": float(to_ratio(low)), "ci_high": float(to_ratio(high)),
            "p_value": binomtest_pvalue(k1, k, share)}
