"""REFI-QDA export/import: schema-valid, exact round trip, known quirks of other tools."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from carelib.errors import DataError
from carelib.qual.codebook import codebook_from_records, diff_codebooks, load_codebook
from carelib.qual.refi import export_qdc, export_qdpx, import_qdc, validate_refi
from carelib.qual.refi_import import import_qdpx
from tests.conftest import shared_file

BOOK = codebook_from_records(
    [
        {"code": "delivery", "definition": "Anything about getting the parcel."},
        {"code": "late_no_updates", "parent": "delivery", "definition": "Late and nobody said so.",
         "include": ["no tracking", "where is my order"], "exclude": ["damaged parcel"], "keywords": ["late", "tracking"]},
        {"code": "rigid_returns", "definition": "Return refused by policy.", "keywords": ["policy", "refund"]},
        {"code": "naïve <&> code", "definition": "Unicode & markup in a name."},
    ]
)
SOURCES = {
    "P01 interview": "Interviewer: How was delivery?\nAna: Late again 😤 and no tracking — where is my order?",
    "P02 interview": "Interviewer: Returns?\nBo: They said \"that's our policy\" & refused <sigh>.",
}


def codings() -> pd.DataFrame:
    s1 = SOURCES["P01 interview"]
    s2 = SOURCES["P02 interview"]
    i = s1.index("Late again")
    j = s2.index("that's our policy")
    return pd.DataFrame(
        [
            ("P01 interview", i, len(s1), "late_no_updates", "ana"),
            ("P01 interview", i, len(s1), "late_no_updates", "carelib"),
            ("P01 interview", i, i + 12, "naïve <&> code", "ana"),
            ("P02 interview", j, j + 17, "rigid_returns", "carelib"),
        ],
        columns=["source", "start", "end", "code", "coder"],
    )


@pytest.fixture()
def qdpx(tmp_path):
    return export_qdpx(tmp_path / "p.qdpx", sources=SOURCES, codebook=BOOK, codings=codings(), project="Hearthly")


def test_round_trip_is_exact(qdpx):
    back = import_qdpx(qdpx)
    assert back.name == "Hearthly"
    assert back.sources == SOURCES
    want = codings().sort_values(list(codings().columns), ignore_index=True)
    pd.testing.assert_frame_equal(back.codings, want, check_dtype=False)
    pd.testing.assert_frame_equal(back.codebook, BOOK)
    # code-point offsets: the emoji counts as one character
    r = back.codings.iloc[0]
    assert SOURCES[r.source][r.start : r.start + 12] == "Late again 😤"


def test_export_is_deterministic(qdpx, tmp_path):
    again = export_qdpx(tmp_path / "q.qdpx", sources=SOURCES, codebook=BOOK, codings=codings(), project="Hearthly")
    assert again.read_bytes() == qdpx.read_bytes()


def test_exports_validate_against_the_xsds(qdpx, tmp_path, shared_data):
    schemas = shared_file(shared_data, "refi-qda-schemas", "Project.xsd").parent
    assert validate_refi(qdpx, schemas) == []
    qdc = export_qdc(tmp_path / "book.qdc", BOOK)
    assert validate_refi(qdc, schemas) == []
    pd.testing.assert_frame_equal(import_qdc(qdc), BOOK)


def test_validator_catches_a_broken_export(qdpx, tmp_path, shared_data):
    schemas = shared_file(shared_data, "refi-qda-schemas", "Project.xsd").parent
    with zipfile.ZipFile(qdpx) as zf:
        xml = zf.read("project.qde").decode()
    bad = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("project.qde", xml.replace('isCodable="true"', 'isCodable="maybe"', 1))
    assert validate_refi(bad, schemas)


def _rewrite(src, dst, rename):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for n in zin.namelist():
            zout.writestr(rename(n), zin.read(n))


def test_atlas_ti_and_nvivo_quirks(qdpx, tmp_path):
    atlas = tmp_path / "atlas.qdpx"
    _rewrite(qdpx, atlas, lambda n: "Hearthly study.qde" if n == "project.qde" else n)
    nvivo = tmp_path / "nvivo.qdpx"
    _rewrite(qdpx, nvivo, lambda n: n.replace("sources/", "Sources/"))
    for p in (atlas, nvivo):
        assert import_qdpx(p).sources == SOURCES
        assert len(import_qdpx(p).codings) == 4


def test_inline_source_and_no_namespace(tmp_path):
    xml = (
        '<Project name="x"><CodeBook><Codes><Code guid="{11111111-1111-1111-1111-111111111111}" name="c" '
        'isCodable="true"/></Codes></CodeBook><Sources><TextSource guid="22222222-2222-2222-2222-222222222222" '
        'name="s"><PlainTextContent>hello world</PlainTextContent><PlainTextSelection guid="33333333-3333-3333-3333-333333333333" '
        'startPosition="6" endPosition="11"><Coding guid="44444444-4444-4444-4444-444444444444"><CodeRef '
        'targetGUID="11111111-1111-1111-1111-111111111111"/></Coding></PlainTextSelection></TextSource></Sources></Project>'
    )
    p = tmp_path / "inline.qdpx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("project.qde", xml)
    back = import_qdpx(p)
    assert back.sources == {"s": "hello world"}
    assert back.codings.to_dict("records") == [{"source": "s", "start": 6, "end": 11, "code": "c", "coder": "unknown"}]


def test_bad_archives_are_named(tmp_path):
    p = tmp_path / "x.qdpx"
    p.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="x.qdpx: not a REFI-QDA project"):
        import_qdpx(p)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("project.qde", "<Project name='x'><Sources>")
    p.write_bytes(buf.getvalue())
    with pytest.raises(DataError, match=r"x.qdpx/project.qde line 1: not well-formed XML"):
        import_qdpx(p)


def test_export_refuses_out_of_range_codings(tmp_path):
    bad = codings().assign(end=10_000)
    with pytest.raises(DataError, match=r"codings row 1: expected 0 <= start < end <= \d+"):
        export_qdpx(tmp_path / "p.qdpx", sources=SOURCES, codebook=BOOK, codings=bad)
    with pytest.raises(DataError, match="column 'code': expected a code of the codebook, found 'nope'"):
        export_qdpx(tmp_path / "p.qdpx", sources=SOURCES, codebook=BOOK, codings=codings().assign(code="nope"))


def test_codebook_yaml_validation_and_diff(tmp_path):
    p = tmp_path / "codebook.yml"
    p.write_text("- code: a\n- code: b\n  parent: zz\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"codebook.yml entry 2 \(b\), field 'parent': expected one of the codes, found 'zz'"):
        load_codebook(p)
    p.write_text("- code: a\n  parent: b\n- code: b\n  parent: a\n", encoding="utf-8")
    with pytest.raises(DataError, match="cycle"):
        load_codebook(p)
    p.write_text("- code: a\n  keywords: [x\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"codebook.yml line \d+: not valid YAML"):
        load_codebook(p)
    p.write_text("- code: a\n- code: a\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"duplicate code\(s\) \['a'\]"):
        load_codebook(p)
    new = codebook_from_records(
        [
            {"code": "delivery", "definition": "Anything about getting the parcel to the door."},
            {"code": "late_delivery", "parent": "delivery", "definition": "Late and nobody said so.",
             "include": ["no tracking", "where is my order"], "exclude": ["damaged parcel"], "keywords": ["late", "tracking"]},
            {"code": "login_loop", "definition": "App sends the user back to the login screen."},
            {"code": "naïve <&> code", "definition": "Unicode & markup in a name."},
        ]
    )
    d = diff_codebooks(BOOK, new)
    got = set(zip(d["change"], d["code"], strict=True))
    assert got == {
        ("renamed", "late_delivery"), ("added", "login_loop"), ("removed", "rigid_returns"),
        ("definition changed", "delivery"),
    }
