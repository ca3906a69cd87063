"""carelib.practices.segments_and_journeys on hand-made frames and a tiny CSV workspace (no notebook run)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from IPython.display import Markdown

from carelib.errors import ParameterError
from carelib.practices import segments_and_journeys as practice
from carelib.report import findings


@pytest.fixture
def published(monkeypatch):
    """Every finding the sections publish, as the record the notebook would carry."""
    got: list[dict] = []
    monkeypatch.setattr(findings, "publish", lambda key, value, **kw: got.append(findings.finding(key, value, **kw)))
    return got


def write(folder, name, rows):
    pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """Three customers, their survey comments, a complaint, two tickets with messages (one from a stranger)."""
    monkeypatch.setenv("CARELIB_TODAY", "2026-12-01")
    write(tmp_path, "customers", {"customer_id": ["C1", "C2", "C3"], "first_seen": "2025-01-01",
                                  "name": ["Ada Quill", "Bo Stern", "Cy Marsh"], "plan": ["Standard", "Plus", "Plus"]})
    write(tmp_path, "responses", {"response_id": ["R1", "R2", "R3"], "customer_id": ["C1", "C2", "C3"],
                                  "submitted_at": "2025-06-02", "survey": ["csat", "nps", "nps"], "score": [5, 9, 2],
                                  "comment": ["Fast help", None, "Too slow"], "plan": ["Standard", "Plus", "Plus"]})
    write(tmp_path, "complaints", {"complaint_id": ["CP1"], "customer_id": ["C2"], "received_at": "2025-06-03",
                                   "category": ["delivery"], "text": ["Parcel lost"]})
    write(tmp_path, "tickets", {"ticket_id": ["T1", "T2"], "customer_id": ["C1", "C9"], "channel": "chat",
                                "created_at": "2025-06-04 08:00", "closed_at": "2025-06-04 12:00", "status": "closed",
                                "category": ["login", "delivery"]})
    write(tmp_path, "messages", {"ticket_id": ["T1", "T1", "T1", "T2"], "message_id": ["M1", "M2", "M3", "M4"],
                                 "sent_at": ["2025-06-04 09:00", "2025-06-04 08:00", "2025-06-04 10:00",
                                             "2025-06-04 09:00"],
                                 "author_role": ["customer", "agent", "customer", "customer"],
                                 "author_id": ["C1", "A1", "C1", "C9"],
                                 "text": ["Cannot log in", "Hello", "Still stuck", "Where is it"]})
    return tmp_path


SEGMENTS = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "segment": ["a", "b", "b"]})


def test_segment_tables_from_labels_and_from_a_column():
    customers = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "plan": ["Plus", "Standard", "Plus"]})
    before = customers.copy()
    assert practice.column_segments(customers, "plan")["segment"].tolist() == ["Plus", "Standard", "Plus"]
    pd.testing.assert_frame_equal(customers, before)
    seg = practice.behaviour_segments(customers, [2, 1, 2])
    assert seg.columns.tolist() == ["customer_id", "segment"] and seg["segment"].tolist() == ["S2", "S1", "S2"]
    with pytest.raises(ParameterError, match="2 segment labels for 3 customers"):
        practice.behaviour_segments(customers, [1, 2])
    with pytest.raises(ParameterError, match="'region' is not a column of customers"):
        practice.column_segments(customers, "region")


def test_csat_and_nps_per_segment_by_hand():
    responses = pd.DataFrame({"customer_id": ["C1"] * 7 + ["C2"] * 4,
                              "survey": ["csat"] * 3 + ["nps"] * 4 + ["csat"] * 2 + ["nps"] * 2,
                              "score": [5, 4, 2, 10, 9, 3, 7, 1, 5, 0, 10],
                              "segment": "stale"})  # the answers' own segment column is replaced
    before = responses.copy()
    seg = pd.DataFrame({"customer_id": ["C1", "C2"], "segment": ["A", "B"]})
    t = practice.survey_by_segment(responses, seg, min_n=1)
    pd.testing.assert_frame_equal(responses, before)
    assert t.columns.tolist() == ["segment", "stage", "metric", "n", "value", "ci_low", "ci_high", "note"]
    v = t.set_index(["segment", "metric"])
    assert v.loc[("A", "csat"), "value"] == pytest.approx(2 / 3) and v.loc[("B", "csat"), "value"] == 0.5
    # NPS is %promoters - %detractors (the adjusted-Wald centre only centres its interval, Rocks 2016)
    assert v.loc[("A", "nps"), "value"] == pytest.approx(100 * (2 - 1) / 4)
    assert v.loc[("B", "nps"), "value"] == 0
    assert v.loc[("A", "csat"), "stage"] == "get help" and v.loc[("A", "nps"), "stage"] == "renew/leave"
    assert (v["n"].to_dict() == {("A", "csat"): 3, ("B", "csat"): 2, ("A", "nps"): 4, ("B", "nps"): 2})
    assert practice.survey_by_segment(responses, seg.assign(customer_id=["X", "Y"])).empty


def test_customer_texts_first_customer_message_stage_and_segment(tiny):
    ws = practice.open_review(str(tiny)).ws
    t = practice.customer_texts(ws, SEGMENTS, "behaviour")
    # responses with a comment, the complaint, the first customer message of T1; T2's customer has no segment
    assert t["text"].tolist() == ["Fast help", "Too slow", "Parcel lost", "Cannot log in"]
    assert t["segment"].tolist() == ["a", "b", "b", "a"] and t["text_id"].tolist() == [0, 1, 2, 3]
    assert t["stage"].fillna("-").tolist() == ["-", "-", "deliver", "get help"]
    by_plan = practice.customer_texts(ws, None, "plan")  # only the responses carry the plan
    assert by_plan["text"].tolist() == ["Fast help", "Too slow"] and by_plan["segment"].tolist() == ["Standard", "Plus"]
    with pytest.raises(ParameterError, match="'tier' is not a column"):
        practice.customer_texts(ws, None, "tier")


def test_segment_sizes_customers_or_texts():
    assert practice.segment_sizes(SEGMENTS, pd.DataFrame()).to_dict() == {"a": 1, "b": 2}
    texts = pd.DataFrame({"segment": ["x", "x", "y"], "text_id": [0, 1, 2]})
    assert practice.segment_sizes(None, texts).to_dict() == {"x": 2, "y": 1}
    assert practice.segment_sizes(None, pd.DataFrame()).empty


def test_sections_without_their_tables_say_so(tiny, tmp_path_factory, monkeypatch):
    lone = tmp_path_factory.mktemp("lone")
    (lone / "responses.csv").write_bytes((tiny / "responses.csv").read_bytes())
    review = practice.open_review(str(lone), segment_by="plan")
    assert practice.show_tables(review).parts[0].data == "Tables: responses"
    assert "Segments by `plan`, a column of the text tables" in practice.show_segments(review).parts[0].data
    assert practice.show_journeys(review).parts[0].data == "_Journeys need segments of customers and the orders table._"
    assert practice.show_satisfaction(review).parts == []
    with pytest.raises(ParameterError, match="behaviour segments need the customers and orders tables"):
        practice.show_segments(practice.open_review(str(lone)))
    (tiny / "customers.csv").rename(lone / "customers.csv")
    (lone / "responses.csv").unlink()
    review = practice.open_review(str(lone), segment_by="plan")
    sizes = practice.show_segments(review).parts[0]
    assert sizes.frame["customers"].to_dict() == {"Plus": 2, "Standard": 1}
    assert sizes.caption == "Customers per segment (segments by plan), largest first"
    assert "No customer texts" in practice.show_needs(review).parts[0].data
    # no break and no need: a sentence, never an empty table
    assert "No segment has a stage where care breaks" in practice.show_opportunities(review).parts[0].data


def test_satisfaction_on_the_tiny_workspace(tiny):
    review = practice.open_review(str(tiny), segment_by="plan", min_n=1)
    table = practice.show_satisfaction(review).parts[0].frame
    assert table[["segment", "metric", "n"]].values.tolist() == [["Standard", "csat", 1], ["Plus", "nps", 2]]
    assert table["value"].tolist() == [1.0, 0.0]  # one 5 on 1-5; one promoter and one detractor


def test_segments_section_publishes_the_stability(tiny, published):
    review = practice.open_review(str(tiny))
    review.model = SimpleNamespace(stability_=pd.Series([0.8, 0.9, 1.0]), k_=2,
                                   criterion_=pd.DataFrame({"k": [2, 3], "silhouette": [0.6, 0.4]}),
                                   profiles_=pd.DataFrame({"segment": [1, 2], "customers": [2, 1]}))
    shown = practice.show_segments(review)
    assert shown.parts[0].data == "**Criterion:** mean silhouette per number of segments; chosen: **2**."
    assert shown.parts[2].frame["segment"].tolist() == ["S1", "S2"]
    assert shown.parts[2].caption.startswith("The 2 behaviour segments (as of the latest order)")
    assert published == [findings.finding("segments.stability", 0.9, label="Segment stability (bootstrap ARI)",
                                          text="median 0.90 (range 0.80 to 1.00) over 3 refits; 2 segments by silhouette")]


def test_journeys_section_publishes_where_care_breaks(tiny, published):
    review = practice.open_review(str(tiny))
    review.rates = pd.DataFrame({"segment": ["a", "a", "b", "b"], "stage": ["buy", "get help", "buy", "get help"],
                                 "rate": [5.0, 30.0, 6.0, 7.5], "rest_rate": [6.0, 7.5, 5.0, 30.0],
                                 "ratio": [0.83, 4.0, 1.2, 0.25], "ci_low": [3.0, 20.2, 4.0, 5.0],
                                 "ci_high": [8.0, 42.8, 9.0, 10.0], "q_value": [0.5, 0.001, 0.3, 0.001],
                                 "significant": [False, True, False, True]})
    pivot, breaks = (t.frame for t in practice.show_journeys(review).parts)
    assert pivot.loc["a", "get help"] == 30.0 and breaks["segment"].tolist() == ["a"]
    assert published == [findings.finding(
        "journey.a", 4.0, kind="signal", label="Where care breaks for a",
        text="get help: 30.0 problems per 100 orders vs 7.5 for the rest (ratio 4.00, 20.2 to 42.8 per 100)")]


def test_needs_section_publishes_the_top_two_needs_of_each_segment(tiny, published):
    review = practice.open_review(str(tiny))
    review.texts = pd.DataFrame({"text_id": [0, 1, 2, 3], "text": ["late", "late again", "login", "late"],
                                 "segment": ["A", "A", "B", "B"], "stage": ["deliver", "deliver", "get help", "deliver"]})
    review.coding = (pd.DataFrame({"text_id": [0, 1, 2, 3], "code": ["late", "late", "login", "late"],
                                   "confidence": 1.0}), "the codebook")
    review.needs = pd.DataFrame({"segment": ["A", "A", "A", "B"], "code": ["late", "price", "rude", "login"],
                                 "share": [0.5, 0.3, 0.2, 0.25], "rest_share": [0.1, 0.1, 0.1, 0.05],
                                 "rr": [5.0, 3.0, 2.0, 5.0], "ci_low": [1.2, 1.1, 1.05, 1.5],
                                 "ci_high": [20.5, 8.0, 4.0, 16.0], "quotes": [["it was late"], [], ["x"], ["no login"]]})
    stages_md, stages, counts, needs = practice.show_needs(review).parts
    assert stages.loc[("A", "deliver"), "late"] == 1.0 and stages.loc[("A", "deliver"), "login"] == ""
    assert counts.data == "4 texts from 2 segments, coded with the codebook; 4 significant needs."
    assert [f["key"] for f in published] == ["needs.A.late", "needs.A.price", "needs.B.login"]
    assert published[0] == findings.finding(
        "needs.A.late", 5.0, kind="theme", label="A needs: late", ci=(1.2, 20.5),
        text="50% of their texts vs 10% of the rest (RR 5.00, 1.20 to 20.50); “it was late”")
    assert published[1]["text"].endswith("; “”")  # a need without a verbatim
    assert isinstance(stages_md, Markdown) and needs is review.needs


def test_opportunities_join_breaks_needs_and_sizes(tiny):
    review = practice.open_review(str(tiny))
    review.seg_table = SEGMENTS
    review.breaks = pd.DataFrame({"segment": ["b"], "stage": ["deliver"], "rate": [12.0], "rest_rate": [3.0],
                                  "ratio": [4.0], "q_value": [0.01]})
    review.texts = pd.DataFrame({"text_id": [0], "text": ["x"], "segment": ["a"]})
    review.needs = pd.DataFrame({"segment": ["a"], "code": ["login"], "share": [0.5], "rest_share": [0.1], "rr": [5.0],
                                 "ci_low": [1.2], "ci_high": [20.5], "quotes": [["stuck"]]})
    table = practice.show_opportunities(review).parts[0].frame
    assert table[["segment", "stage", "problem", "customers"]].values.tolist() == [["a", "", "login", 1],
                                                                                  ["b", "deliver", "", 2]]


def test_texts_in_no_theme_get_no_code(tmp_path):
    """Non-answers ('n/a', '-') are in no theme (label -1): they get no code, and the rest are still coded."""
    from carelib.practices import common

    words = ["late delivery again", "parcel arrived late", "refund never came", "still waiting on my refund",
             "app login loop", "cannot log in to the app"]
    texts = pd.DataFrame({"text": [words[i % 6] + f" case {i}" for i in range(60)] + ["n/a", "-", "none"] * 4})
    texts["text_id"] = [f"T{i}" for i in range(len(texts))]
    ws = common.open_workspace(str(tmp_path))
    coded, source = common.code_texts(texts, ws, k_range=(2, 4))
    assert source.startswith("themes found")
    assert not coded["text_id"].isin(texts["text_id"].iloc[60:]).any()
    assert coded["text_id"].nunique() == 60 and coded["code"].notna().all()
