"""Readers of real export shapes (carelib.data.sources): parts, columns, row numbers, text kept verbatim.

Expected values are read off the fixture files by eye (tests/fixtures/exports, each in its tool's
documented shape) or found in the raw file text here, never taken from the reader's own output.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from carelib.data.sources import SOURCE_KINDS, SOURCE_PARTS, RawPart, read_source, sniff
from carelib.errors import CarelibError, DataError, ParameterError
from tests.conftest import shared_file

EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def parts(kind: str, name: str, **kw) -> dict[str, RawPart]:
    out = read_source(kind, EXPORTS / name, **kw)
    assert [p.name for p in out] == [n for n in SOURCE_PARTS[kind] if n in {p.name for p in out}]
    for p in out:  # every cell a str, never NaN/None
        assert all(isinstance(v, str) for v in p.frame.to_numpy().ravel()), p.name
    return {p.name: p for p in out}


def line_of(path: Path, text: str, encoding: str = "utf-8") -> int:
    """Physical line (1-based) where ``text`` first appears: the row, for files without multi-line cells before it."""
    for i, line in enumerate(path.read_text(encoding=encoding).splitlines(), 1):
        if text in line:
            return i
    raise AssertionError(f"{text!r} not in {path.name}")


def row_of(part: RawPart, column: str, value: str) -> int:
    [i] = part.frame.index[part.frame[column] == value].tolist()
    return part.first_row + i


# ---------------------------------------------------------------------------------------------- kinds
def test_every_kind_is_described_and_has_parts():
    assert set(SOURCE_KINDS) == set(SOURCE_PARTS)
    assert {"csv", "xlsx", "json", "jsonl", "google-forms", "typeform", "surveymonkey", "qualtrics", "delighted",
            "zendesk", "intercom", "freshdesk", "helpscout", "appstore", "googleplay", "trustpilot",
            "cfpb"} <= set(SOURCE_KINDS)


def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(ParameterError) as err:
        read_source("surveymonkee", EXPORTS / "surveymonkey.csv")
    assert "'surveymonkee'" in str(err.value) and "surveymonkey" in str(err.value) and "zendesk" in str(err.value)


# ---------------------------------------------------------------------------------------------- surveys
def test_google_forms_keeps_multi_select_joined_and_rows():
    path = EXPORTS / "google_forms.csv"
    p = parts("google-forms", "google_forms.csv")["responses"]
    assert list(p.frame.columns) == ["Timestamp", "Email Address",
                                     "How likely are you to recommend Hearthly to a friend?",
                                     "Which channels did you use?", "Anything else you want to tell us?"]
    assert p.first_row == 2 and len(p.frame) == 4
    assert p.frame["Which channels did you use?"].tolist() == ["Email, Chat", "Phone", "Email, Phone, Chat", ""]
    assert row_of(p, "Email Address", "cleo@example.com") == line_of(path, "cleo@example.com") == 4
    assert p.frame.loc[3, "Anything else you want to tell us?"] == '=HYPERLINK("http://evil.example","click")'


def test_typeform_columns_and_html_kept():
    p = parts("typeform", "typeform.csv")["responses"]
    assert list(p.frame.columns)[0] == "#" and list(p.frame.columns)[-3:] == [
        "Start Date (UTC)", "Submit Date (UTC)", "Network ID"]
    assert p.frame.loc[1, "What is the main reason for your score?"] == "<b>Nobody</b> called back"
    assert row_of(p, "#", "k1l2m3n4o5") == line_of(EXPORTS / "typeform.csv", "k1l2m3n4o5") == 4


def test_surveymonkey_two_header_rows_combined():
    p = parts("surveymonkey", "surveymonkey.csv")["responses"]
    q_nps = "How likely is it that you would recommend Hearthly to a friend or colleague?"
    q_about = "Which of these did you contact us about?"
    q_why = "What is the main reason for your score?"
    assert list(p.frame.columns) == [
        "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
        "Last Name", "Custom Data 1", q_nps, f"{q_about} - Billing", f"{q_about} - Delivery",
        f"{q_about} - Other (please specify)", q_why]
    assert p.questions == {q_nps: q_nps, f"{q_about} - Billing": q_about, f"{q_about} - Delivery": q_about,
                           f"{q_about} - Other (please specify)": q_about, q_why: q_why}
    assert p.first_row == 3
    # respondent 11400002 chose Billing and Delivery: each column holds the option's text
    second = p.frame[p.frame["Respondent ID"] == "11400002"].iloc[0]
    assert (second[f"{q_about} - Billing"], second[f"{q_about} - Delivery"]) == ("Billing", "Delivery")
    assert p.frame.loc[2, f"{q_about} - Other (please specify)"] == "Cancelling my plan"
    assert p.frame.loc[2, q_why] == "Line one\nline two"
    # the multi-line cell is one spreadsheet row: 11400004 sits on line 7 but is row 6
    assert line_of(EXPORTS / "surveymonkey.csv", "11400004") == 7
    assert row_of(p, "Respondent ID", "11400004") == 6


def test_surveymonkey_empty_trailing_column_and_localised_forms(tmp_path):
    path = tmp_path / "sm.csv"
    path.write_text("Respondent ID,Pick any,,,\n,Red,Blue,,\n7,Red,,,\n", encoding="utf-8")
    p = read_source("surveymonkey", path)[0]
    assert list(p.frame.columns) == ["Respondent ID", "Pick any - Red", "Pick any - Blue", "Unnamed: 3", "Unnamed: 4"]
    assert p.questions == {"Pick any - Red": "Pick any", "Pick any - Blue": "Pick any"}
    forms = tmp_path / "formulario.csv"
    forms.write_text("Marca temporal,¿Qué tal?\n2026/11/03 9:15:02,Bien\n", encoding="utf-8")
    assert sniff(forms) == "google-forms"
    assert read_source("google-forms", forms)[0].frame.values.tolist() == [["2026/11/03 9:15:02", "Bien"]]


def test_surveymonkey_single_header_file_is_refused_with_the_kind_it_looks_like():
    with pytest.raises(DataError) as err:
        read_source("surveymonkey", EXPORTS / "typeform.csv")
    msg = str(err.value)
    assert "typeform.csv" in msg and "SurveyMonkey" in msg and "row 2 holding 'a1b2c3d4e5'" in msg and "kind='typeform'" in msg


def test_qualtrics_questions_and_first_row():
    p = parts("qualtrics", "qualtrics.csv")["responses"]
    assert p.first_row == 4
    assert list(p.frame.columns)[-4:] == ["Q1", "Q2_1", "Q2_2", "Q3"]
    assert p.questions["Q1"] == "How likely are you to recommend Hearthly to a friend?"
    assert p.questions["Q2_2"] == "Which channels did you use? - Selected Choice - Chat"
    assert p.questions["ResponseId"] == "Response ID"
    assert row_of(p, "ResponseId", "R_2oPqRsTuVwXyZaB") == line_of(EXPORTS / "qualtrics.csv", "R_2oPqRsTuVwXyZaB") == 5
    assert p.frame["Q1"].tolist() == ["9", "3", "10"]


def test_qualtrics_without_import_id_row_is_a_clear_error():
    with pytest.raises(DataError) as err:
        read_source("qualtrics", EXPORTS / "qualtrics_legacy.csv")
    msg = str(err.value)
    assert "qualtrics_legacy.csv" in msg and "ImportId" in msg and "row 3" in msg and "2026-11-03" in msg
    assert "kind='csv'" in msg


def test_delighted_keeps_properties_and_formula_text():
    p = parts("delighted", "delighted.csv")["responses"]
    assert list(p.frame.columns) == ["Response ID", "Score", "Comment", "Created", "Email", "Name", "Plan", "Region"]
    assert p.frame.loc[2, "Comment"] == "@SUM(1+1)*cmd|' /C calc'!A0"
    assert p.frame["Score"].tolist() == ["9", "6", "0"]


# ---------------------------------------------------------------------------------------------- helpdesks
def test_zendesk_json_tickets_ratings_comments():
    got = parts("zendesk", "zendesk.json")
    assert list(got) == ["tickets", "ratings", "comments"]
    raw = json.loads((EXPORTS / "zendesk.json").read_text(encoding="utf-8"))
    t = got["tickets"]
    assert t.first_row == 1 and len(t.frame) == len(raw["tickets"]) == 3
    assert t.frame["id"].tolist() == ["35436", "35437", "35438"]
    assert t.frame["via.channel"].tolist() == ["email", "web", "chat"]
    assert t.frame.loc[0, "via.source.from.address"] == "jane@example.com"
    assert t.frame["tags"].tolist() == ["enterprise fire", "", "refund"]
    assert t.frame["assignee_id"].tolist() == ["235323", "", "235323"]
    assert t.frame.loc[1, "description"] == "<p>Ordered <b>two weeks</b> ago</p>"
    assert t.frame.loc[2, "description"] == "=cmd|' /C calc'!A0"
    r = got["ratings"]
    assert r.frame[["ticket_id", "score", "comment"]].values.tolist() == [
        ["35436", "good", "Great support!"], ["35437", "offered", ""], ["35438", "bad", "Took days"]]
    c = got["comments"]
    assert c.frame["public"].tolist() == ["true", "true", "false", "true"]
    assert c.frame.loc[2, "body"] == "Escalated to hardware."


def test_zendesk_view_csv_and_json_without_tickets(tmp_path):
    t = parts("zendesk", "zendesk_view.csv")["tickets"]
    assert t.frame["ID"].tolist() == ["35436", "35437"] and t.first_row == 2
    bad = tmp_path / "users.json"
    bad.write_text('{"users": [{"id": 1}], "count": 1}', encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_source("zendesk", bad)
    msg = str(err.value)
    assert "users.json" in msg and '{"tickets": [...]}' in msg and "'users'" in msg
    listed = tmp_path / "list.json"
    listed.write_text('[{"id": 1, "subject": "x"}]', encoding="utf-8")
    with pytest.raises(DataError, match=r"a JSON list of 1 item.*kind='json'"):
        read_source("zendesk", listed)


def test_intercom_conversations_messages_ratings():
    got = parts("intercom", "intercom.json")
    assert list(got) == ["conversations", "messages", "ratings"]
    conv = got["conversations"].frame
    assert conv["id"].tolist() == ["147", "148"]
    assert conv["created_at"].tolist() == ["1762161600", "1762248000"]  # Unix seconds, as written
    assert "conversation_parts" not in " ".join(conv.columns)
    m = got["messages"].frame
    assert m[["conversation_id", "part_type", "author.type"]].values.tolist() == [
        ["147", "source", "user"], ["147", "comment", "admin"], ["147", "close", "admin"],
        ["148", "source", "lead"], ["148", "assignment", "bot"]]
    assert m.loc[0, "body"] == "<p>My card was charged twice</p>"
    assert m.loc[0, "created_at"] == "1762161600" and m.loc[1, "created_at"] == "1762162200"
    assert m.loc[2, "body"] == ""
    r = got["ratings"].frame
    assert r[["conversation_id", "rating", "remark"]].values.tolist() == [["147", "5", "Quick <i>and</i> kind"],
                                                                          ["148", "", ""]]


def test_intercom_refuses_other_json(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"type": "contact.list", "data": []}', encoding="utf-8")
    with pytest.raises(DataError, match=r"x\.json: expected an Intercom export.*conversations.*'type', 'data'"):
        read_source("intercom", bad)


def test_freshdesk_and_helpscout():
    f = parts("freshdesk", "freshdesk.csv")["tickets"]
    assert list(f.frame.columns)[:3] == ["Ticket ID", "Subject", "Status"]
    assert f.frame["Customer Satisfaction"].tolist() == ["Extremely satisfied", "Not satisfied", ""]
    with pytest.raises(DataError, match=r"zendesk\.json: expected a table export \(CSV, TSV.*found a JSON file.*"
                                         r"kind='zendesk'"):
        read_source("freshdesk", EXPORTS / "zendesk.json")
    assert row_of(f, "Ticket ID", "1003") == line_of(EXPORTS / "freshdesk.csv", "1003,Cannot") == 4
    h = parts("helpscout", "helpscout.csv")["conversations"]
    assert h.frame["Tags"].tolist() == ["exchange, sizing", "invoice"]
    assert h.frame["Closed At"].tolist() == ["2026-11-03T14:10:00Z", ""]


# ---------------------------------------------------------------------------------------------- reviews, complaints
def test_appstore_api_json():
    r = parts("appstore", "appstore.json")["reviews"].frame
    assert r[["id", "rating", "title", "territory"]].values.tolist() == [
        ["00000045-1a2b-001", "5", "Does what it says", "USA"], ["00000045-1a2b-002", "1", "Crashes", "GBR"]]
    assert r.loc[1, "body"] == "Crashes on launch since the update.\nPlease fix."


def test_googleplay_utf16_report():
    path = EXPORTS / "googleplay.csv"
    assert path.read_bytes()[:2] == b"\xff\xfe"
    p = parts("googleplay", "googleplay.csv")["reviews"]
    with path.open(encoding="utf-16", newline="") as fh:  # independent read with the csv module
        expected = list(csv.reader(fh))
    assert list(p.frame.columns) == expected[0]
    assert p.frame.values.tolist() == expected[1:]
    assert p.frame.loc[0, "Review Text"] == "Schnell und freundlich – très bien 👍"
    assert p.frame.loc[1, "Star Rating"] == "2" and p.first_row == 2


def test_trustpilot_csv_and_json():
    c = parts("trustpilot", "trustpilot.csv")["reviews"].frame
    assert c["Review stars"].tolist() == ["5", "1"]
    assert c.loc[1, "Review content"].startswith("<script>alert(1)</script>")
    j = parts("trustpilot", "trustpilot.json")["reviews"].frame
    assert j[["id", "stars", "consumer.displayName", "companyReply.text"]].values.tolist() == [
        ["63f0a1b2c3d4e5f601234567", "5", "Dana", "Thank you!"], ["63f0a1b2c3d4e5f601234568", "1", "Eli", ""]]


def test_cfpb_website_csv():
    p = parts("cfpb", "cfpb.csv")["complaints"]
    assert "Consumer complaint narrative" in p.frame.columns and p.frame.columns[-1] == "Complaint ID"
    assert p.frame["Complaint ID"].tolist() == ["9100001", "9100002", "9100003"]
    assert p.frame.loc[0, "Consumer complaint narrative"].startswith("XXXX called me about a debt")
    assert row_of(p, "Complaint ID", "9100003") == line_of(EXPORTS / "cfpb.csv", "9100003") == 4


def test_cfpb_real_subset(shared_data):
    path = shared_file(shared_data, "cfpb-complaints-subset", "complaints-subset.csv")
    [p] = read_source("cfpb", path)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert list(p.frame.columns) == rows[0] == ["date_received", "product", "issue", "state", "date_sent_to_company"]
    assert len(p.frame) == len(rows) - 1 == 280
    assert p.frame.values.tolist() == rows[1:]
    assert p.frame.loc[0].tolist() == ["2016-10-03", "Debt collection", "Improper contact or sharing of info", "AZ",
                                       "2016-10-03"]
    assert sniff(path) == "cfpb"


# ---------------------------------------------------------------------------------------------- plain files
def test_plain_csv_semicolon_cp1252_and_duplicate_headers(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("Kunde;Score;Score;Kommentar\r\nMüller;9;8;sehr gut – danke\r\n".encode("cp1252"))
    [p] = read_source("csv", path)
    assert list(p.frame.columns) == ["Kunde", "Score", "Score (2)", "Kommentar"]
    assert p.frame.values.tolist() == [["Müller", "9", "8", "sehr gut – danke"]]
    assert p.name == "rows" and p.first_row == 2


def test_plain_tsv_with_bom_and_blank_rows(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("\ufeffid\ttext\n1\ta, b\n\n3\tc\n\n\n", encoding="utf-8")
    [p] = read_source("csv", path)
    assert list(p.frame.columns) == ["id", "text"]
    # the blank line is row 3 in a spreadsheet: kept as a row of "" so row 4 is still row 4
    assert p.frame.values.tolist() == [["1", "a, b"], ["", ""], ["3", "c"]]
    assert row_of(p, "id", "3") == 4


def test_undecodable_and_binary_files_are_named(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id,text\n1,ok\n2,caf\x81\x8d\n")
    with pytest.raises(DataError, match=r"bad\.csv row 3: expected UTF-8, UTF-16 or Windows-1252 text, found byte 0x81"):
        read_source("csv", bad)
    zipped = tmp_path / "book.csv"
    zipped.write_bytes(b"PK\x03\x04rest-of-a-workbook")
    with pytest.raises(DataError, match=r"book\.csv: expected a text file.*zip archive.*xlsx"):
        read_source("csv", zipped)


def test_ragged_rows(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("a,b,c\n1,2\n4,5,6,,\n", encoding="utf-8")
    [p] = read_source("csv", path)
    assert p.frame.values.tolist() == [["1", "2", ""], ["4", "5", "6"]]  # short padded, empty extras dropped
    path.write_text("a,b\n1,2\n3,4,oops\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"r\.csv row 3: expected at most 2 fields.*found 3.*'oops'"):
        read_source("csv", path)


def test_very_long_and_hostile_cells_kept_verbatim(tmp_path):
    long = "ab\"c, " * 40_000
    hostile = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "<img src=x onerror=alert(1)>", "\tTAB"]
    path = tmp_path / "h.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["id", "text"], ["1", long], *[[str(i), h] for i, h in enumerate(hostile, 2)]])
    [p] = read_source("csv", path)
    assert p.frame["text"].tolist() == [long, *hostile]


def test_json_and_jsonl_flattened(tmp_path):
    [p] = read_source("jsonl", EXPORTS / "rows.jsonl")
    assert list(p.frame.columns) == ["id", "customer.id", "customer.plan", "score", "tags", "ok", "note", "comment"]
    assert p.frame.values.tolist() == [["1", "C1", "pro", "9", '["a", "b"]', "true", "", ""],
                                       ["2", "C2", "", "7.5", "", "", "", "fine"]]
    listed = tmp_path / "l.json"
    listed.write_text('[{"a": {"b": 1}, "a.b": 2}]', encoding="utf-8")
    [p] = read_source("json", listed)
    assert list(p.frame.columns) == ["a.b", "a.b (2)"] and p.frame.values.tolist() == [["1", "2"]]
    broken = tmp_path / "b.jsonl"
    broken.write_text('{"a": 1}\n{"a": 2\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"b\.jsonl row 2: expected one JSON object per line"):
        read_source("jsonl", broken)
    obj = tmp_path / "o.json"
    obj.write_text('{"tickets": []}', encoding="utf-8")
    with pytest.raises(DataError, match=r"o\.json: expected a JSON list of records.*kind='zendesk'"):
        read_source("json", obj)


def test_missing_file_and_bad_suffix(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_source("csv", tmp_path / "nope.csv")
    with pytest.raises(DataError, match=r"expected a file ending in .*found '\.pdf'"):
        read_source("csv", tmp_path / "x.pdf")
    with pytest.raises(ParameterError, match="sheet='S1' is given but the file is not a workbook"):
        read_source("csv", EXPORTS / "delighted.csv", sheet="S1")
    empty = tmp_path / "e.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"e\.csv: the file is empty"):
        read_source("google-forms", empty)


def test_errors_are_carelib_errors_never_bare(tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text("42", encoding="utf-8")
    for kind in SOURCE_KINDS:
        with pytest.raises(CarelibError):
            read_source(kind, odd)


@pytest.mark.parametrize(("name", "kind"), [
    ("google_forms.csv", "google-forms"), ("typeform.csv", "typeform"), ("surveymonkey.csv", "surveymonkey"),
    ("qualtrics.csv", "qualtrics"), ("qualtrics_legacy.csv", "csv"), ("delighted.csv", "delighted"),
    ("zendesk.json", "zendesk"), ("zendesk_view.csv", "zendesk"), ("intercom.json", "intercom"),
    ("freshdesk.csv", "freshdesk"), ("helpscout.csv", "helpscout"), ("appstore.json", "appstore"),
    ("googleplay.csv", "googleplay"), ("trustpilot.csv", "trustpilot"), ("trustpilot.json", "trustpilot"),
    ("cfpb.csv", "cfpb"), ("rows.jsonl", "jsonl"),
])
def test_sniff(name, kind):
    assert sniff(EXPORTS / name) == kind


def test_sniff_unreadable_is_none(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x81\x8d")
    assert sniff(bad) is None and sniff(tmp_path / "missing.csv") is None and sniff(tmp_path / "x.pdf") is None


# ---------------------------------------------------------------------------------------------- Excel
def _workbook(path: Path, rows: list[list], *, sheet: str = "Sheet1", merge: str | None = None,
              first_sheet: str | None = None) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    if first_sheet:
        ws.title = first_sheet
        ws.append(["other"])
        ws = book.create_sheet(sheet)
    else:
        ws.title = sheet
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value in ("", None):
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as exports write it
    if merge:
        ws.merge_cells(merge)
    book.save(path)
    return path


def _csv_rows(name: str, encoding: str = "utf-8") -> list[list[str]]:
    with (EXPORTS / name).open(encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


def test_xlsx_cells_as_excel_shows_them(tmp_path):
    path = _workbook(tmp_path / "n.xlsx", [
        ["id", "whole", "float", "sum", "int", "date", "when", "yes", "text", "empty", "big"],
        ["r1", 3.0, 2.5, 0.1 + 0.2, 12, dt.datetime(2026, 11, 3), dt.datetime(2026, 11, 3, 9, 15), True,
         "=cmd|' /C calc'!A0", None, 1234567.0],
        [], ["r3", -4.0, 1e-7, 1 / 3, 0, dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 23, 59, 59), False, "<b>x</b>",
             None, 12345678901.0],
        [],
    ])
    [p] = read_source("xlsx", path)
    assert p.first_row == 2
    assert p.frame.values.tolist() == [
        ["r1", "3", "2.5", "0.3", "12", "2026-11-03", "2026-11-03 09:15:00", "TRUE", "=cmd|' /C calc'!A0", "",
         "1234567"],
        ["", "", "", "", "", "", "", "", "", "", ""],
        ["r3", "-4", "1e-07", "0.333333333333333", "0", "2026-01-02", "2026-01-02 23:59:59", "FALSE", "<b>x</b>", "",
         "12345678901"]]
    assert row_of(p, "id", "r3") == 4


def test_xlsx_sheet_by_name(tmp_path):
    path = _workbook(tmp_path / "s.xlsx", [["Ticket ID", "Subject", "Status"], [1001, "Refund", "Closed"]],
                     sheet="Tickets", first_sheet="Summary")
    [p] = read_source("freshdesk", path, sheet="Tickets")
    assert p.frame.values.tolist() == [["1001", "Refund", "Closed"]]
    with pytest.raises(DataError, match=r"s\.xlsx: expected a Freshdesk export.*'other'"):
        read_source("freshdesk", path)  # the first sheet is the summary
    with pytest.raises(ParameterError, match=r"sheet='Nope' is not in the workbook; its sheets are 'Summary', 'Tickets'"):
        read_source("freshdesk", path, sheet="Nope")


def test_surveymonkey_xlsx_with_merged_question(tmp_path):
    rows = _csv_rows("surveymonkey.csv")
    path = _workbook(tmp_path / "sm.xlsx", rows, merge="K1:M1")
    from_csv = read_source("surveymonkey", EXPORTS / "surveymonkey.csv")[0]
    p = read_source("surveymonkey", path)[0]
    assert list(p.frame.columns) == list(from_csv.frame.columns) and p.questions == from_csv.questions
    assert p.frame.values.tolist() == rows[2:] and p.first_row == 3


def test_qualtrics_and_google_forms_xlsx(tmp_path):
    rows = _csv_rows("qualtrics.csv")
    p = read_source("qualtrics", _workbook(tmp_path / "q.xlsx", rows))[0]
    assert p.first_row == 4 and p.frame.values.tolist() == rows[3:]
    assert p.questions["Q3"] == "Why did you give that score?"
    forms = _workbook(tmp_path / "f.xlsx", [["Timestamp", "Score"], [dt.datetime(2026, 11, 3, 9, 15, 2), 9]])
    assert sniff(forms) == "google-forms"
    p = read_source("google-forms", forms)[0]
    assert p.frame.values.tolist() == [["2026-11-03 09:15:02", "9"]]


def test_broken_workbook(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"broken\.xlsx: expected an Excel workbook"):
        read_source("xlsx", path)


def test_cell_text_general_format():
    from carelib.data.sources_files import cell_text

    assert [cell_text(v) for v in (3.0, -0.0, 2.50, 1e20, 123456789012.0, dt.time(9, 5), False)] == [
        "3", "0", "2.5", "1e+20", "123456789012", "09:05:00", "FALSE"]


def test_cfpb_json_download_and_search_api(tmp_path):
    listed = tmp_path / "complaints.json"
    listed.write_text(json.dumps([{"date_received": "2026-11-03", "product": "Mortgage", "issue": "Closing",
                                   "complaint_id": "9100004", "tags": None}]), encoding="utf-8")
    [p] = read_source("cfpb", listed)
    assert p.frame.values.tolist() == [["2026-11-03", "Mortgage", "Closing", "9100004", ""]]
    hits = tmp_path / "search.json"
    hits.write_text(json.dumps({"hits": {"total": 1, "hits": [{"_id": "1", "_source": {
        "date_received": "2026-11-04", "product": "Credit card", "complaint_what_happened": "<p>hi</p>"}}]}}),
        encoding="utf-8")
    [p] = read_source("cfpb", hits)
    assert p.frame.to_dict("records") == [{"date_received": "2026-11-04", "product": "Credit card",
                                           "complaint_what_happened": "<p>hi</p>"}]
    assert sniff(listed) == sniff(hits) == "cfpb"


def test_sniff_reads_only_the_head_of_a_big_file(tmp_path):
    path = tmp_path / "big.csv"
    row = "2026-11-03,Mortgage,Trouble during payment process," + "x" * 200 + "\n"
    path.write_text("Date received,Product,Issue,Consumer complaint narrative\n" + row * 20_000, encoding="utf-8")
    assert path.stat().st_size > 4 << 20
    assert sniff(path) == "cfpb"
    utf16 = tmp_path / "play.csv"
    utf16.write_bytes(("Package Name,Star Rating,Review Text\n" + "com.x,5,très bien 👍\n" * 60_000).encode("utf-16"))
    assert utf16.stat().st_size > 1 << 20
    assert sniff(utf16) == "googleplay"


ODD_JSON = ['42', '"text"', 'null', '[]', '{}', '[1, 2]', '[null]', '{"tickets": [1]}', '{"tickets": [{"id": 1, '
            '"satisfaction_rating": "good"}]}', '{"tickets": {"id": 1}}', '{"conversations": [{"id": 1, "source": 3, '
            '"conversation_parts": 5, "conversation_rating": [1]}]}', '{"conversations": [7]}', '{"data": [{"x": 1}]}',
            '{"data": []}', '{"reviews": [{"stars": 5, "consumer": null}]}', '{"hits": {"hits": 3}}',
            '[{"product": {"a": [1, {"b": null}]}}]', '{"ticket": 5}', '{"type": "conversation"}']
ODD_TEXT = ["", "\n\n", "a", "a,b\n1", '"unclosed,\n', "#\n", "Respondent ID\n", "StartDate\nStart Date\n",
            "x;y\n1;2;3\n", "\ufeff\n", "Timestamp\n\n\n"]


@pytest.mark.parametrize("kind", sorted(SOURCE_KINDS))
def test_odd_files_give_carelib_errors_or_parts(kind, tmp_path):
    """Whatever a file holds, a reader returns parts of text or raises a CarelibError, never another error."""
    files = []
    for i, text in enumerate(ODD_JSON):
        files.append(tmp_path / f"j{i}.json")
        files[-1].write_text(text, encoding="utf-8")
    for i, text in enumerate(ODD_TEXT):
        files.append(tmp_path / f"t{i}.csv")
        files[-1].write_text(text, encoding="utf-8")
    for path in files:
        try:
            got = read_source(kind, path)
        except CarelibError:
            continue
        assert all(isinstance(p, RawPart) and all(isinstance(v, str) for v in p.frame.to_numpy().ravel())
                   for p in got), path.read_text(encoding="utf-8")
        sniff(path)
