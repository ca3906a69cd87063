"""Real texts through the voice of the customer and the research readout, with the command line only.

App-store reviews, two open-ended Jupyter surveys, a usability test's observer log and customer-care chats: each
goes from its raw file to a rendered report (``carelib import`` + ``carelib run`` / ``carelib playbook run``),
every row is accounted for, one number is re-derived from the raw file with plain pandas, and no identifier of a
person (ids, usernames, handles, e-mails, phone numbers, code names, transcript file stems) reaches any artefact.
"""

from __future__ import annotations

import glob
import json
import re

import pandas as pd
import pytest

from tests.conftest import shared_file
from tests.real_runs import (
    TODAY,
    artefacts,
    findings,
    import_export,
    leaks,
    notebook,
    playbook,
    text_of,
)

pytestmark = pytest.mark.notebook

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("CARELIB_TODAY", TODAY)


def _accounting(text: str) -> dict[str, int]:
    """The voice-of-the-customer accounting table: rows in the table, left out by reason, texts used."""
    return {k.strip(): int(v.replace(",", "")) for k, v in
            re.findall(r"\n ((?:rows in the table|left out: [^|]+|texts used)) \| ([\d,]+)", text)}


def _no_email(folder) -> None:
    for name, body in artefacts(folder).items():
        assert not EMAIL.search(body), (name, EMAIL.search(body).group())


def test_app_reviews_every_review_is_read_and_themed(shared_data, tmp_path):
    folder = shared_file(shared_data, "app-reviews-is22", "study2-searching-app-reviews", "Collected reviews")
    import_export("xlsx", folder, "app-reviews-is22", tmp_path / "ws")
    report = notebook("voice_of_customer", tmp_path / "ws", tmp_path / "out")  # source "auto": the reviews
    text = text_of(report)
    raw = pd.concat([pd.read_excel(f, dtype=str) for f in sorted(glob.glob(str(folder / "*_1250_review_level.xlsx")))])
    content = raw["Content"].fillna("").str.strip()
    assert _accounting(text) == {"rows in the table": len(raw), "left out: no text": int((content == "").sum()),
                                 "texts used": int((content != "").sum())}
    assert "The workspace has no" not in text
    assert not leaks(tmp_path / "out", set(raw["Review id"].dropna()))
    _no_email(tmp_path / "out")


@pytest.mark.parametrize(("name", "files"), [
    ("jupyter-survey-2020", ("text_fields.csv",)),
    ("jupyter-notebook-ux-survey-2015", ("20160115235816-SurveyExport.csv",)),
])
def test_open_survey_answers_are_each_read_once(shared_data, tmp_path, name, files):
    src = shared_file(shared_data, name, *files)
    import_export("csv", src, name, tmp_path / "ws")
    report = notebook("voice_of_customer", tmp_path / "ws", tmp_path / "out")  # source "auto": the comments
    text = text_of(report)
    # the import set aside the empty answers (counted in WORKSPACE/import/report.csv); every written answer is read
    imported = pd.read_csv(tmp_path / "ws" / "import" / "report.csv")
    written = int(imported.loc[imported["table"] == "responses", "rows_written"].iloc[0])
    raw = pd.read_csv(src, dtype=str, keep_default_na=False)
    if name == "jupyter-survey-2020":  # every column but the respondent is an open question
        answers = int(raw.drop(columns=["Respondent ID"]).apply(lambda c: c.str.strip().ne("")).to_numpy().sum())
        ids = set(raw["Respondent ID"]) - {""}
    else:
        closed = ("Time Started", "Date Submitted", "Status", "How often", "Roughly how long", "How do you run",
                  "Select all the words", "What is your primary role", "How many years", "How many people")
        open_ = [c for c in raw.columns if not c.startswith(closed)]
        answers = int(raw[open_].apply(lambda c: c.str.strip().ne("")).to_numpy().sum())
        ids = set()
    assert written == answers
    # the report itself says what became of the export's cells: in = written + set aside (empty answers)
    cells = re.search(rf"responses \| {re.escape(src.name)} \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| empty answer", text)
    assert cells, text[:3000]
    got = [int(c.replace(",", "")) for c in cells.groups()]
    assert got[0] == got[1] + got[2] and got[1] == answers
    assert _accounting(text) == {"rows in the table": answers, "left out: staff answers (eNPS survey)": 0,
                                 "left out: no text": 0, "texts used": answers}
    assert not leaks(tmp_path / "out", ids)
    _no_email(tmp_path / "out")


def test_usability_test_notes_per_participant_without_a_codebook(shared_data, tmp_path):
    src = shared_file(shared_data, "jupyterlab-usability-test-2018", "jupyterlab-ux-data.csv")
    import_export("csv", src, "jupyterlab-usability-test-2018", tmp_path / "ws")
    run = playbook("research-readout", tmp_path / "ws", tmp_path / "runs")  # default segment 'plan': not here
    text = text_of(run / "report.html")
    raw = pd.read_csv(src, dtype=str, keep_default_na=False, skiprows=1)
    notes = raw[raw["Notes: where they got confused, interesting things users said"].str.strip() != ""]
    per_person = notes.groupby("Code Name").size()
    # the transcripts table: turns per interview, all of them participant turns (each note is about its participant)
    shown = [int(t) for t in re.findall(r"\n interview \d+ \| (?:txt \| )?(\d+) \| 1 \| \1\b", text)]
    assert sorted(shown) == sorted(per_person.tolist())
    people = len(per_person)
    # every row of the export accounted for in the report: a note became a turn, a row without one is set aside
    assert f"interviews | {src.name} | {len(raw):,} | {len(notes):,} | {len(raw) - len(notes):,} | no text" in text
    assert people == 19
    for f in findings(run).values():
        assert f["text"].endswith(f" of {people} participants")
    assert "method themes found in the excerpts (no codebook)" in text
    assert not leaks(run, set(raw["Code Name"]) - {""})  # code names and file stems: never shown


def test_support_chats_count_the_customer_once_and_hide_who_they_are(shared_data, tmp_path):
    src = shared_file(shared_data, "abcd-sample", "abcd_sample.json")
    import_export("json", src, "abcd-sample", tmp_path / "ws")
    run = playbook("research-readout", tmp_path / "ws", tmp_path / "runs")
    text = text_of(run / "report.html")
    raw = json.loads(src.read_text(encoding="utf-8"))
    # each chat: every turn read; the agent's and the system's turns are the asking side (shown as one speaker,
    # the interviewer), the customer is the participant
    rows = re.findall(r"\n interview \d+ \| (?:txt \| )?(\d+) \| 2 \| (\d+)\b", text)
    assert sorted((int(t), int(p)) for t, p in rows) == sorted(
        (len(c["original"]), sum(s == "customer" for s, _ in c["original"])) for c in raw)
    assert re.search(rf"\b{len(raw)} participants\b", text)
    personal = {str(v) for c in raw for k, v in c["scenario"]["personal"].items() if k != "member_level"}
    personal |= {part for c in raw for part in c["scenario"]["personal"]["customer_name"].split()}
    assert not leaks(run, personal)
    _no_email(run)
