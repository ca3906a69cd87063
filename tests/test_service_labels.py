"""The hand-labelled sample of agent messages and the detectors' precision/recall on it."""

from __future__ import annotations

import importlib.util

import pandas as pd

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("service_detectors", ROOT / "benchmarks" / "service_detectors.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_labelled_sample_is_large_enough_and_resolves(demo_dir):
    labels = pd.read_csv(bench.LABELS, dtype={"message_id": str})
    assert len(labels) >= 200 and not labels.duplicated(["source", "message_id"]).any()
    assert set(labels["source"]) == {"demo", "ibm-twitter-customer-care"}
    assert labels[["plan", "rigid", "empathy"]].isin([0, 1]).all().all()
    demo = pd.read_parquet(demo_dir / "messages.parquet")
    ids = set(demo.loc[demo["author_role"] == "agent", "message_id"])
    assert set(labels.loc[labels["source"] == "demo", "message_id"]) <= ids  # agent messages of the demo


def test_detectors_precision_recall_and_docs_in_sync(shared_data):
    sample = bench.labelled_messages(shared_data)
    assert len(sample) >= 200
    res = bench.scores(sample).set_index(["source", "detector"])
    assert res.loc[("all", "plan"), "precision"] >= 0.9 and res.loc[("all", "plan"), "recall"] >= 0.9
    assert res.loc[("all", "empathy"), "recall"] >= 0.9
    assert res.loc[("ibm-twitter-customer-care", "empathy"), "precision"] >= 0.9
    doc = (ROOT / "docs" / "service-detectors.md").read_text(encoding="utf-8")
    assert bench.table(bench.scores(sample)) in doc  # the published figures are today's figures
