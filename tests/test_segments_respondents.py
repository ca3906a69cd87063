"""Segment scans count respondents, not rows; eNPS by segment for staff surveys (anonymous or not)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from carelib.analysis import segments
from carelib.analysis.segments import SCAN_COLUMNS, enps_by_segment, respondent_column, scan

Z95 = stats.norm.ppf(0.975)


def _staff(seed: int = 3) -> pd.DataFrame:
    """40 staff in two teams, each answering 5 agree/disagree items (1-5), people differ a lot."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(40):
        team = "ops" if i < 20 else "it"
        lean = rng.uniform(0.1, 0.9) if team == "ops" else rng.uniform(0.3, 1.0)
        for q in range(5):
            rows.append({"respondent_id": f"R{i:02d}", "team": team, "question": f"Q{q}",
                         "score": 5 if rng.random() < lean else 2})
    return pd.DataFrame(rows)


def _cluster_by_hand(d: pd.DataFrame, success: pd.Series) -> tuple[float, float, int]:
    """Ratio estimate, its cluster-robust variance and respondents, by the textbook formula."""
    per = pd.DataFrame({"who": d["respondent_id"], "y": success.astype(float)}).groupby("who")["y"].agg(["sum", "size"])
    y, m, k = per["sum"].to_numpy(), per["size"].to_numpy(float), len(per)
    r = y.sum() / m.sum()
    var = k / (k - 1) * ((y - r * m) ** 2).sum() / m.sum() ** 2
    return r, var, k


def test_agreement_scan_counts_respondents_and_uses_cluster_robust_variance():
    d = _staff()
    full = scan(d, "team", metric="agree5", min_n=5)
    assert list(full.columns) == SCAN_COLUMNS
    s = full.set_index("segment")
    assert s.loc["ops", "n"] == 20 and s.loc["ops", "answers"] == 100 and s.loc["ops", "rest_n"] == 20
    assert set(s["method"]) == {"cluster-robust"}
    ops, it = d[d["team"] == "ops"], d[d["team"] == "it"]
    r1, v1, _ = _cluster_by_hand(ops, ops["score"] >= 4)
    r0, v0, _ = _cluster_by_hand(it, it["score"] >= 4)
    assert s.loc["ops", "value"] == pytest.approx((ops["score"] >= 4).mean())  # share over answers
    assert s.loc["ops", "value"] == pytest.approx(r1)
    assert (s.loc["ops", "ci_low"], s.loc["ops", "ci_high"]) == pytest.approx(
        (r1 - Z95 * math.sqrt(v1), r1 + Z95 * math.sqrt(v1)))
    zz = (r1 - r0) / math.sqrt(v1 + v0)
    assert s.loc["ops", "p_value"] == pytest.approx(2 * stats.norm.sf(abs(zz)))
    # the rows-as-people test would be far too sure: its interval is narrower
    rows = scan(d, "team", metric="agree5", min_n=5, respondent=None).set_index("segment")
    assert rows.loc["ops", "n"] == 100 and rows.loc["ops", "method"] == "wilson-newcombe"
    assert (rows.loc["ops", "ci_high"] - rows.loc["ops", "ci_low"]) < (s.loc["ops", "ci_high"] - s.loc["ops", "ci_low"])


def test_one_answer_each_keeps_the_independent_methods_and_falls_back_to_customer_id():
    d = pd.DataFrame({"customer_id": [f"C{i}" for i in range(60)], "plan": ["A"] * 30 + ["B"] * 30,
                      "score": [10] * 15 + [0] * 15 + [10] * 20 + [0] * 10})
    assert respondent_column(d) == "customer_id"
    s = scan(d, "plan", min_n=10)
    pd.testing.assert_frame_equal(s, scan(d, "plan", min_n=10, respondent=None))
    assert set(s["method"]) == {"adjusted-wald"}
    # the same customers answering twice: 30 people per plan, not 60 answers
    twice = pd.concat([d, d], ignore_index=True)
    t = scan(twice, "plan", min_n=10).set_index("segment")
    assert t.loc["A", "n"] == 30 and t.loc["A", "answers"] == 60 and t.loc["A", "method"] == "cluster-robust"
    assert t.loc["A", "value"] == pytest.approx(0.0) and t.loc["B", "value"] == pytest.approx(100 * (20 - 10) / 30)


