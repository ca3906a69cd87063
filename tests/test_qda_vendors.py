"""Projects in the shape NVivo, ATLAS.ti, MAXQDA and QualCoder write: each imports with no loss but what docs/qda.md names."""

from __future__ import annotations

import codecs
import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from carelib.errors import DataError
from carelib.qual.refi_import import import_qdpx

FIXTURES = Path(__file__).parent / "fixtures" / "qda"
#: how each tool writes its archive: the .qde's name, its encoding, the BOM of the source texts
SHAPES = {
    "nvivo": ("project.qde", "utf-8-sig", b""),
    "atlasti": ("Hearthly study.qde", "utf-8", b""),
    "maxqda": ("project.qde", "utf-16", codecs.BOM_UTF8),
    "qualcoder": ("project.qde", "utf-8", b""),
}


def qdpx(tool: str, tmp_path: Path) -> Path:
    """The fixture folder of ``tool`` zipped as the tool writes it."""
    qde_name, encoding, bom = SHAPES[tool]
    folder = FIXTURES / tool
    xml = (folder / "project.qde").read_text(encoding="utf-8")
    out = tmp_path / f"{tool}.qdpx"
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(qde_name, xml.encode(encoding))
        for f in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "project.qde"):
            zf.writestr(f.relative_to(folder).as_posix(), bom + f.read_bytes())
    return out


def rows(frame, columns):
    """The rows as tuples, a missing value as None."""
    return [tuple(None if v is None or (not isinstance(v, tuple) and pd.isna(v)) else v for v in r)
            for r in frame[columns].itertuples(index=False)]


def test_nvivo(tmp_path):
    p = import_qdpx(qdpx("nvivo", tmp_path))
    text = p.sources["Interview Ruth"]
    assert text.startswith("Interviewer: How was delivery?")
    assert p.codebook[["code", "parent"]].values.tolist() == [
        ["Delivery", None], ["Late delivery", "Delivery"], ["Communication", "Delivery"]]
    assert rows(p.codings, ["start", "end", "code", "coder"]) == [
        (37, 47, "Late delivery", "Ana"), (53, 71, "Communication", "Ana"), (53, 71, "Communication", "BEN")]
    assert text[37:47] == "Late again"
    assert p.cases.to_dict("records") == [{"case": "P01", "sources": ("Interview Ruth",), "Age": 41, "Plan": "Plus"}]
    assert p.variables == {"Plan": "Text", "Age": "Integer"}
    assert rows(p.memos, ["memo", "author", "text", "source", "created"]) == [
        ("Ruth memo", "Ana", "Second late delivery this quarter.", "Interview Ruth", "2026-03-02T10:15:00Z")]
    assert p.unmapped == ["1 set(s) not imported: 'Wave 1'"]
    assert p.origin.startswith("NVivo")


def test_atlas_ti(tmp_path):
    p = import_qdpx(qdpx("atlasti", tmp_path))
    assert p.name == "Hearthly study"
    assert sorted(p.sources) == ["App diary", "Returns interview.pdf"]
    pdf = p.sources["Returns interview.pdf"]
    assert rows(p.codings, ["source", "start", "end", "code", "coder"]) == [
        ("App diary", 42, 55, "App logout", "Carla"), ("Returns interview.pdf", 36, 54, "Rigid policy", "Carla")]
    assert pdf[36:54] == "that is our policy"
    assert p.codebook.set_index("code").loc["Rigid policy", "keywords"] == ["policy", "refund"]
    memos = rows(p.memos, ["memo", "text", "source", "start", "end", "code"])
    assert ("comment on 1:1 that is our policy", "Same wording as the agent script.", "Returns interview.pdf", 36, 54,
            None) in memos
    assert ("Code comment: Returns", "Group for everything about sending things back.", None, None, None,
            "Returns") in memos
    assert p.unmapped == [
        "PDF area selection 'Signature block' on page 2 of 'Returns interview.pdf' (1 coding(s)): areas have no text span",
        "1 set(s) not imported: 'Code group: Service'",
        "1 graph(s) not imported: 'Network: returns'",
    ]


