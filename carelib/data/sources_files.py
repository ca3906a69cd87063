"""The ground of the export readers: files of any tool read as rows of text, with their row numbers.

:mod:`carelib.data.sources` reads the exports that real tools write; this module holds what every
reader shares:

- **Text files** (CSV, TSV, TXT). Bytes are decoded by the byte-order mark (UTF-8, UTF-16 LE/BE),
  else as UTF-8, else as Windows-1252 (what Excel's plain "CSV" saves on Windows). Bytes that none of
  these read, or a binary file (a workbook renamed ``.csv``), are a :class:`~carelib.errors.DataError`
  naming the row. The delimiter (``,`` ``;`` tab ``|``) is the one that splits the first line into the
  most fields (a ``.tsv`` prefers tab).
- **Workbooks** (``.xlsx``/``.xlsm``) through openpyxl in read-only mode, the sheet by name or the
  first. Cells become the text Excel shows in the General format: whole numbers without ``.0``,
  others with 15 significant digits (``0.1 + 0.2`` shows ``0.3``), ``TRUE``/``FALSE``, dates as ISO
  (``2026-11-03``, or ``2026-11-03 09:15:00`` with a time). A formula cell gives its saved value.
- **JSON** (a list of records, or JSON Lines): nested objects flattened with dots (``via.channel``),
  lists kept as JSON text, ``null`` as ``""``, numbers and ``true``/``false`` as JSON writes them.

Row numbers are as a spreadsheet shows them: every record of a text file is a row (a quoted cell
spanning lines is one row; a blank line is a row too), so in a plain CSV the header is row 1 and
the first record row 2. Blank rows inside the data stay in the frame as rows of ``""`` so that
``first_row + position`` is always the row a person finds in the file; blank rows at the end are
dropped. In JSON the row is the record's number (the first record is 1).

Every cell is a ``str`` (``""`` when empty), kept verbatim: a cell ``=cmd|' /C calc'!A0``, HTML or
a megabyte of text is data, neutralised later where it is shown or written.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from carelib.errors import DataError, ParameterError

__all__ = ["RawPart", "Row", "read_rows", "read_records", "unique_names", "part_from_rows", "part_from_records",
           "cell_text", "TEXT_SUFFIXES", "EXCEL_SUFFIXES", "JSON_SUFFIXES"]

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
_DELIMITERS = (",", "\t", ";", "|")

Row = tuple[int, list[str]]
"""A row of cells and its number in the file (as a spreadsheet shows it)."""


@dataclass(frozen=True)
class RawPart:
    """One part of an export (``"responses"``, ``"tickets"``, ``"messages"`` ...) as read, before mapping.

    ``frame`` holds every cell as a ``str`` (``""`` when empty) under the export's own headers
    (a repeated header becomes ``"Header (2)"``); ``first_row`` is the file row of ``frame`` row 0,
    so row ``i`` of the frame is file row ``first_row + i``; ``questions`` maps a column to its
    question text where the tool writes questions in a separate header row.
    """

    name: str
    frame: pd.DataFrame
    file: Path
    first_row: int
    questions: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- names
def unique_names(headers: list[str]) -> list[str]:
    """Headers made unique: the second ``Score`` becomes ``Score (2)``; an empty header ``Unnamed: i``.

    Examples
    --------
    >>> unique_names(["Score", "Comment", "Score", "", "Score"])
    ['Score', 'Comment', 'Score (2)', 'Unnamed: 3', 'Score (3)']
    """
    names = [h if h.strip() else f"Unnamed: {i}" for i, h in enumerate(headers)]
    taken = set(names)
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 1:
            out.append(name)
            continue
        k = seen[name]
        while f"{name} ({k})" in taken:
            k += 1
        seen[name] = k
        taken.add(f"{name} ({k})")
        out.append(f"{name} ({k})")
    return out


# ---------------------------------------------------------------------------------------------- text files
@contextlib.contextmanager
def _big_fields() -> Iterator[None]:
    """Let the csv module read a field of any size (a 1 MB comment), restoring its limit afterwards."""
    old = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _row_of(data: bytes, at: int) -> int:
    return data.count(b"\n", 0, at) + 1


def _head(path: Path, size: int | None) -> bytes:
    if size is None:
        return path.read_bytes()
    with path.open("rb") as fh:
        data = fh.read(size)
    if len(data) < size:
        return data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data[:len(data) // 2 * 2]  # whole UTF-16 code units (a cut pair is replaced when decoded)
    cut = data.rfind(b"\n")
    return data[:cut + 1] if cut > 0 else data


def decode_text(path: Path, head: int | None = None) -> str:
    """The text of ``path`` (its first ``head`` bytes, cut at a line end): by byte-order mark, else UTF-8,
    else Windows-1252; a clear error otherwise."""
    data = _head(path, head)
    if data[:4] == b"PK\x03\x04":
        raise DataError(f"{path.name}: expected a text file (CSV), found a zip archive: an Excel workbook? "
                        "Give it an .xlsx name, or save it from Excel as 'CSV UTF-8'")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16", errors="strict" if head is None else "replace")
        except UnicodeDecodeError as exc:
            raise DataError(f"{path.name}: starts as UTF-16 text but byte {exc.start} does not decode; "
                            "re-save the file as UTF-8") from None
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    elif len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0] and data[2]:
        return data.decode("utf-16-le", errors="strict")  # UTF-16 without a byte-order mark
    if b"\x00" in data:
        at = data.index(b"\x00")
        raise DataError(f"{path.name} row {_row_of(data, at)}: expected text, found a NUL byte at byte {at} "
                        "(a binary file, or UTF-16 cut in half?)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first = exc.start
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path.name} row {_row_of(data, exc.start)}: expected UTF-8, UTF-16 or Windows-1252 text, found byte "
            f"0x{data[exc.start]:02x} that none of them reads (the first byte that is not UTF-8 is 0x"
            f"{data[first]:02x} at row {_row_of(data, first)}); re-save the file as UTF-8 "
            "(in Excel: Save As > 'CSV UTF-8')") from None


def _delimiter(text: str, suffix: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    with _big_fields():
        counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in _DELIMITERS}
    best = max(counts.values())
    if suffix == ".tsv" and counts["\t"] == best:
        return "\t"
    return next(d for d in _DELIMITERS if counts[d] == best)


def _text_rows(path: Path, head: int | None) -> list[Row]:
    text = decode_text(path, head)
    delimiter = _delimiter(text, path.suffix.lower())
    try:
        with _big_fields():
            return [(i, r) for i, r in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1)]
    except csv.Error as exc:
        raise DataError(f"{path.name}: cannot be read as delimited text: {exc}") from None


# ---------------------------------------------------------------------------------------------- workbooks
def cell_text(value: Any) -> str:
    """The text Excel shows for a cell value in the General format (dates as ISO).

    Examples
    --------
    >>> [cell_text(v) for v in (None, 3.0, 0.1 + 0.2, True, dt.datetime(2026, 11, 3), "=A1")]
    ['', '3', '0.3', 'TRUE', '2026-11-03', '=A1']
    >>> cell_text(dt.datetime(2026, 11, 3, 9, 15))
    '2026-11-03 09:15:00'
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _excel_rows(path: Path, sheet: str | None, limit: int | None) -> list[Row]:
    try:
        import openpyxl
    except ImportError:
        raise DataError(f"{path.name}: reading Excel workbooks needs openpyxl (pip install openpyxl)") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError or its own errors for a broken file
        raise DataError(f"{path.name}: expected an Excel workbook (.xlsx), found a file openpyxl cannot open "
                        f"({type(exc).__name__}: {exc})") from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise ParameterError(f"{path.name}: sheet={sheet!r} is not in the workbook; its sheets are "
                                 f"{', '.join(map(repr, book.sheetnames))}")
        ws.reset_dimensions()  # some writers record a wrong used range; read every cell there is
        values = ws.iter_rows(max_row=limit, values_only=True)
        return [(i, [cell_text(v) for v in row]) for i, row in enumerate(values, 1)]
    finally:
        book.close()


