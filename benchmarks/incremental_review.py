"""The weekly metric review, cold and warm: a re-review after `carelib append` of one week reads only that week.

On a generated week-partitioned workspace (:func:`carelib.demo.scale.make_scale_workspace`; ``--scale 100``
is 100 M survey answers), the last week is taken out and staged as Parquet files; then:

- ``base``: the review of the first 51 weeks (fills the tally store: ``WORKSPACE/.carelib/tallies/``);
- the staged week goes in with ``carelib append`` (its own cost, printed, not part of the review);
- ``warm``: the review again, with the store as ``base`` left it (only the new week is tallied);
- ``cold``: the review with the store deleted (every week tallied and stored);
- ``no-store``: the review with ``tally_store=False`` (every week read, nothing stored).

The review is the metric review notebook's calls on DuckDB (``open_review`` and every section, in the
notebook's order). Each run is a
fresh process (wall, CPU = user + system of that process, peak RSS from ``os.wait4``), median of
``--repeat``; the warm run starts each time from a copy of the store ``base`` left. The findings of
every run are checked equal (warm = cold = no store). Usage::

    python benchmarks/incremental_review.py --scale 1 --repeat 1              # a quick look
    python benchmarks/incremental_review.py --dir /tmp/s100 --repeat 3 --write-docs
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
TODAY = "2027-01-31"
SECTIONS = ("overview", "the_case", "headline", "load_report", "exclusions", "nps_trend", "nps_chart", "nps_by_segment",
            "nps_blocks", "enps", "csat", "ces_pmf", "public_reviews", "complaint_rates", "response_times",
            "hour_of_week", "segments_below", "detractor_drivers", "kaizen_actions", "definitions")  # the notebook's
EVENTS = ("responses", "orders", "tickets", "messages", "complaints")


def review_once(folder: str, store: bool) -> dict:
    """One review in this process: findings, seconds per section, and the tally store's report."""
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["CARELIB_TODAY"] = TODAY
    from carelib.practices import metric_review as mr
    from carelib.report import findings

    seen: list[dict] = []
    findings.publish = lambda key, value, **kw: seen.append(findings.finding(key, value, **kw))  # type: ignore
    times = {}
    t = time.perf_counter()
    r = mr.open_review(folder, period="latest", engine="duckdb", tally_store=store)
    times["open_review"] = time.perf_counter() - t
    for name in SECTIONS:
        t = time.perf_counter()
        getattr(mr, name)(r)
        times[name] = time.perf_counter() - t
    report = r.ws.tally_report()
    return {"findings": json.dumps(sorted(seen, key=lambda f: f["key"]), sort_keys=True, default=str),
            "times": times, "period": r.period,
            "from_store": int(report["weeks from the store"].sum()), "tallied": int(report["weeks tallied"].sum()),
            "tallies": len(report)}


def measure(folder: Path, store: bool) -> dict:
    proc = subprocess.Popen([sys.executable, __file__, "--one", str(folder), "1" if store else "0"],
                            stdout=subprocess.PIPE, cwd=ROOT)
    t0 = time.perf_counter()
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"review failed (exit status {status})")
    res = json.loads(out)
    res.update(wall=time.perf_counter() - t0, cpu=usage.ru_utime + usage.ru_stime, peak_mb=usage.ru_maxrss / 1024,
               load=os.getloadavg()[0])
    return res


def median(runs: list[dict]) -> dict:
    out = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "peak_mb", "load")}
    out["times"] = {k: statistics.median(r["times"][k] for r in runs) for k in runs[0]["times"]}
    out.update({k: runs[0][k] for k in ("findings", "from_store", "tallied", "tallies", "period")})
    out["runs"] = len(runs)
    return out


