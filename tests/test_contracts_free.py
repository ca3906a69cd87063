"""The contracts hold no company's values, and what a real export lacks (a rating, a date) is kept, not refused."""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd
import pytest

from carelib.data import contracts
from carelib.data.contracts import CONTRACTS, contract
from carelib.data.tables import Workspace, load_table
from carelib.errors import DataError
from carelib.scales import SCORE_SCALES

TODAY = "2026-06-01"


def write(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def test_attributes_are_free_text_in_every_contract():
    for table, column in [("customers", "region"), ("customers", "plan"), ("customers", "channel"),
                          ("reviews", "region")]:
        col = contract(table).col(column)
        assert (col.kind, col.allowed, col.required, col.nullable) == ("str", None, False, True), (table, column)
    source = inspect.getsource(contracts)
    for demo_value in ("North", "Standard", "Plus"):  # the demo company's values live in carelib.demo.truths
        assert f'"{demo_value}"' not in source


def test_closed_vocabularies_stay_closed_and_surveys_come_from_the_scales():
    allowed = {(t, c.name): c.allowed for t, spec in CONTRACTS.items() for c in spec.columns if c.allowed}
    assert allowed == {
        ("responses", "survey"): tuple(SCORE_SCALES),
        ("tickets", "status"): ("open", "closed", "pending"),
        ("messages", "author_role"): ("customer", "agent", "bot"),
        ("participants", "role"): ("participant", "interviewer"),
        ("actions", "status"): ("open", "done", "dropped"),
    }


def test_a_real_companys_values_pass(tmp_path):
    write(tmp_path, "customers.csv", "customer_id,first_seen,region,plan,channel\n"
          "C1,2025-01-01,EMEA,Gold,kiosk\nC2,2025-02-01,APAC,Platinum,call centre\nC3,2025-03-01,,,\n")
    write(tmp_path, "reviews.csv", "review_id,created_at,rating,text,region\nR1,2025-04-01,5,great,EMEA\n")
    ws = Workspace(tmp_path, today=TODAY)
    assert ws.validate() == []
    customers = ws.table("customers")
    assert customers["region"].tolist()[:2] == ["EMEA", "APAC"] and customers["plan"].tolist()[:2] == ["Gold", "Platinum"]
    assert customers["channel"].tolist()[:2] == ["kiosk", "call centre"] and customers["region"].isna().tolist()[2]
    assert ws.table("reviews").loc[0, "region"] == "EMEA"


def test_reviews_without_a_rating_column_or_with_empty_ratings_load(tmp_path):
    data, report = load_table(write(tmp_path, "reviews.csv", "review_id,created_at,text\n"
                                    "a,2025-01-01,love the app\nb,2025-01-02,crashes\n"), today=TODAY)
    assert (report.rows_read, report.rows_kept) == (2, 2) and "rating" not in data.columns
    data, report = load_table(write(tmp_path, "reviews.csv", "review_id,created_at,rating,text\n"
                                    "a,2025-01-01,5,x\nb,2025-01-02,,y\nc,,3,z\n"), today=TODAY)
    assert (report.rows_read, report.rows_kept, report.rows_excluded) == (3, 3, 0)
    assert data["rating"].isna().tolist() == [False, True, False] and data["created_at"].isna().tolist()[2]
    with pytest.raises(DataError, match=r"reviews.csv row 2, column 'rating': expected a value <= 5, found '6'"):
        load_table(write(tmp_path, "reviews.csv", "review_id,rating,text\na,6,x\n"), today=TODAY)


def test_undated_answers_and_complaints_are_kept(tmp_path):
    data, report = load_table(write(tmp_path, "responses.csv", "response_id,submitted_at,survey,score\n"
                                    "r1,,nps,9\nr2,2025-01-01,nps,\n"), today=TODAY)
    assert report.rows_kept == 2 and data["submitted_at"].isna().tolist() == [True, False]
    data, report = load_table(write(tmp_path, "complaints.csv", "complaint_id,customer_id,received_at,category,text\n"
                                    "c1,C1,,billing,charged twice\n"), today=TODAY)
    assert report.rows_kept == 1 and pd.isna(data.loc[0, "received_at"])


def test_ticket_and_message_times_stay_required(tmp_path):
    write(tmp_path, "tickets.csv", "ticket_id,customer_id,channel,created_at,closed_at,status\nT1,C1,email,,,open\n")
    with pytest.raises(DataError, match=r"tickets.csv row 2, column 'created_at': expected an ISO 8601 .*found an empty cell"):
        load_table(tmp_path / "tickets.csv", today=TODAY)
    write(tmp_path, "messages.csv", "ticket_id,message_id,sent_at,author_role,author_id,text\nT1,M1,,customer,C1,hi\n")
    with pytest.raises(DataError, match=r"messages.csv row 2, column 'sent_at'"):
        load_table(tmp_path / "messages.csv", today=TODAY)


def test_multi_item_surveys_carry_respondent_and_question(tmp_path):
    spec = contract("responses")
    for name in ("respondent_id", "question"):
        assert not spec.col(name).required and spec.col(name).nullable
    text = ("response_id,respondent_id,submitted_at,survey,question,score\n"
            "1-q1,P7,2024-03,nps,The staff listened to me,9\n1-q2,P7,2024-03,nps,I would come back, 10\n")
    data, report = load_table(write(tmp_path, "responses.csv", text), today=TODAY)
    assert report.rows_kept == 2
    assert data["respondent_id"].tolist() == ["P7", "P7"]
    assert data["question"].tolist() == ["The staff listened to me", "I would come back"]
    assert data["score"].tolist() == [9, 10] and data["submitted_at_precision"].tolist() == ["month", "month"]
