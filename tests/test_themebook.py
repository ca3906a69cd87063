"""The theme book: stable ids week to week, names people give surviving refits, the refit diff, labels, the demo."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from carelib import cli, periods
from carelib.demo import text as demo_text
from carelib.errors import DataError
from carelib.practices import voice_of_customer as practice
from carelib.text import themebook as tb
from carelib.text import voc
from tests.conftest import shared_file

LATE = ["my parcel is late again", "parcel arrived two days late", "courier was late with my parcel",
        "late delivery and no tracking", "still waiting for the late parcel"]
LOGIN = ["the app login loop is back", "cannot log in to the app", "app keeps logging me out",
         "login fails in the app every time", "stuck on the app login screen"]
CHARGE = ["I was charged twice for one order", "double charge on my card", "refund the second charge please",
          "payment taken twice", "two charges for the same order"]
RUDE = ["the agent was rude to me", "rude reply from the support agent", "support agent hung up, so rude",
        "agent was rude and unhelpful", "very rude agent on the phone"]
DOUBLE = "Complaint: I was charged twice for order O014897 after the app update. Refund the second payment."


def _book(texts, n, seed=0):
    return tb.fit_book(texts, n_themes=n, seed=seed, today="2026-12-07")


def test_match_themes_is_the_optimal_assignment_above_the_threshold():
    sim = np.array([[0.9, 0.8, 0.0], [0.85, 0.1, 0.0], [0.2, 0.3, 0.4]])
    assert tb.match_themes(sim) == {0: 1, 1: 0}  # greedy would pair 0-0 and leave 1 with 0.1
    assert tb.match_themes(sim, 0.3) == {0: 1, 1: 0, 2: 2}


@pytest.fixture(scope="module")
def intents(shared_data) -> pd.DataFrame:
    """Five banking77 intents, 60 queries each (real customer wording)."""
    d = pd.read_csv(shared_file(shared_data, "banking77", "train.csv"))
    keep = ["age_limit", "card_arrival", "exchange_rate", "pin_blocked", "top_up_failed"]
    return d[d["category"].isin(keep)].groupby("category").head(60).reset_index(drop=True)


def test_refit_keeps_ids_and_finds_new_and_retired_themes(intents):
    old = intents[intents["category"] != "top_up_failed"]
    book = tb.fit_book(old["text"].tolist(), n_themes=4, seed=0, today="2026-12-07")
    ids = tb.assign(book, old["text"]).groupby(old["category"].to_numpy())["theme"].agg(lambda s: s.mode()[0])
    now = intents[intents["category"] != "pin_blocked"]  # pins gone, failed top-ups new
    proposal = tb.refit(book, now["text"].tolist(), today="2026-12-08")
    diff = proposal.diff.set_index("id")
    assert diff.loc[ids["pin_blocked"], "change"] == "retired"
    assert set(diff.loc[ids.drop("pin_blocked").tolist(), "change"]) <= {"kept", "renamed"}
    assert diff.index[diff["change"].isin(["new", "split"])].tolist() == ["T05"]  # a fresh id, never a retired one
    after = tb.assign(proposal.book, now["text"]).groupby(now["category"].to_numpy())["theme"].agg(
        lambda s: s.mode()[0])
    assert after.drop("top_up_failed").to_dict() == ids.drop("pin_blocked").to_dict()  # the kept intents keep their ids
    retired = next(t for t in proposal.book.themes if t["id"] == ids["pin_blocked"])
    assert retired["status"] == "retired" and retired["history"][-1]["event"] == "retired"


def test_refit_with_fewer_themes_merges_and_with_more_splits():
    texts = (LATE + LOGIN + CHARGE) * 2
    book = _book(texts, 3)
    book.meta["model"]["n_themes"] = 2
    merged = tb.refit(book, texts).diff
    assert (merged["change"] == "merged").sum() == 1 and merged["note"].str.contains("merged into T0").any()
    small = _book(texts, 2)
    small.meta["model"]["n_themes"] = 3
    split = tb.refit(small, texts).diff
    assert (split["change"] == "split").sum() == 1 and split["note"].str.contains("split from T0").any()


def test_key_phrases_are_the_themes_own_words_and_verbatims_differ():
    texts = (LATE + LOGIN + CHARGE) * 2
    book = _book(texts, 3)
    labels = book.model.labels_
    for t in book.themes:
        own = " ".join(texts[i].lower() for i in np.flatnonzero(labels == t["model_theme"]))
        assert t["phrases"] and all(w in own.split() for p in t["phrases"] for w in p.split()), t
        assert len(t["quotes"]) == len(set(t["quotes"])) == 3
    # one long text repeating words cannot name its theme: a phrase counts once per text
    spam = "refund scam " * 5000
    spammed = _book(texts + [f"parcel late {spam}"], 3)
    assert not any("scam" in p for t in spammed.themes for p in t["phrases"])


def test_a_book_round_trips_and_a_broken_one_names_the_problem(tmp_path):
    book = _book((LATE + LOGIN + CHARGE) * 2, 3)
    folder = tb.save_book(book, tmp_path / "themes" / "complaints")
    again = tb.load_book(folder)
    assert again.names == book.names and again.threshold == pytest.approx(book.threshold, abs=1e-4)
    assert tb.assign(again, LATE).equals(tb.assign(book, LATE))
    doc = yaml.safe_load((folder / tb.BOOK_FILE).read_text())
    doc["themes"][1]["id"] = doc["themes"][0]["id"]
    (folder / tb.BOOK_FILE).write_text(yaml.safe_dump(doc))
    with pytest.raises(DataError, match="theme id 'T01' appears twice"):
        tb.load_book(folder)
    doc["themes"][1]["id"], doc["themes"][1]["model_theme"] = "T02", 7
    (folder / tb.BOOK_FILE).write_text(yaml.safe_dump(doc))
    with pytest.raises(DataError, match="theme T02: model_theme must be a theme of model.npz"):
        tb.load_book(folder)
    with pytest.raises(DataError, match="no theme book"):
        tb.load_book(tmp_path / "nowhere")


class _Planted:
    """A pickle that, once unpickled, creates a file: proof that it was (never must be) loaded."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_planted_pickle_is_never_unpickled(tmp_path):
    import pickle

    book = _book((LATE + LOGIN + CHARGE) * 2, 3)
    folder = tb.save_book(book, tmp_path / "ws" / "themes" / "complaints")
    assert sorted(p.name for p in folder.iterdir()) == ["model.npz", "themes.yml"]
    marker = tmp_path / "pwned"
    (folder / "model.pkl").write_bytes(pickle.dumps(_Planted(marker)))
    again = tb.load_book(folder)  # the safe files are read; the pickle beside them is not
    assert tb.assign(again, LATE).equals(tb.assign(book, LATE)) and not marker.exists()
    (folder / tb.MODEL_FILE).unlink()  # a book of the old format: refused, named, and not refitted over
    with pytest.raises(DataError, match=r"complaints/model\.pkl: a pickled theme model, which carelib never loads"):
        tb.load_book(folder)
    assert tb.has_book(tmp_path / "ws", "complaints") and not marker.exists()
    (folder / tb.MODEL_FILE).write_bytes((folder / "model.pkl").read_bytes())  # a pickle under the safe name
    with pytest.raises(DataError, match=r"model\.npz: not a saved ThemeModel"):
        tb.load_book(folder)
    assert not marker.exists()


