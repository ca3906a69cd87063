"""Customer journeys: which stage each event belongs to, and where care breaks for each segment.

Stages and the mapping of workspace events to them live in YAML
(``carelib/resources/journey_stages.yml``: discover, buy, deliver, use, get help,
renew/leave by default). :func:`journey_events` turns the workspace tables into one event
table (``customer_id, at, stage, source, problem``). :func:`stage_rates` counts, per segment
and stage, the customers who reached the stage and the care problems there (complaints,
tickets, recoveries mapped to it) per 100 customers of the segment, with exact Poisson
intervals; each segment's rate is tested against the rest of the customers (exact
conditional rate-ratio test, Benjamini–Hochberg over all segment × stage cells).
:func:`where_care_breaks` keeps, per segment, the stage with the largest significant excess.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from carelib.errors import DataError, ParameterError
from carelib.metrics.intervals import garwood, rate_ratio
from carelib.metrics.multiple_testing import benjamini_hochberg

__all__ = ["load_stages", "journey_events", "stage_rates", "where_care_breaks", "needs_by_segment", "opportunities",
           "stage_of", "stage_themes"]


#: columns of :func:`stage_rates` and :func:`needs_by_segment`, also when they find nothing
RATE_COLUMNS = ["segment", "stage", "customers", "exposure", "reached", "problems", "rate", "ci_low", "ci_high",
                "rest_rate", "ratio", "p_value", "q_value", "significant", "note"]
NEED_COLUMNS = ["segment", "code", "texts", "with_code", "share", "rest_share", "rr", "ci_low", "ci_high", "q_value",
                "quotes"]


@cache
def _builtin() -> str:
    return resources.files("carelib").joinpath("resources/journey_stages.yml").read_text(encoding="utf-8")


def load_stages(path: str | Path | None = None) -> dict[str, Any]:
    """The stage definition (the packaged one, or a YAML file with ``stages`` and ``sources``)."""
    text = _builtin() if path is None else Path(path).read_text(encoding="utf-8")
    where = "journey_stages.yml" if path is None else Path(path).name
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataError(f"{where}: cannot be read as YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("stages"), list) or not isinstance(doc.get("sources"), list):
        raise DataError(f"{where}: expected 'stages' (a list) and 'sources' (a list of tables)")
    for i, s in enumerate(doc["sources"], start=1):
        if not isinstance(s, dict) or "table" not in s or "time" not in s or not ("stage" in s or "by" in s):
            raise DataError(f"{where} source {i}: expected 'table', 'time' and 'stage' (or 'by' with 'map'), found {s!r}")
        named = [s.get("stage"), *(s.get("map") or {}).values(), s.get("default")]
        unknown = [x for x in named if x is not None and x not in doc["stages"]]
        if unknown:
            raise DataError(f"{where} source {i} ({s['table']}): stage(s) {unknown} are not in stages {doc['stages']}")
    return doc


def journey_events(tables: dict[str, pd.DataFrame], stages: dict[str, Any] | None = None) -> pd.DataFrame:
    """One row per event of the workspace tables present: ``customer_id, at, stage, source, problem``.

    Examples
    --------
    >>> t = {"orders": pd.DataFrame({"customer_id": ["C1"], "ordered_at": ["2026-01-05"]}),
    ...      "complaints": pd.DataFrame({"customer_id": ["C1"], "received_at": ["2026-01-09"], "category": ["delivery"]})}
    >>> journey_events(t)[["customer_id", "stage", "problem"]].values.tolist()
    [['C1', 'buy', False], ['C1', 'deliver', True]]
    """
    stages = stages or load_stages()
    frames = []
    for s in stages["sources"]:
        t = tables.get(s["table"])
        if t is None or len(t) == 0:
            continue
        if "customer_id" not in t.columns or s["time"] not in t.columns:
            raise DataError(f"{s['table']}: journey events need 'customer_id' and {s['time']!r}; found {list(t.columns)}")
        if "by" in s:
            if s["by"] not in t.columns:
                raise DataError(f"{s['table']}: no column {s['by']!r} to map to stages; found {list(t.columns)}")
            stage = t[s["by"]].map(s.get("map") or {}).fillna(s.get("default")) if s.get("default") else \
                t[s["by"]].map(s.get("map") or {})
        else:
            stage = pd.Series(s["stage"], index=t.index)
        frames.append(pd.DataFrame({"customer_id": t["customer_id"], "at": pd.to_datetime(t[s["time"]]),
                                    "stage": stage, "source": s["table"], "problem": bool(s.get("problem", False))}))
    if not frames:
        raise DataError(f"no journey events: none of the tables {[s['table'] for s in stages['sources']]} is present")
    out = pd.concat(frames, ignore_index=True).dropna(subset=["customer_id", "stage"])
    out["stage"] = pd.Categorical(out["stage"], categories=stages["stages"], ordered=True)
    return out.sort_values(["customer_id", "at", "stage"], kind="stable", ignore_index=True)


def stage_rates(events: pd.DataFrame, segments: pd.DataFrame, *, segment: str = "segment", per: float = 100.0,
                confidence: float = 0.95, min_n: int = 30, orders: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per segment × stage: customers reaching it, care problems per ``per`` units of exposure, and the test
    against the rest.

    ``segments`` maps ``customer_id`` to ``segment``; customers with no segment are left out.
    Exposure is the segment's customers, or — with ``orders`` — its orders, so that a segment
    that buys more is not called worse for having more chances to meet a problem. Stages with
    no event at all are left out.

    Parameters
    ----------
    events : DataFrame
        Journey events from :func:`journey_events` (``customer_id, stage, problem``; ``stage``
        categorical in journey order).
    segments : DataFrame
        ``customer_id`` and the ``segment`` column; rows with a missing segment are dropped.
    segment : str
        Column of ``segments`` holding the segment.
    per : float
        Units of exposure the rates are expressed per (default 100).
    confidence : float
        Level of the exact Poisson intervals; ``1 - confidence`` is also the false discovery
        rate for ``significant``.
    min_n : int
        Least exposure, in the segment and in the rest, for a cell to be tested; smaller cells
        are reported with a note and no test.
    orders : DataFrame, optional
        Orders table (``customer_id``); when given, exposure is the segment's orders instead of
        its customers.

    Returns
    -------
    DataFrame
        One row per segment × stage: ``segment, stage, customers, exposure, reached, problems,
        rate, ci_low, ci_high, rest_rate, ratio, p_value, q_value, significant, note``, where
        ``rate``, ``ci_low``, ``ci_high`` and ``rest_rate`` are problems per ``per`` units of
        exposure, ``ratio`` is the segment's rate over the rest's, and ``q_value`` is the
        Benjamini–Hochberg adjusted p-value over all tested cells.
    """
    if segment not in segments.columns or "customer_id" not in segments.columns:
        raise ParameterError(f"segments needs 'customer_id' and {segment!r}; found {list(segments.columns)}")
    seg = segments[["customer_id", segment]].dropna()
    ev = events.merge(seg, on="customer_id", how="inner")
    sizes = seg.groupby(segment, observed=True)["customer_id"].nunique()
    if orders is not None:
        expo = orders[["customer_id"]].merge(seg, on="customer_id").groupby(segment, observed=True).size()
        expo = expo.reindex(sizes.index, fill_value=0)
    else:
        expo = sizes
    total = int(expo.sum())
    problems = ev[ev["problem"]].groupby([segment, "stage"], observed=False).size()
    reached = ev.groupby([segment, "stage"], observed=False)["customer_id"].nunique()
    all_problems = ev[ev["problem"]].groupby("stage", observed=False).size()
    rows = []
    present = [c for c in events["stage"].cat.categories if (events["stage"] == c).any()]
    for (g, stage), k in problems.reindex(pd.MultiIndex.from_product([sizes.index, present]), fill_value=0).items():
        n = int(expo[g])
        k, k_all = int(k), int(all_problems.get(stage, 0))
        lo, hi = garwood(k, confidence)
        rest_n, rest_k = total - n, k_all - k
        small = n < min_n or rest_n < min_n
        test = rate_ratio(k, n, rest_k, rest_n, confidence) if not small and k + rest_k > 0 else None
        rows.append({"segment": g, "stage": stage, "customers": int(sizes[g]), "exposure": n,
                     "reached": int(reached.get((g, stage), 0)),
                     "problems": k, "rate": per * k / n, "ci_low": per * lo[0] / n, "ci_high": per * hi[0] / n,
                     "rest_rate": per * rest_k / rest_n if rest_n else np.nan,
                     "ratio": test["ratio"] if test else np.nan, "p_value": test["p_value"] if test else np.nan,
                     "note": f"n too small ({n} < {min_n})" if small else ""})
    out = pd.DataFrame(rows, columns=[c for c in RATE_COLUMNS if c not in ("q_value", "significant")])
    tested = out["p_value"].notna()
    out["q_value"] = np.nan
    if tested.any():
        out.loc[tested, "q_value"] = benjamini_hochberg(out.loc[tested, "p_value"].to_numpy())
    out["significant"] = (tested & (out["q_value"] < 1 - confidence)).astype(bool)
    return out[RATE_COLUMNS]


