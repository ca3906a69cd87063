"""Segment scan with BH control, drivers by relative risk; the same tallies on other engines."""

import numpy as np
import pandas as pd
import pytest

from carelib import periods
from carelib.analysis import drivers, segments
from carelib.errors import ParameterError
from carelib.metrics.multiple_testing import benjamini_hochberg


def _demo_nps(demo_dir):
    r = pd.read_csv(demo_dir / "responses.csv")
    r = r[r["survey"] == "nps"].copy()
    r["week"] = periods.iso_week(pd.to_datetime(r["submitted_at"]))
    return r


def test_north_flagged_during_partner_switch_not_south(demo_dir):
    r = _demo_nps(demo_dir)
    during = r[r["week"].between("2026-W20", "2026-W27")]
    s = segments.scan(during, ["region", "plan"], min_n=30).set_index(["attribute", "segment"])
    assert s.loc[("region", "North"), "flag"] == "below the rest"
    assert s.loc[("region", "South"), "flag"] != "below the rest"
    assert (s["q_value"].dropna() >= s["p_value"].dropna() - 1e-12).all()


def test_small_segments_listed_not_tested_and_missing_is_a_segment():
    d = pd.DataFrame({"plan": ["A"] * 50 + ["B"] * 50 + ["C"] * 4 + [None] * 40,
                      "score": [10] * 30 + [0] * 20 + [10] * 25 + [0] * 25 + [0] * 4 + [9] * 40})
    s = segments.scan(d, "plan", min_n=30)
    assert s["segment"].tolist()[-1] == "C" and s["flag"].iloc[-1] == "n too small"
    assert "(missing)" in set(s["segment"]) and s["n"].sum() == len(d)
    assert np.isnan(s.loc[s["segment"] == "C", "p_value"]).all()


def test_proportion_scan_matches_two_proportion_test():
    d = pd.DataFrame({"team": ["A"] * 200 + ["B"] * 200, "ok": [True] * 150 + [False] * 50 + [True] * 120 + [False] * 80})
    s = segments.scan(d, "team", metric="proportion", score="ok").set_index("segment")
    from scipy import stats
    p = 270 / 400
    z = (0.75 - 0.6) / np.sqrt(p * (1 - p) * (2 / 200))
    assert s.loc["A", "p_value"] == pytest.approx(2 * stats.norm.sf(z))
    assert s.loc["B", "flag"] == "below the rest"
    with pytest.raises(ParameterError):
        segments.scan(d, "team", metric="mean")


def test_benjamini_hochberg_reference():
    # Benjamini & Hochberg (1995) worked example, first five of the 15 p-values
    q = benjamini_hochberg([0.0001, 0.0004, 0.0019, 0.0095, 0.0201])
    assert q.tolist() == pytest.approx([0.0005, 0.001, 0.00316667, 0.011875, 0.0201], abs=1e-7)


def test_relative_risk_katz_by_hand_and_order_by_attributable_share():
    # common theme: RR 2, many outcomes; rare theme: RR 6, few outcomes
    n = 1000
    common = np.r_[np.ones(400, bool), np.zeros(600, bool)]
    rare = np.zeros(n, bool)
    rare[400:430] = True
    outcome = np.zeros(n, bool)
    outcome[:160] = True          # 160/400 with the common theme
    outcome[400:427] = True       # 27/30 with the rare theme
    outcome[430:490] = True       # 60/570 with neither
    d = pd.DataFrame({"detractor": outcome, "common": common, "rare": rare})
    r = drivers.relative_risk(d, "detractor", ["rare", "common"]).set_index("factor")
    a, n1, c, n0 = 160, 400, 87, 600
    rr = (a / n1) / (c / n0)
    se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    assert r.loc["common", "rr"] == pytest.approx(rr)
    assert r.loc["common", "ci_low"] == pytest.approx(rr * np.exp(-1.959964 * se), rel=1e-5)
    assert r.loc["common", "attributable"] == pytest.approx(a / 247 * (rr - 1) / rr)
    assert list(r.index) == ["common", "rare"]  # ordered by attributable share, not by RR
    assert r.loc["rare", "rr"] > r.loc["common", "rr"]


def test_categorical_levels_small_levels_and_significant_only():
    d = pd.DataFrame({"det": [True] * 60 + [False] * 40 + [True] * 20 + [False] * 80 + [True, False],
                      "plan": ["Plus"] * 100 + ["Std"] * 100 + ["Tiny"] * 2})
    r = drivers.relative_risk(d, "det", "plan")
    assert set(r["level"]) == {"Plus", "Std", "Tiny"}
    assert r.loc[r["level"] == "Tiny", "note"].iloc[0].startswith("n too small")
    sig = drivers.relative_risk(d, "det", "plan", significant_only=True)
    assert sig["level"].tolist() == ["Plus"]


def test_segment_and_driver_tallies_on_polars_and_duckdb():
    pl = pytest.importorskip("polars", reason="polars is in the dev extra")
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the dev extra")
    rng = np.random.default_rng(5)
    d = pd.DataFrame({"region": rng.choice(["N", "S", "E"], 3000), "score": rng.integers(0, 11, 3000).astype(float),
                      "late": rng.random(3000) < 0.3})
    d["det"] = d["score"] < 7
    base = segments.scan(d, "region")
    base_rr = drivers.relative_risk(d, "det", ["late", "region"])
    con = duckdb.connect()
    for frame in (pl.from_pandas(d), con.from_df(d)):
        pd.testing.assert_frame_equal(segments.scan(frame, "region"), base)
        pd.testing.assert_frame_equal(drivers.relative_risk(frame, "det", ["late", "region"]), base_rr)


# ---- issue 14: inputs checked, errors name the column, the row and the value -----------------------------------

def test_relative_risk_needs_a_yes_no_outcome():
    from carelib.errors import DataError

    d = pd.DataFrame({"detractor": ["yes", "no"] * 10, "late": [True, False] * 10})
    with pytest.raises(DataError, match=r"^relative_risk: row 0, column 'detractor': expected true or false, "
                                        r"found 'yes' \(text\); 20 row\(s\) like this"):
        drivers.relative_risk(d, "detractor", "late")
    with pytest.raises(DataError, match=r"^relative_risk: no column 'plan' in the data \(columns: detractor, late\)"):
        drivers.relative_risk(d, "detractor", "plan")
    with pytest.raises(ParameterError, match=r"confidence must be a number between 0 and 1"):
        drivers.relative_risk(d.assign(detractor=True), "detractor", "late", confidence=95)


@pytest.mark.parametrize(("pvalues", "message"), [
    ([0.2, 1.5], r"p-values must lie between 0 and 1: found 1.5 at position 1"),
    ([0.2, -0.1], r"p-values must lie between 0 and 1: found -0.1 at position 1"),
    ([0.2, "x"], r"p-values must be numbers: found 'x' at position 1"),
    ([True, 0.2], r"p-values must be numbers: found True at position 0"),
])
def test_benjamini_hochberg_refuses_impossible_p_values(pvalues, message):
    with pytest.raises(ParameterError, match=message):
        benjamini_hochberg(pvalues)
