"""carelib.qual.review: human codings read from CSV or REFI-QDA, and the coding review's state without a browser."""

from __future__ import annotations

import pandas as pd
import pytest

from carelib.errors import DataError, ParameterError
from carelib.qual import refi
from carelib.qual.codebook import codebook_from_records
from carelib.qual.review import CODING_COLUMNS, CodingReview, read_human_codings, review_widget
from tests.conftest import need

ITEMS = pd.DataFrame({
    "source": ["p01", "p01", "p02", "p02", "p03"],
    "start": [0, 40, 10, 10, 5],
    "end": [30, 90, 50, 50, 25],
    "code": ["late", "app", "late", "refund", "app"],
    "text": ["It came a week late", "The app logs me out", "Nobody told me", "Nobody told me", "=cmd|' /C calc'!A0"],
    "confidence": [0.9, 0.7, 0.5, 0.4, 0.35],
})
CODES = ["late", "app", "refund", "login"]


@pytest.fixture
def review(tmp_path) -> CodingReview:
    return CodingReview(ITEMS, CODES, coder="ana", path=tmp_path / "codings" / "ana.csv", page_size=2)


def test_the_columns_are_refis():
    assert CODING_COLUMNS == refi.CODING_COLUMNS


def test_pages_stay_within_the_items(review):
    assert review.pages == 3
    assert review.on_page()["item"].tolist() == [0, 1]
    review.next_page()
    review.next_page()
    review.next_page()  # stays on the last
    assert review.page == 2 and review.on_page()["item"].tolist() == [4]
    review.previous_page()
    assert review.on_page()["item"].tolist() == [2, 3]
    review.go(-5)
    assert review.page == 0


def test_decisions_make_human_codings_written_at_every_click(review):
    review.accept(0)
    review.reject(1)
    review.recode(2, "login")
    review.accept(4)
    assert review.decided == 4
    assert review.progress().startswith("page 1 of 3 · 4 of 5 decided (2 accepted, 1 rejected, 1 recoded)")
    expected = [["p01", 0, 30, "late", "ana"], ["p02", 10, 50, "login", "ana"], ["p03", 5, 25, "app", "ana"]]
    assert review.codings().values.tolist() == expected
    back = read_human_codings(review.path)  # autosaved: what the readout reads
    assert back[CODING_COLUMNS].values.tolist() == expected and set(back["file"]) == {"ana.csv"}
    review.undo(2)
    assert read_human_codings(review.path)["code"].tolist() == ["late", "app"]
    page = review.on_page()
    assert page["decision"].tolist() == ["accept", "reject"] and page["decided_code"].fillna("-").tolist() == ["late", "-"]


def test_the_written_file_holds_spans_and_codes_not_text(review):
    review.accept(4)
    written = review.path.read_text(encoding="utf-8")
    assert "calc" not in written and written.splitlines()[0] == "source,start,end,code,coder"


def test_wrong_use_is_named(review, tmp_path):
    with pytest.raises(ParameterError, match="code 'lost' is not in the codebook"):
        review.recode(0, "lost")
    with pytest.raises(ParameterError, match=r"item must be 0..4, got 7"):
        review.accept(7)
    with pytest.raises(ParameterError, match="coder must be a name"):
        CodingReview(ITEMS, CODES, coder=" ", path=tmp_path / "x.csv")
    with pytest.raises(ParameterError, match=r"items has no column\(s\) \['text'\]"):
        CodingReview(ITEMS.drop(columns="text"), CODES, coder="ana", path=tmp_path / "x.csv")
    assert not (tmp_path / "codings").exists()  # nothing decided, nothing written


def test_csv_rows_are_checked_with_file_row_and_column(tmp_path):
    f = tmp_path / "ben.csv"
    f.write_text("source,start,end,code,coder\np01,10,5,late,ben\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"ben.csv row 2, column 'end': expected more than start \(10\), found '5'"):
        read_human_codings(f)
    f.write_text("source,start,end,code,coder\np01,ten,50,late,ben\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"ben.csv row 2, column 'start': expected a character offset"):
        read_human_codings(f)
    f.write_text("source,start,code\np01,1,late\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"ben.csv row 1: expected columns .* missing \['end', 'coder'\]"):
        read_human_codings(f)
    with pytest.raises(DataError, match="human codings 'none' not found"):
        read_human_codings(tmp_path / "none")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert read_human_codings(empty).columns.tolist() == [*CODING_COLUMNS, "file"]


def test_a_qdpx_from_a_qda_tool_is_read_beside_the_csv(tmp_path):
    if not hasattr(refi, "export_qdpx"):
        pytest.skip("carelib.qual.refi has no REFI-QDA project export here")
    book = codebook_from_records([{"code": c} for c in CODES])
    codings = pd.DataFrame([["p01", 0, 30, "late", "cy"], ["p02", 10, 50, "app", "cy"]], columns=CODING_COLUMNS)
    folder = tmp_path / "codings"
    refi.export_qdpx(folder / "cy.qdpx", sources={"p01": "x" * 100, "p02": "y" * 100}, codebook=book, codings=codings)
    (folder / "ana.csv").write_text("source,start,end,code,coder\np01,0,30,late,ana\n", encoding="utf-8")
    got = read_human_codings(folder)
    assert got["file"].tolist() == ["ana.csv", "cy.qdpx", "cy.qdpx"]
    assert got[CODING_COLUMNS].values.tolist() == [["p01", 0, 30, "late", "ana"], *codings.values.tolist()]


def test_the_widget_is_a_thin_view_of_the_review(review):
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        need("lab", False, "ipywidgets is not installed (pip install -e '.[lab]')")
    box = review_widget(review)
    first = box.children[0]
    html, buttons = first.children
    assert "It came a week late" in html.value and "confidence 0.90" in html.value
    accept, reject, recode = buttons.children
    accept.click()
    assert review.decisions[0] == ("accept", "late")
    box.children[1].children[1].children[2].value = "login"  # recode item 1 from the dropdown
    assert review.decisions[1] == ("recode", "login")
    forward = box.children[-2].children[1]
    forward.click()
    assert review.page == 1 and "Nobody told me" in box.children[0].children[0].value
    assert box.children[-1].value.startswith("page 2 of 3 · 2 of 5 decided")