def test_enps_by_segment_with_every_respondent_anonymous():
    # ops: 10 promoters, 3 passives, 7 detractors (eNPS 15); it: 4, 8, 8 (eNPS -20); plus customer answers
    staff = pd.DataFrame({"team": ["ops"] * 20 + ["it"] * 20, "customer_id": [None] * 40, "survey": "enps",
                          "score": [10] * 10 + [8] * 3 + [2] * 7 + [9] * 4 + [7] * 8 + [0] * 8})
    other = pd.DataFrame({"team": ["ops"] * 5, "customer_id": ["C1"] * 5, "survey": "nps", "score": [0] * 5})
    r = enps_by_segment(pd.concat([staff, other], ignore_index=True), "team").set_index("segment")
    assert respondent_column(staff) is None
    assert r.loc["ops", "n"] == 20 and r.loc["it", "n"] == 20
    assert r.loc["ops", "value"] == pytest.approx(15.0) and r.loc["it", "value"] == pytest.approx(-20.0)
    assert r.loc["ops", "difference"] == pytest.approx(35.0)
    # adjusted-Wald interval of ops by hand (Rocks 2016)
    pp, dd = 10.75 / 23, 7.75 / 23
    half = Z95 * math.sqrt((pp + dd - (pp - dd) ** 2) / 23)
    assert (r.loc["ops", "ci_low"], r.loc["ops", "ci_high"]) == pytest.approx((100 * (pp - dd - half),
                                                                              100 * (pp - dd + half)))
    assert r["q_value"].notna().all() and (r["q_value"] >= r["p_value"] - 1e-12).all()
    assert enps_by_segment(staff, "team", min_n=25)["flag"].eq("n too small").all()


def test_empty_scans_keep_their_columns():
    d = pd.DataFrame({"team": pd.Series([], dtype=object), "score": pd.Series([], dtype=float)})
    assert list(scan(d, [], metric="nps").columns) == SCAN_COLUMNS
    assert list(segments.scan(d, "team").columns) == SCAN_COLUMNS


@pytest.mark.parametrize("moved", [True, False])
@pytest.mark.parametrize(("metric", "high"), [("nps", 10), ("csat", 5)])
def test_scan_in_duckdb_equals_the_pandas_scan_with_repeat_and_anonymous_respondents(metric, high, moved):
    """The cluster sums are computed in the engine (per respondent, then per level; every attribute from one
    query); every number equals pandas: respondents who moved between levels or kept theirs, anonymous rows,
    float and integer scores."""
    duckdb = pytest.importorskip("duckdb")
    rng = np.random.default_rng(3)
    n = 3000
    who = [None if x < 0.2 else f"C{int(x * 400):04d}" for x in rng.random(n)]
    home = {c: (rng.choice(["north", "south", "east", None]), rng.choice(["basic", "plus"])) for c in set(who) if c}
    region = rng.choice(["north", "south", "east", None], n) if moved else \
        [home[c][0] if c else rng.choice(["north", "south"]) for c in who]
    plan = rng.choice(["basic", "plus", "pro"], n) if moved else [home[c][1] if c else "pro" for c in who]
    d = pd.DataFrame({"score": rng.integers(0 if metric == "nps" else 1, high + 1, n).astype(float),
                      "region": region, "plan": plan, "customer_id": who})
    d.loc[rng.random(n) < 0.05, "score"] = np.nan
    con = duckdb.connect()
    for frame in (d, d.dropna(subset=["score"]).astype({"score": "int64"})):
        want = scan(frame, ["region", "plan"], metric, min_n=10)
        got = scan(con.from_df(frame), ["region", "plan"], metric, min_n=10)
        assert want["method"].iloc[0] == "cluster-robust"
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
        one = scan(con.from_df(frame), ["region"], metric, min_n=10)  # one attribute: its own query
        same = [c for c in SCAN_COLUMNS if c not in ("q_value", "flag")]  # (fewer tests: other q values)
        pd.testing.assert_frame_equal(one[same], want.loc[want["attribute"] == "region", same].reset_index(drop=True),
                                      check_dtype=False)
    bad = d.assign(score=d["score"].fillna(0) + high)  # out of scale: the same error either way
    with pytest.raises(Exception) as on_pandas:
        scan(bad, ["region", "plan"], metric)
    with pytest.raises(type(on_pandas.value), match="score"):
        scan(con.from_df(bad), ["region", "plan"], metric)


def test_scan_in_duckdb_with_columns_named_like_the_query_s_own():
    """Attributes named ``m`` and ``k`` (as the one-query path names its sums) and a respondent column ``y``: the
    same numbers as pandas."""
    duckdb = pytest.importorskip("duckdb")
    rng = np.random.default_rng(8)
    n = 2000
    d = pd.DataFrame({"score": rng.integers(0, 11, n), "m": rng.choice(["a", "b"], n), "k": rng.choice(["x", "z"], n),
                      "y": [f"C{int(v * 300):03d}" for v in rng.random(n)]})
    plain = scan(d.rename(columns={"m": "plan", "k": "kind", "y": "who"}), ["plan", "kind"], "nps", min_n=10,
                 respondent="who")
    want = scan(d, ["m", "k"], "nps", min_n=10, respondent="y")
    assert want["method"].iloc[0] == "cluster-robust"
    pd.testing.assert_frame_equal(want, plain.assign(attribute=plain["attribute"].map({"plan": "m", "kind": "k"})))
    got = scan(duckdb.connect().from_df(d), ["m", "k"], "nps", min_n=10, respondent="y")
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