def read_rows(path: Path, sheet: str | None = None, *, limit: int | None = None) -> list[Row]:
    """Every row of a text file or a workbook sheet as ``(row number, cells)``, cells as text.

    Parameters
    ----------
    path
        A ``.csv``/``.tsv``/``.txt`` file or an ``.xlsx``/``.xlsm`` workbook.
    sheet
        Workbooks only: the sheet's name; the first sheet when ``None``.
    limit
        Read about this many rows only (the first megabyte of a text file), to look at a file's headers.

    Returns
    -------
    list of (int, list of str)
        Rows in file order, numbered from 1 as a spreadsheet shows them; trailing cells may be missing.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if suffix in EXCEL_SUFFIXES:
        return _excel_rows(path, sheet, limit)
    if suffix in JSON_SUFFIXES:
        raise shape_error(path, "table", "CSV, TSV or an Excel workbook", "a JSON file")
    if sheet is not None:
        raise ParameterError(f"{path.name}: sheet={sheet!r} is given but the file is not a workbook "
                             f"({', '.join(EXCEL_SUFFIXES)}); leave sheet out")
    return _text_rows(path, None if limit is None else 1 << 20)


def _blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


def part_from_rows(name: str, path: Path, header: list[str], rows: list[Row],
                   questions: dict[str, str] | None = None, *, header_at: int = 1) -> RawPart:
    """A part from a header and the rows under it: cells padded to the header, blank tail rows dropped.

    Parameters
    ----------
    name
        The part's name (``"responses"``, ``"tickets"`` ...).
    path
        The file, for the part and for error messages.
    header
        The column names (made unique with :func:`unique_names`).
    rows
        ``(row number, cells)`` of the data rows, consecutive.
    questions
        Column → question text, where the tool has a question row.
    header_at
        The row number of the (last) header row: ``first_row`` when there are no data rows.

    Returns
    -------
    RawPart
        ``first_row`` is the number of the first data row (``header_at + 1`` when there is none).
    """
    while rows and _blank(rows[-1][1]):
        rows = rows[:-1]
    columns = unique_names(header)
    n = len(columns)
    cells = []
    for number, record in rows:
        extra = [c for c in record[n:] if c.strip()]
        if extra:
            raise DataError(f"{path.name} row {number}: expected at most {n} fields, as in the header, found "
                            f"{len(record)} (a delimiter inside an unquoted text?); first extra value "
                            f"{_short(extra[0])!r}")
        cells.append(record[:n] + [""] * (n - len(record)))
    frame = pd.DataFrame(cells, columns=columns, dtype=object) if cells else pd.DataFrame(columns=columns,
                                                                                           dtype=object)
    first = rows[0][0] if rows else header_at + 1
    return RawPart(name, frame, path, first, dict(questions or {}))


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


# ---------------------------------------------------------------------------------------------- JSON
def _load_json(path: Path) -> Any:
    text = decode_text(path)
    lines = path.suffix.lower() in (".jsonl", ".ndjson")
    if not lines:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg != "Extra data":
                raise DataError(f"{path.name} row {exc.lineno}: expected JSON, found {exc.msg} at character "
                                f"{exc.colno}") from None
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataError(f"{path.name} row {number}: expected one JSON object per line (JSON Lines), found "
                            f"{_short(line.strip())!r} ({exc.msg} at character {exc.colno})") from None
    return records


def read_records(path: Path) -> Any:
    """The parsed content of a ``.json`` file, or the list of records of a JSON Lines file."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    return _load_json(path)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def flatten(record: dict, prefix: str = "") -> list[tuple[str, str]]:
    """``(dotted key, text)`` of a JSON object; nested objects flattened, lists kept as JSON text."""
    out: list[tuple[str, str]] = []
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.extend(flatten(value, f"{name}."))
        elif isinstance(value, dict):
            out.append((name, ""))
        else:
            out.append((name, _scalar(value)))
    return out


