"""The metric review notebook, end to end with papermill, on the demo workspace and on real public data."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from carelib import metrics
from carelib.data import public_data
from carelib.report.findings import read_findings
from carelib.run.notebook import run_notebook
from tests.conftest import ROOT, shared_file

NOTEBOOK = ROOT / "notebooks" / "metric_review.ipynb"


def _findings(result) -> dict[str, dict]:
    return {f["key"]: f for f in read_findings(result.executed)}


def test_demo_review_planted_truths_and_privacy(demo_dir, tmp_path):
    """The partner-switch weeks: North is flagged below the rest and delivery themes drive detractors."""
    res = run_notebook(NOTEBOOK, {"period": "2026-W27", "window": 8}, tmp_path, data=demo_dir)
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


def _run_on(tmp_path, tables: dict[str, pd.DataFrame], **params):
    ws = tmp_path / "ws"
    ws.mkdir()
    for name, frame in tables.items():
        frame.to_csv(ws / f"{name}.csv", index=False)
    return run_notebook(NOTEBOOK, {"period": "latest", **params}, tmp_path / "out", data=ws)


def test_real_nps_r_community_survey(shared_data, tmp_path):
    path = shared_file(shared_data, "r-community-survey-2019", "2019 English R Community Survey Responses.csv")
    responses = public_data.read_r_survey(path)
    res = _run_on(tmp_path, {"responses": responses}, window=8, segment="experience", segments_by=["experience"])
    f = _findings(res)
    # the survey ran 13 Dec 2019 - 10 Jan 2020: an 8-week window holds every answer
    expected = metrics.nps(responses.assign(score=pd.to_numeric(responses["score"])))
    assert f["headline.nps"]["value"] == pytest.approx(float(expected["nps"].iloc[0]), abs=1e-9)
    assert expected["n"].iloc[0] == 1795
    assert 73 < f["headline.nps"]["value"] < 75  # published NPS +74.0 (SOURCE.md)
    html = res.report.read_text(encoding="utf-8")
    assert "experience" in html and "n too small" not in html.split("Segments below the rest")[0][-200:]
    assert "comment theme" in html  # no codebook: the comments' themes enter the driver analysis


def test_real_stars_and_recommend_rate_clothing_reviews(shared_data, tmp_path):
    path = shared_file(shared_data, "womens-clothing-reviews", "Womens Clothing E-Commerce Reviews.csv")
    reviews = public_data.read_clothing_reviews(path)
    res = run_notebook(NOTEBOOK, {"period": "2026-W01"}, tmp_path / "out",
                       data=_write(tmp_path / "ws", {"reviews": reviews}))
    page = res.report.read_text(encoding="utf-8")
    assert "No NPS answers" in page and "bayes_avg" in page
    share = reviews["recommended"].mean()
    assert f"{share:,.3f}" in page  # the recommend rate, with its Wilson interval beside it


def test_real_response_times_ibm_twitter(shared_data, tmp_path):
    folder = shared_file(shared_data, "ibm-twitter-customer-care", "dev.json").parent
    tickets, messages = public_data.read_ibm_twitter(folder)
    ws = _write(tmp_path / "ws", {"tickets": tickets, "messages": messages})
    res = run_notebook(NOTEBOOK, {"period": "latest", "window": 26, "min_n": 5}, tmp_path / "out", data=ws)
    f = _findings(res)
    assert "headline.first_response" in f and f["headline.first_response"]["value"] > 0
    page = res.report.read_text(encoding="utf-8")
    assert "Kaplan-Meier" in page or "order statistics" in page


def _write(folder, tables):
    folder.mkdir(parents=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def test_empty_period_is_a_clear_error_and_keeps_the_last_report(demo_dir, tmp_path):
    from carelib.errors import RunError

    with pytest.raises(RunError, match=r"no rows in the weeks under review \(2029-W50 to 2030-W01\)"):
        run_notebook(NOTEBOOK, {"period": "2030-W01"}, tmp_path, data=demo_dir)
    assert not (tmp_path / "metric_review.html").exists()


def test_bad_rows_are_excluded_and_shown(demo_dir, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    responses = pd.read_csv(demo_dir / "responses.csv", dtype=str, keep_default_na=False)
    responses.loc[3, "score"] = "eleven"
    responses.loc[5, "score"] = "11"
    responses.loc[7, "submitted_at"] = ""
    responses.to_csv(ws / "responses.csv", index=False)
    res = run_notebook(NOTEBOOK, {"period": "2026-W47"}, tmp_path / "out", data=ws)
    page = res.report.read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", page)
    assert re.search(r"responses\s+responses\.csv\s+10276\s+10273\s+3\b", text)  # read = kept + excluded
    for row, col, reason in (("5", "score", "not int"), ("7", "score", "score outside its scale"),
                             ("9", "submitted_at", "empty required cell")):
        assert re.search(rf"responses\.csv\s+{row}\s+{col}\s+{reason}", text), (row, col)
    f = _findings(res)
    assert "headline.nps" in f