def where_care_breaks(rates: pd.DataFrame) -> pd.DataFrame:
    """Per segment, the stage whose problem rate is most above the rest's (significant excesses only)."""
    up = rates[rates["significant"] & (rates["ratio"] > 1)]
    if up.empty:
        return rates.iloc[0:0].reset_index(drop=True)
    top = up.sort_values(["segment", "ratio"], ascending=[True, False], kind="stable").groupby("segment").head(1)
    return top.reset_index(drop=True)


def needs_by_segment(coded: pd.DataFrame, texts: pd.DataFrame, *, segment: str = "segment", id: str = "text_id",
                     confidence: float = 0.95, min_n: int = 30, quotes: int = 2,
                     redact: Any = None) -> pd.DataFrame:
    """Codes over-represented in a segment's texts relative to the rest, with intervals, BH control and verbatims.

    ``texts`` has ``id, text, segment``; ``coded`` has ``id, code, confidence`` (from
    :func:`carelib.qual.coding.auto_code`). For every code, the share of the segment's texts with it
    against the share of the other texts: relative risk with Katz's interval
    (:func:`carelib.analysis.drivers.relative_risk`), q-values over all code × segment pairs. Only
    significant excesses are returned, each with up to ``quotes`` verbatims (the most confident
    codings; redacted with ``redact`` when given).

    Parameters
    ----------
    coded : DataFrame
        Codings: ``id, code, confidence``, one row per text × code.
    texts : DataFrame
        ``id, text`` and the ``segment`` column; texts with no segment are left out.
    segment : str
        Column of ``texts`` holding the segment.
    id : str
        Column joining ``texts`` and ``coded``.
    confidence : float
        Level of the intervals; ``1 - confidence`` is also the false discovery rate.
    min_n : int
        Least texts in the segment, and in the rest, for a code × segment pair to be tested.
    quotes : int
        Most verbatims kept per returned row (distinct texts, most confident coding first).
    redact : callable, optional
        Applied to each verbatim (e.g. :meth:`carelib.text.redact.Redactor.redact`); default
        leaves the text as it is.

    Returns
    -------
    DataFrame
        Significant excesses only (relative risk above 1, ``q_value < 1 - confidence``; no row,
        with the same columns, when none is), sorted
        by segment then descending ``rr``: ``segment, code, texts, with_code, share, rest_share,
        rr, ci_low, ci_high, q_value, quotes`` — ``texts`` the segment's texts, ``with_code``
        those with the code, ``share``/``rest_share`` the shares in the segment and the rest,
        ``quotes`` a list of str.
    """
    from carelib.analysis.drivers import relative_risk

    for col in (id, "text", segment):
        if col not in texts.columns:
            raise ParameterError(f"texts need column {col!r}; found {list(texts.columns)}")
    t = texts[[id, "text", segment]].dropna(subset=[segment]).copy()
    t[segment] = t[segment].astype(str)
    rows = []
    for code, g in coded.groupby("code", sort=True):
        flag = t.assign(has=t[id].isin(set(g[id])))
        rr = relative_risk(flag, "has", segment, confidence=confidence, min_n=min_n)
        rows.append(rr.assign(code=code))
    if not rows:
        return pd.DataFrame(columns=NEED_COLUMNS)
    allr = pd.concat(rows, ignore_index=True)
    tested = allr["p_value"].notna()
    allr.loc[tested, "q_value"] = benjamini_hochberg(allr.loc[tested, "p_value"].to_numpy())
    sig = allr[tested & (allr["q_value"] < 1 - confidence) & (allr["rr"] > 1)]
    out = []
    clean = redact or (lambda x: x)
    for r in sig.itertuples():
        members = t[t[segment] == r.level]
        best = coded[(coded["code"] == r.code) & coded[id].isin(set(members[id]))].sort_values(
            "confidence", ascending=False, kind="stable")
        ranked = members.set_index(id).loc[best[id].drop_duplicates(), "text"].map(clean)
        said = list(dict.fromkeys(ranked))[:quotes]  # distinct verbatims, most confident first
        out.append({"segment": r.level, "code": r.code, "texts": r.exposed, "with_code": r.outcomes_exposed,
                    "share": r.risk_exposed, "rest_share": r.risk_unexposed, "rr": r.rr, "ci_low": r.ci_low,
                    "ci_high": r.ci_high, "q_value": r.q_value, "quotes": said})
    res = pd.DataFrame(out, columns=NEED_COLUMNS)  # the same columns when no need is significant
    return res.sort_values(["segment", "rr"], ascending=[True, False], kind="stable", ignore_index=True)


