"""Control charts and rule signals."""

import numpy as np
import pandas as pd
import pytest

from carelib.errors import DataError, ParameterError
from carelib.metrics import spc


def test_p_chart_binomial_limits_by_hand():
    c = spc.p_chart([10, 20], [100, 400], ["a", "b"], laney=False)
    pbar = 30 / 500
    assert c["centre"].tolist() == pytest.approx([pbar, pbar])
    assert c["ucl"].iloc[1] == pytest.approx(pbar + 3 * np.sqrt(pbar * (1 - pbar) / 400))
    assert c["lcl"].iloc[0] == pytest.approx(max(0, pbar - 3 * np.sqrt(pbar * (1 - pbar) / 100)))
    with pytest.raises(DataError):
        spc.p_chart([5], [4])


def test_laney_widens_limits_for_overdispersed_large_subgroups():
    rng = np.random.default_rng(0)
    p = np.clip(0.2 + rng.normal(0, 0.02, 40), 0, 1)  # real week-to-week variation
    n = np.full(40, 20000)
    e = rng.binomial(n, p)
    plain = spc.p_chart(e, n, laney=False)
    laney = spc.p_chart(e, n)
    assert len(spc.signals(plain)) > 10  # binomial limits flag noise at this size
    assert (laney["ucl"] > plain["ucl"]).all()
    assert len(spc.signals(laney)) < len(spc.signals(plain)) / 3


def test_xmr_constants():
    x = [10.0, 12, 11, 15, 13]
    c = spc.xmr(x)
    mr = np.mean(np.abs(np.diff(x)))
    assert c["ucl"].iloc[0] == pytest.approx(np.mean(x) + 2.66 * mr, rel=1e-3)
    assert c["mr_ucl"].iloc[0] == pytest.approx(3.267 * mr)


def _z_chart(z):
    return pd.DataFrame({"period": range(len(z)), "value": z, "centre": 0.0, "sigma": 1.0})


@pytest.mark.parametrize("z,rule,at", [
    ([0, 0, 3.5, 0], "WE1", 2),
    ([0, 2.5, 0.1, 2.4, 0], "WE2", 3),
    ([0, 1.5, 1.2, -0.3, 1.1, 1.3, 0], "WE3", 5),
    ([0.2] * 8, "WE4", 7),
])
def test_western_electric_rules(z, rule, at):
    s = spc.signals(_z_chart(z))
    assert [rule, at] in s[["rule", "period"]].values.tolist()


@pytest.mark.parametrize("z,rule,at", [
    ([0.3] * 9, "N2", 8),
    ([-1.0, -0.8, -0.5, 0.0, 0.4, 0.9], "N3", 5),
    ([0.5, -0.5] * 7, "N4", 13),
    ([0.2, -0.2] * 8, "N7", 14),
    ([1.5, -1.5] * 4, "N8", 7),
])
def test_nelson_rules(z, rule, at):
    s = spc.signals(_z_chart(z), rules="nelson")
    assert [rule, at] in s[["rule", "period"]].values.tolist()


def test_no_signals_on_quiet_series_and_phases_have_own_limits():
    rng = np.random.default_rng(1)
    beyond = [spc.signals(spc.xmr(rng.normal(0, 1, 25))) for _ in range(400)]
    we1 = sum(int((s["rule"] == "WE1").sum()) for s in beyond) / (400 * 25)
    assert we1 < 0.01  # about 0.3 % of points in a stable process
    x = np.r_[rng.normal(10, 1, 20), rng.normal(20, 1, 20)]
    one = spc.xmr(x)
    two = spc.xmr(x, phase=["before"] * 20 + ["after"] * 20)
    assert two["centre"].nunique() == 2 and two["centre"].iloc[-1] == pytest.approx(x[20:].mean())
    assert len(spc.signals(two)) < len(spc.signals(one))
    with pytest.raises(ParameterError):
        spc.signals(one, rules="magic")
