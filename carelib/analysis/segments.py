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

from carelib import checks as check
from carelib.errors import DataError, ParameterError
from carelib.metrics.distributions import norm_sf
from carelib.metrics.intervals import nps_difference, share_difference
from carelib.metrics.multiple_testing import benjamini_hochberg
from carelib.metrics.tally import collect, keys_of, sum_flags, tally_nps, tally_scale, z_value
from carelib.scales import BOXES

__all__ = ["scan", "enps_by_segment", "respondent_column", "METRICS", "SCAN_COLUMNS", "RESPONDENT_COLUMNS",
           "customer_features", "Segmentation"]

# metric → (low, high, first score counted as success, last) for box shares on a scale
METRICS = ("nps", "enps", *BOXES, "proportion")
MISSING = "(missing)"
#: who answered, in order of preference (``"auto"``): the first present with a value
RESPONDENT_COLUMNS = ("respondent_id", "customer_id")
SCAN_COLUMNS = ["attribute", "segment", "n", "answers", "value", "ci_low", "ci_high", "rest_n", "rest_value",
                "difference", "diff_low", "diff_high", "p_value", "q_value", "flag", "method", "note"]


def _tallies(data: Any, keys: list[str], metric: str, score: str) -> pd.DataFrame:
    """Per group of ``keys``: n, and the counts the metric needs (promoters/detractors or successes)."""
    if metric in ("nps", "enps"):
        t = tally_nps(data, score, keys)
        return t[[*keys, "n", "promoters", "detractors"]]
    if metric in BOXES:
        low, high, a, b = BOXES[metric]
        t = tally_scale(data, score, keys, low, high)
        t["successes"] = t[[f"score_{v}" for v in range(a, b + 1)]].sum(axis=1)
        return t[[*keys, "n", "successes"]]
    frame = check.frame_with(data, "scan", [*keys, score])
    s = nw.col(score)
    t = sum_flags(frame.select([*keys, score]), keys, {"n": ~s.is_null(), "successes": ~s.is_null() & s})
    return t[[*keys, "n", "successes"]]


def respondent_column(data: Any, respondent: str | None = "auto") -> str | None:
    """The column naming who answered: ``respondent_id``, else ``customer_id``, when present and not all empty.

    Parameters
    ----------
    data : DataFrame-like
        The answers (any narwhals engine).
    respondent : str or None
        ``"auto"`` (the rule above), a column name (checked to exist), or ``None`` (every row
        is its own respondent).

    Returns
    -------
    str or None
        The column, or ``None`` when answers cannot be tied to people (all anonymous).

    Examples
    --------
    >>> respondent_column(pd.DataFrame({"customer_id": [None, None], "score": [9, 3]})) is None
    True
    >>> respondent_column(pd.DataFrame({"respondent_id": ["a", "a"], "customer_id": ["x", "y"]}))
    'respondent_id'
    """
    if respondent is None:
        return None
    frame = nw.from_native(data)
    columns = list(frame.columns)
    if respondent != "auto":
        if respondent not in columns:
            raise ParameterError(f"respondent: expected a column of the answers, found {respondent!r}; "
                                 f"columns are {columns}")
        return respondent
    for col in RESPONDENT_COLUMNS:
        if col in columns:
            known = sum_flags(frame.select(col), [], {"known": ~nw.col(col).is_null()})
            if int(known["known"].iloc[0]) > 0:
                return col
    return None


