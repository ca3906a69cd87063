"""The seven real data sets, from their raw files to a validated workspace (docs/examples/*.mapping.yml).

Each test imports the raw export with its example mapping, loads the workspace with
``errors="exclude"`` (every row accounted for: read = kept + excluded, and nothing excluded), and
re-derives one key number with plain pandas from the raw file, compared exactly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from carelib.data.contracts import CONTRACTS
from carelib.data.importer import REPORT_FILE, import_export
from carelib.data.tables import load_workspace
from carelib.data.transcripts import read_transcripts
from tests.conftest import ROOT, shared_file

EXAMPLES = ROOT / "docs" / "examples"
TODAY = "2026-12-01"


def _import(kind: str, source: Path, name: str, out: Path):
    report = import_export(kind, source, out, EXAMPLES / f"{name}.mapping.yml", today=TODAY)
    for t in report.tables:
        assert t.rows_in == t.rows_written + sum(t.set_aside.values()), t
    assert (out / REPORT_FILE).is_file()
    return report


def _loaded(out: Path, table: str) -> pd.DataFrame:
    ws = load_workspace(out, errors="exclude", today=TODAY)
    data = ws[table]
    rep = ws.load_report().set_index("table").loc[table]
    assert rep.rows_read == rep.rows_kept + rep.rows_excluded
    assert rep.rows_excluded == 0, ws.exclusions().head()
    return data


def _raw(path: Path, **kw) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)


def _week(dates: pd.Series) -> pd.Series:
    iso = pd.to_datetime(dates).dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)


def test_cfpb_complaints_per_category_per_week(shared_data, tmp_path):
    src = shared_file(shared_data, "cfpb-complaints-subset", "complaints-subset.csv")
    report = _import("cfpb", src, "cfpb-complaints-subset", tmp_path)
    assert report.tables[0].rows_written == 280
    data = _loaded(tmp_path, "complaints")
    raw = _raw(src)
    expected = raw.groupby([_week(raw["date_received"]).rename("week"), raw["product"].rename("category")]).size()
    got = data.groupby([_week(data["received_at"]).rename("week"), data["category"]]).size()
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_index_type=False)
    assert data["complaint_id"].is_unique and data["text"].isna().all()  # no narratives in the fixture: none made up


DETE_ITEMS = ["Professional Development", "Opportunities for promotion", "Staff morale", "Workplace issue",
              "Physical environment", "Worklife balance", "Stress and pressure support", "Performance of supervisor",
              "Peer support", "Initiative", "Skills", "Coach", "Career Aspirations", "Feedback", "Further PD",
              "Communication", "My say", "Information", "Kept informed", "Wellness programs", "Health & Safety"]


def test_dete_agreement_per_cease_year(shared_data, tmp_path):
    """DETE has no recommend question (SOURCE.md): its 21 agreement items, top-2-box per cease year."""
    src = shared_file(shared_data, "employee-exit-surveys-qld", "dete_survey.csv")
    _import("csv", src, "employee-exit-surveys-qld", tmp_path)
    data = _loaded(tmp_path, "responses")
    raw = _raw(src)
    assert len(data) == len(raw) * len(DETE_ITEMS)
    long = raw.melt(id_vars=["ID", "Cease Date"], value_vars=DETE_ITEMS, value_name="answer")
    long["year"] = long["Cease Date"].str.extract(r"(\d{4})$", expand=False)
    answered = long[long["answer"].isin(["SA", "A", "N", "D", "SD"])]
    expected = answered.groupby("year").agg(n=("answer", "size"), agree=("answer", lambda a: a.isin(["SA", "A"]).sum()))
    scored = data[data["score"].notna()]
    year = scored["submitted_at"].dt.year.astype("Int64").astype(str)
    got = scored.groupby(year).agg(n=("score", "size"), agree=("score", lambda s: (s >= 4).sum()))
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False, check_index_type=False)
    # "08/2012" stays a month, "2012" a year: never a made-up day
    assert set(data["submitted_at_precision"].dropna()) == {"year", "month"}
    assert data.loc[data["respondent_id"].eq("1"), "submitted_at_precision"].iloc[0] == "month"
    assert data["submitted_at"].isna().sum() == raw["Cease Date"].eq("Not Stated").sum() * len(DETE_ITEMS)


def test_tafe_enps_per_year(shared_data, tmp_path):
    """TAFE's yes/no recommend question read as eNPS with the mapping's declared meaning."""
    src = shared_file(shared_data, "employee-exit-surveys-qld", "tafe_survey.csv")
    _import("csv", src, "employee-exit-surveys-qld-tafe", tmp_path)
    data = _loaded(tmp_path, "responses")
    raw = _raw(src)
    rec = raw["Workplace. Topic:Would you recommend the Institute as an employer to others?"]
    yes, no = rec.eq("Yes").groupby(raw["CESSATION YEAR"]).sum(), rec.eq("No").groupby(raw["CESSATION YEAR"]).sum()
    expected = (100 * (yes - no) / (yes + no)).drop(index="", errors="ignore").dropna()
    year = data["submitted_at"].dt.year.astype("Int64").astype(str)
    promoters, detractors = data["score"].eq(10).groupby(year).sum(), data["score"].eq(0).groupby(year).sum()
    got = (100 * (promoters - detractors) / (promoters + detractors)).drop(index="<NA>", errors="ignore").dropna()
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False, check_index_type=False)
    assert data["score"].isna().sum() == rec.eq("").sum() == 121  # blank answers stay empty


def test_usability_notes_per_participant(shared_data, tmp_path):
    src = shared_file(shared_data, "jupyterlab-usability-test-2018", "jupyterlab-ux-data.csv")
    report = _import("csv", src, "jupyterlab-usability-test-2018", tmp_path)
    raw = _raw(src, skiprows=1)
    notes = raw["Notes: where they got confused, interesting things users said"].str.strip().ne("")
    expected = notes.groupby(raw["Code Name"]).sum()
    expected = expected[expected > 0]
    turns = read_transcripts(tmp_path / "interviews").turns
    got = turns.groupby("interview_id").size()
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False, check_index_type=False)
    interviews = report.tables[0]
    assert (interviews.rows_in, interviews.rows_written, interviews.set_aside) == (1581, notes.sum(), {"no text": 1581 - notes.sum()})
    people = _loaded(tmp_path, "participants")
    assert sorted(people["name"]) == sorted(raw["Code Name"].unique()) and len(people) == 20
    assert not people["participant_id"].isin(raw["Code Name"]).any()  # the code names are never the ids shown


def test_app_reviews_star_counts(shared_data, tmp_path):
    folder = shared_file(shared_data, "app-reviews-is22", "study2-searching-app-reviews", "Collected reviews")
    _import("xlsx", folder, "app-reviews-is22", tmp_path)
    data = _loaded(tmp_path, "reviews")
    raw = pd.concat([pd.read_excel(f, dtype=str) for f in sorted(folder.glob("*.xlsx"))], ignore_index=True)
    assert len(data) == len(raw) == 10_000
    # the study published no stars: every star count is zero, none is made up
    assert "rating" not in data.columns or data["rating"].isna().all()
    pd.testing.assert_series_equal(data.groupby("product_id").size().sort_index(),
                                   raw.groupby("App id").size().sort_index(), check_names=False, check_index_type=False)
    assert set(data["source"]) == {"Amazon Appstore", "Google Play"}


def _needs_text_only_surveys() -> None:
    if not CONTRACTS["responses"].col("survey").nullable:
        pytest.skip("responses.survey must accept an empty value for text-only answers (asked of the contracts' owner)")


def _question_counts(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    counts = frame[columns].apply(lambda c: c.str.strip().ne("").sum())
    counts.index = [re.sub(r"\s+", " ", c.replace("\xa0", " ")).strip() for c in counts.index]
    return counts[counts > 0]


def test_jupyter_2020_question_counts(shared_data, tmp_path):
    src = shared_file(shared_data, "jupyter-survey-2020", "text_fields.csv")
    _needs_text_only_surveys()
    _import("csv", src, "jupyter-survey-2020", tmp_path)
    data = _loaded(tmp_path, "responses")
    raw = _raw(src)
    expected = _question_counts(raw, [c for c in raw.columns if c != "Respondent ID"])
    got = data.groupby("question").size()
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False, check_index_type=False)
    open_feedback = "Open feedback for problems/ pain points you didn't get to share."
    assert got[open_feedback] == 308  # SOURCE.md
    assert data["score"].isna().all() and data["submitted_at"].isna().all()


def test_jupyter_2015_question_counts(shared_data, tmp_path):
    src = shared_file(shared_data, "jupyter-notebook-ux-survey-2015", "20160115235816-SurveyExport.csv")
    _needs_text_only_surveys()
    _import("csv", src, "jupyter-notebook-ux-survey-2015", tmp_path)
    data = _loaded(tmp_path, "responses")
    raw = _raw(src)
    closed = ("Time Started", "Date Submitted", "Status", "How often", "Roughly how long", "How do you run",
              "Select all the words", "What is your primary role", "How many years", "How many people")
    expected = _question_counts(raw, [c for c in raw.columns if not c.startswith(closed)])
    got = data.groupby("question").size()
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False, check_index_type=False)


def test_abcd_conversations_and_messages(shared_data, tmp_path):
    src = shared_file(shared_data, "abcd-sample", "abcd_sample.json")
    _import("json", src, "abcd-sample", tmp_path)
    raw = json.loads(src.read_text(encoding="utf-8"))
    expected = pd.Series({str(c["convo_id"]): len(c["original"]) for c in raw})
    turns = read_transcripts(tmp_path / "interviews").turns
    got = turns.groupby("interview_id").size()
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False, check_index_type=False)
    assert len(got) == 3
    said = {"agent": "Agent", "customer": "Customer", "action": "Action"}  # the mapping's value map
    speakers = {str(c["convo_id"]): [said[s] for s, _ in c["original"]] for c in raw}
    for iid, group in turns.groupby("interview_id"):
        assert list(group["speaker"]) == speakers[iid]
    people = _loaded(tmp_path, "participants")
    assert sorted(people["name"]) == sorted(c["scenario"]["personal"]["customer_name"] for c in raw)
    assert not any("@" in str(v) for v in people.to_numpy().ravel())  # no e-mail moved into the workspace
