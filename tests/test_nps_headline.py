"""The NPS/eNPS headline is % promoters − % detractors; the adjusted-Wald method only sets the interval."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from carelib import metrics
from carelib.metrics.intervals import nps_difference, nps_from_counts


def _answers(pro: int, pas: int, det: int, **cols) -> pd.DataFrame:
    return pd.DataFrame({"score": [9] * pro + [7] * pas + [6] * det}).assign(**cols)


def _adjusted(pro: float, det: float, n: float) -> tuple[float, float]:
    """Rocks (2016) by hand: +3/4 to promoters and detractors, +3 to n; estimate and variance (shares)."""
    pp, dd = (pro + 0.75) / (n + 3), (det + 0.75) / (n + 3)
    return pp - dd, (pp + dd - (pp - dd) ** 2) / (n + 3)


def test_ten_three_seven_of_twenty_is_fifteen():
    for fn in (metrics.nps, metrics.enps):
        r = fn(_answers(10, 3, 7)).iloc[0]
        assert r["nps"] == pytest.approx(15.0)  # 50 % − 35 %
        est, var = _adjusted(10, 7, 20)
        half = 1.959963985 * math.sqrt(var)
        assert (r["ci_low"], r["ci_high"]) == pytest.approx((100 * (est - half), 100 * (est + half)), abs=1e-6)
        assert r["ci_low"] < r["nps"] < r["ci_high"]


def test_every_method_reports_the_plain_value():
    for method in ("adjusted-wald", "wald", "bootstrap"):
        assert float(nps_from_counts(10, 3, 7, method=method)["nps"].iloc[0]) == pytest.approx(15.0)


def test_change_is_the_difference_of_plain_values_and_the_test_is_adjusted():
    r = nps_difference(10, 7, 20, 4, 4, 10)  # 15.0 now, 0.0 before
    assert float(r["value"]) == pytest.approx(15.0)
    assert float(r["rest_value"]) == pytest.approx(0.0)
    assert float(r["difference"]) == pytest.approx(15.0)
    e1, v1 = _adjusted(10, 7, 20)
    e0, v0 = _adjusted(4, 4, 10)
    z = (e1 - e0) / math.sqrt(v1 + v0)
    from scipy import stats

    assert float(r["p_value"]) == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert float(r["diff_low"]) == pytest.approx(100 * (e1 - e0 - 1.959963985 * math.sqrt(v1 + v0)), abs=1e-6)
    d = pd.concat([_answers(10, 3, 7, period="now"), _answers(4, 2, 4, period="before")])
    c = metrics.compare_nps(d, group="period", baseline="before").iloc[0]
    assert (c["nps"], c["baseline_nps"], c["difference"]) == pytest.approx((15.0, 0.0, 15.0))
    assert c["z"] == pytest.approx(z)


def test_segment_scan_value_is_plain():
    from carelib.analysis.segments import scan

    d = pd.concat([_answers(10, 3, 7, team="a"), _answers(4, 2, 4, team="b")])
    r = scan(d, "team", metric="enps", min_n=5).set_index("segment")
    assert r.loc["a", "value"] == pytest.approx(15.0) and r.loc["b", "value"] == pytest.approx(0.0)
    assert r.loc["a", "difference"] == pytest.approx(15.0)