def part_from_records(name: str, path: Path, records: list[Any], where: str = "") -> RawPart:
    """A part from JSON records: one row per record (record *n* is row *n*), columns in first-seen order.

    Parameters
    ----------
    name
        The part's name.
    path
        The file, for the part and for error messages.
    records
        JSON objects (dicts); anything else is an error naming its position.
    where
        Where the records sit in the file (``'"tickets"'``), for error messages.

    Returns
    -------
    RawPart
        ``first_row`` is 1.
    """
    flat = []
    for i, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise DataError(f"{path.name} record {i}{' of ' + where if where else ''}: expected a JSON object, "
                            f"found {_short(json.dumps(record, ensure_ascii=False))!r}")
        pairs = flatten(record)
        keys = unique_names([k for k, _ in pairs])
        flat.append(dict(zip(keys, (v for _, v in pairs), strict=True)))
    columns = list(dict.fromkeys(k for row in flat for k in row))
    frame = pd.DataFrame([[row.get(c, "") for c in columns] for row in flat], columns=columns, dtype=object)
    return RawPart(name, frame, path, 1)


# ---------------------------------------------------------------------------------------------- shapes
def shape_error(path: Path, tool: str, expected: str, found: str) -> DataError:
    """The error of a file that does not have a tool's documented shape.

    ``read_source`` adds which kind the file looks like (``shape_mismatch`` marks the error for it).
    """
    article = "an" if tool[:1] in "AEIOU" else "a"
    error = DataError(f"{path.name}: expected {article} {tool} export ({expected}); found {found}")
    error.shape_mismatch = True  # type: ignore[attr-defined]
    return error


def header_row(path: Path, rows: list[Row]) -> Row:
    """The first non-blank row (the header), or an error naming the empty file."""
    for row in rows:
        if not _blank(row[1]):
            return row
    raise DataError(f"{path.name}: the file is empty; expected a header row naming the columns, then one row "
                    "per record")


def has_columns(header: list[str], *names: str) -> bool:
    """Whether every name is a header (compared without case and surrounding spaces)."""
    present = {h.strip().casefold() for h in header}
    return all(n.casefold() in present for n in names)


def table_part(name: str, path: Path, rows: list[Row]) -> RawPart:
    """The plain table under the first non-blank row of ``rows``."""
    number, header = header_row(path, rows)
    return part_from_rows(name, path, header, [r for r in rows if r[0] > number], header_at=number)
