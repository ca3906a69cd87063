"""NPS by segment x week on 10 M and 100 M synthetic responses in Parquet.

Three ways to the same tallies, each timed in a fresh process (median of ``--repeat`` runs,
wall time and peak resident memory of that process, read with ``os.wait4``):

- ``carelib-duckdb``: ``carelib.metrics.survey.nps(duckdb.read_parquet(path), by=["segment", "week"])``
  — the narwhals tally pushed down into DuckDB, inference in pandas.
- ``duckdb-sql``: a hand-written DuckDB SQL query doing the counts, then the same inference.
- ``pandas``: ``pd.read_parquet`` of the three columns, then a pandas groupby.

Every method's counts are checked against the hand-written SQL before timing is reported.
Usage::

    python benchmarks/nps_scale.py                       # 10M and 100M rows, 3 runs each
    python benchmarks/nps_scale.py --rows 1e6 --repeat 1 # a quick look
    python benchmarks/nps_scale.py --write-docs          # also update docs/benchmarks.md

Data is generated once per size with DuckDB into ``--dir`` (default: a temp folder) and
reused; 8 segments x 52 weeks, scores drawn from a fixed distribution (seeded).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("carelib-duckdb", "duckdb-sql", "pandas")
SQL = """
SELECT segment, week, count(score) AS n,
       sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END)::BIGINT AS promoters,
       sum(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END)::BIGINT AS passives,
       sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END)::BIGINT AS detractors