def opportunities(breaks: pd.DataFrame, needs: pd.DataFrame, sizes: pd.Series) -> pd.DataFrame:
    """One line per segment a product team can act on: stage, problem, affected customers, evidence.

    Parameters
    ----------
    breaks : DataFrame
        Where care breaks, from :func:`where_care_breaks` (``segment, stage, rate, rest_rate,
        ratio, q_value``); the first row of a segment is used.
    needs : DataFrame
        Over-represented codes, from :func:`needs_by_segment` (``segment, code, share,
        rest_share, rr, ci_low, ci_high, quotes``); the first row of a segment is used.
    sizes : Series
        Customers per segment, indexed by segment; sets the order of the rows and ``customers``.

    Returns
    -------
    DataFrame
        ``segment, stage, problem, customers, evidence``, one row per segment with a break or a
        need (others are left out); ``stage`` or ``problem`` is ``""`` when the segment has only
        the other, and ``evidence`` joins the rate comparison, the code share and a first
        verbatim with ``" · "``.
    """
    rows = []
    for seg in sizes.index:
        b = breaks[breaks["segment"].astype(str) == str(seg)] if "segment" in breaks.columns else breaks.iloc[0:0]
        n = needs[needs["segment"].astype(str) == str(seg)] if "segment" in needs.columns else None
        if b.empty and (n is None or n.empty):
            continue
        if b.empty:
            b = pd.DataFrame()
        stage = str(b["stage"].iloc[0]) if len(b) else ""
        top = n.iloc[0] if n is not None and len(n) else None
        evidence = []
        if len(b):
            evidence.append(f"{b['rate'].iloc[0]:.1f} problems per 100 vs {b['rest_rate'].iloc[0]:.1f} for the rest "
                            f"(ratio {b['ratio'].iloc[0]:.2f}, q = {b['q_value'].iloc[0]:.2g})")
        if top is not None:
            evidence.append(f"“{top['code']}” in {top['share']:.0%} of their texts vs {top['rest_share']:.0%} "
                            f"(RR {top['rr']:.2f}, {top['ci_low']:.2f} to {top['ci_high']:.2f})")
            if top["quotes"]:
                evidence.append(f"“{top['quotes'][0]}”")
        rows.append({"segment": seg, "stage": stage, "problem": top["code"] if top is not None else "",
                     "customers": int(sizes[seg]), "evidence": " · ".join(evidence)})
    return pd.DataFrame(rows, columns=["segment", "stage", "problem", "customers", "evidence"])


