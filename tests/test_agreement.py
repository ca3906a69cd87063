"""Agreement statistics pinned to published values and independent computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from carelib.errors import ParameterError
from carelib.qual.agreement import agreement, cohen_kappa, krippendorff_alpha, percent_agreement

NAN = None
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the worked example:
# four observers, twelve units, missing values; nominal alpha = 0.743.
KRIPP = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]


def test_krippendorff_published_example():
    assert krippendorff_alpha(KRIPP) == pytest.approx(0.743, abs=5e-4)


def test_alpha_two_coders_matches_hand_computation():
    # Two coders, binary, no missing: alpha = 1 - (n-1) * disagreements / (n_0 * n_1 * 2) ... worked here:
    a = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0]
    b = [1, 0, 0, 0, 1, 0, 1, 1, 0, 0]
    # coincidences: each unit adds both ordered pairs with weight 1/(2-1)
    # o_00 = 2*5=10, o_11 = 2*3 = 6, o_01 = o_10 = 2 ; n_0 = 12, n_1 = 8, n = 20
    do = 4.0
    de = (20**2 - (12**2 + 8**2)) / 19
    assert krippendorff_alpha([a, b]) == pytest.approx(1 - do / de)


def test_cohen_kappa_hand_and_sklearn():
    a = ["x", "x", "y", "y", "z", "x", "y", "z", "z", "x"]
    b = ["x", "y", "y", "y", "z", "x", "x", "z", "y", "x"]
    po = 7 / 10
    pe = (4 / 10) * (4 / 10) + (3 / 10) * (4 / 10) + (3 / 10) * (2 / 10)
    assert cohen_kappa(a, b) == pytest.approx((po - pe) / (1 - pe))
    from sklearn.metrics import cohen_kappa_score

    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_degenerate_cases_are_explicit():
    assert math.isnan(cohen_kappa([1, 1, 1], [1, 1, 1]))
    assert percent_agreement([1, 1, 1], [1, 1, 1]) == 1.0
    assert math.isnan(krippendorff_alpha([[1, NAN], [NAN, 2]]))  # nothing pairable
    with pytest.raises(ParameterError):
        percent_agreement([1], [1, 2])
    with pytest.raises(ParameterError):
        krippendorff_alpha([[1, 2, 3]])


def test_agreement_per_code_and_pooled():
    rows = [
        (1, "price", "ana"), (1, "price", "bot"), (2, "price", "ana"), (2, "delivery", "bot"),
        (3, "delivery", "ana"), (3, "delivery", "bot"), (4, "price", "bot"),
    ]
    c = pd.DataFrame(rows, columns=["unit", "code", "coder"])
    out = agreement(c, "ana", "bot", units=[1, 2, 3, 4, 5])
    assert out["code"].tolist() == ["delivery", "price", "(all codes, pooled)"]
    price = out.set_index("code").loc["price"]
    a = [1, 1, 0, 0, 0]
    b = [1, 0, 0, 1, 0]
    assert price["units"] == 5 and price["a_yes"] == 2 and price["b_yes"] == 2 and price["both_yes"] == 1
    assert price["percent_agreement"] == pytest.approx(0.6)
    assert price["kappa"] == pytest.approx(round(cohen_kappa(a, b), 3))
    pooled = out.iloc[-1]
    assert pooled["units"] == 5 and pooled["a_yes"] == 3 and pooled["b_yes"] == 4
    assert pooled["percent_agreement"] == pytest.approx(0.7)  # 10 decisions, 3 disagreements


def test_agreement_names_bad_input():
    c = pd.DataFrame({"unit": [1], "code": ["x"], "coder": ["ana"]})
    with pytest.raises(ParameterError, match="coder 'bob' not found; coders are \\['ana'\\]"):
        agreement(c, "ana", "bob")
    with pytest.raises(ParameterError, match="no column 'segment'"):
        agreement(c, "ana", "ana", unit="segment")


def test_alpha_on_random_coders_is_near_zero():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, 4000)
    b = rng.integers(0, 3, 4000)
    assert abs(krippendorff_alpha([a, b])) < 0.05
