import numpy as np
import pandas as pd
import pytest

from carelib import metrics
from carelib.errors import DataError, ParameterError


def _answers(pro: int, pas: int, det: int, **cols) -> pd.DataFrame:
    d = pd.DataFrame({"score": [10] * pro + [8] * pas + [3] * det})
    return d.assign(**cols)


def test_nps_pinned_to_published_vectors():
    r = metrics.nps(_answers(90, 70, 40), method="wald").iloc[0]
    assert (r["n"], r["promoters"], r["passives"], r["detractors"]) == (200, 90, 70, 40)
    assert r["nps"] == pytest.approx(25.0)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((14.38, 35.62), abs=0.005)
    a = metrics.nps(_answers(90, 70, 40)).iloc[0]  # adjusted-Wald interval (Rocks 2016), plain value
    assert (a["nps"], a["ci_low"], a["ci_high"]) == pytest.approx((25.0, 14.09, 35.17), abs=0.005)


def test_compare_nps_z_and_p():
    d = pd.concat([_answers(90, 70, 40, period="now"), _answers(70, 60, 70, period="before")])
    r = metrics.compare_nps(d, group="period", baseline="before").iloc[0]
    assert r["z"] == pytest.approx(3.10, abs=0.01)
    assert r["p_value"] == pytest.approx(0.002, abs=0.0005)
    assert r["ci_low"] < r["difference"] < r["ci_high"]
    assert (r["nps"], r["baseline_nps"], r["difference"]) == pytest.approx((25.0, 0.0, 25.0))  # plain values
    with pytest.raises(ParameterError, match="baseline"):
        metrics.compare_nps(d, group="period", baseline="later")


def test_wilson_pinned():
    lo, hi = metrics.wilson(172, 200)
    assert (lo[0], hi[0]) == pytest.approx((0.8051, 0.9013), abs=5e-5)
    # edge cases: 0 and n successes stay inside [0, 1] and are not degenerate
    lo, hi = metrics.wilson([0, 10], [10, 10])
    assert lo[0] == pytest.approx(0) and hi[1] == pytest.approx(1)
    assert hi[0] == pytest.approx(0.2775, abs=1e-4) and lo[1] == pytest.approx(0.7225, abs=1e-4)


def test_bootstrap_is_seeded_and_close_to_wald():
    d = _answers(90, 70, 40)
    a = metrics.nps(d, method="bootstrap", seed=1)
    b = metrics.nps(d, method="bootstrap", seed=1)
    pd.testing.assert_frame_equal(a, b)
    w = metrics.nps(d, method="wald")
    assert abs(a["ci_low"].iloc[0] - w["ci_low"].iloc[0]) < 1.5


@pytest.mark.parametrize("n", [50, 500])
def test_interval_coverage_simulation(n):
    """Over 2,000 seeded samples the 95 % intervals cover the truth 94-96 % of the time."""
    rng = np.random.default_rng(20261124 + n)
    p = np.array([0.5, 0.3, 0.2])  # true NPS 30
    draws = rng.multinomial(n, p, size=2000)
    r = metrics.nps_from_counts(draws[:, 0], draws[:, 1], draws[:, 2])
    cover = ((r["ci_low"] <= 30) & (30 <= r["ci_high"])).mean()
    assert 0.94 <= cover <= 0.96, cover
    k = rng.binomial(n, 0.86, size=2000)
    lo, hi = metrics.wilson(k, np.full(2000, n))
    cover_w = ((lo <= 0.86) & (0.86 <= hi)).mean()
    assert 0.94 <= cover_w <= 0.96, cover_w


def test_groups_first_sorted_and_small_groups_kept_with_a_note():
    d = pd.concat([_answers(20, 10, 10, team="b"), _answers(3, 1, 1, team="a")])
    before = d.copy()
    r = metrics.nps(d, by="team", min_n=30)
    pd.testing.assert_frame_equal(d, before)  # input untouched
    assert list(r.columns[:2]) == ["team", "n"] and list(r["team"]) == ["a", "b"]
    assert np.isnan(r.loc[0, "nps"]) and r.loc[0, "note"] == "n too small (5 < 30)"
    assert r.loc[1, "nps"] == pytest.approx(100 * (20 - 10) / 40)  # the plain value, not the adjusted centre


def test_bad_scores_are_refused_with_a_clear_error():
    with pytest.raises(DataError, match=r"nps: row 1, column 'score': expected an integer 0-10, found 11"):
        metrics.nps(pd.DataFrame({"score": [10, 11]}))
    with pytest.raises(DataError, match=r"nps: row 0, column 'score': expected an integer 0-10, found 7.5"):
        metrics.nps(pd.DataFrame({"score": [7.5]}))
    with pytest.raises(DataError, match="no column"):
        metrics.nps(pd.DataFrame({"rating": [7]}))
    with pytest.raises(ParameterError, match="method"):
        metrics.nps(_answers(1, 1, 1), method="exact")
    with pytest.raises(ParameterError, match="confidence"):
        metrics.nps(_answers(1, 1, 1), confidence=95)