def _cluster_sums(data: Any, attr: str, metric: str, score: str, who: str | None) -> pd.DataFrame:
    """Per level of ``attr``: the sufficient statistics of a ratio estimator over respondents (clusters).

    Each respondent ``i`` contributes ``y_i`` (promoters − detractors, or successes) over ``m_i``
    answers; the columns are ``k`` (respondents), ``m`` (answers), ``y, yy, ym, mm`` (sums of
    ``y``, ``y²``, ``y·m``, ``m²``) and ``clustered`` (some respondent answered more than once).
    A row without a respondent id is a respondent of its own.
    """
    keys = [attr] if who is None else [attr, who]
    if not isinstance(data, pd.DataFrame) and metric in ("nps", "enps", *BOXES):
        return _cluster_sums_in_engine(data, attr, metric, score, who)
    t = _tallies(data, keys, metric, score)
    t = t[t["n"] > 0].copy()
    y = (t["promoters"] - t["detractors"]) if metric in ("nps", "enps") else t["successes"]
    t["y"], t["m"] = y.astype(float), t["n"].astype(float)
    anon = t[who].isna() if who is not None else pd.Series(True, index=t.index)
    # an anonymous row: m = 1 and y in {-1, 0, 1} (NPS) or {0, 1} (share), so y² = |y| row by row
    if metric in ("nps", "enps"):
        row_yy = (t["promoters"] + t["detractors"]).astype(float)
    else:
        row_yy = t["successes"].astype(float)
    t["k"] = np.where(anon, t["m"], 1.0)
    t["yy"] = np.where(anon, row_yy, t["y"] ** 2)
    t["ym"] = np.where(anon, t["y"], t["y"] * t["m"])
    t["mm"] = np.where(anon, t["m"], t["m"] ** 2)
    t["clustered"] = ~anon & (t["m"] > 1)
    t[attr] = t[attr].astype(object).where(t[attr].notna(), MISSING)
    return t.groupby(attr, as_index=False, sort=True)[["k", "m", "y", "yy", "ym", "mm", "clustered"]].sum()


def _cluster_sums_in_engine(data: Any, attr: str, metric: str, score: str, who: str | None) -> pd.DataFrame:
    """:func:`_cluster_sums` computed where ``data`` lives: the tally per (level, respondent) and its sums per level
    both in the engine, so a few rows come back rather than one per respondent. Same numbers (integer sums)."""
    low, high, a, b = (0, 10, 9, 10) if metric in ("nps", "enps") else BOXES[metric]
    frame = check.frame_with(data, "scan", [attr, score, *([who] if who else [])])
    check.numeric_column(data, frame, score, f"an integer {low}-{high}",  # as the tallies of the pandas path say
                         "tally_nps" if metric in ("nps", "enps") else "tally_scale")
    s = nw.col(score).cast(nw.Float64)
    present = ~s.is_null()
    one, zero = nw.lit(1, nw.Int64), nw.lit(0, nw.Int64)
    flag = lambda e: nw.when(e).then(one).otherwise(zero)  # noqa: E731
    good = present & (s >= a) & (s <= b)
    rows = {"m": flag(present), "good": flag(good), "bad": flag(present & ((s < low) | (s > high) | (s != s.round(0))))}
    if metric in ("nps", "enps"):
        rows["poor"] = flag(present & (s <= 6))
    keys = [attr] if who is None else [attr, who]
    g = frame.select(*keys, **rows).group_by(keys).agg(*[nw.col(c).sum().cast(nw.Int64) for c in rows])
    g = g.filter(nw.col("m") > 0)  # a score out of its scale is present: its group stays, its count below
    m = nw.col("m").cast(nw.Float64)
    y = (nw.col("good") - nw.col("poor") if "poor" in rows else nw.col("good")).cast(nw.Float64)
    absy = (nw.col("good") + nw.col("poor") if "poor" in rows else nw.col("good")).cast(nw.Float64)
    anon = nw.col(who).is_null() if who is not None else nw.lit(True)
    per = g.select(attr, m.alias("m"), y.alias("y"),
                   nw.when(anon).then(m).otherwise(nw.lit(1.0)).alias("k"),
                   nw.when(anon).then(absy).otherwise(y * y).alias("yy"),
                   nw.when(anon).then(y).otherwise(y * m).alias("ym"),
                   nw.when(anon).then(m).otherwise(m * m).alias("mm"),
                   nw.when(~anon & (m > 1)).then(one).otherwise(zero).alias("clustered"), nw.col("bad"))
    sums = ["k", "m", "y", "yy", "ym", "mm", "clustered"]
    t = collect(per.group_by(attr).agg(*[nw.col(c).sum() for c in [*sums, "bad"]]))
    if int(t["bad"].sum()):
        _tallies(data, [attr], metric, score)  # raises the tally's own error on a score out of its scale
    t[attr] = t[attr].astype(object).where(t[attr].notna(), MISSING)
    t = t.groupby(attr, as_index=False, sort=True)[sums].sum()
    t["clustered"] = t["clustered"].astype("int64")
    return t


#: the names :func:`_cluster_sums_sql` gives its own columns
_SQL_NAMES = frozenset({"m", "good", "poor", "bad", "k", "y", "yy", "ym", "mm", "clustered", "known", "people",
                        "_who", "__scan"})
