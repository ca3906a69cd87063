"""``validate_workspace``: tables, the codebook and every transcript of a folder, one line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from carelib.errors import DataError
from carelib.run.validate import validate_workspace

TODAY = "2026-06-01"
REVIEWS = "review_id,created_at,text,region\nr1,2012,great,EMEA\n"
GOOD_TALK = "Interviewer: How was the delivery?\nRuth: Late, twice.\n"


def write(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_the_demo_workspace_has_no_problem(demo_dir):
    report = validate_workspace(demo_dir)
    assert report.ok and report.problems == ()
    codes = yaml.safe_load((demo_dir / "codebook.yml").read_text(encoding="utf-8"))
    transcripts = [p for p in (demo_dir / "interviews").iterdir() if p.suffix in (".txt", ".vtt")]
    assert report.checked == (f"codebook.yml: {len(codes)} codes", f"interviews/: {len(transcripts)} transcript(s)")
    assert len(report.tables) == 10


def test_a_folder_without_tables_is_a_problem_named_with_what_was_expected(tmp_path):
    report = validate_workspace(tmp_path)
    assert not report.ok
    assert report.problems == (f"no workspace tables found in {tmp_path}: expected one of responses.csv, customers.csv, "
                               "orders.csv, tickets.csv, messages.csv, reviews.csv, complaints.csv, recoveries.csv, "
                               "participants.csv, actions.csv (or .parquet or .jsonl)",)
    with pytest.raises(DataError, match="does not exist"):
        validate_workspace(tmp_path / "nope")


def test_free_values_and_a_partial_date_are_valid(tmp_path):
    write(tmp_path, "reviews.csv", REVIEWS)
    write(tmp_path, "customers.csv", "customer_id,first_seen,plan\nC1,2012-08,Gold\n")
    report = validate_workspace(tmp_path, today=TODAY)
    assert report.ok and report.tables == ("customers", "reviews")


def test_codebook_problems_name_the_file_the_entry_and_the_field(tmp_path):
    write(tmp_path, "reviews.csv", REVIEWS)
    write(tmp_path, "codebook.yml", "- code: delivery\n  definition: Getting the order.\n  keywords: [late]\n"
                                    "- code: late\n  parent: delivery\n  definition: ''\n  keywords: [late]\n"
                                    "- code: vague\n  definition: Something.\n  include: []\n  keywords: []\n")
    report = validate_workspace(tmp_path, today=TODAY)
    assert report.problems == (
        "codebook.yml entry 2 (late), field 'definition': expected what the code means (coders and reports show it), "
        "found an empty field",
        "codebook.yml entry 3 (vague), field 'keywords': expected keywords or 'include' examples (automatic coding "
        "finds a code by them), found both empty",
    )
    write(tmp_path, "codebook.yml", "- code: a\n  parent: nowhere\n")
    assert validate_workspace(tmp_path, today=TODAY).problems == (
        "codebook.yml entry 1 (a), field 'parent': expected one of the codes, found 'nowhere'",)
    write(tmp_path, "codebook.yml", "- code: a\n  definition: [unclosed\n")
    (line,) = validate_workspace(tmp_path, today=TODAY).problems
    assert line.startswith("codebook.yml line ") and "not valid YAML" in line


def test_every_broken_transcript_is_listed_by_its_file(tmp_path):
    write(tmp_path, "reviews.csv", REVIEWS)
    write(tmp_path, "interviews/p01.txt", GOOD_TALK)
    write(tmp_path, "interviews/p02.vtt", "WEBVTT\n\n00:01 --> soon\nhello\n")
    write(tmp_path, "interviews/p03.txt", "")
    write(tmp_path, "interviews/p04.txt", "we talked about the delivery, no speakers here\n")
    write(tmp_path, "interviews/more/p01.srt", "1\n00:00:01,000 --> 00:00:02,000\nAna: hi\n")
    write(tmp_path, "interviews/notes.doc", "x")
    write(tmp_path, "interviews/.DS_Store", "x")
    report = validate_workspace(tmp_path, today=TODAY)
    files = [line.split(":")[0].split(" line")[0] for line in report.problems]
    assert files == ["interviews/notes.doc", "interviews/p01.txt", "interviews/p02.vtt", "interviews/p03.txt",
                     "interviews/p04.txt"]
    assert "not a transcript format" in report.problems[0]
    assert "the interview id 'p01' is also the name of interviews/more/p01.srt" in report.problems[1]
    assert report.problems[2].startswith("interviews/p02.vtt line 3: expected a timing line")
    assert "the file is empty" in report.problems[3]
    assert "expected 'Speaker: text' turns" in report.problems[4]
    assert report.checked == ("interviews/: 2 transcript(s)",) and not report.ok


def test_an_empty_interviews_folder_and_table_problems_together(tmp_path):
    write(tmp_path, "reviews.csv", "review_id,created_at,text\nr1,03/15/2020,x\n")
    (tmp_path / "interviews").mkdir()
    report = validate_workspace(tmp_path, today=TODAY)
    assert report.problems[0].startswith("reviews.csv row 2, column 'created_at': expected an ISO 8601")
    assert "`carelib import`" in report.problems[0]
    assert report.problems[1] == "interviews/: expected transcript files (.txt, .md, .vtt, .srt, .docx, .pdf), found none"
    assert report.summary() == f"2 problem(s) in {tmp_path}"
