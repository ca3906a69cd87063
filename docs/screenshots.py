"""Refresh the screenshots of the four playbook reports in docs/screens/ (``make screenshots``).

Runs every playbook on the bundled demo workspace (the weekly care review twice, 2026-W46 then 2026-W47, so
its brief shows what changed), opens each report in headless Chromium at 1280 px (a laptop) and 390 px (a
phone) and keeps the first screens: ``docs/screens/<playbook>-1280.png`` and ``-390.png``. It also prints each
report's height and any element wider than its container at 1280 px.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image

from carelib.report.browser import layout
from carelib.run.playbook import run_playbook

ROOT = Path(__file__).resolve().parents[1]
BOOKS = ("weekly-care-review", "launch-high-touch", "research-readout", "segments-and-journeys")
KEEP = {1280: 2200, 390: 2600}  # pixels of height kept: the brief and the start of the first section


def main() -> int:
    out = ROOT / "docs" / "screens"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="carekit-screens-") as tmp:
        runs = Path(tmp) / "runs"
        quiet = {"data": ROOT / "data" / "demo", "runs_dir": runs, "playbooks_dir": ROOT / "playbooks",
                 "progress": lambda m: None}
        run_playbook("weekly-care-review", {"period": "2026-W46"}, **quiet)
        bad = 0
        for name in BOOKS:
            run = run_playbook(name, {}, **quiet)
            stem = Path(tmp) / name
            for seen in layout(run.report, tuple(KEEP), screenshots=stem):
                shot = Image.open(f"{stem}-{seen.width}.png")
                shot.crop((0, 0, shot.width, min(shot.height, KEEP[seen.width]))).save(
                    out / f"{name}-{seen.width}.png", optimize=True)
                print(f"{name} at {seen.width} px: {seen.height:,} px tall, "
                      f"{len(seen.overflowing)} element(s) wider than their container")
                bad += seen.width == 1280 and len(seen.overflowing)
    print(f"screenshots: {out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
