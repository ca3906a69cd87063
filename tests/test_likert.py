"""Likert agreement rate (agree5 / agree7): per question and segment, Wilson intervals by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from carelib import metrics
from carelib.errors import DataError, ParameterError
from carelib.metrics.definitions import definition
from carelib.scales import BOXES, SCALES, SCORE_SCALES


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927), written out."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _answers() -> pd.DataFrame:
    # Q1: ops 5,5,4,3,2 (3 agree of 5); it 4,1,1,2 (1 of 4). Q2: ops 3,3,3,3,3 (0); it 5,5,5,4 (4 of 4)
    return pd.DataFrame({
        "question": ["Q1"] * 9 + ["Q2"] * 9,
        "team": (["ops"] * 5 + ["it"] * 4) * 2,
        "score": [5, 5, 4, 3, 2, 4, 1, 1, 2, 3, 3, 3, 3, 3, 5, 5, 5, 4],
    })


def test_scales_registered():
    assert SCORE_SCALES["agree5"] == (1, 5) and SCORE_SCALES["agree7"] == (1, 7)
    assert BOXES["agree5"] == (1, 5, 4, 5) and BOXES["agree7"] == (1, 7, 5, 7)
    assert "strongly disagree" in SCALES["agree5"].question
    d = definition("agreement")
    assert "Wilson" in d["interval"] and "Likert" in d["reference"]


def test_agreement_rate_per_question_pinned_to_wilson():
    r = metrics.agreement_rate(_answers())
    assert r.columns.tolist() == ["question", "n", "agree", "rate", "ci_low", "ci_high", "missing", "note"]
    assert r[["question", "n", "agree"]].values.tolist() == [["Q1", 9, 4], ["Q2", 9, 4]]
    lo, hi = _wilson(4, 9)
    assert r.loc[0, "rate"] == pytest.approx(4 / 9)
    assert (r.loc[0, "ci_low"], r.loc[0, "ci_high"]) == pytest.approx((lo, hi), abs=1e-12)


def test_agreement_rate_per_question_and_segment():
    r = metrics.agreement_rate(_answers(), by="team").set_index(["question", "team"])
    assert r.loc[("Q1", "ops"), ["n", "agree"]].tolist() == [5, 3]
    assert r.loc[("Q2", "it"), ["n", "agree"]].tolist() == [4, 4]
    assert (r.loc[("Q2", "ops"), "ci_low"], r.loc[("Q2", "ops"), "ci_high"]) == pytest.approx(_wilson(0, 5))
    assert (r.loc[("Q2", "it"), "ci_low"], r.loc[("Q2", "it"), "ci_high"]) == pytest.approx(_wilson(4, 4))
    pooled = metrics.agreement_rate(_answers(), by="team", question=None).set_index("team")
    assert pooled.loc["ops", ["n", "agree"]].tolist() == [10, 3]


def test_agree7_and_errors():
    d = pd.DataFrame({"score": [7, 6, 5, 4, 1, None]})
    r = metrics.agreement_rate(d, scale="agree7").iloc[0]
    assert (r["n"], r["agree"], r["missing"]) == (5, 3, 1)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(_wilson(3, 5))
    with pytest.raises(DataError, match="agreement_rate"):
        metrics.agreement_rate(pd.DataFrame({"score": [6]}))  # 6 is not on agree5
    with pytest.raises(ParameterError, match="scale"):
        metrics.agreement_rate(d, scale="agree9")
    small = metrics.agreement_rate(_answers(), by="team", min_n=5)
    assert small.loc[small["n"] < 5, "note"].str.startswith("n too small").all()
    assert small.loc[small["n"] < 5, "rate"].isna().all()


def test_dete_exit_survey_agreement_items(shared_data):
    """Queensland DETE exit survey: SA/A/N/D/SD items as agree5, agreement counted by hand."""
    from tests.conftest import shared_file

    raw = pd.read_csv(shared_file(shared_data, "employee-exit-surveys-qld", "dete_survey.csv"), dtype=str)
    items = ["Staff morale", "Peer support", "Communication"]
    codes = {"SD": 1, "D": 2, "N": 3, "A": 4, "SA": 5}
    long = raw.melt(id_vars=["ID"], value_vars=items, var_name="question", value_name="answer")
    long["score"] = long["answer"].str.strip().map(codes)  # N/A, M and blanks are not on the scale
    r = metrics.agreement_rate(long).set_index("question")
    for q in items:
        a = long.loc[long["question"] == q, "answer"].str.strip()
        k, n = int(a.isin(["A", "SA"]).sum()), int(a.isin(list(codes)).sum())
        assert (r.loc[q, "n"], r.loc[q, "agree"]) == (n, k)
        assert (r.loc[q, "ci_low"], r.loc[q, "ci_high"]) == pytest.approx(_wilson(k, n))
