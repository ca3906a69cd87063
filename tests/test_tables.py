"""Loading and validating workspace tables: clear errors, nothing lost, rows accounted for."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from carelib.contracts import CONTRACTS
from carelib.errors import DataError, ParameterError
from carelib.tables import Workspace, load_table

HEADER = "response_id,customer_id,submitted_at,survey,score,comment\n"
GOOD = "r1,C1,2026-05-18 08:00:00,nps,9,good\nr2,C2,2026-05-19,csat,4,fine\n"


def write(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def test_good_csv_is_typed(tmp_path):
    data, report = load_table(write(tmp_path, "responses.csv", HEADER + GOOD))
    assert report.rows_read == 2 and report.rows_kept == 2 and report.rows_excluded == 0
    assert str(data["score"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(data["submitted_at"])
    assert data.loc[1, "submitted_at"] == pd.Timestamp("2026-05-19")
    assert list(data["comment"]) == ["good", "fine"]


def test_every_problem_named_with_file_row_column_expected_found(tmp_path):
    bad = HEADER + (
        "r1,C1,2026-05-18 08:00:00,nps,9,ok\n"
        "r2,C2,2026-05-18,nps,eleven,x\n"
        "r3,C3,2026-05-18,nps,11,x\n"
        "r4,C4,last tuesday,nps,7,x\n"
        "r5,C5,2026-05-18,csat,6,x\n"
        "r6,C6,2026-05-18,nsp,3,x\n"
        "r6,C7,,nps,3,x\n"
    )
    with pytest.raises(DataError) as err:
        load_table(write(tmp_path, "responses.csv", bad))
    lines = err.value.problems
    assert "responses.csv row 3, column 'score': expected an integer, found 'eleven'" in lines
    assert "responses.csv row 4, column 'score': expected an integer 0-10 (survey 'nps'), found '11'" in lines
    assert any(ln.startswith("responses.csv row 5, column 'submitted_at': expected an ISO 8601") and "'last tuesday'" in ln for ln in lines)
    assert "responses.csv row 6, column 'score': expected an integer 1-5 (survey 'csat'), found '6'" in lines
    assert any("row 7, column 'survey': expected one of nps" in ln and "'nsp'" in ln for ln in lines)
    assert any("row 8, column 'submitted_at'" in ln and "an empty cell" in ln for ln in lines)
    assert any("row 8, column 'response_id': expected a unique id, found 'r6'" in ln for ln in lines)
    assert len(lines) == len(set(lines))  # one line per problem


def test_missing_column_always_raises(tmp_path):
    p = write(tmp_path, "responses.csv", "response_id,submitted_at,survey\nr1,2026-01-01,nps\n")
    for errors in ("raise", "exclude"):
        with pytest.raises(DataError, match=r"responses.csv row 1, column 'score': expected a column named 'score'"):
            load_table(p, errors=errors)


def test_exclude_mode_accounts_for_every_row(tmp_path):
    text = HEADER + GOOD + "r3,C3,2026-05-18,nps,eleven,x\nr4,C4,2026-05-18,nps,12,x\nr1,C9,2026-05-18,nps,5,dup\n"
    data, report = load_table(write(tmp_path, "responses.csv", text), errors="exclude")
    assert report.rows_read == 5
    assert report.rows_kept == 2 and list(data["response_id"]) == ["r1", "r2"]
    assert report.rows_read == report.rows_kept + report.rows_excluded
    reasons = dict(zip(report.by_reason()["reason"], report.by_reason()["rows"], strict=True))
    assert reasons == {"not int": 1, "score outside its scale": 1, "duplicate id": 1}
    assert sorted(report.exclusions["row"]) == [4, 5, 6]


def test_empty_score_is_allowed_and_kept(tmp_path):
    data, report = load_table(write(tmp_path, "responses.csv", HEADER + "r1,C1,2026-05-18,nps,,skipped\n"))
    assert report.rows_kept == 1 and pd.isna(data.loc[0, "score"])


def test_parquet_and_jsonl_rows_are_one_based(tmp_path):
    frame = pd.DataFrame(
        {"review_id": ["a", "b"], "created_at": ["2026-01-01", "2026-01-02"], "rating": [5, 9], "text": ["x", "y"]}
    )
    frame.to_parquet(tmp_path / "reviews.parquet")
    with pytest.raises(DataError, match=r"reviews.parquet row 2, column 'rating': expected a value <= 5, found 9"):
        load_table(tmp_path / "reviews.parquet")
    frame.to_json(tmp_path / "reviews.jsonl", orient="records", lines=True)
    with pytest.raises(DataError, match=r"reviews.jsonl row 2, column 'rating'"):
        load_table(tmp_path / "reviews.jsonl")


def test_timezone_offsets_become_utc(tmp_path):
    text = HEADER + "r1,C1,2026-05-18T10:00:00+02:00,nps,9,\n"
    data, _ = load_table(write(tmp_path, "responses.csv", text))
    assert data.loc[0, "submitted_at"] == pd.Timestamp("2026-05-18 08:00:00")


def test_input_file_is_not_modified(tmp_path):
    p = write(tmp_path, "responses.csv", HEADER + GOOD)
    before = p.read_bytes()
    load_table(p)
    assert p.read_bytes() == before


def test_unknown_kind_and_errors_value():
    with pytest.raises(ParameterError, match="unknown table kind 'nope'"):
        load_table("nope.csv")
    with pytest.raises(ParameterError, match="errors must be"):
        load_table("responses.csv", errors="ignore")


def test_workspace_names_missing_table(tmp_path):
    write(tmp_path, "responses.csv", HEADER + GOOD)
    ws = Workspace(tmp_path)
    assert ws.available() == ["responses"]
    with pytest.raises(DataError, match=r"has no 'tickets' table: expected one of tickets.csv, tickets.parquet"):
        ws.table("tickets")
    assert len(ws.table("responses")) == 2
    report = ws.load_report()
    assert report.loc[0, "rows_read"] == 2 and report.loc[0, "rows_kept"] == 2


def test_workspace_validate_lists_problems_and_unknown_files(tmp_path):
    write(tmp_path, "responses.csv", HEADER + "r1,C1,2026-05-18,nps,eleven,x\n")
    write(tmp_path, "stuff.csv", "a\n1\n")
    lines = Workspace(tmp_path).validate()
    assert lines[0] == "responses.csv row 2, column 'score': expected an integer, found 'eleven'"
    assert lines[1].startswith("stuff.csv: not a known table")


def test_fingerprint_changes_with_content(tmp_path):
    p = write(tmp_path, "responses.csv", HEADER + GOOD)
    a = Workspace(tmp_path).fingerprint()
    assert a == Workspace(tmp_path).fingerprint()
    p.write_text(HEADER + GOOD.replace("9", "8"), encoding="utf-8")
    assert Workspace(tmp_path).fingerprint() != a


def test_demo_workspace_is_valid(demo_dir):
    ws = Workspace(demo_dir)
    assert ws.validate() == []
    assert set(ws.available()) == set(CONTRACTS)


def test_data_dictionary_is_in_sync(root):
    from carelib.datadict import data_dictionary

    assert (root / "data" / "README.md").read_text(encoding="utf-8") == data_dictionary(), (
        "data/README.md is out of date: run `make demo-data` (or `carelib datadict > data/README.md`)"
    )


def test_validate_command_reports_missing_column_and_row_problems(tmp_path, capsys):
    """The acceptance case: missing column, non-numeric score, score of 11, unparseable date."""
    from carelib.cli import main

    write(
        tmp_path,
        "responses.csv",
        "response_id,submitted_at,survey,score\n"
        "r1,2026-05-18,nps,9\nr2,2026-05-18,nps,nine\nr3,2026-05-18,nps,11\nr4,18/05/2026 8am,nps,7\n",
    )
    write(tmp_path, "tickets.csv", "ticket_id,channel,created_at,status\nT1,email,2026-05-18,closed\n")
    code = main(["validate", str(tmp_path)])
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert code == 1
    assert "responses.csv row 3, column 'score': expected an integer, found 'nine'" in lines
    assert "responses.csv row 4, column 'score': expected an integer 0-10 (survey 'nps'), found '11'" in lines
    assert any(ln.startswith("responses.csv row 5, column 'submitted_at'") and "'18/05/2026 8am'" in ln for ln in lines)
    assert any(ln.startswith("tickets.csv row 1, column 'customer_id': expected a column named 'customer_id'") for ln in lines)
    assert "problem(s)" in out.err


def test_score_checked_even_when_survey_column_is_missing(tmp_path):
    write(tmp_path, "responses.csv", "response_id,submitted_at,score\nr1,2026-05-18,11\nr2,bad,x\n")
    lines = Workspace(tmp_path).validate()
    assert lines[0].startswith("responses.csv row 1, column 'survey': expected a column named 'survey'")
    assert "responses.csv row 2, column 'score': expected an integer 0-10 (no survey column: the widest scale), found '11'" in lines
    assert "responses.csv row 3, column 'score': expected an integer, found 'x'" in lines
    assert any(ln.startswith("responses.csv row 3, column 'submitted_at'") for ln in lines)
