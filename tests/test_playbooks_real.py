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


#: The weekly care review of 2026-W46 on the demo workspace, measured in Chromium at 1280 px before the brief and
#: the table renderer (commit 89d0020): 30,348 px. Issue 17 asks for at most half, every table still reachable;
#: the test measures the review of the next week (2026-W47, the same four-week window and sections).
WEEKLY_HEIGHT_BEFORE = 30_348


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory, demo_dir):
    """Every playbook on the demo workspace; the weekly review twice: first the double-charge weeks (2026-W33 and
    W34, truth 6), then the latest week (2026-W47), whose brief compares itself with that earlier run."""
    runs = tmp_path_factory.mktemp("runs")
    first = run_playbook("weekly-care-review", {"period": "2026-W34", "window": 2}, data=demo_dir, runs_dir=runs,
                         playbooks_dir=ROOT / "playbooks", progress=lambda m: None)
    done = {name: run_playbook(name, {}, data=demo_dir, runs_dir=runs, playbooks_dir=ROOT / "playbooks",
                               progress=lambda m: None) for name in BOOKS}
    done["weekly-care-review-W34"] = first
    return done, runs


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
    assert "The brief" in page and "Provenance" in page and "<script" not in page.lower()
    assert page.index("The brief") < page.index("The practice")  # the point first, the method last
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
    findings = page[page.index("The brief"):page.index("The practice")]
    assert re.search(r"The case.*customer C\d{5}", findings, re.S)
    assert findings.count("The case") == 1  # published by two steps, shown once
    index = list_runs(folder, "weekly-care-review")
    assert index["run_id"].iloc[0] == run.run_id and "NPS" in index["headline"].iloc[0]


@pytest.mark.notebook
def test_weekly_review_shows_the_themes_that_moved(demo_runs):
    """Truth 6 through the playbook: in W33-W34 the double-charge complaints are a new theme among the key findings."""
    runs, folder = demo_runs
    run = runs["weekly-care-review-W34"]
    assert run.status == "ok"
    page = (run.folder / "report.html").read_text(encoding="utf-8")
    findings = page[page.index("The brief"):page.index("The practice")]
    assert "Themes that moved" in page
    assert re.search(r"New theme:.*?(charged twice|double payment|money twice)", findings, re.S | re.I)


# -- Reports leadership reads (issue 17) ---------------------------------------------------------------------------

def _brief(page: str) -> str:
    return page[page.index('<section class="brief"'):page.index("</section>", page.index('<section class="brief"'))]


@pytest.mark.notebook
@pytest.mark.parametrize("name", BOOKS)
def test_reports_hold_no_nan_no_repr_no_index(demo_runs, name):
    from tests.real_runs import unreadable

    runs, folder = demo_runs
    assert unreadable(folder / name / "report.html") == []


@pytest.mark.notebook
def test_the_brief_opens_the_report_with_the_case_findings_changes_and_actions(demo_runs):
    runs, folder = demo_runs
    page = (folder / "weekly-care-review" / "report.html").read_text(encoding="utf-8")
    brief = _brief(page)
    assert page.index('<section class="brief"') < page.index('id="metrics"')
    for part in ("The case", "What matters this week", "What changed since the last run", "Actions due"):
        assert part in brief, part
    items = re.findall(r"<li>(.*?)</li>", brief[brief.index("What matters"):brief.index("What changed")], re.S)
    assert 3 <= len(items) <= 7
    assert all("signal" in i or "within noise" in i or "–" in i for i in items)  # each says signal or noise
    assert "“" in brief  # the customer's own words


