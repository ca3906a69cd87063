"""The three playbooks of carekit, run on the demo workspace and opened in a real headless Chromium."""

from __future__ import annotations

import re

import pytest

from carelib.run.playbook import list_runs, load_playbook, run_playbook
from tests.conftest import ROOT, need

BOOKS = ("weekly-care-review", "launch-high-touch", "research-readout", "segments-and-journeys")


@pytest.mark.parametrize("name", BOOKS)
def test_playbook_definitions_load(name):
    book = load_playbook(ROOT / "playbooks" / f"{name}.yml")
    assert book.title and book.practice and book.lead_findings
    assert all((ROOT / s.notebook).exists() for s in book.steps)


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory, demo_dir):
    runs = tmp_path_factory.mktemp("runs")
    return {name: run_playbook(name, {}, data=demo_dir, runs_dir=runs, playbooks_dir=ROOT / "playbooks",
                               progress=lambda m: None) for name in BOOKS}, runs


@pytest.mark.notebook
@pytest.mark.parametrize("name", BOOKS)
def test_each_playbook_renders_offline_in_chromium(demo_runs, name, tmp_path):
    from carelib.report.browser import check_in_browser, chromium_path

    need("chromium", chromium_path() is not None, "no Chromium on this machine (apt-get install chromium)")
    runs, folder = demo_runs
    run = runs[name]
    assert run.status == "ok"
    report = folder / name / "report.html"
    page = report.read_text(encoding="utf-8")
    assert "Key findings" in page and "Provenance" in page and "<script" not in page.lower()
    assert page.index("Key findings") < page.index("The practice")  # the point first, the method last
    check = check_in_browser(report, screenshot=tmp_path / "shot.png")
    assert check.ok, check
    assert not check.broken_images and not check.visible_code and not check.external_requests
    if name in ("weekly-care-review", "launch-high-touch"):
        assert check.images > 0


@pytest.mark.notebook
def test_weekly_review_leads_with_the_case_and_the_index_has_it(demo_runs):
    runs, folder = demo_runs
    run = runs["weekly-care-review"]
    page = (folder / "weekly-care-review" / "report.html").read_text(encoding="utf-8")
    findings = page[page.index("Key findings"):page.index("The practice")]
    assert re.search(r"The case.*customer C\d{5}", findings, re.S)
    assert findings.count("The case") == 1  # published by two steps, shown once
    index = list_runs(folder, "weekly-care-review")
    assert index["run_id"].iloc[0] == run.run_id and "NPS" in index["headline"].iloc[0]


@pytest.mark.notebook
def test_weekly_review_shows_the_themes_that_moved(demo_dir, tmp_path):
    """Truth 6 through the playbook: in W33-W34 the double-charge complaints are a new theme among the key findings."""
    run = run_playbook("weekly-care-review", {"period": "2026-W34", "window": 2}, data=demo_dir, runs_dir=tmp_path,
                       playbooks_dir=ROOT / "playbooks", progress=lambda m: None)
    assert run.status == "ok"
    page = (tmp_path / "weekly-care-review" / "report.html").read_text(encoding="utf-8")
    findings = page[page.index("Key findings"):page.index("The practice")]
    assert "Themes that moved" in page
    assert re.search(r"New theme:.*?(charged twice|double payment|money twice)", findings, re.S | re.I)
