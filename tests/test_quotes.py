"""Quotes keep their exact spans; insights and stories count people, not mentions."""

from __future__ import annotations

import pandas as pd
import pytest

from carelib.codebook import codebook_from_records
from carelib.errors import DataError
from carelib.quotes import insights, pick_quotes, quote_spans, user_stories, verify_quotes

TURNS = pd.DataFrame(
    {
        "interview_id": ["i1", "i1", "i2"],
        "turn": [0, 1, 0],
        "speaker": ["Interviewer", "Ana Ruiz", "Bo"],
        "participant_id": [None, "P1", "P2"],
        "start": [0.0, 65.0, None],
        "text": ["How was it?", "Late again, mail me at ana@example.com", "They said: that's our policy."],
    }
)
TURNS["char_start"] = [0, 13, 0]
TURNS["char_end"] = TURNS["char_start"] + TURNS["text"].str.len()
DOCS = {"i1": "How was it?\n\nLate again, mail me at ana@example.com", "i2": "They said: that's our policy."}


def test_spans_point_into_the_document_and_verify():
    q = quote_spans(pd.DataFrame({"interview_id": ["i1", "i2"], "turn": [1, 0]}), TURNS)
    assert q["timecode"].tolist() == ["01:05", ""]
    assert DOCS["i1"][q.loc[0, "span_start"] : q.loc[0, "span_end"]] == q.loc[0, "text"]
    assert verify_quotes(q, DOCS)["verified"].all()


def test_verify_fails_when_a_quote_drifts_from_its_source():
    q = quote_spans(pd.DataFrame({"interview_id": ["i1"], "turn": [1]}), TURNS)
    with pytest.raises(DataError, match=r"quote i1#1: rendered text does not match its source span \[13:"):
        verify_quotes(q.assign(text="Late again, mail me"), DOCS)
    with pytest.raises(DataError, match="interview 'i9' not found"):
        verify_quotes(q.assign(interview_id="i9"), DOCS)


def test_verify_after_redaction():
    q = quote_spans(pd.DataFrame({"interview_id": ["i1"], "turn": [1]}), TURNS)

    def redact(s: str) -> str:
        return s.replace("ana@example.com", "[email-1]")

    shown = q["text"].map(redact)
    assert verify_quotes(q, DOCS, redact=redact, shown=shown)["verified"].all()
    with pytest.raises(DataError):
        verify_quotes(q, DOCS, redact=redact)  # unredacted text shown where redacted was due


def test_quote_of_missing_turn_is_an_error():
    with pytest.raises(DataError, match="turn 7 of 'i1'"):
        quote_spans(pd.DataFrame({"interview_id": ["i1"], "turn": [7]}), TURNS)


CODED = pd.DataFrame(
    {
        "code": ["late", "late", "late", "late", "policy"],
        "participant_id": ["P1", "P1", "P2", "P3", "P2"],
        "interview_id": ["i1", "i1", "i2", "i3", "i2"],
        "speaker": ["Ana", "Ana", "Bo", "Cy", "Bo"],
        "text": ["Late again and again, every single week", "late", "It came four days late, no word from anyone",
                 "Where is my parcel, nobody ever told me", "They said that's our policy and hung up"],
        "confidence": [0.9, 0.99, 0.8, 0.7, 0.9],
    }
)
PEOPLE = pd.DataFrame({"participant_id": ["P1", "P2", "P3", "P4", "I1"], "plan": ["Plus", "Plus", "Std", "Std", None],
                       "role": ["participant"] * 4 + ["interviewer"]})
BOOK = codebook_from_records([
    {"code": "late", "definition": "Deliveries arrive late without notice.", "need": "to know when my parcel will come",
     "so_that": "I can plan to be home"},
    {"code": "policy", "definition": "Returns refused by policy."},
])


def test_pick_quotes_one_per_participant_long_first():
    q = pick_quotes(CODED, per_code=3)
    late = q[q.code == "late"]
    assert late["participant_id"].tolist() == ["P1", "P2", "P3"]
    assert late.iloc[0]["text"].startswith("Late again and again")  # the 0.99 "late" is too short


def test_insights_count_participants():
    ins = insights(CODED, BOOK, PEOPLE, min_participants=3)
    assert ins["code"].tolist() == ["late"]
    row = ins.iloc[0]
    assert row["participants"] == 3 and row["of"] == 4 and row["share"] == 0.75
    assert row["claim"] == "3 of 4 participants: Deliveries arrive late without notice."
    assert len(row["quotes"]) == 3


def test_user_stories_with_evidence():
    s = user_stories(CODED, BOOK, PEOPLE, segment="plan").set_index("code")
    assert s.loc["late", "story"] == "As a Plus customer, I want to know when my parcel will come, so that I can plan to be home."
    assert s.loc["late", "participants"] == 3 and s.loc["late", "quotes"] == 4
    assert s.loc["policy", "story"].startswith("As a Plus customer, I want this fixed: returns refused by policy")
