"""The interview synthesis notebook end to end: privacy of the report, verbatim quotes, real transcripts.

The logic of each section is unit-tested on its practice function in test_practices_interview_synthesis.py;
these two runs show what only a whole notebook run can: the rendered report and parameters injected by papermill.
"""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from carelib.data.transcripts import read_transcripts
from carelib.qual.quotes import pseudonymise
from carelib.report.findings import read_findings
from carelib.run.notebook import run_notebook
from carelib.text.redact import Redactor
from tests.conftest import ROOT, shared_file

NOTEBOOK = ROOT / "notebooks" / "interview_synthesis.ipynb"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+?\d[\d ()-]{7,}\d")


@pytest.mark.notebook
def test_demo_synthesis_is_redacted_and_quotes_are_verbatim(demo_dir, tmp_path):
    res = run_notebook(NOTEBOOK, {"export_dir": str(tmp_path / "export")}, tmp_path / "out", data=demo_dir)
    page = res.report.read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    roster = pd.read_csv(demo_dir / "participants.csv")
    for name in roster["name"]:
        for part in [name, *name.split()]:
            assert not re.search(rf"\b{re.escape(part)}\b", text), f"roster name {part!r} in the report"
    raw = "\n".join(p.read_text(encoding="utf-8-sig") for p in sorted((demo_dir / "interviews").iterdir()))
    emails, phones = set(EMAIL.findall(raw)), {p.strip() for p in PHONE.findall(raw)}
    assert emails and phones  # the demo plants both (TRUTH.yml truth 11)
    assert not [e for e in emails if e in text] and not [p for p in phones if p in text]
    # every quote shown is, after redaction, a verbatim span of its interview
    tr = read_transcripts(demo_dir / "interviews", roster)
    _, documents, names = pseudonymise(tr.turns, tr.documents, roster)
    redact = Redactor(names)
    docs = {k: redact.redact(v) for k, v in documents.items()}
    shown = re.findall(r"<li>“(.+?)” <small>— [^,]+, (interview \d+)", page)
    assert len(shown) >= 10
    for quote, interview in shown:
        assert html.unescape(quote) in docs[interview], (interview, quote[:60])
    keys = {f["key"] for f in read_findings(res.executed)}
    # truth 11: the planted interview themes surface as insights
    assert {"insight.rigid-returns", "insight.app-login-loop", "insight.delivery-communication"} <= keys
    # truth 13: the two simulated coders' agreement (computed by hand in test_practices_interview_synthesis), their
    # disagreements with the excerpt, the codebook's changes since round 1; the review widget stays out of the report
    assert {"agreement.kappa", "agreement.alpha"} <= keys
    assert "κ = 0.87 between ana and ben" in text and "α = 0.87, 2 coders, 66 excerpts" in text
    assert "Disagreements to calibrate on" in text and "late-delivery" in text and "returns-refused" in text
    assert "Review the coding yourself" not in text
    stories = pd.read_csv(tmp_path / "export" / "user_stories.csv")
    assert stories["story"].str.startswith("As a ").all() and (stories["participants"] > 0).all()


@pytest.mark.notebook
def test_changelog_transcripts_with_papermill(shared_data, tmp_path):
    folder = shared_file(shared_data, "changelog-interview-transcripts", "podcast", "the-changelog-609.md").parent.parent
    res = run_notebook(NOTEBOOK, {"transcripts": "podcast", "roster": "", "codebook": str(ROOT / "data" / "demo" /
                       "codebook.yml"), "min_participants": 1}, tmp_path / "out", data=folder)
    page = res.report.read_text(encoding="utf-8")
    assert "3 interviews" in page and "Themes the codebook does not cover" in page
    assert "quotes checked verbatim" in page
