"""The demo story's planted truths found by the metric review at scale, the way the demo's review finds them.

Runs the review (``open_review`` and its sections, DuckDB, no tally store) on a generated workspace
(:func:`carelib.demo.scale.make_scale_workspace`; ``--dir`` a 100-unit one) for two periods and prints what it
publishes about them:

- **2026-W24** (window W21–W24, inside North's W20–W27 dip): the segment scan must flag ``region = North``
  below the rest (NPS), and the detractor drivers must name a delivery code;
- **2026-W34** (the W33–W34 double charge): the complaint rate's control chart must put W33 or W34 beyond 3 sigma,
  and billing must be the category whose rise against the weeks before is surest (lowest p, p < 0.001).

Then the service quality review (``service_quality.open_review``, DuckDB: only the window's conversations come back)
for 2026-W21–W24: the skills scorecard must show Team B's rigid refusals at more than twice the rate of A's and C's
(CSAT with and without a rigid refusal is printed: at 100 M it is flagged; the demo's few CSAT answers of four weeks
cannot flag it).

The demo workspace is reviewed the same way first, for comparison.

Usage::

    python benchmarks/planted_at_scale.py --dir /tmp/s100/ws
"""

from __future__ import annotations

import argparse
import os
import time

TODAY = "2027-01-31"


def review(folder: str, period: str, engine: str) -> tuple[list[dict], list]:
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["CARELIB_TODAY"] = TODAY
    from carelib.practices import metric_review as mr
    from carelib.report import findings

    seen: list[dict] = []
    findings.publish = lambda key, value, **kw: seen.append(findings.finding(key, value, **kw))  # type: ignore
    r = mr.open_review(folder, period=period, engine=engine, tally_store=False)
    for name in ("headline", "segments_below", "detractor_drivers"):
        getattr(mr, name)(r)
    tables = [p.frame for p in mr.complaint_rates(r).parts if hasattr(p, "frame")]
    return seen, tables


def found(folder: str, engine: str) -> bool:
    """Print what the review says in the two periods; whether it names each planted truth."""
    ok = True
    for period in ("2026-W24", "2026-W34"):
        t = time.perf_counter()
        seen, tables = review(folder, period, engine)
        keys = [f["key"] for f in seen]
        segs = [k for k in keys if k.startswith("segment.")]
        drivers = [k for k in keys if k.startswith("driver.")]
        chart = next((f for f in tables if {"period", "rule"} <= set(f.columns)), None)
        cats = next((f for f in tables if {"category", "ratio", "p_value"} <= set(f.columns)), None)
        grew = cats[cats["ratio"] > 1].sort_values("p_value") if cats is not None else None
        top = grew.iloc[0] if grew is not None and len(grew) else None  # the surest rise against the weeks before
        beyond = sorted(chart.loc[chart["rule"] == "WE1", "period"].astype(str)) if chart is not None else []
        print(f"  {period} ({time.perf_counter() - t:.0f} s): flagged below the rest {segs}; drivers {drivers}; "
              f"complaint rate beyond 3 sigma in {beyond}; top category "
              f"{None if top is None else (top['category'], round(float(top['ratio']), 1), float(top['p_value']))}")
        if period == "2026-W24":
            ok &= "segment.nps.region.North" in keys and any("delivery" in k for k in drivers)
        else:
            ok &= bool({"2026-W33", "2026-W34"} & set(beyond)) and top is not None and top["category"] == "billing" \
                and float(top["p_value"]) < 0.001
    return ok


def service(folder: str, engine: str) -> bool:
    """Print the skills scorecard's rigid refusals by team and CSAT with and without one; whether Team B stands out."""
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["CARELIB_TODAY"] = TODAY
    from carelib.practices import service_quality as sq
    from carelib.report import findings

    seen: list[dict] = []
    findings.publish = lambda key, value, **kw: seen.append(findings.finding(key, value, **kw))  # type: ignore
    t = time.perf_counter()
    r = sq.open_review(folder, period="2026-W24", weeks=4, engine=engine, tally_store=False)
    card = next(p.frame for p in sq.skills(r).parts if hasattr(p, "frame")).set_index("team")
    sq.csat(r)
    rigid = {k: float(v) for k, v in card["rigid"].items()}
    csat = next((f for f in seen if f["key"] == "skills.csat.rigid"), None)
    print(f"  2026-W21..W24 ({time.perf_counter() - t:.0f} s, {len(r.tickets):,} conversations, "
          f"{len(r.messages):,} messages): rigid refusals by team {rigid}; CSAT with vs without a rigid refusal "
          f"{None if csat is None else csat['text']}")
    others = max(v for k, v in rigid.items() if k != "B")
    return rigid.get("B", 0) > 2 * others


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True, help="a generated workspace (carelib demo-data --scale N)")
    ap.add_argument("--demo", default="data/demo", help="the demo workspace, reviewed the same way (pandas)")
    args = ap.parse_args()
    print(f"demo ({args.demo}, pandas):")
    on_demo = found(args.demo, "pandas") & service(args.demo, "pandas")
    print(f"at scale ({args.dir}, DuckDB):")
    at_scale = found(args.dir, "duckdb") & service(args.dir, "duckdb")
    print(f"planted truths named: demo {on_demo}, at scale {at_scale}")


if __name__ == "__main__":
    main()
