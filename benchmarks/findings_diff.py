"""Run the four playbooks on the demo workspace and compare their findings with a saved set.

A refactor must leave every report unchanged in substance: the same findings (keys, values,
intervals, texts). ``--save FILE`` writes the findings of all four playbooks as one JSON;
``--against FILE`` runs them again and prints every difference (exit 1 when there is one).

    python benchmarks/findings_diff.py --save /tmp/before.json
    ... change the code ...
    python benchmarks/findings_diff.py --against /tmp/before.json

Numbers are compared to 9 significant digits (a reordered float sum may move the last bit).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOKS = ["weekly-care-review", "research-readout", "segments-and-journeys", "launch-high-touch"]


def run_all(data: Path, runs: Path) -> dict[str, list[dict[str, Any]]]:
    """Findings of every playbook, as written to each run's findings.json."""
    out: dict[str, list[dict[str, Any]]] = {}
    carelib = Path(sys.executable).parent / "carelib"
    for name in PLAYBOOKS:
        folder = runs / name
        subprocess.run([str(carelib), "playbook", "run", name, "--data", str(data), "--runs", str(folder),
                        "--force"], check=True, cwd=ROOT)
        found = sorted(folder.rglob("findings.json"))
        if not found:
            raise SystemExit(f"{name}: no findings.json under {folder}")
        out[name] = json.loads(found[-1].read_text(encoding="utf-8"))
    return out


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or isinstance(a, str) or isinstance(b, str):
            return a == b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return a == b


def differences(before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]) -> list[str]:
    """One line per finding that appeared, vanished or changed."""
    lines = []
    for name in sorted(set(before) | set(after)):
        old = {f["key"]: f for f in before.get(name, [])}
        new = {f["key"]: f for f in after.get(name, [])}
        for key in sorted(set(old) | set(new)):
            if key not in new:
                lines.append(f"{name}: {key} vanished")
            elif key not in old:
                lines.append(f"{name}: {key} is new")
            elif not _close(old[key], new[key]):
                for field in sorted(set(old[key]) | set(new[key])):
                    if not _close(old[key].get(field), new[key].get(field)):
                        lines.append(f"{name}: {key}.{field}: {old[key].get(field)!r} -> {new[key].get(field)!r}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "data" / "demo"))
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", help="write the findings of all four playbooks to this JSON file")
    group.add_argument("--against", help="run again and compare with this JSON file")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        found = run_all(Path(args.data).resolve(), Path(tmp))
    if args.save:
        Path(args.save).write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"saved {sum(map(len, found.values()))} findings of {len(found)} playbooks to {args.save}")
        return 0
    before = json.loads(Path(args.against).read_text(encoding="utf-8"))
    diff = differences(before, found)
    for line in diff:
        print(line)
    n = sum(map(len, found.values()))
    print(f"{n} findings of {len(found)} playbooks: " + (f"{len(diff)} differences" if diff else "unchanged"))
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
