"""The HTML report: escaped, offline, atomic."""

from __future__ import annotations

import pandas as pd
import pytest

from carelib.errors import RunError
from carelib.files import write_atomic
from carelib.report.html import Section, check_offline, render_report

HOSTILE = ['<script>alert(1)</script>', '<img src=x onerror="alert(2)">', '<a href="javascript:alert(3)">x</a>', "&amp; &lt;"]


def test_carelib_strings_are_escaped():
    findings = [{"label": h, "text": h, "note": h} for h in HOSTILE]
    page = render_report(
        [Section("S <1>", "<p>body</p>", "s")],
        title=HOSTILE[0],
        findings=findings,
        definitions=pd.DataFrame({"term": HOSTILE}),
        provenance={"parameter x": HOSTILE[1]},
    )
    assert check_offline(page) == []
    assert "<script>alert" not in page and "<img src=x" not in page and '<a href="javascript' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&amp;amp; &amp;lt;" in page  # entities are shown, not interpreted


UNSAFE = ['<img src="https://example.com/a.png">', '<script>x()</script>', '<link href="//cdn.example/x.css">',
          '<div style="background:url(http://x)">', '<a href="javascript:x()">a</a>', '<p onclick="x()">a</p>',
          '<meta http-equiv="refresh" content="0;url=http://x">', "<style>@import 'http://x';</style>",
          "<style>main{display:none}</style>", '<a href="java\tscript:x()">a</a>', '<base href="http://x/">']


@pytest.mark.parametrize("markup", UNSAFE)
def test_unsafe_markup_is_found_by_check_offline(markup):
    assert check_offline(markup)


@pytest.mark.parametrize("markup", UNSAFE)
def test_unsafe_markup_is_sanitised_not_refused(markup):
    """Hostile text never blocks a report: the page renders, with the markup made inert."""
    page = render_report([Section("S", f"<p>before {markup} after</p>", "s")], title="t")
    assert check_offline(page) == []
    assert "before " in page and " after" in page
    body = page.split("<main>", 1)[1]
    assert not any(x in body.lower() for x in ("<script", "<style", "<link", "<meta", "<base", "onclick", "http://", "https://", "//cdn"))


def test_a_sanitiser_miss_is_refused_naming_the_fragment(monkeypatch):
    from carelib.report import html as report

    monkeypatch.setattr(report, "sanitize_html", lambda fragment, own_classes=False: fragment)
    with pytest.raises(RunError, match=r"fragment section 'recovery' is unsafe after sanitising \(a carelib bug"):
        render_report([Section("S", "<script>x()</script>", "recovery")], title="t")


def test_charts_tables_and_cards_survive():
    png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    body = (f'<div class="output_png output_subarea"><img alt="chart" src="{png}"></div>'
            + pd.DataFrame({"week": ["2026-W47"], "nps": [31.2]}).to_html(index=False)
            + '<section class="case-card" style="border-left:4px solid red"><h3>The case</h3></section>')
    page = render_report([Section("A", body, "a"), Section("B", "<p>b</p>", "b")], title="t",
                         findings=[{"label": "NPS", "text": "31.2", "note": "signal"}],
                         definitions=pd.DataFrame({"term": ["NPS"]}), provenance={"run id": "x"})
    assert f'<img alt="chart" src="{png}">' in page and "<td>2026-W47</td>" in page
    assert '<section class="case-card"><h3>The case</h3></section>' in page and ".case-card{" in page
    assert '<a href="#a">A</a>' in page and '<a href="#definitions">Definitions</a>' in page
    assert '<div class="findings"><h2>Key findings</h2>' in page and '<span class="finding-note">signal</span>' in page
    assert '<table class="provenance">' in page


def test_write_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / "report.html"
    write_atomic(target, "old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
