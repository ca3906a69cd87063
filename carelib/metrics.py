"""Survey metrics, tally then infer: NPS (and eNPS), proportions with Wilson intervals, comparisons.

Every metric is two steps (DESIGN.md §4). **Tally** reduces rows to sufficient
statistics per group — promoters/passives/detractors, successes/trials — written once on
narwhals, so the same call runs on a pandas or polars DataFrame, a DuckDB relation (e.g.
over Parquet) or a PySpark DataFrame; only the needed columns are selected and only the
tallies come back into Python. **Infer** computes value, interval and tests from the
tallies with numpy/scipy.

Rows without a score are not used and are counted (``missing``); a score outside the
scale raises :class:`~carelib.errors.DataError` (load with :func:`carelib.tables.load_table`
and ``errors="exclude"`` to set such rows aside with a reason first). Groups with fewer
than ``min_n`` answers keep their row, with the estimate blanked and a note.

Inputs are checked before anything is counted (:mod:`carelib._checks`): a missing column,
a score column of text or of true/false values (never read as 0/1), a score outside the
scale or not whole, a yes/no column that is not true/false, negative or fractional counts and
a ``confidence`` outside (0, 1) raise a :class:`~carelib.errors.CarelibError` naming the
function, the column, what was expected, and the first offending value with its row (the
index label of a pandas frame).
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
from scipy import stats

from carelib import _checks as check
from carelib.errors import DataError, ParameterError

__all__ = [
    "tally_nps", "nps", "enps", "nps_from_counts", "compare_nps", "wilson", "proportion", "score_accounting",
    "tally_scale", "csat", "ces", "pmf", "ratings", "count_by", "rate", "garwood", "rate_ratio", "as_bool",
]

NPS_COLUMNS = ["n", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high"]
METHODS = ("adjusted-wald", "wald", "bootstrap")


def _by(by: str | list[str] | None) -> list[str]:
    return [] if by is None else [by] if isinstance(by, str) else list(by)


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + check.confidence(confidence) / 2))


def _collect(frame: Any) -> pd.DataFrame:
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()


def _groups(frame: Any, keys: list[str], value: str | None = None, func: str = "carelib") -> Any:
    return check.frame_with(frame, func, [*keys, *([value] if value else [])])


def _sum_by(frame: Any, keys: list[str], flags: dict[str, Any]) -> pd.DataFrame:
    """Sum 0/1 indicator expressions per group (only tallies leave the engine)."""
    one, zero = nw.lit(1, nw.Int64), nw.lit(0, nw.Int64)
    frame = frame.select(*keys, *[nw.when(e).then(one).otherwise(zero).alias(k) for k, e in flags.items()])
    sums = [nw.col(k).sum() for k in flags]
    out = frame.group_by(keys).agg(*sums) if keys else frame.select(*sums)
    # DuckDB sums integers to HUGEINT: cast back before leaving the engine
    return _collect(out.with_columns(*[nw.col(k).cast(nw.Int64) for k in flags]))


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
    return _tally_nps(data, score, _by(by), low, high, "tally_nps")


def _tally_nps(data: Any, score: str, keys: list[str], low: int, high: int, func: str) -> pd.DataFrame:
    frame = check.frame_with(data, func, [*keys, score])
    check.numeric_column(data, frame, score, f"an integer {low}-{high}", func)
    dtype = frame.collect_schema()[score]
    whole = dtype.is_integer()  # integer scores need no rounding check (and no cast: faster in the engine)
    s = nw.col(score) if whole else nw.col(score).cast(nw.Float64)
    present = ~s.is_null()
    bad = (s < low) | (s > high) if whole else (s < low) | (s > high) | (s != s.round(0))
    flags = {  # 0/1 indicator columns, then plain sums: the fast path on every engine
        "promoters": present & (s >= 9),
        "passives": present & (s >= 7) & (s < 9),
        "detractors": present & (s < 7),
        "missing": s.is_null(),
        "out_of_scale": present & bad,
    }
    out = _sum_by(frame.select([*keys, score]), keys, flags)
    if keys:
        out = out.sort_values(keys, ignore_index=True)
    if int(out["out_of_scale"].sum()):
        check.out_of_scale(data, frame, score, low, high, func)
    for c in ("promoters", "passives", "detractors", "missing", "out_of_scale"):
        out[c] = out[c].astype("int64")
    out["n"] = out["promoters"] + out["passives"] + out["detractors"]
    return out[[*keys, "n", "promoters", "passives", "detractors", "missing", "out_of_scale"]]


def nps_from_counts(
    promoters: Any, passives: Any, detractors: Any, confidence: float = 0.95, method: str = "adjusted-wald",
    seed: int | None = 0, n_boot: int = 4000,
) -> pd.DataFrame:
    """NPS in points (−100…100) with its interval, from counts (scalars or arrays).

    Notes
    -----
    With ``n`` answers, shares ``p_pro`` and ``p_det``:

    - Wald: ``NPS = p_pro − p_det``, ``Var = (p_pro + p_det − NPS²) / n``.
    - Adjusted-Wald (Rocks 2016, the default): add 3/4 to promoters and to detractors and
      3 to ``n`` (``z²/4`` per category at 95 %, rounded to the published constants) before
      computing the Wald formula; the adjusted NPS is also the point estimate, and the
      interval behaves well for small ``n`` and shares near 0 or 1.
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
    [{'n': 200, 'promoters': 90, 'passives': 70, 'detractors': 40, 'nps': 24.63, 'ci_low': 14.09, 'ci_high': 35.17}]
    >>> nps_from_counts(90, 70, 40, method="wald").round(2)[["nps", "ci_low", "ci_high"]].values.tolist()
    [[25.0, 14.38, 35.62]]
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    z = _z(confidence)
    pro, pas, det = (check.counts(name, x) for name, x in
                     (("promoters", promoters), ("passives", passives), ("detractors", detractors)))
    n = pro + pas + det
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "bootstrap":
            est = (pro - det) / n
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
    est = np.where(n > 0, est, np.nan)
    return pd.DataFrame({
        "n": n.astype("int64"), "promoters": pro.astype("int64"), "passives": pas.astype("int64"),
        "detractors": det.astype("int64"), "nps": 100 * est,
        "ci_low": np.clip(100 * lo, -100, 100), "ci_high": np.clip(100 * hi, -100, 100),
    })


