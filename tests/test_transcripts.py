"""Transcript readers: real files (Changelog Markdown, PDPilot PDFs, the demo VTT/TXT) and hand-made edge cases."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from carelib.errors import DataError
from carelib.transcripts import TURN_COLUMNS, read_transcript, read_transcripts
from tests.conftest import shared_file


def _spans_ok(t) -> bool:
    return all(t.document[a:b] == x for a, b, x in zip(t.turns.char_start, t.turns.char_end, t.turns.text, strict=True))


def test_demo_interviews_all_formats_with_roster(demo_dir):
    roster = pd.read_csv(demo_dir / "participants.csv")
    t = read_transcripts(demo_dir / "interviews", roster)
    assert list(t.turns.columns) == TURN_COLUMNS
    assert t.turns["interview_id"].nunique() == 12
    parts = t.turns[t.turns["role"] == "participant"]
    assert set(parts["participant_id"]) == set(roster.loc[roster["role"] == "participant", "participant_id"])
    for iid, doc in t.documents.items():
        turns = t.turns[t.turns["interview_id"] == iid]
        assert all(doc[a:b] == x for a, b, x in zip(turns.char_start, turns.char_end, turns.text, strict=True))
    vtt = t.turns[t.turns["source"].str.endswith(".vtt")]
    assert vtt["end"].notna().all() and (vtt["end"] >= vtt["start"]).all()


@pytest.mark.parametrize("name,turns,speakers", [
    ("founderstalk/founders-talk-57.md", 124, {"Adam Stacoviak", "David Cramer"}),
    ("podcast/the-changelog-609.md", 228, {"Jimmy Miller", "Jerod Santo", "Adam Stacoviak"}),
    ("practicalai/practical-ai-128.md", 57, {"Nikola Mrkšić", "Daniel Whitenack", "Chris Benson"}),
])
def test_changelog_markdown(shared_data, name, turns, speakers):
    # SOURCE.md counts every **Speaker:** line; the two **Break:** markers are not turns
    t = read_transcript(shared_file(shared_data, "changelog-interview-transcripts", *name.split("/")))
    assert len(t.turns) == turns and set(t.turns["speaker"]) == speakers
    assert _spans_ok(t)
    stamped = t.turns["start"].dropna()
    assert len(stamped) > 0 and stamped.is_monotonic_increasing


def test_pdpilot_pdf_line_numbers_removed(shared_data):
    t = read_transcript(shared_file(shared_data, "pdpilot-user-study", "transcripts", "P1.pdf"))
    assert set(t.turns["speaker"]) == {"Dan", "Participant"}
    assert t.turns["role"].iloc[0] == "interviewer" and len(t.turns) == 94
    assert t.turns["text"].iloc[1] == "Okay."
    assert not any(re.match(r"^\d+ ", x) for x in t.turns["text"])
    assert _spans_ok(t)


def test_vtt_bom_crlf_voice_tags_prefixes_merging_empty_and_overlapping(tmp_path):
    vtt = ("\ufeffWEBVTT\r\n\r\n"
           "1\r\n00:00:01.000 --> 00:00:04.000\r\n<v Ana Pérez>Hello, thanks\r\nfor coming.</v>\r\n\r\n"
           "2\r\n00:00:03.500 --> 00:00:06.000\r\n<v Ana Pérez>First question.</v>\r\n\r\n"
           "3\r\n00:00:06.000 --> 00:00:07.000\r\n\r\n\r\n"
           "4\r\n00:00:07.000 --> 00:00:09.250\r\nBo Li: It was late. <i>Again.</i>\r\n\r\n"
           "5\r\n00:00:09.000 --> 00:00:10.000\r\nStill waiting, honestly.\r\n")
    p = tmp_path / "i.vtt"
    p.write_bytes(vtt.encode("utf-8"))
    t = read_transcript(p)
    assert t.turns["speaker"].tolist() == ["Ana Pérez", "Bo Li"]
    assert t.turns["text"].tolist() == ["Hello, thanks for coming. First question.",
                                        "It was late. Again. Still waiting, honestly."]
    assert t.turns[["start", "end"]].values.tolist() == [[1.0, 6.0], [7.0, 10.0]]
    assert t.turns["role"].tolist() == ["interviewer", "participant"] and _spans_ok(t)


def test_vtt_malformed_timing_names_file_and_line(tmp_path):
    p = tmp_path / "bad.vtt"
    p.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nhello\n")
    with pytest.raises(DataError, match=r"bad.vtt line 3: expected a cue timing"):
        read_transcript(p)
    p.write_text("NOT A VTT\n")
    with pytest.raises(DataError, match=r"bad.vtt line 1: expected 'WEBVTT'"):
        read_transcript(p)


def test_srt_speakers_continue_and_errors(tmp_path):
    p = tmp_path / "s.srt"
    p.write_text("1\n00:00:01,000 --> 00:00:02,000\nInterviewer: Why did you leave?\n\n"
                 "2\n00:00:02,500 --> 00:00:05,000\nSam: The app kept logging me out.\n\n"
                 "3\n00:00:05,000 --> 00:00:06,000\nEvery single day.\n")
    t = read_transcript(p)
    assert t.turns["speaker"].tolist() == ["Interviewer", "Sam"]
    assert t.turns["text"].iloc[1] == "The app kept logging me out. Every single day."
    assert t.turns["role"].tolist() == ["interviewer", "participant"]
    p.write_text("1\n00:00:01,000 --> nonsense\nhi\n")
    with pytest.raises(DataError, match="s.srt"):
        read_transcript(p)


def test_text_markdown_stamps_unknown_speakers_and_a_colon_in_a_name(tmp_path):
    p = tmp_path / "m.md"
    p.write_text("# Interview 7\n\nSome preamble without a speaker.\n\n"
                 "**Dr. Who: The Doctor:** Hello there. Note: this is not a speaker.\n\n"
                 "\\[01:02\\] **Kim:** Hi. Time: 3pm suits me.\nSecond line of Kim.\n\n"
                 "**Break:** \\[10:00\\]\n\n"
                 "[00:12:00] Kim: Back again.\n", encoding="utf-8")
    roster = pd.DataFrame({"name": ["Dr. Who: The Doctor", "Kim"], "role": ["interviewer", "participant"],
                           "participant_id": [None, "P7"]})
    t = read_transcript(p, roster)
    assert t.turns["speaker"].tolist() == ["Dr. Who: The Doctor", "Kim", "Kim"]
    assert t.turns["text"].tolist() == ["Hello there. Note: this is not a speaker.",
                                        "Hi. Time: 3pm suits me.\nSecond line of Kim.", "Back again."]
    assert t.turns["start"].tolist()[1:] == [62.0, 720.0]
    assert pd.isna(t.turns["participant_id"].iloc[0]) and t.turns["participant_id"].tolist()[1:] == ["P7", "P7"]
    assert _spans_ok(t)
    # without a roster an unknown speaker is still read, and the first speaker asks
    u = tmp_path / "u.txt"
    u.write_text("Zed: Question?\r\nYara: Answer.\r\n", encoding="utf-8-sig")
    tu = read_transcript(u)
    assert tu.turns["role"].tolist() == ["interviewer", "participant"]
    assert pd.isna(tu.turns["participant_id"].iloc[0]) and tu.turns["participant_id"].iloc[1] == "u:Yara"


def test_text_without_turns_is_an_error_with_the_line(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("\n\nJust some notes, no speakers at all.\n")
    with pytest.raises(DataError, match=r"notes.txt line 3: expected 'Speaker: text' turns"):
        read_transcript(p)
    (tmp_path / "x.rtf").write_text("x")
    with pytest.raises(DataError, match="unknown transcript format"):
        read_transcript(tmp_path / "x.rtf")


def test_docx(tmp_path):
    docx = pytest.importorskip("docx", reason="python-docx is a runtime dependency")
    d = docx.Document()
    d.add_paragraph("Interview with a customer")
    d.add_paragraph("Interviewer: What happened?")
    d.add_paragraph("Customer: My card was charged twice.")
    d.add_paragraph("It took a week to get the money back.")
    p = tmp_path / "c.docx"
    d.save(p)
    t = read_transcript(p)
    assert t.turns["speaker"].tolist() == ["Interviewer", "Customer"]
    assert t.turns["text"].iloc[1] == "My card was charged twice.\nIt took a week to get the money back."
    assert _spans_ok(t)
