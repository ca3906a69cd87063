"""The mapping.yml language: structure, line numbers in every error, the draft from --infer."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from carelib.data.mapping import parse_mapping, read_mapping, slug, zone
from carelib.data.mapping_infer import guess_column, infer_mapping
from carelib.errors import DataError
from tests.conftest import ROOT


def parse(text: str):
    return parse_mapping(textwrap.dedent(text), "m.yml")


def error(text: str) -> str:
    with pytest.raises(DataError) as exc:
        parse(text)
    return str(exc.value)


def test_a_full_table_parses_with_the_line_of_each_entry():
    m = parse("""\
        kind: csv
        tables:
          responses:
            from: responses
            missing: ["N/A"]
            filter:
              - {column: Status, equals: Complete}
            id: {hash: [ID, item], prefix: s-, length: 10}
            melt: {columns: [Q1, Q2], question: item, value: answer, drop_empty: true}
            columns:
              respondent_id: ID
              score: answer
            constants: {survey: agree5}
            values:
              score: {map: {SA: 5, A: 4}, meaning: agreement}
            dates:
              submitted_at: {format: ["%m/%Y", "%Y"], timezone: Australia/Brisbane}
            segments: [Employment Status]
        """)
    t = m.tables["responses"]
    assert m.kind == "csv" and t.source == "responses" and t.missing == ("N/A",)
    assert t.filters[0].op == "equals" and t.filters[0].line == 7
    assert t.id.hash == ("ID", "item") and t.id.prefix == "s-" and t.id.length == 10
    assert t.melt.columns == ("Q1", "Q2") and t.melt.drop_empty
    assert t.columns == {"respondent_id": "ID", "score": "answer"}
    assert t.line_of("columns.score") == 12 and t.line_of("values.score") == 15
    assert t.values["score"].labels == {"SA": 5, "A": 4} and t.values["score"].meaning == "agreement"
    assert t.dates["submitted_at"].formats == ("%m/%Y", "%Y")
    assert t.segments == {"employment_status": "Employment Status"}


def test_yes_and_no_keys_stay_labels_not_booleans():
    m = parse("""\
        tables:
          responses:
            columns: {score: R}
            values:
              score: {map: {Yes: 10, No: 0}, meaning: "yes = promoter"}
        """)
    assert m.tables["responses"].values["score"].labels == {"Yes": 10, "No": 0}


def test_yes_no_to_scores_needs_a_meaning():
    msg = error("""\
        tables:
          responses:
            columns: {score: R}
            values:
              score: {"Yes": 10, "No": 0}
        """)
    assert msg.startswith("m.yml line 5:") and "meaning" in msg


@pytest.mark.parametrize("text, line, words", [
    ("tables:\n  responses:\n    columns: {scroe: S}\n", 3, "has no column 'scroe'"),
    ("tables:\n  reveiws:\n    columns: {}\n", 2, "unknown table 'reveiws'"),
    ("tables:\n  reviews:\n    colums: {text: T}\n", 3, "unknown key 'colums'"),
    ("tables:\n  reviews:\n    id: {column: A, hash: [B]}\n", 3, "either"),
    ("tables:\n  reviews:\n    dates: {created_at: {timezone: Mars/Base}}\n", 3, "unknown time zone"),
    ("tables:\n  reviews:\n    dates: {created_at: dd/mm/yyyy}\n", 3, "not a strftime format"),
    ("tables:\n  reviews:\n    filter: [{column: A, bigger: 3}]\n", 3, "unknown key 'bigger'"),
    ("tables:\n  reviews:\n    melt: {columns: [A], match: B}\n", 3, "either"),
    ("tables:\n  reviews:\n    columns: {text: A}\n    constants: {text: B}\n", 4, "in columns and in constants"),
    ("tables:\n  reviews:\n    columns: {text: [A, B]}\n", 3, "expected a column name"),
    ("tables:\n  reviews:\n    columns: {text: A\n", 4, "does not parse"),
])
def test_errors_name_the_file_and_the_line(text, line, words):
    msg = error(text)
    assert msg.startswith(f"m.yml line {line}"), msg
    assert words in msg


def test_an_empty_or_tableless_file_says_what_is_expected():
    assert "empty" in error("")
    assert "`tables:`" in error("kind: csv\n")


def test_read_mapping_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_mapping(tmp_path / "nope.yml")


def test_every_example_and_built_in_mapping_parses():
    files = sorted((ROOT / "docs" / "examples").glob("*.mapping.yml")) + sorted(
        (ROOT / "carelib" / "resources" / "mappings").glob("*.yml"))
    assert len(files) >= 11
    for f in files:
        assert read_mapping(f).tables


def test_slug_and_zone():
    assert slug("Gender. What is your Gender?") == "gender_what_is_your_gender"
    assert zone("UTC-06:00").utcoffset(None).total_seconds() == -6 * 3600
    assert zone("+05:30").utcoffset(None).total_seconds() == 5.5 * 3600


@pytest.mark.parametrize("name, values, kind", [
    ("Response ID", ["a1", "a2", "a3"], "id"),
    ("Email", ["a@x.org", "b@x.org"], "personal"),
    ("Submitted", ["2026-01-02 10:00:00", "2026-01-03 11:00:00"], "date"),
    ("Likely to recommend", ["0", "7", "10", ""], "score"),
    ("Plan", ["Gold", "Silver", "Gold", "Gold"], "segment"),
    ("Comment", ["The courier was late again and nobody called", "Great service from the driver today!"], "text"),
])
def test_guess_column(name, values, kind):
    assert guess_column(name, pd.Series(values)) == kind


def test_infer_drafts_a_mapping_that_parses(tmp_path):
    src = tmp_path / "survey.csv"
    src.write_text("Response ID,Date,Score,Why,Plan,Email\n"
                   "1,03/04/2026,9,Because the driver called ahead of time,Gold,a@x.org\n"
                   "2,15/04/2026,3,The parcel was left in the rain at the door,Silver,b@x.org\n"
                   "3,16/04/2026,10,Friendly and quick on the phone today,Gold,c@x.org\n"
                   "4,17/04/2026,8,Fine but the app logged me out twice,Gold,d@x.org\n", encoding="utf-8")
    draft = infer_mapping("csv", src)
    m = parse_mapping(draft)
    t = m.tables["responses"]
    assert t.id.column == "Response ID"
    assert t.columns == {"submitted_at": "Date", "score": "Score", "comment": "Why", "customer_id": "Email"}
    assert t.segments == {"plan": "Plan"}
    assert "'03/04/2026' reads two ways" in draft  # the ambiguous date is pointed out, not decided
    assert "survey" not in t.constants  # the survey kind is left for the person to say
