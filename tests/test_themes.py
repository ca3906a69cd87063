"""ThemeModel: quality on real intents, reproducibility, transform/save/load, large corpora and bad input."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score as nmi

from carelib.errors import DataError, ParameterError
from carelib.text.themes import UNASSIGNED, ThemeModel
from tests.conftest import shared_file

SMALL = (["my parcel is late again", "parcel arrived two days late", "courier was late with my parcel",
          "late delivery and no tracking", "still waiting for the late parcel"]
         + ["the app login loop is back", "cannot log in to the app", "app keeps logging me out",
            "login fails in the app every time", "stuck on the app login screen"]
         + ["I was charged twice for one order", "double charge on my card", "refund the second charge please",
            "payment taken twice", "two charges for the same order"])
GOLD = [0] * 5 + [1] * 5 + [2] * 5


@pytest.fixture(scope="module")
def banking(shared_data) -> pd.DataFrame:
    """20 intents of the banking77 test split (about 800 real customer queries)."""
    d = pd.read_csv(shared_file(shared_data, "banking77", "test.csv"))
    keep = sorted(d["category"].unique())[:20]
    return d[d["category"].isin(keep)].reset_index(drop=True)


def test_small_corpus_recovers_planted_themes_with_labels_and_quotes():
    m = ThemeModel(n_themes=3, seed=0).fit(SMALL)
    assert nmi(GOLD, m.labels_) == pytest.approx(1.0)
    t = m.themes_
    assert list(t.columns[:6]) == ["theme", "label", "size", "share", "terms", "quotes"]
    assert t["size"].sum() == len(SMALL) and t["share"].sum() == pytest.approx(1.0, abs=0.01)
    assert all(len(q) == 3 and set(q) <= set(SMALL) for q in t["quotes"])
    labels = " ".join(t["label"])
    assert "login" in labels and ("charge" in labels or "twice" in labels) and ("late" in labels or "parcel" in labels)


def test_quotes_are_different_sentences_not_the_same_template_twice():
    texts = [f"No updates for a week on order O{n:06d}." for n in range(6)] + [
        "No tracking updates for my order at all", "Still no updates on my order this week",
        "Love the wool throw", "The wool throw is lovely", "Lovely soft wool throw", "Wool throw, so soft"]
    m = ThemeModel(n_themes=2, seed=0).fit(texts)
    for quotes in m.themes_["quotes"]:
        shapes = [" ".join(q.lower().replace(".", "").split()[:-1]) if "O0" in q else q for q in quotes]
        assert len(set(shapes)) == len(quotes), quotes


@pytest.mark.slow
def test_real_intents_quality_same_seed_identical_and_seeds_agree(banking):
    texts, gold = banking["text"].tolist(), banking["category"]
    runs = {seed: ThemeModel(n_themes=20, seed=seed).fit(texts).labels_ for seed in range(5)}
    again = ThemeModel(n_themes=20, seed=0).fit(texts).labels_
    assert np.array_equal(runs[0], again)  # same seed: identical labels
    pairwise = [nmi(a, b) for a, b in itertools.combinations(runs.values(), 2)]
    assert np.mean(pairwise) >= 0.9, pairwise  # five seeds: the same themes
    assert nmi(gold, runs[0]) > 0.7  # 20 real intents: most queries land with their own intent


def test_automatic_number_of_themes_is_in_range_and_recorded(banking):
    m = ThemeModel(k_range=(5, 40), seed=0).fit(banking["text"])
    assert 5 <= m.n_themes_ <= 40 and m.n_themes_ in m.silhouettes_
    assert len(m.silhouettes_) <= 8 and set(m.smallest_shares_) == set(m.silhouettes_)
    # the rule of the module notes: the best silhouette among the numbers whose smallest theme holds >= 2 %
    eligible = {k: s for k, s in m.silhouettes_.items() if m.smallest_shares_[k] >= 0.02}
    assert eligible and m.n_themes_ == max(eligible, key=eligible.get)
    sizes = np.bincount(m.labels_[m.labels_ >= 0])
    assert sizes.min() / sizes.sum() >= 0.02 or m.n_themes_ < m.silhouettes_.__len__()  # recomputed from labels_
    assert m.n_themes_ < 40  # the plain silhouette maximum is the top of the range here


def test_labels_use_only_terms_of_the_theme():
    m = ThemeModel(n_themes=3, seed=0).fit(SMALL)
    for terms, members in zip(m.themes_["terms"], m.themes_["members"], strict=True):
        texts = [SMALL[i].lower() for i in members]
        for term in terms:  # every label term is in >= 5 % of the theme's own texts (here: at least one)
            assert sum(term in t for t in texts) >= max(1, 0.05 * len(texts)), (term, texts)


def test_labels_are_not_padded_with_zero_weight_terms():
    texts = ["fees", "fees", "fees account", "login", "login app", "login"]
    m = ThemeModel(n_themes=2, seed=0, top_terms=6).fit(texts)
    for terms, members in zip(m.themes_["terms"], m.themes_["members"], strict=True):
        words = {w for i in members for w in texts[i].split()}
        assert terms and all(set(t.split()) <= words for t in terms) and len(terms) < 6


def test_transform_keeps_theme_ids_and_batches_do_not_matter(banking):
    texts = banking["text"].tolist()
    m = ThemeModel(n_themes=20, seed=0).fit(texts)
    back = m.transform(texts)
    assert (back == m.labels_).mean() > 0.95  # the fitted texts go back to their own themes
    assert np.array_equal(m.transform(texts[:300], batch_size=7), back[:300])
    new = m.transform(["", None, 3.5, "   "] + texts[:2])
    assert new[:4].tolist() == [UNASSIGNED] * 4 and new[4:].tolist() == back[:2].tolist()


def test_a_warm_start_begins_from_the_given_themes():
    from sklearn.metrics import adjusted_rand_score

    start = np.tile(np.array(GOLD)[::-1], 2)  # the gold groups under other numbers
    m = ThemeModel(n_themes=3, seed=0).fit(SMALL * 2, start)
    assert adjusted_rand_score(start, m.labels_) == 1.0 and m.n_themes == 3  # (the argument is left as given)
    assert ThemeModel(seed=0).fit(SMALL * 2, start).n_themes_ == 3  # without n_themes: as many as the labels hold
    with pytest.raises(ParameterError, match="init_labels has 2 values for 30 texts"):
        ThemeModel(n_themes=3).fit(SMALL * 2, np.array([0, 1]))


def test_save_and_load_round_trip(tmp_path):
    m = ThemeModel(n_themes=3, seed=0).fit(SMALL)
    path = m.save(tmp_path / "themes.npz")
    again = ThemeModel.load(path)
    new = ["my card was charged twice", "the courier is late", "login loop in the app"]
    assert np.array_equal(again.transform(new), m.transform(new))
    assert np.array_equal(again.vectors(new, themed=False), m.vectors(new, themed=False))
    pd.testing.assert_frame_equal(again.themes_, m.themes_)
    assert m.save(tmp_path / "again.npz").read_bytes() == path.read_bytes()  # no timestamp in the file
    (tmp_path / "other.pkl").write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(DataError, match="other.pkl: not a saved ThemeModel"):
        ThemeModel.load(tmp_path / "other.pkl")
    np.savez(tmp_path / "foreign.npz", header=np.array([{"format": "x"}], dtype=object))  # an object array
    with pytest.raises(DataError, match="foreign.npz: not a saved ThemeModel"):
        ThemeModel.load(tmp_path / "foreign.npz")
    with pytest.raises(ParameterError, match="fit the ThemeModel"):
        ThemeModel().transform(["x"])


def test_large_corpus_samples_the_fit_and_assigns_every_text(banking):
    texts = banking["text"].tolist()
    m = ThemeModel(n_themes=20, seed=0, max_fit=300).fit(texts)
    assert m.fitted_on_ == 300
    assert (m.labels_ >= 0).all() and len(m.labels_) == len(texts)  # every text has a theme
    assert not np.isnan(m.distances_).any() and m.themes_["size"].sum() == len(texts)
    full = ThemeModel(n_themes=20, seed=0).fit(texts)
    assert nmi(full.labels_, m.labels_) > 0.7  # the sample finds much the same themes


def test_bad_input_clear_errors_or_documented_result():
    with pytest.raises(DataError, match="at least 2 texts with content; got 0 of 0"):
        ThemeModel().fit([])
    with pytest.raises(DataError, match="got 1 of 1"):
        ThemeModel().fit(["only one text"])
    with pytest.raises(DataError, match="got 1 of 4"):
        ThemeModel().fit(["one", "", None, float("nan")])
    with pytest.raises(DataError, match="every text is the same"):
        ThemeModel().fit(["same text"] * 10 + ["Same text "])
    with pytest.raises(ParameterError, match="vectorizer must be"):
        ThemeModel(vectorizer="bert").fit(SMALL)
    with pytest.raises(ParameterError, match="n_themes must be between 1"):
        ThemeModel(n_themes=99).fit(SMALL)
    # non-text values and empty strings: unassigned (-1) and counted, never a crash
    m = ThemeModel(n_themes=3, seed=0).fit(SMALL + ["", None, 42, float("nan"), "  "])
    assert m.unassigned_ == 5 and (m.labels_[-5:] == UNASSIGNED).all() and (m.labels_[:-5] >= 0).all()
    # many copies of a few texts (a form's preset answers): no crash, the copies stay together
    m = ThemeModel(n_themes=3, seed=0).fit(["parcel late", "charged twice", "rude agent"] * 10)
    assert len(set(m.labels_[::3])) == 1 and len(set(m.labels_)) == 3
    auto = ThemeModel(k_range=(4, 30), seed=0).fit(["parcel late", "charged twice", "rude agent"] * 10)
    assert auto.n_themes_ == 3 and (auto.themes_["size"] == 10).all()  # never an empty theme
    assert ThemeModel(n_themes=5, seed=0).fit(["parcel late", "charged twice", "rude agent"] * 10).n_themes_ == 3
    # texts of stop words only still get themes (characters carry them); punctuation only is a non-answer
    m = ThemeModel(n_themes=2, seed=0).fit(["the the", "and and", "!!!", "???", "it is", "of the"])
    assert (m.labels_[[0, 1, 4, 5]] >= 0).all() and (m.labels_[[2, 3]] == UNASSIGNED).all()
    assert m.themes_["size"].sum() == 4 and m.non_answers_ == 2


def test_emerging_finds_a_planted_new_and_rising_theme_with_fdr_control():
    from carelib.text import voc

    rng = np.random.default_rng(1)
    base = rng.choice(["delivery", "login", "returns", "quality"], size=2000, p=[0.3, 0.2, 0.3, 0.2])
    now = np.concatenate([rng.choice(["delivery", "login", "returns", "quality"], size=400, p=[0.3, 0.3, 0.2, 0.2]),
                          ["double charge"] * 30])
    themes = pd.Series(np.concatenate([base, now]))
    weeks = pd.Series(["2026-W30"] * 1000 + ["2026-W31"] * 1000 + ["2026-W34"] * len(now))
    out = voc.emerging(themes, weeks, ["2026-W34"], ["2026-W30", "2026-W31"]).set_index("theme")
    assert out.loc["double charge", "status"] == "new" and out.loc["double charge", "before"] == 0
    assert out.loc["delivery", "status"] == "" and out.loc["quality", "status"] == ""
    assert (out["q_value"] >= out["p_value"] - 1e-12).all()
    assert out.loc[["login", "returns"], "ratio"].round(1).tolist()[0] > 1
    with pytest.raises(ParameterError, match="no texts in the review window"):
        voc.emerging(themes, weeks, ["2026-W40"], ["2026-W30"])
    with pytest.raises(ParameterError, match="same length"):
        voc.emerging(themes, weeks[:-1], ["2026-W34"], ["2026-W30"])


def test_one_huge_text_cannot_rename_a_theme():
    # issue 14: a 1 MB comment repeating two words must not become its theme's label
    late = [f"my parcel {w} late again" for w in ("was", "is", "came", "arrived", "got")] * 4
    login = [f"the app login {w} fails" for w in ("page", "screen", "button", "form", "link")] * 4
    base = ThemeModel(n_themes=2, seed=0).fit(late + login)
    attack = "parcel late but mostly: refund scam " * 30000  # about 1 MB
    m = ThemeModel(n_themes=2, seed=0).fit(late + login + [attack])
    assert len(attack) > 1_000_000
    assert sorted(m.themes_["label"]) == sorted(base.themes_["label"])
    assert not any({"refund", "scam"} & set(" ".join(t[:3]).split()) for t in m.themes_["terms"])
