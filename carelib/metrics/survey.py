"""Survey metrics, tally then infer: NPS and eNPS, CSAT/CES/PMF boxes, star ratings, proportions.

Every metric is two steps (DESIGN.md §4). **Tally** reduces rows to sufficient
statistics per group — promoters/passives/detractors, successes/trials — written once on
narwhals, so the same call runs on a pandas or polars DataFrame, a DuckDB relation (e.g.
over Parquet) or a PySpark DataFrame; only the needed columns are selected and only the
tallies come back into Python. **Infer** computes value, interval and tests from the
tallies with numpy and scipy.special (:mod:`carelib.metrics.intervals`).

Rows without a score are not used and are counted (``missing``); a score outside the
scale raises :class:`~carelib.errors.DataError` (load with :func:`carelib.data.tables.load_table`
and ``errors="exclude"`` to set such rows aside with a reason first). Groups with fewer
than ``min_n`` answers keep their row, with the estimate blanked and a note.

Inputs are checked before anything is counted (:mod:`carelib.checks`): a missing column,
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

from carelib import checks as check
from carelib.errors import DataError, ParameterError
from carelib.metrics.distributions import norm_sf
from carelib.metrics.intervals import (
    adjusted_wald,
    mean_from_counts,
    nps_from_counts,
    wilson,
)
from carelib.metrics.tally import keys_of, sum_flags, tally_nps_keys, tally_scale_keys, z_value
from carelib.scales import AGREEMENT, SCALES

__all__ = [
    "nps", "enps", "compare_nps", "proportion", "score_accounting", "csat", "ces", "pmf", "agreement_rate", "ratings",
]


CSAT, CES, PMF = SCALES["csat"], SCALES["ces"], SCALES["pmf"]
NPS_COLUMNS = ["n", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high"]


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
        Group columns, then ``n, promoters, passives, detractors, nps, ci_low, ci_high, missing, note``:
        ``nps`` is the plain estimate ``100 × (promoters − detractors) / n``; ``ci_low``/``ci_high``
        the interval of ``method`` (adjusted-Wald by default, centred on the adjusted estimate).

    Examples
    --------
    >>> answers = pd.DataFrame({"team": ["a"] * 4 + ["b"] * 2, "score": [10, 9, 8, 2, 10, 3]})
    >>> nps(answers, by="team", method="wald")[["team", "n", "nps"]]
      team  n   nps
    0    a  4  25.0
    1    b  2   0.0
    """
    return _nps(data, score, keys_of(by), confidence, method, min_n, seed, "nps")


