"""What QDA tools write that the REFI-QDA standard does not say: tolerant reading of ``.qdpx`` archives.

NVivo, ATLAS.ti, MAXQDA and QualCoder all write REFI-QDA 1.0 projects, each a little differently
(``docs/qda.md`` lists each tool's deviations). This module reads past them, so the project reader
in :mod:`carelib.qual.refi` can follow the standard:

- **Archive.** The one ``.qde`` file may be named after the project (ATLAS.ti) rather than
  ``project.qde``; sources may sit in ``Sources/`` (NVivo), ``sources/`` or at the top level.
- **Bytes.** The XML and the source texts may be UTF-8 with or without a BOM, or UTF-16 with a
  BOM (Windows tools); an XML declaration naming another encoding is followed.
- **Names.** Elements and attributes are matched by local name (any namespace or none, any
  prefix) and, when the exact name is absent, without regard to case (``startposition``).
- **GUIDs** are compared without braces and in lower case (``{ABCD-…}`` = ``abcd-…``).
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
import zipfile

from carelib.errors import DataError

__all__ = ["local", "kids", "kid", "attr", "guid_key", "decode_bytes", "parse_qde", "find_qde", "member_for",
           "read_member"]

_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""", re.IGNORECASE)


def local(tag: str) -> str:
    """The local name of an element or attribute name, without namespace or prefix.

    Examples
    --------
    >>> local("{urn:QDA-XML:project:1.0}TextSource"), local("qda:Code"), local("Code")
    ('TextSource', 'Code', 'Code')
    """
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def kids(el: ET.Element, name: str) -> list[ET.Element]:
    """The children of ``el`` named ``name`` (local name; any case when none matches exactly)."""
    exact = [c for c in el if isinstance(c.tag, str) and local(c.tag) == name]
    if exact:
        return exact
    low = name.lower()
    return [c for c in el if isinstance(c.tag, str) and local(c.tag).lower() == low]


def kid(el: ET.Element, name: str) -> ET.Element | None:
    """The first child named ``name`` (see :func:`kids`), or None."""
    found = kids(el, name)
    return found[0] if found else None


def attr(el: ET.Element, name: str, default: str | None = None) -> str | None:
    """An attribute by local name, exact first, then in any case.

    Parameters
    ----------
    el : Element
        The element.
    name : str
        The attribute's name as the standard spells it.
    default : str, optional
        What to return when the element has no such attribute.

    Returns
    -------
    str or None

    Examples
    --------
    >>> el = ET.fromstring('<Sel StartPosition="3" endposition="9"/>')
    >>> attr(el, "startPosition"), attr(el, "endPosition"), attr(el, "name", "-")
    ('3', '9', '-')
    """
    for key, value in el.attrib.items():
        if local(key) == name:
            return value
    low = name.lower()
    for key, value in el.attrib.items():
        if local(key).lower() == low:
            return value
    return default


def guid_key(value: str | None) -> str:
    """A GUID as compared: no braces, no spaces, lower case (``""`` for none).

    Examples
    --------
    >>> guid_key("{AB12CD34-0000-0000-0000-00000000000F}")
    'ab12cd34-0000-0000-0000-00000000000f'
    """
    return (value or "").strip().strip("{}").strip().lower()


def decode_bytes(raw: bytes, where: str) -> str:
    """Text of a file from a QDA tool: UTF-8 (BOM or not), UTF-16 with a BOM, or the declared XML encoding.

    Examples
    --------
    >>> decode_bytes(codecs.BOM_UTF8 + "naïve".encode(), "x.txt"), decode_bytes("naïve".encode("utf-16"), "x.txt")
    ('naïve', 'naïve')
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    if raw.startswith(b"<\x00"):  # UTF-16 LE without a BOM: '<' then a NUL
        return raw.decode("utf-16-le")
    if raw.startswith(b"\x00<"):
        return raw.decode("utf-16-be")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        declared = _DECLARED.match(raw)
        if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
            try:
                return raw.decode(declared.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                pass
        line = raw[:exc.start].count(b"\n") + 1
        raise DataError(f"{where} line {line}: expected UTF-8 or UTF-16 text, found byte 0x{raw[exc.start]:02x}"
                        ) from None


def parse_qde(raw: bytes, where: str) -> ET.Element:
    """The root element of a ``.qde`` file, whatever its encoding; a clear error when it is not XML."""
    text = _DECLARATION.sub("", decode_bytes(raw, where), count=1)
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise DataError(f"{where} line {exc.position[0]}: not well-formed XML: {exc}") from exc


def find_qde(names: list[str], archive: str) -> str:
    """The one ``.qde`` member at the top of the archive (any name: ATLAS.ti names it after the project)."""
    qde = [n for n in names if n.lower().endswith(".qde") and "/" not in n.strip("/")]
    if len(qde) != 1:
        raise DataError(f"{archive}: expected exactly one .qde project file at the top level, found {qde or 'none'}")
    return qde[0]


def member_for(ref: str | None, names: list[str]) -> str | None:
    """The archive member an ``internal://`` path points to, in ``sources/`` (any case) or at the top level.

    Examples
    --------
    >>> member_for("internal://ab.txt", ["project.qde", "Sources/AB.txt"])
    'Sources/AB.txt'
    >>> member_for("relative://ab.txt", ["Sources/ab.txt"]) is None
    True
    """
    if not ref or not ref.lower().startswith("internal://"):
        return None
    file = ref[len("internal://"):].lstrip("/").lower()
    lower = {n.lower(): n for n in names}
    for candidate in (f"sources/{file}", file):
        if candidate in lower:
            return lower[candidate]
    ends = [n for low, n in lower.items() if low.endswith("/" + file)]
    return ends[0] if len(ends) == 1 else None


def read_member(zf: zipfile.ZipFile, member: str, archive: str) -> str:
    """A text member of the archive, decoded by :func:`decode_bytes`.

    Parameters
    ----------
    zf : ZipFile
        The open archive.
    member : str
        The member's name in it.
    archive : str
        The archive's file name, for messages.

    Returns
    -------
    str
    """
    return decode_bytes(zf.read(member), f"{archive}/{member}")