#: the names of every sum and count the scan's paths compute (a data column so named is renamed first)
_INNER_NAMES = _SQL_NAMES | {"n", "promoters", "passives", "detractors", "missing", "successes", "out_of_scale",
                             "attribute", "segment", "__rows", "_rule", "_attr", "_small"} | \
    {f"score_{v}" for v in range(0, 11)}


def _cluster_sums_sql(data: Any, attrs: list[str], metric: str, score: str, who: str | None
                      ) -> dict[str, pd.DataFrame] | None:
    """:func:`_cluster_sums_in_engine` of every attribute in ``attrs`` in one SQL query of the engine (DuckDB or
    Spark): the tally per (level of every attribute, respondent), then each attribute's sums over it with
    ``GROUPING SETS`` — a few rows come back. Valid when every respondent answered from one combination of levels,
    which the same query checks (respondent rows against distinct respondents, counted once in a scalar subquery:
    a distinct count in the select list is made for every grouping set, a third of the query's time); None
    otherwise (a respondent who moved between levels: each attribute then has its own query,
    :func:`_cluster_sums_in_engine`), or on another engine."""
    native = nw.from_native(data)
    impl = native.implementation
    spark = impl.is_pyspark()
    if not (impl is nw.Implementation.DUCKDB or spark) or len(attrs) < 2 or len(set(attrs)) < len(attrs) \
            or who in attrs:  # (a column named as one the query computes was renamed by scan first)
        return None
    low, high, a, b = (0, 10, 9, 10) if metric in ("nps", "enps") else BOXES[metric]
    frame = check.frame_with(data, "scan", [*attrs, score, *([who] if who else [])])
    check.numeric_column(data, frame, score, f"an integer {low}-{high}",
                         "tally_nps" if metric in ("nps", "enps") else "tally_scale")
    q = (lambda c: "`" + c.replace("`", "``") + "`") if spark else (lambda c: '"' + c.replace('"', '""') + '"')
    sc = f"CAST({q(score)} AS DOUBLE)"
    keys = ", ".join(q(c) for c in [*attrs, *([who] if who else [])])
    poor = f"SUM(CASE WHEN {sc} <= 6 THEN 1 ELSE 0 END)" if metric in ("nps", "enps") else "0"
    anon = f"{q(who)} IS NULL" if who else "TRUE"
    y, absy = "(CAST(good AS DOUBLE) - CAST(poor AS DOUBLE))", "(CAST(good AS DOUBLE) + CAST(poor AS DOUBLE))"
    m = "CAST(m AS DOUBLE)"
    grouping = ", ".join(f"GROUPING({q(c)}) AS _g{i}" for i, c in enumerate(attrs))
    sets = ", ".join(f"({q(c)})" for c in attrs)
    sql = f"""
        WITH g AS (
            SELECT {keys}, SUM(CASE WHEN {sc} IS NOT NULL THEN 1 ELSE 0 END) AS m,
                   SUM(CASE WHEN {sc} >= {a} AND {sc} <= {b} THEN 1 ELSE 0 END) AS good, {poor} AS poor,
                   SUM(CASE WHEN {sc} < {low} OR {sc} > {high} OR {sc} <> ROUND({sc}) THEN 1 ELSE 0 END) AS bad
            FROM __scan GROUP BY {keys}
        ), h AS (
            SELECT {", ".join(q(c) for c in attrs)}, {q(who) + " AS _who, " if who else ""}bad,
                   CASE WHEN {anon} THEN {m} ELSE 1.0 END AS k, {m} AS m, {y} AS y,
                   CASE WHEN {anon} THEN {absy} ELSE {y} * {y} END AS yy,
                   CASE WHEN {anon} THEN {y} ELSE {y} * {m} END AS ym,
                   CASE WHEN {anon} THEN {m} ELSE {m} * {m} END AS mm,
                   CASE WHEN {anon} OR m <= 1 THEN 0 ELSE 1 END AS clustered
            FROM g WHERE m > 0
        )
        SELECT {", ".join(q(c) for c in attrs)}, {grouping}, SUM(k) AS k, SUM(m) AS m, SUM(y) AS y, SUM(yy) AS yy,
               SUM(ym) AS ym, SUM(mm) AS mm, SUM(clustered) AS clustered, SUM(bad) AS bad,
               {"COUNT(_who) AS known, (SELECT COUNT(DISTINCT _who) FROM h)" if who else "0 AS known, 0"} AS people
        FROM h GROUP BY GROUPING SETS ({sets}, ())"""
    rel = nw.to_native(frame.select(*attrs, score, *([who] if who else [])))
    if spark:
        name = f"__carelib_scan_{abs(hash((tuple(attrs), score, who))) % 10**9}"
        rel.createOrReplaceTempView(name)
        try:
            res = rel.sparkSession.sql(sql.replace("__scan", name))
            got = res.toArrow().to_pandas() if hasattr(res, "toArrow") else res.toPandas()  # (Spark 4: Arrow)
        finally:
            rel.sparkSession.catalog.dropTempView(name)
    else:
        got = rel.query("__scan", sql).df()
    flags = [f"_g{i}" for i in range(len(attrs))]
    total = got[(got[flags] == 1).all(axis=1)]
    if int(total["bad"].sum()):
        _tallies(data, [attrs[0]], metric, score)  # raises the tally's own error on a score out of its scale
    if who is not None and len(total) and int(total["known"].iloc[0]) != int(total["people"].iloc[0]):
        return None  # a respondent answered from two combinations of levels
    sums = ["k", "m", "y", "yy", "ym", "mm", "clustered"]
    out = {}
    for i, attr in enumerate(attrs):
        part = got.loc[got[f"_g{i}"] == 0, [attr, *sums]].copy()
        part[attr] = part[attr].astype(object).where(part[attr].notna(), MISSING)
        part = part.groupby(attr, as_index=False, sort=True)[sums].sum()
        part[sums[:-1]] = part[sums[:-1]].astype(float)
        part["clustered"] = part["clustered"].astype("int64")
        out[attr] = part
    return out


