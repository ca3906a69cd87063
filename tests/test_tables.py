"""Loading and validating workspace tables: clear errors, nothing lost, rows accounted for."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from carelib.data.contracts import CONTRACTS
from carelib.data.tables import Workspace, load_table
from carelib.errors import DataError, ParameterError

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
    assert "responses.csv row 3, column 'score': expected an integer 0-10 (survey 'nps'), found 'eleven'" in lines
    assert "responses.csv row 4, column 'score': expected an integer 0-10 (survey 'nps'), found '11'" in lines
    assert any(ln.startswith("responses.csv row 5, column 'submitted_at': expected an ISO 8601") and "'last tuesday'" in ln for ln in lines)
    assert "responses.csv row 6, column 'score': expected an integer 1-5 (survey 'csat'), found '6'" in lines
    assert any("row 7, column 'survey': expected one of nps" in ln and "'nsp'" in ln for ln in lines)
    assert not any("column 'submitted_at'" in ln and "an empty cell" in ln for ln in lines)  # undated: kept
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
    assert lines[0] == "responses.csv row 2, column 'score': expected an integer 0-10 (survey 'nps'), found 'eleven'"
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
    from carelib.data.datadict import data_dictionary

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
    assert "responses.csv row 3, column 'score': expected an integer 0-10 (survey 'nps'), found 'nine'" in lines
    assert "responses.csv row 4, column 'score': expected an integer 0-10 (survey 'nps'), found '11'" in lines
    assert any(ln.startswith("responses.csv row 5, column 'submitted_at'") and "'18/05/2026 8am'" in ln for ln in lines)
    assert any(ln.startswith("tickets.csv row 1, column 'customer_id': expected a column named 'customer_id'") for ln in lines)
    assert "problem(s)" in out.err


def test_score_checked_even_when_survey_column_is_missing(tmp_path):
    write(tmp_path, "responses.csv", "response_id,submitted_at,score\nr1,2026-05-18,11\nr2,bad,x\n")
    lines = Workspace(tmp_path).validate()
    assert lines[0].startswith("responses.csv row 1, column 'survey': expected a column named 'survey'")
    assert "responses.csv row 2, column 'score': expected an integer 0-10 (no survey column: the widest scale), found '11'" in lines
    assert "responses.csv row 3, column 'score': expected an integer 0-10 (no survey column: the widest scale), found 'x'" in lines
    assert any(ln.startswith("responses.csv row 3, column 'submitted_at'") for ln in lines)


# ---- issue 14: trustworthy under attack (no silent wrong numbers) ---------------------------------------------

TODAY = "2026-06-01"


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_boolean_score_is_refused_not_read_as_0_or_1(tmp_path, suffix):
    frame = pd.DataFrame({"response_id": ["r1", "r2"], "submitted_at": ["2026-05-18", "2026-05-18"],
                          "survey": ["nps", "nps"], "score": [True, False]})
    p = tmp_path / f"responses{suffix}"
    frame.to_parquet(p) if suffix == ".parquet" else frame.to_json(p, orient="records", lines=True)
    with pytest.raises(DataError) as err:
        load_table(p, today=TODAY)
    assert err.value.problems[0] == (
        f"responses{suffix} row 1, column 'score': expected an integer 0-10 (survey 'nps'), "
        "found True (a yes/no value, not a number)")
    data, report = load_table(p, errors="exclude", today=TODAY)
    assert report.rows_kept == 0 and report.rows_excluded == 2


def test_fractional_score_refused_whole_float_accepted(tmp_path):
    text = HEADER + "r1,C1,2026-05-18,nps,7.5,x\nr2,C2,2026-05-18,nps,9.0,x\nr3,C3,2026-05-18,nps,inf,x\n"
    with pytest.raises(DataError) as err:
        load_table(write(tmp_path, "responses.csv", text), today=TODAY)
    assert err.value.problems == [
        "responses.csv row 2, column 'score': expected an integer 0-10 (survey 'nps'), found '7.5'",
        "responses.csv row 4, column 'score': expected an integer 0-10 (survey 'nps'), found 'inf'",
    ]
    data, report = load_table(tmp_path / "responses.csv", errors="exclude", today=TODAY)
    assert data["score"].tolist() == [9]  # 9.0, as Excel writes it, is the integer 9
    pd.DataFrame({"response_id": ["a", "b"], "submitted_at": ["2026-05-18"] * 2, "survey": ["csat"] * 2,
                  "score": [4.0, 4.5]}).to_parquet(tmp_path / "responses.parquet")
    with pytest.raises(DataError, match=r"responses.parquet row 2, column 'score': expected an integer 1-5 "
                                        r"\(survey 'csat'\), found 4.5$"):
        load_table(tmp_path / "responses.parquet", today=TODAY)


def test_future_dates_are_set_aside_relative_to_an_injectable_today(tmp_path, monkeypatch):
    text = HEADER + ("r1,C1,2026-05-31 10:00,nps,9,x\n"
                     "r2,C2,2262-04-05,nps,9,x\n"
                     "r3,C3,2026-06-02 23:00,nps,3,x\n"   # within the 2 days' tolerance
                     "r4,C4,2026-06-03 00:00:01,nps,3,x\n")
    p = write(tmp_path, "responses.csv", text)
    with pytest.raises(DataError) as err:
        load_table(p, today=TODAY)
    assert err.value.problems == [
        "responses.csv row 3, column 'submitted_at': expected a date no later than 2026-06-03 00:00 "
        "(today, 2026-06-01 00:00 UTC, plus 2 days), found '2262-04-05'",
        "responses.csv row 5, column 'submitted_at': expected a date no later than 2026-06-03 00:00 "
        "(today, 2026-06-01 00:00 UTC, plus 2 days), found '2026-06-03 00:00:01'",
    ]
    data, report = load_table(p, errors="exclude", today=TODAY)
    assert list(data["response_id"]) == ["r1", "r3"]
    assert report.rows_read == report.rows_kept + report.rows_excluded == 4
    assert report.by_reason().to_dict("records") == [{"reason": "date in the future", "rows": 2}]
    # today from the environment (deterministic runs), and the clock when neither is given
    monkeypatch.setenv("CARELIB_TODAY", "2300-01-01")
    assert load_table(p).report.rows_kept == 4
    monkeypatch.setenv("CARELIB_TODAY", "yesterday")
    with pytest.raises(ParameterError, match=r"CARELIB_TODAY: expected an ISO 8601 date .*found 'yesterday'"):
        load_table(p)
    monkeypatch.delenv("CARELIB_TODAY")
    assert load_table(p, errors="exclude").report.rows_kept == 3  # the real clock: only 2262 is ahead


def test_latest_week_never_follows_a_future_row(tmp_path):
    from carelib import periods
    from carelib.analysis import review

    write(tmp_path, "responses.csv", HEADER + "r1,C1,2026-05-18,nps,9,x\nr2,C2,2262-04-05,nps,9,x\n")
    ws = Workspace(tmp_path, errors="exclude", today=TODAY)
    assert review.latest_week(periods.iso_week(ws["responses"]["submitted_at"])) == "2026-W21"
    assert ws.exclusions()[["source", "row", "reason"]].values.tolist() == [["responses.csv", 3, "date in the future"]]


def test_due_dates_may_lie_in_the_future(tmp_path):
    write(tmp_path, "actions.csv", "action_id,opened_at,owner,metric,description,due,status,closed_at\n"
          "A1,2026-05-01,Ana,nps,call back,2026-09-01,open,\n")
    data, report = load_table(tmp_path / "actions.csv", today=TODAY)
    assert report.rows_kept == 1 and data.loc[0, "due"] == pd.Timestamp("2026-09-01")


def test_ragged_rows_are_refused_with_expected_and_found_fields(tmp_path):
    text = HEADER + "r1,C1,2026-05-18,nps,9,ok\nr2,C2,2026-05-18,nps\nr3,C3,2026-05-18,nps,9,a,b\nr4,C4,2026-05-18,nps,6,x\n"
    p = write(tmp_path, "responses.csv", text)
    with pytest.raises(DataError) as err:
        load_table(p, today=TODAY)
    assert err.value.problems == [
        "responses.csv row 3: expected 6 fields, as in the header, found 4 fields (the row looks cut off)",
        "responses.csv row 4: expected 6 fields, as in the header, found 7 fields (a comma in an unquoted text?)",
    ]
    data, report = load_table(p, errors="exclude", today=TODAY)
    assert list(data["response_id"]) == ["r1", "r4"] and data["score"].tolist() == [9, 6]
    assert report.rows_read == 4 and report.rows_read == report.rows_kept + report.rows_excluded
    assert report.by_reason().to_dict("records") == [{"reason": "ragged row", "rows": 2}]


def test_one_extra_field_in_the_first_row_does_not_shift_the_columns(tmp_path):
    # pandas would silently take the first column as the index and shift every column by one
    p = write(tmp_path, "responses.csv", HEADER + "r1,C1,2026-05-18,nps,9,ok,extra\nr2,C2,2026-05-18,nps,3,x\n")
    data, report = load_table(p, errors="exclude", today=TODAY)
    assert list(data["response_id"]) == ["r2"] and data["score"].tolist() == [3]
    assert report.exclusions.loc[0, "found"] == "7 fields (a comma in an unquoted text?)"


def test_duplicate_header_is_refused_naming_both_columns(tmp_path):
    p = write(tmp_path, "responses.csv", "response_id,submitted_at,survey,score,score\nr1,2026-05-18,nps,2,9\n")
    for errors in ("raise", "exclude"):
        with pytest.raises(DataError, match=r"^responses.csv row 1: column 'score' appears twice in the header "
                                            r"\(columns 4 and 5, D and E in a spreadsheet\); rename or remove one"):
            load_table(p, errors=errors, today=TODAY)


def test_table_files_match_case_insensitively_and_two_files_for_one_table_are_an_error(tmp_path):
    write(tmp_path, "Responses.CSV", HEADER + GOOD)
    ws = Workspace(tmp_path, today=TODAY)
    assert ws.available() == ["responses"] and len(ws["responses"]) == 2
    assert ws.validate() == []
    write(tmp_path, "responses.csv", HEADER + GOOD)
    with pytest.raises(DataError, match=r"has 2 files for 'responses' \(Responses.CSV, responses.csv\): keep one"):
        Workspace(tmp_path, today=TODAY)["responses"]
    (tmp_path / "Responses.CSV").unlink()
    pd.read_csv(tmp_path / "responses.csv").to_parquet(tmp_path / "responses.parquet")
    lines = Workspace(tmp_path, today=TODAY).validate()
    assert any("has 2 files for 'responses' (responses.csv, responses.parquet): keep one" in ln for ln in lines)


def test_files_that_are_not_read_are_named_by_validate(tmp_path):
    write(tmp_path, "responses.csv", HEADER + GOOD)
    (tmp_path / "tickets.xlsx").write_bytes(b"PK\x03\x04")
    lines = Workspace(tmp_path, today=TODAY).validate()
    assert lines == ["tickets.xlsx: the 'tickets' table is read from .csv, .parquet or .jsonl, not .xlsx; "
                     "ignored (export it as CSV UTF-8)"]


def test_latin1_file_names_row_column_and_the_fix(tmp_path):
    p = tmp_path / "responses.csv"
    p.write_bytes((HEADER + "r1,C1,2026-05-18,nps,9,good\nr2,C2,2026-05-18,nps,4,Caf\u00e9 was cold\n").encode("latin-1"))
    for errors in ("raise", "exclude"):
        with pytest.raises(DataError) as err:
            load_table(p, errors=errors, today=TODAY)
        msg = str(err.value)
        assert msg.startswith("responses.csv row 3, column 'comment': expected UTF-8 text, found byte 0xe9 "
                              "('Café was cold' if the file is Windows-1252/Latin-1)")
        assert "re-save the file as UTF-8" in msg and "iconv -f WINDOWS-1252 -t UTF-8" in msg


def test_latin1_jsonl_names_the_row(tmp_path):
    p = tmp_path / "reviews.jsonl"
    p.write_bytes(b'{"review_id": "a", "rating": 5, "text": "ok"}\n{"review_id": "b", "rating": 4, "text": "caf\xe9"}\n')
    with pytest.raises(DataError, match=r"^reviews.jsonl row 2: expected UTF-8 text, found byte 0xe9"):
        load_table(p, today=TODAY)


def test_broken_json_line_is_named(tmp_path):
    p = tmp_path / "reviews.jsonl"
    p.write_text('{"review_id": "a", "rating": 5, "text": "ok"}\n{"review_id": "b", "rating": 4, "text": "cut\n',
                 encoding="utf-8")
    with pytest.raises(DataError, match=r"^reviews.jsonl row 2: expected one JSON object per line, found "):
        load_table(p, today=TODAY)


def test_empty_file_is_named(tmp_path):
    with pytest.raises(DataError, match=r"^responses.csv: the file is empty; expected a header row"):
        load_table(write(tmp_path, "responses.csv", ""), today=TODAY)


# ---- issue 16: partial dates are kept with their precision, never turned into a week ---------------------------

PARTIAL = HEADER + ("r1,C1,2012,nps,9,year only\n"
                    "r2,C2,2012-08,nps,7,year and month\n"
                    "r3,C3,2012-08-15,nps,3,a day\n"
                    "r4,C4,2012-08-15 10:30,nps,10,a time\n"
                    "r5,C5,,nps,5,undated\n")


def test_a_bare_year_is_the_first_instant_of_the_year_and_never_a_week(tmp_path):
    import datetime as dt

    from carelib import periods

    data, report = load_table(write(tmp_path, "responses.csv", PARTIAL), today=TODAY)
    assert report.rows_kept == 5  # the undated answer is kept too
    assert data["submitted_at"].tolist()[:4] == [pd.Timestamp(2012, 1, 1), pd.Timestamp(2012, 8, 1),
                                                pd.Timestamp(2012, 8, 15), pd.Timestamp(2012, 8, 15, 10, 30)]
    assert pd.isna(data.loc[4, "submitted_at"])
    # the companion column sits beside the date and says what is known
    assert list(data.columns[:4]) == ["response_id", "customer_id", "submitted_at", "submitted_at_precision"]
    assert data["submitted_at_precision"].tolist()[:4] == ["year", "month", "day", "time"]
    assert pd.isna(data.loc[4, "submitted_at_precision"])
    assert periods.precise(data, "submitted_at").tolist() == [False, False, True, True, True]
    # 2012-01-01 is a Sunday: the naive week would be 2011-W52 -- a week of the wrong year
    assert dt.date(2012, 1, 1).isocalendar()[:2] == (2011, 52)
    assert periods.iso_week(data["submitted_at"]).iloc[0] == "2011-W52"
    iso = dt.date(2012, 8, 15).isocalendar()
    weeks = periods.week_of(data, "submitted_at")
    assert weeks.isna().tolist() == [True, True, False, False, True]
    assert weeks.iloc[2] == weeks.iloc[3] == f"{iso[0]}-W{iso[1]:02d}"


def test_precision_column_only_when_a_date_is_partial(tmp_path, demo_dir):
    from carelib import periods

    data, _ = load_table(write(tmp_path, "responses.csv", HEADER + GOOD), today=TODAY)
    assert not [c for c in data.columns if c.endswith("_precision")]
    assert periods.precise(data, "submitted_at").all()
    ws = Workspace(demo_dir)
    for kind in ws.available():
        assert not [c for c in ws.table(kind).columns if c.endswith("_precision")], kind


def test_partial_dates_in_json_numbers_and_the_future(tmp_path):
    p = tmp_path / "complaints.jsonl"
    p.write_text('{"complaint_id": "c1", "customer_id": "C1", "received_at": 2012, "category": "x", "text": "t"}\n'
                 '{"complaint_id": "c2", "customer_id": "C2", "received_at": "2027", "category": "x", "text": "t"}\n',
                 encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_table(p, today=TODAY)  # 2027 starts after today (2026-06-01) plus 2 days
    assert err.value.problems == ["complaints.jsonl row 2, column 'received_at': expected a date no later than "
                                  "2026-06-03 00:00 (today, 2026-06-01 00:00 UTC, plus 2 days), found '2027'"]
    data, _ = load_table(p, errors="exclude", today=TODAY)
    # the JSON number 2012 is the year 2012, not 2012 nanoseconds after 1970
    assert data["received_at"].tolist() == [pd.Timestamp(2012, 1, 1)]
    assert data["received_at_precision"].tolist() == ["year"]


def test_non_iso_dates_are_refused_and_point_to_carelib_import(tmp_path):
    text = HEADER + "r1,C1,03/15/2020,nps,9,x\nr2,C2,2020-15-03,nps,9,x\nr3,C3,2012-W05,nps,9,x\n"
    with pytest.raises(DataError) as err:
        load_table(write(tmp_path, "responses.csv", text), today=TODAY)
    lines = err.value.problems
    assert [ln.split(":")[0] for ln in lines] == [f"responses.csv row {i}, column 'submitted_at'" for i in (2, 3, 4)]
    assert all("use `carelib import` with a date format" in ln for ln in lines)
    assert lines[0].endswith("found '03/15/2020'")
    data, _ = load_table(write(tmp_path, "responses.csv", HEADER + "r1,C1,2012-8,nps,9,x\n"), today=TODAY)
    assert data.loc[0, "submitted_at_precision"] == "month"  # the year comes first, in four digits: no ambiguity


def test_a_stated_precision_is_kept_when_it_fits_and_refused_when_it_contradicts(tmp_path):
    frame = pd.DataFrame({"review_id": ["a", "b", "c", "d"],
                          "created_at": pd.to_datetime(["2012-01-01", "2012-08-01", "2012-03-05", "2012-08-15 10:00"],
                                                      format="ISO8601"),
                          "created_at_precision": ["year", "month", "year", ""], "text": ["w", "x", "y", "z"]})
    frame.to_parquet(tmp_path / "reviews.parquet")
    with pytest.raises(DataError) as err:
        load_table(tmp_path / "reviews.parquet", today=TODAY)
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith("reviews.parquet row 3, column 'created_at_precision': expected one of "
                                            "year, month, day, time")
    assert err.value.problems[0].endswith("found 'year' for 2012-03-05 00:00:00")
    data, _ = load_table(tmp_path / "reviews.parquet", errors="exclude", today=TODAY)
    assert data["created_at_precision"].tolist() == ["year", "month", "time"]
    write(tmp_path, "complaints.csv", "complaint_id,customer_id,received_at,received_at_precision,category,text\n"
          "c1,C1,2012,day,x,t\n")
    with pytest.raises(DataError, match=r"found 'day' for '2012'"):  # finer than the date says
        load_table(tmp_path / "complaints.csv", today=TODAY)
