"""Write Hearthly at scale (carelib.demo.scale) in a fresh process and measure it.

Prints rows per table, wall and CPU seconds, rows per second and the peak resident memory of the
process (``os.wait4``), then checks the result with ``carelib.data.partitions.validate`` (footers
only). Figures go to ``docs/at-scale.md`` by hand. Usage::

    python benchmarks/gen_scale.py --scale 10                 # ~18 M rows
    python benchmarks/gen_scale.py --scale 100 --weeks 3      # three weeks of the 100 M workspace
    python benchmarks/gen_scale.py --scale 100 --dir /big/ws  # the whole thing (~3 GB)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, sys
from carelib.demo.scale import make_scale_workspace
r = make_scale_workspace(sys.argv[1], scale=float(sys.argv[2]), weeks=int(sys.argv[3]) or None)
print(json.dumps(r.rows))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--weeks", type=int, default=0, help="only the first weeks (0: all 52)")
    parser.add_argument("--dir", help="output folder (default: a temporary folder, removed after)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.dir or Path(tmp) / "ws")
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(out), str(args.scale), str(args.weeks)],
                                stdout=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if status != 0:
            print(f"generator failed (status {status})", file=sys.stderr)
            return 1
        rows = json.loads(proc.stdout.read().strip().splitlines()[-1])
        cpu = usage.ru_utime + usage.ru_stime
        total = sum(rows.values())
        for table, n in rows.items():
            print(f"{table:>11}: {n:>13,}")
        print(f"{total:,} rows; wall {wall:.1f} s, CPU {cpu:.1f} s; {total / cpu:,.0f} rows per CPU-second; "
              f"peak RSS {usage.ru_maxrss / 1024:,.0f} MB")
        from carelib.data.partitions import partitioned_tables, validate

        t1 = time.perf_counter()
        for table in partitioned_tables(out):
            validate(out, table)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        print(f"validated {len(partitioned_tables(out))} tables in {time.perf_counter() - t1:.2f} s; "
              f"{size / 2**20:,.0f} MB on disk")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
