"""REFI-QDA exchange: ``.qdpx`` projects and ``.qdc`` codebooks (QDA-XML 1.0), the writing side.

What NVivo, ATLAS.ti, MAXQDA and QualCoder open. A ``.qdpx`` is a ZIP holding one
``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``) and ``sources/`` with each
text source as UTF-8; text selections are **0-based Unicode code-point offsets**,
``[startPosition, endPosition)``, as Python slices. Exports are deterministic: GUIDs are
UUID-5 of stable names, no creation times are written (a memo's own date excepted) and ZIP
entries carry a fixed date, so the same input gives the same bytes.

A project, as carelib tables (:class:`RefiProject`; the mapping to REFI elements is in ``docs/qda.md``):

- ``sources``: name → text; ``codebook``: the codebook table (hierarchy by ``parent``);
- ``codings``: ``source, start, end, code, coder`` — each coder a ``User``;
- ``cases``: ``case, sources`` (tuple of source names) + one column per case variable, typed
  (``str`` → Text, ``int`` → Integer, ``float`` → Float, ``datetime.date`` → Date,
  ``datetime.datetime`` → DateTime, ``bool`` → Boolean; ``None`` = no value);
- ``memos``: ``memo, author, text, source, start, end, code, created`` — a ``Note`` attached to
  a coding (source, span and code), a span, a source, a code, or the project (nothing given);
- ``timecodes``: ``source, position, seconds`` — ``SyncPoint`` s of a ``Transcript`` of an
  ``AudioSource`` named like the text source (the transcript's text is the same file).

Reading is :func:`carelib.qual.refi_import.import_qdpx`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from carelib.errors import DataError
from carelib.qual.codebook import CODEBOOK_COLUMNS, codebook_from_records
from carelib.qual.qda_vendors import attr, guid_key, kid, kids, parse_qde

__all__ = ["RefiProject", "export_qdpx", "export_qdc", "import_qdc", "validate_refi", "refi_guid", "variable_type",
           "codebook_description", "parse_description", "codes_of", "read_codes", "codings_table", "memo_table", "case_table",
           "timecode_table", "CODING_COLUMNS", "MEMO_COLUMNS", "TIMECODE_COLUMNS", "NS_PROJECT", "NS_CODEBOOK"]

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
_ROOT = uuid.UUID("6f1c3f8e-5d1b-4b8e-9a43-6a0c2f4b7e21")  # carekit's namespace for UUID-5
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_PREFIXES = {"include": "Include: ", "exclude": "Exclude: ", "keywords": "Keywords: "}
CODING_COLUMNS = ["source", "start", "end", "code", "coder"]
MEMO_COLUMNS = ["memo", "author", "text", "source", "start", "end", "code", "created"]
TIMECODE_COLUMNS = ["source", "position", "seconds"]
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def refi_guid(*parts: object) -> str:
    """A stable GUID (UUID-5 in carekit's namespace) for the named thing.

    Examples
    --------
    >>> refi_guid("code", "late") == refi_guid("code", "late") != refi_guid("code", "early")
    True
    """
    return str(uuid.uuid5(_ROOT, "\x1f".join(map(str, parts))))


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def codings_table(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Codings as compared: :data:`CODING_COLUMNS`, int offsets, sorted, duplicates dropped."""
    frame = pd.DataFrame(rows, columns=CODING_COLUMNS) if not isinstance(rows, pd.DataFrame) else rows[CODING_COLUMNS]
    frame = frame.astype({"source": str, "start": int, "end": int, "code": str, "coder": str})
    return frame.drop_duplicates().sort_values(CODING_COLUMNS, ignore_index=True)


def memo_table(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Memos as compared: :data:`MEMO_COLUMNS` (absent values ``None``, offsets ``Int64``), sorted."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        out = _empty(MEMO_COLUMNS)
        return out.astype({"start": "Int64", "end": "Int64"})
    for c in MEMO_COLUMNS:
        if c not in frame.columns:
            frame[c] = None
    frame = frame[MEMO_COLUMNS].astype(object)
    frame = frame.where(frame.notna() & (frame.astype(str) != ""), None)
    frame = frame.astype({"start": "Int64", "end": "Int64"})
    keys = frame.fillna({"source": "", "code": "", "start": -1, "end": -1}).astype(str)
    order = keys.sort_values(["memo", "source", "start", "end", "code", "text"]).index
    return frame.loc[order].reset_index(drop=True)


def timecode_table(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Sync points as compared: ``source, position, seconds`` (to the millisecond), sorted, unique."""
    frame = pd.DataFrame(rows, columns=TIMECODE_COLUMNS) if not isinstance(rows, pd.DataFrame) else rows[TIMECODE_COLUMNS]
    frame = frame.astype({"source": str, "position": int, "seconds": float})
    frame["seconds"] = frame["seconds"].round(3)
    return frame.drop_duplicates().sort_values(TIMECODE_COLUMNS, ignore_index=True)


def case_table(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Cases as compared: ``case, sources`` then the variables (columns sorted), rows sorted by case."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        return _empty(["case", "sources"])
    if "sources" not in frame.columns:
        frame["sources"] = [()] * len(frame)
    frame["sources"] = [tuple(sorted(s)) if isinstance(s, list | tuple) else () for s in frame["sources"]]
    variables = sorted(c for c in frame.columns if c not in ("case", "sources"))
    frame = frame[["case", "sources", *variables]].astype(object)
    frame = frame.where(frame.notna(), None)
    return frame.sort_values("case", ignore_index=True)


@dataclass
class RefiProject:
    """What a ``.qdpx`` holds, as carelib tables (see the module docstring for the columns).

    ``unmapped`` names everything of the file that was not read into a table (``docs/qda.md``).
    """

    name: str
    sources: dict[str, str]
    codebook: pd.DataFrame
    codings: pd.DataFrame
    cases: pd.DataFrame = field(default_factory=lambda: case_table([]))
    memos: pd.DataFrame = field(default_factory=lambda: memo_table([]))
    timecodes: pd.DataFrame = field(default_factory=lambda: timecode_table([]))
    variables: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    origin: str = ""


def codebook_description(row: pd.Series) -> str:
    """A code's REFI ``Description``: its definition, then ``Include:``/``Exclude:``/``Keywords:`` lines."""
    lines = [row["definition"]] if row["definition"] else []
    for name, prefix in _PREFIXES.items():
        if row[name]:
            lines.append(prefix + " | ".join(row[name]))
    return "\n".join(lines)


def parse_description(text: str | None) -> dict:
    """A code's definition, include, exclude and keywords read back from its ``Description``.

    Examples
    --------
    >>> parse_description("Parcel late.\\nKeywords: late | delay*")["keywords"]
    ['late', 'delay*']
    """
    out: dict = {"definition": [], **{f: [] for f in _PREFIXES}}
    for line in (text or "").splitlines():
        for name, prefix in _PREFIXES.items():
            if line.startswith(prefix):
                out[name] = [v for v in line[len(prefix):].split(" | ") if v]
                break
        else:
            out["definition"].append(line)
    out["definition"] = "\n".join(out["definition"]).strip()
    return out


def _code_elements(parent: ET.Element, book: pd.DataFrame, ns: str, of: str | None,
                   notes: dict[str, list[str]] | None = None) -> None:
    children = book[book["parent"].isna()] if of is None else book[book["parent"] == of]
    for _, row in children.iterrows():
        el = ET.SubElement(parent, f"{{{ns}}}Code", guid=refi_guid("code", row["code"]), name=row["code"],
                           isCodable="true")
        desc = codebook_description(row)
        if desc:
            ET.SubElement(el, f"{{{ns}}}Description").text = desc
        for note in (notes or {}).get(row["code"], []):
            ET.SubElement(el, f"{{{ns}}}NoteRef", targetGUID=note)
        _code_elements(el, book, ns, row["code"], notes)


def codes_of(codebook: pd.DataFrame) -> set[str]:
    """The code names of a codebook table."""
    return set(codebook["code"]) if "code" in codebook.columns else set()


def _check_codings(codings: pd.DataFrame, sources: dict[str, str], book: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in CODING_COLUMNS if c not in codings.columns]
    if missing:
        raise DataError(f"codings: missing column(s) {missing}; expected {CODING_COLUMNS}")
    known = codes_of(book)
    for i, r in enumerate(codings[CODING_COLUMNS].itertuples(index=False), start=1):
        if r.source not in sources:
            raise DataError(f"codings row {i}, column 'source': expected one of the sources, found {r.source!r}")
        if r.code not in known:
            raise DataError(f"codings row {i}, column 'code': expected a code of the codebook, found {r.code!r}")
        if not (0 <= int(r.start) < int(r.end) <= len(sources[r.source])):
            raise DataError(
                f"codings row {i}: expected 0 <= start < end <= {len(sources[r.source])} (length of {r.source!r}), "
                f"found start={r.start}, end={r.end}"
            )
    return codings_table(codings)


def _check_memos(memos: pd.DataFrame, sources: dict[str, str], book: pd.DataFrame,
                 codings: pd.DataFrame) -> pd.DataFrame:
    memos = memo_table(memos)
    coded = set(codings[["source", "start", "end", "code"]].itertuples(index=False, name=None))
    for i, m in enumerate(memos.itertuples(index=False), start=1):
        where = f"memos row {i} ({m.memo!r})"
        if not m.author or not m.text:
            raise DataError(f"{where}: expected an author and a text, found author={m.author!r}, text={m.text!r}")
        if m.source is not None and m.source not in sources:
            raise DataError(f"{where}, column 'source': expected one of the sources, found {m.source!r}")
        if m.code is not None and m.code not in codes_of(book):
            raise DataError(f"{where}, column 'code': expected a code of the codebook, found {m.code!r}")
        spanned = not (pd.isna(m.start) and pd.isna(m.end))
        if m.source is not None and m.code is not None and not spanned:
            raise DataError(f"{where}: a memo is on a code, a source, a span or a coding; found a source and a code "
                            "without a span — give the span of the coding, or only one of source and code")
        if spanned and (m.source is None or pd.isna(m.start) or pd.isna(m.end)
                        or not 0 <= int(m.start) < int(m.end) <= len(sources[m.source])):
            raise DataError(f"{where}: a span needs a source and 0 <= start < end <= the source's length, "
                            f"found source={m.source!r}, start={m.start}, end={m.end}")
        if spanned and m.code is not None and (m.source, int(m.start), int(m.end), m.code) not in coded:
            raise DataError(f"{where}: a memo on a coding needs that coding ({m.code!r} at {m.start}-{m.end} of "
                            f"{m.source!r}); found none — drop the code to attach the memo to the span")
        if m.created is not None and not _DATETIME.match(str(m.created)):
            raise DataError(f"{where}, column 'created': expected a date-time like 2026-03-02T09:30:00, "
                            f"found {m.created!r}")
    return memos


def variable_type(values: pd.Series) -> str:
    """The REFI ``typeOfVariable`` of a column of Python values (``None`` ignored; mixed types are Text).

    Examples
    --------
    >>> variable_type(pd.Series([3, None, 5], dtype=object)), variable_type(pd.Series([dt.date(2026, 1, 2)]))
    ('Integer', 'Date')
    """
    kinds = set()
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(v, bool):
            kinds.add("Boolean")
        elif isinstance(v, int):
            kinds.add("Integer")
        elif isinstance(v, float):
            kinds.add("Float")
        elif isinstance(v, dt.datetime):
            kinds.add("DateTime")
        elif isinstance(v, dt.date):
            kinds.add("Date")
        else:
            kinds.add("Text")
    if kinds == {"Integer", "Float"}:
        return "Float"
    return kinds.pop() if len(kinds) == 1 else "Text"


def _value_text(value: object, kind: str) -> str:
    if kind == "Boolean":
        return "true" if value else "false"
    if kind == "Float":
        return repr(float(value))
    if kind in ("Date", "DateTime"):
        return value.isoformat()  # type: ignore[attr-defined]
    return str(value)


def _cases_element(root: ET.Element, ns: str, cases: pd.DataFrame) -> dict[str, str]:
    variables = [c for c in cases.columns if c not in ("case", "sources")]
    types = {v: variable_type(cases[v]) for v in variables}
    if variables:
        var_el = ET.SubElement(root, f"{{{ns}}}Variables")
        for v in variables:
            ET.SubElement(var_el, f"{{{ns}}}Variable", guid=refi_guid("variable", v), name=v, typeOfVariable=types[v])
    if cases.empty:
        return types
    cases_el = ET.SubElement(root, f"{{{ns}}}Cases")
    for row in cases.to_dict("records"):
        case = ET.SubElement(cases_el, f"{{{ns}}}Case", guid=refi_guid("case", row["case"]), name=str(row["case"]))
        for v in variables:
            value = row[v]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            vv = ET.SubElement(case, f"{{{ns}}}VariableValue")
            ET.SubElement(vv, f"{{{ns}}}VariableRef", targetGUID=refi_guid("variable", v))
            kind = types[v]
            ET.SubElement(vv, f"{{{ns}}}{kind}Value").text = _value_text(value if kind != "Text" else str(value), kind)
        for s in row["sources"]:
            ET.SubElement(case, f"{{{ns}}}SourceRef", targetGUID=refi_guid("source", s))
    return types


def _note_targets(memos: pd.DataFrame) -> dict[tuple, list[str]]:
    """Where each memo's NoteRef goes: (kind, key...) → note GUIDs."""
    out: dict[tuple, list[str]] = {}
    for m in memos.itertuples(index=False):
        guid = refi_guid("note", m.memo, m.source, m.start, m.end, m.code)
        if m.source is not None and not pd.isna(m.start):
            key: tuple = ("coding", m.source, int(m.start), int(m.end), m.code) if m.code else \
                ("selection", m.source, int(m.start), int(m.end))
        elif m.source is not None:
            key = ("source", m.source)
        elif m.code is not None:
            key = ("code", m.code)
        else:
            key = ("project",)
        out.setdefault(key, []).append(guid)
    return out


def _selections(ts: ET.Element, ns: str, name: str, text: str, codings: pd.DataFrame,
                notes: dict[tuple, list[str]]) -> None:
    mine = codings[codings["source"] == name]
    spans = set(zip(mine["start"], mine["end"], strict=True))
    spans |= {(k[2], k[3]) for k in notes if k[0] == "selection" and k[1] == name}
    for start, end in sorted(spans):
        sel = ET.SubElement(ts, f"{{{ns}}}PlainTextSelection", guid=refi_guid("selection", name, start, end),
                            name=text[start:end][:60], startPosition=str(start), endPosition=str(end))
        group = mine[(mine["start"] == start) & (mine["end"] == end)]
        seen_codes: set[str] = set()
        for r in group.itertuples(index=False):
            coding = ET.SubElement(sel, f"{{{ns}}}Coding", guid=refi_guid("coding", name, start, end, r.code, r.coder),
                                   creatingUser=refi_guid("user", r.coder))
            ET.SubElement(coding, f"{{{ns}}}CodeRef", targetGUID=refi_guid("code", r.code))
            if r.code not in seen_codes:  # a memo on a coding goes to its first coder's coding
                for note in notes.get(("coding", name, start, end, r.code), []):
                    ET.SubElement(coding, f"{{{ns}}}NoteRef", targetGUID=note)
            seen_codes.add(r.code)
        for note in notes.get(("selection", name, start, end), []):
            ET.SubElement(sel, f"{{{ns}}}NoteRef", targetGUID=note)


def _sources_element(root: ET.Element, ns: str, sources: dict[str, str], codings: pd.DataFrame,
                     notes: dict[tuple, list[str]], timecodes: pd.DataFrame) -> dict[str, str]:
    files: dict[str, str] = {}
    if not sources:
        return files
    src_el = ET.SubElement(root, f"{{{ns}}}Sources")
    for name in sorted(sources):
        sguid = refi_guid("source", name)
        files[f"sources/{sguid}.txt"] = sources[name]
        ts = ET.SubElement(src_el, f"{{{ns}}}TextSource", guid=sguid, name=name, plainTextPath=f"internal://{sguid}.txt")
        _selections(ts, ns, name, sources[name], codings, notes)
        for note in notes.get(("source", name), []):
            ET.SubElement(ts, f"{{{ns}}}NoteRef", targetGUID=note)
    for name in sorted(set(timecodes["source"])):
        sguid = refi_guid("source", name)
        audio = ET.SubElement(src_el, f"{{{ns}}}AudioSource", guid=refi_guid("recording", name), name=name)
        tr = ET.SubElement(audio, f"{{{ns}}}Transcript", guid=refi_guid("transcript", name), name=name,
                           plainTextPath=f"internal://{sguid}.txt")
        for p in timecodes[timecodes["source"] == name].itertuples(index=False):
            ET.SubElement(tr, f"{{{ns}}}SyncPoint", guid=refi_guid("sync", name, p.position, p.seconds),
                          timeStamp=str(round(p.seconds * 1000)), position=str(p.position))
    return files


def _notes_element(root: ET.Element, ns: str, memos: pd.DataFrame) -> None:
    if memos.empty:
        return
    notes_el = ET.SubElement(root, f"{{{ns}}}Notes")
    for m in memos.itertuples(index=False):
        attrs = {"guid": refi_guid("note", m.memo, m.source, m.start, m.end, m.code), "name": str(m.memo),
                 "creatingUser": refi_guid("user", m.author)}
        if m.created is not None:
            attrs["creationDateTime"] = str(m.created)
        ET.SubElement(ET.SubElement(notes_el, f"{{{ns}}}Note", attrs), f"{{{ns}}}PlainTextContent").text = m.text


def _check_timecodes(timecodes: pd.DataFrame, sources: dict[str, str]) -> pd.DataFrame:
    table = timecode_table(timecodes)
    for i, t in enumerate(table.itertuples(index=False), start=1):
        if t.source not in sources or not 0 <= t.position <= len(sources[t.source]) or t.seconds < 0:
            raise DataError(f"timecodes row {i}: expected a source, a position within its text and seconds >= 0, "
                            f"found {t.source!r}, {t.position}, {t.seconds}")
    return table


def export_qdpx(
    path: str | Path,
    *,
    sources: dict[str, str],
    codebook: pd.DataFrame,
    codings: pd.DataFrame,
    project: str = "carekit project",
    cases: pd.DataFrame | None = None,
    memos: pd.DataFrame | None = None,
    timecodes: pd.DataFrame | None = None,
) -> Path:
    """Write a REFI-QDA project: codebook, text sources, codings by coder, cases, memos and timecodes.

    Parameters
    ----------
    path : str or Path
        The ``.qdpx`` file to write (folders are created; an existing file is replaced).
    sources : dict of str to str
        Source name (e.g. interview id) → its text; offsets of ``codings`` index it.
    codebook : DataFrame
        Codebook with ``code, parent, definition, include, exclude, keywords``.
    codings : DataFrame
        ``source, start, end, code, coder``: 0-based code-point offsets, end exclusive; each
        source and code must exist.
    project : str
        Name of the project as the QDA tool shows it.
    cases : DataFrame, optional
        ``case, sources`` + typed variable columns (see the module docstring).
    memos : DataFrame, optional
        :data:`MEMO_COLUMNS`; what a memo is attached to follows from the columns filled.
    timecodes : DataFrame, optional
        ``source, position, seconds``: the time at a character position of a source.

    Returns
    -------
    Path
        The path written; the same input gives the same bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> book = codebook_from_records([{"code": "late", "definition": "arrived late"}])
    >>> codings = pd.DataFrame([{"source": "i1", "start": 0, "end": 4, "code": "late", "coder": "ana"}])
    >>> p = export_qdpx(pathlib.Path(tempfile.mkdtemp()) / "p.qdpx", sources={"i1": "Late again"},
    ...                 codebook=book, codings=codings,
    ...                 timecodes=pd.DataFrame({"source": ["i1"], "position": [0], "seconds": [2.5]}))
    >>> len(zipfile.ZipFile(p).namelist())
    2
    """
    ns = NS_PROJECT
    ET.register_namespace("", ns)
    codings = _check_codings(codings, sources, codebook)
    cases = case_table(cases if cases is not None else [])
    memos = _check_memos(memos if memos is not None else memo_table([]), sources, codebook, codings)
    timecodes = _check_timecodes(timecodes if timecodes is not None else timecode_table([]), sources)
    root = ET.Element(f"{{{ns}}}Project", name=project, origin="carekit")
    users = sorted(set(codings["coder"]) | set(memos["author"].astype(str)))
    if users:
        users_el = ET.SubElement(root, f"{{{ns}}}Users")
        for c in users:
            ET.SubElement(users_el, f"{{{ns}}}User", guid=refi_guid("user", c), name=c)
    notes = _note_targets(memos)
    if not codebook.empty:
        cb = ET.SubElement(ET.SubElement(root, f"{{{ns}}}CodeBook"), f"{{{ns}}}Codes")
        _code_elements(cb, codebook, ns, None, {k[1]: v for k, v in notes.items() if k[0] == "code"})
    _cases_element(root, ns, cases)
    files = _sources_element(root, ns, sources, codings, notes, timecodes)
    _notes_element(root, ns, memos)
    for note in notes.get(("project",), []):
        ET.SubElement(root, f"{{{ns}}}NoteRef", targetGUID=note)
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member, data in [("project.qde", xml), *((k, v.encode("utf-8")) for k, v in sorted(files.items()))]:
            info = zipfile.ZipInfo(member, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def read_codes(el: ET.Element, parent: str | None, out: list[dict], by_guid: dict[str, str],
               notes: dict[str, list[str]] | None = None) -> None:
    """Codes (nested for hierarchy) below ``el`` into codebook records; ``by_guid`` maps each GUID to its name.

    Parameters
    ----------
    el : Element
        A ``Codes`` element or a ``Code``.
    parent : str or None
        The code ``el``'s codes are children of.
    out : list of dict
        Codebook records, appended to.
    by_guid : dict
        Filled with GUID (lower case, no braces) → code name.
    notes : dict, optional
        Filled with code name → the GUIDs of its ``NoteRef`` s.

    Returns
    -------
    None
        ``out``, ``by_guid`` and ``notes`` are filled in place.
    """
    for code in kids(el, "Code"):
        guid = guid_key(attr(code, "guid"))
        name = attr(code, "name") or guid
        desc = kid(code, "Description")
        out.append({"code": name, "parent": parent, **parse_description(desc.text if desc is not None else "")})
        by_guid[guid] = name
        if notes is not None:
            notes[name] = [guid_key(attr(r, "targetGUID")) for r in kids(code, "NoteRef")]
        read_codes(code, name, out, by_guid, notes)


def export_qdc(path: str | Path, codebook: pd.DataFrame) -> Path:
    """Write a standalone REFI-QDA codebook (``.qdc``)."""
    ns = NS_CODEBOOK
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}CodeBook", origin="carekit")
    _code_elements(ET.SubElement(root, f"{{{ns}}}Codes"), codebook, ns, None)
    path = Path(path)
    path.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
    return path


def import_qdc(path: str | Path) -> pd.DataFrame:
    """Read a ``.qdc`` codebook into a codebook table."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path.name}: cannot be read as a REFI-QDA codebook: {exc}") from exc
    root = parse_qde(raw, path.name)
    codes: list[dict] = []
    for codes_el in kids(root, "Codes"):
        read_codes(codes_el, None, codes, {})
    if not codes:
        return pd.DataFrame(columns=CODEBOOK_COLUMNS)
    return codebook_from_records(codes, path.name)


def validate_refi(path: str | Path, schema_dir: str | Path) -> list[str]:
    """Validate a ``.qdpx`` (its ``.qde``) or a ``.qdc`` against the QDA-XML 1.0 schemas.

    ``schema_dir`` holds ``Project.xsd`` and ``Codebook.xsd``. Returns one line per problem.
    """
    import xmlschema

    path = Path(path)
    if path.suffix.lower() == ".qdc":
        schema, data = Path(schema_dir) / "Codebook.xsd", path.read_bytes()
    else:
        schema = Path(schema_dir) / "Project.xsd"
        with zipfile.ZipFile(path) as zf:
            qde = next(n for n in zf.namelist() if n.lower().endswith(".qde"))
            data = zf.read(qde)
    xs = xmlschema.XMLSchema(str(schema))
    return [f"{path.name}: {e.reason} at {e.path}" for e in xs.iter_errors(data.decode("utf-8"))]
