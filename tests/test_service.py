"""Service skills: detectors, scorecards, and the real Twitter data read into our tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carelib.analysis.service import (
    conversation_skills,
    customer_sentiment_shift,
    load_phrases,
    score_messages,
    skills_scorecard,
)
from carelib.data.public_data import read_ibm_twitter, read_twcs, snowflake_time
from carelib.errors import DataError, ParameterError
from tests.conftest import shared_file

CASES = [
    ("I'll refund you by Friday.", {"plan": True}),
    ("You'll get an email within 24 hours with the label.", {"plan": True}),
    ("Our courier will call you tomorrow morning.", {"plan": True}),
    ("I'll look into it.", {"plan": False}),  # commitment without a time
    ("It should be with you on Friday.", {"plan": False}),  # a time without anyone committing
    ("That's our policy, I'm afraid.", {"rigid": True}),
    ("There is nothing I can do about that.", {"rigid": True}),
    ("The system doesn't allow me to change it.", {"rigid": True}),
    ("As a one-off I've waived the return fee.", {"exception": True, "rigid": False}),
    ("I'm so sorry, I completely understand how frustrating this is.", {"empathy": True}),
    ("You should have read the terms before ordering.", {"blame": True}),
    ("Thanks for your patience, happy to help!", {"politeness": True, "blame": False}),
    ("We will not be policing your choices", {"rigid": False}),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_detectors(text, expected):
    row = score_messages(pd.DataFrame({"text": [text]})).iloc[0]
    for key, value in expected.items():
        assert bool(row[key]) is value, (text, key)


def test_tone_orders_messages_sensibly():
    s = score_messages(pd.DataFrame({"text": [
        "I'm so sorry about this, thank you for your patience - I'll fix it today.",
        "Order number?",
        "You should have read the policy. Nothing I can do.",
    ]}))
    assert s["tone"].iloc[0] > s["tone"].iloc[1] > s["tone"].iloc[2]
    assert s["tone"].between(-1, 1).all()


def test_custom_phrase_file_and_errors(tmp_path):
    p = tmp_path / "p.yml"
    p.write_text("rigid: ['(']\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing phrase list"):
        load_phrases(p)
    full = {k: ["zzz"] for k in ("plan_commitment", "plan_time", "rigid", "exception", "politeness", "empathy", "blame", "negation")}
    full["rigid"] = ["("]
    import yaml

    p.write_text(yaml.safe_dump(full), encoding="utf-8")
    with pytest.raises(DataError, match=r"list 'rigid' entry 1: not a valid pattern"):
        load_phrases(p)
    full["rigid"] = ["computer says no"]
    p.write_text(yaml.safe_dump(full), encoding="utf-8")
    out = score_messages(pd.DataFrame({"text": ["Computer says no."]}), phrases=p)
    assert out["rigid"].iloc[0]
    with pytest.raises(ParameterError):
        score_messages(pd.DataFrame({"body": ["x"]}))


def _toy():
    tickets = pd.DataFrame({"ticket_id": list("abcd"), "team": ["A", "A", "B", "B"]})
    messages = pd.DataFrame({
        "ticket_id": list("aabbccd"),
        "author_role": ["customer", "agent", "customer", "agent", "customer", "agent", "customer"],
        "sent_at": pd.to_datetime(["2026-01-05 09:00"] * 7),
        "text": ["Where is it?", "So sorry! I'll send it today.", "Refund?", "Thanks, I'll refund you by Friday.",
                 "Return?", "That's our policy.", "Hello?"],
    })
    return tickets, messages


def test_scorecard_shares_intervals_and_min_n():
    t, m = _toy()
    conv = conversation_skills(t, m)
    assert conv.set_index("ticket_id").loc["d", "agent_messages"] == 0
    assert np.isnan(conv.set_index("ticket_id").loc["d", "plan"]) if conv["plan"].dtype != bool else True
    card = skills_scorecard(conv, "team", min_n=2).set_index("team")
    assert card.loc["A", "n"] == 2 and card.loc["A", "plan"] == 1.0 and card.loc["A", "note"] == ""
    assert card.loc["B", "n"] == 1 and card.loc["B", "rigid"] == 1.0 and card.loc["B", "note"] == "n too small (1 < 2)"
    # Wilson 2/2: [0.3424, 1.0]
    assert card.loc["A", "plan_low"] == pytest.approx(0.342, abs=1e-3) and card.loc["A", "plan_high"] == pytest.approx(1.0)


def test_customer_sentiment_first_to_last():
    m = pd.DataFrame({
        "ticket_id": ["a", "a", "a"], "author_role": ["customer", "agent", "customer"],
        "sent_at": pd.to_datetime(["2026-01-05 09:00", "2026-01-05 09:05", "2026-01-05 09:10"]),
        "text": ["This is terrible, I'm furious", "Sorry!", "Great, thank you so much, brilliant"],
    })
    shift = customer_sentiment_shift(m).iloc[0]
    assert shift["first"] < 0 < shift["last"] and shift["customer_messages"] == 2


def test_snowflake_matches_stated_times(shared_data):
    """The dataset's own turns carry both a time and an id: the decoded id agrees within 1 s."""
    import json

    path = shared_file(shared_data, "ibm-twitter-customer-care", "dev.json")
    conv = json.loads(path.read_text())
    diffs = [abs((snowflake_time(t["tweet_ID"]) - pd.Timestamp(t["datetime"]).tz_convert(None)).total_seconds())
             for c in conv for t in c["dialogContent"]]
    assert max(diffs) < 1.0


