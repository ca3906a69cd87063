"""REFI-QDA exchange: ``.qdpx`` projects and ``.qdc`` codebooks (QDA-XML 1.0).

What NVivo, ATLAS.ti, MAXQDA and QualCoder open. A ``.qdpx`` is a ZIP holding one
``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``) and ``sources/`` with each
text source as UTF-8; text selections are **0-based Unicode code-point offsets**,
``[startPosition, endPosition)``, as Python slices. Exports are deterministic: GUIDs are
UUID-5 of stable names, no creation times are written and ZIP entries carry a fixed date,
so the same input gives the same bytes.

Import tolerates the known quirks: the inner XML named after the project (ATLAS.ti),
``Sources/`` with a capital S (NVivo), sources inline as ``PlainTextContent``, and XML
without the namespace.

Codings are a table with columns ``source, start, end, code, coder``.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from carelib.errors import DataError
from carelib.qual.codebook import CODEBOOK_COLUMNS, codebook_from_records

__all__ = ["RefiProject", "export_qdpx", "import_qdpx", "export_qdc", "import_qdc", "validate_refi"]

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
_ROOT = uuid.UUID("6f1c3f8e-5d1b-4b8e-9a43-6a0c2f4b7e21")  # carekit's namespace for UUID-5
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_PREFIXES = {"include": "Include: ", "exclude": "Exclude: ", "keywords": "Keywords: "}
CODING_COLUMNS = ["source", "start", "end", "code", "coder"]


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(_ROOT, "\x1f".join(map(str, parts))))


@dataclass
class RefiProject:
    """What a ``.qdpx`` holds, as carelib tables."""

    name: str
    sources: dict[str, str]
    codebook: pd.DataFrame
    codings: pd.DataFrame


def _description(row: pd.Series) -> str:
    lines = [row["definition"]] if row["definition"] else []
    for field, prefix in _PREFIXES.items():
        if row[field]:
            lines.append(prefix + " | ".join(row[field]))
    return "\n".join(lines)


def _parse_description(text: str) -> dict:
    out: dict = {"definition": [], **{f: [] for f in _PREFIXES}}
    for line in (text or "").splitlines():
        for field, prefix in _PREFIXES.items():
            if line.startswith(prefix):
                out[field] = [v for v in line[len(prefix):].split(" | ") if v]
                break
        else:
            out["definition"].append(line)
    out["definition"] = "\n".join(out["definition"]).strip()
    return out


def _code_elements(parent: ET.Element, book: pd.DataFrame, ns: str, of: str | None) -> None:
    children = book[book["parent"].isna()] if of is None else book[book["parent"] == of]
    for _, row in children.iterrows():
        el = ET.SubElement(parent, f"{{{ns}}}Code", guid=_guid("code", row["code"]), name=row["code"], isCodable="true")
        desc = _description(row)
        if desc:
            ET.SubElement(el, f"{{{ns}}}Description").text = desc
        _code_elements(el, book, ns, row["code"])


def _check_codings(codings: pd.DataFrame, sources: dict[str, str], book: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in CODING_COLUMNS if c not in codings.columns]
    if missing:
        raise DataError(f"codings: missing column(s) {missing}; expected {CODING_COLUMNS}")
    known = set(book["code"])
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
    return codings[CODING_COLUMNS].astype({"start": int, "end": int})


def export_qdpx(
    path: str | Path,
    *,
    sources: dict[str, str],
    codebook: pd.DataFrame,
    codings: pd.DataFrame,
    project: str = "carekit project",
) -> Path:
    """Write a REFI-QDA project: codebook, text sources, selections with codings by coder.

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
    ...                 codebook=book, codings=codings)
    >>> back = import_qdpx(p)
    >>> back.sources["i1"][0:4], back.codings.to_dict("records")
    ('Late', [{'source': 'i1', 'start': 0, 'end': 4, 'code': 'late', 'coder': 'ana'}])
    """
    ns = NS_PROJECT
    ET.register_namespace("", ns)
    codings = _check_codings(codings, sources, codebook)
    root = ET.Element(f"{{{ns}}}Project", name=project, origin="carekit")
    coders = sorted(codings["coder"].astype(str).unique())
    if coders:
        users = ET.SubElement(root, f"{{{ns}}}Users")
        for c in coders:
            ET.SubElement(users, f"{{{ns}}}User", guid=_guid("user", c), name=c)
    cb = ET.SubElement(ET.SubElement(root, f"{{{ns}}}CodeBook"), f"{{{ns}}}Codes")
    _code_elements(cb, codebook, ns, None)
    files: dict[str, str] = {}
    if sources:
        src_el = ET.SubElement(root, f"{{{ns}}}Sources")
        for name in sorted(sources):
            sguid = _guid("source", name)
            files[f"sources/{sguid}.txt"] = sources[name]
            ts = ET.SubElement(src_el, f"{{{ns}}}TextSource", guid=sguid, name=name, plainTextPath=f"internal://{sguid}.txt")
            mine = codings[codings["source"] == name].sort_values(["start", "end", "code", "coder"])
            for (start, end), group in mine.groupby(["start", "end"], sort=True):
                sel = ET.SubElement(
                    ts, f"{{{ns}}}PlainTextSelection", guid=_guid("selection", name, start, end),
                    name=sources[name][start:end][:60], startPosition=str(start), endPosition=str(end),
                )
                for r in group.itertuples(index=False):
                    coding = ET.SubElement(sel, f"{{{ns}}}Coding", guid=_guid("coding", name, start, end, r.code, r.coder),
                                           creatingUser=_guid("user", r.coder))
                    ET.SubElement(coding, f"{{{ns}}}CodeRef", targetGUID=_guid("code", r.code))
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member, data in [("project.qde", xml), *((k, v.encode("utf-8")) for k, v in sorted(files.items()))]:
            info = zipfile.ZipInfo(member, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _read_codes(el: ET.Element, parent: str | None, out: list[dict], by_guid: dict[str, str]) -> None:
    for code in _children(el, "Code"):
        name = code.get("name")
        desc = next((d.text or "" for d in _children(code, "Description")), "")
        out.append({"code": name, "parent": parent, **_parse_description(desc)})
        by_guid[code.get("guid", "").strip("{}").lower()] = name
        _read_codes(code, name, out, by_guid)


def import_qdpx(path: str | Path) -> RefiProject:
    """Read a ``.qdpx`` (see the module docstring for the quirks tolerated)."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"{path.name}: not a REFI-QDA project (.qdpx is a ZIP archive): {exc}") from exc
    with zf:
        names = zf.namelist()
        qde = [n for n in names if n.lower().endswith(".qde") and "/" not in n.strip("/")]
        if len(qde) != 1:
            raise DataError(f"{path.name}: expected exactly one .qde project file at the top level, found {qde or 'none'}")
        try:
            root = ET.fromstring(zf.read(qde[0]))
        except ET.ParseError as exc:
            raise DataError(f"{path.name}/{qde[0]} line {exc.position[0]}: not well-formed XML: {exc}") from exc
        lower = {n.lower(): n for n in names}
        users = {u.get("guid", "").strip("{}").lower(): u.get("name") or u.get("guid") for u in root.iter() if _local(u.tag) == "User"}
        codes: list[dict] = []
        by_guid: dict[str, str] = {}
        for cb in (e for e in root.iter() if _local(e.tag) == "CodeBook"):
            for codes_el in _children(cb, "Codes"):
                _read_codes(codes_el, None, codes, by_guid)
        book = codebook_from_records(codes, f"{path.name} codebook") if codes else pd.DataFrame(columns=CODEBOOK_COLUMNS)
        sources: dict[str, str] = {}
        rows = []
        for ts in (e for e in root.iter() if _local(e.tag) == "TextSource"):
            name = ts.get("name") or ts.get("guid")
            sources[name] = _source_text(zf, lower, ts, path.name)
            for sel in _children(ts, "PlainTextSelection"):
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                for coding in _children(sel, "Coding"):
                    ref = next(iter(_children(coding, "CodeRef")), None)
                    target = (ref.get("targetGUID") if ref is not None else "").strip("{}").lower()
                    if target not in by_guid:
                        raise DataError(f"{path.name}: a coding in source {name!r} refers to unknown code {target!r}")
                    user = (coding.get("creatingUser") or "").strip("{}").lower()
                    rows.append({"source": name, "start": start, "end": end, "code": by_guid[target],
                                 "coder": users.get(user, user or "unknown")})
    codings = pd.DataFrame(rows, columns=CODING_COLUMNS)
    codings = codings.sort_values(CODING_COLUMNS, ignore_index=True)
    return RefiProject(root.get("name", path.stem), sources, book, codings)


def _source_text(zf: zipfile.ZipFile, lower: dict[str, str], ts: ET.Element, archive: str) -> str:
    inline = next(iter(_children(ts, "PlainTextContent")), None)
    if inline is not None:
        return inline.text or ""
    ref = ts.get("plainTextPath") or ""
    if ref.startswith("internal://"):
        member = lower.get(("sources/" + ref[len("internal://"):]).lower())
        if member is None:
            raise DataError(f"{archive}: source {ts.get('name')!r} points to {ref}, which is not in the archive")
        return zf.read(member).decode("utf-8-sig")
    raise DataError(
        f"{archive}: source {ts.get('name')!r} has plainTextPath {ref!r}; only internal:// sources or "
        "inline PlainTextContent can be read from an archive"
    )


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
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise DataError(f"{path.name}: cannot be read as a REFI-QDA codebook: {exc}") from exc
    codes: list[dict] = []
    for codes_el in _children(root, "Codes"):
        _read_codes(codes_el, None, codes, {})
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