def _ratio_test(s: pd.DataFrame, total: pd.Series, confidence: float, scale: float) -> dict[str, np.ndarray]:
    """Segment against the rest with cluster-robust (linearised) variances of the two ratio estimates.

    ``R = Σy / Σm`` and ``Var(R) = k/(k−1) · Σ(y_i − R·m_i)² / (Σm)²`` (Cochran 1977, §6.9; the
    sandwich estimator of a mean with clustered observations); segment and rest are independent
    sets of respondents, so ``z = (R₁ − R₀) / sqrt(Var₁ + Var₀)``.
    """
    z = z_value(confidence)
    parts = {}
    for side, f in (("seg", s), ("rest", {c: total[c] - s[c].to_numpy(float) for c in ("k", "m", "y", "yy", "ym", "mm")})):
        k, m, y, yy, ym, mm = (np.asarray(f[c], dtype=float) for c in ("k", "m", "y", "yy", "ym", "mm"))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = y / m
            ss = np.maximum(yy - 2 * r * ym + r**2 * mm, 0.0)
            var = np.where(k > 1, k / (k - 1) * ss / m**2, np.nan)
        parts[side] = (r, var)
    (r1, v1), (r0, v0) = parts["seg"], parts["rest"]
    with np.errstate(invalid="ignore", divide="ignore"):
        se1, se = np.sqrt(v1), np.sqrt(v1 + v0)
        zz = (r1 - r0) / se
    lo, hi = (-1.0, 1.0) if scale == 100 else (0.0, 1.0)
    return {"value": scale * r1, "ci_low": scale * np.clip(r1 - z * se1, lo, hi),
            "ci_high": scale * np.clip(r1 + z * se1, lo, hi), "rest_value": scale * r0,
            "difference": scale * (r1 - r0), "diff_low": scale * (r1 - r0 - z * se),
            "diff_high": scale * (r1 - r0 + z * se), "p_value": 2 * norm_sf(np.abs(zz))}