def test_ibm_first_response_matches_independent_computation(shared_data):
    folder = shared_file(shared_data, "ibm-twitter-customer-care", "dev.json").parent
    tickets, messages = read_ibm_twitter(folder)
    assert len(tickets) == 1025 and tickets["ticket_id"].is_unique
    assert not messages["text"].str.contains("@CinVakas").any()  # handles masked
    # independent: straight from the JSON, first agent time minus first customer time, median per brand
    import json

    rows = []
    for name in ("dev.json", "test.json"):
        for c in json.loads((folder / name).read_text()):
            first = pd.Timestamp(c["dialogContent"][0]["datetime"]).tz_convert(None)
            agent_times = [pd.Timestamp(t["datetime"]).tz_convert(None) for t in c["dialogContent"] if "agent" in t]
            agent_times.append(pd.Timestamp((int(c["agentURL"]["tweet_ID"]) >> 22) + 1288834974657, unit="ms"))
            later = [a for a in agent_times if a >= first]
            rows.append((c["dialogHeader"]["company"], (min(later) - first).total_seconds() / 60))
    ref = pd.DataFrame(rows, columns=["brand", "minutes"]).groupby("brand")["minutes"].median()
    ours = _first_response_minutes(tickets, messages)
    pd.testing.assert_series_equal(ours.sort_index(), ref.sort_index(), check_names=False, atol=1e-6)
    assert 100 < pd.DataFrame(rows)[1].median() < 150  # SOURCE.md: median about 125 minutes


def _first_response_minutes(tickets: pd.DataFrame, messages: pd.DataFrame) -> pd.Series:
    """First response per brand via carelib's tables (agent message after the first customer message)."""
    first_c = messages[messages.author_role == "customer"].groupby("ticket_id")["sent_at"].min().rename("c")
    m = messages.merge(first_c, on="ticket_id")
    first_a = m[(m.author_role == "agent") & (m.sent_at >= m.c)].groupby("ticket_id")["sent_at"].min().rename("a")
    t = tickets.set_index("ticket_id").join(first_c).join(first_a)
    return ((t["a"] - t["c"]).dt.total_seconds() / 60).groupby(t["team"]).median()


def test_twcs_threads(shared_data):
    path = shared_file(shared_data, "twcs-sample", "twcs.csv")
    tickets, messages = read_twcs(path)
    assert tickets["ticket_id"].is_unique and messages["message_id"].is_unique
    assert set(messages["ticket_id"]) == set(tickets["ticket_id"])
    assert (messages.groupby("ticket_id")["author_role"].first() == "customer").mean() > 0.9
    assert tickets["team"].notna().mean() > 0.99


def test_ibm_first_response_through_carelib_response_times(shared_data):
    """carelib.metrics.response_times on the IBM tables agrees with the JSON computed independently, per brand."""
    import json

    from carelib.metrics import response_times as rt

    folder = shared_file(shared_data, "ibm-twitter-customer-care", "dev.json").parent
    tickets, messages = read_ibm_twitter(folder)
    times = rt.ticket_times(tickets, messages)
    assert times["responded"].all() and len(times) == len(tickets)
    rows = []
    for name in ("dev.json", "test.json"):
        for c in json.loads((folder / name).read_text()):
            start = pd.Timestamp(c["dialogHeader"]["conversationDateTime"]).tz_convert(None)
            agent = [pd.Timestamp(t["datetime"]).tz_convert(None) for t in c["dialogContent"] if "agent" in t]
            agent.append(pd.Timestamp((int(c["agentURL"]["tweet_ID"]) >> 22) + 1288834974657, unit="ms"))
            rows.append((c["dialogHeader"]["company"], min(a for a in agent if a >= start), start))
    ref = pd.DataFrame(rows, columns=["brand", "reply", "start"])
    ref["minutes"] = (ref["reply"] - ref["start"]).dt.total_seconds() / 60
    ours = times.groupby("team")["first_response_min"].median()
    pd.testing.assert_series_equal(ours.sort_index(), ref.groupby("brand")["minutes"].median().sort_index(),
                                   check_names=False, atol=1e-6)
    # the quantile with its interval: an order statistic of the same minutes, inside its interval
    q = rt.quantiles(times, "first_response_min", "responded", by="team")
    for r in q.itertuples():
        m = np.sort(ref.loc[ref["brand"] == r.team, "minutes"].to_numpy())
        assert np.ceil(r.p50) == np.ceil(m[int(np.ceil(0.5 * len(m))) - 1])
        if r.n >= 6:  # below 6 no distribution-free 95 % interval exists (1 - 2 * 0.5**5 < 0.95)
            assert r.p50_low <= r.p50 <= r.p50_high
        else:
            assert np.isnan(r.p50_low) and "too few" in r.note


def test_html_message_bodies_are_read_as_text():
    import pandas as pd

    from carelib.analysis.service import score_messages

    m = pd.DataFrame({"text": ["<p>I&#39;m so sorry &mdash; I&#39;ll refund you <b>by Friday</b>.</p>",
                               "<div>That&#39;s our policy.</div>"]})
    out = score_messages(m, sentiment=False)
    assert out[["plan", "empathy", "rigid"]].values.tolist() == [[True, True, False], [False, False, True]]
    assert out["text"].tolist() == m["text"].tolist()  # the input column is kept as it was


def test_refusals_of_real_chat_are_rigid():
    import pandas as pd

    from carelib.analysis.service import score_messages

    said = ["ok, unfortunately because it has been more than 90 days we cannot accept the return.",
            "I'm afraid that's outside the 30-day return window.", "We are unable to process your refund request.",
            "If your item is not eligible for replacement, you can still return it for a refund."]
    assert score_messages(pd.DataFrame({"text": said}), sentiment=False)["rigid"].tolist() == [True, True, True, False]
