"""Agreement statistics pinned to published values and independent computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from carelib.errors import ParameterError
from carelib.qual.agreement import (
    MIN_OVERLAP,
    agreement,
    agreement_by_code,
    align_spans,
    cohen_kappa,
    disagreements,
    krippendorff_alpha,
    percent_agreement,
)

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


# --- spans of different coders, any number of coders ------------------------------------------------------------

TURNS = pd.DataFrame({"source": ["a", "a", "b"], "start": [0, 100, 0], "end": [100, 200, 80],
                      "unit": ["a#1", "a#2", "b#1"]})


def test_span_overlap_rule():
    spans = pd.DataFrame({"source": ["a", "a", "a", "a", "b", "c"], "start": [10, 0, 90, 60, 0, 0],
                          "end": [30, 200, 130, 140, 80, 10], "code": list("uvwxyz")})
    placed = align_spans(spans, TURNS)
    got = {(r.code, r.unit) for r in placed.itertuples()}
    # a sentence inside a turn codes it; a span over two turns codes both; 90-130 shares 10 characters with a#1
    # (less than half of the 40-character span) and 30 with a#2: a#2 only; 60-140 shares 40 with each turn, half
    # of the 80-character span: both; a span of an unknown source codes nothing, and is kept with no unit
    assert got == {("u", "a#1"), ("v", "a#1"), ("v", "a#2"), ("w", "a#2"), ("x", "a#1"), ("x", "a#2"),
                   ("y", "b#1"), ("z", None)}
    assert MIN_OVERLAP == 0.5
    strict = align_spans(spans, TURNS, min_overlap=0.9)
    assert set(strict.loc[strict["code"] == "x", "unit"].isna()) == {True}  # 40 of 80 is not 90 %
    with pytest.raises(ParameterError, match="min_overlap"):
        align_spans(spans, TURNS, min_overlap=0)
    assert spans.shape == (6, 4)  # input not changed


def test_agreement_by_code_two_coders_hand_table():
    # code x on 10 units: both yes on 3, A only on 1, B only on 1, neither on 5
    rows = [(u, "x", c) for u in range(3) for c in "AB"] + [(3, "x", "A"), (4, "x", "B")]
    c = pd.DataFrame(rows, columns=["unit", "code", "coder"])
    out = agreement_by_code(c, range(10)).set_index("code")
    po, pe = 8 / 10, (4 / 10) * (4 / 10) + (6 / 10) * (6 / 10)
    assert out.loc["x", "kappa"] == pytest.approx(round((po - pe) / (1 - pe), 3))
    # coincidences: o_11 = 6, o_00 = 10, o_01 = o_10 = 2; n_1 = 8, n_0 = 12, n = 20
    assert out.loc["x", "alpha"] == pytest.approx(round(1 - 19 * 2 / (8 * 12), 3))
    assert out.loc["x", ["units", "A", "B", "percent_agreement"]].tolist() == [10, 4, 4, 0.8]


def test_agreement_by_code_three_coders_with_a_unit_unseen():
    # three coders on 4 units; C did not see unit 3. Code x: A yes on 0,1; B yes on 0,1; C yes on 0 only.
    rows = [(0, "x", "A"), (1, "x", "A"), (0, "x", "B"), (1, "x", "B"), (0, "x", "C")]
    c = pd.DataFrame(rows, columns=["unit", "code", "coder"])
    out = agreement_by_code(c, [0, 1, 2, 3], seen={"C": {0, 1, 2}}).set_index("code")
    # values per unit: u0 (1,1,1) u1 (1,1,0) u2 (0,0,0) u3 (0,0,-): coincidences with weight 1/(m-1)
    # u0: o_11 += 3 ; u1: o_11 += 1, o_10 = o_01 += 1 ; u2: o_00 += 3 ; u3: o_00 += 2
    o11, o00, o01 = 4, 5, 1
    n1, n0 = o11 + o01, o00 + o01
    n = n1 + n0
    assert out.loc["x", "alpha"] == pytest.approx(round(1 - (n - 1) * o01 / (n1 * n0), 3))
    assert math.isnan(out.loc["x", "kappa"])  # Cohen's kappa is for two coders
    assert out.loc["x", "percent_agreement"] == 0.75  # u1 split
    with pytest.raises(ParameterError, match="two coders or more"):
        agreement_by_code(c, [0, 1], coders=["A"])


def test_disagreements_list_each_coders_codes():
    c = pd.DataFrame({"unit": [1, 1, 2, 2, 3], "code": ["x", "x", "x", "y", "z"], "coder": ["A", "B", "A", "B", "A"]})
    out = disagreements(c, [1, 2, 3, 4], seen={"B": {1, 2, 4}})
    assert out.to_dict("records") == [{"unit": 2, "A": "x", "B": "y", "in_dispute": "x; y"}]
    out = disagreements(c, [3, 2, 1])  # B saw unit 3 and gave nothing
    assert out["unit"].tolist() == [3, 2] and out.iloc[0]["B"] == "(no code)"


def test_pooled_kappa_and_alpha_match_the_existing_two_coder_function():
    rows = [(1, "price", "ana"), (1, "price", "bot"), (2, "price", "ana"), (2, "delivery", "bot"),
            (3, "delivery", "ana"), (3, "delivery", "bot"), (4, "price", "bot")]
    c = pd.DataFrame(rows, columns=["unit", "code", "coder"])
    old = agreement(c, "ana", "bot", units=[1, 2, 3, 4, 5])
    new = agreement_by_code(c, [1, 2, 3, 4, 5])
    for col in ("kappa", "alpha", "percent_agreement"):
        assert new[col].tolist() == pytest.approx(old[col].tolist())