def stage_of(table: str, frame: pd.DataFrame, stages: dict[str, Any] | None = None) -> pd.Series:
    """The journey stage of each row of a workspace table, by the stage map (NaN where it has none).

    Parameters
    ----------
    table : str
        Name of the workspace table (``"complaints"``, ``"tickets"`` …) as in the stage
        definition's ``sources``.
    frame : DataFrame
        The table's rows; needs the source's ``by`` column when its stage is mapped.
    stages : dict, optional
        Stage definition from :func:`load_stages`; default the packaged one.

    Returns
    -------
    Series
        Stage name per row, aligned on ``frame.index``; NaN for rows the map leaves out, and for
        every row when ``table`` is not a source.

    Examples
    --------
    >>> stage_of("orders", pd.DataFrame({"customer_id": ["C1", "C2"]})).tolist()
    ['buy', 'buy']
    """
    stages = stages or load_stages()
    for s in stages["sources"]:
        if s["table"] == table:
            if "by" in s and s["by"] in frame.columns:
                mapped = frame[s["by"]].map(s.get("map") or {})
                return mapped.fillna(s["default"]) if s.get("default") else mapped
            return pd.Series(s.get("stage"), index=frame.index)
    return pd.Series(np.nan, index=frame.index, dtype=object)


def stage_themes(texts: pd.DataFrame, coded: pd.DataFrame, *, segment: str = "segment", id: str = "text_id",
                 top: int = 2) -> pd.DataFrame:
    """The most frequent codes of each segment's texts at each stage: ``segment, stage, code, texts, share``.

    ``texts`` has ``id``, ``stage`` and ``segment``; ``coded`` has ``id`` and ``code``.

    Parameters
    ----------
    texts : DataFrame
        ``id, stage`` and the ``segment`` column; texts missing either are left out.
    coded : DataFrame
        Codings: ``id, code`` (a text × code pair counts once).
    segment : str
        Column of ``texts`` holding the segment.
    id : str
        Column joining ``texts`` and ``coded``.
    top : int
        Codes kept per segment × stage.

    Returns
    -------
    DataFrame
        ``segment, stage, code, texts, share``: ``texts`` is the number of the cell's texts with
        the code and ``share`` that number over the cell's texts; sorted by segment, stage, then
        most frequent code (ties by code name).

    Examples
    --------
    >>> t = pd.DataFrame({"text_id": [1, 2, 3], "stage": ["use"] * 3, "segment": ["A"] * 3})
    >>> c = pd.DataFrame({"text_id": [1, 2, 3, 1], "code": ["slow", "slow", "price", "price"]})
    >>> stage_themes(t, c, top=1).values.tolist()
    [['A', 'use', 'price', 2, 0.6666666666666666]]
    """
    t = texts.dropna(subset=["stage", segment])
    m = coded[[id, "code"]].drop_duplicates().merge(t[[id, "stage", segment]], on=id)
    if m.empty:
        return pd.DataFrame(columns=["segment", "stage", "code", "texts", "share"])
    counts = m.groupby([segment, "stage", "code"]).size().rename("texts").reset_index()
    sizes = t.groupby([segment, "stage"]).size().rename("of").reset_index()
    counts = counts.merge(sizes, on=[segment, "stage"])
    counts["share"] = counts["texts"] / counts["of"]
    counts = counts.sort_values([segment, "stage", "texts", "code"], ascending=[True, True, False, True], kind="stable")
    return counts.groupby([segment, "stage"]).head(top).drop(columns="of").rename(
        columns={segment: "segment"}).reset_index(drop=True)
