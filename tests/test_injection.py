"""Hostile customer text: every report still renders, and nothing in it runs, loads, redirects or takes over the page.

The corpus (``fixtures/injection/payloads.yml``) holds the bypasses of the old regex guard and the classic
XSS/HTML-injection payloads. Each is checked three ways: against the sanitiser alone (fast), through every
fragment of a report (notebook HTML, Markdown and text outputs, findings, definitions, provenance), and planted
in every customer-text field of a copy of the demo workspace that the four playbooks read, whose reports are
then opened, and clicked through, in a real headless Chromium.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from carelib.report.html import (
    CONTENT_SECURITY_POLICY,
    Section,
    check_offline,
    render_report,
    sanitize_html,
)
from tests.conftest import ROOT
from tests.hostile import BOOKS, PAYLOADS, RENAMED, build_hostile_workspace

IDS = [p["id"] for p in PAYLOADS]
# What a payload does when it works: a script ran, the page asked for a URL, or the report was hidden.
SIGNS = ("__pwned", "'pwned'", "127.0.0.1:9/", "display:none")
# Payloads that open an element and never close it: the text after them is inside it and goes with it.
SWALLOWING = {"mxss-noscript", "mxss-math-style"}
TAG = re.compile(r"""<[a-zA-Z](?:[^>"']|"[^"]*"|'[^']*')*>""")
REFUSED = re.compile(r"<(?:script|style|meta|link|base|iframe|frame|object|embed|form|input|button|svg|math|"
                     r"template|noscript|video|audio|textarea)\b", re.I)


def assert_inert(markup: str) -> None:
    """No refused element, no handler, no style, no URL but #fragments and data: images, no trace of a payload in a tag."""
    assert check_offline(markup) == []
    assert not REFUSED.search(markup)
    for tag in TAG.findall(markup):
        low = tag.lower()
        assert not re.search(r"\son[a-z]+\s*=|\sstyle\s*=", low), tag
        assert " id=" not in low or low.startswith("<section "), tag  # ids are the page's own section anchors
        assert "pwned" not in low and "127.0.0.1" not in low and "javascript" not in low, tag


# --- the corpus and the sanitiser ------------------------------------------------------------------------------


def test_corpus_holds_the_bypasses_and_the_classics():
    kinds = [p["kind"] for p in PAYLOADS]
    assert kinds.count("bypass") == 7 and kinds.count("classic") >= 20
    assert len(set(IDS)) == len(IDS)
    for p in PAYLOADS:  # each says so when it works, and fits in one CSV cell or transcript line
        assert any(s in p["payload"] for s in SIGNS), p["id"]
        assert "\n" not in p["payload"], p["id"]


@pytest.mark.parametrize("case", PAYLOADS, ids=IDS)
def test_sanitiser_makes_each_payload_inert(case):
    out = sanitize_html(case["payload"])
    assert_inert(out)
    assert sanitize_html(out) == out  # a fixed point: parsing the output again cannot make it anything else (mXSS)
    framed = sanitize_html(f"<div class=\"output_html\"><p>Order 1234 {case['payload']} arrived late</p></div>")
    assert_inert(framed)
    assert "Order 1234" in framed
    if case["id"] not in SWALLOWING:
        assert "arrived late" in framed


@pytest.mark.parametrize("case", PAYLOADS, ids=IDS)
def test_each_payload_in_every_fragment_of_a_report(case):
    """Findings, title, subtitle, intro, a raw section body, definitions and provenance: sanitised, never refused."""
    p = case["payload"]
    page = render_report(
        [Section(p, f"<p>{p}</p>{p}", "raw"), Section("Second", "<p>fine</p>", "second")],
        title=p, subtitle=p, intro_html=p,
        findings=[{"key": "k", "label": p, "text": p, "note": p}],
        definitions=pd.DataFrame({"term": [p], "definition": [p]}),
        provenance={"parameter segment": p},
    )
    head, body = page.split("<main>", 1)
    assert head.count("<style>") == 1 and head.count("<meta") == 3 and CONTENT_SECURITY_POLICY in head
    assert_inert(body)
    assert page.count("<style") == 1 and "</main></body></html>" in page


def test_legitimate_markup_survives_the_sanitiser():
    png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    table = pd.DataFrame({"region": ["North", "South"], "nps": [31.2, 12.0]}).to_html()
    card = ('<section class="case-card" style="border-left:4px solid #b5523b"><h3>The case</h3>'
            '<table class="timeline"><tr class="customer"><td>Mon</td></tr></table></section>')
    body = (f'<div class="output_png"><img alt="chart" src="{png}"></div>{table}{card}'
            '<details open><summary>More</summary><ol start="3"><li><em>a</em> <code>b</code></li></ol></details>'
            '<pre>x &lt; y</pre><a href="#definitions">see the definitions</a>')
    out = sanitize_html(body)
    assert f'<img alt="chart" src="{png}">' in out
    assert '<table border="1" class="dataframe">' in out and "<th>region</th>" in out and "<td>31.2</td>" in out
    assert '<section class="case-card"><h3>The case</h3>' in out and '<tr class="customer">' in out
    assert '<details open=""><summary>More</summary><ol start="3"><li><em>a</em> <code>b</code>' in out
    assert "<pre>x &lt; y</pre>" in out and '<a href="#definitions">see the definitions</a>' in out


def test_content_may_not_pass_itself_off_as_the_page_frame():
    forged = '<div class="findings output_area"><h2>Key findings</h2></div>'
    assert sanitize_html(forged) == '<div class="output_area"><h2>Key findings</h2></div>'
    assert sanitize_html(forged, own_classes=True) == forged


def test_page_is_locked_down_by_its_content_security_policy():
    page = render_report([Section("S", "<p>x</p>", "s")], title="t")
    assert f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">' in page
    assert page.index("Content-Security-Policy") < page.index("<style>")  # in force before anything else loads
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "img-src data:" in CONTENT_SECURITY_POLICY
    assert "base-uri 'none'" in CONTENT_SECURITY_POLICY and "form-action 'none'" in CONTENT_SECURITY_POLICY
    assert "script" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY


def hostile_notebook() -> nbformat.NotebookNode:
    """A notebook whose outputs carry every payload the ways a notebook can show text: HTML, Markdown, text, an error."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    outputs = []
    for p in PAYLOADS:
        text = f"Customer wrote: {p['payload']}"
        outputs += [
            new_output("display_data", {"text/html": f"<p>{text}</p>", "text/plain": text}),
            new_output("display_data", {"text/markdown": text, "text/plain": text}),
            new_output("stream", name="stdout", text=text + "\n"),
        ]
    outputs.append(new_output("error", ename="ValueError", evalue=PAYLOADS[0]["payload"], traceback=[PAYLOADS[7]["payload"]]))
    cells = [new_markdown_cell("# Hostile outputs\n\nEvery payload, shown."), new_code_cell("show()", outputs=outputs)]
    return new_notebook(cells=cells)


def test_every_payload_through_nbconvert_is_sanitised():
    section = Section.from_notebook(hostile_notebook(), "hostile.ipynb")
    page = render_report([section], title="Hostile outputs")
    assert_inert(page.split("<main>", 1)[1])
    assert "Customer wrote:" in page and "&lt;script&gt;" in page  # shown as text where nbconvert escaped it


# --- in a real browser -----------------------------------------------------------------------------------------


def assert_inert_in_browser(report: Path, title: str) -> None:
    from carelib.report.browser import check_in_browser

    check = check_in_browser(report, click=True)
    assert check.ok, check
    assert check.title == title and not check.title_changes
    assert not (check.pwned or check.dialogs or check.navigations or check.popups)
    assert not (check.external_requests or check.local_requests or check.failed_requests)
    assert not (check.http_equiv or check.fixed_elements) and check.main_visible
    assert check.clicked > 0


def test_all_payloads_are_inert_in_chromium(browser_ready, tmp_path):
    section = Section.from_notebook(hostile_notebook(), "hostile.ipynb")
    raw = Section("Raw", "".join(p["payload"] for p in PAYLOADS), "raw")
    page = render_report([section, raw], title="Hostile outputs",
                         findings=[{"label": p["payload"], "text": p["payload"]} for p in PAYLOADS])
    report = tmp_path / "hostile.html"
    report.write_text(page, encoding="utf-8")
    assert_inert_in_browser(report, "Hostile outputs")


# --- the four playbooks on a hostile workspace -----------------------------------------------------------------


def test_hostile_workspace_carries_every_payload(demo_dir, tmp_path):
    ws = build_hostile_workspace(demo_dir, tmp_path / "ws")
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ws / "interviews").iterdir())
    for name in ("complaints", "reviews", "responses"):
        text += (ws / f"{name}.csv").read_text(encoding="utf-8")
    assert all(p["payload"].replace('"', '""') in text or p["payload"] in text for p in PAYLOADS)
    recoveries = pd.read_csv(ws / "recoveries.csv")
    assert recoveries["learning"].str.contains("__pwned|127.0.0.1|display:none").mean() > 0.9
    assert (pd.read_csv(ws / "participants.csv")["plan"] == RENAMED["plan"][1]).sum() >= 3


@pytest.mark.notebook
@pytest.mark.parametrize("name", BOOKS)
def test_hostile_text_never_blocks_a_playbook(hostile_runs, name):
    from carelib.run.playbook import list_runs

    run = hostile_runs.runs[name]
    assert not isinstance(run, BaseException), f"{name} failed on hostile text: {run}"
    assert run.status == "ok" and run.report.exists()
    index = list_runs(hostile_runs.base / "runs", name)
    assert index["run_id"].iloc[0] == run.run_id and index["status"].iloc[0] == "ok"


@pytest.mark.notebook
@pytest.mark.parametrize("name", BOOKS)
def test_hostile_report_is_inert_in_chromium(browser_ready, hostile_runs, name):
    from carelib.run.playbook import load_playbook

    run = hostile_runs.runs[name]
    if isinstance(run, BaseException):
        pytest.fail(f"{name} did not render (see test_hostile_text_never_blocks_a_playbook): {run}")
    page = run.report.read_text(encoding="utf-8")
    head, body = page.split("<main>", 1)
    assert head.count("<style>") == 1 and CONTENT_SECURITY_POLICY in head
    assert_inert(body)
    assert "__pwned" in body  # the hostile text is there, shown as text
    assert_inert_in_browser(run.report, load_playbook(ROOT / "playbooks" / f"{name}.yml").title)
