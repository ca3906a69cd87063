"""The service detectors on real role-played chat (ABCD, Chen et al. 2021) beside the demo, per source.

The labels are ``docs/labels/service_messages_abcd.csv`` (``source, message_id, plan, rigid,
empathy``; ``message_id`` = ``<convo_id>:<turn>`` of ``abcd-sample/abcd_sample.json``); the texts
are read from ``../shared/data/abcd-sample`` at test time (skipped when absent) and are not copied
into the repository. Demo rows come from ``docs/labels/service_messages.csv``. The published table
(``<!-- abcd results -->`` in ``docs/service-detectors.md``) must be what this computes:
``python tests/test_service_real.py`` rewrites it after a deliberate change of the phrase lists.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from carelib.analysis.service import score_messages  # noqa: E402

spec = importlib.util.spec_from_file_location("service_detectors", ROOT / "benchmarks" / "service_detectors.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

ABCD_LABELS = ROOT / "docs" / "labels" / "service_messages_abcd.csv"
DOC = ROOT / "docs" / "service-detectors.md"
BLOCK = re.compile(r"(<!-- abcd results -->\n)(.*?)(\n<!-- /abcd results -->)", re.S)


def abcd_messages(shared: Path) -> pd.DataFrame:
    """Every agent turn of the ABCD sample: ``message_id`` (``convo:turn``) and ``text``."""
    path = shared / "abcd-sample" / "abcd_sample.json"
    if not path.exists():
        pytest.skip(f"real data file missing: {path}")
    convos = json.loads(path.read_text(encoding="utf-8"))
    return pd.DataFrame([{"message_id": f"{c['convo_id']}:{i}", "text": t}
                         for c in convos for i, (who, t) in enumerate(c["original"]) if who == "agent"])


def labelled(shared: Path) -> pd.DataFrame:
    """Demo and ABCD labelled messages with their texts (``source, message_id, plan, rigid, empathy, text``)."""
    abcd = pd.read_csv(ABCD_LABELS, dtype={"message_id": str}).merge(abcd_messages(shared), on="message_id", how="left")
    labels = pd.read_csv(bench.LABELS, dtype={"message_id": str})
    demo = pd.read_parquet(ROOT / "data" / "demo" / "messages.parquet")[["message_id", "text"]]
    demo = labels[labels["source"] == "demo"].merge(demo, on="message_id", how="left")
    return pd.concat([demo, abcd], ignore_index=True)


def _counts(sample: pd.DataFrame, source: str, detector: str) -> tuple[int, int, int]:
    """tp, fp, fn by hand: the detector's flag against the label, plain pandas."""
    g = sample[sample["source"] == source]
    said = score_messages(g[["text"]], sentiment=False)[detector].to_numpy()
    truth = g[detector].astype(bool).to_numpy()
    return int((truth & said).sum()), int((~truth & said).sum()), int((truth & ~said).sum())


def table(res: pd.DataFrame) -> str:
    """The published table: the benchmark's, with "— (none labelled)" where a source has no positive."""
    lines = bench.table(res).split("\n")
    return "\n".join(line.replace("nan (nan–nan)", "— (none labelled)") for line in lines)


def test_abcd_labels_cover_every_agent_turn_once(shared_data):
    labels = pd.read_csv(ABCD_LABELS, dtype={"message_id": str})
    turns = abcd_messages(shared_data)
    assert set(labels["source"]) == {"abcd-sample"} and not labels["message_id"].duplicated().any()
    assert set(labels["message_id"]) == set(turns["message_id"]) and len(labels) == 32
    assert labels[["plan", "rigid", "empathy"]].isin([0, 1]).all().all()


def test_refusal_and_apology_of_real_chat_are_found(shared_data):
    sample = labelled(shared_data)
    scored = score_messages(sample[sample["source"] == "abcd-sample"], sentiment=False).set_index("message_id")
    assert scored.loc["3592:17", "rigid"]  # "... more than 90 days we cannot accept the return"
    assert scored.loc["3592:26", "empathy"]  # "Sorry I couldn't be of more assistance!"
    assert not scored.loc["3592:19", "plan"]  # "I can escalate to my manager": a next step without a time


def test_figures_per_source_are_the_published_ones_and_above_floors(shared_data):
    sample = labelled(shared_data)
    res = bench.scores(sample).set_index(["source", "detector"])
    for source in ("demo", "abcd-sample"):
        for detector in ("plan", "rigid", "empathy"):
            tp, fp, fn = _counts(sample, source, detector)  # recomputed independently of bench.scores
            row = res.loc[(source, detector)]
            assert (row["tp"], row["fp"], row["fn"]) == (tp, fp, fn)
    assert res.loc[("abcd-sample", "rigid"), "recall"] == 1.0 and res.loc[("abcd-sample", "empathy"), "recall"] == 1.0
    assert res.loc[("demo", "plan"), "precision"] >= 0.9 and res.loc[("demo", "plan"), "recall"] >= 0.9
    assert res.loc[("demo", "empathy"), "recall"] >= 0.9
    assert res.loc[("abcd-sample", "empathy"), "precision"] >= 0.5  # one of two flags is politeness ("sorry for the doubt")
    published = BLOCK.search(DOC.read_text(encoding="utf-8"))
    assert published and published.group(2) == table(bench.scores(sample)), \
        "docs/service-detectors.md is stale: run `python tests/test_service_real.py`"


if __name__ == "__main__":
    import os

    shared = Path(os.environ.get("CAREKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
    text = table(bench.scores(labelled(shared)))
    print(text)
    if "--write-docs" in sys.argv:
        body = DOC.read_text(encoding="utf-8")
        DOC.write_text(BLOCK.sub(lambda m: m.group(1) + text + m.group(3), body), encoding="utf-8")
