"""carelib qda export / import: a workspace to a .qdpx and back, redacted, with nothing lost on the way."""

from __future__ import annotations

import datetime as dt
import zipfile

import pandas as pd
import pytest

from carelib.cli import main
from carelib.errors import DataError
from carelib.qual.qda_workspace import (
    AUTO_CODER,
    export_workspace,
    import_project,
    read_workspace,
    redact_with_offsets,
)
from carelib.qual.refi import validate_refi
from carelib.qual.refi_import import import_qdpx
from carelib.text.redact import Redactor
from tests.conftest import shared_file

RUTH = ("[00:00:05] Maya Lindqvist: Hi Ruth. How was your delivery?\n\n"
        "[00:00:12] Ruth Okafor: Late again and no tracking. Mail me at ruth@example.org please.\n")
JONAS = ("WEBVTT\n\n1\n00:00:02.000 --> 00:00:06.500\n<v Tom Becker>Have you returned something?</v>\n\n"
         "2\n00:00:07.250 --> 00:00:15.000\n<v Jonas Brandt>Yes, they said that is our policy and refused.</v>\n")
ROSTER = ("participant_id,name,role,interview_id,plan,age,joined,vip,names_allowed\n"
          "I01,Maya Lindqvist,interviewer,,,,,,no\nI02,Tom Becker,interviewer,,,,,,no\n"
          "P01,Ruth Okafor,participant,p01-ruth,Plus,41,2025-01-10,no,no\n"
          "P02,Jonas Brandt,participant,p02-jonas,Standard,29,2024-06-01,yes,yes\n")
BOOK = ("- code: delivery\n  definition: Getting the parcel.\n  keywords: [tracking]\n"
        "- code: late\n  parent: delivery\n  definition: Late.\n  keywords: [late]\n"
        "- code: policy\n  definition: Refused by policy.\n  keywords: [policy]\n")


@pytest.fixture()
def workspace(tmp_path):
    ws = tmp_path / "ws"
    (ws / "interviews").mkdir(parents=True)
    (ws / "interviews" / "p01-ruth.txt").write_text(RUTH, encoding="utf-8")
    (ws / "interviews" / "p02-jonas.vtt").write_text(JONAS, encoding="utf-8")
    (ws / "participants.csv").write_text(ROSTER, encoding="utf-8")
    (ws / "codebook.yml").write_text(BOOK, encoding="utf-8")
    late = RUTH.index("Late again")
    (ws / "memos.csv").write_text(
        "memo_id,author,text,interview_id,span_start,span_end,code,created\n"
        f"m1,ana,Ruth Okafor again: see the span,p01-ruth,{late},{late + 10},,2026-03-02\n"
        "m2,ana,Late is about the promise,,,,late,\n"
        "m3,ben,Wave one done,,,,,\n"
        f"m4,ben,Why late?,p01-ruth,{late},{late + 10},late,\n"
        "m5,ana,Whole interview,interview 2,,,,\n", encoding="utf-8")
    (tmp_path / "human.csv").write_text(
        "interview_id,excerpt_id,span_start,span_end,code,coder\n"
        f"p01-ruth,,{late},{late + 10},late,ana\n"
        f"p01-ruth,,{RUTH.index('Ruth Okafor')},{late + 10},delivery,ana\n"  # starts on a name: moves to its pseudonym
        ",p02-jonas#2,,,policy,ben\n", encoding="utf-8")
    return ws


def test_round_trip_gives_back_everything(workspace, tmp_path):
    path, sent = export_workspace(workspace, tmp_path / "p.qdpx", codings=[tmp_path / "human.csv"])
    back = import_qdpx(path)
    assert back.sources == sent.sources and back.unmapped == []
    for part in ("codings", "memos", "cases", "timecodes", "codebook"):
        pd.testing.assert_frame_equal(getattr(back, part), getattr(sent, part), obj=part)
    assert back.variables == {"age": "Integer", "joined": "Date", "vip": "Boolean", "plan": "Text", "name": "Text"}
    text = sent.sources["interview 1"]
    human = back.codings[back.codings["coder"] != AUTO_CODER]
    got = {(r.code, r.coder, sent.sources[r.source][r.start:r.end]) for r in human.itertuples()}
    assert got == {("late", "ana", "Late again"), ("delivery", "ana", "P01: Late again"),
                   ("policy", "ben", "Yes, they said that is our policy and refused.")}
    assert set(back.codings.loc[back.codings["coder"] == AUTO_CODER, "code"]) == {"delivery", "late", "policy"}
    assert "[email]" in text and "I01: Hi P01." in text
    # timecodes: every turn's start (and a cue's end) at its redacted position
    p01 = back.timecodes[back.timecodes["source"] == "interview 1"]
    assert [(text[p:p + 4], s) for p, s in zip(p01["position"], p01["seconds"], strict=True)] == [
        ("Hi P", 5.0), ("\n\n[0", 12.0), ("Late", 12.0)]  # a text turn ends where the next starts
    assert back.timecodes[back.timecodes["source"] == "interview 2"]["seconds"].tolist() == [2.0, 6.5, 7.25, 15.0]
    cases = back.cases.set_index("case")
    assert cases.loc["P01", "age"] == 41 and cases.loc["P01", "joined"] == dt.date(2025, 1, 10)
    assert cases.loc["P02", "vip"] is True and cases.loc["P02", "name"] == "Jonas Brandt"
    assert cases.loc["P01", "name"] is None and cases.loc["P01", "sources"] == ("interview 1",)
    memos = back.memos.set_index("memo")
    assert memos.loc["m1", "text"] == "P01 again: see the span" and memos.loc["m1", "created"] == "2026-03-02T00:00:00"
    assert text[memos.loc["m4", "start"]:memos.loc["m4", "end"]] == "Late again" and memos.loc["m4", "code"] == "late"
    assert memos.loc["m2", "source"] is None and memos.loc["m5", "source"] == "interview 2"