def test_writing_a_book_twice_gives_the_same_bytes(demo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("CARELIB_TODAY", "2026-12-24")
    complaints = pd.read_csv(demo_dir / "complaints.csv").head(150)
    got = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        complaints.to_csv(tmp_path / name / "complaints.csv", index=False)
        practice.write_book(str(tmp_path / name), "complaints", today=None if name == "a" else "2026-12-24")
        got.append({f: (tb.book_folder(tmp_path / name, "complaints") / f).read_bytes()
                    for f in (tb.MODEL_FILE, tb.BOOK_FILE)})
    assert got[0] == got[1]
    assert "date: '2026-12-24'" in got[0][tb.BOOK_FILE].decode()  # the run's today, not the clock


def test_verbatims_see_through_a_template_with_another_product():
    texts = ["The table lamp broke after two weeks. Poor quality for the price.",
             "The wool throw broke after two weeks. Poor quality for the price.",
             "The knife block broke aftre two weeks. Poor quality for the price.",
             "Poor quality: the seams of the cushion split the first time I washed it.",
             "Cheap materials, poor quality for the price, it broke in the box."]
    vectors = np.array([[1.0, 0.0, 0.0], [0.99, 0.14, 0.0], [0.99, 0.0, 0.14], [0.8, 0.6, 0.0], [0.85, 0.0, 0.53]])
    centre = np.array([1.0, 0.0, 0.0])
    picked = tb.typical_verbatims(texts, vectors, centre)
    assert picked == [texts[0], texts[4], texts[3]]  # one quote of the template, then the other wordings
    assert tb.typical_verbatims(texts[:3], vectors[:3], centre) == texts[:1]  # one template: one quote
    # on the vectors alone (no wording similarity), the template comes back with another product
    assert tb._mmr(vectors @ centre, np.clip(vectors @ vectors.T, 0, 1), 2, 0.5)[1] in (1, 2)
    # near-tied typicality: the order is the texts', not the float noise of the dot products
    tied = np.array([[1.0, 0.0, 0.0], [1.0, 1e-12, 0.0]])
    assert tb.typical_verbatims(["b text", "a text"], tied, centre, top=1) == ["a text"]


def test_theme_weeks_wilson_by_hand():
    out = voc.theme_weeks(pd.Series(["T1"] * 3 + ["T2"] * 7), pd.Series(["2026-W01"] * 10)).set_index("theme")
    z = 1.959964
    centre, half = (0.3 + z * z / 20) / (1 + z * z / 10), z * np.sqrt(0.3 * 0.7 / 10 + z * z / 400) / (1 + z * z / 10)
    assert out.loc["T1", "share"] == 0.3 and out.loc["T1", "ci_low"] == pytest.approx(centre - half, rel=1e-5)
    assert out.loc["T1", "ci_high"] == pytest.approx(centre + half, rel=1e-5)


# --------------------------------------------------------------------------- the demo workspace


def _week(demo_dir, period: str, window: int = 1) -> pd.DataFrame:
    review = practice.open_review(str(demo_dir), source="complaints", period=period, window=window, save_book=False)
    assert review.book_state[1] == "read"  # the committed demo holds its book: weekly runs assign, never refit
    return review.themed


def test_demo_two_weekly_runs_give_the_same_text_the_same_id(demo_dir):
    w46, w47 = _week(demo_dir, "2026-W46"), _week(demo_dir, "2026-W47", window=2)
    both = w46[w46["week"] == "2026-W46"].merge(w47, on="complaint_id", suffixes=("_46", "_47"))
    assert len(both) >= 5 and (both["theme_46"] == both["theme_47"]).all()
    same_text = w46[w46["week"] == "2026-W46"].merge(w47[w47["week"] == "2026-W47"], on="text")
    assert (same_text["theme_x"] == same_text["theme_y"]).all()


def _status(themed: pd.DataFrame, period: str) -> pd.DataFrame:
    t = themed[themed["theme"].notna()]
    before = periods.last_weeks(period, 9)[:-1]
    return voc.emerging(t["theme"], t["week"], [period], before).set_index("theme")


def _double_charge_themes(demo_dir) -> list[str]:
    """The book's themes of the double charge: where its complaints (truth 6), as the demo words them, go."""
    book = tb.load_book(tb.book_folder(demo_dir, "complaints"))
    texts = [v.format(order="O014897", amount="45.00") for v in demo_text.DOUBLE_CHARGE_COMPLAINT]
    return sorted(set(tb.assign(book, texts)["theme"]))


def test_demo_double_charge_is_new_in_w33_and_rising_in_w34_under_stable_ids(demo_dir):
    """Truth 6: app 4.2 shipped on the Tuesday of W33 and reached every app user in W34."""
    double = _double_charge_themes(demo_dir)
    assert tb.assign(tb.load_book(tb.book_folder(demo_dir, "complaints")), [DOUBLE])["theme"].iloc[0] in double
    w33 = _status(_week(demo_dir, "2026-W33"), "2026-W33")
    w34 = _status(_week(demo_dir, "2026-W34"), "2026-W34")
    for theme in double:
        assert w33.loc[theme, "status"] == "new" and w33.loc[theme, "before"] == 0, w33.loc[double]
        assert w34.loc[theme, "status"] == "rising", w34.loc[double]
        assert w34.loc[theme, "q_value"] < 0.05 and w34.loc[theme, "now"] > w33.loc[theme, "now"]
    # the rate ratio by the definition in docs/themes.md, recomputed by hand: W34's share against W26-W33's
    themed = _week(demo_dir, "2026-W34").dropna(subset=["theme"])
    now, before = themed[themed["week"] == "2026-W34"], themed[themed["week"].between("2026-W26", "2026-W33")]
    t = double[0]
    assert w34.loc[t, "ratio"] == pytest.approx((now["theme"] == t).mean() / (before["theme"] == t).mean())


def test_demo_rename_survives_refit_apply(demo_dir, tmp_path, capsys):
    ws = tmp_path / "ws"
    ws.mkdir()
    complaints = pd.read_csv(demo_dir / "complaints.csv")
    complaints.iloc[len(complaints) // 4:].to_csv(ws / "complaints.csv", index=False)  # the oldest quarter gone
    shutil.copy(demo_dir / "customers.csv", ws / "customers.csv")
    shutil.copytree(demo_dir / "themes", ws / "themes")
    folder = tb.book_folder(ws, "complaints")
    double = tb.assign(tb.load_book(folder), [DOUBLE])["theme"].iloc[0]
    doc = yaml.safe_load((folder / tb.BOOK_FILE).read_text(encoding="utf-8"))
    next(t for t in doc["themes"] if t["id"] == double)["name"] = "Double charge after app 4.2"
    (folder / tb.BOOK_FILE).write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    before = (folder / tb.MODEL_FILE).read_bytes()
    assert cli.main(["themes", "refit", "--data", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "nothing written" in out and (folder / tb.MODEL_FILE).read_bytes() == before
    assert cli.main(["themes", "refit", "--data", str(ws), "--apply"]) == 0
    out = capsys.readouterr().out
    assert f"{double}  Double charge after app 4.2" in out and "written:" in out
    book = tb.load_book(folder)
    assert book.names[double] == "Double charge after app 4.2"
    assert tb.assign(book, [DOUBLE])["theme"].iloc[0] == double  # the same complaint, the same id, after the refit
    assert cli.main(["themes", "show", "--data", str(ws)]) == 0
    assert "Double charge after app 4.2" in capsys.readouterr().out


# --------------------------------------------------------------------------- real intents


def test_banking77_refit_on_another_half_keeps_the_ids(shared_data):
    """A small subset of the benchmark (benchmarks/theme_stability.py): 8 intents, two halves, 8 themes."""
    d = pd.read_csv(shared_file(shared_data, "banking77", "train.csv"))
    keep = sorted(d["category"].unique())[:8]
    d = d[d["category"].isin(keep)].sample(n=600, random_state=0).reset_index(drop=True)
    half = np.random.default_rng(0).permutation(len(d)) < len(d) // 2
    book = tb.fit_book(d.loc[half, "text"].tolist(), n_themes=8, seed=0)
    diff = tb.refit(book, d.loc[~half, "text"].tolist()).diff  # n_themes fixed: warm-started from the book
    assert diff["change"].isin(["kept", "renamed"]).sum() / 8 >= 0.875, diff  # measured: 8 of 8


def test_a_book_read_back_says_what_the_fitted_book_said(tmp_path):
    """The novelty threshold is kept in themes.yml to 4 decimals: the fitted book uses that same value, so the run
    that fits and saves a book and every later run that reads it flag the same texts as candidates."""
    texts = [f"{w} parcel late again, order {i}" for i, w in enumerate(["my", "the", "our", "a"] * 6)] + \
            [f"refund for order {i} never came" for i in range(24)] + ["the app crashed at checkout", "lovely lamp"]
    book = tb.fit_book(texts, n_themes=2, seed=0)
    tb.save_book(book, tmp_path / "book")
    again = tb.load_book(tmp_path / "book")
    assert again.threshold == book.threshold == round(book.threshold, 4)
    pd.testing.assert_frame_equal(tb.assign(book, texts), tb.assign(again, texts))
