"""The HTML report: escaped, offline, atomic."""

from __future__ import annotations

import pandas as pd
import pytest

from carelib.errors import RunError
from carelib.report import Section, check_offline, render_report, write_atomic

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


@pytest.mark.parametrize(
    "markup",
    ['<img src="https://example.com/a.png">', '<script>x()</script>', '<link href="//cdn.example/x.css">',
     '<div style="background:url(http://x)">', '<a href="javascript:x()">a</a>', '<p onclick="x()">a</p>'],
)
def test_unsafe_markup_is_refused(markup):
    assert check_offline(markup)
    with pytest.raises(RunError, match="not be self-contained"):
        render_report([Section("S", markup, "s")], title="t")


def test_write_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / "report.html"
    write_atomic(target, "old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
