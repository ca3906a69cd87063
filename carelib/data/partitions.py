"""Week-partitioned Parquet tables: listing, fingerprints, strict validation, strict reading and append.

A big workspace keeps each event table as a folder of ISO-week partitions, Hive style, so DuckDB,
Spark and ``pyarrow.dataset`` read it as one data set (``hive_partitioning``)::

    responses/week=2026-W33/part-0.parquet
    responses/week=2026-W34/part-0.parquet
    tickets/week=2026-W33/part-0.parquet ...

The partition key ``week`` lives in the folder name only (never as a column of the files). A row
belongs to the week of its table's date column (:data:`WEEK_COLUMNS`: ``responses.submitted_at``,
``tickets.created_at`` ...). A week with no rows is a partition holding a Parquet file with no
rows: a *missing* week folder between the first and the last week is an error, so a lost file is
never read as a quiet week.

Reading is strict (:func:`validate`, :func:`read`): a file that is not Parquet, a week whose
columns differ from the other weeks (a column missing or added, a type changed), a column whose
type the contract cannot read, a gap in the weeks, a file in the wrong place: each is an error
naming the file, the week, the column, what was expected and what was found. Never a partial count.

Fingerprints (:func:`fingerprint`) key an incremental tally store per partition:

- ``"stat"`` (default): SHA-256 of the path relative to the workspace, the size in bytes and the
  modification time in nanoseconds. Free (one ``stat``) and changes whenever a writer replaces the
  file (:func:`append` and the generator always write a new file and rename it into place). A copy
  that keeps bytes but not mtimes (``cp`` without ``-p``) looks changed: the tallies are recomputed,
  never wrong.
- ``"content"``: SHA-256 of the path and every byte. Survives copies; costs a full read.

Writing is whole weeks or nothing: :func:`write_week` (and :func:`stage_week` + :func:`swap_week`)
write a week into a temporary folder that is renamed into place. New rows checked against the
contract are appended by :mod:`carelib.data.week_append` (``carelib append``), which imports this
module (and :mod:`carelib.data.tables`); this module reads no contract rows itself, so
:class:`carelib.data.tables.Workspace` can call it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from carelib.data.contracts import TableSpec, contract
from carelib.errors import DataError, ParameterError
from carelib.periods import parse_week, week_range

__all__ = ["PARTITION_KEY", "WEEK_COLUMNS", "ARROW_TYPES", "Partition", "partition_dir", "partitioned_tables",
           "is_partitioned", "scan", "fingerprint", "validate", "read", "write_week", "stage_week", "swap_week",
           "arrow_schema", "span", "column_ranges"]

PARTITION_KEY = "week"
WEEK_COLUMNS = {"responses": "submitted_at", "orders": "ordered_at", "tickets": "created_at", "messages": "sent_at",
                "complaints": "received_at", "reviews": "created_at", "recoveries": "occurred_at"}
_WEEK_DIR = re.compile(r"^week=(\d{4}-W\d{2})$")
MAX_LISTED = 30


def _arrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a dependency of pandas' Parquet support
        raise ParameterError("week-partitioned tables need pyarrow: pip install pyarrow") from exc
    return pa, pq


def _arrow_types() -> dict[str, object]:
    pa, _ = _arrow()
    return {"id": pa.string(), "str": pa.string(), "int": pa.int64(), "float": pa.float64(),
            "datetime": pa.timestamp("us"), "bool": pa.bool_(), "category": pa.string()}


ARROW_TYPES = ("id/str/category: string", "int: int64", "float: float64", "datetime: timestamp[us]", "bool: bool")


@dataclass(frozen=True)
class Partition:
    """One file of a week-partitioned table: its week, path, rows (from the Parquet footer), bytes, fingerprint."""

    table: str
    week: str
    path: Path
    rows: int
    bytes: int
    fingerprint: str


def span(weeks: Iterable[str]) -> str:
    weeks = sorted(weeks)
    if not weeks:
        return "none"
    return weeks[0] if len(weeks) == 1 else f"{weeks[0]}..{weeks[-1]} ({len(weeks)} weeks)"


def _date_column(table: str) -> str:
    if table not in WEEK_COLUMNS:
        raise ParameterError(f"table {table!r} is not kept in week partitions: expected one of "
                             f"{', '.join(sorted(WEEK_COLUMNS))}")
    return WEEK_COLUMNS[table]


def partition_dir(folder: str | Path, table: str, week: str) -> Path:
    """The folder of one week of a table: ``FOLDER/<table>/week=<week>``; the week label is checked.

    Parameters
    ----------
    folder : str or Path
        The workspace folder.
    table : str
        A table of :data:`WEEK_COLUMNS`.
    week : str
        An ISO week label (``"2026-W33"``).

    Returns
    -------
    Path
        The partition folder (it may not exist yet).

    Examples
    --------
    >>> partition_dir("ws", "responses", "2026-W33").as_posix()
    'ws/responses/week=2026-W33'
    """
    _date_column(table)
    parse_week(week)
    return Path(folder) / table / f"{PARTITION_KEY}={week}"


def is_partitioned(folder: str | Path, table: str) -> bool:
    """Whether ``FOLDER/<table>/`` is a folder (the table is kept in week partitions)."""
    return (Path(folder) / table).is_dir() and table in WEEK_COLUMNS


def partitioned_tables(folder: str | Path) -> list[str]:
    """The tables of a workspace kept in week partitions, sorted."""
    return sorted(t for t in WEEK_COLUMNS if is_partitioned(folder, t))


def fingerprint(path: str | Path, root: str | Path | None = None, how: str = "stat") -> str:
    """Fingerprint of one partition file, for an incremental tally store to key on (see the module notes).

    Parameters
    ----------
    path : str or Path
        The Parquet file.
    root : str or Path, optional
        The workspace folder; the path is hashed relative to it (a moved workspace keeps its keys).
    how : {"stat", "content"}
        ``stat``: path, size and modification time (free); ``content``: path and every byte.

    Returns
    -------
    str
        ``"stat:<sha256 hex>"`` or ``"content:<sha256 hex>"``.
    """
    path = Path(path)
    name = path.relative_to(root).as_posix() if root is not None else path.as_posix()
    h = hashlib.sha256(name.encode() + b"\0")
    if how == "stat":
        st = path.stat()
        h.update(f"{st.st_size}\0{st.st_mtime_ns}".encode())
    elif how == "content":
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    else:
        raise ParameterError(f"fingerprint how must be 'stat' or 'content', got {how!r}")
    return f"{how}:{h.hexdigest()}"


def _listing(folder: Path, table: str) -> tuple[list[tuple[str, Path]], list[str], set[str]]:
    """(week, file) of every partition file, one problem line per entry that is not where it belongs, the weeks."""
    base = folder / table
    files, problems, weeks = [], [], set()
    if not base.is_dir():
        raise DataError(f"workspace {folder.name!r} has no week-partitioned {table!r} table: expected a folder "
                        f"{table}/ holding {PARTITION_KEY}=YYYY-Www/part-0.parquet")
    for entry in sorted(base.iterdir()):
        rel = entry.relative_to(folder).as_posix()
        if entry.name.startswith((".", "_")):  # temporary folders of a writer, _SUCCESS markers
            continue
        m = _WEEK_DIR.match(entry.name)
        if not entry.is_dir() or not m:
            problems.append(f"{rel}: not a week partition: expected a folder named {PARTITION_KEY}=YYYY-Www "
                            f"(e.g. {PARTITION_KEY}=2026-W33)")
            continue
        try:
            parse_week(m.group(1))
        except ParameterError as exc:
            problems.append(f"{rel}: not a week partition: {exc}")
            continue
        weeks.add(m.group(1))
        parts = [p for p in sorted(entry.iterdir()) if not p.name.startswith((".", "_"))]
        bad = [p for p in parts if p.suffix.lower() != ".parquet" or not p.is_file()]
        problems += [f"{p.relative_to(folder).as_posix()}: expected a .parquet file in a week partition, "
                     f"found {'a folder' if p.is_dir() else repr(p.name)}" for p in bad]
        good = [p for p in parts if p not in bad]
        if not good:
            problems.append(f"{rel}: week {m.group(1)} has no Parquet file (a week without rows is a file with "
                            f"no rows, so it is not mistaken for a lost one)")
        files += [(m.group(1), p) for p in good]
    return files, problems, weeks


def scan(folder: str | Path, table: str, how: str = "stat") -> list[Partition]:
    """Every partition file of a week-partitioned table, by week: rows from the footer, bytes, fingerprint.

    Reads only the Parquet footers. A file that cannot be read as Parquet, or an entry that is not
    a week partition, raises :class:`DataError` naming it (see :func:`validate` for the full check).

    Parameters
    ----------
    folder : str or Path
        The workspace folder.
    table : str
        A table of :data:`WEEK_COLUMNS`.
    how : {"stat", "content"}
        The :func:`fingerprint` of each file.

    Returns
    -------
    list of Partition
        Sorted by week, then file name.
    """
    parts, problems, _, _ = _scan(Path(folder), table, how)
    if problems:
        _raise(folder, table, problems)
    return parts


def _scan(folder: Path, table: str, how: str) -> tuple[list[Partition], list[str], dict[Path, object], set[str]]:
    _, pq = _arrow()
    _date_column(table)
    listing, problems, weeks = _listing(folder, table)
    parts, schemas = [], {}
    for week, path in listing:
        rel = path.relative_to(folder).as_posix()
        try:
            meta = pq.read_metadata(path)
            schemas[path] = meta.schema.to_arrow_schema()
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
            problems.append(f"{rel}: week {week}: cannot be read as Parquet ({type(exc).__name__}: {exc})")
            continue
        parts.append(Partition(table, week, path, meta.num_rows, path.stat().st_size, fingerprint(path, folder, how)))
    return parts, problems, schemas, weeks


def column_ranges(path: str | Path, columns: Iterable[str]) -> dict[str, tuple[object, object] | None]:
    """Least and greatest value of each column of one Parquet file, from its footer's statistics (nothing else read).

    A column the file does not hold is left out; a column with values but without statistics in some row
    group maps to None (its range is unknown: a caller must read the values); a column of nulls only maps
    to ``(None, None)``.

    Parameters
    ----------
    path : str or Path
        The Parquet file.
    columns : iterable of str
        The columns.

    Returns
    -------
    dict
        Column name to ``(least, greatest)`` as pyarrow gives them (str, int, datetime ...), or None.

    Examples
    --------
    >>> import tempfile, pathlib, pyarrow as pa, pyarrow.parquet as pq
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "part-0.parquet"
    >>> pq.write_table(pa.table({"id": ["R2", "R1"], "x": [None, None]}, pa.schema([("id", pa.string()), ("x", pa.int64())])), f)
    >>> column_ranges(f, ["id", "x", "y"])
    {'id': ('R1', 'R2'), 'x': (None, None)}
    """
    _, pq = _arrow()
    meta = pq.read_metadata(path)
    names = meta.schema.to_arrow_schema().names
    out: dict[str, tuple[object, object] | None] = {}
    for name in columns:
        if name not in names:
            continue
        i, lo, hi, known = names.index(name), None, None, True
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            st = group.column(i).statistics
            if group.num_rows == 0 or (st is not None and st.has_null_count and st.null_count == group.num_rows):
                continue  # no values in this row group
            if st is None or not st.has_min_max:
                known = False
                break
            lo = st.min if lo is None or st.min < lo else lo
            hi = st.max if hi is None or st.max > hi else hi
        out[name] = (lo, hi) if known else None
    return out


def _raise(folder: str | Path, table: str, problems: list[str]) -> None:
    shown = problems[:MAX_LISTED]
    more = f"\n... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    raise DataError(f"{table}/ in {Path(folder).name!r}: {len(problems)} problem(s) in the week partitions\n"
                    + "\n".join(shown) + more, problems=problems)


def _family(t: object) -> str:
    """The kind of an Arrow type that strict reading compares: widths and units may differ, kinds may not."""
    pa, _ = _arrow()
    if pa.types.is_dictionary(t):
        return _family(t.value_type)
    for test, name in ((pa.types.is_integer, "integer"), (pa.types.is_floating, "float"),
                       (lambda x: pa.types.is_string(x) or pa.types.is_large_string(x), "string"),
                       (pa.types.is_boolean, "bool"), (pa.types.is_date, "date"), (pa.types.is_null, "null")):
        if test(t):
            return name
    if pa.types.is_timestamp(t):
        return f"timestamp (time zone {t.tz})" if t.tz else "timestamp"
    return str(t)


_CONTRACT_READS = {"id": {"string", "integer"}, "str": {"string"}, "int": {"integer", "float"},
                   "float": {"integer", "float"}, "datetime": {"timestamp", "date", "string"},
                   "bool": {"bool", "string"}, "category": {"string"}}


def _schema_problems(folder: Path, spec: TableSpec, parts: list[Partition], schemas: dict) -> list[str]:
    """Every week against the first week (columns and type kinds), and the first week against the contract."""
    if not parts:
        return []
    ref_part = parts[0]
    ref = schemas[ref_part.path]
    ref_rel = ref_part.path.relative_to(folder).as_posix()
    problems = []
    if PARTITION_KEY in ref.names:
        problems.append(f"{ref_rel}: week {ref_part.week}: column {PARTITION_KEY!r} is the partition key, kept in "
                        f"the folder name only: found it as a column of the file")
    for col in spec.columns:
        if col.name not in ref.names:
            if col.required:
                problems.append(f"{ref_rel}: week {ref_part.week}, column {col.name!r}: expected (required by the "
                                f"{spec.name} contract), found no such column")
            continue
        kind = _family(ref.field(col.name).type)
        if kind != "null" and kind not in _CONTRACT_READS[col.kind]:
            problems.append(f"{ref_rel}: week {ref_part.week}, column {col.name!r}: expected "
                            f"{' or '.join(sorted(_CONTRACT_READS[col.kind]))} (contract kind {col.kind}), found {kind}")
    ref_kinds = {n: _family(ref.field(n).type) for n in ref.names}
    for p in parts[1:]:
        s = schemas[p.path]
        rel = p.path.relative_to(folder).as_posix()
        for name in ref.names:
            if name not in s.names:
                problems.append(f"{rel}: week {p.week}, column {name!r}: expected (as in {ref_rel}), found no such column")
                continue
            kind = _family(s.field(name).type)
            if "null" not in (kind, ref_kinds[name]) and kind != ref_kinds[name]:
                problems.append(f"{rel}: week {p.week}, column {name!r}: expected {ref_kinds[name]} (as in {ref_rel}), "
                                f"found {kind}")
        for name in s.names:
            if name not in ref_kinds:
                problems.append(f"{rel}: week {p.week}, column {name!r}: not in {ref_rel} (the columns changed "
                                f"between weeks)")
    return problems


def _gaps(table: str, seen: set[str]) -> list[str]:
    """Weeks without a folder between the first and the last (a folder without a file is reported on its own)."""
    weeks = sorted(seen)
    if len(weeks) < 2:
        return []
    have = set(weeks)
    missing = [w for w in week_range(f"{weeks[0]}..{weeks[-1]}") if w not in have]
    return [f"{table}/{PARTITION_KEY}={w}: week {w} missing between {weeks[0]} and {weeks[-1]}: expected a partition "
            f"(a week without rows is a file with no rows), found none" for w in missing]


def _rows_in_week(folder: Path, table: str, p: Partition) -> list[str]:
    """Deep check of one partition: every date of the table's date column inside the partition's week."""
    pa, pq = _arrow()
    import numpy as np

    from carelib.periods import week_bounds

    rel = p.path.relative_to(folder).as_posix()
    column = WEEK_COLUMNS[table]
    try:
        values = pq.read_table(p.path, columns=[column])[column]
    except Exception as exc:  # noqa: BLE001 - a footer that reads but pages that do not
        return [f"{rel}: week {p.week}: cannot be read as Parquet ({type(exc).__name__}: {exc})"]
    start, end = week_bounds(p.week)
    at = pd.to_datetime(pd.Series(values.to_pandas()), errors="coerce")
    outside = ((at < start) | (at >= end) | at.isna()).to_numpy()
    if not outside.any():
        return []
    first = int(np.nonzero(outside)[0][0])
    return [f"{rel}: week {p.week}, column {column!r}: expected dates in {p.week} ({start.date()} to "
            f"{(end - pd.Timedelta(days=1)).date()}), found {int(outside.sum()):,} row(s) outside it "
            f"(first: row {first + 1}, {at.iloc[first]})"]


def validate(folder: str | Path, table: str, *, deep: bool = False, how: str = "stat") -> list[Partition]:
    """Check a week-partitioned table strictly; return its partitions or raise one error listing every problem.

    Checked from the Parquet footers (fast at any size): every entry is a ``week=YYYY-Www`` folder
    holding Parquet files; each file reads as Parquet; every week has the columns of the first week
    with the same kinds of type (integer, float, string, timestamp ...); the first week has the
    contract's required columns in types the contract reads; no week is missing between the first
    and the last. With ``deep=True`` the date column of each partition is read (one at a time) and
    every date must fall in the partition's week; the contract check of every row is
    :func:`carelib.data.week_append.check_rows`.

    Parameters
    ----------
    folder : str or Path
        The workspace folder.
    table : str
        A table of :data:`WEEK_COLUMNS`.
    deep : bool
        Also read each partition's date column and check that its rows belong to its week.
    how : {"stat", "content"}
        The fingerprint of each partition.

    Returns
    -------
    list of Partition
        Sorted by week.

    Raises
    ------
    DataError
        Naming each file, its week, the column, what was expected and what was found.
    """
    folder = Path(folder)
    spec = contract(table)
    parts, problems, schemas, seen = _scan(folder, table, how)
    problems += _schema_problems(folder, spec, parts, schemas)
    problems += _gaps(table, seen)
    if deep and not problems:
        for p in parts:
            problems += _rows_in_week(folder, table, p)
    if problems:
        _raise(folder, table, problems)
    return parts


def read(folder: str | Path, table: str, columns: list[str] | None = None,
         weeks: Iterable[str] | None = None) -> pd.DataFrame:
    """Read a week-partitioned table (or some of its weeks) into pandas, after :func:`validate`.

    Each file is read on its own and must give as many rows as its footer says; the total must
    equal the sum of the footers: a partial read raises, it is never returned.

    Parameters
    ----------
    folder : str or Path
        The workspace folder.
    table : str
        A table of :data:`WEEK_COLUMNS`.
    columns : list of str, optional
        Columns to read (default: all); an unknown name is an error naming the columns there are.
    weeks : iterable of str, optional
        Only these weeks; a week that has no partition is an error.

    Returns
    -------
    DataFrame
        The rows in week order, without the partition key.
    """
    _, pq = _arrow()
    folder = Path(folder)
    parts = validate(folder, table)
    if weeks is not None:
        wanted = sorted(set(weeks))
        have = {p.week for p in parts}
        absent = [w for w in wanted if w not in have]
        if absent:
            raise DataError(f"{table}/ in {folder.name!r}: no partition for week(s) {', '.join(absent)} "
                            f"(the table holds {span(have)})")
        parts = [p for p in parts if p.week in set(wanted)]
    if columns is not None and parts:
        names = pq.read_schema(parts[0].path).names
        unknown = [c for c in columns if c not in names]
        if unknown:
            raise ParameterError(f"{table}: no column(s) {', '.join(map(repr, unknown))}: the table has "
                                 f"{', '.join(names)}")
    frames = []
    for p in parts:
        try:
            t = pq.read_table(p.path, columns=columns)
        except Exception as exc:  # noqa: BLE001 - a footer that reads but pages that do not
            raise DataError(f"{p.path.relative_to(folder).as_posix()}: week {p.week}: cannot be read as Parquet "
                            f"({type(exc).__name__}: {exc})") from exc
        if t.num_rows != p.rows:
            raise DataError(f"{p.path.relative_to(folder).as_posix()}: week {p.week}: expected {p.rows:,} rows "
                            f"(the file's footer), found {t.num_rows:,}")
        frames.append(t.to_pandas())
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns or [])
    if len(out) != sum(p.rows for p in parts):  # pragma: no cover - guarded per file above
        raise DataError(f"{table}: read {len(out):,} rows, the partitions hold {sum(p.rows for p in parts):,}")
    return out


# --------------------------------------------------------------------------- writing


def arrow_schema(spec: TableSpec, names: list[str]):
    """The Arrow schema of a partition file with columns ``names``: contract columns in :data:`ARROW_TYPES`,
    other columns (segment attributes) as strings."""
    pa, _ = _arrow()
    types = _arrow_types()
    known = {c.name: c for c in spec.columns}
    return pa.schema([(n, types[known[n].kind] if n in known else pa.string()) for n in names])


def _write_file(table, path: Path, unique: tuple[str, ...] = ()) -> None:
    """Write an Arrow table to ``path`` through a temporary file in the same folder (whole file or nothing).

    zstd level 1 and dictionary pages for every column but the unique ids: measured on a week of
    answers, half the CPU of pyarrow's defaults and a quarter smaller.
    """
    _, pq = _arrow()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    dictionary = [n for n in table.column_names if n not in unique]
    try:
        pq.write_table(table, tmp, compression="zstd", compression_level=1, use_dictionary=dictionary)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_week(folder: str | Path, table: str, week: str, data, *, replace: bool = False) -> Path:
    """Write one week of a table as ``<table>/week=<week>/part-0.parquet``, whole or not at all.

    Parameters
    ----------
    folder : str or Path
        The workspace folder.
    table : str
        A table of :data:`WEEK_COLUMNS`.
    week : str
        The ISO week (``"2026-W33"``).
    data : pyarrow.Table
        The rows (possibly none), without a ``week`` column.
    replace : bool
        Replace the week when it exists; otherwise an existing week is an error.

    Returns
    -------
    Path
        The file written.
    """
    target = partition_dir(folder, table, week)
    if target.exists() and not replace:
        raise DataError(f"{target.relative_to(folder).as_posix()}: week {week} already exists: expected a new week "
                        f"(pass replace=True, or --replace, to replace it)")
    staged = stage_week(Path(folder), table, week, data)
    swap_week(staged, target)
    return target / "part-0.parquet"


def stage_week(folder: Path, table: str, week: str, data) -> Path:
    """Write one week into a temporary folder beside the table's weeks; :func:`swap_week` puts it in place.

    Parameters
    ----------
    folder : Path
        The workspace folder.
    table : str
        A table of :data:`WEEK_COLUMNS`.
    week : str
        The ISO week.
    data : pyarrow.Table
        The week's rows.

    Returns
    -------
    Path
        The temporary folder (hidden: its name starts with ``.``, so listings skip it).
    """
    staged = folder / table / f".{PARTITION_KEY}={week}.{uuid.uuid4().hex}.tmp"
    try:
        unique = tuple(c.name for c in contract(table).columns if c.unique)
        _write_file(data, staged / "part-0.parquet", unique)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def swap_week(staged: Path, target: Path) -> None:
    """Rename a staged week folder into place; an old week is moved aside first and removed after."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.{uuid.uuid4().hex}.old")
        os.rename(target, old)
    try:
        os.rename(staged, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