def test_missing_scores_are_counted_not_used():
    d = pd.DataFrame({"score": [10, None, 3, None]})
    r = metrics.nps(d).iloc[0]
    assert r["n"] == 2 and r["missing"] == 2


def test_empty_group_gives_nan_not_a_crash():
    r = metrics.nps(pd.DataFrame({"score": pd.Series([], dtype=float)}))
    assert r["n"].iloc[0] == 0 and np.isnan(r["nps"].iloc[0])


def test_proportion_top2box_with_wilson():
    d = pd.DataFrame({"score": [5] * 172 + [2] * 28})
    r = metrics.proportion(d.assign(top2=d["score"] >= 4), "top2").iloc[0]
    assert (r["successes"], r["trials"]) == (172, 200)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((0.8051, 0.9013), abs=5e-5)


def test_score_accounting_adds_up(tmp_path):
    from carelib.data.tables import load_table

    (tmp_path / "responses.csv").write_text(
        "response_id,submitted_at,survey,score\nR1,2026-01-01,nps,10\nR2,2026-01-01,nps,\nR3,2026-01-01,nps,11\nR4,2026-01-01,nps,5\n")
    loaded = load_table(tmp_path / "responses.csv", "responses", errors="exclude")
    r = metrics.nps(loaded.data).iloc[0]
    acc = metrics.score_accounting(loaded.report, used=int(r["n"]), missing=int(r["missing"]))
    assert acc["rows"].iloc[0] == 4 and acc["rows"].iloc[-1] == 2
    assert acc["rows"].iloc[0] + acc["rows"].iloc[1:-1].sum() == acc["rows"].iloc[-1]


# ---- the same call on every engine -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine_data(tmp_path_factory):
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"segment": rng.choice(["a", "b", "c"], 3000), "week": rng.choice(["W1", "W2"], 3000),
                      "score": rng.integers(0, 11, 3000).astype(float)})
    d.loc[::97, "score"] = np.nan
    path = tmp_path_factory.mktemp("engines") / "answers.parquet"
    d.to_parquet(path, index=False)
    return d, path


COUNTS = ["segment", "week", "n", "promoters", "passives", "detractors", "missing"]


def test_same_counts_on_pandas_polars_duckdb(engine_data):
    d, path = engine_data
    ref = metrics.nps(d, by=["segment", "week"])[COUNTS]
    pl = pytest.importorskip("polars", reason="polars is in the dev extra")
    duckdb = pytest.importorskip("duckdb", reason="duckdb is in the dev extra")
    got_pl = metrics.nps(pl.read_parquet(path), by=["segment", "week"])[COUNTS]
    got_dd = metrics.nps(duckdb.connect().read_parquet(str(path)), by=["segment", "week"])[COUNTS]
    for got in (got_pl, got_dd):
        pd.testing.assert_frame_equal(got.reset_index(drop=True), ref, check_dtype=False)


# ---- issue 14: every public metric checks its input and says where it is wrong --------------------------------

SCORE_FUNCS = [("nps", metrics.nps, "0-10"), ("enps", metrics.enps, "0-10"), ("csat", metrics.csat, "1-5"),
               ("ces", metrics.ces, "1-7"), ("pmf", metrics.pmf, "1-3"), ("ratings", metrics.ratings, "1-5")]


def _call(fn, frame):
    return fn(frame, "rating") if fn is metrics.ratings else fn(frame)


def _col(fn):
    return "rating" if fn is metrics.ratings else "score"


@pytest.mark.parametrize(("name", "fn", "scale"), SCORE_FUNCS)
def test_boolean_scores_are_refused_not_counted_as_0_and_1(name, fn, scale):
    col = _col(fn)
    frame = pd.DataFrame({col: [True, False, True]}, index=[10, 11, 12])
    with pytest.raises(DataError) as err:
        _call(fn, frame)
    assert str(err.value).startswith(f"{name}: row 10, column {col!r}: expected an integer {scale}, found True "
                                     "(a yes/no value, not a score); 3 row(s) like this")
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(("name", "fn", "scale"), SCORE_FUNCS)
def test_text_scores_are_refused_with_row_and_value(name, fn, scale):
    col = _col(fn)
    frame = pd.DataFrame({col: ["3", "eleven", None]})
    with pytest.raises(DataError, match=rf"^{name}: row 0, column '{col}': expected an integer {scale}, found '3' "
                                        r"\(text, not a number\); 2 row\(s\) like this; convert it"):
        _call(fn, frame)


