"""Read a table file as it is, and refuse a file whose structure cannot be trusted.

:func:`read_raw` returns the cells as read (strings for CSV) before any typing; the contract
checks live in :mod:`carelib.data.tables`. What is refused here, naming the row:

- **Encodings.** A CSV or JSON Lines file must be UTF-8 (a byte-order mark is fine). Another
  encoding is named with the row, the column and the text as it reads in the encoding the file
  seems to be in (Windows-1252/Latin-1 or UTF-16), and the fix (re-save as UTF-8, or ``iconv``).
- **Repeated header names.** pandas would silently rename the second ``score`` to ``score.1``;
  the header is read here and a repeated name is an error naming both column positions.
- **Ragged rows.** pandas silently fills a row with fewer fields than the header with empty
  cells, and takes the first column as the index when the first data row has one field too
  many (every column then shifts by one). A fast scan (pyarrow) finds such rows; the file is
  then read record by record and each ragged row is reported (expected N fields, found M) so
  the loader sets it aside.

:func:`parse_column` then types one column by its contract kind (ids and text to stripped strings,
whole numbers, ISO 8601 dates with their precision, yes/no), marking each filled cell that does not
convert; the contract checks of the typed frame live in :mod:`carelib.data.tables`.

Row numbers are as a spreadsheet shows them: in a CSV file the header is row 1 and the first
record row 2 (blank lines are skipped, as pandas does); in JSON Lines the first record is row 1.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from carelib import checks as check
from carelib.data.contracts import Col
from carelib.errors import DataError, ParameterError
from carelib.periods import parse_dates

__all__ = ["RawTable", "read_raw", "TABLE_SUFFIXES", "RAGGED", "as_text", "present", "parse_column",
           "parse_date_column", "yes_no_cells"]

TABLE_SUFFIXES = (".csv", ".parquet", ".jsonl")
RAGGED = "ragged row"


class RawTable(NamedTuple):
    """Cells as read, the row number of the first record, and rows that could not be read as records."""

    frame: pd.DataFrame
    first_row: int
    problems: list[dict]


def read_raw(path: Path) -> RawTable:
    """Read ``path`` (``.csv``, ``.parquet``, ``.jsonl``/``.ndjson``) without typing the cells."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".parquet":
        try:
            return RawTable(pd.read_parquet(path), 1, [])
        except (ValueError, OSError) as exc:
            raise DataError(f"{path.name}: cannot be read as parquet: {exc}") from exc
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(path)
    raise DataError(f"{path.name}: unsupported table format {suffix!r}; expected one of {', '.join(TABLE_SUFFIXES)}")


# ---------------------------------------------------------------------------------------------- CSV
@contextlib.contextmanager
def _big_fields() -> Iterator[None]:
    """Let the csv module read fields of any size (a 1 MB comment), restoring its limit afterwards."""
    old = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _blank(record: list[str]) -> bool:
    """A line pandas skips: empty, or nothing but spaces."""
    return not record or (len(record) == 1 and not record[0].strip())


def _letters(i: int) -> str:
    """Spreadsheet column letters of 0-based position ``i`` (0 → A, 26 → AA)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh, _big_fields():
            header = next((r for r in csv.reader(fh) if not _blank(r)), None)
    except UnicodeDecodeError:
        raise _encoding_error(path, csv_file=True) from None
    if header is None:
        raise DataError(f"{path.name}: the file is empty; expected a header row naming the columns, "
                        "then one row per record")
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        if name.strip():  # empty names (trailing commas of a spreadsheet export) become "Unnamed: i"
            positions.setdefault(name, []).append(i)
    lines = []
    for name, pos in positions.items():
        if len(pos) > 1:
            times = "twice" if len(pos) == 2 else f"{len(pos)} times"
            cols = " and ".join(str(p + 1) for p in pos)
            letters = " and ".join(_letters(p) for p in pos)
            lines.append(f"{path.name} row 1: column {name!r} appears {times} in the header (columns {cols}, "
                         f"{letters} in a spreadsheet); rename or remove one")
    if lines:
        raise DataError("\n".join(lines), problems=lines)
    return header


def _names(header: list[str]) -> list[str]:
    return [name if name.strip() else f"Unnamed: {i}" for i, name in enumerate(header)]


def _has_ragged_rows(path: Path) -> bool | None:
    """Whether any row has another number of fields than the header (pyarrow, fast); None if pyarrow cannot tell."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    found = False

    def note(_row: object) -> str:
        nonlocal found
        found = True
        return "skip"

    try:
        pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=note),
                       convert_options=pacsv.ConvertOptions(include_columns=[]))
    except (pa.ArrowInvalid, OSError):
        return None
    return found


