"""Automatic coding and participant counts."""

from __future__ import annotations

import importlib.util
import sys

import pandas as pd
import pytest

from carelib.errors import ParameterError
from carelib.qual.codebook import codebook_from_records
from carelib.qual.coding import auto_code, co_occurrence, code_matrix
from tests.conftest import ROOT, shared_file

BOOK = codebook_from_records(
    [
        {"code": "late_delivery", "definition": "The parcel came late or not at all.",
         "keywords": ["late", "delay*", "where is my order", "tracking"], "exclude": ["not late"]},
        {"code": "rigid_returns", "definition": "A return was refused by policy.",
         "keywords": ["policy", "refund*", "nothing I can do"]},
        {"code": "login_loop", "definition": "The app keeps sending the user back to log in.",
         "keywords": ["log* in", "login", "password"]},
    ]
)
EXCERPTS = pd.DataFrame(
    {
        "excerpt_id": ["e1", "e2", "e3", "e4", "e5"],
        "participant_id": ["P1", "P1", "P2", "P3", "P3"],
        "text": [
            "It was late again and the tracking never moved.",
            "They said that's our policy and refused the refund.",
            "The app logs me out and I have to log in again, every time",
            "Honestly the lamp is beautiful.",
            "It was not late, but the box was crushed.",
        ],
    }
)


def test_lexical_coding_finds_codes_with_evidence():
    out = auto_code(EXCERPTS, BOOK)
    got = {(r.excerpt_id, r.code) for r in out.itertuples()}
    assert got == {("e1", "late_delivery"), ("e2", "rigid_returns"), ("e3", "login_loop")}
    e1 = out[out.excerpt_id == "e1"].iloc[0]
    assert e1.matched == "late; tracking" and e1.confidence >= 0.7
    assert out["confidence"].between(0, 1).all()


def test_exclude_phrase_and_threshold_are_honoured():
    out = auto_code(EXCERPTS, BOOK, threshold=0.0)
    e5 = out[(out.excerpt_id == "e5") & (out.code == "late_delivery")].iloc[0]
    e1 = out[(out.excerpt_id == "e1") & (out.code == "late_delivery")].iloc[0]
    assert e5.confidence < e1.confidence / 1.5  # "not late" halves it
    strict = auto_code(EXCERPTS, BOOK, threshold=0.9)
    assert set(strict["excerpt_id"]) <= {"e1", "e2", "e3"}
    assert len(auto_code(EXCERPTS, BOOK, threshold=1.0)) < len(out)


def test_coding_is_deterministic_and_checks_input():
    pd.testing.assert_frame_equal(auto_code(EXCERPTS, BOOK), auto_code(EXCERPTS, BOOK))
    with pytest.raises(ParameterError, match="no column 'body'"):
        auto_code(EXCERPTS, BOOK, text="body")
    with pytest.raises(ParameterError, match="threshold must be within 0..1"):
        auto_code(EXCERPTS, BOOK, threshold=2)
    with pytest.raises(ParameterError, match="method must be"):
        auto_code(EXCERPTS, BOOK, method="llm")
    assert auto_code(EXCERPTS.iloc[:0], BOOK).empty


def test_counts_are_by_participant_not_mention():
    coded = auto_code(EXCERPTS, BOOK).merge(EXCERPTS[["excerpt_id", "participant_id"]])
    coded = pd.concat([coded, coded])  # mentioned twice: still one participant
    people = pd.DataFrame({"participant_id": ["P1", "P2", "P3", "P4"], "plan": ["Plus", "Std", "Std", "Std"]})
    m = code_matrix(coded, people, by="plan").set_index(["code", "plan"])
    assert m.loc[("late_delivery", "Plus"), "participants"] == 1 and m.loc[("late_delivery", "Plus"), "share"] == 1.0
    assert m.loc[("login_loop", "Std"), "participants"] == 1 and m.loc[("login_loop", "Std"), "of"] == 3
    assert m.loc[("login_loop", "Plus"), "participants"] == 0  # shown, not dropped
    co = co_occurrence(coded)
    assert co.loc["late_delivery", "rigid_returns"] == 1 and co.loc["login_loop", "login_loop"] == 1