def test_no_personal_data_leaves_unless_the_roster_allows_it(workspace, tmp_path):
    path, _ = export_workspace(workspace, tmp_path / "p.qdpx", codings=[tmp_path / "human.csv"])
    with zipfile.ZipFile(path) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist()).decode("utf-8")
    for secret in ("Ruth", "Okafor", "Lindqvist", "Becker", "ruth@example.org", "p01-ruth", "Maya"):
        assert secret not in blob, secret
    assert "Jonas Brandt" in blob  # names_allowed: yes


def test_export_validates_against_project_xsd(workspace, tmp_path, shared_data):
    schemas = shared_file(shared_data, "refi-qda-schemas", "Project.xsd").parent
    path, _ = export_workspace(workspace, tmp_path / "p.qdpx", codings=[tmp_path / "human.csv"])
    assert validate_refi(path, schemas) == []


def test_import_carries_spans_back_to_the_transcripts(workspace, tmp_path):
    path, _ = export_workspace(workspace, tmp_path / "p.qdpx", codings=[tmp_path / "human.csv"], auto=False)
    result = import_project(path, tmp_path / "back", data_dir=workspace)
    assert result.mapped == ["interview 1", "interview 2"] and result.kept == []
    codings = pd.read_csv(tmp_path / "back" / "codings.csv")
    late = RUTH.index("Late again")
    turns = read_workspace(workspace).turns.set_index(["interview_id", "turn"])
    answer = turns.loc[("interview 2", 2), ["char_start", "char_end"]].tolist()
    assert sorted(zip(codings["interview_id"], codings["span_start"], codings["span_end"], codings["code"],
                      strict=True)) == [("p01-ruth", RUTH.index("Ruth Okafor"), late + 10, "delivery"),
                                        ("p01-ruth", late, late + 10, "late"), ("p02-jonas", *answer, "policy")]
    times = pd.read_csv(tmp_path / "back" / "timecodes.csv")
    ruth = times[times["interview_id"] == "p01-ruth"]
    assert [RUTH[p:p + 4] for p in ruth["position"]] == ["Hi R", "\n\n[0", "Late"]
    # the codings written read back into the next export: the same project
    again, sent = export_workspace(workspace, tmp_path / "q.qdpx", codings=[tmp_path / "back" / "codings.csv"],
                                   auto=False)
    pd.testing.assert_frame_equal(import_qdpx(again).codings, import_qdpx(path).codings)
    assert "codings: 3 — ana 2, ben 1" in result.lines()


def test_offsets_across_redaction():
    r = redact_with_offsets("Call Ruth Okafor at ruth@x.org now", Redactor({"Ruth Okafor": "P01"}))
    assert r.text == "Call P01 at [email] now"
    assert r.forward(7, "start") == 5 and r.forward(7, "end") == 8  # inside a name: the pseudonym's edges
    assert r.forward(31) == r.text.index("now") and r.back(r.text.index("now")) == 31
    assert redact_with_offsets("nothing here", Redactor()).pieces == ()


def test_errors_name_the_file_and_what_was_expected(workspace, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("interview_id,span_start,span_end,code,coder\np09-nobody,0,4,late,ana\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.csv row 2, column 'interview_id': expected an interview of the "
                                        r"workspace .* found 'p09-nobody'"):
        export_workspace(workspace, tmp_path / "p.qdpx", codings=[bad], auto=False)
    (workspace / "memos.csv").write_text("memo_id,author\nm1,ana\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"memos.csv row 1: expected a column 'text'"):
        export_workspace(workspace, tmp_path / "p.qdpx", auto=False)


def test_cli_export_and_import(workspace, tmp_path, capsys):
    out = tmp_path / "cli.qdpx"
    assert main(["qda", "export", "--data", str(workspace), "-o", str(out), "--no-auto",
                 "--codings", str(tmp_path / "human.csv")]) == 0
    said = capsys.readouterr().out
    assert "cases: 2; variables: age (Integer)" in said and "codings: 3 — ana 2, ben 1" in said
    assert main(["qda", "import", str(out), "--data", str(workspace)]) == 0
    said = capsys.readouterr().out
    assert "memos: 5" in said and "sync points: 7" in said and (workspace / "qda-import" / "cases.csv").is_file()
    (tmp_path / "broken.qdpx").write_bytes(b"PK nope")
    assert main(["qda", "import", str(tmp_path / "broken.qdpx"), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("carelib qda import: broken.qdpx: not a REFI-QDA project") and "Traceback" not in err


def test_read_workspace_keeps_shown_ids(workspace):
    view = read_workspace(workspace)
    assert view.stems == {"interview 1": "p01-ruth", "interview 2": "p02-jonas"}
    assert view.allowed == {"P02"}
