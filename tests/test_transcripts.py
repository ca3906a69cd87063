"""Transcript readers: real files (Changelog Markdown, PDPilot PDFs, the demo VTT/TXT) and hand-made edge cases."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from carelib.data.transcripts import TURN_COLUMNS, read_transcript, read_transcripts
from carelib.errors import DataError, ParameterError
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
    with pytest.raises(DataError, match=r"bad.vtt line 3: expected a timing line 'HH:MM:SS.mmm --> HH:MM:SS.mmm', "
                       r"found '00:00:01.000 --> 00:00:0x.000'"):
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


# --- issue 14: speaker labels and malformed cue files -------------------------------------------------------------

LABELLED = [  # (line as written, speaker it starts or None when it continues the previous turn, text)
    ("Ana Lima: Thanks for coming.", "Ana Lima", "Thanks for coming."),
    ("Dr. Ortiz: Re: billing, my card 4111 1111 1111 1111 was charged twice.", "Dr. Ortiz",
     "Re: billing, my card 4111 1111 1111 1111 was charged twice."),
    ("Note: the app crashed.", None, "Note: the app crashed."),
    ("J. Smith: Same here.", "J. Smith", "Same here."),
    ("Mrs. O’Brien: Not me.", "Mrs. O’Brien", "Not me."),
    ("Prof. Anne-Marie Duval: Why?", "Prof. Anne-Marie Duval", "Why?"),
    ("Interviewer (Sam): Go on.", "Interviewer (Sam)", "Go on."),
    ("P01: Twice a week.", "P01", "Twice a week."),
    ("Speaker 2: Time: 10:30 suits me.", "Speaker 2", "Time: 10:30 suits me."),
    ("Time: 10:30 is late.", None, "Time: 10:30 is late."),
    ("Re: billing again.", None, "Re: billing again."),
    ("https://x.example/help was no help.", None, "https://x.example/help was no help."),
]


def _expected_turns(joiner: str) -> list[tuple[str, str]]:
    turns: list[list[str]] = []
    for _, speaker, text in LABELLED:
        if speaker is None:
            turns[-1][1] += joiner + text
        else:
            turns.append([speaker, text])
    return [tuple(t) for t in turns]


def _as_file(tmp_path, suffix: str):
    lines = [line for line, _, _ in LABELLED]
    if suffix == ".txt":
        body = "\n".join(lines) + "\n"
    elif suffix == ".md":
        body = "\n\n".join(f"**{x.split(': ', 1)[0]}:** {x.split(': ', 1)[1]}" if s else x
                           for x, (_, s, _) in zip(lines, LABELLED, strict=True)) + "\n"
    else:
        sep = "." if suffix == ".vtt" else ","
        cues = [f"{i}\n00:00:{i:02d}{sep}000 --> 00:00:{i:02d}{sep}900\n{x}\n" for i, x in enumerate(lines, 1)]
        body = ("WEBVTT\n\n" if suffix == ".vtt" else "") + "\n".join(cues)
    p = tmp_path / f"titles{suffix}"
    p.write_text(body, encoding="utf-8")
    return p


@pytest.mark.parametrize("suffix", [".txt", ".md", ".vtt", ".srt"])
def test_titles_initials_and_brackets_are_speakers_but_sentences_with_a_colon_are_not(tmp_path, suffix):
    # probe: "Dr. Ortiz: Re: billing…" was quoted as the previous speaker's words, card number included
    t = read_transcript(_as_file(tmp_path, suffix))
    joiner = " " if suffix in (".vtt", ".srt") else "\n\n" if suffix == ".md" else "\n"
    assert list(zip(t.turns["speaker"], t.turns["text"], strict=True)) == _expected_turns(joiner)
    assert _spans_ok(t)


def test_lower_case_role_words_are_speakers_other_lower_case_labels_are_not(tmp_path):
    p = tmp_path / "lc.txt"
    p.write_text("interviewer: How was it?\nparticipant 2: Slow.\nThe thing is: nobody called.\n"
                 "so basically: it broke.\nYes: twice.\n", encoding="utf-8")
    t = read_transcript(p)
    assert t.turns["speaker"].tolist() == ["interviewer", "participant 2"]
    assert t.turns["text"].iloc[1] == "Slow.\nThe thing is: nobody called.\nso basically: it broke.\nYes: twice."


def test_two_speakers_in_one_cue_are_two_turns(tmp_path):
    p = tmp_path / "two.srt"
    p.write_text("1\n00:00:01,000 --> 00:00:03,000\nAna: Anything else?\nDr. Ortiz: My card 4111 was charged.\n",
                 encoding="utf-8")
    t = read_transcript(p)
    assert t.turns[["speaker", "text"]].values.tolist() == [["Ana", "Anything else?"],
                                                            ["Dr. Ortiz", "My card 4111 was charged."]]


def test_vtt_arrow_typo_names_folder_file_line_expected_and_found(tmp_path):
    # probe: "->" for "-->" used to give "no cue with text" with no line number
    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / "p03.vtt").write_text("WEBVTT\n\n00:00:00.500 --> 00:00:01.000\nAna: Hello.\n\n2\n"
                                    "00:00:01.000 -> 00:00:04.000\nDr. Ortiz: Re: billing.\n", encoding="utf-8")
    expected = ("interviews/p03.vtt line 7: expected a timing line 'HH:MM:SS.mmm --> HH:MM:SS.mmm', "
                "found '00:00:01.000 -> 00:00:04.000'")
    with pytest.raises(DataError) as err:
        read_transcripts(folder)
    assert str(err.value) == expected
    with pytest.raises(DataError) as err:  # one file alone is named by its folder and name too
        read_transcript(folder / "p03.vtt")
    assert str(err.value) == expected


@pytest.mark.parametrize("suffix,body,message", [
    # probe: an SRT cue without its timing line was merged into the previous turn
    (".srt", "1\n00:00:01,000 --> 00:00:02,000\nAna: Hi.\n\n2\nDr. Ortiz: My card 4111.\n",
     r"x.srt line 6: expected a timing line 'HH:MM:SS,mmm --> HH:MM:SS,mmm', found 'Dr. Ortiz: My card"),
    (".srt", "1\n00:00:01,000 --> 00:00:02,000\nAna: Hi.\n\nDr. Ortiz: My card 4111.\n",
     r"x.srt line 5: expected a cue number, then a timing line 'HH:MM:SS,mmm --> HH:MM:SS,mmm', found 'Dr. Ortiz"),
    (".srt", "one\n00:00:01,000 --> 00:00:02,000\nAna: Hi.\n", r"x.srt line 1: expected a cue number, found 'one'"),
    (".srt", "1\n00:00:01,000 --> 00:00:02,000\nAna: Hi.\n\n2\n", r"x.srt line 5: expected a timing line .*found "
     r"the end of the cue"),
    (".srt", "1\n00:00:05,000 --> 00:00:06,000\nAna: Hi.\n\n2\n00:00:01,000 --> 00:00:02,000\nBo: Yo.\n",
     r"x.srt line 6: the cue starts at 00:00:01,000, before the cue on line 2 \(00:00:05,000\)"),
    (".srt", "1\n00:00:05,000 --> 00:00:04,000\nAna: Hi.\n", r"x.srt line 2: the cue ends \(00:00:04,000\) "
     r"before it starts \(00:00:05,000\)"),
    (".vtt", "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nAna: Hi.\n\n00:00:01.000 --> 00:00:02.000\nBo: Yo.\n",
     r"x.vtt line 6: the cue starts at 00:00:01.000, before the cue on line 3 \(00:00:05.000\)"),
    (".vtt", "WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nAna: Hi.\n", r"x.vtt line 3: the cue ends"),
    (".vtt", "WEBVTT\n00:00:01.000 --> 00:00:02.000\nAna: Hi.\n", r"x.vtt line 2: expected a blank line after the "
     r"'WEBVTT' header"),
    (".vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna: Hi.\n00:00:02.000 --> 00:00:03.000\nBo: Yo.\n",
     r"x.vtt line 5: expected a blank line before this timing line"),
    (".vtt", "WEBVTT\n\nDr. Ortiz: My card 4111.\n", r"x.vtt line 3: expected a cue"),
    (".vtt", "00:00:01.000 --> 00:00:02.000\nAna: Hi.\n", r"x.vtt line 1: expected 'WEBVTT', found '00:00:01"),
    (".vtt", "WEBVTT\n", r"x.vtt: expected at least one cue after the 'WEBVTT' header, found none"),
    (".vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n", r"x.vtt: no cue has text \(1 cue"),
    (".vtt", "", r"x.vtt: the file is empty"),
    (".srt", " \n\n", r"x.srt: the file is empty"),
    (".txt", "", r"x.txt: the file is empty"),
    (".md", "\n\n", r"x.md: the file is empty"),
])
def test_malformed_cue_files_and_empty_files_name_file_line_expected_found(tmp_path, suffix, body, message):
    p = tmp_path / f"x{suffix}"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_transcript(p)


def test_not_utf8_names_file_line_and_the_fix(tmp_path):
    p = tmp_path / "w.txt"
    p.write_bytes("Ana: Hi.\nJosé: Qué tal?\n".encode("cp1252"))
    with pytest.raises(DataError, match=r"w.txt line 2: not UTF-8 text \(byte 0xe9\).*encoding='cp1252'"):
        read_transcript(p)
    t = read_transcript(p, encoding="cp1252")  # raw data stay as they are: name the encoding instead
    assert t.turns["speaker"].tolist() == ["Ana", "José"]
    assert read_transcripts(tmp_path, encoding="cp1252").turns["speaker"].tolist() == ["Ana", "José"]
    u = tmp_path / "u16.vtt"  # UTF-16 with a BOM (Windows exports) is read as such
    u.write_bytes("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nJosé: Hola.\n".encode("utf-16"))
    assert read_transcript(u).turns["speaker"].tolist() == ["José"]
    with pytest.raises(ParameterError, match=r"encoding: expected a Python codec name .*found 'klingon'"):
        read_transcript(p, encoding="klingon")
    n = tmp_path / "n16.vtt"  # UTF-16 without a BOM: NUL bytes
    n.write_bytes("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna: Hi.\n".encode("utf-16-le"))
    with pytest.raises(DataError, match=r"n16.vtt line 1: NUL bytes.*encoding='utf-16-le'"):
        read_transcript(n)


@pytest.mark.parametrize("suffix,body", [
    (".txt", "\ufeffAna: Hi.\r\nBo: Yo.\r\n"),
    (".srt", "\ufeff1\r\n00:00:01,000 --> 00:00:02,000\r\nAna: Hi.\r\n\r\n"
             "2\r\n00:00:02,000 --> 00:00:03,000\r\nBo: Yo.\r\n"),
])
def test_bom_and_crlf_are_removed(tmp_path, suffix, body):
    p = tmp_path / f"b{suffix}"
    p.write_bytes(body.encode("utf-8"))
    t = read_transcript(p)
    assert t.turns[["speaker", "text"]].values.tolist() == [["Ana", "Hi."], ["Bo", "Yo."]]
    assert "\ufeff" not in t.document and "\r" not in t.document and _spans_ok(t)


def test_vtt_header_metadata_notes_styles_and_cue_settings(tmp_path):
    p = tmp_path / "yt.vtt"
    p.write_text("WEBVTT - exported\nKind: captions\nLanguage: en\n\nSTYLE\n::cue { color: yellow }\n\n"
                 "NOTE checked by Sam: fine\n\n00:01.000 --> 00:02.000 align:start position:0%\nAna: Hi.\n\n"
                 "00:00:02.000 --> 00:00:03.000\n<v Bo>Yo.</v>\n", encoding="utf-8")
    t = read_transcript(p)
    assert t.turns[["speaker", "text", "start", "end"]].values.tolist() == [["Ana", "Hi.", 1.0, 2.0],
                                                                            ["Bo", "Yo.", 2.0, 3.0]]


# ---------------------------------------------------------------- stamps that cannot be read, impossible times


def _txt(tmp_path, text: str, name: str = "i1.txt"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_unrecognised_stamp_lines_are_warned_not_silently_merged(tmp_path):
    p = _txt(tmp_path, "[00:01] Interviewer: Hello?\n[1:02:03.4.5] Anna: I waited.\n(00:12) Anna - it was late\n"
                       "Note: the app crashed\n")
    t = read_transcript(p)
    assert t.turns["speaker"].tolist() == ["Interviewer"]  # both lines stay text of the turn before
    assert len(t.warnings) == 2
    assert t.warnings[0].startswith(f"{tmp_path.name}/i1.txt line 2: looks like a speaker line")
    assert "'[1:02:03.4.5] Anna:'" in t.warnings[0]
    assert t.warnings[1].startswith(f"{tmp_path.name}/i1.txt line 3:") and "(00:12) Anna -" in t.warnings[1]
    many = read_transcripts(tmp_path)
    assert many.warnings == t.warnings


def test_known_stamp_variants_are_parsed(tmp_path):
    p = _txt(tmp_path, "(00:05) Interviewer: Hello?\n(1:00:09) Anna: Hi.\n1:00:20 Anna: Again.\n"
                       "\\[1:00:30\\] Interviewer: Bye.\n[1:00:41.5] Anna: Bye.\n")
    t = read_transcript(p)
    assert t.warnings == []
    assert t.turns["start"].tolist() == [5.0, 3609.0, 3620.0, 3630.0, 3641.5]
    assert t.turns["speaker"].tolist() == ["Interviewer", "Anna", "Anna", "Interviewer", "Anna"]
    assert (t.turns["text"] == [t.document[a:b] for a, b in zip(t.turns["char_start"], t.turns["char_end"],
                                                                 strict=True)]).all()


def test_speaker_names_are_case_folded(tmp_path):
    t = read_transcript(_txt(tmp_path, "Interviewer: Hi.\nANNA: Hello.\nINTERVIEWER: And?\nAnna: Late.\n"))
    assert t.turns["speaker"].tolist() == ["Interviewer", "ANNA", "Interviewer", "ANNA"]
    assert t.turns["participant_id"].nunique() == 1
    vtt = tmp_path / "c.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Anna>Hi.\n\n"
                   "00:00:02.000 --> 00:00:03.000\n<v ANNA>Again.\n", encoding="utf-8")
    v = read_transcript(vtt)
    assert v.turns["speaker"].tolist() == ["Anna"] and v.turns["text"].tolist() == ["Hi. Again."]


@pytest.mark.parametrize(("text", "line", "what"), [
    ("[00:01] Interviewer: Hi.\n[00:75] Anna: Hello.\n", 2, "below 60, found '00:75'"),
    ("[00:01] Interviewer: Hi.\n[1:61:00] Anna: Hello.\n", 2, "below 60, found '1:61:00'"),
    ("[10:00] Interviewer: Hi.\n[09:50] Anna: Hello.\n", 2, "before the time on line 1"),
    ("[00:01] Interviewer: Hi.\n[13:00:00] Anna: Hello.\n", 2, "within 12 hours"),
])
def test_impossible_times_are_refused_naming_file_and_line(tmp_path, text, line, what):
    with pytest.raises(DataError, match=rf"i1\.txt line {line}: .*{re.escape(what)}"):
        read_transcript(_txt(tmp_path, text))


def test_small_overlaps_are_accepted(tmp_path):
    t = read_transcript(_txt(tmp_path, "[10:00] Interviewer: Hi.\n[09:57] Anna: Hello.\n"))
    assert t.turns["start"].tolist() == [600.0, 597.0]


def test_cue_past_twelve_hours_is_refused(tmp_path):
    srt = tmp_path / "c.srt"
    srt.write_text("1\n12:00:01,000 --> 12:00:02,000\nAnna: Hi.\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"c\.srt line 2: expected a time within 12 hours"):
        read_transcript(srt)
