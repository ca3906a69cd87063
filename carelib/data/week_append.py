"""``carelib append``: new rows of a table, checked against its contract, written as new week partitions.

:func:`append` loads a table file (CSV, Parquet, JSON Lines) with
:func:`carelib.data.tables.load_table` (``errors="exclude"``): rows that break the contract are set
aside by reason, and so are rows that cannot be placed in a week (no date, or a date known only to
the year or month). The other rows are grouped by the ISO week of the table's date column
(:data:`carelib.data.partitions.WEEK_COLUMNS`) and written with
:func:`carelib.data.partitions.stage_week` / :func:`~carelib.data.partitions.swap_week`: every week
is written to a temporary folder first, and only when all are written are they renamed into place.
Rows in = rows written + rows set aside, by reason.

Refused, with nothing written: a week that exists already (unless ``replace``), new weeks that would
leave a gap after the existing ones, columns that differ from the existing weeks'. :func:`check_rows`
is the deep check of a partitioned table: each partition loaded against its contract, one at a time.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from carelib.data.contracts import TableSpec, contract
from carelib.data.partitions import (
    WEEK_COLUMNS,
    arrow_schema,
    is_partitioned,
    partition_dir,
    span,
    stage_week,
    swap_week,
    validate,
)
from carelib.data.tables import load_table
from carelib.errors import DataError, ParameterError
from carelib.periods import TodayLike, iso_week, precise, week_range

__all__ = ["AppendReport", "append", "append_files", "check_rows"]


def _arrow():
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pa, pq


def _date_column(table: str) -> str:
    if table not in WEEK_COLUMNS:
        raise ParameterError(f"table {table!r} is not kept in week partitions: expected one of "
                             f"{', '.join(sorted(WEEK_COLUMNS))}")
    return WEEK_COLUMNS[table]


@dataclass(frozen=True)
class AppendReport:
    """What :func:`append` did: rows in = rows written + rows set aside (by reason); weeks written."""

    table: str
    source: str
    rows_in: int
    rows_written: int
    set_aside: dict[str, int] = field(default_factory=dict)
    weeks_written: tuple[str, ...] = ()
    weeks_replaced: tuple[str, ...] = ()
    files: tuple[Path, ...] = ()

    def lines(self) -> list[str]:
        """The report as lines for the command line."""
        aside = sum(self.set_aside.values())
        out = [f"{self.table}: {self.rows_in:,} rows in {self.source}, {self.rows_written:,} written, {aside:,} set aside"]
        out += [f"  set aside: {n:,} {reason}" for reason, n in sorted(self.set_aside.items())]
        if self.weeks_written:
            replaced = f" ({len(self.weeks_replaced)} replaced: {', '.join(self.weeks_replaced)})" if self.weeks_replaced else ""
            out.append(f"  weeks written: {span(self.weeks_written)}{replaced}")
        return out




def _frame_to_arrow(data: pd.DataFrame, spec: TableSpec, schema, source: str):
    """The loaded rows as an Arrow table in ``schema`` (the existing weeks'), or the contract's types."""
    pa, _ = _arrow()
    if schema is None:
        schema = arrow_schema(spec, list(data.columns))
    missing = [n for n in schema.names if n not in data.columns]
    for n in missing:
        col = next((c for c in spec.columns if c.name == n), None)
        if col is not None and col.required and not col.nullable:
            raise DataError(f"{source}: column {n!r}: expected (the existing weeks and the contract have it), "
                            f"found no such column")
    extra = [c for c in data.columns if c not in schema.names]
    if extra:
        raise DataError(f"{source}: column(s) {', '.join(map(repr, extra))}: not in the existing weeks "
                        f"({', '.join(schema.names)}); the columns of a partitioned table cannot change between weeks")
    arrays = []
    for f in schema:
        if f.name not in data.columns:
            arrays.append(pa.nulls(len(data), f.type))
            continue
        values = data[f.name]
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            values = values.astype("string")
        try:
            arrays.append(pa.array(values, from_pandas=True).cast(f.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise DataError(f"{source}: column {f.name!r}: expected {f.type} (as in the existing weeks), found "
                            f"{values.dtype} that does not convert ({exc})") from exc
    return pa.Table.from_arrays(arrays, schema=schema)


def append(folder: str | Path, table: str, source: str | Path, *, replace: bool = False,
           today: TodayLike = None) -> AppendReport:
    """Add the rows of a table file (CSV, Parquet, JSON Lines) to a week-partitioned table as new weeks.

    The rows are loaded against the table's contract (:func:`carelib.data.tables.load_table` with
    ``errors="exclude"``: rows that break it are set aside, by reason); rows without a date, or
    with a date known only to the year or month, cannot be placed in a week and are set aside too.
    The other rows are grouped by the ISO week of the table's date column (:data:`WEEK_COLUMNS`).
    Nothing is written when a week exists already (unless ``replace``), when the new weeks would
    leave a gap after the existing ones, or when the columns differ from the existing weeks.
    Weeks inside the span of the new rows that got none are written as empty partitions.

    Parameters
    ----------
    folder : str or Path
        The workspace folder (``<table>/`` is created for the first append).
    table : str
        A table of :data:`WEEK_COLUMNS`.
    source : str or Path
        The file of new rows.
    replace : bool
        Replace weeks that exist already (their old files are removed after the new ones are in place).
    today : str or Timestamp, optional
        The run's today for the contract's "date in the future" check.

    Returns
    -------
    AppendReport
        Rows in, written and set aside by reason; the weeks written and replaced.
    """
    folder, source = Path(folder), Path(source)
    column = _date_column(table)
    spec = contract(table)
    if not folder.is_dir():
        raise DataError(f"workspace folder {str(folder)!r} does not exist or is not a folder")
    data, report = load_table(source, table, errors="exclude", today=today)
    aside = {f"contract: {r}": int(n) for r, n in report.exclusions.drop_duplicates("row")["reason"].value_counts().items()}
    if column not in data.columns:
        raise DataError(f"{source.name}: column {column!r}: expected (it places each row in a week), found no such column")
    at = pd.to_datetime(data[column])
    placeable = at.notna() & precise(data, column)
    for mask, reason in ((at.isna(), f"no {column}: cannot be placed in a week"),
                         (at.notna() & ~precise(data, column), f"{column} known only to the year or month: no week")):
        if mask.any():
            aside[reason] = int(mask.sum())
    data = data[placeable.to_numpy()].drop(columns=[c for c in data.columns if c == f"{column}_precision"])
    data = data.reset_index(drop=True)
    weeks = iso_week(pd.to_datetime(data[column]))
    existing = validate(folder, table) if is_partitioned(folder, table) else []
    new_weeks = week_range(f"{weeks.min()}..{weeks.max()}") if len(data) else []
    have = sorted({p.week for p in existing})
    clash = [w for w in new_weeks if w in have]
    if clash and not replace:
        raise DataError(f"{table}/ in {folder.name!r}: week(s) {span(clash)} already exist: expected new weeks "
                        f"(pass --replace to replace them); nothing was written")
    if have and new_weeks:
        allw = sorted(set(have) | set(new_weeks))
        gap = [w for w in week_range(f"{allw[0]}..{allw[-1]}") if w not in allw]
        if gap:
            raise DataError(f"{table}/ in {folder.name!r}: appending {span(new_weeks)} would leave week(s) "
                            f"{span(gap)} missing (the table holds {span(have)}): append those weeks first "
                            f"(a week without rows is a file with no rows); nothing was written")
    _, pq = _arrow()
    schema = pq.read_schema(existing[0].path) if existing else None
    arrow = _frame_to_arrow(data, spec, schema, source.name)
    files, staged = [], []
    try:
        for w in new_weeks:
            idx = (weeks == w).to_numpy().nonzero()[0]
            part = arrow.take(idx).sort_by([(column, "ascending")])
            staged.append((stage_week(folder, table, w, part), partition_dir(folder, table, w)))
    except BaseException:
        for s, _ in staged:
            shutil.rmtree(s, ignore_errors=True)
        raise
    for s, target in staged:
        swap_week(s, target)
        files.append(target / "part-0.parquet")
    if report.rows_read != len(data) + sum(aside.values()):  # a gap is a carelib bug: say it loudly
        raise DataError(f"{source.name}: {report.rows_read} rows in, {len(data)} written and {sum(aside.values())} "
                        f"set aside: the counts do not add up")
    return AppendReport(table, source.name, report.rows_read, len(data), aside, tuple(new_weeks), tuple(clash),
                        tuple(files))


def append_files(folder: str | Path, sources: Iterable[str | Path], table: str | None = None, *,
                 replace: bool = False, today: TodayLike = None) -> list[AppendReport]:
    """:func:`append` each table file of ``sources``; a folder stands for its table files (``carelib import --out``).

    Parameters
    ----------
    folder : str or Path
        The workspace folder.
    sources : iterable of str or Path
        Table files (``responses.csv``: the name says the table) or folders holding such files.
    table : str, optional
        The table of every file (then the names do not matter).
    replace : bool
        Replace weeks that exist already.
    today : str or Timestamp, optional
        The run's today for the contract's "date in the future" check.

    Returns
    -------
    list of AppendReport
        One per file appended, in order.
    """
    from carelib.data.table_files import TABLE_SUFFIXES

    pairs = []
    for src in map(Path, sources):
        if src.is_dir():
            found = sorted(p for p in src.iterdir() if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES
                           and p.stem.lower() in WEEK_COLUMNS)
            if not found:
                raise DataError(f"{src}: expected table files of week-partitioned tables "
                                f"({', '.join(f'{t}.csv' for t in sorted(WEEK_COLUMNS))}), found none")
            pairs += [(table or p.stem.lower(), p) for p in found]
        elif src.is_file():
            pairs.append((table or src.stem.lower(), src))
        else:
            raise DataError(f"{src}: file not found")
    for name, _ in pairs:
        _date_column(name)
    return [append(folder, name, path, replace=replace, today=today) for name, path in pairs]


def check_rows(folder: str | Path, table: str, today: TodayLike = None) -> int:
    """Load every partition of a week-partitioned table against its contract, one at a time (bounded memory).

    Parameters
    ----------
    folder : str or Path
        The workspace folder.
    table : str
        A table of :data:`~carelib.data.partitions.WEEK_COLUMNS`.
    today : str or Timestamp, optional
        The run's today for the contract's "date in the future" check.

    Returns
    -------
    int
        Rows checked. Problems raise one :class:`DataError` naming each file, week, row and column.
    """
    folder = Path(folder)
    parts = validate(folder, table, deep=True)
    problems, rows = [], 0
    for p in parts:
        rel = p.path.relative_to(folder).as_posix()
        try:
            data, _ = load_table(p.path, table, errors="raise", today=today)
            rows += len(data)
        except DataError as exc:
            problems += [f"{rel}: week {p.week}: {line}" for line in exc.problems]
    if problems:
        raise DataError(f"{table}/ in {folder.name!r}: {len(problems)} problem(s) in the rows of the week partitions\n"
                        + "\n".join(problems[:30]) + (f"\n... and {len(problems) - 30} more" if len(problems) > 30 else ""),
                        problems=problems)
    return rows
