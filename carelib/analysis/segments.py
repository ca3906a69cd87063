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
from carelib.metrics.intervals import nps_difference, share_difference
from carelib.metrics.multiple_testing import benjamini_hochberg
from carelib.metrics.tally import keys_of, sum_flags, tally_nps, tally_scale, z_value
from carelib.scales import BOXES

__all__ = ["scan", "METRICS", "customer_features", "Segmentation"]

# metric → (low, high, first score counted as success, last) for box shares on a scale
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
    frame = check.frame_with(data, "scan", [attr, score])
    s = nw.col(score)
    t = sum_flags(frame.select([attr, score]), [attr], {"n": ~s.is_null(), "successes": ~s.is_null() & s})
    return t[[attr, "n", "successes"]]


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
    z_value(confidence)  # checks the level
    alpha = 1 - confidence if alpha is None else float(alpha)
    if not isinstance(min_n, int) or min_n < 1:
        raise ParameterError(f"min_n must be a positive integer, got {min_n!r}")
    parts = []
    for attr in keys_of(by):
        t = _tallies(data, attr, metric, score)
        t[attr] = t[attr].astype(object).where(t[attr].notna(), MISSING)
        t = t.groupby(attr, as_index=False, sort=True).sum()
        total = t.drop(columns=attr).sum()
        n, n0 = t["n"].to_numpy(float), total["n"] - t["n"].to_numpy(float)
        if metric in ("nps", "enps"):
            pro, det = t["promoters"].to_numpy(float), t["detractors"].to_numpy(float)
            res = nps_difference(pro, det, n, total["promoters"] - pro, total["detractors"] - det, n0, confidence)
        else:
            k = t["successes"].to_numpy(float)
            res = share_difference(k, n, total["successes"] - k, n0, confidence)
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
    order = {a: i for i, a in enumerate(keys_of(by))}
    out["_attr"] = out["attribute"].map(order)
    out = out.sort_values(["_attr", "_small", "value", "segment"], kind="stable", na_position="last")
    cols = ["attribute", "segment", "n", "value", "ci_low", "ci_high", "rest_n", "rest_value", "difference",
            "diff_low", "diff_high", "p_value", "q_value", "flag", "note"]
    return out[cols].reset_index(drop=True)


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
