"""carelib.practices.service_quality on a tiny hand-made workspace: numbers by hand, absent tables, findings."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from IPython.display import HTML

from carelib.data.tables import Workspace
from carelib.practices import service_quality as practice
from carelib.report import findings

Z = 1.959963984540054
# ticket, team, created (all W47 but T0, in W45), minutes to the first agent reply, its text
TICKETS = [("T0", "A", "2026-11-02 09:00", 5, "Thanks."),
           ("T1", "A", "2026-11-16 09:00", 10, "I'm so sorry - I'll refund you by Friday, Tess Brandt."),
           ("T2", "A", "2026-11-16 10:00", 20, "That's our policy."),
           ("T3", "A", "2026-11-17 09:00", 30, "I'm so sorry about that."),
           ("T4", "B", "2026-11-18 09:00", 40, "That's our policy."),
           ("T5", "B", "2026-11-19 09:00", 50, "Thanks.")]


def wilson(k: int, n: int) -> tuple[float, float]:
    p, d = k / n, 1 + Z**2 / n
    centre, half = (p + Z**2 / (2 * n)) / d, Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / d
    return centre - half, centre + half


def write_workspace(folder, *, complaints: bool = False):
    folder.mkdir(exist_ok=True)
    rows, msgs = [], []
    for tid, team, created, minutes, reply in TICKETS:
        at = pd.Timestamp(created)
        rows.append({"ticket_id": tid, "customer_id": "C1", "channel": "chat", "created_at": at,
                     "closed_at": at + pd.Timedelta(hours=2), "team": team, "status": "closed"})
        msgs += [{"ticket_id": tid, "sent_at": at, "author_role": "customer", "author_id": "C1", "text": "Help please"},
                 {"ticket_id": tid, "sent_at": at + pd.Timedelta(minutes=minutes), "author_role": "agent",
                  "author_id": f"agent-{team}", "text": reply}]
    # T1: the customer asks again at 09:30 and waits 30 minutes for the next response
    msgs += [{"ticket_id": "T1", "sent_at": pd.Timestamp("2026-11-16 09:30"), "author_role": "customer",
              "author_id": "C1", "text": "Any news?"},
             {"ticket_id": "T1", "sent_at": pd.Timestamp("2026-11-16 10:00"), "author_role": "agent",
              "author_id": "agent-A", "text": "Done."}]
    pd.DataFrame(rows).to_csv(folder / "tickets.csv", index=False)
    m = pd.DataFrame(msgs).sort_values(["ticket_id", "sent_at"], kind="stable")
    m.assign(message_id=[f"M{i}" for i in range(len(m))]).to_csv(folder / "messages.csv", index=False)
    pd.DataFrame({"customer_id": ["C1"], "first_seen": ["2026-01-01"], "name": ["Tess Brandt"]}).to_csv(
        folder / "customers.csv", index=False)
    if complaints:  # one complaint, long before the window
        pd.DataFrame({"complaint_id": ["K1"], "customer_id": ["C1"], "received_at": ["2026-06-01 10:00"],
                      "category": ["billing"], "text": ["Charged twice"]}).to_csv(folder / "complaints.csv", index=False)
    return folder


@pytest.fixture
def review(tmp_path, monkeypatch):
    monkeypatch.setenv("CARELIB_TODAY", "2026-12-01")
    return practice.open_review(str(write_workspace(tmp_path / "ws")), period="latest", weeks=1, min_n=1)


@pytest.fixture
def published(monkeypatch):
    got: list[dict] = []
    monkeypatch.setattr(findings, "publish", lambda key, value, **kw: got.append(findings.finding(key, value, **kw)))
    return got


def markdown(shown) -> str:
    return " ".join(getattr(p, "data", "") or "" for p in shown.parts)


def test_select_window_resolves_latest_and_keeps_inputs():
    t = pd.DataFrame({"ticket_id": ["a", "b", "c"], "created_at": ["2026-11-02", "2026-11-16", "2026-11-20"],
                      "team": [None, None, None]})
    m = pd.DataFrame({"ticket_id": ["a", "b", "c", "c"]})
    before = t.copy()
    t2, m2, period = practice.select_window(t, m, "latest", 1, "team")
    assert period == "2026-W47" and t2["ticket_id"].tolist() == ["b", "c"] and len(m2) == 3
    assert t2["team"].tolist() == ["all", "all"]  # a by column of only missing values: one group
    pd.testing.assert_frame_equal(t, before)
    t3, m3, p3 = practice.select_window(t, m, "2026-W45", 0, "team")
    assert p3 == "2026-W45" and len(t3) == 3 and len(m3) == 4


def test_open_review_and_overview(review):
    assert review.period == "2026-W47" and len(review.tickets) == 5 and len(review.messages) == 12
    text = markdown(practice.overview(review))
    assert "**5 conversations**" in text and "12 messages" in text and "compared by team" in text


def test_availability_medians_by_hand(review, published):
    shown = practice.availability(review)
    assert [p.caption.split(" by team")[0] for p in shown.parts] == [
        "First response (minutes)", "Next responses (minutes)", "Conversations answered within 60 minutes,"]
    first = shown.parts[0].frame.set_index("team")
    assert first.loc["A", "p50"] == pytest.approx(20) and first.loc["B", "n"] == 2
    later = shown.parts[1].frame
    assert later["n"].sum() == 1 and later["p50"].iloc[0] == pytest.approx(30)  # T1's second wait
    assert [f["key"] for f in published] == ["availability.first_response"]
    f = published[0]
    assert f["value"] == pytest.approx(30) and f["label"] == "First response, median (minutes)"
    assert f["text"].startswith("30 min (p90 ") and f["text"].endswith("n = 5)") and len(f["ci"]) == 2


def test_skill_shares_and_findings_by_hand(review, published):
    card = practice.skills(review).parts[0].frame.set_index("team")
    assert card.loc["A", "n"] == 3 and card.loc["A", "plan"] == pytest.approx(0.333)
    assert card.loc["B", "rigid"] == pytest.approx(0.5)  # T4 of T4, T5
    got = {f["key"]: f for f in published}
    assert list(got) == ["skills.plan", "skills.rigid", "skills.empathy"]
    for key, k in (("skills.plan", 1), ("skills.rigid", 2), ("skills.empathy", 2)):
        lo, hi = wilson(k, 5)
        assert got[key]["value"] == pytest.approx(k / 5) and got[key]["ci"] == pytest.approx([lo, hi])
        assert got[key]["text"] == f"{k / 5:.0%} ({lo:.0%} to {hi:.0%}; n = 5)"
    assert got["skills.rigid"]["label"] == "Conversations with a rigid refusal"


def test_skill_shares_without_agent_replies():
    shares = practice.skill_shares(pd.DataFrame({"agent_messages": [0], "plan": [None], "rigid": [None],
                                                 "empathy": [None]}))
    assert shares["n"].eq(0).all() and shares["share"].isna().all()


def test_examples_are_redacted_and_escaped(review):
    page = practice.examples(review).parts[0].data
    assert "Tess Brandt" not in page and "Customer A" in page
    assert "<h4>A rigid refusal</h4>" in page and "That&#x27;s our policy." in page
    assert "<h4>An exception offered</h4>" in page


def test_example_list_none():
    s = pd.DataFrame({"text": ["x"], "team": ["A"]})
    assert practice.example_list(s, s["text"] == "y", "T", by="team") == "<h4>T</h4><ul><li>none</li></ul>"


def test_sentiment_table_by_hand():
    s = pd.DataFrame({"team": ["A", "A", "A", "B"], "first": [0.0, 0.2, 0.4, -0.5], "last": [0.3, 0.2, 0.0, 0.5],
                      "shift": [0.3, 0.0, -0.4, 1.0]})
    t = practice.sentiment_table(s, "team")
    assert t.loc["A"].to_dict() == pytest.approx({"conversations": 3, "first": 0.2, "last": 0.5 / 3,
                                                  "improved": 1 / 3, "worsened": 1 / 3})
    assert t.loc["B", "improved"] == 1.0


def test_sentiment_shift_section(review):
    table = practice.sentiment_shift(review).parts[0].frame
    assert table["conversations"].to_dict() == {"A": 3, "B": 2}


def test_waves_publish_the_worst_hour(review, published):
    shown = practice.waves(review, top=3)
    assert len(shown.parts[0].frame) <= 3
    worst = shown.parts[0].frame.iloc[0]
    if worst["gap_agents"] > 0:
        assert published[0]["key"] == "availability.wave" and published[0]["kind"] == "signal"
        assert published[0]["value"] == pytest.approx(float(worst["gap_agents"]))
    else:
        assert published == []


def test_case_sentences(review, tmp_path, monkeypatch):
    assert markdown(practice.case(review)) == "_No complaints table: the case needs one._"
    monkeypatch.setenv("CARELIB_TODAY", "2026-12-01")
    ws = write_workspace(tmp_path / "with_complaints", complaints=True)
    old = practice.open_review(str(ws), period="latest", weeks=1, min_n=1)
    assert markdown(practice.case(old)).startswith("_No case this period: no complaints between")
    every = practice.open_review(str(ws), period="latest", weeks=0, min_n=1)
    assert len(every.tickets) == 6 and markdown(practice.case(every)) == "_No complaints table: the case needs one._"


def planted_csat():
    """40 conversations with a plan (36 satisfied), 40 without (10 satisfied); rigid is the opposite of plan."""
    ids = [f"T{i}" for i in range(80)]
    plan = [True] * 40 + [None] * 40
    conv = pd.DataFrame({"ticket_id": ids, "plan": plan, "rigid": [None] * 40 + [True] * 40, "empathy": [None] * 80})
    scores = [5] * 36 + [2] * 4 + [4] * 10 + [1] * 30
    answers = pd.DataFrame({"response_id": [f"R{i}" for i in range(80)], "survey": "csat", "score": scores,
                            "ticket_id": ids, "submitted_at": "2026-11-20"})
    noise = pd.DataFrame({"response_id": ["N1", "N2"], "survey": ["nps", "csat"], "score": [0, 1],
                          "ticket_id": ["T0", None], "submitted_at": "2026-11-20"})
    return conv, pd.concat([answers, noise], ignore_index=True)


def test_csat_effect_by_hand():
    conv, answers = planted_csat()
    effect = practice.csat_effect(conv, answers, min_n=30).set_index("attribute")
    assert list(effect.index) == ["plan", "rigid"]  # nobody shows empathy: no "with" group
    assert effect.loc["plan", "n"] == 40 and effect.loc["plan", "value"] == pytest.approx(0.9)
    assert effect.loc["plan", "rest_value"] == pytest.approx(0.25)
    assert effect.loc["plan", "difference"] == pytest.approx(0.65) and effect.loc["plan", "flag"] == "above the rest"
    assert effect.loc["rigid", "difference"] == pytest.approx(-0.65)
    assert practice.csat_effect(conv, answers.assign(ticket_id="X")).empty


def test_csat_findings_and_absent_table(review, tmp_path, published):
    assert markdown(practice.csat(review)) == "_No CSAT answers linked to conversations in this workspace._"
    conv, answers = planted_csat()
    folder = tmp_path / "answers"
    folder.mkdir()
    answers.to_csv(folder / "responses.csv", index=False)
    r = practice.Review(ws=Workspace(folder, errors="exclude", today="2026-12-01"), period="2026-W47", weeks=1,
                        by="team", min_n=30, tickets=pd.DataFrame(), messages=pd.DataFrame(), redact=str)
    r.conversations = conv  # the skills of the conversations, planted
    shown = practice.csat(r)
    assert len(shown.parts[0].frame) == 2
    got = {f["key"]: f for f in published}
    assert list(got) == ["skills.csat.plan", "skills.csat.rigid"]
    assert got["skills.csat.plan"]["value"] == pytest.approx(0.65) and got["skills.csat.plan"]["kind"] == "driver"
    assert got["skills.csat.plan"]["label"] == "CSAT with vs without plan"
    assert got["skills.csat.plan"]["text"].startswith("90% vs 25% satisfied (+65 points, p ")
    assert re.search(r"p (< 0\.001|= 0\.\d{3})\)$", got["skills.csat.plan"]["text"])  # three decimals at most


def test_availability_charts_draw(review):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    assert practice.availability_charts(review).parts == []
    assert len(plt.get_fignums()) == 3  # survival curves (groups of min_n or more), load, waiting
    plt.close("all")


def test_html_parts_are_html(review):
    assert isinstance(practice.examples(review).parts[0], HTML)


def test_a_group_too_small_to_test_publishes_no_finding(review, tmp_path, published):
    conv, answers = planted_csat()
    folder = tmp_path / "answers"
    folder.mkdir()
    answers.to_csv(folder / "responses.csv", index=False)
    r = practice.Review(ws=Workspace(folder, errors="exclude", today="2026-12-01"), period="2026-W47", weeks=1,
                        by="team", min_n=10_000, tickets=pd.DataFrame(), messages=pd.DataFrame(), redact=str)
    r.conversations = conv
    shown = practice.csat(r)
    assert set(shown.parts[0].frame["flag"]) == {"n too small"}
    assert published == []