def _ragged(row: int, expected: int, found: int) -> dict:
    why = "the row looks cut off" if found < expected else "a comma in an unquoted text?"
    return {"row": row, "column": None, "reason": RAGGED, "expected": f"{expected} fields, as in the header",
            "found": f"{found} field{'s' if found != 1 else ''} ({why})"}


def _read_records(path: Path, header: list[str]) -> RawTable:
    """Record by record (csv module): every ragged row reported, padded or cut to the header's width."""
    n = len(header)
    rows: list[list[str]] = []
    problems: list[dict] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh, _big_fields():
            records = (r for r in csv.reader(fh) if not _blank(r))
            next(records)  # the header
            for record in records:
                if len(record) != n:
                    problems.append(_ragged(len(rows) + 2, n, len(record)))
                    record = (record + [""] * n)[:n]
                rows.append(record)
    except UnicodeDecodeError:
        raise _encoding_error(path, csv_file=True) from None
    frame = pd.DataFrame(rows, columns=_names(header), dtype=str) if rows else pd.DataFrame(columns=_names(header))
    return RawTable(frame.mask(frame.eq("")), 2, problems)


def _read_csv(path: Path) -> RawTable:
    header = _header(path)
    if _has_ragged_rows(path):
        return _read_records(path, header)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except UnicodeDecodeError:
        raise _encoding_error(path, csv_file=True) from None
    except pd.errors.ParserError as exc:
        unclosed = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if unclosed:
            raise DataError(f"{path.name} row {int(unclosed.group(1)) + 1}: a quoted text is never closed (the file "
                            "ends inside quotes); check the quote marks from that row on") from None
        if "Expected" in str(exc):  # a ragged row the fast scan did not see
            return _read_records(path, header)
        raise DataError(f"{path.name}: cannot be read as csv: {exc}") from exc
    except (ValueError, OSError) as exc:
        raise DataError(f"{path.name}: cannot be read as csv: {exc}") from exc
    if not isinstance(frame.index, pd.RangeIndex) or len(frame.columns) != len(header):
        return _read_records(path, header)  # pandas took a column as the index: a row has a field too many
    return RawTable(frame, 2, [])


# ---------------------------------------------------------------------------------------------- JSON Lines
def _read_jsonl(path: Path) -> RawTable:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _encoding_error(path, csv_file=False) from None
    try:
        return RawTable(pd.read_json(io.StringIO(text), lines=True, dtype=False), 1, [])
    except ValueError as exc:
        row = 0
        for line in text.splitlines():
            if not line.strip():
                continue
            row += 1
            try:
                ok = isinstance(json.loads(line), dict)
                why = "" if ok else "not an object"
            except json.JSONDecodeError as err:
                ok, why = False, f"{err.msg} at character {err.colno}"
            if not ok:
                shown = line if len(line) <= 60 else line[:57] + "..."
                raise DataError(f"{path.name} row {row}: expected one JSON object per line, found {shown!r} "
                                f"({why})") from None
        raise DataError(f"{path.name}: cannot be read as JSON Lines: {exc}") from exc


# ---------------------------------------------------------------------------------------------- typing cells
def as_text(s: pd.Series) -> pd.Series:
    """Strings, stripped; ids read from Parquet/JSON as whole floats (12.0) become "12"."""
    if pd.api.types.is_float_dtype(s):
        vals = s.dropna()
        if bool((vals == np.floor(vals)).all()):
            s = s.astype("Int64")
    return s.astype("string").str.strip()


def present(s: pd.Series) -> pd.Series:
    """Cells that hold something: not missing, not blank."""
    return (s.notna() & ~(s.astype("string").str.strip() == "")).astype(bool)


