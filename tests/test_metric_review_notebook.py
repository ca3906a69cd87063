"""The metric review on the demo workspace and on real public data.

One run executes the notebook end to end with papermill (``notebook`` marker: the parameters injected,
the report assembled from it); the other checks run the sections of
:mod:`carelib.practices.metric_review` directly on the workspace, which is much faster.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from carelib import metrics
from carelib.data import public_data
from carelib.errors import DataError
from carelib.practices import metric_review as mr
from carelib.report import findings
from carelib.report.findings import read_findings
from carelib.run.notebook import run_notebook
from tests.conftest import ROOT, shared_file

NOTEBOOK = ROOT / "notebooks" / "metric_review.ipynb"
TODAY = "2026-12-01"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def published(monkeypatch):
    """Every finding the sections publish, by key."""
    seen: dict[str, dict] = {}
    monkeypatch.setattr(findings, "publish",
                        lambda key, value, **kw: seen.setdefault(key, findings.finding(key, value, **kw)))
    return seen


def _findings(result) -> dict[str, dict]:
    return {f["key"]: f for f in read_findings(result.executed)}


def _write(folder, tables):
    folder.mkdir(parents=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.mark.notebook
def test_demo_review_planted_truths_privacy_and_bad_rows(demo_dir, tmp_path):
    """One run of the notebook on the demo with three bad answers planted, over the partner-switch weeks.

    North is flagged below the rest and delivery themes drive detractors (truth 1); no customer's name, e-mail or
    phone reaches the page; the bad rows are set aside, named and counted (read = kept + excluded).
    """
    ws = tmp_path / "ws"
    ws.mkdir()
    for item in demo_dir.iterdir():
        if item.name != "responses.csv":
            (ws / item.name).symlink_to(item.resolve())
    responses = pd.read_csv(demo_dir / "responses.csv", dtype=str, keep_default_na=False)
    responses.loc[3, "score"] = "eleven"
    responses.loc[5, "score"] = "11"
    responses.loc[7, "submitted_at"] = ""
    responses.to_csv(ws / "responses.csv", index=False)
    res = run_notebook(NOTEBOOK, {"period": "2026-W27", "window": 8}, tmp_path / "out", data=ws)
    f = _findings(res)
    assert "segment.nps.region.North" in f  # truth 1
    drivers_found = {k for k in f if k.startswith("driver.")}
    assert drivers_found & {"driver.delivery-communication", "driver.late-delivery", "driver.region.North"}
    page = res.report.read_text(encoding="utf-8")
    customers = pd.read_csv(demo_dir / "customers.csv")
    for col in ("name", "email", "phone"):
        leaked = [v for v in customers[col].dropna() if v in page]
        assert not leaked, f"{col} leaked into the report: {leaked[:3]}"
    assert "<script" not in page.lower()
    # the headline table carries every metric family present in the demo workspace
    for key in ("nps", "enps", "csat", "ces", "stars", "complaint_rate", "first_response", "sla"):  # no PMF wave yet
        assert f"headline.{key}" in f, key
    text = re.sub(r"<[^>]+>", " ", page)
    assert re.search(r"responses\s+responses\.csv\s+10,276\s+10,274\s+2\b", text)  # read = kept + excluded
    for row, col, reason in (("5", "score", "not int"), ("7", "score", "score outside its scale")):
        assert re.search(rf"responses\.csv\s+{row}\s+{col}\s+{reason}", text), (row, col)
    # an answer without a date is kept and said (no week: left out of trends), never given a date
    assert re.search(r"rows without a week\s+responses\s+[\d,]+\s+1\b", text)


def test_demo_tables_are_read_in_the_notebooks_order(demo_dir, published):
    """The load report lists the tables in the order the sections read them (as the notebook always did)."""
    r = mr.open_review(str(demo_dir), today=TODAY)
    mr.overview(r), mr.the_case(r), mr.headline(r)
    assert r.ws.load_report()["table"].tolist() == ["responses", "reviews", "complaints", "tickets", "messages",
                                                    "recoveries", "customers", "orders"]
    assert list(published)[:2] == ["case", "headline.nps"]


def test_empty_period_is_a_clear_error(demo_dir):
    r = mr.open_review(str(demo_dir), period="2030-W01", today=TODAY)
    with pytest.raises(DataError, match=r"no rows in the weeks under review \(2029-W50 to 2030-W01\)"):
        mr.overview(r)


def test_real_nps_r_community_survey(shared_data, tmp_path, published):
    path = shared_file(shared_data, "r-community-survey-2019", "2019 English R Community Survey Responses.csv")
    responses = public_data.read_r_survey(path)
    ws = _write(tmp_path / "ws", {"responses": responses})
    r = mr.open_review(str(ws), period="latest", window=8, segment="experience", segments_by=["experience"],
                       today=TODAY)
    mr.headline(r)
    # the survey ran 13 Dec 2019 - 10 Jan 2020: an 8-week window holds every answer
    expected = metrics.nps(responses.assign(score=pd.to_numeric(responses["score"])))
    assert published["headline.nps"]["value"] == pytest.approx(float(expected["nps"].iloc[0]), abs=1e-9)
    assert expected["n"].iloc[0] == 1795
    assert 73 < published["headline.nps"]["value"] < 75  # published NPS +74.0 (SOURCE.md)
    seg = mr.segments_below(r).parts[0]
    assert set(seg["attribute"]) == {"experience"}
    _, factors = mr.detractor_factors(r.nps_answers, r.trend, r.segments_by, r.ws, r.seed)
    assert factors[0] == "comment theme"  # no codebook: the comments' themes enter the driver analysis


def test_real_stars_and_recommend_rate_clothing_reviews(shared_data, tmp_path):
    path = shared_file(shared_data, "womens-clothing-reviews", "Womens Clothing E-Commerce Reviews.csv")
    reviews = public_data.read_clothing_reviews(path)
    r = mr.open_review(str(_write(tmp_path / "ws", {"reviews": reviews})), period="2026-W01", today=TODAY)
    assert mr.nps_trend(r).parts[0].data == "_No NPS answers in this workspace._"
    ranked, recommended = mr.public_reviews(r).parts
    assert "bayes_avg" in ranked.columns and len(ranked) == 8
    assert ranked["bayes_avg"].is_monotonic_increasing
    share = reviews["recommended"].mean()
    row = recommended.iloc[0]  # the recommend rate, with its Wilson interval beside it
    assert row["share"] == pytest.approx(share) and row["ci_low"] < share < row["ci_high"]


def test_real_response_times_ibm_twitter(shared_data, tmp_path, published):
    folder = shared_file(shared_data, "ibm-twitter-customer-care", "dev.json").parent
    tickets, messages = public_data.read_ibm_twitter(folder)
    ws = _write(tmp_path / "ws", {"tickets": tickets, "messages": messages})
    r = mr.open_review(str(ws), period="latest", window=26, min_n=5, today=TODAY)
    mr.headline(r)
    assert published["headline.first_response"]["value"] > 0
    first = mr.response_times(r).parts[0]
    assert set(first["method"]) <= {"Kaplan-Meier", "order statistics"} and len(first)
