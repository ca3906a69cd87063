"""The metric review's tallies on a generated week-partitioned workspace: carelib on DuckDB vs hand-written SQL.

The workspace is Hearthly at scale (:func:`carelib.demo.scale.make_scale_workspace`; ``--scale 10`` is
10 M survey answers, 3 M orders, 100 k complaints). Two methods, each in a fresh process, median of
``--repeat`` runs, wall time and peak resident memory of that process (``os.wait4``):

- ``carelib-duckdb``: ``load_workspace(folder, engine="duckdb")``; the tables validated by queries
  (:mod:`carelib.data.engines`), then the headline's tallies through the one tally module, on lazy
  frames with the ISO week computed in the engine: NPS and eNPS boxes by week, CSAT/CES/PMF counts
  per score by week, complaints and orders by week, and the first-response histogram (1 minute bins,
  waiting tickets censored) by week from tickets joined to their first agent reply.
- ``duckdb-sql``: the same counts from one hand-written SQL query per tally (``strftime('%G-W%V')``).

Each tally is timed on its own in both methods; every tally's counts are checked equal between the
methods before figures are reported. Usage::

    python benchmarks/metric_review_scale.py --scale 1 --repeat 1      # a quick look
    python benchmarks/metric_review_scale.py --scale 10 --write-docs   # update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
METHODS = ("carelib-duckdb", "duckdb-sql")
SCALES = {"nps": (0, 10), "enps": (0, 10), "csat": (1, 5), "ces": (1, 7), "pmf": (1, 3)}
WEEK = "strftime({c}, '%G-W%V')"


def _digest(frame) -> str:
    """A digest of a tally (sorted rows, integer counts) to check both methods agree."""
    cols = sorted(frame.columns)
    rows = frame[cols].astype(str).sort_values(cols).to_csv(index=False)
    return hashlib.sha256(rows.encode()).hexdigest()[:16]


def _carelib(folder: str) -> tuple[dict, dict]:
    import narwhals as nw

    from carelib.data.engines import with_week_lazy
    from carelib.data.tables import load_workspace
    from carelib.metrics import response_times as rt
    from carelib.metrics import tally

    times, digests = {}, {}
    t0 = time.perf_counter()
    ws = load_workspace(folder, errors="exclude", engine="duckdb")
    answers = with_week_lazy(ws.lazy("responses"), "submitted_at", dated=True)  # as the review's weekly tallies
    complaints = with_week_lazy(ws.lazy("complaints"), "received_at", dated=True)
    orders = with_week_lazy(ws.lazy("orders"), "ordered_at", dated=True)
    times["validate"] = time.perf_counter() - t0
    for survey, (lo, hi) in SCALES.items():
        t = time.perf_counter()
        part = answers.filter(nw.col("survey") == survey)
        if survey in ("nps", "enps"):
            out = tally.tally_nps(part, "score", "week")[["week", "promoters", "passives", "detractors"]]
        else:
            out = tally.tally_scale(part, "score", "week", lo, hi).drop(columns=["n", "missing"])
        times[survey] = time.perf_counter() - t
        digests[survey] = _digest(out)
    for name, frame in (("complaints", complaints), ("orders", orders)):
        t = time.perf_counter()
        out = tally.count_by(frame, "week", "count")
        times[name] = time.perf_counter() - t
        digests[name] = _digest(out)
    t = time.perf_counter()
    tickets, messages = ws.lazy("tickets"), ws.lazy("messages")
    times["validate"] += time.perf_counter() - t
    t = time.perf_counter()
    waits = with_week_lazy(rt.ticket_times_lazy(tickets, messages), "created_at")
    out = rt.tally_durations(waits, "first_response_min", "responded", by="week")
    times["first_response"] = time.perf_counter() - t
    digests["first_response"] = _digest(out.astype({"time": "int64"}))
    return times, digests


def _sql(folder: str) -> tuple[dict, dict]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    times, digests = {}, {}

    def src(table: str) -> str:
        return f"read_parquet('{folder}/{table}/**/*.parquet', hive_partitioning = false)"

    t = time.perf_counter()  # a first read of the columns tallied (carelib's validation reads them too)
    for table, cols in (("responses", "survey, score, submitted_at"), ("complaints", "received_at"),
                        ("orders", "ordered_at"), ("tickets", "ticket_id, created_at, closed_at"),
                        ("messages", "ticket_id, sent_at, author_role")):
        con.sql(f"SELECT {', '.join(f'count({c})' for c in cols.split(', '))} FROM {src(table)}").fetchall()
    times["validate"] = time.perf_counter() - t

    for survey, (lo, hi) in SCALES.items():
        t = time.perf_counter()
        week = WEEK.format(c="submitted_at")
        if survey in ("nps", "enps"):
            q = (f"SELECT {week} AS week, sum((score >= 9)::INT)::BIGINT AS promoters, "
                 f"sum((score BETWEEN 7 AND 8)::INT)::BIGINT AS passives, sum((score <= 6)::INT)::BIGINT AS detractors "
                 f"FROM {src('responses')} WHERE survey = '{survey}' AND submitted_at IS NOT NULL GROUP BY 1")
            out = con.sql(q).df()
        else:
            cols = ", ".join(f"sum((score = {v})::INT)::BIGINT AS score_{v}" for v in range(lo, hi + 1))
            out = con.sql(f"SELECT {week} AS week, {cols} FROM {src('responses')} WHERE survey = '{survey}' "
                          "AND submitted_at IS NOT NULL GROUP BY 1").df()
        times[survey] = time.perf_counter() - t
        digests[survey] = _digest(out)
    for name, column in (("complaints", "received_at"), ("orders", "ordered_at")):
        t = time.perf_counter()
        out = con.sql(f"SELECT {WEEK.format(c=column)} AS week, count(*)::BIGINT AS count FROM {src(name)} "
                      f"WHERE {column} IS NOT NULL GROUP BY 1").df()
        times[name] = time.perf_counter() - t
        digests[name] = _digest(out)
    t = time.perf_counter()  # first agent reply per ticket, censored at the data's end, 1-minute histogram by week
    out = con.sql(f"""
        WITH t AS (SELECT ticket_id, created_at, closed_at FROM {src('tickets')}),
             m AS (SELECT ticket_id, sent_at, author_role FROM {src('messages')}),
             end_ AS (SELECT greatest((SELECT max(created_at) FROM t), (SELECT max(closed_at) FROM t),
                                      (SELECT max(sent_at) FROM m)) AS as_of),
             r AS (SELECT m.ticket_id, min(m.sent_at) AS first_at FROM m JOIN t USING (ticket_id)
                   WHERE m.author_role = 'agent' AND m.sent_at >= t.created_at GROUP BY 1),
             d AS (SELECT {WEEK.format(c="t.created_at")} AS week, r.first_at IS NOT NULL AS responded,
                          ceil(epoch(coalesce(r.first_at, (SELECT as_of FROM end_)) - t.created_at) / 60) AS time
                   FROM t LEFT JOIN r USING (ticket_id))
        SELECT week, time::BIGINT AS time, sum(responded::INT)::BIGINT AS events,
               sum((NOT responded)::INT)::BIGINT AS censored
        FROM d GROUP BY 1, 2""").df()
    times["first_response"] = time.perf_counter() - t
    digests["first_response"] = _digest(out)
    return times, digests


def run_one(method: str, folder: str) -> dict:
    t0 = time.perf_counter()
    times, digests = (_carelib if method == "carelib-duckdb" else _sql)(folder)
    return {"seconds": time.perf_counter() - t0, "times": times, "digests": digests}


def measure(method: str, folder: Path) -> dict:
    proc = subprocess.Popen([sys.executable, __file__, "--one", method, str(folder)], stdout=subprocess.PIPE, cwd=ROOT)
    t0 = time.perf_counter()
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        return {"error": f"exit status {status}"}
    res = json.loads(out)
    res.update(wall=time.perf_counter() - t0, peak_mb=usage.ru_maxrss / 1024)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=10.0, help="scale units (1 = 1 M answers)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default=None, help="where the workspace goes (kept for reuse)")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--one", nargs=2, metavar=("METHOD", "FOLDER"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return
    folder = Path(args.dir or Path(tempfile.gettempdir()) / f"carekit-scale-{args.scale:g}")
    if not (folder / "responses").exists():
        from carelib.demo.scale import make_scale_workspace

        t0 = time.perf_counter()
        make_scale_workspace(folder, scale=args.scale, seed=0)
        print(f"generated {folder} in {time.perf_counter() - t0:.0f} s", flush=True)
    results = {}
    for method in METHODS:
        runs = [measure(method, folder) for _ in range(args.repeat)]
        ok = [r for r in runs if "error" not in r]
        if not ok:
            raise SystemExit(f"{method} failed: {runs[0]['error']}")
        results[method] = {"wall": statistics.median(r["wall"] for r in ok),
                           "seconds": statistics.median(r["seconds"] for r in ok),
                           "peak_mb": statistics.median(r["peak_mb"] for r in ok),
                           "times": {k: statistics.median(r["times"][k] for r in ok) for k in ok[0]["times"]},
                           "digests": ok[0]["digests"]}
    a, b = results["carelib-duckdb"], results["duckdb-sql"]
    differ = [k for k in a["digests"] if a["digests"][k] != b["digests"][k]]
    if differ:
        raise SystemExit(f"tallies differ between carelib and SQL: {differ}")
    lines = ["| tally | carelib on DuckDB (s) | hand-written SQL (s) | vs SQL |", "|---|---:|---:|---:|"]
    for k in a["times"]:
        sql = b["times"][k]
        ratio = f"{a['times'][k] / sql:.2f}x" if sql else "–"
        lines.append(f"| {k} | {a['times'][k]:.2f} | {sql:.2f} | {ratio} |")
    lines.append(f"| in-process total | {a['seconds']:.2f} | {b['seconds']:.2f} | {a['seconds'] / b['seconds']:.2f}x |")
    lines.append(f"| **whole process** (wall, imports included) | {a['wall']:.2f} | {b['wall']:.2f} | "
                 f"{a['wall'] / b['wall']:.2f}x |")
    lines.append(f"| peak RSS (MB) | {a['peak_mb']:.0f} | {b['peak_mb']:.0f} | |")
    table = "\n".join(lines)
    print(table)
    if args.write_docs:
        from _docs import write_section

        n = int(args.scale * 1_000_000)
        body = (f"## Metric review tallies at scale (`benchmarks/metric_review_scale.py`)\n\n"
                f"The headline's tallies on Hearthly at scale {args.scale:g} ({n:,} survey answers, week-partitioned "
                f"Parquet from `carelib.demo.scale`): carelib on DuckDB (`load_workspace(engine=\"duckdb\")`: tables "
                f"validated by queries, ISO weeks and counts in the engine) against hand-written DuckDB SQL for the "
                f"same counts. Fresh process per run, median of {args.repeat}; every tally's counts checked equal. "
                f"`validate` is carelib's contract check by queries; on the SQL side it is a first read of the "
                f"columns tallied (a count of each), which carelib's check also pays, so the tallies compare warm "
                f"with warm. 2 cores, 24 GiB.\n\n{table}\n\n")
        write_section("metric_review_scale", body, keep_reading=True)


if __name__ == "__main__":
    main()
