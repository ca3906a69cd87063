"""carelib.practices.metric_review on tiny hand-made workspaces: numbers against hand computations,
the sentences of absent tables, and the findings each section publishes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from carelib import periods
from carelib.errors import DataError, ParameterError
from carelib.practices import metric_review as mr
from carelib.report import findings

TODAY = "2026-12-01"
PERIOD = "2026-W10"  # window 2: W09-W10, compared with W07-W08; trend 8 weeks: W03-W10


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def published(monkeypatch):
    """Every finding published, as the record :func:`findings.finding` builds."""
    seen: list[dict] = []
    monkeypatch.setattr(findings, "publish", lambda key, value, **kw: seen.append(findings.finding(key, value, **kw)))
    return seen


def at(week: str, hours: int = 10) -> str:
    return str(periods.week_bounds(week)[0] + pd.Timedelta(hours=hours))


def answers(week: str, scores: list[int], survey: str = "nps", start: int = 0, **attrs) -> pd.DataFrame:
    ids = [f"{survey}-{week}-{start + i}" for i in range(len(scores))]
    return pd.DataFrame({"response_id": ids, "submitted_at": at(week), "survey": survey, "score": scores, **attrs})


def workspace(tmp_path, **tables: pd.DataFrame):
    folder = tmp_path / "ws"
    folder.mkdir(exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def open_(folder, **kw) -> mr.Review:
    kw = {"period": PERIOD, "window": 2, "weeks": 8, "today": TODAY, **kw}
    return mr.open_review(str(folder), **kw)


def texts(shown) -> list[str]:
    return [p.data for p in shown.parts if hasattr(p, "data")]


# ------------------------------------------------------------------ opening the review


def test_open_review_resolves_latest_and_the_weeks(tmp_path):
    undated = answers("2026-W08", [7], start=5).assign(submitted_at="")  # kept, in no week
    folder = workspace(tmp_path, responses=pd.concat([answers("2026-W03", [9]), answers("2026-W08", [9], start=1),
                                                      undated]))
    r = open_(folder, period="latest")
    assert r.period == "2026-W08"
    assert (r.current, r.previous) == (["2026-W07", "2026-W08"], ["2026-W05", "2026-W06"])
    assert r.trend == [f"2026-W{w:02d}" for w in range(1, 9)]
    shown = mr.overview(r)
    assert "2026\\-W07 to 2026\\-W08" in texts(shown)[0] and "**tables:** responses" in texts(shown)[0]
    coverage = shown.parts[1].frame
    assert shown.parts[1].caption.startswith("Dates of each table: first and last week, rows in 2026-W07 to 2026-W08")
    assert coverage.iloc[0].tolist() == ["responses", "2026-W03", "2026-W08", 1, 1]
    assert list(coverage.columns)[-1] == "rows without a week"


def test_an_empty_period_is_a_clear_error(tmp_path):
    r = open_(workspace(tmp_path, responses=answers("2026-W03", [9])), period="2030-W01")
    with pytest.raises(DataError, match=r"no rows in the weeks under review \(2029-W52 to 2030-W01\)"):
        mr.overview(r)


def test_absent_tables_are_said(tmp_path, published):
    r = open_(workspace(tmp_path, responses=answers("2026-W10", [4, 5], survey="csat")))
    assert texts(mr.the_case(r)) == ["_No complaints, tickets and messages in this workspace: no case to open with._"]
    assert texts(mr.nps_trend(r)) == ["_No NPS answers in this workspace._"]
    assert texts(mr.public_reviews(r)) == ["_No reviews table in this workspace._"]
    assert texts(mr.complaint_rates(r)) == ["_Complaint rates need the complaints table (and orders for a rate)._"]
    assert texts(mr.response_times(r)) == ["_Response times need the tickets and messages tables._"]
    assert texts(mr.kaizen_actions(r)) == ["_No actions table in this workspace._"]
    for section in (mr.nps_chart, mr.nps_by_segment, mr.nps_blocks, mr.enps, mr.hour_of_week, mr.detractor_drivers):
        assert section(r).parts == []
    assert published == []


# ------------------------------------------------------------------ headline


def test_headline_nps_against_a_hand_computation(tmp_path, published):
    now = answers("2026-W10", [10, 10, 9, 9, 10, 9, 8, 7, 3, 0])  # 6 promoters, 2 detractors of 10
    before = answers("2026-W08", [10, 9, 10, 8, 7, 8, 7, 1, 2, 3])  # 3 promoters, 3 detractors of 10
    value = 100 * (6 - 2) / 10  # the definition the report prints: %promoters - %detractors (the adjusted-Wald
    # centre, 100 * ((6 + 1) - (2 + 1)) / 13 = 30.8, only centres the interval; issue 16)
    r = open_(workspace(tmp_path, responses=pd.concat([now, before])))
    shown = mr.headline(r)
    row = r.head.iloc[0]
    assert (row["metric"], row["n"]) == ("nps", 10)
    assert (row["value"], row["previous"], row["change"]) == pytest.approx((value, 0.0, value))
    [f] = published
    assert (f["key"], f["label"], f["value"], f["kind"]) == ("headline.nps", "NPS", pytest.approx(value), "metric")
    assert f["ci"] == [pytest.approx(row["ci_low"]), pytest.approx(row["ci_high"])] and f["ci"][0] < value < f["ci"][1]
    assert f["text"] == f"40.0 ({row['ci_low']:.1f} to {row['ci_high']:.1f}); +40.0 vs comparison, p = {row['p_value']:.3f}"
    assert "note" not in f  # "no signal"
    assert shown.parts[0].caption.startswith("Headline, 2026-W09 to 2026-W10 against 2026-W07 to 2026-W08")
    table = shown.parts[0].frame
    assert table.iloc[0]["metric"] == "NPS" and table.iloc[0]["value"] == "40.0"
    assert "n too small (10 < 30)" in table.iloc[0]["signal / note"]
    assert mr.definitions(r).frame["metric"].tolist()[:1] == ["nps"]


def test_publish_headline_formats_shares_and_units(published):
    head = pd.DataFrame([
        {"metric": "csat", "label": "CSAT", "value": 0.726, "ci_low": 0.664, "ci_high": 0.78, "change": 0.027,
         "p_value": 0.529, "unit": "share", "signal": "no signal"},
        {"metric": "stars", "label": "Stars", "value": 4.26, "ci_low": 4.1, "ci_high": 4.4, "change": float("nan"),
         "p_value": float("nan"), "unit": "stars", "signal": "rule 1 in 2026-W10"},
        {"metric": "sla", "label": "SLA", "value": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
         "change": float("nan"), "p_value": float("nan"), "unit": "share", "signal": ""},
    ])
    mr.publish_headline(head)
    assert [f["key"] for f in published] == ["headline.csat", "headline.stars"]  # no value, no finding
    assert published[0]["text"] == "72.6% (66.4 to 78.0); +2.7 vs comparison, p = 0.529"
    assert "note" not in published[0]
    assert published[1]["text"] == "4.3 stars (4.1 to 4.4)" and published[1]["note"] == "rule 1 in 2026-W10"


# ------------------------------------------------------------------ sections 4-7


def test_ces_pmf_falls_back_to_the_latest_wave(tmp_path):
    pmf = answers("2026-W03", [3, 3, 1, 2], survey="pmf")
    r = open_(workspace(tmp_path, responses=pmf), min_n=3)
    shown = mr.ces_pmf(r)
    assert texts(shown)[0] == "**PMF** by all, latest wave 2026\\-W03"
    assert int(shown.parts[1]["n"].iloc[0]) == 4


def test_category_rates_by_hand():
    complaints = pd.DataFrame({"category": ["late"] * 3 + ["rude"], "week": ["W2", "W2", "W1", "W1"]})
    orders = pd.DataFrame({"week": ["W1"] * 500 + ["W2"] * 1000})
    before = complaints.copy()
    table = mr.category_rates(complaints, orders, ["W2"], ["W1"])
    pd.testing.assert_frame_equal(complaints, before)  # never mutates its input
    assert table["category"].tolist() == ["late", "rude"]
    late = table.iloc[0]
    assert (late["complaints"], late["per_1000"], late["before"], late["before_per_1000"]) == (2, 2.0, 1, 2.0)
    assert late["ratio"] == pytest.approx(1.0)
    assert table.iloc[1]["per_1000"] == 0.0 and table.iloc[1]["before_per_1000"] == 2.0


def test_response_times_median_by_hand(tmp_path):
    created = [at("2026-W10", h) for h in (9, 10, 11)]
    tickets = pd.DataFrame({"ticket_id": ["t1", "t2", "t3"], "customer_id": "c", "channel": "email",
                            "created_at": created, "closed_at": "", "status": "open"})
    waits = (10, 20, 30)
    messages = pd.DataFrame({"ticket_id": ["t1", "t2", "t3"], "message_id": ["m1", "m2", "m3"],
                             "sent_at": [str(pd.Timestamp(c) + pd.Timedelta(minutes=w)) for c, w in zip(created, waits, strict=True)],
                             "author_role": "agent", "author_id": "a", "text": "hello"})
    r = open_(workspace(tmp_path, tickets=tickets, messages=messages), min_n=1)
    first, _, sla = (t.frame for t in mr.response_times(r).parts)
    assert first["p50"].iloc[0] == pytest.approx(20.0) and int(first["n"].iloc[0]) == 3
    assert sla["share"].iloc[0] == pytest.approx(1.0)  # all answered within 60 minutes


# ------------------------------------------------------------------ segments and drivers


def test_segments_below_publishes_the_flagged_segment(tmp_path, published):
    nps = pd.concat([answers("2026-W10", [0] * 40, region="North"),
                     answers("2026-W10", [10] * 40, start=40, region="South"),
                     answers("2026-W10", [10] * 40, start=80, region="East")])
    r = open_(workspace(tmp_path, responses=nps), segments_by=["region", "plan"])
    seg = mr.segments_below(r).parts[0].frame
    assert set(seg["metric"]) == {"nps"} and set(seg["attribute"]) == {"region"}  # no plan column, no CSAT
    north = seg[seg["segment"] == "North"].iloc[0]
    # %P - %D: North 0 - 40/40, the rest 80/80 - 0 (the adjusted-Wald centres only centre the interval)
    difference = 100 * (-40 / 40 - 80 / 80)
    assert north["difference"] == pytest.approx(difference)
    [f] = published
    assert (f["key"], f["kind"], f["value"]) == ("segment.nps.region.North", "signal", pytest.approx(difference))
    assert f["label"] == "NPS: region = North below the rest"
    assert f["text"] == f"-200 vs the rest (q = {north['q_value']:.3f}, n = 40)"


def _driver_answers() -> pd.DataFrame:
    parts = [answers("2026-W09", [2] * 40 + [9] * 20, region="North"),  # 40 of 60 detractors
             answers("2026-W09", [2] * 10 + [9] * 50, start=60, region="South"),
             answers("2026-W09", [2] * 10 + [9] * 50, start=120, region="East"),
             answers("2026-W01", [0] * 30, start=180, region="South"),  # before the trend weeks: left out
             answers("2026-W09", [None] * 5, start=210, region="South")]  # no score: left out
    return pd.concat(parts, ignore_index=True)


def test_detractor_factors_without_comments(tmp_path):
    r = open_(workspace(tmp_path, responses=_driver_answers()))
    given = r.nps_answers.copy()
    d, factors = mr.detractor_factors(r.nps_answers, r.trend, ["region", "plan"], r.ws)
    pd.testing.assert_frame_equal(r.nps_answers, given)
    assert factors == ["region"] and len(d) == 180 and int(d["detractor"].sum()) == 60


def test_detractor_drivers_by_hand(tmp_path, published):
    r = open_(workspace(tmp_path, responses=_driver_answers()))
    table = mr.detractor_drivers(r).parts[0].frame
    north = table[(table["factor"] == "region") & (table["level"] == "North")].iloc[0]
    assert north["rr"] == pytest.approx((40 / 60) / (20 / 120))  # 4.0
    assert north["attributable"] == pytest.approx((40 / 60) * (4 - 1) / 4)  # Miettinen: 0.5
    by_key = {f["key"]: f for f in published}
    f = by_key["driver.region.North"]
    assert (f["kind"], f["value"], f["label"]) == ("driver", pytest.approx(0.5), "Driver of detractors: region = North")
    assert f["text"].startswith("RR 4.00 (") and f["text"].endswith("; 50% of detractors")
    assert len(published) <= 3 and all(k.startswith("driver.region.") for k in by_key)


def test_detractor_factors_with_a_codebook(tmp_path):
    nps = _driver_answers().assign(comment=lambda d: ["it came late"] * 30 + [""] * (len(d) - 30))
    folder = workspace(tmp_path, responses=nps)
    (folder / "codebook.yml").write_text("- code: late-delivery\n  definition: Late.\n  keywords:\n  - late\n",
                                         encoding="utf-8")
    r = open_(folder)
    d, factors = mr.detractor_factors(r.nps_answers, r.trend, ["region"], r.ws)
    assert factors == ["late-delivery", "region"]
    assert d["late-delivery"].dtype == bool and int(d["late-delivery"].sum()) == 30


def test_detractor_factors_find_themes_without_a_codebook(tmp_path):
    said = ["the parcel came late again"] * 30 + ["great app and support"] * 30
    nps = _driver_answers().assign(comment=lambda d: said + [""] * (len(d) - 60))
    r = open_(workspace(tmp_path, responses=nps))
    d, factors = mr.detractor_factors(r.nps_answers, r.trend, ["region"], r.ws)
    assert factors == ["comment theme", "region"]
    assert d["comment theme"].notna().sum() == 60 and d["comment theme"].nunique() >= 2


# ------------------------------------------------------------------ kaizen


def test_kaizen_limits_before_and_after_the_action(tmp_path):
    weeks = [f"2026-W{w:02d}" for w in range(3, 11)]
    north = [answers(w, [10, 0] if w <= "2026-W06" else [10, 10, 10, 0], start=10 * i, region="North")
             for i, w in enumerate(weeks)]
    south = [answers(w, [0, 0], start=100 + 10 * i, region="South") for i, w in enumerate(weeks)]  # filtered out
    actions = pd.DataFrame({"action_id": ["A1", "A2"], "opened_at": at("2026-W02"), "owner": "ops", "metric": "nps",
                            "segment": ["region=North", ""], "description": ["call back", "open"],
                            "due": "", "status": ["done", "open"], "closed_at": [at("2026-W06", 50), ""]})
    r = open_(workspace(tmp_path, responses=pd.concat(north + south), actions=actions))
    listed, limits = (t.frame for t in mr.kaizen_actions(r).parts)
    assert list(listed.columns) == mr.ACTION_COLUMNS and len(listed) == 2
    assert limits.loc["before", "centre"] == pytest.approx(0.0)  # 1 promoter, 1 detractor each week up to W06
    # after: 3 promoters, 1 detractor of 4 each week, NPS 100 * (3 - 1) / 4
    assert limits.loc["after", "centre"] == pytest.approx(100 * 2 / 4)


def test_complaints_without_orders_are_counted_per_week(tmp_path):
    """A complaints-only workspace: complaints per week in the headline and by category, never a rate invented."""
    weeks = {"2026-W03": 2, "2026-W04": 1, "2026-W05": 3, "2026-W06": 2, "2026-W07": 6, "2026-W08": 4}
    rows = [{"complaint_id": f"CP{w}-{i}", "customer_id": "", "received_at": at(w), "category": "late" if i % 2 else "billing",
             "text": "late again"} for w, n in weeks.items() for i in range(n)]
    rows.append({"complaint_id": "CP-undated", "customer_id": "", "received_at": "", "category": "late", "text": "no date"})
    r = open_(workspace(tmp_path, complaints=pd.DataFrame(rows)), period="2026-W08")
    head = r.head.set_index("metric").loc["complaints_per_week"]
    # by the definition: complaints in the window / weeks in the window, against the weeks compared with
    assert (head["value"], head["previous"], head["n"], head["unit"]) == ((6 + 4) / 2, (3 + 2) / 2, 10, "per week")
    assert head["ci_low"] < head["value"] < head["ci_high"]
    shown = mr.complaint_rates(r)
    table = shown.parts[-1].frame
    assert table.set_index("category")["complaints"].to_dict() == {"billing": 5, "late": 5}
    assert table.set_index("category")["before"].to_dict() == {"billing": 3, "late": 2}
    assert "No orders table" in texts(shown)[0]


def test_dates_known_only_to_the_year_are_reviewed_wave_against_wave(tmp_path):
    """A yearly staff survey exported with the year alone: each year is a wave, never a week it does not have."""
    scores = {"2012": [10] * 6 + [0] * 4, "2013": [10] * 7 + [0] * 2 + [8]}
    rows = [{"response_id": f"R{y}-{i}", "submitted_at": y, "survey": "enps", "score": s}
            for y, ss in scores.items() for i, s in enumerate(ss)]
    rows.append({"response_id": "R-undated", "submitted_at": "", "survey": "enps", "score": 10})
    folder = workspace(tmp_path, responses=pd.DataFrame(rows))
    r = open_(folder, period="latest")
    assert (r.grain, r.period, r.current, r.previous) == ("wave", "2013", ["2013"], ["2012"])
    head = r.head.set_index("metric").loc["enps"]
    assert (head["value"], head["previous"]) == (100 * (7 - 2) / 10, 100 * (6 - 4) / 10)  # % yes - % no
    assert "the wave 2013" in texts(mr.overview(r))[0]
    assert open_(folder, period="2012").previous == []
    with pytest.raises(ParameterError, match="known only to the year; give one of its waves: 2012, 2013"):
        open_(folder, period="2026-W47")


def test_a_workspace_with_no_date_at_all_is_counted_not_dated(tmp_path):
    """Complaints exported without dates: one undated period, the count with its exact interval, no trend."""
    rows = pd.DataFrame({"complaint_id": ["C1", "C2", "C3"], "customer_id": "", "received_at": "",
                         "category": ["billing", "delivery", "delivery"], "text": ["charged twice", "late", "late"]})
    r = open_(workspace(tmp_path, complaints=rows), period="latest")
    assert (r.grain, r.current, r.previous) == ("undated", ["undated"], [])
    head = r.head.set_index("metric").loc["complaints_per_week"]
    assert (head["value"], head["unit"], head["n"]) == (3.0, "count", 3) and pd.isna(head["previous"])
    shown = mr.overview(r)
    assert "No row of any table has a date" in texts(shown)[0]
    assert shown.parts[1].frame.iloc[0].tolist() == ["complaints", "", "", 0, 3]
    table = mr.complaint_rates(r).parts[-1].frame
    assert table.set_index("category")["complaints"].to_dict() == {"delivery": 2, "billing": 1}


def test_an_import_report_that_is_not_carelib_s_is_named(tmp_path):
    from carelib.practices import common

    (tmp_path / "import").mkdir()
    (tmp_path / "import" / "report.csv").write_text("table,rows\nresponses,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="import/report.csv: expected the columns .* found no source, rows_in"):
        common.import_report(tmp_path)
    assert common.import_report(tmp_path / "nowhere") is None and not common.export_accounting(tmp_path / "x").parts


# ------------------------------------------------------------------ captions


def _every_table_workspace(tmp_path):
    """A small workspace with every table the review reads, one answer that breaks the contract (set aside)."""
    weeks = [f"2026-W{w:02d}" for w in range(3, 11)]
    nps = [answers(w, [10, 9, 8, 3, 0, 10], start=10 * i, region=["North", "South"] * 3) for i, w in enumerate(weeks)]
    csat = [answers(w, [5, 4, 2, 5], survey="csat", start=10 * i, team=["A", "B"] * 2) for i, w in enumerate(weeks)]
    staff = [answers("2026-W05", [9, 10, 3, 7], survey="enps", team=["A", "B"] * 2),
             answers("2026-W05", [4, 5, 2], survey="ces", plan=["Plus", "Std", "Plus"]),
             answers("2026-W05", [3, 2, 1], survey="pmf", plan=["Plus", "Std", "Plus"])]
    bad = answers("2026-W10", [0], start=99).assign(score="lots")  # not an int: set aside, listed in exclusions
    complaints = pd.DataFrame([{"complaint_id": f"CP{w}-{i}", "customer_id": "C1", "received_at": at(w),
                                "category": "late" if i % 2 else "billing", "text": "late again"}
                               for w in weeks for i in range(3)])
    orders = pd.DataFrame([{"order_id": f"O{w}-{i}", "customer_id": "C1", "ordered_at": at(w), "amount": 20.0}
                           for w in weeks for i in range(50)])
    created = [at("2026-W10", h) for h in (9, 10, 11)]
    tickets = pd.DataFrame({"ticket_id": ["t1", "t2", "t3"], "customer_id": "C1", "channel": "email",
                            "created_at": created, "closed_at": "", "status": "open", "team": ["A", "B", "A"]})
    messages = pd.DataFrame({"ticket_id": ["t1", "t2", "t3"], "message_id": ["m1", "m2", "m3"],
                             "sent_at": [str(pd.Timestamp(c) + pd.Timedelta(minutes=20)) for c in created],
                             "author_role": "agent", "author_id": "a", "text": "hello"})
    reviews = pd.DataFrame({"review_id": [f"RV{i}" for i in range(12)], "created_at": [at(weeks[i % 8]) for i in range(12)],
                            "rating": [5, 4, 1, 3] * 3, "text": "fine", "product_name": ["lamp", "towel", "clock"] * 4,
                            "recommended": [True, False, True] * 4})
    actions = pd.DataFrame({"action_id": ["A1"], "opened_at": at("2026-W02"), "owner": "ops", "metric": "nps",
                            "segment": ["region=North"], "description": ["call back"], "due": "", "status": ["done"],
                            "closed_at": [at("2026-W06", 50)]})
    return workspace(tmp_path, responses=pd.concat([*nps, *csat, *staff, bad]), complaints=complaints, orders=orders,
                     tickets=tickets, messages=messages, reviews=reviews, actions=actions)


def _displayed(part, monkeypatch) -> list:
    """What the notebook displays for a section: Shown's display, each Table as it is rendered (caption merged)."""
    import IPython.display

    from carelib.practices import common

    seen: list = []
    with monkeypatch.context() as m:
        m.setattr(IPython.display, "display", lambda *objs, **kw: seen.extend(objs))
        (part if isinstance(part, common.Shown) else common.Shown(part))._ipython_display_()
    return seen