def prepare(source: Path, work: Path) -> tuple[Path, Path, str]:
    """A hard-linked copy of ``source`` without its last week, and a staging folder with that week's rows."""
    import pyarrow.parquet as pq

    from carelib.data import partitions as P

    ws, staging = work / "ws", work / "staging"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    subprocess.run(["cp", "-al", str(source), str(ws)], check=True)  # links: the data is not copied
    shutil.rmtree(ws / ".carelib", ignore_errors=True)
    last = P.scan(source, "responses")[-1].week
    staging.mkdir()
    for table in EVENTS:
        part = P.partition_dir(ws, table, last)
        pq.write_table(pq.read_table(part / "part-0.parquet"), staging / f"{table}.parquet")
        shutil.rmtree(part)
    return ws, staging, last


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="scale units (1 = 1 M answers) when generating")
    ap.add_argument("--dir", default=None, help="a generated workspace to use (read only: a linked copy is reviewed)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-store-run", action=argparse.BooleanOptionalAction, default=True,
                    help="also review with tally_store=False (--no-no-store-run to skip it on a slow machine)")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--one", nargs=2, metavar=("FOLDER", "STORE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(review_once(args.one[0], args.one[1] == "1")))
        return
    source = Path(args.dir or Path(tempfile.gettempdir()) / f"carekit-scale-{args.scale:g}")
    if not (source / "responses").exists():
        from carelib.demo.scale import make_scale_workspace

        make_scale_workspace(source, scale=args.scale, seed=0)
    from carelib.data import partitions as P

    answers = sum(p.rows for p in P.scan(source, "responses"))
    ws, staging, last = prepare(source, Path(tempfile.gettempdir()) / f"carekit-incremental-{source.name}")
    new_answers = pq_rows(staging / "responses.parquet")
    print(f"{source}: {answers:,} answers; the last week {last} ({new_answers:,} answers) staged", flush=True)

    base = measure(ws, True)  # the review of the first 51 weeks: fills the store
    snapshot = ws.parent / "store-after-base"
    shutil.copytree(ws / ".carelib", snapshot)
    env = {**os.environ, "CARELIB_TODAY": TODAY}
    t0 = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "carelib"), "append", str(ws), str(staging)], check=True,
                   env=env, stdout=subprocess.DEVNULL)
    append_s = time.perf_counter() - t0
    print(f"base review {base['wall']:.1f} s; append of {last}: {append_s:.1f} s", flush=True)

    results = {}
    for name, store in (("warm", True), ("cold", True), ("no-store", False))[:3 if args.no_store_run else 2]:
        runs = []
        for _ in range(args.repeat):
            shutil.rmtree(ws / ".carelib", ignore_errors=True)
            if name == "warm":
                shutil.copytree(snapshot, ws / ".carelib")
            runs.append(measure(ws, store))
            print(f"  {name}: wall {runs[-1]['wall']:.1f} s, CPU {runs[-1]['cpu']:.1f} s, "
                  f"peak {runs[-1]['peak_mb']:.0f} MB, {runs[-1]['tallied']} week-tallies computed, "
                  f"{runs[-1]['from_store']} from the store", flush=True)
        if len({r["findings"] for r in runs}) != 1:
            raise SystemExit(f"{name}: findings differ between repeats")
        results[name] = median(runs)
    equal = len({r["findings"] for r in results.values()}) == 1
    if not equal:
        raise SystemExit("findings differ between warm, cold and no-store runs")
    w, c = results["warm"], results["cold"]
    n = results.get("no-store")
    lines = ["| run | wall (s) | CPU (s) | peak RSS (MB) | week-tallies computed | from the store | load avg |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in (("cold (store emptied)", c), ("warm (after append of one week)", w), ("no store", n),
                    ("base: first 51 weeks, one run", {**base, "runs": 1})):
        if r is None:
            continue
        lines.append(f"| {name} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['peak_mb']:.0f} | {r['tallied']} | "
                     f"{r['from_store']} | {r['load']:.1f} |")
    lines.append(f"| **warm / cold** | {w['wall'] / c['wall']:.1%} | {w['cpu'] / c['cpu']:.1%} | "
                 f"{w['peak_mb'] / c['peak_mb']:.0%} | | | |")
    secs = ["| section | cold (s) | warm (s) |" + (" no store (s) |" if n else ""), "|---|---:|---:|" + ("---:|" if n else "")]
    secs += [f"| {k} | {c['times'][k]:.2f} | {w['times'][k]:.2f} |" + (f" {n['times'][k]:.2f} |" if n else "")
             for k in c["times"]]
    table = "\n".join(lines) + "\n\n" + "\n".join(secs)
    print(table)
    print(f"findings equal (warm = cold = no store): {equal}; period {c['period']}; append {append_s:.1f} s")
    if args.write_docs:
        from _docs import write_section

        body = (f"## Incremental weekly review: cold and warm (`benchmarks/incremental_review.py`)\n\n"
                f"Hearthly at scale ({answers:,} survey answers, week-partitioned Parquet from `carelib.demo.scale`) on "
                f"DuckDB. The last week ({last}, {new_answers:,} answers) is taken out; the review of the earlier weeks "
                f"fills the tally store; the week goes in with `carelib append` ({append_s:.0f} s, not in the figures); "
                f"then the review runs **warm** (store as the review before left it), **cold** (store deleted)"
                f"{' and with **no store** (`tally_store=False`)' if n else ''}. The review is `open_review` and every section of the "
                f"notebook, in its order ({', '.join(SECTIONS)}). Fresh process per run, median of {args.repeat}; CPU is user + system of "
                f"that process; the machine is shared (load average beside each row). Findings equal in every "
                f"run: {'yes' if equal else 'NO'}. 2 cores, 24 GiB.\n\n{table}\n\n")
        write_section("incremental_review", body, keep_reading=True)


def pq_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.read_metadata(path).num_rows


if __name__ == "__main__":
    main()
