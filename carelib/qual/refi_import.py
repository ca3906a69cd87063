"""Reading a REFI-QDA ``.qdpx`` project, whichever tool wrote it, into carelib tables.

:func:`import_qdpx` reads what :func:`carelib.qual.refi.export_qdpx` writes and the projects of
NVivo, ATLAS.ti, MAXQDA and QualCoder (their deviations: :mod:`carelib.qual.qda_vendors` and
``docs/qda.md``):

- text sources inline (``PlainTextContent``) or in the archive (``plainTextPath="internal://…"``);
  a PDF's text ``Representation`` and its text selections; the ``Transcript`` s of audio and video
  sources, whose ``SyncPoint`` s become timecodes (and whose ``TranscriptSelection`` s become codings
  through their sync points' positions);
- codes nested for hierarchy; codings on a selection or on a whole source; the coder from the
  coding's ``creatingUser``, else its selection's, else its source's (QualCoder), else ``unknown``;
- cases with typed variable values; variables on a source (MAXQDA document variables) become a
  case named after the source;
- notes as memos, attached where their ``NoteRef`` s are; a selection's ``Description`` (an
  ATLAS.ti quotation comment) becomes a memo on that span.

Everything else is listed by name in :attr:`RefiProject.unmapped` — never dropped silently: area
selections of PDFs and pictures, picture sources, time selections of audio and video, sources
whose text is outside the archive or only rich text, sets, links, graphs, codings of unknown codes
and selections outside their text.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from carelib.errors import DataError
from carelib.qual.codebook import CODEBOOK_COLUMNS, codebook_from_records
from carelib.qual.qda_vendors import (
    attr,
    find_qde,
    guid_key,
    kid,
    kids,
    local,
    member_for,
    parse_qde,
    read_member,
)
from carelib.qual.refi import (
    RefiProject,
    case_table,
    codings_table,
    memo_table,
    read_codes,
    timecode_table,
)

__all__ = ["import_qdpx", "typed_value"]

_VALUE_KINDS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")


@dataclass
class _Reading:
    """What is gathered while one archive is read."""

    archive: str
    zf: zipfile.ZipFile
    names: list[str]
    users: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    source_guids: dict[str, str] = field(default_factory=dict)
    codings: list[dict] = field(default_factory=list)
    timecodes: list[dict] = field(default_factory=list)
    attachments: dict[str, list[dict]] = field(default_factory=dict)  # note guid -> where it is attached
    comments: list[dict] = field(default_factory=list)
    source_cases: list[dict] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def user(self, *els: ET.Element | None) -> str:
        for el in els:
            key = guid_key(attr(el, "creatingUser")) if el is not None else ""
            if key:
                return self.users.get(key, key)
        return "unknown"

    def attach(self, el: ET.Element, **where: object) -> None:
        for ref in kids(el, "NoteRef"):
            self.attachments.setdefault(guid_key(attr(ref, "targetGUID")), []).append(where)


def typed_value(kind: str, text: str | None, where: str) -> object:
    """A REFI variable value as Python: ``TextValue`` → str, ``IntegerValue`` → int, ``FloatValue`` → float,
    ``BooleanValue`` → bool, ``DateValue`` → date, ``DateTimeValue`` → datetime.

    Parameters
    ----------
    kind : str
        The value element's name (``IntegerValue`` …).
    text : str or None
        Its text.
    where : str
        What holds the value, for the message of a value that does not read.

    Returns
    -------
    object

    Examples
    --------
    >>> typed_value("IntegerValue", " 42 ", "x"), typed_value("BooleanValue", "1", "x"), typed_value("DateValue", "2026-03-01", "x")
    (42, True, datetime.date(2026, 3, 1))
    """
    raw = (text or "").strip()
    try:
        if kind == "IntegerValue":
            return int(Decimal(raw))
        if kind == "FloatValue":
            return float(Decimal(raw.replace(",", ".")))
        if kind == "BooleanValue":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return raw.lower() in ("true", "1")
        if kind == "DateValue":
            return dt.date.fromisoformat(raw[:10])
        if kind == "DateTimeValue":
            return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, InvalidOperation):
        raise DataError(f"{where}: expected a {kind[:-5].lower()} value, found {raw!r}") from None
    return text or ""


def _int(el: ET.Element, name: str) -> int | None:
    value = attr(el, name)
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None


def _text_of(r: _Reading, el: ET.Element, label: str) -> str | None:
    """The plain text of a TextSource-like element (inline or in the archive); None, reported, when unreadable."""
    inline = kid(el, "PlainTextContent")
    if inline is not None:
        return inline.text or ""
    ref = attr(el, "plainTextPath")
    member = member_for(ref, r.names)
    if member is not None:
        return read_member(r.zf, member, r.archive)
    if ref:
        r.unmapped.append(f"{label}: its text {ref!r} is not in the archive")
    elif attr(el, "richTextPath"):
        r.unmapped.append(f"{label}: only rich text ({attr(el, 'richTextPath')}), no plain text to read")
    else:
        r.unmapped.append(f"{label}: no text (neither PlainTextContent nor plainTextPath)")
    return None


def _coding(r: _Reading, coding: ET.Element, source: str, start: int, end: int, *context: ET.Element) -> None:
    ref = kid(coding, "CodeRef")
    target = guid_key(attr(ref, "targetGUID")) if ref is not None else ""
    if target not in r.codes:
        r.unmapped.append(f"coding of unknown code {target or '(none)'!r} at {start}-{end} of source {source!r}")
        return
    row = {"source": source, "start": start, "end": end, "code": r.codes[target], "coder": r.user(coding, *context)}
    r.codings.append(row)
    r.attach(coding, source=source, start=start, end=end, code=row["code"])


def _text_selections(r: _Reading, el: ET.Element, name: str, text: str) -> None:
    """Selections and whole-source codings of a text (a TextSource, a PDF representation)."""
    for sel in kids(el, "PlainTextSelection"):
        start, end = _int(sel, "startPosition"), _int(sel, "endPosition")
        label = attr(sel, "name") or guid_key(attr(sel, "guid"))
        if start is None or end is None or not 0 <= start < end <= len(text):
            r.unmapped.append(f"selection {label!r} of source {name!r}: positions {attr(sel, 'startPosition')!r}-"
                              f"{attr(sel, 'endPosition')!r} are not within its {len(text)} characters")
            continue
        for coding in kids(sel, "Coding"):
            _coding(r, coding, name, start, end, sel, el)
        r.attach(sel, source=name, start=start, end=end)
        desc = kid(sel, "Description")
        if desc is not None and (desc.text or "").strip():
            r.comments.append({"memo": f"comment on {label}", "author": r.user(sel, el), "text": desc.text.strip(),
                               "source": name, "start": start, "end": end,
                               "created": attr(sel, "creationDateTime")})
    for coding in kids(el, "Coding"):  # a coding of the whole source
        _coding(r, coding, name, 0, len(text), el)
    r.attach(el, source=name)
    values = kids(el, "VariableValue")
    if values:
        r.source_cases.append({"case": name, "sources": (name,), "_values": values})


def _add_source(r: _Reading, el: ET.Element, name: str, text: str) -> None:
    if name in r.sources:
        r.unmapped.append(f"source {name!r} appears twice; the second one was not read")
        return
    r.sources[name] = text
    r.source_guids[guid_key(attr(el, "guid"))] = name
    _text_selections(r, el, name, text)


def _pdf(r: _Reading, el: ET.Element, name: str) -> None:
    rep = kid(el, "Representation")
    for sel in kids(el, "PDFSelection"):
        r.unmapped.append(f"PDF area selection {attr(sel, 'name') or guid_key(attr(sel, 'guid'))!r} on page "
                          f"{attr(sel, 'page')} of {name!r} ({len(kids(sel, 'Coding'))} coding(s)): areas have no text span")
    if rep is None:
        r.unmapped.append(f"PDF source {name!r}: no text Representation")
        return
    text = _text_of(r, rep, f"PDF source {name!r}")
    if text is not None:
        r.source_guids[guid_key(attr(el, "guid"))] = name
        _add_source(r, rep, name, text)
        r.attach(el, source=name)


def _media(r: _Reading, el: ET.Element, kind: str, name: str) -> None:
    for sel in kids(el, f"{kind}Selection"):
        r.unmapped.append(f"{kind.lower()} selection {attr(sel, 'name') or guid_key(attr(sel, 'guid'))!r} of {name!r} "
                          f"({attr(sel, 'begin')}-{attr(sel, 'end')} ms, {len(kids(sel, 'Coding'))} coding(s)): "
                          "time spans are not imported")
    transcripts = kids(el, "Transcript")
    if not transcripts:
        r.unmapped.append(f"{kind.lower()} source {name!r}: no transcript (recordings are not imported)")
    for tr in transcripts:
        tname = attr(tr, "name") or name
        text = _text_of(r, tr, f"transcript {tname!r}")
        if text is None:
            continue
        if tname not in r.sources:
            _add_source(r, tr, tname, text)
        elif r.sources[tname] != text:
            r.unmapped.append(f"transcript {tname!r}: its text differs from the text source of that name; "
                              "its sync points were not read")
            continue
        points = {}
        for sp in kids(tr, "SyncPoint"):
            pos, ms = _int(sp, "position"), _int(sp, "timeStamp")
            if pos is None or ms is None:
                r.unmapped.append(f"sync point {guid_key(attr(sp, 'guid'))!r} of {tname!r}: no position or no timeStamp")
                continue
            points[guid_key(attr(sp, "guid"))] = pos
            r.timecodes.append({"source": tname, "position": pos, "seconds": ms / 1000})
        for sel in kids(tr, "TranscriptSelection"):
            start, end = points.get(guid_key(attr(sel, "fromSyncPoint"))), points.get(guid_key(attr(sel, "toSyncPoint")))
            if start is None or end is None or not 0 <= start < end <= len(text):
                r.unmapped.append(f"transcript selection {attr(sel, 'name') or guid_key(attr(sel, 'guid'))!r} of "
                                  f"{tname!r}: its sync points give no span of the text")
                continue
            for coding in kids(sel, "Coding"):
                _coding(r, coding, tname, start, end, sel, tr)


def _sources(r: _Reading, root: ET.Element) -> None:
    elements = [e for s in kids(root, "Sources") for e in s]
    for el in elements:  # text first: a transcript named like a text source adds its timecodes to it
        name = attr(el, "name") or guid_key(attr(el, "guid"))
        kind = local(el.tag) if isinstance(el.tag, str) else ""
        if kind == "TextSource":
            text = _text_of(r, el, f"source {name!r}")
            if text is not None:
                _add_source(r, el, name, text)
        elif kind == "PDFSource":
            _pdf(r, el, name)
    for el in elements:
        name = attr(el, "name") or guid_key(attr(el, "guid"))
        kind = local(el.tag) if isinstance(el.tag, str) else ""
        if kind in ("AudioSource", "VideoSource"):
            _media(r, el, kind[:-6], name)
        elif kind == "PictureSource":
            r.unmapped.append(f"picture source {name!r} ({len(kids(el, 'PictureSelection'))} area selection(s)): "
                              "images are not imported")
        elif kind not in ("TextSource", "PDFSource"):
            r.unmapped.append(f"source {name!r} of unknown kind {kind!r}")


def _values(r: _Reading, values: list[ET.Element], variables: dict[str, tuple[str, str]], where: str) -> dict:
    out: dict = {}
    for vv in values:
        ref = kid(vv, "VariableRef")
        key = guid_key(attr(ref, "targetGUID")) if ref is not None else ""
        if key not in variables:
            r.unmapped.append(f"{where}: a value of unknown variable {key or '(none)'!r}")
            continue
        name, _ = variables[key]
        value_el = next((c for c in vv if isinstance(c.tag, str) and local(c.tag) in _VALUE_KINDS), None)
        if value_el is not None and (value_el.text or "").strip() != "":
            out[name] = typed_value(local(value_el.tag), value_el.text, f"{r.archive}: {where}, variable {name!r}")
    return out


def _cases(r: _Reading, root: ET.Element) -> tuple[pd.DataFrame, dict[str, str]]:
    variables = {guid_key(attr(v, "guid")): (attr(v, "name") or guid_key(attr(v, "guid")),
                                             attr(v, "typeOfVariable") or "Text")
                 for vs in kids(root, "Variables") for v in kids(vs, "Variable")}
    rows = []
    for cs in kids(root, "Cases"):
        for case in kids(cs, "Case"):
            name = attr(case, "name") or guid_key(attr(case, "guid"))
            srcs = []
            for ref in kids(case, "SourceRef"):
                key = guid_key(attr(ref, "targetGUID"))
                if key in r.source_guids:
                    srcs.append(r.source_guids[key])
                else:
                    r.unmapped.append(f"case {name!r}: reference to a source not read ({key!r})")
            for what in ("SelectionRef", "CodeRef"):
                if kids(case, what):
                    r.unmapped.append(f"case {name!r}: {len(kids(case, what))} {what} element(s) are not imported")
            rows.append({"case": name, "sources": tuple(srcs),
                         **_values(r, kids(case, "VariableValue"), variables, f"case {name!r}")})
    for sc in r.source_cases:
        rows.append({"case": sc["case"], "sources": sc["sources"],
                     **_values(r, sc["_values"], variables, f"source {sc['case']!r}")})
    return case_table(rows), {name: kind for name, kind in variables.values()}


def _memos(r: _Reading, root: ET.Element) -> pd.DataFrame:
    rows = list(r.comments)
    for ns in kids(root, "Notes"):
        for note in kids(ns, "Note"):
            key = guid_key(attr(note, "guid"))
            name = attr(note, "name") or key
            text = _text_of(r, note, f"memo {name!r}")
            if text is None:
                continue
            base = {"memo": name, "author": r.user(note), "text": text, "created": attr(note, "creationDateTime")}
            for where in r.attachments.pop(key, [{}]):
                rows.append({**base, **where})
    for key, places in r.attachments.items():
        r.unmapped.append(f"{len(places)} reference(s) to a note that is not in the project ({key!r})")
    return memo_table(rows)


def _other(r: _Reading, root: ET.Element) -> None:
    for group, item in (("Sets", "Set"), ("Links", "Link"), ("Graphs", "Graph")):
        for el in kids(root, group):
            names = [attr(i, "name") or guid_key(attr(i, "guid")) for i in kids(el, item)]
            r.unmapped.append(f"{len(names)} {item.lower()}(s) not imported: " + ", ".join(repr(n) for n in names))
    desc = kid(root, "Description")
    if desc is not None and (desc.text or "").strip():
        r.unmapped.append("the project's Description (not imported)")


def import_qdpx(path: str | Path) -> RefiProject:
    """Read a ``.qdpx`` project written by carekit or by a QDA tool (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The ``.qdpx`` archive.

    Returns
    -------
    RefiProject
        Sources, codebook, codings, cases (and variable types), memos, timecodes, and ``unmapped``:
        one line per thing of the file that was not read into a table, by name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from carelib.qual.refi import export_qdpx
    >>> book = codebook_from_records([{"code": "late", "definition": "arrived late"}])
    >>> codings = pd.DataFrame([{"source": "i1", "start": 0, "end": 4, "code": "late", "coder": "ana"}])
    >>> p = export_qdpx(pathlib.Path(tempfile.mkdtemp()) / "p.qdpx", sources={"i1": "Late again"},
    ...                 codebook=book, codings=codings)
    >>> back = import_qdpx(p)
    >>> back.sources["i1"][0:4], back.codings.to_dict("records"), back.unmapped
    ('Late', [{'source': 'i1', 'start': 0, 'end': 4, 'code': 'late', 'coder': 'ana'}], [])
    """
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"{path.name}: not a REFI-QDA project (.qdpx is a ZIP archive): {exc}") from exc
    with zf:
        names = zf.namelist()
        qde = find_qde(names, path.name)
        root = parse_qde(zf.read(qde), f"{path.name}/{qde}")
        if local(root.tag) != "Project":
            raise DataError(f"{path.name}/{qde}: expected a <Project> element at the root, found <{local(root.tag)}>")
        r = _Reading(path.name, zf, names)
        r.users = {guid_key(attr(u, "guid")): attr(u, "name") or attr(u, "id") or guid_key(attr(u, "guid"))
                   for us in kids(root, "Users") for u in kids(us, "User")}
        records: list[dict] = []
        code_notes: dict[str, list[str]] = {}
        for cb in kids(root, "CodeBook"):
            for codes_el in kids(cb, "Codes"):
                read_codes(codes_el, None, records, r.codes, code_notes)
        for code, notes in code_notes.items():
            for n in notes:
                r.attachments.setdefault(n, []).append({"code": code})
        book = codebook_from_records(records, f"{path.name} codebook") if records else pd.DataFrame(columns=CODEBOOK_COLUMNS)
        _sources(r, root)
        cases, variables = _cases(r, root)
        for ref in kids(root, "NoteRef"):
            r.attachments.setdefault(guid_key(attr(ref, "targetGUID")), []).append({})
        memos = _memos(r, root)
        _other(r, root)
    return RefiProject(name=attr(root, "name") or path.stem, sources=r.sources, codebook=book,
                       codings=codings_table(r.codings), cases=cases, memos=memos,
                       timecodes=timecode_table(r.timecodes), variables=variables, unmapped=r.unmapped,
                       origin=attr(root, "origin") or "")
