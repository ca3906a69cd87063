"""Behavioural segments, journeys and needs per segment; the notebook on the demo and on real survey data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carelib.analysis import journeys, segments
from carelib.data import public_data
from carelib.errors import DataError
from carelib.practices import segments_and_journeys as practice
from carelib.report import findings
from carelib.report.findings import read_findings
from carelib.run.notebook import run_notebook
from tests.conftest import ROOT, shared_file

NOTEBOOK = ROOT / "notebooks" / "segments_and_journeys.ipynb"


def test_features_and_seeded_segmentation():
    rng = np.random.default_rng(1)
    n = 300
    f = pd.DataFrame({"recency_days": np.r_[rng.uniform(0, 30, n), rng.uniform(250, 360, n), rng.uniform(0, 30, n)],
                      "orders_12m": np.r_[rng.integers(6, 12, n), rng.integers(0, 2, n), rng.integers(1, 3, n)],
                      "spend_12m": np.r_[rng.uniform(500, 900, n), rng.uniform(0, 30, n), rng.uniform(30, 80, n)],
                      "tenure_days": np.r_[rng.uniform(400, 900, n), rng.uniform(300, 900, n), rng.uniform(5, 40, n)]})
    a = segments.Segmentation(seed=3, n_boot=5).fit(f)
    b = segments.Segmentation(seed=3, n_boot=5).fit(f)
    assert a.k_ == 3 and (a.labels_ == b.labels_).all()
    assert list(a.criterion_["k"]) == [2, 3, 4, 5, 6, 7] and a.criterion_.set_index("k")["silhouette"].idxmax() == 3
    assert a.stability_.median() > 0.95
    words = " ".join(a.profiles_["in words"])
    assert "new" in words and "lapsed" in words and "high-spend" in words
    with pytest.raises(DataError, match="customer_features"):
        segments.Segmentation().fit(f.drop(columns="tenure_days"))


def test_stage_rates_per_order_and_where_care_breaks(tmp_path):
    rng = np.random.default_rng(2)
    seg = pd.DataFrame({"customer_id": [f"C{i}" for i in range(400)], "segment": ["new"] * 200 + ["loyal"] * 200})
    orders = pd.DataFrame({"customer_id": np.repeat(seg["customer_id"], 2), "ordered_at": "2026-01-05"})
    # 'new' customers raise many login tickets, both raise some delivery ones
    tickets = pd.DataFrame({
        "customer_id": [f"C{i}" for i in rng.integers(0, 200, 120)] + [f"C{i}" for i in rng.integers(0, 400, 60)],
        "created_at": "2026-01-06", "category": ["login"] * 120 + ["delivery"] * 60})
    ev = journeys.journey_events({"orders": orders, "tickets": tickets})
    rates = journeys.stage_rates(ev, seg, orders=orders)
    assert set(rates["stage"]) == {"buy", "deliver", "get help"}  # stages without events are left out
    r = rates.set_index(["segment", "stage"])
    assert r.loc[("new", "get help"), "exposure"] == 400 and r.loc[("new", "get help"), "problems"] == 120
    brk = journeys.where_care_breaks(rates)
    assert brk["segment"].tolist() == ["new"] and brk["stage"].tolist() == ["get help"]
    with pytest.raises(DataError, match="cannot be read as YAML"):
        journeys.load_stages(ROOT / "pyproject.toml")
    bad = tmp_path / "stages.yml"
    bad.write_text("stages: [buy]\nsources:\n  - {table: orders, time: ordered_at, stage: fly}\n")
    with pytest.raises(DataError, match=r"stage\(s\) \['fly'\] are not in stages"):
        journeys.load_stages(bad)


@pytest.mark.slow
def test_demo_segments_stability_needs_with_intervals_and_verbatims(demo_dir, monkeypatch):
    """The planted truths of the demo, through the practice functions the notebook calls (no kernel)."""
    got: list[dict] = []
    monkeypatch.setattr(findings, "publish", lambda key, value, **kw: got.append(findings.finding(key, value, **kw)))
    review = practice.open_review(str(demo_dir), n_boot=5)
    shown = practice.show_segments(review) + practice.show_journeys(review) + practice.show_needs(review)
    assert any("Criterion:" in getattr(p, "data", "") and "silhouette" in p.data for p in shown.parts)
    f = {x["key"]: x for x in got}
    assert f["segments.stability"]["value"] > 0.8
    needs = [x for k, x in f.items() if k.startswith("needs.")]
    assert needs and all(x.get("ci") and "“" in x["text"] and len(x["text"].split("“")[1]) > 5 for x in needs)
    # truth 12: new app customers hit the login loop, at the get-help stage
    assert any("app-login-loop" in k for k in f) and any(k.startswith("journey.") and "get help" in x["text"]
                                                         for k, x in f.items())
    assert not practice.show_opportunities(review).parts[0].empty


def test_demo_notebook_as_a_whole():
    """The committed notebook as a report. nbval re-executes it on the demo in make test and fails when any stored
    output differs, so its outputs are what a run gives today, without a second run here."""
    import nbformat

    from carelib.report.html import Section, render_report

    nb = nbformat.read(NOTEBOOK, as_version=4)
    page = render_report([Section.from_notebook(nb, NOTEBOOK.name)], title="Segments and journeys")
    assert "Criterion:" in page and "silhouette" in page and "Top themes at each stage" in page
    keys = [x["key"] for x in read_findings(NOTEBOOK)]
    assert "segments.stability" in keys and any(k.startswith("journey.") for k in keys)
    assert any(k.startswith("needs.") for k in keys)


@pytest.mark.notebook
def test_r_survey_by_experience_without_a_codebook(shared_data, tmp_path):
    path = shared_file(shared_data, "r-community-survey-2019", "2019 English R Community Survey Responses.csv")
    ws = tmp_path / "ws"
    ws.mkdir()
    public_data.read_r_survey(path).to_csv(ws / "responses.csv", index=False)
    res = run_notebook(NOTEBOOK, {"segment_by": "experience", "min_n": 20}, tmp_path / "out", data=ws)
    page = res.report.read_text(encoding="utf-8")
    assert "themes found in the texts (no codebook)" in page
    assert "Journeys need segments of customers" in page


# ---------------------------------------------------------------- empty results keep their columns


def test_needs_by_segment_without_a_significant_need_keeps_its_columns():
    # two segments, one code said equally often in each: nothing is over-represented
    texts = pd.DataFrame({"text_id": range(80), "text": ["late again"] * 80, "segment": ["A"] * 40 + ["B"] * 40})
    coded = pd.DataFrame({"text_id": list(range(0, 10)) + list(range(40, 50)), "code": "late", "confidence": 0.9})
    out = journeys.needs_by_segment(coded, texts, min_n=10)
    assert out.empty and out.columns.tolist() == journeys.NEED_COLUMNS
    assert out.columns[0] == "segment"  # the practice reads out["segment"]
    none = journeys.needs_by_segment(coded.iloc[0:0], texts, min_n=10)
    assert none.empty and none.columns.tolist() == journeys.NEED_COLUMNS
    # and opportunities accepts both empty tables
    assert journeys.opportunities(journeys.where_care_breaks(pd.DataFrame(columns=journeys.RATE_COLUMNS)), out,
                                  pd.Series({"A": 40, "B": 40})).empty


def test_stage_rates_and_breaks_without_events_in_segments_keep_their_columns():
    ev = journeys.journey_events({"orders": pd.DataFrame({"customer_id": ["C1"], "ordered_at": ["2026-01-05"]})})
    rates = journeys.stage_rates(ev, pd.DataFrame({"customer_id": ["C9"], "segment": ["x"]}).iloc[0:0])
    assert rates.empty and rates.columns.tolist() == journeys.RATE_COLUMNS
    brk = journeys.where_care_breaks(rates)
    assert brk.empty and brk.columns.tolist() == journeys.RATE_COLUMNS
