"""The importer on small exports written here: values, dates, ids, melt, filters, errors, accounting, CLI."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from carelib.cli import main
from carelib.data.importer import (
    REPORT_FILE,
    SET_ASIDE_FILE,
    default_mapping,
    import_export,
    read_date,
)
from carelib.data.mapping import parse_mapping
from carelib.errors import DataError

TODAY = "2026-12-01"


def export(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def mapping(text: str):
    return parse_mapping(textwrap.dedent(text), "map.yml")


def run(tmp_path: Path, csv: str, yml: str, kind: str = "csv"):
    src = export(tmp_path, csv)
    out = tmp_path / "ws"
    report = import_export(kind, src, out, mapping(yml), today=TODAY)
    return report, out


def table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)


NPS_MAP = """\
    tables:
      responses:
        id: {column: Response ID, prefix: r-}
        columns: {submitted_at: Submitted, score: Recommend, comment: Why}
        constants: {survey: enps}
        values:
          score: {map: {"Yes": 10, "No": 0}, meaning: "yes = promoter, no = detractor"}
        dates:
          submitted_at: {format: "%d/%m/%Y %H:%M", timezone: Europe/Paris}
        segments: [Team]
    """
NPS_CSV = """\
    Response ID,Submitted,Recommend,Why,Team
    1,03/04/2026 10:15,Yes,good team,Ops
    2,04/04/2026 09:00,No,,Sales
    3,,,,Ops
    """


def test_values_dates_ids_and_segments_land_as_declared(tmp_path):
    report, out = run(tmp_path, NPS_CSV, NPS_MAP)
    data = table(out, "responses")
    assert list(data["response_id"]) == ["r-1", "r-2", "r-3"]
    assert list(data["score"]) == ["10", "0", ""]  # a skipped question stays empty
    # Paris is UTC+2 in April (summer time): 10:15 local is 08:15 UTC
    assert list(data["submitted_at"]) == ["2026-04-03 08:15:00", "2026-04-04 07:00:00", ""]
    assert list(data["team"]) == ["Ops", "Sales", "Ops"] and list(data["survey"]) == ["enps"] * 3
    assert report.tables[0].rows_in == 3 and report.tables[0].rows_written == 3


def test_unmapped_label_names_file_row_column_value_and_mapping_line(tmp_path):
    csv = NPS_CSV + "    4,05/04/2026 10:00,Maybe,,Ops\n"
    with pytest.raises(DataError) as exc:
        run(tmp_path, csv, NPS_MAP)
    msg = str(exc.value)
    assert "export.csv row 5, column 'Recommend'" in msg and "'Maybe'" in msg and "map.yml line 7" in msg


def test_unknown_column_is_named_with_the_mapping_line(tmp_path):
    with pytest.raises(DataError) as exc:
        run(tmp_path, NPS_CSV, NPS_MAP.replace("comment: Why", "comment: Reason"))
    msg = str(exc.value)
    assert msg.startswith("map.yml line 4:") and "no column 'Reason'" in msg


def test_ambiguous_dates_are_refused_until_declared(tmp_path):
    csv = "ID,When\n1,03/04/2020\n2,15/04/2020\n"
    yml = """\
        tables:
          complaints:
            id: {column: ID}
            columns: {received_at: When}
            constants: {category: billing}
        """
    with pytest.raises(DataError) as exc:
        run(tmp_path, csv, yml)
    msg = str(exc.value)
    assert "export.csv row 2, column 'When'" in msg and "'03/04/2020' is ambiguous" in msg
    assert "'15/04/2020' are day first" in msg and "map.yml line 4" in msg
    _, out = run(tmp_path, csv, yml + "    dates: {received_at: {dayfirst: true}}\n")
    assert list(table(out, "complaints")["received_at"]) == ["2020-04-03", "2020-04-15"]


def test_a_column_holding_both_readings_is_refused(tmp_path):
    csv = "ID,When\n1,13/04/2020\n2,04/13/2020\n"
    yml = "tables:\n  complaints:\n    id: {column: ID}\n    columns: {received_at: When}\n    constants: {category: x}\n"
    with pytest.raises(DataError, match="both readings"):
        run(tmp_path, csv, yml)
    with pytest.raises(DataError, match="row 3, column 'When': '04/13/2020' cannot be day first"):
        run(tmp_path, csv, yml + "    dates: {received_at: {dayfirst: true}}\n")


@pytest.mark.parametrize("value, expected", [
    ("2012", "2012"), ("08/2012", "2012-08"), ("2012-08", "2012-08"), ("2020-03-04", "2020-03-04"),
    ("2026-11-03T10:11:12Z", "2026-11-03 10:11:12"), ("2026-11-03T12:11:12+02:00", "2026-11-03 10:11:12"),
    ("2026/11/03 9:15:00", "2026-11-03 09:15:00"), ("25/12/2020", "2020-12-25"), ("12/25/2020 3:05 PM", "2020-12-25 15:05:00"),
    ("", ""),
])
def test_read_date(value, expected):
    assert read_date(value) == expected


def test_partial_dates_are_written_as_such_never_as_a_day(tmp_path):
    csv = "ID,Year,Score\n1,2012,9\n2,08/2013,7\n3,Not Stated,\n"
    yml = """\
        tables:
          responses:
            missing: [Not Stated]
            id: {column: ID}
            columns: {submitted_at: Year, score: Score}
            constants: {survey: enps}
        """
    _, out = run(tmp_path, csv, yml)
    assert list(table(out, "responses")["submitted_at"]) == ["2012", "2013-08", ""]


def test_melt_gives_one_row_per_item_with_question_and_respondent(tmp_path):
    csv = "ID,Morale,My say,Gender\n7,SA,D,F\n8,M,A,M\n"
    yml = """\
        tables:
          responses:
            missing: [M]
            melt: {columns: [Morale, My say], question: item, value: answer}
            id: {hash: [ID, item], prefix: x-, length: 8}
            columns: {respondent_id: ID, question: item, score: answer}
            constants: {survey: agree5}
            values: {score: {map: {SA: 5, A: 4, N: 3, D: 2, SD: 1}, meaning: agreement}}
            segments: {gender: Gender}
        """
    report, out = run(tmp_path, csv, yml)
    data = table(out, "responses")
    assert list(zip(data["respondent_id"], data["question"], data["score"], strict=True)) == [
        ("7", "Morale", "5"), ("7", "My say", "2"), ("8", "Morale", ""), ("8", "My say", "4")]
    # the segment's "M" (a gender) is missing too: `missing:` applies to every column of the table
    assert list(data["gender"]) == ["F", "F", "", ""]
    assert data.loc[0, "response_id"] == "x-" + hashlib.sha256(b"7\x1fMorale").hexdigest()[:8]
    assert report.tables[0].rows_in == 4


def test_filters_and_empty_items_are_set_aside_and_counted(tmp_path):
    csv = "ID,Status,Q1,Q2\n1,Complete,slow,\n2,Partial,ok,fine\n3,Complete,,great\n"
    yml = """\
        tables:
          responses:
            filter: [{column: Status, equals: Complete}]
            melt: {columns: [Q1, Q2], question: item, value: answer, drop_empty: true}
            id: {hash: [ID, item]}
            columns: {respondent_id: ID, question: item, comment: answer}
            constants: {survey: nps}
        """
    report, out = run(tmp_path, csv, yml)
    t = report.tables[0]
    assert (t.rows_in, t.rows_written) == (6, 2)
    assert t.set_aside == {"empty answer (melt.drop_empty)": 2, "filter: 'Status' != 'Complete'": 2}
    assert list(table(out, "responses")["comment"]) == ["slow", "great"]
    summary = pd.read_csv(out / REPORT_FILE)
    assert summary["rows"].sum() == 6
    aside = pd.read_csv(out / SET_ASIDE_FILE)
    assert sorted(aside["row"]) == [2, 3, 3, 4]  # file rows (the header is row 1)


def test_hash_ids_of_identical_rows_get_a_suffix(tmp_path):
    csv = "When,What\n2020-01-01,Fees\n2020-01-01,Fees\n"
    yml = "tables:\n  complaints:\n    id: {hash: [When, What]}\n    columns: {received_at: When, category: What}\n"
    _, out = run(tmp_path, csv, yml)
    ids = list(table(out, "complaints")["complaint_id"])
    assert ids[1] == ids[0] + "-2"


def test_contract_problems_raise_or_are_set_aside(tmp_path):
    csv = "ID,Stars,Text\n1,5,great\n2,9,odd\n"
    yml = "tables:\n  reviews:\n    id: {column: ID}\n    columns: {rating: Stars, text: Text}\n"
    with pytest.raises(DataError) as exc:
        run(tmp_path, csv, yml)
    assert "export.csv row 3, column 'Stars' -> reviews.rating" in str(exc.value) and "map.yml line 4" in str(exc.value)
    report, out = run(tmp_path, csv, yml + "    invalid: set-aside\n")
    assert report.tables[0].rows_written == 1 and sum(report.tables[0].set_aside.values()) == 1
    assert list(table(out, "reviews")["review_id"]) == ["1"]


def test_missing_required_column_says_where_to_add_it(tmp_path):
    with pytest.raises(DataError, match="makes no 'category'"):
        run(tmp_path, "ID,When\n1,2020-01-01\n", "tables:\n  complaints:\n    id: {column: ID}\n    columns: {received_at: When}\n")


def test_personal_identifiers_never_become_free_text(tmp_path):
    yml = "tables:\n  reviews:\n    id: {column: ID}\n    columns: {text: Text}\n    segments: [Username]\n"
    with pytest.raises(DataError, match="personal identifier"):
        run(tmp_path, "ID,Text,Username\n1,hi,@ana\n", yml)
    ok = "tables:\n  reviews:\n    id: {column: ID}\n    columns: {text: Text, customer_id: Username}\n"
    _, out = run(tmp_path, "ID,Text,Username\n1,hi,@ana\n", ok)
    assert table(out, "reviews").loc[0, "customer_id"] == "@ana"


def test_interviews_become_transcripts_in_turn_order(tmp_path):
    csv = "Who,Turn,Note\nP1,2,second\nP1,1,first\nP2,1,\n"
    yml = """\
        tables:
          interviews:
            id: {column: Who}
            columns: {text: Note, turn: Turn}
            constants: {speaker: Observer}
        """
    report, out = run(tmp_path, csv, yml)
    assert (out / "interviews" / "P1.txt").read_text() == "Observer: first\nObserver: second\n"
    assert not (out / "interviews" / "P2.txt").exists()
    assert report.tables[0].set_aside == {"no text": 1}


def test_join_adds_columns_by_key(tmp_path):
    export(tmp_path, "ID,Role\n1,Student\n2,Teacher\n", "people.csv")
    csv = "ID,Pain\n1,setup is hard\n2,\n"
    yml = """\
        tables:
          responses:
            join: {file: people.csv, on: ID}
            id: {column: ID}
            columns: {comment: Pain}
            constants: {survey: nps}
            segments: [Role]
        """
    _, out = run(tmp_path, csv, yml)
    assert list(table(out, "responses")["role"]) == ["Student", "Teacher"]


def test_built_in_cfpb_mapping_reads_the_website_export(tmp_path):
    assert default_mapping("cfpb") is not None and default_mapping("csv") is None
    src = Path(__file__).parent / "fixtures" / "exports" / "cfpb.csv"  # the website's columns, dates MM/DD/YY
    raw = pd.read_csv(src, dtype=str, keep_default_na=False)
    import_export("cfpb", src, tmp_path / "ws", today=TODAY)
    data = table(tmp_path / "ws", "complaints")
    assert list(data["complaint_id"]) == ["cfpb-" + v for v in raw["Complaint ID"]]
    assert data.loc[0, "received_at"] == "2026-11-03" and raw.loc[0, "Date received"] == "11/03/26"
    assert list(data["text"]) == list(raw["Consumer complaint narrative"])


def test_cli_import_prints_the_accounting(tmp_path, capsys):
    src = export(tmp_path, NPS_CSV)
    (tmp_path / "map.yml").write_text(textwrap.dedent(NPS_MAP), encoding="utf-8")
    code = main(["import", "csv", str(src), "--out", str(tmp_path / "ws"), "--map", str(tmp_path / "map.yml")])
    out = capsys.readouterr().out
    assert code == 0 and "responses: 3 rows in from export.csv, 3 written, 0 set aside" in out


def test_cli_import_errors_are_one_line_and_exit_2(tmp_path, capsys):
    src = export(tmp_path, NPS_CSV)
    (tmp_path / "map.yml").write_text("tables:\n  responses:\n    columns: {scroe: X}\n", encoding="utf-8")
    code = main(["import", "csv", str(src), "--out", str(tmp_path / "ws"), "--map", str(tmp_path / "map.yml")])
    err = capsys.readouterr().err
    assert code == 2 and "map.yml line 3" in err and "Traceback" not in err
    code = main(["import", "csv", str(src), "--out", str(tmp_path / "ws")])
    assert code == 2 and "no built-in mapping for kind 'csv'" in capsys.readouterr().err


def test_cli_value_errors_show_the_first_file_row_column_and_value_on_the_line(tmp_path, capsys):
    src = tmp_path / "ex.csv"
    src.write_text("Date,Score\n2020-04-03,9\n2020-04-15,Very likely\n2020-04-16,maybe\n", encoding="utf-8")
    (tmp_path / "map.yml").write_text("tables:\n  responses:\n    id: {hash: ['@row']}\n    columns:\n"
                                      "      submitted_at: Date\n      score: Score\n    constants: {survey: nps}\n",
                                      encoding="utf-8")
    code = main(["import", "csv", str(src), "--out", str(tmp_path / "ws"), "--map", str(tmp_path / "map.yml")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "first: ex.csv row 3, column 'Score'" in err and "found 'Very likely'" in err and "map.yml line 6" in err
    assert "(and 1 more line(s)" in err


def test_cli_infer_prints_or_writes_a_draft(tmp_path, capsys):
    src = export(tmp_path, NPS_CSV)
    assert main(["import", "csv", str(src), "--infer"]) == 0
    assert "tables:" in capsys.readouterr().out
    target = tmp_path / "draft.yml"
    assert main(["import", "csv", str(src), "--infer", "--map", str(target)]) == 0
    assert parse_mapping(target.read_text()).tables
    assert main(["import", "csv", str(src), "--infer", "--map", str(target)]) == 2  # never overwrites


def test_explode_turns_a_json_list_into_one_turn_per_element(tmp_path):
    src = export(tmp_path, '[{"id": 7, "turns": [["agent", "Hi!"], ["customer", "My parcel\\nis late"]]}]', "chats.json")
    yml = """\
        tables:
          interviews:
            explode: {column: turns, into: [who, said], index: n}
            id: {column: id, prefix: chat-}
            columns: {speaker: who, text: said, turn: n}
            values: {speaker: {agent: Agent, customer: Customer}}
        """
    report = import_export("json", src, tmp_path / "ws", mapping(yml), today=TODAY)
    assert (tmp_path / "ws" / "interviews" / "chat-7.txt").read_text() == "Agent: Hi!\nCustomer: My parcel is late\n"
    assert report.tables[0].rows_in == report.tables[0].rows_written == 2


def test_missing_labels_of_one_column_leave_the_others_alone(tmp_path):
    csv = "ID,Morale,Gender\n1,M,M\n2,SA,F\n"
    yml = """\
        tables:
          responses:
            id: {column: ID}
            columns: {score: Morale}
            constants: {survey: agree5}
            values: {score: {map: {SA: 5}, missing: [M], meaning: agreement}}
            segments: [Gender]
        """
    _, out = run(tmp_path, csv, yml)
    data = table(out, "responses")
    assert list(data["score"]) == ["", "5"] and list(data["gender"]) == ["M", "F"]