def nps(
    data: Any, score: str = "score", by: str | list[str] | None = None, confidence: float = 0.95,
    method: str = "adjusted-wald", *, min_n: int = 1, seed: int | None = 0,
) -> pd.DataFrame:
    """Net Promoter Score per group with its interval (tally on any engine, infer here).

    Parameters
    ----------
    data : DataFrame-like
        Survey answers (pandas, polars, DuckDB relation, PySpark …).
    score : str
        The 0–10 score column.
    by : str or list of str, optional
        Group columns (a segment, ``"week"`` …); group columns come first in the result.
    confidence : float
        Interval level.
    method : {"adjusted-wald", "wald", "bootstrap"}
        Interval method (see :func:`nps_from_counts`).
    min_n : int
        Groups with fewer answers keep their row with ``nps``/``ci_*`` blank and a ``note``.
    seed : int or None
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        Group columns, then ``n, promoters, passives, detractors, nps, ci_low, ci_high, missing, note``.

    Examples
    --------
    >>> answers = pd.DataFrame({"team": ["a"] * 4 + ["b"] * 2, "score": [10, 9, 8, 2, 10, 3]})
    >>> nps(answers, by="team", method="wald")[["team", "n", "nps"]]
      team  n   nps
    0    a  4  25.0
    1    b  2   0.0
    """
    return _nps(data, score, _by(by), confidence, method, min_n, seed, "nps")


def _nps(data: Any, score: str, keys: list[str], confidence: float, method: str, min_n: int, seed: int | None,
         func: str) -> pd.DataFrame:
    check.positive_int("min_n", min_n)
    _z(confidence)
    t = _tally_nps(data, score, keys, 0, 10, func)
    inf = nps_from_counts(t["promoters"], t["passives"], t["detractors"], confidence, method, seed)
    out = pd.concat([t[keys].reset_index(drop=True), inf], axis=1)
    out["missing"] = t["missing"].to_numpy()
    small = out["n"] < min_n
    out.loc[small, ["nps", "ci_low", "ci_high"]] = np.nan
    out["note"] = np.where(small, [f"n too small ({k} < {min_n})" for k in out["n"]], "")
    return out


