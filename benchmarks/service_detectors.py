"""Precision and recall of the service-skill detectors on the hand-labelled agent messages.

The labels live in ``docs/labels/service_messages.csv`` (``source, message_id, plan, rigid,
empathy``): agent messages from the real IBM Twitter customer-care conversations
(``../shared/data/ibm-twitter-customer-care``) and from the demo workspace, labelled by hand
following the guide in ``docs/service-detectors.md``. This script joins them to the message
texts, runs :func:`carelib.analysis.service.score_messages` with the packaged phrase lists, and prints
precision, recall and F1 per detector and per source, with Wilson intervals::

    python benchmarks/service_detectors.py               # print
    python benchmarks/service_detectors.py --write-docs  # also update docs/service-detectors.md
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from carelib.analysis.service import score_messages  # noqa: E402
from carelib.data.public_data import read_ibm_twitter  # noqa: E402
from carelib.metrics.intervals import wilson  # noqa: E402

LABELS = ROOT / "docs" / "labels" / "service_messages.csv"
DETECTORS = {"plan": "plan", "rigid": "rigid", "empathy": "empathy"}


def labelled_messages(shared: Path | None = None) -> pd.DataFrame:
    """The labelled sample joined to its texts (IBM rows only where the shared data is present)."""
    labels = pd.read_csv(LABELS, dtype={"message_id": str})
    frames = []
    demo = pd.read_parquet(ROOT / "data" / "demo" / "messages.parquet")[["message_id", "text"]]
    frames.append(labels[labels["source"] == "demo"].merge(demo, on="message_id", how="left"))
    shared = shared or Path(os.environ.get("CAREKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
    ibm_dir = shared / "ibm-twitter-customer-care"
    if ibm_dir.is_dir():
        _, messages = read_ibm_twitter(ibm_dir)
        messages = messages.assign(message_id=messages["message_id"].astype(str).str.split(":").str[-1])
        messages = messages.drop_duplicates("message_id")[["message_id", "text"]]
        frames.append(labels[labels["source"] == "ibm-twitter-customer-care"].merge(messages, on="message_id", how="left"))
    out = pd.concat(frames, ignore_index=True)
    missing = out["text"].isna()
    if missing.any():
        raise SystemExit(f"{int(missing.sum())} labelled message(s) not found, e.g. {out.loc[missing, 'message_id'].iloc[0]}")
    return out


def scores(sample: pd.DataFrame) -> pd.DataFrame:
    truth_cols = {k: f"label_{k}" for k in DETECTORS}
    scored = score_messages(sample.rename(columns=truth_cols), sentiment=False)  # detector columns reuse the names
    rows = []
    for source, g in [("all", scored), *scored.groupby("source")]:
        for label, detector in DETECTORS.items():
            truth, said = g[f"label_{label}"].astype(bool), g[detector].astype(bool)
            tp, fp, fn = int((truth & said).sum()), int((~truth & said).sum()), int((truth & ~said).sum())
            p_lo, p_hi = wilson(tp, tp + fp)
            r_lo, r_hi = wilson(tp, tp + fn)
            precision = tp / (tp + fp) if tp + fp else float("nan")
            recall = tp / (tp + fn) if tp + fn else float("nan")
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else float("nan")
            rows.append({"source": source, "detector": label, "messages": len(g), "positives": int(truth.sum()),
                         "tp": tp, "fp": fp, "fn": fn, "precision": precision, "precision_ci": (p_lo[0], p_hi[0]),
                         "recall": recall, "recall_ci": (r_lo[0], r_hi[0]), "f1": f1})
    return pd.DataFrame(rows)


def table(res: pd.DataFrame) -> str:
    lines = ["| source | detector | messages | labelled yes | precision (95 % CI) | recall (95 % CI) | F1 |",
             "|---|---|---:|---:|---|---|---:|"]
    for r in res.itertuples():
        prec = "— (none flagged)" if r.tp + r.fp == 0 else \
            f"{r.precision:.2f} ({r.precision_ci[0]:.2f}–{r.precision_ci[1]:.2f})"
        rec = f"{r.recall:.2f} ({r.recall_ci[0]:.2f}–{r.recall_ci[1]:.2f})"
        f1 = "—" if r.f1 != r.f1 else f"{r.f1:.2f}"
        lines.append(f"| {r.source} | {r.detector} | {r.messages} | {r.positives} | {prec} | {rec} | {f1} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    sample = labelled_messages()
    res = scores(sample)
    text = table(res)
    print(text)
    if args.write_docs:
        doc = ROOT / "docs" / "service-detectors.md"
        body = doc.read_text(encoding="utf-8")
        start, end = "<!-- results -->", "<!-- /results -->"
        i, j = body.index(start) + len(start), body.index(end)
        doc.write_text(body[:i] + "\n" + text + "\n" + body[j:], encoding="utf-8")


if __name__ == "__main__":
    main()