def parse_column(s: pd.Series, col: Col) -> tuple[pd.Series, pd.Series]:
    """Convert one column to its contract type; return (typed, mask of cells that failed)."""
    filled = present(s)
    if col.kind == "datetime":
        typed, _ = parse_date_column(s)
        return typed, filled & typed.isna()
    if col.kind in ("id", "str", "category"):
        typed = as_text(s).where(filled)
        return typed.astype("string"), pd.Series(False, index=s.index)
    if col.kind in ("int", "float"):
        yes_no = yes_no_cells(s)
        if pd.api.types.is_bool_dtype(s):
            num = pd.Series(np.nan, index=s.index)
        elif pd.api.types.is_numeric_dtype(s):
            num = s.astype(float)
        else:
            num = pd.to_numeric(s.mask(yes_no), errors="coerce").astype(float)
        bad = filled & (num.isna() | yes_no)
        bad |= num.notna() & ~np.isfinite(num)  # inf is not a number a table can hold
        if col.kind == "int":
            bad |= num.notna() & ((num != np.floor(num)) | (num.abs() >= 2**63))  # 9.0 is 9; 7.5 is not an integer
        num = num.where(~bad)
        return (num.astype("Int64"), bad) if col.kind == "int" else (num, bad)
    if col.kind == "bool":
        if pd.api.types.is_bool_dtype(s):
            return s.astype("boolean"), pd.Series(False, index=s.index)
        typed = check.read_bool(s)
        return typed, filled & typed.isna()
    raise ParameterError(f"contract column {col.name!r} has unknown kind {col.kind!r}")


def parse_date_column(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(timestamps, precision): typed datetime columns (Parquet) as they are, text by :func:`parse_dates`."""
    if pd.api.types.is_datetime64_any_dtype(s):
        typed = s.dt.tz_convert(None) if getattr(s.dt, "tz", None) is not None else s
        return typed, pd.Series("time", index=s.index, dtype="string").where(typed.notna())
    return parse_dates(as_text(s))  # JSON numbers (2012) are text here, never nanoseconds since 1970


def yes_no_cells(s: pd.Series) -> pd.Series:
    """True/False cells: a boolean column (Parquet, JSON), or Python booleans among other values."""
    if pd.api.types.is_bool_dtype(s):
        return s.notna().astype(bool)
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty", "floating", "integer"):
        return s.map(lambda v: isinstance(v, bool | np.bool_)).astype(bool)
    return pd.Series(False, index=s.index)



# ---------------------------------------------------------------------------------------------- encodings
def _guess(data: bytes) -> tuple[str, str, str]:
    """(codec, name for people, name for iconv) of a file that is not UTF-8."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16", "UTF-16 (as Excel's 'Unicode Text' saves it)", "UTF-16"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1", "Latin-1 (ISO-8859-1)", "ISO-8859-1"
    return "cp1252", "Windows-1252/Latin-1", "WINDOWS-1252"


def _encoding_error(path: Path, *, csv_file: bool) -> DataError:
    """Where the first byte that is not UTF-8 is (row, column), what it reads as, and how to fix the file."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        return DataError(f"{path.name}: cannot be read as UTF-8 text")
    except UnicodeDecodeError as exc:
        start = exc.start
    codec, looks, iconv = _guess(data)
    prefix = data[:start].decode("utf-8").removeprefix("\ufeff")
    line_start, line_end = data.rfind(b"\n", 0, start) + 1, data.find(b"\n", start)
    line = data[line_start:line_end if line_end >= 0 else len(data)].decode(codec, errors="replace").strip("\r\ufeff")
    where, shown = "", line
    if codec == "utf-16":
        row = 1
    elif csv_file:
        with _big_fields():
            records = [r for r in csv.reader(io.StringIO(prefix + "X")) if not _blank(r)]
            header = next((r for r in csv.reader(io.StringIO(data.decode(codec, errors="replace"))) if not _blank(r)),
                          [])
        row, col = len(records), len(records[-1]) - 1 if records else 0
        fields = next(csv.reader(io.StringIO(line)), [])
        if 0 <= col < len(header) and row > 1:
            where = f", column {header[col]!r}"
        if row > 1 and col < len(fields) and len(fields) == len(header):
            shown = fields[col]
    else:
        row = sum(1 for ln in prefix.split("\n")[:-1] if ln.strip()) + 1
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    fixed = path.with_name(f"{path.stem}-utf8{path.suffix}").name
    return DataError(
        f"{path.name} row {row}{where}: expected UTF-8 text, found byte 0x{data[start]:02x} ({shown!r} if the file "
        f"is {looks}); re-save the file as UTF-8 (in Excel: Save As > 'CSV UTF-8'), or convert it: "
        f"iconv -f {iconv} -t UTF-8 {path.name} > {fixed}"
    )