def compare_nps(
    data: Any, score: str = "score", group: str = "group", baseline: Any = None, confidence: float = 0.95,
) -> pd.DataFrame:
    """Each group's NPS against a baseline group: difference, its interval, z and two-sided p.

    Notes
    -----
    Adjusted-Wald estimates and variances of the two independent samples (Rocks 2016):
    ``z = (NPS₁ − NPS₀) / sqrt(Var₁ + Var₀)``; p from the normal distribution.

    Examples
    --------
    >>> rows = [("now", 10)] * 90 + [("now", 7)] * 70 + [("now", 0)] * 40
    >>> rows += [("before", 10)] * 70 + [("before", 7)] * 60 + [("before", 0)] * 70
    >>> r = compare_nps(pd.DataFrame(rows, columns=["period", "score"]), group="period", baseline="before")
    >>> r[["period", "difference", "z", "p_value"]].round(3).values.tolist()
    [['now', 24.631, 3.097, 0.002]]
    """
    z_crit = _z(confidence)
    t = _tally_nps(data, score, [group], 0, 10, "compare_nps")
    if baseline is None or baseline not in set(t[group]):
        raise ParameterError(f"baseline {baseline!r} is not a value of {group!r}; values are {sorted(t[group].astype(str))}")
    if int(t.loc[t[group] == baseline, "n"].iloc[0]) == 0:
        raise DataError(f"compare_nps: the baseline {baseline!r} has no scores in column {score!r} "
                        "(every answer of that group is empty): there is nothing to compare with")
    add = 0.75
    nn = t["n"] + 3.0
    pp, pdd = (t["promoters"] + add) / nn, (t["detractors"] + add) / nn
    est = pp - pdd
    var = (pp + pdd - est**2) / nn
    b = t[group] == baseline
    e0, v0 = float(est[b].iloc[0]), float(var[b].iloc[0])
    diff = est - e0
    se = np.sqrt(var + v0)
    zz = diff / se
    out = pd.DataFrame({
        group: t[group], "n": t["n"], "nps": 100 * est, "baseline_nps": 100 * e0, "difference": 100 * diff,
        "ci_low": 100 * (diff - z_crit * se), "ci_high": 100 * (diff + z_crit * se), "z": zz,
        "p_value": 2 * stats.norm.sf(np.abs(zz)),
    })
    return out[~b.to_numpy()].reset_index(drop=True)


