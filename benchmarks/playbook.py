"""weekly-care-review on the demo workspace: cold run, warm run with nothing changed, and where the time goes.

Each measurement is the whole command a user types, ``carelib playbook run weekly-care-review --data
data/demo``, in a fresh process (wall time and peak RSS of that process and its kernels, read with
``os.wait4``), median of ``--repeat`` runs, into a temporary runs folder:

- **cold**: an empty runs folder (no cache): every notebook executes;
- **warm**: the same command again with nothing changed: every step comes from the cache.

Where the time goes (cold): interpreter start and imports of the CLI, then per step the kernel
start and the cells, read from the executed notebooks' cell timings; the rest is the report.

    python benchmarks/playbook.py --repeat 3 [--write-docs]
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

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("carelib")


def timed(cmd: list[str]) -> tuple[float, float, str]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out}")
    return wall, usage.ru_maxrss / 1024, out


def cell_seconds(executed: Path) -> tuple[float, float]:
    """(sum of cell execution times, first cell start − notebook start) from papermill's metadata."""
    nb = nbformat.read(executed, as_version=4)
    from datetime import datetime

    def ts(s: str) -> datetime:
        return datetime.fromisoformat(s.replace("Z", "+00:00"))

    cells = [c.metadata.get("papermill", {}) for c in nb.cells if c.cell_type == "code"]
    total = sum(c.get("duration") or 0 for c in cells)
    start = nb.metadata.get("papermill", {}).get("start_time")
    first = next((c.get("start_time") for c in cells if c.get("start_time")), None)
    lead = (ts(first) - ts(start)).total_seconds() if start and first else float("nan")
    return total, lead


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    cold, warm, breakdown = [], [], []
    for _ in range(args.repeat):
        runs = Path(tempfile.mkdtemp(prefix="carekit-runs-"))
        cmd = [str(CLI), "playbook", "run", "weekly-care-review", "--data", "data/demo", "--runs", str(runs)]
        cold.append(timed(cmd)[:2])
        warm.append(timed(cmd)[:2])
        run_dir = sorted(p for p in (runs / "weekly-care-review").iterdir() if p.is_dir() and not p.name.startswith("."))[0]
        steps = {p.stem: cell_seconds(p) for p in run_dir.glob("*.ipynb")}
        breakdown.append(steps)
        shutil.rmtree(runs)
    imports = statistics.median(timed([sys.executable, "-c", "import carelib.cli, carelib.run.playbook"])[0]
                                for _ in range(args.repeat))
    med = lambda xs: statistics.median(xs)  # noqa: E731
    lines = ["| run | wall time, median (s) | peak RSS of the CLI process, median (MB) |", "|---|---:|---:|",
             f"| cold (no cache) | {med([c[0] for c in cold]):.1f} | {med([c[1] for c in cold]):.0f} |",
             f"| warm (nothing changed) | {med([w[0] for w in warm]):.1f} | {med([w[1] for w in warm]):.0f} |"]
    lines += ["", "Where the cold run's time goes (median):", "",
              "| part | seconds |", "|---|---:|", f"| interpreter start + imports of the CLI | {imports:.1f} |"]
    for step in sorted(breakdown[0]):
        cells = med([b[step][0] for b in breakdown])
        lead = med([b[step][1] for b in breakdown])
        lines.append(f"| step `{step}`: kernel start until the first cell | {lead:.1f} |")
        lines.append(f"| step `{step}`: cells | {cells:.1f} |")
    lines.append("")
    lines.append(f"The {len(breakdown[0])} steps are independent and run two at a time (2 workers), so the cold wall time is "
                 "well below the sum of the steps.")
    table = "\n".join(lines)
    print(table)
    print(json.dumps({"cold": cold, "warm": warm}))
    if args.write_docs:
        from _docs import write_section

        write_section("playbook", "## Playbook: weekly-care-review on the demo workspace (`benchmarks/playbook.py`)\n\n"
                      "`carelib playbook run weekly-care-review --data data/demo`, a fresh process per run, median of "
                      f"{args.repeat}. Targets (issue 7): cold ≤ 60 s, warm with nothing changed ≤ 3 s.\n\n{table}\n\n")


if __name__ == "__main__":
    main()