@pytest.mark.notebook
def test_what_changed_names_w47_against_the_last_run_with_the_numbers_of_both_runs(demo_runs):
    """Re-derived from the two runs' findings.json: each headline number of W47 beside the one of the last run (W34)."""
    import json

    runs, folder = demo_runs
    first, second = runs["weekly-care-review-W34"], runs["weekly-care-review"]
    assert first.run_id.startswith("2026-W34") and second.run_id.startswith("2026-W47")
    w34 = {f["key"]: f for f in json.loads((first.folder / "findings.json").read_text(encoding="utf-8"))}
    w47 = {f["key"]: f for f in json.loads((second.folder / "findings.json").read_text(encoding="utf-8"))}
    brief = _brief((second.folder / "report.html").read_text(encoding="utf-8"))
    changed = brief[brief.index("What changed since the last run"):]
    assert "2026-W34" in changed and "First run" not in changed
    nps_now, nps_then = w47["headline.nps"]["value"], w34["headline.nps"]["value"]
    row = re.search(r"<tr>.*?NPS</th>(.*?)</tr>", changed, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[:2] == [f"{nps_now:.1f}", f"{nps_then:.1f}"]
    assert cells[2] == f"{nps_now - nps_then:+.1f}".replace("-", "−")
    first_brief = _brief((first.folder / "report.html").read_text(encoding="utf-8"))
    assert "First run of this playbook" in first_brief


@pytest.mark.notebook
def test_run_history_page_shows_both_weekly_runs_with_numbers(demo_runs):
    from carelib.report.html import check_offline
    from carelib.run.history import write_history

    runs, folder = demo_runs
    page = write_history(folder).read_text(encoding="utf-8")
    assert check_offline(page) == []
    for run in (runs["weekly-care-review-W34"], runs["weekly-care-review"]):
        nps = next(f for f in run.findings if f["key"] == "headline.nps")["value"]
        assert f"{nps:.1f}" in page and run.run_id[:8] in page
    assert page.count("<img") >= 2  # a trend per headline metric


@pytest.mark.notebook
@pytest.mark.parametrize("name", BOOKS)
def test_no_element_wider_than_its_container_and_no_serious_axe_violation(demo_runs, name, tmp_path):
    from carelib.report.browser import chromium_path, layout

    need("chromium", chromium_path() is not None, "no Chromium on this machine (apt-get install chromium)")
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is in the dev extra")
    runs, folder = demo_runs
    (wide,) = layout(folder / name / "report.html", (1280,), axe=True, open_details=True)
    assert wide.overflowing == [], wide.overflowing[:5]
    assert wide.violations == [], wide.violations


@pytest.mark.notebook
def test_weekly_review_is_half_as_tall_with_every_table_reachable(demo_runs):
    from carelib.report.browser import chromium_path, layout

    need("chromium", chromium_path() is not None, "no Chromium on this machine (apt-get install chromium)")
    runs, folder = demo_runs
    report = runs["weekly-care-review"].folder / "report.html"
    (closed,) = layout(report, (1280,))
    assert closed.height <= WEEKLY_HEIGHT_BEFORE / 2, closed.height
    page = report.read_text(encoding="utf-8")
    # every table is in the page: shown, or under a <details> a click opens (no script needed)
    assert page.count("<table") >= 20 and "<script" not in page


@pytest.mark.notebook
def test_pdf_brief_is_page_one_with_page_numbers_and_run_id(demo_runs, tmp_path):
    import pdfplumber

    from carelib.report.browser import chromium_path, to_pdf

    need("chromium", chromium_path() is not None, "no Chromium on this machine (apt-get install chromium)")
    runs, folder = demo_runs
    run = runs["weekly-care-review"]
    pdf = to_pdf(run.folder / "report.html", tmp_path / "report.pdf", footer=f"weekly-care-review · run {run.run_id}")
    with pdfplumber.open(pdf) as doc:
        pages = [p.extract_text() or "" for p in doc.pages]
        n = len(pages)
        assert n > 2
        assert "The brief" in pages[0] and "Actions due" in pages[0]  # the whole brief on page 1
        assert "What matters this week" not in "".join(pages[1:])
        assert all(f"page {i + 1} of {n}" in t and run.run_id in t for i, t in enumerate(pages))
        for page in doc.pages:  # no chart cut across pages: every image lies whole inside its page
            for im in page.images:
                assert im["top"] >= -1 and im["bottom"] <= page.height + 1, (page.page_number, im["top"], im["bottom"])
