"""Response times: order-statistic and Kaplan-Meier quantiles, censoring, business hours, hour of week."""

import numpy as np
import pandas as pd
import pytest

from carelib.metrics import response_times as rt


def test_order_statistic_interval_matches_conover_table():
    # n = 100, 95 %: the median lies between the 40th and 61st order statistics
    r = rt.quantiles(pd.DataFrame({"m": np.arange(1, 101) * 2.0}), "m").iloc[0]
    assert (r["p50"], r["p50_low"], r["p50_high"]) == (100.0, 80.0, 122.0)
    assert r["method"] == "order statistics"


def test_kaplan_meier_by_hand():
    # times 2, 3+, 4, 5+, 6, 7 (+ = censored): S = 5/6, (5/6)(3/4), (5/6)(3/4)(1/2), 0
    d = pd.DataFrame({"t": [2, 3, 4, 5, 6, 7], "done": [True, False, True, False, True, True]})
    km = rt.kaplan_meier(rt.tally_durations(d, "t", "done"))
    assert km["survival"].tolist() == pytest.approx([5 / 6, 5 / 6, 5 / 8, 5 / 8, 5 / 16, 0.0])
    assert km["at_risk"].tolist() == [6, 5, 4, 3, 2, 1]
    assert (km["low"] <= km["survival"] + 1e-12).all() and (km["survival"] <= km["high"] + 1e-12).all()
    q = rt.quantiles(d, "t", "done").iloc[0]
    assert q["p50"] == 6.0 and q["method"] == "Kaplan-Meier"


def test_open_tickets_are_censored_not_dropped():
    rng = np.random.default_rng(3)
    true = rng.exponential(60, 2000)
    cutoff = rng.uniform(0, 200, 2000)  # follow-up time: slow tickets are more often still open
    d = pd.DataFrame({"m": np.minimum(true, cutoff), "answered": true <= cutoff})
    km = rt.quantiles(d, "m", "answered").iloc[0]
    naive = d.loc[d["answered"], "m"].median()  # dropping open tickets
    truth = 60 * np.log(2)
    assert abs(km["p50"] - truth) < abs(naive - truth)
    assert km["p50_low"] <= truth <= km["p50_high"]
    assert km["n"] == 2000 and km["censored"] == int((~d["answered"]).sum())


def test_quantile_not_reached_is_blank_with_a_note():
    d = pd.DataFrame({"m": [1, 2, 50, 50, 50, 50], "answered": [True, True, False, False, False, False]})
    r = rt.quantiles(d, "m", "answered").iloc[0]
    assert np.isnan(r["p50"]) and "not reached" in r["note"]


def test_business_minutes_skip_nights_and_weekends():
    s = pd.Series(pd.to_datetime(["2026-11-20 16:30", "2026-11-21 10:00", "2026-11-23 08:00", "2026-11-23 09:10"]))
    e = pd.Series(pd.to_datetime(["2026-11-23 09:15", "2026-11-22 12:00", "2026-11-23 17:30", "2026-11-30 09:10"]))
    assert rt.business_minutes(s, e).tolist() == [45.0, 0.0, 480.0, 5 * 480.0]


def test_ticket_times_bots_do_not_count_and_open_tickets_kept():
    tickets = pd.DataFrame({"ticket_id": ["T1", "T2"], "created_at": ["2026-01-05 09:00", "2026-01-05 10:00"],
                            "closed_at": ["2026-01-05 12:00", None], "team": ["A", "B"]})
    messages = pd.DataFrame({"ticket_id": ["T1", "T1", "T2", "T2"],
                             "sent_at": ["2026-01-05 09:01", "2026-01-05 09:30", "2026-01-05 10:00", "2026-01-05 10:02"],
                             "author_role": ["bot", "agent", "customer", "bot"]})
    t = rt.ticket_times(tickets, messages, as_of="2026-01-05 14:00")
    assert t["first_response_min"].tolist() == [30.0, 240.0]
    assert t["responded"].tolist() == [True, False] and t["resolved"].tolist() == [True, False]
    assert t["resolution_h"].tolist() == [3.0, 4.0]


def test_sla_undecided_and_misses():
    d = pd.DataFrame({"m": [5, 30, 90, 20, 120], "answered": [True, True, True, False, False]})
    r = rt.sla(d, "m", 60, "answered").iloc[0]
    assert (r["successes"], r["trials"], r["undecided"]) == (2, 4, 1)


def test_demo_monday_wave(demo_dir):
    from carelib.data.tables import load_workspace

    ws = load_workspace(demo_dir, errors="exclude")
    t = rt.ticket_times(ws.table("tickets"), ws.table("messages"))
    assert len(t) == len(ws.table("tickets"))
    load = rt.hour_of_week(t, "created_at")
    speed = rt.hour_of_week(t, "created_at", "first_response_min")
    assert load.loc["Mon", [8, 9, 10]].mean() > 2.5 * load.loc["Tue", [8, 9, 10]].mean()  # truth 3
    assert speed.loc["Mon", [8, 9, 10]].mean() > 2 * speed.loc["Wed", [8, 9, 10]].mean()