def scan(data: Any, by: str | list[str], metric: str = "nps", score: str = "score", confidence: float = 0.95,
         *, min_n: int = 30, alpha: float | None = None, respondent: str | None = "auto") -> pd.DataFrame:
    """Each segment of each attribute in ``by`` against the rest of the data, for one metric.

    Parameters
    ----------
    data : DataFrame-like
        The answers (any narwhals engine).
    by : str or list of str
        Attribute columns (region, plan, channel …); each level of each is a segment.
    metric : {"nps", "enps", "csat", "ces", "pmf", "agree5", "agree7", "proportion"}
        For ``"proportion"``, ``score`` is a boolean column (e.g. SLA met).
    min_n : int
        Segments with fewer respondents, or whose rest has fewer, are not tested.
    alpha : float, optional
        False discovery rate; default ``1 - confidence``.
    respondent : str or None
        Column naming who answered; ``"auto"`` takes ``respondent_id``, else ``customer_id``
        (:func:`respondent_column`); ``None``: every row is a respondent.

    Returns
    -------
    DataFrame
        :data:`SCAN_COLUMNS`: ``attribute, segment, n`` (respondents), ``answers``, ``value,
        ci_low, ci_high, rest_n, rest_value, difference, diff_low, diff_high, p_value, q_value,
        flag, method, note``. Per attribute, tested segments come first from the lowest value
        up, then the small ones. ``flag`` is ``"below the rest"`` / ``"above the rest"`` when
        ``q_value < alpha``. Values are NPS points or shares (0–1) over the answers.

    Notes
    -----
    **Respondents, not rows.** ``n`` counts respondents: a person is in a segment once, however
    many answers (items, waves) they gave; a row without a respondent id is a respondent of
    its own. When every respondent answered once, the usual independent-sample methods apply
    (NPS: adjusted-Wald interval and z test, Rocks 2016; shares: Wilson interval, Newcombe's
    interval of the difference and the pooled z test), ``method`` says which. When someone
    answered more than once, their answers are not independent: the value stays the share (or
    NPS) over all answers, a ratio estimator ``R = Σy / Σm`` over respondents ``i`` with ``y_i``
    promoters − detractors (or successes) in ``m_i`` answers, and its variance is the
    cluster-robust (linearised) one, ``Var(R) = k/(k−1) · Σ(y_i − R·m_i)² / (Σm)²`` with ``k``
    respondents (Cochran 1977, §6.9; Williams 2000); the test is ``z = (R₁ − R₀) /
    sqrt(Var₁ + Var₀)`` (``method = "cluster-robust"``). A respondent whose attribute changed
    between answers (a team move) counts once in each segment they answered from.

    References
    ----------
    Cochran, W. G. (1977). Sampling Techniques, 3rd ed., §6.9 (ratio estimates in cluster
    samples). Williams, R. L. (2000). A note on robust variance estimation for
    cluster-correlated data. Biometrics 56, 645–646.

    Examples
    --------
    >>> d = pd.DataFrame({"region": ["N"] * 100 + ["S"] * 100 + ["E"] * 100 + ["W"] * 5,
    ...                   "score": [0] * 60 + [10] * 40 + ([0] * 20 + [10] * 80) * 2 + [10] * 5})
    >>> scan(d, "region", min_n=30)[["segment", "n", "flag"]].values.tolist()
    [['N', 100, 'below the rest'], ['E', 100, 'above the rest'], ['S', 100, 'above the rest'], ['W', 5, 'n too small']]
    """
    if metric not in METRICS:
        raise ParameterError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    z_value(confidence)  # checks the level
    alpha = 1 - confidence if alpha is None else float(alpha)
    if not isinstance(min_n, int) or min_n < 1:
        raise ParameterError(f"min_n must be a positive integer, got {min_n!r}")
    who = respondent_column(data, respondent)
    attrs = keys_of(by)
    # a column named as a sum the scan computes (``m``, ``k``, ``n`` ...) is scanned under a name of its own
    inner = {c: f"__seg_col{i}" for i, c in enumerate(dict.fromkeys([*attrs, score, *([who] if who else [])]))
             if c in _INNER_NAMES or str(c).startswith(("_g", "__scan"))}
    if inner:
        data = nw.to_native(nw.from_native(data).rename(inner))
        named = {v: k for k, v in inner.items()}
        got = scan(data, [inner.get(a, a) for a in attrs], metric, inner.get(score, score), confidence, min_n=min_n,
                   alpha=alpha, respondent=inner.get(who, who) if who else None)
        return got.assign(attribute=got["attribute"].map(lambda a: named.get(a, a)))
    together = None
    if not isinstance(data, pd.DataFrame) and metric in ("nps", "enps", *BOXES):  # every attribute in one query
        together = _cluster_sums_sql(data, attrs, metric, score, who)
    parts = [_scan_attribute(data, attr, metric, score, confidence, min_n, who,
                             together[attr] if together is not None else None) for attr in attrs]
    if not parts:
        return pd.DataFrame(columns=SCAN_COLUMNS)
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
    order = {a: i for i, a in enumerate(keys_of(by))}
    out["_attr"] = out["attribute"].map(order)
    out = out.sort_values(["_attr", "_small", "value", "segment"], kind="stable", na_position="last")
    return out[SCAN_COLUMNS].reset_index(drop=True)