def test_maxqda_utf16_typed_document_variables(tmp_path):
    p = import_qdpx(qdpx("maxqda", tmp_path))
    text = p.sources["Kofi interview"]
    assert not text.startswith("\ufeff")  # the BOM of the source file is not text
    assert rows(p.codings, ["start", "end", "code", "coder"]) == [(32, 50, "Kind agent", "dana"), (72, 82, "Emotion", "dana")]
    assert text[72:82] == "Naïve me 😤"  # code points: the emoji is one
    assert p.cases.to_dict("records") == [{"case": "Kofi interview", "sources": ("Kofi interview",), "Age": 37,
                                           "Consent": True, "Interviewed": dt.date(2026, 2, 14), "Region": "North",
                                           "Score": 8.5}]
    assert p.variables["Interviewed"] == "Date" and p.variables["Consent"] == "Boolean"
    assert rows(p.memos, ["memo", "source", "start", "end"]) == [
        ("Document memo", "Kofi interview", None, None), ("In-document memo", "Kofi interview", 32, 50)]
    assert p.unmapped == []


def test_qualcoder_transcripts_and_selection_users(tmp_path):
    p = import_qdpx(qdpx("qualcoder", tmp_path))
    assert rows(p.codings, ["source", "start", "end", "code", "coder"]) == [
        ("kofi.m4a.transcribed", 26, 91, "support", "emil"), ("ruth.txt", 37, 47, "late", "emil")]
    assert rows(p.timecodes, ["source", "position", "seconds"]) == [
        ("kofi.m4a.transcribed", 0, 0.0), ("kofi.m4a.transcribed", 26, 4.0), ("kofi.m4a.transcribed", 91, 12.5)]
    assert p.cases.to_dict("records") == [{"case": "Ruth", "sources": ("ruth.txt",), "nps": 6.0, "plan": "Plus"}]
    assert rows(p.memos, ["memo", "author", "text", "source"]) == [
        ("Journal: week 3", "emil", "Week 3: delivery complaints cluster around tracking.", None)]
    assert p.unmapped == [
        "coding of unknown code 'bb000000-0000-4000-8000-0000000000ff' at 53-64 of source 'ruth.txt'",
        "audio selection 'laughs' of 'kofi.m4a' (9000-10500 ms, 1 coding(s)): time spans are not imported",
    ]


def test_what_cannot_be_read_is_named_not_dropped(tmp_path):
    xml = ('<Project name="x"><Sources><TextSource guid="22222222-2222-2222-2222-222222222222" name="far" '
           'plainTextPath="relative://far.txt"/><TextSource guid="22222222-2222-2222-2222-222222222223" name="rich" '
           'richTextPath="internal://rich.docx"/><TextSource guid="22222222-2222-2222-2222-222222222224" name="s">'
           '<PlainTextContent>hello</PlainTextContent><PlainTextSelection guid="33333333-3333-3333-3333-333333333333" '
           'name="too far" startPosition="3" endPosition="99"/></TextSource><PictureSource '
           'guid="22222222-2222-2222-2222-222222222225" name="photo.jpg"/></Sources>'
           '<Description>about</Description></Project>')
    p = tmp_path / "odd.qdpx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("project.qde", xml.encode("utf-16"))
    got = import_qdpx(p)
    assert got.sources == {"s": "hello"}
    assert got.unmapped == [
        "source 'far': its text 'relative://far.txt' is not in the archive",
        "source 'rich': only rich text (internal://rich.docx), no plain text to read",
        "selection 'too far' of source 's': positions '3'-'99' are not within its 5 characters",
        "picture source 'photo.jpg' (0 area selection(s)): images are not imported",
        "the project's Description (not imported)",
    ]


def test_a_bad_variable_value_names_case_and_variable(tmp_path):
    xml = ('<Project name="x"><Variables><Variable guid="11111111-1111-1111-1111-111111111111" name="age" '
           'typeOfVariable="Integer"/></Variables><Cases><Case guid="11111111-1111-1111-1111-111111111112" name="P9">'
           '<VariableValue><VariableRef targetGUID="11111111-1111-1111-1111-111111111111"/><IntegerValue>forty'
           '</IntegerValue></VariableValue></Case></Cases></Project>')
    p = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("project.qde", xml)
    with pytest.raises(DataError, match=r"bad.qdpx: case 'P9', variable 'age': expected a integer value, found 'forty'"):
        import_qdpx(p)
