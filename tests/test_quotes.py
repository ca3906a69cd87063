"""Quotes keep their exact spans; insights and stories count people, not mentions."""

from __future__ import annotations

import pandas as pd
import pytest

from carelib.errors import DataError
from carelib.qual.codebook import codebook_from_records
from carelib.qual.quotes import (
    insights,
    pick_quotes,
    pseudonymise,
    quote_spans,
    user_stories,
    verify_quotes,
)

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
    with pytest.raises(DataError, match=r"quote interview 1#1: rendered text does not match its source span \[13:"):
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


# --- people by participant id only (issue 14) ------------------------------------------------------------------


def _interviews(tmp_path):
    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / "p01-ruth.txt").write_text(
        "[00:00:05] Maya Lindqvist: Hi Ruth. How was the delivery?\n\n"
        "[00:00:17] Ruth Okafor: Late again, and nobody told me. Ask Jonas, he had it too.\n\n"
        "[00:00:29] Maya Lindqvist: And then?\n\n[00:00:33] Ruth Okafor: I gave up.\n", encoding="utf-8")
    (folder / "p02-jonas.txt").write_text(
        "[00:00:03] Maya Lindqvist: Hello Jonas. Tell me about returns.\n\n"
        "[00:00:09] Jonas Brandt: They said that's our policy. Ruth Okafor told me the same.\n", encoding="utf-8")
    roster = pd.DataFrame({"participant_id": ["I01", "P02"], "name": ["Maya Lindqvist", "Jonas Brandt"],
                           "role": ["interviewer", "participant"], "interview_id": [None, "p02-jonas"]})
    return folder, roster  # Ruth Okafor is missing from the roster


def test_pseudonymise_shows_interview_numbers_and_participant_ids_only(tmp_path):
    from carelib.data.transcripts import read_transcripts
    from carelib.qual.quotes import pseudonymise
    from carelib.text.redact import Redactor

    folder, roster = _interviews(tmp_path)
    tr = read_transcripts(folder, roster)
    assert "p01-ruth:Ruth Okafor" in set(tr.turns["participant_id"])  # what the turn table gives
    before = tr.turns.copy()
    turns, docs, names = pseudonymise(tr.turns, tr.documents, roster)
    pd.testing.assert_frame_equal(tr.turns, before)  # input untouched
    shown = turns[["interview_id", "participant_id", "speaker", "source"]].astype(str).to_string().lower()
    for private in ("ruth", "okafor", "jonas", "brandt", "maya", "p01-", "p02-", ".txt"):
        assert private not in shown, private
    assert sorted(docs) == ["interview 1", "interview 2"] and set(turns["interview_id"]) == set(docs)
    ruth = turns.loc[turns["text"].str.startswith("Late again"), "participant_id"].iloc[0]
    assert ruth == "P01" and ruth not in set(roster["participant_id"])  # a generated id, not the roster's P02
    assert set(turns["participant_id"].dropna()) == {"I01", "P01", "P02"}
    redact = Redactor(names)
    said = redact.redact(turns["text"].iloc[-1])
    assert said == "They said that's our policy. P01 told me the same."
    assert "Ruth" not in redact.redact(docs["interview 1"]) and "Jonas" not in redact.redact(docs["interview 1"])
    # quotes keep verifying against the re-keyed documents, after redaction
    spans = quote_spans(turns[turns["role"] == "participant"][["interview_id", "turn"]], turns)
    verify_quotes(spans, docs, redact=redact.redact, shown=spans["text"].map(redact.redact))
    assert spans["speaker"].tolist() == ["P01", "P01", "P02"]


def test_pseudonymise_without_roster_generates_ids_per_interview(tmp_path):
    from carelib.data.transcripts import read_transcripts
    from carelib.qual.quotes import pseudonymise

    folder, _ = _interviews(tmp_path)
    tr = read_transcripts(folder)
    turns, _, names = pseudonymise(tr.turns, tr.documents)
    people = turns[turns["role"] == "participant"]
    assert people["participant_id"].tolist() == ["P01", "P01", "P02"] and people["speaker"].tolist() == ["P01", "P01", "P02"]
    assert set(turns.loc[turns["role"] == "interviewer", "speaker"]) == {"Interviewer"}
    assert names["Ruth Okafor"] == "P01" and names["Maya Lindqvist"] == "Interviewer"
    with pytest.raises(Exception, match="role"):
        pseudonymise(tr.turns.drop(columns="role"), tr.documents)


# ---------------------------------------------------------------- quotes carry participant ids, never file names


def test_quotes_from_a_file_named_after_a_person_never_show_the_name(tmp_path):
    from carelib.data.transcripts import read_transcript
    from carelib.qual.codebook import codebook_from_records
    from carelib.qual.coding import auto_code
    from carelib.qual.quotes import insights, pick_quotes, quote_spans, reader_ids, user_stories

    path = tmp_path / "p01-ruth.txt"
    path.write_text("[00:00:05] Interviewer: How did the delivery go?\n"
                    "[00:00:09] Ruth: The parcel was late, two weeks late, and nobody told me.\n"
                    "[00:00:30] Interviewer: And the refund?\n"
                    "[00:00:34] Ruth: The refund took a month. It was late as well.\n", encoding="utf-8")
    tr = read_transcript(path)
    assert set(tr.turns["interview_id"]) == {"p01-ruth"}  # as read: the file stem
    said = tr.turns[tr.turns["role"] == "participant"].copy()
    said["excerpt_id"] = said["interview_id"] + "#" + said["turn"].astype(str)
    book = codebook_from_records([{"code": "late", "definition": "The parcel came late.", "keywords": ["late"]}])
    coded = auto_code(said, book).merge(said, on="excerpt_id")
    assert len(coded) == 2
    outputs = {
        "quote_spans": quote_spans(coded, tr.turns),
        "pick_quotes": pick_quotes(coded),
        "insights": insights(coded, book, pd.DataFrame({"participant_id": ["P01"]}), min_participants=1),
        "user_stories": user_stories(coded.assign(participant_id="P01"), book,
                                     pd.DataFrame({"participant_id": ["P01"], "plan": ["Plus"]}), segment="plan"),
    }
    for name, frame in outputs.items():
        for col in frame.columns:
            for value in frame[col]:
                assert "ruth" not in str(value).lower(), (name, col, value)
    spans = outputs["quote_spans"]
    assert spans["participant_id"].tolist() == ["P01", "P01"] and spans["speaker"].tolist() == ["P01", "P01"]
    assert spans["interview_id"].tolist() == ["interview 1"] * 2
    assert spans["quote_id"].tolist() == ["interview 1#2", "interview 1#4"]
    assert spans["timecode"].tolist() == ["00:09", "00:34"]
    quotes = outputs["insights"]["quotes"].iloc[0]
    assert [q["participant_id"] for q in quotes] == ["P01"] and set(quotes[0]) == {"participant_id", "timecode", "text"}
    # the same ids pseudonymise gives, so verify_quotes can check the spans against its documents
    shown, docs, _ = pseudonymise(tr.turns, {"p01-ruth": tr.document})
    assert reader_ids(tr.turns)[1] == {"p01-ruth:Ruth": "P01"}
    assert set(shown["participant_id"].dropna()) == {"P01"}
    assert verify_quotes(spans, docs)["verified"].all()