@pytest.mark.parametrize(("name", "fn", "scale"), SCORE_FUNCS)
def test_out_of_scale_and_fractional_scores_name_the_first_row(name, fn, scale):
    col = _col(fn)
    with pytest.raises(DataError, match=rf"^{name}: row 'b', column '{col}': expected an integer {scale}, found 2.5; "
                                        r"2 row\(s\) like this"):
        _call(fn, pd.DataFrame({col: [3, 2.5, 99]}, index=["a", "b", "c"]))


def test_object_column_of_numbers_is_fine_and_mixed_objects_are_named():
    assert metrics.nps(pd.DataFrame({"score": pd.Series([10, 9, None, 3], dtype=object)})).loc[0, "n"] == 3
    with pytest.raises(DataError, match=r"^nps: row 1, column 'score': expected an integer 0-10, found 'x' \(text"):
        metrics.nps(pd.DataFrame({"score": pd.Series([10, "x", True], dtype=object)}))
    with pytest.raises(DataError, match=r"^nps: row 2, column 'score': expected an integer 0-10, found True"):
        metrics.nps(pd.DataFrame({"score": pd.Series([10, 9, True], dtype=object)}))


def test_missing_columns_are_named_with_what_is_there():
    with pytest.raises(DataError, match=r"^nps: no column 'score' in the data \(columns: rating\)"):
        metrics.nps(pd.DataFrame({"rating": [7]}))
    with pytest.raises(DataError, match=r"^csat: no column 'plan' in the data \(columns: score\)"):
        metrics.csat(pd.DataFrame({"score": [4]}), by="plan")
    with pytest.raises(DataError, match=r"^proportion: no column 'ok' in the data"):
        metrics.proportion(pd.DataFrame({"score": [4]}), "ok")


@pytest.mark.parametrize("confidence", ["0.95", 1.0, 0, 95, True, float("nan"), None])
def test_bad_confidence_is_a_parameter_error_everywhere(confidence):
    d = _answers(3, 2, 1)
    calls = [lambda: metrics.nps(d, confidence=confidence), lambda: metrics.csat(d.assign(score=4), confidence=confidence),
             lambda: metrics.wilson(3, 10, confidence), lambda: metrics.garwood(3, confidence),
             lambda: metrics.rate_ratio(3, 10, 2, 10, confidence),
             lambda: metrics.proportion(d.assign(ok=True), "ok", confidence=confidence)]
    for call in calls:
        with pytest.raises(ParameterError, match=r"confidence must be a number between 0 and 1 \(e.g. 0.95\), got"):
            call()


def test_proportion_needs_a_yes_no_column():
    d = pd.DataFrame({"ok": [1, 0, 2]})
    with pytest.raises(DataError, match=r"^proportion: row 0, column 'ok': expected true or false, found 1 "
                                        r"\(a number\); 3 row\(s\) like this; .*metrics.as_bool"):
        metrics.proportion(d, "ok")
    with pytest.raises(DataError, match=r"found 'yes' \(text\)"):
        metrics.proportion(pd.DataFrame({"ok": ["yes", "no"]}), "ok")
    objects = pd.DataFrame({"ok": pd.Series([True, None, False], dtype=object)})
    assert metrics.proportion(objects, "ok").loc[0, "successes"] == 1


@pytest.mark.parametrize(("call", "message"), [
    (lambda: metrics.wilson(-1, 10), r"successes must be counts \(numbers >= 0\), got -1"),
    (lambda: metrics.wilson(11, 10), r"successes must not exceed trials: got 11 successes in 10 trials"),
    (lambda: metrics.wilson("3", 10), r"successes must be counts \(numbers >= 0\), got '3'"),
    (lambda: metrics.wilson(True, 10), r"successes must be counts \(numbers >= 0\), got True"),
    (lambda: metrics.nps_from_counts(5, -1, 2), r"passives must be counts \(whole numbers >= 0\), got -1"),
    (lambda: metrics.nps_from_counts(5, 1.5, 2), r"passives must be counts \(whole numbers >= 0\), got 1.5"),
    (lambda: metrics.garwood([3, -2]), r"events must be counts \(whole numbers >= 0\), got -2"),
    (lambda: metrics.rate_ratio(3, 10, -1, 10), r"base_events must be counts \(whole numbers >= 0\), got -1"),
    (lambda: metrics.rate_ratio(3, 10, 1, "10"), r"base_exposure must be a positive number, got '10'"),
    (lambda: metrics.rate_ratio(3, 0, 1, 10), r"exposure must be a positive number, got 0"),
])
def test_counts_are_checked(call, message):
    with pytest.raises(ParameterError, match=message):
        call()


def test_compare_nps_with_an_empty_baseline_is_an_error_not_a_number():
    d = pd.DataFrame({"period": ["now"] * 3 + ["before"], "score": [10, 9, 3, None]})
    with pytest.raises(DataError, match=r"compare_nps: the baseline 'before' has no scores"):
        metrics.compare_nps(d, group="period", baseline="before")