def _nps(data: Any, score: str, keys: list[str], confidence: float, method: str, min_n: int, seed: int | None,
         func: str) -> pd.DataFrame:
    check.positive_int("min_n", min_n)
    z_value(confidence)
    t = tally_nps_keys(data, score, keys, 0, 10, func)
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

    Parameters
    ----------
    data : DataFrame-like
        Survey answers (pandas, polars, DuckDB relation, PySpark …).
    score : str
        The 0–10 score column.
    group : str
        Column whose values are compared (a period, a segment …).
    baseline : object
        Value of ``group`` the others are compared with; it must be present and have scores.
    confidence : float
        Level of the interval of the difference.

    Returns
    -------
    DataFrame
        One row per group other than the baseline: ``<group>, n, nps, baseline_nps,
        difference, ci_low, ci_high, z, p_value`` (NPS, difference and bounds in points).

    Notes
    -----
    ``nps``, ``baseline_nps`` and ``difference`` are plain estimates (% promoters − %
    detractors). The interval and the test use the adjusted-Wald estimates ``NPS̃`` and
    variances of the two independent samples (Rocks 2016): ``NPS̃₁ − NPS̃₀ ± z·sqrt(Var₁ + Var₀)``
    and ``z = (NPS̃₁ − NPS̃₀) / sqrt(Var₁ + Var₀)``; p from the normal distribution.
    ``ci_low``/``ci_high`` bound the difference, not the group's NPS.

    Examples
    --------
    >>> rows = [("now", 10)] * 90 + [("now", 7)] * 70 + [("now", 0)] * 40
    >>> rows += [("before", 10)] * 70 + [("before", 7)] * 60 + [("before", 0)] * 70
    >>> r = compare_nps(pd.DataFrame(rows, columns=["period", "score"]), group="period", baseline="before")
    >>> r[["period", "difference", "z", "p_value"]].round(3).values.tolist()
    [['now', 25.0, 3.097, 0.002]]
    """
    z_crit = z_value(confidence)
    t = tally_nps_keys(data, score, [group], 0, 10, "compare_nps")
    if baseline is None or baseline not in set(t[group]):
        raise ParameterError(f"baseline {baseline!r} is not a value of {group!r}; values are {sorted(t[group].astype(str))}")
    if int(t.loc[t[group] == baseline, "n"].iloc[0]) == 0:
        raise DataError(f"compare_nps: the baseline {baseline!r} has no scores in column {score!r} "
                        "(every answer of that group is empty): there is nothing to compare with")
    est, var = adjusted_wald(t["promoters"], t["detractors"], t["n"])
    b = (t[group] == baseline).to_numpy()
    e0, v0 = float(est[b][0]), float(var[b][0])
    diff = est - e0
    se = np.sqrt(var + v0)
    zz = diff / se
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = (t["promoters"] - t["detractors"]).to_numpy(float) / t["n"].to_numpy(float)
    p0 = float(plain[b][0])
    out = pd.DataFrame({
        group: t[group], "n": t["n"], "nps": 100 * plain, "baseline_nps": 100 * p0, "difference": 100 * (plain - p0),
        "ci_low": 100 * (diff - z_crit * se), "ci_high": 100 * (diff + z_crit * se), "z": zz,
        "p_value": 2 * norm_sf(np.abs(zz)),
    })
    return out[~b].reset_index(drop=True)


def proportion(
    data: Any, success: str, by: str | list[str] | None = None, confidence: float = 0.95, *, min_n: int = 1,
) -> pd.DataFrame:
    """Share of rows where boolean ``success`` is true, per group, with Wilson intervals.

    Use for CSAT top-2-box (``score >= 4`` on 1–5), PMF "very disappointed" (``score == 3``
    on 1–3), SLA attainment. Missing values of ``success`` are not used and are counted.

    Parameters
    ----------
    data : DataFrame-like
        Rows (pandas, polars, DuckDB relation, PySpark …).
    success : str
        Boolean column (true/false, missing allowed); numbers or text raise ``DataError``.
    by : str or list of str, optional
        Group columns.
    confidence : float
        Level of the Wilson interval.
    min_n : int
        Groups with fewer non-missing rows keep their row with ``share``/``ci_*`` blank and a
        ``note``.

    Returns
    -------
    DataFrame
        Group columns, then ``successes, trials, share, ci_low, ci_high, missing, note``,
        sorted by the groups.

    Examples
    --------
    >>> d = pd.DataFrame({"plan": ["Plus"] * 4 + ["Standard"] * 2, "ok": [True, True, True, False, False, None]})
    >>> proportion(d, "ok", by="plan").round(3)[["plan", "successes", "trials", "share", "missing"]]
           plan  successes  trials  share  missing
    0      Plus          3       4   0.75        0
    1  Standard          0       1   0.00        1
    """
    keys = keys_of(by)
    z_value(confidence)
    check.positive_int("min_n", min_n)
    frame = check.frame_with(data, "proportion", [*keys, success])
    check.yes_no_column(data, frame, success, "proportion")
    s = nw.col(success)
    flags = {"successes": ~s.is_null() & s, "trials": ~s.is_null(), "missing": s.is_null()}
    t = sum_flags(frame.select([*keys, success]), keys, flags)
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

    ``report`` is the :class:`carelib.data.tables.LoadReport` of the table the metric was computed on.

    Parameters
    ----------
    report : LoadReport
        The loader's report (``rows_read``, ``rows_excluded``, ``by_reason()``).
    used, missing : int
        Answers the metric used and answers without a score (e.g. the sum of ``n`` and of
        ``missing`` of :func:`nps`).

    Returns
    -------
    DataFrame
        ``step, rows``: ``rows read``, one ``excluded: <reason>`` row per loader reason and
        ``excluded: no score (skipped question)`` (negative counts), then ``used``; a
        :class:`~carelib.errors.DataError` when they do not add up.
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
    """Employee NPS: the NPS of staff answers (same scale, thresholds and interval; see :func:`nps`).

    Parameters
    ----------
    data : DataFrame-like
        Staff answers (pandas, polars, DuckDB relation, PySpark …).
    score : str
        The 0–10 score column.
    by : str or list of str, optional
        Group columns (team, pulse wave …).
    confidence : float
        Interval level.
    method : {"adjusted-wald", "wald", "bootstrap"}
        Interval method (see :func:`carelib.metrics.intervals.nps_from_counts`).
    min_n : int
        Groups with fewer answers keep their row with ``nps``/``ci_*`` blank and a ``note``.
    seed : int or None
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        Group columns, then ``n, promoters, passives, detractors, nps, ci_low, ci_high, missing,
        note``.

    Examples
    --------
    >>> enps(pd.DataFrame({"score": [10, 9, 8, 2]}), method="wald")[["n", "nps"]].values.tolist()
    [[4.0, 25.0]]
    """
    return _nps(data, score, keys_of(by), confidence, method, min_n, seed, "enps")


def _box(data: Any, score: str, by: str | list[str] | None, low: int, high: int, box: tuple[int, int],
         confidence: float, min_n: int, with_mean: bool, func: str) -> pd.DataFrame:
    z_value(confidence)
    check.positive_int("min_n", min_n)
    keys = keys_of(by)
    return box_from_tally(tally_scale_keys(data, score, keys, low, high, func), keys, low, high, box, confidence,
                          min_n, with_mean)


def box_from_tally(t: pd.DataFrame, keys: list[str], low: int, high: int, box: tuple[int, int], confidence: float,
                   min_n: int, with_mean: bool) -> pd.DataFrame:
    """The infer step of :func:`csat`, :func:`ces` and :func:`pmf`: the box share (Wilson) and the mean (t) per group,
    from the counts per score of :func:`carelib.metrics.tally.tally_scale` (kept per week in a tally store, say)."""
    succ = t[[f"score_{v}" for v in range(box[0], box[1] + 1)]].sum(axis=1).astype("int64")
    lo, hi = wilson(succ, t["n"], confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = succ / t["n"].replace(0, np.nan)
    out = t[keys].copy()
    out["n"], out["successes"], out["share"], out["ci_low"], out["ci_high"] = t["n"], succ, share, lo, hi
    if with_mean:
        out["mean"], out["mean_low"], out["mean_high"] = mean_from_counts(t, low, high, confidence)
    out["missing"] = t["missing"]
    small = out["n"] < min_n
    out.loc[small, [c for c in ("share", "ci_low", "ci_high", "mean", "mean_low", "mean_high") if c in out]] = np.nan
    out["note"] = np.where(small, [f"n too small ({k} < {min_n})" for k in out["n"]], "")
    return out


def csat(data: Any, score: str = "score", by: str | list[str] | None = None, confidence: float = 0.95,
         *, top: int = 4, min_n: int = 1) -> pd.DataFrame:
    """CSAT on 1–5 as the top-2-box share (scores ``top``–5) with Wilson intervals, and the mean.

    Parameters
    ----------
    data : DataFrame-like
        Survey answers (pandas, polars, DuckDB relation, PySpark …).
    score : str
        The 1–5 score column; a score outside the scale raises ``DataError``.
    by : str or list of str, optional
        Group columns.
    confidence : float
        Level of the Wilson interval of the share and the t interval of the mean.
    top : int
        Lowest score counted as satisfied (4: top-2-box).
    min_n : int
        Groups with fewer answers keep their row with estimates blank and a ``note``.

    Returns
    -------
    DataFrame
        Group columns, then ``n, successes, share, ci_low, ci_high, mean, mean_low, mean_high,
        missing, note`` (share in 0…1, mean in scale points).

    Examples
    --------
    >>> csat(pd.DataFrame({"score": [5, 4, 3, 2, 5]}))[["n", "successes", "share"]].iloc[0].tolist()
    [5.0, 3.0, 0.6]
    """
    return _box(data, score, by, CSAT.low, CSAT.high, (top, CSAT.high), confidence, min_n, with_mean=True, func="csat")


def ces(data: Any, score: str = "score", by: str | list[str] | None = None, confidence: float = 0.95,
        *, easy: int = 5, min_n: int = 1) -> pd.DataFrame:
    """Customer Effort Score on 1–7 (7 = strongly agree it was easy): share of ``easy``–7, and the mean.

    Parameters
    ----------
    data : DataFrame-like
        Survey answers (pandas, polars, DuckDB relation, PySpark …).
    score : str
        The 1–7 score column; a score outside the scale raises ``DataError``.
    by : str or list of str, optional
        Group columns.
    confidence : float
        Level of the Wilson interval of the share and the t interval of the mean.
    easy : int
        Lowest score counted as easy (5: the top three boxes).
    min_n : int
        Groups with fewer answers keep their row with estimates blank and a ``note``.

    Returns
    -------
    DataFrame
        Group columns, then ``n, successes, share, ci_low, ci_high, mean, mean_low, mean_high,
        missing, note``.

    Examples
    --------
    >>> ces(pd.DataFrame({"score": [7, 6, 5, 2]}))[["n", "successes", "share"]].iloc[0].tolist()
    [4.0, 3.0, 0.75]
    """
    return _box(data, score, by, CES.low, CES.high, (easy, CES.high), confidence, min_n, with_mean=True, func="ces")


def pmf(data: Any, score: str = "score", by: str | list[str] | None = None, confidence: float = 0.95,
        *, min_n: int = 1) -> pd.DataFrame:
    """Sean Ellis product-market-fit share: answers of 3 ("very disappointed") on 1–3, with Wilson intervals.

    Parameters
    ----------
    data : DataFrame-like
        Survey answers (pandas, polars, DuckDB relation, PySpark …).
    score : str
        The 1–3 score column (1 not disappointed, 2 somewhat, 3 very disappointed).
    by : str or list of str, optional
        Group columns.
    confidence : float
        Level of the Wilson interval.
    min_n : int
        Groups with fewer answers keep their row with estimates blank and a ``note``.

    Returns
    -------
    DataFrame
        Group columns, then ``n, successes, share, ci_low, ci_high, missing, note`` (no mean).

    Notes
    -----
    Ellis's rule of thumb reads a "very disappointed" share of 40 % or more as
    product-market fit.
    """
    return _box(data, score, by, PMF.low, PMF.high, PMF.box, confidence, min_n, with_mean=False, func="pmf")


def agreement_rate(data: Any, score: str = "score", by: str | list[str] | None = None, confidence: float = 0.95,
                   *, scale: str = "agree5", question: str | None = "question", min_n: int = 1) -> pd.DataFrame:
    """Share of staff (or customers) who agree with each statement, per question and segment, with Wilson intervals.

    Parameters
    ----------
    data : DataFrame-like
        Answers (pandas, polars, DuckDB relation, PySpark …), one row per person × statement.
    score : str
        The Likert score column: 1 strongly disagree … 5 (``agree5``) or 7 (``agree7``) strongly agree.
    by : str or list of str, optional
        Segment columns (team, site …), after the question.
    confidence : float
        Level of the Wilson interval.
    scale : {"agree5", "agree7"}
        The scale (:data:`carelib.scales.SCALES`): "agree" is 4–5 on ``agree5``, 5–7 on ``agree7``;
        a score outside it raises ``DataError``.
    question : str or None
        Column naming the statement; results are per question when the data has it (``None``:
        all statements pooled).
    min_n : int
        Groups with fewer answers keep their row with ``rate``/``ci_*`` blank and a ``note``.

    Returns
    -------
    DataFrame
        ``question`` (when present) and the ``by`` columns, then ``n, agree, rate, ci_low,
        ci_high, missing, note``: ``agree`` the answers in the agree box, ``rate = agree / n``
        (0…1).

    Notes
    -----
    The top-box ("agree or strongly agree") share; neutral answers count as not agreeing.
    The Wilson score interval ``(p̂ + z²/2n ± z·sqrt(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)``.
    Each row counts answers; when one person answers a statement once, answers are people.

    References
    ----------
    Likert, R. (1932). A technique for the measurement of attitudes. Archives of Psychology
    140. Wilson, E. B. (1927). JASA 22, 209–212.

    Examples
    --------
    >>> d = pd.DataFrame({"question": ["Q1"] * 5 + ["Q2"] * 5, "score": [5, 4, 3, 2, 4, 1, 2, 5, 3, 3]})
    >>> agreement_rate(d)[["question", "n", "agree", "rate"]].values.tolist()
    [['Q1', 5, 3, 0.6], ['Q2', 5, 1, 0.2]]
    """
    if scale not in AGREEMENT:
        raise ParameterError(f"scale must be one of {', '.join(AGREEMENT)}, got {scale!r}")
    sc = SCALES[scale]
    keys = keys_of(by)
    if question is not None and question in nw.from_native(data).columns and question not in keys:
        keys = [question, *keys]
    out = _box(data, score, keys, sc.low, sc.high, sc.box, confidence, min_n, with_mean=False, func="agreement_rate")
    out = out.rename(columns={"successes": "agree", "share": "rate"})
    if keys:
        out = out.sort_values(keys, ignore_index=True)
    out[["n", "agree"]] = out[["n", "agree"]].astype("int64")
    return out[[*keys, "n", "agree", "rate", "ci_low", "ci_high", "missing", "note"]]


def ratings(data: Any, rating: str = "rating", by: str | list[str] | None = None, confidence: float = 0.95,
            *, prior_weight: float | None = None, min_n: int = 1, low: int = 1, high: int = 5) -> pd.DataFrame:
    """Star ratings per group: mean with t interval, counts per star, and a Bayesian average for ranking.

    The Bayesian average ``(C·m + Σ stars) / (C + n)`` shrinks items with few ratings toward
    the overall mean ``m``; ``C`` (``prior_weight``) defaults to the median number of ratings
    per group. Rank items by it; report the mean with its interval.

    Parameters
    ----------
    data : DataFrame-like
        Ratings (pandas, polars, DuckDB relation, PySpark …).
    rating : str
        Column of whole stars from ``low`` to ``high``.
    by : str or list of str, optional
        Group columns (product, store …).
    confidence : float
        Level of the t interval of the mean.
    prior_weight : float, optional
        ``C`` of the Bayesian average, in ratings (>= 0); default the median ratings per group.
    min_n : int
        Groups with fewer ratings keep their row with ``mean``/``ci_*`` blank and a ``note``.
    low, high : int
        The star scale.

    Returns
    -------
    DataFrame
        Group columns, then ``n, mean, ci_low, ci_high, bayes_avg``, one ``stars_<v>`` count per
        star value, ``missing`` and ``note``.

    Examples
    --------
    >>> d = pd.DataFrame({"item": ["a"] * 50 + ["b"] * 2, "rating": [4, 5] * 25 + [5, 5]})
    >>> ratings(d, by="item", prior_weight=10).round(2)[["item", "n", "mean", "bayes_avg"]].values.tolist()
    [['a', 50, 4.5, 4.5], ['b', 2, 5.0, 4.6]]
    """
    keys = keys_of(by)
    z_value(confidence)
    check.positive_int("min_n", min_n)
    if prior_weight is not None:
        check.number("prior_weight", prior_weight)
    t = tally_scale_keys(data, rating, keys, low, high, "ratings")
    mean, mlo, mhi = mean_from_counts(t, low, high, confidence)
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
