"""carelib.practices.voice_of_customer on tiny hand-made workspaces: counts, sentences, findings by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from carelib.errors import ParameterError
from carelib.practices import voice_of_customer as practice
from carelib.report import findings
from carelib.report.tables import Table

LATE = ["my parcel is late again", "the courier never delivered my parcel", "delivery is two weeks late",
        "parcel still not delivered", "late delivery and no tracking update"]
PAY = ["I was charged twice for one order", "double payment taken from my card", "charged twice, please refund",
       "refund for the double charge still missing", "my card was charged twice"]
APP = ["the app crashes at login", "cannot log in to the app", "app login fails with password error",
       "password reset in the app does not work", "the app crashes when I log in"]


@pytest.fixture
def published(monkeypatch) -> dict[str, dict]:
    """Findings the practice publishes, by key (the records findings.publish would display)."""
    got: dict[str, dict] = {}

    def record(key, value, **kwargs):
        got[key] = findings.finding(key, value, **kwargs)

    monkeypatch.setattr(findings, "publish", record)
    return got


def _workspace(folder, **tables: pd.DataFrame) -> str:
    folder.mkdir(exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return str(folder)


def _said(shown) -> str:
    """The Markdown a section shows, as one text."""
    return "\n".join(p.data for p in shown.parts if isinstance(getattr(p, "data", None), str)).replace("\\", "")


def _frames(shown) -> list[pd.DataFrame]:
    """The tables a section shows, as DataFrames (a captioned :class:`Table` by its frame)."""
    return [p.frame if isinstance(p, Table) else p for p in shown.parts if isinstance(p, (pd.DataFrame, Table))]


def _complaints(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """Complaints from (received_at, text) pairs."""
    return pd.DataFrame([{"complaint_id": f"CP{i:03d}", "customer_id": f"C{i:03d}", "received_at": at,
                          "category": "other", "text": text} for i, (at, text) in enumerate(rows)])


def _dated(week_day: str, texts: list[str], times: int) -> list[tuple[str, str]]:
    """``times`` copies of ``texts``, each at its own minute of one day."""
    batch = texts * times
    return [(f"{week_day} 10:{m:02d}", t) for m, t in enumerate(batch)]


@pytest.fixture
def complaints_ws(tmp_path) -> str:
    """Baseline 2026-W08..W09: 10 late + 10 app texts; window 2026-W10: 5 late, 5 app, 10 new charged-twice."""
    rows = (_dated("2026-02-17", LATE + APP, 1) + _dated("2026-02-24", LATE + APP, 1)
            + _dated("2026-03-03", LATE + APP, 1) + _dated("2026-03-04", PAY, 2)
            + [("2026-03-05 09:00", "Ruth Zolc says the app crashes at login"), ("2026-03-05 09:30", "   ")])
    customers = pd.DataFrame({"customer_id": ["C900"], "first_seen": ["2025-01-01"], "name": ["Ruth Zolc"]})
    return _workspace(tmp_path / "ws", complaints=_complaints(rows), customers=customers)


def test_accounting_redaction_and_the_resolved_period(complaints_ws):
    review = practice.open_review(complaints_ws, source="complaints", period="latest", window=1, baseline=2,
                                  n_themes=3)
    assert review.accounting["rows"].to_dict() == {"rows in the table": 42, "left out: no text": 1, "texts used": 41}
    assert review.period == "2026-W10" and review.current == ["2026-W10"] and review.before == ["2026-W08", "2026-W09"]
    assert not review.texts["text"].str.contains("Ruth|Zolc").any()  # redacted once, before anything is derived
    shown = practice.overview(review)
    assert _frames(shown)[0].equals(review.accounting)
    loaded = _frames(shown)[1].set_index("table")  # the load report: every table read, rows in = used + set aside
    assert loaded.loc["complaints", "rows read"] == 42 and (loaded["rows read"] == loaded["rows used"]).all()
    assert _said(shown).startswith("**Rows read = rows used + rows set aside:**")


def test_themes_publish_the_five_largest_with_size_share_and_a_quote(complaints_ws, published):
    review = practice.open_review(complaints_ws, period="2026-W10", window=1, baseline=2, n_themes=3)
    shown = practice.themes(review)
    said = _said(shown)
    assert "**No theme book for complaints in this workspace:** fitted one on these 41 texts and saved it" in said
    assert "**3 themes** from 41 texts" in said
    table = _frames(shown)[0]
    assert sorted(table["texts"]) == [10, 15, 16] and math.isclose(table["share"].sum(), 1.0)
    keys = sorted(k for k in published if k.startswith("voc.theme."))
    assert keys == ["voc.theme.T01", "voc.theme.T02", "voc.theme.T03"]  # stable ids, largest first at the fit
    largest = published["voc.theme.T01"]
    assert largest["kind"] == "theme" and largest["value"] == round(16 / 41, 3) and largest["theme"] == "T01"
    assert largest["text"].startswith("16 texts (39%); “")
    # the second run reads the book it wrote: same ids for the same texts, and it says so
    again = practice.open_review(complaints_ws, period="2026-W10", window=1, baseline=2, n_themes=5)
    assert again.book_state[1] == "read" and "Texts assigned to the **3 themes of the theme book**" in _said(
        practice.themes(again))
    assert again.themed["theme"].equals(review.themed["theme"])


def test_a_new_theme_in_the_window_is_published_with_its_latest_verbatims(complaints_ws, published):
    review = practice.open_review(complaints_ws, period="2026-W10", window=1, baseline=2, n_themes=3)
    shown = practice.emerging(review)
    assert "Window 2026-W10 to 2026-W10 (21 texts) against 2026-W08 to 2026-W09 (20 texts)." in _said(shown)
    trend, weekly, by_week = _frames(shown)
    new = trend[trend["status"] == "new"]
    assert len(new) == 1 and new.iloc[0]["now"] == 10 and new.iloc[0]["before"] == 0
    theme, name = new.iloc[0]["theme"], new.iloc[0]["name"]
    assert theme.startswith("T") and any(w in name for w in ("charged", "double", "payment", "refund"))
    f = published[f"voc.emerging.{theme}"]
    assert f["label"] == f"New theme: {name}" and f["kind"] == "signal" and f["theme"] == theme
    # the two latest texts of the theme in the window (10:08 and 10:09 of 2026-03-04), in time order
    assert f["text"] == f"10 texts now ({10 / 21:.1%}) vs 0 before (0.0%); “{PAY[3]}” / “{PAY[4]}”"
    assert list(weekly.columns) == ["2026-W08", "2026-W09", "2026-W10"]
    assert weekly.loc[f"{theme} {name}"].tolist() == [0.0, 0.0, 10 / 21]
    assert [i.split()[0] for i in weekly.index] == trend["theme"].tolist()
    # the share by week with its Wilson interval (carelib.metrics.intervals.wilson), by hand for W10: 10 of 21
    row = by_week.set_index("week").loc["2026-W10"]
    z = 1.959964
    centre, half = (10 / 21 + z * z / 42) / (1 + z * z / 21), z * math.sqrt(10 / 21 * 11 / 21 / 21 + z * z / 4 / 21 ** 2) / (1 + z * z / 21)
    assert math.isclose(row["ci_low"], centre - half, rel_tol=1e-5) and math.isclose(row["ci_high"], centre + half, rel_tol=1e-5)
    assert list(published) == [f"voc.emerging.{theme}"]  # the other themes did not move


def test_texts_that_fit_no_theme_are_candidates_shown_redacted(complaints_ws, tmp_path):
    review = practice.open_review(complaints_ws, period="2026-W10", window=1, baseline=2, n_themes=3)
    assert practice.candidates(review).parts  # the rule is always said
    folder = tmp_path / "ws"
    extra = pd.read_csv(folder / "complaints.csv")
    odd = ["Ruth Zolc: the sofa cushions smell of smoke", "cushions smell of smoke, Ruth Zolc writes",
           "smoke smell in the sofa cushions"]
    more = _complaints([(f"2026-03-06 1{i}:00", t) for i, t in enumerate(odd)]).assign(
        complaint_id=[f"CX{i}" for i in range(3)])
    pd.concat([extra, more]).to_csv(folder / "complaints.csv", index=False)
    again = practice.open_review(str(folder), period="2026-W10", window=1, baseline=2)
    assert again.book_state[1] == "read"
    shown = practice.candidates(again)
    said, table = _said(shown), _frames(shown)[0]
    assert "fit no theme well" in said and "5 % of the texts the book was fitted on" in said
    assert table["text (redacted)"].str.contains("smoke").sum() >= 2  # the new subject is listed ...
    assert not table["text (redacted)"].str.contains("Ruth|Zolc").any()  # ... redacted


def test_an_empty_window_or_no_dates_is_said(complaints_ws, tmp_path, published):
    review = practice.open_review(complaints_ws, period="2026-W20", window=2, n_themes=3)
    said = _said(practice.emerging(review))
    assert said == "_No texts in the review window (2026-W19 to 2026-W20): nothing to compare._" and not published
    undated = pd.DataFrame({"review_id": [f"R{i}" for i in range(15)], "rating": [3] * 15, "text": LATE + PAY + APP})
    review = practice.open_review(_workspace(tmp_path / "undated", reviews=undated), source="reviews", n_themes=3)
    assert _said(practice.emerging(review)) == "_The texts have no dates: emerging themes need a time column._"


def test_a_missing_source_and_too_few_texts_are_said_not_crashed(complaints_ws, tmp_path):
    review = practice.open_review(complaints_ws, source="reviews")
    said = _said(practice.overview(review))
    assert "_The workspace has no reviews table (it has: complaints, customers): no texts to read._" in said
    assert "_0 text(s) with content: too few to find themes; the sections below are empty._" in said
    assert all(f(review).parts == [] for f in (practice.themes, practice.feelings, practice.who_raises, practice.emerging))
    one = _workspace(tmp_path / "one", complaints=_complaints([("2026-03-02 10:00", "late"), ("2026-03-02 11:00", " Late ")]))
    assert "_2 text(s) with content: too few" in _said(practice.overview(practice.open_review(one)))


def test_bad_source_or_text_column_is_refused(complaints_ws):
    with pytest.raises(ParameterError, match="source must be one of responses, reviews, complaints, messages, got 'tweets'"):
        practice.open_review(complaints_ws, source="tweets")
    with pytest.raises(ParameterError, match="complaints: no column 'body'"):
        practice.open_review(complaints_ws, text_column="body")


@pytest.fixture
def reviews_ws(tmp_path) -> str:
    """60 reviews: 20 per theme; late ones 15 of 20 at 1 star, the others 2 of 20 each."""
    stars = {"late": [1] * 15 + [5] * 5, "pay": [2] * 2 + [4] * 18, "app": [1] * 2 + [5] * 18}
    rows = [{"rating": s, "text": text, "region": "North" if i % 2 else "South"}
            for theme, texts in (("late", LATE), ("pay", PAY), ("app", APP))
            for i, (s, text) in enumerate(zip(stars[theme], texts * 4, strict=True))]
    reviews = pd.DataFrame(rows).assign(review_id=[f"R{i:03d}" for i in range(len(rows))])
    return _workspace(tmp_path / "rv", reviews=reviews)


def test_stars_segments_and_the_driver_of_low_ratings_by_hand(reviews_ws, published):
    review = practice.open_review(reviews_ws, source="reviews", n_themes=3, segment="region")
    shown = practice.who_raises(review)
    said = _said(shown)
    assert "**By region**" in said and "**By star rating**" in said and "risk of a 1–2 stars" in said
    by_region, by_stars, risk = _frames(shown)
    late = review.themed.loc[review.themed["text"].isin(LATE), "theme_label"].iloc[0]
    assert by_stars.loc[late, 1] == 0.75 and by_stars.loc[late, 5] == 0.25 and by_region.loc[late, "texts"] == 20
    row = risk.set_index("level").loc[late]
    assert row["risk_exposed"] == 0.75 and math.isclose(row["risk_unexposed"], 4 / 40)
    # Katz interval of the relative risk 0.75 / 0.1 = 7.5
    half = 1.959964 * math.sqrt(1 / 15 - 1 / 20 + 1 / 4 - 1 / 40)
    low, high = 7.5 * math.exp(-half), 7.5 * math.exp(half)
    f = published[f"voc.driver.{late}"]
    assert math.isclose(f["value"], 7.5) and f["label"] == f"Driver of 1–2 stars: {late}" and f["kind"] == "driver"
    assert f["text"] == f"relative risk 7.5 ({low:.1f}–{high:.1f}), 20 texts"
    assert list(published) == [f"voc.driver.{late}"]  # the other themes go with fewer low ratings


def test_feelings_rows_sum_to_one(reviews_ws):
    shown = practice.feelings(practice.open_review(reviews_ws, source="reviews", n_themes=3))
    assert _said(shown) == "**Sentiment by theme**\n**Main emotion by theme**"
    for table in _frames(shown):
        assert table["texts"].tolist() == [20.0, 20.0, 20.0]
        assert all(math.isclose(s, 1.0) for s in table.drop(columns="texts").sum(axis=1))


def test_survey_comments_leave_out_the_staff_and_read_nps_groups(tmp_path, published):
    nps = [("nps", s, t) for s, t in zip([2] * 15 + [9] * 5 + [10] * 20 + [9] * 20, LATE * 4 + PAY * 4 + APP * 4, strict=True)]
    staff = [("enps", 3, "Management never listens")] * 5 + [("nps", 8, None)] * 3
    rows = [{"response_id": f"S{i:03d}", "submitted_at": "2026-03-02 10:00", "survey": survey, "score": score,
             "comment": comment} for i, (survey, score, comment) in enumerate(nps + staff)]
    review = practice.open_review(_workspace(tmp_path / "rs", responses=pd.DataFrame(rows)), source="responses",
                                  n_themes=3)
    assert review.accounting["rows"].tolist() == [68, 5, 3, 60]
    assert list(review.accounting.index) == ["rows in the table", "left out: staff answers (eNPS survey)",
                                             "left out: no text", "texts used"]
    shown = practice.who_raises(review)
    assert "**By NPS group** (NPS comments)" in _said(shown) and "risk of a detractor" in _said(shown)
    assert [f["label"] for f in published.values()] == [f"Driver of detractor: {k.removeprefix('voc.driver.')}"
                                                        for k in published]
    assert len(published) == 1 and "Management" not in review.texts["comment"].str.cat()


def test_messages_are_the_customers_side_only(tmp_path):
    rows = [{"ticket_id": f"T{i // 2}", "message_id": f"M{i}", "sent_at": "2026-03-02 10:00",
             "author_role": "customer" if i % 2 else "agent", "author_id": f"A{i}", "text": t}
            for i, t in enumerate((LATE + PAY) * 2)]
    review = practice.open_review(_workspace(tmp_path / "ms", messages=pd.DataFrame(rows)), source="messages")
    assert review.accounting["rows"].tolist() == [20, 10, 0, 10]
    assert review.accounting.index[1] == "left out: agent messages (not the customer's voice)"
    assert _said(practice.who_raises(review)).endswith("drivers need a star rating or an NPS score._")


def test_answers_without_a_survey_kind_are_read_not_dropped(tmp_path):
    """A survey export with comments but no survey kind (blank ``survey``): every comment is read, none vanishes."""
    import pandas as pd

    rows = pd.DataFrame({"response_id": [f"R{i}" for i in range(6)], "respondent_id": "", "submitted_at": "",
                         "survey": "", "score": "", "comment": ["slow to load", "", "love the editor", "n/a",
                                                                 "crashes on save", "great"]})
    rows.to_csv(tmp_path / "responses.csv", index=False)
    from carelib.practices import voice_of_customer as voc

    r = voc.open_review(str(tmp_path), source="auto")
    assert r.source == "responses"
    assert r.accounting["rows"].to_dict() == {"rows in the table": 6, "left out: staff answers (eNPS survey)": 0,
                                              "left out: no text": 1, "texts used": 5}