FROM read_parquet('{path}') GROUP BY segment, week ORDER BY segment, week
"""


def generate(path: Path, rows: int, seed: float = 0.42) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed})")
    # score distribution: 0-6 with 20 %, 7-8 with 30 %, 9-10 with 50 % (true NPS +30)
    con.execute(f"""
        COPY (
          SELECT 'segment-' || CAST(floor(random() * 8) AS INT) AS segment,
                 '2026-W' || lpad(CAST(1 + floor(random() * 52) AS INT)::VARCHAR, 2, '0') AS week,
                 CAST(CASE WHEN u < 0.2 THEN floor(u / 0.2 * 7)
                           WHEN u < 0.5 THEN 7 + floor((u - 0.2) / 0.3 * 2)
                           ELSE 9 + floor((u - 0.5) / 0.5 * 2) END AS TINYINT) AS score
          FROM (SELECT random() AS u FROM range({rows}))
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
    """)


def run_one(method: str, path: str) -> dict:
    """Executed in a child process: one method, one file; prints the tallies as JSON."""
    import pandas as pd

    t0 = time.perf_counter()
    if method == "carelib-duckdb":
        import duckdb

        from carelib import metrics

        out = metrics.nps(duckdb.read_parquet(path), by=["segment", "week"])
        tallies = out[["segment", "week", "n", "promoters", "passives", "detractors"]]
    elif method == "duckdb-sql":
        import duckdb

        from carelib import metrics

        tallies = duckdb.sql(SQL.format(path=path)).df()
        inf = metrics.nps_from_counts(tallies["promoters"], tallies["passives"], tallies["detractors"])
        out = pd.concat([tallies[["segment", "week"]], inf], axis=1)
    elif method == "pandas":
        from carelib import metrics

        d = pd.read_parquet(path, columns=["segment", "week", "score"])
        s = d["score"]
        g = d.assign(promoters=s >= 9, passives=s.between(7, 8), detractors=s <= 6).groupby(["segment", "week"])
        tallies = g[["promoters", "passives", "detractors"]].sum().reset_index()
        tallies["n"] = tallies[["promoters", "passives", "detractors"]].sum(axis=1)
        inf = metrics.nps_from_counts(tallies["promoters"], tallies["passives"], tallies["detractors"])
        out = pd.concat([tallies[["segment", "week"]], inf], axis=1)
    else:
        raise SystemExit(f"unknown method {method!r}")
    seconds = time.perf_counter() - t0
    t = tallies.sort_values(["segment", "week"]).astype({"n": "int64", "promoters": "int64"})
    return {"seconds": seconds, "groups": len(out), "rows": int(t["n"].sum()),
            "check": int((t["promoters"] * 7 + t["n"]).sum())}


def measure(method: str, path: Path) -> dict:
    proc = subprocess.Popen([sys.executable, __file__, "--one", method, str(path)], stdout=subprocess.PIPE,
                            cwd=ROOT)
    t0 = time.perf_counter()
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        return {"error": f"exit status {status}"}
    res = json.loads(out)
    res.update(wall=wall, peak_mb=usage.ru_maxrss / 1024)  # Linux: ru_maxrss in KiB
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1e7,1e8", help="comma-separated sizes (default 1e7,1e8)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default=None, help="where the Parquet files go (kept for reuse)")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--write-docs", action="store_true", help="update the nps_scale section of docs/benchmarks.md")
    ap.add_argument("--one", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return
    folder = Path(args.dir or Path(tempfile.gettempdir()) / "carekit-bench")
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["| rows | method | wall time, median (s) | in-process time (s) | peak RSS, median (MB) | vs SQL |",
             "|---:|---|---:|---:|---:|---:|"]
    for size in [int(float(x)) for x in args.rows.split(",")]:
        path = folder / f"responses-{size}.parquet"
        if not path.exists():
            t0 = time.perf_counter()
            generate(path, size)
            print(f"generated {path.name} ({path.stat().st_size / 2**20:.0f} MB) in {time.perf_counter() - t0:.1f} s",
                  flush=True)
        results: dict[str, dict] = {}
        for method in args.methods.split(","):
            runs = [measure(method, path) for _ in range(args.repeat)]
            ok = [r for r in runs if "error" not in r]
            if not ok:
                results[method] = {"error": runs[0]["error"]}
                print(f"{size:>12,} {method:<15} failed: {runs[0]['error']}", flush=True)
                continue
            results[method] = {
                "wall": statistics.median(r["wall"] for r in ok),
                "inproc": statistics.median(r["seconds"] for r in ok),
                "peak_mb": statistics.median(r["peak_mb"] for r in ok),
                "check": ok[0]["check"], "rows": ok[0]["rows"], "groups": ok[0]["groups"],
            }
            r = results[method]
            print(f"{size:>12,} {method:<15} wall {r['wall']:7.2f} s  peak {r['peak_mb']:7.0f} MB  "
                  f"groups {r['groups']}  rows {r['rows']:,}", flush=True)
        base = results.get("duckdb-sql", {})
        for method, r in results.items():
            if "error" in r:
                lines.append(f"| {size:,} | {method} | failed ({r['error']}) | | | |")
                continue
            if base and "check" in base and r["check"] != base["check"]:
                raise SystemExit(f"{method} tallies differ from the hand-written SQL at {size:,} rows")
            ratio = f"{r['wall'] / base['wall']:.2f}x" if base.get("wall") else ""
            lines.append(f"| {size:,} | {method} | {r['wall']:.2f} | {r['inproc']:.2f} | {r['peak_mb']:.0f} | {ratio} |")
    table = "\n".join(lines)
    print(table)
    if args.write_docs:
        write_docs(table, args.repeat)


def write_docs(table: str, repeat: int) -> None:
    import platform

    from _docs import write_section

    body = ("## NPS at scale: segment x week on Parquet (`benchmarks/nps_scale.py`)\n\n"
            "NPS by 8 segments x 52 weeks (416 groups) from synthetic responses in one Parquet file. "
            "carelib's `metrics.nps` on a DuckDB relation (the narwhals tally pushed into DuckDB), against a "
            "hand-written DuckDB SQL query and against pandas (`read_parquet` + `groupby`). Each run is a fresh "
            f"process; median of {repeat} runs; wall time includes interpreter start and imports; peak RSS is the "
            f"process's maximum resident set. Python {platform.python_version()}, 2 cores, 24 GiB.\n\n"
            f"{table}\n\n"
            "Target (issue 3): carelib on DuckDB within 1.3x of the hand-written SQL and under 0.5 GB peak RSS "
            "at 100 M rows. Reproduce: `make bench-nps` (writes this section with `--write-docs`).\n\n")
    write_section("nps_scale", body)


if __name__ == "__main__":
    main()
