"""Service quality and recovery review notebooks end to end: planted truths, privacy, real Twitter data."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from carelib.data import public_data
from carelib.metrics import response_times as rt
from carelib.practices import service_quality as practice
from carelib.report import findings
from carelib.report.findings import read_findings
from carelib.run.notebook import run_notebook
from tests.conftest import ROOT, committed_report, shared_file

SERVICE = ROOT / "notebooks" / "service_quality.ipynb"
RECOVERY = ROOT / "notebooks" / "recovery_review.ipynb"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _personal(demo_dir) -> list[str]:
    c = pd.read_csv(demo_dir / "customers.csv")
    return [*c["name"].dropna(), *c["email"].dropna(), *c["phone"].dropna()]


def _text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)  # CSS (@media) is not content
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_service_quality_demo_truths(demo_dir, monkeypatch):
    """The planted truths, from the practice functions on the demo workspace (no notebook run)."""
    monkeypatch.setenv("CARELIB_TODAY", "2026-12-01")
    got: list[dict] = []
    monkeypatch.setattr(findings, "publish", lambda key, value, **kw: got.append(findings.finding(key, value, **kw)))
    review = practice.open_review(str(demo_dir))
    practice.waves(review)
    practice.csat(review)
    card = practice.skills(review).parts[0].set_index("team")["rigid"]
    f = {x["key"]: x for x in got}
    assert f["skills.csat.plan"]["value"] > 0.05  # truth 5: plans go with higher CSAT
    assert "Mon" in f["availability.wave"]["text"]  # truth 3: the Monday-morning wave
    # truth 4: team B refuses rigidly far more often than A and C
    assert card["B"] > 0.1 and card["B"] > 3 * max(card["A"], card["C"])


def test_service_quality_notebook_on_demo_keeps_privacy(demo_dir):
    """The demo run with default parameters is the committed notebook (nbval re-runs it): its findings and report."""
    nb, page = committed_report(SERVICE)
    keys = {x["key"] for x in read_findings(nb)}
    assert {"case", "availability.first_response", "availability.wave", "skills.plan", "skills.csat.plan"} <= keys
    text = _text(page)
    people = set(_personal(demo_dir))
    assert not [p for p in people if p in text]
    assert not EMAIL.search(text)
    # truth 4 as the report shows it: the scorecard row of team B (n, plan, interval, rigid)
    card = re.search(r"\bB\s+\d+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+([\d.]+)", text)
    assert card and float(card.group(1)) > 0.1


@pytest.mark.notebook
def test_recovery_review_exports_and_privacy(demo_dir, tmp_path):
    res = run_notebook(RECOVERY, {"export_dir": str(tmp_path / "export")}, tmp_path / "out", data=demo_dir)
    backlog = pd.read_csv(tmp_path / "export" / "recovery_backlog.csv")
    calls = pd.read_csv(tmp_path / "export" / "high_touch.csv")
    assert backlog["incidents"].sum() == len(pd.read_csv(demo_dir / "recoveries.csv"))  # every incident in a mode
    assert backlog["story"].str.startswith("As a customer").all()
    truth_silent = {"C00031", "C00048", "C00061", "C00085", "C00092", "C00097",
                    "C00022", "C00037", "C00044", "C00055", "C00076", "C00081"}  # TRUTH.yml truth 10
    assert truth_silent <= set(calls["customer_id"])
    people = set(_personal(demo_dir))
    for blob in (calls.to_csv(index=False), backlog.to_csv(index=False), _text(res.report.read_text(encoding="utf-8"))):
        assert not [p for p in people if p in blob] and not EMAIL.search(blob)


@pytest.mark.notebook
def test_service_quality_on_ibm_twitter(shared_data, tmp_path):
    folder = shared_file(shared_data, "ibm-twitter-customer-care", "dev.json").parent
    tickets, messages = public_data.read_ibm_twitter(folder)
    ws = tmp_path / "ws"
    ws.mkdir()
    tickets.to_csv(ws / "tickets.csv", index=False)
    messages.to_csv(ws / "messages.csv", index=False)
    res = run_notebook(SERVICE, {"period": "latest", "weeks": 0, "min_n": 20}, tmp_path / "out", data=ws)
    f = {x["key"]: x for x in read_findings(res.executed)}
    expected = rt.quantiles(rt.ticket_times(tickets, messages), "first_response_min", "responded").iloc[0]
    assert f["availability.first_response"]["value"] == pytest.approx(float(expected["p50"]))
    text = _text(res.report.read_text(encoding="utf-8"))
    # customer handles were masked when reading; the brands' own handles may stay
    brands = set(tickets["team"])
    raw_handles = {h for h in re.findall(r"@(\w+)", text) if not h.startswith("user")}
    assert raw_handles <= brands | {b.lower() for b in brands}, sorted(raw_handles - brands)[:5]
