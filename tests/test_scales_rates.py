"""CSAT/CES/PMF boxes, star ratings, complaint rates: pinned to values computed independently here."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from carelib import metrics
from carelib.errors import DataError, ParameterError
from carelib.metrics.definitions import definitions, definitions_table


def test_csat_top2box_wilson_and_mean_from_raw_values():
    scores = [5] * 120 + [4] * 52 + [3] * 15 + [2] * 8 + [1] * 5  # 172 of 200 satisfied
    r = metrics.csat(pd.DataFrame({"score": scores + [None]})).iloc[0]
    assert (r["n"], r["successes"], r["missing"]) == (200, 172, 1)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((0.8051, 0.9013), abs=5e-5)
    lo, hi = stats.t.interval(0.95, len(scores) - 1, loc=np.mean(scores), scale=stats.sem(scores))
    assert (r["mean"], r["mean_low"], r["mean_high"]) == pytest.approx((np.mean(scores), lo, hi))


def test_ces_and_pmf_definitions():
    ces = metrics.ces(pd.DataFrame({"score": [7, 6, 5, 4, 1]})).iloc[0]
    assert ces["successes"] == 3 and ces["share"] == pytest.approx(0.6)
    pmf = metrics.pmf(pd.DataFrame({"plan": ["a", "a", "b", "b"], "score": [3, 2, 3, 3]}), by="plan")
    assert pmf["share"].tolist() == [0.5, 1.0]
    with pytest.raises(DataError, match=r"pmf: row 0, column 'score': expected an integer 1-3, found 4"):
        metrics.pmf(pd.DataFrame({"score": [4]}))
    with pytest.raises(DataError, match=r"csat: row 0, column 'score': expected an integer 1-5, found 0"):
        metrics.csat(pd.DataFrame({"score": [0, 5]}))


def test_small_groups_are_kept_and_blanked():
    d = pd.DataFrame({"team": ["A"] * 40 + ["B"] * 3, "score": [5] * 43})
    r = metrics.csat(d, by="team", min_n=30)
    assert r["team"].tolist() == ["A", "B"]
    assert np.isnan(r["share"].iloc[1]) and r["note"].iloc[1].startswith("n too small")


def test_ratings_bayesian_average_ranks_few_reviews_sensibly():
    d = pd.DataFrame({"item": ["many"] * 200 + ["few"] * 2 + ["bad"] * 9,
                      "rating": [4, 5] * 100 + [5, 5] + [1, 2, 1, 2, 1, 2, 3, 1, 4]})
    r = metrics.ratings(d, by="item", prior_weight=10).set_index("item")
    m = np.mean(d["rating"])
    assert r.loc["few", "bayes_avg"] == pytest.approx((10 * m + 10) / 12)
    assert r.loc["few", "mean"] == 5.0 and r.loc["few", "bayes_avg"] < r.loc["many", "bayes_avg"]
    assert r.loc["bad", "stars_1"] == 4 and r.loc["bad", "mean"] == pytest.approx(17 / 9)
    raw = [1, 2, 1, 2, 1, 2, 3, 1, 4]
    lo, hi = stats.t.interval(0.95, 8, loc=np.mean(raw), scale=stats.sem(raw))
    assert (r.loc["bad", "ci_low"], r.loc["bad", "ci_high"]) == pytest.approx((lo, hi))


def test_demo_floor_lamp_is_last_by_bayesian_average(demo_dir):
    reviews = pd.read_csv(demo_dir / "reviews.csv")
    r = metrics.ratings(reviews, by="product_id").sort_values("bayes_avg")
    assert r["product_id"].iloc[0] == "P016" and r["n"].iloc[0] == 9  # TRUTH.yml truth 8


def test_garwood_matches_published_table():
    lo, hi = metrics.garwood([0, 1, 10, 100])
    # Garwood (1936) / standard exact Poisson tables, 95 %
    assert lo.tolist() == pytest.approx([0.0, 0.0253, 4.7954, 81.3639], abs=1e-4)
    assert hi.tolist() == pytest.approx([3.6889, 5.5716, 18.3904, 121.63], abs=5e-3)


def test_rate_per_1000_and_zero_event_groups():
    ev = pd.DataFrame({"week": ["W1"] * 3})
    ex = pd.DataFrame({"week": ["W1"] * 1000 + ["W2"] * 500})
    r = metrics.rate(ev, ex, by="week")
    assert r["events"].tolist() == [3, 0] and r["rate"].tolist() == [3.0, 0.0]
    assert r["ci_high"].iloc[1] == pytest.approx(1000 * 3.6889 / 500, abs=1e-3)
    with pytest.raises(DataError, match="without exposure"):
        metrics.rate(pd.DataFrame({"week": ["W3"]}), ex, by="week")


def test_rate_ratio_exact_conditional_test():
    r = metrics.rate_ratio(30, 1000, 15, 1000)
    assert r["ratio"] == pytest.approx(2.0)
    # two-sided exact binomial: 30 of 45 at p = 1/2
    assert r["p_value"] == pytest.approx(stats.binomtest(30, 45, 0.5).pvalue)
    assert r["ci_low"] < 2.0 < r["ci_high"]
    same = metrics.rate_ratio(20, 2000, 10, 1000)
    assert same["ratio"] == pytest.approx(1.0) and same["p_value"] > 0.9
    with pytest.raises(ParameterError):
        metrics.rate_ratio(1, 0, 1, 10)


def test_rate_interval_coverage_simulation():
    rng = np.random.default_rng(7)
    k = rng.poisson(4.0, size=4000)
    lo, hi = metrics.garwood(k)
    cover = ((lo <= 4.0) & (4.0 <= hi)).mean()
    assert cover >= 0.95  # exact intervals are conservative


def test_definitions_registry_complete_and_overridable(tmp_path):
    d = definitions()
    for key in ("nps", "enps", "csat", "ces", "pmf", "stars", "complaint_rate", "first_response", "p_chart", "xmr"):
        assert key in d and all(d[key].values())
    extra = tmp_path / "definitions.yml"
    extra.write_text("nps:\n  name: x\n  scale: y\n  thresholds: z\n  formula: f\n  interval: i\n  reference: r\n")
    assert definitions_table(["nps"], extra=extra)["name"].iloc[0] == "x"
    extra.write_text("nps:\n  name: x\n")
    with pytest.raises(DataError, match="missing scale"):
        definitions(extra)
    with pytest.raises(ParameterError, match="no definition"):
        definitions_table(["nope"])


# ---- issue 14: inputs checked, errors name the table, the column and the value ---------------------------------

def test_rate_names_the_table_missing_a_group_column_and_checks_per():
    ev, ex = pd.DataFrame({"week": ["W1"]}), pd.DataFrame({"wk": ["W1"] * 10})
    with pytest.raises(DataError, match=r"^rate \(exposure\): no column 'week' in the data \(columns: wk\)"):
        metrics.rate(ev, ex, by="week")
    with pytest.raises(ParameterError, match=r"per must be a positive number, got -1"):
        metrics.rate(ev, ev, by="week", per=-1)


def test_ratings_refuse_bad_parameters():
    d = pd.DataFrame({"rating": [5, 4]})
    with pytest.raises(ParameterError, match=r"prior_weight must be a number >= 0, got 'x'"):
        metrics.ratings(d, prior_weight="x")
    with pytest.raises(ParameterError, match=r"min_n must be a positive integer, got 0"):
        metrics.ratings(d, min_n=0)
    with pytest.raises(ParameterError, match=r"min_n must be a positive integer, got 2.5"):
        metrics.csat(d.rename(columns={"rating": "score"}), min_n=2.5)


def test_empty_ratings_say_so_instead_of_a_number():
    r = metrics.ratings(pd.DataFrame({"rating": pd.Series([], dtype="Int64")}))
    assert r.loc[0, "n"] == 0 and np.isnan(r.loc[0, "mean"]) and np.isnan(r.loc[0, "bayes_avg"])
    assert r.loc[0, "note"] == "n too small (0 < 1)"