def test_every_table_of_the_review_says_what_it_is(tmp_path, published, monkeypatch):
    """Each table the review shows has a caption of its own (never "12 rows: a, b, c"), and no table is empty:
    what is absent is said in a sentence."""
    import re

    from carelib.practices import common
    from carelib.report.tables import Table

    r = open_(_every_table_workspace(tmp_path), min_n=2)
    sections = [mr.overview, mr.headline, mr.load_report, mr.exclusions, mr.nps_trend, mr.nps_chart,
                mr.nps_by_segment, mr.nps_blocks, mr.enps, mr.csat, mr.ces_pmf, mr.public_reviews, mr.complaint_rates,
                mr.response_times, mr.hour_of_week, mr.segments_below, mr.detractor_drivers, mr.kaizen_actions,
                mr.definitions]
    tables, said = [], []
    for section in sections:
        out = section(r)
        parts = out.parts if isinstance(out, common.Shown) else [out]
        for part in parts:
            assert not (isinstance(part, (pd.DataFrame, Table)) and len(part.frame if isinstance(part, Table) else part)
                        == 0), f"{section.__name__} shows an empty table"
        for shown in _displayed(out, monkeypatch):
            if isinstance(shown, Table):
                caption = re.search(r"<caption>(.*?)</caption>", shown.html()).group(1)
                assert len(shown.frame), f"{section.__name__} shows an empty table"
                assert not re.match(r"^\d[\d,]* rows: ", caption) and caption != "A table", (section.__name__, caption)
                tables.append((section.__name__, caption))
            elif isinstance(getattr(shown, "data", None), str):
                said.append(shown.data)
    captions = dict(tables)
    assert len(tables) >= 20 and {"headline", "nps_by_segment", "complaint_rates", "definitions"} <= set(captions)
    assert captions["nps_by_segment"] == "NPS by region, 2026-W09 to 2026-W10 (95% interval)"
    assert captions["exclusions"].startswith("Rows set aside: file, row, column and why")
    # a control chart without a signal says so in a sentence (western-electric rules on 8 steady weeks)
    assert "_No control-chart signal in NPS by week, 2026\\-W03 to 2026\\-W10 (western\\-electric rules)._" in said


def test_empty_tables_become_sentences(tmp_path):
    r = open_(workspace(tmp_path, responses=answers("2026-W10", [9, 10])))
    assert texts(mr.exclusions(r)) == ["_No row set aside: every row of the tables read so far meets its table's "
                                       "contract._"]
    assert texts(mr.segments_below(r)) == ["_No segment to scan: no NPS or CSAT answers in 2026\\-W09 to 2026\\-W10 "
                                           "with a value of region, plan, channel._"]
