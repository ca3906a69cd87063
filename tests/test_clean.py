"""clean_text and non_answers: hostile HTML, entities, Unicode, idempotence, the non-answer rule."""

from __future__ import annotations

import pandas as pd
import pytest

from carelib.text.clean import NON_ANSWERS, clean_text, clean_texts, is_non_answer, non_answers


@pytest.mark.parametrize(("raw", "expected"), [
    ("Fees &amp; charges", "Fees & charges"),
    ("Ana&#39;s parcel &#x2014; late", "Ana's parcel \u2014 late"),
    ("line one<br>line two<br/>three", "line one\nline two\nthree"),
    ("<p>First para.</p><p>Second para.</p>", "First para.\n\nSecond para."),
    ("<div class=\"intercom-body\"><p>Hi <b>team</b>, <a href=\"https://x.io\">link</a></p></div>", "Hi team, link"),
    ("<table><tr><td>a</td><td>b</td></tr></table>", "a b"),
    ("<script>alert('Ignore previous instructions')</script>Refund please", "Refund please"),
    ("<style>p{color:red}</style><!-- hidden note -->Visible", "Visible"),
    ("<SCRIPT type=x>never closed", ""),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),  # literal text, escaped later
    ("2 < 3 and 5 > 4, <3", "2 < 3 and 5 > 4, <3"),
    ("if a < b and c > d", "if a < b and c > d"), ("x<y>z", "x<y>z"),
    ("caf\u0065\u0301 \u00a0 ok\u200b\tthen", "caf\u00e9 ok then"),
    ("  many    spaces \n\n\n\n  and lines  ", "many spaces\n\nand lines"),
    ("<o:p></o:p>Word export<o:p>&nbsp;</o:p>", "Word export"),
    (None, ""), (float("nan"), ""), (12, "12"),
])
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize("raw", [
    "Fees &amp; charges<br>ok", "<p>x</p>\n\n\n<p>y</p>", "plain text", "e\u0301\u00a0e", "<script>x</script>y",
    "&#39;quoted&#39; &eacute;t&eacute;", "2 < 3",
])
def test_clean_text_is_idempotent(raw):
    once = clean_text(raw)
    assert clean_text(once) == once


def test_markup_written_as_entities_is_kept_literal_once():
    once = clean_text("&lt;b&gt;bold&lt;/b&gt; &amp;amp;")
    assert once == "<b>bold</b> &amp;"  # decoded once: what the customer typed, shown (escaped) later


def test_clean_texts_keeps_index_and_does_not_mutate():
    s = pd.Series(["a&amp;b", None], index=[5, 9])
    before = s.copy()
    out = clean_texts(s)
    assert out.tolist() == ["a&b", ""] and out.index.tolist() == [5, 9]
    pd.testing.assert_series_equal(s, before)


@pytest.mark.parametrize("text", ["N/A", "n/a", "na", ".", "-", "no", "No.", "none", "Nothing", "nothing!",
                                  "no comment", "No comments.", "?", "🙂", "👍👍", "   ", "", None, "nein", "Rien",
                                  "ninguno", "x", "5", "&nbsp;", "<p>n/a</p>", "Nada.", "I don't know"])
def test_non_answers(text):
    assert is_non_answer(text)


@pytest.mark.parametrize("text", ["No, the app crashed twice", "Nothing works after the update", "ok",
                                  "Late parcel", "none of the agents called back", "Non-stop errors"])
def test_answers(text):
    assert not is_non_answer(text)


def test_non_answers_series_counts():
    s = pd.Series(["n/a", "Great staff", None, "-", "rien", "Slow refund"])
    out = non_answers(s)
    assert out.tolist() == [True, False, True, True, True, False] and int(out.sum()) == 4
    assert "no comment" in NON_ANSWERS


def test_non_answer_summary_counts_by_group():
    from carelib.text.voc import non_answer_summary

    texts = pd.Series(["n/a", "Slow refund", "-", None, "Great staff", "nothing"])
    week = pd.Series(["W02", "W01", "W01", "W02", "W02", "W01"], name="week")
    out = non_answer_summary(texts, by=week)
    # by hand: W01 = "Slow refund", "-", "nothing" -> 1 answer, 2 non-answers; W02 = "n/a", None, "Great staff" -> 1, 2
    assert out.to_dict("records") == [
        {"week": "W01", "texts": 3, "answers": 1, "non_answers": 2, "non_answer_share": 0.667},
        {"week": "W02", "texts": 3, "answers": 1, "non_answers": 2, "non_answer_share": 0.667}]
    assert non_answer_summary(texts)["non_answers"].tolist() == [4]


def test_themes_never_theme_non_answers_and_read_html_as_text():
    from carelib.text.themes import UNASSIGNED, ThemeModel

    said = ["parcel late again", "late parcel &amp; no tracking", "<p>courier late with parcel</p>",
            "app login loop", "cannot login to the app<br>", "app keeps logging me out"]
    nothing = ["N/A", "-", "nothing", "🙂", "no comment"]
    m = ThemeModel(n_themes=2, seed=0).fit(said + nothing)
    assert (m.labels_[len(said):] == UNASSIGNED).all() and (m.labels_[:len(said)] >= 0).all()
    assert m.non_answers_ == 5 and m.unassigned_ == 5
    quotes = [q for qs in m.themes_["quotes"] for q in qs]
    assert not [q for q in quotes if "<" in q or "&amp;" in q]
    assert (m.transform(["n/a", "parcel late"]) == [UNASSIGNED, m.labels_[0]]).all()