def wilson(successes: Any, trials: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (arrays in, arrays out).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22, 209–212.

    Examples
    --------
    >>> [round(float(x[0]), 4) for x in wilson(172, 200)]
    [0.8051, 0.9013]
    """
    z = _z(confidence)
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


def proportion(
    data: Any, success: str, by: str | list[str] | None = None, confidence: float = 0.95, *, min_n: int = 1,
) -> pd.DataFrame:
    """Share of rows where boolean ``success`` is true, per group, with Wilson intervals.

    Use for CSAT top-2-box (``score >= 4`` on 1–5), PMF "very disappointed" (``score == 3``
    on 1–3), SLA attainment. Missing values of ``success`` are not used and are counted.

    Examples
    --------
    >>> d = pd.DataFrame({"plan": ["Plus"] * 4 + ["Standard"] * 2, "ok": [True, True, True, False, False, None]})
    >>> proportion(d, "ok", by="plan").round(3)[["plan", "successes", "trials", "share", "missing"]]
           plan  successes  trials  share  missing
    0      Plus          3       4   0.75        0
    1  Standard          0       1   0.00        1
    """
    keys = _by(by)
    _z(confidence)
    check.positive_int("min_n", min_n)
    frame = check.frame_with(data, "proportion", [*keys, success])
    check.yes_no_column(data, frame, success, "proportion")
    s = nw.col(success)
    flags = {"successes": ~s.is_null() & s, "trials": ~s.is_null(), "missing": s.is_null()}
    t = _sum_by(frame.select([*keys, success]), keys, flags)
    if keys:
        t = t.sort_values(keys, ignore_index=True)
    lo, hi = wilson(t["successes"], t["trials"], confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        t["share"] = t["successes"] / t["trials"]
    t["ci_low"], t["ci_high"] = lo, hi
    small = t["trials"] < min_n
    t.loc[small, ["share", "ci_low", "ci_high"]] = np.nan
    t["note"] = np.where(small, [f"n too small ({k} < {min_n})" for k in t["trials"]], "")
    return t[[*keys, "successes", "trials", "share", "ci_low", "ci_high", "missing", "note"]]


def score_accounting(report: Any, used: int, missing: int) -> pd.DataFrame:
    """Rows in = rows used + rows excluded, by reason: the loader's exclusions plus answers without a score.

    ``report`` is the :class:`carelib.tables.LoadReport` of the table the metric was computed on.
    """
    rows = [{"step": "rows read", "rows": int(report.rows_read)}]
    for _, r in report.by_reason().iterrows():
        rows.append({"step": f"excluded: {r['reason']}", "rows": -int(r["rows"])})
    rows.append({"step": "excluded: no score (skipped question)", "rows": -int(missing)})
    rows.append({"step": "used", "rows": int(used)})
    out = pd.DataFrame(rows)
    if int(report.rows_read) - int(report.rows_excluded) - int(missing) != int(used):
        raise DataError(f"accounting does not add up: read {report.rows_read}, excluded {report.rows_excluded}, "
                        f"no score {missing}, used {used}")
    return out


def enps(data: Any, score: str = "score", by: str | list[str] | None = None, confidence: float = 0.95,
         method: str = "adjusted-wald", *, min_n: int = 1, seed: int | None = 0) -> pd.DataFrame:
    """Employee NPS: the NPS of staff answers (same scale, thresholds and interval; see :func:`nps`)."""
    return _nps(data, score, _by(by), confidence, method, min_n, seed, "enps")


def tally_scale(data: Any, score: str, by: str | list[str] | None = None, low: int = 1, high: int = 5) -> pd.DataFrame:
    """Answers per score value (``score_1`` … ``score_5``), ``n``, ``missing`` per group, on any engine.

    Counts per value are the sufficient statistics of every short scale: box shares, means
    and their intervals all come from them. A score outside ``low``–``high`` (or not whole)
    raises ``DataError``.

    Examples
    --------
    >>> tally_scale(pd.DataFrame({"score": [5, 4, 4, 1, None]}), "score").iloc[0].tolist()
    [4, 1, 1, 0, 0, 2, 1]
    """
    return _tally_scale(data, score, _by(by), low, high, "tally_scale")


def _tally_scale(data: Any, score: str, keys: list[str], low: int, high: int, func: str) -> pd.DataFrame:
    frame = check.frame_with(data, func, [*keys, score])
    check.numeric_column(data, frame, score, f"an integer {low}-{high}", func)
    s = nw.col(score).cast(nw.Float64)
    present = ~s.is_null()
    flags = {"n": present, "missing": ~present, "out_of_scale": present & ((s < low) | (s > high) | (s != s.round(0)))}
    flags |= {f"score_{v}": present & (s == v) for v in range(low, high + 1)}
    out = _sum_by(frame.select([*keys, score]), keys, flags)
    if keys:
        out = out.sort_values(keys, ignore_index=True)
    if int(out["out_of_scale"].sum()):
        check.out_of_scale(data, frame, score, low, high, func)
    counts = [f"score_{v}" for v in range(low, high + 1)]
    out = out.astype({c: "int64" for c in [*counts, "missing"]})
    out["n"] = out[counts].sum(axis=1).astype("int64")
    return out[[*keys, "n", "missing", *counts]]


def _mean_from_counts(t: pd.DataFrame, low: int, high: int, confidence: float) -> tuple[np.ndarray, ...]:
    values = np.arange(low, high + 1, dtype=float)
    c = t[[f"score_{v}" for v in range(low, high + 1)]].to_numpy(float)
    n = c.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c * values).sum(axis=1) / n
        var = (c * (values[None, :] - mean[:, None]) ** 2).sum(axis=1) / (n - 1)
        half = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * np.sqrt(var / n)
    half = np.where(n > 1, half, np.nan)
    return mean, mean - half, mean + half


def _box(data: Any, score: str, by: str | list[str] | None, low: int, high: int, box: tuple[int, int],
         confidence: float, min_n: int, with_mean: bool, func: str) -> pd.DataFrame:
    _z(confidence)
    check.positive_int("min_n", min_n)
    keys = _by(by)
    t = _tally_scale(data, score, keys, low, high, func)
    succ = t[[f"score_{v}" for v in range(box[0], box[1] + 1)]].sum(axis=1).astype("int64")
    lo, hi = wilson(succ, t["n"], confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = succ / t["n"].replace(0, np.nan)
    out = t[keys].copy()
    out["n"], out["successes"], out["share"], out["ci_low"], out["ci_high"] = t["n"], succ, share, lo, hi
    if with_mean:
        out["mean"], out["mean_low"], out["mean_high"] = _mean_from_counts(t, low, high, confidence)
    out["missing"] = t["missing"]
    small = out["n"] < min_n
    out.loc[small, [c for c in ("share", "ci_low", "ci_high", "mean", "mean_low", "mean_high") if c in out]] = np.nan
    out["note"] = np.where(small, [f"n too small ({k} < {min_n})" for k in out["n"]], "")
    return out


def csat(data: Any, score: str = "score", by: str | list[str] | None = None, confidence: float = 0.95,
         *, top: int = 4, min_n: int = 1) -> pd.DataFrame:
    """CSAT on 1–5 as the top-2-box share (scores ``top``–5) with Wilson intervals, and the mean.

    Returns group columns, then ``n, successes, share, ci_low, ci_high, mean, mean_low, mean_high, missing, note``.

    Examples
    --------
    >>> csat(pd.DataFrame({"score": [5, 4, 3, 2, 5]}))[["n", "successes", "share"]].iloc[0].tolist()
    [5.0, 3.0, 0.6]
    """
    return _box(data, score, by, 1, 5, (top, 5), confidence, min_n, with_mean=True, func="csat")


def ces(data: Any, score: str = "score", by: str | list[str] | None = None, confidence: float = 0.95,
        *, easy: int = 5, min_n: int = 1) -> pd.DataFrame:
    """Customer Effort Score on 1–7 (7 = strongly agree it was easy): share of ``easy``–7, and the mean."""
    return _box(data, score, by, 1, 7, (easy, 7), confidence, min_n, with_mean=True, func="ces")


def pmf(data: Any, score: str = "score", by: str | list[str] | None = None, confidence: float = 0.95,
        *, min_n: int = 1) -> pd.DataFrame:
    """Sean Ellis product-market-fit share: answers of 3 ("very disappointed") on 1–3, with Wilson intervals."""
    return _box(data, score, by, 1, 3, (3, 3), confidence, min_n, with_mean=False, func="pmf")


def ratings(data: Any, rating: str = "rating", by: str | list[str] | None = None, confidence: float = 0.95,
            *, prior_weight: float | None = None, min_n: int = 1, low: int = 1, high: int = 5) -> pd.DataFrame:
    """Star ratings per group: mean with t interval, counts per star, and a Bayesian average for ranking.

    The Bayesian average ``(C·m + Σ stars) / (C + n)`` shrinks items with few ratings toward
    the overall mean ``m``; ``C`` (``prior_weight``) defaults to the median number of ratings
    per group. Rank items by it; report the mean with its interval.

    Examples
    --------
    >>> d = pd.DataFrame({"item": ["a"] * 50 + ["b"] * 2, "rating": [4, 5] * 25 + [5, 5]})
    >>> ratings(d, by="item", prior_weight=10).round(2)[["item", "n", "mean", "bayes_avg"]].values.tolist()
    [['a', 50, 4.5, 4.5], ['b', 2, 5.0, 4.6]]
    """
    keys = _by(by)
    _z(confidence)
    check.positive_int("min_n", min_n)
    if prior_weight is not None:
        check.number("prior_weight", prior_weight)
    t = _tally_scale(data, rating, keys, low, high, "ratings")
    mean, mlo, mhi = _mean_from_counts(t, low, high, confidence)
    values = np.arange(low, high + 1, dtype=float)
    counts = t[[f"score_{v}" for v in range(low, high + 1)]].to_numpy(float)
    total_n = counts.sum()
    m = (counts.sum(axis=0) * values).sum() / total_n if total_n else np.nan
    c = float(np.median(t["n"])) if prior_weight is None else float(prior_weight)
    out = t[keys].copy()
    out["n"], out["mean"], out["ci_low"], out["ci_high"] = t["n"], mean, mlo, mhi
    with np.errstate(invalid="ignore", divide="ignore"):
        out["bayes_avg"] = (c * m + (counts * values).sum(axis=1)) / (c + t["n"])
    for v in range(low, high + 1):
        out[f"stars_{v}"] = t[f"score_{v}"]
    out["missing"] = t["missing"]
    small = out["n"] < min_n
    out.loc[small, ["mean", "ci_low", "ci_high"]] = np.nan
    out["note"] = np.where(small, [f"n too small ({k} < {min_n})" for k in out["n"]], "")
    return out


def count_by(data: Any, by: str | list[str] | None = None, name: str = "count") -> pd.DataFrame:
    """Rows per group, counted in the engine (events or exposure for :func:`rate`)."""
    keys = _by(by)
    frame = check.frame_with(data, "count_by", keys)
    out = frame.select(keys).group_by(keys).agg(nw.len().alias(name)) if keys else frame.select(nw.len().alias(name))
    out = _collect(out.with_columns(nw.col(name).cast(nw.Int64)))
    return out.sort_values(keys, ignore_index=True) if keys else out


def garwood(events: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood 1936) interval of a Poisson count.

    Examples
    --------
    >>> [round(float(x[0]), 3) for x in garwood(10)]
    [4.795, 18.39]
    """
    _z(confidence)
    k = check.counts("events", events)
    a = 1 - confidence
    lo = np.where(k > 0, stats.chi2.ppf(a / 2, 2 * np.maximum(k, 1e-300)) / 2, 0.0)
    hi = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2
    return lo, hi


def rate(events: Any, exposure: Any, by: str | list[str] | None = None, confidence: float = 0.95,
         *, per: float = 1000.0, min_exposure: int = 1) -> pd.DataFrame:
    """Events per ``per`` units of exposure (complaints per 1,000 orders), per group, exact Poisson interval.

    ``events`` and ``exposure`` are tables with one row per event and per unit of exposure
    (e.g. ``complaints`` and ``orders``), both carrying the group columns. Groups with
    exposure but no events get a rate of 0 with its interval; events without exposure
    are an error.

    Examples
    --------
    >>> ev = pd.DataFrame({"week": ["W1"] * 3 + ["W2"] * 6})
    >>> ex = pd.DataFrame({"week": ["W1"] * 1000 + ["W2"] * 1500})
    >>> rate(ev, ex, by="week").round(2)[["week", "events", "exposure", "rate"]].values.tolist()
    [['W1', 3, 1000, 3.0], ['W2', 6, 1500, 4.0]]
    """
    keys = _by(by)
    _z(confidence)
    check.number("per", per, positive=True)
    check.positive_int("min_exposure", min_exposure)
    check.frame_with(events, "rate (events)", keys)
    check.frame_with(exposure, "rate (exposure)", keys)
    ev, ex = count_by(events, keys, "events"), count_by(exposure, keys, "exposure")
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


def rate_ratio(events: int, exposure: float, base_events: int, base_exposure: float,
               confidence: float = 0.95) -> dict[str, float]:
    """Rate ratio of two periods/groups with exact conditional interval and p-value.

    Given the total ``k = k₁ + k₀``, ``k₁ ~ Binomial(k, E₁/(E₁+E₀))`` under equal rates
    (Przyborowski & Wilenski 1940); the Clopper–Pearson interval of that proportion maps to
    the rate ratio.

    Examples
    --------
    >>> r = rate_ratio(30, 1000, 15, 1000)
    >>> round(r["ratio"], 2), round(r["p_value"], 4)
    (2.0, 0.0357)
    """
    _z(confidence)
    k1, k0 = check.count("events", events), check.count("base_events", base_events)
    exposure, base_exposure = check.number("exposure", exposure, positive=True), \
        check.number("base_exposure", base_exposure, positive=True)
    k = k1 + k0
    share = exposure / (exposure + base_exposure)
    if k == 0:
        return {"ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": 1.0}
    test = stats.binomtest(k1, k, share)
    ci = test.proportion_ci(confidence, method="exact")
    odds = base_exposure / exposure

    def to_ratio(p: float) -> float:
        return np.inf if p >= 1 else p / (1 - p) * odds

    ratio = (k1 / exposure) / (k0 / base_exposure) if k0 else np.inf
    return {"ratio": float(ratio), "ci_low": float(to_ratio(ci.low)), "ci_high": float(to_ratio(ci.high)),
            "p_value": float(test.pvalue)}


_TRUE = {"true", "1", "yes", "y", "t", "1.0"}
_FALSE = {"false", "0", "no", "n", "f", "0.0"}


def as_bool(values: pd.Series, name: str | None = None) -> pd.Series:
    """A yes/no column read from a file (True/False, 1/0, yes/no …) as nullable booleans; anything else is an error.

    Examples
    --------
    >>> as_bool(pd.Series(["True", "0", None, "yes"])).tolist()
    [True, False, <NA>, True]
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    text = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False)] = True
    out[text.isin(_FALSE).fillna(False)] = False
    bad = text.notna() & (text != "") & out.isna()
    if bad.any():
        first = values[bad].iloc[0]
        raise DataError(f"column {name or values.name!r}: expected yes/no values (true/false, 1/0, yes/no); "
                        f"found {first!r} in {int(bad.sum())} row(s)")
    return out
