"""Real exports through the weekly care review, with the command line only (``tests/real_runs.py``).

CFPB complaints (a complaints-only workspace) and the Queensland exit surveys (survey-only workspaces, dates known
only to the year or month): each goes from its raw file to a rendered report, the report names the sections it
skipped, every row is accounted for, and one headline number is re-derived from the raw file with plain pandas
by the definition the report prints.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.conftest import shared_file
from tests.real_runs import (
    TODAY,
    findings,
    import_export,
    iso_week,
    leaks,
    playbook,
    text_of,
    weeks_ending,
)

pytestmark = pytest.mark.notebook


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("CARELIB_TODAY", TODAY)


def test_cfpb_complaints_only_workspace_gets_its_weekly_review(shared_data, tmp_path):
    src = shared_file(shared_data, "cfpb-complaints-subset", "complaints-subset.csv")
    import_export("cfpb", src, "cfpb-complaints-subset", tmp_path / "ws")
    run = playbook("weekly-care-review", tmp_path / "ws", tmp_path / "runs", "period=latest")
    text = text_of(run / "report.html")
    # the sections that need other tables are named, not failed
    assert "Not in this report" in text and re.search(r"The four service skills : skipped, needs tickets and messages", text)
    assert re.search(r"complaints \| complaints\.csv \| 280 \| 280 \| 0", text)  # read = used + set aside
    assert "complaints | complaints-subset.csv | 280 | 280 | 0 | –" in text  # and what the import made of the export

    # complaints per week in the window, by the definition: complaints in the 4 weeks / 4, against the 4 before
    raw = pd.read_csv(src, dtype=str, keep_default_na=False)
    week = iso_week(raw["date_received"])
    weeks = weeks_ending(week.max(), 8)
    now, before = week.isin(weeks[4:]), week.isin(weeks[:4])
    head = findings(run)["headline.complaints_per_week"]
    assert head["value"] == now.sum() / 4
    assert head["text"].startswith(f"{now.sum() / 4:.1f} per week")
    assert f"{(now.sum() - before.sum()) / 4:+.1f} vs comparison" in head["text"]
    # and per category in the window (the count column of the category table)
    for category, n in raw[now].groupby("product").size().items():
        # (a long category name is cut to the column's width, so its start is matched)
        assert re.search(rf"{re.escape(category[:30])}[^|\n]* \| {n} \| ", text), category


def test_exit_survey_enps_by_year_is_the_plain_share_difference(shared_data, tmp_path):
    src = shared_file(shared_data, "employee-exit-surveys-qld", "tafe_survey.csv")
    import_export("csv", src, "employee-exit-surveys-qld-tafe", tmp_path / "ws")
    run = playbook("weekly-care-review", tmp_path / "ws", tmp_path / "runs", "period=latest")
    text = text_of(run / "report.html")
    assert "Themes that moved : skipped, needs complaints" in text and "The four service skills : skipped" in text
    assert "the wave 2013" in text and "compared with: 2012" in text  # a year is a wave, never a week
    assert re.search(r"responses \| responses\.csv \| 702 \| 702 \| 0", text)

    # eNPS = % yes - % no among the answers of the year (the mapping's Yes = 10, No = 0)
    raw = pd.read_csv(src, dtype=str, keep_default_na=False)
    answer = raw["Workplace. Topic:Would you recommend the Institute as an employer to others?"]
    year = raw["CESSATION YEAR"]

    def enps(y: str) -> float:
        a = answer[(year == y) & answer.isin(["Yes", "No"])]
        return 100 * ((a == "Yes").mean() - (a == "No").mean())

    head = findings(run)["headline.enps"]
    assert head["value"] == pytest.approx(enps("2013"), abs=1e-9)
    assert head["value"] == pytest.approx(50.0)  # the number the issue found (48.0 was the adjusted estimate)
    assert f"{enps('2013') - enps('2012'):+.1f} vs comparison" in head["text"]
    record_ids = set(raw["Record ID"]) - {""}
    assert not leaks(run, record_ids)  # respondents' record ids never reach a report


def test_exit_survey_agreement_rates_per_statement_and_region(shared_data, tmp_path):
    src = shared_file(shared_data, "employee-exit-surveys-qld", "dete_survey.csv")
    import_export("csv", src, "employee-exit-surveys-qld", tmp_path / "ws")
    run = playbook("weekly-care-review", tmp_path / "ws", tmp_path / "runs", "period=latest")
    text = text_of(run / "report.html")
    assert re.search(r"responses \| responses\.csv \| 17,262 \| 17,262 \| 0", text)
    raw = pd.read_csv(src, dtype=str, keep_default_na=False)
    scale = {"SA", "A", "N", "D", "SD"}
    for item, region in (("Career Aspirations", "Central Office"), ("Workplace issue", "South East")):
        a = raw.loc[raw["Region"] == region, item]
        n, agree = int(a.isin(scale).sum()), int(a.isin({"SA", "A"}).sum())
        assert re.search(rf"{item} \| {region} \| {n} \| {agree} \| ", text), (item, region, n, agree)