def test_agreement_with_human_coders_on_real_answers(shared_data):
    shared_file(shared_data, "llmcode-games-as-art-coded", "bopp_test.csv")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("coding_agreement", ROOT / "benchmarks" / "coding_agreement.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    table, _ = mod.evaluate("lexical")
    pooled = table.iloc[-1]
    assert pooled["units"] == 155
    # measured 0.681 (docs/coding-agreement.md); a broken coder falls far below
    assert pooled["kappa"] > 0.6 and pooled["alpha"] > 0.6


def test_human_codings_csv_round_trip_and_errors(tmp_path):
    from carelib.errors import DataError
    from carelib.qual.coding import read_codings, write_codings

    coded = pd.DataFrame({"interview_id": ["p01", "p02"], "span_start": [0, 10], "span_end": [5, 42],
                          "code": ["late-delivery", "rigid-returns"]})
    back = read_codings(write_codings(coded, tmp_path / "c.csv", coder="ana"))
    assert back[["interview_id", "span_start", "span_end", "code", "coder"]].astype(str).values.tolist() == [
        ["p01", "0", "5", "late-delivery", "ana"], ["p02", "10", "42", "rigid-returns", "ana"]]
    (tmp_path / "bad.csv").write_text("interview_id,span_start,span_end,code,coder\np01,5,x,late,ana\n")
    with pytest.raises(DataError, match=r"bad.csv row 2, column 'span_end': expected a character offset"):
        read_codings(tmp_path / "bad.csv")
    (tmp_path / "bad.csv").write_text("excerpt_id,code\np01#1,late\n")
    with pytest.raises(DataError, match=r"column 'coder': expected a column named 'coder'"):
        read_codings(tmp_path / "bad.csv")


@pytest.mark.slow
def test_embeddings_coder_and_themes_offline():
    from carelib.text.embeddings import embed, embeddings_available
    from tests.conftest import need

    ok, why = embeddings_available()
    need("embeddings", ok, why)
    v = embed(["The parcel never came", "My delivery did not arrive", "I love the wool throw"])
    assert v.shape == (3, 384)
    sims = v @ v.T
    assert sims[0, 1] > sims[0, 2]  # meaning, not words: no shared content word between 0 and 1
    book = codebook_from_records([
        {"code": "late-delivery", "definition": "An order that did not arrive on time", "keywords": ["late"]},
        {"code": "product-quality", "definition": "Praise for how well the products are made", "keywords": ["quality"]}])
    ex = pd.DataFrame({"excerpt_id": [1, 2], "text": ["The parcel still has not turned up", "Beautifully made, it lasts"]})
    coded = auto_code(ex, book, method="embeddings", threshold=0.2)
    top = coded.sort_values("confidence", ascending=False).drop_duplicates("excerpt_id").set_index("excerpt_id")
    assert top.loc[1, "code"] == "late-delivery" and top.loc[2, "code"] == "product-quality"
    from carelib.text.themes import ThemeModel

    texts = ["parcel late", "delivery never arrived", "courier lost my parcel",
             "app crashes at login", "cannot sign in to the app", "login loop in the app"]
    m = ThemeModel(n_themes=2, method="embeddings").fit(texts)
    assert len(set(m.labels_[:3])) == 1 and len(set(m.labels_[3:])) == 1 and m.labels_[0] != m.labels_[3]


# ---------------------------------------------------------------- an empty exclude is no phrase

EMPTY_YAML = """
- code: late
  definition: The parcel came late.
  keywords: [late, delay*]
  exclude: ''
- code: refund
  definition: Money back.
  keywords: [refund*, '', '  ']
  include: ''
"""
TURNS = pd.DataFrame({
    "excerpt_id": ["t1", "t2", "t3", "t4"],
    "participant_id": ["P1", "P2", "P3", "P3"],
    "text": ["It was late, again!", "Delayed. Twice.", "Lovely lamp, thanks.", "Refunded? No: never."],
})


def test_empty_phrases_are_dropped_when_the_codebook_is_read(tmp_path):
    from carelib.qual.codebook import load_codebook

    p = tmp_path / "codebook.yml"
    p.write_text(EMPTY_YAML, encoding="utf-8")
    book = load_codebook(p)
    assert book.set_index("code")["exclude"].to_dict() == {"late": [], "refund": []}
    assert book.set_index("code")["keywords"].to_dict() == {"late": ["late", "delay*"], "refund": ["refund*"]}
    assert book.set_index("code")["include"].to_dict() == {"late": [], "refund": []}
    coded = auto_code(TURNS, book)
    # one keyword each: 0.7 * 1/2 = 0.35 before similarity, so every excerpt with a keyword is coded
    assert sorted(zip(coded["excerpt_id"], coded["code"], strict=True)) == [
        ("t1", "late"), ("t2", "late"), ("t4", "refund")]
    assert (coded["confidence"] >= 0.35).all()
    # participants per code, by hand: late = P1, P2; refund = P3
    per_code = coded.merge(TURNS, on="excerpt_id").groupby("code")["participant_id"].nunique().to_dict()
    assert per_code == {"late": 2, "refund": 1}


def test_the_matcher_ignores_empty_phrases_of_a_hand_built_codebook():
    from carelib.qual.coding import keyword_pattern

    for empty in ("", "   ", "*"):
        assert keyword_pattern(empty).search("It was late, again!") is None
    book = pd.DataFrame([{"code": "late", "parent": None, "definition": "The parcel came late.",
                          "include": [""], "exclude": ["", " "], "keywords": ["late", "delay*", ""]}])
    plain = book.assign(exclude=[[]], keywords=[["late", "delay*"]], include=[[]])
    a, b = auto_code(TURNS, book), auto_code(TURNS, plain)
    pd.testing.assert_frame_equal(a, b)  # an empty exclude changes no confidence
    assert a["excerpt_id"].tolist() == ["t1", "t2"]


USABILITY_CODES = ["confus*", "unsure", "not sure", "did not know", "didn't know", "struggl*", "hesitat*"]


def test_usability_notes_count_every_confused_participant(shared_data):
    """JupyterLab usability test 2018: participants per code match a plain regex count, empty exclude or not."""
    import re

    path = shared_file(shared_data, "jupyterlab-usability-test-2018", "jupyterlab-ux-data.csv")
    raw = pd.read_csv(path, header=1)
    notes = raw.columns[-1]
    rows = raw[raw[notes].notna() & raw["Code Name"].notna()].reset_index(drop=True)
    excerpts = pd.DataFrame({"excerpt_id": range(len(rows)), "participant_id": rows["Code Name"],
                             "text": rows[notes].astype(str)})
    # independent count: any of the phrases as a whole word (a trailing * = any ending), case-insensitive
    alts = [re.escape(k.rstrip("*")).replace(r"\ ", r"\s+") + (r"\w*" if k.endswith("*") else "")
            for k in USABILITY_CODES]
    hit = excerpts["text"].str.contains(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", case=False, regex=True)
    want_excerpts, want_people = int(hit.sum()), excerpts.loc[hit, "participant_id"].nunique()
    assert want_people >= 10  # the data: most participants were confused at some point
    for exclude in ("", None):
        rec = {"code": "confusion", "definition": "The participant was confused or unsure what to do.",
               "keywords": USABILITY_CODES}
        if exclude is not None:
            rec["exclude"] = exclude
        coded = auto_code(excerpts, codebook_from_records([rec]))
        got = coded.merge(excerpts, on="excerpt_id")
        assert len(got) == want_excerpts
        assert got["participant_id"].nunique() == want_people


def test_empty_codings_keep_their_columns():
    empty = pd.DataFrame({"participant_id": pd.Series([], dtype=object), "code": pd.Series([], dtype=object)})
    people = pd.DataFrame({"participant_id": ["P1"], "plan": ["A"]})
    assert co_occurrence(empty).shape == (0, 0)
    assert code_matrix(empty, people, by="plan").columns.tolist() == ["code", "plan", "participants", "of", "share"]
    assert auto_code(EXCERPTS.iloc[0:0], BOOK).columns.tolist() == ["excerpt_id", "code", "confidence", "matched"]