def _scan_attribute(data: Any, attr: str, metric: str, score: str, confidence: float, min_n: int,
                    who: str | None, sums: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows of :func:`scan` for one attribute (without ``q_value`` and ``flag``); ``sums``: its
    :func:`_cluster_sums` when already counted."""
    c = _cluster_sums(data, attr, metric, score, who) if sums is None else sums
    total = c.drop(columns=attr).sum()
    nps_like = metric in ("nps", "enps")
    if bool(total["clustered"]):
        res, method = _ratio_test(c, total, confidence, 100.0 if nps_like else 1.0), "cluster-robust"
    else:  # one answer per respondent: y = promoters − detractors (or successes), yy = promoters + detractors
        n, n0 = c["m"].to_numpy(float), total["m"] - c["m"].to_numpy(float)
        if nps_like:
            pro, det = (c["yy"] + c["y"]).to_numpy(float) / 2, (c["yy"] - c["y"]).to_numpy(float) / 2
            res = nps_difference(pro, det, n, (total["yy"] + total["y"]) / 2 - pro,
                                 (total["yy"] - total["y"]) / 2 - det, n0, confidence)
            method = "adjusted-wald"
        else:
            k = c["y"].to_numpy(float)
            res, method = share_difference(k, n, total["y"] - k, n0, confidence), "wilson-newcombe"
    part = pd.DataFrame({"attribute": attr, "segment": c[attr].astype(str), "n": c["k"].astype("int64"),
                         "answers": c["m"].astype("int64"),
                         **{key: res[key] for key in ("value", "ci_low", "ci_high")},
                         "rest_n": (total["k"] - c["k"]).astype("int64"),
                         **{key: res[key] for key in ("rest_value", "difference", "diff_low", "diff_high", "p_value")},
                         "method": method})
    small = (part["n"] < min_n) | (part["rest_n"] < min_n)
    part.loc[small, ["value", "ci_low", "ci_high", "difference", "diff_low", "diff_high", "p_value"]] = np.nan
    part["note"] = np.where(small, [f"n too small ({a} respondents, {b} in the rest; minimum {min_n})"
                                    for a, b in zip(part["n"], part["rest_n"], strict=True)], "")
    return part


def enps_by_segment(data: Any, by: str | list[str], score: str = "score", confidence: float = 0.95, *,
                    min_n: int = 10, alpha: float | None = None, respondent: str | None = "auto",
                    survey: str = "enps") -> pd.DataFrame:
    """eNPS per team, site, tenure band …: each segment's eNPS with its interval, against the rest, FDR-controlled.

    The staff-survey form of :func:`scan` (``metric="enps"``): answers of ``survey`` only when
    the data has a ``survey`` column; anonymous answers (no ``respondent_id``, empty
    ``customer_id``) are one respondent per row.

    Parameters
    ----------
    data : DataFrame-like
        Staff answers (any narwhals engine) with the 0–10 ``score`` and the ``by`` columns.
    by : str or list of str
        Segment columns.
    score : str
        The 0–10 score column.
    confidence : float
        Level of the intervals; ``alpha`` defaults to ``1 - confidence``.
    min_n : int
        Least respondents in a segment (and in the rest) to show and test its eNPS: staff
        surveys usually report no group under 10 people, for anonymity as much as precision.
    alpha : float, optional
        Benjamini–Hochberg false discovery rate over every segment tested.
    respondent : str or None
        See :func:`scan`.
    survey : str
        Value of the ``survey`` column kept, when there is one.

    Returns
    -------
    DataFrame
        :data:`SCAN_COLUMNS`, ``value`` the segment's eNPS in points (% promoters − % detractors)
        with ``ci_low``/``ci_high`` (adjusted-Wald, or cluster-robust when people answered more
        than once).

    Examples
    --------
    >>> d = pd.DataFrame({"team": ["ops"] * 20 + ["it"] * 20, "customer_id": None,
    ...                   "score": [10] * 10 + [8] * 3 + [2] * 7 + [10] * 4 + [8] * 8 + [2] * 8})
    >>> enps_by_segment(d, "team")[["segment", "n", "value", "method"]].values.tolist()
    [['it', 20, -20.0, 'adjusted-wald'], ['ops', 20, 15.0, 'adjusted-wald']]
    """
    frame = nw.from_native(data)
    if "survey" in frame.columns:
        data = nw.to_native(frame.filter(nw.col("survey") == survey))
    return scan(data, by, metric="enps", score=score, confidence=confidence, min_n=min_n, alpha=alpha,
                respondent=respondent)


# --------------------------------------------------------------------------- behavioural segments

FEATURES = ["recency_days", "orders_12m", "spend_12m", "tenure_days"]


def customer_features(customers: pd.DataFrame, orders: pd.DataFrame, as_of: Any = None) -> pd.DataFrame:
    """Recency, frequency and monetary value (last 12 months) and tenure per customer, plus their attributes.

    Customers with no order have ``orders_12m = 0``, ``spend_12m = 0`` and recency counted from
    their first appearance. ``as_of`` defaults to the latest order.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id, first_seen`` and any attributes (kept as they are); customers first
        seen after ``as_of`` are left out.
    orders : DataFrame
        ``customer_id, ordered_at, amount``.
    as_of : date-like, optional
        Date the features are computed at (anything :class:`pandas.Timestamp` reads); default
        the latest ``ordered_at``.

    Returns
    -------
    DataFrame
        The columns of ``customers`` plus ``orders_12m`` (int), ``spend_12m`` (sum of
        ``amount``), ``recency_days`` (days since the last order, or since ``first_seen``)
        and ``tenure_days`` (days since ``first_seen``), one row per customer.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["a", "b"], "first_seen": ["2025-01-01", "2026-01-01"]})
    >>> o = pd.DataFrame({"customer_id": ["a", "a"], "ordered_at": ["2025-12-01", "2026-01-31"], "amount": [10.0, 30.0]})
    >>> customer_features(c, o)[["customer_id", "recency_days", "orders_12m", "spend_12m"]].values.tolist()
    [['a', 0.0, 2, 40.0], ['b', 30.0, 0, 0.0]]
    """
    for name, frame, need in (("customers", customers, ["customer_id", "first_seen"]),
                              ("orders", orders, ["customer_id", "ordered_at", "amount"])):
        missing = [c for c in need if c not in frame.columns]
        if missing:
            raise DataError(f"{name}: expected column(s) {missing} for customer features; found {list(frame.columns)}")
    o = orders.assign(ordered_at=pd.to_datetime(orders["ordered_at"]))
    as_of = pd.Timestamp(as_of) if as_of is not None else o["ordered_at"].max()
    recent = o[(o["ordered_at"] > as_of - pd.Timedelta(days=365)) & (o["ordered_at"] <= as_of)]
    agg = recent.groupby("customer_id").agg(orders_12m=("ordered_at", "size"), spend_12m=("amount", "sum"))
    last = o[o["ordered_at"] <= as_of].groupby("customer_id")["ordered_at"].max()
    out = customers.copy()
    first = pd.to_datetime(out["first_seen"])
    out = out[first <= as_of].copy()
    first = first[first <= as_of]
    out["orders_12m"] = out["customer_id"].map(agg["orders_12m"]).fillna(0).astype(int)
    out["spend_12m"] = out["customer_id"].map(agg["spend_12m"]).fillna(0.0)
    seen = out["customer_id"].map(last).fillna(first)
    out["recency_days"] = (as_of - seen).dt.total_seconds() / 86400
    out["tenure_days"] = (as_of - first).dt.total_seconds() / 86400
    return out.reset_index(drop=True)


class Segmentation:
    """Behavioural segments: k-means on standardised log-RFM and tenure, k chosen by silhouette, stability by bootstrap.

    Attributes after :meth:`fit`: ``labels_`` (segment per customer, 1 = largest), ``criterion_`` (silhouette per
    k tried — the stated criterion), ``k_``, ``stability_`` (adjusted Rand index of each bootstrap refit against
    the fitted labels; its median is the headline), ``profiles_`` (one row per segment in plain words).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"recency_days": np.r_[rng.uniform(0, 20, 50), rng.uniform(200, 300, 50)],
    ...                   "orders_12m": np.r_[rng.integers(5, 9, 50), rng.integers(0, 2, 50)],
    ...                   "spend_12m": np.r_[rng.uniform(300, 500, 50), rng.uniform(0, 40, 50)],
    ...                   "tenure_days": rng.uniform(100, 700, 100)})
    >>> m = Segmentation(seed=0, n_boot=5).fit(f)
    >>> m.k_, sorted(np.bincount(m.labels_)[1:].tolist()), bool(m.stability_.median() > 0.9)
    (2, [50, 50], True)
    """

    def __init__(self, k: int | None = None, k_range: tuple[int, int] = (2, 7), seed: int = 0, n_boot: int = 20,
                 sample: int = 5000) -> None:
        self.k, self.k_range, self.seed, self.n_boot, self.sample = k, k_range, seed, n_boot, sample

    def _matrix(self, features: pd.DataFrame) -> np.ndarray:
        missing = [c for c in FEATURES if c not in features.columns]
        if missing:
            raise DataError(f"features lack column(s) {missing}; make them with customer_features")
        x = features[FEATURES].astype(float).to_numpy()
        x = np.column_stack([np.log1p(np.clip(x[:, 0], 0, None)), np.log1p(x[:, 1]), np.log1p(np.clip(x[:, 2], 0, None)),
                             np.log1p(np.clip(x[:, 3], 0, None))])
        return (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1)

    def fit(self, features: pd.DataFrame) -> Segmentation:
        from sklearn.cluster import KMeans
        from sklearn.metrics import adjusted_rand_score, silhouette_score

        if len(features) < 10:
            raise ParameterError(f"segmentation needs at least 10 customers, got {len(features)}")
        x = self._matrix(features)
        rng = np.random.default_rng(self.seed)
        probe = rng.choice(len(x), size=min(self.sample, len(x)), replace=False)  # silhouette is O(n^2): a seeded sample
        ks = [self.k] if self.k else list(range(self.k_range[0], min(self.k_range[1], len(x) - 1) + 1))
        fits, crit = {}, []
        for k in ks:
            km = KMeans(n_clusters=k, n_init=10, random_state=self.seed).fit(x)
            fits[k] = km
            crit.append({"k": k, "silhouette": float(silhouette_score(x[probe], km.labels_[probe]))})
        self.criterion_ = pd.DataFrame(crit)
        self.k_ = int(self.criterion_.sort_values(["silhouette", "k"], ascending=[False, True]).iloc[0]["k"])
        km = fits[self.k_]
        sizes = np.bincount(km.labels_, minlength=self.k_)
        order = np.argsort(-sizes, kind="stable")
        remap = np.empty(self.k_, int)
        remap[order] = np.arange(1, self.k_ + 1)
        self.labels_ = remap[km.labels_]
        self.centres_ = km.cluster_centers_[order]
        aris = []
        for b in range(self.n_boot):
            idx = rng.integers(0, len(x), len(x))
            kb = KMeans(n_clusters=self.k_, n_init=5, random_state=self.seed + b + 1).fit(x[idx])
            aris.append(adjusted_rand_score(self.labels_, kb.predict(x)))
        self.stability_ = pd.Series(aris, name="adjusted_rand", dtype=float)
        self.profiles_ = _profiles(features.assign(segment=self.labels_))
        return self


def _describe(r: pd.Series, med: pd.Series) -> str:
    words = []
    words.append("recent" if r["recency_days"] < 0.5 * med["recency_days"] else
                 "lapsed" if r["recency_days"] > 2 * med["recency_days"] else "")
    words.append("frequent" if r["orders_12m"] > 1.5 * max(med["orders_12m"], 1) else
                 "occasional" if r["orders_12m"] <= 1 else "")
    words.append("high-spend" if r["spend_12m"] > 1.5 * max(med["spend_12m"], 1) else
                 "low-spend" if r["spend_12m"] < 0.5 * med["spend_12m"] else "")
    words.append("new" if r["tenure_days"] < 0.5 * med["tenure_days"] else
                 "long-standing" if r["tenure_days"] > 1.5 * med["tenure_days"] else "")
    return ", ".join(w for w in words if w) or "typical"


def _profiles(frame: pd.DataFrame) -> pd.DataFrame:
    med = frame[FEATURES].median()
    rows = []
    for seg, g in frame.groupby("segment", sort=True):
        m = g[FEATURES].median()
        row = {"segment": int(seg), "customers": len(g), "share": round(len(g) / len(frame), 3),
               "recency_days": round(float(m["recency_days"]), 0), "orders_12m": float(m["orders_12m"]),
               "spend_12m": round(float(g["spend_12m"].mean()), 0), "tenure_days": round(float(m["tenure_days"]), 0),
               "in words": _describe(m, med)}
        for col in ("plan", "channel", "region"):
            if col in g.columns and g[col].notna().any():
                top = g[col].value_counts(normalize=True)
                row[f"top {col}"] = f"{top.index[0]} {top.iloc[0]:.0%}"
        rows.append(row)
    return pd.DataFrame(rows)
