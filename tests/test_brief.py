"""The brief and what changed since the last run (issue 17), on findings written by hand."""

from __future__ import annotations

import pandas as pd

from carelib.report.brief import (
    actions_due,
    headline_changes,
    pick,
    render_brief,
    sentence,
    verdict,
    what_changed,
)

NPS = {"key": "headline.nps", "label": "NPS", "value": 31.4, "ci": [24.8, 37.6], "unit": "points", "kind": "metric",
       "change": 2.4, "p_value": 0.61, "significant": False, "signal": "", "comparison": "2026-W40 to 2026-W43"}
COMPLAINTS = {"key": "headline.complaints_per_1000", "label": "Complaints per 1,000 orders", "value": 5.8,
              "ci": [4.0, 8.2], "unit": "per 1,000", "kind": "metric", "change": 1.8, "p_value": 0.2,
              "significant": False, "signal": "WE4 in 2026-W44"}
CASE = {"key": "case", "kind": "case", "label": "The case", "text": "customer C1 (2026-11-14)",
        "words": "Rude reply, no apology.", "why": "fastest-growing theme", "outcome": "No recovery logged."}


def test_sentences_say_interval_change_and_signal_or_noise():
    s = sentence(NPS)
    assert "31.4" in s and "24.8–37.6" in s and "2.4 higher than 2026-W40 to 2026-W43" in s and "within noise" in s
    c = sentence(COMPLAINTS)
    assert "4.0–8.2 per 1,000" in c and "per 1,000 (interval" not in c.replace("5.8 per 1,000 (interval", "")
    assert ">signal<" in c


def test_verdict_calls_more_complaints_worse_and_more_nps_better():
    assert verdict([NPS, COMPLAINTS]).startswith("Worse: Complaints per 1,000 orders moved beyond its noise")
    better = {**NPS, "significant": True, "p_value": 0.01}
    assert verdict([better]).startswith("Better: NPS")
    assert verdict([NPS]).startswith("No change beyond noise")


def test_pick_keeps_three_to_seven_signals_first_never_the_case():
    many = [CASE] + [{"key": f"segment.{i}", "kind": "signal", "label": str(i), "text": ""} for i in range(9)]
    assert len(pick(many)) == 7 and all(f["kind"] == "signal" for f in pick(many))
    few = [CASE, NPS, {"key": "theme.a", "kind": "theme", "label": "a", "text": "x"},
           {"key": "theme.b", "kind": "theme", "label": "b", "text": "y"}]
    assert [f["key"] for f in pick(few)] == ["headline.nps", "theme.a", "theme.b"]


def test_what_changed_names_signals_themes_segments_and_closed_actions():
    before = [NPS, {"key": "availability.wave", "kind": "signal", "label": "The worst wave", "text": "Mon 09:00"},
              {"key": "voc.emerging.late", "kind": "signal", "value": 2.0, "label": "New theme: late", "text": ""},
              {"key": "voc.emerging.rude", "kind": "signal", "value": 3.0, "label": "Rising theme: rude", "text": ""}]
    now = [{**NPS, "value": 28.0}, COMPLAINTS,
           {"key": "voc.emerging.rude", "kind": "signal", "value": 4.0, "label": "Rising theme: rude", "text": ""},
           {"key": "voc.emerging.charged", "kind": "signal", "value": 9.0, "label": "New theme: charged", "text": "6"},
           {"key": "segment.nps.region.North", "kind": "signal", "label": "NPS: region = North below the rest",
            "text": "-9"}]
    actions = pd.DataFrame({"action_id": ["A1", "A2"], "description": ["Rota", "Fix"], "status": ["done", "open"]})
    items = " ".join(what_changed(now, before, actions_now=actions, actions_before={"A1": "open", "A2": "open"}))
    assert "New signal: <strong>Complaints per 1,000 orders" in items and "Cleared: The worst wave" in items
    assert "appeared or grew: <strong>charged" in items and "still growing: <strong>rude" in items
    assert "Theme faded: late" in items and "Newly below the rest: <strong>NPS: region = North" in items
    assert "Actions closed: A1 Rota (done)" in items and "A2" not in items
    assert what_changed(now, None)[0].startswith("First run")
    table = headline_changes(now, before)
    assert table.iloc[0].tolist() == ["NPS", "28.0", "31.4", "−3.4"]


def test_actions_due_overdue_first_and_the_brief_holds_every_part():
    actions = pd.DataFrame({"action_id": ["A1", "A2", "A3"], "owner": ["COO", "CTO", "Ops"],
                            "description": ["x", "y", "z"], "due": ["2026-11-01", "2026-12-20", ""],
                            "status": ["open", "open", "done"]})
    due = actions_due(actions, pd.Timestamp("2026-11-23"))
    assert due["action"].tolist() == ["A1 x", "A2 y"] and due["status"].tolist() == ["overdue", "open"]
    page = render_brief([CASE, NPS, COMPLAINTS], period="2026-W47", changed=["First run"], actions=due)
    for part in ("The brief · 2026-W47", "The case", "“Rude reply, no apology.”", "What matters this week",
                 "What changed since the last run", "Actions due", "overdue"):
        assert part in page, part
    assert "nan" not in page.lower().replace("nance", "")


def test_undated_numbers_are_neither_signal_nor_noise():
    undated = {**NPS, "change": None, "p_value": None, "significant": False, "signal": ""}
    assert "within noise" not in sentence(undated) and "signal" not in sentence(undated)
    assert verdict([undated]).startswith("No comparison")
