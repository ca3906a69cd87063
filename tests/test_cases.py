import re

import pandas as pd
import pytest

from carelib.analysis.cases import case_card, pick_case
from carelib.errors import DataError, ParameterError


def _redact(text: str) -> str:
    return re.sub(r"[\w.]+@[\w.]+", "[email]", text)


def _tables():
    # baseline (12 weeks before the window): delivery 12 complaints, billing 3
    # window (4 weeks to 2026-W34, Mon 2026-07-27 .. Sun 2026-08-23): delivery 6, billing 10
    rows = []
    for i in range(12):
        rows.append(("delivery", pd.Timestamp("2026-05-04") + pd.Timedelta(days=6 * i)))
    for i in range(3):
        rows.append(("billing", pd.Timestamp("2026-05-10") + pd.Timedelta(days=20 * i)))
    for i in range(6):
        rows.append(("delivery", pd.Timestamp("2026-07-28") + pd.Timedelta(days=4 * i)))
    for i in range(10):
        rows.append(("billing", pd.Timestamp("2026-08-10") + pd.Timedelta(days=i)))
    complaints = pd.DataFrame({
        "complaint_id": [f"CP{i:03d}" for i in range(len(rows))],
        "customer_id": [f"C{i:03d}" for i in range(len(rows))],
        "received_at": [r[1] for r in rows],
        "category": [r[0] for r in rows],
        "text": [f"charged twice <b>again</b> & mail me: me{i}@example.com" for i in range(len(rows))],
    })
    billing_now = complaints[(complaints.category == "billing") & (complaints.received_at >= "2026-07-27")]
    tickets = pd.DataFrame({
        "ticket_id": [f"T{i}" for i in range(len(billing_now))],
        "customer_id": billing_now["customer_id"].tolist(),
        "created_at": (billing_now["received_at"] - pd.Timedelta(hours=2)).tolist(),
    })
    msgs = []
    for i, t in tickets.iterrows():
        base = t["created_at"]
        n_extra = 2 if i in (3, 5) else 0  # two tickets have fuller conversations
        msgs.append((t["ticket_id"], base, "customer", "I was charged twice!"))
        msgs.append((t["ticket_id"], base + pd.Timedelta(minutes=95), "agent", "So sorry, refund by Friday."))
        for k in range(n_extra):
            msgs.append((t["ticket_id"], base + pd.Timedelta(hours=5 + k), "customer" if k == 0 else "agent", f"follow-up {k}"))
    messages = pd.DataFrame(msgs, columns=["ticket_id", "sent_at", "author_role", "text"])
    messages["message_id"] = [f"M{i}" for i in range(len(messages))]
    recoveries = pd.DataFrame({
        "incident_id": ["INC1"], "customer_id": [billing_now["customer_id"].iloc[5]],
        "occurred_at": [pd.Timestamp("2026-08-13")], "compensating_action": ["Refund + €10 voucher"],
        "cost": [52.5], "outcome": ["retained"], "learning": ["retry created a second charge"],
    })
    return complaints, tickets, messages, recoveries


def test_picks_the_fastest_growing_theme_and_a_full_conversation():
    complaints, tickets, messages, recoveries = _tables()
    case = pick_case(complaints, tickets, messages, "2026-W34", recoveries=recoveries, pool=1)
    assert case.theme == "billing"
    # billing: 10 in 4 weeks = 2.5/week vs 3 in 12 weeks = 0.25/week before
    assert "10 complaints" in case.why and "2.5 a week" in case.why and "0.2 a week" in case.why
    assert case.same_problem == 10
    # pool=1: the candidate with the most messages, most recent first -> ticket T5 (4 messages)
    assert case.ticket["ticket_id"] == "T5"
    assert len(case.timeline) == 4
    assert case.timeline["waited"].iloc[1] == pd.Timedelta(minutes=95)
    largest = pick_case(complaints, tickets, messages, "2026-W34", rule="largest")
    assert largest.theme == "billing"  # 10 > 6 in the window as well


def test_seeded_choice_is_reproducible_and_varies_with_the_seed():
    complaints, tickets, messages, _ = _tables()
    picks = {s: pick_case(complaints, tickets, messages, "2026-W34", seed=s).complaint["complaint_id"] for s in range(8)}
    assert picks[0] == pick_case(complaints, tickets, messages, "2026-W34", seed=0).complaint["complaint_id"]
    assert len(set(picks.values())) > 1


def test_case_card_is_redacted_and_escaped():
    complaints, tickets, messages, recoveries = _tables()
    case = pick_case(complaints, tickets, messages, "2026-W34", recoveries=recoveries, pool=1)
    card = case_card(case, redact=_redact)
    assert "@example.com" not in card.html
    assert "&lt;b&gt;again&lt;/b&gt; &amp;" in card.html and "<b>again" not in card.html
    assert "replied after 1.6 h" in card.html
    assert "€52.50" in card.html and "retry created a second charge" in card.html
    assert card._repr_html_() == card.html


def test_bad_period_and_empty_window():
    complaints, tickets, messages, _ = _tables()
    with pytest.raises(ParameterError, match="ISO week"):
        pick_case(complaints, tickets, messages, "August")
    with pytest.raises(DataError, match="no complaints"):
        pick_case(complaints, tickets, messages, "2025-W10")
